"""The bundled sample: the seed article and the Euro STOXX 50 / DAX daily bars."""

from __future__ import annotations

import csv
import importlib.resources
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mktnews.datasets import (
    SAMPLE_ATTRIBUTION,
    SAMPLE_END,
    SAMPLE_START,
    load_sample,
    sample_path,
    sample_source,
)
from mktnews.errors import InvalidOptionError, PriceDataError
from mktnews.prices.base import load_prices
from mktnews.prices.files import FileSource


def test_load_sample_reads_the_seed() -> None:
    corpus = load_sample()
    assert len(corpus) == 1 and corpus.n_inputs == 1 and len(corpus.rejected) == 0
    art = corpus.articles.iloc[0]
    assert art["article_id"] == "000_c914ccdd9c6fabd9"
    assert art["instrument"] == "Euro STOXX 50"
    assert art["snapshot_change"] == -28.84
    assert art["byline"] == "H.Schneide" and art["outlet"] == "BBZ"
    assert art["body"].startswith("Der russische Präsident")
    assert art["body"].endswith("auf der Agenda.")
    # 14:00 in Berlin (CET, UTC+1) on Wednesday 27 November 2024
    assert art["published_at"] == pd.Timestamp("2024-11-27 13:00", tz="UTC")
    assert corpus.articles["published_at"].dtype == "datetime64[ns, UTC]"
    snap = corpus.snapshots.iloc[0]
    assert snap["instrument"] == "Euro STOXX 50" and snap["change"] == -28.84


def test_load_sample_undated_or_other_time() -> None:
    assert pd.isna(load_sample(published_at=None).articles["published_at"].iat[0])
    other = load_sample(published_at=pd.Timestamp("2024-11-27 18:05", tz="Europe/Berlin"))
    assert other.articles["published_at"].iat[0] == pd.Timestamp("2024-11-27 17:05", tz="UTC")


def test_sample_source_november_2024() -> None:
    src = sample_source()
    nov = load_prices("Euro STOXX 50", "2024-11-01", "2024-11-30", source=src)
    assert nov.index[0] == pd.Timestamp("2024-11-01") and nov.index[-1] == pd.Timestamp("2024-11-29")
    assert len(nov) == 21  # November 2024: 21 weekdays, no Eurex holiday
    assert nov.loc["2024-11-27", "close"] == 4733.1499
    assert nov.loc["2024-11-26", "close"] == 4761.9902
    # the ticker box's change is the close-to-close change of that day, to its 2 decimals
    change = nov.loc["2024-11-27", "close"] - nov.loc["2024-11-26", "close"]
    assert round(change, 4) == -28.8403 and round(change, 2) == -28.84
    dax = load_prices("DAX", "2024-11-27", "2024-11-27", source=src)
    with open(sample_path("^GDAXI.csv"), newline="") as f:
        row = next(r for r in csv.reader(f) if r[0] == "2024-11-27")
    assert dax["close"].tolist() == [float(row[4])]
    with pytest.raises(PriceDataError, match=r"no file for '\^FCHI'"):
        load_prices("CAC 40", "2024-11-27", "2024-11-27", source=src)


def test_sample_range_and_kept_gaps() -> None:
    whole = sample_source().read("^STOXX50E")
    assert whole.index[0] == SAMPLE_START and whole.index[-1] == SAMPLE_END
    for missing in ("2024-01-02", "2024-05-09", "2024-05-20", "2024-08-01", "2025-01-02"):
        assert pd.Timestamp(missing) not in whole.index
        assert pd.Timestamp(missing) in sample_source().read("^GDAXI").index


def test_sample_is_the_real_data(daily_dir: Path) -> None:
    """Every bundled row is the row of the same date in ../shared/data (text-equal)."""
    for sym in ("^STOXX50E", "^GDAXI"):
        with open(sample_path(f"{sym}.csv"), newline="") as f:
            sample = list(csv.reader(f))
        with open(daily_dir / f"{sym}.csv", newline="") as f:
            full = {r[0]: r for r in csv.reader(f)}
        assert sample[0] == full["Date"]
        assert all(full[r[0]] == r for r in sample[1:])
        dates = [r[0] for r in sample[1:]]
        inside = [d for d in full if d != "Date" and dates[0] <= d <= dates[-1]]
        assert dates == inside  # no row of the range left out


def test_attribution() -> None:
    assert sample_path("ATTRIBUTION.txt").read_text(encoding="utf-8").strip() == SAMPLE_ATTRIBUTION
    # tests/data/prices_real/ATTRIBUTION.md carries ../shared/sample/README.md verbatim
    readme = Path(__file__).resolve().parent / "data" / "prices_real" / "ATTRIBUTION.md"
    text = " ".join(readme.read_text(encoding="utf-8").split())
    assert f'"{SAMPLE_ATTRIBUTION}"' in text


def test_sample_files_are_package_data() -> None:
    root = importlib.resources.files("mktnews.datasets") / "data"
    names = {p.name for p in root.iterdir()}
    assert {"000_c914ccdd9c6fabd9.txt", "^STOXX50E.csv", "^GDAXI.csv", "ATTRIBUTION.txt"} <= names
    assert sample_path() == Path(str(root))
    assert isinstance(sample_source(), FileSource)
    with pytest.raises(InvalidOptionError, match=r"'nope\.csv'"):
        sample_path("nope.csv")


def test_works_without_shared_and_network(tmp_path: Path) -> None:
    """In a fresh process, from an unrelated folder, offline, with ../shared hidden."""
    code = (
        "from mktnews.datasets import load_sample, sample_source\n"
        "from mktnews.prices.base import load_prices\n"
        "c = load_sample()\n"
        "p = load_prices('^STOXX50E', '2024-11-20', '2024-11-29', source=sample_source())\n"
        "print(c.articles['snapshot_change'].iat[0], p.loc['2024-11-27', 'close'], len(p))\n"
    )
    env = {
        **os.environ,
        "MKTNEWS_SHARED": str(tmp_path / "nowhere"),
        "MKTNEWS_OFFLINE": "1",
        "MKTNEWS_CACHE_DIR": str(tmp_path / "cache"),
    }
    env.pop("MKTNEWS_PRICES_DIR", None)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["-28.84", "4733.1499", "8"]
