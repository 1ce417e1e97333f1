"""Plots: rendered with Agg, asserted on the data they draw (not on the figure's mere existence).

Expected values are read from the real price files in ../shared/data by the tests
themselves (plain pandas.read_csv), and the seed's facts are from the data README: the
Euro STOXX 50 closed at 4733.1499 on Wed 2024-11-27 after 4761.9902 the day before.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from mktnews.articles import Corpus
from mktnews.errors import InvalidOptionError, PriceDataError
from mktnews.plotting import plot_article, plot_timeline
from mktnews.prices.base import FrameSource

SEED_ID = "000_c914ccdd9c6fabd9"
PREV_CLOSE = 4761.9902  # 2024-11-26, ^STOXX50E daily
CLOSE = 4733.1499  # 2024-11-27


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _read_daily(daily_dir: Path, symbol: str) -> pd.DataFrame:
    df = pd.read_csv(daily_dir / f"{symbol}.csv", parse_dates=["Date"]).set_index("Date")
    return df


@pytest.fixture(scope="module")
def stoxx_daily(daily_dir: Path) -> pd.DataFrame:
    return _read_daily(daily_dir, "^STOXX50E")


@pytest.fixture(scope="module")
def daily_source(stoxx_daily: pd.DataFrame) -> FrameSource:
    return FrameSource({"^STOXX50E": stoxx_daily})


def _seed_events(published_local: str | None, t0: str | None, interval: str = "1d") -> pd.DataFrame:
    """An events frame for the seed, written by hand in the contract's form."""
    pub = (
        pd.DatetimeIndex([pd.Timestamp(published_local, tz="Europe/Berlin").tz_convert("UTC")]).as_unit("ns")
        if published_local
        else pd.DatetimeIndex([pd.NaT], dtype="datetime64[ns, UTC]")
    )
    if interval == "1d":
        t0_idx = pd.DatetimeIndex([t0] if t0 else [pd.NaT]).as_unit("ns")
    else:
        t0_idx = pd.DatetimeIndex([t0] if t0 else [pd.NaT]).as_unit("ns")
        t0_idx = t0_idx.tz_localize("UTC") if t0_idx.tz is None else t0_idx
    ev = pd.DataFrame(
        {
            "event_id": [f"{SEED_ID}|^STOXX50E"],
            "article_id": [SEED_ID],
            "instrument": ["Euro STOXX 50"],
            "symbol": ["^STOXX50E"],
            "published_at": pub,
            "market_state": ["regular" if t0 else pd.NA],
            "t0": t0_idx,
            "status": ["ok" if t0 else "no_publication_time"],
            "base_price": [PREV_CLOSE],
            "snapshot_change": [-28.84],
            "snapshot_pct": [np.nan],
            "snapshot_level": [np.nan],
            "change_at_t0": [CLOSE - PREV_CLOSE],
            "pct_at_t0": [np.nan],
            "snapshot_status": ["matches_t0" if t0 and interval == "1d" else "matches_other_session"],
            "snapshot_session": pd.DatetimeIndex(["2024-11-27"]).as_unit("ns"),
            "title": [pd.NA],
        }
    )
    ev.attrs["interval"] = interval
    return ev


def _by_gid(ax, gid: str):
    found = [a for a in (*ax.get_lines(), *ax.patches, *ax.collections) if a.get_gid() == gid]
    assert found, f"no artist with gid {gid!r}"
    return found[0]


def _num(ts: str) -> float:
    return float(mdates.date2num(pd.Timestamp(ts).to_pydatetime()))


