"""Which exchange-calendar codes exist: exchange_calendars' own plus mktnews' (a leaf module).

:mod:`mktnews.instruments` checks the calendar code of an instrument it registers here, and
:mod:`mktnews.calendars` builds sessions from the same registered calendars, so the
instrument registry does not import the session code (which loads prices).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING

import pandas as pd

from mktnews.errors import CalendarError, InvalidOptionError

if TYPE_CHECKING:
    from exchange_calendars import ExchangeCalendar

__all__ = [
    "CALENDAR_START",
    "calendar_sessions",
    "calendar_zone",
    "check_calendar_code",
    "get_calendar",
    "register_custom_calendars",
]

_registered = False


def register_custom_calendars() -> None:
    """Register mktnews' own calendars with exchange_calendars (once)."""
    global _registered
    if _registered:
        return
    import exchange_calendars as xc
    from exchange_calendars.exchange_calendar_xeur import XEURExchangeCalendar

    class XSTXExchangeCalendar(XEURExchangeCalendar):
        """STOXX indices (Euro STOXX 50, STOXX Europe 600): Eurex trading days,
        computed 09:00-17:30 Europe/Berlin."""

        name = "XSTX"
        open_times = ((None, dt.time(9, 0)),)
        close_times = ((None, dt.time(17, 30)),)

    if "XSTX" not in xc.get_calendar_names():
        xc.register_calendar_type("XSTX", XSTXExchangeCalendar)
    _registered = True


def check_calendar_code(code: str) -> None:
    """Raise :class:`~mktnews.errors.InvalidOptionError` unless ``code`` names a calendar."""
    import exchange_calendars as xc

    register_custom_calendars()
    names = xc.get_calendar_names()
    if code not in names:
        raise InvalidOptionError(
            "calendar", code, reason="not an exchange_calendars code (e.g. 'XETR', 'XNYS', 'XSTX')"
        )


def calendar_zone(code: str) -> str:
    """The IANA zone of the exchange calendar ``code`` (checked first)."""

    check_calendar_code(code)
    return str(get_calendar(code).tz)


#: Earliest date mktnews asks calendars for (old index data reaches back to the 1980s).
CALENDAR_START = pd.Timestamp("1985-01-02")

@functools.lru_cache(maxsize=64)
def get_calendar(code: str) -> ExchangeCalendar:
    """The exchange calendar ``code`` covering 1985 to a year ahead (cached)."""
    import exchange_calendars as xc

    register_custom_calendars()
    try:
        return xc.get_calendar(code, start=CALENDAR_START)
    except xc.errors.InvalidCalendarName as exc:
        raise CalendarError(f"unknown exchange calendar {code!r}") from exc
    except ValueError:
        # Some calendars cannot reach back to 1985 (XTKS starts in 1997): take their own
        # earliest bound, not exchange_calendars' default (20 years before today).
        bound = type(xc.get_calendar(code)).bound_min()
        start = CALENDAR_START if bound is None else max(CALENDAR_START, pd.Timestamp(bound))
        return xc.get_calendar(code, start=start)


@functools.lru_cache(maxsize=64)
def calendar_sessions(code: str) -> pd.DataFrame:
    """All sessions of calendar ``code`` as a sessions frame (cached; do not modify)."""
    cal = get_calendar(code)
    sched = cal.schedule
    out = pd.DataFrame(
        {
            "open": sched["open"].dt.as_unit("ns"),
            "close": sched["close"].dt.as_unit("ns"),
            "break_start": sched["break_start"].dt.as_unit("ns"),
            "break_end": sched["break_end"].dt.as_unit("ns"),
        },
        index=pd.DatetimeIndex(sched.index, name="session").as_unit("ns"),
    )
    return out
