"""The price contract, the :class:`PriceSource` protocol, in-memory prices and ``load_prices``.

A *prices frame* is what every source returns and every later step reads:

- a ``DatetimeIndex``: for daily bars (``interval="1d"``) the exchange-local session
  dates, tz-naive ``datetime64[ns]`` named ``date``; for intraday bars the bar starts,
  tz-aware ``datetime64[ns, UTC]`` named ``datetime``; strictly increasing;
- float64 columns ``open, high, low, close, volume`` (volume may be 0 or NaN);
- ``attrs`` with ``symbol``, ``interval`` and ``source``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, cast, runtime_checkable

import numpy as np
import pandas as pd

from mktnews.errors import PriceDataError, PriceDataWarning
from mktnews.prices.blocks import COLUMNS, PriceBlocks, segment_search
from mktnews.vocab import BAR_NS, INTRADAY_INTERVALS, BadOHLC, Interval, check_option

__all__ = [
    "COLUMNS",
    "FrameSource",
    "PriceBlocks",
    "PriceSource",
    "checked_blocks",
    "conform_prices",
    "default_source",
    "fetch_many",
    "has_contract_columns",
    "load_blocks",
    "load_prices",
    "normalize_range",
    "validate_bars",
]


#: Length of an intraday bar, per interval (from the one table, ``mktnews.vocab.BAR_NS``).
BAR_LENGTH: dict[str, pd.Timedelta] = {
    i: pd.Timedelta(seconds=BAR_NS[i] // 1_000_000_000) for i in INTRADAY_INTERVALS
}


@runtime_checkable
class PriceSource(Protocol):
    """What a price source implements.

    ``fetch`` returns a prices frame (see module docstring) for one symbol. For daily
    bars ``start`` and ``end`` are tz-naive session dates and both are inclusive; for
    intraday bars they are tz-aware UTC instants and the range is ``[start, end)``.
    A source raises :class:`~mktnews.errors.PriceDataError` when it cannot answer; it
    never returns an empty frame for a failure. A range with no bars (a holiday
    weekend, say) is an empty frame with the right columns.
    """

    name: str

    def fetch(
        self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: Interval
    ) -> pd.DataFrame:
        """Bars of ``symbol`` in the range (see class docstring)."""
        ...


def is_intraday(interval: str) -> bool:
    """Whether ``interval`` is an intraday bar size."""
    return interval in INTRADAY_INTERVALS


def normalize_range(start: object, end: object, interval: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Turn users' ``start``/``end`` into the form :meth:`PriceSource.fetch` takes.

    Daily: tz-naive dates, both inclusive (a time of day is dropped). Intraday: UTC
    instants, ``[start, end)``; a date without a time as ``end`` includes that whole day
    (UTC); naive instants are read as UTC.
    """
    if start is None or end is None:
        raise PriceDataError("load_prices needs both start and end")
    s = pd.Timestamp(start)  # type: ignore[arg-type]
    e = pd.Timestamp(end)  # type: ignore[arg-type]
    if is_intraday(interval):
        s = s.tz_localize("UTC") if s.tzinfo is None else s.tz_convert("UTC")
        date_only_end = (
            e.tzinfo is None
            and e == e.normalize()
            and not (isinstance(end, pd.Timestamp) and end.tzinfo is not None)
        )
        e = e.tz_localize("UTC") if e.tzinfo is None else e.tz_convert("UTC")
        if date_only_end:
            e = e + pd.Timedelta(days=1)
        s, e = s.as_unit("ns"), e.as_unit("ns")
    else:
        if s.tzinfo is not None:
            s = s.tz_localize(None)
        if e.tzinfo is not None:
            e = e.tz_localize(None)
        s, e = s.normalize().as_unit("ns"), e.normalize().as_unit("ns")
    if e < s:
        raise PriceDataError(f"empty range: end {end!r} is before start {start!r}")
    return s, e


