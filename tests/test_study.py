"""event_study end to end, against a plain per-event reference written here.

The reference loops over events: it reads the closes with pandas, takes the benchmark's
close on the instrument's dates, fits the model with statsmodels OLS on the estimation
rows, and computes ARs, CARs, BHARs, the CAR variance (as ``s^2 L2 + 1' X Cov(b) X' 1``
from statsmodels' coefficient covariance), SCARs and p-values with scipy. The engine must
agree to 1e-10. Real data: DAX, Euro STOXX 50 and CAC 40 against the STOXX Europe 600;
generated data with a known injected effect; hourly DAX bars.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from mktnews.errors import ConfigurationError, InvalidOptionError, StudyError
from mktnews.prices.base import FrameSource
from mktnews.study import EventStudy, event_study

REL = 1e-10
ABS = 1e-13


# ------------------------------------------------------------------------------------------
# data


def _read_daily(folder: Path, symbol: str) -> pd.DataFrame:
    df = pd.read_csv(folder / f"{symbol}.csv", parse_dates=["Date"]).set_index("Date")
    df.index = pd.DatetimeIndex(df.index).as_unit("ns").rename("date")
    df.columns = [c.lower() for c in df.columns]
    return df.astype(float)


@pytest.fixture(scope="module")
def daily(daily_dir: Path) -> dict[str, pd.DataFrame]:
    return {s: _read_daily(daily_dir, s) for s in ("^GDAXI", "^STOXX50E", "^FCHI", "^STOXX")}


@pytest.fixture(scope="module")
def source(daily: dict[str, pd.DataFrame]) -> FrameSource:
    return FrameSource(daily)


def _events(rows: list[tuple[str, str, str]], **extra: list[object]) -> pd.DataFrame:
    """Events frame by hand: (article_id, symbol, t0) rows, status ok."""
    ev = pd.DataFrame(
        {
            "event_id": [f"{a}|{s}" for a, s, _ in rows],
            "article_id": [a for a, _, _ in rows],
            "instrument": [s for _, s, _ in rows],
            "symbol": [s for _, s, _ in rows],
            "published_at": pd.DatetimeIndex([t for _, _, t in rows]).tz_localize("UTC")
            + pd.Timedelta(hours=10),
            "market_state": "regular",
            "t0": pd.DatetimeIndex([t for _, _, t in rows]).as_unit("ns"),
            "status": "ok",
            **extra,
        }
    )
    ev = ev.astype({"event_id": "str", "article_id": "str", "instrument": "str", "symbol": "str"})
    ev.attrs["interval"] = "1d"
    return ev


def _dax_dates(daily: dict[str, pd.DataFrame], n: int = 30, seed: int = 1) -> list[pd.Timestamp]:
    idx = daily["^GDAXI"].index
    cand = idx[(idx >= "2010-01-01") & (idx <= "2025-06-01")]
    rng = np.random.default_rng(seed)
    return sorted(cand[rng.choice(len(cand), size=n, replace=False)])


# ------------------------------------------------------------------------------------------
# the reference: one event at a time


@dataclass
class Ref:
    L: int
    s: float
    alpha: float
    beta: float
    ar: dict[int, float]
    sar: dict[int, float]
    ret: dict[int, float]
    normal: dict[int, float]
    date: dict[int, pd.Timestamp]
    car: dict[tuple[int, int], float] = field(default_factory=dict)
    bhar: dict[tuple[int, int], float] = field(default_factory=dict)
    sd_car: dict[tuple[int, int], float] = field(default_factory=dict)
    p: dict[tuple[int, int], float] = field(default_factory=dict)
    est_resid: list[float] = field(default_factory=list)


def reference(
    prices: pd.DataFrame,
    bench: pd.DataFrame | None,
    t0: pd.Timestamp,
    *,
    model: str,
    est: tuple[int, int],
    windows: list[tuple[int, int]],
    returns: str = "simple",
) -> Ref:
    close = prices["close"]
    r = close / close.shift(1) - 1 if returns == "simple" else np.log(close / close.shift(1))
    if bench is not None:
        bc = bench["close"].reindex(close.index)
        m = bc / bc.shift(1) - 1 if returns == "simple" else np.log(bc / bc.shift(1))
        # event span: on a day the benchmark lacks, its last close is carried (return 0
        # that day, the gap's return on the next common day), never past its last close
        have = bench["close"].dropna()
        bf = have.reindex(close.index.union(have.index)).ffill().reindex(close.index)
        bf[close.index > have.index[-1]] = np.nan
        mw = bf / bf.shift(1) - 1 if returns == "simple" else np.log(bf / bf.shift(1))
    else:
        m = pd.Series(np.nan, index=close.index)
        mw = m
    p = close.index.get_loc(t0)
    est_r = r.iloc[p + est[0] : p + est[1] + 1].to_numpy()
    est_m = m.iloc[p + est[0] : p + est[1] + 1].to_numpy()
    if model in ("market_model", "market_adjusted"):
        ok = np.isfinite(est_r) & np.isfinite(est_m)
    else:
        ok = np.isfinite(est_r)
    y, x = est_r[ok], est_m[ok]
    L = len(y)
    cov = None
    if model == "market_model":
        res = sm.OLS(y, sm.add_constant(x)).fit()
        alpha, beta = res.params
        s2 = res.mse_resid
        cov = res.cov_params()
        resid = y - alpha - beta * x
    elif model == "constant_mean":
        res = sm.OLS(y, np.ones((L, 1))).fit()
        alpha, beta = res.params[0], 0.0
        s2 = res.mse_resid
        cov = res.cov_params()
        resid = y - alpha
    elif model == "raw":
        alpha, beta = 0.0, 0.0
        s2 = np.sum(y**2) / L
        resid = y
    else:
        alpha, beta = 0.0, 1.0
        s2 = np.sum((y - x) ** 2) / L
        resid = y - x
    a0 = min(w[0] for w in windows)
    b0 = max(w[1] for w in windows)
    ref = Ref(L, float(np.sqrt(s2)), float(alpha), float(beta), {}, {}, {}, {}, {})
    ref.est_resid = list(resid)
    for d in range(a0, b0 + 1):
        rt, mt = float(r.iloc[p + d]), float(mw.iloc[p + d])
        if model == "market_model":
            nt = alpha + beta * mt
            var_t = s2 + np.array([1.0, mt]) @ cov @ np.array([1.0, mt])
        elif model == "constant_mean":
            nt = alpha
            var_t = s2 + cov[0, 0]
        elif model == "raw":
            nt, var_t = 0.0, s2
        else:
            nt, var_t = mt, s2
        ref.ret[d], ref.normal[d] = rt, float(nt)
        ref.ar[d] = float(rt - nt)
        ref.sar[d] = float((rt - nt) / np.sqrt(var_t))
        ref.date[d] = close.index[p + d]
    k = {"market_model": 2, "constant_mean": 1}.get(model, 0)
    for w in windows:
        days = [d for d in range(w[0], w[1] + 1) if np.isfinite(ref.ar[d])]
        if not days:  # no AR in the window: nothing to sum
            ref.car[w] = ref.bhar[w] = ref.sd_car[w] = ref.p[w] = np.nan
            continue
        car = sum(ref.ar[d] for d in days)
        if returns == "simple":
            bhar = np.prod([1 + ref.ret[d] for d in days]) - np.prod([1 + ref.normal[d] for d in days])
        else:
            bhar = np.exp(sum(ref.ret[d] for d in days)) - np.exp(sum(ref.normal[d] for d in days))
        l2 = len(days)
        if model == "market_model":
            X = np.column_stack([np.ones(l2), [float(mw.iloc[p + d]) for d in days]])
            var = s2 * l2 + np.ones(l2) @ X @ cov @ X.T @ np.ones(l2)
        elif model == "constant_mean":
            var = s2 * l2 + l2**2 * cov[0, 0]
        else:
            var = s2 * l2
        ref.car[w], ref.bhar[w], ref.sd_car[w] = car, float(bhar), float(np.sqrt(var))
        ref.p[w] = float(2 * stats.t.sf(abs(car / np.sqrt(var)), L - k))
    return ref


def _eq(got: object, want: float) -> None:
    """Equal to 1e-10 (relative), NaN only where the reference is NaN."""
    g = float(got)  # type: ignore[arg-type]
    if np.isnan(want):
        assert np.isnan(g)
    else:
        assert g == pytest.approx(want, rel=REL, abs=ABS)


def _check_event(res_car: pd.DataFrame, res_ab: pd.DataFrame, params: pd.DataFrame, eid: str, ref: Ref) -> None:
    prow = params.set_index("event_id").loc[eid]
    assert int(prow["L"]) == ref.L
    assert float(prow["s"]) == pytest.approx(ref.s, rel=REL)
    assert float(prow["alpha"]) == pytest.approx(ref.alpha, rel=REL, abs=ABS)
    assert float(prow["beta"]) == pytest.approx(ref.beta, rel=REL, abs=ABS)
    ab = res_ab.loc[eid]
    for d, v in ref.ar.items():
        _eq(ab.loc[d, "ar"], v)
        _eq(ab.loc[d, "sar"], ref.sar[d])
        _eq(ab.loc[d, "ret"], ref.ret[d])
        _eq(ab.loc[d, "normal"], ref.normal[d])
        assert ab.loc[d, "date"] == ref.date[d]
    # car: running sum from the first day of the span (missing ARs add nothing, car NaN there)
    running = 0.0
    for d in sorted(ref.ar):
        if np.isfinite(ref.ar[d]):
            running += ref.ar[d]
            _eq(ab.loc[d, "car"], running)
        else:
            assert np.isnan(ab.loc[d, "car"])
    assert ab.index[0] == min(ref.ar)
    rows = res_car[res_car["event_id"] == eid]
    for w in ref.car:
        row = rows[rows["window"] == w].iloc[0]
        _eq(row["car"], ref.car[w])
        _eq(row["bhar"], ref.bhar[w])
        _eq(row["sd_car"], ref.sd_car[w])
        _eq(row["scar"], ref.car[w] / ref.sd_car[w] if ref.sd_car[w] > 0 else np.nan)
        assert row["t"] == row["scar"] or (np.isnan(row["t"]) and np.isnan(row["scar"]))
        _eq(row["p"], ref.p[w])


# ------------------------------------------------------------------------------------------
# real data, every model


@pytest.mark.parametrize(
    ("model", "returns"),
    [
        ("market_model", "simple"),
        ("market_model", "log"),
        ("constant_mean", "simple"),
        ("raw", "log"),
        ("market_adjusted", "simple"),
    ],
)
def test_real_dax_events_match_reference(
    model: str, returns: str, daily: dict[str, pd.DataFrame], source: FrameSource
) -> None:
    dates = _dax_dates(daily)
    ev = _events([(f"a{i}", "^GDAXI", str(d.date())) for i, d in enumerate(dates)])
    windows = [(-1, 1), (0, 0), (-5, 5)]
    est = (-250, -11)
    bench = "^STOXX" if model in ("market_model", "market_adjusted") else None
    res = event_study(
        ev, source=source, windows=windows, estimation=est, model=model,  # type: ignore[arg-type]
        benchmark=bench, returns=returns, tests=None,  # type: ignore[arg-type]
    )
    car, ab, params = res.car, res.abnormal, res.params
    assert len(params) == 30 and (params["status"] == "ok").all()
    refs = {}
    for d in dates:
        eid = f"^GDAXI@{d.date()}"
        ref = reference(
            daily["^GDAXI"], daily["^STOXX"] if bench else None, d,
            model=model, est=est, windows=windows, returns=returns,
        )
        _check_event(car, ab, params, eid, ref)
        refs[eid] = ref
    # cross-section: AAR, CAAR and the band, per window
    caar = res.caar
    for w in windows:
        sel = caar[caar["window"] == w].set_index("rel")
        # documented: a missing AR adds nothing to an event's cumulative AR; AAR averages
        # the events that have an AR that day
        cums = np.array(
            [np.cumsum([np.nan_to_num(r.ar[d]) for d in range(w[0], w[1] + 1)]) for r in refs.values()]
        )
        for j, d in enumerate(range(w[0], w[1] + 1)):
            vals = np.array([r.ar[d] for r in refs.values() if np.isfinite(r.ar[d])])
            assert sel.loc[d, "aar"] == pytest.approx(vals.mean(), rel=REL, abs=ABS)
            assert sel.loc[d, "n_day"] == len(vals)
            assert sel.loc[d, "caar"] == pytest.approx(cums[:, j].mean(), rel=REL, abs=ABS)
            lo, hi = stats.t.interval(0.95, len(refs) - 1, loc=cums[:, j].mean(), scale=stats.sem(cums[:, j]))
            assert sel.loc[d, "ci_low"] == pytest.approx(lo, rel=REL, abs=ABS)
            assert sel.loc[d, "ci_high"] == pytest.approx(hi, rel=REL, abs=ABS)
            assert sel.loc[d, "n"] == 30


def test_market_model_several_instruments_and_tests(
    daily: dict[str, pd.DataFrame], source: FrameSource
) -> None:
    """Three indices against the STOXX Europe 600; the tests get the engine's inputs right."""
    rng = np.random.default_rng(9)
    rows = []
    for sym in ("^GDAXI", "^STOXX50E", "^FCHI"):
        idx = daily[sym].index
        cand = idx[(idx >= "2012-01-01") & (idx <= "2024-12-01")]
        for j, d in enumerate(cand[rng.choice(len(cand), size=10, replace=False)]):
            rows.append((f"{sym}-{j}", sym, str(d.date())))
    ev = _events(rows)
    windows = [(-1, 1), (0, 0)]
    res = event_study(ev, source=source, windows=windows, estimation=(-200, -6),
                      model="market_model", benchmark="STOXX Europe 600", tests="all",
                      min_estimation=150)
    refs = {}
    for _, sym, d in rows:
        eid = f"{sym}@{d}"
        ref = reference(daily[sym], daily["^STOXX"], pd.Timestamp(d), model="market_model",
                        est=(-200, -6), windows=windows)
        _check_event(res.car, res.abnormal, res.params, eid, ref)
        refs[eid] = ref
    tests = res.tests
    assert set(tests["test"]) == {
        "cs_t", "bw_t", "cda_t", "patell", "bmp", "kp_patell", "kp_bmp",
        "sign", "gen_sign", "corrado", "grank", "wilcoxon",
    }
    assert (tests["group"] == "all").all()
    for w in windows:
        t = tests[tests["window"] == w].set_index("test")
        cars = np.array([r.car[w] for r in refs.values()])
        scars = np.array([r.car[w] / r.sd_car[w] for r in refs.values()])
        Ls = np.array([r.L for r in refs.values()])
        tt = stats.ttest_1samp(cars, 0.0)
        assert t.loc["cs_t", "statistic"] == pytest.approx(tt.statistic, rel=REL)
        assert t.loc["cs_t", "p_value"] == pytest.approx(tt.pvalue, rel=REL)
        assert t.loc["cs_t", "n"] == 30
        z = scars.sum() / np.sqrt(np.sum((Ls - 2) / (Ls - 4)))
        assert t.loc["patell", "statistic"] == pytest.approx(z, rel=REL)
        bmp = stats.ttest_1samp(scars, 0.0)
        assert t.loc["bmp", "statistic"] == pytest.approx(bmp.statistic, rel=REL)
        bw = cars.mean() / (np.sqrt(sum((w[1] - w[0] + 1) * r.s**2 for r in refs.values())) / 30)
        assert t.loc["bw_t", "statistic"] == pytest.approx(bw, rel=REL)
        assert t.loc["wilcoxon", "p_value"] == pytest.approx(stats.wilcoxon(cars).pvalue, rel=REL)
        # the generalised sign test's p-hat: the events' shares of positive residuals
        phat = np.mean([np.mean(np.array(r.est_resid) > 0) for r in refs.values()])
        wpos = (cars > 0).sum()
        gz = (wpos - 30 * phat) / np.sqrt(30 * phat * (1 - phat))
        assert t.loc["gen_sign", "statistic"] == pytest.approx(gz, rel=REL)


