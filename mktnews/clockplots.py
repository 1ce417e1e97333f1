"""Plots of clock-window studies (:mod:`mktnews.clock`): one article's minutes, a CAAR in minutes.

Both functions draw the frames they are given (an :class:`~mktnews.EventStudyResults` or
its frames); :func:`plot_clock_article` reads prices only when ``source=`` is passed.
matplotlib is imported inside the functions. Artists carrying data have a ``gid``:
``"price"``, ``"publication"``, ``"anchor"``, ``"base"``, ``"window"`` in
:func:`plot_clock_article`; ``"caar:<group>"`` and ``"band:<group>"`` in
:func:`plot_clock_caar`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mktnews.calendar_codes import calendar_sessions
from mktnews.errors import InvalidOptionError
from mktnews.events import bar_ends
from mktnews.figparts import draw_caar_lines, new_axes, percent_axis
from mktnews.instruments import resolve_instrument
from mktnews.prices.base import load_prices

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from mktnews.prices.base import PriceSource

__all__ = ["plot_clock_article", "plot_clock_caar"]


def _frame(obj: Any, name: str) -> pd.DataFrame:
    if isinstance(obj, pd.DataFrame):
        return obj
    frame = getattr(obj, name, None)
    if not isinstance(frame, pd.DataFrame):
        raise InvalidOptionError(
            "results", type(obj).__name__, reason=f"expected EventStudyResults or its {name} frame"
        )
    return frame


def _pick_label(values: pd.Series, window: object, what: str) -> object:
    """The window label in ``values`` equal to ``window`` (default: the widest)."""
    labels = list(dict.fromkeys(values.tolist()))
    if not labels:
        raise InvalidOptionError("results", what, reason="no clock window to draw")
    if window is None:
        return max(labels, key=lambda w: (w[1] - w[0], -w[0]))
    for w in labels:
        if w == window:
            return w
    raise InvalidOptionError("window", window, [str(w) for w in labels])


def plot_clock_caar(
    results: Any,
    *,
    window: object = None,
    groups: str | list[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """CAAR of a clock window against the minutes from the anchor, with its 95% band.

    Parameters
    ----------
    results : EventStudyResults or DataFrame
        A clock study's results, or its ``caar`` frame (``group, window, minutes, caar,
        ci_low, ci_high, n``).
    window : pair or str, optional
        One of the windows, as ``(-30, 60)`` minutes or ``"(-30min, +60min)"`` (default:
        the widest).
    groups : str or list of str, optional
        Groups to draw (default: all).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        Line ``gid="caar:<group>"`` (x: minutes, y: CAAR) and band ``gid="band:<group>"``.
    """
    caar = _frame(results, "caar")
    if "minutes" not in caar.columns:
        raise InvalidOptionError(
            "results", "caar", reason="not a clock study's CAAR (no minutes column): use plot_caar"
        )
    win = _pick_label(caar["window"], window, "caar")
    sel = caar[(caar["window"] == win).to_numpy(dtype=bool)]
    names = sorted(set(sel["group"].tolist())) if groups is None else ([groups] if isinstance(groups, str) else list(groups))
    have = set(sel["group"].tolist())
    for g in names:
        if g not in have:
            raise InvalidOptionError("groups", g, sorted(have))
    axes = new_axes(ax, (8.0, 4.8), constrained=False)
    draw_caar_lines(axes, sel, names, "minutes", x_dtype=np.float64, ms=3)
    axes.set_xlabel("minutes from publication (news outside trading hours: from the next open)")
    axes.set_ylabel("CAAR")
    percent_axis(axes, decimals=2)
    axes.set_title(f"Cumulative average abnormal return, window {win}", fontsize=10, loc="left")
    axes.legend(loc="best", fontsize=8)
    axes.grid(True, alpha=0.3)
    return axes


def _event_rows(car: pd.DataFrame, event_id: str | None) -> pd.DataFrame:
    if event_id is None:
        first = car["event_id"].iloc[0] if len(car) else None
        return car[car["event_id"] == first]
    rows = car[car["event_id"] == event_id]
    if rows.empty and "article_ids" in car.columns:
        rows = car[car["article_ids"].map(lambda ids: event_id in list(ids))]
    if rows.empty:
        raise InvalidOptionError("event_id", event_id, sorted(set(car["event_id"].tolist()))[:10])
    return rows


def _ends(symbol: str, starts: pd.DatetimeIndex, interval: str) -> np.ndarray:
    """Bar ends (UTC ns): next start, start + interval or the calendar's session close."""
    inst = resolve_instrument(symbol, allow_unregistered_symbol=True)
    closes = None
    if inst.calendar is not None:
        closes = pd.DatetimeIndex(calendar_sessions(inst.calendar)["close"]).as_unit("ns").asi8
    return bar_ends(starts.tz_convert("UTC").as_unit("ns").asi8, interval, closes)


