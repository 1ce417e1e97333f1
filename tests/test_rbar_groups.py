"""Kolari-Pynnönen r̄ summed by groups of events with the same dates (issue 14: linear in the
number of events). The expected value is built here from np.corrcoef on each pair of groups'
common estimation dates, weighted by the share of window dates in common; nothing of
mktnews' pair search is used."""

from __future__ import annotations

import numpy as np
import pytest

from mktnews import inference
from mktnews.inference import TestInput, mean_pairwise_correlation

EST = (-120, -11)
WIN = (-5, 5)


def make(day_sizes: dict[int, int], seed: int = 3) -> tuple[TestInput, np.ndarray]:
    """Events on consecutive-integer calendar keys, ``day_sizes[p]`` events with day 0 at
    key p; residuals share a common factor per date (correlated within dates)."""
    rng = np.random.default_rng(seed)
    p0 = np.concatenate([np.full(k, p) for p, k in day_sizes.items()])
    n = p0.size
    market = rng.normal(0, 0.01, 5000)
    est_pos = p0[:, None] + np.arange(EST[0], EST[1] + 1)
    win_pos = p0[:, None] + np.arange(WIN[0], WIN[1] + 1)
    beta = rng.uniform(0.5, 1.5, n)[:, None]
    est = beta * market[est_pos] + rng.normal(0, 0.01, est_pos.shape)
    ar = beta * market[win_pos] + rng.normal(0, 0.01, win_pos.shape)
    est[5] = 0.25  # a residual series without variance: its pairs are left out
    s = est.std(axis=1, ddof=1)
    L = est.shape[1]
    inp = TestInput(
        window=WIN, ar=ar, sd_ar=np.ones_like(ar), car=ar.sum(axis=1), sd_car=np.ones(n),
        est_ar=est, est_keys=est_pos.astype(np.int64), evt_keys=win_pos.astype(np.int64),
        s=s, L=np.full(n, float(L)), k=2,
    )  # fmt: skip
    return inp, p0


def reference(inp: TestInput, p0: np.ndarray, min_overlap: int) -> tuple[float, int, int]:
    """Plain sums over groups of events with the same day 0, np.corrcoef per pair of groups."""
    days = sorted(set(p0.tolist()))
    n = p0.size
    total = n * (n - 1) // 2
    L = inp.est_ar.shape[1]
    W = WIN[1] - WIN[0] + 1
    num, left = 0.0, 0
    for a, da in enumerate(days):
        for db in days[a:]:
            d = db - da
            shared = W - d
            if shared <= 0:
                continue  # windows apart: weight 0, counted
            ia, ib = np.flatnonzero(p0 == da), np.flatnonzero(p0 == db)
            xa, xb = inp.est_ar[ia, d:], inp.est_ar[ib, : L - d]
            with np.errstate(invalid="ignore", divide="ignore"):
                r = np.corrcoef(np.vstack([xa, xb]))[: ia.size, ia.size :]
            if d == 0:
                r = r[np.triu_indices(ia.size, 1)]
            r = r.ravel()
            if L - d < min_overlap:
                left += r.size
                continue
            ok = np.isfinite(r)
            left += int((~ok).sum())
            num += float(np.sum(r[ok])) * shared / W
    return num / (total - left), total - left, left


