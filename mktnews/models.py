"""Normal-return models, fitted for all events at once.

Every model predicts the *normal* return of an event's instrument as
``normal_t = alpha + beta * R_m,t`` with per-event parameters; the abnormal return is
``AR_t = R_t - normal_t``.

=================  =====================================  ===  =====================
model              alpha, beta                            k    prediction factor C_t
=================  =====================================  ===  =====================
``raw``            0, 0 (AR = R)                          0    1
``constant_mean``  mean R over the estimation window, 0   1    1 + 1/L
``market_adjusted`` 0, 1 (AR = R - R_m)                   0    1
``market_model``   OLS of R on R_m over the estimation    2    1 + 1/L + (R_m,t - mean R_m)^2 / Sxx
                   window
=================  =====================================  ===  =====================

``L`` is the number of estimation-window days with a usable return (both the
instrument's and, for the two benchmark models, the benchmark's), ``Sxx`` the sum of
squared deviations of ``R_m`` from its estimation-window mean. The residual standard
deviation is ``s = sqrt(SSR / (L - k))`` with ``SSR`` the sum of squared estimation-window
residuals; for ``raw`` and ``market_adjusted`` nothing is estimated (k = 0), so
``s = sqrt(sum AR^2 / L)`` over the estimation window.

The variance of a CAR over ``L2`` event-window days includes the error of the estimated
coefficients (Campbell, Lo and MacKinlay 1997, ch. 4):

- ``market_model``: ``s^2 (L2 + L2^2/L + (sum_window (R_m,t - mean R_m))^2 / Sxx)``
- ``constant_mean``: ``s^2 (L2 + L2^2/L)``
- ``raw``, ``market_adjusted``: ``s^2 L2``

All fits are closed form over ``(n_events, L_max)`` matrices with NaN marking missing
days: no loop over events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol, get_args, runtime_checkable

import numpy as np

from mktnews.errors import ConfigurationError, InvalidOptionError
from mktnews.vocab import ModelName, check_option

__all__ = [
    "DEGENERATE_RTOL",
    "MODEL_K",
    "BenchmarkRegressors",
    "ModelFit",
    "NormalReturnModel",
    "fit_model",
    "needs_benchmark",
    "register_model",
    "registered_model",
]

#: A fit is degenerate when its residual s.d. is at most this fraction of the returns'
#: root mean square over the estimation days (``s <= DEGENERATE_RTOL * sqrt(syy / L)``):
#: a near-perfect fit whose ``s`` is rounding noise (e.g. 1e-16 against returns of 1e-2)
#: would otherwise give t-statistics of 1e14. Real fits sit many orders of magnitude above.
DEGENERATE_RTOL: float = 1e-8

#: Number of parameters each model estimates.
MODEL_K: dict[str, int] = {"raw": 0, "constant_mean": 1, "market_adjusted": 0, "market_model": 2}


def needs_benchmark(model: str) -> bool:
    """Whether ``model`` uses benchmark returns."""
    if model in ("market_adjusted", "market_model", "scholes_williams", "garch_market"):
        return True
    user = _USER_MODELS.get(model)
    return user is not None and bool(user.uses_benchmark)


@dataclass(frozen=True)
class ModelFit:
    """Per-event parameters of a fitted normal-return model (arrays of length n_events).

    Attributes
    ----------
    model : str
    k : int
        Parameters estimated (0, 1 or 2).
    L : ndarray of int64
        Estimation-window days used.
    alpha, beta : ndarray of float64
        ``normal = alpha + beta * R_m`` (fixed values for the models that estimate none).
    mean : ndarray
        Mean instrument return over the estimation days used.
    market_mean : ndarray
        Mean benchmark return over the estimation days used (NaN without benchmark).
    sxx : ndarray
        Sum of squared deviations of the benchmark return from ``market_mean``.
    ssr : ndarray
        Sum of squared estimation-window residuals.
    s : ndarray
        Residual standard deviation ``sqrt(ssr / (L - k))`` (NaN when ``L <= k``).
    resid : ndarray (n_events, n_days)
        Estimation-window residuals ``R - normal`` (NaN on days not used).
    syy : ndarray
        Sum of squared instrument returns over the estimation days used (the returns'
        scale, against which a residual s.d. is judged degenerate; see
        :data:`DEGENERATE_RTOL`).
    """

    model: str
    k: int
    L: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    mean: np.ndarray
    market_mean: np.ndarray
    sxx: np.ndarray
    ssr: np.ndarray
    s: np.ndarray
    resid: np.ndarray
    syy: np.ndarray

    def degenerate(self) -> np.ndarray:
        """Per event: whether the fit cannot be used (``s`` not finite, or not above
        :data:`DEGENERATE_RTOL` times the returns' root mean square; for the market
        model also a benchmark without variation, ``Sxx`` not finite and positive)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.sqrt(self.syy / self.L)
            bad = ~(np.isfinite(self.s) & (self.s > DEGENERATE_RTOL * scale))
        if self.model == "market_model":
            bad |= ~(np.isfinite(self.sxx) & (self.sxx > 0))
        return bad

    @property
    def uses_market(self) -> bool:
        """Whether normal returns depend on the benchmark."""
        return needs_benchmark(self.model)

    def normal(self, market: np.ndarray, shape: tuple[int, ...] | None = None) -> np.ndarray:
        """Normal returns, ``(n_events, n_days)``, given the benchmark returns on those days."""
        market = np.asarray(market, dtype=np.float64)
        if self.model == "raw":
            return np.zeros(market.shape if shape is None else shape)
        if self.model == "constant_mean":
            out = np.broadcast_to(self.alpha[:, None], market.shape if shape is None else shape)
            return np.array(out, dtype=np.float64)
        return self.alpha[:, None] + self.beta[:, None] * market

    def prediction_factor(self, market: np.ndarray) -> np.ndarray:
        """The factor ``C_t`` of the prediction-error variance ``s^2 C_t`` per day."""
        market = np.asarray(market, dtype=np.float64)
        L = self.L.astype(np.float64)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.model == "market_model":
                dev = market - self.market_mean[:, None]
                return 1.0 + 1.0 / L + dev**2 / self.sxx[:, None]
            if self.model == "constant_mean":
                return np.broadcast_to(1.0 + 1.0 / L, market.shape).copy()
        return np.ones(market.shape)

    def car_variance(self, market: np.ndarray, used: np.ndarray) -> np.ndarray:
        """Variance of the CAR summed over the ``used`` days of a window.

        Parameters
        ----------
        market : ndarray (n_events, n_days)
            Benchmark returns on the window's days.
        used : ndarray of bool (n_events, n_days)
            Days whose AR enters the CAR (``L2`` is their count).
        """
        L2 = used.sum(axis=1).astype(np.float64)
        L = self.L.astype(np.float64)
        s2 = self.s**2
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.model == "market_model":
                dev = np.where(used, market - self.market_mean[:, None], 0.0).sum(axis=1)
                return s2 * (L2 + L2**2 / L + dev**2 / self.sxx)
            if self.model == "constant_mean":
                return s2 * (L2 + L2**2 / L)
        return s2 * L2


