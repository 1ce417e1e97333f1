"""Reading news articles and their ticker boxes into a :class:`Corpus`.

:func:`read_articles` reads text files, folders of them, tables (CSV, JSON Lines, JSON,
Parquet, DataFrames) and plain strings. Every input ends up either as one row of
``Corpus.articles`` or as one row of ``Corpus.rejected`` with the reason; content never
makes the reader raise.

Text layouts (see :func:`mktnews.pages.parse_article` for the rules):

1. ``Euro STOXX 50`` / ``-28.8400`` / article / ``(H.Schneide--BBZ)``: an instrument line,
   the change in points, the text, a sign-off with byline and outlet code;
2. ``Berliner Tageblatt - <title>`` / ``Börse`` / ``DAX -0.78% 18532.99`` / ... / article:
   a title line, a heading and one instrument per line with percent and level;
3. ``Euro STOXX 50 -0.56% 3777.38`` / article: a one-line box;
4. an article without a box.

Content never raises: empty, whitespace-only or binary inputs, a box without text, a lone
sign-off, unparseable publication times, malformed table records are rows of ``rejected``
with the reason.

Ids: a file's id is its name without suffix; a table's is the id column's value (or row
number). Repeated ids are made unique (``id``, ``id#2``, ``id#3``, ...) and the renaming is
written to the ``notes`` column of the articles concerned. Table rows are numbered from 0
in ``source`` (``"file.csv:0"`` is the first data row).

New kinds of input plug in with :func:`register_reader` (by file suffix or Python type).
"""

from __future__ import annotations

import ast
import codecs
import csv
import datetime as dt
import gc
import html as _html
import io
import json
import math
import os
import re
import stat
import warnings
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mktnews.boxes import BoxRow
from mktnews.errors import ArticleError, InvalidOptionError
from mktnews.instruments import known_instrument_keys, normalize_name
from mktnews.outlets import register_outlet
from mktnews.pages import ParsedArticle, parse_article
from mktnews.pubtime import FIXED_OFFSET_NAMES, TIME_UNITS, UTC_NS, parse_times_full
from mktnews.text import decode_bytes
from mktnews.textnums import parse_number

__all__ = [
    "ARTICLE_COLUMNS",
    "REJECTED_COLUMNS",
    "SNAPSHOT_COLUMNS",
    "ArticleReader",
    "Corpus",
    "ParsedArticle",
    "parse_article",
    "parse_number",
    "read_articles",
    "readers",
    "register_outlet",
    "register_reader",
]

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
    "notes",  # str or <NA>: what the reader did or noticed ("; "-joined), e.g. renamed ids
    "time_precision",  # str: "exact" (a clock time), "day" (a date only), <NA> (no time)
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

_STR_ARTICLE = ("article_id", "instrument", "snapshot_raw", "title", "body", "byline")
_STR_ARTICLE_ALL = (*_STR_ARTICLE, "outlet", "source", "notes", "time_precision")
_FLOAT_ARTICLE = ("snapshot_change", "snapshot_pct", "snapshot_level")


# ---------------------------------------------------------------------------------------
# the Corpus


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

    # -- conveniences ----------------------------------------------------------------

    def summary(self) -> pd.Series:
        """Counts that describe the corpus.

        Returns
        -------
        Series
            ``inputs``, ``articles``, ``rejected``, ``with_box`` (articles whose box named
            an instrument), ``with_published_at``, ``snapshots``, ``zero_snapshots`` (boxes
            that printed an exact 0 change), ``instruments`` and ``outlets`` (distinct
            values), ``renamed_ids`` (duplicate ids made unique).
        """
        a = self.articles
        notes = a["notes"] if "notes" in a else pd.Series([], dtype="str")
        renamed = int(notes.str.contains("renamed to", regex=False).fillna(False).sum())
        zero = self.snapshots["zero_flag"] if "zero_flag" in self.snapshots else pd.Series([])
        return pd.Series(
            {
                "inputs": self.n_inputs,
                "articles": len(a),
                "rejected": len(self.rejected),
                "with_box": int(a["snapshot_raw"].notna().sum()) if len(a) else 0,
                "with_published_at": int(a["published_at"].notna().sum()) if len(a) else 0,
                "snapshots": len(self.snapshots),
                "zero_snapshots": int(zero.astype(bool).sum()),
                "instruments": int(a["instrument"].nunique()) if len(a) else 0,
                "outlets": int(a["outlet"].nunique()) if len(a) else 0,
                "renamed_ids": renamed,
            },
            name="corpus",
            dtype="int64",
        )

    def _repr_html_(self) -> str:
        s = self.summary()
        head = (
            f"<p><strong>Corpus</strong>: {s['articles']} articles "
            f"({s['with_box']} with a ticker box, {s['with_published_at']} with a publication "
            f"time), {s['snapshots']} snapshots, {s['rejected']} rejected, of "
            f"{s['inputs']} inputs</p>"
        )
        parts = [head]
        if len(self.articles):
            cols = [
                c
                for c in (
                    "article_id",
                    "instrument",
                    "snapshot_change",
                    "snapshot_pct",
                    "published_at",
                    "title",
                    "outlet",
                    "body",
                )
                if c in self.articles
            ]
            preview = self.articles[cols].head(10).copy()
            preview["body"] = preview["body"].str.slice(0, 80)
            parts.append(preview.to_html(index=False, na_rep="", max_cols=len(cols)))
            if len(self.articles) > 10:
                parts.append(f"<p>… {len(self.articles) - 10} more articles</p>")
        if len(self.rejected):
            reasons = self.rejected["reason"].value_counts().head(10)
            table = "".join(
                f"<tr><td>{_html.escape(str(r))}</td><td>{c}</td></tr>" for r, c in reasons.items()
            )
            parts.append(
                "<p>Rejected inputs by reason:</p><table><tr><th>reason</th><th>count</th></tr>"
                f"{table}</table>"
            )
        return "<div>" + "".join(parts) + "</div>"

    @classmethod
    def from_frames(
        cls,
        articles: pd.DataFrame,
        snapshots: pd.DataFrame | None = None,
        rejected: pd.DataFrame | None = None,
        n_inputs: int | None = None,
    ) -> Corpus:
        """Build a corpus from frames made elsewhere (checked and conformed).

        Parameters
        ----------
        articles : DataFrame
            Needs ``article_id`` (unique); the other :data:`ARTICLE_COLUMNS` are added as
            missing values when absent. ``published_at`` must be tz-aware (or all
            missing); it is converted to UTC nanoseconds. Other columns are kept after.
        snapshots : DataFrame, optional
            :data:`SNAPSHOT_COLUMNS`; when omitted, one row per article with an
            ``instrument`` is made from its ``snapshot_*`` columns (an ``instrument`` cell
            listing several, as a list or ``"A,B"``, gives one row per instrument).
        rejected : DataFrame, optional
            ``source``, ``reason``.
        n_inputs : int, optional
            Defaults to ``len(articles) + len(rejected)``.

        Raises
        ------
        ArticleError
            For a missing or duplicated ``article_id``, naive ``published_at``, or
            snapshots of unknown articles.
        """
        multi: dict[int, list[str]] = {}
        if snapshots is None and "instrument" in articles.columns:
            firsts, multi, _notes = _instrument_lists(articles["instrument"].tolist())
            if multi or any(f is not v for f, v in zip(firsts, articles["instrument"].tolist(), strict=True)):
                articles = articles.assign(instrument=pd.Series(firsts, index=articles.index, dtype=object))
        a = conform_articles(articles)
        if snapshots is None:
            has = a["instrument"].notna()
            s = pd.DataFrame(
                {
                    "article_id": a.loc[has, "article_id"],
                    "position": 0,
                    "instrument": a.loc[has, "instrument"],
                    "change": a.loc[has, "snapshot_change"],
                    "change_pct": a.loc[has, "snapshot_pct"],
                    "level": a.loc[has, "snapshot_level"],
                    "raw": a.loc[has, "snapshot_raw"],
                }
            )
            if multi:  # instrument cells listing several: one snapshot row each, in order
                more = pd.DataFrame(
                    [
                        {"article_id": a["article_id"].iat[i], "position": j, "instrument": name}
                        for i, names in multi.items()
                        for j, name in enumerate(names[1:], start=1)
                    ]
                )
                s = pd.concat([s.reset_index(drop=True), more], ignore_index=True)
                order = pd.Index(a["article_id"]).get_indexer(s["article_id"])
                s = s.iloc[np.lexsort((s["position"].to_numpy(), order))].reset_index(drop=True)
            s["zero_flag"] = _zero_flags(s["change"].to_numpy(), s["change_pct"].to_numpy())
            snaps = conform_snapshots(s)
        else:
            snaps = conform_snapshots(snapshots)
            unknown = ~snaps["article_id"].isin(a["article_id"])
            if unknown.any():
                raise ArticleError(
                    "snapshots name articles that are not in the articles frame: "
                    + ", ".join(repr(x) for x in snaps.loc[unknown, "article_id"].head(5))
                )
        rej = conform_rejected(rejected)
        total = len(a) + len(rej) if n_inputs is None else int(n_inputs)
        if total != len(a) + len(rej):
            raise ArticleError(
                f"n_inputs={n_inputs} but there are {len(a)} articles and {len(rej)} rejected"
            )
        return cls(a, snaps, rej, total)

    @classmethod
    def concat(cls, corpora: Iterable[Corpus]) -> Corpus:
        """Join corpora read from several sources into one.

        Article ids that repeat across corpora are made unique the same way
        :func:`read_articles` does (``id#2``, ``id#3``, ...), with a note; snapshots follow
        their articles. Extra columns are unioned (missing values where a corpus lacks one).
        """
        items = list(corpora)
        if not items:
            return _empty_corpus()
        frames: list[pd.DataFrame] = []
        snaps: list[pd.DataFrame] = []
        offset = 0
        for k, c in enumerate(items):
            a = c.articles.copy()
            a["__key"] = [f"{k}\x1f{x}" for x in a["article_id"]]
            s = c.snapshots.copy()
            s["__key"] = [f"{k}\x1f{x}" for x in s["article_id"]]
            frames.append(a)
            snaps.append(s)
            offset += len(a)
        allart = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        ids = allart["article_id"].astype("str").tolist()
        notes = allart["notes"].tolist()
        new_ids, id_notes = unique_ids(ids)
        for pos, note in id_notes.items():
            notes[pos] = _join_note(notes[pos], note)
        allart["article_id"] = pd.Series(new_ids, dtype="str")
        allart["notes"] = pd.Series(notes, dtype="str")
        key_to_id = dict(zip(allart["__key"], new_ids, strict=True))
        allsnap = pd.concat(snaps, ignore_index=True)
        allsnap["article_id"] = pd.Series(allsnap["__key"].map(key_to_id), dtype="str")
        allart = allart.drop(columns="__key")
        allsnap = allsnap.drop(columns="__key")
        rej = pd.concat([c.rejected for c in items], ignore_index=True)
        return cls(
            conform_articles(allart),
            conform_snapshots(allsnap),
            conform_rejected(rej),
            sum(c.n_inputs for c in items),
        )


