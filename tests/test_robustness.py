"""Faults: builds killed at random points, racing builds, rebuilds while serving, corpus
files that break during an update. Short versions of ``bench/crash.py``'s campaigns."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from search import Index, storage, writer

from conftest import write_corpus

ROOT = Path(__file__).resolve().parent.parent


def load_crash():
    spec = importlib.util.spec_from_file_location("crash", ROOT / "bench" / "crash.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("crash", module)
    spec.loader.exec_module(module)
    return module


crash = load_crash()


def quiet(*args):
    pass


# -- builds killed, builds racing, rebuilds while serving ---------------------------------


def test_builds_killed_at_random_points_leave_a_working_index(tmp_path):
    outcome = crash.kill_campaign(tmp_path, kills=4, seed=3, files=40, max_seconds=120, log=quiet)
    assert outcome["failures"] == []
    assert outcome["survived"] == outcome["kills"] == 4


def test_killed_multiprocess_build_leaves_no_writer_process_and_no_lock(tmp_path):
    # Each writer process used to survive the kill, asleep, holding the build lock.
    outcome = crash.orphan_campaign(tmp_path, kills=1, seed=2, files=250, procs=2, log=quiet)
    assert outcome["failures"] == [], outcome["failures"]
    assert outcome["survived"] == 1 and outcome["workers_seen"] >= 2 and outcome["orphans"] == 0


def test_multiprocess_builds_number_documents_the_same_every_time(tmp_path):
    # The engine breaks score ties by document number: same numbers, same order of ties.
    corpus, _ = crash.make_corpora(tmp_path, 60, seed=6)

    def numbering(name):
        writer.build(corpus, tmp_path / name, procs=2)
        index = Index.open(tmp_path / name)
        try:
            reader = storage.open_whoosh(index.index_dir / index.generation).reader()
            return [fields["id"] for fields in reader.all_stored_fields()]
        finally:
            index.close()

    first = numbering("first")
    assert len(first) > 300  # several batches for each of the two writer processes
    assert numbering("second") == first


def test_second_build_waits_and_no_wait_says_one_is_running(tmp_path):
    outcome = crash.race(tmp_path, seed=4, files=40, log=quiet)
    waiting, no_wait = outcome["waiting"], outcome["no_wait"]
    assert (waiting["first_exit"], waiting["second_exit"]) == (0, 0)
    assert waiting["answers"] == "A"  # the second (waiting) build finished last
    assert no_wait["conclusive"], "the first build never outlasted the second"
    assert (no_wait["first_exit"], no_wait["second_exit"]) == (0, 1)
    assert "is being built by pid" in no_wait["second_says"]
    assert "wait for it to finish" in no_wait["second_says"]
    assert no_wait["answers"] == "B"  # the refused build changed nothing
    assert waiting["leftovers"] == no_wait["leftovers"] == []


def test_serving_during_rebuild_and_update_never_fails_nor_mixes(tmp_path):
    # Slack for a loaded CI machine; bench/crash.py swap allows half a second.
    outcome = crash.swap(tmp_path, rounds=1, clients=3, seed=5, files=40, max_requests=20_000,
                         max_seconds=120, slack=3, log=quiet)
    assert outcome["failures"] == []
    assert outcome["rounds"] == 1 and outcome["requests"] > 0
    assert len(outcome["totals_seen"]) >= 1
    assert outcome["max_visible_after_s"] <= outcome["refresh_interval_s"] + 3


# -- corpus files that break during an update ---------------------------------------------

FILES = {
    "keep.txt": "أخبار الشمال\nهطلت أمطار غزيرة على القرى الشمالية طوال الليل.\n",
    "victim.txt": "أخبار الجنوب\nافتتحت البلدية حديقة عامة جديدة قرب الميناء.\n",
    "other.txt": "أخبار الشرق\nارتفعت أسعار القمح في الأسواق الشرقية هذا الأسبوع.\n",
}


@pytest.fixture
def built(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", FILES)
    index = Index.build(corpus, tmp_path / "index")
    return corpus, index


def found(index, word):
    return {hit.source for hit in index.search(word, per_page=50).hits}


def assert_rest_intact(index):
    assert found(index, "أمطار") == {"keep.txt"}
    assert found(index, "القمح") == {"other.txt"}


def test_file_replaced_by_a_folder_is_reported_and_kept(built):
    corpus, index = built
    (corpus / "victim.txt").unlink()
    (corpus / "victim.txt").mkdir()  # a folder now: its files are new, the old text is gone
    (corpus / "victim.txt" / "inner.txt").write_text("نص داخلي عن الحديقة\n", encoding="utf-8")
    report = index.update(corpus)
    assert_rest_intact(index)
    assert "victim.txt/inner.txt" in index.sources()
    assert report.removed == 1  # the file is gone from the corpus, so from the index too


def test_broken_symlink_keeps_the_previous_passages_and_says_why(built):
    corpus, index = built
    (corpus / "victim.txt").unlink()
    os.symlink(corpus / "missing-target.txt", corpus / "victim.txt")
    report = index.update(corpus)
    assert report.kept == [("victim.txt", "No such file or directory")]
    assert report.removed == 0 and found(index, "حديقة") == {"victim.txt"}
    assert_rest_intact(index)


def test_symlink_loop_is_reported_not_fatal(built):
    corpus, index = built
    os.symlink("loop-b.txt", corpus / "loop-a.txt")
    os.symlink("loop-a.txt", corpus / "loop-b.txt")
    report = index.update(corpus)
    assert report.skipped == [("loop-a.txt", "Too many levels of symbolic links"),
                              ("loop-b.txt", "Too many levels of symbolic links")]
    assert len(index.sources()) == 3
    assert_rest_intact(index)


def test_unreadable_file_keeps_its_previous_passages(built, monkeypatch):
    corpus, index = built
    (corpus / "victim.txt").write_text("أخبار الجنوب\nنص جديد عن الميناء.\n", encoding="utf-8")
    real = writer.read_corpus_file

    def read(file, root):  # root reads chmod 000 files: simulate EACCES instead
        if file.path.name == "victim.txt":
            raise PermissionError(13, "Permission denied", str(file.path))
        return real(file, root)

    monkeypatch.setattr(writer, "read_corpus_file", read)
    report = index.update(corpus)
    monkeypatch.undo()
    assert report.kept == [("victim.txt", "Permission denied")]
    assert found(index, "حديقة") == {"victim.txt"}  # the previous version is still searchable
    assert_rest_intact(index)


def test_file_turned_binary_is_kept_and_named(built):
    corpus, index = built
    (corpus / "victim.txt").write_bytes(b"\x00\x01\x02" * 100)
    report = index.update(corpus)
    assert report.kept == [("victim.txt", "binary file")]
    assert found(index, "حديقة") == {"victim.txt"}
    assert_rest_intact(index)


def test_file_deleted_is_removed_and_the_rest_stays(built):
    corpus, index = built
    (corpus / "victim.txt").unlink()
    report = index.update(corpus)
    assert report.removed == 1 and index.sources() == ["keep.txt", "other.txt"]
    assert_rest_intact(index)


@pytest.mark.parametrize("encoding", ["cp1256", "utf-16", "iso8859-6", "utf-8-sig"])
def test_file_changing_encoding_is_reindexed_with_the_same_words(built, encoding):
    corpus, index = built
    (corpus / "victim.txt").write_bytes(FILES["victim.txt"].encode(encoding))
    report = index.update(corpus)
    assert report.files == 1 and report.skipped == report.kept == []
    assert found(index, "حديقة") == {"victim.txt"}
    assert_rest_intact(index)


def test_every_file_breaking_at_once_keeps_the_index(built):
    corpus, index = built
    for name in FILES:
        (corpus / name).write_bytes(b"\x00" * 64)
    report = index.update(corpus)
    assert sorted(source for source, _ in report.kept) == sorted(FILES)
    assert len(index.sources()) == 3
    assert_rest_intact(index)
