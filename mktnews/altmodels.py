"""Normal-return models beyond OLS: Scholes–Williams betas (thin trading) and the market
model with GARCH(1,1) errors.

``model="scholes_williams"`` (with a ``benchmark``) is the market model with the beta of
Scholes and Williams (1977), which corrects the downward bias of the OLS beta when the
instrument trades less often than the market (non-synchronous trading):

``beta_SW = (b_-1 + b_0 + b_+1) / (1 + 2 rho_m)``, ``alpha_SW = mean(R) - beta_SW mean(R_m)``

with ``b_j`` the OLS slope of ``R_t`` on ``R_m,t+j`` and ``rho_m`` the first-order
autocorrelation of the benchmark (the Pearson correlation of ``R_m,t`` and ``R_m,t-1``).

Conventions
-----------
- One sample for all of it: the estimation days ``t`` on which ``R_t``, ``R_m,t-1``,
  ``R_m,t`` and ``R_m,t+1`` are all present (``R_m,t-1`` of the first day and ``R_m,t+1``
  of the last are the benchmark returns of the rows before and after the window); ``L``
  counts them.
- ``s^2 = SSR / (L - 2)`` of the residuals ``R_t - alpha_SW - beta_SW R_m,t`` on those days.
- Prediction-error variance and CAR variance: the market model's closed forms
  (``s^2 (1 + 1/L + (R_m,t - mean R_m)^2 / Sxx)``; Campbell, Lo and MacKinlay 1997) with
  the Scholes–Williams residual variance — the usual approximation: it treats
  ``beta_SW`` as if it had the sampling error of the OLS beta.

All of it is closed form over ``(n_events, L_max)`` matrices (no loop over events).

``model="garch_market"`` (with a ``benchmark``; needs the ``arch`` package, the ``garch``
extra) fits ``R_t = a + b R_m,t + e_t``, ``e_t ~ N(0, h_t)``,
``h_t = omega + alpha e_{t-1}^2 + beta h_{t-1}`` by maximum likelihood with
``arch.arch_model(100 R, x=100 R_m, mean="LS", vol="GARCH", p=1, q=1, dist="normal",
rescale=False)`` on the estimation days where both returns exist (in their order; missing
days are skipped), and converts back from percent. The variance of an event-window AR is
the GARCH forecast made at the end of the estimation window, ``h`` steps ahead for relative
day ``d`` with ``h = d - end`` of the estimation window:
``h_{T+1} = omega + alpha e_T^2 + beta h_T``, ``h_{T+k} = omega + (alpha + beta) h_{T+k-1}``
(no event-window information, no coefficient-error term); the CAR variance is the sum of
those over the window's days. ``s`` is ``sqrt(SSR / (L - 2))`` of the mean-equation
residuals (what the tests that standardise by ``s`` use). A fit that does not converge
(arch's ``convergence_flag != 0``) gives the status ``degenerate_estimation``. arch has no
batched GARCH: this model is the one fitted event by event (a loop over events), so it
costs milliseconds per event (and per placebo event).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from mktnews.models import ModelFit
from mktnews.windows import ReturnPanel, WindowSpec

__all__ = ["ALT_MODELS", "GarchFit", "ScholesWilliamsFit", "fit_garch_market", "fit_scholes_williams"]

#: Models of this module (each needs a benchmark).
ALT_MODELS: tuple[str, ...] = ("scholes_williams", "garch_market")

_BLOCK_CELLS = 200_000


@dataclass(frozen=True)
class ScholesWilliamsFit(ModelFit):
    """:class:`~mktnews.models.ModelFit` of the Scholes–Williams model.

    Attributes
    ----------
    b_lag, b_0, b_lead : ndarray
        OLS slopes on ``R_m,t-1``, ``R_m,t``, ``R_m,t+1``.
    rho_m : ndarray
        First-order autocorrelation of the benchmark returns.
    """

    b_lag: np.ndarray
    b_0: np.ndarray
    b_lead: np.ndarray
    rho_m: np.ndarray

    def prediction_factor(self, market: np.ndarray) -> np.ndarray:
        """The market model's ``1 + 1/L + (R_m,t - mean R_m)^2 / Sxx``."""
        L = self.L.astype(np.float64)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = np.asarray(market, dtype=np.float64) - self.market_mean[:, None]
            return 1.0 + 1.0 / L + dev**2 / self.sxx[:, None]

    def car_variance(self, market: np.ndarray, used: np.ndarray) -> np.ndarray:
        """The market model's ``s^2 (L2 + L2^2/L + (sum (R_m,t - mean R_m))^2 / Sxx)``."""
        L2 = used.sum(axis=1).astype(np.float64)
        L = self.L.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = np.where(used, np.asarray(market) - self.market_mean[:, None], 0.0).sum(axis=1)
            return self.s**2 * (L2 + L2**2 / L + dev**2 / self.sxx)


