"""Ticker boxes: the quote lines at the head of a page, and their layouts."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple, Protocol, cast, runtime_checkable

from mktnews.errors import InvalidOptionError
from mktnews.instruments import normalize_name
from mktnews.textnums import ARROWS_DOWN, ARROWS_UP, MINUS_SIGNS, parse_digits

__all__ = ["BOX_HEADINGS", "BoxLayout", "BoxRow", "box_layouts", "register_box_layout"]

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
        if len(low) == 1 and (low in ARROWS_UP or low in ARROWS_DOWN):
            return ("arrow", 1.0 if low in ARROWS_UP else -1.0, False, False, "", "", math.nan)
        return None
    sign_ch, digits, pct = m.group("s", "d", "p")
    parsed = parse_digits(digits, None)
    if parsed is None:
        return None
    value, mark, amb, alt = parsed
    if not sign_ch:
        return ("num", value, bool(pct), False, mark, amb, alt)
    neg = sign_ch in MINUS_SIGNS or sign_ch in ARROWS_DOWN
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
_ODD_SPACE = re.compile(r"\s\s|[^\S ]")


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
            parsed = parse_digits(lvl, mark)
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



# ---------------------------------------------------------------------------------------
# layouts: the extension point

#: A found box: (index of its first head line, index after its last, its rows, notes
#: about the box such as "Stand: 17:35").
FoundBox = tuple[int, int, list[BoxRow], list[str]]


@runtime_checkable
class BoxLayout(Protocol):
    """A ticker-box layout the reader does not know yet.

    ``find`` gets the first non-empty lines of a page (stripped; at most 24, the box must
    start on one of the first three) and the registry snapshot ``known`` (normalised
    printed name -> symbol, see :func:`mktnews.instruments.known_instrument_keys`); it
    returns ``(start, end, rows, notes)`` -- the box is ``lines[start:end]``, the text
    after it is the article -- or None when the page has no box of this layout.
    """

    name: str

    def find(self, lines: Sequence[str], known: Mapping[str, str]) -> FoundBox | None: ...


_LAYOUTS: dict[str, BoxLayout] = {}


def register_box_layout(layout: BoxLayout, *, replace: bool = False) -> None:
    """Teach the reader a ticker-box layout (tried after the built-in ones).

    Parameters
    ----------
    layout : BoxLayout
        An object with a ``name`` and ``find(lines, known)`` (see :class:`BoxLayout`).
    replace : bool, default False
        Replace a layout registered under the same name.

    Raises
    ------
    InvalidOptionError
        For an object without ``name``/``find``, or a name already registered.
    """
    if not isinstance(layout, BoxLayout) or not isinstance(layout.name, str) or not layout.name:
        raise InvalidOptionError("layout", type(layout).__name__, reason="needs a name and find(lines, known)")
    if layout.name in _LAYOUTS and not replace:
        raise InvalidOptionError("layout", layout.name, reason="already registered; pass replace=True")
    _LAYOUTS[layout.name] = layout


def unregister_box_layout(name: str) -> None:
    """Forget a registered layout (no error when there is none of that name)."""
    _LAYOUTS.pop(name, None)


def box_layouts() -> tuple[str, ...]:
    """Names of the registered layouts, in the order they are tried."""
    return tuple(_LAYOUTS)


def _checked_layout_result(layout: BoxLayout, lines: Sequence[str], found: object) -> FoundBox | None:
    """A layout's answer, checked: indices inside the head lines, a non-empty box, rows
    of :class:`BoxRow` (a wrong answer raises, naming the layout)."""
    if found is None:
        return None
    ok = (
        isinstance(found, tuple)
        and len(found) == 4
        and all(isinstance(x, int) for x in found[:2])
        and 0 <= found[0] < found[1] <= len(lines)
        and isinstance(found[2], list)
        and len(found[2]) > 0
        and all(isinstance(r, BoxRow) for r in found[2])
    )
    if not ok:
        raise InvalidOptionError(
            "layout", layout.name,
            reason="find() must return None or (start, end, [BoxRow, ...], [notes]) with "
            "0 <= start < end <= len(lines)",
        )
    box = cast("tuple[int, int, list[BoxRow], Sequence[object]]", found)
    return box[0], box[1], list(box[2]), [str(x) for x in box[3]]

def find_box(
    texts: list[str], known: Mapping[str, str]
) -> tuple[int, int, list[BoxRow], list[str]] | None:
    """Find the box among the first non-empty lines: (first line, line after, rows, lines
    about the box such as "Stand: 17:35"). The built-in layouts are tried first, then the
    registered ones (:func:`register_box_layout`) in the order they were registered."""
    found = _builtin_box(texts, known)
    if found is None:
        for layout in list(_LAYOUTS.values()):
            found = _checked_layout_result(layout, texts, layout.find(texts, known))
            if found is not None:
                break
    return found


def _builtin_box(
    texts: list[str], known: Mapping[str, str]
) -> tuple[int, int, list[BoxRow], list[str]] | None:
    """The built-in layouts: pair boxes, quote lines, a single quote line."""
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
# head lines as the box parser reads them

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


def unreadable_box(lines: list[str]) -> str | None:
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


def head_line(line: str, notes: list[str]) -> str:
    """One stripped head line of a page as the box parser reads it (see :func:`_box_line`);
    plain lines pass unchanged. Notes of what was changed are appended once to ``notes``."""
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
        return _box_line(line, notes)
    return line


def ambiguous_box_notes(box: Sequence[BoxRow]) -> list[str]:
    """Notes for box numbers whose one separator before three digits could group thousands."""
    notes: list[str] = []
    for r in box:
        nl = r.raw.rfind("\n")
        if nl >= 0 and _THREE_AFTER_ONE_SEP.match(r.raw[nl + 1 :].strip()) is not None:
            notes.append(
                f"box number {r.raw[nl + 1 :].strip()!r} read as {r.change:g}: one separator "
                "before three digits could also group thousands"
            )
    return notes


def is_box_heading(pre: Sequence[str]) -> bool:
    """Whether the last of the lines before a box is its heading (``"Börse"``, a short line
    without digits under a title)."""
    return bool(pre) and (
        pre[-1].casefold().rstrip(":") in BOX_HEADINGS
        or (len(pre) >= 2 and pre[-1].count(" ") < 3 and _HAS_DIGIT(pre[-1]) is None)
    )
