"""Factor models of normal returns (Fama–French, Carhart, any regressors) and the reader
of Ken French's daily factor files.

=============  ==============================================  ==========
model          regressors (columns of ``factors=``)            k
=============  ==============================================  ==========
``ff3``        ``Mkt-RF, SMB, HML``                            4
``carhart``    ``Mkt-RF, SMB, HML, Mom``                       5
``ff5``        ``Mkt-RF, SMB, HML, RMW, CMA``                  6
``factor``     the columns named by ``regressors=``            1 + K
=============  ==============================================  ==========

Per event, the estimation window is an OLS regression with an intercept,
``y_t = a + b' f_t + e_t``, where ``y_t = R_t - RF_t`` (the excess return) when the factor
frame has an ``RF`` column and ``y_t = R_t`` otherwise. The normal return of an event-window
day is ``RF_t + a + b' f_t`` (so ``AR_t = R_t - normal_t``), its prediction-error variance
``s^2 (1 + x_t' (X'X)^-1 x_t)`` with ``x_t = (1, f_t)`` and ``X`` the estimation design,
and the variance of a CAR over the days ``W`` of a window
``s^2 (L2 + g' (X'X)^-1 g)`` with ``g = sum_{t in W} x_t`` (Campbell, Lo and MacKinlay
1997, ch. 4, with K regressors); ``s^2 = SSR / (L - k)``. With one regressor these are the
market model's closed forms.

Factor dates are matched to the instrument's own dates (exact session dates). An
estimation day whose factors (or RF) are missing drops out of the estimation (``L``
counts the days used; ``params["factor_gaps"]`` counts the days dropped that way: the
factor market's holidays on which the instrument traded). An event gets the status
``missing_factors`` instead of an AR when a day of its event span has no factors, or when
its estimation window reaches outside the dates the factor frame covers (factors that were
not supplied are not holidays).

The fit is vectorised across events: the normal equations ``X'X`` and ``X'y`` of all the
events of a block are built with ``einsum`` and solved as one stacked system.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mktnews.errors import ConfigurationError, InvalidOptionError
from mktnews.models import ModelFit
from mktnews.windows import Gathered, ReturnPanel, WindowSpec

__all__ = [
    "FACTOR_MODELS",
    "FactorFit",
    "FactorPanel",
    "factor_columns",
    "is_factor_model",
    "model_k",
    "read_french_factors",
]

#: Regressors of each named factor model (``factor``: those given by ``regressors=``).
FACTOR_MODELS: Mapping[str, tuple[str, ...] | None] = {
    "ff3": ("Mkt-RF", "SMB", "HML"),
    "carhart": ("Mkt-RF", "SMB", "HML", "Mom"),
    "ff5": ("Mkt-RF", "SMB", "HML", "RMW", "CMA"),
    "factor": None,
}

#: Column of the risk-free rate; when present, the dependent variable is the excess return.
RF_COLUMN = "RF"

#: Events per block of the estimation fit (bounds the (events, days, k) temporaries).
_BLOCK_CELLS = 400_000


def is_factor_model(model: str) -> bool:
    """Whether ``model`` is one of the factor models of this module."""
    return model in FACTOR_MODELS


def factor_columns(model: str, regressors: Sequence[str] | None) -> tuple[str, ...]:
    """The regressor columns of ``model`` (``regressors`` for ``"factor"``)."""
    cols = FACTOR_MODELS[model]
    if cols is None:
        if not regressors:
            raise ConfigurationError(
                "model='factor' needs regressors=[...]: the columns of factors= to regress on"
            )
        return tuple(regressors)
    return cols


def model_k(model: str, regressors: Sequence[str] | None = None) -> int:
    """Number of parameters ``model`` estimates (intercept included for factor models)."""
    if is_factor_model(model):
        return 1 + len(factor_columns(model, regressors))
    from mktnews.altmodels import ALT_MODELS
    from mktnews.models import MODEL_K

    if model in ALT_MODELS:
        return 2  # intercept and beta
    from mktnews.models import registered_model

    user = registered_model(model)
    if user is not None:
        return 1 + len(user.regressors)  # intercept and loadings

    return MODEL_K[model]


# ---------------------------------------------------------------------------------------
# options


def check_factor_options(
    model: str, factors: object, regressors: object, interval: str
) -> tuple[pd.DataFrame | None, tuple[str, ...] | None]:
    """Validate ``factors=`` and ``regressors=`` for ``model``.

    Returns the factor frame reduced to the regressors (and ``RF``), with float columns
    named as the model names them and a tz-naive, sorted, unique date index, and the
    regressor names.

    Raises
    ------
    ConfigurationError
        When a factor model lacks ``factors=``, another model is given them, columns are
        missing, the values look like percent, or the interval is intraday.
    InvalidOptionError
        When ``factors`` is not a DataFrame or ``regressors`` not a list of names.
    """
    if not is_factor_model(model):
        if factors is not None:
            raise ConfigurationError(
                f"factors= is not used by model={model!r}; the factor models are "
                f"{list(FACTOR_MODELS)}"
            )
        if regressors is not None:
            raise ConfigurationError(
                f"regressors= is not used by model={model!r}; only model='factor' takes it"
            )
        return None, None
    if factors is None:
        raise ConfigurationError(
            f"model={model!r} needs factors=: a DataFrame of daily factor returns in decimals "
            "indexed by date (e.g. mktnews.read_french_factors('F-F_Research_Data_Factors_daily.CSV'))"
        )
    if not isinstance(factors, pd.DataFrame):
        raise InvalidOptionError(
            "factors", type(factors).__name__, reason="expected a DataFrame indexed by date"
        )
    if regressors is not None:
        regressors = _check_regressors(model, regressors)
    if interval != "1d":
        raise ConfigurationError(
            f"model={model!r} uses daily factor returns; interval={interval!r} is intraday: "
            "pass interval='1d'"
        )
    cols = factor_columns(model, regressors)
    by_name = {str(c).strip(): c for c in factors.columns}
    if RF_COLUMN in cols:
        raise ConfigurationError(
            f"{RF_COLUMN!r} is the risk-free rate (the dependent variable becomes R - RF); "
            "it cannot also be a regressor"
        )
    missing = [c for c in cols if c not in by_name]
    if missing:
        raise ConfigurationError(
            f"factors= lacks the column(s) {missing} needed by model={model!r} "
            f"(it has {list(by_name)})"
        )
    keep = [*cols, RF_COLUMN] if RF_COLUMN in by_name else list(cols)
    out = pd.DataFrame(
        {c: pd.to_numeric(factors[by_name[c]], errors="raise").astype("float64") for c in keep},
        index=factors.index,
    )
    idx = _factor_dates(factors.index)
    out.index = idx.as_unit("ns")
    out = out.sort_index()
    _check_decimals(out, cols, model)
    return out, tuple(cols)


def _check_regressors(model: str, regressors: object) -> list[str]:
    """``regressors=`` as a list of distinct column names (only ``model='factor'`` takes it)."""
    if model != "factor":
        raise ConfigurationError(
            f"regressors= is only used by model='factor'; model={model!r} regresses on "
            f"{list(FACTOR_MODELS[model] or ())}"
        )
    if isinstance(regressors, str):
        regressors = [regressors]
    if (
        not isinstance(regressors, Sequence)
        or not regressors
        or not all(isinstance(r, str) for r in regressors)
    ):
        raise InvalidOptionError(
            "regressors", regressors, reason="expected a non-empty list of column names"
        )
    if len(set(regressors)) != len(regressors):
        raise InvalidOptionError("regressors", regressors, reason="a column is named twice")
    return list(regressors)


def _factor_dates(idx: pd.Index) -> pd.DatetimeIndex:
    """The factor frame's index as tz-naive midnight dates, none missing or repeated."""
    if not isinstance(idx, pd.DatetimeIndex):
        try:
            idx = pd.DatetimeIndex(pd.to_datetime(idx))
        except (TypeError, ValueError) as exc:
            raise InvalidOptionError(
                "factors", "DataFrame", reason=f"its index must be dates ({exc})"
            ) from exc
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    if idx.isna().any():
        raise InvalidOptionError("factors", "DataFrame", reason="its index has a missing date")
    if (idx != idx.normalize()).any():
        raise InvalidOptionError(
            "factors", "DataFrame", reason="its index must be dates (midnight), one row per day"
        )
    if idx.has_duplicates:
        raise InvalidOptionError(
            "factors", "DataFrame", reason=f"date {idx[idx.duplicated()][0].date()} is repeated"
        )
    return idx