# ---------------------------------------------------------------------------------------
# frame conformance


_STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default "str" dtype


def _str_series(values: Sequence[object] | np.ndarray) -> pd.Series:
    """A "str" Series from Python strings and None (built by pyarrow: faster for long
    texts than pandas' element-wise construction)."""
    arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    return arr.to_pandas(types_mapper={pa.large_string(): _STR_DTYPE}.get)


def _zero_flags(change: np.ndarray, pct: np.ndarray) -> np.ndarray:
    change = np.asarray(change, dtype=float)
    pct = np.asarray(pct, dtype=float)
    return np.where(np.isnan(change), pct == 0.0, change == 0.0)


def conform_articles(df: pd.DataFrame) -> pd.DataFrame:
    if "article_id" not in df.columns:
        raise ArticleError("the articles frame needs an 'article_id' column")
    n = len(df)
    out: dict[Hashable, Any] = {}
    for col in ARTICLE_COLUMNS:
        if col in df.columns:
            values = df[col].reset_index(drop=True)
        elif col == "body":
            values = pd.Series([""] * n, dtype="str")
        elif col == "time_precision" and "published_at" in out:
            values = pd.Series(
                ["exact" if x else None for x in out["published_at"].notna().to_numpy()],
                dtype="str",
            )
        else:
            values = pd.Series([None] * n, dtype="object")
        if col in _STR_ARTICLE_ALL:
            values = (
                values.astype("str")
                if values.notna().any()
                else pd.Series([np.nan] * n, dtype="str")
            )
            if col == "body":
                values = values.fillna("")
        elif col in _FLOAT_ARTICLE:
            values = pd.to_numeric(values, errors="coerce").astype("float64")
        elif col == "published_at":
            if isinstance(values.dtype, pd.DatetimeTZDtype):
                values = values.dt.tz_convert("UTC").dt.as_unit("ns")
            elif values.notna().any():
                raise ArticleError(
                    "articles.published_at must be tz-aware datetimes (or all missing); "
                    "localise them first, e.g. s.dt.tz_localize('Europe/Berlin')"
                )
            else:
                values = pd.Series(pd.NaT, index=range(n), dtype=UTC_NS)
        out[col] = values
    if out["article_id"].isna().any():
        raise ArticleError("articles.article_id has missing values")
    dup = out["article_id"].duplicated()
    if dup.any():
        raise ArticleError(
            "articles.article_id must be unique; repeated: "
            + ", ".join(repr(x) for x in out["article_id"][dup].unique()[:5])
        )
    extras = [c for c in df.columns if c not in ARTICLE_COLUMNS]
    frame = pd.DataFrame(out)
    if extras:
        frame = pd.concat([frame, df[extras].reset_index(drop=True)], axis=1)
    return frame


def conform_snapshots(df: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("article_id", "instrument") if c not in df.columns]
    if missing:
        raise ArticleError(f"the snapshots frame needs the columns {missing}")
    n = len(df)
    d = df.reset_index(drop=True)

    def col(name: str, default: object) -> pd.Series:
        return d[name] if name in d.columns else pd.Series([default] * n, dtype=object)

    change = pd.to_numeric(col("change", np.nan), errors="coerce").astype("float64")
    pct = pd.to_numeric(col("change_pct", np.nan), errors="coerce").astype("float64")
    zero = (
        col("zero_flag", False).fillna(False).astype(bool)
        if "zero_flag" in d.columns
        else pd.Series(_zero_flags(change.to_numpy(), pct.to_numpy()), dtype=bool)
    )
    return pd.DataFrame(
        {
            "article_id": d["article_id"].astype("str"),
            "position": pd.to_numeric(col("position", 0)).fillna(0).astype("int64"),
            "instrument": d["instrument"].astype("str"),
            "change": change,
            "change_pct": pct,
            "level": pd.to_numeric(col("level", np.nan), errors="coerce").astype("float64"),
            "raw": col("raw", np.nan).astype("str"),
            "zero_flag": zero,
        }
    )


def conform_rejected(df: pd.DataFrame | None) -> pd.DataFrame:
    if df is None or len(df) == 0:
        return pd.DataFrame(
            {"source": pd.Series([], dtype="str"), "reason": pd.Series([], dtype="str")}
        )
    return pd.DataFrame(
        {
            "source": df["source"].astype("str").reset_index(drop=True),
            "reason": df["reason"].astype("str").reset_index(drop=True),
        }
    )


def _empty_corpus() -> Corpus:
    return Corpus(
        conform_articles(pd.DataFrame({"article_id": pd.Series([], dtype="str")})),
        conform_snapshots(
            pd.DataFrame(
                {"article_id": pd.Series([], dtype="str"), "instrument": pd.Series([], dtype="str")}
            )
        ),
        conform_rejected(None),
        0,
    )


def _join_note(old: object, new: str) -> str:
    if isinstance(old, str) and old:
        return f"{old}; {new}"
    return new


def unique_ids(ids: list[str]) -> tuple[list[str], dict[int, str]]:
    """Make ids unique: later repeats become ``id#2``, ``id#3``... (never an existing id)."""
    if len(set(ids)) == len(ids):
        return ids, {}
    s = pd.Series(ids, dtype="str")
    dup = s.duplicated(keep="first").to_numpy()
    if not dup.any():
        return ids, {}
    out = list(ids)
    taken = set(ids)
    counter: dict[str, int] = {}
    first_pos: dict[str, int] = {}
    renamed: dict[str, list[str]] = {}
    notes: dict[int, str] = {}
    dup_positions = np.flatnonzero(dup)
    dup_values = {ids[p] for p in dup_positions}
    for p, x in enumerate(ids):
        if x in dup_values and x not in first_pos:
            first_pos[x] = p
    for dp in dup_positions.tolist():
        p = int(dp)
        x = ids[p]
        k = counter.get(x, 1)
        while True:
            k += 1
            cand = f"{x}#{k}"
            if cand not in taken:
                break
        counter[x] = k
        taken.add(cand)
        out[p] = cand
        renamed.setdefault(x, []).append(cand)
        notes[int(p)] = f"duplicate article_id {x!r} renamed to {cand!r}"
    for x, p in first_pos.items():
        notes[p] = f"article_id {x!r} repeats in the input; later ones renamed " + ", ".join(
            repr(c) for c in renamed[x]
        )
    return out, notes


# ---------------------------------------------------------------------------------------
# inputs


@dataclass
class _Batch:
    """Inputs collected from a source, one entry per input (before parsing)."""

    sources: list[str]
    ids: list[str]  # the id of each input (file stem, id column, row number, key)
    texts: list[object]  # str, None (no text), or anything else (rejected)
    reasons: list[str | None]  # already rejected (unreadable file, ...)
    notes: list[str]
    check_binary: bool | np.ndarray = True  # per input when an array
    instruments: list[object] | None = None
    times: pd.Series | None = None
    time_what: str = ""
    time_detected: bool = False
    extras: pd.DataFrame | None = None
    fills: dict[str, list[object]] = field(default_factory=dict)
    extra_rejects: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    has_text: bool = True  # False for a table of events (no text column): vectorised path
    time_opts: dict[str, Any] = field(default_factory=dict)  # dayfirst=, time_unit=
    precision: list[str | None] = field(default_factory=list)  # set by _batch_times


_TEXT_SUFFIXES = (".txt", ".text")
_TABLE_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
}
#: Column names detected (case-insensitively, in this order) when not given.
TEXT_COLUMNS: tuple[str, ...] = (
    "text",
    "body",
    "content",
    "article",
    "article_text",
    "artikel",
    "inhalt",
)
ID_COLUMNS: tuple[str, ...] = ("article_id", "id", "doc_id", "document_id")
TIME_COLUMNS: tuple[str, ...] = (
    "published_at",
    "published",
    "publication_time",
    "pub_date",
    "pubdate",
    "datetime",
    "timestamp",
    "time",
    "date",
    "datum",
)
INSTRUMENT_COLUMNS: tuple[str, ...] = ("instrument", "ticker", "symbol")
_FILL_COLUMNS = ("title", "byline", "outlet")


