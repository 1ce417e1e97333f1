"""read_feed: every format from a small sample written here from its published field list.

Expected UTC times are worked out by hand in the comments (no mktnews, no network).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mktnews
from mktnews.errors import ArticleError, InvalidOptionError
from mktnews.feeds import feed_event_columns, feed_summary, read_feed


def utc(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


def check_accounting(c: mktnews.Corpus) -> None:
    assert len(c.articles) + len(c.rejected) == c.n_inputs


# ---------------------------------------------------------------------------------------
# FNSPID


FNSPID_CSV = (
    "Date,Article_title,Stock_symbol,Url,Publisher,Author,Article,Lsa_summary,Luhn_summary\n"
    "2020-06-05 06:30:54 UTC,Apple shares rise,AAPL,https://x/1,Benzinga,Jane Roe,"
    "Apple rose.,Apple rose.,Apple rose.\n"
    "2020-06-05 06:30:54,Naive row,MSFT,https://x/2,Benzinga,,Body,,\n"
)


def test_fnspid_csv_and_naive_refused(tmp_path: Path) -> None:
    p = tmp_path / "fnspid.csv"
    p.write_text(FNSPID_CSV.splitlines()[0] + "\n" + FNSPID_CSV.splitlines()[1] + "\n")
    c = read_feed(p)
    a = c.articles
    assert a.loc[0, "feed_format"] == "fnspid"
    # "2020-06-05 06:30:54 UTC" is already UTC
    assert a.loc[0, "published_at"] == utc("2020-06-05 06:30:54")
    assert a.loc[0, "time_kind"] == "published"
    assert (a.loc[0, "title"], a.loc[0, "outlet"], a.loc[0, "byline"]) == (
        "Apple shares rise", "Benzinga", "Jane Roe",
    )  # fmt: skip
    assert a.loc[0, "body"] == "Apple rose."
    assert a.loc[0, "instrument"] == "AAPL" and a.loc[0, "tickers"] == ["AAPL"]
    assert "Lsa_summary" in a.columns and "Luhn_summary" in a.columns
    assert a.loc[0, "source"] == f"{p}:0"
    # a row without "UTC" carries no zone: refused, naming tz=
    p.write_text(FNSPID_CSV)
    with pytest.raises(ArticleError, match="tz="):
        read_feed(p)
    # with tz the naive row is read in that zone: 06:30:54 EDT (UTC-4) = 10:30:54 UTC
    c2 = read_feed(p, tz="America/New_York")
    assert c2.articles["published_at"].tolist() == [
        utc("2020-06-05 06:30:54"), utc("2020-06-05 10:30:54"),
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------
# Benzinga / Kaggle analyst ratings


def test_benzinga_raw_and_processed() -> None:
    raw = pd.DataFrame(
        {
            "Unnamed: 0": [0, 1],
            "headline": ["Stocks That Hit 52-Week Highs On Friday", "Agilent upgraded"],
            "url": ["https://www.benzinga.com/a", "https://www.benzinga.com/b"],
            "publisher": ["Benzinga Insights", "Vick Meyer"],
            "date": ["2020-06-05 10:30:54-04:00", "2020-05-26 04:30:07-04:00"],
            "stock": ["A", "A"],
        }
    )
    c = read_feed(raw)
    assert c.articles["feed_format"].iloc[0] == "benzinga"
    # 10:30:54-04:00 -> 14:30:54 UTC; 04:30:07-04:00 -> 08:30:07 UTC
    assert c.articles["published_at"].tolist() == [
        utc("2020-06-05 14:30:54"), utc("2020-05-26 08:30:07"),
    ]  # fmt: skip
    assert c.articles["outlet"].tolist() == ["Benzinga Insights", "Vick Meyer"]
    proc = pd.DataFrame(
        {"title": ["Agilent upgraded"], "date": ["2020-05-26 04:30:00"], "stock": ["A"]}
    )
    with pytest.raises(ArticleError, match=r"no time zone.*tz="):
        read_feed(proc)
    c2 = read_feed(proc, tz="America/New_York")
    assert c2.articles["feed_format"].iloc[0] == "benzinga_processed"
    # 04:30 EDT (May: UTC-4) -> 08:30 UTC
    assert c2.articles["published_at"].iloc[0] == utc("2020-05-26 08:30:00")
    # the processed file with offsets (some copies carry them) needs no tz
    proc2 = proc.assign(date=["2020-05-26 04:30:00-04:00"])
    assert read_feed(proc2).articles["published_at"].iloc[0] == utc("2020-05-26 08:30:00")


# ---------------------------------------------------------------------------------------
# yfinance


def test_yfinance_new_nested_schema() -> None:
    news = [
        {
            "id": "b1f0",
            "content": {
                "id": "b1f0",
                "contentType": "STORY",
                "title": "Apple unveils a new iPhone",
                "summary": "Apple said on Tuesday...",
                "pubDate": "2025-01-02T15:04:05Z",
                "displayTime": "2025-01-02T16:00:00Z",
                "provider": {"displayName": "Reuters", "url": "http://reuters.com"},
                "canonicalUrl": {"url": "https://finance.yahoo.com/news/a.html"},
                "finance": {"stockTickers": [{"symbol": "AAPL"}, {"symbol": "MSFT"}]},
            },
        },
        {
            "id": "c2",
            "content": {
                "id": "c2",
                "title": "No tickers here",
                "summary": "",
                "pubDate": "2025-01-03T08:00:00Z",
                "provider": {"displayName": "Bloomberg"},
                "canonicalUrl": {"url": "https://finance.yahoo.com/news/b.html"},
            },
        },
    ]
    c = read_feed(news, ticker="AAPL")
    a = c.articles
    assert a["feed_format"].tolist() == ["yfinance", "yfinance"]
    assert a["article_id"].tolist() == ["b1f0", "c2"]
    assert a.loc[0, "published_at"] == utc("2025-01-02 15:04:05")
    assert a.loc[0, "display_time"] == "2025-01-02T16:00:00Z"
    assert a.loc[0, "outlet"] == "Reuters"
    assert a.loc[0, "url"] == "https://finance.yahoo.com/news/a.html"
    assert a.loc[0, "tickers"] == ["AAPL", "MSFT"]
    assert a.loc[1, "tickers"] == ["AAPL"]  # ticker= fills rows that name none
    s = c.snapshots
    assert list(zip(s["article_id"], s["position"], s["instrument"], strict=True)) == [
        ("b1f0", 0, "AAPL"), ("b1f0", 1, "MSFT"), ("c2", 0, "AAPL"),
    ]  # fmt: skip


def test_yfinance_legacy_epoch_seconds(tmp_path: Path) -> None:
    news = [
        {
            "uuid": "9d3f",
            "title": "Old schema story",
            "publisher": "Motley Fool",
            "link": "https://finance.yahoo.com/m/9d3f",
            "providerPublishTime": 1718900000,
            "type": "STORY",
            "relatedTickers": ["NVDA", "AAPL"],
        },
        {
            "uuid": "ms",
            "title": "milliseconds by mistake",
            "publisher": "X",
            "link": "l",
            "providerPublishTime": 1718900000000,
            "relatedTickers": [],
        },
    ]
    p = tmp_path / "yf.json"
    p.write_text(json.dumps(news))
    c = read_feed(p)
    check_accounting(c)
    # 1718900000 s = 19894 days + 58400 s; day 19894 = 2024-01-01 (day 19723) + 171 days
    # = 2024-06-20 (leap year: Jan 31, Feb 29, Mar 31, Apr 30, May 31 -> day 172 is Jun 20);
    # 58400 s = 16 h 13 min 20 s
    assert c.articles["published_at"].tolist() == [utc("2024-06-20 16:13:20")]
    assert c.articles["tickers"].iloc[0] == ["NVDA", "AAPL"]
    assert c.rejected["source"].tolist() == [f"{p}:1"]
    assert "providerPublishTime" in c.rejected["reason"].iloc[0]
    assert "milliseconds" in c.rejected["reason"].iloc[0]


# ---------------------------------------------------------------------------------------
# Finnhub, Alpaca, Polygon, NewsAPI


def test_finnhub_comma_related_and_max_instruments() -> None:
    rows = [
        {
            "category": "company", "datetime": 1704207600, "headline": "Apple cuts prices",
            "id": 125, "image": "", "related": "AAPL", "source": "Reuters",
            "summary": "Apple cut prices in China.", "url": "https://x/125",
        },
        {
            "category": "company", "datetime": 1704207600, "headline": "Wrap-up",
            "id": 126, "image": "", "related": "AAPL,MSFT,NVDA,AMZN", "source": "Yahoo",
            "summary": "", "url": "https://x/126",
        },
    ]  # fmt: skip
    c = read_feed(rows, max_instruments=3)
    check_accounting(c)
    # 1704207600 - 1704067200 (2024-01-01 00:00 UTC = 19723 days * 86400) = 140400 s
    # = 1 day + 54000 s -> 2024-01-02 15:00:00 UTC
    assert c.articles["published_at"].tolist() == [utc("2024-01-02 15:00:00")]
    assert c.articles["article_id"].tolist() == ["125"]
    assert c.articles["category"].tolist() == ["company"]
    assert c.articles["body"].iloc[0] == "Apple cut prices in China."
    assert "names 4 instruments" in c.rejected["reason"].iloc[0]
    assert "max_instruments=3" in c.rejected["reason"].iloc[0]
    s = feed_summary(c)
    assert s["rejected_too_many_instruments"] == 1 and s["articles"] == 1
    c_all = read_feed(rows)
    assert c_all.articles["tickers"].iloc[1] == ["AAPL", "MSFT", "NVDA", "AMZN"]
    assert len(c_all.snapshots) == 5


def test_alpaca_envelope_jsonl(tmp_path: Path) -> None:
    rec = {
        "id": 24843171, "headline": "Apple Leader in Phone Sales in China",
        "author": "Charles Gross", "created_at": "2021-12-31T11:08:42Z",
        "updated_at": "2021-12-31T11:09:12Z", "summary": "This is the summary",
        "content": "This is the content", "url": "https://www.benzinga.com/a",
        "symbols": ["AAPL"], "source": "benzinga", "images": [],
    }  # fmt: skip
    p = tmp_path / "alpaca.jsonl"
    p.write_text(json.dumps(rec) + "\n{not json\n")
    c = read_feed(p)
    check_accounting(c)
    a = c.articles
    assert a.loc[0, "feed_format"] == "alpaca"
    assert a.loc[0, "published_at"] == utc("2021-12-31 11:08:42")
    assert a.loc[0, "updated_at"] == "2021-12-31T11:09:12Z"
    assert a.loc[0, "body"] == "This is the content"
    assert a.loc[0, "summary"] == "This is the summary"
    assert (a.loc[0, "byline"], a.loc[0, "outlet"]) == ("Charles Gross", "benzinga")
    assert c.rejected["source"].tolist() == [f"{p}:1"]
    assert "not JSON" in c.rejected["reason"].iloc[0]
    # the REST envelope {"news": [...], "next_page_token": ...}
    c2 = read_feed({"news": [rec], "next_page_token": None})
    assert c2.articles["article_id"].tolist() == ["24843171"]


def test_polygon_insights_become_snapshot_and_event_columns() -> None:
    body = {
        "results": [
            {
                "id": "8ec6",
                "publisher": {"name": "The Motley Fool", "homepage_url": "https://fool.com"},
                "title": "Is Nvidia a buy?",
                "author": "A. Writer",
                "published_utc": "2024-06-24T18:33:53Z",
                "article_url": "https://fool.com/x",
                "tickers": ["NVDA", "AMD"],
                "description": "Nvidia and AMD...",
                "keywords": ["AI"],
                "insights": [
                    {
                        "ticker": "NVDA",
                        "sentiment": "positive",
                        "sentiment_reasoning": "strong demand",
                    },
                    {"ticker": "AMD", "sentiment": "neutral", "sentiment_reasoning": "peer"},
                    {"ticker": "INTC", "sentiment": "negative", "sentiment_reasoning": "x"},
                ],
            }
        ],
        "status": "OK",
    }
    c = read_feed(body)
    a = c.articles
    assert a.loc[0, "feed_format"] == "polygon"
    assert a.loc[0, "published_at"] == utc("2024-06-24 18:33:53")
    assert a.loc[0, "outlet"] == "The Motley Fool"
    s = c.snapshots
    assert s["instrument"].tolist() == ["NVDA", "AMD"]
    assert s["sentiment"].tolist() == ["positive", "neutral"]
    assert s["sentiment_reasoning"].tolist() == ["strong demand", "peer"]
    assert a.loc[0, "notes"] == "insight on INTC (not in tickers)"
    ev = pd.DataFrame({"article_id": ["8ec6", "8ec6"], "instrument": ["AMD", "NVDA"]})
    out = feed_event_columns(ev, c)
    assert out["sentiment"].tolist() == ["neutral", "positive"]


def test_newsapi_envelope() -> None:
    body = {
        "status": "ok",
        "totalResults": 1,
        "articles": [
            {
                "source": {"id": "reuters", "name": "Reuters"},
                "author": "Reporter",
                "title": "SAP raises outlook (XETRA: SAP)",
                "description": "SAP raised its cloud outlook.",
                "url": "https://reuters.com/sap",
                "urlToImage": None,
                "publishedAt": "2024-07-19T13:21:52Z",
                "content": "SAP raised ... [+1200 chars]",
            }
        ],
    }
    c = read_feed(body)
    a = c.articles
    assert a.loc[0, "feed_format"] == "newsapi"
    assert a.loc[0, "published_at"] == utc("2024-07-19 13:21:52")
    assert (a.loc[0, "outlet"], a.loc[0, "source_id"]) == ("Reuters", "reuters")
    assert a.loc[0, "body"] == "SAP raised ... [+1200 chars]"
    assert pd.isna(a.loc[0, "instrument"]) and a.loc[0, "tickers"] == []
    assert len(c.snapshots) == 0


# ---------------------------------------------------------------------------------------
# GDELT


def test_gdelt_doc_first_seen() -> None:
    body = {
        "articles": [
            {
                "url": "https://example.com/dax",
                "url_mobile": "",
                "title": "DAX falls as ECB holds rates",
                "seendate": "20240719T132152Z",
                "socialimage": "",
                "domain": "example.com",
                "language": "English",
                "sourcecountry": "Germany",
            },
            {"url": "https://example.com/2", "title": "t", "seendate": "2024-07-19"},
        ]
    }
    c = read_feed(body)
    check_accounting(c)
    a = c.articles
    assert a.loc[0, "time_kind"] == "first_seen"
    # 20240719T132152Z = 2024-07-19 13:21:52 UTC
    assert a.loc[0, "published_at"] == utc("2024-07-19 13:21:52")
    assert a.loc[0, "outlet"] == "example.com"
    assert "seendate" in c.rejected["reason"].iloc[0]
    assert "20240719T132152Z" in c.rejected["reason"].iloc[0]


def test_gdelt_gkg_headerless_tsv(tmp_path: Path) -> None:
    fields = [""] * 27
    fields[0] = "20240719131500-0"
    fields[1] = "20240719131500"
    fields[2] = "1"
    fields[3] = "reuters.com"
    fields[4] = "https://reuters.com/sap-outlook"
    fields[14] = "sap se,123;deutsche bank,456"
    fields[15] = "-1.5,2,3.5,5.5,20,0,300"
    fields[26] = "<PAGE_TITLE>SAP raises outlook</PAGE_TITLE>"
    bad = list(fields)
    bad[0], bad[1] = "2-0", "2024-07-19"
    p = tmp_path / "20240719131500.gkg.csv"
    p.write_text("\t".join(fields) + "\n" + "\t".join(bad) + "\n")
    c = read_feed(p)
    check_accounting(c)
    a = c.articles
    assert a.loc[0, "feed_format"] == "gdelt_gkg" and a.loc[0, "time_kind"] == "first_seen"
    # DATE 20240719131500 = 2024-07-19 13:15:00 UTC
    assert a.loc[0, "published_at"] == utc("2024-07-19 13:15:00")
    assert a.loc[0, "title"] == "SAP raises outlook"
    assert a.loc[0, "url"] == "https://reuters.com/sap-outlook"
    assert a.loc[0, "organizations"] == "sap se,123;deutsche bank,456"
    assert c.rejected["source"].tolist() == [f"{p}:1"]
    assert "'DATE'" in c.rejected["reason"].iloc[0]


# ---------------------------------------------------------------------------------------
# RSS / Atom


RSS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Example Markets</title>
<item><title>DAX opens higher</title><link>https://ex.com/1</link><guid>ex-1</guid>
<description>The DAX rose.</description><pubDate>Tue, 02 Jan 2024 14:30:00 +0100</pubDate></item>
<item><title>No date</title><link>https://ex.com/2</link><guid>ex-2</guid></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Wire</title>
<entry><title>Updated only</title><id>urn:a1</id><link href="https://ex.com/a1"/>
<updated>2024-01-02T09:00:00-05:00</updated><summary>s</summary></entry>
</feed>"""


