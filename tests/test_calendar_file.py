"""Calendar session arrays kept between processes (issue 14: first-call overhead). The file
must hold exactly exchange_calendars' sessions, and a damaged file is rebuilt, never used."""

from __future__ import annotations

import warnings
from pathlib import Path

import exchange_calendars as xc
import numpy as np
import pandas as pd
import pytest

import mktnews as mn
from mktnews import events


def _align_one(tmp: Path) -> pd.DataFrame:
    table = pd.DataFrame({"id": ["a"], "time": ["2024-11-27T16:30:00-05:00"], "instrument": ["AAPL"]})
    idx = pd.DatetimeIndex(pd.to_datetime(["2024-11-25", "2024-11-26", "2024-11-27", "2024-11-29", "2024-12-02"]))
    src = mn.FrameSource({"AAPL": pd.DataFrame({"close": [1.0, 2.0, 3.0, 4.0, 5.0]}, index=idx)})
    return mn.align_events(mn.read_articles(table), source=src, instruments="instrument")


def test_sessions_file_written_read_and_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MKTNEWS_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(events, "_CALENDAR_ARRAYS", {})
    ev = _align_one(tmp_path)
    # after the close of Wednesday 27 Nov 2024: day 0 is Friday the 29th (Thanksgiving shut)
    assert ev["t0"].iloc[0] == pd.Timestamp("2024-11-29") and ev["market_state"].iloc[0] == "post"
    files = list((tmp_path / "calendars").glob("XNYS-*.npz"))
    assert len(files) == 1
    with np.load(files[0]) as z:
        dates, closes, tz = z["dates"], z["closes"], str(z["tz"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cal = xc.get_calendar("XNYS", start="1985-01-02")
    assert tz == "America/New_York"
    np.testing.assert_array_equal(dates, cal.sessions.as_unit("ns").asi8)
    np.testing.assert_array_equal(closes, pd.DatetimeIndex(cal.schedule["close"]).as_unit("ns").asi8)
    # a new process (empty in-memory table) reads the file; a damaged file is rebuilt
    files[0].write_bytes(b"not an npz file")
    monkeypatch.setattr(events, "_CALENDAR_ARRAYS", {})
    again = _align_one(tmp_path)
    pd.testing.assert_frame_equal(again, ev)
    with np.load(files[0]) as z:
        np.testing.assert_array_equal(z["dates"], dates)
