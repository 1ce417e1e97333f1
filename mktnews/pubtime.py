"""Publication times: parse a column (or the caller's values) into UTC timestamps.

One strict parser: a value is read only when every part of it is understood, else its row
is rejected with the reason. Accepted forms (see :func:`parse_times`):

- datetime64 columns, ``datetime``/``date``/``pandas.Timestamp`` objects;
- ISO 8601: ``2024-11-27``, ``2024-11-27 14:35``, ``2024-11-27T14:35:00.123+01:00``,
  ``...Z``, ``...+0100``, ``...+01``;
- compact: GDELT ``20241127143500`` (``YYYYMMDDHHMMSS``), ``20241127T143500``, ``20241127``;
- German: ``27.11.2024``, ``27.11.2024 14:35``, ``27.11.2024, 14.35 Uhr``,
  ``27. November 2024, 14:35 Uhr``;
- month names, day first: ``27 Nov 2024 14:35``, strict RFC 2822
  ``Wed, 27 Nov 2024 14:35:00 +0100`` (the weekday, when given, must match the date);
- month names, month first (US): ``Nov 27, 2024 8:05 PM``, ``November 27, 2024 at 8:05 p.m.``;
- slashed: ``11/27/2024 08:05 PM``, ``27/11/2024 14:35`` (see ``dayfirst``);
- epoch numbers (numeric values or digit strings) only with ``time_unit``.

Any clock may be followed by a UTC offset (``+01:00``, ``Z``) and/or a zone word. Zone words
(:data:`ZONE_WORDS`) are mapped to a zone and its daylight-saving rule, and the mapping is
written to the row's notes; a word that names daylight (or standard) time on a date when
its zone is on the other (``EDT`` in January, ``BST`` in November) rejects the row; an
ambiguous (``IST``, ``CST``) or unknown word rejects the row.

Naive values (no offset, no zone word) need ``tz=``; without it :class:`ArticleError` is
raised, because guessing a zone would shift every event. Date-only values keep
``time_precision="day"``: their ``published_at`` is 00:00 UTC of the printed date (the date
is what counts, whatever ``tz``). Times outside 1678-01-01 .. 2261-12-31 (pandas'
nanosecond range, e.g. sentinels ``9999-12-31``) reject their row. Nothing depends on
today's date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from mktnews.errors import ArticleError

__all__ = ["ZONE_WORDS", "ParsedTimes", "parse_times", "parse_times_full"]

UTC_NS: Final = "datetime64[ns, UTC]"
TIME_UNITS: Final = ("s", "ms", "us", "ns")
_NS_PER: Final = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
_NAT = np.iinfo(np.int64).min
_YEAR_MIN, _YEAR_MAX = 1678, 2261

#: Zone words read in time values: word -> (IANA zone, daylight flag). The flag is True for
#: a word naming daylight time, False for standard time, None for "whatever the zone's rule
#: says". ``UTC``/``UT``/``GMT``/``Z`` are UTC+00:00.
ZONE_WORDS: Final[dict[str, tuple[str, bool | None]]] = {
    "UTC": ("UTC", None),
    "UT": ("UTC", None),
    "GMT": ("UTC", None),
    "Z": ("UTC", None),
    "ET": ("America/New_York", None),
    "EST": ("America/New_York", False),
    "EDT": ("America/New_York", True),
    "CT": ("America/Chicago", None),
    "PT": ("America/Los_Angeles", None),
    "PST": ("America/Los_Angeles", False),
    "PDT": ("America/Los_Angeles", True),
    "CET": ("Europe/Berlin", False),
    "MEZ": ("Europe/Berlin", False),
    "CEST": ("Europe/Berlin", True),
    "MESZ": ("Europe/Berlin", True),
    "BST": ("Europe/London", True),
    "WET": ("Europe/Lisbon", False),
    "WEST": ("Europe/Lisbon", True),
    "EET": ("Europe/Helsinki", False),
    "EEST": ("Europe/Helsinki", True),
    "JST": ("Asia/Tokyo", None),
    "HKT": ("Asia/Hong_Kong", None),
    "SGT": ("Asia/Singapore", None),
    "KST": ("Asia/Seoul", None),
    "AEST": ("Australia/Sydney", False),
    "AEDT": ("Australia/Sydney", True),
}
#: Words RFC 2822 defines (US zones) that are ambiguous elsewhere: read only in the RFC shape
#: (``Wed, 27 Nov 2024 14:35:00 CST``).
_RFC_ONLY: Final[dict[str, tuple[str, bool | None]]] = {
    "CST": ("America/Chicago", False),
    "CDT": ("America/Chicago", True),
    "MST": ("America/Denver", False),
    "MDT": ("America/Denver", True),
}
#: Zone words that name several zones: a value carrying one is rejected.
AMBIGUOUS_ZONE_WORDS: Final[dict[str, str]] = {
    "IST": "India, Irish or Israel Standard Time",
    "CST": "US Central, China or Cuba Standard Time",
    "CDT": "US Central or Cuba Daylight Time",
    "MST": "US Mountain Time with or without daylight saving (Arizona)",
    "MDT": "US or Mexican Mountain Daylight Time",
    "AST": "Atlantic or Arabia Standard Time",
    "ADT": "Atlantic or Arabia Daylight Time",
    "SST": "Samoa or Singapore Standard Time",
    "GST": "Gulf or South Georgia Standard Time",
    "ECT": "Ecuador or Eastern Caribbean Time",
}

_MONTHS: Final[dict[str, int]] = {}
for _k, _names in enumerate(
    (
        ("jan", "january", "januar", "jän", "jänner"),
        ("feb", "february", "februar"),
        ("mar", "march", "mär", "märz", "maerz"),
        ("apr", "april"),
        ("may", "mai"),
        ("jun", "june", "juni"),
        ("jul", "july", "juli"),
        ("aug", "august"),
        ("sep", "sept", "september"),
        ("oct", "october", "okt", "oktober"),
        ("nov", "november"),
        ("dec", "december", "dez", "dezember"),
    ),
    start=1,
):
    for _n in _names:
        _MONTHS[_n] = _k
_WEEKDAYS: Final[dict[str, int]] = {}
for _k, _names in enumerate(
    (
        ("mon", "monday", "mo", "montag"),
        ("tue", "tues", "tuesday", "di", "dienstag"),
        ("wed", "wednesday", "mi", "mittwoch"),
        ("thu", "thur", "thurs", "thursday", "do", "donnerstag"),
        ("fri", "friday", "fr", "freitag"),
        ("sat", "saturday", "sa", "samstag", "sonnabend"),
        ("sun", "sunday", "so", "sonntag"),
    )
):
    for _n in _names:
        _WEEKDAYS[_n] = _k

_CLOCK = (
    r"(?P<H>\d{1,2})[:.](?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"(?:\s*(?P<ampm>[AaPp])\.?\s?[Mm]\.?)?(?:\s*Uhr)?"
    r"(?:\s*(?P<off>Z|[+-]\d{2}(?::?\d{2})?))?(?:\s*\(?(?P<word>[A-Za-z]{1,5})\)?)?"
)
_WORDCHARS = r"[^\W\d_]"
_FORMS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    (
        "iso",
        re.compile(
            r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:(?:T|\s+)"
            r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
            r"(?:\s*(?P<ampm>[AaPp])\.?\s?[Mm]\.?)?"
            r"(?:\s*(?P<off>Z|[+-]\d{2}(?::?\d{2})?))?(?:\s*\(?(?P<word>[A-Za-z]{1,5})\)?)?)?$"
        ),
    ),
    (
        "compact",
        re.compile(
            r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:T?(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})"
            r"(?:[.,](?P<f>\d{1,9}))?(?P<off>Z|[+-]\d{2}:?\d{2})?)?$"
        ),
    ),
    (
        "german",
        re.compile(
            r"^(?P<d>\d{1,2})\.\s?(?P<m>\d{1,2})\.\s?(?P<y>\d{4})(?:,?\s+(?:um\s+)?"
            + _CLOCK
            + r")?$",
            re.I,
        ),
    ),
    (
        "day_month",
        re.compile(
            rf"^(?:(?P<dow>{_WORDCHARS}{{2,9}})\.?,?\s+)?(?P<d>\d{{1,2}})\.?\s+"
            rf"(?P<mon>{_WORDCHARS}{{3,9}})\.?,?\s+(?P<y>\d{{4}})"
            r"(?:,?\s+(?:at\s+|um\s+)?" + _CLOCK + r")?$",
            re.I,
        ),
    ),
    (
        "month_day",
        re.compile(
            rf"^(?:(?P<dow>{_WORDCHARS}{{2,9}})\.?,?\s+)?(?P<mon>{_WORDCHARS}{{3,9}})\.?\s+"
            r"(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})"
            r"(?:,?\s+(?:at\s+)?" + _CLOCK + r")?$",
            re.I,
        ),
    ),
    (
        "slashed",
        re.compile(r"^(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})(?:,?\s+" + _CLOCK + r")?$", re.I),
    ),
)
_PARTS = ("y", "m", "d", "a", "b", "mon", "dow", "H", "M", "S", "f", "ampm", "off", "word")
_INVISIBLE = "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad]"
_SPACES = "[\u00a0\u2007\u202f\u2009\u2002-\u2006\u3000]"
_EPOCH_STR = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
#: Legacy fixed-offset zone names that look like local time but have no daylight saving.
FIXED_OFFSET_NAMES: Final = frozenset(
    {"EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT"}
)


@dataclass(frozen=True)
class ParsedTimes:
    """Result of :func:`parse_times_full` (all per input value, in order).

    Attributes
    ----------
    times : Series
        ``datetime64[ns, UTC]``; NaT for missing or rejected values.
    reasons : list
        A message for each rejected value, else None.
    notes : list of str
        What the parser inferred for each value ("" when nothing).
    precision : list
        ``"exact"`` (a clock time), ``"day"`` (a date only: ``times`` is 00:00 UTC of the
        printed date) or None (missing or rejected).
    """

    times: pd.Series
    reasons: list[str | None]
    notes: list[str]
    precision: list[str | None]


def _describe(where: Sequence[str], i: int) -> str:
    return where[i] if i < len(where) else f"row {i}"


def _naive_error(what: str, example: object, where: str) -> ArticleError:
    return ArticleError(
        f"publication times in {what} have no time zone (e.g. {example!r} at {where}); "
        "name their zone with tz='Europe/Berlin' (or another IANA name), or give values "
        "with a UTC offset such as '2024-11-27T14:35:00+01:00'"
    )


def _range_reason(value: object, what: str) -> str:
    return (
        f"publication time {value!r} in {what} is outside the supported range "
        f"{_YEAR_MIN}-01-01 .. {_YEAR_MAX}-12-31 (a placeholder or a typo?)"
    )


def _dst_reason(value: object, what: str, tz: str) -> str:
    return (
        f"publication time {value!r} in {what} does not exist or is ambiguous in {tz} "
        "(daylight-saving change); give it with a UTC offset"
    )


def _int_to_ns(ints: np.ndarray, unit: str) -> tuple[np.ndarray, np.ndarray]:
    """(ns, in_range) for int64 counts of ``unit`` since the epoch (no overflow)."""
    mult = _NS_PER[unit]
    lo = pd.Timestamp(f"{_YEAR_MIN}-01-01").value // mult
    hi = pd.Timestamp(f"{_YEAR_MAX}-12-31 23:59:59.999999999").value // mult
    ok = (ints >= lo) & (ints <= hi) & (ints != _NAT)
    out = np.full(ints.shape, _NAT, dtype=np.int64)
    out[ok] = ints[ok] * mult
    return out, ok


def _datetime64_ns(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ns as if UTC, present, in_range) of a datetime64 Series of any unit (naive or
    aware: aware ones are taken in UTC)."""
    arr = values.dt.tz_convert("UTC").dt.tz_localize(None) if values.dt.tz is not None else values
    unit = np.datetime_data(arr.to_numpy().dtype)[0]
    ints = arr.to_numpy().view(np.int64)
    present = ints != _NAT
    if unit not in _NS_PER:  # "D" etc.: through seconds
        ints = arr.to_numpy().astype("M8[s]").view(np.int64)
        unit = "s"
    ns, ok = _int_to_ns(ints, unit)
    return ns, present, ok & present