def _check_decimals(out: pd.DataFrame, cols: Sequence[str], model: str) -> None:
    """Refuse factor returns (and RF) that look like percent rather than decimals."""
    for c in cols[:1] if model != "factor" else ():
        med = float(np.nanmedian(np.abs(out[c].to_numpy())))
        if med > 0.05:
            raise ConfigurationError(
                f"factors[{c!r}] has a median absolute value of {med:.3g}: daily factor "
                "returns in percent, not decimals? Divide by 100 (read_french_factors does)"
            )
    if RF_COLUMN in out.columns:
        rf_med = float(np.nanmedian(np.abs(out[RF_COLUMN].to_numpy())))
        if rf_med > 0.005:
            raise ConfigurationError(
                f"factors['RF'] has a median absolute value of {rf_med:.3g} per day: percent, "
                "not decimals? Divide by 100 (read_french_factors does)"
            )


def describe_factors(factors: pd.DataFrame | None) -> str | None:
    """A short label of a factor frame for ``results.options``."""
    if factors is None:
        return None
    span = f"{factors.index[0].date()}..{factors.index[-1].date()}" if len(factors) else "empty"
    return f"{', '.join(map(str, factors.columns))} ({len(factors)} days, {span})"


# ---------------------------------------------------------------------------------------
# the panel with factors


