"""The vectorised engine of issue 14 piece by piece: segmented searches, symbol resolution,
the batched history load with its widening rounds, day-0 location and the day-0 split.

Expected values come from plain per-segment / per-event loops written here (numpy's
searchsorted on each instrument's own rows, resolve_symbol one name at a time), from a
fake source that records every request, or from the real bars read with plain pandas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mktnews.errors import PriceDataError, UnknownInstrumentError
from mktnews.histories import load_histories
from mktnews.instruments import resolve_symbol, resolve_symbols
from mktnews.measures import day0_split
from mktnews.prices.base import FrameSource
from mktnews.prices.blocks import PriceBlocks, segment_search
from mktnews.windows import ReturnPanel

REAL = Path(__file__).parent / "data" / "prices_real" / "daily"
DAY = 86_400_000_000_000


def real_daily(symbol: str) -> pd.DataFrame:
    raw = pd.read_parquet(REAL / f"{symbol}.parquet")
    idx = pd.DatetimeIndex(pd.to_datetime(raw.pop("Date"))).as_unit("ns").rename("date")
    return raw.set_index(idx)


@pytest.mark.parametrize("side", ["left", "right"])
def test_segment_search_equals_a_searchsorted_per_segment(side: str) -> None:
    rng = np.random.default_rng(14)
    parts = [np.sort(rng.integers(0, 40, int(rng.integers(0, 12)))) for _ in range(300)]  # ties, empties
    stamps = np.concatenate(parts).astype(np.int64)
    lengths = np.array([len(p) for p in parts])
    first = np.cumsum(lengths) - lengths
    values = rng.integers(-5, 46, len(parts))  # before the first, after the last, in between
    want = np.array(
        [a + np.searchsorted(p, v, side=side) for a, p, v in zip(first, parts, values, strict=True)]
    )
    got = segment_search(stamps, first, first + lengths, values, side)
    np.testing.assert_array_equal(got, want)


def test_resolve_symbols_equals_resolve_symbol_one_by_one() -> None:
    names = ["Euro STOXX 50", "  dax ", "EuroStoxx 50", "^GDAXI", "AAPL", " SAP.DE", "BRK-B", "my_series"]
    assert resolve_symbols(names) == [resolve_symbol(n) for n in names]
    # by hand: the registry's data symbols, else the name without its spaces
    assert resolve_symbols(names) == ["^STOXX50E", "^GDAXI", "^STOXX50E", "^GDAXI", "AAPL", "SAP.DE", "BRK-B", "my_series"]
    for bad in (["AAPL", "  "], ["AAPL", None]):
        with pytest.raises(UnknownInstrumentError):
            resolve_symbols(bad)  # type: ignore[arg-type]


class Recorder:
    """A daily source over real frames that records every request (symbol, start, end);
    symbols in ``fail`` refuse, on every request or from request ``fail_from`` on."""

    name = "recorder"

    def __init__(self, frames: dict[str, pd.DataFrame], fail: frozenset[str] = frozenset(), fail_from: int = 0) -> None:
        self.frames = frames
        self.fail = fail
        self.fail_from = fail_from
        self.asked: list[tuple[str, pd.Timestamp, pd.Timestamp]] = []

    def fetch(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: str) -> pd.DataFrame:
        n_before = sum(1 for a in self.asked if a[0] == symbol)
        self.asked.append((symbol, pd.Timestamp(start), pd.Timestamp(end)))
        if symbol in self.fail and n_before >= self.fail_from:
            raise PriceDataError(f"{self.name}: no answer for {symbol}")
        f = self.frames[symbol]
        return f.loc[(f.index >= start) & (f.index <= end)].copy()


@pytest.fixture(scope="module")
def real() -> dict[str, pd.DataFrame]:
    return {s: real_daily(s) for s in ("^GDAXI", "^GSPC", "^FTSE")}


def _ns(day: str) -> int:
    return int(pd.Timestamp(day).value)


def test_load_histories_first_request_widening_and_stop(real: dict[str, pd.DataFrame]) -> None:
    src = Recorder(real)
    # ^GDAXI: a day 0 in 2020, 300 rows before wanted, margins of 10 days: too short, widened;
    # ^GSPC: a day 0 a few sessions after its data begin: short, but the data go no further
    first_gspc = real["^GSPC"].index[3]
    t_first = np.array([_ns("2020-06-15"), first_gspc.value])
    t_last = t_first.copy()
    need = (300, 5)
    margins = (10 * DAY, 10 * DAY, 3 * DAY)
    got = load_histories(["^GDAXI", "^GSPC"], ["^GDAXI", "^GSPC"], t_first, t_last, need, margins,
                         interval="1d", source=src)  # fmt: skip
    by_sym: dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]] = {}
    for s, a, b in src.asked:
        by_sym.setdefault(s, []).append((a, b))
    # the first request of each: day 0 minus / plus the margins, as dates
    assert by_sym["^GDAXI"][0] == (pd.Timestamp("2020-06-05"), pd.Timestamp("2020-06-25"))
    assert by_sym["^GSPC"][0] == ((first_gspc - pd.Timedelta(days=10)).normalize(),
                                  (first_gspc + pd.Timedelta(days=10)).normalize())  # fmt: skip
    # ^GDAXI widened backwards until 300 rows precede day 0 (few rounds, every one earlier)
    starts = [a for a, _ in by_sym["^GDAXI"]]
    assert 2 <= len(starts) <= 7 and starts == sorted(starts, reverse=True)
    dax = real["^GDAXI"]
    gd = got["^GDAXI"]
    n_before = int((gd.index < pd.Timestamp("2020-06-15")).sum())
    assert n_before >= 300
    # what was served equals the file's rows over the last range asked
    a, b = by_sym["^GDAXI"][-1]
    want = dax.loc[(dax.index >= a) & (dax.index <= b), "Close"].to_numpy()
    np.testing.assert_allclose(gd["close"].to_numpy(), want, rtol=0, atol=0)
    # ^GSPC: its data begin after the first request's start (its first row is not at the
    # bound), so nothing more is asked (no endless widening); its 3 earlier rows are there
    assert len(by_sym["^GSPC"]) == 1
    assert int((got["^GSPC"].index < first_gspc).sum()) == 3


def test_load_histories_failures(real: dict[str, pd.DataFrame]) -> None:
    t = np.array([_ns("2020-06-15"), _ns("2020-06-15")])
    args = (np.array(t), np.array(t), (300, 5), (10 * DAY, 10 * DAY, 3 * DAY))
    # the first request fails: PriceDataError with the source's message for that symbol
    with pytest.raises(PriceDataError, match=r"no answer for \^FTSE"):
        load_histories(["^GDAXI", "^FTSE"], ["^GDAXI", "^FTSE"], *args, interval="1d",
                       source=Recorder(real, frozenset({"^FTSE"})))  # fmt: skip
    # a widening request fails: the rows of the first request are kept, no more asked
    src = Recorder(real, frozenset({"^FTSE"}), fail_from=1)
    got = load_histories(["^GDAXI", "^FTSE"], ["^GDAXI", "^FTSE"], *args, interval="1d", source=src)
    ftse = [x for x in src.asked if x[0] == "^FTSE"]
    assert len(ftse) == 2  # the first (answered) and one widening (refused)
    f = real["^FTSE"]
    want = f.loc[(f.index >= "2020-06-05") & (f.index <= "2020-06-25"), "Close"].to_numpy()
    np.testing.assert_array_equal(got["^FTSE"]["close"].to_numpy(), want)
    assert int((got["^GDAXI"].index < "2020-06-15").sum()) >= 300


def test_load_histories_alias_names_of_one_symbol(real: dict[str, pd.DataFrame]) -> None:
    # two event names for one data symbol: each gets its own rows, the symbol is asked
    # once per name (with its own bounds)
    src = Recorder(real)
    t_first = np.array([_ns("2021-03-01"), _ns("2022-03-01")])
    got = load_histories(["DAX", "^GDAXI"], ["^GDAXI", "^GDAXI"], t_first, t_first.copy(), (0, 0),
                         (5 * DAY, 5 * DAY, DAY), interval="1d", source=src)  # fmt: skip
    assert sorted((s, a.date().isoformat()) for s, a, _ in src.asked) == [
        ("^GDAXI", "2021-02-24"), ("^GDAXI", "2022-02-24")
    ]
    assert list(got) == ["DAX", "^GDAXI"]
    assert got["DAX"].index.min() >= pd.Timestamp("2021-02-24")
    assert got["^GDAXI"].index.min() >= pd.Timestamp("2022-02-24")


def test_panel_from_blocks_equals_from_frames_and_hand_returns(real: dict[str, pd.DataFrame]) -> None:
    frames = {s: f.rename(columns=str.lower) for s, f in real.items()}
    src = FrameSource(frames)
    blocks = src.blocks
    bench = dict.fromkeys(frames, frames["^GSPC"]["close"])
    a = ReturnPanel.from_prices(blocks, benchmark=bench)
    b = ReturnPanel.from_prices({s: blocks[s] for s in blocks}, benchmark=bench)
    for name in ("stamps", "close", "ret", "market", "keys", "starts", "lengths"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    # by hand: the DAX return of 2024-11-27 is close / previous close - 1 in the file
    dax = real["^GDAXI"]["Close"]
    at = dax.index.get_loc(pd.Timestamp("2024-11-27"))
    rows = a.instrument_rows(a.symbols.index("^GDAXI"))
    pos = int(np.flatnonzero(a.stamps[rows] == pd.Timestamp("2024-11-27").value)[0])
    assert a.ret[rows][pos] == pytest.approx(dax.iloc[at] / dax.iloc[at - 1] - 1, rel=1e-14)


def test_locate_and_day0_split_equal_a_loop_per_event(real: dict[str, pd.DataFrame]) -> None:
    frames = {s: f.rename(columns=str.lower) for s, f in real.items()}
    blocks = FrameSource(frames).blocks
    panel = ReturnPanel.from_prices(blocks)
    rng = np.random.default_rng(2)
    syms = np.array(rng.choice([*frames, "NOPE"], 200), dtype=object)
    # day 0s: a session of the instrument, or a weekend day (not a row)
    t0 = np.array([
        (frames[s].index[int(rng.integers(1, len(frames[s])))] if s != "NOPE" else pd.Timestamp("2020-01-02"))
        + pd.Timedelta(days=int(rng.integers(0, 2)) * 2)
        for s in syms
    ]).astype("datetime64[ns]").view(np.int64)  # fmt: skip
    inst, pos = panel.locate(syms, t0)
    for k, (s, t) in enumerate(zip(syms, t0, strict=True)):
        if s == "NOPE":
            assert inst[k] == -1 and pos[k] == -1
            continue
        own = frames[s].index.asi8
        p = int(np.searchsorted(own, t))
        assert panel.symbols[inst[k]] == s
        assert pos[k] == (p if p < len(own) and own[p] == t else -1)
    ok = pos >= 0
    table = {"symbol": syms, "t0_ns": t0, "event_id": [f"e{k}" for k in range(200)], "group": ["all"] * 200}
    split = day0_split(blocks, table, ok, "simple")
    assert len(split) == int(ok.sum())
    for row, k in zip(split.itertuples(), np.flatnonzero(ok), strict=True):
        f = frames[syms[k]]
        i = f.index.get_loc(pd.Timestamp(t0[k]))
        prev, op, cl = f["close"].iloc[i - 1], f["open"].iloc[i], f["close"].iloc[i]
        assert row.close == cl and row.prev_close == prev
        if op > 0:
            assert row.status == "ok" and row.overnight == pytest.approx(op / prev - 1, rel=1e-14)
            assert row.intraday == pytest.approx(cl / op - 1, rel=1e-14)
        else:
            assert row.status == "no_open"
        assert row.total == pytest.approx(cl / prev - 1, rel=1e-14)


def test_price_blocks_mapping_and_read_only(real: dict[str, pd.DataFrame]) -> None:
    frames = {s: f.rename(columns=str.lower)[["open", "high", "low", "close", "volume"]] for s, f in real.items()}
    blocks = FrameSource(frames).blocks
    assert isinstance(blocks, PriceBlocks) and list(blocks) == list(frames)
    for s, f in frames.items():
        got = blocks[s]
        np.testing.assert_array_equal(got.index.asi8, f.index.asi8)
        assert got.index.tz is None
        for c in f.columns:
            np.testing.assert_array_equal(got[c].to_numpy(), f[c].to_numpy(dtype=np.float64))
    with pytest.raises(KeyError):
        blocks["NOPE"]
    with pytest.raises(ValueError):
        blocks.stamps[0] = 0
    with pytest.raises(ValueError):
        blocks.column("close")[0] = 1.0


def test_fetch_blocks_refusals_are_the_messages_fetch_raises(real: dict[str, pd.DataFrame]) -> None:
    frames = {s: f.rename(columns=str.lower) for s, f in real.items()}
    src = FrameSource(frames)
    lo, hi = np.array([_ns("2024-01-02")] * 2), np.array([_ns("2024-02-01")] * 2)
    blocks, errors = src.fetch_blocks(["^GDAXI", "NOPE"], lo, hi, "1d")
    assert list(blocks) == ["^GDAXI"] and list(errors) == ["NOPE"]
    with pytest.raises(PriceDataError) as missing:
        src.fetch("NOPE", pd.Timestamp("2024-01-02"), pd.Timestamp("2024-02-01"), "1d")
    assert errors["NOPE"] == str(missing.value)
    assert "no prices for 'NOPE'" in errors["NOPE"] and "^GDAXI" in errors["NOPE"]
    # the wrong interval refuses every symbol, each with its own message
    blocks, errors = src.fetch_blocks(["^GDAXI", "NOPE"], lo, hi, "1h")
    assert len(blocks) == 0 and list(errors) == ["^GDAXI", "NOPE"]
    with pytest.raises(PriceDataError) as wrong:
        src.fetch("^GDAXI", pd.Timestamp("2024-01-02"), pd.Timestamp("2024-02-01"), "1h")
    assert errors["^GDAXI"] == str(wrong.value) and "1h bars of ^GDAXI" in errors["^GDAXI"]


@pytest.mark.parametrize("everyone", [True, False])
def test_benchmark_alignment_equals_a_loop_per_row(everyone: bool) -> None:
    """The benchmark close on each instrument row (exact date, else NaN), the close carried
    from the last finite one at or before the date (never past the benchmark's last finite
    close), and the returns of both over each instrument's own rows: a plain loop."""
    rng = np.random.default_rng(5)
    days = pd.bdate_range("2024-01-01", "2024-06-28")
    bench_days = days[10:-15].delete([3, 4, 40, 41, 42])  # starts late, ends early, gaps
    bench = pd.Series(rng.uniform(90, 110, len(bench_days)), index=bench_days)
    bench.iloc[[7, 20, 21, len(bench) - 1]] = np.nan  # NaN closes, the last one among them
    frames: dict[str, pd.DataFrame] = {}
    for k in range(6):
        own = days.delete(rng.choice(len(days), 12, replace=False))[k : len(days) - 12 - k]
        frames[f"S{k}"] = pd.DataFrame({"close": rng.uniform(40, 60, len(own))}, index=own.rename("date"))
    users = list(frames) if everyone else ["S1", "S2", "S4"]
    blocks = FrameSource(frames).blocks
    panel = ReturnPanel.from_prices(blocks, benchmark={s: (bench if s in users else None) for s in frames})
    fin = bench.dropna()
    assert panel.bench_closed.any()  # the carried closes are read below
    for j, sym in enumerate(panel.symbols):
        rows = panel.instrument_rows(j)
        dates = frames[sym].index
        exact, carried = [], []
        for d in dates:
            exact.append(bench[d] if sym in users and d in bench.index else np.nan)
            before = fin[fin.index <= d]
            ok = sym in users and len(before) and d <= fin.index[-1]
            carried.append(before.iloc[-1] if ok else np.nan)
        e, c = np.array(exact), np.array(carried)
        want = np.r_[np.nan, e[1:] / e[:-1] - 1]
        np.testing.assert_allclose(panel.market[rows], want, rtol=1e-15, equal_nan=True, err_msg=sym)
        np.testing.assert_array_equal(panel.bench_closed[rows], np.isnan(e) & np.isfinite(c), err_msg=sym)
        if panel.bench_closed.any():
            want_c = np.r_[np.nan, c[1:] / c[:-1] - 1]
            np.testing.assert_allclose(panel.market_carried[rows], want_c, rtol=1e-15, equal_nan=True)
        assert (panel.keys[rows] == dates.as_unit("ns").asi8 // DAY).all()


def test_count_sessions_equals_searchsorted_on_a_real_calendar() -> None:
    from mktnews.calendars import calendar_sessions
    from mktnews.events import SessionArrays

    ses = SessionArrays.from_frame(calendar_sessions("XNYS"), "America/New_York")
    rng = np.random.default_rng(7)
    first, last = ses.dates[0] // DAY, ses.dates[-1] // DAY
    days = rng.integers(first - 40, last + 40, 5000)  # before, inside (sessions or not), after
    dates = np.r_[days, first, last, first - 1, last + 1] * DAY
    for side in ("left", "right"):
        np.testing.assert_array_equal(ses.count_sessions(dates, side), np.searchsorted(ses.dates, dates, side=side))
    timed = dates + 3_600_000_000_000  # a time of day: searched, same answer
    np.testing.assert_array_equal(ses.count_sessions(timed, "left"), np.searchsorted(ses.dates, timed, side="left"))
    # 2024-11-27 is a session, 2024-11-28 (Thanksgiving) is not: sessions up to each
    d27, d28 = pd.Timestamp("2024-11-27").value, pd.Timestamp("2024-11-28").value
    got = ses.count_sessions(np.array([d27, d28]), "right")
    assert got[1] == got[0]  # no session on Thanksgiving
    assert ses.dates[got[0] - 1] == d27


def test_resolve_instruments_equals_resolve_instrument_one_by_one() -> None:
    from mktnews.instruments import resolve_instrument, resolve_instruments

    names: list[object] = ["Euro STOXX 50", "  dax ", "^GDAXI", "AAPL", "SAP.DE", "BRK-B", "EURUSD=X",
                           "Goldpreis", "no such index", "sap.de", "", "   ", None, 3.5, "XYZ.QQ"]
    want = []
    for n in names:
        try:
            want.append(resolve_instrument(n))  # type: ignore[arg-type]
        except UnknownInstrumentError:
            want.append(None)
    assert resolve_instruments(names) == want
    assert want[3] is not None and want[3].calendar == "XNYS" and want[8] is None and want[12] is None


def test_frame_source_refuses_the_first_bad_frame_across_check_chunks() -> None:
    """40 frames of 2,000 daily rows (80,000 rows: the stamp checks run in chunks of 32,768,
    so frames and defects straddle chunk ends); one defect planted per trial. FrameSource
    names the first bad frame in the mapping's order, as a check frame by frame does."""
    rng = np.random.default_rng(11)
    base = pd.bdate_range("2010-01-04", periods=2000).as_unit("ns").asi8
    for trial in range(12):
        stamps = [base.copy() for _ in range(40)]
        victim = int(rng.integers(0, 40))
        row = int(rng.integers(1, 2000))
        kind = ("time of day", "step down", "repeat", "NaT first")[trial % 4]
        if kind == "time of day":
            stamps[victim][row] += 3_600_000_000_000
        elif kind == "step down":
            stamps[victim][row] = stamps[victim][row - 1] - DAY
        elif kind == "repeat":
            stamps[victim][row] = stamps[victim][row - 1]
        else:
            stamps[victim][0] = np.iinfo(np.int64).min
        frames = {
            f"F{k:02d}": pd.DataFrame({"close": np.full(2000, 10.0)}, index=pd.DatetimeIndex(st.view("M8[ns]")))
            for k, st in enumerate(stamps)
        }
        with pytest.raises(PriceDataError) as err:
            FrameSource(frames)
        assert f"F{victim:02d}" in str(err.value), (kind, victim, row, str(err.value))
    FrameSource({f"F{k:02d}": pd.DataFrame({"close": np.ones(2000)}, index=pd.DatetimeIndex(base.view("M8[ns]")))
                 for k in range(40)})  # no defect: built