def _localize(
    naive_ns: np.ndarray, tz: str, ambiguous: Any = "NaT"
) -> tuple[np.ndarray, np.ndarray]:
    """(UTC ns, is_dst) of naive wall-clock ns in ``tz``; NaT where the time does not
    exist or is ambiguous (unless ``ambiguous`` is a bool array saying which is meant)."""
    idx = pd.DatetimeIndex(naive_ns.view("M8[ns]"))
    local = idx.tz_localize(tz, ambiguous=ambiguous, nonexistent="NaT")
    utc = local.tz_convert("UTC").tz_localize(None).asi8.copy()
    present = ~np.asarray(local.isna())
    dst = np.zeros(len(local), dtype=bool)
    if present.any():
        # standard offset = the smaller of the offsets on 1 January and 1 July of that year
        years = idx[present].year.to_numpy()
        jan = pd.to_datetime(pd.DataFrame({"year": years, "month": 1, "day": 1}))
        jul = pd.to_datetime(pd.DataFrame({"year": years, "month": 7, "day": 1}))

        def offset(x: pd.Series) -> np.ndarray:
            naive = x.dt.as_unit("ns").to_numpy().view(np.int64)
            loc = pd.DatetimeIndex(x).tz_localize(tz).tz_convert("UTC").tz_localize(None)
            return naive - loc.as_unit("ns").asi8

        std = np.minimum(offset(jan), offset(jul))
        here = naive_ns[present] - utc[present]
        dst[present] = here > std
    utc[~present] = _NAT
    return utc, dst


