"""Did-you-mean: bounded work whatever the query, and the same answers as an exhaustive
scan of the vocabulary. ``bench/attack_suggest.py`` measures it on large vocabularies."""

from __future__ import annotations

import random
import time

import pytest

from search import storage, suggest
from search.suggest import MAX_CORRECTED, Suggestion, Vocabulary, suggest_query
from search.typos import CHEAPEST_GAP

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def made_up(rng: random.Random, count: int, article: float = 0.4) -> list[str]:
    words = set()
    while len(words) < count:
        word = "".join(rng.choice(LETTERS) for _ in range(rng.randint(2, 8)))
        words.add("ال" + word if rng.random() < article else word)
    return sorted(words)


class FakeReader:
    """What ``Vocabulary.closest`` reads: document frequencies."""

    def __init__(self, words):
        self.frequency = {word: len(word) % 7 for word in words}

    def doc_frequency(self, field, word):
        return self.frequency.get(word, 0)


def words_of(index, query: str):
    """(typed, term) pairs as the planner makes them."""
    return list(index.plan(query).words)


def reader_of(index):
    return storage.open_whoosh(index.index_dir / index.generation).reader()


def test_candidates_are_exactly_those_of_an_exhaustive_scan():
    rng = random.Random(1)
    vocabulary_words = made_up(rng, 3000)
    vocabulary = Vocabulary(vocabulary_words)
    for term in made_up(rng, 60) + rng.sample(vocabulary_words, 20):
        distance, prefix = suggest.distance_allowed(term), suggest.fixed_prefix(term)
        change = min(suggest.MAX_EDIT_DISTANCE, int(distance / CHEAPEST_GAP + 1e-6))
        expected = {(w, suggest.weighted_distance(term, w)) for w in vocabulary_words
                    if w != term and w[:prefix] == term[:prefix] and abs(len(w) - len(term)) <= change
                    and suggest.weighted_distance(term, w) <= distance + 1e-4}
        found, complete = vocabulary.within(term, distance, prefix)
        assert complete and set(found) == expected, term


def test_closest_prefers_the_cheaper_edit_then_the_commoner_word():
    vocabulary = Vocabulary(["بوتين", "بوتون", "بوتان", "بوت", "بيتين"])
    reader = FakeReader([])
    reader.frequency = {"بوتين": 9, "بوتون": 5, "بوتان": 1, "بوت": 1, "بيتين": 50}
    # A left-out alef (0.5) is a likelier slip than a left-out yeh or waw (1.0).
    assert vocabulary.closest("بوتن", reader) == ("بوتان", True)
    del reader.frequency["بوتان"]
    vocabulary = Vocabulary(["بوتين", "بوتون", "بوت", "بيتين"])
    assert vocabulary.closest("بوتن", reader) == ("بوتين", True)  # one edit, the commoner


def test_sixty_four_unknown_words_cost_nothing_and_say_partial(sample_index):
    rng = random.Random(2)
    query = " ".join(w for w in made_up(rng, 200, article=0) if 5 <= len(w) <= 6)
    query = " ".join(query.split()[:64])
    assert len(query) < 500
    started = time.perf_counter()
    result = sample_index.search(query)
    assert time.perf_counter() - started < 0.5
    assert result.total == 0 and result.suggestion is None
    reader = reader_of(sample_index)
    assert suggest_query(sample_index, query, words_of(sample_index, query), reader) == \
        Suggestion(None, partial=True)


def test_up_to_the_limit_unknown_words_are_all_corrected(sample_index):
    query = " ".join(["بوتن", "الدفاغ", "الرءيس", "سوريي"][:MAX_CORRECTED])
    reader = reader_of(sample_index)
    found = suggest_query(sample_index, query, words_of(sample_index, query), reader)
    assert found.partial is False
    assert found.text is None or found.text.split()[:2] == ["بوتين", "الدفاع"]


def test_a_spent_budget_returns_partial_not_a_wrong_answer(sample_index):
    reader = reader_of(sample_index)
    found = suggest_query(sample_index, "بوتن", words_of(sample_index, "بوتن"), reader,
                          deadline=time.perf_counter() - 1)
    assert found == Suggestion(None, partial=True)


