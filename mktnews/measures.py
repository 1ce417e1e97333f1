"""The measure studied: which series of each instrument the abnormal values are of.

An event study compares a series around day 0 with what a normal model predicts from
the estimation window. The series is the *measure*. Three are built in, and others plug
in through :func:`register_measure` (a :class:`Measure` is any object with the
attributes and the ``panel`` method below; :class:`SeriesMeasure` builds one from a
function of the prices frame):

``returns`` (the default)
    Close-to-close returns, simple or log (``returns=``), as :meth:`ReturnPanel.from_prices`
    computes them. Results are those of mktnews before measures existed, bit for bit.
``volume``
    Abnormal log volume (Campbell and Wasley 1996): the studied value of a day is
    ``log(1 + volume)``, the benchmark's is its own ``log(1 + volume)``; the models
    ``constant_mean``, ``market_adjusted`` and ``market_model`` apply to it as they do to
    returns, with the same windows, CARs and tests. **A volume of 0 is read as "not
    reported"** (Yahoo publishes 0 for every FX and VIX row and for the early years of
    most indices) and becomes a missing day, never the value ``log(1) = 0``: an event with
    no positive volume in its estimation window and event span gets the status
    ``no_volume``; one with some zero days loses those days (``L`` counts the estimation
    days left, ``insufficient_estimation`` below ``min_estimation``; a zero day inside an
    event window gives ``incomplete_window``). ``params.n_zero_volume`` counts an event's
    zero-volume days in its estimation window and span. A truly untraded day cannot be
    told apart from an unreported one in such data, so it is dropped too. The benchmark's
    zero days are missing days in the same way (there is no carrying of a benchmark's
    volume over the days it lacks). BHAR is not defined for volume (NaN).
``volatility``
    Abnormal volatility (:func:`abnormal_volatility`): per day ``AV = eps^2 / h`` with
    ``h`` the variance a GARCH(1,1) fitted on the estimation window forecasts
    (``volatility_model="garch"``, batched, :mod:`mktnews.garch`; ``"garch_arch"``, arch
    per event) or the estimation residual variance (``"squared_ar"``); ``ar = AV - 1``
    and ``car`` is the CAV, the sum of ``AV - 1`` over the window; tests
    :func:`volatility_tests`.

Statuses added by the measures: ``no_volume`` (see above), ``no_measure_values`` (a
user measure with no finite value in an event's estimation window and span) and
``garch_not_converged``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from mktnews.errors import ConfigurationError, InvalidOptionError
from mktnews.prices.blocks import PriceBlocks, segment_search
from mktnews.windows import ReturnPanel

__all__ = [
    "MEASURES",
    "MEASURE_STATUSES",
    "Measure",
    "ReturnsMeasure",
    "SeriesMeasure",
    "get_measure",
    "measure_names",
    "register_measure",
]

#: Event statuses the measures add to the engine's.
MEASURE_STATUSES: tuple[str, ...] = (
    "no_volume", "no_measure_values", "no_benchmark_values", "garch_not_converged",
)  # fmt: skip


@runtime_checkable
class Measure(Protocol):
    """What the engine needs of a measure.

    Attributes
    ----------
    name : str
        The value of ``measure=``.
    label : str
        The abnormal value of one day, for titles and axes ("abnormal return").
    cumulative : str
        Short name of the cumulated abnormal value ("CAR", "CAV").
    benchmark_column : str
        The column of a benchmark's prices frame the measure reads ("close", "volume").
    models : tuple of str or None
        Normal-return models that apply to the measure (None: every model).
    missing_status : str
        Status of an event with no finite value in its estimation window and span.
    """

    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def cumulative(self) -> str: ...
    @property
    def benchmark_column(self) -> str: ...
    @property
    def models(self) -> tuple[str, ...] | None: ...
    @property
    def missing_status(self) -> str: ...

    def panel(
        self,
        prices: Mapping[str, pd.DataFrame],
        *,
        returns: str,
        benchmark: Mapping[str, pd.Series | None] | None,
        interval: str,
    ) -> ReturnPanel:
        """The panel of the studied series (``ret``) and the benchmark's (``market``)."""
        ...

    def benchmark_values(self, frame: pd.DataFrame) -> pd.Series:
        """The benchmark's series the panel is built from, from its prices frame."""
        ...


@dataclass(frozen=True)
class ReturnsMeasure:
    """Close-to-close returns (the default measure)."""

    name: str = "returns"
    label: str = "abnormal return"
    cumulative: str = "CAR"
    benchmark_column: str = "close"
    models: tuple[str, ...] | None = None
    missing_status: str = "insufficient_estimation"

    def panel(
        self,
        prices: Mapping[str, pd.DataFrame],
        *,
        returns: str,
        benchmark: Mapping[str, pd.Series | None] | None,
        interval: str,
    ) -> ReturnPanel:
        """:meth:`ReturnPanel.from_prices`, unchanged."""
        return ReturnPanel.from_prices(prices, returns=returns, benchmark=benchmark, interval=interval)  # type: ignore[arg-type]

    def benchmark_values(self, frame: pd.DataFrame) -> pd.Series:
        """The benchmark's closes."""
        return frame["close"]


