"""Reading news articles and their ticker boxes into a :class:`Corpus`.

(The reader itself is being written; this module currently holds the Corpus contract.)
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["ARTICLE_COLUMNS", "REJECTED_COLUMNS", "SNAPSHOT_COLUMNS", "Corpus"]

#: Columns every ``Corpus.articles`` frame has, in this order (extra table columns follow).
ARTICLE_COLUMNS: tuple[str, ...] = (
    "article_id",  # str, unique
    "instrument",  # str: first instrument of the box as printed; <NA> if no box
    "snapshot_change",  # float: change in points vs previous close; NaN if not printed
    "snapshot_pct",  # float: change in percent; NaN if not printed
    "snapshot_level",  # float: level printed; NaN if not printed
    "snapshot_raw",  # str: the box's lines as printed ("\n"-joined); <NA> if no box
    "published_at",  # datetime64[ns, UTC]; NaT if unknown
    "title",  # str or <NA>
    "body",  # str (may be "" for tables of events without text)
    "byline",  # str or <NA>
    "outlet",  # str or <NA>
    "source",  # str: path, "path:row" or "<input #i>"
)

#: Columns of ``Corpus.snapshots``: one row per instrument printed in a box.
SNAPSHOT_COLUMNS: tuple[str, ...] = (
    "article_id",
    "position",  # int, 0-based order in the box
    "instrument",  # str as printed
    "change",  # float points; NaN if not printed
    "change_pct",  # float percent; NaN if not printed
    "level",  # float; NaN if not printed
    "raw",  # str, the line(s) as printed
    "zero_flag",  # bool: the box printed an exact 0 change (often a stale box)
)

#: Columns of ``Corpus.rejected``.
REJECTED_COLUMNS: tuple[str, ...] = ("source", "reason")


@dataclass(frozen=True, repr=False)
class Corpus:
    """Articles read from some source, with their ticker-box snapshots and the rejects.

    Attributes
    ----------
    articles : DataFrame
        One row per article (columns :data:`ARTICLE_COLUMNS`, then extra table columns).
    snapshots : DataFrame
        One row per instrument printed in an article's box (:data:`SNAPSHOT_COLUMNS`).
    rejected : DataFrame
        One row per input that is not an article: ``source``, ``reason``.
    n_inputs : int
        Number of inputs; ``len(articles) + len(rejected) == n_inputs``.
    """

    articles: pd.DataFrame
    snapshots: pd.DataFrame
    rejected: pd.DataFrame
    n_inputs: int

    def __post_init__(self) -> None:
        if len(self.articles) + len(self.rejected) != self.n_inputs:
            raise AssertionError(
                f"corpus accounting broken: {len(self.articles)} articles + "
                f"{len(self.rejected)} rejected != {self.n_inputs} inputs"
            )

    def __len__(self) -> int:
        return len(self.articles)

    def __repr__(self) -> str:
        return (
            f"Corpus({len(self.articles)} articles, {len(self.snapshots)} snapshots, "
            f"{len(self.rejected)} rejected, of {self.n_inputs} inputs)"
        )
