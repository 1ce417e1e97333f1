"""PriceBlocks (many symbols' bars as one set of arrays) and FrameSource's batched checks
(issue 14: FrameSource <= 100 us a frame, per-instrument overhead <= 50 us).

Expected values are read from the real files with plain pandas here, or from a plain loop;
every refusal must keep the message conform_prices gives for that frame alone."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mktnews.errors import PriceDataError, PriceDataWarning
from mktnews.prices.base import FrameSource, conform_prices, load_blocks, load_prices
from mktnews.prices.blocks import PriceBlocks, segment_rows

REAL = Path(__file__).parent / "data" / "prices_real"
SYMBOLS = ["^GDAXI", "^N225", "^FTSE", "^STOXX50E", "^GSPC"]


def real_daily(symbol: str) -> pd.DataFrame:
    raw = pd.read_parquet(REAL / "daily" / f"{symbol}.parquet")
    return raw.set_index(pd.DatetimeIndex(pd.to_datetime(raw.pop("Date"))))


@pytest.fixture(scope="module")
def real() -> dict[str, pd.DataFrame]:
    return {s: real_daily(s) for s in SYMBOLS}


def test_segment_rows_against_a_loop() -> None:
    rng = np.random.default_rng(3)
    first = rng.integers(0, 50, 40)
    last = first + rng.integers(-3, 9, 40)  # some empty (and some "negative": empty) segments
    want = np.concatenate([np.arange(a, b) for a, b in zip(first, last, strict=True) if b > a])
    np.testing.assert_array_equal(segment_rows(first, last), want)
    assert segment_rows(np.array([5]), np.array([5])).size == 0


def test_frame_source_answers_what_the_files_hold(real: dict[str, pd.DataFrame]) -> None:
    src = FrameSource(real)
    assert src.symbols == SYMBOLS
    lo, hi = pd.Timestamp("2024-11-01"), pd.Timestamp("2024-11-29")
    for s, raw in real.items():
        got = src.fetch(s, lo, hi, "1d")
        want = raw.loc[(raw.index >= lo) & (raw.index <= hi)]
        assert got.index.name == "date" and got.index.dtype == "datetime64[ns]"
        np.testing.assert_array_equal(got.index.asi8, want.index.as_unit("ns").asi8)
        for col in ("Open", "High", "Low", "Close", "Volume"):
            np.testing.assert_array_equal(
                got[col.lower()].to_numpy(), want[col].to_numpy(dtype=float)
            )
        assert got.attrs == {"symbol": s, "interval": "1d", "source": "memory"}
    # the seed: Euro STOXX 50 on 2024-11-27 closed 28.84 below 2024-11-26
    sx = src.fetch("^STOXX50E", lo, hi, "1d")["close"]
    assert round(sx.loc["2024-11-27"] - sx.loc["2024-11-26"], 2) == -28.84


def test_answers_are_copies(real: dict[str, pd.DataFrame]) -> None:
    src = FrameSource(real)
    lo, hi = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-31")
    a = src.fetch("^GDAXI", lo, hi, "1d")
    first = float(a["close"].iloc[0])
    a.iloc[0, 3] = -1.0
    assert float(src.fetch("^GDAXI", lo, hi, "1d")["close"].iloc[0]) == first
    with pytest.raises(ValueError):
        src.blocks.column("close")[0] = 1.0  # the store is read-only


RANGES = {
    "^FTSE": ("2023-03-01", "2023-04-15"),
    "NOPE": ("2023-03-01", "2023-04-15"),
    "^GDAXI": ("2024-12-20", "2025-01-10"),
    "^N225": ("2030-01-01", "2030-02-01"),  # no rows
}


def _ns(day: str) -> int:
    return int(pd.Timestamp(day).value)


class _OneByOne:
    """A source of the user's own without fetch_blocks (asked symbol by symbol)."""

    name = "mine"

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.frames = frames
        self.asked: list[str] = []

    def fetch(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: str) -> pd.DataFrame:
        self.asked.append(symbol)
        if symbol not in self.frames:
            raise PriceDataError(f"mine: nothing for {symbol}")
        f = self.frames[symbol]
        return f.loc[(f.index >= start) & (f.index <= end)]


