"""The vectorised engine gives what Whoosh gives: same matches, scores, facet counts; and
it scores a word group as one term."""

import pytest
from whoosh import query as wq
from whoosh import sorting

from search import stemgroups
from search.engine import top
from search.query import parse
from search.stemgroups import TermGroup

from conftest import write_corpus

QUERIES = ["وزارة الدفاع", "سوريا", "بسوريا", "الدفاع OR موسكو", "سوريا -روسيا",
           '"وزارة الدفاع"', '"الرئيس السوري"', '"وزارة الدفاع الروسية"', '"سوريا روسيا"',
           '"الدفاع" -"الرئيس السوري"',
           "بوت*", "الأمريكية", "البنتاجون", "٦٤ طلعة", "الروسي الجوية الضربات",
           "كلمةليستفيالنص", "روسيا OR كلمةليستفيالنص"]


def whoosh_answer(searcher, query):
    facet = sorting.FieldFacet("source", maptype=sorting.Count)
    results = searcher.search(query, limit=None, groupedby=facet)
    return {hit.docnum: hit.score for hit in results}, results.groups("source")


def python_scores(searcher, query, phrase_matches):
    """docnum -> score, computed document by document from the reader's postings: a
    ``TermGroup`` is one BM25 of the weighted sum of its forms' frequencies."""
    reader, weighting = searcher.reader(), searcher.weighting
    B, K1, avg = weighting.B, weighting.K1, searcher.avg_field_length("text")

    def bm25(frequency, doc, idf):
        length = reader.doc_field_length(doc, "text", 0)
        return idf * frequency * (K1 + 1) / (frequency + K1 * (1 - B + B * length / avg))

    def frequencies(text):
        if ("text", text) not in reader:
            return {}
        return dict(reader.postings("text", text).items_as("weight"))

    def score(q):
        if isinstance(q, TermGroup):
            summed = {}
            for term, weight in zip(q.subqueries, q.weights):
                for doc, frequency in frequencies(term.text).items():
                    summed[doc] = summed.get(doc, 0.0) + weight * frequency
            return {doc: q.boost * bm25(f, doc, q.idf) for doc, f in summed.items()}
        if isinstance(q, wq.Term):
            idf = weighting.group_idf.get(("text", q.text), searcher.idf("text", q.text))
            return {doc: q.boost * bm25(f, doc, idf) for doc, f in frequencies(q.text).items()}
        if isinstance(q, wq.AndNot):
            excluded = score(q.b)
            return {doc: s for doc, s in score(q.a).items() if doc not in excluded}
        parts = [score(sub) for sub in q.subqueries]
        if isinstance(q, wq.Or):
            docs = set().union(*parts)
        else:
            docs = set.intersection(*(set(part) for part in parts))
            if isinstance(q, wq.Sequence):
                docs &= phrase_matches(q)
        return {doc: q.boost * sum(part.get(doc, 0.0) for part in parts) for doc in docs}

    return score(query)


def assert_engine_matches_whoosh(index, text):
    """The engine's matches, scores and facet counts for ``text`` are Whoosh's."""
    searcher, builder = index._builder()
    query = builder.build(parse(text))
    engine = index._engine()
    ids, scores = engine.evaluate(query, searcher)
    expected, expected_counts = whoosh_answer(searcher, query)
    assert set(ids.tolist()) == set(expected)
    for docnum, score in zip(ids.tolist(), scores.tolist()):
        assert score == pytest.approx(expected[docnum], rel=1e-6)
    assert engine.facet_counts(ids) == (expected_counts, len(expected_counts))


@pytest.mark.parametrize("text", QUERIES)
def test_engine_matches_whoosh(sample_index, text):
    assert_engine_matches_whoosh(sample_index, text)


@pytest.mark.parametrize("text", QUERIES)
def test_engine_scores_groups_as_one_term(sample_index, text):
    searcher, builder = sample_index._builder()
    query = builder.build(parse(text))
    ids, scores = sample_index._engine().evaluate(query, searcher)

    def phrase_matches(phrase):
        return {hit.docnum for hit in searcher.search(phrase, limit=None)}

    expected = python_scores(searcher, query, phrase_matches)
    assert sorted(ids.tolist()) == sorted(expected)
    for docnum, score in zip(ids.tolist(), scores.tolist()):
        assert score == pytest.approx(expected[docnum], rel=1e-9)


@pytest.mark.parametrize("text", QUERIES)
def test_form_by_form_scoring_is_whooshs(sample_index, text, monkeypatch):
    """Whoosh scores a group form by form; so does the engine without SATURATE_ONCE."""
    monkeypatch.setattr(stemgroups, "SATURATE_ONCE", False)
    searcher, builder = sample_index._builder()
    query = builder.build(parse(text))
    ids, scores = sample_index._engine().evaluate(query, searcher)
    expected, _counts = whoosh_answer(searcher, query)
    assert {d: pytest.approx(s, rel=1e-6) for d, s in zip(ids.tolist(), scores.tolist())} \
        == expected


