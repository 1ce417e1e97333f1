"""Figure resolution and vector formats of the report folder (write_report, the CLI)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

import mktnews as mn
from mktnews.cli import main
from mktnews.datasets import load_sample, sample_source
from mktnews.report import write_report


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_cli_figure_formats_and_dpi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MKTNEWS_OFFLINE", "1")
    out = tmp_path / "rep"
    code = main(["study", "--sample", "--out", str(out), "--figure-format", "svg",
                 "--figure-format", "pdf", "--dpi", "150", "--quiet"])  # fmt: skip
    assert code == 0
    assert (out / "caar.svg").read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))
    assert (out / "caar.pdf").read_bytes()[:5] == b"%PDF-"
    # caar.png is drawn 8.0 x 4.6 inches: 1200 x 690 pixels at 150 dpi
    assert _png_size(out / "caar.png") == (1200, 690)
    svgs = sorted(p.name for p in out.glob("article_*.svg"))
    assert svgs and all((out / s.replace(".svg", ".png")).exists() for s in svgs)


def test_write_report_caption_says_no_band_for_one_event(tmp_path: Path) -> None:
    res = mn.event_study(load_sample(), source=sample_source(), windows=[(-1, 1)])
    rep = write_report(res, tmp_path / "r", source=sample_source(), max_articles=0)
    html = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "no band: fewer than 2 events in every group" in html
    assert _png_size(tmp_path / "r" / "caar.png") == (880, 506)  # default 110 dpi
    assert rep is not None


def test_write_report_refuses_unknown_format(tmp_path: Path) -> None:
    res = mn.event_study(load_sample(), source=sample_source(), windows=[(-1, 1)])
    with pytest.raises(mn.InvalidOptionError, match="figure_formats"):
        write_report(res, tmp_path / "r", source=sample_source(), figure_formats=["jpeg"])
    with pytest.raises(mn.InvalidOptionError, match="dpi"):
        write_report(res, tmp_path / "r", source=sample_source(), dpi=5)
