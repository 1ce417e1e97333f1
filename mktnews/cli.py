"""The ``mktnews`` command.

Subcommands::

    mktnews study PATH... [options] --out DIR   run an event study, write a report folder
    mktnews study --sample --out DIR            the same on the bundled sample (offline)
    mktnews read PATH... [--out FILE]           articles, ticker-box snapshots and rejects
    mktnews prices SYMBOL --start D --end D     fetch prices (into the cache), summarise them
    mktnews capture PATH...                     which session each ticker box shows
    mktnews date PATH... [--search A:B] [--lookback DAYS]  candidate publication dates of undated articles
    mktnews instruments                         the instrument registry

Exit status: 0 success; 1 a failure that is not the user's call (prices cannot be had, a
price file is malformed, an internal error); 2 a usage error (unknown option, bad value,
missing path); 3 when no event could be computed. Errors are one line on stderr;
``--debug`` adds the traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import numpy as np
import pandas as pd

from mktnews.errors import (
    ArticleError,
    ConfigurationError,
    InvalidOptionError,
    MktNewsError,
    StudyError,
    UnknownInstrumentError,
)
from mktnews.export import write_frame
from mktnews.spec import DEFAULT_OPTIONS
from mktnews.vocab import Interval, ModelName, ReturnType

if TYPE_CHECKING:
    from mktnews.articles import Corpus
    from mktnews.prices.base import PriceSource

__all__ = ["EXIT_FAILURE", "EXIT_NO_EVENT", "EXIT_OK", "EXIT_USAGE", "UsageError", "build_parser", "main"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_NO_EVENT = 3

PROG = "mktnews"

_D: Any = DEFAULT_OPTIONS
#: The windows ``mktnews study`` computes without ``--window``: the API's default.
DEFAULT_WINDOWS: tuple[tuple[int, int], ...] = tuple(_D["windows"])


class UsageError(Exception):
    """A command line that cannot be run as given (exit status 2)."""


class NoEventError(Exception):
    """The study ran but no event could be computed (exit status 3)."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors raised as :class:`UsageError` (one line, exit 2)."""

    def error(self, message: str) -> NoReturn:
        where = "" if self.prog == PROG else f"{self.prog.removeprefix(PROG + ' ')}: "
        raise UsageError(f"{where}{message} (see '{self.prog} --help')")


# --------------------------------------------------------------------------- small helpers


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _get_choices(literal: object) -> list[str]:
    from typing import get_args

    return [str(a) for a in get_args(literal)]


def _ranges(pairs: Any) -> str:
    """``((-1, 1), (0, 0))`` as ``-1:1, 0:0`` (the CLI's way of writing windows)."""
    return ", ".join(f"{a}:{b}" for a, b in pairs)


def _int_range(text: str, option: str) -> tuple[int, int]:
    """``"-1:1"`` -> ``(-1, 1)``; also ``"-1,1"`` and ``"-1..1"``."""
    m = re.fullmatch(r"\s*([+-]?\d+)\s*(?::|,|\.\.)\s*([+-]?\d+)\s*", text)
    if not m:
        raise UsageError(f"{option} {text!r}: expected A:B with whole numbers, e.g. -1:1")
    a, b = int(m.group(1)), int(m.group(2))
    if a > b:
        raise UsageError(f"{option} {text!r}: the start {a} is after the end {b}")
    return a, b


_CLOCK_EDGE = r"[+-]?\d+\s*(?:min|h)"


def _window_arg(text: str) -> tuple[int, int] | tuple[str, str]:
    """``--window``: ``"-1:1"`` (relative sessions/bars) or ``"-30min:+60min"`` (a clock
    window around publication, minutes or hours; see :mod:`mktnews.clock`)."""
    m = re.fullmatch(rf"\s*({_CLOCK_EDGE})\s*(?::|,|\.\.)\s*({_CLOCK_EDGE})\s*", text)
    if m:
        return m.group(1).replace(" ", ""), m.group(2).replace(" ", "")
    return _int_range(text, "--window")


