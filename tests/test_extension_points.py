"""Extension points, each shown with a user-defined one: a normal-return model with K
regressors, a reader (by suffix and by type) and a ticker-box layout.

Expected values come from outside mktnews: a per-event statsmodels OLS on the real
Euro STOXX 50 / DAX closes of the bundled sample (plain pandas.read_csv), and the seed
article's box written by hand (Euro STOXX 50, -28.84)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import mktnews as mn
from mktnews import articles, boxes, models
from mktnews.boxes import BoxRow
from mktnews.errors import InvalidOptionError

SAMPLE = Path(mn.__file__).resolve().parent / "datasets" / "data"
SEED = (SAMPLE / "000_c914ccdd9c6fabd9.txt").read_text(encoding="utf-8")
T0S = ["2024-01-25", "2024-03-07", "2024-06-06", "2024-09-12", "2024-11-27"]
EST, SPAN = (-200, -11), (-1, 1)


def _close(symbol: str) -> pd.Series:
    df = pd.read_csv(SAMPLE / f"{symbol}.csv", parse_dates=["Date"]).set_index("Date")
    return df["Close"].astype(float)


# --------------------------------------------------------------------------- models


@dataclass(frozen=True)
class QuadraticMarket:
    """A user's model with K = 2: the benchmark return and its square."""

    name: str = "quadratic_market"
    regressors: tuple[str, ...] = ("mkt", "mkt2")
    uses_benchmark: bool = True

    def design(self, market: np.ndarray, stamps: np.ndarray) -> np.ndarray:
        return np.stack([market, market**2], axis=-1)


@pytest.fixture
def registered() -> Iterator[None]:
    models.register_model(QuadraticMarket())
    models.register_model(models.BenchmarkRegressors())
    yield
    models.unregister_model("quadratic_market")
    models.unregister_model("market_model_ols")


def _events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(len(T0S))],
            "article_id": [f"a{i}" for i in range(len(T0S))],
            "symbol": "^GDAXI",
            "t0": pd.DatetimeIndex(T0S).as_unit("ns"),
            "status": "ok",
        }
    )


def _study(model: str) -> mn.EventStudyResults:
    src = mn.FileSource(SAMPLE)
    return mn.event_study(
        _events(), source=src, model=model, benchmark="^STOXX50E", estimation=EST,  # type: ignore[arg-type]
        windows=[SPAN], collapse=False, tests=["cs_t"],
    )  # fmt: skip


def test_user_model_with_two_regressors_equals_statsmodels(registered: None) -> None:
    res = _study("quadratic_market")
    dax = _close("^GDAXI")
    r = dax.pct_change()
    # the benchmark on the DAX's sessions: no return on, or across, a day it lacks
    m = _close("^STOXX50E").reindex(dax.index).pct_change(fill_method=None)
    par = res.params.set_index("event_id")
    for i, day in enumerate(T0S):
        pos = r.index.get_loc(pd.Timestamp(day))
        e = pd.DataFrame({"r": r.iloc[pos + EST[0] : pos + EST[1] + 1], "m": m}).dropna()
        x = sm.add_constant(pd.DataFrame({"m": e["m"], "m2": e["m"] ** 2}))
        ols = sm.OLS(e["r"], x).fit()
        w = pd.DataFrame({"r": r.iloc[pos + SPAN[0] : pos + SPAN[1] + 1], "m": m}).dropna()
        xw = sm.add_constant(pd.DataFrame({"m": w["m"], "m2": w["m"] ** 2}), has_constant="add")
        ar = w["r"] - xw @ ols.params
        cov = ols.cov_params().to_numpy()
        g = xw.to_numpy().sum(axis=0)
        sd_car = np.sqrt(len(w) * ols.scale + g @ cov @ g)
        car = res.car[res.car["event_id"] == f"e{i}"].iloc[0]
        assert car["car"] == pytest.approx(ar.sum(), abs=1e-10)
        assert car["sd_car"] == pytest.approx(sd_car, rel=1e-9)
        assert int(par.loc[f"e{i}", "L"]) == int(ols.nobs)
        assert par.loc[f"e{i}", "b_mkt"] == pytest.approx(ols.params["m"], abs=1e-9)
        assert par.loc[f"e{i}", "b_mkt2"] == pytest.approx(ols.params["m2"], abs=1e-7)
    assert res.options["model"] == "quadratic_market" and res.options["k"] == 3


