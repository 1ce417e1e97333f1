"""The cache under OS faults: a full disk, a read-only folder, a directory where the file or
the lock belongs, and a flipped byte in a Parquet page. The bars are hand-built; every
expected close is written in the test. Tests run as root, so read-only folders are
simulated by making the cache's open/write calls raise the errors a read-only or full
file system raises (EROFS, ENOSPC).
"""

from __future__ import annotations

import errno
import os
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from mktnews.errors import PriceDataError
from mktnews.prices import cache as cache_mod
from mktnews.prices.base import FrameSource, load_prices
from mktnews.prices.cache import CachedSource, CacheWarning, CacheWriteWarning

T = pd.Timestamp
DATES = pd.to_datetime(["2024-11-04", "2024-11-05", "2024-11-06", "2024-11-07", "2024-11-08"])
CLOSES = [100.5, 101.25, 99.75, 102.0, 103.5]


class Counting:
    """Hand-built bars behind a counter of fetch calls."""

    name = "count"

    def __init__(self) -> None:
        self.inner = FrameSource({"^X": pd.DataFrame({"close": CLOSES}, index=DATES)})
        self.calls: list[tuple[pd.Timestamp, pd.Timestamp]] = []

    def fetch(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: Any) -> pd.DataFrame:
        self.calls.append((start, end))
        return self.inner.fetch(symbol, start, end, interval)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_mod, "utcnow", lambda: T("2026-01-15 12:00", tz="UTC"))


def _raise(code: int) -> Any:
    def f(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code))

    return f


def test_read_only_cache_serves_covered_ranges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = Counting()
    cached = CachedSource(src, cache_dir=tmp_path)
    load_prices("^X", "2024-11-04", "2024-11-08", source=cached)
    assert len(src.calls) == 1
    monkeypatch.setattr(cache_mod, "_open_lock", _raise(errno.EROFS))
    monkeypatch.setattr(cache_mod, "_write_table", _raise(errno.EROFS))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a covered read neither locks, writes nor warns
        out = load_prices("^X", "2024-11-05", "2024-11-07", source=cached)
    assert out["close"].tolist() == [101.25, 99.75, 102.0]
    assert len(src.calls) == 1


