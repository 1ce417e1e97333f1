"""Unsigned tests: did the news move prices, whatever the direction?

Most news carries no predicted direction; positive and negative reactions cancel in a CAAR.
This module adds to the test battery of :mod:`mktnews.inference` (through its extension
point, :func:`~mktnews.inference.register_event_test`) two tests of the *size* of the
abnormal returns, and a placebo statistic:

``abs_car``
    Mean absolute standardised CAR against its null expectation (about √(2/π)).
``var_ratio``
    Mean squared standardised AR of the window against its null expectation (about 1): a
    Patell-style test of the event-window variance.
``abs_rank``
    Corrado's rank test on absolute abnormal returns: no distribution assumed, so it keeps
    its size on fat-tailed daily returns, where the two above reject too often.
``placebo_stat="abs_car"``
    The clustered placebo of the engine ranks the actual mean ``|CAR|`` among the mean
    ``|CAR|`` of the placebo draws (free of any distributional assumption).

It also holds the per-event quantities the study adds to its frames when an unsigned
statistic is asked for (``abs_ar``, ``sar2``; ``abs_car``, ``abs_scar``, ``sum_sar2``) and
the signs of ``event_study(sign_col=...)``, which turn directional tests into tests of a
predicted direction (each event's ARs are multiplied by its sign before aggregation).

Both tests assume, like ``patell``, normal errors and independent events; see their
conventions (:data:`UNSIGNED_CONVENTIONS`). Events that share a calendar date on
correlated instruments make them reject too often; the placebo keeps that dependence.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mktnews.errors import InvalidOptionError
from mktnews.inference import (
    FunctionPlaceboStatistic,
    FunctionTest,
    TestBattery,
    TestResult,
    not_computed,
    register_event_test,
    register_placebo_statistic,
)

__all__ = [
    "SIGN_STATUSES",
    "UNSIGNED_CONVENTIONS",
    "UNSIGNED_TESTS",
    "abs_t_moments",
    "event_signs",
    "sign_values",
    "wants_magnitudes",
]

FloatArray = NDArray[np.float64]

#: The unsigned tests (opt-in: ``tests="all"`` keeps the directional battery).
UNSIGNED_TESTS: Final[tuple[str, ...]] = ("abs_car", "var_ratio", "abs_rank")

#: Event statuses of ``sign_col``: an event without a usable sign is left out of every
#: cross-sectional number of the study.
SIGN_STATUSES: Final[tuple[str, ...]] = ("missing_sign", "zero_sign", "conflicting_sign")

UNSIGNED_CONVENTIONS: Final[dict[str, str]] = {
    "abs_car": (
        "Mean absolute standardised CAR against its null expectation: SCAR_i = CAR_i / "
        "sd_CAR_i as for patell (sd_CAR with the coefficient-error term). Under H0 (no "
        "effect, normal errors) SCAR_i is Student t with nu_i = L_i - k degrees of freedom, "
        "so |SCAR_i| has mean mu_i = 2 sqrt(nu) Gamma((nu+1)/2) / (sqrt(pi) (nu-1) "
        "Gamma(nu/2)) and variance v_i = nu/(nu-2) - mu_i^2; these tend to sqrt(2/pi) = "
        "0.7979 and 1 - 2/pi = 0.3634 (the moments of |N(0,1)|) as L_i grows. "
        "Z = sum_i (|SCAR_i| - mu_i) / sqrt(sum_i v_i), events independent; two-sided p from "
        "the standard normal (Z > 0: moves larger than the model predicts, whatever their "
        "sign). Uses events with a CAR, sd_CAR > 0 and L - k > 2 (the patell events). Fat "
        "tails make E|SCAR| smaller than mu_i; placebo_stat='abs_car' needs no distribution."
    ),
    "var_ratio": (
        "Patell-style variance test of the window: SAR_it = AR_it / sd_AR_it (sd_AR = "
        "s_i sqrt(C_it), the prediction-error s.d.); statistic = mean of SAR_it^2 over the "
        "M event-days of the window (1 under a normal H0). Under H0 (normal errors, "
        "independent events, the small correlation of prediction errors within an event "
        "ignored) Q_i = sum_t SAR_it^2 = W_i F(W_i, nu_i), nu_i = L_i - k, with mean "
        "W_i nu_i/(nu_i - 2) and variance 2 W_i nu_i^2 (W_i + nu_i - 2) / ((nu_i - 2)^2 "
        "(nu_i - 4)); Q = sum_i Q_i is referred to the scaled chi-square c chi2(d) with the "
        "same two moments (Satterthwaite: c = V/(2E), d = 2E^2/V; c = 1, d = M for normal "
        "SARs). Two-sided p = 2 min(P(Q <= q), P(Q >= q)). Uses events with a finite SAR "
        "and L - k > 4; W_i = its days with a SAR."
    ),
    "abs_rank": (
        "Corrado (1989) rank test on absolute abnormal returns: the corrado statistic (the "
        "same ranks with the Corrado and Zivney 1992 standardisation, the one-day or Cowan "
        "multi-day form, the rank period of rank_period) computed on |AR| of the estimation "
        "window and of the window instead of on AR. Under H0 (an event's residuals i.i.d., "
        "no distribution assumed) each window |AR| is a random draw among the event's |AR|s; "
        "Z > 0: larger moves than on the estimation days. Two-sided p from the standard "
        "normal. Robust to fat tails; not to volatility clustering (a calm estimation window "
        "makes ordinary days look large), nor to events that share dates on correlated "
        "instruments. Uses events with a CAR and at least one estimation residual."
    ),
    "placebo_abs_car": (
        "percentile (0-100) of the actual mean |CAR| among {draws} placebo mean |CAR|s, each "
        "the mean |CAR| of the same events moved to random sessions of their instruments on "
        "which no article fell (the events of one day 0 move together); "
    ),
}


def abs_t_moments(nu: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Mean and variance of ``|T|`` for ``T`` Student t with ``nu > 2`` degrees of freedom.

    ``E|T| = 2 sqrt(nu) Gamma((nu+1)/2) / (sqrt(pi) (nu-1) Gamma(nu/2))``,
    ``Var|T| = nu/(nu-2) - E|T|^2``.
    """
    from scipy import special  # lazy here and below: `import mktnews` does not load scipy

    nu = np.asarray(nu, dtype=np.float64)
    log_ratio = special.gammaln((nu + 1.0) / 2.0) - special.gammaln(nu / 2.0)
    mean = 2.0 * np.sqrt(nu) * np.exp(log_ratio) / (math.sqrt(math.pi) * (nu - 1.0))
    return mean, nu / (nu - 2.0) - mean * mean


