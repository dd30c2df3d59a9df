"""Hostile and broken corpus files: each is reported by name and skipped (or, if indexed
before, kept), and the build goes on; nothing outside the corpus is ever read."""

from __future__ import annotations

import os
import socket
import stat
import threading

import pytest
from click.testing import CliRunner

from search import Index, storage, writer
from search.cli import main
from search.corpus import MESSAGES, display_name, list_corpus, printable_name

from conftest import write_corpus

FILES = {
    "keep.txt": "أخبار الشمال\nهطلت أمطار غزيرة على القرى الشمالية طوال الليل.\n",
    "victim.txt": "أخبار الجنوب\nافتتحت البلدية حديقة عامة جديدة قرب الميناء.\n",
}
SECRET = "كلمةسريةجدا"


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "corpus", FILES)


def found(index, word):
    return {hit.source for hit in index.search(word, per_page=50).hits}


def swap_after_listing(monkeypatch, swap):
    """Run ``swap()`` between the corpus walk and the reading of the files."""
    real = writer.list_corpus

    def listing(root):
        listed = real(root)
        swap()
        return listed

    monkeypatch.setattr(writer, "list_corpus", listing)


# -- the symlink race and FIFOs ------------------------------------------------------------


def test_file_swapped_for_a_link_outside_after_listing_is_not_read(corpus, tmp_path, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text(f"سر {SECRET}\n", encoding="utf-8")

    def swap():
        (corpus / "victim.txt").unlink()
        (corpus / "victim.txt").symlink_to(secret)

    swap_after_listing(monkeypatch, swap)
    report = writer.build(corpus, tmp_path / "index")
    assert report.skipped == [("victim.txt", MESSAGES["changed_outside"])]
    index = Index.open(tmp_path / "index")
    assert index.search(SECRET).total == 0 and found(index, "أمطار") == {"keep.txt"}


def test_file_swapped_for_a_fifo_after_listing_does_not_hang_the_build(corpus, tmp_path, monkeypatch):
    def swap():
        (corpus / "victim.txt").unlink()
        os.mkfifo(corpus / "victim.txt")

    swap_after_listing(monkeypatch, swap)
    done = {}
    thread = threading.Thread(target=lambda: done.update(report=writer.build(corpus, tmp_path / "index")),
                              daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "the build hangs on the FIFO"
    assert done["report"].skipped == [("victim.txt", MESSAGES["changed_kind"].format(kind="FIFO"))]


def test_file_replaced_inside_the_corpus_after_listing_is_read(corpus, tmp_path, monkeypatch):
    def swap():  # an editor saving a new copy: another inode, same place
        (corpus / "victim.txt").unlink()
        (corpus / "victim.txt").write_text("أخبار\nحديقة جديدة\n", encoding="utf-8")

    swap_after_listing(monkeypatch, swap)
    report = writer.build(corpus, tmp_path / "index")
    assert report.skipped == [] and report.files == 2


def test_fifos_sockets_and_links_out_present_at_the_start_are_reported(corpus, tmp_path):
    os.mkfifo(corpus / "pipe.txt")
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(corpus / "sock"))
        (corpus / "null.txt").symlink_to("/dev/null")
        (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
        (corpus / "out.txt").symlink_to(tmp_path / "secret.txt")
        report = writer.build(corpus, tmp_path / "index")
    assert report.skipped == [("null.txt", MESSAGES["link_outside"]),
                              ("out.txt", MESSAGES["link_outside"]),
                              ("pipe.txt", MESSAGES["not_regular"].format(kind="FIFO")),
                              ("sock", MESSAGES["not_regular"].format(kind="socket"))]
    assert report.files == 2


def test_hard_link_to_a_file_outside_is_indexed_like_any_file(corpus, tmp_path):
    # Documented choice (search/passages.py): a second name for a file is legitimate.
    outside = tmp_path / "outside.txt"
    outside.write_text("نص مرتبط صلب\n", encoding="utf-8")
    os.link(outside, corpus / "hard.txt")
    assert os.stat(corpus / "hard.txt").st_nlink == 2
    assert "hard.txt" in [file.source for file in list_corpus(corpus).files]


# -- names, nesting, files that move -------------------------------------------------------


def test_file_name_that_is_not_utf8_is_reported_printably_and_skipped(corpus, tmp_path):
    raw = os.fsencode(corpus) + b"/\xc7\xe1\xd3\xe1\xc7\xe3.txt"  # السلام in Windows-1256
    with open(raw, "wb") as handle:
        handle.write("نص\n".encode("utf-8"))
    report = writer.build(corpus, tmp_path / "index")
    assert report.skipped == [("\\xc7\\xe1\\xd3\\xe1\\xc7\\xe3.txt", MESSAGES["bad_name"])]
    assert report.files == 2


def test_folder_name_that_is_not_utf8_is_reported_once(corpus, tmp_path):
    folder = os.fsencode(corpus) + b"/\xe1"
    os.mkdir(folder)
    with open(folder + b"/a.txt", "wb") as handle:
        handle.write("نص\n".encode("utf-8"))
    report = writer.build(corpus, tmp_path / "index")
    assert report.skipped == [("\\xe1", MESSAGES["bad_name"])] and report.files == 2


@pytest.fixture
def deep_folders(corpus):
    """990 nested folders in the corpus, removed bottom up afterwards (pytest's own clean-up
    recurses, and fails at this depth)."""
    folders = [corpus]
    for _ in range(990):  # Path.mkdir(parents=True) recurses too
        folders.append(folders[-1] / "d")
        folders[-1].mkdir()
    yield folders[-1]
    for folder in reversed(folders[1:]):
        for entry in folder.iterdir():
            entry.unlink()
        folder.rmdir()


def test_a_thousand_nested_folders_are_walked_without_recursion(corpus, deep_folders, tmp_path):
    (deep_folders / "bottom.txt").write_text("قاع البئر العميقة\n", encoding="utf-8")
    report = writer.build(corpus, tmp_path / "index")
    assert report.files == 3 and report.skipped == []
    assert found(Index.open(tmp_path / "index"), "البئر") == {"d/" * 990 + "bottom.txt"}


def test_file_moved_away_while_its_passages_are_added(corpus, tmp_path, monkeypatch):
    real = writer.read_corpus_file

    def read_then_move(file, root):
        data = real(file, root)
        if file.source == "victim.txt":
            os.rename(file.path, tmp_path / "moved.txt")
        return data

    monkeypatch.setattr(writer, "read_corpus_file", read_then_move)
    report = writer.build(corpus, tmp_path / "index")
    assert report.files == 2 and report.bytes == sum(len(t.encode()) for t in FILES.values())


def test_index_folder_that_cannot_be_made_is_one_clear_line(corpus, tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["index", str(corpus), "--index", str(tmp_path / "file" / "index")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: cannot use {tmp_path / 'file' / 'index'} as the index folder: Not a directory"]
    assert "Traceback" not in result.output


# -- silent loss ---------------------------------------------------------------------------


def test_unreadable_folder_keeps_its_indexed_files_and_is_reported(corpus, tmp_path, monkeypatch):
    write_corpus(corpus / "sub", {"inner.txt": "نص داخلي عن الحديقة\n"})
    index = Index.build(corpus, tmp_path / "index")
    real = os.scandir

    def scandir(path="."):  # root reads chmod 000 folders: simulate EACCES instead
        if os.fspath(path) == os.fspath(corpus / "sub"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = index.update(corpus)
    monkeypatch.undo()
    assert report.removed == 0
    assert report.kept == [("sub/inner.txt", "in sub/: folder not readable")]
    assert report.skipped == [("sub/", MESSAGES["folder_unreadable"].format(reason="Permission denied"))]
    assert found(index, "داخلي") == {"sub/inner.txt"}


def test_utf8_file_with_three_bad_bytes_is_utf8_with_a_warning(corpus, tmp_path):
    data = bytearray(FILES["victim.txt"].encode("utf-8"))
    for at in (30, 50, 70):
        data[at] = 0xFF
    (corpus / "victim.txt").write_bytes(bytes(data))
    report = writer.build(corpus, tmp_path / "index")
    assert report.skipped == [] and report.files == 2
    [(source, warning)] = report.warnings
    assert source == "victim.txt" and "invalid byte sequence(s) replaced" in warning
    assert found(Index.open(tmp_path / "index"), "الميناء") == {"victim.txt"}


# -- names shown to people -----------------------------------------------------------------


@pytest.mark.parametrize("name, shown", [
    ("rtl\u202etxt.exe", "rtl\\u202etxt.exe"),
    ("a\u2066b\u2069", "a\\u2066b\\u2069"),
    ("line\nbreak\x1b[31m.txt", "line\\u000abreak\\u001b[31m.txt"),
    ("عربي.txt", "عربي.txt"),
    ("", ""),
])
def test_display_name_shows_controls_and_bidi_marks(name, shown):
    assert display_name(name) == shown


def test_printable_name_escapes_undecodable_bytes():
    assert printable_name(os.fsdecode(b"ok\xff.txt")) == "ok\\xff.txt"


# -- publishing ----------------------------------------------------------------------------


def test_every_file_of_a_generation_is_fsynced_before_it_is_published(corpus, tmp_path, monkeypatch):
    synced = set()
    real = os.fsync

    def fsync(descriptor):
        info = os.fstat(descriptor)
        synced.add((info.st_dev, info.st_ino))
        return real(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    writer.build(corpus, tmp_path / "index")
    generation = storage.current_generation(tmp_path / "index")
    entries = [generation, *generation.iterdir()]
    assert all((os.stat(p).st_dev, os.stat(p).st_ino) in synced for p in entries
               if stat.S_ISREG(os.stat(p).st_mode) or p == generation)


def test_docstring_examples_run():
    import doctest

    from search import corpus as corpus_module

    assert doctest.testmod(corpus_module).failed == 0
