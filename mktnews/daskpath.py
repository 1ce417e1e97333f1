"""The Dask path: :func:`~mktnews.align_events` and :func:`~mktnews.event_study` on a
:class:`dask.dataframe.DataFrame` of articles (optional extra ``mktnews[dask]``).

A corpus too large for one machine is a Dask frame of articles, usually an events table
(``id``, ``instrument``, ``published_at`` plus any other columns, e.g. read with
``dask.dataframe.read_parquet``). ``align_events`` and ``event_study`` dispatch here when
given one; nothing else changes for the user, and the results equal those of the pandas
path on the same table (``read_articles(table)`` then ``align_events`` /
``event_study``), frame for frame.

How it works
------------
1. **Scan** (one cheap pass over the partitions): the number of rows of each partition
   (so that rows are numbered globally, as the pandas reader numbers them), every
   instrument name with the first and last publication time naming it, and a hash of
   every article id (ids must be unique across partitions). Tables without a text column
   whose time column is already tz-aware are scanned on their raw columns; any other
   table runs :func:`~mktnews.read_articles` and :func:`~mktnews.align_events` on each
   partition with a source that loads nothing.
2. **Prices** are loaded once, on the client, from ``source`` -- for each instrument over
   exactly the range the pandas path would load -- and broadcast to the workers with the
   tasks (a single graph key that each worker fetches once). Workers never touch the data
   source; a symbol the source could not give is broadcast as its error message, so every
   partition records the same ``no_data`` status and ``price_errors`` message.
3. **Kernel**: each partition runs the same vectorised code as the pandas path --
   the reader's table kernel on the partition (with global row numbers) and
   :func:`mktnews.events.align_events` with the broadcast prices. There is no second
   implementation. Where an instrument's ticker boxes are reconciled with the data, the
   partition also gets two invisible marker rows at the instrument's first and last
   publication (removed again) so that its search range is the global one.
4. **Study**: each partition's events are reduced to their distinct study events
   ``(group, symbol, t0)`` with article counts and ids (the engine's own clustering); the
   client merges them across partitions in corpus order (one event even when its
   articles lie in several partitions), runs the engine on the distinct events only
   (small: bounded by instruments x sessions) and restores ``n_articles`` and
   ``article_ids`` of every event. ``results.events`` is a lazy Dask frame (one row per
   article and instrument, as in pandas); compute it or write it with ``to_parquet``
   (:class:`DaskEventStudyResults` writes it with Dask in ``to_parquet``/``to_csv``).

Differences from the pandas path (all raise rather than change results): article ids
repeated across partitions raise :class:`~mktnews.errors.ArticleError` (the pandas reader
renames later repeats ``id#2``, which needs the global order; repeats inside one
partition are renamed as in pandas); table rows the reader rejects raise
:class:`~mktnews.errors.ArticleError` naming the row (the pandas reader moves them to
``Corpus.rejected``; the Dask path never drops rows silently). ``attrs`` of the events
frame (``price_errors`` ...) are not carried by a Dask frame; the study's ``info`` is.

Pointing it at a cluster: create a ``distributed.Client`` before calling (``Client()``
for a local cluster, ``Client("tcp://scheduler:8786")`` for an existing one); mktnews must
be installed on the workers; prices are loaded by the client (it needs the data source).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from mktnews.dispatch import register_frame_backend
from mktnews.errors import (
    ArticleError,
    ConfigurationError,
    InvalidOptionError,
    PriceDataError,
    StudyError,
)
from mktnews.results import EventStudyResults as EventStudyResultsBase

if TYPE_CHECKING:
    from mktnews.articles import Corpus
    from mktnews.instruments import Instrument
    from mktnews.prices.base import PriceSource
    from mktnews.results import EventStudyResults
    from mktnews.spec import StudySpec
    from mktnews.vocab import Interval

__all__ = ["DaskEventStudyResults", "align_events", "event_study", "fit", "is_dask_frame"]

_INAT = np.iinfo(np.int64).min
_ORIGIN = "<DataFrame>"
#: Prefix of the marker rows' article ids (they are checked to be the last rows).
_MARK = "\x00mktnews-dask-marker-"
#: Rows of a table partition that are reported when the reader rejects some.
_SHOW = 5


# ---------------------------------------------------------------------------------------
# detection and options


def is_dask_frame(obj: object) -> bool:
    """Whether ``obj`` is a :class:`dask.dataframe.DataFrame` (without importing dask
    unless the object comes from it)."""
    if not type(obj).__module__.startswith("dask"):
        return False
    import dask.dataframe as dd

    return isinstance(obj, dd.DataFrame)


@dataclass(frozen=True)
class ReadOptions:
    """Options of :func:`mktnews.read_articles` applied to every partition of a table."""

    time_col: str | None = None
    id_col: str | None = None
    text_col: str | None = None
    instrument_col: str | None = None
    tz: str | None = None
    encoding: str | None = None
    outlet: str | None = None

    def table_args(self) -> dict[str, Any]:
        return {
            "text_col": self.text_col,
            "id_col": self.id_col,
            "time_col": self.time_col,
            "instrument_col": self.instrument_col,
        }


def _read_options(
    read_options: ReadOptions | Mapping[str, Any] | None, tz: str | None
) -> ReadOptions:
    if read_options is None:
        opts = ReadOptions()
    elif isinstance(read_options, ReadOptions):
        opts = read_options
    elif isinstance(read_options, Mapping):
        known = {f.name for f in dataclasses.fields(ReadOptions)}
        bad = sorted(str(k) for k in read_options if k not in known)
        if bad:
            raise InvalidOptionError("read_options", bad[0], sorted(known))
        opts = ReadOptions(**dict(read_options))
    else:
        raise InvalidOptionError(
            "read_options", type(read_options).__name__, reason="expected a mapping"
        )
    if tz is not None:
        if opts.tz is not None and opts.tz != tz:
            raise InvalidOptionError(
                "tz", tz, reason=f"read_options names another tz ({opts.tz!r})"
            )
        opts = dataclasses.replace(opts, tz=tz)
    return opts


@dataclass(frozen=True)
class _Layout:
    """The table's columns as the reader detects them."""

    text: Hashable | None
    ident: Hashable | None
    time: Hashable | None
    instrument: Hashable | None
    #: the raw columns can be scanned without the reader (no text, tz-aware times)
    fast: bool


