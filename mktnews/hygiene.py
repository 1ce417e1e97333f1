"""Corpus hygiene: near-duplicate stories, confounding events, and a time-of-day profile
that shows whether a dataset's times are where an exchange's news falls.

- :func:`near_duplicates`: the same wire story from several outlets, or updated versions
  of one story, grouped by shingled Jaccard similarity of the normalised title and lede;
  the first publication is kept (``keep="first"``) and the others go to ``rejected`` with
  the id of the story they repeat, so they are counted and nothing is lost.
- :func:`flag_confounding`: events with another event on the same instrument inside a
  window (sessions around day 0, or a time span around publication).
- :func:`time_profile` / :func:`plot_time_profile`: when stories fall in each exchange's
  local day, and a warning when the profile fits the exchange's day much better after a
  shift by whole hours (times converted with the wrong sign or zone).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from mktnews.articles import Corpus, conform_rejected
from mktnews.errors import ArticleError, InvalidOptionError, UnknownInstrumentError
from mktnews.instruments import resolve_instrument
from mktnews.vocab import check_option

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "FeedTimeWarning",
    "flag_confounding",
    "near_duplicates",
    "plot_time_profile",
    "time_profile",
]

Keep = Literal["first", "all"]


class FeedTimeWarning(UserWarning):
    """A dataset's publication times look shifted by whole hours."""


# ---------------------------------------------------------------------------------------
# near-duplicates


def _shingle_matrix(texts: pd.Series, k: int) -> Any:
    """Binary sparse matrix documents x distinct word k-shingles."""
    from scipy import sparse

    norm = (
        texts.fillna("")
        .astype("str")
        .str.lower()
        .str.replace(r"[^\w]+", " ", regex=True)
        .str.strip()
    )
    tok = norm.str.split().explode()
    tok = tok[tok.notna() & (tok != "")]
    doc = tok.index.to_numpy(dtype=np.int64)
    words = tok.astype("str").to_numpy(dtype=object)
    n = len(texts)
    if len(words) == 0:
        return sparse.csr_matrix((n, 1), dtype=np.float64)
    parts = [pd.Series(words)]
    same = np.ones(len(words), dtype=bool)
    for j in range(1, k):
        nxt = np.r_[words[j:], np.full(j, "", dtype=object)]
        ndoc = np.r_[doc[j:], np.full(j, -1)]
        same &= ndoc == doc
        parts.append(pd.Series(nxt))
    sh = parts[0]
    for p in parts[1:]:
        sh = sh + " " + p
    # documents shorter than k words: their whole text is one shingle
    count = np.bincount(doc, minlength=n)
    short = count[doc] < k
    first_of_doc = np.r_[True, doc[1:] != doc[:-1]]
    keep = same | (short & first_of_doc)
    whole = norm.to_numpy(dtype=object)[doc]
    sh_vals = np.where(short, whole, sh.to_numpy(dtype=object))
    codes, _ = pd.factorize(pd.Series(sh_vals[keep], dtype="object"))
    rows = doc[keep]
    m = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, codes)), shape=(n, int(codes.max()) + 1 if len(codes) else 1)
    )
    m.data[:] = 1.0  # duplicates of a shingle in one document count once
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