def test_import_does_not_load_matplotlib() -> None:
    code = "import sys, mktnews, mktnews.plotting, mktnews.cli; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_plot_article_seed_daily(stoxx_daily: pd.DataFrame, daily_source: FrameSource) -> None:
    events = _seed_events("2024-11-27 12:00", "2024-11-27")
    _fig, given = plt.subplots()
    ax = plot_article(events, SEED_ID, source=daily_source, days=10, ax=given)
    assert ax is given

    # the price line: the 21 real closes around 2024-11-27, each at its 17:30 CET close
    closes = stoxx_daily["Close"]
    pos = closes.index.get_loc(pd.Timestamp("2024-11-27"))
    expected = closes.iloc[pos - 10 : pos + 11]
    line = _by_gid(ax, "price")
    np.testing.assert_allclose(np.asarray(line.get_ydata(), dtype=float), expected.to_numpy())
    xs = pd.DatetimeIndex(line.get_xdata())
    assert list(xs) == [d + pd.Timedelta(hours=17, minutes=30) for d in expected.index]
    assert expected.loc["2024-11-27"] == pytest.approx(CLOSE)

    # the publication marker sits at 12:00 Berlin time on the 27th
    pub = _by_gid(ax, "publication")
    assert set(pub.get_xdata()) == {_num("2024-11-27 12:00")}

    # day 0 is shaded from the 26th's close to the 27th's close (the day-0 return interval)
    span = _by_gid(ax, "day0")
    assert span.get_x() == pytest.approx(_num("2024-11-26 17:30"))
    assert span.get_x() + span.get_width() == pytest.approx(_num("2024-11-27 17:30"))
    assert span.get_x() < _num("2024-11-27 12:00") < span.get_x() + span.get_width()

    # the box's implied level, previous close + printed change, over the capture session
    level = _by_gid(ax, "snapshot_level")
    (seg,) = level.get_segments()
    assert seg[0, 1] == pytest.approx(PREV_CLOSE - 28.84)
    assert seg[1, 1] == pytest.approx(4733.1502)
    assert seg[0, 0] == pytest.approx(_num("2024-11-26 17:30"))
    assert seg[1, 0] == pytest.approx(_num("2024-11-27 17:30"))
    assert "Euro STOXX 50" in ax.get_title(loc="left")


def test_plot_article_without_publication_time_centres_on_capture(
    stoxx_daily: pd.DataFrame, daily_source: FrameSource
) -> None:
    events = _seed_events(None, None)
    ax = plot_article(events, SEED_ID, source=daily_source, days=3)
    line = _by_gid(ax, "price")
    closes = stoxx_daily["Close"]
    pos = closes.index.get_loc(pd.Timestamp("2024-11-27"))
    np.testing.assert_allclose(np.asarray(line.get_ydata(), dtype=float), closes.iloc[pos - 3 : pos + 4])
    assert not [a for a in ax.get_lines() if a.get_gid() == "publication"]
    assert not [p for p in ax.patches if p.get_gid() == "day0"]
    (seg,) = _by_gid(ax, "snapshot_level").get_segments()
    assert seg[0, 1] == pytest.approx(PREV_CLOSE - 28.84)


def test_plot_article_hourly(hourly_dir: Path, stoxx_daily: pd.DataFrame) -> None:
    bars = pd.read_csv(hourly_dir / "^STOXX50E.csv", parse_dates=["Datetime"]).set_index("Datetime")
    source = FrameSource({"^STOXX50E": bars}, interval="1h")
    # 12:00 CET = 11:00 UTC: day 0 is the 11:00-12:00 UTC bar
    events = _seed_events("2024-11-27 12:00", "2024-11-27 11:00", interval="1h")
    ax = plot_article(events, SEED_ID, source=source, interval="1h", days=1)
    line = _by_gid(ax, "price")
    utc = pd.DatetimeIndex(bars.index)
    local_day = utc.tz_convert("Europe/Berlin").tz_localize(None).normalize()
    keep = local_day.isin(pd.DatetimeIndex(["2024-11-26", "2024-11-27", "2024-11-28"]))
    expected = bars.loc[keep, "Close"]
    assert len(expected) == 27  # nine bars a day
    np.testing.assert_allclose(np.asarray(line.get_ydata(), dtype=float), expected.to_numpy())
    xs = pd.DatetimeIndex(line.get_xdata())
    # bars end one hour after they start, the session's last bar at the 17:30 close
    assert xs[0] == pd.Timestamp("2024-11-26 10:00")
    assert xs[8] == pd.Timestamp("2024-11-26 17:30")
    span = _by_gid(ax, "day0")
    assert span.get_x() == pytest.approx(_num("2024-11-27 12:00"))
    assert span.get_x() + span.get_width() == pytest.approx(_num("2024-11-27 13:00"))
    pub = _by_gid(ax, "publication")
    assert pub.get_xdata()[0] == pytest.approx(_num("2024-11-27 12:00"))
    # no daily bars in this source: the box level rests on the previous session's last bar
    prev_last = bars.loc[local_day == pd.Timestamp("2024-11-26"), "Close"].iloc[-1]
    (seg,) = _by_gid(ax, "snapshot_level").get_segments()
    assert seg[0, 1] == pytest.approx(prev_last - 28.84)