def test_two_forms_of_a_group_count_as_one_form_twice(tmp_path):
    """A passage holding two forms of a word is scored like one holding a form twice:
    one saturation of the summed (weighted) frequencies, not two."""
    from search import Index

    corpus = write_corpus(tmp_path / "corpus", {
        "two-forms.txt": "قرأ الكتاب ثم كتابه",
        "one-form.txt": "قرأ الكتاب ثم الكتاب",
        "other.txt": "ذهب الرجل إلى السوق",
    })
    index = Index.build(corpus, tmp_path / "index")
    searcher, builder = index._builder()
    query = builder.build(parse("الكتاب"))
    assert isinstance(query, TermGroup)
    weights = dict(zip((t.text for t in query.subqueries), query.weights))
    assert weights["الكتاب"] == 1 + stemgroups.EXACT_WEIGHT and weights["كتابه"] == 1.0
    engine = index._engine()
    ids, scores = engine.evaluate(query, searcher)
    by_source = {engine.stored_fields(d)["source"]: s for d, s in zip(ids.tolist(), scores.tolist())}
    assert set(by_source) == {"two-forms.txt", "one-form.txt"}
    lengths = {searcher.reader().doc_field_length(d, "text") for d in ids.tolist()}
    assert len(lengths) == 1  # the same length: only the frequencies differ
    B, K1 = searcher.weighting.B, searcher.weighting.K1
    norm = K1 * (1 - B + B * lengths.pop() / searcher.avg_field_length("text"))

    def bm25(frequency):
        return query.idf * frequency * (K1 + 1) / (frequency + norm)

    assert by_source["two-forms.txt"] == pytest.approx(bm25(weights["الكتاب"] + 1.0))
    assert by_source["one-form.txt"] == pytest.approx(bm25(2 * weights["الكتاب"]))
    index.close()


@pytest.mark.parametrize("saturate_once", [True, False])
def test_whoosh_scores_groups_in_shapes_left_to_it(sample_index, monkeypatch, saturate_once):
    """A loose phrase of groups goes to Whoosh; its scores are the groups' (an AND)."""
    monkeypatch.setattr(stemgroups, "SATURATE_ONCE", saturate_once)
    searcher, builder = sample_index._builder()
    first, second = builder.build(parse("وزارة")), builder.build(parse("الدفاع"))
    loose = wq.Sequence([first, second], slop=3)
    engine = sample_index._engine()
    assert engine.evaluate(loose, searcher) is None
    found = {hit.docnum: hit.score for hit in searcher.search(loose, limit=None)}
    ids, scores = engine.evaluate(wq.And([first, second]), searcher)
    both = dict(zip(ids.tolist(), scores.tolist()))
    assert found and set(found) <= set(both)
    assert found == {doc: pytest.approx(both[doc]) for doc in found}


def test_whoosh_keeps_the_boost_of_a_one_form_group(sample_index, monkeypatch):
    searcher, _builder = sample_index._builder()
    plain = {h.docnum: h.score for h in searcher.search(wq.Term("text", "سوريا"), limit=None)}
    for saturate_once in (True, False):
        monkeypatch.setattr(stemgroups, "SATURATE_ONCE", saturate_once)
        one = TermGroup([wq.Term("text", "سوريا")], idf=searcher.idf("text", "سوريا"),
                        boost=3.0)
        boosted = {h.docnum: h.score for h in searcher.search(one, limit=None)}
        assert boosted == {d: pytest.approx(3 * s) for d, s in plain.items()}


def test_other_query_shapes_are_left_to_whoosh(sample_index):
    from whoosh import query as wq

    searcher, _builder = sample_index._builder()
    loose = wq.Sequence([wq.Term("text", "وزاره"), wq.Term("text", "الدفاع")], slop=3)
    assert sample_index._engine().evaluate(loose, searcher) is None


def test_top_orders_by_score_then_document():
    import numpy as np

    ids = np.array([5, 1, 3, 2])
    scores = np.array([1.0, 2.0, 2.0, 0.5])
    assert top(ids, scores, 3) == [(1, 2.0), (3, 2.0), (5, 1.0)]
    assert top(ids, scores, 0) == []


def test_dense_and_sorted_unions_agree():
    import numpy as np

    from search import engine

    rng = np.random.default_rng(7)
    parts = []
    for _ in range(5):
        ids = np.unique(rng.integers(0, 1000, 300))
        parts.append((ids, rng.random(len(ids))))
    dense = engine._union(parts, 2.0, size=1000)  # 1,500 postings: dense
    assert 1500 * engine.DENSE_UNION_DIVISOR > 1000
    sorted_ids, sorted_scores = engine._union(parts, 2.0, size=10**9)  # sorted
    assert dense[0].tolist() == sorted_ids.tolist()
    assert dense[1].tolist() == sorted_scores.tolist()
    expected = {}
    for ids, scores in parts:
        for i, s in zip(ids.tolist(), scores.tolist()):
            expected[i] = expected.get(i, 0.0) + s
    assert sorted_ids.tolist() == sorted(expected)
    assert sorted_scores.tolist() == pytest.approx([2 * expected[i] for i in sorted(expected)])