@dataclass(frozen=True, kw_only=True)
class FactorPanel(ReturnPanel):
    """A :class:`~mktnews.windows.ReturnPanel` with the factors of every row.

    Attributes
    ----------
    x : ndarray (n_rows + 1, K)
        Factor values on each row's date (NaN where the factor frame lacks the date; the
        sentinel row is NaN).
    rf : ndarray (n_rows + 1,)
        Risk-free rate of each row (0 without an ``RF`` column; NaN where missing).
    regressors : tuple of str
    excess : bool
        Whether the dependent variable is ``R - RF``.
    first_ns, last_ns : int
        First and last date of the factor frame (ns): the range it covers.
    """

    x: np.ndarray
    rf: np.ndarray
    regressors: tuple[str, ...]
    excess: bool
    first_ns: int
    last_ns: int

    @classmethod
    def attach(cls, panel: ReturnPanel, factors: pd.DataFrame, regressors: Sequence[str]) -> FactorPanel:
        """The panel with the factors of each row's date (exact date match)."""
        src = pd.DatetimeIndex(factors.index).asi8
        pos = pd.Index(src).get_indexer(pd.Index(panel.stamps))
        hit = pos >= 0
        vals = factors[list(regressors)].to_numpy(dtype=np.float64)
        x = np.full((len(panel.stamps), len(regressors)), np.nan)
        x[hit] = vals[pos[hit]]
        excess = RF_COLUMN in factors.columns
        if excess:
            rf = np.full(len(panel.stamps), np.nan)
            rf[hit] = factors[RF_COLUMN].to_numpy(dtype=np.float64)[pos[hit]]
        else:
            rf = np.where(hit, 0.0, np.nan)
        x[panel.sentinel] = np.nan
        rf[panel.sentinel] = np.nan
        base = {name: getattr(panel, name) for name in ReturnPanel.__dataclass_fields__}
        first = int(src[0]) if len(src) else 0
        last = int(src[-1]) if len(src) else -1
        return cls(**base, x=x, rf=rf, regressors=tuple(regressors), excess=excess, first_ns=first, last_ns=last)

    def uncovered(self, gathered: Gathered) -> np.ndarray:
        """Per event: a gathered day with a return lies outside the factor frame's range."""
        st = gathered.stamps
        out = np.isfinite(gathered.ret) & ((st < self.first_ns) | (st > self.last_ns))
        return np.asarray(out.any(axis=1))

    def design(self, gathered: Gathered) -> np.ndarray:
        """``(n_events, n_days, K + 1)``: the factors of the gathered cells, then RF."""
        return np.concatenate([self.x[gathered.flat], self.rf[gathered.flat][..., None]], axis=-1)


# ---------------------------------------------------------------------------------------
# the fit