def plot_clock_article(
    results: Any,
    event_id: str | None = None,
    *,
    window: object = None,
    bars: pd.DataFrame | None = None,
    source: PriceSource | None = None,
    hours: float = 3.0,
    ax: Axes | None = None,
) -> Axes:
    """One event's intraday path: closes, publication instant, base price and window.

    Parameters
    ----------
    results : EventStudyResults
        A clock study's results.
    event_id : str, optional
        A study event id (``results.car["event_id"]``; default: the first).
    window : pair or str, optional
        The window to shade (default: the widest).
    bars : DataFrame, optional
        The instrument's bars (a prices frame indexed by UTC bar starts) to draw; default:
        the bars of the event's span in ``results.abnormal`` (their ``close``).
    source : PriceSource, optional
        Load the bars from ``hours`` before to ``hours`` after the anchor from it instead
        (the only case in which this function reads data).
    hours : float, default 3
        Context drawn around the anchor with ``bars`` or ``source``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        ``gid``: ``"price"`` (closes at their bar ends, local time of the instrument),
        ``"publication"``, ``"anchor"`` (when the news came outside trading hours),
        ``"base"`` (the last close at or before publication), ``"window"`` (the bars the
        window covers, from the first one's start to the last one's end).
    """
    car = _frame(results, "car")
    rows = _event_rows(car, event_id)
    win = _pick_label(rows["window"], window, "car")
    row = rows[(rows["window"] == win).to_numpy(dtype=bool)].iloc[0]
    eid = str(row["event_id"])
    symbol = str(row["symbol"])
    tz = resolve_instrument(symbol, allow_unregistered_symbol=True).tz
    anchor, pub = pd.Timestamp(row["anchor"]), pd.Timestamp(row["published_at"])
    interval = str(getattr(results, "options", {}).get("interval", ""))
    span = pd.Timedelta(hours=hours)
    if source is not None:
        bars = load_prices(symbol, anchor - span - pd.Timedelta(days=3), anchor + span, interval=interval, source=source)  # type: ignore[arg-type]
    if bars is not None:
        idx = pd.DatetimeIndex(bars.index)
        keep = (idx >= min(pub, anchor) - span) & (idx <= anchor + span)
        closes = bars["close"].to_numpy(dtype=np.float64)[keep]
        ends = pd.DatetimeIndex(_ends(symbol, idx, interval)[keep].view("M8[ns]")).tz_localize("UTC")
    else:
        ab = _frame(results, "abnormal")
        sel = ab.xs(eid, level="event_id")
        ends = anchor + pd.to_timedelta(sel["minutes"].to_numpy(dtype=np.float64), unit="min")
        closes = sel["close"].to_numpy(dtype=np.float64)

    def local(t: Any) -> Any:
        return pd.DatetimeIndex(t).tz_convert(tz).tz_localize(None) if not isinstance(t, pd.Timestamp) else t.tz_convert(tz).tz_localize(None)

    axes = new_axes(ax, (9.0, 4.8), constrained=False)
    axes.plot(local(ends), closes, marker="o", ms=3, lw=1.4, color="C0", gid="price", label=f"{symbol} close (at bar end)")
    axes.axvline(local(pub), color="C3", lw=1.4, gid="publication", label=f"published {pub.tz_convert(tz):%Y-%m-%d %H:%M %Z}")
    if anchor != pub:
        axes.axvline(local(anchor), color="C1", lw=1.2, ls="--", gid="anchor", label="anchor: the next open")
    if np.isfinite(row["base_price"]):
        axes.axhline(float(row["base_price"]), color="0.35", lw=1.0, ls=":", gid="base", label=f"base {row['base_price']:.2f}")
    axes.axvspan(local(pd.Timestamp(row["start"])), local(pd.Timestamp(row["end"])), color="C2", alpha=0.15, gid="window",
                 label=f"window {win}: CAR {row['car']:+.3%}")
    from matplotlib.dates import DateFormatter

    axes.xaxis.set_major_formatter(DateFormatter("%H:%M"))
    axes.set_xlabel(f"time ({tz}), {anchor.tz_convert(tz):%A %Y-%m-%d}")
    axes.set_ylabel("price")
    axes.set_title(f"{symbol}, {eid}", fontsize=10, loc="left")
    axes.legend(loc="best", fontsize=8)
    axes.grid(True, alpha=0.3)
    return axes
