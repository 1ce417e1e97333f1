"""News feeds in the forms researchers have them: vendor exports and datasets -> Corpus.

:func:`read_feed` reads the published field sets of common news feeds and datasets
(detected from their fields, or forced with ``format=``) into the same
:class:`~mktnews.articles.Corpus` as :func:`mktnews.read_articles`:

============================  ===========================================================
format                        fields read (as published)
============================  ===========================================================
``fnspid``                    ``Date, Article_title, Stock_symbol, Url, Publisher, Author,
                              Article, *_summary`` (``2020-06-05 06:30:54 UTC``)
``benzinga``                  Kaggle analyst ratings: ``headline, url, publisher, date,
                              stock`` (``2020-06-05 10:30:54-04:00``)
``benzinga_processed``        ``title, date, stock`` (naive dates need ``tz=``)
``yfinance``                  ``content.{id, title, summary, pubDate, displayTime,
                              provider.displayName, canonicalUrl.url, finance.stockTickers}``
``yfinance_legacy``           ``uuid, title, publisher, link, providerPublishTime`` (epoch
                              s), ``relatedTickers``
``finnhub``                   ``category, datetime`` (epoch s), ``headline, id, related``
                              (comma list), ``source, summary, url``
``alpaca``                    ``id, headline, author, created_at, updated_at, summary,
                              content, url, symbols[], source``
``polygon``                   ``id, published_utc, title, article_url, tickers[],
                              publisher{name}, author, description, insights[{ticker,
                              sentiment, sentiment_reasoning}]``
``newsapi``                   ``articles[{source{id,name}, author, title, description, url,
                              publishedAt, content}]``
``gdelt_doc``                 ``articles[{url, title, seendate, domain, language,
                              sourcecountry}]`` (``20240719T132152Z``, first seen)
``gdelt_gkg``                 GKG 2.0, tab-separated (``DATE`` YYYYMMDDHHMMSS UTC, first seen)
``rss``                       RSS 2.0 / Atom, via ``feedparser`` (the ``feeds`` extra)
============================  ===========================================================

Every article keeps ``feed_format`` and ``time_kind`` (``published``: when the outlet
published it; ``first_seen``: when a crawler saw it, GDELT; ``updated``: a feed entry's
last update, RSS/Atom entries without a publication date). Ticker lists become
``articles.tickers`` (a list per article, ``instrument`` is its first) and one snapshot row
per (article, ticker) with its ``position``; Polygon's per-ticker ``sentiment`` and
``sentiment_reasoning`` are columns of those rows (:func:`feed_event_columns` copies them
onto the events of :func:`mktnews.align_events`).

Every input row ends in ``articles`` or in ``rejected`` with a reason naming the row and the
field (no time, an unreadable time, too many instruments with ``max_instruments=``).
"""

from __future__ import annotations

import email.utils
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from mktnews.articles import (
    ARTICLE_COLUMNS,
    Corpus,
    conform_articles,
    conform_rejected,
    conform_snapshots,
    unique_ids,
)
from mktnews.errors import ArticleError, InvalidOptionError
from mktnews.vocab import check_option

__all__ = ["FEED_FORMATS", "FeedFormat", "feed_event_columns", "feed_summary", "read_feed"]

FeedFormat = Literal[
    "fnspid",
    "benzinga",
    "benzinga_processed",
    "yfinance",
    "yfinance_legacy",
    "finnhub",
    "alpaca",
    "polygon",
    "newsapi",
    "gdelt_doc",
    "gdelt_gkg",
    "rss",
]
TimeKind = Literal["published", "first_seen", "updated"]

#: GKG 2.0 columns, in file order (the files have no header row).
GKG_COLUMNS: tuple[str, ...] = (
    "GKGRECORDID", "DATE", "SourceCollectionIdentifier", "SourceCommonName",
    "DocumentIdentifier", "Counts", "V2Counts", "Themes", "V2Themes", "Locations",
    "V2Locations", "Persons", "V2Persons", "Organizations", "V2Organizations", "V2Tone",
    "Dates", "GCAM", "SharingImage", "RelatedImages", "SocialImageEmbeds",
    "SocialVideoEmbeds", "Quotations", "AllNames", "Amounts", "TranslationInfo", "Extras",
)  # fmt: skip

_TimeParser = Literal["text", "epoch_s", "gdelt_doc", "gdelt_gkg"]


@dataclass(frozen=True)
class _Spec:
    """How one format's (flattened) fields map onto the articles frame."""

    detect: frozenset[str]  # fields whose presence identifies the format
    time: str
    parser: _TimeParser
    time_kind: TimeKind
    title: str | None = None
    body: tuple[str, ...] = ()  # first non-empty of these
    url: str | None = None
    outlet: str | None = None
    author: str | None = None
    id: str | None = None
    tickers: str | None = None
    extras: Mapping[str, str] = field(default_factory=dict)  # output column -> field