def _layout(meta: pd.DataFrame, opts: ReadOptions, instruments: str | Sequence[str]) -> _Layout:
    from mktnews.articles import (
        ID_COLUMNS,
        INSTRUMENT_COLUMNS,
        TEXT_COLUMNS,
        TIME_COLUMNS,
        find_column,
        read_articles,
    )

    # the reader's own checks of the options and columns, on the empty frame
    read_articles(meta, tz=opts.tz, encoding=opts.encoding, outlet=opts.outlet, **opts.table_args())
    cols = list(meta.columns)
    text = find_column(cols, opts.text_col, TEXT_COLUMNS, "text_col", _ORIGIN)
    ident = find_column(cols, opts.id_col, ID_COLUMNS, "id_col", _ORIGIN)
    time = find_column(cols, opts.time_col, TIME_COLUMNS, "time_col", _ORIGIN)
    inst = find_column(cols, opts.instrument_col, INSTRUMENT_COLUMNS, "instrument_col", _ORIGIN)
    fast = (
        text is None
        and inst is not None
        and time is not None
        and isinstance(meta[time].dtype, pd.DatetimeTZDtype)
        and (instruments == "snapshot" or not isinstance(instruments, str))
    )
    return _Layout(text, ident, time, inst, fast)


# ---------------------------------------------------------------------------------------
# the registry on the workers


def _registry() -> tuple[Instrument, ...]:
    from mktnews import instruments as reg

    return reg.registered_instruments()


def _sync_registry(entries: tuple[Instrument, ...]) -> None:
    """Register on this worker the instruments the client knows (a no-op in the client's
    own process, e.g. with a threaded cluster)."""
    from mktnews import instruments as reg

    for inst in entries:
        same = reg.registered_instrument(inst.symbol) == inst
        if not same:
            reg.register_instrument(
                inst.symbol,
                inst.name,
                aliases=inst.aliases,
                calendar=inst.calendar,
                tz=inst.tz,
                currency=inst.currency,
                kind=inst.kind,
                replace=True,
            )


# ---------------------------------------------------------------------------------------
# the reader on one partition


def _read_part(part: pd.DataFrame, offset: int, opts: ReadOptions) -> Corpus:
    """:func:`mktnews.read_articles` of a table partition, rows numbered from ``offset``
    (so that ids taken from row numbers and ``source`` are those of the whole table)."""
    from mktnews.articles import assemble, table_batch

    batch = table_batch(
        part,
        _ORIGIN,
        rows=range(offset, offset + len(part)),
        encoding=opts.encoding,
        **opts.table_args(),
    )
    return assemble(batch, published_at=None, tz=opts.tz, outlet=opts.outlet)


def _rejected_error(rejected: pd.DataFrame, n_total: int) -> ArticleError:
    shown = "; ".join(f"{s}: {r}" for s, r in rejected.head(_SHOW).itertuples(index=False))
    return ArticleError(
        f"{n_total} row(s) of the articles table cannot be read ({shown}"
        + (" ..." if n_total > _SHOW else "")
        + "). The Dask path does not drop rows: fix or remove them first (mktnews.read_articles "
        "on the pandas rows lists every reason)"
    )


def _id_hashes(ids: pd.Series) -> np.ndarray:
    return np.asarray(
        pd.util.hash_pandas_object(ids.astype("str"), index=False).to_numpy(), dtype=np.uint64
    )


# ---------------------------------------------------------------------------------------
# pass 1: the scan


@dataclass
class _Scan:
    n: int
    names: pd.DataFrame  # name (object), lo, hi (int64 ns; iNaT when no time), printed (bool)
    hashes: np.ndarray  # uint64 of the article ids (empty: ids are row numbers)
    rejected: pd.DataFrame  # source, reason (row numbers local to the partition)
    #: some ids are row numbers (empty id cells): hash them again once offsets are known
    recheck: bool = False


class _NoPrices:
    """A source that has nothing: the scan aligns without loading prices."""

    name = "mktnews-dask-scan"

    def fetch(
        self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: str
    ) -> pd.DataFrame:
        raise PriceDataError(f"{symbol}: not loaded during the scan")


def _names_frame(names: pd.Series, pub: np.ndarray, printed: np.ndarray) -> pd.DataFrame:
    known = pub != _INAT
    df = pd.DataFrame(
        {
            "name": names.reset_index(drop=True),
            "lo": np.where(known, pub, np.iinfo(np.int64).max),
            "hi": pub,
            "printed": printed,
        }
    )
    df = df[pd.notna(df["name"].to_numpy())]
    g = df.groupby("name", sort=False).agg(
        lo=("lo", "min"), hi=("hi", "max"), printed=("printed", "any")
    )
    g["lo"] = np.where(g["lo"].to_numpy() == np.iinfo(np.int64).max, _INAT, g["lo"].to_numpy())
    return g.reset_index()


def _row_number_ids(part: pd.DataFrame, layout: _Layout) -> bool:
    return layout.ident is None and isinstance(part.index, pd.RangeIndex)


def _scan_part(
    part: pd.DataFrame,
    layout: _Layout,
    opts: ReadOptions,
    instruments: str | Sequence[str],
    interval: str,
    registry: tuple[Instrument, ...],
) -> _Scan:
    from mktnews.articles import unique_ids

    _sync_registry(registry)
    n = len(part)
    empty_rej = pd.DataFrame(
        {"source": pd.Series([], dtype="str"), "reason": pd.Series([], dtype="str")}
    )
    if layout.fast:
        assert layout.instrument is not None and layout.time is not None
        raw = part[layout.instrument]
        missing = raw.isna().to_numpy()
        blanks = [v for v in raw.dropna().unique() if isinstance(v, str) and not v.strip()]
        if blanks:
            missing = missing | raw.isin(blanks).to_numpy(dtype=bool)
        if missing.any():  # the reader says why (and whether the row is really rejected)
            return _scan_read(part, layout, opts, instruments, interval)
        t = pd.DatetimeIndex(part[layout.time]).tz_convert("UTC").as_unit("ns")
        pub = t.asi8.copy()
        pub[t.isna()] = _INAT
        if isinstance(instruments, str):
            names = _names_frame(raw.reset_index(drop=True), pub, np.zeros(n, dtype=bool))
        else:
            names = _list_names(instruments, pub)
        if _row_number_ids(part, layout):
            hashes = np.empty(0, np.uint64)
        else:
            ids = (
                _id_column(part[layout.ident])
                if layout.ident is not None
                else pd.Series([str(x) for x in part.index], dtype="str")
            )
            if ids.isna().any():  # the reader numbers these rows: read them
                return _scan_read(part, layout, opts, instruments, interval)
            if ids.duplicated().any():  # renamed id#2 ... as the reader does
                ids = pd.Series(unique_ids(ids.tolist())[0], dtype="str")
            hashes = _id_hashes(ids)
        return _Scan(n, names, hashes, empty_rej)
    return _scan_read(part, layout, opts, instruments, interval)