def _p_norm(z: float) -> float:
    from scipy import special

    return float(2.0 * special.ndtr(-abs(z)))


def _abs_car(b: TestBattery) -> TestResult:
    inp = b.inp
    use = b.patell_events()
    n = int(use.sum())
    if n == 0:
        return not_computed("abs_car", 0, "no event with a CAR, sd_CAR > 0 and L - k > 2")
    a = np.abs(inp.car[use] / inp.sd_car[use])
    mu, var = abs_t_moments(inp.L[use] - inp.k)
    z = float(np.sum(a) - np.sum(mu)) / math.sqrt(float(np.sum(var)))
    return TestResult(
        "abs_car", z, _p_norm(z), n,
        f"mean |SCAR| = {float(np.mean(a)):.4g} vs {float(np.mean(mu)):.4g} under H0 "
        "(|t(L-k)| moments), normal",
    )  # fmt: skip


def _var_ratio(b: TestBattery) -> TestResult:
    inp = b.inp
    with np.errstate(invalid="ignore", divide="ignore"):
        sar = inp.ar / inp.sd_ar
    ok = np.isfinite(sar)
    w = ok.sum(axis=1).astype(np.float64)
    nu = inp.L - inp.k
    with np.errstate(invalid="ignore"):
        use = (w > 0) & (nu > 4)
    n = int(use.sum())
    if n == 0:
        return not_computed("var_ratio", 0, "no event with a standardised AR and L - k > 4")
    q = np.where(ok, sar * sar, 0.0).sum(axis=1)[use]
    w, nu = w[use], nu[use]
    e = float(np.sum(w * nu / (nu - 2.0)))
    v = float(np.sum(2.0 * w * nu**2 * (w + nu - 2.0) / ((nu - 2.0) ** 2 * (nu - 4.0))))
    c, d = v / (2.0 * e), 2.0 * e * e / v
    total, m = float(np.sum(q)), float(np.sum(w))
    x = total / c
    from scipy import special

    p = min(1.0, 2.0 * min(float(special.chdtr(d, x)), float(special.chdtrc(d, x))))
    return TestResult(
        "var_ratio", total / m, p, n,
        f"mean SAR^2 over {int(m)} event-days vs {e / m:.4g} under H0; "
        f"sum ~ {c:.4g} chi2({d:.4g}) (Satterthwaite), two-sided",
    )  # fmt: skip


