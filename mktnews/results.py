"""Results of an event study: tidy frames, a printable summary, export and plots.

:class:`EventStudyResults` is immutable: it is a frozen dataclass and every frame it
exposes is a copy, so changing a frame you got from it never changes the results (the
copies are pandas' copy-on-write copies: cheap to take, copied for real only when changed).

Frames
------
``events``
    The input events frame, one row per (article, instrument), plus ``group`` (named
    ``study_group`` when the input already has a column ``group`` it is not grouped by),
    ``study_event_id`` (the event it was counted in; <NA> when unused) and
    ``stat_status`` (``ok`` or why the row was not used: the alignment status, or
    ``no_price_row``, ``window_outside_data``, ``insufficient_estimation``,
    ``degenerate_estimation`` of its event).
``abnormal``
    Long, indexed by (``event_id``, ``rel``) for every used event and every relative day
    of the span ``min(a)..max(b)`` of the windows: ``date`` (``datetime`` intraday),
    ``ret``, ``market`` (benchmark return, NaN without one), ``normal``,
    ``ar``, ``sar`` (standardised AR ``ar / (s sqrt(C_t))``) and ``car``, the running
    sum of the ARs from the first day of the span (missing ARs add nothing; ``car`` is
    NaN on a day whose AR is missing).
``car``
    One row per used event and window: ``car``, ``bhar``, ``sd_car`` (with the
    coefficient-error term), ``scar = t = car / sd_car``, ``p`` (two-sided, Student's t
    with ``L - k`` dof), ``n_days`` (days with an AR), ``n_articles``. With an unsigned
    statistic (``abs_car``, ``var_ratio``, ``placebo_stat="abs_car"``) also ``abs_car``,
    ``abs_scar`` and ``sum_sar2`` (and ``abnormal`` gains ``abs_ar``, ``sar2``); with
    ``sign_col`` a ``sign`` column (the values stay unsigned; the aggregates use sign x AR).
``caar``
    Per group, window and relative day: ``aar`` (cross-sectional mean AR of the day),
    ``caar`` (mean over events of the CAR from the window's first day to this day),
    ``ci_low``/``ci_high`` (95% band, ``caar +- t_{0.975, n-1} sd / sqrt(n)`` over the
    events' cumulative ARs), ``n`` (events) and ``n_day`` (events with an AR that day).
``tests``
    ``group, window, test, statistic, p_value, n, convention`` (``window`` is the
    ``(a, b)`` tuple).
``params``
    Per event (all events that reached the model, with ``status``): ``alpha``, ``beta``
    (normal = alpha + beta R_m; fixed values for models that estimate none), ``mean``
    (mean estimation-window return), ``L``, ``s``, ``k``, ``n_articles``, ``article_ids``.
``placebo``
    The placebo draws: ``group, window, draw, caar`` (empty without ``placebo``), plus a
    column per other ``placebo_stat`` (``abs_car``: the draw's mean ``|CAR|``).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mktnews.errors import InvalidOptionError
from mktnews.export import write_frame
from mktnews.labels import label_windows
from mktnews.measures import measure_labels

if TYPE_CHECKING:
    from mktnews.spec import StudySpec

__all__ = [
    "CAAR_COLUMNS",
    "CAR_COLUMNS",
    "PARAMS_KEY_COLUMNS",
    "PLACEBO_COLUMNS",
    "TEST_COLUMNS",
    "EventStudyResults",
    "Summary",
    "params_key_columns",
]

CAR_COLUMNS: tuple[str, ...] = (
    "event_id", "group", "symbol", "t0", "n_articles", "window",
    "car", "bhar", "sd_car", "scar", "t", "p", "n_days",
)  # fmt: skip
CAAR_COLUMNS: tuple[str, ...] = (
    "group", "window", "rel", "aar", "caar", "ci_low", "ci_high", "n", "n_day",
)  # fmt: skip
TEST_COLUMNS: tuple[str, ...] = ("group", "window", "test", "statistic", "p_value", "n", "convention")
PLACEBO_COLUMNS: tuple[str, ...] = ("group", "window", "draw", "caar")
#: The columns that open ``params`` (one row per event), in this order.
PARAMS_KEY_COLUMNS: tuple[str, ...] = ("event_id", "group", "symbol", "t0", "n_articles", "article_ids")


def params_key_columns(table: Mapping[str, Any]) -> dict[str, Any]:
    """The opening columns of a ``params`` frame (:data:`PARAMS_KEY_COLUMNS`) from the
    events' table, followed by ``status``: the engine's and the clock's frames share them."""
    return {c: table[c] for c in PARAMS_KEY_COLUMNS}