# ------------------------------------------------------------------------------------------
# statuses, collapse, groups


def test_statuses_and_collapse(daily: dict[str, pd.DataFrame], source: FrameSource) -> None:
    rows = [
        ("a1", "^GDAXI", "2024-11-27"),
        ("a2", "^GDAXI", "2024-11-27"),  # same instrument and day 0 as a1
        ("a3", "^GDAXI", "2024-11-27"),
        ("b1", "^STOXX50E", "2024-11-27"),  # same day, other instrument: its own event
        ("c1", "^GDAXI", "1988-03-01"),  # DAX data starts 1987-12-30: short estimation
        ("d1", "^GDAXI", "2025-07-11"),  # last row: day +1 is past the data
        ("e1", "^GDAXI", "2024-11-30"),  # a Saturday: not a row of the data
        ("f1", "^GDAXI", "2023-05-10"),
        ("g1", "^GDAXI", "2023-05-10"),  # status not ok below
    ]
    ev = _events(rows)
    ev.loc[ev["article_id"] == "g1", "status"] = "gap"
    ev.loc[ev["article_id"] == "g1", "t0"] = pd.NaT
    res = event_study(ev, source=source, windows=(-1, 1), estimation=(-120, -2), tests=None,
                      min_estimation=100)
    e = res.events.set_index("article_id")
    assert e.loc[["a1", "a2", "a3"], "study_event_id"].tolist() == ["^GDAXI@2024-11-27"] * 3
    assert e.loc["b1", "study_event_id"] == "^STOXX50E@2024-11-27"
    assert e.loc["c1", "stat_status"] == "insufficient_estimation"
    assert e.loc["d1", "stat_status"] == "window_outside_data"
    assert e.loc["e1", "stat_status"] == "no_price_row"
    assert e.loc["f1", "stat_status"] == "ok"
    assert e.loc["g1", "stat_status"] == "gap" and pd.isna(e.loc["g1", "study_event_id"])
    assert len(res.events) == len(rows)  # nothing dropped
    p = res.params.set_index("event_id")
    assert p.loc["^GDAXI@2024-11-27", "n_articles"] == 3
    assert p.loc["^GDAXI@2024-11-27", "article_ids"] == ["a1", "a2", "a3"]
    # (-120..-2) reaches before the DAX's first row (1987-12-30, which has no return):
    # returns at rows 1..pos-2 remain
    dax = daily["^GDAXI"]
    pos = dax.index.get_loc(pd.Timestamp("1988-03-01"))
    assert pos < 120
    assert p.loc["^GDAXI@1988-03-01", "L"] == pos - 2
    assert set(res.car["event_id"]) == {"^GDAXI@2024-11-27", "^STOXX50E@2024-11-27", "^GDAXI@2023-05-10"}
    assert res.car.set_index("event_id").loc["^GDAXI@2024-11-27", "n_articles"] == 3
    info = res.info
    assert info["n_usable_rows"] == 8 and info["n_events"] == 6 and info["n_events_ok"] == 3
    text = res.summary().as_text()
    assert "8 article rows -> 6 events" in text
    assert "insufficient_estimation 1" in text and "window_outside_data 1" in text
    assert "no_price_row 1" in text and "gap 1" in text
    # without collapsing: three events with identical CARs
    res2 = event_study(ev, source=source, windows=(-1, 1), estimation=(-120, -2), tests=None,
                       min_estimation=100, collapse=False)
    c2 = res2.car.set_index("event_id")
    assert {"a1|^GDAXI", "a2|^GDAXI", "a3|^GDAXI"} <= set(c2.index)
    assert c2.loc["a1|^GDAXI", "car"] == c2.loc["a3|^GDAXI", "car"]
    assert (c2["n_articles"] == 1).all()
    assert res2.info["n_events"] == 8


