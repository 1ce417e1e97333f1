"""Publication times: parse a column (or the caller's values) into UTC timestamps.

Accepted forms (see :func:`parse_times`):

- datetime64 columns, ``datetime``/``date``/``pandas.Timestamp`` objects;
- ISO 8601 strings (``2024-11-27``, ``2024-11-27 14:35``, ``2024-11-27T14:35:00+01:00``,
  ``...Z``), optionally followed by ``UTC``/``GMT``/``MEZ``/``MESZ``/``CET``/``CEST``;
- German forms ``27.11.2024``, ``27.11.2024 14:35``, ``27.11.2024, 14:35 Uhr``,
  optionally with one of the zone names above or an offset;
- RFC 2822 (e-mail/RSS) ``Wed, 27 Nov 2024 14:35:00 +0100``.

Naive values (no offset, no zone) need ``tz=``; without it :class:`ArticleError` is raised,
because guessing a zone would shift every event. Nothing depends on today's date: a value
that is none of these forms is *unparseable* (its row is rejected with the reason).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

from mktnews.errors import ArticleError

__all__ = ["parse_times"]

UTC_NS: Final = "datetime64[ns, UTC]"

_ZONE_WORDS = {
    "UTC": "+00:00",
    "GMT": "+00:00",
    "Z": "+00:00",
    "MEZ": "+01:00",
    "CET": "+01:00",
    "MESZ": "+02:00",
    "CEST": "+02:00",
}
_ZONE_SUFFIX = re.compile(r"\s*\b(UTC|GMT|MEZ|MESZ|CET|CEST)$", re.I)
_GERMAN = re.compile(
    r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})"
    r"(?:,?\s+(?:um\s+)?(?P<H>\d{1,2})[:.](?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
    r"(?:\s*Uhr)?(?:\s*(?P<z>[+-]\d{2}:?\d{2}|Z))?$",
    re.I,
)
_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}(?:$|[T ])")
_AWARE = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$", re.I)


_ZONE_WORD_PAT = r"\s(?:UTC|GMT|MEZ|MESZ|CET|CEST)$"
_GERMAN_PAT = r"^\d{1,2}\.\d{1,2}\.\d{4}"


def _normalise_strings(s: pd.Series) -> pd.Series:
    """German forms -> ISO, trailing zone words -> offsets (vectorised; the regex
    extraction runs only on the values that need it)."""
    s = s.str.strip()
    has_zone = s.str.contains(_ZONE_WORD_PAT, case=False, regex=True).fillna(False).astype(bool)
    zone_off = pd.Series(dtype="str")
    if has_zone.any():
        sub = s[has_zone]
        zone_off = sub.str.extract(_ZONE_SUFFIX, expand=False).str.upper().map(_ZONE_WORDS)
        s = s.copy()
        s[has_zone] = sub.str.replace(_ZONE_SUFFIX, "", regex=True).str.strip()
    german = s.str.contains(_GERMAN_PAT, regex=True).fillna(False).astype(bool)
    if german.any():
        parts = s[german].str.extract(_GERMAN)
        ok = parts["y"].notna()
        p = parts[ok]
        iso = p["y"] + "-" + p["m"].str.zfill(2) + "-" + p["d"].str.zfill(2)
        timed = p["H"].notna()
        clock = (
            "T"
            + p["H"].where(timed, "0").str.zfill(2)
            + ":"
            + p["M"].where(timed, "00")
            + ":"
            + p["S"].fillna("00")
        )
        iso = iso.where(~timed, iso + clock)
        z = p["z"].fillna("").str.upper().replace({"Z": "+00:00"})
        s = s.copy()
        s[p.index] = iso + z
    if has_zone.any():
        s[has_zone] = s[has_zone] + zone_off
    return s


def _rfc2822(value: str) -> pd.Timestamp | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return pd.Timestamp(parsed)


def _describe(where: Sequence[str], i: int) -> str:
    return where[i] if i < len(where) else f"row {i}"


def _naive_error(what: str, example: object, where: str) -> ArticleError:
    return ArticleError(
        f"publication times in {what} have no time zone (e.g. {example!r} at {where}); "
        "name their zone with tz='Europe/Berlin' (or another IANA name), or give values "
        "with a UTC offset such as '2024-11-27T14:35:00+01:00'"
    )


_NAT = np.iinfo(np.int64).min


def _utc_ns(ts: pd.Series) -> np.ndarray:
    """int64 ns since epoch (UTC) of a tz-aware Series."""
    naive = ts.dt.tz_convert("UTC").dt.tz_localize(None).dt.as_unit("ns")
    return naive.to_numpy().view(np.int64)


def _dst_reason(value: object, what: str, tz: str) -> str:
    return (
        f"publication time {value!r} in {what} does not exist or is ambiguous in {tz} "
        "(daylight-saving change); give it with a UTC offset"
    )


def _localize_into(
    ns: np.ndarray,
    naive: pd.Series,
    tz: str,
    originals: pd.Series,
    what: str,
    reasons: list[str | None],
) -> None:
    """Localise naive datetimes (index = positions) into ``ns``; DST gaps reject rows."""
    local = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    pos = naive.index.to_numpy(dtype=np.int64)
    lost = (local.isna() & naive.notna()).to_numpy()
    for p in pos[lost]:
        reasons[p] = _dst_reason(originals.iloc[p], what, tz)
    ok = local.notna().to_numpy()
    ns[pos[ok]] = _utc_ns(local[ok])


def parse_times(
    values: pd.Series,
    *,
    tz: str | None,
    what: str,
    where: Sequence[str] = (),
) -> tuple[pd.Series, list[str | None]]:
    """Parse publication times to ``datetime64[ns, UTC]``.

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

    Returns
    -------
    (times, reasons)
        ``times`` has the index of ``values``; ``reasons[i]`` is a message when value ``i``
        cannot be parsed (its row should be rejected), else None.

    Raises
    ------
    ArticleError
        If a value is naive and ``tz`` is None.
    """
    n = len(values)
    reasons: list[str | None] = [None] * n
    ns = np.full(n, _NAT, dtype=np.int64)
    dtype = values.dtype
    positional = values.reset_index(drop=True)
    if n == 0:
        pass
    elif isinstance(dtype, pd.DatetimeTZDtype):
        ok = positional.notna().to_numpy()
        ns[ok] = _utc_ns(positional[ok])
    elif pd.api.types.is_datetime64_dtype(dtype):
        naive = positional.dt.as_unit("ns")
        ok = naive.notna().to_numpy()
        if ok.any():
            if tz is None:
                first = int(np.flatnonzero(ok)[0])
                raise _naive_error(what, str(naive.iloc[first]), _describe(where, first))
            _localize_into(ns, naive[ok], tz, positional.astype(str), what, reasons)
    elif pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        for p in np.flatnonzero(positional.notna().to_numpy()):
            reasons[p] = (
                f"publication time {positional.iloc[p]} in {what} is a number, not a time; "
                "convert epochs first, e.g. pd.to_datetime(col, unit='s', utc=True)"
            )
    else:
        _parse_objects(positional, ns, reasons, tz, what, where)
    out = pd.Series(
        pd.DatetimeIndex(ns.view("M8[ns]")).tz_localize("UTC"), index=values.index, dtype=UTC_NS
    )
    return out, reasons


def _parse_objects(
    obj: pd.Series,
    ns: np.ndarray,
    reasons: list[str | None],
    tz: str | None,
    what: str,
    where: Sequence[str],
) -> None:
    n = len(obj)
    if isinstance(obj.dtype, pd.StringDtype):
        # a string column: values are str or missing, no per-value type check needed
        is_str = obj.notna().to_numpy()
        raw = np.asarray(obj.tolist(), dtype=object)
        strings = obj
    else:
        obj = obj.astype(object)
        raw = obj.to_numpy()
        is_str = np.fromiter((isinstance(v, str) for v in raw), dtype=bool, count=n)
        strings = pd.Series(raw, dtype=object)
    naive_parts: list[pd.Series] = []
    if is_str.any():
        pos_str = np.flatnonzero(is_str)
        strs = pd.Series(strings.iloc[pos_str].to_numpy(), index=pos_str, dtype="str").str.strip()
        strs = strs[strs != ""]
        norm = _normalise_strings(strs)
        iso = norm.str.match(_ISO_START).astype(bool)
        aware = iso & norm.str.contains(_AWARE).astype(bool)
        naive = iso & ~aware
        done = pd.Series(False, index=norm.index)
        if aware.any():
            parsed = pd.to_datetime(norm[aware], format="ISO8601", utc=True, errors="coerce")
            parsed = parsed[parsed.notna()]
            ns[parsed.index.to_numpy(dtype=np.int64)] = _utc_ns(parsed)
            done[parsed.index] = True
        if naive.any():
            parsed_n = pd.to_datetime(norm[naive], format="ISO8601", errors="coerce")
            parsed_n = parsed_n[parsed_n.notna()].dt.as_unit("ns")
            naive_parts.append(parsed_n)
            done[parsed_n.index] = True
        extra_naive: dict[int, pd.Timestamp] = {}
        for p in done.index[~done.to_numpy()]:
            p = int(p)
            ts = _rfc2822(str(raw[p]))
            if ts is None:
                reasons[p] = f"unparseable publication time {raw[p]!r} in {what}"
            elif ts.tzinfo is None:
                extra_naive[p] = ts
            else:
                ns[p] = ts.tz_convert("UTC").as_unit("ns").value
        if extra_naive:
            naive_parts.append(
                pd.Series(list(extra_naive.values()), index=list(extra_naive), dtype="M8[ns]")
            )
    for p in np.flatnonzero(~is_str):
        v = raw[p]
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            continue
        if isinstance(v, dt.datetime | dt.date | np.datetime64 | pd.Timestamp):
            ts = pd.Timestamp(v)
            if pd.isna(ts):
                continue
            if ts.tzinfo is None:
                naive_parts.append(pd.Series([ts], index=[int(p)], dtype="M8[ns]"))
            else:
                ns[p] = ts.tz_convert("UTC").as_unit("ns").value
        else:
            reasons[p] = f"unparseable publication time {v!r} in {what} (a {type(v).__name__})"
    if naive_parts:
        naive_all = pd.concat(naive_parts).sort_index()
        if len(naive_all):
            if tz is None:
                first = int(naive_all.index[0])
                raise _naive_error(what, raw[first], _describe(where, first))
            _localize_into(ns, naive_all, tz, obj, what, reasons)
