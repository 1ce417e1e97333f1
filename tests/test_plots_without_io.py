"""Plots draw the prices they are given: ``prices=`` draws without any loading; only a
``source=`` loads; neither is refused with a message naming both. Expected values are the
real closes read here with plain pandas (the seed: Euro STOXX 50 4733.1499 on 2024-11-27
after 4761.9902)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from mktnews.articles import Corpus
from mktnews.errors import ConfigurationError
from mktnews.plotting import plot_article, plot_timeline

SEED_ID = "000_c914ccdd9c6fabd9"
PREV_CLOSE = 4761.9902
CLOSE = 4733.1499


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def stoxx_daily(daily_dir: Path) -> pd.DataFrame:
    return pd.read_csv(daily_dir / "^STOXX50E.csv", parse_dates=["Date"]).set_index("Date")


class _NoLoading:
    """A price source that fails the test if anything asks it for prices."""

    def fetch(self, *args: object, **kwargs: object) -> pd.DataFrame:
        raise AssertionError("a plot given prices= loaded prices")


def _seed_events(interval: str = "1d") -> pd.DataFrame:
    t0 = pd.DatetimeIndex(["2024-11-27"] if interval == "1d" else ["2024-11-27 11:00"]).as_unit("ns")
    ev = pd.DataFrame(
        {
            "event_id": [f"{SEED_ID}|^STOXX50E"],
            "article_id": [SEED_ID],
            "instrument": ["Euro STOXX 50"],
            "symbol": ["^STOXX50E"],
            "published_at": pd.DatetimeIndex(["2024-11-27 11:00"], tz="UTC").as_unit("ns"),
            "market_state": ["regular"],
            "t0": t0 if interval == "1d" else t0.tz_localize("UTC"),
            "status": ["ok"],
            "snapshot_change": [-28.84],
            "snapshot_pct": [np.nan],
            "snapshot_level": [np.nan],
            "snapshot_status": ["matches_t0" if interval == "1d" else "matches_other_session"],
            "snapshot_session": pd.DatetimeIndex(["2024-11-27"]).as_unit("ns"),
        }
    )
    ev.attrs["interval"] = interval
    return ev


def _line(ax, gid: str):
    (found,) = [a for a in (*ax.get_lines(), *ax.collections) if a.get_gid() == gid]
    return found


def test_plot_article_draws_the_given_prices(stoxx_daily: pd.DataFrame) -> None:
    for prices in (stoxx_daily, {"^STOXX50E": stoxx_daily}):
        ax = plot_article(_seed_events(), SEED_ID, prices=prices, source=_NoLoading(), days=2)  # type: ignore[arg-type]
        closes = stoxx_daily["Close"]
        pos = closes.index.get_loc(pd.Timestamp("2024-11-27"))
        np.testing.assert_allclose(
            np.asarray(_line(ax, "price").get_ydata(), dtype=float), closes.iloc[pos - 2 : pos + 3].to_numpy()
        )
        (seg,) = _line(ax, "snapshot_level").get_segments()
        assert seg[0, 1] == pytest.approx(PREV_CLOSE - 28.84)
        assert closes.loc["2024-11-27"] == pytest.approx(CLOSE)


def test_plot_article_intraday_with_given_bars(hourly_dir: Path, stoxx_daily: pd.DataFrame) -> None:
    bars = pd.read_csv(hourly_dir / "^STOXX50E.csv", parse_dates=["Datetime"]).set_index("Datetime")
    local_day = pd.DatetimeIndex(bars.index).tz_convert("Europe/Berlin").tz_localize(None).normalize()
    expected = bars.loc[local_day.isin(pd.DatetimeIndex(["2024-11-26", "2024-11-27", "2024-11-28"])), "Close"]
    # with the daily bars: the box's level rests on the official close of the 26th
    ax = plot_article(_seed_events("1h"), SEED_ID, prices=bars, daily_prices=stoxx_daily, interval="1h", days=1)
    np.testing.assert_allclose(np.asarray(_line(ax, "price").get_ydata(), dtype=float), expected.to_numpy())
    (seg,) = _line(ax, "snapshot_level").get_segments()
    assert seg[0, 1] == pytest.approx(PREV_CLOSE - 28.84)
    # without them: the last hourly close of the 26th
    ax = plot_article(_seed_events("1h"), SEED_ID, prices=bars, interval="1h", days=1)
    last_26 = float(bars.loc[local_day == pd.Timestamp("2024-11-26"), "Close"].iloc[-1])
    (seg,) = _line(ax, "snapshot_level").get_segments()
    assert seg[0, 1] == pytest.approx(last_26 - 28.84)


def test_plots_refuse_without_prices_or_source(stoxx_daily: pd.DataFrame) -> None:
    with pytest.raises(ConfigurationError, match=r"prices=.*source="):
        plot_article(_seed_events(), SEED_ID)
    corpus = Corpus(
        pd.DataFrame({"article_id": ["a"], "instrument": ["Euro STOXX 50"],
                      "published_at": pd.DatetimeIndex(["2024-11-27 11:00"], tz="UTC")}),
        pd.DataFrame(columns=["article_id", "instrument"]),
        pd.DataFrame(columns=["source", "reason"]),
        1,
    )  # fmt: skip
    with pytest.raises(ConfigurationError, match=r"prices=.*source="):
        plot_timeline(corpus)
    # a corpus is aligned first: a single frame (no symbol) is not enough
    with pytest.raises(ConfigurationError, match="aligns the article"):
        plot_article(corpus, "a", prices=stoxx_daily)
    ax = plot_timeline(corpus, prices=stoxx_daily, source=_NoLoading())  # type: ignore[arg-type]
    expected = stoxx_daily.loc["2024-11-20":"2024-12-04", "Close"]
    np.testing.assert_allclose(np.asarray(_line(ax, "close").get_ydata(), dtype=float), expected.to_numpy())
