"""Reading files safely (issue 11): only regular files, a size cap, unlistable folders and
file names that are not UTF-8 become rows, never exceptions or hangs."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mktnews import InvalidOptionError
from mktnews.articles import Corpus, read_articles

TEXT = "Euro STOXX 50\n-28.8400\nDer Text.\n(H.Schneide--BBZ)"
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and sockets are POSIX")


def accounted(c: Corpus) -> None:
    assert len(c.articles) + len(c.rejected) == c.n_inputs


@posix_only
def test_fifo_socket_device_and_links_are_rejected_not_opened(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(TEXT, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.txt")  # opening it for reading would block forever
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "sock.txt"))
        (tmp_path / "dev.txt").symlink_to("/dev/zero")  # reading would eat memory
        (tmp_path / "link.txt").symlink_to(tmp_path / "pipe.txt")
        c = read_articles(tmp_path)
    finally:
        sock.close()
    accounted(c)
    assert list(c.articles["article_id"]) == ["good"]
    why = {Path(s).name: r for s, r in zip(c.rejected["source"], c.rejected["reason"], strict=True)}
    assert set(why) == {"pipe.txt", "sock.txt", "dev.txt", "link.txt"}
    assert "FIFO" in why["pipe.txt"]
    assert "socket" in why["sock.txt"]
    assert "character device" in why["dev.txt"] and "symbolic link" in why["dev.txt"]
    assert "FIFO" in why["link.txt"] and "symbolic link" in why["link.txt"]
    # a single path given directly
    one = read_articles(tmp_path / "pipe.txt")
    assert one.articles.empty and "FIFO" in one.rejected["reason"][0]


def test_size_cap(tmp_path: Path) -> None:
    (tmp_path / "small.txt").write_text("Kurz.", encoding="utf-8")
    (tmp_path / "big.txt").write_text("x" * 5000 + " Text.", encoding="utf-8")
    c = read_articles(tmp_path, max_bytes=1000)
    accounted(c)
    assert list(c.articles["article_id"]) == ["small"]
    assert "max_bytes=1000" in c.rejected["reason"][0]
    assert len(read_articles(tmp_path).articles) == 2  # the default cap is far above
    csv = tmp_path / "t.csv"
    csv.write_text("text\n" + "Ein Text.\n" * 200, encoding="utf-8")
    c2 = read_articles(csv, max_bytes=100)
    assert c2.articles.empty and "too large" in c2.rejected["reason"][0]
    with pytest.raises(InvalidOptionError, match="max_bytes"):
        read_articles(tmp_path, max_bytes=0)


def test_unlistable_subfolder_is_a_rejected_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "b.txt").write_text(TEXT, encoding="utf-8")
    real = os.scandir

    def scandir(path: object = ".") -> object:
        if Path(os.fsdecode(path)) == locked:  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", os.fspath(path))  # type: ignore[arg-type]
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    c = read_articles(tmp_path)
    accounted(c)
    assert list(c.articles["article_id"]) == ["a"]
    assert list(c.rejected["source"]) == [str(locked)]
    assert "cannot list folder" in c.rejected["reason"][0]


@posix_only
def test_non_utf8_file_name_is_shown_safely(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/caf\xe9.txt"  # Latin-1 é: not UTF-8
    with open(raw, "wb") as fh:
        fh.write(TEXT.encode("utf-8"))
    c = read_articles(tmp_path)
    accounted(c)
    assert list(c.articles["article_id"]) == ["caf\\xe9"]
    assert c.articles["source"][0].endswith("caf\\xe9.txt")
    assert "not valid UTF-8" in c.articles["notes"][0]
    c.articles["source"][0].encode("utf-8")  # storable and printable


@settings(max_examples=25, deadline=None)
@given(names=st.lists(st.binary(min_size=1, max_size=6), min_size=1, max_size=5, unique=True))
def test_hyp_any_byte_file_names(names: list[bytes], tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = os.fsencode(tmp_path_factory.mktemp("names"))
    made = 0
    for k, nm in enumerate(names):
        clean = nm.replace(b"/", b"_").replace(b"\x00", b"_").lstrip(b".") or b"x"
        path = folder + b"/" + clean + b"%d.txt" % k
        with open(path, "wb") as fh:
            fh.write(b"Ein Text.")
        made += 1
    c = read_articles(os.fsdecode(folder))
    accounted(c)
    assert c.n_inputs == made
    for s in c.articles["source"]:
        s.encode("utf-8")
