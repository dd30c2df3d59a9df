"""The index on disk: build, open, incremental update, atomic generation swap, crash
leftovers, one writer at a time, version checks, and a schema that pickles."""

import json
import os
import pickle
import shutil
import signal
import struct
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from search import (ArabicAnalyzer, BuildInProgressError, Index, IndexNotFoundError,
                    RebuildNeededError)
from search import storage
from search import writer
from search.writer import make_schema

from conftest import write_corpus

ROOT = Path(__file__).resolve().parent.parent

BINARY = bytes(range(256)) * 4  # NUL bytes and controls: never text
FILES = {
    "north.txt": "أخبار الشمال\nهطلت أمطار غزيرة على القرى الشمالية طوال الليل.\n",
    "south.txt": "أخبار الجنوب\nافتتحت البلدية حديقة عامة جديدة قرب الميناء.\n",
    "east.txt": "أخبار الشرق\nارتفعت أسعار القمح في الأسواق الشرقية هذا الأسبوع.\n",
}


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "corpus", FILES)


@pytest.fixture
def index_dir(tmp_path):
    return tmp_path / "index"


def sources_of(index, query):
    return {hit.source for hit in index.search(query, per_page=100).hits}


def leftovers(index_dir):
    return sorted(p.name for p in index_dir.iterdir()
                  if p.name.startswith(("tmp-", ".current.")))


def test_build_then_open(corpus, index_dir):
    report = writer.build(corpus, index_dir)
    built = Index.open(index_dir)
    assert (report.files, report.passages, report.skipped) == (3, 3, [])  # title and text join
    opened = Index.open(index_dir)
    assert opened.sources() == sorted(FILES) == built.sources()
    assert len(opened) == 3
    assert sources_of(opened, "الحديقة") == {"south.txt"}


def test_update_reindexes_only_changed_files(corpus, index_dir):
    index = Index.build(corpus, index_dir)
    (corpus / "north.txt").write_text("أخبار الشمال\nتساقطت الثلوج على الجبال.\n",
                                      encoding="utf-8")
    (corpus / "west.txt").write_text("أخبار الغرب\nوصلت سفينة الصيد إلى المرفأ.\n",
                                     encoding="utf-8")
    (corpus / "east.txt").unlink()
    report = index.update()
    assert (report.files, report.unchanged, report.removed) == (2, 1, 1)
    assert report.passages == 2
    assert sources_of(index, "الثلوج") == {"north.txt"}
    assert sources_of(index, "أمطار") == set()
    assert sources_of(index, "السفينة") == {"west.txt"}
    assert sources_of(index, "القمح") == set()
    assert sources_of(index, "الحديقة") == {"south.txt"}
    assert index.sources() == ["north.txt", "south.txt", "west.txt"]
    assert Index.open(index_dir).sources() == index.sources()


def test_unchanged_update_changes_nothing(corpus, index_dir):
    index = Index.build(corpus, index_dir)
    report = index.update()
    assert (report.files, report.unchanged, report.removed, report.passages) == (0, 3, 0, 0)
    assert report.skipped == [] and report.kept == []
    assert len(index) == 3


def test_file_turned_binary_keeps_previous_passages(corpus, index_dir):
    index = Index.build(corpus, index_dir)
    (corpus / "east.txt").write_bytes(BINARY)
    report = index.update()
    assert [source for source, _reason in report.kept] == ["east.txt"]
    assert "binary" in report.kept[0][1]
    assert sources_of(index, "القمح") == {"east.txt"}
    (corpus / "east.txt").write_text("أخبار الشرق\nانخفضت أسعار القمح.\n", encoding="utf-8")
    assert index.update().files == 1
    assert sources_of(index, "انخفضت") == {"east.txt"}


def test_file_emptied_during_update_is_removed(corpus, index_dir):
    index = Index.build(corpus, index_dir)
    (corpus / "east.txt").write_text("  \n", encoding="utf-8")
    report = index.update()
    assert report.skipped == [("east.txt", "empty file")]
    assert sources_of(index, "القمح") == set()
    assert "east.txt" not in index.sources()


