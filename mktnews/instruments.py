"""The instrument registry: what news sites print -> the instrument, its symbol and calendar.

Sites print "Euro STOXX 50", "EuroStoxx 50", "Goldpreis" or "EUR/USD" in their ticker
boxes; mktnews needs a data symbol (Yahoo Finance symbols are used throughout), the
exchange calendar whose sessions the instrument trades on, its time zone and currency.

Matching ignores case, spacing, hyphens, underscores and dots, so ``"euro-stoxx 50"``
finds the Euro STOXX 50. Symbols themselves (``"^STOXX50E"``) resolve too.

Any stock without registration
------------------------------
A name the registry does not know but that has the *shape* of a Yahoo symbol resolves
by rule (:func:`infer_instrument`), and the rule is recorded on the instrument
(:attr:`Instrument.rule`, the events frame's ``calendar_rule`` column):

- ``BASE.SFX`` with a suffix in :func:`suffix_table` (``SAP.DE`` -> XETR, Europe/Berlin,
  EUR; ``7203.T`` -> XTKS): rule ``"suffix:.DE"``. Users add suffixes with
  :func:`register_suffix`.
- a bare US ticker, 1-6 uppercase letters/digits starting with a letter, optionally a
  share class after a hyphen (``AAPL``, ``BRK-B``): XNYS, America/New_York, USD; rule
  ``"bare_symbol:XNYS"``.
- ``XXXYYY=X`` (a currency pair): no calendar, Europe/London, quote currency ``YYY``;
  ``XX=F`` (a future): no calendar, America/New_York; ``BTC-USD`` style crypto pairs: no
  calendar, UTC. Rules ``"suffix:=X"``, ``"suffix:=F"``, ``"suffix:-USD"``.

Lowercase words, names with spaces, ``^`` index symbols (whose calendar cannot be read
from the symbol) and unknown suffixes are *not* symbols: they raise
:class:`~mktnews.errors.UnknownInstrumentError` with the closest known names. The
registry always wins, so printed names such as ``"DAX"`` or ``"SMI"`` keep their
registered meaning. Registered instruments carry the rule ``"registry"`` (built in) or
``"user"`` (:func:`register_instrument`).
"""

from __future__ import annotations

import difflib
import functools
import re
import threading
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from mktnews.calendar_codes import calendar_zone, check_calendar_code
from mktnews.errors import ConfigurationError, InvalidOptionError, UnknownInstrumentError
from mktnews.vocab import InstrumentKind, check_option

