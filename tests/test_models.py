"""Normal-return models against per-event statsmodels OLS and textbook formulas.

The batched fits of :func:`mktnews.models.fit_model` are compared, event by event, with
an OLS fitted by statsmodels on the same days (real DAX / STOXX Europe 600 returns built
here with pandas, and generated data with missing days); the prediction-error factor and
the CAR variance are compared with the variance of the OLS forecast computed from
statsmodels' coefficient covariance matrix (``x' Cov(b) x``), which is an independent
route to the closed forms.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from mktnews.errors import InvalidOptionError
from mktnews.models import MODEL_K, fit_model, needs_benchmark

TOL = 1e-10


def _read_close(folder: Path, symbol: str) -> pd.Series:
    df = pd.read_csv(folder / f"{symbol}.csv", parse_dates=["Date"]).set_index("Date")
    return df["Close"].astype(float)


@pytest.fixture(scope="module")
def dax_est(daily_dir: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Estimation (-250..-11) and event (-5..5) returns of 30 DAX dates, ^STOXX aligned by date."""
    dax = _read_close(daily_dir, "^GDAXI")
    stoxx = _read_close(daily_dir, "^STOXX").reindex(dax.index)  # NaN where STOXX lacks a date
    r = dax / dax.shift(1) - 1
    m = stoxx / stoxx.shift(1) - 1
    rng = np.random.default_rng(3)
    start = int(dax.index.searchsorted(pd.Timestamp("2012-01-01")))
    pos = np.sort(rng.choice(np.arange(start, len(dax) - 10), size=30, replace=False))
    est_r = np.array([r.iloc[p - 250 : p - 10].to_numpy() for p in pos])
    est_m = np.array([m.iloc[p - 250 : p - 10].to_numpy() for p in pos])
    win_r = np.array([r.iloc[p - 5 : p + 6].to_numpy() for p in pos])
    win_m = np.array([m.iloc[p - 5 : p + 6].to_numpy() for p in pos])
    return est_r, est_m, win_r, win_m


def _generated(seed: int = 11, n: int = 25, L: int = 80) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    m = rng.normal(0.0003, 0.01, size=(n, L))
    beta = rng.uniform(0.5, 1.5, size=n)
    r = 0.0002 + beta[:, None] * m + rng.normal(0, 0.006, size=(n, L))
    # missing days: the instrument's or the benchmark's
    r[rng.random((n, L)) < 0.05] = np.nan
    m[rng.random((n, L)) < 0.05] = np.nan
    r[0, :70] = np.nan  # one event with few days
    return r, m


def _ols(y: np.ndarray, x: np.ndarray | None) -> sm.regression.linear_model.RegressionResults:
    if x is None:
        ok = np.isfinite(y)
        return sm.OLS(y[ok], np.ones((ok.sum(), 1))).fit()
    ok = np.isfinite(y) & np.isfinite(x)
    return sm.OLS(y[ok], sm.add_constant(x[ok], has_constant="add")).fit()


def test_model_k_and_benchmark_needs() -> None:
    assert MODEL_K == {"raw": 0, "constant_mean": 1, "market_adjusted": 0, "market_model": 2}
    assert needs_benchmark("market_model") and needs_benchmark("market_adjusted")
    assert not needs_benchmark("raw") and not needs_benchmark("constant_mean")


def test_unknown_model_is_refused() -> None:
    with pytest.raises(InvalidOptionError) as exc:
        fit_model("capm", np.zeros((1, 3)))  # type: ignore[arg-type]
    assert "model" in str(exc.value) and "market_model" in str(exc.value)


@pytest.mark.parametrize("data", ["real", "generated"])
def test_market_model_matches_statsmodels(data: str, request: pytest.FixtureRequest) -> None:
    if data == "real":
        est_r, est_m, win_r, win_m = request.getfixturevalue("dax_est")
    else:
        est_r, est_m = _generated()
        rng = np.random.default_rng(5)
        win_m = rng.normal(0, 0.01, size=(est_r.shape[0], 7))
        win_r = rng.normal(0, 0.01, size=(est_r.shape[0], 7))
        win_m[2, 3] = np.nan
    fit = fit_model("market_model", est_r, est_m)
    C = fit.prediction_factor(win_m)
    used = np.isfinite(win_r - fit.normal(win_m))
    var = fit.car_variance(win_m, used)
    for i in range(est_r.shape[0]):
        res = _ols(est_r[i], est_m[i])
        ok = np.isfinite(est_r[i]) & np.isfinite(est_m[i])
        assert fit.L[i] == ok.sum()
        assert fit.alpha[i] == pytest.approx(res.params[0], rel=TOL, abs=1e-14)
        assert fit.beta[i] == pytest.approx(res.params[1], rel=TOL)
        assert fit.s[i] ** 2 == pytest.approx(res.mse_resid, rel=TOL)
        assert fit.ssr[i] == pytest.approx(res.ssr, rel=TOL)
        assert fit.mean[i] == pytest.approx(np.mean(est_r[i][ok]), rel=TOL)
        # prediction error of one day: s^2 + x' Cov(b) x  =  s^2 C_t
        cov = res.cov_params()
        for t in range(win_m.shape[1]):
            x = np.array([1.0, win_m[i, t]])
            if not np.isfinite(win_m[i, t]):
                assert np.isnan(C[i, t])
                continue
            expected = res.mse_resid + x @ cov @ x
            assert fit.s[i] ** 2 * C[i, t] == pytest.approx(expected, rel=TOL)
        # CAR over the days used: s^2 L2 + 1' X Cov(b) X' 1
        days = used[i]
        X = np.column_stack([np.ones(days.sum()), win_m[i, days]])
        ones = np.ones(days.sum())
        expected = res.mse_resid * days.sum() + ones @ X @ cov @ X.T @ ones
        assert var[i] == pytest.approx(expected, rel=TOL)
        # normal returns = alpha + beta R_m
        np.testing.assert_allclose(
            fit.normal(win_m)[i], res.params[0] + res.params[1] * win_m[i], rtol=TOL, atol=1e-15
        )