#: Default cap on the size of one file read (``max_bytes=`` of :func:`read_articles`).
MAX_BYTES: int = 256 * 2**20


def _safe_name(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """A path as text that can always be printed and stored: bytes that are not UTF-8
    (a file name from another system) are shown as ``\\xNN`` escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _name_note(path: Path) -> str:
    raw = os.fsencode(path.name)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "file name is not valid UTF-8: shown with \\x escapes"
    return ""


_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


def _read_regular(path: Path, max_bytes: int) -> tuple[bytes | None, str | None]:
    """The bytes of a regular file (following symlinks), or the reason it is not read:
    FIFOs, sockets and devices are never opened (reading them can block forever), files
    over ``max_bytes`` are not read."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return None, f"cannot read file: {exc.strerror or exc}"
    if not stat.S_ISREG(st.st_mode):
        kind = next((k for test, k in _KINDS if test(st.st_mode)), "not a regular file")
        link = " (through a symbolic link)" if path.is_symlink() else ""
        return None, f"not a regular file: {kind}{link}; only regular files are read"
    if st.st_size > max_bytes:
        return None, (
            f"file too large: {st.st_size} bytes, over max_bytes={max_bytes} "
            "(raise max_bytes= to read it)"
        )
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        return None, f"cannot read file: {exc.strerror or exc}"
    if len(data) > max_bytes:
        return None, f"file too large: over max_bytes={max_bytes} (raise max_bytes= to read it)"
    return data, None


def _walk_folder(folder: Path, errors: list[tuple[str, str]] | None = None) -> list[Path]:
    """``*.txt`` files below ``folder``; folders that cannot be listed are appended to
    ``errors`` as (source, reason)."""
    found: list[tuple[str, Path]] = []

    def failed(exc: OSError) -> None:
        if errors is not None:
            where = _safe_name(exc.filename) if exc.filename is not None else _safe_name(folder)
            errors.append((where, f"cannot list folder: {exc.strerror or exc}"))

    for root, dirs, files in os.walk(folder, onerror=failed):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel_root = os.path.relpath(root, folder)
        for name in files:
            if name.startswith(".") or not name.lower().endswith(_TEXT_SUFFIXES):
                continue
            rel = name if rel_root == "." else f"{rel_root}/{name}"
            found.append((rel.replace(os.sep, "/"), Path(root) / name))
    found.sort(key=lambda t: t[0])
    return [p for _, p in found]


def _file_batch(
    paths: Sequence[Path], encoding: str | None, max_bytes: int = MAX_BYTES
) -> _Batch:
    n = len(paths)
    texts: list[object] = [None] * n
    reasons: list[str | None] = [None] * n
    notes = [_name_note(p) for p in paths]
    for i, path in enumerate(paths):
        data, why = _read_regular(path, max_bytes)
        if data is None:
            reasons[i] = why
            continue
        text, reason, note = decode_bytes(data, encoding)
        if text is None:
            reasons[i] = reason
        else:
            texts[i] = text
            notes[i] = _join_note(notes[i], note) if note else notes[i]
    return _Batch(
        sources=[_safe_name(p) for p in paths],
        ids=[_safe_name(p.stem) for p in paths],
        texts=texts,
        reasons=reasons,
        notes=notes,
        check_binary=False,
    )


def _iterable_batch(source: Iterable[object]) -> _Batch:
    if isinstance(source, pd.Series):
        labels = [str(x) for x in source.index]
        items = source.tolist()
    elif isinstance(source, Mapping):
        labels = [str(k) for k in source]
        items = list(source.values())
    else:
        items = list(source)
        labels = [str(i) for i in range(len(items))]
    n = len(items)
    texts: list[object] = [None] * n
    reasons: list[str | None] = [None] * n
    notes = [""] * n
    for i, item in enumerate(items):
        if isinstance(item, str):
            texts[i] = item
        elif isinstance(item, bytes | bytearray):
            text, reason, note = decode_bytes(bytes(item))
            if text is None:
                reasons[i] = reason
            else:
                texts[i], notes[i] = text, note
        elif item is None or (isinstance(item, float) and math.isnan(item)):
            reasons[i] = "no text (missing value)"
        else:
            reasons[i] = f"not a text: a {type(item).__name__}"
    return _Batch(
        sources=[f"<input #{i}>" for i in range(n)],
        ids=labels,
        texts=texts,
        reasons=reasons,
        notes=notes,
    )


def find_column(
    columns: Sequence[Hashable], given: str | None, candidates: Sequence[str], arg: str, origin: str
) -> Hashable | None:
    if given is not None:
        if given in columns:
            return given
        lower = {str(c).casefold(): c for c in columns}
        if str(given).casefold() in lower:
            return lower[str(given).casefold()]
        raise ArticleError(
            f"{arg}={given!r}: no such column in {origin}; its columns are "
            + ", ".join(repr(str(c)) for c in columns)
        )
    lower = {}
    for c in columns:
        lower.setdefault(str(c).casefold(), c)
    for name in candidates:
        if name in lower:
            return lower[name]
    return None


_CONTROL_RE2 = "[\\x01-\\x08\\x0e-\\x1a\\x1c-\\x1f\\x7f-\\x{9f}\\x{fffe}\\x{ffff}]"


def _control_flags(values: pd.Series) -> bool | np.ndarray:
    """Which texts of a string column start with control characters (vectorised with
    pyarrow); those get the per-text binary check. True (check all) for other dtypes."""
    if not isinstance(values.dtype, pd.StringDtype) or values.dtype.storage != "pyarrow":
        return True
    arr = pa.array(values)
    heads = pc.utf8_slice_codeunits(arr, 0, 512)
    flags = pc.fill_null(pc.match_substring_regex(heads, _CONTROL_RE2), False)
    return np.asarray(flags.to_numpy(zero_copy_only=False), dtype=bool)


def _stripped_strings(values: pd.Series) -> list[object] | None:
    """A string column's values stripped of surrounding white space, blank or missing ones
    None (vectorised with pyarrow); None when the column is not of a string dtype."""
    if not isinstance(values.dtype, pd.StringDtype):
        return None
    arr = pc.utf8_trim_whitespace(pa.array(values, type=pa.large_string(), from_pandas=True))
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.large_string()), arr)
    return arr.to_pylist()


def id_strings(values: pd.Series) -> list[object]:
    """Ids as strings; integral floats lose their ".0"; missing ids stay None."""
    fast = _stripped_strings(values)
    if fast is not None:
        return fast
    if pd.api.types.is_integer_dtype(values.dtype) and not values.hasnans:
        return list(values.astype(str).tolist())
    if pd.api.types.is_float_dtype(values.dtype):
        arr = values.to_numpy()
        return [
            None if math.isnan(v) else (str(int(v)) if float(v).is_integer() else str(v))
            for v in arr
        ]
    out: list[object] = []
    for v in values.tolist():
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            out.append(None)
        elif isinstance(v, str):
            out.append(v.strip() or None)
        else:
            out.append(str(v))
    return out


def table_batch(
    df: pd.DataFrame,
    origin: str,
    *,
    rows: Sequence[int] | None,
    text_col: str | None,
    id_col: str | None,
    time_col: str | tuple[str, str] | None,
    instrument_col: str | None,
    encoding: str | None,
) -> _Batch:
    cols = list(df.columns)
    t_col, i_col, p_col, clock_col, n_col = _table_columns(
        df, origin, text_col=text_col, id_col=id_col, time_col=time_col, instrument_col=instrument_col
    )
    used = [c for c in (t_col, i_col, p_col, n_col, clock_col) if c is not None]
    n = len(df)
    positions = list(range(n)) if rows is None else list(rows)
    sources = [f"{origin}:{r}" for r in positions]
    ids, notes = _table_ids(df, i_col, positions)
    texts, reasons, check_binary = _table_texts(df, t_col, encoding, notes)
    fills = _table_fills(df, cols, used)
    extras = df.drop(columns=used)
    extras = extras.reset_index(drop=True)
    rename = {c: f"{c}_input" for c in extras.columns if c in ARTICLE_COLUMNS}
    if rename:
        extras = extras.rename(columns=rename)
    return _Batch(
        sources=sources,
        ids=ids,
        texts=texts,
        reasons=reasons,
        notes=notes,
        instruments=df[n_col].tolist() if n_col is not None else None,
        times=(
            None
            if p_col is None
            else (
                df[p_col].reset_index(drop=True)
                if clock_col is None
                else _date_and_clock(df[p_col], df[clock_col])
            )
        ),
        time_what=(
            f"column {str(p_col)!r}"
            if clock_col is None
            else f"columns {str(p_col)!r} + {str(clock_col)!r}"
        ),
        time_detected=time_col is None,
        extras=extras if len(extras.columns) else None,
        fills=fills,
        check_binary=check_binary,
        has_text=t_col is not None,
    )


