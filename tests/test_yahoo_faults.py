"""A faulty Yahoo, served offline by the fake session: partial answers, null closes, HTML
pages, truncated JSON, refused access and a wrong exchange time zone. Expected closes come
from the raw CSV text behind the fake; expected dates are counted by hand."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import time as dtime
from pathlib import Path

import _fake_yahoo
import pandas as pd
import pyarrow.parquet as pq
import pytest
from _fake_yahoo import FakeYahoo

from mktnews.errors import PriceDataError, PriceDataWarning
from mktnews.prices import cache as cache_mod
from mktnews.prices.base import load_prices
from mktnews.prices.yahoo import YahooSource

T = pd.Timestamp


def raw_closes(path: Path, lo: str, hi: str) -> dict[str, float]:
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    return {r[0]: float(r[4]) for r in rows if lo <= r[0][:10] <= hi}


@pytest.fixture
def yahoo(fake: FakeYahoo, tmp_path: Path) -> YahooSource:
    return YahooSource(session=fake, cache_dir=tmp_path, sleep=lambda s: None, timeout=5)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_mod, "utcnow", lambda: T("2025-07-12 12:00", tz="UTC"))


def _complete(y: YahooSource, symbol: str) -> list[list[str]]:
    meta = json.loads(pq.read_schema(y.cache.path(symbol, "1d")).metadata[b"mktnews.cache"])
    return meta["complete"]


def test_partial_answer_covers_only_what_was_returned(yahoo: YahooSource, fake: FakeYahoo, daily_dir: Path) -> None:
    # 2024-11-04..2024-11-29 holds 20 STOXX sessions; the fake answers the first 10 (to 11-15)
    fake.script = ["half"]
    df = load_prices("^STOXX50E", "2024-11-04", "2024-11-29", source=yahoo)
    ref = raw_closes(daily_dir / "^STOXX50E.csv", "2024-11-04", "2024-11-15")
    assert {k.strftime("%Y-%m-%d"): v for k, v in df["close"].items()} == ref
    assert _complete(yahoo, "^STOXX50E") == [["2024-11-04T00:00:00", "2024-11-16T00:00:00"]]
    # the rest is asked again, and only the rest
    df = load_prices("^STOXX50E", "2024-11-04", "2024-11-29", source=yahoo)
    assert len(df) == 20 and df.index[-1] == T("2024-11-29")
    assert fake.price_ranges("Europe/Berlin")[-1] == (T("2024-11-16", tz="Europe/Berlin"), T("2024-11-30", tz="Europe/Berlin"))
    assert _complete(yahoo, "^STOXX50E") == [["2024-11-04T00:00:00", "2024-11-30T00:00:00"]]


def test_all_null_closes_are_not_recorded(yahoo: YahooSource, fake: FakeYahoo, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.script = ["null_closes"]
    with pytest.raises(PriceDataError, match=r"no 1d bars of \^STOXX50E for 2024-11-04\.\.2024-11-08"):
        load_prices("^STOXX50E", "2024-11-04", "2024-11-08", source=yahoo)
    assert yahoo.cache.load("^STOXX50E", "1d").complete == []  # type: ignore[union-attr]
    # "asked, empty" for a day, then asked again
    monkeypatch.setattr(cache_mod, "utcnow", lambda: T("2025-07-13 12:01", tz="UTC"))
    df = load_prices("^STOXX50E", "2024-11-04", "2024-11-08", source=yahoo)
    assert len(df) == 5 and df["close"].notna().all()
    assert len(fake.price_calls) == 2


@pytest.mark.parametrize("action", ["html", "truncated"])
def test_not_price_data(yahoo: YahooSource, fake: FakeYahoo, action: str) -> None:
    fake.script = [action] * 3
    with pytest.raises(PriceDataError, match=r"\^STOXX50E for 2024-11-04\.\.2024-11-08: Yahoo answered something that is not price data"):
        load_prices("^STOXX50E", "2024-11-04", "2024-11-08", source=yahoo)


@pytest.mark.parametrize("status", [401, 403])
def test_refused_access_is_an_access_problem(yahoo: YahooSource, fake: FakeYahoo, status: int) -> None:
    fake.script = [status] * 10  # yfinance itself retries with a new cookie/crumb
    with pytest.raises(PriceDataError, match=rf"refused access to the 1d bars of \^STOXX50E .*HTTP {status}.*access problem"):
        load_prices("^STOXX50E", "2024-11-04", "2024-11-08", source=yahoo)


@pytest.fixture
def forget_tz() -> Iterator[None]:
    """yfinance keeps each symbol's zone in a process-wide store: forget it before and after."""
    from yfinance.cache import get_tz_cache

    for sym in ("^DJI", "GC=F"):
        get_tz_cache().store(sym, None)
    yield
    for sym in ("^DJI", "GC=F"):
        get_tz_cache().store(sym, None)


@pytest.mark.usefixtures("forget_tz")
def test_wrong_exchange_time_zone_is_refused(yahoo: YahooSource, fake: FakeYahoo) -> None:
    # Dow bars stamped 09:30 New York (14:30 UTC) read in Kiritimati (UTC+14) fall on the
    # next day (04:30): Friday 2024-11-08 becomes Saturday 2024-11-09, not an XNYS session
    fake.claimed_tz["^DJI"] = "Pacific/Kiritimati"
    with pytest.raises(PriceDataError, match=r"\^DJI: 1 daily bar\(s\) on days the XNYS calendar has no session \(2024-11-09 \(Sat\)\).*wrong exchange time zone"):
        load_prices("^DJI", "2024-11-04", "2024-11-10", source=yahoo)


@pytest.mark.usefixtures("forget_tz")
def test_wrong_time_zone_without_calendar_warns(
    yahoo: YahooSource, fake: FakeYahoo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # gold futures (no calendar), stamped here at 09:30 New York (14:30 UTC), read in
    # Kiritimati (UTC+14) fall on the next day (04:30): Friday 2024-11-08 -> Saturday 11-09
    monkeypatch.setitem(_fake_yahoo.EXCHANGE_TZ, "GC=F", ("America/New_York", "USD", dtime(9, 30)))
    fake.claimed_tz["GC=F"] = "Pacific/Kiritimati"
    with pytest.warns(PriceDataWarning, match=r"GC=F: 1 daily bar\(s\) on a weekend \(2024-11-09 \(Sat\)\)"):
        load_prices("GC=F", "2024-11-04", "2024-11-10", source=yahoo)