def test_reader_keeps_old_generation_until_refresh(corpus, index_dir):
    Index.build(corpus, index_dir)
    reader = Index.open(index_dir)
    assert sources_of(reader, "الحديقة") == {"south.txt"}
    (corpus / "south.txt").write_text("أخبار الجنوب\nأغلق المصنع أبوابه.\n", encoding="utf-8")
    Index.build(corpus, index_dir)
    assert sources_of(reader, "الحديقة") == {"south.txt"}
    assert sources_of(reader, "المصنع") == set()
    assert reader.refresh() is True
    assert sources_of(reader, "الحديقة") == set()
    assert sources_of(reader, "المصنع") == {"south.txt"}
    assert reader.refresh() is False


def test_reader_that_fell_two_generations_behind_still_answers(corpus, index_dir):
    Index.build(corpus, index_dir)
    reader = Index.open(index_dir)
    (corpus / "south.txt").write_text("أخبار الجنوب\nأغلق المصنع أبوابه.\n", encoding="utf-8")
    Index.build(corpus, index_dir)
    Index.build(corpus, index_dir)  # the reader's generation is deleted now
    with ThreadPoolExecutor(1) as pool:  # a thread that has no searcher yet
        assert pool.submit(sources_of, reader, "المصنع").result() == {"south.txt"}
    assert sources_of(reader, "المصنع") == {"south.txt"}


def test_stale_temporary_folder_is_harmless_and_removed(corpus, index_dir):
    Index.build(corpus, index_dir)
    stale = index_dir / "tmp-20000101T000000.000000000-dead00"
    stale.mkdir()
    (stale / "_MAIN_1.toc").write_bytes(b"half written")
    os.symlink("gen-missing", index_dir / ".current.deadbeef")
    assert sources_of(Index.open(index_dir), "القمح") == {"east.txt"}
    Index.build(corpus, index_dir)
    assert leftovers(index_dir) == []
    assert sources_of(Index.open(index_dir), "القمح") == {"east.txt"}


KILLED_BUILD = textwrap.dedent("""
    import sys, time
    from search import Index

    def progress(source, done, total):
        if done == total // 2:
            print("halfway", flush=True)
            time.sleep(60)

    Index.build(sys.argv[1], sys.argv[2], progress=progress)
""")


