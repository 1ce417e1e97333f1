"""Yahoo Finance through yfinance, behind the Parquet cache (the only module that uses the network).

:class:`YahooSource` asks ``yfinance.Ticker(symbol, session=...).history(...)`` for one
symbol at a time with ``auto_adjust=True`` (split- and dividend-adjusted prices: returns
include dividends; index levels are unchanged), ``actions=False``, ``repair=False``,
``prepost=False`` and an explicit ``timeout``, and brings the answer to the prices contract:

- daily bars are indexed by the exchange-local session date (tz-naive), and ``end`` is
  inclusive (yfinance treats it as exclusive; mktnews asks for one more day);
- intraday bars are indexed by their start in UTC, ``[start, end)``;
- flat lower-case columns ``open, high, low, close, volume``, never a MultiIndex.

Failures never become empty frames. Rate limits (HTTP 429, ``YFRateLimitError``), network
errors (DNS, connection, timeouts; curl_cffi's and requests' exceptions) and HTTP 5xx
answers are retried with exponential backoff; after the last try a
:class:`~mktnews.errors.PriceDataError` names the symbol, the range and the cause. A symbol
Yahoo does not know (HTTP 404, no time zone) fails at once. yfinance hides its errors
by default (it logs them and returns an empty frame); mktnews switches that off
(``yf.config.debug.hide_exceptions = False``) for the duration of its own calls only,
which is what the deprecated ``history(raise_errors=True)`` did.

Yahoo serves intraday bars only for recent periods: 1m bars for the last 30 days (at most
8 days per request: mktnews asks in 7-day pieces), 2m-90m bars for the last 60 days, 1h
(60m) bars for the last 730 days. A request for older intraday bars that the cache cannot
answer raises a :class:`PriceDataError` saying what is possible before anything is sent.

yfinance keeps a symbol -> time-zone database and a cookie store on disk; mktnews points
them to ``<cache root>/yfinance`` (the cache root of the first YahooSource that fetches
in the process, see :func:`mktnews.prices.cache.cache_root`), not to the user's home.
``timeout`` bounds each socket read of a request; ``deadline`` (default 60 s) bounds the
whole request however slowly the answer trickles in (a request over it is a network error,
retried), and ``call_deadline`` (default 300 s) one :meth:`YahooSource.fetch` (one
``load_prices`` call), retries and backoff included.

Causes are named: HTTP 401/403 is an access problem (not retried); an HTML page or broken
JSON is "Yahoo answered something that is not price data" (retried). Daily bars on a day the
instrument's exchange calendar has no session (a wrong exchange time zone in Yahoo's answer
shifts every date) are refused; for instruments without a calendar, weekend bars are named
in a :class:`~mktnews.errors.PriceDataWarning`. What an answer covers in the cache is only
the stretch it returned (see :mod:`mktnews.prices.cache`).
"""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import pandas as pd

from mktnews.errors import PriceDataError, PriceDataWarning
from mktnews.prices import cache as cache_mod
from mktnews.prices.base import conform_prices, fetch_many, is_intraday
from mktnews.prices.cache import PriceCache, cache_root, offline_from_env
from mktnews.vocab import Interval, check_option

__all__ = ["INTRADAY_LIMITS", "YahooSource"]

#: How far back Yahoo serves each intraday bar size (from now).
INTRADAY_LIMITS: dict[str, pd.Timedelta] = {
    "1m": pd.Timedelta(days=30),
    "2m": pd.Timedelta(days=60),
    "5m": pd.Timedelta(days=60),
    "15m": pd.Timedelta(days=60),
    "30m": pd.Timedelta(days=60),
    "90m": pd.Timedelta(days=60),
    "60m": pd.Timedelta(days=730),
    "1h": pd.Timedelta(days=730),
}
#: Longest span asked for in one request (Yahoo refuses more than 8 days of 1m bars).
_MAX_SPAN: dict[str, pd.Timedelta] = {"1m": pd.Timedelta(days=7)}
_MAX_DELAY = 60.0

