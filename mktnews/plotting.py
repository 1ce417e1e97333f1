"""Plots of articles, prices and event-study results (matplotlib).

Every function takes ``ax=`` (a matplotlib ``Axes`` to draw into; a new figure when
omitted) and returns the ``Axes`` it drew on. matplotlib is imported inside the functions
only, so ``import mktnews`` never pulls it in.

The artists that carry data get a ``gid`` (``artist.get_gid()``) so that scripts and tests
can find them: ``"price"``, ``"publication"``, ``"day0"``, ``"snapshot_level"`` in
:func:`plot_article`; ``"close"`` and the axes ``"articles"`` in :func:`plot_timeline`;
``"caar:<group>"`` and ``"band:<group>"`` in :func:`plot_caar`; ``"ar"`` and ``"car"`` in
:func:`plot_ar`; ``"placebo"`` and ``"observed"`` in :func:`plot_placebo`.

Time axes of daily prices
-------------------------
:func:`plot_article` places each daily close at the moment it was struck, the session's
close time in the instrument's time zone, not at midnight of the session date. Day 0's
shaded span then runs from the previous session's close to day 0's close: exactly the
interval over which the day-0 return accrues, and the publication time always falls inside
it (day 0 is the first session whose close comes after publication).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mktnews.articles import Corpus
from mktnews.clockplots import plot_clock_article, plot_clock_caar
from mktnews.errors import (
    ConfigurationError,
    InvalidOptionError,
    PriceDataError,
    UnknownInstrumentError,
)
from mktnews.measures import measure_labels
from mktnews.prices.base import BAR_LENGTH, FrameSource
from mktnews.vocab import Interval, check_option

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from mktnews.prices.base import PriceSource

__all__ = [
    "plot_ar",
    "plot_article",
    "plot_caar",
    "plot_clock_article",
    "plot_clock_caar",
    "plot_placebo",
    "plot_timeline",
]



# --------------------------------------------------------------------------- helpers


def _new_axes(ax: Axes | None, figsize: tuple[float, float] = (9.0, 4.8)) -> Axes:
    """``ax`` itself, or the axes of a new pyplot figure."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _fig, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def _local_naive(values: Any, tz: str) -> pd.DatetimeIndex:
    """UTC instants as naive wall-clock times in ``tz`` (what the axis shows)."""
    idx = pd.DatetimeIndex(values)
    if idx.tz is None:
        idx = idx.tz_localize("UTC")
    return idx.tz_convert(tz).tz_localize(None).as_unit("ns")


def _num(ts: pd.Timestamp) -> float:
    """A naive timestamp as a matplotlib date number."""
    import matplotlib.dates as mdates

    return float(mdates.date2num(pd.Timestamp(ts).to_pydatetime()))


def _instrument(symbol: str) -> Any:
    from mktnews.instruments import resolve_instrument

    return resolve_instrument(symbol, allow_unregistered_symbol=True)


def _text_title(articles_row: pd.Series | None, article_id: str) -> str:
    """The article's title, else the start of its body, else its id."""
    if articles_row is not None:
        for col in ("title", "body"):
            val = articles_row.get(col)
            if isinstance(val, str) and val.strip():
                return textwrap.shorten(" ".join(val.split()), width=90, placeholder=" …")
    return f"article {article_id}"


def _sub_corpus(corpus: Corpus, article_id: str) -> Corpus:
    arts = corpus.articles
    mask = (arts["article_id"] == article_id).to_numpy(dtype=bool)
    if not mask.any():
        ids = arts["article_id"].astype("str").head(5).tolist()
        raise InvalidOptionError(
            "article_id",
            article_id,
            reason=f"not in the corpus ({len(arts)} articles; first ids: {', '.join(ids)})",
        )
    snaps = corpus.snapshots
    smask = (snaps["article_id"] == article_id).to_numpy(dtype=bool)
    return Corpus(
        articles=arts.loc[mask].reset_index(drop=True),
        snapshots=snaps.loc[smask].reset_index(drop=True),
        rejected=corpus.rejected.iloc[:0],
        n_inputs=int(mask.sum()),
    )


def _capture_session_from_corpus(
    corpus: Corpus, symbol: str, source: PriceSource
) -> pd.Timestamp | None:
    """The unique capture session of the article's box for ``symbol`` (None if not unique)."""
    from mktnews.events import capture_sessions
    from mktnews.instruments import resolve_symbol

    cap = capture_sessions(corpus, source=source)
    if cap.empty:
        return None
    syms = cap["symbol"] if "symbol" in cap else cap["instrument"].astype("str").map(resolve_symbol)
    mask = (syms == symbol).fillna(False).to_numpy(dtype=bool)
    rows = cap.loc[mask & (cap["status"] == "unique").fillna(False).to_numpy(dtype=bool)]
    if rows.empty:
        return None
    val = rows["capture_session"].iloc[0]
    return None if pd.isna(val) else pd.Timestamp(val)


