"""A fake HTTP session for yfinance: serves Yahoo's chart API from the real CSV files.

It is a ``requests.Session`` (yfinance accepts those), so yfinance's own request code,
cookie/crumb handling, time-zone look-up and chart parsing all run for real; only the
bytes come from ../shared/data instead of Yahoo. The JSON has the shape of Yahoo's
``/v8/finance/chart/{symbol}`` answers: ``meta`` (with ``exchangeTimezoneName`` and, for
intraday bars, ``tradingPeriods``), ``timestamp`` and ``indicators``.

Daily bars are time-stamped at the session's opening time in the exchange's zone, as
Yahoo does; hourly bars at their start. A chart request returns the bars with
``period1 <= timestamp < period2``.

Failures are injected with ``script``: one entry per coming *price* request (requests
with ``period1``), each an HTTP status (``429``, ``503``, ``403``), ``"empty"`` (Yahoo's answer
for a range without bars), ``"half"`` (only the first half of the range's bars),
``"null_closes"`` (every close null), ``"html"`` (an HTML page with status 200),
``"truncated"`` (JSON cut off after 300 characters), or an exception instance to raise. ``down`` makes every
request raise (a machine without DNS, say).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from datetime import time as dtime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pandas as pd
import requests

EXCHANGE_TZ = {
    "^STOXX50E": ("Europe/Berlin", "EUR", dtime(9, 0)),
    "^GDAXI": ("Europe/Berlin", "EUR", dtime(9, 0)),
    "^FCHI": ("Europe/Paris", "EUR", dtime(9, 0)),
    "^FTSE": ("Europe/London", "GBP", dtime(8, 0)),
    "^DJI": ("America/New_York", "USD", dtime(9, 30)),
    "^GSPC": ("America/New_York", "USD", dtime(9, 30)),
    "^N225": ("Asia/Tokyo", "JPY", dtime(9, 0)),
    "EURUSD=X": ("Europe/London", "USD", dtime(0, 0)),
    "GC=F": ("America/New_York", "USD", dtime(0, 0)),
}


def raw_closes(path: Path, lo: str, hi: str) -> dict[str, float]:
    """Closes of a real CSV file (the bytes the fake serves), read with the csv module:
    ``{date or datetime text: close}`` for the rows whose first ``len(lo)`` / ``len(hi)``
    characters lie in ``lo..hi``."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    return {r[0]: float(r[4]) for r in rows if lo <= r[0][: len(lo)] and r[0][: len(hi)] <= hi}


def _response(status: int, body: bytes | str, url: str, content_type: str = "application/json") -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r._content = body.encode() if isinstance(body, str) else body
    r.url = url
    r.encoding = "utf-8"
    r.headers["Content-Type"] = content_type
    r.reason = {200: "OK", 404: "Not Found", 429: "Too Many Requests"}.get(status, "")
    return r


