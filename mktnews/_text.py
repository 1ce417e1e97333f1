"""Text handling for the article reader: decoding, cleaning, numbers, ticker boxes, sign-offs.

Everything here works on one text at a time and never raises for bad content:
:func:`parse_article` returns a :class:`ParsedArticle` whose ``reason`` says why a text is
not an article. :func:`mktnews.read_articles` loops over its inputs with these functions.

The page layouts understood (see :func:`parse_article`):

1. a *pair box*: an instrument name line, then a number line with the change in points
   (``Euro STOXX 50`` / ``-28.8400``), several pairs may follow each other;
2. *quote lines*: one instrument per line with its numbers (``DAX -0.78% 18532.99``,
   ``Goldpreis -0.52% 2344.3 $``), under an optional title line
   (``Berliner Tageblatt - <title>``) and an optional heading (``Börse``);
3. a single quote line;
4. no box at all.

The article text follows the box; a sign-off ``(H.Schneide--BBZ)`` (byline, outlet code)
may close it.
"""

from __future__ import annotations

import codecs
import html
import math
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple

from mktnews import instruments as _instruments
from mktnews.instruments import normalize_name

__all__ = [
    "OUTLETS",
    "BoxRow",
    "ParsedArticle",
    "clean_text",
    "decode_bytes",
    "known_instrument_keys",
    "outlet_code",
    "parse_article",
    "parse_number",
    "register_outlet",
]

# ---------------------------------------------------------------------------------------
# numbers

#: Characters read as a minus sign: ASCII hyphen-minus, U+2212 minus, en dash, figure
#: dash, hyphen, small and full-width hyphen-minus.
_MINUS = "-\u2212\u2013\u2014\u2012\u2010\ufe63\uff0d"
_PLUS = "+\uff0b\u00b1"  # "±0,00" is printed for an unchanged quote
_SIGNS = _MINUS + _PLUS
_ARROWS_UP = "▲△▴↑⬆↗"
_ARROWS_DOWN = "▼▽▾↓⬇↘"
# thousands separators that are never decimal marks
_GROUP_CHARS = "'’\u00a0\u202f\u2009 "

_NUMBER_BODY = re.compile(r"^(?:\d[\d.,'’\u00a0\u202f\u2009 ]*\d|\d|[.,]\d+)$")

# (value, decimal mark shown unambiguously or "", separator of an ambiguous
#  "d{1,3}<sep>ddd" form or "", the value if that separator groups thousands)
_Digits = tuple[float, str, str, float]


def _parse_digits(s: str, hint: str | None) -> _Digits | None:
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
        if s[0] in _MINUS:
            sign = -1.0
        s = s[1:].lstrip()
    if not s:
        return None
    digits = _parse_digits(s, decimal_hint)
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


# ---------------------------------------------------------------------------------------
# decoding and cleaning

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF document"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"PK\x03\x04", "ZIP archive or office document"),
    (b"\x1f\x8b", "gzip data"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"7z\xbc\xaf", "7z archive"),
    (b"\x7fELF", "executable"),
    (b"MZ", "Windows executable"),
    (b"PAR1", "Parquet file"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"\xd0\xcf\x11\xe0", "OLE/legacy office document"),
    (b"RIFF", "RIFF media"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
)

# C0 controls except tab/newline/vertical tab/form feed/carriage return/escape, DEL, C1.
_CONTROL = re.compile(r"[\x01-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f\ufffe\uffff]")
_CONTROL_LIMIT = 0.05  # more than 5% control characters is binary


def _control_share(text: str) -> float:
    if not text or _CONTROL.search(text) is None:
        return 0.0
    return len(_CONTROL.findall(text)) / len(text)


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str | None, str | None, str]:
    """Decode a text file's bytes.

    Byte-order marks select UTF-8, UTF-16 or UTF-32; without one, UTF-16 is recognised by
    the evidence (NULs, or a single-byte reading that is not text, while the UTF-16
    reading is letters: Latin, Cyrillic, Chinese, ...), then UTF-8 is tried: bytes that
    are mostly valid UTF-8 (at least two valid non-ASCII characters per bad sequence) are
    UTF-8 with only the bad sequences replaced by U+FFFD (noted); else cp1252 (Latin-1
    for its five undefined bytes) is the fallback. Files that are binary (a known magic number, many NULs or control
    characters) are not decoded.

    Parameters
    ----------
    data : bytes
    encoding : str, optional
        Decode with this codec only (a leading byte-order mark is dropped).

    Returns
    -------
    (text, reason, note)
        ``text`` is None when the bytes are not text; ``reason`` then says why. ``note``
        describes anything done on the way (a fallback encoding, NULs removed) or is "".
    """
    if not data:
        return None, "empty file", ""
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            return None, f"cannot decode as {encoding}: {exc.reason} at byte {exc.start}", ""
        text = text.lstrip("\ufeff")
        if _control_share(text) > _CONTROL_LIMIT:
            return None, f"binary content ({encoding} decoding gives control characters)", ""
        return text, None, ""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return None, f"binary content ({what})", ""
    bom: tuple[bytes, str] | None = None
    for mark, codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(mark):
            bom = (mark, codec)
            break
    note = ""
    if bom is not None:
        mark, codec = bom
        try:
            text = data[len(mark) :].decode(codec)
        except UnicodeDecodeError as exc:
            if codec == "utf-8":  # a BOM followed by something else: sniff the rest
                return decode_bytes(data[len(mark) :], None)
            return None, f"invalid {codec} text after its byte-order mark ({exc.reason})", ""
        if codec != "utf-8":
            note = f"decoded as {codec}"
    else:
        n = len(data)
        nuls = data.count(0)
        utf16 = _sniff_utf16(data, nuls)
        if utf16 is not None:
            text, note = utf16
        elif nuls >= n * 0.2 and n >= 4:
            return None, f"binary content ({nuls} NUL bytes of {n})", ""
        else:
            if nuls:
                if nuls > n * 0.05:
                    return None, f"binary content ({nuls} NUL bytes of {n})", ""
                data = data.replace(b"\x00", b"")
                note = f"removed {nuls} NUL byte{'s' if nuls > 1 else ''}"
            text, how = _decode_8bit(data)
            if how:
                note = f"{note}; {how}" if note else how
    share = _control_share(text)
    if share > _CONTROL_LIMIT:
        return None, f"binary content ({share:.0%} control characters)", ""
    return text, None, note


