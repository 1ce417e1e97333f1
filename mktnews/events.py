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
    spanning its whole local day, so they are either ``regular`` or ``closed``.
Status
    ``ok`` when day 0 is a row of the price data. Otherwise ``no_publication_time``,
    ``unknown_instrument`` (name not in the registry nor in ``prices``), ``no_data`` (the
    source could not give prices; the message is in ``events.attrs["price_errors"]``),
    ``outside_data`` (day 0 before the first or after the last row of the data; for an
    instrument without a calendar, publication before the first data session opened) or
    ``gap`` (day 0 is a calendar session the data lacks; daily ``t0`` is that session, an
    intraday ``t0`` is NaT).
Matching a box with a session
    A printed value matches a session when ``|data - printed| <= half a unit of the last
    printed decimal + data error``. The data error of a close ``c`` is
    ``|c| * 2**-24 + q/2``: Yahoo stores prices as 32-bit floats (relative error up to
    ``2**-24``) and then writes them with the number of decimals ``q`` the series uses
    (4 for Yahoo; detected from the data). The Euro STOXX 50 box ``-28.8400`` (official
    change 4733.15 - 4761.99) thus matches Yahoo's ``4733.1499 - 4761.9902 = -28.8403``
    (tolerance 0.00071). A change is a close-to-close change only when the previous data
    row is the previous session of the calendar (a change across a gap in the data never
    matches). Percent boxes compare with the percent change, boxes with a level also with
    the close; every printed number must match. The printed precision is read from the
    box's ``raw`` text (``-28.8400`` has four decimals); when the number cannot be found
    there, from the shortest decimal form of the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mktnews._typing import INTRADAY_INTERVALS, Interval, check_option
from mktnews.articles import SNAPSHOT_COLUMNS, Corpus
from mktnews.calendars import calendar_sessions, data_sessions, get_calendar
from mktnews.errors import ArticleError, InvalidOptionError, PriceDataError, UnknownInstrumentError
from mktnews.instruments import Instrument, resolve_instrument
from mktnews.prices.base import COLUMNS, PriceSource, conform_prices, load_prices

__all__ = [
    "EVENT_COLUMNS",
    "MARKET_STATES",
    "SNAPSHOT_STATUSES",
    "STATUSES",
    "align_events",
    "bar_ends",
    "capture_sessions",
    "find_bars",
    "find_sessions",
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
)

#: ``market_state`` values, indexed by the codes :func:`find_sessions` returns.
MARKET_STATES: tuple[str, ...] = ("pre", "regular", "post", "closed")
#: ``status`` values of the events frame.
STATUSES: tuple[str, ...] = (
    "ok",
    "no_publication_time",
    "unknown_instrument",
    "no_data",
    "outside_data",
    "gap",
)
#: ``snapshot_status`` values of the events frame.
SNAPSHOT_STATUSES: tuple[str, ...] = (
    "matches_t0",
    "matches_other_session",
    "within_t0_range",
    "no_match",
    "zero",
    "no_data",
    "no_snapshot",
)
_CAPTURE_STATUSES: tuple[str, ...] = (
    "unique",
    "ambiguous",
    "no_match",
    "zero",
    "unknown_instrument",
    "no_data",
)

_OK, _NO_PUB, _UNKNOWN, _NO_DATA, _OUTSIDE, _GAP = range(6)
_M_T0, _M_OTHER, _M_RANGE, _M_NONE, _M_ZERO, _M_NODATA, _M_NOSNAP = range(7)

_INAT = np.iinfo(np.int64).min
_NS_MIN = 60_000_000_000
_NS_DAY = 86_400_000_000_000
#: Days of daily data loaded beyond the earliest and latest publication.
DAILY_MARGIN = pd.Timedelta(days=40)
#: Days of intraday data loaded beyond the earliest and latest publication.
INTRADAY_MARGIN = pd.Timedelta(days=10)
#: Relative error of a price stored as a 32-bit float (Yahoo's storage), a bound per value.
FLOAT32_REL = 2.0**-24