def _date_range(text: str, option: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``"2023-10-01:2025-01-31"`` (or ``..``) -> two timestamps."""
    parts = re.split(r"\.\.|:(?=\d{4}-)", text.strip())
    if len(parts) != 2:
        raise UsageError(f"{option} {text!r}: expected START:END dates, e.g. 2023-10-01:2025-01-31")
    try:
        a, b = pd.Timestamp(parts[0]), pd.Timestamp(parts[1])
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{option} {text!r}: {_one_line(str(exc))}") from exc
    if pd.isna(a) or pd.isna(b):
        raise UsageError(f"{option} {text!r}: not dates")
    if a > b:
        raise UsageError(f"{option} {text!r}: the start is after the end")
    return a, b


_RANGE_OPTIONS = ("--window", "--estimation", "-w")


def _join_negative_ranges(argv: list[str]) -> list[str]:
    """Let ``--window -1:1`` through: argparse would take ``-1:1`` for an option."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if (
            arg in _RANGE_OPTIONS
            and i + 1 < len(argv)
            and re.match(r"-\d", argv[i + 1])
        ):
            out.append(f"{arg}{argv[i + 1]}" if arg == "-w" else f"{arg}={argv[i + 1]}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def _existing_paths(paths: Sequence[str]) -> list[Path]:
    out = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise UsageError(f"no such file or folder: {p}")
        out.append(path)
    return out


def _progress(desc: str, *, total: int | None, quiet: bool, unit: str = "it") -> Any:
    from tqdm.auto import tqdm

    # disable=None: no bar when stderr is not a terminal (pipes, CI, tests)
    return tqdm(total=total, desc=desc, unit=unit, disable=True if quiet else None,
                file=sys.stderr, leave=False)


class _ProgressSource:
    """A price source that shows a progress bar of its fetches (one tick per symbol)."""

    def __init__(self, inner: PriceSource, *, quiet: bool) -> None:
        self.inner = inner
        self.name = str(getattr(inner, "name", type(inner).__name__))
        self._bar = _progress("prices", total=None, quiet=quiet, unit=" fetch")

    def fetch(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: Interval) -> pd.DataFrame:
        self._bar.set_postfix_str(f"{symbol} {interval}", refresh=False)
        try:
            return self.inner.fetch(symbol, start, end, interval)
        finally:
            self._bar.update(1)

    def close(self) -> None:
        self._bar.close()

    def __getattr__(self, item: str) -> Any:
        return getattr(self.inner, item)


def _make_source(ns: argparse.Namespace) -> PriceSource:
    """The price source the options ask for."""
    if getattr(ns, "sample", False):
        from mktnews.datasets import sample_source

        return sample_source()
    prices_dir = getattr(ns, "prices", None)
    if prices_dir:
        folder = Path(prices_dir)
        if not folder.is_dir():
            raise UsageError(f"--prices {prices_dir}: no such folder")
        from mktnews.prices.files import FileSource

        return FileSource(folder, bad_ohlc=getattr(ns, "bad_ohlc", "raise"))
    if getattr(ns, "offline", False):
        from mktnews.prices.yahoo import YahooSource

        return YahooSource(offline=True)
    from mktnews.prices.base import default_source

    return default_source()


def _read_published_at(path: str | None) -> dict[str, str] | None:
    """A CSV of ``article_id,published_at`` (the first two columns if not so named)."""
    if path is None:
        return None
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"--published-at {path}: no such file")
    try:
        table = pd.read_csv(p, dtype="str", keep_default_na=False)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--published-at {path}: cannot read it as CSV ({_one_line(str(exc))})") from exc
    cols = {c.strip().lower(): c for c in table.columns}
    id_col = cols.get("article_id") or cols.get("id")
    time_col = cols.get("published_at") or cols.get("time") or cols.get("datetime")
    if id_col is None or time_col is None:
        if len(table.columns) < 2:
            raise UsageError(
                f"--published-at {path}: needs two columns, article_id and published_at "
                f"(it has {list(table.columns)})"
            )
        id_col, time_col = table.columns[0], table.columns[1]
    dup = table[id_col].duplicated()
    if dup.any():
        raise UsageError(f"--published-at {path}: article id {table[id_col][dup].iloc[0]!r} appears twice")
    times = table[time_col].astype("str")
    date_col = cols.get("published_date")  # the output of `mktnews date`: a known time, else the date
    if date_col is not None and date_col != time_col:
        times = times.where(times.str.strip() != "", table[date_col].astype("str").str.slice(0, 10))
    keep = times.str.strip() != ""
    return dict(zip(table[id_col][keep].astype("str"), times[keep], strict=True))


def _read_corpus(ns: argparse.Namespace) -> Corpus:
    """Read the PATHs (one corpus; several paths are read one by one and joined with
    :meth:`Corpus.concat`, which makes repeated article ids unique)."""
    paths = _existing_paths(ns.paths)
    from mktnews.articles import Corpus, read_articles

    published = _read_published_at(getattr(ns, "published_at", None))
    kwargs: dict[str, Any] = {"tz": getattr(ns, "tz", None)}
    for opt in ("time_col", "id_col", "text_col", "instrument_col", "encoding", "outlet"):
        val = getattr(ns, opt, None)
        if val is not None:
            kwargs[opt] = val
    corpora = []
    for path in paths:
        corpora.append(read_articles(path, published_at=published, **kwargs))
    corpus = corpora[0] if len(corpora) == 1 else Corpus.concat(corpora)
    if len(corpora) > 1:
        renamed = int(corpus.articles["article_id"].astype("str").str.contains("#", regex=False).sum()) - sum(
            int(c.articles["article_id"].astype("str").str.contains("#", regex=False).sum()) for c in corpora
        )
        if renamed > 0:
            _note(ns, f"{renamed} article id(s) occur in more than one PATH and were made unique (id#2, ...)")
    if published:
        unknown = sorted(set(published) - set(corpus.articles["article_id"].astype("str")))
        if unknown:
            _note(ns, f"--published-at names {len(unknown)} id(s) not in the articles, e.g. {unknown[0]!r}")
    return corpus


