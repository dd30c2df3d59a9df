"""Related words learned from the corpus (search/related.py) and the question hook."""

import math
from functools import partial

import pytest

from search import Index, related
from search.arabic import normalize
from search.ranking import Ranking
from search.variants import stem_of

from conftest import index_of_texts

TEXTS = [
    "الصبر على البلاء خير",
    "الصبر عند البلاء عظيم",
    "الصبر مع البلاء نجاة",
    "نزل البلاء بالقوم الظالمين",
    "الماء بارد في الشتاء",
    "الشمس حارة في الصيف",
    "القمر منير في الليل",
    "الكتاب مفتوح على المكتب",
]


@pytest.fixture(scope="module")
def made_up(tmp_path_factory):
    folder = tmp_path_factory.mktemp("related") / "index"
    index = index_of_texts(TEXTS, folder)
    yield folder, index
    index.close()


@pytest.fixture
def loose(monkeypatch):
    """Thresholds for a corpus of eight passages (the shipped ones suit thousands)."""
    monkeypatch.setattr(related, "MAX_SHARE", 1.0)
    monkeypatch.setattr(related, "MIN_TOGETHER", 2)


def test_npmi_of_stems_sharing_passages(made_up, loose):
    _folder, index = made_up
    table = related.RelatedWords(index.engine, partial(stem_of, stemmer="light"))
    found = dict(table(normalize("الصبر")))
    # الصبر in 3 of 8 passages, البلاء in 4, together in 3
    joint, own, other = 3 / 8, 3 / 8, 4 / 8
    expected = math.log(joint / (own * other)) / -math.log(joint)
    assert found["البلاء"] == pytest.approx(expected, abs=1e-4)
    assert "الماء" not in found  # never together
    assert table(normalize("مجهول")) == ()


def test_few_shared_passages_are_chance(made_up, monkeypatch):
    _folder, index = made_up
    monkeypatch.setattr(related, "MAX_SHARE", 1.0)
    monkeypatch.setattr(related, "MIN_TOGETHER", 4)
    table = related.RelatedWords(index.engine, partial(stem_of, stemmer="light"))
    assert table(normalize("الصبر")) == ()


def test_off_by_default_leaves_rankings_unchanged(made_up, loose):
    folder, index = made_up
    assert Ranking().related_weight == 0
    question = "ما فضل الصبر؟"
    plan = index.plan(question, match="any")
    assert plan.expansions == ()
    off = Index.open(folder, ranking=Ranking(related_weight=0.0))
    assert off.ranked_ids(question, match="any") == index.ranked_ids(question, match="any")
    assert "p4.txt#1" not in [hit for hit, _score in index.ranked_ids(question, match="any")]


def test_a_question_finds_a_passage_through_a_related_word(made_up, loose):
    folder, _index = made_up
    on = Index.open(folder, ranking=Ranking(related_weight=1.0))
    question = "ما فضل الصبر؟"
    plan = on.plan(question, match="any")
    assert ("الصبر", "البلاء") in plan.expansions
    ranked = [hit for hit, _score in on.ranked_ids(question, match="any")]
    assert "p4.txt#1" in ranked  # speaks of البلاء only
    assert ranked.index("p4.txt#1") > max(ranked.index(f"p{n}.txt#1") for n in (1, 2, 3))
    shown = on.search(question, match="any").to_dict()["match"]["expansions"]
    assert {"word": "الصبر", "related": "البلاء"} in shown
    # only questions: a search for every word is not expanded
    assert on.plan(question, match="all").expansions == ()
    on.close()
