"""Event windows in clock time: the minutes around the publication instant (intraday bars).

``event_study(events, windows=[("-30min", "+60min"), ("0min", "+15min")], interval="5m",
model="time_of_day")`` measures what the market did in the minutes around each article's
publication. :func:`run_clock` is the engine :func:`mktnews.event_study` dispatches to when
the windows are :class:`~mktnews.windows.ClockWindow` s. Everything is vectorised over the
events (``searchsorted`` on the bar ends); the only loops run per instrument, per group
and per window.

Conventions
-----------
Bars
    Bar ``i`` covers ``[start_i, end_i)``; it ends at the next bar's start, at
    ``start + interval`` or at its session's close (the exchange calendar's, so an early
    close, e.g. XNYS at 13:00 ET the day after Thanksgiving, ends the last bar), whichever
    comes first (:func:`mktnews.events.bar_ends`). Instruments without a calendar take their
    sessions from their bars: one per local day, from its first bar's start to its last
    bar's end.
Anchor
    The publication instant ``P`` when it falls in a session (``market_state`` ``regular``);
    otherwise (``pre``, ``post``, ``closed``) the **open of the next session**. The
    ``market_state`` of each event is in ``car`` and ``params`` (``anchor`` beside it).
Window edges
    A window ``(a, b)`` covers the bars from the one *containing* ``anchor + a`` (the first
    bar ending strictly after it) to the one containing ``anchor + b`` (the first bar ending
    at or after it): with 5-minute bars and ``P`` = 14:02, ``(0min, +15min)`` covers the
    bars 14:00 to 14:15. Its CAR is the sum of those bars' ARs, so a window that starts
    at 0 is measured from the close of the bar before the one containing ``P``: the last
    close at or before publication (``base_price``). For news outside trading hours the
    window starts at the open: its part before 0 is empty (the bars from the first one
    ending after ``open + max(a, 0)``), and a window with ``b <= 0`` cannot be had
    (``window_before_open``). A window must lie inside the anchor's session
    (``open <= anchor + a`` and ``anchor + b <= close``), else the event has the status
    ``window_outside_session`` (never cut short silently); bars the data lacks beyond its
    last bar give ``window_outside_data``.
Bar returns and the overnight move
    Within a session a bar's return runs from the previous bar's close to its close; a
    session's first bar runs from its open to its close. The move from the previous
    session's last close to the open, ``overnight``, is reported on its own in ``car``
    (with ``overnight_ar``) for every event whose window starts with the session's first
    bar (always so for news outside trading hours) and is never part of a CAR.
    ``window_base`` is the price the window's returns start from (the previous bar's close,
    or the open for a window starting with the session's first bar).
Normal returns
    ``raw``: 0. ``market_adjusted``: the benchmark's return on the same bar (its closes
    taken at the instrument's bar starts, exact match; its first bar of a session from its
    open, which a Series of closes lacks: that bar's market return is then missing).
    ``time_of_day``: the mean return of the same clock slot (the bar's start in the
    exchange's **local** time, so a DST change does not shift it) over the estimation
    days; the overnight move's normal is the mean overnight move of those days.
Estimation
    The ``estimation_days`` sessions of the data before the anchor's session; the residuals
    are every in-session bar return of those days (``L`` of them; ``k = 0`` for ``raw`` and
    ``market_adjusted``, the number of slots with a mean for ``time_of_day``),
    ``s = sqrt(SSR / (L - k))``. An AR's variance is ``s**2`` (``s**2 (1 + 1/n_slot)`` for
    ``time_of_day``, ``n_slot`` the slot's estimation returns); a CAR's is their sum;
    ``t = CAR / sd_car`` with ``L - k`` degrees of freedom.
Tests
    The battery of :mod:`mktnews.inference` runs per group and window on the events' window
    bars: column ``j`` of the AR matrix is the ``j``-th bar of each event's window (events
    whose window has one bar fewer, as the publication minute falls, are NaN-padded);
    calendar keys are bar starts; the estimation residuals are the bars of the estimation
    days. The conventions that differ from daily data are appended to each test's
    ``convention``.
CAAR in minutes
    ``caar`` has one row per group, window and minute ``m`` on a grid from ``a`` to ``b``
    (step: the bar length, and ``b``): the mean over events of the CAR from the window's
    start to the bar containing ``anchor + m`` (0 when ``anchor + m`` is at or before the
    window's first instant), with the 95 % band ``caar +- t sd / sqrt(n)``; at ``m = b`` it
    is the mean window CAR.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from mktnews.calendar_codes import calendar_sessions, get_calendar
from mktnews.errors import ConfigurationError, InvalidOptionError, StudyError
from mktnews.events import MARKET_STATES, SessionArrays, bar_ends, find_sessions
from mktnews.inference import run_tests
from mktnews.instruments import resolve_instrument
from mktnews.labels import ClockWindowLabel
from mktnews.prices.base import PriceSource, load_prices, validate_bars
from mktnews.results import EventStudyResults, params_key_columns
from mktnews.spec import CI_LEVEL, StudySpec, benchmark_label, needs_estimation, spec_options
from mktnews.vocab import BAR_NS

__all__ = ["CLOCK_STATUSES", "run_clock"]

#: Event statuses of clock studies (besides the alignment statuses carried through).
CLOCK_STATUSES: tuple[str, ...] = (
    "ok",
    "no_price_row",
    "window_outside_data",
    "window_outside_session",
    "window_before_open",
    "insufficient_estimation",
    "degenerate_estimation",
    "incomplete_window",
)

_MIN = 60_000_000_000  # ns per minute
_DAY = 86_400_000_000_000
_NAT = np.iinfo(np.int64).min


# ---------------------------------------------------------------------------------------
# one instrument's bars


@dataclass(frozen=True)
class _Bars:
    """The bars of one instrument with their sessions and per-day tables."""

    starts: np.ndarray  # UTC ns
    ends: np.ndarray
    open: np.ndarray
    close: np.ndarray
    sess: np.ndarray  # calendar session index of each bar
    first: np.ndarray  # the session's first bar (of the data)
    ret: np.ndarray  # in-session return (first bar: from its open)
    minute: np.ndarray  # local minute of the day of the bar's start (the clock slot)
    day_first: np.ndarray  # (n_days + 1,) first bar of each data day, then len(bars)
    day_sess: np.ndarray  # calendar session index of each data day
    overnight: np.ndarray  # per data day: its open over the previous day's last close
    sessions: SessionArrays


def _returns(num: np.ndarray, den: np.ndarray, kind: str) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "log":
            out = np.log(num / den)
            out[~((num > 0) & (den > 0))] = np.nan
            return out
        return num / den - 1.0


def _sessions(symbol: str, starts: np.ndarray, interval: str) -> tuple[SessionArrays, str]:
    """The instrument's sessions (its calendar's, else one per local day of its bars)."""
    inst = resolve_instrument(symbol, allow_unregistered_symbol=True)
    if inst.calendar is not None:
        cal = get_calendar(inst.calendar)
        return SessionArrays.from_frame(calendar_sessions(inst.calendar), str(cal.tz)), str(cal.tz)
    tz = inst.tz
    ends = bar_ends(starts, interval, None)
    local = pd.DatetimeIndex(starts.view("M8[ns]")).tz_localize("UTC").tz_convert(tz)
    day = local.tz_localize(None).normalize().as_unit("ns").asi8
    new = np.ones(len(day), dtype=bool)
    new[1:] = day[1:] != day[:-1]
    firsts = np.flatnonzero(new)
    lasts = np.concatenate([firsts[1:] - 1, [len(day) - 1]]).astype(np.int64)
    return SessionArrays(dates=day[firsts], opens=starts[firsts], closes=ends[lasts], tz=tz), tz


def _bars(symbol: str, frame: pd.DataFrame, interval: str, returns: str) -> _Bars:
    starts = pd.DatetimeIndex(frame.index).tz_convert("UTC").as_unit("ns").asi8
    sessions, tz = _sessions(symbol, starts, interval)
    ends = bar_ends(starts, interval, sessions.closes)
    op = frame["open"].to_numpy(dtype=np.float64, na_value=np.nan)
    cl = frame["close"].to_numpy(dtype=np.float64, na_value=np.nan)
    sess = np.searchsorted(sessions.closes, starts, side="right").astype(np.int64)
    first = np.ones(len(starts), dtype=bool)
    first[1:] = sess[1:] != sess[:-1]
    prev = np.concatenate([[np.nan], cl[:-1]])
    ret = np.where(first, _returns(cl, op, returns), _returns(cl, prev, returns))
    local = pd.DatetimeIndex(starts.view("M8[ns]")).tz_localize("UTC").tz_convert(tz)
    minute = (local.hour * 60 + local.minute).to_numpy(dtype=np.int64)
    fi = np.flatnonzero(first)
    day_first = np.concatenate([fi, [len(starts)]]).astype(np.int64)
    last_prev = np.concatenate([[np.nan], cl[fi[1:] - 1]]) if len(fi) else np.empty(0)
    overnight = _returns(op[fi], last_prev, returns)
    return _Bars(
        starts, ends, op, cl, sess, first, ret, minute, day_first, sess[fi], overnight, sessions
    )


def _market(b: _Bars, bench: pd.DataFrame | pd.Series, returns: str) -> tuple[np.ndarray, np.ndarray]:
    """The benchmark's bar returns and overnight moves on the instrument's bars (closes at
    the instrument's bar starts, exact match; a session's first bar from the benchmark's
    open of that bar, missing for a Series of closes)."""
    if isinstance(bench, pd.DataFrame):
        cols = {str(c).lower(): c for c in bench.columns}
        bc_s = bench[cols["close"]]
        bo_s = bench[cols["open"]] if "open" in cols else None
    else:
        bc_s, bo_s = bench, None
    idx = pd.DatetimeIndex(bc_s.index)
    if idx.tz is None:
        raise ConfigurationError(
            "an intraday benchmark must be indexed by tz-aware bar starts (UTC); its index is tz-naive"
        )
    key = idx.tz_convert("UTC").as_unit("ns").asi8
    where = pd.Index(key).get_indexer(pd.Index(b.starts))
    bc = np.where(where >= 0, bc_s.to_numpy(dtype=np.float64, na_value=np.nan)[np.maximum(where, 0)], np.nan)
    if bo_s is not None:
        bo_v = bo_s.to_numpy(dtype=np.float64, na_value=np.nan)
        bo = np.where(where >= 0, bo_v[np.maximum(where, 0)], np.nan)
    else:
        bo = np.full(len(bc), np.nan)
    prev = np.concatenate([[np.nan], bc[:-1]])
    mret = np.where(b.first, _returns(bc, bo, returns), _returns(bc, prev, returns))
    fi = b.day_first[:-1]
    last_prev = np.concatenate([[np.nan], bc[fi[1:] - 1]]) if len(fi) else np.empty(0)
    return mret, _returns(bo[fi], last_prev, returns)


# ---------------------------------------------------------------------------------------
# the flat panel of every instrument


@dataclass(frozen=True)
class _Panel:
    """Every instrument's bars end to end (flat rows), with per-day tables (flat days)."""

    symbols: list[str]
    bars: list[_Bars]
    row_off: np.ndarray  # (J + 1,) first flat row of each instrument
    day_off: np.ndarray  # (J + 1,) first flat day of each instrument
    starts: np.ndarray
    ends: np.ndarray
    open: np.ndarray
    close: np.ndarray
    first: np.ndarray
    ret: np.ndarray
    mret: np.ndarray
    slot: np.ndarray  # code of the bar's clock slot (0..n_slots-1)
    n_slots: int
    day: np.ndarray  # flat day of each bar
    day_first: np.ndarray  # flat row of each flat day's first bar
    overnight: np.ndarray
    movernight: np.ndarray

    @classmethod
    def build(
        cls, bars: dict[str, _Bars], market: dict[str, tuple[np.ndarray, np.ndarray]] | None
    ) -> _Panel:
        symbols = list(bars)
        bl = [bars[s] for s in symbols]
        n_rows = np.array([len(b.starts) for b in bl], dtype=np.int64)
        n_days = np.array([len(b.day_sess) for b in bl], dtype=np.int64)
        row_off = np.concatenate([[0], np.cumsum(n_rows)]).astype(np.int64)
        day_off = np.concatenate([[0], np.cumsum(n_days)]).astype(np.int64)

        def cat(name: str) -> np.ndarray:
            return np.concatenate([getattr(b, name) for b in bl]) if bl else np.empty(0)

        minute = cat("minute").astype(np.int64)
        slot, uniq = pd.factorize(minute, sort=True)
        day = np.concatenate(
            [np.repeat(np.arange(n_days[j]) + day_off[j], np.diff(b.day_first)) for j, b in enumerate(bl)]
        ).astype(np.int64)
        day_first = np.concatenate([b.day_first[:-1] + row_off[j] for j, b in enumerate(bl)]).astype(np.int64)
        nan_r, nan_d = np.full(int(row_off[-1]), np.nan), np.full(int(day_off[-1]), np.nan)
        mret = np.concatenate([market[s][0] for s in symbols]) if market is not None else nan_r
        movn = np.concatenate([market[s][1] for s in symbols]) if market is not None else nan_d
        return cls(
            symbols, bl, row_off, day_off, cat("starts").astype(np.int64), cat("ends").astype(np.int64),
            cat("open"), cat("close"), cat("first").astype(bool), cat("ret"), mret,
            slot.astype(np.int64), len(uniq), day, day_first, cat("overnight"), movn,
        )  # fmt: skip