def conform_prices(
    frame: pd.DataFrame,
    *,
    symbol: str,
    interval: str,
    source: str,
    where: str | None = None,
    bad_ohlc: BadOHLC = "raise",
) -> pd.DataFrame:
    """Check a frame against the prices contract and return it in contract form.

    Lower-cases column names, fills a missing ``volume`` with NaN, casts to float64,
    brings the index to the contract's dtype and name, and validates: sorted, no
    duplicate stamps, ``high >= low``, positive prices (missing values are allowed).

    Parameters
    ----------
    frame : DataFrame
        Bars indexed by date/datetime.
    symbol, interval, source : str
        Recorded in ``attrs``.
    where : str, optional
        Name of the file or source, used in error messages (defaults to ``symbol``).
    bad_ohlc : {"raise", "mask"}, default "raise"
        Bars with ``high < low``: raise, or set their high and low to NaN (the close is
        kept) with a :class:`~mktnews.errors.PriceDataWarning`; the masked dates are
        listed in ``attrs["masked_ohlc"]``.

    Raises
    ------
    PriceDataError
        Naming ``where``, the row (its date) and the field that is wrong.
    """
    fast = _conform_fast(frame, symbol=symbol, interval=interval, source=source, bad_ohlc=bad_ohlc)
    if fast is not None:
        return fast
    label = where or symbol
    df = frame.rename(columns=lambda c: str(c).strip().lower().replace(" ", "_"))
    if "close" not in df.columns:
        raise PriceDataError(f"{label}: no 'close' column (columns: {list(frame.columns)})")
    for col in ("open", "high", "low"):
        if col not in df.columns:
            df[col] = np.nan
    if "volume" not in df.columns:
        df["volume"] = np.nan
    df = df.loc[:, list(COLUMNS)]
    try:
        df = df.astype("float64")
    except (TypeError, ValueError) as exc:
        raise PriceDataError(f"{label}: non-numeric price values ({exc})") from exc
    idx = pd.DatetimeIndex(df.index)
    if is_intraday(interval):
        if idx.tz is None:
            raise PriceDataError(f"{label}: intraday bars need tz-aware timestamps")
        idx = idx.tz_convert("UTC").as_unit("ns").rename("datetime")
    else:
        if idx.tz is not None:
            idx = idx.tz_localize(None)
        idx = idx.as_unit("ns")
        if not (idx == idx.normalize()).all():
            bad = idx[idx != idx.normalize()][0]
            raise PriceDataError(f"{label}: daily bars must be dated by day; row {bad} has a time")
        idx = idx.rename("date")
    df.index = idx
    if idx.hasnans:
        raise PriceDataError(f"{label}: a row has no date")
    if len(idx) > 1:
        diffs = np.diff(idx.asi8)
        if (diffs < 0).any():
            pos = int(np.argmax(diffs < 0)) + 1
            raise PriceDataError(
                f"{label}: rows are not in date order (bar {pos + 1}, {idx[pos]}, comes after {idx[pos - 1]})"
            )
        if (diffs == 0).any():
            pos = int(np.argmax(diffs == 0)) + 1
            raise PriceDataError(f"{label}: duplicated date {idx[pos]} (bar {pos + 1})")
    check_option("bad_ohlc", bad_ohlc, BadOHLC)
    hl = (df["high"] < df["low"]).to_numpy()
    masked: list[str] = []
    if hl.any():
        pos = int(np.argmax(hl))
        if bad_ohlc == "raise":
            raise PriceDataError(
                f"{label}: high < low on {idx[pos]} (bar {pos + 1}: high={df['high'].iat[pos]}, "
                f"low={df['low'].iat[pos]}); pass bad_ohlc='mask' to keep the closes and mask "
                "such bars' high and low"
            )
        df.loc[hl, ["high", "low"]] = np.nan
        masked = [str(t) for t in idx[hl]]
        warnings.warn(
            f"{label}: {len(masked)} bar(s) with high < low had their high and low masked "
            f"(first: {masked[0]}); closes are kept",
            PriceDataWarning,
            stacklevel=2,
        )
    validate_bars(df, symbol=symbol, where=label)
    df.attrs = {"symbol": symbol, "interval": interval, "source": source}
    if masked:
        df.attrs["masked_ohlc"] = masked
    return df


_NUMERIC_KINDS = frozenset("fiu")
_COLUMNS_INDEX = pd.Index(COLUMNS)
_DAY_NS = 86_400_000_000_000
_NAIVE_NS = np.dtype("M8[ns]")
_NAT_NS = np.iinfo(np.int64).min


def _conform_fast(
    frame: pd.DataFrame, *, symbol: str, interval: str, source: str, bad_ohlc: str
) -> pd.DataFrame | None:
    """:func:`conform_prices` for a frame that passes every check, in numpy: the same
    result, or None when anything is unusual or wrong (then the pandas path runs and
    raises or warns with its own message)."""
    if not isinstance(frame, pd.DataFrame) or not isinstance(frame.index, pd.DatetimeIndex):
        return None
    if bad_ohlc not in ("raise", "mask"):
        return None
    names = [str(c).strip().lower().replace(" ", "_") for c in frame.columns.tolist()]
    if "close" not in names or len(set(names)) != len(names):
        return None
    raw = frame.to_numpy()  # one array: float64 when every column is a float or an integer
    if raw.dtype.kind not in _NUMERIC_KINDS:
        return None
    n = len(frame)
    pos = [names.index(c) if c in names else -1 for c in COLUMNS]
    idx = frame.index
    intraday = is_intraday(interval)
    if intraday:
        if idx.tz is None:
            return None
        idx = idx.tz_convert("UTC").as_unit("ns").rename("datetime")
    else:
        if idx.tz is not None:
            return None
        if idx.unit != "ns":
            idx = idx.as_unit("ns")
        if idx.name != "date":
            idx = idx.rename("date")
    ns = idx.asi8
    if n:
        # strictly increasing and the first stamp not NaT (NaT is the smallest int64): no NaT
        if ns[0] == _NAT_NS or (n > 1 and (ns[1:] <= ns[:-1]).any()):
            return None
        if not intraday and (ns % _DAY_NS).any():
            return None
        if not _fast_values_ok(raw, pos, symbol):
            return None
    if pos == [0, 1, 2, 3, 4] and raw.dtype == np.float64:
        values = raw if raw.flags.owndata else raw.copy()  # never a view of the user's frame
    else:
        values = np.full((n, len(COLUMNS)), np.nan)
        for j, k in enumerate(pos):
            if k >= 0:
                values[:, j] = raw[:, k]
    df = pd.DataFrame(values, index=idx, columns=_COLUMNS_INDEX, copy=False)
    df.attrs = {"symbol": symbol, "interval": interval, "source": source}
    return df


