"""Time a study with every test as events grow on 3,000 stocks (issue 14: linear from 10,000).

Run from the repository root::

    /work/venv/bin/python benchmarks/bench_scale_firms.py                 # 10k, 30k, 100k events
    /work/venv/bin/python benchmarks/bench_scale_firms.py --events 10000 100000 --no-write

The data are generated (seeded) by ``bench_firms.make_prices``: 3,000 stocks and a market series
``MKT`` on the XNYS sessions of 2017-2024 (returns ``0.0002 + beta * m + noise``),
unregistered symbols (bare-symbol rule: XNYS). Events: ``n`` articles, each on a random
stock and a random session with at least 300 sessions before it, published 12:00 New York.
Timed: ``event_study`` on the ready events frame (market model, window (-5, 5), estimation
(-260, -11), benchmark ``MKT``, ``tests="all"``: the twelve tests, Kolari-Pynnönen r̄
included), wall-clock and process CPU seconds; BLAS threads capped at 1 (threadpoolctl,
when installed). The r̄ alone (``mean_pairwise_correlation`` on the study's own inputs) is
not separated: the study is the figure.

Results go to ``benchmarks/results/scale_firms.md`` unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
EST = (-260, -11)
WIN = (-5, 5)


def make_data(n_stocks: int, n_events: int, seed: int) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    from bench_firms import make_prices  # the same stocks and market as bench_firms.py

    rng = np.random.default_rng(seed)
    frames, idx = make_prices(n_stocks, rng)
    n = len(idx)
    stock = rng.integers(0, n_stocks, n_events)
    pos = rng.integers(300, n - 10, n_events)
    days = idx[pos].strftime("%Y-%m-%d")
    when = (days + "T12:00:00-05:00").tolist()  # noon in New York (EST offset: noon or 13:00, in session)
    table = pd.DataFrame({"id": [f"a{i}" for i in range(n_events)], "time": when,
                          "instrument": [f"S{i:04d}" for i in stock]})
    return frames, table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stocks", type=int, default=3000)
    ap.add_argument("--events", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--no-write", action="store_true")
    ns = ap.parse_args(argv)
    import mktnews as mn
    from mktnews.prices.base import FrameSource

    limit: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    with contextlib.suppress(ImportError):
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(1)
    load0 = os.getloadavg()
    rows = []
    with limit:
        for n_ev in ns.events:
            frames, table = make_data(ns.stocks, n_ev, ns.seed)
            src = FrameSource(frames)
            ev = mn.align_events(mn.read_articles(table), source=src, instruments="instrument")
            t, c = time.perf_counter(), time.process_time()
            res = mn.event_study(ev, source=src, windows=[WIN], estimation=EST, model="market_model",
                                 benchmark="MKT", tests="all")
            wall, cpu = time.perf_counter() - t, time.process_time() - c
            n_ok = int(res.car["car"].notna().sum())
            rows.append((n_ev, wall, cpu, n_ok))
            print(n_ev, f"{wall:.2f} s wall, {cpu:.2f} s cpu, {n_ok} CARs", flush=True)
    load1 = os.getloadavg()
    base = rows[0]
    lines = [
        "# Every test as events grow: 3,000 stocks, market model, window (-5, 5)",
        "",
        "Written by `benchmarks/bench_scale_firms.py` (issue 14).",
        "",
        f"- Machine: {os.cpu_count()} cores; {platform.platform()}; Python {platform.python_version()}; "
        "BLAS threads capped at 1.",
        f"- Load average at start / end: {' '.join(f'{v:.2f}' for v in load0)} / "
        f"{' '.join(f'{v:.2f}' for v in load1)} (cores shared with other sessions: CPU seconds "
        "are the steadier figure).",
        "- One run per size (the 100k run alone takes long on a loaded machine).",
        "",
        "| events | event_study, all tests: wall s | CPU s | CPU / first size's x (events ratio) | CARs |",
        "|---:|---:|---:|---|---:|",
    ]
    for n_ev, wall, cpu, n_ok in rows:
        lines.append(f"| {n_ev:,} | {wall:.2f} | {cpu:.2f} | {cpu / base[2]:.1f} x ({n_ev / base[0]:.0f}) | {n_ok:,} |")
    text = "\n".join([*lines, ""])
    print(text)
    if not ns.no_write:
        (HERE / "results" / "scale_firms.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