def _regular_share(text: str) -> float:
    """Share of characters that ordinary text is made of (letters, marks, digits,
    punctuation, symbols, spaces, line breaks: not controls, unassigned, private-use or
    surrogate code points); 0 when marks exceed 40% or letters are under half of the
    text (a misread of bytes that are not text)."""
    if not text:
        return 0.0
    cats = [unicodedata.category(ch) for ch in text]
    bad = sum(
        1
        for ch, c in zip(text, cats, strict=True)
        if c in ("Cc", "Cn", "Co", "Cs") and ch not in "\n\r\t"
    )
    marks = sum(1 for c in cats if c[0] == "M")
    letters = sum(1 for c in cats if c[0] == "L")
    if marks > 0.4 * len(text) or letters < 0.5 * len(text):
        return 0.0
    return 1.0 - bad / len(text)


# characters of everyday text in the major scripts (the reading of UTF-16 bytes with more
# of them wins: the other byte order gives rare CJK extension or symbol code points)
_COMMON_CHARS = re.compile(
    "[\t\n\r -~\u00a0-\u024f\u0370-\u04ff\u0590-\u06ff\u0900-\u0dff\u0e00-\u0e7f"
    "\u2010-\u2027\u3000-\u30ff\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]"
)


def _sniff_utf16(data: bytes, nuls: int) -> tuple[str, str] | None:
    """UTF-16 without a byte-order mark, by the evidence: bytes with NULs (ASCII, spaces
    or digits inside UTF-16 text), or bytes that are not UTF-8 and whose single-byte
    reading has control characters or no word spaces (Cyrillic, Chinese), are read as
    UTF-16 LE or BE when that reading is >= 98% ordinary characters with at least half
    letters (the reading with more characters of everyday scripts wins). Returns (text, note) or None."""
    n = len(data)
    if n < 4 or n % 2:
        return None
    if nuls:
        even = data[0::2].count(0)
        odd = data[1::2].count(0)
    else:
        try:
            data.decode("utf-8")
            return None
        except UnicodeDecodeError:
            pass
        single = data.decode("latin-1")
        controls = _control_share(single)
        spaces = sum(single.count(c) for c in " \n\t") / len(single)
        if controls < 0.01 and spaces >= 0.03:
            return None  # reads as single-byte text with words: not UTF-16
        even = odd = 0
    # the parity with more NULs first (ASCII inside UTF-16 text), the other as well: a
    # CJK character U+xx00 puts a NUL in the other byte
    candidates = ["utf-16-le", "utf-16-be"] if odd >= even else ["utf-16-be", "utf-16-le"]
    best: tuple[float, str, str] | None = None
    for codec in candidates:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        share = _regular_share(text)
        common = len(_COMMON_CHARS.findall(text)) / len(text)
        if share >= 0.98 and (best is None or common > best[0] + 1e-9):
            best = (common, codec, text)
    if best is None:
        return None
    return best[2], f"decoded as {best[1]} (no byte-order mark)"


def _decode_8bit(data: bytes) -> tuple[str, str]:
    """UTF-8 when the bytes are (mostly) valid UTF-8: a few bad bytes among valid
    multi-byte sequences are replaced by U+FFFD (and noted); else cp1252 (Latin-1 for its
    five undefined bytes)."""
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        pass
    loose = data.decode("utf-8", errors="replace")
    bad = loose.count("\ufffd") - data.decode("latin-1").count("\ufffd")
    good = sum(1 for ch in loose if ord(ch) > 0x7F and ch != "\ufffd")
    if good >= 2 * bad and good > 0:
        return (
            loose,
            f"{bad} invalid UTF-8 byte sequence{'s' if bad > 1 else ''} replaced by U+FFFD",
        )
    try:
        return data.decode("cp1252"), "decoded as cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "decoded as latin-1"