def _pick_event(events: pd.DataFrame, article_id: str, instrument: str | None) -> pd.Series:
    rows = events.loc[(events["article_id"] == article_id).to_numpy(dtype=bool)]
    if rows.empty:
        ids = events["article_id"].astype("str").drop_duplicates().head(5).tolist()
        raise InvalidOptionError(
            "article_id",
            article_id,
            reason=f"not in the events ({len(events)} rows; first ids: {', '.join(ids)})",
        )
    if instrument is not None:
        from mktnews.instruments import resolve_symbol

        sym = resolve_symbol(instrument)
        hit = rows.loc[
            ((rows["symbol"] == sym).fillna(False) | (rows["instrument"] == instrument).fillna(False))
            .to_numpy(dtype=bool)
        ]
        if hit.empty:
            have = ", ".join(rows["instrument"].astype("str").tolist())
            raise InvalidOptionError(
                "instrument", instrument, reason=f"article {article_id} has events for: {have}"
            )
        return hit.iloc[0]
    known = rows.loc[rows["symbol"].notna().to_numpy(dtype=bool)]
    if known.empty:
        raise UnknownInstrumentError(str(rows["instrument"].iloc[0]))
    return known.iloc[0]


def _nan_to_none(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(f) else f


def _implied_level(prev_close: float, row: pd.Series) -> float | None:
    """The level the ticker box implies: printed level, else previous close + change,
    else previous close * (1 + percent / 100)."""
    level = _nan_to_none(row.get("snapshot_level"))
    if level is not None:
        return level
    change = _nan_to_none(row.get("snapshot_change"))
    if change is not None:
        return prev_close + change
    pct = _nan_to_none(row.get("snapshot_pct"))
    if pct is not None:
        return prev_close * (1.0 + pct / 100.0)
    return None


def _box_label(row: pd.Series, level: float) -> str:
    change = _nan_to_none(row.get("snapshot_change"))
    pct = _nan_to_none(row.get("snapshot_pct"))
    if change is not None:
        shown = f"{change:+.2f}"
    elif pct is not None:
        shown = f"{pct:+.2f}%"
    else:
        shown = "level"
    return f"ticker box {shown} → {level:,.2f}"


def _daily_close_times(inst: Any, dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Close instant (UTC) of each daily session date: from the instrument's calendar, or
    the end of the calendar day in its time zone for dates the calendar lacks."""
    from mktnews.calendars import data_sessions, sessions

    fallback = data_sessions(dates, inst.tz)["close"]
    if inst.calendar is None or len(dates) == 0:
        return pd.DatetimeIndex(fallback.reindex(dates))
    cal = sessions(inst, dates[0], dates[-1])["close"]
    closes = cal.reindex(dates)
    closes = closes.where(closes.notna(), fallback.reindex(dates))
    return pd.DatetimeIndex(closes)


# --------------------------------------------------------------------------- plot_article


def plot_article(
    corpus_or_events: Corpus | pd.DataFrame,
    article_id: str,
    *,
    prices: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
    source: PriceSource | None = None,
    daily_prices: pd.DataFrame | None = None,
    days: int = 10,
    interval: Interval = "1d",
    instrument: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """The instrument's price path around one article's publication.

    Draws the closes ``days`` sessions either side of day 0 (daily bars, or the intraday
    bars of those sessions), a vertical line at the publication time, day 0 shaded, and the
    level the ticker box implies (previous close + printed change, or the printed level) as
    a horizontal segment over the session the box was captured in.

    The chart draws the prices it is given (``prices=``); it loads them only when the
    caller gives a ``source=``.

    Parameters
    ----------
    corpus_or_events : Corpus or DataFrame
        A :class:`~mktnews.Corpus` (the article is aligned here with
        :func:`mktnews.align_events`, which needs ``source=`` or ``prices=`` as a mapping)
        or an events frame from ``align_events`` / ``EventStudyResults.events``.
    article_id : str
        The article to draw.
    prices : DataFrame or mapping of str to DataFrame, optional
        The bars to draw (``interval`` bars in the prices contract, at least ``close``):
        the frame of the article's instrument, or ``{symbol: frame}``.
    source : PriceSource, optional
        Where to load the prices from when ``prices`` is not given.
    daily_prices : DataFrame, optional
        Intraday charts only: daily bars of the instrument, for the official previous
        close under the box's implied level (default: loaded from ``source``; without
        either, the last bar of the previous session).
    days : int, default 10
        Sessions shown before and after day 0.
    interval : {"1d", "1m", "2m", "5m", "15m", "30m", "60m", "90m", "1h"}, default "1d"
        Bar size. An events frame must have been aligned with the same interval.
    instrument : str, optional
        Which of the article's instruments to draw (default: the first known one).
    title : str, optional
        First line of the chart's title (default: the article's title, else the start of
        its text when a corpus is given, else its id).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        Daily closes are drawn at their session's close time (local time of the
        instrument), intraday closes at their bar's end; see the module docstring.

    Raises
    ------
    ConfigurationError
        When neither ``prices`` nor ``source`` is given.
    InvalidOptionError
        Unknown ``article_id``/``instrument``, or an events frame aligned with another interval.
    UnknownInstrumentError
        When none of the article's instruments is known.
    PriceDataError
        When the prices have no bars around the article, or the article has neither a
        publication time nor a ticker box that dates it.
    """
    check_option("interval", interval, Interval)
    if not isinstance(days, (int, np.integer)) or isinstance(days, bool) or days < 1:
        raise InvalidOptionError("days", days, reason="a positive number of sessions")
    if prices is None and source is None:
        raise ConfigurationError(
            "plot_article draws the prices it is given: pass prices= (the bars to draw, or "
            "{symbol: bars}) or source= (a PriceSource to load them from)"
        )
    if prices is not None and isinstance(prices, Mapping):
        source = FrameSource(prices, interval=interval)
    events, sub = _article_events(corpus_or_events, article_id, interval, source)
    row = _pick_event(events, article_id, instrument)
    symbol = str(row["symbol"])
    inst = _instrument(symbol)
    source, daily = _sources(symbol, prices, source, daily_prices, interval)
    capture_ts = _capture_of(row, sub, symbol, interval, source)
    t0_ts, pub_ts = _day0_and_publication(row, capture_ts, article_id)
    heading = title if title is not None else _text_title(
        sub.articles.iloc[0] if sub is not None else row, article_id
    )
    axes = _new_axes(ax)
    if interval == "1d":
        _draw_daily(axes, row, inst, t0_ts, pub_ts, capture_ts, days, source)
    else:
        _draw_intraday(axes, row, inst, t0_ts, pub_ts, capture_ts, days, interval, source, daily)
    _article_labels(axes, row, inst, symbol, heading, t0_ts, interval)
    return axes


def _day0_and_publication(
    row: pd.Series, capture_ts: pd.Timestamp | None, article_id: str
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """Day 0 and the publication time of the event row (a chart needs day 0 or a capture)."""
    t0 = row.get("t0")
    t0_ts = None if t0 is None or pd.isna(t0) else pd.Timestamp(t0)
    published = row.get("published_at")
    pub_ts = None if published is None or pd.isna(published) else pd.Timestamp(published)
    if t0_ts is None and capture_ts is None:
        raise PriceDataError(
            f"article {article_id}: no day 0 (status {row.get('status')!s}) and no capture session "
            "of its ticker box to centre the chart on; give it a publication time"
        )
    return t0_ts, pub_ts


def _sources(
    symbol: str, prices: object, source: PriceSource | None, daily_prices: pd.DataFrame | None,
    interval: str,
) -> tuple[PriceSource, PriceSource | None]:
    """Where the chart's bars and (intraday) the previous daily close come from: the
    frames given, in memory, else the caller's source."""
    if prices is not None and not isinstance(prices, Mapping):
        source = FrameSource({symbol: prices}, interval=interval)  # type: ignore[dict-item,arg-type]
    assert source is not None
    daily: PriceSource | None = FrameSource({symbol: daily_prices}) if daily_prices is not None else None
    if daily is None and prices is None:
        daily = source
    return source, daily


