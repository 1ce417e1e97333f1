"""Adapter: mktnews, through ``run_mktnews`` in ``benchmarks/bench_engine.py``."""

from __future__ import annotations

import importlib
import importlib.metadata as md
import inspect
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _events import EventSet  # noqa: E402
from harness import Tool  # noqa: E402

# ---- mktnews -----------------------------------------------------------------------------


def mktnews_car_default(result: Any, es: EventSet) -> pd.Series:
    """CAR over ``es.window`` by ``event_id``, from ``EventStudyResults.car``.

    mktnews keys events by (symbol, day 0); the event set has one event per pair, so the
    mapping back to ``event_id`` is one to one. Events mktnews did not compute are
    absent (the agreement table counts them).
    """
    car = result.car
    car = car[car["window"].astype(str) == str(tuple(es.window))]
    key = pd.MultiIndex.from_arrays(
        [car["symbol"].astype(str), pd.DatetimeIndex(car["t0"]).as_unit("ns")]
    )
    val = pd.Series(car["car"].to_numpy(dtype=float), index=key)
    ev = pd.MultiIndex.from_arrays(
        [es.events["symbol"].astype(str), pd.DatetimeIndex(es.events["event_date"]).as_unit("ns")]
    )
    got = val.reindex(ev)
    return pd.Series(got.to_numpy(), index=es.events["event_id"].to_numpy()).dropna()


#: mktnews test names -> names in the comparison table (same name = same definition).
MKTNEWS_NAMES = {"wilcoxon": "wilcoxon_W"}


def mktnews_stats_default(result: Any) -> dict[str, float]:
    """Statistics of the one group and window, from ``EventStudyResults.tests``."""
    tests = result.tests
    out: dict[str, float] = {}
    if "caar" in dir(result):
        caar = result.caar
        if "caar" in caar.columns and len(caar) >= 1:
            out["caar"] = float(caar["caar"].iloc[-1])
    for name, stat in zip(tests["test"], tests["statistic"], strict=True):
        out[MKTNEWS_NAMES.get(str(name), str(name))] = float(stat)
    out["n (mktnews)"] = float(tests["n"].max())
    return out


def mktnews_tests_default(result: Any) -> list[str]:
    return [str(t) for t in result.tests["test"]]


def mktnews_tool() -> tuple[list[Tool], str]:
    """mktnews through ``benchmarks/bench_engine.py``, when the engine exists.

    Integration contract (``bench_engine`` is the engine helper's file):

    - ``run_mktnews(es: EventSet) -> EventStudyResults`` (required, timed): the whole
      study from ``es.events`` (event_id, symbol, benchmark, event_date = day 0,
      published_at) and ``es.prices`` (prices frames by symbol), market model,
      ``es.estimation``, ``es.window``, all the tests mktnews computes;
    - ``prepare_mktnews(es) -> state`` (optional, timed as prep; ``run_mktnews`` then
      receives the state instead of ``es``);
    - ``mktnews_car(result, es) -> Series``, ``mktnews_tests(result) -> list[str]`` and
      ``mktnews_stats(result) -> dict`` (optional, untimed): override the defaults here,
      which read ``result.car`` / ``result.tests`` (CAR by ``event_id``; test names;
      statistics keyed by test name).

    When ``run_mktnews`` takes a ``tests`` keyword, more rows run mktnews with the test set
    of each peer (:data:`MKTNEWS_TEST_SETS`), so that every ratio compares the same work:
    every row computes the per-event CARs, BHARs, SCARs with their t and p, AAR/CAAR with
    their band, and every results frame; the rows differ only in the tests across events.
    """
    try:
        study = importlib.import_module("mktnews.study")
    except ImportError as exc:
        return [], f"mktnews.study not importable ({exc})"
    if not hasattr(study, "event_study"):
        return [], "mktnews.study has no event_study yet"
    try:
        be = importlib.import_module("bench_engine")
    except ImportError as exc:
        return [], f"benchmarks/bench_engine.py not importable ({exc})"
    if not hasattr(be, "run_mktnews"):
        return [], "benchmarks/bench_engine.py has no run_mktnews yet"
    version = md.version("mktnews")
    list_tests = getattr(be, "mktnews_tests", mktnews_tests_default)

    def tests_of(result: Any) -> list[str]:
        return [MKTNEWS_EVENT_T, *list_tests(result)]

    full = Tool(
        name=f"mktnews {version}",
        prepare=getattr(be, "prepare_mktnews", lambda es: es),
        run=be.run_mktnews,
        cars=getattr(be, "mktnews_car", mktnews_car_default),
        tests=tests_of,
        note="all 12 tests: run_mktnews(..., tests='all')",
        stats=getattr(be, "mktnews_stats", mktnews_stats_default),
    )
    tools = [full]
    if "tests" in inspect.signature(be.run_mktnews).parameters:
        for label, names in MKTNEWS_TEST_SETS:
            tools.append(
                replace(
                    full,
                    name=f"mktnews {version}, {label}",
                    run=_run_with_tests(be.run_mktnews, names),
                    note="run_mktnews(..., tests="
                    + (repr(list(names)) if names is not None else "None")
                    + ")",
                )
            )
    return tools, ""


def _run_with_tests(run: Callable[..., Any], names: tuple[str, ...] | None) -> Callable[[Any], Any]:
    def run_subset(state: Any) -> Any:
        return run(state, tests=list(names) if names is not None else None)

    return run_subset


#: What every mktnews row computes per event, whatever its tests across events.
MKTNEWS_EVENT_T = "per-event CAR t (coefficient-error term, t(L-2)), BHAR, SCAR; AAR/CAAR with CI"

#: mktnews' tests that the floor's "no rank or KP tests" tier also computes.
MKTNEWS_CORE_TESTS = ("cs_t", "bw_t", "cda_t", "patell", "bmp", "sign", "gen_sign", "wilcoxon")

#: Test sets of the extra mktnews rows, (label, tests=), each matching a peer's work:
#: - eventstudy computes a per-event CAR t and one CAAR t whose variance is the sum of the
#:   events' own estimation-window variances over N^2, which is mktnews' Brown-Warner
#:   ``bw_t`` (CAAR / (sqrt(sum W_i s_i^2) / N)) up to the degrees of freedom of s_i;
#: - statspai computes the per-event CAR t, the cross-sectional t, Patell, BMP, the two
#:   Kolari-Pynnoenen adjustments, GRANK and the Wilcoxon signed-rank test;
#: - the numpy floor's cheaper tier: every test but the rank and KP tests;
#: - no test across events (per-event statistics and AAR/CAAR only).
MKTNEWS_TEST_SETS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("eventstudy's tests (bw_t)", ("bw_t",)),
    ("statspai's tests", ("cs_t", "patell", "bmp", "kp_patell", "kp_bmp", "grank", "wilcoxon")),
    ("no rank or KP tests", MKTNEWS_CORE_TESTS),
    ("no test across events", None),
)