def _table_columns(
    df: pd.DataFrame, origin: str, *, text_col: str | None, id_col: str | None,
    time_col: str | tuple[str, str] | None, instrument_col: str | None,
) -> tuple[Hashable | None, Hashable | None, Hashable | None, Hashable | None, Hashable | None]:
    """The text, id, time, clock and instrument columns of a table (given or detected)."""
    cols = list(df.columns)
    if df.columns.has_duplicates:
        dups = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise ArticleError(f"{origin} has repeated column names: {', '.join(dups)}")
    t_col = find_column(cols, text_col, TEXT_COLUMNS, "text_col", origin)
    i_col = find_column(cols, id_col, ID_COLUMNS, "id_col", origin)
    clock_col: Hashable | None = None
    if isinstance(time_col, tuple | list):
        if len(time_col) != 2:
            raise ArticleError(
                f"time_col={time_col!r}: give one column, or two as (date column, time column)"
            )
        p_col = find_column(cols, str(time_col[0]), (), "time_col", origin)
        clock_col = find_column(cols, str(time_col[1]), (), "time_col", origin)
    else:
        p_col = find_column(cols, time_col, TIME_COLUMNS, "time_col", origin)
    n_col = find_column(cols, instrument_col, INSTRUMENT_COLUMNS, "instrument_col", origin)
    if t_col is None and n_col is None:
        raise ArticleError(
            f"{origin} has no text column (looked for {', '.join(TEXT_COLUMNS)}) and no "
            f"instrument column (looked for {', '.join(INSTRUMENT_COLUMNS)}); its columns are "
            + ", ".join(repr(str(c)) for c in cols)
            + ". Name them with text_col= / instrument_col=."
        )
    used = [c for c in (t_col, i_col, p_col, n_col, clock_col) if c is not None]
    if len(set(map(str, used))) != len(used):
        raise ArticleError(
            f"text_col, id_col, time_col and instrument_col must name different columns of "
            f"{origin} (got {[str(c) for c in used]})"
        )
    return t_col, i_col, p_col, clock_col, n_col


def _table_ids(
    df: pd.DataFrame, i_col: Hashable | None, positions: list[int]
) -> tuple[list[str], list[str]]:
    """Row ids (the id column, a labelled index, else the row numbers) and their notes."""
    n = len(df)
    if i_col is not None:
        raw_ids = id_strings(df[i_col])
        ids: list[str]
        if None not in raw_ids:
            ids = cast("list[str]", raw_ids)
            id_notes = [""] * n
        else:
            ids = [
                str(r) if x is None else str(x) for x, r in zip(raw_ids, positions, strict=True)
            ]
            id_notes = [
                "" if x is not None else "no id in the id column: row number used"
                for x in raw_ids
            ]
    elif not isinstance(df.index, pd.RangeIndex) and (
        pd.api.types.is_string_dtype(df.index.dtype)
        or pd.api.types.is_integer_dtype(df.index.dtype)
    ):
        ids = [str(x) for x in df.index]  # a labelled index (not dates, not positions)
        id_notes = [""] * n
    else:
        ids = [str(r) for r in positions]
        id_notes = [""] * n
    return ids, id_notes


def _table_texts(
    df: pd.DataFrame, t_col: Hashable | None, encoding: str | None, notes: list[str]
) -> tuple[list[object], list[str | None], bool | np.ndarray]:
    """The texts of a table (bytes decoded, non-strings rejected with a reason; decoding
    notes added to ``notes``), the reasons and which texts to check for binary content."""
    n = len(df)
    texts: list[object]
    reasons: list[str | None] = [None] * n
    check_binary: bool | np.ndarray = True
    if t_col is not None:
        check_binary = _control_flags(df[t_col])
        texts = df[t_col].tolist()
        for i, t in enumerate(texts):
            if isinstance(t, str):
                continue
            if t is None or t is pd.NA or (isinstance(t, float) and math.isnan(t)):
                texts[i] = None
            elif isinstance(t, bytes | bytearray):
                text, reason, note = decode_bytes(bytes(t), encoding)
                texts[i] = text
                if text is None:
                    reasons[i] = reason
                elif note:
                    notes[i] = _join_note(notes[i], note)
            else:
                texts[i] = None
                reasons[i] = f"text in column {str(t_col)!r} is not a string: a {type(t).__name__}"
    else:
        texts = [None] * n
    return texts, reasons, check_binary


def _table_fills(df: pd.DataFrame, cols: Sequence[Hashable], used: list[Hashable]) -> dict[str, list[object]]:
    """Stripped values of the table's title/byline/outlet columns (added to ``used``)."""
    fills: dict[str, list[object]] = {}
    lower = {str(c).casefold(): c for c in cols}
    for name in _FILL_COLUMNS:
        c = lower.get(name)
        if c is not None and c not in used:
            fast = _stripped_strings(df[c])
            fills[name] = (
                fast
                if fast is not None
                else [v.strip() if isinstance(v, str) and v.strip() else None for v in df[c].tolist()]
            )
            used.append(c)
    return fills


def _date_and_clock(dates: pd.Series, clocks: pd.Series) -> pd.Series:
    """One time value per row from a date column and a clock column ("date clock"; the
    date alone where the clock is missing; missing where the date is)."""

    def text(col: pd.Series, fmt: str) -> pd.Series:
        if pd.api.types.is_datetime64_any_dtype(col.dtype):
            return col.dt.strftime(fmt).astype(object)
        obj = col.astype(object)
        out = obj.map(
            lambda v: v.strftime(fmt) if isinstance(v, dt.date | dt.time) else v,
            na_action="ignore",
        )
        return out.where(out.isna(), out.astype(str).str.strip()).astype(object)

    d = text(dates.reset_index(drop=True), "%Y-%m-%d")
    c = text(clocks.reset_index(drop=True), "%H:%M:%S")
    has_c = c.notna() & (c.astype(str) != "")
    joined = d.where(~has_c, d.astype(str) + " " + c.astype(str))
    return joined.where(d.notna(), None).astype(object)


def _rejected_file(path: Path, reason: str) -> _Batch:
    return _Batch(
        sources=[_safe_name(path)],
        ids=[_safe_name(path.stem)],
        texts=[None],
        reasons=[reason],
        notes=[""],
    )


def _csv_delimiter(text: str, kind: str) -> str:
    """Tab for .tsv; for .csv the most frequent of ``,``, ``;`` and tab in the header line
    (German spreadsheet exports use ``;``)."""
    if kind == "tsv":
        return "\t"
    header = text[: text.find("\n")] if "\n" in text else text
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ","


def _read_csv_text(
    text: str, sep: str, str_cols: Sequence[str]
) -> tuple[pd.DataFrame, list[int], list[tuple[int, str]]]:
    """Parse CSV text; malformed records become (record number, reason) pairs."""
    header = pd.read_csv(io.StringIO(text), sep=sep, nrows=0)
    lower = {str(c).casefold(): str(c) for c in header.columns}
    dtypes = {lower[c]: "str" for c in str_cols if c in lower}
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=dtypes)
        return df, list(range(len(df))), []
    except pd.errors.ParserError:
        pass
    # find the malformed records with the csv module, keep the rest
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    head = next(reader)
    good = io.StringIO()
    writer = csv.writer(good, delimiter=sep)
    writer.writerow(head)
    rows: list[int] = []
    bad: list[tuple[int, str]] = []
    for k, record in enumerate(reader):
        if not record:
            continue
        if len(record) != len(head):
            bad.append(
                (
                    k,
                    f"malformed CSV record (line {reader.line_num}): {len(record)} fields, "
                    f"expected {len(head)}",
                )
            )
        else:
            writer.writerow(record)
            rows.append(k)
    df = pd.read_csv(io.StringIO(good.getvalue()), sep=sep, dtype=dtypes)
    return df, rows, bad


def _read_table_file(
    path: Path,
    kind: str,
    *,
    encoding: str | None,
    text_col: str | None,
    id_col: str | None,
    time_col: str | tuple[str, str] | None,
    instrument_col: str | None,
    max_bytes: int = MAX_BYTES,
) -> _Batch:
    origin = _safe_name(path)
    args: dict[str, Any] = {
        "text_col": text_col,
        "id_col": id_col,
        "time_col": time_col,
        "instrument_col": instrument_col,
        "encoding": encoding,
    }
    bad: list[tuple[int, str]] = []
    rows: list[int] | None = None
    if kind == "parquet":
        _data, why = _read_regular(path, max_bytes)
        if why is not None:
            return _rejected_file(path, why)
        try:
            df = pd.read_parquet(io.BytesIO(cast("bytes", _data)))
        except OSError as exc:
            return _rejected_file(path, f"cannot read file: {exc}")
        except Exception as exc:  # pyarrow raises many types for corrupt files
            return _rejected_file(path, f"not a readable Parquet file: {exc}")
    else:
        data, why = _read_regular(path, max_bytes)
        if data is None:
            return _rejected_file(path, why or "cannot read file")
        text, reason, _note = decode_bytes(data, encoding)
        if text is None:
            return _rejected_file(path, reason or "not text")
        if kind in ("csv", "tsv"):
            str_cols = [
                c.casefold()
                for c in (
                    text_col,
                    id_col,
                    *(time_col if isinstance(time_col, tuple | list) else (time_col,)),
                    instrument_col,
                    *TEXT_COLUMNS,
                    *ID_COLUMNS,
                    *TIME_COLUMNS,
                    *INSTRUMENT_COLUMNS,
                    *_FILL_COLUMNS,
                )
                if c
            ]
            try:
                df, rows, bad = _read_csv_text(text, _csv_delimiter(text, kind), str_cols)
            except pd.errors.EmptyDataError:
                return _rejected_file(path, "empty table (no header)")
            except (pd.errors.ParserError, csv.Error, ValueError) as exc:
                return _rejected_file(path, f"not a readable CSV file: {exc}")
        elif kind == "jsonl":
            df, rows, bad = _read_jsonl_text(text)
        else:
            try:
                obj = json.loads(text)
            except ValueError as exc:
                return _rejected_file(path, f"invalid JSON: {exc}")
            if not isinstance(obj, list):
                return _rejected_file(path, "JSON file is not a list of records")
            keep = [k for k, r in enumerate(obj) if isinstance(r, dict)]
            bad = [
                (k, f"JSON record is not an object: a {type(r).__name__}")
                for k, r in enumerate(obj)
                if not isinstance(r, dict)
            ]
            df = pd.DataFrame([obj[k] for k in keep])
            rows = keep
    if bad and len(df) == 0:  # every record rejected: no columns to look for
        batch = _Batch(sources=[], ids=[], texts=[], reasons=[], notes=[])
    else:
        batch = table_batch(df, origin, rows=rows, **args)
    batch.extra_rejects = [(f"{origin}:{k}", r) for k, r in bad]
    return batch