def test_killed_build_leaves_previous_index_usable(tmp_path, corpus, index_dir):
    Index.build(corpus, index_dir)
    big = tmp_path / "big"
    big.mkdir()
    for number in range(300):
        (big / f"{number:03d}.txt").write_text(
            f"تقرير رقم {number}\nوصل المراسل إلى المدينة الكبيرة صباحا.\n", encoding="utf-8")
    child = subprocess.Popen([sys.executable, "-c", KILLED_BUILD, str(big), str(index_dir)],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert child.stdout.readline().strip() == "halfway"
        assert leftovers(index_dir)  # it was writing a tmp- generation
        with pytest.raises(BuildInProgressError):
            Index.build(corpus, index_dir, wait=False)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    reader = Index.open(index_dir)
    assert reader.sources() == sorted(FILES)
    assert sources_of(reader, "القمح") == {"east.txt"}
    report = writer.build(big, index_dir)
    rebuilt = Index.open(index_dir)
    assert report.files == 300
    assert leftovers(index_dir) == []
    assert rebuilt.search("المراسل").total == 300


def test_second_build_without_waiting_is_refused(corpus, index_dir):
    index = Index.build(corpus, index_dir)
    with storage.write_lock(index_dir):
        with pytest.raises(BuildInProgressError) as caught:
            Index.build(corpus, index_dir, wait=False)
        assert caught.value.code == "build_in_progress"
        assert "wait for it to finish" in caught.value.english
        with pytest.raises(BuildInProgressError):
            index.update(wait=False)
    assert index.update(wait=False).unchanged == 3


def test_waiting_build_runs_after_the_lock_is_released(corpus, index_dir):
    Index.build(corpus, index_dir)
    done = []
    with storage.write_lock(index_dir):
        thread = threading.Thread(target=lambda: done.append(Index.build(corpus, index_dir)))
        thread.start()
        time.sleep(0.2)
        assert done == []
    thread.join(10)
    assert len(done) == 1 and done[0].sources() == sorted(FILES)


def test_other_analyzer_version_needs_rebuild(corpus, index_dir):
    Index.build(corpus, index_dir)
    generation = storage.current_generation(index_dir)
    meta = storage.read_meta(generation)
    meta["analyzer_version"] = -1
    (generation / storage.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(RebuildNeededError, match="rebuild"):
        Index.open(index_dir)
    Index.build(corpus, index_dir)
    assert sources_of(Index.open(index_dir), "القمح") == {"east.txt"}


def test_empty_folder_has_no_index(tmp_path):
    with pytest.raises(IndexNotFoundError, match="arabic-search index"):
        Index.open(tmp_path)
    with pytest.raises(IndexNotFoundError):
        Index.open(tmp_path / "missing")


def test_edge_corpus_skips_unreadable_files_with_reason(tmp_path, edge_corpus):
    report = writer.build(edge_corpus, tmp_path / "index")
    index = Index.open(tmp_path / "index")
    skipped = dict(report.skipped)
    assert sorted(skipped) == ["binary.txt", "blank.txt", "empty.txt"]
    assert "binary" in skipped["binary.txt"]
    assert skipped["empty.txt"] == skipped["blank.txt"] == "empty file"
    assert "nested/sub/deep.txt" in index.sources()
    assert ".hidden.txt" not in index.sources()
    assert report.files == len(index.sources())
    for encoded in ("cp1256.txt", "iso8859_6.txt", "utf16.txt", "utf8_bom.txt"):
        assert encoded in index.sources()


def test_removed_nested_file_leaves_index(tmp_path, edge_corpus):
    copy = tmp_path / "corpus"
    shutil.copytree(edge_corpus, copy)
    index = Index.build(copy, tmp_path / "index")
    (copy / "nested" / "sub" / "deep.txt").unlink()
    report = index.update()
    assert report.removed == 1 and report.files == 0
    assert "nested/sub/deep.txt" not in index.sources()


def test_analyzer_pickles():
    analyzer = ArabicAnalyzer()
    copy = pickle.loads(pickle.dumps(analyzer))
    assert copy == analyzer
    text = "وَأَعلنت وزارةُ الدفـــاع ٱلْكِتَٰبُ"
    assert [t.text for t in copy(text)] == [t.text for t in analyzer(text)]


def field_state(field):
    """A field's settings, comparable: Whoosh columns and structs have no ``__eq__``."""
    def comparable(key, value):
        if isinstance(value, struct.Struct):
            return value.format
        return type(value) if key == "column_type" else value
    return {key: comparable(key, value) for key, value in vars(field).items()}


def test_schema_pickles():
    schema = make_schema()
    copy = pickle.loads(pickle.dumps(schema))
    assert copy.names() == schema.names()
    for name in schema.names():
        assert type(copy[name]) is type(schema[name])
        assert field_state(copy[name]) == field_state(schema[name]), name
    assert copy["text"].analyzer == ArabicAnalyzer(stoplist=(), stem=False)


def test_update_from_an_empty_folder_keeps_the_index(tmp_path, sample_corpus):
    from search.errors import SearchError

    index = Index.build(sample_corpus, tmp_path / "index")
    empty = tmp_path / "unmounted"
    empty.mkdir()
    with pytest.raises(SearchError) as caught:
        index.update(empty)
    assert caught.value.code == "corpus_empty" and caught.value.params["count"] == 5
    assert len(index.sources()) == 5 and index.search("سوريا").total > 0


def test_parallel_writer_builds_the_same_index(tmp_path, sample_corpus):
    from search.passages import iter_corpus_files, read_passages

    passages = [p for _, path in iter_corpus_files(sample_corpus)
                for p in read_passages(path, sample_corpus)]
    single = Index.build_from_passages(passages, tmp_path / "single")
    parallel = Index.build_from_passages(passages, tmp_path / "parallel", procs=2)
    for query in ("وزارة الدفاع", '"الرئيس السوري"', "سوريا -روسيا"):
        one, two = single.search(query, per_page=50), parallel.search(query, per_page=50)
        assert one.total == two.total and one.facets == two.facets
        assert {h.id: round(h.score, 6) for h in one.hits} == \
            {h.id: round(h.score, 6) for h in two.hits}


def test_threads_share_one_engine_and_its_stored_fields(corpus, index_dir):
    index = Index.build(corpus, index_dir)
    expected = [hit.id for hit in index.search("القمح").hits]
    barrier = threading.Barrier(4)
    answers = []

    def search_and_engine():
        barrier.wait()  # four threads at once, each with its own word groups
        ids = [hit.id for hit in index.search("القمح").hits]
        answers.append((ids, index.engine))

    threads = [threading.Thread(target=search_and_engine) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 4 and all(ids == expected for ids, _ in answers)
    assert len({id(engine) for _, engine in answers}) == 1