def _article_events(
    corpus_or_events: Corpus | pd.DataFrame, article_id: str, interval: str, source: PriceSource | None
) -> tuple[pd.DataFrame, Corpus | None]:
    """The events frame to draw from (a corpus is cut to the article and aligned) and
    the cut corpus (None for an events frame)."""
    if isinstance(corpus_or_events, Corpus):
        from mktnews.events import align_events

        if source is None:
            raise ConfigurationError(
                "plot_article(corpus, ...) aligns the article, which loads prices: pass "
                "source= or prices={symbol: bars}, or pass the events frame of align_events"
            )
        sub = _sub_corpus(corpus_or_events, article_id)
        return align_events(sub, source=source, interval=interval), sub  # type: ignore[arg-type]
    if isinstance(corpus_or_events, pd.DataFrame):
        events = corpus_or_events
        have = events.attrs.get("interval")
        if have is not None and have != interval:
            raise InvalidOptionError(
                "interval",
                interval,
                reason=f"these events were aligned with {have!r} bars; pass interval={have!r} "
                "or the corpus (it is then aligned with the interval asked for)",
            )
        return events, None
    raise InvalidOptionError(
        "corpus_or_events", type(corpus_or_events).__name__, reason="a Corpus or an events DataFrame"
    )


def _capture_of(
    row: pd.Series, sub: Corpus | None, symbol: str, interval: str, source: PriceSource
) -> pd.Timestamp | None:
    """The session the article's ticker box was captured in (None when not known)."""
    capture = row.get("snapshot_session")
    capture_ts: pd.Timestamp | None = None if capture is None or pd.isna(capture) else pd.Timestamp(capture)
    if capture_ts is None and str(row.get("snapshot_status")) == "matches_t0":
        capture_ts = pd.Timestamp(row["t0"]).tz_localize(None).normalize() if interval == "1d" else None
    if capture_ts is None and sub is not None and len(sub.snapshots):
        capture_ts = _capture_session_from_corpus(sub, symbol, source)
    return capture_ts


