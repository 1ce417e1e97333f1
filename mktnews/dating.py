"""Candidate publication dates for articles whose page does not say when it was published.

Evidence, and how it is combined (:func:`date_articles`):

1. **Capture bound** (hard). A ticker box showing session S's close-to-close change was
   captured after S's close and before the next session opened (see
   :func:`mktnews.capture_sessions`); the page existed then, so publication came before
   that opening. When a page's boxes leave several capture windows, each gives a bound.
2. **Search range** (hard, from the caller): publication dates outside it are excluded.
3. **Look-back** (an assumption, only when the caller gives ``lookback`` days): the page
   was captured within ``lookback`` calendar days after publication, so the candidates are
   the ``lookback`` dates ending with the bound's date. Seven days hold each weekday once,
   which makes weekday words decisive, but it is an assumption, not a fact: crawled pages
   often carry boxes captured months after publication. The default (``lookback=None``)
   assumes nothing: the candidates run from the start of the search range up to the
   bound, or, without a search range, the article gets ``date_status="bound_only"`` (only
   "published before the bound" is known). With ``lookback`` the ``assumption`` column of
   every article it narrows says that its date rests on it.
4. **Text** (soft). News copy names the day it reports on by weekday ("am Mittwoch",
   "Mittwochabend", "in der Nacht zum Freitag", "on Wednesday"; German agencies do not
   write "heute") and sometimes by date ("27. November", "27.11.2024", "November 27",
   "2024-11-27"). Rule: the publication date is the candidate the text names most often,
   counting one point per weekday word naming its weekday and one per explicit date naming
   it (a date without a year names that day and month in any year). Weekday words also
   name days before or after publication ("Am Donnerstag steht dann ... auf der Agenda");
   the rule relies on the day of publication being named most, which is how wire copy is
   written but not a law. When several candidates tie (or the text names no candidate), all
   of them remain and ``published_date`` is NaT: the result says it is ambiguous rather
   than guessing.

Habitual forms ("mittwochs", "Wednesdays") do not count; compounds with a time of day
("Mittwochabend", "Mittwochmorgen", "Mittwochnachmittag", ...) count for that weekday;
"Sonnabend" is Saturday.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mktnews.articles import Corpus
from mktnews.errors import InvalidOptionError, UnknownInstrumentError
from mktnews.events import (
    CaptureParts,
    as_corpus,
    capture_parts,
    published_ns,
    search_bounds,
    split_lists,
)
from mktnews.instruments import resolve_instrument
from mktnews.prices.base import PriceSource

__all__ = ["DATE_COLUMNS", "date_articles", "date_mentions", "weekday_mentions"]

#: Columns of :func:`date_articles`' frame.
DATE_COLUMNS: tuple[str, ...] = (
    "article_id",
    "published_date",
    "date_status",
    "n_candidates",
    "candidates",
    "evidence",
    "capture_status",
    "captured_before",
    "window_start",
    "window_end",
    "weekdays",
    "dates",
    "tz",
    "published_at",
    "known_date_is_candidate",
    "assumption",
)

_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DE_TIME = r"(?:abend|morgen|mittag|nachmittag|vormittag|nacht|früh)?"
_WEEKDAY_PATTERNS: tuple[str, ...] = (
    rf"\b(?:Montag{_DE_TIME}|Monday)\b",
    rf"\b(?:Dienstag{_DE_TIME}|Tuesday)\b",
    rf"\b(?:Mittwoch{_DE_TIME}|Wednesday)\b",
    rf"\b(?:Donnerstag{_DE_TIME}|Thursday)\b",
    rf"\b(?:Freitag{_DE_TIME}|Friday)\b",
    rf"\b(?:Samstag{_DE_TIME}|Sonnabend|Saturday)\b",
    rf"\b(?:Sonntag{_DE_TIME}|Sunday)\b",
)

_MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    (
        ("Januar", "Jänner", "January", "Jan"),
        ("Februar", "February", "Feb"),
        ("März", "Maerz", "March", "Mär", "Mar"),
        ("April", "Apr"),
        ("Mai", "May"),
        ("Juni", "June", "Jun"),
        ("Juli", "July", "Jul"),
        ("August", "Aug"),
        ("September", "Sept", "Sep"),
        ("Oktober", "October", "Okt", "Oct"),
        ("November", "Nov"),
        ("Dezember", "December", "Dez", "Dec"),
    ),
    start=1,
):
    for _n in _names:
        _MONTHS[_n] = _num
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_PATTERNS: tuple[tuple[str, str], ...] = (
    # 2024-11-27
    ("ymd", r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"),
    # 27.11.2024 / 27.11.24 / 27.11.
    ("dmy", r"(?<![\d.,])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4}|\d{2}(?!\d))?"),
    # 27. November (2024) / 27 November 2024
    ("d_month", rf"(?<![\d.,])(?P<d>\d{{1,2}})(?:\.|st|nd|rd|th)?\s+(?P<mn>{_MONTH_RE})\b\.?(?:\s+(?P<y>\d{{4}})\b)?"),
    # November 27(, 2024)
    ("month_d", rf"\b(?P<mn>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?!\.\d)(?:,?\s+(?P<y>\d{{4}})\b)?"),
)


def weekday_mentions(text: pd.Series) -> np.ndarray:
    """How often each text names each weekday (Monday = column 0), German or English.

    Parameters
    ----------
    text : Series of str

    Returns
    -------
    ndarray of int64, shape (len(text), 7)
    """
    s = pd.Series(text, copy=False).fillna("").astype("str")
    out = np.zeros((len(s), 7), dtype=np.int64)
    for wd, pattern in enumerate(_WEEKDAY_PATTERNS):
        out[:, wd] = s.str.count(pattern).to_numpy(dtype=np.int64)
    return out


def date_mentions(text: pd.Series) -> pd.DataFrame:
    """Explicit calendar dates named in each text.

    Parameters
    ----------
    text : Series of str

    Returns
    -------
    DataFrame
        One row per valid mention: ``row`` (position in ``text``), ``day``, ``month``,
        ``year`` (Int64, <NA> when the text gives none), ``match`` (as written).
    """
    s = pd.Series(text, copy=False).fillna("").astype(object).reset_index(drop=True)
    parts: list[pd.DataFrame] = []
    for kind, pattern in _DATE_PATTERNS:
        found = s.str.extractall(pattern)
        if found.empty:
            continue
        rows = found.index.get_level_values(0).to_numpy(dtype=np.int64)
        day = pd.to_numeric(found["d"]).to_numpy(dtype=np.int64)
        if "mn" in found.columns:
            month = found["mn"].map(_MONTHS).to_numpy(dtype=np.int64)
        else:
            month = pd.to_numeric(found["m"]).to_numpy(dtype=np.int64)
        year = pd.to_numeric(found["y"], errors="coerce").to_numpy(dtype=np.float64)
        year = np.where(year < 100, 2000 + year, year)
        full = s.str.extractall(f"(?P<all>{_strip_names(pattern)})")["all"].to_numpy()
        parts.append(
            pd.DataFrame(
                {"row": rows, "day": day, "month": month, "year": year, "match": full, "kind": kind}
            )
        )
    if not parts:
        return pd.DataFrame(
            {
                "row": np.empty(0, np.int64),
                "day": np.empty(0, np.int64),
                "month": np.empty(0, np.int64),
                "year": pd.array([], dtype="Int64"),
                "match": pd.Series([], dtype="str"),
            }
        )
    m = pd.concat(parts, ignore_index=True)
    # a valid day of that month (in a leap year when no year is given)
    yr = np.where(np.isnan(m["year"].to_numpy()), 2000, m["year"].to_numpy()).astype(np.int64)
    ok = (m["month"].between(1, 12) & m["day"].between(1, 31)).to_numpy()
    dt = pd.to_datetime(
        pd.DataFrame({"year": yr[ok], "month": m["month"].to_numpy()[ok], "day": m["day"].to_numpy()[ok]}),
        errors="coerce",
    )
    valid = np.zeros(len(m), dtype=bool)
    valid[np.flatnonzero(ok)] = dt.notna().to_numpy()
    m = m.loc[valid].sort_values(["row"], kind="stable").reset_index(drop=True)
    return pd.DataFrame(
        {
            "row": m["row"].to_numpy(dtype=np.int64),
            "day": m["day"].to_numpy(dtype=np.int64),
            "month": m["month"].to_numpy(dtype=np.int64),
            "year": pd.array(m["year"].to_numpy(), dtype="Int64"),
            "match": pd.Series(m["match"].to_numpy(), dtype="str"),
        }
    )


def _strip_names(pattern: str) -> str:
    """The pattern with its named groups made anonymous (to capture the whole match)."""
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


def _article_tz(corp: Corpus, snaps: pd.DataFrame, tz: str | None) -> np.ndarray:
    """Time zone per article: ``tz``; else its first voting box's instrument's; else its
    first box's; else UTC."""
    n = len(corp.articles)
    if tz is not None:
        return np.full(n, tz, dtype=object)
    out = np.full(n, "UTC", dtype=object)
    if len(snaps) == 0:
        return out
    pos = pd.Index(corp.articles["article_id"].astype("str")).get_indexer(pd.Index(snaps["article_id"]))
    voting = snaps["status"].isin(["unique", "ambiguous"]).to_numpy()
    tz_of: dict[str, str] = {}
    for sym in pd.unique(snaps["symbol"].dropna()):
        try:
            tz_of[str(sym)] = resolve_instrument(str(sym)).tz
        except UnknownInstrumentError:  # an unregistered symbol: keep UTC
            continue
    snap_tz = snaps["symbol"].astype(object).map(tz_of).to_numpy(dtype=object)
    has = pd.notna(snap_tz)
    # per article: a voting box with a known zone first, then any box with one
    order = np.lexsort((np.arange(len(snaps)), ~voting, ~has, pos))
    ps = pos[order]
    chosen = order[np.r_[True, ps[1:] != ps[:-1]]]
    chosen = chosen[has[chosen] & (pos[chosen] >= 0)]
    out[pos[chosen]] = snap_tz[chosen]
    return out


