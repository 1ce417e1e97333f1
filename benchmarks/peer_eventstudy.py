"""Adapter: PyPI ``eventstudy`` 0.1a12 (returns CSVs, ``Single.market_model`` per event,
``Multiple`` to aggregate)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _events import EventSet  # noqa: E402
from harness import Tool, est_window  # noqa: E402

# ---- eventstudy (0.1a12) --------------------------------------------------------------


def eventstudy_prepare(es: EventSet) -> dict[str, Any]:
    """Write one returns CSV per benchmark group (date + one column per ticker)."""
    tmp = Path(tempfile.mkdtemp(prefix="bench_eventstudy_"))
    paths: dict[str, str] = {}
    for bench, members in es.groups.items():
        dates = es.returns[bench].dropna().index
        wide = es.returns.loc[dates, [bench, *members]].copy()
        wide.index = pd.Index(pd.DatetimeIndex(wide.index).strftime("%Y-%m-%d"), name="date")
        path = tmp / f"returns_{bench.strip('^')}.csv"
        wide.to_csv(path)
        paths[bench] = str(path)
    return {"paths": paths, "events": es.events, "es": es}


def eventstudy_run(state: dict[str, Any]) -> Any:
    """Import each group's CSV, run ``Single.market_model`` per event, aggregate."""
    import eventstudy as evs

    es: EventSet = state["es"]
    e0, e1, w0, w1 = est_window(es)
    estimation_size = e1 - e0 + 1
    buffer_size = w0 - e1 - 1
    singles: list[Any] = []
    ids: list[str] = []
    ev = state["events"]
    for bench, path in state["paths"].items():
        evs.Single.import_returns(path)
        sub = ev[ev["benchmark"] == bench]
        for eid, sym, day in zip(sub["event_id"], sub["symbol"], sub["event_date"], strict=True):
            singles.append(
                evs.Single.market_model(
                    security_ticker=sym,
                    market_ticker=bench,
                    event_date=np.datetime64(day.date()),
                    event_window=(w0, w1),
                    estimation_size=estimation_size,
                    buffer_size=buffer_size,
                )
            )
            ids.append(eid)
    agg = evs.Multiple(singles, errors=[])
    return {"agg": agg, "ids": ids}


def eventstudy_cars(res: dict[str, Any], es: EventSet) -> pd.Series:
    return pd.Series([s.CAR[-1] for s in res["agg"].sample], index=res["ids"], dtype=float)


def eventstudy_stats(res: dict[str, Any]) -> dict[str, float]:
    agg = res["agg"]
    return {"caar": float(agg.CAAR[-1]), "caar_t": float(agg.tstat[-1])}


EVENTSTUDY = Tool(
    name="eventstudy 0.1a12",
    prepare=eventstudy_prepare,
    run=eventstudy_run,
    cars=eventstudy_cars,
    tests=lambda r: [
        "per-event CAR t (s² with ddof 0, no coefficient-error term, t(L-1))",
        "CAAR t per window day (sum of event variances / N², t(Σ(L-1)))",
        "CAR distribution (mean, var, skew, kurtosis, quantiles)",
    ],
    note="input: one returns CSV per benchmark group, read by Single.import_returns (in the timed part)",
    stats=eventstudy_stats,
)
