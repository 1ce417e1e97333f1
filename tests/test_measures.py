"""The measures (mktnews.measures): volume, volatility, a user measure, the day-0 split.

Every expected value is computed here by a plain loop over events with numpy/scipy (and
arch for the GARCH), from the real daily bars of tests/data/prices_real.
"""

from __future__ import annotations

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