def test_plot_article_bad_inputs(daily_source: FrameSource) -> None:
    events = _seed_events("2024-11-27 12:00", "2024-11-27")
    with pytest.raises(InvalidOptionError, match="article_id"):
        plot_article(events, "nope", source=daily_source)
    with pytest.raises(InvalidOptionError, match="interval"):
        plot_article(events, SEED_ID, source=daily_source, interval="1h")
    with pytest.raises(InvalidOptionError, match="days"):
        plot_article(events, SEED_ID, source=daily_source, days=0)
    undatable = _seed_events(None, None)
    undatable["snapshot_session"] = pd.DatetimeIndex([pd.NaT]).as_unit("ns")
    undatable["snapshot_status"] = "no_match"
    with pytest.raises(PriceDataError, match="no day 0"):
        plot_article(undatable, SEED_ID, source=daily_source)


def _corpus(times: list[str | None], instrument: str = "Euro STOXX 50") -> Corpus:
    n = len(times)
    pub = pd.DatetimeIndex(
        [pd.Timestamp(t, tz="Europe/Berlin").tz_convert("UTC") if t else pd.NaT for t in times]
    ).as_unit("ns")
    arts = pd.DataFrame(
        {
            "article_id": [f"a{i}" for i in range(n)],
            "instrument": [instrument] * n,
            "snapshot_change": [np.nan] * n,
            "snapshot_pct": [np.nan] * n,
            "snapshot_level": [np.nan] * n,
            "snapshot_raw": [pd.NA] * n,
            "published_at": pub,
            "title": [pd.NA] * n,
            "body": ["text"] * n,
            "byline": [pd.NA] * n,
            "outlet": [pd.NA] * n,
            "source": [f"<input #{i}>" for i in range(n)],
        }
    )
    snaps = pd.DataFrame(columns=["article_id", "position", "instrument", "change", "change_pct",
                                  "level", "raw", "zero_flag"])
    rej = pd.DataFrame(columns=["source", "reason"])
    return Corpus(arts, snaps, rej, n)


def test_plot_timeline(stoxx_daily: pd.DataFrame, daily_source: FrameSource) -> None:
    # 23:30 Berlin on the 26th is still the 26th locally (22:30 UTC)
    corpus = _corpus(
        ["2024-11-26 23:30", "2024-11-27 08:00", "2024-11-27 12:00", "2024-11-29 10:00", None]
    )
    ax = plot_timeline(corpus, source=daily_source)
    line = _by_gid(ax, "close")
    xs = pd.DatetimeIndex(line.get_xdata())
    expected = stoxx_daily.loc["2024-11-19":"2024-12-06", "Close"]
    assert list(xs) == list(expected.index)
    np.testing.assert_allclose(np.asarray(line.get_ydata(), dtype=float), expected.to_numpy())
    (twin,) = [a for a in ax.figure.axes if a.get_gid() == "articles"]
    bars = {
        pd.Timestamp(mdates.num2date(p.get_x() + p.get_width() / 2).replace(tzinfo=None)).normalize(): p.get_height()
        for p in twin.patches
    }
    assert bars == {
        pd.Timestamp("2024-11-26"): 1,
        pd.Timestamp("2024-11-27"): 2,
        pd.Timestamp("2024-11-29"): 1,
    }
    assert "1 undated" in twin.get_legend_handles_labels()[1][0]