_SPECS: dict[str, _Spec] = {
    "yfinance": _Spec(
        frozenset({"content.pubDate", "content.title"}),
        "content.pubDate",
        "text",
        "published",
        title="content.title",
        body=("content.summary", "content.description"),
        url="content.canonicalUrl.url",
        outlet="content.provider.displayName",
        id="content.id",
        tickers="content.finance.stockTickers",
        extras={"display_time": "content.displayTime", "content_type": "content.contentType"},
    ),
    "yfinance_legacy": _Spec(
        frozenset({"uuid", "providerPublishTime"}),
        "providerPublishTime",
        "epoch_s",
        "published",
        title="title",
        url="link",
        outlet="publisher",
        id="uuid",
        tickers="relatedTickers",
        extras={"type": "type"},
    ),
    "polygon": _Spec(
        frozenset({"published_utc", "article_url"}),
        "published_utc",
        "text",
        "published",
        title="title",
        body=("description",),
        url="article_url",
        outlet="publisher.name",
        author="author",
        id="id",
        tickers="tickers",
        extras={"keywords": "keywords"},
    ),
    "alpaca": _Spec(
        frozenset({"created_at", "headline", "symbols"}),
        "created_at",
        "text",
        "published",
        title="headline",
        body=("content", "summary"),
        url="url",
        outlet="source",
        author="author",
        id="id",
        tickers="symbols",
        extras={"summary": "summary", "updated_at": "updated_at"},
    ),
    "finnhub": _Spec(
        frozenset({"datetime", "headline", "related"}),
        "datetime",
        "epoch_s",
        "published",
        title="headline",
        body=("summary",),
        url="url",
        outlet="source",
        id="id",
        tickers="related",
        extras={"category": "category"},
    ),
    "newsapi": _Spec(
        frozenset({"publishedAt", "title"}),
        "publishedAt",
        "text",
        "published",
        title="title",
        body=("content", "description"),
        url="url",
        outlet="source.name",
        author="author",
        extras={"description": "description", "source_id": "source.id"},
    ),
    "gdelt_doc": _Spec(
        frozenset({"seendate", "url"}),
        "seendate",
        "gdelt_doc",
        "first_seen",
        title="title",
        url="url",
        outlet="domain",
        extras={"language": "language", "sourcecountry": "sourcecountry"},
    ),
    "gdelt_gkg": _Spec(
        frozenset({"GKGRECORDID", "DATE"}),
        "DATE",
        "gdelt_gkg",
        "first_seen",
        url="DocumentIdentifier",
        outlet="SourceCommonName",
        id="GKGRECORDID",
        extras={"organizations": "V2Organizations", "tone": "V2Tone", "themes": "V2Themes"},
    ),
    "fnspid": _Spec(
        frozenset({"Date", "Article_title", "Stock_symbol"}),
        "Date",
        "text",
        "published",
        title="Article_title",
        body=("Article",),
        url="Url",
        outlet="Publisher",
        author="Author",
        tickers="Stock_symbol",
    ),
    "benzinga": _Spec(
        frozenset({"headline", "date", "stock"}),
        "date",
        "text",
        "published",
        title="headline",
        url="url",
        outlet="publisher",
        tickers="stock",
    ),
    "benzinga_processed": _Spec(
        frozenset({"title", "date", "stock"}),
        "date",
        "text",
        "published",
        title="title",
        tickers="stock",
    ),
}
#: Formats and the fields that identify them (checked in this order; ``rss`` is XML).
FEED_FORMATS: dict[str, tuple[str, ...]] = {
    **{k: tuple(sorted(v.detect)) for k, v in _SPECS.items()},
    "rss": ("<rss>", "<feed>"),
}
_ENVELOPES = ("articles", "results", "news", "data", "items")
_EPOCH_MIN, _EPOCH_MAX = 631152000, 4102444800  # 1990-01-01 .. 2100-01-01 UTC, seconds
# parsedate_tz reads a missing zone as +0000; a zone must be written to count
_RFC822_ZONE = re.compile(r"(?:[+-]\d{4}|\b(?:UT|UTC|GMT|[ECMP][SD]T|Z))\s*$", re.IGNORECASE)
_ZONED = re.compile(r"(?:Z|[+-]\d{2}:?\d{2}|\s(?:UTC|GMT))$", re.IGNORECASE)


# ---------------------------------------------------------------------------------------
# inputs -> a flat frame of records


