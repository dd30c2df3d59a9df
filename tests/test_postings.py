"""The flat posting arrays hold exactly what Whoosh's posting lists hold, in every segment."""

from pathlib import Path

import numpy as np
import pytest
from whoosh import index as windex

from search import Index, postings, storage
from search.passages import Passage
from tests.conftest import write_corpus
from tests.test_engine import QUERIES, assert_engine_matches_reference, whoosh_reader

LONG = " ".join(["كلمة"] * 300 + ["نهاية", "كلمة"])  # positions past one byte


def whoosh_postings(segment_reader, term):
    """(ids, weights, positions per id) of one term in one segment, read through Whoosh
    (which skips deleted documents)."""
    matcher = segment_reader.postings("text", term)
    ids, weights, positions = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        positions.append(matcher.value_as("positions"))
        matcher.next()
    return ids, weights, positions


def assert_arrays_match_whoosh(generation: Path):
    ix = windex.open_dir(str(generation))
    with ix.reader() as reader:
        leaves = reader.leaf_readers()
        assert leaves
        for leaf, _offset in leaves:
            arrays = postings.SegmentPostings(generation, leaf.segment().segment_id())
            terms = [t.decode("utf-8") for t in leaf.lexicon("text")]
            assert arrays.count == len(terms)
            assert list(arrays.expand_prefix("")) == terms
            for term in terms:
                number = arrays.find(term)
                assert number >= 0, term
                ids, weights, positions = whoosh_postings(leaf, term)
                docs, found_weights = arrays.postings(number)
                live = [not leaf.is_deleted(d) for d in docs.tolist()]
                assert docs[live].tolist() == ids
                assert found_weights[live].tolist() == weights
                assert arrays.doc_frequency(number) == len(docs)
                every_doc, every_position = arrays.positions_of(number, np.asarray(ids, np.uint32))
                expected_docs = [d for d, p in zip(ids, positions) for _ in p]
                assert every_doc.tolist() == expected_docs
                assert every_position.tolist() == [x for p in positions for x in p]
            assert arrays.find("كلمةليستفيالفهرس") == -1


@pytest.fixture(scope="module")
def segmented_index(tmp_path_factory, sample_corpus):
    """The sample corpus written by two processes (two segments), then updated: one file
    changed (a third segment, deletions in the first two), one added."""
    from search.passages import iter_corpus_files, read_passages

    corpus = tmp_path_factory.mktemp("segmented") / "corpus"
    files = {source: path.read_text(encoding="utf-8")
             for source, path in iter_corpus_files(sample_corpus)}
    write_corpus(corpus, files)
    passages = [p for _, path in iter_corpus_files(corpus) for p in read_passages(path, corpus)]
    index_dir = corpus.parent / "index"
    Index.build_from_passages(passages, index_dir, corpus_dir=corpus, procs=2)
    first = sorted(files)[0]
    write_corpus(corpus, {first: files[first] + "\n\nفقرة جديدة عن موسكو وسوريا",
                          "long.txt": LONG})
    index = Index.open(index_dir)
    index.update(corpus)
    return index


def test_arrays_match_whoosh_in_every_segment(segmented_index):
    generation = storage.current_generation(segmented_index.index_dir)
    assert len(windex.open_dir(str(generation))._segments()) >= 2
    assert_arrays_match_whoosh(generation)


def test_arrays_match_whoosh_for_a_single_process_build(sample_index):
    assert_arrays_match_whoosh(storage.current_generation(sample_index.index_dir))


def test_positions_beyond_one_byte_and_repeated_words(tmp_path):
    index = Index.build_from_passages(
        [Passage(source="long.txt", number=1, text=LONG, start=0, end=len(LONG), title=None)],
        tmp_path / "index")
    generation = storage.current_generation(index.index_dir)
    assert_arrays_match_whoosh(generation)
    assert index.count('"نهاية كلمة"') == 1
    assert index.count('"كلمة نهاية"') == 1
    assert index.count('"نهاية نهاية"') == 0


@pytest.mark.parametrize("text", QUERIES)
def test_engine_matches_the_reference_over_several_segments(segmented_index, text):
    assert_engine_matches_reference(segmented_index, text)


def test_retired_segments_lose_their_arrays(segmented_index, tmp_path):
    generation = storage.current_generation(segmented_index.index_dir)
    segments = {s.segment_id() for s in windex.open_dir(str(generation))._segments()}
    named = {path.name.split(postings.SUFFIX)[0] for path in generation.iterdir()
             if postings.SUFFIX in path.name}
    assert named == segments
    for segment_id in segments:
        for part in postings.PARTS:
            assert (generation / f"{segment_id}{postings.SUFFIX}.{part}").is_file()