@dataclass(frozen=True)
class SeriesMeasure:
    """A measure that is a function of each day's bar (a *level*, not a change).

    Parameters
    ----------
    name, label, cumulative : str
        See :class:`Measure`.
    values : callable
        ``values(frame) -> Series``: the studied value of each row of a prices frame
        (columns ``open, high, low, close, volume``); NaN marks a missing day. The same
        function gives the benchmark's series.
    models : tuple of str, optional
        Models that apply (default ``constant_mean``, ``market_adjusted``,
        ``market_model``).
    benchmark_column : str
        The column a benchmark frame must have.
    missing_status : str
        Status of an event without a finite value in its estimation window and span
        (must be one of :data:`MEASURE_STATUSES` or a new name of yours).
    """

    name: str
    label: str
    cumulative: str
    values: Callable[[pd.DataFrame], pd.Series]
    models: tuple[str, ...] | None = ("constant_mean", "market_adjusted", "market_model")
    benchmark_column: str = "close"
    missing_status: str = "no_measure_values"

    def benchmark_values(self, frame: pd.DataFrame) -> pd.Series:
        """``values`` of the benchmark's prices frame."""
        return self.values(frame)

    def panel(
        self,
        prices: Mapping[str, pd.DataFrame],
        *,
        returns: str,
        benchmark: Mapping[str, pd.Series | None] | None,
        interval: str,
    ) -> ReturnPanel:
        """The panel's rows and stamps as for returns; ``ret`` holds ``values`` of each
        row and ``market`` the benchmark's value on the same stamp (exact match, NaN
        where it has none; nothing is carried)."""
        return level_panel(prices, self.values, benchmark=benchmark, interval=interval)


def level_panel(
    prices: Mapping[str, pd.DataFrame],
    values: Callable[[pd.DataFrame], pd.Series],
    *,
    benchmark: Mapping[str, pd.Series | None] | None,
    interval: str,
) -> ReturnPanel:
    """A :class:`ReturnPanel` whose ``ret`` is ``values(frame)`` of each instrument's rows
    and whose ``market`` is the benchmark's series taken on the instrument's stamps.

    The rows, stamps and keys are those of :meth:`ReturnPanel.from_prices` (built without
    a benchmark); ``market_carried`` is ``market`` itself, so the engine carries nothing.
    """
    base = ReturnPanel.from_prices(prices, returns="log", interval=interval)
    n = len(base.stamps)
    ret = np.full(n, np.nan)
    market = np.full(n, np.nan)
    for j, sym in enumerate(base.symbols):  # loop per instrument
        rows = base.instrument_rows(j)
        frame = prices[sym]
        v = _as_float(values(frame), frame.index, f"measure values of {sym}")
        ret[rows] = v
        b = benchmark.get(sym) if benchmark is not None else None
        if b is not None:
            market[rows] = _as_float(b.reindex(frame.index), frame.index, f"benchmark of {sym}")
    return dataclasses.replace(
        base, ret=ret, market=market, market_carried=market, bench_closed=np.zeros(n, dtype=bool)
    )


def _as_float(s: pd.Series, index: pd.Index, where: str) -> np.ndarray:
    if not isinstance(s, pd.Series) or len(s) != len(index):
        raise ConfigurationError(f"{where}: expected a Series of {len(index)} values, one per row")
    v = s.to_numpy(dtype=np.float64, na_value=np.nan)
    v = v.copy()
    v[~np.isfinite(v)] = np.nan
    return v


def log_volume(frame: pd.DataFrame) -> pd.Series:
    """``log(1 + volume)`` of each row; NaN where the volume is missing or not positive
    (0 is read as "not reported", see the module docstring)."""
    if "volume" not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    v = frame["volume"].to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        out = np.where(v > 0, np.log1p(np.where(v > 0, v, 0.0)), np.nan)
    return pd.Series(out, index=frame.index, dtype="float64")


VOLUME = SeriesMeasure(
    name="volume",
    label="abnormal log volume",
    cumulative="CALV",
    values=log_volume,
    benchmark_column="volume",
    missing_status="no_volume",
)


@dataclass(frozen=True)
class VolatilityMeasure(ReturnsMeasure):
    """Abnormal volatility: the panel of returns (:class:`ReturnsMeasure`'s); the engine
    then turns the ARs into ``AV - 1`` (:func:`mktnews.volatility.abnormal_volatility`)."""

    name: str = "volatility"
    label: str = "abnormal volatility (AV - 1)"
    cumulative: str = "CAV"
    models: tuple[str, ...] | None = ("constant_mean", "raw", "market_adjusted", "market_model")


