"""The cross-section of reactions: regressions of CARs on article features, group
comparisons, the skewness-adjusted BHAR t and bootstrap confidence intervals.

Everything here reads a finished :class:`~mktnews.results.EventStudyResults` (its ``car``
frame, one row per event and window, and its ``events`` frame, one row per article) and
returns plain statsmodels / pandas objects. The methods ``res.regress``, ``res.compare``,
``res.bhar_test`` and ``res.bootstrap`` call the functions of this module.

Conventions
-----------
- An event of the study may hold several articles (``collapse=True``). A right-hand
  column of the articles is given to its event when all its articles agree on it; when
  they differ, :func:`regress` refuses and names the event and the column (run the study
  with ``collapse=False``, one event per article, or pass ``data=`` one row per event).
- Rows with a missing value in a variable of the formula are refused by default
  (``missing="raise"``); ``missing="drop"`` drops them (the result's ``nobs`` says how
  many were used).
- ``cov_type``: ``"nonrobust"`` (OLS), ``"HC0"``–``"HC3"`` (White and its small-sample
  forms), or ``"cluster_date"``: standard errors clustered by day 0 (``t0``), statsmodels'
  cluster-robust covariance with its default small-sample correction.
- Skewness-adjusted t (Lyon, Barber and Tsai 1999, eq. 5) of the BHARs of ``n`` events:
  ``S = mean / sd``, ``g = sum((x - mean)^3) / (n sd^3)`` with ``sd`` the sample standard
  deviation (ddof = 1), ``t_sa = sqrt(n) (S + g S^2 / 3 + g / (6 n))``; p two-sided from the
  standard normal.
- Bootstrap: events are resampled with replacement (``B`` draws of ``n`` events from
  ``numpy.random.default_rng(seed)``); the confidence interval is the percentile interval
  of the ``B`` resampled means (CAAR = mean CAR over events; mean BHAR).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

import numpy as np
import pandas as pd

from mktnews.errors import ConfigurationError, InvalidOptionError

if TYPE_CHECKING:
    from mktnews.articles import Corpus

__all__ = ["COV_TYPES", "bhar_test", "bootstrap", "compare", "regress", "regression_data"]


class StudyFrames(Protocol):
    """The frames of a finished study that this module reads (an
    :class:`~mktnews.results.EventStudyResults` has them; typed structurally so that this
    module sits below the results layer)."""

    @property
    def events(self) -> pd.DataFrame:
        """One row per (article, instrument)."""
        ...

    @property
    def car(self) -> pd.DataFrame:
        """Per event and window: CAR, BHAR, SCAR, t, p."""
        ...

    @property
    def tests(self) -> pd.DataFrame:
        """Test statistics per group and window."""
        ...

    @property
    def placebo(self) -> pd.DataFrame:
        """Placebo draws."""
        ...

    @property
    def windows(self) -> list[tuple[int, int]]:
        """The event windows."""
        ...

    @property
    def groups(self) -> list[str]:
        """Group labels with at least one event."""
        ...


CovType = Literal["nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster_date"]
#: Covariance estimators of :func:`regress`.
COV_TYPES: tuple[str, ...] = get_args(CovType)

#: Left-hand sides of :func:`regress`.
MEASURES: tuple[str, ...] = ("car", "abs_car", "scar", "bhar")

# names of variables in a formula: identifiers not called (``C(``, ``np.log(``), not
# attributes (``np.log``), not keyword arguments (``reference=``); quoted strings removed first
_IDENT = re.compile(r"(?<![.\w])([A-Za-z_]\w*)(?![\w.]|\s*\(|\s*=(?!=))")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def _window_rows(res: StudyFrames, window: object) -> pd.DataFrame:
    from mktnews.windows import EventWindow

    w = EventWindow.coerce(window, "window").as_tuple()
    car = res.car
    if w not in [tuple(x) for x in res.windows]:
        raise InvalidOptionError("window", w, [tuple(x) for x in res.windows])
    sel = np.fromiter((tuple(x) == w for x in car["window"]), dtype=bool, count=len(car))
    out = car[sel].reset_index(drop=True)
    out["abs_car"] = out["car"].abs()
    return out


def _article_columns(res: StudyFrames, corpus: Corpus | pd.DataFrame | None) -> pd.DataFrame:
    """Per article row of the study: its study event and every column of the events frame
    (and of the corpus' articles, joined on ``article_id``)."""
    ev = res.events
    if not isinstance(ev, pd.DataFrame):  # a Dask study: its events are lazy
        ev = ev.compute()
    ev = ev[ev["study_event_id"].notna()]
    if corpus is not None:
        arts = corpus if isinstance(corpus, pd.DataFrame) else corpus.articles
        if "article_id" not in arts.columns:
            raise InvalidOptionError("corpus", "DataFrame", reason="it has no article_id column")
        extra = [c for c in arts.columns if c not in ev.columns]
        ev = ev.merge(arts[["article_id", *extra]], on="article_id", how="left")
    return ev


def regression_data(
    res: StudyFrames,
    window: object,
    columns: Iterable[str] = (),
    *,
    corpus: Corpus | pd.DataFrame | None = None,
    data: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per event of ``window``: the ``car`` frame's columns, ``abs_car``, and the
    article ``columns`` (one value per event, see the module's conventions)."""
    rows = _window_rows(res, window)
    wanted = [c for c in dict.fromkeys(columns) if c not in rows.columns]
    if data is not None:
        if "event_id" not in data.columns:
            raise InvalidOptionError("data", "DataFrame", reason="it needs an event_id column")
        if data["event_id"].duplicated().any():
            raise InvalidOptionError("data", "DataFrame", reason="event_id is repeated")
        take = [c for c in data.columns if c != "event_id" and c not in rows.columns]
        rows = rows.merge(data[["event_id", *take]], on="event_id", how="left")
        wanted = [c for c in wanted if c not in rows.columns]
    if not wanted:
        return rows
    arts = _article_columns(res, corpus)
    unknown = [c for c in wanted if c not in arts.columns]
    if unknown:
        raise ConfigurationError(
            f"column(s) {unknown} are neither in res.car nor in the events or the corpus; "
            "pass corpus= (the Corpus or articles frame) or data= (one row per event_id)"
        )
    per_event = {}
    g = arts.groupby("study_event_id", sort=False)
    for c in wanted:  # loop per column
        nun = g[c].nunique(dropna=False)
        bad = nun[nun > 1]
        if len(bad):
            raise ConfigurationError(
                f"event {bad.index[0]!r} collapses {int(g.size()[bad.index[0]])} articles whose "
                f"{c!r} differ ({len(bad)} such events): run the study with collapse=False (one "
                "event per article) or pass data= one row per event_id"
            )
        per_event[c] = g[c].first()
    extra = pd.DataFrame(per_event)
    extra.index = extra.index.astype("str")
    return rows.merge(extra, left_on="event_id", right_index=True, how="left")


def regress(
    res: StudyFrames,
    formula: str,
    *,
    window: object,
    cov_type: str = "nonrobust",
    corpus: Corpus | pd.DataFrame | None = None,
    data: pd.DataFrame | None = None,
    missing: str = "raise",
) -> Any:
    """OLS of an event measure on event or article features (statsmodels formula).

    Parameters
    ----------
    res : EventStudyResults
    formula : str
        ``"car ~ length + C(outlet) + after_close"``; the left side one of ``car``,
        ``abs_car``, ``scar``, ``bhar``; the right side any column of ``res.car``, of the
        events (``res.events``), of ``corpus`` or of ``data``.
    window : pair
        One of the study's windows.
    cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster_date"}
    corpus : Corpus or DataFrame, optional
        Articles whose columns (joined on ``article_id``) may appear in the formula.
    data : DataFrame, optional
        One row per ``event_id`` with further columns.
    missing : {"raise", "drop"}

    Returns
    -------
    statsmodels.regression.linear_model.RegressionResultsWrapper
    """
    try:
        import statsmodels.formula.api as smf
    except ImportError as exc:
        raise ConfigurationError('regress needs statsmodels: pip install "mktnews[paper]"') from exc

    if cov_type not in COV_TYPES:
        raise InvalidOptionError("cov_type", cov_type, COV_TYPES)
    if missing not in ("raise", "drop"):
        raise InvalidOptionError("missing", missing, ("raise", "drop"))
    if not isinstance(formula, str) or "~" not in formula:
        raise InvalidOptionError("formula", formula, reason="expected 'lhs ~ rhs'")
    lhs, rhs = (p.strip() for p in formula.split("~", 1))
    if lhs not in MEASURES:
        raise InvalidOptionError("formula", formula, reason=f"the left side must be one of {MEASURES}")
    names = list(dict.fromkeys(_IDENT.findall(_QUOTED.sub("", rhs))))
    frame = regression_data(res, window, names, corpus=corpus, data=data)
    used = [lhs, *[n for n in names if n in frame.columns]]
    if cov_type == "cluster_date":
        used.append("t0")
    na = frame[used].isna().any(axis=1)
    if na.any():
        if missing == "raise":
            cols = [c for c in used if frame[c].isna().any()]
            raise ConfigurationError(
                f"{int(na.sum())} of {len(frame)} events have a missing value in {cols}: pass "
                "missing='drop' to leave them out"
            )
        frame = frame[~na].reset_index(drop=True)
    model = smf.ols(formula, data=frame)
    if cov_type == "nonrobust":
        return model.fit()
    if cov_type == "cluster_date":
        groups = pd.factorize(frame["t0"])[0]
        return model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    return model.fit(cov_type=cov_type)


def _select(res: StudyFrames, rows: pd.DataFrame, which: object, name: str) -> pd.DataFrame:
    if isinstance(which, str):
        if which in set(rows["group"]):
            return rows[rows["group"] == which]
        raise InvalidOptionError(name, which, sorted(set(rows["group"])))
    if isinstance(which, pd.Series) and which.dtype == bool:
        ids = set(which[which].index.astype(str))
    elif isinstance(which, Iterable):
        ids = {str(x) for x in which}
    else:
        raise InvalidOptionError(
            name, which, reason="expected a group label of the study or a list of event_ids"
        )
    unknown = ids - set(rows["event_id"])
    if unknown:
        raise InvalidOptionError(
            name, sorted(unknown)[:3], reason="event_id(s) not among the events of this window"
        )
    return rows[rows["event_id"].isin(ids)]


def compare(
    res: StudyFrames, group_a: object, group_b: object, *, window: object, measure: str = "car"
) -> pd.DataFrame:
    """Difference of the mean ``measure`` (the CAAR for ``car``) of two sets of events.

    Parameters
    ----------
    group_a, group_b : str or list of event_id
        A group label of the study (``group_by``) or event ids.
    window : pair
    measure : {"car", "bhar", "scar", "abs_car"}

    Returns
    -------
    DataFrame
        One row per test (``welch_t``: Welch's unequal-variance t, two-sided; ``mann_whitney``:
        the U statistic of group a, two-sided, scipy's default method; ``placebo`` when both
        are groups of a study run with ``placebo=N``: the percentile of the difference among
        the draws' differences) with ``mean_a``, ``mean_b``, ``diff``, ``n_a``, ``n_b``,
        ``statistic``, ``p_value``, ``convention``.
    """
    from scipy import stats

    if measure not in MEASURES:
        raise InvalidOptionError("measure", measure, MEASURES)
    rows = _window_rows(res, window)
    a = _select(res, rows, group_a, "group_a")[measure].dropna().to_numpy(dtype=float)
    b = _select(res, rows, group_b, "group_b")[measure].dropna().to_numpy(dtype=float)
    if len(a) < 2 or len(b) < 2:
        raise ConfigurationError(
            f"compare needs at least 2 events in each group (got {len(a)} and {len(b)})"
        )
    welch = stats.ttest_ind(a, b, equal_var=False)
    mw = stats.mannwhitneyu(a, b, alternative="two-sided")
    base = {"mean_a": a.mean(), "mean_b": b.mean(), "diff": a.mean() - b.mean(), "n_a": len(a), "n_b": len(b)}
    out = [
        {"test": "welch_t", **base, "statistic": float(welch.statistic), "p_value": float(welch.pvalue),
         "convention": "Welch's unequal-variance t of mean_a - mean_b, two-sided (scipy.stats.ttest_ind)"},
        {"test": "mann_whitney", **base, "statistic": float(mw.statistic), "p_value": float(mw.pvalue),
         "convention": "Mann-Whitney U of group a, two-sided (scipy.stats.mannwhitneyu)"},
    ]  # fmt: skip
    placebo = _placebo_difference(res, group_a, group_b, rows, measure, float(base["diff"]))
    if placebo is not None:
        out.append({"test": "placebo", **base, **placebo})
    return pd.DataFrame(out)


def _placebo_difference(
    res: StudyFrames, group_a: object, group_b: object, rows: pd.DataFrame, measure: str, diff: float
) -> dict[str, object] | None:
    """The placebo test of the difference of CAARs when both sets are groups of a study
    run with ``placebo=N``: draw ``d``'s difference is ``caar_a[d] - caar_b[d]`` (each
    group's draws replace its events by random sessions of the same instruments)."""
    if measure != "car" or not (isinstance(group_a, str) and isinstance(group_b, str)):
        return None
    pl = res.placebo
    if not len(pl) or not {"group", "window", "draw", "caar"} <= set(pl.columns):
        return None
    w = tuple(rows["window"].iloc[0])
    sel = np.fromiter((tuple(x) == w for x in pl["window"]), dtype=bool, count=len(pl))
    pw = pl[sel]
    da = pw[pw["group"] == group_a].set_index("draw")["caar"]
    db = pw[pw["group"] == group_b].set_index("draw")["caar"]
    if not len(da) or not len(db):
        return None
    d = (da - db.reindex(da.index)).to_numpy(dtype=float)
    d = d[np.isfinite(d)]
    nd = len(d)
    if not nd:
        return None
    le = int((d <= diff).sum())
    ge = int((d >= diff).sum())
    return {
        "statistic": 100.0 * le / nd,
        "p_value": min(1.0, 2.0 * min(1 + le, 1 + ge) / (nd + 1)),
        "convention": f"percentile (0-100) of diff among {nd} placebo differences "
        "caar_a[draw] - caar_b[draw] (res.placebo); p two-sided = "
        "min(1, 2*min(1+#below-or-equal, 1+#above-or-equal)/(draws+1))",
    }


def _by_group(rows: pd.DataFrame) -> Mapping[str, pd.DataFrame]:
    return {str(g): part for g, part in rows.groupby("group", sort=True)}


def skewness_adjusted_t(x: np.ndarray) -> tuple[float, float, float]:
    """(t_sa, S, g) of Lyon, Barber and Tsai (1999) for the values ``x``."""
    n = len(x)
    m = x.mean()
    sd = x.std(ddof=1)
    S = m / sd
    g = ((x - m) ** 3).sum() / (n * sd**3)
    return float(np.sqrt(n) * (S + g * S**2 / 3.0 + g / (6.0 * n))), float(S), float(g)


def bhar_test(res: StudyFrames, *, window: object) -> pd.DataFrame:
    """The skewness-adjusted t of the mean BHAR per group (see the module's conventions).

    Returns
    -------
    DataFrame
        ``group, window, n, mean_bhar, skewness, statistic, p_value, convention``.
    """
    from scipy import stats

    rows = _window_rows(res, window)
    out = []
    for g, part in _by_group(rows).items():  # loop per group
        x = part["bhar"].dropna().to_numpy(dtype=float)
        if len(x) < 3:
            t = gam = float("nan")
        else:
            t, _, gam = skewness_adjusted_t(x)
        out.append(
            {
                "group": g,
                "window": tuple(part["window"].iloc[0]),
                "n": len(x),
                "mean_bhar": float(x.mean()) if len(x) else float("nan"),
                "skewness": gam,
                "statistic": t,
                "p_value": float(2 * stats.norm.sf(abs(t))) if np.isfinite(t) else float("nan"),
                "convention": "Lyon-Barber-Tsai (1999) skewness-adjusted t: sqrt(n)(S + g S^2/3 + "
                "g/(6n)), S = mean/sd, g = sum((x-mean)^3)/(n sd^3), sd with ddof=1; p two-sided normal",
            }
        )
    return pd.DataFrame(out)


def bootstrap(
    res: StudyFrames,
    *,
    window: object,
    draws: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Percentile bootstrap confidence intervals of the CAAR and the mean BHAR per group.

    Returns
    -------
    DataFrame
        ``group, window, measure ("caar" | "mean_bhar"), estimate, ci_low, ci_high, n,
        draws, seed, convention``.
    """
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise InvalidOptionError("draws", draws, reason="expected a number of draws >= 1")
    if not 0 < level < 1:
        raise InvalidOptionError("level", level, reason="expected a level in (0, 1)")
    rows = _window_rows(res, window)
    rng = np.random.default_rng(seed)
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    out = []
    for g, part in _by_group(rows).items():  # loop per group
        for measure, col in (("caar", "car"), ("mean_bhar", "bhar")):
            x = part[col].dropna().to_numpy(dtype=float)
            n = len(x)
            if n == 0:
                continue
            idx = rng.integers(0, n, size=(int(draws), n))
            means = x[idx].mean(axis=1)
            out.append(
                {
                    "group": g,
                    "window": tuple(part["window"].iloc[0]),
                    "measure": measure,
                    "estimate": float(x.mean()),
                    "ci_low": float(np.quantile(means, lo_q)),
                    "ci_high": float(np.quantile(means, hi_q)),
                    "n": n,
                    "draws": int(draws),
                    "seed": seed,
                    "convention": f"percentile bootstrap: {draws} resamples of the {n} events "
                    f"with replacement (numpy default_rng({seed}), groups and measures in order), "
                    f"{level:.0%} interval of the resampled means (numpy.quantile, linear)",
                }
            )
    return pd.DataFrame(out)