_INTERVAL_NS: dict[str, int] = {
    "1m": 60_000_000_000,
    "2m": 120_000_000_000,
    "5m": 300_000_000_000,
    "15m": 900_000_000_000,
    "30m": 1_800_000_000_000,
    "60m": 3_600_000_000_000,
    "90m": 5_400_000_000_000,
    "1h": 3_600_000_000_000,
}


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
    published: np.ndarray, sessions: SessionArrays
) -> tuple[np.ndarray, np.ndarray]:
    """Day 0 and market state of publication instants, vectorised.

    Parameters
    ----------
    published : ndarray of int64
        Publication instants, UTC nanoseconds (``iNaT`` = unknown).
    sessions : SessionArrays
        The instrument's sessions.

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
    local = _local_dates(p, sessions.tz)
    pre = ~regular & (local == sessions.dates[i])
    j = np.searchsorted(sessions.dates, local, side="left")
    on_session_date = (j < n) & (sessions.dates[np.minimum(j, n - 1)] == local)
    st[on_session_date & ~regular & ~pre] = 2  # post
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
    """Daily bars as arrays, with session changes and their error bounds."""

    dates: np.ndarray  # int64 ns
    close: np.ndarray
    high: np.ndarray
    low: np.ndarray
    prev: np.ndarray  # previous session's close; NaN when the data lacks that session
    change: np.ndarray
    pct: np.ndarray
    err: np.ndarray  # error bound of close
    err_prev: np.ndarray

    @property
    def n(self) -> int:
        return len(self.dates)

    def tol_change(self, s: np.ndarray) -> np.ndarray:
        return np.asarray(self.err[s] + self.err_prev[s])

    def tol_pct(self, s: np.ndarray) -> np.ndarray:
        prev = self.prev[s]
        return np.asarray(
            100.0 * (self.err[s] + np.abs(self.close[s] / prev) * self.err_prev[s]) / np.abs(prev)
        )


def _daily_table(frame: pd.DataFrame, cal_dates: np.ndarray | None) -> _Daily:
    dates = pd.DatetimeIndex(frame.index).as_unit("ns").asi8
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
    q = _data_quantum(close)
    err = np.abs(close) * FLOAT32_REL + q / 2.0
    err_prev = np.abs(prev) * FLOAT32_REL + q / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        change = close - prev
        pct = (close / prev - 1.0) * 100.0
    return _Daily(dates, close, high, low, prev, change, pct, err, err_prev)


_NUM_RE = re.compile(r"\d[\d.,'\u2009\u202f\u00a0]*\d|\d")


def _readings(token: str) -> list[tuple[float, int]]:
    """Possible (absolute value, decimals) readings of a printed number."""
    s = re.sub(r"['\u2009\u202f\u00a0]", "", token)
    out: list[tuple[float, int]] = []

    def add(text: str, dec_sep: str | None) -> None:
        thousands = {".", ","} - ({dec_sep} if dec_sep else set())
        t = text
        for ch in thousands:
            t = t.replace(ch, "")
        decimals = 0
        if dec_sep and dec_sep in t:
            whole, _, frac = t.rpartition(dec_sep)
            if dec_sep in whole:
                return
            decimals = len(frac)
            t = whole + "." + frac
        try:
            out.append((float(t), decimals))
        except ValueError:
            return

    if "." in s and "," in s:
        add(s, "." if s.rfind(".") > s.rfind(",") else ",")
    elif "," in s or "." in s:
        sep = "," if "," in s else "."
        add(s, sep)
        groups = s.split(sep)
        if len(groups) > 1 and all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3:
            add(s, None)
    else:
        add(s, None)
    return out


def _shortest_decimals(values: np.ndarray) -> np.ndarray:
    """Decimals of the shortest decimal form of each value (0..8); NaN stays NaN."""
    v = np.asarray(values, dtype=np.float64)
    dec = np.full(v.shape, np.nan)
    todo = np.isfinite(v)
    for k in range(9):
        scaled = v * 10.0**k
        hit = todo & (np.abs(scaled - np.rint(scaled)) <= 1e-6 * np.maximum(1.0, np.abs(scaled)) * 1e-3)
        dec[hit] = k
        todo &= ~hit
    dec[todo] = 8
    return dec


def printed_decimals(raw: pd.Series, values: np.ndarray) -> np.ndarray:
    """Number of decimals each value was printed with in its box's ``raw`` text.

    The number is looked up among the numbers of ``raw`` (German ``1.234,56`` and English
    ``1,234.56`` forms both read); when it is not there (or ``raw`` is missing), the
    decimals of the value's shortest decimal form are used. Work is done once per distinct
    (raw, value) pair.

    Returns
    -------
    ndarray of float
        Decimals; NaN where the value is NaN.
    """
    vals = np.asarray(values, dtype=np.float64)
    dec = _shortest_decimals(vals)
    if len(vals) == 0:
        return dec
    raws = pd.Series(raw, copy=False).reset_index(drop=True)
    have = raws.notna().to_numpy() & np.isfinite(vals)
    if not have.any():
        return dec
    key = pd.DataFrame({"raw": raws[have].astype(str).to_numpy(), "v": vals[have]})
    codes, uniq = pd.factorize(pd.MultiIndex.from_frame(key))
    found = np.full(len(uniq), np.nan)
    for u, (text, v) in enumerate(uniq):
        target = abs(float(v))
        for token in _NUM_RE.findall(str(text)):
            hit = [d for val, d in _readings(token) if abs(val - target) <= 1e-9 * max(1.0, target)]
            if hit:
                found[u] = max(hit)
                break
    got = found[codes]
    sub = dec[have]
    sub[np.isfinite(got)] = got[np.isfinite(got)]
    dec[have] = sub
    return dec


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


def _as_corpus(obj: Corpus | pd.DataFrame) -> Corpus:
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
        snaps = pd.DataFrame({c: pd.Series(dtype="object") for c in SNAPSHOT_COLUMNS})
        return Corpus(art, snaps, pd.DataFrame({"source": [], "reason": []}), len(art))
    raise TypeError(
        f"align_events takes a Corpus or an articles DataFrame, not {type(obj).__name__}"
    )


def _published_ns(articles: pd.DataFrame, tz: str | None) -> np.ndarray:
    """Publication instants as UTC int64 ns (iNaT = unknown)."""
    if "published_at" not in articles.columns:
        return np.full(len(articles), _INAT, dtype=np.int64)
    col = articles["published_at"]
    if not isinstance(col.dtype, pd.DatetimeTZDtype) and not pd.api.types.is_datetime64_dtype(col.dtype):
        try:
            col = pd.to_datetime(col, format="mixed")
        except (ValueError, TypeError) as exc:
            raise ArticleError(f"published_at cannot be read as times: {exc}") from exc
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


@dataclass
class _Rows:
    """(article, instrument) rows before alignment."""

    art: np.ndarray  # int positions into articles
    position: np.ndarray  # int: position in the box (snapshot mode) or in the list
    instrument: np.ndarray  # object (str or None)
    change: np.ndarray
    pct: np.ndarray
    level: np.ndarray
    raw: pd.Series
    zero: np.ndarray  # bool
    dropped: list[tuple[str, str]]


def _resolve(names: Sequence[Any], prices: Mapping[str, pd.DataFrame] | None) -> dict[Any, Instrument | None]:
    out: dict[Any, Instrument | None] = {}
    for name in names:
        if name is None or (isinstance(name, float) and np.isnan(name)):
            continue
        try:
            out[name] = resolve_instrument(str(name))
        except UnknownInstrumentError:
            if prices is not None and str(name) in prices:
                out[name] = resolve_instrument(str(name), allow_unregistered_symbol=True)
            else:
                out[name] = None
    return out


def _snapshot_table(corpus: Corpus) -> pd.DataFrame:
    """Snapshots with article positions, plus the first-instrument article columns for
    articles that have no snapshot rows (tables of events)."""
    arts = corpus.articles
    ids = arts["article_id"].astype("str").to_numpy()
    pos_of = pd.Index(ids)
    if not pos_of.is_unique:
        dup = pos_of[pos_of.duplicated()][0]
        raise ArticleError(f"article_id {dup!r} appears more than once in the corpus")
    snaps = corpus.snapshots
    if len(snaps):
        art_pos = pos_of.get_indexer(pd.Index(snaps["article_id"].astype("str")))
        if (art_pos < 0).any():
            bad = snaps["article_id"].to_numpy()[art_pos < 0][0]
            raise ArticleError(f"snapshot of article {bad!r}, which is not among the corpus's articles")
        s = pd.DataFrame(
            {
                "art": art_pos.astype(np.int64),
                "position": pd.to_numeric(snaps["position"]).to_numpy(dtype=np.int64)
                if "position" in snaps
                else np.zeros(len(snaps), np.int64),
                "instrument": snaps["instrument"].astype(object).to_numpy(),
                "change": _first_or_nan(snaps, "change"),
                "pct": _first_or_nan(snaps, "change_pct"),
                "level": _first_or_nan(snaps, "level"),
                "raw": snaps["raw"].astype(object).to_numpy() if "raw" in snaps else None,
                "zero": snaps["zero_flag"].fillna(False).astype(bool).to_numpy()
                if "zero_flag" in snaps
                else np.zeros(len(snaps), bool),
            }
        )
    else:
        s = pd.DataFrame(
            {
                "art": np.empty(0, np.int64),
                "position": np.empty(0, np.int64),
                "instrument": np.empty(0, object),
                "change": np.empty(0),
                "pct": np.empty(0),
                "level": np.empty(0),
                "raw": np.empty(0, object),
                "zero": np.empty(0, bool),
            }
        )
    has_snap = np.zeros(len(arts), dtype=bool)
    has_snap[s["art"].to_numpy()] = True
    inst_col = arts["instrument"].astype(object) if "instrument" in arts else pd.Series([None] * len(arts), dtype=object)
    extra = np.flatnonzero(~has_snap)
    raw_col = arts["snapshot_raw"].astype(object) if "snapshot_raw" in arts else pd.Series([None] * len(arts), dtype=object)
    a = pd.DataFrame(
        {
            "art": extra.astype(np.int64),
            "position": np.zeros(len(extra), np.int64),
            "instrument": inst_col.to_numpy()[extra],
            "change": _first_or_nan(arts, "snapshot_change")[extra],
            "pct": _first_or_nan(arts, "snapshot_pct")[extra],
            "level": _first_or_nan(arts, "snapshot_level")[extra],
            "raw": raw_col.to_numpy()[extra],
            "zero": np.zeros(len(extra), bool),
        }
    )
    a["zero"] = (a["change"].to_numpy() == 0) | (a["pct"].to_numpy() == 0)
    out = pd.concat([s, a], ignore_index=True)
    out["instrument"] = out["instrument"].where(pd.notna(out["instrument"]), None)
    return out.sort_values(["art", "position"], kind="stable").reset_index(drop=True)


def _event_rows(
    corpus: Corpus,
    instruments: str | Sequence[str],
    prices: Mapping[str, pd.DataFrame] | None,
    dedupe: bool = True,
) -> tuple[_Rows, dict[Any, Instrument | None]]:
    arts = corpus.articles
    n_art = len(arts)
    snap = _snapshot_table(corpus)
    if isinstance(instruments, str) and instruments == "snapshot":
        names = pd.unique(snap["instrument"].dropna())
        resolved = _resolve(list(names), prices)
        sym = _map_symbols(snap["instrument"].to_numpy(object), resolved)
        # one row per (article, symbol): a box naming the same instrument twice keeps its first
        key = pd.DataFrame({"art": snap["art"], "sym": pd.Series(sym, dtype=object)})
        dup = key.duplicated() & key["sym"].notna()
        if not dedupe:
            dup[:] = False
        dmask = dup.to_numpy()
        dropped = [
            (str(arts["article_id"].iat[int(a)]), str(nm))
            for a, nm in zip(snap["art"].to_numpy()[dmask], snap["instrument"].to_numpy()[dmask], strict=True)
        ]
        # articles with no instrument at all keep one row (status unknown_instrument)
        snap = snap.loc[~dup.to_numpy()].reset_index(drop=True)
        missing = np.setdiff1d(np.arange(n_art), snap["art"].to_numpy())
        if missing.size:
            fill = pd.DataFrame(
                {
                    "art": missing,
                    "position": 0,
                    "instrument": None,
                    "change": np.nan,
                    "pct": np.nan,
                    "level": np.nan,
                    "raw": None,
                    "zero": False,
                }
            )
            snap = (
                pd.concat([snap, fill], ignore_index=True)
                .sort_values(["art", "position"], kind="stable")
                .reset_index(drop=True)
            )
        rows = _Rows(
            art=snap["art"].to_numpy(np.int64),
            position=snap["position"].to_numpy(np.int64),
            instrument=snap["instrument"].to_numpy(object),
            change=snap["change"].to_numpy(np.float64),
            pct=snap["pct"].to_numpy(np.float64),
            level=snap["level"].to_numpy(np.float64),
            raw=snap["raw"].reset_index(drop=True),
            zero=snap["zero"].to_numpy(bool),
            dropped=dropped,
        )
        return rows, resolved

    if isinstance(instruments, str):
        if instruments in arts.columns:
            art_idx = np.arange(n_art, dtype=np.int64)
            inst = _clean_names(arts[instruments].astype(object).to_numpy())
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
        names_list = list(instruments)
        if not names_list:
            raise InvalidOptionError("instruments", instruments, reason="the list is empty")
        resolved_l = _resolve(names_list, prices)
        seen: dict[str, str] = {}
        for nm in names_list:
            r = resolved_l.get(nm)
            if r is None:
                continue
            if r.symbol in seen:
                raise InvalidOptionError(
                    "instruments",
                    instruments,
                    reason=f"{r.symbol} is listed twice (as {seen[r.symbol]!r} and {nm!r})",
                )
            seen[r.symbol] = str(nm)
        k = len(names_list)
        art_idx = np.repeat(np.arange(n_art, dtype=np.int64), k)
        inst = np.tile(np.array([str(x) for x in names_list], dtype=object), n_art)
    resolved = _resolve(list(pd.unique(pd.Series(inst, dtype=object).dropna())), prices)
    sym_rows = _map_symbols(inst, resolved)
    # printed values: the article's snapshot for the same symbol (first one)
    snap_sym = _map_symbols(snap["instrument"].to_numpy(object), _resolve(list(pd.unique(snap["instrument"].dropna())), prices))
    key_snap = pd.DataFrame({"art": snap["art"].to_numpy(), "sym": snap_sym, "i": np.arange(len(snap))})
    key_snap = key_snap.dropna(subset=["sym"]).drop_duplicates(["art", "sym"])
    key_rows = pd.DataFrame({"art": art_idx, "sym": sym_rows})
    hit = key_rows.merge(key_snap, on=["art", "sym"], how="left")["i"].to_numpy()
    has = ~pd.isna(hit)
    hi = np.where(has, hit, 0).astype(np.int64)

    def take(col: str, fill: Any) -> np.ndarray:
        vals = snap[col].to_numpy()
        if len(vals) == 0:
            return np.full(len(art_idx), fill, dtype=object if fill is None else type(fill))
        return np.where(has, vals[hi], fill)

    rows = _Rows(
        art=art_idx,
        position=np.tile(np.arange(len(inst) // max(n_art, 1), dtype=np.int64), n_art)
        if len(inst) and n_art
        else np.zeros(len(inst), np.int64),
        instrument=inst,
        change=take("change", np.nan).astype(np.float64),
        pct=take("pct", np.nan).astype(np.float64),
        level=take("level", np.nan).astype(np.float64),
        raw=pd.Series(take("raw", None), dtype=object),
        zero=take("zero", False).astype(bool),
        dropped=[],
    )
    return rows, resolved


def _clean_names(values: np.ndarray) -> np.ndarray:
    s = pd.Series(values, dtype=object)
    ok = s.map(lambda x: isinstance(x, str) and bool(x.strip()))
    return s.where(ok, None).to_numpy(dtype=object)


def _map_symbols(names: np.ndarray, resolved: Mapping[Any, Instrument | None]) -> np.ndarray:
    """Symbol per name (None when unknown), looked up once per distinct name."""
    codes, uniq = pd.factorize(pd.Series(names, dtype=object), use_na_sentinel=True)
    table = np.empty(len(uniq) + 1, dtype=object)
    for i, u in enumerate(uniq):
        inst = resolved.get(u)
        table[i] = inst.symbol if inst is not None else None
    return table[np.where(codes < 0, len(uniq), codes)]


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
) -> pd.DataFrame | None:
    """Prices of one symbol (from ``prices`` when it has them), or None with the reason
    recorded in ``errors[label]`` (``label`` defaults to the symbol)."""
    label = label or symbol
    try:
        if prices is not None and symbol in prices:
            frame = prices[symbol]
            if tuple(frame.columns) != COLUMNS or frame.attrs.get("interval") != interval:
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


def _calendar_arrays(inst: Instrument) -> SessionArrays | None:
    if inst.calendar is None:
        return None
    cal = get_calendar(inst.calendar)
    return SessionArrays.from_frame(calendar_sessions(inst.calendar), str(cal.tz))


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


def _align_daily(
    pub: np.ndarray, sess: SessionArrays | None, d: _Daily | None, calendar_based: bool
) -> _Block:
    m = len(pub)
    known = pub != _INAT
    status = np.where(known, _NO_DATA, _NO_PUB).astype(np.int8)
    state = np.full(m, -1, dtype=np.int8)
    t0 = np.full(m, _INAT, dtype=np.int64)
    session = np.full(m, _INAT, dtype=np.int64)
    base = np.full(m, np.nan)
    if d is not None and d.n == 0:  # the source has no bars near these publications
        status[known] = _OUTSIDE
    if sess is None or len(sess) == 0:
        return _Block(status, state, t0, session, base)
    pos, state = find_sessions(pub, sess)
    n = len(sess)
    inside = known & (pos < n)
    S = np.full(m, _INAT, dtype=np.int64)
    S[inside] = sess.dates[pos[inside]]
    if d is None or d.n == 0:
        return _Block(status, state, t0, session, base)
    j = np.searchsorted(d.dates, S, side="left")
    jc = np.minimum(j, d.n - 1)
    in_data = inside & (j < d.n) & (d.dates[jc] == S)
    outside = known & (~inside | (d.dates[0] > S) | (d.dates[-1] < S))
    if not calendar_based:
        outside |= known & (pub < sess.opens[0])
    gap = known & ~outside & ~in_data
    status[known] = _OK
    status[gap] = _GAP
    status[outside] = _OUTSIDE
    keep = known & ~outside
    t0[keep] = S[keep]
    session[keep] = S[keep]
    has_prev = keep & (j >= 1)
    base[has_prev] = d.close[j[has_prev] - 1]
    return _Block(status, state, t0, session, base)


def _align_intraday(
    pub: np.ndarray,
    sess: SessionArrays | None,
    bars: pd.DataFrame | None,
    interval: str,
    calendar_based: bool,
) -> _Block:
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
    ends = bar_ends(starts, interval, sess.closes if calendar_based else None)
    nb = len(starts)
    k = find_bars(pub, ends)
    kc = np.clip(k, 0, nb - 1)
    bar_sess = np.searchsorted(sess.closes, starts, side="right")
    same = inside & (k < nb) & (bar_sess[kc] == pos)
    outside = known & (~inside | (k >= nb) | ((k == 0) & (bar_sess[0] > pos)))
    if not calendar_based:
        outside |= known & (pub < sess.opens[0])
    ok = same & ~outside
    gap = known & ~outside & ~same
    status[known] = _OK
    status[gap] = _GAP
    status[outside] = _OUTSIDE
    session[outside] = _INAT
    t0[ok] = starts[k[ok]]
    has_prev = ok & (k >= 1)
    base[has_prev] = close[k[has_prev] - 1]
    return _Block(status, state, t0, session, base)


@dataclass
class _BoxCheck:
    status: np.ndarray
    change: np.ndarray
    pct: np.ndarray
    session: np.ndarray


def _check_boxes(
    qc: np.ndarray,
    qp: np.ndarray,
    ql: np.ndarray,
    raw: pd.Series,
    zero: np.ndarray,
    session: np.ndarray,
    d: _Daily | None,
    window: np.ndarray | None,
) -> _BoxCheck:
    """Snapshot columns of the events frame for one instrument's rows."""
    m = len(qc)
    printed = ~(np.isnan(qc) & np.isnan(qp) & np.isnan(ql))
    is_zero = printed & (zero | (qc == 0) | (qp == 0))
    st = np.full(m, _M_NODATA, dtype=np.int8)
    st[~printed] = _M_NOSNAP
    st[is_zero] = _M_ZERO
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
    raw_t = raw.iloc[todo] if len(raw) == m else pd.Series([None] * todo.size, dtype=object)
    c, p, lv = qc[todo], qp[todo], ql[todo]
    hc = _half_unit(printed_decimals(raw_t, c))
    hp = _half_unit(printed_decimals(raw_t, p))
    hl = _half_unit(printed_decimals(raw_t, lv))
    qframe = pd.DataFrame({"c": c, "p": p, "l": lv, "hc": hc, "hp": hp, "hl": hl})
    code = qframe.groupby(list(qframe.columns), sort=False, dropna=False).ngroup().to_numpy()
    first = np.unique(code, return_index=True)[1]
    u = qframe.iloc[first]
    uq_order = code[first]  # group number of each unique row
    inv = np.empty(len(first), dtype=np.int64)
    inv[uq_order] = np.arange(len(first))
    qi, si = _match_pairs(
        u["c"].to_numpy(), u["p"].to_numpy(), u["l"].to_numpy(),
        u["hc"].to_numpy(), u["hp"].to_numpy(), u["hl"].to_numpy(), d, window,
    )
    # pairs keyed by (unique query, session), sorted
    stride = d.n + 1
    keys = qi * stride + si
    uq = inv[code]
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
        inr = _in_range(c[r], p[r], lv[r], hc[r], hp[r], hl[r], d, jt[r])
        res[r[inr]] = _M_RANGE
    st[todo] = res
    matched[todo] = sess_out
    return _BoxCheck(st, chg, pct, matched)