def _note(ns: argparse.Namespace, text: str) -> None:
    if not getattr(ns, "quiet", False):
        print(f"{PROG}: note: {text}", file=sys.stderr)


def _write_table(frame: pd.DataFrame, path: Path) -> None:
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix not in (".csv", ".parquet", ".pq"):
        raise UsageError(f"--out {path}: use a .csv or .parquet file name")
    write_frame(frame, path)  # the export convention of mktnews.export


def _sibling(path: Path, what: str) -> Path:
    return path.with_name(f"{path.stem}.{what}{path.suffix}")


def _print_frame(frame: pd.DataFrame, out: TextIO, *, max_rows: int = 30) -> None:
    with pd.option_context("display.max_rows", max_rows, "display.max_columns", 20,
                           "display.width", 140, "display.max_colwidth", 48):
        print(frame.to_string(index=False, max_rows=max_rows) if len(frame) else "(none)", file=out)


# --------------------------------------------------------------------------- commands


def cmd_instruments(ns: argparse.Namespace) -> int:
    """``mktnews instruments``."""
    from mktnews.instruments import instrument_table

    table = instrument_table()
    if ns.out:
        _write_table(table, Path(ns.out))
        print(f"{len(table)} instruments written to {ns.out}")
        return EXIT_OK
    with pd.option_context("display.max_colwidth", 70, "display.width", 200):
        print(table.to_string(index=False))
    print(f"{len(table)} instruments (add your own with mktnews.register_instrument)")
    return EXIT_OK


def cmd_read(ns: argparse.Namespace) -> int:
    """``mktnews read PATH... [--out FILE]``."""
    corpus = _read_corpus(ns)
    arts, snaps, rej = corpus.articles, corpus.snapshots, corpus.rejected
    if ns.out:
        out = Path(ns.out)
        _write_table(arts, out)
        _write_table(snaps, _sibling(out, "snapshots"))
        _write_table(rej, _sibling(out, "rejected"))
        print(f"articles: {out}; snapshots: {_sibling(out, 'snapshots')}; rejected: {_sibling(out, 'rejected')}")
    else:
        preview = pd.DataFrame(
            {
                "article_id": arts["article_id"],
                "instrument": arts["instrument"],
                "change": arts["snapshot_change"],
                "published_at": arts["published_at"],
                "outlet": arts["outlet"],
                "text": _short_text(arts),
            }
        )
        print(f"articles ({len(arts)}):")
        _print_frame(preview, sys.stdout)
        if len(snaps) > len(arts.dropna(subset=["instrument"])):
            print(f"\nsnapshots ({len(snaps)}):")
            _print_frame(snaps.loc[:, ["article_id", "position", "instrument", "change", "change_pct", "level"]],
                         sys.stdout)
    if len(rej):
        print(f"\nrejected ({len(rej)}):")
        for src, reason in zip(rej["source"].astype("str"), rej["reason"].astype("str"), strict=True):
            print(f"  {src}: {reason}")
    print(
        f"{len(arts)} articles read, {len(rej)} rejected, of {corpus.n_inputs} inputs; "
        f"{len(snaps)} ticker-box snapshots"
    )
    return EXIT_OK


def _short_text(arts: pd.DataFrame) -> pd.Series:
    title = arts["title"].astype("str") if "title" in arts else pd.Series("", index=arts.index)
    body = arts["body"].fillna("").astype("str") if "body" in arts else pd.Series("", index=arts.index)
    text = title.where(arts["title"].notna(), body) if "title" in arts else body
    return text.str.replace(r"\s+", " ", regex=True).str.slice(0, 45)


def cmd_prices(ns: argparse.Namespace) -> int:
    """``mktnews prices SYMBOL --start D --end D [--interval I]``."""
    from mktnews.instruments import resolve_instrument
    from mktnews.prices.base import load_prices

    start, end = _parse_date(ns.start, "--start"), _parse_date(ns.end, "--end")
    if end < start:
        raise UsageError(f"--end {ns.end} is before --start {ns.start}")
    inst = resolve_instrument(ns.symbol, allow_unregistered_symbol=True)
    source = _ProgressSource(_make_source(ns), quiet=ns.quiet)
    try:
        frame = load_prices(ns.symbol, start, end, interval=ns.interval, source=source)
    finally:
        source.close()
    if ns.out:
        out = Path(ns.out)
        table = frame.reset_index()
        _write_table(table, out)
    close = frame["close"]
    print(f"{inst.name} ({inst.symbol}), {ns.interval} bars from {frame.attrs.get('source', source.name)}")
    if frame.empty:
        print("no bars in that range")
    else:
        fmt = "%Y-%m-%d" if ns.interval == "1d" else "%Y-%m-%d %H:%M %Z"
        print(f"{len(frame)} bars, {frame.index[0]:{fmt}} .. {frame.index[-1]:{fmt}}")
        print(
            f"close: first {close.iloc[0]:.4f}, last {close.iloc[-1]:.4f}, "
            f"min {close.min():.4f} ({close.idxmin():{fmt}}), max {close.max():.4f} ({close.idxmax():{fmt}})"
        )
        if ns.interval == "1d" and inst.calendar is not None:
            from mktnews.calendars import sessions

            cal = sessions(inst, frame.index[0], frame.index[-1])
            missing = cal.index[~cal.index.isin(frame.index)]
            if len(missing):
                shown = ", ".join(f"{d:%Y-%m-%d}" for d in missing[:10])
                more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
                print(f"gaps: {len(missing)} {inst.calendar} session(s) missing from the data: {shown}{more}")
            else:
                print(f"gaps: none (every {inst.calendar} session in the range has a bar)")
    if ns.out:
        print(f"written to {ns.out}")
    return EXIT_OK


