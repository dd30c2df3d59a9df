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
    """Every set of arrays the engine opens holds, for each term, the postings of the
    segments it covers, renumbered as Whoosh numbers documents."""
    ix = windex.open_dir(str(generation))
    with ix.reader() as reader:
        leaves = reader.leaf_readers()
        assert leaves
        sets = postings.open_generation(generation, leaves)
        ends = [offset for _, offset in sets[1:]] + [reader.doc_count_all()]
        for (arrays, first), end in zip(sets, ends):
            covered = [(leaf, offset) for leaf, offset in leaves if first <= offset < end]
            terms = sorted({t for leaf, _ in covered for t in leaf.lexicon("text")})
            assert arrays.count == len(terms)
            assert list(arrays.expand_prefix("")) == [t.decode("utf-8") for t in terms]
            assert len(arrays.lengths) == len(arrays.sources) == end - first
            for term in (t.decode("utf-8") for t in terms):
                number = arrays.find(term)
                assert number >= 0, term
                ids, weights, positions, frequency = [], [], [], 0
                for leaf, offset in covered:
                    if ("text", term) in leaf:
                        found = whoosh_postings(leaf, term)
                        ids += [offset - first + d for d in found[0]]
                        weights += found[1]
                        positions += found[2]
                        frequency += leaf.doc_frequency("text", term)
                docs, found_weights = arrays.postings(number)
                assert np.all(np.diff(docs.astype(np.int64)) > 0)
                live = [not reader.is_deleted(first + d) for d in docs.tolist()]
                assert docs[live].tolist() == ids
                assert found_weights[live].tolist() == weights
                assert arrays.doc_frequency(number) == frequency
                every_doc, every_position = arrays.positions_of(number, np.asarray(ids, np.uint32))
                expected_docs = [d for d, p in zip(ids, positions) for _ in p]
                assert every_doc.tolist() == expected_docs
                assert every_position.tolist() == [x for p in positions for x in p]
            assert arrays.find("كلمةليستفيالفهرس") == -1


def assert_only_read_arrays_kept(generation: Path):
    """The folder holds the arrays of the sets the engine opens, and no others."""
    with windex.open_dir(str(generation)).reader() as reader:
        opened = {arrays.name for arrays, _ in
                  postings.open_generation(generation, reader.leaf_readers())}
    named = postings.sidecar_names(generation)
    assert set(named) == opened
    for paths in named.values():
        assert sorted(path.name.rsplit(".", 1)[1] for path in paths) == \
            sorted(postings.PARTS + postings.SURFACE_PARTS)


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
    assert len(storage.segments_of(generation)) >= 2
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


def test_retired_segments_lose_their_arrays(segmented_index):
    assert_only_read_arrays_kept(storage.current_generation(segmented_index.index_dir))


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


def test_vocabulary_answers_as_the_whoosh_reader_does(tmp_path, sample_corpus):
    from search.passages import iter_corpus_files

    corpus = write_corpus(tmp_path / "corpus", {source: path.read_text(encoding="utf-8")
                                                for source, path in iter_corpus_files(sample_corpus)})
    index = Index.build(corpus, tmp_path / "index")
    write_corpus(corpus, {"new.txt": "سوريا وموسكو في السوريين الموسكوفيين"})
    index.update(corpus)
    reader = whoosh_reader(index)
    vocabulary = index.engine.vocabulary
    assert len(vocabulary.segments) == 2
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


