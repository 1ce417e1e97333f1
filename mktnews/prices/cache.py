"""A Parquet cache of price bars: one file per (source, symbol, interval).

Layout: ``<root>/prices/<source>/<interval>/<symbol>.parquet`` where ``<root>`` is, in
this order, the ``cache_dir=`` argument, the ``MKTNEWS_CACHE_DIR`` environment variable,
or ``platformdirs.user_cache_dir("mktnews")``. Symbols are percent-encoded where a file
system could object (``^STOXX50E`` and ``EURUSD=X`` stay as they are).

What a file covers is stored with its rows, in the Parquet schema metadata (key
``mktnews.cache``), as lists of half-open ranges ``[start, end)`` of bar stamps (daily:
session dates; intraday: UTC bar starts):

- ``complete``: ranges the source answered for and whose bars cannot change any more;
- ``provisional``: ranges it answered for whose last bars may still change.

A daily bar dated D counts as settled from D + 2 days 00:00 UTC on (every exchange's
session D has closed by then and Yahoo has had a day to finalise it); an intraday bar
from 24 hours after its start. A request is served from the file when its range lies
inside ``complete``; otherwise only the uncovered pieces are fetched and merged (rows of a
fetched piece replace the cached rows inside what the answer covers). So the bars of the
last two days are fetched again on every request that reaches them, and never served
stale except offline. An answer covers only the stretch from its first to its last bar
with a close (extended to the piece's edges when within four days of them, a long
weekend): an empty answer, one whose closes are all missing, or the missing half of a
partial answer is not recorded as covered. The settled part of an empty answer is stored
as "asked, empty" (key ``empty``: start, end and the time it was asked) and not asked again
for :data:`EMPTY_RETRY` (one day); the missing half of a partial answer is asked again on
the next request. So a glitch cannot poison the cache for longer than a day.

A range the cache covers is served without taking the lock, so a read-only cache still
answers what it holds. When the lock cannot be opened (read-only folder, a directory in
its place) the fill goes on without it, with a :class:`CacheWarning`; when the file
cannot be written (full disk, read-only folder, a directory in its place) the fetched
bars are still returned, with a :class:`CacheWriteWarning` naming the symbol, the range
and the path (also in the frame's ``attrs["cache_error"]``). Files are written with
Parquet page checksums and read with checksum verification: a damaged page makes the
file unreadable (discarded and fetched again), never served.

Writes are atomic: the new file is written to a temporary file in the same folder,
fsync'ed and moved over the old one with :func:`os.replace`, so a reader (or a process
killed mid-write) sees either the old or the new file, never half of one. Filling a
symbol holds an exclusive lock on ``<symbol>.parquet.lock`` (``fcntl.flock`` on POSIX,
``msvcrt.locking`` on Windows) from reading what is covered to writing the merged file,
so two processes filling the same symbol do not both fetch the same range and do not
lose each other's rows; the operating system drops the lock of a process that dies.
(Network file systems may not honour ``flock``; keep the cache on a local disk.)

A file that cannot be read, or whose metadata is missing or wrong, is discarded with a
:class:`CacheWarning` and fetched again. Offline (``offline=True`` or
``MKTNEWS_OFFLINE=1``) a request is answered from ``complete`` and ``provisional``
ranges only, and a :class:`~mktnews.errors.PriceDataError` names the missing ranges.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import numpy as np
import pandas as pd

from mktnews.errors import PriceDataError, PriceDataWarning
from mktnews.prices.base import COLUMNS, PriceSource, conform_prices, is_intraday
from mktnews.vocab import Interval, check_option

__all__ = [
    "CACHE_ENV",
    "OFFLINE_ENV",
    "CacheWarning",
    "CacheWriteWarning",
    "CachedSource",
    "PriceCache",
    "cache_root",
    "offline_from_env",
    "utcnow",
]

CACHE_ENV = "MKTNEWS_CACHE_DIR"
OFFLINE_ENV = "MKTNEWS_OFFLINE"
_META_KEY = b"mktnews.cache"
_FORMAT = 1
_DAY = 86_400_000_000_000  # ns
#: A daily bar dated D is settled from D + this many days (00:00 UTC) on.
DAILY_SETTLE_DAYS = 2
#: An intraday bar is settled this long after its start.
INTRADAY_SETTLE = pd.Timedelta(hours=24)
#: A settled range the source answered with no bars is not asked again for this long.
EMPTY_RETRY = pd.Timedelta(days=1)

Range = tuple[int, int]  # half-open [start, end) in ns since the epoch


class CacheWarning(UserWarning):
    """A cache file was unreadable and has been discarded (it will be fetched again)."""


class CacheWriteWarning(CacheWarning, PriceDataWarning):
    """Bars were fetched but could not be stored (full disk, read-only folder, ...).

    The fetched bars are still returned; the message names the symbol, the range and the
    cache path, and the frame's ``attrs["cache_error"]`` repeats it.
    """


def utcnow() -> pd.Timestamp:
    """The current time in UTC (tests replace this function to fix the clock)."""
    return pd.Timestamp.now(tz="UTC")


def cache_root(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The cache folder: ``cache_dir``, else ``$MKTNEWS_CACHE_DIR``, else the user cache dir."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("mktnews"))


def offline_from_env(offline: bool | None = None) -> bool:
    """``offline`` if given, else whether ``MKTNEWS_OFFLINE`` is set to a true value."""
    if offline is not None:
        return bool(offline)
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


# --------------------------------------------------------------------------- ranges


def _union(ranges: Sequence[Range]) -> list[Range]:
    out: list[Range] = []
    for a, b in sorted(r for r in ranges if r[0] < r[1]):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _subtract(ranges: Sequence[Range], minus: Sequence[Range]) -> list[Range]:
    out: list[Range] = []
    cut = _union(minus)
    for a, b in _union(ranges):
        cur = a
        for c, d in cut:
            if d <= cur or c >= b:
                continue
            if c > cur:
                out.append((cur, c))
            cur = max(cur, d)
            if cur >= b:
                break
        if cur < b:
            out.append((cur, b))
    return out


def _clip(ranges: Sequence[Range], lo: int, hi: int) -> list[Range]:
    return [(max(a, lo), min(b, hi)) for a, b in ranges if max(a, lo) < min(b, hi)]


def _ts(ns: int, intraday: bool) -> pd.Timestamp:
    t = pd.Timestamp(ns, unit="ns")
    return t.tz_localize("UTC") if intraday else t


def _iso(ns: int, intraday: bool) -> str:
    return _ts(ns, intraday).isoformat()


def _from_iso(text: str, intraday: bool) -> int:
    t = pd.Timestamp(text)
    if intraday:
        t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    elif t.tzinfo is not None:
        raise ValueError(f"daily range bound with a zone: {text}")
    return int(t.as_unit("ns").value)


def describe_ranges(ranges: Sequence[Range], interval: str) -> str:
    """Human-readable ranges: daily ``2024-11-16..2024-11-29`` (inclusive), intraday
    ``[start, end)`` in UTC."""
    if not ranges:
        return "nothing"
    parts = []
    for a, b in ranges:
        if is_intraday(interval):
            parts.append(f"[{_iso(a, True)}, {_iso(b, True)})")
        else:
            parts.append(f"{_ts(a, False):%Y-%m-%d}..{_ts(b - _DAY, False):%Y-%m-%d}")
    return ", ".join(parts)


def _to_half_open(start: pd.Timestamp, end: pd.Timestamp, interval: str) -> Range:
    s = pd.Timestamp(start).as_unit("ns")
    e = pd.Timestamp(end).as_unit("ns")
    if is_intraday(interval):
        return int(s.value), int(e.value)
    return int(s.normalize().value), int(e.normalize().value) + _DAY


def _from_half_open(a: int, b: int, interval: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    if is_intraday(interval):
        return _ts(a, True), _ts(b, True)
    return _ts(a, False), _ts(b - _DAY, False)


def settled_before(interval: str, now: pd.Timestamp | None = None) -> int:
    """Stamps (ns) before this are settled: their bars will not change any more."""
    t = (now if now is not None else utcnow()).tz_convert("UTC")
    if is_intraday(interval):
        return int((t - INTRADAY_SETTLE).as_unit("ns").value)
    today = t.tz_localize(None).normalize().as_unit("ns")
    return int((today - pd.Timedelta(days=DAILY_SETTLE_DAYS - 1)).value)


# --------------------------------------------------------------------------- files


@dataclass
class CacheEntry:
    """What one cache file holds."""

    frame: pd.DataFrame
    complete: list[Range] = field(default_factory=list)
    provisional: list[Range] = field(default_factory=list)
    #: settled ranges the source answered with no bars: (start, end, asked at, ns UTC)
    empty: list[tuple[int, int, int]] = field(default_factory=list)

    def answered(self, now: pd.Timestamp | None = None) -> list[Range]:
        """``complete`` plus the empty answers younger than :data:`EMPTY_RETRY`."""
        t = int((now if now is not None else utcnow()).tz_convert("UTC").as_unit("ns").value)
        fresh = [(a, b) for a, b, asked in self.empty if t - asked < int(EMPTY_RETRY.value)]
        return _union(self.complete + fresh)


def _empty(symbol: str, interval: str, source: str) -> pd.DataFrame:
    idx: pd.DatetimeIndex
    if is_intraday(interval):
        idx = pd.DatetimeIndex([], dtype="datetime64[ns, UTC]", name="datetime")
    else:
        idx = pd.DatetimeIndex([], dtype="datetime64[ns]", name="date")
    frame = pd.DataFrame({c: np.array([], dtype="float64") for c in COLUMNS}, index=idx)
    frame.attrs = {"symbol": symbol, "interval": interval, "source": source}
    return frame


def _write_table(table: Any, handle: Any) -> None:
    """Write a pyarrow table to an open binary file (a seam for the crash test)."""
    import pyarrow.parquet as pq

    pq.write_table(table, handle, write_page_checksum=True)


class _LockUnavailable(PriceDataError):
    """The lock file cannot be created or opened (read-only cache, a directory in its place)."""

    def __init__(self, lock_path: Path, cause: OSError) -> None:
        self.cause = f"{type(cause).__name__}: {cause}"
        super().__init__(f"mktnews cache: cannot open the lock file {lock_path} ({self.cause})")


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fh = _open_lock(lock_path)
    except OSError as exc:
        raise _LockUnavailable(lock_path, exc) from exc
    with fh:
        try:
            import fcntl
        except ImportError:  # Windows
            import msvcrt
            import time

            fh.seek(0)
            while True:
                try:
                    msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
                    break
                except OSError:
                    time.sleep(0.05)
            try:
                yield
            finally:
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        else:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _open_lock(lock_path: Path) -> Any:
    """Open the lock file for writing (a seam for the tests of unwritable caches)."""
    return open(lock_path, "a+b")


#: A piece's answer counts as covering the piece up to its edges when its first (last)
#: bar with a close lies within this of the piece's start (end): a long weekend.
EDGE_TOLERANCE = pd.Timedelta(days=4)


def _answered(part: pd.DataFrame, a: int, b: int, interval: str) -> Range | None:
    """The part of ``[a, b)`` that an answer really covers, or ``None`` if it has no close.

    From its first to its last bar with a close (bars with a missing close say nothing),
    extended to the piece's edges when within :data:`EDGE_TOLERANCE` of them. A source
    that answered only the first half of a range thus covers only that half, and the
    rest is asked again next time.
    """
    closes = part["close"].to_numpy(dtype="float64", na_value=np.nan)
    ns = pd.DatetimeIndex(part.index).asi8[~np.isnan(closes)]
    if len(ns) == 0:
        return None
    from mktnews.prices.base import BAR_LENGTH

    step = _DAY if not is_intraday(interval) else int(BAR_LENGTH[interval].value)
    tol = int(EDGE_TOLERANCE.value)
    first, last = int(ns.min()), int(ns.max()) + step
    ca = a if first - a <= tol else first
    cb = b if b - last <= tol else min(last, b)
    return ca, cb


class PriceCache:
    """Parquet files of bars for one source, with the ranges each covers.

    Parameters
    ----------
    source : str
        Name of the source the bars come from (a folder of the cache).
    cache_dir : path-like, optional
        Root folder (default: ``$MKTNEWS_CACHE_DIR`` or the user cache folder).

    See the module docstring for the layout, settling rules, atomicity and locking.
    """

    def __init__(self, source: str, cache_dir: str | os.PathLike[str] | None = None) -> None:
        self.source = source
        self.root = cache_root(cache_dir)

    @property
    def folder(self) -> Path:
        """Folder holding this source's files."""
        return self.root / "prices" / quote(self.source, safe="")

    def path(self, symbol: str, interval: str) -> Path:
        """The cache file of ``symbol`` / ``interval``."""
        return self.folder / interval / f"{quote(symbol, safe='^=-._,+@')}.parquet"

    # ------------------------------------------------------------------ reading
    def load(self, symbol: str, interval: str) -> CacheEntry | None:
        """What the file holds, or ``None`` when there is no (readable) file.

        An unreadable file gives a :class:`CacheWarning` and ``None``; it is removed
        the next time the symbol is filled.
        """
        path = self.path(symbol, interval)
        if not path.exists():
            return None
        try:
            return self._read(path, symbol, interval)
        except Exception as exc:
            warnings.warn(
                f"mktnews cache: discarding unreadable cache file {path} ({type(exc).__name__}: "
                f"{exc}); {symbol} {interval} bars will be fetched again",
                CacheWarning,
                stacklevel=3,
            )
            return None

    def _read(self, path: Path, symbol: str, interval: str) -> CacheEntry:
        import pyarrow.parquet as pq

        table = pq.read_table(path, page_checksum_verification=True)
        raw = (table.schema.metadata or {}).get(_META_KEY)
        if raw is None:
            raise ValueError("no mktnews metadata")
        meta = json.loads(raw)
        if meta.get("format") != _FORMAT:
            raise ValueError(f"cache format {meta.get('format')!r}, expected {_FORMAT}")
        if meta.get("symbol") != symbol or meta.get("interval") != interval:
            raise ValueError(
                f"file is for {meta.get('symbol')!r} {meta.get('interval')!r}, not {symbol!r} {interval!r}"
            )
        intraday = is_intraday(interval)
        complete = _union([(_from_iso(a, intraday), _from_iso(b, intraday)) for a, b in meta["complete"]])
        provisional = _union(
            [(_from_iso(a, intraday), _from_iso(b, intraday)) for a, b in meta["provisional"]]
        )
        frame = table.to_pandas()
        frame = conform_prices(
            frame, symbol=symbol, interval=interval, source=self.source, where=str(path)
        )
        empty = [
            (_from_iso(a, intraday), _from_iso(b, intraday), int(pd.Timestamp(t).as_unit("ns").value))
            for a, b, t in meta.get("empty", [])
        ]
        return CacheEntry(frame, complete, _subtract(provisional, complete), empty)

    # ------------------------------------------------------------------ writing
    def _write(self, path: Path, symbol: str, interval: str, entry: CacheEntry) -> None:
        import pyarrow as pa

        intraday = is_intraday(interval)
        meta = {
            "format": _FORMAT,
            "source": self.source,
            "symbol": symbol,
            "interval": interval,
            "complete": [[_iso(a, intraday), _iso(b, intraday)] for a, b in entry.complete],
            "provisional": [[_iso(a, intraday), _iso(b, intraday)] for a, b in entry.provisional],
            "empty": [[_iso(a, intraday), _iso(b, intraday), _iso(t, True)] for a, b, t in entry.empty],
            "written": utcnow().isoformat(),
        }
        frame = entry.frame.loc[:, list(COLUMNS)]
        frame.attrs = {}
        table = pa.Table.from_pandas(frame, preserve_index=True)
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), _META_KEY: json.dumps(meta).encode()}
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            with open(tmp, "wb") as fh:
                _write_table(table, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        with contextlib.suppress(OSError):  # make the rename durable where possible
            dfd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)

    def _remove_debris(self, path: Path) -> None:
        """Remove temporary files left by killed writers (called under the lock)."""
        for tmp in path.parent.glob(f".{path.name}.*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()

    # ------------------------------------------------------------------ the main call
    def missing(
        self,
        symbol: str,
        start: pd.Timestamp,
        end: pd.Timestamp,
        interval: str,
        *,
        offline: bool = False,
    ) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
        """Pieces of the range the cache cannot answer (in ``fetch`` form: daily
        inclusive dates, intraday ``[start, end)``)."""
        entry = self.load(symbol, interval)
        have = [] if entry is None else entry.complete + (entry.provisional if offline else [])
        req = _to_half_open(start, end, interval)
        return [_from_half_open(a, b, interval) for a, b in _subtract([req], have)]

    def get(
        self,
        symbol: str,
        start: pd.Timestamp,
        end: pd.Timestamp,
        interval: str,
        fetch: Callable[[pd.Timestamp, pd.Timestamp], pd.DataFrame],
        *,
        offline: bool = False,
    ) -> pd.DataFrame:
        """Bars of the range, from the file where it covers them, else fetched and merged.

        Parameters
        ----------
        symbol, start, end, interval
            As :meth:`~mktnews.prices.base.PriceSource.fetch` takes them (daily: dates,
            both inclusive; intraday: UTC instants, ``[start, end)``).
        fetch : callable
            ``fetch(start, end) -> prices frame`` for one uncovered piece, in the same form.
            An exception from it propagates (after the pieces fetched before it are saved).
        offline : bool, default False
            Never call ``fetch``; raise :class:`PriceDataError` naming the missing ranges.
        """
        check_option("interval", interval, Interval)
        path = self.path(symbol, interval)
        req = _to_half_open(start, end, interval)
        if offline:
            entry = self.load(symbol, interval)
            have = [] if entry is None else _union(entry.complete + entry.provisional)
            gaps = _subtract([req], have)
            if gaps:
                raise PriceDataError(
                    f"offline: the cache has no {interval} bars of {symbol} for "
                    f"{describe_ranges(gaps, interval)} (cache file {path} covers "
                    f"{describe_ranges(have, interval)}); run once with network access or "
                    f"without offline=True / {OFFLINE_ENV}=1"
                )
            assert entry is not None
            return self._slice(entry.frame, req, symbol, interval)
        # a range the file covers is served without the lock (writes are atomic renames),
        # so a read-only cache still answers what it holds
        entry = self.load(symbol, interval)
        if entry is not None and not _subtract([req], entry.answered()):
            return self._slice(entry.frame, req, symbol, interval)
        lock_path = path.with_name(path.name + ".lock")
        try:
            with _exclusive(lock_path):
                return self._fill(path, symbol, req, interval, fetch, locked=True)
        except _LockUnavailable as exc:
            warnings.warn(
                f"mktnews cache: cannot lock {lock_path} ({exc.cause}); filling {symbol} "
                f"{interval} {describe_ranges([req], interval)} without the lock",
                CacheWarning,
                stacklevel=3,
            )
            return self._fill(path, symbol, req, interval, fetch, locked=False)

    def _fill(
        self,
        path: Path,
        symbol: str,
        req: Range,
        interval: str,
        fetch: Callable[[pd.Timestamp, pd.Timestamp], pd.DataFrame],
        *,
        locked: bool,
    ) -> pd.DataFrame:
        if locked:
            self._remove_debris(path)
        entry = self.load(symbol, interval)
        if entry is None:
            if path.is_file() or path.is_symlink():
                with contextlib.suppress(OSError):
                    path.unlink()
            entry = CacheEntry(_empty(symbol, interval, self.source))
        gaps = _subtract([req], entry.answered())
        if not gaps:
            return self._slice(entry.frame, req, symbol, interval)
        pieces: list[tuple[Range, pd.DataFrame]] = []
        error: BaseException | None = None
        for a, b in gaps:
            s, e = _from_half_open(a, b, interval)
            try:
                part = fetch(s, e)
            except BaseException as exc:
                error = exc
                break
            pieces.append(((a, b), self._conform_piece(part, symbol, interval, (a, b))))
        write_error: str | None = None
        if pieces:
            entry = self._merge(entry, pieces, interval)
            try:
                self._write(path, symbol, interval, entry)
            except OSError as exc:  # full disk, read-only folder, a directory in the way
                fetched = describe_ranges([r for r, p in pieces if len(p)], interval)
                write_error = str(
                    PriceDataError(
                        f"mktnews cache: cannot store the {interval} bars of {symbol} fetched for "
                        f"{fetched} in {path} ({type(exc).__name__}: {exc}); they are returned "
                        "but not cached, and will be fetched again next time"
                    )
                )
                warnings.warn(write_error, CacheWriteWarning, stacklevel=4)
        if error is not None:
            raise error
        out = self._slice(entry.frame, req, symbol, interval)
        if write_error is not None:
            out.attrs["cache_error"] = write_error
        return out

    def _conform_piece(
        self, part: pd.DataFrame, symbol: str, interval: str, rng: Range
    ) -> pd.DataFrame:
        if not isinstance(part, pd.DataFrame):
            raise PriceDataError(f"{self.source}: fetch returned {type(part).__name__}, not a DataFrame")
        frame = conform_prices(part, symbol=symbol, interval=interval, source=self.source)
        ns = pd.DatetimeIndex(frame.index).asi8
        return frame.loc[(ns >= rng[0]) & (ns < rng[1])]

    def _merge(
        self, entry: CacheEntry, pieces: list[tuple[Range, pd.DataFrame]], interval: str
    ) -> CacheEntry:
        cutoff = settled_before(interval)
        old = entry.frame
        ns = pd.DatetimeIndex(old.index).asi8
        keep = np.ones(len(old), dtype=bool)
        complete = list(entry.complete)
        provisional = list(entry.provisional)
        parts = []
        now_ns = int(utcnow().tz_convert("UTC").as_unit("ns").value)
        empty = list(entry.empty)
        for (a, b), part in pieces:
            got = _answered(part, a, b, interval)
            if got is None:
                # an empty answer (or one without a single close) is not covered; its settled
                # part is remembered as "asked, empty" and asked again after EMPTY_RETRY
                empty = [e for e in empty if e[1] <= a or e[0] >= b]
                empty += [(x, y, now_ns) for x, y in _clip([(a, b)], a, min(b, cutoff))]
                continue
            ca, cb = got
            pns = pd.DatetimeIndex(part.index).asi8
            keep &= ~((ns >= ca) & (ns < cb))
            parts.append(part.loc[(pns >= ca) & (pns < cb)])
            complete += _clip([(ca, cb)], ca, min(cb, cutoff))
            provisional += _clip([(ca, cb)], max(ca, cutoff), cb)
        merged = pd.concat([old.loc[keep], *parts]).sort_index()
        merged.attrs = dict(old.attrs)
        complete = _union(complete)
        empty = [(x, y, t) for x, y, t in empty if _subtract([(x, y)], complete)]
        return CacheEntry(merged, complete, _subtract(_union(provisional), complete), empty)

    def _slice(self, frame: pd.DataFrame, req: Range, symbol: str, interval: str) -> pd.DataFrame:
        ns = pd.DatetimeIndex(frame.index).asi8
        out = frame.loc[(ns >= req[0]) & (ns < req[1])].copy()
        out.attrs = {"symbol": symbol, "interval": interval, "source": self.source}
        return out

    # ------------------------------------------------------------------ housekeeping
    def info(self) -> pd.DataFrame:
        """One row per cache file of this source: symbol, interval, rows, first, last,
        complete, provisional (as text), path."""
        rows = []
        if self.folder.is_dir():
            for f in sorted(self.folder.glob("*/*.parquet")):
                interval = f.parent.name
                symbol = unquote(f.name[: -len(".parquet")])
                entry = self.load(symbol, interval)
                if entry is None:
                    continue
                idx = entry.frame.index
                rows.append(
                    {
                        "symbol": symbol,
                        "interval": interval,
                        "rows": len(idx),
                        "first": idx[0] if len(idx) else pd.NaT,
                        "last": idx[-1] if len(idx) else pd.NaT,
                        "complete": describe_ranges(entry.complete, interval),
                        "provisional": describe_ranges(entry.provisional, interval),
                        "path": str(f),
                    }
                )
        cols = ["symbol", "interval", "rows", "first", "last", "complete", "provisional", "path"]
        return pd.DataFrame(rows, columns=cols)

    def clear(self, symbol: str | None = None, interval: str | None = None) -> int:
        """Delete cache files (all, or of one symbol and/or interval); returns how many."""
        n = 0
        if not self.folder.is_dir():
            return 0
        pattern = f"{interval or '*'}/*.parquet"
        for f in self.folder.glob(pattern):
            if symbol is not None and unquote(f.name[: -len(".parquet")]) != symbol:
                continue
            with _exclusive(f.with_name(f.name + ".lock")):
                f.unlink(missing_ok=True)
            n += 1
        return n


class CachedSource:
    """Any :class:`~mktnews.prices.base.PriceSource` behind the Parquet cache.

    Parameters
    ----------
    source : PriceSource
        The source asked for the ranges the cache does not cover.
    cache_dir : path-like, optional
        Root folder (default: ``$MKTNEWS_CACHE_DIR`` or the user cache folder).
    offline : bool, optional
        Serve from the cache only (default: ``$MKTNEWS_OFFLINE``).
    namespace : str, optional
        Cache folder of this source (default: the source's ``name``).
    """

    def __init__(
        self,
        source: PriceSource,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        offline: bool | None = None,
        namespace: str | None = None,
    ) -> None:
        self.source = source
        self.name = str(getattr(source, "name", type(source).__name__))
        self.offline = offline_from_env(offline)
        self.cache = PriceCache(namespace or self.name, cache_dir)

    def fetch(
        self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: Interval
    ) -> pd.DataFrame:
        """Bars of ``symbol`` in the range; see :class:`~mktnews.prices.base.PriceSource`."""

        def fill(s: pd.Timestamp, e: pd.Timestamp) -> pd.DataFrame:
            return self.source.fetch(symbol, s, e, interval)

        out = self.cache.get(symbol, start, end, interval, fill, offline=self.offline)
        out.attrs["source"] = self.name
        return out

    def __repr__(self) -> str:
        return f"CachedSource({self.source!r}, cache={self.cache.folder})"
