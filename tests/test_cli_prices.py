"""`mktnews study` says why an instrument has no prices, and takes --bad-ohlc. The price
file is hand-written; its one bad bar (high 99 < low 101 on 2024-06-05) is in the text."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mktnews.cli import main


def _folder(tmp_path: Path) -> Path:
    prices = tmp_path / "prices"
    prices.mkdir()
    rows = ["Date,Open,High,Low,Close,Volume"]
    for i, d in enumerate(pd.bdate_range("2024-05-27", "2024-06-14")):
        hi, lo = (99.0, 101.0) if d == pd.Timestamp("2024-06-05") else (110.0 + i, 90.0)
        rows.append(f"{d:%Y-%m-%d},100.0,{hi},{lo},{100.0 + i},1000")
    (prices / "^GDAXI.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    table = tmp_path / "events.csv"
    table.write_text("id,time,instrument\ne1,2024-06-06 14:15,DAX\n", encoding="utf-8")
    return prices


def test_study_prints_and_records_the_price_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prices = _folder(tmp_path)
    status = main(["study", str(tmp_path / "events.csv"), "--tz", "Europe/Berlin", "--prices", str(prices),
                   "--out", str(tmp_path / "rep"), "-q"])
    assert status == 3
    out = capsys.readouterr().out
    assert "Note: no prices for ^GDAXI:" in out
    assert "line 9: high 99.0 is below low 101.0" in out  # 2024-06-05 is the 8th data row
    ev = pd.read_csv(tmp_path / "rep" / "events.csv")
    assert ev["status"].tolist() == ["no_data"]
    assert "high 99.0 is below low 101.0" in ev["price_error"].iloc[0]
    assert "bad_ohlc='mask'" in ev["price_error"].iloc[0]


def test_study_bad_ohlc_mask_goes_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prices = _folder(tmp_path)
    with pytest.warns(UserWarning, match="high < low"):
        main(["study", str(tmp_path / "events.csv"), "--tz", "Europe/Berlin", "--prices", str(prices),
              "--bad-ohlc", "mask", "--out", str(tmp_path / "rep"), "-q"])
    ev = pd.read_csv(tmp_path / "rep" / "events.csv")
    assert ev["status"].tolist() == ["ok"]
    assert ev["t0"].tolist() == ["2024-06-06"]
