"""The fast paths of the time parser (distinct values once, plain ISO 8601 in one call)
give what the strict per-form path gives. Expected values worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from mktnews import _pubtime
from mktnews._pubtime import parse_times_full

MIXED = [
    "2024-11-27T14:35:00+01:00",  # fast ISO: 13:35 UTC
    "2024-11-27 14:35:00.250Z",  # fast ISO: 14:35:00.25 UTC
    "2024-07-01T09:00",  # fast ISO, naive: Berlin summer time (+2) -> 07:00 UTC
    "2024-02-30T10:00:00+00:00",  # fast pattern but no such day: strict path rejects
    "2024-11-27T14:35:00+01:00",  # repeated value
    "2024-11-27 8:05 +0100",  # one-digit hour, +0100: strict path only -> 07:05 UTC
    "Nov 27, 2024 8:05 PM ET",  # EST (-5) -> 28 Nov 01:05 UTC, with a note
    "27.11.2024",  # German date only -> 00:00 UTC, precision day
    "2024-11-27T14:35:00+19:00",  # offset beyond 18 h: strict path rejects
    None,
    "Nov 3, 2024 1:30 AM ET",  # the autumn change: 1:30 twice in New York, rejected
    "Nov 27, 2024 13:05 PM ET",  # hour 13 with PM: rejected
    "Jul 4, 2024 9:30 AM ET",  # EDT (-4) -> 13:30 UTC, with the note
]
WANT = [
    "2024-11-27 13:35:00",
    "2024-11-27 14:35:00.250",
    "2024-07-01 07:00:00",
    None,
    "2024-11-27 13:35:00",
    "2024-11-27 07:05:00",
    "2024-11-28 01:05:00",
    "2024-11-27 00:00:00",
    None,
    None,
    None,
    None,
    "2024-07-04 13:30:00",
]


def _run(values: list[str | None]) -> tuple[list[object], list[object], list[str], list[object]]:
    r = parse_times_full(pd.Series(values, dtype=object), tz="Europe/Berlin", what="column 't'")
    times = [None if pd.isna(t) else t for t in r.times]
    return times, r.reasons, r.notes, r.precision


def test_mixed_column_values_by_hand() -> None:
    times, reasons, notes, prec = _run(MIXED)
    assert times == [None if w is None else pd.Timestamp(w, tz="UTC") for w in WANT]
    assert prec == ["exact"] * 3 + [None] + ["exact"] * 3 + ["day", None, None, None, None, "exact"]
    assert [r is not None for r in reasons] == [i in (3, 8, 10, 11) for i in range(13)]
    assert "not a valid date" in str(reasons[3])
    assert "invalid UTC offset" in str(reasons[8])
    assert notes[6] == "zone word 'ET' read as America/New_York (its daylight-saving rules)"
    assert notes[12] == notes[6]
    assert "ambiguous in America/New_York" in str(reasons[10])
    assert "hour 13 with AM/PM" in str(reasons[11])
    assert notes[7].startswith("date only")
    assert notes[:6] == [""] * 6


def test_fast_and_strict_path_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _run(MIXED)
    # the strict path alone: no ISO fast path, and every value parsed by itself
    monkeypatch.setattr(_pubtime, "_iso_fast", lambda strs, rows: strs)
    strict = [_run([v]) for v in MIXED]
    for i, v in enumerate(MIXED):
        assert [x[0] for x in strict[i]] == [x[i] for x in fast], v


@pytest.mark.parametrize(
    ("line", "change", "flagged"),
    [
        ("18 532", 18532.0, False),  # the only number on its line, 3-digit groups: joined
        ("-1 234 567", -1234567.0, False),
        ("18 53", None, True),  # a group of two digits: not joined, box flagged
        ("18 532 12", None, True),  # not 3-digit groups throughout: flagged
    ],
)
def test_plain_space_thousands_whole_line(line: str, change: float | None, flagged: bool) -> None:
    from mktnews._text import parse_article

    p = parse_article(f"DAX\n{line}\nDie Börse war ruhig heute.\n(H.Schneide--BBZ)")
    if change is None:
        assert p.box == ()
        assert any(line in n and "box not read" in n for n in p.notes) is flagged
    else:
        assert [(r.instrument, r.change) for r in p.box] == [("DAX", change)]
        assert "digit groups separated by spaces read as one number" in p.notes[0]
