"""capture_sessions on real data: which session a ticker box dates, page agreement, lag.

Expected sessions come from plain loops over the CSV files written here; capture windows
from exchange hours worked out by hand.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _corpora import box_corpus

from mktnews.articles import read_articles
from mktnews.events import CAPTURE_COLUMNS, capture_sessions
from mktnews.prices.files import FileSource

pytestmark = pytest.mark.shared_data

BERLIN = "Europe/Berlin"
SEARCH = ("2023-10-01", "2025-01-31")


@pytest.fixture(scope="module")
def daily(daily_dir: Path) -> FileSource:
    return FileSource(daily_dir)


def _csv(folder: Path, symbol: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{symbol}.csv", index_col=0, parse_dates=True)


def _changes(folder: Path, symbol: str) -> pd.DataFrame:
    df = _csv(folder, symbol)
    df["prev"] = df["Close"].shift(1)
    df["chg"] = df["Close"] - df["prev"]
    return df


def test_seed_captured_2024_11_27(seed_path: Path, daily: FileSource, daily_dir: Path) -> None:
    corpus = read_articles(seed_path)
    out = capture_sessions(corpus, source=daily, search=SEARCH)
    assert tuple(out.columns) == CAPTURE_COLUMNS
    row = out.iloc[0]
    assert row["status"] == "unique"
    assert row["capture_session"] == pd.Timestamp("2024-11-27")
    assert row["candidates"] == [pd.Timestamp("2024-11-27")]
    assert row["page_status"] == "single"
    assert row["page_session"] == pd.Timestamp("2024-11-27")
    # captured after Wednesday's close (17:30 CET) and before Thursday's open (09:00 CET)
    assert row["captured_after"] == pd.Timestamp("2024-11-27 17:30", tz=BERLIN)
    assert row["captured_before"] == pd.Timestamp("2024-11-28 09:00", tz=BERLIN)
    # a plain loop over the data: only 2024-11-27 lies within 0.001 of -28.84 in the range
    df = _changes(daily_dir, "^STOXX50E").loc[SEARCH[0] : SEARCH[1]]
    near = [d for d, c in df["chg"].items() if abs(c - -28.84) <= 0.001]
    assert near == [pd.Timestamp("2024-11-27")]


def test_seed_unique_over_the_whole_history(seed_path: Path, daily: FileSource) -> None:
    out = capture_sessions(read_articles(seed_path), source=daily)
    assert out["status"].iloc[0] == "unique"
    assert out["capture_session"].iloc[0] == pd.Timestamp("2024-11-27")


@pytest.mark.parametrize(
    ("when", "lag", "flag"),
    [
        ("2024-11-27 14:00", 0, False),
        ("2024-11-27 18:30", -1, False),  # published after the close, captured that evening
        ("2024-11-26 12:00", 1, False),
        # Saturday: day 0 is Monday 12-02; Wednesday's box is three sessions earlier
        # (11-28, 11-29, 12-02): the box cannot have been captured after that publication
        ("2024-11-30 12:00", -3, True),
    ],
)
def test_capture_lag(seed_path: Path, daily: FileSource, when: str, lag: int, flag: bool) -> None:
    corpus = read_articles(seed_path, published_at=when, tz=BERLIN)
    row = capture_sessions(corpus, source=daily, search=SEARCH).iloc[0]
    assert row["capture_lag"] == lag
    assert bool(row["lag_flag"]) is flag


def test_page_agreement_across_exchanges(daily: FileSource, daily_dir: Path) -> None:
    dax = _changes(daily_dir, "^GDAXI")
    dji = _changes(daily_dir, "^DJI")
    nik = _changes(daily_dir, "^N225")
    d27 = round(dax.loc["2024-11-27", "chg"], 2)
    d20 = round(dax.loc["2024-11-20", "chg"], 2)
    j27 = round(dji.loc["2024-11-27", "chg"], 2)
    j26 = round(dji.loc["2024-11-26", "chg"], 2)
    n28 = round(nik.loc["2024-11-28", "chg"], 2)
    rows = [
        # same exchange hours: agree on Wednesday
        {"article_id": "p1", "instrument": "Euro STOXX 50", "change": -28.84, "raw": "-28.8400"},
        {"article_id": "p1", "instrument": "DAX", "change": d27, "raw": f"{d27:.2f}"},
        # Dow Wednesday (closes 22:00 CET; Thursday is Thanksgiving, so the next open is
        # Friday 15:30 CET) with DAX Wednesday: captured between 22:00 CET Wed and 09:00 CET Thu
        {"article_id": "p2", "instrument": "DAX", "change": d27, "raw": f"{d27:.2f}"},
        {"article_id": "p2", "instrument": "Dow Jones", "change": j27, "raw": f"{j27:.2f}"},
        # Nikkei Thursday (closed 07:30 CET Thu) with DAX Wednesday: 07:30-09:00 CET Thu
        {"article_id": "p3", "instrument": "DAX", "change": d27, "raw": f"{d27:.2f}"},
        {"article_id": "p3", "instrument": "Nikkei 225", "change": n28, "raw": f"{n28:.2f}"},
        # DAX Wednesday with Dow Tuesday: Tuesday's Dow box is gone by 15:30 CET Wednesday,
        # before the DAX closes: never on one page together
        {"article_id": "p4", "instrument": "DAX", "change": d27, "raw": f"{d27:.2f}"},
        {"article_id": "p4", "instrument": "Dow Jones", "change": j26, "raw": f"{j26:.2f}"},
        # a week apart
        {"article_id": "p5", "instrument": "Euro STOXX 50", "change": -28.84, "raw": "-28.8400"},
        {"article_id": "p5", "instrument": "DAX", "change": d20, "raw": f"{d20:.2f}"},
    ]
    out = capture_sessions(box_corpus(rows), source=daily, search=SEARCH)
    assert (out["status"] == "unique").all(), out[["article_id", "instrument", "status", "n_candidates"]]
    page = out.groupby("article_id")["page_status"].first().to_dict()
    assert page == {"p1": "agree", "p2": "agree", "p3": "agree", "p4": "disagree", "p5": "disagree"}
    p1 = out[out["article_id"] == "p1"]
    assert p1["page_session"].tolist() == [pd.Timestamp("2024-11-27")] * 2
    assert p1["captured_after"].iloc[0] == pd.Timestamp("2024-11-27 17:30", tz=BERLIN)
    assert p1["captured_before"].iloc[0] == pd.Timestamp("2024-11-28 09:00", tz=BERLIN)
    p2 = out[out["article_id"] == "p2"]
    assert p2["captured_after"].iloc[0] == pd.Timestamp("2024-11-27 16:00", tz="America/New_York")
    assert p2["captured_before"].iloc[0] == pd.Timestamp("2024-11-28 09:00", tz=BERLIN)
    p3 = out[out["article_id"] == "p3"]
    assert p3["page_session"].tolist() == [pd.Timestamp("2024-11-27"), pd.Timestamp("2024-11-28")]
    assert p3["captured_after"].iloc[0] == pd.Timestamp("2024-11-28 15:30", tz="Asia/Tokyo")
    assert p3["captured_before"].iloc[0] == pd.Timestamp("2024-11-28 09:00", tz=BERLIN)
    assert out.loc[out["article_id"] == "p4", "page_session"].isna().all()


def test_ambiguous_percent_box_and_page_resolution(daily: FileSource, daily_dir: Path) -> None:
    stoxx = _changes(daily_dir, "^STOXX50E")
    stoxx["pct"] = (stoxx["Close"] / stoxx["prev"] - 1) * 100
    pct = round(stoxx.loc["2024-11-27", "pct"], 2)  # -0.61
    rows = [
        {"article_id": "a", "instrument": "Euro STOXX 50", "change_pct": pct, "raw": f"{pct:.2f}%"},
        {"article_id": "b", "instrument": "Euro STOXX 50", "change_pct": pct, "raw": f"{pct:.2f}%"},
        {"article_id": "b", "instrument": "Euro STOXX 50 Index", "change": -28.84, "raw": "-28.8400"},
    ]
    out = capture_sessions(box_corpus(rows), source=daily, search=SEARCH)
    a = out.iloc[0]
    assert a["status"] == "ambiguous"
    # the candidates lie between a strict loop (half a unit of 0.01 %) and a loose one
    rng = stoxx.loc[SEARCH[0] : SEARCH[1]]
    strict = {d for d, v in rng["pct"].items() if abs(v - pct) < 0.005 - 1e-4}
    loose = {d for d, v in rng["pct"].items() if abs(v - pct) <= 0.005 + 1e-4}
    assert strict <= set(a["candidates"]) <= loose
    assert len(a["candidates"]) == a["n_candidates"] > 1
    assert pd.isna(a["capture_session"])
    assert a["page_status"] == "ambiguous"
    # on page b the same (registry-wise one) instrument appears twice: the points box
    # pins the page to Wednesday, the percent box agrees
    b = out[out["article_id"] == "b"]
    assert b["page_status"].tolist() == ["agree", "agree"]
    assert b["page_session"].tolist() == [pd.Timestamp("2024-11-27")] * 2


def test_no_match_intraday_zero_unknown_nodata(daily: FileSource, daily_dir: Path) -> None:
    rows = [
        {"article_id": "intra", "instrument": "Euro STOXX 50", "change": -40.0, "raw": "-40.0000"},
        {"article_id": "zero", "instrument": "Euro STOXX 50", "change": 0.0, "raw": "0.0000", "zero": True},
        {"article_id": "unk", "instrument": "Foo Index", "change": 1.5, "raw": "1.50"},
        {"article_id": "nod", "instrument": "ATX", "change": 1.5, "raw": "1.50"},
    ]
    search = ("2024-11-25", "2024-11-29")
    out = capture_sessions(box_corpus(rows), source=daily, search=search)
    assert out["status"].tolist() == ["no_match", "zero", "unknown_instrument", "no_data"]
    assert "^ATX" in out.attrs["price_errors"]
    df = _changes(daily_dir, "^STOXX50E").loc[search[0] : search[1]]
    assert not any(abs(c - -40.0) < 0.01 for c in df["chg"])
    expected = [d for d, r in df.iterrows() if r["Low"] - r["prev"] <= -40.0 <= r["High"] - r["prev"]]
    assert pd.Timestamp("2024-11-27") in expected
    assert out["intraday_candidates"].iloc[0] == expected
    assert out["page_status"].tolist() == ["none"] * 4
    assert out["intraday_candidates"].iloc[1] == []


def test_search_range_excludes(seed_path: Path, daily: FileSource) -> None:
    out = capture_sessions(read_articles(seed_path), source=daily, search=("2024-01-01", "2024-06-30"))
    assert out["status"].iloc[0] == "no_match"
    assert out["candidates"].iloc[0] == []
