"""Tables for a paper: CAAR per window with stars and the p-values of chosen tests.

:func:`caar_table` (``res.table(...)``) returns a :class:`PaperTable`: its ``frame`` has one
row per group and window (``CAAR``, ``N`` and one ``p(<test>)`` column per test), and it
writes LaTeX (``to_latex``), Markdown (``to_markdown``, via ``tabulate``) and Excel
(``to_excel``, via ``openpyxl``: the optional ``excel`` extra).

Stars mark the CAAR by the p-value of the ``stars`` test (default: the first test):
``*`` p < 0.10, ``**`` p < 0.05, ``***`` p < 0.01 (change with ``levels=``); the note of
the table says which test and which levels.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mktnews.errors import ConfigurationError, InvalidOptionError

if TYPE_CHECKING:
    from mktnews.crosssection import StudyFrames

__all__ = ["PaperTable", "caar_table"]

DEFAULT_LEVELS: tuple[float, ...] = (0.10, 0.05, 0.01)


@dataclass(frozen=True)
class PaperTable:
    """A formatted CAAR table.

    Attributes
    ----------
    frame : DataFrame
        Numbers: ``group, window, CAAR, stars, N`` and ``p(<test>)`` (and ``t(<test>)``
        with ``statistics=True``).
    note : str
        What the stars and columns mean.
    digits : int
    """

    frame: pd.DataFrame
    note: str
    digits: int = 4

    def formatted(self) -> pd.DataFrame:
        """The table as strings: the CAAR (in percent) with its stars, p-values rounded."""
        f = self.frame
        out = pd.DataFrame(
            {
                "Group": f["group"].astype(str),
                "Window": [f"({a}, {b})" for a, b in f["window"]],
                "CAAR (%)": [
                    ("" if not np.isfinite(v) else f"{100 * v:.{self.digits - 2 if self.digits > 2 else 2}f}") + s
                    for v, s in zip(f["CAAR"], f["stars"], strict=True)
                ],
                "N": f["N"].astype(int).astype(str),
            }
        )
        for c in f.columns:
            if c.startswith(("p(", "t(")):
                out[c] = [("" if not np.isfinite(v) else f"{v:.{self.digits}f}") for v in f[c]]
        if out["Group"].nunique() == 1:
            out = out.drop(columns="Group")
        return out

    def to_latex(self, path: str | Path | None = None, *, caption: str | None = None, label: str | None = None) -> str:
        """LaTeX ``tabular`` (in a ``table`` when ``caption``/``label`` are given); written
        to ``path`` when given. The note follows as a ``\\footnotesize`` line."""
        body = self.formatted().to_latex(index=False, escape=True, caption=caption, label=label)
        note = re.sub(r"(\*+)", lambda m: "$^{" + m.group(1) + "}$", self.note.replace("%", r"\%"))
        text = body + f"\\par\\footnotesize {note}\n"
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def to_markdown(self, path: str | Path | None = None) -> str:
        """A GitHub Markdown table and the note below it (needs ``tabulate``:
        ``pip install "mktnews[paper]"``)."""
        try:
            import tabulate  # noqa: F401
        except ImportError as exc:
            raise ConfigurationError('to_markdown needs tabulate: pip install "mktnews[paper]"') from exc
        text = self.formatted().to_markdown(index=False) + f"\n\n{self.note}\n"
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def to_excel(self, path: str | Path) -> Path:
        """An .xlsx workbook: sheet ``table`` (numbers as numbers) and ``note``.

        Needs openpyxl (``pip install "mktnews[excel]"``).
        """
        try:
            import openpyxl  # noqa: F401
        except ImportError as exc:
            raise ConfigurationError(
                'to_excel needs openpyxl: pip install "mktnews[excel]"'
            ) from exc
        p = Path(path)
        frame = self.frame.copy()
        frame["window"] = [f"({a}, {b})" for a, b in frame["window"]]
        with pd.ExcelWriter(p, engine="openpyxl") as xw:
            frame.to_excel(xw, sheet_name="table", index=False)
            pd.DataFrame({"note": [self.note]}).to_excel(xw, sheet_name="note", index=False)
        return p

    def __str__(self) -> str:
        return self.formatted().to_string(index=False) + "\n" + self.note

    def _repr_html_(self) -> str:
        return self.formatted().to_html(index=False) + f"<p><small>{self.note}</small></p>"


def caar_table(
    res: StudyFrames,
    *,
    tests: Sequence[str] | None = None,
    windows: Sequence[tuple[int, int]] | None = None,
    stars: str | None = None,
    levels: Sequence[float] = DEFAULT_LEVELS,
    statistics: bool = False,
    digits: int = 4,
) -> PaperTable:
    """CAAR per group and window, starred by a test's p-value, with the tests' p-values.

    Parameters
    ----------
    res : EventStudyResults
    tests : list of str, optional
        Tests of ``res.tests`` to show (default: every test the study ran).
    windows : list of pairs, optional
        Default: every window of the study.
    stars : str, optional
        The test whose p-value sets the stars (default: the first of ``tests``).
    levels : sequence of float
        Significance levels, one star each (default 0.10, 0.05, 0.01).
    statistics : bool
        Also show each test's statistic ``t(<test>)``.
    digits : int
        Decimals of p-values and statistics.
    """
    ran = list(dict.fromkeys(res.tests["test"].tolist()))
    names = list(tests) if tests is not None else ran
    if not names:
        raise ConfigurationError("the study ran no test: run it with tests='all' (or a list)")
    unknown = [t for t in names if t not in ran]
    if unknown:
        raise InvalidOptionError("tests", unknown, ran)
    star = names[0] if stars is None else stars
    if star not in ran:
        raise InvalidOptionError("stars", star, ran)
    lv = sorted(float(x) for x in levels)[::-1]
    if not lv or not all(0 < x < 1 for x in lv):
        raise InvalidOptionError("levels", levels, reason="expected levels in (0, 1)")
    wins = [tuple(w) for w in (windows if windows is not None else res.windows)]
    bad = [w for w in wins if w not in [tuple(x) for x in res.windows]]
    if bad:
        raise InvalidOptionError("windows", bad, res.windows)
    car = res.car
    tt = res.tests
    rows = []
    for g in res.groups:  # loop per group
        for w in wins:  # loop per window
            sel = (car["group"] == g).to_numpy() & np.array([tuple(x) == w for x in car["window"]], dtype=bool)
            cars = car.loc[sel, "car"].to_numpy(dtype=float)
            cars = cars[np.isfinite(cars)]
            row: dict[str, object] = {
                "group": g,
                "window": w,
                "CAAR": float(cars.mean()) if len(cars) else float("nan"),
                "N": len(cars),
            }
            tsel = (tt["group"] == g).to_numpy() & np.array([tuple(x) == w for x in tt["window"]], dtype=bool)
            part = tt[tsel].set_index("test")
            for t in dict.fromkeys([*names, star]):
                p = float(part.loc[t, "p_value"]) if t in part.index else float("nan")
                if t in names:
                    row[f"p({t})"] = p
                    if statistics:
                        row[f"t({t})"] = float(part.loc[t, "statistic"]) if t in part.index else float("nan")
                if t == star:
                    row["stars"] = "*" * sum(p < x for x in lv) if np.isfinite(p) else ""
            rows.append(row)
    frame = pd.DataFrame(rows)
    frame = frame[["group", "window", "CAAR", "stars", "N", *[c for c in frame.columns if c.startswith(("p(", "t("))]]]
    marks = ", ".join(f"{'*' * (i + 1)} p < {x:g}" for i, x in enumerate(lv))
    note = (
        f"CAAR: mean CAR over the events of the window, in percent. Stars by the p-value of "
        f"{star}: {marks}. p(test): two-sided p-values as in res.tests (conventions there)."
    )
    return PaperTable(frame=frame, note=note, digits=digits)