def _read_jsonl_text(text: str) -> tuple[pd.DataFrame, list[int], list[tuple[int, str]]]:
    lines = [line for line in text.split("\n") if line.strip()]
    # the fast path only when every line is an object: pandas raises TypeError (or makes
    # columns 0, 1, ...) for lines that are arrays, numbers, null or true
    if all(line.lstrip().startswith("{") for line in lines):
        try:
            df = pd.read_json(io.StringIO("\n".join(lines)), lines=True, dtype=False)
            if len(df) == len(lines):
                return df, list(range(len(df))), []
        except (ValueError, TypeError):
            pass
    records: list[dict[str, object]] = []
    rows: list[int] = []
    bad: list[tuple[int, str]] = []
    for k, line in enumerate(lines):
        try:
            rec = json.loads(line)
        except ValueError as exc:
            bad.append((k, f"invalid JSON line: {exc}"))
            continue
        if not isinstance(rec, dict):
            bad.append((k, f"JSON line is not an object: a {type(rec).__name__}"))
            continue
        records.append(rec)
        rows.append(k)
    return pd.DataFrame(records), rows, bad


# ---------------------------------------------------------------------------------------
# assembling the corpus


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic objects
    (tuples, strings): its repeated full passes over the growing heap cost more than
    the parsing itself on large corpora."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _key(name: str, known: Mapping[str, str], cache: dict[str, str]) -> str:
    k = cache.get(name)
    if k is None:
        norm = normalize_name(name)
        k = known.get(norm, norm)
        cache[name] = k
    return k


def _batch_times(batch: _Batch, tz: str | None) -> tuple[pd.Series | None, list[str | None]]:
    """Publication times of a batch (parsed) and a rejection reason per input; the
    parser's notes are added to ``batch.notes`` and its precision set in
    ``batch.precision``."""
    n = len(batch.sources)
    batch.precision = [None] * n
    if batch.times is None:
        return None, [None] * n
    try:
        full = parse_times_full(
            batch.times, tz=tz, what=batch.time_what, where=batch.sources, **batch.time_opts
        )
    except ArticleError as exc:
        if not batch.time_detected:
            raise
        raise ArticleError(
            f"{exc} ({batch.time_what} was taken as the publication time because of its "
            "name; choose another with time_col=)"
        ) from None
    for i, note in enumerate(full.notes):
        if note:
            batch.notes[i] = _join_note(batch.notes[i], note)
    batch.precision = list(full.precision)
    return full.times, full.reasons


_LIST_TEXT = re.compile(r"^\s*[\[(].*[\])]\s*$", re.S)
_LIST_DELIMS = re.compile(r"\s*[,;|]\s*")
_LIST_HINT = re.compile(r"[,;|\[]")


def _names_of(value: object) -> list[str] | None:
    """The instrument names of one cell when it lists several (a list/tuple/array, a
    JSON or Python list literal, or names joined by ``,``, ``;`` or ``|``), else None."""
    items: list[object]
    if isinstance(value, list | tuple | np.ndarray | pd.Series):
        items = list(value)
    elif isinstance(value, str) and _LIST_HINT.search(value) is not None:
        if _LIST_TEXT.match(value):
            try:
                lit = json.loads(value)
            except ValueError:
                try:
                    lit = ast.literal_eval(value.strip())
                except (ValueError, SyntaxError, MemoryError, RecursionError):
                    lit = None
            if isinstance(lit, list | tuple):
                items = list(lit)
            else:
                items = _LIST_DELIMS.split(value.strip().strip("[]()"))
        else:
            items = _LIST_DELIMS.split(value)
    else:
        return None
    names: list[str] = []
    for x in items:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            continue
        t = " ".join(str(x).strip().strip("'\"").split())
        if t and t not in names:
            names.append(t)
    return names


def _instrument_lists(
    values: list[object],
) -> tuple[list[object], dict[int, list[str]], dict[int, str]]:
    """Split cells that list several instruments: (the cells with the first name in place
    of a list, {row: all names} for rows with two or more, {row: note})."""
    firsts = list(values)
    multi: dict[int, list[str]] = {}
    notes: dict[int, str] = {}
    for i, v in enumerate(values):
        if isinstance(v, str) and _LIST_HINT.search(v) is None:
            continue
        names = _names_of(v)
        if names is None:
            continue
        firsts[i] = names[0] if names else None
        if len(names) > 1:
            multi[i] = names
            notes[i] = (
                f"instrument column lists {len(names)} instruments ("
                + ", ".join(repr(x) for x in names)
                + "): one snapshot row each, in this order"
            )
    return firsts, multi, notes


def _given_instruments(values: list[object]) -> pd.Series:
    """Instruments named by a table column, white space folded (as ``" ".join(s.split())``);
    missing or blank values are <NA>. Vectorised through pyarrow."""
    try:  # strings and missing values only: straight to Arrow
        arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        s = pd.Series(values, dtype=object)
        null = s.isna().to_numpy()
        as_text = s.where(null, s.astype(str)).where(~null, None)
        arr = pa.array(as_text.to_numpy(), type=pa.large_string(), from_pandas=True)
    arr = pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, r"[\s\p{Z}]+", " "))
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.large_string()), arr)
    return arr.to_pandas(types_mapper={pa.large_string(): _STR_DTYPE}.get)


def _assemble_events_table(
    batch: _Batch,
    *,
    published_at: object,
    tz: str | None,
    outlet: str | None,
) -> Corpus:
    """:func:`assemble` for a table of events (id, instrument, time; no text column):
    the same frames, built column-wise instead of row by row."""
    n = len(batch.sources)
    times, time_reasons = _batch_times(batch, tz)
    assert batch.instruments is not None
    firsts, multi, inst_notes = _instrument_lists(batch.instruments)
    for i, note in inst_notes.items():
        batch.notes[i] = _join_note(batch.notes[i], note)
    given = _given_instruments(firsts)
    reasons = pd.Series(batch.reasons, dtype=object)
    no_inst = given.isna().to_numpy() & reasons.isna().to_numpy()
    reasons[no_inst] = "no text and no instrument"
    t_reason = pd.Series(time_reasons, dtype=object)
    take_time = reasons.isna() & t_reason.notna()
    reasons[take_time] = t_reason[take_time]
    ok = reasons.isna().to_numpy()
    acc = np.flatnonzero(ok)
    m = acc.size

    ids = [batch.ids[i] for i in acc.tolist()] if m < n else list(batch.ids)
    new_ids, id_notes = unique_ids(ids)
    notes = pd.Series(batch.notes, dtype=object).iloc[acc].reset_index(drop=True)
    notes = notes.where(notes.astype(bool), None)
    for pos, note in id_notes.items():
        notes.iat[pos] = _join_note(notes.iat[pos], note)

    def filled(name: str) -> pd.Series:
        values = batch.fills.get(name)
        if values is None:
            return pd.Series([None] * m, dtype=object)
        return pd.Series(values, dtype=object).iloc[acc].reset_index(drop=True)

    outl = filled("outlet")
    if outlet is not None:
        outl = outl.where(outl.notna(), outlet)
    if times is not None:
        pub = times.iloc[acc].reset_index(drop=True).astype(UTC_NS)
    else:
        pub = pd.Series(pd.NaT, index=range(m), dtype=UTC_NS)
    n_inputs = n + len(batch.extra_rejects)
    prec = [batch.precision[i] for i in acc.tolist()]
    pub = _apply_published_at(pub, new_ids, published_at, tz, n_inputs, prec, batch.time_opts)

    id_col = _str_series(new_ids)
    inst = given.iloc[acc].reset_index(drop=True)
    nan = np.full(m, np.nan)
    none = _str_series([None] * m)
    articles = pd.DataFrame(
        {
            "article_id": id_col,
            "instrument": inst,
            "snapshot_change": nan,
            "snapshot_pct": nan.copy(),
            "snapshot_level": nan.copy(),
            "snapshot_raw": none,
            "published_at": pub,
            "title": _str_series(filled("title").to_numpy()),
            "body": _str_series([""] * m),
            "byline": _str_series(filled("byline").to_numpy()),
            "outlet": _str_series(outl.to_numpy()),
            "source": _str_series([batch.sources[i] for i in acc.tolist()]),
            "notes": _str_series(notes.to_numpy()),
            "time_precision": _str_series(prec),
        },
        copy=False,  # every column is built here
    )
    if batch.extras is not None:
        articles = pd.concat([articles, batch.extras.iloc[acc].reset_index(drop=True)], axis=1)
    snapshots = _event_table_snapshots(id_col, inst, new_ids, acc, multi)
    rej_idx = np.flatnonzero(~ok).tolist()
    rejected = pd.DataFrame(
        {
            "source": _str_series(
                [batch.sources[i] for i in rej_idx] + [s for s, _ in batch.extra_rejects]
            ),
            "reason": _str_series(
                [reasons.iat[i] for i in rej_idx] + [r for _, r in batch.extra_rejects]
            ),
        }
    )
    return Corpus(articles, snapshots, rejected, n_inputs)