_FRAMES = ("events", "abnormal", "car", "caar", "tests", "params", "placebo")


@dataclass(frozen=True, repr=False)
class EventStudyResults:
    """What :func:`mktnews.event_study` computed (see the module docstring for the frames).

    Attributes
    ----------
    options : mapping
        The options of the study (model, windows, estimation, benchmark, ...).
    info : mapping
        Counts: ``n_rows`` (event rows in), ``n_articles``, ``n_usable_rows`` (rows with
        alignment status ok), ``n_events`` (after collapsing), ``n_events_ok``,
        ``row_status`` and ``event_status`` (counts by status), ``groups``.
    spec : StudySpec or None
        The validated spec the study ran with (``EventStudy(x, spec=res.spec)`` reruns
        it, e.g. on other data).
    """

    _events: pd.DataFrame = field(repr=False)
    _abnormal: pd.DataFrame = field(repr=False)
    _car: pd.DataFrame = field(repr=False)
    _caar: pd.DataFrame = field(repr=False)
    _tests: pd.DataFrame = field(repr=False)
    _params: pd.DataFrame = field(repr=False)
    _placebo: pd.DataFrame = field(repr=False)
    options: Mapping[str, Any] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict)
    spec: StudySpec | None = field(default=None, repr=False, compare=False)
    _day0: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        # ``window`` cells equal both (-1, 1) and "(-1, 1)": see mktnews.labels
        for name in _FRAMES:
            object.__setattr__(self, f"_{name}", label_windows(getattr(self, f"_{name}")))

    # -- frames (copies) ------------------------------------------------------------
    @property
    def events(self) -> pd.DataFrame:
        """One row per (article, instrument) with ``group``, ``study_event_id``, ``stat_status``."""
        return self._events.copy(deep=False)

    @property
    def abnormal(self) -> pd.DataFrame:
        """Long abnormal returns indexed by (``event_id``, ``rel``)."""
        return self._abnormal.copy(deep=False)

    @property
    def car(self) -> pd.DataFrame:
        """Per event and window: CAR, BHAR, SCAR, t, p."""
        return self._car.copy(deep=False)

    @property
    def caar(self) -> pd.DataFrame:
        """Per group, window and relative day: AAR, CAAR and its confidence band."""
        return self._caar.copy(deep=False)

    @property
    def tests(self) -> pd.DataFrame:
        """Test statistics per group and window."""
        return self._tests.copy(deep=False)

    @property
    def params(self) -> pd.DataFrame:
        """Per event: model parameters, L, s, k, status."""
        return self._params.copy(deep=False)

    @property
    def placebo(self) -> pd.DataFrame:
        """Placebo draws (``group, window, draw, caar``)."""
        return self._placebo.copy(deep=False)

    @property
    def day0(self) -> pd.DataFrame:
        """Day 0 of every event used, split at the open: ``prev_close, open, close,
        overnight`` (previous close -> open), ``intraday`` (open -> close), ``total``,
        ``status`` (see :func:`mktnews.measures.day0_split`); empty for intraday bars."""
        if self._day0 is None:
            from mktnews.measures import DAY0_COLUMNS

            return pd.DataFrame(columns=list(DAY0_COLUMNS))
        return self._day0.copy(deep=False)

    def day0_summary(self) -> pd.DataFrame:
        """Per group: mean overnight / intraday / total day-0 return with its t and p (see
        :func:`mktnews.measures.day0_summary`)."""
        from mktnews.measures import day0_summary

        return day0_summary(self.day0)

    # -- convenience -------------------------------------------------------------------
    @property
    def windows(self) -> list[tuple[int, int]]:
        """The event windows."""
        return [(int(w[0]), int(w[1])) for w in self.options.get("windows", [])]

    @property
    def groups(self) -> list[str]:
        """Group labels with at least one event."""
        return list(self.info.get("groups", []))

    def summary(self) -> Summary:
        """A statsmodels-style summary (``print`` it, or display it in Jupyter)."""
        return Summary.from_results(self)

    def plot(self, kind: str = "caar", **kwargs: Any) -> Any:
        """Plot with :mod:`mktnews.plotting` (imported on first use).

        Parameters
        ----------
        kind : str, default "caar"
            Calls ``mktnews.plotting.plot_<kind>(self, **kwargs)``.

        Returns
        -------
        matplotlib Axes (whatever the plotting function returns)
        """
        import importlib

        plotting = importlib.import_module("mktnews.plotting")
        func = getattr(plotting, f"plot_{kind}", None) if isinstance(kind, str) else None
        if func is None:
            accepted = sorted(n[5:] for n in dir(plotting) if n.startswith("plot_"))
            raise InvalidOptionError("kind", kind, accepted)
        return func(self, **kwargs)

    # -- the cross-section and tables (mktnews.crosssection, mktnews.tables) ---------
    def regress(self, formula: str, *, window: tuple[int, int], **kwargs: Any) -> Any:
        """OLS of ``car``/``abs_car``/``scar``/``bhar`` on event or article columns;
        see :func:`mktnews.crosssection.regress`."""
        from mktnews.crosssection import regress

        return regress(self, formula, window=window, **kwargs)

    def compare(self, group_a: object, group_b: object, *, window: tuple[int, int], **kwargs: Any) -> pd.DataFrame:
        """Difference of CAARs of two groups (Welch t, Mann–Whitney); see
        :func:`mktnews.crosssection.compare`."""
        from mktnews.crosssection import compare

        return compare(self, group_a, group_b, window=window, **kwargs)

    def bhar_test(self, *, window: tuple[int, int]) -> pd.DataFrame:
        """Skewness-adjusted t of the mean BHAR; see :func:`mktnews.crosssection.bhar_test`."""
        from mktnews.crosssection import bhar_test

        return bhar_test(self, window=window)

    def bootstrap(self, *, window: tuple[int, int], draws: int = 1000, seed: int = 0, level: float = 0.95) -> pd.DataFrame:
        """Bootstrap intervals of CAAR and mean BHAR; see :func:`mktnews.crosssection.bootstrap`."""
        from mktnews.crosssection import bootstrap

        return bootstrap(self, window=window, draws=draws, seed=seed, level=level)

    def table(self, **kwargs: Any) -> Any:
        """CAAR per window with stars and p-values (LaTeX, Markdown, Excel); see
        :func:`mktnews.tables.caar_table`."""
        from mktnews.tables import caar_table

        return caar_table(self, **kwargs)

    # -- export --------------------------------------------------------------------
    def to_parquet(self, path: str | Path) -> Path:
        """Write every frame as ``<name>.parquet`` and the options as ``options.json``.

        Windows are written as two integer columns ``window_start``, ``window_end``;
        ``abnormal``'s index becomes columns.

        Returns
        -------
        Path
            The folder.
        """
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        for name in _FRAMES:  # the export convention of mktnews.export
            write_frame(getattr(self, f"_{name}"), folder / f"{name}.parquet")
        self._write_meta(folder)
        return folder

    def to_csv(self, path: str | Path) -> Path:
        """Write every frame as ``<name>.csv`` (UTF-8) and the options as ``options.json``.

        Windows become ``window_start``, ``window_end``; lists (``article_ids``) are
        written as JSON arrays.

        Returns
        -------
        Path
            The folder.
        """
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        for name in _FRAMES:  # the export convention of mktnews.export
            write_frame(getattr(self, f"_{name}"), folder / f"{name}.csv")
        self._write_meta(folder)
        return folder

    def _write_meta(self, folder: Path) -> None:
        meta = {"options": _plain(self.options), "info": _plain(self.info)}
        (folder / "options.json").write_text(
            json.dumps(meta, indent=2, default=_json_default), encoding="utf-8"
        )

    def __repr__(self) -> str:
        o = self.options
        return (
            f"EventStudyResults(model={o.get('model')!r}, events={self.info.get('n_events_ok')}"
            f"/{self.info.get('n_events')}, windows={list(o.get('windows', ()))}, "
            f"groups={len(self.groups)})"
        )

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    # -- pickling and copying ---------------------------------------------------------
    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle (and ``copy.deepcopy``) as the frames plus plain-dict options and info;
        the read-only mappings are rebuilt on load, so the copy is as immutable."""
        frames = tuple(getattr(self, f"_{name}") for name in _FRAMES)
        return (_rebuild, (frames, _thaw(self.options), _thaw(self.info), self.spec, self._day0))


def _measure_header(o: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The summary's ``Measure:`` line (none for returns, the default)."""
    name = o.get("measure")
    if not name or name == "returns":
        return []
    lab = measure_labels(name)
    text = f"{name} ({lab.label}; {lab.cumulative})"
    if name == "volatility":
        text += f", volatility_model={o.get('volatility_model')}"
    return [("Measure:", text)]


