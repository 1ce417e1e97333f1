"""conform_prices checks frames in numpy first (issue 14: FrameSource at <= 100 us a frame).
The result must be what the contract says, built here independently from the real files, and
every bad frame must still be refused (or masked) with the message of the pandas checks."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mktnews.errors import PriceDataError, PriceDataWarning
from mktnews.prices.base import FrameSource, conform_prices

REAL = Path(__file__).parent / "data" / "prices_real"


def real_daily(symbol: str) -> pd.DataFrame:
    raw = pd.read_parquet(REAL / "daily" / f"{symbol}.parquet")
    return raw.set_index(pd.DatetimeIndex(pd.to_datetime(raw.pop("Date"))))


@pytest.mark.parametrize("symbol", ["^GDAXI", "^N225", "^FTSE"])
def test_real_daily_frames(symbol: str) -> None:
    raw = real_daily(symbol)
    got = conform_prices(raw, symbol=symbol, interval="1d", source="memory")
    assert list(got.columns) == ["open", "high", "low", "close", "volume"]
    assert got.index.name == "date" and got.index.dtype == "datetime64[ns]"
    np.testing.assert_array_equal(got.index.asi8, pd.to_datetime(raw.index).as_unit("ns").asi8)
    for col in ("Open", "High", "Low", "Close"):
        np.testing.assert_array_equal(got[col.lower()].to_numpy(), raw[col].to_numpy(dtype=float))
    np.testing.assert_array_equal(got["volume"].to_numpy(), raw["Volume"].to_numpy().astype(float))
    assert all(t == np.float64 for t in got.dtypes)
    assert got.attrs == {"symbol": symbol, "interval": "1d", "source": "memory"}


def test_close_only_gets_nan_columns_and_no_view_of_the_input() -> None:
    raw = real_daily("^GDAXI")[["Close"]].iloc[:50]
    first = float(raw["Close"].iloc[0])
    src = FrameSource({"X": raw})
    raw.iloc[0, 0] = 1.0  # changing the user's frame later must not change the source
    got = src.fetch("X", pd.Timestamp("1980-01-01"), pd.Timestamp("2030-01-01"), "1d")
    assert got["close"].iloc[0] == first == 1005.19
    assert got[["open", "high", "low", "volume"]].isna().all().all()


def test_real_hourly_frame() -> None:
    raw = pd.read_parquet(REAL / "1h" / "GC=F.parquet")
    stamps = pd.DatetimeIndex(pd.to_datetime(raw.pop(raw.columns[0]), utc=True))
    frame = raw.set_index(stamps.tz_convert("America/New_York"))
    got = conform_prices(frame, symbol="GC=F", interval="1h", source="memory")
    assert str(got.index.tz) == "UTC" and got.index.name == "datetime"
    np.testing.assert_array_equal(got.index.asi8, stamps.as_unit("ns").asi8)
    np.testing.assert_array_equal(got["close"].to_numpy(), raw["Close"].to_numpy(dtype=float))


def _frame(close: list[float], dates: list[str], **cols: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"close": close, **cols}, index=pd.DatetimeIndex([pd.Timestamp(d) for d in dates]))


D3 = ["2024-01-02", "2024-01-03", "2024-01-04"]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (_frame([1.0, 2.0, 3.0], ["2024-01-02", "2024-01-04", "2024-01-03"]),
         "X: rows are not in date order (bar 3, 2024-01-03 00:00:00, comes after 2024-01-04 00:00:00)"),
        (_frame([1.0, 2.0, 3.0], ["2024-01-02", "2024-01-03", "2024-01-03"]),
         "X: duplicated date 2024-01-03 00:00:00 (bar 3)"),
        (_frame([1.0, 2.0], ["2024-01-02", "2024-01-03 15:30"]),
         "X: daily bars must be dated by day; row 2024-01-03 15:30:00 has a time"),
        (_frame([1.0, np.inf, 3.0], D3), "X: close of X is inf on 2024-01-03 00:00:00 (bar 2); prices must be finite"),
        (_frame([1.0, 0.0, 3.0], D3), "X: non-positive close of X 0.0 on 2024-01-03 00:00:00 (bar 2); prices must be positive"),
        (_frame([1.0, 2.0, -3.0], D3), "X: non-positive close of X -3.0 on 2024-01-04 00:00:00 (bar 3); prices must be positive"),
        (_frame([1.0, 2.0, 3.0], D3, volume=[1.0, -5.0, 1.0]),
         "X: volume of X is -5.0 on 2024-01-03 00:00:00 (bar 2); volumes cannot be negative"),
        (_frame([1.0, 2.0, 3.0], D3, high=[1.0, 2.0, 3.0], low=[1.0, 2.5, 3.0]),
         "X: high < low on 2024-01-03 00:00:00 (bar 2: high=2.0, low=2.5); pass bad_ohlc='mask'"),
        (pd.DataFrame({"price": [1.0]}, index=pd.to_datetime(["2024-01-02"])), "X: no 'close' column (columns: ['price'])"),
        (pd.DataFrame({"close": ["1.0", "x"]}, index=pd.to_datetime(D3[:2])), "X: non-numeric price values"),
        (pd.DataFrame({"close": [1.0, 2.0]}, index=pd.DatetimeIndex([pd.Timestamp("2024-01-02"), pd.NaT])),
         "X: daily bars must be dated by day; row NaT has a time"),  # the pandas path's words
    ],
)
def test_bad_frames_keep_their_messages(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(PriceDataError) as err:
        conform_prices(frame, symbol="X", interval="1d", source="memory")
    assert str(err.value).startswith(message)
    with pytest.raises(PriceDataError) as err2:
        FrameSource({"X": frame})
    assert str(err2.value) == str(err.value)


def test_intraday_needs_zones_and_masking_still_warns() -> None:
    with pytest.raises(PriceDataError, match="X: intraday bars need tz-aware timestamps"):
        conform_prices(_frame([1.0], ["2024-01-02 10:00"]), symbol="X", interval="1h", source="m")
    bad = _frame([1.0, 2.0, 3.0], D3, high=[1.0, 2.0, 3.0], low=[1.0, 2.5, 3.0])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        got = conform_prices(bad, symbol="X", interval="1d", source="m", bad_ohlc="mask")
    assert any(issubclass(x.category, PriceDataWarning) for x in w)
    assert got.attrs["masked_ohlc"] == ["2024-01-03 00:00:00"]
    assert np.isnan(got["high"].iloc[1]) and got["close"].tolist() == [1.0, 2.0, 3.0]


def test_negative_prices_where_real() -> None:
    # WTI futures settled at -37.63 on 2020-04-20: allowed for CL=F only
    f = _frame([18.27, -37.63, 10.01], ["2020-04-17", "2020-04-20", "2020-04-21"])
    got = conform_prices(f, symbol="CL=F", interval="1d", source="m")
    assert got["close"].tolist() == [18.27, -37.63, 10.01]
    with pytest.raises(PriceDataError, match=r"non-positive close of X -37\.63"):
        conform_prices(f, symbol="X", interval="1d", source="m")
