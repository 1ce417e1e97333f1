"""Decoding bytes by the evidence and cleaning text (HTML, controls, invisible characters)."""

from __future__ import annotations

import codecs
import html
import re
import unicodedata

__all__ = ["clean_text", "decode_bytes"]

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


def looks_binary(text: str) -> bool:
    """Whether the start of a text (512 characters) is more than 5 % control characters."""
    return _CONTROL.search(text, 0, 512) is not None and _control_share(text[:512]) > _CONTROL_LIMIT


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


