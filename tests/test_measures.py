"""The measures (mktnews.measures): volume, volatility, a user measure, the day-0 split.

Every expected value is computed here by a plain loop over events with numpy/scipy (and
arch for the GARCH), from the real daily bars of tests/data/prices_real.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mktnews.errors import ConfigurationError, InvalidOptionError, StudyError
from mktnews.measures import SeriesMeasure, get_measure, measure_names, register_measure
from mktnews.prices.base import FrameSource
from mktnews.study import event_study

DATA = Path(__file__).parent / "data" / "prices_real" / "daily"
REL = 1e-10
EST = (-250, -11)


def _read(symbol: str) -> pd.DataFrame:
    df = pd.read_parquet(DATA / f"{symbol}.parquet").set_index("Date")
    df.index = pd.DatetimeIndex(df.index).as_unit("ns").rename("date")
    df.columns = [c.lower() for c in df.columns]
    return df.astype(float)


@pytest.fixture(scope="module")
def daily() -> dict[str, pd.DataFrame]:
    return {s: _read(s) for s in ("^GDAXI", "^FCHI", "^STOXX", "EURUSD=X", "^VIX", "^GSPC")}


@pytest.fixture(scope="module")
def source(daily: dict[str, pd.DataFrame]) -> FrameSource:
    return FrameSource(daily)


def _events(rows: list[tuple[str, pd.Timestamp]]) -> pd.DataFrame:
    ev = pd.DataFrame(
        {
            "event_id": [f"a{i}|{s}" for i, (s, _) in enumerate(rows)],
            "article_id": [f"a{i}" for i in range(len(rows))],
            "symbol": [s for s, _ in rows],
            "t0": pd.DatetimeIndex([t for _, t in rows]).as_unit("ns"),
            "status": "ok",
        }
    ).astype({"event_id": "str", "article_id": "str", "symbol": "str"})
    ev.attrs["interval"] = "1d"
    return ev


def _dates(frame: pd.DataFrame, n: int, seed: int, lo: str = "2015-01-01", hi: str = "2025-06-01") -> list[pd.Timestamp]:
    idx = frame.index[(frame.index >= lo) & (frame.index <= hi)]
    rng = np.random.default_rng(seed)
    return sorted(idx[rng.choice(len(idx), size=n, replace=False)])


def _logvol(frame: pd.DataFrame) -> np.ndarray:
    v = frame["volume"].to_numpy()
    out = np.full(len(v), np.nan)
    out[v > 0] = np.log(1.0 + v[v > 0])
    return out


# ------------------------------------------------------------------------------------------
# registry


def test_builtin_measures_and_unknown_name() -> None:
    assert {"returns", "volume", "volatility"} <= set(measure_names())
    assert get_measure("volume").label == "abnormal log volume"
    with pytest.raises(InvalidOptionError, match="measure"):
        get_measure("volumes")
    with pytest.raises(ConfigurationError, match="built in"):
        register_measure(SeriesMeasure("volume", "x", "X", values=lambda f: f["close"]))


def test_returns_measure_is_the_default_path(daily: dict[str, pd.DataFrame], source: FrameSource) -> None:
    ev = _events([("^GDAXI", t) for t in _dates(daily["^GDAXI"], 12, 3)])
    a = event_study(ev, source=source, model="market_model", benchmark="^STOXX")
    b = event_study(ev, source=source, model="market_model", benchmark="^STOXX", measure="returns")
    for name in ("car", "caar", "tests", "abnormal", "params"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.options["measure"] == "returns"


def test_user_measure_log_range(daily: dict[str, pd.DataFrame], source: FrameSource) -> None:
    """A registered measure (the daily log range log(high / low)) equals a plain loop."""
    rng_measure = SeriesMeasure(
        "log_range_test", "abnormal log range", "CALR",
        values=lambda f: np.log(f["high"] / f["low"]).where(f["high"] > f["low"]),
    )
    register_measure(rng_measure, replace=True)
    dates = _dates(daily["^FCHI"], 10, 5)
    res = event_study(_events([("^FCHI", t) for t in dates]), source=source,
                      measure="log_range_test", windows=[(0, 1)], estimation=EST, tests=["cs_t"])
    f = daily["^FCHI"]
    x = np.log(f["high"].to_numpy() / f["low"].to_numpy())
    x[f["high"].to_numpy() <= f["low"].to_numpy()] = np.nan
    car = res.car.set_index("event_id")
    for i, t in enumerate(dates):
        p = f.index.get_loc(t)
        est = x[p + EST[0] : p + EST[1] + 1]
        mean = np.nanmean(est)
        want = (x[p] - mean) + (x[p + 1] - mean)
        assert car.loc[f"^FCHI@{t.date()}", "car"] == pytest.approx(want, rel=REL), i
    assert res.options["measure"] == "log_range_test"


# ------------------------------------------------------------------------------------------
# volume


def test_volume_constant_mean_matches_loop(daily: dict[str, pd.DataFrame], source: FrameSource) -> None:
    from scipy import stats

    dates = _dates(daily["^GDAXI"], 15, 7)
    res = event_study(_events([("^GDAXI", t) for t in dates]), source=source, measure="volume",
                      windows=[(-1, 1)], estimation=EST)
    f = daily["^GDAXI"]
    v = _logvol(f)
    car = res.car.set_index("event_id")
    cars = []
    for t in dates:
        p = f.index.get_loc(t)
        est = v[p + EST[0] : p + EST[1] + 1]
        est = est[np.isfinite(est)]
        L = len(est)
        mean, s = est.mean(), est.std(ddof=1)
        ar = v[p - 1 : p + 2] - mean
        c = ar.sum()
        sd = np.sqrt(s**2 * (3 + 9 / L))
        row = car.loc[f"^GDAXI@{t.date()}"]
        assert row["car"] == pytest.approx(c, rel=REL)
        assert row["sd_car"] == pytest.approx(sd, rel=REL)
        assert row["p"] == pytest.approx(2 * stats.t.sf(abs(c / sd), L - 1), rel=1e-8)
        assert np.isnan(row["bhar"])
        cars.append(c)
    cs = res.tests.set_index("test").loc["cs_t"]
    cars_a = np.array(cars)
    assert cs["statistic"] == pytest.approx(cars_a.mean() / (cars_a.std(ddof=1) / np.sqrt(len(cars_a))), rel=1e-9)
    assert (res.params["n_no_volume"] >= 0).all()


def test_volume_market_adjusted_matches_loop(daily: dict[str, pd.DataFrame], source: FrameSource) -> None:
    dates = _dates(daily["^FCHI"], 12, 11)
    res = event_study(_events([("^FCHI", t) for t in dates]), source=source, measure="volume",
                      model="market_adjusted", benchmark="^STOXX", windows=[(0, 0), (-2, 2)], estimation=EST)
    f, m = daily["^FCHI"], daily["^STOXX"]
    v = _logvol(f)
    vm = _logvol(m.reindex(f.index))  # the benchmark on the instrument's dates
    d = v - vm
    cf = res.car
    car = cf.assign(window=cf["window"].map(tuple)).set_index(["event_id", "window"])
    ab = res.abnormal
    for t in dates:
        p = f.index.get_loc(t)
        est = d[p + EST[0] : p + EST[1] + 1]
        mean = np.nanmean(est)
        eid = f"^FCHI@{t.date()}"
        if not np.isfinite(d[p - 2 : p + 3]).all():
            assert eid not in res.car["event_id"].tolist()
            continue
        assert car.loc[(eid, (0, 0)), "car"] == pytest.approx(d[p] - mean, rel=REL)
        assert car.loc[(eid, (-2, 2)), "car"] == pytest.approx((d[p - 2 : p + 3] - mean).sum(), rel=REL)
        # the abnormal frame shows the instrument's own log volume and its normal value
        assert ab.loc[(eid, 0), "ret"] == pytest.approx(v[p], rel=REL)
        assert ab.loc[(eid, 0), "normal"] == pytest.approx(vm[p] + mean, rel=REL)
        assert ab.loc[(eid, 0), "market"] == pytest.approx(vm[p], rel=REL)


def test_volume_missing_gets_a_status_never_zeros(daily: dict[str, pd.DataFrame], source: FrameSource) -> None:
    """FX has volume 0 on every row: no_volume, not log(1) = 0 passed off as data; a zero
    day inside a window: incomplete_window; a benchmark without volume: no_benchmark_values."""
    fx = _dates(daily["EURUSD=X"], 4, 2)
    dax = daily["^GDAXI"]
    zero_days = dax.index[(dax["volume"].to_numpy() == 0) & (dax.index >= "2012-01-01")]
    assert len(zero_days)  # real isolated zero-volume days exist in the DAX data
    ok_days = _dates(dax, 6, 4)
    rows = [("EURUSD=X", t) for t in fx] + [("^GDAXI", zero_days[0])] + [("^GDAXI", t) for t in ok_days]
    res = event_study(_events(rows), source=source, measure="volume", windows=[(-1, 1)], estimation=EST,
                      min_estimation=100)
    st = res.params.set_index("event_id")["status"]
    assert (st[[f"EURUSD=X@{t.date()}" for t in fx]] == "no_volume").all()
    assert st[f"^GDAXI@{zero_days[0].date()}"] == "incomplete_window"
    # n_no_volume: the zero or missing volumes of the estimation window and span, by hand
    v = dax["volume"].to_numpy()
    par = res.params.set_index("event_id")
    for t in [zero_days[0], *ok_days]:
        p = dax.index.get_loc(t)
        days = np.r_[p + EST[0] : p + EST[1] + 1, p - 1 : p + 2]
        assert par.loc[f"^GDAXI@{t.date()}", "n_no_volume"] == int((~(v[days] > 0)).sum())
    assert res.info["event_status"]["no_volume"] == len(fx)
    with pytest.raises(StudyError, match="no_benchmark_values: 6"):
        event_study(_events([("^GDAXI", t) for t in ok_days]), source=source, measure="volume",
                    model="market_adjusted", benchmark="^VIX", estimation=EST)


def test_volume_options_are_checked(source: FrameSource, daily: dict[str, pd.DataFrame]) -> None:
    ev = _events([("^GDAXI", t) for t in _dates(daily["^GDAXI"], 3, 1)])
    with pytest.raises(ConfigurationError, match="measure='volume' works with model"):
        event_study(ev, source=source, measure="volume", model="raw")
    with pytest.raises(ConfigurationError, match="Series of closes"):
        event_study(ev, source=source, measure="volume", model="market_adjusted",
                    benchmark=daily["^STOXX"]["close"])
    with pytest.raises(InvalidOptionError, match="measure"):
        event_study(ev, source=source, measure="volumes")
    with pytest.raises(ConfigurationError, match="volatility_model"):
        event_study(ev, source=source, measure="volume", volatility_model="squared_ar")


def test_cli_measure_flag() -> None:
    from mktnews.cli import build_parser

    ns = build_parser().parse_args(["study", "--sample", "--measure", "volume"])
    assert ns.measure == "volume" and ns.volatility_model == "garch"


# ------------------------------------------------------------------------------------------
# volatility


def _vol_tests_by_hand(cav: np.ndarray, m: int) -> dict[str, tuple[float, float]]:
    from scipy import special, stats

    r = np.log(1.0 + cav / m) - (special.digamma(m / 2) - np.log(m / 2))
    t = r.mean() / (r.std(ddof=1) / np.sqrt(len(r)))
    s = (cav + m).sum()
    cdf = stats.chi2.cdf(s, m * len(cav))
    cs = cav.mean() / (cav.std(ddof=1) / np.sqrt(len(cav)))
    return {
        "av_log_ratio": (t, 2 * stats.t.sf(abs(t), len(r) - 1)),
        "av_chi2": (s, 2 * min(cdf, 1 - cdf)),
        "cs_t": (cs, 2 * stats.t.sf(abs(cs), len(cav) - 1)),
    }


def test_squared_ar_matches_loop(daily: dict[str, pd.DataFrame], source: FrameSource) -> None:
    from scipy import stats

    dates = _dates(daily["^GDAXI"], 20, 21)
    res = event_study(_events([("^GDAXI", t) for t in dates]), source=source, measure="volatility",
                      volatility_model="squared_ar", windows=[(-1, 1)], estimation=EST)
    c = daily["^GDAXI"]["close"].to_numpy()
    r = np.full(len(c), np.nan)
    r[1:] = c[1:] / c[:-1] - 1
    car = res.car.set_index("event_id")
    cavs = []
    for t in dates:
        p = daily["^GDAXI"].index.get_loc(t)
        est = r[p + EST[0] : p + EST[1] + 1]
        mean = est.mean()
        s2 = ((est - mean) ** 2).sum() / (len(est) - 1)
        av = (r[p - 1 : p + 2] - mean) ** 2 / s2
        cav = (av - 1).sum()
        row = car.loc[f"^GDAXI@{t.date()}"]
        assert row["car"] == pytest.approx(cav, rel=REL)
        cdf = stats.chi2.cdf(av.sum(), 3)
        assert row["p"] == pytest.approx(2 * min(cdf, 1 - cdf), rel=1e-8)
        assert res.abnormal.loc[(f"^GDAXI@{t.date()}", 0), "av"] == pytest.approx(av[1], rel=REL)
        cavs.append(cav)
    want = _vol_tests_by_hand(np.array(cavs), 3)
    got = res.tests.set_index("test")
    assert list(got.index) == ["cs_t", "av_log_ratio", "av_chi2"]
    for name, (stat, pv) in want.items():
        assert got.loc[name, "statistic"] == pytest.approx(stat, rel=1e-9), name
        assert got.loc[name, "p_value"] == pytest.approx(pv, rel=1e-8), name
        assert "H0" in got.loc[name, "convention"] or name == "cs_t"


def _arch_av(y_est: np.ndarray, y_span: np.ndarray, steps: np.ndarray, constant: bool) -> tuple[np.ndarray, float]:
    """AV of the span from arch fitted on the estimation returns in percent, and the fit's
    log-likelihood (of the percent series)."""
    from arch import arch_model

    w = 100.0 * y_est
    am = arch_model(w, mean="Constant" if constant else "Zero", vol="GARCH", p=1, q=1,
                    dist="normal", rescale=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = am.fit(disp="off")
    fc = fit.forecast(horizon=int(steps.max()), reindex=False).variance.to_numpy()[-1]
    mu = float(fit.params["mu"]) if constant else 0.0
    eps = 100.0 * y_span - mu
    return eps**2 / fc[steps - 1], float(fit.loglikelihood)


@pytest.mark.parametrize("model", ["constant_mean", "raw"])
def test_garch_matches_arch_per_event(daily: dict[str, pd.DataFrame], source: FrameSource, model: str) -> None:
    """The batched GARCH against arch fitted per event here, on percent returns (the
    library fits the series scaled to unit variance: the GARCH likelihood is scale-free,
    so both reach the same optimum). Tolerance: the optimisers stop at about 1e-6 of the
    log-likelihood; the AVs then agree to 5e-3 (relative). Where the likelihood has two
    local maxima, the library's must not be the lower one by more than 1e-4."""
    dates = _dates(daily["^GDAXI"], 16, 31)
    ev = _events([("^GDAXI", t) for t in dates])
    res = event_study(ev, source=source, measure="volatility", model=model, windows=[(-1, 1)], estimation=EST)
    ref = event_study(ev, source=source, measure="volatility", volatility_model="garch_arch", model=model,
                      windows=[(-1, 1)], estimation=EST)
    c = daily["^GDAXI"]["close"].to_numpy()
    r = np.full(len(c), np.nan)
    r[1:] = c[1:] / c[:-1] - 1
    steps = np.arange(-1, 2) - EST[1]
    par, par_ref = res.params.set_index("event_id"), ref.params.set_index("event_id")
    ab, ab_ref = res.abnormal, ref.abnormal
    n_same = 0
    assert (res.params["status"] == "ok").all()
    for t in dates:
        p = daily["^GDAXI"].index.get_loc(t)
        y = r[p + EST[0] : p + EST[1] + 1]
        av, ll = _arch_av(y, r[p - 1 : p + 2], steps, model == "constant_mean")
        eid = f"^GDAXI@{t.date()}"
        # garch_arch (arch on the unit-variance series) and the batched fit: the same
        # optimum (log-likelihoods back on the percent scale)
        shift = len(y) * np.log(100.0 * np.std(y))
        for got, pr in ((ab_ref, par_ref), (ab, par)):
            ll_got = pr.loc[eid, "garch_loglik"] - shift
            assert ll_got >= ll - 1e-4, eid
            if abs(ll_got - ll) < 1e-4:
                assert got.loc[eid, "av"].to_numpy() == pytest.approx(av, rel=5e-3), eid
                n_same += 1
    assert n_same >= 2 * len(dates) - 2  # two local maxima at most once per fitter


