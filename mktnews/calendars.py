"""Exchange sessions per instrument, from exchange_calendars or from the data's own dates.

A *sessions frame* has one row per session, indexed by the session date (tz-naive
``datetime64[ns]``, named ``session``), with tz-aware UTC columns ``open``, ``close``,
``break_start`` and ``break_end`` (NaT where the session has no break). It is what the
alignment code searches (vectorised, with :func:`numpy.searchsorted` on ``close``).

Instruments without a calendar (FX, commodities, crypto, users' own series) take their
sessions from their data's dates: a daily session then spans its whole calendar day in the
instrument's time zone (it opens at local midnight and closes at the next local midnight).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from mktnews.calendar_codes import (
    CALENDAR_START,
    calendar_sessions,
    check_calendar_code,
    get_calendar,
)
from mktnews.errors import CalendarError

if TYPE_CHECKING:
    from mktnews.instruments import Instrument
    from mktnews.prices.base import PriceSource

__all__ = ["CALENDAR_START", "calendar_sessions", "check_calendar_code", "data_sessions", "gaps", "get_calendar", "sessions"]

def data_sessions(dates: pd.Index | pd.Series, tz: str) -> pd.DataFrame:
    """Sessions of an instrument without a calendar: each data date spans its whole
    calendar day in ``tz`` (open at local midnight, close at the next local midnight)."""
    idx = pd.DatetimeIndex(pd.unique(pd.DatetimeIndex(dates).normalize())).sort_values()
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    idx = idx.as_unit("ns")
    opens = idx.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward").tz_convert("UTC")
    closes = (idx + pd.Timedelta(days=1)).tz_localize(
        tz, ambiguous="NaT", nonexistent="shift_forward"
    ).tz_convert("UTC")
    nat = pd.DatetimeIndex([pd.NaT] * len(idx), dtype="datetime64[ns, UTC]")
    return pd.DataFrame(
        {"open": opens, "close": closes, "break_start": nat, "break_end": nat},
        index=idx.rename("session"),
    )


def sessions(
    instrument: Instrument | str,
    start: object = None,
    end: object = None,
    *,
    data_dates: pd.Index | None = None,
) -> pd.DataFrame:
    """Sessions of an instrument between ``start`` and ``end`` (session dates, inclusive).

    Parameters
    ----------
    instrument : Instrument or str
        An instrument or a name/symbol the registry resolves.
    start, end : date-like, optional
        Bounds on the session date; open-ended when omitted.
    data_dates : Index, optional
        The instrument's daily data dates; required for instruments without a calendar.

    Returns
    -------
    DataFrame
        A sessions frame (see module docstring).
    """
    from mktnews.instruments import Instrument, resolve_instrument

    inst = instrument if isinstance(instrument, Instrument) else resolve_instrument(instrument)
    if inst.calendar is None:
        if data_dates is None:
            raise CalendarError(
                f"{inst.name} ({inst.symbol}) has no exchange calendar; its sessions come from "
                "its price data: pass data_dates="
            )
        frame = data_sessions(data_dates, inst.tz)
    else:
        frame = calendar_sessions(inst.calendar)
    lo = pd.Timestamp(start).normalize() if start is not None else None  # type: ignore[arg-type]
    hi = pd.Timestamp(end).normalize() if end is not None else None  # type: ignore[arg-type]
    return frame.loc[lo:hi].copy()


def gaps(
    instrument: Instrument | str,
    start: object,
    end: object,
    *,
    source: PriceSource | None = None,
) -> pd.DataFrame:
    """Sessions that the instrument's calendar has and its daily data lacks.

    Gaps are reported, never filled: a study treats an event whose day 0 falls in a gap
    as not computable and says so.

    Parameters
    ----------
    instrument : Instrument or str
    start, end : date-like
        Session dates, inclusive.
    source : PriceSource, optional
        Where the data comes from (default: see :func:`mktnews.default_source`).

    Returns
    -------
    DataFrame
        Index ``session`` (the missing session dates), columns ``symbol``, ``weekday``,
        ``open``, ``close``. Empty for instruments without a calendar (their data defines
        their sessions).
    """
    from mktnews.instruments import Instrument, resolve_instrument
    from mktnews.prices.base import load_prices

    inst = instrument if isinstance(instrument, Instrument) else resolve_instrument(instrument)
    data = load_prices(inst.symbol, start, end, interval="1d", source=source)
    if inst.calendar is None:
        cal = data_sessions(data.index, inst.tz).iloc[:0]
    else:
        cal = sessions(inst, start, end)
    missing = cal.loc[~cal.index.isin(data.index)]
    days = pd.DatetimeIndex(missing.index)
    out = pd.DataFrame(
        {
            "symbol": inst.symbol,
            "weekday": days.day_name(),
            "open": missing["open"],
            "close": missing["close"],
        },
        index=missing.index,
    )
    out["symbol"] = out["symbol"].astype("str")
    return out