@dataclass
class _Raw:
    frame: pd.DataFrame  # one row per input record, flattened ("a.b" for nested fields)
    labels: list[str]  # source label of each row
    rejected: list[tuple[str, str]]  # records that could not even be parsed
    xml: str | None = None  # RSS/Atom text


def _records_frame(records: Sequence[Any], label: str) -> _Raw:
    good: list[Mapping[str, Any]] = []
    labels: list[str] = []
    rejected: list[tuple[str, str]] = []
    for i, r in enumerate(records):
        if isinstance(r, Mapping):
            good.append(r)
            labels.append(f"{label}:{i}")
        else:
            rejected.append((f"{label}:{i}", f"row {i}: not a record (got {type(r).__name__})"))
    frame = pd.json_normalize([dict(r) for r in good]) if good else pd.DataFrame()
    return _Raw(frame, labels, rejected)


def _unwrap(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        for key in _ENVELOPES:
            if isinstance(obj.get(key), list):
                return obj[key]
        return [obj]
    return obj


def _read_text_table(text: str, label: str) -> _Raw:
    import io

    first = text.split("\n", 1)[0]
    cells = first.split("\t")
    if len(cells) == len(GKG_COLUMNS) and re.fullmatch(r"\d{14}", cells[1].strip()):
        frame = pd.read_csv(
            io.StringIO(text), sep="\t", header=None, names=list(GKG_COLUMNS), dtype=str,
            keep_default_na=False, quoting=3, engine="python",
        )  # fmt: skip
    else:
        sep = "\t" if len(cells) >= 3 else ","
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, engine="python",
            quoting=3 if sep == "\t" else 0,
        )  # fmt: skip
    return _Raw(frame, [f"{label}:{i}" for i in range(len(frame))], [])


def _load(source: object, encoding: str | None) -> _Raw:
    if isinstance(source, pd.DataFrame):
        cols = [str(c) for c in source.columns]
        has_nested = any(
            source[c].map(lambda v: isinstance(v, Mapping)).any()
            for c in source.columns
            if source[c].dtype == object
        )
        if has_nested:
            return _records_frame(source.to_dict(orient="records"), "<frame>")
        frame = source.reset_index(drop=True).copy()
        frame.columns = pd.Index(cols)
        return _Raw(frame, [f"<frame>:{i}" for i in range(len(frame))], [])
    if isinstance(source, str) and source.lstrip().startswith("<"):
        return _Raw(pd.DataFrame(), [], [], xml=source)
    if isinstance(source, (str, Path)):
        path = Path(source)
        if str(source).startswith(("http://", "https://")):
            raise ArticleError(
                f"read_feed reads files and Python objects, not URLs ({source!r}); "
                "download the feed first"
            )
        if not path.is_file():
            raise ArticleError(f"no such feed file: {path}")
        text = path.read_text(encoding=encoding or "utf-8-sig")
        suffix = "".join(path.suffixes[-2:]).lower()
        name = str(path)
        if text.lstrip().startswith("<"):
            return _Raw(pd.DataFrame(), [], [], xml=text)
        if suffix.endswith((".jsonl", ".ndjson")):
            records: list[Any] = []
            labels: list[str] = []
            rejected: list[tuple[str, str]] = []
            for i, line in enumerate(text.splitlines()):
                if not line.strip():
                    continue
                try:
                    records.append(json.loads(line))
                    labels.append(f"{name}:{i}")
                except json.JSONDecodeError as exc:
                    rejected.append((f"{name}:{i}", f"row {i}: not JSON ({exc.msg})"))
            raw = _records_frame(records, name)
            raw.labels = [labels[int(x.rsplit(":", 1)[1])] for x in raw.labels]
            raw.rejected = rejected + [
                (labels[int(s.rsplit(":", 1)[1])], r) for s, r in raw.rejected
            ]
            return raw
        if suffix.endswith(".json"):
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ArticleError(f"{name} is not JSON: {exc}") from exc
            return _records_frame(_unwrap(obj), name)
        return _read_text_table(text, name)
    if isinstance(source, Mapping):
        return _records_frame(_unwrap(source), "<input>")
    if isinstance(source, Sequence):
        return _records_frame(list(source), "<input>")
    raise ArticleError(
        "read_feed expects a path, feed text (XML), a DataFrame, a dict or a list of records; "
        f"got {type(source).__name__}"
    )


def _detect(columns: set[str]) -> str:
    for name, spec in _SPECS.items():
        if spec.detect <= columns:
            return name
    known = "; ".join(f"{k}: {', '.join(v)}" for k, v in FEED_FORMATS.items())
    raise ArticleError(
        f"cannot tell the feed format from the fields {sorted(columns)[:20]}; pass format= "
        f"(known formats and their identifying fields: {known})"
    )


# ---------------------------------------------------------------------------------------
# times


