"""The study's price histories, every instrument at once: :func:`load_histories`.

An event study needs, for each instrument, its bars from well before its first day 0
(the estimation window) to after its last (the event span). The first request of each
instrument adds a calendar margin to those bounds; when rows are still missing and the
data seem to reach further (the first/last row is near the requested bound), the range
is widened and asked again, a few times at most. All instruments are asked in one
:func:`~mktnews.prices.base.load_blocks` call per round (only those that still lack
rows are asked again), so a study of 1,000 stocks costs a few array passes instead of
1,000 frames; the answer is one :class:`~mktnews.prices.blocks.PriceBlocks` (a mapping
symbol -> prices frame for code that reads frames).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from mktnews.errors import PriceDataError
from mktnews.prices.base import PriceSource, is_intraday, load_blocks
from mktnews.prices.blocks import PriceBlocks, segment_rows, segment_search

__all__ = ["load_histories"]

_NS_PER_DAY = 86_400_000_000_000
_ROUNDS = 6  # widening requests at most


def load_histories(
    symbols: Sequence[str],
    data_symbols: Sequence[str],
    t_first: np.ndarray,
    t_last: np.ndarray,
    need: tuple[int, int],
    margins_ns: tuple[int, int, int],
    *,
    interval: str,
    source: PriceSource | None,
) -> PriceBlocks:
    """Bars of every instrument with at least ``need = (before, after)`` rows before its
    first and after its last day 0, where the source has them.

    Parameters
    ----------
    symbols : sequence of str
        The instruments (each once), as the events name them: the keys of the answer.
    data_symbols : sequence of str
        The symbol asked of the source for each (the registry's data symbol).
    t_first, t_last : ndarray of int64
        First and last day 0 of each instrument in ns (session dates daily, UTC intraday).
    need : (int, int)
        Rows wanted before ``t_first`` and after ``t_last``.
    margins_ns : (int, int, int)
        Calendar margins of the first request before ``t_first`` and after ``t_last``,
        and the slack within which a first/last row counts as "at the bound" (ns).
    interval : str
    source : PriceSource, optional

    Returns
    -------
    PriceBlocks
        Every instrument, in the order of ``symbols``.

    Raises
    ------
    PriceDataError
        When the first request of an instrument fails (the first such instrument in
        order, with the source's message). A failing widening request keeps what was
        loaded (the events concerned then get ``window_outside_data`` or
        ``insufficient_estimation``).
    """
    m_before, m_after, slack = margins_ns
    start = np.asarray(t_first, dtype=np.int64) - m_before  # the bounds before flooring
    end = np.asarray(t_last, dtype=np.int64) + m_after
    syms = list(symbols)
    asked = list(data_symbols)
    # a progress bar (on a terminal) for a batch from a source with its own fetch_many (Yahoo)
    progress = None if len(syms) >= 2 and callable(getattr(source, "fetch_many", None)) else False
    blocks, errors = _load(syms, asked, start, end, interval, source, progress)
    for sym in syms:  # the first failure in order, as one request after the other raised it
        if sym in errors:
            raise PriceDataError(errors[sym])
    live = np.ones(len(syms), dtype=bool)
    first = np.asarray(t_first, dtype=np.int64)
    last = np.asarray(t_last, dtype=np.int64)
    for _ in range(_ROUNDS):
        live = _still_short(blocks, live, first, last, need, start, end, slack)
        if not live.any():
            break
        idx = np.flatnonzero(live)
        more, failed = _load(
            [syms[j] for j in idx], [asked[j] for j in idx], start[idx], end[idx], interval, source, False
        )
        live[idx[[syms[j] in failed for j in idx]]] = False  # a failed widening keeps its rows
        if len(more):
            blocks = _splice(blocks, more)
    return blocks


def _still_short(
    blocks: PriceBlocks,
    live: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    need: tuple[int, int],
    start: np.ndarray,
    end: np.ndarray,
    slack: int,
) -> np.ndarray:
    """Which live instruments lack rows and whose data seem to reach further; their
    ``start``/``end`` are widened in place (the rule of the first request's margins).

    Counting the rows is vectorised; the widening arithmetic runs in Python floats for
    the few instruments widened (exactly the one-instrument rule)."""
    before, after = need
    a, n = blocks.starts, blocks.lengths
    st = blocks.stamps
    n_before = segment_search(st, a, a + n, first, "left") - a
    n_after = a + n - segment_search(st, a, a + n, last, "right")
    short = live & (n > 0) & ((n_before < before) | (n_after < after))
    if not short.any():
        return short
    lo_row = np.where(n > 0, st[np.minimum(a, len(st) - 1)], 0)
    hi_row = np.where(n > 0, st[np.minimum(a + n - 1, len(st) - 1)], 0)
    more_before = short & (n_before < before) & (lo_row <= start + slack)
    more_after = short & (n_after < after) & (hi_row >= end - slack)
    wide = more_before | more_after
    for j in np.flatnonzero(wide).tolist():  # per instrument widened (few): its arithmetic
        days = max((int(hi_row[j]) - int(lo_row[j])) / _NS_PER_DAY, 1.0)
        density = max(int(n[j]) / days, 1e-3)  # rows per calendar day
        if more_before[j]:
            start[j] -= (math.ceil((before - int(n_before[j])) / density * 1.5) + 10) * _NS_PER_DAY
        if more_after[j]:
            end[j] += (math.ceil((after - int(n_after[j])) / density * 1.5) + 10) * _NS_PER_DAY
    return wide


def _load(
    symbols: list[str],
    asked: list[str],
    start: np.ndarray,
    end: np.ndarray,
    interval: str,
    source: PriceSource | None,
    progress: bool | None,
) -> tuple[PriceBlocks, dict[str, str]]:
    """:func:`load_blocks` of ``asked`` over [start, end] (session dates: the bounds
    floored to their day), keyed by ``symbols``; a data symbol asked for two instruments
    is asked once per instrument (one call per repeat)."""
    lo, hi = np.asarray(start, dtype=np.int64), np.asarray(end, dtype=np.int64)
    if not is_intraday(interval):  # daily ranges are dates (a time of day is dropped)
        lo, hi = lo - lo % _NS_PER_DAY, hi - hi % _NS_PER_DAY
    rank = np.zeros(len(asked), dtype=np.int64)  # how often the data symbol came before
    if len(set(asked)) < len(asked):  # a data symbol named twice (an alias and its symbol)
        seen: dict[str, int] = {}
        for j, s in enumerate(asked):  # per instrument, only then
            rank[j] = seen.get(s, 0)
            seen[s] = int(rank[j]) + 1
    parts: list[PriceBlocks] = []
    errors: dict[str, str] = {}
    for r in range(int(rank.max()) + 1 if len(rank) else 0):  # one call, more only for repeats
        idx = np.flatnonzero(rank == r)
        got, err = load_blocks(
            [asked[j] for j in idx], lo[idx], hi[idx], interval=interval, source=source,  # type: ignore[arg-type]
            progress=progress,
        )  # fmt: skip
        name = {asked[j]: symbols[j] for j in idx.tolist()}
        errors.update({name[s]: msg for s, msg in err.items()})
        parts.append(_renamed(got, [name[s] for s in got.symbols]))
    if len(parts) == 1:
        return parts[0], errors
    order = [s for s in symbols if s not in errors]
    return _gather(parts, order, interval), errors


def _renamed(blocks: PriceBlocks, symbols: list[str]) -> PriceBlocks:
    """``blocks`` under other symbol names (same order), or itself when the names are its own."""
    if tuple(symbols) == blocks.symbols:
        return blocks
    return _gather([blocks], list(blocks.symbols), blocks.interval, symbols)


def _gather(
    parts: list[PriceBlocks], order: list[str], interval: str, names: list[str] | None = None
) -> PriceBlocks:
    """One blocks of the symbols ``order`` (each from the last part that has it), in that
    order, named ``names`` (default ``order``): one concatenation, one gather."""
    where: dict[str, tuple[int, int]] = {}
    offset = 0
    for p in parts:  # per part (a few): its symbols' rows in the concatenation
        for s, a, n in zip(p.symbols, p.starts.tolist(), p.lengths.tolist(), strict=True):
            where[s] = (offset + a, n)
        offset += len(p.stamps)
    first = np.array([where[s][0] for s in order], dtype=np.int64)
    lengths = np.array([where[s][1] for s in order], dtype=np.int64)
    sel = segment_rows(first, first + lengths)
    part_of = {s: p for p in parts for s in p.symbols}
    attrs = [part_of[s].attrs_of(s) for s in order]
    cols = {}
    for c in ("open", "high", "low", "close", "volume"):
        has = any(p.has_column(c) for p in parts)
        cols[c] = np.concatenate([p.column(c) for p in parts])[sel] if has else None
    stamps = np.concatenate([p.stamps for p in parts])[sel]
    starts = np.cumsum(lengths) - lengths
    return PriceBlocks(names or order, starts, lengths, stamps, cols, interval, attrs)


def _splice(blocks: PriceBlocks, more: PriceBlocks) -> PriceBlocks:
    """``blocks`` with the symbols of ``more`` replaced by ``more``'s rows."""
    return _gather([blocks, more], list(blocks.symbols), blocks.interval)
