"""The vocabulary of the options: every string option of the public API as a ``Literal``,
its checker :func:`check_option`, and the one interval table :data:`BAR_NS`.

A leaf: it imports only :mod:`mktnews.errors`. (Old import path: ``mktnews._typing``.)
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal, TypeVar, get_args

from mktnews.errors import InvalidOptionError

__all__ = [
    "BAR_NS",
    "INTRADAY_INTERVALS",
    "BadOHLC",
    "CaptureStatus",
    "InstrumentKind",
    "Interval",
    "MarketState",
    "ModelName",
    "RankPeriod",
    "ReturnType",
    "SnapshotStatus",
    "TestName",
    "check_option",
]

#: Bar sizes. ``"1d"`` bars are indexed by session date, the others by tz-aware bar start.
Interval = Literal["1d", "1m", "2m", "5m", "15m", "30m", "60m", "90m", "1h"]

#: The one interval table: length of one bar in nanoseconds (``"1d"``: the step of a session
#: date). Everything that needs a bar length reads it (prices.base.BAR_LENGTH, the engine).
BAR_NS: Mapping[str, int] = MappingProxyType(
    {
        "1d": 86_400_000_000_000,
        "1m": 60_000_000_000,
        "2m": 120_000_000_000,
        "5m": 300_000_000_000,
        "15m": 900_000_000_000,
        "30m": 1_800_000_000_000,
        "60m": 3_600_000_000_000,
        "90m": 5_400_000_000_000,
        "1h": 3_600_000_000_000,
    }
)
INTRADAY_INTERVALS: tuple[str, ...] = tuple(i for i in get_args(Interval) if i != "1d")

#: What kind of instrument a registry entry is.
InstrumentKind = Literal["index", "commodity", "fx", "crypto", "equity", "rate", "other"]

#: What to do with bars whose high is below their low (real data has a few: Yahoo's gold
#: futures on 2009-11-23). ``"raise"``: a PriceDataError naming the row; ``"mask"``: set that
#: bar's high and low to NaN (closes are kept) and warn with PriceDataWarning.
BadOHLC = Literal["raise", "mask"]

#: Where publication fell relative to day 0's session.
MarketState = Literal["pre", "regular", "post", "closed"]

#: How a ticker box relates to the price data.
CaptureStatus = Literal["unique", "ambiguous", "no_match", "zero", "unknown_instrument", "no_data"]
SnapshotStatus = Literal[
    "matches_t0",
    "matches_other_session",
    "within_t0_range",
    "no_match",
    "zero",
    "no_data",
    "no_snapshot",
]

#: Normal-return models.
ModelName = Literal[
    "raw", "constant_mean", "market_adjusted", "market_model", "ff3", "carhart", "ff5", "factor",
    "scholes_williams", "garch_market", "time_of_day",
]

#: Return definitions.
ReturnType = Literal["simple", "log"]

#: Days Corrado's rank test ranks over: the estimation window plus the tested window
#: (``"window"``), or plus the whole event period, the span of all windows
#: (``"event_period"``, Corrado 1989, Corrado & Zivney 1992, estudy2/Stata).
RankPeriod = Literal["window", "event_period"]

#: Test statistics of :func:`mktnews.event_study`.
TestName = Literal[
    "cs_t",
    "bw_t",
    "cda_t",
    "patell",
    "bmp",
    "kp_patell",
    "kp_bmp",
    "sign",
    "gen_sign",
    "corrado",
    "grank",
    "wilcoxon",
    "placebo",
]

_T = TypeVar("_T", bound=str)


def check_option(parameter: str, value: object, literal: object) -> str:
    """Return ``value`` if it is one of the values of the ``Literal`` ``literal``.

    Raises
    ------
    InvalidOptionError
        Naming the parameter, the value and the accepted values.
    """
    accepted = get_args(literal)
    if not isinstance(value, str) or value not in accepted:
        raise InvalidOptionError(parameter, value, accepted)
    return value
