"""The instrument registry: what news sites print -> the instrument, its symbol and calendar.

Sites print "Euro STOXX 50", "EuroStoxx 50", "Goldpreis" or "EUR/USD" in their ticker
boxes; mktnews needs a data symbol (Yahoo Finance symbols are used throughout), the
exchange calendar whose sessions the instrument trades on, its time zone and currency.

Matching ignores case, spacing, hyphens, underscores and dots, so ``"euro-stoxx 50"``
finds the Euro STOXX 50. Symbols themselves (``"^STOXX50E"``) resolve too.
"""

from __future__ import annotations

import difflib
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from mktnews._typing import InstrumentKind, check_option
from mktnews.calendar_codes import check_calendar_code
from mktnews.errors import InvalidOptionError, UnknownInstrumentError

__all__ = [
    "Instrument",
    "instrument_table",
    "normalize_name",
    "register_instrument",
    "resolve_instrument",
    "resolve_symbol",
]

#: Calendar code mktnews registers with exchange_calendars for the STOXX indices:
#: Eurex trading days, 09:00-17:30 Europe/Berlin (see :mod:`mktnews.calendars`).
STOXX_CALENDAR = "XSTX"


@dataclass(frozen=True)
class Instrument:
    """A tradable or quoted instrument that articles can name.

    Parameters
    ----------
    symbol : str
        Data symbol (Yahoo Finance form, e.g. ``"^STOXX50E"``); also the file name stem
        that :class:`mktnews.FileSource` looks for.
    name : str
        Canonical display name ("Euro STOXX 50").
    calendar : str or None
        exchange_calendars code of the sessions it trades on (``"XETR"``); ``None`` for
        instruments whose sessions are their data's own dates (FX, commodities, crypto,
        users' series).
    tz : str
        IANA time zone of the instrument's sessions (daily bars are dated in it).
    currency : str
        ISO currency of the quote ("points" of an index count in it).
    kind : str
        One of ``index, commodity, fx, crypto, equity, rate, other``.
    aliases : tuple of str
        Other printed names that resolve to it.
    """

    symbol: str
    name: str
    calendar: str | None
    tz: str
    currency: str
    kind: InstrumentKind = "index"
    aliases: tuple[str, ...] = field(default=())

    @property
    def zoneinfo(self) -> ZoneInfo:
        """The time zone as a :class:`zoneinfo.ZoneInfo`."""
        return ZoneInfo(self.tz)


_lock = threading.RLock()
_BY_SYMBOL: dict[str, Instrument] = {}
_BY_KEY: dict[str, str] = {}  # normalised name/alias/symbol -> symbol

_STRIP = re.compile(r"[\s\-_.\u00a0\u2010-\u2015]+")


def normalize_name(name: str) -> str:
    """Key under which a printed name is matched: NFKC, case-folded, without spaces,
    hyphens, underscores or dots."""
    text = unicodedata.normalize("NFKC", str(name)).casefold().strip()
    return _STRIP.sub("", text)


def register_instrument(
    symbol: str,
    name: str,
    *,
    aliases: Iterable[str] = (),
    calendar: str | None = None,
    tz: str = "UTC",
    currency: str = "USD",
    kind: InstrumentKind = "other",
    replace: bool = False,
    _check_calendar: bool = True,
) -> Instrument:
    """Add an instrument (or more names for one) to the registry.

    Parameters
    ----------
    symbol : str
        Data symbol, e.g. ``"^AEX"`` or the stem of a user's price file.
    name : str
        Canonical name as sites print it.
    aliases : iterable of str, optional
        Further printed names.
    calendar : str, optional
        exchange_calendars code (``"XAMS"``); ``None`` takes sessions from the data.
    tz : str, default "UTC"
        IANA time zone of the sessions.
    currency : str, default "USD"
    kind : str, default "other"
    replace : bool, default False
        Allow a name already registered for another symbol to point to this one.

    Returns
    -------
    Instrument

    Raises
    ------
    InvalidOptionError
        For an unknown time zone or kind, or a name taken by another symbol while
        ``replace`` is false.
    """
    check_option("kind", kind, InstrumentKind)
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidOptionError("tz", tz, reason="not an IANA time zone") from exc
    if calendar is not None and _check_calendar:
        check_calendar_code(calendar)
    inst = Instrument(
        symbol=symbol,
        name=name,
        calendar=calendar,
        tz=tz,
        currency=currency,
        kind=kind,
        aliases=tuple(dict.fromkeys(a for a in aliases if a)),
    )
    keys = [normalize_name(k) for k in (symbol, name, *inst.aliases)]
    with _lock:
        if not replace:
            for key, label in zip(keys, (symbol, name, *inst.aliases), strict=True):
                owner = _BY_KEY.get(key)
                if owner is not None and owner != symbol:
                    raise InvalidOptionError(
                        "aliases",
                        label,
                        reason=f"already names {owner!r}; pass replace=True to repoint it",
                    )
        old = _BY_SYMBOL.get(symbol)
        if old is not None:
            merged = tuple(dict.fromkeys((*old.aliases, old.name, *inst.aliases)))
            inst = Instrument(
                symbol, name, calendar, tz, currency, kind, tuple(a for a in merged if a != name)
            )
        _BY_SYMBOL[symbol] = inst
        for key in keys:
            _BY_KEY[key] = symbol
    return inst


