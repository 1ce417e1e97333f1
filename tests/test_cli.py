"""The ``mktnews`` command, run through its entry points in subprocesses.

Both ``python -m mktnews`` and the installed console script are exercised. Expected values
come from the real price files (read with plain pandas here) and from facts about the seed:
its box prints -28.84, the Euro STOXX 50's official change of Wed 2024-11-27
(4761.9902 -> 4733.1499).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mktnews.cli import main

REPO = Path(__file__).resolve().parents[1]
SEED_ID = "000_c914ccdd9c6fabd9"
SAMPLE_DATA = REPO / "mktnews" / "datasets" / "data"


def _script() -> list[str]:
    """The installed console script (beside the interpreter), else ``python -m mktnews``."""
    exe = Path(sys.executable).parent / ("mktnews.exe" if os.name == "nt" else "mktnews")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("mktnews")
    if found:
        return [found]
    pytest.skip("the mktnews console script is not installed")


def run(*args: str, cwd: Path | None = None, script: bool = False, env: dict[str, str] | None = None):
    cmd = (_script() if script else [sys.executable, "-m", "mktnews"]) + list(args)
    full_env = dict(os.environ)
    full_env["MKTNEWS_OFFLINE"] = "1"  # never the network
    full_env.pop("MKTNEWS_PRICES_DIR", None)
    full_env.pop("MKTNEWS_DEBUG", None)
    if env:
        full_env.update(env)
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=full_env, timeout=300)


def _one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    err = proc.stderr.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("mktnews: error: ")
    return err


def _closes(path: Path) -> pd.Series:
    return pd.read_csv(path, parse_dates=["Date"]).set_index("Date")["Close"]


def _ar_constant_mean(closes: pd.Series, t0: str, rel: int, est: tuple[int, int] = (-250, -11)) -> float:
    """AR of one day by the textbook constant-mean model, on the rows of the data."""
    r = closes.pct_change()
    pos = closes.index.get_loc(pd.Timestamp(t0))
    est_r = r.iloc[pos + est[0] : pos + est[1] + 1]
    assert len(est_r) == est[1] - est[0] + 1 and est_r.notna().all()
    return float(r.iloc[pos + rel] - est_r.mean())


# --------------------------------------------------------------------------- basics


def test_version_and_help_through_the_installed_script() -> None:
    proc = run("--version", script=True)
    assert proc.returncode == 0 and proc.stdout.startswith("mktnews ")
    proc = run("--help", script=True)
    assert proc.returncode == 0
    for cmd in ("study", "read", "prices", "capture", "date", "instruments"):
        assert cmd in proc.stdout


def test_no_command_is_a_usage_error() -> None:
    proc = run()
    assert proc.returncode == 2
    assert "usage: mktnews" in proc.stderr


def test_instruments() -> None:
    proc = run("instruments", script=True)
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if "^STOXX50E" in ln)
    assert "Euro STOXX 50" in line and "XSTX" in line and "Europe/Berlin" in line
    assert any("^GDAXI" in ln and "XETR" in ln for ln in proc.stdout.splitlines())


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("study", "--sample", "--bogus"), "unrecognized arguments: --bogus"),
        (("study", "--sample", "--model", "garch"), "invalid choice: 'garch'"),
        (("study", "--sample", "--window", "3:1"), "start 3 is after the end 1"),
        (("study", "--sample", "--window", "x"), "expected A:B"),
        (("study", "--sample", "--estimation", "-250"), "expected A:B"),
        (("study", "--sample", "--placebo", "-5"), "--placebo -5"),
        (("study",), "no articles"),
        (("prices", "^GDAXI", "--start", "2024-01-05"), "--end"),
        (("prices", "^GDAXI", "--start", "2024-01-05", "--end", "2024-01-01"), "before --start"),
        (("date", str(SAMPLE_DATA / f"{SEED_ID}.txt"), "--search", "2024-13-01:2025-01-01"), "--search"),
        (("instruments", "--out", "x.txt"), "use a .csv or .parquet"),
    ],
)
def test_bad_options_exit_2_with_one_line(
    args: tuple[str, ...], needle: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # in-process through cli.main (the same code the entry points call; fast)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MKTNEWS_OFFLINE", "1")
    status = main(list(args))
    captured = capsys.readouterr()
    assert status == 2, (captured.out, captured.err)
    proc = subprocess.CompletedProcess(args, status, captured.out, captured.err)
    assert needle in _one_line_error(proc)


@pytest.mark.parametrize("script", [False, True])
def test_bad_option_through_the_entry_points(script: bool, tmp_path: Path) -> None:
    proc = run("study", "--sample", "--bogus", cwd=tmp_path, script=script)
    assert proc.returncode == 2
    assert "unrecognized arguments: --bogus" in _one_line_error(proc)
    proc = run("study", "--sample", "--window", "-1:x", cwd=tmp_path, script=script)
    assert proc.returncode == 2
    assert "--window '-1:x'" in _one_line_error(proc)


def test_bad_paths_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "no_such_folder"
    for args in (
        ("read", str(missing)),
        ("study", str(missing), "--out", str(tmp_path / "r")),
        ("capture", str(missing)),
        ("study", str(SAMPLE_DATA / f"{SEED_ID}.txt"), "--prices", str(missing)),
        ("read", str(SAMPLE_DATA / f"{SEED_ID}.txt"), "--published-at", str(missing / "t.csv")),
    ):
        proc = run(*args, cwd=tmp_path)
        assert proc.returncode == 2, (args, proc.stderr)
        err = _one_line_error(proc)
        assert "no_such_folder" in err
    assert not (tmp_path / "r").exists()


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    empty = tmp_path / "prices"
    empty.mkdir()
    args = ("prices", "^GDAXI", "--start", "2024-01-02", "--end", "2024-01-05", "--prices", str(empty))
    proc = run(*args)
    assert proc.returncode == 1
    err = _one_line_error(proc)
    assert "^GDAXI" in err
    proc = run(*args, "--debug")
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr
    assert "PriceDataError" in proc.stderr


# --------------------------------------------------------------------------- read / prices / capture / date


def test_read_seed_preview_and_counts(seed_path: Path) -> None:
    proc = run("read", str(seed_path))
    assert proc.returncode == 0, proc.stderr
    row = next(ln for ln in proc.stdout.splitlines() if SEED_ID in ln)
    assert "Euro STOXX 50" in row and "-28.84" in row and "BBZ" in row
    assert proc.stdout.strip().splitlines()[-1] == (
        "1 articles read, 0 rejected, of 1 inputs; 1 ticker-box snapshots"
    )


def test_read_writes_tables_and_reports_rejects(seed_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(seed_path, folder / seed_path.name)
    (folder / "empty.txt").write_text("   \n", encoding="utf-8")
    out = tmp_path / "out" / "articles.csv"
    proc = run("read", str(folder), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    arts = pd.read_csv(out)
    assert list(arts["article_id"]) == [SEED_ID]
    assert arts.loc[0, "snapshot_change"] == -28.84
    assert arts.loc[0, "body"].startswith("Der russische Präsident")
    snaps = pd.read_csv(tmp_path / "out" / "articles.snapshots.csv")
    assert list(snaps["instrument"]) == ["Euro STOXX 50"] and list(snaps["change"]) == [-28.84]
    rej = pd.read_csv(tmp_path / "out" / "articles.rejected.csv")
    assert len(rej) == 1 and rej.loc[0, "source"].endswith("empty.txt")
    assert "empty.txt" in proc.stdout  # the reject is shown with its reason
    assert "1 articles read, 1 rejected, of 2 inputs" in proc.stdout


def test_prices_summary_from_files(daily_dir: Path) -> None:
    closes = _closes(daily_dir / "^STOXX50E.csv")
    proc = run("prices", "Euro STOXX 50", "--start", "2024-05-01", "--end", "2024-05-31",
               "--prices", str(daily_dir))
    assert proc.returncode == 0, proc.stderr
    may = closes.loc["2024-05-01":"2024-05-31"]
    out = proc.stdout
    assert f"{len(may)} bars, {may.index[0]:%Y-%m-%d} .. {may.index[-1]:%Y-%m-%d}" in out
    assert f"last {may.iloc[-1]:.4f}" in out
    assert f"max {may.max():.4f} ({may.idxmax():%Y-%m-%d})" in out
    # Yahoo's Euro STOXX 50 lacks two XSTX sessions of May 2024 (data README)
    assert "gaps: 2 XSTX session(s) missing from the data: 2024-05-09, 2024-05-20" in out


def test_prices_writes_bars(daily_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "dax.csv"
    proc = run("prices", "DAX", "--start", "2024-11-26", "--end", "2024-11-27", "--prices", str(daily_dir),
               "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    got = pd.read_csv(out)
    want = _closes(daily_dir / "^GDAXI.csv").loc["2024-11-26":"2024-11-27"]
    np.testing.assert_allclose(got["close"].to_numpy(), want.to_numpy())


def test_capture_and_date_the_seed(seed_path: Path, daily_dir: Path, tmp_path: Path) -> None:
    proc = run("capture", str(seed_path), "--prices", str(daily_dir))
    assert proc.returncode == 0, proc.stderr
    row = next(ln for ln in proc.stdout.splitlines() if SEED_ID in ln)
    assert "unique" in row and "2024-11-27" in row
    assert "1 snapshots: unique 1" in proc.stdout

    out = tmp_path / "dated.csv"
    proc = run("date", str(seed_path), "--search", "2023-10-01:2025-01-31", "--prices", str(daily_dir),
               "--lookback", "7", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    dated = pd.read_csv(out)
    assert dated.loc[0, "article_id"] == SEED_ID
    assert dated.loc[0, "published_date"].startswith("2024-11-27")
    assert dated.loc[0, "date_status"] == "unique"
    assert "lookback=7" in dated.loc[0, "assumption"]  # the date rests on the look-back
    assert "1 of 1 dated to a single day" in proc.stdout
    # without --lookback nothing is assumed: no single day
    plain = run("date", str(seed_path), "--prices", str(daily_dir))
    assert plain.returncode == 0, plain.stderr
    assert "bound_only" in plain.stdout and "0 of 1 dated to a single day" in plain.stdout
    # the date table feeds study --published-at directly: day 0 is that date's session
    report = tmp_path / "rep"
    proc = run("study", str(seed_path), "--prices", str(daily_dir), "--published-at", str(out),
               "--out", str(report), "--placebo", "0")
    assert proc.returncode == 0, proc.stderr
    events = pd.read_csv(report / "events.csv")
    assert events.loc[0, "t0"] == "2024-11-27" and events.loc[0, "status"] == "ok"


# --------------------------------------------------------------------------- study


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``mktnews study --sample --out DIR``, run from a folder outside the repository,
    offline, with the console script."""
    work = tmp_path_factory.mktemp("fresh")
    proc = run("study", "--sample", "--out", "report", "--placebo", "100", "--seed", "3",
               "-w", "0:0", "-w", "-1:1", "-w", "-5:5",
               cwd=work, script=True, env={"MKTNEWS_SHARED": str(work / "nothing")})
    return proc, work / "report"


