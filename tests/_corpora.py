"""Corpora built by hand for the alignment and capture tests (boxes without page text)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mktnews.articles import Corpus

BERLIN = "Europe/Berlin"


def box_corpus(rows: list[dict[str, object]], *, tz: str = BERLIN) -> Corpus:
    """Articles with boxes built by hand: rows of article_id, published (local), instrument,
    change, change_pct, level, raw."""
    arts = []
    snaps = []
    seen: set[str] = set()
    for r in rows:
        aid = str(r["article_id"])
        if aid not in seen:
            seen.add(aid)
            pub = r.get("published")
            ts = (
                pd.Timestamp(str(pub)).tz_localize(tz).tz_convert("UTC")
                if pub is not None
                else pd.NaT
            )
            arts.append(
                {
                    "article_id": aid,
                    "instrument": r["instrument"],
                    "snapshot_change": r.get("change", np.nan),
                    "snapshot_pct": r.get("change_pct", np.nan),
                    "snapshot_level": r.get("level", np.nan),
                    "snapshot_raw": r.get("raw"),
                    "published_at": ts,
                    "title": None,
                    "body": str(r.get("body", "")),
                    "byline": None,
                    "outlet": None,
                    "source": aid,
                }
            )
        snaps.append(
            {
                "article_id": aid,
                "position": sum(1 for s in snaps if s["article_id"] == aid),
                "instrument": r["instrument"],
                "change": float(r.get("change", np.nan)),  # type: ignore[arg-type]
                "change_pct": float(r.get("change_pct", np.nan)),  # type: ignore[arg-type]
                "level": float(r.get("level", np.nan)),  # type: ignore[arg-type]
                "raw": r.get("raw"),
                "zero_flag": bool(r.get("zero", False)),
            }
        )
    a = pd.DataFrame(arts)
    a["published_at"] = pd.to_datetime(a["published_at"], utc=True).dt.as_unit("ns")
    s = pd.DataFrame(snaps)
    return Corpus(a, s, pd.DataFrame({"source": [], "reason": []}), len(a))