def _parse_times(
    values: pd.Series, parser: _TimeParser, tz: str | None
) -> tuple[pd.Series, pd.Series]:
    """UTC times and, per row, why the value is not a time (NA where it is one)."""
    n = len(values)
    raw = values.astype("object").where(values.notna(), None)
    text = pd.Series(
        [None if v is None else str(v).strip() for v in raw], dtype="str", index=values.index
    )
    empty = text.isna() | (text == "")
    why = pd.Series([None] * n, dtype="object", index=values.index)
    why[empty] = "is empty (no publication time)"
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    ok = ~empty
    if parser == "epoch_s":
        num = pd.to_numeric(text.where(ok), errors="coerce")
        bad = ok & num.isna()
        why[bad.to_numpy()] = "is not a number of epoch seconds"
        rng = ok & num.notna() & ((num < _EPOCH_MIN) | (num > _EPOCH_MAX))
        why[rng.to_numpy()] = (
            "is outside 1990-2100 as epoch seconds (milliseconds? divide by 1000 first)"
        )
        good = ok & ~bad & ~rng
        out[good] = pd.to_datetime(num[good], unit="s", utc=True).dt.as_unit("ns")
    elif parser in ("gdelt_doc", "gdelt_gkg"):
        fmt = "%Y%m%dT%H%M%SZ" if parser == "gdelt_doc" else "%Y%m%d%H%M%S"
        parsed = pd.to_datetime(text.where(ok), format=fmt, errors="coerce", utc=True)
        bad = ok & parsed.isna()
        why[bad.to_numpy()] = (
            "is not a GDELT time like 20240719T132152Z"
            if parser == "gdelt_doc"
            else "is not a GDELT time like 20240719131500"
        )
        out[ok & ~bad] = parsed[ok & ~bad].dt.as_unit("ns")
    else:
        norm = text.str.replace(r"\s(?:UTC|GMT)$", "+00:00", regex=True, case=False)
        zoned = ok & norm.str.contains(_ZONED.pattern, regex=True, case=False).fillna(False)
        loc = pd.to_datetime(norm.where(ok & ~zoned), format="ISO8601", errors="coerce")
        naive = ok & ~zoned & loc.notna()
        if naive.any() and tz is None:
            first = int(np.flatnonzero(naive.to_numpy())[0])
            raise ArticleError(
                f"{int(naive.sum())} of {n} times carry no time zone (first: row {first}, "
                f"{text.iloc[first]!r}); pass tz= with the zone they are in (e.g. "
                "tz='America/New_York')"
            )
        p = pd.to_datetime(norm.where(zoned), format="ISO8601", errors="coerce", utc=True)
        if naive.any():
            loc = loc.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
            p = p.where(~naive, loc)
        bad = ok & p.isna()
        why[bad.to_numpy()] = "is not a time (expected e.g. 2020-06-05 10:30:54-04:00)"
        out[ok & ~bad] = p[ok & ~bad].dt.as_unit("ns")
    bad_any = why.notna().to_numpy() & ~empty.to_numpy()
    if bad_any.any():
        why[bad_any] = why[bad_any] + " (" + text[bad_any].map(repr).astype("object") + ")"
    return out, why


def _rfc822_times(values: pd.Series, tz: str | None) -> tuple[pd.Series, pd.Series]:
    """RSS/Atom: ISO 8601 with a zone, else RFC 822 (``Tue, 02 Jan 2024 14:30:00 +0100``)."""
    iso, why = _parse_times(values, "text", tz="UTC")  # naive ISO handled below
    text = values.astype("object")
    iso_zoned = iso.notna() & text.map(
        lambda v: isinstance(v, str) and bool(_ZONED.search(v.strip()))
    ).astype(bool)
    out = iso.where(iso_zoned, pd.NaT)
    why = why.where(~iso_zoned.to_numpy(), None)
    rest = np.flatnonzero(~iso_zoned.to_numpy() & values.notna().to_numpy())
    for i in rest.tolist():
        parsed = email.utils.parsedate_tz(str(text.iloc[i]))
        if parsed is None:
            if not _ZONED.search(str(text.iloc[i])) and tz is not None:
                ts = pd.to_datetime(str(text.iloc[i]), errors="coerce")
                if ts is not pd.NaT and not pd.isna(ts):
                    out.iloc[i] = pd.Timestamp(ts).tz_localize(tz).tz_convert("UTC")
                    why.iloc[i] = None
                    continue
            why.iloc[i] = "is not an RFC 822 or ISO 8601 time"
            continue
        offset = parsed[9] if _RFC822_ZONE.search(str(text.iloc[i])) else None
        naive = pd.Timestamp(*parsed[:6])
        if offset is None:
            if tz is None:
                raise ArticleError(
                    f"the feed's time {text.iloc[i]!r} (entry {i}) carries no time zone; "
                    "pass tz= with the zone it is in"
                )
            out.iloc[i] = naive.tz_localize(tz).tz_convert("UTC")
        else:
            out.iloc[i] = (naive - pd.Timedelta(seconds=offset)).tz_localize("UTC")
        why.iloc[i] = None
    return out, why


