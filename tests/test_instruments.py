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


# ---------------------------------------------------------------------------------------
# unregistered symbols by rule


def test_suffix_table_against_exchange_calendars() -> None:
    import exchange_calendars as xc

    from mktnews.calendars import calendar_sessions
    from mktnews.instruments import HOME_INDEX, suffix_table

    table = suffix_table()
    assert table["suffix"].is_unique and len(table) >= 40
    names = set(xc.get_calendar_names())
    for row in table.itertuples():
        assert row.calendar in names, row.suffix
        # the zone the table gives is the calendar's own zone
        assert str(xc.get_calendar(row.calendar).tz) == row.tz, row.suffix
        # and the calendar builds (through mktnews' own bounds)
        assert len(calendar_sessions(row.calendar)) > 1000, row.suffix
    # hand-checked rows (Yahoo suffix -> ISO 10383 MIC of the exchange)
    by = table.set_index("suffix")
    for sfx, mic in [(".DE", "XETR"), (".F", "XFRA"), (".PA", "XPAR"), (".AS", "XAMS"), (".MI", "XMIL"),
                     (".MC", "XMAD"), (".L", "XLON"), (".SW", "XSWX"), (".VI", "XWBO"), (".ST", "XSTO"),
                     (".CO", "XCSE"), (".HE", "XHEL"), (".OL", "XOSL"), (".T", "XTKS"), (".HK", "XHKG"),
                     (".TO", "XTSE"), (".AX", "XASX"), (".SA", "BVMF"), (".NS", "XBOM")]:
        assert by.loc[sfx, "calendar"] == mic, sfx
    assert by.loc[".L", "currency"] == "GBp" and by.loc[".DE", "currency"] == "EUR"
    # every home index is a registered instrument on that calendar (XNAS -> S&P 500 aside)
    for cal, bm in HOME_INDEX.items():
        inst = resolve_instrument(bm)
        assert inst.calendar == cal or (cal, inst.calendar) in {
            ("XNAS", "XNYS"), ("XFRA", "XETR"), ("XDUS", "XETR"), ("XHAM", "XETR"), ("XSTU", "XETR"),
        }, cal


@pytest.mark.parametrize(
    ("name", "symbol", "calendar", "tz", "currency", "rule"),
    [
        ("SAP.DE", "SAP.DE", "XETR", "Europe/Berlin", "EUR", "suffix:.DE"),
        ("VOW3.DE", "VOW3.DE", "XETR", "Europe/Berlin", "EUR", "suffix:.DE"),
        (" SAP.F ", "SAP.F", "XFRA", "Europe/Berlin", "EUR", "suffix:.F"),
        ("MC.PA", "MC.PA", "XPAR", "Europe/Paris", "EUR", "suffix:.PA"),
        ("HSBA.L", "HSBA.L", "XLON", "Europe/London", "GBp", "suffix:.L"),
        ("NESN.SW", "NESN.SW", "XSWX", "Europe/Zurich", "CHF", "suffix:.SW"),
        ("7203.T", "7203.T", "XTKS", "Asia/Tokyo", "JPY", "suffix:.T"),
        ("0700.HK", "0700.HK", "XHKG", "Asia/Hong_Kong", "HKD", "suffix:.HK"),
        ("005930.KS", "005930.KS", "XKRX", "Asia/Seoul", "KRW", "suffix:.KS"),
        ("RELIANCE.NS", "RELIANCE.NS", "XBOM", "Asia/Kolkata", "INR", "suffix:.NS"),
        ("RY.TO", "RY.TO", "XTSE", "America/Toronto", "CAD", "suffix:.TO"),
        ("BHP.AX", "BHP.AX", "XASX", "Australia/Sydney", "AUD", "suffix:.AX"),
        ("PETR4.SA", "PETR4.SA", "BVMF", "America/Sao_Paulo", "BRL", "suffix:.SA"),
        ("AAPL", "AAPL", "XNYS", "America/New_York", "USD", "bare_symbol:XNYS"),
        ("BRK-B", "BRK-B", "XNYS", "America/New_York", "USD", "bare_symbol:XNYS"),
        ("F", "F", "XNYS", "America/New_York", "USD", "bare_symbol:XNYS"),
        ("USDSEK=X", "USDSEK=X", None, "Europe/London", "SEK", "suffix:=X"),
        ("ZW=F", "ZW=F", None, "America/New_York", "", "suffix:=F"),
        ("SOL-USD", "SOL-USD", None, "UTC", "USD", "suffix:-USD"),
    ],
)
def test_unregistered_symbols_resolve_by_rule(
    name: str, symbol: str, calendar: str | None, tz: str, currency: str, rule: str
) -> None:
    inst = resolve_instrument(name)
    assert (inst.symbol, inst.calendar, inst.tz, inst.currency, inst.rule) == (
        symbol, calendar, tz, currency, rule,
    )
    assert mktnews.instruments.resolve_symbol(name) == symbol
    # not registered by resolving
    assert symbol not in set(mktnews.instrument_table()["symbol"])


