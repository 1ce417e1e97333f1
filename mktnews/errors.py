"""Exception hierarchy of mktnews.

Every error raised on purpose by mktnews derives from :class:`MktNewsError`, so a
research script can catch the whole family with one ``except`` clause.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "ArticleError",
    "CalendarError",
    "ConfigurationError",
    "InvalidOptionError",
    "MktNewsError",
    "PriceDataError",
    "PriceDataWarning",
    "StudyError",
    "StudyWarning",
    "UnknownInstrumentError",
]


class MktNewsError(Exception):
    """Base class of all mktnews errors."""


class ArticleError(MktNewsError, ValueError):
    """An article source cannot be read at all (a missing path, an unknown format).

    Bad *content* never raises: it goes to ``Corpus.rejected`` with a reason.
    """


class UnknownInstrumentError(MktNewsError, KeyError):
    """A printed instrument name or symbol that the registry does not know.

    Parameters
    ----------
    name : str
        The name as given.
    suggestions : iterable of str, optional
        The closest known names, shown in the message.
    """

    def __init__(self, name: str, suggestions: Iterable[str] = ()) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        hint = ""
        if self.suggestions:
            hint = " Closest known names: " + ", ".join(repr(s) for s in self.suggestions) + "."
        msg = (
            f"unknown instrument {name!r}.{hint} Register it with "
            "mktnews.register_instrument(symbol, name, aliases=...)."
        )
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class PriceDataError(MktNewsError):
    """Prices cannot be had: a source failed, answered empty, or a file is malformed.

    The message names the symbol (or file) and the range, and the cause.
    """


class PriceDataWarning(UserWarning):
    """Prices were usable but something in them was repaired (e.g. a bar with high < low
    whose high and low were masked); the message names the symbol/file and the rows."""


class CalendarError(MktNewsError):
    """A trading calendar cannot answer (unknown code, range outside its bounds)."""


class InvalidOptionError(MktNewsError, ValueError):
    """A string option (or another argument) has a value that is not accepted.

    Parameters
    ----------
    parameter : str
        The parameter's name.
    value : object
        The value given.
    accepted : iterable, optional
        The accepted values, listed in the message.
    reason : str, optional
        Free text for errors that are not about a finite set of values.
    """

    def __init__(
        self,
        parameter: str,
        value: object,
        accepted: Iterable[object] = (),
        reason: str = "",
    ) -> None:
        self.parameter = parameter
        self.value = value
        self.accepted = list(accepted)
        msg = f"invalid {parameter}={value!r}"
        if self.accepted:
            msg += "; accepted values: " + ", ".join(repr(a) for a in self.accepted)
        if reason:
            msg += f"; {reason}"
        super().__init__(msg)


class ConfigurationError(MktNewsError, ValueError):
    """Options that are valid one by one but do not fit together (e.g. a market model
    without a benchmark)."""


class StudyError(MktNewsError):
    """The event study cannot be computed at all (for example, no event is usable)."""


class StudyWarning(UserWarning):
    """An event study ran but one of its statistics could not follow its rule everywhere
    (e.g. placebo clusters whose instruments share no session); the summary notes it."""