#: The registered measures by name.
MEASURES: dict[str, Measure] = {
    "returns": ReturnsMeasure(),
    "volume": VOLUME,
    "volatility": VolatilityMeasure(),
}

_BUILTIN = frozenset(MEASURES)


def register_measure(measure: Measure, *, replace: bool = False) -> Measure:
    """Register a measure so that ``event_study(..., measure=measure.name)`` uses it.

    Parameters
    ----------
    measure : Measure
        E.g. a :class:`SeriesMeasure`.
    replace : bool, default False
        Replace a user measure of the same name (built-in ones cannot be replaced).

    Returns
    -------
    Measure
        The measure (so it can be used as a decorator-like one-liner).
    """
    if not isinstance(measure, Measure):
        raise InvalidOptionError(
            "measure", type(measure).__name__,
            reason="expected an object with name, label, cumulative, benchmark_column, models, "
            "missing_status, panel() and benchmark_values() (e.g. mktnews.measures.SeriesMeasure)",
        )  # fmt: skip
    name = measure.name
    if not isinstance(name, str) or not name:
        raise InvalidOptionError("measure.name", name, reason="expected a non-empty string")
    if name in _BUILTIN:
        raise ConfigurationError(f"measure {name!r} is built in and cannot be replaced")
    if name in MEASURES and not replace:
        raise ConfigurationError(f"measure {name!r} is registered already; pass replace=True")
    MEASURES[name] = measure
    return measure


def measure_names() -> tuple[str, ...]:
    """The names ``measure=`` accepts."""
    return tuple(MEASURES)


def get_measure(name: object) -> Measure:
    """The registered measure ``name`` (InvalidOptionError naming the accepted ones)."""
    if not isinstance(name, str) or name not in MEASURES:
        raise InvalidOptionError("measure", name, measure_names())
    return MEASURES[name]


def check_measure_model(measure: Measure, model: str, has_factors: bool) -> None:
    """Refuse a normal model that does not apply to the measure."""
    allowed = measure.models
    if allowed is None:
        return
    if has_factors or model not in allowed:
        raise ConfigurationError(
            f"measure={measure.name!r} works with model= one of {list(allowed)}, not {model!r}"
        )


