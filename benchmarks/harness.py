"""The shared harness of the peer benchmark: the :class:`Tool` contract every adapter
fills, timing (median/min/max wall clock and CPU, probe-and-scale), machine information,
import times and table formatting. ``bench_peers.py`` wires the adapters to it;
``peers_report.py`` writes the page."""

from __future__ import annotations

import gc
import importlib.metadata as md
import os
import platform
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _events import EventSet  # noqa: E402

RESULTS = HERE / "results"


# --------------------------------------------------------------------------------------
# Tools
# --------------------------------------------------------------------------------------


@dataclass
class Tool:
    """A contestant.

    ``prepare(es)`` turns the event set into the tool's input form (timed separately as
    "prep"); ``run(state)`` is the timed call; ``cars(result, es)`` returns CAR(-5, 5) as
    a Series indexed by ``event_id``; ``tests(result)`` the names of the tests computed.
    """

    name: str
    prepare: Callable[[EventSet], Any]
    run: Callable[[Any], Any]
    cars: Callable[[Any, EventSet], pd.Series]
    tests: Callable[[Any], list[str]]
    note: str = ""
    stats: Callable[[Any], dict[str, float]] = field(default=lambda r: {})


# --------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------


def subset(es: EventSet, n: int) -> EventSet:
    """The first ``n`` events of ``es`` (same data)."""
    return replace(es, events=es.events.iloc[:n].reset_index(drop=True))


@dataclass
class Timing:
    tool: str
    n_timed: int
    runs: list[float]
    prep: list[float]
    scaled: bool
    tests: list[str]
    note: str
    cpu: list[float] = field(default_factory=list)

    def per_1000(self, values: list[float]) -> list[float]:
        return [v * 1000.0 / self.n_timed for v in values]

    @property
    def median(self) -> float:
        return float(np.median(self.per_1000(self.runs)))

    @property
    def median_cpu(self) -> float:
        return float(np.median(self.per_1000(self.cpu)))


def time_call(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def time_call_cpu(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, process CPU seconds, result)."""
    gc.collect()
    c0 = time.process_time()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def bind(fn: Callable[[Any], Any], arg: Any) -> Callable[[], Any]:
    return lambda: fn(arg)


@dataclass
class _Plan:
    tool: Tool
    target: EventSet
    scaled: bool
    timing: Timing
    result: Any = None


def bench_tools(
    tools: list[Tool], es: EventSet, *, runs: int, probe: int, max_seconds: float
) -> list[tuple[Timing, tuple[Any, EventSet]]]:
    """Warm up every tool, decide full vs scaled, then time them round-robin.

    Round-robin (run 1 of every tool, then run 2, ...) spreads changes in the machine's
    load over all tools instead of penalising whichever ran during a busy spell.
    """
    plans: list[_Plan] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a peer dropping events is an error here
        for tool in tools:
            print(f"warming up {tool.name} ...", flush=True)
            small = subset(es, min(probe, len(es.events)))
            state = tool.prepare(small)
            tool.run(state)  # warm-up (imports, lazy init)
            t_probe, _ = time_call(bind(tool.run, state))
            scaled = t_probe * len(es.events) / len(small.events) > max_seconds
            target = small if scaled else es
            plans.append(
                _Plan(tool, target, scaled, Timing(tool.name, len(target.events), [], [], scaled, [], tool.note))
            )
        for r in range(runs):
            print(f"run {r + 1}/{runs}", flush=True)
            for plan in plans:
                tp, state = time_call(bind(plan.tool.prepare, plan.target))
                tr, tc, plan.result = time_call_cpu(bind(plan.tool.run, state))
                plan.timing.prep.append(tp)
                plan.timing.runs.append(tr)
                plan.timing.cpu.append(tc)
    out = []
    for plan in plans:
        plan.timing.tests = plan.tool.tests(plan.result)
        out.append((plan.timing, (plan.result, plan.target)))
    return out


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def machine_info() -> dict[str, str]:
    def sh(cmd: str) -> str:
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return ""

    versions = {}
    for pkg in ("mktnews", "numpy", "pandas", "scipy", "statsmodels", "eventstudy", "statspai"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = "not installed"
    model = sh("lscpu | grep 'Model name'").split(":", 1)[-1].strip()
    return {
        "nproc": sh("nproc"),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg": " ".join(f"{v:.2f}" for v in os.getloadavg()),
        **{f"v_{k}": v for k, v in versions.items()},
    }


def machine_line() -> str:
    """One line naming the machine (cores, CPU, platform, Python) for a report."""
    m = machine_info()
    return f"{m['nproc']} cores, {m['cpu']}; {m['platform']}; Python {m['python']}"


def emit_report(text: str, name: str, write: bool) -> None:
    """Print a report and, when ``write``, keep it as ``results/<name>``."""
    print(text)
    if write:
        out = RESULTS / name
        out.write_text(text, encoding="utf-8")
        print(f"written {out}", file=sys.stderr)


def import_seconds(modules: tuple[str, ...] = ("mktnews", "eventstudy", "statspai")) -> dict[str, float]:
    """Seconds to import each module in a fresh interpreter (once; not in the timings)."""
    out: dict[str, float] = {}
    for mod in modules:
        code = (
            "import time, importlib; t = time.perf_counter(); "
            f"importlib.import_module({mod!r}); print(time.perf_counter() - t)"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False
        )
        out[mod] = float(proc.stdout.strip()) if proc.returncode == 0 else float("nan")
    return out


def fmt(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 1:
        return f"{x:.2f}"
    if x >= 0.01:
        return f"{x:.3f}"
    return f"{x:.2e}"


def md_table(df: pd.DataFrame, fmt: Callable[[Any], str]) -> str:
    """A DataFrame as a Markdown table (index first), cells through ``fmt``."""
    head = ["", *[str(c) for c in df.columns]]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for idx, row in df.iterrows():
        rows.append("| " + " | ".join([str(idx), *[fmt(v) for v in row]]) + " |")
    return "\n".join(rows)


def num_fmt(digits: int) -> Callable[[Any], str]:
    def f(v: Any) -> str:
        if isinstance(v, (float, np.floating)):
            return "" if pd.isna(v) else f"{v:.{digits}f}"
        return str(v)

    return f


def mk_row(timings: list[Timing], label: str | None) -> Timing | None:
    """The mktnews row with the test-set ``label`` (None: the all-tests row)."""
    for t in timings:
        if not t.tool.startswith("mktnews"):
            continue
        if label is None and "," not in t.tool:
            return t
        if label is not None and t.tool.endswith(", " + label):
            return t
    return None


def est_window(es: EventSet) -> tuple[int, int, int, int]:
    (e0, e1), (w0, w1) = es.estimation, es.window
    return e0, e1, w0, w1
