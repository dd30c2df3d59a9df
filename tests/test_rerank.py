"""The learned re-ranking of questions (search/rerank.py) and related roots learned from
questions and their answers (search/associations.py)."""

from pathlib import Path

import numpy as np
import pytest

from search import Index, associations, rerank
from search.errors import SearchError
from search.passages import Passage
from search.ranking import Ranking

from conftest import index_of_texts

TEXTS = [
    "الصبر على البلاء خير للمؤمنين",
    "الصبر خير والشكر خير",
    "نزل البلاء بالقوم والصبر",
    "الماء بارد في الشتاء والصبر",
    "الشمس حارة في الصيف",
]


@pytest.fixture(scope="module")
def made_up(tmp_path_factory):
    index = index_of_texts(TEXTS, tmp_path_factory.mktemp("rerank") / "index", roots=True)
    yield index
    index.close()


@pytest.mark.parametrize("query, question", [
    ("ما هو الصبر؟", True),
    ("ما هو الصبر?", True),
    ("ما هو الصبر", False),
    ("الصبر على البلاء", False),
    ("كلمات كثيرة تجعل من النص سؤالا يقرأ بلغة الناس العادية", True),
    ("", False),
])
def test_a_question_ends_with_a_question_mark_or_is_long(query, question):
    assert rerank.is_question(query) is question


def test_features_say_what_a_passage_holds(made_up):
    ids, values = made_up.question_candidates("ما الصبر على البلاء؟")
    rows = dict(zip(ids, values))
    column = rerank.FEATURES.index
    both, one = rows["p1.txt#1"], rows["p4.txt#1"]
    assert both[column("cover")] == pytest.approx(1.0)
    assert 0 < one[column("cover")] < 1
    assert both[column("exact_cover")] == pytest.approx(1.0)
    assert both[column("word_share")] == 1.0 and one[column("word_share")] == 0.5
    assert both[column("window")] == pytest.approx(1.0)
    assert both[column("all_words")] == 1.0 and one[column("all_words")] == 0.0
    assert values[0, column("rank")] == 1.0 and values[0, column("relative")] == 1.0


def test_the_window_counts_only_words_that_stand_together(tmp_path):
    far = "الصبر " + "كلمة " * 20 + "البلاء"
    passages = [Passage(source="far.txt", number=1, text=far, start=0, end=len(far), title=None)]
    index = Index.build_from_passages(passages, tmp_path / "index")
    _ids, values = index.question_candidates("ما الصبر على البلاء؟")
    index.close()
    column = rerank.FEATURES.index
    assert values[0, column("cover")] == pytest.approx(1.0)
    assert values[0, column("window")] < 0.75


def test_fit_learns_to_put_the_relevant_passage_first():
    rng = np.random.default_rng(1)
    questions = []
    for _ in range(30):
        values = rng.normal(size=(6, len(rerank.FEATURES)))
        labels = np.zeros(6)
        labels[np.argmax(values[:, rerank.FEATURES.index("cover")])] = 1
        questions.append((values, labels))
    model = rerank.fit(questions, ("score", "cover"))
    assert model.weights[1] > abs(model.weights[0])
    values, labels = questions[0]
    assert labels[rerank.order(model, values)[0]] == 1
    assert rerank.ascend(model, questions).weights[1] > 0


def test_rescored_keeps_the_scores_and_follows_the_new_order():
    entries = [(10, 3.0, "all"), (11, 2.0, "most"), (12, 2.0, "most")]
    found = rerank.rescored(entries, np.array([2, 0, 1]))
    assert [docnum for docnum, _score, _step in found] == [12, 10, 11]
    assert found[0][1] == 3.0 and found[0][2] == "most"
    scores = [score for _docnum, score, _step in found]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 3


def test_the_model_reorders_a_question_and_nothing_else(made_up, tmp_path):
    # A model written by hand that prefers long passages: the question's order follows
    # it, a search without a question mark keeps the engine's, and off changes nothing.
    folder = rerank.save(tmp_path / "long", rerank.Model(("length",), (0.0,), (1.0,), (1.0,)),
                         None)
    on = Ranking(rerank_model=str(folder))
    question = made_up.search("الصبر؟", per_page=10, ranking=on)
    plain = made_up.search("الصبر", per_page=10, ranking=on)
    off = made_up.search("الصبر؟", per_page=10)
    lengths = [len(hit.text.split()) for hit in question.hits]
    assert lengths == sorted(lengths, reverse=True)
    assert [h.id for h in plain.hits] == [h.id for h in off.hits]
    assert [h.id for h in question.hits] != [h.id for h in off.hits]
    assert question.hits[0].score == off.hits[0].score
    # The opposite weight, pointed at by the model's file: shortest first.
    short = rerank.save(tmp_path / "short", rerank.Model(("length",), (0.0,), (1.0,), (-1.0,)),
                        None) / rerank.MODEL_FILE
    reversed_ = made_up.search("الصبر؟", per_page=10, ranking=Ranking(rerank_model=str(short)))
    lengths = [len(hit.text.split()) for hit in reversed_.hits]
    assert lengths == sorted(lengths)


def test_off_is_the_default_and_changes_nothing(made_up):
    assert Ranking().rerank_model is None
    question = "ما الصبر على البلاء؟"
    assert made_up.ranked_ids(question) == made_up.ranked_ids(question, ranking=Ranking())