def measure_statuses(
    measure: Measure, panel: ReturnPanel, inst: np.ndarray, pos: np.ndarray,
    estimation: np.ndarray, span: np.ndarray, status: np.ndarray, uses_market: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Statuses with the measure's ``missing_status`` on events whose estimation window
    and span (relative days ``estimation``, ``span``) have no finite value of the
    instrument's series, ``no_benchmark_values`` where the instrument has values but
    its benchmark has none there (``uses_market``), and the count of missing values of
    each event there (``n_missing``; days outside the data do not count).

    Such an event has its day 0 but no value at all: its status names the cause in place
    of the engine's (``insufficient_estimation`` and the like would hide it).
    """
    rel = np.concatenate([estimation, span])
    got = panel.gather(inst, pos, rel)
    fin = np.isfinite(got.ret)
    n_missing = (got.inside & ~fin).sum(axis=1).astype(np.int64)
    none = (pos >= 0) & ~fin.any(axis=1)
    out = status.copy()
    if measure.missing_status != "insufficient_estimation":
        out[none] = measure.missing_status
        if uses_market:
            no_bench = (pos >= 0) & ~none & ~np.isfinite(got.market).any(axis=1)
            out[no_bench] = "no_benchmark_values"
    return out, n_missing


# ---------------------------------------------------------------------------------------
# options

#: ``volatility_model=`` values: the batched numpy GARCH(1,1) (:mod:`mktnews.garch`),
#: arch fitted event by event (the reference; slow), the model-free ``AR^2 / s^2``.
VOLATILITY_MODELS: tuple[str, ...] = ("garch", "garch_arch", "squared_ar")

#: Tests of ``measure="volatility"`` computed here (rows of ``results.tests``).
VOLATILITY_TESTS: tuple[str, ...] = ("av_log_ratio", "av_chi2")

#: Tests of the battery that apply to the CAV (``car`` of the volatility measure).
VOLATILITY_BATTERY: tuple[str, ...] = ("cs_t",)


def check_measure_options(
    measure: object, volatility_model: object, model: str, has_factors: bool,
    tests: object, placebo: object,
) -> tuple[str, str, object, tuple[str, ...]]:
    """Validate ``measure=`` and ``volatility_model=`` against the other options.

    Returns the measure's name, the volatility model, the ``tests`` value left for the
    battery's check and the measure's own tests (:data:`VOLATILITY_TESTS`).
    """
    m = get_measure(measure)
    if not isinstance(volatility_model, str) or volatility_model not in VOLATILITY_MODELS:
        raise InvalidOptionError("volatility_model", volatility_model, VOLATILITY_MODELS)
    check_measure_model(m, model, has_factors)
    if m.name != "volatility":
        if volatility_model != "garch":
            raise ConfigurationError(
                f"volatility_model={volatility_model!r} applies to measure='volatility' only "
                f"(measure={m.name!r})"
            )
        return m.name, volatility_model, tests, ()
    if placebo:
        raise ConfigurationError(
            "measure='volatility' has no placebo test yet: pass placebo=0 (its tests are "
            f"{', '.join(VOLATILITY_BATTERY + VOLATILITY_TESTS)})"
        )
    allowed = VOLATILITY_BATTERY + VOLATILITY_TESTS
    if tests is None:
        return m.name, volatility_model, None, ()
    if isinstance(tests, str):
        if tests == "all":
            return m.name, volatility_model, list(VOLATILITY_BATTERY), VOLATILITY_TESTS
        tests = [tests]
    if not isinstance(tests, (list, tuple)):
        raise InvalidOptionError("tests", tests, ("all", *allowed))
    for t in tests:
        if t not in allowed:
            raise InvalidOptionError(
                "tests", t, ("all", *allowed),
                reason="measure='volatility' runs these tests (the others assume ARs of returns)",
            )  # fmt: skip
    if len(set(tests)) != len(tests):
        raise InvalidOptionError("tests", tests, reason="a test is named twice")
    battery = [t for t in tests if t in VOLATILITY_BATTERY]
    own = tuple(t for t in tests if t in VOLATILITY_TESTS)
    return m.name, volatility_model, battery, own


# ---------------------------------------------------------------------------------------
# the engine's hooks: before and after the kernel


def kernel_inputs(measure: Measure, panel: ReturnPanel, spec: Any) -> tuple[ReturnPanel, Any]:
    """The panel and spec the kernel runs on.

    ``market_adjusted`` of a level measure (volume): levels of two instruments have no
    common scale (log volumes of an index and of the market differ by a constant), so the
    abnormal value is ``(v - v_m) - mean_est(v - v_m)``: the kernel fits the constant-mean
    model to the difference ``v - v_m`` (``k = 1``; ``alpha`` is that mean), and
    :func:`finish_measure` adds ``v_m`` back to ``ret`` and ``normal``. Other cases: as given.
    """
    if isinstance(measure, SeriesMeasure) and spec.model == "market_adjusted":
        with np.errstate(invalid="ignore"):
            diff = panel.ret - panel.market
        return dataclasses.replace(panel, ret=diff), dataclasses.replace(spec, model="constant_mean", benchmark=None)
    return panel, spec


# after the kernel


def finish_measure(
    measure: Measure, comp: Any, panel: ReturnPanel, inst: np.ndarray, pos: np.ndarray,
    spec: Any,
) -> tuple[Any, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """What a measure other than ``returns`` changes in the kernel's output ``comp``.

    Returns the new ``comp`` (a copy with ``dataclasses.replace``), columns to add to
    ``params`` (per event) and columns to add to ``abnormal`` (per event and span day).
    Every measure: the events without a value get the measure's ``missing_status``; BHAR
    is NaN (it is a return concept). Volatility: :func:`abnormal_volatility`.
    """
    from mktnews.models import needs_benchmark

    status, n_missing = measure_statuses(
        measure, panel, inst, pos, spec.estimation.rel, spec.span.rel, comp.status,
        needs_benchmark(spec.model),
    )
    params: dict[str, np.ndarray] = {}
    abnormal: dict[str, np.ndarray] = {}
    if measure.name == "volume":
        params["n_no_volume"] = n_missing
    bhar = {w: np.full(len(pos), np.nan) for w in comp.bhar}
    comp = dataclasses.replace(comp, status=status, bhar=bhar)
    if isinstance(measure, SeriesMeasure) and spec.model == "market_adjusted":
        with np.errstate(invalid="ignore"):  # back from v - v_m (see kernel_inputs)
            comp = dataclasses.replace(
                comp, span_ret=comp.span_ret + comp.span_market, normal=comp.normal + comp.span_market
            )
    if isinstance(measure, VolatilityMeasure):
        comp, params, abnormal = abnormal_volatility(comp, panel, inst, pos, spec)
    return comp, params, abnormal


def _volatility_input(
    fit: Any, panel: ReturnPanel, inst: np.ndarray, pos: np.ndarray, spec: Any
) -> tuple[np.ndarray, bool]:
    """The estimation-window series the GARCH is fitted to, and whether its mean is
    estimated with it: the returns with a constant mean (``constant_mean``), else the
    model's residuals with a zero mean (``raw``: the returns; ``market_adjusted``:
    ``R - R_m``; ``market_model``: the OLS residuals, a two-step fit)."""
    est = panel.gather(inst, pos, spec.estimation.rel)
    if spec.model == "constant_mean":
        return est.ret, True
    with np.errstate(invalid="ignore"):
        normal = fit.alpha[:, None] + fit.beta[:, None] * np.nan_to_num(est.market, nan=0.0)
        y = est.ret - normal
    if spec.model != "raw":
        y = np.where(np.isfinite(est.market), y, np.nan)
    return y, False


def abnormal_volatility(
    comp: Any, panel: ReturnPanel, inst: np.ndarray, pos: np.ndarray, spec: Any
) -> tuple[Any, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``AV = eps^2 / h`` per event and span day, and the kernel's output rewritten to it.

    ``volatility_model="garch"`` / ``"garch_arch"``: a GARCH(1,1)
    (:mod:`mktnews.garch`) fitted on each event's estimation-window series (see
    :func:`_volatility_input`; each series is divided by its standard deviation before
    the fit, which leaves ``AV`` unchanged), ``h`` the forecast for relative day ``d``
    made at the end of the estimation window (``d - end`` steps ahead), ``eps`` the
    span's return less the GARCH mean (``constant_mean``) or the model's AR.
    ``"squared_ar"``: ``eps`` the model's AR and ``h = s^2`` (the estimation-window
    residual variance ``SSR / (L - k)``).

    In the output, ``ar = AV - 1`` (0 under the null ``E[AV] = 1``), ``car`` is the
    CAV ``sum (AV - 1)`` over the window's days, ``sd_ar = sqrt 2`` and
    ``var_car = 2 n_days`` (the null variances for Gaussian errors). Events whose GARCH
    did not converge get the status ``garch_not_converged``.
    """
    from mktnews.garch import fit_garch, fit_garch_arch

    n = len(pos)
    fit = comp.fit
    span_rel = spec.span.rel
    eps = comp.ar
    params: dict[str, np.ndarray] = {}
    status = comp.status.copy()
    if spec.volatility_model == "squared_ar":
        with np.errstate(invalid="ignore"):
            h = np.broadcast_to((fit.s**2)[:, None], eps.shape).copy()
    else:
        y, constant = _volatility_input(fit, panel, inst, pos, spec)
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.nanstd(np.where(np.isfinite(y), y, np.nan), axis=1) if y.shape[1] else np.full(n, np.nan)
        scale = np.where(np.isfinite(scale) & (scale > 0), scale, np.nan)
        mean: Literal["zero", "constant"] = "constant" if constant else "zero"
        fitter = fit_garch_arch if spec.volatility_model == "garch_arch" else fit_garch
        todo = np.flatnonzero((status == "ok") & np.isfinite(scale))
        g = fitter(y[todo] / scale[todo, None], mean=mean)
        h = np.full(eps.shape, np.nan)
        with np.errstate(invalid="ignore", over="ignore"):
            h[todo] = g.forecast(span_rel - spec.estimation.end) * scale[todo, None] ** 2
            if constant:
                eps = eps.copy()
                eps[todo] = panel.gather(inst[todo], pos[todo], span_rel).ret - (g.mu * scale[todo])[:, None]
        conv = np.zeros(n, dtype=bool)
        conv[todo] = g.converged
        status[todo[~g.converged]] = "garch_not_converged"
        for name, vals in (("garch_mu", g.mu * scale[todo]), ("garch_omega", g.omega * scale[todo] ** 2),
                           ("garch_alpha", g.alpha), ("garch_beta", g.beta),
                           ("garch_loglik", g.loglik)):  # fmt: skip
            col = np.full(n, np.nan)
            col[todo] = vals
            params[name] = col
        params["garch_converged"] = conv
    with np.errstate(invalid="ignore", divide="ignore"):
        av = eps * eps / h
    ar = av - 1.0
    car, var_car, n_days = {}, {}, {}
    for w in spec.windows:  # loop per window
        cols = slice(w.start - spec.span.start, w.end - spec.span.start + 1)
        a = ar[:, cols]
        used = np.isfinite(a)
        nd = used.sum(axis=1)
        car[w] = np.where(nd > 0, np.where(used, a, 0.0).sum(axis=1), np.nan)
        var_car[w] = np.where(nd > 0, 2.0 * nd, np.nan)
        n_days[w] = nd
    in_windows = np.zeros(len(span_rel), dtype=bool)
    for w in spec.windows:  # loop per window
        in_windows[w.start - spec.span.start : w.end - spec.span.start + 1] = True
    incomplete = (status == "ok") & (np.isfinite(ar[:, in_windows]).sum(axis=1) < in_windows.sum())
    status[incomplete] = "incomplete_window"
    out = dataclasses.replace(
        comp, ar=ar, sd_ar=np.full(ar.shape, math.sqrt(2.0)), car=car, var_car=var_car,
        n_days=n_days, status=status,
    )  # fmt: skip
    return out, params, {"av": av, "h": h}


