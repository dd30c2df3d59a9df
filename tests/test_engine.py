"""The vectorised engine gives what Whoosh gives: same matches, scores, facet counts."""

import pytest
from whoosh import sorting

from search.engine import top
from search.query import parse

QUERIES = ["وزارة الدفاع", "سوريا", "بسوريا", "الدفاع OR موسكو", "سوريا -روسيا",
           '"وزارة الدفاع"', '"الرئيس السوري"', '"وزارة الدفاع الروسية"', '"سوريا روسيا"',
           '"الدفاع" -"الرئيس السوري"',
           "بوت*", "الأمريكية", "البنتاجون", "٦٤ طلعة", "الروسي الجوية الضربات",
           "كلمةليستفيالنص", "روسيا OR كلمةليستفيالنص"]


def whoosh_answer(searcher, query):
    facet = sorting.FieldFacet("source", maptype=sorting.Count)
    results = searcher.search(query, limit=None, groupedby=facet)
    return {hit.docnum: hit.score for hit in results}, results.groups("source")


@pytest.mark.parametrize("text", QUERIES)
def test_engine_matches_whoosh(sample_index, text):
    searcher, builder = sample_index._builder()
    query = builder.build(parse(text))
    engine = sample_index._engine(searcher)
    ids, scores = engine.evaluate(query, searcher)
    expected, expected_counts = whoosh_answer(searcher, query)
    assert set(ids.tolist()) == set(expected)
    for docnum, score in zip(ids.tolist(), scores.tolist()):
        assert score == pytest.approx(expected[docnum], rel=1e-6)
    assert engine.facet_counts(ids) == (expected_counts, len(expected_counts))


def test_other_query_shapes_are_left_to_whoosh(sample_index):
    from whoosh import query as wq

    searcher, _builder = sample_index._builder()
    loose = wq.Sequence([wq.Term("text", "وزاره"), wq.Term("text", "الدفاع")], slop=3)
    assert sample_index._engine(searcher).evaluate(loose, searcher) is None


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