class FakeYahoo(requests.Session):
    """Serves chart JSON built from the real daily and hourly CSV files."""

    def __init__(self, daily_dir: Path, hourly_dir: Path | None = None) -> None:
        super().__init__()
        self.daily_dir = Path(daily_dir)
        self.hourly_dir = Path(hourly_dir) if hourly_dir is not None else None
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.script: list[Any] = []
        self.down: Callable[[], BaseException] | None = None
        self._frames: dict[tuple[str, str], pd.DataFrame] = {}
        #: symbol -> a wrong exchange time zone to claim in the answers' meta (the stamps stay right)
        self.claimed_tz: dict[str, str] = {}

    # ------------------------------------------------------------------ bookkeeping
    @property
    def price_calls(self) -> list[dict[str, Any]]:
        """Parameters of the chart requests that asked for a range of bars."""
        return [p for _, u, p in self.calls if "/v8/finance/chart/" in u and "period1" in p]

    def price_ranges(self, tz: str = "UTC") -> list[tuple[pd.Timestamp, pd.Timestamp]]:
        """(period1, period2) of each price request as timestamps in ``tz``."""
        return [
            (
                pd.Timestamp(int(p["period1"]), unit="s", tz="UTC").tz_convert(tz),
                pd.Timestamp(int(p["period2"]), unit="s", tz="UTC").tz_convert(tz),
            )
            for p in self.price_calls
        ]

    # ------------------------------------------------------------------ data
    def _bars(self, symbol: str, interval: str) -> pd.DataFrame | None:
        key = (symbol, interval)
        if key in self._frames:
            return self._frames[key]
        tz, _, open_time = EXCHANGE_TZ.get(symbol, ("UTC", "USD", dtime(0, 0)))
        if interval == "1d":
            path = self.daily_dir / f"{symbol}.csv"
            if not path.exists():
                return None
            raw = pd.read_csv(path)
            local = pd.to_datetime(raw["Date"]) + pd.Timedelta(
                hours=open_time.hour, minutes=open_time.minute
            )
            stamps = local.dt.tz_localize(tz).dt.tz_convert("UTC")
        elif interval in ("1h", "60m") and self.hourly_dir is not None:
            path = self.hourly_dir / f"{symbol}.csv"
            if not path.exists():
                return None
            raw = pd.read_csv(path)
            stamps = pd.to_datetime(raw["Datetime"], utc=True)
        else:
            return None
        frame = pd.DataFrame(
            {
                "ts": ((stamps - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy(),
                "open": raw["Open"],
                "high": raw["High"],
                "low": raw["Low"],
                "close": raw["Close"],
                "volume": raw["Volume"].astype("int64"),
            }
        )
        self._frames[key] = frame
        return frame

    def _meta(self, symbol: str, interval: str, bars: pd.DataFrame) -> dict[str, Any]:
        tz, currency, _ = EXCHANGE_TZ.get(symbol, ("UTC", "USD", dtime(0, 0)))
        last = bars.iloc[-1] if len(bars) else None
        off = int(pd.Timestamp.now(tz=tz).utcoffset().total_seconds())  # type: ignore[union-attr]
        meta: dict[str, Any] = {
            "currency": currency,
            "symbol": symbol,
            "exchangeName": "FAKE",
            "fullExchangeName": "Fake exchange",
            "instrumentType": "INDEX",
            "firstTradeDate": 0,
            "regularMarketTime": int(last["ts"]) if last is not None else 0,
            "hasPrePostMarketData": False,
            "gmtoffset": off,
            "timezone": "LOCAL",
            "exchangeTimezoneName": self.claimed_tz.get(symbol, tz),
            "regularMarketPrice": float(last["close"]) if last is not None else None,
            "priceHint": 2,
            "dataGranularity": interval,
            "range": "",
            "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"],
        }
        if interval != "1d" and len(bars):
            days = pd.to_datetime(bars["ts"], unit="s", utc=True).dt.tz_convert(tz).dt.date
            periods = []
            for _, grp in bars.groupby(days.to_numpy()):
                start = int(grp["ts"].iloc[0])
                end = int(grp["ts"].iloc[-1]) + 3600
                periods.append([{"timezone": "LOCAL", "start": start, "end": end, "gmtoffset": off}])
            meta["tradingPeriods"] = periods
        return meta

    def _chart(self, symbol: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        interval = str(params.get("interval", "1d"))
        bars = self._bars(symbol, interval)
        if bars is None:
            if self._bars(symbol, "1d") is None:
                return 404, {
                    "chart": {
                        "result": None,
                        "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
                    }
                }
            return 422, {
                "chart": {
                    "result": None,
                    "error": {"code": "Unprocessable Entity", "description": f"Invalid interval {interval} (fake)"},
                }
            }
        if "period1" in params:
            p1, p2 = int(params["period1"]), int(params["period2"])
            sel = bars.loc[(bars["ts"] >= p1) & (bars["ts"] < p2)]
        else:  # range=1d: the latest bar (yfinance only reads the time zone from it)
            sel = bars.iloc[-1:]
        return 200, self._result(symbol, interval, sel)

    def _result(self, symbol: str, interval: str, sel: pd.DataFrame) -> dict[str, Any]:
        meta = self._meta(symbol, interval, sel)
        if len(sel) == 0:
            return {"chart": {"result": [{"meta": meta, "indicators": {"quote": [{}], "adjclose": [{}]}}], "error": None}}
        quote = {c: sel[c].tolist() for c in ("open", "high", "low", "close", "volume")}
        indicators: dict[str, Any] = {"quote": [quote]}
        if interval == "1d":
            indicators["adjclose"] = [{"adjclose": sel["close"].tolist()}]
        return {
            "chart": {
                "result": [{"meta": meta, "timestamp": sel["ts"].tolist(), "indicators": indicators}],
                "error": None,
            }
        }

    # ------------------------------------------------------------------ HTTP
    def request(self, method: str | bytes, url: str | bytes, params: Any = None, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = url.decode() if isinstance(url, bytes) else str(url)
        method = method.decode() if isinstance(method, bytes) else str(method)
        p = dict(params or {})
        self.calls.append((method, url, p))
        if self.down is not None:
            raise self.down()
        if "fc.yahoo.com" in url:
            return _response(200, "", url, "text/html")
        if "/v1/test/getcrumb" in url:
            return _response(200, "fakecrumb", url, "text/plain")
        if "consent" in url:
            return _response(200, "<html><body>no form</body></html>", url, "text/html")
        m = re.search(r"/v8/finance/chart/([^/?]+)", url)
        if m:
            symbol = unquote(m.group(1))
            if "period1" in p and self.script:
                action = self.script.pop(0)
                if isinstance(action, BaseException):
                    raise action
                if action == "empty":
                    bars = self._bars(symbol, str(p.get("interval", "1d")))
                    if bars is None:
                        bars = self._bars(symbol, "1d")
                    assert bars is not None, f"the fake has no bars of {symbol}"
                    return _response(200, json.dumps(self._result(symbol, str(p["interval"]), bars.iloc[:0])), url)
                if action in ("half", "null_closes", "html", "truncated"):
                    status, body = self._chart(symbol, p)
                    if action == "html":
                        return _response(200, "<!DOCTYPE html><html><head><title>Yahoo</title></head><body>Please enable JavaScript</body></html>", url, "text/html")
                    if action == "truncated":
                        return _response(200, json.dumps(body)[:300], url)
                    res = body["chart"]["result"][0]
                    q = res["indicators"]["quote"][0]
                    if action == "half":  # only the first half of the range's bars
                        k = len(res.get("timestamp", [])) // 2
                        res["timestamp"] = res["timestamp"][:k]
                        for key in q:
                            q[key] = q[key][:k]
                        if "adjclose" in res["indicators"]:
                            res["indicators"]["adjclose"][0]["adjclose"] = res["indicators"]["adjclose"][0]["adjclose"][:k]
                    else:  # every close null
                        q["close"] = [None] * len(q["close"])
                        if "adjclose" in res["indicators"]:
                            res["indicators"]["adjclose"][0]["adjclose"] = [None] * len(q["close"])
                    return _response(200, json.dumps(body), url)
                if isinstance(action, int):
                    if action == 429:
                        return _response(429, "Too Many Requests\r\n", url, "text/plain")
                    return _response(action, f"<html><body>Error {action}</body></html>", url, "text/html")
                raise AssertionError(f"unknown script action {action!r}")
            status, body = self._chart(symbol, p)
            return _response(status, json.dumps(body), url)
        if "quoteSummary" in url or "/v7/finance/quote" in url:
            return _response(
                404,
                json.dumps({"quoteSummary": {"result": None, "error": {"code": "Not Found", "description": "Quote not found"}}}),
                url,
            )
        return _response(404, json.dumps({"error": "not served by the fake"}), url)