def _article_labels(
    axes: Axes, row: pd.Series, inst: Any, symbol: str, heading: str,
    t0_ts: pd.Timestamp | None, interval: str,
) -> None:
    """Title (article, instrument, day 0 and market state), y label, legend and grid."""
    state = row.get("market_state")
    where = f"day 0 {t0_ts:%Y-%m-%d}" if t0_ts is not None and interval == "1d" else ""
    if t0_ts is not None and interval != "1d":
        where = f"day 0 bar {_local_naive([t0_ts], inst.tz)[0]:%Y-%m-%d %H:%M}"
    if t0_ts is None:
        where = f"no publication time ({row.get('status')!s}); centred on the capture session"
    elif isinstance(state, str):
        where += f" ({state})"
    axes.set_title(f"{heading}\n{inst.name} ({symbol}) · {where}", fontsize=10, loc="left")
    axes.set_ylabel(f"{inst.name} ({inst.currency or 'level'})")
    axes.legend(loc="best", fontsize=8)
    axes.grid(True, alpha=0.3)


def _format_time_axis(ax: Axes, tz: str, intraday: bool) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    what = "bar end" if intraday else "session close"
    ax.set_xlabel(f"{what} ({tz})")


def _draw_daily(
    ax: Axes,
    row: pd.Series,
    inst: Any,
    t0: pd.Timestamp | None,
    published: pd.Timestamp | None,
    capture: pd.Timestamp | None,
    days: int,
    source: PriceSource,
) -> None:
    from mktnews.prices.base import load_prices

    centre = (t0 if t0 is not None else capture)
    assert centre is not None
    centre = pd.Timestamp(centre).tz_localize(None) if pd.Timestamp(centre).tzinfo else pd.Timestamp(centre)
    anchors = [centre] + ([capture] if capture is not None else [])
    span = pd.Timedelta(days=2 * days + 10)
    lo = min(anchors) - span
    hi = max(anchors) + span
    prices = load_prices(inst.symbol, lo, hi, interval="1d", source=source)
    if prices.empty:
        raise PriceDataError(f"{inst.symbol}: no daily prices between {lo:%Y-%m-%d} and {hi:%Y-%m-%d}")
    idx = pd.DatetimeIndex(prices.index).as_unit("ns")
    pos = int(idx.searchsorted(centre.as_unit("ns")))
    first = max(pos - days, 0)
    last = min(pos + days, len(idx) - 1)
    view = prices.iloc[first : last + 1]
    close_utc = _daily_close_times(inst, idx)
    x_all = _local_naive(close_utc, inst.tz)
    x = x_all[first : last + 1]
    ax.plot(x, view["close"].to_numpy(), marker="o", ms=3, lw=1.4, color="C0", gid="price",
            label=f"{inst.name} close")

    if t0 is not None:
        t0d = pd.Timestamp(t0).normalize()
        right_utc = _daily_close_times(inst, pd.DatetimeIndex([t0d]))[0]
        k = int(idx.searchsorted(t0d.as_unit("ns")))  # position of t0 (or of the gap)
        if k > 0:
            left = x_all[k - 1]
        else:
            from mktnews.calendars import data_sessions

            left = _local_naive(data_sessions(pd.DatetimeIndex([t0d]), inst.tz)["open"], inst.tz)[0]
        right = _local_naive([right_utc], inst.tz)[0]
        ax.axvspan(_num(left), _num(right), color="C1", alpha=0.15, gid="day0", label=f"day 0 ({t0d:%Y-%m-%d})")

    if published is not None:
        px = _local_naive([published], inst.tz)[0]
        ax.axvline(_num(px), color="C3", ls="--", lw=1.2, gid="publication",
                   label=f"published {px:%Y-%m-%d %H:%M}")

    if capture is not None:
        cap = pd.Timestamp(capture).normalize()
        k = int(idx.searchsorted(cap.as_unit("ns")))
        if k < len(idx) and idx[k] == cap and k > 0:
            prev_close = float(prices["close"].iloc[k - 1])
            level = _implied_level(prev_close, row)
            if level is not None:
                ax.hlines(level, _num(x_all[k - 1]), _num(x_all[k]), colors="C2", lw=2.2, gid="snapshot_level",
                          label=_box_label(row, level) + f" (captured {cap:%Y-%m-%d})")
    _format_time_axis(ax, inst.tz, intraday=False)


