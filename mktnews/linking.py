"""Link stories to instruments when the feed does not: cashtags, exchange-qualified
mentions and dictionary names, each link with its evidence and a relevance.

Three kinds of evidence, found in the title, the lede (the first ``lede_chars`` characters
of the body, to the end of the word) and the rest of the body:

- ``cashtag``: ``$AAPL``, ``$BRK.B`` (a ``$`` not preceded by a letter, digit or ``$``,
  then 1-6 capitals; ``$5bn`` and ``US$`` are not cashtags);
- ``exchange``: ``(NASDAQ: AAPL)``, ``(XETRA: SAP)``, ``NYSE: IBM``: an exchange name, a
  colon and a ticker; the symbol gets the exchange's Yahoo suffix (``SAP.DE``,
  ``VOD.L``, none for US exchanges) and the exchange is kept in the evidence;
- ``name``: a name of the dictionary, matched case-sensitively on word boundaries, longest
  first: the registry's instrument names and aliases (:func:`mktnews.instrument_table`)
  plus the caller's table name -> symbol. Text inside an exchange-qualified mention is not
  searched for names (``(Nasdaq: AAPL)`` does not name the Nasdaq Composite).

Relevance of a mention: 1.0 in the title, 0.6 in the lede, 0.3 further down; a link's
relevance is that of its best mention, ``mentions`` counts them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from mktnews.articles import Corpus, conform_snapshots
from mktnews.errors import ArticleError, InvalidOptionError, UnknownInstrumentError
from mktnews.instruments import instrument_table, resolve_instrument

__all__ = ["EXCHANGE_SUFFIXES", "RELEVANCE", "find_mentions", "link_instruments"]

#: Relevance of a mention by where it stands.
RELEVANCE: dict[str, float] = {"title": 1.0, "lede": 0.6, "body": 0.3}

#: Exchange names as printed in "(EXCHANGE: TICKER)" -> Yahoo symbol suffix.
EXCHANGE_SUFFIXES: dict[str, str] = {
    "NASDAQ": "", "NASDAQGS": "", "NASDAQGM": "", "NASDAQCM": "", "NYSE": "",
    "NYSE AMERICAN": "", "NYSE MKT": "", "NYSE ARCA": "", "AMEX": "", "CBOE": "",
    "OTC": "", "OTCQX": "", "OTCQB": "", "OTC MARKETS": "",
    "XETRA": ".DE", "ETR": ".DE", "FRA": ".F", "FWB": ".F", "LSE": ".L", "LON": ".L",
    "TSX": ".TO", "TSXV": ".V", "TSX-V": ".V", "EPA": ".PA", "EURONEXT PARIS": ".PA",
    "AMS": ".AS", "EURONEXT AMSTERDAM": ".AS", "EBR": ".BR", "SIX": ".SW", "SWX": ".SW",
    "ASX": ".AX", "HKEX": ".HK", "HKG": ".HK", "TYO": ".T", "BME": ".MC", "BIT": ".MI",
    "STO": ".ST", "CPH": ".CO", "HEL": ".HE", "OSL": ".OL", "VIE": ".VI", "NSE": ".NS",
    "BSE": ".BO", "KRX": ".KS", "JSE": ".JO",
}  # fmt: skip

_EXCH_ALT = "|".join(
    re.escape(k).replace(r"\ ", r"\s+") for k in sorted(EXCHANGE_SUFFIXES, key=len, reverse=True)
)
_EXCHANGE = re.compile(
    rf"(?<![\w])(?i:(?P<exch>{_EXCH_ALT}))\s*:\s*(?P<tick>[A-Z0-9][A-Z0-9]{{0,5}}(?:[.\-][A-Z0-9]{{1,3}})?)\b"
)
_CASHTAG = re.compile(r"(?<![\w$])\$(?P<tick>[A-Z]{1,6}(?:\.[A-Z]{1,3})?)\b")


def _dictionary(
    dictionary: Mapping[str, str] | pd.DataFrame | None, registry: bool
) -> dict[str, str]:
    names: dict[str, str] = {}
    if registry:
        t = instrument_table()
        for sym, name, aliases in zip(t["symbol"], t["name"], t["aliases"], strict=True):
            for nm in [name, *[a.strip() for a in str(aliases).split(",") if a.strip()]]:
                names.setdefault(str(nm), str(sym))
    if dictionary is None:
        return names
    if isinstance(dictionary, pd.DataFrame):
        missing = [c for c in ("name", "symbol") if c not in dictionary.columns]
        if missing:
            raise InvalidOptionError(
                "dictionary",
                "DataFrame",
                reason=f"needs the columns name, symbol; missing {missing}",
            )
        pairs: Iterable[tuple[str, str]] = zip(
            dictionary["name"].astype(str), dictionary["symbol"].astype(str), strict=True
        )
    elif isinstance(dictionary, Mapping):
        pairs = ((str(k), str(v)) for k, v in dictionary.items())
    else:
        raise InvalidOptionError(
            "dictionary", type(dictionary).__name__, reason="expected a mapping name -> symbol "
            "or a DataFrame with columns name, symbol"
        )  # fmt: skip
    for k, v in pairs:
        if k.strip():
            names[k.strip()] = v.strip()  # the caller's table wins over the registry
    return names


def _segments(corpus: Corpus, lede_chars: int) -> pd.DataFrame:
    a = corpus.articles
    body = a["body"].fillna("").astype("str")
    parts = body.str.extract(rf"^(?P<lede>[\s\S]{{0,{lede_chars}}}\S*)(?P<rest>[\s\S]*)$")
    return pd.DataFrame(
        {
            "title": a["title"].fillna("").astype("str"),
            "lede": parts["lede"].fillna("").astype("str"),
            "body": parts["rest"].fillna("").astype("str"),
        }
    )


def _hits(texts: pd.Series, pattern: re.Pattern[str] | str, group: str) -> pd.DataFrame:
    """Every match of ``pattern`` in ``texts``: article position, matched text, group."""
    m = texts.str.extractall(
        f"(?P<__all>{pattern if isinstance(pattern, str) else pattern.pattern})"
    )
    if m.empty:
        return pd.DataFrame({"art": np.empty(0, np.int64), "text": [], "value": []})
    art = m.index.get_level_values(0).to_numpy(dtype=np.int64)
    return pd.DataFrame(
        {"art": art, "text": m["__all"].astype("str").to_numpy(), "value": m[group].to_numpy()}
    ).reset_index(drop=True)


def find_mentions(
    corpus: Corpus,
    dictionary: Mapping[str, str] | pd.DataFrame | None = None,
    *,
    registry: bool = True,
    lede_chars: int = 300,
) -> pd.DataFrame:
    """Every instrument mention in the articles' titles and bodies.

    Parameters
    ----------
    corpus : Corpus
        Articles (``title``, ``body``).
    dictionary : mapping or DataFrame, optional
        Names -> symbol (a mapping, or a frame with ``name`` and ``symbol``), searched as
        written (case-sensitive, whole words); added to the registry's names and aliases.
    registry : bool
        Search the registry's names and aliases too (default True).
    lede_chars : int
        Length of the lede: the first ``lede_chars`` characters of the body (to the end of
        the word).

    Returns
    -------
    DataFrame
        One row per mention: ``article_id``, ``symbol``, ``method`` (cashtag, exchange,
        name), ``where`` (title, lede, body), ``evidence`` (the text matched),
        ``relevance`` (:data:`RELEVANCE`).
    """
    if not isinstance(lede_chars, (int, np.integer)) or lede_chars < 0:
        raise InvalidOptionError("lede_chars", lede_chars, reason="must be an int >= 0")
    names = _dictionary(dictionary, registry)
    seg = _segments(corpus, int(lede_chars))
    ids = corpus.articles["article_id"].astype("str").to_numpy()
    name_re = (
        "(?<![\\w$])(?P<name>"
        + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        + ")(?![\\w])"
        if names
        else None
    )
    frames: list[pd.DataFrame] = []
    for where, texts in seg.items():
        frames += _mentions_in(str(where), texts, names, name_re)
    if not frames:
        return pd.DataFrame(
            {
                "article_id": pd.Series([], dtype="str"),
                "symbol": pd.Series([], dtype="str"),
                "method": pd.Series([], dtype="str"),
                "where": pd.Series([], dtype="str"),
                "evidence": pd.Series([], dtype="str"),
                "relevance": pd.Series([], dtype="float64"),
            }
        )
    m = pd.concat(frames, ignore_index=True)
    order = {"title": 0, "lede": 1, "body": 2}
    m = m.assign(_w=m["where"].map(order)).sort_values(["art", "_w"], kind="stable")
    out = pd.DataFrame(
        {
            "article_id": pd.Series(ids[m["art"].to_numpy()], dtype="str"),
            "symbol": m["symbol"].astype("str").to_numpy(),
            "method": m["method"].astype("str").to_numpy(),
            "where": m["where"].astype("str").to_numpy(),
            "evidence": m["evidence"].astype("str").to_numpy(),
            "relevance": m["where"].map(RELEVANCE).to_numpy(dtype="float64"),
        }
    )
    return out.astype({"symbol": "str", "method": "str", "where": "str", "evidence": "str"})


def _mentions_in(
    where: str, texts: pd.Series, names: dict[str, str], name_re: str | None
) -> list[pd.DataFrame]:
    """The exchange-qualified, cashtag and name mentions in one part (title, lede, body)."""
    frames: list[pd.DataFrame] = []
    ex = _hits(texts, _EXCHANGE, "tick")
    if len(ex):
        exch = ex["text"].str.extract(r"^([^:]+?)\s*:", expand=False).str.upper()
        exch = exch.str.replace(r"\s+", " ", regex=True)
        suffix = exch.map(EXCHANGE_SUFFIXES).fillna("")
        frames.append(
            pd.DataFrame(
                {
                    "art": ex["art"],
                    "symbol": ex["value"].astype("str") + suffix,
                    "method": "exchange",
                    "where": where,
                    "evidence": ex["text"],
                }
            )
        )
    ct = _hits(texts, _CASHTAG, "tick")
    if len(ct):
        frames.append(
            pd.DataFrame(
                {
                    "art": ct["art"],
                    "symbol": ct["value"].astype("str"),
                    "method": "cashtag",
                    "where": where,
                    "evidence": ct["text"],
                }
            )
        )
    if name_re is not None:
        blanked = texts.str.replace(_EXCHANGE.pattern, " ", regex=True)
        nm = _hits(blanked, name_re, "name")
        if len(nm):
            frames.append(
                pd.DataFrame(
                    {
                        "art": nm["art"],
                        "symbol": nm["value"].map(names).astype("str"),
                        "method": "name",
                        "where": where,
                        "evidence": nm["text"],
                    }
                )
            )
    return frames


def _symbol_of(name: Any) -> str:
    try:
        return resolve_instrument(str(name)).symbol
    except UnknownInstrumentError:
        return str(name)


def link_instruments(
    corpus: Corpus,
    dictionary: Mapping[str, str] | pd.DataFrame | None = None,
    *,
    registry: bool = True,
    lede_chars: int = 300,
    min_relevance: float = 0.0,
    max_instruments: int | None = None,
) -> Corpus:
    """Find the instruments each story names and add them as snapshot rows.

    Parameters
    ----------
    corpus : Corpus
        Articles, e.g. from :func:`mktnews.read_feed` or :func:`mktnews.read_articles`.
    dictionary : mapping or DataFrame, optional
        The caller's names -> symbol (see :func:`find_mentions`).
    registry : bool
        Also match the registry's names and aliases (default True).
    lede_chars : int
        Length of the lede (see :func:`find_mentions`).
    min_relevance : float
        Keep links whose best mention has at least this relevance (0.6: title or lede).
    max_instruments : int, optional
        Articles linked to more instruments than this keep no new links (a note says so).

    Returns
    -------
    Corpus
        The same articles (plus ``linked``: the linked symbols, best first, and a note on
        articles over ``max_instruments``) and rejects. ``snapshots``: the existing rows
        and one row per new (article, symbol) with ``link_method``, ``link_where``,
        ``link_evidence`` (best mention), ``relevance`` and ``mentions``; an existing row
        whose instrument resolves to a linked symbol gets the link's columns instead of a
        second row. ``articles.instrument`` is filled with the best link where it was
        missing.
    """
    if not isinstance(corpus, Corpus):
        raise ArticleError("link_instruments expects a Corpus (read_feed / read_articles)")
    m = find_mentions(corpus, dictionary, registry=registry, lede_chars=lede_chars)
    a = corpus.articles
    links = _best_links(m, float(min_relevance))
    notes = a["notes"].astype("object").copy()
    if max_instruments is not None and len(links):
        links = _cap_links(a, links, max_instruments, notes)
    out_snaps = _linked_snapshots(a, corpus.snapshots, links)
    arts = a.copy()
    arts["notes"] = pd.Series(notes.to_numpy(), dtype="str")
    linked = links.groupby("article_id", sort=False)["symbol"].agg(list)
    arts["linked"] = pd.Series([linked.get(x, []) for x in arts["article_id"]], dtype="object")
    best = links.groupby("article_id", sort=False)["symbol"].first()
    fill = pd.Series(arts["article_id"].map(best).to_numpy(), dtype="str")
    arts["instrument"] = arts["instrument"].fillna(fill)
    return Corpus(arts, out_snaps, corpus.rejected, corpus.n_inputs)


def _best_links(m: pd.DataFrame, min_relevance: float) -> pd.DataFrame:
    """One link per (article, symbol): its best mention, with ``mentions`` counted."""
    if len(m):
        m = m.assign(_r=-m["relevance"]).sort_values(["article_id", "_r"], kind="stable")
        g = m.groupby(["article_id", "symbol"], sort=False)
        links = g.first().reset_index()
        links["mentions"] = g.size().to_numpy()
        links = links[links["relevance"] >= min_relevance]
        return links.sort_values(["article_id", "_r"], kind="stable").drop(columns="_r")
    return m.assign(mentions=pd.Series([], dtype="int64"))


def _cap_links(
    a: pd.DataFrame, links: pd.DataFrame, max_instruments: int, notes: pd.Series
) -> pd.DataFrame:
    """Links without those of articles over ``max_instruments`` (a note is set in ``notes``)."""
    per = links.groupby("article_id")["symbol"].transform("size")
    over_ids = links.loc[per > max_instruments, "article_id"].unique()
    if len(over_ids):
        over = a["article_id"].isin(over_ids).to_numpy()
        cnt = links.groupby("article_id").size()
        for pos in np.flatnonzero(over).tolist():
            aid = a["article_id"].iloc[pos]
            note = f"linking found {int(cnt[aid])} instruments (> max_instruments={max_instruments}); none added"
            old = notes.iloc[pos]
            notes.iloc[pos] = f"{old}; {note}" if isinstance(old, str) and old else note
        links = links[~links["article_id"].isin(over_ids)]
    return links


def _linked_snapshots(a: pd.DataFrame, snapshots: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """The snapshot rows with the links: existing rows of a linked symbol get the link's
    columns, the other links become new rows after the article's existing ones."""
    snaps = snapshots.copy()
    uniq = snaps["instrument"].astype("str").unique()
    sym_map = {u: _symbol_of(u) for u in uniq}  # one resolution per distinct name
    snaps["_sym"] = snaps["instrument"].astype("str").map(sym_map)
    key_s = snaps["article_id"].astype("str") + "\x1f" + snaps["_sym"].astype("str")
    key_l = links["article_id"].astype("str") + "\x1f" + links["symbol"].astype("str")
    info = links.set_index(key_l.to_numpy())
    cols = {"method": "link_method", "where": "link_where", "evidence": "link_evidence"}
    for src, dst in cols.items():
        prev = snaps[dst] if dst in snaps else pd.Series([np.nan] * len(snaps), dtype="str")
        snaps[dst] = prev.fillna(pd.Series(key_s.map(info[src]).to_numpy(), dtype="str"))
    for src in ("relevance", "mentions"):
        prev = snaps[src] if src in snaps else pd.Series(np.nan, index=snaps.index)
        snaps[src] = prev.fillna(key_s.map(info[src]).astype("float64"))
    new = links[~key_l.isin(key_s).to_numpy()]
    next_pos = snaps.groupby("article_id")["position"].max() + 1 if len(snaps) else pd.Series()
    start = new["article_id"].map(next_pos).fillna(0).astype("int64").to_numpy()
    rank = new.groupby("article_id").cumcount().to_numpy()
    add = pd.DataFrame(
        {
            "article_id": new["article_id"].to_numpy(),
            "position": start + rank,
            "instrument": new["symbol"].to_numpy(),
            "link_method": new["method"].to_numpy(),
            "link_where": new["where"].to_numpy(),
            "link_evidence": new["evidence"].to_numpy(),
            "relevance": new["relevance"].to_numpy(dtype="float64"),
            "mentions": new["mentions"].to_numpy(dtype="float64"),
        }
    )
    snaps = snaps.drop(columns="_sym")
    allsnap = pd.concat([snaps, add], ignore_index=True)
    order = pd.Index(a["article_id"].astype("str")).get_indexer(
        pd.Index(allsnap["article_id"].astype("str"))
    )
    allsnap = allsnap.iloc[np.lexsort((allsnap["position"].to_numpy(), order))].reset_index(
        drop=True
    )
    std = conform_snapshots(allsnap)
    extra = [c for c in allsnap.columns if c not in std.columns]
    out_snaps = pd.concat([std, allsnap[extra].reset_index(drop=True)], axis=1)
    for c in ("link_method", "link_where", "link_evidence"):
        out_snaps[c] = out_snaps[c].astype("str")
    out_snaps["mentions"] = out_snaps["mentions"].astype("Int64")
    return out_snaps
