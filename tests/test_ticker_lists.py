"""Instrument columns that list several tickers (issue 11): one snapshot row and one
event per instrument, through read_articles -> align_events.

Expected sessions are read off a calendar by hand: 2024-11-27 was a Wednesday, a trading
day in Frankfurt (XETR, 09:00-17:30 CET = 08:00-16:30 UTC) and in Paris.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mktnews.articles import read_articles
from mktnews.events import align_events
from mktnews.prices.base import FrameSource


def _daily(level: float) -> pd.DataFrame:
    days = pd.bdate_range("2024-10-01", "2024-12-31")
    return pd.DataFrame(
        {"open": level, "high": level, "low": level, "close": level, "volume": 0.0}, index=days
    )


PRICES = {"^GDAXI": _daily(19000.0), "^FCHI": _daily(7200.0)}


@pytest.mark.parametrize(
    "cell",
    [["DAX", "CAC 40"], ("DAX", "CAC 40"), '["DAX", "CAC 40"]', "['DAX', 'CAC 40']", "DAX,CAC 40", "DAX; CAC 40", "DAX | CAC 40"],
)
def test_list_cell_gives_one_snapshot_per_instrument(cell: object) -> None:
    df = pd.DataFrame({"id": ["a", "b"], "ticker": pd.Series([cell, "DAX"], dtype=object),
                       "published_at": ["2024-11-27T10:00Z", "2024-11-27T10:00Z"]})
    c = read_articles(df)
    assert len(c.articles) == 2 and c.rejected.empty
    s = c.snapshots
    assert s["article_id"].tolist() == ["a", "a", "b"]
    assert s["instrument"].tolist() == ["DAX", "CAC 40", "DAX"]
    assert s["position"].tolist() == [0, 1, 0]
    assert c.articles["instrument"].tolist() == ["DAX", "DAX"]
    assert "lists 2 instruments" in c.articles["notes"][0]


def test_list_cells_through_align_events(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    rows = [
        {"id": "x", "ticker": ["DAX", "CAC 40"], "published_at": "2024-11-27T10:00:00Z"},
        {"id": "y", "ticker": "CAC 40", "published_at": "2024-11-27T18:00:00Z"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    c = read_articles(path)
    ev = align_events(c, prices=PRICES, source=FrameSource({}))
    assert ev["event_id"].tolist() == ["x|^GDAXI", "x|^FCHI", "y|^FCHI"]
    # 10:00 UTC on Wed 27 Nov: during both sessions; 18:00 UTC: after the Paris close
    assert ev["market_state"].tolist() == ["regular", "regular", "post"]
    assert [str(pd.Timestamp(t).date()) for t in ev["t0"]] == ["2024-11-27", "2024-11-27", "2024-11-28"]


def test_list_with_text_box() -> None:
    df = pd.DataFrame(
        {
            "text": ["DAX -0,5% 19.000,00\nDer Text."],
            "ticker": pd.Series([["DAX", "CAC 40"]], dtype=object),
        }
    )
    c = read_articles(df)
    s = c.snapshots
    assert s["instrument"].tolist() == ["DAX", "CAC 40"]
    assert s["change_pct"].tolist()[0] == pytest.approx(-0.5)
    assert pd.isna(s["change_pct"].tolist()[1])
    assert s["position"].tolist() == [0, 1]


@settings(max_examples=40, deadline=None)
@given(
    names=st.lists(st.sampled_from(["DAX", "CAC 40", "ATX", "SMI", "AAPL", "MSFT"]), min_size=1, max_size=5, unique=True),
    style=st.sampled_from(["list", "json", "comma", "semicolon"]),
)
def test_hyp_ticker_lists(names: list[str], style: str) -> None:
    cell: object = {
        "list": names,
        "json": json.dumps(names),
        "comma": ",".join(names),
        "semicolon": "; ".join(names),
    }[style]
    df = pd.DataFrame({"id": ["a"], "ticker": pd.Series([cell], dtype=object)})
    c = read_articles(df)
    assert c.snapshots["instrument"].tolist() == names
    assert c.snapshots["position"].tolist() == list(range(len(names)))


def test_day_precision_articles_align_to_that_session() -> None:
    # Wed 27 Nov 2024 traded in Frankfurt: day 0 is that session; Sat 30 Nov did not: the
    # next session, Mon 2 Dec. The time of day is unknown, so market_state is missing.
    df = pd.DataFrame(
        {
            "id": ["wed", "sat", "exact"],
            "ticker": ["DAX", "DAX", "DAX"],
            "published_at": ["27.11.2024", "2024-11-30", "2024-11-27T18:00:00Z"],
        }
    )
    c = read_articles(df)
    ev = align_events(c, prices=PRICES, source=FrameSource({}))
    assert [str(pd.Timestamp(t).date()) for t in ev["t0"]] == ["2024-11-27", "2024-12-02", "2024-11-28"]
    assert ev["market_state"].isna().tolist() == [True, True, False]
    assert ev["market_state"].iloc[2] == "post"  # 18:00 UTC is after the 16:30 UTC close
    assert "market_state unknown" in ev["notes"].iloc[0]
    assert pd.isna(ev["notes"].iloc[2])


def test_from_frames_splits_listed_instruments() -> None:
    from mktnews.articles import Corpus

    art = pd.DataFrame(
        {
            "article_id": ["a", "b"],
            "instrument": pd.Series([["DAX", "CAC 40"], "ATX"], dtype=object),
            "published_at": pd.to_datetime(["2024-11-27 10:00", "2024-11-27 11:00"], utc=True),
        }
    )
    c = Corpus.from_frames(art)
    assert c.snapshots["article_id"].tolist() == ["a", "a", "b"]
    assert c.snapshots["instrument"].tolist() == ["DAX", "CAC 40", "ATX"]
    assert c.snapshots["position"].tolist() == [0, 1, 0]
    assert c.articles["instrument"].tolist() == ["DAX", "ATX"]
