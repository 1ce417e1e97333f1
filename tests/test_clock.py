"""Clock windows (mktnews.clock): the minutes around publication on intraday bars.

Every expected value comes from a plain loop over the bars written here (sessions from
exchange_calendars' schedule, bar ends, the window's bars, the estimation days and the
normal returns, one event at a time), on generated 1m/5m bars with a known jump after
publication and on the real hourly bars in tests/data/prices_real.
"""

from __future__ import annotations

import math
from pathlib import Path

import exchange_calendars as xcals
import numpy as np
import pandas as pd
import pytest

import mktnews as mn
from mktnews.errors import ConfigurationError, InvalidOptionError

# ---------------------------------------------------------------------------------------
# generated bars


def _schedule(code: str, first: str, last: str) -> pd.DataFrame:
    sch = xcals.get_calendar(code).schedule.loc[first:last]
    return pd.DataFrame({"open": sch["open"].dt.tz_convert("UTC"), "close": sch["close"].dt.tz_convert("UTC")})


def make_bars(
    code: str, first: str, last: str, minutes: int, seed: int, tz: str,
    pattern: dict[str, float] | None = None, jumps: dict[pd.Timestamp, float] | None = None,
) -> pd.DataFrame:
    """Bars from each session's open every ``minutes`` until its close (early closes too);
    log returns N(0, 0.0005) plus ``pattern`` (local 'HH:MM' of the bar start -> drift)
    plus ``jumps`` (bar start -> log jump); a 0.3 % gap at each open."""
    rng = np.random.default_rng(seed)
    rows = []
    price = 100.0
    for _, s in _schedule(code, first, last).iterrows():
        t = s["open"]
        price *= math.exp(rng.normal(0, 0.003))  # overnight gap
        while t < s["close"]:
            op = price  # each bar opens at the last close (the session's first: after the gap)
            hhmm = t.tz_convert(tz).strftime("%H:%M")
            r = rng.normal(0, 0.0005) + (pattern or {}).get(hhmm, 0.0) + (jumps or {}).get(t, 0.0)
            price = op * math.exp(r)
            rows.append((t, op, max(op, price), min(op, price), price, 1000))
            t = t + pd.Timedelta(minutes=minutes)
    df = pd.DataFrame(rows, columns=["datetime", "open", "high", "low", "close", "volume"])
    return df.set_index(pd.DatetimeIndex(df["datetime"]).rename("datetime")).drop(columns="datetime")


# ---------------------------------------------------------------------------------------
# the plain loop


def ref_event(
    bars: pd.DataFrame, code: str, tz: str, pub: pd.Timestamp, window: tuple[int, int],
    interval_min: int, model: str, days: int, bench: pd.DataFrame | None = None,
) -> dict[str, float]:
    """One event, computed bar by bar."""
    sch = _schedule(code, str(bars.index[0].date() - pd.Timedelta(days=3)), str(bars.index[-1].date() + pd.Timedelta(days=10)))
    bar_list = _ref_bars(bars, code, tz, interval_min, bench)
    # the session of publication
    later = sch[sch["close"] > pub].iloc[0]
    regular = later["open"] <= pub
    anchor = pub if regular else later["open"]
    a, b = window
    lo = anchor + pd.Timedelta(minutes=a if regular else max(a, 0))
    hi = anchor + pd.Timedelta(minutes=b)
    win = [x for x in bar_list if x["end"] > lo and x["start"] < hi]
    day = anchor.tz_convert(tz).date() if regular else later["open"].tz_convert(tz).date()
    dates = sorted({x["date"] for x in bar_list if x["date"] < day})[-days:]
    est = [x for x in bar_list if x["date"] in dates]

    def resid(x: dict, means: dict) -> float:
        if model == "raw":
            return x["ret"]
        if model == "market_adjusted":
            return x["ret"] - x["mret"]
        return x["ret"] - means[x["slot"]]

    means: dict[str, float] = {}
    counts: dict[str, int] = {}
    if model == "time_of_day":
        for x in est:
            means[x["slot"]] = means.get(x["slot"], 0.0) + x["ret"]
            counts[x["slot"]] = counts.get(x["slot"], 0) + 1
        means = {k: v / counts[k] for k, v in means.items()}
    e = [resid(x, means) for x in est]
    k = len(means)
    s2 = sum(v * v for v in e) / (len(e) - k)
    car = sum(resid(x, means) for x in win)
    if model == "time_of_day":
        var = sum(s2 * (1 + 1 / counts[x["slot"]]) for x in win)
    else:
        var = s2 * len(win)
    before = [x for x in bar_list if x["end"] <= pub]
    first_win = win[0]
    prev = [x for x in bar_list if x["end"] <= first_win["start"]]
    overnight = first_win["open"] / prev[-1]["close"] - 1 if first_win["first"] else np.nan
    return {
        "car": car, "sd_car": math.sqrt(var), "n_bars": len(win), "L": len(e), "s": math.sqrt(s2),
        "base_price": before[-1]["close"], "start": first_win["start"], "end": win[-1]["end"],
        "overnight": overnight, "regular": float(regular),
    }


