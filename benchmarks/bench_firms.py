"""Time the firm-level shape of issue 14: 1,000 events on 1,000 stocks vs one market series.

Run from the repository root::

    /work/venv/bin/python benchmarks/bench_firms.py               # 1,000 stocks, 3 runs
    /work/venv/bin/python benchmarks/bench_firms.py --stocks 200 --runs 1 --no-write

The data are generated (seeded): 1,001 daily close series on the XNYS sessions of
2017-2024 (one market series ``MKT`` and stocks ``S0000``..``S0999``, returns
``0.0002 + beta * m + noise``), one event per stock on a random session with at least
300 sessions before it. Every symbol is unregistered: mktnews resolves it by the
bare-symbol rule (XNYS, America/New_York), as a user's own stock list would be.

Timed in rounds in this process (each round runs every tool once, so that all are sampled
over the same stretch of time on shared cores):

- mktnews end to end: build the ``FrameSource`` from the 1,001 frames, read the articles
  table (one article per event, published 12:00 New York on its day 0), align, and the
  study (market model, window (-5, 5), estimation (-260, -11) = 250 sessions, benchmark
  ``MKT``) with the default tests and with ``tests=None``;
- the stages alone (source, ``read_articles``, ``align_events``, ``event_study`` on the
  ready events frame);
- the numpy floor: the wide (T x 1,001) close matrix built from the frames, returns,
  gathering by fancy indexing, OLS by moments, ARs and CARs (no test statistic).

Peers, when installed (``pip install ".[bench]"``), side by side in the same process and
from the same frames: PyPI ``eventstudy`` 0.1a12 (its input is a returns CSV, written from
the frames inside the timed part, then ``Single.market_model`` per event) and ``statspai``
(``abnormal_returns`` on the long returns frame it reads, built from the frames inside the
timed part). CARs of mktnews and of each peer are compared with the floor's on every event
(max abs diff reported; the target is 1e-12).

Results go to ``benchmarks/results/firms.md`` unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from harness import emit_report, machine_line
from peer_mktnews import MKTNEWS_TEST_SETS

HERE = Path(__file__).resolve().parent
EST = (-260, -11)
WIN = (-5, 5)
#: Each peer's own test set in mktnews' names (what eventstudy and statspai compute besides
#: the per-event CAR t; see peer_mktnews.MKTNEWS_TEST_SETS).
PEER_TEST_SETS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (f"{label.split(' (')[0]}: {', '.join(names)}", names) for label, names in MKTNEWS_TEST_SETS[:2] if names is not None
)


def make_prices(n_stocks: int, rng: np.random.Generator) -> tuple[dict[str, pd.DataFrame], pd.DatetimeIndex]:
    """The market ``MKT`` and ``n_stocks`` stocks ``S0000``.. (close only) on the XNYS
    session dates of 2017-2024: returns ``0.0002 + beta * m + noise``. Also used by
    ``bench_scale_firms.py``."""
    import exchange_calendars as xc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sessions = xc.get_calendar("XNYS").sessions_in_range("2017-01-03", "2024-12-31")
    idx = pd.DatetimeIndex(sessions).tz_localize(None).as_unit("ns").rename("date")
    n = len(idx)
    m = rng.normal(0.0003, 0.01, n)
    m[0] = 0.0
    frames = {"MKT": pd.DataFrame({"close": 100 * np.cumprod(1 + m)}, index=idx)}
    betas = rng.uniform(0.5, 1.5, n_stocks)
    noise = rng.normal(0.0, 0.015, (n_stocks, n))
    rets = 0.0002 + betas[:, None] * m[None, :] + noise
    rets[:, 0] = 0.0
    closes = 50 * np.cumprod(1 + rets, axis=1)
    for i in range(n_stocks):
        # each frame its own index object (as frames fetched or read one by one have):
        # FrameSource checks a shared index object once, so sharing would flatter it
        own = pd.DatetimeIndex(idx.asi8.copy().view("datetime64[ns]"), name="date")
        frames[f"S{i:04d}"] = pd.DataFrame({"close": closes[i]}, index=own)
    return frames, idx


def make_data(n_stocks: int, seed: int) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Frames per symbol (close only, session-date index) and the events table."""
    rng = np.random.default_rng(seed)
    frames, idx = make_prices(n_stocks, rng)
    pos = rng.integers(300, len(idx) - 10, n_stocks)
    syms = [f"S{i:04d}" for i in range(n_stocks)]
    days = idx[pos]
    when = [pd.Timestamp(d.strftime("%Y-%m-%d") + " 12:00", tz="America/New_York").isoformat() for d in days]
    table = pd.DataFrame({"id": [f"a{i:04d}" for i in range(n_stocks)], "time": when, "instrument": syms})
    return frames, table


