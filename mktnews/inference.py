"""Test statistics of an event study: one event window of one group of N events.

The engine (:mod:`mktnews.study`) gathers, for one window ``(a, b)`` and one group, the
abnormal returns of the window, the estimation-window residuals and the per-event
standard deviations into a :class:`TestInput`, and calls :func:`run_tests`. Everything here
is plain numpy/scipy, vectorised across events (loops run over blocks of event pairs and
over test names, never over events).

Each statistic follows its published formula; the exact convention of each one is in
:data:`CONVENTIONS` (and in the ``convention`` field of every :class:`TestResult`).
Events that lack the data a test needs are left out of that test (``TestResult.n`` says how
many were used); a test that cannot be computed (too few events, zero variance) returns a
NaN statistic and p-value with the reason in ``convention``; it never raises.

References
----------
Brown, S. J. and Warner, J. B. (1980, 1985). Measuring security price performance; Using
daily stock returns. *Journal of Financial Economics* 8, 205-258; 14, 3-31.
Patell, J. M. (1976). Corporate forecasts of earnings per share and stock price behavior.
*Journal of Accounting Research* 14, 246-276.
Corrado, C. J. (1989). A nonparametric test for abnormal security-price performance in
event studies. *Journal of Financial Economics* 23, 385-395.
Boehmer, E., Musumeci, J. and Poulsen, A. B. (1991). Event-study methodology under
conditions of event-induced variance. *Journal of Financial Economics* 30, 253-272.
Corrado, C. J. and Zivney, T. L. (1992). The specification and power of the sign test in
event study hypothesis tests using daily stock returns. *JFQA* 27, 465-478.
Cowan, A. R. (1992). Nonparametric event study tests. *Review of Quantitative Finance and
Accounting* 2, 343-358.
Kolari, J. W. and Pynnönen, S. (2010). Event study testing with cross-sectional correlation
of abnormal returns. *Review of Financial Studies* 23, 3996-4025.
Kolari, J. W. and Pynnönen, S. (2011). Nonparametric rank tests for event studies.
*Journal of Empirical Finance* 18, 953-971.
"""

from __future__ import annotations

import dataclasses
import math
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol, get_args, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from mktnews.errors import InvalidOptionError
from mktnews.vocab import TestName