def resolve_instrument(name: str, *, allow_unregistered_symbol: bool = False) -> Instrument:
    """Return the instrument a printed name or symbol stands for.

    Parameters
    ----------
    name : str
        As printed ("EuroStoxx 50", "Goldpreis") or a registered symbol ("^GDAXI").
    allow_unregistered_symbol : bool, default False
        Return an ad-hoc instrument (no calendar, UTC, kind ``other``) for a name the
        registry does not know, treating it as a data symbol. Used for users' own
        series in price files.

    Raises
    ------
    UnknownInstrumentError
        Listing the closest known names.
    """
    if not isinstance(name, str) or not name.strip():
        raise UnknownInstrumentError(str(name))
    key = normalize_name(name)
    with _lock:
        symbol = _BY_KEY.get(key)
        if symbol is not None:
            return _BY_SYMBOL[symbol]
        if allow_unregistered_symbol:
            return Instrument(name.strip(), name.strip(), None, "UTC", "", "other")
        labels: dict[str, str] = {}
        for inst in _BY_SYMBOL.values():
            for label in (inst.name, inst.symbol, *inst.aliases):
                labels.setdefault(normalize_name(label), label)
    close = difflib.get_close_matches(key, list(labels), n=5, cutoff=0.5)
    raise UnknownInstrumentError(name, [labels[c] for c in close])


def resolve_symbol(name: str) -> str:
    """The data symbol for a printed name, or the name itself if it is not registered."""
    return resolve_instrument(name, allow_unregistered_symbol=True).symbol


def instrument_table() -> pd.DataFrame:
    """The registry as a frame: one row per instrument with its aliases."""
    with _lock:
        rows = [
            {
                "symbol": i.symbol,
                "name": i.name,
                "calendar": i.calendar,
                "tz": i.tz,
                "currency": i.currency,
                "kind": i.kind,
                "aliases": ", ".join(i.aliases),
            }
            for i in _BY_SYMBOL.values()
        ]
    return pd.DataFrame(rows)