_HTML_HINT = re.compile(
    r"<(?:/?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?|!--.*?--)>|&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});",
    re.S,
)
_HTML_BLOCK_HINT = re.compile(
    r"<\s*(?:br|p|div|h[1-6]|li|tr|table|section|article|blockquote)\b", re.I
)
_HTML_DROP = re.compile(r"<(script|style|head)\b[^>]*>.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_HTML_BREAK = re.compile(
    r"<\s*br\s*/?\s*>|<\s*/?\s*(?:p|div|h[1-6]|li|ul|ol|tr|table|section|article|blockquote|"
    r"header|footer|pre|hr|dd|dt|dl)\b[^>]*>",
    re.I,
)
_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z!][^<>]*>")
_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")
# zero-width spaces/joiners, word joiner and soft hyphens: invisible, but they split names
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\u00ad]")
_ODD_SPACE = re.compile(r"\s\s|[^\S ]")


def _html_to_text(text: str) -> str:
    if _HTML_BLOCK_HINT.search(text):
        # markup with block structure: source line breaks are plain spaces in HTML
        text = _HTML_DROP.sub("", text)
        text = text.replace("\n", " ")
        text = _HTML_BREAK.sub("\n", text)
        text = _HTML_TAG.sub("", text)
        text = _INVISIBLE.sub("", html.unescape(text))
        lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
        return "\n".join(line for line in lines if line)
    text = _HTML_DROP.sub("", text)
    text = _HTML_TAG.sub("", text)
    return _INVISIBLE.sub("", html.unescape(text))


def clean_text(text: str) -> tuple[str, list[str]]:
    """Normalise a text: NULs and byte-order marks removed, CRLF/CR to LF, HTML to text.

    HTML is recognised by tags (``<p>``, ``<br>``, ``<div>``, ...) or character
    references (``&amp;``, ``&auml;``, ``&#8212;``): tags become line breaks or nothing,
    references their characters.

    Returns
    -------
    (text, notes)
        The cleaned text and what was done (for the articles' ``notes``).
    """
    notes: list[str] = []
    if "\x00" in text:
        text = text.replace("\x00", "")
        notes.append("removed NUL characters")
    if "\ufeff" in text:
        text = text.replace("\ufeff", "")
    if "\u200b" in text or "\u00ad" in text or "\u2060" in text or "\u200c" in text:
        text = _INVISIBLE.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if ("<" in text or "&" in text) and _HTML_HINT.search(text):
        text = _html_to_text(text)
        notes.append("HTML converted to text")
    return text, notes


# ---------------------------------------------------------------------------------------
# instruments and outlets

_known_lock = threading.Lock()


def known_instrument_keys() -> dict[str, str]:
    """A snapshot of the instrument registry: normalised printed name -> symbol."""
    with _instruments._lock:
        return dict(_instruments._BY_KEY)


#: Outlet codes of the site family and the names their pages print.
OUTLETS: dict[str, str] = {
    "BBZ": "Berliner Börsen-Zeitung",
    "NZN": "Zürcher Nachrichten",
    "BTB": "Berliner Tageblatt",
}
_OUTLET_KEYS: dict[str, str] = {}


def register_outlet(code: str, name: str, *, aliases: Iterable[str] = ()) -> None:
    """Teach the reader an outlet: its sign-off code and the name its title lines print.

    Articles whose title line starts with ``name`` (or an alias) then get ``code`` as
    their ``outlet``; title lines ``"<name> - <title>"`` are split even without a box.

    Parameters
    ----------
    code : str
        Sign-off code, e.g. ``"BBZ"``.
    name : str
        Name as printed, e.g. ``"Berliner Börsen-Zeitung"``.
    aliases : iterable of str, optional
        Other printed names.
    """
    code = str(code).strip()
    if not code or not str(name).strip():
        raise ValueError("register_outlet needs a non-empty code and name")
    with _known_lock:
        OUTLETS[code] = str(name).strip()
        for label in (code, name, *aliases):
            _OUTLET_KEYS[normalize_name(label)] = code


for _code, _name in list(OUTLETS.items()):
    register_outlet(_code, _name)


def outlet_code(name: str) -> str | None:
    """The code of a known outlet name or code (``"Berliner Tageblatt"`` -> ``"BTB"``)."""
    return _OUTLET_KEYS.get(normalize_name(name))


# ---------------------------------------------------------------------------------------
# ticker boxes


class BoxRow(NamedTuple):
    """One instrument of a ticker box."""

    instrument: str
    change: float
    change_pct: float
    level: float
    raw: str
    recognised: bool  # the name is in the registry, or the row is a name/number pair

    @property
    def zero_flag(self) -> bool:
        """The box printed an exact zero change (often a stale box)."""
        if not math.isnan(self.change):
            return self.change == 0.0
        return self.change_pct == 0.0


_UNITS = frozenset(
    {
        "$",
        "€",
        "£",
        "¥",
        "eur",
        "usd",
        "chf",
        "gbp",
        "jpy",
        "dollar",
        "us-dollar",
        "euro",
        "franken",
        "pkt",
        "pkt.",
        "pkte",
        "pkte.",
        "punkte",
        "pts",
        "pts.",
        "pt",
        "pt.",
        "points",
        "pips",
        "bp",
        "bp.",
        "usd/oz",
        "$/oz",
        "$/unze",
        "$/fass",
        "$/barrel",
        "usd/bbl",
        "$/bbl",
        "index",
        "idx",
        "uhr",
        "stand",
        "stand:",
        "=",
        ":",
        "|",
        "/",
    }
)
_PERCENT_WORDS = frozenset({"%", "prozent", "proz.", "pct", "pct."})
_BULLET = re.compile(r"^[•·▪►▸*–—-]\s+")
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE_END = ("!", "?", ",", ";")

