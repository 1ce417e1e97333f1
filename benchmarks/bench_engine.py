"""Time the mktnews event-study engine on the shared 1,000-event market-model set.

Run ``python benchmarks/bench_engine.py`` (``--help`` for options). It writes
``benchmarks/results/engine.md``. The functions ``prepare_mktnews``, ``run_mktnews``,
``mktnews_car``, ``mktnews_tests`` and ``mktnews_stats`` are the hook through which
``bench_peers.py`` runs mktnews beside its peers (see its ``mktnews_tool``).

What is timed
-------------
``run_mktnews``: one :func:`mktnews.event_study` call on an events frame (one row per
event, day 0 given, status ok) and an in-memory :class:`mktnews.FrameSource` holding the
prices; market model on the group benchmark of each index (a mapping symbol -> benchmark),
estimation (-260, -11), window (-5, 5), all tests. It includes loading every price series
from the source, the returns, clustering, gathering, the fits, every frame of the results
and the test battery. Building the events frame and the source (checking the prices
against the contract) is "prep", as for the peers.
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
from dataclasses import dataclass
from importlib import metadata as md
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _events import EventSet, build_events

from mktnews.prices.base import FrameSource
from mktnews.results import EventStudyResults
from mktnews.study import event_study

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class State:
    """What ``run_mktnews`` needs: the events frame, the source and the benchmark map."""

    events: pd.DataFrame
    source: FrameSource
    benchmark: dict[str, str]
    estimation: tuple[int, int]
    window: tuple[int, int]


def prepare_mktnews(es: EventSet) -> State:
    """The engine's inputs from an :class:`EventSet` (untimed "prep")."""
    ev = es.events
    events = pd.DataFrame(
        {
            "event_id": ev["event_id"].astype("str"),
            "article_id": ev["event_id"].astype("str"),
            "instrument": ev["instrument"].astype("str"),
            "symbol": ev["symbol"].astype("str"),
            "published_at": ev["published_at"],
            "t0": pd.DatetimeIndex(ev["event_date"]).as_unit("ns"),
            "status": "ok",
        }
    )
    events["status"] = events["status"].astype("str")
    events.attrs["interval"] = "1d"
    bench = dict(zip(ev["symbol"].astype(str), ev["benchmark"].astype(str), strict=True))
    return State(events, FrameSource(es.prices), bench, es.estimation, es.window)


def run_mktnews(
    state: State | EventSet, *, tests: str | list[str] | None = "all", placebo: int = 0
) -> EventStudyResults:
    """The whole study (timed). Accepts the prepared state or the raw :class:`EventSet`."""
    st = state if isinstance(state, State) else prepare_mktnews(state)
    return event_study(
        st.events,
        source=st.source,
        model="market_model",
        benchmark=st.benchmark,
        estimation=st.estimation,
        windows=[st.window],
        tests=("all" if placebo else tests) if tests == "all" else tests,
        placebo=placebo,
        seed=1 if placebo else None,
    )


def mktnews_car(result: EventStudyResults, es: EventSet) -> pd.Series:
    """CAR over ``es.window`` by the event set's ``event_id``."""
    ev = result.events[["event_id", "study_event_id"]]
    car = result.car
    car = car[car["window"] == tuple(es.window)].set_index("event_id")["car"]
    out = pd.Series(car.reindex(ev["study_event_id"]).to_numpy(), index=ev["event_id"].to_numpy())
    return out.rename("car")


def mktnews_tests(result: EventStudyResults) -> list[str]:
    """Test names computed."""
    return list(dict.fromkeys(result.tests["test"].tolist()))


def mktnews_stats(result: EventStudyResults) -> dict[str, float]:
    """Statistics keyed like the numpy floor of ``bench_peers.py``."""
    t = result.tests
    out: dict[str, float] = {"caar": float(result.car["car"].mean())}
    for name, stat in zip(t["test"], t["statistic"], strict=True):
        out["wilcoxon_W" if name == "wilcoxon" else str(name)] = float(stat)
    return out


# --------------------------------------------------------------------------------------


