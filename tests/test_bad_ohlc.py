"""Bars with high < low: real data has them (Yahoo's gold futures on 2009-11-23 print
high 1163.0, low 1164.3). Files raise by default, naming the line; ``bad_ohlc="mask"``
keeps the closes; Yahoo's own answers are masked with a warning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _fake_yahoo import FakeYahoo

from mktnews import FileSource, FrameSource, InvalidOptionError, PriceDataError, load_prices
from mktnews.errors import PriceDataWarning
from mktnews.prices import cache as cache_mod
from mktnews.prices.yahoo import YahooSource


def test_gold_file_raises_by_default_naming_the_line(daily_dir: Path) -> None:
    with pytest.raises(PriceDataError) as err:
        load_prices("GC=F", "2009-11-20", "2009-11-24", source=FileSource(daily_dir))
    msg = str(err.value)
    assert "GC=F.csv" in msg and "2310" in msg and "1163" in msg and "bad_ohlc='mask'" in msg


def test_gold_file_masked_keeps_closes(daily_dir: Path) -> None:
    src = FileSource(daily_dir, bad_ohlc="mask")
    with pytest.warns(PriceDataWarning, match="2009-11-23"):
        df = load_prices("Gold", "2009-11-20", "2009-11-24", source=src)
    # values as printed in the CSV (line 2310: 2009-11-23,1164.3,1163.0,1164.3,1164.3,3)
    assert df.loc["2009-11-23", "close"] == 1164.3
    assert df.loc["2009-11-23", "open"] == 1164.3
    assert np.isnan(df.loc["2009-11-23", "high"]) and np.isnan(df.loc["2009-11-23", "low"])
    assert df.loc["2009-11-24", ["high", "low"]].tolist() == [1169.8, 1167.5]
    assert list(df.index.strftime("%Y-%m-%d")) == ["2009-11-20", "2009-11-23", "2009-11-24"]


def test_frame_source_option() -> None:
    frame = pd.DataFrame(
        {"open": [10.0, 11.0], "high": [10.5, 10.0], "low": [9.5, 10.9], "close": [10.2, 10.95]},
        index=pd.to_datetime(["2024-01-02", "2024-01-03"]),
    )
    with pytest.raises(PriceDataError, match="high < low on 2024-01-03"):
        FrameSource({"X": frame})
    with pytest.warns(PriceDataWarning):
        src = FrameSource({"X": frame}, bad_ohlc="mask")
    out = load_prices("X", "2024-01-01", "2024-01-31", source=src)
    assert out["close"].tolist() == [10.2, 10.95]
    assert out.attrs["masked_ohlc"] == ["2024-01-03 00:00:00"]
    with pytest.raises(InvalidOptionError, match="bad_ohlc"):
        FrameSource({"X": frame}, bad_ohlc="drop")  # type: ignore[arg-type]


def test_yahoo_masks_its_own_bad_bars(
    daily_dir: Path, hourly_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_mod, "utcnow", lambda: pd.Timestamp("2025-07-12 12:00", tz="UTC"))
    yahoo = YahooSource(session=FakeYahoo(daily_dir, hourly_dir), cache_dir=tmp_path, timeout=5)
    with pytest.warns(PriceDataWarning, match="GC=F"):
        df = load_prices("GC=F", "2009-11-20", "2009-11-24", source=yahoo)
    assert df.loc["2009-11-23", "close"] == pytest.approx(1164.3)
    assert np.isnan(df.loc["2009-11-23", "high"])