@dataclass(frozen=True)
class FactorFit(ModelFit):
    """:class:`~mktnews.models.ModelFit` of a factor model.

    ``alpha`` is the intercept and ``beta`` the loading on the first regressor; the
    methods take, in place of the benchmark returns, the design from
    :meth:`FactorPanel.design` (factors, then RF, on the last axis).

    Attributes
    ----------
    coef : ndarray (n_events, k)
        Intercept and loadings.
    xtx_inv : ndarray (n_events, k, k)
        ``(X'X)^-1`` of the estimation design (intercept first).
    factor_gaps : ndarray of int64
        Estimation days inside the factor frame's range with a return but without factors
        (e.g. the factor market's holidays; dropped from the fit).
    uncovered : ndarray of bool
        Events whose estimation window has a day with a return outside the factor
        frame's range (status ``missing_factors``).
    regressors : tuple of str
    """

    coef: np.ndarray
    xtx_inv: np.ndarray
    factor_gaps: np.ndarray
    uncovered: np.ndarray
    regressors: tuple[str, ...]

    @property
    def uses_market(self) -> bool:
        """Factor models use their factors, not a benchmark."""
        return False

    @staticmethod
    def _x0(design: np.ndarray) -> np.ndarray:
        x0 = np.empty(design.shape)
        x0[..., 0] = 1.0
        x0[..., 1:] = design[..., :-1]
        return x0

    def normal(self, market: np.ndarray, shape: tuple[int, ...] | None = None) -> np.ndarray:
        """Normal returns ``RF + a + b' f`` per event and day."""
        design = np.asarray(market, dtype=np.float64)
        x0 = self._x0(design)
        return design[..., -1] + np.einsum("nsk,nk->ns", x0, self.coef)

    def prediction_factor(self, market: np.ndarray) -> np.ndarray:
        """``1 + x_t' (X'X)^-1 x_t`` per event and day."""
        x0 = self._x0(np.asarray(market, dtype=np.float64))
        return 1.0 + np.einsum("nsi,nij,nsj->ns", x0, self.xtx_inv, x0)

    def car_variance(self, market: np.ndarray, used: np.ndarray) -> np.ndarray:
        """``s^2 (L2 + g' (X'X)^-1 g)`` with ``g`` the sum of ``x_t`` over the used days."""
        x0 = self._x0(np.asarray(market, dtype=np.float64))
        g = np.where(used[..., None], x0, 0.0).sum(axis=1)
        L2 = used.sum(axis=1).astype(np.float64)
        return self.s**2 * (L2 + np.einsum("ni,nij,nj->n", g, self.xtx_inv, g))


def fit_factor_model(
    model: str, y: np.ndarray, x: np.ndarray, *, regressors: Sequence[str] = ()
) -> FactorFit:
    """OLS with an intercept of ``y`` on ``x`` for every event at once.

    Parameters
    ----------
    model : str
        The model name recorded in the fit.
    y : ndarray (n_events, n_days)
        Dependent variable (excess returns), NaN where missing.
    x : ndarray (n_events, n_days, K)
        Regressors, NaN where missing.

    Returns
    -------
    FactorFit
        ``s`` is NaN for events whose design is rank deficient or has ``L <= k``.
    """
    n, m, K = x.shape
    p = K + 1
    present = np.isfinite(y)
    fx = np.isfinite(x).all(axis=-1)
    used = present & fx
    gaps = (present & ~fx).sum(axis=1).astype(np.int64)
    L = used.sum(axis=1).astype(np.int64)
    X = np.zeros((n, m, p))
    X[..., 0] = used
    X[..., 1:] = np.where(used[..., None], x, 0.0)
    yy = np.where(used, y, 0.0)
    xtx = np.einsum("nti,ntj->nij", X, X)
    xty = np.einsum("nti,nt->ni", X, yy)
    # rank check on the scaled normal matrix (scale-free), then a solve of the regular ones
    d = np.sqrt(np.einsum("nii->ni", xtx))
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = xtx / (d[:, :, None] * d[:, None, :])
    regular = np.isfinite(scaled).all(axis=(1, 2)) & (p < L)
    if regular.any():
        cond = np.linalg.cond(np.where(regular[:, None, None], scaled, np.eye(p)))
        regular &= cond < 1e12
    safe = np.where(regular[:, None, None], xtx, np.eye(p))
    inv = np.linalg.inv(safe)
    coef = np.linalg.solve(safe, np.where(regular[:, None], xty, 0.0)[..., None])[..., 0]
    coef[~regular] = np.nan
    inv[~regular] = np.nan
    with np.errstate(invalid="ignore"):
        resid = np.where(used, yy - np.einsum("nti,ni->nt", X, np.where(regular[:, None], coef, 0.0)), np.nan)
    ssr = np.where(used, resid, 0.0)
    ssr = np.einsum("nt,nt->n", ssr, ssr)
    dof = (L - p).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(regular & (dof > 0), np.sqrt(ssr / np.where(dof > 0, dof, 1.0)), np.nan)
        mean = np.where(L > 0, yy.sum(axis=1) / np.maximum(L, 1), np.nan)
        mmean = np.where(L > 0, X[..., 1].sum(axis=1) / np.maximum(L, 1), np.nan)
    return FactorFit(
        model=model,
        k=p,
        L=L,
        alpha=coef[:, 0].copy(),
        beta=coef[:, 1].copy(),
        mean=mean,
        market_mean=mmean,
        sxx=np.full(n, np.nan),
        ssr=ssr,
        s=s,
        resid=resid,
        syy=np.einsum("nt,nt->n", yy, yy),
        coef=coef,
        xtx_inv=inv,
        factor_gaps=gaps,
        uncovered=np.zeros(n, dtype=bool),
        regressors=tuple(regressors),
    )