# yfinance keeps one process-wide HTTP session and configuration: one call at a time.
_YF_LOCK = threading.RLock()
_yf_cache_dir: str | None = None


class _Transient(Exception):
    """A failure worth retrying (rate limit, network, HTTP 5xx)."""

    def __init__(self, cause: str, rate_limited: bool = False) -> None:
        super().__init__(cause)
        self.cause = cause
        self.rate_limited = rate_limited


class _Empty(Exception):
    """Yahoo answered for the symbol but had no bars in the range."""


def _range_text(start: pd.Timestamp, end: pd.Timestamp, interval: str) -> str:
    if is_intraday(interval):
        return f"[{start.isoformat()}, {end.isoformat()})"
    return f"{start:%Y-%m-%d}..{end:%Y-%m-%d}"


class _DeadlineExceeded(TimeoutError):
    """An answer that did not arrive in full within the request's total deadline."""


def _read_before(resp: Any, deadline_at: float, seconds: float) -> None:
    """Read a streamed ``requests`` response's body, giving up at ``deadline_at`` (monotonic)."""
    chunks: list[bytes] = []
    raw = resp.raw
    try:
        while True:
            if time.monotonic() > deadline_at:
                raise _DeadlineExceeded(
                    f"Yahoo did not finish answering within the {seconds:g} s deadline "
                    f"({sum(map(len, chunks))} bytes received)"
                )
            block = raw.read1(65536, decode_content=True) if hasattr(raw, "read1") else raw.read(65536, decode_content=True)
            if not block:
                break
            chunks.append(block)
    finally:
        if time.monotonic() > deadline_at:
            resp.close()
    resp._content = b"".join(chunks)
    resp._content_consumed = True


@contextlib.contextmanager
def _record_statuses(
    session: Any, seen: list[tuple[str, int]], deadline_at: float | None = None, seconds: float = 0.0
) -> Iterator[None]:
    """Record (url, HTTP status) of every request made through ``session`` meanwhile, and
    hold each request to the total deadline ``deadline_at`` (``time.monotonic()`` value).

    The deadline is the socket timeout of each request (never more than the time left);
    a ``requests`` session's answer is also read in pieces, giving up when the deadline
    passes (its own timeout bounds each read only). The wrapper is an instance attribute
    that is removed afterwards, so the session is left as it was.
    """
    own = vars(session) if hasattr(session, "__dict__") else {}
    had = "request" in own
    previous = own.get("request")
    original = session.request
    is_requests = any(t.__module__.startswith("requests") for t in type(session).__mro__)

    def request(*args: Any, **kwargs: Any) -> Any:
        url = kwargs.get("url", args[1] if len(args) > 1 else "")
        if deadline_at is not None:
            left = deadline_at - time.monotonic()
            if left <= 0:
                raise _DeadlineExceeded(f"the {seconds:g} s deadline passed before the request was sent")
            given = kwargs.get("timeout")
            kwargs["timeout"] = left if not isinstance(given, (int, float)) else min(float(given), left)
            if is_requests:
                kwargs["stream"] = True
        resp = original(*args, **kwargs)
        streamed = getattr(resp, "_content", None) is False and getattr(resp, "raw", None) is not None
        if deadline_at is not None and is_requests and streamed:
            _read_before(resp, deadline_at, seconds)
        seen.append((str(url), int(getattr(resp, "status_code", 0) or 0)))
        return resp

    try:
        session.request = request
    except (AttributeError, TypeError):  # a session that cannot be wrapped: no statuses
        yield
        return
    try:
        yield
    finally:
        if had:
            session.request = previous
        else:
            with contextlib.suppress(AttributeError):
                del session.request


