"""Tests of mktnews.inference against plain, per-event reference code written here.

Every statistic is recomputed by an obviously-correct loop over events (dicts keyed by
relative day and calendar date, scipy/statsmodels where they apply) on generated data, on
abnormal returns computed here with pandas from real index closes, and on tiny cases small
enough to check by hand.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.descriptivestats import sign_test as sm_sign_test
from statsmodels.stats.weightstats import DescrStatsW

from mktnews import inference
from mktnews.errors import InvalidOptionError
from mktnews.inference import CONVENTIONS, TESTS, TestInput, TestResult, run_tests

REL = 1e-10
ABS = 1e-12


# ----------------------------------------------------------------------------------------
# Events as plain records, and the builder of the engine-side matrices
# ----------------------------------------------------------------------------------------
@dataclass
class Ev:
    """One event: only the values that exist (missing ones are simply absent)."""

    win: dict[int, tuple[int, float]]  # relative day -> (calendar key, AR)
    est: dict[int, tuple[int, float]]  # relative day -> (calendar key, residual)
    s: float
    sd_car: float
    L: float
    car: float = field(init=False)

    def __post_init__(self) -> None:
        vals = [v for _, v in self.win.values()]
        self.car = float(sum(vals)) if vals else math.nan


def build(events: list[Ev], window: tuple[int, int], est: tuple[int, int], k: int) -> TestInput:
    """The TestInput the engine would build from these events (NaN / -1 padded)."""
    a, b = window
    n, w, ln = len(events), b - a + 1, est[1] - est[0] + 1
    ar = np.full((n, w), np.nan)
    ek = np.full((n, w), -1, dtype=np.int64)
    er = np.full((n, ln), np.nan)
    kk = np.full((n, ln), -1, dtype=np.int64)
    for i, e in enumerate(events):
        for d, (key, v) in e.win.items():
            ar[i, d - a] = v
            ek[i, d - a] = key
        for d, (key, v) in e.est.items():
            er[i, d - est[0]] = v
            kk[i, d - est[0]] = key
    s = np.array([e.s for e in events])
    return TestInput(
        window=window,
        ar=ar,
        sd_ar=np.where(np.isfinite(ar), s[:, None], np.nan),
        car=np.array([e.car for e in events]),
        sd_car=np.array([e.sd_car for e in events]),
        est_ar=er,
        est_keys=kk,
        evt_keys=ek,
        s=s,
        L=np.array([e.L for e in events]),
        k=k,
    )


# ----------------------------------------------------------------------------------------
# Reference implementations: one plain loop per statistic
# ----------------------------------------------------------------------------------------
def has_car(e: Ev) -> bool:
    return len(e.win) > 0 and math.isfinite(e.car)


def p_norm(z: float) -> float:
    return 2 * stats.norm.sf(abs(z))


def p_t(t: float, df: float) -> float:
    return 2 * stats.t.sf(abs(t), df)


def ref_cs_t(events: list[Ev]) -> tuple[float, float, int]:
    cars = [e.car for e in events if has_car(e)]
    res = stats.ttest_1samp(cars, 0.0)
    return float(res.statistic), float(res.pvalue), len(cars)


def ref_bw_t(events: list[Ev]) -> tuple[float, float, int]:
    used = [e for e in events if has_car(e) and math.isfinite(e.s)]
    n = len(used)
    caar = sum(e.car for e in used) / n
    var = 0.0
    for e in used:
        var += len(e.win) * e.s**2
    z = caar / (math.sqrt(var) / n)
    return z, p_norm(z), n


def ref_cda_t(events: list[Ev], window: tuple[int, int]) -> tuple[float, float, int]:
    used = [e for e in events if has_car(e)]
    by_day: dict[int, list[float]] = defaultdict(list)
    for e in used:
        for d, (_, v) in e.est.items():
            by_day[d].append(v)
    aar = [float(np.mean(v)) for v in by_day.values()]
    sd = float(np.std(aar, ddof=1))
    win_days = {d for e in used for d in e.win}
    caar = float(np.mean([e.car for e in used]))
    t = caar / (sd * math.sqrt(len(win_days)))
    return t, p_t(t, len(aar) - 1), len(used)


def patell_used(events: list[Ev], k: int) -> list[Ev]:
    return [e for e in events if has_car(e) and e.sd_car > 0 and e.L - k > 2]


def ref_patell(events: list[Ev], k: int) -> tuple[float, float, int]:
    used = patell_used(events, k)
    num = 0.0
    den = 0.0
    for e in used:
        num += e.car / e.sd_car
        den += (e.L - k) / (e.L - k - 2)
    z = num / math.sqrt(den)
    return z, p_norm(z), len(used)


def bmp_used(events: list[Ev]) -> list[Ev]:
    return [e for e in events if has_car(e) and e.sd_car > 0]


def ref_bmp(events: list[Ev]) -> tuple[float, float, int]:
    scar = [e.car / e.sd_car for e in bmp_used(events)]
    res = stats.ttest_1samp(scar, 0.0)  # BMP is a one-sample t test of the SCARs
    return float(res.statistic), float(res.pvalue), len(scar)


def ref_rbar(used: list[Ev], min_overlap: int = 30) -> float:
    """Mean over pairs of corr(residuals on common dates) * shared window days share."""
    total = 0.0
    counted = 0
    for ei, ej in itertools.combinations(used, 2):
        wi = {key for key, _ in ei.win.values()}
        wj = {key for key, _ in ej.win.values()}
        shared = len(wi & wj)
        if shared == 0:
            counted += 1  # uncorrelated CARs: contributes 0
            continue
        si = pd.Series(dict(ei.est.values()))
        sj = pd.Series(dict(ej.est.values()))
        both = pd.concat([si, sj], axis=1, join="inner").dropna()
        if len(both) < min_overlap:
            continue
        rho = np.corrcoef(both.iloc[:, 0].to_numpy(), both.iloc[:, 1].to_numpy())[0, 1]
        if not np.isfinite(rho):
            continue
        total += rho * shared / math.sqrt(len(wi) * len(wj))
        counted += 1
    return total / counted if counted else (0.0 if len(used) < 2 else math.nan)


def ref_kp_patell(events: list[Ev], k: int) -> tuple[float, float, int]:
    z, _, n = ref_patell(events, k)
    r = ref_rbar(patell_used(events, k))
    if not 1 + (n - 1) * r > 0:
        return math.nan, math.nan, n
    za = z / math.sqrt(1 + (n - 1) * r)
    return za, p_norm(za), n


def ref_kp_bmp(events: list[Ev]) -> tuple[float, float, int]:
    t, _, n = ref_bmp(events)
    r = ref_rbar(bmp_used(events))
    if not 1 + (n - 1) * r > 0:
        return math.nan, math.nan, n
    ta = t * math.sqrt((1 - r) / (1 + (n - 1) * r))
    return ta, p_t(ta, n - 1), n


def ref_sign(events: list[Ev]) -> tuple[float, float, int]:
    pos = neg = 0
    for e in events:
        if has_car(e) and e.car > 0:
            pos += 1
        elif has_car(e) and e.car < 0:
            neg += 1
    n = pos + neg
    z = (pos - n / 2) / math.sqrt(n / 4)
    return z, float(stats.binomtest(pos, n, 0.5).pvalue), n


def ref_gen_sign(events: list[Ev]) -> tuple[float, float, int]:
    used = [e for e in events if has_car(e) and len(e.est) > 0]
    shares = []
    for e in used:
        shares.append(sum(1 for _, v in e.est.values() if v > 0) / len(e.est))
    p = sum(shares) / len(shares)
    n = len(used)
    w = sum(1 for e in used if e.car > 0)
    z = (w - n * p) / math.sqrt(n * p * (1 - p))
    return z, p_norm(z), n


def ref_corrado(events: list[Ev], window: tuple[int, int]) -> tuple[float, float, int]:
    used = [e for e in events if has_car(e) and len(e.est) > 0]
    n = len(used)
    by_day: dict[int, list[float]] = defaultdict(list)
    for e in used:
        days = list(e.est) + list(e.win)
        vals = [e.est[d][1] for d in e.est] + [e.win[d][1] for d in e.win]
        ranks = stats.rankdata(vals)  # ties averaged
        for d, r in zip(days, ranks, strict=True):
            by_day[d].append(r / (len(vals) + 1) - 0.5)
    big_t = len(by_day)
    s2 = sum(len(v) / n * np.mean(v) ** 2 for v in by_day.values()) / big_t
    win_days = [d for d in range(window[0], window[1] + 1) if d in by_day]
    z = sum(np.mean(by_day[d]) for d in win_days) / math.sqrt(len(win_days)) / math.sqrt(s2)
    return float(z), p_norm(z), n


def ref_grank(events: list[Ev]) -> tuple[float, float, int]:
    used = [e for e in events if has_car(e) and e.sd_car > 0 and e.s > 0 and len(e.est) > 0]
    n = len(used)
    scar = [e.car / e.sd_car for e in used]
    sd = float(np.std(scar, ddof=1))
    by_day: dict[object, list[float]] = defaultdict(list)
    for e, sc in zip(used, scar, strict=True):
        days: list[object] = [*list(e.est), "cumulative event day"]
        vals = [e.est[d][1] / e.s for d in e.est] + [sc / sd]
        ranks = stats.rankdata(vals)
        for d, r in zip(days, ranks, strict=True):
            by_day[d].append(r / (len(vals) + 1) - 0.5)
    big_t = len(by_day)
    s2 = sum(len(v) / n * np.mean(v) ** 2 for v in by_day.values()) / big_t
    z = float(np.mean(by_day["cumulative event day"])) / math.sqrt(s2)
    t = z * math.sqrt((big_t - 2) / (big_t - 1 - z * z))
    return t, p_t(t, big_t - 2), n


def ref_wilcoxon(events: list[Ev]) -> tuple[float, float, int]:
    cars = np.array([e.car for e in events if has_car(e)])
    res = stats.wilcoxon(cars)
    return float(res.statistic), float(res.pvalue), int(np.sum(cars != 0))


def reference(
    events: list[Ev], window: tuple[int, int], k: int
) -> dict[str, tuple[float, float, int]]:
    return {
        "cs_t": ref_cs_t(events),
        "bw_t": ref_bw_t(events),
        "cda_t": ref_cda_t(events, window),
        "patell": ref_patell(events, k),
        "bmp": ref_bmp(events),
        "kp_patell": ref_kp_patell(events, k),
        "kp_bmp": ref_kp_bmp(events),
        "sign": ref_sign(events),
        "gen_sign": ref_gen_sign(events),
        "corrado": ref_corrado(events, window),
        "grank": ref_grank(events),
        "wilcoxon": ref_wilcoxon(events),
    }


def assert_matches(results: list[TestResult], ref: dict[str, tuple[float, float, int]]) -> None:
    got = {r.test: r for r in results}
    assert set(got) == set(ref)
    for name, (stat, p, n) in ref.items():
        r = got[name]
        assert r.n == n, name
        assert r.statistic == pytest.approx(stat, rel=REL, abs=ABS), name
        assert r.p_value == pytest.approx(p, rel=REL, abs=ABS), name


# ----------------------------------------------------------------------------------------
# Generated data: a calendar, a common market shock per date, clustered event dates
# ----------------------------------------------------------------------------------------
def generate(
    seed: int,
    n: int,
    window: tuple[int, int],
    est: tuple[int, int] = (-120, -11),
    *,
    effect: float = 0.0,
    missing: float = 0.0,
    n_clusters: int = 4,
    k: int = 1,
) -> list[Ev]:
    rng = np.random.default_rng(seed)
    # calendar keys: trading days with weekend-like gaps
    steps = rng.choice([1, 1, 1, 1, 3], size=3000)
    calendar = np.cumsum(steps) + 15000
    market = rng.normal(0.0, 0.01, size=calendar.size)
    centres = rng.integers(400, 2500, size=n_clusters)
    events = []
    for _ in range(n):
        p0 = int(rng.choice(centres) + rng.integers(-2, 3))  # partial overlap of windows
        beta = rng.uniform(0.3, 1.5)
        sigma = rng.uniform(0.005, 0.02)

        def value(pos: int, beta: float = beta, sigma: float = sigma) -> float:
            return float(beta * market[pos] + rng.standard_t(5) * sigma)

        est_vals = {d: (int(calendar[p0 + d]), value(p0 + d)) for d in range(est[0], est[1] + 1)}
        win_vals = {
            d: (int(calendar[p0 + d]), value(p0 + d) + effect)
            for d in range(window[0], window[1] + 1)
        }
        est_vals = {d: v for d, v in est_vals.items() if rng.random() >= missing}
        win_vals = {d: v for d, v in win_vals.items() if rng.random() >= missing / 2}
        resid = np.array([v for _, v in est_vals.values()])
        L = resid.size
        s = float(np.sqrt(np.sum((resid - resid.mean()) ** 2) / (L - k)))
        w = max(len(win_vals), 1)
        events.append(Ev(win_vals, est_vals, s, s * math.sqrt(w + w * w / L), float(L)))
    return events


@pytest.mark.parametrize(
    ("seed", "n", "window", "missing"),
    [
        (1, 40, (-1, 1), 0.0),
        (2, 25, (0, 0), 0.0),
        (3, 60, (-5, 5), 0.05),
        (4, 12, (0, 2), 0.10),
        (5, 33, (1, 1), 0.02),
    ],
)
def test_generated_null_matches_reference(
    seed: int, n: int, window: tuple[int, int], missing: float
) -> None:
    events = generate(seed, n, window, missing=missing)
    inp = build(events, window, (-120, -11), k=1)
    assert_matches(run_tests(inp, "all"), reference(events, window, k=1))


def test_generated_effect_matches_reference_and_is_detected() -> None:
    window = (-1, 1)
    events = generate(7, 80, window, effect=0.01, missing=0.03, k=2)
    inp = build(events, window, (-120, -11), k=2)
    results = run_tests(inp, "all")
    assert_matches(results, reference(events, window, k=2))
    # a 1% abnormal return per day for 80 events: every test must reject at 1%
    for r in results:
        assert r.p_value < 0.01, r


def test_kp_rbar_is_positive_for_clustered_market_shocks() -> None:
    # all events on the same day: r is the plain mean pairwise residual correlation (KP 2010)
    window = (0, 0)
    events = generate(11, 30, window, n_clusters=1)
    for e in events:  # put every window on the same calendar key
        e.win = {0: (99999, e.win[0][1])}
        e.car = e.win[0][1]
    inp = build(events, window, (-120, -11), k=1)
    rbar, pairs, left_out = inference.mean_pairwise_correlation(inp)
    # independent check with pandas: date x event frame, DataFrame.corr (pairwise complete)
    frame = pd.DataFrame({i: pd.Series(dict(e.est.values())) for i, e in enumerate(events)})
    corr = frame.corr(min_periods=30).to_numpy()
    upper = corr[np.triu_indices(len(events), k=1)]
    assert rbar == pytest.approx(float(np.nanmean(upper)), rel=REL)
    assert pairs + left_out == 30 * 29 // 2
    assert rbar > 0.05  # the common market shock makes the residuals correlated
    got = {r.test: r for r in run_tests(inp, ["patell", "kp_patell", "bmp", "kp_bmp"])}
    assert got["kp_patell"].statistic == pytest.approx(
        got["patell"].statistic / math.sqrt(1 + 29 * rbar), rel=REL
    )
    assert got["kp_bmp"].statistic == pytest.approx(
        got["bmp"].statistic * math.sqrt((1 - rbar) / (1 + 29 * rbar)), rel=REL
    )


def test_rbar_blocks_give_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    window = (-2, 2)
    events = generate(12, 70, window, missing=0.05, n_clusters=2)
    inp = build(events, window, (-120, -11), k=1)
    whole = inference.mean_pairwise_correlation(inp)
    monkeypatch.setattr(inference, "_PAIR_BLOCK_CELLS", 50)  # blocks of one or two events
    blocked = inference.mean_pairwise_correlation(inp)
    assert blocked[1:] == whole[1:]
    assert blocked[0] == pytest.approx(whole[0], rel=REL)
    assert whole[0] == pytest.approx(ref_rbar(events), rel=REL)


def test_rbar_min_overlap_leaves_pairs_out() -> None:
    window = (0, 0)
    # two events on the same day whose estimation residuals share only 20 dates
    rng = np.random.default_rng(3)
    e1 = Ev({0: (500, 0.01)}, {d: (400 + d + 60, rng.normal()) for d in range(-60, -10)}, 1, 1, 50)
    e2 = Ev({0: (500, 0.02)}, {d: (400 + d + 90, rng.normal()) for d in range(-60, -10)}, 1, 1, 50)
    e3 = Ev({0: (900, 0.03)}, {d: (800 + d + 60, rng.normal()) for d in range(-60, -10)}, 1, 1, 50)
    inp = build([e1, e2, e3], window, (-60, -11), k=1)
    rbar, pairs, left_out = inference.mean_pairwise_correlation(inp)
    # (e1, e2): 20 common dates < 30: left out; (e1, e3), (e2, e3): windows disjoint -> 0
    assert (rbar, pairs, left_out) == (0.0, 2, 1)
    only_short = inference.mean_pairwise_correlation(inp, np.array([True, True, False]))
    assert math.isnan(only_short[0]) and only_short[1:] == (0, 1)
    kp = run_tests(build([e1, e2], window, (-60, -11), k=1), ["kp_patell", "kp_bmp"])
    assert all(math.isnan(r.statistic) and "30 common" in r.convention for r in kp)


# ----------------------------------------------------------------------------------------
# Real data: constant-mean abnormal returns of 20 index events, computed here with pandas
# ----------------------------------------------------------------------------------------
REAL_SYMBOLS = ("^GDAXI", "^FCHI", "^FTSE", "^STOXX50E")
REAL_DATES = ("2011-08-08", "2016-06-24", "2020-03-12", "2022-02-24", "2024-11-27")


def real_events(daily_dir: Path, window: tuple[int, int]) -> list[Ev]:
    a, b = window
    events = []
    for sym in REAL_SYMBOLS:
        px = pd.read_csv(daily_dir / f"{sym}.csv", parse_dates=["Date"]).set_index("Date")
        ret = px["Close"].pct_change()
        keys = (ret.index - pd.Timestamp("1970-01-01")).days
        for date in REAL_DATES:
            p0 = ret.index.get_loc(pd.Timestamp(date))
            est = ret.iloc[p0 - 250 : p0 - 10]  # relative days -250..-11
            assert len(est) == 240 and est.notna().all()
            mu = est.mean()
            resid = est - mu
            L = len(resid)
            s = math.sqrt(float((resid**2).sum()) / (L - 1))
            w = b - a + 1
            events.append(
                Ev(
                    win={
                        d: (int(keys[p0 + d]), float(ret.iloc[p0 + d] - mu))
                        for d in range(a, b + 1)
                    },
                    est={
                        -250 + j: (int(keys[p0 - 250 + j]), float(resid.iloc[j])) for j in range(L)
                    },
                    s=s,
                    sd_car=s * math.sqrt(w + w * w / L),
                    L=float(L),
                )
            )
    return events


@pytest.mark.shared_data
@pytest.mark.parametrize("window", [(0, 0), (-1, 1), (-5, 5), (1, 3)])
def test_real_index_events_match_reference(daily_dir: Path, window: tuple[int, int]) -> None:
    events = real_events(daily_dir, window)
    assert len(events) == 20
    inp = build(events, window, (-250, -11), k=1)
    results = run_tests(inp, "all")
    assert_matches(results, reference(events, window, k=1))
    assert all(r.n == 20 for r in results)


@pytest.mark.shared_data
def test_real_index_events_rbar_against_pandas(daily_dir: Path) -> None:
    # same-day events of the four indices: their window dates coincide (weight 1), events on
    # different days share no window date (weight 0): r = sum of same-day correlations / 190
    window = (-1, 1)
    events = real_events(daily_dir, window)
    inp = build(events, window, (-250, -11), k=1)
    rbar, pairs, left_out = inference.mean_pairwise_correlation(inp)
    total = 0.0
    for j in range(len(REAL_DATES)):
        same_day = events[j :: len(REAL_DATES)]  # the four indices' events of date j
        frame = pd.DataFrame({i: pd.Series(dict(e.est.values())) for i, e in enumerate(same_day)})
        corr = frame.corr(min_periods=30).to_numpy()
        total += float(corr[np.triu_indices(4, k=1)].sum())
    assert (pairs, left_out) == (190, 0)
    assert rbar == pytest.approx(total / 190, rel=REL)
    # European indices move together: same-day residual correlations are high
    assert total / (6 * len(REAL_DATES)) > 0.7


@pytest.mark.shared_data
def test_real_euro_stoxx_seed_day_one_event(daily_dir: Path) -> None:
    # one event: the seed article's day, 2024-11-27, Euro STOXX 50 (close 4733.1499 after
    # 4761.9902): AR(0) = -0.6048% minus the estimation mean
    px = pd.read_csv(daily_dir / "^STOXX50E.csv", parse_dates=["Date"]).set_index("Date")
    assert px.loc["2024-11-27", "Close"] == pytest.approx(4733.1499, abs=1e-4)
    assert px.loc["2024-11-26", "Close"] == pytest.approx(4761.9902, abs=1e-4)
    events = real_events(daily_dir, (0, 0))[19:20]  # ^STOXX50E x 2024-11-27
    ret0 = 4733.1499 / 4761.9902 - 1
    mu = ret0 - events[0].car
    assert abs(mu) < 1e-3  # the estimation mean is small
    inp = build(events, (0, 0), (-250, -11), k=1)
    got = {r.test: r for r in run_tests(inp, "all")}
    assert got["cs_t"].n == 1 and math.isnan(got["cs_t"].statistic)
    assert "at least 2" in got["cs_t"].convention
    z = events[0].car / events[0].sd_car / math.sqrt(239 / 237)
    assert got["patell"].statistic == pytest.approx(z, rel=REL)
    assert got["kp_patell"].statistic == pytest.approx(z, rel=REL)  # N = 1: no adjustment
    assert got["sign"].statistic == pytest.approx(-1.0) and got["sign"].p_value == 1.0


# ----------------------------------------------------------------------------------------
# Hand-checkable tiny cases
# ----------------------------------------------------------------------------------------
def tiny(cars: list[float], est: list[list[float]] | None = None, k: int = 1) -> TestInput:
    """One-day events on distinct dates, s = sd_CAR = 0.01, optional estimation residuals."""
    if est is None:
        events = [Ev({0: (1000 + 10 * i, c)}, {}, 0.01, 0.01, 0.0) for i, c in enumerate(cars)]
        return build_no_est(events, k)
    width = max(len(r) for r in est)
    events = [
        Ev(
            {0: (1000 + 10 * i, c)},
            {-width - 1 + j: (900 + 10 * i + j, v) for j, v in enumerate(r)},
            0.01,
            0.01,
            float(len(r)),
        )
        for i, (c, r) in enumerate(zip(cars, est, strict=True))
    ]
    return build(events, (0, 0), (-width - 1, -2), k=k)


def build_no_est(events: list[Ev], k: int) -> TestInput:
    n = len(events)
    ar = np.array([[e.win[0][1]] for e in events])
    return TestInput(
        (0, 0),
        ar,
        np.full((n, 1), 0.01),
        ar[:, 0].copy(),
        np.array([e.sd_car for e in events]),
        np.zeros((n, 0)),
        np.zeros((n, 0), dtype=np.int64),
        np.array([[e.win[0][0]] for e in events], dtype=np.int64),
        np.array([e.s for e in events]),
        np.zeros(n),
        k,
    )


def by_name(inp: TestInput, *names: str) -> dict[str, TestResult]:
    return {r.test: r for r in run_tests(inp, list(names))}


def test_sign_three_events_by_hand() -> None:
    r = by_name(tiny([0.01, 0.02, -0.005]), "sign")["sign"]
    # 2 of 3 positive: z = (2 - 1.5) / sqrt(3/4) = 0.57735..., exact p = 1
    assert (r.n, r.statistic, r.p_value) == (3, pytest.approx(0.5773502691896258), 1.0)
    r = by_name(tiny([0.01, 0.02, 0.005]), "sign")["sign"]
    # 3 of 3 positive: z = sqrt(3), p = 2 * (1/2)^3 = 0.25
    assert r.statistic == pytest.approx(math.sqrt(3)) and r.p_value == pytest.approx(0.25)
    # a zero CAR is dropped
    r = by_name(tiny([0.01, 0.0, 0.005]), "sign")["sign"]
    assert r.n == 2 and r.p_value == pytest.approx(0.5)


def test_sign_p_value_equals_statsmodels_sign_test() -> None:
    cars = [0.01, -0.02, 0.03, 0.004, 0.02, -0.001, 0.05, 0.002, 0.01]
    r = by_name(tiny(cars), "sign")["sign"]
    m, p = sm_sign_test(np.array(cars), 0.0)
    assert r.p_value == pytest.approx(p, rel=REL)
    assert r.statistic == pytest.approx(2 * m / math.sqrt(len(cars)), rel=REL)  # M=(pos-neg)/2


def test_cs_t_by_hand_and_statsmodels() -> None:
    r = by_name(tiny([1.0, 2.0, 3.0]), "cs_t")["cs_t"]
    # mean 2, sd 1: t = 2 / (1/sqrt 3) = 3.4641..., df 2: p = 0.0741799...
    assert r.statistic == pytest.approx(2 * math.sqrt(3), rel=REL)
    assert r.p_value == pytest.approx(2 * stats.t.sf(2 * math.sqrt(3), 2), rel=REL)
    cars = [0.013, -0.002, 0.021, 0.007, -0.011, 0.004]
    r = by_name(tiny(cars), "cs_t")["cs_t"]
    tstat, p, df = DescrStatsW(np.array(cars)).ttest_mean(0.0)
    assert (r.statistic, r.p_value, r.n) == (
        pytest.approx(tstat, rel=REL),
        pytest.approx(p, rel=REL),
        df + 1,
    )


def test_patell_two_events_by_hand() -> None:
    # SCARs 1 and 2 (CAR / sd_CAR), L = 12, k = 1: Z = 3 / sqrt(2 * 11/9) = 1.91880...
    est = [[0.001 * (j - 5.5) for j in range(12)], [0.002 * (j % 3 - 1) for j in range(12)]]
    inp = tiny([0.01, 0.02], est)
    r = by_name(inp, "patell", "kp_patell")
    assert r["patell"].statistic == pytest.approx(3 / math.sqrt(22 / 9), rel=REL)
    assert r["patell"].p_value == pytest.approx(2 * stats.norm.sf(3 / math.sqrt(22 / 9)))
    # windows on different dates: r = 0, the KP adjustment is the identity
    assert r["kp_patell"].statistic == pytest.approx(r["patell"].statistic, rel=REL)


def test_gen_sign_by_hand() -> None:
    # shares of positive estimation residuals 2/4 and 1/4: p = 3/8; 2 of 2 CARs positive
    est = [[0.01, 0.02, -0.01, -0.03], [0.01, -0.02, -0.01, -0.03]]
    r = by_name(tiny([0.01, 0.03], est), "gen_sign")["gen_sign"]
    p = 3 / 8
    assert r.statistic == pytest.approx((2 - 2 * p) / math.sqrt(2 * p * (1 - p)), rel=REL)


def test_corrado_one_day_by_hand() -> None:
    # event 1: est (0.01, -0.02, 0.03), day 0 = 0.05 -> ranks 2, 1, 3, 4; U = K/5 - 1/2
    #          U = (-0.1, -0.3, 0.1, 0.3)
    # event 2: est (0.00, 0.02, 0.04), day 0 = 0.01 -> ranks 1, 3, 4, 2
    #          U = (-0.3, 0.1, 0.3, -0.1)
    # Ubar = (-0.2, -0.1, 0.2, 0.1); S^2 = (0.04 + 0.01 + 0.04 + 0.01) / 4 = 0.025
    # z = 0.1 / sqrt(0.025) = sqrt(0.4)
    est = [[0.01, -0.02, 0.03], [0.00, 0.02, 0.04]]
    r = by_name(tiny([0.05, 0.01], est), "corrado")["corrado"]
    assert r.statistic == pytest.approx(math.sqrt(0.4), rel=REL)
    assert r.p_value == pytest.approx(2 * stats.norm.sf(math.sqrt(0.4)), rel=REL)
    # event 2 day 0 = 0.05 -> ranks 1, 2, 3, 4: U = (-0.3, -0.1, 0.1, 0.3)
    # Ubar = (-0.2, -0.2, 0.1, 0.3); S^2 = (0.04 + 0.04 + 0.01 + 0.09) / 4 = 0.045
    r = by_name(tiny([0.05, 0.05], est), "corrado")["corrado"]
    assert r.statistic == pytest.approx(0.3 / math.sqrt(0.045), rel=REL)


def test_grank_by_hand() -> None:
    # three events, 4 estimation residuals each (s = 0.01 -> SAR = resid / 0.01)
    est = [
        [0.010, -0.020, 0.005, 0.001],
        [-0.003, 0.002, 0.004, -0.010],
        [0.007, -0.001, -0.006, 0.002],
    ]
    cars = [0.02, 0.03, -0.005]
    inp = tiny(cars, est)
    r = by_name(inp, "grank")["grank"]
    scar = np.array(cars) / 0.01
    star = scar / np.std(scar, ddof=1)
    u = []
    for row, g in zip(est, star, strict=True):
        vals = [v / 0.01 for v in row] + [g]
        u.append(stats.rankdata(vals) / 6 - 0.5)
    ubar = np.mean(u, axis=0)
    s = math.sqrt(np.mean(ubar**2))
    z = ubar[-1] / s
    t = z * math.sqrt(3 / (4 - z * z))  # T = 5 time points
    assert r.statistic == pytest.approx(t, rel=REL)
    assert r.p_value == pytest.approx(2 * stats.t.sf(abs(t), 3), rel=REL)


# ----------------------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------------------
def test_kp_equals_unadjusted_when_residuals_uncorrelated() -> None:
    # two events on the same day, estimation residuals orthogonal (Walsh patterns, 32 dates)
    j = np.arange(32)
    x = np.where(j % 2 == 0, 1.0, -1.0) * 0.01
    y = np.where((j // 2) % 2 == 0, 1.0, -1.0) * 0.01
    assert float(np.dot(x - x.mean(), y - y.mean())) == 0.0
    events = [
        Ev(
            {0: (5000, 0.02)},
            {d: (4900 + d + 43, float(v)) for d, v in zip(range(-43, -11), x, strict=True)},
            0.01,
            0.011,
            32.0,
        ),
        Ev(
            {0: (5000, 0.01)},
            {d: (4900 + d + 43, float(v)) for d, v in zip(range(-43, -11), y, strict=True)},
            0.01,
            0.012,
            32.0,
        ),
        Ev(
            {0: (5000, 0.03)},
            {d: (4900 + d + 43, float(v)) for d, v in zip(range(-43, -11), -x, strict=True)},
            0.01,
            0.013,
            32.0,
        ),
    ]
    # third event: -x, perfectly negatively correlated with the first; leave it out here
    inp = build(events[:2], (0, 0), (-43, -12), k=1)
    assert inference.mean_pairwise_correlation(inp)[0] == pytest.approx(0.0, abs=1e-15)
    r = by_name(inp, "patell", "kp_patell", "bmp", "kp_bmp")
    assert r["kp_patell"].statistic == pytest.approx(r["patell"].statistic, rel=1e-14)
    assert r["kp_bmp"].statistic == pytest.approx(r["bmp"].statistic, rel=1e-14)
    assert r["kp_bmp"].p_value == pytest.approx(r["bmp"].p_value, rel=1e-12)
    # with the third: pairs (0,1)=0, (0,2)=-1, (1,2)=0 -> r = -1/3 and 1 + (N-1) r = 1/3
    inp3 = build(events, (0, 0), (-43, -12), k=1)
    assert inference.mean_pairwise_correlation(inp3) == (pytest.approx(-1 / 3), 3, 0)


def test_cs_t_and_wilcoxon_equal_scipy() -> None:
    events = generate(21, 45, (-2, 2), missing=0.05)
    inp = build(events, (-2, 2), (-120, -11), k=1)
    cars = np.array([e.car for e in events if has_car(e)])
    r = by_name(inp, "cs_t", "wilcoxon")
    tt = stats.ttest_1samp(cars, 0.0)
    assert r["cs_t"].statistic == pytest.approx(tt.statistic, rel=REL)
    assert r["cs_t"].p_value == pytest.approx(tt.pvalue, rel=REL)
    wx = stats.wilcoxon(cars)
    assert (r["wilcoxon"].statistic, r["wilcoxon"].p_value) == (wx.statistic, wx.pvalue)


def test_bmp_equals_cs_t_when_sd_car_is_constant() -> None:
    events = generate(22, 30, (0, 1))
    for e in events:
        e.sd_car = 0.02
    r = by_name(build(events, (0, 1), (-120, -11), k=1), "bmp", "cs_t")
    assert r["bmp"].statistic == pytest.approx(r["cs_t"].statistic, rel=REL)
    assert r["bmp"].p_value == pytest.approx(r["cs_t"].p_value, rel=REL)


def test_corrado_one_day_window_in_multi_day_form_is_identical() -> None:
    # Cowan's multi-day form reduces to the one-day statistic for W = 1
    events = generate(23, 20, (0, 0))
    one = by_name(build(events, (0, 0), (-120, -11), k=1), "corrado")["corrado"]
    assert one.statistic == pytest.approx(ref_corrado(events, (0, 0))[0], rel=REL)
    assert "one-day" in one.convention


# ----------------------------------------------------------------------------------------
# Missing data, degenerate inputs and the interface
# ----------------------------------------------------------------------------------------
def test_events_without_data_are_excluded_and_counted() -> None:
    window = (-1, 1)
    events = generate(31, 20, window)
    events[3].win = {}  # no AR in the window
    events[3].car = math.nan
    events[7].est = {}  # no estimation residual
    events[7].L = 0.0
    inp = build(events, window, (-120, -11), k=1)
    got = {r.test: r for r in run_tests(inp, "all")}
    assert got["cs_t"].n == 19  # event 3 has no CAR
    assert got["gen_sign"].n == 18 and got["corrado"].n == 18 and got["grank"].n == 18
    assert got["patell"].n == 18  # L - k > 2 fails for event 7
    assert_matches(list(got.values()), reference(events, window, k=1))


def test_no_events_and_zero_variance_return_nan_with_reason() -> None:
    empty = TestInput(
        (0, 0),
        np.zeros((0, 1)),
        np.zeros((0, 1)),
        np.zeros(0),
        np.zeros(0),
        np.zeros((0, 5)),
        np.zeros((0, 5), dtype=np.int64),
        np.zeros((0, 1), dtype=np.int64),
        np.zeros(0),
        np.zeros(0),
        1,
    )
    for r in run_tests(empty, "all"):
        assert r.n == 0 and math.isnan(r.statistic) and math.isnan(r.p_value)
        assert r.convention.startswith("not computed:")
    same = by_name(tiny([0.01, 0.01, 0.01, 0.01]), "cs_t", "wilcoxon", "sign")
    assert math.isnan(same["cs_t"].statistic) and "variance" in same["cs_t"].convention
    assert same["sign"].statistic == pytest.approx(2.0)  # 4 of 4 positive: z = 2
    zeros = by_name(tiny([0.0, 0.0]), "sign", "wilcoxon")
    assert all(math.isnan(r.statistic) and r.n == 0 for r in zeros.values())


def test_gen_sign_without_negative_residuals_is_nan() -> None:
    est = [[0.01, 0.02, 0.03], [0.01, 0.04, 0.02]]
    r = by_name(tiny([0.01, -0.01], est), "gen_sign")["gen_sign"]
    assert math.isnan(r.statistic) and "share of positive" in r.convention


def test_unknown_and_placebo_test_names_raise() -> None:
    inp = tiny([0.01, 0.02])
    with pytest.raises(InvalidOptionError, match="cs_t"):
        run_tests(inp, ["t_test"])
    with pytest.raises(InvalidOptionError, match="engine"):
        run_tests(inp, ["placebo"])
    assert [r.test for r in run_tests(inp, ["sign", "cs_t", "sign"])] == ["sign", "cs_t"]
    assert [r.test for r in run_tests(inp, "all")] == list(TESTS)
    assert [r.test for r in run_tests(inp, "sign")] == ["sign"]


def test_bad_shapes_and_duplicate_keys_raise() -> None:
    good = tiny([0.01, 0.02], [[0.01, -0.01, 0.0], [0.02, 0.0, -0.02]])
    fields = {f: getattr(good, f) for f in good.__dataclass_fields__ if f != "__test__"}
    with pytest.raises(InvalidOptionError, match=r"TestInput\.ar"):
        TestInput(**{**fields, "window": (-1, 1)})
    with pytest.raises(InvalidOptionError, match=r"TestInput\.sd_car"):
        TestInput(**{**fields, "sd_car": np.ones(3)})
    with pytest.raises(InvalidOptionError, match=r"TestInput\.est_keys"):
        keys = good.est_keys.copy()
        keys[1, 1] = keys[1, 0]
        TestInput(**{**fields, "est_keys": keys})


def test_conventions_cover_every_test() -> None:
    assert set(CONVENTIONS) == set(TESTS)
    assert "placebo" not in TESTS
    for r in run_tests(build(generate(41, 10, (0, 1)), (0, 1), (-120, -11), k=1), "all"):
        assert r.convention and not r.convention.startswith("not computed")


# ----------------------------------------------------------------------------------------
# Property-based: random small configurations against the reference loops
# ----------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(3, 12),
    a=st.integers(-3, 2),
    width=st.integers(1, 4),
    missing=st.sampled_from([0.0, 0.1, 0.3]),
)
def test_random_configurations_match_reference(
    seed: int, n: int, a: int, width: int, missing: float
) -> None:
    window = (a, a + width - 1)
    events = generate(seed, n, window, est=(-45, -5), missing=missing, n_clusters=2)
    events = [e for e in events if e.win]  # every event keeps at least one window AR
    if len(events) < 3:
        return
    inp = build(events, window, (-45, -5), k=1)
    got = {r.test: r for r in run_tests(inp, "all")}
    ref = reference(events, window, k=1)
    for name, (stat, p, count) in ref.items():
        r = got[name]
        assert r.n == count, name
        if math.isnan(stat):
            assert math.isnan(r.statistic), name
        else:
            assert r.statistic == pytest.approx(stat, rel=1e-9, abs=1e-12), name
            assert r.p_value == pytest.approx(p, rel=1e-9, abs=1e-12), name


def test_window_day_missing_for_every_event() -> None:
    # day +1 of the window exists for no event (e.g. a data gap): W counts the 2 days left
    window = (-1, 1)
    events = generate(51, 15, window)
    for e in events:
        del e.win[1]
        e.car = sum(v for _, v in e.win.values())
        e.sd_car = e.s * math.sqrt(2 + 4 / e.L)
    inp = build(events, window, (-120, -11), k=1)
    assert np.isnan(inp.ar[:, 2]).all()
    assert_matches(run_tests(inp, "all"), reference(events, window, k=1))
    cda = by_name(inp, "cda_t")["cda_t"]
    assert cda.statistic == pytest.approx(
        np.mean([e.car for e in events]) / (ref_cda_sd(events) * math.sqrt(2)), rel=REL
    )


def ref_cda_sd(events: list[Ev]) -> float:
    by_day: dict[int, list[float]] = defaultdict(list)
    for e in events:
        for d, (_, v) in e.est.items():
            by_day[d].append(v)
    return float(np.std([np.mean(v) for v in by_day.values()], ddof=1))


def test_rbar_correlations_once_per_group_and_per_window_weights(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PairCorrelations computes the residual correlations once; each window's r̄ (here two
    windows) equals a plain pairwise loop: np.corrcoef on the common estimation dates, times
    the share of the window's dates the two events have in common."""
    span = (-3, 3)
    events = generate(21, 40, span, missing=0.05, n_clusters=3)
    calls = []
    real = inference._correlate

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(inference, "_correlate", counting)
    whole = build(events, span, (-120, -11), k=1)
    pc = inference.PairCorrelations(
        whole.est_ar, whole.est_keys, whole.evt_keys, np.isfinite(whole.ar)
    )
    assert len(calls) == 1
    for window in [(-1, 1), (0, 3)]:
        sub = [Ev({d: v for d, v in e.win.items() if window[0] <= d <= window[1]}, e.est,
                  e.s, e.sd_car, e.L) for e in events]  # fmt: skip
        inp = build(sub, window, (-120, -11), k=1)
        got = inference.mean_pairwise_correlation(inp, correlations=pc)
        # plain loop over all pairs
        total, counted, left, sharing = 0.0, 0, 0, 0
        for ei, ej in itertools.combinations(sub, 2):
            wi = {key for key, _ in ei.win.values()}
            wj = {key for key, _ in ej.win.values()}
            shared = len(wi & wj)
            if shared == 0:
                counted += 1
                continue
            sharing += 1
            di, dj = dict(ei.est.values()), dict(ej.est.values())
            common = sorted(set(di) & set(dj))
            if len(common) < 30:
                left += 1
                continue
            rho = np.corrcoef([di[c] for c in common], [dj[c] for c in common])[0, 1]
            total += rho * shared / math.sqrt(len(wi) * len(wj))
            counted += 1
        assert got[1:] == (counted, left)
        assert got[0] == pytest.approx(total / counted, rel=1e-12)
        plain = inference.mean_pairwise_correlation(inp)  # computes its own correlations
        assert plain[1:] == got[1:]
        assert plain[0] == pytest.approx(got[0], rel=1e-14)
        assert 100 < sharing < 700  # windows overlap partly: the weights matter
        # pairs the group's object has not seen (built on no event date) are computed then
        unseen = inference.PairCorrelations(
            whole.est_ar, whole.est_keys, np.full_like(whole.evt_keys, -1)
        )
        late = inference.mean_pairwise_correlation(inp, correlations=unseen)
        assert late[1:] == got[1:]
        assert late[0] == pytest.approx(got[0], rel=1e-14)
    # the per-window calls above used only the stored correlations
    assert len(calls) == 1 + 2 * 2  # + per window: the plain call and the unseen pairs