# ---------------------------------------------------------------------------------------
# tickers


_TICKER_SPLIT = re.compile(r"[,;\s|]+")


def _ticker_lists(values: pd.Series | None, n: int, default: str | None) -> list[list[str]]:
    if values is None:
        return [[default] if default else [] for _ in range(n)]
    out: list[list[str]] = []
    for v in values.tolist():
        items: list[Any]
        if isinstance(v, (list, tuple, np.ndarray)):
            items = list(v)
        elif isinstance(v, str):
            items = _TICKER_SPLIT.split(v.strip().strip("[]").replace("'", "").replace('"', ""))
        else:
            items = []
        seen: dict[str, None] = {}
        for it in items:
            sym = it.get("symbol") if isinstance(it, Mapping) else it
            if isinstance(sym, str) and sym.strip():
                seen.setdefault(sym.strip(), None)
        lst = list(seen)
        if not lst and default:
            lst = [default]
        out.append(lst)
    return out


# ---------------------------------------------------------------------------------------
# the reader


def _column(frame: pd.DataFrame, name: str | None) -> pd.Series | None:
    if name is None or name not in frame.columns:
        return None
    return frame[name].reset_index(drop=True)


def _text(frame: pd.DataFrame, name: str | None, n: int) -> pd.Series:
    col = _column(frame, name)
    if col is None:
        return pd.Series([np.nan] * n, dtype="str")
    s = col.astype("object").where(col.notna(), None)
    s = pd.Series([None if v is None else str(v) for v in s], dtype="str")
    return s.where(s.str.strip() != "", np.nan)


def _rss_frame(xml: str, label: str) -> tuple[pd.DataFrame, list[str]]:
    try:
        import feedparser
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ArticleError(
            "reading RSS/Atom needs feedparser: pip install 'mktnews[feeds]'"
        ) from exc
    parsed = feedparser.parse(xml)
    if parsed.get("bozo") and not parsed.entries:
        raise ArticleError(f"{label}: not an RSS/Atom feed ({parsed.get('bozo_exception')})")
    feed_title = parsed.feed.get("title")
    rows = [
        {
            "id": dict.get(e, "id") or dict.get(e, "link"),
            "title": dict.get(e, "title"),
            "summary": dict.get(e, "summary"),
            "link": dict.get(e, "link"),
            "author": dict.get(e, "author"),
            "published": dict.get(e, "published"),
            "updated": dict.get(e, "updated"),
            "feed_title": feed_title,
        }
        for e in parsed.entries
    ]
    frame = pd.DataFrame(
        rows,
        columns=["id", "title", "summary", "link", "author", "published", "updated", "feed_title"],
    )
    return frame, [f"{label}:{i}" for i in range(len(frame))]


