"""Size of the placebo test under the null, over many replications (Monte Carlo).

Run ``python benchmarks/bench_placebo.py`` (``--reps`` replications per design, default
1,000); it writes ``benchmarks/results/placebo_size.md``. The designs and the generator
are those of ``tests/test_placebo_size.py`` (imported from there, so the test and this
record measure the same thing): daily returns ``0.01 (sqrt(rho) f_t + sqrt(1 - rho) e_kt)``
with rho = 0.8 and no effect over 1,000 sessions, a constant-mean model, window (0, 0), estimation (-60, -2),
199 placebo draws, rejection when the placebo p-value is at most 0.05 (an exact 5 % test
when the draws keep the events' dependence).

- clustered 20 x 5: 20 dates, every one of 5 instruments has an event on each;
- clustered 11 x 2: the ECB notebook's shape (11 dates, two indices);
- unclustered 20 x 5: the same 100 events on 100 distinct dates.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from test_placebo_size import _rejection_rate  # noqa: E402

RESULTS = HERE / "results"
DESIGNS = (
    ("clustered 20 dates x 5 instruments", True, 5, 20),
    ("clustered 11 dates x 2 instruments", True, 2, 11),
    ("unclustered 100 dates (20 per instrument x 5)", False, 5, 20),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000, help="replications per design")
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    rows = []
    for label, clustered, n_inst, n_dates in DESIGNS:
        t = time.perf_counter()
        rate = _rejection_rate(clustered, args.reps, args.seed, n_inst=n_inst, n_dates=n_dates)
        secs = time.perf_counter() - t
        se = math.sqrt(0.05 * 0.95 / args.reps)
        rows.append(f"| {label} | {args.reps} | {100 * rate:.1f} % | {100 * se:.1f} % | {secs:.1f} |")
        print(rows[-1], flush=True)
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    text = "\n".join(
        [
            "# Placebo test: size at 5 % under the null",
            "",
            f"`python benchmarks/bench_placebo.py --reps {args.reps} --seed {args.seed}` on {machine}.",
            "",
            "| design | replications | rejections at 5 % | s.e. at 5 % | seconds |",
            "|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "placebo_size.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
