"""Pieces of figures that :mod:`mktnews.plotting` and :mod:`mktnews.clockplots` share: the
axes to draw on, a percent axis, and the CAAR lines with their confidence bands.

matplotlib is imported inside the functions (``import mktnews`` does not load it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["draw_caar_lines", "new_axes", "percent_axis"]


def new_axes(ax: Axes | None, figsize: tuple[float, float] = (9.0, 4.8), *, constrained: bool = True) -> Axes:
    """``ax`` itself, or the axes of a new pyplot figure of ``figsize`` inches (with the
    constrained layout unless ``constrained=False``)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    layout: Any = "constrained" if constrained else None
    _fig, new = plt.subplots(figsize=figsize, layout=layout)
    return new


def percent_axis(ax: Axes, decimals: int | None = None, *, axis: str = "y") -> None:
    """Show the values of the ``axis`` axis (fractions) as percentages."""
    from matplotlib.ticker import PercentFormatter

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(PercentFormatter(xmax=1.0, decimals=decimals))


def draw_caar_lines(
    axes: Axes,
    sel: pd.DataFrame,
    names: Sequence[str],
    x: str,
    *,
    x_dtype: Any,
    ms: float,
) -> None:
    """One CAAR line (``gid="caar:<group>"``) and its band ``ci_low``..``ci_high``
    (``gid="band:<group>"``, where finite) per group of ``names`` (colour ``C<i>`` by its
    place in ``names``; a group without rows in ``sel`` is skipped), against column ``x``;
    then the zero lines."""
    for i, g in enumerate(names):
        rows = sel.loc[(sel["group"] == g).to_numpy(dtype=bool)].sort_values(x)
        if rows.empty:
            continue
        xs = rows[x].to_numpy(dtype=x_dtype)
        val = rows["caar"].to_numpy(dtype=np.float64)
        lo = rows["ci_low"].to_numpy(dtype=np.float64)
        hi = rows["ci_high"].to_numpy(dtype=np.float64)
        n = int(rows["n"].to_numpy(dtype=np.int64).max())
        color = f"C{i % 10}"
        axes.plot(xs, val, marker="o", ms=ms, lw=1.6, color=color, gid=f"caar:{g}",
                  label=f"{g} (N = {n})" if len(names) > 1 or g != "all" else f"CAAR (N = {n})")
        ok = np.isfinite(lo) & np.isfinite(hi)
        if ok.any():
            axes.fill_between(xs, lo, hi, where=ok, color=color, alpha=0.18, lw=0, gid=f"band:{g}",
                              label="95% band" if len(names) == 1 else None)
    axes.axhline(0.0, color="0.4", lw=0.8)
    axes.axvline(0.0, color="0.4", lw=0.8, ls=":")
