"""GARCH(1,1) fitted by maximum likelihood for many series at once (pure numpy).

The model of each row ``i`` of an ``(n, T)`` array (NaN marks a missing day; the days
left are used in their order, gaps closed up):

``y_t = mu + e_t`` (``mean="constant"``) or ``y_t = e_t`` (``mean="zero"``),
``e_t ~ N(0, h_t)``, ``h_t = omega + alpha e_{t-1}^2 + beta h_{t-1}``.

It is the likelihood of the ``arch`` package's ``ConstantMean``/``ZeroMean`` with
``GARCH(p=1, q=1)`` and normal errors, with arch's conventions:

- **backcast**: the recursion starts from ``h_0 = omega + (alpha + beta) bc`` with
  ``bc = sum_{t < tau} w_t r_t^2``, ``w_t = 0.94^t / sum_{s < tau} 0.94^s``,
  ``tau = min(75, T_i)`` and ``r`` the residuals at the starting mean (the sample mean,
  or 0): fixed during the optimisation, as in arch;
- **constraints**: ``omega > 0``, ``alpha >= 0``, ``beta >= 0``, ``alpha + beta < 1``;
- log-likelihood ``-1/2 sum_t (log 2 pi + log h_t + e_t^2 / h_t)``.

Optimisation, all rows at once: the parameters are mapped to unconstrained ones
(``omega = v exp(u_1)`` with ``v`` the mean squared starting residual,
``alpha + beta = logistic(u_2)``, ``alpha / (alpha + beta) = logistic(u_3)``,
``mu = mean + sd u_0``), the negative log-likelihood and its exact gradient come from
one pass of the recursion and its derivatives over the days (vectorised across rows),
and a quasi-Newton (BFGS) step with a backtracking (Armijo) line search runs for every
row together, from the best points of a small grid of starting values (like arch's;
``starts`` of them per row, the highest converged likelihood kept). A row has converged
when the gradient's largest element is below ``gtol``, or a step changes the objective
by less than ``ftol`` (relative) and the parameters by less than ``xtol``, or three
steps in a row change the objective by less than ``ftol``; a row that has not after ``maxiter`` iterations, or whose fit is not finite,
has ``converged = False``. Parameters at a boundary (``alpha = 0``, say) are reached
only in the limit of the transformation: the objective is then within ``ftol`` of the
boundary optimum, the parameters somewhat less close (see the tests for the agreement
with arch).

:func:`fit_garch_arch` fits the same model with arch, one series at a time (the
reference: slow, arch has no batched fit).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["GarchResult", "fit_garch", "fit_garch_arch"]

_LOG2PI = math.log(2.0 * math.pi)

#: Fewest observations a series needs to be fitted.
MIN_OBS = 10


@dataclass(frozen=True)
class GarchResult:
    """GARCH(1,1) fits of ``n`` series (arrays of length ``n``; NaN where not fitted).

    Attributes
    ----------
    mu, omega, alpha, beta : ndarray
        Parameters (``mu`` is 0 for ``mean="zero"``).
    h_next : ndarray
        Variance forecast for the day after the last observation,
        ``omega + alpha e_T^2 + beta h_T``.
    loglik : ndarray
        Log-likelihood at the estimate.
    n_obs : ndarray of int64
        Observations used.
    converged : ndarray of bool
    n_iter : ndarray of int64
        Quasi-Newton iterations (0 for arch).
    """

    mu: np.ndarray
    omega: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    h_next: np.ndarray
    loglik: np.ndarray
    n_obs: np.ndarray
    converged: np.ndarray
    n_iter: np.ndarray

    def forecast(self, steps: np.ndarray) -> np.ndarray:
        """``(n, len(steps))`` variance forecasts ``steps`` (>= 1) days after the last
        observation: ``h_{T+1} = h_next``, ``h_{T+k} = omega + (alpha + beta) h_{T+k-1}``."""
        steps = np.asarray(steps, dtype=np.int64)
        p = (self.alpha + self.beta)[:, None]
        k = np.maximum(steps - 1, 0)[None, :].astype(np.float64)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            geo = np.where(np.isclose(p, 1.0), k, (1.0 - p**k) / (1.0 - p))
            return self.omega[:, None] * geo + p**k * self.h_next[:, None]


def _compress(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Finite values of each row moved to its front (order kept); (T, n) layout."""
    fin = np.isfinite(y)
    order = np.argsort(~fin, axis=1, kind="stable")
    yc = np.take_along_axis(np.where(fin, y, 0.0), order, axis=1)
    n_obs = fin.sum(axis=1).astype(np.int64)
    mask = np.arange(y.shape[1])[None, :] < n_obs[:, None]
    return np.ascontiguousarray(yc.T), np.ascontiguousarray(mask.T), n_obs