#: The characters ``str.strip()`` removes (``str.isspace``), for Arrow's trim.
_PY_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _id_column(col: pd.Series) -> pd.Series:
    """The reader's ids of an id column (``articles._id_strings``: stripped strings,
    integral floats without ".0", missing -> <NA>), vectorised for text and integer
    columns."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from mktnews.articles import id_strings

    if isinstance(col.dtype, pd.StringDtype):
        arr = pa.array(col.array).cast(pa.large_string())
        trimmed = pc.utf8_trim(arr, characters=_PY_SPACE)
        blank = pc.equal(pc.utf8_length(trimmed), 0)
        out = pc.if_else(blank, pa.scalar(None, pa.large_string()), trimmed)
        return pd.Series(out.to_pandas(), dtype="str").reset_index(drop=True)
    if pd.api.types.is_integer_dtype(col.dtype) and not col.hasnans:
        return col.astype("str").reset_index(drop=True)
    return pd.Series(id_strings(col), dtype="str")


def _list_names(instruments: Sequence[str], pub: np.ndarray) -> pd.DataFrame:
    known = pub[pub != _INAT]
    lo = int(known.min()) if known.size else _INAT
    hi = int(known.max()) if known.size else _INAT
    names = [str(x) for x in instruments]
    return pd.DataFrame(
        {"name": pd.Series(names, dtype=object), "lo": lo, "hi": hi, "printed": False}
    )


def _scan_read(
    part: pd.DataFrame,
    layout: _Layout,
    opts: ReadOptions,
    instruments: str | Sequence[str],
    interval: str,
) -> _Scan:
    """Scan through the kernel itself: read the partition and align it without prices."""
    from mktnews.events import align_events as _align

    corpus = _read_part(part, 0, opts)
    ev = _align(corpus, source=_NoPrices(), interval=interval, instruments=instruments)  # type: ignore[arg-type]
    pub = pd.DatetimeIndex(ev["published_at"]).as_unit("ns")
    pub_ns = pub.asi8.copy()
    pub_ns[pub.isna()] = _INAT
    printed = (
        ev["snapshot_change"].notna() | ev["snapshot_pct"].notna() | ev["snapshot_level"].notna()
    ).to_numpy(dtype=bool)
    names = _names_frame(ev["instrument"], pub_ns, printed)
    recheck = False
    if _row_number_ids(part, layout):
        hashes = np.empty(0, np.uint64)
    else:
        hashes = _id_hashes(corpus.articles["article_id"])
        # empty id cells take the row number, which is only known with the offset
        recheck = layout.ident is not None and bool(_id_column(part[layout.ident]).isna().any())
    return _Scan(len(part), names, hashes, corpus.rejected, recheck)


def _final_id_hashes(part: pd.DataFrame, offset: int, opts: ReadOptions) -> np.ndarray:
    return _id_hashes(_read_part(part, offset, opts).articles["article_id"])


# ---------------------------------------------------------------------------------------
# prices, loaded on the client


@dataclass(frozen=True)
class _BroadcastSource:
    """What the workers use as ``source``: the client's daily frames (for the box check of
    intraday studies) and the client's load errors. It never loads anything."""

    name: str
    daily: Mapping[str, pd.DataFrame]
    failed: Mapping[tuple[str, str], str]

    def fetch(
        self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: str
    ) -> pd.DataFrame:
        msg = self.failed.get((symbol, interval))
        if msg is not None:
            raise PriceDataError(msg)
        if interval == "1d" and symbol in self.daily:
            return self.daily[symbol]
        # a bug, not a data problem: it must not become a silent "no_data" status
        raise RuntimeError(
            f"mktnews Dask path: {symbol!r} ({interval}) was requested on a worker but not "
            "loaded on the client"
        )


@dataclass(frozen=True)
class _Payload:
    """Everything a partition task needs besides its rows (broadcast once per worker)."""

    opts: ReadOptions
    interval: str
    instruments: str | tuple[str, ...]
    prices: Mapping[str, pd.DataFrame]
    source: _BroadcastSource
    markers: pd.DataFrame  # symbol, at (int64 ns), printed (bool)
    registry: tuple[Instrument, ...]
    instrument_col: Hashable | None


def _given_name(name: object) -> object:
    """A table's instrument value as the reader keeps it."""
    if isinstance(name, str):
        return " ".join(name.split()) or None
    return None if pd.isna(name) else str(name)  # type: ignore[call-overload]


def _load(
    scans: Sequence[_Scan],
    source: PriceSource | None,
    interval: str,
    prices: Mapping[str, pd.DataFrame] | None,
    opts: ReadOptions,
    instruments: str | Sequence[str],
    layout: _Layout,
) -> _Payload:
    """Per symbol: the publication range, then the prices the pandas path would load."""
    from mktnews.events import DAILY_MARGIN, INTRADAY_MARGIN
    from mktnews.prices.base import default_source, load_prices

    names = pd.concat([s.names for s in scans], ignore_index=True)
    if layout.fast:
        given = [_given_name(x) for x in names["name"].tolist()]
        names["name"] = pd.Series(given, index=names.index, dtype=object)
        names = names[names["name"].notna()]
    from mktnews.events import resolve_box_name  # the resolution align_events uses

    syms = [None if (r := resolve_box_name(x, prices)) is None else r.symbol for x in names["name"]]
    names = names.assign(symbol=pd.Series(syms, index=names.index, dtype=object))
    names = names[names["symbol"].notna()]
    lo = names["lo"].to_numpy()
    names = names.assign(lo=np.where(lo == _INAT, np.iinfo(np.int64).max, lo))
    per = names.groupby("symbol", sort=True).agg(
        lo=("lo", "min"), hi=("hi", "max"), printed=("printed", "any")
    )
    src = source if source is not None else default_source()
    intraday = interval != "1d"
    loaded: dict[str, pd.DataFrame] = {}
    daily: dict[str, pd.DataFrame] = {}
    failed: dict[tuple[str, str], str] = {}
    markers = []
    for sym, row in per.iterrows():  # loop per instrument
        symbol = str(sym)
        if int(row["hi"]) == _INAT:  # no publication time: nothing is loaded
            continue
        first = pd.Timestamp(int(row["lo"]), tz="UTC")
        last = pd.Timestamp(int(row["hi"]), tz="UTC")
        printed = bool(row["printed"])
        if printed:
            markers.append((symbol, first.value, printed))
            markers.append((symbol, last.value, printed))
        if not intraday or printed:
            dlo = (first - DAILY_MARGIN).tz_localize(None).normalize()
            dhi = (last + DAILY_MARGIN).tz_localize(None).normalize()
            target = loaded if not intraday else daily
            if not intraday and prices is not None and symbol in prices:
                loaded[symbol] = prices[symbol]
            else:
                try:
                    target[symbol] = load_prices(symbol, dlo, dhi, interval="1d", source=src)
                except PriceDataError as exc:
                    failed[(symbol, "1d")] = str(exc)
        if intraday:
            if prices is not None and symbol in prices:
                loaded[symbol] = prices[symbol]
            else:
                try:
                    loaded[symbol] = load_prices(
                        symbol,
                        first - INTRADAY_MARGIN,
                        last + INTRADAY_MARGIN,
                        interval=cast("Interval", interval),
                        source=src,
                    )
                except PriceDataError as exc:
                    failed[(symbol, interval)] = str(exc)
    if prices is not None:  # unused user frames are passed on as the pandas path does
        for k, v in prices.items():
            loaded.setdefault(str(k), v)
    mk = pd.DataFrame(markers, columns=["symbol", "at", "printed"]).astype(
        {"symbol": object, "at": np.int64, "printed": bool}
    )
    return _Payload(
        opts=opts,
        interval=interval,
        instruments=instruments
        if isinstance(instruments, str)
        else tuple(str(x) for x in instruments),
        prices=loaded,
        source=_BroadcastSource(str(getattr(src, "name", type(src).__name__)), daily, failed),
        markers=mk,
        registry=_registry(),
        instrument_col=layout.instrument,
    )


