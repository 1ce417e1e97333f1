"""YahooSource through yfinance's real request and parsing code, with a fake HTTP session
that serves chart answers built from the real files in ../shared/data (tests/_fake_yahoo.py).
No test reaches Yahoo."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pandas as pd
import pytest
import requests
from _fake_yahoo import FakeYahoo, raw_closes

from mktnews.errors import PriceDataError
from mktnews.prices import cache as cache_mod
from mktnews.prices.base import load_prices
from mktnews.prices.yahoo import YahooSource

T = pd.Timestamp
BERLIN = "Europe/Berlin"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[pd.Timestamp]:
    now = [T("2025-07-12 12:00", tz="UTC")]  # two days after the data ends
    monkeypatch.setattr(cache_mod, "utcnow", lambda: now[0])
    return now


def test_daily_through_yfinance(yahoo: YahooSource, fake: FakeYahoo, daily_dir: Path, clock: list[pd.Timestamp]) -> None:
    df = load_prices("^STOXX50E", "2024-11-20", "2024-11-29", source=yahoo)
    assert df.loc["2024-11-27", "close"] == 4733.1499
    assert df.index[-1] == T("2024-11-29")  # end inclusive
    got = {k.strftime("%Y-%m-%d"): v for k, v in df["close"].items()}
    assert got == raw_closes(daily_dir / "^STOXX50E.csv", "2024-11-20", "2024-11-29")
    assert df.index.dtype == "datetime64[ns]" and df.index.name == "date"
    assert list(df.columns) == ["open", "high", "low", "close", "volume"]
    assert df.attrs == {"symbol": "^STOXX50E", "interval": "1d", "source": "yahoo"}
    # yfinance was asked for [20 Nov, 30 Nov) in exchange time: its end is exclusive
    assert fake.price_ranges(BERLIN) == [(T("2024-11-20", tz=BERLIN), T("2024-11-30", tz=BERLIN))]
    params = fake.price_calls[0]
    assert params["interval"] == "1d" and params["includePrePost"] is False
    # the session is left as it was given
    assert "request" not in vars(fake)


def test_new_york_sessions_are_dated_locally(yahoo: YahooSource, daily_dir: Path, clock: list[pd.Timestamp]) -> None:
    df = load_prices("Dow Jones", "2024-11-25", "2024-11-29", source=yahoo)
    ref = raw_closes(daily_dir / "^DJI.csv", "2024-11-25", "2024-11-29")
    assert {k.strftime("%Y-%m-%d"): v for k, v in df["close"].items()} == ref
    assert T("2024-11-28") not in df.index  # Thanksgiving


def test_hourly_through_yfinance(yahoo: YahooSource, fake: FakeYahoo, hourly_dir: Path, clock: list[pd.Timestamp]) -> None:
    df = load_prices("^STOXX50E", "2024-11-27", "2024-11-28", interval="1h", source=yahoo)
    ref = raw_closes(hourly_dir / "^STOXX50E.csv", "2024-11-27", "2024-11-28")
    assert {k.isoformat(): v for k, v in df["close"].items()} == ref
    assert len(df) == 18
    assert df.index.dtype == "datetime64[ns, UTC]" and df.index.name == "datetime"
    assert fake.price_calls[0]["interval"] == "1h"
    assert fake.price_ranges("UTC") == [(T("2024-11-27", tz="UTC"), T("2024-11-29", tz="UTC"))]
    # summer time: the first bar of a July day starts 07:00 UTC (09:00 CEST)
    july = load_prices("^GDAXI", "2025-07-01", "2025-07-01", interval="1h", source=yahoo)
    assert july.index[0] == T("2025-07-01 07:00", tz="UTC")
    assert july["close"].tolist() == list(raw_closes(hourly_dir / "^GDAXI.csv", "2025-07-01", "2025-07-01").values())


def test_intraday_limits_checked_before_asking(yahoo: YahooSource, fake: FakeYahoo, clock: list[pd.Timestamp]) -> None:
    with pytest.raises(PriceDataError, match=r"1h bars only for the last 730 days \(from 2023-07-13 12:00 UTC on\); \^STOXX50E was asked .* coarser interval \(1d\)"):
        load_prices("^STOXX50E", "2023-07-03", "2023-07-20", interval="1h", source=yahoo)
    with pytest.raises(PriceDataError, match=r"5m bars only for the last 60 days"):
        load_prices("^STOXX50E", "2025-04-01", "2025-04-02", interval="5m", source=yahoo)
    with pytest.raises(PriceDataError, match=r"1m bars only for the last 30 days"):
        load_prices("^STOXX50E", "2025-06-01", "2025-06-02", interval="1m", source=yahoo)
    assert fake.calls == []


def test_one_minute_bars_are_asked_in_week_pieces(yahoo: YahooSource, fake: FakeYahoo, clock: list[pd.Timestamp]) -> None:
    # the fake has no 1m bars: Yahoo's error (HTTP 422, which yfinance asks twice for)
    # stops at the first piece and is not retried by mktnews
    with pytest.raises(PriceDataError, match=r"no 1m bars of \^STOXX50E .*Invalid interval 1m \(fake\)"):
        load_prices("^STOXX50E", "2025-06-20", "2025-07-08", interval="1m", source=yahoo)
    assert fake.price_ranges("UTC") == [(T("2025-06-20", tz="UTC"), T("2025-06-27", tz="UTC"))] * 2
    fake.calls.clear()
    fake.script = ["empty", "empty", "empty"]
    out = yahoo.download(
        "^STOXX50E", T("2025-06-20", tz="UTC"), T("2025-07-09", tz="UTC"), "1m", allow_empty=True
    )
    spans = fake.price_ranges("UTC")
    assert spans == [
        (T("2025-06-20", tz="UTC"), T("2025-06-27", tz="UTC")),
        (T("2025-06-27", tz="UTC"), T("2025-07-04", tz="UTC")),
        (T("2025-07-04", tz="UTC"), T("2025-07-09", tz="UTC")),
    ]
    assert out.empty


def test_rate_limit_then_success(yahoo: YahooSource, fake: FakeYahoo, sleeps: list[float], daily_dir: Path, clock: list[pd.Timestamp]) -> None:
    # yfinance itself asks twice on a 429 before raising YFRateLimitError: 429, 429 is one
    # failed try of mktnews; the next try succeeds
    fake.script = [429, 429]
    df = load_prices("^GDAXI", "2024-11-25", "2024-11-29", source=yahoo)
    assert len(fake.price_calls) == 3
    assert sleeps == [2.0]  # backoff 1 s, doubled for a rate limit
    assert {k.strftime("%Y-%m-%d"): v for k, v in df["close"].items()} == raw_closes(
        daily_dir / "^GDAXI.csv", "2024-11-25", "2024-11-29"
    )


def test_rate_limit_gives_up(fake: FakeYahoo, tmp_path: Path, sleeps: list[float], clock: list[pd.Timestamp]) -> None:
    src = YahooSource(session=fake, cache_dir=tmp_path, retries=2, backoff=0.5, sleep=sleeps.append)
    fake.script = [429] * 4
    with pytest.raises(PriceDataError, match=r"could not get 1d bars of \^GDAXI for 2024-11-25\.\.2024-11-29: rate limited by Yahoo Finance \(HTTP 429\) \(gave up after 2 tries\)"):
        load_prices("^GDAXI", "2024-11-25", "2024-11-29", source=src)
    assert len(fake.price_calls) == 4
    assert sleeps == [1.0]
    assert not src.cache.path("^GDAXI", "1d").exists()


def test_server_error_then_success(yahoo: YahooSource, fake: FakeYahoo, sleeps: list[float], clock: list[pd.Timestamp]) -> None:
    fake.script = [503, 503, 502, 502]
    df = load_prices("^FCHI", "2024-11-27", "2024-11-27", source=yahoo)
    assert len(fake.price_calls) == 5
    assert sleeps == [1.0, 2.0]
    assert len(df) == 1


def test_dns_error_names_the_symbol(fake: FakeYahoo, tmp_path: Path, sleeps: list[float], clock: list[pd.Timestamp]) -> None:
    from curl_cffi.requests.exceptions import DNSError

    fake.down = lambda: DNSError("Could not resolve host: query2.finance.yahoo.com")
    src = YahooSource(session=fake, cache_dir=tmp_path, retries=3, sleep=sleeps.append)
    with pytest.raises(PriceDataError, match=r"\^STOXX50E for 2024-11-20\.\.2024-11-29: network error \(DNSError: Could not resolve host.*gave up after 3 tries"):
        load_prices("^STOXX50E", "2024-11-20", "2024-11-29", source=src)
    assert sleeps == [1.0, 2.0]
    # requests' own connection errors are retried the same way
    fake.down = lambda: requests.exceptions.ConnectionError("Connection refused")
    with pytest.raises(PriceDataError, match=r"network error \(ConnectionError: Connection refused\)"):
        load_prices("^STOXX50E", "2024-11-20", "2024-11-29", source=src)


def test_timeout_is_retried(fake: FakeYahoo, tmp_path: Path, sleeps: list[float], clock: list[pd.Timestamp]) -> None:
    fake.script = [requests.exceptions.ReadTimeout("read timed out")]
    src = YahooSource(session=fake, cache_dir=tmp_path, sleep=sleeps.append)
    df = load_prices("^STOXX50E", "2024-11-27", "2024-11-27", source=src)
    assert df["close"].tolist() == [4733.1499]
    assert sleeps == [1.0]


def test_empty_answer_raises(yahoo: YahooSource, fake: FakeYahoo, clock: list[pd.Timestamp]) -> None:
    fake.script = ["empty"]
    with pytest.raises(PriceDataError, match=r"Yahoo Finance has no 1d bars of \^STOXX50E for 2024-11-20\.\.2024-11-29"):
        load_prices("^STOXX50E", "2024-11-20", "2024-11-29", source=yahoo)
    # nothing is covered: the range is remembered as "asked, empty", with the time asked
    entry = yahoo.cache.load("^STOXX50E", "1d")
    assert entry is not None and entry.complete == [] and len(entry.frame) == 0
    assert [(T(a), T(b - 86_400_000_000_000), T(t, tz="UTC")) for a, b, t in entry.empty] == [
        (T("2024-11-20"), T("2024-11-29"), clock[0])
    ]
    # a weekend is also an empty answer from Yahoo (no script: the fake has no bars there)
    with pytest.raises(PriceDataError, match=r"no 1d bars of \^STOXX50E for 2024-11-23\.\.2024-11-24"):
        load_prices("^STOXX50E", "2024-11-23", "2024-11-24", source=yahoo)


def test_unknown_symbol_is_not_retried(yahoo: YahooSource, fake: FakeYahoo, sleeps: list[float], clock: list[pd.Timestamp]) -> None:
    with pytest.raises(PriceDataError, match=r"Yahoo Finance does not know the symbol '\^NOPE'"):
        load_prices("^NOPE", "2024-11-20", "2024-11-29", source=yahoo)
    assert sleeps == []


def test_partial_range_merged_with_cache(yahoo: YahooSource, fake: FakeYahoo, daily_dir: Path, clock: list[pd.Timestamp]) -> None:
    load_prices("^STOXX50E", "2024-11-01", "2024-11-15", source=yahoo)
    fake.calls.clear()
    df = load_prices("^STOXX50E", "2024-11-01", "2024-11-29", source=yahoo)
    assert fake.price_ranges(BERLIN) == [(T("2024-11-16", tz=BERLIN), T("2024-11-30", tz=BERLIN))]
    assert {k.strftime("%Y-%m-%d"): v for k, v in df["close"].items()} == raw_closes(
        daily_dir / "^STOXX50E.csv", "2024-11-01", "2024-11-29"
    )
    fake.calls.clear()
    again = load_prices("^STOXX50E", "2024-11-10", "2024-11-20", source=yahoo)
    assert fake.calls == []  # all from the cache
    assert again.attrs["source"] == "yahoo"
    # the same for hourly bars
    load_prices("^GDAXI", "2024-11-27", "2024-11-27", interval="1h", source=yahoo)
    fake.calls.clear()
    h = load_prices("^GDAXI", "2024-11-26", "2024-11-27", interval="1h", source=yahoo)
    assert fake.price_ranges("UTC") == [(T("2024-11-26", tz="UTC"), T("2024-11-27", tz="UTC"))]
    assert len(h) == 18


def test_recent_days_are_asked_again(yahoo: YahooSource, fake: FakeYahoo, clock: list[pd.Timestamp]) -> None:
    clock[0] = T("2024-11-29 12:00", tz="UTC")
    load_prices("^STOXX50E", "2024-11-18", "2024-11-29", source=yahoo)
    fake.calls.clear()
    load_prices("^STOXX50E", "2024-11-18", "2024-11-29", source=yahoo)
    assert fake.price_ranges(BERLIN) == [(T("2024-11-28", tz=BERLIN), T("2024-11-30", tz=BERLIN))]


def test_offline_never_asks(fake: FakeYahoo, tmp_path: Path, clock: list[pd.Timestamp], monkeypatch: pytest.MonkeyPatch) -> None:
    online = YahooSource(session=fake, cache_dir=tmp_path)
    load_prices("^STOXX50E", "2024-11-01", "2024-11-15", source=online)
    fake.calls.clear()
    monkeypatch.setenv("MKTNEWS_OFFLINE", "1")
    off = YahooSource(session=fake, cache_dir=tmp_path)
    assert off.offline
    assert len(load_prices("^STOXX50E", "2024-11-04", "2024-11-08", source=off)) == 5
    with pytest.raises(PriceDataError, match=r"offline: the cache has no 1d bars of \^STOXX50E for 2024-11-16\.\.2024-11-29"):
        load_prices("^STOXX50E", "2024-11-01", "2024-11-29", source=off)
    assert fake.calls == []


def test_yfinance_state_is_restored_and_caches_moved(yahoo: YahooSource, clock: list[pd.Timestamp]) -> None:
    import platformdirs
    import yfinance as yf
    from yfinance.cache import _TzDBManager

    before = yf.config.debug.hide_exceptions
    load_prices("^STOXX50E", "2024-11-27", "2024-11-27", source=yahoo)
    assert yf.config.debug.hide_exceptions == before
    loc = Path(_TzDBManager.get_location())
    assert loc.name == "yfinance"
    assert not str(loc).startswith(platformdirs.user_cache_dir())  # not py-yfinance in the home
    assert (loc / "tkr-tz.db").exists()


def _no_dns() -> bool:
    try:
        socket.getaddrinfo("query2.finance.yahoo.com", 443)
    except OSError:
        return True
    return False


@pytest.mark.skipif(not _no_dns(), reason="this machine resolves Yahoo's host; the test must not touch the network")
def test_real_attempt_without_network_fails_fast(tmp_path: Path) -> None:
    src = YahooSource(retries=1, cache_dir=tmp_path, timeout=2)
    t0 = time.monotonic()
    with pytest.raises(PriceDataError, match=r"\^STOXX50E for 2024-11-20\.\.2024-11-29: network error"):
        load_prices("^STOXX50E", "2024-11-20", "2024-11-29", source=src)
    assert time.monotonic() - t0 < 60  # a guard against hanging, not a timing assertion


def test_real_session_refused_connection(tmp_path: Path) -> None:
    """A real curl_cffi session through a proxy on a closed local port: a real connection
    attempt that fails at once on any machine, and never leaves it."""
    from curl_cffi import requests as creq

    session = creq.Session(proxies={"http": "http://127.0.0.1:9", "https": "http://127.0.0.1:9"})
    src = YahooSource(retries=2, cache_dir=tmp_path, timeout=2, session=session, backoff=0.01)
    with pytest.raises(PriceDataError, match=r"could not get 1d bars of \^GDAXI .*network error .*gave up after 2 tries"):
        load_prices("^GDAXI", "2024-11-20", "2024-11-29", source=src)


def test_bad_retries() -> None:
    with pytest.raises(PriceDataError, match="retries must be a positive"):
        YahooSource(retries=0)
