"""Time mktnews against its peers on the same 1,000 market-model events.

Run from the repository root::

    /work/venv/bin/python benchmarks/bench_peers.py            # 1,000 events, 7 runs each
    /work/venv/bin/python benchmarks/bench_peers.py --runs 3 --no-write

Every tool gets the same events and data (:mod:`_events`: ten real indices, benchmark
^STOXX or ^GSPC, estimation (-260, -11), event window (-5, 5), market model, simple
returns) and runs one after the other in this process:

- ``eventstudy`` 0.1a12 (PyPI): returns CSVs (its input form), ``Single.market_model``
  per event, ``Multiple`` to aggregate;
- ``statspai``: ``statspai.abnormal_returns`` on a long returns frame;
- a naive pandas loop, as a user writes it by hand, with statsmodels OLS and with numpy
  ``lstsq``;
- the numpy floor: the same formulas on pre-gathered (N x T) arrays (gathering not timed);
- mktnews, when ``mktnews.study.event_study`` exists, through ``run_mktnews`` in
  ``benchmarks/bench_engine.py`` (see :func:`mktnews_tool` for the contract).

Each tool is run once untimed on a few events (imports, lazy initialisation), then
``--runs`` times on all events; the table reports the median, min and max wall-clock
seconds, scaled to seconds per 1,000 events. A tool whose probe on ``--probe`` events
extrapolates beyond ``--max-seconds`` per run is timed on the probe size and scaled
(the table says so). Input conversion into the form a peer demands (CSV files for
``eventstudy``, a long frame for ``statspai``) is timed separately ("prep") and is not in
the headline number. CARs of every tool are compared with the naive loop on every event,
and test statistics that share a definition are compared across tools.

The harness (timing, formatting) is ``benchmarks/harness.py``, the page
``benchmarks/peers_report.py``; each peer is an adapter module (``peer_eventstudy``,
``peer_statspai``, ``peer_naive``, ``peer_floor``, ``peer_mktnews``).

Results go to ``benchmarks/results/peers.md`` (and ``peers.json``) unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _events import EventSet, build_events  # noqa: E402
from harness import RESULTS, Timing, Tool, bench_tools, import_seconds, machine_info  # noqa: E402
from peer_eventstudy import EVENTSTUDY  # noqa: E402
from peer_floor import FLOOR, FLOOR_CORE, FLOOR_STATSPAI  # noqa: E402
from peer_mktnews import mktnews_tool  # noqa: E402
from peer_naive import NAIVE_NP, NAIVE_SM, naive_statsmodels  # noqa: E402
from peer_statspai import STATSPAI  # noqa: E402
from peers_report import _subset_agreement, render  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--probe", type=int, default=100, help="events in the warm-up/probe run")
    ap.add_argument(
        "--max-seconds",
        type=float,
        default=60.0,
        help="time a tool on --probe events (and scale) if a full run would take longer",
    )
    ap.add_argument("--only", nargs="*", default=None, help="substrings of tool names to run")
    ap.add_argument("--no-write", action="store_true", help="print, do not write results/")
    args = ap.parse_args(argv)

    info = machine_info()
    es = build_events(args.events, seed=args.seed)
    tools: list[Tool] = [EVENTSTUDY, STATSPAI, NAIVE_SM, NAIVE_NP, FLOOR, FLOOR_STATSPAI, FLOOR_CORE]
    skipped: list[str] = []
    mk_tools, why = mktnews_tool()
    if mk_tools:
        tools[0:0] = mk_tools
    else:
        skipped.append(f"mktnews ({why})")
    if args.only:
        tools = [t for t in tools if any(s.lower() in t.name.lower() for s in args.only)]

    timings: list[Timing] = []
    results: dict[str, tuple[Any, EventSet]] = {}
    for timing, res in bench_tools(
        tools, es, runs=args.runs, probe=args.probe, max_seconds=args.max_seconds
    ):
        timings.append(timing)
        results[timing.tool] = res
        per = timing.per_1000(timing.runs)
        print(
            f"  {timing.tool}: {timing.median:.4f} s / 1,000 events (min {min(per):.4f}, "
            f"max {max(per):.4f}; CPU {timing.median_cpu:.4f}); timed on {timing.n_timed}",
            flush=True,
        )
    info_end = machine_info()

    # agreement: CARs vs the naive statsmodels loop on the full event set
    ref = naive_statsmodels(es)["car"]
    agreement = []
    cars_by_tool: dict[str, pd.Series] = {}
    stats_by_tool: dict[str, dict[str, float]] = {}
    for tool in tools:
        res, target = results[tool.name]
        if len(target.events) != len(es.events):
            res = tool.run(tool.prepare(es))  # a scaled tool: one full run for agreement
        cars = tool.cars(res, es)
        stats_by_tool[tool.name] = tool.stats(res)
        if cars.empty:
            continue
        cars_by_tool[tool.name] = cars
        common = ref.index.intersection(cars.index)
        diff = (cars[common] - ref[common]).abs()
        agreement.append(
            {
                "tool": tool.name,
                "n": len(common),
                "missing": len(ref) - len(common),
                "max_abs": float(diff.max()),
                "max_rel": float((diff / ref[common].abs()).max()),
            }
        )
    sample_ids = es.events["event_id"].iloc[:5].tolist()
    # the mktnews rows with fewer tests repeat the full row's values: checked here, shown once
    subset_rows = [n for n in stats_by_tool if n.startswith("mktnews") and "," in n]
    full_row = next((n for n in stats_by_tool if n.startswith("mktnews") and "," not in n), None)
    subset_check = _subset_agreement(stats_by_tool, full_row, subset_rows)
    sample = pd.DataFrame(
        {"symbol": es.events.set_index("event_id").loc[sample_ids, "symbol"]}
        | {"date": es.events.set_index("event_id").loc[sample_ids, "event_date"].dt.date}
        | {
            name: c.reindex(sample_ids)
            for name, c in cars_by_tool.items()
            if name not in subset_rows and name != FLOOR_STATSPAI.name
        }
    )
    stat_table = pd.DataFrame(
        {k: v for k, v in stats_by_tool.items() if k not in subset_rows and k != FLOOR_STATSPAI.name}
    )

    imports = import_seconds()
    text = render(
        timings, agreement, sample, stat_table, info, info_end, es, args, skipped, imports
    )
    if subset_check:
        text += "\n" + subset_check + "\n"
    print()
    print(text)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "peers.md").write_text(text + "\n", encoding="utf-8")
        raw = {
            "machine": info,
            "machine_end": info_end,
            "events": len(es.events),
            "seed": es.seed,
            "timings": [
                {
                    "tool": t.tool,
                    "n_timed": t.n_timed,
                    "scaled": t.scaled,
                    "run_seconds": t.runs,
                    "cpu_seconds": t.cpu,
                    "prep_seconds": t.prep,
                    "median_s_per_1000": t.median,
                    "tests": t.tests,
                }
                for t in timings
            ],
            "agreement": agreement,
            "stats": stats_by_tool,
            "skipped": skipped,
            "import_seconds": imports,
        }
        (RESULTS / "peers.json").write_text(json.dumps(raw, indent=2), encoding="utf-8")
        print(f"\nwrote {RESULTS / 'peers.md'} and peers.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
