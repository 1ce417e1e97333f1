"""Numbers as news pages print them: signs, dashes, arrows, decimal marks, thousands groups."""

from __future__ import annotations

import math
import re

__all__ = ["parse_number"]

# ---------------------------------------------------------------------------------------
# numbers

#: Characters read as a minus sign: ASCII hyphen-minus, U+2212 minus, en dash, figure
#: dash, hyphen, small and full-width hyphen-minus.
MINUS_SIGNS = "-\u2212\u2013\u2014\u2012\u2010\ufe63\uff0d"
_PLUS = "+\uff0b\u00b1"  # "±0,00" is printed for an unchanged quote
_SIGNS = MINUS_SIGNS + _PLUS
ARROWS_UP = "▲△▴↑⬆↗"
ARROWS_DOWN = "▼▽▾↓⬇↘"
# thousands separators that are never decimal marks
_GROUP_CHARS = "'’\u00a0\u202f\u2009 "

_NUMBER_BODY = re.compile(r"^(?:\d[\d.,'’\u00a0\u202f\u2009 ]*\d|\d|[.,]\d+)$")

# (value, decimal mark shown unambiguously or "", separator of an ambiguous
#  "d{1,3}<sep>ddd" form or "", the value if that separator groups thousands)
_Digits = tuple[float, str, str, float]


def parse_digits(s: str, hint: str | None) -> _Digits | None:
    """Value of an unsigned digit string with separators (see :func:`parse_number`)."""
    if s.isdecimal():
        return float(s), "", "", math.nan
    n_dot = s.count(".")
    n_comma = s.count(",")
    if n_dot + n_comma == 1 and s.isascii():
        # fast path: one separator, nothing else
        sep = "." if n_dot else ","
        a, _, b = s.partition(sep)
        if b.isdecimal() and (not a or a.isdecimal()):
            if len(b) == 3 and 1 <= len(a) <= 3:
                alt = float(a + b)
                if hint is not None and hint != sep:
                    return alt, "", "", math.nan
                return float(f"{a or '0'}.{b}"), "", sep, alt
            return float(f"{a or '0'}.{b}"), sep, "", math.nan
    if _NUMBER_BODY.match(s) is None:
        return None
    for ch in _GROUP_CHARS:
        if ch in s:
            s = s.replace(ch, "_")
    mark = ""
    dec = ""
    amb = ""
    alt = math.nan
    if n_dot and n_comma:
        dec = "." if s.rfind(".") > s.rfind(",") else ","
        if s.count(dec) != 1:
            return None
        s = s.replace("," if dec == "." else ".", "_")
        mark = dec
    elif n_dot or n_comma:
        sep = "." if n_dot else ","
        if s.count(sep) > 1:
            s = s.replace(sep, "_")  # "1.234.567": thousands only
        else:
            dec = sep
            if len(s) - s.index(sep) - 1 != 3 or "_" in s[: s.index(sep)]:
                mark = sep
    if dec:
        int_part, _, frac_part = s.partition(dec)
    else:
        int_part, frac_part = s, ""
    if "_" in frac_part:
        return None
    if "_" in int_part:
        groups = int_part.split("_")
        if not (1 <= len(groups[0]) <= 3) or any(len(g) != 3 for g in groups[1:]):
            return None
        int_part = "".join(groups)
    if not (int_part + frac_part).isdecimal():
        return None
    return float(f"{int_part or '0'}.{frac_part or '0'}"), mark, amb, alt


def _parse_number_form(text: str, decimal_hint: str | None) -> tuple[float, bool, bool, str] | None:
    """Parse one number; return (value, is_percent, explicitly_signed, decimal_mark).

    ``decimal_mark`` is ``"."``/``","`` when the form shows it unambiguously, else ``""``.
    Returns None when ``text`` is not a number.
    """
    s = text.strip()
    while s[:1] in ("(", "[") and s[-1:] in (")", "]"):
        s = s[1:-1].strip()
    if not s:
        return None
    pct = False
    if s.endswith("%"):
        pct = True
        s = s[:-1].rstrip()
    sign = 1.0
    signed = False
    if s and s[0] in _SIGNS:
        signed = True
        if s[0] in MINUS_SIGNS:
            sign = -1.0
        s = s[1:].lstrip()
    if not s:
        return None
    digits = parse_digits(s, decimal_hint)
    if digits is None:
        return None
    return digits[0] * sign, pct, signed, digits[1]


def parse_number(text: str, *, decimal: str | None = None) -> float:
    """Parse a number as news sites print it.

    Accepted forms: ``-28.8400``, ``+177.4300``, ``−28,84`` (U+2212 minus and a decimal
    comma), ``-1.234,56`` (German thousands), ``1,234.56`` (English thousands),
    ``18 532,99`` with a space, (narrow) no-break or thin space, ``11'950.5`` (Swiss),
    ``±0,00``, ``(-0,61%)``. A trailing ``%`` is allowed and ignored: the value is returned
    in percent units (``"-0,61%"`` gives ``-0.61``).

    A single separator is read as the decimal mark (``"1,234"`` is 1.234 and ``"18.532"``
    is 18.532) unless ``decimal`` names the other character as the decimal mark and the
    separator is followed by exactly three digits; two different separators make the
    last one the decimal mark; one separator repeated (``"1.234.567"``) groups thousands.
    Thousands groups must have three digits.

    Parameters
    ----------
    text : str
        The number as printed.
    decimal : {".", ","}, optional
        The decimal mark used by the surrounding text, to read ``"18.532"`` as 18532
        when it is ``","``.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``text`` is not a number in one of these forms.
    """
    if not isinstance(text, str):
        raise ValueError(f"not a number: {text!r}")
    parsed = _parse_number_form(text, decimal)
    if parsed is None:
        raise ValueError(f"not a number: {text!r}")
    return parsed[0]