def test_rss_and_atom(tmp_path: Path) -> None:
    pytest.importorskip("feedparser")
    p = tmp_path / "feed.xml"
    p.write_text(RSS)
    c = read_feed(p)
    check_accounting(c)
    a = c.articles
    # 14:30 +0100 -> 13:30 UTC
    assert a["published_at"].tolist() == [utc("2024-01-02 13:30:00")]
    assert a.loc[0, "article_id"] == "ex-1" and a.loc[0, "outlet"] == "Example Markets"
    assert a.loc[0, "time_kind"] == "published"
    assert c.rejected["source"].tolist() == [f"{p}:1"]
    c2 = read_feed(ATOM)
    # updated 09:00 -05:00 -> 14:00 UTC; no <published>: time_kind "updated"
    assert c2.articles["published_at"].tolist() == [utc("2024-01-02 14:00:00")]
    assert c2.articles["time_kind"].tolist() == ["updated"]
    naive = RSS.replace("+0100", "")
    with pytest.raises(ArticleError, match="tz="):
        read_feed(naive)


# ---------------------------------------------------------------------------------------
# detection, forcing, errors


def test_detection_and_forcing() -> None:
    with pytest.raises(ArticleError, match="format="):
        read_feed([{"foo": 1, "bar": 2}])
    with pytest.raises(InvalidOptionError, match="format"):
        read_feed([{"foo": 1}], format="bloomberg")  # type: ignore[arg-type]
    with pytest.raises(ArticleError, match=r"missing \['stock'\]"):
        read_feed([{"title": "t", "date": "2020-01-01T00:00:00Z"}], format="benzinga_processed")
    with pytest.raises(ArticleError, match="URL"):
        read_feed("https://newsapi.org/v2/everything?q=x")
    with pytest.raises(InvalidOptionError, match="max_instruments"):
        read_feed([{"title": "t", "date": "2020", "stock": "A"}], max_instruments=0)