@pytest.mark.parametrize("typed, expected", [
    ("بوتن", "بوتين"), ("الدفاغ", "الدفاع"), ("الرءيس", "الرئيس"),
])
def test_suggestions_are_plausibly_the_same_word(sample_index, typed, expected):
    assert sample_index.search(typed).suggestion == expected


def test_a_large_vocabulary_answers_a_hostile_word_within_the_budget():
    rng = random.Random(3)
    vocabulary_words = made_up(rng, 150_000)
    vocabulary = Vocabulary(vocabulary_words)
    reader = FakeReader(vocabulary_words)
    hostile = [w for w in made_up(random.Random(4), 2000, article=0) if w.startswith("ا") and len(w) >= 8]
    started = time.perf_counter()
    for word in hostile[:MAX_CORRECTED]:
        vocabulary.closest(word, reader)
    assert time.perf_counter() - started < 0.3


def test_vocabulary_not_ready_in_time_means_partial_then_it_is_ready(sample_index, monkeypatch):
    monkeypatch.setattr(suggest, "VOCABULARIES", type(suggest.VOCABULARIES)())
    monkeypatch.setattr(suggest, "VOCABULARY_WAIT_SECONDS", 0.0)
    reader = reader_of(sample_index)
    real = suggest.Vocabulary

    def slow_vocabulary(terms):
        time.sleep(0.5)
        return real(terms)

    monkeypatch.setattr(suggest, "Vocabulary", slow_vocabulary)
    words = words_of(sample_index, "بوتن")
    assert suggest_query(sample_index, "بوتن", words, reader, deadline=time.perf_counter()) == \
        Suggestion(None, partial=True)
    assert suggest.vocabulary_of(reader) is not None  # it went on building
    assert suggest_query(sample_index, "بوتن", words, reader) == Suggestion("بوتين")


@pytest.mark.parametrize("typed", ["ترامب", "زرافة"])
def test_no_implausible_suggestion(sample_index, typed):
    # Once ترامب -> تماما and زرافة -> زيارة: two unrelated letters make another word.
    result = sample_index.search(typed)
    assert result.suggestion is None and result.corrected is None and result.total == 0


@pytest.mark.parametrize("typed, expected", [
    ("الرءيس", "الرئيس"),   # a hamza on the wrong seat
    ("الحكومت", "الحكومة"),  # ت for ة
    ("واشنطم", "واشنطن"),    # a neighbouring key (م beside ن)
    ("الدفاغ", "الدفاع"),    # a neighbouring key (غ beside ع)
    ("ررسيا", "روسيا"),      # one wrong letter in a five-letter word
    ("موسك", "موسكو"),       # a missing letter
])
def test_typical_typos_are_corrected(sample_index, typed, expected):
    assert sample_index.search(typed).suggestion == expected


def test_a_hamza_seat_beats_a_commoner_word_one_letter_away(tmp_path):
    from search import Index
    from tests.conftest import write_corpus

    corpus = write_corpus(tmp_path / "corpus", {
        "a.txt": "قال المسؤول إن الأمر انتهى.\n\n" + "المسحول " * 30 + "\n",
    })
    index = Index.build(corpus, tmp_path / "index")
    assert index.search("المسءول").suggestion == "المسؤول"


@pytest.mark.parametrize("a, b, cost", [
    ("ء", "ؤ", 0.1), ("ة", "ه", 0.2), ("ى", "ي", 0.2), ("ض", "ظ", 0.3), ("ذ", "ز", 0.4),
    ("س", "ص", 0.4), ("ت", "ط", 0.4), ("ح", "ه", 0.5), ("ع", "غ", 0.6), ("ر", "م", 1.0),
])
def test_substitution_costs(a, b, cost):
    from search.typos import substitution_cost

    assert substitution_cost(a, b) == substitution_cost(b, a) == cost


def test_allowance_grows_with_length_and_short_words_get_none():
    from search.typos import allowance

    assert allowance("") == allowance("في") == 0
    assert allowance("بوتن") < allowance("واشنطم") < allowance("الاستراتيجية") == 2.0
