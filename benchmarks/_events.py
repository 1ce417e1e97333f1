"""A reproducible set of market-model events on real daily index data, for the benchmarks.

Every benchmark that compares mktnews with its peers (or with a hand-written loop) builds
its inputs here, so that all of them see exactly the same returns, the same day 0 and the
same estimation and event windows.

The design
----------
- Ten real indices from ``../shared/data/prices/daily`` in two groups, each with its own
  market benchmark: seven European indices against the STOXX Europe 600 (``^STOXX``) and
  three U.S. indices against the S&P 500 (``^GSPC``). See :data:`GROUPS`.
- A *group calendar* per benchmark: the benchmark's dates, minus every date that a group
  member lacks while that member has data (between its first and last row). Every series
  of the group is restricted to that calendar, so an instrument and its benchmark have
  exactly the same dates over the instrument's span. This removes any question of how
  returns are paired across exchange holidays (every tool pairs them the same way) and
  makes relative day ``d`` the same row for every tool. It drops about 2% of European
  dates (U.K., Swiss and Spanish holidays, and days Yahoo lacks for ``^STOXX``); the
  U.S. calendars coincide.
- Simple close-to-close returns computed on the restricted closes.
- Events: ``n_events`` distinct (instrument, date) pairs, the instrument drawn uniformly
  from the ten and the date uniformly from that instrument's calendar dates in
  ``2012-01-01..2024-12-31`` that leave room for the estimation window (-260, -11) and
  the event window (-5, 5) inside its returns. Seeded (``numpy.random.default_rng``).
- Each event also carries a ``published_at`` instant (12:00 exchange-local time on the
  event date, in UTC) so that mktnews' alignment step maps it to the same day 0.

Use :func:`build_events` for the :class:`EventSet` and :func:`gather` for the
(N x T) arrays the numpy floor works on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "ESTIMATION",
    "GROUPS",
    "WINDOW",
    "EventSet",
    "Gathered",
    "build_events",
    "daily_dir",
    "gather",
]

#: Benchmark symbol -> the indices measured against it.
GROUPS: dict[str, tuple[str, ...]] = {
    "^STOXX": ("^STOXX50E", "^GDAXI", "^FCHI", "^FTSE", "^IBEX", "^SSMI", "^MDAXI"),
    "^GSPC": ("^DJI", "^NDX", "^IXIC"),
}
#: Estimation window, relative trading days (inclusive).
ESTIMATION: tuple[int, int] = (-260, -11)
#: Event window, relative trading days (inclusive).
WINDOW: tuple[int, int] = (-5, 5)
#: Range from which event dates are drawn (inclusive).
DATE_RANGE: tuple[str, str] = ("2012-01-01", "2024-12-31")
DEFAULT_SEED = 7

_REPO = Path(__file__).resolve().parents[1]


def daily_dir() -> Path:
    """The folder of real daily bars (``$MKTNEWS_SHARED/data/prices/daily``).

    ``MKTNEWS_SHARED`` defaults to ``../shared`` beside the checkout, as in the tests.
    """
    shared = Path(os.environ.get("MKTNEWS_SHARED", _REPO.parent / "shared"))
    path = shared / "data" / "prices" / "daily"
    if not path.is_dir():
        raise FileNotFoundError(
            f"real daily data not found at {path}; set MKTNEWS_SHARED to the folder that "
            "holds data/prices/daily"
        )
    return path


@dataclass(frozen=True)
class EventSet:
    """Events plus the data every tool is given.

    Attributes
    ----------
    events : DataFrame
        One row per event, in draw order, default RangeIndex: ``event_id`` (str, "E0000"..),
        ``symbol`` (the index), ``benchmark`` (its market index), ``event_date``
        (tz-naive ``datetime64[ns]`` session date = day 0), ``published_at``
        (``datetime64[ns, UTC]``, 12:00 local on the event date), ``instrument`` (same as
        ``symbol``: symbols resolve in mktnews' registry), ``pos`` (row of day 0 in the
        symbol's return series, ``returns[symbol].dropna()``).
    prices : dict of str to DataFrame
        Prices frames (mktnews contract: ``date`` index, ``open, high, low, close,
        volume`` float64, ``attrs``) restricted to the group calendar, for the ten
        instruments and both benchmarks.
    closes : DataFrame
        Wide closes (one column per symbol) on the union of the group calendars; NaN
        where a symbol has no row.
    returns : DataFrame
        Wide simple returns, computed per symbol on its own restricted closes and then
        placed on the same union index (NaN where the symbol has no return).
    groups : dict of str to tuple of str
        Benchmark -> member indices (:data:`GROUPS`).
    estimation, window : tuple of int
        The windows, relative trading days, inclusive.
    seed : int
    """

    events: pd.DataFrame
    prices: dict[str, pd.DataFrame]
    closes: pd.DataFrame
    returns: pd.DataFrame
    groups: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(GROUPS))
    estimation: tuple[int, int] = ESTIMATION
    window: tuple[int, int] = WINDOW
    seed: int = DEFAULT_SEED

    def pair(self, symbol: str) -> pd.DataFrame:
        """Columns ``ret`` and ``mkt`` on the rows of ``symbol``'s return series."""
        r = self.returns[symbol].dropna()
        m = self.returns.loc[r.index, self.benchmark_of(symbol)]
        return pd.DataFrame({"ret": r, "mkt": m})

    def benchmark_of(self, symbol: str) -> str:
        """The benchmark of a member index."""
        for bench, members in self.groups.items():
            if symbol in members:
                return bench
        raise KeyError(f"{symbol} is in no group")


def _read_daily(folder: Path, symbol: str) -> pd.DataFrame:
    path = folder / f"{symbol}.csv"
    df = pd.read_csv(path)
    if "Date" not in df.columns or "Close" not in df.columns:
        raise ValueError(f"{path}: expected columns Date,Open,High,Low,Close,Volume")
    idx = pd.DatetimeIndex(pd.to_datetime(df.pop("Date"), format="%Y-%m-%d")).as_unit("ns")
    df.index = idx.rename("date")
    df.columns = [c.lower() for c in df.columns]
    df = df.astype("float64")
    if not df.index.is_monotonic_increasing or not df.index.is_unique:
        raise ValueError(f"{path}: dates are not strictly increasing")
    if df["close"].isna().any():
        bad = df.index[df["close"].isna()][0]
        raise ValueError(f"{path}: no close on {bad.date()}")
    return df


def _group_calendar(bench: pd.DataFrame, members: dict[str, pd.DataFrame]) -> pd.DatetimeIndex:
    """Benchmark dates minus those a member lacks inside its own span."""
    dates = bench.index
    keep = np.ones(len(dates), dtype=bool)
    for df in members.values():
        span = (dates >= df.index[0]) & (dates <= df.index[-1])
        keep &= ~span | dates.isin(df.index)
    return pd.DatetimeIndex(dates[keep])


def build_events(
    n_events: int = 1000,
    *,
    seed: int = DEFAULT_SEED,
    folder: Path | None = None,
    groups: dict[str, tuple[str, ...]] | None = None,
    estimation: tuple[int, int] = ESTIMATION,
    window: tuple[int, int] = WINDOW,
    date_range: tuple[str, str] = DATE_RANGE,
) -> EventSet:
    """Draw ``n_events`` distinct (instrument, date) events on real data.

    Parameters
    ----------
    n_events : int
        Number of events.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same events.
    folder : Path, optional
        Folder of daily CSVs (default: :func:`daily_dir`).
    groups : dict, optional
        Benchmark -> members (default :data:`GROUPS`).
    estimation, window : tuple of int
        Relative-day windows (inclusive); every event has all of them inside its data.
    date_range : tuple of str
        Inclusive range of event dates.

    Returns
    -------
    EventSet
    """
    folder = daily_dir() if folder is None else folder
    groups = dict(GROUPS if groups is None else groups)
    prices: dict[str, pd.DataFrame] = {}
    returns: dict[str, pd.Series] = {}
    for bench_sym, member_syms in groups.items():
        bench = _read_daily(folder, bench_sym)
        members = {s: _read_daily(folder, s) for s in member_syms}
        cal = _group_calendar(bench, members)
        for sym, df in [(bench_sym, bench), *members.items()]:
            restricted = df.loc[df.index.intersection(cal)].copy()
            restricted.attrs = {"symbol": sym, "interval": "1d", "source": "shared/data (group calendar)"}
            prices[sym] = restricted
            close = restricted["close"]
            returns[sym] = (close / close.shift(1) - 1.0).iloc[1:].rename(sym)

    closes = pd.DataFrame({s: p["close"] for s, p in prices.items()})
    rets = pd.DataFrame(returns)

    rng = np.random.default_rng(seed)
    lo, hi = pd.Timestamp(date_range[0]), pd.Timestamp(date_range[1])
    first_needed = -min(estimation[0], window[0])  # rows needed before day 0
    last_needed = max(window[1], estimation[1])  # rows needed after day 0
    members_all = [s for ms in groups.values() for s in ms]
    eligible: dict[str, np.ndarray] = {}
    for sym in members_all:
        idx = returns[sym].index
        pos = np.arange(len(idx))
        ok = (pos >= first_needed) & (pos < len(idx) - last_needed) & (idx >= lo) & (idx <= hi)
        eligible[sym] = pos[ok]
        if not ok.any():
            raise ValueError(f"{sym}: no eligible event date in {date_range}")
    capacity = sum(len(v) for v in eligible.values())
    if n_events > capacity:
        raise ValueError(f"{n_events} events requested; only {capacity} distinct ones exist")

    chosen: set[tuple[int, int]] = set()
    inst_idx = np.empty(n_events, dtype=np.int64)
    pos_out = np.empty(n_events, dtype=np.int64)
    k = 0
    while k < n_events:
        i = int(rng.integers(len(members_all)))
        cand = eligible[members_all[i]]
        p = int(cand[rng.integers(len(cand))])
        if (i, p) in chosen:
            continue
        chosen.add((i, p))
        inst_idx[k], pos_out[k] = i, p
        k += 1

    syms = [members_all[i] for i in inst_idx]
    dates = pd.DatetimeIndex(
        [returns[s].index[int(p)] for s, p in zip(syms, pos_out, strict=True)]
    ).as_unit("ns")
    bench_of = {m: b for b, ms in groups.items() for m in ms}
    published = _noon_utc(syms, dates)
    events = pd.DataFrame(
        {
            "event_id": pd.array([f"E{k:04d}" for k in range(n_events)], dtype="str"),
            "symbol": pd.array(syms, dtype="str"),
            "benchmark": pd.array([bench_of[s] for s in syms], dtype="str"),
            "event_date": dates,
            "published_at": published,
            "instrument": pd.array(syms, dtype="str"),
            "pos": pos_out,
        }
    )
    return EventSet(
        events=events,
        prices=prices,
        closes=closes,
        returns=rets,
        groups=groups,
        estimation=estimation,
        window=window,
        seed=seed,
    )


def _noon_utc(symbols: list[str], dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """12:00 exchange-local on each date, as UTC (tz from mktnews' instrument registry)."""
    from mktnews.instruments import resolve_instrument

    out = np.empty(len(dates), dtype="datetime64[ns]")
    sym_arr = np.asarray(symbols)
    for sym in np.unique(sym_arr):
        mask = sym_arr == sym
        tz = resolve_instrument(str(sym)).tz
        local = (dates[mask] + pd.Timedelta(hours=12)).tz_localize(tz)
        out[mask] = local.tz_convert("UTC").tz_localize(None).as_unit("ns").to_numpy()
    return pd.DatetimeIndex(out).tz_localize("UTC")


@dataclass(frozen=True)
class Gathered:
    """Pre-gathered (N x T) arrays, columns = relative days ``est[0] .. window[1]``.

    ``ret`` and ``mkt`` are the instrument's and the benchmark's returns; ``keys`` the
    dates as int64 days since 1970-01-01; ``codes`` the dates as positions in the union
    of all symbols' dates (``EventSet.returns.index``), so that events of different
    calendars can be matched by date; ``rel`` the relative day of each column.
    """

    ret: np.ndarray
    mkt: np.ndarray
    keys: np.ndarray
    codes: np.ndarray
    rel: np.ndarray
    est_cols: slice
    win_cols: slice


def gather(es: EventSet) -> Gathered:
    """Gather every event's returns from ``estimation[0]`` to ``window[1]`` into arrays.

    One vectorised take per instrument (no loop per event).
    """
    a = min(es.estimation[0], es.window[0])
    b = max(es.estimation[1], es.window[1])
    rel = np.arange(a, b + 1)
    n = len(es.events)
    ret = np.empty((n, len(rel)))
    mkt = np.empty((n, len(rel)))
    keys = np.empty((n, len(rel)), dtype=np.int64)
    codes = np.empty((n, len(rel)), dtype=np.int64)
    union = pd.DatetimeIndex(es.returns.index)
    sym = es.events["symbol"].to_numpy()
    pos = es.events["pos"].to_numpy()
    for s in np.unique(sym):
        rows = np.flatnonzero(sym == s)
        pair = es.pair(str(s))
        take = pos[rows, None] + rel[None, :]
        ret[rows] = pair["ret"].to_numpy()[take]
        mkt[rows] = pair["mkt"].to_numpy()[take]
        days = pd.DatetimeIndex(pair.index).as_unit("ns").asi8 // 86_400_000_000_000
        keys[rows] = days[take]
        codes[rows] = union.get_indexer(pair.index)[take]
    est_cols = slice(es.estimation[0] - a, es.estimation[1] - a + 1)
    win_cols = slice(es.window[0] - a, es.window[1] - a + 1)
    return Gathered(ret=ret, mkt=mkt, keys=keys, codes=codes, rel=rel, est_cols=est_cols, win_cols=win_cols)