def fit_in_blocks(
    panel: ReturnPanel,
    inst: np.ndarray,
    pos: np.ndarray,
    spec: WindowSpec,
    K: int,
    keep: bool,
    fit_block: Callable[[Gathered], FactorFit],
) -> tuple[FactorFit, np.ndarray, np.ndarray]:
    """A K-regressor OLS on every event's estimation window, in blocks of events (bounded
    temporaries: about ``_BLOCK_CELLS`` estimation cells of the design per block).

    ``fit_block`` fits the gathered estimation windows of one block (it builds the block's
    design: factors, a registered model's regressors). Returns the joined fit, the calendar
    keys of the residuals (-1 where none; (N, 0) unless ``keep``) and the residuals ((N, 0)
    unless ``keep``).
    """
    n = len(pos)
    rel = spec.estimation.rel
    le = len(rel)
    step = max(1, _BLOCK_CELLS // max(le * (K + 1), 1))
    parts: list[FactorFit] = []
    keys = np.empty((n, le) if keep else (n, 0), dtype=np.int64)
    for a in range(0, max(n, 1), step):  # blocks of events (bounded temporaries)
        b = min(n, a + step)
        est = panel.gather(inst[a:b], pos[a:b], rel)
        parts.append(fit_block(est))
        if keep:
            keys[a:b] = np.where(np.isfinite(parts[-1].resid), est.keys, -1)
    fit = concat_fits(parts)
    resid = fit.resid if keep else np.empty((n, 0))
    return fit, keys, resid


def fit_estimation(
    panel: ReturnPanel, inst: np.ndarray, pos: np.ndarray, spec: WindowSpec, keep: bool
) -> tuple[FactorFit, np.ndarray, np.ndarray]:
    """The factor model on every event's estimation window (the factor counterpart of
    ``study._fit_estimation``): the fit, the calendar keys of the residuals (-1 where
    none; (N, 0) unless ``keep``) and the residuals ((N, 0) unless ``keep``)."""
    if not isinstance(panel, FactorPanel):
        raise ConfigurationError(f"model={spec.model!r} needs factors=")
    factors = panel

    def fit_block(est: Gathered) -> FactorFit:
        design = factors.design(est)
        y = est.ret - design[..., -1]
        part = fit_factor_model(spec.model, y, design[..., :-1], regressors=factors.regressors)
        # a day with a return whose factors or RF are missing is a gap (y is NaN there too);
        # days outside the factor frame's range are not gaps: the event is not covered
        st = est.stamps
        inside = (st >= factors.first_ns) & (st <= factors.last_ns)
        gaps = (np.isfinite(est.ret) & inside & ~np.isfinite(design).all(axis=-1)).sum(axis=1)
        return dataclasses.replace(
            part, factor_gaps=gaps.astype(np.int64), uncovered=factors.uncovered(est)
        )

    return fit_in_blocks(panel, inst, pos, spec, len(panel.regressors), keep, fit_block)


def concat_fits(parts: list[FactorFit]) -> FactorFit:
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    joined: dict[str, Any] = {
        f.name: np.concatenate([getattr(p, f.name) for p in parts])
        for f in dataclasses.fields(first)
        if isinstance(getattr(first, f.name), np.ndarray)
    }
    return dataclasses.replace(first, **joined)


def span_design(panel: ReturnPanel, span: Gathered, fit: ModelFit) -> tuple[np.ndarray, np.ndarray]:
    """The design of the event span and, per event, whether the event lacks factors
    (status ``missing_factors``): a day of the span inside the instrument's data has no
    factors, or the estimation window reaches outside the factor frame's range."""
    if not isinstance(panel, FactorPanel):
        raise ConfigurationError("a factor model needs factors=")
    design = panel.design(span)
    lacks = (~np.isfinite(design).all(axis=-1) & span.inside).any(axis=1)
    if isinstance(fit, FactorFit):
        lacks |= fit.uncovered
    return design, lacks


def loadings_frame(fit: ModelFit) -> dict[str, np.ndarray]:
    """Per-event columns for ``results.params``: ``b_<regressor>`` and ``factor_gaps``."""
    if not isinstance(fit, FactorFit):
        return {}
    out = {f"b_{r}": fit.coef[:, i + 1] for i, r in enumerate(fit.regressors)}
    out["factor_gaps"] = fit.factor_gaps
    return out


# ---------------------------------------------------------------------------------------
# Ken French's files

_DATE_ROW = re.compile(r"^\s*(\d{8}|\d{6}|\d{4})\s*,")
_MISSING = (-99.99, -999.0)


def read_french_factors(path: str | Path | io.TextIOBase) -> pd.DataFrame:
    """Read a daily factor file of the Kenneth R. French Data Library as published.

    The file's preamble lines are skipped; the first block of rows (a header line that
    starts with a comma, then ``YYYYMMDD,`` rows) is read; whatever follows it (a blank
    line, an annual or monthly block, the copyright line) is ignored. Values are converted
    from percent to decimals; ``-99.99`` and ``-999`` (the library's missing values) become
    NaN. Column names are stripped of spaces (``"Mom   "`` -> ``"Mom"``).

    Parameters
    ----------
    path : str, Path or text stream
        The ``.CSV`` file (unzipped), e.g. ``F-F_Research_Data_Factors_daily.CSV``,
        ``F-F_Research_Data_5_Factors_2x3_daily.CSV``, ``F-F_Momentum_Factor_daily.CSV``.

    Returns
    -------
    DataFrame
        Indexed by date (``DatetimeIndex`` named ``date``), one float column per factor.

    Raises
    ------
    ConfigurationError
        When the file has no daily block (a monthly or annual file), naming the file.
    ValueError
        When a data row cannot be read, naming the file and line.
    """
    if isinstance(path, (str, Path)):
        where = str(path)
        text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
    else:
        where = getattr(path, "name", "<stream>")
        text = path.read()
    lines = text.splitlines()
    header_at = None
    for i, line in enumerate(lines):
        if line.lstrip().startswith(",") and i + 1 < len(lines) and _DATE_ROW.match(lines[i + 1]):
            header_at = i
            break
    if header_at is None:
        raise ConfigurationError(
            f"{where}: no block of dated rows (a header line starting with ',' followed by "
            "rows like '20240102, ...') was found: is this a Ken French data file?"
        )
    names = [c.strip() for c in lines[header_at].split(",")[1:]]
    while names and not names[-1]:
        names.pop()  # trailing commas in some files
    dates: list[str] = []
    rows: list[list[float]] = []
    for j in range(header_at + 1, len(lines)):
        line = lines[j]
        m = _DATE_ROW.match(line)
        if m is None:
            break  # end of the first block: a blank line, the next block or the copyright
        fields = [f.strip() for f in line.split(",")]
        values = fields[1 : 1 + len(names)]
        if len(values) < len(names) or any(v == "" for v in values):
            raise ValueError(
                f"{where}, line {j + 1}: expected {len(names)} values ({', '.join(names)}), "
                f"got {line.strip()!r}"
            )
        try:
            rows.append([float(v) for v in values])
        except ValueError as exc:
            raise ValueError(f"{where}, line {j + 1}: {exc} in {line.strip()!r}") from exc
        dates.append(m.group(1))
    width = len(dates[0])
    if width != 8:
        kind = "monthly" if width == 6 else "annual"
        raise ConfigurationError(
            f"{where}: its first block is {kind} ({dates[0]!r}); event studies need the daily "
            "file (the one whose name ends in _daily.CSV)"
        )
    table = np.array(rows, dtype=np.float64)
    table[np.isin(table, _MISSING)] = np.nan
    try:
        index = pd.DatetimeIndex(pd.to_datetime(dates, format="%Y%m%d"), name="date")
    except ValueError as exc:
        raise ValueError(f"{where}: a date of the daily block cannot be read ({exc})") from exc
    return pd.DataFrame(table / 100.0, index=index, columns=names)
