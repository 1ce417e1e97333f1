from __future__ import annotations

import pytest

import mktnews
from mktnews import UnknownInstrumentError, register_instrument, resolve_instrument


@pytest.mark.parametrize(
    ("printed", "symbol"),
    [
        ("Euro STOXX 50", "^STOXX50E"),
        ("EuroStoxx 50", "^STOXX50E"),
        ("Euro Stoxx50", "^STOXX50E"),
        ("euro-stoxx 50", "^STOXX50E"),
        ("SX5E", "^STOXX50E"),
        ("ESTX50", "^STOXX50E"),
        ("DAX", "^GDAXI"),
        ("dax", "^GDAXI"),
        ("MDAX", "^MDAXI"),
        ("SDAX", "^SDAXI"),
        ("TecDAX", "^TECDAX"),
        ("Dow Jones", "^DJI"),
        ("S&P 500", "^GSPC"),
        ("Nasdaq Composite", "^IXIC"),
        ("Nasdaq 100", "^NDX"),
        ("Nasdaq-100", "^NDX"),
        ("FTSE 100", "^FTSE"),
        ("CAC 40", "^FCHI"),
        ("SMI", "^SSMI"),
        ("ATX", "^ATX"),
        ("IBEX 35", "^IBEX"),
        ("Nikkei 225", "^N225"),
        ("Hang Seng", "^HSI"),
        ("STOXX Europe 600", "^STOXX"),
        ("VIX", "^VIX"),
        ("Goldpreis", "GC=F"),
        ("Gold", "GC=F"),
        ("Ölpreis", "BZ=F"),
        ("Brent", "BZ=F"),
        ("WTI", "CL=F"),
        ("EUR/USD", "EURUSD=X"),
        ("Bitcoin", "BTC-USD"),
        ("^GDAXI", "^GDAXI"),
    ],
)
def test_printed_names_resolve(printed: str, symbol: str) -> None:
    assert resolve_instrument(printed).symbol == symbol


@pytest.mark.parametrize(
    ("symbol", "calendar", "tz"),
    [
        ("^STOXX50E", "XSTX", "Europe/Berlin"),
        ("^GDAXI", "XETR", "Europe/Berlin"),
        ("^DJI", "XNYS", "America/New_York"),
        ("^IXIC", "XNAS", "America/New_York"),
        ("^FTSE", "XLON", "Europe/London"),
        ("^FCHI", "XPAR", "Europe/Paris"),
        ("^SSMI", "XSWX", "Europe/Zurich"),
        ("^ATX", "XWBO", "Europe/Vienna"),
        ("^IBEX", "XMAD", "Europe/Madrid"),
        ("^N225", "XTKS", "Asia/Tokyo"),
        ("^HSI", "XHKG", "Asia/Hong_Kong"),
        ("EURUSD=X", None, "Europe/London"),
        ("GC=F", None, "America/New_York"),
    ],
)
def test_calendars_and_zones(symbol: str, calendar: str | None, tz: str) -> None:
    inst = resolve_instrument(symbol)
    assert inst.calendar == calendar
    assert inst.tz == tz


def test_unknown_name_lists_closest() -> None:
    with pytest.raises(UnknownInstrumentError) as err:
        resolve_instrument("Euro Stox 50")
    assert "Euro STOXX 50" in str(err.value)
    assert isinstance(err.value, mktnews.MktNewsError)


def test_register_own_instrument() -> None:
    inst = register_instrument(
        "^AEX", "AEX", aliases=("AEX-Index",), calendar="XAMS", tz="Europe/Amsterdam",
        currency="EUR", kind="index",
    )
    assert resolve_instrument("aex index").symbol == "^AEX"
    assert inst.calendar == "XAMS"


def test_register_refuses_taken_alias_and_bad_options() -> None:
    with pytest.raises(mktnews.InvalidOptionError, match="already names"):
        register_instrument("MYDAX", "My DAX", aliases=("DAX",))
    with pytest.raises(mktnews.InvalidOptionError, match="tz"):
        register_instrument("X1", "X one", tz="Mars/Olympus")
    with pytest.raises(mktnews.InvalidOptionError, match="calendar"):
        register_instrument("X2", "X two", calendar="NOPE")
    with pytest.raises(mktnews.InvalidOptionError, match="kind"):
        register_instrument("X3", "X three", kind="bond")  # type: ignore[arg-type]


def test_stoxx_calendar_hours_and_eurex_holidays() -> None:
    s = mktnews.sessions("Euro STOXX 50", "2024-03-27", "2024-04-03")
    # Good Friday 2024-03-29 and Easter Monday 2024-04-01 are Eurex holidays.
    assert [d.strftime("%Y-%m-%d") for d in s.index] == [
        "2024-03-27", "2024-03-28", "2024-04-02", "2024-04-03",
    ]
    # 09:00-17:30 Berlin: CET (UTC+1) before 2024-03-31, CEST (UTC+2) after.
    assert s["open"].iloc[0].strftime("%H:%M") == "08:00"
    assert s["close"].iloc[0].strftime("%H:%M") == "16:30"
    assert s["open"].iloc[2].strftime("%H:%M") == "07:00"
    assert s["close"].iloc[2].strftime("%H:%M") == "15:30"


def test_calendar_reaches_its_own_earliest_bound() -> None:
    # XTKS cannot be built from 1985; mktnews takes the calendar's own bound (1997),
    # not a default that moves with today's date. The Tokyo Stock Exchange reopened
    # on Monday 1997-01-06 after the New Year holidays (1997-01-01..03).
    s = mktnews.sessions("Nikkei 225", "1997-01-01", "1997-01-08")
    assert [d.strftime("%Y-%m-%d") for d in s.index] == ["1997-01-06", "1997-01-07", "1997-01-08"]


def test_every_builtin_calendar_and_zone_exists() -> None:
    import zoneinfo

    import exchange_calendars as xc

    from mktnews.calendars import get_calendar

    table = mktnews.instrument_table()
    names = set(xc.get_calendar_names()) | {"XSTX"}
    for row in table.itertuples():
        zoneinfo.ZoneInfo(row.tz)
        if isinstance(row.calendar, str):
            assert row.calendar in names, row.symbol
            # the instrument's zone is its exchange's zone
            assert str(get_calendar(row.calendar).tz) == row.tz, row.symbol
