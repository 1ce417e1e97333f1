"""The report folder of an event study (what ``mktnews study --out DIR`` writes).

:func:`write_report` writes, into one folder:

- ``events.csv``: one row per (article, instrument) with alignment and study status;
- ``car.csv``: per event and window, CAR, BHAR, SCAR, t and p (window as
  ``window_start``, ``window_end``);
- ``caar.csv``: per group, window and relative day, AAR, CAAR and the 95% band;
- ``tests.csv``: the test battery per group and window;
- ``placebo.csv``: the placebo draws (only when the study drew any);
- ``abnormal.parquet``: the long abnormal-return frame (``event_id``, ``rel`` as columns);
- ``summary.md``: settings, counts, the summary tables, notes, links to the figures;
- ``report.html``: the same in one self-contained page, figures embedded as base64 PNG;
- ``caar.png``, ``placebo.png`` (with placebo draws) and ``article_<id>.png`` for up to
  ``max_articles`` articles (used events first).

Figures are drawn on :class:`matplotlib.figure.Figure` objects (no pyplot state), so
writing reports in a loop does not accumulate open figures.
"""

from __future__ import annotations

import base64
import html
import io
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mktnews.errors import InvalidOptionError, MktNewsError
from mktnews.export import write_frame
from mktnews.measures import measure_labels

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from mktnews.articles import Corpus
    from mktnews.prices.base import PriceSource
    from mktnews.results import EventStudyResults

__all__ = ["Report", "write_report"]

#: Articles charted by default.
MAX_ARTICLE_PLOTS = 20


@dataclass(frozen=True)
class Report:
    """What :func:`write_report` wrote.

    Attributes
    ----------
    folder : Path
    files : tuple of Path
        Every file written, in order.
    article_plots : tuple of (article_id, Path)
    skipped_plots : tuple of (article_id, reason)
        Article charts that could not be drawn (e.g. no prices around the article); the
        reason is also written into ``summary.md`` and ``report.html``.
    """

    folder: Path
    files: tuple[Path, ...]
    article_plots: tuple[tuple[str, Path], ...] = field(default=())
    skipped_plots: tuple[tuple[str, str], ...] = field(default=())