def _parse_date(text: str, option: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(text)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{option} {text!r}: not a date ({_one_line(str(exc))})") from exc
    if pd.isna(ts):
        raise UsageError(f"{option} {text!r}: not a date")
    return ts


def cmd_capture(ns: argparse.Namespace) -> int:
    """``mktnews capture PATH...``."""
    from mktnews.events import capture_sessions

    corpus = _read_corpus(ns)
    search = _date_range(ns.search, "--search") if ns.search else None
    source = _ProgressSource(_make_source(ns), quiet=ns.quiet)
    try:
        table = capture_sessions(corpus, source=source, search=search)
    finally:
        source.close()
    _emit_table(ns, table, ["article_id", "instrument", "change", "change_pct", "level", "status",
                            "capture_session", "n_candidates", "capture_lag"])
    status = table["status"].astype("str").value_counts() if "status" in table else pd.Series(dtype=int)
    counts = ", ".join(f"{k} {v}" for k, v in status.items())
    print(f"{len(corpus.articles)} articles read, {len(corpus.rejected)} rejected; "
          f"{len(table)} snapshots: {counts or 'none'}")
    return EXIT_OK


def cmd_date(ns: argparse.Namespace) -> int:
    """``mktnews date PATH... --search A:B``."""
    from mktnews.dating import date_articles

    corpus = _read_corpus(ns)
    search = _date_range(ns.search, "--search") if ns.search else None
    source = _ProgressSource(_make_source(ns), quiet=ns.quiet)
    try:
        table = date_articles(corpus, source=source, search=search, lookback=ns.lookback)
    finally:
        source.close()
    _emit_table(ns, table, ["article_id", "published_date", "date_status", "n_candidates",
                            "candidates", "assumption", "evidence"])
    dated = int(table["published_date"].notna().sum()) if "published_date" in table else 0
    print(f"{len(corpus.articles)} articles read, {len(corpus.rejected)} rejected; "
          f"{dated} of {len(table)} dated to a single day")
    return EXIT_OK


def _emit_table(ns: argparse.Namespace, table: pd.DataFrame, preview: list[str]) -> None:
    if ns.out:
        out = Path(ns.out)
        frame = table.copy()
        for col in frame.columns:  # lists/tuples of candidates are written as text
            if frame[col].dtype == object:
                frame[col] = frame[col].map(_cell_text)
        _write_table(frame, out)
        print(f"written to {out}")
    else:
        cols = [c for c in preview if c in table.columns]
        view = table.loc[:, cols].copy()
        for col in view.columns:
            if view[col].dtype == object:
                view[col] = view[col].map(_cell_text)
            elif getattr(view[col].dtype, "kind", "") == "M" and getattr(view[col].dtype, "tz", None) is None:
                view[col] = view[col].dt.strftime("%Y-%m-%d").fillna("")
        _print_frame(view, sys.stdout, max_rows=60)
        hidden = len(table.columns) - len(cols)
        if hidden:
            print(f"({hidden} more columns: write the full table with --out FILE)")


def _cell_text(value: object) -> object:
    """Lists of candidate sessions / evidence as short text for the terminal."""
    if isinstance(value, (list, tuple, np.ndarray)):
        items = [f"{v:%Y-%m-%d}" if isinstance(v, pd.Timestamp) else str(v) for v in value]
        return "; ".join(items)
    return value


def _sample_notes() -> list[str]:
    from mktnews.datasets import SAMPLE_ATTRIBUTION, SAMPLE_PUBLISHED_AT

    when = SAMPLE_PUBLISHED_AT
    return [
        "Bundled sample: the seed article (Berliner Börsen-Zeitung, AFP copy on Putin's arrival "
        "in Astana) with the bundled daily bars of the Euro STOXX 50 and the DAX.",
        f"The seed's publication time is set to {when:%Y-%m-%d %H:%M} {when.tzinfo} by "
        "mktnews.datasets.load_sample: an assumption. The page prints no time; it is documented "
        "as published on Wednesday 2024-11-27, time of day unknown. Any time after the "
        "2024-11-26 close and before the 2024-11-27 close (17:30 CET) gives the same day 0; "
        "the ticker box (-28.84) matches the 2024-11-27 close-to-close change.",
        SAMPLE_ATTRIBUTION,
    ]


def _read_factors(path: str | None) -> pd.DataFrame | None:
    """``--factors``: Ken French's layout (a header line starting with a comma) or a plain
    CSV whose first column is the date (values in decimals)."""
    if path is None:
        return None
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"--factors {path}: no such file")
    from mktnews.factors import read_french_factors

    head = p.read_text(encoding="utf-8-sig", errors="replace").splitlines()[:40]
    if any(line.lstrip().startswith(",") for line in head):
        return read_french_factors(p)
    frame = pd.read_csv(p)
    first = frame.columns[0]
    try:
        frame[first] = pd.to_datetime(frame[first], format="mixed")
    except (TypeError, ValueError) as exc:
        raise UsageError(f"--factors {path}: the first column ({first!r}) must be dates ({exc})") from exc
    return frame.set_index(first)


