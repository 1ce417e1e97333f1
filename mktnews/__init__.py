"""mktnews: what did the market do when this news came out?

Event studies that start from news articles: read articles and the ticker box their site
printed, resolve the instrument, load prices, place each article on the exchange's
trading calendar, and compute abnormal returns, their significance and plots.

The data flow, one plain function per step (each returns a tidy frame)::

    read_articles -> resolve_instrument -> load_prices -> align_events
        -> event_study (windows, models, statistics) -> EventStudyResults (frames, summary, plots)

``capture_sessions`` and ``date_articles`` read what a ticker box really dates.
Plots live in :mod:`mktnews.plotting` (matplotlib is imported only when a plot is drawn);
the bundled demo data in :mod:`mktnews.datasets`.
"""

from mktnews import daskpath  # noqa: F401  (registers the Dask frame backend, see mktnews.dispatch)
from mktnews.articles import Corpus, parse_number, read_articles, register_outlet, register_reader
from mktnews.boxes import register_box_layout
from mktnews.calendars import gaps, sessions
from mktnews.dating import date_articles
from mktnews.errors import (
    ArticleError,
    CalendarError,
    ConfigurationError,
    InvalidOptionError,
    MktNewsError,
    PriceDataError,
    PriceDataWarning,
    StudyError,
    UnknownInstrumentError,
)
from mktnews.events import align_events, capture_sessions
from mktnews.factors import read_french_factors
from mktnews.feeds import feed_summary, read_feed
from mktnews.hygiene import flag_confounding, near_duplicates, plot_time_profile, time_profile
from mktnews.instruments import (
    Instrument,
    instrument_table,
    register_instrument,
    resolve_instrument,
)
from mktnews.linking import find_mentions, link_instruments
from mktnews.measures import Measure, SeriesMeasure, register_measure
from mktnews.models import register_model
from mktnews.plotting import plot_ar, plot_article, plot_caar, plot_placebo, plot_timeline
from mktnews.prices.base import FrameSource, PriceSource, default_source, load_prices
from mktnews.prices.cache import CachedSource, PriceCache
from mktnews.prices.files import FileSource, read_price_file
from mktnews.prices.yahoo import YahooSource
from mktnews.report import write_report
from mktnews.results import EventStudyResults
from mktnews.spec import DEFAULT_OPTIONS, StudySpec, validate_spec
from mktnews.study import EventStudy, event_study

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_OPTIONS",
    "ArticleError",
    "CachedSource",
    "CalendarError",
    "ConfigurationError",
    "Corpus",
    "EventStudy",
    "EventStudyResults",
    "FileSource",
    "FrameSource",
    "Instrument",
    "InvalidOptionError",
    "Measure",
    "MktNewsError",
    "PriceCache",
    "PriceDataError",
    "PriceDataWarning",
    "PriceSource",
    "SeriesMeasure",
    "StudyError",
    "StudySpec",
    "UnknownInstrumentError",
    "YahooSource",
    "__version__",
    "align_events",
    "capture_sessions",
    "date_articles",
    "default_source",
    "event_study",
    "feed_summary",
    "find_mentions",
    "flag_confounding",
    "gaps",
    "instrument_table",
    "link_instruments",
    "load_prices",
    "near_duplicates",
    "parse_number",
    "plot_ar",
    "plot_article",
    "plot_caar",
    "plot_placebo",
    "plot_time_profile",
    "plot_timeline",
    "read_articles",
    "read_feed",
    "read_french_factors",
    "read_price_file",
    "register_box_layout",
    "register_instrument",
    "register_measure",
    "register_model",
    "register_outlet",
    "register_reader",
    "resolve_instrument",
    "sessions",
    "time_profile",
    "validate_spec",
    "write_report",
]