def _safe_name(text: str) -> str:
    """A file-name-safe form of an article id."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", str(text)).strip("._")
    return name[:80] or "article"


def _figure(size: tuple[float, float]) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


#: Figure formats write_report can add beside the PNG (``figure_formats=``).
FIGURE_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")


def _save(fig: Figure, path: Path, dpi: int = 110) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    data = buf.getvalue()
    path.write_bytes(data)
    return data


def _md_table(frame: pd.DataFrame, floatfmt: str = "{:.4f}") -> str:
    """A GitHub-flavoured Markdown table (no tabulate dependency)."""

    def cell(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
            return ""
        if isinstance(v, (float, np.floating)):
            return floatfmt.format(float(v))
        if isinstance(v, pd.Timestamp):
            return v.strftime("%Y-%m-%d") if v == v.normalize() and v.tzinfo is None else str(v)
        return str(v).replace("|", "\\|").replace("\n", " ")

    cols = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in frame.itertuples(index=False, name=None):
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines)


def _articles_to_plot(ev: pd.DataFrame, limit: int) -> list[str]:
    """Article ids to chart: those in used events first, then other aligned ones."""
    if ev.empty or limit <= 0:
        return []
    used = ev.loc[(ev.get("stat_status", ev["status"]) == "ok").fillna(False).to_numpy(dtype=bool)]
    aligned = ev.loc[(ev["status"] == "ok").fillna(False).to_numpy(dtype=bool)]
    order = list(dict.fromkeys([*used["article_id"].astype("str"), *aligned["article_id"].astype("str")]))
    return order[:limit]


def _car_table(results: EventStudyResults) -> pd.DataFrame:
    car = results.car
    if car.empty:
        return car
    out = pd.DataFrame(
        {
            "event": car["event_id"],
            "group": car["group"],
            "t0": car["t0"],
            "articles": car["n_articles"],
            "window": [getattr(w, "label", f"({int(w[0])}, {int(w[1])})") for w in car["window"]],
            "CAR %": car["car"] * 100.0,
            "BHAR %": car["bhar"] * 100.0,
            "t": car["t"],
            "p": car["p"],
        }
    )
    lab = measure_labels(results.options.get("measure"))
    if not lab.percent:  # another measure: its cumulated value as it is, no BHAR
        out = out.drop(columns=["CAR %", "BHAR %"]).assign(**{lab.cumulative: car["car"]})
        out = out[["event", "group", "t0", "articles", "window", lab.cumulative, "t", "p"]]
    return out


def _status_table(ev: pd.DataFrame) -> pd.DataFrame:
    col = "stat_status" if "stat_status" in ev else "status"
    counts = ev[col].astype("str").value_counts()
    return pd.DataFrame({"status": counts.index.astype("str"), "event rows": counts.to_numpy()})


def write_report(
    results: EventStudyResults,
    out: str | Path,
    *,
    source: PriceSource | None = None,
    corpus: Corpus | None = None,
    max_articles: int = MAX_ARTICLE_PLOTS,
    notes: Sequence[str] = (),
    title: str = "mktnews event study",
    dpi: int = 110,
    figure_formats: Sequence[str] = ("png",),
) -> Report:
    """Write the report folder of an event study.

    Parameters
    ----------
    results : EventStudyResults
    out : path
        The folder (created if needed; files in it with the same names are replaced).
    source : PriceSource, optional
        Prices for the article charts (the source the study used; default:
        :func:`mktnews.default_source`).
    corpus : Corpus, optional
        The articles, to report their count and the rejected inputs.
    max_articles : int, default 20
        Article charts to draw (``article_<id>.png``).
    notes : sequence of str
        Lines added to the summary's notes (e.g. where publication times came from).
    title : str
    dpi : int, default 110
        Resolution of the PNG figures (and of raster parts of the others).
    figure_formats : sequence of {"png", "svg", "pdf"}, default ("png",)
        Formats written for each figure (``caar.svg``, ``caar.pdf``, ...); the PNG is
        always written too (the HTML report embeds it).

    Returns
    -------
    Report
    """
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 20 <= dpi <= 1200:
        raise InvalidOptionError("dpi", dpi, reason="expected an integer between 20 and 1200")
    fmts = [figure_formats] if isinstance(figure_formats, str) else list(figure_formats)
    for fmt in fmts:
        if fmt not in FIGURE_FORMATS:
            raise InvalidOptionError("figure_formats", fmt, FIGURE_FORMATS)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    w = _Writer(folder, dpi, [f for f in dict.fromkeys(fmts) if f != "png"])
    events = _write_tables(results, w)
    _result_figures(results, w)
    article_plots, skipped = _article_figures(results, events, corpus, source, max_articles, w)
    summary = results.summary()
    all_notes = list(notes)
    for aid, why in skipped:
        all_notes.append(f"chart of article {aid} not drawn: {why}")
    counts = _counts(results, events, corpus)
    status = _status_table(events)
    md_path = folder / "summary.md"
    md_path.write_text(
        _markdown(title, summary.as_text(), counts, results, status, corpus, all_notes, w.images),
        encoding="utf-8",
    )
    w.files.append(md_path)
    html_path = folder / "report.html"
    html_path.write_text(
        _html(title, summary.as_html(), counts, results, status, corpus, all_notes, w.images),
        encoding="utf-8",
    )
    w.files.append(html_path)
    return Report(folder, tuple(w.files), tuple(article_plots), tuple(skipped))


@dataclass
class _Writer:
    """The report folder being written: the files so far and the embedded images."""

    folder: Path
    dpi: int
    extra_formats: list[str]
    files: list[Path] = field(default_factory=list)
    images: list[tuple[str, str, bytes]] = field(default_factory=list)  # (caption, file, png)

    def put_csv(self, frame: pd.DataFrame, name: str) -> Path:
        path = self.folder / name
        write_frame(frame, path)  # the export convention of mktnews.export
        self.files.append(path)
        return path

    def save(self, fig: Figure, path: Path) -> bytes:
        data = _save(fig, path, self.dpi)
        for fmt in self.extra_formats:  # vector copies beside the PNG
            other = path.with_suffix(f".{fmt}")
            fig.savefig(other, format=fmt, dpi=self.dpi)
            self.files.append(other)
        return data


def _write_tables(results: EventStudyResults, w: _Writer) -> pd.DataFrame:
    """events/car/caar/tests(/placebo).csv and abnormal.parquet; the events frame (computed
    for Dask results, with a ``price_error`` column when an instrument has no prices)."""
    events = results.events
    if not isinstance(events, pd.DataFrame) and hasattr(events, "compute"):
        events = events.compute()  # Dask results: the report holds every event row
    errors = dict(events.attrs.get("price_errors") or {})
    if errors and "symbol" in events.columns:  # say why an instrument has no prices
        events = events.assign(
            price_error=events["symbol"].astype("str").map({k: str(v) for k, v in errors.items()}).astype("str")
        )
    w.put_csv(events, "events.csv")
    w.put_csv(results.car, "car.csv")
    w.put_csv(results.caar, "caar.csv")
    w.put_csv(results.tests, "tests.csv")
    day0 = results.day0 if hasattr(results, "day0") else None
    if day0 is not None and len(day0):
        w.put_csv(day0, "day0.csv")  # day 0 split at the open (mktnews.measures.day0_split)
    if len(results.placebo):
        w.put_csv(results.placebo, "placebo.csv")
    abn_path = w.folder / "abnormal.parquet"
    abn = results.abnormal.reset_index()
    abn.to_parquet(abn_path, index=False)
    w.files.append(abn_path)
    return events


def _result_figures(results: EventStudyResults, w: _Writer) -> None:
    """caar.png and placebo.png (when there is a CAAR / a placebo distribution)."""
    from mktnews import plotting

    if len(results.caar):
        fig = _figure((8.0, 4.6))
        plotting.plot_caar(results, ax=fig.add_subplot())
        path = w.folder / "caar.png"
        has_band = bool(np.isfinite(results.caar["ci_low"].to_numpy(dtype=float)).any())
        caption = "CAAR with its 95% band" if has_band else "CAAR (no band: fewer than 2 events in every group)"
        w.images.append((caption, path.name, w.save(fig, path)))
        w.files.append(path)
    if len(results.placebo):
        fig = _figure((8.0, 4.2))
        plotting.plot_placebo(results, ax=fig.add_subplot())
        path = w.folder / "placebo.png"
        w.images.append(("Placebo distribution and the observed CAAR", path.name, w.save(fig, path)))
        w.files.append(path)


def _article_figures(
    results: EventStudyResults, events: pd.DataFrame, corpus: Corpus | None,
    source: PriceSource | None, max_articles: int, w: _Writer,
) -> tuple[list[tuple[str, Path]], list[tuple[str, str]]]:
    """article_<id>.png for up to ``max_articles`` articles; those drawn and those skipped
    (with the reason). The prices come from ``source`` (default: the default source)."""
    from mktnews import plotting

    interval = str(results.options.get("interval", "1d"))
    headings: dict[str, str] = {}
    if corpus is not None:
        arts = corpus.articles
        for aid, ttl, body in zip(arts["article_id"].astype("str"), arts["title"], arts["body"], strict=True):
            text = ttl if isinstance(ttl, str) and ttl.strip() else body
            if isinstance(text, str) and text.strip():
                headings[aid] = textwrap.shorten(" ".join(text.split()), width=90, placeholder=" …")
    article_plots: list[tuple[str, Path]] = []
    skipped: list[tuple[str, str]] = []
    used_names: set[str] = set()
    for aid in _articles_to_plot(events, max_articles):
        if source is None:  # the report loads what its charts draw
            from mktnews.prices.base import default_source

            source = default_source()
        fig = _figure((9.0, 4.8))
        try:
            plotting.plot_article(events, aid, source=source, interval=interval,  # type: ignore[arg-type]
                                  title=headings.get(aid), ax=fig.add_subplot())
        except MktNewsError as exc:
            skipped.append((aid, " ".join(str(exc).split())))
            continue
        name = _safe_name(aid)
        stem = name
        k = 2
        while name in used_names:
            name = f"{stem}_{k}"
            k += 1
        used_names.add(name)
        path = w.folder / f"article_{name}.png"
        w.images.append((f"Article {aid}", path.name, w.save(fig, path)))
        article_plots.append((aid, path))
        w.files.append(path)
    return article_plots, skipped


def _counts(
    results: EventStudyResults, events: pd.DataFrame, corpus: Corpus | None
) -> list[tuple[str, str]]:
    """The counts table of the summary: articles, rejects, rows, events."""
    n_aligned = int((events["status"] == "ok").sum()) if len(events) else 0
    n_articles = events["article_id"].nunique() if len(events) else 0
    return [
        ("articles read", str(len(corpus.articles)) if corpus is not None else str(n_articles)),
        ("inputs rejected", str(len(corpus.rejected)) if corpus is not None else "-"),
        ("event rows (article × instrument)", str(len(events))),
        ("rows aligned (status ok)", str(n_aligned)),
        ("events after collapsing", str(results.info.get("n_events", "-"))),
        ("events used", str(results.info.get("n_events_ok", "-"))),
    ]


def _markdown(
    title: str,
    summary_text: str,
    counts: list[tuple[str, str]],
    results: EventStudyResults,
    status: pd.DataFrame,
    corpus: Corpus | None,
    notes: list[str],
    images: list[tuple[str, str, bytes]],
) -> str:
    parts = [f"# {title}", ""]
    parts += [_md_table(pd.DataFrame(counts, columns=["", "count"])), ""]
    if notes:
        parts += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    parts += ["## Summary", "", "```text", summary_text, "```", ""]
    parts += ["## Status of the event rows", "", _md_table(status), ""]
    car = _car_table(results)
    if len(car):
        parts += [f"## {measure_labels(results.options.get('measure')).cumulative} per event and window", ""]
        parts += [_md_table(car.head(500), floatfmt="{:.4f}"), ""]
        if len(car) > 500:
            parts += [f"({len(car) - 500} more rows in car.csv)", ""]
    if corpus is not None and len(corpus.rejected):
        parts += ["## Rejected inputs", "", _md_table(corpus.rejected.loc[:, ["source", "reason"]]), ""]
    if images:
        parts += ["## Figures", ""]
        for caption, name, _png in images:
            parts += [f"![{caption}]({name})", ""]
    parts += [
        "## Files",
        "",
        "events.csv, car.csv, caar.csv, tests.csv, abnormal.parquet"
        + (", placebo.csv" if len(results.placebo) else "")
        + "; test conventions are in tests.csv's `convention` column.",
        "",
    ]
    return "\n".join(parts)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#f3f3f3}
figure{margin:1em 0}figcaption{font-size:.9em;color:#555}img{max-width:100%}
.notes li{margin:.2em 0}
"""


