"""Time :func:`mktnews.events.align_events` on one million articles over ten instruments.

Run from the repository root::

    /work/venv/bin/python benchmarks/bench_align.py                 # 1,000,000 articles, 5 runs
    /work/venv/bin/python benchmarks/bench_align.py --n 200000 --runs 3 --no-write

The corpus is synthetic in its *times* only: publication instants are drawn uniformly
(seconds) from 2015-01-01 to 2024-12-31 UTC, each article names one of ten real indices
(Euro STOXX 50, DAX, CAC 40, FTSE 100, Dow Jones, S&P 500, Nasdaq 100, Nikkei 225,
Hang Seng, IBEX 35; five exchange calendars, two with lunch breaks), and its box prints
the real close-to-close change of a session near publication (day 0 or the session
before, as pages captured the same evening show), written with four decimals in the
site's layout (``"Euro STOXX 50\\n-28.8400"``). Prices are the real daily files of
``../shared/data/prices/daily``.

Timed (wall clock, median of ``--runs`` after one untimed warm-up):

- ``prices=``: the price frames passed in, as the engine does (calendars cached);
- ``source=``: prices loaded through a :class:`~mktnews.prices.base.FrameSource` (one load
  per instrument over the publications' range);
- ``cold``: the first call in a fresh process, calendars built from scratch (one run).

Results go to ``benchmarks/results/align.md`` unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from mktnews.articles import Corpus

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "prices" / "daily"
SYMBOLS = {
    "^STOXX50E": "Euro STOXX 50",
    "^GDAXI": "DAX",
    "^FCHI": "CAC 40",
    "^FTSE": "FTSE 100",
    "^DJI": "Dow Jones",
    "^GSPC": "S&P 500",
    "^NDX": "Nasdaq 100",
    "^N225": "Nikkei 225",
    "^HSI": "Hang Seng",
    "^IBEX": "IBEX 35",
}


def load_prices() -> dict[str, pd.DataFrame]:
    """The ten daily files in the prices contract (as the engine passes them)."""
    from mktnews.prices.base import conform_prices

    out = {}
    for sym in SYMBOLS:
        df = pd.read_csv(DATA / f"{sym}.csv", index_col=0, parse_dates=True)
        out[sym] = conform_prices(df, symbol=sym, interval="1d", source=str(DATA))
    return out


def make_corpus(n: int, prices: dict[str, pd.DataFrame], seed: int = 1) -> Corpus:
    """One million (``n``) articles with boxes; see the module docstring."""

    rng = np.random.default_rng(seed)
    lo = pd.Timestamp("2015-01-01", tz="UTC").value // 10**9
    hi = pd.Timestamp("2024-12-31", tz="UTC").value // 10**9
    secs = rng.integers(lo, hi, size=n)
    pub = pd.DatetimeIndex((secs * 10**9).view("M8[ns]")).tz_localize("UTC")
    syms = np.array(list(SYMBOLS))
    which = rng.integers(0, len(syms), size=n)
    names = np.array([SYMBOLS[s] for s in syms])[which]
    change = np.full(n, np.nan)
    # the printed change: the data's change of the session on/before the publication date
    for k, sym in enumerate(syms):
        sel = np.flatnonzero(which == k)
        df = prices[sym]
        chg = (df["close"] - df["close"].shift(1)).round(4).to_numpy()
        dates = pd.DatetimeIndex(df.index).as_unit("ns").asi8
        day = pub[sel].tz_localize(None).normalize().as_unit("ns").asi8
        pos = np.clip(np.searchsorted(dates, day, side="right") - 1, 1, len(dates) - 1)
        change[sel] = chg[pos]
    vals = pd.Series(change).map(lambda v: f"{v:.4f}")
    raw = pd.Series(names, dtype="str") + "\n" + vals.astype("str")
    ids = pd.Series(np.char.add("a", np.arange(n).astype(str)), dtype="str")
    arts = pd.DataFrame(
        {
            "article_id": ids,
            "instrument": pd.Series(names, dtype="str"),
            "snapshot_change": change,
            "snapshot_pct": np.nan,
            "snapshot_level": np.nan,
            "snapshot_raw": raw,
            "published_at": pub,
            "title": pd.Series([None] * n, dtype="str"),
            "body": "",
            "byline": pd.Series([None] * n, dtype="str"),
            "outlet": "bench",
            "source": ids,
        }
    )
    snaps = pd.DataFrame(
        {
            "article_id": ids,
            "position": np.zeros(n, dtype=np.int64),
            "instrument": pd.Series(names, dtype="str"),
            "change": change,
            "change_pct": np.nan,
            "level": np.nan,
            "raw": raw,
            "zero_flag": change == 0,
        }
    )
    return Corpus(arts, snaps, pd.DataFrame({"source": [], "reason": []}), n)


def timed(fn: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of ``runs`` calls after one warm-up."""
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return wall, cpu


