"""Put articles on the trading calendar and read what their ticker boxes date.

Two questions, answered for whole corpora at once:

* :func:`align_events` -- which session (or intraday bar) could a piece of news first
  move? One row per (article, instrument), the *events frame* the statistics consume.
* :func:`capture_sessions` -- which session's close-to-close change does a ticker box
  show, i.e. when was the page captured?

Conventions
-----------
Day 0
    The first session whose close is **strictly after** publication. An article published
    exactly at the close (17:30:00 on Xetra) cannot move that close: its day 0 is the next
    session and its ``market_state`` is ``post``. With intraday bars, day 0 is the first bar
    of the data that ends strictly after publication; a bar ends at the next bar's start,
    at ``start + interval`` or at the session close, whichever comes first. The event's
    ``base_price`` is then the close of the last bar that ended at or before publication
    (the last price known before the news).
Market state
    Where publication fell relative to day 0's session ``S`` (times in the exchange's time
    zone): ``regular`` from S's open to its close (a lunch break, Tokyo 11:30-12:30 or Hong
    Kong 12:00-13:00, is ``regular`` too: the session has opened and its close is still to
    come); ``pre`` before S's open on S's own date; ``post`` after the close of the previous
    session, on that session's date; ``closed`` on a date that is not a session (weekend,
    holiday). Instruments without a calendar take sessions from their data's dates, each
    spanning its whole local day, so with daily bars they are either ``regular`` or
    ``closed``; with intraday bars their bars are their trading time (``pre``/``post``
    before the first/after the last bar of the publication's local day, ``regular`` in a
    bar or in a pause between two bars of that day, ``closed`` on a day without bars).
Calendar rule
    ``calendar_rule`` says what chose the instrument's calendar and zone: ``registry`` (built
    in), ``user`` (``register_instrument``), ``suffix:.DE`` / ``bare_symbol:XNYS`` / ... (an
    unregistered Yahoo symbol, see :func:`mktnews.instruments.infer_instrument`),
    ``data_dates`` (an unregistered key of ``prices``); missing for unknown instruments.
Status
    ``ok`` when day 0 is a row of the price data. Otherwise ``no_publication_time``,
    ``unknown_instrument`` (name not in the registry nor in ``prices``), ``no_data`` (the
    source could not give prices; the message is in ``events.attrs["price_errors"]``),
    ``outside_data`` (day 0 before the first or after the last row of the data, or
    publication before the first data session of an instrument without a calendar),
    ``outside_calendar`` (publication before the first session of the instrument's
    exchange calendar, 1985-01-02 for most, even where the data reaches back further:
    the first session after publication is unknown, so it is never that first session) or
    ``gap`` (day 0 is a calendar session the data lacks; daily ``t0`` is that session, an
    intraday ``t0`` is NaT).
Matching a box with a session
    A printed value matches a session when ``|data - printed| <= half a unit of the last
    printed decimal + data error``. The data error of a close ``c`` is
    ``|c| * 2**-24 + q/2``: Yahoo stores prices as 32-bit floats (relative error up to
    ``2**-24``) and then writes them with the number of decimals ``q`` the series uses
    (4 for Yahoo; detected from the data). The Euro STOXX 50 box ``-28.8400`` (official
    change 4733.15 - 4761.99) thus matches Yahoo's ``4733.1499 - 4761.9902 = -28.8403``
    (tolerance 0.00072). A change is a close-to-close change only when the previous data
    row is the previous session of the calendar (a change across a gap in the data never
    matches). Percent boxes compare with the percent change, boxes with a level also with
    the close; every printed number must match. The printed precision is read from the
    box's ``raw`` text (``-28.8400`` has four decimals); when the number cannot be found
    there, from the shortest decimal form of the value.
Snapshot columns of the events frame
    ``snapshot_status`` compares the box with day 0 in the daily data: ``matches_t0``;
    else ``matches_other_session`` when it matches the close-to-close change of another
    session -- the earliest from the session before day 0 on (a box is captured after
    publication, so its session is at least day 0 - 1), among the sessions loaded for the
    corpus (publications +- 40 days; see :func:`capture_sessions` to search any range);
    else ``within_t0_range`` when every printed number lies in day 0's low-high range (a
    page captured during day 0); else ``no_match``. ``zero`` for a 0.0000 box (often a
    stale box), ``no_snapshot`` when the article prints nothing for that instrument,
    ``no_data`` when day 0 is not in the daily data (or not computable). Coarse boxes (a
    percent change with two decimals) match other sessions by chance more often: read
    ``matches_other_session`` for them with care.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mktnews.articles import SNAPSHOT_COLUMNS, Corpus
from mktnews.calendars import calendar_sessions, data_sessions, get_calendar
from mktnews.dispatch import frame_backend
from mktnews.errors import ArticleError, InvalidOptionError, PriceDataError, UnknownInstrumentError
from mktnews.instruments import Instrument, resolve_instrument, resolve_instruments
from mktnews.prices.base import (
    PriceSource,
    conform_prices,
    has_contract_columns,
    load_blocks,
    load_prices,
)
from mktnews.prices.blocks import PriceBlocks, segment_rows
from mktnews.vocab import (
    BAR_NS,
    INTRADAY_INTERVALS,
    CaptureStatus,
    Interval,
    MarketState,
    SnapshotStatus,
    check_option,
)

__all__ = [
    "CAPTURE_COLUMNS",
    "EVENT_COLUMNS",
    "MARKET_STATES",
    "SNAPSHOT_STATUSES",
    "STATUSES",
    "SessionArrays",
    "align_events",
    "bar_ends",
    "capture_sessions",
    "find_bars",
    "find_sessions",
    "printed_decimals",
]

#: Columns of the events frame, in order (extra article columns follow).
EVENT_COLUMNS: tuple[str, ...] = (
    "event_id",
    "article_id",
    "instrument",
    "symbol",
    "published_at",
    "market_state",
    "t0",
    "status",
    "base_price",
    "snapshot_change",
    "snapshot_pct",
    "snapshot_level",
    "change_at_t0",
    "pct_at_t0",
    "snapshot_status",
    "snapshot_session",
    "calendar_rule",
)

#: ``market_state`` values, indexed by the codes :func:`find_sessions` returns.
MARKET_STATES: tuple[str, ...] = get_args(MarketState)
#: ``status`` values of the events frame.
STATUSES: tuple[str, ...] = (
    "ok",
    "no_publication_time",
    "unknown_instrument",
    "no_data",
    "outside_data",
    "gap",
    "outside_calendar",
)
#: ``snapshot_status`` values of the events frame.
SNAPSHOT_STATUSES: tuple[str, ...] = get_args(SnapshotStatus)
_CAPTURE_STATUSES: tuple[str, ...] = get_args(CaptureStatus)

_OK, _NO_PUB, _UNKNOWN, _NO_DATA, _OUTSIDE, _GAP, _BEFORE_CALENDAR = range(7)
_M_T0, _M_OTHER, _M_RANGE, _M_NONE, _M_ZERO, _M_NODATA, _M_NOSNAP = range(7)

_INAT = np.iinfo(np.int64).min
#: pandas' ``str`` dtype (pyarrow storage, NaN for missing), spelled out: building a column
#: with it from an Arrow array is a zero-copy wrap, the ``"str"`` alias converts.
_STR = pd.StringDtype("pyarrow", na_value=np.nan)
_NS_MIN = 60_000_000_000
_NS_DAY = 86_400_000_000_000
#: Days of daily data loaded beyond the earliest and latest publication.
DAILY_MARGIN = pd.Timedelta(days=40)
#: Days of intraday data loaded beyond the earliest and latest publication.
INTRADAY_MARGIN = pd.Timedelta(days=10)
#: Relative error of a price stored as a 32-bit float (Yahoo's storage), a bound per value.
FLOAT32_REL = 2.0**-24

_INTERVAL_NS: dict[str, int] = {i: BAR_NS[i] for i in INTRADAY_INTERVALS}  # the one table


# ---------------------------------------------------------------------------
# vectorised session and bar search
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionArrays:
    """A sessions frame as int64 nanosecond arrays (UTC instants, naive session dates).

    Attributes
    ----------
    dates, opens, closes : ndarray of int64
        Session dates (tz-naive, ns), open and close instants (UTC ns).
    tz : str
        Time zone in which session dates are counted.
    """

    dates: np.ndarray
    opens: np.ndarray
    closes: np.ndarray
    tz: str
    #: per day between the first and last session: sessions before it / up to it (built once)
    _day_counts: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def count_sessions(self, dates: np.ndarray, side: str) -> np.ndarray:
        """``np.searchsorted(self.dates, dates, side)``: the sessions before (``"left"``) or
        up to (``"right"``) each date. Midnight dates are looked up in a table of the
        calendar's days (one gather instead of a binary search each); others searched."""
        dates = np.asarray(dates, dtype=np.int64)
        days = dates // _NS_DAY
        if not len(self.dates) or not np.array_equal(days * _NS_DAY, dates):
            return np.searchsorted(self.dates, dates, side=side)  # type: ignore[call-overload]
        if not self._day_counts:
            sdays = self.dates // _NS_DAY
            first = int(sdays[0])
            span = int(sdays[-1]) - first + 1
            if span > 4 * len(sdays) + 1024 or not np.array_equal(sdays * _NS_DAY, self.dates):
                self._day_counts["first"] = None  # sparse or timed: searched
            else:
                # entry 0: before the first session's day, 1..span: the days, span + 1: after
                up_to = np.zeros(span + 2, dtype=np.int64)
                np.add.at(up_to, sdays - first + 1, 1)
                np.cumsum(up_to, out=up_to)
                up_to[-1] = len(sdays)
                before = up_to.copy()
                before[1:] = up_to[:-1]
                before[-1] = len(sdays)
                self._day_counts.update(first=first, span=span, left=before, right=up_to)
        t = self._day_counts
        if t["first"] is None:
            return np.searchsorted(self.dates, dates, side=side)  # type: ignore[call-overload]
        days -= t["first"] - 1
        return np.take(t["left" if side == "left" else "right"], days, mode="clip")

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, tz: str) -> SessionArrays:
        """Build from a sessions frame (see :mod:`mktnews.calendars`)."""
        return cls(
            dates=pd.DatetimeIndex(frame.index).as_unit("ns").asi8,
            opens=pd.DatetimeIndex(frame["open"]).as_unit("ns").asi8,
            closes=pd.DatetimeIndex(frame["close"]).as_unit("ns").asi8,
            tz=tz,
        )

    def __len__(self) -> int:
        return len(self.dates)


def _local_dates(instants: np.ndarray, tz: str) -> np.ndarray:
    """Local calendar dates (naive ns) of UTC ns instants; iNaT stays iNaT."""
    idx = pd.DatetimeIndex(instants.view("M8[ns]")).tz_localize("UTC").tz_convert(tz)
    return idx.tz_localize(None).normalize().as_unit("ns").asi8


def find_sessions(
    published: np.ndarray, sessions: SessionArrays, local_dates: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Day 0 and market state of publication instants, vectorised.

    Parameters
    ----------
    published : ndarray of int64
        Publication instants, UTC nanoseconds (``iNaT`` = unknown).
    sessions : SessionArrays
        The instrument's sessions.
    local_dates : ndarray of int64, optional
        The publications' local dates in ``sessions.tz`` (naive ns, as ``_local_dates``
        gives them), when the caller has them already.

    Returns
    -------
    pos : ndarray of int64
        Position of day 0 in ``sessions``: the first session whose close is strictly after
        publication. ``-1`` for unknown publication, ``len(sessions)`` after the last close.
    state : ndarray of int8
        Index into :data:`MARKET_STATES` (``pre, regular, post, closed``), ``-1`` where
        not computable.
    """
    pub = np.asarray(published, dtype=np.int64)
    n = len(sessions)
    known = pub != _INAT
    pos = np.searchsorted(sessions.closes, pub, side="right").astype(np.int64)
    pos[~known] = -1
    state = np.full(pub.shape, -1, dtype=np.int8)
    ok = known & (pos < n)
    if not ok.any():
        return pos, state
    p = pub[ok]
    i = pos[ok]
    st = np.full(p.shape, 3, dtype=np.int8)  # closed
    regular = p >= sessions.opens[i]
    local = _local_dates(p, sessions.tz) if local_dates is None else np.asarray(local_dates)[ok]
    pre = ~regular & (local == sessions.dates[i])
    # after a close on that session's own date: the session is the one before day 0
    post = ~regular & ~pre & (i >= 1) & (local == sessions.dates[np.maximum(i - 1, 0)])
    st[post] = 2
    st[pre] = 0
    st[regular] = 1
    state[ok] = st
    return pos, state


def bar_ends(
    starts: np.ndarray, interval: str, session_closes: np.ndarray | None = None
) -> np.ndarray:
    """End instants of intraday bars: the next bar's start, ``start + interval`` or the
    close of the session the bar belongs to, whichever comes first.

    Parameters
    ----------
    starts : ndarray of int64
        Bar starts (UTC ns), strictly increasing.
    interval : str
        Bar size (``"1h"``, ``"5m"``, ...).
    session_closes : ndarray of int64, optional
        Sorted session closes of the instrument's calendar (UTC ns); the bar's session is the
        first whose close is after the bar's start.

    Returns
    -------
    ndarray of int64
    """
    check_option("interval", interval, Interval)
    if interval not in _INTERVAL_NS:
        raise InvalidOptionError("interval", interval, INTRADAY_INTERVALS, "bars need an intraday interval")
    b = np.asarray(starts, dtype=np.int64)
    ends = b + _INTERVAL_NS[interval]
    if len(b) > 1:
        ends[:-1] = np.minimum(ends[:-1], b[1:])
    if session_closes is not None and len(session_closes):
        j = np.searchsorted(session_closes, b, side="right")
        inside = j < len(session_closes)
        ends[inside] = np.minimum(ends[inside], session_closes[j[inside]])
    return ends


def find_bars(published: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Position of the first bar that ends strictly after each publication instant
    (``len(ends)`` after the last bar; ``-1`` for unknown publication)."""
    pub = np.asarray(published, dtype=np.int64)
    k = np.searchsorted(ends, pub, side="right").astype(np.int64)
    k[pub == _INAT] = -1
    return k


# ---------------------------------------------------------------------------
# daily data and box matching
# ---------------------------------------------------------------------------


def _data_quantum(close: np.ndarray) -> float:
    """Coarsest decimal unit ``10**-k`` (k = 0..6) all closes are written in; 0 if none."""
    c = close[np.isfinite(close)]
    if c.size == 0:
        return 0.0
    for k in range(7):
        scaled = c * 10.0**k
        if (np.abs(scaled - np.rint(scaled)) <= np.abs(scaled) * 2.0**-50 + 1e-7).all():
            return 10.0**-k
    return 0.0


