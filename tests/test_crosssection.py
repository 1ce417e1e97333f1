"""Cross-sectional regressions, group comparisons, the skewness-adjusted BHAR t, the
bootstrap and the paper table.

The study runs on the bundled real DAX / Euro STOXX 50 closes; the article features
(outlet, length, after_close) are GENERATED here. Expected values: statsmodels run
directly on ``res.car`` merged with the corpus in the test (and numpy least squares by
hand), scipy's Welch t and Mann–Whitney on the groups' CARs, Welch's t by its formula,
the Lyon–Barber–Tsai t by its formula in a plain loop, bootstrap means in a plain loop.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

import mktnews as mn
from mktnews.datasets import sample_source
from mktnews.errors import ConfigurationError, InvalidOptionError

W = (0, 1)


@pytest.fixture(scope="module")
def corpus() -> mn.Corpus:
    rng = np.random.default_rng(7)
    days = pd.bdate_range("2023-06-01", "2024-12-20")
    pick = np.sort(rng.choice(len(days), size=60, replace=False))
    hours = rng.choice([10, 15, 19], size=60)  # 19:00 Berlin: after the close
    times = [pd.Timestamp(days[i]) + pd.Timedelta(hours=int(h)) for i, h in zip(pick, hours, strict=True)]
    table = pd.DataFrame(
        {
            "id": [f"n{i:02d}" for i in range(60)],
            "instrument": np.where(rng.random(60) < 0.5, "^GDAXI", "^STOXX50E"),
            "published_at": pd.DatetimeIndex(times).tz_localize("Europe/Berlin"),
            "outlet": rng.choice(["Alpha", "Beta", "Gamma"], size=60),
            "length": rng.integers(200, 2000, size=60),
            "after_close": (hours == 19).astype(int),
        }
    )
    return mn.read_articles(table)


@pytest.fixture(scope="module")
def res(corpus: mn.Corpus) -> mn.EventStudyResults:
    return mn.event_study(
        corpus, source=sample_source(), windows=[(0, 1), (-1, 1)], estimation=(-120, -11),
        min_estimation=100, collapse=False, tests=["cs_t", "patell", "sign"],
    )  # fmt: skip


@pytest.fixture(scope="module")
def merged(res: mn.EventStudyResults, corpus: mn.Corpus) -> pd.DataFrame:
    car = res.car[[tuple(w) == W for w in res.car["window"]]]
    ev = res.events[["event_id", "article_id"]]
    arts = corpus.articles[["article_id", "outlet", "length", "after_close"]]
    df = car.merge(ev, on="event_id").merge(arts, on="article_id", suffixes=("", "_art"))
    df["abs_car"] = df["car"].abs()
    return df.reset_index(drop=True)


def test_regress_hc1_equals_statsmodels(res: mn.EventStudyResults, corpus: mn.Corpus, merged: pd.DataFrame) -> None:
    f = "car ~ length + C(outlet) + after_close"
    got = res.regress(f, window=W, cov_type="HC1", corpus=corpus)
    exp = smf.ols(f, data=merged).fit(cov_type="HC1")
    assert got.nobs == exp.nobs == len(merged) > 30
    pd.testing.assert_series_equal(got.params, exp.params, rtol=0, atol=1e-12)
    pd.testing.assert_series_equal(got.bse, exp.bse, rtol=1e-10, atol=1e-14)
    # by hand: dummies for Beta and Gamma, least squares
    X = np.column_stack(
        [np.ones(len(merged)), merged["outlet"] == "Beta", merged["outlet"] == "Gamma",
         merged["length"], merged["after_close"]]
    ).astype(float)  # fmt: skip
    b = np.linalg.lstsq(X, merged["car"].to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(got.params.to_numpy(), b, atol=1e-10)


def test_regress_cluster_date_and_abs_car(res: mn.EventStudyResults, corpus: mn.Corpus, merged: pd.DataFrame) -> None:
    got = res.regress("abs_car ~ after_close", window=W, cov_type="cluster_date", corpus=corpus)
    X = sm.add_constant(merged[["after_close"]].astype(float))
    groups = pd.factorize(merged["t0"])[0]
    exp = sm.OLS(merged["abs_car"], X).fit(cov_type="cluster", cov_kwds={"groups": groups})
    np.testing.assert_allclose(got.params.to_numpy(), exp.params.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(got.bse.to_numpy(), exp.bse.to_numpy(), rtol=1e-10)


def test_regress_refusals(res: mn.EventStudyResults, corpus: mn.Corpus) -> None:
    with pytest.raises(InvalidOptionError, match="left side"):
        res.regress("ret ~ length", window=W, corpus=corpus)
    with pytest.raises(ConfigurationError, match=r"neither in res\.car"):
        res.regress("car ~ nosuchcolumn", window=W)
    with pytest.raises(InvalidOptionError, match="cov_type"):
        res.regress("car ~ length", window=W, cov_type="HC9", corpus=corpus)
    with pytest.raises(InvalidOptionError, match="window"):
        res.regress("car ~ length", window=(0, 5), corpus=corpus)


def test_regress_refuses_collapsed_events_with_different_values(corpus: mn.Corpus) -> None:
    arts = corpus.articles.copy()
    # two articles on the same instrument and day 0 from different outlets
    extra = arts.iloc[[0]].copy()
    extra["article_id"] = "dup"
    extra["outlet"] = "Other" if arts.iloc[0]["outlet"] != "Other" else "Else"
    table = pd.concat([arts, extra])[["article_id", "instrument", "published_at", "outlet"]]
    c2 = mn.read_articles(table.rename(columns={"article_id": "id"}))
    r2 = mn.event_study(c2, source=sample_source(), windows=[W], estimation=(-120, -11),
                        min_estimation=100, tests=None)  # fmt: skip
    with pytest.raises(ConfigurationError, match="collapse=False"):
        r2.regress("car ~ C(outlet)", window=W)


def test_compare_welch_and_mann_whitney(corpus: mn.Corpus) -> None:
    r = mn.event_study(corpus, source=sample_source(), windows=[W], estimation=(-120, -11),
                       min_estimation=100, collapse=False, group_by="outlet", tests=None)  # fmt: skip
    got = r.compare("Alpha", "Beta", window=W).set_index("test")
    car = r.car
    a = car.loc[car["group"] == "Alpha", "car"].to_numpy()
    b = car.loc[car["group"] == "Beta", "car"].to_numpy()
    welch = stats.ttest_ind(a, b, equal_var=False)
    mw = stats.mannwhitneyu(a, b, alternative="two-sided")
    assert got.loc["welch_t", "statistic"] == pytest.approx(welch.statistic, rel=1e-12)
    assert got.loc["welch_t", "p_value"] == pytest.approx(welch.pvalue, rel=1e-12)
    assert got.loc["mann_whitney", "statistic"] == pytest.approx(mw.statistic)
    assert got.loc["mann_whitney", "p_value"] == pytest.approx(mw.pvalue, rel=1e-12)
    # Welch's t by its formula
    t = (a.mean() - b.mean()) / np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    assert got.loc["welch_t", "statistic"] == pytest.approx(t, rel=1e-12)
    assert got.loc["welch_t", "diff"] == pytest.approx(a.mean() - b.mean(), abs=1e-15)
    # event ids work too
    ids_a = car.loc[car["group"] == "Alpha", "event_id"].tolist()
    ids_b = car.loc[car["group"] == "Beta", "event_id"].tolist()
    again = r.compare(ids_a, ids_b, window=W).set_index("test")
    assert again.loc["welch_t", "statistic"] == pytest.approx(t, rel=1e-12)


def test_bhar_skewness_adjusted_t_formula(res: mn.EventStudyResults) -> None:
    got = res.bhar_test(window=W).iloc[0]
    x = res.car.loc[[tuple(w) == W for w in res.car["window"]], "bhar"].to_list()
    n = len(x)
    m = sum(x) / n
    sd = (sum((v - m) ** 2 for v in x) / (n - 1)) ** 0.5
    S = m / sd
    g = sum((v - m) ** 3 for v in x) / (n * sd**3)
    t = n**0.5 * (S + g * S * S / 3 + g / (6 * n))
    assert got["statistic"] == pytest.approx(t, rel=1e-12)
    assert got["skewness"] == pytest.approx(g, rel=1e-12)
    assert got["p_value"] == pytest.approx(2 * stats.norm.sf(abs(t)), rel=1e-10)
    assert got["n"] == n


def test_bootstrap_percentile_intervals(res: mn.EventStudyResults) -> None:
    got = res.bootstrap(window=W, draws=400, seed=3).set_index("measure")
    sel = [tuple(w) == W for w in res.car["window"]]
    rng = np.random.default_rng(3)
    for measure, col in (("caar", "car"), ("mean_bhar", "bhar")):  # the stated order
        x = res.car.loc[sel, col].to_numpy()
        n = len(x)
        idx = rng.integers(0, n, size=(400, n))
        means = [float(np.mean([x[j] for j in row])) for row in idx]
        assert got.loc[measure, "estimate"] == pytest.approx(x.mean(), abs=1e-15)
        assert got.loc[measure, "ci_low"] == pytest.approx(np.quantile(means, 0.025), abs=1e-14)
        assert got.loc[measure, "ci_high"] == pytest.approx(np.quantile(means, 0.975), abs=1e-14)
    again = res.bootstrap(window=W, draws=400, seed=3)
    assert again["ci_low"].tolist() == got["ci_low"].tolist()  # fixed seed: same intervals


def test_table_values_stars_and_exports(res: mn.EventStudyResults, tmp_path: Path) -> None:
    tab = res.table(tests=["cs_t", "sign"])
    f = tab.frame
    assert list(f.columns) == ["group", "window", "CAAR", "stars", "N", "p(cs_t)", "p(sign)"]
    tt = res.tests
    for _, row in f.iterrows():
        w = tuple(row["window"])
        cars = res.car.loc[[tuple(x) == w for x in res.car["window"]], "car"]
        assert row["CAAR"] == pytest.approx(cars.mean(), abs=1e-15)
        assert row["N"] == len(cars)
        tsel = (tt["test"] == "cs_t").to_numpy() & np.array([tuple(x) == w for x in tt["window"]])
        p = float(tt.loc[tsel, "p_value"].iloc[0])
        assert row["p(cs_t)"] == p
        assert row["stars"] == ("***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.10 else "")
    tex = tab.to_latex(tmp_path / "t.tex")
    assert "\\begin{tabular}" in tex and "cs\\_t" in tex and (tmp_path / "t.tex").exists()
    md = tab.to_markdown()
    assert "| Window" in md and "Stars by the p-value of cs_t" in md
    xl = tab.to_excel(tmp_path / "t.xlsx")
    back = pd.read_excel(xl, sheet_name="table")
    np.testing.assert_allclose(back["CAAR"].to_numpy(), f["CAAR"].to_numpy(), rtol=1e-15)
    with pytest.raises(InvalidOptionError, match="tests"):
        res.table(tests=["bmp"])


def test_compare_placebo_of_the_difference(corpus: mn.Corpus) -> None:
    r = mn.event_study(corpus, source=sample_source(), windows=[W], estimation=(-120, -11),
                       min_estimation=100, collapse=False, group_by="outlet", tests=["cs_t", "placebo"],
                       placebo=150, seed=4)  # fmt: skip
    got = r.compare("Alpha", "Gamma", window=W).set_index("test").loc["placebo"]
    car = r.car
    diff = car.loc[car["group"] == "Alpha", "car"].mean() - car.loc[car["group"] == "Gamma", "car"].mean()
    pl = r.placebo
    a = pl[pl["group"] == "Alpha"].sort_values("draw")["caar"].to_numpy()
    b = pl[pl["group"] == "Gamma"].sort_values("draw")["caar"].to_numpy()
    below = above = 0
    for x, y in zip(a, b, strict=True):  # plain loop over the draws
        below += (x - y) <= diff
        above += (x - y) >= diff
    assert got["statistic"] == pytest.approx(100 * below / 150)
    assert got["p_value"] == pytest.approx(min(1, 2 * min(1 + below, 1 + above) / 151))
    # event ids (not groups): no placebo row
    assert "placebo" not in set(r.compare(list(car["event_id"][:5]), list(car["event_id"][5:10]), window=W)["test"])


def test_regress_with_functions_in_the_formula(res: mn.EventStudyResults, corpus: mn.Corpus, merged: pd.DataFrame) -> None:
    f = 'car ~ np.log(length) + C(outlet, Treatment(reference="Beta"))'
    got = res.regress(f, window=W, cov_type="HC3", corpus=corpus)
    exp = smf.ols(f, data=merged).fit(cov_type="HC3")
    np.testing.assert_allclose(got.params.to_numpy(), exp.params.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(got.bse.to_numpy(), exp.bse.to_numpy(), rtol=1e-10)