def test_arrays_follow_updates_deletions_and_whoosh_merges(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {f"f{i}.txt": "سوريا وروسيا " * (i + 1)
                                                for i in range(3)})
    index = Index.build(corpus, tmp_path / "index")
    counts, sets = [], []
    for round_ in range(8):
        write_corpus(corpus, {f"f{round_ % 3}.txt": "موسكو " * (round_ + 2),
                              f"new{round_}.txt": f"واشنطن {round_} " * 3})
        index.update(corpus)
        generation = storage.current_generation(tmp_path / "index")
        segments = storage.segments_of(generation)
        counts.append(len(segments))
        sets.append(len(sets_of(index)))
        assert index.search("موسكو").total == min(round_ + 1, 3)
        assert index.search("واشنطن").total == round_ + 1
        assert_arrays_match_whoosh(generation)
        assert_only_read_arrays_kept(generation)
    assert any(later < earlier for earlier, later in zip(counts, counts[1:]))  # a merge
    assert max(sets) <= 3 and all(s <= c for s, c in zip(sets, counts))


def test_updates_merge_small_sets_and_leave_the_large_one(tmp_path):
    files = {f"f{i:03d}.txt": f"سوريا {i} وروسيا\n\nموسكو {i}" for i in range(200)}
    corpus = write_corpus(tmp_path / "corpus", files)
    index = Index.build(corpus, tmp_path / "index")
    first = storage.current_generation(tmp_path / "index")
    large = {path.name: path.stat().st_ino for path in first.iterdir()
             if postings.SUFFIX in path.name}
    for round_ in range(3):
        write_corpus(corpus, {f"new{round_}.txt": f"واشنطن {round_}"})
        index.update(corpus)
        generation = storage.current_generation(tmp_path / "index")
        # The large set's files are the same files, linked, not rewritten.
        assert {name: (generation / name).stat().st_ino for name in large} == large
        assert_arrays_match_whoosh(generation)
        assert_only_read_arrays_kept(generation)
    assert len(sets_of(index)) == 2  # the large segment, the merged updates


def sets_of(index):
    """The sets of posting arrays the index's engine reads, with their offsets."""
    return index.engine.segments


def _all_postings(sets):
    """term -> (documents, weights, positions) over sets of arrays, numbered globally."""
    found = {}
    for arrays, offset in sets:
        for term in arrays.expand_prefix(""):
            number = arrays.find(term)
            docs, weights = arrays.postings(number)
            docs = docs.astype(np.int64)
            at_docs, at = arrays.positions_of(number, docs.astype(np.uint32))
            old = found.get(term, ([], [], []))
            found[term] = (old[0] + (docs + offset).tolist(), old[1] + weights.tolist(),
                           old[2] + list(zip((at_docs + offset).tolist(), at.tolist())))
    return found


def _surface_postings(sets):
    """surface term -> (documents, weights) over sets of surface arrays, numbered globally."""
    found = {}
    for arrays, offset in sets:
        for term in arrays.expand_prefix(""):
            docs, weights = arrays.postings(arrays.find(term))
            old = found.get(term, ([], []))
            found[term] = (old[0] + (docs.astype(np.int64) + offset).tolist(),
                           old[1] + weights.tolist())
    return found


def _columns(sets):
    return (np.concatenate([arrays.lengths for arrays, _ in sets]).tolist(),
            [arrays.source_names[n] for arrays, _ in sets for n in arrays.sources.tolist()])


def test_merged_arrays_are_the_segments_arrays_renumbered(tmp_path, monkeypatch, sample_corpus):
    from search import merging
    from search.passages import iter_corpus_files, read_passages

    passages = [p for _, path in iter_corpus_files(sample_corpus)
                for p in read_passages(path, sample_corpus)] * 5
    merge = merging.merge_generation
    monkeypatch.setattr(merging, "merge_generation", lambda folder, segments: None)
    Index.build_from_passages(passages + [Passage(source="long.txt", number=1, text=LONG,
                                                  start=0, end=len(LONG), title=None)],
                              tmp_path / "index", procs=3)
    generation = storage.current_generation(tmp_path / "index")
    whoosh_index = storage.open_whoosh(generation)
    with whoosh_index.reader() as reader:
        segments = postings.open_generation(generation, reader.leaf_readers())
        assert len(segments) == 3
        surfaces = _surface_postings(postings.open_surfaces(generation, segments))
        merge(generation, storage.segments_of(generation))
        merged = postings.open_generation(generation, reader.leaf_readers())
    assert [offset for _, offset in merged] == [0]
    assert _all_postings(merged) == _all_postings(segments)
    assert _surface_postings(postings.open_surfaces(generation, merged)) == surfaces
    assert surfaces and all(" " in term for term in surfaces)
    assert _columns(merged) == _columns(segments)
    assert_only_read_arrays_kept(generation)


