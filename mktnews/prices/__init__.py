"""Price sources: Yahoo Finance with a Parquet cache, users' files, in-memory frames."""

from mktnews.prices.base import (
    COLUMNS,
    FrameSource,
    PriceSource,
    conform_prices,
    default_source,
    load_prices,
)

__all__ = ["COLUMNS", "FrameSource", "PriceSource", "conform_prices", "default_source", "load_prices"]