def near_duplicates(
    corpus: Corpus,
    *,
    threshold: float = 0.8,
    within: str | pd.Timedelta | None = "3D",
    shingle: int = 3,
    lede_chars: int = 300,
    keep: Keep = "first",
) -> Corpus:
    """Group near-duplicate stories; keep the first publication of each group.

    Parameters
    ----------
    corpus : Corpus
        Articles with ``title``/``body`` and ``published_at``.
    threshold : float
        Jaccard similarity of the word ``shingle``-grams of the normalised title plus
        the first ``lede_chars`` characters of the body (lower case, punctuation removed)
        at or above which two stories are the same story. Groups are the connected
        components of such pairs.
    within : str or Timedelta or None
        Only stories published at most this far apart are compared (default 3 days;
        None: any distance; stories without a time then pair with any).
    shingle : int
        Words per shingle (stories with fewer words are one shingle).
    lede_chars : int
        Characters of the body compared with the title.
    keep : {"first", "all"}
        ``"first"``: later members of a group go to ``rejected`` ("near-duplicate of
        <id> (Jaccard 0.91)"), with their snapshots; ``"all"``: every article stays.

    Returns
    -------
    Corpus
        Articles with ``dup_group`` (the id of the group's first publication),
        ``dup_rank`` (0 for the first), ``dup_count`` (group size), ``dup_similarity``
        (highest Jaccard with another member; NaN for singletons) and ``novel``
        (``dup_rank == 0``). The first is the earliest ``published_at`` (missing times
        last), ties in corpus order.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    check_option("keep", keep, Keep)
    if not 0 < float(threshold) <= 1:
        raise InvalidOptionError("threshold", threshold, reason="must be in (0, 1]")
    if not isinstance(shingle, (int, np.integer)) or shingle < 1:
        raise InvalidOptionError("shingle", shingle, reason="must be an int >= 1")
    a = corpus.articles
    n = len(a)
    pub = a["published_at"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    i, j, jac = _similar_pairs(a, pub, float(threshold), within, int(shingle), int(lede_chars))
    g = coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    _, label = connected_components(g, directed=False)
    best = np.full(n, np.nan)
    if len(jac):
        both = pd.DataFrame({"k": np.r_[i, j], "v": np.r_[jac, jac]}).groupby("k")["v"].max()
        best[both.index.to_numpy()] = both.to_numpy()
    rank, first_pos, count = _ranks_in_groups(label, pub)
    ids = a["article_id"].astype("str").to_numpy()
    out = a.copy()
    out["dup_group"] = pd.Series(ids[first_pos], dtype="str")
    out["dup_rank"] = rank
    out["dup_count"] = count
    out["dup_similarity"] = best
    out["novel"] = rank == 0
    if keep == "all":
        return Corpus(out, corpus.snapshots, corpus.rejected, corpus.n_inputs)
    return _drop_later_copies(corpus, out, ids, rank, first_pos, best)


def _similar_pairs(
    a: pd.DataFrame, pub: np.ndarray, threshold: float, within: str | pd.Timedelta | None,
    shingle: int, lede_chars: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``i < j`` of articles at or above ``threshold`` Jaccard (and ``within`` apart)."""
    from scipy.sparse import triu

    text = (
        a["title"].fillna("").astype("str")
        + " "
        + a["body"].fillna("").astype("str").str.slice(0, lede_chars)
    )
    m = _shingle_matrix(text.reset_index(drop=True), shingle)
    size = np.asarray(m.sum(axis=1)).ravel()
    inter = triu(m @ m.T, k=1).tocoo()
    i, j, x = inter.row, inter.col, inter.data
    jac = x / np.maximum(size[i] + size[j] - x, 1.0)
    ok = jac >= threshold
    nat = np.iinfo(np.int64).min
    if within is not None:
        span = pd.Timedelta(within).value
        ti, tj = pub[i], pub[j]
        known = (ti != nat) & (tj != nat)
        ok &= known & (np.abs(ti - tj) <= span)
    return i[ok], j[ok], jac[ok]