def _fast_values_ok(
    raw: np.ndarray, pos: list[int], symbol: str, *, check_range: bool = True
) -> bool:
    """True when the columns at ``pos`` (open, high, low, close, volume; -1 = absent) hold
    no value :func:`conform_prices` would refuse or mask (NaN is allowed); ``check_range``
    also checks ``high >= low``."""
    present = [k for k in pos if k >= 0]
    # the columns are the array's first ones (the usual case): a view, no copy
    block = raw[:, : len(present)] if present == list(range(len(present))) else raw[:, present]
    with np.errstate(invalid="ignore"):
        if np.isinf(block).any():
            return False
        prices = [i for i, k in enumerate(present) if k != pos[4]]
        if not negative_prices_allowed(symbol) and prices:
            sub = (
                block[:, prices] if prices != list(range(len(prices))) else block[:, : len(prices)]
            )
            if (sub <= 0).any():
                return False
        if pos[4] >= 0 and (raw[:, pos[4]] < 0).any():
            return False
        if check_range and pos[1] >= 0 and pos[2] >= 0 and (raw[:, pos[1]] < raw[:, pos[2]]).any():
            return False
    return True


def has_contract_columns(frame: pd.DataFrame) -> bool:
    """Whether ``frame``'s columns are the contract's ``open, high, low, close, volume`` in
    that order (an identity check first: frames built here share one columns index)."""
    cols = frame.columns
    return cols.is_(_COLUMNS_INDEX) or tuple(cols) == COLUMNS


def _bars_fine(bars: pd.DataFrame, symbol: str) -> bool:
    """One pass over a contract-shaped frame: True when :func:`validate_bars` has nothing
    to refuse (else its column loop finds and names the first bad value)."""
    if not has_contract_columns(bars):
        return False
    values = bars.to_numpy()
    if values.dtype != np.float64:
        return False
    if not len(values):
        return True
    return _fast_values_ok(values, [0, 1, 2, 3, 4], symbol, check_range=False)


def validate_bars(bars: pd.DataFrame | pd.Series, *, symbol: str, where: str | None = None) -> None:
    """Refuse infinite or non-positive prices, naming the symbol, the date and the field.

    The one check every price entry point (files, Yahoo, the cache, :class:`FrameSource`,
    :func:`conform_prices`) shares; a caller holding its own prices (a ``benchmark=``
    Series, say) can run it too. Missing values (NaN) are allowed: they are missing
    bars, not wrong ones. Zero and negative prices are allowed only for instruments
    that really have them (WTI futures, ``CL=F``).

    Parameters
    ----------
    bars : DataFrame or Series
        A prices frame (its ``open, high, low, close`` columns that are present are
        checked, ``volume`` only for infinity and sign) or a Series of closes, indexed by date.
    symbol : str
        Named in the message.
    where : str, optional
        The file or source, named in the message (default ``symbol``).

    Raises
    ------
    PriceDataError
        At the first bad value: ``"<where>: close of <symbol> is inf on 2024-01-03 (bar 2)"``.
    """
    if isinstance(bars, pd.DataFrame) and _bars_fine(bars, symbol):
        return
    label = where or symbol
    if isinstance(bars, pd.Series):
        columns: dict[str, pd.Series] = {str(bars.name or "close"): bars}
    else:
        columns = {str(c): bars[c] for c in bars.columns if str(c) in COLUMNS}
    index = bars.index
    for col, series in columns.items():
        try:
            values = np.asarray(series.to_numpy(dtype="float64", na_value=np.nan))
        except (TypeError, ValueError) as exc:
            raise PriceDataError(f"{label}: {col} of {symbol} is not numeric ({exc})") from exc
        inf = np.flatnonzero(np.isinf(values))
        if len(inf):
            i = int(inf[0])
            raise PriceDataError(
                f"{label}: {col} of {symbol} is {values[i]} on {index[i]} (bar {i + 1}); "
                "prices must be finite"
            )
        if col == "volume":
            bad = np.flatnonzero(values < 0)
            if len(bad):
                i = int(bad[0])
                raise PriceDataError(
                    f"{label}: volume of {symbol} is {values[i]} on {index[i]} (bar {i + 1}); "
                    "volumes cannot be negative"
                )
            continue
        if negative_prices_allowed(symbol):
            continue
        bad = np.flatnonzero(values <= 0)
        if len(bad):
            i = int(bad[0])
            raise PriceDataError(
                f"{label}: non-positive {col} of {symbol} {values[i]} on {index[i]} (bar {i + 1}); "
                "prices must be positive"
            )


# Instruments whose prices can really be zero or negative (WTI futures on 2020-04-20).
_NEGATIVE_OK = {"CL=F"}