def _local_date(instants: pd.Series, tzs: np.ndarray) -> np.ndarray:
    """Local date (naive ns) of UTC instants, each in its own time zone."""
    v = pd.DatetimeIndex(instants).as_unit("ns")
    out = np.full(len(v), np.iinfo(np.int64).min, dtype=np.int64)
    for z in pd.unique(tzs):
        sel = tzs == z
        out[sel] = v[sel].tz_convert(str(z)).tz_localize(None).normalize().as_unit("ns").asi8
    return out


#: Candidate (article, date) rows scored at once.
_CHUNK_ROWS = 4_000_000


def _score_windows(
    w_art: np.ndarray,
    w_start: np.ndarray,
    w_end: np.ndarray,
    bound_inst: np.ndarray,
    w_label: np.ndarray,
    length: np.ndarray,
    wd: np.ndarray,
    dm: pd.DataFrame,
) -> pd.DataFrame:
    """Expand windows (whole articles) to dates, score them by the text, keep each
    article's best: columns art, date, bound, label, wd, dm, dm_text."""
    day = np.int64(86_400_000_000_000)
    tot = int(length.sum())
    c_art = np.repeat(w_art, length)
    offs = np.arange(tot) - np.repeat(np.cumsum(length) - length, length)
    cand = pd.DataFrame(
        {
            "art": c_art,
            "date": np.repeat(w_start, length) + offs * day,
            "bound": np.repeat(bound_inst, length),
            "label": np.repeat(w_label, length),
        }
    )
    cand = cand.sort_values(["art", "date", "bound"], ascending=[True, True, False], kind="stable")
    cand = cand.drop_duplicates(["art", "date"]).reset_index(drop=True)
    dates = pd.DatetimeIndex(cand["date"].to_numpy().view("M8[ns]"))
    ca = cand["art"].to_numpy(dtype=np.int64)
    wd_score = wd[ca, dates.day_of_week.to_numpy()] if len(cand) else np.zeros(0, np.int64)
    dm_score = np.zeros(len(cand), dtype=np.int64)
    dm_text = np.full(len(cand), "", dtype=object)
    if len(dm) and len(cand):
        cf = pd.DataFrame(
            {"i": np.arange(len(cand)), "row": ca, "month": dates.month, "day": dates.day, "year": dates.year}
        )
        j = cf.merge(dm, on=["row", "month", "day"], suffixes=("", "_m"))
        j = j.loc[
            j["year_m"].isna().to_numpy()
            | (j["year_m"].to_numpy(dtype=np.float64, na_value=np.nan) == j["year"].to_numpy())
        ]
        if len(j):
            j = j.sort_values("i", kind="stable")
            cnt = j.groupby("i").size()
            dm_score[cnt.index.to_numpy()] = cnt.to_numpy()
            quoted = ("'" + j["match"].astype(str) + "'").tolist()
            pieces = split_lists(quoted, j["i"].to_numpy(dtype=np.int64), len(cand))
            has = dm_score > 0
            dm_text[has] = [", ".join(x) for x in pieces[has]]
    score = wd_score + dm_score
    best = pd.Series(score).groupby(ca).transform("max").to_numpy() if len(cand) else score
    keep = score == best
    out = cand.loc[keep, ["art", "date", "bound", "label"]].reset_index(drop=True)
    out["wd"] = wd_score[keep]
    out["dm"] = dm_score[keep]
    out["dm_text"] = dm_text[keep]
    return out


