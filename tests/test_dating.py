"""date_articles: candidate publication dates from the ticker box and the text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mktnews.articles import SNAPSHOT_COLUMNS, Corpus, read_articles
from mktnews.dating import DATE_COLUMNS, date_articles, date_mentions, weekday_mentions
from mktnews.errors import InvalidOptionError
from mktnews.prices.files import FileSource

SEARCH = ("2023-10-01", "2025-01-31")


@pytest.fixture(scope="module")
def daily(daily_dir: Path) -> FileSource:
    return FileSource(daily_dir)


def _texts(bodies: list[str], *, change: float | None = None, raw: str | None = None) -> Corpus:
    """Articles with the given texts and (optionally) a Euro STOXX 50 box."""
    n = len(bodies)
    ids = [f"t{i}" for i in range(n)]
    arts = pd.DataFrame(
        {
            "article_id": ids,
            "instrument": ["Euro STOXX 50" if change is not None else None] * n,
            "snapshot_change": [change if change is not None else np.nan] * n,
            "snapshot_pct": np.nan,
            "snapshot_level": np.nan,
            "snapshot_raw": [raw] * n,
            "published_at": pd.Series([pd.NaT] * n, dtype="datetime64[ns, UTC]"),
            "title": [None] * n,
            "body": bodies,
            "byline": [None] * n,
            "outlet": [None] * n,
            "source": ids,
        }
    )
    if change is None:
        snaps = pd.DataFrame({c: pd.Series([], dtype=object) for c in SNAPSHOT_COLUMNS})
    else:
        snaps = pd.DataFrame(
            {
                "article_id": ids,
                "position": 0,
                "instrument": "Euro STOXX 50",
                "change": change,
                "change_pct": np.nan,
                "level": np.nan,
                "raw": raw,
                "zero_flag": False,
            }
        )
    return Corpus(arts, snaps, pd.DataFrame({"source": [], "reason": []}), n)


def test_weekday_mentions_by_hand() -> None:
    texts = pd.Series(
        [
            "Russische Staatsmedien zeigten am Mittwoch Aufnahmen. Am Donnerstag steht dann "
            "der Gipfel an. Putin und Tokajew am Mittwoch.",
            "In der Nacht zum Freitag; Mittwochabend; mittwochs nie; Sonnabend und Samstagmorgen.",
            "Stocks fell on Wednesday; on Wednesdays they rise; Friday's close; Sunday.",
            None,
        ]
    )
    got = weekday_mentions(texts)
    #                    Mon Tue Wed Thu Fri Sat Sun
    assert got.tolist() == [
        [0, 0, 2, 1, 0, 0, 0],
        [0, 0, 1, 0, 1, 2, 0],
        [0, 0, 1, 0, 1, 0, 1],
        [0, 0, 0, 0, 0, 0, 0],
    ]


def test_date_mentions_by_hand() -> None:
    texts = pd.Series(
        [
            "Am 27. November 2024 und am 3.12. sowie 27.11.24; 7500 Kilometer; 4.733,15 Punkte",
            "On November 27, 2024 and 5 May; ISO 2024-11-27; 31.02.2024 is no date",
            "Nichts.",
        ]
    )
    got = date_mentions(texts)
    rows = sorted(
        (int(r.row), int(r.day), int(r.month), None if pd.isna(r.year) else int(r.year))
        for r in got.itertuples()
    )
    assert rows == [
        (0, 3, 12, None),
        (0, 27, 11, 2024),
        (0, 27, 11, 2024),
        (1, 5, 5, None),
        (1, 27, 11, 2024),
        (1, 27, 11, 2024),
    ]


@pytest.mark.shared_data
def test_seed_is_dated(seed_path: Path, daily: FileSource) -> None:
    out = date_articles(read_articles(seed_path), source=daily, search=SEARCH, lookback=7)
    assert tuple(out.columns) == DATE_COLUMNS
    row = out.iloc[0]
    assert row["published_date"] == pd.Timestamp("2024-11-27")
    assert row["date_status"] == "unique"
    assert row["candidates"] == [pd.Timestamp("2024-11-27")]
    assert row["capture_status"] == "single"
    assert row["captured_before"] == pd.Timestamp("2024-11-28 09:00", tz="Europe/Berlin")
    assert row["weekdays"] == "Wednesday×2, Thursday×1"
    ev = row["evidence"][0]
    assert "Wednesday 2×" in ev and "Euro STOXX 50 2024-11-27" in ev
    assert row["window_start"] == pd.Timestamp("2024-11-22")
    assert row["window_end"] == pd.Timestamp("2024-11-28")
    assert "lookback=7" in row["assumption"]  # the unique date rests on the look-back


@pytest.mark.shared_data
def test_seed_without_lookback_is_honestly_ambiguous(seed_path: Path, daily: FileSource) -> None:
    out = date_articles(read_articles(seed_path), source=daily, search=SEARCH, lookback=None)
    row = out.iloc[0]
    assert row["date_status"] == "ambiguous"
    assert pd.isna(row["published_date"])
    wednesdays = [d for d in pd.date_range("2023-10-01", "2024-11-28") if d.day_of_week == 2]
    assert row["candidates"] == wednesdays


@pytest.mark.shared_data
def test_known_time_checks_the_method(seed_path: Path, daily: FileSource) -> None:
    right = read_articles(seed_path, published_at="2024-11-27 14:00", tz="Europe/Berlin")
    wrong = read_articles(seed_path, published_at="2024-11-26 14:00", tz="Europe/Berlin")
    assert bool(date_articles(right, source=daily, search=SEARCH, lookback=7)["known_date_is_candidate"].iloc[0])
    assert not bool(date_articles(wrong, source=daily, search=SEARCH, lookback=7)["known_date_is_candidate"].iloc[0])


@pytest.mark.shared_data
def test_text_rules_within_the_capture_window(daily: FileSource) -> None:
    bodies = [
        "Am Dienstag sagte er, am 26. November sei alles ruhig gewesen.",  # Tue named twice
        "Am Mittwoch kam er an. Am Donnerstag reist er weiter.",  # a tie
        "Keine Wochentage, keine Daten.",  # nothing: every day of the window remains
        "Seit dem 11. November ist es soweit.",  # a date outside the window counts for none
    ]
    out = date_articles(_texts(bodies, change=-28.84, raw="-28.8400"), source=daily, search=SEARCH, lookback=7)
    assert out["published_date"].iloc[0] == pd.Timestamp("2024-11-26")
    assert "this date ('26. November')" in out["evidence"].iloc[0][0]
    assert out["date_status"].iloc[1] == "ambiguous"
    assert out["candidates"].iloc[1] == [pd.Timestamp("2024-11-27"), pd.Timestamp("2024-11-28")]
    window = list(pd.date_range("2024-11-22", "2024-11-28"))
    assert out["candidates"].iloc[2] == window
    assert out["candidates"].iloc[3] == window
    assert out["date_status"].tolist()[2:] == ["ambiguous", "ambiguous"]


@pytest.mark.shared_data
def test_without_box(daily: FileSource) -> None:
    corpus = _texts(["Am Mittwoch geschah es.", "Am Mittwoch geschah es."])
    out = date_articles(corpus, source=daily, search=("2024-11-01", "2024-11-30"))
    assert out["capture_status"].tolist() == ["none", "none"]
    assert out["candidates"].iloc[0] == [pd.Timestamp(d) for d in ("2024-11-06", "2024-11-13", "2024-11-20", "2024-11-27")]
    assert out["date_status"].iloc[0] == "ambiguous"
    none = date_articles(corpus, source=daily)
    assert none["date_status"].tolist() == ["no_evidence", "no_evidence"]
    assert none["candidates"].iloc[0] == []


@pytest.mark.shared_data
def test_bound_before_search_range(seed_path: Path, daily: FileSource) -> None:
    # the box dates Wednesday 2024-11-27: the page existed before Thursday's open, so no
    # date from 2024-11-29 on is possible
    out = date_articles(read_articles(seed_path), source=daily, search=("2024-11-29", "2024-12-31"), lookback=7)
    row = out.iloc[0]
    assert row["capture_status"] == "single"
    assert row["captured_before"] == pd.Timestamp("2024-11-28 09:00", tz="Europe/Berlin")
    assert row["date_status"] == "no_candidate"
    assert row["candidates"] == []
    assert pd.isna(row["published_date"])


@pytest.mark.shared_data
def test_capture_after_search_range(seed_path: Path, daily: FileSource) -> None:
    # a range ending before the capture: with the one-week look-back nothing is left,
    # without it every Wednesday of the range remains
    search = ("2024-10-01", "2024-10-31")
    out = date_articles(read_articles(seed_path), source=daily, search=search, lookback=7)
    assert out["date_status"].iloc[0] == "no_candidate"
    free = date_articles(read_articles(seed_path), source=daily, search=search, lookback=None)
    wed = [d for d in pd.date_range(*search) if d.day_of_week == 2]
    assert free["candidates"].iloc[0] == wed


def test_bad_options(daily: FileSource) -> None:
    corpus = _texts(["x"])
    with pytest.raises(InvalidOptionError, match="lookback"):
        date_articles(corpus, source=daily, lookback=0)
    with pytest.raises(InvalidOptionError, match="search"):
        date_articles(corpus, source=daily, search=("2024-12-31", "2024-01-01"))


@pytest.mark.shared_data
def test_small_chunks_give_the_same_dates(daily: FileSource, monkeypatch: pytest.MonkeyPatch) -> None:
    # candidates are scored in chunks of whole articles; tiny chunks must not change them
    import mktnews.dating as dating

    monkeypatch.setattr(dating, "_CHUNK_ROWS", 3)
    bodies = ["Am Dienstag sagte er, am 26. November sei alles ruhig gewesen.", "Am Mittwoch kam er an. Am Donnerstag reist er weiter."]
    out = date_articles(_texts(bodies, change=-28.84, raw="-28.8400"), source=daily, search=SEARCH, lookback=7)
    assert out["published_date"].iloc[0] == pd.Timestamp("2024-11-26")
    assert out["candidates"].iloc[1] == [pd.Timestamp("2024-11-27"), pd.Timestamp("2024-11-28")]


@pytest.mark.shared_data
def test_default_assumes_no_lookback(seed_path: Path, daily: FileSource) -> None:
    # the seed's box shows the 27 Nov 2024 close-to-close change of the Euro STOXX 50: the
    # page was captured before the next open, 28 Nov 09:00 Berlin time; nothing else is known
    out = date_articles(read_articles(seed_path), source=daily)
    row = out.iloc[0]
    assert row["date_status"] == "bound_only"
    assert row["n_candidates"] == 0 and row["candidates"] == []
    assert pd.isna(row["published_date"])
    assert row["captured_before"] == pd.Timestamp("2024-11-28 09:00", tz="Europe/Berlin")
    assert "no look-back given" in row["evidence"][0]
    assert pd.isna(row["assumption"])
    # with a search range and no look-back: every Wednesday up to the bound (the text names
    # Wednesday twice), and nothing rests on an assumption
    ranged = date_articles(read_articles(seed_path), source=daily, search=SEARCH)
    assert ranged["date_status"].iloc[0] == "ambiguous"
    assert pd.isna(ranged["assumption"].iloc[0])