def fit_model(
    model: ModelName,
    ret: np.ndarray,
    market: np.ndarray | None = None,
    *,
    out: np.ndarray | None = None,
) -> ModelFit:
    """Fit a normal-return model for every event at once.

    Parameters
    ----------
    model : {"raw", "constant_mean", "market_adjusted", "market_model"}
    ret : ndarray (n_events, n_days)
        Instrument returns over each event's estimation window (NaN = missing).
    market : ndarray (n_events, n_days), optional
        Benchmark returns on the same days; required by the two benchmark models.
    out : ndarray (n_events, n_days), optional
        Where to write the residuals (``ModelFit.resid`` is then ``out``).

    Returns
    -------
    ModelFit

    Notes
    -----
    A day enters the estimation when the instrument's return is present and, for the
    benchmark models, the benchmark's too. The market model is the closed-form OLS
    ``beta = Sxy / Sxx``, ``alpha = mean R - beta mean R_m`` on centred sums.
    """
    check_option("model", model, ModelName)
    if model == "time_of_day":
        raise ConfigurationError(
            "model='time_of_day' is fitted on clock windows only (windows=[('-30min', '+60min')] "
            "with intraday bars, see mktnews.clock)"
        )
    ret = np.asarray(ret, dtype=np.float64)
    k = MODEL_K[model]
    if needs_benchmark(model):
        if market is None:
            raise ValueError(f"model {model!r} needs benchmark returns")
        market = np.asarray(market, dtype=np.float64)
    else:
        market = None
    if out is not None and out.shape != ret.shape:
        raise ValueError(f"out has shape {out.shape}, the returns {ret.shape}")
    # fast path: a row sum is finite only when every value of the row is
    sum_y = ret.sum(axis=1)
    sum_x = market.sum(axis=1) if market is not None else None
    if np.isfinite(sum_y).all() and (sum_x is None or np.isfinite(sum_x).all()):
        return _fit_complete(model, k, ret, market, sum_y, sum_x, out)
    fit = _fit_masked(model, k, ret, market)
    if out is None:
        return fit
    out[...] = fit.resid
    return replace(fit, resid=out)


