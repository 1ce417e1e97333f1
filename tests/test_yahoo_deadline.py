"""A total deadline per request and per call: a local HTTP server on 127.0.0.1 answers
like Yahoo (the bytes come from the fake Yahoo of _fake_yahoo) but trickles each price
answer out one byte every 50 ms. Each read succeeds well within ``timeout``, so only a
total deadline can stop the call. The server stops trickling after 10 s at most and is
shut down after the test."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest
import requests
from _fake_yahoo import FakeYahoo

from mktnews.errors import PriceDataError
from mktnews.prices import cache as cache_mod
from mktnews.prices.base import load_prices
from mktnews.prices.yahoo import YahooSource

TRICKLE_GAP = 0.05
TRICKLE_MAX = 10.0


@pytest.fixture
def server(daily_dir: Path) -> Iterator[tuple[int, list[float]]]:
    fake = FakeYahoo(daily_dir)
    stop = threading.Event()
    trickled: list[float] = []  # seconds each trickled answer was held

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            host, _, rest = self.path.lstrip("/").partition("/")
            parts = urlsplit("/" + rest)
            params = dict(parse_qsl(parts.query))
            resp = fake.request("GET", f"https://{host}{parts.path}", params=params)
            body = resp.content
            self.send_response(resp.status_code)
            self.send_header("Content-Type", resp.headers.get("Content-Type", "application/json"))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if "/v8/finance/chart/" not in parts.path or "period1" not in params:
                self.wfile.write(body)
                return
            t0 = time.monotonic()
            try:
                for i in range(len(body)):
                    if stop.is_set() or time.monotonic() - t0 > TRICKLE_MAX:
                        break
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(TRICKLE_GAP)
            except OSError:  # the client gave up: that is the point
                pass
            finally:
                trickled.append(time.monotonic() - t0)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1], trickled
    finally:
        stop.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


class ToLocal(requests.Session):
    """Sends yfinance's https://HOST/PATH requests to http://127.0.0.1:PORT/HOST/PATH."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        u = urlsplit(url.decode() if isinstance(url, bytes) else str(url))
        local = f"http://127.0.0.1:{self.port}/{u.netloc}{u.path}" + (f"?{u.query}" if u.query else "")
        return super().request(method, local, *args, **kwargs)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_mod, "utcnow", lambda: pd.Timestamp("2025-07-12 12:00", tz="UTC"))


def test_request_deadline_stops_a_trickling_answer(server: tuple[int, list[float]], tmp_path: Path) -> None:
    port, trickled = server
    y = YahooSource(session=ToLocal(port), cache_dir=tmp_path, timeout=5, deadline=0.5, retries=2,
                    sleep=lambda s: None)
    t0 = time.monotonic()
    with pytest.raises(PriceDataError, match=r"\^STOXX50E for 2024-11-04\.\.2024-11-08.*within the 0\.5 s deadline.*gave up after 2 tries"):
        load_prices("^STOXX50E", "2024-11-04", "2024-11-08", source=y)
    elapsed = time.monotonic() - t0
    # two tries of 0.5 s each (plus yfinance's quick cookie/crumb/time-zone requests)
    assert elapsed < 4.0
    time.sleep(0.3)
    assert trickled and all(t < 2.0 for t in trickled)  # the client hung up on each


def test_call_deadline_bounds_the_retries(server: tuple[int, list[float]], tmp_path: Path) -> None:
    port, _ = server
    y = YahooSource(session=ToLocal(port), cache_dir=tmp_path, timeout=5, deadline=0.5, retries=50,
                    call_deadline=1.2, sleep=lambda s: None)
    t0 = time.monotonic()
    with pytest.raises(PriceDataError, match=r"call's deadline of 1\.2 s passed after \d+ tries"):
        load_prices("^STOXX50E", "2024-11-04", "2024-11-08", source=y)
    assert time.monotonic() - t0 < 4.0


def test_a_prompt_answer_is_not_affected(daily_dir: Path, tmp_path: Path) -> None:
    y = YahooSource(session=FakeYahoo(daily_dir), cache_dir=tmp_path, timeout=5, deadline=0.5)
    assert load_prices("^STOXX50E", "2024-11-27", "2024-11-27", source=y)["close"].tolist() == [4733.1499]