def _ranks_in_groups(label: np.ndarray, pub: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per article: its rank in its group (by time, missing last, then corpus order), the
    position of the group's first article, and the group's size."""
    n = len(label)
    nat = np.iinfo(np.int64).min
    order_time = np.where(pub == nat, np.iinfo(np.int64).max, pub)
    order = np.lexsort((np.arange(n), order_time, label))
    lab_sorted = label[order]
    start = np.r_[True, lab_sorted[1:] != lab_sorted[:-1]] if n else np.zeros(0, bool)
    grp_start = np.maximum.accumulate(np.where(start, np.arange(n), 0)) if n else start
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n) - grp_start
    first_pos = np.empty(n, np.int64)
    first_pos[order] = order[grp_start]
    count = np.bincount(label, minlength=n)[label] if n else np.zeros(0, np.int64)
    return rank, first_pos, count


def _drop_later_copies(
    corpus: Corpus, out: pd.DataFrame, ids: np.ndarray, rank: np.ndarray,
    first_pos: np.ndarray, best: np.ndarray,
) -> Corpus:
    """The corpus without the later members of each group (to ``rejected``, with a reason)."""
    drop = rank > 0
    src = out["source"].astype("str").to_numpy()
    reasons = pd.DataFrame(
        {
            "source": src[drop],
            "reason": [
                f"article {ids[p]!r}: near-duplicate of {ids[first_pos[p]]!r} "
                f"(Jaccard {best[p]:.2f}; keep='all' keeps it)"
                for p in np.flatnonzero(drop).tolist()
            ],
        }
    )
    kept = out[~drop].reset_index(drop=True)
    snaps = corpus.snapshots[~corpus.snapshots["article_id"].isin(ids[drop])].reset_index(drop=True)
    rej = conform_rejected(pd.concat([corpus.rejected, reasons], ignore_index=True))
    return Corpus(kept, snaps, rej, corpus.n_inputs)


# ---------------------------------------------------------------------------------------
# confounding


def flag_confounding(
    events: pd.DataFrame,
    window: tuple[int, int] | tuple[str | pd.Timedelta, str | pd.Timedelta] = (-1, 1),
) -> pd.DataFrame:
    """Flag events with another event on the same instrument inside the window.

    Parameters
    ----------
    events : DataFrame
        From :func:`mktnews.align_events` (``symbol``, ``t0``, ``published_at``).
    window : (int, int) or (timedelta, timedelta)
        Integers: sessions relative to day 0 (daily events; the instrument's exchange
        calendar, or its events' own day-0 dates when it has none). Timedeltas (e.g.
        ``("-12h", "12h")``): a span around ``published_at``.

    Returns
    -------
    DataFrame
        ``events`` with ``n_confounding`` (other events of the same symbol inside the
        window; <NA> for events without day 0 or time) and ``confounded``.
    """
    lo_w, hi_w = window
    sessions_mode = isinstance(lo_w, (int, np.integer)) and isinstance(hi_w, (int, np.integer))
    if sessions_mode and events.attrs.get("interval", "1d") != "1d":
        raise InvalidOptionError(
            "window", window, reason="session windows need daily events; pass timedeltas "
            "(e.g. ('-2h', '2h')) for intraday events"
        )  # fmt: skip
    if not sessions_mode:
        lo_v, hi_v = pd.Timedelta(lo_w).value, pd.Timedelta(hi_w).value
    else:
        lo_v, hi_v = int(lo_w), int(hi_w)  # type: ignore[arg-type]
    if lo_v > hi_v:
        raise InvalidOptionError("window", window, reason="start after end")
    for col in ("symbol", "t0" if sessions_mode else "published_at"):
        if col not in events.columns:
            raise ArticleError(f"flag_confounding needs the events column {col!r}")
    n = len(events)
    count = np.full(n, -1, dtype=np.int64)
    sym = events["symbol"].astype("str").to_numpy()
    for s in pd.unique(sym[pd.notna(events["symbol"]).to_numpy()]):
        idx = np.flatnonzero(sym == s)
        if sessions_mode:
            t0 = (
                pd.to_datetime(events["t0"].iloc[idx])
                .dt.tz_localize(None)
                .to_numpy(dtype="datetime64[ns]")
            )
            have = ~np.isnat(t0)
            cal = None
            try:
                cal = resolve_instrument(str(s)).calendar
            except UnknownInstrumentError:
                cal = None
            if cal:
                from mktnews.calendars import calendar_sessions

                sess = calendar_sessions(cal).index.to_numpy(dtype="datetime64[ns]")
            else:
                sess = np.unique(t0[have])
            pos = np.searchsorted(sess, t0).astype(np.int64)
        else:
            pub = pd.to_datetime(events["published_at"].iloc[idx], utc=True)
            have = pub.notna().to_numpy()
            pos = pub.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").astype(np.int64)
        p = pos[have]
        srt = np.sort(p)
        lo = np.searchsorted(srt, p + lo_v, side="left")
        hi = np.searchsorted(srt, p + hi_v, side="right")
        sub = np.full(len(idx), -1, dtype=np.int64)
        sub[have] = hi - lo - 1
        count[idx] = sub
    out = events.copy()
    out["n_confounding"] = pd.array(np.where(count >= 0, count, 0), dtype="Int64")
    out.loc[count < 0, "n_confounding"] = pd.NA
    out["confounded"] = count > 0
    out.attrs = dict(events.attrs)
    out.attrs["confounding_window"] = window
    return out


# ---------------------------------------------------------------------------------------
# time-of-day profile


def _calendar_of(name: str) -> str | None:
    try:
        return resolve_instrument(name).calendar
    except UnknownInstrumentError:
        return None


def time_profile(
    corpus: Corpus,
    *,
    calendar: str | None = None,
    min_articles: int = 30,
    warn: bool = True,
) -> pd.DataFrame:
    """When stories fall in each exchange's local day.

    Parameters
    ----------
    corpus : Corpus
        Articles with ``published_at`` and instruments (snapshot rows, else the
        ``instrument`` column).
    calendar : str, optional
        Exchange calendar code for every story (e.g. ``"XNYS"`` for a US stock feed whose
        tickers the registry does not know). Default: each instrument's calendar; stories
        whose instrument has none are not profiled (``attrs["unplaced"]`` counts them).
    min_articles : int
        Fewest stories of a calendar for the shift diagnosis.
    warn : bool
        Emit a :class:`FeedTimeWarning` for a calendar whose profile looks shifted.

    Returns
    -------
    DataFrame
        Index (``calendar``, ``hour`` 0-23 in the exchange's local time): ``n``, ``share``,
        ``in_session`` (the hour overlaps the typical regular session). ``attrs``:
        ``diagnostics`` (one row per calendar: ``tz``, ``open``, ``close`` (typical local
        hours), ``n``, ``share_pre``/``share_regular``/``share_post`` (local time before the
        open, in the session, after the close), ``share_midnight`` (exactly 00:00:00: dates
        without times), ``share_core`` (within the open - 3 h .. close + 2 h news day),
        ``best_shift`` (whole hours to add to the times to maximise that share: the
        middle of the shifts that do, 0 when 0 is among them; ``shift_min``/``shift_max``
        the range of those shifts) and
        ``share_core_shifted``, ``warning``) and ``unplaced``.

    Notes
    -----
    A shift is reported when at least ``min_articles`` stories are profiled, the best
    shift is not 0, and it raises the news-day share by at least 0.2 to at least 0.6.
    """
    frame, unplaced = _stories_by_calendar(corpus, calendar)
    rows: list[pd.DataFrame] = []
    diags: list[dict[str, Any]] = []
    for code, g in frame.groupby("calendar", sort=True):
        prof, diag = _profile_of(str(code), code, g["published_at"], min_articles)
        rows.append(prof)
        diags.append(diag)
        msg = diag["warning"]
        if msg and warn:
            warnings.warn(msg, FeedTimeWarning, stacklevel=2)
    out = (
        pd.concat(rows, ignore_index=True).set_index(["calendar", "hour"])
        if rows
        else pd.DataFrame(
            {"n": [], "share": [], "in_session": []},
            index=pd.MultiIndex.from_arrays([[], []], names=["calendar", "hour"]),
        )
    )
    out.attrs["diagnostics"] = pd.DataFrame(diags)
    out.attrs["unplaced"] = unplaced
    return out


def _stories_by_calendar(corpus: Corpus, calendar: str | None) -> tuple[pd.DataFrame, int]:
    """One row per (article, calendar) with its publication time, and how many stories
    have no calendar or no time (left out of the profile)."""
    a = corpus.articles
    snaps = corpus.snapshots
    # every snapshot row, plus the instrument column of articles without one
    bare = a.loc[~a["article_id"].isin(snaps["article_id"]), ["article_id", "instrument"]]
    inst = pd.concat([snaps[["article_id", "instrument"]], bare], ignore_index=True)
    pub = a.set_index("article_id")["published_at"]
    frame = pd.DataFrame(
        {"instrument": inst["instrument"].astype("str").to_numpy(),
         "published_at": pub.reindex(inst["article_id"].astype("str")).to_numpy()}
    )  # fmt: skip
    frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True)
    if calendar is not None:
        frame["calendar"] = calendar
    else:
        names = frame["instrument"].dropna().unique()
        cal_map = {nm: _calendar_of(str(nm)) for nm in names}
        frame["calendar"] = frame["instrument"].map(cal_map)
    frame["article_id"] = inst["article_id"].astype("str").to_numpy()
    # an article counts once per calendar (a box naming the DAX and the MDAX is one Xetra story)
    frame = frame.drop_duplicates(["article_id", "calendar"])
    placed = frame["calendar"].notna() & frame["published_at"].notna()
    return frame[placed], int((~placed).sum())


def _profile_of(
    code: str, label: object, t: pd.Series, min_articles: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The hourly profile of one calendar's stories (times ``t``) and its diagnostics row."""
    from mktnews.calendars import calendar_sessions, get_calendar

    cal = get_calendar(code)
    tz = str(cal.tz)
    sched = calendar_sessions(code)
    sess = sched.loc[t.min().tz_convert(tz).normalize().tz_localize(None) :].head(260)
    if len(sess) == 0:
        sess = sched.tail(260)
    o = sess["open"].dt.tz_convert(tz)
    c = sess["close"].dt.tz_convert(tz)
    open_h = float(np.median(o.dt.hour + o.dt.minute / 60))
    close_h = float(np.median(c.dt.hour + c.dt.minute / 60))
    local = t.dt.tz_convert(tz)
    hod = (local.dt.hour + local.dt.minute / 60 + local.dt.second / 3600).to_numpy()
    hours = np.floor(hod).astype(int)
    cnt = np.bincount(hours, minlength=24)
    prof = pd.DataFrame(
        {
            "calendar": label,
            "hour": np.arange(24),
            "n": cnt,
            "share": cnt / max(len(hod), 1),
            "in_session": (np.arange(24) + 1 > open_h) & (np.arange(24) < close_h),
        }
    )
    lo_core, hi_core = open_h - 3, close_h + 2
    best, cand, at0, atb = _best_shift(hod, lo_core, hi_core)
    midnight = float(
        ((local.dt.hour == 0) & (local.dt.minute == 0) & (local.dt.second == 0)).mean()
    )
    msg = ""
    if len(hod) >= min_articles and best != 0 and atb - at0 >= 0.2 and atb >= 0.6:
        msg = (
            f"{label}: stories fall where {label}'s news day is only after shifting them "
            f"by {best:+d} h (any of {int(cand.min()):+d}..{int(cand.max()):+d} h fits; "
            f"{at0:.0%} -> {atb:.0%} within {lo_core:.1f}-{hi_core:.1f} h "
            f"{tz}); check the zone the feed's times were converted with (tz=)"
        )
    if len(hod) >= min_articles and midnight >= 0.5:
        msg = (msg + "; " if msg else "") + (
            f"{label}: {midnight:.0%} of stories are at exactly 00:00:00 local: the times "
            "look like dates without a time of day"
        )
    diag = {
        "calendar": label, "tz": tz, "open": open_h, "close": close_h, "n": len(hod),
        "share_pre": float((hod < open_h).mean()),
        "share_regular": float(((hod >= open_h) & (hod < close_h)).mean()),
        "share_post": float((hod >= close_h).mean()),
        "share_midnight": midnight, "share_core": at0, "best_shift": best,
        "share_core_shifted": atb, "shift_min": int(cand.min()),
        "shift_max": int(cand.max()), "warning": msg,
    }  # fmt: skip
    return prof, diag


def _best_shift(
    hod: np.ndarray, lo_core: float, hi_core: float
) -> tuple[int, np.ndarray, float, float]:
    """The whole-hour shift that puts most stories (local hours ``hod``) in the news day
    ``lo_core``..``hi_core``: the shift, every shift that fits, the share at 0 and at it."""
    # shifts -23..23 h cover every residue twice, so a fitting range that wraps round
    # midnight is one contiguous run in this array
    shifts = np.arange(-23, 24)
    shifted = (hod[None, :] + shifts[:, None]) % 24
    core = ((shifted >= lo_core) & (shifted < hi_core)).mean(axis=1)
    fits = core >= core.max() - 0.02  # every shift within 0.02 of the best share fits
    edges = np.flatnonzero(np.diff(np.r_[0, fits.astype(np.int8), 0]))
    runs = [
        (int(shifts[b]), int(shifts[e - 1]))
        for b, e in zip(edges[::2], edges[1::2], strict=True)
    ]
    runs = [r for r in runs if -12 <= (r[0] + r[1]) / 2 <= 12] or runs
    zero = [r for r in runs if r[0] <= 0 <= r[1]]
    run = zero[0] if zero else max(runs, key=lambda r: (r[1] - r[0], -abs(r[0] + r[1])))
    best = 0 if zero else int(np.round((run[0] + run[1]) / 2))
    cand = np.arange(run[0], run[1] + 1)
    return best, cand, float(core[shifts == 0][0]), float(core[shifts == best][0])


def plot_time_profile(
    profile: pd.DataFrame, calendar: str | None = None, *, ax: Axes | None = None
) -> Axes:
    """Bar chart of a :func:`time_profile`: share of stories per local hour, the regular
    session shaded.

    Parameters
    ----------
    profile : DataFrame
        From :func:`time_profile`.
    calendar : str, optional
        Which calendar to draw (default: the first).
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    Axes
    """
    import matplotlib.pyplot as plt

    cals = list(dict.fromkeys(profile.index.get_level_values("calendar")))
    if not cals:
        raise ArticleError("the profile is empty: no story could be placed on a calendar")
    code = calendar if calendar is not None else cals[0]
    if code not in cals:
        raise InvalidOptionError("calendar", code, accepted=tuple(str(c) for c in cals))
    p = profile.xs(code, level="calendar")
    diag = profile.attrs.get("diagnostics")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3))
    ax.bar(p.index, p["share"], width=0.9, color="C0", align="edge")
    if isinstance(diag, pd.DataFrame) and len(diag):
        d: dict[Any, Any] = diag.set_index("calendar").loc[code].to_dict()
        ax.axvspan(d["open"], d["close"], color="C1", alpha=0.15, label="regular session")
        ax.set_xlabel(f"hour of day ({d['tz']})")
        if d["warning"]:
            ax.set_title(f"{code}: times look shifted by {int(d['best_shift']):+d} h")
        else:
            ax.set_title(f"{code}: {int(d['n'])} stories")
        ax.legend(loc="upper left")
    ax.set_xlim(0, 24)
    ax.set_ylabel("share of stories")
    return ax