def test_aligns_one_event_per_ticker() -> None:
    """Snapshot rows from a ticker list give one event per instrument in align_events."""
    from mktnews.datasets import sample_source

    rows = [
        {
            "category": "company", "datetime": 1732708800, "headline": "Europe slides",
            "id": 1, "related": "^GDAXI,^STOXX50E", "source": "Wire", "summary": "",
            "url": "u",
        }
    ]  # fmt: skip
    c = read_feed(rows)
    ev = mktnews.align_events(c, source=sample_source())
    # 1732708800 s = 2024-11-27 12:00:00 UTC (1732665600 is 2024-11-27 00:00 UTC: 20054 days)
    assert ev["symbol"].tolist() == ["^GDAXI", "^STOXX50E"]
    assert (ev["t0"] == pd.Timestamp("2024-11-27")).all()
    assert (ev["market_state"] == "regular").all()
    assert np.all(ev["status"] == "ok")


def test_inputs_nonrecords_nested_frames_and_string_lists(tmp_path: Path) -> None:
    rec = {
        "id": 1, "headline": "h", "author": "a", "created_at": "2021-12-31T11:08:42Z",
        "updated_at": "2021-12-31T11:08:42Z", "summary": "s", "content": "", "url": "u",
        "symbols": ["AAPL"], "source": "benzinga",
    }  # fmt: skip
    c = read_feed([rec, "not a record", 7])
    check_accounting(c)
    assert c.rejected["source"].tolist() == ["<input>:1", "<input>:2"]
    assert "not a record" in c.rejected["reason"].iloc[0]
    # a DataFrame of yfinance items keeps the nested content readable
    df = pd.DataFrame([{"id": "x", "content": {"title": "t", "pubDate": "2025-01-02T15:04:05Z"}}])
    assert read_feed(df).articles["feed_format"].tolist() == ["yfinance"]
    # an Alpaca CSV export prints the symbol list as text
    p = tmp_path / "alpaca.csv"
    pd.DataFrame([{**rec, "symbols": "['AAPL', 'MSFT']"}]).to_csv(p, index=False)
    c2 = read_feed(p)
    assert c2.articles["tickers"].iloc[0] == ["AAPL", "MSFT"]
    # empty body falls back to the summary
    assert c2.articles["body"].iloc[0] == "s"


def test_feed_events_confounding_on_aligned_events() -> None:
    from mktnews.datasets import sample_source
    from mktnews.hygiene import flag_confounding

    rows = [
        {"category": "company", "datetime": t, "headline": h, "id": i,
         "related": "^GDAXI", "source": "Wire", "summary": "", "url": f"u{i}"}
        for i, (t, h) in enumerate(
            # 2024-11-27 12:00 UTC, 2024-11-28 12:00 UTC (+86400 s), 2024-12-05 12:00 UTC
            [(1732708800, "a"), (1732795200, "b"), (1733400000, "c")]
        )
    ]  # fmt: skip
    ev = mktnews.align_events(read_feed(rows), source=sample_source())
    assert ev["t0"].dt.strftime("%Y-%m-%d").tolist() == ["2024-11-27", "2024-11-28", "2024-12-05"]
    out = flag_confounding(ev, (-1, 1))
    # 27th and 28th are adjacent Xetra sessions; 5 December is five sessions later
    assert out["n_confounding"].tolist() == [1, 1, 0]
