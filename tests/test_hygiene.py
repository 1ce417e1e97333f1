"""near_duplicates, flag_confounding, time_profile: small hand-made corpora, expected values
worked out by hand in the comments."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from mktnews import Corpus
from mktnews.hygiene import (
    FeedTimeWarning,
    flag_confounding,
    near_duplicates,
    plot_time_profile,
    time_profile,
)


def test_near_duplicates_first_publication_kept() -> None:
    arts = pd.DataFrame(
        {
            "article_id": ["A", "B", "C", "D"],
            # A: 6 words -> 4 word 3-shingles; B adds "today": 5 shingles, 4 shared:
            # Jaccard 4 / 5 = 0.8 (at the threshold)
            "title": ["ECB cuts rates by 25 bp", "ECB cuts rates by 25 bp today",
                      "ECB cuts rates by 25 bp", "Oil falls on demand worries"],
            "body": ["", "", "", ""],
            "published_at": pd.to_datetime(
                ["2024-06-06 12:20", "2024-06-06 12:15", "2024-06-16 12:15", "2024-06-06 13:00"],
                utc=True,
            ),
            "instrument": ["^STOXX50E", "^STOXX50E", "^STOXX50E", "CL=F"],
        }
    )  # fmt: skip
    c = Corpus.from_frames(arts)
    allk = near_duplicates(c, keep="all").articles
    # B (12:15) is earlier than A (12:20): B is the first publication; C is 10 days later
    # (outside within=3D) so it stands alone even though its title equals A's
    assert allk["dup_group"].tolist() == ["B", "B", "C", "D"]
    assert allk["dup_rank"].tolist() == [1, 0, 0, 0]
    assert allk["dup_count"].tolist() == [2, 2, 1, 1]
    assert allk["dup_similarity"].iloc[0] == pytest.approx(0.8)
    assert np.isnan(allk["dup_similarity"].iloc[3])
    first = near_duplicates(c)
    assert first.articles["article_id"].tolist() == ["B", "C", "D"]
    assert len(first.articles) + len(first.rejected) == first.n_inputs == 4
    assert "near-duplicate of 'B' (Jaccard 0.80" in first.rejected["reason"].iloc[0]
    assert "A" not in set(first.snapshots["article_id"])
    # without the time limit C joins A and B; above 0.8, B no longer pairs with A
    assert near_duplicates(c, within=None, keep="all").articles["dup_group"].tolist() == [
        "B", "B", "B", "D",
    ]  # fmt: skip
    strict = near_duplicates(c, threshold=0.81, keep="all").articles
    assert strict["dup_count"].tolist() == [1, 1, 1, 1]


def test_flag_confounding_sessions_and_times() -> None:
    ev = pd.DataFrame(
        {
            "symbol": ["^GDAXI", "^GDAXI", "^GDAXI", "^STOXX50E", "^GDAXI"],
            # Mon 25, Tue 26, Fri 29 Nov 2024; Xetra trades every weekday that week
            "t0": pd.to_datetime(["2024-11-25", "2024-11-26", "2024-11-29", "2024-11-26", None]),
            "published_at": pd.to_datetime(
                ["2024-11-25 09:00", "2024-11-26 09:30", "2024-11-29 10:00",
                 "2024-11-26 09:10", None], utc=True,
            ),
        }
    )  # fmt: skip
    ev.attrs["interval"] = "1d"
    out = flag_confounding(ev, (-1, 1))
    # 25th: 26th is session +1 -> 1; 26th: 25th -> 1 (27th has none); 29th: 28th and
    # 2 Dec have none -> 0; the Euro STOXX 50 is another symbol -> 0; no t0 -> <NA>
    assert out["n_confounding"].tolist()[:4] == [1, 1, 0, 0]
    assert pd.isna(out["n_confounding"].iloc[4])
    assert out["confounded"].tolist() == [True, True, False, False, False]
    # window of sessions -3..0 for the 29th: 26th (session -3) counts
    assert flag_confounding(ev, (-3, 0))["n_confounding"].iloc[2] == 1
    # a 1 h span around publication: no two DAX events within an hour
    t = flag_confounding(ev, ("-1h", "1h"))
    assert t["n_confounding"].tolist()[:4] == [0, 0, 0, 0]
    assert flag_confounding(ev, ("-25h", "0h"))["n_confounding"].iloc[1] == 1  # 24.5 h


def _us_corpus(shift_hours: int) -> Corpus:
    # stories every 10 minutes from 08:00 to 16:50 New York time (EDT, UTC-4) on two April
    # 2024 weekdays: 54 a day
    local = [
        pd.Timestamp(f"2024-04-{d} 08:00", tz="America/New_York") + pd.Timedelta(minutes=10 * k)
        for d in (16, 17)
        for k in range(54)
    ]
    pub = pd.DatetimeIndex(local).tz_convert("UTC") + pd.Timedelta(hours=shift_hours)
    n = len(pub)
    return Corpus.from_frames(
        pd.DataFrame(
            {
                "article_id": [str(i) for i in range(n)],
                "published_at": pub,
                "instrument": ["^GSPC"] * n,
                "body": [""] * n,
            }
        )
    )


def test_time_profile_no_warning_for_right_times() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", FeedTimeWarning)
        p = time_profile(_us_corpus(0))
    d = p.attrs["diagnostics"].iloc[0]
    assert d["calendar"] == "XNYS" and d["tz"] == "America/New_York"
    # NYSE 09:30-16:00; stories 08:00-16:50: 9 of 54 a day before 09:30 (08:00..09:20),
    # 6 at or after the 16:00 close (16:00..16:50)
    assert d["open"] == 9.5 and d["close"] == 16.0
    assert d["share_pre"] == pytest.approx(9 / 54)
    assert d["share_post"] == pytest.approx(6 / 54)
    assert d["best_shift"] == 0 and d["warning"] == ""
    assert p.loc[("XNYS", 8), "n"] == 12  # 6 stories at 08:xx on each of two days
    assert bool(p.loc[("XNYS", 9), "in_session"]) and not bool(p.loc[("XNYS", 8), "in_session"])


def test_time_profile_warns_on_whole_hour_shift() -> None:
    with pytest.warns(FeedTimeWarning, match="-5 h"):
        p = time_profile(_us_corpus(5))
    d = p.attrs["diagnostics"].iloc[0]
    # shifted stories sit at 13:00-21:50 NY; the news day is 06:30-18:00 (open - 3 h ..
    # close + 2 h); shifts -6, -5, -4 put all of them in it: the middle one is -5.
    assert (d["shift_min"], d["shift_max"]) == (-6, -4)
    assert d["best_shift"] == -5
    assert d["share_core_shifted"] == 1.0
    # at shift 0 only 13:00-17:50 (5 hours of 8 h 50 min, 30 of 54 stories) is in the news day
    assert d["share_core"] == pytest.approx(30 / 54)


def test_plot_time_profile_returns_axes() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = time_profile(_us_corpus(0))
    fig, ax = plt.subplots()
    out = plot_time_profile(p, ax=ax)
    assert out is ax
    assert len(ax.patches) >= 24  # 24 bars (+ the session span)
    plt.close(fig)