#: Box headings that sit between a title line and the box; a single pre-box line equal
#: to one of these is a heading, not a title (compared case-folded, without ":").
BOX_HEADINGS = frozenset(
    {
        "börse",
        "börsen",
        "märkte",
        "markt",
        "marktdaten",
        "marktüberblick",
        "kurse",
        "aktuelle kurse",
        "indizes",
        "indices",
        "börsenticker",
        "ticker",
        "finanzmärkte",
        "markets",
        "market data",
        "börse aktuell",
        "marktbericht",
        "rohstoffe",
        "devisen",
        "kurse & indizes",
        "börsendaten",
    }
)

# one token of a box line:
# (kind "num"/"unit"/"pct"/"arrow", value, is_percent, explicitly_signed, decimal_mark,
#  ambiguous separator, value if that separator groups thousands)
_Token = tuple[str, float, bool, bool, str, str, float]
_UNIT: _Token = ("unit", math.nan, False, False, "", "", math.nan)
_PCT: _Token = ("pct", math.nan, True, False, "", "", math.nan)

_TIME_TOKEN = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")
_TOKEN = re.compile(
    r"^[(\[]?(?P<s>[-+\u2212\u2013\u2014\u2012\u2010\ufe63\uff0d\uff0b\u00b1"
    r"▲△▴↑⬆↗▼▽▾↓⬇↘]?)[$€£¥₣₿]?"
    r"(?P<d>\d[\d.,'’]*|[.,]\d+)(?P<p>%?)[$€£¥₣₿]?[)\]]?$"
)


def _classify(token: str) -> _Token | None:
    """Classify one whitespace-separated token of a box line; None for a word."""
    m = _TOKEN.match(token)
    if m is None:
        low = token.strip("()[]").casefold()
        if low in _UNITS or not low or _TIME_TOKEN.match(low) is not None:
            return _UNIT  # units, currencies, and the time of the quote ("17:35")
        if low in _PERCENT_WORDS:
            return _PCT
        if len(low) == 1 and (low in _ARROWS_UP or low in _ARROWS_DOWN):
            return ("arrow", 1.0 if low in _ARROWS_UP else -1.0, False, False, "", "", math.nan)
        return None
    sign_ch, digits, pct = m.group("s", "d", "p")
    parsed = _parse_digits(digits, None)
    if parsed is None:
        return None
    value, mark, amb, alt = parsed
    if not sign_ch:
        return ("num", value, bool(pct), False, mark, amb, alt)
    neg = sign_ch in _MINUS or sign_ch in _ARROWS_DOWN
    if neg:
        value, alt = -value, -alt
    return ("num", value, bool(pct), True, mark, amb, alt)


def _assign(nums: list[_Token], default_change: bool) -> tuple[float, float, float]:
    """(change, change_pct, level) from a line's number tokens.

    Percent -> change_pct; a signed number -> change; an unsigned one -> level (on a
    layout-1 change line a lone unsigned number is the change; an unsigned 0 is a change).
    """
    change = pct = level = math.nan
    plain: list[float] = []
    for tok in nums:
        value, is_pct, signed = tok[1], tok[2], tok[3]
        if is_pct:
            if math.isnan(pct):
                pct = value
        elif signed:
            if math.isnan(change):
                change = value
        else:
            plain.append(value)
    if plain:
        if math.isnan(change) and ((default_change and len(plain) == 1) or plain[0] == 0.0):
            change = plain.pop(0)
        if plain:
            level = plain[0]
            if math.isnan(change) and len(plain) > 1 and default_change:
                change = plain[1]
    return change, pct, level


def _numbers_of(kinds: Sequence[_Token | None]) -> list[_Token]:
    """Number tokens of a line, with "%" words and arrows folded into their neighbours and
    ambiguous separators read with the line's decimal mark."""
    hint = ""
    for c in kinds:
        if c is not None and c[4]:
            hint = c[4]
            break
    out: list[_Token] = []
    arrow = 0.0
    for c in kinds:
        if c is None:
            continue
        kind = c[0]
        if kind == "num":
            _k, value, pct, signed, mark, amb, alt = c
            if amb and hint and amb != hint:
                value = alt  # "18.532" on a line that writes decimals with ","
            if arrow and not signed:
                value, signed = abs(value) * arrow, True
            arrow = 0.0
            out.append(("num", value, pct, signed, mark, amb, alt))
        elif kind == "pct" and out and not out[-1][2]:
            last = out[-1]
            out[-1] = (last[0], last[1], True, last[3], last[4], last[5], last[6])
        elif kind == "arrow":
            arrow = c[1]
    return out


def _clean_name(words: Sequence[str]) -> str:
    name = " ".join(words).strip()
    return name.rstrip(":=|").strip()


def _valid_name(name: str) -> bool:
    return (
        0 < len(name) <= 50
        and name.count(" ") < 6
        and _LETTER.search(name) is not None
        and not name.endswith(_SENTENCE_END)
    )


@lru_cache(maxsize=8192)
def _norm(name: str) -> str:
    return normalize_name(name)