# ---------------------------------------------------------------------------------------
# pass 2: the kernel on each partition


def _with_markers(corpus: Corpus, payload: _Payload) -> tuple[Corpus, int]:
    """The corpus plus the marker articles (first and last publication of every
    instrument whose boxes are checked), which widen each instrument's search range to
    the whole table's. Returns the corpus and the number of real articles."""
    from mktnews.articles import Corpus

    arts = corpus.articles
    n = len(arts)
    mk = payload.markers
    if n == 0 or len(mk) == 0:
        return corpus, n
    k = len(mk)
    add = arts.iloc[np.zeros(k, dtype=np.int64)].reset_index(drop=True)
    add["article_id"] = pd.Series([f"{_MARK}{j}" for j in range(k)], dtype="str")
    add["published_at"] = pd.Series(
        pd.DatetimeIndex(mk["at"].to_numpy().view("M8[ns]")).tz_localize("UTC")
    )
    add["instrument"] = pd.Series(mk["symbol"].to_numpy(), dtype="str")
    add["snapshot_change"] = np.nan
    add["snapshot_pct"] = np.nan
    # intraday: a printed number makes the worker load the daily bars as the table does
    add["snapshot_level"] = np.where(
        mk["printed"].to_numpy() & (payload.interval != "1d"), 1.0, np.nan
    )
    add["snapshot_raw"] = pd.Series([None] * k, dtype="str")
    if isinstance(payload.instruments, str) and payload.instruments != "snapshot":
        add[payload.instruments] = mk["symbol"].to_numpy()
    out = pd.concat([arts, add], ignore_index=True)
    return Corpus(out, corpus.snapshots, corpus.rejected, corpus.n_inputs + k), n


def _align_part(part: pd.DataFrame, offset: int, payload: _Payload) -> pd.DataFrame:
    """Events of one partition: the reader's kernel, then ``align_events`` with the
    broadcast prices."""
    from mktnews.events import align_events as _align

    _sync_registry(payload.registry)
    corpus = _read_part(part, offset, payload.opts)
    if len(corpus.rejected):
        raise _rejected_error(corpus.rejected, len(corpus.rejected))
    corpus, n_real = _with_markers(corpus, payload)
    ev = _align(
        corpus,
        source=payload.source,  # type: ignore[arg-type]
        interval=payload.interval,  # type: ignore[arg-type]
        instruments=payload.instruments,
        prices=payload.prices,
    )
    if len(corpus.articles) > n_real:  # drop the marker rows (they come last)
        is_mark = ev["article_id"].str.startswith(_MARK).fillna(False).to_numpy(dtype=bool)
        m = int(np.argmax(is_mark)) if is_mark.any() else len(ev)
        if is_mark[:m].any() or not is_mark[m:].all():  # pragma: no cover - a kernel change
            raise RuntimeError("mktnews Dask path: marker rows are not the last events rows")
        ev = ev.iloc[:m]
    return ev


@dataclass
class _Aligned:
    """Lazy events of a table: one delayed pandas events frame per partition."""

    parts: list[Any]
    meta: pd.DataFrame
    interval: str
    n_rows: int


def _prepare(
    articles: Any,
    *,
    source: PriceSource | None,
    interval: str,
    instruments: str | Sequence[str],
    tz: str | None,
    prices: Mapping[str, pd.DataFrame] | None,
    read_options: ReadOptions | Mapping[str, Any] | None,
) -> _Aligned:
    import dask
    from dask import delayed

    from mktnews.vocab import Interval, check_option

    check_option("interval", interval, Interval)
    if not isinstance(instruments, str):
        instruments = [str(x) for x in instruments]
        if not instruments:
            raise InvalidOptionError("instruments", instruments, reason="the list is empty")
    opts = _read_options(read_options, tz)
    meta_in: pd.DataFrame = articles._meta
    layout = _layout(meta_in, opts, instruments)
    parts = articles.to_delayed()
    registry = _registry()
    scans: tuple[_Scan, ...] = dask.compute(
        *[delayed(_scan_part)(p, layout, opts, instruments, interval, registry) for p in parts]
    )
    offsets = np.concatenate([[0], np.cumsum([s.n for s in scans])]).astype(np.int64)
    # rows the reader rejects: raise now, with the rows of the whole table
    rej = [
        s.rejected.assign(source=[_global_source(x, int(offsets[i])) for x in s.rejected["source"]])
        for i, s in enumerate(scans)
        if len(s.rejected)
    ]
    if rej:
        allrej = pd.concat(rej, ignore_index=True)
        raise _rejected_error(allrej, len(allrej))
    _check_unique_ids(scans, parts, layout, opts, offsets)
    payload = _load(scans, source, interval, prices, opts, instruments, layout)
    meta = _align_part(meta_in.iloc[:0], 0, payload)
    shared = delayed(payload, pure=True, traverse=False)
    aligned = [delayed(_align_part)(p, int(offsets[i]), shared) for i, p in enumerate(parts)]
    return _Aligned(aligned, meta, interval, int(offsets[-1]))


def _global_source(src: str, offset: int) -> str:
    head, _, num = str(src).rpartition(":")
    return f"{head}:{int(num) + offset}" if num.isdigit() else str(src)


