"""mktnews: what did the market do when this news came out?

Event studies that start from news articles: read articles and the ticker box their site
printed, resolve the instrument, load prices, place each article on the exchange's
trading calendar, and compute abnormal returns, their significance and plots.
"""

from mktnews.articles import Corpus
from mktnews.calendars import gaps, sessions
from mktnews.errors import (
    ArticleError,
    CalendarError,
    ConfigurationError,
    InvalidOptionError,
    MktNewsError,
    PriceDataError,
    StudyError,
    UnknownInstrumentError,
)
from mktnews.instruments import (
    Instrument,
    instrument_table,
    register_instrument,
    resolve_instrument,
)
from mktnews.prices.base import FrameSource, PriceSource, default_source, load_prices

__version__ = "0.1.0"

__all__ = [
    "ArticleError",
    "CalendarError",
    "ConfigurationError",
    "Corpus",
    "FrameSource",
    "Instrument",
    "InvalidOptionError",
    "MktNewsError",
    "PriceDataError",
    "PriceSource",
    "StudyError",
    "UnknownInstrumentError",
    "__version__",
    "default_source",
    "gaps",
    "instrument_table",
    "load_prices",
    "register_instrument",
    "resolve_instrument",
    "sessions",
]