def _fit_complete(
    model: str,
    k: int,
    y: np.ndarray,
    x: np.ndarray | None,
    sum_y: np.ndarray,
    sum_x: np.ndarray | None,
    out: np.ndarray | None,
) -> ModelFit:
    """:func:`fit_model` when every day of every event is usable (no masking)."""
    n, m = y.shape
    L = np.full(n, m, dtype=np.int64)
    Lf = float(m)
    nan = np.full(n, np.nan)
    resid = np.empty_like(y) if out is None else out
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = sum_y / Lf
        market_mean, sxx = nan, nan
        if model == "raw":
            alpha, beta = np.zeros(n), np.zeros(n)
            resid[...] = y
        elif model == "constant_mean":
            alpha, beta = mean, np.zeros(n)
            np.subtract(y, _finite(mean)[:, None], out=resid)
        else:
            assert x is not None and sum_x is not None
            market_mean = sum_x / Lf
            dx = x - _finite(market_mean)[:, None]
            sxx = np.einsum("ij,ij->i", dx, dx)
            if model == "market_adjusted":
                alpha, beta = np.zeros(n), np.ones(n)
                np.subtract(y, x, out=resid)
            else:
                # sum dx*y = sum dx*(y - mean): the deviations dx sum to zero
                beta = np.einsum("ij,ij->i", dx, y) / sxx
                alpha = mean - beta * market_mean
                np.multiply(dx, -_finite(beta)[:, None], out=resid)
                resid += y
                resid -= _finite(mean)[:, None]
        ssr = np.einsum("ij,ij->i", resid, resid)
        syy = ssr if model == "raw" else np.einsum("ij,ij->i", y, y)
        dof = Lf - k
        s = np.full(n, np.nan) if dof <= 0 else np.sqrt(ssr / dof)
    return ModelFit(
        model=model,
        k=k,
        L=L,
        alpha=alpha,
        beta=beta,
        mean=mean,
        market_mean=market_mean,
        sxx=sxx,
        ssr=ssr,
        s=s,
        resid=resid,
        syy=syy,
    )