def read_feed(
    source: object,
    format: FeedFormat | None = None,
    *,
    tz: str | None = None,
    ticker: str | None = None,
    max_instruments: int | None = None,
    encoding: str | None = None,
) -> Corpus:
    """Read a news feed or dataset export into a :class:`~mktnews.articles.Corpus`.

    Parameters
    ----------
    source : path, DataFrame, dict, list of dicts, or str
        A ``.json`` (a list, or an envelope with ``articles``/``results``/``news``),
        ``.jsonl``/``.ndjson``, ``.csv``/``.tsv`` (GKG files are tab-separated without a
        header) or RSS/Atom XML file; the same as Python objects; XML text.
    format : str, optional
        One of :data:`FEED_FORMATS`. Detected from the field set when omitted; forcing it
        checks that its identifying fields are there.
    tz : str, optional
        IANA zone of times that carry none (the processed analyst-ratings file, some RSS).
        Without it such times raise :class:`~mktnews.errors.ArticleError`.
    ticker : str, optional
        Ticker for rows whose feed names none (a yfinance ``Ticker.news`` export has the
        ticker it was fetched for only in the call; NewsAPI, GDELT and RSS name none).
    max_instruments : int, optional
        Articles naming more tickers than this go to ``rejected`` (a common research
        filter against market wrap-ups); :func:`feed_summary` counts them.
    encoding : str, optional
        Codec of a file (default UTF-8, with or without byte-order mark).

    Returns
    -------
    Corpus
        ``articles``: :data:`~mktnews.articles.ARTICLE_COLUMNS`, then ``feed_format``,
        ``time_kind``, ``url``, ``feed_id``, ``tickers`` (list of str) and the format's
        extra fields (e.g. ``updated_at``, ``display_time``, ``category``) and every other
        input field (a field named like an article column becomes ``<name>_input``).
        ``snapshots``: one row per (article, ticker), ``position`` its place in the list,
        NaN printed values; Polygon adds ``sentiment`` and ``sentiment_reasoning``.
        ``rejected``: rows without a usable time (reason names row, field and value) and,
        with ``max_instruments``, stories naming too many tickers.

    Raises
    ------
    ArticleError
        A format that cannot be detected or lacks its fields, naive times without ``tz=``,
        a missing file, a URL.
    InvalidOptionError
        For an unknown ``format`` or ``tz``, or ``max_instruments`` below 1.
    """
    _check_feed_options(format, tz, max_instruments)
    raw = _load(source, encoding)
    if raw.xml is not None or format == "rss":
        if raw.xml is None:
            raise ArticleError("format='rss' needs RSS/Atom XML (a file or its text)")
        label = (
            str(source)
            if isinstance(source, Path)
            or (isinstance(source, str) and not source.lstrip().startswith("<"))
            else "<feed>"
        )
        frame, labels = _rss_frame(raw.xml, label)
        return _build_rss(frame, labels, tz, ticker, max_instruments)
    frame, fmt, spec = _format_of(raw.frame, format)
    n = len(frame)
    times, why = (
        _parse_times(_column(frame, spec.time), spec.parser, tz)  # type: ignore[arg-type]
        if n
        else (pd.Series([], dtype="datetime64[ns, UTC]"), pd.Series([], dtype=object))
    )
    ids = _text(frame, spec.id, n)
    art = _article_fields(frame, fmt, spec, times, raw.labels, ids)
    tick = _ticker_lists(_column(frame, spec.tickers), n, ticker)
    insights = _column(frame, "insights") if fmt == "polygon" else None
    row_ids = ids.where(ids.notna(), pd.Series([str(i) for i in range(n)], dtype="str"))
    return _finish(art, tick, row_ids, why, spec.time, raw.rejected, max_instruments, insights)


def _check_feed_options(format: object, tz: object, max_instruments: object) -> None:
    """The option checks of :func:`read_feed`."""
    if format is not None:
        check_option("format", format, FeedFormat)
    if tz is not None:
        try:
            ZoneInfo(str(tz))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidOptionError("tz", tz, reason="not an IANA time zone") from exc
    if max_instruments is not None and (
        not isinstance(max_instruments, (int, np.integer)) or max_instruments < 1
    ):
        raise InvalidOptionError("max_instruments", max_instruments, reason="must be an int >= 1")


def _format_of(frame: pd.DataFrame, format: FeedFormat | None) -> tuple[pd.DataFrame, str, _Spec]:
    """The feed format (forced or detected), checked against the fields; GDELT GKG gets
    its page titles out of ``Extras``."""
    columns = {str(c) for c in frame.columns}
    fmt = format if format is not None else _detect(columns)
    spec = _SPECS[fmt]
    missing = sorted(spec.detect - columns)
    if missing and len(frame):
        raise ArticleError(
            f"format={fmt!r} needs the fields {sorted(spec.detect)}; missing {missing} "
            f"(fields present: {sorted(columns)[:20]})"
        )
    if fmt == "gdelt_gkg" and len(frame):
        frame = frame.assign(
            title=frame.get("Extras", pd.Series([""] * len(frame)))
            .astype("str")
            .str.extract(r"<PAGE_TITLE>(.*?)</PAGE_TITLE>", expand=False)
        )
        spec = _Spec(**{**spec.__dict__, "title": "title"})
    return frame, fmt, spec


def _article_fields(
    frame: pd.DataFrame, fmt: str, spec: _Spec, times: pd.Series, labels: object, ids: pd.Series
) -> pd.DataFrame:
    """The article columns of a feed frame, then its extras and every other input field."""
    n = len(frame)
    bodies = [_text(frame, b, n) for b in spec.body]
    body = bodies[0] if bodies else pd.Series([""] * n, dtype="str")
    for b in bodies[1:]:
        body = body.fillna(b)
    art = pd.DataFrame(
        {
            "published_at": times.reset_index(drop=True),
            "title": _text(frame, spec.title, n),
            "body": body.fillna(""),
            "byline": _text(frame, spec.author, n),
            "outlet": _text(frame, spec.outlet, n),
            "source": pd.Series(labels, dtype="str"),
            "feed_format": pd.Series([fmt] * n, dtype="str"),
            "time_kind": pd.Series([spec.time_kind] * n, dtype="str"),
            "url": _text(frame, spec.url, n),
            "feed_id": ids,
        }
    )
    for out_col, fld in spec.extras.items():
        col = _column(frame, fld)
        if col is not None:
            art[out_col] = col
    used = {spec.time, spec.title, spec.url, spec.outlet, spec.author, spec.id, spec.tickers,
            *spec.body, *spec.extras.values(), "insights"}  # fmt: skip
    for c in frame.columns:
        if c in used:
            continue
        name = f"{c}_input" if c in ARTICLE_COLUMNS or c in art.columns else str(c)
        art[name] = frame[c].reset_index(drop=True)
    return art