def _suspects(hashes: Sequence[np.ndarray]) -> tuple[np.ndarray, list[int]]:
    """Hashes found in more than one partition, and the partitions that hold them.

    Each partition's hashes are of distinct values, so a repeated hash is a value in two
    partitions or (rarely) a collision: callers confirm with the values themselves."""
    allh = np.concatenate(list(hashes)) if len(hashes) else np.empty(0, np.uint64)
    if len(allh) < 2:
        return np.empty(0, np.uint64), []
    srt = np.sort(allh)
    rep = srt[1:][srt[1:] == srt[:-1]]
    if rep.size == 0:
        return np.empty(0, np.uint64), []
    sus = np.unique(rep)
    return sus, [i for i, h in enumerate(hashes) if len(h) and bool(np.isin(h, sus).any())]


def _check_unique_ids(
    scans: Sequence[_Scan],
    parts: Sequence[Any],
    layout: _Layout,
    opts: ReadOptions,
    offsets: np.ndarray,
) -> None:
    """Article ids repeated across partitions raise (hashes first, exact ids to confirm)."""
    import dask
    from dask import delayed

    hashes = [s.hashes for s in scans]
    redo = [i for i, s in enumerate(scans) if s.recheck]
    if redo:  # partitions with empty id cells: their ids with the table's row numbers
        again = dask.compute(
            *[delayed(_final_id_hashes)(parts[i], int(offsets[i]), opts) for i in redo]
        )
        for i, h in zip(redo, again, strict=True):
            hashes[i] = h
    suspects, involved = _suspects(hashes)
    if not involved:
        return
    found = dask.compute(
        *[delayed(_ids_with_hashes)(parts[i], int(offsets[i]), opts, suspects) for i in involved]
    )
    seen: dict[str, int] = {}
    for i, ids in zip(involved, found, strict=True):
        for x in ids:
            if x in seen and seen[x] != i:
                raise ArticleError(
                    f"article id {x!r} appears in partitions {seen[x]} and {i} of the table: "
                    "the Dask path needs article ids that are unique across partitions (the "
                    f"pandas reader renames later repeats {x + '#2'!r}, which needs the "
                    "whole table's order); make the id column unique"
                )
            seen.setdefault(x, i)


def _ids_with_hashes(
    part: pd.DataFrame, offset: int, opts: ReadOptions, wanted: np.ndarray
) -> list[str]:
    ids = _read_part(part, offset, opts).articles["article_id"].astype("str")
    keep = np.isin(_id_hashes(ids), wanted)
    return [str(x) for x in ids[keep].tolist()]


def _from_parts(parts: Sequence[Any], meta: pd.DataFrame) -> Any:
    """A Dask frame of delayed pandas frames, dtypes exactly as the kernel makes them
    (Dask's conversion of text columns to its own string dtype is switched off)."""
    import dask
    import dask.dataframe as dd

    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_delayed(list(parts), meta=meta, verify_meta=False)


# ---------------------------------------------------------------------------------------
# public: align_events


def align_events(
    articles: Any,
    *,
    source: PriceSource | None = None,
    interval: str = "1d",
    instruments: str | Sequence[str] = "snapshot",
    tz: str | None = None,
    prices: Mapping[str, pd.DataFrame] | None = None,
    read_options: ReadOptions | Mapping[str, Any] | None = None,
) -> Any:
    """:func:`mktnews.align_events` for a Dask frame of articles: a lazy Dask events frame.

    Parameters
    ----------
    articles : dask.dataframe.DataFrame
        A table of articles or events, as :func:`mktnews.read_articles` reads a pandas
        frame (columns detected the same way: ``id``/``article_id``, ``instrument``,
        ``published_at``, optionally ``text``; other columns are carried).
    source, interval, instruments, prices
        As for :func:`mktnews.align_events`. Prices are loaded once, on the client, and
        broadcast to the workers.
    tz : str, optional
        Time zone of naive publication times in the table.
    read_options : mapping, optional
        Further :func:`mktnews.read_articles` options for every partition: ``time_col``,
        ``id_col``, ``text_col``, ``instrument_col``, ``encoding``, ``outlet``.

    Returns
    -------
    dask.dataframe.DataFrame
        The events frame, partition by partition (each partition's index starts at 0);
        ``.compute()`` gives the rows of the pandas path in the same order.

    Raises
    ------
    ArticleError
        For article ids repeated across partitions and for rows the reader rejects.
    """

    al = _prepare(
        articles,
        source=source,
        interval=interval,
        instruments=instruments,
        tz=tz,
        prices=prices,
        read_options=read_options,
    )
    return _from_parts(al.parts, al.meta)


# ---------------------------------------------------------------------------------------
# public: event_study


@dataclass
class _Partial:
    """One partition's contribution to the study: its distinct events and counts."""

    table: (
        pd.DataFrame
    )  # the engine's clusters + part, first_row, first event/article id, group_by columns
    n_rows: int
    n_usable: int
    n_articles: int
    status: dict[str, int]
    placebo: pd.DataFrame  # symbol, t0_ns of unusable rows with a day 0
    event_hashes: np.ndarray
    article_hashes: np.ndarray
    interval: str | None
    columns: list[str] = field(default_factory=list)


def _usable(ev: pd.DataFrame, t0ns: np.ndarray) -> np.ndarray:
    return np.asarray(
        (ev["status"].astype("str") == "ok").fillna(False).to_numpy(dtype=bool)
        & ev["symbol"].notna().to_numpy()
        & (t0ns != _INAT)
    )