@contextlib.contextmanager
def _yfinance_raising() -> Iterator[Any]:
    """yfinance with its exceptions raised (not logged away), restored afterwards."""
    import yfinance as yf

    debug = yf.config.debug
    old = debug.hide_exceptions
    debug.hide_exceptions = False
    try:
        with warnings.catch_warnings():
            # pandas deprecations inside yfinance's own code: nothing a mktnews user can act on
            for category in (getattr(pd.errors, "Pandas4Warning", FutureWarning), DeprecationWarning):
                warnings.filterwarnings("ignore", category=category, module=r"yfinance(\.|$)")
            yield yf
    finally:
        debug.hide_exceptions = old


def _forget_yfinance_responses() -> None:
    """Drop yfinance's in-memory response cache, so a retry really asks again."""
    with contextlib.suppress(Exception):
        from yfinance.data import YfData

        YfData.cache_get.cache_clear()


def _point_yfinance_caches(root: Any) -> None:
    global _yf_cache_dir
    if _yf_cache_dir is not None:
        return
    import yfinance as yf

    folder = cache_root(root) / "yfinance"
    folder.mkdir(parents=True, exist_ok=True)
    yf.set_tz_cache_location(str(folder))
    _yf_cache_dir = str(folder)


def _is_network_error(exc: BaseException) -> bool:
    local = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)
    if isinstance(exc, OSError) and not isinstance(exc, local):
        return True  # socket errors, timeouts; curl_cffi's and requests' exceptions are OSErrors
    return type(exc).__name__ in {
        "Timeout", "ConnectTimeout", "ReadTimeout", "ConnectionError", "ChunkedEncodingError",
        "RemoteDisconnected", "ProtocolError", "DNSError",
    }


def _check_session_days(df: pd.DataFrame, symbol: str) -> None:
    """Daily bars must fall on the instrument's sessions.

    A bar on a day its exchange calendar has no session (a Saturday, say) means Yahoo's
    answer carried a wrong exchange time zone and every date is shifted: refused. For an
    instrument without a calendar, bars on a Saturday or Sunday get a warning naming them
    (except crypto, which trades every day).
    """
    from mktnews.instruments import resolve_instrument

    try:
        inst = resolve_instrument(symbol, allow_unregistered_symbol=True)
    except Exception:  # a symbol the registry cannot place: nothing to check against
        return
    dates = pd.DatetimeIndex(df.index)
    if inst.calendar is not None:
        from mktnews.calendar_codes import calendar_sessions

        sess = calendar_sessions(inst.calendar).index
        within = (dates >= sess[0]) & (dates <= sess[-1])
        bad = dates[within & ~dates.isin(sess)]
        if len(bad):
            shown = ", ".join(f"{d:%Y-%m-%d} ({d:%a})" for d in bad[:5])
            raise PriceDataError(
                f"Yahoo Finance {symbol}: {len(bad)} daily bar(s) on days the {inst.calendar} "
                f"calendar has no session ({shown}{', ...' if len(bad) > 5 else ''}); Yahoo's "
                "answer most likely carried a wrong exchange time zone, which shifts every "
                "date. Not used; load these prices from a file (FileSource) if they are right"
            )
        return
    if inst.kind == "crypto":
        return
    weekend = dates[dates.day_of_week >= 5]
    if len(weekend):
        shown = ", ".join(f"{d:%Y-%m-%d} ({d:%a})" for d in weekend[:5])
        warnings.warn(
            f"Yahoo Finance {symbol}: {len(weekend)} daily bar(s) on a weekend ({shown}"
            f"{', ...' if len(weekend) > 5 else ''}); {symbol} has no exchange calendar to "
            "check them against; a wrong exchange time zone would shift every date",
            PriceDataWarning,
            stacklevel=4,
        )


def _not_price_data(exc: BaseException) -> bool:
    """An answer that is not Yahoo's chart JSON: an HTML page, truncated or broken JSON."""
    return any("jsondecodeerror" in t.__name__.lower() for t in type(exc).__mro__) or (
        isinstance(exc, ValueError) and "json" in type(exc).__name__.lower()
    )