def _thaw(obj: object) -> object:
    """Read-only mappings (at any depth) as dicts: ``mappingproxy`` cannot be pickled."""
    if isinstance(obj, Mapping):
        return {k: _thaw(v) for k, v in obj.items()}
    return obj


def _freeze(obj: object) -> object:
    """Inverse of :func:`_thaw`: dicts (at any depth) as read-only mappings."""
    if isinstance(obj, dict):
        return MappingProxyType({k: _freeze(v) for k, v in obj.items()})
    return obj


def _rebuild(
    frames: tuple[pd.DataFrame, ...], options: object, info: object, spec: object = None,
    day0: pd.DataFrame | None = None,
) -> EventStudyResults:
    """Unpickle an :class:`EventStudyResults` (see ``__reduce__``)."""
    kwargs: dict[str, Any] = {f"_{name}": frame for name, frame in zip(_FRAMES, frames, strict=True)}
    return EventStudyResults(**kwargs, options=_freeze(options), info=_freeze(info), spec=spec, _day0=day0)  # type: ignore[arg-type]


def _plain(obj: object) -> object:
    """Mappings and tuples as JSON-ready dicts and lists."""
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (tuple, list)):
        return [_plain(v) for v in obj]
    return obj


def _json_default(obj: object) -> object:
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, tuple):
        return list(obj)
    return str(obj)