def test_garch_batched_fit_unit() -> None:
    """fit_garch on a simulated GARCH(1,1): close to arch's estimate on the same series;
    maxiter=1 leaves the rows unconverged."""
    from mktnews.garch import fit_garch, fit_garch_arch

    rng = np.random.default_rng(5)
    n, T = 6, 800
    y = np.empty((n, T))
    for i in range(n):  # simulate omega=0.05, alpha=0.08, beta=0.9
        h, e = 1.0, 0.0
        for t in range(T):
            h = 0.05 + 0.08 * e * e + 0.9 * h
            e = np.sqrt(h) * rng.standard_normal()
            y[i, t] = e
    y[2, 100:110] = np.nan  # missing days are skipped
    ours = fit_garch(y, mean="zero")
    ref = fit_garch_arch(y, mean="zero")
    assert ours.converged.all() and ref.converged.all()
    assert ours.loglik == pytest.approx(ref.loglik, abs=1e-4)
    assert ours.alpha == pytest.approx(ref.alpha, abs=2e-3)
    assert ours.beta == pytest.approx(ref.beta, abs=2e-3)
    assert ours.h_next == pytest.approx(ref.h_next, rel=5e-3)
    assert not fit_garch(y, mean="zero", maxiter=1).converged.any()


def test_volatility_options(daily: dict[str, pd.DataFrame], source: FrameSource) -> None:
    ev = _events([("^GDAXI", t) for t in _dates(daily["^GDAXI"], 3, 1)])
    with pytest.raises(ConfigurationError, match="placebo"):
        event_study(ev, source=source, measure="volatility", placebo=10)
    with pytest.raises(InvalidOptionError, match="tests"):
        event_study(ev, source=source, measure="volatility", tests=["patell"])
    with pytest.raises(InvalidOptionError, match="volatility_model"):
        event_study(ev, source=source, measure="volatility", volatility_model="egarch")
    with pytest.raises(ConfigurationError, match="works with model"):
        event_study(ev, source=source, measure="volatility", model="scholes_williams", benchmark="^STOXX")


