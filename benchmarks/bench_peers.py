"""Time mktnews against its peers on the same 1,000 market-model events.

Run from the repository root::

    /work/venv/bin/python benchmarks/bench_peers.py            # 1,000 events, 7 runs each
    /work/venv/bin/python benchmarks/bench_peers.py --runs 3 --no-write

Every tool gets the same events and data (:mod:`_events`: ten real indices, benchmark
^STOXX or ^GSPC, estimation (-260, -11), event window (-5, 5), market model, simple
returns) and runs one after the other in this process:

- ``eventstudy`` 0.1a12 (PyPI): returns CSVs (its input form), ``Single.market_model``
  per event, ``Multiple`` to aggregate;
- ``statspai``: ``statspai.abnormal_returns`` on a long returns frame;
- a naive pandas loop, as a user writes it by hand, with statsmodels OLS and with numpy
  ``lstsq``;
- the numpy floor: the same formulas on pre-gathered (N x T) arrays (gathering not timed);
- mktnews, when ``mktnews.study.event_study`` exists, through ``run_mktnews`` in
  ``benchmarks/bench_engine.py`` (see :func:`mktnews_tool` for the contract).

Each tool is run once untimed on a few events (imports, lazy initialisation), then
``--runs`` times on all events; the table reports the median, min and max wall-clock
seconds, scaled to seconds per 1,000 events. A tool whose probe on ``--probe`` events
extrapolates beyond ``--max-seconds`` per run is timed on the probe size and scaled
(the table says so). Input conversion into the form a peer demands (CSV files for
``eventstudy``, a long frame for ``statspai``) is timed separately ("prep") and is not in
the headline number. CARs of every tool are compared with the naive loop on every event,
and test statistics that share a definition are compared across tools.

Results go to ``benchmarks/results/peers.md`` (and ``peers.json``) unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.metadata as md
import inspect
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _events import EventSet, Gathered, build_events, gather  # noqa: E402

RESULTS = HERE / "results"


# --------------------------------------------------------------------------------------
# Tools
# --------------------------------------------------------------------------------------


@dataclass
class Tool:
    """A contestant.

    ``prepare(es)`` turns the event set into the tool's input form (timed separately as
    "prep"); ``run(state)`` is the timed call; ``cars(result, es)`` returns CAR(-5, 5) as
    a Series indexed by ``event_id``; ``tests(result)`` the names of the tests computed.
    """

    name: str
    prepare: Callable[[EventSet], Any]
    run: Callable[[Any], Any]
    cars: Callable[[Any, EventSet], pd.Series]
    tests: Callable[[Any], list[str]]
    note: str = ""
    stats: Callable[[Any], dict[str, float]] = field(default=lambda r: {})


def _est_win(es: EventSet) -> tuple[int, int, int, int]:
    (e0, e1), (w0, w1) = es.estimation, es.window
    return e0, e1, w0, w1


# ---- eventstudy (0.1a12) --------------------------------------------------------------


def eventstudy_prepare(es: EventSet) -> dict[str, Any]:
    """Write one returns CSV per benchmark group (date + one column per ticker)."""
    tmp = Path(tempfile.mkdtemp(prefix="bench_eventstudy_"))
    paths: dict[str, str] = {}
    for bench, members in es.groups.items():
        dates = es.returns[bench].dropna().index
        wide = es.returns.loc[dates, [bench, *members]].copy()
        wide.index = pd.Index(pd.DatetimeIndex(wide.index).strftime("%Y-%m-%d"), name="date")
        path = tmp / f"returns_{bench.strip('^')}.csv"
        wide.to_csv(path)
        paths[bench] = str(path)
    return {"paths": paths, "events": es.events, "es": es}


def eventstudy_run(state: dict[str, Any]) -> Any:
    """Import each group's CSV, run ``Single.market_model`` per event, aggregate."""
    import eventstudy as evs

    es: EventSet = state["es"]
    e0, e1, w0, w1 = _est_win(es)
    estimation_size = e1 - e0 + 1
    buffer_size = w0 - e1 - 1
    singles: list[Any] = []
    ids: list[str] = []
    ev = state["events"]
    for bench, path in state["paths"].items():
        evs.Single.import_returns(path)
        sub = ev[ev["benchmark"] == bench]
        for eid, sym, day in zip(sub["event_id"], sub["symbol"], sub["event_date"], strict=True):
            singles.append(
                evs.Single.market_model(
                    security_ticker=sym,
                    market_ticker=bench,
                    event_date=np.datetime64(day.date()),
                    event_window=(w0, w1),
                    estimation_size=estimation_size,
                    buffer_size=buffer_size,
                )
            )
            ids.append(eid)
    agg = evs.Multiple(singles, errors=[])
    return {"agg": agg, "ids": ids}


def eventstudy_cars(res: dict[str, Any], es: EventSet) -> pd.Series:
    return pd.Series([s.CAR[-1] for s in res["agg"].sample], index=res["ids"], dtype=float)


def eventstudy_stats(res: dict[str, Any]) -> dict[str, float]:
    agg = res["agg"]
    return {"caar": float(agg.CAAR[-1]), "caar_t": float(agg.tstat[-1])}


EVENTSTUDY = Tool(
    name="eventstudy 0.1a12",
    prepare=eventstudy_prepare,
    run=eventstudy_run,
    cars=eventstudy_cars,
    tests=lambda r: [
        "per-event CAR t (s² with ddof 0, no coefficient-error term, t(L-1))",
        "CAAR t per window day (sum of event variances / N², t(Σ(L-1)))",
        "CAR distribution (mean, var, skew, kurtosis, quantiles)",
    ],
    note="input: one returns CSV per benchmark group, read by Single.import_returns (in the timed part)",
    stats=eventstudy_stats,
)


# ---- statspai ----------------------------------------------------------------------------


def statspai_prepare(es: EventSet) -> dict[str, Any]:
    """Long returns frame (id, date, ret, mkt) and an events frame (id, event_date)."""
    members = [m for ms in es.groups.values() for m in ms]
    data = pd.concat([es.pair(s).assign(id=s) for s in members]).rename_axis("date").reset_index()
    events = pd.DataFrame(
        {"id": es.events["symbol"].to_numpy(), "event_date": es.events["event_date"].to_numpy()}
    )
    return {"data": data, "events": events, "es": es}


def statspai_run(state: dict[str, Any]) -> Any:
    import statspai as sp

    es: EventSet = state["es"]
    return sp.abnormal_returns(
        state["data"],
        state["events"],
        model="market",
        market="mkt",
        event_window=es.window,
        estimation_window=es.estimation,
    )


