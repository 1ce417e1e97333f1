"""The study path of registered K-regressor normal-return models (:func:`register_model`).

A registered model (:class:`mktnews.models.NormalReturnModel`) gives the regressors of
every event day; this module gathers the estimation windows from the returns panel in
blocks of events, builds the design, and fits OLS with an intercept for all events of a
block at once (:func:`mktnews.factors.fit_in_blocks`, the blocking the factor models
use too, and :func:`mktnews.factors.fit_factor_model`: batched normal equations, the
full ``x0' (X'X)^-1 x0`` prediction term, rank-deficient designs give ``s = NaN``). The
fit is a :class:`~mktnews.factors.FactorFit` whose risk-free column is zero, so the
study's abnormal returns, variances and tests treat it like a factor model.
"""

from __future__ import annotations

import numpy as np

from mktnews.errors import ConfigurationError
from mktnews.factors import FactorFit, fit_factor_model, fit_in_blocks
from mktnews.models import NormalReturnModel, registered_model
from mktnews.windows import Gathered, ReturnPanel, WindowSpec

__all__ = ["fit_estimation", "registered_span_design", "span_design"]


def _design(model: NormalReturnModel, market: np.ndarray, stamps: np.ndarray) -> np.ndarray:
    """The model's regressors, checked: ``(n_events, n_days, K)`` floats."""
    x = np.asarray(model.design(market, stamps), dtype=np.float64)
    want = (*market.shape, len(model.regressors))
    if x.shape != want:
        raise ConfigurationError(
            f"model {model.name!r}: design() returned shape {x.shape}, expected {want} "
            "(events, days, one column per regressor)"
        )
    return x


def fit_estimation(
    model: NormalReturnModel,
    panel: ReturnPanel,
    inst: np.ndarray,
    pos: np.ndarray,
    spec: WindowSpec,
    keep: bool,
) -> tuple[FactorFit, np.ndarray, np.ndarray]:
    """The model on every event's estimation window: the fit, the calendar keys of the
    residuals (-1 where none; (N, 0) unless ``keep``) and the residuals ((N, 0) unless
    ``keep``)."""

    def fit_block(est: Gathered) -> FactorFit:
        market = est.market if model.uses_benchmark else np.full(est.ret.shape, np.nan)
        x = _design(model, market, est.stamps)
        return fit_factor_model(spec.model, est.ret, x, regressors=model.regressors)

    return fit_in_blocks(panel, inst, pos, spec, len(model.regressors), keep, fit_block)


def span_design(model: NormalReturnModel, market: np.ndarray, stamps: np.ndarray) -> np.ndarray:
    """The design of the event span in the layout :class:`~mktnews.factors.FactorFit`
    reads: the K regressors, then a zero risk-free column."""
    if not model.uses_benchmark:
        market = np.full(market.shape, np.nan)
    x = _design(model, market, stamps)
    return np.concatenate([x, np.zeros((*x.shape[:-1], 1))], axis=-1)


def registered_span_design(
    name: str, market: np.ndarray, stamps: np.ndarray, design: np.ndarray
) -> np.ndarray:
    """The span design of the registered model ``name``; ``design`` unchanged for the
    built-in models."""
    model = registered_model(name)
    return design if model is None else span_design(model, market, stamps)
