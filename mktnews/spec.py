"""The study spec: the one home of every option's default and of its validation.

:data:`DEFAULT_OPTIONS` holds the default of every option of :func:`mktnews.event_study`;
the function's signature, :class:`mktnews.EventStudy`, the ``mktnews study`` command and
the Dask path read them from here. :func:`validate_spec` checks a set of options (missing
ones take their default) and returns a frozen :class:`StudySpec`, which the engine reads
and the results keep.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import cast

import numpy as np
import pandas as pd

from mktnews.errors import ConfigurationError, InvalidOptionError
from mktnews.factors import check_factor_options, describe_factors, model_k
from mktnews.inference import TESTS, event_test, event_test_names, placebo_statistic
from mktnews.measures import check_measure_options
from mktnews.models import needs_benchmark, registered_model
from mktnews.unsigned import UNSIGNED_TESTS as UNSIGNED_TESTS  # registers abs_car, var_ratio
from mktnews.vocab import (
    INTRADAY_INTERVALS,
    Interval,
    ModelName,
    RankPeriod,
    ReturnType,
)
from mktnews.vocab import check_option as _check_option
from mktnews.windows import EventWindow, is_clock_windows, parse_estimation, parse_windows

__all__ = [
    "CI_LEVEL",
    "DEFAULT_OPTIONS",
    "Benchmark",
    "BenchmarkSpec",
    "StudySpec",
    "benchmark_label",
    "spec_options",
    "validate_spec",
]

#: Confidence level of the CAAR bands.
CI_LEVEL = 0.95

#: The default of every option of :func:`mktnews.event_study` (and of ``mktnews study``).
DEFAULT_OPTIONS: Mapping[str, object] = MappingProxyType(
    {
        "windows": ((-1, 1),),
        "estimation": (-250, -11),
        "model": "constant_mean",
        "benchmark": None,
        "returns": "simple",
        "collapse": True,
        "group_by": None,
        "tests": "all",
        "placebo": 0,
        "interval": "1d",
        "min_estimation": 120,
        "seed": None,
        "rank_period": "window",
        "factors": None,
        "regressors": None,
        "measure": "returns",
        "volatility_model": "garch",
        "sign_col": None,
        "placebo_stat": "caar",
        "estimation_days": None,
    }
)

#: Estimation days of clock windows when ``estimation_days`` is None (mktnews.clock).
CLOCK_ESTIMATION_DAYS = 20

#: Normal-return models of clock windows (mktnews.clock).
CLOCK_MODELS: tuple[str, ...] = ("raw", "market_adjusted", "time_of_day")


def validate_spec(**options: object) -> StudySpec:
    """Validate study options into a :class:`StudySpec`.

    Parameters
    ----------
    **options
        Options of :func:`mktnews.event_study` (without the input and ``source``); those
        not given take their value in :data:`DEFAULT_OPTIONS`.

    Returns
    -------
    StudySpec

    Raises
    ------
    InvalidOptionError
        For an unknown option (with the close names) or a value of the wrong kind.
    ConfigurationError
        For options that contradict each other.
    """
    unknown = [k for k in options if k not in DEFAULT_OPTIONS]
    if unknown:
        name = unknown[0]
        close = difflib.get_close_matches(name, list(DEFAULT_OPTIONS), n=3)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise InvalidOptionError(
            name, options[name], reason=f"not an option of event_study{hint}"
        )
    return _validate(**{**DEFAULT_OPTIONS, **options})


Benchmark = str | pd.Series | pd.DataFrame
BenchmarkSpec = Benchmark | Mapping[str, Benchmark] | None


@dataclass(frozen=True)
class StudySpec:
    """The validated options of one event study (frozen).

    Built by :func:`validate_spec` from the options of :func:`mktnews.event_study`; the
    API, the CLI and the Dask path all read their defaults from :data:`DEFAULT_OPTIONS`
    and validate through :func:`validate_spec`, and the results keep the spec
    (``EventStudyResults.spec``).
    """

    windows: tuple[EventWindow, ...]
    estimation: EventWindow
    model: ModelName
    returns: ReturnType
    interval: Interval
    min_estimation: int
    collapse: bool
    group_by: tuple[str, ...] | None
    tests: tuple[str, ...]
    placebo: int
    seed: int | np.random.Generator | None
    benchmark: BenchmarkSpec
    rank_period: RankPeriod = "window"
    factors: pd.DataFrame | None = None  # factor models (mktnews.factors)
    regressors: tuple[str, ...] | None = None
    measure: str = "returns"  # mktnews.measures
    volatility_model: str = "garch"
    sign_col: str | None = None  # mktnews.unsigned: each event's ARs times its sign
    placebo_stat: tuple[str, ...] = ("caar",)  # what the placebo ranks (inference registry)
    estimation_days: int | None = None  # clock windows: sessions of bars before the event's

    @property
    def clock(self) -> bool:
        """Whether the windows are clock windows (minutes around publication)."""
        return is_clock_windows(self.windows)

    @property
    def k(self) -> int:
        return _model_k(self.model, self.regressors)

    @property
    def span(self) -> EventWindow:
        return EventWindow(min(w.start for w in self.windows), max(w.end for w in self.windows))

    @property
    def intraday(self) -> bool:
        return self.interval in INTRADAY_INTERVALS


def _validate(
    *,
    windows: object,
    estimation: object,
    model: object,
    benchmark: object,
    returns: object,
    collapse: object,
    group_by: object,
    tests: object,
    placebo: object,
    interval: object,
    min_estimation: object,
    seed: object,
    rank_period: object = "window",
    factors: object = None,
    regressors: object = None,
    measure: object = "returns",
    volatility_model: object = "garch",
    sign_col: object = None,
    placebo_stat: object = "caar",
    estimation_days: object = None,
) -> StudySpec:
    model_s = str(model) if registered_model(model) is not None else _check_option("model", model, ModelName)
    measure_s, vol_s, tests, own_tests = check_measure_options(
        measure, volatility_model, model_s, factors is not None, tests, placebo
    )
    factors_df, regressors_t = check_factor_options(model_s, factors, regressors, str(interval))
    returns_s = _check_option("returns", returns, ReturnType)
    interval_s = _check_option("interval", interval, Interval)
    wins = parse_windows(windows)
    days = _check_clock(wins, model_s, interval_s, estimation, estimation_days, placebo)
    # clock windows: the sessions before the event's session (mktnews.clock)
    est = EventWindow(-days, -1) if days is not None else parse_estimation(estimation, wins)
    draws = _check_counts(collapse, min_estimation, placebo, seed, model_s, regressors_t, est, days)
    gb = _check_group_by(group_by)
    names = (*_check_tests(tests, draws), *own_tests)  # + the measure's own tests (mktnews.measures)
    stats = _check_combinations(names, tests, draws, placebo_stat, measure_s, sign_col, days)
    _check_benchmark_for(model_s, benchmark)
    return StudySpec(
        windows=wins,
        estimation=est,
        model=cast(ModelName, model_s),
        returns=cast(ReturnType, returns_s),
        interval=cast(Interval, interval_s),
        min_estimation=int(cast(int, min_estimation)),
        collapse=bool(collapse),
        group_by=gb,
        tests=names,
        placebo=draws,
        seed=seed,  # type: ignore[arg-type]
        benchmark=benchmark,  # type: ignore[arg-type]
        rank_period=cast(RankPeriod, _check_option("rank_period", rank_period, RankPeriod)),
        factors=factors_df,
        regressors=regressors_t,
        measure=measure_s,
        volatility_model=vol_s,
        sign_col=cast("str | None", sign_col),
        placebo_stat=stats,
        estimation_days=days,
    )


def _check_counts(
    collapse: object,
    min_estimation: object,
    placebo: object,
    seed: object,
    model: str,
    regressors: tuple[str, ...] | None,
    est: EventWindow,
    days: int | None,
) -> int:
    """``collapse``, ``min_estimation`` (against the model's parameters and the estimation
    window), ``placebo`` and ``seed``; returns the number of placebo draws."""
    model_s, regressors_t = model, regressors
    if not isinstance(collapse, (bool, np.bool_)):
        raise InvalidOptionError("collapse", collapse, (True, False))
    if isinstance(min_estimation, bool) or not isinstance(min_estimation, (int, np.integer)):
        raise InvalidOptionError("min_estimation", min_estimation, reason="expected an integer")
    k = _model_k(model_s, regressors_t)
    if min_estimation < k + 1 or min_estimation < 2:
        raise InvalidOptionError(
            "min_estimation",
            min_estimation,
            reason=f"model {model_s!r} needs at least {max(k + 1, 2)} estimation returns",
        )
    if days is None and min_estimation > est.length:
        raise ConfigurationError(
            f"min_estimation={min_estimation} is more than the {est.length} days of the "
            f"estimation window {est}: no event could be used; pass min_estimation=N with "
            f"N <= {est.length} (or a longer estimation window)"
        )
    if isinstance(placebo, bool) or not isinstance(placebo, (int, np.integer)) or placebo < 0:
        raise InvalidOptionError("placebo", placebo, reason="expected a number of draws >= 0")
    if seed is not None and not isinstance(seed, (int, np.integer, np.random.Generator)):
        raise InvalidOptionError("seed", seed, reason="expected None, an int or a numpy Generator")
    if isinstance(seed, bool):
        raise InvalidOptionError("seed", seed, reason="expected None, an int or a numpy Generator")
    return int(placebo)


def _check_group_by(group_by: object) -> tuple[str, ...] | None:
    """``group_by`` as a tuple of column names (None: one group)."""
    gb: tuple[str, ...] | None
    if group_by is None:
        gb = None
    elif isinstance(group_by, str):
        gb = (group_by,)
    elif isinstance(group_by, Sequence) and group_by and all(isinstance(g, str) for g in group_by):
        gb = tuple(group_by)
    else:
        raise InvalidOptionError(
            "group_by", group_by, reason="expected None, a column name or a list of column names"
        )
    return gb


def _check_tests(tests: object, placebo: int) -> tuple[str, ...]:
    """The test names of ``tests`` ("all": the battery, and the placebo when drawn)."""
    names: tuple[str, ...]
    if tests is None:
        names = ()
    elif isinstance(tests, str):
        if tests == "all":
            names = (*inference_tests(), "placebo") if placebo else inference_tests()
        else:
            names = (_check_test_name(tests),)
    elif isinstance(tests, Sequence):
        names = tuple(_check_test_name(t) for t in tests)
        if len(set(names)) != len(names):
            raise InvalidOptionError("tests", tests, reason="a test is named twice")
    else:
        raise InvalidOptionError("tests", tests, ("all", *event_test_names(), "placebo"))
    return names


def _check_combinations(
    names: tuple[str, ...],
    tests: object,
    placebo: int,
    placebo_stat: object,
    measure_s: str,
    sign_col: object,
    days: int | None,
) -> tuple[str, ...]:
    """Options that must go together (measure, clock windows, sign_col, the placebo and
    its tests); returns the placebo statistics."""
    if days is not None and measure_s != "returns":
        raise ConfigurationError(
            f"measure={measure_s!r} is not available for clock windows (mktnews.clock studies "
            "returns): pass measure='returns'"
        )
    if measure_s == "volatility" and sign_col is not None:
        raise ConfigurationError(
            "sign_col= signs abnormal returns; measure='volatility' has no sign (AV - 1 "
            "measures a magnitude): drop sign_col or study measure='returns'"
        )
    if "placebo" in names and not placebo:
        raise ConfigurationError(
            "tests includes 'placebo' but placebo=0: pass placebo=N (the number of draws)"
        )
    if placebo and "placebo" not in names:
        raise ConfigurationError(
            f"placebo={placebo} draws were asked for but tests={tests!r} does not include "
            "'placebo': add it (or use tests='all')"
        )
    stats = _check_placebo_stat(placebo_stat, placebo)
    if sign_col is not None and (not isinstance(sign_col, str) or not sign_col.strip()):
        raise InvalidOptionError("sign_col", sign_col, reason="expected None or a column name")
    if sign_col is not None and days is not None:
        raise ConfigurationError(
            f"sign_col={sign_col!r} is not available for clock windows (mktnews.clock): pass sign_col=None"
        )
    return stats


def _check_benchmark_for(model_s: str, benchmark: object) -> None:
    """A benchmark where the model needs one, none where it does not."""
    if needs_benchmark(model_s):
        if benchmark is None:
            raise ConfigurationError(
                f"model={model_s!r} needs a benchmark: pass benchmark= an instrument or "
                "symbol (e.g. '^STOXX' for the STOXX Europe 600), a price series, or a "
                "mapping symbol -> benchmark"
            )
        check_benchmark_value(benchmark)
    elif benchmark is not None:
        raise ConfigurationError(
            f"benchmark={benchmark_label(benchmark)!r} is not used by model={model_s!r}; only "
            "'market_adjusted' and 'market_model' use a benchmark"
        )


def _model_k(model: str, regressors: tuple[str, ...] | None) -> int:
    """Parameters of ``model``; ``time_of_day`` (clock windows) estimates one mean per clock
    slot, 1 here (the clock engine reports each event's number of slots in ``params.k``)."""
    return 1 if model == "time_of_day" else model_k(model, regressors)


def _check_clock(
    wins: tuple[EventWindow, ...],
    model: str,
    interval: str,
    estimation: object,
    estimation_days: object,
    placebo: object,
) -> int | None:
    """The estimation days of clock windows (None for windows of relative days/bars);
    refuses options that do not go with the kind of windows."""
    if not is_clock_windows(wins):
        if estimation_days is not None:
            raise ConfigurationError(
                f"estimation_days={estimation_days!r} applies to clock windows only "
                "(windows=[('-30min', '+60min')]); windows of relative days use estimation=(a, b)"
            )
        if model == "time_of_day":
            raise ConfigurationError(
                "model='time_of_day' needs clock windows, e.g. windows=[('-30min', '+60min')] "
                "with an intraday interval"
            )
        return None
    if interval not in INTRADAY_INTERVALS:
        raise ConfigurationError(
            f"clock windows {[str(w) for w in wins]} need intraday bars: pass interval= one of "
            f"{list(INTRADAY_INTERVALS)} (the events aligned at that interval)"
        )
    if model not in CLOCK_MODELS:
        raise ConfigurationError(
            f"model={model!r} is not available for clock windows; use one of {list(CLOCK_MODELS)}"
        )
    if not isinstance(estimation, Sequence) or tuple(estimation) != DEFAULT_OPTIONS["estimation"]:
        raise ConfigurationError(
            f"estimation={estimation!r} counts relative days; clock windows take their "
            "estimation window in sessions of bars: pass estimation_days=N instead"
        )
    if placebo:
        raise ConfigurationError("placebo draws are not available for clock windows: pass placebo=0")
    if estimation_days is None:
        return CLOCK_ESTIMATION_DAYS
    if isinstance(estimation_days, bool) or not isinstance(estimation_days, (int, np.integer)) or estimation_days < 1:
        raise InvalidOptionError(
            "estimation_days", estimation_days, reason="expected a number of sessions >= 1"
        )
    return int(estimation_days)


def _check_test_name(name: object) -> str:
    """A registered test name (:mod:`mktnews.inference`'s registry) or ``"placebo"``."""
    if name == "placebo":
        return "placebo"
    if not isinstance(name, str) or name not in event_test_names():
        raise InvalidOptionError("tests", name, ("all", *event_test_names(), "placebo"))
    return name


def _check_placebo_stat(placebo_stat: object, placebo: int) -> tuple[str, ...]:
    """``placebo_stat`` as a tuple of registered placebo statistics; anything but the
    default ``"caar"`` needs placebo draws."""
    given = (placebo_stat,) if isinstance(placebo_stat, str) else placebo_stat
    if not isinstance(given, Sequence) or not given:
        raise InvalidOptionError(
            "placebo_stat", placebo_stat, reason="expected a name or a list of names, e.g. 'abs_car'"
        )
    stats = tuple(placebo_statistic(cast(str, s)).name for s in given)  # checks the type
    if len(set(stats)) != len(stats):
        raise InvalidOptionError("placebo_stat", placebo_stat, reason="a statistic is named twice")
    if stats != ("caar",) and not placebo:
        raise ConfigurationError(
            f"placebo_stat={placebo_stat!r} ranks placebo draws but placebo=0: pass placebo=N "
            "(the number of draws)"
        )
    return stats


def needs_estimation(tests: tuple[str, ...]) -> bool:
    """Whether one of ``tests`` reads the estimation-window residuals."""
    if not tests:
        return False
    return any(t != "placebo" and event_test(t).needs_estimation for t in tests)


def inference_tests() -> tuple[str, ...]:
    """The tests of :mod:`mktnews.inference` that ``tests="all"`` runs (the placebo aside)."""
    return tuple(t for t in TESTS if t != "placebo")


def check_benchmark_value(benchmark: object) -> None:
    """Refuse a ``benchmark=`` value that is not a name, a Series/frame of closes or a
    mapping of those (the values are resolved when the study runs)."""
    def one(b: object, where: str) -> None:
        if isinstance(b, str):
            if not b.strip():
                raise InvalidOptionError(where, b, reason="empty benchmark name")
            return
        if isinstance(b, pd.Series):
            return
        if isinstance(b, pd.DataFrame):
            if "close" not in {str(c).lower() for c in b.columns}:
                raise InvalidOptionError(
                    where, "DataFrame", reason="a benchmark frame needs a 'close' column"
                )
            return
        raise InvalidOptionError(
            where,
            b,
            reason="expected an instrument/symbol, a Series of closes, a prices frame, or a "
            "mapping symbol -> one of those",
        )

    if isinstance(benchmark, Mapping):
        if not benchmark:
            raise InvalidOptionError("benchmark", benchmark, reason="empty mapping")
        for key, b in benchmark.items():
            one(b, f"benchmark[{key!r}]")
    else:
        one(benchmark, "benchmark")


def benchmark_label(b: object) -> str:
    if isinstance(b, str):
        return b
    if isinstance(b, (pd.Series, pd.DataFrame)):
        name = b.attrs.get("symbol") or getattr(b, "name", None)
        return str(name) if name is not None else "user series"
    if isinstance(b, Mapping):
        return "{" + ", ".join(f"{k}: {benchmark_label(v)}" for k, v in b.items()) + "}"
    return repr(b)



def spec_options(spec: StudySpec) -> dict[str, object]:
    """The spec as plain values (``EventStudyResults.options``, ``EventStudy.options``)."""
    return {
        "model": spec.model,
        "returns": spec.returns,
        "interval": spec.interval,
        "estimation": spec.estimation.as_tuple(),
        "windows": tuple(w.as_tuple() for w in spec.windows),
        "benchmark": None if spec.benchmark is None else benchmark_label(spec.benchmark),
        "min_estimation": spec.min_estimation,
        "collapse": spec.collapse,
        "group_by": spec.group_by,
        "tests": spec.tests,
        "placebo": spec.placebo,
        "seed": spec.seed if not isinstance(spec.seed, np.random.Generator) else "Generator",
        "rank_period": spec.rank_period,
        "k": spec.k,
        "ci_level": CI_LEVEL,
        **({"estimation_days": spec.estimation_days, "window_unit": "min"} if spec.clock else {}),
        **_factor_options(spec),
        "measure": spec.measure,
        **({"volatility_model": spec.volatility_model} if spec.measure == "volatility" else {}),
        **_unsigned_options(spec),
    }


def _unsigned_options(spec: StudySpec) -> dict[str, object]:
    """``sign_col`` and ``placebo_stat`` when they are not the defaults (the options of a
    study that uses neither stay as they were)."""
    out: dict[str, object] = {}
    if spec.sign_col is not None:
        out["sign_col"] = spec.sign_col
    if spec.placebo_stat != ("caar",):
        out["placebo_stat"] = spec.placebo_stat
    return out


def _factor_options(spec: StudySpec) -> dict[str, object]:
    if spec.factors is None:
        return {}
    return {"factors": describe_factors(spec.factors), "regressors": spec.regressors}