def _offset_minutes(off: pd.Series) -> pd.Series:
    """'+01:00', '+0100', '+01', 'Z' -> minutes east of UTC (NaN where absent)."""
    o = off.str.replace(":", "", regex=False)
    z = o.str.upper() == "Z"
    sign = o.str.slice(0, 1).map({"+": 1.0, "-": -1.0})
    hh = pd.to_numeric(o.str.slice(1, 3), errors="coerce")
    mm = pd.to_numeric(o.str.slice(3, 5).replace("", "0"), errors="coerce").fillna(0.0)
    minutes = sign * (hh * 60 + mm)
    bad = (hh > 18) | (mm >= 60)
    minutes = minutes.where(~bad, np.inf)
    return minutes.where(~z, 0.0)


def _clean(s: pd.Series) -> pd.Series:
    s = s.str.replace(_INVISIBLE, "", regex=True).str.replace(_SPACES, " ", regex=True)
    return s.str.replace(r"\s+", " ", regex=True).str.strip()


class _Rows:
    """Per-value outputs shared by the parsing steps (numpy arrays: set by masks)."""

    def __init__(self, n: int) -> None:
        self.ns = np.full(n, _NAT, dtype=np.int64)
        self.reasons: list[str | None] = [None] * n
        self.bad = np.zeros(n, dtype=bool)
        self.notes = np.full(n, "", dtype=object)
        self.precision = np.full(n, None, dtype=object)
        self.naive = np.zeros(n, dtype=bool)  # ns holds a wall-clock time awaiting tz

    def reject(self, p: int, reason: str) -> None:
        self.reasons[p] = reason
        self.bad[p] = True
        self.ns[p] = _NAT
        self.naive[p] = False
        self.precision[p] = None

    def scatter(self, pos: np.ndarray, sub: _Rows, codes: np.ndarray) -> None:
        """Set rows ``pos`` to the rows ``codes`` of ``sub`` (rows parsed once per value)."""
        self.ns[pos] = sub.ns[codes]
        self.bad[pos] = sub.bad[codes]
        self.notes[pos] = sub.notes[codes]
        self.precision[pos] = sub.precision[codes]
        self.naive[pos] = sub.naive[codes]
        reasons = np.asarray([*self.reasons, None], dtype=object)[:-1]
        reasons[pos] = np.asarray([*sub.reasons, None], dtype=object)[:-1][codes]
        self.reasons = reasons.tolist()

    def note(self, pos: np.ndarray, text: str) -> None:
        if len(pos):
            cur = self.notes[pos]
            self.notes[pos] = np.where(cur == "", text, cur + ("; " + text))