# ------------------------------------------------------------------------------------------
# day 0 split


def test_day0_split_by_hand(daily: dict[str, pd.DataFrame]) -> None:
    """Overnight = open / previous close - 1, intraday = close / open - 1, on real DAX and
    CAC 40 bars; a bar without an open gets no_open (its total stays)."""
    dax = daily["^GDAXI"].copy()
    dates = _dates(dax, 8, 41)
    cac_dates = _dates(daily["^FCHI"], 4, 42)
    dax.loc[dates[0], "open"] = np.nan  # a bar without an open
    src = FrameSource({**daily, "^GDAXI": dax})
    res = event_study(_events([("^GDAXI", t) for t in dates] + [("^FCHI", t) for t in cac_dates]),
                      source=src, windows=[(0, 0)], estimation=EST)
    d0 = res.day0.set_index("event_id")
    assert len(d0) == res.info["n_events_ok"] == 12
    for sym, ds in (("^GDAXI", dates), ("^FCHI", cac_dates)):
        f = dax if sym == "^GDAXI" else daily["^FCHI"]
        for t in ds:
            p = f.index.get_loc(t)
            o, c, pc = f["open"].iloc[p], f["close"].iloc[p], f["close"].iloc[p - 1]
            row = d0.loc[f"{sym}@{t.date()}"]
            assert row["total"] == pytest.approx(c / pc - 1, rel=REL)
            if np.isnan(o):
                assert row["status"] == "no_open" and np.isnan(row["overnight"])
                continue
            assert row["status"] == "ok"
            assert row["overnight"] == pytest.approx(o / pc - 1, rel=REL)
            assert row["intraday"] == pytest.approx(c / o - 1, rel=REL)
    # the day-0 total is the study's day-0 return
    ret0 = res.abnormal.xs(0, level="rel")["ret"]
    assert d0["total"].to_numpy() == pytest.approx(ret0.loc[d0.index].to_numpy(), rel=REL)
    summ = res.day0_summary().set_index("part")
    ok = d0[d0["status"] == "ok"]
    x = ok["overnight"].to_numpy()
    assert summ.loc["overnight", "n"] == 11
    assert summ.loc["overnight", "mean"] == pytest.approx(x.mean(), rel=REL)
    assert summ.loc["overnight", "t"] == pytest.approx(x.mean() / (x.std(ddof=1) / np.sqrt(11)), rel=1e-9)


