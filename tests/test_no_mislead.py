"""Statistics that are right or visibly refused (issue 10), on generated data.

Every expected value is computed here with plain numpy (lstsq, sums, products) from the
generated closes, never read back from mktnews.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

from mktnews.errors import PriceDataError, StudyWarning
from mktnews.prices.base import FrameSource
from mktnews.study import event_study
from mktnews.windows import compute_returns

IDX = pd.bdate_range("2018-01-01", periods=700).as_unit("ns").rename("date")


def _events(rows: list[tuple[str, pd.Timestamp]]) -> pd.DataFrame:
    ev = pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(len(rows))],
            "article_id": [f"a{i}" for i in range(len(rows))],
            "symbol": [s for s, _ in rows],
            "t0": pd.DatetimeIndex([t for _, t in rows]).as_unit("ns"),
            "status": "ok",
        }
    ).astype({"event_id": "str", "article_id": "str", "symbol": "str"})
    ev.attrs["interval"] = "1d"
    return ev


def _closes(ret: np.ndarray, index: pd.DatetimeIndex = IDX) -> pd.DataFrame:
    return pd.DataFrame({"close": 100 * np.cumprod(1 + ret)}, index=index)


def _simple(close: np.ndarray) -> np.ndarray:
    out = np.full(len(close), np.nan)
    out[1:] = close[1:] / close[:-1] - 1
    return out


# ------------------------------------------------------------------------------------------
# degenerate fits


def test_near_perfect_fit_is_degenerate_not_significant() -> None:
    rng = np.random.default_rng(1)
    m = rng.normal(0, 0.01, len(IDX))
    frames = {
        "BENCH": _closes(m),
        "EXACT": _closes(0.0005 + 1.5 * m),  # a perfect market model up to rounding
        "NOISY": _closes(0.0005 + 1.5 * m + rng.normal(0, 0.005, len(IDX))),
    }
    t0 = IDX[400]
    res = event_study(_events([("EXACT", t0), ("NOISY", t0)]), source=FrameSource(frames),
                      windows=[(-1, 1)], estimation=(-250, -11), model="market_model",
                      benchmark="BENCH", tests=["cs_t", "patell"])  # fmt: skip
    # plain OLS on the estimation rows: the exact fit's s is rounding noise
    for sym, want_degenerate in (("EXACT", True), ("NOISY", False)):
        y = _simple(frames[sym]["close"].to_numpy())[400 - 250 : 400 - 10]
        x = _simple(frames["BENCH"]["close"].to_numpy())[400 - 250 : 400 - 10]
        X = np.column_stack([np.ones_like(x), x])
        resid = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
        s = np.sqrt(resid @ resid / (len(y) - 2))
        assert bool(s <= 1e-8 * np.sqrt(np.mean(y**2))) is want_degenerate
    status = dict(zip(res.params["symbol"], res.params["status"], strict=True))
    assert status == {"EXACT": "degenerate_estimation", "NOISY": "ok"}
    assert list(res.car["symbol"].unique()) == ["NOISY"]
    assert (res.tests["n"] == 1).all() and (res.caar["n"] == 1).all()
    assert res.info["event_status"] == {"ok": 1, "degenerate_estimation": 1}


# ------------------------------------------------------------------------------------------
# non-finite closes and user benchmarks


def test_compute_returns_never_turns_inf_into_a_return() -> None:
    close = np.array([100.0, 101.0, np.inf, 102.0, 103.0, -np.inf, 104.0])
    want = np.array([np.nan, 0.01, np.nan, np.nan, 103 / 102 - 1, np.nan, np.nan])
    np.testing.assert_allclose(compute_returns(close, "simple"), want, rtol=1e-15)
    want_log = np.log1p(want)
    np.testing.assert_allclose(compute_returns(close, "log"), want_log, rtol=1e-15)


@pytest.mark.parametrize("bad", [0.0, np.inf, -5.0])
@pytest.mark.parametrize("as_frame", [False, True])
def test_user_benchmark_with_bad_close_is_refused(bad: float, as_frame: bool) -> None:
    rng = np.random.default_rng(2)
    frames = {"AAA": _closes(rng.normal(0, 0.01, len(IDX)))}
    bench = _closes(rng.normal(0, 0.01, len(IDX)))["close"].rename("MYBENCH")
    bench.iloc[300] = bad
    b: pd.Series | pd.DataFrame = bench.to_frame("close") if as_frame else bench
    if as_frame:
        b.attrs["symbol"] = "MYBENCH"
    with pytest.raises(PriceDataError, match=r"MYBENCH.*2019-02-25"):
        event_study(_events([("AAA", IDX[400])]), source=FrameSource(frames), windows=[(0, 0)],
                    estimation=(-250, -11), model="market_model", benchmark=b, tests=None)  # fmt: skip
    assert str(IDX[300].date()) == "2019-02-25"


# ------------------------------------------------------------------------------------------
# missing returns inside a window


def test_incomplete_window_is_left_out_of_every_cross_sectional_number() -> None:
    rng = np.random.default_rng(3)
    ret = {s: rng.normal(0, 0.01, len(IDX)) for s in ("AAA", "BBB", "CCC")}
    frames = {s: _closes(r) for s, r in ret.items()}
    frames["BBB"].iloc[450, 0] = np.nan  # a missing close on BBB's day 0
    days = [400, 450, 500]
    rows = [(s, IDX[p]) for s in ("AAA", "BBB", "CCC") for p in days]
    res = event_study(_events(rows), source=FrameSource(frames), windows=[(-1, 1)],
                      estimation=(-250, -11), model="raw", tests=["cs_t"])  # fmt: skip
    par = res.params.set_index("event_id")
    bad = f"BBB@{IDX[450].date()}"
    assert par.loc[bad, "status"] == "incomplete_window"
    assert par.loc[bad, "n_window_days"] == 1  # day 0 and day +1 have no return
    assert (par.drop(bad)["status"] == "ok").all() and (par.drop(bad)["n_window_days"] == 3).all()
    assert bad not in set(res.car["event_id"])
    # the plain mean of the 8 complete events' raw CARs
    cars = []
    for s, p in rows:
        c = frames[s]["close"].to_numpy()
        r = _simple(c)[IDX.get_loc(p) - 1 : IDX.get_loc(p) + 2]
        if np.isfinite(r).all():
            cars.append(r.sum())
    assert len(cars) == 8
    caar = res.caar[res.caar["rel"] == 1]
    assert float(caar["caar"].iloc[0]) == pytest.approx(np.mean(cars), rel=1e-12)
    assert int(caar["n"].iloc[0]) == 8 and (res.caar["n_day"] == 8).all()
    t = res.tests.iloc[0]
    assert t["n"] == 8
    assert t["statistic"] == pytest.approx(np.mean(cars) / (np.std(cars, ddof=1) / np.sqrt(8)), rel=1e-12)
    assert res.info["event_status"]["incomplete_window"] == 1
    assert "incomplete_window 1" in res.summary().as_text()


# ------------------------------------------------------------------------------------------
# benchmark closed while the instrument trades


def test_benchmark_holiday_in_window_carries_its_last_close() -> None:
    rng = np.random.default_rng(4)
    frames = {"AAA": _closes(rng.normal(0, 0.01, len(IDX)))}
    bench = _closes(rng.normal(0, 0.01, len(IDX)))
    bench_c = bench["close"].to_numpy()
    hol = 401  # the benchmark is closed on day +1 of the event at 400
    bench_missing = bench.drop(IDX[hol])
    frames["BENCH"] = bench_missing
    res = event_study(_events([("AAA", IDX[400])]), source=FrameSource(frames), windows=[(-1, 3)],
                      estimation=(-250, -11), model="market_adjusted", benchmark="BENCH",
                      tests=None)  # fmt: skip
    r = _simple(frames["AAA"]["close"].to_numpy())
    m = _simple(bench_c)
    m[hol] = 0.0  # closed: its last close carried, no move that day
    m[hol + 1] = bench_c[hol + 1] / bench_c[hol - 1] - 1  # the next common day: the whole gap
    ab = res.abnormal.loc[f"AAA@{IDX[400].date()}"]
    want = {d: r[400 + d] - m[400 + d] for d in range(-1, 4)}
    for d, v in want.items():
        assert float(ab.loc[d, "ar"]) == pytest.approx(v, rel=1e-12)
    assert float(res.car["car"].iloc[0]) == pytest.approx(sum(want.values()), rel=1e-12)
    assert res.params["n_benchmark_closed"].tolist() == [1]
    assert res.info["n_benchmark_closed_days"] == 1
    assert "Benchmark closed:" in res.summary().as_text()
    # the estimation window is untouched: the fit drops no day here (holiday after it)
    assert int(res.params["L"].iloc[0]) == 240


# ------------------------------------------------------------------------------------------
# placebo clusters


def test_clustered_placebo_moves_a_cluster_together() -> None:
    """B's return is minus A's on every day: a draw that moves both events of a day 0 to one
    session has a CAAR of exactly 0; drawing them apart would not."""
    rng = np.random.default_rng(5)
    u = rng.normal(0, 0.01, len(IDX))
    frames = {"AAA": _closes(u), "BBB": _closes(-u)}
    days = [300, 420, 560]
    rows = [(s, IDX[p]) for p in days for s in ("AAA", "BBB")]
    res = event_study(_events(rows), source=FrameSource(frames), windows=[(0, 0)],
                      estimation=(-100, -11), model="raw", tests=["placebo"], placebo=200,
                      seed=1, min_estimation=80)  # fmt: skip
    np.testing.assert_allclose(res.placebo["caar"].to_numpy(), 0.0, atol=1e-15)  # draws apart: ~3e-3
    assert len(res.placebo) == 200


def test_placebo_never_draws_inside_an_event_span() -> None:
    """A +5 % return on the day after every article day: with windows (0, 0) and (0, 1)
    the span is (0, 1), so no placebo day 0 may be an article day or the day after it;
    every (0, 0) placebo CAAR is then exactly the constant."""
    r = np.full(len(IDX), 0.001)
    days = np.arange(150, 690, 9)
    r[days + 1] += 0.05
    frames = {"AAA": _closes(r)}
    res = event_study(_events([("AAA", IDX[p]) for p in days]), source=FrameSource(frames),
                      windows=[(0, 0), (0, 1)], estimation=(-100, -11), model="raw",
                      tests=["placebo"], placebo=300, seed=3, min_estimation=80)  # fmt: skip
    pl = res.placebo[res.placebo["window"] == (0, 0)]["caar"].to_numpy()
    np.testing.assert_allclose(pl, 0.001, rtol=1e-9)


def test_cluster_without_a_common_session_warns_and_notes() -> None:
    """AAA trades on even rows, BBB on odd ones; both trade on the event days only."""
    rng = np.random.default_rng(6)
    days = [300, 420, 560]
    i = np.arange(len(IDX))
    frames = {}
    for sym, parity in (("AAA", 0), ("BBB", 1)):
        keep = (i % 2 == parity) | np.isin(i, days)
        frames[sym] = _closes(rng.normal(0, 0.01, int(keep.sum())), IDX[keep])
    rows = [(s, IDX[p]) for p in days for s in ("AAA", "BBB")]
    with pytest.warns(StudyWarning, match="share no eligible session"):
        res = event_study(_events(rows), source=FrameSource(frames), windows=[(0, 0)],
                          estimation=(-60, -11), model="raw", tests=["placebo"], placebo=50, min_estimation=20,
                          seed=2)  # fmt: skip
    assert any("share no eligible session" in n for n in res.info["notes"])
    assert "share no eligible session" in res.summary().as_text()


# ------------------------------------------------------------------------------------------
# results that can be kept


def test_results_pickle_and_deepcopy_round_trip_and_stay_immutable() -> None:
    rng = np.random.default_rng(7)
    frames = {s: _closes(rng.normal(0, 0.01, len(IDX))) for s in ("AAA", "BBB")}
    rows = [(s, IDX[p]) for s in ("AAA", "BBB") for p in (300, 400, 500)]
    res = event_study(_events(rows), source=FrameSource(frames), windows=[(-1, 1)],
                      estimation=(-250, -11), model="constant_mean", tests=["cs_t", "corrado", "placebo"],
                      placebo=20, seed=1)  # fmt: skip
    for other in (pickle.loads(pickle.dumps(res)), copy.deepcopy(res), copy.copy(res)):
        for name in ("events", "abnormal", "car", "caar", "tests", "params", "placebo"):
            pd.testing.assert_frame_equal(getattr(other, name), getattr(res, name))
        assert dict(other.options) == dict(res.options)
        assert dict(other.info["event_status"]) == dict(res.info["event_status"])
        with pytest.raises(dataclasses.FrozenInstanceError):
            other.options = {}  # type: ignore[misc]
        with pytest.raises(TypeError):
            other.info["n_events"] = 0  # type: ignore[index]
        with pytest.raises(TypeError):
            other.info["event_status"]["ok"] = 0  # type: ignore[index]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pickle.loads(pickle.dumps(res, protocol=pickle.HIGHEST_PROTOCOL))


# ------------------------------------------------------------------------------------------
# Corrado's rank period


def _corrado_loop(ret: dict[str, np.ndarray], rows: list[tuple[str, int]], est: tuple[int, int],
                  ranked: tuple[int, int], window: tuple[int, int]) -> float:
    """Corrado (1989) / Cowan multi-day rank z, one event at a time with scipy's rankdata:
    ranks over the estimation days plus the ``ranked`` event days, mean rank deviation per
    relative day, its s.d. over all ranked days, z = sum over the window / (sqrt(W) sd)."""
    from scipy.stats import rankdata

    rel = list(range(est[0], est[1] + 1)) + list(range(ranked[0], ranked[1] + 1))
    u = []
    for sym, p in rows:
        x = np.array([ret[sym][p + d] for d in rel])  # raw model: AR = return
        u.append(rankdata(x) / (len(x) + 1) - 0.5)
    ubar = np.mean(u, axis=0)
    sd = np.sqrt(np.mean(ubar**2))
    cols = [rel.index(d, est[1] - est[0] + 1) for d in range(window[0], window[1] + 1)]
    return float(ubar[cols].sum() / (np.sqrt(len(cols)) * sd))


def test_corrado_rank_period_window_and_event_period() -> None:
    rng = np.random.default_rng(8)
    frames = {s: _closes(rng.normal(0, 0.01, len(IDX))) for s in ("AAA", "BBB")}
    ret = {s: _simple(f["close"].to_numpy()) for s, f in frames.items()}
    days = [300, 340, 410, 480, 530, 600]
    rows = [(s, p) for s in ("AAA", "BBB") for p in days]
    est, windows = (-150, -11), [(0, 0), (-3, 5)]
    for period in ("window", "event_period"):
        res = event_study(_events([(s, IDX[p]) for s, p in rows]), source=FrameSource(frames),
                          windows=windows, estimation=est, model="raw", tests=["corrado"],
                          rank_period=period)  # fmt: skip
        assert res.options["rank_period"] == period
        for w in windows:
            ranked = w if period == "window" else (-3, 5)
            row = res.tests[res.tests["window"] == w].iloc[0]
            want = _corrado_loop(ret, rows, est, ranked, w)
            assert row["statistic"] == pytest.approx(want, rel=1e-12)
            label = "estimation window + window" if period == "window" else "estimation window + event period"
            assert label in row["convention"]
    # the two periods agree on the whole span and differ on the sub-window
    a = event_study(_events([(s, IDX[p]) for s, p in rows]), source=FrameSource(frames), windows=windows,
                    estimation=est, model="raw", tests=["corrado"]).tests["statistic"].to_numpy()
    assert a[1] == pytest.approx(_corrado_loop(ret, rows, est, (-3, 5), (-3, 5)), rel=1e-12)
    assert a[0] != pytest.approx(_corrado_loop(ret, rows, est, (-3, 5), (0, 0)), rel=1e-6)


def test_rank_period_is_checked() -> None:
    from mktnews.errors import InvalidOptionError

    frames = {"AAA": _closes(np.full(len(IDX), 0.001))}
    with pytest.raises(InvalidOptionError, match="rank_period"):
        event_study(_events([("AAA", IDX[400])]), source=FrameSource(frames), rank_period="all")  # type: ignore[arg-type]
