"""Corpus scale: one table of events through the whole pipeline at 10^4, 10^5 and 10^6 articles.

Run from the repository root::

    /work/venv/bin/python benchmarks/bench_scale.py                   # sizes 1e4 1e5 1e6, 3 runs
    /work/venv/bin/python benchmarks/bench_scale.py --sizes 10000 100000 --runs 5 --no-write
    /work/venv/bin/python benchmarks/bench_scale.py --profile         # pyinstrument, 1e6, one run

The corpus: ``n`` articles, each naming one of ten real indices (Euro STOXX 50, DAX, CAC 40,
FTSE 100, Dow Jones, S&P 500, Nasdaq 100, Nikkei 225, Hang Seng, IBEX 35: five exchange
calendars, two with a lunch break), published at a uniformly drawn second of
2012-01-01..2024-12-31 UTC (seeded). It is a table of events -- ``id``, ``instrument``,
``published_at`` (tz-aware) and an ``outlet`` column -- as a user's Parquet file would give.
Prices: the real daily files of ``../shared/data/prices/daily`` through a
:class:`mktnews.FileSource` (read once per source object, as a user's script does).

Timed, end to end, each run in a fresh Python process (so that peak memory is the run's
own; ``ru_maxrss`` after the imports is the baseline):

1. ``read_articles(table)``
2. ``align_events(corpus, source=src)``
3. ``event_study(events, source=src)``: constant mean, estimation (-250, -11), window
   (-1, 1), every test of ``mktnews.inference`` (collapse is the first step of the study;
   it is also timed on its own -- the engine's clustering -- and reported as "of which").

"warm": the process has already run the pipeline once on 1,000 other articles (calendars
built, modules imported: a Jupyter session's second cell). "cold": the first call in a
fresh process (one run per size), which adds the one-time costs.

A second table shows that the study's cost follows the distinct (instrument, session)
pairs, not the articles: 10^6 articles whose publication days are drawn from D random days
(D = 30 ... all), so the pairs range from a few hundred to the saturation of ~32,700
(ten instruments x ~3,270 sessions).

Results go to ``benchmarks/results/scale.md`` (and ``scale.json``) unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MKTNEWS_SHARED", REPO.parent / "shared"))
DAILY = SHARED / "data" / "prices" / "daily"
RESULTS = REPO / "benchmarks" / "results"
SYMBOLS = (
    "^STOXX50E",
    "^GDAXI",
    "^FCHI",
    "^FTSE",
    "^DJI",
    "^GSPC",
    "^NDX",
    "^N225",
    "^HSI",
    "^IBEX",
)
RANGE = ("2012-01-01", "2025-01-01")  # [start, end)
OUTLETS = ("BBZ", "BTB", "NZN")


def make_table(n: int, seed: int = 1, days: int | None = None) -> pd.DataFrame:
    """``n`` events on the ten indices; publication instants uniform over :data:`RANGE`, or
    over ``days`` distinct random days of it (a uniform second within the day)."""
    rng = np.random.default_rng(seed)
    lo = pd.Timestamp(RANGE[0], tz="UTC").value // 10**9
    hi = pd.Timestamp(RANGE[1], tz="UTC").value // 10**9
    if days is None:
        secs = rng.integers(lo, hi, size=n)
    else:
        n_days = (hi - lo) // 86400
        pick = rng.choice(n_days, size=days, replace=False)
        secs = lo + pick[rng.integers(0, days, size=n)] * 86400 + rng.integers(0, 86400, size=n)
    ids = pd.Series(np.char.add("a", np.arange(n).astype("U12")), dtype="str")
    return pd.DataFrame(
        {
            "id": ids,
            "instrument": pd.Series(
                np.asarray(SYMBOLS)[rng.integers(0, len(SYMBOLS), n)], dtype="str"
            ),
            "published_at": pd.DatetimeIndex((secs * 10**9).view("M8[ns]")).tz_localize("UTC"),
            "outlet": pd.Series(np.asarray(OUTLETS)[rng.integers(0, len(OUTLETS), n)], dtype="str"),
        }
    )


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


# ------------------------------------------------------------------------------------------
# one run (in a child process)


#: Functions timed inside the pipeline ("where the time goes"): (module, attribute, label).
#: They are wrapped at module level only in the benchmark's child process; a name that a
#: later version no longer has is skipped.
COMPONENTS: tuple[tuple[str, str, str], ...] = (
    ("mktnews.articles", "table_batch", "read: table columns to lists (articles.table_batch)"),
    ("mktnews.articles", "assemble", "read: assembly of the frames (articles.assemble)"),
    ("mktnews.study", "study_events_frame", "study: checks of the events frame (study.study_events_frame)"),
    ("mktnews.study", "cluster_events", "study: collapse (study.cluster_events)"),
    ("mktnews.study", "_study_prices", "study: prices (study._study_prices)"),
    ("mktnews.study", "_kernel", "study: windows, model, CARs (study._kernel)"),
    ("mktnews.inference", "run_tests", "study: all tests (inference.run_tests)"),
    (
        "mktnews.inference",
        "mean_pairwise_correlation",
        "study: tests: Kolari-Pynnönen r̄ (inference.mean_pairwise_correlation)",
    ),
    (
        "mktnews.inference",
        "_row_standardised_ranks",
        "study: tests: ranks of corrado/grank (inference._row_standardised_ranks)",
    ),
    (
        "mktnews.inference",
        "_rank_day_means",
        "study: tests: ranks of corrado/grank (inference._rank_day_means)",
    ),
)


def _wrap_components() -> dict[str, float]:
    import importlib

    spent: dict[str, float] = {}
    for mod_name, attr, label in COMPONENTS:
        mod = importlib.import_module(mod_name)
        fn = getattr(mod, attr, None)
        if fn is None:
            continue

        def timed(*a: Any, _fn: Any = fn, _label: str = label, **k: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return _fn(*a, **k)
            finally:
                spent[_label] = spent.get(_label, 0.0) + time.perf_counter() - t0

        setattr(mod, attr, timed)
    return spent


def run_child(n: int, seed: int, warm: bool, days: int | None) -> dict[str, Any]:
    import mktnews
    from mktnews.spec import validate_spec
    from mktnews.study import cluster_events, group_labels, t0_ns

    base = _rss_mb()
    load0 = os.getloadavg()[0]
    if warm:  # one small pipeline first: calendars built, lazy imports done
        src0 = mktnews.FileSource(DAILY)
        ev0 = mktnews.align_events(
            mktnews.read_articles(make_table(1000, seed + 1000)), source=src0
        )
        mktnews.event_study(ev0, source=src0)
    table = make_table(n, seed, days)
    src = mktnews.FileSource(DAILY)
    spent = _wrap_components()
    c0, p0 = time.perf_counter(), time.process_time()
    corpus = mktnews.read_articles(table)
    c1, _p1 = time.perf_counter(), time.process_time()
    events = mktnews.align_events(corpus, source=src)
    c2, _p2 = time.perf_counter(), time.process_time()
    res = mktnews.event_study(events, source=src)
    c3, p3 = time.perf_counter(), time.process_time()
    peak = _rss_mb()
    components = dict(spent)
    # the collapse on its own (the engine's first step), outside the timed pipeline
    spec = validate_spec(
        windows=((-1, 1),), estimation=(-250, -11), model="constant_mean", benchmark=None,
        returns="simple", collapse=True, group_by=None, tests="all", placebo=0, interval="1d",
        min_estimation=120, seed=None,
    )  # fmt: skip
    k0 = time.perf_counter()
    cl = cluster_events(events, group_labels(events, None), t0_ns(events["t0"], False), spec)
    k1 = time.perf_counter()
    ok = events["status"] == "ok"
    return {
        "n": n,
        "days": days,
        "warm": warm,
        "read": c1 - c0,
        "align": c2 - c1,
        "study": c3 - c2,
        "total": c3 - c0,
        "cpu_total": p3 - p0,
        "collapse": k1 - k0,
        "pairs": len(events.loc[ok, ["symbol", "t0"]].drop_duplicates()),
        "events": len(cl.table),
        "events_ok": int(res.info["n_events_ok"]),
        "tests": len(res.tests),
        "rss_base_mb": base,
        "rss_peak_mb": peak,
        "rss_mb": peak - base,
        "table_mb": float(table.memory_usage(deep=True).sum() / 2**20),
        "components": components,
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "load_before": load0,
        "load_after": os.getloadavg()[0],
    }


def _child(args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=None if env is None else {**os.environ, **env},
    )
    if out.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{out.stderr}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# ------------------------------------------------------------------------------------------
# report


def _med(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def _machine() -> dict[str, str]:
    import mktnews

    cpu = "?"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return {
        "cpu": cpu,
        "nproc": str(os.cpu_count()),
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "mktnews": mktnews.__version__,
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
        ).stdout.strip(),
    }


def report(
    sizes: dict[int, list[dict[str, Any]]],
    cold: dict[int, dict[str, Any]],
    sweep: list[dict[str, Any]],
    runs: int,
    machine: dict[str, str],
    one_blas: list[dict[str, Any]] | None = None,
) -> str:
    lines = [
        "# Corpus scale: table -> read_articles -> align_events -> event_study",
        "",
        f"Machine: {machine['cpu']}, {machine['nproc']} cores; Python {machine['python']}, "
        f"pandas {machine['pandas']}, numpy {machine['numpy']}, mktnews {machine['mktnews']} "
        f"(commit {machine['commit']}). Script: `benchmarks/bench_scale.py`.",
        "",
        "Ten real indices (five exchange calendars), publication instants uniform over "
        "2012-2024, daily prices from the real files through `FileSource`; constant-mean "
        "study, estimation (-250, -11), window (-1, 1), every test of `mktnews.inference` "
        "(cs_t ... wilcoxon, incl. Kolari-Pynnönen). Each run is a fresh process; seconds are "
        f"wall clock, medians of {runs} runs (min-max in brackets); memory is the peak RSS "
        "of the run's process minus its RSS after the imports (so it includes the input "
        "table).",
        "",
        "## Warm (calendars built and modules imported, as in a running session)",
        "",
        "| articles | read | align | study | of which collapse | **total** | articles/s | peak memory | distinct pairs | load (1 min) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, rs in sizes.items():
        tot = [r["total"] for r in rs]
        lines.append(
            f"| {n:,} | {_med(rs, 'read'):.2f} | {_med(rs, 'align'):.2f} | {_med(rs, 'study'):.2f} "
            f"| {_med(rs, 'collapse'):.3f} | **{_med(rs, 'total'):.2f}** ({min(tot):.2f}-{max(tot):.2f}) "
            f"| {n / _med(rs, 'total'):,.0f} | {_med(rs, 'rss_mb'):,.0f} MB "
            f"| {int(_med(rs, 'pairs')):,} | {_med(rs, 'load_before'):.2f} |"
        )
    big = max(sizes)
    rs = sizes[big]
    tot = _med(rs, "total")
    mem = _med(rs, "rss_mb")
    if big == 1_000_000:
        cold_t = f", cold {cold[big]['total']:.2f} s" if big in cold else ""
        lines += [
            "",
            "## Targets (issue 7, this 2-core machine)",
            "",
            "| target | measured | |",
            "|---|---:|---|",
            f"| 10^6 articles end to end in under 5 s | warm {tot:.2f} s{cold_t} "
            f"| {'met' if tot < 5 else 'missed'} |",
            f"| under 2 GB peak memory | {mem:,.0f} MB | {'met' if mem < 2048 else 'missed'} |",
        ]
    labels = [lab for _, _, lab in COMPONENTS if any(lab in r["components"] for r in rs)]
    lines += [
        "",
        f"## Where the time goes at {big:,} articles (warm, medians)",
        "",
        "Functions of the pipeline timed from inside (wrapped in the benchmark process; "
        "nested rows are part of the row above them).",
        "",
        "| stage / function | seconds | share of total |",
        "|---|---:|---:|",
        f"| read_articles | {_med(rs, 'read'):.2f} | {100 * _med(rs, 'read') / tot:.0f}% |",
    ]
    for lab in labels:
        if lab.startswith("read:"):
            v = float(statistics.median(r["components"].get(lab, 0.0) for r in rs))
            lines.append(f"| - {lab[6:]} | {v:.2f} | {100 * v / tot:.0f}% |")
    lines.append(
        f"| align_events | {_med(rs, 'align'):.2f} | {100 * _med(rs, 'align') / tot:.0f}% |"
    )
    lines.append(
        f"| event_study | {_med(rs, 'study'):.2f} | {100 * _med(rs, 'study') / tot:.0f}% |"
    )
    for lab in labels:
        if lab.startswith("study:"):
            v = float(statistics.median(r["components"].get(lab, 0.0) for r in rs))
            name = lab[7:]
            indent = "-- " if name.startswith("tests:") else "- "
            name = name[7:] if name.startswith("tests:") else name
            lines.append(f"| {indent}{name} | {v:.2f} | {100 * v / tot:.0f}% |")
    if one_blas:
        ob = one_blas
        lines += [
            "",
            f"Same {big:,}-article runs with `OPENBLAS_NUM_THREADS=1` (numpy's BLAS on one "
            "thread), to see whether BLAS threading costs time in the tests' many small "
            "matrix products on this 2-core machine:",
            "",
            "| BLAS threads | read | align | study | total | Kolari-Pynnönen r̄ |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        kp = "study: tests: Kolari-Pynnönen r̄ (inference.mean_pairwise_correlation)"
        for name, group in (("default", rs), ("1", ob)):
            v = float(statistics.median(r["components"].get(kp, float("nan")) for r in group))
            lines.append(
                f"| {name} | {_med(group, 'read'):.2f} | {_med(group, 'align'):.2f} "
                f"| {_med(group, 'study'):.2f} | {_med(group, 'total'):.2f} | {v:.2f} |"
            )
    if cold:
        lines += [
            "",
            "## Cold (first call in a fresh process: exchange calendars built, scipy loaded)",
            "",
            "| articles | read | align | study | total | peak memory |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for n, r in cold.items():
            lines.append(
                f"| {n:,} | {r['read']:.2f} | {r['align']:.2f} | {r['study']:.2f} | {r['total']:.2f} "
                f"| {r['rss_mb']:,.0f} MB |"
            )
    if sweep:
        lines += [
            "",
            "## The study's cost follows distinct (instrument, session) pairs, not articles",
            "",
            "Same pipeline, warm; 10^6 articles published on D random days (first rows), and the "
            "main runs above for comparison. Reading and aligning grow with the articles; the "
            "study grows with the distinct pairs, plus a part that reads every article row once "
            "(checks and the collapse, about a second per 10^6 rows).",
            "",
            "| articles | publication days | distinct pairs | read | align | study | of which collapse |",
            "|---:|---:|---:|---:|---:|---:|---:|",
        ]
        rows = [(r["n"], r["days"], r) for r in sweep]
        rows += [
            (n, None, {k: _med(rs, k) for k in ("pairs", "read", "align", "study", "collapse")})
            for n, rs in sizes.items()
        ]

        for n, days, r in rows:
            lines.append(
                f"| {n:,} | {days if days is not None else 'all'} | {int(r['pairs']):,} | {r['read']:.2f} "
                f"| {r['align']:.2f} | {r['study']:.2f} | {r['collapse']:.2f} |"
            )
    lines.append("")
    return "\n".join(lines)


def profile(n: int) -> str:
    """pyinstrument text of one warm run (needs ``pip install pyinstrument``)."""
    from pyinstrument import Profiler

    import mktnews

    src0 = mktnews.FileSource(DAILY)
    mktnews.event_study(
        mktnews.align_events(mktnews.read_articles(make_table(1000, 7)), source=src0), source=src0
    )
    table = make_table(n, 1)
    src = mktnews.FileSource(DAILY)
    prof = Profiler(interval=0.005)
    prof.start()
    ev = mktnews.align_events(mktnews.read_articles(table), source=src)
    mktnews.event_study(ev, source=src)
    prof.stop()
    return str(prof.output_text(unicode=False, color=False, show_all=False))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sweep", type=int, nargs="*", default=[30, 300, 1000, 3000])
    ap.add_argument("--no-cold", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--profile", action="store_true", help="pyinstrument of one warm 1e6 run")
    ap.add_argument(
        "--child", nargs=4, metavar=("N", "SEED", "WARM", "DAYS"), help=argparse.SUPPRESS
    )
    a = ap.parse_args(argv)
    if a.child:
        n, seed, warm, days = a.child
        res = run_child(int(n), int(seed), warm == "1", None if days == "-" else int(days))
        print(json.dumps(res))
        return 0
    if a.profile:
        print(profile(max(a.sizes)))
        return 0
    sizes: dict[int, list[dict[str, Any]]] = {}
    for n in a.sizes:
        sizes[n] = [_child([str(n), "1", "1", "-"]) for _ in range(a.runs)]
        r = sizes[n]
        print(f"{n:>9,} articles: total {_med(r, 'total'):.2f} s (read {_med(r, 'read'):.2f}, align "
              f"{_med(r, 'align'):.2f}, study {_med(r, 'study'):.2f}), {_med(r, 'rss_mb'):,.0f} MB, "
              f"load {_med(r, 'load_before'):.2f}", flush=True)  # fmt: skip
    cold = {} if a.no_cold else {n: _child([str(n), "1", "0", "-"]) for n in a.sizes}
    sweep = [_child([str(max(a.sizes)), "1", "1", str(d)]) for d in a.sweep]
    # the same largest size with one BLAS thread (small matrix products, see the report)
    one_blas = [
        _child([str(max(a.sizes)), "1", "1", "-"], env={"OPENBLAS_NUM_THREADS": "1"})
        for _ in range(a.runs)
    ]
    print(f"  1 BLAS thread: total {_med(one_blas, 'total'):.2f} s", flush=True)
    for r in sweep:
        print(
            f"  sweep {r['days']} days: {r['pairs']:,} pairs, study {r['study']:.2f} s", flush=True
        )
    machine = _machine()
    text = report(sizes, cold, sweep, a.runs, machine, one_blas)
    print(text)
    if not a.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "scale.json").write_text(
            json.dumps(
                {"machine": machine, "sizes": sizes, "cold": cold, "sweep": sweep}, indent=1
            ),
            encoding="utf-8",
        )
        (RESULTS / "scale.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