# ---------------------------------------------------------------------------------------
# placing the events


@dataclass(frozen=True)
class _Placed:
    """Per events-frame row (or study event): where its windows fall in the panel."""

    inst: np.ndarray  # instrument index (-1: none)
    state: np.ndarray  # MARKET_STATES code (-1 unknown)
    anchor: np.ndarray  # UTC ns
    base_row: np.ndarray  # flat row of the last bar ending at or before publication (-1)
    k0: np.ndarray  # flat row of the bar containing the anchor (the first ending after it)
    day: np.ndarray  # flat day of the anchor's session (-1: the data lacks it)
    lo: np.ndarray  # (N, n_windows) first instant of each window
    i0: np.ndarray  # (N, n_windows) flat rows of the first and last bar of each window
    i1: np.ndarray
    status: np.ndarray  # code into CLOCK_STATUSES (estimation statuses come later)

    def take(self, rows: np.ndarray) -> _Placed:
        return _Placed(**{k: getattr(self, k)[rows] for k in self.__dataclass_fields__})


def _place_one(b: _Bars, pub: np.ndarray, spec: StudySpec) -> dict[str, np.ndarray]:
    """Anchors and window bars of publications ``pub`` on one instrument (local rows)."""
    n, m = len(b.starts), len(pub)
    nw = len(spec.windows)
    pos, state = find_sessions(pub, b.sessions)
    ns = len(b.sessions)
    valid = (pos >= 0) & (pos < ns)
    S = np.clip(pos, 0, max(ns - 1, 0))
    s_open = b.sessions.opens[S] if ns else np.zeros(m, np.int64)
    s_close = b.sessions.closes[S] if ns else np.zeros(m, np.int64)
    regular = valid & (pub >= s_open)
    anchor = np.where(regular, pub, s_open)
    d = np.searchsorted(b.day_sess, S)
    has_day = valid & (d < len(b.day_sess))
    has_day[has_day] = b.day_sess[d[has_day]] == S[has_day]
    status = np.where(has_day, 0, 1).astype(np.int8)
    k_pub = np.searchsorted(b.ends, pub, side="right")
    lo = np.empty((m, nw), dtype=np.int64)
    i0 = np.empty((m, nw), dtype=np.int64)
    i1 = np.empty((m, nw), dtype=np.int64)
    for c, w in enumerate(spec.windows):  # loop per window
        a = np.where(regular, w.start, max(w.start, 0)) * _MIN
        lo[:, c] = anchor + a
        hi = anchor + w.end * _MIN
        i0[:, c] = np.searchsorted(b.ends, lo[:, c], side="right")
        i1[:, c] = np.searchsorted(b.ends, hi, side="left")
        in_data = (i1[:, c] < n) & (i0[:, c] < n)
        in_sess = in_data.copy()
        in_sess[in_data] = (b.sess[i0[in_data, c]] == S[in_data]) & (b.sess[i1[in_data, c]] == S[in_data])
        outside = (lo[:, c] < s_open) | (hi > s_close)
        code = np.select(
            [~has_day, ~regular & (w.end <= 0), outside, ~in_sess], [1, 4, 3, 2], default=0
        ).astype(np.int8)
        status = np.where(status == 0, code, status)
    return {
        "state": state.astype(np.int8),
        "anchor": anchor,
        "base_row": np.where(k_pub >= 1, k_pub - 1, -1),
        "k0": np.minimum(np.searchsorted(b.ends, anchor, side="right"), max(n - 1, 0)),
        "day": np.where(has_day, d, -1),
        "lo": lo,
        "i0": i0,
        "i1": i1,
        "status": status,
    }