# ---------------------------------------------------------------------------
# align_events
# ---------------------------------------------------------------------------


def _group_positions(codes: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """(code, row positions) for each non-negative code, rows in their original order."""
    order = np.argsort(codes, kind="stable")
    sc = codes[order]
    cuts = np.flatnonzero(np.diff(sc)) + 1
    out = []
    for chunk in np.split(order, cuts):
        if chunk.size and codes[chunk[0]] >= 0:
            out.append((int(codes[chunk[0]]), chunk))
    return out


def _codes_to_str(codes: np.ndarray, labels: Sequence[str]) -> pd.Series:
    cat = pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=pd.Index(list(labels)))
    return pd.Series(cat).astype("str")


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
    check_option("interval", interval, Interval)
    corp = _as_corpus(corpus)
    arts = corp.articles
    pub_art = _published_ns(arts, tz)
    rows, resolved = _event_rows(corp, instruments, prices)
    R = len(rows.art)
    pub = pub_art[rows.art] if R else np.empty(0, np.int64)
    sym = _map_symbols(rows.instrument, resolved)
    sym_codes, sym_uniq = pd.factorize(pd.Series(sym, dtype=object), use_na_sentinel=True)
    intraday = interval != "1d"

    status = np.full(R, _UNKNOWN, dtype=np.int8)
    state = np.full(R, -1, dtype=np.int8)
    t0 = np.full(R, _INAT, dtype=np.int64)
    base = np.full(R, np.nan)
    snap_st = np.full(R, _M_NODATA, dtype=np.int8)
    chg_t0 = np.full(R, np.nan)
    pct_t0 = np.full(R, np.nan)
    snap_sess = np.full(R, _INAT, dtype=np.int64)
    errors: dict[str, str] = {}

    for code, idx in _group_positions(sym_codes):
        symbol = str(sym_uniq[code])
        inst = next(v for v in resolved.values() if v is not None and v.symbol == symbol)
        p = pub[idx]
        win = _window(p, DAILY_MARGIN)
        cal = _calendar_arrays(inst)
        daily: _Daily | None = None
        window_mask = None
        sess_d: SessionArrays | None = cal
        needs_daily = not intraday or bool(
            (~(np.isnan(rows.change[idx]) & np.isnan(rows.pct[idx]) & np.isnan(rows.level[idx]))).any()
        )
        if win is not None and needs_daily:
            lo = win[0].tz_localize(None).normalize()
            hi = win[1].tz_localize(None).normalize()
            frame = _get_prices(
                symbol, lo, hi, "1d", source, None if intraday else prices, errors,
                label=symbol if not intraday else f"{symbol} [1d]",
            )
            if frame is not None:
                if cal is None:
                    sess_d = _data_session_arrays(pd.DatetimeIndex(frame.index), inst.tz)
                daily = _daily_table(frame, cal.dates if cal is not None else None)
                window_mask = (daily.dates >= lo.value) & (daily.dates <= hi.value)
        if not intraday:
            blk = _align_daily(p, sess_d, daily, cal is not None)
        else:
            bars = None
            iwin = _window(p, INTRADAY_MARGIN)
            if iwin is not None:
                bars = _get_prices(symbol, iwin[0], iwin[1], interval, source, prices, errors)
            if cal is not None:
                sess_i: SessionArrays | None = cal
            elif bars is not None:
                local = pd.DatetimeIndex(bars.index).tz_convert(inst.tz).tz_localize(None)
                sess_i = _data_session_arrays(local, inst.tz)
            else:
                sess_i = None
            blk = _align_intraday(p, sess_i, bars, interval, cal is not None)
        status[idx] = blk.status
        state[idx] = blk.state
        t0[idx] = blk.t0
        base[idx] = blk.base
        raw_i = rows.raw.iloc[idx] if len(rows.raw) == R else pd.Series([None] * idx.size, dtype=object)
        box = _check_boxes(
            rows.change[idx], rows.pct[idx], rows.level[idx], raw_i, rows.zero[idx],
            blk.session, daily, window_mask,
        )
        snap_st[idx] = box.status
        chg_t0[idx] = box.change
        pct_t0[idx] = box.pct
        snap_sess[idx] = box.session

    # rows without a known instrument
    unknown = sym_codes < 0
    if unknown.any():
        printed = ~(np.isnan(rows.change) & np.isnan(rows.pct) & np.isnan(rows.level))
        is_zero = printed & (rows.zero | (rows.change == 0) | (rows.pct == 0))
        snap_st[unknown] = np.where(
            ~printed[unknown], _M_NOSNAP, np.where(is_zero[unknown], _M_ZERO, _M_NODATA)
        )
        status[unknown] = _UNKNOWN

    art_ids = arts["article_id"].astype("str").reset_index(drop=True)
    article_id = art_ids.take(rows.art).reset_index(drop=True)
    instrument = pd.Series(rows.instrument, dtype="str")
    symbol_s = pd.Series(sym, dtype="str")
    ev_key = symbol_s.where(symbol_s.notna(), instrument).fillna("")
    event_id = article_id + "|" + ev_key
    if intraday:
        t0_s = pd.Series(pd.DatetimeIndex(t0.view("M8[ns]")).tz_localize("UTC"))
    else:
        t0_s = pd.Series(t0.view("M8[ns]"))
    out = pd.DataFrame(
        {
            "event_id": event_id,
            "article_id": article_id,
            "instrument": instrument,
            "symbol": symbol_s,
            "published_at": pd.Series(pd.DatetimeIndex(pub.view("M8[ns]")).tz_localize("UTC")),
            "market_state": _codes_to_str(state, MARKET_STATES),
            "t0": t0_s,
            "status": _codes_to_str(status, STATUSES),
            "base_price": base,
            "snapshot_change": rows.change,
            "snapshot_pct": rows.pct,
            "snapshot_level": rows.level,
            "change_at_t0": chg_t0,
            "pct_at_t0": pct_t0,
            "snapshot_status": _codes_to_str(snap_st, SNAPSHOT_STATUSES),
            "snapshot_session": pd.Series(snap_sess.view("M8[ns]")),
        }
    )
    skip = {"article_id", "instrument", "published_at", "body", "snapshot_change", "snapshot_pct", "snapshot_level"}
    extra = [c for c in arts.columns if c not in skip]
    if extra:
        ext = arts[extra].iloc[rows.art].reset_index(drop=True)
        ext.columns = [f"article_{c}" if c in EVENT_COLUMNS else c for c in extra]
        out = pd.concat([out, ext], axis=1)
    out.attrs = {
        "interval": interval,
        "price_errors": errors,
        "duplicate_instruments": rows.dropped,
        "unknown_instruments": sorted(str(k) for k, v in resolved.items() if v is None),
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
#: Cells of the (box value x session) table evaluated at once for intraday candidates.
_STAB_CHUNK = 4_000_000


def _search_bounds(search: Sequence[object] | None) -> tuple[pd.Timestamp, pd.Timestamp] | None:
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
class _CaptureParts:
    snaps: pd.DataFrame  # per snapshot (CAPTURE_COLUMNS)
    windows: pd.DataFrame  # art, lo, hi: capture windows consistent with all voting boxes
    art_ids: pd.Series


def _capture(
    corpus: Corpus | pd.DataFrame,
    source: PriceSource | None,
    search: Sequence[object] | None,
    tz: str | None = None,
) -> _CaptureParts:
    corp = _as_corpus(corpus)
    arts = corp.articles
    bounds = _search_bounds(search)
    pub_art = _published_ns(arts, tz)
    rows, resolved = _event_rows(corp, "snapshot", None, dedupe=False)
    printed = ~(np.isnan(rows.change) & np.isnan(rows.pct) & np.isnan(rows.level))
    keep = np.flatnonzero(printed)
    R = keep.size
    art = rows.art[keep]
    qc, qp, ql = rows.change[keep], rows.pct[keep], rows.level[keep]
    raw = rows.raw.iloc[keep].reset_index(drop=True) if len(rows.raw) else pd.Series([None] * R, dtype=object)
    zero = rows.zero[keep] | (qc == 0) | (qp == 0)
    sym = _map_symbols(rows.instrument[keep], resolved)
    codes, uniq = pd.factorize(pd.Series(sym, dtype=object), use_na_sentinel=True)
    pub = pub_art[art] if R else np.empty(0, np.int64)

    status = np.full(R, _C_UNKNOWN, dtype=np.int8)
    t0 = np.full(R, _INAT, dtype=np.int64)
    t0pos = np.full(R, -1, dtype=np.int64)
    hc = _half_unit(printed_decimals(raw, qc))
    hp = _half_unit(printed_decimals(raw, qp))
    hl = _half_unit(printed_decimals(raw, ql))
    cand_parts: list[pd.DataFrame] = []
    intra_parts: list[pd.DataFrame] = []
    errors: dict[str, str] = {}

    for code, idx in _group_positions(codes):
        symbol = str(uniq[code])
        inst = next(v for v in resolved.values() if v is not None and v.symbol == symbol)
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
        qf = pd.DataFrame({"c": qc[live], "p": qp[live], "l": ql[live], "hc": hc[live], "hp": hp[live], "hl": hl[live]})
        ucode = qf.groupby(list(qf.columns), sort=False, dropna=False).ngroup().to_numpy()
        firsts = np.unique(ucode, return_index=True)[1]
        u = qf.iloc[firsts]
        inv = np.empty(len(firsts), dtype=np.int64)
        inv[ucode[firsts]] = np.arange(len(firsts))
        uq = inv[ucode]
        ua = [u[c].to_numpy() for c in ("c", "p", "l", "hc", "hp", "hl")]
        qi, si = _match_pairs(ua[0], ua[1], ua[2], ua[3], ua[4], ua[5], d, allowed)
        n_match = np.bincount(qi, minlength=len(firsts))
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
    cand["art"] = art[cand["row"].to_numpy()] if R else np.empty(0, np.int64)

    # --- page level: capture windows consistent with every voting box of the page
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
    inst_names = rows.instrument[keep]
    hit["label"] = (
        pd.Series(inst_names[hit["row"].to_numpy(dtype=np.int64)], index=hit.index, dtype="str")
        + " "
        + pd.Series(pd.DatetimeIndex(hit["session"].to_numpy(dtype=np.int64).view("M8[ns]")).strftime("%Y-%m-%d"), index=hit.index, dtype="str")
    )
    windows = (
        hit.sort_values(["art", "lo", "hi", "row"], kind="stable")
        .groupby(["art", "lo", "hi"], sort=True)["label"]
        .agg(lambda x: ", ".join(dict.fromkeys(x)))
        .reset_index()
    )
    n_win = windows.groupby("art").size()

    n_art = len(arts)
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
            "instrument": pd.Series(rows.instrument[keep], dtype="str"),
            "symbol": pd.Series(sym, dtype="str"),
            "change": qc,
            "change_pct": qp,
            "level": ql,
            "status": _codes_to_str(status, _CAPTURE_STATUSES),
            "capture_session": pd.Series(own.view("M8[ns]")),
            "n_candidates": n_cand.astype(np.int64),
            "candidates": cand_lists,
            "intraday_candidates": intra_lists,
            "page_status": _codes_to_str(page[art], _PAGE_STATUSES),
            "page_session": pd.Series(page_sess.view("M8[ns]")),
            "captured_after": pd.Series(pd.DatetimeIndex(win_lo[art].view("M8[ns]")).tz_localize("UTC")),
            "captured_before": pd.Series(pd.DatetimeIndex(win_hi[art].view("M8[ns]")).tz_localize("UTC")),
            "published_at": pd.Series(pd.DatetimeIndex(pub.view("M8[ns]")).tz_localize("UTC")),
            "t0": pd.Series(t0.view("M8[ns]")),
            "capture_lag": lag_s,
            "lag_flag": np.asarray(lag_s.fillna(0).to_numpy(dtype=np.int64) < -1),
        }
    )
    out.attrs = {"price_errors": errors, "search": None if bounds is None else (bounds[0], bounds[1])}
    win = windows.copy()
    return _CaptureParts(out, win, art_ids)


def _lists(row: np.ndarray, sess: np.ndarray, n: int) -> pd.Series:
    """Object column of lists of session Timestamps per row (rows sorted)."""
    out: list[list[pd.Timestamp]] = [[] for _ in range(n)]
    if row.size:
        stamps = pd.DatetimeIndex(np.asarray(sess, dtype=np.int64).view("M8[ns]"))
        cuts = np.flatnonzero(np.diff(row)) + 1
        for chunk in np.split(np.arange(row.size), cuts):
            out[int(row[chunk[0]])] = list(stamps[chunk])
    return pd.Series(out, dtype=object)


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
    return _capture(corpus, source, search, tz).snaps
