"""Factor models (ff3, carhart, ff5, factor) against statsmodels OLS per event, and the
reader of Ken French's files.

Expected values: for each event, a plain loop here takes the instrument's closes (read
with pandas from the bundled CSV, or generated), the factor rows of the estimation days,
fits ``statsmodels.OLS`` of the (excess) return on a constant and the factors, and
predicts the event days; the AR variance is ``s^2 + x0' Cov(b) x0`` and the CAR variance
``L2 s^2 + g' Cov(b) g`` from statsmodels' coefficient covariance (an independent route to
the closed forms). The real factors are the excerpt of Ken French's daily 3-factor file in
tests/data/factors (2023-07-03..2024-08-30, as published).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import mktnews as mn
from mktnews.errors import ConfigurationError, InvalidOptionError

TOL = 1e-10
HERE = Path(__file__).resolve().parent
FRENCH = HERE / "data" / "factors" / "F-F_Research_Data_Factors_daily_excerpt.CSV"
LAYOUT = HERE / "data" / "factors" / "F-F_generated_layout.CSV"
SAMPLE = HERE.parent / "mktnews" / "datasets" / "data"

# ECB monetary policy decisions of 2024 covered by the excerpt (press release 14:15 CET)
ECB_2024 = ["2024-01-25", "2024-03-07", "2024-04-11", "2024-06-06", "2024-07-18"]


def _close(symbol: str) -> pd.Series:
    df = pd.read_csv(SAMPLE / f"{symbol}.csv", parse_dates=["Date"]).set_index("Date")
    return df["Close"].astype(float)


def _expected(
    close: pd.Series,
    factors: pd.DataFrame,
    t0: pd.Timestamp,
    cols: list[str],
    est: tuple[int, int],
    span: tuple[int, int],
) -> dict[str, object]:
    """One event by hand: OLS on the estimation days with factors, AR/CAR and variances."""
    r = close / close.shift(1) - 1.0
    pos = close.index.get_loc(t0)
    e = pd.DataFrame({"r": r.iloc[pos + est[0] : pos + est[1] + 1]})
    e = e.join(factors, how="left").dropna()
    rf_e = e["RF"] if "RF" in factors else 0.0
    ols = sm.OLS(e["r"] - rf_e, sm.add_constant(e[cols], has_constant="add")).fit()
    w = pd.DataFrame({"r": r.iloc[pos + span[0] : pos + span[1] + 1]}).join(factors, how="left")
    x0 = sm.add_constant(w[cols], has_constant="add")
    rf_w = w["RF"] if "RF" in factors else 0.0
    ar = (w["r"] - rf_w - x0 @ ols.params).to_numpy()
    cov = ols.cov_params().to_numpy()
    xv = x0.to_numpy()
    var_ar = ols.scale + np.einsum("ti,ij,tj->t", xv, cov, xv)
    g = xv.sum(axis=0)
    var_car = len(w) * ols.scale + g @ cov @ g
    return {
        "ar": ar,
        "sd_ar": np.sqrt(var_ar),
        "car": ar.sum(),
        "sd_car": np.sqrt(var_car),
        "params": ols.params.to_numpy(),
        "L": int(ols.nobs),
        "s": np.sqrt(ols.scale),
    }


def _check(res: mn.EventStudyResults, eid: str, exp: dict[str, object], window: tuple[int, int]) -> None:
    ab = res.abnormal.loc[eid]
    ab = ab.loc[window[0] : window[1]]
    np.testing.assert_allclose(ab["ar"].to_numpy(), exp["ar"], rtol=0, atol=TOL)
    np.testing.assert_allclose((ab["ar"] / ab["sar"]).to_numpy(), exp["sd_ar"], rtol=1e-9, atol=TOL)
    c = res.car
    sel = (c["event_id"] == eid) & np.array([w == window for w in c["window"]])
    assert sel.sum() == 1
    car = c[sel].iloc[0]
    assert car["car"] == pytest.approx(exp["car"], abs=TOL)
    assert car["sd_car"] == pytest.approx(exp["sd_car"], rel=1e-9, abs=TOL)
    par = res.params.set_index("event_id").loc[eid]
    assert int(par["L"]) == exp["L"]
    assert par["s"] == pytest.approx(exp["s"], rel=1e-9)
    assert par["alpha"] == pytest.approx(exp["params"][0], abs=TOL)  # type: ignore[index]


# ---------------------------------------------------------------------------------------
# the reader


def test_read_french_excerpt_real_values() -> None:
    ff = mn.read_french_factors(FRENCH)
    assert list(ff.columns) == ["Mkt-RF", "SMB", "HML", "RF"]
    assert len(ff) == 294
    assert ff.index[0] == pd.Timestamp("2023-07-03")
    assert ff.index[-1] == pd.Timestamp("2024-08-30")
    # 2024-08-05 as published: -3.02, -0.45, -0.01, 0.022 (percent)
    row = ff.loc["2024-08-05"]
    assert row["Mkt-RF"] == pytest.approx(-0.0302, abs=1e-15)
    assert row["SMB"] == pytest.approx(-0.0045, abs=1e-15)
    assert row["HML"] == pytest.approx(-0.0001, abs=1e-15)
    assert row["RF"] == pytest.approx(0.00022, abs=1e-15)
    assert pd.Timestamp("2024-07-04") not in ff.index  # a US holiday: no row


def test_read_french_layout_blocks_missing_and_names() -> None:
    ff = mn.read_french_factors(LAYOUT)
    assert list(ff.columns) == ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF", "Mom"]
    assert len(ff) == 3  # the annual block and the copyright line are not read
    assert np.isnan(ff.loc["2024-01-03", "RMW"])  # -99.99
    assert ff.loc["2024-01-02", "Mom"] == pytest.approx(0.0125)


def test_read_french_refuses_monthly(tmp_path: Path) -> None:
    p = tmp_path / "F-F_Research_Data_Factors.CSV"
    p.write_text("preamble\n\n,Mkt-RF,SMB,HML,RF\n202401,    0.70,   -0.56,    0.79,   0.45\n")
    with pytest.raises(ConfigurationError, match="monthly"):
        mn.read_french_factors(p)


def test_read_french_bad_row_names_line(tmp_path: Path) -> None:
    p = tmp_path / "x.CSV"
    p.write_text(",Mkt-RF,SMB\n20240102,  0.1,  0.2\n20240103,  0.1,  abc\n")
    with pytest.raises(ValueError, match="line 3"):
        mn.read_french_factors(p)


# ---------------------------------------------------------------------------------------
# ff3 on real prices and real factors


@pytest.fixture(scope="module")
def ecb_ff3() -> tuple[mn.EventStudyResults, pd.DataFrame]:
    ff = mn.read_french_factors(FRENCH)
    times = pd.to_datetime([f"{d} 14:15" for d in ECB_2024]).tz_localize("Europe/Berlin")
    table = pd.DataFrame(
        {
            "id": [f"{s}_{d}" for s in ("dax", "sx5e") for d in ECB_2024] + ["dax_jul4", "dax_oct"],
            "instrument": ["^GDAXI"] * 5 + ["^STOXX50E"] * 5 + ["^GDAXI", "^GDAXI"],
            "published_at": [
                *times, *times, pd.Timestamp("2024-07-04 12:00", tz="Europe/Berlin"),
                pd.Timestamp("2023-10-26 14:15", tz="Europe/Berlin"),
            ],
        }
    )
    from mktnews.datasets import sample_source

    res = mn.event_study(
        mn.read_articles(table), source=sample_source(), model="ff3", factors=ff,
        estimation=(-120, -11), min_estimation=90, windows=[(0, 0), (-1, 1)],
    )  # fmt: skip
    return res, ff


def test_ff3_real_equals_statsmodels_per_event(ecb_ff3: tuple[mn.EventStudyResults, pd.DataFrame]) -> None:
    res, ff = ecb_ff3
    cols = ["Mkt-RF", "SMB", "HML"]
    checked = 0
    for sym in ("^GDAXI", "^STOXX50E"):
        close = _close(sym)
        for d in ECB_2024:
            t0 = pd.Timestamp(d)
            eid = f"{sym}@{d}"
            exp = _expected(close, ff, t0, cols, (-120, -11), (-1, 1))
            _check(res, eid, exp, (-1, 1))
            par = res.params.set_index("event_id").loc[eid]
            np.testing.assert_allclose(
                par[[f"b_{c}" for c in cols]].to_numpy(dtype=float), exp["params"][1:], atol=TOL  # type: ignore[index]
            )
            checked += 1
    assert checked == 10


def test_us_holidays_in_estimation_are_counted_gaps(ecb_ff3: tuple[mn.EventStudyResults, pd.DataFrame]) -> None:
    res, ff = ecb_ff3
    par = res.params.set_index("event_id").loc["^GDAXI@2024-01-25"]
    close = _close("^GDAXI")
    pos = close.index.get_loc(pd.Timestamp("2024-01-25"))
    est_dates = close.index[pos - 120 : pos - 10]
    lacking_dates = est_dates[~est_dates.isin(ff.index)]
    # US holidays on which the DAX traded: Labor Day and Thanksgiving 2023
    assert [str(d.date()) for d in lacking_dates] == ["2023-09-04", "2023-11-23"]
    lacking = len(lacking_dates)
    assert int(par["factor_gaps"]) == lacking
    assert int(par["L"]) == 110 - lacking


def test_event_span_without_factors_gets_a_status(ecb_ff3: tuple[mn.EventStudyResults, pd.DataFrame]) -> None:
    res, _ = ecb_ff3
    par = res.params.set_index("event_id").loc["^GDAXI@2024-07-04"]
    assert par["status"] == "missing_factors"
    assert "^GDAXI@2024-07-04" not in set(res.car["event_id"])
    ev = res.events.set_index("article_id").loc["dax_jul4"]
    assert ev["stat_status"] == "missing_factors"
    # estimation window (-120..-11 before 2023-10-26) starts before the excerpt's first date
    close = _close("^GDAXI")
    pos = close.index.get_loc(pd.Timestamp("2023-10-26"))
    assert close.index[pos - 120] < pd.Timestamp("2023-07-03")
    assert par.name == "^GDAXI@2024-07-04"
    oct_ = res.params.set_index("event_id").loc["^GDAXI@2023-10-26"]
    assert oct_["status"] == "missing_factors"


# ---------------------------------------------------------------------------------------
# generated data: carhart, ff5, factor (without RF), gaps


def _generated(n_days: int = 700, seed: int = 5) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-04", periods=n_days)
    names = ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom"]
    f = pd.DataFrame(rng.normal(0.0, 0.008, size=(n_days, 6)), index=dates, columns=names)
    f["RF"] = 0.0001 + rng.uniform(0, 0.00005, n_days)
    f["OIL"] = rng.normal(0, 0.015, n_days)
    prices = {}
    for sym in ("AAA", "BBB"):
        b = rng.uniform(-0.5, 1.2, size=7)
        r = f["RF"] + 0.0002 + f[[*names, "OIL"]].to_numpy() @ b + rng.normal(0, 0.01, n_days)
        close = 100 * np.cumprod(1 + r)
        prices[sym] = pd.DataFrame(
            {"open": close, "high": close * 1.01, "low": close * 0.99, "close": close, "volume": 1.0},
            index=pd.DatetimeIndex(dates, name="date"),
        )
    # factor rows missing on a few estimation days
    f = f.drop(dates[[300, 301, 420]])
    return prices, f


@pytest.mark.parametrize(
    ("model", "cols", "regressors"),
    [
        ("carhart", ["Mkt-RF", "SMB", "HML", "Mom"], None),
        ("ff5", ["Mkt-RF", "SMB", "HML", "RMW", "CMA"], None),
        ("factor", ["Mkt-RF", "OIL"], ["Mkt-RF", "OIL"]),
    ],
)
@pytest.mark.parametrize("with_rf", [True, False])
def test_generated_models_equal_statsmodels(model: str, cols: list[str], regressors: list[str] | None, with_rf: bool) -> None:
    prices, f = _generated()
    if not with_rf:
        f = f.drop(columns="RF")
    src = mn.FrameSource(prices)
    t0s = [prices["AAA"].index[i] for i in (400, 450, 520, 690)]
    events = pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(8)],
            "article_id": [f"a{i}" for i in range(8)],
            "symbol": ["AAA"] * 4 + ["BBB"] * 4,
            "t0": pd.DatetimeIndex(t0s + t0s).as_unit("ns"),
            "status": "ok",
        }
    )
    res = mn.event_study(
        events, source=src, model=model, factors=f, regressors=regressors,  # type: ignore[arg-type]
        estimation=(-250, -11), windows=[(-2, 2), (0, 0)], collapse=False,
    )  # fmt: skip
    for i, t0 in enumerate(t0s + t0s):
        sym = "AAA" if i < 4 else "BBB"
        close = prices[sym]["close"]
        exp = _expected(close, f, t0, cols, (-250, -11), (-2, 2))
        _check(res, f"e{i}", exp, (-2, 2))
    par = res.params.set_index("event_id")
    # e1 (day 0 = row 450): rows 300, 301 and 420 lack factors, all in its estimation window
    assert int(par.loc["e1", "factor_gaps"]) == 3
    assert int(par.loc["e1", "L"]) == 240 - 3
    assert res.options["k"] == len(cols) + 1


def test_options_refused_with_messages() -> None:
    prices, f = _generated()
    src = mn.FrameSource(prices)
    events = pd.DataFrame(
        {"event_id": ["e"], "article_id": ["a"], "symbol": ["AAA"],
         "t0": pd.DatetimeIndex([prices["AAA"].index[280]]).as_unit("ns"), "status": ["ok"]}
    )  # fmt: skip
    with pytest.raises(ConfigurationError, match="needs factors="):
        mn.event_study(events, source=src, model="ff3")
    with pytest.raises(ConfigurationError, match="percent"):
        mn.event_study(events, source=src, model="ff3", factors=f * 100)
    with pytest.raises(ConfigurationError, match="lacks the column"):
        mn.event_study(events, source=src, model="ff5", factors=f[["Mkt-RF", "SMB", "HML"]])
    with pytest.raises(ConfigurationError, match="not used by model='constant_mean'"):
        mn.event_study(events, source=src, factors=f)
    with pytest.raises(ConfigurationError, match="needs regressors"):
        mn.event_study(events, source=src, model="factor", factors=f)
    with pytest.raises(ConfigurationError, match="only used by model='factor'"):
        mn.event_study(events, source=src, model="ff3", factors=f, regressors=["OIL"])
    with pytest.raises(InvalidOptionError, match="factors"):
        mn.event_study(events, source=src, model="ff3", factors={"Mkt-RF": 1})  # type: ignore[arg-type]


def test_cli_ff3_with_french_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mktnews.cli import main

    monkeypatch.setenv("MKTNEWS_OFFLINE", "1")
    table = tmp_path / "ecb.csv"
    pd.DataFrame(
        {"id": [f"ecb_{d}" for d in ECB_2024], "instrument": "^GDAXI",
         "published_at": [f"{d} 14:15" for d in ECB_2024]}
    ).to_csv(table, index=False)  # fmt: skip
    out = tmp_path / "rep"
    code = main(["study", str(table), "--tz", "Europe/Berlin", "--prices", str(SAMPLE), "--model", "ff3",
                 "--factors", str(FRENCH), "--estimation=-120:-11", "--min-estimation", "90",
                 "--window", "0:0", "--out", str(out), "--quiet"])  # fmt: skip
    assert code == 0
    car = pd.read_csv(out / "car.csv")
    assert len(car) == 5
    # the same study through the API
    ff = mn.read_french_factors(FRENCH)
    close = _close("^GDAXI")
    for d in ECB_2024:
        exp = _expected(close, ff, pd.Timestamp(d), ["Mkt-RF", "SMB", "HML"], (-120, -11), (0, 0))
        got = car.loc[car["event_id"] == f"^GDAXI@{d}", "car"].iloc[0]
        assert got == pytest.approx(exp["car"], abs=1e-10)