@pytest.mark.parametrize("data", ["real", "generated"])
def test_constant_mean_matches_statsmodels(data: str, request: pytest.FixtureRequest) -> None:
    if data == "real":
        est_r, _, win_r, win_m = request.getfixturevalue("dax_est")
    else:
        est_r, win_m = _generated()
        win_r = win_m[:, :5]
        win_m = win_m[:, :5]
    fit = fit_model("constant_mean", est_r)
    C = fit.prediction_factor(np.full(win_r.shape, np.nan))
    used = np.isfinite(win_r)
    var = fit.car_variance(np.full(win_r.shape, np.nan), used)
    for i in range(est_r.shape[0]):
        res = _ols(est_r[i], None)
        L = np.isfinite(est_r[i]).sum()
        assert fit.L[i] == L
        assert fit.alpha[i] == pytest.approx(res.params[0], rel=TOL)
        assert fit.beta[i] == 0.0
        assert fit.s[i] ** 2 == pytest.approx(res.mse_resid, rel=TOL)
        cov = float(res.cov_params()[0, 0])  # s^2 / L
        np.testing.assert_allclose(fit.s[i] ** 2 * C[i], res.mse_resid + cov, rtol=TOL)
        l2 = used[i].sum()
        assert var[i] == pytest.approx(res.mse_resid * l2 + l2**2 * cov, rel=TOL)
        np.testing.assert_allclose(fit.normal(win_m, win_r.shape)[i], res.params[0], rtol=TOL)


def test_raw_and_market_adjusted_by_hand(dax_est: tuple[np.ndarray, ...]) -> None:
    est_r, est_m, win_r, win_m = dax_est
    raw = fit_model("raw", est_r)
    madj = fit_model("market_adjusted", est_r, est_m)
    for i in range(est_r.shape[0]):
        r = est_r[i][np.isfinite(est_r[i])]
        assert raw.L[i] == len(r)
        assert raw.s[i] == pytest.approx(np.sqrt(np.sum(r**2) / len(r)), rel=TOL)
        ok = np.isfinite(est_r[i]) & np.isfinite(est_m[i])
        d = est_r[i][ok] - est_m[i][ok]
        assert madj.L[i] == ok.sum()
        assert madj.s[i] == pytest.approx(np.sqrt(np.sum(d**2) / ok.sum()), rel=TOL)
    assert np.all(raw.normal(win_m) == 0.0)
    np.testing.assert_array_equal(madj.normal(win_m), win_m)
    assert np.all(raw.prediction_factor(win_m) == 1.0)
    assert np.all(madj.prediction_factor(win_m) == 1.0)
    used = np.isfinite(win_r - win_m)
    np.testing.assert_allclose(
        madj.car_variance(win_m, used), madj.s**2 * used.sum(axis=1), rtol=TOL
    )


def test_too_few_days_give_nan_s() -> None:
    r = np.array([[0.01, np.nan, np.nan], [0.01, 0.02, 0.03]])
    m = np.array([[0.01, 0.02, 0.03], [0.02, 0.01, 0.0]])
    fit = fit_model("market_model", r, m)
    assert fit.L.tolist() == [1, 3]
    assert np.isnan(fit.s[0])  # L - k <= 0
    # three points: OLS by hand
    x, y = m[1], r[1]
    b = np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2)
    a = y.mean() - b * x.mean()
    e = y - a - b * x
    assert fit.beta[1] == pytest.approx(b, rel=TOL)
    assert fit.s[1] == pytest.approx(np.sqrt(np.sum(e**2) / 1), rel=TOL, abs=1e-15)