_HAS_DIGIT = re.compile(r"\d").search


class _Line:
    """A head line split into tokens; the trailing run of number/unit tokens classified."""

    __slots__ = ("digits", "kinds", "start", "text", "tokens")

    def __init__(self, text: str) -> None:
        self.text = text
        self.digits = _HAS_DIGIT(text) is not None
        if len(text) > 120:
            self.tokens: list[str] = []
        else:
            body = _BULLET.sub("", text) if text[0] in "•·▪►▸*–—-" else text
            self.tokens = body.split()
        n = len(self.tokens)
        self.kinds: list[_Token | None] = [None] * n
        start = n
        if self.digits:
            while start > 0:
                c = _classify(self.tokens[start - 1])
                if c is None:
                    break
                start -= 1
                self.kinds[start] = c
        self.start = start  # tokens[start:] are numbers, units, "%" words or arrows


def _quote_line(line: _Line, known: Mapping[str, str]) -> BoxRow | None:
    """``NAME numbers...`` on one line, or None."""
    tokens, kinds = line.tokens, line.kinds
    if not line.digits or len(tokens) < 2 or line.start == len(tokens):
        return None
    start = max(line.start, 1)
    num_idx = [
        i for i in range(start, len(tokens)) if (c := kinds[i]) is not None and c[0] == "num"
    ]
    if not num_idx:
        return None
    # the name may end in digits ("Euro STOXX 50"): prefer the longest name the registry
    # knows that still leaves a number on the line
    best = -1
    for k in range(num_idx[-1], start - 1, -1):
        if _norm(_clean_name(tokens[:k])) in known:
            best = k
            break
    recognised = best >= 0
    if not recognised:
        best = start
        first = tokens[best]
        if first.isdigit() and len(first) <= 4 and sum(i > best for i in num_idx) >= 2:
            best += 1  # "Foo Index 30 -0,5% 1.234,5": the integer belongs to the name
    name = _clean_name(tokens[:best])
    if not _valid_name(name):
        return None
    nums = _numbers_of(kinds[best:])
    if not nums:
        return None
    if not recognised and not any(n[3] for n in nums):
        return None  # an unknown name needs a signed change or percent to be a quote
    change, pct, level = _assign(nums, default_change=False)
    return BoxRow(" ".join(name.split()), change, pct, level, line.text, recognised)


def _name_line(text: str) -> str | None:
    """A line that is only an instrument name (layout 1), or None."""
    if len(text) > 50:
        return None
    if text[0] in "•·▪►▸*–—-":
        text = _BULLET.sub("", text)
    tokens = text.split()
    if not tokens:
        return None
    if _HAS_DIGIT(text) is not None:
        for tok in tokens:
            if tok.isdigit() or _HAS_DIGIT(tok) is None:
                continue
            c = _classify(tok)
            if c is not None and c[0] == "num":
                return None  # a number with a sign, decimals or "%": a quote, not a name
    name = _clean_name(tokens)
    if not _valid_name(name):
        return None
    return name


def _number_line(line: _Line) -> list[_Token] | None:
    """A line of numbers only (layout 1's change line), or None."""
    if len(line.text) > 60 or not line.tokens or line.start != 0 or not line.digits:
        return None
    nums = _numbers_of(line.kinds)
    if not nums:
        return None
    if not any(n[2] or n[3] or n[4] or n[5] for n in nums):
        return None  # "2024" alone is not a change line
    return nums


# A line about the quotes, inside or right under the box ("Stand: 27.11.2024, 17:35 Uhr").
_BOX_META = re.compile(
    r"^(?:Stand|Kursstand|Kurse\s+vom|Quelle|Kursdaten|Daten|Realtime|Echtzeit|As of|Source)\b",
    re.I,
)

# Fast paths for the common shapes; anything else goes through the token analysis.
# "NAME -0.78% 18532.99 $" / "NAME +0,12% 26.410,20" / "NAME −0,31%" / "NAME -28.8400"
_FAST_QUOTE = re.compile(
    r"^([^\s\d][^\n]*?)\s*:?\s+(?:"
    r"([-+\u2212])(\d{1,4})(?:([.,])(\d{1,4}))?\s?%(?:\s+(\d[\d.,]*\d|\d))?"
    r"|([-+\u2212])(\d{1,7})(?:[.,](\d{1,6}))?)(?:\s?[$€£])?$"
)
# "-28.8400" / "+177,43" / "0.0000"
_FAST_NUMBER = re.compile(r"^(?P<n>[-+\u2212]?\d{1,7}(?:[.,]\d{1,6})?)$")
_NUMBER_START = frozenset(
    "+-\u2212\u2013\u2014\u2012\u2010\ufe63\uff0d\uff0b\u00b1([▲△▴↑⬆↗▼▽▾↓⬇↘$€£¥.,0123456789"
)


def _simple_float(s: str) -> tuple[float, str]:
    """A fast-path number ("-0,78", "+177.4300"): value and its decimal mark ("" if none
    or ambiguous)."""
    neg = s[0] in "-\u2212"
    if s[0] in "-+\u2212":
        s = s[1:]
    mark = ""
    if "," in s:
        mark = ","
        s = s.replace(",", ".")
    elif "." in s:
        mark = "."
    if mark and len(s) - s.index(".") - 1 == 3:
        mark = ""
    v = float(s)
    return (-v if neg else v), mark


