"""Bars of many symbols in one set of arrays: :class:`PriceBlocks`.

A study of 1,000 stocks holds 1,000 price histories. As 1,000 pandas frames, every step
that reads them pays pandas' per-object cost (a slice, an index, a column look-up: tens of
microseconds each) once per instrument. :class:`PriceBlocks` keeps the same bars as one
int64 array of stamps and one ``(rows, 5)`` float64 array of ``open, high, low, close,
volume``, with each symbol's rows contiguous (``starts[j] : starts[j] + lengths[j]``). The
engine reads those arrays (views, no copies); code that wants a symbol's frame still gets
one: ``blocks[symbol]`` is a prices frame (the contract of :mod:`mktnews.prices.base`),
built on demand.

Stamps are nanoseconds: tz-naive session dates for daily bars, UTC bar starts for
intraday bars, strictly increasing within each symbol. Nothing here validates: the
blocks are built from frames that are already in the prices contract (a source's
answers, or :class:`~mktnews.prices.base.FrameSource`'s checked frames).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["COLUMNS", "PriceBlocks", "segment_rows", "segment_search"]

#: Columns of the prices contract, in their order (also the columns of ``values``).
COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "volume")
_COLUMNS_INDEX = pd.Index(COLUMNS)
_INTRADAY = frozenset({"1m", "2m", "5m", "15m", "30m", "60m", "90m", "1h"})


def segment_rows(first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """The row numbers ``first[k] .. last[k] - 1`` of every segment ``k``, concatenated
    (one vectorised pass: no loop over segments)."""
    first = np.asarray(first, dtype=np.int64)
    n = np.maximum(np.asarray(last, dtype=np.int64) - first, 0)
    total = int(n.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    # output position i of segment k holds row first[k] + (i - begin[k])
    begin = np.cumsum(n) - n
    return np.arange(total, dtype=np.int64) + np.repeat(first - begin, n)


class PriceBlocks(Mapping[str, pd.DataFrame]):
    """Bars of many symbols as one set of arrays; a read-only mapping symbol -> frame.

    Parameters
    ----------
    symbols : sequence of str
        In the order of their rows.
    starts, lengths : ndarray of int64
        First row and number of rows of each symbol.
    stamps : ndarray of int64
        Nanosecond stamps of every row (see module docstring).
    columns : mapping of str to ndarray or None
        float64 values of every row per contract column (``open, high, low, close,
        volume``); a column that is absent or None is missing (NaN) on every row.
    interval : str
        Bar size of every symbol.
    attrs : sequence of dict, optional
        Each symbol's frame ``attrs`` (default: ``symbol`` and ``interval``).

    Notes
    -----
    The arrays are read-only. ``blocks[symbol]`` builds a new frame holding a copy of
    that symbol's rows (a change to it never reaches the blocks); the engine reads
    :meth:`rows`, :attr:`stamps` and :meth:`column` instead.
    """

    __slots__ = ("_attrs", "_cols", "_pos", "interval", "lengths", "stamps", "starts", "symbols")

    def __init__(
        self,
        symbols: Sequence[str],
        starts: np.ndarray,
        lengths: np.ndarray,
        stamps: np.ndarray,
        columns: Mapping[str, np.ndarray | None],
        interval: str,
        attrs: Sequence[Mapping[str, Any]] | None = None,
        *,
        _attrs_of_blocks: bool = False,
    ) -> None:
        self.symbols: tuple[str, ...] = tuple(symbols)
        self.starts = _frozen(np.asarray(starts, dtype=np.int64))
        self.lengths = _frozen(np.asarray(lengths, dtype=np.int64))
        self.stamps = _frozen(np.asarray(stamps, dtype=np.int64))
        unknown = set(columns) - set(COLUMNS)
        if unknown:
            raise ValueError(
                f"PriceBlocks: columns {sorted(unknown)} are not in the prices contract"
            )
        self._cols: dict[str, np.ndarray | None] = {}
        for c in COLUMNS:
            v = columns.get(c)
            if v is not None:
                v = _frozen(np.asarray(v, dtype=np.float64))
                if v.shape != self.stamps.shape:
                    raise ValueError(
                        f"PriceBlocks: column {c!r} has {v.shape[0]} rows, stamps {len(self.stamps)}"
                    )
            self._cols[c] = v
        self.interval = interval
        if attrs is None:
            attrs = [{"symbol": s, "interval": interval} for s in self.symbols]
        # another blocks' attrs are shared (no blocks ever changes its dicts), others copied
        self._attrs = tuple(attrs) if _attrs_of_blocks else tuple(dict(a) for a in attrs)
        self._pos = {s: j for j, s in enumerate(self.symbols)}
        if not (len(self.starts) == len(self.lengths) == len(self._attrs) == len(self.symbols)):
            raise ValueError("PriceBlocks: symbols, starts, lengths and attrs differ in length")
        if len(self._pos) != len(self.symbols):
            raise ValueError("PriceBlocks: a symbol appears twice")
        if int(self.lengths.sum()) != len(self.stamps):
            raise ValueError("PriceBlocks: the lengths do not add up to the rows")

    # -- construction ------------------------------------------------------------------

    @classmethod
    def from_frames(cls, frames: Mapping[str, pd.DataFrame], interval: str) -> PriceBlocks:
        """Blocks holding ``frames`` (prices frames in the contract: a DatetimeIndex of
        the contract's kind and contract columns), one copy of their values; their
        ``attrs`` are kept."""
        syms = [str(s) for s in frames]
        stamps: list[np.ndarray] = []
        cols: dict[str, list[np.ndarray | None]] = {c: [] for c in COLUMNS}
        attrs: list[dict[str, Any]] = []
        for s in syms:  # loop per frame: a few array reads
            f = frames[s]
            idx = f.index if isinstance(f.index, pd.DatetimeIndex) else pd.DatetimeIndex(f.index)
            if idx.unit != "ns":
                idx = idx.as_unit("ns")
            stamps.append(idx.asi8)
            if tuple(f.columns) == COLUMNS:  # one 2-D array, no column look-ups
                block = f.to_numpy(dtype=np.float64, na_value=np.nan)
                for j, c in enumerate(COLUMNS):
                    cols[c].append(block[:, j])
            else:
                for c in COLUMNS:
                    cols[c].append(
                        f[c].to_numpy(dtype=np.float64, na_value=np.nan) if c in f.columns else None
                    )
            attrs.append({str(k): v for k, v in f.attrs.items()} or {"symbol": s, "interval": interval})
        return cls.pack(syms, stamps, cols, interval, attrs)

    @classmethod
    def pack(
        cls,
        symbols: Sequence[str],
        stamps: Sequence[np.ndarray],
        columns: Mapping[str, Sequence[np.ndarray | None]],
        interval: str,
        attrs: Sequence[Mapping[str, Any]] | None = None,
    ) -> PriceBlocks:
        """Blocks from each symbol's stamps and column arrays (None: a column the symbol
        lacks), concatenated once."""
        lengths = np.fromiter((len(t) for t in stamps), dtype=np.int64, count=len(stamps))
        starts = np.cumsum(lengths) - lengths
        st = np.concatenate(stamps) if len(stamps) else np.empty(0, np.int64)
        out: dict[str, np.ndarray | None] = {}
        for c, parts in columns.items():
            if all(p is None for p in parts):
                out[c] = None
                continue
            whole: list[np.ndarray] = [
                np.full(n, np.nan) if p is None else p for p, n in zip(parts, lengths, strict=True)
            ]
            out[c] = np.concatenate(whole, dtype=np.float64)  # numeric parts: a safe cast
        return cls(symbols, starts, lengths, st, out, interval, attrs)

    # -- mapping -----------------------------------------------------------------------

    def __getitem__(self, symbol: str) -> pd.DataFrame:
        j = self._pos[symbol]
        a, n = int(self.starts[j]), int(self.lengths[j])
        index = pd.DatetimeIndex(self.stamps[a : a + n].view("datetime64[ns]"))
        index = (
            index.tz_localize("UTC").rename("datetime") if self.intraday else index.rename("date")
        )
        values = np.full((n, len(COLUMNS)), np.nan)
        for k, c in enumerate(COLUMNS):
            v = self._cols[c]
            if v is not None:
                values[:, k] = v[a : a + n]
        frame = pd.DataFrame(values, index=index, columns=_COLUMNS_INDEX, copy=False)
        frame.attrs = dict(self._attrs[j])  # type: ignore[assignment]
        return frame

    def __iter__(self) -> Iterator[str]:
        return iter(self.symbols)

    def __len__(self) -> int:
        return len(self.symbols)

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._pos

    def __repr__(self) -> str:
        return f"PriceBlocks({len(self.symbols)} symbols, {len(self.stamps)} {self.interval} bars)"

    # -- arrays ------------------------------------------------------------------------

    @property
    def intraday(self) -> bool:
        """Whether the bars are intraday (stamps are UTC instants, not dates)."""
        return self.interval in _INTRADAY

    def position(self, symbol: str) -> int:
        """Index of ``symbol`` in :attr:`symbols` (KeyError when absent)."""
        return self._pos[symbol]

    def codes(self, symbols: Sequence[Any] | np.ndarray) -> np.ndarray:
        """Index of each symbol in :attr:`symbols`, -1 where absent."""
        get = self._pos.get
        return np.fromiter((get(str(s), -1) for s in symbols), dtype=np.int64, count=len(symbols))

    def rows(self, symbol: str) -> slice:
        """The rows of ``symbol`` (a slice of :attr:`stamps` and of every column)."""
        j = self._pos[symbol]
        a = int(self.starts[j])
        return slice(a, a + int(self.lengths[j]))

    def has_column(self, name: str) -> bool:
        """Whether some row has a value in column ``name`` (else it is missing everywhere)."""
        return self._cols[name] is not None

    def column(self, name: str) -> np.ndarray:
        """Column ``name`` of every row (read-only; NaN everywhere for a missing column)."""
        v = self._cols[name]
        if v is None:
            v = _frozen(np.full(len(self.stamps), np.nan))
            self._cols[name] = v
        return v

    def attrs_of(self, symbol: str) -> dict[str, Any]:
        """A copy of ``symbol``'s frame attrs."""
        return dict(self._attrs[self._pos[symbol]])

    def take(self, symbols: Sequence[str], first: np.ndarray, last: np.ndarray) -> PriceBlocks:
        """New blocks of ``symbols`` (each in these blocks; the same symbol may not come
        twice) holding the rows ``first[k] .. last[k] - 1`` (row numbers of these
        blocks) of each; one gather, no loop."""
        first = np.asarray(first, dtype=np.int64)
        last = np.maximum(np.asarray(last, dtype=np.int64), first)
        sel = segment_rows(first, last)
        lengths = last - first
        starts = np.cumsum(lengths) - lengths
        pos = self._pos
        attrs = [self._attrs[pos[s]] for s in symbols]
        cols = {c: (None if v is None else v[sel]) for c, v in self._cols.items()}
        return PriceBlocks(
            symbols, starts, lengths, self.stamps[sel], cols, self.interval, attrs, _attrs_of_blocks=True
        )