def date_articles(
    corpus: Corpus | pd.DataFrame,
    *,
    source: PriceSource | None = None,
    search: Sequence[object] | None = None,
    lookback: int | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Candidate publication dates per article, from its ticker box and its text.

    See the module docstring for the evidence and the rule that combines it.

    Parameters
    ----------
    corpus : Corpus or DataFrame
    source : PriceSource, optional
        Daily prices to date the boxes (see :func:`mktnews.capture_sessions`).
    search : (start, end), optional
        Dates (inclusive) publication may lie in. Boxes are matched against every session
        from a week before ``start`` to the end of the data (a page can be captured long
        after publication; a capture before the range leaves no candidate). Without it,
        boxes are matched against the whole history and only articles with a capture bound
        get candidates (the ``lookback`` days up to the bound).
    lookback : int, optional
        Days up to the capture bound that publication is assumed to lie in (the page was
        captured within that many days after publication); the ``assumption`` column says
        so for every article it narrows. Default None: no assumption (the search range and
        the bound alone).
    tz : str, optional
        Time zone in which dates are counted. Default: the zone of the instrument of the
        article's first matching box, else UTC. Also read for naive ``published_at``.

    Returns
    -------
    DataFrame
        One row per article (:data:`DATE_COLUMNS`), in corpus order:
        ``published_date`` (the one remaining candidate, else NaT), ``date_status``
        (``unique``, ``ambiguous``, ``no_candidate``: the window is empty, e.g. the capture
        bound lies before the search range; ``bound_only``: a capture bound but neither a
        search range nor a look-back, so only "published before ``captured_before``" is
        known; ``no_evidence``: neither a capture bound nor a search range), ``candidates`` (list of dates) with ``evidence`` (list of str, one
        per candidate), ``capture_status`` (the page status of
        :func:`~mktnews.capture_sessions`), ``captured_before`` (the capture bound, UTC;
        the latest one when several windows remain), ``window_start``/``window_end``
        (the dates considered), ``weekdays`` (weekday words found, e.g.
        ``"Wednesday×2, Thursday×1"``), ``dates`` (explicit dates found), ``tz``,
        ``published_at`` and ``known_date_is_candidate`` (for articles whose publication
        time is known: whether its date is among the candidates -- a check of the method),
        ``assumption`` (what the date rests on beyond the data, e.g. the look-back; <NA>
        when nothing).

    Raises
    ------
    InvalidOptionError
        For a bad ``search`` or ``lookback``.
    """
    if lookback is not None and (not isinstance(lookback, int | np.integer) or lookback < 1):
        raise InvalidOptionError("lookback", lookback, reason="a positive number of days, or None")
    bounds = search_bounds(search)
    corp = as_corpus(corpus)
    arts = corp.articles
    n = len(arts)
    parts, tzs, cap_status = _captures(corp, source, bounds, tz)
    snaps = parts.snaps
    art_ids = parts.art_ids
    w = _date_windows(parts.windows, bounds, tzs, lookback, n)
    wd, dm = _text_evidence(arts)
    final = _candidates(w, wd, dm)
    f_dates = pd.DatetimeIndex(final["date"].to_numpy(dtype=np.int64).view("M8[ns]"))
    f_art = final["art"].to_numpy(dtype=np.int64)
    evidence = _evidence(final, f_dates, f_art, tzs, lookback, bounds)
    n_cand, pub_date, status, cand_lists, ev_lists = _verdicts(final, f_dates, f_art, evidence, w, tzs, n)
    assumption = _assumptions(final, f_art, lookback, n)
    wstart, wend, cb = _window_extent(w, n)
    pub_s, is_cand = _known_date_check(arts, tz, tzs, f_art, f_dates, n)
    out = pd.DataFrame(
        {
            "article_id": art_ids,
            "published_date": pd.Series(pub_date.view("M8[ns]")),
            "date_status": pd.Series(status, dtype="str"),
            "n_candidates": n_cand.astype(np.int64),
            "candidates": cand_lists,
            "evidence": ev_lists,
            "capture_status": pd.Series(cap_status, dtype="str"),
            "captured_before": pd.Series(pd.DatetimeIndex(cb.view("M8[ns]")).tz_localize("UTC")),
            "window_start": pd.Series(wstart.view("M8[ns]")),
            "window_end": pd.Series(wend.view("M8[ns]")),
            "weekdays": pd.Series(_weekday_text(wd), dtype="str"),
            "dates": split_lists([str(x) for x in dm["match"]], dm["row"].to_numpy(dtype=np.int64), n),
            "tz": pd.Series(tzs, dtype="str"),
            "published_at": pub_s,
            "known_date_is_candidate": is_cand,
            "assumption": pd.Series(assumption, dtype="str"),
        }
    )
    out.attrs = {"lookback": lookback, "search": bounds, "price_errors": snaps.attrs.get("price_errors", {})}
    return out


def _captures(
    corp: Corpus, source: PriceSource | None, bounds: tuple[pd.Timestamp, pd.Timestamp] | None,
    tz: str | None,
) -> tuple[CaptureParts, np.ndarray, np.ndarray]:
    """The capture windows of the boxes, each article's time zone and page status."""
    n = len(corp.articles)
    # boxes are searched from a week before the range on, without an end: a page may be
    # captured long after publication, and a capture before the range rules the range out
    parts = (
        capture_parts(corp, source, None, tz, search_from=bounds[0] - pd.Timedelta(days=7))
        if bounds is not None
        else capture_parts(corp, source, None, tz)
    )
    snaps = parts.snaps
    tzs = _article_tz(corp, snaps, tz)
    cap_status = np.full(n, "none", dtype=object)
    if len(snaps):
        pos = pd.Index(parts.art_ids).get_indexer(pd.Index(snaps["article_id"]))
        cap_status[pos] = snaps["page_status"].to_numpy(dtype=object)
    return parts, tzs, cap_status


def _text_evidence(arts: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Weekday words and explicit dates in each article's title and body."""
    n = len(arts)
    title = arts["title"].fillna("").astype("str") if "title" in arts else pd.Series([""] * n, dtype="str")
    body = arts["body"].fillna("").astype("str") if "body" in arts else pd.Series([""] * n, dtype="str")
    text = title.reset_index(drop=True) + "\n" + body.reset_index(drop=True)
    return weekday_mentions(text), date_mentions(text)


def _assumptions(final: pd.DataFrame, f_art: np.ndarray, lookback: int | None, n: int) -> np.ndarray:
    """Per article, what its date rests on beyond the data (the look-back), else None."""
    assumption = np.full(n, None, dtype=object)
    if lookback is not None:
        rests = np.zeros(n, dtype=bool)
        rests[f_art[final["bound"].to_numpy(dtype=np.int64) != np.iinfo(np.int64).min]] = True
        assumption[rests] = (
            f"lookback={lookback}: assumes the page was captured within {lookback} days after "
            "publication (not shown by the data)"
        )
    return assumption


@dataclass
class _Windows:
    """The windows of candidate dates, sorted by article: article, first and last date
    (local midnight, ns), capture bound instant (iNaT: none) and its label, length in days;
    and per article whether only the capture bound is known (with that bound and label)."""

    art: np.ndarray
    start: np.ndarray
    end: np.ndarray
    bound: np.ndarray
    label: np.ndarray
    length: np.ndarray
    bound_only: np.ndarray
    bo_bound: np.ndarray
    bo_label: np.ndarray


def _date_windows(
    win: pd.DataFrame, bounds: tuple[pd.Timestamp, pd.Timestamp] | None, tzs: np.ndarray,
    lookback: int | None, n: int,
) -> _Windows:
    """The windows of candidate dates of every article: capture windows (cut to the
    search range and the look-back) and, with a search range, the range alone for
    articles without one."""
    day = np.int64(86_400_000_000_000)
    w_art = win["art"].to_numpy(dtype=np.int64)
    w_hi = win["hi"].to_numpy(dtype=np.int64)
    far = w_hi == np.iinfo(np.int64).max
    w_bound_date = np.full(len(win), np.iinfo(np.int64).max, dtype=np.int64)
    if (~far).any():
        inst = pd.Series(pd.DatetimeIndex((w_hi[~far] - 1).view("M8[ns]")).tz_localize("UTC"))
        w_bound_date[~far] = _local_date(inst, tzs[w_art[~far]])
    s_lo = bounds[0].value if bounds is not None else np.iinfo(np.int64).min
    s_hi = bounds[1].value if bounds is not None else np.iinfo(np.int64).max
    w_end = np.minimum(w_bound_date, s_hi)
    if lookback is not None:
        w_start = np.where(far, s_lo, w_bound_date - (lookback - 1) * day)
        w_start = np.maximum(w_start, s_lo)
    else:
        w_start = np.full(len(win), s_lo, dtype=np.int64)
    bound_inst = np.where(far, np.iinfo(np.int64).min, w_hi)
    w_label = win["label"].to_numpy(dtype=object) if "label" in win else np.full(len(win), "", dtype=object)
    # articles without a capture window: the search range alone
    has_win = np.zeros(n, dtype=bool)
    has_win[w_art] = True
    free = np.flatnonzero(~has_win)
    if bounds is not None and free.size:
        w_art = np.r_[w_art, free]
        w_start = np.r_[w_start, np.full(free.size, s_lo)]
        w_end = np.r_[w_end, np.full(free.size, s_hi)]
        bound_inst = np.r_[bound_inst, np.full(free.size, np.iinfo(np.int64).min)]
        w_label = np.r_[w_label, np.full(free.size, "", dtype=object)]
    unbounded = (w_start == np.iinfo(np.int64).min) | (w_end == np.iinfo(np.int64).max)
    # articles whose only evidence is the capture bound (no look-back, no search range): no
    # candidate list (it would be every earlier date), only the bound
    bound_only = np.zeros(n, dtype=bool)
    bo_bound = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    bo_label = np.full(n, "", dtype=object)
    bo_w = unbounded & (bound_inst != np.iinfo(np.int64).min)
    if bo_w.any():
        bo_frame = pd.DataFrame({"art": w_art[bo_w], "b": bound_inst[bo_w], "label": w_label[bo_w]})
        latest = bo_frame.sort_values(["art", "b"]).groupby("art").last()
        bound_only[latest.index.to_numpy()] = True
        bo_bound[latest.index.to_numpy()] = latest["b"].to_numpy()
        bo_label[latest.index.to_numpy()] = latest["label"].to_numpy(dtype=object)
    if unbounded.any():  # a window reaching beyond the calendar with no search range
        keep_w = ~unbounded
        w_art, w_start, w_end, bound_inst, w_label = (
            w_art[keep_w], w_start[keep_w], w_end[keep_w], bound_inst[keep_w], w_label[keep_w]
        )
    length = np.maximum((w_end - w_start) // day + 1, 0)
    order = np.argsort(w_art, kind="stable")
    return _Windows(
        w_art[order], w_start[order], w_end[order], bound_inst[order], w_label[order], length[order],
        bound_only, bo_bound, bo_label,
    )


def _candidates(w: _Windows, wd: np.ndarray, dm: pd.DataFrame) -> pd.DataFrame:
    """The windows expanded to dates, scored, the best kept per article; in chunks of whole
    articles so that long search ranges stay within memory."""
    finals: list[pd.DataFrame] = []
    if len(w.art):
        first_w = np.flatnonzero(np.r_[True, w.art[1:] != w.art[:-1]])  # each article's first window
        art_rows = np.add.reduceat(w.length, first_w)
        chunk = (np.cumsum(art_rows) - art_rows) // _CHUNK_ROWS  # by each article's first row
        cut = np.r_[first_w[np.flatnonzero(np.r_[True, chunk[1:] != chunk[:-1]])], len(w.art)]
        for lo_w, hi_w in itertools.pairwise(cut.tolist()):
            sl = slice(int(lo_w), int(hi_w))
            finals.append(
                _score_windows(w.art[sl], w.start[sl], w.end[sl], w.bound[sl], w.label[sl], w.length[sl], wd, dm)
            )
    return (
        pd.concat(finals, ignore_index=True)
        if finals
        else pd.DataFrame({"art": np.empty(0, np.int64), "date": np.empty(0, np.int64), "bound": np.empty(0, np.int64),
                           "label": np.empty(0, dtype=object), "wd": np.empty(0, np.int64), "dm": np.empty(0, np.int64),
                           "dm_text": np.empty(0, dtype=object)})
    )


def _evidence(
    final: pd.DataFrame, f_dates: pd.DatetimeIndex, f_art: np.ndarray, tzs: np.ndarray,
    lookback: int | None, bounds: tuple[pd.Timestamp, pd.Timestamp] | None,
) -> np.ndarray:
    """One evidence string per remaining candidate date."""
    f_wd = final["wd"].to_numpy(dtype=np.int64)
    f_dm = final["dm"].to_numpy(dtype=np.int64)
    short = np.array(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], dtype=object)
    ev = (
        short[f_dates.day_of_week.to_numpy()]
        + " "
        + np.datetime_as_string(f_dates.to_numpy().astype("M8[D]")).astype(object)
        + ": "
    )
    wparts = np.where(
        f_wd > 0,
        "text names "
        + np.asarray(_WEEKDAY_NAMES, dtype=object)[f_dates.day_of_week.to_numpy()]
        + " "
        + f_wd.astype(str).astype(object)
        + "×; ",
        "",
    )
    dparts = np.where(
        f_dm > 0, "text names this date (" + final["dm_text"].to_numpy(dtype=object).astype(str) + "); ", ""
    )
    fb = final["bound"].to_numpy(dtype=np.int64)
    bparts = np.full(len(final), "", dtype=object)
    has_b = fb != np.iinfo(np.int64).min
    if has_b.any():
        loc = pd.Series(pd.DatetimeIndex(fb[has_b].view("M8[ns]")).tz_localize("UTC"))
        txt = np.empty(has_b.sum(), dtype=object)
        for z in pd.unique(tzs[f_art[has_b]]):
            sel = tzs[f_art[has_b]] == z
            local = pd.DatetimeIndex(loc[sel]).tz_convert(str(z)).tz_localize(None).to_numpy()
            txt[sel] = np.char.replace(np.datetime_as_string(local, unit="m"), "T", " ").astype(object) + f" {z}"
        look = f"within {lookback} days before it" if lookback is not None else "no look-back assumed"
        lab = final["label"].to_numpy(dtype=object)[has_b].astype(str)
        bparts[has_b] = (
            "box shows the close-to-close change of " + lab + ", so the page was captured before "
            + txt.astype(str) + f" ({look}); "
        )
    no_b = ~has_b
    bparts[no_b] = "no capture bound (search range only); "
    sparts = "in search range" if bounds is not None else "no search range"
    return ev + wparts + dparts.astype(object) + bparts + sparts


def _verdicts(
    final: pd.DataFrame, f_dates: pd.DatetimeIndex, f_art: np.ndarray, evidence: np.ndarray,
    w: _Windows, tzs: np.ndarray, n: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Series, pd.Series]:
    """Per article: the number of candidates, the date when one remains, the status, the
    candidate and evidence lists (bound-only articles: the bound as their evidence)."""
    n_cand = np.bincount(f_art, minlength=n)
    cand_lists = split_lists(list(f_dates), f_art, n)
    ev_lists = split_lists([str(e) for e in evidence], f_art, n)
    pub_date = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    single = n_cand == 1
    if single.any():
        first_of = pd.Series(np.arange(len(final))).groupby(f_art).first()
        arts_single = np.flatnonzero(single)
        pub_date[arts_single] = f_dates.asi8[first_of.reindex(arts_single).to_numpy()]
    had_window = np.zeros(n, dtype=bool)
    had_window[w.art] = True
    status = np.where(
        n_cand == 1, "unique", np.where(n_cand > 1, "ambiguous", np.where(had_window, "no_candidate", "no_evidence"))
    )
    w.bound_only &= n_cand == 0
    bound_only = w.bound_only
    status = np.where(bound_only, "bound_only", status)
    if bound_only.any():
        for a in np.flatnonzero(bound_only).tolist():
            when = pd.Timestamp(int(w.bo_bound[a]), tz="UTC").tz_convert(str(tzs[a]))
            ev_lists[a] = [
                f"box shows the close-to-close change of {w.bo_label[a]}, so the page was captured "
                f"before {when:%Y-%m-%d %H:%M} {tzs[a]}; no look-back given (lookback=) and no "
                "search range (search=): publication may be any earlier date"
            ]
    return n_cand, pub_date, status, cand_lists, ev_lists


def _window_extent(w: _Windows, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per article: first and last date of its windows and the latest capture bound."""
    wstart = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    wend = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    cb = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    cb[w.bound_only] = w.bo_bound[w.bound_only]
    if len(w.art):
        wf = pd.DataFrame({"art": w.art, "s": w.start, "e": w.end, "b": w.bound})
        gb = wf.loc[wf["b"] != np.iinfo(np.int64).min].groupby("art")["b"].max()
        cb[gb.index.to_numpy()] = gb.to_numpy()
        wf = wf.loc[wf["e"] >= wf["s"]]
        g = wf.groupby("art")
        wstart[g["s"].min().index.to_numpy()] = g["s"].min().to_numpy()
        wend[g["e"].max().index.to_numpy()] = g["e"].max().to_numpy()
    return wstart, wend, cb


def _known_date_check(
    arts: pd.DataFrame, tz: str | None, tzs: np.ndarray, f_art: np.ndarray,
    f_dates: pd.DatetimeIndex, n: int,
) -> tuple[pd.Series, pd.arrays.BooleanArray]:
    """The known publication times and, for those, whether their date is a candidate."""
    pub_ns = published_ns(arts, tz)
    pub_s = pd.Series(pd.DatetimeIndex(pub_ns.view("M8[ns]")).tz_localize("UTC"))
    known_date = _local_date(pub_s, tzs)
    known = pub_ns != np.iinfo(np.int64).min
    is_cand = pd.array([pd.NA] * n, dtype="boolean")
    if known.any():
        kd = pd.DataFrame({"art": np.flatnonzero(known), "date": known_date[known]})
        hit = kd.merge(pd.DataFrame({"art": f_art, "date": f_dates.asi8}), on=["art", "date"], how="left", indicator=True)
        is_cand[kd["art"].to_numpy()] = (hit["_merge"] == "both").to_numpy()
    return pub_s, is_cand

def _weekday_text(wd: np.ndarray) -> np.ndarray:
    out = np.full(len(wd), "", dtype=object)
    for k, name in enumerate(_WEEKDAY_NAMES):
        c = wd[:, k]
        part = np.where(c > 0, name + "×" + c.astype(str), "")
        sep = np.where((out != "") & (part != ""), ", ", "")
        out = out + sep + part
    return out