_REF_CACHE: dict[tuple[int, int, str], list[dict]] = {}


def _ref_bars(bars: pd.DataFrame, code: str, tz: str, interval_min: int, bench: pd.DataFrame | None) -> list[dict]:
    """Every bar: its end (next start, start + interval or the session's close, from
    exchange_calendars' schedule by local date) and its in-session return."""
    key = (id(bars), id(bench), code)
    if key in _REF_CACHE:
        return _REF_CACHE[key]
    sch = xcals.get_calendar(code).schedule
    close_of = {d.date(): c.tz_convert("UTC") for d, c in zip(sch.index, sch["close"], strict=True)}
    starts = list(bars.index)
    closes, opens = bars["close"].tolist(), bars["open"].tolist()
    bc = bench["close"].reindex(bars.index).tolist() if bench is not None else None
    bo = bench["open"].reindex(bars.index).tolist() if bench is not None else None
    out = []
    for i, st in enumerate(starts):
        date = st.tz_convert(tz).date()
        end = min(st + pd.Timedelta(minutes=interval_min), close_of[date])
        if i + 1 < len(starts):
            end = min(end, starts[i + 1])
        first = i == 0 or starts[i - 1].tz_convert(tz).date() != date
        c, o = closes[i], opens[i]
        r = c / o - 1 if first else c / closes[i - 1] - 1
        m = np.nan
        if bc is not None and bo is not None:
            m = bc[i] / bo[i] - 1 if first else bc[i] / bc[i - 1] - 1
        out.append({"start": st, "end": end, "date": date, "first": first, "ret": r, "mret": m,
                    "slot": st.tz_convert(tz).strftime("%H:%M"), "open": o, "close": c})
    _REF_CACHE[key] = out
    return out


def articles(pubs: list[str], instrument: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "article_id": [f"a{i}" for i in range(len(pubs))],
            "published_at": pd.to_datetime(pubs, utc=True),
            "instrument": [instrument] * len(pubs),
        }
    )


# ---------------------------------------------------------------------------------------
# 5m bars on Xetra across the end of summer time, with a local time-of-day pattern

DAX_PATTERN = {"09:00": 0.002, "09:05": -0.001, "14:00": -0.0008, "14:05": 0.0006}
# 2024-10-29 14:02 CET (13:02 UTC): +1.5 % in the bar 14:05 (right after publication)
JUMP = pd.Timestamp("2024-10-29 13:05", tz="UTC")


@pytest.fixture(scope="module")
def dax5() -> pd.DataFrame:
    return make_bars("XETR", "2024-09-16", "2024-11-08", 5, 7, "Europe/Berlin", DAX_PATTERN, {JUMP: math.log(1.015)})


@pytest.fixture(scope="module")
def dax5_study(dax5: pd.DataFrame) -> tuple[pd.DataFrame, mn.FrameSource]:
    src = mn.FrameSource({"^GDAXI": dax5}, interval="5m")
    pubs = [
        "2024-10-29 13:02:00+00:00",  # 14:02 CET, regular, the jump follows
        "2024-10-30 05:30:00+00:00",  # 06:30 CET, before the open: anchored at 09:00
        "2024-10-25 07:01:00+00:00",  # 09:01 CEST (last Friday of summer time)
        "2024-10-28 08:01:00+00:00",  # 09:01 CET (first Monday of winter time)
        "2024-11-02 10:00:00+00:00",  # a Saturday: closed, anchored at Monday's open
    ]
    ev = mn.align_events(articles(pubs, "^GDAXI"), source=src, interval="5m", instruments=["^GDAXI"])
    return ev, src


