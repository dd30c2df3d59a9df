"""Matching that relaxes: a phrase typed from a text that the split cut in two."""

import numpy as np
import pytest

from conftest import write_corpus
from search import Index

#: Long enough that each paragraph is a passage of its own.
BEFORE = " ".join(["وصف الحال في المدينة"] * 20)
AFTER = " ".join(["ووصف الناس للحال"] * 22)


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("relax")
    return Index.build(write_corpus(folder / "corpus", {
        # The phrase runs across the break: أعلنت وزارة الدفاع | الروسية أمس
        "crossing.txt": f"{BEFORE} أعلنت وزارة الدفاع.\n\nالروسية أمس عن الضربات {AFTER}.",
        # The same words in one passage, apart and out of order.
        "apart.txt": "الروسية في بيان وزارة الدفاع أعلنت أمس",
        # The words at the end of a passage but one more word after them: no phrase.
        "gap.txt": f"{BEFORE} نشرت هيئة الموانئ صباحا.\n\nالتونسية بيانا عن السفن {AFTER}.",
        # The rest of the words in the next passage, but not at its start: no phrase.
        "late.txt": f"{BEFORE} قررت لجنة الانتخابات.\n\nأمس المستقلة بيانا عن اللجان {AFTER}.",
        # A common word at the cut: طالب مجلس الأمن في | ختام جلسته
        "common.txt": f"{BEFORE} طالب مجلس الأمن في\n\nختام جلسته الطارئة {AFTER}.",
    }), folder / "index")


def test_a_phrase_across_a_break_is_found_as_a_pair_first(index):
    result = index.search("أعلنت وزارة الدفاع الروسية")
    assert result.match_step == "phrase"
    hit = result.hits[0]
    assert (hit.source, hit.step, hit.missing) == ("crossing.txt", "phrase", ())
    assert [h.source for h in result.hits] == ["crossing.txt", "apart.txt"]
    assert result.hits[1].step == "all"
    assert "الدفاع.\nالروسية" in hit.text
    for word in ("أعلنت", "وزارة", "الدفاع", "الروسية"):
        assert f"<mark>{word}</mark>" in hit.snippet


@pytest.mark.parametrize("query", ["الدفاع الروسية", "وزارة الدفاع الروسية أمس",
                                   "الدفاع الروسية أمس عن"])
def test_every_cut_of_the_phrase_is_found(index, query):
    hit = index.search(query).hits[0]
    assert (hit.source, hit.step) == ("crossing.txt", "phrase")


def test_a_quoted_phrase_across_a_break_is_found_as_a_pair(index):
    result = index.search('"أعلنت وزارة الدفاع الروسية"')
    assert [(h.source, h.step, h.missing) for h in result.hits] == [("crossing.txt", "all", ())]
    assert result.total == 1
    assert result.hits[0].score > 0
    assert index.search('"وزارة أعلنت الدفاع الروسية"').total == 0


def test_a_common_word_at_the_cut_is_part_of_the_phrase(index):
    hit = index.search("مجلس الأمن في ختام").hits[0]
    assert (hit.source, hit.step) == ("common.txt", "phrase")


def test_a_word_after_the_phrase_before_the_break_leaves_a_neighbours_pair(index):
    result = index.search("هيئة الموانئ التونسية")
    assert [(h.source, h.step) for h in result.hits] == [("gap.txt", "neighbours")]
    assert index.search('"هيئة الموانئ التونسية"').total == 0


def test_the_rest_of_the_phrase_must_start_the_next_passage(index):
    result = index.search("لجنة الانتخابات المستقلة")
    assert [(h.source, h.step) for h in result.hits] == [("late.txt", "neighbours")]


def test_an_excluded_word_rules_the_pair_out(index):
    result = index.search("أعلنت وزارة الدفاع الروسية -الضربات")
    # The pair's second passage has الضربات; its first one alone lacks a word.
    assert [(h.source, h.step) for h in result.hits] == [("apart.txt", "all"),
                                                         ("crossing.txt", "most")]


def test_engine_across_reads_the_cut_from_positions(index):
    engine = index.engine
    plan = index._plan(index._current, index._thread()[1], "أعلنت وزارة الدفاع الروسية",
                       "all", ())
    crossing = engine.documents_of("crossing.txt")
    others = engine.documents_of("gap.txt") + engine.documents_of("late.txt")
    firsts = np.array(sorted(crossing[:1] + others[:1]), dtype=np.int64)
    assert engine.across(plan.phrase, firsts).tolist() == crossing[:1]


def test_a_passage_is_in_one_phrase_pair_at_most(tmp_path):
    # ... حلب | الشرقية ... حلب | الشرقية ... حلب | الشرقية: three breaks, two pairs.
    ends = [f"{BEFORE} مدينة حلب", f"الشرقية {AFTER} مدينة حلب", f"الشرقية {BEFORE} مدينة حلب",
            f"الشرقية {AFTER}"]
    index = Index.build(write_corpus(tmp_path / "corpus", {"aleppo.txt": ".\n\n".join(ends)}),
                        tmp_path / "index")
    hits = index.search("حلب الشرقية").hits
    assert [(h.passage, h.step) for h in hits] == [(1, "phrase"), (3, "phrase")]
    assert len({h.id for h in hits}) == 2
