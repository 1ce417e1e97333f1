"""The Dask path (mktnews.daskpath): align_events / event_study on a dask DataFrame.

Every study and alignment here is computed twice on the same real data: through a Dask
frame on a ``distributed`` local cluster (threads, and processes) and through the pandas
path (``read_articles`` then ``align_events`` / ``event_study``). The frames must be equal
exactly (``check_exact=True``). Facts checked by hand: a (symbol, day 0) whose articles
lie in three partitions is one event with three articles; its day-0 return is the DAX's
close-to-close change of 2024-11-27 read from the CSV here; the seed article's box
(Euro STOXX 50 -28.84) matches the session of 2024-11-27 even for copies published months
earlier, in another partition than the November articles.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import mktnews
from mktnews.errors import ArticleError
from mktnews.prices.files import FileSource

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

SYMBOLS = ("^STOXX50E", "^GDAXI", "^DJI", "^N225")
N = 2000
PARTS = 4


def _eq(left: pd.DataFrame, right: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(left, right, check_exact=True)


def _ddf(table: pd.DataFrame, npartitions: int) -> Any:
    # keep the table's own dtypes (Dask would turn text columns into its string dtype)
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_pandas(table, npartitions=npartitions, sort=True)


# ------------------------------------------------------------------------------------------
# clusters


@pytest.fixture(scope="module")
def threads() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            processes=False, n_workers=1, threads_per_worker=2, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def processes() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            processes=True, n_workers=2, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client


# ------------------------------------------------------------------------------------------
# data


@pytest.fixture(scope="module")
def source(shared_data: Path) -> FileSource:
    return FileSource(shared_data / "prices")  # daily/ and 1h/ sub-folders


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """2,000 events on four real indices, 2012-2023, seeded; rows 499, 500 and 1999 are
    DAX articles of 2024-11-27 (10:00, 14:00, 15:00 UTC), in partitions 0, 1 and 3."""
    rng = np.random.default_rng(11)
    lo = pd.Timestamp("2012-01-01", tz="UTC").value // 10**9
    hi = pd.Timestamp("2024-01-01", tz="UTC").value // 10**9
    secs = rng.integers(lo, hi, size=N)
    pub = pd.DatetimeIndex((secs * 10**9).view("M8[ns]")).tz_localize("UTC")
    inst = np.array(SYMBOLS, dtype=object)[rng.integers(0, len(SYMBOLS), N)]
    day = pd.Timestamp("2024-11-27", tz="UTC")
    for row, hour in ((499, 10), (500, 14), (1999, 15)):
        pub = pub.delete(row).insert(row, day + pd.Timedelta(hours=hour))
        inst[row] = "^GDAXI"
    return pd.DataFrame(
        {
            "id": pd.array([f"a{i}" for i in range(N)], dtype="str"),
            "instrument": pd.array(inst, dtype="str"),
            "published_at": pub,
            "outlet": pd.array(np.array(["BBZ", "BTB", "NZN"])[rng.integers(0, 3, N)], dtype="str"),
            "weight": rng.integers(1, 5, N),
        }
    )


def _dax_return_2024_11_27(daily_dir: Path) -> float:
    df = pd.read_csv(daily_dir / "^GDAXI.csv", parse_dates=["Date"]).set_index("Date")
    return float(df.loc["2024-11-27", "Close"] / df.loc["2024-11-26", "Close"] - 1.0)


STUDY = {"windows": ((-1, 1), (0, 5)), "estimation": (-120, -11), "min_estimation": 60}


# ------------------------------------------------------------------------------------------
# dask stays optional


def test_mktnews_imports_and_runs_without_dask(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "sys.modules['dask'] = None\n"  # any 'import dask' now raises ImportError
        "sys.modules['distributed'] = None\n"
        "import pandas as pd, mktnews\n"
        "from mktnews import daskpath\n"
        "assert not daskpath.is_dask_frame(pd.DataFrame())\n"
        "ev = mktnews.align_events(pd.DataFrame({'article_id': ['a'], 'instrument': ['DAX'],"
        " 'published_at': pd.to_datetime(['2024-11-27 10:00']).tz_localize('UTC')}),"
        " prices={'^GDAXI': pd.DataFrame({'close': [1.0, 2.0]},"
        " index=pd.DatetimeIndex(['2024-11-26', '2024-11-27']))})\n"
        "assert ev['t0'].iloc[0] == pd.Timestamp('2024-11-27'), ev\n"
        "assert 'dask' not in [m.split('.')[0] for m in sys.modules if sys.modules[m] is not None]\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr


# ------------------------------------------------------------------------------------------
# equality with the pandas path


def test_partitions_are_as_planned(table: pd.DataFrame) -> None:
    ddf = _ddf(table, PARTS)
    assert ddf.map_partitions(len).compute().tolist() == [500, 500, 500, 500]


@pytest.mark.parametrize("cluster", ["threads", "processes"])
def test_align_events_equals_pandas(
    cluster: str, request: pytest.FixtureRequest, table: pd.DataFrame, source: FileSource
) -> None:
    client = request.getfixturevalue(cluster)
    want = mktnews.align_events(mktnews.read_articles(table), source=source)
    with client.as_current():
        lazy = mktnews.align_events(_ddf(table, PARTS), source=source)
        assert mktnews.daskpath.is_dask_frame(lazy)
        got = lazy.compute()
    _eq(got.reset_index(drop=True), want)
    # day 0 of the three DAX articles of 2024-11-27, in three partitions
    rows = got.set_index("article_id").loc[["a499", "a500", "a1999"]]
    assert (rows["t0"] == pd.Timestamp("2024-11-27")).all()
    assert (rows["status"] == "ok").all()


@pytest.mark.parametrize("cluster", ["threads", "processes"])
def test_event_study_equals_pandas(
    cluster: str,
    request: pytest.FixtureRequest,
    table: pd.DataFrame,
    source: FileSource,
    daily_dir: Path,
) -> None:
    client = request.getfixturevalue(cluster)
    want = mktnews.event_study(
        mktnews.read_articles(table), source=source, group_by="outlet", **STUDY
    )
    with client.as_current():
        got = mktnews.event_study(_ddf(table, PARTS), source=source, group_by="outlet", **STUDY)
        events = got.events.compute().reset_index(drop=True)
    for name in ("car", "tests", "params", "caar", "abnormal", "placebo"):
        _eq(getattr(got, name), getattr(want, name))
    _eq(events, want.events)
    assert dict(got.info) == dict(want.info)
    assert got.options == want.options
    assert str(got.summary()) == str(want.summary())
    # the event whose articles lie in partitions 0, 1 and 3: one event, three articles
    p = got.params
    dax = p[(p["symbol"] == "^GDAXI") & (p["t0"] == pd.Timestamp("2024-11-27"))]
    outlets = table.set_index("id").loc[["a499", "a500", "a1999"], "outlet"].tolist()
    assert len(dax) == len(set(outlets))  # one event per outlet group
    assert sorted(a for x in dax["article_ids"] for a in x) == ["a1999", "a499", "a500"]
    assert dax["n_articles"].sum() == 3
    ab = got.abnormal.reset_index()
    day0 = ab[(ab["event_id"].isin(dax["event_id"])) & (ab["rel"] == 0)]
    assert np.allclose(day0["ret"], _dax_return_2024_11_27(daily_dir), rtol=0, atol=1e-15)


def test_collapse_across_partitions_without_groups(
    threads: Any, table: pd.DataFrame, source: FileSource
) -> None:
    want = mktnews.event_study(mktnews.read_articles(table), source=source, **STUDY)
    with threads.as_current():
        got = mktnews.event_study(_ddf(table, PARTS), source=source, **STUDY)
    _eq(got.params, want.params)
    _eq(got.car, want.car)
    _eq(got.tests, want.tests)
    row = got.params.set_index("event_id").loc["^GDAXI@2024-11-27"]
    assert row["n_articles"] == 3
    assert list(row["article_ids"]) == ["a499", "a500", "a1999"]  # corpus order
    ev = got.events.compute()
    mine = ev[ev["article_id"].isin(["a499", "a500", "a1999"])]
    assert (mine["study_event_id"] == "^GDAXI@2024-11-27").all()
    # one event per distinct (symbol, day 0) of the usable rows, counted by hand here
    aligned = mktnews.align_events(mktnews.read_articles(table), source=source)
    ok = aligned[aligned["status"] == "ok"]
    assert len(got.params) == len(ok[["symbol", "t0"]].drop_duplicates())


def test_uncollapsed_placebo_and_events_input(
    threads: Any, table: pd.DataFrame, source: FileSource
) -> None:
    small = table.iloc[:600].reset_index(drop=True)
    opts = {**STUDY, "collapse": False, "placebo": 20, "seed": 5}
    want = mktnews.event_study(mktnews.read_articles(small), source=source, **opts)
    with threads.as_current():
        got = mktnews.event_study(_ddf(small, 3), source=source, **opts)
        # a Dask frame of events (align_events' output) is studied as it is
        events = mktnews.align_events(_ddf(small, 3), source=source)
        again = mktnews.event_study(events, source=source, **opts)
    for res in (got, again):
        for name in ("car", "tests", "params", "caar", "placebo"):
            _eq(getattr(res, name), getattr(want, name))
        assert dict(res.info) == dict(want.info)
    assert len(want.placebo) == 20 * 2  # draws x windows


def test_intraday_equals_pandas(threads: Any, source: FileSource) -> None:
    rng = np.random.default_rng(3)
    lo = pd.Timestamp("2024-01-01", tz="UTC").value // 10**9
    hi = pd.Timestamp("2025-06-01", tz="UTC").value // 10**9
    n = 300
    secs = np.sort(rng.integers(lo, hi, size=n))
    table = pd.DataFrame(
        {
            "id": [f"h{i}" for i in range(n)],
            "instrument": np.array(["DAX", "Euro STOXX 50"], dtype=object)[rng.integers(0, 2, n)],
            "published_at": pd.DatetimeIndex((secs * 10**9).view("M8[ns]")).tz_localize("UTC"),
        }
    )
    opts = {
        "interval": "1h",
        "windows": ((-2, 2),),
        "estimation": (-100, -11),
        "min_estimation": 60,
    }
    want_ev = mktnews.align_events(mktnews.read_articles(table), source=source, interval="1h")
    want = mktnews.event_study(mktnews.read_articles(table), source=source, **opts)
    with threads.as_current():
        got_ev = mktnews.align_events(_ddf(table, 3), source=source, interval="1h").compute()
        got = mktnews.event_study(_ddf(table, 3), source=source, **opts)
    _eq(got_ev.reset_index(drop=True), want_ev)
    for name in ("car", "tests", "params", "abnormal"):
        _eq(getattr(got, name), getattr(want, name))


# ------------------------------------------------------------------------------------------
# ticker boxes: each partition searches the whole table's range


@pytest.fixture(scope="module")
def seed_table(seed_path: Path) -> pd.DataFrame:
    text = seed_path.read_text(encoding="utf-8")
    times = [
        "2024-06-03 10:00", "2024-06-04 11:00", "2024-06-05 12:00",  # partition 0
        "2024-11-27 12:00", "2024-11-28 12:00", "2024-12-20 12:00",  # partition 1
    ]  # fmt: skip
    return pd.DataFrame(
        {
            "id": [f"s{i}" for i in range(len(times))],
            "text": [text] * len(times),
            "published_at": pd.DatetimeIndex(times).tz_localize("UTC"),
        }
    )


@pytest.mark.parametrize("interval", ["1d", "1h"])
def test_box_matching_uses_the_whole_range(
    threads: Any, seed_table: pd.DataFrame, source: FileSource, interval: str
) -> None:
    want = mktnews.align_events(
        mktnews.read_articles(seed_table),
        source=source,
        interval=interval,  # type: ignore[arg-type]
    )
    with threads.as_current():
        lazy = mktnews.align_events(_ddf(seed_table, 2), source=source, interval=interval)
        assert lazy.npartitions == 2
        got = lazy.compute().reset_index(drop=True)
    _eq(got, want)
    # the box -28.84 is the Euro STOXX 50's change of 2024-11-27 (4733.1499 - 4761.9902):
    # June copies match that session, which lies outside June's own +-40-day range
    june = got[got["article_id"].isin(["s0", "s1", "s2"])]
    assert (june["snapshot_status"] == "matches_other_session").all()
    assert (june["snapshot_session"] == pd.Timestamp("2024-11-27")).all()
    nov = got.set_index("article_id").loc["s3"]
    assert nov["snapshot_status"] == "matches_t0"
    assert nov["change_at_t0"] == pytest.approx(4733.1499 - 4761.9902, abs=1e-3)


# ------------------------------------------------------------------------------------------
# the client's registry reaches the workers


def test_instrument_registered_on_the_client_resolves_on_process_workers(
    processes: Any, table: pd.DataFrame, source: FileSource
) -> None:
    alias = "mktnews dask test deutscher aktienindex"
    mktnews.register_instrument(
        "^GDAXI", "DAX", aliases=[alias], calendar="XETR", tz="Europe/Berlin", currency="EUR",
        kind="index",
    )  # fmt: skip
    small = table.iloc[:400].reset_index(drop=True)
    small["instrument"] = small["instrument"].where(small["instrument"] != "^GDAXI", alias)
    assert (small["instrument"] == alias).sum() > 50
    want = mktnews.align_events(mktnews.read_articles(small), source=source)
    with processes.as_current():
        got = mktnews.align_events(_ddf(small, 2), source=source).compute()
    _eq(got.reset_index(drop=True), want)
    assert (got.loc[got["instrument"] == alias, "symbol"] == "^GDAXI").all()


# ------------------------------------------------------------------------------------------
# what the Dask path refuses


def test_ids_repeated_across_partitions_raise(
    threads: Any, table: pd.DataFrame, source: FileSource
) -> None:
    bad = table.iloc[:400].reset_index(drop=True)
    bad.loc[300, "id"] = "a7"  # a7 is in partition 0, row 300 in partition 1
    with threads.as_current(), pytest.raises(ArticleError, match=r"'a7'.*partitions 0 and 1"):
        mktnews.align_events(_ddf(bad, 2), source=source)
    # inside one partition the repeat is renamed as the pandas reader does
    ok = table.iloc[:400].reset_index(drop=True)
    ok.loc[100, "id"] = "a7"
    with threads.as_current():
        got = mktnews.align_events(_ddf(ok, 2), source=source).compute()
    assert got["article_id"].iloc[100] == "a7#2"
    _eq(got.reset_index(drop=True), mktnews.align_events(mktnews.read_articles(ok), source=source))


def test_rows_the_reader_rejects_raise_with_the_table_row(
    threads: Any, table: pd.DataFrame, source: FileSource
) -> None:
    bad = table.iloc[:400].reset_index(drop=True)
    bad.loc[321, "instrument"] = None  # no text and no instrument: the reader rejects it
    assert len(mktnews.read_articles(bad).rejected) == 1
    with (
        threads.as_current(),
        pytest.raises(ArticleError, match=r"<DataFrame>:321: no text and no instrument"),
    ):
        mktnews.event_study(_ddf(bad, 2), source=source, **STUDY)


def test_row_numbers_are_global_ids(threads: Any, table: pd.DataFrame, source: FileSource) -> None:
    noid = table.drop(columns=["id"]).iloc[:300]
    want = mktnews.align_events(mktnews.read_articles(noid), source=source)
    with threads.as_current():
        got = mktnews.align_events(_ddf(noid, 3), source=source).compute()
    _eq(got.reset_index(drop=True), want)
    assert got["article_id"].tolist()[:2] == ["0", "1"]
    assert got["article_id"].iloc[-1] == "299"
    assert got["source"].iloc[-1] == "<DataFrame>:299"


def test_scan_ids_are_the_readers_ids() -> None:
    """The scan's vectorised ids equal ``str.strip`` by hand (the reader's rule)."""
    from mktnews.daskpath import _PY_SPACE, _id_column

    assert set(_PY_SPACE) == {c for c in map(chr, range(0x110000)) if c.isspace()}
    vals = ["a", " a ", "\x1ca\u3000", "", "   ", None, "b\u200b", "\u00a0x\u00a0", "x\ny"]
    want = [None if v is None else (v.strip() or None) for v in vals]
    for dtype in ("str", "string", pd.StringDtype("python")):
        got = _id_column(pd.Series(vals, dtype=dtype))
        assert [None if pd.isna(x) else x for x in got] == want
    assert _id_column(pd.Series([3, 10, -1])).tolist() == ["3", "10", "-1"]
    got = _id_column(pd.Series([3.0, np.nan, 2.5]))
    assert [None if pd.isna(x) else x for x in got] == ["3", None, "2.5"]


def test_events_frame_with_an_event_id_in_two_partitions_raises(
    threads: Any, table: pd.DataFrame, source: FileSource
) -> None:
    from mktnews.errors import InvalidOptionError

    ev = mktnews.align_events(mktnews.read_articles(table.iloc[:300]), source=source)
    dup = pd.concat([ev, ev.iloc[[5]]], ignore_index=True)  # row 5 again, in the last partition
    with (
        threads.as_current(),
        pytest.raises(InvalidOptionError, match=r"'a5\|\^.*partitions 0 and 2"),
    ):
        mktnews.event_study(_ddf(dup, 3), source=source, **STUDY)


def test_empty_id_cells_take_the_tables_row_number(
    threads: Any, table: pd.DataFrame, source: FileSource
) -> None:
    t = table.iloc[:300].reset_index(drop=True)
    t["id"] = t["id"].astype(object)
    t.loc[[10, 250], "id"] = [None, "  "]  # rows 10 (partition 0) and 250 (partition 2)
    want = mktnews.align_events(mktnews.read_articles(t), source=source)
    with threads.as_current():
        got = mktnews.align_events(_ddf(t, 3), source=source).compute()
    _eq(got.reset_index(drop=True), want)
    assert got["article_id"].iloc[[10, 250]].tolist() == ["10", "250"]
    # row 250's number is also a real id in partition 0: pandas renames it, Dask refuses
    t.loc[5, "id"] = "250"
    with threads.as_current(), pytest.raises(ArticleError, match=r"'250'.*partitions 0 and 2"):
        mktnews.align_events(_ddf(t, 3), source=source)


def test_exports_equal_the_pandas_exports(
    threads: Any, table: pd.DataFrame, source: FileSource, tmp_path: Path
) -> None:
    small = table.iloc[:400].reset_index(drop=True)
    want = mktnews.event_study(mktnews.read_articles(small), source=source, **STUDY)
    with threads.as_current():
        got = mktnews.event_study(_ddf(small, 2), source=source, **STUDY)
        assert isinstance(got, mktnews.EventStudyResults)
        got.to_csv(tmp_path / "dask_csv")
        got.to_parquet(tmp_path / "dask_pq")
    want.to_csv(tmp_path / "pandas_csv")
    want.to_parquet(tmp_path / "pandas_pq")
    names = sorted(p.name for p in (tmp_path / "pandas_csv").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "dask_csv").iterdir())
    for name in names:  # every file byte for byte, events.csv included
        a = (tmp_path / "dask_csv" / name).read_bytes()
        assert a == (tmp_path / "pandas_csv" / name).read_bytes(), name
    for name in ("events", "car", "params", "tests"):
        a = pd.read_parquet(tmp_path / "dask_pq" / f"{name}.parquet")
        b = pd.read_parquet(tmp_path / "pandas_pq" / f"{name}.parquet")
        _eq(a.reset_index(drop=True), b)


def test_unknown_name_printed_twice_is_one_row_as_in_pandas(
    threads: Any, seed_path: Path, source: FileSource
) -> None:
    body = seed_path.read_text(encoding="utf-8").split("\n", 2)[2]
    text = "Foo Index\n+1.00\nFoo Index\n+2.00\n" + body  # a name no registry knows, twice
    t = pd.DataFrame(
        {
            "id": ["x", "y"],
            "text": [text, seed_path.read_text(encoding="utf-8")],
            "published_at": pd.DatetimeIndex(["2024-11-27 12:00", "2024-11-28 12:00"]).tz_localize(
                "UTC"
            ),
        }
    )
    pandas_res = mktnews.event_study(mktnews.read_articles(t), source=source, **STUDY)
    ev = pandas_res.events
    x = ev[ev["article_id"] == "x"]
    assert x["event_id"].tolist() == ["x|Foo Index"]
    assert x["status"].tolist() == ["unknown_instrument"]
    with threads.as_current():
        dask_res = mktnews.event_study(_ddf(t, 2), source=source, **STUDY)
    _eq(dask_res.car, pandas_res.car)
    _eq(dask_res.tests, pandas_res.tests)


def test_report_folder_from_dask_results(
    threads: Any, table: pd.DataFrame, source: FileSource, tmp_path: Path, daily_dir: Path
) -> None:
    from mktnews.report import write_report

    small = table.iloc[495:505].reset_index(drop=True)  # holds the DAX rows 499 and 500
    with threads.as_current():
        res = mktnews.event_study(_ddf(small, 2), source=source, windows=[(0, 0)])
    write_report(res, tmp_path, source=source, max_articles=1)
    events = pd.read_csv(tmp_path / "events.csv")
    assert len(events) == 10
    car = pd.read_csv(tmp_path / "car.csv")
    dax = car[car["event_id"] == "^GDAXI@2024-11-27"]
    # constant mean over relative days -250..-11, by hand from the CSV
    close = pd.read_csv(daily_dir / "^GDAXI.csv", parse_dates=["Date"]).set_index("Date")["Close"]
    ret = close.pct_change()
    p = close.index.get_loc(pd.Timestamp("2024-11-27"))
    mean = ret.iloc[p - 250 : p - 10].mean()
    assert dax["car"].iloc[0] == pytest.approx(_dax_return_2024_11_27(daily_dir) - mean, abs=1e-12)
    assert (tmp_path / "report.html").exists() and (tmp_path / "summary.md").exists()