#: Fast path: plain ISO 8601 (two-digit fields, '.' fractions, years 1700-2199, an offset of
#: at most 18 hours or none), read by one ``pd.to_datetime`` call. Anything it cannot read
#: (NaT: 30 February, hour 24, ...) goes through the strict per-form path, so results,
#: notes and rejections are those of that path.
_ISO_FAST = r"(?:1[7-9]|2[01])\d{2}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?"
_ISO_FAST_AWARE: Final = re.compile(_ISO_FAST + r"(?:Z|[+-](?:0\d|1[0-8]):[0-5]\d)")
_ISO_FAST_NAIVE: Final = re.compile(_ISO_FAST)


def _fullmatch(s: pd.Series, pattern: re.Pattern[str]) -> np.ndarray:
    """``s.str.fullmatch(pattern)`` as a bool array (missing values: False). Strings held
    by pyarrow are matched by its regex engine directly, as pandas does for a pattern it
    can hand over (every fast-path pattern here can), without pandas parsing the pattern
    again on each call."""
    arrow = getattr(s.array, "_pa_array", None)
    if arrow is None:
        return s.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
    hit = pc.match_substring_regex(arrow, f"^(?:{pattern.pattern})$")
    return pc.fill_null(hit, False).to_numpy(zero_copy_only=False)


def _iso_fast(strs: pd.Series, rows: _Rows) -> pd.Series:
    """Read the plain ISO 8601 values of ``strs`` (index = positions) into ``rows``;
    return the values left for the per-form path."""
    s = strs.astype("str")
    done = np.zeros(len(s), dtype=bool)
    for pat, aware in ((_ISO_FAST_AWARE, True), (_ISO_FAST_NAIVE, False)):
        hit = _fullmatch(s, pat) & ~done
        if not hit.any():
            continue
        t = pd.to_datetime(s[hit], format="ISO8601", utc=aware, errors="coerce")
        ns = pd.DatetimeIndex(t).as_unit("ns").asi8
        ok = ns != _NAT
        pos = s.index.to_numpy(dtype=np.int64)[hit][ok]
        rows.ns[pos] = ns[ok]
        rows.precision[pos] = "exact"
        rows.naive[pos] = not aware
        done[np.flatnonzero(hit)[ok]] = True
    left = strs[~done]
    return _us_et_fast(left, rows) if len(left) else left


_US_ET_FAST: Final = re.compile(
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, (?:1[7-9]|2[01])\d{2} "
    r"\d{1,2}:\d{2} [AP]M ET"
)


def _us_et_fast(strs: pd.Series, rows: _Rows) -> pd.Series:
    """Read ``Nov 27, 2024 8:05 PM ET`` values of ``strs`` into ``rows`` (as the per-form
    path does, with its note); invalid clocks and times the autumn/spring change makes
    ambiguous or nonexistent are left for the per-form path (which rejects them)."""
    s = strs.astype("str")
    hit = _fullmatch(s, _US_ET_FAST)
    if not hit.any():
        return strs
    t = pd.to_datetime(s[hit].str.slice(0, -3), format="%b %d, %Y %I:%M %p", errors="coerce")
    naive = pd.DatetimeIndex(t).as_unit("ns").asi8
    ok = naive != _NAT
    utc = np.full(naive.shape, _NAT, dtype=np.int64)
    if ok.any():
        utc[ok], _dst = _localize(naive[ok], ZONE_WORDS["ET"][0])
    ok &= utc != _NAT
    pos = s.index.to_numpy(dtype=np.int64)[hit][ok]
    rows.ns[pos] = utc[ok]
    rows.precision[pos] = "exact"
    rows.note(pos, "zone word 'ET' read as America/New_York (its daylight-saving rules)")
    done = np.zeros(len(s), dtype=bool)
    done[np.flatnonzero(hit)[ok]] = True
    return strs[~done]


