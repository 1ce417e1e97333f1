"""Where a frame that is not a pandas object gets its work done (the front-door dispatch).

:func:`mktnews.align_events` and :class:`mktnews.EventStudy` accept, besides a
:class:`~mktnews.Corpus` or a pandas frame, a frame of another library (today a Dask frame).
They do not import the code that handles it: they ask :func:`frame_backend` for the backend
registered for that type. The Dask backend (``mktnews.daskpath``) registers itself when the
package is imported. This keeps the imports one-directional: the pandas engine
(``events``, ``study``) never imports the Dask path, which builds on it.

A backend is any object with the three methods of :class:`FrameBackend`.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["FrameBackend", "frame_backend", "register_frame_backend"]


class FrameBackend(Protocol):
    """What :func:`mktnews.align_events` and :meth:`mktnews.EventStudy.fit` hand a
    non-pandas frame to."""

    def is_frame(self, obj: object) -> bool:
        """Whether ``obj`` is a frame this backend handles (without importing the library
        unless the object comes from it)."""

    def align_events(self, articles: Any, **options: Any) -> Any:
        """:func:`mktnews.align_events` of a frame of articles (``source``, ``interval``,
        ``instruments``, ``tz``, ``prices`` as keywords)."""

    def fit(self, spec: Any, data: Any, source: Any) -> Any:
        """The study of an events or articles frame, for a validated study spec."""


_BACKENDS: list[FrameBackend] = []


def register_frame_backend(backend: FrameBackend) -> None:
    """Add a backend (a backend already registered is not added twice)."""
    if not any(b is backend for b in _BACKENDS):
        _BACKENDS.append(backend)


def frame_backend(obj: object) -> FrameBackend | None:
    """The backend that handles ``obj``, or ``None`` for pandas objects and corpora."""
    for backend in _BACKENDS:
        if backend.is_frame(obj):
            return backend
    return None
