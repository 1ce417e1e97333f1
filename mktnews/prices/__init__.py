"""Price sources: Yahoo Finance with a Parquet cache, users' files, in-memory frames.

All of them implement :class:`PriceSource` and return frames in the prices contract
(see :mod:`mktnews.prices.base`).
"""

from mktnews.prices.base import (
    COLUMNS,
    DEFAULT_SOURCE_KINDS,
    FrameSource,
    PriceSource,
    conform_prices,
    default_source,
    load_prices,
)
from mktnews.prices.cache import CachedSource, PriceCache
from mktnews.prices.files import FileSource, read_price_file
from mktnews.prices.yahoo import YahooSource

DEFAULT_SOURCE_KINDS.update(files=FileSource, yahoo=YahooSource)  # see default_source

__all__ = [
    "COLUMNS",
    "CachedSource",
    "FileSource",
    "FrameSource",
    "PriceCache",
    "PriceSource",
    "YahooSource",
    "conform_prices",
    "default_source",
    "load_prices",
    "read_price_file",
]