def test_day0_log_returns_add_up(daily: dict[str, pd.DataFrame], source: FrameSource) -> None:
    dates = _dates(daily["^GDAXI"], 5, 43)
    res = event_study(_events([("^GDAXI", t) for t in dates]), source=source, returns="log",
                      windows=[(0, 0)], estimation=EST)
    d0 = res.day0
    f = daily["^GDAXI"]
    p = [f.index.get_loc(t) for t in dates]
    want = np.log(f["open"].to_numpy()[p] / f["close"].to_numpy()[np.array(p) - 1])
    assert d0["overnight"].to_numpy() == pytest.approx(want, rel=REL)
    assert (d0["overnight"] + d0["intraday"]).to_numpy() == pytest.approx(d0["total"].to_numpy(), rel=1e-12)


# ------------------------------------------------------------------------------------------
# faces


@pytest.mark.parametrize(
    ("measure", "ylabel", "in_title"),
    [("returns", "CAAR", "Cumulative average abnormal return"),
     ("volume", "mean CALV (abnormal log volume)", "abnormal log volume"),
     ("volatility", "mean CAV (abnormal volatility (AV - 1))", "CAV")],
)
def test_faces_name_the_measure(
    daily: dict[str, pd.DataFrame], source: FrameSource, tmp_path: Path, measure: str, ylabel: str, in_title: str
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from mktnews.plotting import plot_ar, plot_caar
    from mktnews.report import write_report

    dates = _dates(daily["^GDAXI"], 6, 51)
    kw = {"volatility_model": "squared_ar"} if measure == "volatility" else {}
    res = event_study(_events([("^GDAXI", t) for t in dates]), source=source, measure=measure,
                      estimation=EST, **kw)
    ax = plot_caar(res)
    assert ax.get_ylabel() == ylabel
    assert in_title in ax.get_title(loc="left")
    line = next(ln for ln in ax.get_lines() if str(ln.get_gid()).startswith("caar:"))
    want = res.caar.sort_values("rel")["caar"].to_numpy()
    assert line.get_ydata() == pytest.approx(want, rel=1e-12)
    ax2 = plot_ar(res, res.car["event_id"].iloc[0])
    assert ax2.get_ylabel() == ("abnormal return" if measure == "returns" else get_measure(measure).label)
    text = str(res.summary())
    if measure == "returns":
        assert "Measure:" not in text and text.splitlines()[0].strip().startswith("Event study results")
    else:
        assert "Measure:" in text and get_measure(measure).label in text
    if measure == "returns":
        return  # the report of returns is tested in test_report.py
    write_report(res, tmp_path / measure)
    md = (tmp_path / measure / "summary.md").read_text(encoding="utf-8")
    cum = get_measure(measure).cumulative
    assert f"## {cum} per event and window" in md
    assert (tmp_path / measure / "day0.csv").exists()


def test_garch_not_converged_status(daily: dict[str, pd.DataFrame], source: FrameSource,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A fit stopped after one iteration has not converged: the events say so and are left
    out of every statistic."""
    import mktnews.garch as garch

    real = garch.fit_garch
    monkeypatch.setattr(garch, "fit_garch", lambda y, mean="constant": real(y, mean=mean, maxiter=1))
    ev = _events([("^GDAXI", t) for t in _dates(daily["^GDAXI"], 4, 61)])
    with pytest.raises(StudyError, match="garch_not_converged: 4"):
        event_study(ev, source=source, measure="volatility", estimation=EST)


def test_cli_study_sample_volume(tmp_path: Path) -> None:
    """``mktnews study --sample --measure volume``: the report's CALV is the hand loop on
    the bundled Euro STOXX 50 volumes (constant mean of log(1 + volume))."""
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parent.parent
    env = {**os.environ, "MKTNEWS_OFFLINE": "1", "PYTHONPATH": str(repo)}
    env.pop("MKTNEWS_PRICES_DIR", None)
    proc = subprocess.run([sys.executable, "-m", "mktnews", "study", "--sample", "--measure", "volume",
                           "--estimation", "-200:-11", "--min-estimation", "100", "--out", "d"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    car = pd.read_csv(tmp_path / "d" / "car.csv")
    bars = pd.read_csv(repo / "mktnews" / "datasets" / "data" / "^STOXX50E.csv", parse_dates=["Date"])
    v = np.where(bars["Volume"] > 0, np.log1p(bars["Volume"].clip(lower=0)), np.nan)
    p = int(np.flatnonzero(bars["Date"] == "2024-11-27")[0])
    est = v[p - 200 : p - 10]
    mean = np.nanmean(est)
    assert car["car"].iloc[0] == pytest.approx((v[p - 1 : p + 2] - mean).sum(), rel=1e-10)
    md = (tmp_path / "d" / "summary.md").read_text(encoding="utf-8")
    assert "abnormal log volume" in md


def test_volume_market_model_matches_statsmodels(daily: dict[str, pd.DataFrame], source: FrameSource) -> None:
    """Log volume of the CAC 40 regressed on the STOXX Europe 600's (statsmodels OLS per
    event on the estimation days where both have a volume); CAR and its variance with
    the coefficient error, as for returns."""
    import statsmodels.api as sm

    dates = _dates(daily["^FCHI"], 8, 71)
    res = event_study(_events([("^FCHI", t) for t in dates]), source=source, measure="volume",
                      model="market_model", benchmark="^STOXX", windows=[(-1, 1)], estimation=EST)
    f = daily["^FCHI"]
    v = _logvol(f)
    vm = _logvol(daily["^STOXX"].reindex(f.index))
    car = res.car.set_index("event_id")
    n_checked = 0
    for t in dates:
        p = f.index.get_loc(t)
        eid = f"^FCHI@{t.date()}"
        if not (np.isfinite(v[p - 1 : p + 2]).all() and np.isfinite(vm[p - 1 : p + 2]).all()):
            assert eid not in car.index
            continue
        y, x = v[p + EST[0] : p + EST[1] + 1], vm[p + EST[0] : p + EST[1] + 1]
        use = np.isfinite(y) & np.isfinite(x)
        ols = sm.OLS(y[use], sm.add_constant(x[use])).fit()
        X0 = sm.add_constant(vm[p - 1 : p + 2], has_constant="add")
        ar = v[p - 1 : p + 2] - X0 @ ols.params
        one = np.ones(3)
        var = ols.scale * 3 + one @ X0 @ ols.cov_params() @ X0.T @ one
        assert car.loc[eid, "car"] == pytest.approx(ar.sum(), rel=1e-9)
        assert car.loc[eid, "sd_car"] == pytest.approx(np.sqrt(var), rel=1e-9)
        n_checked += 1
    assert n_checked >= 6