@dataclass(frozen=True)
class _Daily:
    """Daily bars as arrays, with session changes and their error bounds (computed when
    a box is checked)."""

    dates: np.ndarray  # int64 ns
    close: np.ndarray
    high: np.ndarray
    low: np.ndarray
    prev: np.ndarray  # previous session's close; NaN when the data lacks that session
    change: np.ndarray
    pct: np.ndarray

    @property
    def n(self) -> int:
        return len(self.dates)

    @functools.cached_property
    def _quantum(self) -> float:
        return _data_quantum(self.close)

    @functools.cached_property
    def err(self) -> np.ndarray:
        """Error bound of each close."""
        return np.abs(self.close) * FLOAT32_REL + self._quantum / 2.0

    @functools.cached_property
    def err_prev(self) -> np.ndarray:
        """Error bound of each previous close."""
        return np.abs(self.prev) * FLOAT32_REL + self._quantum / 2.0

    def tol_change(self, s: np.ndarray) -> np.ndarray:
        return np.asarray(self.err[s] + self.err_prev[s])

    def tol_pct(self, s: np.ndarray) -> np.ndarray:
        prev = self.prev[s]
        return np.asarray(
            100.0 * (self.err[s] + np.abs(self.close[s] / prev) * self.err_prev[s]) / np.abs(prev)
        )


def _daily_table(frame: pd.DataFrame, cal_dates: np.ndarray | None) -> _Daily:
    index = frame.index
    if isinstance(index, pd.DatetimeIndex) and index.unit == "ns":
        dates = index.asi8
    else:
        dates = pd.DatetimeIndex(index).as_unit("ns").asi8
    if has_contract_columns(frame):  # the contract's frame: one 2-D array, no column look-ups
        values = frame.to_numpy(dtype=np.float64)
        close, high, low = values[:, 3], values[:, 1], values[:, 2]
    else:
        close = frame["close"].to_numpy(dtype=np.float64)
        high = frame["high"].to_numpy(dtype=np.float64)
        low = frame["low"].to_numpy(dtype=np.float64)
    prev = np.full(close.shape, np.nan)
    if len(close) > 1:
        prev[1:] = close[:-1]
        if cal_dates is not None:
            # the previous data row is the previous session when no calendar session lies
            # strictly between the two data dates
            between = np.searchsorted(cal_dates, dates[1:], side="left") - np.searchsorted(
                cal_dates, dates[:-1], side="right"
            )
            prev[1:][between > 0] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        change = close - prev
        pct = (close / prev - 1.0) * 100.0
    return _Daily(dates, close, high, low, prev, change, pct)


_TOKEN_SPLIT = "[^0-9.,'\u2009\u202f\u00a0]+"


def _shortest_decimals(values: np.ndarray) -> np.ndarray:
    """Decimals of the shortest decimal form of each value (0..8); NaN stays NaN."""
    v = np.asarray(values, dtype=np.float64)
    dec = np.full(v.shape, np.nan)
    todo = np.isfinite(v)
    for k in range(9):
        if not todo.any():
            break
        scaled = v * 10.0**k
        hit = todo & (np.abs(scaled - np.rint(scaled)) <= 1e-9 * np.maximum(1.0, np.abs(scaled)))
        dec[hit] = k
        todo &= ~hit
    dec[todo] = 8
    return dec


