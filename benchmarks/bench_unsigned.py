"""Size and power of the unsigned tests (abs_car, var_ratio, abs_rank, the placebo on |CAR|), Monte Carlo.

Run ``python benchmarks/bench_unsigned.py`` (``--reps`` replications per design, default
2,000; the clustered placebo designs use ``--reps-placebo``, default 500); it writes
``benchmarks/results/unsigned.md``. The generators are those of ``tests/test_unsigned.py``
and ``tests/test_placebo_size.py`` (imported from there, so the tests and this record
measure the same thing). Every replication is one group of one study (constant-mean model,
estimation (-120, -2) or (-60, -2)); rejection when p <= 0.05.

- independent events: instruments with i.i.d. returns (s.d. 1 %, normal or Student t(5)
  scaled to the same s.d.), events on distinct dates, day 0 with no shock (size) or a
  shock of k s.d. with a random sign (power), windows (0, 0) and (-1, 1);
- clustered events (the design of the placebo's size test): 20 dates x 5 instruments
  whose returns share a factor (rho = 0.8), no effect, window (0, 0), 199 placebo draws.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from test_placebo_size import _design  # noqa: E402
from test_unsigned import monte_carlo  # noqa: E402

from mktnews.study import event_study  # noqa: E402

RESULTS = HERE / "results"

#: (label, shock in s.d., instruments, dates per instrument, t dof or None for normal)
INDEPENDENT = (
    ("null, normal, N = 20", 0.0, 5, 4, None),
    ("null, normal, N = 100", 0.0, 10, 10, None),
    ("null, Student t(5), N = 100", 0.0, 10, 10, 5.0),
    ("shock +-2 sd, normal, N = 10", 2.0, 5, 2, None),
    ("shock +-2 sd, normal, N = 20", 2.0, 5, 4, None),
    ("shock +-3 sd, normal, N = 10", 3.0, 5, 2, None),
    ("shock +-3 sd, normal, N = 20", 3.0, 5, 4, None),
)


def clustered_rates(reps: int, seed: int, draws: int = 199) -> pd.Series:
    """Rejection rates at 5 % of abs_car, var_ratio, cs_t and the placebo on |CAR| in the
    clustered design (20 dates x 5 correlated instruments, no effect)."""
    ev, src = _design(True, reps, seed)
    res = event_study(
        ev, source=src, windows=[(0, 0)], estimation=(-60, -2), model="constant_mean",
        tests=["cs_t", "abs_car", "var_ratio", "abs_rank", "placebo"], placebo=draws, seed=seed,
        placebo_stat=["caar", "abs_car"], group_by="rep", min_estimation=50,
    )  # fmt: skip
    t = res.tests
    return (t["p_value"] <= 0.05).groupby(t["test"].astype(str)).mean()


def real_calibration(symbol: str, sets: int, seed: int) -> pd.DataFrame:
    """Rejection rates at 5 % on real daily closes (tests/data/prices_real) of ``sets``
    groups of 30 random weekdays 2011-2024: no news, real fat tails and volatility clusters."""
    import numpy as np

    from mktnews import FrameSource

    bars = pd.read_parquet(HERE.parent / "tests" / "data" / "prices_real" / "daily" / f"{symbol}.parquet")
    src = FrameSource({symbol: bars.set_index(pd.DatetimeIndex(bars.pop("Date"), name="date"))})
    days = src.fetch(symbol, pd.Timestamp("2011-01-03"), pd.Timestamp("2024-12-31"), "1d").index
    rng = np.random.default_rng(seed)
    picks = [np.sort(rng.choice(len(days), 30, replace=False)) for _ in range(sets)]  # per set
    n = 30 * sets
    ev = pd.DataFrame(
        {"event_id": [f"e{i}" for i in range(n)], "article_id": [f"a{i}" for i in range(n)],
         "symbol": symbol, "t0": pd.DatetimeIndex(np.concatenate([days[p] for p in picks])),
         "status": "ok", "set": np.repeat([f"s{k:04d}" for k in range(sets)], 30)}
    ).astype({"event_id": "str", "article_id": "str", "symbol": "str", "set": "str"})  # fmt: skip
    res = event_study(
        ev, source=src, windows=[(0, 0), (-1, 1)], group_by="set", collapse=False,
        tests=["cs_t", "abs_car", "var_ratio", "abs_rank"],
    )  # fmt: skip
    t = res.tests
    return (
        t.assign(reject=t["p_value"] <= 0.05, window=t["window"].astype(str))
        .pivot_table(index="test", columns="window", values="reject", aggfunc="mean")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000, help="replications per independent design")
    parser.add_argument("--reps-placebo", type=int, default=500, help="replications of the clustered design")
    parser.add_argument("--reps-real", type=int, default=300, help="sets of random days on real data")
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    rows = []
    for i, (label, shock, n_inst, n_dates, df) in enumerate(INDEPENDENT):
        t = time.perf_counter()
        rates = monte_carlo(args.reps, shock, args.seed + i, n_inst=n_inst, n_dates=n_dates, df=df)
        secs = time.perf_counter() - t
        cells = [
            f"{100 * rates.loc[test, w]:.1f} %"
            for test in ("cs_t", "abs_car", "var_ratio", "abs_rank")
            for w in ("(0, 0)", "(-1, 1)")
        ]
        rows.append(f"| {label} | {args.reps} | " + " | ".join(cells) + f" | {secs:.0f} |")
        print(rows[-1], flush=True)
    real_rows = []
    for sym in ("^GDAXI", "^FTSE", "^GSPC"):
        t = time.perf_counter()
        rates = real_calibration(sym, args.reps_real, args.seed)
        secs = time.perf_counter() - t
        cells = [
            f"{100 * rates.loc[test, w]:.1f} %"
            for test in ("cs_t", "abs_car", "var_ratio", "abs_rank")
            for w in ("(0, 0)", "(-1, 1)")
        ]
        real_rows.append(f"| {sym}, 30 random days 2011-2024 | {args.reps_real} | " + " | ".join(cells) + f" | {secs:.0f} |")
        print(real_rows[-1], flush=True)
    t = time.perf_counter()
    cl = clustered_rates(args.reps_placebo, args.seed)
    secs = time.perf_counter() - t
    clustered = (
        f"| clustered 20 dates x 5 instruments, rho = 0.8, null | {args.reps_placebo} | "
        + " | ".join(
            f"{100 * cl[k]:.1f} %" for k in ("cs_t", "abs_car", "var_ratio", "abs_rank", "placebo", "placebo_abs_car")
        )
        + f" | {secs:.0f} |"
    )
    print(clustered, flush=True)
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    se = 100 * math.sqrt(0.05 * 0.95 / args.reps)
    text = "\n".join(
        [
            "# Unsigned tests: size and power at 5 %",
            "",
            f"`python benchmarks/bench_unsigned.py --reps {args.reps} --reps-placebo {args.reps_placebo} "
            f"--reps-real {args.reps_real} --seed {args.seed}` on {machine}. Share of replications with p <= 0.05 "
            f"(s.e. of a 5 % rate: {se:.1f} points).",
            "",
            "Independent events (i.i.d. returns, distinct dates):",
            "",
            "| design | replications | cs_t (0,0) | cs_t (-1,1) | abs_car (0,0) | abs_car (-1,1) "
            "| var_ratio (0,0) | var_ratio (-1,1) | abs_rank (0,0) | abs_rank (-1,1) | seconds |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            "Real daily closes (no news: random weekdays; fat tails and volatility clusters as they are):",
            "",
            "| design | sets | cs_t (0,0) | cs_t (-1,1) | abs_car (0,0) | abs_car (-1,1) "
            "| var_ratio (0,0) | var_ratio (-1,1) | abs_rank (0,0) | abs_rank (-1,1) | seconds |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
            *real_rows,
            "",
            "Clustered events (one factor, rho = 0.8; every instrument has an event on every date), window (0, 0):",
            "",
            "| design | replications | cs_t | abs_car | var_ratio | abs_rank | placebo (CAAR) | placebo_abs_car | seconds |",
            "|---|---|---|---|---|---|---|---|---|",
            clustered,
            "",
        ]
    )
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "unsigned.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
