"""Time the price layer on the real files: reading each file form, slicing a memoised
file, and the Parquet cache (fill and hit).

    python benchmarks/bench_prices.py [--runs 7] [--no-write]

Writes benchmarks/results/prices.md (medians and min-max of --runs timed runs, after one
untimed warm-up). Needs ../shared/data (or MKTNEWS_SHARED).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from mktnews.prices.base import load_prices
from mktnews.prices.cache import CachedSource
from mktnews.prices.files import FileSource, read_price_file

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MKTNEWS_SHARED", ROOT.parent / "shared")) / "data"


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float, float]:
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), max(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    daily, hourly, raw = SHARED / "prices" / "daily", SHARED / "prices" / "1h", SHARED / "raw_examples"
    tmp = Path(tempfile.mkdtemp())
    pq_path = tmp / "^GDAXI.parquet"
    frame = pd.read_csv(daily / "^GDAXI.csv", parse_dates=["Date"]).set_index("Date")
    frame.to_parquet(pq_path)
    rows: list[tuple[str, int, tuple[float, float, float]]] = []
    files = [
        ("plain daily CSV (^GDAXI)", daily / "^GDAXI.csv"),
        ("close-only CSV (BRENT_SPOT_EIA)", daily / "BRENT_SPOT_EIA.csv"),
        ("hourly CSV with offsets (EURUSD=X)", hourly / "EURUSD=X.csv"),
        ("yfinance download, 3 header lines", raw / "yfinance-download-multiheader-^STOXX50E.csv"),
        ("stooq, Polish header", raw / "stooq-polish-header-^GDAXI.csv"),
        ("Parquet, DatetimeIndex (^GDAXI)", pq_path),
    ]
    for label, path in files:
        n = len(read_price_file(path))
        rows.append((f"read_price_file: {label}", n, timed(lambda p=path: read_price_file(p), args.runs)))

    src = FileSource(daily)
    src.read("^STOXX50E")
    rows.append(
        (
            "FileSource, memoised: load_prices one month",
            21,
            timed(lambda: load_prices("^STOXX50E", "2024-11-01", "2024-11-30", source=src), args.runs),
        )
    )

    def fill() -> None:
        root = tmp / "fill"
        shutil.rmtree(root, ignore_errors=True)
        c = CachedSource(FileSource(daily), cache_dir=root)
        load_prices("^GDAXI", "1900-01-01", "2024-12-31", source=c)

    rows.append(("cache fill: whole ^GDAXI history (miss + write)", len(frame), timed(fill, args.runs)))
    hit = CachedSource(FileSource(daily), cache_dir=tmp / "hit")
    load_prices("^GDAXI", "1900-01-01", "2024-12-31", source=hit)
    rows.append(
        (
            "cache hit: one month from the cached ^GDAXI file",
            21,
            timed(lambda: load_prices("^GDAXI", "2024-11-01", "2024-11-30", source=hit), args.runs),
        )
    )
    shutil.rmtree(tmp, ignore_errors=True)

    cpu = subprocess.run(["bash", "-c", "lscpu | grep 'Model name'"], capture_output=True, text=True).stdout.strip()
    import pyarrow

    lines = [
        "# Price layer timings (benchmarks/bench_prices.py)",
        "",
        f"Machine: {os.cpu_count()} cores, {cpu.replace('Model name:', '').strip() or platform.processor()}; "
        f"Python {platform.python_version()}, pandas {pd.__version__}, pyarrow {pyarrow.__version__}.",
        f"Median (min-max) of {args.runs} runs after one warm-up.",
        "",
        "| what | rows | median ms | min-max ms |",
        "|---|---:|---:|---:|",
    ]
    for label, n, (med, lo, hi) in rows:
        lines.append(f"| {label} | {n} | {med * 1e3:.1f} | {lo * 1e3:.1f}-{hi * 1e3:.1f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        out = ROOT / "benchmarks" / "results" / "prices.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)


if __name__ == "__main__":
    main()
