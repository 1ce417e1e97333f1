"""Scholes–Williams betas against a plain per-event loop with statsmodels OLS.

The DAX (bundled real closes) on the Euro STOXX 50 as benchmark, benchmark closes taken
on the DAX's dates: for each event the loop builds R_t, R_m,t-1, R_m,t, R_m,t+1 over the
estimation window with pandas, fits the three OLS slopes with statsmodels, the
autocorrelation with numpy, and the ARs and the market-model variance by hand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import mktnews as mn
from mktnews.datasets import sample_source

SAMPLE = Path(__file__).resolve().parents[1] / "mktnews" / "datasets" / "data"
DATES = ["2023-10-26", "2024-01-25", "2024-06-06", "2024-09-12", "2024-12-12"]


def _close(symbol: str) -> pd.Series:
    return pd.read_csv(SAMPLE / f"{symbol}.csv", parse_dates=["Date"]).set_index("Date")["Close"]


def test_scholes_williams_equals_plain_loop() -> None:
    table = pd.DataFrame(
        {
            "id": DATES,
            "instrument": "^GDAXI",
            "published_at": pd.to_datetime([f"{d} 14:15" for d in DATES]).tz_localize("Europe/Berlin"),
        }
    )
    res = mn.event_study(
        mn.read_articles(table), source=sample_source(), model="scholes_williams",
        benchmark="^STOXX50E", windows=[(-1, 1)], estimation=(-200, -11), min_estimation=150,
    )  # fmt: skip
    dax = _close("^GDAXI")
    sx = _close("^STOXX50E").reindex(dax.index)  # on the DAX's dates (NaN where it lacks one)
    r = dax / dax.shift(1) - 1
    m = sx / sx.shift(1) - 1
    par = res.params.set_index("event_id")
    for d in DATES:
        p = dax.index.get_loc(pd.Timestamp(d))
        sl = slice(p - 200, p - 10)
        df = pd.DataFrame(
            {"r": r.iloc[sl].to_numpy(), "lag": m.iloc[p - 201 : p - 11].to_numpy(),
             "m": m.iloc[sl].to_numpy(), "lead": m.iloc[p - 199 : p - 9].to_numpy()}
        ).dropna()  # fmt: skip
        b = [sm.OLS(df["r"], sm.add_constant(df[c])).fit().params[c] for c in ("lag", "m", "lead")]
        rho = np.corrcoef(df["m"], df["lag"])[0, 1]
        beta = sum(b) / (1 + 2 * rho)
        alpha = df["r"].mean() - beta * df["m"].mean()
        resid = df["r"] - alpha - beta * df["m"]
        L = len(df)
        s2 = (resid**2).sum() / (L - 2)
        eid = f"^GDAXI@{d}"
        assert int(par.loc[eid, "L"]) == L
        assert par.loc[eid, "beta"] == pytest.approx(beta, abs=1e-10)
        assert par.loc[eid, "alpha"] == pytest.approx(alpha, abs=1e-12)
        assert par.loc[eid, "rho_m"] == pytest.approx(rho, abs=1e-12)
        assert par.loc[eid, "s"] == pytest.approx(np.sqrt(s2), rel=1e-10)
        ev_r = r.iloc[p - 1 : p + 2].to_numpy()
        ev_m = m.iloc[p - 1 : p + 2].to_numpy()
        ar = ev_r - alpha - beta * ev_m
        ab = res.abnormal.loc[eid]
        np.testing.assert_allclose(ab["ar"].to_numpy(), ar, atol=1e-10)
        sxx = ((df["m"] - df["m"].mean()) ** 2).sum()
        var_car = s2 * (3 + 9 / L + ((ev_m - df["m"].mean()).sum()) ** 2 / sxx)
        car = res.car.set_index("event_id").loc[eid]
        assert car["car"] == pytest.approx(ar.sum(), abs=1e-10)
        assert car["sd_car"] == pytest.approx(np.sqrt(var_car), rel=1e-9)


def test_scholes_williams_needs_a_benchmark() -> None:
    with pytest.raises(mn.ConfigurationError, match="needs a benchmark"):
        mn.event_study(mn.datasets.load_sample(), source=sample_source(), model="scholes_williams")


def test_garch_market_equals_arch_per_event() -> None:
    from arch import arch_model

    dates = DATES[:3]
    table = pd.DataFrame(
        {
            "id": dates,
            "instrument": "^GDAXI",
            "published_at": pd.to_datetime([f"{d} 14:15" for d in dates]).tz_localize("Europe/Berlin"),
        }
    )
    res = mn.event_study(
        mn.read_articles(table), source=sample_source(), model="garch_market",
        benchmark="^STOXX50E", windows=[(-1, 1)], estimation=(-250, -11), min_estimation=200,
    )  # fmt: skip
    dax = _close("^GDAXI")
    sx = _close("^STOXX50E").reindex(dax.index)
    r = dax / dax.shift(1) - 1
    m = sx / sx.shift(1) - 1
    for d in dates:
        p = dax.index.get_loc(pd.Timestamp(d))
        df = pd.DataFrame({"r": r.iloc[p - 250 : p - 10], "m": m.iloc[p - 250 : p - 10]}).dropna()
        am = arch_model(100 * df["r"].reset_index(drop=True), x=100 * df[["m"]].reset_index(drop=True),
                        mean="LS", vol="GARCH", p=1, q=1, dist="normal", rescale=False)  # fmt: skip
        fit = am.fit(disp="off")
        a, b = fit.params["Const"] / 100, fit.params["m"]
        ev_r = r.iloc[p - 1 : p + 2].to_numpy()
        ev_m = m.iloc[p - 1 : p + 2].to_numpy()
        ar = ev_r - a - b * ev_m
        eid = f"^GDAXI@{d}"
        ab = res.abnormal.loc[eid]
        np.testing.assert_allclose(ab["ar"].to_numpy(), ar, atol=1e-10)
        # variance: arch's own forecast from the end of the estimation window, h = 10..12 steps
        fc = fit.forecast(horizon=12, x={"m": np.zeros((1, 12))}, reindex=False)
        h = fc.variance.iloc[-1].to_numpy()[9:12] / 1e4
        np.testing.assert_allclose((ab["ar"] / ab["sar"]).to_numpy(), np.sqrt(h), rtol=1e-8)
        car = res.car.set_index("event_id").loc[eid]
        assert car["sd_car"] == pytest.approx(np.sqrt(h.sum()), rel=1e-8)
        par = res.params.set_index("event_id").loc[eid]
        assert par["garch_beta"] == pytest.approx(fit.params["beta[1]"], abs=1e-12)
        assert bool(par["converged"])
