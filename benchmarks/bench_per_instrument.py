"""Per-instrument overhead of the whole pipeline (issue 14: at most 50 µs per instrument).

Run from the repository root::

    /work/venv/bin/python benchmarks/bench_per_instrument.py            # 10, 100, 1,000 stocks
    /work/venv/bin/python benchmarks/bench_per_instrument.py --runs 3 --no-write

The same 1,000 events are spread over ``K`` stocks (``K`` = 10, 100, 1,000; events ``i`` on
stock ``i mod K``, each stock's events on distinct random sessions with at least 300
sessions before them, published 12:00 New York), against one market series. The data come
from ``bench_firms.make_prices`` (XNYS sessions 2017-2024, unregistered symbols). Timed end
to end as in ``bench_firms.py``: ``FrameSource`` of the ``K + 1`` frames, ``read_articles``,
``align_events``, ``event_study`` (market model, window (-5, 5), estimation (-260, -11),
benchmark ``MKT``, default tests), in rounds (each round runs every ``K`` once), medians.

With the events fixed, what grows with ``K`` is what the pipeline spends per instrument:
its frame (2,012 bars) checked and packed, its name resolved, its history loaded and its
rows in the panel. The overhead per instrument is the slope
``(T(1,000) - T(10)) / 990``.

Results go to ``benchmarks/results/per_instrument.md`` unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from harness import emit_report, machine_line  # noqa: E402

EVENTS = 1000
EST = (-260, -11)
WIN = (-5, 5)


def make_data(n_stocks: int, seed: int) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """``n_stocks`` stocks and ``MKT`` (bench_firms.make_prices) and the 1,000 events."""
    from bench_firms import make_prices

    rng = np.random.default_rng(seed)
    frames, idx = make_prices(n_stocks, rng)
    stock = np.arange(EVENTS) % n_stocks
    pos = np.empty(EVENTS, dtype=np.int64)
    for s in range(n_stocks):  # per stock: its events on distinct sessions (set-up, not timed)
        mine = np.flatnonzero(stock == s)
        pos[mine] = rng.choice(np.arange(300, len(idx) - 10), size=mine.size, replace=False)
    days = idx[pos].strftime("%Y-%m-%d")
    when = (days + "T12:00:00-05:00").tolist()  # noon or 13:00 in New York: in session
    table = pd.DataFrame(
        {"id": [f"a{i:04d}" for i in range(EVENTS)], "time": when, "instrument": [f"S{i:04d}" for i in stock]}
    )
    return frames, table


def end_to_end(frames: dict[str, pd.DataFrame], table: pd.DataFrame) -> object:
    import mktnews as mn
    from mktnews.prices.base import FrameSource

    src = FrameSource(frames)
    ev = mn.align_events(mn.read_articles(table), source=src, instruments="instrument")
    return mn.event_study(ev, source=src, windows=[WIN], estimation=EST, model="market_model", benchmark="MKT")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stocks", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--no-write", action="store_true")
    ns = ap.parse_args(argv)
    load0 = " ".join(f"{v:.2f}" for v in os.getloadavg())
    data = {k: make_data(k, ns.seed) for k in ns.stocks}
    for frames, table in data.values():  # warm-up (imports, calendars), not timed
        end_to_end(frames, table.iloc[:5])
    times: dict[int, list[float]] = {k: [] for k in ns.stocks}
    n_car: dict[int, int] = {}
    for _ in range(ns.runs):  # rounds: every K sampled over the same stretch of time
        for k, (frames, table) in data.items():
            gc.collect()
            t = time.perf_counter()
            res = end_to_end(frames, table)
            times[k].append(time.perf_counter() - t)
            n_car[k] = int(res.car["car"].notna().sum())  # type: ignore[attr-defined]
    med = {k: statistics.median(v) for k, v in times.items()}

    lo, hi = min(ns.stocks), max(ns.stocks)
    slope = (med[hi] - med[lo]) / (hi - lo)
    lines = [
        "# Per-instrument overhead of the whole pipeline",
        "",
        "Written by `benchmarks/bench_per_instrument.py` (issue 14).",
        "",
        f"- Machine: {machine_line()}.",
        f"- Load average at start / end: {load0} / {' '.join(f'{v:.2f}' for v in os.getloadavg())} "
        "(the cores are shared with other sessions).",
        f"- {EVENTS} events over K stocks (event i on stock i mod K), market model, window {WIN}, "
        f"estimation {EST}, default tests; end to end incl. `FrameSource`; {ns.runs} rounds, medians.",
        "",
        "| stocks K | events | CARs | s (median) | min - max | per event |",
        "|---:|---:|---:|---:|---|---:|",
    ]
    for k in ns.stocks:
        v = times[k]
        lines.append(
            f"| {k:,} | {EVENTS:,} | {n_car[k]:,} | {med[k]:.4f} | {min(v):.4f} - {max(v):.4f} | "
            f"{med[k] / EVENTS * 1e6:.0f} µs |"
        )
    lines += [
        "",
        f"Overhead per instrument, (T({hi:,}) - T({lo:,})) / {hi - lo:,}: **{slope * 1e6:.0f} µs** "
        f"(target <= 50 µs: {'met' if slope <= 50e-6 else 'not met'}).",
    ]
    if len(ns.stocks) > 2:
        mid = sorted(ns.stocks)[1]
        lines.append(
            f"From {mid:,} to {hi:,} stocks: {(med[hi] - med[mid]) / (hi - mid) * 1e6:.0f} µs; "
            f"from {lo:,} to {mid:,}: {(med[mid] - med[lo]) / (mid - lo) * 1e6:.0f} µs."
        )
    lines.append("")
    emit_report("\n".join(lines), "per_instrument.md", write=not ns.no_write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