def _parse_strings(
    strs: pd.Series,
    rows: _Rows,
    what: str,
    dayfirst: bool | None,
    time_unit: str | None,
) -> None:
    """Parse strings (index = positions) into ``rows``."""
    strs = _iso_fast(strs, rows)
    if strs.empty:
        return
    s = _clean(strs.astype("str"))
    s = s[s != ""]
    if s.empty:
        return
    found = _match_forms(strs, s, rows, what, time_unit)
    if not found:
        return
    parts = pd.concat(found).reindex(columns=[*_PARTS, "form"]).astype(object)
    orig = strs.loc[parts.index]
    _resolve_slashed(parts, orig, rows, what, dayfirst)
    parts = _alive(parts, rows)
    if parts.empty:
        return
    parts = _month_names(parts, orig, rows, what)
    if parts.empty:
        return
    orig = strs.loc[parts.index]
    base, timed, pidx = _clock_values(parts, orig, rows, what)
    keep = ~rows.bad[pidx]
    parts, base, has_clock, pidx = parts[keep], base[keep], timed[keep], pidx[keep]
    orig = orig[keep]
    day_only = ~has_clock
    if day_only.any():
        dp = pidx[day_only]
        rows.ns[dp] = base[day_only]
        rows.precision[dp] = "day"
        rows.note(dp, "date only (time_precision='day'; published_at is 00:00 UTC of that date)")
    pos, base, parts, orig = pidx[has_clock], base[has_clock], parts[has_clock], orig[has_clock]
    if not len(pos):
        return
    rows.precision[pos] = "exact"
    off_min = _offset_minutes(parts["off"].astype("str")).to_numpy(dtype=float)
    words = parts["word"].str.upper().to_numpy(dtype=object)
    rfc = (parts["form"] == "day_month").to_numpy()
    has_off = ~np.isnan(off_min)
    has_word = np.asarray([isinstance(w, str) for w in words], dtype=bool)
    # offsets
    for k in _where(has_off & np.isinf(off_min)):
        rows.reject(int(pos[k]), f"publication time {orig.iat[k]!r} in {what}: invalid UTC offset")
    by_off = has_off & ~np.isinf(off_min)
    off_utc = base - np.where(by_off, off_min, 0).astype(np.int64) * 60 * 10**9
    sel = by_off & ~has_word
    rows.ns[pos[sel]] = off_utc[sel]
    for w in sorted({str(x) for x in words[has_word]}):
        _zone_word(w, has_word & (words == w), rfc, pos, base, by_off, off_utc, orig, rows, what)
    # naive clock times: localised later with tz
    nv = ~has_off & ~has_word
    rows.ns[pos[nv]] = base[nv]
    rows.naive[pos[nv]] = True


def _match_forms(
    strs: pd.Series, s: pd.Series, rows: _Rows, what: str, time_unit: str | None
) -> list[pd.DataFrame]:
    """The parts of each cleaned string ``s`` by the first accepted form it matches (epoch
    numbers with ``time_unit`` go to ``rows`` directly); the others are rejected."""
    epoch = s.str.match(_EPOCH_STR).astype(bool)
    if time_unit is not None and epoch.any():
        nums = pd.to_numeric(s[epoch], errors="coerce")
        _numbers(nums, rows, what, time_unit, s[epoch])
        s = s[~epoch]
    found: list[pd.DataFrame] = []
    rest = s
    for form, pat in _FORMS:
        if rest.empty:
            break
        got = rest.str.extract(pat)
        hit = got.notna().any(axis=1).to_numpy()
        if hit.any():
            g = got[hit].astype(object)
            g["form"] = form
            found.append(g)
        rest = rest[~hit]
    for p in rest.index:
        v = strs.loc[p]
        if time_unit is None and _EPOCH_STR.match(str(s.loc[p])):
            rows.reject(
                int(p),
                f"publication time {v!r} in {what} is a number; if it is an epoch, pass "
                "time_unit='s' (or 'ms', 'us', 'ns'); it is never guessed from its size",
            )
        else:
            rows.reject(
                int(p),
                f"unparseable publication time {v!r} in {what} (not one of the accepted "
                "forms: ISO 8601, RFC 2822, German, US with AM/PM, YYYYMMDDHHMMSS)",
            )
    return found


def _month_names(parts: pd.DataFrame, orig: pd.Series, rows: _Rows, what: str) -> pd.DataFrame:
    """Month names turned into month numbers (an unknown name rejects its row)."""
    # months by name
    named = parts["mon"].notna().to_numpy()
    if named.any():
        mon = parts.loc[named, "mon"].str.lower().map(_MONTHS)
        for p in mon.index[mon.isna().to_numpy()]:
            rows.reject(
                int(p),
                f"publication time {orig[p]!r} in {what}: unknown month name {parts.at[p, 'mon']!r}",
            )
        okm = mon.notna().to_numpy()
        parts.loc[mon.index[okm], "m"] = mon[okm].astype(int).astype(str)
        parts = _alive(parts, rows)
        if parts.empty:
            return parts
    return parts