def _event_table_snapshots(
    id_col: pd.Series, inst: pd.Series, new_ids: list[str], acc: np.ndarray,
    multi: dict[int, list[str]],
) -> pd.DataFrame:
    """One snapshot row (NaN numbers) per accepted event row, and one more per further
    instrument of rows that list several (``multi``: input row -> instruments)."""
    m = len(acc)
    nan = np.full(m, np.nan)
    none = _str_series([None] * m)
    snapshots = pd.DataFrame(
        {
            "article_id": id_col,
            "position": np.zeros(m, dtype="int64"),
            "instrument": inst,
            "change": nan.copy(),
            "change_pct": nan.copy(),
            "level": nan.copy(),
            "raw": none,
            "zero_flag": np.zeros(m, dtype=bool),
        }
    )
    if multi:
        # the further instruments of rows that list several: one snapshot row each
        k_of = {int(i): k for k, i in enumerate(acc.tolist()) if int(i) in multi}
        e_art = [k for i, k in k_of.items() for _ in multi[i][1:]]
        e_pos = [j for i in k_of for j in range(1, len(multi[i]))]
        e_inst = [x for i in k_of for x in multi[i][1:]]
        if e_art:
            ne = len(e_art)
            extra = pd.DataFrame(
                {
                    "article_id": _str_series([new_ids[k] for k in e_art]),
                    "position": np.asarray(e_pos, dtype="int64"),
                    "instrument": _str_series(e_inst),
                    "change": np.full(ne, np.nan),
                    "change_pct": np.full(ne, np.nan),
                    "level": np.full(ne, np.nan),
                    "raw": _str_series([None] * ne),
                    "zero_flag": np.zeros(ne, dtype=bool),
                }
            )
            order = np.lexsort(
                (np.r_[np.zeros(m, np.int64), e_pos], np.r_[np.arange(m), e_art])
            )
            snapshots = pd.concat([snapshots, extra], ignore_index=True).take(order)
            snapshots = snapshots.reset_index(drop=True)
    return snapshots


def assemble(
    batch: _Batch,
    *,
    published_at: object,
    tz: str | None,
    outlet: str | None,
) -> Corpus:
    """The corpus of a batch of inputs: each parsed (texts) and either accepted as an
    article with its snapshot rows or rejected with the reason."""
    if not batch.has_text and batch.instruments is not None:
        return _assemble_events_table(batch, published_at=published_at, tz=tz, outlet=outlet)
    n = len(batch.sources)
    reasons = list(batch.reasons)
    times, time_reasons = _batch_times(batch, tz)
    known = known_instrument_keys()
    instruments = batch.instruments
    multi: dict[int, list[str]] = {}
    if instruments is not None:
        instruments, multi, inst_notes = _instrument_lists(instruments)
        for i, note in inst_notes.items():
            batch.notes[i] = _join_note(batch.notes[i], note)
    givens, parsed = _parse_inputs(batch, instruments, reasons, time_reasons, known)

    # pass 2: columns of the accepted inputs
    acc = [i for i in range(n) if reasons[i] is None]
    arts = [parsed[i] for i in acc]
    title: list[object] = [None if p is None else p.title for p in arts]
    body = ["" if p is None else p.body for p in arts]
    byline: list[object] = [None if p is None else p.byline for p in arts]
    outl: list[object] = [None if p is None else p.outlet for p in arts]
    raw: list[object] = [
        None if p is None or not p.box else "\n".join(r.raw for r in p.box) for p in arts
    ]
    notes_out: list[object] = [
        ("; ".join(x for x in (batch.notes[i], *(p.notes if p is not None else ())) if x) or None)
        if batch.notes[i] or (p is not None and p.notes)
        else None
        for i, p in zip(acc, arts, strict=True)
    ]
    snaps = _SnapRows.of_boxes(arts)
    chosen: list[BoxRow | None] = [None if p is None or not p.box else p.box[0] for p in arts]
    inst_col: list[object] = [None if c is None else c.instrument for c in chosen]
    if instruments is not None:
        _add_given_instruments(snaps, arts, acc, givens, multi, known, chosen, inst_col, notes_out)
    nan = math.nan
    chg = [nan if c is None else c.change for c in chosen]
    pct = [nan if c is None else c.change_pct for c in chosen]
    lvl = [nan if c is None else c.level for c in chosen]

    ids = [batch.ids[i] for i in acc]
    new_ids, id_notes = unique_ids(ids)
    for pos, note in id_notes.items():
        notes_out[pos] = _join_note(notes_out[pos], note)
    for name, values in batch.fills.items():
        target = {"title": title, "byline": byline, "outlet": outl}[name]
        for k, i in enumerate(acc):
            v = values[i]
            if v is not None:
                target[k] = v
    if outlet is not None:
        outl = [outlet if o is None else o for o in outl]

    acc_arr = np.asarray(acc, dtype=np.int64)
    if times is not None:
        pub = times.iloc[acc_arr].reset_index(drop=True).astype(UTC_NS)
    else:
        pub = pd.Series(pd.NaT, index=range(len(acc)), dtype=UTC_NS)
    n_inputs = n + len(batch.extra_rejects)
    prec = [batch.precision[i] for i in acc]
    pub = _apply_published_at(pub, new_ids, published_at, tz, n_inputs, prec, batch.time_opts)

    articles = pd.DataFrame(
        {
            "article_id": _str_series(new_ids),
            "instrument": _str_series(inst_col),
            "snapshot_change": np.asarray(chg, dtype="float64"),
            "snapshot_pct": np.asarray(pct, dtype="float64"),
            "snapshot_level": np.asarray(lvl, dtype="float64"),
            "snapshot_raw": _str_series(raw),
            "published_at": pub,
            "title": _str_series(title),
            "body": _str_series(body),
            "byline": _str_series(byline),
            "outlet": _str_series(outl),
            "source": _str_series([batch.sources[i] for i in acc]),
            "notes": _str_series(notes_out),
            "time_precision": _str_series(prec),
        },
        copy=False,  # every column is built here
    )
    if batch.extras is not None:
        articles = pd.concat([articles, batch.extras.iloc[acc_arr].reset_index(drop=True)], axis=1)
    return Corpus(articles, snaps.frame(new_ids), _rejected_frame(batch, reasons), n + len(batch.extra_rejects))


def _parse_inputs(
    batch: _Batch, instruments: list[object] | None, reasons: list[str | None],
    time_reasons: Sequence[str | None], known: Mapping[str, str],
) -> tuple[list[str | None], list[ParsedArticle | None]]:
    """Pass 1 of :func:`assemble`: parse every input not rejected yet (a reason is set in
    ``reasons`` for those that are not articles); the instrument given per row."""
    n = len(batch.sources)
    check_binary = batch.check_binary
    per_row = isinstance(check_binary, np.ndarray)
    texts = batch.texts
    givens: list[str | None] = [None] * n
    parsed: list[ParsedArticle | None] = [None] * n
    for i in range(n):
        if reasons[i] is not None:
            continue
        given: str | None = None
        if instruments is not None:
            g = instruments[i]
            if isinstance(g, str):
                given = " ".join(g.split()) or None
            elif g is not None and g is not pd.NA and not (isinstance(g, float) and math.isnan(g)):
                given = str(g)
            givens[i] = given
        text = texts[i]
        if isinstance(text, str) and (given is None or text.strip()):
            p = parse_article(
                text,
                known=known,
                check_binary=bool(check_binary[i]) if per_row else bool(check_binary),  # type: ignore[index]
            )
            if p.reason is not None:
                reasons[i] = p.reason
                continue
            parsed[i] = p
        elif given is None:
            reasons[i] = (
                "no text and no instrument"
                if instruments is not None
                else ("no text (missing value)" if text is None else "empty text")
            )
            continue
        if time_reasons[i] is not None:
            reasons[i] = time_reasons[i]
    return givens, parsed


