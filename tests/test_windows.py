"""Event windows, returns and the vectorised gathering, against loops and real closes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mktnews.errors import ConfigurationError, InvalidOptionError
from mktnews.windows import (
    EventWindow,
    ReturnPanel,
    compute_returns,
    parse_estimation,
    parse_windows,
)


def _prices(folder: Path, symbol: str) -> pd.DataFrame:
    df = pd.read_csv(folder / f"{symbol}.csv", parse_dates=["Date"]).set_index("Date")
    df.index = pd.DatetimeIndex(df.index).as_unit("ns").rename("date")
    df.columns = [c.lower() for c in df.columns]
    return df.astype(float)


# -- EventWindow and option parsing -------------------------------------------------------


def test_event_window_basics() -> None:
    w = EventWindow(-2, 3)
    assert w.length == 6
    assert w.rel.tolist() == [-2, -1, 0, 1, 2, 3]
    assert w.as_tuple() == (-2, 3)
    assert str(w) == "(-2, 3)"
    assert EventWindow.coerce([0, 0]) == EventWindow(0, 0)
    assert EventWindow.coerce(np.array([1, 2])) == EventWindow(1, 2)


@pytest.mark.parametrize("bad", [(1, 0), (0.5, 1), ("a", 1), (1,), (1, 2, 3), "0,1", None, (True, 1)])
def test_event_window_refuses(bad: object) -> None:
    with pytest.raises(InvalidOptionError) as exc:
        EventWindow.coerce(bad)
    assert "windows" in str(exc.value)


def test_parse_windows_forms() -> None:
    assert parse_windows((-1, 1)) == (EventWindow(-1, 1),)
    assert parse_windows([(-1, 1), (0, 0), (0, 5)]) == (
        EventWindow(-1, 1),
        EventWindow(0, 0),
        EventWindow(0, 5),
    )
    with pytest.raises(InvalidOptionError, match="given twice"):
        parse_windows([(0, 1), (0, 1)])
    with pytest.raises(InvalidOptionError, match="at least one"):
        parse_windows([])
    with pytest.raises(InvalidOptionError):
        parse_windows("(-1, 1)")


def test_parse_estimation_must_end_before_event_windows() -> None:
    wins = parse_windows([(-1, 1), (-5, 5)])
    assert parse_estimation((-250, -6), wins) == EventWindow(-250, -6)
    with pytest.raises(ConfigurationError, match="before the earliest event window"):
        parse_estimation((-250, -5), wins)
    with pytest.raises(ConfigurationError):
        parse_estimation((2, 10), wins)  # after
    with pytest.raises(InvalidOptionError, match="estimation"):
        parse_estimation((-11, -250), wins)


# -- returns ------------------------------------------------------------------------------


def test_compute_returns_against_real_closes(daily_dir: Path) -> None:
    df = _prices(daily_dir, "^STOXX50E")
    close = df["close"].to_numpy()
    simple = compute_returns(close, "simple")
    log = compute_returns(close, "log")
    i = int(df.index.get_loc(pd.Timestamp("2024-11-27")))
    # the seed fact: 4733.1499 after 4761.9902
    assert close[i] == pytest.approx(4733.1499)
    assert close[i - 1] == pytest.approx(4761.9902)
    assert simple[i] == pytest.approx(4733.1499 / 4761.9902 - 1, rel=1e-6)
    assert log[i] == pytest.approx(np.log(4733.1499 / 4761.9902), rel=1e-6)
    assert np.isnan(simple[0]) and np.isnan(log[0])
    np.testing.assert_allclose(simple[1:], df["close"].pct_change().to_numpy()[1:], rtol=1e-12)


def test_compute_returns_missing_close() -> None:
    r = compute_returns(np.array([100.0, np.nan, 110.0, 121.0]), "simple")
    assert np.isnan(r[:3]).all()
    assert r[3] == pytest.approx(0.1)
    with pytest.raises(InvalidOptionError, match="returns"):
        compute_returns(np.array([1.0, 2.0]), "pct")  # type: ignore[arg-type]


# -- panel ----------------------------------------------------------------------------------


def test_benchmark_aligned_by_date_real_gaps(daily_dir: Path) -> None:
    """Yahoo's Euro STOXX 50 lacks 2024-01-02; the DAX has it."""
    dax = _prices(daily_dir, "^GDAXI").loc["2023-12-01":"2024-01-31"]
    sx5e = _prices(daily_dir, "^STOXX50E").loc["2023-12-01":"2024-01-31"]
    assert pd.Timestamp("2024-01-02") in dax.index and pd.Timestamp("2024-01-02") not in sx5e.index
    panel = ReturnPanel.from_prices(
        {"^GDAXI": dax, "^STOXX50E": sx5e},
        benchmark={"^GDAXI": sx5e["close"], "^STOXX50E": dax["close"]},
    )
    # DAX rows: benchmark (SX5E) lacks 2024-01-02 -> its return that day and the next is NaN
    inst, pos = panel.locate(
        np.array(["^GDAXI", "^GDAXI", "^GDAXI"]),
        pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-01-04"]).as_unit("ns").asi8,
    )
    g = panel.gather(inst, pos, np.array([0]))
    assert np.isnan(g.market[:2, 0]).all()
    c = sx5e["close"]
    assert g.market[2, 0] == pytest.approx(c.loc["2024-01-04"] / c.loc["2024-01-03"] - 1, rel=1e-12)
    d = dax["close"]
    assert g.ret[1, 0] == pytest.approx(d.loc["2024-01-03"] / d.loc["2024-01-02"] - 1, rel=1e-12)
    # SX5E rows: its return on 2024-01-03 spans 2023-12-29 -> 2024-01-03, and so does the DAX's
    inst, pos = panel.locate(np.array(["^STOXX50E"]), pd.DatetimeIndex(["2024-01-03"]).as_unit("ns").asi8)
    g = panel.gather(inst, pos, np.array([-1, 0]))
    assert g.ret[0, 1] == pytest.approx(c.loc["2024-01-03"] / c.loc["2023-12-29"] - 1, rel=1e-12)
    assert g.market[0, 1] == pytest.approx(d.loc["2024-01-03"] / d.loc["2023-12-29"] - 1, rel=1e-12)
    assert pd.Timestamp(g.stamps[0, 0]) == pd.Timestamp("2023-12-29")
    assert g.keys[0, 1] == (pd.Timestamp("2024-01-03") - pd.Timestamp("1970-01-01")).days


