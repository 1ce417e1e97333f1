"""Prices from users' own files: one CSV or Parquet file per symbol.

:class:`FileSource` reads a folder in which every symbol has one file named after it
(``^STOXX50E.csv``, ``^GDAXI.parquet``, ``BRENT_SPOT_EIA.csv``), or an explicit mapping
``{symbol: path}``. Files are read in the forms users actually have:

- ``Date,Open,High,Low,Close,Volume`` (daily; ``Date`` is the exchange-local session date);
- intraday bars with a ``Datetime`` column (``2023-07-17T07:00:00+00:00``), or separate
  ``Date`` and ``Time`` columns;
- ``yfinance.download(...).to_csv()`` with its three header lines (``Price`` / ``Ticker`` /
  ``Date``), in either order of the first two, one or several tickers;
- ``yfinance.Ticker.history(...).to_csv()`` (``Date`` with a UTC offset,
  ``Dividends`` and ``Stock Splits`` columns);
- stooq exports with English or Polish headers
  (``Data,Otwarcie,Najwyzszy,Najnizszy,Zamkniecie,Wolumen``), also stooq's bulk
  ``<DATE>,<TIME>,<OPEN>,...`` form;
- close-only series such as the U.S. EIA's ``Date,Price``;
- Parquet files with a DatetimeIndex or a date column (also ``yf.download().to_parquet()``
  with its two-level columns).

Conventions (documented on :class:`FileSource`):

- A file whose time stamps are all at midnight (wall-clock time, whatever offset they
  carry) holds daily bars; its dates are the wall-clock dates as written, never shifted to
  UTC (``2024-11-27 00:00:00+01:00`` is the session of 2024-11-27).
- Intraday stamps are bar starts. Stamps with a UTC offset are converted to UTC; stamps
  without one are refused unless ``tz=`` says which zone they are in (mktnews never
  guesses a time zone).
- ``Close`` is the price as the file prints it. For a ``yf.download(auto_adjust=False)``
  file (it has ``Adj Close`` as well) that is Yahoo's split-adjusted, not
  dividend-adjusted close; ``adjust=True`` scales open/high/low/close by
  ``Adj Close / Close`` instead, which is what :class:`~mktnews.YahooSource`
  (``auto_adjust=True``) returns. For indices both are the same.
- A file in strictly descending date order is read in reverse; any other disorder,
  duplicated stamps, ``high < low``, non-positive prices, negative volume, text where a
  number belongs, or a row without a date raise :class:`~mktnews.errors.PriceDataError`
  naming the file and the line.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mktnews.errors import PriceDataError
from mktnews.prices.base import conform_prices, is_intraday, negative_prices_allowed
from mktnews.vocab import BAR_NS, INTRADAY_INTERVALS, BadOHLC, Interval, check_option

__all__ = ["FILE_SUFFIXES", "FileSource", "read_price_file"]

#: File name endings FileSource looks for, in this order.
FILE_SUFFIXES: tuple[str, ...] = (".csv", ".parquet", ".pq", ".csv.gz", ".txt")

#: Sub-folder names that hold bars of one interval (``folder/1h/^GDAXI.csv``).
_INTERVAL_DIRS: dict[str, tuple[str, ...]] = {
    "1d": ("1d", "daily", "day", "d"),
    "1h": ("1h", "60m", "hourly"),
    "60m": ("60m", "1h", "hourly"),
    "1m": ("1m",),
    "2m": ("2m",),
    "5m": ("5m",),
    "15m": ("15m",),
    "30m": ("30m",),
    "90m": ("90m",),
}

# bar minutes -> interval, from the one table (60-minute bars are named "1h", as Yahoo does)
_MINUTES_TO_INTERVAL = {BAR_NS[i] // 60_000_000_000: i for i in INTRADAY_INTERVALS if i != "60m"}

# Header names (normalised: no accents, lower case, without spaces, _-.<> ) -> role.
_ROLES: dict[str, str] = {}
for _role, _names in {
    "date": ("date", "data", "day", "tradedate", "tradingday", "session", "sessiondate"),
    "datetime": ("datetime", "timestamp", "datetimeutc", "timestamputc", "time_stamp", "datagodzina"),
    "time": ("time", "czas", "hour", "godzina"),
    "open": ("open", "otwarcie", "openprice", "opening"),
    "high": ("high", "najwyzszy", "max", "highprice", "hi"),
    "low": ("low", "najnizszy", "min", "lowprice", "lo"),
    "close": ("close", "zamkniecie", "price", "last", "closeprice", "closing", "value", "settle"),
    "adjclose": ("adjclose", "adjustedclose", "adjclosing"),
    "volume": ("volume", "wolumen", "vol"),
    "ignore": (
        "dividends", "stocksplits", "capitalgains", "openint", "ticker", "per", "repaired",
        "symbol", "name", "currency",
    ),
}.items():
    for _n in _names:
        _ROLES[_n.replace("_", "")] = _role

_NA_STRINGS = frozenset({"", "null", "none", "nan", "n/a", "na", "#n/a", "-", "."})

_ISO_STAMP = re.compile(
    r"^\s*(?P<wall>\d{4}-?\d{2}-?\d{2}(?:[T ]\d{1,2}(?::?\d{2}){0,2}(?:[.,]\d+)?)?)"
    r"\s*(?P<off>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$"
)


def _norm_header(name: object) -> str:
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("ł", "l").replace("Ł", "L")
    return re.sub(r"[\s_\-.<>()\[\]]+", "", text.casefold())


@dataclass
class _Table:
    """A file's content before validation: raw cells plus where each row came from."""

    stamps: pd.Series  # str cells, or datetimes (parquet)
    values: dict[str, pd.Series]  # role -> str cells or numbers
    labels: np.ndarray  # "line 12" / "row 3" per row
    columns: list[str]  # original header names, for messages
    decimal_comma: bool = False
    unterminated: bool = False  # the text does not end with a line break (CSV only)