def _draw_intraday(
    ax: Axes,
    row: pd.Series,
    inst: Any,
    t0: pd.Timestamp | None,
    published: pd.Timestamp | None,
    capture: pd.Timestamp | None,
    days: int,
    interval: str,
    source: PriceSource,
    daily: PriceSource | None,
) -> None:
    from mktnews.prices.base import load_prices

    bar = BAR_LENGTH[interval]
    if t0 is not None:
        centre_utc = pd.Timestamp(t0)
        centre_utc = centre_utc.tz_localize("UTC") if centre_utc.tzinfo is None else centre_utc
        centre_day = _local_naive([centre_utc], inst.tz)[0].normalize()
    else:
        assert capture is not None
        centre_day = pd.Timestamp(capture).normalize()
    span = pd.Timedelta(days=2 * days + 7)
    lo = (centre_day - span).tz_localize(inst.tz).tz_convert("UTC")
    hi = (centre_day + span).tz_localize(inst.tz).tz_convert("UTC")
    bars = load_prices(inst.symbol, lo, hi, interval=interval, source=source)  # type: ignore[arg-type]
    if bars.empty:
        raise PriceDataError(f"{inst.symbol}: no {interval} bars between {lo} and {hi}")
    start_local = _local_naive(bars.index, inst.tz)
    local_day = start_local.normalize()
    day_list = pd.DatetimeIndex(pd.unique(local_day))
    p = int(day_list.searchsorted(centre_day))
    keep_days = day_list[max(p - days, 0) : p + days + 1]
    mask = np.asarray(local_day.isin(keep_days))
    view = bars.loc[mask]
    ends_utc = _bar_ends(inst, pd.DatetimeIndex(view.index), local_day[mask], bar)
    x = _local_naive(ends_utc, inst.tz)
    ax.plot(x, view["close"].to_numpy(), lw=1.2, color="C0", gid="price",
            label=f"{inst.name} close ({interval} bars)")
    if t0 is not None:
        left = _local_naive([centre_utc], inst.tz)[0]
        right_utc = _bar_ends(inst, pd.DatetimeIndex([centre_utc]), pd.DatetimeIndex([centre_day]), bar)
        right = _local_naive(right_utc, inst.tz)[0]
        ax.axvspan(_num(left), _num(right), color="C1", alpha=0.25, gid="day0", label="day-0 bar")
    if published is not None:
        px = _local_naive([published], inst.tz)[0]
        ax.axvline(_num(px), color="C3", ls="--", lw=1.2, gid="publication",
                   label=f"published {px:%Y-%m-%d %H:%M}")
    if capture is not None:
        cap = pd.Timestamp(capture).normalize()
        prev_close = None if daily is None else _previous_daily_close(inst.symbol, cap, daily)
        if prev_close is None:  # fall back to the last bar of the previous session
            before = view.loc[np.asarray(local_day[mask] < cap)]
            prev_close = float(before["close"].iloc[-1]) if len(before) else None
        on_cap = np.asarray(local_day[mask] == cap)
        if prev_close is not None and on_cap.any():
            level = _implied_level(prev_close, row)
            if level is not None:
                xs = x[on_cap]
                ax.hlines(level, _num(xs[0] - bar), _num(xs[-1]), colors="C2", lw=2.2, gid="snapshot_level",
                          label=_box_label(row, level) + f" (captured {cap:%Y-%m-%d})")
    _format_time_axis(ax, inst.tz, intraday=True)


def _bar_ends(
    inst: Any, starts: pd.DatetimeIndex, local_days: pd.DatetimeIndex, bar: pd.Timedelta
) -> pd.DatetimeIndex:
    """End instant (UTC) of each bar: start + bar size, but never after its session's close
    (the last bar of a session is often shorter, e.g. 16:00-16:30 UTC for a 17:30 CET close)."""
    ends = (pd.DatetimeIndex(starts) + bar).as_unit("ns")
    if inst.calendar is None or len(starts) == 0:
        return ends
    from mktnews.calendars import sessions

    cal = sessions(inst, local_days.min(), local_days.max())["close"]
    close = pd.DatetimeIndex(cal.reindex(pd.DatetimeIndex(local_days)))
    has = np.asarray(close.notna())
    ends_ns = ends.asi8.copy()
    ends_ns[has] = np.minimum(ends_ns[has], close.as_unit("ns").asi8[has])
    return pd.DatetimeIndex(ends_ns, tz="UTC").as_unit("ns")


def _previous_daily_close(symbol: str, session: pd.Timestamp, source: PriceSource) -> float | None:
    """Official close of the session before ``session`` from daily bars, if the source has them."""
    from mktnews.prices.base import load_prices

    try:
        daily = load_prices(symbol, session - pd.Timedelta(days=15), session, interval="1d", source=source)
    except PriceDataError:
        return None
    before = daily.loc[pd.DatetimeIndex(daily.index) < session]
    return float(before["close"].iloc[-1]) if len(before) else None


# --------------------------------------------------------------------------- plot_timeline


