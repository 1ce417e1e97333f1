"""Shared fixtures: the real market data shipped in tests/data/prices_real, and the seed article.

The real bars travel with the repository as compressed Parquet (``tests/data/prices_real``,
see its README for the sources and attribution). Many tests read the files as a user's
CSV would be read (raw text, line numbers, the csv module), so once per test session the
fixtures rebuild the original CSV files byte for byte in a temporary folder laid out as
``../shared/data`` is (``prices/daily``, ``prices/1h``, ``raw_examples``) and check each
rebuilt file against the original's SHA-256 in ``SHA256SUMS``. Nothing reads ``../shared``,
so a fresh clone runs every test.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pandas as pd
import pytest
from _fake_yahoo import FakeYahoo

from mktnews.prices.yahoo import YahooSource

REPO = Path(__file__).resolve().parents[1]
TESTS_DATA = Path(__file__).resolve().parent / "data"
REAL_DATA = TESTS_DATA / "prices_real"


def _sha256sums() -> dict[str, str]:
    """``relative path -> sha256`` of the original files, from ``SHA256SUMS``."""
    sums: dict[str, str] = {}
    for line in (REAL_DATA / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    return sums


def rebuild_shared_data(target: Path) -> Path:
    """Write the original ``prices/*/SYMBOL.csv`` and ``raw_examples/*.csv`` under *target*.

    Raises ``AssertionError`` naming the file when a rebuilt file differs from the original
    (its SHA-256 is not the one recorded in ``SHA256SUMS``) or when a file is missing.
    """
    sums = _sha256sums()
    written: set[str] = set()
    for parquet in sorted(REAL_DATA.glob("*/*.parquet")):
        name = f"prices/{parquet.parent.name}/{parquet.stem}.csv"
        data = pd.read_parquet(parquet).to_csv(index=False, lineterminator="\n").encode("utf-8")
        _write_checked(target / name, data, sums.get(name), name)
        written.add(name)
    for gz in sorted((REAL_DATA / "raw_examples").glob("*.csv.gz")):
        name = f"raw_examples/{gz.name[: -len('.gz')]}"
        _write_checked(target / name, gzip.decompress(gz.read_bytes()), sums.get(name), name)
        written.add(name)
    missing = sorted(set(sums) - written)
    assert not missing, f"tests/data/prices_real lacks {missing} listed in SHA256SUMS"
    return target


def _write_checked(path: Path, data: bytes, want: str | None, name: str) -> None:
    got = hashlib.sha256(data).hexdigest()
    assert want is not None, f"{name}: not listed in tests/data/prices_real/SHA256SUMS"
    assert got == want, f"{name}: rebuilt file differs from the original (sha256 {got} != {want})"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture(scope="session")
def shared_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out as ``../shared/data``, rebuilt from ``tests/data/prices_real``."""
    return rebuild_shared_data(tmp_path_factory.mktemp("shared") / "data")


@pytest.fixture(scope="session")
def daily_dir(shared_data: Path) -> Path:
    """Folder of real daily bars, one CSV per Yahoo symbol."""
    return shared_data / "prices" / "daily"


@pytest.fixture(scope="session")
def hourly_dir(shared_data: Path) -> Path:
    """Folder of real hourly bars (bar start in UTC)."""
    return shared_data / "prices" / "1h"


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The seed article, as shipped in the package (identical to ``../shared/seed``)."""
    return REPO / "mktnews" / "datasets" / "data" / "000_c914ccdd9c6fabd9.txt"


# --------------------------------------------------------------------------- fake Yahoo


@pytest.fixture
def fake(daily_dir: Path, hourly_dir: Path) -> FakeYahoo:
    """A fake HTTP session that serves Yahoo's chart API from the real files
    (tests/_fake_yahoo.py); yfinance's own request and parsing code runs on it."""
    return FakeYahoo(daily_dir, hourly_dir)


@pytest.fixture
def sleeps() -> list[float]:
    """The back-off sleeps the ``yahoo`` source asked for (none is slept)."""
    return []


@pytest.fixture
def yahoo(fake: FakeYahoo, tmp_path: Path, sleeps: list[float]) -> YahooSource:
    """A YahooSource on the fake session, caching under ``tmp_path``."""
    return YahooSource(session=fake, cache_dir=tmp_path, sleep=sleeps.append, timeout=5)