def test_an_index_without_arrays_says_so(tmp_path):
    index = Index.build_from_passages(
        [Passage(source="a.txt", number=1, text="سوريا", start=0, end=5, title=None)],
        tmp_path / "index")
    generation = storage.current_generation(index.index_dir)
    for path in generation.glob(f"*{postings.SUFFIX}.docs"):
        path.unlink()
    with pytest.raises(FileNotFoundError):
        Index.open(tmp_path / "index").search("سوريا")


@pytest.mark.parametrize("positions", [[0], [7], [255], [256], [3, 9], [70000], [0, 255, 256]])
def test_text_positions_encode_as_whoosh_does(positions):
    from whoosh.formats import Positions

    assert postings.TextPositions().encode(positions) == Positions().encode(positions)
    assert postings.TextPositions().decode_positions(
        postings.TextPositions().encode(positions)) == positions


def test_text_positions_give_whooshs_values():
    from whoosh.formats import Positions

    from search.analysis import ArabicAnalyzer

    analyzer = ArabicAnalyzer(stem=False)
    text = "ٱلْكِتَٰبُ في سوريا و سوريا ثم " + LONG
    ours = sorted(postings.TextPositions().word_values(text, analyzer))
    theirs = sorted(Positions().word_values(text, analyzer))
    assert ours == theirs


def test_vocabulary_answers_as_the_whoosh_reader_does(segmented_index):
    reader = whoosh_reader(segmented_index)
    vocabulary = segmented_index.engine.vocabulary
    assert len(vocabulary.segments) >= 2
    for prefix in ("", "ال", "س", "سوري", "موسكو", "كلمةليستفيالفهرس"):
        expected = [t.decode("utf-8") for t in reader.expand_prefix("text", prefix)]
        assert list(vocabulary.expand_prefix("text", prefix)) == expected
    for term in [t.decode("utf-8") for t in reader.lexicon("text")][::7] + ["كلمةليستفيالفهرس"]:
        assert vocabulary.doc_frequency("text", term) == reader.doc_frequency("text", term)
        assert (("text", term) in vocabulary) == (("text", term) in reader)
    assert vocabulary.doc_count_all() == reader.doc_count_all()
    with pytest.raises(ValueError):
        list(vocabulary.expand_prefix("source", ""))


def test_per_document_columns_match_whooshs(segmented_index):
    reader = whoosh_reader(segmented_index)
    columns = segmented_index.engine.columns
    count = reader.doc_count_all()
    assert columns.lengths.tolist() == [reader.doc_field_length(n, "text") or 0
                                        for n in range(count)]
    live = set(reader.all_doc_ids())
    assert len(live) < count  # the update deleted the changed file's old passages
    assert [n for n in range(count) if columns.live[n]] == sorted(live)
    sources = list(reader.column_reader("source"))
    assert [columns.source_names[i] for i in columns.source_of] == sources
    assert columns.source_names == sorted(set(sources))


def test_a_passage_of_common_words_only_is_indexed_whole(tmp_path):
    index = Index.build_from_passages(
        [Passage(source="a.txt", number=1, text="في من على", start=0, end=9, title=None),
         Passage(source="b.txt", number=1, text="سوريا", start=0, end=5, title=None)],
        tmp_path / "index")
    columns = index.engine.columns
    assert columns.lengths.tolist() == [3.0, 1.0]
    assert [columns.source_names[i] for i in columns.source_of] == ["a.txt", "b.txt"]
    assert index.search("سوريا").total == 1
    assert [hit.source for hit in index.search("من على").hits] == ["a.txt"]


def test_merged_segments_get_arrays_and_retired_ones_lose_theirs(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {f"f{i}.txt": "سوريا وروسيا " * (i + 1)
                                                for i in range(3)})
    index = Index.build(corpus, tmp_path / "index")
    counts = []
    for round_ in range(6):
        write_corpus(corpus, {f"f{round_ % 3}.txt": "موسكو " * (round_ + 2)})
        index.update(corpus)
        generation = storage.current_generation(tmp_path / "index")
        segments = {s.segment_id() for s in storage.open_whoosh(generation)._segments()}
        named = {p.name.split(postings.SUFFIX)[0] for p in generation.iterdir()
                 if postings.SUFFIX in p.name}
        assert named == segments
        counts.append(len(segments))
        assert index.search("موسكو").total == min(round_ + 1, 3)
        assert_arrays_match_whoosh(generation)
    assert any(later < earlier for earlier, later in zip(counts, counts[1:]))  # a merge