def _html(
    title: str,
    summary_html: str,
    counts: list[tuple[str, str]],
    results: EventStudyResults,
    status: pd.DataFrame,
    corpus: Corpus | None,
    notes: list[str],
    images: list[tuple[str, str, bytes]],
) -> str:
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        "<table>" + "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in counts) + "</table>",
    ]
    if notes:
        parts.append('<h2>Notes</h2><ul class="notes">' + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>")
    figures = [img for img in images if img[1] in ("caar.png", "placebo.png")]
    articles = [img for img in images if img[1] not in ("caar.png", "placebo.png")]
    for caption, name, png in figures:
        parts.append(_img(caption, name, png))
    parts.append("<h2>Summary</h2>" + summary_html)
    parts.append("<h2>Status of the event rows</h2>" + status.to_html(index=False))
    car = _car_table(results)
    if len(car):
        parts.append(f"<h2>{measure_labels(results.options.get('measure')).cumulative} per event and window</h2>")
        parts.append(car.head(500).to_html(index=False, float_format=lambda v: f"{v:.4f}", na_rep=""))
    if corpus is not None and len(corpus.rejected):
        parts.append("<h2>Rejected inputs</h2>" + corpus.rejected.loc[:, ["source", "reason"]].to_html(index=False))
    if articles:
        parts.append("<h2>Articles</h2>")
        for caption, name, png in articles:
            parts.append(_img(caption, name, png))
    parts.append("</body></html>")
    return "\n".join(parts)


def _img(caption: str, name: str, png: bytes) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{html.escape(caption)} ({html.escape(name)})</figcaption></figure>"
    )