def test_a_fitted_table_and_model_reorder_as_they_say(made_up, tmp_path, monkeypatch):
    # Made-up training: questions on الصبر are answered by the passages on البلاء. A
    # table fitted on them (roots as the index reads them, as bench/fit_rerank.py does)
    # and a model on "base" and "learned", written to a folder and read back, put those
    # passages first, which BM25 alone does not.
    current = made_up._thread()[0]
    roots = {pid: associations.content_roots((t.text for t in current.analyzer(text)),
                                             current.roots.root)
             for pid, text in zip((f"p{n}.txt#1" for n in range(1, 6)), TEXTS)}
    asked = associations.content_roots(
        (term for _typed, term in made_up.plan("ما الصبر؟", match="any").words),
        current.roots.root)
    table = associations.Associations.fit(
        [(asked, [roots["p1.txt#1"], roots["p3.txt#1"]])], list(roots.values()))
    assert table.score(asked, roots["p3.txt#1"]) > table.score(asked, roots["p2.txt#1"])
    question = "ما الصبر؟"
    ids, values = made_up.question_candidates(question, related=table)
    labels = np.array([pid in ("p1.txt#1", "p3.txt#1") for pid in ids], float)
    model = rerank.fit([(values, labels)], ("base", "learned"))
    assert model.weights[1] > 0
    folder = rerank.save(tmp_path / "fitted", model, table, "made up\nfor a test")
    assert (folder / associations.TABLE_FILE).read_text("utf-8").startswith("# made up\n")
    fitted = rerank.load(folder)
    assert fitted.model == model and fitted.related.table.keys() == table.table.keys()
    assert rerank.load(str(folder)) is fitted  # read once per path
    monkeypatch.setenv("HOME", str(tmp_path))
    assert rerank.load("~/fitted") is fitted  # ~ is the user's home
    found = made_up.ranked_ids(question, ranking=Ranking(rerank_model=str(folder)))
    expected = [ids[at] for at in rerank.order(model, values)]
    assert [pid for pid, _score in found] == expected[:len(found)]
    assert {pid for pid, _score in found[:2]} == {"p1.txt#1", "p3.txt#1"}


def _bad(tmp_path, name, model=None, table=None):
    folder = tmp_path / name
    folder.mkdir()
    if model is not None:
        (folder / rerank.MODEL_FILE).write_text(model, encoding="utf-8")
    if table is not None:
        (folder / associations.TABLE_FILE).write_text(table, encoding="utf-8")
    return folder


GOOD = '{"features": ["base", "learned"], "mean": [0, 0], "scale": [1, 1], "weights": [1, 1]}'


@pytest.mark.parametrize("name, model, table", [
    ("missing", None, None),
    ("not json", "{features", None),
    ("not a model", '{"weights": [1]}', None),
    ("unknown feature", '{"features": ["magic"], "mean": [0], "scale": [1], "weights": [1]}', None),
    ("lengths differ", '{"features": ["base"], "mean": [0, 1], "scale": [1], "weights": [1]}', None),
    ("zero scale", '{"features": ["base"], "mean": [0], "scale": [0], "weights": [1]}', None),
    ("no table", GOOD, None),
    ("bad table", GOOD, "صبر\tبلو\n"),
])
def test_a_model_that_cannot_be_read_is_a_clear_error(made_up, tmp_path, name, model, table):
    folder = _bad(tmp_path, name.replace(" ", "-"), model, table)
    with pytest.raises(SearchError) as caught:
        made_up.search("ما الصبر؟", ranking=Ranking(rerank_model=str(folder)))
    assert caught.value.code == "rerank_model_unreadable"
    assert str(folder) in caught.value.english and "fit_rerank.py" in caught.value.english
    assert "نموذج إعادة الترتيب" in str(caught.value)
    # Known at open too, and a search without the model still works.
    with pytest.raises(SearchError) as at_open:
        Index.open(made_up.index_dir, ranking=Ranking(rerank_model=str(folder)))
    assert at_open.value.code == "rerank_model_unreadable"
    assert made_up.search("ما الصبر؟").hits


def test_associations_relate_roots_that_answers_hold_more_than_passages_do():
    passages = [{"صبر", "بلو"}, {"صبر", "بلو"}, {"شمس"}, {"قمر"}, {"قول"}, {"قول", "بلو"}]
    examples = [({"صبر"}, [{"بلو", "قول"}]), ({"صبر", "خير"}, [{"بلو"}])]
    table = associations.Associations.fit(examples, passages)
    assert table.table["صبر"]["بلو"] > 0
    assert table.table["صبر"]["بلو"] > table.table["صبر"].get("قول", 0.0)
    assert "شمس" not in table.table["صبر"]
    assert table.score({"صبر"}, {"بلو"}) > table.score({"صبر"}, {"شمس"}) == 0.0
    assert table.score(set(), {"بلو"}) == 0.0
    assert table.strongest({"صبر", "خير"}, {"بلو", "شمس"})[1] == "بلو"
    again = associations.Associations.from_text(table.to_text())
    assert again.table.keys() == table.table.keys()


def test_nothing_fitted_ships_in_the_package():
    # Qur'an QA 2023 is CC BY-NC-ND 4.0: no table or model derived from it is packaged.
    package = Path(rerank.__file__).parent
    assert not (package / rerank.MODEL_FILE).exists()
    assert not (package / associations.TABLE_FILE).exists()