@pytest.mark.parametrize("model", ["raw", "time_of_day"])
def test_5m_windows_match_a_plain_loop(dax5: pd.DataFrame, dax5_study: tuple[pd.DataFrame, mn.FrameSource], model: str) -> None:
    ev, src = dax5_study
    windows = [(0, 15), (5, 30)]
    res = mn.event_study(
        ev, source=src, interval="5m", model=model, estimation_days=10, min_estimation=100,
        windows=[("0min", "+15min"), ("+5min", "+30min")],
    )
    car = res.car
    assert len(car) == 2 * len(ev) and (res.params["status"] == "ok").all()
    for i, pub in enumerate(ev["published_at"]):
        for w in windows:
            want = ref_event(dax5, "XETR", "Europe/Berlin", pub, w, 5, model, 10)
            row = car[(car["published_at"] == pub) & (car["window"] == f"({w[0]:+d}min, +{w[1]}min)".replace("(+0min", "(0min"))]
            assert len(row) == 1, (i, w)
            r = row.iloc[0]
            assert r["car"] == pytest.approx(want["car"], rel=1e-9, abs=1e-12)
            assert r["sd_car"] == pytest.approx(want["sd_car"], rel=1e-9)
            assert r["n_days"] == want["n_bars"]
            assert r["start"] == want["start"] and r["end"] == want["end"]
            assert r["base_price"] == pytest.approx(want["base_price"])
            if math.isnan(want["overnight"]):
                assert math.isnan(r["overnight"])
            else:
                assert r["overnight"] == pytest.approx(want["overnight"], rel=1e-12)
            p = res.params[res.params["published_at"] == pub].iloc[0]
            assert p["L"] == want["L"] and p["s"] == pytest.approx(want["s"], rel=1e-9)
    # the known jump: +1.5 % in the bar right after 14:02; (0, +15) covers 14:00..14:15
    jump = car[(car["published_at"] == ev["published_at"].iloc[0]) & (car["window"] == "(0min, +15min)")].iloc[0]
    assert 0.012 < jump["car"] < 0.018
    # off-hours news: anchored at the next open, the overnight move reported apart
    pre = car[car["published_at"] == ev["published_at"].iloc[1]].iloc[0]
    assert pre["market_state"] == "pre" and pre["anchor"] == pd.Timestamp("2024-10-30 08:00", tz="UTC")
    sat = car[car["published_at"] == ev["published_at"].iloc[4]].iloc[0]
    assert sat["market_state"] == "closed" and sat["anchor"] == pd.Timestamp("2024-11-04 08:00", tz="UTC")


def test_time_of_day_slots_are_local_clock_times(dax5: pd.DataFrame, dax5_study: tuple[pd.DataFrame, mn.FrameSource]) -> None:
    """09:01 CET on the first Monday of winter time: the normal of the 09:00 bar is the mean
    of the 09:00-local bars of the estimation days (07:00 UTC in summer, 08:00 UTC in winter),
    whose drift is +0.2 %; slots in UTC would mix the 09:00 and 10:00 bars."""
    ev, src = dax5_study
    res = mn.event_study(ev, source=src, interval="5m", model="time_of_day", estimation_days=10,
                         min_estimation=100, windows=[("-1min", "+4min")])
    ab = res.abnormal.reset_index()
    pub = pd.Timestamp("2024-10-28 08:01", tz="UTC")
    eid = res.car.loc[res.car["published_at"] == pub, "event_id"].iloc[0]
    bar = ab[(ab["event_id"] == eid) & (ab["datetime"] == pd.Timestamp("2024-10-28 08:00", tz="UTC"))].iloc[0]
    starts = dax5.index
    local = starts.tz_convert("Europe/Berlin")
    dates = sorted({d for d in local.date if d < pd.Timestamp("2024-10-28").date()})[-10:]
    vals = []
    for i in range(len(starts)):  # the 09:00-local bars (first of their day: from the open)
        if local[i].date() in dates and local[i].strftime("%H:%M") == "09:00":
            vals.append(dax5["close"].iloc[i] / dax5["open"].iloc[i] - 1)
    assert len(vals) == 10
    assert bar["normal"] == pytest.approx(sum(vals) / 10, rel=1e-12)
    assert bar["normal"] > 0.0015  # the local 09:00 drift, not a UTC slot's mix


# ---------------------------------------------------------------------------------------
# 1m bars: a known jump right after publication