def negative_prices_allowed(symbol: str) -> bool:
    """True for instruments whose prices can really be zero or negative (``"CL=F"``)."""
    return symbol in _NEGATIVE_OK


class FrameSource:
    """Prices that users already hold in memory: ``{symbol: DataFrame}``.

    Each frame is checked and brought to the prices contract once, on construction; the
    bars are kept as one :class:`~mktnews.prices.blocks.PriceBlocks` (the checks of
    well-formed frames run over all frames at once).

    Parameters
    ----------
    frames : mapping of str to DataFrame
        Bars per symbol (columns ``open, high, low, close, volume`` in any case; at
        least ``close``), indexed by date (daily) or tz-aware timestamps (intraday).
    interval : str, default "1d"
        Bar size of all frames.
    name : str, default "memory"
    bad_ohlc : {"raise", "mask"}, default "raise"
        Bars with ``high < low``: see :func:`conform_prices`.

    Raises
    ------
    PriceDataError
        For the first frame (in the mapping's order) :func:`conform_prices` refuses, with
        its message.
    """

    def __init__(
        self,
        frames: Mapping[str, pd.DataFrame],
        *,
        interval: Interval = "1d",
        name: str = "memory",
        bad_ohlc: BadOHLC = "raise",
    ) -> None:
        check_option("interval", interval, Interval)
        check_option("bad_ohlc", bad_ohlc, BadOHLC)
        self.name = name
        self.interval = interval
        self._blocks = checked_blocks(frames, interval=interval, source=name, bad_ohlc=bad_ohlc)

    @property
    def symbols(self) -> list[str]:
        """Symbols this source holds."""
        return list(self._blocks.symbols)

    @property
    def blocks(self) -> PriceBlocks:
        """All the bars this source holds (read-only arrays)."""
        return self._blocks

    def _refusal(self, symbol: str, interval: Interval, held: str | None = None) -> str | None:
        """Why a request of ``symbol`` in ``interval`` cannot be answered (None: it can);
        ``held``: the symbols held, joined (computed here when not given)."""
        if interval != self.interval:
            return f"{self.name}: holds {self.interval} bars; {interval} bars of {symbol} were asked for"
        if symbol not in self._blocks:
            if held is None:
                held = ", ".join(self._blocks) or "nothing"
            return f"{self.name}: no prices for {symbol!r} (it holds {held})"
        return None

    def _check_request(self, symbol: str, interval: Interval) -> None:
        refusal = self._refusal(symbol, interval)
        if refusal is not None:
            raise PriceDataError(refusal)

    def _bounds(self, symbol: str, lo: int, hi: int) -> tuple[int, int]:
        """Rows (of the blocks) of ``symbol`` with stamps in [lo, hi) intraday, [lo, hi]
        daily (int64 ns)."""
        j = self._blocks.position(symbol)
        a = int(self._blocks.starts[j])
        ns = self._blocks.stamps[a : a + int(self._blocks.lengths[j])]
        first = int(np.searchsorted(ns, lo, side="left"))
        last = int(np.searchsorted(ns, hi, side="left" if self._blocks.intraday else "right"))
        return a + first, a + last

    def fetch(
        self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: Interval
    ) -> pd.DataFrame:
        """Bars of ``symbol`` in the range; see :class:`PriceSource`."""
        self._check_request(symbol, interval)
        lo, hi = pd.Timestamp(start).as_unit("ns").value, pd.Timestamp(end).as_unit("ns").value
        first, last = self._bounds(symbol, lo, hi)
        # a new frame holding a copy of the rows: changing it never changes the source
        return self._blocks.take([symbol], np.array([first]), np.array([last]))[symbol]

    def fetch_blocks(
        self, symbols: Sequence[str], start_ns: np.ndarray, end_ns: np.ndarray, interval: Interval
    ) -> tuple[PriceBlocks, dict[str, str]]:
        """Bars of many symbols at once, each over its range (int64 ns, read as
        :meth:`fetch` reads its range: ``[start, end]`` session dates daily, ``[start,
        end)`` UTC instants intraday); see :func:`load_blocks`.

        Returns
        -------
        blocks : PriceBlocks
            The symbols this source holds, in the order of ``symbols``.
        errors : dict of str to str
            The symbols it cannot answer, with the message :meth:`fetch` raises.
        """
        b = self._blocks
        # the interval is the same for every symbol: a wrong one refuses them all
        codes = b.codes(symbols) if interval == self.interval else np.full(len(symbols), -1)
        sel = np.flatnonzero(codes >= 0)
        refused = np.flatnonzero(codes < 0).tolist()
        held = (", ".join(b) or "nothing") if refused else ""  # named in each message, joined once
        errors = {  # the message fetch raises, for each symbol it refuses
            symbols[k]: str(self._refusal(symbols[k], interval, held)) for k in refused
        }
        keep = [symbols[k] for k in sel.tolist()] if refused else list(symbols)
        pos = codes[sel]
        a = b.starts[pos]
        z = a + b.lengths[pos]
        lo = np.asarray(start_ns, dtype=np.int64)[sel]
        hi = np.asarray(end_ns, dtype=np.int64)[sel]
        # the rows [lo, hi) intraday, [lo, hi] daily of every symbol (as _bounds finds them)
        first = segment_search(b.stamps, a, z, lo, "left")
        last = segment_search(b.stamps, a, z, hi, "left" if b.intraday else "right")
        return b.take(keep, first, last), errors

    def __repr__(self) -> str:
        return f"FrameSource({', '.join(self._blocks)}; {self.interval})"


