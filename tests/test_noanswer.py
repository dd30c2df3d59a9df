"""The no-answer decision: question kinds, query-time features, the fitted model."""

from pathlib import Path

import pytest

from search import Index, noanswer
from search.evaluation import (
    NO_ANSWER,
    load_collection,
    load_questions,
    qpc_passages,
    run_questions,
)

TINY = Path(__file__).resolve().parent / "data" / "quranqa_tiny"


@pytest.fixture(scope="module")
def tiny_index(tmp_path_factory):
    collection = load_collection(TINY / "tiny_QPC.tsv")
    index = Index.build_from_passages(qpc_passages(collection), tmp_path_factory.mktemp("tiny") / "index")
    yield index
    index.close()


@pytest.mark.parametrize("question, kind", [
    ("هل الصبر فرض؟", (1.0, 0.0)),
    ("أين يقع الجبل؟", (1.0, 0.0)),
    ("اين يقع الجبل؟", (1.0, 0.0)),  # any alef spelling
    ("في كم يوم خلق الكون؟", (1.0, 0.0)),  # a preposition before the question word
    ("ما معنى الصبر؟", (0.0, 0.0)),
    ("لماذا يصبر الجمل؟", (0.0, 0.0)),
    ("اتهم القرآن بأنه السبب، كيف نرد؟", (0.0, 1.0)),  # argues before it asks
    ('"هل" في أول السؤال', (1.0, 0.0)),  # quotes are punctuation in a question
])
def test_question_kind(question, kind):
    assert noanswer.question_kind(question) == kind


def test_question_words_are_each_word_once_without_query_syntax():
    assert noanswer.question_words('ما "المطر" -المطر OR الأرض*') == ["ما", "المطر", "الأرض"]


def test_features_of_a_question_the_best_passage_covers(tiny_index):
    question = "ماذا يفعل المطر بالأرض؟"
    ranked = [(pid, score) for pid, score in run_questions(tiny_index, {"q": question})["q"]]
    assert ranked[0][0] == "2:5-7"
    values = noanswer.features(tiny_index, question, ranked)
    assert values["covered"] == 1.0  # every word found is in the best passage
    assert values["matched"] == pytest.approx(2 / 3)  # يفعل is nowhere in the collection
    assert values["log_top"] > 0 and values["fact"] == 0.0


def test_features_of_a_question_nothing_matches(tiny_index):
    values = noanswer.features(tiny_index, "كم عدد الكواكب حول الشمس؟", [])
    assert values["log_top"] == 0.0 and values["covered"] == 0.0 and values["matched"] == 0.0
    assert values["fact"] == 1.0 and values["log_words"] > 0


def test_covered_weighs_the_words_the_best_passage_lacks(tiny_index):
    # الجمل is only in 1:4-6; pretend the best passage were the rain passage.
    values = noanswer.features(tiny_index, "الجمل المطر", [("2:5-7", 2.0)])
    assert 0.0 < values["covered"] < 1.0
    assert values["matched"] == 1.0


def test_weaker_evidence_and_fact_questions_are_likelier_unanswerable():
    base = {"log_top": 1.6, "covered": 0.7, "fact": 0.0}
    p = noanswer.no_answer_probability
    assert p({**base, "log_top": 0.5}) > p(base) > p({**base, "log_top": 2.5})
    assert p({**base, "fact": 1.0}) > p(base)
    assert p({**base, "covered": 0.2}) > p(base)


def test_fitted_model_decides_a_plain_and_a_hopeless_case():
    assert not noanswer.unanswerable({"log_top": 2.5, "covered": 1.0, "fact": 0.0})
    assert noanswer.unanswerable({"log_top": 0.3, "covered": 0.1, "fact": 1.0})


def test_run_questions_uses_the_model_only_when_asked(tiny_index, monkeypatch):
    questions = load_questions(TINY / "tiny_questions_dev.tsv")
    monkeypatch.setattr(noanswer, "THRESHOLD", 0.0)  # the model says "no answer" to everything
    plain = run_questions(tiny_index, questions)
    assert plain["101"][0][0] == "2:5-7"
    with_model = run_questions(tiny_index, questions, no_answer_model=True)
    assert all(ranked[0][0] == NO_ANSWER and len(ranked) == 1 for ranked in with_model.values())


def test_questions_are_ranked_by_the_search_path(tiny_index):
    """The evaluation asks what the search box answers: the same passages, in order."""
    for question in load_questions(TINY / "tiny_questions_dev.tsv").values():
        searched = [hit.id for hit in tiny_index.search(question, per_page=10).hits]
        assert [hit_id for hit_id, _ in tiny_index.ranked_ids(question, limit=10)] == searched