__all__ = [
    "HOME_INDEX",
    "Instrument",
    "benchmark_for",
    "home_index_table",
    "infer_instrument",
    "instrument_table",
    "known_instrument_keys",
    "normalize_name",
    "read_benchmark_map",
    "register_home_index",
    "register_instrument",
    "register_suffix",
    "registered_instrument",
    "registered_instruments",
    "resolve_instrument",
    "resolve_instruments",
    "resolve_symbol",
    "resolve_symbols",
    "suffix_table",
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
    rule : str
        How it was resolved: ``"registry"`` (built in), ``"user"``
        (:func:`register_instrument`), ``"suffix:.DE"``, ``"bare_symbol:XNYS"`` ... (inferred
        from the symbol's shape, see :func:`infer_instrument`) or ``"data_dates"`` (an
        unregistered key of a ``prices`` mapping: sessions from its data). Not part of
        equality.
    """

    symbol: str
    name: str
    calendar: str | None
    tz: str
    currency: str
    kind: InstrumentKind = "index"
    aliases: tuple[str, ...] = field(default=())
    rule: str = field(default="user", compare=False)

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
    return _normalized(str(name))


@functools.lru_cache(maxsize=1 << 16)
def _normalized(text: str) -> str:
    """:func:`normalize_name` of a str (a pure function: the answers are kept, so a
    study of thousands of stocks normalises each name once per process)."""
    return _STRIP.sub("", unicodedata.normalize("NFKC", text).casefold().strip())


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
    _rule: str = "user",
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

    Warns
    -----
    UserWarning
        For an exchange-traded kind (``index``, ``equity``) without ``calendar``: its
        sessions are then its data's dates in ``tz``, so news after the close lands on the
        same day 0 as news during the session (pass the exchange's calendar, e.g.
        ``calendar="XNYS", tz="America/New_York"``).
    """
    _check_new_instrument(symbol, calendar, tz, kind, _check_calendar)
    inst = Instrument(
        symbol=symbol,
        name=name,
        calendar=calendar,
        tz=tz,
        currency=currency,
        kind=kind,
        aliases=tuple(dict.fromkeys(a for a in aliases if a)),
        rule=_rule,
    )
    return _store(inst, replace, _rule)


def _check_new_instrument(
    symbol: str, calendar: str | None, tz: str, kind: str, check_calendar: bool
) -> None:
    """The checks of :func:`register_instrument` (kind, zone, calendar code; the warning)."""
    check_option("kind", kind, InstrumentKind)
    if calendar is None and kind in _EXCHANGE_KINDS:
        warnings.warn(
            f"register_instrument({symbol!r}): kind={kind!r} without calendar=: day 0 will "
            f"follow the data's dates in {tz} (a session spans the whole calendar day), so "
            "news after the exchange's close gets the same day 0 as news during the session; "
            "pass calendar= (an exchange_calendars code such as 'XNYS') and tz=",
            UserWarning,
            stacklevel=3,  # the caller of register_instrument
        )
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidOptionError("tz", tz, reason="not an IANA time zone") from exc
    if calendar is not None and check_calendar:
        check_calendar_code(calendar)


def _store(inst: Instrument, replace: bool, rule: str) -> Instrument:
    """Put ``inst`` in the registry (merged with an entry of its symbol); the stored one."""
    symbol, name, calendar, tz = inst.symbol, inst.name, inst.calendar, inst.tz
    currency, kind = inst.currency, inst.kind
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
            # the rule says who chose the calendar: more names for the same calendar and
            # zone keep the old rule
            same_cal = (old.calendar, old.tz) == (calendar, tz)
            inst = Instrument(
                symbol, name, calendar, tz, currency, kind, tuple(a for a in merged if a != name),
                rule=old.rule if same_cal else rule,
            )
        _BY_SYMBOL[symbol] = inst
        for key in keys:
            _BY_KEY[key] = symbol
    return inst


def resolve_instrument(
    name: str, *, allow_unregistered_symbol: bool = False, infer: bool = True
) -> Instrument:
    """Return the instrument a printed name or symbol stands for.

    The registry is asked first; then (``infer=True``) a symbol-shaped name resolves by
    rule (:func:`infer_instrument`: ``SAP.DE`` on XETR, ``AAPL`` on XNYS, ...).

    Parameters
    ----------
    name : str
        As printed ("EuroStoxx 50", "Goldpreis"), a registered symbol ("^GDAXI") or a
        Yahoo symbol ("SAP.DE", "AAPL", "BRK-B").
    allow_unregistered_symbol : bool, default False
        Return an ad-hoc instrument (no calendar, UTC, kind ``other``, rule
        ``"data_dates"``) for a name neither the registry nor the symbol rules know,
        treating it as a data symbol. Used for users' own series in price files.
    infer : bool, default True
        Resolve unregistered symbol-shaped names by the suffix table / bare-symbol rule.

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
    if infer:
        inferred = infer_instrument(name)
        if inferred is not None:
            return inferred
    if allow_unregistered_symbol:
        return Instrument(name.strip(), name.strip(), None, "UTC", "", "other", rule="data_dates")
    with _lock:
        labels: dict[str, str] = {}
        for inst in _BY_SYMBOL.values():
            for label in (inst.name, inst.symbol, *inst.aliases):
                labels.setdefault(normalize_name(label), label)
    close = difflib.get_close_matches(key, list(labels), n=5, cutoff=0.5)
    raise UnknownInstrumentError(name, [labels[c] for c in close])


# ---------------------------------------------------------------------------
# symbols by rule: the suffix table and the bare-symbol rule
# ---------------------------------------------------------------------------

#: Kinds that trade on an exchange's sessions (registering one without a calendar warns).
_EXCHANGE_KINDS = frozenset({"index", "equity"})

#: Yahoo suffix -> (exchange_calendars code, IANA zone, quote currency). Only calendars
#: exchange_calendars has; the zone is the calendar's own. Currencies as Yahoo quotes them
#: (``GBp`` pence on London, ``ZAc`` cents on Johannesburg). Extend with register_suffix().
_SUFFIXES: dict[str, tuple[str, str, str]] = {
    ".DE": ("XETR", "Europe/Berlin", "EUR"),
    ".F": ("XFRA", "Europe/Berlin", "EUR"),
    ".DU": ("XDUS", "Europe/Brussels", "EUR"),  # exchange_calendars' zone (= Berlin time)
    ".HM": ("XHAM", "Europe/Brussels", "EUR"),
    ".SG": ("XSTU", "Europe/Berlin", "EUR"),
    ".PA": ("XPAR", "Europe/Paris", "EUR"),
    ".AS": ("XAMS", "Europe/Amsterdam", "EUR"),
    ".BR": ("XBRU", "Europe/Brussels", "EUR"),
    ".LS": ("XLIS", "Europe/Lisbon", "EUR"),
    ".MI": ("XMIL", "Europe/Rome", "EUR"),
    ".MC": ("XMAD", "Europe/Madrid", "EUR"),
    ".IR": ("XDUB", "Europe/Dublin", "EUR"),
    ".VI": ("XWBO", "Europe/Vienna", "EUR"),
    ".HE": ("XHEL", "Europe/Helsinki", "EUR"),
    ".L": ("XLON", "Europe/London", "GBp"),
    ".SW": ("XSWX", "Europe/Zurich", "CHF"),
    ".ST": ("XSTO", "Europe/Stockholm", "SEK"),
    ".CO": ("XCSE", "Europe/Copenhagen", "DKK"),
    ".OL": ("XOSL", "Europe/Oslo", "NOK"),
    ".IC": ("XICE", "Atlantic/Reykjavik", "ISK"),
    ".WA": ("XWAR", "Europe/Warsaw", "PLN"),
    ".PR": ("XPRA", "Europe/Prague", "CZK"),
    ".BD": ("XBUD", "Europe/Budapest", "HUF"),
    ".IS": ("XIST", "Europe/Istanbul", "TRY"),
    ".T": ("XTKS", "Asia/Tokyo", "JPY"),
    ".HK": ("XHKG", "Asia/Hong_Kong", "HKD"),
    ".SS": ("XSHG", "Asia/Shanghai", "CNY"),
    ".KS": ("XKRX", "Asia/Seoul", "KRW"),
    ".KQ": ("XKRX", "Asia/Seoul", "KRW"),
    ".TW": ("XTAI", "Asia/Taipei", "TWD"),
    ".SI": ("XSES", "Asia/Singapore", "SGD"),
    ".BO": ("XBOM", "Asia/Kolkata", "INR"),
    ".NS": ("XBOM", "Asia/Kolkata", "INR"),
    ".JK": ("XIDX", "Asia/Jakarta", "IDR"),
    ".KL": ("XKLS", "Asia/Kuala_Lumpur", "MYR"),
    ".BK": ("XBKK", "Asia/Bangkok", "THB"),
    ".SR": ("XSAU", "Asia/Riyadh", "SAR"),
    ".TO": ("XTSE", "America/Toronto", "CAD"),
    ".V": ("XTSX", "America/Toronto", "CAD"),
    ".SA": ("BVMF", "America/Sao_Paulo", "BRL"),
    ".MX": ("XMEX", "America/Mexico_City", "MXN"),
    ".SN": ("XSGO", "America/Santiago", "CLP"),
    ".BA": ("XBUE", "America/Argentina/Buenos_Aires", "ARS"),
    ".AX": ("XASX", "Australia/Sydney", "AUD"),
    ".NZ": ("XNZE", "Pacific/Auckland", "NZD"),
    ".JO": ("XJSE", "Africa/Johannesburg", "ZAc"),
}
# Not in the table on purpose: .SZ (Shenzhen: exchange_calendars has no XSHE), .TA and
# .AT (their XTAE / ASEX calendars fail to build under pandas 3 in the installed
# exchange_calendars), .ME (Moscow, not quoted by Yahoo since 2022). register_suffix(".SZ", "XSHG", ...) if the proxy suits you.

#: Calendar and zone of a bare US ticker (AAPL, BRK-B).
BARE_SYMBOL_CALENDAR = ("XNYS", "America/New_York", "USD")

# BASE.SFX: base of uppercase letters/digits (and inner hyphens), suffix of 1-3 letters
_SUFFIXED = re.compile(r"^(?P<base>[A-Z0-9](?:[A-Z0-9&-]{0,13}[A-Z0-9])?)(?P<sfx>\.[A-Z]{1,3})$")
# bare US ticker: 1-6 uppercase letters/digits starting with a letter, optional class -B
_BARE = re.compile(r"^[A-Z][A-Z0-9]{0,5}(?:-[A-Z]{1,2})?$")
_FX = re.compile(r"^(?:[A-Z]{3})?(?P<quote>[A-Z]{3})=X$")
_FUTURE = re.compile(r"^[A-Z0-9]{1,6}=F$")
_CRYPTO = re.compile(r"^[A-Z0-9]{2,10}-(?P<quote>USD|EUR|GBP|JPY|USDT|BTC)$")


def register_suffix(
    suffix: str, calendar: str, *, tz: str | None = None, currency: str = "", replace: bool = False
) -> None:
    """Add (or, with ``replace``, change) a Yahoo symbol suffix of the suffix table.

    Parameters
    ----------
    suffix : str
        With or without the dot, e.g. ``".SZ"`` or ``"SZ"``; uppercase letters, 1-3.
    calendar : str
        exchange_calendars code of the sessions symbols with this suffix trade on.
    tz : str, optional
        The sessions' zone; default the calendar's own zone (a different zone is refused:
        daily bars are dated in the exchange's zone).
    currency : str, optional
        Quote currency of the exchange.
    replace : bool, default False
        Allow changing a suffix already in the table.

    Raises
    ------
    InvalidOptionError
        For a malformed suffix, an unknown calendar, a zone that is not the calendar's, or
        a suffix already in the table while ``replace`` is false.
    """
    sfx = suffix if suffix.startswith(".") else "." + suffix
    if not re.fullmatch(r"\.[A-Z]{1,3}", sfx):
        raise InvalidOptionError("suffix", suffix, reason="expected 1-3 uppercase letters, e.g. '.SZ'")
    cal_tz = calendar_zone(calendar)
    if tz is not None and tz != cal_tz:
        raise InvalidOptionError("tz", tz, reason=f"calendar {calendar} runs in {cal_tz}")
    with _lock:
        if sfx in _SUFFIXES and not replace:
            raise InvalidOptionError(
                "suffix", suffix, reason=f"already maps to {_SUFFIXES[sfx][0]}; pass replace=True"
            )
        _SUFFIXES[sfx] = (calendar, cal_tz, currency)


def suffix_table() -> pd.DataFrame:
    """The suffix table: ``suffix, calendar, tz, currency`` (one row per suffix)."""
    with _lock:
        rows = [
            {"suffix": k, "calendar": c, "tz": z, "currency": cur} for k, (c, z, cur) in _SUFFIXES.items()
        ]
    return pd.DataFrame(rows, columns=["suffix", "calendar", "tz", "currency"])


def infer_instrument(symbol: str) -> Instrument | None:
    """The instrument a symbol-shaped, unregistered name stands for, by rule; else None.

    The rules (first that applies): ``BASE.SFX`` with a suffix of :func:`suffix_table`;
    ``XXXYYY=X`` currency pairs; ``XX=F`` futures; ``BTC-USD`` style crypto pairs; bare US
    tickers (``AAPL``, ``BRK-B``) on XNYS. Names with lowercase letters, spaces, a ``^``
    or an unknown suffix are not symbols (None). The registry is not consulted (see
    :func:`resolve_instrument`).

    Parameters
    ----------
    symbol : str
        The name as printed, surrounding spaces ignored.

    Returns
    -------
    Instrument or None
        With ``kind="equity"`` (or ``fx``/``commodity``/``crypto``) and ``rule`` naming
        the rule (``"suffix:.DE"``, ``"bare_symbol:XNYS"``, ...).
    """
    s = str(symbol).strip()
    if not s or len(s) > 20:
        return None
    hit = _INFERRED.get(s)
    if hit is not None:
        inst, sfx, dep = hit
        # the rule's table entry as it is now (the suffix table can change)
        if dep == (_SUFFIXES.get(sfx) if sfx else BARE_SYMBOL_CALENDAR):
            return inst
    m = _SUFFIXED.match(s)
    sfx = m.group("sfx") if m is not None else ""
    inst = _infer(s, sfx)
    if len(_INFERRED) >= _INFERRED_MAX:
        _INFERRED.clear()
    _INFERRED[s] = (inst, sfx, _SUFFIXES.get(sfx) if sfx else BARE_SYMBOL_CALENDAR)
    return inst


#: infer_instrument's answers by name, with the table entry each rests on (checked on use)
_INFERRED: dict[str, tuple[Instrument | None, str, tuple[str, str, str] | None]] = {}
_INFERRED_MAX = 100_000


def _infer(s: str, sfx: str) -> Instrument | None:
    """:func:`infer_instrument` of a stripped name of at most 20 characters and its suffix
    (``""`` when it has none of the ``BASE.SFX`` shape)."""
    if sfx:
        with _lock:
            hit = _SUFFIXES.get(sfx)
        if hit is None:
            return None
        cal, tz, cur = hit
        return Instrument(s, s, cal, tz, cur, "equity", rule=f"suffix:{sfx}")
    m = _FX.match(s)
    if m is not None:
        return Instrument(s, s, None, "Europe/London", m.group("quote"), "fx", rule="suffix:=X")
    if _FUTURE.match(s):
        return Instrument(s, s, None, "America/New_York", "", "commodity", rule="suffix:=F")
    m = _CRYPTO.match(s)
    if m is not None:
        q = m.group("quote")
        return Instrument(s, s, None, "UTC", q, "crypto", rule=f"suffix:-{q}")
    if _BARE.match(s):
        cal, tz, cur = BARE_SYMBOL_CALENDAR
        return Instrument(s, s, cal, tz, cur, "equity", rule=f"bare_symbol:{cal}")
    return None


# ---------------------------------------------------------------------------
# benchmarks per instrument
# ---------------------------------------------------------------------------

#: Home index of each exchange calendar, for ``benchmark="home"`` (Yahoo symbols).
HOME_INDEX: dict[str, str] = {
    "XNYS": "^GSPC",
    "XNAS": "^GSPC",
    "XETR": "^GDAXI",
    "XFRA": "^GDAXI",
    "XDUS": "^GDAXI",
    "XHAM": "^GDAXI",
    "XSTU": "^GDAXI",
    "XPAR": "^FCHI",
    "XAMS": "^AEX",
    "XBRU": "^BFX",
    "XLIS": "PSI20.LS",
    "XMIL": "FTSEMIB.MI",
    "XMAD": "^IBEX",
    "XLON": "^FTSE",
    "XSWX": "^SSMI",
    "XWBO": "^ATX",
    "XSTO": "^OMX",
    "XTKS": "^N225",
    "XHKG": "^HSI",
    "XSHG": "000001.SS",
    "XKRX": "^KS11",
    "XBOM": "^BSESN",
    "XTSE": "^GSPTSE",
    "XASX": "^AXJO",
    "XSTX": "^STOXX50E",
}


def register_home_index(calendar: str, benchmark: str) -> None:
    """Set the home index of an exchange calendar for ``benchmark="home"``.

    Parameters
    ----------
    calendar : str
        exchange_calendars code (``"XCSE"``).
    benchmark : str
        The index's symbol or printed name (``"^OMXC25"``).
    """
    if not isinstance(benchmark, str) or not benchmark.strip():
        raise InvalidOptionError("benchmark", benchmark, reason="empty benchmark name")
    with _lock:
        HOME_INDEX[str(calendar)] = benchmark.strip()


def home_index_table() -> pd.DataFrame:
    """The home-index table: ``calendar, benchmark`` (one row per calendar)."""
    with _lock:
        items = list(HOME_INDEX.items())
    return pd.DataFrame(items, columns=["calendar", "benchmark"])


def benchmark_for(
    symbols: Sequence[str],
    benchmark: str | Mapping[str, str],
    events: pd.DataFrame | None = None,
    *,
    strict: bool = True,
) -> dict[str, str | None]:
    """The benchmark symbol of each instrument.

    Parameters
    ----------
    symbols : sequence of str
        Data symbols of the event instruments.
    benchmark : str or mapping
        ``"home"``: each instrument's home index (:data:`HOME_INDEX` of its calendar).
        The name of a column of ``events``: the benchmark each event names there (one per
        instrument). A mapping instrument -> benchmark (keys are resolved like printed
        names, so ``{"Apple": ...}`` works once registered). Any other string: that one
        benchmark for every instrument.
    events : DataFrame, optional
        The events frame (``symbol`` column), for a column ``benchmark``.
    strict : bool, default True
        Raise for instruments without a benchmark; else map them to None.

    Returns
    -------
    dict
        symbol -> benchmark symbol (None where unknown and ``strict`` is false), in the
        order of ``symbols``.

    Raises
    ------
    ConfigurationError
        For instruments without a benchmark (naming them and the option to pass), or a
        column that names two benchmarks for one instrument.
    """
    syms = [str(s) for s in symbols]
    out: dict[str, str | None]
    how: str
    if isinstance(benchmark, Mapping):
        given: dict[str, str] = {}
        for key, val in benchmark.items():
            given[resolve_symbol(str(key))] = resolve_symbol(str(val))
        out = {s: given.get(s) for s in syms}
        how = "the benchmark mapping has no entry for"
    elif benchmark == "home":
        out = {}
        for s in syms:
            cal = resolve_instrument(s, allow_unregistered_symbol=True).calendar
            with _lock:
                home = HOME_INDEX.get(cal) if cal is not None else None
            out[s] = None if home is None else resolve_symbol(home)
        how = (
            "benchmark='home' knows no home index for (no calendar, or a calendar not in "
            "home_index_table(); add one with mktnews.instruments.register_home_index)"
        )
    elif events is not None and benchmark in events.columns:
        if "symbol" not in events.columns:
            raise ConfigurationError(f"benchmark={benchmark!r} names a column, but the events have no 'symbol'")
        pairs = pd.DataFrame(
            {"symbol": events["symbol"].astype("str"), "b": events[benchmark].astype("str")}
        ).dropna()
        pairs = pairs[pairs["b"].str.strip() != ""].drop_duplicates()
        n = pairs.groupby("symbol")["b"].nunique()
        multi = sorted(str(x) for x in n.index[n > 1])
        if multi:
            raise ConfigurationError(
                f"benchmark column {benchmark!r} names more than one benchmark for {multi}; "
                "an instrument's market model has one benchmark"
            )
        col = dict(zip(pairs["symbol"], pairs["b"], strict=True))
        out = {s: resolve_symbol(col[s]) if s in col else None for s in syms}
        how = f"benchmark column {benchmark!r} is empty for"
    else:
        one = resolve_symbol(str(benchmark))
        return dict.fromkeys(syms, one)
    missing = [s for s in syms if out[s] is None]
    if missing and strict:
        raise ConfigurationError(f"{how} {missing}")
    return out


def read_benchmark_map(path: str | PathLike[str]) -> dict[str, str]:
    """Read a CSV ``instrument,benchmark`` (one instrument per row) into a mapping.

    A header row ``instrument,benchmark`` is optional. Blank lines are skipped.

    Raises
    ------
    ConfigurationError
        Naming the file and row of a malformed line, an empty field, or an instrument
        listed twice with different benchmarks.
    """
    import csv

    out: dict[str, str] = {}
    try:
        fh = open(path, newline="", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise ConfigurationError(f"benchmark map {path}: {exc.strerror or exc}") from exc
    with fh:
        for i, row in enumerate(csv.reader(fh), start=1):
            if not row or all(not c.strip() for c in row):
                continue
            if i == 1 and [c.strip().lower() for c in row] == ["instrument", "benchmark"]:
                continue
            if len(row) != 2 or not row[0].strip() or not row[1].strip():
                raise ConfigurationError(
                    f"{path}: row {i}: expected 'instrument,benchmark' (two non-empty fields), got {row}"
                )
            key, val = row[0].strip(), row[1].strip()
            if key in out and out[key] != val:
                raise ConfigurationError(
                    f"{path}: row {i}: {key!r} already has benchmark {out[key]!r} (now {val!r})"
                )
            out[key] = val
    if not out:
        raise ConfigurationError(f"{path}: no 'instrument,benchmark' rows")
    return out


def resolve_instruments(names: Sequence[object]) -> list[Instrument | None]:
    """:func:`resolve_instrument` of each name (``infer=True``) against one snapshot of the
    registry, None where it would raise :class:`UnknownInstrumentError` (a name that is
    not a non-blank string, or neither registered nor symbol-shaped). One look-up per name
    and no exception raised: the batch form the alignment uses for thousands of names."""
    with _lock:
        keys = dict(_BY_KEY)
        by_symbol = dict(_BY_SYMBOL)
    out: list[Instrument | None] = []
    for name in names:  # per name: a normalisation (kept), a look-up, else the rules (kept)
        if not isinstance(name, str) or not name.strip():
            out.append(None)
            continue
        symbol = keys.get(normalize_name(name))
        out.append(by_symbol[symbol] if symbol is not None else infer_instrument(name))
    return out


def resolve_symbol(name: str) -> str:
    """The data symbol for a printed name, or the name itself if it is not registered."""
    return resolve_instrument(name, allow_unregistered_symbol=True).symbol


def resolve_symbols(names: Sequence[str]) -> list[str]:
    """:func:`resolve_symbol` of each name, against one snapshot of the registry: a
    registered name's symbol, else the name without surrounding spaces (what every rule
    of :func:`infer_instrument` and an unregistered symbol resolve to).

    Raises
    ------
    UnknownInstrumentError
        For a name that is not a non-blank string.
    """
    with _lock:
        keys = dict(_BY_KEY)
    out: list[str] = []
    for name in names:  # per name: one normalisation, one look-up (no Instrument built)
        if not isinstance(name, str) or not name.strip():
            raise UnknownInstrumentError(str(name))
        out.append(keys.get(normalize_name(name)) or name.strip())
    return out


def registered_instruments() -> tuple[Instrument, ...]:
    """A snapshot of the registry: every registered instrument, in registration order."""
    with _lock:
        return tuple(_BY_SYMBOL.values())


def registered_instrument(symbol: str) -> Instrument | None:
    """The instrument registered under the data symbol ``symbol``, or None."""
    with _lock:
        return _BY_SYMBOL.get(symbol)


def known_instrument_keys() -> dict[str, str]:
    """A snapshot of the registry's names: normalised printed name/alias/symbol -> symbol."""
    with _lock:
        return dict(_BY_KEY)


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
            _rule="registry",
        )


_register_builtin()