def test_group_by_matches_subsets(daily: dict[str, pd.DataFrame], source: FrameSource) -> None:
    dates = _dax_dates(daily, n=20, seed=4)
    outlets = ["faz" if i % 3 else "hb" for i in range(20)]
    rows = [(f"a{i}", "^GDAXI", str(d.date())) for i, d in enumerate(dates)]
    rows.append(("dup", "^GDAXI", str(dates[1].date())))  # same day as a1 (faz), other outlet
    outlets.append("hb")
    ev = _events(rows, outlet=outlets)
    res = event_study(ev, source=source, windows=[(0, 1)], estimation=(-150, -11),
                      group_by="outlet", tests=["cs_t"], model="constant_mean")
    assert res.groups == ["faz", "hb"]
    caar = res.caar
    for g in ("faz", "hb"):
        ds = sorted({pd.Timestamp(d) for (a, _, d), o in zip(rows, outlets, strict=True) if o == g})
        refs = [reference(daily["^GDAXI"], None, d, model="constant_mean", est=(-150, -11),
                          windows=[(0, 1)]) for d in ds]
        cars = np.array([r.car[(0, 1)] for r in refs])
        sel = caar[(caar["group"] == g)].set_index("rel")
        assert sel.loc[1, "caar"] == pytest.approx(cars.mean(), rel=REL)
        assert sel.loc[1, "n"] == len(ds)
        t = res.tests[(res.tests["group"] == g) & (res.tests["test"] == "cs_t")].iloc[0]
        assert t["statistic"] == pytest.approx(stats.ttest_1samp(cars, 0).statistic, rel=REL)
        assert t["window"] == (0, 1)
    # collapse happens within a group: the dup day is one event in each outlet
    ids = res.events.set_index("article_id")["study_event_id"]
    assert ids["dup"] != ids["a1"]
    assert ids["dup"].endswith("|hb") and ids["a1"].endswith("|faz")