@pytest.mark.parametrize("kind", ["frames", "own"])
def test_load_blocks_equals_load_prices_one_by_one(real: dict[str, pd.DataFrame], kind: str) -> None:
    src: Any = FrameSource(real) if kind == "frames" else _OneByOne(real)
    syms = list(RANGES)
    lo = np.array([_ns(a) for a, _ in RANGES.values()])
    hi = np.array([_ns(b) for _, b in RANGES.values()])
    blocks, errors = load_blocks(syms, lo, hi, source=src)
    assert list(blocks) == ["^FTSE", "^GDAXI", "^N225"]
    assert set(errors) == {"NOPE"} and "NOPE" in errors["NOPE"]
    for s in blocks:
        one = load_prices(s, *RANGES[s], source=src)
        pd.testing.assert_frame_equal(blocks[s], one, check_freq=False)
        np.testing.assert_array_equal(blocks.stamps[blocks.rows(s)], one.index.asi8)
        np.testing.assert_array_equal(blocks.column("close")[blocks.rows(s)], one["close"].to_numpy())
        want = real[s]
        want = want.loc[(want.index >= RANGES[s][0]) & (want.index <= RANGES[s][1]), "Close"]
        np.testing.assert_array_equal(blocks.column("close")[blocks.rows(s)], want.to_numpy(dtype=float))
    assert len(blocks["^N225"]) == 0


def test_load_blocks_checks_a_users_source() -> None:
    idx = pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-01-04"])
    good = pd.DataFrame({"close": [1.0, 2.0, 3.0]}, index=idx)
    bad = pd.DataFrame({"close": [1.0, np.inf, 3.0]}, index=idx)
    src = _OneByOne({"G": good, "B": bad})
    lo, hi = np.array([_ns("2024-01-01")] * 2), np.array([_ns("2024-01-31")] * 2)
    blocks, errors = load_blocks(["B", "G"], lo, hi, source=src)
    assert list(blocks) == ["G"] and "close of B is inf on 2024-01-03" in errors["B"]


def test_from_frames_round_trip_and_missing_columns(real: dict[str, pd.DataFrame]) -> None:
    frames = {s: conform_prices(f, symbol=s, interval="1d", source="x") for s, f in real.items()}
    closes = {"C": frames["^FTSE"][["close"]]}
    b = PriceBlocks.from_frames(frames, "1d")
    for s, f in frames.items():
        pd.testing.assert_frame_equal(b[s], f)
    c = PriceBlocks.from_frames(closes, "1d")
    assert not c.has_column("open") and c.has_column("close")
    assert np.isnan(c["C"]["open"]).all() and np.isnan(c.column("volume")).all()


def test_one_bad_frame_among_many_raises_its_own_message(real: dict[str, pd.DataFrame]) -> None:
    base = real["^GDAXI"].iloc[:300]
    frames = {f"S{i}": base.copy() for i in range(30)}
    bad = base.copy()
    bad.iloc[120, bad.columns.get_loc("Close")] = np.inf
    frames["S17"] = bad
    with pytest.raises(PriceDataError) as got:
        FrameSource(frames)
    with pytest.raises(PriceDataError) as alone:
        conform_prices(bad, symbol="S17", interval="1d", source="memory")
    assert str(got.value) == str(alone.value)
    assert "S17" in str(got.value) and "close" in str(got.value)


@pytest.mark.parametrize(
    "spoil",
    [
        "unsorted",
        "duplicate",
        "time_of_day",
        "zero_close",
        "negative_volume",
        "high_below_low",
        "nat",
    ],
)
def test_every_kind_of_refusal_in_a_batch(real: dict[str, pd.DataFrame], spoil: str) -> None:
    base = real["^N225"].iloc[:200]
    bad = base.copy()
    idx = bad.index.to_numpy().copy()
    if spoil == "unsorted":
        idx[50], idx[51] = idx[51], idx[50]
        bad.index = pd.DatetimeIndex(idx)
    elif spoil == "duplicate":
        idx[60] = idx[59]
        bad.index = pd.DatetimeIndex(idx)
    elif spoil == "time_of_day":
        idx[70] = idx[70] + np.timedelta64(9, "h")
        bad.index = pd.DatetimeIndex(idx)
    elif spoil == "nat":
        bad.index = pd.DatetimeIndex([*idx[:-1], np.datetime64("NaT")])
    elif spoil == "zero_close":
        bad.iloc[80, bad.columns.get_loc("Close")] = 0.0
    elif spoil == "negative_volume":
        bad.iloc[90, bad.columns.get_loc("Volume")] = -5.0
    else:
        bad.iloc[99, bad.columns.get_loc("High")] = bad["Low"].iloc[99] - 1.0
    frames = {"A": base, "B": base.copy(), "BAD": bad, "C": base.copy()}
    with pytest.raises(PriceDataError) as got:
        FrameSource(frames)
    with pytest.raises(PriceDataError) as alone:
        conform_prices(bad, symbol="BAD", interval="1d", source="memory")
    assert str(got.value) == str(alone.value)


