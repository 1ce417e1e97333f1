"""Adapters: the numpy floor, the same formulas on pre-gathered (N x T) arrays (gathering
not timed), with all tests, the statspai subset and the core tests."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _events import EventSet, Gathered, gather  # noqa: E402
from harness import Tool  # noqa: E402

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