def _partial(ev: pd.DataFrame, part_no: int, spec: StudySpec, check_ids: bool) -> _Partial:
    from mktnews.study import cluster_events, group_labels, study_events_frame, t0_ns

    ev = ev.reset_index(drop=True)
    unknown = ev["symbol"].isna().to_numpy()
    if check_ids or ev["event_id"][unknown].duplicated().any():
        ev = study_events_frame(ev, spec, None)  # a user's events frame: every check of the engine
    else:
        # align_events' rows: "article|symbol" is unique once the article ids are, except
        # for a name without a symbol printed twice in one box (checked above)
        study_events_frame(ev.iloc[:0], spec, None)  # columns and dtypes
    groups = group_labels(ev, spec.group_by)
    t0ns = t0_ns(ev["t0"], spec.intraday)
    cl = cluster_events(ev, groups, t0ns, spec)
    rev = cl.row_event
    used = np.flatnonzero(rev >= 0)
    first = np.empty(len(cl.table), dtype=np.int64)
    first[rev[used][::-1]] = used[::-1]  # first row of each local event
    tab = cl.table.drop(columns=["event_id", "t0"]).assign(
        part=np.full(len(first), part_no, dtype=np.int64),
        first_row=first.astype(np.int64),
        first_event_id=ev["event_id"].astype("str").iloc[first].to_numpy(),
        first_article_id=ev["article_id"].astype("str").iloc[first].to_numpy(),
    )
    for c in spec.group_by or ():
        if c not in ("event_id", "article_id", "symbol", "t0", "status"):
            tab[f"gb:{c}"] = ev[c].iloc[first].reset_index(drop=True)
    if spec.placebo:
        has = ev["symbol"].notna().to_numpy() & (t0ns != _INAT) & (rev < 0)
        plc = pd.DataFrame(
            {"symbol": ev["symbol"].astype("str").to_numpy(dtype=object)[has], "t0_ns": t0ns[has]}
        ).drop_duplicates(ignore_index=True)
    else:
        plc = pd.DataFrame({"symbol": pd.Series([], dtype=object), "t0_ns": np.empty(0, np.int64)})
    status = ev["status"].astype("str").fillna("<NA>").value_counts()
    arts = ev["article_id"].astype("str")
    if check_ids:  # a user's events frame: any order
        uniq_arts = pd.Series(arts.unique(), dtype="str")
        n_articles = len(uniq_arts)
    else:  # align_events' rows: an article's rows are consecutive
        a = arts.to_numpy(dtype=object)
        n_articles = int((a[1:] != a[:-1]).sum()) + 1 if len(a) else 0
        uniq_arts = pd.Series([], dtype="str")
    return _Partial(
        table=tab,
        n_rows=len(ev),
        n_usable=len(used),
        n_articles=n_articles,
        status={str(k): int(v) for k, v in status.items()},
        placebo=plc,
        event_hashes=_id_hashes(ev["event_id"]) if check_ids else np.empty(0, np.uint64),
        article_hashes=_id_hashes(uniq_arts) if check_ids else np.empty(0, np.uint64),
        interval=ev.attrs.get("interval"),
        columns=[str(c) for c in ev.columns],
    )


def _cross_partition_values(
    hashes: list[np.ndarray], parts: Sequence[Any], column: str
) -> dict[str, list[int]]:
    """Values of ``column`` present in more than one partition: value -> partitions."""
    import dask
    from dask import delayed

    suspects, involved = _suspects(hashes)
    if not involved:
        return {}
    found = dask.compute(
        *[delayed(_values_with_hashes)(parts[i], column, suspects) for i in involved]
    )
    where: dict[str, list[int]] = {}
    for i, vals in zip(involved, found, strict=True):
        for v in vals:
            where.setdefault(v, []).append(int(i))
    return {v: ps for v, ps in where.items() if len(ps) > 1}


def _values_with_hashes(ev: pd.DataFrame, column: str, wanted: np.ndarray) -> list[str]:
    vals = pd.Series(ev[column].astype("str").unique(), dtype="str")
    return [str(x) for x in vals[np.isin(_id_hashes(vals), wanted)].tolist()]


def _has_event_columns(frame: Any) -> bool:
    from mktnews.study import REQUIRED_EVENT_COLUMNS

    return all(c in frame.columns for c in REQUIRED_EVENT_COLUMNS)


def event_study(
    data: Any,
    *,
    source: PriceSource | None = None,
    tz: str | None = None,
    instruments: str | Sequence[str] = "snapshot",
    prices: Mapping[str, pd.DataFrame] | None = None,
    read_options: ReadOptions | Mapping[str, Any] | None = None,
    **options: Any,
) -> EventStudyResults:
    """:func:`mktnews.event_study` for a Dask frame of articles or of events.

    Parameters
    ----------
    data : dask.dataframe.DataFrame
        A table of articles/events (aligned here, see :func:`align_events`) or an events
        frame as :func:`align_events` returns it (it has ``event_id, article_id, symbol,
        t0, status``).
    source : PriceSource, optional
        Where prices come from; read on the client only.
    tz, instruments, prices, read_options
        Alignment options (see :func:`align_events`).
    **options
        The options of :func:`mktnews.event_study` (defaults and validation in
        :mod:`mktnews.spec`).

    Returns
    -------
    EventStudyResults
        Equal to the pandas path's; ``events`` is a lazy Dask frame.
    """
    from mktnews.spec import validate_spec

    spec = validate_spec(**options)
    _check_dask_spec(spec)
    return fit(
        spec, data, source, tz=tz, instruments=instruments, prices=prices, read_options=read_options
    )


def _check_dask_spec(spec: StudySpec) -> None:
    """Refuse the options the Dask path does not support."""
    if spec.sign_col is not None:
        raise ConfigurationError(
            f"sign_col={spec.sign_col!r} is not supported on Dask frames: compute() the "
            "frame to pandas first, or study without sign_col"
        )


def _returns_only(spec: StudySpec) -> None:
    """Refuse a measure other than returns (:mod:`mktnews.measures`) on Dask frames."""
    if spec.measure != "returns":
        raise ConfigurationError(
            f"measure={spec.measure!r} is not available on Dask frames yet: compute the "
            "events frame (ddf.compute()) and pass the pandas frame"
        )