def statspai_cars(res: Any, es: EventSet) -> pd.Series:
    ids = es.events["event_id"].to_numpy()[res.events.index.to_numpy()]
    return pd.Series(res.events["car"].to_numpy(), index=ids, dtype=float)


#: statspai's test names -> the names used in the comparison table (mktnews' names where
#: the definition is the same; statspai's adj_patell / kp use its own r̄, see the report).
STATSPAI_NAMES = {
    "cross_sectional": "cs_t",
    "patell": "patell",
    "bmp": "bmp",
    "adj_patell": "kp_patell (statspai r̄)",
    "kp": "kp_bmp (statspai r̄)",
    "grank": "grank",
    "sign_rank": "wilcoxon_z",
}


def statspai_stats(res: Any) -> dict[str, float]:
    out = {"caar": float(res.caar), "rbar (statspai)": float(res.mean_correlation)}
    for name, row in res.tests.iterrows():
        out[STATSPAI_NAMES.get(str(name), str(name))] = float(row["statistic"])
    return out


STATSPAI = Tool(
    name="statspai",
    prepare=statspai_prepare,
    run=statspai_run,
    cars=statspai_cars,
    tests=lambda r: [
        "per-event CAR t (with coefficient-error term, t(L-2))",
        *[str(t) for t in r.tests.index],
    ],
    note="input: long frame id/date/ret/mkt built from the same returns (prep)",
    stats=statspai_stats,
)


# ---- naive loops -------------------------------------------------------------------------


def naive_statsmodels(es: EventSet) -> dict[str, Any]:
    """What a user writes by hand: per event, slice, statsmodels OLS, AR, CAR; then a t."""
    import statsmodels.api as sm

    e0, e1, w0, w1 = _est_win(es)
    pairs = {}
    for bench, members in es.groups.items():
        for sym in members:
            pairs[sym] = es.returns[[sym, bench]].dropna()
    cars = {}
    for row in es.events.itertuples(index=False):
        pair = pairs[str(row.symbol)]
        i = int(pair.index.get_loc(row.event_date))  # type: ignore[arg-type]
        est = pair.iloc[i + e0 : i + e1 + 1]
        win = pair.iloc[i + w0 : i + w1 + 1]
        fit = sm.OLS(est[row.symbol], sm.add_constant(est[row.benchmark])).fit()
        ar = win[row.symbol] - (fit.params["const"] + fit.params[row.benchmark] * win[row.benchmark])
        cars[row.event_id] = ar.sum()
    car = pd.Series(cars)
    n = len(car)
    t = car.mean() / (car.std(ddof=1) / np.sqrt(n))
    return {"car": car, "t": float(t), "p": float(2 * stats.t.sf(abs(t), n - 1))}


def naive_numpy(es: EventSet) -> dict[str, Any]:
    """The same loop with numpy arrays per instrument and ``np.linalg.lstsq``."""
    e0, e1, w0, w1 = _est_win(es)
    arrays = {}
    for bench, members in es.groups.items():
        for sym in members:
            pair = es.returns[[sym, bench]].dropna()
            arrays[sym] = (pair.index, pair[sym].to_numpy(), pair[bench].to_numpy())
    cars = {}
    for row in es.events.itertuples(index=False):
        idx, y, x = arrays[str(row.symbol)]
        i = int(idx.get_loc(row.event_date))  # type: ignore[arg-type]
        ye, xe = y[i + e0 : i + e1 + 1], x[i + e0 : i + e1 + 1]
        coef, *_ = np.linalg.lstsq(np.column_stack([np.ones_like(xe), xe]), ye, rcond=None)
        ar = y[i + w0 : i + w1 + 1] - (coef[0] + coef[1] * x[i + w0 : i + w1 + 1])
        cars[row.event_id] = ar.sum()
    car = pd.Series(cars)
    n = len(car)
    t = car.mean() / (car.std(ddof=1) / np.sqrt(n))
    return {"car": car, "t": float(t), "p": float(2 * stats.t.sf(abs(t), n - 1))}


NAIVE_SM = Tool(
    name="naive loop (pandas + statsmodels)",
    prepare=lambda es: es,
    run=naive_statsmodels,
    cars=lambda r, es: r["car"],
    tests=lambda r: ["cross-sectional t"],
    stats=lambda r: {"caar": float(r["car"].mean()), "cs_t": r["t"]},
)
NAIVE_NP = Tool(
    name="naive loop (pandas + numpy lstsq)",
    prepare=lambda es: es,
    run=naive_numpy,
    cars=lambda r, es: r["car"],
    tests=lambda r: ["cross-sectional t"],
    stats=lambda r: {"caar": float(r["car"].mean()), "cs_t": r["t"]},
)


# ---- numpy floor -------------------------------------------------------------------------


def _ranks(a: np.ndarray) -> np.ndarray:
    """Row-wise ranks 1..T (continuous data: no ties)."""
    order = a.argsort(axis=1)
    out = np.empty(a.shape)
    np.put_along_axis(out, order, np.broadcast_to(np.arange(1.0, a.shape[1] + 1), a.shape), axis=1)
    return out


