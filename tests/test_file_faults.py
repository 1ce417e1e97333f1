"""Damaged or ambiguous price files are refused, naming the file, its own line and the field.

Every expected value below is read off the file text written in the test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mktnews.errors import PriceDataError
from mktnews.prices.base import FrameSource, conform_prices, load_prices, validate_bars
from mktnews.prices.files import read_price_file

HEAD = "Date,Open,High,Low,Close,Volume\n"
ROW2 = "2024-01-02,5370.1000,5390.2000,5360.3000,5383.4800,100\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_truncated_last_line_with_missing_fields(tmp_path: Path) -> None:
    p = _write(tmp_path, "SX5E.csv", HEAD + ROW2 + "2024-01-03,5370.1699,5390.2000,5360.3000,5383")
    # line 1 header, line 2 ROW2, line 3 the truncated one: 5 of 6 fields, Volume missing
    with pytest.raises(PriceDataError, match=r"SX5E\.csv: line 3: has 5 of 6 fields; 'Volume' is missing"):
        read_price_file(p)


def test_line_numbers_count_blank_and_quoted_lines(tmp_path: Path) -> None:
    # line 3 blank, line 4 a quoted cell spanning two lines, line 6 short (High missing)
    text = HEAD + ROW2 + "\n" + '2024-01-03,5370.1,5390.2,5360.3,5383.1,"1\n2"\n' + "2024-01-04,5370.1\n"
    p = _write(tmp_path, "X.csv", text)
    with pytest.raises(PriceDataError, match=r"X\.csv: line 6: has 2 of 6 fields; 'High' is missing"):
        read_price_file(p)


def test_extra_fields_refused_with_file_line(tmp_path: Path) -> None:
    p = _write(tmp_path, "X.csv", HEAD + ROW2 + "\n" + "2024-01-03,1,2,1,2,3,9\n")
    with pytest.raises(PriceDataError, match=r"X\.csv: line 4: has 7 fields, the header names 6"):
        read_price_file(p)


def test_number_cut_short_at_end_of_file(tmp_path: Path) -> None:
    # every Close has 4 decimals; the last, at the very end of the file without a line break, has none
    text = "Date,Open,High,Low,Close\n2024-01-02,5370.1000,5390.2000,5360.3000,5383.4800\n" \
        "2024-01-03,5370.1699,5390.2000,5360.3000,5383"
    p = _write(tmp_path, "X.csv", text)
    with pytest.raises(PriceDataError, match=r"X\.csv: line 3: 'Close' value '5383' looks cut short"):
        read_price_file(p)
    # the same file with a final line break is whole: 5383 is a legitimate value
    p2 = _write(tmp_path, "Y.csv", text + "\n")
    assert read_price_file(p2)["close"].tolist() == [5383.48, 5383.0]


def test_quoted_decimal_comma_in_comma_file(tmp_path: Path) -> None:
    p = _write(tmp_path, "X.csv", 'Date,Close\n2024-01-02,"5383,48"\n2024-01-03,"5390,1"\n')
    assert read_price_file(p)["close"].tolist() == [5383.48, 5390.1]


def test_quoted_thousands_separator_in_comma_file(tmp_path: Path) -> None:
    p = _write(tmp_path, "X.csv", 'Date,Close\n2024-01-02,"5,383.48"\n2024-01-03,"5,390"\n')
    assert read_price_file(p)["close"].tolist() == [5383.48, 5390.0]


def test_ambiguous_comma_refused(tmp_path: Path) -> None:
    p = _write(tmp_path, "X.csv", 'Date,Close\n2024-01-02,"5,383"\n2024-01-03,"5,390"\n')
    with pytest.raises(PriceDataError, match=r"line 2: 'Close' '5,383' can be read with a decimal comma"):
        read_price_file(p)


def test_mixed_decimal_separators_refused(tmp_path: Path) -> None:
    p = _write(tmp_path, "X.csv", 'Date,Close\n2024-01-02,"5383,48"\n2024-01-03,"5,390.10"\n')
    with pytest.raises(PriceDataError, match=r"decimal comma in line 2.*decimal point in line 3"):
        read_price_file(p)


def test_parquet_string_column_with_decimal_comma(tmp_path: Path) -> None:
    p = tmp_path / "X.parquet"
    pd.DataFrame(
        {"Date": pd.to_datetime(["2024-01-02", "2024-01-03"]), "Close": ["5383,48", "5390,1"]}
    ).to_parquet(p)
    assert read_price_file(p)["close"].tolist() == [5383.48, 5390.1]


def test_day_first_dates_all_days_up_to_12_refused(tmp_path: Path) -> None:
    p = _write(tmp_path, "X.csv", "Date,Close\n03/01/2024,5\n04/01/2024,6\n")
    with pytest.raises(PriceDataError, match=r"can be read day-first or month-first.*dayfirst=True"):
        read_price_file(p)
    got = read_price_file(p, dayfirst=True).index
    assert list(got) == [pd.Timestamp("2024-01-03"), pd.Timestamp("2024-01-04")]
    got = read_price_file(p, dayfirst=False).index
    assert list(got) == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-04-01")]


def test_day_first_proven_by_the_file(tmp_path: Path) -> None:
    p = _write(tmp_path, "X.csv", "Date,Close\n03/01/2024,5\n13/01/2024,6\n")
    assert list(read_price_file(p).index) == [pd.Timestamp("2024-01-03"), pd.Timestamp("2024-01-13")]
    with pytest.raises(PriceDataError, match=r"dayfirst=False was passed, but line 3"):
        read_price_file(p, dayfirst=False)
    p2 = _write(tmp_path, "Y.csv", "Date,Close\n01/03/2024,5\n01/13/2024,6\n")
    assert list(read_price_file(p2).index) == [pd.Timestamp("2024-01-03"), pd.Timestamp("2024-01-13")]


@pytest.mark.parametrize("cell", ["inf", "-inf", "-5383.1"])
def test_non_finite_or_negative_close_in_file(tmp_path: Path, cell: str) -> None:
    p = _write(tmp_path, "X.csv", f"Date,Close\n2024-01-02,5\n2024-01-03,{cell}\n")
    with pytest.raises(PriceDataError, match=r"X\.csv: line 3: 'Close'"):
        read_price_file(p)


@pytest.mark.parametrize("value", [np.inf, -np.inf, -1.0, 0.0])
def test_frame_source_refuses_bad_close_with_symbol_and_date(value: float) -> None:
    frame = pd.DataFrame(
        {"close": [10.0, value, 11.0]}, index=pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04"])
    )
    with pytest.raises(PriceDataError, match=r"close of \^GDAXI .* on 2024-01-03 00:00:00 \(bar 2\)"):
        FrameSource({"^GDAXI": frame})


def test_validate_bars_on_a_benchmark_series() -> None:
    s = pd.Series([1.0, 2.0, np.inf], index=pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04"]))
    with pytest.raises(PriceDataError, match=r"bench: close of \^SPX is inf on 2024-01-04"):
        validate_bars(s, symbol="^SPX", where="bench")
    validate_bars(s.iloc[:2], symbol="^SPX")  # fine: returns None
    validate_bars(pd.Series([1.0, np.nan]), symbol="^SPX")  # a missing bar is not a wrong one
    validate_bars(pd.Series([-3.0]), symbol="CL=F")  # WTI really went negative


class _RawSource:
    """A user's own source returning contract-shaped frames with an infinite close."""

    name = "mine"

    def fetch(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: str) -> pd.DataFrame:
        idx = pd.DatetimeIndex(pd.to_datetime(["2024-01-02", "2024-01-03"]), name="date")
        f = pd.DataFrame(
            {"open": np.nan, "high": np.nan, "low": np.nan, "close": [1.0, np.inf], "volume": np.nan},
            index=idx,
        )
        f.attrs = {"symbol": symbol, "interval": interval, "source": "mine"}
        return f


def test_load_prices_checks_a_users_source() -> None:
    with pytest.raises(PriceDataError, match=r"mine: close of ZZZ is inf on 2024-01-03"):
        load_prices("ZZZ", "2024-01-02", "2024-01-03", source=_RawSource())


def test_conform_prices_names_bar_1_based() -> None:
    f = pd.DataFrame({"close": [1.0, 1.0]}, index=pd.to_datetime(["2024-01-02", "2024-01-02"]))
    with pytest.raises(PriceDataError, match=r"duplicated date 2024-01-02 00:00:00 \(bar 2\)"):
        conform_prices(f, symbol="X", interval="1d", source="t")
