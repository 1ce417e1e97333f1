"""The Parquet cache: incremental filling, settling, offline mode, corrupt files, a writer
killed mid-write, and two processes filling the same symbol. The data behind the cache is
the real daily/hourly files; expected values come from their raw text."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from _fake_yahoo import raw_closes

from mktnews.errors import PriceDataError
from mktnews.prices import cache as cache_mod
from mktnews.prices.base import load_prices
from mktnews.prices.cache import CachedSource, CacheWarning, PriceCache
from mktnews.prices.files import FileSource

T = pd.Timestamp


class Recorder:
    """A source that records what it is asked for and answers from real files."""

    def __init__(self, folder: Path, name: str = "rec") -> None:
        self.inner = FileSource(folder)
        self.name = name
        self.calls: list[tuple[str, pd.Timestamp, pd.Timestamp, str]] = []
        self.fail_on: int | None = None
        self.empty = False

    def fetch(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: str) -> pd.DataFrame:
        self.calls.append((symbol, start, end, interval))
        if self.fail_on is not None and len(self.calls) == self.fail_on:
            raise PriceDataError(f"{symbol}: injected failure")
        out = self.inner.fetch(symbol, start, end, interval)  # type: ignore[arg-type]
        return out.iloc[:0] if self.empty else out


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[pd.Timestamp]:
    """The cache's clock; tests set ``clock[0]``."""
    now = [T("2026-01-15 12:00", tz="UTC")]
    monkeypatch.setattr(cache_mod, "utcnow", lambda: now[0])
    return now


def _meta(path: Path) -> dict[str, object]:
    return json.loads(pq.read_schema(path).metadata[b"mktnews.cache"])


def test_incremental_extension(daily_dir: Path, tmp_path: Path, clock: list[pd.Timestamp]) -> None:
    rec = Recorder(daily_dir)
    src = CachedSource(rec, cache_dir=tmp_path)
    a = load_prices("^STOXX50E", "2024-11-01", "2024-11-15", source=src)
    assert rec.calls == [("^STOXX50E", T("2024-11-01"), T("2024-11-15"), "1d")]
    b = load_prices("^STOXX50E", "2024-11-01", "2024-11-29", source=src)
    assert rec.calls[1:] == [("^STOXX50E", T("2024-11-16"), T("2024-11-29"), "1d")]
    c = load_prices("^STOXX50E", "2024-10-20", "2024-11-29", source=src)
    assert rec.calls[2:] == [("^STOXX50E", T("2024-10-20"), T("2024-10-31"), "1d")]
    d = load_prices("^STOXX50E", "2024-11-05", "2024-11-27", source=src)
    assert len(rec.calls) == 3  # inside what is cached: no call
    ref = raw_closes(daily_dir / "^STOXX50E.csv", "2024-10-20", "2024-11-29")
    got = {k.strftime("%Y-%m-%d"): v for k, v in c["close"].items()}
    assert got == ref
    assert b.loc["2024-11-27", "close"] == 4733.1499
    assert d.index[-1] == T("2024-11-27") and d.index[0] == T("2024-11-05")
    assert len(a) == len([k for k in ref if k <= "2024-11-15" and k >= "2024-11-01"])
    # what the file records, read with pyarrow directly
    path = src.cache.path("^STOXX50E", "1d")
    assert path == tmp_path / "prices" / "rec" / "1d" / "^STOXX50E.parquet"
    meta = _meta(path)
    assert meta["complete"] == [["2024-10-20T00:00:00", "2024-11-30T00:00:00"]]
    assert meta["provisional"] == []
    assert pq.read_table(path).num_rows == len(ref)
    assert d.attrs == {"symbol": "^STOXX50E", "interval": "1d", "source": "rec"}


