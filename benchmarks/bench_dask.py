"""Ten million articles from Parquet through the Dask path, on a LocalCluster of this machine.

Run from the repository root::

    /work/venv/bin/python benchmarks/bench_dask.py                        # 1e7 articles, 20 files
    /work/venv/bin/python benchmarks/bench_dask.py --n 2000000 --no-write
    /work/venv/bin/python benchmarks/bench_dask.py --keep /tmp/corpus      # reuse the Parquet files

The corpus is :func:`bench_scale.make_table` (ten real indices, publication instants uniform
over 2012-2024, ``id, instrument, published_at, outlet``), generated in chunks of
``--chunk`` rows, each chunk written to its own Parquet file in a temporary folder (one
Dask partition per file; nothing is committed). ``dask.dataframe.read_parquet`` reads the
folder and ``mktnews.event_study(ddf, source=FileSource(daily))`` runs the whole study
(scan, prices loaded on the client and broadcast, read + align + collapse on the workers,
the engine on the distinct events on the client) on a ``distributed.LocalCluster`` with
``--workers`` processes of ``--threads`` threads.

Reported: wall seconds of the study (median of ``--runs``, after one warm-up study on a
small file so that the workers have built their calendars), its stages (scan + price
load, workers' pass, engine), articles per second, the peak RSS of each worker process
(``ru_maxrss``; minus its RSS before the run) and of the client; and, for comparison, the
same 10^6 articles (the first files) through the Dask path and through the pandas path
(``pd.read_parquet`` -> ``read_articles`` -> ``event_study``, in a fresh process, run before the
cluster starts).

Results go to ``benchmarks/results/dask.md`` (and ``dask.json``) unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import DAILY, REPO, RESULTS, make_table


def write_corpus(folder: Path, n: int, chunk: int) -> list[Path]:
    """``n`` articles in files of ``chunk`` rows; ids ``a0 .. a{n-1}`` in file order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, start in enumerate(range(0, n, chunk)):
        m = min(chunk, n - start)
        path = folder / f"part-{k:04d}.parquet"
        paths.append(path)
        if path.exists():
            continue
        t = make_table(m, seed=1000 + k)
        t["id"] = pd.Series(
            np.char.add("a", np.arange(start, start + m).astype("U12")), dtype="str"
        )
        t.to_parquet(path, index=False)
    return paths


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class _Stages:
    """Wall time of the Dask path's stages (the client-side functions, wrapped)."""

    def __init__(self) -> None:
        import mktnews.daskpath as dk
        import mktnews.study as st

        self.t: dict[str, float] = {}
        self._orig = {"prepare": dk._prepare, "run": st.run_study}

        def timed(key: str, fn: Any) -> Any:
            def wrapper(*a: Any, **k: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return fn(*a, **k)
                finally:
                    self.t[key] = self.t.get(key, 0.0) + time.perf_counter() - t0

            return wrapper

        dk._prepare = timed("scan_and_prices", dk._prepare)
        st.run_study = timed("engine", st.run_study)

    def reset(self) -> None:
        self.t = {}


def run_dask(client: Any, files: list[Path], stages: _Stages) -> dict[str, Any]:
    import dask.dataframe as dd

    import mktnews

    ddf = dd.read_parquet([str(p) for p in files])
    before = client.run(_rss_mb)
    client_before = _rss_mb()
    stages.reset()
    t0 = time.perf_counter()
    res = mktnews.event_study(ddf, source=mktnews.FileSource(DAILY))
    total = time.perf_counter() - t0
    after = client.run(_rss_mb)
    n = int(res.info["n_rows"])
    prep = stages.t.get("scan_and_prices", 0.0)
    eng = stages.t.get("engine", 0.0)
    return {
        "n": n,
        "partitions": ddf.npartitions,
        "total": total,
        "scan_and_prices": prep,
        "engine": eng,
        "workers_pass": total - prep - eng,
        "events": int(res.info["n_events"]),
        "worker_peak_mb": {str(k): v for k, v in after.items()},
        "worker_before_mb": {str(k): v for k, v in before.items()},
        "client_peak_mb": _rss_mb(),
        "client_before_mb": client_before,
        "load": os.getloadavg()[0],
    }


def run_align(client: Any, files: list[Path], out: Path) -> dict[str, Any]:
    """``align_events`` alone, its lazy events frame written to Parquet (every row)."""
    import dask.dataframe as dd

    import mktnews

    ddf = dd.read_parquet([str(p) for p in files])
    before = client.run(_rss_mb)
    t0 = time.perf_counter()
    events = mktnews.align_events(ddf, source=mktnews.FileSource(DAILY))
    events.to_parquet(str(out), write_index=False)
    total = time.perf_counter() - t0
    after = client.run(_rss_mb)
    rows = int(dd.read_parquet(str(out)).map_partitions(len).compute().sum())
    shutil.rmtree(out, ignore_errors=True)
    return {
        "n": rows,
        "total": total,
        "worker_peak_mb": {str(k): v for k, v in after.items()},
        "worker_before_mb": {str(k): v for k, v in before.items()},
    }


def partition_breakdown(path: Path) -> dict[str, float]:
    """What one partition task costs, by step, timed in this process (warm)."""
    import mktnews
    import mktnews.daskpath as dk
    from mktnews.study import _validate

    part = pd.read_parquet(path)
    opts = dk._read_options(None, None)
    layout = dk._layout(part.iloc[:0], opts, "snapshot")
    scan = dk._scan_part(part, layout, opts, "snapshot", "1d", dk._registry())
    payload = dk._load([scan], mktnews.FileSource(DAILY), "1d", None, opts, "snapshot", layout)
    spec = _validate(
        windows=((-1, 1),), estimation=(-250, -11), model="constant_mean", benchmark=None,
        returns="simple", collapse=True, group_by=None, tests="all", placebo=0, interval="1d",
        min_estimation=120, seed=None,
    )  # fmt: skip
    dk._align_part(part.iloc[:2000], 0, payload)  # warm-up (calendars)
    t0 = time.perf_counter()
    dk._scan_part(part, layout, opts, "snapshot", "1d", dk._registry())
    t1 = time.perf_counter()
    corpus = dk._read_part(part, 0, opts)
    t2 = time.perf_counter()
    ev = mktnews.align_events(
        corpus,
        source=payload.source,
        instruments="snapshot",
        prices=payload.prices,  # type: ignore[arg-type]
    )
    t3 = time.perf_counter()
    dk._partial(ev, 0, spec, False)
    t4 = time.perf_counter()
    return {
        "rows": float(len(part)),
        "scan": t1 - t0,
        "read": t2 - t1,
        "align": t3 - t2,
        "collapse": t4 - t3,
    }


def pandas_child(files: list[str]) -> dict[str, Any]:
    import mktnews

    base = _rss_mb()
    src0 = mktnews.FileSource(DAILY)  # warm-up: calendars, imports
    mktnews.event_study(mktnews.read_articles(make_table(1000, 3)), source=src0)
    t0 = time.perf_counter()
    table = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    res = mktnews.event_study(mktnews.read_articles(table), source=mktnews.FileSource(DAILY))
    total = time.perf_counter() - t0
    return {
        "n": len(table),
        "total": total,
        "rss_mb": _rss_mb() - base,
        "events": int(res.info["n_events"]),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--chunk", type=int, default=500_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument(
        "--compare", type=int, default=1_000_000, help="articles of the pandas comparison (0: none)"
    )
    ap.add_argument("--keep", type=Path, default=None, help="folder for the Parquet files (kept)")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--pandas-child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.pandas_child:
        print(json.dumps(pandas_child(a.pandas_child)))
        return 0

    import dask
    import distributed

    folder = a.keep if a.keep is not None else Path(tempfile.mkdtemp(prefix="mktnews-dask-bench-"))
    try:
        t0 = time.perf_counter()
        files = write_corpus(folder, a.n, a.chunk)
        gen = time.perf_counter() - t0
        size_mb = sum(p.stat().st_size for p in files) / 2**20
        print(
            f"{a.n:,} articles in {len(files)} Parquet files ({size_mb:,.0f} MB), {gen:.1f} s",
            flush=True,
        )
        # the pandas path first, in a fresh process, before the cluster takes the cores
        cmp_files = files[: max(1, a.compare // a.chunk)] if a.compare else []
        cmp_pandas = None
        if cmp_files:
            out = subprocess.run(
                [sys.executable, __file__, "--pandas-child", *map(str, cmp_files)],
                capture_output=True, text=True, cwd=REPO,
            )  # fmt: skip
            if out.returncode != 0:
                raise RuntimeError(out.stderr)
            cmp_pandas = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"pandas {cmp_pandas['n']:,}: {cmp_pandas['total']:.1f} s", flush=True)
        stages = _Stages()
        with (
            distributed.LocalCluster(
                n_workers=a.workers, threads_per_worker=a.threads, processes=True,
                dashboard_address=":0",
            ) as cluster,
            distributed.Client(cluster) as client,
        ):  # fmt: skip
            # warm-up: every worker builds its calendars once
            small = write_corpus(folder / "warmup", 20_000, 10_000)
            run_dask(client, small, stages)
            runs = [run_dask(client, files, stages) for _ in range(a.runs)]
            for r in runs:
                print(f"dask {r['n']:,}: {r['total']:.1f} s (scan+prices {r['scan_and_prices']:.1f}, "
                      f"workers {r['workers_pass']:.1f}, engine {r['engine']:.1f}), worker peaks "
                      f"{list(r['worker_peak_mb'].values())} MB, load {r['load']:.2f}", flush=True)  # fmt: skip
            align = run_align(client, files, folder / "events-out")
            parts = partition_breakdown(files[0])
            print(f"one partition: {parts}", flush=True)
            print(
                f"align_events -> to_parquet {align['n']:,} rows: {align['total']:.1f} s",
                flush=True,
            )
            cmp_dask = None
            if cmp_files:
                cmp_dask = run_dask(client, cmp_files, stages)
                print(f"dask {cmp_dask['n']:,}: {cmp_dask['total']:.1f} s", flush=True)
    finally:
        if a.keep is None:
            shutil.rmtree(folder, ignore_errors=True)

    text = report(
        a,
        runs,
        cmp_dask,
        cmp_pandas,
        size_mb,
        len(files),
        dask.__version__,
        distributed.__version__,
        align,
        parts,
    )
    print(text)
    if not a.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "dask.md").write_text(text, encoding="utf-8")
        (RESULTS / "dask.json").write_text(
            json.dumps(
                {
                    "runs": runs,
                    "align": align,
                    "partition": parts,
                    "compare_dask": cmp_dask,
                    "compare_pandas": cmp_pandas,
                },
                indent=1,
            ),
            encoding="utf-8",
        )
    return 0


def report(
    a: argparse.Namespace,
    runs: list[dict[str, Any]],
    cmp_dask: dict[str, Any] | None,
    cmp_pandas: dict[str, Any] | None,
    size_mb: float,
    n_files: int,
    dask_version: str,
    distributed_version: str,
    align: dict[str, Any] | None = None,
    parts: dict[str, float] | None = None,
) -> str:
    import mktnews

    def med(key: str) -> float:
        return float(statistics.median(r[key] for r in runs))

    cpu = "?"
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("Model name"):
            cpu = line.split(":", 1)[1].strip()
    r0 = runs[len(runs) // 2]
    # peaks over every run; growth from the RSS before the first one (after the warm-up)
    first = runs[0]
    peaks = sorted(
        (addr, max(r["worker_peak_mb"][addr] for r in runs)) for addr in first["worker_peak_mb"]
    )
    client_peak = max(r["client_peak_mb"] for r in runs)
    lines = [
        "# Dask: ten million articles from Parquet",
        "",
        f"Machine: {cpu}, {os.cpu_count()} cores, {_mem_gb():.0f} GB RAM; Python "
        f"{platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}, dask "
        f"{dask_version}, distributed {distributed_version}, mktnews {mktnews.__version__}. "
        "Script: `benchmarks/bench_dask.py`.",
        "",
        f"{a.n:,} articles (ten real indices, 2012-2024) in {n_files} Parquet files of "
        f"{a.chunk:,} rows ({size_mb:,.0f} MB), `dask.dataframe.read_parquet` -> "
        "`mktnews.event_study(ddf, source=FileSource(daily))` (constant mean, every test) on "
        f"a `LocalCluster` of {a.workers} worker processes x {a.threads} thread(s), after a "
        "warm-up study (calendars built on the workers). "
        f"Median of {len(runs)} run(s); load average (1 min) {med('load'):.2f}.",
        "",
        "| articles | partitions | total | scan + price load | workers' pass (read, align, collapse) | engine (client) | articles/s | distinct events |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {r0['n']:,} | {r0['partitions']} | {med('total'):.1f} s | {med('scan_and_prices'):.1f} s "
        f"| {med('workers_pass'):.1f} s | {med('engine'):.1f} s | {r0['n'] / med('total'):,.0f} "
        f"| {r0['events']:,} |",
        "",
        "Peak memory (RSS, `ru_maxrss` of each process over the runs; in brackets the growth "
        "from its RSS before the first run, after the warm-up):",
        "",
        "| process | peak RSS |",
        "|---|---:|",
    ]
    for addr, v in peaks:
        lines.append(
            f"| worker {addr} | {v:,.0f} MB (+{v - first['worker_before_mb'][addr]:,.0f}) |"
        )
    lines.append(
        f"| client | {client_peak:,.0f} MB (+{client_peak - first['client_before_mb']:,.0f}) |"
    )
    if parts is not None:
        step = parts["scan"] + parts["read"] + parts["align"] + parts["collapse"]
        lines += [
            "",
            f"One partition task ({parts['rows']:,.0f} articles), timed alone in one process: "
            f"scan {parts['scan']:.2f} s; then read_articles' kernel {parts['read']:.2f} s "
            f"({100 * parts['read'] / step:.0f}% of the partition's work), align_events "
            f"{parts['align']:.2f} s, collapse {parts['collapse']:.2f} s.",
        ]
    if align is not None:
        apeaks = sorted(align["worker_peak_mb"].items())
        lines += [
            "",
            f"`align_events(ddf)` alone, its lazy events frame written with `to_parquet` "
            f"({align['n']:,} rows, every column): {align['total']:.1f} s "
            f"({align['n'] / align['total']:,.0f} articles/s); worker peak RSS "
            + ", ".join(f"{v:,.0f} MB" for _, v in apeaks)
            + ".",
        ]
    if cmp_dask is not None and cmp_pandas is not None:
        lines += [
            "",
            f"Comparison on the first {cmp_pandas['n']:,} articles (same files):",
            "",
            "| path | articles | total | articles/s |",
            "|---|---:|---:|---:|",
            f"| pandas (`pd.read_parquet` -> `read_articles` -> `event_study`, warm process) "
            f"| {cmp_pandas['n']:,} | {cmp_pandas['total']:.1f} s | {cmp_pandas['n'] / cmp_pandas['total']:,.0f} |",
            f"| Dask, same cluster | {cmp_dask['n']:,} | {cmp_dask['total']:.1f} s "
            f"| {cmp_dask['n'] / cmp_dask['total']:,.0f} |",
            f"| Dask, {a.n:,} | {r0['n']:,} | {med('total'):.1f} s | {r0['n'] / med('total'):,.0f} |",
        ]
    lines.append("")
    return "\n".join(lines)


def _mem_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        return float("nan")


if __name__ == "__main__":
    raise SystemExit(main())