def test_an_index_built_by_several_processes_answers_as_one_built_by_one(tmp_path,
                                                                         sample_corpus):
    from search.passages import iter_corpus_files, read_passages

    passages = [p for _, path in iter_corpus_files(sample_corpus)
                for p in read_passages(path, sample_corpus)]
    passages = [Passage(source=f"{copy}-{p.source}", number=p.number, text=p.text,
                        start=p.start, end=p.end, title=p.title)
                for copy in range(8) for p in passages]
    one = Index.build_from_passages(passages, tmp_path / "one", procs=1)
    four = Index.build_from_passages(passages, tmp_path / "four", procs=4)
    generation = storage.current_generation(tmp_path / "four")
    assert len(storage.segments_of(generation)) == 4
    assert len(sets_of(four)) == 1
    assert_arrays_match_whoosh(generation)
    for text in QUERIES:
        count = one.count(text)
        assert four.count(text) == count
        assert dict(four.ranked_ids(text, limit=count + 1, match="all")) == \
            dict(one.ranked_ids(text, limit=count + 1, match="all"))
        # Copies of a passage tie; ties go by document number, which differs.
        first, second = one.search(text, per_page=50), four.search(text, per_page=50)
        assert [h.score for h in second.hits] == [h.score for h in first.hits]
        assert (second.total, second.facets) == (first.total, first.facets)


def test_a_set_whose_segments_whoosh_merged_or_reordered_is_rewritten(tmp_path, monkeypatch,
                                                                       sample_corpus):
    from types import SimpleNamespace

    from search import merging
    from search.passages import iter_corpus_files, read_passages

    passages = [p for _, path in iter_corpus_files(sample_corpus)
                for p in read_passages(path, sample_corpus)] * 5
    merge = merging.merge_generation
    monkeypatch.setattr(merging, "merge_generation", lambda folder, segments: None)
    Index.build_from_passages(passages, tmp_path / "index", procs=3)
    generation = storage.current_generation(tmp_path / "index")
    first, retired, last = storage.segments_of(generation)
    own = {s.segment_id(): postings.SegmentPostings(generation, s.segment_id())
           for s in (first, last)}
    merge(generation, [first, retired, last])
    assert len(postings.read_manifest(generation)) == 1
    # As after a Whoosh merge that retired the middle segment and sorted the others.
    merge(generation, [last, first])

    def leaf(segment):
        return SimpleNamespace(segment=lambda: segment)

    leaves = [(leaf(last), 0), (leaf(first), last.doc_count_all())]
    sets = postings.open_generation(generation, leaves)
    assert [offset for _, offset in sets] == [0]
    expected = [(own[last.segment_id()], 0), (own[first.segment_id()], last.doc_count_all())]
    assert _all_postings(sets) == _all_postings(expected)
    assert _columns(sets) == _columns(expected)
    assert set(postings.sidecar_names(generation)) == {sets[0][0].name}


def test_commonest_words_of_a_prefix_count_as_whoosh_does(segmented_index):
    reader = whoosh_reader(segmented_index)
    vocabulary = segmented_index.engine.vocabulary
    for prefix in ("ال", "س", "مو"):
        counted = sorted(((reader.doc_frequency("text", t), t.decode("utf-8"))
                          for t in reader.expand_prefix("text", prefix)),
                         key=lambda ft: (-ft[0], ft[1]))
        assert vocabulary.commonest(prefix, 5) == counted[:5]
    assert vocabulary.commonest("كلمةليستفيالفهرس", 5) == []
