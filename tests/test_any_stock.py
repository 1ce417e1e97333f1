"""Any stock a user names: unregistered Yahoo symbols, day 0 after the close, benchmarks
per instrument (``benchmark="home"``, a mapping, a column, ``--benchmark-map``).

Expected sessions are worked out by hand from the exchanges' published 2024 holiday lists
and hours (NYSE 09:30-16:00 New York, 13:00 early close on the day after Thanksgiving;
Xetra 09:00-17:30 Berlin). Expected abnormal returns are plain close-to-close returns
computed here with pandas from the generated prices.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mktnews import event_study, read_articles
from mktnews.cli import main
from mktnews.errors import ConfigurationError
from mktnews.events import align_events
from mktnews.instruments import benchmark_for, read_benchmark_map
from mktnews.prices.base import FrameSource

# Exchange holidays of 2024 between March and December (published calendars).
NYSE_2024 = ["2024-03-29", "2024-05-27", "2024-06-19", "2024-07-04", "2024-09-02", "2024-11-28", "2024-12-25"]
XETRA_2024 = ["2024-03-29", "2024-04-01", "2024-05-01", "2024-12-24", "2024-12-25", "2024-12-26", "2024-12-31"]


def _sessions(holidays: list[str]) -> pd.DatetimeIndex:
    days = pd.bdate_range("2024-03-01", "2024-12-30")
    return days.difference(pd.DatetimeIndex(holidays)).as_unit("ns").rename("date")


def _prices(idx: pd.DatetimeIndex, seed: int, scale: float = 100.0) -> pd.DataFrame:
    r = np.random.default_rng(seed).normal(0.0005, 0.012, len(idx))
    r[0] = 0.0
    return pd.DataFrame({"close": scale * np.cumprod(1 + r)}, index=idx)


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    ny, xe = _sessions(NYSE_2024), _sessions(XETRA_2024)
    return {
        "AAPL": _prices(ny, 1),
        "MSFT": _prices(ny, 2, 300.0),
        "^GSPC": _prices(ny, 3, 5000.0),
        "SAP.DE": _prices(xe, 4, 200.0),
        "^GDAXI": _prices(xe, 5, 18000.0),
    }


def _articles(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """(id, local time, zone, instrument) -> a table read_articles understands."""
    return pd.DataFrame(
        {
            "id": [r[0] for r in rows],
            "time": [pd.Timestamp(r[1], tz=r[2]).isoformat() for r in rows],
            "instrument": [r[3] for r in rows],
        }
    )


# ---------------------------------------------------------------------------------------
# day 0 after the close, without registration


def test_after_close_is_the_next_session_without_registration(frames: dict[str, pd.DataFrame]) -> None:
    ny, be = "America/New_York", "Europe/Berlin"
    rows = [
        # Tue 2024-11-26 16:30 New York: NYSE closed at 16:00 -> Wed 11-27, post
        ("a_post", "2024-11-26 16:30", ny, "AAPL"),
        # Tue 10:00 -> in the session, day 0 the same Tuesday
        ("a_reg", "2024-11-26 10:00", ny, "AAPL"),
        # Wed 11-27 16:30 -> Thu 11-28 is Thanksgiving -> Fri 2024-11-29, post
        ("a_thx", "2024-11-27 16:30", ny, "AAPL"),
        # Fri 11-29 14:00 -> after the 13:00 early close -> Mon 2024-12-02, post
        ("a_early", "2024-11-29 14:00", ny, "AAPL"),
        # Fri 2024-11-29 17:45 Berlin: Xetra closed at 17:30 -> Mon 2024-12-02, post
        ("s_post", "2024-11-29 17:45", be, "SAP.DE"),
        # Fri 12:00 Berlin -> in the session, same day
        ("s_reg", "2024-11-29 12:00", be, "SAP.DE"),
        # Thu 2024-03-28 17:45 -> Good Friday 03-29 and Easter Monday 04-01 closed -> Tue 04-02
        ("s_easter", "2024-03-28 17:45", be, "SAP.DE"),
    ]
    corpus = read_articles(_articles(rows))
    ev = align_events(corpus, source=FrameSource(frames), instruments="instrument")
    got = ev.set_index("article_id")
    want_t0 = {
        "a_post": "2024-11-27", "a_reg": "2024-11-26", "a_thx": "2024-11-29", "a_early": "2024-12-02",
        "s_post": "2024-12-02", "s_reg": "2024-11-29", "s_easter": "2024-04-02",
    }
    want_state = {
        "a_post": "post", "a_reg": "regular", "a_thx": "post", "a_early": "post",
        "s_post": "post", "s_reg": "regular", "s_easter": "post",
    }
    for aid, t0 in want_t0.items():
        assert got.loc[aid, "t0"] == pd.Timestamp(t0), aid
        assert got.loc[aid, "market_state"] == want_state[aid], aid
        assert got.loc[aid, "status"] == "ok", aid
    assert got.loc["a_post", "calendar_rule"] == "bare_symbol:XNYS"
    assert got.loc["s_post", "calendar_rule"] == "suffix:.DE"
    # base price: the close of the session before day 0 (2024-11-26 for a_post)
    assert got.loc["a_post", "base_price"] == pytest.approx(frames["AAPL"].loc["2024-11-26", "close"])


def test_calendar_rule_column_for_registry_and_unknown(frames: dict[str, pd.DataFrame]) -> None:
    rows = [
        ("d", "2024-11-26 12:00", "Europe/Berlin", "DAX"),
        ("u", "2024-11-26 12:00", "Europe/Berlin", "some company"),
        ("g", "2024-11-26 12:00", "Europe/Berlin", "^GDAXI"),
    ]
    ev = align_events(read_articles(_articles(rows)), source=FrameSource(frames), instruments="instrument")
    got = ev.set_index("article_id")
    assert got.loc["d", "symbol"] == "^GDAXI" and got.loc["d", "calendar_rule"] == "registry"
    assert got.loc["g", "calendar_rule"] == "registry"
    assert got.loc["u", "status"] == "unknown_instrument"
    assert pd.isna(got.loc["u", "calendar_rule"])
    assert ev.attrs["unknown_instruments"] == ["some company"]


# ---------------------------------------------------------------------------------------
# benchmarks per instrument


def test_benchmark_for_home_mapping_and_column() -> None:
    syms = ["AAPL", "SAP.DE", "7203.T", "MC.PA", "^GDAXI"]
    assert benchmark_for(syms, "home") == {
        "AAPL": "^GSPC", "SAP.DE": "^GDAXI", "7203.T": "^N225", "MC.PA": "^FCHI", "^GDAXI": "^GDAXI",
    }
    # a single benchmark for all; printed names resolve
    assert benchmark_for(["AAPL", "SAP.DE"], "S&P 500") == {"AAPL": "^GSPC", "SAP.DE": "^GSPC"}
    # a mapping; keys and values are resolved like printed names
    assert benchmark_for(["AAPL", "SAP.DE"], {"AAPL": "S&P 500", "SAP.DE": "DAX"}) == {
        "AAPL": "^GSPC", "SAP.DE": "^GDAXI",
    }
    with pytest.raises(ConfigurationError, match=r"no entry for \['SAP.DE'\]"):
        benchmark_for(["AAPL", "SAP.DE"], {"AAPL": "^GSPC"})
    assert benchmark_for(["AAPL", "SAP.DE"], {"AAPL": "^GSPC"}, strict=False)["SAP.DE"] is None
    # instruments without a calendar have no home index
    with pytest.raises(ConfigurationError, match="EURUSD=X"):
        benchmark_for(["EURUSD=X"], "home")
    # a column of the events: one benchmark per instrument
    ev = pd.DataFrame({"symbol": ["AAPL", "AAPL", "SAP.DE"], "bm": ["^NDX", "^NDX", "^STOXX50E"]})
    assert benchmark_for(["AAPL", "SAP.DE"], "bm", ev) == {"AAPL": "^NDX", "SAP.DE": "^STOXX50E"}
    bad = ev.assign(bm=["^NDX", "^GSPC", "^STOXX50E"])
    with pytest.raises(ConfigurationError, match=r"more than one benchmark for \['AAPL'\]"):
        benchmark_for(["AAPL", "SAP.DE"], "bm", bad)


def _market_adjusted(stock: pd.DataFrame, market: pd.DataFrame, t0: str) -> float:
    """AR(0) of the market-adjusted model, by hand: r_stock(t0) - r_market(t0)."""
    pos = stock.index.get_loc(pd.Timestamp(t0))
    rs = stock["close"].iloc[pos] / stock["close"].iloc[pos - 1] - 1
    mpos = market.index.get_loc(pd.Timestamp(t0))
    rm = market["close"].iloc[mpos] / market["close"].iloc[mpos - 1] - 1
    return float(rs - rm)


STUDY = {"windows": [(0, 0)], "estimation": (-60, -11), "model": "market_adjusted", "min_estimation": 40}


def test_study_with_home_benchmarks(frames: dict[str, pd.DataFrame]) -> None:
    rows = [
        ("a", "2024-11-26 16:30", "America/New_York", "AAPL"),  # day 0 2024-11-27
        ("m", "2024-10-15 11:00", "America/New_York", "MSFT"),  # day 0 2024-10-15
        ("s", "2024-11-29 17:45", "Europe/Berlin", "SAP.DE"),  # day 0 2024-12-02
    ]
    corpus = read_articles(_articles(rows))
    res = event_study(corpus, source=FrameSource(frames), benchmark="home", tests=None, **STUDY)
    car = res.car.set_index("symbol")["car"]
    assert car["AAPL"] == pytest.approx(_market_adjusted(frames["AAPL"], frames["^GSPC"], "2024-11-27"), abs=1e-12)
    assert car["MSFT"] == pytest.approx(_market_adjusted(frames["MSFT"], frames["^GSPC"], "2024-10-15"), abs=1e-12)
    assert car["SAP.DE"] == pytest.approx(
        _market_adjusted(frames["SAP.DE"], frames["^GDAXI"], "2024-12-02"), abs=1e-12
    )
    # the same through an explicit mapping and through a column of the events
    by_map = event_study(corpus, source=FrameSource(frames), tests=None,
                         benchmark={"AAPL": "^GSPC", "MSFT": "^GSPC", "SAP.DE": "DAX"}, **STUDY)
    np.testing.assert_allclose(by_map.car.set_index("symbol")["car"][car.index], car.to_numpy(), rtol=0, atol=1e-15)
    ev = align_events(corpus, source=FrameSource(frames), instruments="instrument")
    ev["bm"] = ev["symbol"].map({"AAPL": "^GSPC", "MSFT": "^GSPC", "SAP.DE": "^GDAXI"})
    by_col = event_study(ev, source=FrameSource(frames), benchmark="bm", tests=None, **STUDY)
    np.testing.assert_allclose(by_col.car.set_index("symbol")["car"][car.index], car.to_numpy(), rtol=0, atol=1e-15)


def test_read_benchmark_map(tmp_path: Path) -> None:
    p = tmp_path / "bm.csv"
    p.write_text("instrument,benchmark\nAAPL,^GSPC\n\nSAP.DE,DAX\n", encoding="utf-8")
    assert read_benchmark_map(p) == {"AAPL": "^GSPC", "SAP.DE": "DAX"}
    p.write_text("AAPL,^GSPC\nSAP.DE\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="row 2"):
        read_benchmark_map(p)
    p.write_text("AAPL,^GSPC\nAAPL,^NDX\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="row 2: 'AAPL' already has benchmark"):
        read_benchmark_map(p)
    with pytest.raises(ConfigurationError, match="benchmark map"):
        read_benchmark_map(tmp_path / "missing.csv")


def test_cli_benchmark_map(
    frames: dict[str, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MKTNEWS_OFFLINE", "1")
    prices = tmp_path / "prices"
    prices.mkdir()
    for sym, f in frames.items():
        f.to_csv(prices / f"{sym}.csv")
    rows = [
        ("a", "2024-11-26 16:30", "America/New_York", "AAPL"),
        ("s", "2024-11-29 17:45", "Europe/Berlin", "SAP.DE"),
    ]
    _articles(rows).to_csv(tmp_path / "news.csv", index=False)
    (tmp_path / "bm.csv").write_text("instrument,benchmark\nAAPL,^GSPC\nSAP.DE,^GDAXI\n", encoding="utf-8")
    args = ["study", "news.csv", "--prices", str(prices), "--model", "market_adjusted", "--window", "0:0",
            "--estimation", "-60:-11", "--min-estimation", "40", "--out", "out", "--quiet"]
    status = main([*args, "--benchmark-map", "bm.csv"])
    assert status == 0, capsys.readouterr().err
    car = pd.read_csv(tmp_path / "out" / "car.csv").set_index("symbol")["car"]
    assert car["AAPL"] == pytest.approx(_market_adjusted(frames["AAPL"], frames["^GSPC"], "2024-11-27"), abs=1e-12)
    assert car["SAP.DE"] == pytest.approx(
        _market_adjusted(frames["SAP.DE"], frames["^GDAXI"], "2024-12-02"), abs=1e-12
    )
    capsys.readouterr()
    assert main([*args, "--benchmark-map", "bm.csv", "--benchmark", "^GSPC"]) == 2
    assert "not both" in capsys.readouterr().err


def test_own_series_in_prices_keeps_its_data_dates(frames: dict[str, pd.DataFrame]) -> None:
    # a key of prices= that is neither registered nor symbol-shaped: sessions from its data
    # (each spanning its whole UTC day), so 23:30 UTC on a data date is that date, 'regular'
    own = frames["AAPL"].copy()
    rows = [("o", "2024-11-26 23:30", "UTC", "my series")]
    ev = align_events(read_articles(_articles(rows)), prices={"my series": own}, source=FrameSource({}),
                      instruments="instrument")
    assert ev["calendar_rule"].tolist() == ["data_dates"]
    assert ev["t0"].tolist() == [pd.Timestamp("2024-11-26")]
    assert ev["market_state"].tolist() == ["regular"]
    # the same closes under the symbol AAPL follow XNYS: 18:30 New York is after the close
    rows = [("a", "2024-11-26 23:30", "UTC", "AAPL")]
    ev = align_events(read_articles(_articles(rows)), prices={"AAPL": own}, source=FrameSource({}),
                      instruments="instrument")
    assert (ev["calendar_rule"].tolist(), ev["market_state"].tolist()) == (["bare_symbol:XNYS"], ["post"])
    assert ev["t0"].tolist() == [pd.Timestamp("2024-11-27")]
