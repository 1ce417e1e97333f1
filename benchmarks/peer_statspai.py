"""Adapter: ``statspai.abnormal_returns`` on a long returns frame."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _events import EventSet  # noqa: E402
from harness import Tool  # noqa: E402

# ---- statspai ----------------------------------------------------------------------------


def statspai_prepare(es: EventSet) -> dict[str, Any]:
    """Long returns frame (id, date, ret, mkt) and an events frame (id, event_date)."""
    members = [m for ms in es.groups.values() for m in ms]
    data = pd.concat([es.pair(s).assign(id=s) for s in members]).rename_axis("date").reset_index()
    events = pd.DataFrame(
        {"id": es.events["symbol"].to_numpy(), "event_date": es.events["event_date"].to_numpy()}
    )
    return {"data": data, "events": events, "es": es}


def statspai_run(state: dict[str, Any]) -> Any:
    import statspai as sp

    es: EventSet = state["es"]
    return sp.abnormal_returns(
        state["data"],
        state["events"],
        model="market",
        market="mkt",
        event_window=es.window,
        estimation_window=es.estimation,
    )


def statspai_cars(res: Any, es: EventSet) -> pd.Series:
    ids = es.events["event_id"].to_numpy()[res.events.index.to_numpy()]
    return pd.Series(res.events["car"].to_numpy(), index=ids, dtype=float)


#: statspai's test names -> the names used in the comparison table (mktnews' names where
#: the definition is the same; statspai's adj_patell / kp use its own r̄, see the report).
STATSPAI_NAMES = {
    "cross_sectional": "cs_t",
    "patell": "patell",
    "bmp": "bmp",
    "adj_patell": "kp_patell (statspai r̄)",
    "kp": "kp_bmp (statspai r̄)",
    "grank": "grank",
    "sign_rank": "wilcoxon_z",
}


def statspai_stats(res: Any) -> dict[str, float]:
    out = {"caar": float(res.caar), "rbar (statspai)": float(res.mean_correlation)}
    for name, row in res.tests.iterrows():
        out[STATSPAI_NAMES.get(str(name), str(name))] = float(row["statistic"])
    return out


STATSPAI = Tool(
    name="statspai",
    prepare=statspai_prepare,
    run=statspai_run,
    cars=statspai_cars,
    tests=lambda r: [
        "per-event CAR t (with coefficient-error term, t(L-2))",
        *[str(t) for t in r.tests.index],
    ],
    note="input: long frame id/date/ret/mkt built from the same returns (prep)",
    stats=statspai_stats,
)
