"""align_events on real data: day 0, market state, status, base price, snapshot columns.

Expected values come from the CSV files (read here with pandas), from exchange facts
(holidays, DST dates, opening hours) worked out by hand, or, in the property tests, from
exchange_calendars' own scalar methods called in a plain loop.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _corpora import box_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mktnews.articles import Corpus, read_articles
from mktnews.calendars import get_calendar
from mktnews.errors import ArticleError, InvalidOptionError
from mktnews.events import EVENT_COLUMNS, SessionArrays, align_events, bar_ends, find_sessions
from mktnews.prices.base import FrameSource
from mktnews.prices.files import FileSource

pytestmark = pytest.mark.shared_data

BERLIN = "Europe/Berlin"


def _csv(folder: Path, symbol: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{symbol}.csv", index_col=0, parse_dates=True)


@pytest.fixture(scope="module")
def daily(daily_dir: Path) -> FileSource:
    return FileSource(daily_dir)


@pytest.fixture(scope="module")
def stoxx(daily_dir: Path) -> pd.DataFrame:
    return _csv(daily_dir, "^STOXX50E")


def _seed(seed_path: Path, when: str | None) -> Corpus:
    if when is None:
        return read_articles(seed_path)
    return read_articles(seed_path, published_at=when, tz=BERLIN)


def _events(
    times: list[str | None],
    instruments: list[str],
    *,
    tz: str = BERLIN,
) -> Corpus:
    """A table of events without boxes (read by read_articles): one article per time."""
    table = pd.DataFrame(
        {
            "id": [f"e{i}" for i in range(len(times))],
            "time": times,
            "instrument": [instruments[0]] * len(times),
        }
    )
    return read_articles(table, tz=tz)


# ---------------------------------------------------------------------------
# the seed article
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "t0", "state"),
    [
        ("2024-11-27 14:00", "2024-11-27", "regular"),
        ("2024-11-27 18:30", "2024-11-28", "post"),
        ("2024-11-27 07:15", "2024-11-27", "pre"),
        ("2024-11-30 12:00", "2024-12-02", "closed"),
        # exactly at the close (17:30 CET): the close cannot react -> next session
        ("2024-11-27 17:30", "2024-11-28", "post"),
        ("2024-11-27 17:29:59", "2024-11-27", "regular"),
        ("2024-11-27 09:00", "2024-11-27", "regular"),
        ("2024-11-27 08:59:59", "2024-11-27", "pre"),
    ],
)
def test_seed_day0(seed_path: Path, daily: FileSource, stoxx: pd.DataFrame, when: str, t0: str, state: str) -> None:
    ev = align_events(_seed(seed_path, when), source=daily)
    assert len(ev) == 1
    row = ev.iloc[0]
    assert row["event_id"] == "000_c914ccdd9c6fabd9|^STOXX50E"
    assert row["symbol"] == "^STOXX50E"
    assert row["instrument"] == "Euro STOXX 50"
    assert row["t0"] == pd.Timestamp(t0)
    assert row["market_state"] == state
    assert row["status"] == "ok"
    prev_dates = stoxx.index[stoxx.index < pd.Timestamp(t0)]
    assert row["base_price"] == stoxx.loc[prev_dates[-1], "Close"]
    assert row["published_at"] == pd.Timestamp(when, tz=BERLIN).tz_convert("UTC")


def test_seed_box_matches_t0(seed_path: Path, daily: FileSource, stoxx: pd.DataFrame) -> None:
    ev = align_events(_seed(seed_path, "2024-11-27 14:00"), source=daily)
    row = ev.iloc[0]
    close = stoxx["Close"]
    expected = close.loc["2024-11-27"] - close.loc["2024-11-26"]
    assert expected == pytest.approx(-28.8403, abs=1e-9)
    assert row["snapshot_change"] == -28.84
    assert row["change_at_t0"] == pytest.approx(expected, abs=1e-9)
    assert row["pct_at_t0"] == pytest.approx((close.loc["2024-11-27"] / close.loc["2024-11-26"] - 1) * 100)
    assert row["snapshot_status"] == "matches_t0"
    assert row["snapshot_session"] == pd.Timestamp("2024-11-27")


def test_seed_after_close_box_is_previous_session(seed_path: Path, daily: FileSource) -> None:
    # published after the close: day 0 is Thursday; the box shows Wednesday's change
    row = align_events(_seed(seed_path, "2024-11-27 18:30"), source=daily).iloc[0]
    assert row["snapshot_status"] == "matches_other_session"
    assert row["snapshot_session"] == pd.Timestamp("2024-11-27")


def test_seed_without_time(seed_path: Path, daily: FileSource) -> None:
    row = align_events(_seed(seed_path, None), source=daily).iloc[0]
    assert row["status"] == "no_publication_time"
    assert pd.isna(row["t0"]) and pd.isna(row["market_state"]) and np.isnan(row["base_price"])
    assert row["snapshot_status"] == "no_data"


def test_frame_contract(seed_path: Path, daily: FileSource) -> None:
    ev = align_events(_seed(seed_path, "2024-11-27 14:00"), source=daily)
    assert tuple(ev.columns[: len(EVENT_COLUMNS)]) == EVENT_COLUMNS
    assert "body" not in ev.columns
    assert {"outlet", "byline", "title", "source"} <= set(ev.columns)
    assert ev["published_at"].dtype == "datetime64[ns, UTC]"
    assert ev["t0"].dtype == "datetime64[ns]"
    assert ev["snapshot_session"].dtype == "datetime64[ns]"
    for col in ("event_id", "article_id", "instrument", "symbol", "market_state", "status", "snapshot_status"):
        assert ev[col].dtype == "str", col
    assert ev.attrs["interval"] == "1d"


# ---------------------------------------------------------------------------
# calendars: DST, holidays, lunch breaks
# ---------------------------------------------------------------------------


def _align(times: list[str | None], instrument: str, src: FileSource, tz: str = BERLIN) -> pd.DataFrame:
    return align_events(_events(times, [instrument], tz=tz), source=src)


@pytest.mark.parametrize(
    ("when", "t0", "state"),
    [
        # Europe's spring DST change (Sun 2024-03-31); Good Friday 03-29 and Easter Monday
        # 04-01 are Xetra holidays. Xetra opens 09:00 and closes 17:30 local time.
        ("2024-03-28 17:45", "2024-04-02", "post"),
        ("2024-03-29 12:00", "2024-04-02", "closed"),  # Good Friday
        ("2024-03-31 12:00", "2024-04-02", "closed"),  # the Sunday of the change
        ("2024-04-01 12:00", "2024-04-02", "closed"),  # Easter Monday
        ("2024-04-02 08:30", "2024-04-02", "pre"),
        ("2024-04-02 09:15", "2024-04-02", "regular"),  # 07:15 UTC: regular only in CEST
        ("2024-04-02 17:45", "2024-04-03", "post"),  # 15:45 UTC: after the CEST close
        # autumn change (Sun 2024-10-27)
        ("2024-10-25 17:45", "2024-10-28", "post"),
        ("2024-10-26 12:00", "2024-10-28", "closed"),
        ("2024-10-28 08:45", "2024-10-28", "pre"),  # 07:45 UTC: before the CET open
        ("2024-10-28 09:15", "2024-10-28", "regular"),
        # Christmas and New Year on Xetra: closed 12-24, 12-25, 12-26, 12-31, 01-01
        ("2024-12-23 18:00", "2024-12-27", "post"),
        ("2024-12-24 10:00", "2024-12-27", "closed"),
        ("2024-12-25 12:00", "2024-12-27", "closed"),
        ("2024-12-30 12:00", "2024-12-30", "regular"),
        ("2024-12-31 10:00", "2025-01-02", "closed"),
        ("2025-01-01 12:00", "2025-01-02", "closed"),
    ],
)
def test_xetra_dst_and_holidays(daily: FileSource, daily_dir: Path, when: str, t0: str, state: str) -> None:
    ev = _align([when], "DAX", daily)
    row = ev.iloc[0]
    assert (row["t0"], row["market_state"], row["status"]) == (pd.Timestamp(t0), state, "ok")
    # the data agree: day 0 is the first DAX row on or after the publication date when the
    # market was closed or had closed
    dax = _csv(daily_dir, "^GDAXI")
    day = pd.Timestamp(when).normalize()
    if state in ("pre", "regular"):
        assert day in dax.index
        assert pd.Timestamp(t0) == day
    else:  # after the close or on a closed day: the next row of the data
        assert dax.index[dax.index > day][0] == pd.Timestamp(t0)
    if state == "closed":
        assert day not in dax.index
    assert row["base_price"] == dax["Close"][dax.index < pd.Timestamp(t0)].iloc[-1]


@pytest.mark.parametrize(
    ("when_utc", "t0", "state"),
    [
        # US spring change (Sun 2024-03-10); Europe still on CET that week. NYSE 09:30-16:00 ET.
        ("2024-03-08 21:30", "2024-03-11", "post"),  # Fri 16:30 EST
        ("2024-03-11 13:15", "2024-03-11", "pre"),  # 09:15 EDT
        ("2024-03-11 13:40", "2024-03-11", "regular"),  # 09:40 EDT (08:40 under EST)
        ("2024-03-11 19:55", "2024-03-11", "regular"),  # 15:55 EDT
        ("2024-03-11 20:00", "2024-03-12", "post"),  # 16:00 EDT: exactly the close
        # US autumn change (Sun 2024-11-03)
        ("2024-11-02 15:00", "2024-11-04", "closed"),  # Saturday
        ("2024-11-04 14:20", "2024-11-04", "pre"),  # 09:20 EST (10:20 under EDT)
        ("2024-11-04 14:40", "2024-11-04", "regular"),
        ("2024-11-04 20:30", "2024-11-04", "regular"),  # 15:30 EST
        ("2024-11-04 21:00", "2024-11-05", "post"),
        # Thanksgiving (Thu 2024-11-28) and its half day (Fri 11-29 closes 13:00 EST)
        ("2024-11-28 15:00", "2024-11-29", "closed"),
        ("2024-11-29 17:30", "2024-11-29", "regular"),  # 12:30 EST
        ("2024-11-29 18:30", "2024-12-02", "post"),  # 13:30 EST, after the early close
    ],
)
def test_nyse_dst_and_half_day(daily: FileSource, when_utc: str, t0: str, state: str) -> None:
    row = _align([when_utc], "^DJI", daily, tz="UTC").iloc[0]
    assert (row["t0"], row["market_state"], row["status"]) == (pd.Timestamp(t0), state, "ok")


@pytest.mark.parametrize(
    ("when_local", "t0", "state"),
    [
        ("2024-11-27 08:30", "2024-11-27", "pre"),
        ("2024-11-27 10:00", "2024-11-27", "regular"),
        ("2024-11-27 11:45", "2024-11-27", "regular"),  # lunch break 11:30-12:30
        ("2024-11-27 12:29", "2024-11-27", "regular"),
        ("2024-11-27 15:29", "2024-11-27", "regular"),
        ("2024-11-27 15:45", "2024-11-28", "post"),  # closes 15:30 since 2024-11-05
    ],
)
def test_tokyo_lunch_break(daily: FileSource, when_local: str, t0: str, state: str) -> None:
    row = _align([when_local], "Nikkei 225", daily, tz="Asia/Tokyo").iloc[0]
    assert (row["t0"], row["market_state"], row["status"]) == (pd.Timestamp(t0), state, "ok")


def test_hong_kong_lunch_break(daily: FileSource, daily_dir: Path) -> None:
    ev = _align(["2024-11-27 12:30", "2024-11-27 16:30"], "Hang Seng", daily, tz="Asia/Hong_Kong")
    assert ev["t0"].tolist() == [pd.Timestamp("2024-11-27"), pd.Timestamp("2024-11-28")]
    assert ev["market_state"].tolist() == ["regular", "post"]
    hsi = _csv(daily_dir, "^HSI")
    assert ev["base_price"].tolist() == [hsi.loc["2024-11-26", "Close"], hsi.loc["2024-11-27", "Close"]]


# ---------------------------------------------------------------------------
# statuses
# ---------------------------------------------------------------------------


def test_gap_in_euro_stoxx(daily: FileSource, stoxx: pd.DataFrame) -> None:
    # Ascension Day 2024-05-09: Eurex traded, Yahoo's Euro STOXX 50 has no row
    assert pd.Timestamp("2024-05-09") not in stoxx.index
    ev = _align(["2024-05-09 12:00", "2024-05-10 12:00", "2024-05-08 18:00"], "Euro STOXX 50", daily)
    assert ev["t0"].tolist() == [pd.Timestamp("2024-05-09"), pd.Timestamp("2024-05-10"), pd.Timestamp("2024-05-09")]
    assert ev["status"].tolist() == ["gap", "ok", "gap"]
    assert ev["market_state"].tolist() == ["regular", "regular", "post"]
    assert ev["base_price"].iloc[0] == stoxx.loc["2024-05-08", "Close"]
    # the data's change into 05-10 spans two sessions: it is not that day's change
    assert np.isnan(ev["change_at_t0"].iloc[1])


def test_outside_data(daily: FileSource) -> None:
    # Euro STOXX 50 data: 2007-03-30 .. 2025-07-11
    ev = _align(["2006-06-01 12:00", "2007-03-30 12:00", "2025-07-11 12:00", "2025-07-14 12:00", "2031-01-15 12:00"], "Euro STOXX 50", daily)
    assert ev["status"].tolist() == ["outside_data", "ok", "ok", "outside_data", "outside_data"]
    assert np.isnan(ev["base_price"].iloc[1])  # first row of the data: no previous close


def test_unknown_instrument_and_no_data(seed_path: Path, daily: FileSource) -> None:
    corpus = _seed(seed_path, "2024-11-27 14:00")
    ev = align_events(corpus, source=daily, instruments=["Euro STOXX 50", "Nonexistent Index", "ATX"])
    assert ev["event_id"].tolist() == [
        "000_c914ccdd9c6fabd9|^STOXX50E",
        "000_c914ccdd9c6fabd9|Nonexistent Index",
        "000_c914ccdd9c6fabd9|^ATX",
    ]
    assert ev["status"].tolist() == ["ok", "unknown_instrument", "no_data"]
    assert pd.isna(ev["symbol"].iloc[1])
    assert ev["symbol"].iloc[2] == "^ATX"
    assert "^ATX" in ev.attrs["price_errors"]
    assert ev.attrs["unknown_instruments"] == ["Nonexistent Index"]
    # the box belongs to the Euro STOXX 50 only
    assert ev["snapshot_status"].tolist() == ["matches_t0", "no_snapshot", "no_snapshot"]


def test_instrument_without_calendar(daily: FileSource, daily_dir: Path) -> None:
    # EUR/USD: sessions are the data's dates, each a whole day in Europe/London
    ev = _align(["2024-11-30 12:00", "2024-11-27 23:30", "2024-11-27 00:30"], "EUR/USD", daily, tz="Europe/London")
    fx = _csv(daily_dir, "EURUSD=X")
    assert pd.Timestamp("2024-11-30") not in fx.index
    assert ev["t0"].tolist() == [pd.Timestamp("2024-12-02"), pd.Timestamp("2024-11-27"), pd.Timestamp("2024-11-27")]
    assert ev["market_state"].tolist() == ["closed", "regular", "regular"]
    assert ev["status"].tolist() == ["ok"] * 3
    early = _align(["1999-06-01 12:00"], "EUR/USD", daily, tz="Europe/London")
    assert early["status"].iloc[0] == "outside_data"


def test_naive_times_need_tz(daily: FileSource) -> None:
    arts = pd.DataFrame({"article_id": ["x"], "published_at": [pd.Timestamp("2024-11-27 14:00")], "instrument": ["DAX"]})
    with pytest.raises(InvalidOptionError, match="tz"):
        align_events(arts, source=daily)
    ev = align_events(arts, source=daily, tz=BERLIN)
    assert ev["t0"].iloc[0] == pd.Timestamp("2024-11-27")
    assert ev["market_state"].iloc[0] == "regular"
    # a local time that does not exist (the DST change) is refused, naming the zone
    gap_hour = arts.assign(published_at=[pd.Timestamp("2024-03-31 02:30")])
    with pytest.raises(InvalidOptionError, match="Europe/Berlin"):
        align_events(gap_hour, source=daily, tz=BERLIN)


def test_instruments_modes(seed_path: Path, daily: FileSource) -> None:
    corpus = _events(["2024-11-27 14:00", "2024-11-27 19:00"], ["DAX"])
    arts = corpus.articles.assign(ticker=["^FCHI", None])
    corpus = Corpus(arts, corpus.snapshots, corpus.rejected, corpus.n_inputs)
    by_col = align_events(corpus, source=daily, instruments="ticker")
    assert by_col["event_id"].tolist() == ["e0|^FCHI", "e1|"]
    assert by_col["status"].tolist() == ["ok", "unknown_instrument"]
    listed = align_events(corpus, source=daily, instruments=["CAC 40", "DAX"])
    assert listed["event_id"].tolist() == ["e0|^FCHI", "e0|^GDAXI", "e1|^FCHI", "e1|^GDAXI"]
    snap = align_events(corpus, source=daily)  # table of events: the instrument column
    assert snap["symbol"].tolist() == ["^GDAXI", "^GDAXI"]
    with pytest.raises(InvalidOptionError, match="instruments"):
        align_events(corpus, source=daily, instruments="no such column")
    with pytest.raises(InvalidOptionError, match="twice"):
        align_events(corpus, source=daily, instruments=["DAX", "^GDAXI"])


def test_prices_argument_is_used(seed_path: Path, stoxx: pd.DataFrame) -> None:
    # no source at all: the prices dict must be enough
    ev = align_events(_seed(seed_path, "2024-11-27 14:00"), prices={"^STOXX50E": stoxx}, source=FrameSource({}))
    assert ev["status"].iloc[0] == "ok"
    assert ev["snapshot_status"].iloc[0] == "matches_t0"


# ---------------------------------------------------------------------------
# snapshot columns beyond the seed
# ---------------------------------------------------------------------------


def test_percent_level_zero_and_range_boxes(daily: FileSource, daily_dir: Path) -> None:
    dax = _csv(daily_dir, "^GDAXI")["Close"]
    c1, c0 = dax.loc["2024-11-27"], dax.loc["2024-11-26"]
    pct = round((c1 / c0 - 1) * 100, 2)
    level = round(c1, 2)
    dax_all = _csv(daily_dir, "^GDAXI")
    lo, hi = dax_all.loc["2024-11-27", "Low"] - c0, dax_all.loc["2024-11-27", "High"] - c0
    inside = round((lo + hi) / 2, 2)
    mid = round((dax_all.loc["2024-11-27", "Low"] + c1) / 2, 2)
    assert dax_all.loc["2024-11-27", "Low"] < mid < dax_all.loc["2024-11-27", "High"] and abs(mid - c1) > 1
    assert abs(inside - (c1 - c0)) > 1  # not the close change
    rows = [
        {"article_id": "pct", "published": "2024-11-27 12:00", "instrument": "DAX", "change_pct": pct, "raw": f"DAX {pct:.2f}%"},
        {"article_id": "lvl", "published": "2024-11-27 12:00", "instrument": "DAX", "change": round(c1 - c0, 2), "level": level, "raw": f"DAX {level:.2f} {c1 - c0:.2f}"},
        # the change matches but the level is another price of the day: captured intraday?
        {"article_id": "midlvl", "published": "2024-11-27 12:00", "instrument": "DAX", "change": round(c1 - c0, 2), "level": mid, "raw": f"DAX {mid:.2f} {c1 - c0:.2f}"},
        {"article_id": "farlvl", "published": "2024-11-27 12:00", "instrument": "DAX", "change": round(c1 - c0, 2), "level": level + 1000, "raw": f"DAX {level + 1000:.2f} {c1 - c0:.2f}"},
        {"article_id": "zero", "published": "2024-11-27 12:00", "instrument": "DAX", "change": 0.0, "raw": "DAX 0.0000", "zero": True},
        {"article_id": "range", "published": "2024-11-27 12:00", "instrument": "DAX", "change": inside, "raw": f"DAX {inside:.2f}"},
    ]
    ev = align_events(box_corpus(rows), source=daily)
    assert ev["snapshot_status"].tolist() == ["matches_t0", "matches_t0", "within_t0_range", "no_match", "zero", "within_t0_range"]


# ---------------------------------------------------------------------------
# intraday
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hourly_stoxx(hourly_dir: Path) -> pd.DataFrame:
    return _csv(hourly_dir, "^STOXX50E")


@pytest.mark.parametrize(
    ("when", "t0_utc", "base_bar_utc", "state"),
    [
        # 14:00 CET = 13:00 UTC: the 12:00 UTC bar has just ended; day 0 is the 13:00 bar
        ("2024-11-27 14:00", "2024-11-27 13:00", "2024-11-27 12:00", "regular"),
        ("2024-11-27 14:20", "2024-11-27 13:00", "2024-11-27 12:00", "regular"),
        ("2024-11-27 07:15", "2024-11-27 08:00", "2024-11-26 16:00", "pre"),
        ("2024-11-27 18:30", "2024-11-28 08:00", "2024-11-27 16:00", "post"),
        # the last bar (16:00 UTC) ends at the 16:30 UTC close
        ("2024-11-27 17:10", "2024-11-27 16:00", "2024-11-27 15:00", "regular"),
        # summer time: the first bar starts 07:00 UTC (09:00 CEST)
        ("2024-04-02 09:30", "2024-04-02 07:00", "2024-03-28 16:00", "regular"),
    ],
)
def test_seed_on_hourly_bars(
    seed_path: Path, hourly_dir: Path, hourly_stoxx: pd.DataFrame, when: str, t0_utc: str, base_bar_utc: str, state: str
) -> None:
    src = FileSource(hourly_dir)
    ev = align_events(_seed(seed_path, when), source=src, interval="1h")
    row = ev.iloc[0]
    assert ev.attrs["interval"] == "1h"
    assert ev["t0"].dtype == "datetime64[ns, UTC]"
    assert row["t0"] == pd.Timestamp(t0_utc, tz="UTC")
    assert row["status"] == "ok"
    assert row["market_state"] == state
    bars = hourly_stoxx
    assert row["base_price"] == bars.loc[pd.Timestamp(base_bar_utc, tz="UTC"), "Close"]


def test_hourly_seed_base_is_close_of_1200_bar(seed_path: Path, hourly_dir: Path, hourly_stoxx: pd.DataFrame) -> None:
    row = align_events(_seed(seed_path, "2024-11-27 14:00"), source=FileSource(hourly_dir), interval="1h").iloc[0]
    assert row["base_price"] == pytest.approx(4726.1099)
    assert hourly_stoxx.loc[pd.Timestamp("2024-11-27 12:00", tz="UTC"), "Close"] == pytest.approx(4726.1099)
    # the box is checked against daily closes; this source has only hourly bars
    assert row["snapshot_status"] == "no_data"


def test_hourly_with_daily_for_the_box(seed_path: Path, shared_data: Path) -> None:
    src = FileSource(shared_data / "prices")  # serves daily/ and 1h/
    row = align_events(_seed(seed_path, "2024-11-27 14:00"), source=src, interval="1h").iloc[0]
    assert row["snapshot_status"] == "matches_t0"
    assert row["change_at_t0"] == pytest.approx(-28.8403, abs=1e-9)


def test_bar_ends_and_sessions_helpers() -> None:
    ns = pd.Timestamp("2024-11-27 08:00", tz="UTC").value
    h = 3_600_000_000_000
    starts = np.array([ns, ns + h, ns + 8 * h, ns + 24 * h])
    close = pd.Timestamp("2024-11-27 16:30", tz="UTC").value
    ends = bar_ends(starts, "1h", np.array([close, close + 24 * h]))
    assert ends.tolist() == [ns + h, ns + 2 * h, close, ns + 25 * h]
    frame = pd.DataFrame(
        {
            "open": pd.DatetimeIndex(["2024-11-27 08:00", "2024-11-28 08:00"], tz="UTC"),
            "close": pd.DatetimeIndex(["2024-11-27 16:30", "2024-11-28 16:30"], tz="UTC"),
        },
        index=pd.DatetimeIndex(["2024-11-27", "2024-11-28"]),
    )
    sa = SessionArrays.from_frame(frame, BERLIN)
    pub = np.array([close - 1, close, np.iinfo(np.int64).min, close + 48 * h])
    pos, state = find_sessions(pub, sa)
    assert pos.tolist() == [0, 1, -1, 2]
    assert state.tolist() == [1, 2, -1, -1]


# ---------------------------------------------------------------------------
# properties: day 0 never before publication; market state as exchange_calendars says
# ---------------------------------------------------------------------------

_CASES = [("^GDAXI", "XETR"), ("^STOXX50E", "XSTX"), ("^DJI", "XNYS"), ("^N225", "XTKS"), ("^HSI", "XHKG")]
_LO = pd.Timestamp("2015-01-01", tz="UTC").value // 60_000_000_000
_HI = pd.Timestamp("2024-12-31", tz="UTC").value // 60_000_000_000


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    case=st.sampled_from(_CASES),
    minutes=st.lists(st.integers(min_value=_LO, max_value=_HI), min_size=1, max_size=40),
)
def test_property_day0_and_state(daily: FileSource, case: tuple[str, str], minutes: list[int]) -> None:
    symbol, code = case
    stamps = [pd.Timestamp(m * 60_000_000_000, tz="UTC") for m in minutes]
    corpus = _events([s.tz_localize(None).isoformat() for s in stamps], [symbol], tz="UTC")
    ev = align_events(corpus, source=daily)
    cal = get_calendar(code)
    tz = str(cal.tz)
    for ts, (_, row) in zip(stamps, ev.iterrows(), strict=True):
        t0 = row["t0"]
        assert row["status"] in ("ok", "gap"), (ts, row["status"])
        # never before publication: day 0's close is after it, the previous close is not
        assert cal.session_close(t0) > ts
        prev = cal.previous_session(t0)
        assert cal.session_close(prev) <= ts
        # exchange_calendars' own mapping (breaks count as part of their session)
        assert t0 == cal.minute_to_session(ts, direction="next")
        local = ts.tz_convert(tz).tz_localize(None).normalize()
        if cal.is_open_on_minute(ts, ignore_breaks=True):
            state = "regular"
        elif cal.is_session(local) and ts < cal.session_open(local):
            state = "pre"
        elif cal.is_session(local) and ts >= cal.session_close(local):
            state = "post"
        else:
            state = "closed"
        assert row["market_state"] == state, (ts, row["market_state"], state)


def test_intraday_without_calendar(shared_data: Path, hourly_dir: Path) -> None:
    # Gold futures (no exchange calendar): the hourly bars are the trading time, local
    # days in New York. Friday 2024-11-29 (after Thanksgiving) trades until 12:30 ET
    # (last bar 17:30 UTC); trading resumes Sunday 18:00 ET (bar 2024-12-01 23:00 UTC);
    # Monday has the daily pause 17:00-18:00 ET between the 21:00 and 23:00 UTC bars.
    src = FileSource(shared_data / "prices")
    table = pd.DataFrame(
        {
            "id": list("abcde"),
            "time": ["2024-11-29 23:30", "2024-11-30 12:00", "2024-12-02 00:30", "2024-12-01 22:00", "2024-12-02 22:30"],
            "instrument": "Gold",
        }
    )
    ev = align_events(read_articles(table, tz="UTC"), source=src, interval="1h")
    gold = _csv(hourly_dir, "GC=F")
    utc = [pd.Timestamp(x, tz="UTC") for x in ("2024-12-01 23:00", "2024-12-01 23:00", "2024-12-02 00:00", "2024-12-01 23:00", "2024-12-02 23:00")]
    assert ev["t0"].tolist() == utc
    assert ev["market_state"].tolist() == ["post", "closed", "regular", "pre", "regular"]
    assert ev["status"].tolist() == ["ok"] * 5
    last_fri = gold.loc[: pd.Timestamp("2024-11-30", tz="UTC"), "Close"].iloc[-1]
    assert ev["base_price"].tolist()[:2] == [last_fri, last_fri]
    assert ev["base_price"].iloc[2] == gold.loc[pd.Timestamp("2024-12-01 23:00", tz="UTC"), "Close"]


def test_box_of_a_later_session(seed_path: Path, daily: FileSource) -> None:
    # published Monday 2024-11-25, the page captured Wednesday evening: the box shows
    # Wednesday's change, two sessions after day 0
    row = align_events(_seed(seed_path, "2024-11-25 12:00"), source=daily).iloc[0]
    assert row["t0"] == pd.Timestamp("2024-11-25")
    assert row["snapshot_status"] == "matches_other_session"
    assert row["snapshot_session"] == pd.Timestamp("2024-11-27")


def test_plain_frame_with_offsets(daily: FileSource) -> None:
    # ISO strings with winter and summer offsets; a missing time stays a row
    arts = pd.DataFrame(
        {
            "article_id": ["w", "s", "n"],
            "published_at": ["2024-11-27T14:00:00+01:00", "2024-06-27T18:00:00+02:00", None],
            "instrument": "DAX",
        }
    )
    ev = align_events(arts, source=daily)
    assert ev["published_at"].tolist()[:2] == [pd.Timestamp("2024-11-27 13:00", tz="UTC"), pd.Timestamp("2024-06-27 16:00", tz="UTC")]
    assert ev["t0"].tolist()[:2] == [pd.Timestamp("2024-11-27"), pd.Timestamp("2024-06-28")]
    assert ev["market_state"].tolist()[:2] == ["regular", "post"]
    assert ev["status"].tolist() == ["ok", "ok", "no_publication_time"]
    dup = pd.DataFrame({"article_id": ["x", "x"], "published_at": ["2024-11-27T14:00:00+01:00"] * 2})
    with pytest.raises(ArticleError, match="more than once"):
        align_events(dup, source=daily)


def test_box_naming_an_instrument_twice_gives_one_row(daily: FileSource) -> None:
    # "DAX" and "DAX 40" are the same index; "Foo Index" is unknown and printed twice.
    # One row per (article, instrument): event ids stay unique, the repeats are reported.
    page = (
        "Berliner Tageblatt - Titel\nBörse\nDAX -0.78% 18532.99\nDAX 40 -0.78% 18532.99\n"
        "Foo Index +1.00% 100\nFoo Index +1.00% 100\nDer Text des Artikels.\nJ.Hasler--NZN"
    )
    corpus = read_articles([page], published_at={"0": "2024-11-27T14:00:00+01:00"})
    assert len(corpus.snapshots) == 4
    ev = align_events(corpus, source=daily)
    assert ev["event_id"].is_unique
    assert ev["status"].tolist() == ["ok", "unknown_instrument"]
    assert ev["t0"].iloc[0] == pd.Timestamp("2024-11-27")
    assert len(ev.attrs["duplicate_instruments"]) == 2
