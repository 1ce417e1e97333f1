"""Precision and recall of ``mktnews.link_instruments`` on the labelled headline sample, and
its speed on a larger corpus made of the same headlines.

Run from the repository root::

    /work/venv/bin/python benchmarks/bench_linking.py            # writes benchmarks/results/linking.md
    /work/venv/bin/python benchmarks/bench_linking.py --no-write

The sample (``tests/data/linking/headlines.csv``, 40 headlines with ledes) was written for the
tests by the mktnews developers in the style of public wire headlines and press releases; its
``expected`` column lists the symbols a careful reader links. The user dictionary is
``tests/data/linking/dictionary.csv``; the registry's names and aliases are used too.
Precision = correct links / links made; recall = correct links / labelled links, counted per
(article, symbol) and per method of the link's best mention. Speed: the sample repeated to
20,000 articles, median of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pandas as pd

import mktnews
from mktnews.linking import link_instruments

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "linking"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    h = pd.read_csv(DATA / "headlines.csv", dtype=str, keep_default_na=False)
    d = pd.read_csv(DATA / "dictionary.csv", dtype=str)
    c = mktnews.Corpus.from_frames(
        pd.DataFrame({"article_id": h["id"], "title": h["title"], "body": h["body"]})
    )
    out = link_instruments(c, d)
    s = out.snapshots.set_index(["article_id", "instrument"])
    rows = []
    for aid, exp in zip(h["id"], h["expected"], strict=True):
        e = {x for x in exp.split(";") if x}
        g = set(out.articles.set_index("article_id").loc[aid, "linked"])
        for sym in g:
            rows.append((aid, sym, s.loc[(aid, sym), "link_method"], sym in e))
        for sym in e - g:
            rows.append((aid, sym, "missed", False))
    r = pd.DataFrame(rows, columns=["article_id", "symbol", "method", "correct"])
    made = r[r["method"] != "missed"]
    labelled = sum(len([x for x in e.split(";") if x]) for e in h["expected"])
    tp = int(made["correct"].sum())
    lines = [
        "# Linking: precision on the labelled headline sample",
        "",
        f"mktnews {mktnews.__version__}; {len(h)} headlines, {labelled} labelled links "
        "(sample written for the tests: tests/data/linking/README.md).",
        "",
        "| method | links made | correct | precision |",
        "|---|---:|---:|---:|",
    ]
    for meth, g in made.groupby("method"):
        lines.append(
            f"| {meth} | {len(g)} | {int(g['correct'].sum())} | {g['correct'].mean():.3f} |"
        )
    lines.append(f"| all | {len(made)} | {tp} | {tp / len(made):.3f} |")
    lines += [
        "",
        f"Recall: {tp}/{labelled} = {tp / labelled:.3f}.",
        "",
        "False positives: "
        + ", ".join(
            f"{a} -> {sym}"
            for a, sym in made.loc[~made["correct"], ["article_id", "symbol"]].values
        ),
    ]
    big = mktnews.Corpus.from_frames(
        pd.DataFrame(
            {
                "article_id": [f"{i}" for i in range(20_000)],
                "title": list(h["title"]) * 500,
                "body": list(h["body"]) * 500,
            }
        )
    )
    link_instruments(big, d)
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        link_instruments(big, d)
        times.append(time.perf_counter() - t)
    lines += [
        "",
        f"Speed: 20,000 articles in {statistics.median(times):.2f} s "
        f"(median of {args.runs}; min {min(times):.2f}, max {max(times):.2f}).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        (ROOT / "benchmarks" / "results" / "linking.md").write_text(text)


if __name__ == "__main__":
    main()