def _slope(x: np.ndarray, y: np.ndarray, used: np.ndarray, L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: OLS slope of y on x over ``used`` and the centred sum of squares of x."""
    with np.errstate(divide="ignore", invalid="ignore"):
        xm = np.where(used, x, 0.0).sum(axis=1) / L
        ym = np.where(used, y, 0.0).sum(axis=1) / L
        dx = np.where(used, x - xm[:, None], 0.0)
        dy = np.where(used, y - ym[:, None], 0.0)
        sxx = np.einsum("ij,ij->i", dx, dx)
        return np.einsum("ij,ij->i", dx, dy) / sxx, sxx


def fit_scholes_williams(
    ret: np.ndarray, m_lag: np.ndarray, market: np.ndarray, m_lead: np.ndarray
) -> ScholesWilliamsFit:
    """Scholes–Williams fits of every event at once (arrays ``(n_events, n_days)``)."""
    used = np.isfinite(ret) & np.isfinite(m_lag) & np.isfinite(market) & np.isfinite(m_lead)
    L = used.sum(axis=1)
    Lf = L.astype(np.float64)
    b_lag, _ = _slope(m_lag, ret, used, Lf)
    b_0, sxx = _slope(market, ret, used, Lf)
    b_lead, _ = _slope(m_lead, ret, used, Lf)
    with np.errstate(divide="ignore", invalid="ignore"):
        mm = np.where(used, market, 0.0).sum(axis=1) / Lf
        ml = np.where(used, m_lag, 0.0).sum(axis=1) / Lf
        d0 = np.where(used, market - mm[:, None], 0.0)
        dl = np.where(used, m_lag - ml[:, None], 0.0)
        rho = np.einsum("ij,ij->i", d0, dl) / np.sqrt(
            np.einsum("ij,ij->i", d0, d0) * np.einsum("ij,ij->i", dl, dl)
        )
        beta = (b_lag + b_0 + b_lead) / (1.0 + 2.0 * rho)
        mean = np.where(used, ret, 0.0).sum(axis=1) / Lf
        alpha = mean - beta * mm
        resid = np.where(used, ret - alpha[:, None] - beta[:, None] * market, np.nan)
        ssr = np.einsum("ij,ij->i", np.where(used, resid, 0.0), np.where(used, resid, 0.0))
        dof = Lf - 2.0
        s = np.where(dof > 0, np.sqrt(ssr / np.where(dof > 0, dof, 1.0)), np.nan)
    s = np.where(np.isfinite(beta) & (sxx > 0), s, np.nan)
    return ScholesWilliamsFit(
        model="scholes_williams",
        k=2,
        L=L.astype(np.int64),
        alpha=alpha,
        beta=beta,
        mean=mean,
        market_mean=mm,
        sxx=sxx,
        ssr=ssr,
        s=s,
        resid=resid,
        syy=np.einsum("ij,ij->i", np.where(used, ret, 0.0), np.where(used, ret, 0.0)),
        b_lag=b_lag,
        b_0=b_0,
        b_lead=b_lead,
        rho_m=rho,
    )


def fit_estimation(
    panel: ReturnPanel, inst: np.ndarray, pos: np.ndarray, spec: WindowSpec, keep: bool
) -> tuple[ScholesWilliamsFit, np.ndarray, np.ndarray]:
    """The Scholes–Williams model on every event's estimation window (the counterpart of
    ``study._fit_estimation``): fit, calendar keys of the residuals, residuals."""
    n = len(pos)
    rel = spec.estimation.rel
    le = len(rel)
    step = max(1, _BLOCK_CELLS // max(le, 1))
    parts: list[ScholesWilliamsFit] = []
    keys = np.empty((n, le) if keep else (n, 0), dtype=np.int64)
    for a in range(0, max(n, 1), step):  # blocks of events (bounded temporaries)
        b = min(n, a + step)
        est = panel.gather(inst[a:b], pos[a:b], rel)
        lag = panel.gather(inst[a:b], pos[a:b], rel - 1).market
        lead = panel.gather(inst[a:b], pos[a:b], rel + 1).market
        part = fit_scholes_williams(est.ret, lag, est.market, lead)
        parts.append(part)
        if keep:
            keys[a:b] = np.where(np.isfinite(part.resid), est.keys, -1)
    if len(parts) == 1:
        fit = parts[0]
    else:
        first = parts[0]
        joined = {
            f.name: np.concatenate([getattr(p, f.name) for p in parts])
            for f in dataclasses.fields(first)
            if isinstance(getattr(first, f.name), np.ndarray)
        }
        fit = dataclasses.replace(first, **joined)  # type: ignore[arg-type]
    return fit, keys, (fit.resid if keep else np.empty((n, 0)))


def sw_params(fit: ModelFit) -> dict[str, np.ndarray]:
    """Per-event columns for ``results.params`` (Scholes–Williams and GARCH fits)."""
    if isinstance(fit, ScholesWilliamsFit):
        return {"b_lag": fit.b_lag, "b_0": fit.b_0, "b_lead": fit.b_lead, "rho_m": fit.rho_m}
    if isinstance(fit, GarchFit):
        return {"omega": fit.omega, "garch_alpha": fit.garch_alpha, "garch_beta": fit.garch_beta,
                "h_next": fit.h_next, "converged": fit.converged}  # fmt: skip
    return {}


# ---------------------------------------------------------------------------------------
# GARCH(1,1) market model


@dataclass(frozen=True)
class GarchFit(ModelFit):
    """:class:`~mktnews.models.ModelFit` of the GARCH(1,1) market model.

    The methods take, in place of the benchmark returns, the array of
    :func:`garch_design`: benchmark returns and forecast variances on the last axis.

    Attributes
    ----------
    omega, garch_alpha, garch_beta : ndarray
        GARCH(1,1) parameters (decimal units).
    h_next : ndarray
        Variance forecast for the day after the estimation window.
    converged : ndarray of bool
    """

    omega: np.ndarray
    garch_alpha: np.ndarray
    garch_beta: np.ndarray
    h_next: np.ndarray
    converged: np.ndarray

    def normal(self, market: np.ndarray, shape: tuple[int, ...] | None = None) -> np.ndarray:
        """``a + b R_m`` per event and day."""
        m = np.asarray(market, dtype=np.float64)[..., 0]
        return self.alpha[:, None] + self.beta[:, None] * m

    def prediction_factor(self, market: np.ndarray) -> np.ndarray:
        """``h_t / s^2``: the AR's variance is the GARCH forecast ``h_t``."""
        h = np.asarray(market, dtype=np.float64)[..., 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            return h / (self.s**2)[:, None]

    def car_variance(self, market: np.ndarray, used: np.ndarray) -> np.ndarray:
        """Sum of the forecast variances over the used days."""
        h = np.asarray(market, dtype=np.float64)[..., 1]
        return np.where(used, h, 0.0).sum(axis=1)

    def forecast(self, steps: np.ndarray) -> np.ndarray:
        """``(n_events, len(steps))`` variance forecasts ``steps`` (>= 1) days ahead."""
        steps = np.asarray(steps, dtype=np.int64)
        persistence = (self.garch_alpha + self.garch_beta)[:, None]
        k = np.maximum(steps - 1, 0)[None, :].astype(np.float64)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            geo = np.where(
                np.isclose(persistence, 1.0), k, (1.0 - persistence**k) / (1.0 - persistence)
            )
            return self.omega[:, None] * geo + persistence**k * self.h_next[:, None]


def fit_garch_market(ret: np.ndarray, market: np.ndarray) -> GarchFit:
    """GARCH(1,1) market model of every event (rows of ``ret`` / ``market``), one arch fit
    per event (see the module's conventions)."""
    try:
        from arch import arch_model
    except ImportError as exc:
        from mktnews.errors import ConfigurationError

        raise ConfigurationError('model="garch_market" needs the arch package: pip install "mktnews[garch]"') from exc
    import warnings

    import pandas as pd

    n, m = ret.shape
    used = np.isfinite(ret) & np.isfinite(market)
    L = used.sum(axis=1).astype(np.int64)
    out = {name: np.full(n, np.nan) for name in ("a", "b", "omega", "ga", "gb", "h_next", "ssr")}
    converged = np.zeros(n, dtype=bool)
    resid = np.full((n, m), np.nan)
    for i in range(n):  # loop per event: arch fits one model at a time
        if L[i] < 10:
            continue
        y = 100.0 * ret[i, used[i]]
        x = 100.0 * market[i, used[i]]
        am = arch_model(
            pd.Series(y), x=pd.DataFrame({"m": x}), mean="LS", vol="GARCH", p=1, q=1,
            dist="normal", rescale=False,
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = am.fit(disp="off")
        p = r.params
        e = np.asarray(r.resid, dtype=np.float64) / 100.0
        h = (np.asarray(r.conditional_volatility, dtype=np.float64) / 100.0) ** 2
        omega = float(p["omega"]) / 1e4
        ga, gb = float(p["alpha[1]"]), float(p["beta[1]"])
        out["a"][i] = float(p["Const"]) / 100.0
        out["b"][i] = float(p["m"])
        out["omega"][i], out["ga"][i], out["gb"][i] = omega, ga, gb
        out["h_next"][i] = omega + ga * e[-1] ** 2 + gb * h[-1]
        out["ssr"][i] = float(e @ e)
        resid[i, used[i]] = e
        converged[i] = r.convergence_flag == 0
    Lf = L.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.sqrt(out["ssr"] / (Lf - 2.0))
        mm = np.where(used, market, 0.0).sum(axis=1) / Lf
        mean = np.where(used, ret, 0.0).sum(axis=1) / Lf
        dx = np.where(used, market - mm[:, None], 0.0)
    s = np.where(converged & (Lf > 2), s, np.nan)
    return GarchFit(
        model="garch_market",
        k=2,
        L=L,
        alpha=out["a"],
        beta=out["b"],
        mean=mean,
        market_mean=mm,
        sxx=np.einsum("ij,ij->i", dx, dx),
        ssr=out["ssr"],
        s=s,
        resid=resid,
        syy=np.einsum("ij,ij->i", np.where(used, ret, 0.0), np.where(used, ret, 0.0)),
        omega=out["omega"],
        garch_alpha=out["ga"],
        garch_beta=out["gb"],
        h_next=out["h_next"],
        converged=converged,
    )


def fit_garch_estimation(
    panel: ReturnPanel, inst: np.ndarray, pos: np.ndarray, spec: WindowSpec, keep: bool
) -> tuple[GarchFit, np.ndarray, np.ndarray]:
    """The GARCH market model on every event's estimation window."""
    est = panel.gather(inst, pos, spec.estimation.rel)
    fit = fit_garch_market(est.ret, est.market)
    keys = np.where(np.isfinite(fit.resid), est.keys, -1) if keep else np.empty((len(pos), 0), dtype=np.int64)
    return fit, keys, (fit.resid if keep else np.empty((len(pos), 0)))


def garch_design(fit: ModelFit, market: np.ndarray, spec: WindowSpec) -> np.ndarray:
    """``(n_events, n_days, 2)``: the span's benchmark returns and the variance forecasts of
    its relative days (``h = d - end`` of the estimation window steps ahead)."""
    assert isinstance(fit, GarchFit)
    steps = spec.span.rel - spec.estimation.end
    return np.stack([market, fit.forecast(steps)], axis=-1)