def _abs_rank(b: TestBattery) -> TestResult:
    inp = b.inp
    per = None if inp.period_ar is None else np.abs(inp.period_ar)
    absolute = dataclasses.replace(inp, ar=np.abs(inp.ar), est_ar=np.abs(inp.est_ar), period_ar=per)
    r = TestBattery(absolute, None).corrado()
    return TestResult("abs_rank", r.statistic, r.p_value, r.n, r.convention.replace(" rank z", " rank z of |AR|", 1))


register_event_test(
    FunctionTest("abs_car", UNSIGNED_CONVENTIONS["abs_car"], _abs_car), permanent=True
)
register_event_test(
    FunctionTest("abs_rank", UNSIGNED_CONVENTIONS["abs_rank"], _abs_rank, needs_estimation=True),
    permanent=True,
)
register_event_test(
    FunctionTest("var_ratio", UNSIGNED_CONVENTIONS["var_ratio"], _var_ratio), permanent=True
)


def _abs(car: FloatArray) -> FloatArray:
    return np.abs(car)


register_placebo_statistic(
    FunctionPlaceboStatistic(
        "abs_car",
        "placebo_abs_car",
        UNSIGNED_CONVENTIONS["placebo_abs_car"]
        + "p two-sided = min(1, 2*min(1+#below-or-equal, 1+#above-or-equal)/(draws+1))",
        _abs,
    )
)


def wants_magnitudes(tests: Sequence[str], placebo_stat: Sequence[str]) -> bool:
    """Whether a study computes an unsigned statistic (its frames then carry ``abs_ar``,
    ``sar2``, ``abs_car``, ``abs_scar`` and ``sum_sar2``)."""
    return bool(set(UNSIGNED_TESTS) & set(tests)) or any(s != "caar" for s in placebo_stat)


def sign_values(events: pd.DataFrame, column: str) -> FloatArray:
    """The sign column of the events as floats (NaN = missing).

    Raises
    ------
    InvalidOptionError
        When the column is absent, or a row holds a value other than -1, 0, +1 or missing
        (naming the row and its article).
    """
    if column not in events.columns:
        raise InvalidOptionError("sign_col", column, [str(c) for c in events.columns])
    raw = events[column]
    if raw.dtype == bool or str(raw.dtype) == "boolean":
        raise InvalidOptionError(
            "sign_col", column, reason="holds booleans; expected +1, -1, 0 or missing"
        )
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    given = raw.notna().to_numpy(dtype=bool)
    bad = given & ~np.isin(values, (-1.0, 0.0, 1.0))
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        art = events["article_id"].iloc[r] if "article_id" in events.columns else None
        raise InvalidOptionError(
            "sign_col",
            column,
            reason=f"row {r} (article {art!r}) has {raw.iloc[r]!r}: expected +1, -1, 0 or "
            "missing (np.sign(score) turns a sentiment score into a sign)",
        )
    return values


def event_signs(
    values: FloatArray, row_event: NDArray[np.int64], n_events: int
) -> tuple[FloatArray, NDArray[np.object_]]:
    """The sign of each study event from the signs of its article rows (``values``, from
    :func:`sign_values`).

    An event (all the article rows ``row_event`` maps to it) takes the sign its articles
    agree on: +1 when some are +1 and none -1, -1 when some are -1 and none +1 (articles
    with 0 are neutral and do not change it). Otherwise it gets a status and is left out
    of the study's cross-sectional numbers: ``missing_sign`` (an article has no value),
    ``conflicting_sign`` (both +1 and -1), ``zero_sign`` (all 0).

    Returns
    -------
    sign : ndarray of float, shape (n_events,)
        +1, -1, 0 (zero or conflicting), NaN (missing).
    status : ndarray of object, shape (n_events,)
        ``""`` for a usable sign, else one of :data:`SIGN_STATUSES`.
    """
    used = row_event >= 0
    ev = row_event[used]
    v = values[used]
    n_missing = np.bincount(ev, weights=np.isnan(v), minlength=n_events)
    n_pos = np.bincount(ev, weights=v == 1.0, minlength=n_events)
    n_neg = np.bincount(ev, weights=v == -1.0, minlength=n_events)
    sign = np.where((n_pos > 0) & (n_neg == 0), 1.0, np.where((n_neg > 0) & (n_pos == 0), -1.0, 0.0))
    sign[n_missing > 0] = np.nan
    status = np.select(
        [n_missing > 0, (n_pos > 0) & (n_neg > 0), (n_pos == 0) & (n_neg == 0)],
        ["missing_sign", "conflicting_sign", "zero_sign"],
        default="",
    ).astype(object)
    return sign, status