def fit(
    spec: StudySpec,
    data: Any,
    source: PriceSource | None,
    *,
    tz: str | None = None,
    instruments: str | Sequence[str] = "snapshot",
    prices: Mapping[str, pd.DataFrame] | None = None,
    read_options: ReadOptions | Mapping[str, Any] | None = None,
) -> EventStudyResults:
    """Compute a validated study (``EventStudy.fit``) on a Dask frame."""
    _returns_only(spec)
    import dask
    from dask import delayed

    from mktnews.study import run_study

    if _has_event_columns(data):
        parts: list[Any] = list(data.to_delayed())
        meta: pd.DataFrame = data._meta
        check_ids = True
    else:
        al = _prepare(
            data,
            source=source,
            interval=spec.interval,
            instruments=instruments,
            tz=tz,
            prices=prices,
            read_options=read_options,
        )
        parts, meta, check_ids = al.parts, al.meta, False
    partials: tuple[_Partial, ...] = dask.compute(
        *[delayed(_partial)(p, i, spec, check_ids) for i, p in enumerate(parts)]
    )
    n_articles = sum(p.n_articles for p in partials)
    if check_ids:
        dup_ev = _cross_partition_values([p.event_hashes for p in partials], parts, "event_id")
        if dup_ev:
            dup, where = next(iter(dup_ev.items()))
            raise InvalidOptionError(
                "corpus_or_events",
                "DataFrame",
                reason=f"event_id {dup!r} is duplicated (partitions {where[0]} and {where[1]})",
            )
        shared = _cross_partition_values([p.article_hashes for p in partials], parts, "article_id")
        n_articles -= sum(len(ps) - 1 for ps in shared.values())
    merged = _merge(partials, spec)
    status_all: dict[str, int] = {}
    for p in partials:
        for k, v in p.status.items():
            status_all[k] = status_all.get(k, 0) + v
    row_status = dict(sorted(status_all.items(), key=lambda kv: -kv[1]))
    if merged.n_events == 0:
        from mktnews.study import no_event_message

        raise StudyError(no_event_message(row_status))
    res = run_study(spec, merged.frame, source)
    params = res._params.copy()
    if (
        len(params) != merged.n_events
        or not (params["event_id"].astype("str").to_numpy() == merged.study_ids).all()
    ):
        raise RuntimeError("mktnews Dask path: the engine's events are not the merged events")
    params["n_articles"] = merged.counts
    params["article_ids"] = merged.article_ids
    car = res._car.copy()
    at = pd.Index(params["event_id"]).get_indexer(car["event_id"])
    car["n_articles"] = merged.counts[at]
    lookup = pd.DataFrame(
        {
            "group": merged.groups,
            "symbol": merged.symbols,
            "t0_ns": merged.t0_ns,
            "event_id": merged.first_event_ids,
            "study_event_id": params["event_id"].astype("str").to_numpy(dtype=object),
            "stat_status": params["status"].astype("str").to_numpy(dtype=object),
        }
    )
    shared_lookup = delayed(lookup, pure=True, traverse=False)
    annotated = [delayed(_annotate)(p, shared_lookup, spec) for p in parts]
    ev_meta = _annotate(meta.iloc[:0], lookup.iloc[:0], spec)
    for c in ev_meta.columns[len(meta.columns) :]:  # labels of an empty frame have no dtype
        ev_meta[c] = ev_meta[c].astype("str")
    events = _from_parts(annotated, ev_meta)
    info = dict(res.info)
    info.update(
        n_rows=sum(p.n_rows for p in partials),
        n_articles=int(n_articles),
        n_usable_rows=sum(p.n_usable for p in partials),
        row_status=(
            MappingProxyType(row_status)
            if isinstance(info.get("row_status"), MappingProxyType)
            else row_status
        ),
    )
    fields = {f.name: getattr(res, f.name) for f in dataclasses.fields(res)}
    fields.update(_events=events, _params=params, _car=car, info=MappingProxyType(info))
    fields["_day0"] = None  # the day-0 split is not computed on Dask frames (res.day0 is empty)
    return DaskEventStudyResults(**fields)


@dataclass(frozen=True, repr=False)
class DaskEventStudyResults(EventStudyResultsBase):
    """:class:`~mktnews.results.EventStudyResults` of a Dask corpus: every frame is pandas
    except ``events`` (one row per article and instrument), a lazy Dask frame.

    ``to_parquet`` writes ``events.parquet`` as a Parquet dataset (a folder of one file per
    partition, which ``pandas.read_parquet`` reads as one frame); ``to_csv`` writes
    ``events.csv`` as a single file. The other files are those of the pandas results.
    """

    def _meta_events(self) -> pd.DataFrame:
        meta: pd.DataFrame = getattr(self._events, "_meta")  # noqa: B009 - the empty frame
        return meta

    def to_parquet(self, path: str | Path) -> Path:
        folder = EventStudyResultsBase.to_parquet(
            dataclasses.replace(self, _events=self._meta_events()), path
        )
        target = folder / "events.parquet"
        target.unlink()
        events: Any = self._events  # a Dask frame
        events.to_parquet(str(target), write_index=False)
        return folder

    def to_csv(self, path: str | Path) -> Path:
        folder = EventStudyResultsBase.to_csv(
            dataclasses.replace(self, _events=self._meta_events()), path
        )
        events: Any = self._events  # a Dask frame
        events.to_csv(str(folder / "events.csv"), single_file=True, index=False)
        return folder


@dataclass
class _Merged:
    frame: pd.DataFrame  # the events the engine runs on (one per study event, + placebo rows)
    n_events: int
    counts: np.ndarray
    article_ids: pd.Series
    study_ids: np.ndarray  # the engine's event ids expected (checked)
    groups: np.ndarray
    symbols: np.ndarray
    t0_ns: np.ndarray
    first_event_ids: np.ndarray


def _merge(partials: Sequence[_Partial], spec: StudySpec) -> _Merged:
    """The study events of the whole table, in corpus order of their first article."""
    import pyarrow as pa

    from mktnews.study import t0_index

    tabs = [p.table for p in partials if len(p.table)]
    gb_cols = [
        c
        for c in (spec.group_by or ())
        if c not in ("event_id", "article_id", "symbol", "t0", "status")
    ]
    if not tabs:
        return _Merged(
            pd.DataFrame(),
            0,
            np.empty(0, np.int64),
            pd.Series([], dtype=object),
            np.empty(0, dtype=object),
            np.empty(0, dtype=object),
            np.empty(0, dtype=object),
            np.empty(0, np.int64),
            np.empty(0, dtype=object),
        )
    # the article id lists stay Arrow arrays, one per partition: (flat ids, list lengths)
    flats, lengths = [], []
    for tab in tabs:
        lists = pa.chunked_array(tab["article_ids"].array._pa_array).combine_chunks()
        flats.append(lists.flatten())
        lengths.append(tab["n_articles"].to_numpy(dtype=np.int64))
    t = pd.concat([tab.drop(columns=["article_ids"]) for tab in tabs], ignore_index=True)
    length = np.concatenate(lengths)
    start = np.concatenate([[0], np.cumsum(length)[:-1]]).astype(np.int64)  # in the flat ids
    perm = np.lexsort((t["first_row"].to_numpy(), t["part"].to_numpy()))  # corpus order
    t = t.iloc[perm].reset_index(drop=True)
    length, start = length[perm], start[perm]
    if spec.collapse:
        code = t.groupby(["group", "symbol", "t0_ns"], sort=False).ngroup().to_numpy()
    else:
        code = np.arange(len(t), dtype=np.int64)
    n_ev = int(code.max()) + 1
    first = np.full(n_ev, -1, dtype=np.int64)
    rows = np.arange(len(t))
    first[code[::-1]] = rows[::-1]  # first row of each event
    counts = np.bincount(code, weights=length, minlength=n_ev).astype(np.int64)
    # article ids of each event: its partitions' lists one after the other, in corpus order
    order = np.argsort(code, kind="stable")
    ln, st = length[order], start[order]
    total = int(ln.sum())
    pos = np.repeat(st - np.concatenate([[0], np.cumsum(ln)[:-1]]), ln) + np.arange(total)
    flat = pa.concat_arrays([f.cast(pa.string()) for f in flats]).take(pa.array(pos))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    article_ids = pd.Series(
        pd.arrays.ArrowExtensionArray(pa.ListArray.from_arrays(pa.array(offsets), flat))
    )
    ft = t.iloc[first].reset_index(drop=True)
    t0 = ft["t0_ns"].to_numpy(dtype=np.int64)
    frame = pd.DataFrame(
        {
            "event_id": pd.Series(ft["first_event_id"].to_numpy(), dtype="str"),
            "article_id": pd.Series(ft["first_article_id"].to_numpy(), dtype="str"),
            "symbol": pd.Series(ft["symbol"].to_numpy(), dtype="str"),
            "t0": pd.Series(t0_index(t0, spec.intraday)),
            "status": pd.Series(["ok"] * n_ev, dtype="str"),
        }
    )
    for c in gb_cols:  # the first article's values give the event's group label
        frame[c] = ft[f"gb:{c}"].reset_index(drop=True)
    frame = _with_placebo_rows(frame, partials, gb_cols, spec)
    interval = next((p.interval for p in partials if p.interval is not None), None)
    frame.attrs = {"interval": interval} if interval is not None else {}
    sid = _study_ids(ft, t0, spec)
    return _Merged(
        frame=frame,
        n_events=n_ev,
        counts=counts,
        article_ids=article_ids,
        study_ids=sid,
        groups=ft["group"].astype(str).to_numpy(dtype=object),
        symbols=ft["symbol"].astype(str).to_numpy(dtype=object),
        t0_ns=t0,
        first_event_ids=ft["first_event_id"].astype(str).to_numpy(dtype=object),
    )


