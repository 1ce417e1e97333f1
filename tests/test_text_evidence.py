"""Text decoding by evidence and box numbers as printed (issue 11).

Expected texts are the strings the test itself encoded; expected numbers are written by
hand (or, in the hypothesis tests, are the integers the test formatted).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mktnews._text import decode_bytes
from mktnews.articles import parse_article, read_articles

RU = "Индекс DAX упал на 84,49 пункта. Инвесторы опасаются пошлин.\n"
ZH = "德国股市指数下跌，投资者担心关税。欧洲斯托克五十指数下跌。"
DE = "Der Dax fiel am Mittwoch um 84,49 Punkte. Börse in Sorge über Zölle.\n"


@pytest.mark.parametrize("text", [RU, ZH, DE])
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(text: str, codec: str) -> None:
    got, reason, note = decode_bytes(text.encode(codec))
    assert reason is None
    assert got == text
    assert note == f"decoded as {codec} (no byte-order mark)"


def test_one_bad_byte_in_utf8_is_replaced_not_the_whole_file(tmp_path: Path) -> None:
    data = DE.encode("utf-8").replace("ö".encode(), b"\xf6", 1)  # one Latin-1 byte
    got, _reason, note = decode_bytes(data)
    assert got == DE.replace("ö", "\ufffd", 1)  # the other umlauts stay right
    assert "1 invalid UTF-8 byte sequence replaced" in note
    (tmp_path / "a.txt").write_bytes(data)
    c = read_articles(tmp_path)
    assert "invalid UTF-8" in c.articles["notes"][0]


def test_cp1252_file_still_cp1252() -> None:
    got, _reason, note = decode_bytes(DE.encode("cp1252"))
    assert got == DE and note == "decoded as cp1252"


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(
        st.text(alphabet=st.sampled_from("абвгдежзийклмнопрстуфхцчшщыэюя"), min_size=2, max_size=8)
        | st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=8),
        min_size=3,
        max_size=12,
    ),
    codec=st.sampled_from(["utf-16-le", "utf-16-be"]),
    sep=st.sampled_from([" ", "", "，"]),
)
def test_hyp_non_latin_utf16_without_bom(words: list[str], codec: str, sep: str) -> None:
    text = sep.join(words) + "."
    got, reason, _note = decode_bytes(text.encode(codec))
    assert reason is None and got == text


# --- box numbers ------------------------------------------------------------------


def box(text: str) -> tuple[str, float, float, float]:
    p = parse_article(text)
    assert p.reason is None and p.box, (text, p.notes)
    r = p.box[0]
    return r.instrument, r.change, r.change_pct, r.level


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("- 84,49", -84.49),
        ("-\u00a084,49", -84.49),
        ("– 84,49", -84.49),  # en dash
        ("— 84,49", -84.49),  # em dash
        ("−84,49", -84.49),  # U+2212
        ("+ 84,49", 84.49),
        ("-1\u00a0234,56", -1234.56),  # NBSP groups thousands
        ("-1\u202f234,56", -1234.56),  # narrow NBSP
        ("-1\u2009234,56", -1234.56),  # thin space
        ("- 1\u00a0234,56", -1234.56),
    ],
)
def test_layout1_change_line_signs_and_groups(line: str, value: float) -> None:
    name, change, _pct, _lvl = box(f"DAX\n{line}\nDer Text des Artikels.")
    assert name == "DAX"
    assert change == pytest.approx(value)


@pytest.mark.parametrize("space", ["\u00a0", "\u2009", "\u202f", " "])
def test_one_line_box_level_with_grouped_thousands(space: str) -> None:
    # 18 532,99 is one number: eighteen thousand five hundred thirty-two point ninety-nine
    assert box(f"DAX -0,45% 18{space}532,99\nDer Text.")[1:] == pytest.approx(
        (float("nan"), -0.45, 18532.99), nan_ok=True
    )


@pytest.mark.parametrize(
    "text",
    [
        "\u200eDAX\u200f\n-84,49\nDer Text.",
        "D\u200dAX\n-84,49\nDer Text.",
        "DAX\n\u200e-84,49\nDer Text.",
        "\ufeffDAX\n-84\ufeff,49\nDer Text.",
        "DAX\u200c\n-84,49\nDer Text.",
    ],
)
def test_invisible_format_characters_do_not_break_the_box(text: str) -> None:
    assert box(text)[:2] == ("DAX", pytest.approx(-84.49))


def test_unreadable_number_is_flagged_not_half_read() -> None:
    p = parse_article("DAX\n-84,4,9\nDer Text.")
    assert p.box == ()
    assert any("cannot be read unambiguously" in n for n in p.notes)


@settings(max_examples=80, deadline=None)
@given(
    whole=st.integers(1000, 9_999_999),
    cents=st.integers(0, 99),
    neg=st.booleans(),
    sign=st.sampled_from(["-", "- ", "-\u00a0", "– ", "— ", "\u2212"]),
    group=st.sampled_from(["\u00a0", "\u2009", "\u202f", "."]),
)
def test_hyp_grouped_signed_numbers(whole: int, cents: int, neg: bool, sign: str, group: str) -> None:
    digits = f"{whole:,}".replace(",", group)
    printed = f"{sign if neg else '+'}{digits},{cents:02d}"
    expected = (-1 if neg else 1) * (whole + cents / 100)
    change = box(f"DAX\n{printed}\nDer Text.")[1]
    assert change == pytest.approx(expected)


def test_one_separator_before_three_digits_is_flagged() -> None:
    p = parse_article("DAX\n-1.234\nDer Text.")
    assert p.box[0].change == pytest.approx(-1.234)  # the documented reading ...
    assert any("could also group thousands" in n for n in p.notes)  # ... flagged
    q = parse_article("DAX\n-1.23\nDer Text.")
    assert not any("thousands" in n for n in q.notes)