def _number_tokens(texts: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every reading of every number printed in ``texts``: (text index, absolute value,
    decimals), sorted by text index. A number with one kind of separator is read both
    ways ("1,234": 1234 or 1.234); the value decides which reading was meant."""
    if len(texts) == 0:
        return np.empty(0, np.int64), np.empty(0), np.empty(0, np.int64)
    lists = pc.split_pattern_regex(texts, _TOKEN_SPLIT)
    flat = pc.list_flatten(lists)
    parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    clean = pc.utf8_trim(pc.replace_substring_regex(flat, "['\u2009\u202f\u00a0]", ""), ".,")
    us: list[np.ndarray] = []
    vs: list[np.ndarray] = []
    ds: list[np.ndarray] = []
    for dec_sep, thousands in ((".", ","), (",", ".")):
        t = pc.replace_substring(clean, thousands, "")
        if dec_sep == ",":
            t = pc.replace_substring(t, ",", ".")
        ok = pc.match_substring_regex(t, r"^\d+(\.\d+)?$")
        okn = ok.to_numpy(zero_copy_only=False).astype(bool)
        good = pc.filter(t, ok)
        if len(good) == 0:
            continue
        vals = pc.cast(good, pa.float64()).to_numpy(zero_copy_only=False)
        dot = pc.find_substring(good, ".").to_numpy(zero_copy_only=False).astype(np.int64)
        length = pc.utf8_length(good).to_numpy(zero_copy_only=False).astype(np.int64)
        us.append(parent[okn])
        vs.append(vals)
        ds.append(np.where(dot >= 0, length - dot - 1, 0))
    if not us:
        return np.empty(0, np.int64), np.empty(0), np.empty(0, np.int64)
    u, v, d = np.concatenate(us), np.concatenate(vs), np.concatenate(ds)
    order = np.argsort(u, kind="stable")
    return u[order], v[order], d[order]


@dataclass(frozen=True)
class _BoxTexts:
    """Box texts dictionary-encoded once, with the numbers each distinct text prints."""

    code: np.ndarray  # per row: index of its text (-1: none)
    tok_u: np.ndarray  # numbers: text index (sorted)
    tok_v: np.ndarray  # absolute value of a reading
    tok_d: np.ndarray  # decimals of that reading

    @classmethod
    def read(cls, raw: pd.Series) -> _BoxTexts:
        enc = pc.dictionary_encode(_arrow_str(pd.Series(raw, copy=False).reset_index(drop=True)))
        code = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        return cls(code, *_number_tokens(enc.dictionary))

    def decimals(self, text: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Printed decimals of ``values`` (NaN-safe) in the texts ``text`` (codes)."""
        vals = np.asarray(values, dtype=np.float64)
        found = np.full(len(vals), -1, dtype=np.int64)
        rows = np.flatnonzero((text >= 0) & np.isfinite(vals))
        if rows.size and self.tok_u.size:
            start = np.searchsorted(self.tok_u, text[rows], side="left")
            cnt = np.searchsorted(self.tok_u, text[rows], side="right") - start
            tot = int(cnt.sum())
            r = np.repeat(rows, cnt)
            t = np.repeat(start, cnt) + (np.arange(tot) - np.repeat(np.cumsum(cnt) - cnt, cnt))
            target = np.abs(vals[r])
            hit = np.abs(self.tok_v[t] - target) <= 1e-9 * np.maximum(1.0, target)
            np.maximum.at(found, r[hit], self.tok_d[t[hit]])
        dec = np.where(found >= 0, found, np.nan).astype(np.float64)
        fallback = (found < 0) & np.isfinite(vals)
        if fallback.any():
            dec[fallback] = _shortest_decimals(vals[fallback])
        return dec


def printed_decimals(raw: pd.Series, values: np.ndarray) -> np.ndarray:
    """Number of decimals each value was printed with in its box's ``raw`` text.

    The number is looked up among the numbers of ``raw`` (German ``1.234,56`` and English
    ``1,234.56`` forms both read; signs and other text ignored); when it is not there (or
    ``raw`` is missing), the decimals of the value's shortest decimal form are used.
    Vectorised (pyarrow string kernels, once per distinct text).

    Parameters
    ----------
    raw : Series of str
        The box text of each value.
    values : ndarray of float
        The printed values (NaN: not printed).

    Returns
    -------
    ndarray of float
        Decimals; NaN where the value is NaN.
    """
    texts = _BoxTexts.read(raw)
    return texts.decimals(texts.code, values)


def _half_unit(decimals: np.ndarray) -> np.ndarray:
    return 0.5 * 10.0 ** (-np.asarray(decimals, dtype=np.float64))


def _match_pairs(
    qc: np.ndarray,
    qp: np.ndarray,
    ql: np.ndarray,
    hc: np.ndarray,
    hp: np.ndarray,
    hl: np.ndarray,
    d: _Daily,
    allowed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """All (query, session) pairs where every printed number matches the session.

    ``qc, qp, ql`` are printed change/percent/level (NaN = not printed), ``h*`` their half
    units. Sessions are positions in ``d``; ``allowed`` masks the sessions searched.
    Returns pairs sorted by query, then session.
    """
    nq = len(qc)
    empty = (np.empty(0, np.int64), np.empty(0, np.int64))
    if nq == 0 or d.n == 0:
        return empty
    has_c, has_p, has_l = ~np.isnan(qc), ~np.isnan(qp), ~np.isnan(ql)
    primary = np.where(has_c, 0, np.where(has_p, 1, np.where(has_l, 2, -1)))
    data_vals = (d.change, d.pct, d.close)
    queries = (qc, qp, ql)
    halves = (hc, hp, hl)
    all_s = np.arange(d.n)
    errs = (d.tol_change(all_s), d.tol_pct(all_s), d.err)
    qs: list[np.ndarray] = []
    ss: list[np.ndarray] = []
    for kind in range(3):
        sel = np.flatnonzero(primary == kind)
        if sel.size == 0:
            continue
        vals = data_vals[kind]
        valid = np.isfinite(vals)
        if allowed is not None:
            valid &= allowed
        idx = np.flatnonzero(valid)
        if idx.size == 0:
            continue
        order = idx[np.argsort(vals[idx], kind="stable")]
        sv = vals[order]
        maxerr = float(np.nanmax(errs[kind][idx]))
        v = queries[kind][sel]
        w = halves[kind][sel] + maxerr
        lo = np.searchsorted(sv, v - w, side="left")
        hi = np.searchsorted(sv, v + w, side="right")
        counts = hi - lo
        total = int(counts.sum())
        if total == 0:
            continue
        starts = np.repeat(lo, counts)
        offs = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        qs.append(np.repeat(sel, counts))
        ss.append(order[starts + offs])
    if not qs:
        return empty
    q = np.concatenate(qs)
    s = np.concatenate(ss)
    ok = np.ones(q.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        c = has_c[q]
        ok[c] &= np.abs(d.change[s[c]] - qc[q[c]]) <= hc[q[c]] + d.tol_change(s[c])
        p = has_p[q]
        ok[p] &= np.abs(d.pct[s[p]] - qp[q[p]]) <= hp[q[p]] + d.tol_pct(s[p])
        lv = has_l[q]
        ok[lv] &= np.abs(d.close[s[lv]] - ql[q[lv]]) <= hl[q[lv]] + d.err[s[lv]]
    q, s = q[ok], s[ok]
    order2 = np.lexsort((s, q))
    return q[order2], s[order2]


def _in_range(
    qc: np.ndarray,
    qp: np.ndarray,
    ql: np.ndarray,
    hc: np.ndarray,
    hp: np.ndarray,
    hl: np.ndarray,
    d: _Daily,
    s: np.ndarray,
) -> np.ndarray:
    """Whether every printed number lies in session ``s``'s intraday range (elementwise:
    query i against session s[i]); at least one number must be printed."""
    prev = d.prev[s]
    tc = hc + d.tol_change(s)
    tp = hp + d.tol_pct(s)
    tl = hl + d.err[s]
    with np.errstate(invalid="ignore", divide="ignore"):
        lo_c, hi_c = d.low[s] - prev, d.high[s] - prev
        lo_p, hi_p = (d.low[s] / prev - 1.0) * 100.0, (d.high[s] / prev - 1.0) * 100.0
        ok_c = np.isnan(qc) | ((qc >= lo_c - tc) & (qc <= hi_c + tc))
        ok_p = np.isnan(qp) | ((qp >= lo_p - tp) & (qp <= hi_p + tp))
        ok_l = np.isnan(ql) | ((ql >= d.low[s] - tl) & (ql <= d.high[s] + tl))
    printed = ~(np.isnan(qc) & np.isnan(qp) & np.isnan(ql))
    return np.asarray(printed & ok_c & ok_p & ok_l)


# ---------------------------------------------------------------------------
# corpus -> rows (article, instrument)
# ---------------------------------------------------------------------------


def as_corpus(obj: Corpus | pd.DataFrame) -> Corpus:
    if isinstance(obj, Corpus):
        return obj
    if isinstance(obj, pd.DataFrame):
        art = obj
        if "article_id" not in art.columns:
            art = art.reset_index()
            if "article_id" not in art.columns:
                first = art.columns[0]
                art = art.rename(columns={first: "article_id"})
        if "published_at" not in art.columns:
            raise ArticleError(
                "the articles frame has no 'published_at' column (columns: "
                f"{list(obj.columns)}); read it with mktnews.read_articles(..., time_col=...)"
            )
        art = art.copy()
        art["article_id"] = art["article_id"].astype("str")
        dup = art["article_id"].duplicated()
        if dup.any():
            raise ArticleError(
                f"article_id {art['article_id'][dup].iloc[0]!r} appears more than once in the "
                "articles frame (row ids must be unique)"
            )
        snaps = pd.DataFrame({c: pd.Series(dtype="object") for c in SNAPSHOT_COLUMNS})
        return Corpus(art, snaps, pd.DataFrame({"source": [], "reason": []}), len(art))
    raise TypeError(
        f"align_events takes a Corpus or an articles DataFrame, not {type(obj).__name__}"
    )


def published_ns(articles: pd.DataFrame, tz: str | None) -> np.ndarray:
    """Publication instants as UTC int64 ns (iNaT = unknown)."""
    if "published_at" not in articles.columns:
        return np.full(len(articles), _INAT, dtype=np.int64)
    col = articles["published_at"]
    if not isinstance(col.dtype, pd.DatetimeTZDtype) and not pd.api.types.is_datetime64_dtype(col.dtype):
        try:
            col = pd.to_datetime(col, format="mixed")
        except (ValueError, TypeError) as exc:
            # several UTC offsets (summer and winter time): fine when every value has one
            text = col.astype("str")
            has_offset = text.str.contains(r"(?:[+-]\d\d:?\d\d|Z)\s*$", regex=True, na=True)
            if not bool(has_offset.all()):
                raise ArticleError(
                    f"published_at cannot be read as times: {exc} (rows mix times with and "
                    "without a UTC offset)"
                ) from exc
            try:
                col = pd.to_datetime(col, format="mixed", utc=True)
            except (ValueError, TypeError) as exc2:
                raise ArticleError(f"published_at cannot be read as times: {exc2}") from exc2
    idx = pd.DatetimeIndex(col)
    if idx.tz is None:
        if idx.notna().any() and tz is None:
            raise InvalidOptionError(
                "tz",
                None,
                reason="published_at has no time zone; name the zone the times are in, "
                "e.g. tz='Europe/Berlin'",
            )
        if tz is not None:
            try:
                idx = idx.tz_localize(tz, ambiguous="raise", nonexistent="raise")
            except Exception as exc:  # pandas raises several types here
                raise InvalidOptionError(
                    "tz", tz, reason=f"published_at cannot be placed in {tz}: {exc}"
                ) from exc
        else:
            idx = idx.tz_localize("UTC")
    return idx.tz_convert("UTC").as_unit("ns").asi8.copy()


def _first_or_nan(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col in frame.columns:
        return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64)
    return np.full(len(frame), np.nan)


def _arrow_str(values: pd.Series | pd.Index | np.ndarray | Sequence[Any]) -> pa.Array:
    """Values as one pyarrow string array (missing values become nulls)."""
    s = values if isinstance(values, pd.Series) else pd.Series(values, copy=False)
    if s.dtype != "str":
        s = s.astype("str")
    arr = pa.array(s)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr


def _encode(values: pd.Series | np.ndarray | Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Dictionary-encode names: (codes, distinct names); blank names and missing values
    get code -1."""
    arr = _arrow_str(values)
    if len(arr) == 0:
        return np.empty(0, np.int64), np.empty(0, dtype=object)
    enc = pc.dictionary_encode(arr)
    codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    names = np.asarray(enc.dictionary.to_pylist(), dtype=object)
    blank = np.array([not str(x).strip() for x in names], dtype=bool)
    if blank.any():
        remap = np.where(blank, -1, np.arange(len(names)))
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
    return codes, names


def _str_from_codes(codes: np.ndarray, labels: Sequence[Any] | np.ndarray) -> pd.Series:
    """A ``str`` column taking ``labels[code]`` (missing where code is -1)."""
    lab = pa.array([None if x is None else str(x) for x in labels], type=pa.large_string())
    c = np.asarray(codes, dtype=np.int64)
    idx = pa.array(c, mask=c < 0)
    return pd.Series(pc.take(lab, idx), dtype=_STR)


@dataclass
class _Rows:
    """(article, instrument) rows before alignment."""

    art: np.ndarray  # int positions into articles
    position: np.ndarray  # int: position in the box (snapshot mode) or in the list
    inst: np.ndarray  # int code into ``names`` (-1: no instrument)
    names: np.ndarray  # object: distinct instrument names
    change: np.ndarray
    pct: np.ndarray
    level: np.ndarray
    raw: pd.Series  # str, aligned with the rows
    zero: np.ndarray  # bool
    dropped: list[tuple[str, str]]

    def take(self, sel: np.ndarray) -> _Rows:
        return _Rows(
            self.art[sel],
            self.position[sel],
            self.inst[sel],
            self.names,
            self.change[sel],
            self.pct[sel],
            self.level[sel],
            self.raw.take(sel).reset_index(drop=True),
            self.zero[sel],
            self.dropped,
        )


def resolve_box_name(name: Any, prices: Mapping[str, pd.DataFrame] | None) -> Instrument | None:
    if name is None or not str(name).strip():
        return None
    try:
        return resolve_instrument(str(name))
    except UnknownInstrumentError:
        if prices is not None and str(name) in prices:
            return resolve_instrument(str(name), allow_unregistered_symbol=True)
        return None


def _resolve_box_names(names: Sequence[Any], prices: Mapping[str, pd.DataFrame] | None) -> list[Instrument | None]:
    """:func:`resolve_box_name` of each name, the registry and the rules asked once for
    all (:func:`~mktnews.instruments.resolve_instruments`)."""
    got = resolve_instruments([str(n) if n is not None else None for n in names])
    for i, (name, r) in enumerate(zip(names, got, strict=True)):  # per name left unresolved
        if r is None and name is not None and str(name).strip():
            got[i] = resolve_box_name(name, prices)  # a symbol of the user's prices, else None
    return got


def _article_positions(art_ids: pa.Array, snap_ids: pa.Array) -> np.ndarray:
    """Position in the articles of each snapshot's article id."""
    if len(snap_ids) == len(art_ids) and pc.all(pc.equal(snap_ids, art_ids)).as_py():
        return np.arange(len(art_ids), dtype=np.int64)
    index = pd.Index(pd.Series(art_ids, dtype="str"))
    if not index.is_unique:
        dup = index[index.duplicated()][0]
        raise ArticleError(f"article_id {dup!r} appears more than once in the corpus")
    pos = index.get_indexer(pd.Index(pd.Series(snap_ids, dtype="str")))
    if (pos < 0).any():
        bad = snap_ids[int(np.flatnonzero(pos < 0)[0])].as_py()
        raise ArticleError(f"snapshot of article {bad!r}, which is not among the corpus's articles")
    return pos.astype(np.int64)


def _snapshot_rows(corpus: Corpus) -> _Rows:
    """Snapshots with article positions, plus one row from the first-instrument article
    columns for each article without snapshot rows (tables of events, articles without
    a box), ordered by article then box position."""
    arts = corpus.articles
    n_art = len(arts)
    snaps = corpus.snapshots
    m = len(snaps)
    if m:
        art_s = _article_positions(_arrow_str(arts["article_id"]), _arrow_str(snaps["article_id"]))
        pos_s = (
            pd.to_numeric(snaps["position"]).to_numpy(dtype=np.int64)
            if "position" in snaps
            else np.zeros(m, np.int64)
        )
        zero_s = (
            snaps["zero_flag"].fillna(False).to_numpy(dtype=bool)
            if "zero_flag" in snaps
            else np.zeros(m, bool)
        )
        inst_vals: list[pd.Series] = [snaps["instrument"].reset_index(drop=True)]
        raw_vals: list[pd.Series] = [
            (snaps["raw"] if "raw" in snaps else pd.Series([None] * m)).reset_index(drop=True)
        ]
        num = [_first_or_nan(snaps, c) for c in ("change", "change_pct", "level")]
    else:
        art_s = np.empty(0, np.int64)
        pos_s = np.empty(0, np.int64)
        zero_s = np.empty(0, bool)
        inst_vals, raw_vals = [], []
        num = [np.empty(0), np.empty(0), np.empty(0)]
    extra = np.flatnonzero(np.bincount(art_s, minlength=n_art) == 0)
    art, position, zero = art_s, pos_s, zero_s
    change, pct, level = num
    if extra.size:
        col = arts["instrument"] if "instrument" in arts else pd.Series([None] * n_art)
        rawc = arts["snapshot_raw"] if "snapshot_raw" in arts else pd.Series([None] * n_art)
        inst_vals.append(col.reset_index(drop=True).take(extra).reset_index(drop=True))
        raw_vals.append(rawc.reset_index(drop=True).take(extra).reset_index(drop=True))
        e_chg = _first_or_nan(arts, "snapshot_change")[extra]
        e_pct = _first_or_nan(arts, "snapshot_pct")[extra]
        e_lvl = _first_or_nan(arts, "snapshot_level")[extra]
        art = np.r_[art_s, extra]
        position = np.r_[pos_s, np.zeros(extra.size, np.int64)]
        zero = np.r_[zero_s, (e_chg == 0) | (e_pct == 0)]
        change, pct, level = np.r_[change, e_chg], np.r_[pct, e_pct], np.r_[level, e_lvl]
    inst_all = pd.concat([v.astype("str") for v in inst_vals], ignore_index=True) if inst_vals else pd.Series([], dtype="str")
    raw_all = pd.concat([v.astype("str") for v in raw_vals], ignore_index=True) if raw_vals else pd.Series([], dtype="str")
    inst, names = _encode(inst_all)
    rows = _Rows(art, position, inst, names, change, pct, level, raw_all, zero, [])
    ordered = art.size < 2 or bool(
        ((np.diff(art) > 0) | ((np.diff(art) == 0) & (np.diff(position) > 0))).all()
    )
    if not ordered:
        rows = rows.take(np.lexsort((position, art)))
    return rows


def _dedupe_snapshots(snap: _Rows, snap_inst: list[Instrument | None], arts: pd.DataFrame) -> _Rows:
    """One row per (article, symbol): a box naming an instrument twice keeps the first
    (the dropped ones are listed in ``dropped``)."""
    sym_code, _ = _symbol_codes(snap.inst, snap_inst)
    # unknown instruments are keyed by their printed name (their event_id uses it)
    sym_code = np.where(sym_code >= 0, sym_code, -1 - np.asarray(snap.inst, dtype=np.int64))
    multi = np.bincount(snap.art, minlength=len(arts))[snap.art] > 1
    sub = np.flatnonzero(multi)
    if sub.size:
        key = pd.DataFrame({"a": snap.art[sub], "s": sym_code[sub]})
        dup = sub[key.duplicated().to_numpy()]
        if dup.size:
            ids = arts["article_id"].astype("str").to_numpy()
            dropped = [
                (str(ids[a]), str(snap.names[c]))
                for a, c in zip(snap.art[dup], snap.inst[dup], strict=True)
            ]
            keep = np.ones(len(snap.art), dtype=bool)
            keep[dup] = False
            snap = snap.take(np.flatnonzero(keep))
            snap.dropped = dropped
    return snap


def _check_instrument_list(instruments: Sequence[str], prices: Mapping[str, pd.DataFrame] | None) -> list[str]:
    """The names of ``instruments=[...]``: not empty, no symbol named twice."""
    names_list = [str(x) for x in instruments]
    if not names_list:
        raise InvalidOptionError("instruments", instruments, reason="the list is empty")
    seen: dict[str, str] = {}
    for nm in names_list:
        r = resolve_box_name(nm, prices)
        if r is None:
            continue
        if r.symbol in seen:
            raise InvalidOptionError(
                "instruments",
                instruments,
                reason=f"{r.symbol} is listed twice (as {seen[r.symbol]!r} and {nm!r})",
            )
        seen[r.symbol] = nm
    return names_list


def _event_rows(
    corpus: Corpus,
    instruments: str | Sequence[str],
    prices: Mapping[str, pd.DataFrame] | None,
    dedupe: bool = True,
) -> tuple[_Rows, list[Instrument | None]]:
    """Rows (article, instrument) and the instrument each distinct name resolves to."""
    arts = corpus.articles
    n_art = len(arts)
    snap = _snapshot_rows(corpus)
    memo: dict[Any, Instrument | None] = {}  # each distinct name resolved once per call

    def resolve_all(names: Sequence[Any] | np.ndarray) -> list[Instrument | None]:
        # a str subclass (numpy's str_) is the same name as the str
        keys = [(str, str(x)) if isinstance(x, str) else (type(x), x) for x in names]
        new = list(dict.fromkeys(k for k in keys if k not in memo))
        for k, r in zip(new, _resolve_box_names([k[1] for k in new], prices), strict=True):
            memo[k] = r
        return [memo[k] for k in keys]

    snap_inst = resolve_all(snap.names)
    if isinstance(instruments, str) and instruments == "snapshot":
        if dedupe and len(snap.art):
            snap = _dedupe_snapshots(snap, snap_inst, arts)
        return snap, snap_inst

    if isinstance(instruments, str):
        if instruments in arts.columns:
            inst, names = _encode(arts[instruments].reset_index(drop=True))
            art_idx = np.arange(n_art, dtype=np.int64)
            position = np.zeros(n_art, dtype=np.int64)
        else:
            try:
                resolve_instrument(instruments)
            except UnknownInstrumentError as exc:
                raise InvalidOptionError(
                    "instruments",
                    instruments,
                    reason="expected 'snapshot', a list of instrument names/symbols, or the "
                    f"name of a corpus column (columns: {list(arts.columns)}); {exc}",
                ) from exc
            instruments = [instruments]
    if not isinstance(instruments, str):
        names_list = _check_instrument_list(instruments, prices)
        k = len(names_list)
        names = np.asarray(names_list, dtype=object)
        art_idx = np.repeat(np.arange(n_art, dtype=np.int64), k)
        inst = np.tile(np.arange(k, dtype=np.int64), n_art)
        position = inst.copy()
    row_inst = resolve_all(names)
    # printed values: the article's first snapshot of the same symbol
    symbols: dict[str, int] = {}
    row_sym, _ = _symbol_codes(inst, row_inst, symbols)
    snap_sym, _ = _symbol_codes(snap.inst, snap_inst, symbols)
    stride = len(symbols) + 1
    has_s = snap_sym >= 0
    skey = snap.art[has_s] * stride + snap_sym[has_s]
    sidx = np.flatnonzero(has_s)
    ukey, first = np.unique(skey, return_index=True)
    rkey = art_idx * stride + row_sym
    at = np.searchsorted(ukey, rkey)
    atc = np.minimum(at, max(len(ukey) - 1, 0))
    hit = (row_sym >= 0) & (at < len(ukey)) & (ukey[atc] == rkey) if len(ukey) else np.zeros(len(rkey), bool)
    src = np.where(hit, sidx[first[atc]] if len(ukey) else 0, 0)
    R = len(art_idx)

    def pick(values: np.ndarray, fill: Any) -> np.ndarray:
        if len(values) == 0:
            return np.full(R, fill)
        return np.where(hit, values[src], fill)

    raw = snap.raw.take(src).reset_index(drop=True) if len(snap.raw) else pd.Series([None] * R, dtype="str")
    raw = raw.where(pd.Series(hit), None)
    rows = _Rows(
        art=art_idx,
        position=position,
        inst=inst,
        names=names,
        change=pick(snap.change, np.nan).astype(np.float64),
        pct=pick(snap.pct, np.nan).astype(np.float64),
        level=pick(snap.level, np.nan).astype(np.float64),
        raw=raw,
        zero=pick(snap.zero, False).astype(bool),
        dropped=[],
    )
    return rows, row_inst


def _symbol_codes(
    inst: np.ndarray, resolved: Sequence[Instrument | None], table: dict[str, int] | None = None
) -> tuple[np.ndarray, dict[str, int]]:
    """Symbol code per row (-1 unknown), through the names' resolutions; ``table`` maps
    symbols to codes and grows as needed."""
    table = {} if table is None else table
    codes_of = [-1 if r is None else table.setdefault(r.symbol, len(table)) for r in resolved]
    per_name = np.array([*codes_of, -1], dtype=np.int64)  # the last one: no instrument
    codes = per_name[np.where(inst >= 0, inst, len(resolved))]
    return codes, table


# ---------------------------------------------------------------------------
# per-instrument data: prices and sessions
# ---------------------------------------------------------------------------


def _get_prices(
    symbol: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
    interval: str,
    source: PriceSource | None,
    prices: Mapping[str, pd.DataFrame] | None,
    errors: dict[str, str],
    label: str | None = None,
    failed: Mapping[str, str] | None = None,
) -> pd.DataFrame | None:
    """Prices of one symbol (from ``prices`` when it has them), or None with the reason
    recorded in ``errors[label]`` (``label`` defaults to the symbol); ``failed`` holds the
    symbols a batched fetch already failed for (not asked again)."""
    label = label or symbol
    if failed and symbol in failed and not (prices is not None and symbol in prices):
        errors[label] = failed[symbol]
        return None
    try:
        if prices is not None and symbol in prices:
            frame = prices[symbol]
            if not has_contract_columns(frame) or frame.attrs.get("interval") != interval:
                frame = conform_prices(
                    frame, symbol=symbol, interval=interval, source="prices argument"
                )
            if interval == "1d" and pd.DatetimeIndex(frame.index).tz is not None:
                raise PriceDataError(f"prices[{symbol!r}] holds intraday bars; daily bars were needed")
            if interval != "1d" and pd.DatetimeIndex(frame.index).tz is None:
                raise PriceDataError(f"prices[{symbol!r}] holds daily bars; {interval} bars were needed")
        else:
            frame = load_prices(symbol, start, end, interval=interval, source=source)  # type: ignore[arg-type]
    except PriceDataError as exc:
        errors[label] = str(exc)
        return None
    return frame


#: Session arrays per calendar code: the calendars' sessions frames are cached and never
#: change, so their int64 arrays are built once per process, not once per instrument.
_CALENDAR_ARRAYS: dict[str, SessionArrays] = {}


def _calendar_arrays(inst: Instrument) -> SessionArrays | None:
    if inst.calendar is None:
        return None
    got = _CALENDAR_ARRAYS.get(inst.calendar)
    if got is None:
        path = _calendar_file(inst.calendar)
        got = _read_calendar_file(path)
        if got is None:
            cal = get_calendar(inst.calendar)
            got = SessionArrays.from_frame(calendar_sessions(inst.calendar), str(cal.tz))
            _write_calendar_file(path, got)
        _CALENDAR_ARRAYS[inst.calendar] = got
    return got


def _calendar_file(code: str) -> Path | None:
    """Where the session arrays of calendar ``code`` are kept between processes: the cache
    folder's ``calendars/``, one file per code, exchange_calendars and mktnews version and
    day (exchange_calendars' calendars end a year after the day they are built); None when
    the versions cannot be read."""
    from importlib import metadata

    from mktnews.prices.cache import cache_root

    try:
        xc_v, mn_v = metadata.version("exchange_calendars"), metadata.version("mktnews")
    except metadata.PackageNotFoundError:
        return None
    today = pd.Timestamp.now(tz="UTC").strftime("%Y%m%d")
    safe = "".join(ch if ch.isalnum() else "_" for ch in code)
    return cache_root() / "calendars" / f"{safe}-{xc_v}-{mn_v}-{today}.npz"


def _read_calendar_file(path: Path | None) -> SessionArrays | None:
    """The arrays stored at ``path``, or None (missing or unreadable: rebuilt)."""
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            dates, opens, closes, tz = z["dates"], z["opens"], z["closes"], str(z["tz"])
    except (OSError, ValueError, KeyError):
        return None
    if not (dates.dtype == opens.dtype == closes.dtype == np.int64 and dates.shape == opens.shape == closes.shape):
        return None
    return SessionArrays(dates=dates, opens=opens, closes=closes, tz=tz)


def _write_calendar_file(path: Path | None, arrays: SessionArrays) -> None:
    """Keep ``arrays`` at ``path`` (atomically); a folder that cannot be written is skipped:
    the calendar is then built again by the next process."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, dates=arrays.dates, opens=arrays.opens, closes=arrays.closes, tz=np.str_(arrays.tz))
        os.replace(tmp, path)
    except OSError:
        return


def _prefetch(
    source: PriceSource | None,
    prices: Mapping[str, pd.DataFrame] | None,
    groups: list[tuple[int, np.ndarray]],
    symbols: list[str],
    pub: np.ndarray,
    interval: str,
) -> dict[str, str]:
    """Batched fetch of every instrument's range for sources that have ``fetch_many``
    (Yahoo: through the cache, a progress bar); the failures by symbol."""
    many = getattr(source, "fetch_many", None)
    if not callable(many):
        return {}
    margin = (DAILY_MARGIN if interval == "1d" else INTRADAY_MARGIN) + pd.Timedelta(days=1)
    ranges: dict[str, tuple[pd.Timestamp, pd.Timestamp]] = {}
    for code, idx in groups:  # per instrument
        sym = symbols[code]
        win = _window(pub[idx], margin)
        if win is None or (prices is not None and sym in prices):
            continue
        if interval == "1d":
            ranges[sym] = (win[0].tz_localize(None).normalize(), win[1].tz_localize(None).normalize())
        else:
            ranges[sym] = win
    if len(ranges) < 2:
        return {}
    _, failed = many(ranges, interval=interval)
    return dict(failed)


def _data_session_arrays(dates: pd.DatetimeIndex, tz: str) -> SessionArrays:
    return SessionArrays.from_frame(data_sessions(dates, tz), tz)


def _window(pub: np.ndarray, margin: pd.Timedelta) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    known = pub[pub != _INAT]
    if known.size == 0:
        return None
    lo = pd.Timestamp(int(known.min()), tz="UTC") - margin
    hi = pd.Timestamp(int(known.max()), tz="UTC") + margin
    return lo, hi


# ---------------------------------------------------------------------------
# alignment blocks (one instrument at a time, vectorised over its events)
# ---------------------------------------------------------------------------


@dataclass
class _Block:
    status: np.ndarray
    state: np.ndarray
    t0: np.ndarray  # int64 ns
    session: np.ndarray  # int64 ns naive date of day 0's session (for the box check)
    base: np.ndarray


def _align_intraday(
    pub: np.ndarray,
    sess: SessionArrays | None,
    bars: pd.DataFrame | None,
    interval: str,
) -> _Block:
    """Intraday day 0 on an exchange calendar: the first bar ending after publication,
    which must belong to day 0's session (else the data lacks that session: ``gap``)."""
    m = len(pub)
    known = pub != _INAT
    status = np.where(known, _NO_DATA, _NO_PUB).astype(np.int8)
    state = np.full(m, -1, dtype=np.int8)
    t0 = np.full(m, _INAT, dtype=np.int64)
    session = np.full(m, _INAT, dtype=np.int64)
    base = np.full(m, np.nan)
    if bars is not None and len(bars) == 0:  # the source has no bars near these publications
        status[known] = _OUTSIDE
    if sess is None or len(sess) == 0:
        return _Block(status, state, t0, session, base)
    pos, state = find_sessions(pub, sess)
    n = len(sess)
    inside = known & (pos < n)
    if bars is None or len(bars) == 0:
        return _Block(status, state, t0, session, base)
    session[inside] = sess.dates[pos[inside]]
    starts = pd.DatetimeIndex(bars.index).as_unit("ns").asi8
    close = bars["close"].to_numpy(dtype=np.float64)
    ends = bar_ends(starts, interval, sess.closes)
    nb = len(starts)
    k = find_bars(pub, ends)
    kc = np.clip(k, 0, nb - 1)
    bar_sess = np.searchsorted(sess.closes, starts, side="right")
    same = inside & (k < nb) & (bar_sess[kc] == pos)
    outside = known & (~inside | (k >= nb) | ((k == 0) & (bar_sess[0] > pos)))
    before = known & (pub < sess.opens[0])  # before the calendar's first session
    outside |= before
    ok = same & ~outside
    gap = known & ~outside & ~same
    status[known] = _OK
    status[gap] = _GAP
    status[outside] = _OUTSIDE
    status[before] = _BEFORE_CALENDAR
    session[outside] = _INAT
    t0[ok] = starts[k[ok]]
    has_prev = ok & (k >= 1)
    base[has_prev] = close[k[has_prev] - 1]
    return _Block(status, state, t0, session, base)


def _align_intraday_bars_only(pub: np.ndarray, bars: pd.DataFrame | None, interval: str, tz: str) -> _Block:
    """Intraday day 0 for an instrument without a calendar: its bars are its trading time.

    Day 0 is the first bar ending after publication. ``market_state``: ``regular`` inside
    a bar or in a pause between two bars of the same local day; ``pre`` before the first
    bar of the publication's local day; ``post`` after its last bar; ``closed`` on a local
    day without bars. Publication before the first bar of the data (loaded from ten days
    before the earliest publication) or after the last bar ends is ``outside_data``.
    The session used for the box columns is the local date of day 0's bar.
    """
    m = len(pub)
    known = pub != _INAT
    status = np.where(known, _NO_DATA, _NO_PUB).astype(np.int8)
    state = np.full(m, -1, dtype=np.int8)
    t0 = np.full(m, _INAT, dtype=np.int64)
    session = np.full(m, _INAT, dtype=np.int64)
    base = np.full(m, np.nan)
    if bars is None:
        return _Block(status, state, t0, session, base)
    if len(bars) == 0:
        status[known] = _OUTSIDE
        return _Block(status, state, t0, session, base)
    starts = pd.DatetimeIndex(bars.index).as_unit("ns").asi8
    close = bars["close"].to_numpy(dtype=np.float64)
    nb = len(starts)
    ends = bar_ends(starts, interval, None)
    k = find_bars(pub, ends)
    kc = np.clip(k, 0, nb - 1)
    bar_day = _local_dates(starts, tz)
    outside = known & ((k >= nb) | (pub < starts[0]))
    ok = known & ~outside
    status[known] = _OK
    status[outside] = _OUTSIDE
    day = np.full(m, _INAT, dtype=np.int64)
    day[known] = _local_dates(pub[known], tz)
    prev_day = np.where(k >= 1, bar_day[np.maximum(k - 1, 0)], _INAT)
    next_day = bar_day[kc]
    in_bar = pub >= starts[kc]
    st = np.full(m, 3, dtype=np.int8)  # closed
    st[prev_day == day] = 2  # post: the day had bars, all before publication
    st[next_day == day] = 0  # pre: the day's bars are still to come
    st[(next_day == day) & (prev_day == day)] = 1  # a pause between two bars of the day
    st[in_bar & (k < nb)] = 1
    state[ok] = st[ok]
    t0[ok] = starts[k[ok]]
    session[ok] = bar_day[k[ok]]
    has_prev = ok & (k >= 1)
    base[has_prev] = close[k[has_prev] - 1]
    return _Block(status, state, t0, session, base)


@dataclass
class _BoxCheck:
    status: np.ndarray
    change: np.ndarray
    pct: np.ndarray
    session: np.ndarray


@dataclass(frozen=True)
class _Queries:
    """Distinct printed boxes (value triple and box text) of a set of rows."""

    code: np.ndarray  # per row: index of its distinct box
    c: np.ndarray
    p: np.ndarray
    lv: np.ndarray
    hc: np.ndarray  # half a unit of the last printed decimal
    hp: np.ndarray
    hl: np.ndarray


def _combine_codes(parts: Sequence[np.ndarray]) -> np.ndarray:
    """One code per distinct tuple of integer codes (order of first appearance)."""
    code = np.zeros(len(parts[0]), dtype=np.int64)
    for part in parts:
        p = np.asarray(part, dtype=np.int64) + 1
        key = code * (int(p.max(initial=0)) + 1) + p
        code = pd.factorize(key)[0].astype(np.int64)
    return code


def _queries(
    qc: np.ndarray, qp: np.ndarray, ql: np.ndarray, text: np.ndarray, texts: _BoxTexts
) -> _Queries:
    """Deduplicate boxes (values and text), then read the printed precision once per
    distinct box."""
    parts = [pd.factorize(v)[0] for v in (qc, qp, ql) if not np.isnan(v).all()]
    code = _combine_codes([*parts, text])
    if code.size:
        seen = np.maximum.accumulate(code)
        first = np.flatnonzero(np.r_[True, code[1:] > seen[:-1]])
    else:
        first = np.empty(0, np.int64)
    c, p, lv, tx = qc[first], qp[first], ql[first], text[first]
    return _Queries(
        code,
        c,
        p,
        lv,
        _half_unit(texts.decimals(tx, c)),
        _half_unit(texts.decimals(tx, p)),
        _half_unit(texts.decimals(tx, lv)),
    )


def _printed_status(
    change: np.ndarray, pct: np.ndarray, level: np.ndarray, zero: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(printed, zero box, initial snapshot status) of rows: ``no_snapshot`` where the box
    prints nothing, ``zero`` for a 0.0000 box, else ``no_data`` until a check says more."""
    printed = ~(np.isnan(change) & np.isnan(pct) & np.isnan(level))
    is_zero = printed & (zero | (change == 0) | (pct == 0))
    st = np.full(len(change), _M_NODATA, dtype=np.int8)
    st[~printed] = _M_NOSNAP
    st[is_zero] = _M_ZERO
    return printed, is_zero, st


def _check_boxes(
    qc: np.ndarray,
    qp: np.ndarray,
    ql: np.ndarray,
    text: np.ndarray,
    texts: _BoxTexts,
    zero: np.ndarray,
    session: np.ndarray,
    d: _Daily | None,
    window: np.ndarray | None,
) -> _BoxCheck:
    """Snapshot columns of the events frame for one instrument's rows."""
    m = len(qc)
    printed, is_zero, st = _printed_status(qc, qp, ql, zero)
    chg = np.full(m, np.nan)
    pct = np.full(m, np.nan)
    matched = np.full(m, _INAT, dtype=np.int64)
    if d is None or d.n == 0:
        return _BoxCheck(st, chg, pct, matched)
    known = session != _INAT
    j = np.searchsorted(d.dates, session, side="left")
    jc = np.minimum(j, d.n - 1)
    in_data = known & (j < d.n) & (d.dates[jc] == session)
    chg[in_data] = d.change[jc[in_data]]
    pct[in_data] = d.pct[jc[in_data]]
    todo = np.flatnonzero(printed & ~is_zero & known)
    if todo.size == 0:
        return _BoxCheck(st, chg, pct, matched)
    c, p, lv = qc[todo], qp[todo], ql[todo]
    q = _queries(c, p, lv, text[todo], texts)
    qi, si = _match_pairs(q.c, q.p, q.lv, q.hc, q.hp, q.hl, d, window)
    # pairs keyed by (unique query, session), sorted
    stride = d.n + 1
    keys = qi * stride + si
    uq = q.code
    jt = j[todo]
    idt = in_data[todo]
    res = np.full(todo.size, _M_NONE, dtype=np.int8)
    res[~idt] = _M_NODATA
    sess_out = np.full(todo.size, _INAT, dtype=np.int64)
    if keys.size:
        want = uq * stride + np.minimum(jt, d.n - 1)
        x = np.searchsorted(keys, want)
        t0_hit = idt & (x < keys.size) & (keys[np.minimum(x, keys.size - 1)] == want)
        res[t0_hit] = _M_T0
        sess_out[t0_hit] = d.dates[jt[t0_hit]]
        thresh = np.maximum(jt - 1, 0)
        y = np.searchsorted(keys, uq * stride + thresh)
        yc = np.minimum(y, keys.size - 1)
        other = ~t0_hit & (y < keys.size) & (keys[yc] // stride == uq)
        res[other] = _M_OTHER
        sess_out[other] = d.dates[keys[yc[other]] % stride]
    rest = idt & (res == _M_NONE)
    if rest.any():
        r = np.flatnonzero(rest)
        ur = uq[r]
        inr = _in_range(c[r], p[r], lv[r], q.hc[ur], q.hp[ur], q.hl[ur], d, jt[r])
        res[r[inr]] = _M_RANGE
    st[todo] = res
    matched[todo] = sess_out
    return _BoxCheck(st, chg, pct, matched)


# ---------------------------------------------------------------------------
# align_events
# ---------------------------------------------------------------------------


def _group_positions(codes: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """(code, row positions) for each non-negative code, rows in their original order."""
    c = np.asarray(codes)
    small = c.size and int(c.min()) >= -32768 and int(c.max()) < 32767
    # stable sort of small integers is a radix sort in numpy
    order = np.argsort(c.astype(np.int16) if small else c, kind="stable")
    sc = c[order]
    cuts = np.flatnonzero(np.diff(sc)) + 1
    out = []
    for chunk in np.split(order, cuts):
        if chunk.size and codes[chunk[0]] >= 0:
            out.append((int(codes[chunk[0]]), chunk))
    return out


# ---------------------------------------------------------------------------
# daily alignment of every instrument at once, over price blocks
# ---------------------------------------------------------------------------

#: Day numbers are shifted by this in the composite (symbol code, day) keys, so that
#: every day of the datetime64[ns] range gives a non-negative 32-bit field.
_DAY_BIAS = 2**31
_CODE_SHIFT = 2**32


@dataclass(frozen=True)
class _DailyAll:
    """Every instrument's daily bars, one segment per symbol code (rows ``starts[c]`` ..
    ``starts[c] + lengths[c] - 1``, in code order); ``loaded[c]`` is False where a symbol
    has no bars (no known publication, or its prices could not be had). ``prev`` is the
    previous session's close (NaN at a segment's first row and, on a calendar, when a
    calendar session lies between the two rows), ``change``/``pct`` the session changes."""

    loaded: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray
    dates: np.ndarray
    close: np.ndarray
    high: np.ndarray
    low: np.ndarray
    prev: np.ndarray
    change: np.ndarray
    pct: np.ndarray

    def daily(self, code: int) -> _Daily:
        """Symbol ``code``'s table (views of the shared arrays)."""
        a = int(self.starts[code])
        s = slice(a, a + int(self.lengths[code]))
        return _Daily(
            self.dates[s], self.close[s], self.high[s], self.low[s], self.prev[s], self.change[s], self.pct[s]
        )


def _daily_publications(
    pub: np.ndarray, day_prec: np.ndarray, codes: np.ndarray, tz_of: Sequence[str]
) -> np.ndarray:
    """Publication instants of the rows, a date-only publication (``time_precision`` "day")
    moved to local midnight of that date in its instrument's zone (one conversion per zone)."""
    move = np.flatnonzero(day_prec & (pub != _INAT) & (codes >= 0))
    if move.size == 0:
        return pub
    p = pub.copy()
    zones = np.asarray(tz_of, dtype=object)[codes[move]]
    for tz in dict.fromkeys(zones.tolist()):  # per time zone
        sel = move[zones == tz]
        midnight = pd.DatetimeIndex(pub[sel].view("M8[ns]")).tz_localize(
            tz, nonexistent="shift_forward", ambiguous=False
        )
        p[sel] = midnight.tz_convert("UTC").tz_localize(None).as_unit("ns").asi8
    return p


def _daily_windows(codes: np.ndarray, p: np.ndarray, n_sym: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per symbol code: whether it has a known publication, and the session dates (naive
    ns, inclusive) of daily data loaded for it: the publications' range plus the margin."""
    known = (codes >= 0) & (p != _INAT)
    lo = np.full(n_sym, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(n_sym, _INAT, dtype=np.int64)
    np.minimum.at(lo, codes[known], p[known])
    np.maximum.at(hi, codes[known], p[known])
    has = np.zeros(n_sym, dtype=bool)
    has[codes[known]] = True
    margin = int(DAILY_MARGIN.value)
    lo = np.where(has, (np.where(has, lo, 0) - margin) // _NS_DAY * _NS_DAY, 0)
    hi = np.where(has, (np.where(has, hi, 0) + margin) // _NS_DAY * _NS_DAY, 0)
    return has, lo, hi


def _load_daily(
    symbols: list[str],
    has: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    source: PriceSource | None,
    prices: Mapping[str, pd.DataFrame] | None,
    prefetch: Any,
    errors: dict[str, str],
) -> list[PriceBlocks]:
    """The daily bars of every symbol with a publication: one :func:`load_blocks` call for
    a source with ``fetch_blocks``; a symbol in ``prices`` (and any symbol of another
    source) through :func:`_get_prices`, as one instrument at a time. Failures go to
    ``errors`` in symbol order. ``prefetch()`` gives the symbols a batched fetch failed for."""
    want = np.flatnonzero(has).tolist()
    given = [c for c in want if prices is not None and symbols[c] in prices]
    from_source = [c for c in want if not (prices is not None and symbols[c] in prices)]
    msgs: dict[str, str] = {}
    out: list[PriceBlocks] = []
    slow = want
    failed: Any = None
    if from_source and callable(getattr(source, "fetch_blocks", None)):
        sel = np.asarray(from_source, dtype=np.int64)
        blocks, got = load_blocks([symbols[c] for c in from_source], lo[sel], hi[sel], interval="1d", source=source)
        out.append(blocks)
        msgs.update(got)
        slow = given
    elif from_source:
        failed = prefetch()
    frames: dict[str, pd.DataFrame] = {}
    for c in slow:  # per instrument: the user's frames (checked), or a source without fetch_blocks
        sym = symbols[c]
        frame = _get_prices(
            sym, pd.Timestamp(int(lo[c])), pd.Timestamp(int(hi[c])), "1d", source, prices, msgs, failed=failed
        )
        if frame is not None:
            frames[sym] = frame
    if frames:
        out.append(PriceBlocks.from_frames(frames, "1d"))
    for c in want:  # in symbol order, as the instruments were aligned one by one
        if symbols[c] in msgs:
            errors[symbols[c]] = msgs[symbols[c]]
    return out


def _gather_daily(parts: list[PriceBlocks], symbols: list[str]) -> tuple[np.ndarray, ...]:
    """The blocks' rows gathered in symbol-code order: loaded, starts, lengths, dates,
    close, high, low."""
    n_sym = len(symbols)
    first = np.zeros(n_sym, dtype=np.int64)
    length = np.zeros(n_sym, dtype=np.int64)
    loaded = np.zeros(n_sym, dtype=bool)
    offset = 0
    for b in parts:
        pos = b.codes(symbols)
        hit = pos >= 0
        first[hit] = offset + b.starts[pos[hit]]
        length[hit] = b.lengths[pos[hit]]
        loaded |= hit
        offset += len(b.stamps)

    def cat(get: Any) -> np.ndarray:
        return np.concatenate([get(b) for b in parts]) if parts else np.empty(0)

    stamps = cat(lambda b: b.stamps).astype(np.int64, copy=False)
    rows = segment_rows(first, first + np.where(loaded, length, 0))
    lengths = np.where(loaded, length, 0)
    starts = np.cumsum(lengths) - lengths
    cols = [cat(lambda b, c=c: b.column(c))[rows] for c in ("close", "high", "low")]
    return (loaded, starts, lengths, stamps[rows], *cols)


def _daily_all(
    parts: list[PriceBlocks], symbols: list[str], cal_index: np.ndarray, cals: list[SessionArrays]
) -> _DailyAll:
    """The daily tables of every instrument at once (see :func:`_daily_table`, the rule for
    one instrument): the previous close per segment, blanked where the calendar has a
    session between two data rows."""
    loaded, starts, lengths, dates, close, high, low = _gather_daily(parts, symbols)
    n = len(dates)
    prev = np.full(n, np.nan)
    if n > 1:
        prev[1:] = close[:-1]
    firsts = starts[lengths > 0]
    prev[firsts] = np.nan
    later = np.ones(n, dtype=bool)
    later[firsts] = False
    row_cal = np.repeat(cal_index, lengths)
    for k, cal in enumerate(cals):  # per calendar
        r = np.flatnonzero(later & (row_cal == k))
        if r.size:
            between = cal.count_sessions(dates[r], "left") - cal.count_sessions(dates[r - 1], "right")
            prev[r[between > 0]] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        change = close - prev
        pct = (close / prev - 1.0) * 100.0
    return _DailyAll(loaded, starts, lengths, dates, close, high, low, prev, change, pct)


def _data_sessions_all(dd: _DailyAll, codes: np.ndarray, tz_of: Sequence[str]) -> tuple[np.ndarray, ...]:
    """Sessions of instruments without a calendar (symbol ``codes``) from their data dates,
    as :func:`mktnews.calendars.data_sessions` makes them, for all at once (one time-zone
    conversion per zone): per code the first session and the count, then the dates, opens
    and closes of every session."""
    rows = segment_rows(dd.starts[codes], dd.starts[codes] + dd.lengths[codes])
    row_code = np.repeat(codes, dd.lengths[codes])
    key = np.unique(row_code * _CODE_SHIFT + (dd.dates[rows] // _NS_DAY + _DAY_BIAS))
    ucode = key // _CODE_SHIFT
    dates = (key % _CODE_SHIFT - _DAY_BIAS) * _NS_DAY
    first = np.searchsorted(ucode, codes, side="left")
    count = np.searchsorted(ucode, codes, side="right") - first
    opens = np.empty(len(dates), dtype=np.int64)
    closes = np.empty(len(dates), dtype=np.int64)
    zones = np.asarray(tz_of, dtype=object)[ucode] if len(ucode) else np.empty(0, dtype=object)
    for tz in dict.fromkeys(zones.tolist()):  # per time zone
        sel = np.flatnonzero(zones == tz)
        for out, shift in ((opens, 0), (closes, _NS_DAY)):
            idx = pd.DatetimeIndex((dates[sel] + shift).view("M8[ns]"))
            loc = idx.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward").tz_convert("UTC")
            out[sel] = loc.as_unit("ns").asi8
    return first, count, dates, opens, closes


@dataclass(frozen=True)
class _Day0:
    """Per row: position of day 0 among its instrument's sessions (:func:`find_sessions`),
    the market state, day 0's session date (iNaT unless a session closes after
    publication), the number of sessions, the first session's open, and whether the
    instrument has sessions (a calendar, or daily data to take them from)."""

    pos: np.ndarray
    state: np.ndarray
    date: np.ndarray
    n_sess: np.ndarray
    open0: np.ndarray
    has_sess: np.ndarray


def _day0_all(
    codes: np.ndarray,
    p: np.ndarray,
    dd: _DailyAll,
    cal_index: np.ndarray,
    cals: list[SessionArrays],
    tz_of: Sequence[str],
) -> _Day0:
    """Day 0 of every row (rows sorted by symbol code): one :func:`find_sessions` call per
    calendar over all its instruments' rows; an instrument without a calendar is searched
    in the sessions of its data dates (one pass per instrument, numpy calls on views)."""
    m = len(codes)
    d0 = _Day0(
        np.full(m, -1, dtype=np.int64), np.full(m, -1, dtype=np.int8), np.full(m, _INAT, dtype=np.int64),
        np.zeros(m, dtype=np.int64), np.zeros(m, dtype=np.int64), np.zeros(m, dtype=bool),
    )

    def put(r: Any, ses: SessionArrays, local: np.ndarray | None = None) -> None:
        pk, sk = find_sessions(p[r], ses, local)
        d0.pos[r], d0.state[r], d0.n_sess[r], d0.open0[r], d0.has_sess[r] = pk, sk, len(ses), ses.opens[0], True
        inside = (pk >= 0) & (pk < len(ses))
        d0.date[r] = np.where(inside, ses.dates[np.clip(pk, 0, len(ses) - 1)], _INAT)

    row_cal = cal_index[codes]
    for k, cal in enumerate(cals):  # per calendar
        r = np.flatnonzero(row_cal == k)
        if r.size:
            put(r, cal)
    less = np.flatnonzero((cal_index < 0) & dd.loaded)
    if less.size == 0:
        return d0
    first, count, dates, opens, closes = _data_sessions_all(dd, less, tz_of)
    a = np.searchsorted(codes, less, side="left")
    b = np.searchsorted(codes, less, side="right")
    rows = segment_rows(a, b)
    zones = np.asarray(tz_of, dtype=object)[codes[rows]]
    local = np.full(m, _INAT, dtype=np.int64)
    for tz in dict.fromkeys(zones.tolist()):  # per time zone
        sel = rows[zones == tz]
        local[sel] = _local_dates(p[sel], tz)
    for i, c in enumerate(less.tolist()):  # per instrument without a calendar: views only
        if count[i] == 0:
            continue
        s = slice(int(first[i]), int(first[i] + count[i]))
        rs = slice(int(a[i]), int(b[i]))
        put(rs, SessionArrays(dates[s], opens[s], closes[s], tz_of[c]), local[rs])
    return d0


def _data_positions(dd: _DailyAll, codes: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Per row, the position in its instrument's daily rows of the first date >= ``day``
    (``searchsorted`` left; 0 for iNaT): one search of composite (code, day number) keys
    when every date is a midnight and the keys are sorted, else one search per instrument."""
    m = len(codes)
    if len(dd.dates) == 0 or m == 0:
        return np.zeros(m, dtype=np.int64)
    valid = day != _INAT
    if bool((dd.dates % _NS_DAY == 0).all()) and bool((day[valid] % _NS_DAY == 0).all()):
        row_code = np.repeat(np.arange(len(dd.starts), dtype=np.int64), dd.lengths)
        keys = row_code * _CODE_SHIFT + (dd.dates // _NS_DAY + _DAY_BIAS)
        if bool((keys[1:] >= keys[:-1]).all()):
            want = codes * _CODE_SHIFT + np.where(valid, day // _NS_DAY + _DAY_BIAS, 0)
            return np.searchsorted(keys, want, side="left") - dd.starts[codes]
    j = np.zeros(m, dtype=np.int64)
    present = np.unique(codes)
    a = np.searchsorted(codes, present, side="left")
    b = np.searchsorted(codes, present, side="right")
    for c, lo, hi in zip(present.tolist(), a.tolist(), b.tolist(), strict=True):  # per instrument
        s = int(dd.starts[c])
        j[lo:hi] = np.searchsorted(dd.dates[s : s + int(dd.lengths[c])], day[lo:hi], side="left")
    return j


def _status_all(
    p: np.ndarray, codes: np.ndarray, dd: _DailyAll, d0: _Day0, calendar_based: np.ndarray
) -> tuple[_Block, np.ndarray, np.ndarray]:
    """Status, t0, day 0's session and base price of every row (the rule of
    the daily rule, vectorised over instruments), with whether day 0 is a data row
    and its row number in ``dd``."""
    m = len(codes)
    known = p != _INAT
    status = np.where(known, _NO_DATA, _NO_PUB).astype(np.int8)
    t0 = np.full(m, _INAT, dtype=np.int64)
    session = np.full(m, _INAT, dtype=np.int64)
    base = np.full(m, np.nan)
    dlen = dd.lengths[codes]
    dstart = dd.starts[codes]
    loaded = dd.loaded[codes]
    status[known & loaded & (dlen == 0)] = _OUTSIDE  # the source has no bars near these publications
    live = d0.has_sess & loaded & (dlen > 0)
    in_data = np.zeros(m, dtype=bool)
    g = np.zeros(m, dtype=np.int64)
    if not live.any():
        return _Block(status, d0.state, t0, session, base), in_data, g
    S = d0.date
    inside = known & (d0.pos >= 0) & (d0.pos < d0.n_sess)
    j = _data_positions(dd, codes, S)
    g = dstart + np.clip(j, 0, np.maximum(dlen - 1, 0))
    g = np.where(live, g, 0)
    in_data = live & inside & (j < dlen) & (dd.dates[g] == S)
    first_date = dd.dates[np.where(live, dstart, 0)]
    last_date = dd.dates[np.where(live, dstart + dlen - 1, 0)]
    outside = known & (~inside | (first_date > S) | (last_date < S))
    # published before the first session the calendar (or the data) knows opened
    before = known & (p < d0.open0)
    outside |= before
    gap = known & ~outside & ~in_data
    status[live & known] = _OK
    status[live & gap] = _GAP
    status[live & outside] = _OUTSIDE
    status[live & before & calendar_based] = _BEFORE_CALENDAR
    keep = live & known & ~outside
    t0[keep] = S[keep]
    session[keep] = S[keep]
    has_prev = keep & (j >= 1)
    base[has_prev] = dd.close[dstart[has_prev] + j[has_prev] - 1]
    return _Block(status, d0.state, t0, session, base), in_data & keep, g


def _boxes_all(
    rows: Any,
    order: np.ndarray,
    codes: np.ndarray,
    texts: _BoxTexts,
    session: np.ndarray,
    in_data: np.ndarray,
    g: np.ndarray,
    dd: _DailyAll,
    lo: np.ndarray,
    hi: np.ndarray,
) -> _BoxCheck:
    """Snapshot columns of every row (rows ``order``, sorted by symbol code): the changes at
    day 0 at once; :func:`_check_boxes` for each instrument that has a box to match."""
    chg_r, pct_r, lvl_r, zero_r = rows.change[order], rows.pct[order], rows.level[order], rows.zero[order]
    m = len(order)
    printed, is_zero, st = _printed_status(chg_r, pct_r, lvl_r, zero_r)
    chg = np.full(m, np.nan)
    pct = np.full(m, np.nan)
    chg[in_data] = dd.change[g[in_data]]
    pct[in_data] = dd.pct[g[in_data]]
    out = _BoxCheck(st, chg, pct, np.full(m, _INAT, dtype=np.int64))
    live = dd.loaded[codes] & (dd.lengths[codes] > 0)
    todo = np.unique(codes[live & printed & ~is_zero & (session != _INAT)])
    a = np.searchsorted(codes, todo, side="left")
    b = np.searchsorted(codes, todo, side="right")
    for c, x, y in zip(todo.tolist(), a.tolist(), b.tolist(), strict=True):  # per instrument with a box
        d = dd.daily(c)
        window = (d.dates >= lo[c]) & (d.dates <= hi[c])
        box = _check_boxes(
            chg_r[x:y], pct_r[x:y], lvl_r[x:y], texts.code[order[x:y]], texts, zero_r[x:y], session[x:y], d, window
        )
        out.status[x:y], out.change[x:y], out.pct[x:y], out.session[x:y] = box.status, box.change, box.pct, box.session
    return out


def _align_daily_all(
    rows: Any,
    texts: _BoxTexts,
    sym_codes: np.ndarray,
    symbols: list[str],
    by_symbol: Mapping[str, Instrument],
    pub: np.ndarray,
    day_prec: np.ndarray,
    source: PriceSource | None,
    prices: Mapping[str, pd.DataFrame] | None,
    errors: dict[str, str],
    arrays: dict[str, np.ndarray],
) -> None:
    """Daily alignment of every known instrument's rows at once, into ``arrays``: the
    windows from the publications per symbol, one load, the daily tables over the blocks,
    day 0 per calendar, statuses and box columns vectorised over the rows."""
    insts = [by_symbol[s] for s in symbols]
    tz_of = [i.tz for i in insts]
    cal_index, cals = _calendar_index(insts)
    p_all = _daily_publications(pub, day_prec, sym_codes, tz_of)
    has, lo, hi = _daily_windows(sym_codes, p_all, len(symbols))
    order = np.flatnonzero(sym_codes >= 0)
    order = order[np.lexsort((pub[order], sym_codes[order]))]
    codes = sym_codes[order]
    p = p_all[order]

    def prefetch() -> Any:
        return _prefetch(source, prices, _group_positions(sym_codes), symbols, pub, "1d")

    parts = _load_daily(symbols, has, lo, hi, source, prices, prefetch, errors)
    dd = _daily_all(parts, symbols, cal_index, cals)
    d0 = _day0_all(codes, p, dd, cal_index, cals, tz_of)
    blk, in_data, g = _status_all(p, codes, dd, d0, cal_index[codes] >= 0)
    box = _boxes_all(rows, order, codes, texts, blk.session, in_data, g, dd, lo, hi)
    for name, values in (("status", blk.status), ("state", blk.state), ("t0", blk.t0), ("base", blk.base),
                         ("snap_st", box.status), ("chg_t0", box.change), ("pct_t0", box.pct),
                         ("snap_sess", box.session)):  # fmt: skip
        arrays[name][order] = values


def _calendar_index(insts: Sequence[Instrument]) -> tuple[np.ndarray, list[SessionArrays]]:
    """Per instrument the index of its calendar's session arrays in the returned list
    (-1: no calendar); each calendar once."""
    cals: list[SessionArrays] = []
    seen: dict[str, int] = {}
    index = np.full(len(insts), -1, dtype=np.int64)
    for k, inst in enumerate(insts):  # per instrument: a dictionary look-up
        if inst.calendar is None:
            continue
        at = seen.get(inst.calendar)
        if at is None:
            arrays = _calendar_arrays(inst)
            assert arrays is not None
            at = seen[inst.calendar] = len(cals)
            cals.append(arrays)
        index[k] = at
    return index, cals


def align_events(
    corpus: Corpus | pd.DataFrame,
    *,
    source: PriceSource | None = None,
    interval: Interval = "1d",
    instruments: str | Sequence[str] = "snapshot",
    tz: str | None = None,
    prices: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Place every article on its instruments' trading calendars: the events frame.

    Parameters
    ----------
    corpus : Corpus or DataFrame
        Articles read by :func:`mktnews.read_articles`, or an articles frame with at least
        ``article_id`` and ``published_at`` (and ``instrument`` / ``snapshot_change`` /
        ``snapshot_pct`` / ``snapshot_level`` for the box).
    source : PriceSource, optional
        Where prices come from (default :func:`mktnews.default_source`). Prices are loaded
        once per instrument, over the publications' range plus a margin (40 days for daily
        bars, 10 for intraday).
    interval : {"1d", "1m", "2m", "5m", "15m", "30m", "60m", "90m", "1h"}
        ``"1d"``: day 0 is a session (``t0`` its date). Intraday: day 0 is a bar (``t0`` its
        start, UTC); the box columns still compare with daily closes (loaded from
        ``source``; ``no_data`` when it has none).
    instruments : "snapshot", list of str, or str
        ``"snapshot"``: every instrument printed in each article's box (for tables of
        events, the article's ``instrument`` column). A list of names/symbols: every
        article with each of them. The name of a corpus column: the instrument each article
        names there.
    tz : str, optional
        Time zone of tz-naive ``published_at`` values (required for them).
    prices : mapping of symbol to prices frame, optional
        Prices already loaded (of ``interval``); symbols missing from it are loaded from
        ``source``. Unregistered symbols that are keys here count as known instruments
        without a calendar.

    Returns
    -------
    DataFrame
        One row per (article, instrument), in corpus order, with the columns
        :data:`EVENT_COLUMNS` then the articles' other columns (not ``body``). ``attrs``:
        ``interval``, ``price_errors`` (symbol -> message for ``no_data`` rows),
        ``duplicate_instruments`` ((article_id, name) pairs of a box naming an instrument
        a second time; the first is kept), ``unknown_instruments`` (names not resolved).
        See the module docstring for day 0, ``market_state``, ``status`` and matching.

    Raises
    ------
    InvalidOptionError
        For an invalid ``interval``/``instruments``, or naive times without ``tz``.
    """
    backend = frame_backend(corpus)
    if backend is not None:  # a Dask frame of articles: see mktnews.dispatch, mktnews.daskpath
        return backend.align_events(
            corpus, source=source, interval=interval, instruments=instruments, tz=tz, prices=prices
        )
    check_option("interval", interval, Interval)
    corp = as_corpus(corpus)
    arts = corp.articles
    pub_art = published_ns(arts, tz)
    rows, resolved = _event_rows(corp, instruments, prices)
    R = len(rows.art)
    pub = pub_art[rows.art] if R else np.empty(0, np.int64)
    day_prec = _day_precision(arts, rows.art)
    sym_codes, sym_table = _symbol_codes(rows.inst, resolved)
    symbols = list(sym_table)
    by_symbol = {r.symbol: r for r in resolved if r is not None}
    texts = _BoxTexts.read(rows.raw)
    arrays: dict[str, np.ndarray] = {
        "status": np.full(R, _UNKNOWN, dtype=np.int8),
        "state": np.full(R, -1, dtype=np.int8),
        "t0": np.full(R, _INAT, dtype=np.int64),
        "base": np.full(R, np.nan),
        "snap_st": np.full(R, _M_NODATA, dtype=np.int8),
        "chg_t0": np.full(R, np.nan),
        "pct_t0": np.full(R, np.nan),
        "snap_sess": np.full(R, _INAT, dtype=np.int64),
    }
    errors: dict[str, str] = {}
    if interval == "1d":
        _align_daily_all(rows, texts, sym_codes, symbols, by_symbol, pub, day_prec, source, prices, errors, arrays)
    else:
        _align_intraday_each(rows, texts, sym_codes, symbols, by_symbol, pub, day_prec, interval, source, prices, errors, arrays)
    _mark_unknown(rows, sym_codes < 0, arrays)
    return _events_frame_out(
        arts, rows, resolved, sym_codes, symbols, by_symbol, pub, arrays, day_prec, interval, errors
    )


def _align_intraday_each(
    rows: Any,
    texts: _BoxTexts,
    sym_codes: np.ndarray,
    symbols: list[str],
    by_symbol: Mapping[str, Instrument],
    pub: np.ndarray,
    day_prec: np.ndarray,
    interval: str,
    source: PriceSource | None,
    prices: Mapping[str, pd.DataFrame] | None,
    errors: dict[str, str],
    arrays: dict[str, np.ndarray],
) -> None:
    """Intraday alignment, one instrument at a time (its bars as a frame), into ``arrays``."""
    groups = _group_positions(sym_codes)
    failed = _prefetch(source, prices, groups, symbols, pub, interval)
    for code, idx in groups:  # per instrument
        idx, blk, box = _align_instrument(
            symbols[code], by_symbol[symbols[code]], idx, pub, day_prec, rows, texts,
            interval, source, prices, errors, failed,
        )
        for name, values in (("status", blk.status), ("state", blk.state), ("t0", blk.t0), ("base", blk.base),
                             ("snap_st", box.status), ("chg_t0", box.change), ("pct_t0", box.pct),
                             ("snap_sess", box.session)):  # fmt: skip
            arrays[name][idx] = values


def _day_precision(arts: pd.DataFrame, art: np.ndarray) -> np.ndarray:
    """Rows whose publication is a date only (time_precision "day", stored as 00:00 UTC of
    the date): some time that day, placed at the start of that date in each instrument's zone."""
    R = len(art)
    if "time_precision" in arts and R:
        return (arts["time_precision"].astype("str") == "day").fillna(False).to_numpy(dtype=bool)[art]
    return np.zeros(R, dtype=bool)


def _mark_unknown(rows: Any, unknown: np.ndarray, arrays: dict[str, np.ndarray]) -> None:
    """Statuses of the rows without a known instrument (their box: none, zero or no data)."""
    if not unknown.any():
        return
    arrays["snap_st"][unknown] = _printed_status(rows.change, rows.pct, rows.level, rows.zero)[2][unknown]
    arrays["status"][unknown] = _UNKNOWN


def _align_instrument(
    symbol: str,
    inst: Any,
    idx: np.ndarray,
    pub: np.ndarray,
    day_prec: np.ndarray,
    rows: Any,
    texts: Any,
    interval: str,
    source: PriceSource | None,
    prices: Mapping[str, pd.DataFrame] | None,
    errors: dict[str, str],
    failed: Any,
) -> tuple[np.ndarray, Any, Any]:
    """Intraday day 0, market state and base price of one instrument's rows ``idx``
    (re-ordered by publication; returned), and the check of their boxes against the daily
    closes (daily alignment: :func:`_align_daily_all`, every instrument at once)."""
    idx = idx[np.argsort(pub[idx], kind="stable")]  # sorted needles search faster
    p = pub[idx]
    if day_prec[idx].any():  # publications moved to local midnight
        d = day_prec[idx] & (p != _INAT)
        p = p.copy()
        midnight = pd.DatetimeIndex(p[d].view("M8[ns]")).tz_localize(inst.tz, nonexistent="shift_forward", ambiguous=False)
        p[d] = midnight.tz_convert("UTC").tz_localize(None).as_unit("ns").asi8
    win = _window(p, DAILY_MARGIN)
    cal = _calendar_arrays(inst)
    daily: _Daily | None = None
    window_mask = None
    printed = ~(np.isnan(rows.change[idx]) & np.isnan(rows.pct[idx]) & np.isnan(rows.level[idx]))
    if win is not None and printed.any():  # daily closes only to check printed boxes
        lo = win[0].tz_localize(None).normalize()
        hi = win[1].tz_localize(None).normalize()
        frame = _get_prices(symbol, lo, hi, "1d", source, None, errors, label=f"{symbol} [1d]")
        if frame is not None:
            daily = _daily_table(frame, cal.dates if cal is not None else None)
            window_mask = (daily.dates >= lo.value) & (daily.dates <= hi.value)
    bars = None
    iwin = _window(p, INTRADAY_MARGIN)
    if iwin is not None:
        bars = _get_prices(symbol, iwin[0], iwin[1], interval, source, prices, errors, failed=failed)
    if cal is not None:
        blk = _align_intraday(p, cal, bars, interval)
    else:
        blk = _align_intraday_bars_only(p, bars, interval, inst.tz)
    box = _check_boxes(
        rows.change[idx], rows.pct[idx], rows.level[idx], texts.code[idx], texts,
        rows.zero[idx], blk.session, daily, window_mask,
    )
    return idx, blk, box


def _events_frame_out(
    arts: pd.DataFrame,
    rows: Any,
    resolved: Sequence[Any],
    sym_codes: np.ndarray,
    symbols: list[str],
    by_symbol: Mapping[str, Any],
    pub: np.ndarray,
    arrays: Mapping[str, np.ndarray],
    day_prec: np.ndarray,
    interval: str,
    errors: dict[str, str],
) -> pd.DataFrame:
    """The events frame (EVENT_COLUMNS, then the articles' other columns) from the rows'
    arrays (``arrays``: state, t0, status, base, chg_t0, pct_t0, snap_st, snap_sess)."""
    R = len(rows.art)
    intraday = interval != "1d"
    state, t0, status, base = arrays["state"], arrays["t0"], arrays["status"], arrays["base"]
    chg_t0, pct_t0, snap_st, snap_sess = arrays["chg_t0"], arrays["pct_t0"], arrays["snap_st"], arrays["snap_sess"]
    identity = len(arts) == R and bool((rows.art == np.arange(R)).all())
    art_ids = arts["article_id"].astype("str").reset_index(drop=True)
    article_id = art_ids if identity else art_ids.take(rows.art).reset_index(drop=True)
    instrument = _str_from_codes(rows.inst, rows.names)
    symbol_s = _str_from_codes(sym_codes, symbols)
    # event key: the symbol, else the name as printed/requested, else ""
    key_labels = [r.symbol if r is not None else str(nm) for r, nm in zip(resolved, rows.names, strict=True)]
    key = _str_from_codes(np.where(rows.inst >= 0, rows.inst, len(key_labels)), [*key_labels, ""])
    event_id = pd.Series(
        pc.binary_join_element_wise(
            _arrow_str(article_id), _arrow_str(key), pa.scalar("|", type=pa.large_string())
        ),
        dtype=_STR,
    )
    if intraday:
        t0_s = pd.Series(pd.DatetimeIndex(t0.view("M8[ns]")).tz_localize("UTC"))
    else:
        t0_s = pd.Series(t0.view("M8[ns]"))
    cols: dict[str, Any] = {
        "event_id": event_id,
        "article_id": article_id,
        "instrument": instrument,
        "symbol": symbol_s,
        "published_at": pd.Series(pd.DatetimeIndex(pub.view("M8[ns]")).tz_localize("UTC")),
        "market_state": _str_from_codes(state, MARKET_STATES),
        "t0": t0_s,
        "status": _str_from_codes(status, STATUSES),
        "base_price": base,
        "snapshot_change": rows.change,
        "snapshot_pct": rows.pct,
        "snapshot_level": rows.level,
        "change_at_t0": chg_t0,
        "pct_at_t0": pct_t0,
        "snapshot_status": _str_from_codes(snap_st, SNAPSHOT_STATUSES),
        "snapshot_session": pd.Series(snap_sess.view("M8[ns]")),
        # which rule chose the calendar (mktnews.instruments.Instrument.rule)
        "calendar_rule": _str_from_codes(sym_codes, [by_symbol[s].rule for s in symbols]),
    }
    parts: list[pd.Series | pd.DataFrame] = [
        v.rename(k) if isinstance(v, pd.Series) else pd.Series(v, name=k, copy=False)
        for k, v in cols.items()
    ]
    skip = {"article_id", "instrument", "published_at", "body", "snapshot_change", "snapshot_pct", "snapshot_level"}
    for i, c in enumerate(arts.columns):  # per article column, by position (names may repeat)
        if c in skip:
            continue
        col = arts.iloc[:, i].reset_index(drop=True)
        if not identity:
            col = col.take(rows.art).reset_index(drop=True)
        # column by column: concat of Series only is much faster than of Series and a frame
        parts.append(col.rename(f"article_{c}" if c in EVENT_COLUMNS else c))
    # concat keeps one block per column (a dict constructor would copy into 2-D blocks)
    out = pd.concat(parts, axis=1)
    if day_prec.any():  # the time of day is unknown: so is the market state
        out["market_state"] = out["market_state"].mask(day_prec)
        day_note = (
            "published on this date at an unknown time (time_precision 'day'): day 0 is that "
            "date's session if it traded, else the next; market_state unknown"
        )
        old = out["notes"] if "notes" in out else pd.Series([None] * R, dtype="str")
        prefix = (old.astype("str") + "; ").fillna("")
        out["notes"] = old.astype("str").where(~day_prec, prefix + day_note)
    out.attrs = {
        "interval": interval,
        "price_errors": errors,
        "duplicate_instruments": rows.dropped,
        "unknown_instruments": sorted(
            str(nm) for nm, r in zip(rows.names, resolved, strict=True) if r is None
        ),
    }
    return out


# ---------------------------------------------------------------------------
# capture_sessions
# ---------------------------------------------------------------------------

#: Columns of :func:`capture_sessions`' frame.
CAPTURE_COLUMNS: tuple[str, ...] = (
    "article_id",
    "position",
    "instrument",
    "symbol",
    "change",
    "change_pct",
    "level",
    "status",
    "capture_session",
    "n_candidates",
    "candidates",
    "intraday_candidates",
    "page_status",
    "page_session",
    "captured_after",
    "captured_before",
    "published_at",
    "t0",
    "capture_lag",
    "lag_flag",
)

_C_UNIQUE, _C_AMBIG, _C_NONE, _C_ZERO, _C_UNKNOWN, _C_NODATA = range(6)
_PAGE_STATUSES: tuple[str, ...] = ("single", "agree", "ambiguous", "disagree", "none")
_FAR = np.iinfo(np.int64).max
#: End of an open-ended search: the whole history a source holds (see the prices contract).
_OPEN_END = pd.Timestamp("2100-12-31").as_unit("ns")
#: Cells of the (box value x session) table evaluated at once for intraday candidates.
_STAB_CHUNK = 4_000_000


def search_bounds(search: Sequence[object] | None) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    if search is None:
        return None
    try:
        pair = tuple(search)
        if len(pair) != 2:
            raise ValueError("two values needed")
        lo = pd.Timestamp(pair[0])  # type: ignore[arg-type]
        hi = pd.Timestamp(pair[1])  # type: ignore[arg-type]
        lo = lo.tz_localize(None) if lo.tzinfo else lo
        hi = hi.tz_localize(None) if hi.tzinfo else hi
    except (TypeError, ValueError) as exc:
        raise InvalidOptionError(
            "search", search, reason="expected (start, end) session dates, e.g. ('2024-01-01', '2024-12-31')"
        ) from exc
    lo, hi = lo.normalize().as_unit("ns"), hi.normalize().as_unit("ns")
    if hi < lo:
        raise InvalidOptionError("search", search, reason="end is before start")
    return lo, hi


def _stab(
    qc: np.ndarray,
    qp: np.ndarray,
    ql: np.ndarray,
    hc: np.ndarray,
    hp: np.ndarray,
    hl: np.ndarray,
    d: _Daily,
    sessions: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """All (query, session) pairs whose session's low-high range contains every printed
    number (sessions restricted to ``sessions``), evaluated in chunks."""
    nq, ns = len(qc), len(sessions)
    if nq == 0 or ns == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    per = max(1, _STAB_CHUNK // ns)
    qs: list[np.ndarray] = []
    ss: list[np.ndarray] = []
    for a in range(0, nq, per):
        b = min(nq, a + per)
        qi = np.repeat(np.arange(a, b), ns)
        si = np.tile(sessions, b - a)
        ok = _in_range(qc[qi], qp[qi], ql[qi], hc[qi], hp[qi], hl[qi], d, si)
        qs.append(qi[ok])
        ss.append(si[ok])
    return np.concatenate(qs), np.concatenate(ss)


def _interval_bounds(
    sdates: np.ndarray, sess: SessionArrays
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Capture interval [close of S, open of the next session) and S's position in
    ``sess`` for session dates ``sdates`` (dates the calendar lacks: from S's local
    midnight at its end)."""
    n = len(sess)
    i = np.searchsorted(sess.dates, sdates, side="left")
    ic = np.minimum(i, n - 1)
    is_sess = (i < n) & (sess.dates[ic] == sdates)
    left = np.where(is_sess, sess.closes[ic], 0)
    if (~is_sess).any():
        ends = pd.DatetimeIndex((sdates[~is_sess] + _NS_DAY).view("M8[ns]"))
        left[~is_sess] = ends.tz_localize(sess.tz, ambiguous="NaT", nonexistent="shift_forward").tz_convert("UTC").as_unit("ns").asi8
    nxt = np.where(is_sess, i + 1, i)
    right = np.where(nxt < n, sess.opens[np.minimum(nxt, n - 1)], _FAR)
    return left, right, i


@dataclass
class CaptureParts:
    snaps: pd.DataFrame  # per snapshot (CAPTURE_COLUMNS)
    windows: pd.DataFrame  # art, lo, hi: capture windows consistent with all voting boxes
    art_ids: pd.Series


def capture_parts(
    corpus: Corpus | pd.DataFrame,
    source: PriceSource | None,
    search: Sequence[object] | None,
    tz: str | None = None,
    search_from: pd.Timestamp | None = None,
) -> CaptureParts:
    """Capture sessions per box and page windows. ``search_from`` (instead of
    ``search``) searches every session from that date to the end of the data.

    The stages: the boxes with a printed value (:class:`_CaptureBoxes`), the sessions
    whose close each box matches, per instrument (:func:`_capture_matches`), the capture
    windows every voting box of a page agrees on (:func:`_page_windows`), and the frame
    per snapshot (:func:`_capture_frame`).
    """
    corp = as_corpus(corpus)
    arts = corp.articles
    bounds = search_bounds(search)
    if search_from is not None:
        bounds = (pd.Timestamp(search_from).normalize().as_unit("ns"), _OPEN_END)
    pub_art = published_ns(arts, tz)
    rows, resolved = _event_rows(corp, "snapshot", None, dedupe=False)
    by_symbol = {r.symbol: r for r in resolved if r is not None}
    printed = ~(np.isnan(rows.change) & np.isnan(rows.pct) & np.isnan(rows.level))
    keep = np.flatnonzero(printed)
    codes, sym_table = _symbol_codes(rows.inst[keep], resolved)
    art = rows.art[keep]
    boxes = _CaptureBoxes(
        art=art,
        qc=rows.change[keep],
        qp=rows.pct[keep],
        ql=rows.level[keep],
        texts=_BoxTexts.read(rows.raw.take(keep)),
        zero=rows.zero[keep] | (rows.change[keep] == 0) | (rows.pct[keep] == 0),
        codes=codes,
        uniq=list(sym_table),
        pub=pub_art[art] if keep.size else np.empty(0, np.int64),
    )
    m = _capture_matches(boxes, by_symbol, bounds, source)
    inst_names = np.append(rows.names, "").astype(object)[np.where(rows.inst[keep] >= 0, rows.inst[keep], len(rows.names))]
    pw = _page_windows(m.cand, inst_names, len(arts), keep.size)
    out = _capture_frame(arts, rows, keep, boxes, m, pw)
    out.attrs = {"price_errors": m.errors, "search": None if bounds is None else (bounds[0], bounds[1])}
    return CaptureParts(out, pw.windows.copy(), arts["article_id"].astype("str").reset_index(drop=True))


@dataclass(frozen=True)
class _CaptureBoxes:
    """The boxes with a printed value: article, change/percent/level, their texts, a zero
    change, the symbol code, the symbols and the publication instant."""

    art: np.ndarray
    qc: np.ndarray
    qp: np.ndarray
    ql: np.ndarray
    texts: Any
    zero: np.ndarray
    codes: np.ndarray
    uniq: list[str]
    pub: np.ndarray


@dataclass(frozen=True)
class _CaptureMatches:
    """Per box: status code, day 0 and its position; the close-matching sessions (``cand``:
    row, session, left, right, cpos, art), the intraday candidates and the price errors."""

    status: np.ndarray
    t0: np.ndarray
    t0pos: np.ndarray
    cand: pd.DataFrame
    intra_parts: list[pd.DataFrame]
    errors: dict[str, str]


def _capture_matches(
    boxes: _CaptureBoxes,
    by_symbol: Mapping[str, Any],
    bounds: tuple[pd.Timestamp, pd.Timestamp] | None,
    source: PriceSource | None,
) -> _CaptureMatches:
    """The sessions whose close-to-close change (or level) each box matches, per instrument."""
    R = boxes.art.size
    qc, qp, ql, texts, zero, codes, uniq, pub = (
        boxes.qc, boxes.qp, boxes.ql, boxes.texts, boxes.zero, boxes.codes, boxes.uniq, boxes.pub
    )
    status = np.full(R, _C_UNKNOWN, dtype=np.int8)
    t0 = np.full(R, _INAT, dtype=np.int64)
    t0pos = np.full(R, -1, dtype=np.int64)
    cand_parts: list[pd.DataFrame] = []
    intra_parts: list[pd.DataFrame] = []
    errors: dict[str, str] = {}

    for code, idx in _group_positions(codes):
        symbol = uniq[code]
        inst = by_symbol[symbol]
        if bounds is None:
            start, end = pd.Timestamp("1900-01-01"), pd.Timestamp("2100-12-31")
        else:
            start, end = bounds[0] - DAILY_MARGIN, bounds[1]
        frame = _get_prices(symbol, start, end, "1d", source, None, errors)
        status[idx] = np.where(zero[idx], _C_ZERO, _C_NODATA)
        if frame is None:
            continue
        cal = _calendar_arrays(inst)
        sess = cal if cal is not None else _data_session_arrays(pd.DatetimeIndex(frame.index), inst.tz)
        d = _daily_table(frame, cal.dates if cal is not None else None)
        allowed = np.ones(d.n, dtype=bool)
        if bounds is not None:
            allowed = (d.dates >= bounds[0].value) & (d.dates <= bounds[1].value)
        if not (allowed & np.isfinite(d.prev)).any():
            errors[symbol] = f"{symbol}: no session with a previous close in the searched range"
            continue
        # publication -> day 0 (for the lag)
        pos, _ = find_sessions(pub[idx], sess)
        okp = (pos >= 0) & (pos < len(sess))
        t0[idx[okp]] = sess.dates[pos[okp]]
        t0pos[idx[okp]] = pos[okp]
        live = idx[~zero[idx]]
        if live.size == 0:
            continue
        q = _queries(qc[live], qp[live], ql[live], texts.code[live], texts)
        uq = q.code
        n_u = len(q.c)
        ua = [q.c, q.p, q.lv, q.hc, q.hp, q.hl]
        qi, si = _match_pairs(q.c, q.p, q.lv, q.hc, q.hp, q.hl, d, allowed)
        n_match = np.bincount(qi, minlength=n_u)
        per_row = n_match[uq]
        status[live] = np.where(per_row == 0, _C_NONE, np.where(per_row == 1, _C_UNIQUE, _C_AMBIG))
        if qi.size:
            # expand unique-query matches to rows
            order = np.argsort(uq, kind="stable")
            starts_q = np.concatenate([[0], np.cumsum(n_match)[:-1]])
            cnt = per_row[order]
            tot = int(cnt.sum())
            if tot:
                r_rows = np.repeat(live[order], cnt)
                offs = np.arange(tot) - np.repeat(np.cumsum(cnt) - cnt, cnt)
                s_pos = si[np.repeat(starts_q[uq[order]], cnt) + offs]
                sdates = d.dates[s_pos]
                left, right, cpos = _interval_bounds(sdates, sess)
                cand_parts.append(
                    pd.DataFrame({"row": r_rows, "session": sdates, "left": left, "right": right, "cpos": cpos})
                )
        # intraday candidates for boxes whose close matches nowhere
        none_u = np.flatnonzero(n_match == 0)
        if none_u.size:
            searchable = np.flatnonzero(allowed & np.isfinite(d.prev))
            sub = [a[none_u] for a in ua]
            zi, zs = _stab(sub[0], sub[1], sub[2], sub[3], sub[4], sub[5], d, searchable)
            if zi.size:
                # back to rows
                z_u = none_u[zi]
                rows_of_u = pd.DataFrame({"u": uq, "row": live})
                zf = pd.DataFrame({"u": z_u, "session": d.dates[zs]}).merge(rows_of_u, on="u")
                intra_parts.append(zf[["row", "session"]])

    cand = (
        pd.concat(cand_parts, ignore_index=True)
        if cand_parts
        else pd.DataFrame({"row": np.empty(0, np.int64), "session": np.empty(0, np.int64),
                           "left": np.empty(0, np.int64), "right": np.empty(0, np.int64),
                           "cpos": np.empty(0, np.int64)})
    )
    cand = cand.sort_values(["row", "session"], kind="stable").reset_index(drop=True)
    cand["art"] = boxes.art[cand["row"].to_numpy()] if R else np.empty(0, np.int64)
    return _CaptureMatches(status, t0, t0pos, cand, intra_parts, errors)


@dataclass(frozen=True)
class _PageWindows:
    """Per page: the status code (``page``), the capture window (``win_lo``/``win_hi``),
    the windows frame; per box: the page's session and its position; the matching rows."""

    windows: pd.DataFrame
    page: np.ndarray
    win_lo: np.ndarray
    win_hi: np.ndarray
    page_sess: np.ndarray
    page_pos: np.ndarray


def _page_windows(cand: pd.DataFrame, inst_names: np.ndarray, n_art: int, R: int) -> _PageWindows:
    """Capture windows consistent with every voting box of each page (``n_art`` pages,
    ``R`` boxes)."""
    voters = cand[["art", "row"]].drop_duplicates()
    n_vote = voters.groupby("art").size()
    points = cand[["art", "left"]].drop_duplicates().rename(columns={"left": "x"})
    pairs = points.merge(voters, on="art")
    pairs = pairs.sort_values("x", kind="stable")
    ivals = cand[["row", "left", "right", "session", "cpos"]].sort_values("left", kind="stable")
    hit = pd.merge_asof(pairs, ivals, left_on="x", right_on="left", by="row", direction="backward")
    hit = hit.loc[hit["left"].notna() & (hit["x"] < hit["right"])].copy()
    grp = hit.groupby(["art", "x"])
    full = grp["row"].transform("size").to_numpy() == n_vote.reindex(hit["art"]).to_numpy()
    hit = hit.loc[full].copy()
    hit["lo"] = hit.groupby(["art", "x"])["left"].transform("max").astype(np.int64)
    hit["hi"] = hit.groupby(["art", "x"])["right"].transform("min").astype(np.int64)
    hit["label"] = (
        pd.Series(inst_names[hit["row"].to_numpy(dtype=np.int64)], index=hit.index, dtype="str")
        + " "
        + pd.Series(pd.DatetimeIndex(hit["session"].to_numpy(dtype=np.int64).view("M8[ns]")).strftime("%Y-%m-%d"), index=hit.index, dtype="str")
    )
    ordered = hit.sort_values(["art", "lo", "hi", "row"], kind="stable")
    table = pa.table(
        {
            "art": ordered["art"].to_numpy(dtype=np.int64),
            "lo": ordered["lo"].to_numpy(dtype=np.int64),
            "hi": ordered["hi"].to_numpy(dtype=np.int64),
            "label": _arrow_str(ordered["label"]),
        }
    )
    grouped = table.group_by(["art", "lo", "hi"], use_threads=False).aggregate([("label", "distinct")])
    windows = pd.DataFrame(
        {
            "art": grouped["art"].to_numpy(),
            "lo": grouped["lo"].to_numpy(),
            "hi": grouped["hi"].to_numpy(),
            "label": pd.Series(pc.binary_join(grouped["label_distinct"], pa.scalar(", ", type=pa.large_string())), dtype=_STR),
        }
    ).sort_values(["art", "lo", "hi"], kind="stable").reset_index(drop=True)
    n_win = windows.groupby("art").size()

    nv = np.zeros(n_art, dtype=np.int64)
    nv[n_vote.index.to_numpy(dtype=np.int64)] = n_vote.to_numpy()
    nw = np.zeros(n_art, dtype=np.int64)
    nw[n_win.index.to_numpy(dtype=np.int64)] = n_win.to_numpy()
    page = np.where(nv == 0, 4, np.where(nw == 0, 3, np.where(nw > 1, 2, np.where(nv >= 2, 1, 0))))
    resolved_art = page <= 1
    win_lo = np.full(n_art, _INAT, dtype=np.int64)
    win_hi = np.full(n_art, _INAT, dtype=np.int64)
    one = windows.loc[resolved_art[windows["art"].to_numpy()]]
    win_lo[one["art"].to_numpy()] = one["lo"].to_numpy()
    win_hi[one["art"].to_numpy()] = np.where(one["hi"].to_numpy() == _FAR, _INAT, one["hi"].to_numpy())
    page_sess = np.full(R, _INAT, dtype=np.int64)
    page_pos = np.full(R, -1, dtype=np.int64)
    chosen = hit.loc[resolved_art[hit["art"].to_numpy()]].drop_duplicates("row")
    page_sess[chosen["row"].to_numpy()] = chosen["session"].to_numpy(dtype=np.int64)
    page_pos[chosen["row"].to_numpy()] = chosen["cpos"].to_numpy(dtype=np.int64)

    return _PageWindows(windows, page, win_lo, win_hi, page_sess, page_pos)


def _capture_frame(
    arts: pd.DataFrame,
    rows: Any,
    keep: np.ndarray,
    boxes: _CaptureBoxes,
    m: _CaptureMatches,
    pw: _PageWindows,
) -> pd.DataFrame:
    """The frame per snapshot (CAPTURE_COLUMNS) from the boxes, matches and page windows."""
    R = boxes.art.size
    art, qc, qp, ql, codes, uniq, pub = (
        boxes.art, boxes.qc, boxes.qp, boxes.ql, boxes.codes, boxes.uniq, boxes.pub
    )
    status, t0, t0pos, cand, intra_parts = m.status, m.t0, m.t0pos, m.cand, m.intra_parts
    page, win_lo, win_hi, page_sess, page_pos = pw.page, pw.win_lo, pw.win_hi, pw.page_sess, pw.page_pos
    # --- per-snapshot candidate lists
    n_cand = np.bincount(cand["row"].to_numpy(), minlength=R) if R else np.zeros(0, np.int64)
    own = np.full(R, _INAT, dtype=np.int64)
    single = cand.loc[n_cand[cand["row"].to_numpy()] == 1]
    own[single["row"].to_numpy()] = single["session"].to_numpy()
    cand_lists = _lists(cand["row"].to_numpy(), cand["session"].to_numpy(), R)
    intra = pd.concat(intra_parts, ignore_index=True) if intra_parts else pd.DataFrame({"row": [], "session": []})
    intra = intra.sort_values(["row", "session"], kind="stable")
    intra_lists = _lists(intra["row"].to_numpy(dtype=np.int64), intra["session"].to_numpy(dtype=np.int64), R)

    lag = np.where((page_pos >= 0) & (t0pos >= 0), page_pos - t0pos, np.iinfo(np.int64).min)
    lag_s = pd.array(np.where(lag == np.iinfo(np.int64).min, 0, lag), dtype="Int64")
    lag_s[lag == np.iinfo(np.int64).min] = pd.NA
    art_ids = arts["article_id"].astype("str").reset_index(drop=True)
    out = pd.DataFrame(
        {
            "article_id": art_ids.take(art).reset_index(drop=True),
            "position": pd.Series(rows.position[keep], dtype="int64"),
            "instrument": _str_from_codes(rows.inst[keep], rows.names),
            "symbol": _str_from_codes(codes, uniq),
            "change": qc,
            "change_pct": qp,
            "level": ql,
            "status": _str_from_codes(status, _CAPTURE_STATUSES),
            "capture_session": pd.Series(own.view("M8[ns]")),
            "n_candidates": n_cand.astype(np.int64),
            "candidates": cand_lists,
            "intraday_candidates": intra_lists,
            "page_status": _str_from_codes(page[art], _PAGE_STATUSES),
            "page_session": pd.Series(page_sess.view("M8[ns]")),
            "captured_after": pd.Series(pd.DatetimeIndex(win_lo[art].view("M8[ns]")).tz_localize("UTC")),
            "captured_before": pd.Series(pd.DatetimeIndex(win_hi[art].view("M8[ns]")).tz_localize("UTC")),
            "published_at": pd.Series(pd.DatetimeIndex(pub.view("M8[ns]")).tz_localize("UTC")),
            "t0": pd.Series(t0.view("M8[ns]")),
            "capture_lag": lag_s,
            "lag_flag": np.asarray(lag_s.fillna(0).to_numpy(dtype=np.int64) < -1),
        }
    )
    return out


def _lists(row: np.ndarray, sess: np.ndarray, n: int) -> pd.Series:
    """Object column of lists of session Timestamps per row (``row`` sorted)."""
    stamps = list(pd.DatetimeIndex(np.asarray(sess, dtype=np.int64).view("M8[ns]")))
    return split_lists(stamps, row, n)


def split_lists(items: list[Any], row: np.ndarray, n: int) -> pd.Series:
    """Object column of ``n`` lists: the items of each row (``row`` sorted, one per item)."""
    counts = np.bincount(np.asarray(row, dtype=np.int64), minlength=n) if len(row) else np.zeros(n, np.int64)
    ends = np.cumsum(counts).tolist()
    starts = [0, *ends[:-1]] if n else []
    return pd.Series([items[a:b] for a, b in zip(starts, ends, strict=True)], dtype=object)


def capture_sessions(
    corpus: Corpus | pd.DataFrame,
    *,
    source: PriceSource | None = None,
    search: tuple[object, object] | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Which session's close-to-close change each ticker box shows (when the page was captured).

    A box printed during a session shows an intraday change; one printed after the close of
    session S and before the next open shows S's close-to-close change. This function finds,
    per box, every session of the data whose change (percent change for percent boxes,
    and the close too when a level is printed) equals the printed value within its printed
    precision (see the module docstring for the tolerance).

    Parameters
    ----------
    corpus : Corpus or DataFrame
    source : PriceSource, optional
        Daily prices; each instrument's whole history is loaded once (``search`` limits it).
    search : (start, end), optional
        Session dates (inclusive) to search; default: all the data.
    tz : str, optional
        Time zone of tz-naive ``published_at`` values.

    Returns
    -------
    DataFrame
        One row per printed box value (:data:`CAPTURE_COLUMNS`), in corpus order:

        - ``status``: ``unique`` (one session matches; ``capture_session``), ``ambiguous``
          (several: all in ``candidates``), ``no_match`` (none: captured intraday, or outside
          the data/search range), ``zero`` (a 0.0000 box, often stale, not searched),
          ``unknown_instrument``, ``no_data`` (reason in ``attrs["price_errors"]``);
        - ``candidates``: list of the matching session dates; ``n_candidates``;
        - ``intraday_candidates``: for ``no_match`` boxes, the sessions whose low-high range
          (relative to the previous close) contains the printed value (empty otherwise);
        - page level (same for all boxes of one article): a box of session S was captured
          between S's close and the next session's open; the page's boxes must share a
          capture moment. ``page_status`` is ``single`` (one box voted, one session),
          ``agree`` (several boxes, one common capture window), ``ambiguous`` (several
          windows remain), ``disagree`` (no common window: the boxes were not captured
          together, or one is wrong) or ``none`` (no box matched). ``no_match`` and ``zero``
          boxes do not vote. When the page resolves, ``captured_after``/``captured_before``
          bound the capture instant (UTC; ``captured_before`` is NaT when the next session
          is beyond the calendar) and ``page_session`` is each voting box's session;
        - ``t0``: day 0 of publication (daily rule of :func:`align_events`);
          ``capture_lag``: page session minus day 0, in sessions of the instrument
          (calendar, or data dates); it is at least -1 for a correct timestamp and box, and
          ``lag_flag`` marks smaller values.
    """
    return capture_parts(corpus, source, search, tz).snaps