def test_holes_are_fetched_piecewise(daily_dir: Path, tmp_path: Path, clock: list[pd.Timestamp]) -> None:
    rec = Recorder(daily_dir)
    src = CachedSource(rec, cache_dir=tmp_path)
    load_prices("^GDAXI", "2024-11-04", "2024-11-08", source=src)
    load_prices("^GDAXI", "2024-11-18", "2024-11-22", source=src)
    rec.calls.clear()
    out = load_prices("^GDAXI", "2024-11-01", "2024-11-29", source=src)
    assert [(c[1], c[2]) for c in rec.calls] == [
        (T("2024-11-01"), T("2024-11-03")),
        (T("2024-11-09"), T("2024-11-17")),
        (T("2024-11-23"), T("2024-11-29")),
    ]
    ref = raw_closes(daily_dir / "^GDAXI.csv", "2024-11-01", "2024-11-29")
    assert {k.strftime("%Y-%m-%d"): v for k, v in out["close"].items()} == ref


def test_recent_bars_stay_provisional(daily_dir: Path, tmp_path: Path, clock: list[pd.Timestamp]) -> None:
    clock[0] = T("2024-11-28 12:00", tz="UTC")  # a Thursday, during the session
    rec = Recorder(daily_dir)
    src = CachedSource(rec, cache_dir=tmp_path)
    load_prices("^STOXX50E", "2024-11-20", "2024-11-28", source=src)
    meta = _meta(src.cache.path("^STOXX50E", "1d"))
    # 27 Nov is not yet settled on the 28th (settled from D + 2 days 00:00 UTC)
    assert meta["complete"] == [["2024-11-20T00:00:00", "2024-11-27T00:00:00"]]
    assert meta["provisional"] == [["2024-11-27T00:00:00", "2024-11-29T00:00:00"]]
    rec.calls.clear()
    load_prices("^STOXX50E", "2024-11-20", "2024-11-28", source=src)
    assert [(c[1], c[2]) for c in rec.calls] == [(T("2024-11-27"), T("2024-11-28"))]
    # offline, the provisional bars are served as they are
    off = CachedSource(rec, cache_dir=tmp_path, offline=True)
    rec.calls.clear()
    o = load_prices("^STOXX50E", "2024-11-20", "2024-11-28", source=off)
    assert rec.calls == [] and o.loc["2024-11-27", "close"] == 4733.1499
    # a week later the same request settles them once, then never asks again
    clock[0] = T("2024-12-05 08:00", tz="UTC")
    load_prices("^STOXX50E", "2024-11-20", "2024-11-28", source=src)
    load_prices("^STOXX50E", "2024-11-20", "2024-11-28", source=src)
    assert [(c[1], c[2]) for c in rec.calls] == [(T("2024-11-27"), T("2024-11-28"))]
    meta = _meta(src.cache.path("^STOXX50E", "1d"))
    assert meta["complete"] == [["2024-11-20T00:00:00", "2024-11-29T00:00:00"]]
    assert meta["provisional"] == []


def test_intraday_pieces(hourly_dir: Path, tmp_path: Path, clock: list[pd.Timestamp]) -> None:
    rec = Recorder(hourly_dir)
    src = CachedSource(rec, cache_dir=tmp_path)
    load_prices("^STOXX50E", "2024-11-27", "2024-11-27", interval="1h", source=src)
    assert [(c[1], c[2]) for c in rec.calls] == [
        (T("2024-11-27", tz="UTC"), T("2024-11-28", tz="UTC"))
    ]
    out = load_prices("^STOXX50E", "2024-11-26", "2024-11-28", interval="1h", source=src)
    assert [(c[1], c[2]) for c in rec.calls[1:]] == [
        (T("2024-11-26", tz="UTC"), T("2024-11-27", tz="UTC")),
        (T("2024-11-28", tz="UTC"), T("2024-11-29", tz="UTC")),
    ]
    ref = raw_closes(hourly_dir / "^STOXX50E.csv", "2024-11-26", "2024-11-28")
    assert {k.isoformat(): v for k, v in out["close"].items()} == ref
    assert out.index.dtype == "datetime64[ns, UTC]"


