"""Publications before the exchange calendar's first session (1985-01-02 for XLON) are
never aligned to that first session: they are ``outside_calendar``, even when the data has
bars from before the calendar starts. The bars and dates are hand-built."""

from __future__ import annotations

import pandas as pd

from mktnews.articles import read_articles
from mktnews.events import align_events
from mktnews.prices.base import FrameSource


def _ftse() -> FrameSource:
    # FTSE 100 daily closes around the calendar's start (values made up; dates are London sessions)
    dates = pd.to_datetime(["1984-12-07", "1984-12-10", "1984-12-11", "1985-01-02", "1985-01-03", "1985-01-04"])
    return FrameSource({"^FTSE": pd.DataFrame({"close": [950.0, 951.0, 952.0, 960.0, 961.0, 962.0]}, index=dates)})


def test_article_before_the_calendar_is_not_put_on_its_first_session() -> None:
    table = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "time": ["1984-12-10 12:00", "1985-01-02 12:00", "1985-01-03 18:00"],
            "instrument": ["FTSE 100"] * 3,
        }
    )
    ev = align_events(read_articles(table, tz="Europe/London"), source=_ftse())
    # a: 1984-12-10 is before XLON's first session (1985-01-02): never day 0 = 1985-01-02
    assert ev["status"].tolist() == ["outside_calendar", "ok", "ok"]
    assert pd.isna(ev["t0"].iloc[0])
    # b: during the 1985-01-02 session; c: after the 1985-01-03 close -> the next session
    assert ev["t0"].iloc[1] == pd.Timestamp("1985-01-02")
    assert ev["t0"].iloc[2] == pd.Timestamp("1985-01-04")