def _logistic(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


class _Problem:
    """The data of the rows being fitted and the objective with its gradient."""

    def __init__(self, y: np.ndarray, mask: np.ndarray, n_obs: np.ndarray, constant: bool) -> None:
        self.y, self.mask, self.n_obs, self.constant = y, mask, n_obs, constant
        self.maskf = mask.astype(np.float64)
        T, n = y.shape
        nf = np.maximum(n_obs, 1).astype(np.float64)
        self.mu0 = (y * mask).sum(axis=0) / nf if constant else np.zeros(n)
        r = np.where(mask, y - self.mu0[None, :], 0.0)
        self.v = (r * r).sum(axis=0) / nf  # mean squared starting residual
        self.sd = np.sqrt(self.v)
        tau = np.minimum(75, n_obs)
        t = np.arange(T)[:, None]
        w = np.where(t < tau[None, :], 0.94**t, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            w = w / w.sum(axis=0)[None, :]
        self.bc = (w * r * r).sum(axis=0)
        self.last = n_obs - 1

    def natural(self, u: np.ndarray, cols: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        """(mu, omega, alpha, beta) of the unconstrained ``u`` (n, P) of rows ``cols``."""
        sel = slice(None) if cols is None else cols
        return _natural(u, self.mu0[sel], self.v[sel], self.sd[sel], self.constant)

    def value(self, u: np.ndarray, cols: np.ndarray, grad: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Negative log-likelihood, its gradient in ``u`` and ``h_next`` of rows ``cols``."""
        y = self.y[:, cols]
        bc, last, constant = self.bc[cols], self.last[cols], self.constant
        mu, om, al, be = self.natural(u, cols)
        n = len(cols)
        T = int(self.n_obs[cols].max()) if n else 0
        mf = self.maskf[:T, cols]
        s2 = om + (al + be) * bc
        # derivatives of h_t in (mu, omega, alpha, beta), and what each step adds to them
        D = np.stack([np.zeros(n), np.ones(n), bc, bc]) if grad else np.empty((4, 0))
        X = np.ones((4, n))
        m2al = -2.0 * al
        acc = np.zeros(n)  # sum of m (log h + e^2 / h)
        g = np.zeros((4, n))  # twice the gradient
        hist = np.empty((T + 1, n))
        hist[0] = s2
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            for t in range(T):  # loop over days, vectorised across rows
                m = mf[t]
                e = (y[t] - mu) * m
                e2 = e * e
                inv = 1.0 / s2
                q = e2 * inv
                acc += m * (np.log(s2) + q)
                if grad:
                    g += (m * inv * (1.0 - q)) * D
                    g[0] -= 2.0 * e * inv
                    np.multiply(m2al, e, out=X[0])
                    X[2] = e2
                    X[3] = s2
                    D *= be
                    D += X
                s2 = om + al * e2 + be * s2
                hist[t + 1] = s2
            nll = 0.5 * (acc + self.n_obs[cols] * _LOG2PI)
            g *= 0.5
        h_next = hist[np.minimum(last + 1, T), np.arange(n)] if n else np.zeros(0)
        if not grad:
            return nll, np.empty((n, 0)), h_next
        # chain rule to the unconstrained parameters
        p = al + be
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            a = np.where(p > 0, al / p, 0.5)
            dp = p * (1.0 - p)
            da = a * (1.0 - a)
            gu = [g[1] * om, (g[2] * a + g[3] * (1.0 - a)) * dp, (g[2] - g[3]) * p * da]
            if constant:
                gu.insert(0, g[0] * self.sd[cols])
        return nll, np.column_stack(gu), h_next


def _natural(
    u: np.ndarray, mu0: np.ndarray, v: np.ndarray, sd: np.ndarray, constant: bool
) -> tuple[np.ndarray, ...]:
    off = 1 if constant else 0
    mu = mu0 + sd * u[:, 0] if constant else np.zeros(len(u))
    with np.errstate(over="ignore"):
        om = v * np.exp(u[:, off])
    p, a = _logistic(u[:, off + 1]), _logistic(u[:, off + 2])
    return mu, om, p * a, p * (1.0 - a)


# Steps of the line search tried after a failed full step (one batch).
_STEPS = np.array([0.5, 0.2, 0.05, 0.01, 1e-3, 1e-4])

# Starting (alpha, beta): a grid over alpha and the persistence alpha + beta, and
# ARCH-like points (beta near 0).
_GRID: tuple[tuple[float, float], ...] = (
    *((a, p - a) for a in (0.002, 0.01, 0.05, 0.1, 0.2) for p in (0.5, 0.9, 0.98, 0.995)),
    (0.1, 0.005), (0.2, 0.005), (0.4, 0.005), (0.6, 0.005),
)  # fmt: skip


def _grid(prob: _Problem, cols: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best points of :data:`_GRID` per row (one batched evaluation):
    ``(k, len(cols), P)``."""
    off = 1 if prob.constant else 0
    G, m = len(_GRID), len(cols)
    al = np.array([a for a, _ in _GRID])
    pers = np.array([a + b for a, b in _GRID])
    u = np.zeros((G, m, off + 3))
    u[:, :, off] = np.log(1.0 - pers)[:, None]  # omega = v (1 - persistence)
    u[:, :, off + 1] = np.log(pers / (1.0 - pers))[:, None]
    share = al / pers
    u[:, :, off + 2] = np.log(share / (1.0 - share))[:, None]
    f, _, _ = prob.value(u.reshape(G * m, off + 3), np.tile(cols, G), grad=False)
    f = np.where(np.isfinite(f), f, np.inf).reshape(G, m)
    order = np.argsort(f, axis=0, kind="stable")[:k]  # (k, rows)
    return u[order, np.arange(m)[None, :]]


def fit_garch(
    y: np.ndarray,
    *,
    mean: Literal["zero", "constant"] = "constant",
    starts: int = 3,
    maxiter: int = 300,
    gtol: float = 1e-6,
    ftol: float = 1e-11,
    xtol: float = 1e-7,
) -> GarchResult:
    """GARCH(1,1) of every row of ``y`` at once (see the module docstring).

    Parameters
    ----------
    y : ndarray (n, T)
        Series in rows; NaN marks a missing day. Scale them to about unit variance (e.g.
        returns in percent) for a well-conditioned fit.
    mean : {"constant", "zero"}
    starts : int, default 3
        The optimisation runs from this many of the best grid points of each row (all
        rows and starts in one batch) and keeps the highest likelihood among the runs
        that converged: the GARCH likelihood of 250 days often has several local maxima.
    maxiter, gtol, ftol, xtol
        Stopping rules (see the module docstring).

    Returns
    -------
    GarchResult
    """
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 2:
        raise ValueError("y must be 2-d (series in rows)")
    n = y.shape[0]
    yt, mask, n_obs = _compress(y)
    prob = _Problem(yt, mask, n_obs, mean == "constant")
    P = 4 if prob.constant else 3
    rows = np.flatnonzero((n_obs >= MIN_OBS) & (prob.v > 0) & np.isfinite(prob.v))
    k = max(1, int(starts))
    u0 = _grid(prob, rows, k).reshape(k * len(rows), P)  # start-major
    rep = np.tile(rows, k)
    big = _Problem(yt[:, rep], mask[:, rep], n_obs[rep], prob.constant)
    u, f, h_next, conv, iters = _optimise(big, u0, maxiter, gtol, ftol, xtol)
    # per row: the best converged run (else the best run)
    score = np.where(conv, -f, -np.inf).reshape(k, len(rows))
    score = np.where(np.isfinite(score), score, -np.inf)
    pick = np.argmax(score, axis=0) * len(rows) + np.arange(len(rows))
    out_u = np.zeros((n, P))
    out_u[rows] = u[pick]
    mu, om, al, be = prob.natural(out_u) if n else (np.zeros(0),) * 4
    res = {"f": np.full(n, np.nan), "h": np.full(n, np.nan)}
    res["f"][rows], res["h"][rows] = f[pick], h_next[pick]
    cv = np.zeros(n, dtype=bool)
    cv[rows] = conv[pick]
    it = np.zeros(n, dtype=np.int64)
    it[rows] = iters.reshape(k, len(rows)).max(axis=0) if len(rows) else 0
    cv &= np.isfinite(res["f"]) & np.isfinite(res["h"]) & (res["h"] > 0)
    nan = ~np.isin(np.arange(n), rows)
    for arr in (mu, om, al, be):
        arr[nan] = np.nan
    return GarchResult(
        mu=mu, omega=om, alpha=al, beta=be, h_next=res["h"], loglik=-res["f"], n_obs=n_obs,
        converged=cv, n_iter=it,
    )  # fmt: skip


def _optimise(
    prob: _Problem, u0: np.ndarray, maxiter: int, gtol: float, ftol: float, xtol: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """BFGS with backtracking for every row of ``prob`` at once, from ``u0``:
    (u, negative log-likelihood, h_next, converged, iterations)."""
    n, P = u0.shape
    every = np.arange(n)
    u = u0.copy()
    conv = np.zeros(n, dtype=bool)
    iters = np.zeros(n, dtype=np.int64)
    quiet = np.zeros(n, dtype=np.int64)  # consecutive iterations with a tiny decrease
    f, g, h_next = prob.value(u, every)
    H = np.eye(P)[None] / np.maximum(np.abs(g).max(axis=1), 1.0)[:, None, None]
    active = every[np.isfinite(f) & np.isfinite(g).all(axis=1)]
    for _ in range(maxiter):  # quasi-Newton iterations, every active row at once
        if not len(active):
            break
        iters[active] += 1
        ga, Ha = g[active], H[active]
        d = -np.einsum("nij,nj->ni", Ha, ga)
        slope = (d * ga).sum(axis=1)
        bad = ~(slope < 0)
        if bad.any():  # not a descent direction: restart from the gradient
            scale = np.maximum(np.abs(ga[bad]).max(axis=1), 1.0)
            H[active[bad]] = np.eye(P)[None] / scale[:, None, None]
            d[bad] = -ga[bad] / scale[:, None]
            slope[bad] = (d[bad] * ga[bad]).sum(axis=1)
        step = np.ones(len(active))
        new_u = u[active] + d
        new_f, new_g, new_h = prob.value(new_u, active)
        ok = np.isfinite(new_f) & (new_f <= f[active] + 1e-4 * step * slope)
        redo = np.flatnonzero(~ok)
        if len(redo):  # shorter steps for the rows whose full step failed, all in one batch
            m = len(redo)
            cand = np.repeat(_STEPS, m)
            rr = np.tile(redo, len(_STEPS))
            cu = u[active[rr]] + cand[:, None] * d[rr]
            fr, gr, hr = prob.value(cu, active[rr])
            good = (np.isfinite(fr) & (fr <= f[active[rr]] + 1e-4 * cand * slope[rr])).reshape(len(_STEPS), m)
            first = np.argmax(good, axis=0)  # the longest step that decreases enough
            found = good[first, np.arange(m)]
            pick = first * m + np.arange(m)
            sel = redo[found]
            step[sel] = cand[pick[found]]
            new_u[sel], new_f[sel], new_g[sel], new_h[sel] = cu[pick[found]], fr[pick[found]], gr[pick[found]], hr[pick[found]]
            ok[sel] = True
        ok &= np.isfinite(new_g).all(axis=1)
        s = new_u - u[active]
        yv = new_g - ga
        df = np.where(ok, f[active] - new_f, 0.0)
        acc = active[ok]
        u[acc], f[acc], g[acc], h_next[acc] = new_u[ok], new_f[ok], new_g[ok], new_h[ok]
        sy = (s * yv).sum(axis=1)
        upd = ok & (sy > 1e-12)
        if upd.any():
            rws = active[upd]
            rho = 1.0 / sy[upd]
            su, yu = s[upd], yv[upd]
            A = np.eye(P)[None] - rho[:, None, None] * su[:, :, None] * yu[:, None, :]
            H[rws] = A @ H[rws] @ A.transpose(0, 2, 1) + rho[:, None, None] * su[:, :, None] * su[:, None, :]
        gmax = np.abs(g[active]).max(axis=1)
        tiny = ok & (df <= ftol * (1.0 + np.abs(f[active])))
        quiet[active] = np.where(tiny, quiet[active] + 1, 0)
        # a tiny decrease with a tiny step, or three tiny decreases in a row (a parameter
        # running to a boundary of the constraints through the transformation)
        small_step = tiny & ((np.abs(s).max(axis=1) <= xtol) | (quiet[active] >= 3))
        # a line search without decrease: at the optimum to rounding when the gradient is small
        done = (gmax < gtol) | small_step | (~ok & (gmax < 1e-3))
        conv[active[done]] = True
        active = active[~(done | ~ok)]
    return u, f, h_next, conv, iters


def fit_garch_arch(y: np.ndarray, *, mean: Literal["zero", "constant"] = "constant") -> GarchResult:
    """The same model fitted with ``arch`` (``arch_model(..., mean="Constant"|"Zero",
    vol="GARCH", p=1, q=1, dist="normal", rescale=False).fit(disp="off")``), one row at a
    time (a loop over series: arch has no batched fit). ``converged`` is arch's
    ``convergence_flag == 0``."""
    try:
        from arch import arch_model
    except ImportError as exc:  # pragma: no cover - arch is a dependency of the extra
        from mktnews.errors import ConfigurationError

        raise ConfigurationError(
            'volatility_model="garch_arch" needs the arch package: pip install "mktnews[garch]"'
        ) from exc
    y = np.asarray(y, dtype=np.float64)
    n = y.shape[0]
    out = {k: np.full(n, np.nan) for k in ("mu", "omega", "alpha", "beta", "h_next", "loglik")}
    n_obs = np.isfinite(y).sum(axis=1).astype(np.int64)
    conv = np.zeros(n, dtype=bool)
    for i in range(n):  # loop per series: arch fits one model at a time
        yi = y[i, np.isfinite(y[i])]
        if len(yi) < MIN_OBS or not np.var(yi) > 0:
            continue
        am = arch_model(yi, mean="Constant" if mean == "constant" else "Zero", vol="GARCH",
                        p=1, q=1, dist="normal", rescale=False)  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = am.fit(disp="off")
        p = r.params
        mu = float(p["mu"]) if mean == "constant" else 0.0
        om, al, be = float(p["omega"]), float(p["alpha[1]"]), float(p["beta[1]"])
        e_last = float(yi[-1] - mu)
        h_last = float(np.asarray(r.conditional_volatility)[-1]) ** 2
        out["mu"][i], out["omega"][i], out["alpha"][i], out["beta"][i] = mu, om, al, be
        out["h_next"][i] = om + al * e_last**2 + be * h_last
        out["loglik"][i] = float(r.loglikelihood)
        conv[i] = r.convergence_flag == 0
    return GarchResult(
        mu=out["mu"], omega=out["omega"], alpha=out["alpha"], beta=out["beta"],
        h_next=out["h_next"], loglik=out["loglik"], n_obs=n_obs, converged=conv,
        n_iter=np.zeros(n, dtype=np.int64),
    )  # fmt: skip