def _with_placebo_rows(
    frame: pd.DataFrame, partials: Sequence[_Partial], gb_cols: list[str], spec: StudySpec
) -> pd.DataFrame:
    """The events frame plus one ``not_used`` row per (symbol, day 0) of unusable rows
    (the placebo excludes their spans, as the pandas engine does)."""
    from mktnews.study import t0_index

    plc = pd.concat([p.placebo for p in partials], ignore_index=True).drop_duplicates(
        ignore_index=True
    )
    if len(plc):
        k = len(plc)
        extra = pd.DataFrame(
            {
                "event_id": pd.Series([f"{_MARK}placebo-{j}" for j in range(k)], dtype="str"),
                "article_id": pd.Series([f"{_MARK}placebo-{j}" for j in range(k)], dtype="str"),
                "symbol": pd.Series(plc["symbol"].to_numpy(), dtype="str"),
                "t0": pd.Series(t0_index(plc["t0_ns"].to_numpy(dtype=np.int64), spec.intraday)),
                "status": pd.Series(["not_used"] * k, dtype="str"),
            }
        )
        for c in gb_cols:  # any value of the column's dtype: these rows are never used
            extra[c] = frame[c].iloc[np.zeros(k, dtype=np.int64)].reset_index(drop=True)
        frame = pd.concat([frame, extra], ignore_index=True)
    return frame


def _study_ids(ft: pd.DataFrame, t0: np.ndarray, spec: StudySpec) -> np.ndarray:
    """The engine's event ids of the merged events (first rows ``ft``, day 0 ``t0``)."""
    # the engine names collapsed events symbol@t0(|group); uncollapsed ones keep event_id
    if spec.collapse:
        unit = "s" if spec.intraday else "D"
        stamp = np.datetime_as_string(t0.view("datetime64[ns]"), unit=unit)  # type: ignore[call-overload]
        sfx = "+00:00" if spec.intraday else ""
        sid = ft["symbol"].astype(str).to_numpy(dtype=object) + "@" + stamp.astype(object) + sfx
        if spec.group_by is not None:
            sid = sid + "|" + ft["group"].astype(str).to_numpy(dtype=object)
    else:
        sid = ft["first_event_id"].astype(str).to_numpy(dtype=object)
    return np.asarray(sid, dtype=object)


def _annotate(ev: pd.DataFrame, lookup: pd.DataFrame, spec: StudySpec) -> pd.DataFrame:
    """One partition of ``results.events``: the events plus ``group``, ``study_event_id``
    and ``stat_status``, as the engine annotates the whole frame."""
    from mktnews.study import group_labels, t0_ns

    groups = group_labels(ev, spec.group_by)
    t0ns = t0_ns(ev["t0"], spec.intraday)
    usable = _usable(ev, t0ns)
    if spec.collapse:
        keys = pd.MultiIndex.from_arrays(
            [
                lookup["group"].to_numpy(dtype=object),
                lookup["symbol"].to_numpy(dtype=object),
                lookup["t0_ns"].to_numpy(dtype=np.int64),
            ]
        )
        want = pd.MultiIndex.from_arrays(
            [
                groups.astype(str).to_numpy(dtype=object),
                ev["symbol"].astype("str").to_numpy(dtype=object),
                t0ns,
            ]
        )
        at = keys.get_indexer(want)
    else:
        at = pd.Index(lookup["event_id"].to_numpy(dtype=object)).get_indexer(
            ev["event_id"].astype("str").to_numpy(dtype=object)
        )
    at = np.where(usable, at, -1)
    status_in = ev["status"].astype("str").fillna("<NA>").to_numpy(dtype=object)
    sid = lookup["study_event_id"].to_numpy(dtype=object)
    sst = lookup["stat_status"].to_numpy(dtype=object)
    has = at >= 0
    study_id = np.full(len(ev), None, dtype=object)
    study_id[has] = sid[at[has]]
    stat = status_in.copy()
    stat[has] = sst[at[has]]
    out = ev.copy(deep=False)  # copy-on-write keeps the partition and this frame apart
    gcol = "group" if "group" not in out.columns or spec.group_by == ("group",) else "study_group"
    out[gcol] = groups.to_numpy()
    out["study_event_id"] = pd.Series(study_id, index=out.index, dtype="str")
    out["stat_status"] = pd.Series(stat, index=out.index, dtype="str")
    return out


class _DaskBackend:
    """This module as a :class:`mktnews.dispatch.FrameBackend` (registered on import)."""

    def is_frame(self, obj: object) -> bool:
        return is_dask_frame(obj)

    def align_events(self, articles: Any, **options: Any) -> Any:
        return align_events(articles, **options)

    def fit(self, spec: Any, data: Any, source: Any) -> Any:
        _check_dask_spec(spec)
        return fit(spec, data, source)


register_frame_backend(_DaskBackend())