# ---------------------------------------------------------------------------------------
# summary


def _fmt(x: object, digits: int = 4) -> str:
    if x is None:
        return ""
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(v):
        return "nan"
    if v != 0 and (abs(v) < 1e-4 or abs(v) >= 1e6):
        return f"{v:.{digits}e}"
    return f"{v:.{digits}f}" if abs(v) < 1 else f"{v:.{max(digits - 1, 2)}f}"


def _estimation_text(o: Mapping[str, Any], est: Any) -> str:
    if o.get("window_unit") == "min":  # clock windows (mktnews.clock)
        return f"{o.get('estimation_days')} sessions of bars before the event's"
    return f"({est[0]}, {est[1]})" if est else "-"


def _axis_note(clock: bool) -> str:
    if clock:
        return ("Minutes from the anchor (publication, or the next open for news outside trading "
                "hours); windows cover the bars containing their edges (mktnews.clock).")
    return "Relative days are rows of each instrument's price data (gaps are skipped)."


def _minutes_as_rel(sel: pd.DataFrame) -> pd.DataFrame:
    """A clock study's CAAR rows in the summary's columns: minutes for rel, no AAR per day,
    every event at every minute."""
    return sel.assign(rel=sel["minutes"], aar=np.nan, n_day=sel["n"])