def _clock_values(
    parts: pd.DataFrame, orig: pd.Series, rows: _Rows, what: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local wall-clock instants (ns, before any zone) of the parts, whether each has a
    clock time, and their positions; out-of-range, invalid and wrong-weekday values are
    rejected in ``rows``."""
    num = {
        c: pd.to_numeric(parts[c].astype("str"), errors="coerce").to_numpy(dtype=float)
        for c in ("y", "m", "d", "H", "M", "S")
    }
    timed = ~np.isnan(num["H"])
    hour = np.nan_to_num(num["H"], nan=0.0)
    ampm = parts["ampm"].str.lower().to_numpy(dtype=object)
    has_ampm = np.asarray([isinstance(x, str) for x in ampm], dtype=bool)
    bad_ampm = has_ampm & ((hour < 1) | (hour > 12))
    hour = np.where(has_ampm, (hour % 12) + np.where(ampm == "p", 12, 0), hour)
    frac = parts["f"].fillna("").str.ljust(9, "0").replace("", "0")
    frac_ns = pd.to_numeric(frac, errors="coerce").fillna(0).to_numpy(dtype=np.int64)
    year = num["y"]
    minute = np.nan_to_num(num["M"], nan=0.0)
    second = np.nan_to_num(num["S"], nan=0.0)
    out_range = (year < _YEAR_MIN) | (year > _YEAR_MAX)
    clock_bad = (hour > 23) | (minute > 59) | (second > 59)
    frame = pd.DataFrame(
        {
            "year": np.where(out_range, 2000, year),
            "month": num["m"],
            "day": num["d"],
            "hour": hour,
            "minute": minute,
            "second": second,
        }
    )
    stamp = pd.to_datetime(frame, errors="coerce")
    base = stamp.dt.as_unit("ns").to_numpy().view(np.int64).copy()
    invalid = base == _NAT
    base = np.where(invalid, _NAT, base + frac_ns)
    weekday = stamp.dt.day_of_week.to_numpy(dtype=float)
    pidx = parts.index.to_numpy(dtype=np.int64)
    for k in _where(out_range | bad_ampm | clock_bad | invalid):
        ip = int(pidx[k])
        v = orig.iat[k]
        if out_range[k]:
            rows.reject(ip, _range_reason(v, what))
        elif bad_ampm[k]:
            rows.reject(ip, f"publication time {v!r} in {what}: hour {int(num['H'][k])} with AM/PM")
        else:
            rows.reject(ip, f"publication time {v!r} in {what} is not a valid date and time")
    # weekday names must match the date
    dow = parts["dow"].to_numpy(dtype=object)
    for k in _where(np.asarray([isinstance(x, str) for x in dow], dtype=bool) & ~rows.bad[pidx]):
        ip = int(pidx[k])
        wk = _WEEKDAYS.get(str(dow[k]).lower().rstrip("."))
        if wk is None:
            rows.reject(
                ip, f"publication time {orig.iat[k]!r} in {what}: unknown weekday {dow[k]!r}"
            )
        elif wk != weekday[k]:
            rows.reject(
                ip,
                f"publication time {orig.iat[k]!r} in {what}: the weekday does not match the date",
            )
    return base, timed, pidx


def _zone_word(
    w: str, m: np.ndarray, rfc: np.ndarray, pos: np.ndarray, base: np.ndarray,
    by_off: np.ndarray, off_utc: np.ndarray, orig: pd.Series, rows: _Rows, what: str,
) -> None:
    """The instants of the values (mask ``m``) whose zone word is ``w``: mapped with its
    zone's DST rule; ambiguous, unknown or contradicting words reject their rows."""
    entry = ZONE_WORDS.get(w)
    rfc_entry = _RFC_ONLY.get(w)
    if entry is None and rfc_entry is not None:
        for k in _where(m & ~rfc):
            rows.reject(
                int(pos[k]),
                f"publication time {orig.iat[k]!r} in {what}: zone word {w!r} is ambiguous "
                f"({AMBIGUOUS_ZONE_WORDS[w]}); give a UTC offset or tz= with a naive value",
            )
        m, entry = m & rfc, rfc_entry
    if entry is None:
        why = (
            f"is ambiguous ({AMBIGUOUS_ZONE_WORDS[w]})"
            if w in AMBIGUOUS_ZONE_WORDS
            else "is not a zone word mktnews knows"
        )
        for k in _where(m):
            rows.reject(
                int(pos[k]),
                f"publication time {orig.iat[k]!r} in {what}: zone word {w!r} {why}; give a "
                "UTC offset, or remove the word and pass tz=",
            )
        return
    if not m.any():
        return
    ks = np.flatnonzero(m)
    zone, want_dst = entry
    amb: Any = "NaT" if want_dst is None else np.full(ks.size, want_dst)
    utc, is_dst = _localize(base[ks], zone, amb)
    kind = (
        "its daylight-saving rules"
        if want_dst is None
        else ("daylight time" if want_dst else "standard time")
    )
    gap = utc == _NAT
    contra = ~gap & (want_dst is not None) & (zone != "UTC") & (is_dst != bool(want_dst))
    clash = ~gap & ~contra & by_off[ks] & (off_utc[ks] != utc)
    for j in _where(gap | contra | clash):
        k = int(ks[j])
        v = orig.iat[k]
        if gap[j]:
            rows.reject(int(pos[k]), _dst_reason(v, what, zone))
        elif contra[j]:
            on = "daylight" if is_dst[j] else "standard"
            rows.reject(
                int(pos[k]),
                f"publication time {v!r} in {what}: zone word {w!r} means {zone} "
                f"{kind}, but {zone} is on {on} time on that date; correct the value "
                "or give it with a UTC offset",
            )
        else:
            rows.reject(
                int(pos[k]),
                f"publication time {v!r} in {what}: its UTC offset and zone word {w!r} disagree",
            )
    good = ~(gap | contra | clash)
    rows.ns[pos[ks[good]]] = utc[good]
    if w not in ("UTC", "UT", "Z"):
        rows.note(pos[ks[good]], f"zone word {w!r} read as {zone} ({kind})")


def _where(mask: np.ndarray) -> list[int]:
    """Positions where ``mask`` is true, as Python ints (for the loops over rejected rows)."""
    return [int(x) for x in np.flatnonzero(mask)]


def _alive(parts: pd.DataFrame, rows: _Rows) -> pd.DataFrame:
    """The rows of ``parts`` not rejected yet."""
    return parts[~rows.bad[parts.index.to_numpy(dtype=np.int64)]]


def _resolve_slashed(
    parts: pd.DataFrame, orig: pd.Series, rows: _Rows, what: str, dayfirst: bool | None
) -> None:
    sl = parts["form"] == "slashed"
    if not sl.any():
        return
    a = pd.to_numeric(parts.loc[sl, "a"])
    b = pd.to_numeric(parts.loc[sl, "b"])
    note = ""
    if dayfirst is None:
        a_day, b_day = bool((a > 12).any()), bool((b > 12).any())
        if a_day and not b_day:
            dayfirst = True
            ex = orig[a.index[(a > 12).to_numpy()][0]]
            note = f"slashed dates read day first (DD/MM/YYYY): the column has {ex!r}"
        elif b_day and not a_day:
            dayfirst = False
            ex = orig[b.index[(b > 12).to_numpy()][0]]
            note = f"slashed dates read month first (MM/DD/YYYY): the column has {ex!r}"
        else:
            why = (
                "the column has both day-first and month-first dates"
                if a_day and b_day
                else "day and month cannot be told apart (no value has a day > 12)"
            )
            for p in a.index:
                rows.reject(
                    int(p),
                    f"slashed date {orig[p]!r} in {what} is ambiguous: {why}; pass "
                    "dayfirst=True (DD/MM/YYYY) or dayfirst=False (MM/DD/YYYY)",
                )
            return
    parts.loc[a.index, "d"] = (a if dayfirst else b).astype(int).astype(str)
    parts.loc[a.index, "m"] = (b if dayfirst else a).astype(int).astype(str)
    if note:
        rows.note(a.index.to_numpy(dtype=np.int64), note)


def _numbers(
    nums: pd.Series, rows: _Rows, what: str, time_unit: str | None, shown: pd.Series | None = None
) -> None:
    """Epoch numbers (index = positions)."""
    shown = nums if shown is None else shown
    if time_unit is None:
        for p in nums.index:
            rows.reject(
                int(p),
                f"publication time {shown[p]!r} in {what} is a number; if it is an epoch, "
                "pass time_unit='s' (or 'ms', 'us', 'ns'); the unit is never guessed from "
                "its size (YYYYMMDDHHMMSS values must be given as strings)",
            )
        return
    vals = nums.to_numpy(dtype=float)
    mult = _NS_PER[time_unit]
    with np.errstate(invalid="ignore", over="ignore"):
        ns_f = vals * mult
    lo = pd.Timestamp(f"{_YEAR_MIN}-01-01").value
    hi = pd.Timestamp(f"{_YEAR_MAX}-12-31 23:59:59").value
    ok = np.isfinite(ns_f) & (ns_f >= lo) & (ns_f <= hi)
    idx = nums.index.to_numpy(dtype=np.int64)
    for k in _where(~ok):
        p = idx[k]
        rows.reject(int(p), _range_reason(shown[p], what) + f" as an epoch in {time_unit!r}")
    if pd.api.types.is_integer_dtype(nums.dtype):
        ints = nums.to_numpy(dtype=np.int64)
        rows.ns[idx[ok]] = ints[ok] * mult
    else:
        exact = np.asarray(
            [isinstance(v, int | np.integer) for v in nums.to_numpy(dtype=object)], dtype=bool
        )
        as_int = exact & ok
        if as_int.any():
            rows.ns[idx[as_int]] = np.asarray(
                [int(v) * mult for v in nums.to_numpy(dtype=object)[as_int]], dtype=np.int64
            )
        as_float = ok & ~exact
        rows.ns[idx[as_float]] = np.round(ns_f[as_float]).astype(np.int64)
    rows.precision[idx[ok]] = "exact"
    good = nums.index.to_numpy(dtype=np.int64)[ok]
    rows.note(good, f"epoch number read in time_unit={time_unit!r}")


def parse_times_full(
    values: pd.Series,
    *,
    tz: str | None,
    what: str,
    where: Sequence[str] = (),
    dayfirst: bool | None = None,
    time_unit: str | None = None,
) -> ParsedTimes:
    """Parse publication times to ``datetime64[ns, UTC]``, with notes and precision.

    Parameters
    ----------
    values : Series
        The raw values (any dtype). Missing values (None, NaN, NaT, "") give NaT.
    tz : str, optional
        IANA zone of naive values (aware values are converted, whatever ``tz``).
    what : str
        How to name the values in messages ("column 'date'").
    where : sequence of str
        A label per value (its source) for messages.
    dayfirst : bool, optional
        How to read slashed dates (``01/02/2024``). None: inferred only when a value of
        the column has a day > 12 in one position (and none in the other), with a note;
        else every slashed value is rejected.
    time_unit : {"s", "ms", "us", "ns"}, optional
        Unit of epoch numbers (numeric values and digit strings). Without it numbers are
        rejected.

    Returns
    -------
    ParsedTimes

    Raises
    ------
    ArticleError
        If a value is naive and ``tz`` is None.
    """
    n = len(values)
    rows = _Rows(n)
    positional = values.reset_index(drop=True)
    dtype = values.dtype
    if n == 0:
        pass
    elif isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        ns, present, ok = _datetime64_ns(positional)
        for p in _where(present & ~ok):
            rows.reject(int(p), _range_reason(str(positional.iloc[p]), what))
        rows.ns[ok] = ns[ok]
        rows.precision[ok] = "exact"
        if not isinstance(dtype, pd.DatetimeTZDtype):
            rows.naive[ok] = True
    elif pd.api.types.is_bool_dtype(dtype):
        for p in _where(positional.notna().to_numpy()):
            rows.reject(
                int(p),
                f"publication time {positional.iloc[p]!r} in {what} is a boolean, not a time",
            )
    elif pd.api.types.is_numeric_dtype(dtype):
        present = positional.notna().to_numpy()
        _numbers(positional[present], rows, what, time_unit)
    else:
        _parse_objects(positional, rows, what, dayfirst, time_unit)
    # naive values: localise with tz
    naive = np.flatnonzero(rows.naive)
    if naive.size:
        if tz is None:
            first = int(naive[0])
            raise _naive_error(what, positional.iloc[first], _describe(where, first))
        utc, _dst = _localize(rows.ns[naive], tz)
        lost = utc == _NAT
        for p in naive[lost]:
            rows.reject(int(p), _dst_reason(positional.iloc[p], what, tz))
        rows.ns[naive[~lost]] = utc[~lost]
    out = pd.Series(
        pd.DatetimeIndex(rows.ns.view("M8[ns]")).tz_localize("UTC"),
        index=values.index,
        dtype=UTC_NS,
    )
    return ParsedTimes(out, rows.reasons, rows.notes.tolist(), rows.precision.tolist())


def parse_times(
    values: pd.Series,
    *,
    tz: str | None,
    what: str,
    where: Sequence[str] = (),
    dayfirst: bool | None = None,
    time_unit: str | None = None,
) -> tuple[pd.Series, list[str | None]]:
    """:func:`parse_times_full` returning ``(times, reasons)`` only."""
    r = parse_times_full(
        values, tz=tz, what=what, where=where, dayfirst=dayfirst, time_unit=time_unit
    )
    return r.times, r.reasons


def _parse_objects(
    obj: pd.Series,
    rows: _Rows,
    what: str,
    dayfirst: bool | None,
    time_unit: str | None,
) -> None:
    n = len(obj)
    if isinstance(obj.dtype, pd.StringDtype):
        is_str = obj.notna().to_numpy()
        raw = np.asarray(obj.tolist(), dtype=object)
    else:
        raw = obj.astype(object).to_numpy()
        is_str = np.fromiter((isinstance(v, str) for v in raw), dtype=bool, count=n)
    if is_str.any():
        # corpora repeat times: parse each distinct string once (in order of first
        # appearance, so inferences and their examples are those of the column) and map back
        pos_str = np.flatnonzero(is_str)
        codes, uniq = pd.factorize(raw[pos_str])
        urows = _Rows(len(uniq))
        _parse_strings(pd.Series(uniq, dtype=object), urows, what, dayfirst, time_unit)
        rows.scatter(pos_str, urows, codes)
    numbers: dict[int, object] = {}
    for p in _where(~is_str):
        v = raw[p]
        ip = int(p)
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
            continue
        if isinstance(v, np.datetime64) and np.isnat(v):
            continue
        if isinstance(v, bool | np.bool_):
            rows.reject(ip, f"publication time {v!r} in {what} is a boolean, not a time")
        elif isinstance(v, int | float | np.integer | np.floating):
            numbers[ip] = v
        elif isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            if not _YEAR_MIN <= v.year <= _YEAR_MAX:
                rows.reject(ip, _range_reason(v, what))
                continue
            rows.ns[ip] = pd.Timestamp(v.year, v.month, v.day).value
            rows.precision[ip] = "day"
            rows.note(
                np.asarray([ip]),
                "date only (time_precision='day'; published_at is 00:00 UTC of that date)",
            )
        elif isinstance(v, dt.datetime | np.datetime64):
            try:
                ts = pd.Timestamp(v)
                year_ok = _YEAR_MIN <= ts.year <= _YEAR_MAX
                if year_ok:
                    ns = (
                        (ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo else ts)
                        .as_unit("ns")
                        .value
                    )
            except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
                year_ok = False
            if not year_ok:
                rows.reject(ip, _range_reason(str(v), what))
                continue
            rows.ns[ip] = ns
            rows.precision[ip] = "exact"
            rows.naive[ip] = ts.tzinfo is None
        else:
            rows.reject(ip, f"unparseable publication time {v!r} in {what} (a {type(v).__name__})")
    if numbers:
        _numbers(
            pd.Series(list(numbers.values()), index=list(numbers), dtype=object),
            rows,
            what,
            time_unit,
        )