def test_offline_mode(daily_dir: Path, tmp_path: Path, clock: list[pd.Timestamp], monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder(daily_dir)
    load_prices("^STOXX50E", "2024-11-01", "2024-11-15", source=CachedSource(rec, cache_dir=tmp_path))
    rec.calls.clear()
    off = CachedSource(rec, cache_dir=tmp_path, offline=True)
    inside = load_prices("^STOXX50E", "2024-11-04", "2024-11-08", source=off)
    assert len(inside) == 5
    with pytest.raises(PriceDataError, match=r"offline: .*\^STOXX50E for 2024-11-16\.\.2024-11-29 .*covers 2024-11-01\.\.2024-11-15"):
        load_prices("^STOXX50E", "2024-11-01", "2024-11-29", source=off)
    with pytest.raises(PriceDataError, match=r"offline: .*\^GDAXI for 2024-11-01\.\.2024-11-29 .*covers nothing"):
        load_prices("^GDAXI", "2024-11-01", "2024-11-29", source=off)
    monkeypatch.setenv("MKTNEWS_OFFLINE", "1")
    env_off = CachedSource(rec, cache_dir=tmp_path)
    assert env_off.offline
    with pytest.raises(PriceDataError, match="offline"):
        load_prices("^STOXX50E", "2024-11-01", "2024-11-29", source=env_off)
    assert rec.calls == []
    # explicit offline=False wins over the environment
    assert not CachedSource(rec, cache_dir=tmp_path, offline=False).offline


def test_cache_dir_from_environment(daily_dir: Path, tmp_path: Path, clock: list[pd.Timestamp], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MKTNEWS_CACHE_DIR", str(tmp_path / "envcache"))
    src = CachedSource(Recorder(daily_dir))
    load_prices("^GDAXI", "2024-11-01", "2024-11-05", source=src)
    assert (tmp_path / "envcache" / "prices" / "rec" / "1d" / "^GDAXI.parquet").is_file()


def test_corrupt_file_is_discarded(daily_dir: Path, tmp_path: Path, clock: list[pd.Timestamp]) -> None:
    rec = Recorder(daily_dir)
    src = CachedSource(rec, cache_dir=tmp_path)
    load_prices("^STOXX50E", "2024-11-01", "2024-11-29", source=src)
    path = src.cache.path("^STOXX50E", "1d")
    path.write_bytes(b"PAR1 garbage garbage garbage")
    rec.calls.clear()
    with pytest.warns(CacheWarning, match=r"discarding unreadable cache file .*\^STOXX50E\.parquet"):
        out = load_prices("^STOXX50E", "2024-11-20", "2024-11-29", source=src)
    assert [(c[1], c[2]) for c in rec.calls] == [(T("2024-11-20"), T("2024-11-29"))]
    assert out.loc["2024-11-27", "close"] == 4733.1499
    assert _meta(path)["complete"] == [["2024-11-20T00:00:00", "2024-11-30T00:00:00"]]
    # a valid Parquet file without mktnews' metadata is not trusted either
    pd.DataFrame({"close": [1.0]}).to_parquet(path)
    rec.calls.clear()
    with pytest.warns(CacheWarning, match="no mktnews metadata"):
        load_prices("^STOXX50E", "2024-11-27", "2024-11-27", source=src)
    assert len(rec.calls) == 1


def test_failure_keeps_earlier_pieces(daily_dir: Path, tmp_path: Path, clock: list[pd.Timestamp]) -> None:
    rec = Recorder(daily_dir)
    src = CachedSource(rec, cache_dir=tmp_path)
    load_prices("^GDAXI", "2024-11-11", "2024-11-15", source=src)
    rec.calls.clear()
    rec.fail_on = 2
    with pytest.raises(PriceDataError, match="injected failure"):
        load_prices("^GDAXI", "2024-11-04", "2024-11-22", source=src)
    meta = _meta(src.cache.path("^GDAXI", "1d"))
    assert meta["complete"] == [["2024-11-04T00:00:00", "2024-11-16T00:00:00"]]


def test_empty_answer_is_not_recorded(daily_dir: Path, tmp_path: Path, clock: list[pd.Timestamp]) -> None:
    rec = Recorder(daily_dir)
    src = CachedSource(rec, cache_dir=tmp_path)
    load_prices("^GDAXI", "2024-11-11", "2024-11-15", source=src)
    rec.empty = True
    out = load_prices("^GDAXI", "2024-11-11", "2024-11-17", source=src)  # asks for the weekend
    assert len(out) == 5
    out = load_prices("^GDAXI", "2024-11-11", "2024-11-17", source=src)
    # the weekend is "asked, empty": not asked again within EMPTY_RETRY (one day) ...
    assert [(c[1], c[2]) for c in rec.calls[1:]] == [(T("2024-11-16"), T("2024-11-17"))]
    meta = _meta(src.cache.path("^GDAXI", "1d"))
    assert meta["complete"] == [["2024-11-11T00:00:00", "2024-11-16T00:00:00"]]
    assert meta["empty"] == [["2024-11-16T00:00:00", "2024-11-18T00:00:00", clock[0].isoformat()]]
    # ... and asked again after it
    clock[0] = clock[0] + pd.Timedelta(days=1, minutes=1)
    load_prices("^GDAXI", "2024-11-11", "2024-11-17", source=src)
    assert [(c[1], c[2]) for c in rec.calls[1:]] == [(T("2024-11-16"), T("2024-11-17"))] * 2


def test_info_and_clear(daily_dir: Path, tmp_path: Path, clock: list[pd.Timestamp]) -> None:
    src = CachedSource(Recorder(daily_dir), cache_dir=tmp_path)
    load_prices("^GDAXI", "2024-11-01", "2024-11-29", source=src)
    load_prices("EURUSD=X", "2024-11-01", "2024-11-29", source=src)
    info = src.cache.info()
    assert sorted(info["symbol"]) == ["EURUSD=X", "^GDAXI"]
    row = info.set_index("symbol").loc["^GDAXI"]
    assert row["complete"] == "2024-11-01..2024-11-29"
    assert row["rows"] == len(raw_closes(daily_dir / "^GDAXI.csv", "2024-11-01", "2024-11-29"))
    assert src.cache.clear("^GDAXI") == 1
    assert list(src.cache.info()["symbol"]) == ["EURUSD=X"]


# --------------------------------------------------------------------------- processes

_CHILD_PREAMBLE = """
import json, os, sys, time
from pathlib import Path
import pandas as pd
import mktnews.prices.cache as c
from mktnews.prices.files import FileSource
c.utcnow = lambda: pd.Timestamp("2026-01-15 12:00", tz="UTC")
"""


def _run_child(code: str, *args: str) -> subprocess.Popen[str]:
    script = textwrap.dedent(_CHILD_PREAMBLE) + textwrap.dedent(code)
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(path: Path, proc: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"child ended early: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("child never got there")
        time.sleep(0.05)


@pytest.mark.slow
def test_process_killed_while_writing(daily_dir: Path, tmp_path: Path, clock: list[pd.Timestamp]) -> None:
    root = tmp_path / "cache"
    src = CachedSource(Recorder(daily_dir), cache_dir=root)
    load_prices("^STOXX50E", "2024-11-01", "2024-11-15", source=src)
    path = src.cache.path("^STOXX50E", "1d")
    before = path.read_bytes()
    marker = tmp_path / "writing"
    child = _run_child(
        """
        root, daily, marker = sys.argv[1:4]

        def half_write(table, handle):
            import io
            import pyarrow.parquet as pq
            buf = io.BytesIO()
            pq.write_table(table, buf)
            data = buf.getvalue()
            handle.write(data[: len(data) // 2])
            handle.flush()
            Path(marker).write_text("now")
            time.sleep(600)

        c._write_table = half_write
        src = c.CachedSource(FileSource(daily), cache_dir=root, namespace="rec")
        src.fetch("^STOXX50E", pd.Timestamp("2024-11-01"), pd.Timestamp("2024-11-29"), "1d")
        """,
        str(root),
        str(daily_dir),
        str(marker),
    )
    _wait_for(marker, child)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    debris = list(path.parent.glob(".*.tmp"))
    assert len(debris) == 1  # the half-written temporary file
    assert path.read_bytes() == before  # the cache file itself was never touched
    off = CachedSource(Recorder(daily_dir), cache_dir=root, offline=True)
    got = load_prices("^STOXX50E", "2024-11-01", "2024-11-15", source=off)
    ref = raw_closes(daily_dir / "^STOXX50E.csv", "2024-11-01", "2024-11-15")
    assert {k.strftime("%Y-%m-%d"): v for k, v in got["close"].items()} == ref
    # the dead writer's lock is gone: filling works, and removes the debris
    rec = Recorder(daily_dir)
    full = load_prices("^STOXX50E", "2024-11-01", "2024-11-29", source=CachedSource(rec, cache_dir=root))
    assert [(x[1], x[2]) for x in rec.calls] == [(T("2024-11-16"), T("2024-11-29"))]
    assert full.loc["2024-11-27", "close"] == 4733.1499
    assert list(path.parent.glob(".*.tmp")) == []


@pytest.mark.slow
def test_two_processes_fill_the_same_symbol(daily_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "cache"
    go = tmp_path / "go"
    log = tmp_path / "calls.jsonl"
    code = """
    root, daily, go, log, start, end, ready = sys.argv[1:8]

    class Slow:
        name = "rec"
        def __init__(self):
            self.inner = FileSource(daily)
        def fetch(self, symbol, s, e, interval):
            with open(log, "a") as f:
                f.write(json.dumps([os.getpid(), str(s.date()), str(e.date())]) + "\\n")
            time.sleep(1.0)
            return self.inner.fetch(symbol, s, e, interval)

    src = c.CachedSource(Slow(), cache_dir=root)
    Path(ready).write_text("ready")
    while not Path(go).exists():
        time.sleep(0.01)
    out = src.fetch("^STOXX50E", pd.Timestamp(start), pd.Timestamp(end), "1d")
    print(json.dumps({k.strftime("%Y-%m-%d"): v for k, v in out["close"].items()}))
    """
    procs = []
    for i, (s, e) in enumerate([("2024-11-01", "2024-11-20"), ("2024-11-10", "2024-11-29")]):
        ready = tmp_path / f"ready{i}"
        p = _run_child(code, str(root), str(daily_dir), str(go), str(log), s, e, str(ready))
        _wait_for(ready, p)
        procs.append((p, s, e))
    go.write_text("go")
    for p, s, e in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert json.loads(out) == raw_closes(daily_dir / "^STOXX50E.csv", s, e)
    calls = [json.loads(ln) for ln in log.read_text().splitlines()]
    assert len(calls) == 2
    spans = sorted((a, b) for _, a, b in calls)
    # the second filler waited for the first and fetched only what was still missing
    assert spans in (
        [("2024-11-01", "2024-11-20"), ("2024-11-21", "2024-11-29")],
        [("2024-11-01", "2024-11-09"), ("2024-11-10", "2024-11-29")],
    )
    cache = PriceCache("rec", root)
    assert _meta(cache.path("^STOXX50E", "1d"))["complete"] == [
        ["2024-11-01T00:00:00", "2024-11-30T00:00:00"]
    ]
    entry = cache.load("^STOXX50E", "1d")
    assert entry is not None
    assert {k.strftime("%Y-%m-%d"): v for k, v in entry.frame["close"].items()} == raw_closes(
        daily_dir / "^STOXX50E.csv", "2024-11-01", "2024-11-29"
    )