def test_first_bad_frame_in_order_is_the_one_named(real: dict[str, pd.DataFrame]) -> None:
    base = real["^FTSE"].iloc[:100]
    wrong_kind = base.copy()
    wrong_kind["Close"] = wrong_kind["Close"].astype(str).str.replace("7", "x")  # not numeric
    zero = base.copy()
    zero.iloc[10, zero.columns.get_loc("Close")] = 0.0
    with pytest.raises(PriceDataError, match=r"^Z1: non-positive close"):
        FrameSource({"A": base, "Z1": zero, "W2": wrong_kind})
    with pytest.raises(PriceDataError, match=r"^W1: non-numeric"):
        FrameSource({"A": base, "W1": wrong_kind, "Z2": zero})


def test_shared_index_object_checked_once_still_refuses() -> None:
    idx = pd.DatetimeIndex(["2024-01-02", "2024-01-04", "2024-01-03"])
    frames = {f"S{i}": pd.DataFrame({"close": [1.0, 2.0, 3.0]}, index=idx) for i in range(5)}
    with pytest.raises(PriceDataError, match=r"^S0: rows are not in date order"):
        FrameSource(frames)


def test_mask_mode_masks_only_the_bad_frame(real: dict[str, pd.DataFrame]) -> None:
    base = real["^GDAXI"].iloc[:60]
    bad = base.copy()
    bad.iloc[7, bad.columns.get_loc("High")] = bad["Low"].iloc[7] - 2.0
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        src = FrameSource({"OK": base, "BAD": bad}, bad_ohlc="mask")
    assert [x.category for x in w] == [PriceDataWarning]
    lo, hi = base.index[0], base.index[-1]
    got = src.fetch("BAD", lo, hi, "1d")
    assert np.isnan(got["high"].iloc[7]) and np.isnan(got["low"].iloc[7])
    assert got["close"].iloc[7] == bad["Close"].iloc[7]
    assert got.attrs["masked_ohlc"] == [str(base.index[7])]
    ok = src.fetch("OK", lo, hi, "1d")
    np.testing.assert_array_equal(ok["high"].to_numpy(), base["High"].to_numpy(dtype=float))


def test_negative_prices_allowed_symbol_in_a_batch() -> None:
    idx = pd.DatetimeIndex(["2020-04-17", "2020-04-20", "2020-04-21"])
    wti = pd.DataFrame({"close": [18.27, -37.63, 10.01]}, index=idx)
    src = FrameSource({"CL=F": wti, "X": pd.DataFrame({"close": [1.0, 2.0, 3.0]}, index=idx)})
    assert src.fetch("CL=F", idx[0], idx[-1], "1d")["close"].iloc[1] == -37.63


def test_intraday_frames_in_utc() -> None:
    raw = pd.read_parquet(REAL / "1h" / "GC=F.parquet")
    stamps = pd.DatetimeIndex(pd.to_datetime(raw.pop(raw.columns[0]), utc=True))
    ny = raw.set_index(stamps.tz_convert("America/New_York"))
    src = FrameSource({"GC=F": ny, "G2": ny.iloc[:100]}, interval="1h")
    lo, hi = stamps[10], stamps[40]
    got = src.fetch("GC=F", lo, hi, "1h")
    assert str(got.index.tz) == "UTC" and len(got) == 30  # [lo, hi): the end is excluded
    np.testing.assert_array_equal(got.index.asi8, stamps[10:40].as_unit("ns").asi8)
    with pytest.raises(PriceDataError, match="intraday bars need tz-aware"):
        FrameSource({"N": ny.tz_localize(None)}, interval="1h")