@pytest.mark.parametrize(
    ("printed", "symbol"),
    [("DAX", "^GDAXI"), ("SMI", "^SSMI"), ("ATX", "^ATX"), ("VIX", "^VIX"), ("WTI", "CL=F"),
     ("BTC", "BTC-USD"), ("Dow Jones", "^DJI"), ("Euro STOXX 50", "^STOXX50E"), ("MDAX", "^MDAXI"),
     ("FTSEMIB.MI", "FTSEMIB.MI"), ("EURUSD=X", "EURUSD=X"), ("NDX", "^NDX")],
)
def test_registry_wins_over_the_symbol_rules(printed: str, symbol: str) -> None:
    inst = resolve_instrument(printed)
    assert inst.symbol == symbol and inst.rule == "registry"


@pytest.mark.parametrize(
    "name",
    ["apple", "Apple Inc", "Siemens Energy", "sap.de", "BRK.B", "X.ZZ", "^FOO", "TOOLONGNAME",
     "AB CD", "SAP.DE.X", "1234", "-AB", "EUR/XYZ"],
)
def test_words_and_unknown_shapes_are_not_symbols(name: str) -> None:
    with pytest.raises(UnknownInstrumentError):
        resolve_instrument(name)
    # the ad-hoc form (users' own files) is still available on request
    assert resolve_instrument(name, allow_unregistered_symbol=True).rule == "data_dates"


def test_unknown_symbol_still_lists_close_matches() -> None:
    with pytest.raises(UnknownInstrumentError) as err:
        resolve_instrument("Dow Jonse")
    assert "Dow Jones" in str(err.value)
    # and infer=False switches the symbol rules off
    with pytest.raises(UnknownInstrumentError):
        resolve_instrument("AAPL", infer=False)


def test_register_suffix_extends_the_table() -> None:
    from mktnews.instruments import register_suffix, suffix_table

    with pytest.raises(UnknownInstrumentError):
        resolve_instrument("000001.SZ")
    register_suffix(".SZ", "XSHG", currency="CNY")
    try:
        inst = resolve_instrument("000001.SZ")
        assert (inst.calendar, inst.tz, inst.rule) == ("XSHG", "Asia/Shanghai", "suffix:.SZ")
        assert ".SZ" in set(suffix_table()["suffix"])
        with pytest.raises(mktnews.InvalidOptionError, match="already maps to XSHG"):
            register_suffix("SZ", "XHKG")
        # a replaced entry is what the next resolution follows (answers are remembered
        # with the table entry they rest on)
        register_suffix(".SZ", "XHKG", currency="HKD", replace=True)
        inst = resolve_instrument("000001.SZ")
        assert (inst.calendar, inst.tz, inst.currency) == ("XHKG", "Asia/Hong_Kong", "HKD")
    finally:
        from mktnews import instruments as reg

        reg._SUFFIXES.pop(".SZ")
    with pytest.raises(UnknownInstrumentError):
        resolve_instrument("000001.SZ")
    with pytest.raises(mktnews.InvalidOptionError, match="calendar"):
        register_suffix(".QQ", "NOPE")
    with pytest.raises(mktnews.InvalidOptionError, match="runs in Europe/Berlin"):
        register_suffix(".QQ", "XETR", tz="UTC")
    with pytest.raises(mktnews.InvalidOptionError, match="suffix"):
        register_suffix(".qq", "XETR")


def test_register_exchange_kind_without_calendar_warns() -> None:
    with pytest.warns(UserWarning, match="day 0 will follow the data's dates in UTC"):
        register_instrument("MYSTOCK1", "My Stock One", kind="equity")
    with pytest.warns(UserWarning, match="calendar="):
        register_instrument("^MYIDX1", "My Index One", kind="index", tz="Europe/Berlin")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        register_instrument("MYSERIES1", "My Series One")  # kind other: no warning
        register_instrument("MYSTOCK2", "My Stock Two", kind="equity", calendar="XNYS",
                            tz="America/New_York")
    assert resolve_instrument("My Stock Two").rule == "user"


def test_rule_of_a_re_registered_instrument() -> None:
    # more names for a built-in instrument on the same calendar keep rule 'registry';
    # a different calendar is the user's choice
    register_instrument("^FCHI", "CAC 40", aliases=("mktnews test cac",), calendar="XPAR",
                        tz="Europe/Paris", currency="EUR", kind="index")
    assert resolve_instrument("mktnews test cac").rule == "registry"
    register_instrument("MYSTOCK3", "My Stock Three", calendar="XNYS", tz="America/New_York")
    register_instrument("MYSTOCK3", "My Stock Three", calendar="XETR", tz="Europe/Berlin")
    assert resolve_instrument("MYSTOCK3").rule == "user"
    assert resolve_instrument("MYSTOCK3").calendar == "XETR"
