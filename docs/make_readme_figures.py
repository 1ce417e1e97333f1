"""Draw the README's figures from the bundled sample (offline): ``python docs/make_readme_figures.py``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from mktnews import align_events, event_study, read_articles
from mktnews.datasets import load_sample, sample_source
from mktnews.plotting import plot_article, plot_caar

OUT = Path(__file__).resolve().parent / "images"

ECB_DAYS = (
    "2023-10-26", "2023-12-14", "2024-01-25", "2024-03-07", "2024-04-11", "2024-06-06",
    "2024-07-18", "2024-09-12", "2024-10-17", "2024-12-12", "2025-01-30",
)  # fmt: skip


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    source = sample_source()

    fig = Figure(figsize=(9.0, 4.6), layout="constrained")
    plot_article(load_sample(), "000_c914ccdd9c6fabd9", source=source, days=10, ax=fig.add_subplot())
    fig.savefig(OUT / "seed_article.png", dpi=100)

    table = pd.DataFrame({"article_id": [f"ECB {d}" for d in ECB_DAYS],
                          "published_at": [f"{d} 14:15" for d in ECB_DAYS],
                          "instrument": "Euro STOXX 50"})
    corpus = read_articles(table, tz="Europe/Berlin")
    events = align_events(corpus, source=source, instruments=["Euro STOXX 50", "DAX"])
    res = event_study(events, source=source, windows=[(-1, 1)], group_by="symbol")
    fig = Figure(figsize=(8.0, 4.2), layout="constrained")
    plot_caar(res, ax=fig.add_subplot())
    fig.savefig(OUT / "ecb_caar.png", dpi=100)


if __name__ == "__main__":
    main()
