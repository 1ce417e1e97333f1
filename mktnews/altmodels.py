"""Normal-return models for thinly traded instruments: Scholes–Williams betas.

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
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mktnews.models import ModelFit
from mktnews.windows import ReturnPanel

if TYPE_CHECKING:
    from mktnews.study import _Spec

__all__ = ["ALT_MODELS", "ScholesWilliamsFit", "fit_scholes_williams"]

#: Models of this module (each needs a benchmark).
ALT_MODELS: tuple[str, ...] = ("scholes_williams",)

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
        b_lag=b_lag,
        b_0=b_0,
        b_lead=b_lead,
        rho_m=rho,
    )


def fit_estimation(
    panel: ReturnPanel, inst: np.ndarray, pos: np.ndarray, spec: _Spec, keep: bool
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
    """Per-event columns for ``results.params``."""
    if not isinstance(fit, ScholesWilliamsFit):
        return {}
    return {"b_lag": fit.b_lag, "b_0": fit.b_0, "b_lead": fit.b_lead, "rho_m": fit.rho_m}