def test_read_only_cache_still_returns_fetched_bars(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = Counting()
    cached = CachedSource(src, cache_dir=tmp_path)
    monkeypatch.setattr(cache_mod, "_open_lock", _raise(errno.EROFS))
    monkeypatch.setattr(cache_mod, "_write_table", _raise(errno.EROFS))
    with pytest.warns(CacheWarning) as rec:
        out = load_prices("^X", "2024-11-04", "2024-11-08", source=cached)
    assert out["close"].tolist() == CLOSES
    msgs = [str(w.message) for w in rec]
    assert any("cannot lock" in m and "Read-only file system" in m for m in msgs)
    path = cached.cache.path("^X", "1d")
    store = [m for w, m in zip(rec, msgs, strict=True) if issubclass(w.category, CacheWriteWarning)]
    assert len(store) == 1
    assert "^X fetched for 2024-11-04..2024-11-08" in store[0] and str(path) in store[0]
    assert out.attrs["cache_error"] == store[0]


def test_full_disk_returns_bars_with_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = Counting()
    cached = CachedSource(src, cache_dir=tmp_path)
    monkeypatch.setattr(cache_mod, "_write_table", _raise(errno.ENOSPC))
    path = cached.cache.path("^X", "1d")
    with pytest.warns(CacheWriteWarning, match=r"cannot store the 1d bars of \^X fetched for "
                      r"2024-11-04\.\.2024-11-08 in .*\^X\.parquet \(OSError: .*No space left"):
        out = load_prices("^X", "2024-11-04", "2024-11-08", source=cached)
    assert out["close"].tolist() == CLOSES
    assert not path.exists()
    assert list(path.parent.glob("*.tmp")) == []  # no half-written debris
    with pytest.warns(CacheWriteWarning):
        load_prices("^X", "2024-11-04", "2024-11-08", source=cached)
    assert len(src.calls) == 2  # nothing was recorded as covered, so it is asked again


def test_directory_where_the_cache_file_belongs(tmp_path: Path) -> None:
    src = Counting()
    cached = CachedSource(src, cache_dir=tmp_path)
    path = cached.cache.path("^X", "1d")
    path.mkdir(parents=True)
    with pytest.warns(CacheWarning) as rec:
        out = load_prices("^X", "2024-11-04", "2024-11-08", source=cached)
    assert out["close"].tolist() == CLOSES
    assert any(issubclass(w.category, CacheWriteWarning) and str(path) in str(w.message) for w in rec)


def test_directory_where_the_lock_belongs(tmp_path: Path) -> None:
    src = Counting()
    cached = CachedSource(src, cache_dir=tmp_path)
    path = cached.cache.path("^X", "1d")
    lock = path.with_name(path.name + ".lock")
    lock.mkdir(parents=True)
    with pytest.warns(CacheWarning, match=r"cannot lock .*\.lock \(IsADirectoryError"):
        out = load_prices("^X", "2024-11-04", "2024-11-08", source=cached)
    assert out["close"].tolist() == CLOSES
    assert path.is_file()  # the file itself could be stored
    assert load_prices("^X", "2024-11-06", "2024-11-06", source=cached)["close"].tolist() == [99.75]
    assert len(src.calls) == 1


def test_write_failure_with_a_fetch_error_raises_the_fetch_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Failing(Counting):
        def fetch(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: Any) -> pd.DataFrame:
            if self.calls:
                raise PriceDataError("second piece failed")
            return super().fetch(symbol, start, end, interval)

    cached = CachedSource(Failing(), cache_dir=tmp_path)
    load_prices("^X", "2024-11-06", "2024-11-06", source=cached)
    with pytest.raises(PriceDataError, match="second piece failed"):
        load_prices("^X", "2024-11-04", "2024-11-08", source=cached)


def test_flipped_byte_in_a_page_is_discarded_and_fetched_again(tmp_path: Path) -> None:
    src = Counting()
    cached = CachedSource(src, cache_dir=tmp_path)
    load_prices("^X", "2024-11-04", "2024-11-08", source=cached)
    path = cached.cache.path("^X", "1d")
    meta = pq.ParquetFile(path).metadata
    names = [meta.row_group(0).column(i).path_in_schema for i in range(meta.num_columns)]
    chunk = meta.row_group(0).column(names.index("close"))
    # the byte before the data page is the last value of the close column's dictionary page
    assert chunk.has_dictionary_page
    pos = chunk.data_page_offset - 1
    raw = bytearray(path.read_bytes())
    raw[pos] ^= 0xFF
    path.write_bytes(bytes(raw))
    # read without checksums, the damaged file would give a wrong close without any error
    unchecked = pq.read_table(path, page_checksum_verification=False).column("close").to_pylist()
    assert unchecked != CLOSES
    with pytest.warns(CacheWarning, match=r"discarding unreadable cache file .*\^X\.parquet.*CRC checksum"):
        out = load_prices("^X", "2024-11-04", "2024-11-08", source=cached)
    assert out["close"].tolist() == CLOSES
    assert len(src.calls) == 2
    # the re-written file is whole again and served from the cache
    assert load_prices("^X", "2024-11-04", "2024-11-08", source=cached)["close"].tolist() == CLOSES
    assert len(src.calls) == 2


def test_flipped_byte_offline_is_reported_not_served(tmp_path: Path) -> None:
    src = Counting()
    load_prices("^X", "2024-11-04", "2024-11-08", source=CachedSource(src, cache_dir=tmp_path))
    offline = CachedSource(src, cache_dir=tmp_path, offline=True)
    path = offline.cache.path("^X", "1d")
    meta = pq.ParquetFile(path).metadata
    names = [meta.row_group(0).column(i).path_in_schema for i in range(meta.num_columns)]
    chunk = meta.row_group(0).column(names.index("close"))
    raw = bytearray(path.read_bytes())
    raw[chunk.data_page_offset - 1] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.warns(CacheWarning), pytest.raises(PriceDataError, match=r"offline: the cache has no 1d bars of \^X"):
        load_prices("^X", "2024-11-04", "2024-11-08", source=offline)
