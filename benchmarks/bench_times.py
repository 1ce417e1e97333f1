"""Time the publication-time parser (``mktnews._pubtime.parse_times_full``) on 200,000 values.

Run from the repository root (``PYTHONPATH`` chooses which mktnews is timed)::

    PYTHONPATH=. /work/venv/bin/python benchmarks/bench_times.py            # this tree
    PYTHONPATH=/tmp/oldreader /work/venv/bin/python benchmarks/bench_times.py  # another

Cases: distinct ISO 8601 strings with offsets, distinct US ``Nov 27, 2024 8:05 PM ET``
strings, and ISO strings drawn from 500 distinct values (corpora repeat times). Median of
``--runs`` runs after one warm-up run. Prints a Markdown table row per case.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import pandas as pd

from mktnews import _pubtime


def cases(n: int) -> dict[str, pd.Series]:
    rng = np.random.default_rng(5)
    minutes = rng.integers(0, 5 * 365 * 24 * 60, n)
    stamps = pd.Timestamp("2020-01-01T08:00:00+01:00") + pd.to_timedelta(minutes, unit="min")
    iso = pd.Series([t.isoformat() for t in stamps], dtype=object)
    naive = stamps.tz_convert("America/New_York").tz_localize(None)
    # no 1 AM clocks: on the autumn change they are ambiguous in ET (rightly rejected)
    naive = naive[naive.hour != 1]
    naive = naive[rng.integers(0, len(naive), n)]
    us = pd.Series(
        [f"{t:%b} {t.day}, {t.year} {t:%I:%M %p} ET".replace(" 0", " ") for t in naive],
        dtype=object,
    )
    pool = iso.iloc[:500].to_numpy()
    rep = pd.Series(pool[rng.integers(0, 500, n)], dtype=object)
    return {
        "ISO 8601 with offsets (distinct)": iso,
        "'Nov 27, 2024 8:05 PM ET' (distinct)": us,
        "ISO 8601, 500 distinct values": rep,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    fn = _pubtime.parse_times  # present in old and new trees: (times, reasons)
    kw = {"tz": None, "what": "bench"}
    print(f"# {_pubtime.__file__}; load {os.getloadavg()[0]:.1f}")
    for name, values in cases(args.n).items():
        try:
            ok = bool(fn(values, **kw)[0].notna().all())
        except Exception as exc:  # an older parser may refuse a form
            ok, why = False, type(exc).__name__
        else:
            why = "values not read"
        if not ok:
            print(f"| {name} | {len(values):,} | not comparable ({why}) | |")
            continue
        runs = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            fn(values, **kw)
            runs.append(time.perf_counter() - t0)
        med = statistics.median(runs)
        print(
            f"| {name} | {len(values):,} | **{med:.2f} s** | "
            + ", ".join(f"{x:.2f}" for x in runs)
            + " |"
        )
    print(f"# load after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
