"""Literal aliases for every string option of the public API, and their checkers."""

from __future__ import annotations

from typing import Literal, TypeVar, get_args

from mktnews.errors import InvalidOptionError

__all__ = [
    "INTRADAY_INTERVALS",
    "BadOHLC",
    "CaptureStatus",
    "InstrumentKind",
    "Interval",
    "MarketState",
    "ModelName",
    "ReturnType",
    "SnapshotStatus",
    "TestName",
    "check_option",
]

#: Bar sizes. ``"1d"`` bars are indexed by session date, the others by tz-aware bar start.
Interval = Literal["1d", "1m", "2m", "5m", "15m", "30m", "60m", "90m", "1h"]
INTRADAY_INTERVALS: tuple[str, ...] = ("1m", "2m", "5m", "15m", "30m", "60m", "90m", "1h")

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
    "scholes_williams", "garch_market",
]

#: Return definitions.
ReturnType = Literal["simple", "log"]

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