def checked_blocks(
    frames: Mapping[str, pd.DataFrame], *, interval: str, source: str, bad_ohlc: BadOHLC = "raise"
) -> PriceBlocks:
    """Check every frame against the prices contract and keep them as one
    :class:`PriceBlocks`, in the mapping's order.

    Well-formed frames (a DatetimeIndex of the contract's kind, numeric columns with
    distinct names) are read as arrays and checked all at once: sorted stamps without NaT,
    dates without a time (daily), finite positive prices, non-negative volumes,
    ``high >= low`` (an index object shared by several frames is checked once). A frame
    that is anything else, or fails a check, goes through :func:`conform_prices` on its
    own, in the mapping's order, which raises (or masks, ``bad_ohlc="mask"``) with its
    message naming the symbol, the row and the field.
    """
    intraday = is_intraday(interval)
    syms = [str(s) for s in frames]
    items = list(frames.values())
    layouts: dict[tuple[Any, ...], tuple[int, ...] | None] = {}
    got: list[tuple[np.ndarray, np.ndarray, tuple[int, ...], pd.DatetimeIndex] | None] = []
    for sym, f in zip(syms, items, strict=True):  # loop per frame: a few attribute reads
        got.append(None if negative_prices_allowed(sym) else _frame_arrays(f, intraday, layouts))
    fast = [k for k, g in enumerate(got) if g is not None]
    blocks = _pack_fast([syms[k] for k in fast], [got[k] for k in fast], interval, source)  # type: ignore[misc]
    bad = _batch_refusals(blocks, [got[k] for k in fast], intraday)  # type: ignore[misc]
    slow = sorted(
        {k for k, g in enumerate(got) if g is None} | {fast[int(i)] for i in np.flatnonzero(bad)}
    )
    if not slow:
        return blocks
    conformed: dict[int, pd.DataFrame] = {}
    for k in slow:  # in the mapping's order: the first refused frame raises
        conformed[k] = conform_prices(
            items[k], symbol=syms[k], interval=interval, source=source, bad_ohlc=bad_ohlc
        )
    pos_fast = {k: j for j, k in enumerate(fast)}
    stamps: list[np.ndarray] = []
    cols: dict[str, list[np.ndarray | None]] = {c: [] for c in COLUMNS}
    attrs: list[dict[str, Any]] = []
    for k in range(len(syms)):  # loop per frame: views of its arrays
        if k in conformed:
            df = conformed[k]
            stamps.append(cast(pd.DatetimeIndex, df.index).asi8)
            for c in COLUMNS:
                cols[c].append(df[c].to_numpy(dtype=np.float64))
            attrs.append({str(k): v for k, v in df.attrs.items()})
            continue
        rows = blocks.rows(syms[k])
        assert pos_fast[k] == blocks.position(syms[k])
        stamps.append(blocks.stamps[rows])
        for c in COLUMNS:
            cols[c].append(blocks.column(c)[rows] if blocks.has_column(c) else None)
        attrs.append(blocks.attrs_of(syms[k]))
    return PriceBlocks.pack(syms, stamps, cols, interval, attrs)


def _frame_arrays(
    frame: object, intraday: bool, layouts: dict[tuple[Any, ...], tuple[int, ...] | None]
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...], pd.DatetimeIndex] | None:
    """(stamps, numeric values, position of each contract column or -1, the index) of a
    frame whose shape is the usual one, else None; the column layout is worked out once
    per distinct tuple of column names (``layouts``)."""
    if not isinstance(frame, pd.DataFrame):
        return None
    idx = frame.index
    if not isinstance(idx, pd.DatetimeIndex):
        return None
    naive_ns = idx.dtype == _NAIVE_NS  # the usual daily index: one dtype comparison
    if (intraday if naive_ns else (idx.tz is None) == intraday):
        return None
    key = _column_key(frame.columns)
    if key not in layouts:
        names = [str(c).strip().lower().replace(" ", "_") for c in key]
        ok = "close" in names and len(set(names)) == len(names)
        layouts[key] = tuple(names.index(c) if c in names else -1 for c in COLUMNS) if ok else None
    pos = layouts[key]
    if pos is None:
        return None
    raw = _frame_values(frame, len(idx), len(key))
    if raw.dtype.kind not in _NUMERIC_KINDS:
        return None
    ns_idx = idx
    if not naive_ns and idx.unit != "ns":
        try:
            ns_idx = idx.as_unit("ns")
        except (ValueError, OverflowError):
            return None
    return ns_idx.asi8, raw, pos, idx


