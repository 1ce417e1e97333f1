"""Clock windows (mktnews.clock): time of the engine on generated 5-minute bars.

Generated data (labelled so): 5-minute bars of ``^GDAXI`` on the Xetra calendar for 2024
(250 sessions, 102 bars each), log returns N(0, 0.0005). ``N`` publications drawn at random
instants of 2024-02..12 (in and outside trading hours), windows (-30min, +60min) and
(0min, +15min), 20 estimation days; models raw and time_of_day, with and without the test
battery. Medians of 5 runs (min-max in the report). Writes benchmarks/results/clock.md.

    python benchmarks/bench_clock.py
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from pathlib import Path

import exchange_calendars as xcals
import numpy as np
import pandas as pd

import mktnews as mn

OUT = Path(__file__).resolve().parent / "results" / "clock.md"


def bars_5m(seed: int = 1) -> pd.DataFrame:
    sch = xcals.get_calendar("XETR").schedule.loc["2024-01-02":"2024-12-30"]
    starts = []
    for o, c in zip(sch["open"], sch["close"], strict=True):  # per session (data generation)
        starts.append(pd.date_range(o, c, freq="5min", inclusive="left"))
    idx = pd.DatetimeIndex(np.concatenate([s.asi8 for s in starts]).view("M8[ns]")).tz_localize("UTC")
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.0005, len(idx))))
    op = np.concatenate([[100.0], close[:-1]])
    return pd.DataFrame(
        {"open": op, "high": np.maximum(op, close), "low": np.minimum(op, close), "close": close,
         "volume": 0}, index=idx,
    )  # fmt: skip


def run(n: int, model: str, tests: object, src: mn.FrameSource, events: pd.DataFrame) -> list[float]:
    times = []
    for _ in range(5):
        t = time.perf_counter()
        mn.event_study(events, source=src, interval="5m", model=model, tests=tests,
                       windows=[("-30min", "+60min"), ("0min", "+15min")], estimation_days=20)
        times.append(time.perf_counter() - t)
    return times


def main() -> None:
    bars = bars_5m()
    src = mn.FrameSource({"^GDAXI": bars}, interval="5m")
    rng = np.random.default_rng(2)
    lines = [
        "# Clock windows: engine time on generated 5-minute bars",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.2f}; Python {platform.python_version()}, pandas {pd.__version__}, "
        f"numpy {np.__version__}. Generated data (see the script). Median (min-max) of 5 runs, "
        "seconds, of `event_study` on an aligned events frame (alignment not timed).",
        "",
        "| events | model | tests | median s | min-max |",
        "|---:|---|---|---:|---|",
    ]
    lo = pd.Timestamp("2024-02-15", tz="UTC").value
    hi = pd.Timestamp("2024-12-15", tz="UTC").value
    for n in (100, 1000, 10000):
        pubs = pd.to_datetime(np.sort(rng.integers(lo, hi, n)), utc=True).floor("s")
        arts = pd.DataFrame({"article_id": [f"a{i}" for i in range(n)], "published_at": pubs,
                             "instrument": "^GDAXI"})
        ev = mn.align_events(arts, source=src, interval="5m", instruments=["^GDAXI"])
        for model in ("raw", "time_of_day"):
            for tests in (None, "all"):
                t = run(n, model, tests, src, ev)
                lines.append(f"| {n:,} | {model} | {tests or 'none'} | {statistics.median(t):.3f} | "
                             f"{min(t):.3f}-{max(t):.3f} |")
                print(lines[-1], flush=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