def _fast_quote(text: str, known: Mapping[str, str]) -> BoxRow | None:
    m = _FAST_QUOTE.match(text)
    if m is None:
        return None
    name, ps, pi, pm, pf, lvl, cs, ci, cf = m.groups()
    if _ODD_SPACE.search(name) is not None:
        name = " ".join(name.split())
    if _norm(name) not in known:
        return None
    if ps is None:
        change = float(f"{ci}.{cf}") if cf else float(ci)
        return BoxRow(name, -change if cs != "+" else change, math.nan, math.nan, text, True)
    pct = float(f"{pi}.{pf}") if pf else float(pi)
    if ps != "+":
        pct = -pct
    level = math.nan
    if lvl is not None:
        if lvl.isdecimal():
            level = float(lvl)
        else:
            mark = pm if pf and len(pf) != 3 else None
            parsed = _parse_digits(lvl, mark)
            if parsed is None:
                return None
            level = parsed[0]
    return BoxRow(name, math.nan, pct, level, text, True)


def _number_values(
    texts: list[str], lines: list[_Line | None], i: int
) -> tuple[float, float, float] | None:
    """(change, pct, level) when line ``i`` is a layout-1 change line."""
    t = texts[i]
    if len(t) > 60 or t[0] not in _NUMBER_START:
        return None
    if _FAST_NUMBER.match(t) is not None:
        return _simple_float(t)[0], math.nan, math.nan
    line = lines[i]
    if line is None:
        line = lines[i] = _Line(t)
    nums = _number_line(line)
    return None if nums is None else _assign(nums, default_change=True)


def _find_box(
    texts: list[str], known: Mapping[str, str]
) -> tuple[int, int, list[BoxRow], list[str]] | None:
    """Find the box among the first non-empty lines: (first line, line after, rows, lines
    about the box such as "Stand: 17:35")."""
    n = len(texts)
    lines: list[_Line | None] = [None] * n
    quotes: dict[int, BoxRow | None] = {}
    for s in range(min(3, n)):
        rows: list[BoxRow] = []
        meta: list[str] = []
        recognised = False
        i = s
        while i < n:
            t = texts[i]
            if len(t) > 120:
                break
            if i + 1 < n and len(t) <= 50:
                values = _number_values(texts, lines, i + 1)
                if values is not None:
                    name = _name_line(t)
                    if name is not None:
                        rows.append(BoxRow(name, *values, f"{t}\n{texts[i + 1]}", True))
                        recognised = True
                        i += 2
                        continue
            if i in quotes:
                row = quotes[i]
            else:
                row = _fast_quote(t, known)
                if row is None:
                    line = lines[i]
                    if line is None:
                        line = lines[i] = _Line(t)
                    row = _quote_line(line, known)
                quotes[i] = row
            if row is None:
                if rows and len(t) <= 80 and _BOX_META.match(t) is not None:
                    meta.append(t)  # "Stand: 27.11.2024 17:35" under the quotes
                    i += 1
                    continue
                break
            rows.append(row)
            recognised = recognised or row.recognised
            i += 1
        if rows and recognised:
            return s, i, rows, meta
    return None


# ---------------------------------------------------------------------------------------
# titles and sign-offs

_TITLE_SPLIT = re.compile(r"^(?P<left>\S.{0,58}?)\s+[-–—|]\s+(?P<right>\S.*)$")
_CAP_WORD = re.compile(r"^[A-ZÄÖÜ0-9&][\w&.'’-]*$")
_SIGNOFF_LINE = re.compile(
    r"^\(\s*(?P<b1>[^()\n]{0,60}?)\s*(?:-{2,}|—|–)\s*(?P<o1>[A-Z][A-Za-z0-9]{1,11})\s*\)$"
    r"|^(?P<b2>[^()\n]{0,60}?)\s*-{2,}\s*(?P<o2>[A-Z][A-Za-z0-9]{1,11})$"
)
_SIGNOFF_END = re.compile(
    r"\s\(\s*(?P<b>[^()\n]{0,60}?)\s*(?:-{2,}|—|–)\s*(?P<o>[A-Z][A-Za-z0-9]{1,11})\s*\)\s*$"
)


def _split_title(line: str, heuristic: bool) -> tuple[str, str | None]:
    """(title, outlet) from ``"<outlet> - <title>"`` (or ``"<title> | <outlet>"``)."""
    head = line[:64]
    m = (
        _TITLE_SPLIT.match(line)
        if len(line) <= 300 and (" - " in head or " – " in head or " | " in head or " — " in head)
        else None
    )
    if m is None:
        return line, None
    left, right = m.group("left").strip(), m.group("right").strip()
    code = outlet_code(left)
    if code is not None:
        return right, code
    code = outlet_code(right)
    if code is not None:
        return left, code
    if heuristic:
        words = left.split()
        if 1 <= len(words) <= 4 and all(_CAP_WORD.match(w) for w in words):
            return right, left
    return line, None