def _frame_values(frame: pd.DataFrame, rows: int, cols: int) -> np.ndarray:
    """``frame.to_numpy()`` (read, never written): the frame's own 2-D array when it holds
    one block of one numpy dtype (``DataFrame._values``, a view: a quarter of the cost of
    ``to_numpy``'s checks), else ``to_numpy()``."""
    raw = getattr(frame, "_values", None)
    if isinstance(raw, np.ndarray) and raw.shape == (rows, cols):
        return raw
    return frame.to_numpy()


def _column_key(columns: pd.Index) -> tuple[Any, ...]:
    """The column names as a tuple: from the pyarrow array at once when the names are
    arrow-backed (pandas' ``str`` dtype; iterating them costs a scalar box per name)."""
    arrow = getattr(columns.array, "_pa_array", None)
    if arrow is not None:
        return tuple(arrow.to_pylist())
    return tuple(columns)


def _pack_fast(
    syms: list[str],
    got: list[tuple[np.ndarray, np.ndarray, tuple[int, ...], pd.DatetimeIndex]],
    interval: str,
    source: str,
) -> PriceBlocks:
    """The blocks of the frames read as arrays (not yet checked)."""
    cols: dict[str, list[np.ndarray | None]] = {}
    layouts = {g[2] for g in got}  # the distinct column layouts (usually one)
    for ci, c in enumerate(COLUMNS):  # per column: views of it in every frame
        if all(pos[ci] < 0 for pos in layouts):  # a column no frame has
            cols[c] = [None] * len(got)
        elif all(pos[ci] >= 0 for pos in layouts):
            cols[c] = [g[1][:, g[2][ci]] for g in got]
        else:
            cols[c] = [g[1][:, g[2][ci]] if g[2][ci] >= 0 else None for g in got]
    attrs = [{"symbol": s, "interval": interval, "source": source} for s in syms]
    return PriceBlocks.pack(syms, [g[0] for g in got], cols, interval, attrs)


def _batch_refusals(
    blocks: PriceBlocks,
    got: list[tuple[np.ndarray, np.ndarray, tuple[int, ...], pd.DatetimeIndex]],
    intraday: bool,
) -> np.ndarray:
    """Which symbols of ``blocks`` fail a check of the prices contract: one pass over the
    stamps of the distinct index objects, one per check over the values; rows are looked
    for only when a check fails."""
    n = len(blocks)
    bad = np.zeros(n, dtype=bool)
    if not n:
        return bad
    # stamps: each distinct index object once (frames cut from one table share it)
    first_of: dict[int, int] = {}
    users: list[int] = []
    for k, g in enumerate(got):  # per frame: a dictionary look-up
        users.append(first_of.setdefault(id(g[3]), k))
    distinct = sorted(set(users))
    if len(distinct) == n:  # every frame its own index: the blocks' stamps are theirs
        ns, lengths = blocks.stamps, blocks.lengths
    else:
        ns = np.concatenate([got[k][0] for k in distinct]) if distinct else np.empty(0, np.int64)
        lengths = np.array([len(got[k][0]) for k in distinct], dtype=np.int64)
    ends = np.cumsum(lengths)
    heads = (ends - lengths)[lengths > 0]
    # NaT (the smallest int64) past a frame's first row is a step down
    wrong = _stamp_failures(ns, heads, intraday)
    if wrong.size:
        owners = np.asarray(distinct)[np.searchsorted(ends, wrong, side="right")]
        bad_idx = {id(got[int(k)][3]) for k in owners}
        bad |= np.fromiter((id(g[3]) in bad_idx for g in got), dtype=bool, count=n)
    rows = _bad_value_rows(blocks)
    if rows is not None:
        owner = np.searchsorted(blocks.starts + blocks.lengths, rows, side="right")
        bad[owner] = True
    return bad


_CHECK_CHUNK = 1 << 15  # rows per chunk of the stamp checks (a few hundred kB of temporaries)


def _stamp_failures(ns: np.ndarray, heads: np.ndarray, intraday: bool) -> np.ndarray:
    """Rows of ``ns`` (frames starting at rows ``heads``) that fail the contract: NaT at a
    frame's first row, a step that is not strictly up, or (daily) a time of day. Chunk by
    chunk, so that no temporary as long as all the rows is made; none fail, usually."""
    found: list[np.ndarray] = [heads[ns[heads] == _NAT_NS]] if len(heads) else []
    buf = np.empty(min(_CHECK_CHUNK, len(ns)), dtype=np.int64)
    for a in range(0, len(ns), _CHECK_CHUNK):  # per chunk of rows (not per frame)
        b = min(a + _CHECK_CHUNK, len(ns))
        chunk = ns[a:b]
        wrong = np.zeros(b - a, dtype=bool)
        lo = max(a, 1)  # the step into each row of the chunk, from the row before it
        wrong[lo - a :] = ns[lo:b] <= ns[lo - 1 : b - 1]
        wrong[heads[np.searchsorted(heads, a) : np.searchsorted(heads, b)] - a] = False  # a new frame
        if not intraday:  # a time of day (floor division: numpy divides by a constant fast)
            days = np.floor_divide(chunk, _DAY_NS, out=buf[: b - a])
            days *= _DAY_NS
            wrong |= days != chunk
        if wrong.any():
            found.append(np.flatnonzero(wrong) + a)
    return np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)


