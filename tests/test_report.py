"""The report folder (mktnews.report.write_report), on a real study of the bundled sample.

Expected values are computed here from the sample's price files with plain pandas (the
textbook constant-mean model on the data's rows), never taken from mktnews' own output.
"""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import pytest

from mktnews.articles import read_articles
from mktnews.datasets import sample_path, sample_source
from mktnews.events import align_events
from mktnews.prices.base import FrameSource
from mktnews.report import Report, write_report
from mktnews.study import event_study

DAYS = ("2024-03-07", "2024-04-11", "2024-06-06", "2024-07-18", "2024-09-12")


def _closes(symbol: str) -> pd.Series:
    return pd.read_csv(sample_path(f"{symbol}.csv"), parse_dates=["Date"]).set_index("Date")["Close"]


def _ar(closes: pd.Series, day: str, rel: int) -> float:
    r = closes.pct_change()
    pos = closes.index.get_loc(pd.Timestamp(day))
    est = r.iloc[pos - 250 : pos - 10]
    assert len(est) == 240 and est.notna().all()
    return float(r.iloc[pos + rel] - est.mean())


@pytest.fixture(scope="module")
def study():
    # ids with characters that cannot go into file names as they are
    table = pd.DataFrame({"article_id": [f"ecb/{d} decision" for d in DAYS],
                          "instrument": "DAX",
                          "published_at": [f"{d} 14:15" for d in DAYS]})
    corpus = read_articles(table, tz="Europe/Berlin")
    src = sample_source()
    events = align_events(corpus, source=src, instruments=["^GDAXI", "^STOXX50E"])
    results = event_study(events, source=src, windows=[(0, 0), (-1, 1)], placebo=40, seed=5)
    return corpus, results


def test_report_folder(study, tmp_path) -> None:
    corpus, results = study
    rep = write_report(results, tmp_path / "rep", source=sample_source(), corpus=corpus,
                       max_articles=3, notes=["publication times: ECB press releases, 14:15 CET"])
    assert isinstance(rep, Report)
    folder = tmp_path / "rep"
    for name in ("events.csv", "car.csv", "caar.csv", "tests.csv", "placebo.csv", "abnormal.parquet",
                 "summary.md", "report.html", "caar.png", "placebo.png"):
        assert (folder / name).is_file(), name
    # three article charts, named safely; PNG files
    charts = sorted(p.name for p in folder.glob("article_*.png"))
    assert charts == [f"article_ecb_{d}_decision.png" for d in DAYS[:3]]
    assert [a for a, _p in rep.article_plots] == [f"ecb/{d} decision" for d in DAYS[:3]]
    for p in folder.glob("*.png"):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert rep.skipped_plots == ()

    car = pd.read_csv(folder / "car.csv")
    assert len(car) == 2 * len(DAYS) * 2  # events x windows
    for sym in ("^GDAXI", "^STOXX50E"):
        closes = _closes(sym)
        for d in DAYS:
            rows = car[(car["symbol"] == sym) & (car["t0"] == d)]
            got = dict(zip(zip(rows["window_start"], rows["window_end"], strict=True), rows["car"], strict=True))
            assert got[(0, 0)] == pytest.approx(_ar(closes, d, 0), abs=1e-12)
            assert got[(-1, 1)] == pytest.approx(sum(_ar(closes, d, k) for k in (-1, 0, 1)), abs=1e-12)

    events = pd.read_csv(folder / "events.csv")
    assert len(events) == 2 * len(DAYS)
    assert set(events["t0"]) == set(DAYS) and set(events["status"]) == {"ok"}
    assert set(events["market_state"]) == {"regular"}

    abn = pd.read_parquet(folder / "abnormal.parquet")
    assert {"event_id", "rel", "date", "ret", "ar", "car"} <= set(abn.columns)
    dax = _closes("^GDAXI")
    row = abn[(abn["event_id"] == "^GDAXI@2024-06-06") & (abn["rel"] == 0)].iloc[0]
    assert row["ret"] == pytest.approx(dax.loc["2024-06-06"] / dax.loc["2024-06-05"] - 1, abs=1e-12)

    caar = pd.read_csv(folder / "caar.csv")
    day0 = caar[(caar["window_start"] == 0) & (caar["window_end"] == 0)].iloc[0]
    want = np.mean([_ar(_closes(s), d, 0) for s in ("^GDAXI", "^STOXX50E") for d in DAYS])
    assert day0["caar"] == pytest.approx(want, abs=1e-12)

    tests = pd.read_csv(folder / "tests.csv")
    assert {"group", "window_start", "window_end", "test", "statistic", "p_value", "n"} <= set(tests.columns)
    assert (tests.loc[tests["test"] == "cs_t", "n"] == 2 * len(DAYS)).all()

    md = (folder / "summary.md").read_text(encoding="utf-8")
    assert "publication times: ECB press releases, 14:15 CET" in md
    assert "![CAAR with its 95% band](caar.png)" in md
    assert "| articles read | 5 |" in md
    assert "Event study results" in md  # the summary's text form

    page = (folder / "report.html").read_text(encoding="utf-8")
    images = page.split('src="data:image/png;base64,')[1:]
    assert len(images) == 2 + 3
    first = base64.b64decode(images[0].split('"', 1)[0])
    assert first == (folder / "caar.png").read_bytes()


def test_report_says_which_charts_it_could_not_draw(study, tmp_path) -> None:
    corpus, results = study
    # a source without the DAX: its article charts cannot be drawn, and the report says so
    only_stoxx = FrameSource({"^STOXX50E": _closes("^STOXX50E").to_frame("close")})
    rep = write_report(results, tmp_path / "rep", source=only_stoxx, corpus=corpus, max_articles=2)
    assert [a for a, _ in rep.article_plots] == []
    assert len(rep.skipped_plots) == 2
    aid, why = rep.skipped_plots[0]
    assert aid == f"ecb/{DAYS[0]} decision" and "^GDAXI" in why
    md = (tmp_path / "rep" / "summary.md").read_text(encoding="utf-8")
    assert f"chart of article ecb/{DAYS[0]} decision not drawn" in md


def test_report_without_placebo_or_charts(tmp_path) -> None:
    from mktnews.datasets import load_sample

    results = event_study(load_sample(), source=sample_source(), windows=[(0, 0)])
    rep = write_report(results, tmp_path / "r", source=sample_source(), max_articles=0)
    names = {p.name for p in rep.files}
    assert "placebo.csv" not in names and "placebo.png" not in names
    assert not list((tmp_path / "r").glob("article_*.png"))
    car = pd.read_csv(tmp_path / "r" / "car.csv")
    seed_ar = 4733.1499 / 4761.9902 - 1 - _closes("^STOXX50E").pct_change().loc[:"2024-11-26"].iloc[-250:-10].mean()
    assert car.loc[0, "car"] == pytest.approx(seed_ar, abs=1e-12)
    events = pd.read_csv(tmp_path / "r" / "events.csv")
    assert events.loc[0, "snapshot_change"] == -28.84 and events.loc[0, "t0"] == "2024-11-27"
    assert list(events.columns[:2]) == ["event_id", "article_id"]