def test_plot_timeline_needs_dates(daily_source: FrameSource) -> None:
    with pytest.raises(PriceDataError, match="no article has a publication time"):
        plot_timeline(_corpus([None, None]), source=daily_source)


# --------------------------------------------------------------------------- results plots

ECB_DAYS = (
    "2023-10-26", "2023-12-14", "2024-01-25", "2024-03-07", "2024-04-11", "2024-06-06",
    "2024-07-18", "2024-09-12", "2024-10-17", "2024-12-12", "2025-01-30",
)  # fmt: skip


def _ar(closes: pd.Series, day: str, rel: int) -> float:
    """Textbook constant-mean AR on the data's rows, estimation window (-250, -11)."""
    r = closes.pct_change()
    pos = closes.index.get_loc(pd.Timestamp(day))
    est = r.iloc[pos - 250 : pos - 10]
    assert len(est) == 240 and est.notna().all()
    return float(r.iloc[pos + rel] - est.mean())


@pytest.fixture(scope="module")
def ecb_results():
    """The ECB decision days (14:15 Frankfurt time) on the DAX and the Euro STOXX 50,
    from the bundled sample."""
    from mktnews.articles import read_articles
    from mktnews.datasets import sample_source
    from mktnews.events import align_events
    from mktnews.study import event_study

    table = pd.DataFrame({"article_id": [f"ecb-{d}" for d in ECB_DAYS],
                          "instrument": "DAX",
                          "published_at": [f"{d} 14:15" for d in ECB_DAYS]})
    corpus = read_articles(table, tz="Europe/Berlin")
    src = sample_source()
    events = align_events(corpus, source=src, instruments=["^GDAXI", "^STOXX50E"])
    res = event_study(events, source=src, windows=[(0, 0), (-1, 1)], group_by="symbol",
                      placebo=60, seed=11)
    return res


@pytest.fixture(scope="module")
def sample_closes() -> dict[str, pd.Series]:
    from mktnews.datasets import sample_path

    return {
        sym: pd.read_csv(sample_path(f"{sym}.csv"), parse_dates=["Date"]).set_index("Date")["Close"]
        for sym in ("^GDAXI", "^STOXX50E")
    }


def test_plot_caar_draws_the_caar_and_band(ecb_results, sample_closes) -> None:
    from scipy import stats

    from mktnews.plotting import plot_caar

    ax = plot_caar(ecb_results, window=(-1, 1))
    for sym in ("^GDAXI", "^STOXX50E"):
        ars = np.array([[_ar(sample_closes[sym], d, k) for k in (-1, 0, 1)] for d in ECB_DAYS])
        cum = ars.cumsum(axis=1)  # each event's CAR from day -1 to day k
        line = _by_gid(ax, f"caar:{sym}")
        assert list(line.get_xdata()) == [-1, 0, 1]
        np.testing.assert_allclose(np.asarray(line.get_ydata(), dtype=float), cum.mean(axis=0), atol=1e-12)
        n = len(ECB_DAYS)
        half = stats.t.ppf(0.975, n - 1) * cum.std(axis=0, ddof=1) / np.sqrt(n)
        band = _by_gid(ax, f"band:{sym}")
        ys = band.get_paths()[0].vertices[:, 1]
        for lo, hi in zip(cum.mean(axis=0) - half, cum.mean(axis=0) + half, strict=True):
            assert np.isclose(ys, lo, atol=1e-12).any() and np.isclose(ys, hi, atol=1e-12).any()
    # default: the widest window; groups can be narrowed
    ax2 = plot_caar(ecb_results, groups="^GDAXI")
    assert [ln.get_gid() for ln in ax2.get_lines() if str(ln.get_gid()).startswith("caar:")] == ["caar:^GDAXI"]
    with pytest.raises(InvalidOptionError, match="window"):
        plot_caar(ecb_results, window=(-3, 3))
    with pytest.raises(InvalidOptionError, match="groups"):
        plot_caar(ecb_results, groups="^FTSE")


