"""Adapters: the naive pandas loop a user writes by hand (statsmodels OLS, numpy lstsq);
the naive statsmodels loop is also the reference of the CAR agreement check."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _events import EventSet  # noqa: E402
from harness import Tool, est_window  # noqa: E402

# ---- naive loops -------------------------------------------------------------------------


def naive_statsmodels(es: EventSet) -> dict[str, Any]:
    """What a user writes by hand: per event, slice, statsmodels OLS, AR, CAR; then a t."""
    import statsmodels.api as sm

    e0, e1, w0, w1 = est_window(es)
    pairs = {}
    for bench, members in es.groups.items():
        for sym in members:
            pairs[sym] = es.returns[[sym, bench]].dropna()
    cars = {}
    for row in es.events.itertuples(index=False):
        pair = pairs[str(row.symbol)]
        i = int(pair.index.get_loc(row.event_date))  # type: ignore[arg-type]
        est = pair.iloc[i + e0 : i + e1 + 1]
        win = pair.iloc[i + w0 : i + w1 + 1]
        fit = sm.OLS(est[row.symbol], sm.add_constant(est[row.benchmark])).fit()
        ar = win[row.symbol] - (fit.params["const"] + fit.params[row.benchmark] * win[row.benchmark])
        cars[row.event_id] = ar.sum()
    car = pd.Series(cars)
    n = len(car)
    t = car.mean() / (car.std(ddof=1) / np.sqrt(n))
    return {"car": car, "t": float(t), "p": float(2 * stats.t.sf(abs(t), n - 1))}


def naive_numpy(es: EventSet) -> dict[str, Any]:
    """The same loop with numpy arrays per instrument and ``np.linalg.lstsq``."""
    e0, e1, w0, w1 = est_window(es)
    arrays = {}
    for bench, members in es.groups.items():
        for sym in members:
            pair = es.returns[[sym, bench]].dropna()
            arrays[sym] = (pair.index, pair[sym].to_numpy(), pair[bench].to_numpy())
    cars = {}
    for row in es.events.itertuples(index=False):
        idx, y, x = arrays[str(row.symbol)]
        i = int(idx.get_loc(row.event_date))  # type: ignore[arg-type]
        ye, xe = y[i + e0 : i + e1 + 1], x[i + e0 : i + e1 + 1]
        coef, *_ = np.linalg.lstsq(np.column_stack([np.ones_like(xe), xe]), ye, rcond=None)
        ar = y[i + w0 : i + w1 + 1] - (coef[0] + coef[1] * x[i + w0 : i + w1 + 1])
        cars[row.event_id] = ar.sum()
    car = pd.Series(cars)
    n = len(car)
    t = car.mean() / (car.std(ddof=1) / np.sqrt(n))
    return {"car": car, "t": float(t), "p": float(2 * stats.t.sf(abs(t), n - 1))}


NAIVE_SM = Tool(
    name="naive loop (pandas + statsmodels)",
    prepare=lambda es: es,
    run=naive_statsmodels,
    cars=lambda r, es: r["car"],
    tests=lambda r: ["cross-sectional t"],
    stats=lambda r: {"caar": float(r["car"].mean()), "cs_t": r["t"]},
)
NAIVE_NP = Tool(
    name="naive loop (pandas + numpy lstsq)",
    prepare=lambda es: es,
    run=naive_numpy,
    cars=lambda r, es: r["car"],
    tests=lambda r: ["cross-sectional t"],
    stats=lambda r: {"caar": float(r["car"].mean()), "cs_t": r["t"]},
)