def cold_run(n: int) -> float:
    """First call in a fresh process (calendars not yet built), timed there."""
    here = str(Path(__file__).parent)
    code = (
        f"import sys, time; sys.path.insert(0, {here!r}); import bench_align as b;"
        "from mktnews.events import align_events;"
        f"p = b.load_prices(); c = b.make_corpus({n}, p);"
        "t = time.perf_counter(); align_events(c, prices=p); print(time.perf_counter() - t)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    from mktnews.events import align_events
    from mktnews.prices.base import FrameSource

    prices = load_prices()
    t = time.perf_counter()
    corpus = make_corpus(args.n, prices)
    build = time.perf_counter() - t
    source = FrameSource(prices)

    ev = align_events(corpus, prices=prices)
    counts = ev["status"].value_counts().to_dict()
    snap = ev["snapshot_status"].value_counts().to_dict()
    states = ev["market_state"].value_counts().to_dict()
    assert len(ev) == args.n

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    t_prices = timed(lambda: align_events(corpus, prices=prices), args.runs)
    t_source = timed(lambda: align_events(corpus, source=source), args.runs)
    t_cold = cold_run(args.n)

    def fmt(ts: tuple[list[float], list[float]]) -> str:
        wall, cpu = ts
        return (
            f"{statistics.median(wall):.3f} | {min(wall):.3f} | {max(wall):.3f} | "
            f"{statistics.median(cpu):.3f}"
        )

    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
            if line.startswith("Model name")
        )
    except (StopIteration, OSError):
        cpu = platform.processor()
    import exchange_calendars

    lines = [
        "# align_events: one million articles over ten instruments",
        "",
        f"Machine: {cpu}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores; "
        f"Python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}, "
        f"exchange_calendars {exchange_calendars.__version__}.",
        "",
        f"Corpus: {args.n:,} articles (one box each), publication uniform over 2015-2024, ten real "
        "indices on nine exchange calendars (XSTX, XETR, XPAR, XLON, XNYS, XNAS, XTKS, XHKG, XMAD), boxes "
        "printing real close-to-close changes with four decimals. Script: `benchmarks/bench_align.py`.",
        f"Building the corpus (not timed below): {build:.1f} s.",
        "",
        f"Seconds, {args.runs} runs after a warm-up (wall clock: median, min, max; CPU time of "
        f"the process: median). Load average when the runs started: {load}.",
        "",
        "| call | wall median | wall min | wall max | CPU median |",
        "|---|---|---|---|---|",
        f"| `align_events(corpus, prices=...)` | {fmt(t_prices)} |",
        f"| `align_events(corpus, source=FrameSource(...))` | {fmt(t_source)} |",
        f"| first call in a fresh process (calendars built) | {t_cold:.3f} | | | |",
        "",
        f"Statuses: {counts}. Snapshot statuses: {snap}. Market states: {states}.",
        "",
        "For scale: exchange_calendars' scalar `minute_to_session` costs about 18 µs per call, "
        "i.e. about 18 s for a million articles before any price lookup.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        out = REPO / "benchmarks" / "results" / "align.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