# ------------------------------------------------------------------------------------------
# generated data with a known effect


def _synthetic(
    effect: float, noise: float, seed: int = 5, spacing: int = 7
) -> tuple[FrameSource, pd.DataFrame, dict[str, list[pd.Timestamp]]]:
    """A market and five instruments ``r = 0.0002 + beta m + e`` with ``effect`` added on
    their event days (every ``spacing`` business days or more apart)."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2012-01-01", "2019-12-31").as_unit("ns").rename("date")
    n = len(idx)
    m = rng.normal(0.0003, 0.01, n)
    frames = {"MKT": pd.DataFrame({"close": 100 * np.cumprod(1 + m)}, index=idx)}
    event_days: dict[str, list[pd.Timestamp]] = {}
    for j, (sym, beta) in enumerate([("AAA", 0.8), ("BBB", 1.3), ("CCC", 1.0), ("DDD", 0.6), ("EEE", 1.1)]):
        r = 0.0002 + beta * m + rng.normal(0, noise, n)
        cand = np.arange(300 + 3 * j, n - 20, spacing)
        pos = np.sort(rng.choice(cand, size=min(8, len(cand)), replace=False))
        r[pos] += effect
        r[0] = 0.0
        frames[sym] = pd.DataFrame({"close": 50 * np.cumprod(1 + r)}, index=idx)
        event_days[sym] = list(idx[pos])
    rows = [(f"{s}{i}", s, str(d.date())) for s, ds in event_days.items() for i, d in enumerate(ds)]
    return FrameSource(frames), _events(rows), event_days


def test_injected_effect_is_recovered() -> None:
    # events >= 262 sessions apart: no event day falls in another's estimation window
    src, ev, _ = _synthetic(effect=0.02, noise=1e-6, spacing=262)
    res = event_study(ev, source=src, windows=[(0, 0), (-2, 2)], estimation=(-250, -11),
                      model="market_model", benchmark="MKT", tests=["cs_t", "patell"])
    caar = res.caar.set_index(["window", "rel"])
    assert caar.loc[((0, 0), 0), "caar"] == pytest.approx(0.02, abs=1e-5)
    assert caar.loc[((-2, 2), 2), "caar"] == pytest.approx(0.02, abs=2e-5)
    for d in (-2, -1, 1, 2):
        assert abs(caar.loc[((-2, 2), d), "aar"]) < 1e-5
    betas = res.params.set_index("symbol")["beta"]
    assert betas.loc["AAA"].to_numpy() == pytest.approx(0.8, abs=1e-3)
    assert betas.loc["BBB"].to_numpy() == pytest.approx(1.3, abs=1e-3)
    alphas = res.params["alpha"].to_numpy()
    assert alphas == pytest.approx(0.0002, abs=1e-5)
    t = res.tests.set_index(["window", "test"])
    assert t.loc[((0, 0), "cs_t"), "p_value"] < 1e-10
    assert res.info["n_events_ok"] == len(ev)


def test_generated_data_matches_reference() -> None:
    src, ev, days = _synthetic(effect=0.01, noise=0.01, seed=8)
    frames = {s: src.fetch(s, pd.Timestamp("2000-01-01"), pd.Timestamp("2030-01-01"), "1d") for s in src.symbols}
    windows = [(-3, 3), (0, 0)]
    res = event_study(ev, source=src, windows=windows, estimation=(-100, -4),
                      model="market_model", benchmark="MKT", tests=None, min_estimation=90)
    for sym, ds in days.items():
        for d in ds:
            ref = reference(frames[sym], frames["MKT"], d, model="market_model", est=(-100, -4),
                            windows=windows)
            _check_event(res.car, res.abnormal, res.params, f"{sym}@{d.date()}", ref)


# ------------------------------------------------------------------------------------------
# placebo


def test_placebo_never_draws_article_days() -> None:
    """Constant returns everywhere except +5% on article days: every placebo CAAR of the raw
    model is exactly the constant, so any drawn article day would show."""
    idx = pd.bdate_range("2016-01-01", "2019-12-31").as_unit("ns").rename("date")
    n = len(idx)
    rng = np.random.default_rng(2)
    frames, rows = {}, []
    for sym in ("AAA", "BBB"):
        r = np.full(n, 0.001)
        pos = rng.choice(np.arange(300, n - 5), size=150, replace=False)
        r[pos] += 0.05
        frames[sym] = pd.DataFrame({"close": 10 * np.cumprod(1 + r)}, index=idx)
        rows += [(f"{sym}{i}", sym, str(idx[p].date())) for i, p in enumerate(pos)]
    ev = _events(rows)
    res = event_study(ev, source=FrameSource(frames), windows=[(0, 0)], estimation=(-250, -11),
                      model="raw", tests=["placebo"], placebo=300, seed=7)
    pl = res.placebo
    assert len(pl) == 300 and (pl["window"] == (0, 0)).all()
    np.testing.assert_allclose(pl["caar"].to_numpy(), 0.001, rtol=1e-9)
    row = res.tests.iloc[0]
    assert row["test"] == "placebo" and row["window"] == (0, 0)
    assert row["statistic"] == 100.0
    assert row["p_value"] == pytest.approx(2 / 301)
    assert row["n"] == res.info["n_events_ok"]


def test_placebo_is_seeded_and_consistent(daily: dict[str, pd.DataFrame], source: FrameSource) -> None:
    dates = _dax_dates(daily, n=12, seed=6)
    ev = _events([(f"a{i}", "^GDAXI", str(d.date())) for i, d in enumerate(dates)])
    kw = {"source": source, "windows": [(-1, 1)], "estimation": (-120, -11), "model": "market_model",
              "benchmark": "^STOXX", "tests": ["placebo"], "placebo": 200, "min_estimation": 100}
    r1 = event_study(ev, seed=3, **kw)  # type: ignore[arg-type]
    r2 = event_study(ev, seed=3, **kw)  # type: ignore[arg-type]
    r3 = event_study(ev, seed=4, **kw)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(r1.placebo, r2.placebo)
    assert not np.allclose(r1.placebo["caar"], r3.placebo["caar"])
    draws = r1.placebo["caar"].to_numpy()
    actual = r1.car["car"].mean()
    row = r1.tests.iloc[0]
    assert row["statistic"] == pytest.approx(100 * np.mean(draws <= actual))
    le, ge = (draws <= actual).sum(), (draws >= actual).sum()
    assert row["p_value"] == pytest.approx(min(1, 2 * min(1 + le, 1 + ge) / 201))
    # placebo CAARs are means of real CARs: spread like a mean of 12 CARs, not zero
    assert 0 < draws.std() < 0.05


# ------------------------------------------------------------------------------------------
# intraday


def test_hourly_bars(hourly_dir: Path) -> None:
    df = pd.read_csv(hourly_dir / "^GDAXI.csv")
    df.index = pd.DatetimeIndex(pd.to_datetime(df.pop("Datetime"), utc=True)).as_unit("ns").rename("datetime")
    df.columns = [c.lower() for c in df.columns]
    src = FrameSource({"^GDAXI": df}, interval="1h")
    rng = np.random.default_rng(1)
    bars = df.index[np.sort(rng.choice(np.arange(200, len(df) - 10), size=15, replace=False))]
    ev = _events([(f"h{i}", "^GDAXI", "2024-01-01") for i in range(15)])
    ev["t0"] = bars
    ev.attrs["interval"] = "1h"
    res = event_study(ev, source=src, interval="1h", windows=[(0, 2)], estimation=(-100, -5),
                      min_estimation=90, tests=["cs_t"])
    for b in bars:
        ref = reference(df, None, b, model="constant_mean", est=(-100, -5), windows=[(0, 2)])
        eid = f"^GDAXI@{b.strftime('%Y-%m-%dT%H:%M:%S')}+00:00"
        row = res.car.set_index("event_id").loc[eid]
        assert row["car"] == pytest.approx(ref.car[(0, 2)], rel=REL, abs=ABS)
        assert row["p"] == pytest.approx(ref.p[(0, 2)], rel=REL, abs=ABS)
        assert res.abnormal.loc[(eid, 0), "datetime"] == b
    with pytest.raises(ConfigurationError, match="interval='1h'"):
        event_study(ev, source=src, tests=None)


# ------------------------------------------------------------------------------------------
# options and errors


def test_invalid_options_name_parameter_and_values(source: FrameSource) -> None:
    ev = _events([("a", "^GDAXI", "2024-11-27")])
    with pytest.raises(InvalidOptionError) as exc:
        event_study(ev, source=source, model="capm")  # type: ignore[arg-type]
    assert "model" in str(exc.value) and "'market_model'" in str(exc.value)
    with pytest.raises(InvalidOptionError, match="returns"):
        event_study(ev, source=source, returns="pct")  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match="interval"):
        event_study(ev, source=source, interval="2d")  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match="tests"):
        event_study(ev, source=source, tests=["cs_t", "t_test"])
    with pytest.raises(InvalidOptionError, match="placebo"):
        event_study(ev, source=source, placebo=-1)
    with pytest.raises(InvalidOptionError, match="collapse"):
        event_study(ev, source=source, collapse="yes")  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match="windows"):
        event_study(ev, source=source, windows=[(1, -1)])
    with pytest.raises(InvalidOptionError, match="min_estimation"):
        event_study(ev, source=source, model="market_model", benchmark="^STOXX", min_estimation=2)
    with pytest.raises(InvalidOptionError) as exc:
        event_study(ev, source=source, group_by="outlet")
    assert "group_by" in str(exc.value) and "'symbol'" in str(exc.value)
    with pytest.raises(InvalidOptionError, match="corpus_or_events"):
        EventStudy([1, 2, 3])  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match="source"):
        EventStudy(ev, source="/data/prices")  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match="seed"):
        event_study(ev, source=source, seed="seven")  # type: ignore[arg-type]
    study = EventStudy(ev, source=source, windows=[(0, 0)])
    assert repr(study) == "EventStudy(events of 1 rows, model='constant_mean', windows=((0, 0),), estimation=(-250, -11))"
    assert study.options["windows"] == ((0, 0),)


def test_configuration_errors(source: FrameSource) -> None:
    ev = _events([("a", "^GDAXI", "2024-11-27"), ("b", "^STOXX", "2024-11-27")])
    with pytest.raises(ConfigurationError, match="needs a benchmark"):
        event_study(ev, source=source, model="market_model")
    with pytest.raises(ConfigurationError, match="not used by model='constant_mean'"):
        event_study(ev, source=source, benchmark="^STOXX")
    with pytest.raises(ConfigurationError, match="itself"):
        event_study(ev, source=source, model="market_adjusted", benchmark="STOXX Europe 600",
                    tests=None)
    with pytest.raises(ConfigurationError, match="before the earliest event window"):
        event_study(ev, source=source, windows=[(-10, 1)], estimation=(-250, -10))
    with pytest.raises(ConfigurationError, match="min_estimation"):
        event_study(ev, source=source, estimation=(-100, -11), min_estimation=120)
    with pytest.raises(ConfigurationError, match="placebo"):
        event_study(ev, source=source, tests=["placebo"])
    with pytest.raises(ConfigurationError, match="placebo"):
        event_study(ev, source=source, tests=["cs_t"], placebo=10)
    with pytest.raises(ConfigurationError, match="no entry"):
        event_study(ev, source=source, model="market_model", benchmark={"^GDAXI": "^FCHI"}, tests=None)


def test_bad_events_frames(source: FrameSource) -> None:
    ev = _events([("a", "^GDAXI", "2024-11-27"), ("b", "^GDAXI", "2024-11-28")])
    with pytest.raises(InvalidOptionError, match="lacks the column"):
        event_study(ev.drop(columns="t0"), source=source)
    dup = ev.copy()
    dup["event_id"] = "x"
    with pytest.raises(InvalidOptionError, match="duplicated"):
        event_study(dup, source=source)
    bad = ev.copy()
    bad["status"] = "no_data"
    with pytest.raises(StudyError, match="no_data: 2"):
        event_study(bad, source=source)
    early = _events([("a", "^GDAXI", "1988-01-05")])
    with pytest.raises(StudyError, match="insufficient_estimation: 1"):
        event_study(early, source=source, tests=None)


def test_benchmark_as_series_and_mapping(daily: dict[str, pd.DataFrame], source: FrameSource) -> None:
    dates = _dax_dates(daily, n=8, seed=12)
    rows = [(f"a{i}", "^GDAXI", str(d.date())) for i, d in enumerate(dates)]
    rows += [(f"b{i}", "^FCHI", str(d.date())) for i, d in enumerate(dates)]
    ev = _events(rows)
    stoxx = daily["^STOXX"]["close"]
    kw = {"source": source, "windows": [(-1, 1)], "estimation": (-150, -11), "model": "market_model", "tests": None}
    by_series = event_study(ev, benchmark=stoxx, **kw)  # type: ignore[arg-type]
    by_map = event_study(ev, benchmark={"^GDAXI": "^STOXX", "CAC 40": "^STOXX50E"}, **kw)  # type: ignore[arg-type]
    for d in dates:
        ref = reference(daily["^GDAXI"], daily["^STOXX"], d, model="market_model", est=(-150, -11), windows=[(-1, 1)])
        _check_event(by_series.car, by_series.abnormal, by_series.params, f"^GDAXI@{d.date()}", ref)
        _check_event(by_map.car, by_map.abnormal, by_map.params, f"^GDAXI@{d.date()}", ref)
        if d in daily["^FCHI"].index:
            ref = reference(daily["^FCHI"], daily["^STOXX50E"], d, model="market_model", est=(-150, -11), windows=[(-1, 1)])
            _check_event(by_map.car, by_map.abnormal, by_map.params, f"^FCHI@{d.date()}", ref)
    assert by_map.options["benchmark"] == "^STOXX, ^STOXX50E"


def test_file_source_end_to_end(daily_dir: Path, daily: dict[str, pd.DataFrame]) -> None:
    from mktnews.prices.files import FileSource

    dates = _dax_dates(daily, n=10, seed=21)
    ev = _events([(f"a{i}", "^GDAXI", str(d.date())) for i, d in enumerate(dates)])
    res = event_study(ev, source=FileSource(daily_dir), windows=[(-1, 1)], estimation=(-250, -11),
                      model="market_model", benchmark="^STOXX", tests=None)
    for d in dates:
        ref = reference(daily["^GDAXI"], daily["^STOXX"], d, model="market_model", est=(-250, -11), windows=[(-1, 1)])
        _check_event(res.car, res.abnormal, res.params, f"^GDAXI@{d.date()}", ref)


def test_distinct_draws_are_distinct_and_uniform() -> None:
    from itertools import combinations

    from mktnews.study import _distinct_draws

    rng = np.random.default_rng(0)
    for M, m in [(5, 2), (6, 4)]:  # sparse and dense paths
        d = _distinct_draws(rng, M, 60_000, m)
        assert d.shape == (60_000, m) and d.min() >= 0 and d.max() < M
        srt = np.sort(d, axis=1)
        assert (np.diff(srt, axis=1) > 0).all()
        subsets = list(combinations(range(M), m))
        counts = pd.Series([tuple(r) for r in srt.tolist()]).value_counts()
        assert len(counts) == len(subsets)
        expected = 60_000 / len(subsets)
        chi2 = float((((counts - expected) ** 2) / expected).sum())
        assert stats.chi2.sf(chi2, len(subsets) - 1) > 1e-4


def test_t0_in_microseconds_and_events_without_attrs(daily: dict[str, pd.DataFrame], source: FrameSource) -> None:
    """pandas 3 makes datetimes in us by default: t0 of any unit works; no attrs = daily."""
    dates = _dax_dates(daily, n=5, seed=30)
    ev = _events([(f"a{i}", "^GDAXI", str(d.date())) for i, d in enumerate(dates)])
    ev["t0"] = ev["t0"].dt.as_unit("us")
    ev.attrs = {}
    res = event_study(ev, source=source, windows=[(0, 1)], estimation=(-150, -11), tests=None)
    for d in dates:
        ref = reference(daily["^GDAXI"], None, d, model="constant_mean", est=(-150, -11), windows=[(0, 1)])
        _check_event(res.car, res.abnormal, res.params, f"^GDAXI@{d.date()}", ref)
    assert str(res.abnormal["date"].dtype) == "datetime64[ns]"


def test_corpus_is_aligned_then_studied(daily_dir: Path, daily: dict[str, pd.DataFrame]) -> None:
    """A table of events read as a Corpus: day 0 from the publication time (by hand: 10:00
    Berlin on a trading day is that day; 20:00 is after the close, so the next session)."""
    from mktnews.articles import read_articles
    from mktnews.prices.files import FileSource

    tab = pd.DataFrame(
        {
            "id": ["x1", "x2", "x3", "x4"],
            "published_at": ["2024-11-27 10:00", "2024-11-27 12:00", "2023-03-10 14:00", "2024-11-27 20:00"],
            "instrument": ["DAX", "DAX", "Euro STOXX 50", "DAX"],
            "outlet": ["a", "b", "a", "b"],
        }
    )
    corpus = read_articles(tab, tz="Europe/Berlin")
    res = event_study(corpus, source=FileSource(daily_dir), windows=[(-1, 1)], estimation=(-150, -2),
                      tests=None)
    e = res.events.set_index("article_id")
    assert e["study_event_id"].tolist() == [
        "^GDAXI@2024-11-27", "^GDAXI@2024-11-27", "^STOXX50E@2023-03-10", "^GDAXI@2024-11-28",
    ]
    p = res.params.set_index("event_id")
    assert p.loc["^GDAXI@2024-11-27", "n_articles"] == 2
    for sym, d in [("^GDAXI", "2024-11-27"), ("^STOXX50E", "2023-03-10"), ("^GDAXI", "2024-11-28")]:
        ref = reference(daily[sym], None, pd.Timestamp(d), model="constant_mean", est=(-150, -2),
                        windows=[(-1, 1)])
        _check_event(res.car, res.abnormal, res.params, f"{sym}@{d}", ref)


def test_user_group_column_is_kept(source: FrameSource) -> None:
    ev = _events([("a", "^GDAXI", "2024-11-27"), ("b", "^GDAXI", "2023-05-10")], group=["x", "y"])
    res = event_study(ev, source=source, windows=[(0, 0)], tests=None)
    e = res.events
    assert e["group"].tolist() == ["x", "y"] and e["study_group"].tolist() == ["all", "all"]
    res = event_study(ev, source=source, windows=[(0, 0)], tests=None, group_by="group")
    assert res.events["group"].tolist() == ["x", "y"] and res.groups == ["x", "y"]


def test_hourly_market_model(hourly_dir: Path) -> None:
    def read(sym: str) -> pd.DataFrame:
        df = pd.read_csv(hourly_dir / f"{sym}.csv")
        df.index = pd.DatetimeIndex(pd.to_datetime(df.pop("Datetime"), utc=True)).as_unit("ns").rename("datetime")
        df.columns = [c.lower() for c in df.columns]
        return df

    dax, sx5e = read("^GDAXI"), read("^STOXX50E")
    src = FrameSource({"^GDAXI": dax, "^STOXX50E": sx5e}, interval="1h")
    rng = np.random.default_rng(4)
    bars = dax.index[np.sort(rng.choice(np.arange(300, len(dax) - 10), size=12, replace=False))]
    bars = bars.append(dax.index[-2:-1])  # day +1 is the last bar: its benchmark return must exist
    ev = _events([(f"h{i}", "^GDAXI", "2024-01-01") for i in range(len(bars))])
    ev["t0"] = bars
    ev.attrs["interval"] = "1h"
    res = event_study(ev, source=src, interval="1h", windows=[(0, 1)], estimation=(-200, -3),
                      min_estimation=150, model="market_model", benchmark="^STOXX50E", tests=None)
    assert res.info["n_events_ok"] == len(bars)
    for b in bars:
        ref = reference(dax, sx5e, b, model="market_model", est=(-200, -3), windows=[(0, 1)])
        eid = f"^GDAXI@{b.strftime('%Y-%m-%dT%H:%M:%S')}+00:00"
        _check_event(res.car, res.abnormal.rename(columns={"datetime": "date"}), res.params, eid, ref)
    last = res.abnormal.loc[(f"^GDAXI@{bars[-1].strftime('%Y-%m-%dT%H:%M:%S')}+00:00", 1)]
    assert np.isfinite(last["market"])


def test_kernel_in_passes_matches_reference(
    daily: dict[str, pd.DataFrame], source: FrameSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large studies run the kernel in passes of bounded size: force passes of 4 events."""
    import mktnews.study as study_mod

    monkeypatch.setattr(study_mod, "_KERNEL_CELLS", 4 * (240 + 3))
    dates = _dax_dates(daily, n=11, seed=40)
    ev = _events([(f"a{i}", "^GDAXI", str(d.date())) for i, d in enumerate(dates)])
    res = event_study(ev, source=source, windows=[(-1, 1)], estimation=(-250, -11),
                      model="market_model", benchmark="^STOXX", tests=["cs_t"])
    refs = []
    for d in dates:
        ref = reference(daily["^GDAXI"], daily["^STOXX"], d, model="market_model", est=(-250, -11),
                        windows=[(-1, 1)])
        _check_event(res.car, res.abnormal, res.params, f"^GDAXI@{d.date()}", ref)
        refs.append(ref.car[(-1, 1)])
    t = res.tests.iloc[0]
    assert t["statistic"] == pytest.approx(stats.ttest_1samp(refs, 0).statistic, rel=REL)


