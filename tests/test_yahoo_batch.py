"""Many symbols from Yahoo in one call (issue 14): through the cache, with a progress bar and
a per-symbol list of failures while the other symbols still load and study. yfinance's real
request and parsing code runs against the fake session of tests/_fake_yahoo.py (no network);
expected closes are read from the real CSV files the fake serves."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _fake_yahoo import FakeYahoo, raw_closes

import mktnews as mn
from mktnews.prices import cache as cache_mod
from mktnews.prices.base import FrameSource, fetch_many
from mktnews.prices.yahoo import YahooSource

T = pd.Timestamp


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> list[pd.Timestamp]:
    now = [T("2025-07-12 12:00", tz="UTC")]
    monkeypatch.setattr(cache_mod, "utcnow", lambda: now[0])
    return now


SYMS = ["^STOXX50E", "^GDAXI", "^NOPE", "^DJI", "^FTSE"]


def test_many_symbols_with_one_unknown(yahoo: YahooSource, fake: FakeYahoo, daily_dir: Path) -> None:
    frames, errors = yahoo.fetch_many(SYMS, "2024-11-18", "2024-11-29", progress=False)
    assert list(frames) == ["^STOXX50E", "^GDAXI", "^DJI", "^FTSE"]
    assert list(errors) == ["^NOPE"]
    assert "does not know the symbol '^NOPE'" in errors["^NOPE"]
    for sym, frame in frames.items():
        got = {k.strftime("%Y-%m-%d"): v for k, v in frame["close"].items()}
        assert got == raw_closes(daily_dir / f"{sym}.csv", "2024-11-18", "2024-11-29")
        assert frame.attrs["symbol"] == sym
    assert T("2024-11-28") not in frames["^DJI"].index  # Thanksgiving, real XNYS data
    # one price request per known symbol (Yahoo answers one symbol per request); the
    # unknown one fails at yfinance's time-zone look-up, before any price request
    assert len(fake.price_calls) == 4
    # through the cache: the same call again sends no price request at all
    fake.calls.clear()
    frames2, errors2 = yahoo.fetch_many(SYMS, "2024-11-18", "2024-11-29", progress=False)
    assert list(errors2) == ["^NOPE"] and fake.price_calls == []
    assert not any(s in u for _, u, _ in fake.calls for s in ("STOXX50E", "GDAXI", "DJI", "FTSE"))
    for sym in frames:
        pd.testing.assert_frame_equal(frames2[sym], frames[sym])


def test_a_failing_symbol_gives_up_alone(yahoo: YahooSource, fake: FakeYahoo, sleeps: list[float], daily_dir: Path) -> None:
    # the first symbol's three tries all meet HTTP 503 (yfinance itself asks twice per try);
    # the other symbol is answered
    fake.script = [503] * 6
    ranges = {"^GDAXI": ("2024-11-01", "2024-11-08"), "^FTSE": ("2024-11-11", "2024-11-15")}
    frames, errors = yahoo.fetch_many(ranges, progress=False)
    assert list(errors) == ["^GDAXI"]
    assert "HTTP 503" in errors["^GDAXI"] and "gave up after 3 tries" in errors["^GDAXI"]
    assert "2024-11-01..2024-11-08" in errors["^GDAXI"]
    assert sleeps == [1.0, 2.0]
    got = {k.strftime("%Y-%m-%d"): v for k, v in frames["^FTSE"]["close"].items()}
    assert got == raw_closes(daily_dir / "^FTSE.csv", "2024-11-11", "2024-11-15")


def test_progress_bar_counts_symbols_and_failures(yahoo: YahooSource) -> None:
    pytest.importorskip("tqdm")
    import tqdm.auto

    buf = io.StringIO()
    real = tqdm.auto.tqdm

    def bar(*a: object, **k: object) -> object:
        return real(*a, **{**k, "file": buf, "mininterval": 0})  # type: ignore[arg-type]

    mp = pytest.MonkeyPatch()
    mp.setattr(tqdm.auto, "tqdm", bar)
    try:
        _, errors = yahoo.fetch_many(SYMS[:3], "2024-11-18", "2024-11-22", progress=True)
    finally:
        mp.undo()
    assert list(errors) == ["^NOPE"]
    text = buf.getvalue()
    assert "3/3" in text and "failed=1" in text


def test_needs_a_range() -> None:
    src = FrameSource({"A": pd.DataFrame({"close": [1.0, 2.0]}, index=pd.to_datetime(["2024-01-02", "2024-01-03"]))})
    with pytest.raises(mn.PriceDataError, match="needs start and end"):
        fetch_many(src, ["A"])
    frames, errors = fetch_many(src, ["A", "B"], "2024-01-01", "2024-01-31", progress=False)
    assert list(frames) == ["A"] and frames["A"]["close"].tolist() == [1.0, 2.0]
    assert "no prices for 'B'" in errors["B"]


def test_study_goes_on_without_the_failed_symbol(
    yahoo: YahooSource, fake: FakeYahoo, daily_dir: Path, tmp_path: Path
) -> None:
    # one article per index on 2024-11-20 at 12:00 UTC, plus one on a
    # stock symbol (resolved by the bare-symbol rule) that Yahoo does not know
    syms = ["^GDAXI", "^FTSE", "^FCHI", "ZZZZ"]
    table = pd.DataFrame(
        {"id": [f"a{i}" for i in range(4)], "time": ["2024-11-20T12:00:00Z"] * 4, "instrument": syms}
    )
    corpus = mn.read_articles(table)
    ev = mn.align_events(corpus, source=yahoo, instruments="instrument")
    st = dict(zip(ev["symbol"], ev["status"], strict=True))
    assert st["ZZZZ"] == "no_data" and "does not know the symbol 'ZZZZ'" in ev.attrs["price_errors"]["ZZZZ"]
    assert {st[s] for s in syms[:3]} == {"ok"}
    # batched: one price request per known symbol; the loop reads them from the cache and
    # does not ask for the failed one again
    assert len(fake.price_calls) == 3
    alone = FakeYahoo(daily_dir)
    _, err = YahooSource(session=alone, cache_dir=tmp_path / "alone", sleep=lambda s: None).fetch_many(
        ["ZZZZ"], "2024-10-01", "2024-12-30", progress=False
    )
    assert list(err) == ["ZZZZ"]
    assert sum("ZZZZ" in u for _, u, _ in fake.calls) == sum("ZZZZ" in u for _, u, _ in alone.calls)
    res = mn.event_study(ev, source=yahoo, windows=[(0, 0)], estimation=(-30, -2), model="constant_mean", tests=None,
                         min_estimation=20)
    car = res.car.set_index("symbol")["car"]
    assert set(car.index) == set(syms[:3])
    # CAR(0,0) of the constant-mean model by hand from the raw closes
    for sym in syms[:3]:
        c = pd.Series(raw_closes(daily_dir / f"{sym}.csv", "2024-08", "2024-11-29"))
        c.index = pd.to_datetime(c.index)
        r = c.pct_change()
        k = int(np.flatnonzero(r.index == T("2024-11-20"))[0])
        mu = r.iloc[k - 30 : k - 1].mean()
        assert car[sym] == pytest.approx(r.iloc[k] - mu, abs=1e-12)