def test_1m_known_jump_raw_and_caar_in_minutes() -> None:
    pubs = ["2024-11-12 14:30:20+00:00", "2024-11-13 15:10:00+00:00", "2024-11-14 09:45:30+00:00"]
    jumps = {pd.Timestamp(p).floor("min") + pd.Timedelta(minutes=1): math.log(1.01) for p in pubs}
    bars = make_bars("XETR", "2024-11-04", "2024-11-15", 1, 3, "Europe/Berlin", None, jumps)
    src = mn.FrameSource({"^GDAXI": bars}, interval="1m")
    ev = mn.align_events(articles(pubs, "^GDAXI"), source=src, interval="1m", instruments=["^GDAXI"])
    res = mn.event_study(ev, source=src, interval="1m", model="raw", estimation_days=5,
                         windows=[("-10min", "+10min"), ("0min", "+5min")], min_estimation=1000)
    car = res.car
    for pub in ev["published_at"]:
        for w in [(-10, 10), (0, 5)]:
            want = ref_event(bars, "XETR", "Europe/Berlin", pub, w, 1, "raw", 5)
            label = "(-10min, +10min)" if w == (-10, 10) else "(0min, +5min)"
            r = car[(car["published_at"] == pub) & (car["window"] == label)].iloc[0]
            assert r["car"] == pytest.approx(want["car"], rel=1e-9, abs=1e-13)
            assert r["n_days"] == want["n_bars"]
            assert r["t"] == pytest.approx(want["car"] / want["sd_car"], rel=1e-9)
    # the CAAR in minutes at b is the mean window CAR; +1 % jumps dominate it
    cw = res.caar[res.caar["window"] == "(0min, +5min)"]
    assert cw["minutes"].tolist() == [0, 1, 2, 3, 4, 5]
    mean5 = car.loc[car["window"] == "(0min, +5min)", "car"].mean()
    assert cw["caar"].iloc[-1] == pytest.approx(mean5, rel=1e-12)
    assert cw["caar"].iloc[0] == 0.0 and 0.008 < mean5 < 0.012
    # at minute m: the mean over events of the ARs of the window's bars up to the one containing anchor + m
    ab = res.abnormal.reset_index()
    for m in (1, 2, 3):
        vals = []
        for pub in ev["published_at"]:
            eid = car.loc[car["published_at"] == pub, "event_id"].iloc[0]
            a = ab[ab["event_id"] == eid]
            t = pub + pd.Timedelta(minutes=m)
            first = pub.floor("min")
            sel = a[(a["datetime"] >= first) & (a["datetime"] < t)]
            vals.append(sel["ar"].sum())
        assert cw.loc[cw["minutes"] == m, "caar"].iloc[0] == pytest.approx(np.mean(vals), rel=1e-9)
    cs = res.tests[(res.tests["test"] == "cs_t") & (res.tests["window"] == "(0min, +5min)")].iloc[0]
    x = car.loc[car["window"] == "(0min, +5min)", "car"].to_numpy()
    assert cs["statistic"] == pytest.approx(x.mean() / (x.std(ddof=1) / math.sqrt(3)), rel=1e-9)


# ---------------------------------------------------------------------------------------
# half days (early closes) on XNYS, and windows that leave the session


def test_xnys_half_day_and_window_outside_session() -> None:
    bars = make_bars("XNYS", "2024-11-01", "2024-12-06", 5, 11, "America/New_York", {"14:00": 0.001})
    sch = _schedule("XNYS", "2024-11-29", "2024-11-29")
    assert sch["close"].iloc[0] == pd.Timestamp("2024-11-29 18:00", tz="UTC")  # 13:00 ET
    src = mn.FrameSource({"^DJI": bars}, interval="5m")
    pubs = [
        "2024-11-29 17:40:00+00:00",  # 12:40 ET on the half day
        "2024-12-02 19:02:00+00:00",  # 14:02 ET the Monday after: slot 14:00 lacks the half day
    ]
    ev = mn.align_events(articles(pubs[:2], "^DJI"), source=src, interval="5m", instruments=["^DJI"])
    res = mn.event_study(ev, source=src, interval="5m", model="time_of_day", estimation_days=15,
                         min_estimation=100, windows=[("0min", "+20min")])
    for pub in ev["published_at"]:
        want = ref_event(bars, "XNYS", "America/New_York", pub, (0, 20), 5, "time_of_day", 15)
        r = res.car[res.car["published_at"] == pub].iloc[0]
        assert r["car"] == pytest.approx(want["car"], rel=1e-9, abs=1e-13)
        assert r["sd_car"] == pytest.approx(want["sd_car"], rel=1e-9)
    last = res.abnormal.reset_index()
    half = last[last["datetime"] == pd.Timestamp("2024-11-29 17:55", tz="UTC")]
    assert len(half) == 1  # the half day's last bar (12:55-13:00 ET) ends the window at the close
    # a window past the early close is refused, not cut short
    res2 = mn.event_study(ev, source=src, interval="5m", model="raw", estimation_days=15,
                          min_estimation=100, windows=[("0min", "+25min")])
    st = res2.events.set_index("published_at")["stat_status"]
    assert st[pd.Timestamp(pubs[0])] == "window_outside_session"
    assert st[pd.Timestamp(pubs[1])] == "ok"
    assert res2.info["event_status"]["window_outside_session"] == 1


