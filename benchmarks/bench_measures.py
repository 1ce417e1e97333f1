"""Time the measures of mktnews (returns, volume, volatility) per 1,000 events.

Run ``python benchmarks/bench_measures.py`` (``--help`` for options); it writes
``benchmarks/results/measures.md`` and prints the table. Real daily bars of
``tests/data/prices_real`` (DAX, CAC 40, FTSE 100, S&P 500, Euro STOXX 50), day 0 drawn at
random after 2012 (seeded), constant-mean model, estimation window (-250, -11), window
(-1, 1), the default tests of each measure. Each row is a whole ``event_study`` (prices from
an in-memory ``FrameSource``); ``volatility_model="garch_arch"`` (arch fitted event by
event) runs on fewer events and is scaled to 1,000. The GARCH fits alone (the batched
numpy fit of :mod:`mktnews.garch` and arch in a loop, on the same 240-day series in
percent) are timed separately. One untimed warm-up, then ``--runs`` timed runs per row
(round-robin); the median and min-max of wall-clock seconds are reported.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mktnews.garch import fit_garch, fit_garch_arch
from mktnews.prices.base import FrameSource
from mktnews.study import event_study

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "prices_real" / "daily"
RESULTS = Path(__file__).resolve().parent / "results"
SYMBOLS = ("^GDAXI", "^FCHI", "^FTSE", "^GSPC", "^STOXX50E")
EST = (-250, -11)


def _read(symbol: str) -> pd.DataFrame:
    df = pd.read_parquet(DATA / f"{symbol}.parquet").set_index("Date")
    df.index = pd.DatetimeIndex(df.index).as_unit("ns").rename("date")
    df.columns = [c.lower() for c in df.columns]
    return df.astype(float)


def make_events(daily: dict[str, pd.DataFrame], n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` events, day 0 drawn over the sessions after 2012 of the instruments."""
    rng = np.random.default_rng(seed)
    rows = []
    per = -(-n // len(SYMBOLS))
    for s in SYMBOLS:
        idx = daily[s].index[daily[s].index >= "2012-01-01"][:-5]
        for t in rng.choice(idx, size=per, replace=False):
            rows.append((s, t))
    rows = rows[:n]
    ev = pd.DataFrame(
        {
            "event_id": [f"a{i}|{s}" for i, (s, _) in enumerate(rows)],
            "article_id": [f"a{i}" for i in range(len(rows))],
            "symbol": [s for s, _ in rows],
            "t0": pd.DatetimeIndex([t for _, t in rows]).as_unit("ns"),
            "status": "ok",
        }
    ).astype({"event_id": "str", "article_id": "str", "symbol": "str"})
    ev.attrs["interval"] = "1d"
    return ev


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--arch-events", type=int, default=100, help="events of the garch_arch rows")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args()
    daily = {s: _read(s) for s in SYMBOLS}
    src = FrameSource(daily)
    ev = make_events(daily, a.events)
    ev_arch = ev.iloc[:: max(1, len(ev) // a.arch_events)].iloc[: a.arch_events]
    base: dict[str, Any] = {"source": src, "estimation": EST, "windows": [(-1, 1)]}
    # estimation-window returns in percent, for the fits alone
    series = []
    for s, t in zip(ev["symbol"], ev["t0"], strict=True):
        c = daily[s]["close"].to_numpy()
        p = daily[s].index.get_loc(t)
        series.append(100.0 * (c[p + EST[0] : p + EST[1] + 1] / c[p + EST[0] - 1 : p + EST[1]] - 1.0))
    y = np.stack(series)
    y_arch = y[: a.arch_events]

    def fit_arch() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit_garch_arch(y_arch)

    cases: list[tuple[str, int, Any]] = [
        ("event_study, measure=returns", len(ev), lambda: event_study(ev, **base)),
        ("event_study, measure=volume", len(ev), lambda: event_study(ev, measure="volume", **base)),
        ("event_study, measure=volatility, squared_ar", len(ev),
         lambda: event_study(ev, measure="volatility", volatility_model="squared_ar", **base)),
        ("event_study, measure=volatility, garch (batched numpy)", len(ev),
         lambda: event_study(ev, measure="volatility", **base)),
        ("event_study, measure=volatility, garch_arch (arch per event)", len(ev_arch),
         lambda: event_study(ev_arch, measure="volatility", volatility_model="garch_arch", **base)),
        ("GARCH(1,1) fits alone: mktnews.garch.fit_garch (batched)", len(y), lambda: fit_garch(y)),
        ("GARCH(1,1) fits alone: arch, one fit per event", len(y_arch), fit_arch),
    ]  # fmt: skip
    times: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    for _, _, fn in cases:  # warm-up
        fn()
    for _ in range(a.runs):  # round-robin
        for name, _, fn in cases:
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    g = fit_garch(y)
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}, "
        f"numpy {np.__version__}, pandas {pd.__version__}; {a.runs} timed runs after a warm-up.",
        "",
        "| what | events timed | median s per 1,000 events | min-max |",
        "|---|---:|---:|---:|",
    ]
    for name, n, _ in cases:
        per = [x * 1000.0 / n for x in times[name]]
        lines.append(f"| {name} | {n} | {statistics.median(per):.2f} | {min(per):.2f}-{max(per):.2f} |")
    lines += ["", f"Batched fit: {g.converged.mean():.1%} of the {len(y)} fits converged, "
              f"median {int(np.median(g.n_iter))} quasi-Newton iterations (max {int(g.n_iter.max())})."]
    text = "\n".join(lines)
    print(text)
    if not a.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "measures.md").write_text("# Measures\n\n" + text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
