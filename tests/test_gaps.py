"""calendars.gaps() on the real data: sessions the calendar has and the data lacks.

Yahoo's Euro STOXX 50 series misses sessions on which Eurex trades but Swiss exchanges
are closed (2 January, Ascension Day, Whit Monday, 1 August): in 2024-01..2025-01 the five
dates listed in ../shared/data/README.md. The DAX has them."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from _fake_yahoo import FakeYahoo

from mktnews.calendars import gaps
from mktnews.datasets import sample_source
from mktnews.prices import cache as cache_mod
from mktnews.prices.files import FileSource
from mktnews.prices.yahoo import YahooSource

FIVE = ["2024-01-02", "2024-05-09", "2024-05-20", "2024-08-01", "2025-01-02"]


def dates(path: Path) -> set[str]:
    with open(path, newline="") as f:
        return {r[0] for r in list(csv.reader(f))[1:]}


def test_the_five_stoxx_gaps(daily_dir: Path) -> None:
    g = gaps("Euro STOXX 50", "2024-01-01", "2025-01-31", source=FileSource(daily_dir))
    assert [d.strftime("%Y-%m-%d") for d in g.index] == FIVE
    assert g.index.name == "session"
    assert list(g.columns) == ["symbol", "weekday", "open", "close"]
    assert (g["symbol"] == "^STOXX50E").all()
    assert g["weekday"].tolist() == ["Tuesday", "Thursday", "Monday", "Thursday", "Thursday"]
    # 09:00-17:30 Europe/Berlin: CET in January, CEST in May and August
    assert g["open"].tolist() == [
        pd.Timestamp(f"{d} {'08:00' if d[5:7] == '01' else '07:00'}", tz="UTC") for d in FIVE
    ]
    assert g["close"].tolist() == [
        pd.Timestamp(f"{d} {'16:30' if d[5:7] == '01' else '15:30'}", tz="UTC") for d in FIVE
    ]
    # the raw files: the DAX traded on each of them, Yahoo's Euro STOXX 50 has no row
    stoxx, dax = dates(daily_dir / "^STOXX50E.csv"), dates(daily_dir / "^GDAXI.csv")
    assert all(d in dax and d not in stoxx for d in FIVE)


def test_gaps_match_the_dax_dates_over_the_sample(daily_dir: Path) -> None:
    """An independent count: over the sample period the calendar's missing sessions are
    exactly the DAX trading days absent from the Euro STOXX 50 file."""
    g = gaps("^STOXX50E", "2022-10-03", "2025-01-31", source=FileSource(daily_dir))
    stoxx, dax = dates(daily_dir / "^STOXX50E.csv"), dates(daily_dir / "^GDAXI.csv")
    expected = sorted(d for d in dax - stoxx if "2022-10-03" <= d <= "2025-01-31")
    assert [d.strftime("%Y-%m-%d") for d in g.index] == expected
    assert set(FIVE) < set(expected)  # 2023 has its own (2023-01-02, 2023-05-18, ...)


def test_no_gaps_where_the_data_is_complete(daily_dir: Path) -> None:
    src = FileSource(daily_dir)
    for name in ("DAX", "CAC 40", "FTSE 100", "Dow Jones"):
        g = gaps(name, "2024-01-01", "2025-01-31", source=src)
        assert g.empty, (name, g)
    # an instrument without calendar takes its sessions from its data: never a gap
    assert gaps("EUR/USD", "2024-01-01", "2025-01-31", source=src).empty


def test_gaps_on_the_bundled_sample() -> None:
    g = gaps("^STOXX50E", "2024-01-01", "2025-01-31", source=sample_source())
    assert [d.strftime("%Y-%m-%d") for d in g.index] == FIVE
    assert gaps("^GDAXI", "2022-10-03", "2025-01-31", source=sample_source()).empty


def test_gaps_through_yahoo(daily_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_mod, "utcnow", lambda: pd.Timestamp("2025-07-12", tz="UTC"))
    src = YahooSource(session=FakeYahoo(daily_dir), cache_dir=tmp_path)
    g = gaps("^STOXX50E", "2024-01-01", "2025-01-31", source=src)
    assert [d.strftime("%Y-%m-%d") for d in g.index] == FIVE