def test_degenerate_estimation_status() -> None:
    """A series that never moves has s = 0: its events cannot be standardised."""
    idx = pd.bdate_range("2020-01-01", "2021-12-31").as_unit("ns")
    flat = pd.DataFrame({"close": np.full(len(idx), 100.0)}, index=idx)
    rng = np.random.default_rng(0)
    moving = pd.DataFrame({"close": 100 * np.cumprod(1 + rng.normal(0, 0.01, len(idx)))}, index=idx)
    src = FrameSource({"FLAT": flat, "MOVE": moving})
    ev = _events([("a", "FLAT", "2021-06-01"), ("b", "MOVE", "2021-06-01")])
    res = event_study(ev, source=src, windows=[(0, 0)], estimation=(-200, -2), tests=None)
    st = res.events.set_index("article_id")["stat_status"]
    assert st["a"] == "degenerate_estimation" and st["b"] == "ok"
    with pytest.raises(StudyError, match="degenerate_estimation: 1"):
        event_study(ev.iloc[:1], source=src, windows=[(0, 0)], estimation=(-200, -2), tests=None)


def test_no_usable_event_says_why_and_what_to_do(seed_path: Path) -> None:
    from mktnews.articles import read_articles
    from mktnews.datasets import sample_source

    undated = read_articles(seed_path)  # the page prints no publication time
    with pytest.raises(StudyError) as err:
        event_study(undated, source=sample_source())
    msg = str(err.value)
    assert "no_publication_time: 1" in msg
    assert "published_at=" in msg and "date_articles()" in msg


