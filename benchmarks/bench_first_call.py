"""First-call overhead: what a fresh process pays beyond ``import mktnews`` (issue 14: <= 0.3 s).

Run from the repository root::

    /work/venv/bin/python benchmarks/bench_first_call.py            # 3 rounds
    /work/venv/bin/python benchmarks/bench_first_call.py --rounds 1 --no-write

Each measurement is a fresh Python process that times ``import mktnews`` and then one whole
pipeline on 5 generated XNYS stocks and a market series (``FrameSource`` from the frames,
``read_articles``, ``align_events``, ``event_study`` with the market model, window (-5, 5),
estimation (-260, -11)), with the default tests and with ``tests="all"``. "first ever": a
new, empty cache folder (``MKTNEWS_CACHE_DIR``): the exchange calendar is built by
exchange_calendars; "later processes": the same folder again, where mktnews kept the
calendar's session arrays (``<cache>/calendars/``, one file per calendar, versions and day).
Wall-clock and CPU seconds; the machine's other load inflates wall-clock time.

Results go to ``benchmarks/results/first_call.md`` unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
import mktnews as mn
t1, c1 = time.perf_counter(), time.process_time()
sys.path.insert(0, sys.argv[1])
import bench_firms as bf
from mktnews.prices.base import FrameSource
frames, table = bf.make_data(5, 14)
t2, c2 = time.perf_counter(), time.process_time()
src = FrameSource(frames)
ev = mn.align_events(mn.read_articles(table), source=src, instruments="instrument")
kw = {} if sys.argv[2] == "default" else {"tests": sys.argv[2]}
mn.event_study(ev, source=src, windows=[bf.WIN], estimation=bf.EST, model="market_model", benchmark="MKT", **kw)
t3, c3 = time.perf_counter(), time.process_time()
print(json.dumps({"import_wall": t1 - t0, "import_cpu": c1 - c0, "first_wall": t3 - t2, "first_cpu": c3 - c2}))
"""


def run(cache: str, tests: str) -> dict[str, float]:
    env = {**os.environ, "MKTNEWS_CACHE_DIR": cache}
    out = subprocess.run([sys.executable, "-c", CHILD, str(HERE), tests], env=env, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-write", action="store_true")
    ns = ap.parse_args(argv)
    load0 = os.getloadavg()
    got: dict[tuple[str, str], list[dict[str, float]]] = {}
    for _ in range(ns.rounds):
        for tests in ("default", "all"):
            cache = tempfile.mkdtemp(prefix="mkfirst_")
            got.setdefault(("first ever", tests), []).append(run(cache, tests))
            got.setdefault(("later processes", tests), []).append(run(cache, tests))
    load1 = os.getloadavg()
    lines = [
        "# First-call overhead beyond `import mktnews`",
        "",
        "Written by `benchmarks/bench_first_call.py` (issue 14); medians of "
        f"{ns.rounds} fresh processes each; load average {' '.join(f'{v:.2f}' for v in load0)} / "
        f"{' '.join(f'{v:.2f}' for v in load1)} on {os.cpu_count()} shared cores.",
        "",
        "| cache folder | tests | import mktnews: wall / CPU s | first pipeline: wall / CPU s |",
        "|---|---|---|---|",
    ]
    for (kind, tests), runs in got.items():
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        lines.append(f"| {kind} | {tests} | {med['import_wall']:.2f} / {med['import_cpu']:.2f} | "
                     f"{med['first_wall']:.2f} / {med['first_cpu']:.2f} |")
    text = "\n".join([*lines, ""])
    print(text)
    if not ns.no_write:
        (HERE / "results" / "first_call.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