# ---------------------------------------------------------------------------------------
# tests of the volatility measure, from the car frame


def volatility_tests(car: pd.DataFrame, spec: Any) -> pd.DataFrame:
    """Rows of ``results.tests`` for :data:`VOLATILITY_TESTS` named in ``spec.tests``,
    per group and window, from the per-event CAV (``car``) and ``n_days`` of ``car``.

    Under the null each event-window ``AV`` is ``chi2(1)`` (Gaussian errors, a correct
    variance forecast), independent across days and events:

    - ``av_log_ratio``: per event ``r = log(mean AV) = log(1 + CAV / m)``, ``m`` its
      days; under the null ``E[r] = psi(m/2) - log(m/2)`` (``psi`` the digamma
      function, ``mean AV ~ chi2(m)/m``). ``t = mean(r - E[r]) / (sd(r) / sqrt N)``, p
      two-sided from Student's t with ``N - 1`` dof: a cross-sectional test, robust to
      the scale of the AVs' dispersion.
    - ``av_chi2``: ``S = sum AV`` over the events and days, ``chi2`` with
      ``sum m`` dof under the null; p two-sided ``2 min(F(S), 1 - F(S))``. Exact under
      the null's assumptions, oversized with fat tails.

    For ``volatility_model="squared_ar"`` the null distributions are approximations
    (``AR / s`` is about Student's t, not normal).
    """
    from scipy import special, stats

    names = [t for t in spec.tests if t in VOLATILITY_TESTS]
    cols: dict[str, list[Any]] = {k: [] for k in ("group", "window", "test", "statistic", "p_value", "n", "convention")}
    if not names or car.empty:
        return pd.DataFrame(cols)
    wins = np.asarray([tuple(w) for w in car["window"]], dtype=np.int64).reshape(-1, 2)
    g_arr = car["group"].to_numpy(dtype=object)
    cav = car["car"].to_numpy(dtype=np.float64)
    m = car["n_days"].to_numpy(dtype=np.float64)
    for g in sorted(set(g_arr.tolist())):  # loop per group
        for w in spec.windows:  # loop per window
            sel = (g_arr == g) & (wins[:, 0] == w.start) & (wins[:, 1] == w.end) & np.isfinite(cav) & (m > 0)
            c, mm = cav[sel], m[sel]
            k = int(sel.sum())
            for name in names:
                if name == "av_log_ratio":
                    with np.errstate(invalid="ignore", divide="ignore"):
                        r = np.log1p(c / mm) - (special.digamma(mm / 2.0) - np.log(mm / 2.0))
                    r = r[np.isfinite(r)]
                    k = len(r)
                    if k > 1 and np.std(r, ddof=1) > 0:
                        stat = float(r.mean() / (np.std(r, ddof=1) / math.sqrt(k)))
                        p = float(2.0 * stats.t.sf(abs(stat), k - 1))
                    else:
                        stat, p = math.nan, math.nan
                    conv = ("t of the mean log variance ratio r = log(mean AV) of the events against "
                            "its null mean psi(m/2) - log(m/2) (m window days; AV ~ chi2(1) under "
                            "H0), sd across events, two-sided p from Student's t with N - 1 dof")
                else:
                    total, dof = float((c + mm).sum()), float(mm.sum())
                    if dof > 0:
                        stat = total
                        cdf = float(stats.chi2.cdf(total, dof))
                        p = float(min(1.0, 2.0 * min(cdf, 1.0 - cdf)))
                    else:
                        stat, p = math.nan, math.nan
                    conv = (f"sum of the AVs of the events' window days (= sum CAV + sum m); under H0 "
                            f"(Gaussian errors, correct variance forecast, independent days and "
                            f"events) chi2 with sum m = {int(dof)} dof; p two-sided "
                            "2 min(F, 1 - F); oversized with fat-tailed errors")
                cols["group"].append(g)
                cols["window"].append(w.as_tuple())
                cols["test"].append(name)
                cols["statistic"].append(stat)
                cols["p_value"].append(p)
                cols["n"].append(k)
                cols["convention"].append(conv)
    return pd.DataFrame(cols)