def floor_core(g: Gathered) -> dict[str, Any]:
    """Market model, AR, CAR, CAR variance and the parametric and sign tests.

    On complete (N x T) arrays: columns ``g.est_cols`` are the estimation window,
    ``g.win_cols`` the event window; L estimation days, W window days, k = 2. Statistics
    (keys as mktnews names its tests):

    - per-event CAR t = CAR / sd_CAR with p from t(L-2); sd_CAR includes the
      coefficient-error term, s² [W + W²/L + (Σx_w - W x̄)² / Sxx];
    - ``cs_t``: CAAR / (sd(CAR) / √N), t(N-1);
    - ``bw_t``: CAAR / (√(Σ W s_i²) / N), normal (Brown-Warner, pooled own variances);
    - ``cda_t``: CAAR / (sd(AAR over the estimation days) √W), t(L-1);
    - ``patell``: Σ SCAR / √(N (L-2)/(L-4)), normal; ``bmp``: mean SCAR / (sd(SCAR)/√N);
    - ``sign``: (w - N/2) / √(N/4), w = number of positive CARs;
    - ``gen_sign``: (w - N p̂) / √(N p̂ (1-p̂)), p̂ = share of positive estimation residuals;
    - ``wilcoxon_z``: Wilcoxon signed-rank z on the CARs (no ties in continuous data),
      and ``wilcoxon_W`` = min(W+, W-), the statistic scipy reports.
    """
    y, x = g.ret[:, g.est_cols], g.mkt[:, g.est_cols]
    yw, xw = g.ret[:, g.win_cols], g.mkt[:, g.win_cols]
    n, L = y.shape
    W = yw.shape[1]
    xm = x.mean(axis=1)
    ym = y.mean(axis=1)
    dx = x - xm[:, None]
    sxx = np.einsum("ij,ij->i", dx, dx)
    beta = np.einsum("ij,ij->i", dx, y - ym[:, None]) / sxx
    alpha = ym - beta * xm
    resid = y - alpha[:, None] - beta[:, None] * x
    s2 = np.einsum("ij,ij->i", resid, resid) / (L - 2)
    ar = yw - alpha[:, None] - beta[:, None] * xw
    car = ar.sum(axis=1)
    sd_ar = np.sqrt(s2[:, None] * (1.0 + 1.0 / L + (xw - xm[:, None]) ** 2 / sxx[:, None]))
    var_car = s2 * (W + W * W / L + (xw.sum(axis=1) - W * xm) ** 2 / sxx)
    scar = car / np.sqrt(var_car)
    dof = L - 2
    p_event = 2 * stats.t.sf(np.abs(scar), dof)

    caar = float(car.mean())
    sqn = np.sqrt(n)
    out: dict[str, float] = {"caar": caar}
    out["cs_t"] = float(caar / (car.std(ddof=1) / sqn))
    out["bw_t"] = float(caar / (np.sqrt(W * s2.sum()) / n))
    out["cda_t"] = float(caar / (resid.mean(axis=0).std(ddof=1) * np.sqrt(W)))
    out["patell"] = float(scar.sum() / np.sqrt(n * dof / (dof - 2.0)))
    out["bmp"] = float(scar.mean() / (scar.std(ddof=1) / sqn))
    w_pos = float((car > 0).sum())
    out["sign"] = float((w_pos - n / 2.0) / np.sqrt(n / 4.0))
    p_hat = float((resid > 0).mean())
    out["gen_sign"] = float((w_pos - n * p_hat) / np.sqrt(n * p_hat * (1 - p_hat)))
    r_abs = np.empty(n)
    r_abs[np.abs(car).argsort()] = np.arange(1.0, n + 1)
    wplus = r_abs[car > 0].sum()
    out["wilcoxon_z"] = float(
        (wplus - n * (n + 1) / 4.0) / np.sqrt(n * (n + 1) * (2 * n + 1) / 24.0)
    )
    out["wilcoxon_W"] = float(min(wplus, n * (n + 1) / 2.0 - wplus))
    pvals = {
        "cs_t": 2 * stats.t.sf(abs(out["cs_t"]), n - 1),
        "bw_t": 2 * stats.norm.sf(abs(out["bw_t"])),
        "cda_t": 2 * stats.t.sf(abs(out["cda_t"]), L - 1),
        "patell": 2 * stats.norm.sf(abs(out["patell"])),
        "bmp": 2 * stats.t.sf(abs(out["bmp"]), n - 1),
        "sign": 2 * stats.norm.sf(abs(out["sign"])),
        "gen_sign": 2 * stats.norm.sf(abs(out["gen_sign"])),
        "wilcoxon_z": 2 * stats.norm.sf(abs(out["wilcoxon_z"])),
    }
    return {
        "car": car,
        "ar": ar,
        "sd_ar": sd_ar,
        "var_car": var_car,
        "resid": resid,
        "s2": s2,
        "scar": scar,
        "p_event": p_event,
        "stats": out,
        "pvalues": {k: float(v) for k, v in pvals.items()},
    }


def floor_ranks(core: dict[str, Any], tests: tuple[str, ...] = ("corrado", "grank")) -> dict[str, Any]:
    """Add the rank tests ``tests`` (both by default) to :func:`floor_core`'s output.

    ``corrado``: each event's estimation residuals and window ARs ranked together,
    U = rank/(T+1) - 1/2, z = Σ_window Ū_t / (√W √(mean_t Ū_t²)) (Corrado 1989; the
    multi-day form of Cowan 1992). ``grank``: standardised estimation residuals plus the
    standardised CAR rescaled by its cross-sectional s.d., ranked together;
    t = Z √((T-2)/(T-1-Z²)), t(T-2) (Kolari and Pynnönen 2011).
    """
    resid, ar, s2, scar = core["resid"], core["ar"], core["s2"], core["scar"]
    L, W = resid.shape[1], ar.shape[1]
    out = dict(core["stats"])
    pvals = dict(core["pvalues"])
    if "corrado" in tests:
        u = _ranks(np.concatenate([resid, ar], axis=1)) / (L + W + 1.0) - 0.5
        ubar = u.mean(axis=0)
        out["corrado"] = float(ubar[L:].sum() / (np.sqrt(W) * np.sqrt(np.mean(ubar**2))))
        pvals["corrado"] = float(2 * stats.norm.sf(abs(out["corrado"])))
    if "grank" in tests:
        z_est = resid / np.sqrt(s2)[:, None]
        gb = np.concatenate([z_est, (scar / scar.std(ddof=1))[:, None]], axis=1)
        tg = gb.shape[1]
        gbar = (_ranks(gb) / (tg + 1.0) - 0.5).mean(axis=0)
        zg = gbar[-1] / np.sqrt(np.mean(gbar**2))
        out["grank"] = float(zg * np.sqrt((tg - 2) / (tg - 1 - zg * zg)))
        pvals["grank"] = float(2 * stats.t.sf(abs(out["grank"]), tg - 2))
    return {**core, "stats": out, "pvalues": pvals}


KP_MIN_OVERLAP = 30