def _price_error_notes(events: pd.DataFrame) -> list[str]:
    """One line per instrument whose prices could not be had: symbol, range and cause.

    An empty offline cache also says how to fill it.
    """
    errors = dict(events.attrs.get("price_errors") or {})
    lines = []
    for label, message in errors.items():
        line = f"no prices for {label}: {_one_line(str(message))}"
        if str(message).startswith("offline:"):
            line += (
                f"; fill the cache while online with 'mktnews prices {label} --start DATE --end DATE' "
                "for the ranges named, or drop --offline"
            )
        lines.append(line)
    return lines


def _with_price_errors(events: pd.DataFrame) -> pd.DataFrame:
    """``events`` with a ``price_error`` column: the price error of each row's symbol (or NaN)."""
    errors = dict(events.attrs.get("price_errors") or {})
    if not errors or "symbol" not in events.columns:
        return events
    out = events.copy()
    out["price_error"] = events["symbol"].astype("str").map(
        {k: _one_line(str(v)) for k, v in errors.items()}
    ).astype("str")
    return out


def _instruments_option(text: str | None) -> str | list[str]:
    """``--instruments``: ``snapshot`` (default), ``column:NAME``, or ``A,B,...``."""
    if text is None or text == "snapshot":
        return "snapshot"
    if text.startswith("column:"):
        col = text[len("column:"):].strip()
        if not col:
            raise UsageError("--instruments column:NAME needs the column's name")
        return col
    names = [t.strip() for t in text.split(",")]
    if not all(names):
        raise UsageError(f"--instruments {text!r}: an empty name in the list")
    return names


def _check_study_args(ns: argparse.Namespace) -> dict[str, Any]:
    """Check the options of ``mktnews study`` and return the study's keyword options."""
    if ns.sample and ns.paths:
        raise UsageError("give article PATHs or --sample, not both")
    if not ns.sample and not ns.paths:
        raise UsageError("no articles: give PATH(s), or --sample for the bundled sample")
    if ns.sample:
        clash = [opt for opt, val in (("--prices", ns.prices), ("--published-at", ns.published_at),
                                      ("--time-col", ns.time_col), ("--id-col", ns.id_col))
                 if val]
        if clash:
            raise UsageError(f"--sample brings its own articles and prices; drop {', '.join(clash)}")
        if ns.interval != "1d":
            raise UsageError("--sample holds daily bars only; drop --interval")
    windows = [_window_arg(w) for w in ns.window] if ns.window else list(DEFAULT_WINDOWS)
    benchmark: Any = ns.benchmark
    if ns.benchmark_map:
        if ns.benchmark:
            raise UsageError("give --benchmark or --benchmark-map, not both")
        from mktnews.instruments import read_benchmark_map

        benchmark = read_benchmark_map(ns.benchmark_map)
    if ns.placebo < 0:
        raise UsageError(f"--placebo {ns.placebo}: a number of draws, 0 or more")
    if ns.max_plots < 0:
        raise UsageError(f"--max-plots {ns.max_plots}: 0 or more")
    if not 20 <= ns.dpi <= 1200:
        raise UsageError(f"--dpi {ns.dpi}: between 20 and 1200")
    if ns.out and Path(ns.out).exists() and not Path(ns.out).is_dir():
        raise UsageError(f"--out {ns.out}: exists and is not a folder")
    return {
        "windows": windows,
        "estimation": _int_range(ns.estimation, "--estimation"),
        "model": ns.model,
        "returns": ns.returns,
        "benchmark": benchmark,
        "factors": _read_factors(ns.factors),
        "regressors": ns.regressors.split(",") if ns.regressors else None,
        "collapse": not ns.no_collapse,
        "group_by": ns.group_by,
        "placebo": ns.placebo,
        "interval": ns.interval,
        "min_estimation": ns.min_estimation,
        "seed": ns.seed,
        "estimation_days": ns.estimation_days,
        "measure": ns.measure,
        "volatility_model": ns.volatility_model,
        "tests": _name_list(ns.tests, "--tests") if ns.tests else _D["tests"],
        "sign_col": ns.sign_col,
        "placebo_stat": _name_list(ns.placebo_stat, "--placebo-stat") if ns.placebo_stat else _D["placebo_stat"],
    }