def _build_rss(
    frame: pd.DataFrame,
    labels: list[str],
    tz: str | None,
    ticker: str | None,
    max_instruments: int | None,
) -> Corpus:
    n = len(frame)
    pub_t, pub_why = _rfc822_times(frame["published"], tz)
    upd_t, upd_why = _rfc822_times(frame["updated"], tz)
    has_pub = frame["published"].notna().to_numpy()
    times = pub_t.where(has_pub, upd_t)
    why = pub_why.where(has_pub, upd_why)
    art = pd.DataFrame(
        {
            "published_at": times.reset_index(drop=True),
            "title": _text(frame, "title", n),
            "body": _text(frame, "summary", n).fillna(""),
            "byline": _text(frame, "author", n),
            "outlet": _text(frame, "feed_title", n),
            "source": pd.Series(labels, dtype="str"),
            "feed_format": pd.Series(["rss"] * n, dtype="str"),
            "time_kind": pd.Series(np.where(has_pub, "published", "updated"), dtype="str"),
            "url": _text(frame, "link", n),
            "feed_id": _text(frame, "id", n),
            "updated_at": upd_t.reset_index(drop=True),
        }
    )
    field_name = pd.Series(np.where(has_pub, "published", "updated"))
    ids = art["feed_id"].where(art["feed_id"].notna(), pd.Series([str(i) for i in range(n)]))
    return _finish(
        art, _ticker_lists(None, n, ticker), ids.astype("str"), why, field_name, [],
        max_instruments, None,
    )  # fmt: skip


def _finish(
    art: pd.DataFrame,
    tick: list[list[str]],
    row_ids: pd.Series,
    why: pd.Series,
    time_field: str | pd.Series,
    pre_rejected: list[tuple[str, str]],
    max_instruments: int | None,
    insights: pd.Series | None,
) -> Corpus:
    n = len(art)
    rows = np.arange(n)
    src = art["source"].astype("str").to_numpy()
    row_no = [s.rsplit(":", 1)[-1] for s in src]
    fields = time_field.to_numpy() if isinstance(time_field, pd.Series) else np.full(n, time_field)
    bad_time = why.notna().to_numpy()
    reasons: list[tuple[str, str]] = list(pre_rejected)
    rtime = np.flatnonzero(bad_time)
    reasons += [
        (src[i], f"row {row_no[i]}: field {str(fields[i])!r} {why.iloc[i]}") for i in rtime.tolist()
    ]
    n_tick = np.array([len(t) for t in tick], dtype=np.int64)
    too_many = (
        (n_tick > max_instruments) & ~bad_time if max_instruments is not None else np.zeros(n, bool)
    )
    reasons += [
        (
            src[i],
            f"row {row_no[i]}: names {n_tick[i]} instruments (more than "
            f"max_instruments={max_instruments})",
        )
        for i in np.flatnonzero(too_many).tolist()
    ]
    keep = rows[~bad_time & ~too_many]
    a = art.take(keep).reset_index(drop=True)
    kept_ticks = [tick[i] for i in keep.tolist()]
    new_ids, id_notes = unique_ids(row_ids.astype("str").take(keep).tolist())
    a.insert(0, "article_id", pd.Series(new_ids, dtype="str"))
    a["instrument"] = pd.Series([t[0] if t else np.nan for t in kept_ticks], dtype="str")
    notes: list[Any] = [np.nan] * len(a)
    for pos, note in id_notes.items():
        notes[pos] = note
    a["notes"] = pd.Series(notes, dtype="str")
    a["tickers"] = pd.Series(kept_ticks, dtype="object")
    articles = conform_articles(a)
    lens = np.array([len(t) for t in kept_ticks], dtype=np.int64)
    snap = pd.DataFrame(
        {
            "article_id": np.repeat(np.asarray(new_ids, dtype=object), lens),
            "position": np.concatenate([np.arange(k) for k in lens]) if len(lens) else [],
            "instrument": [s for t in kept_ticks for s in t],
        }
    )
    snaps = conform_snapshots(snap)
    if insights is not None:
        snaps, stray = _with_insights(snaps, insights.take(keep).reset_index(drop=True), new_ids)
        if len(stray):
            # insights on tickers the story's list does not name: kept as a note, not dropped
            msg = stray.groupby("article_id")["instrument"].agg(
                lambda x: "insight on " + ", ".join(x) + " (not in tickers)"
            )
            add = articles["article_id"].map(msg)
            old_n = articles["notes"]
            joined = old_n.where(old_n.isna(), old_n + "; ").fillna("") + add
            articles["notes"] = joined.where(add.notna(), old_n).astype("str")
    rejected = conform_rejected(
        pd.DataFrame(reasons, columns=["source", "reason"]) if reasons else None
    )
    return Corpus(articles, snaps, rejected, len(articles) + len(rejected))