def kp_rbar(g: Gathered, resid: np.ndarray, *, min_overlap: int = KP_MIN_OVERLAP) -> tuple[float, int]:
    """Kolari-Pynnönen mean correlation r̄ over all pairs of events, by calendar date.

    A pair whose event windows share dates contributes the Pearson correlation of the two
    events' estimation residuals on their common dates times ``shared / W``; a pair
    whose windows share no date contributes 0; pairs with fewer than ``min_overlap``
    common estimation dates are left out of the mean (mktnews' definition of r̄). Only
    overlapping pairs are visited: events sorted by window start, partners found with
    ``searchsorted``; the partner's residuals are read on the first event's dates from
    a small (N x span) table indexed by union-calendar code. Assumes complete data (no
    NaN), as the event set has.

    Returns ``(rbar, n_overlapping_pairs)``.
    """
    n = resid.shape[0]
    wc = g.codes[:, g.win_cols]
    ec = g.codes[:, g.est_cols]
    W = wc.shape[1]
    total = n * (n - 1) // 2
    order = np.argsort(wc[:, 0], kind="stable")
    start, end = wc[order, 0], wc[order, -1]
    hi = np.searchsorted(start, end, side="right")
    counts = hi - np.arange(n) - 1
    a_sorted = np.repeat(np.arange(n), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    b_sorted = a_sorted + 1 + (np.arange(counts.sum()) - first)
    pi, pj = order[a_sorted], order[b_sorted]
    shared = (wc[pi][:, :, None] == wc[pj][:, None, :]).sum(axis=(1, 2))
    keep = shared > 0
    pi, pj, shared = pi[keep], pj[keep], shared[keep]
    if pi.size == 0:
        return 0.0, 0
    base = ec[:, 0]
    width = int((ec[:, -1] - base).max()) + 1
    cells = (ec - base[:, None] + (np.arange(n) * width)[:, None]).ravel()
    table = np.zeros(n * width)
    table[cells] = resid.ravel()
    present = np.zeros(n * width, dtype=bool)
    present[cells] = True
    rel = ec[pi] - base[pj][:, None]
    inside = (rel >= 0) & (rel < width)
    flat = np.where(inside, rel, 0) + (pj * width)[:, None]
    match = inside & present[flat]
    xj = table[flat] * match
    xi = resid[pi] * match
    m = match.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sx, sy = xi.sum(axis=1), xj.sum(axis=1)
        cov = np.einsum("ij,ij->i", xi, xj) - sx * sy / m
        vx = np.einsum("ij,ij->i", xi, xi) - sx * sx / m
        vy = np.einsum("ij,ij->i", xj, xj) - sy * sy / m
        rho = cov / np.sqrt(vx * vy)
    good = (m >= min_overlap) & np.isfinite(rho)
    counted = total - int((~good).sum())
    return float(np.sum(rho[good] * shared[good] / W) / counted), int(pi.size)


def floor_kp(g: Gathered, ranked: dict[str, Any]) -> dict[str, Any]:
    """Add ``kp_patell`` = Z_patell √(1/(1+(N-1)r̄)) and ``kp_bmp`` = t_bmp √((1-r̄)/(1+(N-1)r̄))."""
    n = ranked["resid"].shape[0]
    rbar, pairs = kp_rbar(g, ranked["resid"])
    out = dict(ranked["stats"])
    denom = 1.0 + (n - 1) * rbar
    out["kp_patell"] = float(out["patell"] * np.sqrt(1.0 / denom))
    out["kp_bmp"] = float(out["bmp"] * np.sqrt((1.0 - rbar) / denom))
    out["rbar"] = rbar
    pvals = dict(ranked["pvalues"])
    pvals["kp_patell"] = float(2 * stats.norm.sf(abs(out["kp_patell"])))
    pvals["kp_bmp"] = float(2 * stats.t.sf(abs(out["kp_bmp"]), n - 1))
    return {**ranked, "stats": out, "pvalues": pvals, "kp_pairs": pairs}


def numpy_floor(g: Gathered) -> dict[str, Any]:
    """Every statistic the floor has: core, rank tests, Kolari-Pynnönen adjustments."""
    return floor_kp(g, floor_ranks(floor_core(g)))


def numpy_floor_statspai(g: Gathered) -> dict[str, Any]:
    """The floor with statspai's test set: core (cs_t, Patell, BMP, Wilcoxon among the
    cheap ones), GRANK and the Kolari-Pynnönen adjustments (no Corrado)."""
    return floor_kp(g, floor_ranks(floor_core(g), ("grank",)))


FLOOR_CORE_TESTS = [
    "per-event CAR t (coefficient-error term, t(L-2))",
    "cs_t",
    "bw_t",
    "cda_t",
    "patell",
    "bmp",
    "sign",
    "gen_sign",
    "wilcoxon_z / wilcoxon_W",
]
FLOOR_TESTS = [*FLOOR_CORE_TESTS, "corrado", "grank", "kp_patell", "kp_bmp (calendar-time r̄)"]
FLOOR_NOTE = "gathering the (N x 266) arrays is prep, not timed"


def _floor_cars(r: dict[str, Any], es: EventSet) -> pd.Series:
    return pd.Series(r["car"], index=es.events["event_id"].to_numpy())


FLOOR = Tool(
    name="numpy floor, all tests",
    prepare=gather,
    run=numpy_floor,
    cars=_floor_cars,
    tests=lambda r: FLOOR_TESTS,
    note=FLOOR_NOTE,
    stats=lambda r: r["stats"],
)
FLOOR_STATSPAI = Tool(
    name="numpy floor, statspai's tests",
    prepare=gather,
    run=numpy_floor_statspai,
    cars=_floor_cars,
    tests=lambda r: [*FLOOR_CORE_TESTS, "grank", "kp_patell", "kp_bmp (calendar-time r̄)"],
    note=FLOOR_NOTE + "; statspai's tests are among these (the cheap ones cost ~nothing)",
    stats=lambda r: r["stats"],
)
FLOOR_CORE = Tool(
    name="numpy floor, no rank or KP tests",
    prepare=gather,
    run=floor_core,
    cars=_floor_cars,
    tests=lambda r: FLOOR_CORE_TESTS,
    note=FLOOR_NOTE,
    stats=lambda r: r["stats"],
)


# ---- mktnews -----------------------------------------------------------------------------


def mktnews_car_default(result: Any, es: EventSet) -> pd.Series:
    """CAR over ``es.window`` by ``event_id``, from ``EventStudyResults.car``.

    mktnews keys events by (symbol, day 0); the event set has one event per pair, so the
    mapping back to ``event_id`` is one to one. Events mktnews did not compute are
    absent (the agreement table counts them).
    """
    car = result.car
    car = car[car["window"].astype(str) == str(tuple(es.window))]
    key = pd.MultiIndex.from_arrays(
        [car["symbol"].astype(str), pd.DatetimeIndex(car["t0"]).as_unit("ns")]
    )
    val = pd.Series(car["car"].to_numpy(dtype=float), index=key)
    ev = pd.MultiIndex.from_arrays(
        [es.events["symbol"].astype(str), pd.DatetimeIndex(es.events["event_date"]).as_unit("ns")]
    )
    got = val.reindex(ev)
    return pd.Series(got.to_numpy(), index=es.events["event_id"].to_numpy()).dropna()


#: mktnews test names -> names in the comparison table (same name = same definition).
MKTNEWS_NAMES = {"wilcoxon": "wilcoxon_W"}


def mktnews_stats_default(result: Any) -> dict[str, float]:
    """Statistics of the one group and window, from ``EventStudyResults.tests``."""
    tests = result.tests
    out: dict[str, float] = {}
    if "caar" in dir(result):
        caar = result.caar
        if "caar" in caar.columns and len(caar) >= 1:
            out["caar"] = float(caar["caar"].iloc[-1])
    for name, stat in zip(tests["test"], tests["statistic"], strict=True):
        out[MKTNEWS_NAMES.get(str(name), str(name))] = float(stat)
    out["n (mktnews)"] = float(tests["n"].max())
    return out


def mktnews_tests_default(result: Any) -> list[str]:
    return [str(t) for t in result.tests["test"]]


def mktnews_tool() -> tuple[list[Tool], str]:
    """mktnews through ``benchmarks/bench_engine.py``, when the engine exists.

    Integration contract (``bench_engine`` is the engine helper's file):

    - ``run_mktnews(es: EventSet) -> EventStudyResults`` (required, timed): the whole
      study from ``es.events`` (event_id, symbol, benchmark, event_date = day 0,
      published_at) and ``es.prices`` (prices frames by symbol), market model,
      ``es.estimation``, ``es.window``, all the tests mktnews computes;
    - ``prepare_mktnews(es) -> state`` (optional, timed as prep; ``run_mktnews`` then
      receives the state instead of ``es``);
    - ``mktnews_car(result, es) -> Series``, ``mktnews_tests(result) -> list[str]`` and
      ``mktnews_stats(result) -> dict`` (optional, untimed): override the defaults here,
      which read ``result.car`` / ``result.tests`` (CAR by ``event_id``; test names;
      statistics keyed by test name).

    When ``run_mktnews`` takes a ``tests`` keyword, more rows run mktnews with the test set
    of each peer (:data:`MKTNEWS_TEST_SETS`), so that every ratio compares the same work:
    every row computes the per-event CARs, BHARs, SCARs with their t and p, AAR/CAAR with
    their band, and every results frame; the rows differ only in the tests across events.
    """
    try:
        study = importlib.import_module("mktnews.study")
    except ImportError as exc:
        return [], f"mktnews.study not importable ({exc})"
    if not hasattr(study, "event_study"):
        return [], "mktnews.study has no event_study yet"
    try:
        be = importlib.import_module("bench_engine")
    except ImportError as exc:
        return [], f"benchmarks/bench_engine.py not importable ({exc})"
    if not hasattr(be, "run_mktnews"):
        return [], "benchmarks/bench_engine.py has no run_mktnews yet"
    version = md.version("mktnews")
    list_tests = getattr(be, "mktnews_tests", mktnews_tests_default)

    def tests_of(result: Any) -> list[str]:
        return [MKTNEWS_EVENT_T, *list_tests(result)]

    full = Tool(
        name=f"mktnews {version}",
        prepare=getattr(be, "prepare_mktnews", lambda es: es),
        run=be.run_mktnews,
        cars=getattr(be, "mktnews_car", mktnews_car_default),
        tests=tests_of,
        note="all 12 tests: run_mktnews(..., tests='all')",
        stats=getattr(be, "mktnews_stats", mktnews_stats_default),
    )
    tools = [full]
    if "tests" in inspect.signature(be.run_mktnews).parameters:
        for label, names in MKTNEWS_TEST_SETS:
            tools.append(
                replace(
                    full,
                    name=f"mktnews {version}, {label}",
                    run=_run_with_tests(be.run_mktnews, names),
                    note="run_mktnews(..., tests="
                    + (repr(list(names)) if names is not None else "None")
                    + ")",
                )
            )
    return tools, ""


def _run_with_tests(run: Callable[..., Any], names: tuple[str, ...] | None) -> Callable[[Any], Any]:
    def run_subset(state: Any) -> Any:
        return run(state, tests=list(names) if names is not None else None)

    return run_subset


#: What every mktnews row computes per event, whatever its tests across events.
MKTNEWS_EVENT_T = "per-event CAR t (coefficient-error term, t(L-2)), BHAR, SCAR; AAR/CAAR with CI"

#: mktnews' tests that the floor's "no rank or KP tests" tier also computes.
MKTNEWS_CORE_TESTS = ("cs_t", "bw_t", "cda_t", "patell", "bmp", "sign", "gen_sign", "wilcoxon")

#: Test sets of the extra mktnews rows, (label, tests=), each matching a peer's work:
#: - eventstudy computes a per-event CAR t and one CAAR t whose variance is the sum of the
#:   events' own estimation-window variances over N^2, which is mktnews' Brown-Warner
#:   ``bw_t`` (CAAR / (sqrt(sum W_i s_i^2) / N)) up to the degrees of freedom of s_i;
#: - statspai computes the per-event CAR t, the cross-sectional t, Patell, BMP, the two
#:   Kolari-Pynnoenen adjustments, GRANK and the Wilcoxon signed-rank test;
#: - the numpy floor's cheaper tier: every test but the rank and KP tests;
#: - no test across events (per-event statistics and AAR/CAAR only).
MKTNEWS_TEST_SETS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("eventstudy's tests (bw_t)", ("bw_t",)),
    ("statspai's tests", ("cs_t", "patell", "bmp", "kp_patell", "kp_bmp", "grank", "wilcoxon")),
    ("no rank or KP tests", MKTNEWS_CORE_TESTS),
    ("no test across events", None),
)