def volatility_car_p(car: pd.DataFrame) -> pd.DataFrame:
    """The per-event ``p`` of the volatility measure: two-sided from ``chi2(n_days)`` of
    ``sum AV = car + n_days`` (``t``/``scar`` stay ``CAV / sqrt(2 n_days)``)."""
    from scipy import stats

    cav = car["car"].to_numpy(dtype=np.float64)
    m = car["n_days"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        cdf = stats.chi2.cdf(cav + m, m)
        p = np.minimum(1.0, 2.0 * np.minimum(cdf, 1.0 - cdf))
    return car.assign(p=p)


def measure_benchmark(
    measure: Measure, b: object, lo: pd.Timestamp, hi: pd.Timestamp, interval: str,
    source: Any, cache: dict[str, pd.Series],
) -> tuple[str, pd.Series]:
    """(label, the measure's series) of one benchmark for a measure that reads another
    column than the close (``volume``): an instrument name is loaded from ``source``; a
    prices frame must have the column; a Series of closes is refused."""
    from mktnews.instruments import resolve_symbol
    from mktnews.prices.base import load_prices

    col = measure.benchmark_column
    if isinstance(b, str):
        sym = resolve_symbol(b)
        if sym not in cache:
            frame = load_prices(sym, lo, hi, interval=interval, source=source)  # type: ignore[arg-type]
            cache[sym] = measure.benchmark_values(frame)
        return sym, cache[sym]
    if isinstance(b, pd.DataFrame):
        frame = b.rename(columns={c: str(c).lower() for c in b.columns})
        if col not in frame.columns:
            raise ConfigurationError(
                f"measure={measure.name!r} reads the benchmark's {col!r} column; the benchmark "
                f"frame has {list(b.columns)}: pass a prices frame with a {col!r} column or an "
                "instrument name"
            )
        label = str(b.attrs.get("symbol") or "user frame")
        return label, measure.benchmark_values(frame)
    raise ConfigurationError(
        f"measure={measure.name!r} reads the benchmark's {col!r} column, which a Series of "
        f"closes lacks: pass benchmark= an instrument name or a prices frame with a {col!r} "
        "column"
    )


# ---------------------------------------------------------------------------------------
# day 0: overnight and intraday parts

#: Columns of ``results.day0``.
DAY0_COLUMNS: tuple[str, ...] = (
    "event_id", "group", "symbol", "t0", "prev_close", "open", "close",
    "overnight", "intraday", "total", "status",
)  # fmt: skip


def day0_split(
    prices: Mapping[str, pd.DataFrame], table: Mapping[str, Any], ok: np.ndarray, returns: str
) -> pd.DataFrame:
    """Day 0's close-to-close return split at the open, for the events used (``ok``).

    ``overnight`` is previous close -> open of day 0, ``intraday`` open -> close of day 0
    and ``total`` previous close -> close (the day-0 return of the study): simple returns
    (``(1 + overnight) (1 + intraday) = 1 + total``) or log returns (``overnight +
    intraday = total``) as ``returns=``. The previous close is the row before day 0 in
    the instrument's data (as for the study's returns). ``status``: ``ok``, ``no_open``
    (the bar has no positive open: Yahoo gives some index rows none) or
    ``no_previous_close``. Raw returns: nothing is subtracted (the split of a normal
    return into the two parts is not identified by the models).

    Prices as :class:`~mktnews.prices.blocks.PriceBlocks` (the study's): one search for
    every event; another mapping of frames: one loop per instrument (the events of an
    instrument are located at once).
    """
    rows = np.flatnonzero(ok)
    sym = np.asarray(table["symbol"], dtype=object)[rows]
    t0 = np.asarray(table["t0_ns"], dtype=np.int64)[rows]
    if isinstance(prices, PriceBlocks) and not prices.intraday:
        prev, op, cl = _day0_bars(prices, sym, t0)
    else:
        prev, op, cl = _day0_bars_of_frames(prices, sym, t0)
    with np.errstate(invalid="ignore", divide="ignore"):
        good_open = np.isfinite(op) & (op > 0)
        good_prev = np.isfinite(prev) & (prev > 0)
        if returns == "log":
            on, intra, tot = np.log(op / prev), np.log(cl / op), np.log(cl / prev)
        else:
            on, intra, tot = op / prev - 1.0, cl / op - 1.0, cl / prev - 1.0
    on = np.where(good_open & good_prev, on, np.nan)
    intra = np.where(good_open, intra, np.nan)
    tot = np.where(good_prev, tot, np.nan)
    status = np.where(~good_prev, "no_previous_close", np.where(~good_open, "no_open", "ok"))
    return pd.DataFrame(
        {
            "event_id": pd.array(np.asarray(table["event_id"], dtype=object)[rows], dtype="str"),
            "group": pd.array(np.asarray(table["group"], dtype=object)[rows], dtype="str"),
            "symbol": pd.array(sym, dtype="str"),
            "t0": pd.DatetimeIndex(t0.view("datetime64[ns]")),
            "prev_close": prev, "open": op, "close": cl,
            "overnight": on, "intraday": intra, "total": tot,
            "status": pd.array(status, dtype="str"),
        }
    )  # fmt: skip


def _day0_bars(
    blocks: PriceBlocks, sym: np.ndarray, t0: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Previous close, open and close of each event's day-0 row in ``blocks`` (NaN where
    the row is not in the data): one search over every event, no loop."""
    n = len(t0)
    prev, op, cl = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    codes, uniq = pd.factorize(sym)
    j = np.append(blocks.codes(list(uniq)), -1)[codes]
    missing = np.flatnonzero(j < 0)
    if len(missing):  # as a mapping answers a symbol it does not hold
        raise KeyError(str(sym[missing[0]]))
    if not n or not len(blocks.stamps):
        return prev, op, cl
    a, m = blocks.starts[j], blocks.lengths[j]
    st = blocks.stamps
    p = segment_search(st, a, a + m, t0) - a
    row = np.minimum(a + p, len(st) - 1)  # a row of the blocks (checked by `hit`)
    hit = (p < m) & (st[row] == t0)
    closes = blocks.column("close")
    cl[:] = np.where(hit, closes[row], np.nan)
    if blocks.has_column("open"):  # else NaN (no column of NaN as long as the blocks is made)
        op[:] = np.where(hit, blocks.column("open")[row], np.nan)
    prev[:] = np.where(hit & (p > 0), closes[np.maximum(row - 1, 0)], np.nan)
    return prev, op, cl


def _day0_bars_of_frames(
    prices: Mapping[str, pd.DataFrame], sym: np.ndarray, t0: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_day0_bars` of a mapping of frames: one loop per instrument."""
    n = len(t0)
    prev, op, cl = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    for s in pd.unique(sym):  # loop per instrument
        frame = prices[str(s)]
        idx = pd.DatetimeIndex(frame.index)
        ns = (idx.tz_convert("UTC") if idx.tz is not None else idx).as_unit("ns").asi8
        sel = np.flatnonzero(sym == s)
        p = np.searchsorted(ns, t0[sel])
        hit = (p < len(ns)) & (ns[np.minimum(p, len(ns) - 1)] == t0[sel])
        closes = frame["close"].to_numpy(dtype=np.float64, na_value=np.nan)
        opens = (
            frame["open"].to_numpy(dtype=np.float64, na_value=np.nan)
            if "open" in frame.columns else np.full(len(ns), np.nan)
        )  # fmt: skip
        pc = np.where(hit, p, 0)
        cl[sel] = np.where(hit, closes[pc], np.nan)
        op[sel] = np.where(hit, opens[pc], np.nan)
        prev[sel] = np.where(hit & (p > 0), closes[np.maximum(pc - 1, 0)], np.nan)
    return prev, op, cl


def day0_summary(day0: pd.DataFrame, ci_level: float = 0.95) -> pd.DataFrame:
    """Per group: the mean overnight, intraday and total day-0 return of the events
    with an open (``status == "ok"``), their cross-sectional t (``mean / (sd / sqrt n)``),
    two-sided p from Student's t with ``n - 1`` dof, and ``n``; one row per group and part."""
    from scipy import stats

    out: dict[str, list[Any]] = {k: [] for k in ("group", "part", "mean", "t", "p_value", "n")}
    use = day0[day0["status"] == "ok"]
    for g in sorted(set(use["group"].tolist())):  # loop per group
        sel = use[use["group"] == g]
        for part in ("overnight", "intraday", "total"):
            x = sel[part].to_numpy(dtype=np.float64)
            x = x[np.isfinite(x)]
            k = len(x)
            mean = float(x.mean()) if k else math.nan
            sd = float(x.std(ddof=1)) if k > 1 else math.nan
            t = mean / (sd / math.sqrt(k)) if k > 1 and sd > 0 else math.nan
            p = float(2.0 * stats.t.sf(abs(t), k - 1)) if np.isfinite(t) else math.nan
            for key, val in (("group", g), ("part", part), ("mean", mean), ("t", t), ("p_value", p), ("n", k)):
                out[key].append(val)
    return pd.DataFrame(out).astype({"group": "str", "part": "str", "n": "int64"})


# ---------------------------------------------------------------------------------------
# labels for the faces (summary, report, plots)


@dataclass(frozen=True)
class MeasureLabels:
    """How the faces name a measure's numbers.

    Attributes
    ----------
    name : str
    label : str
        One day's abnormal value ("abnormal log volume").
    cumulative : str
        An event's cumulated value ("CAR", "CALV", "CAV").
    average : str
        The cross-sectional mean of the cumulated values ("CAAR", "mean CAV").
    percent : bool
        Whether the values are fractions shown in percent (returns).
    """

    name: str
    label: str
    cumulative: str
    average: str
    percent: bool


def measure_labels(name: object) -> MeasureLabels:
    """The labels of measure ``name`` (``results.options["measure"]``; a measure not
    registered in this session is named by its name)."""
    key = str(name) if name else "returns"
    if key == "returns":
        return MeasureLabels("returns", "abnormal return", "CAR", "CAAR", True)
    m = MEASURES.get(key)
    if m is None:
        return MeasureLabels(key, f"abnormal {key}", f"cumulative {key}", f"mean cumulative {key}", False)
    return MeasureLabels(key, m.label, m.cumulative, f"mean {m.cumulative}", False)