def mktnews_end_to_end(frames: dict[str, pd.DataFrame], table: pd.DataFrame, tests: Any) -> Any:
    import mktnews as mn
    from mktnews.prices.base import FrameSource

    src = FrameSource(frames)
    corpus = mn.read_articles(table)
    ev = mn.align_events(corpus, source=src, instruments="instrument")
    kw: dict[str, Any] = {} if tests == "default" else {"tests": tests}
    return mn.event_study(ev, source=src, windows=[WIN], estimation=EST, model="market_model",
                          benchmark="MKT", **kw)


def numpy_floor(frames: dict[str, pd.DataFrame], table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Wide matrix from the frames, then the market model by moments for every event."""
    syms = list(table["instrument"])
    market = frames["MKT"]
    idx = market.index
    wide = np.empty((len(idx), len(syms)))
    for j, s in enumerate(syms):  # one column per frame: the cost of building the matrix
        f = frames[s]
        if f.index.equals(idx):
            wide[:, j] = f["close"].to_numpy()
        else:
            wide[:, j] = f["close"].reindex(idx).to_numpy()
    r = wide[1:] / wide[:-1] - 1
    mk = market["close"].to_numpy()
    rm = mk[1:] / mk[:-1] - 1
    days = pd.DatetimeIndex(pd.to_datetime(table["time"], utc=True).dt.tz_convert("America/New_York").dt.date)
    t0 = idx.get_indexer(days) - 1  # row in the returns
    col = np.arange(len(syms))
    est = t0[:, None] + np.arange(EST[0], EST[1] + 1)[None, :]
    win = t0[:, None] + np.arange(WIN[0], WIN[1] + 1)[None, :]
    y = r[est, col[:, None]]
    x = rm[est]
    xm, ym = x.mean(1, keepdims=True), y.mean(1, keepdims=True)
    beta = ((x - xm) * (y - ym)).sum(1) / ((x - xm) ** 2).sum(1)
    alpha = ym[:, 0] - beta * xm[:, 0]
    ar = r[win, col[:, None]] - (alpha[:, None] + beta[:, None] * rm[win])
    return {"car": ar.sum(1), "alpha": alpha, "beta": beta}


def _wide_returns(frames: dict[str, pd.DataFrame], syms: list[str]) -> pd.DataFrame:
    """Simple returns, one column per symbol (``MKT`` first), from the frames."""
    closes = pd.concat({s: frames[s]["close"] for s in ["MKT", *syms]}, axis=1)
    return closes.pct_change().iloc[1:]


def eventstudy_end_to_end(frames: dict[str, pd.DataFrame], table: pd.DataFrame, folder: Path) -> pd.Series:
    """PyPI eventstudy 0.1a12 from the same frames: the returns CSV it reads (written from
    the frames), ``Single.market_model`` per event, ``Multiple`` to aggregate; CARs."""
    import eventstudy as evs

    syms = list(table["instrument"])
    wide = _wide_returns(frames, syms)
    wide.index = pd.Index(pd.DatetimeIndex(wide.index).strftime("%Y-%m-%d"), name="date")
    path = folder / "returns.csv"
    wide.to_csv(path)
    evs.Single.import_returns(str(path))
    days = pd.to_datetime(table["time"], utc=True).dt.tz_convert("America/New_York").dt.date
    singles = [
        evs.Single.market_model(
            security_ticker=sym, market_ticker="MKT", event_date=np.datetime64(day),
            event_window=WIN, estimation_size=EST[1] - EST[0] + 1, buffer_size=WIN[0] - EST[1] - 1,
        )
        for sym, day in zip(syms, days, strict=True)
    ]
    agg = evs.Multiple(singles, errors=[])
    return pd.Series([s.CAR[-1] for s in agg.sample], index=syms, dtype=float)


def statspai_end_to_end(frames: dict[str, pd.DataFrame], table: pd.DataFrame) -> pd.Series:
    """statspai.abnormal_returns from the same frames: the long (id, date, ret, mkt) frame it
    reads, built from the frames, and the events frame; CARs."""
    import statspai as sp

    syms = list(table["instrument"])
    wide = _wide_returns(frames, syms)
    mkt = wide["MKT"]
    data = pd.concat(
        [pd.DataFrame({"id": s, "date": wide.index, "ret": wide[s].to_numpy(), "mkt": mkt.to_numpy()}) for s in syms],
        ignore_index=True,
    )
    days = pd.to_datetime(table["time"], utc=True).dt.tz_convert("America/New_York").dt.tz_localize(None).dt.normalize()
    events = pd.DataFrame({"id": syms, "event_date": days.to_numpy()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sp.abnormal_returns(data, events, model="market", market="mkt", event_window=WIN,
                                  estimation_window=EST)
    return pd.Series(res.events["car"].to_numpy(), index=[syms[i] for i in res.events.index], dtype=float)


def stages(frames: dict[str, pd.DataFrame], table: pd.DataFrame) -> dict[str, float]:
    import mktnews as mn
    from mktnews.prices.base import FrameSource

    out = {}
    t = time.perf_counter()
    src = FrameSource(frames)
    out[f"FrameSource({len(frames):,} frames)"] = time.perf_counter() - t
    t = time.perf_counter()
    corpus = mn.read_articles(table)
    out["read_articles"] = time.perf_counter() - t
    t = time.perf_counter()
    ev = mn.align_events(corpus, source=src, instruments="instrument")
    out["align_events"] = time.perf_counter() - t
    t = time.perf_counter()
    mn.event_study(ev, source=src, windows=[WIN], estimation=EST, model="market_model", benchmark="MKT")
    out["event_study on the events frame (default tests)"] = time.perf_counter() - t
    t = time.perf_counter()
    mn.event_study(ev, source=src, windows=[WIN], estimation=EST, model="market_model", benchmark="MKT",
                   tests=None)
    out["event_study on the events frame (tests=None)"] = time.perf_counter() - t
    return out


def md_versions(names: list[str]) -> list[str]:
    import importlib.metadata as md

    return [f"{n} {md.version(n)}" for n in names]


@dataclass(frozen=True)
class Timed:
    """Medians (and range) of the wall-clock seconds of runs, and the median process CPU
    seconds (steadier than wall clock when the cores are shared)."""

    med: float
    lo: float
    hi: float
    cpu: float


def _interleaved(fns: list[Callable[[], Any]], runs: int) -> tuple[list[Timed], list[Any]]:
    """Time every function ``runs`` times, in rounds (each round runs each function once,
    in order), so that every tool is sampled over the same stretch of time: on cores shared
    with other sessions, the load changes from second to second, and timing one tool's runs
    back to back would give it its own stretch of quiet or busy time."""
    times: list[list[float]] = [[] for _ in fns]
    cpus: list[list[float]] = [[] for _ in fns]
    res: list[Any] = [None] * len(fns)
    for _ in range(runs):
        for k, fn in enumerate(fns):
            gc.collect()
            t, c = time.perf_counter(), time.process_time()
            res[k] = fn()
            times[k].append(time.perf_counter() - t)
            cpus[k].append(time.process_time() - c)
    out = [
        Timed(statistics.median(ts), min(ts), max(ts), statistics.median(cs))
        for ts, cs in zip(times, cpus, strict=True)
    ]
    return out, res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stocks", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--no-write", action="store_true")
    ns = ap.parse_args(argv)
    load0 = " ".join(f"{v:.2f}" for v in os.getloadavg())
    t = time.perf_counter()
    import mktnews  # noqa: F401

    t_import = time.perf_counter() - t
    frames, table = make_data(ns.stocks, ns.seed)
    # warm-up on a few events (imports, calendars), not timed
    few = table.iloc[:5]
    mktnews_end_to_end({k: frames[k] for k in ["MKT", *few["instrument"]]}, few, "default")
    numpy_floor(frames, few)

    labels: list[str] = []
    fns: list[Callable[[], Any]] = []

    def add(label: str, fn: Callable[[], Any]) -> None:
        labels.append(label)
        fns.append(fn)

    add("mktnews, articles table -> results, incl. FrameSource (default tests)",
        lambda: mktnews_end_to_end(frames, table, "default"))
    add("mktnews, articles table -> results, incl. FrameSource (tests=None)",
        lambda: mktnews_end_to_end(frames, table, None))
    # with each peer's own test set (the peers compute these tests too): like for like
    for label, names in PEER_TEST_SETS:
        add(f"mktnews, articles table -> results, incl. FrameSource ({label})",
            lambda names=names: mktnews_end_to_end(frames, table, list(names)))
    n_ours = len(labels)
    add("numpy floor incl. the wide matrix from the frames", lambda: numpy_floor(frames, table))
    peers = [p for p in ("eventstudy", "statspai") if importlib.util.find_spec(p) is not None]
    if "eventstudy" in peers:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="bench_firms_"))
        eventstudy_end_to_end(frames, table.iloc[:5], folder)  # warm-up
        add("eventstudy 0.1a12, frames -> returns CSV -> CARs", lambda: eventstudy_end_to_end(frames, table, folder))
    if "statspai" in peers:
        statspai_end_to_end(frames, table.iloc[:5])  # warm-up
        add("statspai, frames -> long returns frame -> CARs", lambda: statspai_end_to_end(frames, table))
    # every tool in every round: all are sampled over the same stretch of time
    timed, results = _interleaved(fns, ns.runs)
    rows: list[tuple[str, Timed]] = list(zip(labels, timed, strict=True))
    res, res_none, floor = results[0], results[1], results[n_ours]
    peer_cars: dict[str, pd.Series] = {
        name: results[labels.index(label)]
        for name, label in (
            ("eventstudy", "eventstudy 0.1a12, frames -> returns CSV -> CARs"),
            ("statspai", "statspai, frames -> long returns frame -> CARs"),
        )
        if label in labels
    }
    st = stages(frames, table)

    car = res.car
    car = car[car["window"] == WIN] if "window" in car else car
    got = pd.Series(car["car"].to_numpy(), index=car["symbol"].astype(str).to_numpy())
    want = pd.Series(floor["car"], index=table["instrument"].to_numpy())
    diff = float(np.max(np.abs(got.reindex(want.index).to_numpy() - want.to_numpy())))
    n_ok = int(got.notna().sum())

    lines = [
        "# Firm-level shape: 1,000 events on 1,000 stocks against one market series",
        "",
        "Written by `benchmarks/bench_firms.py` (issue 14).",
        "",
        "## Setup",
        "",
        f"- Machine: {machine_line()}.",
        f"- Load average at start / end: {load0} / {' '.join(f'{v:.2f}' for v in os.getloadavg())} "
        "(the cores are shared with other sessions).",
        f"- {ns.stocks} generated stocks + `MKT` on the XNYS sessions 2017-2024 (seed {ns.seed}), "
        "unregistered symbols (bare-symbol rule: XNYS), one event per stock published 12:00 New York.",
        f"- Market model, window {WIN}, estimation {EST} (250 sessions), simple returns; "
        f"{ns.runs} timed rounds after one warm-up on 5 events (each round runs every tool once, "
        "so all are sampled over the same stretch of time); wall-clock seconds.",
        f"- `import mktnews`: {t_import:.2f} s (not in the timings).",
        f"- Peers: {', '.join(md_versions(peers)) or 'none installed (not run)'}, side by side in this process.",
        "",
        "## Timings",
        "",
        "| tool | s (median) | min - max | / numpy floor | CPU s (median) |",
        "|---|---:|---|---:|---:|",
    ]
    fl = rows[n_ours][1].med
    for name, tm in rows:
        lines.append(f"| {name} | {tm.med:.3f} | {tm.lo:.3f} - {tm.hi:.3f} | {tm.med / fl:.1f} | {tm.cpu:.3f} |")
    lines += ["", "## mktnews stages (one run)", "", "| stage | s |", "|---|---:|"]
    for k, v in st.items():
        lines.append(f"| {k} | {v:.3f} |")
    lines += [
        "",
        "## Agreement",
        "",
        f"- Events with a CAR: mktnews {n_ok} of {ns.stocks}; max |CAR(mktnews) - CAR(floor)| = {diff:.2e} "
        f"(target 1e-12: {'met' if diff <= 1e-12 else 'not met'}).",
        f"- With tests=None: {int(res_none.car['car'].notna().sum())} CARs.",
    ]
    for name, pc in peer_cars.items():
        d = float(np.max(np.abs(pc.reindex(want.index).to_numpy() - want.to_numpy())))
        lines.append(f"- {name}: {int(pc.notna().sum())} CARs; max |CAR({name}) - CAR(floor)| = {d:.2e}.")
    ours = rows[0][1]
    like = {"eventstudy": rows[2][1], "statspai": rows[3][1]}  # with that peer's test set
    for name, tm in rows[n_ours + 1 :]:
        peer = name.split(",")[0].split()[0]
        mine = like[peer]
        lines.append(
            f"- mktnews end to end is {tm.med / ours.med:.1f}x faster than {name.split(',')[0]} with the "
            f"default tests (all 12), {tm.med / mine.med:.1f}x with {peer}'s own test set (wall-clock "
            f"medians; CPU seconds: {tm.cpu / ours.cpu:.1f}x and {tm.cpu / mine.cpu:.1f}x)."
        )
    lines += [""]
    emit_report("\n".join(lines), "firms.md", write=not ns.no_write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
