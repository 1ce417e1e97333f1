"""Time ``mktnews.read_articles`` on 100,000 articles in a Parquet table and 10,000 text files.

Run from the repository root::

    /work/venv/bin/python benchmarks/bench_read.py              # 5 runs each, writes results
    /work/venv/bin/python benchmarks/bench_read.py --runs 3 --no-write

The corpus is generated (seeded) from realistic German market-news pages in the four
layouts the reader understands, mixed as crawls of the site family show them: the seed's
name/change box with a sign-off (40%), a titled full box with five instruments (25%), a
one-line box (20%) and no box (15%); 2 % of texts carry HTML paragraph tags, 1 % CRLF line
ends. Bodies are 1-3 kB (the seed article is 2.3 kB). The Parquet table also has an
``article_id`` and a ``published_at`` column (ISO strings with offsets). The text files are
written into 100 sub-folders, about a quarter of them in cp1252 and a few with a BOM.

The timing covers the whole call (reading, decoding, parsing, building the frames); the
figures are medians over ``--runs`` runs after one warm-up run (file-system cache warm).
Results go to ``benchmarks/results/read.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import mktnews
from mktnews.articles import read_articles

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "read.md"

_SENTENCES = (
    "Die Sorge vor neuen US-Zöllen hat die Anleger an der Frankfurter Börse vorsichtig gestimmt.",
    "Vor allem die Papiere der Autohersteller gerieten unter Druck, nachdem aus Washington "
    "Pläne für höhere Einfuhrabgaben bekannt geworden waren.",
    "Händler verwiesen zudem auf die anstehenden Inflationsdaten aus den Vereinigten Staaten.",
    "Die Europäische Zentralbank dürfte die Zinsen in der kommenden Woche erneut senken, "
    "erwarten Volkswirte.",
    "Der russische Präsident Wladimir Putin ist zu einem zweitägigen Besuch in Kasachstan "
    "eingetroffen.",
    "Gefragt waren dagegen als sicher geltende Anlagen, die Rendite zehnjähriger "
    "Bundesanleihen sank leicht.",
    "Im Nebenwerteindex MDax legten Immobilienwerte zu, die von sinkenden Zinsen besonders "
    "profitieren würden.",
    "An der Wall Street hatten die Standardwerte am Vorabend uneinheitlich geschlossen.",
    "Ein Barrel der Nordseesorte Brent verteuerte sich zeitweise um mehr als zwei Prozent.",
    "Analysten erwarten, dass das Angebot am Ölmarkt in den kommenden Monaten knapp bleibt.",
)
_INSTRUMENTS = (
    ("DAX", 18500.0),
    ("Euro STOXX 50", 4800.0),
    ("MDAX", 26000.0),
    ("Dow Jones", 42000.0),
    ("S&P 500", 5800.0),
    ("Goldpreis", 2400.0),
    ("EUR/USD", 1.08),
    ("Ölpreis", 75.0),
    ("SMI", 11900.0),
    ("Nikkei 225", 38000.0),
)
_OUTLETS = (
    ("BBZ", "Berliner Börsen-Zeitung"),
    ("NZN", "Zürcher Nachrichten"),
    ("BTB", "Berliner Tageblatt"),
)


def _body(rng: np.random.Generator) -> str:
    n_par = int(rng.integers(3, 8))
    pars = []
    for _ in range(n_par):
        k = int(rng.integers(2, 5))
        pars.append(" ".join(_SENTENCES[j] for j in rng.integers(0, len(_SENTENCES), k)))
    return "\n".join(pars)


def make_texts(n: int, seed: int = 7) -> list[str]:
    """``n`` article texts in the mix described in the module docstring."""
    rng = np.random.default_rng(seed)
    layouts = rng.choice(4, size=n, p=[0.40, 0.25, 0.20, 0.15])
    out: list[str] = []
    for i in range(n):
        body = _body(rng)
        code, name = _OUTLETS[int(rng.integers(0, 3))]
        sign = f"(H.Schneide--{code})" if rng.random() < 0.7 else f"J.Hasler--{code}"
        lay = int(layouts[i])
        if lay == 0:
            inst, lvl = _INSTRUMENTS[int(rng.integers(0, len(_INSTRUMENTS)))]
            change = rng.normal(0, lvl * 0.008)
            text = f"{inst}\n{change:+.4f}\n{body}\n{sign}"
        elif lay == 1:
            rows = []
            for j in rng.choice(len(_INSTRUMENTS), 5, replace=False):
                inst, lvl = _INSTRUMENTS[int(j)]
                pct = rng.normal(0, 0.8)
                cur = " $" if inst in ("Goldpreis", "EUR/USD", "Ölpreis") else ""
                rows.append(f"{inst} {pct:+.2f}% {lvl * (1 + pct / 100):.2f}{cur}")
            text = f"{name} - Märkte im Überblick\nBörse\n" + "\n".join(rows) + f"\n{body}"
        elif lay == 2:
            inst, lvl = _INSTRUMENTS[int(rng.integers(0, len(_INSTRUMENTS)))]
            pct = rng.normal(0, 0.8)
            text = f"{inst} {pct:+.2f}% {lvl:.2f}\n{body}\n{sign}"
        else:
            text = f"{body}\n{sign}"
        r = rng.random()
        if r < 0.02:
            text = "".join(f"<p>{line}</p>" for line in text.split("\n"))
        elif r < 0.03:
            text = text.replace("\n", "\r\n")
        out.append(text)
    return out


def _machine() -> str:
    try:
        model = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in model.splitlines()
                if line.startswith("Model name")
            ),
            platform.processor() or "unknown",
        )
    except OSError:
        model = platform.processor() or "unknown"
    return f"{os.cpu_count()} cores ({model})"


def _time(fn: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and process CPU seconds of ``runs`` calls after one warm-up call."""
    fn()
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--n-table", type=int, default=100_000)
    parser.add_argument("--n-files", type=int, default=10_000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        texts = make_texts(args.n_table)
        rng = np.random.default_rng(11)
        stamps = pd.Timestamp("2020-01-01T08:00:00+01:00") + pd.to_timedelta(
            rng.integers(0, 5 * 365 * 24 * 60, args.n_table), unit="min"
        )
        table = pd.DataFrame(
            {
                "article_id": [f"a{i:06d}" for i in range(args.n_table)],
                "published_at": [t.isoformat() for t in stamps],
                "text": texts,
                "section": rng.choice(["Börse", "Politik", "Wirtschaft"], args.n_table),
            }
        )
        pq = tmpdir / "articles.parquet"
        table.to_parquet(pq, index=False)
        mb_table = sum(len(t.encode()) for t in texts) / 1e6

        folder = tmpdir / "files"
        file_texts = make_texts(args.n_files, seed=8)
        for i, t in enumerate(file_texts):
            sub = folder / f"d{i % 100:02d}"
            sub.mkdir(parents=True, exist_ok=True)
            if i % 4 == 1:
                data = t.encode("cp1252", errors="replace")
            elif i % 50 == 2:
                data = b"\xef\xbb\xbf" + t.encode("utf-8")
            else:
                data = t.encode("utf-8")
            (sub / f"{i:05d}.txt").write_bytes(data)
        mb_files = sum(len(t.encode()) for t in file_texts) / 1e6

        check_t = read_articles(pq)
        check_f = read_articles(folder)
        assert len(check_t.articles) == args.n_table, check_t.rejected.head()
        assert len(check_f.articles) == args.n_files, check_f.rejected.head()

        load_before = os.getloadavg()[0]
        wall_t, cpu_t = _time(lambda: read_articles(pq), args.runs)
        wall_f, cpu_f = _time(lambda: read_articles(folder), args.runs)
        load_after = os.getloadavg()[0]
    med_t, med_f = statistics.median(wall_t), statistics.median(wall_f)
    cpu_med_t, cpu_med_f = statistics.median(cpu_t), statistics.median(cpu_f)

    lines = [
        "# read_articles",
        "",
        f"Machine: {_machine()}; Python {platform.python_version()}, pandas {pd.__version__}, "
        f"numpy {np.__version__}, mktnews {mktnews.__version__}.",
        "",
        "Command: `python benchmarks/bench_read.py` "
        f"(median of {args.runs} runs after one warm-up; whole call: read, decode, parse, "
        "build frames). Target: under 5 s each.",
        "",
        "| input | articles | text | median wall | median CPU | wall runs (s) | CPU per article |",
        "|---|---:|---:|---:|---:|---|---:|",
        f"| Parquet table (article_id, published_at, text, section) | {args.n_table:,} | "
        f"{mb_table:.0f} MB | **{med_t:.2f} s** | {cpu_med_t:.2f} s | "
        f"{', '.join(f'{x:.2f}' for x in wall_t)} | {cpu_med_t / args.n_table * 1e6:.0f} µs |",
        f"| folder of .txt files (100 sub-folders, 25% cp1252) | {args.n_files:,} | "
        f"{mb_files:.0f} MB | **{med_f:.2f} s** | {cpu_med_f:.2f} s | "
        f"{', '.join(f'{x:.2f}' for x in wall_f)} | {cpu_med_f / args.n_files * 1e6:.0f} µs |",
        "",
        f"1-minute load average {load_before:.1f} before and {load_after:.1f} after the timed "
        "runs (the machine is shared; with other work running, wall time exceeds CPU time).",
        "",
        "Corpus mix (see the script): 40% name/change box with sign-off, 25% titled "
        "five-instrument box, 20% one-line box, 15% no box; 2% HTML paragraphs, 1% CRLF.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
        print(f"written to {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