def _signoff(line: str) -> tuple[str | None, str] | None:
    """(byline, outlet) when ``line`` is a sign-off."""
    if len(line) > 80:
        return None
    m = _SIGNOFF_LINE.match(line)
    if m is None:
        return None
    byline = (m.group("b1") if m.group("o1") else m.group("b2")) or ""
    outlet = m.group("o1") or m.group("o2")
    byline = byline.strip().strip("-–—").strip()
    if byline and _LETTER.search(byline) is None:
        return None
    return (byline or None), outlet


# ---------------------------------------------------------------------------------------
# one article


class ParsedArticle(NamedTuple):
    """What :func:`parse_article` found in one text.

    Attributes
    ----------
    body : str
        The article text ("" when rejected).
    title, byline, outlet : str or None
    box : tuple of BoxRow
        The ticker box's instruments in printed order.
    notes : tuple of str
        What was cleaned or inferred.
    reason : str or None
        Why the text is not an article; None for an article.
    """

    body: str
    title: str | None = None
    byline: str | None = None
    outlet: str | None = None
    box: tuple[BoxRow, ...] = ()
    notes: tuple[str, ...] = ()
    reason: str | None = None


_HEAD_LINES = 24  # a box (with title and heading) must lie within the first lines

# invisible format characters: LRM/RLM, ZWSP/ZWNJ/ZWJ, bidi embeddings and isolates, word
# joiner, BOM; inside a box line they would split a name or a number
_FORMAT_CHARS = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# a minus (hyphen, U+2212, en or em dash) then spaces then a digit: one signed number
_SPACED_SIGN = re.compile("(?:(?<=\\s)|^)([-+\u2212\u2013\u2014])[ \u00a0\u2009\u202f]+(?=\\d)")
# digits grouped by a no-break, thin, narrow no-break or figure space: one number
_GROUP_SPACE = re.compile("(?<=\\d)[\u00a0\u2009\u202f\u2007](?=\\d{3}(?!\\d))")
# digits grouped by plain spaces before a decimal part ("18 532,99"): one number
_PLAIN_GROUPS = re.compile(r"(?<![\d.,])(\d{1,3}(?: \d{3})+)(?=[.,]\d)")
# a line that is one integer grouped by plain spaces ("18 532", "-1 234 567"): one number
# (unambiguous only there: next to other numbers "18 532" could be two values)
_WHOLE_LINE_GROUPS = re.compile("^[-+\u2212\u2013\u2014]?\\d{1,3}(?: \\d{3})+%?$")
_BOX_DIGIT_SPACE = re.compile(
    "[\u00a0\u2009\u202f\u2007]|\\d \\d{3}[.,]\\d|[-+\u2212\u2013\u2014][ \u00a0\u2009\u202f]+\\d"
    "|^[-+\u2212\u2013\u2014]?\\d{1,3}(?: \\d{3})+%?$"
)


def _box_line(line: str, notes: list[str]) -> str:
    """A head line as the box parser reads it: format characters dropped, a spaced sign
    attached to its number, thousands groups joined (each change noted once)."""
    if _FORMAT_CHARS.search(line) is not None:
        line = _FORMAT_CHARS.sub("", line).strip()
        _note_once(
            notes, "invisible format characters (LRM/RLM, ZWJ/ZWNJ, BOM) removed from the box"
        )
    if _HAS_DIGIT(line) is None or _BOX_DIGIT_SPACE.search(line) is None:
        return line
    new = _SPACED_SIGN.sub(r"\1", line)
    if new != line:
        _note_once(notes, "a sign followed by a space in the box read as the number's sign")
        line = new
    new = _GROUP_SPACE.sub("", line)
    if new != line:
        _note_once(notes, "digit groups separated by (thin/no-break) spaces read as one number")
        line = new
    new = _PLAIN_GROUPS.sub(lambda m: m.group(1).replace(" ", ""), line)
    if new != line:
        _note_once(
            notes, "digit groups separated by spaces before a decimal part read as one number"
        )
        line = new
    if _WHOLE_LINE_GROUPS.match(line) is not None:
        line = line.replace(" ", "")
        _note_once(
            notes,
            "digit groups separated by spaces read as one number (the only number on its line)",
        )
    return line


_THREE_AFTER_ONE_SEP = re.compile("^[-+\u2212\u2013\u2014]?\\d{1,3}[.,]\\d{3}$")
_NUMBERISH = re.compile(r"^[-+\u2212\u2013\u2014]?\s?\d[\d.,'’ ]*%?$")


def _unreadable_box(lines: list[str]) -> str | None:
    """The number line of a name/number pair at the top that no rule reads (or None)."""
    for i in range(min(3, len(lines) - 1)):
        nxt = lines[i + 1]
        if (
            len(nxt) <= 30
            and _NUMBERISH.match(nxt) is not None
            and _name_line(lines[i]) is not None
            and _number_line(_Line(nxt)) is None
            and _FAST_NUMBER.match(nxt) is None
        ):
            return nxt
    return None


def _note_once(notes: list[str], note: str) -> None:
    if note not in notes:
        notes.append(note)