def test_market_model_is_the_k1_case(registered: None) -> None:
    closed = _study("market_model")
    general = _study("market_model_ols")
    np.testing.assert_allclose(general.car["car"], closed.car["car"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(general.car["sd_car"], closed.car["sd_car"], rtol=1e-10)
    np.testing.assert_allclose(general.tests["statistic"], closed.tests["statistic"], rtol=1e-9)


def test_model_registry_refuses_with_messages(registered: None) -> None:
    with pytest.raises(InvalidOptionError, match="built-in"):
        models.register_model(QuadraticMarket(name="market_model"))
    with pytest.raises(InvalidOptionError, match="already registered"):
        models.register_model(QuadraticMarket())
    with pytest.raises(InvalidOptionError, match="distinct"):
        models.register_model(QuadraticMarket(name="q2", regressors=()))
    with pytest.raises(mn.ConfigurationError, match="benchmark"):
        mn.event_study(_events(), source=mn.FileSource(SAMPLE), model="quadratic_market")  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match="model"):
        mn.event_study(_events(), source=mn.FileSource(SAMPLE), model="not_registered")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- readers


class PipeReader:
    """A user's reader of ``.news`` files: one story per line, ``id|YYYY-MM-DD HH:MM|text``
    with ``\\n`` escaped as ``\\\\n``."""

    name = "pipe"
    suffixes = (".news",)
    types: tuple[type, ...] = ()

    def read(self, source: Path) -> pd.DataFrame:
        rows = [line.split("|", 2) for line in Path(source).read_text(encoding="utf-8").splitlines() if line]
        return pd.DataFrame(
            {"id": [r[0] for r in rows], "time": [r[1] for r in rows], "text": [r[2].replace("\\n", "\n") for r in rows]}
        )


@dataclass
class Wire:
    """A user's feed type: stories by id."""

    stories: dict[str, str]


class WireReader:
    name = "wire"
    suffixes: tuple[str, ...] = ()
    types = (Wire,)

    def read(self, source: Wire) -> Mapping[str, str]:
        return source.stories


@pytest.fixture
def readers() -> Iterator[None]:
    articles.register_reader(PipeReader())
    articles.register_reader(WireReader())
    yield
    articles.unregister_reader("pipe")
    articles.unregister_reader("wire")


def test_user_readers_by_suffix_and_type(readers: None, tmp_path: Path) -> None:
    path = tmp_path / "day.news"
    seed_line = SEED.replace("\n", "\\n")
    path.write_text(f"s1|2024-11-27 12:00|{seed_line}\ns2|2024-11-27 13:00|   \n", encoding="utf-8")
    corpus = mn.read_articles(path, tz="Europe/Berlin")
    assert corpus.articles["article_id"].tolist() == ["s1"]
    assert corpus.articles.loc[0, "instrument"] == "Euro STOXX 50"
    assert corpus.articles.loc[0, "snapshot_change"] == -28.84
    assert corpus.articles.loc[0, "published_at"] == pd.Timestamp("2024-11-27 11:00", tz="UTC")
    assert corpus.rejected["source"].tolist() == [f"{path}:1"]  # the blank story, accounted for
    assert corpus.n_inputs == 2
    wire = mn.read_articles(Wire({"w1": SEED, "w2": ""}))
    assert wire.articles["article_id"].tolist() == ["w1"] and wire.articles.loc[0, "byline"] == "H.Schneide"
    assert wire.rejected["reason"].tolist() == ["empty text"]
    with pytest.raises(InvalidOptionError, match="already read"):
        articles.register_reader(PipeReader.__new__(type("Csv", (PipeReader,), {"name": "csv2", "suffixes": (".csv",)})))
    with pytest.raises(mn.ArticleError, match="no such file"):
        mn.read_articles(tmp_path / "missing.news")


# --------------------------------------------------------------------------- box layouts


class PipeBox:
    """A user's box layout: ``Kurs | <name> | <change in points>`` on the first line."""

    name = "pipe_box"

    def find(self, lines: Sequence[str], known: Mapping[str, str]) -> tuple[int, int, list[BoxRow], list[str]] | None:
        parts = [p.strip() for p in lines[0].split("|")] if lines else []
        if len(parts) != 3 or parts[0] != "Kurs":
            return None
        change = float(parts[2].replace(",", "."))
        return 0, 1, [BoxRow(parts[1], change, float("nan"), float("nan"), lines[0], False)], []


def test_user_box_layout() -> None:
    text = "Kurs | Euro STOXX 50 | -28,84\n" + SEED.split("\n", 2)[2]
    before = mn.read_articles([text])
    assert before.articles.loc[0, "instrument"] is pd.NA or pd.isna(before.articles.loc[0, "instrument"])
    boxes.register_box_layout(PipeBox())
    try:
        assert boxes.box_layouts() == ("pipe_box",)
        got = mn.read_articles([text])
        seed = mn.read_articles([SEED])  # a built-in layout is still read by the built-in rules
    finally:
        boxes.unregister_box_layout("pipe_box")
    assert got.articles.loc[0, "instrument"] == "Euro STOXX 50"
    assert got.articles.loc[0, "snapshot_change"] == -28.84
    assert got.articles.loc[0, "body"].startswith("Der russische Präsident")
    assert got.articles.loc[0, "outlet"] == "BBZ"
    assert seed.articles.loc[0, "snapshot_change"] == -28.84
    with pytest.raises(InvalidOptionError, match="find"):
        boxes.register_box_layout(object())  # type: ignore[arg-type]