def _values_fail(v: np.ndarray, volume: bool) -> bool:
    """Whether a column holds an infinite value or a non-positive price (a negative
    volume): its smallest and largest values without NaN (NaN is allowed)."""
    if not len(v):
        return False
    lo, hi = float(np.fmin.reduce(v)), float(np.fmax.reduce(v))
    return lo == -np.inf or hi == np.inf or (lo < 0 if volume else lo <= 0)


def _bad_value_rows(blocks: PriceBlocks) -> np.ndarray | None:
    """Rows holding a value :func:`conform_prices` would refuse or mask (an infinite
    value, a non-positive price, a negative volume, ``high < low``; NaN is allowed), or
    None when there is none (the usual case: a few reductions, no row masks)."""
    present = [c for c in COLUMNS if blocks.has_column(c)]
    failing: list[np.ndarray] = []
    with np.errstate(invalid="ignore"):
        if not any(_values_fail(blocks.column(c), c == "volume") for c in present) and not (
            blocks.has_column("high")
            and blocks.has_column("low")
            and (blocks.column("high") < blocks.column("low")).any()
        ):
            return None  # two reductions per column, no row masks
        for c in present:
            v = blocks.column(c)
            for hit in (np.isinf(v), v < 0 if c == "volume" else v <= 0):
                if hit.any():
                    failing.append(hit)
        if blocks.has_column("high") and blocks.has_column("low"):
            hit = blocks.column("high") < blocks.column("low")
            if hit.any():
                failing.append(hit)
    if not failing:
        return None
    return np.flatnonzero(np.logical_or.reduce(failing))


#: The classes :func:`default_source` builds (``"files"``: called with a folder, ``"yahoo"``:
#: without arguments). :mod:`mktnews.prices` puts FileSource and YahooSource here when the
#: package is imported, so this module imports none of its subclasses (no import cycle).
DEFAULT_SOURCE_KINDS: dict[str, Callable[..., PriceSource]] = {}


def default_source() -> PriceSource:
    """The source used when none is given.

    ``MKTNEWS_PRICES_DIR`` (a folder of price files, read by :class:`~mktnews.FileSource`)
    if set, else Yahoo Finance with the Parquet cache (:class:`~mktnews.YahooSource`).
    """
    folder = os.environ.get("MKTNEWS_PRICES_DIR")
    if folder:
        return DEFAULT_SOURCE_KINDS["files"](folder)
    return DEFAULT_SOURCE_KINDS["yahoo"]()


def load_prices(
    instrument: str,
    start: object,
    end: object,
    *,
    interval: Interval = "1d",
    source: PriceSource | None = None,
) -> pd.DataFrame:
    """Bars of one instrument, in the prices contract (see module docstring).

    Parameters
    ----------
    instrument : str
        A data symbol (``"^STOXX50E"``) or any printed name the registry resolves
        ("Euro STOXX 50"). Unregistered symbols are passed to the source as they are.
    start, end : date-like
        Daily bars: session dates, both inclusive. Intraday: instants (naive = UTC),
        ``end`` exclusive, a date-only ``end`` including that day.
    interval : {"1d", "1m", "2m", "5m", "15m", "30m", "60m", "90m", "1h"}
    source : PriceSource, optional
        Default: :func:`default_source`.

    Returns
    -------
    DataFrame

    Raises
    ------
    PriceDataError
        When the source cannot answer; never an empty frame for a failure.
    """
    from mktnews.instruments import resolve_symbol

    check_option("interval", interval, Interval)
    symbol = resolve_symbol(instrument)
    s, e = normalize_range(start, end, interval)
    src = source if source is not None else default_source()
    frame = src.fetch(symbol, s, e, interval)
    if not isinstance(frame, pd.DataFrame):
        raise PriceDataError(
            f"{getattr(src, 'name', src)!r} returned {type(frame).__name__}, not a DataFrame"
        )
    if not has_contract_columns(frame) or frame.attrs.get("symbol") != symbol:
        frame = conform_prices(
            frame, symbol=symbol, interval=interval, source=str(getattr(src, "name", src))
        )
    elif not (isinstance(src, FrameSource) and frame.attrs.get("source") == src.name):
        # a source of the user's own that returns contract-shaped frames: still checked
        # (a FrameSource's frames were checked when it was built, and are its own)
        validate_bars(frame, symbol=symbol, where=str(getattr(src, "name", src)))
    return frame