# ---------------------------------------------------------------------------------------
# the real hourly bars


@pytest.fixture(scope="module")
def hourly(hourly_dir: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for sym in ("^STOXX50E", "^GDAXI"):
        df = pd.read_csv(hourly_dir / f"{sym}.csv")
        idx = pd.DatetimeIndex(pd.to_datetime(df["Datetime"], utc=True)).rename("datetime")
        out[sym] = pd.DataFrame(
            {"open": df["Open"].to_numpy(), "high": df["High"].to_numpy(), "low": df["Low"].to_numpy(),
             "close": df["Close"].to_numpy(), "volume": df["Volume"].to_numpy()}, index=idx,
        )  # fmt: skip
    return out


@pytest.mark.parametrize("model", ["raw", "market_adjusted", "time_of_day"])
def test_real_hourly_seed_article(hourly_dir: Path, hourly: dict[str, pd.DataFrame], model: str) -> None:
    src = mn.FileSource(hourly_dir, interval="1h")
    from mktnews.datasets import load_sample

    corpus = load_sample()
    ev = mn.align_events(corpus, source=src, interval="1h")
    assert ev["published_at"].iloc[0] == pd.Timestamp("2024-11-27 13:00", tz="UTC")
    kw = {"benchmark": "^GDAXI"} if model == "market_adjusted" else {}
    res = mn.event_study(ev, source=src, interval="1h", model=model, min_estimation=100,
                         windows=[("-60min", "+120min"), ("0min", "+60min")], **kw)
    bench = hourly["^GDAXI"] if model == "market_adjusted" else None
    x = hourly["^STOXX50E"]
    x = x[(x.index >= "2024-10-01") & (x.index < "2024-12-10")]
    if bench is not None:
        bench = bench[(bench.index >= "2024-10-01") & (bench.index < "2024-12-10")]
    pub = ev["published_at"].iloc[0]
    for w, label in [((-60, 120), "(-60min, +120min)"), ((0, 60), "(0min, +60min)")]:
        want = ref_event(x, "XSTX", "Europe/Berlin", pub, w, 60, model, 20, bench)
        r = res.car[res.car["window"] == label].iloc[0]
        assert r["car"] == pytest.approx(want["car"], rel=1e-9, abs=1e-13)
        assert r["sd_car"] == pytest.approx(want["sd_car"], rel=1e-9)
        assert r["n_days"] == want["n_bars"]
    # by hand (raw): the 14:00 CET bar, 4726.1099 -> 4729.9800 (base = the 13:00 bar's close)
    r = res.car[res.car["window"] == "(0min, +60min)"].iloc[0]
    assert r["base_price"] == pytest.approx(4726.1099) and r["window_base"] == pytest.approx(4726.1099)
    if model == "raw":
        assert r["car"] == pytest.approx(4729.98 / 4726.1099 - 1, rel=1e-9)
    assert r["market_state"] == "regular"


def test_real_hourly_time_of_day_across_dst(hourly_dir: Path, hourly: dict[str, pd.DataFrame]) -> None:
    """Real 1h bars: 2024-11-05 10:30 CET, 20 estimation days reaching back into summer
    time (09:00 local = 07:00 UTC until 2024-10-25, 08:00 UTC after)."""
    src = mn.FileSource(hourly_dir, interval="1h")
    pub = pd.Timestamp("2024-11-05 09:30", tz="UTC")
    ev = mn.align_events(articles([str(pub)], "^STOXX50E"), source=src, interval="1h", instruments=["^STOXX50E"])
    res = mn.event_study(ev, source=src, interval="1h", model="time_of_day", min_estimation=100,
                         windows=[("-60min", "+60min")])
    x = hourly["^STOXX50E"]
    x = x[(x.index >= "2024-09-20") & (x.index < "2024-11-10")]
    want = ref_event(x, "XSTX", "Europe/Berlin", pub, (-60, 60), 60, "time_of_day", 20)
    r = res.car.iloc[0]
    assert r["car"] == pytest.approx(want["car"], rel=1e-9, abs=1e-13)
    assert r["sd_car"] == pytest.approx(want["sd_car"], rel=1e-9)
    p = res.params.iloc[0]
    assert p["k"] == 9  # nine local slots 09:00..17:00, whatever the UTC offset


# ---------------------------------------------------------------------------------------
# options


def test_clock_window_options_refused_with_clear_errors() -> None:
    with pytest.raises(ConfigurationError, match="need intraday bars: pass interval="):
        mn.validate_spec(windows=[("-30min", "+60min")], model="raw")
    with pytest.raises(ConfigurationError, match="not available for clock windows"):
        mn.validate_spec(windows=[("-30min", "+60min")], interval="5m")
    with pytest.raises(ConfigurationError, match="pass estimation_days=N instead"):
        mn.validate_spec(windows=[("-30min", "+60min")], interval="5m", model="raw", estimation=(-100, -5))
    with pytest.raises(ConfigurationError, match="estimation_days=5 applies to clock windows only"):
        mn.validate_spec(estimation_days=5)
    with pytest.raises(ConfigurationError, match="time_of_day' needs clock windows"):
        mn.validate_spec(model="time_of_day")
    with pytest.raises(InvalidOptionError, match="mixes clock windows"):
        mn.validate_spec(windows=[("-30min", "+60min"), (0, 1)], interval="5m", model="raw")
    with pytest.raises(InvalidOptionError, match="whole minutes"):
        mn.validate_spec(windows=[("-30s", "+60min")], interval="1m", model="raw")
    with pytest.raises(InvalidOptionError, match="needs a < b"):
        mn.validate_spec(windows=[("10min", "5min")], interval="1m", model="raw")
    spec = mn.validate_spec(windows=[("-30min", "+60min"), (pd.Timedelta(0), pd.Timedelta("15min"))],
                            interval="5m", model="raw")
    assert [w.as_tuple() for w in spec.windows] == [(-30, 60), (0, 15)]
    assert spec.estimation_days == 20 and spec.clock


# ---------------------------------------------------------------------------------------
# the bundled hourly sample, plots, report and export


@pytest.fixture(scope="module")
def seed_hourly() -> mn.EventStudyResults:
    from mktnews.datasets import load_sample, sample_source

    src = sample_source("1h")
    ev = mn.align_events(load_sample(), source=src, interval="1h")
    return mn.event_study(ev, source=src, interval="1h", model="market_adjusted", benchmark="^GDAXI",
                          windows=[("-60min", "+120min"), ("0min", "+60min")], min_estimation=100)


def test_bundled_hourly_sample_is_the_real_bars(hourly: dict[str, pd.DataFrame], seed_hourly: mn.EventStudyResults) -> None:
    from mktnews.datasets import sample_source

    for sym in ("^STOXX50E", "^GDAXI"):  # every bundled bar is the real one, and no other
        got = mn.load_prices(sym, "2024-09-01", "2025-01-31", interval="1h", source=sample_source("1h"))
        want = hourly[sym]
        want = want[(want.index >= "2024-10-01") & (want.index < "2025-01-01")]
        assert got.index.equals(want.index)
        assert np.array_equal(got[["open", "high", "low", "close"]].to_numpy(), want[["open", "high", "low", "close"]].to_numpy())
    r = seed_hourly.car[seed_hourly.car["window"] == "(0min, +60min)"].iloc[0]
    x, g = hourly["^STOXX50E"], hourly["^GDAXI"]
    t0, t1 = pd.Timestamp("2024-11-27 12:00", tz="UTC"), pd.Timestamp("2024-11-27 13:00", tz="UTC")
    by_hand = (x.loc[t1, "close"] / x.loc[t0, "close"] - 1) - (g.loc[t1, "close"] / g.loc[t0, "close"] - 1)
    assert r["car"] == pytest.approx(by_hand, rel=1e-12)


def test_clock_plots_draw_the_frames(seed_hourly: mn.EventStudyResults) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mktnews.plotting import plot_caar, plot_clock_article, plot_clock_caar

    res = seed_hourly
    ax = plot_clock_caar(res, window="(0min, +60min)")
    line = next(a for a in ax.get_lines() if a.get_gid() == "caar:all")
    caar = res.caar[res.caar["window"] == "(0min, +60min)"]
    assert line.get_xdata().tolist() == caar["minutes"].tolist() == [0, 60]
    assert np.allclose(line.get_ydata(), caar["caar"].to_numpy())
    ax2 = plot_caar(res)  # the generic CAAR plot draws a clock study's minutes
    assert any(a.get_gid() == "caar:all" for a in ax2.get_lines())
    ax3 = plot_clock_article(res)
    gids = {a.get_gid() for a in ax3.get_children() if a.get_gid()}
    assert {"price", "publication", "base", "window"} <= gids
    price = next(a for a in ax3.get_lines() if a.get_gid() == "price")
    ab = res.abnormal
    assert np.allclose(price.get_ydata(), ab["close"].to_numpy())
    base = next(a for a in ax3.get_lines() if a.get_gid() == "base")
    assert base.get_ydata()[0] == pytest.approx(4726.1099)
    plt.close("all")


def test_clock_results_export_and_report(seed_hourly: mn.EventStudyResults, tmp_path: Path) -> None:
    from mktnews.report import write_report

    seed_hourly.to_csv(tmp_path / "csv")
    car = pd.read_csv(tmp_path / "csv" / "car.csv")
    assert car[["window_start", "window_end"]].values.tolist() == [[-60, 120], [0, 60]]
    write_report(seed_hourly, tmp_path / "report")
    assert (tmp_path / "report" / "caar.png").exists()
    text = (tmp_path / "report" / "summary.md").read_text(encoding="utf-8")
    assert "(0min, +60min)" in text


def test_off_hours_news_on_real_hourly_bars(hourly_dir: Path, hourly: dict[str, pd.DataFrame]) -> None:
    """Published 2024-11-27 20:00 CET (after the close): anchored at the next open, 09:00 CET
    on 2024-11-28; the overnight move from 4733.46 (the last bar's close) to that open."""
    src = mn.FileSource(hourly_dir, interval="1h")
    pub = pd.Timestamp("2024-11-27 19:00", tz="UTC")
    ev = mn.align_events(articles([str(pub)], "^STOXX50E"), source=src, interval="1h", instruments=["^STOXX50E"])
    res = mn.event_study(ev, source=src, interval="1h", model="raw", min_estimation=100,
                         windows=[("-30min", "+60min")])
    r = res.car.iloc[0]
    x = hourly["^STOXX50E"]
    op = x.loc[pd.Timestamp("2024-11-28 08:00", tz="UTC"), "open"]
    prev = x.loc[pd.Timestamp("2024-11-27 16:00", tz="UTC"), "close"]
    close = x.loc[pd.Timestamp("2024-11-28 08:00", tz="UTC"), "close"]
    assert r["market_state"] == "post" and r["anchor"] == pd.Timestamp("2024-11-28 08:00", tz="UTC")
    assert r["overnight"] == pytest.approx(op / prev - 1, rel=1e-12)
    assert r["car"] == pytest.approx(close / op - 1, rel=1e-12)  # the first bar, from the open
    assert r["window_base"] == pytest.approx(op) and r["base_price"] == pytest.approx(prev)
    assert r["n_days"] == 1


def test_user_minute_files_have_no_age_limit(tmp_path: Path) -> None:
    """A FileSource serves 1m bars of 2020 (Yahoo serves 1m bars for 30 days only)."""
    bars = make_bars("XETR", "2020-03-02", "2020-03-13", 1, 5, "Europe/Berlin")
    folder = tmp_path / "1m"
    folder.mkdir()
    bars.rename_axis("Datetime").to_csv(folder / "^GDAXI.csv")
    src = mn.FileSource(tmp_path)
    ev = mn.align_events(articles(["2020-03-12 13:30:00+00:00"], "^GDAXI"), source=src, interval="1m",
                         instruments=["^GDAXI"])
    res = mn.event_study(ev, source=src, interval="1m", model="raw", estimation_days=5,
                         windows=[("0min", "+10min")], min_estimation=100)
    want = ref_event(bars, "XETR", "Europe/Berlin", pd.Timestamp("2020-03-12 13:30", tz="UTC"), (0, 10), 1, "raw", 5)
    assert res.car["car"].iloc[0] == pytest.approx(want["car"], rel=1e-9)


def test_yahoo_intraday_limits_reach_the_clock_study(daily_dir: Path, hourly_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """1m bars: Yahoo serves 30 days; 20 estimation days before 2025-07-01 reach further
    back: the study stops with Yahoo's limit named, before any request."""
    from _fake_yahoo import FakeYahoo

    from mktnews.errors import PriceDataError
    from mktnews.prices import cache as cache_mod
    from mktnews.prices.yahoo import YahooSource

    monkeypatch.setattr(cache_mod, "utcnow", lambda: pd.Timestamp("2025-07-12 12:00", tz="UTC"))
    fake = FakeYahoo(daily_dir, hourly_dir)
    yahoo = YahooSource(session=fake, cache_dir=tmp_path, sleep=lambda s: None, timeout=5)
    pub = pd.Timestamp("2025-07-01 12:00", tz="UTC")
    ev = pd.DataFrame({"event_id": ["a|^GDAXI"], "article_id": ["a"], "symbol": ["^GDAXI"],
                       "published_at": [pub], "t0": [pub], "status": ["ok"]})
    with pytest.raises(PriceDataError, match=r"1m bars only for the last 30 days"):
        mn.event_study(ev, source=yahoo, interval="1m", model="raw", windows=[("0min", "+15min")])
    assert fake.calls == []


def test_cli_study_with_clock_windows(shared_data: Path, tmp_path: Path) -> None:
    from mktnews.cli import main
    from mktnews.datasets import SAMPLE_ARTICLE, sample_path

    pub = tmp_path / "published.csv"
    pub.write_text("article_id,published_at\n000_c914ccdd9c6fabd9,2024-11-27T13:00:00+00:00\n", encoding="utf-8")
    out = tmp_path / "report"
    rc = main(["study", str(sample_path(SAMPLE_ARTICLE)), "--published-at", str(pub),
               "--prices", str(shared_data / "prices"), "--interval", "1h", "--model", "raw",
               "--window", "-60min:+120min", "--window", "0min:+60min", "--estimation-days", "20",
               "--min-estimation", "100", "--out", str(out), "--quiet"])
    assert rc == 0
    car = pd.read_csv(out / "car.csv")
    assert car[["window_start", "window_end"]].values.tolist() == [[-60, 120], [0, 60]]
    assert car.loc[1, "car"] == pytest.approx(4729.98 / 4726.1099 - 1, rel=1e-9)  # by hand


def test_market_adjusted_missing_benchmark_bar_is_an_incomplete_window(dax5: pd.DataFrame) -> None:
    """A benchmark lacking a bar inside an event's window: the event is left out with
    ``incomplete_window`` (never a CAR over fewer bars); the other events are computed."""
    bench = make_bars("XETR", "2024-09-16", "2024-11-08", 5, 99, "Europe/Berlin")
    hole = pd.Timestamp("2024-10-29 13:10", tz="UTC")  # inside (0min, +15min) of 14:02 CET
    src = mn.FrameSource({"^GDAXI": dax5, "^STOXX50E": bench.drop(index=hole)}, interval="5m")
    pubs = ["2024-10-29 13:02:00+00:00", "2024-10-30 12:02:00+00:00"]
    ev = mn.align_events(articles(pubs, "^GDAXI"), source=src, interval="5m", instruments=["^GDAXI"])
    res = mn.event_study(ev, source=src, interval="5m", model="market_adjusted", benchmark="^STOXX50E",
                         estimation_days=10, min_estimation=100, windows=[("0min", "+15min")])
    st = res.events.set_index("published_at")["stat_status"]
    assert st[pd.Timestamp(pubs[0])] == "incomplete_window" and st[pd.Timestamp(pubs[1])] == "ok"
    want = ref_event(dax5, "XETR", "Europe/Berlin", pd.Timestamp(pubs[1]), (0, 15), 5, "market_adjusted", 10,
                     bench.drop(index=hole).reindex(dax5.index))
    r = res.car.iloc[0]
    assert len(res.car) == 1 and r["car"] == pytest.approx(want["car"], rel=1e-9)
