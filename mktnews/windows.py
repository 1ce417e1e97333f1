"""Event windows and the vectorised gathering of returns around events.

Relative days are *positions in the instrument's price rows*: day 0 is the row of the
event's ``t0`` (a session date for daily bars, a bar start for intraday bars) and day
``d`` is the row ``d`` positions later (earlier when negative). Sessions the data does
not have are therefore skipped, not filled: relative days count the sessions (or bars)
the data has.

All events of all instruments are handled at once. The returns of every instrument are
stored end to end in one flat array (:class:`ReturnPanel`); an event is the flat row
index of its day 0, and a window is a set of offsets from it, so gathering an
``(n_events, n_days)`` matrix is a single numpy fancy-indexing operation. Rows that fall
outside the instrument's own data come back as NaN (missing keys as -1) together with a
mask saying so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import numpy as np
import pandas as pd

from mktnews.errors import ConfigurationError, InvalidOptionError
from mktnews.prices.base import has_contract_columns
from mktnews.prices.blocks import PriceBlocks, segment_rows, segment_search
from mktnews.vocab import INTRADAY_INTERVALS, ReturnType, check_option

__all__ = [
    "ClockWindow",
    "EventWindow",
    "Gathered",
    "ReturnPanel",
    "WindowSpec",
    "compute_returns",
    "is_clock_windows",
    "parse_estimation",
    "parse_windows",
]

_NS_PER_DAY = 86_400_000_000_000


class WindowSpec(Protocol):
    """What a model's estimation step reads of a study's spec (the study's spec has it).

    Lets model modules below the study layer take the spec without importing it.
    """

    @property
    def model(self) -> str:
        """The normal-return model's name."""
        ...

    @property
    def estimation(self) -> EventWindow:
        """The estimation window, relative to day 0."""
        ...

    @property
    def span(self) -> EventWindow:
        """The span of every event window, relative to day 0."""
        ...


@dataclass(frozen=True, order=True)
class EventWindow:
    """An inclusive range of relative days ``[start, end]`` (sessions, or bars intraday).

    Parameters
    ----------
    start, end : int
        First and last relative day, both included; ``start <= end``.

    Examples
    --------
    >>> EventWindow(-1, 1).length
    3
    >>> EventWindow.coerce((0, 0))
    EventWindow(start=0, end=0)
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise InvalidOptionError(
                    f"window {name}", value, reason="relative days must be integers"
                )
            object.__setattr__(self, name, int(value))
        if self.start > self.end:
            raise InvalidOptionError(
                "window",
                (self.start, self.end),
                reason="a window (a, b) needs a <= b (both days are included)",
            )

    @classmethod
    def coerce(cls, value: object, parameter: str = "windows") -> EventWindow:
        """Build a window from an ``EventWindow`` or a pair ``(a, b)``.

        Raises
        ------
        InvalidOptionError
            Naming ``parameter`` when ``value`` is not a pair of integers ``a <= b``.
        """
        if isinstance(value, EventWindow):
            return value
        if isinstance(value, np.ndarray) and value.ndim == 1:
            value = value.tolist()
        if (
            isinstance(value, (str, bytes))
            or not isinstance(value, Sequence)
            or len(value) != 2
        ):
            raise InvalidOptionError(
                parameter, value, reason="expected a pair (a, b) of integer relative days"
            )
        a, b = value[0], value[1]
        for v in (a, b):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise InvalidOptionError(
                    parameter, value, reason="relative days must be integers"
                )
        if a > b:
            raise InvalidOptionError(
                parameter, value, reason="a window (a, b) needs a <= b (both days are included)"
            )
        return cls(int(a), int(b))

    @property
    def length(self) -> int:
        """Number of relative days in the window (``end - start + 1``)."""
        return self.end - self.start + 1

    @property
    def rel(self) -> np.ndarray:
        """The relative days ``start..end`` as an int64 array."""
        return np.arange(self.start, self.end + 1, dtype=np.int64)

    def as_tuple(self) -> tuple[int, int]:
        """``(start, end)``."""
        return (self.start, self.end)

    def __str__(self) -> str:
        return f"({self.start}, {self.end})"


@dataclass(frozen=True, order=True)
class ClockWindow(EventWindow):
    """A window in clock time around the publication instant: ``[start, end]`` minutes.

    ``start`` and ``end`` are whole minutes from the anchor (the publication instant, or
    the next open for news published outside trading hours), ``start < end``. Built from
    strings (``("-30min", "+60min")``) or :class:`pandas.Timedelta` pairs by
    :func:`parse_windows`; used with intraday bars (see :mod:`mktnews.clock`).

    Examples
    --------
    >>> w = ClockWindow.coerce(("-30min", "+60min"))
    >>> w.as_tuple(), str(w)
    ((-30, 60), '(-30min, +60min)')
    """

    def __post_init__(self) -> None:
        if isinstance(self.start, (int, np.integer)) and isinstance(self.end, (int, np.integer)) and self.start >= self.end:
            raise InvalidOptionError(
                "windows",
                str(self),
                reason="a clock window (a, b) needs a < b (it covers the bars from the one "
                "containing anchor + a to the one containing anchor + b)",
            )
        super().__post_init__()

    @classmethod
    def coerce(cls, value: object, parameter: str = "windows") -> ClockWindow:
        """Build from a ``ClockWindow`` or a pair of offsets (strings or Timedeltas).

        Raises
        ------
        InvalidOptionError
            Naming ``parameter`` when ``value`` is not a pair of whole-minute offsets
            ``a < b``.
        """
        if isinstance(value, ClockWindow):
            return value
        if not _is_clock_pair(value):
            raise InvalidOptionError(
                parameter, value, reason="expected a pair of clock offsets such as ('-30min', '+60min')"
            )
        assert isinstance(value, Sequence)
        mins = [_minutes(v, parameter, value) for v in value]
        return cls(mins[0], mins[1])

    @property
    def offsets(self) -> tuple[pd.Timedelta, pd.Timedelta]:
        """The edges as Timedeltas."""
        return (pd.Timedelta(minutes=self.start), pd.Timedelta(minutes=self.end))

    def __str__(self) -> str:
        def one(m: int) -> str:
            return "0min" if m == 0 else f"{m:+d}min"

        return f"({one(self.start)}, {one(self.end)})"


def _is_clock_pair(value: object) -> bool:
    return (
        isinstance(value, Sequence)
        and not isinstance(value, (str, bytes))
        and len(value) == 2
        and all(isinstance(v, (str, pd.Timedelta, np.timedelta64)) for v in value)
    )


def _minutes(v: object, parameter: str, whole: object) -> int:
    """Whole minutes of a clock offset (``"-30min"``, ``"+1h"``, a Timedelta)."""
    try:
        td = pd.Timedelta(str(v).strip().lstrip("+")) if isinstance(v, str) else pd.Timedelta(v)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise InvalidOptionError(
            parameter, whole, reason=f"{v!r} is not a clock offset such as '-30min' or '+1h'"
        ) from exc
    if isinstance(v, str) and v.strip().startswith("-") and td > pd.Timedelta(0):
        td = -td
    if pd.isna(td) or td.value % 60_000_000_000:
        raise InvalidOptionError(
            parameter, whole, reason=f"{v!r}: clock windows are in whole minutes (bars are >= 1 minute)"
        )
    return int(td.value // 60_000_000_000)


def is_clock_windows(windows: Sequence[EventWindow]) -> bool:
    """Whether parsed ``windows`` are clock windows (all of them are, or none is)."""
    return bool(windows) and isinstance(windows[0], ClockWindow)


def _is_pair_of_ints(value: object) -> bool:
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist()
    return (
        isinstance(value, Sequence)
        and not isinstance(value, (str, bytes))
        and len(value) == 2
        and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value
        )
    )


def parse_windows(windows: object) -> tuple[EventWindow, ...]:
    """Normalise the ``windows`` option: one pair or a sequence of pairs.

    Duplicates are refused (they would give duplicated rows in every result frame).

    Raises
    ------
    InvalidOptionError
        Naming ``windows`` and the offending value.
    """
    if isinstance(windows, ClockWindow) or _is_clock_pair(windows):
        return (ClockWindow.coerce(windows),)
    if isinstance(windows, EventWindow) or _is_pair_of_ints(windows):
        return (EventWindow.coerce(windows),)
    if isinstance(windows, (str, bytes)) or not isinstance(windows, Iterable):
        raise InvalidOptionError(
            "windows", windows, reason="expected a pair (a, b) or a sequence of pairs"
        )
    items = list(windows)
    clock = [isinstance(w, ClockWindow) or _is_clock_pair(w) for w in items]
    if any(clock) and not all(clock):
        raise InvalidOptionError(
            "windows",
            windows,
            reason="mixes clock windows ('-30min', '+60min') with windows of relative "
            "days/bars (a, b); use one kind in a study",
        )
    out = tuple(ClockWindow.coerce(w) if c else EventWindow.coerce(w) for w, c in zip(items, clock, strict=True))
    if not out:
        raise InvalidOptionError("windows", windows, reason="at least one window is needed")
    seen: set[EventWindow] = set()
    for w in out:
        if w in seen:
            raise InvalidOptionError("windows", windows, reason=f"window {w} is given twice")
        seen.add(w)
    return out


def parse_estimation(estimation: object, windows: Sequence[EventWindow]) -> EventWindow:
    """Normalise the ``estimation`` option and check it ends before every event window.

    Raises
    ------
    InvalidOptionError
        When ``estimation`` is not a pair of integers ``a <= b``.
    ConfigurationError
        When it overlaps or follows the earliest event window.
    """
    est = EventWindow.coerce(estimation, "estimation")
    first = min(w.start for w in windows)
    if est.end >= first:
        raise ConfigurationError(
            f"estimation window {est} must end before the earliest event window starts "
            f"(day {first}); it overlaps or follows it. Use e.g. estimation=({est.start}, {first - 1}) "
            "or a gap of several days before the event window."
        )
    return est


def compute_returns(close: np.ndarray, returns: ReturnType) -> np.ndarray:
    """Returns from closes: ``close[t] / close[t-1] - 1`` or its log; the first is NaN.

    A missing or non-finite (``inf``) close, or a non-positive one for log returns, gives
    NaN for its own row and the next one (no return is computed across it): an ``inf``
    never becomes a finite return such as -100 %.
    """
    check_option("returns", returns, ReturnType)
    close = np.asarray(close, dtype=np.float64)
    out = np.empty(close.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        _returns_into(close, returns, out)
    return out


def _returns_into(close: np.ndarray, returns: str, out: np.ndarray) -> None:
    """:func:`compute_returns` of a 1-d ``close`` written into ``out`` (same length);
    the caller sets ``np.errstate``."""
    if not len(out):
        return
    out[0] = np.nan
    if len(out) > 1:
        tail = out[1:]
        np.divide(close[1:], close[:-1], out=tail)
        if returns == "simple":
            tail -= 1.0
        else:
            ok = (close[1:] > 0) & (close[:-1] > 0)
            np.log(tail, out=tail, where=ok)
            tail[~ok] = np.nan
        fin = np.isfinite(close)
        if not fin.all():  # an infinite close: no return into or out of it (x/inf is 0)
            tail[~(fin[1:] & fin[:-1])] = np.nan
    inf = np.isinf(out)
    if inf.any():  # a zero close (x/0): NaN, not an infinite return
        out[inf] = np.nan


_INT_NA = np.iinfo(np.int64).min


@dataclass(frozen=True)
class Gathered:
    """Values of a set of events on a set of relative days, as ``(n_events, n_days)``.

    The arrays are taken from the panel on first access (only what is used is gathered).

    Attributes
    ----------
    flat : ndarray of int64
        Flat panel row of each cell; the panel's sentinel row where outside the data.
    inside : ndarray of bool
        Whether the relative day is a row of the instrument's data.
    ret, market : ndarray of float64
        Instrument and benchmark returns (NaN where missing or outside the data).
    keys : ndarray of int64
        Calendar keys of the rows (days since 1970-01-01 for daily bars, bar start in
        ns for intraday); -1 outside the data.
    stamps : ndarray of int64
        Row stamps in ns (session date at midnight, or bar start UTC); the minimum int64
        (``NaT``) outside.
    """

    panel: ReturnPanel = field(repr=False)
    flat: np.ndarray
    inside: np.ndarray

    @cached_property
    def ret(self) -> np.ndarray:
        """Instrument returns."""
        return self.panel.ret[self.flat]

    @cached_property
    def market(self) -> np.ndarray:
        """Benchmark returns."""
        return self.panel.market[self.flat]

    @cached_property
    def market_carried(self) -> np.ndarray:
        """Benchmark returns with the benchmark's last close carried over the days it lacks
        (see :attr:`ReturnPanel.market_carried`)."""
        return self.panel.market_carried[self.flat]

    @cached_property
    def bench_closed(self) -> np.ndarray:
        """Whether the benchmark has no close on the row's stamp (False outside the data)."""
        return self.panel.bench_closed[self.flat]

    @cached_property
    def keys(self) -> np.ndarray:
        """Calendar keys (-1 outside the data)."""
        return self.panel.keys[self.flat]

    @cached_property
    def stamps(self) -> np.ndarray:
        """Row stamps in ns (NaT outside the data)."""
        return self.panel.stamps[self.flat]


@dataclass(frozen=True)
class ReturnPanel:
    """Returns of several instruments stored end to end, for vectorised gathering.

    Build it with :meth:`from_prices`. Instrument ``j`` occupies the flat rows
    ``starts[j] : starts[j] + lengths[j]`` in date order; one more row at the end (index
    ``sentinel``) holds the values of "outside the data" (NaN, key -1, NaT), so a gather
    is a single fancy-indexing operation per field.

    Attributes
    ----------
    symbols : tuple of str
    starts, lengths : ndarray of int64
    stamps : ndarray of int64
        Row stamps in ns: tz-naive session dates (daily) or UTC bar starts (intraday).
    close, ret : ndarray of float64
        Closes and returns of each row (the first row of each instrument has no return).
    market : ndarray of float64
        Benchmark return over the same interval as ``ret`` (NaN without a benchmark or
        where the benchmark lacks one of the two stamps).
    keys : ndarray of int64
        Calendar keys: days since epoch (daily) or bar start ns (intraday).
    interval : str
    market_carried : ndarray of float64
        Benchmark return from the benchmark's *last close at or before* each stamp (the
        close carried over a day the benchmark lacks): 0 on a day the benchmark was
        closed while the instrument traded, and the return over the whole gap on the next
        common day. Equal to ``market`` wherever ``market`` is finite. The engine uses it
        in the event span only (a day's AR is never lost to a benchmark holiday); the
        estimation window keeps ``market`` (the fit uses only days on which both returns
        cover the same interval).
    bench_closed : ndarray of bool
        Rows whose stamp the benchmark has no (finite) close for, after its first one.
    """

    symbols: tuple[str, ...]
    starts: np.ndarray
    lengths: np.ndarray
    stamps: np.ndarray
    close: np.ndarray
    ret: np.ndarray
    market: np.ndarray
    keys: np.ndarray
    interval: str
    market_carried: np.ndarray = field(default_factory=lambda: np.full(1, np.nan))
    bench_closed: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=bool))

    @property
    def sentinel(self) -> int:
        """Index of the "outside the data" row."""
        return len(self.stamps) - 1

    @classmethod
    def from_prices(
        cls,
        prices: Mapping[str, pd.DataFrame],
        *,
        returns: ReturnType = "simple",
        benchmark: Mapping[str, pd.Series | None] | None = None,
        interval: str = "1d",
    ) -> ReturnPanel:
        """Build the panel from prices frames (the prices contract).

        Parameters
        ----------
        prices : mapping of str to DataFrame
            Prices frame per symbol (index of session dates or UTC bar starts, ``close``).
        returns : {"simple", "log"}
        benchmark : mapping of str to Series, optional
            Per symbol, the benchmark's closes indexed like the prices frames. The
            benchmark close is taken on the instrument's own stamps (exact match) and its
            return is computed over the same interval as the instrument's return, so both
            returns always cover the same period. When the benchmark lacks a stamp the
            instrument has, the benchmark return of that row and of the next is NaN (and
            those days drop out of estimation; event-window ARs are NaN).
        interval : str
        """
        check_option("returns", returns, ReturnType)
        if isinstance(prices, PriceBlocks) and prices.intraday == (interval in INTRADAY_INTERVALS):
            return cls._from_blocks(prices, returns=returns, benchmark=benchmark, interval=interval)
        symbols = tuple(prices)
        lengths = np.array([len(prices[s]) for s in symbols], dtype=np.int64)
        starts = np.zeros(len(symbols), dtype=np.int64)
        if len(symbols) > 1:
            starts[1:] = np.cumsum(lengths)[:-1]
        total = int(lengths.sum())
        stamps = np.full(total + 1, _INT_NA, dtype=np.int64)
        close = np.full(total + 1, np.nan)
        # per instrument: its stamps and closes; the benchmark series each one uses (a
        # benchmark shared by several instruments is converted once)
        bench_conv: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        bench_rows: dict[int, list[np.ndarray]] = {}
        for j, sym in enumerate(symbols):  # loop per instrument
            frame = prices[sym]
            sl = slice(int(starts[j]), int(starts[j] + lengths[j]))
            stamps[sl] = _ns_values(frame.index, interval, where=f"prices of {sym}")
            if has_contract_columns(frame) and len(frame):  # one 2-D array, no column look-up
                close[sl] = frame.to_numpy(dtype=np.float64, na_value=np.nan)[:, 3]
            else:
                close[sl] = frame["close"].to_numpy(dtype=np.float64, na_value=np.nan)
            if benchmark is not None and benchmark.get(sym) is not None:
                bser = benchmark[sym]
                assert bser is not None
                if id(bser) not in bench_conv:
                    bench_conv[id(bser)] = (
                        _ns_values(bser.index, interval, where=f"benchmark of {sym}"),
                        bser.to_numpy(dtype=np.float64, na_value=np.nan),
                    )
                bench_rows.setdefault(id(bser), []).append(np.arange(sl.start, sl.stop))
        return cls._finish(symbols, starts, lengths, stamps, close, bench_conv, bench_rows, returns, interval)

    @classmethod
    def _from_blocks(
        cls,
        prices: PriceBlocks,
        *,
        returns: str,
        benchmark: Mapping[str, pd.Series | None] | None,
        interval: str,
    ) -> ReturnPanel:
        """:meth:`from_prices` of blocks: their stamps and closes are the panel's rows (one
        copy, no loop per instrument); each benchmark series is converted once."""
        symbols = prices.symbols
        lengths = prices.lengths.copy()
        starts = np.cumsum(lengths) - lengths
        total = int(lengths.sum())
        # the blocks' rows in symbol order (as they are in blocks from one gather: a copy)
        rows = slice(0, total) if np.array_equal(prices.starts, starts) else segment_rows(
            prices.starts, prices.starts + lengths
        )  # fmt: skip
        stamps = np.empty(total + 1, dtype=np.int64)
        close = np.empty(total + 1)
        stamps[:total] = prices.stamps[rows]
        close[:total] = prices.column("close")[rows]
        stamps[total], close[total] = _INT_NA, np.nan
        step = stamps[1:total] <= stamps[: max(total - 1, 0)]
        step[starts[starts > 0] - 1] = False  # a symbol's first row follows another's last
        # the first instrument whose rows are not increasing (blocks from a source never are)
        bad = len(symbols)
        if step.any():
            bad = int(np.searchsorted(starts, int(np.flatnonzero(step)[0]), side="right")) - 1
        bench_conv: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        bench_rows: dict[int, list[np.ndarray]] = {}
        users: dict[int, list[int]] = {}
        for j, sym in enumerate(symbols if benchmark is not None else ()):  # per instrument: a look-up
            if j >= bad:  # the refusals in the order of the instruments, as frame by frame
                break
            bser = benchmark.get(sym)  # type: ignore[union-attr]
            if bser is None:
                continue
            if id(bser) not in bench_conv:
                bench_conv[id(bser)] = (
                    _ns_values(bser.index, interval, where=f"benchmark of {sym}"),
                    bser.to_numpy(dtype=np.float64, na_value=np.nan),
                )
            users.setdefault(id(bser), []).append(j)
        if bad < len(symbols):
            raise ConfigurationError(f"prices of {symbols[bad]}: rows must be strictly increasing in time")
        for key, js in users.items():  # per benchmark
            if len(js) == len(symbols):  # every instrument: every row (no row list)
                bench_rows[key] = []
                continue
            sel = np.asarray(js, dtype=np.int64)
            bench_rows[key] = [segment_rows(starts[sel], starts[sel] + lengths[sel])]
        return cls._finish(symbols, starts, lengths, stamps, close, bench_conv, bench_rows, returns, interval)

    @classmethod
    def _finish(
        cls,
        symbols: tuple[str, ...],
        starts: np.ndarray,
        lengths: np.ndarray,
        stamps: np.ndarray,
        close: np.ndarray,
        bench_conv: dict[int, tuple[np.ndarray, np.ndarray]],
        bench_rows: dict[int, list[np.ndarray]],
        returns: str,
        interval: str,
    ) -> ReturnPanel:
        """The panel from its rows (stamps and closes, one sentinel row at the end) and each
        benchmark's (stamps, closes) with the rows that use it: returns, benchmark returns
        on the same intervals, the carried benchmark and the keys (a benchmark whose row
        list is empty is every instrument's)."""
        total = len(stamps) - 1
        if interval in INTRADAY_INTERVALS:
            keys, days = stamps.copy(), None
        else:  # the day numbers: the keys, and the benchmark's alignment reads them
            keys = np.empty(total + 1, dtype=np.int64)
            days = np.floor_divide(stamps[:total], _NS_PER_DAY, out=keys[:total])
        keys[total] = -1
        rows_of: dict[int, slice | np.ndarray] = {}
        for key, parts in bench_rows.items():  # per benchmark: the rows that use it
            flat = np.concatenate(parts) if parts else None  # no parts: every row
            # every row (the rows of the instruments never repeat): a slice, no gather
            rows_of[key] = slice(0, total) if flat is None or len(flat) == total else flat
        whole = len(rows_of) == 1 and isinstance(next(iter(rows_of.values())), slice)
        bench_close = np.empty(total + 1) if whole else np.full(total + 1, np.nan)
        bench_close[total] = np.nan
        # the benchmark's close on each row; the carried close only where there is none (a
        # benchmark holiday, before its first close): where there is one, it is the carried one
        fill_rows: list[np.ndarray] = []
        fill_vals: list[np.ndarray] = []
        for key, rows in rows_of.items():  # loop per benchmark
            src, vals = bench_conv[key]
            d = None if days is None else days[rows]
            if isinstance(rows, slice):  # written in place: no temporaries as long as the panel
                _align_both(src, vals, stamps[rows], d, out=bench_close[rows], carried=False)
                miss = np.flatnonzero(np.isnan(bench_close[rows])) + rows.start
            else:
                bench_close[rows] = _align_both(src, vals, stamps[rows], d, carried=False)[0]
                miss = rows[np.isnan(bench_close[rows])]
            if miss.size:
                fill_rows.append(miss)
                asof = _align_both(src, vals, stamps[miss], None if days is None else days[miss])[1]
                assert asof is not None  # carried=True
                fill_vals.append(asof)
        bench_closed = np.zeros(total + 1, dtype=bool)
        carried_close = None
        if fill_rows:
            fr, fv = np.concatenate(fill_rows), np.concatenate(fill_vals)
            hit = np.isfinite(fv)
            if hit.any():
                bench_closed[fr[hit]] = True
                carried_close = bench_close.copy()
                carried_close[fr[hit]] = fv[hit]
        ret = np.empty(total + 1)  # every row is written below
        market = np.empty(total + 1)
        market_carried = market
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            # returns of every instrument in one pass over the concatenated closes; the first
            # row of each instrument has none (the pass related it to the previous one's last)
            _returns_into(close[:total], returns, ret[:total])
            _returns_into(bench_close[:total], returns, market[:total])
            if carried_close is not None:
                market_carried = np.empty(total + 1)
                _returns_into(carried_close[:total], returns, market_carried[:total])
                market_carried[total] = np.nan
        ret[total] = market[total] = np.nan
        ret[starts] = np.nan
        market[starts] = np.nan
        market_carried[starts] = np.nan
        return cls(
            symbols, starts, lengths, stamps, close, ret, market, keys, interval,
            market_carried, bench_closed,
        )  # fmt: skip

    def locate(
        self, symbols: np.ndarray | Sequence[str], t0: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Instrument index and row position of each event's day 0.

        Parameters
        ----------
        symbols : array of str
            Symbol of each event.
        t0 : ndarray of int64
            Day 0 of each event in ns (as the panel's stamps).

        Returns
        -------
        inst, pos : ndarray of int64
            -1 where the symbol is not in the panel or ``t0`` is not one of its rows.
        """
        t0 = np.asarray(t0, dtype=np.int64)
        if isinstance(symbols, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
            codes, uniq = pd.factorize(symbols)
        else:
            codes, uniq = pd.factorize(np.asarray(symbols, dtype=object))
        where = {s: j for j, s in enumerate(self.symbols)}
        # per instrument named: its panel index (a look-up); then one search for all events
        j_of = np.fromiter((where.get(str(u), -1) for u in uniq.tolist()), dtype=np.int64, count=len(uniq))
        inst = np.append(j_of, -1)[codes]  # code -1 (a missing symbol): not in the panel
        pos = np.full(len(t0), -1, dtype=np.int64)
        ev = np.flatnonzero(inst >= 0)
        if len(ev):
            a = self.starts[inst[ev]]
            n = self.lengths[inst[ev]]
            p = segment_search(self.stamps, a, a + n, t0[ev]) - a
            hit = (n > 0) & (self.stamps[a + np.minimum(p, np.maximum(n - 1, 0))] == t0[ev])
            pos[ev] = np.where(hit, p, -1)
        return inst, pos

    def gather(self, inst: np.ndarray, pos: np.ndarray, offsets: np.ndarray) -> Gathered:
        """Values of events (``inst``, ``pos`` from :meth:`locate`) at day-0 ``offsets``.

        Events with ``pos == -1`` come back entirely outside (NaN / -1).
        """
        inst = np.asarray(inst, dtype=np.int64)
        pos = np.asarray(pos, dtype=np.int64)
        offsets = np.asarray(offsets, dtype=np.int64)
        valid = (inst >= 0) & (pos >= 0)
        j = np.where(valid, inst, 0)
        if len(self.lengths):
            length = np.where(valid, self.lengths[j], 0)
            start = self.starts[j]
        else:
            length = np.zeros(len(pos), dtype=np.int64)
            start = length
        rel = pos[:, None] + offsets[None, :]
        inside = (rel >= 0) & (rel < length[:, None])
        rel += start[:, None]
        flat = np.where(inside, rel, self.sentinel)
        return Gathered(self, flat, inside)

    def instrument_rows(self, j: int) -> slice:
        """Flat rows of instrument ``j``."""
        return slice(int(self.starts[j]), int(self.starts[j] + self.lengths[j]))


def _align(src_stamps: np.ndarray, values: np.ndarray, stamps: np.ndarray) -> np.ndarray:
    """``values`` (at ``src_stamps``, sorted) taken at ``stamps`` by exact match, else NaN.

    Midnight stamps (daily data) over a span of few days are matched through a table of
    the days (one lookup each); others by binary search.
    """
    out = np.full(len(stamps), np.nan)
    if not len(src_stamps) or not len(stamps):
        return out
    lo = int(src_stamps[0])
    span = (int(src_stamps[-1]) - lo) // _NS_PER_DAY + 1
    if (
        span <= 4 * (len(src_stamps) + len(stamps))
        and not (src_stamps % _NS_PER_DAY).any()
        and not (stamps % _NS_PER_DAY).any()
    ):
        day = (src_stamps - lo) // _NS_PER_DAY
        table = np.full(span, np.nan)
        table[day] = values
        want = (stamps - lo) // _NS_PER_DAY
        inside = (want >= 0) & (want < span)
        out[inside] = table[want[inside]]
        return out
    p = np.minimum(np.searchsorted(src_stamps, stamps), len(src_stamps) - 1)
    hit = src_stamps[p] == stamps
    out[hit] = values[p[hit]]
    return out


def _align_both(
    src_stamps: np.ndarray,
    values: np.ndarray,
    stamps: np.ndarray,
    days: np.ndarray | None = None,
    out: np.ndarray | None = None,
    carried: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(_align(...), _align_asof(...))`` of the same arguments (the second None with
    ``carried=False``); for midnight stamps over a span of few days both come from two
    tables of the days (the value of each day, and the last finite value at or before it:
    a running maximum of positions), read with one gather each. ``days``: ``stamps //
    86400e9`` when the caller has them; ``out``: the array to write the first answer into."""

    def searched() -> tuple[np.ndarray, np.ndarray | None]:
        exact = _align(src_stamps, values, stamps)
        if out is not None:
            out[:] = exact
            exact = out
        return exact, _align_asof(src_stamps, values, stamps) if carried else None

    if not len(src_stamps) or not len(stamps) or (src_stamps % _NS_PER_DAY).any():
        return searched()
    lo = int(src_stamps[0]) // _NS_PER_DAY
    span = int(src_stamps[-1]) // _NS_PER_DAY - lo + 1
    if span > 4 * (len(src_stamps) + len(stamps)):
        return searched()
    if days is None:
        days = stamps // _NS_PER_DAY
    at = days * _NS_PER_DAY
    if not np.array_equal(at, stamps):  # a stamp within a day: the searches
        return searched()
    day = src_stamps // _NS_PER_DAY - lo
    # the tables have a first and a last "outside" day (NaN): day d is entry d + 1, and a
    # day before or after the benchmark's span is clipped onto one of them
    table = np.full(span + 2, np.nan)
    table[day + 1] = values
    np.subtract(days, lo - 1, out=at)  # day d is entry d - lo + 1 (clipped: outside)
    exact = np.take(table, at, mode="clip", out=out)
    if not carried:
        return exact, None
    fin = np.isfinite(values)
    last = np.full(span + 2, -1, dtype=np.int64)  # per day: position of the last finite value
    last[day[fin] + 1] = np.arange(int(fin.sum()))
    np.maximum.accumulate(last, out=last)
    asof = np.full(span + 2, np.nan)
    if fin.any():  # nothing is carried past the last finite value
        last[int(day[fin][-1]) + 2 :] = -1
        has = last >= 0
        asof[has] = values[fin][last[has]]
    asof[-1] = np.nan
    return exact, np.take(asof, at, mode="clip")


def _align_asof(src_stamps: np.ndarray, values: np.ndarray, stamps: np.ndarray) -> np.ndarray:
    """The last finite value of ``values`` (at sorted ``src_stamps``) at or before each of
    ``stamps``; NaN before the first and after the last (nothing is carried past the end
    of the series)."""
    out = np.full(len(stamps), np.nan)
    fin = np.isfinite(values)
    src, val = (src_stamps, values) if fin.all() else (src_stamps[fin], values[fin])
    if not len(src) or not len(stamps):
        return out
    p = np.searchsorted(src, stamps, side="right") - 1
    has = (p >= 0) & (stamps <= src[-1])  # never carried past the benchmark's last close
    out[has] = val[p[has]]
    return out


def _ns_index(index: pd.Index, interval: str, *, where: str) -> pd.DatetimeIndex:
    """The index as ``DatetimeIndex`` in ns: tz-naive (daily) or UTC (intraday)."""
    idx = pd.DatetimeIndex(index)
    if interval in INTRADAY_INTERVALS:
        if idx.tz is None:
            raise ConfigurationError(f"{where}: intraday rows need tz-aware bar starts")
        idx = idx.tz_convert("UTC")
    elif idx.tz is not None:
        idx = idx.tz_localize(None)
    idx = idx.as_unit("ns")
    if len(idx) > 1 and (np.diff(idx.asi8) <= 0).any():
        raise ConfigurationError(f"{where}: rows must be strictly increasing in time")
    return idx


def _ns_values(index: pd.Index, interval: str, *, where: str) -> np.ndarray:
    """int64 ns of :func:`_ns_index` (read-only view when the index already conforms)."""
    if isinstance(index, pd.DatetimeIndex) and index.unit == "ns":
        intraday = interval in INTRADAY_INTERVALS
        if (index.tz is None) != intraday:  # daily + naive, or intraday + aware (asi8 is UTC)
            ns = index.asi8
            if len(ns) > 1 and not (ns[1:] > ns[:-1]).all():
                raise ConfigurationError(f"{where}: rows must be strictly increasing in time")
            return ns
    return _ns_index(index, interval, where=where).asi8