def load_blocks(
    symbols: Sequence[str],
    start_ns: np.ndarray,
    end_ns: np.ndarray,
    *,
    interval: Interval = "1d",
    source: PriceSource | None = None,
    progress: bool | None = False,
) -> tuple[PriceBlocks, dict[str, str]]:
    """Bars of many data symbols at once, each over its own range: the batched
    :func:`load_prices` the engine uses.

    Parameters
    ----------
    symbols : sequence of str
        Data symbols (already resolved; each at most once).
    start_ns, end_ns : ndarray of int64
        Each symbol's range in nanoseconds: daily, tz-naive session dates, both inclusive;
        intraday, UTC instants, ``[start, end)``.
    interval : str, default "1d"
    source : PriceSource, optional
        Default: :func:`default_source`. A source with ``fetch_blocks`` (as
        :class:`FrameSource`) answers at once from its arrays; any other is asked symbol by
        symbol (through its ``fetch_many`` when it has one: Yahoo's cache and progress bar)
        and its answers are checked as :func:`load_prices` checks them.
    progress : bool, optional
        Passed to ``fetch_many`` (default False: no bar).

    Returns
    -------
    blocks : PriceBlocks
        The symbols that were answered, in the order of ``symbols``.
    errors : dict of str to str
        Each symbol that failed, with the :class:`~mktnews.errors.PriceDataError` message.
    """
    check_option("interval", interval, Interval)
    lo = np.asarray(start_ns, dtype=np.int64)
    hi = np.asarray(end_ns, dtype=np.int64)
    if not (len(symbols) == len(lo) == len(hi)):
        raise ValueError("load_blocks: symbols, start_ns and end_ns differ in length")
    src = source if source is not None else default_source()
    batched = getattr(src, "fetch_blocks", None)
    if callable(batched):
        blocks, errors = batched(list(symbols), lo, hi, interval)
        return cast(PriceBlocks, blocks), dict(errors)
    tz = "UTC" if is_intraday(interval) else None
    ranges = {
        str(s): (pd.Timestamp(int(a), tz=tz), pd.Timestamp(int(b), tz=tz))
        for s, a, b in zip(symbols, lo.tolist(), hi.tolist(), strict=True)
    }
    many = getattr(src, "fetch_many", None)
    if callable(many):
        frames, errors = many(ranges, interval=interval, progress=progress)
    else:
        frames, errors = fetch_many(src, ranges, interval=interval, progress=progress)
    name = str(getattr(src, "name", src))
    checked: dict[str, pd.DataFrame] = {}
    for sym in ranges:  # per symbol: the checks load_prices makes
        if sym not in frames:
            continue
        frame = frames[sym]
        try:
            if not has_contract_columns(frame) or frame.attrs.get("symbol") != sym:
                frame = conform_prices(frame, symbol=sym, interval=interval, source=name)
            else:
                validate_bars(frame, symbol=sym, where=name)
        except PriceDataError as exc:
            errors[sym] = str(exc)
            continue
        checked[sym] = frame
    return PriceBlocks.from_frames(checked, interval), dict(errors)


def _progress_bar(total: int, desc: str, progress: bool | None) -> Any:
    """A tqdm bar when tqdm is installed (``progress=None``: shown on a terminal only,
    ``True``: always, ``False``: never); None without one."""
    if progress is False:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(
        total=total,
        desc=desc,
        unit=" symbol",
        disable=None if progress is None else False,
        leave=False,
    )


def fetch_many(
    source: PriceSource,
    symbols: Iterable[str] | Mapping[str, tuple[object, object]],
    start: object = None,
    end: object = None,
    *,
    interval: Interval = "1d",
    progress: bool | None = None,
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Bars of many symbols, one :meth:`PriceSource.fetch` each; failures are collected.

    Parameters
    ----------
    source : PriceSource
    symbols : iterable of str, or mapping of symbol to (start, end)
        The symbols (all over ``start``..``end``), or each symbol with its own range.
    start, end : date-like, optional
        The range of every symbol when ``symbols`` is not a mapping (see :func:`load_prices`).
    interval : str, default "1d"
    progress : bool, optional
        A progress bar (tqdm, when installed) ticking once per symbol: None shows it on a
        terminal only, True always, False never.

    Returns
    -------
    frames : dict of symbol to DataFrame
        The symbols the source answered, in the prices contract.
    errors : dict of symbol to str
        Every symbol that failed, with the :class:`~mktnews.errors.PriceDataError`
        message (symbol, range and cause); the other symbols are unaffected.
    """
    check_option("interval", interval, Interval)
    if isinstance(symbols, Mapping):
        ranges = {str(s): (r[0], r[1]) for s, r in symbols.items()}
    else:
        if start is None or end is None:
            raise PriceDataError(
                "fetch_many needs start and end unless symbols maps each to its range"
            )
        ranges = {str(s): (start, end) for s in symbols}
    frames: dict[str, pd.DataFrame] = {}
    errors: dict[str, str] = {}
    bar = _progress_bar(len(ranges), f"prices ({getattr(source, 'name', 'source')})", progress)
    try:
        for sym, (lo, hi) in ranges.items():
            try:
                s, e = normalize_range(lo, hi, interval)
                frame = source.fetch(sym, s, e, interval)
                if not has_contract_columns(frame) or frame.attrs.get("symbol") != sym:
                    frame = conform_prices(
                        frame,
                        symbol=sym,
                        interval=interval,
                        source=str(getattr(source, "name", source)),
                    )
                frames[sym] = frame
            except PriceDataError as exc:
                errors[sym] = str(exc)
            if bar is not None:
                if errors:
                    bar.set_postfix(failed=len(errors), refresh=False)
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return frames, errors