@pytest.mark.parametrize("min_overlap", [30, 108])
def test_rbar_by_groups_equals_plain_sums(min_overlap: int) -> None:
    # 2,400 events on 24 days: groups of 100; days 0, 3 and 12 sessions apart (windows of
    # 11 days overlap at offsets 0..10); min_overlap=108 leaves out the offset-3 pairs
    # (107 common dates)
    sizes = {1000 + 3 * i + 400 * (i // 4): 100 for i in range(24)}
    inp, p0 = make(sizes)
    want = reference(inp, p0, min_overlap)
    calls: list[int] = []
    real = inference._sharing_pairs
    inference_sharing = inference._sharing_pairs

    def spy(*a: object) -> object:
        calls.append(len(a[0]))  # type: ignore[arg-type]
        return real(*a)  # type: ignore[arg-type]

    mp = pytest.MonkeyPatch()
    mp.setattr(inference, "_sharing_pairs", spy)
    try:
        got = mean_pairwise_correlation(inp, min_overlap=min_overlap)
    finally:
        mp.undo()
    assert inference._sharing_pairs is inference_sharing
    assert calls == [24]  # pairs searched among the 24 groups only, never among events
    assert got[1:] == want[1:]
    assert got[0] == pytest.approx(want[0], rel=1e-12, abs=1e-15)
    # the series without variance is left out with its 99 group mates and the 300 events of
    # the three later days whose windows overlap its own
    assert want[2] >= 399


def test_rbar_falls_back_to_pairs_when_dates_have_gaps() -> None:
    sizes = {1000 + 3 * i: 100 for i in range(24)}
    inp, p0 = make(sizes)
    want = reference(inp, p0, 30)
    est = inp.est_ar.copy()
    keys = inp.est_keys.copy()
    keys[7, 50] = -1  # one missing estimation date: the pair-by-pair path
    est[7, 50] = np.nan
    gap = TestInput(**{**inp.__dict__, "est_ar": est, "est_keys": keys})
    assert inference._rbar_by_groups(gap, np.arange(p0.size), 30) is None
    assert inference._rbar_by_groups(inp, np.arange(p0.size), 30) is not None
    got = mean_pairwise_correlation(inp)
    assert got[0] == pytest.approx(want[0], rel=1e-12)


def _rbar_spying(inp: TestInput, name: str) -> tuple[tuple[float, int, int], list[bool]]:
    """mean_pairwise_correlation(inp), and for each call of ``inference.<name>`` whether it
    answered (not None)."""
    real = getattr(inference, name)
    calls: list[bool] = []

    def spy(*a: object) -> object:
        out = real(*a)
        calls.append(out is not None)
        return out

    mp = pytest.MonkeyPatch()
    mp.setattr(inference, name, spy)
    try:
        return mean_pairwise_correlation(inp), calls
    finally:
        mp.undo()


@pytest.mark.parametrize("gap", [False, True])
def test_rbar_pairs_of_spread_events_equal_plain_corrcoef(gap: bool) -> None:
    # 300 events on distinct days spread over 3,000 keys: pair by pair (the sparse path).
    # Every row a run of consecutive keys: the common dates of a pair come from running sums
    # (_correlate_runs); one row with a missing date: the table of cells with NaN
    rng = np.random.default_rng(11)
    days = np.sort(rng.choice(np.arange(1000, 4000), 300, replace=False))
    inp, p0 = make({int(d): 1 for d in days})
    want = reference(inp, p0, 30)
    if gap:
        est, keys = inp.est_ar.copy(), inp.est_keys.copy()
        keys[7, 50], est[7, 50] = -1, np.nan
        inp = TestInput(**{**inp.__dict__, "est_ar": est, "est_keys": keys})
        want = _plain_rbar(inp)  # the date left out of event 7's pairs
    got, calls = _rbar_spying(inp, "_correlate_runs")
    assert calls == ([] if gap else [True])
    assert got[1:] == want[1:]
    assert got[0] == pytest.approx(want[0], rel=1e-12, abs=1e-15)


def _plain_rbar(inp: TestInput, min_overlap: int = 30) -> tuple[float, int, int]:
    """r̄ pair by pair: shared window dates / sqrt(W_i W_j) times np.corrcoef on the common
    estimation dates; pairs without a shared date count with weight 0."""
    n = inp.est_ar.shape[0]
    num, counted, left = 0.0, 0, 0
    for a in range(n):
        wa = inp.evt_keys[a][np.isfinite(inp.ar[a]) & (inp.evt_keys[a] >= 0)]
        for b in range(a + 1, n):
            wb = inp.evt_keys[b][np.isfinite(inp.ar[b]) & (inp.evt_keys[b] >= 0)]
            shared = np.intersect1d(wa, wb).size
            if shared == 0:
                counted += 1
                continue
            common, ia, ib = np.intersect1d(inp.est_keys[a], inp.est_keys[b], return_indices=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                r = np.corrcoef(inp.est_ar[a, ia], inp.est_ar[b, ib])[0, 1]
            if common.size < min_overlap or not np.isfinite(r):
                left += 1
                continue
            counted += 1
            num += r * shared / np.sqrt(wa.size * wb.size)
    return num / counted, counted, left


def test_rbar_of_windows_with_correlations_built_once_equals_plain_loop() -> None:
    # correlations built on the span (-5, 5) and reused: for the window that is the span
    # (its pairs taken from the build) and for the narrower (0, 1) (its pairs searched anew)
    rng = np.random.default_rng(5)
    days = np.sort(rng.choice(np.arange(1000, 2500), 200, replace=False))
    inp, _ = make({int(d): 1 for d in days})
    pc = inference.PairCorrelations(inp.est_ar, inp.est_keys, inp.evt_keys, np.isfinite(inp.ar))
    sub = slice(5, 7)  # days 0 and 1 of the window (-5, 5)
    narrow = TestInput(**{**inp.__dict__, "ar": inp.ar[:, sub], "sd_ar": inp.sd_ar[:, sub],
                          "evt_keys": inp.evt_keys[:, sub], "window": (0, 1)})  # fmt: skip
    for case in (inp, narrow):
        want = _plain_rbar(case)
        got = mean_pairwise_correlation(case, correlations=pc)
        assert got[1:] == want[1:]
        assert got[0] == pytest.approx(want[0], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("missing_window_day", [False, True])
def test_rbar_shared_window_dates_with_and_without_a_missing_day(missing_window_day: bool) -> None:
    # complete windows: shared dates from the windows' calendar positions (_sharing_runs);
    # a window with a missing day: dates compared pair by pair; both against the plain loop
    rng = np.random.default_rng(9)
    days = np.sort(rng.choice(np.arange(1000, 2200), 150, replace=False))
    inp, _ = make({int(d): 1 for d in days})
    if missing_window_day:
        ar, keys = inp.ar.copy(), inp.evt_keys.copy()
        ar[3, 4], keys[3, 4] = np.nan, -1
        inp = TestInput(**{**inp.__dict__, "ar": ar, "evt_keys": keys})
    got, calls = _rbar_spying(inp, "_sharing_runs")
    assert calls == [not missing_window_day]
    want = _plain_rbar(inp)
    assert got[1:] == want[1:]
    assert got[0] == pytest.approx(want[0], rel=1e-12, abs=1e-15)
