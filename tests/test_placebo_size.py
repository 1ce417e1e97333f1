"""Monte Carlo size of the placebo test under the null (no effect), fixed seed.

Returns are generated here with numpy: every instrument's daily return over 1,000
sessions is ``0.01 * (sqrt(rho) f_t + sqrt(1 - rho) e_kt)`` with a common factor ``f_t``
(rho = 0.8) and no effect on event days. (The pool of placebo sessions must be large
against the number of dates: the draws exclude the actual days, so the actual CAAR also
carries the error of the pool's mean; with 300 sessions that alone gives a size of
about 7 %.) Each replication is its own group of one study (so one call
runs them all); the rejection rate at 5 % (p <= 0.05 with 199 draws, an exact 5 % test
when the placebo keeps the events' dependence) must lie in [2 %, 8 %]:

- clustered design: 20 dates x 5 instruments, every instrument has an event on every
  date (the placebo that drew each event independently rejected in about 33 %);
- unclustered design: the same 100 events spread over 100 distinct dates (20 per
  instrument).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mktnews.prices.base import COLUMNS
from mktnews.study import event_study

RHO = 0.8
N_DAYS = 1000
N_INST = 5
N_DATES = 20
REPS = 200
DRAWS = 199


class _Source:
    """Generated closes already in the prices contract (a light in-memory source: the
    thousand instruments of the replications skip the conformance pass)."""

    name = "generated"

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.frames = frames

    def fetch(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: str) -> pd.DataFrame:
        frame = self.frames[symbol]
        a, b = frame.index.searchsorted(start), frame.index.searchsorted(end, side="right")
        return frame.iloc[a:b]


def _frame(sym: str, close: np.ndarray, idx: pd.DatetimeIndex) -> pd.DataFrame:
    frame = pd.DataFrame({c: (np.zeros(len(idx)) if c == "volume" else close) for c in COLUMNS}, index=idx)
    frame.attrs.update(symbol=sym, interval="1d", source="generated")
    return frame


def _design(
    clustered: bool, reps: int, seed: int, n_inst: int = N_INST, n_dates: int = N_DATES
) -> tuple[pd.DataFrame, _Source]:
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2015-01-01", periods=N_DAYS).as_unit("ns").rename("date")
    frames: dict[str, pd.DataFrame] = {}
    sym_col, t0_col, grp_col = [], [], []
    for r in range(reps):  # replications
        f = rng.standard_normal(N_DAYS)
        e = rng.standard_normal((n_inst, N_DAYS))
        ret = 0.01 * (np.sqrt(RHO) * f + np.sqrt(1 - RHO) * e)
        if clustered:
            days = np.sort(rng.choice(np.arange(70, N_DAYS), size=n_dates, replace=False))
            per_inst = [days] * n_inst
        else:
            days = rng.choice(np.arange(70, N_DAYS), size=n_dates * n_inst, replace=False)
            per_inst = [np.sort(days[k * n_dates : (k + 1) * n_dates]) for k in range(n_inst)]
        for k in range(n_inst):
            sym = f"R{r}I{k}"
            frames[sym] = _frame(sym, 100 * np.cumprod(1 + ret[k]), idx)
            sym_col += [sym] * n_dates
            t0_col += list(idx[per_inst[k]])
            grp_col += [f"rep{r:04d}"] * n_dates
    n = len(sym_col)
    ev = pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n)],
            "article_id": [f"a{i}" for i in range(n)],
            "symbol": sym_col,
            "t0": pd.DatetimeIndex(t0_col).as_unit("ns"),
            "status": "ok",
            "rep": grp_col,
        }
    ).astype({"event_id": "str", "article_id": "str", "symbol": "str", "rep": "str"})
    ev.attrs["interval"] = "1d"
    return ev, _Source(frames)


def _rejection_rate(
    clustered: bool, reps: int, seed: int, draws: int = DRAWS, n_inst: int = N_INST, n_dates: int = N_DATES
) -> float:
    """Share of the ``reps`` replications whose placebo p-value is at most 0.05."""
    ev, src = _design(clustered, reps, seed, n_inst, n_dates)
    res = event_study(
        ev, source=src, windows=[(0, 0)], estimation=(-60, -2), model="constant_mean",
        tests=["placebo"], placebo=draws, seed=seed, group_by="rep", min_estimation=50,
    )  # fmt: skip
    t = res.tests
    assert len(t) == reps and (t["test"] == "placebo").all()
    assert (t["n"] == n_inst * n_dates).all()
    return float((t["p_value"].to_numpy() <= 0.05).mean())


@pytest.mark.parametrize("clustered", [True, False], ids=["clustered", "unclustered"])
def test_placebo_size_under_the_null(clustered: bool) -> None:
    rate = _rejection_rate(clustered, REPS, seed=20261202)
    assert 0.02 <= rate <= 0.08, rate