def _place(panel: _Panel, symbol: np.ndarray, pub: np.ndarray, spec: StudySpec) -> _Placed:
    """:func:`_place_one` for every row, one call per instrument, in flat rows."""
    m, nw = len(pub), len(spec.windows)
    out: dict[str, np.ndarray] = {
        "inst": np.full(m, -1, dtype=np.int64),
        "state": np.full(m, -1, dtype=np.int8),
        "anchor": np.full(m, _NAT, dtype=np.int64),
        "base_row": np.full(m, -1, dtype=np.int64),
        "k0": np.zeros(m, dtype=np.int64),
        "day": np.full(m, -1, dtype=np.int64),
        "lo": np.zeros((m, nw), dtype=np.int64),
        "i0": np.zeros((m, nw), dtype=np.int64),
        "i1": np.zeros((m, nw), dtype=np.int64),
        "status": np.full(m, 1, dtype=np.int8),
    }
    for j, s in enumerate(panel.symbols):  # loop per instrument
        rows = np.flatnonzero(symbol == s)
        if not len(rows):
            continue
        got = _place_one(panel.bars[j], pub[rows], spec)
        ro, do = panel.row_off[j], panel.day_off[j]
        out["inst"][rows] = j
        out["state"][rows] = got["state"]
        out["anchor"][rows] = got["anchor"]
        out["base_row"][rows] = np.where(got["base_row"] >= 0, got["base_row"] + ro, -1)
        out["k0"][rows] = got["k0"] + ro
        out["day"][rows] = np.where(got["day"] >= 0, got["day"] + do, -1)
        out["lo"][rows] = got["lo"]
        out["i0"][rows] = got["i0"] + ro
        out["i1"][rows] = got["i1"] + ro
        out["status"][rows] = got["status"]
    return _Placed(**out)


# ---------------------------------------------------------------------------------------
# estimation


@dataclass(frozen=True)
class _Fit:
    """The normal-return model of every event (from its estimation days)."""

    L: np.ndarray  # estimation returns used
    k: np.ndarray  # parameters (slots with a mean for time_of_day)
    s: np.ndarray
    mean: np.ndarray  # mean estimation residual (raw: mean return)
    slot_mean: np.ndarray | None  # (N, n_slots) time_of_day slot means
    slot_n: np.ndarray | None  # (N, n_slots) estimation returns per slot
    overnight_mean: np.ndarray  # mean overnight move of the estimation days (time_of_day)
    est_lo: np.ndarray  # flat rows [est_lo, est_hi) of the estimation bars
    est_hi: np.ndarray
    enough_days: np.ndarray