# --------------------------------------------------------------------------- reading


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PriceDataError(f"{path}: cannot read the file ({exc})") from exc
    if path.name.lower().endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise PriceDataError(f"{path}: not a readable gzip file ({exc})") from exc
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if b"\x00" in raw[:4096]:
        raise PriceDataError(f"{path}: not a text file (binary content); expected CSV or Parquet")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _split_cells(line: str, sep: str) -> list[str]:
    return next(csv.reader([line], delimiter=sep))


def _detect_sep(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    sep = max(counts, key=lambda k: counts[k])
    return sep if counts[sep] > 0 else ","


def _read_csv_table(path: Path, symbol: str | None) -> _Table:
    text = _read_text(path)
    lines = text.splitlines()
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None:
        raise PriceDataError(f"{path}: the file is empty")
    sep = _detect_sep(lines[first])
    head0 = _split_cells(lines[first], sep)
    head1 = _split_cells(lines[first + 1], sep) if first + 1 < len(lines) else []
    k0 = _norm_header(head0[0]) if head0 else ""
    k1 = _norm_header(head1[0]) if head1 else ""
    if {k0, k1} == {"price", "ticker"}:
        return _read_multiheader(path, lines, first, sep, head0, head1, symbol)
    names = [c.strip() for c in head0]
    body = "\n".join(lines[first + 1 :])
    frame, labels = _parse_body(path, body, sep, names, first + 2)
    table = _table_from_frame(path, frame, labels, names, sep)
    table.unterminated = not text.endswith(("\n", "\r"))
    return table


def _parse_body(
    path: Path, body: str, sep: str, names: list[str], first_line: int, shown: list[str] | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """Split the data lines into string cells; return them with each row's file line label.

    ``first_line`` is the file's own (1-based) number of the body's first line. A line
    with fewer fields than the header (a truncated last line, say) or with more non-empty
    fields is refused naming the file, the line and the field; blank lines are kept as
    empty rows (dropped later).
    """
    unique = [f"{n}\x00{i}" for i, n in enumerate(names)]
    width = len(names)
    shown = shown if shown is not None else names
    rows: list[list[str]] = []
    line_nos: list[int] = []
    reader = csv.reader(io.StringIO(body), delimiter=sep)
    start = 1
    try:
        for cells in reader:
            line_no = first_line + start - 1
            start = reader.line_num + 1
            if not cells or all(not c.strip() for c in cells):
                rows.append([""] * width)
                line_nos.append(line_no)
                continue
            if len(cells) < width:
                missing = shown[len(cells)] if len(cells) < len(shown) else f"field {len(cells) + 1}"
                raise PriceDataError(
                    f"{path}: line {line_no}: has {len(cells)} of {width} fields; {missing!r} "
                    "is missing (a truncated or damaged line)"
                )
            if len(cells) > width:
                if any(c.strip() for c in cells[width:]):
                    raise PriceDataError(
                        f"{path}: line {line_no}: has {len(cells)} fields, the header names {width}"
                    )
                cells = cells[:width]
            rows.append(cells)
            line_nos.append(line_no)
    except csv.Error as exc:
        raise PriceDataError(f"{path}: line {first_line + start - 1}: cannot parse the CSV ({exc})") from exc
    frame = pd.DataFrame(rows, columns=unique, dtype="str") if rows else pd.DataFrame(
        {u: pd.Series([], dtype="str") for u in unique}
    )
    labels = np.array([f"line {n}" for n in line_nos], dtype=object)
    return frame, labels


def _read_multiheader(
    path: Path,
    lines: list[str],
    first: int,
    sep: str,
    head0: list[str],
    head1: list[str],
    symbol: str | None,
) -> _Table:
    """``yf.download().to_csv()``: a ``Price`` line, a ``Ticker`` line, then ``Date,,,``."""
    if _norm_header(head0[0]) == "price":
        fields, tickers = head0, head1
    else:
        tickers, fields = head0, head1
    if len(fields) != len(tickers):
        raise PriceDataError(f"{path}: the Price and Ticker header lines have different lengths")
    third = _split_cells(lines[first + 2], sep) if first + 2 < len(lines) else []
    skip = 3
    if not third or _norm_header(third[0]) not in ("date", "datetime") or any(c.strip() for c in third[1:]):
        skip = 2  # no separate index-name line
    present = sorted({t.strip() for t in tickers[1:] if t.strip()})
    if len(present) > 1:
        if symbol is None or symbol not in present:
            raise PriceDataError(
                f"{path}: holds several tickers ({', '.join(present)}); "
                f"{symbol!r} is not one of them"
            )
        chosen = symbol
    else:
        chosen = present[0] if present else ""
    names = [third[0].strip() if skip == 3 else "Date"]
    keep = [0]
    for i in range(1, len(fields)):
        if tickers[i].strip() == chosen:
            names.append(fields[i].strip())
            keep.append(i)
    body_start = first + skip
    body = "\n".join(lines[body_start:])
    all_names = [f"c{i}" for i in range(len(fields))]
    shown = [f"{fields[i].strip()} ({tickers[i].strip()})" if i else names[0] for i in range(len(fields))]
    frame, labels = _parse_body(path, body, sep, all_names, body_start + 1, shown)
    frame = frame.iloc[:, keep]
    frame.columns = pd.Index([f"{n}\x00{i}" for i, n in enumerate(names)])
    return _table_from_frame(path, frame, labels, names, sep)


def _table_from_frame(
    path: Path, frame: pd.DataFrame, labels: np.ndarray, names: list[str], sep: str
) -> _Table:
    """Assign roles to the columns of a string frame; drop blank lines."""
    cells = frame.fillna("")
    blank = (cells.apply(lambda c: c.astype(str).str.strip()) == "").all(axis=1).to_numpy()
    if blank.any():
        cells = cells.loc[~blank]
        labels = labels[~blank]
    cols = list(cells.columns)
    roles: dict[str, int] = {}
    unknown: list[int] = []
    for i, name in enumerate(names):
        role = _ROLES.get(_norm_header(name))
        if role is None:
            if i == 0 and (not name.strip() or name.startswith("Unnamed")):
                role = "datetime"
            else:
                unknown.append(i)
                continue
        if role == "ignore" or role in roles:
            continue
        roles[role] = i
    stamp_role = roles.get("datetime", roles.get("date"))
    if stamp_role is None and "time" in roles:
        stamp_role = roles.pop("time")  # a lone "Time" column holds full time stamps
    if stamp_role is None:
        raise PriceDataError(
            f"{path}: no date column (columns: {', '.join(names)}); expected Date, Datetime, "
            "Data or Timestamp"
        )
    if "close" not in roles and "adjclose" in roles:
        roles["close"] = roles.pop("adjclose")  # a file with only an adjusted close
    if "close" not in roles:
        loose = [i for i in unknown if i != stamp_role]
        if len(loose) == 1 and not any(r in roles for r in ("open", "high", "low")):
            roles["close"] = loose[0]
        else:
            raise PriceDataError(
                f"{path}: no close column (columns: {', '.join(names)}); expected Close, "
                "Zamkniecie, Price or Adj Close"
            )
    stamps = cells[cols[stamp_role]].astype(str).str.strip()
    if "time" in roles and "datetime" not in roles:
        stamps = stamps + " " + cells[cols[roles["time"]]].astype(str).str.strip()
    values = {
        role: cells[cols[i]].astype(str)
        for role, i in roles.items()
        if role in ("open", "high", "low", "close", "adjclose", "volume")
    }
    decimal_comma = sep == ";" and any(v.str.contains(",", regex=False).any() for v in values.values())
    return _Table(
        stamps=stamps.reset_index(drop=True),
        values={k: v.reset_index(drop=True) for k, v in values.items()},
        labels=labels,
        columns=names,
        decimal_comma=decimal_comma,
    )


def _read_parquet_table(path: Path, symbol: str | None) -> _Table:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for damaged files
        raise PriceDataError(f"{path}: cannot read the Parquet file ({exc})") from exc
    if isinstance(frame.columns, pd.MultiIndex):
        frame = _select_ticker_level(path, frame, symbol)
    if isinstance(frame.index, pd.DatetimeIndex):
        frame = frame.reset_index(names="__stamp__")
        names = ["Datetime", *[str(c) for c in frame.columns[1:]]]
    else:
        names = [str(c) for c in frame.columns]
    labels = np.array([f"row {i + 1}" for i in range(len(frame))], dtype=object)
    roles: dict[str, int] = {}
    unknown: list[int] = []
    for i, name in enumerate(names):
        role = _ROLES.get(_norm_header(name))
        if role is None:
            unknown.append(i)
        elif role != "ignore" and role not in roles:
            roles[role] = i
    stamp_role = roles.get("datetime", roles.get("date"))
    if stamp_role is None:
        dt_cols = [i for i in unknown if pd.api.types.is_datetime64_any_dtype(frame.iloc[:, i])]
        if not dt_cols:
            raise PriceDataError(
                f"{path}: no date column or DatetimeIndex (columns: {', '.join(names)})"
            )
        stamp_role = dt_cols[0]
        unknown.remove(stamp_role)
    if "close" not in roles and "adjclose" in roles:
        roles["close"] = roles.pop("adjclose")  # a file with only an adjusted close
    if "close" not in roles:
        if len(unknown) == 1 and not any(r in roles for r in ("open", "high", "low")):
            roles["close"] = unknown[0]
        else:
            raise PriceDataError(f"{path}: no close column (columns: {', '.join(names)})")
    values = {
        role: frame.iloc[:, i].reset_index(drop=True)
        for role, i in roles.items()
        if role in ("open", "high", "low", "close", "adjclose", "volume")
    }
    stamps = frame.iloc[:, stamp_role].reset_index(drop=True)
    if "time" in roles and "datetime" not in roles:
        stamps = stamps.astype(str) + " " + frame.iloc[:, roles["time"]].astype(str).reset_index(drop=True)
    return _Table(stamps=stamps, values=values, labels=labels, columns=names)


def _select_ticker_level(path: Path, frame: pd.DataFrame, symbol: str | None) -> pd.DataFrame:
    """Two-level columns (``yf.download().to_parquet()``): keep one ticker's fields."""
    levels = frame.columns.nlevels
    if levels != 2:
        raise PriceDataError(f"{path}: columns have {levels} levels; expected 1 or 2")
    names = [str(n).casefold() if n is not None else "" for n in frame.columns.names]
    ticker_level = names.index("ticker") if "ticker" in names else None
    if ticker_level is None:
        # guess: the level whose values are not price fields
        field_like = [
            all(_ROLES.get(_norm_header(v)) is not None for v in frame.columns.get_level_values(lv))
            for lv in range(2)
        ]
        ticker_level = 1 if field_like[0] else 0
    tickers = list(dict.fromkeys(frame.columns.get_level_values(ticker_level)))
    if len(tickers) > 1:
        if symbol not in tickers:
            raise PriceDataError(
                f"{path}: holds several tickers ({', '.join(map(str, tickers))}); "
                f"{symbol!r} is not one of them"
            )
        chosen = symbol
    else:
        chosen = tickers[0]
    out = frame.xs(chosen, axis=1, level=ticker_level)
    return out if isinstance(out, pd.DataFrame) else out.to_frame()


# --------------------------------------------------------------------------- parsing


@dataclass
class _Stamps:
    wall: pd.DatetimeIndex  # naive wall-clock time as written
    utc: pd.DatetimeIndex | None  # instants, when the file says which zone


_SLASHED = re.compile(r"^\s*(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-]\d{2,4}(?:\s|$)")


def _slashed_dayfirst(path: Path, cells: pd.Series, labels: np.ndarray, dayfirst: bool | None) -> bool | None:
    """Day-first or month-first for ``dd/mm/yyyy``-like dates: what the file proves, or ``dayfirst``.

    Returns ``None`` when the dates are not of that form. A file in which every first
    and second number is at most 12 proves nothing, and is refused unless ``dayfirst``
    says which it is.
    """
    parts = cells.str.extract(_SLASHED)
    if parts["a"].isna().any():
        return None
    a = parts["a"].astype("int64").to_numpy()
    b = parts["b"].astype("int64").to_numpy()
    day_proof = np.flatnonzero(a > 12)
    month_proof = np.flatnonzero(b > 12)
    if len(day_proof) and len(month_proof):
        raise PriceDataError(
            f"{path}: dates are day-first in {labels[day_proof[0]]} ({cells.iat[day_proof[0]]!r}) "
            f"but month-first in {labels[month_proof[0]]} ({cells.iat[month_proof[0]]!r})"
        )
    proved = True if len(day_proof) else False if len(month_proof) else None
    if dayfirst is None:
        if proved is None:
            raise PriceDataError(
                f"{path}: dates such as {cells.iat[0]!r} ({labels[0]}) can be read day-first or "
                "month-first, and no date in the file has a number above 12 that would tell; "
                "pass dayfirst=True (dd/mm/yyyy) or dayfirst=False (mm/dd/yyyy)"
            )
        return proved
    if proved is not None and proved != dayfirst:
        pos = day_proof[0] if proved else month_proof[0]
        raise PriceDataError(
            f"{path}: dayfirst={dayfirst} was passed, but {labels[pos]} ({cells.iat[pos]!r}) "
            f"is {'day' if proved else 'month'}-first"
        )
    return dayfirst


def _parse_stamps(path: Path, table: _Table, tz: str | None, dayfirst: bool | None = None) -> _Stamps:
    raw = table.stamps
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        idx = pd.DatetimeIndex(raw).as_unit("ns")
        return _Stamps(wall=idx.tz_localize(None), utc=idx.tz_convert("UTC"))
    if pd.api.types.is_datetime64_dtype(raw.dtype):
        idx = pd.DatetimeIndex(raw).as_unit("ns")
        bad = np.flatnonzero(idx.isna())
        if len(bad):
            raise PriceDataError(f"{path}: {table.labels[bad[0]]} has no date")
        return _Stamps(wall=idx, utc=None)
    cells = raw.astype(str).str.strip()
    try:  # fast path: plain ISO dates
        plain = pd.DatetimeIndex(pd.to_datetime(cells, format="%Y-%m-%d"))
        if not plain.hasnans:
            return _Stamps(wall=plain.as_unit("ns"), utc=None)
    except (ValueError, TypeError):
        pass
    empty = np.flatnonzero((cells == "").to_numpy())
    if len(empty):
        raise PriceDataError(f"{path}: {table.labels[empty[0]]} has no date")
    parts = cells.str.extract(_ISO_STAMP)
    iso = parts["wall"].notna().to_numpy()
    if iso.all():
        wall = _to_datetime(path, parts["wall"], table.labels, fmt="ISO8601")
        offs = parts["off"]
        has_off = offs.notna().to_numpy()
        if has_off.all():
            minutes = offs.map(_offset_minutes).to_numpy(dtype="int64")
            utc = pd.DatetimeIndex(
                wall.asi8 - minutes * 60_000_000_000, dtype="datetime64[ns]"
            ).tz_localize("UTC")
            return _Stamps(wall=wall, utc=utc)
        if has_off.any():
            pos = int(np.argmax(~has_off)) if has_off[0] else int(np.argmax(has_off))
            raise PriceDataError(
                f"{path}: some time stamps carry a UTC offset and others do not "
                f"({table.labels[pos]}: {cells.iat[pos]!r})"
            )
        return _Stamps(wall=wall, utc=None)
    if iso.any():
        pos = int(np.argmax(~iso))
        raise PriceDataError(
            f"{path}: {table.labels[pos]}: date {cells.iat[pos]!r} is not in the form of the "
            f"other rows (e.g. {cells.iat[int(np.argmax(iso))]!r})"
        )
    first = _slashed_dayfirst(path, cells, table.labels, dayfirst)
    wall = _to_datetime(path, cells, table.labels, fmt=None, dayfirst=bool(first))
    return _Stamps(wall=wall, utc=None)


def _to_datetime(
    path: Path, cells: pd.Series, labels: np.ndarray, fmt: str | None, dayfirst: bool = False
) -> pd.DatetimeIndex:
    try:
        parsed = pd.to_datetime(cells, format=fmt, errors="coerce", dayfirst=dayfirst)
    except (ValueError, TypeError) as exc:
        raise PriceDataError(f"{path}: cannot read the dates ({exc})") from exc
    idx = pd.DatetimeIndex(parsed)
    if idx.tz is not None:  # a free-form parse that found zone names
        idx = idx.tz_convert("UTC").tz_localize(None)
    bad = np.flatnonzero(idx.isna())
    if len(bad):
        raise PriceDataError(f"{path}: {labels[bad[0]]}: cannot read the date {cells.iat[bad[0]]!r}")
    return idx.as_unit("ns")


def _offset_minutes(text: object) -> int:
    s = str(text)
    if s in ("Z", "UTC", "GMT"):
        return 0
    sign = -1 if s[0] == "-" else 1
    digits = s[1:].replace(":", "")
    hours = int(digits[:2])
    mins = int(digits[2:4]) if len(digits) >= 4 else 0
    return sign * (hours * 60 + mins)


def _to_numbers(
    path: Path, cells: pd.Series, column: str, labels: np.ndarray, decimal_comma: bool
) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(cells.dtype) and not pd.api.types.is_bool_dtype(cells.dtype):
        return cells.to_numpy(dtype="float64", na_value=np.nan)
    if not decimal_comma:
        try:  # fast path: every cell a plain number
            return cells.astype("float64").to_numpy()
        except (TypeError, ValueError):
            pass
    text = cells.astype(str).str.strip()
    missing = text.str.casefold().isin(_NA_STRINGS).to_numpy()
    if decimal_comma:
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(",", "", regex=False)
    text = text.str.replace("\u2212", "-", regex=False).str.replace(" ", "", regex=False)
    nums = pd.to_numeric(text.where(~missing), errors="coerce").to_numpy(dtype="float64")
    bad = np.flatnonzero(np.isnan(nums) & ~missing)
    if len(bad):
        raise PriceDataError(
            f"{path}: {labels[bad[0]]}: {column} value {cells.iat[bad[0]]!r} is not a number"
        )
    return nums


_DEC_COMMA_ONLY = re.compile(r"[-+\u2212]?(?:\d+,(?:\d{1,2}|\d{4,})|\d{1,3}(?:\.\d{3})+,\d+)")
_THOUSANDS = re.compile(r"[-+\u2212]?(?:\d{1,3}(?:,\d{3})+\.\d+|\d{1,3}(?:,\d{3}){2,}|\d+\.(?:\d{1,2}|\d{4,}))")
_AMBIGUOUS = re.compile(r"[-+\u2212]?\d{1,3},\d{3}")


def _decimal_comma(path: Path, table: _Table) -> bool:
    """Whether the file's numbers use a decimal comma: what its cells prove, else refuse.

    A semicolon-separated file with commas in its numbers uses decimal commas. Otherwise
    a cell such as ``5383,48`` proves a decimal comma and ``5,383.48`` (or ``5383.48``)
    a decimal point; a file that proves both, or that has only cells like ``5,383``
    (either reading), is refused naming the line.
    """
    if table.decimal_comma:
        return True
    texts = {
        role: v.astype(str).str.strip()
        for role, v in table.values.items()
        if not pd.api.types.is_numeric_dtype(v.dtype)
    }
    if not any(t.str.contains(",", regex=False).any() for t in texts.values()):
        return False
    dec: tuple[str, int] | None = None
    point: tuple[str, int] | None = None
    ambiguous: tuple[str, int] | None = None
    for role, t in texts.items():
        i = np.flatnonzero(t.str.fullmatch(_DEC_COMMA_ONLY).to_numpy())
        if len(i) and dec is None:
            dec = (role, int(i[0]))
        i = np.flatnonzero(t.str.fullmatch(_THOUSANDS).to_numpy())
        if len(i) and point is None:
            point = (role, int(i[0]))
        i = np.flatnonzero(t.str.fullmatch(_AMBIGUOUS).to_numpy())
        if len(i) and ambiguous is None:
            ambiguous = (role, int(i[0]))

    def show(hit: tuple[str, int]) -> str:
        role, i = hit
        return f"{table.labels[i]}: {_column_label(table, role)} {texts[role].iat[i]!r}"

    if dec is not None and point is not None:
        raise PriceDataError(
            f"{path}: numbers use a decimal comma in {show(dec)} but a decimal point in "
            f"{show(point)}; write the file with one decimal separator"
        )
    if dec is not None:
        return True
    if point is not None or ambiguous is None:
        return False
    raise PriceDataError(
        f"{path}: {show(ambiguous)} can be read with a decimal comma or a thousands "
        "separator, and no number in the file tells which; write the numbers without "
        "thousands separators (or with a decimal point)"
    )


def _check_cut_short(path: Path, table: _Table) -> None:
    """Refuse a last number that looks cut off (the file ends mid-line, without a line break).

    The last field of the last line is compared with the same column in the other rows:
    when every other value there has at least ``k`` digits after the decimal separator
    and the last has fewer, the file was most likely truncated.
    """
    if not table.columns or len(table.stamps) < 2:
        return
    role = _ROLES.get(_norm_header(table.columns[-1]))
    if role is None or role not in table.values:
        return
    cells = table.values[role]
    if pd.api.types.is_numeric_dtype(cells.dtype):
        return
    text = cells.astype(str).str.strip()
    frac = text.str.extract(r"[.,](\d+)$")[0].str.len().fillna(0).to_numpy()
    present = ~text.str.casefold().isin(_NA_STRINGS).to_numpy()
    others = frac[:-1][present[:-1]]
    if not present[-1] or len(others) == 0:
        return
    if frac[-1] < others.min():
        raise PriceDataError(
            f"{path}: {table.labels[-1]}: {_column_label(table, role)} value {text.iat[-1]!r} "
            f"looks cut short (the file ends in the middle of this line, and every other value "
            f"in the column has at least {int(others.min())} decimals); the file is truncated"
        )


def _detect_intraday(stamps: _Stamps) -> str | None:
    """Bar size from the most common gap between bars of the same day."""
    key = stamps.utc if stamps.utc is not None else stamps.wall
    if len(key) < 2:
        return None
    ns = key.asi8
    day = stamps.wall.normalize().asi8
    same_day = day[1:] == day[:-1]
    gaps = np.abs(np.diff(ns))[same_day]
    gaps = gaps[gaps > 0]
    if len(gaps) == 0:
        return None
    values, counts = np.unique(gaps // 60_000_000_000, return_counts=True)
    minutes = int(values[np.argmax(counts)])
    return _MINUTES_TO_INTERVAL.get(minutes, f"{minutes}min")


def _same_interval(a: str, b: str) -> bool:
    return a == b or {a, b} == {"1h", "60m"}


def read_price_file(
    path: str | os.PathLike[str],
    *,
    symbol: str | None = None,
    interval: Interval | None = None,
    tz: str | None = None,
    adjust: bool = False,
    bad_ohlc: BadOHLC = "raise",
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """Read one price file (CSV or Parquet, any form :class:`FileSource` knows).

    Parameters
    ----------
    path : path-like
        The file.
    symbol : str, optional
        Recorded in ``attrs``; also picks the ticker of a multi-ticker yfinance file.
        Default: the file name without its suffix.
    interval : str, optional
        Bar size the file must hold; detected from the time stamps when omitted
        (midnight stamps -> ``"1d"``, otherwise the most common gap between bars).
    tz : str, optional
        IANA zone of intraday stamps written without a UTC offset. Without it such
        files are refused.
    adjust : bool, default False
        Scale open/high/low/close by ``Adj Close / Close`` when the file has an
        ``Adj Close`` column (Yahoo's dividend adjustment).
    bad_ohlc : {"raise", "mask"}, default "raise"
        Rows with ``high < low`` (real data has a few): raise naming the line, or mask
        their high and low (closes kept) with a :class:`~mktnews.errors.PriceDataWarning`.
    dayfirst : bool, optional
        For slashed or dotted dates (``03/04/2024``): day-first (``True``) or month-first
        (``False``). Without it the file must prove the order (a first number above 12
        means day-first, a second one month-first); a file that proves nothing is refused.

    Returns
    -------
    DataFrame
        A prices frame (see :mod:`mktnews.prices.base`) with ``attrs["source"]`` the path.

    Raises
    ------
    PriceDataError
        For unreadable or malformed files, naming the file and the line.
    """
    p = Path(path)
    if interval is not None:
        check_option("interval", interval, Interval)
    sym = symbol if symbol is not None else _stem(p)
    suffix = p.name.lower()
    if suffix.endswith((".parquet", ".pq")):
        table = _read_parquet_table(p, sym)
    else:
        table = _read_csv_table(p, sym)
    check_option("bad_ohlc", bad_ohlc, BadOHLC)
    return _build(p, table, sym, interval, tz, adjust, bad_ohlc, dayfirst)


def _build(
    path: Path,
    table: _Table,
    symbol: str,
    interval: str | None,
    tz: str | None,
    adjust: bool,
    bad_ohlc: BadOHLC = "raise",
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    labels = table.labels
    n = len(table.stamps)
    if n == 0:
        raise PriceDataError(f"{path}: the file has a header but no rows")
    stamps = _parse_stamps(path, table, tz, dayfirst)
    midnight = stamps.wall == stamps.wall.normalize()
    if interval is None:
        if midnight.all():
            interval = "1d"
        else:
            found = _detect_intraday(stamps)
            if found is None:
                pos = int(np.argmax(~np.asarray(midnight)))
                raise PriceDataError(
                    f"{path}: cannot tell the bar size: there is one bar per day, stamped with "
                    f"a time of day ({labels[pos]}: {stamps.wall[pos]}). Daily bars must be "
                    "dated by day (a date, or midnight); for intraday bars pass interval="
                )
            if found not in INTRADAY_INTERVALS:
                raise PriceDataError(
                    f"{path}: bars are {found} apart, not an interval mktnews knows "
                    f"(1d, {', '.join(INTRADAY_INTERVALS)})"
                )
            interval = found
    if is_intraday(interval):
        found = _detect_intraday(stamps)
        if found is not None and found in INTRADAY_INTERVALS and not _same_interval(found, interval):
            raise PriceDataError(f"{path}: holds {found} bars, not {interval} bars")
        if stamps.utc is not None:
            index = stamps.utc
        elif tz is not None:
            try:
                index = stamps.wall.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
            except Exception as exc:
                raise PriceDataError(f"{path}: cannot place the stamps in {tz!r} ({exc})") from exc
            bad = np.flatnonzero(index.isna())
            if len(bad):
                raise PriceDataError(
                    f"{path}: {labels[bad[0]]}: {stamps.wall[bad[0]]} does not exist or is "
                    f"ambiguous in {tz} (a daylight-saving change); write the file with UTC offsets"
                )
            index = index.tz_convert("UTC")
        else:
            raise PriceDataError(
                f"{path}: intraday time stamps without a UTC offset ({labels[0]}: "
                f"{stamps.wall[0]}); say which zone they are in with tz= (e.g. tz='UTC' or "
                "tz='Europe/Berlin')"
            )
    else:
        if not midnight.all():
            pos = int(np.argmax(~np.asarray(midnight)))
            raise PriceDataError(
                f"{path}: {labels[pos]}: daily bars must be dated by day, but {stamps.wall[pos]} "
                "has a time of day"
            )
        index = stamps.wall
    decimal_comma = _decimal_comma(path, table)
    cols = {
        role: _to_numbers(path, cells, _column_label(table, role), labels, decimal_comma)
        for role, cells in table.values.items()
    }
    if table.unterminated:
        _check_cut_short(path, table)
    order = _check_order(path, index, labels)
    if order is not None:
        index = index[order]
        labels = labels[order]
        cols = {k: v[order] for k, v in cols.items()}
    if adjust and "adjclose" in cols and "close" in cols:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = cols["adjclose"] / cols["close"]
        for role in ("open", "high", "low"):
            if role in cols:
                cols[role] = cols[role] * ratio
        cols["close"] = cols["adjclose"]
    _check_values(path, cols, labels, symbol, table, check_high_low=bad_ohlc == "raise")
    frame = pd.DataFrame(
        {c: cols.get(c, np.full(len(index), np.nan)) for c in ("open", "high", "low", "close", "volume")},
        index=index,
    )
    return conform_prices(
        frame, symbol=symbol, interval=interval, source=str(path), where=str(path), bad_ohlc=bad_ohlc
    )


def _column_label(table: _Table, role: str) -> str:
    for name in table.columns:
        if _ROLES.get(_norm_header(name)) == role:
            return repr(name)
    return role


def _check_order(path: Path, index: pd.DatetimeIndex, labels: np.ndarray) -> np.ndarray | None:
    """Return a reversing permutation for strictly descending files, else validate order."""
    if len(index) < 2:
        return None
    d = np.diff(index.asi8)
    if (d < 0).all():
        return np.arange(len(index))[::-1]
    if (d < 0).any():
        pos = int(np.argmax(d < 0)) + 1
        raise PriceDataError(
            f"{path}: rows are not in date order: {labels[pos]} ({index[pos]}) comes after "
            f"{labels[pos - 1]} ({index[pos - 1]})"
        )
    if (d == 0).any():
        pos = int(np.argmax(d == 0)) + 1
        raise PriceDataError(
            f"{path}: duplicated date {index[pos]}: {labels[pos]} repeats {labels[pos - 1]}"
        )
    return None


def _check_values(
    path: Path,
    cols: dict[str, np.ndarray],
    labels: np.ndarray,
    symbol: str,
    table: _Table,
    *,
    check_high_low: bool = True,
) -> None:
    if check_high_low and "high" in cols and "low" in cols:
        bad = np.flatnonzero(cols["high"] < cols["low"])
        if len(bad):
            i = bad[0]
            raise PriceDataError(
                f"{path}: {labels[i]}: high {cols['high'][i]} is below low {cols['low'][i]} "
                "(pass bad_ohlc='mask' to keep the closes and mask such rows' high and low)"
            )
    for role in ("open", "high", "low", "close", "adjclose", "volume"):
        if role in cols:
            bad = np.flatnonzero(np.isinf(cols[role]))
            if len(bad):
                i = bad[0]
                raise PriceDataError(
                    f"{path}: {labels[i]}: {_column_label(table, role)} of {symbol} is "
                    f"{cols[role][i]}; prices must be finite"
                )
    if not negative_prices_allowed(symbol):
        for role in ("open", "high", "low", "close", "adjclose"):
            if role in cols:
                bad = np.flatnonzero(cols[role] <= 0)
                if len(bad):
                    i = bad[0]
                    raise PriceDataError(
                        f"{path}: {labels[i]}: {_column_label(table, role)} is {cols[role][i]}; "
                        "prices must be positive"
                    )
    if "volume" in cols:
        bad = np.flatnonzero(cols["volume"] < 0)
        if len(bad):
            i = bad[0]
            raise PriceDataError(f"{path}: {labels[i]}: negative volume {cols['volume'][i]}")


def _stem(path: Path) -> str:
    name = path.name
    for suffix in sorted(FILE_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


# --------------------------------------------------------------------------- the source


class FileSource:
    """Prices from a folder of files, one file per symbol (or a ``{symbol: path}`` map).

    Parameters
    ----------
    folder : path-like or mapping of str to path-like
        A folder holding ``SYMBOL.csv`` / ``SYMBOL.parquet`` (also ``.pq``, ``.csv.gz``,
        ``.txt``) files, optionally in interval sub-folders (``1d/`` or ``daily/``,
        ``1h/``, ``5m/``, ...: ``FileSource(folder)`` then serves every interval it finds).
        Or an explicit mapping from symbol to file.
    interval : str, optional
        Bar size of the files directly in ``folder`` (or of the mapped files). Detected
        from each file's time stamps when omitted.
    tz : str, optional
        IANA zone of intraday stamps written without a UTC offset (naive stamps are
        refused otherwise; mktnews does not guess zones).
    adjust : bool, default False
        Use ``Adj Close`` (scaling open/high/low by ``Adj Close / Close``) when a file has
        it, as Yahoo's ``auto_adjust`` does. By default ``Close`` is taken as printed.
    name : str, optional
        Name of the source (``attrs`` of the frames carry the file path).
    bad_ohlc : {"raise", "mask"}, default "raise"
        Rows with ``high < low`` (Yahoo's gold futures have one, 2009-11-23): raise naming
        the file and line, or mask their high and low (closes kept) with a warning.
    dayfirst : bool, optional
        Order of slashed dates (``03/04/2024``); see :func:`read_price_file`.

    Notes
    -----
    Each file is read and checked once per source object; later requests slice the
    parsed frame. File forms and checks: see :mod:`mktnews.prices.files`.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str] | Mapping[str, str | os.PathLike[str]],
        *,
        interval: Interval | None = None,
        tz: str | None = None,
        adjust: bool = False,
        name: str | None = None,
        bad_ohlc: BadOHLC = "raise",
        dayfirst: bool | None = None,
    ) -> None:
        if interval is not None:
            check_option("interval", interval, Interval)
        self.interval = interval
        self.dayfirst = dayfirst
        self.tz = tz
        self.adjust = adjust
        self.bad_ohlc: BadOHLC = check_option("bad_ohlc", bad_ohlc, BadOHLC)  # type: ignore[assignment]
        self._lock = threading.Lock()
        self._frames: dict[tuple[Path, str | None, str], pd.DataFrame] = {}
        if isinstance(folder, Mapping):
            self.folder: Path | None = None
            self._mapping: dict[str, Path] | None = {str(k): Path(v) for k, v in folder.items()}
            missing = [f"{k}: {v}" for k, v in self._mapping.items() if not v.is_file()]
            if missing:
                raise PriceDataError("price files not found: " + "; ".join(missing))
            self.name = name or "files"
        else:
            self.folder = Path(folder)
            self._mapping = None
            if not self.folder.is_dir():
                raise PriceDataError(f"price folder {self.folder} does not exist or is not a folder")
            self.name = name or f"files:{self.folder}"

    # ------------------------------------------------------------------ lookup
    @property
    def symbols(self) -> list[str]:
        """Symbols with a file (in the folder, its interval sub-folders, or the mapping)."""
        if self._mapping is not None:
            return sorted(self._mapping)
        assert self.folder is not None
        found: set[str] = set()
        dirs = [self.folder] + [self.folder / d for names in _INTERVAL_DIRS.values() for d in names]
        for d in dict.fromkeys(dirs):
            if d.is_dir():
                for p in d.iterdir():
                    if p.is_file() and p.name.lower().endswith(FILE_SUFFIXES) and not p.name.startswith("."):
                        found.add(_stem(p))
        return sorted(found)

    def path_for(self, symbol: str, interval: str | None = None) -> tuple[Path, str | None]:
        """The file holding ``symbol`` (for ``interval``) and the interval its location implies.

        Raises
        ------
        PriceDataError
            When no file (or more than one) matches.
        """
        if self._mapping is not None:
            p = self._mapping.get(symbol)
            if p is None:
                raise PriceDataError(
                    f"{self.name}: no file for {symbol!r} (it maps {', '.join(self._mapping) or 'nothing'})"
                )
            return p, self.interval
        assert self.folder is not None
        places: list[tuple[Path, str | None]] = []
        if interval is not None:
            for sub in _INTERVAL_DIRS.get(interval, ()):
                places.append((self.folder / sub, interval))
        places.append((self.folder, self.interval))
        looked: list[str] = []
        for d, implied in places:
            if not d.is_dir():
                continue
            hits = self._matches(d, symbol)
            looked.append(str(d))
            if len(hits) > 1:
                raise PriceDataError(
                    f"{self.name}: several files for {symbol!r} in {d}: "
                    f"{', '.join(h.name for h in hits)}; keep one"
                )
            if hits:
                return hits[0], implied
        raise PriceDataError(
            f"{self.name}: no file for {symbol!r} (looked for {symbol}"
            f"{{{','.join(FILE_SUFFIXES)}}} in {', '.join(looked)}); it holds: "
            f"{', '.join(self.symbols) or 'nothing'}"
        )

    @staticmethod
    def _matches(folder: Path, symbol: str) -> list[Path]:
        exact = [folder / f"{symbol}{s}" for s in FILE_SUFFIXES]
        hits = [p for p in exact if p.is_file()]
        if hits:
            return hits
        key = symbol.casefold()
        return sorted(
            p
            for p in folder.iterdir()
            if p.is_file() and p.name.lower().endswith(FILE_SUFFIXES) and _stem(p).casefold() == key
        )

    def read(self, symbol: str, interval: Interval | None = None) -> pd.DataFrame:
        """All bars of ``symbol`` in its file (read once, then memoised)."""
        path, implied = self.path_for(symbol, interval)
        want = implied if implied is not None else None
        key = (path, want, symbol)
        with self._lock:
            frame = self._frames.get(key)
        if frame is None:
            frame = read_price_file(
                path,
                symbol=symbol,
                interval=want,  # type: ignore[arg-type]
                tz=self.tz,
                adjust=self.adjust,
                bad_ohlc=self.bad_ohlc,
                dayfirst=self.dayfirst,
            )
            with self._lock:
                self._frames[key] = frame
        return frame

    def fetch(
        self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, interval: Interval
    ) -> pd.DataFrame:
        """Bars of ``symbol`` in the range; see :class:`~mktnews.prices.base.PriceSource`."""
        frame = self.read(symbol, interval)
        held = str(frame.attrs.get("interval"))
        if not _same_interval(held, interval):
            path, _ = self.path_for(symbol, interval)
            raise PriceDataError(
                f"{path}: holds {held} bars of {symbol}; {interval} bars were asked for"
            )
        idx = frame.index
        if is_intraday(interval):
            out = frame.loc[(idx >= start) & (idx < end)]
        else:
            out = frame.loc[(idx >= start) & (idx <= end)]
        out = out.copy()
        out.attrs = {**frame.attrs, "interval": interval}
        return out

    def __repr__(self) -> str:
        where = self.folder if self.folder is not None else f"{len(self._mapping or {})} files"
        return f"FileSource({where})"
