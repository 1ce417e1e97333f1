"""EventStudyResults: immutability, summary text/HTML, export round trips, the plot hook."""

from __future__ import annotations

import dataclasses
import json
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mktnews.errors import InvalidOptionError
from mktnews.prices.base import FrameSource
from mktnews.results import EventStudyResults, Summary
from mktnews.study import event_study


def _read_daily(folder: Path, symbol: str) -> pd.DataFrame:
    df = pd.read_csv(folder / f"{symbol}.csv", parse_dates=["Date"]).set_index("Date")
    df.columns = [c.lower() for c in df.columns]
    return df.astype(float)


@pytest.fixture(scope="module")
def res(daily_dir: Path) -> EventStudyResults:
    src = FrameSource({s: _read_daily(daily_dir, s) for s in ("^GDAXI", "^STOXX")})
    days = ["2024-11-27", "2024-11-27", "2023-03-10", "2022-02-24", "2020-03-16", "2024-06-10",
            "2019-05-06", "2018-10-10", "1988-01-06"]
    outlets = ["faz", "faz", "hb", "faz", "hb", "faz", "hb", "faz", "hb"]
    ev = pd.DataFrame(
        {
            "event_id": [f"a{i}|^GDAXI" for i in range(len(days))],
            "article_id": [f"a{i}" for i in range(len(days))],
            "instrument": "DAX",
            "symbol": "^GDAXI",
            "t0": pd.DatetimeIndex(days).as_unit("ns"),
            "status": "ok",
            "outlet": outlets,
        }
    )
    ev.attrs["interval"] = "1d"
    return event_study(ev, source=src, windows=[(-1, 1), (0, 0)], estimation=(-200, -11),
                       model="market_model", benchmark="^STOXX", group_by="outlet",
                       tests="all", placebo=50, seed=1, min_estimation=150)


def test_results_are_frozen_and_frames_are_copies(res: EventStudyResults) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.options = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        res.options["model"] = "raw"  # type: ignore[index]
    with pytest.raises(TypeError):
        res.info["event_status"]["ok"] = 0  # type: ignore[index]
    assert isinstance(res.options["windows"], tuple) and isinstance(res.info["groups"], tuple)
    car = res.car
    car.loc[:, "car"] = 99.0
    assert not (res.car["car"] == 99.0).any()
    ab = res.abnormal
    ab.iloc[0, ab.columns.get_loc("ar")] = 1e9
    assert res.abnormal["ar"].iloc[0] != 1e9
    for name in ("events", "abnormal", "car", "caar", "tests", "params", "placebo"):
        assert getattr(res, name) is not getattr(res, name)


def test_frame_shapes(res: EventStudyResults) -> None:
    assert len(res.events) == 9
    assert set(res.car.columns) >= {"event_id", "window", "car", "bhar", "scar", "t", "p", "n_articles"}
    assert list(res.tests.columns) == ["group", "window", "test", "statistic", "p_value", "n", "convention"]
    assert set(res.caar.columns) >= {"group", "window", "rel", "aar", "caar", "ci_low", "ci_high", "n"}
    assert res.abnormal.index.names == ["event_id", "rel"]
    assert {"date", "ret", "normal", "ar", "car"} <= set(res.abnormal.columns)
    assert {"alpha", "beta", "mean", "L", "s", "k"} <= set(res.params.columns)
    # 2 groups x 2 windows x (12 tests + placebo)
    assert len(res.tests) == 2 * 2 * 13
    assert len(res.placebo) == 2 * 2 * 50
    assert res.groups == ["faz", "hb"]
    assert res.windows == [(-1, 1), (0, 0)]


def test_summary_text(res: EventStudyResults) -> None:
    s = res.summary()
    assert isinstance(s, Summary)
    text = s.as_text()
    assert str(s) == text
    for needle in (
        "Model:", "market_model", "Benchmark:", "^STOXX", "Estimation window:", "(-200, -11)",
        "Event windows:", "(-1, 1), (0, 0)", "Group by:", "outlet",
        "9 article rows -> 8 events", "Events used:", "7 of 8", "insufficient_estimation 1",
        "Group: faz   Window: (-1, 1)", "Group: hb   Window: (0, 0)", "patell", "placebo",
    ):
        assert needle in text, needle
    # the CAAR at the window's end as printed equals the mean CAR of the group's events
    car = res.car
    sel = car[(car["group"] == "faz") & (car["window"] == (-1, 1))]
    block = text.split("Group: faz   Window: (-1, 1)")[1]
    line = next(ln for ln in block.splitlines() if ln.strip().startswith("+1"))
    printed_caar = float(line.split()[2])
    assert printed_caar == pytest.approx(sel["car"].mean(), abs=6e-5)


def test_summary_html(res: EventStudyResults) -> None:
    h = res.summary()._repr_html_()
    assert h.startswith("<div") and "<table" in h and "market_model" in h
    assert h.count("<table") == 1 + 2 * 2 * 2  # header + (caar, tests) per group x window
    assert res._repr_html_() == h
    assert "&lt;" not in h or "<NA>" not in h


def test_to_parquet_round_trip(res: EventStudyResults, tmp_path: Path) -> None:
    folder = res.to_parquet(tmp_path / "pq")
    car = pd.read_parquet(folder / "car.parquet")
    orig = res.car
    np.testing.assert_array_equal(car["car"].to_numpy(), orig["car"].to_numpy())
    assert list(zip(car["window_start"], car["window_end"], strict=True)) == list(orig["window"])
    ab = pd.read_parquet(folder / "abnormal.parquet")
    assert list(ab.columns[:2]) == ["event_id", "rel"]
    np.testing.assert_array_equal(ab["ar"].to_numpy(), res.abnormal["ar"].to_numpy())
    params = pd.read_parquet(folder / "params.parquet")
    assert [list(x) for x in params["article_ids"]] == list(res.params["article_ids"])
    meta = json.loads((folder / "options.json").read_text())
    assert meta["options"]["model"] == "market_model"
    assert meta["options"]["windows"] == [[-1, 1], [0, 0]]
    for name in ("events", "caar", "tests", "placebo"):
        assert len(pd.read_parquet(folder / f"{name}.parquet")) == len(getattr(res, name))


def test_to_csv_round_trip(res: EventStudyResults, tmp_path: Path) -> None:
    folder = res.to_csv(tmp_path / "csv")
    tests = pd.read_csv(folder / "tests.csv")
    orig = res.tests
    assert tests["test"].tolist() == orig["test"].tolist()
    np.testing.assert_allclose(tests["statistic"], orig["statistic"], rtol=1e-15)
    params = pd.read_csv(folder / "params.csv")
    assert [json.loads(x) for x in params["article_ids"]] == list(res.params["article_ids"])
    caar = pd.read_csv(folder / "caar.csv")
    assert {"window_start", "window_end"} <= set(caar.columns) and "window" not in caar.columns


def test_plot_hook(res: EventStudyResults, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    fake = types.ModuleType("mktnews.plotting")

    def plot_caar(r: Any, **kw: Any) -> str:
        calls.append((r, kw))
        return "axes"

    fake.plot_caar = plot_caar  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mktnews.plotting", fake)
    assert res.plot(window=(-1, 1)) == "axes"
    assert calls == [(res, {"window": (-1, 1)})]
    with pytest.raises(InvalidOptionError) as exc:
        res.plot(kind="pie")
    assert "kind" in str(exc.value) and "'caar'" in str(exc.value)


def test_repr(res: EventStudyResults) -> None:
    assert repr(res) == "EventStudyResults(model='market_model', events=7/8, windows=[(-1, 1), (0, 0)], groups=2)"
