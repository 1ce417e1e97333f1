"""One article page: ticker box, title, body and sign-off (:func:`parse_article`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from mktnews.boxes import (
    BoxRow,
    ambiguous_box_notes,
    find_box,
    head_line,
    is_box_heading,
    unreadable_box,
)
from mktnews.instruments import known_instrument_keys
from mktnews.outlets import outlet_code
from mktnews.text import clean_text, looks_binary

__all__ = ["ParsedArticle", "parse_article"]

_LETTER = re.compile(r"[^\W\d_]")

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
    if check_binary and looks_binary(text):
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
    lines, ends = _head_lines(text, notes)
    title, title_outlet, box, body = _box_and_title(text, lines, ends, known, notes)
    body, byline, outlet = _take_signoff(body)
    if outlet is None:
        outlet = title_outlet
    elif title_outlet is not None and title_outlet != outlet:
        notes.append(f"title line names outlet {title_outlet!r}")
    reason = _not_an_article(body, box, outlet, title)
    if reason is not None:
        return ParsedArticle("", title, byline, outlet, tuple(box), tuple(notes), reason)
    return ParsedArticle(body, title, byline, outlet, tuple(box), tuple(notes), None)


def _head_lines(text: str, notes: list[str]) -> tuple[list[str], list[int]]:
    """The first non-empty lines (stripped, read as box lines) and where each ends in ``text``."""
    lines: list[str] = []
    ends: list[int] = []
    pos = 0
    size = len(text)
    for _ in range(_HEAD_LINES):
        nl = text.find("\n", pos)
        if nl < 0:
            nl = size
        line = head_line(text[pos:nl].strip(), notes)
        if line:
            lines.append(line)
            ends.append(nl)
            if len(line) > 120 and len(lines) >= 3:
                break
        if nl >= size:
            break
        pos = nl + 1
    return lines, ends


def _box_and_title(
    text: str, lines: list[str], ends: list[int], known: Mapping[str, str], notes: list[str]
) -> tuple[str | None, str | None, list[BoxRow], str]:
    """The title, the outlet its line names, the box rows and the text after them."""
    title: str | None = None
    title_outlet: str | None = None
    box: list[BoxRow] = []
    body = text
    found = find_box(lines, known)
    if found is not None:
        s, e, box, meta = found
        pre = lines[:s]
        heading = pre.pop() if is_box_heading(pre) else None
        if pre:
            title, title_outlet = _split_title(pre[0], heuristic=True)
            notes.extend(f"line before the box: {extra!r}" for extra in pre[1:])
        if heading is not None and title is None:
            notes.append(f"box heading {heading!r}")
        notes.extend(f"box: {m!r}" for m in meta)
        notes.extend(ambiguous_box_notes(box))
        body = text[ends[e - 1] :].strip()
    else:
        bad = unreadable_box(lines)
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
    return title, title_outlet, box, body


def _take_signoff(body: str) -> tuple[str, str | None, str | None]:
    """The body without its closing sign-off ``(H.Schneide--BBZ)``, the byline and outlet."""
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
    return body, byline, outlet


def _not_an_article(
    body: str, box: list[BoxRow], outlet: str | None, title: str | None
) -> str | None:
    """Why a parsed page is not an article (None when it is one)."""
    if not body:
        if box:
            return "ticker box without article text"
        if outlet is not None and title is None:
            return "sign-off without article text"
        if title is not None:
            return "title without article text"
        return "no article text"
    if _LETTER.search(body) is None:
        return "no article text (no letters)"
    return None
