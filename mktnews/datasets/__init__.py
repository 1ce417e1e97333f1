"""Bundled demo data: the seed article and daily bars of the Euro STOXX 50 and the DAX.

Everything here works offline and without ``../shared``:

- :func:`load_sample` reads the seed article (Berliner Börsen-Zeitung, republished AFP
  copy: Putin's arrival in Astana, Wednesday 2024-11-27) into a :class:`~mktnews.Corpus`;
  its ticker box prints "Euro STOXX 50 / -28.8400", the official close-to-close change of
  that day (4761.9902 -> 4733.1499).
- :func:`sample_source` is a :class:`~mktnews.FileSource` over the bundled daily bars of
  ``^STOXX50E`` and ``^GDAXI``, 2022-10-03..2025-01-31, as Yahoo Finance publishes them.
  Yahoo's Euro STOXX 50 series lacks 2024-01-02, 2024-05-09, 2024-05-20, 2024-08-01 and
  2025-01-02; the gaps are kept (see :func:`mktnews.calendars.gaps`).
- ``sample_source("1h")`` serves their hourly bars of 2024-10-01..2024-12-31 (bar starts in
  UTC, nine bars a session, as Yahoo Finance publishes them), for intraday studies of the
  seed in clock time (:mod:`mktnews.clock`).

Index values are shown with the attribution :data:`SAMPLE_ATTRIBUTION`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mktnews.articles import Corpus, read_articles
from mktnews.errors import InvalidOptionError
from mktnews.prices.files import FileSource

__all__ = [
    "SAMPLE_ARTICLE",
    "SAMPLE_ATTRIBUTION",
    "SAMPLE_END",
    "SAMPLE_HOURLY_END",
    "SAMPLE_HOURLY_START",
    "SAMPLE_PUBLISHED_AT",
    "SAMPLE_START",
    "SAMPLE_SYMBOLS",
    "load_sample",
    "sample_path",
    "sample_source",
]

_DATA = Path(__file__).resolve().parent / "data"

#: Attribution to show with the bundled index values.
SAMPLE_ATTRIBUTION = (
    "Index values: Yahoo Finance; EURO STOXX 50 © STOXX Ltd., DAX © Deutsche Börse AG. "
    "Included for demonstration only."
)
#: File name of the seed article.
SAMPLE_ARTICLE = "000_c914ccdd9c6fabd9.txt"
#: Symbols with bundled daily bars.
SAMPLE_SYMBOLS: tuple[str, ...] = ("^STOXX50E", "^GDAXI")
#: First and last session of the bundled hourly bars (``sample_source("1h")``).
SAMPLE_HOURLY_START = pd.Timestamp("2024-10-01")
SAMPLE_HOURLY_END = pd.Timestamp("2024-12-31")
#: First and last session of the bundled bars.
SAMPLE_START = pd.Timestamp("2022-10-03")
SAMPLE_END = pd.Timestamp("2025-01-31")
#: Publication time :func:`load_sample` gives the seed article (see its notes).
SAMPLE_PUBLISHED_AT = pd.Timestamp("2024-11-27 14:00", tz="Europe/Berlin")


def sample_path(name: str | None = None) -> Path:
    """The folder of the bundled data, or one file in it.

    Parameters
    ----------
    name : str, optional
        A file name: the article (:data:`SAMPLE_ARTICLE`), ``"^STOXX50E.csv"`` (or
        ``"^STOXX50E_1h.csv"`` for the hourly bars),
        ``"^GDAXI.csv"`` or ``"ATTRIBUTION.txt"``.

    Raises
    ------
    InvalidOptionError
        For a name that is not one of the bundled files.
    """
    if name is None:
        return _DATA
    files = sorted(p.name for p in _DATA.iterdir() if p.is_file())
    if name not in files:
        raise InvalidOptionError("name", name, files)
    return _DATA / name


def sample_source(interval: str = "1d") -> FileSource:
    """A :class:`~mktnews.FileSource` over the bundled bars (``^STOXX50E``, ``^GDAXI``).

    Parameters
    ----------
    interval : {"1d", "1h"}, default "1d"
        Daily bars (2022-10-03..2025-01-31) or hourly bars (2024-10-01..2024-12-31).

    Raises
    ------
    InvalidOptionError
        For another interval.

    Examples
    --------
    >>> from mktnews import load_prices
    >>> from mktnews.datasets import sample_source
    >>> load_prices("Euro STOXX 50", "2024-11-27", "2024-11-27", source=sample_source())["close"].iloc[0]
    np.float64(4733.1499)
    """
    if interval == "1h":
        return FileSource(
            {sym: _DATA / f"{sym}_1h.csv" for sym in SAMPLE_SYMBOLS},
            interval="1h",
            name="mktnews hourly sample (Yahoo Finance)",
        )
    if interval != "1d":
        raise InvalidOptionError("interval", interval, ("1d", "1h"))
    return FileSource(
        {sym: _DATA / f"{sym}.csv" for sym in SAMPLE_SYMBOLS},
        interval="1d",
        name="mktnews sample (Yahoo Finance)",
    )


_NOT_GIVEN = object()


def load_sample(*, published_at: object = _NOT_GIVEN) -> Corpus:
    """The seed article as a :class:`~mktnews.Corpus` (one article, one snapshot).

    Parameters
    ----------
    published_at : date-like or None, optional
        Publication time to record. The page itself prints none; the sample's
        documentation dates it Wednesday 2024-11-27, and its ticker box was captured after
        that day's close. The time of day is not known: by default the article gets
        :data:`SAMPLE_PUBLISHED_AT` (14:00 Europe/Berlin that day, inside the session),
        so that a daily study puts it on the 2024-11-27 session. ``None`` leaves it
        undated (``NaT``), as printed, e.g. to try :mod:`mktnews.dating`.

    Returns
    -------
    Corpus
    """
    when = SAMPLE_PUBLISHED_AT if published_at is _NOT_GIVEN else published_at
    return read_articles(sample_path(SAMPLE_ARTICLE), published_at=when)