def plot_timeline(
    corpus: Corpus,
    *,
    prices: pd.DataFrame | None = None,
    source: PriceSource | None = None,
    instrument: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Articles per day over the instrument's daily closes.

    Parameters
    ----------
    corpus : Corpus
        Articles with publication times (undated articles are not counted; the legend
        says how many there are).
    prices : DataFrame, optional
        Daily bars of ``instrument`` to draw (the prices contract, at least ``close``).
    source : PriceSource, optional
        Where to load them from when ``prices`` is not given (one of the two is needed).
    instrument : str, optional
        Instrument whose closes form the backdrop (default: the one the corpus's ticker
        boxes name most often).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        The axes with the closes (line ``gid="close"``, by session date); the daily article
        counts are bars on a twin axes with ``gid="articles"`` (in ``ax.figure.axes``),
        counted by calendar day in the instrument's time zone.

    Raises
    ------
    ConfigurationError
        When neither ``prices`` nor ``source`` is given.
    PriceDataError
        When no article has a publication time, or there are no prices.
    """
    from mktnews.instruments import resolve_instrument, resolve_symbol
    from mktnews.prices.base import load_prices

    if prices is None and source is None:
        raise ConfigurationError(
            "plot_timeline draws the prices it is given: pass prices= (daily bars of the "
            "instrument) or source= (a PriceSource to load them from)"
        )
    arts = corpus.articles
    pub = pd.DatetimeIndex(arts["published_at"]) if len(arts) else pd.DatetimeIndex([], tz="UTC")
    dated = pub[pub.notna()] if len(pub) else pub
    if len(dated) == 0:
        raise PriceDataError(
            "plot_timeline: no article has a publication time (read them with published_at= or "
            "time_col=, or date them with mktnews.date_articles)"
        )
    if instrument is None:
        names = arts["instrument"].dropna().astype("str")
        if names.empty:
            raise InvalidOptionError("instrument", None, reason="the corpus names no instrument; pass one")
        symbols = names.map(resolve_symbol)
        instrument = str(symbols.value_counts().index[0])
    inst = resolve_instrument(instrument, allow_unregistered_symbol=True)
    days_local = _local_naive(dated, inst.tz).normalize()
    counts = pd.Series(1, index=days_local).groupby(level=0).sum().sort_index()
    lo = counts.index[0] - pd.Timedelta(days=7)
    hi = counts.index[-1] + pd.Timedelta(days=7)
    if prices is not None:
        source = FrameSource({inst.symbol: prices})
    prices = load_prices(inst.symbol, lo, hi, interval="1d", source=source)
    if prices.empty:
        raise PriceDataError(f"{inst.symbol}: no daily prices between {lo:%Y-%m-%d} and {hi:%Y-%m-%d}")

    axes = _new_axes(ax)
    axes.plot(pd.DatetimeIndex(prices.index), prices["close"].to_numpy(), color="C0", lw=1.3,
              gid="close", label=f"{inst.name} close")
    axes.set_ylabel(f"{inst.name} close")
    twin = axes.twinx()
    twin.set_gid("articles")
    undated = len(pub) - len(dated)
    label = f"articles per day ({len(dated)} dated" + (f", {undated} undated not shown)" if undated else ")")
    twin.bar(counts.index, counts.to_numpy(), width=0.8, color="C1", alpha=0.45, label=label)
    twin.set_ylabel("articles per day")
    twin.set_ylim(0, max(1.0, float(counts.max())) * 1.25)
    axes.set_zorder(twin.get_zorder() + 1)
    axes.patch.set_visible(False)
    lines, labels = axes.get_legend_handles_labels()
    tl, tlab = twin.get_legend_handles_labels()
    axes.legend(lines + tl, labels + tlab, loc="upper left", fontsize=8)
    axes.set_title(f"{len(dated)} articles over {inst.name} ({inst.symbol})", fontsize=10, loc="left")
    _format_time_axis(axes, inst.tz, intraday=False)
    axes.set_xlabel(f"date ({inst.tz})")
    axes.grid(True, alpha=0.3)
    return axes




# --------------------------------------------------------------------------- results plots


def _window_key(value: Any) -> tuple[int, int]:
    pair = tuple(value)
    if len(pair) != 2:
        raise ValueError(f"not a window: {value!r}")
    return int(pair[0]), int(pair[1])


def _pick_window(results: Any, window: object, *, frame: pd.DataFrame | None = None) -> tuple[int, int]:
    """``window`` checked against the study's windows; default: the widest one."""
    windows = [tuple(w) for w in results.windows]
    if frame is not None and len(frame):
        present = {_window_key(w) for w in frame["window"]}
        windows = [w for w in windows if w in present]
    if not windows:
        raise InvalidOptionError("window", window, reason="the results hold no window with data")
    if window is None:
        return _window_key(max(windows, key=lambda w: (w[1] - w[0], -w[0])))
    try:
        key = _window_key(window)
    except (TypeError, ValueError) as exc:
        raise InvalidOptionError("window", window, windows) from exc
    if key not in windows:
        raise InvalidOptionError("window", window, windows)
    return key


def _pick_groups(results: Any, groups: object) -> list[str]:
    have = list(results.groups)
    if groups is None:
        return have
    wanted = [groups] if isinstance(groups, str) else list(groups)  # type: ignore[call-overload]
    bad = [g for g in wanted if g not in have]
    if bad:
        raise InvalidOptionError("groups", bad[0] if len(bad) == 1 else bad, have)
    return [str(g) for g in wanted]


def _percent_axis(ax: Axes) -> None:
    from matplotlib.ticker import PercentFormatter

    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))


