"""The values of the ``window`` column of the result frames (a leaf module).

Each cell is a :class:`WindowLabel`: the tuple ``(start, end)`` that it always was (so
``w[0]``, ``tuple(w)``, unpacking, sorting and grouping work as before), which also equals
its text label, so a selection needs no ``.map(tuple)``::

    res.car[res.car["window"] == (-1, 1)]
    res.car[res.car["window"] == "(-1, 1)"]      # the same rows ("(-1,1)" too)
    res.car[res.car["window_start"] == -1]       # or by the integer columns of the export

A label hashes as its tuple: ``isin``, ``groupby`` and dictionary keys use the tuple.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["ClockWindowLabel", "WindowLabel", "label_windows"]


class WindowLabel(tuple[int, int]):
    """An event window ``(start, end)`` that also compares equal to its label ``"(start, end)"``.

    Parameters
    ----------
    window : pair of int
        First and last relative day.

    Examples
    --------
    >>> w = WindowLabel((-1, 1))
    >>> w == (-1, 1), w == "(-1, 1)", w == "(-1,1)", w != "(0, 0)"
    (True, True, True, True)
    >>> w.start, w.end, w.label
    (-1, 1, '(-1, 1)')
    """

    __slots__ = ()

    def __new__(cls, window: Iterable[int]) -> WindowLabel:
        start, end = window
        return super().__new__(cls, (int(start), int(end)))

    @property
    def start(self) -> int:
        """First relative day (inclusive)."""
        return self[0]

    @property
    def end(self) -> int:
        """Last relative day (inclusive)."""
        return self[1]

    @property
    def label(self) -> str:
        """The text form ``"(start, end)"``."""
        return f"({self[0]}, {self[1]})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return "".join(other.split()) == f"({self[0]},{self[1]})"
        return tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = tuple.__hash__


class ClockWindowLabel(WindowLabel):
    """A clock window ``(start, end)`` in minutes; its label is ``"(-30min, +60min)"``.

    Examples
    --------
    >>> w = ClockWindowLabel((-30, 60))
    >>> w == (-30, 60), w == "(-30min, +60min)", w.label
    (True, True, '(-30min, +60min)')
    """

    __slots__ = ()

    @property
    def label(self) -> str:
        """The text form ``"(-30min, +60min)"`` (``0min`` unsigned)."""
        def one(m: int) -> str:
            return "0min" if m == 0 else f"{m:+d}min"

        return f"({one(self[0])}, {one(self[1])})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return "".join(other.split()) == "".join(self.label.split())
        return tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __str__(self) -> str:
        return self.label

    __hash__ = tuple.__hash__


def label_windows(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its ``window`` column (if any) as :class:`WindowLabel` cells.

    The frame is returned unchanged when it has no ``window`` column or its cells are
    labels already; otherwise a shallow copy with the column replaced (one label per
    distinct window, shared by its rows).
    """
    if not isinstance(frame, pd.DataFrame) or "window" not in frame.columns:
        return frame
    col = frame["window"]
    if col.dtype != object:
        return frame
    codes, uniques = pd.factorize(col, use_na_sentinel=False)  # windows hash as tuples
    table = np.empty(len(uniques), dtype=object)
    for k, w in enumerate(uniques):  # one label per distinct window, not per row
        table[k] = w if isinstance(w, WindowLabel) else WindowLabel(w)
    out = frame.copy(deep=False)
    out["window"] = pd.Series(table[codes], index=frame.index, dtype=object)
    return out