def _name_list(text: str, flag: str) -> list[str] | str:
    """``A,B`` as a list of names (``all`` as it is)."""
    if text.strip() == "all":
        return "all"
    names = [t.strip() for t in text.split(",")]
    if not all(names):
        raise UsageError(f"{flag} {text!r}: an empty name in the list")
    return names


def cmd_study(ns: argparse.Namespace) -> int:
    """``mktnews study PATH... [options]`` / ``mktnews study --sample``."""
    from mktnews.events import align_events
    from mktnews.study import event_study

    options = _check_study_args(ns)
    out = Path(ns.out) if ns.out else None
    stages = _progress("study", total=4, quiet=ns.quiet, unit=" step")
    notes: list[str] = []
    if ns.sample:
        from mktnews.datasets import load_sample

        corpus = load_sample()
        notes += _sample_notes()
    else:
        corpus = _read_corpus(ns)
    stages.update(1)
    undated = int(corpus.articles["published_at"].isna().sum())
    if undated:
        notes.append(
            f"{undated} article(s) have no publication time and are not studied (status "
            "no_publication_time): give --published-at CSV, or date them with 'mktnews date'."
        )
    base = _make_source(ns)
    source = _ProgressSource(base, quiet=ns.quiet)
    try:
        stages.set_postfix_str("align")
        events = align_events(corpus, source=source, interval=ns.interval,
                              instruments=_instruments_option(ns.instruments))
        price_notes = _price_error_notes(events)
        notes += price_notes
        stages.update(1)
        stages.set_postfix_str("study")
        try:
            results = event_study(events, source=source, **options)
        except StudyError as exc:
            stages.close()
            if out is not None:
                out.mkdir(parents=True, exist_ok=True)
                write_frame(_with_price_errors(events), out / "events.csv")
                _note(ns, f"no event could be computed; the aligned events are in {out / 'events.csv'}")
            counts = events["status"].astype("str").value_counts()
            for n in price_notes:
                print(f"Note: {n}")
            print(
                f"{len(corpus.articles)} articles read, {len(corpus.rejected)} rejected; "
                f"{len(events)} event rows ({', '.join(f'{k} {v}' for k, v in counts.items()) or 'none'}); "
                "0 events computed"
            )
            raise NoEventError(_one_line(str(exc))) from exc
        stages.update(1)
        if out is not None:
            from mktnews.report import write_report

            stages.set_postfix_str("report")
            report = write_report(results, out, source=source, corpus=corpus,
                                  max_articles=ns.max_plots, notes=notes, dpi=ns.dpi,
                                  figure_formats=ns.figure_format or ("png",))
            for aid, why in report.skipped_plots:
                _note(ns, f"chart of article {aid} not drawn: {why}")
        else:
            print(results.summary().as_text())
            for n in notes:
                print(f"Note: {n}")
        stages.update(1)
    finally:
        stages.close()
        source.close()
    info = results.info
    used_rows = int(info.get("n_usable_rows", 0))
    n_events = int(info.get("n_events", 0))
    n_ok = int(info.get("n_events_ok", 0))
    collapsed = used_rows - n_events if results.options.get("collapse") else 0
    where = f"; report in {out}" if out is not None else ""
    print(
        f"{len(corpus.articles)} articles read, {len(corpus.rejected)} rejected; "
        f"{len(events)} event rows, {used_rows} aligned; {collapsed} collapsed "
        f"({used_rows} rows -> {n_events} events); {n_ok} events computed{where}"
    )
    if n_ok == 0:
        raise NoEventError("no event could be computed (see the status columns of events.csv)")
    return EXIT_OK


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``mktnews`` command."""
    from mktnews import __version__

    common = _Parser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the full traceback of an error")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="no progress bars or notes")

    prices_opts = _Parser(add_help=False)
    g = prices_opts.add_argument_group("prices")
    g.add_argument("--prices", metavar="DIR",
                   help="read prices from a folder of files (one CSV/Parquet per symbol, e.g. ^GDAXI.csv) "
                   "instead of Yahoo Finance")
    g.add_argument("--offline", action="store_true",
                   help="Yahoo Finance from the local cache only (no network); also MKTNEWS_OFFLINE=1")
    g.add_argument("--bad-ohlc", choices=("raise", "mask"), default="raise",
                   help="price-file bars with high < low: refuse the instrument (default) or keep the "
                   "closes and mask such bars' high and low (Yahoo's own bars are always masked)")

    reading = _Parser(add_help=False)
    _add_reading(reading.add_argument_group("reading articles"), paths="+")

    parser = _Parser(
        prog=PROG,
        description="Event studies that start from news articles: what did the market do "
        "when this news came out?",
        parents=[common],
        epilog="Exit status: 0 ok, 1 failure, 2 usage error, 3 no event could be computed.",
    )
    parser.add_argument("--version", action="version", version=f"mktnews {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    _add_study(sub, [common, prices_opts])

    p = sub.add_parser("read", parents=[common, reading],
                       help="read articles: the articles, their ticker boxes and the rejects",
                       description="Read articles and show (or write) the articles, the ticker-box "
                       "snapshots and the rejected inputs with the reason.")
    p.add_argument("--out", metavar="FILE",
                   help="write the articles to FILE (.csv or .parquet), snapshots and rejects beside it "
                   "(FILE.snapshots.csv, FILE.rejected.csv)")
    p.set_defaults(func=cmd_read)

    p = sub.add_parser("prices", parents=[common, prices_opts],
                       help="fetch prices (into the cache) and summarise them")
    p.add_argument("symbol", metavar="SYMBOL", help="a symbol (^GDAXI) or a name the registry knows (DAX)")
    p.add_argument("--start", required=True, metavar="DATE")
    p.add_argument("--end", required=True, metavar="DATE", help="inclusive for daily bars")
    p.add_argument("--interval", default="1d", choices=_get_choices(Interval))
    p.add_argument("--out", metavar="FILE", help="also write the bars to FILE (.csv or .parquet)")
    p.set_defaults(func=cmd_prices)

    p = sub.add_parser("capture", parents=[common, reading, prices_opts],
                       help="which session's change each ticker box shows (its capture session)")
    p.add_argument("--search", metavar="A:B", help="only sessions between these dates (e.g. 2023-10-01:2025-01-31)")
    p.add_argument("--out", metavar="FILE", help="write the table to FILE (.csv or .parquet)")
    p.set_defaults(func=cmd_capture)

    p = sub.add_parser("date", parents=[common, reading, prices_opts],
                       help="candidate publication dates of undated articles")
    p.add_argument("--search", metavar="A:B",
                   help="date range to search (e.g. 2023-10-01:2025-01-31)")
    p.add_argument("--lookback", metavar="DAYS", type=int,
                   help="assume each page was captured within DAYS days after publication "
                        "(default: no assumption; the output's assumption column says when a date rests on it)")
    p.add_argument("--out", metavar="FILE",
                   help="write the table to FILE (.csv or .parquet); a CSV can be passed to study --published-at")
    p.set_defaults(func=cmd_date)

    p = sub.add_parser("instruments", parents=[common], help="the instrument registry")
    p.add_argument("--out", metavar="FILE", help="write the table to FILE (.csv or .parquet)")
    p.set_defaults(func=cmd_instruments)
    return parser


def _add_reading(group: Any, *, paths: str) -> None:
    """The options that say how articles are read (``read``, ``capture``, ``date``, ``study``)."""
    group.add_argument("paths", nargs=paths, metavar="PATH",
                       help="text file(s), folder(s) of .txt files, or CSV/JSONL/Parquet table(s)")
    group.add_argument("--published-at", metavar="CSV",
                       help="CSV with columns article_id,published_at giving publication times")
    group.add_argument("--tz", metavar="ZONE", help="time zone of naive timestamps, e.g. Europe/Berlin")
    group.add_argument("--time-col", metavar="COL", help="table column with the publication time")
    group.add_argument("--id-col", metavar="COL", help="table column with the article id")
    group.add_argument("--text-col", metavar="COL", help="table column with the article text")
    group.add_argument("--instrument-col", metavar="COL", help="table column naming the instrument")


def _add_study(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """``mktnews study``: its defaults are the API's (:data:`mktnews.spec.DEFAULT_OPTIONS`)."""
    p = sub.add_parser("study", parents=parents,
                       help="run an event study and write a report folder",
                       description="Read articles, load prices, run the event study and write a "
                       "report folder (events.csv, car.csv, tests.csv, abnormal.parquet, summary.md, "
                       "report.html, caar.png, article_<id>.png).")
    _add_reading(p, paths="*")
    p.add_argument("--sample", action="store_true",
                   help="use the bundled sample (the seed article, Euro STOXX 50 and DAX daily bars); "
                   "no network")
    p.add_argument("-w", "--window", action="append", metavar="A:B",
                   help="event window in relative sessions, inclusive (repeatable; default: "
                   f"{_ranges(DEFAULT_WINDOWS)}); or in clock time around publication with an "
                   "intraday --interval, e.g. -30min:+60min")
    p.add_argument("--estimation-days", type=int, default=_D["estimation_days"], metavar="N",
                   help="clock windows: sessions of bars the normal returns are estimated on "
                   "(default 20)")
    p.add_argument("--estimation", metavar="A:B", default=_ranges([_D["estimation"]]),
                   help=f"estimation window (default {_ranges([_D['estimation']])})")
    p.add_argument("--model", default=_D["model"], choices=_get_choices(ModelName),
                   help=f"normal-return model (default {_D['model']})")
    p.add_argument("--returns", default=_D["returns"], choices=_get_choices(ReturnType),
                   help=f"close-to-close returns (default {_D['returns']})")
    p.add_argument("--measure", default=_D["measure"],
                   help="series studied: returns, volume (abnormal log volume) or volatility "
                   f"(abnormal volatility, CAV) (default {_D['measure']})")
    p.add_argument("--volatility-model", default=_D["volatility_model"],
                   choices=("garch", "garch_arch", "squared_ar"),
                   help=f"variance model of --measure volatility (default {_D['volatility_model']})")
    p.add_argument("--instruments", metavar="WHICH",
                   help="which instruments each article is studied on: 'snapshot' (those in its "
                   "ticker box; default), 'A,B' (each article on each of these names/symbols), or "
                   "'column:NAME' (the instrument a table column names)")
    p.add_argument("--benchmark", metavar="SYMBOL",
                   help="benchmark instrument for market_adjusted / market_model")
    p.add_argument("--benchmark-map", metavar="FILE",
                   help="CSV instrument,benchmark: each instrument's own benchmark (instead of --benchmark)")
    p.add_argument("--factors", metavar="FILE",
                   help="daily factor returns for --model ff3/carhart/ff5/factor: a Ken French daily "
                        "CSV as published (percent), or a CSV with a date column and factors in decimals")
    p.add_argument("--regressors", metavar="A,B", help="factor columns of --model factor")
    p.add_argument("--group-by", metavar="COL", help="corpus column to group the CAAR and tests by")
    p.add_argument("--placebo", metavar="N", type=int, default=_D["placebo"],
                   help="number of placebo draws (random sessions without articles; default 0)")
    p.add_argument("--seed", type=int, default=_D["seed"], help="random seed of the placebo draws")
    p.add_argument("--tests", metavar="A,B",
                   help="tests to run (default 'all': the directional battery, plus the placebo with "
                   "--placebo); e.g. 'cs_t,abs_car,var_ratio,placebo' adds the unsigned tests")
    p.add_argument("--sign-col", metavar="COL",
                   help="corpus column of each article's predicted direction (+1, -1, 0): ARs are "
                   "signed before aggregation; events with 0, conflicting or missing signs are left out")
    p.add_argument("--placebo-stat", metavar="A,B",
                   help="what the placebo ranks: 'caar' (default), 'abs_car' (mean |CAR|), or both 'caar,abs_car'")
    p.add_argument("--interval", default=_D["interval"], choices=_get_choices(Interval),
                   help=f"bar size (default {_D['interval']})")
    p.add_argument("--min-estimation", type=int, default=_D["min_estimation"], metavar="N",
                   help=f"fewest estimation returns an event needs (default {_D['min_estimation']})")
    p.add_argument("--no-collapse", action="store_true",
                   help="keep articles on the same instrument and day 0 as separate events")
    p.add_argument("--max-plots", type=int, default=20, metavar="N",
                   help="article charts written to the report (default 20)")
    p.add_argument("--figure-format", action="append", choices=("png", "svg", "pdf"), metavar="FMT",
                   help="also write each figure as FMT (png, svg or pdf; repeat for several)")
    p.add_argument("--dpi", type=int, default=110, metavar="N", help="resolution of the PNG figures (default 110)")
    p.add_argument("--out", metavar="DIR", help="report folder (without it, only the summary is printed)")
    p.set_defaults(func=cmd_study)