def test_sign_and_wilcoxon_p_values_equal_scipy_without_loading_scipy_stats() -> None:
    # the light p-values (no scipy.stats import on the first study) against scipy itself:
    # Wilcoxon's exact branch (<= 50 values, no ties or zeros), its normal approximation with
    # the tie correction (ties, zeros, > 50 values), and the symmetric exact binomial
    import warnings

    from mktnews.inference import _p_binom_half, _wilcoxon

    rng = np.random.default_rng(8)
    seen = {"exact": 0, "normal": 0, "delegated": 0}
    for trial in range(240):
        size = int(rng.integers(1, 90))
        x = rng.normal(0.002, 0.01, size)
        if trial % 3 == 1:
            x = np.round(x, 3)  # ties
        if trial % 3 == 2:
            x[rng.random(size) < 0.2] = 0.0  # zeros
        if not (x != 0).any():
            continue
        got = _wilcoxon(x)
        if got is None:
            seen["delegated"] += 1
            assert size <= 13
            continue
        seen["exact" if size <= 50 and trial % 3 == 0 else "normal"] += 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = stats.wilcoxon(x)
        assert got[0] == ref.statistic
        assert got[1] == pytest.approx(ref.pvalue, rel=1e-12, abs=1e-300)
    assert min(seen.values()) > 0
    for n in [*range(1, 40), 500, 1001]:
        for w in range(0, n + 1, max(1, n // 20)):
            assert _p_binom_half(w, n) == pytest.approx(stats.binomtest(w, n, 0.5).pvalue, rel=1e-10)


def test_default_battery_does_not_load_scipy_stats() -> None:
    # scipy.stats costs about a second to import: the default tests use scipy.special only
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from mktnews.inference import TestInput, run_tests, TESTS\n"
        "rng = np.random.default_rng(1); n, L = 60, 100\n"
        "ar = rng.normal(0, .01, (n, 3)); est = rng.normal(0, .01, (n, L))\n"
        "keys = np.arange(L)[None, :] + 5 * np.arange(n)[:, None]\n"
        "inp = TestInput((0, 2), ar, np.full((n, 3), .01), ar.sum(1), np.full(n, .02), est,\n"
        "    keys.astype(np.int64), keys[:, -3:].astype(np.int64) + 20, est.std(1, ddof=1),\n"
        "    np.full(n, float(L)), 2)\n"
        "res = run_tests(inp, 'all')\n"
        "assert len(res) == len(TESTS), res\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
