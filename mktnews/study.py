"""The event study: from aligned events (or a corpus) to :class:`EventStudyResults`.

:func:`event_study` and :class:`EventStudy` string the steps together:

1. events: a :class:`~mktnews.articles.Corpus` is aligned with
   :func:`mktnews.events.align_events`; an events frame is used as it is;
2. clustering: articles about the same instrument and day 0 become one event
   (``collapse=True``), within each group of ``group_by``;
3. prices of every instrument (and the benchmark) are loaded once;
4. windows are gathered for all events at once (:class:`~mktnews.windows.ReturnPanel`),
   the normal-return model is fitted for all events at once
   (:func:`~mktnews.models.fit_model`), and abnormal returns, CARs, BHARs and their
   standardised forms follow as array arithmetic;
5. per group and window: AAR, CAAR with a cross-sectional confidence band, and the test
   battery of :mod:`mktnews.inference` (plus the placebo test computed here).

Conventions
-----------
- Relative day ``d`` is the row ``d`` positions from day 0 in the instrument's price data
  (sessions, or bars intraday, that the data has; gaps are skipped, not filled).
- Returns are close to close, simple or log. The benchmark's closes are taken on the
  instrument's own dates (exact match) and its return covers the same interval as the
  instrument's. Where the benchmark lacks a date the instrument has (a holiday of its
  exchange): in the estimation window that day and the next drop out of the fit (``L``
  counts the days used); in the event span the benchmark's last close is carried, so the
  day's market return is 0 and the next common day's covers the whole gap (no AR is lost;
  ``params.n_benchmark_closed`` and ``info["n_benchmark_closed_days"]`` count such days).
- An event is used (``stat_status == "ok"``) when its day 0 is a row of the data, every
  day of the event span ``min(a)..max(b)`` is a row of the data, its estimation window
  has at least ``min_estimation`` usable returns, the fit is not degenerate (``s`` above
  ``DEGENERATE_RTOL`` = 1e-8 times the estimation returns' root mean square; market
  model: the benchmark varies) and every day of its windows has an AR. Other events keep
  their rows in ``events`` with the reason: ``no_price_row``, ``window_outside_data``,
  ``insufficient_estimation``, ``degenerate_estimation``, ``incomplete_window`` (a
  missing return inside a window; ``params.n_window_days`` says how many window days it
  has) (and every alignment status other than ``ok`` is carried through). Every
  cross-sectional number (CAAR, band, tests, placebo) uses the same ``ok`` events.
- ``t`` of an event's CAR is ``SCAR = CAR / sd(CAR)`` (variance with the coefficient
  error term, see :mod:`mktnews.models`); its p-value is two-sided from Student's t with
  ``L - k`` degrees of freedom (``k = 0`` for ``raw`` and ``market_adjusted``).
- BHAR over a window: ``prod(1 + R_t) - prod(1 + normal_t)`` over the days with an AR for
  simple returns; ``exp(sum R_t) - exp(sum normal_t)`` for log returns.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mktnews import linear_models
from mktnews.clock import run_clock
from mktnews.dispatch import frame_backend
from mktnews.errors import (
    ConfigurationError,
    InvalidOptionError,
    PriceDataError,
    StudyError,
    StudyWarning,
)
from mktnews.histories import load_histories
from mktnews.inference import placebo_draws, placebo_result, placebo_statistic
from mktnews.instruments import resolve_symbols
from mktnews.measures import (
    MEASURE_STATUSES,
    VOLATILITY_TESTS,
    Measure,
    day0_split,
    finish_measure,
    get_measure,
    kernel_inputs,
    volatility_car_p,
    volatility_tests,
)
from mktnews.models import ModelFit, fit_model, needs_benchmark, registered_model
from mktnews.prices.base import PriceSource, load_prices, validate_bars
from mktnews.prices.blocks import PriceBlocks
from mktnews.results import EventStudyResults, params_key_columns
from mktnews.spec import (
    CI_LEVEL,
    DEFAULT_OPTIONS,
    Benchmark,
    BenchmarkSpec,
    StudySpec,
    benchmark_label,
    document_options,
    needs_estimation,
    spec_options,
    validate_spec,
)
from mktnews.unsigned import SIGN_STATUSES, event_signs, sign_values, wants_magnitudes
from mktnews.vocab import (
    BAR_NS,
    INTRADAY_INTERVALS,
    Interval,
    ModelName,
    RankPeriod,
    ReturnType,
)
from mktnews.windows import EventWindow, ReturnPanel

if TYPE_CHECKING:
    from mktnews.articles import Corpus

__all__ = ["STAT_STATUSES", "EventStudy", "event_study"]

#: Event-level statuses the engine adds to the alignment statuses.
STAT_STATUSES: tuple[str, ...] = (
    "ok",
    "no_price_row",
    "window_outside_data",
    "insufficient_estimation",
    "degenerate_estimation",
    "incomplete_window",
    "missing_factors",
    *MEASURE_STATUSES,
    *SIGN_STATUSES,
)

#: Columns an events frame must have.
REQUIRED_EVENT_COLUMNS: tuple[str, ...] = ("event_id", "article_id", "symbol", "t0", "status")

#: Placebo sessions come from this far before the first / after the last event of an
#: instrument (as far as the data reaches).
PLACEBO_MARGIN_DAILY = pd.Timedelta(days=365)
PLACEBO_MARGIN_INTRADAY = pd.Timedelta(days=30)

# Elements per chunk of the placebo kernel (events x days), bounds memory use.
_PLACEBO_CHUNK = 4_000_000

# ---------------------------------------------------------------------------------------
# the estimator


class EventStudy:
    """An event study, configured once and computed with :meth:`fit`.

    Parameters
    ----------
    corpus_or_events : Corpus or DataFrame
        As for :func:`event_study`.
    source : PriceSource, optional
        As for :func:`event_study`.
    spec : StudySpec, optional
        A validated spec (:func:`mktnews.validate_spec`, or ``results.spec`` of an earlier
        study) instead of keyword options.
    **options
        The options of :func:`event_study` (defaults in
        :data:`mktnews.spec.DEFAULT_OPTIONS`); they are validated on construction
        (nothing is loaded until :meth:`fit`).
    """

    def __init__(
        self,
        corpus_or_events: Corpus | pd.DataFrame,
        *,
        source: PriceSource | None = None,
        spec: StudySpec | None = None,
        **options: Any,
    ) -> None:
        if spec is not None and options:
            raise ConfigurationError(
                f"EventStudy got spec= and options {sorted(options)}: pass one or the other"
            )
        if spec is not None and not isinstance(spec, StudySpec):
            raise InvalidOptionError(
                "spec", type(spec).__name__, reason="expected a StudySpec (mktnews.validate_spec)"
            )
        self._spec = spec if spec is not None else validate_spec(**options)
        from mktnews.articles import Corpus

        if not isinstance(corpus_or_events, (Corpus, pd.DataFrame)) and frame_backend(
            corpus_or_events
        ) is None:
            raise InvalidOptionError(
                "corpus_or_events",
                type(corpus_or_events).__name__,
                reason="expected a Corpus (mktnews.read_articles) or an events frame "
                "(mktnews.align_events)",
            )
        if source is not None and not callable(getattr(source, "fetch", None)):
            raise InvalidOptionError(
                "source",
                type(source).__name__,
                reason="expected a PriceSource (an object with fetch(symbol, start, end, "
                "interval)), e.g. mktnews.FileSource(folder) or mktnews.FrameSource({...})",
            )
        self._input = corpus_or_events
        self._source = source

    def __repr__(self) -> str:
        o = spec_options(self._spec)
        kind = "events" if isinstance(self._input, pd.DataFrame) else "corpus"
        return (
            f"EventStudy({kind} of {len(self._input)} rows, model={o['model']!r}, "
            f"windows={o['windows']}, estimation={o['estimation']})"
        )

    @property
    def options(self) -> Mapping[str, object]:
        """The validated options."""
        return MappingProxyType(spec_options(self._spec))

    @property
    def spec(self) -> StudySpec:
        """The validated, frozen spec."""
        return self._spec

    def fit(self) -> EventStudyResults:
        """Compute the study.

        Returns
        -------
        EventStudyResults

        Raises
        ------
        StudyError
            When no event can be used (the message counts the reasons).
        ConfigurationError
            When the benchmark is one of the event instruments, or the events were aligned
            at another interval.
        PriceDataError
            When prices cannot be loaded.
        """
        backend = frame_backend(self._input)
        if backend is not None:  # a Dask frame: see mktnews.dispatch, mktnews.daskpath
            return backend.fit(self._spec, self._input, self._source)
        return run_study(self._spec, self._input, self._source)


_STATUS_HINTS = {
    "no_publication_time": "articles need a publication time: read_articles(..., time_col=... "
    "or published_at=...), `mktnews study --published-at CSV`; date_articles() proposes dates "
    "for undated pages",
    "unknown_instrument": "register the printed names with mktnews.register_instrument()",
    "no_data": "the price source could not answer (see events.attrs['price_errors'])",
    "outside_data": "publication falls outside the price data's range",
    "outside_calendar": "publication falls before the first session of the instrument's exchange "
    "calendar (exchange_calendars' history starts there); day 0 cannot be placed",
}


def no_event_message(counts: Mapping[str, int]) -> str:
    """The message of the :class:`StudyError` raised when no event is usable: the rows'
    statuses with their counts, and what to do about the commonest causes."""
    listed = ", ".join(f"{k}: {v}" for k, v in counts.items()) or "the events frame is empty"
    hints = [h for k, h in _STATUS_HINTS.items() if counts.get(k)]
    tail = ("; " + "; ".join(hints)) if hints else ""
    return f"no event can be used: no row has status 'ok' with a symbol and t0 ({listed}){tail}"


_D = DEFAULT_OPTIONS


@document_options  # the options' entries of Parameters, from mktnews.spec.OPTION_DOCS
def event_study(
    corpus_or_events: Corpus | pd.DataFrame,
    *,
    source: PriceSource | None = None,
    windows: object = _D["windows"],
    estimation: tuple[int, int] = _D["estimation"],  # type: ignore[assignment]
    model: ModelName = _D["model"],  # type: ignore[assignment]
    benchmark: BenchmarkSpec = _D["benchmark"],  # type: ignore[assignment]
    returns: ReturnType = _D["returns"],  # type: ignore[assignment]
    collapse: bool = _D["collapse"],  # type: ignore[assignment]
    group_by: str | Sequence[str] | None = _D["group_by"],  # type: ignore[assignment]
    tests: str | Sequence[str] | None = _D["tests"],  # type: ignore[assignment]
    placebo: int = _D["placebo"],  # type: ignore[assignment]
    interval: Interval = _D["interval"],  # type: ignore[assignment]
    min_estimation: int = _D["min_estimation"],  # type: ignore[assignment]
    seed: int | np.random.Generator | None = _D["seed"],  # type: ignore[assignment]
    rank_period: RankPeriod = _D["rank_period"],  # type: ignore[assignment]
    factors: pd.DataFrame | None = _D["factors"],  # type: ignore[assignment]
    regressors: Sequence[str] | None = _D["regressors"],  # type: ignore[assignment]
    estimation_days: int | None = _D["estimation_days"],  # type: ignore[assignment]
    measure: str = _D["measure"],  # type: ignore[assignment]
    volatility_model: str = _D["volatility_model"],  # type: ignore[assignment]
    sign_col: str | None = _D["sign_col"],  # type: ignore[assignment]
    placebo_stat: str | Sequence[str] = _D["placebo_stat"],  # type: ignore[assignment]
) -> EventStudyResults:
    """Run an event study on news events.

    Parameters
    ----------
    corpus_or_events : Corpus or DataFrame
        Articles (aligned here with :func:`mktnews.events.align_events`) or an events
        frame as ``align_events`` returns it (one row per article and instrument with
        ``event_id, article_id, symbol, t0, status``; extra columns may be grouped on).
    source : PriceSource, optional
        Where prices come from (default :func:`mktnews.default_source`).
    {options}

    Returns
    -------
    EventStudyResults

    Notes
    -----
    Placebo test: each draw moves the events of a group that share a day 0 (a calendar
    cluster) together to one random session (bar) that all their instruments have, so the
    draws keep the events' cross-sectional dependence; clusters get different sessions on
    each instrument; no drawn session lies within the event span of an article's day 0 on
    that instrument (a cluster whose instruments share no such session is split per
    instrument, with a ``StudyWarning`` and a note in the summary). Sessions come from the
    instrument's data between about one year (intraday: 30 days) before its first event
    and after its last, such that the whole estimation window and event span lie in the data. The same kernel
    computes the placebo events' CARs; draws whose events fail ``min_estimation`` leave
    them out of that draw's CAAR. The statistic is the percentile (0-100) of the actual
    CAAR among the draws, ``100 * #(placebo <= actual) / N``; the two-sided p-value is
    ``min(1, 2 * min(1 + #(placebo <= actual), 1 + #(placebo >= actual)) / (N + 1))``.
    The draws are in ``results.placebo``.
    """
    return EventStudy(
        corpus_or_events,
        source=source,
        windows=windows,
        estimation=estimation,
        model=model,
        benchmark=benchmark,
        returns=returns,
        collapse=collapse,
        group_by=group_by,
        tests=tests,
        placebo=placebo,
        interval=interval,
        min_estimation=min_estimation,
        seed=seed,
        rank_period=rank_period,
        factors=factors,
        regressors=regressors,
        estimation_days=estimation_days,
        measure=measure,
        volatility_model=volatility_model,
        sign_col=sign_col,
        placebo_stat=placebo_stat,
    ).fit()



# ---------------------------------------------------------------------------------------
# events


def study_events_frame(obj: Corpus | pd.DataFrame, spec: StudySpec, source: PriceSource | None) -> pd.DataFrame:
    if isinstance(obj, pd.DataFrame):
        events = obj
    else:
        from mktnews.events import align_events

        events = align_events(obj, source=source, interval=spec.interval)
    missing = [c for c in REQUIRED_EVENT_COLUMNS if c not in events.columns]
    if missing:
        raise InvalidOptionError(
            "corpus_or_events",
            "DataFrame",
            reason=f"the events frame lacks the column(s) {missing}; build it with "
            "mktnews.align_events (columns event_id, article_id, symbol, t0, status)",
        )
    ev_interval = events.attrs.get("interval")
    if ev_interval is not None and ev_interval != spec.interval:
        raise ConfigurationError(
            f"the events were aligned to {ev_interval!r} bars but interval={spec.interval!r}; "
            f"pass interval={ev_interval!r}"
        )
    ids = events["event_id"]
    if ids.array.isna().any():
        row = int(np.flatnonzero(ids.isna().to_numpy())[0])
        raise InvalidOptionError("corpus_or_events", "DataFrame", reason=f"row {row} has no event_id")
    dup = np.zeros(0, dtype=bool) if ids.is_unique else ids.duplicated(keep=False).to_numpy()
    if dup.any():
        rows = np.flatnonzero(dup)[:2]
        raise InvalidOptionError(
            "corpus_or_events",
            "DataFrame",
            reason=f"event_id {ids.iloc[rows[0]]!r} is duplicated (rows {rows[0]} and {rows[1]})",
        )
    t0 = events["t0"]
    if not isinstance(t0.dtype, (pd.DatetimeTZDtype, np.dtype)) or t0.dtype.kind not in "M":
        raise InvalidOptionError(
            "corpus_or_events", "DataFrame", reason=f"column t0 has dtype {t0.dtype}, not datetime64"
        )
    tz = getattr(t0.dtype, "tz", None)
    if spec.intraday and tz is None:
        raise ConfigurationError(
            f"interval={spec.interval!r} needs t0 as tz-aware bar starts; the events' t0 is tz-naive"
        )
    if not spec.intraday and tz is not None:
        raise ConfigurationError(
            "daily events need t0 as tz-naive session dates; the events' t0 is tz-aware "
            "(were they aligned to intraday bars?)"
        )
    if spec.group_by is not None:
        absent = [g for g in spec.group_by if g not in events.columns]
        if absent:
            raise InvalidOptionError(
                "group_by", spec.group_by if len(spec.group_by) > 1 else spec.group_by[0],
                list(events.columns),
            )
    out = events.copy(deep=False)  # copy-on-write: the caller's frame stays apart
    out.attrs = dict(events.attrs)
    return out


_NAT = np.iinfo(np.int64).min


def t0_ns(t0: pd.Series, intraday: bool) -> np.ndarray:
    idx = pd.DatetimeIndex(t0)
    if intraday:
        idx = idx.tz_convert("UTC")
    idx = idx.as_unit("ns")
    out = idx.asi8.copy()
    out[idx.isna()] = np.iinfo(np.int64).min
    return out


def group_labels(events: pd.DataFrame, group_by: tuple[str, ...] | None) -> pd.Series:
    if group_by is None:
        import pyarrow as pa

        every = pa.repeat(pa.scalar("all", pa.large_string()), len(events))
        return pd.Series(pd.array(every, dtype="str"), index=events.index, copy=False)
    parts = []
    for col in group_by:
        s = events[col].astype("str")
        parts.append(s.fillna("<NA>").astype("str"))
    lab = parts[0]
    for p in parts[1:]:
        lab = lab.str.cat(p, sep=" | ")
    return lab.astype("str")


@dataclass(frozen=True)
class _Clusters:
    """Study events (one per cluster) and the map from article rows to them."""

    # event_id, group, symbol (str arrays), t0_ns (int64), t0 (DatetimeArray), n_articles
    # (int64), article_ids (Arrow list array), one value per study event
    columns: Mapping[str, Any]
    row_event: np.ndarray  # per events-frame row: index into the events, -1 when not used

    @property
    def n_events(self) -> int:
        """Number of study events."""
        return len(self.columns["t0_ns"])

    @property
    def table(self) -> pd.DataFrame:
        """The study events as a frame (columns as in ``columns``)."""
        return pd.DataFrame(dict(self.columns), copy=False)


def _first_appearance_codes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Codes of the distinct pairs ``(a[i], b[i])``, numbered in order of first appearance."""
    n = len(a)
    order = np.lexsort((np.arange(n), b, a))  # by a, then b, then position
    sa, sb = a[order], b[order]
    new = np.ones(n, dtype=bool)
    new[1:] = (sa[1:] != sa[:-1]) | (sb[1:] != sb[:-1])
    gid = np.cumsum(new) - 1  # group id in sorted order
    first = order[new]  # first position of each group
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    code = np.empty(n, dtype=np.int64)
    code[order] = rank[gid]
    return code


def _str(s: pd.Series) -> pd.Series:
    """The Series with pandas' ``str`` dtype (itself when it has it already)."""
    return s if s.dtype == "str" else s.astype("str")


def _take(values: Any, rows: np.ndarray, n: int) -> Any:
    """``values.take(rows)``, or ``values`` itself when ``rows`` is ``0..n-1``."""
    return values if len(rows) == n else values.take(rows)


def cluster_events(events: pd.DataFrame, groups: pd.Series, t0ns: np.ndarray, spec: StudySpec) -> _Clusters:
    """One study event per (group, symbol, t0) with ``collapse``, else one per usable row.

    Vectorised: the clusters are found by factorising the keys and sorting the codes; the
    article ids of each event are an Arrow list column built from offsets.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n_rows = len(events)
    symbol_all = _str(events["symbol"]).array
    usable = (
        np.asarray(_str(events["status"]).array == "ok", dtype=bool)
        & ~np.asarray(symbol_all.isna(), dtype=bool)
        & (t0ns != _NAT)
    )
    rows = np.flatnonzero(usable)
    sym_rows = _take(symbol_all, rows, n_rows)
    grp_rows = _take(_str(groups).array, rows, n_rows)
    t0_rows = t0ns[rows]
    if spec.collapse and len(rows):
        g_code, _ = pd.factorize(grp_rows)
        s_code, s_uni = pd.factorize(sym_rows)
        pair = g_code.astype(np.int64) * max(len(s_uni), 1) + s_code
        code = _first_appearance_codes(pair, t0_rows)
    else:
        code = np.arange(len(rows), dtype=np.int64)
    n_ev = int(code.max()) + 1 if len(code) else 0
    order = np.argsort(code, kind="stable")
    bounds = np.flatnonzero(np.diff(code[order])) + 1
    starts = np.concatenate([[0], bounds]).astype(np.int64) if len(code) else np.zeros(0, np.int64)
    first = order[starts]  # first article row (corpus order) of each event
    counts = np.diff(np.concatenate([starts, [len(code)]])).astype(np.int64)
    art = _arrow(_str(events["article_id"]).array.take(rows[order]), pa.string())
    offsets = np.concatenate([starts, [len(code)]]).astype(np.int32)
    article_ids = pd.arrays.ArrowExtensionArray(pa.ListArray.from_arrays(pa.array(offsets), art))
    t0_ev = t0_rows[first]
    symbol = sym_rows.take(first)
    group = grp_rows.take(first)
    if spec.collapse:
        sym_pa = _arrow(symbol, pa.string())
        if spec.intraday:
            stamp = np.datetime_as_string(t0_ev.view("datetime64[ns]"), unit="s")
            stamp_pa = pa.array(np.char.add(stamp, "+00:00").tolist(), type=pa.string())
        else:
            days = pa.array(t0_ev.view("datetime64[ns]").astype("datetime64[D]"))
            stamp_pa = pc.cast(days, pa.string())
        eid_pa = pc.binary_join_element_wise(sym_pa, stamp_pa, "@")
        if spec.group_by is not None:
            eid_pa = pc.binary_join_element_wise(eid_pa, _arrow(group, pa.string()), "|")
        eid = pd.array(eid_pa, dtype="str")
    else:
        eid = _str(events["event_id"]).array.take(rows[first])
    columns = {
        "event_id": eid,
        "group": group,
        "symbol": symbol,
        "t0_ns": t0_ev,
        "t0": t0_index(t0_ev, spec.intraday).array,
        "n_articles": counts,
        "article_ids": article_ids,
    }
    row_event = np.full(n_rows, -1, dtype=np.int64)
    row_event[rows] = code
    assert len(t0_ev) == n_ev
    return _Clusters(columns=columns, row_event=row_event)


def _arrow(values: Any, type_: Any) -> Any:
    """A pandas string array as one pyarrow Array of ``type_``."""
    import pyarrow as pa

    arr = pa.array(values)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if arr.type == type_ else arr.cast(type_)


def t0_index(ns: np.ndarray, intraday: bool) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]"))
    return idx.tz_localize("UTC") if intraday else idx


# ---------------------------------------------------------------------------------------
# prices


def _bar_length(interval: str) -> pd.Timedelta:
    return pd.Timedelta(seconds=BAR_NS[interval] // 1_000_000_000)  # the one interval table


@functools.lru_cache(maxsize=64)
def _margins(
    interval: str, before: int, after: int, extra: pd.Timedelta
) -> tuple[pd.Timedelta, pd.Timedelta, pd.Timedelta]:
    """Calendar margins of :func:`_load_history`'s first request (before the first and
    after the last day 0, ``extra`` included) and its slack."""
    if interval in INTRADAY_INTERVALS:
        bar = _bar_length(interval)
        m_before = bar * before * 3 + pd.Timedelta(days=3)
        m_after = bar * after * 3 + pd.Timedelta(days=3)
        slack = pd.Timedelta(days=4)
    else:
        m_before = pd.Timedelta(days=math.ceil(before * 7 / 5 * 1.1) + 20)
        m_after = pd.Timedelta(days=math.ceil(after * 7 / 5 * 1.1) + 20)
        slack = pd.Timedelta(days=10)
    return m_before + extra, m_after + extra, slack


def _benchmark_series(
    b: Benchmark,
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    spec: StudySpec,
    source: PriceSource | None,
    cache: dict[str, pd.Series],
    measure: Measure | None = None,
) -> tuple[str, pd.Series]:
    """(label, closes) of one benchmark spec over [lo, hi] (the measure's series of the
    benchmark for a measure that does not read closes)."""
    if measure is not None and measure.benchmark_column != "close":
        from mktnews.measures import measure_benchmark

        return measure_benchmark(measure, b, lo, hi, spec.interval, source, cache)
    if isinstance(b, str):
        from mktnews.instruments import resolve_symbol

        sym = resolve_symbol(b)
        if sym not in cache:
            frame = load_prices(sym, lo, hi, interval=spec.interval, source=source)
            cache[sym] = frame["close"]
        return sym, cache[sym]
    if isinstance(b, pd.DataFrame):
        cols = {str(c).lower(): c for c in b.columns}
        ser = b[cols["close"]].astype("float64")
    else:
        ser = b.astype("float64")
    label = benchmark_label(b)
    _check_benchmark_closes(label, ser)
    return label, ser


def _check_benchmark_closes(label: str, closes: pd.Series) -> None:
    """Refuse a user benchmark with an infinite or non-positive close (a missing one, NaN,
    is a missing day): ``PriceDataError`` naming the benchmark, the date and the value.

    A 0 close would otherwise become a -100 % return and an ``inf`` one a -100 % return
    on the next day, silently moving the market model's beta."""
    validate_bars(closes, symbol=label, where=f"benchmark {label!r}")  # inf, non-numeric, <= 0
    # a benchmark's close must be positive even under a symbol allowed negative prices
    v = closes.to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = v <= 0
    if bad.any():
        i = np.flatnonzero(bad)
        first = closes.index[int(i[0])]
        raise PriceDataError(
            f"benchmark {label!r}: close {v[i[0]]!r} on {first} is not a positive finite price "
            f"({len(i)} such row(s)); fix or drop those rows (a missing close may be NaN)"
        )


# ---------------------------------------------------------------------------------------
# kernel


@dataclass(frozen=True)
class _Computed:
    fit: ModelFit  # fit.resid is (N, 0) unless the estimation residuals were kept
    est_keys: np.ndarray  # (N, Le) calendar keys of the estimation residuals (-1 where none); (N, 0) unless kept
    est_resid: np.ndarray  # (N, Le) estimation residuals (NaN where none); (N, 0) unless kept
    span_ret: np.ndarray  # (N, S)
    span_market: np.ndarray  # (N, S)
    span_keys: np.ndarray  # (N, S)
    span_stamps: np.ndarray  # (N, S)
    normal: np.ndarray  # (N, S)
    ar: np.ndarray  # (N, S)
    sd_ar: np.ndarray  # (N, S)
    status: np.ndarray  # (N,) object
    car: dict[EventWindow, np.ndarray]
    bhar: dict[EventWindow, np.ndarray]
    var_car: dict[EventWindow, np.ndarray]
    n_days: dict[EventWindow, np.ndarray]
    n_window_days: np.ndarray  # (N,) days of the windows (their union) with an AR
    n_bench_closed: np.ndarray  # (N,) window days the benchmark was closed (close carried)


# The kernel's event statuses by code (0 = "ok"), as an object array to index.
_STATUS_NAMES = np.array(
    [
        "ok", "no_price_row", "window_outside_data", "insufficient_estimation",
        "degenerate_estimation", "incomplete_window", "missing_factors",
    ],
    dtype=object,
)

# Events per pass of the kernel (bounds the temporaries: about this many x days cells).
_KERNEL_CELLS = 8_000_000

# Cells (events x estimation days) per block of the estimation-window fit. The fit's
# temporaries are then small enough to stay in cache and to be reused from one block to
# the next; one block over all events allocates (and page-faults in) several arrays of
# N x Le doubles, which cost more than the arithmetic.
_FIT_BLOCK_CELLS = 32_768


def _kernel(
    panel: ReturnPanel,
    inst: np.ndarray,
    pos: np.ndarray,
    spec: StudySpec,
    *,
    light: bool = False,
    keep_estimation: bool = False,
) -> _Computed:
    """Everything per event, for all events at once (in passes of bounded size).

    ``light`` (the placebo) computes what a CAR needs and leaves the rest empty;
    ``keep_estimation`` keeps the estimation-window residuals and their calendar keys
    (the tests that read them need them; otherwise they are (N, 0)).
    """
    width = spec.estimation.length + spec.span.length
    step = max(1, _KERNEL_CELLS // max(width, 1))
    if len(pos) <= step:
        return _kernel_pass(panel, inst, pos, spec, light, keep_estimation)
    parts = [
        _kernel_pass(panel, inst[a : a + step], pos[a : a + step], spec, light, keep_estimation)
        for a in range(0, len(pos), step)  # passes over blocks of events
    ]
    return _concat(parts)


def _concat(parts: list[_Computed]) -> _Computed:
    first = parts[0]
    joined: dict[str, Any] = {
        f.name: np.concatenate([getattr(p.fit, f.name) for p in parts])
        for f in dataclasses.fields(first.fit)
        if isinstance(getattr(first.fit, f.name), np.ndarray)
    }
    fit = dataclasses.replace(first.fit, **joined)
    arrays = {
        name: np.concatenate([getattr(p, name) for p in parts])
        for name in (
            "est_keys", "est_resid", "span_ret", "span_market", "span_keys", "span_stamps",
            "normal", "ar", "sd_ar", "status", "n_window_days", "n_bench_closed",
        )
    }  # fmt: skip
    per_window = {
        name: {w: np.concatenate([getattr(p, name)[w] for p in parts]) for w in getattr(first, name)}
        for name in ("car", "bhar", "var_car", "n_days")
    }
    return _Computed(fit=fit, **arrays, **per_window)  # type: ignore[arg-type]


def _fit_estimation(
    panel: ReturnPanel, inst: np.ndarray, pos: np.ndarray, spec: StudySpec, keep: bool
) -> tuple[ModelFit, np.ndarray, np.ndarray]:
    """The normal-return model on every event's estimation window, in blocks of events.

    Returns the fit (``resid`` (N, Le) when ``keep``, else (N, 0)), and, when ``keep``,
    the calendar keys of the residuals (-1 where there is none), else an (N, 0) array.
    An estimation window that lies wholly in the instrument's data is a run of
    consecutive panel rows: it is copied from a sliding-window view of the panel
    (no index arithmetic); the others go through :meth:`ReturnPanel.gather`.
    """
    from numpy.lib.stride_tricks import sliding_window_view

    user = registered_model(spec.model)
    if user is not None:  # a registered K-regressor model: batched OLS
        return linear_models.fit_estimation(user, panel, inst, pos, spec, keep)
    n = len(pos)
    est_w = spec.estimation
    rel = est_w.rel
    le = len(rel)
    uses_market = needs_benchmark(spec.model)
    rows = max(1, _FIT_BLOCK_CELLS // max(le, 1))
    resid = np.empty((n, le) if keep else (n, 0))
    keys = np.empty((n, le) if keep else (n, 0), dtype=np.int64)
    scratch = None if keep else np.empty((min(rows, n), le))
    # events whose estimation window is inside their instrument's rows
    valid = (inst >= 0) & (pos >= 0)
    j = np.where(valid, inst, 0)
    if len(panel.lengths):
        inside = valid & (pos + est_w.start >= 0) & (pos + est_w.end < panel.lengths[j])
        first_row = panel.starts[j] + pos + est_w.start
    else:
        inside = np.zeros(n, dtype=bool)
        first_row = np.zeros(n, dtype=np.int64)
    views = None
    if inside.any() and len(panel.ret) >= le:
        views = (
            sliding_window_view(panel.ret, le),
            sliding_window_view(panel.market, le) if uses_market else None,
            sliding_window_view(panel.keys, le) if keep else None,
        )
    names = [f.name for f in dataclasses.fields(ModelFit) if f.name not in ("model", "k", "resid")]
    vectors: dict[str, list[np.ndarray]] = {name: [] for name in names}
    fit: ModelFit | None = None
    for a in range(0, max(n, 1), rows):  # blocks of events (bounded temporaries)
        b = min(n, a + rows)
        if views is not None and inside[a:b].all():
            fr = first_row[a:b]
            ret = views[0][fr]
            market = views[1][fr] if views[1] is not None else None
            if views[2] is not None:
                keys[a:b] = views[2][fr]
        else:
            est = panel.gather(inst[a:b], pos[a:b], rel)
            ret = est.ret
            market = est.market if uses_market else None
            if keep:
                keys[a:b] = est.keys
        out = resid[a:b] if keep else (scratch[: b - a] if scratch is not None else None)
        fit = fit_model(spec.model, ret, market, out=out)
        for name in names:
            vectors[name].append(getattr(fit, name))
        if keep:
            np.copyto(keys[a:b], -1, where=~np.isfinite(fit.resid))
    assert fit is not None
    joined: dict[str, Any] = {name: np.concatenate(v) if len(v) > 1 else v[0] for name, v in vectors.items()}
    return dataclasses.replace(fit, resid=resid, **joined), keys, resid


def _kernel_pass(
    panel: ReturnPanel, inst: np.ndarray, pos: np.ndarray, spec: StudySpec, light: bool, keep: bool
) -> _Computed:
    span_w = spec.span
    span = panel.gather(inst, pos, span_w.rel)
    mkt, no_factors = span.market, np.zeros(len(pos), dtype=bool)
    fit: ModelFit
    if spec.factors is not None:  # factor models: the design replaces the benchmark
        from mktnews import factors

        fit, est_keys, est_resid = factors.fit_estimation(panel, inst, pos, spec, keep and not light)
        mkt, no_factors = factors.span_design(panel, span, fit)
    elif spec.model == "scholes_williams":
        from mktnews import altmodels

        fit, est_keys, est_resid = altmodels.fit_estimation(panel, inst, pos, spec, keep and not light)
    elif spec.model == "garch_market":
        from mktnews import altmodels

        fit, est_keys, est_resid = altmodels.fit_garch_estimation(panel, inst, pos, spec, keep and not light)
    else:  # the closed forms, or a registered K-regressor model
        fit, est_keys, est_resid = _fit_estimation(panel, inst, pos, spec, keep and not light)
    in_windows = _window_columns(spec)
    market = span.market
    n_closed = np.zeros(len(pos), dtype=np.int64)
    if spec.factors is None and needs_benchmark(spec.model) and panel.market_carried is not panel.market:
        # the benchmark closed while the instrument traded: its last close is carried
        # (market return 0 that day, the return over the gap on the next common day)
        carried = span.market_carried
        fill = ~np.isfinite(market) & np.isfinite(carried)
        if fill.any():
            market = np.where(fill, carried, market)
            n_closed = (span.bench_closed & in_windows).sum(axis=1)
        mkt = market
    if spec.model == "garch_market":
        mkt = altmodels.garch_design(fit, market, spec)
    mkt = linear_models.registered_span_design(spec.model, market, span.stamps, mkt)
    with np.errstate(invalid="ignore", divide="ignore"):
        normal = fit.normal(mkt, span.ret.shape)
        ar = span.ret - normal
        sd_ar = (
            np.empty((len(pos), 0))
            if light
            else fit.s[:, None] * np.sqrt(fit.prediction_factor(mkt))
        )
    degenerate = fit.degenerate()
    n_window_days = (np.isfinite(ar) & in_windows).sum(axis=1)
    incomplete = n_window_days < int(in_windows.sum())
    status = _STATUS_NAMES[
        np.select(
            [pos < 0, ~span.inside.all(axis=1), no_factors, spec.min_estimation > fit.L, degenerate, incomplete],
            [1, 2, 6, 3, 4, 5],
            default=0,
        )
    ]
    car, bhar, var_car, n_days = {}, {}, {}, {}
    for w in spec.windows:  # loop per window
        cols = slice(w.start - span_w.start, w.end - span_w.start + 1)
        a = ar[:, cols]
        used = np.isfinite(a)
        nd = used.sum(axis=1)
        car[w] = np.where(nd > 0, np.where(used, a, 0.0).sum(axis=1), np.nan)
        n_days[w] = nd
        if light:
            continue
        with np.errstate(invalid="ignore", over="ignore"):
            r = np.where(used, span.ret[:, cols], 0.0)
            nrm = np.where(used, normal[:, cols], 0.0)
            if spec.returns == "simple":
                bh = np.prod(1.0 + r, axis=1) - np.prod(1.0 + nrm, axis=1)
            else:
                bh = np.exp(r.sum(axis=1)) - np.exp(nrm.sum(axis=1))
            bhar[w] = np.where(nd > 0, bh, np.nan)
            var_car[w] = np.where(nd > 0, fit.car_variance(mkt[:, cols], used), np.nan)
    if light:
        empty = np.empty((len(pos), 0))
        return _Computed(
            fit, empty.astype(np.int64), empty, empty, empty, empty.astype(np.int64),
            empty.astype(np.int64), empty, empty, sd_ar, status, car, bhar, var_car, n_days,
            n_window_days, n_closed,
        )  # fmt: skip
    return _Computed(
        fit=fit,
        est_keys=est_keys,
        est_resid=est_resid,
        span_ret=span.ret,
        span_market=market,
        span_keys=span.keys,
        span_stamps=span.stamps,
        normal=normal,
        ar=ar,
        sd_ar=sd_ar,
        status=status,
        car=car,
        bhar=bhar,
        var_car=var_car,
        n_days=n_days,
        n_window_days=n_window_days,
        n_bench_closed=n_closed,
    )


def _window_columns(spec: StudySpec) -> np.ndarray:
    """(1, S) mask of the span's days that lie in at least one window."""
    mask = np.zeros((1, spec.span.length), dtype=bool)
    for w in spec.windows:  # loop per window
        mask[0, w.start - spec.span.start : w.end - spec.span.start + 1] = True
    return mask


# ---------------------------------------------------------------------------------------
# run


def run_study(spec: StudySpec, obj: Corpus | pd.DataFrame, source: PriceSource | None) -> EventStudyResults:
    """The study of ``obj`` under ``spec`` (the stages of :func:`event_study`).

    The events frame and its clusters; the prices and benchmarks (:func:`_study_prices`);
    the panel of the measure (:func:`_study_panel`); the kernel (fits, ARs, CARs), the
    measure's finish and the signs (:func:`_study_kernel`); the frames, the aggregate and
    the info (:func:`_study_frames`, :func:`_study_info`). Clock windows go to
    :func:`mktnews.clock.run_clock`.
    """
    events = study_events_frame(obj, spec, source)
    groups = group_labels(events, spec.group_by)
    if spec.clock:  # windows in clock time around publication: mktnews.clock
        return run_clock(spec, events, groups, source)
    t0ns = t0_ns(events["t0"], spec.intraday)
    clusters = cluster_events(events, groups, t0ns, spec)
    n_ev = clusters.n_events

    status_in = _str(events["status"]).fillna("<NA>")
    stat_in_list = status_in.tolist()
    if n_ev == 0:
        raise StudyError(no_event_message(dict(Counter(stat_in_list).most_common())))

    cols = clusters.columns
    measure = get_measure(spec.measure)
    signs = None if spec.sign_col is None else sign_values(events, spec.sign_col)  # checked now
    prices, bench_series, bench_label = _study_prices(spec, cols, events, source, measure)
    panel = _study_panel(spec, prices, bench_series, measure)
    inst, pos = panel.locate(cols["symbol"], cols["t0_ns"])
    run = _study_kernel(spec, panel, measure, inst, pos, signs, clusters)
    comp, ok = run.comp, run.comp.status == "ok"
    ev_out = _events_out(events, groups, clusters, comp, status_in, spec)
    event_status = Counter(comp.status.tolist()).most_common()
    if not ok.any():
        raise StudyError(
            f"none of the {n_ev} events can be used: "
            + ", ".join(f"{k}: {v}" for k, v in event_status)
            + f" (estimation window {spec.estimation}, min_estimation={spec.min_estimation}, "
            f"event span {spec.span})"
        )
    notes: list[str] = []
    frames = _study_frames(spec, cols, run, inst, pos, events, t0ns, notes)
    opts = spec_options(spec)
    opts["benchmark"] = bench_label
    info = _study_info(events, cols, clusters, comp, stat_in_list, event_status, notes)
    day0 = None if spec.intraday else day0_split(prices, cols, ok, spec.returns)
    params, abnormal, car, caar, tests, placebo = frames
    return EventStudyResults(
        _events=ev_out,
        _abnormal=abnormal,
        _car=car,
        _caar=caar,
        _tests=tests,
        _params=params,
        _placebo=placebo,
        options=MappingProxyType(opts),
        info=MappingProxyType(info),
        spec=spec,
        _day0=day0,
    )


def _study_prices(
    spec: StudySpec,
    cols: Mapping[str, Any],
    events: pd.DataFrame,
    source: PriceSource | None,
    measure: Any,
) -> tuple[PriceBlocks, dict[str, pd.Series | None] | None, str | None]:
    """Each instrument's history around its events (all at once, one
    :class:`~mktnews.prices.blocks.PriceBlocks`: see :func:`mktnews.histories.load_histories`),
    and its benchmark's series (None without a benchmark) with the benchmark label of the
    options."""
    sym_code, sym_uniq = pd.factorize(cols["symbol"])  # in order of first appearance
    symbols = [str(x) for x in sym_uniq.tolist()]
    bench_map = _benchmark_map(spec, symbols, events)
    before = max(-spec.estimation.start, -spec.span.start, 0) + 1
    after = max(spec.span.end, 0)
    extra = pd.Timedelta(0)
    if spec.placebo:
        extra = PLACEBO_MARGIN_INTRADAY if spec.intraday else PLACEBO_MARGIN_DAILY
    # first and last day 0 of each instrument (codes follow the order of `symbols`)
    t0_ev = cols["t0_ns"]
    t_first = np.full(len(symbols), np.iinfo(np.int64).max)
    t_last = np.full(len(symbols), np.iinfo(np.int64).min)
    np.minimum.at(t_first, sym_code, t0_ev)
    np.maximum.at(t_last, sym_code, t0_ev)
    m_before, m_after, slack = _margins(spec.interval, before, after, extra)
    prices = load_histories(
        symbols, resolve_symbols(symbols), t_first, t_last, (before, after),
        (m_before.value, m_after.value, slack.value), interval=spec.interval, source=source,
    )  # fmt: skip
    if bench_map is None:
        return prices, None, None
    bench_series, bench_label = _study_benchmarks(spec, prices, bench_map, source, measure)
    return prices, bench_series, bench_label


def _study_benchmarks(
    spec: StudySpec,
    prices: PriceBlocks,
    bench_map: dict[str, Benchmark],
    source: PriceSource | None,
    measure: Any,
) -> tuple[dict[str, pd.Series | None], str]:
    """The benchmark series of each instrument (None for one without rows), over one range
    for every benchmark (the union of the instruments' loaded rows), and the label."""
    bench_series: dict[str, pd.Series | None] = {}
    cache: dict[str, pd.Series] = {}
    labels = []
    n = prices.lengths
    has = n > 0
    lo = hi = None
    if has.any():
        tz = "UTC" if spec.intraday else None
        lo = pd.Timestamp(int(prices.stamps[prices.starts[has]].min()), tz=tz)
        hi = pd.Timestamp(int(prices.stamps[(prices.starts + n - 1)[has]].max()), tz=tz)
        if spec.intraday:
            hi = hi + _bar_length(spec.interval)  # intraday ranges exclude their end
    done: dict[object, tuple[str, pd.Series]] = {}  # per benchmark: loaded once
    for sym, rows in zip(prices.symbols, has.tolist(), strict=True):  # per instrument: look-ups
        if not rows or lo is None or hi is None:
            bench_series[sym] = None
            continue
        b = bench_map[sym]
        key = b if isinstance(b, str) else id(b)
        if key not in done:
            done[key] = _benchmark_series(b, lo, hi, spec, source, cache, measure)
        lab, ser = done[key]
        if lab == sym:
            raise ConfigurationError(
                f"the benchmark of {sym!r} is {sym!r} itself: a {spec.model} of an instrument "
                "on itself is refused; choose another benchmark (a broader index) or drop "
                "these events"
            )
        bench_series[sym] = ser
        labels.append(lab)
    bench_label = ", ".join(dict.fromkeys(labels)) if labels else benchmark_label(spec.benchmark)
    return bench_series, bench_label


def _study_panel(
    spec: StudySpec,
    prices: Mapping[str, pd.DataFrame],
    bench_series: dict[str, pd.Series | None] | None,
    measure: Any,
) -> ReturnPanel:
    """The panel of the studied series (returns, or the measure's), with the factors."""
    if spec.measure == "returns":
        panel = ReturnPanel.from_prices(
            prices, returns=spec.returns, benchmark=bench_series, interval=spec.interval
        )
    else:  # the measure's series (mktnews.measures)
        panel = measure.panel(prices, returns=spec.returns, benchmark=bench_series, interval=spec.interval)
    if spec.factors is not None:
        from mktnews.factors import FactorPanel

        panel = FactorPanel.attach(panel, spec.factors, spec.regressors or ())
    return panel


@dataclass(frozen=True)
class _KernelRun:
    """What the kernel stage gives the frames: the computed events (signs applied to the
    statuses), the spec and panel the kernel ran on, the measure's extra columns and the
    events' signs (None without ``sign_col``)."""

    comp: _Computed
    kspec: StudySpec
    kpanel: ReturnPanel
    measure_params: dict[str, np.ndarray]
    measure_abnormal: dict[str, np.ndarray]
    sign: np.ndarray | None


def _study_kernel(
    spec: StudySpec,
    panel: ReturnPanel,
    measure: Any,
    inst: np.ndarray,
    pos: np.ndarray,
    signs: Any,
    clusters: Any,
) -> _KernelRun:
    """Fits, ARs and CARs of every event (the measure may adapt the panel and spec and
    finish the values); events without a usable sign get a status."""
    kspec, kpanel = spec, panel  # what the kernel runs on (a measure may adapt them)
    if spec.measure != "returns":
        kpanel, kspec = kernel_inputs(measure, panel, spec)
    battery = tuple(t for t in spec.tests if t not in VOLATILITY_TESTS)  # the measure's own aside
    comp = _kernel(kpanel, inst, pos, kspec, keep_estimation=needs_estimation(battery))
    measure_params: dict[str, np.ndarray] = {}
    measure_abnormal: dict[str, np.ndarray] = {}
    if spec.measure != "returns":
        comp, measure_params, measure_abnormal = finish_measure(measure, comp, panel, inst, pos, spec)
    sign = None
    if signs is not None:  # events without a usable sign get a status
        sign, sign_status = event_signs(signs, clusters.row_event, clusters.n_events)
        status = comp.status.copy()
        unsigned = (status == "ok") & (sign_status != "")
        status[unsigned] = sign_status[unsigned]
        comp = dataclasses.replace(comp, status=status)
    return _KernelRun(comp, kspec, kpanel, measure_params, measure_abnormal, sign)


def _events_out(
    events: pd.DataFrame,
    groups: pd.Series,
    clusters: Any,
    comp: _Computed,
    status_in: pd.Series,
    spec: StudySpec,
) -> pd.DataFrame:
    """The events frame with the group, the study event id and the study status (a
    shallow copy: pandas' copy-on-write keeps the caller's frame and this one apart)."""
    ev_out = events.copy(deep=False)
    # the group label column; a user column already named "group" is kept as it is
    gcol = "group" if "group" not in ev_out.columns or spec.group_by == ("group",) else "study_group"
    ev_out[gcol] = _str(groups).array
    rev = clusters.row_event
    ev_out["study_event_id"] = clusters.columns["event_id"].take(rev, allow_fill=True)
    stat = np.where(rev >= 0, comp.status[np.maximum(rev, 0)], status_in.to_numpy(dtype=object))
    ev_out["stat_status"] = pd.array(stat, dtype="str")
    return ev_out


def _study_frames(
    spec: StudySpec,
    cols: Mapping[str, Any],
    run: _KernelRun,
    inst: np.ndarray,
    pos: np.ndarray,
    events: pd.DataFrame,
    t0ns: np.ndarray,
    notes: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """params, abnormal, car, caar, tests and placebo frames (notes appended to ``notes``)."""
    comp, sign = run.comp, run.sign
    ok = comp.status == "ok"
    params = _params_frame(cols, comp, spec)
    if spec.factors is not None or registered_model(spec.model) is not None:
        from mktnews.factors import loadings_frame

        params = params.assign(**loadings_frame(comp.fit))
    if spec.model in ("scholes_williams", "garch_market"):
        from mktnews.altmodels import sw_params

        params = params.assign(**sw_params(comp.fit))
    abnormal = _abnormal_frame(cols, comp, spec, ok)
    car = _car_frame(cols, comp, spec, ok)
    abnormal, car, params = _unsigned_columns(abnormal, car, params, comp, spec, ok, sign)
    caar, tests, placebo = _aggregate(
        cols, _signed(comp, sign), run.kspec, ok, run.kpanel, inst, pos, events, t0ns, notes, sign
    )
    if spec.measure != "returns":
        params = params.assign(**run.measure_params)
        abnormal = abnormal.assign(**{k: v[ok].ravel() for k, v in run.measure_abnormal.items()})
        if spec.measure == "volatility":
            car = volatility_car_p(car)
            vol_tests = volatility_tests(car, spec)
            if len(vol_tests):
                tests = pd.concat([tests, vol_tests.astype(tests.dtypes.to_dict())], ignore_index=True)
    return params, abnormal, car, caar, tests, placebo


def _study_info(
    events: pd.DataFrame,
    cols: Mapping[str, Any],
    clusters: Any,
    comp: _Computed,
    stat_in_list: list[Any],
    event_status: list[tuple[Any, int]],
    notes: list[str],
) -> dict[str, Any]:
    """``results.info``: the counts of rows, articles and events, the statuses, the groups,
    the benchmark-closed days and the notes."""
    ok = comp.status == "ok"
    return {
        "n_rows": len(events),
        "n_articles": len(pd.unique(_str(events["article_id"]).array.dropna())),
        "n_usable_rows": int((clusters.row_event >= 0).sum()),
        "n_events": clusters.n_events,
        "n_events_ok": int(ok.sum()),
        "row_status": MappingProxyType(
            {str(k): int(v) for k, v in Counter(stat_in_list).most_common()}
        ),
        "event_status": MappingProxyType({str(k): int(v) for k, v in event_status}),
        "groups": tuple(sorted(set(cols["group"].tolist()))),
        "n_benchmark_closed_days": int(comp.n_bench_closed[ok].sum()),
        "notes": tuple(notes),
    }


def _benchmark_map(
    spec: StudySpec, symbols: list[str], events: pd.DataFrame | None = None
) -> dict[str, Benchmark] | None:
    b = spec.benchmark
    if b is None:
        return None
    if isinstance(b, str) and (b == "home" or (events is not None and b in events.columns)):
        from mktnews.instruments import benchmark_for  # "home" or a column of the events

        return {s: str(v) for s, v in benchmark_for(symbols, b, events).items()}
    if isinstance(b, Mapping):
        from mktnews.instruments import resolve_symbol

        resolved: dict[str, Benchmark] = {}
        for key, val in b.items():
            resolved[resolve_symbol(str(key))] = val
        missing = [s for s in symbols if s not in resolved]
        if missing:
            raise ConfigurationError(
                f"benchmark mapping has no entry for {missing} (it covers {list(resolved)})"
            )
        return {s: resolved[s] for s in symbols}
    return dict.fromkeys(symbols, b)


# ---------------------------------------------------------------------------------------
# frames


def _params_frame(table: Mapping[str, Any], comp: _Computed, spec: StudySpec) -> pd.DataFrame:
    f = comp.fit
    return pd.DataFrame(
        {
            **params_key_columns(table),
            "status": pd.array(comp.status, dtype="str"),
            "alpha": f.alpha,
            "beta": f.beta,
            "mean": f.mean,
            "L": f.L,
            "s": f.s,
            "k": np.full(len(table["event_id"]), f.k, dtype=np.int64),
            "n_window_days": comp.n_window_days.astype(np.int64),
            "n_benchmark_closed": comp.n_bench_closed.astype(np.int64),
        },
        copy=False,
    )


def _abnormal_frame(table: Mapping[str, Any], comp: _Computed, spec: StudySpec, ok: np.ndarray) -> pd.DataFrame:
    rows = np.flatnonzero(ok)
    rel = spec.span.rel
    n, w = len(rows), len(rel)
    ar = comp.ar[rows]
    fin = np.isfinite(ar)
    with np.errstate(invalid="ignore", divide="ignore"):
        sar = ar / comp.sd_ar[rows]
    car = np.cumsum(np.where(fin, ar, 0.0), axis=1)
    car[~fin] = np.nan
    date = t0_index(comp.span_stamps[rows].ravel(), spec.intraday)
    index = pd.MultiIndex(
        levels=[pd.Index(_take(table["event_id"], rows, len(ok)), dtype="str"), pd.Index(rel)],
        codes=[np.repeat(np.arange(n), w), np.tile(np.arange(w), n)],  # type: ignore[list-item]
        names=["event_id", "rel"],
        verify_integrity=False,
    )
    return pd.DataFrame(
        {
            "date" if not spec.intraday else "datetime": date,
            "ret": comp.span_ret[rows].ravel(),
            "market": comp.span_market[rows].ravel(),
            "normal": comp.normal[rows].ravel(),
            "ar": ar.ravel(),
            "sar": sar.ravel(),
            "car": car.ravel(),
        },
        index=index,
        copy=False,
    )


def _car_frame(table: Mapping[str, Any], comp: _Computed, spec: StudySpec, ok: np.ndarray) -> pd.DataFrame:
    rows = np.flatnonzero(ok)
    nw = len(spec.windows)
    dof = (comp.fit.L[rows] - comp.fit.k).astype(np.float64)
    car = np.column_stack([comp.car[w][rows] for w in spec.windows])
    bhar = np.column_stack([comp.bhar[w][rows] for w in spec.windows])
    sd = np.sqrt(np.column_stack([comp.var_car[w][rows] for w in spec.windows]))
    n_days = np.column_stack([comp.n_days[w][rows] for w in spec.windows]).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        scar = car / sd
    from scipy import special  # lazy: keeps `import mktnews` light

    with np.errstate(invalid="ignore"):
        p = 2.0 * special.stdtr(dof[:, None], -np.abs(scar))  # = 2 t.sf(|t|, dof)
    take = np.repeat(rows, nw)  # event-major: every window of an event together
    same = len(take) == len(ok) and nw == 1  # every event, one window: the columns as they are

    def pick(values: Any) -> Any:
        return values if same else values.take(take)
    windows = _window_array([w.as_tuple() for w in spec.windows])
    return pd.DataFrame(
        {
            "event_id": pick(table["event_id"]),
            "group": pick(table["group"]),
            "symbol": pick(table["symbol"]),
            "t0": pick(table["t0"]),
            "n_articles": pick(table["n_articles"]),
            "window": np.tile(windows, len(rows)),
            "car": car.ravel(),
            "bhar": bhar.ravel(),
            "sd_car": sd.ravel(),
            "scar": scar.ravel(),
            "t": scar.ravel(),
            "p": p.ravel(),
            "n_days": n_days.ravel(),
        },
        copy=False,
    )


def _signed(comp: _Computed, sign: np.ndarray | None) -> _Computed:
    """The events' ARs, CARs, BHARs and estimation residuals times their sign
    (``sign_col``); ``comp`` itself without signs."""
    if sign is None:
        return comp
    s = np.where(np.isfinite(sign), sign, 0.0)
    return dataclasses.replace(
        comp,
        ar=comp.ar * s[:, None],
        est_resid=comp.est_resid * s[:, None],
        car={w: v * s for w, v in comp.car.items()},
        bhar={w: v * s for w, v in comp.bhar.items()},
    )


def _unsigned_columns(
    abnormal: pd.DataFrame,
    car: pd.DataFrame,
    params: pd.DataFrame,
    comp: _Computed,
    spec: StudySpec,
    ok: np.ndarray,
    sign: np.ndarray | None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The per-event magnitudes of the unsigned tests (``abs_ar``, ``sar2``; ``abs_car``,
    ``abs_scar``, ``sum_sar2``: the sum of the window's squared SARs) when the study
    computes one, and the ``sign`` of ``sign_col``; the frames as they are otherwise."""
    if wants_magnitudes(spec.tests, spec.placebo_stat):
        rows = np.flatnonzero(ok)
        with np.errstate(invalid="ignore", divide="ignore"):
            sar2 = (comp.ar[rows] / comp.sd_ar[rows]) ** 2
        fin = np.isfinite(sar2)
        first = spec.span.start
        sums = [
            np.where(fin, sar2, 0.0)[:, w.start - first : w.end - first + 1].sum(axis=1)
            for w in spec.windows
        ]
        sum_sar2 = np.column_stack(sums).ravel()  # event-major, as the rows of `car`
        abnormal = abnormal.assign(abs_ar=abnormal["ar"].abs(), sar2=sar2.ravel())
        car = car.assign(
            abs_car=car["car"].abs(), abs_scar=car["scar"].abs(), sum_sar2=sum_sar2
        )
    if sign is not None:
        car = car.assign(sign=np.repeat(sign[ok], len(spec.windows)).astype(np.int64))
        params = params.assign(sign=sign)
    return abnormal, car, params


@functools.cache
def _empty_template(kind: str) -> pd.DataFrame:
    str_ = pd.array([], dtype="str")
    win = np.empty(0, dtype=object)
    if kind == "tests":
        cols: dict[str, Any] = {
            "group": str_, "window": win, "test": str_, "statistic": np.empty(0),
            "p_value": np.empty(0), "n": np.empty(0, dtype=np.int64), "convention": str_,
        }  # fmt: skip
    else:
        cols = {"group": str_, "window": win, "draw": np.empty(0, dtype=np.int64), "caar": np.empty(0)}
    return pd.DataFrame(cols)


def _empty_frame(kind: str) -> pd.DataFrame:
    """An empty ``tests`` or ``placebo`` frame with its columns and dtypes (a shallow copy
    of a template built once: copy-on-write keeps the template as it is)."""
    return _empty_template(kind).copy(deep=False)


def _window_array(windows: list[tuple[int, int]]) -> np.ndarray:
    out = np.empty(len(windows), dtype=object)
    out[:] = windows
    return out


def _aggregate(
    table: Mapping[str, Any],
    comp: _Computed,
    spec: StudySpec,
    ok: np.ndarray,
    panel: ReturnPanel,
    inst: np.ndarray,
    pos: np.ndarray,
    events: pd.DataFrame,
    t0ns: np.ndarray,
    notes: list[str],
    sign: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per group and window: AAR/CAAR with the band, the tests and the placebo draws
    (notes for the summary are appended to ``notes``; ``comp`` is signed already when
    ``sign`` is given, the placebo draws are signed with it).

    The stages per group: the placebo draws (:func:`_placebo`), then per window the CAAR
    rows (:func:`_caar_rows`), the test rows (:func:`_test_rows`) and the placebo rows
    (:func:`_placebo_rows`); :func:`_aggregate_frames` builds the three frames.
    """
    group_arr = np.asarray(table["group"], dtype=object)
    caar_cols: dict[str, list[Any]] = {k: [] for k in ("group", "window", "rel", "aar", "caar", "half", "n", "n_day")}
    test_cols: dict[str, list[Any]] = {k: [] for k in ("group", "window", "test", "statistic", "p_value", "n", "convention")}
    plac_cols: dict[str, list[Any]] = {k: [] for k in ("group", "window", "draw", "caar")}
    inference_names = [t for t in spec.tests if t != "placebo" and t not in VOLATILITY_TESTS]
    eligible = _placebo_eligible(panel, spec, events, t0ns) if spec.placebo else None
    rng = np.random.default_rng(spec.seed) if spec.placebo else None
    tq: dict[int, float] = {}

    for g in sorted(set(group_arr[ok].tolist())):  # loop per group
        rows = np.flatnonzero(ok & (group_arr == g))
        placebo_cars: dict[EventWindow, tuple[np.ndarray, np.ndarray]] = {}
        if spec.placebo:
            assert eligible is not None and rng is not None
            placebo_cars = _placebo(
                panel, spec, inst[rows], pos[rows], eligible, rng, g, notes,
                sign=None if sign is None else sign[rows],
            )  # fmt: skip
        correlations: list[Any] = [None]  # the group's K-P pair correlations, once for all its windows
        for w in spec.windows:  # loop per window
            cols = slice(w.start - spec.span.start, w.end - spec.span.start + 1)
            fin = _caar_rows(comp.ar[rows, cols], w, g, tq, caar_cols)
            if inference_names:
                _test_rows(comp, spec, w, g, rows, cols, fin, len(ok), inference_names, correlations, test_cols)
            if spec.placebo:
                _placebo_rows(spec, placebo_cars[w], comp.car[w][rows], g, w.as_tuple(), test_cols, plac_cols)
    return _aggregate_frames(caar_cols, test_cols, plac_cols)


def _caar_rows(
    a: np.ndarray, w: EventWindow, g: str, tq: dict[int, float], caar_cols: dict[str, list[Any]]
) -> np.ndarray:
    """Append one group and window's AAR/CAAR rows (``a``: its events' ARs, events x days)
    with the CI band; ``tq`` caches the t quantiles by N. Returns which ARs are finite."""
    n = a.shape[0]
    fin = np.isfinite(a)
    a0 = np.where(fin, a, 0.0)
    cum = np.cumsum(a0, axis=1)
    n_day = fin.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        aar = np.where(n_day > 0, a0.sum(axis=0) / np.maximum(n_day, 1), np.nan)
    caar = cum.mean(axis=0)
    if n > 1:
        if n not in tq:
            from scipy import special  # lazy: keeps `import mktnews` light

            tq[n] = float(special.stdtrit(n - 1, 0.5 + CI_LEVEL / 2))  # = t.ppf
        half = tq[n] * cum.std(axis=0, ddof=1) / math.sqrt(n)
    else:
        half = np.full(w.length, np.nan)
    wt = w.as_tuple()
    caar_cols["group"].append(np.full(w.length, g, dtype=object))
    caar_cols["window"].append(_window_array([wt] * w.length))
    caar_cols["rel"].append(w.rel)
    caar_cols["aar"].append(aar)
    caar_cols["caar"].append(caar)
    caar_cols["half"].append(half)
    caar_cols["n"].append(np.full(w.length, n, dtype=np.int64))
    caar_cols["n_day"].append(n_day.astype(np.int64))
    return fin


def _test_rows(
    comp: _Computed,
    spec: StudySpec,
    w: EventWindow,
    g: str,
    rows: np.ndarray,
    cols: slice,
    fin: np.ndarray,
    n_all: int,
    inference_names: list[str],
    correlations: list[Any],
    test_cols: dict[str, list[Any]],
) -> None:
    """Append the test rows of one group (event ``rows``) and window (span columns ``cols``).

    ``correlations`` is a one-item list holding the group's Kolari–Pynnönen pair
    correlations once computed (shared by the group's windows)."""
    from mktnews.inference import PairCorrelations, TestInput, run_tests  # lazy: scipy

    every = len(rows) == n_all  # all events: the arrays as they are, no copies
    wt = w.as_tuple()
    inp = TestInput._unchecked(
        window=wt,
        ar=comp.ar[rows, cols],
        sd_ar=comp.sd_ar[rows, cols],
        car=comp.car[w][rows],
        sd_car=np.sqrt(comp.var_car[w][rows]),
        est_ar=comp.est_resid if every else comp.est_resid[rows],
        est_keys=comp.est_keys if every else comp.est_keys[rows],
        evt_keys=np.where(fin, comp.span_keys[rows, cols], -1),
        s=comp.fit.s[rows],
        L=comp.fit.L[rows].astype(np.float64),
        k=comp.fit.k,
        period_ar=comp.ar[rows] if spec.rank_period == "event_period" else None,
        period_offset=w.start - spec.span.start,
    )
    if correlations[0] is None and {"kp_patell", "kp_bmp"} & set(inference_names):
        correlations[0] = PairCorrelations(
            inp.est_ar, inp.est_keys, comp.span_keys[rows], np.isfinite(comp.ar[rows])
        )
    for res in run_tests(inp, inference_names, correlations=correlations[0]):
        test_cols["group"].append(g)
        test_cols["window"].append(wt)
        test_cols["test"].append(res.test)
        test_cols["statistic"].append(float(res.statistic))
        test_cols["p_value"].append(float(res.p_value))
        test_cols["n"].append(int(res.n))
        test_cols["convention"].append(res.convention)


def _aggregate_frames(
    caar_cols: dict[str, list[Any]], test_cols: dict[str, list[Any]], plac_cols: dict[str, list[Any]]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The CAAR, tests and placebo frames from the columns :func:`_aggregate` collected."""

    def cat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
        return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)

    caar_v = cat(caar_cols["caar"], np.float64)
    half_v = cat(caar_cols["half"], np.float64)
    caar_df = pd.DataFrame(
        {
            "group": pd.array(cat(caar_cols["group"], object), dtype="str"),
            "window": cat(caar_cols["window"], object),
            "rel": cat(caar_cols["rel"], np.int64),
            "aar": cat(caar_cols["aar"], np.float64),
            "caar": caar_v,
            "ci_low": caar_v - half_v,
            "ci_high": caar_v + half_v,
            "n": cat(caar_cols["n"], np.int64),
            "n_day": cat(caar_cols["n_day"], np.int64),
        },
        copy=False,
    )
    tests_df = (
        pd.DataFrame(
            {
                "group": pd.array(test_cols["group"], dtype="str"),
                "window": _window_array(test_cols["window"]),
                "test": pd.array(test_cols["test"], dtype="str"),
                "statistic": np.array(test_cols["statistic"], dtype=np.float64),
                "p_value": np.array(test_cols["p_value"], dtype=np.float64),
                "n": np.array(test_cols["n"], dtype=np.int64),
                "convention": pd.array(test_cols["convention"], dtype="str"),
            },
            copy=False,
        )
        if test_cols["test"]
        else _empty_frame("tests")
    )
    plac_df = (
        pd.DataFrame(
            {
                "group": pd.array(cat(plac_cols["group"], object), dtype="str"),
                "window": cat(plac_cols["window"], object),
                "draw": cat(plac_cols["draw"], np.int64),
                "caar": cat(plac_cols["caar"], np.float64),
                **{k: cat(v, np.float64) for k, v in plac_cols.items() if k not in _PLACEBO_KEYS},
            },
            copy=False,
        )
        if plac_cols["draw"]
        else _empty_frame("placebo")
    )
    return caar_df, tests_df, plac_df


# ---------------------------------------------------------------------------------------
# placebo

_PLACEBO_KEYS = ("group", "window", "draw", "caar")


def _placebo_rows(
    spec: StudySpec,
    drawn: tuple[np.ndarray, np.ndarray],
    cars: np.ndarray,
    group: str,
    window: tuple[int, int],
    test_cols: dict[str, list[Any]],
    plac_cols: dict[str, list[Any]],
) -> None:
    """The placebo rows of one group and window: per statistic of ``spec.placebo_stat``
    (:mod:`mktnews.inference`'s registry) the draws' values and the test row.

    ``drawn`` holds the placebo events' CARs (draws x events) and which of them count;
    ``cars`` the actual events' CARs (both signed with ``sign_col``)."""
    car, use = drawn
    values = {}
    for name in dict.fromkeys(("caar", *spec.placebo_stat)):  # caar: the frame's column
        stat = placebo_statistic(name)
        values[name] = placebo_draws(stat, car, use)
        if name not in spec.placebo_stat:
            continue
        res = placebo_result(stat, cars, values[name], len(cars))
        test_cols["group"].append(group)
        test_cols["window"].append(window)
        test_cols["test"].append(res.test)
        test_cols["statistic"].append(res.statistic)
        test_cols["p_value"].append(res.p_value)
        test_cols["n"].append(res.n)
        test_cols["convention"].append(res.convention)
    nd = car.shape[0]
    plac_cols["group"].append(np.full(nd, group, dtype=object))
    plac_cols["window"].append(_window_array([window] * nd))
    plac_cols["draw"].append(np.arange(nd, dtype=np.int64))
    for name, v in values.items():
        plac_cols.setdefault(name, []).append(v)


def _placebo_eligible(
    panel: ReturnPanel, spec: StudySpec, events: pd.DataFrame, t0ns: np.ndarray
) -> dict[int, np.ndarray]:
    """Per instrument of the panel: row positions a placebo day 0 may take.

    A position needs room for the estimation window and the event span inside the data,
    and must not lie within the event span ``[q + a, q + b]`` of any actual event day 0
    ``q`` of that instrument (every article row with a day 0 counts, used or not; a day 0
    the data lacks is placed between its neighbouring rows).
    """
    has_t0 = t0ns != np.iinfo(np.int64).min
    code, uniq = pd.factorize(_str(events["symbol"]).array[has_t0])
    t0_used = t0ns[has_t0]
    order = np.argsort(code, kind="stable")
    bounds = np.searchsorted(code[order], np.arange(len(uniq) + 1))
    where = {str(u): i for i, u in enumerate(uniq)}
    lo_off = min(spec.estimation.start, spec.span.start)
    s0, s1 = spec.span.start, spec.span.end
    out: dict[int, np.ndarray] = {}
    for j, s in enumerate(panel.symbols):  # loop per instrument
        st = panel.stamps[panel.instrument_rows(j)]
        n = len(st)
        p = np.arange(n)
        u = where.get(s)
        mine = order[bounds[u] : bounds[u + 1]] if u is not None else order[:0]
        days = np.unique(t0_used[mine])
        q = np.searchsorted(st, days)
        hit = q < n
        hit[hit] = st[q[hit]] == days[hit]
        lo = np.clip(q + s0, 0, n)
        hi = np.clip(np.where(hit, q, q - 1) + s1 + 1, 0, n)  # exclusive end
        keep = lo < hi
        diff = np.zeros(n + 1, dtype=np.int64)
        np.add.at(diff, lo[keep], 1)
        np.add.at(diff, hi[keep], -1)
        near = np.cumsum(diff[:n]) > 0
        ok = (p + lo_off >= 1) & (p + spec.span.end <= n - 1) & ~near
        out[j] = p[ok]
    return out


def _distinct_draws(rng: np.random.Generator, M: int, draws: int, m: int) -> np.ndarray:
    """``draws`` rows of ``m`` distinct indices in ``[0, M)``, each row a uniform random subset.

    Sparse case (``2m <= M``): draw with replacement and redraw the later copy of every
    repeated value until the rows are distinct (with an occupancy table of the rows when it
    is small, :func:`_redraw_repeats`; else by re-sorting the rows that still repeat). The
    procedure treats all values alike, so each row is a uniform random sequence of distinct
    values. Dense case: the m smallest of M random keys per row.
    """
    if m == 0:
        return np.empty((draws, 0), dtype=np.int64)
    if 2 * m > M:
        out = np.empty((draws, m), dtype=np.int64)
        step = max(1, 2_000_000 // M)
        for d0 in range(0, draws, step):  # chunks of draws
            d1 = min(draws, d0 + step)
            keys = rng.random((d1 - d0, M))
            out[d0:d1] = np.argpartition(keys, m - 1, axis=1)[:, :m] if m < M else np.argsort(keys, axis=1)
        return out
    idx = rng.integers(0, M, size=(draws, m))
    if m > 1 and draws * M <= _OCCUPANCY_CELLS:
        _redraw_repeats(idx, rng, M)
        return idx
    rows = np.arange(draws)
    while True:  # a handful of passes: collisions get rarer geometrically
        srt = np.sort(idx[rows], axis=1)
        rows = rows[(srt[:, 1:] == srt[:, :-1]).any(axis=1)]  # rows that still repeat a value
        if not len(rows):
            return idx
        sub = idx[rows]
        order = np.argsort(sub, axis=1, kind="stable")
        srt = np.take_along_axis(sub, order, axis=1)
        again = np.zeros(sub.shape, dtype=bool)
        again[:, 1:] = srt[:, 1:] == srt[:, :-1]
        r, c = np.nonzero(again)
        sub[r, order[r, c]] = rng.integers(0, M, size=len(r))
        idx[rows] = sub


_OCCUPANCY_CELLS = 1 << 24  # (draws x values) up to which _distinct_draws keeps an occupancy table


def _redraw_repeats(idx: np.ndarray, rng: np.random.Generator, M: int) -> None:
    """Make each row of ``idx`` (values in ``[0, M)``) distinct, in place.

    The later copies of every repeated value (by a stable sort of the row) are redrawn,
    one repeat per row at a time, each from the values its row does not yet hold (an
    occupancy table of the rows). The rule looks at positions, never at the values, so each
    row ends as a uniform random sequence of distinct values.
    """
    draws = idx.shape[0]
    work = idx.astype(np.uint16) if M <= 1 << 16 else idx
    order = np.argsort(work, axis=1, kind="stable")
    srt = np.take_along_axis(work, order, axis=1)
    again = np.zeros(idx.shape, dtype=bool)
    again[:, 1:] = srt[:, 1:] == srt[:, :-1]  # the later copies, in sorted position
    r, c = np.nonzero(again)
    if not len(r):
        return
    col = order[r, c]
    occ = np.zeros((draws, M), dtype=bool)
    occ[np.arange(draws)[:, None], idx] = True  # the values each row holds
    rank = np.arange(len(r)) - np.searchsorted(r, r)  # k-th repeat of its row (r ascends)
    for k in range(int(rank.max()) + 1):  # levels: the most repeats one row has
        sel = np.flatnonzero(rank == k)
        rk, ck = r[sel], col[sel]
        v = rng.integers(0, M, size=len(rk))
        todo = np.flatnonzero(occ[rk, v])
        while len(todo):  # redraw values the row holds; rarer each pass
            v[todo] = rng.integers(0, M, size=len(todo))
            todo = todo[occ[rk[todo], v[todo]]]
        occ[rk, v] = True
        idx[rk, ck] = v


def _resolve_clashes(
    idx: np.ndarray,
    rng: np.random.Generator,
    *,
    group: str,
    sizes: np.ndarray,
    offs: np.ndarray,
    set_of: np.ndarray,
    cflat: np.ndarray,
    anchor: np.ndarray,
    p_cl: np.ndarray,
    p_in: np.ndarray,
    n_inst: int,
) -> np.ndarray:
    """Redraw placebo sessions until no two day-0 clusters share a session on an instrument.

    ``idx`` is (draws, clusters): each cluster's index into its instrument set's candidate
    sessions (``cflat[offs[set] + idx]``); ``(p_cl, p_in)`` are the (cluster, instrument)
    pairs. A clash is two pairs of one instrument on one session in a draw. The clusters of
    an *anchor* set (a set of one instrument drawn as a random subset, ``anchor``) never
    clash with each other and are never redrawn: a clash with one of them redraws the other
    cluster, and clashes between two other clusters redraw the later one. Only the draws
    that redrew a cluster are checked again.
    """
    codes = np.unique(cflat, return_inverse=True)[1].astype(np.int64).ravel()
    n_codes = int(codes.max()) + 1
    span = n_inst * n_codes  # one key per (instrument, session)
    col = offs[set_of[p_cl]]
    fixed = anchor[set_of[p_cl]]
    a_cl, a_key0, a_col = p_cl[fixed], p_in[fixed] * n_codes, col[fixed]
    f_cl, f_key0, f_col = p_cl[~fixed], p_in[~fixed] * n_codes, col[~fixed]
    n_free = len(f_cl)
    if n_free == 0:
        return idx
    anchors = (a_cl, a_key0, a_col)
    free = (f_cl, f_key0, f_col)
    if span <= _CLASH_TABLE_SPAN:  # occupancy tables over (instrument, session), by chunks of draws
        step = max(1, _CLASH_TABLE_CELLS // span)
        for d0 in range(0, len(idx), step):  # chunks of draws
            d1 = min(len(idx), d0 + step)
            idx[d0:d1] = _clashes_by_table(idx[d0:d1], rng, codes, span, anchors, free, sizes[set_of], group)
        return idx
    return _clashes_by_sort(idx, rng, codes, span, anchors, free, sizes[set_of], group)


_CLASH_TABLE_SPAN = 1 << 20  # (instrument, session) keys up to which occupancy tables are used
_CLASH_TABLE_CELLS = 1 << 22  # cells of one chunk's tables (draws x keys)
_Pairs = tuple[np.ndarray, np.ndarray, np.ndarray]  # (cluster, instrument key base, candidate offset)


def _clashes_by_table(
    idx: np.ndarray,
    rng: np.random.Generator,
    codes: np.ndarray,
    span: int,
    anchors: _Pairs,
    free: _Pairs,
    size_of: np.ndarray,
    group: str,
) -> np.ndarray:
    """:func:`_resolve_clashes` on a chunk of draws through (draw, key) occupancy tables.

    The anchors mark a boolean table once; each pass writes every free pair's index into
    an integer table at its (draw, key) cell and reads it back: a pair that reads another
    pair's index shares its session with it (the pair written last keeps the cell, so the
    earlier one is redrawn), a pair on a marked cell shares an anchor's session.
    """
    n = idx.shape[0]
    a_cl, a_key0, a_col = anchors
    f_cl, f_key0, f_col = free
    n_free = len(f_cl)
    row_base = np.arange(n, dtype=np.int64) * span
    occ = np.zeros(n * span, dtype=bool)
    if len(a_cl):
        occ[(codes[a_col[None, :] + idx[:, a_cl]] + a_key0[None, :] + row_base[:, None]).ravel()] = True
    tab = np.empty(n * span, dtype=np.int32)
    me = np.arange(n_free, dtype=np.int32)
    rows = np.arange(n)
    for _ in range(10_000):  # a few passes: clashes get rarer geometrically
        cell = codes[f_col[None, :] + idx[rows[:, None], f_cl[None, :]]] + f_key0[None, :]
        cell += row_base[rows][:, None]
        tab[cell] = me[None, :]
        bad = (tab[cell] != me[None, :]) | occ[cell]
        r, c = np.nonzero(bad)
        if not len(r):
            return idx
        both = np.unique(rows[r] * idx.shape[1] + f_cl[c])
        rd, rc = both // idx.shape[1], both % idx.shape[1]
        idx[rd, rc] = (rng.random(len(rc)) * size_of[rc]).astype(np.int64)
        rows = np.unique(rd)
    raise StudyError(
        f"placebo: could not draw distinct sessions per instrument for the day-0 "
        f"clusters of group {group!r}: too few eligible sessions"
    )


def _clashes_by_sort(
    idx: np.ndarray,
    rng: np.random.Generator,
    codes: np.ndarray,
    span: int,
    anchors: _Pairs,
    free: _Pairs,
    size_of: np.ndarray,
    group: str,
) -> np.ndarray:
    """:func:`_resolve_clashes` by sorting each draw's keys (for key spaces too large for tables)."""
    draws, n_cl = idx.shape
    a_cl, a_key0, a_col = anchors
    f_cl, f_key0, f_col = free
    n_free = len(f_cl)
    # the anchors' keys of every draw, sorted by (draw, key): one flat searchable array
    a_keys = codes[a_col[None, :] + idx[:, a_cl]] + a_key0[None, :]
    a_keys.sort(axis=1)
    a_flat = (a_keys + (np.arange(draws, dtype=np.int64) * span)[:, None]).ravel()
    bits = max(1, (n_free - 1).bit_length())
    low = (1 << bits) - 1
    order_f = np.arange(n_free, dtype=np.int64)
    rows = np.arange(draws)
    for _ in range(10_000):  # a few passes: clashes get rarer geometrically
        keys = codes[f_col[None, :] + idx[rows[:, None], f_cl[None, :]]] + f_key0[None, :]
        packed = (keys << bits) + order_f[None, :]
        packed.sort(axis=1)  # per draw by (instrument, session): sorted queries search fast
        grp = packed >> bits
        r, c = np.nonzero(grp[:, 1:] == grp[:, :-1])  # two free clusters on one session
        hits_r = [rows[r]]
        hits_c = [f_cl[packed[r, c + 1] & low]]
        if len(a_flat):  # a free cluster on an anchor's session
            q = (grp + (rows * span)[:, None]).ravel()
            at = np.minimum(np.searchsorted(a_flat, q), len(a_flat) - 1)
            hit = np.flatnonzero(a_flat[at] == q)
            hits_r.append(rows[hit // n_free])
            hits_c.append(f_cl[packed.ravel()[hit] & low])
        rd = np.concatenate(hits_r)
        if not len(rd):
            return idx
        both = np.unique(rd * n_cl + np.concatenate(hits_c))
        rd, rc = both // n_cl, both % n_cl
        idx[rd, rc] = (rng.random(len(rc)) * size_of[rc]).astype(np.int64)
        rows = np.unique(rd)
    raise StudyError(
        f"placebo: could not draw distinct sessions per instrument for the day-0 "
        f"clusters of group {group!r}: too few eligible sessions"
    )


def _placebo(
    panel: ReturnPanel,
    spec: StudySpec,
    inst: np.ndarray,
    pos: np.ndarray,
    eligible: dict[int, np.ndarray],
    rng: np.random.Generator,
    group: str,
    notes: list[str],
    sign: np.ndarray | None = None,
) -> dict[EventWindow, tuple[np.ndarray, np.ndarray]]:
    """CARs of ``spec.placebo`` draws for events on instruments ``inst`` (one group):
    per window, the (draws, events) CARs of the placebo events (times the events' ``sign``
    when given) and which of them count (status ok, finite CAR).

    The draws keep the events' calendar clustering: the events sharing a day 0 (a
    *cluster*, e.g. one ECB day on two indices) move together to one placebo session,
    drawn among the sessions every instrument of the cluster may take (see
    :func:`_placebo_eligible`). Within a draw, the sessions of the clusters differ on each
    instrument (clusters of the same instrument set are drawn as a random subset; a
    clash between clusters of different sets is redrawn until none is left). A cluster
    whose instruments share no eligible session is split into one cluster per instrument,
    with a warning and a note in ``notes``.

    The stages: the clusters and their candidate sessions (:func:`_placebo_clusters`), the
    draws (:func:`_placebo_draw`), the panel row of every drawn event
    (:func:`_placebo_rows_drawn`), and the kernel, run once per distinct (instrument,
    session) drawn (:func:`_placebo_cars`); :func:`_placebo_rows` averages each draw's values.
    """
    clusters = _placebo_clusters(panel, inst, pos, eligible, group, notes)
    idx = _placebo_draw(rng, spec.placebo, clusters, group)
    flat = _placebo_rows_drawn(panel, clusters, idx)
    return _placebo_cars(panel, spec, flat, sign)


@dataclass(frozen=True)
class _PlaceboClusters:
    """The day-0 clusters of one group's events and the sessions each may be drawn on.

    ``cl``: cluster of each event; ``inst_u``/``inst_code``: the group's instruments and each
    event's index among them; ``sets``: (instrument sets, instruments) membership, and
    ``set_of`` the set of each cluster; ``cand``: per set, the eligible sessions (stamps)
    all its instruments share; ``p_cl``/``p_in``: the (cluster, instrument) pairs.
    """

    cl: np.ndarray
    inst_u: np.ndarray
    inst_code: np.ndarray
    sets: np.ndarray
    set_of: np.ndarray
    cand: list[np.ndarray]
    p_cl: np.ndarray
    p_in: np.ndarray

    @property
    def n_cl(self) -> int:
        return int(self.cl.max()) + 1


def _placebo_clusters(
    panel: ReturnPanel,
    inst: np.ndarray,
    pos: np.ndarray,
    eligible: dict[int, np.ndarray],
    group: str,
    notes: list[str],
) -> _PlaceboClusters:
    """Cluster the events by day 0, find each instrument set's common eligible sessions,
    split the clusters whose instruments share none (warning + note), and refuse a group
    whose clusters outnumber the sessions they may take (:class:`StudyError`)."""
    n = len(inst)
    stamp_ev = panel.stamps[panel.starts[inst] + pos]
    cl = pd.factorize(stamp_ev)[0].astype(np.int64)
    inst_u, inst_code = np.unique(inst, return_inverse=True)
    elig_stamps = {
        int(j): panel.stamps[panel.starts[int(j)] + eligible[int(j)]] for j in inst_u
    }

    def instrument_sets(cl: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        n_cl = int(cl.max()) + 1
        member = np.zeros((n_cl, len(inst_u)), dtype=bool)
        member[cl, inst_code] = True
        sets, set_of = np.unique(member, axis=0, return_inverse=True)
        return sets, np.asarray(set_of, dtype=np.int64).ravel(), n_cl

    def common(row: np.ndarray) -> np.ndarray:
        members = inst_u[row]
        out = elig_stamps[int(members[0])]
        for j in members[1:]:  # loop per instrument of the set
            out = np.intersect1d(out, elig_stamps[int(j)], assume_unique=True)
        return out

    sets, set_of, n_cl = instrument_sets(cl)
    cand = [common(row) for row in sets]  # loop per distinct instrument set
    empty = [u for u, c in enumerate(cand) if not len(c)]
    if empty:
        split = np.isin(set_of[cl], empty)
        n_split = int(np.unique(cl[split]).size)
        names = sorted({panel.symbols[int(j)] for u in empty for j in inst_u[sets[u]]})
        msg = (
            f"placebo, group {group!r}: the instruments of {n_split} day-0 cluster(s) "
            f"({', '.join(names)}) share no eligible session; each of their events was drawn "
            "on its own instrument's sessions (their cross-sectional dependence is not kept)"
        )
        warnings.warn(msg, StudyWarning, stacklevel=5)
        notes.append(msg)
        cl = np.where(split, n_cl + np.arange(n), cl)
        cl = pd.factorize(cl)[0].astype(np.int64)
        sets, set_of, n_cl = instrument_sets(cl)
        cand = [common(row) for row in sets]
    # (cluster, instrument) pairs: to count clusters per instrument and to find clashes
    pair = np.unique(cl * len(inst_u) + inst_code)
    p_cl, p_in = pair // len(inst_u), pair % len(inst_u)
    # feasibility: per instrument, no more clusters than eligible sessions
    n_per_inst = np.bincount(p_in, minlength=len(inst_u))
    for i, j in enumerate(inst_u):  # loop per instrument
        if len(elig_stamps[int(j)]) < n_per_inst[i]:
            raise StudyError(
                f"placebo: {panel.symbols[int(j)]!r} has {len(elig_stamps[int(j)])} sessions "
                f"outside the event spans of its articles with room for the windows, fewer "
                f"than the {int(n_per_inst[i])} day-0 clusters of group {group!r}"
            )
    for u, c in enumerate(cand):
        m_u = int((set_of == u).sum())
        if len(c) < m_u:
            raise StudyError(
                f"placebo: the {m_u} day-0 clusters of group {group!r} on "
                f"{', '.join(panel.symbols[int(j)] for j in inst_u[sets[u]])} have "
                f"{len(c)} common eligible sessions: too few to draw distinct ones"
            )
    return _PlaceboClusters(cl, inst_u, np.asarray(inst_code).ravel(), sets, set_of, cand, p_cl, p_in)


def _placebo_draw(
    rng: np.random.Generator, draws: int, pc: _PlaceboClusters, group: str
) -> np.ndarray:
    """(draws, clusters): each cluster's index into its set's candidate sessions.

    One set: a random subset per draw. Several: small sparse sets with replacement, the
    others as random subsets, then :func:`_resolve_clashes` makes the sessions of each
    instrument distinct within every draw.
    """
    n_cl, sets, set_of = pc.n_cl, pc.sets, pc.set_of
    sizes = np.array([len(c) for c in pc.cand], dtype=np.int64)
    idx = np.empty((draws, n_cl), dtype=np.int64)
    if len(sets) == 1:
        idx[...] = _distinct_draws(rng, int(sizes[0]), draws, n_cl)
        return idx
    # several sets: small sparse sets are drawn with replacement (the clash pass below
    # redraws repeats within a set as well as across sets); the others as random subsets
    m_set = np.bincount(set_of, minlength=len(sets))
    dense = (2 * m_set > sizes) | (m_set >= 8)
    sparse_cols = np.flatnonzero(~dense[set_of])
    if len(sparse_cols):
        idx[:, sparse_cols] = (
            rng.random((draws, len(sparse_cols))) * sizes[set_of[sparse_cols]]
        ).astype(np.int64)
    for u in np.flatnonzero(dense).tolist():  # loop per dense instrument set
        cols = np.flatnonzero(set_of == u)
        idx[:, cols] = _distinct_draws(rng, int(sizes[u]), draws, len(cols))
    offs = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    return _resolve_clashes(
        idx, rng, group=group, sizes=sizes, offs=offs, set_of=set_of, cflat=np.concatenate(pc.cand),
        anchor=dense & (sets.sum(axis=1) == 1), p_cl=pc.p_cl, p_in=pc.p_in, n_inst=len(pc.inst_u),
    )


def _placebo_rows_drawn(panel: ReturnPanel, pc: _PlaceboClusters, idx: np.ndarray) -> np.ndarray:
    """(draws, events): the flat panel row each event takes in each draw.

    A table holds the flat panel row of every (set, instrument) candidate session; the
    event of cluster c on instrument i takes ``table[off(set of c, i) + idx[:, c]]``.
    """
    tab_parts: list[np.ndarray] = []
    tab_off = np.zeros((len(pc.sets), len(pc.inst_u)), dtype=np.int64)
    at = 0
    for u, row in enumerate(pc.sets):  # loop per distinct instrument set
        for ii in np.flatnonzero(row).tolist():  # loop per instrument of the set
            rows_j = panel.instrument_rows(int(pc.inst_u[ii]))
            tab_off[u, ii] = at
            tab_parts.append(rows_j.start + np.searchsorted(panel.stamps[rows_j], pc.cand[u]))
            at += len(pc.cand[u])
    table = np.concatenate(tab_parts)
    return table[tab_off[pc.set_of[pc.cl], pc.inst_code][None, :] + idx[:, pc.cl]]


def _placebo_cars(
    panel: ReturnPanel, spec: StudySpec, flat: np.ndarray, sign: np.ndarray | None
) -> dict[EventWindow, tuple[np.ndarray, np.ndarray]]:
    """Per window, the (draws, events) CARs of the drawn rows ``flat`` and which count.

    The kernel runs once per distinct drawn row (in chunks); each draw's events index into
    those rows (through a table of the panel's rows when the panel is not much larger than
    the draws, so no sort).
    """
    if len(panel.stamps) <= 8 * flat.size:
        seen = np.zeros(len(panel.stamps), dtype=bool)
        seen[flat.ravel()] = True
        uniq = np.flatnonzero(seen)
        inverse = (np.cumsum(seen) - 1)[flat]
    else:
        uniq, inverse = np.unique(flat, return_inverse=True)
        inverse = inverse.reshape(flat.shape)
    inst_u = np.searchsorted(panel.starts, uniq, side="right") - 1
    pos_u = uniq - panel.starts[inst_u]
    car_u = {w: np.empty(len(uniq)) for w in spec.windows}
    good_u = np.empty(len(uniq), dtype=bool)
    width = spec.estimation.length + spec.span.length
    step = max(1, _PLACEBO_CHUNK // max(width, 1))
    for a in range(0, len(uniq), step):  # chunks of distinct placebo events
        b = min(len(uniq), a + step)
        comp = _kernel(panel, inst_u[a:b], pos_u[a:b], spec, light=True)
        good_u[a:b] = comp.status == "ok"
        for w in spec.windows:
            car_u[w][a:b] = comp.car[w]
    out: dict[EventWindow, tuple[np.ndarray, np.ndarray]] = {}
    for w in spec.windows:
        c = car_u[w][inverse]
        use = good_u[inverse] & np.isfinite(c)
        out[w] = (c if sign is None else c * sign[None, :], use)
    return out
