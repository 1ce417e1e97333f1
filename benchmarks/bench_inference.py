"""Time the test battery (:func:`mktnews.inference.run_tests`) alone, by sample layout.

Run ``python benchmarks/bench_inference.py`` (``--help`` for options); it writes
``benchmarks/results/inference.md``. The engine's own benchmark (``bench_engine.py``)
times the battery inside a full event study on real data; this script isolates how the
battery scales with the number of events and with their clustering in calendar time,
which is what drives the Kolari-Pynnönen mean correlation r̄ (the only part whose work
grows with the number of event pairs).

Inputs are synthetic but shaped like the engine's: a market-model fit (k = 2), estimation
window (-250, -11) (240 residuals), window (-5, 5), a common market shock per calendar
date so that same-date residuals are correlated. "spread": day 0 drawn over ~18 years of
sessions; "clustered": every event on the same day 0 (the worst case for r̄: every pair
of events overlaps).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from importlib import metadata as md
from pathlib import Path

import numpy as np

from mktnews.inference import TESTS, TestInput, mean_pairwise_correlation, run_tests

RESULTS = Path(__file__).resolve().parent / "results"
EST = (-250, -11)
WINDOW = (-5, 5)


def make_input(n: int, layout: str, seed: int = 0) -> TestInput:
    """A TestInput of ``n`` events laid out ``"spread"`` or ``"clustered"`` in time."""
    rng = np.random.default_rng(seed)
    calendar = np.arange(13000, 13000 + 4700, dtype=np.int64)  # keys of ~18 years of sessions
    market = rng.normal(0.0, 0.01, calendar.size)
    p0 = rng.integers(300, calendar.size - 10, n) if layout == "spread" else np.full(n, 3000)
    est_pos = p0[:, None] + np.arange(EST[0], EST[1] + 1)
    win_pos = p0[:, None] + np.arange(WINDOW[0], WINDOW[1] + 1)
    beta = rng.uniform(0.5, 1.5, n)[:, None]
    est = beta * market[est_pos] + rng.normal(0.0, 0.01, est_pos.shape)
    ar = beta * market[win_pos] + rng.normal(0.0, 0.01, win_pos.shape)
    length, width = est.shape[1], ar.shape[1]
    s = est.std(axis=1, ddof=2)
    return TestInput(
        window=WINDOW,
        ar=ar,
        sd_ar=np.repeat(s[:, None] * np.sqrt(1 + 1 / length), width, axis=1),
        car=ar.sum(axis=1),
        sd_car=s * np.sqrt(width + width**2 / length),
        est_ar=est,
        est_keys=calendar[est_pos],
        evt_keys=calendar[win_pos],
        s=s,
        L=np.full(n, float(length)),
        k=2,
    )


def timed(fn: object, runs: int) -> list[float]:
    out = []
    for _ in range(runs + 1):  # the first run is a warm-up
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append(time.perf_counter() - t)
    return out[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (median)")
    parser.add_argument("--no-write", action="store_true", help="print, do not write results")
    args = parser.parse_args()

    load0 = os.getloadavg()
    cases = [(1000, "spread"), (5000, "spread"), (1000, "clustered"), (3000, "clustered")]
    rows = []
    for n, layout in cases:
        inp = make_input(n, layout)
        battery = timed(lambda inp=inp: run_tests(inp, "all"), args.runs)
        rbar_t = timed(lambda inp=inp: mean_pairwise_correlation(inp), args.runs)
        rbar = mean_pairwise_correlation(inp)
        rows.append((n, layout, battery, rbar_t, rbar))
        print(n, layout, f"{statistics.median(battery):.3f}s", rbar)
    per_test = []
    inp = make_input(1000, "spread")
    for name in TESTS:
        per_test.append(
            (name, statistics.median(timed(lambda n=name: run_tests(inp, [n]), args.runs)))
        )
    load1 = os.getloadavg()

    lines = [
        "# Test battery timings (mktnews.inference.run_tests)",
        "",
        "Written by `benchmarks/bench_inference.py`; synthetic inputs shaped like the engine's "
        "(market model, estimation (-250, -11), window (-5, 5)); see the script's docstring.",
        "",
        f"- Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}; "
        f"Python {platform.python_version()}; numpy {md.version('numpy')}, scipy {md.version('scipy')}.",
        f"- Load average at start / end: {' '.join(f'{v:.2f}' for v in load0)} / "
        f"{' '.join(f'{v:.2f}' for v in load1)} (cores shared with other sessions).",
        f"- Medians of {args.runs} timed runs after one warm-up.",
        "",
        "| events | layout | all tests median (s) | min - max (s) | r̄ alone (s) | r̄ | pairs |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, layout, battery, rbar_t, (rb, pairs, _left) in rows:
        lines.append(
            f"| {n} | {layout} | {statistics.median(battery):.3f} | {min(battery):.3f} - "
            f"{max(battery):.3f} | {statistics.median(rbar_t):.3f} | {rb:.4f} | {pairs} |"
        )
    lines += ["", "## Per test, 1,000 spread events (each test called alone)", ""]
    lines += ["| test | median (s) |", "|---|---|"]
    lines += [f"| {name} | {t:.4f} |" for name, t in per_test]
    lines += [
        "",
        "kp_patell and kp_bmp each include r̄ when called alone; in one run_tests call they "
        "share it (computed once per set of events).",
        "",
    ]
    text = "\n".join(lines)
    if args.no_write:
        print(text)
    else:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "inference.md").write_text(text, encoding="utf-8")
        print(f"wrote {RESULTS / 'inference.md'}")


if __name__ == "__main__":
    main()