def parse_article(
    text: str,
    *,
    known: Mapping[str, str] | None = None,
    check_binary: bool = True,
) -> ParsedArticle:
    """Split one article text into ticker box, title, body and sign-off.

    Parameters
    ----------
    text : str
        The article as a string (decoded).
    known : mapping, optional
        Registry snapshot from :func:`known_instrument_keys` (taken when omitted).
    check_binary : bool, default True
        Reject texts whose start is mostly control characters.

    Returns
    -------
    ParsedArticle
        ``reason`` is set when the text is not an article (empty, whitespace only,
        binary, a box without text, a lone sign-off, a title without text, no letters).

    Notes
    -----
    The box is looked for in the first 24 lines; it must start on one of the first
    three non-empty lines (the lines before it are a title and a box heading). A line
    is a box line when it is an instrument name followed by a line of numbers (layout
    1), or a name followed by numbers on one line whose name the instrument registry
    knows; further quote lines with unknown names but a signed change or percent
    join a box that has a recognised line.
    """
    if known is None:
        known = known_instrument_keys()
    if not isinstance(text, str):
        return ParsedArticle("", reason=f"not a string ({type(text).__name__})")
    if not text:
        return ParsedArticle("", reason="empty text")
    if (
        check_binary
        and _CONTROL.search(text, 0, 512) is not None
        and _control_share(text[:512]) > _CONTROL_LIMIT
    ):
        return ParsedArticle("", reason="binary content (control characters)")
    notes: list[str] = []
    if (
        "\x00" in text
        or "\r" in text
        or "<" in text
        or "&" in text
        or "\ufeff" in text
        or "\u200b" in text
        or "\u00ad" in text
        or "\u2060" in text
        or "\u200c" in text
    ):
        text, notes = clean_text(text)
    text = text.strip()
    if not text:
        return ParsedArticle("", notes=tuple(notes), reason="only whitespace")

    # the first non-empty lines (stripped) and where each ends in ``text``
    lines: list[str] = []
    ends: list[int] = []
    pos = 0
    size = len(text)
    for _ in range(_HEAD_LINES):
        nl = text.find("\n", pos)
        if nl < 0:
            nl = size
        line = text[pos:nl].strip()
        if (line and not line.isascii()) or (
            line
            and _HAS_DIGIT(line) is not None
            and " " in line
            and (
                "- " in line
                or "+ " in line
                or _PLAIN_GROUPS.search(line) is not None
                or _WHOLE_LINE_GROUPS.match(line) is not None
            )
        ):
            line = _box_line(line, notes)
        if line:
            lines.append(line)
            ends.append(nl)
            if len(line) > 120 and len(lines) >= 3:
                break
        if nl >= size:
            break
        pos = nl + 1

    title: str | None = None
    title_outlet: str | None = None
    box: list[BoxRow] = []
    body = text
    found = _find_box(lines, known)
    if found is not None:
        s, e, box, meta = found
        pre = lines[:s]
        heading: str | None = None
        if pre and (
            pre[-1].casefold().rstrip(":") in BOX_HEADINGS
            or (len(pre) >= 2 and pre[-1].count(" ") < 3 and _HAS_DIGIT(pre[-1]) is None)
        ):
            heading = pre.pop()
        if pre:
            title, title_outlet = _split_title(pre[0], heuristic=True)
            notes.extend(f"line before the box: {extra!r}" for extra in pre[1:])
        if heading is not None and title is None:
            notes.append(f"box heading {heading!r}")
        notes.extend(f"box: {m!r}" for m in meta)
        for r in box:
            nl = r.raw.rfind("\n")
            if nl >= 0 and _THREE_AFTER_ONE_SEP.match(r.raw[nl + 1 :].strip()) is not None:
                notes.append(
                    f"box number {r.raw[nl + 1 :].strip()!r} read as {r.change:g}: one separator "
                    "before three digits could also group thousands"
                )
        body = text[ends[e - 1] :].strip()
    else:
        bad = _unreadable_box(lines)
        if bad is not None:
            notes.append(
                f"box not read: {bad!r} looks like a quote but its number cannot be read "
                "unambiguously"
            )
    if found is None and len(lines[0]) <= 300:
        t, o = _split_title(lines[0], heuristic=False)
        if o is not None:
            title, title_outlet = t, o
            body = text[ends[0] :].strip()

    byline: str | None = None
    outlet: str | None = None
    if body:
        cut = body.rfind("\n")
        last = body[cut + 1 :]
        sign = _signoff(last.strip()) if len(last) <= 90 else None
        if sign is not None:
            byline, outlet = sign
            body = body[: max(cut, 0)].rstrip()
        elif last.endswith(")"):
            m = _SIGNOFF_END.search(last)
            if m is not None and _LETTER.search(last, 0, m.start()):
                byline = m.group("b").strip().strip("-–—").strip() or None
                outlet = m.group("o")
                body = (body[: cut + 1] + last[: m.start()]).rstrip()
    if outlet is None:
        outlet = title_outlet
    elif title_outlet is not None and title_outlet != outlet:
        notes.append(f"title line names outlet {title_outlet!r}")

    reason: str | None = None
    if not body:
        if box:
            reason = "ticker box without article text"
        elif outlet is not None and title is None:
            reason = "sign-off without article text"
        elif title is not None:
            reason = "title without article text"
        else:
            reason = "no article text"
    elif _LETTER.search(body) is None:
        reason = "no article text (no letters)"
    if reason is not None:
        return ParsedArticle("", title, byline, outlet, tuple(box), tuple(notes), reason)
    return ParsedArticle(body, title, byline, outlet, tuple(box), tuple(notes), None)