def test_plot_ar_bars_and_running_sum(ecb_results, sample_closes) -> None:
    from mktnews.plotting import plot_ar

    # an article id resolves to its event
    ax = plot_ar(ecb_results, "ecb-2024-06-06|^STOXX50E")
    want = [_ar(sample_closes["^STOXX50E"], "2024-06-06", k) for k in (-1, 0, 1)]
    bars = sorted((p for p in ax.patches if p.get_gid() == "ar"), key=lambda p: p.get_x())
    assert [round(p.get_x() + p.get_width() / 2) for p in bars] == [-1, 0, 1]
    np.testing.assert_allclose([p.get_height() for p in bars], want, atol=1e-12)
    car = _by_gid(ax, "car")
    np.testing.assert_allclose(np.asarray(car.get_ydata(), dtype=float), np.cumsum(want), atol=1e-12)
    with pytest.raises(InvalidOptionError, match="event_id"):
        plot_ar(ecb_results, "nope")


def test_plot_placebo_histogram_and_observed(ecb_results, sample_closes) -> None:
    from mktnews.plotting import plot_placebo

    ax = plot_placebo(ecb_results, window=(0, 0), groups="^GDAXI", bins=12)
    draws = ecb_results.placebo
    sel = draws[(draws["group"] == "^GDAXI") & (draws["window"].map(tuple) == (0, 0))]["caar"].to_numpy()
    assert len(sel) == 60
    counts, _edges = np.histogram(sel, bins=12)
    heights = [p.get_height() for p in sorted((p for p in ax.patches if p.get_gid() == "placebo:^GDAXI"),
                                              key=lambda p: p.get_x())]
    assert heights == list(counts)
    observed = np.mean([_ar(sample_closes["^GDAXI"], d, 0) for d in ECB_DAYS])
    line = _by_gid(ax, "observed:^GDAXI")
    assert line.get_xdata()[0] == pytest.approx(observed, abs=1e-12)


def test_plot_placebo_needs_draws() -> None:
    from mktnews.datasets import load_sample, sample_source
    from mktnews.errors import ConfigurationError
    from mktnews.plotting import plot_placebo
    from mktnews.study import event_study

    res = event_study(load_sample(), source=sample_source())
    with pytest.raises(ConfigurationError, match="placebo"):
        plot_placebo(res)


def test_results_plot_hook(ecb_results) -> None:
    ax = ecb_results.plot("caar", window=(0, 0))
    assert {ln.get_gid() for ln in ax.get_lines()} >= {"caar:^GDAXI", "caar:^STOXX50E"}


def test_plot_article_from_a_corpus_aligns_and_dates() -> None:
    """With a corpus, plot_article aligns the article itself; an undated article is centred
    on the session its box was captured in (capture_sessions)."""
    from mktnews.datasets import load_sample, sample_source

    ax = plot_article(load_sample(), SEED_ID, source=sample_source(), days=2)
    assert "Der russische Präsident" in ax.get_title(loc="left")
    assert _by_gid(ax, "publication").get_xdata()[0] == pytest.approx(_num("2024-11-27 14:00"))
    ax = plot_article(load_sample(published_at=None), SEED_ID, source=sample_source(), days=2)
    (seg,) = _by_gid(ax, "snapshot_level").get_segments()
    assert seg[1, 1] == pytest.approx(PREV_CLOSE - 28.84)
    assert seg[1, 0] == pytest.approx(_num("2024-11-27 17:30"))