def _timeit(fn: Callable[[], Any], runs: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def _machine() -> dict[str, str]:
    try:
        model = next(
            (ln.split(":", 1)[1].strip() for ln in subprocess.run(
                ["lscpu"], capture_output=True, text=True, check=False
            ).stdout.splitlines() if ln.startswith("Model name")),
            "unknown",
        )
    except OSError:
        model = "unknown"
    vers = ", ".join(f"{p} {md.version(p)}" for p in ("mktnews", "numpy", "pandas", "scipy"))
    return {
        "cores": str(os.cpu_count()),
        "cpu": model,
        "python": platform.python_version(),
        "versions": vers,
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def _phase_times(st: State, runs: int) -> dict[str, list[float]]:
    """Where the time goes: the engine without tests, and the test battery alone."""
    from mktnews import inference

    res = run_mktnews(st, tests=None)
    # the TestInput the engine builds for the one group and window
    captured: list[Any] = []
    real = inference.run_tests

    def spy(inp: Any, names: Any) -> Any:
        captured.append((inp, names))
        return real(inp, names)

    inference.run_tests = spy  # type: ignore[assignment]
    try:
        run_mktnews(st)
    finally:
        inference.run_tests = real  # type: ignore[assignment]
    inp, names = captured[0]
    out = {
        "engine without tests": _timeit(lambda: run_mktnews(st, tests=None), runs),
        "test battery alone (inference.run_tests)": _timeit(lambda: real(inp, names), runs),
    }
    for name in names:
        out[f"  {name}"] = _timeit(lambda n=name: real(inp, [n]), max(3, runs // 2))
    del res
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="timed runs per measurement (median)")
    ap.add_argument("--events", type=int, nargs="*", default=[1000, 5000])
    ap.add_argument("--placebo", type=int, default=1000, help="placebo draws timed at 1,000 events")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)

    info = _machine()
    rows: list[tuple[str, int, list[float]]] = []
    phases: dict[str, list[float]] = {}
    for n in args.events:
        es = build_events(n)
        t = time.perf_counter()
        st = prepare_mktnews(es)
        prep = time.perf_counter() - t
        rows.append(("event_study, all tests", n, _timeit(lambda st=st: run_mktnews(st), args.runs)))
        rows.append(("event_study, tests=None", n, _timeit(lambda st=st: run_mktnews(st, tests=None), args.runs)))
        rows.append(("prep (events frame + FrameSource)", n, [prep]))
        if n == 1000:
            phases = _phase_times(st, args.runs)
            if args.placebo:
                rows.append(
                    (f"event_study, all tests + placebo={args.placebo}", n,
                     _timeit(lambda st=st: run_mktnews(st, placebo=args.placebo), max(3, args.runs // 2)))
                )
            res = run_mktnews(st)
            cars = mktnews_car(res, es)
            # agreement with a direct numpy market model on the same event set
            from _events import gather

            g = gather(es)
            y, x = g.ret[:, g.est_cols], g.mkt[:, g.est_cols]
            dx = x - x.mean(1, keepdims=True)
            beta = (dx * (y - y.mean(1, keepdims=True))).sum(1) / (dx * dx).sum(1)
            alpha = y.mean(1) - beta * x.mean(1)
            ref = (g.ret[:, g.win_cols] - alpha[:, None] - beta[:, None] * g.mkt[:, g.win_cols]).sum(1)
            agree = float(np.max(np.abs(cars.to_numpy() - ref)))
    info_end = _machine()

    lines = [
        "# mktnews engine timings",
        "",
        "Written by `benchmarks/bench_engine.py`. Peer comparison: `benchmarks/results/peers.md`.",
        "",
        f"- Machine: {info['cores']} cores, {info['cpu']}; Python {info['python']}; "
        f"{info['versions']}.",
        f"- Load average at start / end: {info['load']} / {info_end['load']} (2 cores shared "
        "with other sessions; medians damp that).",
        "- Events: `benchmarks/_events.py` (`build_events(n, seed=7)`): real daily indices, "
        "market model on their group benchmark, estimation (-260, -11), window (-5, 5).",
        f"- Medians of {args.runs} timed runs after one warm-up (placebo: fewer runs).",
        "",
        "| what | events | median (s) | min - max (s) | per 1,000 events (s) |",
        "|---|---|---|---|---|",
    ]
    for what, n, ts in rows:
        med = statistics.median(ts)
        lines.append(f"| {what} | {n} | {med:.4f} | {min(ts):.4f} - {max(ts):.4f} | {med * 1000 / n:.4f} |")
    if phases:
        lines += ["", "## Where the time goes (1,000 events)", "",
                  "| part | median (s) |", "|---|---|"]
        for k, ts in phases.items():
            lines.append(f"| {k} | {statistics.median(ts):.4f} |")
        lines += ["", f"CAR(-5, 5) agreement with a direct numpy market model: max abs diff {agree:.2e}."]
    lines += [
        "",
        "## Notes",
        "",
        "- `event_study` includes loading every price series from the source (a `FrameSource`: "
        "slicing the frames, copy-on-write copies), returns, clustering, gathering, the batched fits, "
        "every results frame and, with tests, `mktnews.inference.run_tests` on one "
        "`TestInput` per group and window.",
        "- \"engine without tests\" is everything but the test battery; the battery's own "
        "cost is timed on the very `TestInput` the engine builds (the rows under it are "
        "each test alone).",
        "- Placebo: all draws are made at once and the kernel runs once per distinct "
        "(instrument, session) drawn (a light pass computing CARs only).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "engine.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