# --------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------


def subset(es: EventSet, n: int) -> EventSet:
    """The first ``n`` events of ``es`` (same data)."""
    return replace(es, events=es.events.iloc[:n].reset_index(drop=True))


@dataclass
class Timing:
    tool: str
    n_timed: int
    runs: list[float]
    prep: list[float]
    scaled: bool
    tests: list[str]
    note: str
    cpu: list[float] = field(default_factory=list)

    def per_1000(self, values: list[float]) -> list[float]:
        return [v * 1000.0 / self.n_timed for v in values]

    @property
    def median(self) -> float:
        return float(np.median(self.per_1000(self.runs)))

    @property
    def median_cpu(self) -> float:
        return float(np.median(self.per_1000(self.cpu)))


def _time(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _time_cpu(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, process CPU seconds, result)."""
    gc.collect()
    c0 = time.process_time()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def _bind(fn: Callable[[Any], Any], arg: Any) -> Callable[[], Any]:
    return lambda: fn(arg)


@dataclass
class _Plan:
    tool: Tool
    target: EventSet
    scaled: bool
    timing: Timing
    result: Any = None


def bench_tools(
    tools: list[Tool], es: EventSet, *, runs: int, probe: int, max_seconds: float
) -> list[tuple[Timing, tuple[Any, EventSet]]]:
    """Warm up every tool, decide full vs scaled, then time them round-robin.

    Round-robin (run 1 of every tool, then run 2, ...) spreads changes in the machine's
    load over all tools instead of penalising whichever ran during a busy spell.
    """
    plans: list[_Plan] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a peer dropping events is an error here
        for tool in tools:
            print(f"warming up {tool.name} ...", flush=True)
            small = subset(es, min(probe, len(es.events)))
            state = tool.prepare(small)
            tool.run(state)  # warm-up (imports, lazy init)
            t_probe, _ = _time(_bind(tool.run, state))
            scaled = t_probe * len(es.events) / len(small.events) > max_seconds
            target = small if scaled else es
            plans.append(
                _Plan(tool, target, scaled, Timing(tool.name, len(target.events), [], [], scaled, [], tool.note))
            )
        for r in range(runs):
            print(f"run {r + 1}/{runs}", flush=True)
            for plan in plans:
                tp, state = _time(_bind(plan.tool.prepare, plan.target))
                tr, tc, plan.result = _time_cpu(_bind(plan.tool.run, state))
                plan.timing.prep.append(tp)
                plan.timing.runs.append(tr)
                plan.timing.cpu.append(tc)
    out = []
    for plan in plans:
        plan.timing.tests = plan.tool.tests(plan.result)
        out.append((plan.timing, (plan.result, plan.target)))
    return out


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def machine_info() -> dict[str, str]:
    def sh(cmd: str) -> str:
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return ""

    versions = {}
    for pkg in ("mktnews", "numpy", "pandas", "scipy", "statsmodels", "eventstudy", "statspai"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = "not installed"
    model = sh("lscpu | grep 'Model name'").split(":", 1)[-1].strip()
    return {
        "nproc": sh("nproc"),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg": " ".join(f"{v:.2f}" for v in os.getloadavg()),
        **{f"v_{k}": v for k, v in versions.items()},
    }


def import_seconds(modules: tuple[str, ...] = ("mktnews", "eventstudy", "statspai")) -> dict[str, float]:
    """Seconds to import each module in a fresh interpreter (once; not in the timings)."""
    out: dict[str, float] = {}
    for mod in modules:
        code = (
            "import time, importlib; t = time.perf_counter(); "
            f"importlib.import_module({mod!r}); print(time.perf_counter() - t)"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False
        )
        out[mod] = float(proc.stdout.strip()) if proc.returncode == 0 else float("nan")
    return out


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 1:
        return f"{x:.2f}"
    if x >= 0.01:
        return f"{x:.3f}"
    return f"{x:.2e}"


def _md_table(df: pd.DataFrame, fmt: Callable[[Any], str]) -> str:
    """A DataFrame as a Markdown table (index first), cells through ``fmt``."""
    head = ["", *[str(c) for c in df.columns]]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for idx, row in df.iterrows():
        rows.append("| " + " | ".join([str(idx), *[fmt(v) for v in row]]) + " |")
    return "\n".join(rows)


def _num(digits: int) -> Callable[[Any], str]:
    def f(v: Any) -> str:
        if isinstance(v, (float, np.floating)):
            return "" if pd.isna(v) else f"{v:.{digits}f}"
        return str(v)

    return f


def _mk_row(timings: list[Timing], label: str | None) -> Timing | None:
    """The mktnews row with the test-set ``label`` (None: the all-tests row)."""
    for t in timings:
        if not t.tool.startswith("mktnews"):
            continue
        if label is None and "," not in t.tool:
            return t
        if label is not None and t.tool.endswith(", " + label):
            return t
    return None


def _targets(timings: list[Timing], mk: Timing | None, floor: Timing | None) -> list[str]:
    """Issue 7's targets as seconds per 1,000 events, and whether mktnews meets them.

    Each peer target is checked twice: against the mktnews row with the peer's own test
    set (the like-for-like ratio) and against mktnews with all 12 tests.
    """
    by = {t.tool: t for t in timings}
    es_label, sp_label, core_label = (lbl for lbl, _ in MKTNEWS_TEST_SETS[:3])
    goals: list[tuple[str, float, Timing | None]] = []
    if EVENTSTUDY.name in by:
        bound = by[EVENTSTUDY.name].median / 20
        goals.append(("≥ 20x faster than eventstudy, same tests", bound, _mk_row(timings, es_label)))
        goals.append(("≥ 20x faster than eventstudy, mktnews with all 12 tests", bound, mk))
    if STATSPAI.name in by:
        bound = by[STATSPAI.name].median / 200
        goals.append(("≥ 200x faster than statspai, same tests", bound, _mk_row(timings, sp_label)))
        goals.append(("≥ 200x faster than statspai, mktnews with all 12 tests", bound, mk))
    if floor is not None:
        goals.append(("within 3x of the numpy floor, all tests", floor.median * 3, mk))
    core = by.get(FLOOR_CORE.name)
    if core is not None:
        goals.append(
            ("within 3x of the numpy floor, no rank or KP tests", core.median * 3,
             _mk_row(timings, core_label))
        )  # fmt: skip
    if not goals:
        return []
    out = [
        "",
        "## Targets (issue 7) in seconds per 1,000 events",
        "",
        "| target | bound (s) | mktnews row | mktnews (s) | ratio | met |",
        "|---|---|---|---|---|---|",
    ]
    for label, bound, row in goals:
        if row is None:
            out.append(f"| {label} | {_fmt(bound)} | not run | | | |")
            continue
        met = "yes" if row.median <= bound else "no"
        out.append(
            f"| {label} | {_fmt(bound)} | {row.tool} | {_fmt(row.median)} | "
            f"{row.median / bound:.2f} of the bound | {met} |"
        )
    if floor is not None:
        scale = [
            f"{name} {by[name].median / floor.median:.1f}x"
            for name in (EVENTSTUDY.name, STATSPAI.name)
            if name in by
        ]
        if scale:
            out += [
                "",
                "For scale, the numpy floor with every test is faster than the peers by: "
                + ", ".join(scale)
                + (
                    "; without the rank and Kolari-Pynnönen tests by: "
                    + ", ".join(
                        f"{name} {by[name].median / core.median:.0f}x"
                        for name in (EVENTSTUDY.name, STATSPAI.name)
                        if name in by
                    )
                    if core is not None
                    else ""
                )
                + ". (The peers compute fewer tests: see below.)",
            ]
    reasons = _reasons(timings, goals, floor, core)
    if reasons:
        out += ["", "Where a target is missed, what the same script measured:", "", *reasons]
    bare = _mk_row(timings, MKTNEWS_TEST_SETS[3][0])
    if bare is not None and core is not None:
        out += [
            "",
            f"mktnews with no test across events takes {_fmt(bare.median)} s: its fixed cost "
            "(loading every price series through the source, the returns panel, clustering, "
            "statuses, every results frame), which the numpy floor does not have (it starts "
            "from pre-gathered (N x 266) arrays and returns a dict; "
            f"{_fmt(core.median)} s for its cheaper tier).",
        ]
    return out


def _reasons(
    timings: list[Timing],
    goals: list[tuple[str, float, Timing | None]],
    floor: Timing | None,
    core: Timing | None,
) -> list[str]:
    """One line per missed target: the measured cost that keeps mktnews above the bound."""
    by = {t.tool: t for t in timings}
    bare = _mk_row(timings, MKTNEWS_TEST_SETS[3][0])
    floor_sp = by.get(FLOOR_STATSPAI.name)
    out = []
    for label, bound, row in goals:
        if row is None or row.median <= bound:
            continue
        parts = []
        if bare is not None:
            parts.append(
                f"mktnews without any test across events takes {_fmt(bare.median)} s "
                f"({bare.median / bound:.2f} of the bound: loading the prices through the "
                "source, the panel, clustering, the results frames)"
            )
        if "statspai" in label and "same tests" in label and floor_sp is not None:
            parts.append(
                f"the numpy floor with statspai's tests takes {_fmt(floor_sp.median)} s "
                f"({floor_sp.median / bound:.2f} of the bound; the Kolari-Pynnönen r̄ and "
                "the GRANK ranks dominate it)"
            )
        if "all 12 tests" in label and floor is not None:
            parts.append(
                f"the numpy floor with all tests takes {_fmt(floor.median)} s "
                f"({floor.median / bound:.2f} of the bound)"
            )
        if "no rank or KP" in label and core is not None and bare is not None:
            parts.append(
                f"the floor's {_fmt(core.median)} s start from pre-gathered arrays; mktnews' "
                f"fixed cost alone is {_fmt(bare.median)} s"
            )
        out.append(f"- {label}: " + "; ".join(parts) + ".")
    return out


def render(
    timings: list[Timing],
    agreement: list[dict[str, Any]],
    sample: pd.DataFrame,
    stat_table: pd.DataFrame,
    info: dict[str, str],
    info_end: dict[str, str],
    es: EventSet,
    args: argparse.Namespace,
    skipped: list[str],
    imports: dict[str, float],
) -> str:
    floor = next((t for t in timings if t.tool == FLOOR.name), None)
    mk = next((t for t in timings if t.tool.startswith("mktnews") and "," not in t.tool), None)
    lines = [
        "# mktnews vs peers: 1,000 market-model events",
        "",
        "Written by `benchmarks/bench_peers.py` (rerun: see `benchmarks/README.md`).",
        "",
        "## Setup",
        "",
        f"- Machine: {info['nproc']} cores, {info['cpu']}; {info['platform']}; Python {info['python']}.",
        f"- Load average at start / end: {info['loadavg']} / {info_end['loadavg']} "
        "(the 2 cores are shared with other sessions; medians damp that).",
        "- Versions: "
        + ", ".join(f"{k[2:]} {v}" for k, v in info.items() if k.startswith("v_"))
        + ".",
        "- Peers: installed from PyPI into the project's environment (pandas 3, numpy 2) "
        "and run unmodified; both import and run there, no separate environment was needed.",
        "- Import time in a fresh interpreter (one-off, not in the timings): "
        + ", ".join(f"{k} {v:.2f} s" for k, v in imports.items())
        + ".",
        f"- Events: {len(es.events)} distinct (index, date) pairs, seed {es.seed}, dates "
        f"{es.events['event_date'].min().date()}..{es.events['event_date'].max().date()}, "
        "drawn uniformly over ten real indices and their eligible dates "
        "(`benchmarks/_events.py`).",
        "- Indices and market benchmarks: "
        + "; ".join(f"{', '.join(ms)} against {b}" for b, ms in es.groups.items())
        + ". Each group is put on one calendar (benchmark dates minus dates a member lacks "
        "within its span), so every tool pairs the same returns.",
        f"- Market model OLS on estimation window {es.estimation}, event window {es.window} "
        "(relative trading days), simple close-to-close returns.",
        f"- {args.runs} timed runs per tool after one untimed warm-up, round-robin over the "
        "tools (run 1 of each, then run 2, ...); wall-clock seconds per 1,000 events (median, "
        "min-max) and process CPU seconds (median; less sensitive to other sessions' load). "
        "Ratios use the wall-clock medians. \"prep\" is converting our data into the "
        "input form the tool demands; it is not in the headline number.",
        "",
        "## Timings",
        "",
        "| tool | s / 1,000 events (median) | min - max | CPU s / 1,000 (median) | prep (median, s) | events timed | "
        + ("time / mktnews | " if mk else "")
        + ("time / numpy floor (all tests) |" if floor else "|"),
        "|---|---|---|---|---|---|" + ("---|" if mk else "") + ("---|" if floor else ""),
    ]
    for t in timings:
        per = t.per_1000(t.runs)
        row = (
            f"| {t.tool} | {_fmt(t.median)} | {_fmt(min(per))} - {_fmt(max(per))} | "
            f"{_fmt(t.median_cpu)} | "
            f"{_fmt(float(np.median(t.prep)))} | {t.n_timed}"
            + (" (scaled to 1,000)" if t.scaled else "")
            + " |"
        )
        if mk:
            row += f" {_fmt(t.median / mk.median)} |"
        if floor:
            row += f" {_fmt(t.median / floor.median)} |"
        lines.append(row)
    if skipped:
        lines += ["", "Not run: " + "; ".join(skipped) + "."]
    lines += _targets(timings, mk, floor)
    lines += ["", "## Tests each tool computed", ""]
    for t in timings:
        lines.append(f"- **{t.tool}**: " + "; ".join(t.tests) + (f". _{t.note}_" if t.note else ""))
    lines += [
        "",
        "## Agreement (apples to apples)",
        "",
        "CAR(-5, 5) of every event compared with the naive statsmodels loop:",
        "",
        "| tool | events compared | events missing | max abs diff | max rel diff |",
        "|---|---|---|---|---|",
    ]
    for a in agreement:
        lines.append(
            f"| {a['tool']} | {a['n']} | {a['missing']} | {a['max_abs']:.2e} | {a['max_rel']:.2e} |"
        )
    if floor is not None and floor.tool in stat_table.columns:
        ref = stat_table[floor.tool]
        lines += ["", "Statistics shared with the numpy floor (same name, same definition):", ""]
        for col in stat_table.columns:
            if col == floor.tool:
                continue
            both = stat_table[col].notna() & ref.notna() & (stat_table.index != "caar")
            if not both.any():
                continue
            rel = ((stat_table.loc[both, col] - ref[both]).abs() / ref[both].abs()).max()
            names = ", ".join(str(i) for i in stat_table.index[both])
            lines.append(f"- {col}: {names}; max relative difference {rel:.1e}")
    lines += ["", "Five events, CAR(-5, 5) per tool:", "", _md_table(sample, _num(10)), ""]
    lines += [
        "Test statistics over the same events (rows: statistic, named as mktnews names "
        "its tests; blank = not computed by that tool). Same row = same definition, except: "
        "eventstudy's `caar_t` is a pooled t with its own variance (s² with ddof 0, no "
        "coefficient-error term) on t(Σ(L-1)); statspai's Kolari-Pynnönen rows use its r̄ "
        "(mean correlation over pairs of events with at least 3 common estimation dates, "
        "regardless of whether their event windows overlap), mktnews and the floor use r̄ "
        "over all pairs, weighted by the share of event-window dates two events have in "
        "common (0 for disjoint windows).",
        "",
        _md_table(stat_table, _num(6)),
        "",
    ]
    return "\n".join(lines)


def _subset_agreement(
    stats_by_tool: dict[str, dict[str, float]], full: str | None, subsets: list[str]
) -> str:
    """A sentence: the mktnews rows with fewer tests give the full row's statistics."""
    if full is None or not subsets:
        return ""
    ref = stats_by_tool[full]
    worst = 0.0
    compared = 0
    for name in subsets:
        for key, val in stats_by_tool[name].items():
            if key in ref and key != "n (mktnews)" and np.isfinite(val) and ref[key] != 0:
                worst = max(worst, abs(val - ref[key]) / abs(ref[key]))
                compared += 1
    return (
        f"The mktnews rows with fewer tests are left out of the two tables above: their "
        f"{compared} statistics equal those of the row with all tests (max relative "
        f"difference {worst:.1e}); their CARs are in the agreement table."
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--probe", type=int, default=100, help="events in the warm-up/probe run")
    ap.add_argument(
        "--max-seconds",
        type=float,
        default=60.0,
        help="time a tool on --probe events (and scale) if a full run would take longer",
    )
    ap.add_argument("--only", nargs="*", default=None, help="substrings of tool names to run")
    ap.add_argument("--no-write", action="store_true", help="print, do not write results/")
    args = ap.parse_args(argv)

    info = machine_info()
    es = build_events(args.events, seed=args.seed)
    tools: list[Tool] = [EVENTSTUDY, STATSPAI, NAIVE_SM, NAIVE_NP, FLOOR, FLOOR_STATSPAI, FLOOR_CORE]
    skipped: list[str] = []
    mk_tools, why = mktnews_tool()
    if mk_tools:
        tools[0:0] = mk_tools
    else:
        skipped.append(f"mktnews ({why})")
    if args.only:
        tools = [t for t in tools if any(s.lower() in t.name.lower() for s in args.only)]

    timings: list[Timing] = []
    results: dict[str, tuple[Any, EventSet]] = {}
    for timing, res in bench_tools(
        tools, es, runs=args.runs, probe=args.probe, max_seconds=args.max_seconds
    ):
        timings.append(timing)
        results[timing.tool] = res
        per = timing.per_1000(timing.runs)
        print(
            f"  {timing.tool}: {timing.median:.4f} s / 1,000 events (min {min(per):.4f}, "
            f"max {max(per):.4f}; CPU {timing.median_cpu:.4f}); timed on {timing.n_timed}",
            flush=True,
        )
    info_end = machine_info()

    # agreement: CARs vs the naive statsmodels loop on the full event set
    ref = naive_statsmodels(es)["car"]
    agreement = []
    cars_by_tool: dict[str, pd.Series] = {}
    stats_by_tool: dict[str, dict[str, float]] = {}
    for tool in tools:
        res, target = results[tool.name]
        if len(target.events) != len(es.events):
            res = tool.run(tool.prepare(es))  # a scaled tool: one full run for agreement
        cars = tool.cars(res, es)
        stats_by_tool[tool.name] = tool.stats(res)
        if cars.empty:
            continue
        cars_by_tool[tool.name] = cars
        common = ref.index.intersection(cars.index)
        diff = (cars[common] - ref[common]).abs()
        agreement.append(
            {
                "tool": tool.name,
                "n": len(common),
                "missing": len(ref) - len(common),
                "max_abs": float(diff.max()),
                "max_rel": float((diff / ref[common].abs()).max()),
            }
        )
    sample_ids = es.events["event_id"].iloc[:5].tolist()
    # the mktnews rows with fewer tests repeat the full row's values: checked here, shown once
    subset_rows = [n for n in stats_by_tool if n.startswith("mktnews") and "," in n]
    full_row = next((n for n in stats_by_tool if n.startswith("mktnews") and "," not in n), None)
    subset_check = _subset_agreement(stats_by_tool, full_row, subset_rows)
    sample = pd.DataFrame(
        {"symbol": es.events.set_index("event_id").loc[sample_ids, "symbol"]}
        | {"date": es.events.set_index("event_id").loc[sample_ids, "event_date"].dt.date}
        | {
            name: c.reindex(sample_ids)
            for name, c in cars_by_tool.items()
            if name not in subset_rows and name != FLOOR_STATSPAI.name
        }
    )
    stat_table = pd.DataFrame(
        {k: v for k, v in stats_by_tool.items() if k not in subset_rows and k != FLOOR_STATSPAI.name}
    )

    imports = import_seconds()
    text = render(
        timings, agreement, sample, stat_table, info, info_end, es, args, skipped, imports
    )
    if subset_check:
        text += "\n" + subset_check + "\n"
    print()
    print(text)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "peers.md").write_text(text + "\n", encoding="utf-8")
        raw = {
            "machine": info,
            "machine_end": info_end,
            "events": len(es.events),
            "seed": es.seed,
            "timings": [
                {
                    "tool": t.tool,
                    "n_timed": t.n_timed,
                    "scaled": t.scaled,
                    "run_seconds": t.runs,
                    "cpu_seconds": t.cpu,
                    "prep_seconds": t.prep,
                    "median_s_per_1000": t.median,
                    "tests": t.tests,
                }
                for t in timings
            ],
            "agreement": agreement,
            "stats": stats_by_tool,
            "skipped": skipped,
            "import_seconds": imports,
        }
        (RESULTS / "peers.json").write_text(json.dumps(raw, indent=2), encoding="utf-8")
        print(f"\nwrote {RESULTS / 'peers.md'} and peers.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