@dataclass
class _SnapRows:
    """The snapshot rows of the accepted articles, as columns (``art`` is the position of
    the article among the accepted ones)."""

    art: list[int]
    pos: list[int]
    inst: list[str]
    chg: list[float]
    pct: list[float]
    lvl: list[float]
    raw: list[object]

    @classmethod
    def of_boxes(cls, arts: Sequence[ParsedArticle | None]) -> _SnapRows:
        snap = [(k, j, r) for k, p in enumerate(arts) if p is not None for j, r in enumerate(p.box)]
        return cls(
            [t[0] for t in snap], [t[1] for t in snap], [t[2].instrument for t in snap],
            [t[2].change for t in snap], [t[2].change_pct for t in snap],
            [t[2].level for t in snap], [t[2].raw for t in snap],
        )

    def add(self, art: int, pos: int, inst: str) -> None:
        """A row for an instrument the table names and the box does not print (NaN)."""
        self.art.append(art)
        self.pos.append(pos)
        self.inst.append(inst)
        self.chg.append(math.nan)
        self.pct.append(math.nan)
        self.lvl.append(math.nan)
        self.raw.append(None)

    def sort(self) -> None:
        """Order the rows by article, then position."""
        order = sorted(range(len(self.art)), key=lambda q: (self.art[q], self.pos[q]))
        for name in ("art", "pos", "inst", "chg", "pct", "lvl", "raw"):
            col = getattr(self, name)
            setattr(self, name, [col[q] for q in order])

    def frame(self, new_ids: list[str]) -> pd.DataFrame:
        s_art_arr = np.asarray(self.art, dtype=np.int64)
        id_arr = np.asarray(new_ids, dtype=object)
        change_arr = np.asarray(self.chg, dtype="float64")
        pct_arr = np.asarray(self.pct, dtype="float64")
        return pd.DataFrame(
            {
                "article_id": _str_series(id_arr[s_art_arr] if len(self.art) else []),
                "position": np.asarray(self.pos, dtype="int64"),
                "instrument": _str_series(self.inst),
                "change": change_arr,
                "change_pct": pct_arr,
                "level": np.asarray(self.lvl, dtype="float64"),
                "raw": _str_series(self.raw),
                "zero_flag": _zero_flags(change_arr, pct_arr).astype(bool),
            }
        )


def _add_given_instruments(
    snaps: _SnapRows, arts: list[ParsedArticle | None], acc: list[int], givens: list[str | None],
    multi: dict[int, list[str]], known: Mapping[str, str], chosen: list[BoxRow | None],
    inst_col: list[object], notes_out: list[object],
) -> None:
    """Rows that name their instrument: it chooses the box row of the article's snapshot
    columns; instruments the box does not print get a snapshot row (noted when there is a
    box)."""
    key_cache: dict[str, str] = {}
    n_box_rows = len(snaps.art)
    for k, i in enumerate(acc):
        given = givens[i]
        if given is None:
            continue
        pk = arts[k]
        box: tuple[BoxRow, ...] = () if pk is None else pk.box
        gk = _key(given, known, key_cache)
        match = next((r for r in box if _key(r.instrument, known, key_cache) == gk), None)
        chosen[k] = match
        inst_col[k] = given
        next_pos = len(box)
        for name in multi.get(i, [given]):
            nk = _key(name, known, key_cache)
            if name is not given and any(
                _key(r.instrument, known, key_cache) == nk for r in box
            ):
                continue
            if name is given and match is not None:
                continue
            snaps.add(k, next_pos, name)
            next_pos += 1
            if box:
                notes_out[k] = _join_note(
                    notes_out[k], f"instrument {name!r} (from the table) is not in the box"
                )
    if len(snaps.art) != n_box_rows:  # keep snapshots ordered by article
        snaps.sort()


def _rejected_frame(batch: _Batch, reasons: list[str | None]) -> pd.DataFrame:
    """The rejected inputs of a batch with their reasons (then the batch's extra rejects)."""
    rej_idx = [i for i in range(len(batch.sources)) if reasons[i] is not None]
    rej_src = [batch.sources[i] for i in rej_idx] + [s for s, _ in batch.extra_rejects]
    rej_why = [reasons[i] for i in rej_idx] + [r for _, r in batch.extra_rejects]
    return pd.DataFrame(
        {
            "source": _str_series(rej_src),
            "reason": _str_series(rej_why),
        }
    )


def _apply_published_at(
    pub: pd.Series,
    ids: list[str],
    published_at: object,
    tz: str | None,
    n_inputs: int,
    precision: list[str | None] | None = None,
    time_opts: Mapping[str, Any] | None = None,
) -> pd.Series:
    """Times given with ``published_at=`` over those read; ``precision`` (one per article)
    is updated in place for the articles given a time."""
    if published_at is None:
        return pub
    opts = dict(time_opts or {})
    what = "the published_at= argument"
    if isinstance(published_at, Mapping | pd.Series):
        mapping = (
            published_at.to_dict() if isinstance(published_at, pd.Series) else dict(published_at)
        )
        keys = [str(k) for k in mapping]
        pos = {x: p for p, x in enumerate(ids)}
        # keys that name no article (another read's, or a rejected input's) are ignored:
        # one mapping may serve several reads
        items = [(k, v) for k, v in zip(keys, mapping.values(), strict=True) if k in pos]
        keys = [k for k, _ in items]
        values = pd.Series([v for _, v in items], dtype=object)
        full = parse_times_full(
            values, tz=tz, what=what, where=[f"id {k!r}" for k in keys], **opts
        )
        for k, reason in zip(keys, full.reasons, strict=True):
            if reason is not None:
                raise ArticleError(f"{reason} (for article {k!r})")
        arr = pub.to_numpy(copy=True)
        new = full.times.to_numpy()
        for k, v, pr in zip(keys, new, full.precision, strict=True):
            p = pos.get(k)
            if p is not None:
                arr[p] = v
                if precision is not None:
                    precision[p] = pr
        return pd.Series(arr, dtype=UTC_NS)
    if n_inputs != 1:
        raise ArticleError(
            f"{what} is a single time but there are {n_inputs} inputs; pass a mapping "
            "article_id -> time (or a time column in a table)"
        )
    single = pd.Series([published_at], dtype=object)
    one = parse_times_full(single, tz=tz, what=what, where=["the single article"], **opts)
    if one.reasons[0] is not None:
        raise ArticleError(one.reasons[0])
    if len(pub) == 1:
        if precision is not None:
            precision[0] = one.precision[0]
        return pd.Series(one.times.to_numpy(), dtype=UTC_NS)
    return pub


# ---------------------------------------------------------------------------------------
# the reader


