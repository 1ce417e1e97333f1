"""Publication times: the strict parser (issue 11), read through ``read_articles``.

Every expected UTC instant is worked out by hand in a comment, or computed inside the test
with the standard library (``datetime`` + ``zoneinfo``), never by mktnews.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mktnews import ArticleError, InvalidOptionError
from mktnews.articles import Corpus, read_articles

UTC = dt.UTC
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def table(values: list[object], **kw: object) -> Corpus:
    df = pd.DataFrame({"text": [f"Text {i}." for i in range(len(values))], "published_at": values})
    c = read_articles(df, **kw)  # type: ignore[arg-type]
    assert len(c.articles) + len(c.rejected) == c.n_inputs == len(values)
    return c


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def reasons(c: Corpus) -> dict[str, str]:
    return dict(zip(c.rejected["source"], c.rejected["reason"], strict=True))


# --- the example and the accepted forms ---------------------------------------


def test_us_pm_with_et_is_the_next_utc_day() -> None:
    # Nov 27 2024 is after the 3 Nov end of US daylight time: ET = EST = UTC-5.
    # 8:05 PM = 20:05 local; 20:05 + 5 h = 01:05 on the 28th (UTC).
    c = table(["Nov 27, 2024 8:05 PM ET"], tz="America/New_York")
    assert c.articles["published_at"][0] == ts("2024-11-28 01:05")
    assert "'ET' read as America/New_York" in c.articles["notes"][0]
    # the same without tz=: the zone word alone makes it aware
    c2 = table(["Nov 27, 2024 8:05 PM ET"])
    assert c2.articles["published_at"][0] == ts("2024-11-28 01:05")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # ISO 8601 with offsets / Z
        ("2024-11-27T14:35:00Z", "2024-11-27 14:35"),
        ("2024-11-27T14:35:00+0100", "2024-11-27 13:35"),  # 14:35 - 1 h
        ("2024-11-27T14:35+01", "2024-11-27 13:35"),
        ("2024-07-01T09:00:00.5-04:00", "2024-07-01 13:00:00.5"),  # 09:00 + 4 h
        # strict RFC 2822 (27 Nov 2024 was a Wednesday)
        ("Wed, 27 Nov 2024 14:35:00 +0100", "2024-11-27 13:35"),
        ("Wed, 27 Nov 2024 14:35:00 GMT", "2024-11-27 14:35"),
        ("Wed, 27 Nov 2024 14:35:00 EST", "2024-11-27 19:35"),  # EST = UTC-5
        ("Wed, 27 Nov 2024 14:35:00 CST", "2024-11-27 20:35"),  # RFC 2822: CST = UTC-6
        ("Mon, 01 Jul 2024 10:00:00 PDT", "2024-07-01 17:00"),  # PDT = UTC-7
        # US forms with AM/PM (New York on 27 Nov: UTC-5)
        ("Nov 27, 2024 12:05 AM EST", "2024-11-27 05:05"),  # 12:05 AM = 00:05
        ("Nov 27, 2024 12:05 PM EST", "2024-11-27 17:05"),  # 12:05 PM = 12:05
        ("November 27, 2024 at 8:05 p.m. ET", "2024-11-28 01:05"),
        ("Jul 4, 2024 9:30 AM EDT", "2024-07-04 13:30"),  # EDT = UTC-4
        # German forms (Berlin: CET = UTC+1 in November, CEST = UTC+2 in July)
        ("27.11.2024, 14:35 Uhr MEZ", "2024-11-27 13:35"),
        ("01.07.2024 14:35 MESZ", "2024-07-01 12:35"),
        ("27. November 2024, 14:35 Uhr CET", "2024-11-27 13:35"),
        # GDELT and compact ISO basic (UTC given by Z, or naive read with tz below)
        ("20240719132152Z", "2024-07-19 13:21:52"),
        ("20240719T132152Z", "2024-07-19 13:21:52"),
        # other zone words
        ("2024-11-27 09:00 JST", "2024-11-27 00:00"),  # JST = UTC+9
        ("2024-11-27 09:00 HKT", "2024-11-27 01:00"),  # HKT = UTC+8
        ("2024-07-19 13:00 BST", "2024-07-19 12:00"),  # BST = UTC+1
    ],
)
def test_accepted_forms(value: str, expected: str) -> None:
    c = table([value])
    assert c.rejected.empty, c.rejected["reason"].tolist()
    assert c.articles["published_at"][0] == ts(expected)
    assert c.articles["time_precision"][0] == "exact"


def test_gdelt_and_compact_naive_use_tz() -> None:
    # 13:21:52 in New York on 19 Jul 2024 (EDT, UTC-4) = 17:21:52 UTC
    c = table(["20240719132152", "20240719T132152"], tz="America/New_York")
    assert list(c.articles["published_at"]) == [ts("2024-07-19 17:21:52")] * 2


@pytest.mark.parametrize(
    ("value", "word"),
    [
        ("Nov 27, 2024 8:05 PM BST", "BST"),  # British summer time in November
        ("Jan 15, 2024 10:00 EDT", "EDT"),  # US daylight time in January
        ("2024-12-01 10:00 CEST", "CEST"),  # central European summer time in December
        ("Jul 04, 2024 10:00 EST", "EST"),  # standard time in July
        ("15.01.2024 10:00 MESZ", "MESZ"),
    ],
)
def test_zone_word_contradicting_the_date_rejects_the_row(value: str, word: str) -> None:
    c = table([value, "2024-11-27T10:00Z"])
    assert list(c.articles["article_id"]) == ["1"]
    why = reasons(c)["<DataFrame>:0"]
    assert f"zone word {word!r}" in why and "on that date" in why


@pytest.mark.parametrize("word", ["IST", "CST", "AST", "XYZ", "QQ"])
def test_ambiguous_or_unknown_zone_word_rejects_the_row(word: str) -> None:
    c = table([f"2024-11-27 10:00 {word}"], tz="UTC")
    assert c.articles.empty
    assert f"'{word}'" in c.rejected["reason"][0]


def test_rfc2822_every_part_must_be_understood() -> None:
    c = table(
        [
            "Thu, 27 Nov 2024 14:35:00 +0100",  # 27 Nov 2024 was a Wednesday
            "Wed, 27 Foo 2024 14:35:00 +0100",  # no such month
            "Wed, 27 Nov 2024 14:35:00 +0100 (CET)",  # offset and word agree: read
            "Wed, 27 Nov 2024 14:35:00 +0200 (CET)",  # they disagree
        ]
    )
    r = reasons(c)
    assert "weekday does not match" in r["<DataFrame>:0"]
    assert "month name" in r["<DataFrame>:1"]
    assert "disagree" in r["<DataFrame>:3"]
    assert list(c.articles["published_at"]) == [ts("2024-11-27 13:35")]


def test_unparseable_text_is_not_read_leniently() -> None:
    c = table(["next Tuesday", "27 Nov", "2024-11-27 25:00", "Nov 27, 2024 13:05 PM"], tz="UTC")
    assert c.articles.empty
    assert len(c.rejected) == 4


# --- fixed-offset tz, epochs, slashed dates ------------------------------------------


def test_fixed_offset_tz_warns() -> None:
    with pytest.warns(UserWarning, match="fixed UTC offset with no daylight-saving"):
        c = table(["2024-07-01 09:00"], tz="EST")
    # EST is UTC-5 all year: 09:00 + 5 h = 14:00 (a New York clock would say 13:00 UTC)
    assert c.articles["published_at"][0] == ts("2024-07-01 14:00")


def test_epoch_needs_time_unit() -> None:
    c = table([1732738000, 1732738001])
    assert c.articles.empty
    assert all("time_unit=" in r for r in c.rejected["reason"])
    # 1732738000 s = 20054 days (1732665600 s = 2024-11-27 00:00 UTC) + 72400 s (20:06:40)
    c2 = table([1732738000], time_unit="s")
    assert c2.articles["published_at"][0] == ts("2024-11-27 20:06:40")
    c3 = table([1732738000123], time_unit="ms")
    assert c3.articles["published_at"][0] == ts("2024-11-27 20:06:40.123")
    c4 = table(["1732738000"], time_unit="s")  # digit strings too
    assert c4.articles["published_at"][0] == ts("2024-11-27 20:06:40")
    with pytest.raises(InvalidOptionError, match="time_unit"):
        table([1], time_unit="days")


def test_slashed_dates_need_dayfirst_or_proof() -> None:
    c = table(["01/02/2024 10:00", "03/04/2024 10:00"], tz="UTC")
    assert c.articles.empty
    assert all("dayfirst=" in r for r in c.rejected["reason"])
    # dayfirst given: 01/02 = 1 February
    c2 = table(["01/02/2024 10:00"], tz="UTC", dayfirst=True)
    assert c2.articles["published_at"][0] == ts("2024-02-01 10:00")
    c3 = table(["01/02/2024 10:00"], tz="UTC", dayfirst=False)
    assert c3.articles["published_at"][0] == ts("2024-01-02 10:00")
    # the column proves day first (25 cannot be a month): 01/02 is then 1 February
    c4 = table(["01/02/2024 10:00", "25/12/2024 10:00"], tz="UTC")
    assert list(c4.articles["published_at"]) == [ts("2024-02-01 10:00"), ts("2024-12-25 10:00")]
    assert all("day first" in n for n in c4.articles["notes"])
    # ... or month first (11/27: 27 is a day); 08:05 PM EST = 20:05 + 5 h = 01:05 next day
    c5 = table(["11/27/2024 08:05 PM EST", "01/02/2024 10:00 EST"])
    assert list(c5.articles["published_at"]) == [ts("2024-11-28 01:05"), ts("2024-01-02 15:00")]
    assert all("month first" in n for n in c5.articles["notes"])
    # a column proving both is refused
    c6 = table(["25/12/2024 10:00", "12/25/2024 10:00"], tz="UTC")
    assert c6.articles.empty


def test_separate_date_and_time_columns() -> None:
    df = pd.DataFrame(
        {
            "text": ["Eins.", "Zwei.", "Drei."],
            "date": ["27.11.2024", "2024-07-01", "Nov 27, 2024"],
            "clock": ["14:35", "09:00", None],
        }
    )
    c = read_articles(df, time_col=("date", "clock"), tz="Europe/Berlin")
    # 14:35 CET = 13:35 UTC; 09:00 CEST = 07:00 UTC; the third is a date only
    assert list(c.articles["published_at"]) == [
        ts("2024-11-27 13:35"),
        ts("2024-07-01 07:00"),
        ts("2024-11-27 00:00"),
    ]
    assert list(c.articles["time_precision"]) == ["exact", "exact", "day"]
    assert "clock" not in c.articles.columns and "date" not in c.articles.columns
    df2 = pd.DataFrame(
        {"text": ["Eins."], "d": pd.to_datetime(["2024-11-27"]), "t": ["8:05 PM"]}
    )
    c2 = read_articles(df2, time_col=("d", "t"), tz="America/New_York")
    assert c2.articles["published_at"][0] == ts("2024-11-28 01:05")


def test_date_only_values_keep_day_precision() -> None:
    c = table(["2024-11-27", "27.11.2024", dt.date(2024, 11, 27), "Nov 27, 2024"])
    assert list(c.articles["published_at"]) == [ts("2024-11-27")] * 4
    assert list(c.articles["time_precision"]) == ["day"] * 4
    assert all("date only" in n for n in c.articles["notes"])


# --- nothing raises: out-of-range times ----------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31",
        "0001-01-01",
        "1500-06-01 10:00",
        "2300-01-01T00:00:00Z",
        "Fri, 31 Dec 9999 23:59:59 +0000",
        "31.12.9999",
        dt.datetime(9999, 12, 31),
        dt.datetime(1, 1, 1, tzinfo=UTC),
        dt.date(1500, 1, 1),
    ],
)
def test_out_of_range_time_rejects_its_row_only(value: object) -> None:
    c = table([value, "2024-11-27T10:00Z"], tz="UTC")
    assert list(c.articles["published_at"]) == [ts("2024-11-27 10:00")]
    assert list(c.rejected["source"]) == ["<DataFrame>:0"]
    assert "outside the supported range" in c.rejected["reason"][0]


def test_out_of_range_in_datetime64_columns() -> None:
    # pandas 3 holds year 9999 in a datetime64[s] column; it must not reach ns arithmetic
    col = pd.Series([pd.Timestamp("9999-12-31"), pd.Timestamp("2024-11-27 10:00")]).astype(
        "datetime64[s]"
    )
    c = table(list(col), tz="UTC")
    assert list(c.articles["published_at"]) == [ts("2024-11-27 10:00")]
    df = pd.DataFrame({"text": ["a", "b"], "published_at": col.dt.tz_localize("UTC")})
    c2 = read_articles(df)
    assert len(c2.rejected) == 1 and "outside" in c2.rejected["reason"][0]


def test_out_of_range_epoch() -> None:
    c = table([10**20, 1732738000], time_unit="s")
    assert list(c.articles["published_at"]) == [ts("2024-11-27 20:06:40")]
    assert "outside" in c.rejected["reason"][0]


def test_naive_without_tz_still_raises() -> None:
    with pytest.raises(ArticleError, match="tz="):
        table(["Nov 27, 2024 8:05 PM"])


# --- hypothesis: one per class ---------------------------------------------------------

instants = st.datetimes(
    min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 12, 31)
).map(lambda d: d.replace(microsecond=0))
offsets = st.integers(min_value=-12 * 4, max_value=14 * 4).map(lambda q: dt.timedelta(minutes=15 * q))


def _fmt_offset(off: dt.timedelta, colon: bool) -> str:
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    h, m = divmod(abs(minutes), 60)
    return f"{sign}{h:02d}:{m:02d}" if colon else f"{sign}{h:02d}{m:02d}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(local=instants, off=offsets, style=st.sampled_from(["iso", "rfc", "us", "german"]))
def test_hyp_forms_with_offsets_round_trip(local: dt.datetime, off: dt.timedelta, style: str) -> None:
    # the truth by the standard library: UTC = local wall time - offset
    truth = (local - off).replace(tzinfo=UTC)
    h12 = local.hour % 12 or 12
    ampm = "AM" if local.hour < 12 else "PM"
    text = {
        "iso": f"{local:%Y-%m-%dT%H:%M:%S}{_fmt_offset(off, True)}",
        "rfc": f"{DAYS[local.weekday()]}, {local.day:02d} {MONTHS[local.month - 1]} "
        f"{local.year} {local:%H:%M:%S} {_fmt_offset(off, False)}",
        "us": f"{MONTHS[local.month - 1]} {local.day}, {local.year} {h12}:{local:%M:%S} {ampm} "
        f"{_fmt_offset(off, True)}",
        "german": f"{local:%d.%m.%Y}, {local:%H:%M:%S} Uhr {_fmt_offset(off, True)}",
    }[style]
    c = table([text])
    assert c.rejected.empty, (text, c.rejected["reason"].tolist())
    assert c.articles["published_at"][0] == pd.Timestamp(truth)


@settings(max_examples=60, deadline=None)
@given(local=instants, word=st.sampled_from(["EST", "EDT", "CET", "CEST", "BST", "ET"]))
def test_hyp_zone_words_follow_the_zone_rule(local: dt.datetime, word: str) -> None:
    zone, want = {
        "EST": ("America/New_York", False),
        "EDT": ("America/New_York", True),
        "CET": ("Europe/Berlin", False),
        "CEST": ("Europe/Berlin", True),
        "BST": ("Europe/London", True),
        "ET": ("America/New_York", None),
    }[word]
    z = ZoneInfo(zone)
    a, b = local.replace(tzinfo=z, fold=0), local.replace(tzinfo=z, fold=1)
    c = table([f"{local:%Y-%m-%d %H:%M:%S} {word}"])
    exists = a.astimezone(UTC).astimezone(z).replace(tzinfo=None) == local
    ambiguous = exists and a.utcoffset() != b.utcoffset()
    if not exists or (ambiguous and want is None):
        assert c.articles.empty  # a wall time that does not exist, or an unresolved fall-back hour
        return
    if ambiguous:  # a daylight/standard word says which of the two hours is meant
        chosen = a if bool(a.dst()) == want else b
        assert c.articles["published_at"][0] == pd.Timestamp(chosen.astimezone(UTC))
        return
    if want is None or bool(a.dst()) == want:
        assert c.rejected.empty, c.rejected["reason"].tolist()
        assert c.articles["published_at"][0] == pd.Timestamp(a.astimezone(UTC))
    else:
        assert c.articles.empty
        assert "on that date" in c.rejected["reason"][0]


@settings(max_examples=40, deadline=None)
@given(
    year=st.one_of(st.integers(1, 1677), st.integers(2262, 9999)),
    month=st.integers(1, 12),
    day=st.integers(1, 28),
    style=st.sampled_from(["iso", "rfc", "german", "obj"]),
)
def test_hyp_out_of_range_rows_rejected(year: int, month: int, day: int, style: str) -> None:
    d = dt.datetime(year, month, day, 10, 0)
    value: object = {
        "iso": f"{year:04d}-{month:02d}-{day:02d}T10:00:00Z",
        "rfc": f"{DAYS[d.weekday()]}, {day:02d} {MONTHS[month - 1]} {year:04d} 10:00:00 +0000",
        "german": f"{day:02d}.{month:02d}.{year:04d} 10:00",
        "obj": d,
    }[style]
    c = table([value, "2024-11-27T10:00Z"], tz="UTC")
    assert list(c.rejected["source"]) == ["<DataFrame>:0"]
    assert "outside the supported range" in c.rejected["reason"][0]


@settings(max_examples=40, deadline=None)
@given(day=st.integers(1, 28), month=st.integers(1, 12), dayfirst=st.booleans())
def test_hyp_slashed_with_dayfirst(day: int, month: int, dayfirst: bool) -> None:
    text = f"{day:02d}/{month:02d}/2024 10:00" if dayfirst else f"{month:02d}/{day:02d}/2024 10:00"
    c = table([text], tz="UTC", dayfirst=dayfirst)
    assert c.articles["published_at"][0] == pd.Timestamp(dt.datetime(2024, month, day, 10, tzinfo=UTC))


@settings(max_examples=40, deadline=None)
@given(
    lines=st.lists(
        st.one_of(
            st.builds(lambda k: {"id": f"a{k}", "text": f"Text {k}."}, st.integers(0, 10**6)),
            st.lists(st.integers(), max_size=3),
            st.integers(),
            st.none(),
            st.booleans(),
            st.text(max_size=5),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_hyp_jsonl_non_object_lines_rejected(lines: list[object], tmp_path_factory: pytest.TempPathFactory) -> None:
    path = Path(tmp_path_factory.mktemp("jl")) / "c.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    c = read_articles(path)
    assert len(c.articles) + len(c.rejected) == c.n_inputs == len(lines)
    n_obj = sum(isinstance(x, dict) for x in lines)
    assert len(c.articles) == n_obj
    assert all("not an object" in r for r in c.rejected["reason"])


def test_date_and_time_columns_in_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("text;datum;uhrzeit\nEins.;27.11.2024;14:35\nZwei.;01.07.2024;09:00\n", encoding="utf-8")
    c = read_articles(path, time_col=("datum", "uhrzeit"), tz="Europe/Berlin")
    # 14:35 CET (UTC+1) = 13:35 UTC; 09:00 CEST (UTC+2) = 07:00 UTC
    assert list(c.articles["published_at"]) == [ts("2024-11-27 13:35"), ts("2024-07-01 07:00")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(
        st.one_of(
            st.text(max_size=40),
            st.text(alphabet="0123456789:/.-+TZ ,APMapmESTDCU", max_size=30),
            st.integers(),
            st.floats(allow_nan=True, allow_infinity=True),
            st.none(),
            st.booleans(),
            st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
            st.dates(),
        ),
        min_size=1,
        max_size=6,
    ),
    unit=st.sampled_from([None, "s", "ms"]),
)
def test_hyp_nothing_raises_and_nothing_vanishes(values: list[object], unit: str | None) -> None:
    c = table(values, tz="UTC", time_unit=unit)  # table() asserts the accounting
    assert c.rejected["reason"].str.len().min() > 0 if len(c.rejected) else True


@settings(max_examples=60, deadline=None)
@given(seconds=st.integers(-(2**31), 2**33), unit=st.sampled_from(["s", "ms", "us", "ns"]))
def test_hyp_epochs(seconds: int, unit: str) -> None:
    factor = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]
    truth = dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(seconds=seconds)
    c = table([seconds * factor], time_unit=unit)
    assert c.articles["published_at"][0] == pd.Timestamp(truth)