def test_gather_matches_a_loop(daily_dir: Path) -> None:
    frames = {s: _prices(daily_dir, s).loc["2019-01-01":"2021-12-31"] for s in ("^GDAXI", "^FCHI", "^FTSE")}
    panel = ReturnPanel.from_prices(frames, returns="log")
    rng = np.random.default_rng(0)
    syms = np.array(rng.choice([*list(frames), "^NOPE"], size=60), dtype=object)
    t0 = []
    for s in syms:
        if s == "^NOPE":
            t0.append(pd.Timestamp("2020-05-05"))
            continue
        idx = frames[s].index
        t0.append(idx[int(rng.integers(len(idx)))])
    t0[0] = pd.Timestamp("2020-05-02")  # a Saturday: not a row
    t0_ns = pd.DatetimeIndex(t0).as_unit("ns").asi8
    offsets = np.arange(-30, 11)
    inst, pos = panel.locate(syms, t0_ns)
    g = panel.gather(inst, pos, offsets)
    for i, (s, t) in enumerate(zip(syms, t0, strict=True)):
        if s == "^NOPE" or t not in frames[s].index:
            assert pos[i] == -1
            assert not g.inside[i].any() and np.isnan(g.ret[i]).all() and (g.keys[i] == -1).all()
            continue
        close = frames[s]["close"]
        logret = np.log(close / close.shift(1))
        p = int(frames[s].index.get_loc(t))
        for j, d in enumerate(offsets):
            q = p + d
            if 0 <= q < len(close):
                assert g.inside[i, j]
                assert pd.Timestamp(g.stamps[i, j]) == close.index[q]
                if q == 0:
                    assert np.isnan(g.ret[i, j])
                else:
                    assert g.ret[i, j] == pytest.approx(logret.iloc[q], rel=1e-12)
                assert np.isnan(g.market[i, j])  # no benchmark
            else:
                assert not g.inside[i, j] and np.isnan(g.ret[i, j]) and g.keys[i, j] == -1


def test_intraday_panel_keys_are_ns(hourly_dir: Path) -> None:
    df = pd.read_csv(hourly_dir / "^GDAXI.csv")
    idx = pd.DatetimeIndex(pd.to_datetime(df.pop("Datetime"), utc=True)).as_unit("ns")
    df.index = idx
    df.columns = [c.lower() for c in df.columns]
    panel = ReturnPanel.from_prices({"^GDAXI": df.iloc[:50]}, interval="1h")
    inst, pos = panel.locate(np.array(["^GDAXI"]), idx[10:11].asi8)
    g = panel.gather(inst, pos, np.array([-1, 0, 1]))
    assert g.keys[0].tolist() == idx[9:12].asi8.tolist()
    c = df["close"].to_numpy()
    assert g.ret[0, 1] == pytest.approx(c[10] / c[9] - 1, rel=1e-12)
    with pytest.raises(ConfigurationError, match="tz-aware"):
        ReturnPanel.from_prices({"x": df.iloc[:5].tz_localize(None)}, interval="1h")
