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
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, cast, runtime_checkable

import numpy as np
import pandas as pd

from mktnews.errors import PriceDataError, PriceDataWarning
from mktnews.vocab import BAR_NS, INTRADAY_INTERVALS, BadOHLC, Interval, check_option

__all__ = [
    "COLUMNS",
    "FrameSource",
    "PriceSource",
    "conform_prices",
    "default_source",
    "fetch_many",
    "has_contract_columns",
    "load_prices",
    "normalize_range",
    "validate_bars",
]

COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "volume")

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


def normalize_range(
    start: object, end: object, interval: str
) -> tuple[pd.Timestamp, pd.Timestamp]:
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
        date_only_end = e.tzinfo is None and e == e.normalize() and not (
            isinstance(end, pd.Timestamp) and end.tzinfo is not None
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


def _fast_values_ok(raw: np.ndarray, pos: list[int], symbol: str, *, check_range: bool = True) -> bool:
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
            sub = block[:, prices] if prices != list(range(len(prices))) else block[:, : len(prices)]
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

    Each frame is checked and brought to the prices contract once, on construction.

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
        self.name = name
        self.interval = interval
        self._frames = {
            sym: conform_prices(f, symbol=sym, interval=interval, source=name, bad_ohlc=bad_ohlc)
            for sym, f in frames.items()
        }
        # attrs are kept apart and set on each answer: pandas deep-copies a frame's attrs
        # into every slice of it
        self._attrs = {}
        for sym, f in self._frames.items():
            self._attrs[sym] = f.attrs
            f.attrs = {}

    @property
    def symbols(self) -> list[str]:
        """Symbols this source holds."""
        return list(self._frames)

    def fetch(
        self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: Interval
    ) -> pd.DataFrame:
        """Bars of ``symbol`` in the range; see :class:`PriceSource`."""
        if interval != self.interval:
            raise PriceDataError(
                f"{self.name}: holds {self.interval} bars; {interval} bars of {symbol} were asked for"
            )
        frame = self._frames.get(symbol)
        if frame is None:
            raise PriceDataError(
                f"{self.name}: no prices for {symbol!r} (it holds {', '.join(self._frames) or 'nothing'})"
            )
        # rows [start, end) intraday, [start, end] daily; the index is sorted (conform_prices)
        # and in ns (UTC for intraday), so int64 searches give the same rows
        ns = cast(pd.DatetimeIndex, frame.index).asi8
        lo, hi = pd.Timestamp(start).as_unit("ns").value, pd.Timestamp(end).as_unit("ns").value
        first = int(np.searchsorted(ns, lo, side="left"))
        last = int(np.searchsorted(ns, hi, side="left" if is_intraday(interval) else "right"))
        # a new frame: with pandas' copy-on-write, changing it never changes the stored frame
        out = frame.iloc[first:last]
        out.attrs = dict(self._attrs[symbol])
        return out

    def __repr__(self) -> str:
        return f"FrameSource({', '.join(self._frames)}; {self.interval})"


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
        raise PriceDataError(f"{getattr(src, 'name', src)!r} returned {type(frame).__name__}, not a DataFrame")
    if not has_contract_columns(frame) or frame.attrs.get("symbol") != symbol:
        frame = conform_prices(
            frame, symbol=symbol, interval=interval, source=str(getattr(src, "name", src))
        )
    elif not (isinstance(src, FrameSource) and frame.attrs.get("source") == src.name):
        # a source of the user's own that returns contract-shaped frames: still checked
        # (a FrameSource's frames were checked when it was built, and are its own)
        validate_bars(frame, symbol=symbol, where=str(getattr(src, "name", src)))
    return frame


def _progress_bar(total: int, desc: str, progress: bool | None) -> Any:
    """A tqdm bar when tqdm is installed (``progress=None``: shown on a terminal only,
    ``True``: always, ``False``: never); None without one."""
    if progress is False:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=desc, unit=" symbol", disable=None if progress is None else False, leave=False)


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
            raise PriceDataError("fetch_many needs start and end unless symbols maps each to its range")
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
                    frame = conform_prices(frame, symbol=sym, interval=interval, source=str(getattr(source, "name", source)))
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