def test_kp_correlations_once_per_group(
    daily: dict[str, pd.DataFrame], source: FrameSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The K-P residual correlations are computed once per group, whatever the windows."""
    from mktnews import inference

    calls: list[int] = []
    real = inference._correlate

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(inference, "_correlate", counting)
    dates = _dax_dates(daily, n=20, seed=4)
    rows = [(f"a{i}", sym, str(d.date())) for i, d in enumerate(dates[:10])
            for sym in ("^GDAXI", "^STOXX50E")]  # fmt: skip
    outlets = ["faz" if i % 4 < 2 else "hb" for i in range(len(rows))]
    ev = _events(rows, outlet=outlets)
    windows = [(-1, 1), (0, 0), (0, 3)]
    res = event_study(ev, source=source, windows=windows, estimation=(-150, -11),
                      group_by="outlet", tests=["kp_patell", "kp_bmp"], model="constant_mean")
    assert res.groups == ["faz", "hb"]
    assert len(calls) == 2  # one per group, not one per window (3) or test
    kp = res.tests[res.tests["test"] == "kp_bmp"]
    assert len(kp) == 6 and kp["statistic"].notna().all()


def test_distinct_draws_without_occupancy_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """The re-sorting path (large draws x values) gives distinct, uniform rows too."""
    from itertools import combinations

    import mktnews.study as study_mod

    monkeypatch.setattr(study_mod, "_OCCUPANCY_CELLS", 0)
    d = study_mod._distinct_draws(np.random.default_rng(3), 7, 70_000, 3)
    srt = np.sort(d, axis=1)
    assert (np.diff(srt, axis=1) > 0).all()
    counts = pd.Series([tuple(r) for r in srt.tolist()]).value_counts()
    subsets = list(combinations(range(7), 3))
    assert len(counts) == len(subsets)
    expected = 70_000 / len(subsets)
    assert stats.chi2.sf(float((((counts - expected) ** 2) / expected).sum()), len(subsets) - 1) > 1e-4
    # the first column is uniform over the 7 values (the order within a row is random too)
    first = np.bincount(d[:, 0], minlength=7)
    assert stats.chisquare(first).pvalue > 1e-4


@pytest.mark.parametrize("table", [True, False])
def test_placebo_clashes_resolved_per_instrument(monkeypatch: pytest.MonkeyPatch, table: bool) -> None:
    """Clusters of different instrument sets never share a session on one instrument; the
    anchor set's draws (a random subset) are kept as drawn. Checked by a plain loop."""
    import mktnews.study as study_mod

    if not table:
        monkeypatch.setattr(study_mod, "_CLASH_TABLE_SPAN", 0)
    rng = np.random.default_rng(11)
    draws = 400
    # sessions 0..59; instruments 0 (A) and 1 (B); sets: {A} (anchor, 12 clusters),
    # {A, B} (3 clusters, candidates 0..29), {B} (2 clusters, candidates 20..59)
    cand = [np.arange(60), np.arange(30), np.arange(20, 60)]
    sizes = np.array([len(c) for c in cand])
    offs = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    cflat = np.concatenate(cand)
    set_of = np.array([0] * 12 + [1] * 3 + [2] * 2)
    pairs = [(c, 0) for c in range(12)] + [(c, i) for c in range(12, 15) for i in (0, 1)] + [(15, 1), (16, 1)]
    p_cl = np.array([p[0] for p in pairs])
    p_in = np.array([p[1] for p in pairs])
    idx = np.empty((draws, 17), dtype=np.int64)
    idx[:, :12] = study_mod._distinct_draws(rng, 60, draws, 12)
    idx[:, 12:15] = rng.integers(0, 30, size=(draws, 3))
    idx[:, 15:] = rng.integers(0, 40, size=(draws, 2))
    before = idx[:, :12].copy()
    out = study_mod._resolve_clashes(
        idx, rng, group="g", sizes=sizes, offs=offs, set_of=set_of, cflat=cflat,
        anchor=np.array([True, False, False]), p_cl=p_cl, p_in=p_in, n_inst=2,
    )
    np.testing.assert_array_equal(out[:, :12], before)
    for r in range(draws):  # plain loop: the sessions each instrument's clusters take
        per_inst: dict[int, list[int]] = {0: [], 1: []}
        for c, i in pairs:
            per_inst[i].append(int(cand[set_of[c]][out[r, c]]))
        for i, sess in per_inst.items():
            assert len(sess) == len(set(sess)), (r, i, sess)
    # a free cluster's session spreads over its candidates the anchors leave free
    got = np.bincount(cflat[offs[2] + out[:, 16]], minlength=60)[20:]
    assert (got > 0).sum() >= 35