def _fit_masked(model: str, k: int, ret: np.ndarray, market: np.ndarray | None) -> ModelFit:
    """:func:`fit_model` with missing days (NaN in ``ret`` or ``market``)."""
    n = ret.shape[0]
    used = np.isfinite(ret)
    if market is not None:
        used &= np.isfinite(market)
    complete = bool(used.all())  # fast path: no masking needed
    L = used.sum(axis=1)
    Lf = L.astype(np.float64)
    y = ret if complete else np.where(used, ret, 0.0)
    nan = np.full(n, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = y.sum(axis=1) / Lf
        market_mean, sxx = nan, nan
        if model == "raw":
            alpha, beta = np.zeros(n), np.zeros(n)
            resid = y
        elif model == "constant_mean":
            alpha, beta = mean, np.zeros(n)
            resid = y - _finite(mean)[:, None]
            if not complete:
                resid *= used
        else:
            assert market is not None
            x = market if complete else np.where(used, market, 0.0)
            market_mean = x.sum(axis=1) / Lf
            dx = x - _finite(market_mean)[:, None]
            if not complete:
                dx *= used
            sxx = np.einsum("ij,ij->i", dx, dx)
            if model == "market_adjusted":
                alpha, beta = np.zeros(n), np.ones(n)
                resid = y - x
            else:
                dy = y - _finite(mean)[:, None]
                if not complete:
                    dy *= used
                beta = np.einsum("ij,ij->i", dx, dy) / sxx
                alpha = mean - beta * market_mean
                resid = dy
                resid -= _finite(beta)[:, None] * dx
        ssr = np.einsum("ij,ij->i", resid, resid)
        syy = ssr if model == "raw" else np.einsum("ij,ij->i", y, y)
        dof = Lf - k
        s = np.where(dof > 0, np.sqrt(ssr / np.where(dof > 0, dof, 1.0)), np.nan)
    if resid is ret:
        resid = resid.copy()
    if not complete:
        resid = np.where(used, resid, np.nan)
    return ModelFit(
        model=model,
        k=k,
        L=L.astype(np.int64),
        alpha=alpha,
        beta=beta,
        mean=mean,
        market_mean=market_mean,
        sxx=sxx,
        ssr=ssr,
        s=s,
        resid=resid,
        syy=syy,
    )


def _finite(v: np.ndarray) -> np.ndarray:
    """``v`` with non-finite values replaced by 0 (a light ``np.nan_to_num`` for the
    per-event vectors that centre or scale rows; those events are degenerate anyway)."""
    return v if np.isfinite(v).all() else np.where(np.isfinite(v), v, 0.0)


# ---------------------------------------------------------------------------------------
# models with K regressors: the extension point


@runtime_checkable
class NormalReturnModel(Protocol):
    """A normal-return model ``R_t = a + b' x_t + e_t`` with K regressors ``x_t``.

    The study fits it by OLS with an intercept over every event's estimation window at
    once (batched normal equations, :func:`mktnews.factors.fit_factor_model`) and uses
    the full prediction-error variance ``s^2 (1 + x0' (X'X)^-1 x0)``. The market model is
    the case K = 1 with ``x_t = R_m,t`` (:class:`BenchmarkRegressors`); the built-in
    ``market_model`` keeps its closed form as the fast path.

    Attributes
    ----------
    name : str
        The ``model=`` name of the model.
    regressors : tuple of str
        Names of the K regressors (``params`` gets a ``b_<name>`` column each).
    uses_benchmark : bool
        Whether ``design`` needs the benchmark returns (then ``benchmark=`` is required).

    Methods
    -------
    design(market, stamps)
        ``(n_events, n_days, K)`` regressors of the cells: ``market`` the benchmark
        returns ``(n_events, n_days)`` (NaN where missing; all NaN without a benchmark),
        ``stamps`` the cells' session dates as int64 ns. A NaN regressor drops that day
        from the estimation and gives a NaN abnormal return in the event window.
    """

    name: str
    regressors: tuple[str, ...]
    uses_benchmark: bool

    def design(self, market: np.ndarray, stamps: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class BenchmarkRegressors:
    """The K = 1 case: the benchmark return as the one regressor (the market model fitted
    by the general K-regressor path; equal to ``model="market_model"`` to rounding)."""

    name: str = "market_model_ols"
    regressors: tuple[str, ...] = ("market",)
    uses_benchmark: bool = True

    def design(self, market: np.ndarray, stamps: np.ndarray) -> np.ndarray:
        return np.asarray(market, dtype=np.float64)[..., None]


_USER_MODELS: dict[str, NormalReturnModel] = {}


def register_model(model: NormalReturnModel, *, replace: bool = False) -> None:
    """Make a K-regressor normal-return model available as ``event_study(model=name)``.

    Parameters
    ----------
    model : NormalReturnModel
        An object with ``name``, ``regressors``, ``uses_benchmark`` and ``design``.
    replace : bool, default False
        Replace a model registered under the same name.

    Raises
    ------
    InvalidOptionError
        For an object that is not such a model, no regressors, a built-in model's name
        or a name already registered.
    """
    if not isinstance(model, NormalReturnModel) or not isinstance(model.name, str) or not model.name:
        raise InvalidOptionError(
            "model", type(model).__name__, reason="needs name, regressors, uses_benchmark and design()"
        )
    regs = tuple(model.regressors)
    if not regs or not all(isinstance(r, str) and r for r in regs) or len(set(regs)) != len(regs):
        raise InvalidOptionError("regressors", regs, reason="a non-empty tuple of distinct names")
    if model.name in get_args(ModelName):
        raise InvalidOptionError("model", model.name, reason="is a built-in model; choose another name")
    if model.name in _USER_MODELS and not replace:
        raise InvalidOptionError("model", model.name, reason="already registered; pass replace=True")
    _USER_MODELS[model.name] = model


def unregister_model(name: str) -> None:
    """Forget a registered model (no error when there is none of that name)."""
    _USER_MODELS.pop(name, None)


def registered_model(name: object) -> NormalReturnModel | None:
    """The registered model of that name, or None (built-in models are not registered)."""
    return _USER_MODELS.get(name) if isinstance(name, str) else None