def _integer_x(ax: Axes) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _rel_label(results: Any) -> str:
    interval = str(results.options.get("interval", "1d"))
    return "relative day (sessions in the data)" if interval == "1d" else f"relative bar ({interval})"


def _select_window(frame: pd.DataFrame, window: tuple[int, int]) -> pd.DataFrame:
    keys = frame["window"].map(_window_key)
    return frame.loc[(keys == window).to_numpy(dtype=bool)]


def plot_caar(
    results: Any,
    *,
    window: tuple[int, int] | None = None,
    groups: str | list[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """CAAR over the relative days of one event window, with its 95% band, one line per group.

    Parameters
    ----------
    results : EventStudyResults
    window : (int, int), optional
        One of the study's windows (default: the widest).
    groups : str or list of str, optional
        Groups to draw (default: all).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        Line ``gid="caar:<group>"`` (x: relative day, y: CAAR as a fraction, cumulated from
        the window's first day) and band ``gid="band:<group>"`` (``ci_low``..``ci_high`` of
        ``results.caar``; absent where the band is undefined, e.g. a single event).
    """
    caar = results.caar
    if "minutes" in caar.columns:  # a clock study (mktnews.clock): the CAAR in minutes
        return plot_clock_caar(results, window=window, groups=groups, ax=ax)
    win = _pick_window(results, window, frame=caar)
    sel = _select_window(caar, win)
    names = _pick_groups(results, groups)
    axes = _new_axes(ax, figsize=(8.0, 4.8))
    for i, g in enumerate(names):
        rows = sel.loc[(sel["group"] == g).to_numpy(dtype=bool)].sort_values("rel")
        if rows.empty:
            continue
        rel = rows["rel"].to_numpy(dtype=np.int64)
        val = rows["caar"].to_numpy(dtype=np.float64)
        lo = rows["ci_low"].to_numpy(dtype=np.float64)
        hi = rows["ci_high"].to_numpy(dtype=np.float64)
        n = int(rows["n"].to_numpy(dtype=np.int64).max())
        color = f"C{i % 10}"
        axes.plot(rel, val, marker="o", ms=4, lw=1.6, color=color, gid=f"caar:{g}",
                  label=f"{g} (N = {n})" if len(names) > 1 or g != "all" else f"CAAR (N = {n})")
        ok = np.isfinite(lo) & np.isfinite(hi)
        if ok.any():
            axes.fill_between(rel, lo, hi, where=ok, color=color, alpha=0.18, lw=0, gid=f"band:{g}",
                              label="95% band" if len(names) == 1 else None)
    axes.axhline(0.0, color="0.4", lw=0.8)
    axes.axvline(0.0, color="0.4", lw=0.8, ls=":")
    axes.set_xlabel(_rel_label(results))
    _integer_x(axes)
    model = results.options.get("model")
    lab = measure_labels(results.options.get("measure"))
    if lab.percent:  # returns: as before
        axes.set_ylabel("CAAR")
        _percent_axis(axes)
        axes.set_title(f"Cumulative average abnormal return, window ({win[0]}, {win[1]}), {model}",
                       fontsize=10, loc="left")
    else:  # another measure (mktnews.measures): its own names
        axes.set_ylabel(f"{lab.average} ({lab.label})")
        axes.set_title(f"{lab.average}: cumulative average {lab.label}, window ({win[0]}, {win[1]}), "
                       f"{model}", fontsize=10, loc="left")
    axes.legend(loc="best", fontsize=8)
    axes.grid(True, alpha=0.3)
    return axes


def plot_ar(results: Any, event_id: str, ax: Axes | None = None) -> Axes:
    """Abnormal returns (bars) and their running sum (line) of one event.

    Parameters
    ----------
    results : EventStudyResults
    event_id : str
        A study event id (``results.car["event_id"]``, e.g. ``"^STOXX50E@2024-11-27"``) or
        an event row's id (``"<article_id>|<symbol>"``), or an article id.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        Bars ``gid="ar"`` (x: relative day, height: AR) and line ``gid="car"`` (the
        running sum of the ARs over the windows' span, ``results.abnormal["car"]``).
    """
    abn = results.abnormal
    ids = abn.index.get_level_values("event_id")
    key = str(event_id)
    if key not in set(ids):
        ev = results.events
        hit = ev.loc[((ev["event_id"] == key) | (ev["article_id"] == key)).fillna(False).to_numpy(dtype=bool)]
        used = hit["study_event_id"].dropna() if "study_event_id" in hit else pd.Series(dtype="str")
        if hit.empty:
            shown = ", ".join(pd.unique(ids)[:5].tolist())
            raise InvalidOptionError("event_id", event_id, reason=f"not in the results (e.g. {shown})")
        if used.empty:
            why = hit["stat_status"].iloc[0] if "stat_status" in hit else hit["status"].iloc[0]
            raise InvalidOptionError("event_id", event_id, reason=f"this event was not used ({why})")
        key = str(used.iloc[0])
    rows = abn.xs(key, level="event_id").sort_index()
    rel = rows.index.to_numpy(dtype=np.int64)
    axes = _new_axes(ax, figsize=(8.0, 4.4))
    ar = rows["ar"].to_numpy(dtype=np.float64)
    colors = np.where(ar >= 0, "C2", "C3")
    bars = axes.bar(rel, np.nan_to_num(ar), width=0.7, color=list(colors), alpha=0.75, label="AR")
    for patch in bars.patches:
        patch.set_gid("ar")
    axes.plot(rel, rows["car"].to_numpy(dtype=np.float64), color="C0", marker="o", ms=4, lw=1.6,
              gid="car", label="CAR (running sum)")
    axes.axhline(0.0, color="0.4", lw=0.8)
    axes.axvspan(-0.5, 0.5, color="C1", alpha=0.12, label="day 0")
    axes.set_xlabel(_rel_label(results))
    _integer_x(axes)
    lab = measure_labels(results.options.get("measure"))
    axes.set_ylabel(lab.label)
    if lab.percent:
        _percent_axis(axes)
    info = results.car
    meta = info.loc[(info["event_id"] == key).to_numpy(dtype=bool)]
    extra = ""
    if len(meta):
        m = meta.iloc[0]
        extra = f" · {int(m['n_articles'])} article(s)"
    what = "Abnormal returns" if lab.percent else f"{lab.label[0].upper()}{lab.label[1:]} ({lab.cumulative})"
    axes.set_title(f"{what} of {key}{extra}", fontsize=10, loc="left")
    axes.legend(loc="best", fontsize=8)
    axes.grid(True, alpha=0.3)
    return axes


def plot_placebo(
    results: Any,
    *,
    window: tuple[int, int] | None = None,
    groups: str | list[str] | None = None,
    bins: int = 30,
    ax: Axes | None = None,
) -> Axes:
    """The placebo distribution of CAARs with the observed CAAR marked.

    Parameters
    ----------
    results : EventStudyResults
        From a study run with ``placebo=N``.
    window : (int, int), optional
        One of the study's windows (default: the widest).
    groups : str or list of str, optional
        Groups to draw (default: all), each its own histogram.
    bins : int, default 30
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        Histogram patches ``gid="placebo:<group>"`` of the draws' CAARs
        (``results.placebo``) and a vertical line ``gid="observed:<group>"`` at the observed
        CAAR over the whole window; the legend gives the placebo percentile and p-value.

    Raises
    ------
    ConfigurationError
        When the study ran without placebo draws.
    """
    from mktnews.errors import ConfigurationError

    draws = results.placebo
    if draws.empty:
        raise ConfigurationError("the study ran without placebo draws: pass placebo=N to event_study")
    win = _pick_window(results, window, frame=draws)
    sel = _select_window(draws, win)
    names = [g for g in _pick_groups(results, groups) if (sel["group"] == g).any()]
    caar = _select_window(results.caar, win)
    tests = results.tests
    tests = _select_window(tests, win) if len(tests) else tests
    axes = _new_axes(ax, figsize=(8.0, 4.4))
    for i, g in enumerate(names):
        color = f"C{i % 10}"
        values = sel.loc[(sel["group"] == g).to_numpy(dtype=bool), "caar"].to_numpy(dtype=np.float64)
        values = values[np.isfinite(values)]
        _n, _edges, patches = axes.hist(values, bins=bins, color=color, alpha=0.45,
                                        label=f"placebo CAARs, {g} ({len(values)} draws)")
        for patch in list(patches):  # type: ignore[arg-type]
            patch.set_gid(f"placebo:{g}")
        crow = caar.loc[(caar["group"] == g).to_numpy(dtype=bool)].sort_values("rel")
        if crow.empty:
            continue
        observed = float(crow["caar"].iloc[-1])
        label = f"observed CAAR {observed:+.2%}"
        if len(tests):
            t = tests.loc[((tests["group"] == g) & (tests["test"] == "placebo")).to_numpy(dtype=bool)]
            if len(t):
                label += f" (percentile {float(t['statistic'].iloc[0]):.1f}, p = {float(t['p_value'].iloc[0]):.3f})"
        axes.axvline(observed, color=color, lw=2.0, gid=f"observed:{g}", label=label)
    axes.set_xlabel(f"CAAR over ({win[0]}, {win[1]})")
    axes.set_ylabel("draws")
    from matplotlib.ticker import PercentFormatter

    axes.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
    axes.set_title("Placebo: the same instruments on random sessions without articles", fontsize=10,
                   loc="left")
    axes.legend(loc="best", fontsize=8)
    axes.grid(True, alpha=0.3)
    return axes
