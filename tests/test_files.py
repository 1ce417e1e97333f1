"""FileSource / read_price_file on the real files in ../shared/data and the fixtures
derived from them (tests/data/prices). Expected values are read from the raw CSV text
with the csv module, never from mktnews."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mktnews.errors import PriceDataError
from mktnews.prices import files as files_mod
from mktnews.prices.base import load_prices
from mktnews.prices.files import FileSource, read_price_file

FIXTURES = Path(__file__).resolve().parent / "data" / "prices"


def raw_rows(path: Path, skip: int = 1) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[skip:]


def raw_row(path: Path, first_cell: str, skip: int = 1) -> list[str]:
    hits = [r for r in raw_rows(path, skip) if r and r[0] == first_cell]
    assert len(hits) == 1, (path, first_cell)
    return hits[0]


# --------------------------------------------------------------------------- plain daily


def test_daily_stoxx_november_2024(daily_dir: Path) -> None:
    df = load_prices("^STOXX50E", "2024-11-20", "2024-11-29", source=FileSource(daily_dir))
    assert df.loc["2024-11-27", "close"] == pytest.approx(4733.1499, abs=1e-9)
    assert df.loc["2024-11-26", "close"] == pytest.approx(4761.9902, abs=1e-9)
    assert pd.Timestamp("2024-11-29") in df.index
    assert df.index[0] == pd.Timestamp("2024-11-20")
    assert len(df) == 8  # 20..29 Nov 2024: eight weekdays, no holiday
    assert df.index.dtype == "datetime64[ns]"
    assert df.index.name == "date"
    assert list(df.columns) == ["open", "high", "low", "close", "volume"]
    assert (df.dtypes == "float64").all()
    assert df.attrs["symbol"] == "^STOXX50E"
    assert df.attrs["interval"] == "1d"
    # every value equals the raw text
    for date in ("2024-11-20", "2024-11-27", "2024-11-29"):
        r = raw_row(daily_dir / "^STOXX50E.csv", date)
        assert df.loc[date].tolist() == [float(v) for v in r[1:]]


def test_printed_name_resolves_to_file(daily_dir: Path) -> None:
    df = load_prices("Euro STOXX 50", "2024-11-27", "2024-11-27", source=FileSource(daily_dir))
    assert df["close"].tolist() == [4733.1499]


def test_whole_history_idiom(daily_dir: Path) -> None:
    src = FileSource(daily_dir)
    df = load_prices("^STOXX50E", "1900-01-01", "2100-12-31", source=src)
    rows = raw_rows(daily_dir / "^STOXX50E.csv")
    assert len(df) == len(rows)
    assert df.index[0] == pd.Timestamp(rows[0][0])
    assert df.index[-1] == pd.Timestamp(rows[-1][0])


def test_negative_prices_only_where_real(daily_dir: Path, tmp_path: Path) -> None:
    # WTI settled at -37.63 on 2020-04-20 (CL=F.csv in ../shared/data lacks 20-21 April)
    lines = (daily_dir / "CL=F.csv").read_text().splitlines()
    body = [ln for ln in lines[1:] if "2020-04-13" <= ln[:10] <= "2020-04-17"]
    text = "\n".join([lines[0], *body, "2020-04-20,17.73,17.85,-40.32,-37.63,247947"]) + "\n"
    (tmp_path / "CL=F.csv").write_text(text)
    (tmp_path / "X.csv").write_text(text)
    df = FileSource(tmp_path).read("CL=F")
    assert df["close"].iat[-1] == -37.63
    assert df["close"].iloc[:-1].tolist() == [float(b.split(",")[4]) for b in body]
    with pytest.raises(PriceDataError, match=r"X\.csv: line 7: 'Low' is -40.32"):
        FileSource(tmp_path).read("X")


def test_eia_close_only(daily_dir: Path) -> None:
    path = daily_dir / "BRENT_SPOT_EIA.csv"
    r = raw_row(path, "2024-11-27")
    df = load_prices("BRENT_SPOT_EIA", "2024-11-25", "2024-11-29", source=FileSource(daily_dir))
    assert df.loc["2024-11-27", "close"] == float(r[1])
    assert df[["open", "high", "low", "volume"]].isna().all().all()
    assert len(df) == sum(1 for x in raw_rows(path) if "2024-11-25" <= x[0] <= "2024-11-29")


# --------------------------------------------------------------------------- intraday


def test_hourly_file_utc(hourly_dir: Path) -> None:
    src = FileSource(hourly_dir)
    df = load_prices("^STOXX50E", "2024-11-27", "2024-11-27", interval="1h", source=src)
    raw = [r for r in raw_rows(hourly_dir / "^STOXX50E.csv") if r[0].startswith("2024-11-27")]
    assert len(df) == len(raw) == 9
    assert df.index.dtype == "datetime64[ns, UTC]"
    assert df.index.name == "datetime"
    assert [ts.isoformat() for ts in df.index] == [r[0] for r in raw]
    assert df["close"].tolist() == [float(r[4]) for r in raw]
    assert df.attrs["interval"] == "1h"


def test_intraday_end_is_exclusive(hourly_dir: Path) -> None:
    df = load_prices(
        "^STOXX50E",
        "2024-11-27 08:00+00:00",
        "2024-11-27 10:00+00:00",
        interval="1h",
        source=FileSource(hourly_dir),
    )
    assert [t.hour for t in df.index] == [8, 9]


def test_interval_subfolders(shared_data: Path) -> None:
    src = FileSource(shared_data / "prices")
    d = load_prices("^STOXX50E", "2024-11-27", "2024-11-27", source=src)
    h = load_prices("^STOXX50E", "2024-11-27", "2024-11-27", interval="1h", source=src)
    assert d["close"].tolist() == [4733.1499]
    assert len(h) == 9
    # 60m is the same bar size as 1h
    h60 = load_prices("^STOXX50E", "2024-11-27", "2024-11-27", interval="60m", source=src)
    assert h60["close"].tolist() == h["close"].tolist()


def test_wrong_interval_is_refused(daily_dir: Path) -> None:
    with pytest.raises(PriceDataError, match=r"holds 1d bars.*1h bars were asked"):
        load_prices("^STOXX50E", "2024-11-27", "2024-11-28", interval="1h", source=FileSource(daily_dir))


def test_forced_interval_contradicting_file(hourly_dir: Path, tmp_path: Path) -> None:
    shutil.copy(hourly_dir / "^GDAXI.csv", tmp_path / "^GDAXI.csv")
    with pytest.raises(PriceDataError, match="holds 1h bars, not 5m"):
        FileSource(tmp_path, interval="5m").read("^GDAXI")
    with pytest.raises(PriceDataError, match="daily bars must be dated by day"):
        FileSource(tmp_path, interval="1d").read("^GDAXI")


def test_naive_intraday_needs_tz(hourly_dir: Path, tmp_path: Path) -> None:
    rows = raw_rows(hourly_dir / "^STOXX50E.csv", skip=0)[:30]
    with open(tmp_path / "^STOXX50E.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(rows[0])
        for r in rows[1:]:
            w.writerow([r[0].replace("T", " ").replace("+00:00", ""), *r[1:]])
    with pytest.raises(PriceDataError, match=r"without a UTC offset.*line 2.*tz="):
        FileSource(tmp_path).read("^STOXX50E")
    df = FileSource(tmp_path, tz="UTC").read("^STOXX50E")
    assert [t.isoformat() for t in df.index] == [r[0] for r in rows[1:]]
    # the same wall times read as Berlin time are one or two hours earlier in UTC
    berlin = FileSource(tmp_path, tz="Europe/Berlin").read("^STOXX50E")
    assert berlin.index[0] == pd.Timestamp(rows[1][0]) - pd.Timedelta(hours=2)  # July: CEST


# --------------------------------------------------------------------------- yfinance forms


def test_yfinance_download_multiheader(shared_data: Path, tmp_path: Path) -> None:
    src_file = shared_data / "raw_examples" / "yfinance-download-multiheader-^STOXX50E.csv"
    head = raw_rows(src_file, skip=0)[:3]
    assert head[0][0] == "Price" and head[1][0] == "Ticker" and head[2][0] == "Date"
    shutil.copy(src_file, tmp_path / "^STOXX50E.csv")
    df = load_prices("^STOXX50E", "2024-11-25", "2024-11-29", source=FileSource(tmp_path))
    fields = head[0]
    r = raw_row(src_file, "2024-11-27", skip=3)
    assert df.loc["2024-11-27", "close"] == float(r[fields.index("Close")])
    assert df.loc["2024-11-27", "open"] == float(r[fields.index("Open")])
    assert df.loc["2024-11-27", "volume"] == float(r[fields.index("Volume")])
    # the same session in the plain Yahoo file (4 decimals there, float32 noise here)
    assert df.loc["2024-11-27", "close"] == pytest.approx(4733.1499, abs=1e-3)
    n_raw = sum(1 for x in raw_rows(src_file, skip=3) if "2024-11-25" <= x[0] <= "2024-11-29")
    assert len(df) == n_raw
    first = raw_rows(src_file, skip=3)[0]
    whole = FileSource(tmp_path).read("^STOXX50E")
    assert whole.index[0] == pd.Timestamp(first[0])
    assert len(whole) == len(raw_rows(src_file, skip=3))


def test_yfinance_download_multi_ticker_and_group_by_ticker(shared_data: Path, tmp_path: Path) -> None:
    """Two tickers in one file, fields first (default) and tickers first (group_by='ticker')."""
    stoxx = raw_rows(shared_data / "prices" / "daily" / "^STOXX50E.csv")
    dax = {r[0]: r for r in raw_rows(shared_data / "prices" / "daily" / "^GDAXI.csv")}
    days = [r for r in stoxx if "2024-11-25" <= r[0] <= "2024-11-29"]
    fields = ["Close", "High", "Low", "Open", "Volume"]
    order = {"Open": 1, "High": 2, "Low": 3, "Close": 4, "Volume": 5}
    with open(tmp_path / "^STOXX50E.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["Price", *[fl for fl in fields for _ in (0, 1)]])
        w.writerow(["Ticker", *["^GDAXI", "^STOXX50E"] * len(fields)])
        w.writerow(["Date", *[""] * (2 * len(fields))])
        for r in days:
            cells = []
            for fl in fields:
                cells += [dax[r[0]][order[fl]], r[order[fl]]]
            w.writerow([r[0], *cells])
    src = FileSource(tmp_path)
    df = src.fetch("^STOXX50E", pd.Timestamp("2024-11-25"), pd.Timestamp("2024-11-29"), "1d")
    assert df["close"].tolist() == [float(r[4]) for r in days]
    with pytest.raises(PriceDataError, match=r"several tickers \(\^GDAXI, \^STOXX50E\)"):
        read_price_file(tmp_path / "^STOXX50E.csv", symbol="^FCHI")
    dax_df = read_price_file(tmp_path / "^STOXX50E.csv", symbol="^GDAXI")
    assert dax_df["close"].tolist() == [float(dax[r[0]][4]) for r in days]
    # group_by="ticker": the Ticker line comes first
    with open(tmp_path / "^GDAXI.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["Ticker", *["^GDAXI"] * 5])
        w.writerow(["Price", "Open", "High", "Low", "Close", "Volume"])
        w.writerow(["Date", *[""] * 5])
        for r in days:
            w.writerow([r[0], *dax[r[0]][1:]])
    g = FileSource(tmp_path).read("^GDAXI")
    assert g["close"].tolist() == [float(dax[r[0]][4]) for r in days]


def test_adjust_uses_adj_close(tmp_path: Path) -> None:
    # a stock-like file where a dividend makes Adj Close < Close
    (tmp_path / "X.csv").write_text(
        "Date,Open,High,Low,Close,Adj Close,Volume\n"
        "2024-03-01,100,110,90,105,52.5,10\n"
        "2024-03-04,106,108,104,107,107,12\n"
    )
    plain = FileSource(tmp_path).read("X")
    assert plain["close"].tolist() == [105.0, 107.0]
    adj = FileSource(tmp_path, adjust=True).read("X")
    assert adj["close"].tolist() == [52.5, 107.0]
    assert adj.loc["2024-03-01", ["open", "high", "low"]].tolist() == [50.0, 55.0, 45.0]
    assert adj["volume"].tolist() == [10.0, 12.0]


def test_yfinance_history_daily_with_offsets(daily_dir: Path) -> None:
    path = FIXTURES / "yf-history-daily-^GDAXI.csv"
    text = path.read_text()
    assert "+02:00" in text and "+01:00" in text  # crosses the DST change
    df = FileSource({"^GDAXI": path}).read("^GDAXI")
    ref = [r for r in raw_rows(daily_dir / "^GDAXI.csv") if "2024-10-21" <= r[0] <= "2024-11-29"]
    # dates are the wall-clock dates as written, not shifted to UTC (which would be a day earlier)
    assert [d.strftime("%Y-%m-%d") for d in df.index] == [r[0] for r in ref]
    assert df["close"].tolist() == [float(r[4]) for r in ref]
    assert df.attrs["interval"] == "1d"


def test_yfinance_history_intraday_local_offsets(hourly_dir: Path) -> None:
    df = read_price_file(FIXTURES / "yf-history-1h-^GDAXI.csv")
    ref = [r for r in raw_rows(hourly_dir / "^GDAXI.csv") if "2024-10-24" <= r[0][:10] <= "2024-10-29"]
    assert [t.isoformat() for t in df.index] == [r[0] for r in ref]
    assert df["close"].tolist() == [float(r[4]) for r in ref]
    assert df.attrs["interval"] == "1h"
    assert df.attrs["symbol"] == "yf-history-1h-^GDAXI"


# --------------------------------------------------------------------------- stooq, others


def test_stooq_polish_header(shared_data: Path, tmp_path: Path) -> None:
    src_file = shared_data / "raw_examples" / "stooq-polish-header-^GDAXI.csv"
    assert raw_rows(src_file, skip=0)[0] == [
        "Data", "Otwarcie", "Najwyzszy", "Najnizszy", "Zamkniecie", "Wolumen"
    ]
    shutil.copy(src_file, tmp_path / "^GDAXI.csv")
    df = load_prices("DAX", "2024-11-25", "2024-11-29", source=FileSource(tmp_path))
    r = raw_row(src_file, "2024-11-27")
    assert df.loc["2024-11-27"].tolist() == [float(v) for v in r[1:]]
    assert len(df) == sum(1 for x in raw_rows(src_file) if "2024-11-25" <= x[0] <= "2024-11-29")


def test_stooq_polish_with_diacritics(shared_data: Path, tmp_path: Path) -> None:
    src_file = shared_data / "raw_examples" / "stooq-polish-header-^GDAXI.csv"
    lines = src_file.read_text().splitlines()
    lines[0] = "Data,Otwarcie,Najwyższy,Najniższy,Zamknięcie,Wolumen"
    (tmp_path / "^GDAXI.csv").write_text("\n".join(lines[:50]) + "\n", encoding="utf-8")
    df = FileSource(tmp_path).read("^GDAXI")
    assert df["close"].tolist() == [float(ln.split(",")[4]) for ln in lines[1:50]]


def test_stooq_bulk_layout(shared_data: Path) -> None:
    df = read_price_file(FIXTURES / "stooq-bulk-^GDAXI.txt", symbol="^GDAXI")
    ref = [
        r
        for r in raw_rows(shared_data / "raw_examples" / "stooq-polish-header-^GDAXI.csv")
        if "2024-11-01" <= r[0] <= "2024-11-29"
    ]
    assert [d.strftime("%Y-%m-%d") for d in df.index] == [r[0] for r in ref]
    assert df["close"].tolist() == [float(r[4]) for r in ref]


def test_semicolon_decimal_comma(daily_dir: Path) -> None:
    df = read_price_file(FIXTURES / "semicolon-decimal-comma-^STOXX50E.csv")
    assert df.loc["2024-11-27", "close"] == 4733.1499
    ref = [r for r in raw_rows(daily_dir / "^STOXX50E.csv") if "2024-11-01" <= r[0] <= "2024-11-29"]
    assert df["open"].tolist() == [float(r[1]) for r in ref]


def test_descending_file_is_reversed(daily_dir: Path, tmp_path: Path) -> None:
    lines = (daily_dir / "^STOXX50E.csv").read_text().splitlines()
    body = [ln for ln in lines[1:] if ln.startswith("2024-11")]
    (tmp_path / "^STOXX50E.csv").write_text("\n".join([lines[0], *body[::-1]]) + "\n")
    df = FileSource(tmp_path).read("^STOXX50E")
    assert df.index.is_monotonic_increasing
    assert df.loc["2024-11-27", "close"] == 4733.1499
    assert len(df) == len(body)


def test_unnamed_index_column_and_blank_lines(tmp_path: Path) -> None:
    (tmp_path / "S.csv").write_text(",close\n2024-11-26,4761.9902\n\n2024-11-27,4733.1499\n\n")
    df = FileSource(tmp_path).read("S")
    assert df["close"].tolist() == [4761.9902, 4733.1499]


def test_parquet_daily_and_download_multiindex(daily_dir: Path, tmp_path: Path) -> None:
    raw = pd.read_csv(daily_dir / "^STOXX50E.csv")  # plain pandas, not mktnews
    raw["Date"] = pd.to_datetime(raw["Date"])
    raw.set_index("Date").to_parquet(tmp_path / "^STOXX50E.parquet")
    df = load_prices("^STOXX50E", "2024-11-20", "2024-11-29", source=FileSource(tmp_path))
    assert df.loc["2024-11-27", "close"] == 4733.1499
    assert len(df) == 8
    # a date column instead of an index
    raw.to_parquet(tmp_path / "col.parquet", index=False)
    assert read_price_file(tmp_path / "col.parquet").loc["2024-11-29", "close"] == raw.set_index(
        "Date"
    ).loc["2024-11-29", "Close"]
    # yf.download().to_parquet(): two-level columns (Price, Ticker), tz-naive dates
    wide = raw.set_index("Date")
    wide.columns = pd.MultiIndex.from_product([wide.columns, ["^STOXX50E"]], names=["Price", "Ticker"])
    wide.to_parquet(tmp_path / "wide.parquet")
    w = read_price_file(tmp_path / "wide.parquet", symbol="^STOXX50E")
    assert w.loc["2024-11-27", "close"] == 4733.1499
    # yf history().to_parquet(): tz-aware local midnight -> session dates
    local = raw.set_index("Date")
    local.index = local.index.tz_localize("Europe/Berlin")
    local.to_parquet(tmp_path / "local.parquet")
    loc = read_price_file(tmp_path / "local.parquet")
    assert loc.index.equals(pd.DatetimeIndex(raw["Date"]).as_unit("ns").rename("date"))


def test_parquet_intraday(hourly_dir: Path, tmp_path: Path) -> None:
    raw = pd.read_csv(hourly_dir / "^FTSE.csv")
    raw["Datetime"] = pd.to_datetime(raw["Datetime"], utc=True)
    raw.set_index("Datetime").to_parquet(tmp_path / "^FTSE.parquet")
    df = FileSource(tmp_path).read("^FTSE")
    assert df.attrs["interval"] == "1h"
    assert df.index.equals(pd.DatetimeIndex(raw["Datetime"]).as_unit("ns").rename("datetime"))
    assert df["close"].to_numpy().tolist() == raw["Close"].tolist()


# --------------------------------------------------------------------------- bad files


def _write(tmp_path: Path, text: str, name: str = "^STOXX50E.csv") -> FileSource:
    (tmp_path / name).write_text(text)
    return FileSource(tmp_path)


def _nov(daily_dir: Path) -> tuple[str, list[str]]:
    lines = (daily_dir / "^STOXX50E.csv").read_text().splitlines()
    return lines[0], [ln for ln in lines[1:] if ln.startswith("2024-11")]


def test_unsorted_names_file_and_line(daily_dir: Path, tmp_path: Path) -> None:
    head, body = _nov(daily_dir)
    body[3], body[4] = body[4], body[3]
    src = _write(tmp_path, "\n".join([head, *body]) + "\n")
    with pytest.raises(PriceDataError, match=r"\^STOXX50E\.csv: rows are not in date order: line 6"):
        src.read("^STOXX50E")


def test_duplicated_date(daily_dir: Path, tmp_path: Path) -> None:
    head, body = _nov(daily_dir)
    body.insert(5, body[4])
    src = _write(tmp_path, "\n".join([head, *body]) + "\n")
    with pytest.raises(PriceDataError, match=r"duplicated date 2024-11-07.*line 7 repeats line 6"):
        src.read("^STOXX50E")


def test_high_below_low(daily_dir: Path, tmp_path: Path) -> None:
    head, body = _nov(daily_dir)
    d, o, h, lo, c, v = body[2].split(",")
    body[2] = ",".join([d, o, lo, h, c, v])  # swap high and low
    src = _write(tmp_path, "\n".join([head, *body]) + "\n")
    with pytest.raises(PriceDataError, match=rf"line 4: high {float(lo)} is below low {float(h)}"):
        src.read("^STOXX50E")


def test_non_positive_price(daily_dir: Path, tmp_path: Path) -> None:
    head, body = _nov(daily_dir)
    d, o, h, lo, _c, v = body[7].split(",")
    body[7] = ",".join([d, o, h, lo, "0", v])
    src = _write(tmp_path, "\n".join([head, *body]) + "\n")
    with pytest.raises(PriceDataError, match=r"line 9: 'Close' is 0.0; prices must be positive"):
        src.read("^STOXX50E")


def test_not_a_number(daily_dir: Path, tmp_path: Path) -> None:
    head, body = _nov(daily_dir)
    body[1] = body[1].replace(body[1].split(",")[2], "4x51.2")
    src = _write(tmp_path, "\n".join([head, *body]) + "\n")
    with pytest.raises(PriceDataError, match=r"line 3: 'High' value '4x51.2' is not a number"):
        src.read("^STOXX50E")


def test_missing_values_are_kept_as_nan(daily_dir: Path, tmp_path: Path) -> None:
    head, body = _nov(daily_dir)
    d, _o, h, lo, c, _v = body[1].split(",")
    body[1] = ",".join([d, "null", h, lo, c, ""])
    df = _write(tmp_path, "\n".join([head, *body]) + "\n").read("^STOXX50E")
    assert np.isnan(df["open"].iat[1]) and np.isnan(df["volume"].iat[1])
    assert df["close"].iat[1] == float(c)


def test_bad_dates(tmp_path: Path) -> None:
    src = _write(tmp_path, "Date,Close\n2024-11-26,1\n2024-11-3x,2\n")
    with pytest.raises(PriceDataError, match=r"line 3: date '2024-11-3x' is not in the form"):
        src.read("^STOXX50E")
    src = _write(tmp_path, "Date,Close\n2024-11-26,1\n,2\n", name="B.csv")
    with pytest.raises(PriceDataError, match=r"B\.csv: line 3 has no date"):
        src.read("B")


def test_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "BIN.csv").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    (tmp_path / "BAD.parquet").write_bytes(b"this is not parquet at all")
    (tmp_path / "EMPTY.csv").write_text("")
    (tmp_path / "HEAD.csv").write_text("Date,Open,High,Low,Close,Volume\n")
    (tmp_path / "NOCLOSE.csv").write_text("Date,Open,Bid,Ask\n2024-01-02,1,2,3\n")
    (tmp_path / "NODATE.csv").write_text("Open,Close\n1,2\n")
    src = FileSource(tmp_path)
    cases = {
        "BIN": r"BIN\.csv: not a text file",
        "BAD": r"BAD\.parquet: cannot read the Parquet file",
        "EMPTY": r"EMPTY\.csv: the file is empty",
        "HEAD": r"HEAD\.csv: the file has a header but no rows",
        "NOCLOSE": r"NOCLOSE\.csv: no close column \(columns: Date, Open, Bid, Ask\)",
        "NODATE": r"NODATE\.csv: no date column",
    }
    for sym, pattern in cases.items():
        with pytest.raises(PriceDataError, match=pattern):
            src.read(sym)


def test_missing_symbol_and_folder(daily_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(PriceDataError, match=r"no file for '\^NOPE'.*it holds: .*\^STOXX50E"):
        FileSource(daily_dir).read("^NOPE")
    with pytest.raises(PriceDataError, match="does not exist"):
        FileSource(tmp_path / "nowhere")
    with pytest.raises(PriceDataError, match="price files not found"):
        FileSource({"X": tmp_path / "x.csv"})


def test_two_files_for_one_symbol(daily_dir: Path, tmp_path: Path) -> None:
    shutil.copy(daily_dir / "^GDAXI.csv", tmp_path / "^GDAXI.csv")
    pd.read_csv(daily_dir / "^GDAXI.csv").to_parquet(tmp_path / "^GDAXI.parquet")
    with pytest.raises(PriceDataError, match=r"several files for '\^GDAXI'.*keep one"):
        FileSource(tmp_path).read("^GDAXI")


def test_symbols_listing(shared_data: Path) -> None:
    syms = FileSource(shared_data / "prices").symbols
    assert {"^STOXX50E", "^GDAXI", "BRENT_SPOT_EIA", "EURUSD=X"} <= set(syms)


# --------------------------------------------------------------------------- memoisation


def test_each_file_read_once(daily_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    real = files_mod.read_price_file

    def counting(path: Path, **kw: object) -> pd.DataFrame:
        calls.append(Path(path))
        return real(path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(files_mod, "read_price_file", counting)
    src = FileSource(daily_dir)
    a = load_prices("^STOXX50E", "2024-11-01", "2024-11-10", source=src)
    b = load_prices("^STOXX50E", "2024-11-20", "2024-11-29", source=src)
    c = load_prices("^GDAXI", "2024-11-20", "2024-11-29", source=src)
    assert [p.name for p in calls] == ["^STOXX50E.csv", "^GDAXI.csv"]
    assert len(a) and len(b) and len(c)
    # slices are copies: changing one does not change the memoised frame
    b.loc["2024-11-27", "close"] = -1.0
    again = load_prices("^STOXX50E", "2024-11-27", "2024-11-27", source=src)
    assert again["close"].tolist() == [4733.1499]


def test_daily_bars_stamped_with_a_time(tmp_path: Path) -> None:
    (tmp_path / "X.csv").write_text(
        "Datetime,Close\n2024-11-26T22:00:00Z,4761.9902\n2024-11-27T22:00:00Z,4733.1499\n"
    )
    with pytest.raises(PriceDataError, match=r"one bar per day, stamped with a time of day \(line 2: 2024-11-26 22:00:00\)"):
        FileSource(tmp_path).read("X")
    # declared intraday, the same file is read as UTC bar starts
    df = FileSource(tmp_path, interval="1h").read("X")
    assert df.index[1] == pd.Timestamp("2024-11-27 22:00", tz="UTC")


def test_default_source_from_environment(daily_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MKTNEWS_PRICES_DIR", str(daily_dir))
    df = load_prices("Euro STOXX 50", "2024-11-27", "2024-11-27")
    assert df["close"].tolist() == [4733.1499]
    assert df.attrs["source"] == str(daily_dir / "^STOXX50E.csv")


def test_adjusted_close_only(tmp_path: Path) -> None:
    (tmp_path / "A.csv").write_text("Date,Adj Close\n2024-11-26,4761.9902\n2024-11-27,4733.1499\n")
    assert FileSource(tmp_path).read("A")["close"].tolist() == [4761.9902, 4733.1499]