# --------------------------------------------------------------------------- entry point

_USAGE_ERRORS: tuple[type[BaseException], ...] = (
    UsageError,
    ArticleError,
    InvalidOptionError,
    ConfigurationError,
    UnknownInstrumentError,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``mktnews`` command; returns the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("MKTNEWS_DEBUG") == "1"
    try:
        parser = build_parser()
        ns = parser.parse_args(_join_negative_ranges(args))
        if not hasattr(ns, "func"):
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        ns.debug = getattr(ns, "debug", False) or debug
        ns.quiet = getattr(ns, "quiet", False)
        func: Callable[[argparse.Namespace], int] = ns.func
        return func(ns)
    except _USAGE_ERRORS as exc:
        return _fail(exc, EXIT_USAGE, debug)
    except (StudyError, NoEventError) as exc:
        return _fail(exc, EXIT_NO_EVENT, debug)
    except MktNewsError as exc:
        return _fail(exc, EXIT_FAILURE, debug)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # an internal error: still one line unless --debug
        return _fail(exc, EXIT_FAILURE, debug, internal=True)


def _fail(exc: BaseException, status: int, debug: bool, *, internal: bool = False) -> int:
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    msg = _one_line(str(exc)) or type(exc).__name__
    if internal:
        msg = f"internal error ({type(exc).__name__}): {msg}"
    hint = "" if debug else " (--debug shows the traceback)" if internal else ""
    print(f"{PROG}: error: {msg}{hint}", file=sys.stderr)
    return status