def _with_insights(
    snaps: pd.DataFrame, insights: pd.Series, ids: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Polygon's per-ticker insights as snapshot columns (first insight per ticker), and
    the (article, ticker) insights whose ticker is not in the story's list."""
    recs = [
        (ids[i], str(d.get("ticker")), d.get("sentiment"), d.get("sentiment_reasoning"))
        for i, lst in enumerate(insights.tolist())
        if isinstance(lst, (list, tuple, np.ndarray))
        for d in lst
        if isinstance(d, Mapping) and d.get("ticker")
    ]
    ins = pd.DataFrame(
        recs, columns=["article_id", "instrument", "sentiment", "sentiment_reasoning"]
    ).drop_duplicates(["article_id", "instrument"])
    ins = ins.astype({"article_id": "str", "instrument": "str"})
    out = snaps.merge(ins, on=["article_id", "instrument"], how="left")
    out["sentiment"] = out["sentiment"].astype("str")
    out["sentiment_reasoning"] = out["sentiment_reasoning"].astype("str")
    key = ["article_id", "instrument"]
    stray = ins.merge(snaps[key], on=key, how="left", indicator=True)
    return out, stray.loc[stray["_merge"] == "left_only", key]


def feed_event_columns(events: pd.DataFrame, corpus: Corpus) -> pd.DataFrame:
    """Copy per-ticker snapshot columns of a feed (e.g. Polygon ``sentiment``, a link's
    ``relevance``) onto the events of :func:`mktnews.align_events`.

    Parameters
    ----------
    events : DataFrame
        Events with ``article_id`` and ``instrument``.
    corpus : Corpus
        The corpus the events were aligned from.

    Returns
    -------
    DataFrame
        ``events`` with the snapshot columns beyond the standard ones, matched on
        (``article_id``, ``instrument``); NaN where an event has no such snapshot.
    """
    std = {"article_id", "position", "instrument", "change", "change_pct", "level", "raw",
           "zero_flag"}  # fmt: skip
    extra = [c for c in corpus.snapshots.columns if c not in std and c not in events.columns]
    if not extra:
        return events.copy()
    s = corpus.snapshots[["article_id", "instrument", *extra]].drop_duplicates(
        ["article_id", "instrument"]
    )
    s = s.astype({"article_id": "str", "instrument": "str"})
    left = events.astype({"article_id": "str", "instrument": "str"})
    out = left.merge(s, on=["article_id", "instrument"], how="left")
    out.index = events.index
    out.attrs = dict(events.attrs)
    return out


def feed_summary(corpus: Corpus) -> pd.Series:
    """Counts of a feed corpus: inputs, articles, rejected by cause, formats, time kinds.

    Returns
    -------
    Series
        ``inputs``, ``articles``, ``rejected``, ``rejected_no_time`` (missing or unreadable
        time), ``rejected_too_many_instruments`` (``max_instruments=``),
        ``rejected_near_duplicate`` (:func:`mktnews.near_duplicates`), ``snapshots``,
        ``articles_without_ticker``, then ``format:<name>`` and ``time_kind:<kind>``
        article counts.
    """
    a = corpus.articles
    reason = corpus.rejected["reason"].astype("str")
    out: dict[str, int] = {
        "inputs": corpus.n_inputs,
        "articles": len(a),
        "rejected": len(corpus.rejected),
        "rejected_no_time": int(reason.str.contains(r"field '[^']*' is ", regex=True).sum()),
        "rejected_too_many_instruments": int(
            reason.str.contains("max_instruments=", regex=False).sum()
        ),
        "rejected_near_duplicate": int(reason.str.contains("near-duplicate of", regex=False).sum()),
        "snapshots": len(corpus.snapshots),
        "articles_without_ticker": int(a["instrument"].isna().sum()),
    }
    for col, prefix in (("feed_format", "format"), ("time_kind", "time_kind")):
        if col in a:
            for k, v in a[col].value_counts().items():
                out[f"{prefix}:{k}"] = int(v)
    return pd.Series(out, name="feed", dtype="int64")

