"""Tests of the article reader: layouts, numbers, encodings, rejections, tables, times, ids.

Expected values are read off the fixture texts by hand (tests/data/articles/) or taken
from the real market data in ../shared/data; none is produced by mktnews itself.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mktnews import ArticleError, InvalidOptionError, register_instrument, resolve_instrument
from mktnews.articles import (
    ARTICLE_COLUMNS,
    REJECTED_COLUMNS,
    SNAPSHOT_COLUMNS,
    Corpus,
    parse_article,
    parse_number,
    read_articles,
)

DATA = Path(__file__).resolve().parent / "data" / "articles"
SEED_ID = "000_c914ccdd9c6fabd9"
SEED_FIRST = "Der russische Präsident Wladimir Putin ist zu einem zweitägigen Besuch"
SEED_LAST = "Am Donnerstag steht dann beim OVKS-Gipfel das Thema Ukrainekrieg auf der Agenda."


def check_contract(c: Corpus) -> None:
    """The frame contract every corpus must keep."""
    assert len(c.articles) + len(c.rejected) == c.n_inputs
    assert tuple(c.articles.columns[: len(ARTICLE_COLUMNS)]) == ARTICLE_COLUMNS
    assert tuple(c.snapshots.columns) == SNAPSHOT_COLUMNS
    assert tuple(c.rejected.columns) == REJECTED_COLUMNS
    assert str(c.articles["published_at"].dtype) == "datetime64[ns, UTC]"
    assert c.articles["article_id"].is_unique
    assert c.articles["article_id"].notna().all()
    for col in ("snapshot_change", "snapshot_pct", "snapshot_level"):
        assert c.articles[col].dtype == np.float64
    assert c.snapshots["position"].dtype == np.int64
    assert c.snapshots["zero_flag"].dtype == bool
    assert set(c.snapshots["article_id"]) <= set(c.articles["article_id"])
    assert c.rejected["reason"].notna().all()
    # positions run 0..k-1 within each article
    for _, g in c.snapshots.groupby("article_id"):
        assert list(g["position"]) == list(range(len(g)))


def one(texts: list[str] | str, **kw: object) -> pd.Series:
    """Read strings and return the single article row."""
    c = read_articles([texts] if isinstance(texts, str) else texts, **kw)  # type: ignore[arg-type]
    check_contract(c)
    assert len(c.articles) == 1, c.rejected
    return c.articles.iloc[0]


# ---------------------------------------------------------------------------------------
# the seed


def test_seed_reads_as_one_article(seed_path: Path) -> None:
    c = read_articles(seed_path)
    check_contract(c)
    assert c.n_inputs == 1 and len(c.articles) == 1 and len(c.rejected) == 0
    a = c.articles.iloc[0]
    assert a["article_id"] == SEED_ID
    assert a["instrument"] == "Euro STOXX 50"
    assert a["snapshot_change"] == pytest.approx(-28.84)
    assert math.isnan(a["snapshot_pct"]) and math.isnan(a["snapshot_level"])
    assert a["snapshot_raw"] == "Euro STOXX 50\n-28.8400"
    assert a["byline"] == "H.Schneide"
    assert a["outlet"] == "BBZ"
    assert a["body"].startswith(SEED_FIRST)
    assert a["body"].endswith(SEED_LAST)
    assert "BBZ" not in a["body"] and "-28.8400" not in a["body"]
    assert a["body"].count("\n") == 5  # six paragraphs, as in the file
    assert pd.isna(a["published_at"]) and pd.isna(a["title"])
    assert a["source"] == str(seed_path)
    s = c.snapshots.iloc[0]
    assert (s["article_id"], s["position"], s["instrument"]) == (SEED_ID, 0, "Euro STOXX 50")
    assert s["change"] == pytest.approx(-28.84) and not s["zero_flag"]
    assert resolve_instrument(a["instrument"]).symbol == "^STOXX50E"


def test_seed_change_is_the_real_close_to_close_change(seed_path: Path, daily_dir: Path) -> None:
    prices = pd.read_csv(daily_dir / "^STOXX50E.csv", index_col="Date")
    real = prices.loc["2024-11-27", "Close"] - prices.loc["2024-11-26", "Close"]
    assert real == pytest.approx(-28.8403, abs=1e-4)
    a = read_articles(seed_path).articles.iloc[0]
    assert a["snapshot_change"] == pytest.approx(real, abs=0.005)


# ---------------------------------------------------------------------------------------
# layouts (fixture files)


@pytest.fixture(scope="module")
def fixtures() -> Corpus:
    return read_articles(DATA)


def row(c: Corpus, article_id: str) -> pd.Series:
    return c.articles.set_index("article_id").loc[article_id]


def snaps(c: Corpus, article_id: str) -> pd.DataFrame:
    return c.snapshots[c.snapshots["article_id"] == article_id].reset_index(drop=True)


def test_fixture_folder_reads_every_file(fixtures: Corpus) -> None:
    check_contract(fixtures)
    files = sorted(p.stem for p in DATA.glob("*.txt"))
    assert list(fixtures.articles["article_id"]) == files
    assert fixtures.rejected.empty


def test_layout2_full_box(fixtures: Corpus) -> None:
    a = row(fixtures, "btb_layout2_full_box")
    assert a["title"] == "Zollsorgen drücken den Dax ins Minus"
    assert a["outlet"] == "BTB"  # "Berliner Tageblatt" is a known outlet
    assert pd.isna(a["byline"])
    assert a["instrument"] == "DAX"
    assert math.isnan(a["snapshot_change"])
    assert a["snapshot_pct"] == pytest.approx(-0.78)
    assert a["snapshot_level"] == pytest.approx(18532.99)
    assert a["body"].startswith("Die Sorge vor neuen US-Zöllen")
    assert a["body"].endswith("Bundesanleihen sank leicht.")
    assert "Börse" not in a["body"].split("\n")[0][:6]
    s = snaps(fixtures, "btb_layout2_full_box")
    assert list(s["instrument"]) == ["DAX", "Euro STOXX 50", "Goldpreis", "Ölpreis", "EUR/USD"]
    assert s["change_pct"].tolist() == pytest.approx([-0.78, -0.61, -0.52, 0.35, -0.13])
    assert s["level"].tolist() == pytest.approx([18532.99, 4733.15, 2344.3, 72.81, 1.0847])
    assert s["change"].isna().all()
    assert s["raw"][2] == "Goldpreis -0.52% 2344.3 $"
    symbols = [resolve_instrument(x).symbol for x in s["instrument"]]
    assert symbols == ["^GDAXI", "^STOXX50E", "GC=F", "BZ=F", "EURUSD=X"]


def test_layout2_german_number_forms(fixtures: Corpus) -> None:
    a = row(fixtures, "btb_layout2_german_numbers")
    assert a["title"] == "Anleger bleiben vor der Notenbanksitzung vorsichtig"
    assert a["outlet"] == "BTB"
    s = snaps(fixtures, "btb_layout2_german_numbers")
    assert list(s["instrument"]) == ["DAX", "MDAX", "Dow Jones", "S&P 500", "Nikkei 225", "Bitcoin"]
    assert s["change_pct"].tolist() == pytest.approx([-0.61, 0.12, -0.31, 0.57, -1.21, 2.4])
    expected_levels = [19261.75, 26410.20, np.nan, 6001.35, 38134.97, 91230.0]
    assert s["level"].tolist() == pytest.approx(expected_levels, nan_ok=True)
    assert s["raw"][0] == "DAX   −0,61 %   19.261,75 Pkt."
    assert a["body"].startswith("Vor der Zinsentscheidung")
    assert a["body"].endswith("uneinheitlich geschlossen.")


def test_layout3_one_line_box(fixtures: Corpus) -> None:
    a = row(fixtures, "bbz_layout3_one_line")
    assert a["instrument"] == "Euro STOXX 50"
    assert a["snapshot_pct"] == pytest.approx(-0.56)
    assert a["snapshot_level"] == pytest.approx(3777.38)
    assert math.isnan(a["snapshot_change"])
    assert (a["byline"], a["outlet"]) == ("M.Keller", "BBZ")
    assert a["body"].startswith("Die Ölpreise sind am Montag")
    assert a["body"].endswith("schwächer entwickelt als erhofft.")


def test_layout4_no_box(fixtures: Corpus) -> None:
    a = row(fixtures, "nzn_layout4_no_box")
    assert pd.isna(a["instrument"]) and pd.isna(a["snapshot_raw"])
    assert math.isnan(a["snapshot_change"])
    assert snaps(fixtures, "nzn_layout4_no_box").empty
    assert (a["byline"], a["outlet"]) == ("J.Hasler", "NZN")  # sign-off without parentheses
    assert a["body"].startswith("Die Schweizerische Nationalbank")
    assert a["body"].endswith("für März angesetzt.")


def test_layout1_leading_blank_line_and_plus_sign(fixtures: Corpus) -> None:
    a = row(fixtures, "nzn_layout1_leading_blank")
    assert a["instrument"] == "SMI"
    assert a["snapshot_change"] == pytest.approx(177.43)
    assert (a["byline"], a["outlet"]) == ("J.Hasler", "NZN")
    assert a["body"].startswith("Die Aktien des Nahrungsmittelkonzerns")


def test_layout1_two_pairs(fixtures: Corpus) -> None:
    s = snaps(fixtures, "bbz_layout1_two_pairs")
    assert list(s["instrument"]) == ["DAX", "Euro STOXX 50"]
    assert s["change"].tolist() == pytest.approx([-120.55, -28.84])
    assert list(s["position"]) == [0, 1]
    a = row(fixtures, "bbz_layout1_two_pairs")
    assert a["instrument"] == "DAX" and a["snapshot_change"] == pytest.approx(-120.55)
    assert a["snapshot_raw"] == "DAX\n-120.5500\nEuro STOXX 50\n-28.8400"


def test_stale_zero_box_is_kept_and_flagged(fixtures: Corpus) -> None:
    a = row(fixtures, "bbz_stale_zero_box")
    assert a["snapshot_change"] == 0.0
    s = snaps(fixtures, "bbz_stale_zero_box")
    assert bool(s["zero_flag"][0]) is True
    others = fixtures.snapshots[fixtures.snapshots["article_id"] != "bbz_stale_zero_box"]
    assert not others["zero_flag"].any()
    assert fixtures.summary()["zero_snapshots"] == 1


def test_html_paragraphs_and_entities(fixtures: Corpus) -> None:
    a = row(fixtures, "bbz_html_paragraphs")
    assert a["instrument"] == "Euro STOXX 50"
    assert a["snapshot_change"] == pytest.approx(-28.84)  # "−28,84": U+2212, decimal comma
    assert a["body"].split("\n") == [
        "Die Europäische Zentralbank lässt die Zinsen unverändert & signalisiert weitere Geduld.",
        "Ratsmitglieder warnten vor zu frühen Senkungen.",
        "Die nächste Sitzung ist im Januar.",
    ]
    assert (a["byline"], a["outlet"]) == ("H.Schneide", "BBZ")
    assert "HTML" in a["notes"]


# ---------------------------------------------------------------------------------------
# numbers


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("-28.8400", -28.84),
        ("+177.4300", 177.43),
        ("\u221228,84", -28.84),
        ("\u2013 28,84", -28.84),
        ("-1.234,56", -1234.56),
        ("1,234.56", 1234.56),
        ("-0,61%", -0.61),
        ("(-0,61 %)", -0.61),
        ("0.0000", 0.0),
        ("±0,00", 0.0),
        ("18532.99", 18532.99),
        ("18 532,99", 18532.99),
        ("18\u202f532,99", 18532.99),
        ("11'950.5", 11950.5),
        ("1.234.567", 1234567.0),
        ("1,234,567.8", 1234567.8),
        ("1.0847", 1.0847),
        (",5", 0.5),
        ("42", 42.0),
        ("1,234", 1.234),  # a single separator is a decimal mark
    ],
)
def test_parse_number_forms(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value, abs=1e-12)


def test_parse_number_decimal_hint() -> None:
    assert parse_number("18.532", decimal=",") == 18532.0
    assert parse_number("18.532") == pytest.approx(18.532)
    assert parse_number("1,234", decimal=".") == 1234.0
    assert parse_number("18.53", decimal=",") == pytest.approx(18.53)  # not three digits


@pytest.mark.parametrize(
    "text", ["", "abc", "1 2", "1,2,3", "1.23.4", "--1", "1.", "12a", "²", "1,234.5.6", "%"]
)
def test_parse_number_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not a number"):
        parse_number(text)


@given(
    value=st.decimals(
        min_value=-999_999, max_value=999_999, places=2, allow_nan=False, allow_infinity=False
    )
)
def test_parse_number_round_trips_english_and_german_forms(value: object) -> None:
    v = float(value)  # type: ignore[arg-type]
    english = f"{v:+,.2f}"
    german = english.replace(",", "_").replace(".", ",").replace("_", ".")
    assert parse_number(english) == pytest.approx(v, abs=1e-9)
    assert parse_number(german.replace("-", "\u2212")) == pytest.approx(v, abs=1e-9)


# ---------------------------------------------------------------------------------------
# box lines beyond the fixtures


def test_percent_only_line() -> None:
    a = one("DAX -0,78%\nDie Börse schloss schwächer.")
    assert a["snapshot_pct"] == pytest.approx(-0.78)
    assert math.isnan(a["snapshot_level"]) and math.isnan(a["snapshot_change"])


def test_points_and_percent_on_one_line() -> None:
    a = one("DAX -144,10 Pkt. (-0,78%)\nDie Börse schloss schwächer.")
    assert (a["snapshot_change"], a["snapshot_pct"]) == pytest.approx((-144.1, -0.78))


def test_extra_whitespace_and_currency() -> None:
    a = one("   Euro   STOXX 50   -0.56%   3777.38  \n\nText des Artikels.")
    assert a["instrument"] == "Euro STOXX 50"
    assert a["snapshot_level"] == pytest.approx(3777.38)
    b = one("Goldpreis -0,52% 2.344,30 $\nText des Artikels.")
    assert b["instrument"] == "Goldpreis" and b["snapshot_level"] == pytest.approx(2344.3)
    c = one("S&P 500 +0.57% 6,001.35\nText des Artikels.")
    assert c["snapshot_level"] == pytest.approx(6001.35)
    d = one("Brent +0,35% $72,81\nText des Artikels.")
    assert d["snapshot_level"] == pytest.approx(72.81)


def test_thousands_with_dot_read_by_the_line_decimal_comma() -> None:
    a = one("DAX -0,61% 19.261\nText des Artikels.")
    assert a["snapshot_level"] == 19261.0
    b = one("EUR/USD -0.13% 1.085\nText des Artikels.")  # decimal point line: 1.085
    assert b["snapshot_level"] == pytest.approx(1.085)


def test_arrow_gives_the_sign() -> None:
    a = one("DAX ▼ 0,78% 18.532,99\nText des Artikels.")
    assert a["snapshot_pct"] == pytest.approx(-0.78)
    assert a["snapshot_level"] == pytest.approx(18532.99)


def test_pair_with_german_thousands_and_percent() -> None:
    a = one("Nikkei 225\n-1.234,56\nText des Artikels.")
    assert a["instrument"] == "Nikkei 225" and a["snapshot_change"] == pytest.approx(-1234.56)
    b = one("DAX\n-0,61%\nText des Artikels.")
    assert b["snapshot_pct"] == pytest.approx(-0.61) and math.isnan(b["snapshot_change"])
    c = one("Euro STOXX 50\n4.733,15 -28,84 (-0,61%)\nText des Artikels.")
    assert (c["snapshot_level"], c["snapshot_change"], c["snapshot_pct"]) == pytest.approx(
        (4733.15, -28.84, -0.61)
    )


def test_zero_percent_is_flagged() -> None:
    c = read_articles(["DAX ±0,00% 18.532,99\nText.", "DAX +0,10% 18.532,99\nText."])
    assert c.snapshots["zero_flag"].tolist() == [True, False]


def test_unknown_name_alone_is_no_box_but_joins_a_recognised_box() -> None:
    a = one("Siemens -1,2% 170,50 €\nDie Aktie gab nach.")
    assert pd.isna(a["instrument"])
    assert a["body"].startswith("Siemens -1,2% 170,50 €")
    c = read_articles(["DAX -0,78% 18.532,99\nSiemens -1,2% 170,50 €\nDie Aktie gab nach."])
    assert list(c.snapshots["instrument"]) == ["DAX", "Siemens"]
    assert c.snapshots["level"].tolist() == pytest.approx([18532.99, 170.5])
    assert c.articles["body"][0] == "Die Aktie gab nach."


def test_registered_instrument_is_recognised() -> None:
    register_instrument("TESTNORD.X", "Testindex Nord", aliases=("TIN 25",), tz="Europe/Berlin")
    a = one("TIN 25 +0,42% 1.018,40\nDer Index stieg.")
    assert a["instrument"] == "TIN 25"
    assert a["snapshot_pct"] == pytest.approx(0.42) and a["snapshot_level"] == pytest.approx(1018.4)


def test_ordinary_first_lines_are_not_boxes() -> None:
    for text in (
        "Gold steigt um 2%\nDer Goldpreis legte zu.",
        "Rückblick 2024\nDas Jahr war bewegt.",
        "Umsatz: 5%\nDer Konzern meldete Zahlen.",
    ):
        a = one(text)
        assert pd.isna(a["instrument"]), text
        assert a["body"] == text


def test_title_line_without_box_only_for_known_outlets() -> None:
    a = one("Berliner Tageblatt - Dax im Minus\nDie Börse schloss schwächer.")
    assert (a["title"], a["outlet"]) == ("Dax im Minus", "BTB")
    assert a["body"] == "Die Börse schloss schwächer."
    b = one("Putin - ein Porträt\nDer Präsident ist 72.")
    assert pd.isna(b["title"]) and b["body"].startswith("Putin - ein Porträt")


@pytest.mark.parametrize(
    ("last", "byline", "outlet"),
    [
        ("(H.Schneide--BBZ)", "H.Schneide", "BBZ"),
        ("J.Hasler--NZN", "J.Hasler", "NZN"),
        ("(H. Schneide -- BBZ)", "H. Schneide", "BBZ"),
        ("(H.Schneide—BBZ)", "H.Schneide", "BBZ"),
        ("(H.Schneide/J.Hasler--BTB)", "H.Schneide/J.Hasler", "BTB"),
    ],
)
def test_signoff_forms(last: str, byline: str, outlet: str) -> None:
    a = one(f"Euro STOXX 50\n-28.8400\nDer Text.\n{last}")
    assert (a["byline"], a["outlet"]) == (byline, outlet)
    assert a["body"] == "Der Text."


def test_signoff_at_the_end_of_the_last_paragraph() -> None:
    a = one("Euro STOXX 50\n-28.8400\nErster Absatz.\nZweiter Absatz. (H.Schneide--BBZ)")
    assert (a["byline"], a["outlet"]) == ("H.Schneide", "BBZ")
    assert a["body"] == "Erster Absatz.\nZweiter Absatz."


def test_outlet_argument_fills_only_missing_outlets() -> None:
    c = read_articles(["Text ohne Signatur.", "Text.\n(A.B--NZN)"], outlet="BBZ")
    assert list(c.articles["outlet"]) == ["BBZ", "NZN"]


# ---------------------------------------------------------------------------------------
# encodings


@pytest.fixture(scope="module")
def seed_text(seed_path: Path) -> str:
    return seed_path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "encode"),
    [
        ("utf8", lambda t: t.encode("utf-8")),
        ("utf8-bom", lambda t: codecs.BOM_UTF8 + t.encode("utf-8")),
        ("utf16-le-bom", lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le")),
        ("utf16-be-bom", lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be")),
        ("utf16-le-no-bom", lambda t: t.encode("utf-16-le")),
        ("cp1252", lambda t: t.encode("cp1252")),
        ("crlf", lambda t: t.replace("\n", "\r\n").encode("utf-8")),
        ("cr", lambda t: t.replace("\n", "\r").encode("cp1252")),
        ("nuls", lambda t: t.encode("utf-8").replace(b"Putin", b"Pu\x00tin", 2) + b"\x00"),
    ],
)
def test_encodings_give_the_same_article(
    tmp_path: Path, seed_text: str, name: str, encode: object
) -> None:
    path = tmp_path / f"{SEED_ID}.txt"
    path.write_bytes(encode(seed_text))  # type: ignore[operator]
    c = read_articles(path)
    check_contract(c)
    assert c.rejected.empty, c.rejected
    a = c.articles.iloc[0]
    assert a["instrument"] == "Euro STOXX 50"
    assert a["snapshot_change"] == pytest.approx(-28.84)
    assert (a["byline"], a["outlet"]) == ("H.Schneide", "BBZ")
    assert a["body"].startswith(SEED_FIRST) and a["body"].endswith(SEED_LAST)
    assert "\r" not in a["body"] and "\x00" not in a["body"]
    if name in ("cp1252", "cr"):
        assert "cp1252" in a["notes"]
    if name == "nuls":
        assert "NUL" in a["notes"]


def test_explicit_encoding(tmp_path: Path, seed_text: str) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(seed_text.encode("cp1252"))
    a = read_articles(path, encoding="cp1252").articles.iloc[0]
    assert a["body"].startswith(SEED_FIRST)
    wrong = read_articles(path, encoding="utf-8")
    assert wrong.articles.empty
    assert wrong.rejected["reason"][0].startswith("cannot decode as utf-8")
    with pytest.raises(InvalidOptionError, match="encoding"):
        read_articles(path, encoding="no-such-codec")


# ---------------------------------------------------------------------------------------
# rejections


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"   \n\t\r\n  ", "only whitespace"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content (PNG image)"),
        (b"PAR1\x15\x04\x15\x10", "binary content (Parquet file)"),
        (bytes(range(256)) * 4, "binary content"),
        (b"\x00\x01\x02\x03" * 50, "binary content"),
        (b"Euro STOXX 50\n-28.8400\n", "ticker box without article text"),
        (b"Euro STOXX 50\n-28.8400\n(H.Schneide--BBZ)", "ticker box without article text"),
        (
            "Berliner Tageblatt - Titel\nBörse\nDAX -0.78% 18532.99\n".encode(),
            "ticker box without article text",
        ),
        (b"(H.Schneide--BBZ)\n", "sign-off without article text"),
        (b"\n  J.Hasler--NZN  \n", "sign-off without article text"),
        (b"Berliner Tageblatt - Dax im Minus", "title without article text"),
        (b"12345 67,8 %", "no article text (no letters)"),
    ],
)
def test_rejections(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(content)
    c = read_articles(path)
    check_contract(c)
    assert c.articles.empty and c.n_inputs == 1
    assert c.rejected["source"][0] == str(path)
    assert c.rejected["reason"][0].startswith(reason)


def test_rejections_from_strings_keep_their_place() -> None:
    c = read_articles(
        ["", "  ", "Text eins.", None, 5, b"\x89PNG\r\n", "Text zwei.", "\x01\x02\x03\x04"]
    )
    check_contract(c)
    assert list(c.articles["article_id"]) == ["2", "6"]
    assert list(c.articles["source"]) == ["<input #2>", "<input #6>"]
    assert list(c.rejected["source"]) == [f"<input #{i}>" for i in (0, 1, 3, 4, 5, 7)]
    reasons = list(c.rejected["reason"])
    assert reasons[0] == "empty text" and reasons[1] == "only whitespace"
    assert reasons[2].startswith("no text") and reasons[3] == "not a text: a int"
    assert reasons[4] == "binary content (PNG image)" and reasons[5].startswith("binary")


# ---------------------------------------------------------------------------------------
# folders and paths


def test_folder_recursive_sorted_hidden_skipped_duplicate_stems(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "z.txt").write_text("Text z.", encoding="utf-8")
    (tmp_path / "b" / "same.txt").write_text("Text b.", encoding="utf-8")
    (tmp_path / "a" / "deep" / "same.TXT").write_text("Text a.", encoding="utf-8")
    (tmp_path / "a" / "x.txt").write_text("Text x.", encoding="utf-8")
    (tmp_path / ".secret.txt").write_text("Versteckt.", encoding="utf-8")
    (tmp_path / ".hidden" / "h.txt").write_text("Versteckt.", encoding="utf-8")
    (tmp_path / "notes.md").write_text("Kein Artikel.", encoding="utf-8")
    c = read_articles(tmp_path)
    check_contract(c)
    assert c.n_inputs == 4
    rel = [Path(s).relative_to(tmp_path).as_posix() for s in c.articles["source"]]
    assert rel == ["a/deep/same.TXT", "a/x.txt", "b/same.txt", "z.txt"]
    assert list(c.articles["article_id"]) == ["same", "x", "same#2", "z"]
    assert list(c.articles["body"]) == ["Text a.", "Text x.", "Text b.", "Text z."]
    notes = list(c.articles["notes"])
    assert "renamed 'same#2'" in notes[0]
    assert notes[2] == "duplicate article_id 'same' renamed to 'same#2'"
    assert pd.isna(notes[1]) and pd.isna(notes[3])
    assert c.summary()["renamed_ids"] == 1


def test_path_errors(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="no such file or folder"):
        read_articles(tmp_path / "missing.txt")
    (tmp_path / "a.docx").write_bytes(b"PK\x03\x04")
    with pytest.raises(ArticleError, match=r"unknown file type '\.docx'"):
        read_articles(tmp_path / "a.docx")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ArticleError, match=r"has no \.txt files"):
        read_articles(empty)
    (empty / "a.txt").write_text("Text.", encoding="utf-8")
    with pytest.raises(ArticleError, match="apply to tables only"):
        read_articles(empty, time_col="date")
    with pytest.raises(ArticleError, match="cannot read articles from a int"):
        read_articles(5)
    with pytest.raises(InvalidOptionError, match="tz"):
        read_articles(["Text."], tz="Mars/Olympus")


# ---------------------------------------------------------------------------------------
# tables


LAYOUT2 = (DATA / "btb_layout2_full_box.txt").read_text(encoding="utf-8")
SEED_LIKE = "Euro STOXX 50\n-28.8400\nDer Text.\n(H.Schneide--BBZ)"


def test_csv_table_with_german_times_and_extra_columns(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "id": ["001", "002", "003"],
            "published_at": ["27.11.2024 14:35", "27.11.2024", "2024-11-27T17:45:00+01:00"],
            "text": [SEED_LIKE, LAYOUT2, "Nur Text."],
            "section": ["Börse", "Märkte", "Politik"],
            "words": [120, 340, 50],
        }
    )
    path = tmp_path / "corpus.csv"
    df.to_csv(path, index=False)
    c = read_articles(path, tz="Europe/Berlin")
    check_contract(c)
    a = c.articles
    assert list(a.columns) == [*ARTICLE_COLUMNS, "section", "words"]
    assert list(a["article_id"]) == ["001", "002", "003"]  # leading zeros kept
    assert list(a["source"]) == [f"{path}:0", f"{path}:1", f"{path}:2"]
    assert list(a["published_at"]) == [
        pd.Timestamp("2024-11-27 13:35", tz="UTC"),  # 14:35 CET
        pd.Timestamp("2024-11-27 00:00", tz="UTC"),  # date only: 00:00 UTC of the date
        pd.Timestamp("2024-11-27 16:45", tz="UTC"),
    ]
    assert list(a["time_precision"]) == ["exact", "day", "exact"]
    assert list(a["section"]) == ["Börse", "Märkte", "Politik"]
    assert a["words"].tolist() == [120, 340, 50]
    assert a["snapshot_change"][0] == pytest.approx(-28.84)
    assert a["title"][1] == "Zollsorgen drücken den Dax ins Minus"


def test_csv_malformed_record_is_rejected_and_others_read(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        'id,text\n1,"Erster Text."\n2,"Zweiter Text.",extra,fields\n3,"Dritter Text."\n',
        encoding="utf-8",
    )
    c = read_articles(path)
    check_contract(c)
    assert list(c.articles["article_id"]) == ["1", "3"]
    assert list(c.articles["source"]) == [f"{path}:0", f"{path}:2"]
    assert list(c.rejected["source"]) == [f"{path}:1"]
    assert "malformed CSV record (line 3): 4 fields, expected 2" in c.rejected["reason"][0]


def test_jsonl_table_with_a_broken_line(tmp_path: Path) -> None:
    lines = [
        json.dumps({"article_id": "a", "time": "2024-11-27T14:35:00Z", "body": SEED_LIKE}),
        "{not json",
        json.dumps({"article_id": "b", "time": "2024-11-28T09:00:00+01:00", "body": "Text."}),
        "",
        json.dumps([1, 2]),
    ]
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    c = read_articles(path)
    check_contract(c)
    assert c.n_inputs == 4
    assert list(c.articles["article_id"]) == ["a", "b"]
    assert list(c.articles["published_at"]) == [
        pd.Timestamp("2024-11-27 14:35", tz="UTC"),
        pd.Timestamp("2024-11-28 08:00", tz="UTC"),
    ]
    assert list(c.rejected["source"]) == [f"{path}:1", f"{path}:3"]
    assert c.rejected["reason"][0].startswith("invalid JSON line")
    assert c.rejected["reason"][1] == "JSON line is not an object: a list"


def test_parquet_table_with_aware_datetimes_and_int_ids(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "article_id": [7, 8],
            "published_at": pd.to_datetime(["2024-11-27 14:35", "2024-11-28 08:00"]).tz_localize(
                "Europe/Zurich"
            ),
            "content": [SEED_LIKE, "Text."],
            "score": [0.5, 1.5],
        }
    )
    path = tmp_path / "c.parquet"
    df.to_parquet(path)
    c = read_articles(path)
    check_contract(c)
    assert list(c.articles["article_id"]) == ["7", "8"]
    assert list(c.articles["published_at"]) == [
        pd.Timestamp("2024-11-27 13:35", tz="UTC"),
        pd.Timestamp("2024-11-28 07:00", tz="UTC"),
    ]
    assert c.articles["score"].tolist() == [0.5, 1.5]


def test_corrupt_table_file_is_one_rejected_input(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"not a parquet file at all")
    c = read_articles(path)
    check_contract(c)
    assert c.n_inputs == 1 and c.articles.empty
    assert c.rejected["reason"][0].startswith("not a readable Parquet file")


def test_table_of_events_without_text() -> None:
    df = pd.DataFrame(
        {
            "id": ["e1", "e2", "e3"],
            "instrument": ["Euro STOXX 50", "DAX", None],
            "timestamp": ["2024-11-27T09:00:00Z", "2024-11-28T15:00:00Z", "2024-11-29T15:00:00Z"],
        }
    )
    c = read_articles(df)
    check_contract(c)
    assert list(c.articles["article_id"]) == ["e1", "e2"]
    assert list(c.articles["instrument"]) == ["Euro STOXX 50", "DAX"]
    assert list(c.articles["body"]) == ["", ""]
    assert c.articles["snapshot_change"].isna().all()
    assert list(c.snapshots["instrument"]) == ["Euro STOXX 50", "DAX"]
    assert list(c.snapshots["position"]) == [0, 0]
    assert c.snapshots[["change", "change_pct", "level"]].isna().all().all()
    assert c.snapshots["raw"].isna().all()
    assert list(c.rejected["source"]) == ["<DataFrame>:2"]
    assert c.rejected["reason"][0] == "no text and no instrument"


def test_table_of_events_edge_cases() -> None:
    # the column-wise path for tables without text: white space, blanks, non-string
    # instruments, repeated and missing ids, bad times, outlet/title columns, extras
    df = pd.DataFrame(
        {
            "id": ["a", "a", None, "d", "e", " f "],
            "instrument": ["  Euro\tSTOXX   50 ", "DAX", "CAC 40", "   ", "SMI", 5],
            "published_at": [
                "2024-11-27T14:00:00+01:00",
                "27.11.2024 14:00",
                "2024-11-27T14:00:00Z",
                "2024-11-27T14:00:00Z",
                "not a time",
                "2024-11-27T14:00:00Z",
            ],
            "outlet": ["BBZ", " ", "NZN", "BBZ", "BBZ", None],
            "score": [0.5, 0.25, 0.125, 1.0, 2.0, 4.0],
        }
    )
    c = read_articles(df, tz="Europe/Berlin", outlet="XX")
    check_contract(c)
    a = c.articles
    assert a["article_id"].tolist() == ["a", "a#2", "2", "f"]
    assert a["instrument"].tolist() == ["Euro STOXX 50", "DAX", "CAC 40", "5"]
    assert a["outlet"].tolist() == ["BBZ", "XX", "NZN", "XX"]
    assert a["score"].tolist() == [0.5, 0.25, 0.125, 4.0]
    # 14:00 Berlin (CET, UTC+1) is 13:00 UTC, whichever way it was written
    assert a["published_at"].tolist()[:2] == [pd.Timestamp("2024-11-27 13:00", tz="UTC")] * 2
    assert "renamed" in a["notes"][1] and "row number" in a["notes"][2]
    assert c.snapshots["instrument"].tolist() == ["Euro STOXX 50", "DAX", "CAC 40", "5"]
    assert c.rejected["source"].tolist() == ["<DataFrame>:3", "<DataFrame>:4"]
    assert c.rejected["reason"][0] == "no text and no instrument"
    assert "not a time" in c.rejected["reason"][1]
    assert len(a) + len(c.rejected) == c.n_inputs == 6


def test_instrument_column_picks_its_box_row() -> None:
    df = pd.DataFrame(
        {"id": ["a", "b", "c"], "text": [LAYOUT2, LAYOUT2, ""], "ticker": ["Gold", "SMI", "DAX"]}
    )
    c = read_articles(df)
    check_contract(c)
    a = c.articles.set_index("article_id")
    # "Gold" and the printed "Goldpreis" are the same instrument (GC=F)
    assert a.loc["a", "instrument"] == "Gold"
    assert a.loc["a", "snapshot_pct"] == pytest.approx(-0.52)
    assert a.loc["a", "snapshot_level"] == pytest.approx(2344.3)
    # SMI is not in the box: NaN numbers, a snapshot row so later steps see it, a note
    assert math.isnan(a.loc["b", "snapshot_pct"])
    sb = c.snapshots[c.snapshots["article_id"] == "b"]
    assert list(sb["instrument"]) == [
        "DAX",
        "Euro STOXX 50",
        "Goldpreis",
        "Ölpreis",
        "EUR/USD",
        "SMI",
    ]
    assert list(sb["position"]) == [0, 1, 2, 3, 4, 5]
    assert "not in the box" in a.loc["b", "notes"]
    # blank text with an instrument: an event
    assert a.loc["c", "body"] == "" and a.loc["c", "instrument"] == "DAX"


def test_column_detection_is_case_insensitive_and_explicit_names_are_checked() -> None:
    df = pd.DataFrame({"ID": ["x"], "Body": ["Text."], "Timestamp": ["2024-11-27T10:00:00Z"]})
    c = read_articles(df)
    assert c.articles["article_id"][0] == "x"
    assert c.articles["published_at"][0] == pd.Timestamp("2024-11-27 10:00", tz="UTC")
    with pytest.raises(ArticleError, match="text_col='txt': no such column"):
        read_articles(df, text_col="txt")
    with pytest.raises(ArticleError, match=r"no text column .* and no instrument column"):
        read_articles(pd.DataFrame({"a": [1]}))


def test_clashing_and_metadata_columns() -> None:
    df = pd.DataFrame(
        {
            "text": ["Text eins.\n(A.B--NZN)", "Text zwei."],
            "body": ["alt", "alt"],
            "source": ["rss", "rss"],
            "title": ["Titel aus der Tabelle", None],
            "outlet": [None, "XYZ"],
        }
    )
    c = read_articles(df)
    check_contract(c)
    a = c.articles
    assert list(a.columns) == [*ARTICLE_COLUMNS, "body_input", "source_input"]
    assert list(a["body"]) == ["Text eins.", "Text zwei."]
    assert a["title"][0] == "Titel aus der Tabelle" and pd.isna(a["title"][1])
    assert list(a["outlet"]) == ["NZN", "XYZ"]


def test_dataframe_index_as_ids_and_duplicates_made_unique() -> None:
    df = pd.DataFrame({"text": ["Eins.", "Zwei.", "Drei."]}, index=["a", "a", "a#2"])
    c = read_articles(df)
    check_contract(c)
    assert list(c.articles["article_id"]) == ["a", "a#3", "a#2"]  # never an existing id
    assert c.articles["notes"][1] == "duplicate article_id 'a' renamed to 'a#3'"
    assert "repeats in the input" in c.articles["notes"][0]


def test_iterables_series_and_mappings() -> None:
    gen = (t for t in ["Eins.", "Zwei."])
    assert list(read_articles(gen).articles["article_id"]) == ["0", "1"]
    s = pd.Series(["Eins.", "Zwei."], index=["x", "y"])
    assert list(read_articles(s).articles["article_id"]) == ["x", "y"]
    m = {"k1": "Eins.", "k2": b"Zw\xe4i."}  # cp1252 bytes are decoded
    c = read_articles(m)
    assert list(c.articles["article_id"]) == ["k1", "k2"]
    assert c.articles["body"][1] == "Zwäi."


# ---------------------------------------------------------------------------------------
# publication times


def test_naive_column_without_tz_is_refused() -> None:
    df = pd.DataFrame({"id": ["a"], "text": ["Text."], "date": ["27.11.2024 14:35"]})
    with pytest.raises(ArticleError, match=r"column 'date' have no time zone.*tz="):
        read_articles(df)
    naive = pd.DataFrame({"text": ["Text."], "published_at": pd.to_datetime(["2024-11-27 14:35"])})
    with pytest.raises(ArticleError, match="no time zone"):
        read_articles(naive)
    ok = read_articles(naive, tz="America/New_York")
    assert ok.articles["published_at"][0] == pd.Timestamp("2024-11-27 19:35", tz="UTC")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("27.11.2024 14:35", "2024-11-27 13:35"),
        ("27.11.2024, 14:35 Uhr", "2024-11-27 13:35"),
        ("1.7.2024 09:05", "2024-07-01 07:05"),  # summer time: UTC+2
        ("27.11.2024", "2024-11-27 00:00"),  # date only: 00:00 UTC of the printed date
        ("1.7.2024 14:35 MESZ", "2024-07-01 12:35"),  # the zone name wins over tz=
        ("2024-11-27 14:35", "2024-11-27 13:35"),
        ("2024-11-27T14:35:00+00:00", "2024-11-27 14:35"),
        ("2024-11-27T14:35:00.250-05:00", "2024-11-27 19:35:00.250"),
        ("2024-11-27 14:35 UTC", "2024-11-27 14:35"),
        ("Wed, 27 Nov 2024 14:35:00 +0100", "2024-11-27 13:35"),
    ],
)
def test_time_forms(value: str, expected: str) -> None:
    df = pd.DataFrame({"text": ["Text."], "published_at": [value]})
    c = read_articles(df, tz="Europe/Berlin")
    assert c.articles["published_at"][0] == pd.Timestamp(expected, tz="UTC")


def test_unparseable_and_dst_gap_times_reject_their_rows() -> None:
    df = pd.DataFrame(
        {
            "text": ["Eins.", "Zwei.", "Drei.", "Vier.", "Fünf."],
            "date": ["gestern", "2024-03-31 02:30", None, "27.11.2024", 1732718100],
        }
    )
    c = read_articles(df, tz="Europe/Berlin")
    check_contract(c)
    assert list(c.articles["body"]) == ["Drei.", "Vier."]
    assert pd.isna(c.articles["published_at"][0])  # missing: unknown, not rejected
    reasons = dict(zip(c.rejected["source"], c.rejected["reason"], strict=True))
    assert reasons["<DataFrame>:0"].startswith(
        "unparseable publication time 'gestern' in column 'date'"
    )
    assert "daylight-saving" in reasons["<DataFrame>:1"]
    assert "1732718100" in reasons["<DataFrame>:4"]


def test_numeric_time_column_rejects_rows_with_a_hint() -> None:
    df = pd.DataFrame({"text": ["Eins."], "time": [1732718100]})
    c = read_articles(df)
    assert c.articles.empty
    assert "is a number" in c.rejected["reason"][0]
    assert "time_unit=" in c.rejected["reason"][0]


def test_published_at_argument(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(SEED_LIKE, encoding="utf-8")
    (tmp_path / "b.txt").write_text("Text.", encoding="utf-8")
    (tmp_path / "c.txt").write_bytes(b"")
    c = read_articles(
        tmp_path,
        published_at={
            "a": "2024-11-27T17:45:00+01:00",
            "b": dt.datetime(2024, 11, 28, 8, 0, tzinfo=dt.UTC),
            "c": "2024-11-29T08:00:00Z",  # its input was rejected: allowed, unused
        },
    )
    assert list(c.articles["published_at"]) == [
        pd.Timestamp("2024-11-27 16:45", tz="UTC"),
        pd.Timestamp("2024-11-28 08:00", tz="UTC"),
    ]
    with pytest.raises(ArticleError, match="no time zone"):
        read_articles(tmp_path, published_at={"a": "2024-11-27 17:45"})
    berlin = read_articles(tmp_path, published_at={"a": "2024-11-27 17:45"}, tz="Europe/Berlin")
    assert berlin.articles["published_at"][0] == pd.Timestamp("2024-11-27 16:45", tz="UTC")
    assert pd.isna(berlin.articles["published_at"][1])
    # keys of articles not read here are ignored (one mapping may serve several reads)
    other = read_articles(tmp_path, published_at={"zzz": "2024-11-27 17:45", "c": "bald"})
    assert other.articles["published_at"].isna().all()
    with pytest.raises(ArticleError, match="unparseable"):
        read_articles(tmp_path, published_at={"a": "bald"})
    with pytest.raises(ArticleError, match="single time but there are 3 inputs"):
        read_articles(tmp_path, published_at="2024-11-27T17:45:00Z")
    single = read_articles(
        tmp_path / "a.txt", published_at=pd.Timestamp("2024-11-27 17:45", tz="CET")
    )
    assert single.articles["published_at"][0] == pd.Timestamp("2024-11-27 16:45", tz="UTC")
    with pytest.raises(ArticleError, match="no time zone"):
        read_articles(tmp_path / "a.txt", published_at=dt.datetime(2024, 11, 27, 17, 45))


def test_published_at_mapping_wins_over_the_column() -> None:
    df = pd.DataFrame(
        {"id": ["a", "b"], "text": ["Eins.", "Zwei."], "time": ["2024-01-01T00:00Z"] * 2}
    )
    c = read_articles(df, published_at=pd.Series({"b": "2024-02-02T12:00:00Z"}))
    assert list(c.articles["published_at"]) == [
        pd.Timestamp("2024-01-01 00:00", tz="UTC"),
        pd.Timestamp("2024-02-02 12:00", tz="UTC"),
    ]


# ---------------------------------------------------------------------------------------
# Corpus conveniences


def test_summary_and_html(fixtures: Corpus) -> None:
    s = fixtures.summary()
    assert s["inputs"] == 8 and s["articles"] == 8 and s["rejected"] == 0
    assert s["with_box"] == 7 and s["snapshots"] == 17
    assert s["outlets"] == 3  # BBZ, BTB, NZN
    c = read_articles(["Wenn der Kurs < 100 & das Volumen > 5 Mio. ist.", ""])
    assert c.articles["body"][0] == "Wenn der Kurs < 100 & das Volumen > 5 Mio. ist."
    html = c._repr_html_()
    assert "<strong>Corpus</strong>: 1 articles" in html
    assert "empty text" in html
    assert "Kurs &lt; 100 &amp; das Volumen &gt; 5" in html  # bodies are escaped


def test_from_frames_and_concat(fixtures: Corpus) -> None:
    art = pd.DataFrame(
        {
            "article_id": ["x1", "x2"],
            "instrument": ["DAX", None],
            "snapshot_change": [0.0, np.nan],
            "published_at": pd.to_datetime(["2024-11-27 10:00", None]).tz_localize("UTC"),
            "lang": ["de", "de"],
        }
    )
    c = Corpus.from_frames(art)
    check_contract(c)
    assert list(c.articles.columns) == [*ARTICLE_COLUMNS, "lang"]
    assert list(c.snapshots["article_id"]) == ["x1"] and bool(c.snapshots["zero_flag"][0])
    with pytest.raises(ArticleError, match="tz-aware"):
        Corpus.from_frames(art.assign(published_at=pd.to_datetime(["2024-11-27", None])))
    with pytest.raises(ArticleError, match="unique"):
        Corpus.from_frames(art.assign(article_id=["x", "x"]))

    other = read_articles(["Eins.", ""])
    twice = Corpus.concat([fixtures, other, fixtures])
    check_contract(twice)
    assert twice.n_inputs == 8 + 2 + 8
    assert len(twice.articles) == 17 and len(twice.rejected) == 1
    assert twice.articles["article_id"].tolist()[-1] == "nzn_layout4_no_box#2"
    moved = twice.snapshots[twice.snapshots["article_id"] == "btb_layout2_full_box#2"]
    assert len(moved) == 5


# ---------------------------------------------------------------------------------------
# properties


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.binary(max_size=400), min_size=1, max_size=5))
def test_arbitrary_bytes_never_raise_and_are_all_accounted(blobs: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for i, blob in enumerate(blobs):
            Path(tmp, f"f{i}.txt").write_bytes(blob)
        c = read_articles(tmp)
        check_contract(c)
        assert c.n_inputs == len(blobs)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=300), max_size=6))
def test_arbitrary_text_never_raises_and_is_all_accounted(texts: list[str]) -> None:
    c = read_articles(texts)
    check_contract(c)
    assert c.n_inputs == len(texts)
    assert set(c.articles["source"]) | set(c.rejected["source"]) == {
        f"<input #{i}>" for i in range(len(texts))
    }


_PIECES = st.sampled_from(
    [
        "Euro STOXX 50",
        "DAX",
        "Goldpreis",
        "EUR/USD",
        "Börse",
        "Berliner Tageblatt - Titel",
        "-28.8400",
        "+177,43",
        "−0,61 %",
        "0.0000",
        "-1.234,56",
        "18.532,99 $",
        "Pkt.",
        "%",
        "(H.Schneide--BBZ)",
        "J.Hasler--NZN",
        "Text des Artikels.",
        "<p>",
        "&amp;",
        "▼",
        "",
        "  ",
        "\t",
        "1,234.56",
        "Siemens",
        "(",
        ")",
        "--",
        "2024",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=5).map(" ".join), max_size=8).map("\n".join))
def test_box_like_texts_never_raise(text: str) -> None:
    c = read_articles([text])
    check_contract(c)
    for value in c.snapshots[["change", "change_pct", "level"]].to_numpy().ravel():
        assert math.isnan(value) or math.isfinite(value)
    p = parse_article(text)
    assert (p.reason is None) == (len(c.articles) == 1)


def test_semicolon_csv_as_german_spreadsheets_write_it(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    content = (
        '"id";"datum";"text"\r\n'
        '"1";"27.11.2024 14:35";"Euro STOXX 50 -0,61% 4.733,15\r\nDer Text."\r\n'
    )
    path.write_bytes(content.encode("cp1252"))
    c = read_articles(path, tz="Europe/Berlin")
    check_contract(c)
    a = c.articles.iloc[0]
    assert a["article_id"] == "1"
    assert a["published_at"] == pd.Timestamp("2024-11-27 13:35", tz="UTC")
    assert (a["snapshot_pct"], a["snapshot_level"]) == pytest.approx((-0.61, 4733.15))
    assert a["body"] == "Der Text."


def test_control_characters_in_a_table_cell_are_binary() -> None:
    df = pd.DataFrame({"text": ["\x01\x02\x03\x04\x05\x06 abc", "Guter Text."]})
    c = read_articles(df)
    assert list(c.articles["body"]) == ["Guter Text."]
    assert c.rejected["reason"][0].startswith("binary content")


@pytest.mark.parametrize(
    ("text", "instrument", "change", "pct", "level"),
    [
        ("Euro\xa0STOXX 50\xa0-0,56%\xa03777,38", "Euro STOXX 50", None, -0.56, 3777.38),
        ("DAX\u200b -0,78% 18.532,99", "DAX", None, -0.78, 18532.99),
        ("DAX 18.532,99 -0,78%", "DAX", None, -0.78, 18532.99),
        ("DAX 18.532,99 Pkt. -0,78%", "DAX", None, -0.78, 18532.99),
        ("DAX: 18.532,99 (-0,78%)", "DAX", None, -0.78, 18532.99),
        ("DAX -0,78 Prozent", "DAX", None, -0.78, None),
        ("• Dow Jones −0,31% 44.722,06", "Dow Jones", None, -0.31, 44722.06),
        ("Euro STOXX 50:\n−28,84 Pkt.", "Euro STOXX 50", -28.84, None, None),
        ("Euro STOXX 50\n-28.8400 (-0.61%)", "Euro STOXX 50", -28.84, -0.61, None),
        ("VIX +7,52% 16,14", "VIX", None, 7.52, 16.14),
    ],
)
def test_box_line_variants_of_crawled_pages(
    text: str, instrument: str, change: float | None, pct: float | None, level: float | None
) -> None:
    a = one(f"{text}\nDer Text des Artikels.")
    assert a["instrument"] == instrument
    for col, want in (
        ("snapshot_change", change),
        ("snapshot_pct", pct),
        ("snapshot_level", level),
    ):
        if want is None:
            assert math.isnan(a[col]), col
        else:
            assert a[col] == pytest.approx(want), col
    assert a["body"] == "Der Text des Artikels."


def test_soft_hyphens_in_html_are_removed() -> None:
    a = one("<p>Euro STOXX 50</p><p>-28,84</p><p>Der Leit&shy;zins sinkt.</p>")
    assert a["body"] == "Der Leitzins sinkt."


def test_quote_times_and_stand_lines_belong_to_the_box() -> None:
    a = one(
        "Berliner Tageblatt - Titel\nBörse\nDAX -0,78% 18.532,99 17:35\n"
        "Euro STOXX 50 -0,61% 4.733,15\nStand: 27.11.2024, 17:35 Uhr\nDer Text."
    )
    assert (a["title"], a["outlet"]) == ("Titel", "BTB")
    assert a["snapshot_level"] == pytest.approx(18532.99)
    assert a["snapshot_raw"] == "DAX -0,78% 18.532,99 17:35\nEuro STOXX 50 -0,61% 4.733,15"
    assert a["notes"] == "box: 'Stand: 27.11.2024, 17:35 Uhr'"
    assert a["body"] == "Der Text."


def test_extra_lines_before_the_box_are_noted_not_lost() -> None:
    a = one("Putin in Astana\n27.11.2024 14:35\nEuro STOXX 50\n-28.8400\nDer Text.")
    assert a["title"] == "Putin in Astana" and pd.isna(a["outlet"])
    assert a["notes"] == "line before the box: '27.11.2024 14:35'"
    assert a["snapshot_change"] == pytest.approx(-28.84)


_TIME_PIECES = st.sampled_from(
    ["2024-11-27", "27.11.2024", "14:35", "T", " ", "+01:00", "Z", "UTC", "MEZ", "Uhr", ",", "x"]
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.text(max_size=80), _PIECES),
            st.one_of(
                st.none(), st.text(max_size=20), st.lists(_TIME_PIECES, max_size=4).map("".join)
            ),
        ),
        max_size=8,
    )
)
def test_arbitrary_tables_never_raise_with_tz(rows: list[tuple[str | None, str | None]]) -> None:
    df = pd.DataFrame(rows, columns=["text", "published_at"], dtype=object)
    c = read_articles(df, tz="Europe/Berlin")
    check_contract(c)
    assert c.n_inputs == len(rows)
    ok = c.articles["published_at"].dropna()
    assert (
        (ok >= pd.Timestamp("1677-09-22", tz="UTC")) & (ok <= pd.Timestamp("2262-04-11", tz="UTC"))
    ).all()