def read_articles(
    source: object,
    *,
    time_col: str | tuple[str, str] | None = None,
    id_col: str | None = None,
    text_col: str | None = None,
    instrument_col: str | None = None,
    published_at: object = None,
    tz: str | None = None,
    encoding: str | None = None,
    outlet: str | None = None,
    dayfirst: bool | None = None,
    time_unit: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> Corpus:
    """Read news articles (with their ticker boxes) into a :class:`Corpus`.

    Parameters
    ----------
    source : path, DataFrame, or iterable of str
        - a ``.txt`` file: one article;
        - a folder: every ``*.txt`` below it (recursively; hidden files and folders are
          skipped; other files are ignored), in sorted order of their relative paths;
        - a table: ``.csv``, ``.tsv``, ``.jsonl``/``.ndjson``, ``.json`` (a list of
          records) or ``.parquet``/``.pq`` file, or a :class:`pandas.DataFrame`: one
          article (or event) per row;
        - an iterable of strings (each one article), a Series or a mapping id -> text.
    time_col : str or (str, str), optional
        Column with the publication time. Detected when omitted (first of ``published_at,
        published, publication_time, pub_date, pubdate, datetime, timestamp, time, date, datum``,
        case-insensitive). A pair ``("date", "time")`` names a date column and a clock column read
        together (the date alone where the clock is missing). The accepted forms are listed in
        :mod:`mktnews.pubtime` and the README ("Publication times and ticker boxes"); a value that
        is none of them, or whose zone word is unknown, ambiguous or contradicts its date, rejects
        its row. Inferences (zone word mapped, day-first inferred, date only) are in ``notes``.
    id_col : str, optional
        Column with the article id. Detected when omitted (``article_id, id, doc_id,
        document_id``); else the DataFrame's index when it is not a RangeIndex; else the 0-based
        row number.
    text_col : str, optional
        Column with the article text. Detected when omitted (``text, body, content, article,
        article_text, artikel, inhalt``). A table without text but with an instrument column is a
        table of events.
    instrument_col : str, optional
        Column naming the instrument of each row (detected: ``instrument, ticker, symbol``). It
        sets ``articles.instrument``; the snapshot columns come from the box row of that instrument
        when the text prints one, else they are NaN and a snapshot row with NaN numbers is added so
        later steps see the instrument.
    published_at : mapping, Series, or scalar, optional
        Publication times given by the caller: a mapping article_id -> time (it wins over a table's
        time column; keys that name no article read here are ignored, so one mapping can serve
        several reads), or one time when there is exactly one input.
    tz : str, optional
        IANA time zone of naive publication times (table values and ``published_at=``). Without it,
        naive times raise :class:`~mktnews.errors.ArticleError`.
    encoding : str, optional
        Codec of text files and CSV/JSON files. Default: detected (byte-order marks, UTF-16 by its
        NULs, UTF-8, then cp1252).
    outlet : str, optional
        Outlet to record for articles whose text names none (no sign-off, no known outlet in a
        title line, no ``outlet`` column).
    dayfirst : bool, optional
        How to read slashed dates: True for ``DD/MM/YYYY``, False for ``MM/DD/YYYY``. None
        (default): inferred only when the column proves it (some value has a day > 12 in one
        position and none in the other; written to ``notes``), else each slashed value rejects its
        row.
    time_unit : {"s", "ms", "us", "ns"}, optional
        Unit of epoch numbers in the time column (numbers or digit strings). Without it a number
        rejects its row: the unit is never guessed from its size.
    max_bytes : int, default 256 MiB
        Largest file read; a larger one is a rejected row (not read into memory). Only regular
        files are read: FIFOs, sockets and devices (or links to them) are rejected without being
        opened.

    Returns
    -------
    Corpus
        ``articles`` (columns :data:`ARTICLE_COLUMNS`, then the table's other columns; a table
        column named like an article column is renamed ``<name>_input``, except
        ``title``/``byline``/``outlet`` whose values are used where given), ``snapshots``,
        ``rejected`` and ``n_inputs`` with ``len(articles) + len(rejected) == n_inputs``.

    Raises
    ------
    ArticleError
        For call errors only: a missing path, an unknown file type, a folder without ``.txt``
        files, an unknown column name, a table with neither text nor instrument column, naive
        publication times without ``tz=``, unusable ``published_at=``.
    InvalidOptionError
        For an unknown ``tz`` or ``encoding``. Content never raises, and ids are made unique:
        see the module docstring.
    """
    _check_read_options(tz, time_unit, dayfirst, max_bytes, encoding)
    with _gc_paused():
        return _read(
            source, time_col=time_col, id_col=id_col, text_col=text_col, instrument_col=instrument_col,
            published_at=published_at, tz=tz, encoding=encoding, outlet=outlet, dayfirst=dayfirst,
            time_unit=time_unit, max_bytes=max_bytes,
        )  # fmt: skip


def _check_read_options(
    tz: object, time_unit: object, dayfirst: object, max_bytes: object, encoding: str | None
) -> None:
    """The option checks of :func:`read_articles` (a fixed-offset ``tz`` warns)."""
    if tz is not None:
        try:
            ZoneInfo(str(tz))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidOptionError("tz", tz, reason="not an IANA time zone") from exc
        if str(tz) in FIXED_OFFSET_NAMES or str(tz).startswith("Etc/GMT"):
            warnings.warn(
                f"tz={tz!r} is a fixed UTC offset with no daylight-saving time: summer "
                "times are read one hour off a city's clock; for New York time pass "
                "tz='America/New_York' (or another city's IANA name)",
                UserWarning,
                stacklevel=3,  # the caller of read_articles
            )
    if time_unit is not None and time_unit not in TIME_UNITS:
        raise InvalidOptionError("time_unit", time_unit, TIME_UNITS)
    if dayfirst is not None and not isinstance(dayfirst, bool):
        raise InvalidOptionError("dayfirst", dayfirst, reason="True, False or None")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise InvalidOptionError("max_bytes", max_bytes, reason="a positive number of bytes")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise InvalidOptionError("encoding", encoding, reason="unknown codec") from exc


# ---------------------------------------------------------------------------------------
# readers: the extension point


@runtime_checkable
class ArticleReader(Protocol):
    """A kind of input :func:`read_articles` does not know yet.

    ``suffixes`` (lower case, with the dot, e.g. ``(".xml",)``) are the file suffixes it
    reads, ``types`` the Python types (e.g. a feed client's result class); either may be
    empty. ``read(source)`` turns one such input into what the reader already reads: a
    DataFrame (a table: one article or event per row, read with the table options
    ``text_col=``/``time_col=``/...) or an iterable of texts (a list, a Series or a mapping
    id -> text). Every row or text is then accounted for as an article or a reject.
    """

    name: str
    suffixes: tuple[str, ...]
    types: tuple[type, ...]

    def read(self, source: Any) -> pd.DataFrame | Iterable[str] | Mapping[str, str]: ...


_READERS: dict[str, ArticleReader] = {}


def register_reader(reader: ArticleReader, *, replace: bool = False) -> None:
    """Teach :func:`read_articles` a new kind of input, by file suffix or Python type.

    Parameters
    ----------
    reader : ArticleReader
        An object with ``name``, ``suffixes``, ``types`` and ``read(source)``.
    replace : bool, default False
        Replace a reader registered under the same name.

    Raises
    ------
    InvalidOptionError
        For an object that is not a reader, a name already registered, or a suffix the
        built-in readers or another registered reader already read.
    """
    if not isinstance(reader, ArticleReader) or not isinstance(reader.name, str) or not reader.name:
        raise InvalidOptionError("reader", type(reader).__name__, reason="needs name, suffixes, types and read()")
    if reader.name in _READERS and not replace:
        raise InvalidOptionError("reader", reader.name, reason="already registered; pass replace=True")
    builtin = {*_TEXT_SUFFIXES, *_TABLE_SUFFIXES}
    others = {x for k, r in _READERS.items() if k != reader.name for x in r.suffixes}
    for suffix in reader.suffixes:
        if not isinstance(suffix, str) or not suffix.startswith(".") or suffix != suffix.lower():
            raise InvalidOptionError("suffixes", suffix, reason="a lower-case suffix with its dot, e.g. '.xml'")
        if suffix in builtin or suffix in others:
            raise InvalidOptionError("suffixes", suffix, reason="already read by another reader")
    if not all(isinstance(t, type) for t in reader.types):
        raise InvalidOptionError("types", reader.types, reason="a tuple of classes")
    _READERS[reader.name] = reader


def unregister_reader(name: str) -> None:
    """Forget a registered reader (no error when there is none of that name)."""
    _READERS.pop(name, None)


def readers() -> tuple[str, ...]:
    """Names of the registered readers."""
    return tuple(_READERS)


def _user_reader(source: object) -> ArticleReader | None:
    """The registered reader of ``source``: by type, else by the suffix of a file path."""
    if not _READERS:
        return None
    for reader in _READERS.values():
        if reader.types and isinstance(source, reader.types):
            return reader
    if isinstance(source, str | os.PathLike):
        suffix = Path(source).suffix.lower()
        if suffix:
            for reader in _READERS.values():
                if suffix in reader.suffixes:
                    return reader
    return None


def _user_batch(
    reader: ArticleReader, source: object, encoding: str | None, table_args: dict[str, Any]
) -> tuple[_Batch, bool]:
    """The batch of what a registered reader made of ``source`` (and whether it is a table)."""
    if isinstance(source, str | os.PathLike) and not Path(source).is_file():
        raise ArticleError(f"no such file: {_safe_name(source)!r}")
    out = reader.read(source)
    origin = _safe_name(source) if isinstance(source, str | os.PathLike) else f"<{reader.name}>"
    if isinstance(out, pd.DataFrame):
        return table_batch(out, origin, rows=None, encoding=encoding, **table_args), True
    if isinstance(out, str | bytes) or not isinstance(out, Iterable):
        raise ArticleError(
            f"reader {reader.name!r} returned a {type(out).__name__}; it must return a DataFrame "
            "or an iterable of texts"
        )
    return _iterable_batch(out), False


def _read(
    source: object,
    *,
    time_col: str | tuple[str, str] | None,
    id_col: str | None,
    text_col: str | None,
    instrument_col: str | None,
    published_at: object,
    tz: str | None,
    encoding: str | None,
    outlet: str | None,
    dayfirst: bool | None,
    time_unit: str | None,
    max_bytes: int,
) -> Corpus:
    table_args: dict[str, Any] = {
        "text_col": text_col,
        "id_col": id_col,
        "time_col": time_col,
        "instrument_col": instrument_col,
    }
    batch: _Batch
    is_table = False
    user = _user_reader(source)
    if user is not None:
        batch, is_table = _user_batch(user, source, encoding, table_args)
    elif isinstance(source, pd.DataFrame):
        is_table = True
        batch = table_batch(source, "<DataFrame>", rows=None, encoding=encoding, **table_args)
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.exists():
            raise ArticleError(
                f"no such file or folder: {_safe_name(path)!r}"
                + (
                    "; to read article text itself, pass a list of strings"
                    if isinstance(source, str) and ("\n" in source or len(source) > 255)
                    else ""
                )
            )
        if path.is_dir():
            unlisted: list[tuple[str, str]] = []
            files = _walk_folder(path, unlisted)
            if not files and not unlisted:
                raise ArticleError(
                    f"folder {_safe_name(path)!r} has no .txt files (hidden ones skipped)"
                )
            batch = _file_batch(files, encoding, max_bytes)
            batch.extra_rejects = unlisted
        else:
            suffix = path.suffix.lower()
            if suffix in _TEXT_SUFFIXES:
                batch = _file_batch([path], encoding, max_bytes)
            elif suffix in _TABLE_SUFFIXES:
                is_table = True
                batch = _read_table_file(
                    path,
                    _TABLE_SUFFIXES[suffix],
                    encoding=encoding,
                    max_bytes=max_bytes,
                    **table_args,
                )
            else:
                raise ArticleError(
                    f"unknown file type {suffix or '(none)'!r} of {_safe_name(path)!r}; read are "
                    + ", ".join(sorted({*_TEXT_SUFFIXES, *_TABLE_SUFFIXES}))
                    + " files and folders of .txt files"
                )
    elif isinstance(source, bytes | bytearray):
        raise ArticleError(
            "read_articles got bytes; pass a path, or a list of texts (bytes items are decoded)"
        )
    elif isinstance(source, Iterable):
        batch = _iterable_batch(source)
    else:
        raise ArticleError(
            f"cannot read articles from a {type(source).__name__}; pass a path, a DataFrame "
            "or an iterable of strings"
        )
    if not is_table and any(v is not None for v in table_args.values()):
        given = ", ".join(f"{k}={v!r}" for k, v in table_args.items() if v is not None)
        raise ArticleError(f"{given} apply to tables only (CSV, JSON Lines, Parquet, DataFrame)")
    batch.time_opts = {"dayfirst": dayfirst, "time_unit": time_unit}
    return assemble(batch, published_at=published_at, tz=tz, outlet=outlet)