def _residual(panel: _Panel, model: str) -> np.ndarray:
    return panel.ret - panel.mret if model == "market_adjusted" else panel.ret


def _range_sums(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum, sum of squares and count of the finite ``values[lo:hi]`` per event (cumsums)."""
    fin = np.isfinite(values)
    v = np.where(fin, values, 0.0)
    c1 = np.concatenate([[0.0], np.cumsum(v)])
    c2 = np.concatenate([[0.0], np.cumsum(v * v)])
    cn = np.concatenate([[0], np.cumsum(fin)])
    return c1[hi] - c1[lo], c2[hi] - c2[lo], (cn[hi] - cn[lo]).astype(np.int64)


def _fit(panel: _Panel, pl: _Placed, spec: StudySpec) -> _Fit:
    D = int(spec.estimation_days or 0)
    has = pl.day >= 0
    j = np.maximum(pl.inst, 0)
    d = np.maximum(pl.day, 0)
    enough = has & (d - D >= panel.day_off[j])
    d0 = np.where(enough, d - D, d)
    last_row = panel.row_off[-1]
    est_lo = np.where(has, panel.day_first[np.minimum(d0, len(panel.day_first) - 1)], 0) if len(panel.day_first) else np.zeros(len(d), np.int64)
    est_hi = np.where(has, panel.day_first[np.minimum(d, len(panel.day_first) - 1)], 0) if len(panel.day_first) else np.zeros(len(d), np.int64)
    est_lo = np.minimum(est_lo, last_row)
    est_hi = np.minimum(est_hi, last_row)
    sum1, sum2, L = _range_sums(_residual(panel, spec.model), est_lo, est_hi)
    n = len(d)
    o1, _, on = _range_sums(panel.overnight, np.where(has, d0, 0), np.where(has, d, 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        overnight_mean = np.where(on > 0, o1 / np.maximum(on, 1), np.nan)
        mean = np.where(L > 0, sum1 / np.maximum(L, 1), np.nan)
    if spec.model != "time_of_day":
        k = np.zeros(n, dtype=np.int64)
        ssr = sum2
        slot_mean = slot_n = None
    else:
        slot_mean, slot_n, ssr, k = _slot_fit(panel, np.where(has, d0, 0), np.where(has, d, 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(L - k > 0, np.sqrt(np.maximum(ssr, 0.0) / np.maximum(L - k, 1)), np.nan)
    return _Fit(L, k, s, mean, slot_mean, slot_n, overnight_mean, est_lo, est_hi, enough)


def _slot_fit(panel: _Panel, d0: np.ndarray, d1: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per event: mean and count of each clock slot's returns over its estimation days
    ``[d0, d1)`` (cumulative day x slot tables), the SSR around the slot means and the
    number of slots estimated."""
    nd, ns = len(panel.day_first), panel.n_slots
    fin = np.isfinite(panel.ret)
    t1 = np.zeros((nd + 1, ns))
    t2 = np.zeros((nd + 1, ns))
    tn = np.zeros((nd + 1, ns))
    r = panel.ret[fin]
    np.add.at(t1, (panel.day[fin] + 1, panel.slot[fin]), r)
    np.add.at(t2, (panel.day[fin] + 1, panel.slot[fin]), r * r)
    np.add.at(tn, (panel.day[fin] + 1, panel.slot[fin]), 1.0)
    np.cumsum(t1, axis=0, out=t1)
    np.cumsum(t2, axis=0, out=t2)
    np.cumsum(tn, axis=0, out=tn)
    s1, s2, sn = t1[d1] - t1[d0], t2[d1] - t2[d0], tn[d1] - tn[d0]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(sn > 0, s1 / np.maximum(sn, 1), np.nan)
        ssr = np.where(sn > 0, s2 - s1 * np.where(sn > 0, mean, 0.0), 0.0).sum(axis=1)
    return mean, sn.astype(np.int64), ssr, (sn > 0).sum(axis=1).astype(np.int64)


# ---------------------------------------------------------------------------------------
# the event span and the windows


@dataclass(frozen=True)
class _Span:
    """Every event's bars from its earliest window start to its latest window end."""

    rows: np.ndarray  # (N, W) flat rows (clipped)
    inside: np.ndarray  # (N, W) bar in the span
    ret: np.ndarray
    market: np.ndarray
    normal: np.ndarray
    ar: np.ndarray
    var: np.ndarray
    lo: np.ndarray  # (N,) first flat row of the span


def _span(panel: _Panel, pl: _Placed, fit: _Fit, spec: StudySpec, ok: np.ndarray) -> _Span:
    lo = np.where(ok, pl.i0.min(axis=1), 0)
    hi = np.where(ok, pl.i1.max(axis=1), -1)
    width = int((hi - lo + 1).max(initial=1))
    rows = lo[:, None] + np.arange(width)[None, :]
    inside = rows <= hi[:, None]
    rows = np.clip(rows, 0, max(len(panel.starts) - 1, 0))
    ret = np.where(inside, panel.ret[rows], np.nan)
    market = np.where(inside, panel.mret[rows], np.nan)
    s2 = (fit.s**2)[:, None]
    if spec.model == "raw":
        normal = np.where(inside, 0.0, np.nan)
        var = np.broadcast_to(s2, rows.shape)
    elif spec.model == "market_adjusted":
        normal = market
        var = np.broadcast_to(s2, rows.shape)
    else:
        assert fit.slot_mean is not None and fit.slot_n is not None
        slots = panel.slot[rows]
        normal = np.where(inside, np.take_along_axis(fit.slot_mean, slots, axis=1), np.nan)
        n_slot = np.take_along_axis(fit.slot_n, slots, axis=1).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            var = s2 * (1.0 + 1.0 / n_slot)
    with np.errstate(invalid="ignore"):
        ar = ret - normal
    return _Span(rows, inside, ret, market, normal, ar, np.where(inside, var, np.nan), lo)


@dataclass(frozen=True)
class _Window:
    """One window of every event: its columns of the span and what they add up to."""

    cols: np.ndarray  # (N, W) column in the span of the window's j-th bar (clipped)
    mask: np.ndarray  # (N, W)
    n_bars: np.ndarray
    car: np.ndarray
    var_car: np.ndarray
    bhar: np.ndarray
    complete: np.ndarray


def _window(sp: _Span, pl: _Placed, c: int, returns: str) -> _Window:
    first = pl.i0[:, c] - sp.lo
    # events whose windows could not be placed have no bars (their status says why)
    n_bars = np.where(pl.status == 0, np.maximum(pl.i1[:, c] - pl.i0[:, c] + 1, 0), 0)
    width = int(n_bars.max(initial=1))
    cols = first[:, None] + np.arange(width)[None, :]
    mask = np.arange(width)[None, :] < n_bars[:, None]
    cols = np.clip(cols, 0, sp.ar.shape[1] - 1)
    ar = np.take_along_axis(sp.ar, cols, axis=1)
    complete = ~(mask & ~np.isfinite(ar)).any(axis=1) & (n_bars > 0)
    with np.errstate(invalid="ignore", over="ignore"):
        car = np.where(mask, ar, 0.0).sum(axis=1)
        var_car = np.where(mask, np.take_along_axis(sp.var, cols, axis=1), 0.0).sum(axis=1)
        r = np.where(mask, np.take_along_axis(sp.ret, cols, axis=1), 0.0)
        nrm = np.where(mask, np.take_along_axis(sp.normal, cols, axis=1), 0.0)
        if returns == "simple":
            bhar = np.prod(1.0 + r, axis=1) - np.prod(1.0 + nrm, axis=1)
        else:
            bhar = np.exp(r.sum(axis=1)) - np.exp(nrm.sum(axis=1))
    nan = ~complete
    return _Window(
        cols, mask, n_bars, np.where(nan, np.nan, car), np.where(nan, np.nan, var_car),
        np.where(nan, np.nan, bhar), complete,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# prices


def _load(symbol: str, pub: np.ndarray, spec: StudySpec, source: PriceSource | None) -> pd.DataFrame:
    """Bars of ``symbol`` from ``estimation_days`` sessions (in calendar days, with a
    weekend's margin) before the earliest publication to the latest window's end after the
    latest (plus four days for news before a weekend)."""
    days = math.ceil(int(spec.estimation_days or 0) * 7 / 5) + 4
    start = pd.Timestamp(int(pub.min()), tz="UTC").normalize() - pd.Timedelta(days=days)
    end = pd.Timestamp(int(pub.max()), tz="UTC") + pd.Timedelta(minutes=max(w.end for w in spec.windows)) + pd.Timedelta(days=4)
    return load_prices(symbol, start, end, interval=spec.interval, source=source)


def _benchmarks(
    spec: StudySpec, symbols: list[str], events: pd.DataFrame, frames: dict[str, pd.DataFrame],
    source: PriceSource | None,
) -> tuple[dict[str, pd.DataFrame | pd.Series], str]:
    """Each instrument's benchmark bars over its own bars' range, and their label."""
    from mktnews.instruments import benchmark_for, resolve_symbol

    b = spec.benchmark
    if isinstance(b, (pd.Series, pd.DataFrame)):
        chosen: dict[str, Any] = dict.fromkeys(symbols, b)
    elif isinstance(b, Mapping) and not all(isinstance(v, str) for v in b.values()):
        resolved = {resolve_symbol(str(k)): v for k, v in b.items()}
        missing = [s for s in symbols if s not in resolved]
        if missing:
            raise ConfigurationError(f"benchmark mapping has no entry for {missing} (it covers {list(resolved)})")
        chosen = {s: resolved[s] for s in symbols}
    else:
        chosen = dict(benchmark_for(symbols, b, events))  # type: ignore[arg-type]
    out: dict[str, pd.DataFrame | pd.Series] = {}
    labels: list[str] = []
    for s in symbols:  # loop per instrument
        v = chosen[s]
        idx = frames[s].index
        if isinstance(v, str):
            sym = resolve_symbol(v)
            if sym == s:
                raise ConfigurationError(
                    f"the benchmark of {s!r} is {s!r} itself: a market-adjusted return of an "
                    "instrument on itself is refused; choose another benchmark"
                )
            lo, hi = idx[0], idx[-1] + pd.Timedelta(days=1)
            out[s] = load_prices(sym, lo, hi, interval=spec.interval, source=source)
            labels.append(sym)
        else:
            lab = benchmark_label(v)
            closes = v if isinstance(v, pd.Series) else v[{str(c).lower(): c for c in v.columns}["close"]]
            validate_bars(closes.astype("float64"), symbol=lab, where=f"benchmark {lab!r}")
            out[s] = v
            labels.append(lab)
    return out, ", ".join(dict.fromkeys(labels))


# ---------------------------------------------------------------------------------------
# the run


def run_clock(
    spec: StudySpec, events: pd.DataFrame, groups: pd.Series, source: PriceSource | None
) -> EventStudyResults:
    """The clock-window study of an events frame (see the module docstring).

    Parameters
    ----------
    spec : StudySpec
        A spec with clock windows (``spec.clock``).
    events : DataFrame
        The events frame (checked by the study: ``event_id, article_id, symbol, t0,
        status``), with ``published_at`` (tz-aware).
    groups : Series
        The group label of each row.
    source : PriceSource, optional

    Returns
    -------
    EventStudyResults
    """
    if "published_at" not in events.columns:
        raise InvalidOptionError(
            "corpus_or_events", "DataFrame",
            reason="clock windows are measured from the publication instant: the events frame "
            "needs a published_at column (mktnews.align_events gives it)",
        )  # fmt: skip
    pub_idx = pd.DatetimeIndex(events["published_at"])
    if pub_idx.tz is None:
        raise ConfigurationError("published_at must be tz-aware for clock windows (UTC instants)")
    pub_all = pub_idx.tz_convert("UTC").as_unit("ns").asi8.copy()
    pub_all[pub_idx.isna()] = _NAT
    status_in = events["status"].astype("str").fillna("<NA>")
    symbol_all = events["symbol"].astype("str")
    usable = (
        (status_in == "ok").to_numpy(dtype=bool)
        & symbol_all.notna().to_numpy(dtype=bool)
        & (pub_all != _NAT)
    )
    rows = np.flatnonzero(usable)
    if not len(rows):
        counts = dict(Counter(status_in.tolist()).most_common())
        raise StudyError(
            "no event can be used: no row has status 'ok' with a symbol and a publication time ("
            + ", ".join(f"{k}: {v}" for k, v in counts.items()) + ")"
        )
    sym_rows = symbol_all.to_numpy(dtype=object)[rows].astype(str)
    symbols = list(dict.fromkeys(sym_rows.tolist()))
    frames: dict[str, pd.DataFrame] = {}
    for s in symbols:  # loop per instrument
        frames[s] = _load(s, pub_all[rows][sym_rows == s], spec, source)
    bars = {s: _bars(s, frames[s], spec.interval, spec.returns) for s in symbols if len(frames[s])}
    market = None
    bench_label = None
    if spec.model == "market_adjusted":
        bench, bench_label = _benchmarks(spec, list(bars), events, frames, source)
        market = {s: _market(bars[s], bench[s], spec.returns) for s in bars}
    panel = _Panel.build(bars, market)
    placed = _place(panel, sym_rows, pub_all[rows], spec)
    return _finish(spec, events, groups, status_in, rows, placed, panel, pub_all, bench_label)


def _clusters(
    spec: StudySpec, events: pd.DataFrame, groups: pd.Series, rows: np.ndarray, placed: _Placed,
    pub: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Study events: one per (group, instrument, anchor) with ``collapse`` (articles whose
    windows are the same bars), else one per usable row. Returns the code of each usable
    row, the position (in ``rows``) of each event's first row and the article count."""
    grp = groups.astype("str").to_numpy(dtype=object)[rows]
    if spec.collapse:
        key = np.where(placed.anchor != _NAT, placed.anchor, pub)
        mi = pd.MultiIndex.from_arrays([grp, placed.inst, key])
        code = pd.factorize(mi)[0].astype(np.int64)
    else:
        code = np.arange(len(rows), dtype=np.int64)
    n_ev = int(code.max()) + 1 if len(code) else 0
    first = np.full(n_ev, len(code), dtype=np.int64)
    np.minimum.at(first, code, np.arange(len(code)))
    return code, first, np.bincount(code, minlength=n_ev).astype(np.int64)


def _article_ids(events: pd.DataFrame, rows: np.ndarray, code: np.ndarray) -> Any:
    import pyarrow as pa

    order = np.argsort(code, kind="stable")
    counts = np.bincount(code)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    art = pa.array(events["article_id"].astype("str").to_numpy(dtype=object)[rows[order]].tolist(), pa.string())
    return pd.arrays.ArrowExtensionArray(pa.ListArray.from_arrays(pa.array(offsets), art))


def _statuses(placed: _Placed, fit: _Fit, wins: list[_Window], spec: StudySpec) -> np.ndarray:
    code = placed.status.astype(np.int64).copy()
    short = ~fit.enough_days | (spec.min_estimation > fit.L)
    degenerate = ~np.isfinite(fit.s) | (fit.s <= 0)
    incomplete = np.zeros(len(code), dtype=bool)
    for w in wins:  # loop per window
        incomplete |= ~w.complete
    code = np.where(code == 0, np.select([short, degenerate, incomplete], [5, 6, 7], default=0), code)
    return np.asarray(CLOCK_STATUSES, dtype=object)[code]


def _utc(ns: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("M8[ns]")).tz_localize("UTC")


def _finish(
    spec: StudySpec, events: pd.DataFrame, groups: pd.Series, status_in: pd.Series,
    rows: np.ndarray, placed: _Placed, panel: _Panel, pub_all: np.ndarray, bench_label: str | None,
) -> EventStudyResults:
    code, first, n_articles = _clusters(spec, events, groups, rows, placed, pub_all[rows])
    ev = placed.take(first)
    erow = rows[first]  # events-frame row of each study event's first article
    fit = _fit(panel, ev, spec)
    pre_ok = ev.status == 0
    sp = _span(panel, ev, fit, spec, pre_ok)
    wins = [_window(sp, ev, c, spec.returns) for c in range(len(spec.windows))]
    status = _statuses(ev, fit, wins, spec)
    ok = status == "ok"
    eid_src = events["event_id"].astype("str").to_numpy(dtype=object)
    sym = events["symbol"].astype("str").to_numpy(dtype=object)[erow]
    if spec.collapse:
        stamp = np.datetime_as_string(np.where(ev.anchor != _NAT, ev.anchor, pub_all[erow]).view("M8[ns]"), unit="s")
        eid = np.char.add(np.char.add(sym.astype(str), "@"), np.char.add(stamp, "+00:00")).astype(object)
        if spec.group_by is not None:
            eid = np.char.add(np.char.add(eid.astype(str), "|"), groups.astype("str").to_numpy(dtype=object)[erow].astype(str)).astype(object)
    else:
        eid = eid_src[erow]
    table = {
        "event_id": pd.array(eid, dtype="str"),
        "group": pd.array(groups.astype("str").to_numpy(dtype=object)[erow], dtype="str"),
        "symbol": pd.array(sym, dtype="str"),
        "t0": pd.DatetimeIndex(events["t0"]).take(erow),
        "n_articles": n_articles,
        "article_ids": _article_ids(events, rows, code),
        "published_at": _utc(pub_all[erow]),
        "market_state": pd.array(
            np.where(ev.state >= 0, np.asarray(MARKET_STATES, dtype=object)[np.maximum(ev.state, 0)], None),  # type: ignore[call-overload]
            dtype="str",
        ),
        "anchor": _utc(ev.anchor),
    }
    ev_out = events.copy(deep=False)
    gcol = "group" if "group" not in ev_out.columns or spec.group_by == ("group",) else "study_group"
    ev_out[gcol] = groups.astype("str").array
    row_event = np.full(len(events), -1, dtype=np.int64)
    row_event[rows] = code
    ev_out["study_event_id"] = table["event_id"].take(row_event, allow_fill=True)
    st = np.where(row_event >= 0, status[np.maximum(row_event, 0)], status_in.to_numpy(dtype=object))
    ev_out["stat_status"] = pd.array(st, dtype="str")
    event_status = Counter(status.tolist()).most_common()
    if not ok.any():
        raise StudyError(
            f"none of the {len(status)} events can be used: "
            + ", ".join(f"{k}: {v}" for k, v in event_status)
            + f" (clock windows {[str(w) for w in spec.windows]}, estimation_days="
            f"{spec.estimation_days}, min_estimation={spec.min_estimation})"
        )
    car = _car_frame(table, panel, ev, fit, wins, spec, ok)
    abnormal = _abnormal_frame(table, panel, ev, fit, sp, ok)
    caar, tests = _aggregate(table, panel, ev, fit, sp, wins, spec, ok)
    params = _params_frame(table, ev, fit, status, spec, wins)
    opts = spec_options(spec)
    opts["benchmark"] = bench_label
    info = {
        "n_rows": len(events),
        "n_articles": len(pd.unique(events["article_id"].astype("str").dropna())),
        "n_usable_rows": len(rows),
        "n_events": len(status),
        "n_events_ok": int(ok.sum()),
        "row_status": MappingProxyType({str(k): int(v) for k, v in Counter(status_in.tolist()).most_common()}),
        "event_status": MappingProxyType({str(k): int(v) for k, v in event_status}),
        "groups": tuple(sorted(set(np.asarray(table["group"], dtype=object)[ok].tolist()))),
        "n_benchmark_closed_days": 0,
        "notes": (),
    }
    placebo = pd.DataFrame(
        {"group": pd.array([], dtype="str"), "window": np.empty(0, dtype=object),
         "draw": np.empty(0, dtype=np.int64), "caar": np.empty(0)}
    )  # fmt: skip
    return EventStudyResults(
        _events=ev_out, _abnormal=abnormal, _car=car, _caar=caar, _tests=tests, _params=params,
        _placebo=placebo, options=MappingProxyType(opts), info=MappingProxyType(info), spec=spec,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# frames


def _labels(spec: StudySpec) -> list[ClockWindowLabel]:
    return [ClockWindowLabel(w.as_tuple()) for w in spec.windows]


def _object_array(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _car_frame(
    table: Mapping[str, Any], panel: _Panel, ev: _Placed, fit: _Fit, wins: list[_Window],
    spec: StudySpec, ok: np.ndarray,
) -> pd.DataFrame:
    from scipy import special

    r = np.flatnonzero(ok)
    nw = len(wins)
    n_rows = max(len(panel.starts) - 1, 0)

    def stack(f: Any) -> np.ndarray:
        return np.column_stack([f(c, w) for c, w in enumerate(wins)]).ravel()

    def i0(c: int) -> np.ndarray:
        return np.clip(ev.i0[r, c], 0, n_rows)

    def i1(c: int) -> np.ndarray:
        return np.clip(ev.i1[r, c], 0, n_rows)

    day = ev.day[r]
    ovn = panel.overnight[day]
    normal_ovn = {"raw": 0.0, "market_adjusted": panel.movernight[day], "time_of_day": fit.overnight_mean[r]}[spec.model]
    car = stack(lambda c, w: w.car[r])
    sd = np.sqrt(stack(lambda c, w: w.var_car[r]))
    dof = np.repeat((fit.L[r] - fit.k[r]).astype(np.float64), nw)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = car / sd
        p = 2.0 * special.stdtr(dof, -np.abs(t))
    starts_first = stack(lambda c, w: panel.first[i0(c)])
    base_row = ev.base_row[r]
    take = np.repeat(r, nw)

    def pick(name: str) -> Any:
        return table[name].take(take) if hasattr(table[name], "take") else np.asarray(table[name])[take]

    return pd.DataFrame(
        {
            "event_id": pick("event_id"),
            "group": pick("group"),
            "symbol": pick("symbol"),
            "t0": pick("t0"),
            "n_articles": pick("n_articles"),
            "window": np.tile(_object_array(_labels(spec)), len(r)),
            "car": car,
            "bhar": stack(lambda c, w: w.bhar[r]),
            "sd_car": sd,
            "scar": t,
            "t": t,
            "p": p,
            "n_days": stack(lambda c, w: w.n_bars[r]).astype(np.int64),
            "published_at": pick("published_at"),
            "market_state": pick("market_state"),
            "anchor": pick("anchor"),
            "start": _utc(stack(lambda c, w: panel.starts[i0(c)])),
            "end": _utc(stack(lambda c, w: panel.ends[i1(c)])),
            "base_price": np.repeat(np.where(base_row >= 0, panel.close[np.maximum(base_row, 0)], np.nan), nw),
            "window_base": stack(
                lambda c, w: np.where(panel.first[i0(c)], panel.open[i0(c)], panel.close[np.maximum(i0(c) - 1, 0)])
            ),
            "overnight": np.where(starts_first, np.repeat(ovn, nw), np.nan),
            "overnight_ar": np.where(starts_first, np.repeat(ovn - normal_ovn, nw), np.nan),
        },
        copy=False,
    )


def _abnormal_frame(
    table: Mapping[str, Any], panel: _Panel, ev: _Placed, fit: _Fit, sp: _Span, ok: np.ndarray
) -> pd.DataFrame:
    """Long frame of the span bars of every used event, indexed by (event_id, rel); ``rel``
    counts bars from the one containing the anchor (0)."""
    r = np.flatnonzero(ok)
    inside = sp.inside[r]
    n_per = inside.sum(axis=1)
    ev_code = np.repeat(np.arange(len(r)), n_per)
    rows = sp.rows[r][inside]
    rel = rows - np.repeat(ev.k0[r], n_per)
    ar = sp.ar[r][inside]
    fin = np.isfinite(ar)
    cum = np.cumsum(np.where(sp.inside[r] & np.isfinite(sp.ar[r]), sp.ar[r], 0.0), axis=1)[inside]
    cum[~fin] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        sar = ar / np.sqrt(sp.var[r][inside])
    index = pd.MultiIndex.from_arrays(
        [pd.array(np.asarray(table["event_id"], dtype=object)[r][ev_code], dtype="str"), rel],
        names=["event_id", "rel"],
    )
    minutes = (panel.ends[rows] - np.repeat(ev.anchor[r], n_per)) / _MIN
    return pd.DataFrame(
        {
            "datetime": _utc(panel.starts[rows]),
            "minutes": minutes,
            "close": panel.close[rows],
            "ret": sp.ret[r][inside],
            "market": sp.market[r][inside],
            "normal": sp.normal[r][inside],
            "ar": ar,
            "sar": sar,
            "car": cum,
        },
        index=index,
        copy=False,
    )


def _params_frame(
    table: Mapping[str, Any], ev: _Placed, fit: _Fit, status: np.ndarray, spec: StudySpec,
    wins: list[_Window],
) -> pd.DataFrame:
    n = len(status)
    beta = {"raw": 0.0, "market_adjusted": 1.0, "time_of_day": np.nan}[spec.model]
    n_bars = np.zeros(n, dtype=np.int64)
    for w in wins:  # loop per window
        n_bars = np.maximum(n_bars, w.n_bars)
    return pd.DataFrame(
        {
            **params_key_columns(table),
            "status": pd.array(status, dtype="str"),
            "alpha": np.full(n, np.nan),
            "beta": np.full(n, beta),
            "mean": fit.mean,
            "L": fit.L.astype(np.int64),
            "s": fit.s,
            "k": fit.k.astype(np.int64),
            "n_window_days": n_bars,
            "n_benchmark_closed": np.zeros(n, dtype=np.int64),
            "published_at": table["published_at"],
            "market_state": table["market_state"],
            "anchor": table["anchor"],
            "estimation_days": np.where(fit.enough_days, int(spec.estimation_days or 0), 0).astype(np.int64),
        },
        copy=False,
    )


# ---------------------------------------------------------------------------------------
# CAAR in minutes and the tests


_CONVENTION = (
    "; clock window: column j is the j-th bar of each event's window (NaN-padded where an "
    "event's window has fewer bars), calendar keys are bar starts, estimation residuals are "
    "the in-session bars of the estimation days"
)


def _grid_counts(panel: _Panel, ev: _Placed, r: np.ndarray, c: int, grid: np.ndarray, n_bars: np.ndarray) -> np.ndarray:
    """(n, G): bars of window ``c`` from its start to the bar containing anchor + m."""
    t = ev.anchor[r][:, None] + grid[None, :] * _MIN
    idx = np.zeros(t.shape, dtype=np.int64)
    inst = ev.inst[r]
    for j in np.unique(inst).tolist():  # loop per instrument
        sel = inst == j
        a, b = panel.row_off[j], panel.row_off[j + 1]
        idx[sel] = np.searchsorted(panel.ends[a:b], t[sel], side="left") + a
    cnt = np.clip(idx - ev.i0[r, c][:, None] + 1, 0, n_bars[:, None])
    return np.where(t <= ev.lo[r, c][:, None], 0, cnt)


def _estimation_matrix(panel: _Panel, fit: _Fit, r: np.ndarray, spec: StudySpec) -> tuple[np.ndarray, np.ndarray]:
    """Estimation residuals and their keys (bar starts, -1 where none) of events ``r``."""
    lo, hi = fit.est_lo[r], fit.est_hi[r]
    width = int((hi - lo).max(initial=0))
    rows = lo[:, None] + np.arange(width)[None, :]
    inside = rows < hi[:, None]
    rows = np.clip(rows, 0, max(len(panel.starts) - 1, 0))
    resid = _residual(panel, spec.model)[rows] if len(panel.starts) else np.zeros(rows.shape)
    if spec.model == "time_of_day":
        assert fit.slot_mean is not None
        resid = resid - np.take_along_axis(fit.slot_mean[r], panel.slot[rows], axis=1)
    ok = inside & np.isfinite(resid)
    return np.where(ok, resid, np.nan), np.where(ok, panel.starts[rows], -1)


def _aggregate(
    table: Mapping[str, Any], panel: _Panel, ev: _Placed, fit: _Fit, sp: _Span,
    wins: list[_Window], spec: StudySpec, ok: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    from mktnews.inference import TestInput

    r_all = np.flatnonzero(ok)
    group = np.asarray(table["group"], dtype=object)[r_all]
    step = max(BAR_NS[spec.interval] // _MIN, 1)
    names = [t for t in spec.tests if t != "placebo"]
    est_ar, est_keys = (
        _estimation_matrix(panel, fit, r_all, spec) if needs_estimation(spec.tests)
        else (np.empty((len(r_all), 0)), np.empty((len(r_all), 0), dtype=np.int64))
    )  # fmt: skip
    caar_parts: list[pd.DataFrame] = []
    tests: dict[str, list[Any]] = {k: [] for k in ("group", "window", "test", "statistic", "p_value", "n", "convention")}
    labels = _labels(spec)
    for c, w in enumerate(spec.windows):  # loop per window
        win = wins[c]
        grid = np.unique(np.concatenate([np.arange(w.start, w.end, step), [w.end]])).astype(np.int64)
        n_bars = win.n_bars[r_all]
        cnt = _grid_counts(panel, ev, r_all, c, grid, n_bars)
        ar_w = np.where(win.mask[r_all], np.take_along_axis(sp.ar[r_all], win.cols[r_all], axis=1), np.nan)
        var_w = np.where(win.mask[r_all], np.take_along_axis(sp.var[r_all], win.cols[r_all], axis=1), np.nan)
        cum = np.cumsum(np.where(np.isfinite(ar_w), ar_w, 0.0), axis=1)
        car_m = np.where(cnt > 0, np.take_along_axis(cum, np.maximum(cnt - 1, 0), axis=1), 0.0)
        keys = np.where(win.mask[r_all], panel.starts[sp.rows[r_all][np.arange(len(r_all))[:, None], win.cols[r_all]]], -1)
        for g in sorted(set(group.tolist())):  # loop per group
            sel = np.flatnonzero(group == g)
            n = len(sel)
            x = car_m[sel]
            mean = x.mean(axis=0)
            if n > 1:
                from scipy import special

                half = float(special.stdtrit(n - 1, 0.5 + CI_LEVEL / 2)) * x.std(axis=0, ddof=1) / math.sqrt(n)
            else:
                half = np.full(len(grid), np.nan)
            caar_parts.append(pd.DataFrame({
                "group": pd.array([g] * len(grid), dtype="str"),
                "window": _object_array([labels[c]] * len(grid)),
                "minutes": grid, "caar": mean, "ci_low": mean - half, "ci_high": mean + half,
                "n": np.full(len(grid), n, dtype=np.int64),
            }))  # fmt: skip
            if not names:
                continue
            width = int(n_bars[sel].max())
            rr = r_all[sel]
            inp = TestInput(
                window=(0, width - 1), ar=ar_w[sel, :width], sd_ar=np.sqrt(var_w[sel, :width]),
                car=win.car[rr], sd_car=np.sqrt(win.var_car[rr]), est_ar=est_ar[sel],
                est_keys=est_keys[sel], evt_keys=keys[sel, :width], s=fit.s[rr],
                L=fit.L[rr].astype(np.float64), k=int(fit.k[rr].max()),
            )  # fmt: skip
            for res in run_tests(inp, names):
                for key, val in (("group", g), ("window", labels[c]), ("test", res.test),
                                 ("statistic", float(res.statistic)), ("p_value", float(res.p_value)),
                                 ("n", int(res.n)), ("convention", res.convention + _CONVENTION)):
                    tests[key].append(val)
    caar = pd.concat(caar_parts, ignore_index=True)
    tests_df = pd.DataFrame({
        "group": pd.array(tests["group"], dtype="str"), "window": _object_array(tests["window"]),
        "test": pd.array(tests["test"], dtype="str"),
        "statistic": np.array(tests["statistic"], dtype=np.float64),
        "p_value": np.array(tests["p_value"], dtype=np.float64),
        "n": np.array(tests["n"], dtype=np.int64), "convention": pd.array(tests["convention"], dtype="str"),
    })  # fmt: skip
    return caar, tests_df