def test_study_defaults_are_the_apis(tmp_path: Path) -> None:
    """Without --window/--estimation/--returns the command runs the API's defaults
    (window (-1, 1), estimation (-250, -11), simple returns); --returns log and
    --instruments reach the study: the log CAR equals a hand loop over the closes."""
    proc = run("study", "--sample", "--out", "d", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    car = pd.read_csv(tmp_path / "d" / "car.csv")
    assert list(zip(car["window_start"], car["window_end"], strict=True)) == [(-1, 1)]
    closes = _closes(SAMPLE_DATA / "^STOXX50E.csv")
    want = sum(_ar_constant_mean(closes, "2024-11-27", d) for d in (-1, 0, 1))
    assert car.loc[car["symbol"] == "^STOXX50E", "car"].iloc[0] == pytest.approx(want, abs=1e-12)

    proc = run("study", "--sample", "--out", "l", "--returns", "log", "-w", "0:0",
               "--instruments", "DAX", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    car = pd.read_csv(tmp_path / "l" / "car.csv")
    dax = _closes(SAMPLE_DATA / "^GDAXI.csv")
    logr = np.log(dax).diff()
    pos = dax.index.get_loc(pd.Timestamp("2024-11-27"))
    est = logr.iloc[pos - 250 : pos - 10]
    assert len(est) == 240 and est.notna().all()
    assert list(car["symbol"]) == ["^GDAXI"]  # --instruments DAX: the seed studied on the DAX
    assert car["car"].iloc[0] == pytest.approx(float(logr.iloc[pos] - est.mean()), abs=1e-12)

    proc = run("study", "--sample", "--instruments", "column:", cwd=tmp_path)
    assert proc.returncode == 2 and "--instruments column:NAME" in proc.stderr


def test_study_sample_writes_the_report_folder(sample_report: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    proc, folder = sample_report
    assert proc.returncode == 0, proc.stderr
    for name in ("events.csv", "car.csv", "caar.csv", "tests.csv", "placebo.csv", "abnormal.parquet",
                 "summary.md", "report.html", "caar.png", "placebo.png", f"article_{SEED_ID}.png"):
        path = folder / name
        assert path.is_file() and path.stat().st_size > 0, name
    assert proc.stdout.strip().splitlines()[-1] == (
        "1 articles read, 0 rejected; 1 event rows, 1 aligned; 0 collapsed (1 rows -> 1 events); "
        "1 events computed; report in report"
    )


def test_study_sample_values(sample_report: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _proc, folder = sample_report
    events = pd.read_csv(folder / "events.csv")
    assert len(events) == 1
    ev = events.iloc[0]
    assert ev["symbol"] == "^STOXX50E" and ev["t0"] == "2024-11-27" and ev["status"] == "ok"
    assert ev["snapshot_change"] == -28.84
    assert ev["change_at_t0"] == pytest.approx(4733.1499 - 4761.9902, abs=1e-6)
    assert ev["snapshot_status"] == "matches_t0"
    assert ev["base_price"] == pytest.approx(4761.9902)

    closes = _closes(SAMPLE_DATA / "^STOXX50E.csv")
    car = pd.read_csv(folder / "car.csv")
    assert sorted(zip(car["window_start"], car["window_end"], strict=True)) == [(-5, 5), (-1, 1), (0, 0)]
    for a, b in [(0, 0), (-1, 1), (-5, 5)]:
        want = sum(_ar_constant_mean(closes, "2024-11-27", d) for d in range(a, b + 1))
        got = car.loc[(car["window_start"] == a) & (car["window_end"] == b), "car"].iloc[0]
        assert got == pytest.approx(want, abs=1e-12)
    # day 0's AR: the real -0.6056 % return less the estimation-window mean return
    assert car.loc[car["window_start"] == 0, "car"].iloc[0] == pytest.approx(
        4733.1499 / 4761.9902 - 1 - closes.pct_change().iloc[
            closes.index.get_loc(pd.Timestamp("2024-11-27")) - 250 : closes.index.get_loc(pd.Timestamp("2024-11-27")) - 10
        ].mean(),
        abs=1e-12,
    )

    abn = pd.read_parquet(folder / "abnormal.parquet")
    day0 = abn.loc[abn["rel"] == 0].iloc[0]
    assert day0["ret"] == pytest.approx(4733.1499 / 4761.9902 - 1, abs=1e-12)
    assert pd.Timestamp(day0["date"]) == pd.Timestamp("2024-11-27")

    tests = pd.read_csv(folder / "tests.csv")
    assert {"patell", "corrado", "placebo"} <= set(tests["test"])
    summary = (folder / "summary.md").read_text(encoding="utf-8")
    assert "an assumption" in summary and "2024-11-27 14:00" in summary
    assert "EURO STOXX 50 © STOXX Ltd." in summary
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 3  # caar, placebo, the seed's chart


def _events_table(tmp_path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path = tmp_path / "events.csv"
    pd.DataFrame(rows, columns=["article_id", "instrument", "published_at"]).to_csv(path, index=False)
    return path


def test_study_table_of_events_with_tz(tmp_path: Path, daily_dir: Path) -> None:
    table = _events_table(
        tmp_path,
        [
            ("ecb-2024-06-06", "DAX", "2024-06-06 14:15"),
            ("ecb-2024-07-18", "DAX", "2024-07-18 14:15"),
            ("ecb-2024-09-12", "DAX", "2024-09-12 14:15"),
        ],
    )
    proc = run("study", str(table), "--tz", "Europe/Berlin", "--prices", str(daily_dir),
               "--window", "0:0", "--window", "-1:1", "--out", str(tmp_path / "rep"), "--max-plots", "2")
    assert proc.returncode == 0, proc.stderr
    car = pd.read_csv(tmp_path / "rep" / "car.csv")
    closes = _closes(daily_dir / "^GDAXI.csv")
    day0 = car.loc[car["window_start"] == 0].set_index("t0")["car"]
    for d in ("2024-06-06", "2024-07-18", "2024-09-12"):
        assert day0.loc[d] == pytest.approx(_ar_constant_mean(closes, d, 0), abs=1e-12)
    assert len(list((tmp_path / "rep").glob("article_*.png"))) == 2
    assert "3 articles read, 0 rejected; 3 event rows, 3 aligned" in proc.stdout


def test_study_naive_times_without_tz_is_a_usage_error(tmp_path: Path, daily_dir: Path) -> None:
    table = _events_table(tmp_path, [("e1", "DAX", "2024-06-06 14:15")])
    proc = run("study", str(table), "--prices", str(daily_dir))
    assert proc.returncode == 2
    assert "tz" in _one_line_error(proc)


def test_study_published_at_csv_moves_day_0(seed_path: Path, daily_dir: Path, tmp_path: Path) -> None:
    times = tmp_path / "times.csv"
    times.write_text(f"article_id,published_at\n{SEED_ID},2024-11-27 18:30\n", encoding="utf-8")
    proc = run("study", str(seed_path), "--published-at", str(times), "--tz", "Europe/Berlin",
               "--prices", str(daily_dir), "--window", "0:0", "--out", str(tmp_path / "rep"))
    assert proc.returncode == 0, proc.stderr
    ev = pd.read_csv(tmp_path / "rep" / "events.csv").iloc[0]
    # after the 17:30 close: day 0 is Thursday, and the box shows another session
    assert ev["t0"] == "2024-11-28" and ev["market_state"] == "post"
    assert ev["snapshot_status"] == "matches_other_session"
    assert ev["snapshot_session"] == "2024-11-27"


def test_study_with_no_computable_event_exits_3(seed_path: Path, daily_dir: Path, tmp_path: Path) -> None:
    # the page prints no publication time and none is given
    proc = run("study", str(seed_path), "--prices", str(daily_dir), "--out", str(tmp_path / "rep"))
    assert proc.returncode == 3, (proc.stdout, proc.stderr)
    err_lines = [ln for ln in proc.stderr.strip().splitlines() if ln.startswith("mktnews: error:")]
    assert len(err_lines) == 1 and "Traceback" not in proc.stderr
    ev = pd.read_csv(tmp_path / "rep" / "events.csv")
    assert list(ev["status"]) == ["no_publication_time"]
    assert "no_publication_time 1" in proc.stdout


def test_read_several_paths_makes_ids_unique(
    seed_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # in-process through cli.main: the same file twice is two inputs, the second renamed
    assert main(["read", str(seed_path), str(seed_path)]) == 0
    captured = capsys.readouterr()
    assert f"{SEED_ID}#2" in captured.out
    assert "2 articles read, 0 rejected, of 2 inputs; 2 ticker-box snapshots" in captured.out
    assert "made unique" in captured.err