__all__ = [
    "CONVENTIONS",
    "ESTIMATION_TESTS",
    "KP_MIN_OVERLAP",
    "PLACEBO_P_RULE",
    "TESTS",
    "EventTest",
    "FunctionPlaceboStatistic",
    "FunctionTest",
    "PairCorrelations",
    "PlaceboStatistic",
    "TestBattery",
    "TestInput",
    "TestResult",
    "event_test",
    "event_test_names",
    "mean_pairwise_correlation",
    "not_computed",
    "placebo_draws",
    "placebo_result",
    "placebo_statistic",
    "placebo_statistic_names",
    "register_event_test",
    "register_placebo_statistic",
    "run_tests",
    "unregister_event_test",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: The test names, in the order :func:`run_tests` uses for ``tests="all"``
#: (``placebo`` is computed by the engine, not here).
TESTS: Final[tuple[str, ...]] = tuple(t for t in get_args(TestName) if t != "placebo")

#: The tests that read the estimation-window residuals (``est_ar``, ``est_keys``); the
#: others need only the window's data, ``s`` and ``L`` (the engine then passes (N, 0)
#: estimation arrays).
ESTIMATION_TESTS: Final[frozenset[str]] = frozenset(
    {"cda_t", "gen_sign", "corrado", "grank", "kp_patell", "kp_bmp"}
)

#: Minimum number of common calendar dates of two events' estimation residuals for their
#: correlation to enter the Kolari-Pynnönen mean correlation r̄.
KP_MIN_OVERLAP: Final[int] = 30

# Target number of cells of one block of pair sums in mean_pairwise_correlation.
_PAIR_BLOCK_CELLS: Final[int] = 1_000_000

# mean_pairwise_correlation visits candidate pairs one by one up to this many partners
# per event on average; beyond (clustered samples) dense date x event products are faster.
_SPARSE_PARTNERS: Final[int] = 64

# Cells (pairs x estimation days) per chunk of pairs there: small enough to stay in cache.
_PAIR_CHUNK_CELLS: Final[int] = 32_768

# Cells (events x days) per chunk of the rank tests.
_RANK_CHUNK_CELLS: Final[int] = 32_768

#: One paragraph per statistic: its formula and every convention chosen.
CONVENTIONS: Final[dict[str, str]] = {
    "cs_t": (
        "Cross-sectional t test (Brown and Warner 1985; EventStudyTools 'CSect T'): "
        "t = CAAR / (sd(CAR) / sqrt(N)), CAAR = mean of the N CARs of the window, sd with "
        "N - 1 in the denominator; two-sided p from Student's t with N - 1 degrees of freedom "
        "(identical to scipy.stats.ttest_1samp on the CARs). Uses every event with a CAR; "
        "needs N >= 2 and a non-zero cross-sectional spread."
    ),
    "bw_t": (
        "Brown-Warner time-series t with each event's own estimation-window residual s.d. s_i "
        "(independence across events assumed): z = CAAR / (sqrt(sum_i W_i s_i^2) / N), "
        "CAAR = mean of the CARs, W_i = number of non-missing ARs of event i in the window "
        "(= W = b - a + 1 when none is missing). The estimation error of the normal-return "
        "model is ignored (that is what patell/bmp add). Two-sided p from the standard normal. "
        "Uses events with a CAR and a finite s_i."
    ),
    "cda_t": (
        "Crude dependence adjustment (Brown and Warner 1980, 1985): the AAR series of the "
        "estimation window is formed by averaging, on each relative day of the estimation "
        "window (events aligned by relative day, not by calendar date), the residuals of the "
        "events that have one on that day; S = its standard deviation over the T estimation "
        "days that have at least one residual (T - 1 in the denominator). "
        "t = CAAR / (S * sqrt(W)), CAAR = mean of the CARs, W = number of window days on which "
        "at least one event has an AR; two-sided p from Student's t with T - 1 degrees of "
        "freedom. Uses events with a CAR; needs T >= 2."
    ),
    "patell": (
        "Patell (1976) Z of the window: Z = sum_i SCAR_i / sqrt(sum_i (L_i - k)/(L_i - k - 2)), "
        "with SCAR_i = CAR_i / sd_CAR_i, where sd_CAR_i is the square root of the full CAR "
        "prediction-error variance (s_i^2 (W + W^2/L_i + ...), including the covariance of the "
        "prediction errors across the window days), not Patell's (1/sqrt(W)) sum of "
        "daily SARs; the two agree for W = 1. L_i = number of estimation residuals, k = number "
        "of model parameters; (L_i - k)/(L_i - k - 2) is the variance of a t variable with "
        "L_i - k degrees of freedom. Two-sided p from the standard normal. Uses events with a "
        "CAR, sd_CAR > 0 and L_i - k > 2."
    ),
    "bmp": (
        "Boehmer, Musumeci and Poulsen (1991) standardised cross-sectional t: "
        "t = mean(SCAR) / (sd(SCAR) / sqrt(N)) with SCAR_i = CAR_i / sd_CAR_i as for patell and "
        "sd with N - 1 in the denominator; two-sided p from Student's t with N - 1 degrees of "
        "freedom. Uses events with a CAR and sd_CAR > 0; needs N >= 2."
    ),
    "kp_patell": (
        "Kolari and Pynnönen (2010, eq. 13) adjusted Patell Z: "
        "Z_patell * sqrt(1 / (1 + (N - 1) r)), where r is the mean correlation of the "
        "events' CARs under the model (see below); p from the standard normal. "
        "r: for every pair of events, rho_ij = Pearson correlation of their estimation-window "
        "residuals on the calendar dates both have (pairwise complete, at least KP_MIN_OVERLAP "
        "= 30 common dates, else the pair is left out of the mean), times the share of the "
        "event window the two CARs have in common, "
        "shared_ij / sqrt(W_i W_j) (shared_ij = calendar dates in both windows, W_i = window "
        "days with an AR); r = mean over all N(N-1)/2 pairs that are not left out. When all "
        "events share the same window dates (Kolari-Pynnönen's clustered setting) r is the "
        "plain mean pairwise residual correlation of the paper; pairs whose windows share no "
        "date contribute 0 (their CARs are uncorrelated under the model), so events of one "
        "instrument on different days, whose estimation residuals are the same series, do not "
        "count as correlated. Same events as patell; r = 0 when N = 1."
    ),
    "kp_bmp": (
        "Kolari and Pynnönen (2010) adjusted BMP t: t_bmp * sqrt((1 - r) / (1 + (N - 1) r)) "
        "with r the mean CAR correlation defined under kp_patell (computed on the bmp events); "
        "two-sided p from Student's t with N - 1 degrees of freedom, as bmp."
    ),
    "sign": (
        "Sign test on the CARs: w = number of positive CARs among the N non-zero CARs (a CAR of "
        "exactly 0 is dropped); the statistic is z = (w - N/2) / sqrt(N/4) and the two-sided "
        "p-value is the EXACT binomial one (that of scipy.stats.binomtest(w, N, 0.5): "
        "min(1, 2 P(X <= min(w, N - w)))), not the normal "
        "approximation of z, because news groups are often small."
    ),
    "gen_sign": (
        "Cowan (1992) generalised sign test: z = (w - N p) / sqrt(N p (1 - p)), w = number of "
        "events with a positive CAR (CAR = 0 counts as not positive), p = expected share of "
        "positive ARs estimated from the estimation window as in Cowan (1992): the mean over "
        "the N events of each event's share of positive residuals (equal to the share of "
        "positive residuals pooled over all events when every event has the same number of "
        "residuals). Two-sided p from the standard normal. Uses events with a CAR and at least "
        "one estimation residual; needs 0 < p < 1."
    ),
    "corrado": (
        "Corrado (1989) rank test with the Corrado and Zivney (1992) standardised ranks: for "
        "each event the ARs of its estimation window and of the tested window (a..b) form one "
        "series; K_it = rank of AR_it in it (ties averaged), U_it = K_it / (1 + M_i) - 1/2 with "
        "M_i the number of non-missing ARs of the event. On each relative day t, "
        "Ubar_t = mean of U_it over the N_t events with a value; "
        "S^2 = (1/T) sum_t (N_t/N) Ubar_t^2 over the T relative days with N_t > 0 (estimation "
        "and window days). W = 1: z = Ubar_0 / S (Corrado-Zivney one-day form). W > 1: Cowan's "
        "(1992) multi-day form z = (sum over window days of Ubar_t) / (sqrt(W) S), W = window "
        "days with N_t > 0. Two-sided p from the standard normal. Uses events with a CAR and "
        "at least one estimation residual."
    ),
    "grank": (
        "Kolari and Pynnönen (2011) generalised rank test (GRANK-T), the window squeezed into "
        "one 'cumulative event day': SCAR_i = CAR_i / sd_CAR_i (as for patell), "
        "SCAR*_i = SCAR_i / sd(SCAR) (cross-sectional sd, N - 1 in the denominator, for "
        "event-induced volatility); GSAR_i = the event's estimation residuals divided by s_i, "
        "followed by SCAR*_i. Ranks within each event's GSAR series (ties averaged), "
        "U_it = rank / (T_i + 1) - 1/2 with T_i the event's number of GSARs. "
        "Ubar_t = mean over the N_t events with a value; S^2 = (1/T) sum_t (N_t/N) Ubar_t^2 "
        "over the T time points with N_t > 0 (estimation days plus the cumulative event day); "
        "Z = Ubar_0 / S and t = Z sqrt((T - 2) / (T - 1 - Z^2)), two-sided p from Student's t "
        "with T - 2 degrees of freedom. Uses events with a CAR, sd_CAR > 0, s_i > 0 and at "
        "least one estimation residual; needs N >= 2."
    ),
    "wilcoxon": (
        "Wilcoxon signed-rank test of the CARs against 0: scipy.stats.wilcoxon with its "
        "defaults (zero_method='wilcox' drops CARs of exactly 0; no continuity correction; "
        "method='auto': the exact distribution for up to 50 CARs without ties or zeros, "
        "scipy's permutation test for up to 13 CARs with ties or zeros, else the normal "
        "approximation with the tie correction). "
        "The statistic is scipy's two-sided one, min(W+, W-); N = number of non-zero CARs."
    ),
}


def _as_float(x: object, ndim: int, name: str) -> FloatArray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != ndim:
        raise InvalidOptionError(
            f"TestInput.{name}", f"array of shape {arr.shape}", reason=f"must be {ndim}-d"
        )
    return arr


def _as_int(x: object, ndim: int, name: str) -> IntArray:
    arr = np.asarray(x)
    if arr.ndim != ndim:
        raise InvalidOptionError(
            f"TestInput.{name}", f"array of shape {arr.shape}", reason=f"must be {ndim}-d"
        )
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise InvalidOptionError(
            f"TestInput.{name}", f"array of dtype {arr.dtype}", reason="must hold int64 keys"
        )
    return arr.astype(np.int64, copy=False)


def _has_duplicate_keys(keys: IntArray) -> BoolArray:
    """Per row: does a non-negative key occur twice?"""
    if keys.shape[1] < 2:
        return np.zeros(keys.shape[0], dtype=bool)
    srt = np.sort(keys, axis=1)
    dup = (srt[:, 1:] == srt[:, :-1]) & (srt[:, 1:] >= 0)
    return np.asarray(dup.any(axis=1))


@dataclass(frozen=True)
class TestInput:
    """The data of one event window of one group of N events.

    Parameters
    ----------
    window : tuple of int
        ``(a, b)``, inclusive relative days (or bars) of the window; ``W = b - a + 1``.
    ar : ndarray, shape (N, W)
        Abnormal returns on days ``a..b`` (NaN = missing).
    sd_ar : ndarray, shape (N, W)
        Standard deviation of the prediction error of each AR, ``s_i * sqrt(C_it)``.
    car : ndarray, shape (N,)
        CAR over the window (sum of the available ARs).
    sd_car : ndarray, shape (N,)
        Square root of the CAR variance including the coefficient-error term.
    est_ar : ndarray, shape (N, L)
        Estimation-window residuals; column ``j`` is relative day ``est[0] + j``; NaN padded.
    est_keys : ndarray of int64, shape (N, L)
        Calendar key of each estimation residual (days since the epoch for daily data, bar
        start in ns for intraday); -1 where missing. Aligns events by date.
    evt_keys : ndarray of int64, shape (N, W)
        Calendar keys of the window days; -1 where missing.
    s : ndarray, shape (N,)
        Residual standard deviation of the estimation window, ``sqrt(SSR / (L_i - k))``.
    L : ndarray, shape (N,)
        Number of (non-missing) estimation residuals per event.
    k : int
        Number of parameters of the normal-return model (0 raw / market adjusted, 1 constant
        mean, 2 market model).
    period_ar : ndarray, shape (N, P), optional
        Abnormal returns of the whole event period (the span of every window of the
        study), for Corrado's test ranked over the estimation window plus the event period
        (``rank_period="event_period"``); by default it ranks over the estimation window
        plus this window.
    period_offset : int
        Column of ``period_ar`` holding the window's first day (``a - first day of the
        period``).

    Raises
    ------
    InvalidOptionError
        When the arrays do not have the documented shapes, or a calendar key occurs twice
        in one event's estimation or event window.
    """

    __test__ = False  # not a pytest test class, despite its name

    window: tuple[int, int]
    ar: FloatArray
    sd_ar: FloatArray
    car: FloatArray
    sd_car: FloatArray
    est_ar: FloatArray
    est_keys: IntArray
    evt_keys: IntArray
    s: FloatArray
    L: FloatArray
    k: int
    period_ar: FloatArray | None = None
    period_offset: int = 0

    def __post_init__(self) -> None:
        a, b = (int(v) for v in self.window)
        if b < a:
            raise InvalidOptionError("TestInput.window", self.window, reason="needs a <= b")
        ar = _as_float(self.ar, 2, "ar")
        n, w = ar.shape
        if w != b - a + 1:
            raise InvalidOptionError(
                "TestInput.ar",
                f"array of shape {ar.shape}",
                reason=f"window {self.window} has {b - a + 1} days",
            )
        est_ar = _as_float(self.est_ar, 2, "est_ar")
        arrays: dict[str, np.ndarray] = {
            "ar": ar,
            "sd_ar": _as_float(self.sd_ar, 2, "sd_ar"),
            "car": _as_float(self.car, 1, "car"),
            "sd_car": _as_float(self.sd_car, 1, "sd_car"),
            "est_ar": est_ar,
            "est_keys": _as_int(self.est_keys, 2, "est_keys"),
            "evt_keys": _as_int(self.evt_keys, 2, "evt_keys"),
            "s": _as_float(self.s, 1, "s"),
            "L": _as_float(self.L, 1, "L"),
        }
        expected = {
            "sd_ar": (n, w),
            "car": (n,),
            "sd_car": (n,),
            "est_ar": (n, est_ar.shape[1]),
            "est_keys": est_ar.shape,
            "evt_keys": (n, w),
            "s": (n,),
            "L": (n,),
        }
        for name, shape in expected.items():
            got = arrays[name].shape
            if got != shape:
                raise InvalidOptionError(
                    f"TestInput.{name}",
                    f"array of shape {got}",
                    reason=f"expected shape {shape} (N={n} events, W={w}, L={est_ar.shape[1]})",
                )
        for name in ("est_keys", "evt_keys"):
            dup = _has_duplicate_keys(arrays[name])
            if dup.any():
                raise InvalidOptionError(
                    f"TestInput.{name}",
                    f"duplicate calendar keys in event row(s) {np.flatnonzero(dup)[:10].tolist()}",
                    reason="each calendar date may occur once per event",
                )
        if self.period_ar is not None:
            per = _as_float(self.period_ar, 2, "period_ar")
            off = int(self.period_offset)
            if per.shape[0] != n or off < 0 or off + w > per.shape[1]:
                raise InvalidOptionError(
                    "TestInput.period_ar",
                    f"array of shape {per.shape} with period_offset={off}",
                    reason=f"needs N={n} rows and the window's {w} days at columns offset..offset+{w - 1}",
                )
            object.__setattr__(self, "period_ar", per)
            object.__setattr__(self, "period_offset", off)
        object.__setattr__(self, "window", (a, b))
        object.__setattr__(self, "k", int(self.k))
        for name, value in arrays.items():
            object.__setattr__(self, name, value)

    @classmethod
    def _unchecked(
        cls,
        window: tuple[int, int],
        ar: FloatArray,
        sd_ar: FloatArray,
        car: FloatArray,
        sd_car: FloatArray,
        est_ar: FloatArray,
        est_keys: IntArray,
        evt_keys: IntArray,
        s: FloatArray,
        L: FloatArray,
        k: int,
        period_ar: FloatArray | None = None,
        period_offset: int = 0,
    ) -> TestInput:
        """Build without the checks of ``__post_init__`` (for :mod:`mktnews.study`, whose
        arrays have the documented dtypes and shapes, and unique keys per row, by
        construction: sorting every row's keys to look for duplicates costs more than
        most tests)."""
        obj = object.__new__(cls)
        values = (
            window, ar, sd_ar, car, sd_car, est_ar, est_keys, evt_keys, s, L, int(k),
            period_ar, int(period_offset),
        )  # fmt: skip
        for f, value in zip(dataclasses.fields(cls), values, strict=True):
            object.__setattr__(obj, f.name, value)
        return obj

    @property
    def n_events(self) -> int:
        """Number of events (rows)."""
        return int(self.ar.shape[0])


@dataclass(frozen=True)
class TestResult:
    """One test statistic of one window of one group.

    Attributes
    ----------
    test : str
        Test name (one of :data:`TESTS`).
    statistic : float
        The statistic (NaN when it cannot be computed).
    p_value : float
        Two-sided p-value (NaN when the statistic cannot be computed).
    n : int
        Number of events used.
    convention : str
        Short description of the convention, or the reason the test could not be computed.
    """

    __test__ = False  # not a pytest test class, despite its name

    test: str
    statistic: float
    p_value: float
    n: int
    convention: str


def _result(test: str, stat: float, p: float, n: int, convention: str) -> TestResult:
    return TestResult(test, float(stat), float(p), int(n), convention)


def _nan(test: str, n: int, reason: str) -> TestResult:
    return TestResult(test, math.nan, math.nan, int(n), f"not computed: {reason}")


def _p_norm(z: float) -> float:
    from scipy import special  # lazy here and below: `import mktnews` does not load scipy

    return float(2.0 * special.ndtr(-abs(z)))  # = 2 norm.sf(|z|), without its overhead


def _p_t(t: float, df: float) -> float:
    from scipy import special

    return float(2.0 * special.stdtr(df, -abs(t)))  # = 2 t.sf(|t|, df)


def _spread_is_zero(sd: float, values: FloatArray) -> bool:
    """True when a standard deviation is zero up to rounding of ``values``."""
    scale = float(np.max(np.abs(values))) if values.size else 0.0
    return not np.isfinite(sd) or sd <= 1e-13 * max(scale, np.finfo(float).tiny)


def _row_standardised_ranks(x: FloatArray) -> tuple[FloatArray, BoolArray]:
    """Ranks within each row (ties averaged, NaN kept) divided by (1 + count) minus 1/2."""
    from scipy import stats

    ok = np.isfinite(x)
    ranks = stats.rankdata(np.where(ok, x, np.nan), axis=1, nan_policy="omit")
    count = ok.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = ranks / (count + 1.0) - 0.5
    return np.where(ok, u, np.nan), ok


def _rank_day_means(
    build: Callable[[IntArray], FloatArray], rows: IntArray, width: int
) -> tuple[FloatArray, IntArray]:
    """Column means of the standardised ranks of the rows ``build(rows)`` returns, and the
    column counts, computed in chunks of rows (the matrix is never built whole).

    Within each row: K = rank of each finite value (ties averaged; non-finite values left
    out), U = K / (1 + M) - 1/2 with M the row's number of finite values. Returns, per
    column, the mean of U over the rows with a value there (NaN where none) and that number
    of rows. Equivalent to :func:`_row_standardised_ranks` then :func:`_day_means`.
    """
    total = np.zeros(width)
    n_t = np.zeros(width, dtype=np.int64)
    step = max(1, _RANK_CHUNK_CELLS // max(width, 1))
    position = np.arange(1.0, width + 1.0)
    for a in range(0, rows.size, step):  # chunks of rows
        x = build(rows[a : a + step])
        r = x.shape[0]
        ok = np.isfinite(x)
        every = bool(ok.all())
        if not every:
            x = np.where(ok, x, np.nan)
        order = np.argsort(x, axis=1)  # missing values last
        # the sorted rows: x taken in that order, or sorted again (the same values: equal values
        # are equal), which is faster where numpy's sorting networks apply (short rows)
        srt = np.sort(x, axis=1) if width <= 256 else np.take_along_axis(x, order, axis=1)
        tie = srt[:, 1:] == srt[:, :-1]
        if tie.any():  # average ranks over runs of equal values
            col = np.broadcast_to(np.arange(width), (r, width))
            first = np.ones((r, width), dtype=bool)
            first[:, 1:] = ~tie
            last = np.ones((r, width), dtype=bool)
            last[:, :-1] = ~tie
            start = np.maximum.accumulate(np.where(first, col, 0), axis=1)
            end = np.minimum.accumulate(np.where(last, col, width - 1)[:, ::-1], axis=1)[:, ::-1]
            rank = (start + end) / 2.0 + 1.0
        else:
            rank = np.broadcast_to(position, (r, width))
        if every:
            u = rank / (width + 1.0) - 0.5
            n_t += r
        else:
            count = ok.sum(axis=1)
            u = rank / (count + 1.0)[:, None] - 0.5
            u[position[None, :] > count[:, None]] = 0.0  # the missing values, sorted last
            n_t += ok.sum(axis=0)
        total += np.bincount(order.ravel(), weights=np.broadcast_to(u, (r, width)).ravel(),
                             minlength=width)  # fmt: skip
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n_t > 0, total / np.maximum(n_t, 1), np.nan)
    return mean, n_t


def _day_means(u: FloatArray, ok: BoolArray) -> tuple[FloatArray, IntArray]:
    """Column means over the rows with a value, and the counts (mean NaN where 0)."""
    n_t = ok.sum(axis=0)
    total = np.where(ok, u, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n_t > 0, total / np.maximum(n_t, 1), np.nan)
    return mean, n_t.astype(np.int64)


def mean_pairwise_correlation(
    inp: TestInput,
    events: BoolArray | None = None,
    *,
    min_overlap: int = KP_MIN_OVERLAP,
    correlations: PairCorrelations | None = None,
) -> tuple[float, int, int]:
    """Kolari-Pynnönen mean correlation r̄ of the events' CARs.

    For each pair of events whose windows share calendar dates, the Pearson correlation of
    their estimation-window residuals on their common calendar dates (pairwise complete),
    times ``shared / sqrt(W_i W_j)``; pairs whose windows share no date contribute 0. The mean
    is taken over all pairs except those left out (fewer than ``min_overlap`` common
    estimation dates, or an undefined correlation).

    Only events whose windows can overlap meet: events are sorted by their first window
    date and each one's partners are the later events whose windows start before its own
    ends. When events are spread over time (at most ``_SPARSE_PARTNERS`` candidate partners
    per event on average) the candidate pairs are visited in chunks: their shared window
    dates are counted, and for the pairs that share some the sums over their common
    estimation dates come from two aligned row slices of a table holding each event's
    centred residuals by calendar position. Clustered samples use dense date x event
    matrix products instead, block by block of events (about ``_PAIR_BLOCK_CELLS`` cells
    per block). Time grows with the number of pairs of events whose windows overlap times
    the length of the estimation window (1,000 events spread over 13 years: about 10 ms;
    1,000 events on one day: about 0.1 s).

    The correlations depend only on the estimation residuals: pass ``correlations`` (a
    :class:`PairCorrelations` of the group, built once) to reuse them for every window, so
    that only the counts of shared window dates (the weights) are computed per window.

    Parameters
    ----------
    inp : TestInput
        The window's data.
    events : ndarray of bool, optional
        Which events (rows) take part; all by default.
    min_overlap : int
        Minimum number of common estimation dates for a pair's correlation.
    correlations : PairCorrelations, optional
        The group's pair correlations, built on the same rows as ``inp`` (the rows of
        ``inp.est_ar``) and on event dates covering this window's.

    Returns
    -------
    rbar : float
        The mean correlation (0.0 when fewer than two events; NaN when every pair was left
        out).
    n_pairs : int
        Number of pairs in the mean.
    n_left_out : int
        Number of pairs left out.
    """
    idx = np.flatnonzero(np.ones(inp.n_events, dtype=bool) if events is None else events)
    n = idx.size
    total = n * (n - 1) // 2
    if total == 0:
        return 0.0, 0, 0
    grouped = _rbar_by_groups(inp, idx, min_overlap)
    if grouped is not None:
        return grouped
    wkeys, wfin = inp.evt_keys[idx], np.isfinite(inp.ar[idx])
    found = _sharing_pairs(wkeys, wfin) if correlations is None else correlations.sharing(wkeys, wfin)
    if found is None:
        return 0.0, total, 0
    pi, pj, shared, w_i, sparse, block = found
    if pi.size == 0:
        return 0.0, total, 0
    if correlations is not None:
        rho, common = correlations.lookup(idx[pi], idx[pj])
    else:
        every = idx.size == inp.n_events  # all rows: no copies
        x = inp.est_ar if every else inp.est_ar[idx]
        xkeys = inp.est_keys if every else inp.est_keys[idx]
        rho, common = _correlate(x, xkeys, pi, pj, sparse, block)
    weight = shared / np.sqrt(w_i[pi] * w_i[pj])
    good = (common >= min_overlap) & np.isfinite(rho)
    left_out = int((~good).sum())
    counted = total - left_out
    if counted == 0:
        return math.nan, 0, left_out
    return float(np.sum(rho[good] * weight[good])) / counted, counted, left_out


#: Events from which :func:`mean_pairwise_correlation` sums r̄ by groups of events with the
#: same dates (:func:`_rbar_by_groups`) instead of pair by pair, when the data allow it.
_GROUPED_RBAR_MIN_EVENTS: Final[int] = 2_000
#: Rows of the residual table normalised at once by :func:`_group_unit_sums`.
_GROUPED_ROWS: Final[int] = 2_048


def _rbar_by_groups(inp: TestInput, idx: IntArray, min_overlap: int) -> tuple[float, int, int] | None:
    """r̄ of :func:`mean_pairwise_correlation` without visiting pairs of events, or None
    when the data do not allow it (then the pairs are visited).

    Events with the same estimation dates and the same window dates form a group. When
    every event's residuals cover its estimation dates without a gap (positions ``b..b+L-1``
    of the calendar of all estimation dates) two events of groups g, h whose first positions
    differ by ``d`` have ``L - d`` common estimation dates, the same for every pair of the
    two groups, and their pairwise-complete correlation is the dot product ``u_i . v_j`` of
    their residuals on those dates, each centred and scaled to unit length. The weight
    ``shared / sqrt(W_i W_j)`` is the same for the pairs of the two groups too, so their
    sum of weighted correlations is ``w_gh (sum_i u_i) . (sum_j v_j)`` (within one group,
    ``(|sum_i u_i|^2 - sum_i |u_i|^2) / 2``), and the pairs left out (fewer than
    ``min_overlap`` common dates, or a residual series without variance on them) are
    counted from the groups' sizes. Exact, as the pair-by-pair sums (in another order of
    summation); the work grows with the events times the offsets between groups whose
    windows overlap, not with the pairs of events, so it is linear in the number of events
    for a given calendar and window. A loop per offset ``d``; used when the events have more
    overlapping partners than twice the number of offsets (else pairs are visited).
    """
    n = idx.size
    if n < _GROUPED_RBAR_MIN_EVENTS:
        return None
    x = inp.est_ar[idx]
    xk = inp.est_keys[idx]
    L = x.shape[1]
    if L < 2 or not (np.isfinite(x).all() and (xk >= 0).all()):
        return None
    codes, base, width = _calendar_positions(xk, np.ones(xk.shape, dtype=bool))
    if width != L or not (codes == base[:, None] + np.arange(L)).all():
        return None  # a gap in some event's estimation dates: pair by pair
    wk = inp.evt_keys[idx]
    wok = np.isfinite(inp.ar[idx]) & (wk >= 0)
    sig = np.column_stack([base, np.where(wok, wk, -1)])
    uniq, grp = np.unique(sig, axis=0, return_inverse=True)
    if n < 3 * uniq.shape[0]:
        return None  # groups of fewer than 3 events: pairs are few, visit them
    grp = grp.ravel()
    size = np.bincount(grp, minlength=uniq.shape[0])
    gbase, gw = uniq[:, 0], uniq[:, 1:]
    gwok = gw >= 0
    found = _sharing_pairs(gw, gwok)
    total = n * (n - 1) // 2
    if found is None:
        return 0.0, total, 0
    gi, gj, shared, w_g, _, _ = found
    # pairs within a group (every one of them shares all its window dates)
    selfs = np.flatnonzero((size >= 2) & (w_g > 0))
    swap = gbase[gi] > gbase[gj]
    gl, gr = np.where(swap, gj, gi), np.where(swap, gi, gj)
    gl = np.concatenate([gl, selfs])
    gr = np.concatenate([gr, selfs])
    shared = np.concatenate([shared.astype(np.float64), w_g[selfs]])
    same = np.zeros(gl.size, dtype=bool)
    same[gi.size :] = True
    d = gbase[gr] - gbase[gl]
    n_common = L - d
    usable = (n_common >= 2) & (n_common >= min_overlap)
    n_pairs = np.where(same, size[gl] * (size[gl] - 1) // 2, size[gl] * size[gr])
    offsets = np.unique(d[usable])
    if int(n_pairs.sum()) < 2 * offsets.size * n:
        return None  # few pairs per event: visiting them costs less than a pass per offset
    left_out = int(n_pairs[~usable].sum())
    num = 0.0
    order = np.argsort(grp, kind="stable")
    xs = x[order] - x.mean(axis=1)[order][:, None]  # centred on each event's own mean
    gs = grp[order]
    top = int(offsets.max())
    # per row, the sums and sums of squares of its first and last `top` residuals (cumulative):
    # a slice's sums are the row's less a head or a tail
    tot, tot2 = xs.sum(axis=1), np.einsum("ij,ij->i", xs, xs)
    head, head2 = np.zeros((n, top + 1)), np.zeros((n, top + 1))
    tail, tail2 = np.zeros((n, top + 1)), np.zeros((n, top + 1))
    if top:
        h, t = xs[:, :top], xs[:, L - top :][:, ::-1]
        np.cumsum(h, axis=1, out=head[:, 1:])
        np.cumsum(h * h, axis=1, out=head2[:, 1:])
        np.cumsum(t, axis=1, out=tail[:, 1:])
        np.cumsum(t * t, axis=1, out=tail2[:, 1:])
    for dd in offsets.tolist():  # loop per offset between groups
        at = np.flatnonzero(usable & (d == dd))
        m = L - dd
        u_l, good_l = _group_unit_sums(xs[:, dd:], tot - head[:, dd], tot2 - head2[:, dd], gs, size.size)
        if dd:
            u_r, good_r = _group_unit_sums(xs[:, :m], tot - tail[:, dd], tot2 - tail2[:, dd], gs, size.size)
        else:
            u_r, good_r = u_l, good_l
        a, b = gl[at], gr[at]
        dots = np.einsum("ij,ij->i", u_l[a], u_r[b])
        within = same[at]
        # within a group: (|sum u|^2 - sum |u|^2) / 2, each |u| being 1
        dots[within] = (dots[within] - good_l[a[within]]) / 2.0
        good_pairs = np.where(within, good_l[a] * (good_l[a] - 1) // 2, good_l[a] * good_r[b])
        left_out += int((n_pairs[at] - good_pairs).sum())
        num += float(np.sum(dots * shared[at] / np.sqrt(w_g[a] * w_g[b])))
    counted = total - left_out
    if counted == 0:
        return math.nan, 0, left_out
    return num / counted, counted, left_out


def _group_unit_sums(
    xs: FloatArray, sx: FloatArray, sxx: FloatArray, groups: IntArray, n_groups: int
) -> tuple[FloatArray, IntArray]:
    """Per group (``groups`` sorted), the sum of its rows centred and scaled to unit length,
    rows without variance left out (``sx``, ``sxx``: each row's sum and sum of squares), and
    the number of rows kept; in chunks of rows."""
    m = xs.shape[1]
    var = sxx - sx * sx / m
    ok = var > 0
    inv = np.zeros(var.size)
    inv[ok] = 1.0 / np.sqrt(var[ok])
    shift = sx / m * inv  # each unit row is x * inv - shift
    sums = np.zeros((n_groups, m))
    for r0 in range(0, xs.shape[0], _GROUPED_ROWS):  # chunks of rows
        sl = slice(r0, r0 + _GROUPED_ROWS)
        g = groups[sl]
        cut = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        sums[g[cut]] += np.add.reduceat(xs[sl] * inv[sl, None], cut, axis=0)
    cut = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    ids = groups[cut]
    sums[ids] -= np.add.reduceat(shift, cut)[:, None]
    good = np.zeros(n_groups, dtype=np.int64)
    good[ids] = np.add.reduceat(ok.astype(np.int64), cut)
    return sums, good


class PairCorrelations:
    """Pairwise correlations of a group's estimation residuals, for every window.

    The Kolari-Pynnönen r̄ of a window weighs the correlation of each pair of events (their
    estimation residuals on their common calendar dates) by the share of window dates they
    have in common. The correlations do not depend on the window: this object computes them
    once, for every pair of events whose event dates (``span_keys``, the union of all the
    windows) share a date, and :func:`mean_pairwise_correlation` looks them up.

    Parameters
    ----------
    est_ar : ndarray, shape (N, L)
        Estimation-window residuals (NaN = missing).
    est_keys : ndarray of int64, shape (N, L)
        Their calendar keys (-1 where missing).
    span_keys : ndarray of int64, shape (N, P)
        Calendar keys of the event dates of every window (-1 where missing).
    span_ok : ndarray of bool, shape (N, P), optional
        Which event dates have an abnormal return (all by default).
    """

    def __init__(
        self,
        est_ar: FloatArray,
        est_keys: IntArray,
        span_keys: IntArray,
        span_ok: BoolArray | None = None,
    ) -> None:
        self.est_ar = est_ar
        self.est_keys = est_keys
        self.n = int(est_ar.shape[0])
        self._span = (span_keys, np.ones(span_keys.shape, dtype=bool) if span_ok is None else span_ok)
        empty = np.zeros(0, dtype=np.int64)
        self._codes: IntArray = empty
        self._rho: FloatArray = np.zeros(0)
        self._common: IntArray = empty
        self._built = False
        self._found: tuple[IntArray, IntArray, IntArray, FloatArray, bool, int] | None = None
        if self.n < _GROUPED_RBAR_MIN_EVENTS:
            self._build()  # else on the first look-up: r̄ by groups of events needs no pairs

    def _build(self) -> None:
        self._built = True
        found = self._found = _sharing_pairs(*self._span)
        if found is not None and found[0].size:
            pi, pj, _, _, sparse, block = found
            rho, common = _correlate(self.est_ar, self.est_keys, pi, pj, sparse, block)
            self._store(pi, pj, rho, common)

    def sharing(
        self, wkeys: IntArray, wfin: BoolArray
    ) -> tuple[IntArray, IntArray, IntArray, FloatArray, bool, int] | None:
        """``_sharing_pairs(wkeys, wfin)`` (the pairs of rows whose window dates meet), taken
        from the build when it read the same dates (a window that is the whole span)."""
        span_keys, span_ok = self._span
        if self._built and wkeys.shape == span_keys.shape:
            a = wfin & (wkeys >= 0)
            b = span_ok & (span_keys >= 0)
            if np.array_equal(a, b) and np.array_equal(wkeys[a], span_keys[b]):
                return self._found
        return _sharing_pairs(wkeys, wfin)

    def _store(self, pi: IntArray, pj: IntArray, rho: FloatArray, common: IntArray) -> None:
        codes = np.concatenate([self._codes, self._code(pi, pj)])
        order = np.argsort(codes, kind="stable")
        self._codes = codes[order]
        self._rho = np.concatenate([self._rho, rho])[order]
        self._common = np.concatenate([self._common, common])[order]

    def _code(self, pi: IntArray, pj: IntArray) -> IntArray:
        return np.minimum(pi, pj).astype(np.int64) * self.n + np.maximum(pi, pj)

    def lookup(self, pi: IntArray, pj: IntArray) -> tuple[FloatArray, IntArray]:
        """Correlations and numbers of common estimation dates of the pairs (pi, pj) of
        rows (pairs not seen when built, e.g. dates outside ``span_keys``, are computed
        now and kept)."""
        if not self._built:
            self._build()
        codes = self._code(pi, pj)
        at = np.searchsorted(self._codes, codes)
        hit = np.zeros(codes.size, dtype=bool)
        if self._codes.size:
            inside = at < self._codes.size
            hit[inside] = self._codes[at[inside]] == codes[inside]
        if not hit.all():
            miss = ~hit
            ui, uj = pi[miss], pj[miss]
            rho, common = _correlate(self.est_ar, self.est_keys, ui, uj, True, 16)
            self._store(ui, uj, rho, common)
            return self.lookup(pi, pj)
        return self._rho[at], self._common[at]


def _sharing_pairs(
    wkeys: IntArray, wfin: BoolArray
) -> tuple[IntArray, IntArray, IntArray, FloatArray, bool, int] | None:
    """Pairs of rows whose window dates (keys where ``wfin``) share some, with the number
    of shared dates, each row's number of dates, whether the sample is sparse (pairs visited
    in chunks) or clustered (dense blocks) and the block size; None when no row has dates."""
    wok = wfin & (wkeys >= 0)
    w_i = wok.sum(axis=1).astype(np.float64)
    has = w_i > 0
    if not has.any():
        return None
    kmin = np.where(wok, wkeys, np.iinfo(np.int64).max).min(axis=1)
    kmax = np.where(wok, wkeys, np.iinfo(np.int64).min).max(axis=1)
    order = np.flatnonzero(has)[np.argsort(kmin[has], kind="stable")]
    kmin_sorted = kmin[order]
    m = order.size
    # partners of each event: the later ones (by first window date) whose windows start
    # before its window ends
    hi = np.searchsorted(kmin_sorted, kmax[order], side="right")
    later = hi - np.arange(m)  # including the event itself
    candidates = int(np.sum(later - 1))
    empty = np.zeros(0, dtype=np.int64)
    # rows per block: about the mean number of later events a window can overlap (small
    # blocks keep the date x event matrices narrow when events are spread over time, large
    # ones amortise building them when events cluster), within the memory budget
    block = int(np.clip(np.mean(later), 16, max(16, _PAIR_BLOCK_CELLS // m)))
    sparse = candidates <= _SPARSE_PARTNERS * m
    if candidates == 0:
        return empty, empty, empty, w_i, sparse, block
    runs = _sharing_runs(order, hi, wkeys, wok) if sparse else None
    if runs is not None:
        pi, pj, shared = runs
    elif sparse:
        pi, pj, shared = _sharing_sparse(order, hi, wkeys, wok)
    else:
        pi, pj, shared = _sharing_dense(order, kmin_sorted, kmax, block, wkeys, wok)
    return pi, pj, shared, w_i, sparse, block


def _sharing_dense(
    order: IntArray,
    kmin_sorted: IntArray,
    kmax: IntArray,
    block: int,
    wkeys: IntArray,
    wok: BoolArray,
) -> tuple[IntArray, IntArray, IntArray]:
    """Pairs sharing window dates, with dense date x event matrices, block by block of
    events sorted by first window date (clustered samples)."""
    m = order.size
    kept: list[tuple[IntArray, IntArray, IntArray]] = []
    for s0 in range(0, m, block):
        s1 = min(s0 + block, m)
        # partners: later events (sorted by first window date) starting before this block ends
        hi = int(np.searchsorted(kmin_sorted, kmax[order[s0:s1]].max(), side="right"))
        cols = order[s0 : max(hi, s1)]
        nb = s1 - s0
        shared = _shared_counts(wkeys[cols], wok[cols], nb)
        upper = np.arange(cols.size)[None, :] > np.arange(nb)[:, None]
        ri, cj = np.nonzero((shared > 0) & upper)
        kept.append((cols[ri], cols[cj], np.rint(shared[ri, cj]).astype(np.int64)))
    return tuple(np.concatenate([k[i] for k in kept]) for i in range(3))  # type: ignore[return-value]


def _are_runs(codes: IntArray, width: int) -> bool:
    """Whether every row of :func:`_calendar_positions`' codes is a run of consecutive
    positions as long as the row (no date of the calendar skipped inside a row)."""
    return width == codes.shape[1] and bool((np.diff(codes, axis=1) == 1).all())


def _sharing_runs(
    order: IntArray, hi: IntArray, wkeys: IntArray, wok: BoolArray
) -> tuple[IntArray, IntArray, IntArray] | None:
    """:func:`_sharing_sparse` (same pairs, same order) when every row's window dates are
    a complete run of ``W`` consecutive positions of the calendar of all window dates: two
    rows starting at positions ``b_i``, ``b_j`` share ``max(0, W - |b_i - b_j|)`` dates,
    so no date is compared. None when some row has a gap or a missing date."""
    if not wok.all() or wkeys.shape[1] == 0:
        return None
    codes, base, width = _calendar_positions(wkeys, wok)
    if not _are_runs(codes, width):
        return None
    m = order.size
    cnt = hi - np.arange(m) - 1
    total = int(cnt.sum())
    a = np.repeat(np.arange(m), cnt)
    off = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    pi, pj = order[a], order[a + 1 + off]
    shared = np.maximum(width - np.abs(base[pi] - base[pj]), 0)
    keep = shared > 0
    return pi[keep], pj[keep], shared[keep]


def _sharing_sparse(
    order: IntArray, hi: IntArray, wkeys: IntArray, wok: BoolArray
) -> tuple[IntArray, IntArray, IntArray]:
    """Pairs sharing window dates among the candidate pairs of events sorted by first
    window date (events spread over time), counted directly in groups of events."""
    m = order.size
    width_w = wkeys.shape[1]
    cnt = hi - np.arange(m) - 1
    wk_i = np.where(wok, wkeys, -1)
    wk_j = np.where(wok, wkeys, -2)  # missing days never match
    step = max(1, min(_PAIR_BLOCK_CELLS, _PAIR_CHUNK_CELLS) // max(width_w * width_w, 1))
    ends = np.cumsum(cnt)
    cuts = np.searchsorted(ends, np.arange(step, int(ends[-1]) + step, step))
    kept: list[tuple[IntArray, IntArray, IntArray]] = []
    g0 = 0
    for g1 in np.unique(np.minimum(cuts + 1, m)).tolist():  # groups of events
        cg = cnt[g0:g1]
        total = int(cg.sum())
        if total:
            a = np.repeat(np.arange(g0, g1), cg)
            off = np.arange(total) - np.repeat(np.cumsum(cg) - cg, cg)
            pi, pj = order[a], order[a + 1 + off]
            shared = (wk_i[pi][:, :, None] == wk_j[pj][:, None, :]).sum(axis=(1, 2))
            keep = shared > 0
            kept.append((pi[keep], pj[keep], shared[keep]))
        g0 = g1
    return tuple(np.concatenate([k[i] for k in kept]) for i in range(3))  # type: ignore[return-value]


def _correlate(
    x: FloatArray, xkeys: IntArray, pi: IntArray, pj: IntArray, sparse: bool, block: int
) -> tuple[FloatArray, IntArray]:
    """Pairwise-complete Pearson correlations of the residual rows (pi, pj) on their common
    calendar dates, and the numbers of common dates: row slices of a table by calendar
    position (``sparse``) or dense date x event products, ``block`` first rows at a time."""
    xok = np.isfinite(x) & (xkeys >= 0)
    complete = bool(xok.all()) and x.shape[1] > 0
    # each event is centred on its own mean: Pearson is shift invariant, and the sums stay small
    if complete:
        mean = x.mean(axis=1)
    else:
        mean = np.where(xok, x, 0.0).sum(axis=1) / np.maximum(xok.sum(axis=1), 1)
    if pi.size == 0:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    if sparse:
        return _correlate_sparse(x, mean, complete, xkeys, xok, pi, pj)
    xc = x - mean[:, None]
    xc[~xok] = 0.0
    return _correlate_dense(xc, xkeys, xok, pi, pj, block)


def _correlate_dense(
    xc: FloatArray, xkeys: IntArray, xok: BoolArray, pi: IntArray, pj: IntArray, block: int
) -> tuple[FloatArray, IntArray]:
    """Pair correlations from dense date x event products, for blocks of ``block`` first
    rows taken in their order of first appearance in ``pi`` (events sorted by first window
    date: a block's partners are few), each with the block's partners as columns."""
    n = xc.shape[0]
    rho = np.empty(pi.size)
    common = np.empty(pi.size, dtype=np.int64)
    _, seen_at = np.unique(pi, return_index=True)
    first = pi[np.sort(seen_at)]
    rank = np.empty(n, dtype=np.int64)
    rank[first] = np.arange(first.size)
    blk = rank[pi] // block
    by_block = np.argsort(blk, kind="stable")
    bounds = np.searchsorted(blk[by_block], np.arange(int(blk.max()) + 2))
    loc = np.full(n, -1, dtype=np.int64)  # column of each row in the block's matrices
    for b in range(bounds.size - 1):
        sel = by_block[bounds[b] : bounds[b + 1]]
        if sel.size == 0:
            continue
        rows = first[b * block : (b + 1) * block]
        loc[rows] = np.arange(rows.size)
        others = np.unique(pj[sel])
        others = others[loc[others] < 0]
        loc[others] = rows.size + np.arange(others.size)
        cols = np.concatenate([rows, others])
        r, c = _pair_correlations(
            xc[cols], xkeys[cols], xok[cols], rows.size, loc[pi[sel]], loc[pj[sel]]
        )
        rho[sel] = r
        common[sel] = c
        loc[cols] = -1
    return rho, common


def _correlate_sparse(
    x: FloatArray,
    mean: FloatArray,
    complete: bool,
    xkeys: IntArray,
    xok: BoolArray,
    pi: IntArray,
    pj: IntArray,
) -> tuple[FloatArray, IntArray]:
    """Pair correlations from two aligned row slices of a table holding each event's
    centred residuals by calendar position (``key - first key``, or a compact code of the
    key when keys are sparse, e.g. intraday bar starts in ns), in chunks of pairs."""
    n = x.shape[0]
    codes, base, width = _calendar_positions(xkeys, xok)
    # order each pair so that the "left" event starts first: the right one's position t
    # is the left one's position t + d
    swap = base[pi] > base[pj]
    left = np.where(swap, pj, pi)
    right = np.where(swap, pi, pj)
    d = np.minimum(base[right] - base[left], width)  # d = width: no common date
    if complete and _are_runs(codes, width):
        return _correlate_runs(x - mean[:, None], left, right, d)
    pad = int(d.max())
    stride = width + pad + 1  # the last column collects the cells without a date
    table = np.full((n, stride), np.nan)
    codes -= base[:, None]  # column of each cell in its row (codes is ours to change)
    if not complete:
        codes[~xok] = stride - 1
    np.put_along_axis(table, codes, x, axis=1)
    table[:, stride - 1] = np.nan
    table -= mean[:, None]  # centred (NaN stays NaN)
    from numpy.lib.stride_tricks import sliding_window_view

    rows = sliding_window_view(table.ravel(), width)
    first_left = left * stride + d
    first_right = right * stride
    step = max(1, min(_PAIR_BLOCK_CELLS, _PAIR_CHUNK_CELLS) // max(width, 1))
    rho = np.empty(pi.size)
    common = np.empty(pi.size, dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        for s0 in range(0, pi.size, step):  # chunks of pairs
            sl = slice(s0, s0 + step)
            xi = rows[first_left[sl]]
            xj = rows[first_right[sl]]
            miss = np.isnan(xi)
            miss |= np.isnan(xj)
            np.copyto(xi, 0.0, where=miss)
            np.copyto(xj, 0.0, where=miss)
            n_ij = (width - miss.sum(axis=1)).astype(np.float64)
            sx_i, sx_j = xi.sum(axis=1), xj.sum(axis=1)
            cov = np.einsum("ij,ij->i", xi, xj) - sx_i * sx_j / n_ij
            var_i = np.einsum("ij,ij->i", xi, xi) - sx_i * sx_i / n_ij
            var_j = np.einsum("ij,ij->i", xj, xj) - sx_j * sx_j / n_ij
            den = np.sqrt(var_i * var_j)
            rho[sl] = np.clip(np.where((n_ij >= 2) & (den > 0), cov / den, np.nan), -1.0, 1.0)
            common[sl] = np.rint(n_ij).astype(np.int64)
    return rho, common


def _correlate_runs(
    xc: FloatArray, left: IntArray, right: IntArray, d: IntArray
) -> tuple[FloatArray, IntArray]:
    """:func:`_correlate_sparse` when every row is a complete run of consecutive calendar
    positions of one length ``L`` (one calendar, no missing residual): the common dates of
    a pair are the left row's positions ``d..L-1`` and the right row's ``0..L-1-d``. The
    sums of each side over them come from running sums of the rows (no pass over the
    pairs' cells); only the cross products are summed per pair, over a row of the left
    event shifted by ``d`` against a row of the right one, zeros past the left row's end.
    ``xc`` holds the centred residuals.
    """
    n, width = xc.shape
    pad = int(d.max())
    stride = width + pad
    table = np.zeros((n, stride))
    table[:, :width] = xc
    run = np.zeros((n, width + 1))
    np.cumsum(xc, axis=1, out=run[:, 1:])
    run2 = np.zeros((n, width + 1))
    np.cumsum(xc * xc, axis=1, out=run2[:, 1:])
    from numpy.lib.stride_tricks import sliding_window_view

    rows = sliding_window_view(table.ravel(), width)
    first_left = left * stride + d
    first_right = right * stride
    n_ij = (width - d).astype(np.float64)
    sx_i = run[left, width] - run[left, d]
    sxx_i = run2[left, width] - run2[left, d]
    sx_j = run[right, width - d]
    sxx_j = run2[right, width - d]
    sxy = np.empty(left.size)
    step = max(1, min(_PAIR_BLOCK_CELLS, _PAIR_CHUNK_CELLS) // max(width, 1))
    for s0 in range(0, left.size, step):  # chunks of pairs
        sl = slice(s0, s0 + step)
        sxy[sl] = np.einsum("ij,ij->i", rows[first_left[sl]], rows[first_right[sl]])
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx_i * sx_j / n_ij
        var_i = sxx_i - sx_i * sx_i / n_ij
        var_j = sxx_j - sx_j * sx_j / n_ij
        den = np.sqrt(var_i * var_j)
        rho = np.clip(np.where((n_ij >= 2) & (den > 0), cov / den, np.nan), -1.0, 1.0)
    return rho, np.rint(n_ij).astype(np.int64)


def _calendar_positions(keys: IntArray, ok: BoolArray) -> tuple[IntArray, IntArray, int]:
    """Compact calendar codes of the keys (their rank among all keys present), per row the
    first code, and the widest row span in codes (codes are 0 where ``ok`` is False).

    Daily keys (days since the epoch) are ranked through a bitmap of the days between the
    first and the last key; sparse keys (intraday bar starts in ns) through a sort.
    """
    big = np.iinfo(np.int64).max
    every = bool(ok.all())
    masked = keys if every else np.where(ok, keys, big)
    lo = int(masked.min()) if masked.size else big
    if lo == big:  # no key at all
        return np.zeros(keys.shape, dtype=np.int64), np.zeros(keys.shape[0], dtype=np.int64), 1
    if not every:
        masked = np.where(ok, keys, lo)  # missing cells take the first key (code 0)
    hi = int(masked.max())
    if hi - lo < 4 * max(keys.size, 1 << 16):
        seen = np.zeros(hi - lo + 1, dtype=bool)
        codes = masked - lo
        seen[codes.ravel()] = True
        np.take(np.cumsum(seen) - 1, codes, out=codes)
    else:
        uniq = np.unique(masked if every else keys[ok])
        codes = np.searchsorted(uniq, masked)
    if every:
        cmin, cmax = codes.min(axis=1), codes.max(axis=1)
        has = np.ones(keys.shape[0], dtype=bool)
    else:
        cmin = np.where(ok, codes, big).min(axis=1)
        cmax = np.where(ok, codes, -1).max(axis=1)
        has = cmax >= 0
        codes[~ok] = 0
    span = int((cmax - cmin)[has].max()) + 1
    return codes, np.where(has, cmin, 0), span


def _dense_by_key(
    keys: IntArray, ok: BoolArray, values: FloatArray | None = None
) -> tuple[FloatArray, IntArray, IntArray, IntArray]:
    """Events x unique-keys dense matrix of ``values`` (ones when None), 0 where missing."""
    r, c = np.nonzero(ok)
    uniq, col = np.unique(keys[r, c], return_inverse=True)
    out = np.zeros((keys.shape[0], uniq.size))
    out[r, col.ravel()] = 1.0 if values is None else values[r, c]
    return out, r, c, col.ravel()


def _shared_counts(keys: IntArray, ok: BoolArray, nb: int) -> FloatArray:
    """Number of common calendar keys of each of the first ``nb`` rows with every row."""
    inc, _, _, _ = _dense_by_key(keys, ok)
    return inc[:nb] @ inc.T


def _pair_correlations(
    xc: FloatArray, keys: IntArray, ok: BoolArray, nb: int, ri: IntArray, cj: IntArray
) -> tuple[FloatArray, IntArray]:
    """Pairwise-complete Pearson correlations by calendar date for row pairs (ri, cj).

    ``xc`` holds centred residuals (0 where missing); rows ``0..nb-1`` are the block's
    events, ``ri`` indexes them and ``cj`` indexes all rows.
    """
    ones, r, c, col = _dense_by_key(keys, ok)
    xs = np.zeros_like(ones)
    xs[r, col] = xc[r, c]
    x2 = xs * xs
    # sums over the dates both events have: n, sum x_i, sum x_i^2 | sum x_j, sum x_j^2 | xy
    left = np.vstack([ones[:nb], xs[:nb], x2[:nb]]) @ ones.T
    right = ones[:nb] @ np.vstack([xs, x2]).T
    sxy = (xs[:nb] @ xs.T)[ri, cj]
    n_ij = left[ri, cj]
    sx_i = left[nb + ri, cj]
    sxx_i = left[2 * nb + ri, cj]
    width = ones.shape[0]
    sx_j = right[ri, cj]
    sxx_j = right[ri, width + cj]
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx_i * sx_j / n_ij
        var_i = sxx_i - sx_i * sx_i / n_ij
        var_j = sxx_j - sx_j * sx_j / n_ij
        den = np.sqrt(var_i * var_j)
        rho = np.where((n_ij >= 2) & (den > 0), cov / den, np.nan)
    return np.clip(rho, -1.0, 1.0), np.rint(n_ij).astype(np.int64)


class TestBattery:
    """Quantities shared by several tests of one :class:`TestInput`, computed once.

    An :class:`EventTest` receives the battery of the window it tests. Its public
    attributes: ``inp`` (the :class:`TestInput`), ``ar_ok`` (finite ARs, (N, W)),
    ``n_days`` (ARs per event), ``has_car`` (events with a CAR), ``est_ok`` (finite
    estimation residuals), ``n_est`` (residuals per event), ``sd_car_ok`` (finite, positive
    ``sd_car``); ``patell_events()`` and ``bmp_events()`` are the event sets of those tests
    and ``rbar(events)`` the Kolari-Pynnönen mean correlation (cached).
    """

    __test__ = False  # not a pytest test class, despite its name

    def __init__(self, inp: TestInput, correlations: PairCorrelations | None = None) -> None:
        self.inp = inp
        self.correlations = correlations
        self.ar_ok = np.isfinite(inp.ar)
        self.n_days = self.ar_ok.sum(axis=1)
        self.has_car = np.isfinite(inp.car) & (self.n_days > 0)
        self.est_ok = np.isfinite(inp.est_ar)
        self.est_all = bool(self.est_ok.all())  # no missing residual: no masking needed
        self.n_est = self.est_ok.sum(axis=1)
        self.sd_car_ok = np.isfinite(inp.sd_car) & (inp.sd_car > 0)
        self._rbar: dict[bytes, tuple[float, int, int]] = {}

    # --- event sets -------------------------------------------------------------------
    def patell_events(self) -> BoolArray:
        dof = self.inp.L - self.inp.k
        with np.errstate(invalid="ignore"):
            return self.has_car & self.sd_car_ok & (dof > 2)

    def bmp_events(self) -> BoolArray:
        return self.has_car & self.sd_car_ok

    def rbar(self, events: BoolArray) -> tuple[float, int, int]:
        key = np.packbits(events).tobytes()
        if key not in self._rbar:
            self._rbar[key] = mean_pairwise_correlation(
                self.inp, events, correlations=self.correlations
            )
        return self._rbar[key]

    # --- parametric -------------------------------------------------------------------
    def cs_t(self) -> TestResult:
        x = self.inp.car[self.has_car]
        n = x.size
        if n < 2:
            return _nan("cs_t", n, f"needs at least 2 events with a CAR, has {n}")
        sd = float(np.std(x, ddof=1))
        if _spread_is_zero(sd, x):
            return _nan("cs_t", n, "the CARs have no cross-sectional variance")
        t = float(np.mean(x)) / (sd / math.sqrt(n))
        return _result("cs_t", t, _p_t(t, n - 1), n, f"CAAR/(sd(CAR)/sqrt(N)), t({n - 1})")

    def bw_t(self) -> TestResult:
        use = self.has_car & np.isfinite(self.inp.s) & (self.inp.s >= 0)
        n = int(use.sum())
        if n == 0:
            return _nan("bw_t", 0, "no event with a CAR and an estimation s.d.")
        var = float(np.sum(self.n_days[use] * self.inp.s[use] ** 2)) / n**2
        if not var > 0:
            return _nan("bw_t", n, "the estimation-window s.d. is 0 for every event")
        z = float(np.mean(self.inp.car[use])) / math.sqrt(var)
        return _result("bw_t", z, _p_norm(z), n, "CAAR/(sqrt(sum W_i s_i^2)/N), normal")

    def cda_t(self) -> TestResult:
        use = self.has_car
        n = int(use.sum())
        if n == 0:
            return _nan("cda_t", 0, "no event with a CAR")
        if self.est_all and use.all():
            aar = self.inp.est_ar.mean(axis=0) if n else np.zeros(self.inp.est_ar.shape[1])
            n_t = np.full(aar.size, n, dtype=np.int64)
        else:
            aar, n_t = _day_means(self.inp.est_ar[use], self.est_ok[use])
        series = aar[n_t > 0]
        days = series.size
        if days < 2:
            return _nan("cda_t", n, f"needs 2 estimation days with residuals, has {days}")
        sd = float(np.std(series, ddof=1))
        if _spread_is_zero(sd, series):
            return _nan("cda_t", n, "the estimation-window AAR series has no variance")
        w_eff = int(self.ar_ok[use].any(axis=0).sum())
        t = float(np.mean(self.inp.car[use])) / (sd * math.sqrt(w_eff))
        return _result(
            "cda_t", t, _p_t(t, days - 1), n, f"CAAR/(sd(est AAR)*sqrt(W)), t({days - 1})"
        )

    def _patell_z(self) -> tuple[float, int, str]:
        use = self.patell_events()
        n = int(use.sum())
        if n == 0:
            return math.nan, 0, "no event with a CAR, sd_CAR > 0 and L - k > 2"
        scar = self.inp.car[use] / self.inp.sd_car[use]
        dof = self.inp.L[use] - self.inp.k
        z = float(np.sum(scar)) / math.sqrt(float(np.sum(dof / (dof - 2.0))))
        return z, n, ""

    def patell(self) -> TestResult:
        z, n, why = self._patell_z()
        if why:
            return _nan("patell", n, why)
        return _result("patell", z, _p_norm(z), n, "sum SCAR/sqrt(sum (L-k)/(L-k-2)), normal")

    def _bmp_t(self) -> tuple[float, int, str]:
        use = self.bmp_events()
        n = int(use.sum())
        if n < 2:
            return math.nan, n, f"needs at least 2 events with a CAR and sd_CAR > 0, has {n}"
        scar = self.inp.car[use] / self.inp.sd_car[use]
        sd = float(np.std(scar, ddof=1))
        if _spread_is_zero(sd, scar):
            return math.nan, n, "the SCARs have no cross-sectional variance"
        return float(np.mean(scar)) / (sd / math.sqrt(n)), n, ""

    def bmp(self) -> TestResult:
        t, n, why = self._bmp_t()
        if why:
            return _nan("bmp", n, why)
        return _result("bmp", t, _p_t(t, n - 1), n, f"mean SCAR/(sd(SCAR)/sqrt(N)), t({n - 1})")

    def _kp_factor(self, events: BoolArray, with_one_minus_r: bool) -> tuple[float, str]:
        n = int(events.sum())
        rbar, pairs, left_out = self.rbar(events)
        info = f"r={rbar:.6g} over {pairs} pairs ({left_out} left out: < {KP_MIN_OVERLAP} dates)"
        if not np.isfinite(rbar):
            return math.nan, f"no pair has {KP_MIN_OVERLAP} common estimation dates; {info}"
        denom = 1.0 + (n - 1) * rbar
        num = (1.0 - rbar) if with_one_minus_r else 1.0
        if not denom > 0 or num < 0:
            return math.nan, f"1 + (N-1) r <= 0; {info}"
        return math.sqrt(num / denom), info

    def kp_patell(self) -> TestResult:
        z, n, why = self._patell_z()
        if why:
            return _nan("kp_patell", n, why)
        factor, info = self._kp_factor(self.patell_events(), with_one_minus_r=False)
        if not np.isfinite(factor):
            return _nan("kp_patell", n, info)
        za = z * factor
        return _result("kp_patell", za, _p_norm(za), n, f"Z_patell*sqrt(1/(1+(N-1)r)), {info}")

    def kp_bmp(self) -> TestResult:
        t, n, why = self._bmp_t()
        if why:
            return _nan("kp_bmp", n, why)
        factor, info = self._kp_factor(self.bmp_events(), with_one_minus_r=True)
        if not np.isfinite(factor):
            return _nan("kp_bmp", n, info)
        ta = t * factor
        return _result(
            "kp_bmp", ta, _p_t(ta, n - 1), n, f"t_bmp*sqrt((1-r)/(1+(N-1)r)), t({n - 1}), {info}"
        )

    # --- non-parametric ---------------------------------------------------------------
    def sign(self) -> TestResult:
        x = self.inp.car[self.has_car]
        x = x[x != 0]
        n = x.size
        if n == 0:
            return _nan("sign", 0, "no event with a non-zero CAR")
        w = int(np.sum(x > 0))
        z = (w - n / 2.0) / math.sqrt(n / 4.0)
        return _result("sign", z, _p_binom_half(w, n), n, f"{w} of {n} CARs > 0; z shown, exact binomial p")

    def gen_sign(self) -> TestResult:
        use = self.has_car & (self.n_est > 0)
        n = int(use.sum())
        if n == 0:
            return _nan("gen_sign", 0, "no event with a CAR and estimation residuals")
        if self.est_all and use.all():
            positive = (self.inp.est_ar > 0).sum(axis=1)
        else:
            positive = np.where(self.est_ok[use], self.inp.est_ar[use] > 0, False).sum(axis=1)
        p_hat = float(np.mean(positive / self.n_est[use]))
        if not 0.0 < p_hat < 1.0:
            return _nan("gen_sign", n, f"share of positive estimation residuals is {p_hat}")
        w = int(np.sum(self.inp.car[use] > 0))
        z = (w - n * p_hat) / math.sqrt(n * p_hat * (1.0 - p_hat))
        return _result(
            "gen_sign", z, _p_norm(z), n, f"{w} of {n} CARs > 0 vs p={p_hat:.6g}, normal"
        )

    def corrado(self) -> TestResult:
        use = self.has_car & (self.n_est > 0)
        n = int(use.sum())
        if n == 0:
            return _nan("corrado", 0, "no event with a CAR and estimation residuals")
        rows = np.flatnonzero(use)
        est_ar = self.inp.est_ar
        width = self.inp.ar.shape[1]
        # ranked days: the estimation window plus this window, or plus the event period
        evt = self.inp.ar if self.inp.period_ar is None else self.inp.period_ar
        first = est_ar.shape[1] + (0 if self.inp.period_ar is None else self.inp.period_offset)
        ubar, n_t = _rank_day_means(
            lambda r: np.concatenate([est_ar[r], evt[r]], axis=1),
            rows,
            est_ar.shape[1] + evt.shape[1],
        )
        days = n_t > 0
        big_t = int(days.sum())
        s2 = float(np.sum(n_t[days] / n * ubar[days] ** 2)) / big_t
        if not s2 > 0:
            return _nan("corrado", n, "the mean ranks have no variance")
        win = slice(first, first + width)
        win_days = days[win]
        w_eff = int(win_days.sum())
        z = float(np.sum(ubar[win][win_days])) / (math.sqrt(w_eff) * math.sqrt(s2))
        form = "one-day Corrado-Zivney" if width == 1 else "Cowan multi-day"
        ranked = "estimation window + window" if self.inp.period_ar is None else "estimation window + event period"
        return _result(
            "corrado", z, _p_norm(z), n, f"{form} rank z over T={big_t} days ({ranked}), normal"
        )

    def grank(self) -> TestResult:
        inp = self.inp
        use = self.has_car & self.sd_car_ok & np.isfinite(inp.s) & (inp.s > 0) & (self.n_est > 0)
        n = int(use.sum())
        if n < 2:
            return _nan("grank", n, f"needs at least 2 usable events, has {n}")
        scar = inp.car[use] / inp.sd_car[use]
        sd = float(np.std(scar, ddof=1))
        if _spread_is_zero(sd, scar):
            return _nan("grank", n, "the SCARs have no cross-sectional variance")
        rows = np.flatnonzero(use)
        scar_star = np.zeros(inp.n_events)
        scar_star[rows] = scar / sd
        est_ar, s = inp.est_ar, inp.s

        def gsar(r: IntArray) -> FloatArray:  # the events' GSAR series, rows r
            return np.concatenate([est_ar[r] / s[r, None], scar_star[r, None]], axis=1)

        ubar, n_t = _rank_day_means(gsar, rows, est_ar.shape[1] + 1)
        days = n_t > 0
        big_t = int(days.sum())
        s2 = float(np.sum(n_t[days] / n * ubar[days] ** 2)) / big_t
        if not s2 > 0 or big_t < 3:
            return _nan("grank", n, "the mean ranks have no variance")
        z = float(ubar[-1]) / math.sqrt(s2)
        rest = big_t - 1 - z * z
        if not rest > 0:
            return _nan("grank", n, f"Z^2 = {z * z:.6g} >= T - 1 = {big_t - 1}")
        t = z * math.sqrt((big_t - 2) / rest)
        return _result(
            "grank", t, _p_t(t, big_t - 2), n, f"Z*sqrt((T-2)/(T-1-Z^2)), T={big_t}, t({big_t - 2})"
        )

    def wilcoxon(self) -> TestResult:
        x = self.inp.car[self.has_car]
        n = int(np.sum(x != 0))
        if n == 0:
            return _nan("wilcoxon", 0, "no event with a non-zero CAR")
        found = _wilcoxon(x)
        if found is None:  # ties or zeros among at most 13 CARs: scipy's permutation test
            from scipy import stats

            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    res = stats.wilcoxon(x)
            except ValueError as exc:  # scipy's own refusal, reported rather than raised
                return _nan("wilcoxon", n, f"scipy.stats.wilcoxon: {exc}")
            found = float(res.statistic), float(res.pvalue)
        return _result(
            "wilcoxon",
            found[0],
            found[1],
            n,
            "scipy.stats.wilcoxon on CARs, min(W+, W-), zeros dropped",
        )


def _p_binom_half(w: int, n: int) -> float:
    """Two-sided exact binomial p of ``w`` successes in ``n`` trials of probability 1/2:
    ``min(1, 2 P(X <= min(w, n - w)))`` (the distribution is symmetric, so this is what
    ``scipy.stats.binomtest(w, n, 0.5)`` sums), without loading ``scipy.stats``."""
    from scipy import special

    return min(1.0, 2.0 * float(special.bdtr(min(w, n - w), n, 0.5)))


def _wilcoxon(x: FloatArray) -> tuple[float, float] | None:
    """``(statistic, p)`` of ``scipy.stats.wilcoxon(x)`` with its defaults (two-sided,
    zeros dropped, no continuity correction, ``method="auto"``), without loading
    ``scipy.stats``; None where scipy would run a permutation test (at most 13 values
    with ties or zeros).

    Signed ranks of the non-zero values by ``|x|`` (ties averaged), ``W+`` and ``W-``;
    the statistic is ``min(W+, W-)``. More than 50 values (zeros included), or ties or
    zeros among more than 13: the normal approximation with the tie correction,
    ``z = (W+ - n(n+1)/4) / sqrt((n(n+1)(2n+1) - sum(t^3 - t)/2) / 24)``, p = 2 Phi(-|z|).
    Else the exact null distribution of ``W+`` (counts of the subset sums of 1..n),
    p = ``min(1, 2 min(P(W+ >= w), P(W+ <= w)))``.
    """
    from scipy import special

    nz = x[x != 0]
    n = nz.size
    _, inverse, counts = np.unique(np.abs(nz), return_inverse=True, return_counts=True)
    rank_of = np.cumsum(counts) - (counts - 1) / 2.0  # average rank of each distinct |x|
    ranks = rank_of[inverse]
    w_plus = float(ranks[nz > 0].sum())
    w_minus = float(ranks[nz < 0].sum())
    ties = bool((counts > 1).any())
    zeros = n < x.size
    if x.size > 50 or ((ties or zeros) and x.size > 13):
        tie = float(np.sum(counts.astype(np.float64) ** 3 - counts))
        se = math.sqrt((n * (n + 1.0) * (2.0 * n + 1.0) - tie / 2.0) / 24.0)
        z = (w_plus - n * (n + 1.0) / 4.0) / se
        return min(w_plus, w_minus), float(2.0 * special.ndtr(-abs(z)))
    if ties or zeros:
        return None
    ways = np.zeros(n * (n + 1) // 2 + 1)  # subsets of 1..n by their sum
    ways[0] = 1.0
    for k in range(1, n + 1):  # per rank (n <= 50): add k to every subset so far
        ways[k:] = ways[k:] + ways[:-k]
    pmf = ways / 2.0**n
    k = round(w_plus)
    p = 2.0 * min(float(pmf[k:].sum()), float(pmf[: k + 1].sum()))
    return min(w_plus, w_minus), min(max(p, 0.0), 1.0)


# ---------------------------------------------------------------------------------------
# the extension point: a registry of event tests and of placebo statistics


@runtime_checkable
class EventTest(Protocol):
    """A test statistic of one event window of one group of events.

    Any object with a ``name``, a ``convention`` (its formula and every convention chosen,
    one paragraph), ``needs_estimation`` (whether it reads the estimation-window residuals
    ``est_ar``/``est_keys`` of the :class:`TestInput`; the engine keeps them only when a
    test asks) and a ``compute(battery)`` method returning a :class:`TestResult` named
    ``name`` is one. Register it with :func:`register_event_test`; then
    ``event_study(tests=[..., name])`` computes it for every group and window, as a row of
    ``results.tests``. A test that cannot be computed should return NaN statistic and
    p-value with the reason in ``convention`` (see :func:`not_computed`), not raise.
    """

    @property
    def name(self) -> str: ...

    @property
    def convention(self) -> str: ...

    @property
    def needs_estimation(self) -> bool: ...

    def compute(self, battery: TestBattery) -> TestResult: ...


@dataclass(frozen=True)
class FunctionTest:
    """An :class:`EventTest` made of a function of the :class:`TestBattery`.

    Parameters
    ----------
    name : str
        The test's name (the ``test`` column of ``results.tests``).
    convention : str
        Its formula and conventions.
    function : callable
        ``function(battery) -> TestResult``.
    needs_estimation : bool, default False
        Whether it reads the estimation-window residuals.
    """

    name: str
    convention: str
    function: Callable[[TestBattery], TestResult]
    needs_estimation: bool = False

    def compute(self, battery: TestBattery) -> TestResult:
        """The test of the battery's window."""
        return self.function(battery)


_EVENT_TESTS: dict[str, EventTest] = {}
_PERMANENT: set[str] = set()
_NAME_OK = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_RESERVED = ("all", "placebo")


def register_event_test(test: EventTest, *, replace: bool = False, permanent: bool = False) -> EventTest:
    """Add a test to the battery that :func:`run_tests` and :func:`mktnews.event_study` use.

    Parameters
    ----------
    test : EventTest
        The test (see :class:`EventTest`; :class:`FunctionTest` wraps a function).
    replace : bool, default False
        Replace a user test registered earlier under the same name.
    permanent : bool, default False
        Refuse later replacement and removal (mktnews' own tests are permanent).

    Returns
    -------
    EventTest
        ``test``.

    Raises
    ------
    InvalidOptionError
        When ``test`` lacks a part of the protocol, its name is not an identifier or is
        reserved (``all``, ``placebo``, ``placebo_*``), or the name is taken (by a permanent
        test, or by a user test without ``replace=True``).
    """
    if not isinstance(test, EventTest) or not callable(getattr(test, "compute", None)):
        raise InvalidOptionError(
            "test",
            type(test).__name__,
            reason="an event test needs name, convention, needs_estimation and compute(battery) "
            "(see mktnews.inference.EventTest; FunctionTest wraps a function)",
        )
    name = test.name
    if not isinstance(name, str) or not _NAME_OK.match(name):
        raise InvalidOptionError("test.name", name, reason="expected an identifier (letters, digits, _)")
    if name in _RESERVED or name.startswith("placebo_"):
        raise InvalidOptionError("test.name", name, reason="reserved for the engine's placebo test")
    if not isinstance(test.convention, str) or not test.convention.strip():
        raise InvalidOptionError("test.convention", test.convention, reason="state the test's formula")
    if name in _PERMANENT:
        raise InvalidOptionError("test.name", name, reason="a built-in test of mktnews; choose another name")
    if name in _EVENT_TESTS and not replace:
        raise InvalidOptionError(
            "test.name", name, reason="already registered; pass replace=True to replace it"
        )
    _EVENT_TESTS[name] = test
    if permanent:
        _PERMANENT.add(name)
    return test


def unregister_event_test(name: str) -> None:
    """Remove a user test registered with :func:`register_event_test`.

    Raises
    ------
    InvalidOptionError
        For a built-in test or a name that is not registered.
    """
    if name in _PERMANENT:
        raise InvalidOptionError("name", name, reason="a built-in test of mktnews cannot be removed")
    if name not in _EVENT_TESTS:
        raise InvalidOptionError("name", name, event_test_names())
    del _EVENT_TESTS[name]


def event_test(name: str) -> EventTest:
    """The registered test ``name`` (its ``convention``, ``needs_estimation``, ``compute``).

    Raises
    ------
    InvalidOptionError
        For a name that is not registered.
    """
    if not isinstance(name, str) or name not in _EVENT_TESTS:
        raise InvalidOptionError("tests", name, event_test_names())
    return _EVENT_TESTS[name]


def event_test_names() -> tuple[str, ...]:
    """The names of the registered tests, built-in ones first (in :data:`TESTS` order)."""
    return tuple(_EVENT_TESTS)


def not_computed(test: str, n: int, reason: str) -> TestResult:
    """The :class:`TestResult` of a test that cannot be computed: NaN statistic and
    p-value, ``n`` events, ``convention = "not computed: <reason>"``."""
    return _nan(test, n, reason)


def _checked_result(name: str, res: object) -> TestResult:
    if not isinstance(res, TestResult) or res.test != name:
        got = f"TestResult named {res.test!r}" if isinstance(res, TestResult) else type(res).__name__
        raise InvalidOptionError(
            "tests", name, reason=f"the test's compute() returned {got}, not a TestResult named {name!r}"
        )
    return res


for _name in TESTS:  # the built-in battery: each test's name, computation and convention
    register_event_test(
        FunctionTest(_name, CONVENTIONS[_name], getattr(TestBattery, _name), _name in ESTIMATION_TESTS),
        permanent=True,
    )


@runtime_checkable
class PlaceboStatistic(Protocol):
    """What the placebo test compares: a per-event value averaged over the events.

    ``event_values(car)`` maps the events' CARs (any shape) to the values whose mean over
    the events is the statistic (the CAR itself for ``"caar"``, ``|CAR|`` for
    ``"abs_car"``). The actual events' mean is ranked among the draws' means (see
    :func:`placebo_result`). ``test`` is the name of its row in ``results.tests`` and
    ``convention`` its text, with ``{draws}`` standing for the number of draws.
    Register one with :func:`register_placebo_statistic` and pass
    ``event_study(placebo_stat=name)``.
    """

    @property
    def name(self) -> str: ...

    @property
    def test(self) -> str: ...

    @property
    def convention(self) -> str: ...

    def event_values(self, car: FloatArray) -> FloatArray: ...


@dataclass(frozen=True)
class FunctionPlaceboStatistic:
    """A :class:`PlaceboStatistic` made of a function of the CARs."""

    name: str
    test: str
    convention: str
    function: Callable[[FloatArray], FloatArray]

    def event_values(self, car: FloatArray) -> FloatArray:
        """The per-event values of the CARs."""
        return self.function(car)


_PLACEBO_STATISTICS: dict[str, PlaceboStatistic] = {}

#: The p-value rule of every placebo statistic.
PLACEBO_P_RULE: Final[str] = (
    "p two-sided = min(1, 2*min(1+#below-or-equal, 1+#above-or-equal)/(draws+1))"
)


def register_placebo_statistic(stat: PlaceboStatistic, *, replace: bool = False) -> PlaceboStatistic:
    """Add a statistic the placebo test can rank (``event_study(placebo_stat=...)``).

    Raises
    ------
    InvalidOptionError
        When ``stat`` lacks a part of the protocol, its name is taken (without
        ``replace``) or its ``test`` name is not ``placebo`` / ``placebo_<name>``.
    """
    if not isinstance(stat, PlaceboStatistic) or not callable(getattr(stat, "event_values", None)):
        raise InvalidOptionError(
            "stat", type(stat).__name__,
            reason="a placebo statistic needs name, test, convention and event_values(car)",
        )  # fmt: skip
    if not isinstance(stat.name, str) or not _NAME_OK.match(stat.name):
        raise InvalidOptionError("stat.name", stat.name, reason="expected an identifier")
    if stat.test not in ("placebo", f"placebo_{stat.name}"):
        raise InvalidOptionError("stat.test", stat.test, (f"placebo_{stat.name}",))
    if stat.name in _PLACEBO_STATISTICS and not replace:
        raise InvalidOptionError(
            "stat.name", stat.name, reason="already registered; pass replace=True to replace it"
        )
    _PLACEBO_STATISTICS[stat.name] = stat
    return stat


def placebo_statistic(name: str) -> PlaceboStatistic:
    """The registered placebo statistic ``name``.

    Raises
    ------
    InvalidOptionError
        For a name that is not registered.
    """
    if not isinstance(name, str) or name not in _PLACEBO_STATISTICS:
        raise InvalidOptionError("placebo_stat", name, tuple(_PLACEBO_STATISTICS))
    return _PLACEBO_STATISTICS[name]


def placebo_statistic_names() -> tuple[str, ...]:
    """The names of the registered placebo statistics."""
    return tuple(_PLACEBO_STATISTICS)


def placebo_draws(stat: PlaceboStatistic, car: FloatArray, use: BoolArray) -> FloatArray:
    """Per draw (row of ``car``, draws x events): the mean of ``stat.event_values`` over
    the events ``use`` marks (NaN for a draw without any)."""
    k = use.sum(axis=1)
    total = np.where(use, stat.event_values(car), 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(k > 0, total / np.maximum(k, 1), np.nan), dtype=np.float64)


def placebo_result(stat: PlaceboStatistic, car: FloatArray, draws: FloatArray, n: int) -> TestResult:
    """The placebo test of ``stat``: the actual events' statistic ranked among the draws.

    The statistic is the percentile (0-100) of the actual mean of ``stat.event_values``
    over the events with a finite CAR among the finite draws,
    ``100 * #(draws <= actual) / draws``; the two-sided p-value is
    ``min(1, 2 * min(1 + #(draws <= actual), 1 + #(draws >= actual)) / (draws + 1))``.

    Parameters
    ----------
    stat : PlaceboStatistic
        What is compared.
    car : ndarray, shape (N,)
        The actual events' CARs.
    draws : ndarray, shape (D,)
        The statistic of each draw (:func:`placebo_draws`).
    n : int
        Number of events of the group (the ``n`` of the row).
    """
    actual = float(stat.event_values(car[np.isfinite(car)]).mean())
    valid = draws[np.isfinite(draws)]
    nd = len(valid)
    le = int((valid <= actual).sum())
    ge = int((valid >= actual).sum())
    return TestResult(
        stat.test,
        100.0 * le / nd if nd else math.nan,
        min(1.0, 2.0 * min(1 + le, 1 + ge) / (nd + 1)) if nd else math.nan,
        int(n),
        stat.convention.format(draws=nd),
    )


def _identity(car: FloatArray) -> FloatArray:
    return car


register_placebo_statistic(
    FunctionPlaceboStatistic(
        "caar",
        "placebo",
        "percentile (0-100) of the actual CAAR among {draws} placebo CAARs, each the mean CAR "
        "of the same number of random sessions of the same instruments on which no article "
        "fell; " + PLACEBO_P_RULE,
        _identity,
    )
)


def run_tests(
    inp: TestInput,
    tests: Sequence[str] | str = TESTS,
    *,
    correlations: PairCorrelations | None = None,
) -> list[TestResult]:
    """Compute test statistics for one window of one group of events.

    Parameters
    ----------
    inp : TestInput
        The window's abnormal returns, estimation residuals and standard deviations.
    tests : sequence of str or "all"
        Names of registered tests (:func:`event_test_names`: the built-in :data:`TESTS`,
        the unsigned ``abs_car`` and ``var_ratio`` of :mod:`mktnews.unsigned`, and any test
        added with :func:`register_event_test`), order kept, duplicates dropped; ``"all"``
        for the built-in :data:`TESTS`. ``"placebo"`` is computed by the engine, not here.
    correlations : PairCorrelations, optional
        The group's pair correlations of estimation residuals (built once per group, on the
        rows of ``inp``), reused by the Kolari-Pynnönen tests of every window.

    Returns
    -------
    list of TestResult
        One per requested test. A test that cannot be computed has NaN statistic and
        p-value and the reason in ``convention``; nothing raises for data reasons.

    Raises
    ------
    InvalidOptionError
        For a test name that is not registered, or a test whose ``compute`` does not
        return a :class:`TestResult` of its name.

    Examples
    --------
    >>> import numpy as np
    >>> ar = np.array([[0.01], [0.02], [-0.005]])
    >>> inp = TestInput((0, 0), ar, np.full((3, 1), 0.01), ar[:, 0], np.full(3, 0.01),
    ...                 np.zeros((3, 0)), np.zeros((3, 0), dtype=np.int64),
    ...                 np.array([[1], [2], [3]]), np.full(3, 0.01), np.zeros(3), 1)
    >>> [(r.test, r.n) for r in run_tests(inp, ["sign"])]
    [('sign', 3)]
    """
    names: Sequence[str] = TESTS if isinstance(tests, str) and tests == "all" else tests
    if isinstance(names, str):
        names = [names]
    wanted: list[str] = []
    for name in names:
        if name not in _EVENT_TESTS:
            reason = "placebo is computed by the engine" if name == "placebo" else ""
            raise InvalidOptionError("tests", name, event_test_names(), reason=reason)
        if name not in wanted:
            wanted.append(name)
    battery = TestBattery(inp, correlations)
    return [_checked_result(name, _EVENT_TESTS[name].compute(battery)) for name in wanted]