class YahooSource:
    """Prices from Yahoo Finance (yfinance), cached as Parquet.

    Parameters
    ----------
    cache_dir : path-like, optional
        Cache folder (default: ``$MKTNEWS_CACHE_DIR``, else the user cache folder).
    offline : bool, optional
        Serve from the cache only, never use the network (default: ``$MKTNEWS_OFFLINE``).
    retries : int, default 3
        Tries per request (1 = no retry) for rate limits, network errors and HTTP 5xx.
    timeout : float, default 10.0
        Seconds for each price request.
    session : requests.Session or curl_cffi Session, optional
        HTTP session handed to yfinance (default: yfinance's own curl_cffi session).
    backoff : float, default 1.0
        Seconds before the first retry; doubled for each further one (at most 60 s).
    sleep : callable, default time.sleep
        Used for the backoff waits (tests pass a recorder).
    use_cache : bool, default True
        Without the cache every request goes to Yahoo.
    deadline : float, default 60.0
        Total seconds for one price request, however slowly the answer trickles in
        (``timeout`` bounds each socket read only). A request over it counts as a network
        error (retried).
    call_deadline : float, default 300.0
        Total seconds for one :meth:`fetch` (one ``load_prices`` call), retries and
        backoff included; past it a :class:`~mktnews.errors.PriceDataError` names the
        symbol, the range and the deadline.

    Notes
    -----
    See :mod:`mktnews.prices.yahoo` for adjustments, intraday limits, retries and the
    cache folder of yfinance itself, and :mod:`mktnews.prices.cache` for the cache.
    """

    name = "yahoo"

    def __init__(
        self,
        *,
        cache_dir: Any = None,
        offline: bool | None = None,
        retries: int = 3,
        timeout: float = 10.0,
        session: Any = None,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        use_cache: bool = True,
        deadline: float = 60.0,
        call_deadline: float = 300.0,
    ) -> None:
        if not isinstance(retries, int) or retries < 1:
            raise PriceDataError(f"retries must be a positive number of tries, not {retries!r}")
        self.cache_dir = cache_dir
        self.offline = offline_from_env(offline)
        self.retries = retries
        self.timeout = float(timeout)
        self.backoff = float(backoff)
        self.session = session
        self._sleep = sleep
        self.use_cache = use_cache
        if not deadline > 0 or not call_deadline > 0:
            raise PriceDataError(
                f"deadline and call_deadline must be positive seconds, not {deadline!r}, {call_deadline!r}"
            )
        self.deadline = float(deadline)
        self.call_deadline = float(call_deadline)
        self._call_deadline_at: float | None = None
        self.cache = PriceCache(self.name, cache_dir)

    # ------------------------------------------------------------------ protocol
    def fetch(
        self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: Interval
    ) -> pd.DataFrame:
        """Bars of ``symbol`` in the range; see :class:`~mktnews.prices.base.PriceSource`.

        Raises
        ------
        PriceDataError
            When Yahoo cannot answer (after the retries), when it has no bars at all in
            the range, for intraday ranges older than Yahoo serves, and offline when
            the cache lacks part of the range.
        """
        check_option("interval", interval, Interval)
        self._call_deadline_at = time.monotonic() + self.call_deadline
        try:
            return self._fetch(symbol, start, end, interval)
        finally:
            self._call_deadline_at = None

    def _fetch(
        self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: Interval
    ) -> pd.DataFrame:
        if self.use_cache:
            frame = self.cache.get(
                symbol,
                start,
                end,
                interval,
                lambda s, e: self.download(symbol, s, e, interval, allow_empty=True),
                offline=self.offline,
            )
        elif self.offline:
            raise PriceDataError(
                f"offline with use_cache=False: no way to get {interval} bars of {symbol}"
            )
        else:
            frame = self.download(symbol, start, end, interval, allow_empty=True)
        if frame.empty:
            raise PriceDataError(
                f"Yahoo Finance has no {interval} bars of {symbol} for "
                f"{_range_text(start, end, interval)} (the range holds no trading session, "
                "lies before the series starts, or the symbol is not Yahoo's)"
            )
        frame.attrs = {"symbol": symbol, "interval": interval, "source": self.name}
        return frame

    def fetch_many(
        self,
        symbols: Iterable[str] | Mapping[str, tuple[object, object]],
        start: object = None,
        end: object = None,
        *,
        interval: Interval = "1d",
        progress: bool | None = None,
    ) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
        """Bars of many symbols through the cache, with a progress bar and a list of failures.

        Yahoo's chart service answers one symbol per request (``yfinance.download`` also
        asks once per symbol), and yfinance's process-wide state (its exception switch, the
        status recorder on the shared session) makes mktnews ask one request at a time; so
        the symbols are asked one after the other, each through the cache (a symbol whose
        range the cache covers costs no request), each with its own retries and
        ``call_deadline``. :func:`mktnews.align_events` and :func:`mktnews.event_study` call
        this for all their instruments before reading them one by one from the cache.

        Parameters
        ----------
        symbols : iterable of str, or mapping of symbol to (start, end)
        start, end : date-like, optional
            The range of every symbol when ``symbols`` is not a mapping.
        interval : str, default "1d"
        progress : bool, optional
            tqdm bar (when tqdm is installed): None on a terminal only, True always, False never.

        Returns
        -------
        frames : dict of symbol to DataFrame
        errors : dict of symbol to str
            The symbols that failed, each with its :class:`~mktnews.errors.PriceDataError`
            message (symbol, range, cause); the others are in ``frames``.
        """
        return fetch_many(self, symbols, start, end, interval=interval, progress=progress)

    # ------------------------------------------------------------------ network
    def download(
        self,
        symbol: str,
        start: pd.Timestamp,
        end: pd.Timestamp,
        interval: Interval,
        *,
        allow_empty: bool = False,
    ) -> pd.DataFrame:
        """Ask Yahoo for one range (no cache), with the retries; see :meth:`fetch`.

        ``allow_empty`` returns an empty frame when Yahoo knows the symbol but has no
        bars in the range (the cache uses it for short pieces such as a weekend).
        """
        check_option("interval", interval, Interval)
        start, end = pd.Timestamp(start), pd.Timestamp(end)
        self._check_limits(symbol, start, end, interval)
        span = _MAX_SPAN.get(interval)
        pieces = [(start, end)]
        if span is not None:
            pieces = []
            cur = start
            while cur < end:
                nxt = min(cur + span, end)
                pieces.append((cur, nxt))
                cur = nxt
        parts = [self._with_retries(symbol, a, b, interval) for a, b in pieces]
        frame = pd.concat(parts) if len(parts) > 1 else parts[0]
        frame = conform_prices(frame, symbol=symbol, interval=interval, source=self.name)
        if frame.empty and not allow_empty:
            raise PriceDataError(
                f"Yahoo Finance returned no {interval} bars of {symbol} for "
                f"{_range_text(start, end, interval)}"
            )
        return frame

    def _check_limits(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: str) -> None:
        limit = INTRADAY_LIMITS.get(interval)
        if limit is None:
            return
        now = cache_mod.utcnow()
        earliest = now - limit
        if start < earliest:
            coarser = {"1m": "2m-90m (60 days), 1h (730 days) or 1d", "1h": "1d", "60m": "1d"}.get(
                interval, "1h (730 days) or 1d"
            )
            raise PriceDataError(
                f"Yahoo Finance serves {interval} bars only for the last {limit.days} days "
                f"(from {earliest:%Y-%m-%d %H:%M} UTC on); {symbol} was asked for "
                f"{_range_text(start, end, interval)}. Use a coarser interval ({coarser}), "
                "a more recent range, or load older intraday bars from your own files "
                "with FileSource."
            )

    def _with_retries(
        self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: str
    ) -> pd.DataFrame:
        last: _Transient | None = None
        for attempt in range(1, self.retries + 1):
            if self._call_deadline_at is not None and time.monotonic() >= self._call_deadline_at:
                raise PriceDataError(
                    f"Yahoo Finance: {interval} bars of {symbol} for {_range_text(start, end, interval)}: "
                    f"the call's deadline of {self.call_deadline:g} s passed after {attempt - 1} "
                    f"{'try' if attempt == 2 else 'tries'}"
                    + (f" (last cause: {last.cause})" if last is not None else "")
                    + "; raise YahooSource(call_deadline=...) or try later"
                )
            try:
                return self._history(symbol, start, end, interval)
            except _Transient as exc:
                last = exc
                if attempt < self.retries:
                    delay = self.backoff * 2 ** (attempt - 1)
                    if exc.rate_limited:
                        delay *= 2
                    if self._call_deadline_at is not None:
                        delay = min(delay, max(0.0, self._call_deadline_at - time.monotonic()))
                    self._sleep(min(delay, _MAX_DELAY))
        assert last is not None
        raise PriceDataError(
            f"Yahoo Finance: could not get {interval} bars of {symbol} for "
            f"{_range_text(start, end, interval)}: {last.cause} "
            f"(gave up after {self.retries} {'try' if self.retries == 1 else 'tries'})"
        ) from last.__cause__

    def _history(
        self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: str
    ) -> pd.DataFrame:
        intraday = is_intraday(interval)
        if intraday:
            ask_start: Any = start.tz_convert("UTC").to_pydatetime()
            ask_end: Any = end.tz_convert("UTC").to_pydatetime()
        else:
            ask_start = start.date()
            ask_end = (end + pd.Timedelta(days=1)).date()  # yfinance's end is exclusive
        seen: list[tuple[str, int]] = []
        with _YF_LOCK:
            _point_yfinance_caches(self.cache_dir)
            _forget_yfinance_responses()
            with _yfinance_raising() as yf:
                try:
                    if self.session is None:
                        # yfinance's default session (curl_cffi, browser impersonation).
                        # Always pass one: Ticker(session=None) would reuse whatever session
                        # yfinance's process-wide singleton last had.
                        self.session = yf.Ticker(symbol).session
                    ticker = yf.Ticker(symbol, session=self.session)
                    deadline_at = time.monotonic() + self.deadline
                    if self._call_deadline_at is not None:
                        deadline_at = min(deadline_at, self._call_deadline_at)
                    with _record_statuses(ticker.session, seen, deadline_at, self.deadline):
                        raw = ticker.history(
                            start=ask_start,
                            end=ask_end,
                            interval=interval,
                            auto_adjust=True,
                            actions=False,
                            repair=False,
                            prepost=False,
                            timeout=self.timeout,
                        )
                except Exception as exc:
                    try:
                        self._classify(exc, seen, symbol, start, end, interval)
                    except _Empty:
                        raw = None
        if raw is None:
            raw = pd.DataFrame()
        return self._normalise(raw, symbol, start, end, interval)

    @staticmethod
    def _classify(
        exc: Exception,
        seen: list[tuple[str, int]],
        symbol: str,
        start: pd.Timestamp,
        end: pd.Timestamp,
        interval: str,
    ) -> None:
        """Raise ``_Transient`` (retry), ``_Empty`` or ``PriceDataError`` for ``exc``."""
        from yfinance.exceptions import (
            YFDataException,
            YFPricesMissingError,
            YFRateLimitError,
            YFTzMissingError,
        )

        rng = _range_text(start, end, interval)
        chart = [s for u, s in seen if "/finance/chart/" in u]
        status = chart[-1] if chart else 0
        if isinstance(exc, YFRateLimitError) or status == 429:
            raise _Transient("rate limited by Yahoo Finance (HTTP 429)", rate_limited=True) from exc
        if status >= 500:
            raise _Transient(f"HTTP {status} from Yahoo Finance") from exc
        if status in (401, 403):
            raise PriceDataError(
                f"Yahoo Finance refused access to the {interval} bars of {symbol} for {rng} "
                f"(HTTP {status}): an access problem (cookie/crumb refused, a blocked address or "
                "a proxy), not a missing symbol; not retried"
            ) from exc
        if _not_price_data(exc):
            raise _Transient(
                f"Yahoo answered something that is not price data (HTTP {status or '?'}; "
                f"{type(exc).__name__}: {exc})"
            ) from exc
        if status == 404 or isinstance(exc, YFTzMissingError):
            raise PriceDataError(
                f"Yahoo Finance does not know the symbol {symbol!r} (asked for {interval} bars, "
                f"{rng}): {exc}"
            ) from exc
        http = getattr(getattr(exc, "response", None), "status_code", None)
        if isinstance(http, int) and http >= 400:
            if http == 429 or http >= 500:
                raise _Transient(f"HTTP {http} from Yahoo Finance", rate_limited=http == 429) from exc
            raise PriceDataError(
                f"Yahoo Finance: {interval} bars of {symbol} for {rng} failed: HTTP {http} ({exc})"
            ) from exc
        if _is_network_error(exc):
            raise _Transient(f"network error ({type(exc).__name__}: {exc})") from exc
        if isinstance(exc, YFDataException) and "DOWN" in str(exc).upper():
            raise _Transient(
                "Yahoo answered something that is not price data (its 'Will be right back' "
                "HTML page: Yahoo Finance is down)"
            ) from exc
        if isinstance(exc, YFPricesMissingError):
            if exc.yahoo_reason is None:
                raise _Empty() from exc
            raise PriceDataError(
                f"Yahoo Finance: no {interval} bars of {symbol} for {rng}: {exc.yahoo_reason}"
            ) from exc
        raise PriceDataError(
            f"Yahoo Finance: {interval} bars of {symbol} for {rng} failed: "
            f"{type(exc).__name__}: {exc}"
        ) from exc

    def _normalise(
        self, raw: pd.DataFrame, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: str
    ) -> pd.DataFrame:
        intraday = is_intraday(interval)
        if isinstance(raw.columns, pd.MultiIndex):  # not produced by Ticker.history; be safe
            raw = raw.droplevel(list(range(1, raw.columns.nlevels)), axis=1)
        df = raw.rename(columns=lambda c: str(c).strip().lower().replace(" ", "_"))
        cols = [c for c in ("open", "high", "low", "close", "volume") if c in df.columns]
        df = df.loc[:, cols]
        if len(df):
            idx = pd.DatetimeIndex(df.index)
            if intraday:
                idx = idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")
            else:
                # exchange-local midnight -> the session date
                idx = (idx.tz_localize(None) if idx.tz is not None else idx).normalize()
            df.index = idx.as_unit("ns")
            df = df.loc[~df.index.duplicated(keep="last")].sort_index()
            ns = pd.DatetimeIndex(df.index)
            if intraday:
                df = df.loc[(ns >= start) & (ns < end)]
            else:
                df = df.loc[(ns >= start.normalize()) & (ns <= end.normalize())]
        else:
            df = pd.DataFrame(
                {c: pd.Series([], dtype="float64") for c in ("open", "high", "low", "close", "volume")},
                index=pd.DatetimeIndex([], dtype="datetime64[ns, UTC]" if intraday else "datetime64[ns]"),
            )
        if not intraday and len(df):
            _check_session_days(df, symbol)
        # Yahoo's own bars occasionally have high < low (gold futures, 2009-11-23): the user
        # cannot fix the service's data, so such bars keep their close and lose high/low,
        # with a PriceDataWarning naming them.
        return conform_prices(
            df,
            symbol=symbol,
            interval=interval,
            source=self.name,
            where=f"Yahoo Finance {symbol}",
            bad_ohlc="mask",
        )

    def __repr__(self) -> str:
        mode = "offline" if self.offline else f"retries={self.retries}, timeout={self.timeout:g}s"
        return f"YahooSource({mode}, cache={self.cache.folder})"