@dataclass(frozen=True)
class _Table:
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Summary:
    """Summary of an event study, as text (``str``/``as_text``) and HTML (Jupyter).

    Attributes
    ----------
    title : str
    header : tuple of (str, str) pairs
        The settings and counts block.
    tables : tuple
        Per group and window: the CAAR table and the tests table.
    notes : tuple of str
    """

    title: str
    header: tuple[tuple[str, str], ...]
    tables: tuple[_Table, ...]
    notes: tuple[str, ...]

    @classmethod
    def from_results(cls, res: EventStudyResults) -> Summary:
        """Build the summary of ``res``."""
        o, info = res.options, res.info
        clock = o.get("window_unit") == "min"  # clock windows (mktnews.clock): minutes
        unit = "min" if clock else ""
        windows = ", ".join(f"({a}{unit}, {b}{unit})" for a, b in o.get("windows", []))
        est = o.get("estimation")
        n_rows = info.get("n_rows", 0)
        n_use = info.get("n_usable_rows", 0)
        n_ev = info.get("n_events", 0)
        n_ok = info.get("n_events_ok", 0)
        row_status = {k: v for k, v in dict(info.get("row_status", {})).items() if k != "ok"}
        ev_status = {k: v for k, v in dict(info.get("event_status", {})).items() if k != "ok"}
        header: list[tuple[str, str]] = [
            *_measure_header(o),
            ("Model:", str(o.get("model"))),
            ("Benchmark:", str(o.get("benchmark") or "-")),
            ("Returns:", str(o.get("returns"))),
            ("Interval:", str(o.get("interval"))),
            ("Estimation window:", _estimation_text(o, est)),
            ("Min. estimation:", str(o.get("min_estimation"))),
            ("Event windows:", windows),
            ("Group by:", ", ".join(o.get("group_by") or []) or "-"),
            ("Event rows:", f"{n_rows} ({info.get('n_articles', 0)} articles)"),
            ("Aligned (ok):", str(n_use)),
            (
                "Collapsed:" if o.get("collapse") else "Collapse:",
                f"{n_use} article rows -> {n_ev} events" if o.get("collapse") else "off",
            ),
            ("Events used:", f"{n_ok} of {n_ev}"),
            (
                "Rows not aligned:",
                ", ".join(f"{k} {v}" for k, v in sorted(row_status.items())) or "none",
            ),
            (
                "Events dropped:",
                ", ".join(f"{k} {v}" for k, v in sorted(ev_status.items())) or "none",
            ),
        ]
        if info.get("n_benchmark_closed_days"):
            header.append(
                (
                    "Benchmark closed:",
                    f"{info['n_benchmark_closed_days']} event-window days of the events used "
                    "(its last close carried)",
                )
            )
        if o.get("placebo"):
            header.append(("Placebo draws:", f"{o.get('placebo')} (seed {o.get('seed')})"))
        caar, tests = res._caar, res._tests
        tables: list[_Table] = []
        for g in res.groups:
            for w in res.windows:
                sel = caar[(caar["group"] == g) & (caar["window"].map(lambda x, w=w: tuple(x) == w))]
                if sel.empty:
                    continue
                n = int(sel["n"].to_numpy(dtype=np.int64)[0])
                sel = _minutes_as_rel(sel) if clock else sel
                rows = tuple(
                    (f"{rel:+d}" if rel else "0", _fmt(a, 6), _fmt(c, 6), _fmt(lo, 6), _fmt(hi, 6), str(nd))
                    for rel, a, c, lo, hi, nd in zip(
                        sel["rel"].to_numpy(dtype=np.int64).tolist(),
                        sel["aar"].to_numpy(dtype=np.float64).tolist(),
                        sel["caar"].to_numpy(dtype=np.float64).tolist(),
                        sel["ci_low"].to_numpy(dtype=np.float64).tolist(),
                        sel["ci_high"].to_numpy(dtype=np.float64).tolist(),
                        sel["n_day"].to_numpy(dtype=np.int64).tolist(),
                        strict=True,
                    )
                )
                label = f"Group: {g}   Window: ({w[0]}{unit}, {w[1]}{unit})   N = {n}"
                tables.append(
                    _Table(label, ("minutes" if clock else "rel", "AAR", "CAAR", "CI low", "CI high", "n"), rows)
                )
                tsel = tests[(tests["group"] == g) & (tests["window"].map(lambda x, w=w: tuple(x) == w))]
                if not tsel.empty:
                    trows = tuple(
                        (str(t), _fmt(st), _fmt(pv), str(nn))
                        for t, st, pv, nn in zip(
                            tsel["test"].tolist(),
                            tsel["statistic"].to_numpy(dtype=np.float64).tolist(),
                            tsel["p_value"].to_numpy(dtype=np.float64).tolist(),
                            tsel["n"].to_numpy(dtype=np.int64).tolist(),
                            strict=True,
                        )
                    )
                    tables.append(_Table("", ("test", "statistic", "p-value", "N"), trows))
        notes = (
            f"CI: {round(100 * float(o.get('ci_level', 0.95)))}% cross-sectional band of the "
            "events' cumulative ARs (Student t, n - 1 dof).",
            _axis_note(clock),
            "Test conventions: results.tests['convention'].",
            *(str(x) for x in info.get("notes", ())),
        )
        lab = measure_labels(o.get("measure"))
        title = "Event study results" if lab.percent else f"Event study results: {lab.label} ({lab.cumulative})"
        if not lab.percent:
            notes = (f"Measure {lab.name}: AAR and CAAR are the mean {lab.label} and the mean "
                     f"{lab.cumulative} of the events (mktnews.measures).", *notes)
        return cls(title, tuple(header), tuple(tables), notes)

    # -- text -----------------------------------------------------------------------
    def as_text(self) -> str:
        """The summary as plain text."""
        width = 78
        lines = [self.title.center(width), "=" * width]
        half = (len(self.header) + 1) // 2
        left, right = self.header[:half], self.header[half:]
        for i in range(half):
            l_k, l_v = left[i]
            cell = f"{l_k:<20}{l_v:<19}"
            if i < len(right):
                r_k, r_v = right[i]
                if len(l_v) > 18:  # a long value keeps its own line
                    lines.append(cell.rstrip())
                    cell = " " * 39
                cell = cell + f"{r_k:<20}{r_v}"
            lines.append(cell.rstrip())
        lines.append("=" * width)
        for t in self.tables:
            if t.title:
                lines.append(t.title)
                lines.append("-" * width)
            widths = [
                max(len(h), *(len(r[i]) for r in t.rows)) if t.rows else len(h)
                for i, h in enumerate(t.header)
            ]
            widths = [max(w, 10) for w in widths]
            lines.append("".join(h.rjust(w + 2) for h, w in zip(t.header, widths, strict=True)))
            for r in t.rows:
                lines.append("".join(c.rjust(w + 2) for c, w in zip(r, widths, strict=True)))
            lines.append("-" * width if not t.title else "")
        lines.append("=" * width)
        lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    # -- html -----------------------------------------------------------------------
    def as_html(self) -> str:
        """The summary as an HTML fragment."""
        esc = html.escape
        parts = [f"<div class='mktnews-summary'><h4>{esc(self.title)}</h4>"]
        parts.append("<table class='simpletable'>")
        half = (len(self.header) + 1) // 2
        left, right = self.header[:half], self.header[half:]
        for i in range(half):
            cells = f"<th>{esc(left[i][0])}</th><td>{esc(left[i][1])}</td>"
            if i < len(right):
                cells += f"<th>{esc(right[i][0])}</th><td>{esc(right[i][1])}</td>"
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
        for t in self.tables:
            cap = f"<caption>{esc(t.title)}</caption>" if t.title else ""
            head = "".join(f"<th>{esc(h)}</th>" for h in t.header)
            body = "".join(
                "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in t.rows
            )
            parts.append(f"<table class='simpletable'>{cap}<tr>{head}</tr>{body}</table>")
        parts.append("".join(f"<p><small>Note: {esc(n)}</small></p>" for n in self.notes))
        parts.append("</div>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.as_html()
