"""Which exchange-calendar codes exist: exchange_calendars' own plus mktnews' (a leaf module).

:mod:`mktnews.instruments` checks the calendar code of an instrument it registers here, and
:mod:`mktnews.calendars` builds sessions from the same registered calendars, so the
instrument registry does not import the session code (which loads prices).
"""

from __future__ import annotations

import datetime as dt

from mktnews.errors import InvalidOptionError

__all__ = ["calendar_zone", "check_calendar_code", "register_custom_calendars"]

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
    import exchange_calendars as xc

    check_calendar_code(code)
    return str(xc.get_calendar(code).tz)