def _frozen(a: np.ndarray) -> np.ndarray:
    """``a`` made read-only (a view when ``a`` belongs to someone else)."""
    if a.flags.writeable:
        if not a.flags.owndata:
            a = a.view()
        a.flags.writeable = False
    return a


def segment_search(
    stamps: np.ndarray, first: np.ndarray, last: np.ndarray, values: np.ndarray, side: str = "left"
) -> np.ndarray:
    """``first[k] + np.searchsorted(stamps[first[k]:last[k]], values[k], side)`` for every
    ``k`` (each segment sorted) at once: a binary search vectorised over the segments
    (one numpy pass per bit of the longest segment's length, no loop over segments)."""
    lo = np.array(first, dtype=np.int64)
    hi = np.maximum(np.asarray(last, dtype=np.int64), lo)
    v = np.asarray(values, dtype=np.int64)
    if not len(stamps) or not lo.size:
        return lo
    below = np.less if side == "left" else np.less_equal
    # every bisection halves each segment's interval [lo, hi): as many as the longest needs
    for _ in range(int((hi - lo).max()).bit_length()):
        mid = (lo + hi) >> 1
        go = below(stamps.take(mid, mode="clip"), v)  # (clip: the mid of a finished search)
        go &= lo < hi
        lo = np.where(go, mid + 1, lo)
        hi = np.where(go, hi, mid)
    return lo