def _register_builtin() -> None:
    # (symbol, name, calendar, tz, currency, kind, aliases)
    builtin: list[tuple[str, str, str | None, str, str, InstrumentKind, tuple[str, ...]]] = [
        ("^STOXX50E", "Euro STOXX 50", STOXX_CALENDAR, "Europe/Berlin", "EUR", "index",
         ("EuroStoxx 50", "Euro Stoxx50", "SX5E", "ESTX50", "Euro STOXX 50 Index", "EStoxx 50")),
        ("^STOXX", "STOXX Europe 600", STOXX_CALENDAR, "Europe/Berlin", "EUR", "index",
         ("STOXX 600", "Stoxx Europe 600 Index", "SXXP", "STOXX600")),
        ("^GDAXI", "DAX", "XETR", "Europe/Berlin", "EUR", "index",
         ("DAX 40", "DAX-Index", "DAX Index", "DAX Performance", "GDAXI")),
        ("^MDAXI", "MDAX", "XETR", "Europe/Berlin", "EUR", "index", ("MDAX-Index", "MDAXI")),
        ("^SDAXI", "SDAX", "XETR", "Europe/Berlin", "EUR", "index", ("SDAX-Index", "SDAXI")),
        ("^TECDAX", "TecDAX", "XETR", "Europe/Berlin", "EUR", "index", ("TecDAX-Index",)),
        ("^DJI", "Dow Jones", "XNYS", "America/New_York", "USD", "index",
         ("Dow Jones Industrial Average", "Dow Jones Industrial", "DJIA", "Dow", "Dow Jones 30")),
        ("^GSPC", "S&P 500", "XNYS", "America/New_York", "USD", "index",
         ("S&P500", "SP500", "S&P 500 Index", "SPX", "Standard & Poor's 500")),
        ("^IXIC", "Nasdaq Composite", "XNAS", "America/New_York", "USD", "index",
         ("Nasdaq", "Nasdaq Comp.", "Nasdaq Composite Index", "IXIC")),
        ("^NDX", "Nasdaq 100", "XNAS", "America/New_York", "USD", "index",
         ("Nasdaq100", "NDX", "Nasdaq 100 Index")),
        ("^FTSE", "FTSE 100", "XLON", "Europe/London", "GBP", "index",
         ("FTSE", "FTSE100 Index", "Footsie")),
        ("^FCHI", "CAC 40", "XPAR", "Europe/Paris", "EUR", "index", ("CAC", "CAC 40 Index", "FCHI")),
        ("^SSMI", "SMI", "XSWX", "Europe/Zurich", "CHF", "index",
         ("Swiss Market Index", "SMI Index", "SSMI")),
        ("^ATX", "ATX", "XWBO", "Europe/Vienna", "EUR", "index", ("ATX Index", "Austrian Traded Index")),
        ("^IBEX", "IBEX 35", "XMAD", "Europe/Madrid", "EUR", "index", ("IBEX", "IBEX 35 Index")),
        ("^N225", "Nikkei 225", "XTKS", "Asia/Tokyo", "JPY", "index",
         ("Nikkei", "Nikkei 225 Index", "N225")),
        ("^HSI", "Hang Seng", "XHKG", "Asia/Hong_Kong", "HKD", "index",
         ("Hang Seng Index", "HSI", "Hang-Seng-Index")),
        ("^VIX", "VIX", "XNYS", "America/New_York", "USD", "index",
         ("CBOE Volatility Index", "Volatility Index", "VIX Index")),
        ("GC=F", "Gold", None, "America/New_York", "USD", "commodity",
         ("Goldpreis", "Gold Futures", "Gold (Unze)", "Goldpreis $", "Gold Feinunze")),
        ("BZ=F", "Brent", None, "Europe/London", "USD", "commodity",
         ("Ölpreis", "Oelpreis", "Brent Crude", "Ölpreis Brent", "Brent Öl", "Brent-Öl", "Brent Oil")),
        ("CL=F", "WTI", None, "America/New_York", "USD", "commodity",
         ("WTI Crude", "Ölpreis WTI", "Crude Oil WTI", "WTI Öl", "WTI-Öl")),
        ("EURUSD=X", "EUR/USD", None, "Europe/London", "USD", "fx",
         ("EURUSD", "Euro/Dollar", "Euro/US-Dollar", "Euro in Dollar", "Euro/USD")),
        ("BTC-USD", "Bitcoin", None, "UTC", "USD", "crypto", ("BTC", "BTC/USD", "Bitcoin/USD")),
        ("ETH-USD", "Ethereum", None, "UTC", "USD", "crypto", ("ETH", "ETH/USD", "Ether")),
        # more indices that European sites print
        ("^AEX", "AEX", "XAMS", "Europe/Amsterdam", "EUR", "index", ("AEX-Index", "AEX 25")),
        ("^BFX", "BEL 20", "XBRU", "Europe/Brussels", "EUR", "index", ("BEL20",)),
        ("FTSEMIB.MI", "FTSE MIB", "XMIL", "Europe/Rome", "EUR", "index", ("FTSE-MIB", "MIB")),
        ("PSI20.LS", "PSI", "XLIS", "Europe/Lisbon", "EUR", "index", ("PSI 20", "PSI-20")),
        ("^OMX", "OMX Stockholm 30", "XSTO", "Europe/Stockholm", "SEK", "index", ("OMXS30", "OMX 30")),
        ("^RUT", "Russell 2000", "XNYS", "America/New_York", "USD", "index", ("Russell2000",)),
        ("^GSPTSE", "S&P/TSX Composite", "XTSE", "America/Toronto", "CAD", "index", ("TSX", "S&P TSX")),
        ("^AXJO", "S&P/ASX 200", "XASX", "Australia/Sydney", "AUD", "index", ("ASX 200", "ASX200")),
        ("000001.SS", "Shanghai Composite", "XSHG", "Asia/Shanghai", "CNY", "index",
         ("SSE Composite", "Shanghai Composite Index", "Shanghai")),
        ("^KS11", "KOSPI", "XKRX", "Asia/Seoul", "KRW", "index", ("Kospi Composite",)),
        ("^BSESN", "Sensex", "XBOM", "Asia/Kolkata", "INR", "index", ("BSE Sensex", "S&P BSE Sensex")),
        # commodities and currencies
        ("SI=F", "Silber", None, "America/New_York", "USD", "commodity",
         ("Silver", "Silberpreis", "Silver Futures")),
        ("NG=F", "Erdgas", None, "America/New_York", "USD", "commodity",
         ("Natural Gas", "Erdgaspreis", "Henry Hub")),
        ("HG=F", "Kupfer", None, "America/New_York", "USD", "commodity",
         ("Copper", "Kupferpreis")),
        ("EURCHF=X", "EUR/CHF", None, "Europe/London", "CHF", "fx", ("EURCHF", "Euro/Franken")),
        ("EURGBP=X", "EUR/GBP", None, "Europe/London", "GBP", "fx", ("EURGBP", "Euro/Pfund")),
        ("EURJPY=X", "EUR/JPY", None, "Europe/London", "JPY", "fx", ("EURJPY", "Euro/Yen")),
        ("GBPUSD=X", "GBP/USD", None, "Europe/London", "USD", "fx", ("GBPUSD", "Pfund/Dollar")),
        ("JPY=X", "USD/JPY", None, "Europe/London", "JPY", "fx", ("USDJPY", "Dollar/Yen")),
        ("CHF=X", "USD/CHF", None, "Europe/London", "CHF", "fx", ("USDCHF", "Dollar/Franken")),
    ]
    for symbol, name, cal, tz, cur, kind, aliases in builtin:
        register_instrument(
            symbol,
            name,
            aliases=aliases,
            calendar=cal,
            tz=tz,
            currency=cur,
            kind=kind,
            _check_calendar=False,
        )


_register_builtin()
