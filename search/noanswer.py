"""Does a question have an answer in the collection at all? A decision made at query time.

Some questions ask what the text does not say (where a mountain is, whether a practice
is a duty, how long something lasted), or argue rather than ask. Answering them with
passages scores 0 in Qur'an QA; the single line "no answer" scores 1. The decision is a
small logistic model over three features any run has: how well the best passage scores,
how much of the question it holds, and the kind of question asked.

Every score feature comes from ``Index.ranked_ids`` (the whole question, and each of its
words alone), so the decision follows the ranking the user sees.
"""

from __future__ import annotations

import math

from .analysis import WORD_PATTERN, default_stopwords
from .arabic import normalize
from .errors import QueryError
from .query import plain_words

#: Interrogatives (normalised). A question that has none in its first two words argues
#: or states ("they accuse ..., how do we reply?") more often than it asks.
QUESTION_WORDS = frozenset(normalize(w) for w in (
    "ما", "ماذا", "من", "لماذا", "لم", "كيف", "هل", "كم", "أين", "متى", "أي", "بماذا", "بم"))
#: Interrogatives of fact questions (yes/no, how many, where, when), which the collection
#: rarely answers in its own words.
FACT_QUESTION_WORDS = frozenset(normalize(w) for w in ("هل", "كم", "أين", "متى"))
#: Words searched for alone, at most (longer questions: the first ones).
MAX_WORDS = 24

#: The model: P(no answer) = 1 / (1 + exp(-(BIAS + sum(WEIGHTS[f] * (x[f] - MEAN[f]) / SCALE[f])))),
#: "no answer" when it reaches THRESHOLD. Fitted by ``bench/fit_no_answer.py`` on the 174
#: Qur'an QA 2023 train questions (26 without answer): L2-regularised logistic regression
#: (lambda 5) on standardised features; THRESHOLD maximises the mean of train MAP@10 and
#: MRR@10 (middle of the best plateau). The feature set is the one with the best
#: cross-validated mean on train (10 folds x 50 shuffles); docs/relevance.md has the table.
MODEL_FEATURES = ("log_top", "covered", "fact")
MEAN = {"log_top": 1.6378, "covered": 0.6778, "fact": 0.3103}
SCALE = {"log_top": 0.4857, "covered": 0.2779, "fact": 0.4626}
WEIGHTS = {"log_top": -0.3466, "covered": -0.2201, "fact": 0.3224}
BIAS = -1.8815
THRESHOLD = 0.17


def question_words(question: str) -> list[str]:
    """The words of a question as typed, query syntax taken out, each once."""
    seen: dict[str, None] = {}
    for word in WORD_PATTERN.findall(plain_words(question)):
        seen.setdefault(word, None)
    return list(seen)[:MAX_WORDS]


def question_kind(question: str) -> tuple[float, float]:
    """(fact, no_question_word): 1.0 or 0.0 each, from the first two words.

    >>> question_kind("في كم يوم خلق الكون؟")
    (1.0, 0.0)
    >>> question_kind("اتهم القرآن بأنه ... كيف نرد؟")
    (0.0, 1.0)
    """
    opening = [normalize(w) for w in WORD_PATTERN.findall(plain_words(question))[:2]]
    asked = [w for w in opening if w in QUESTION_WORDS]
    if not asked:
        return 0.0, 1.0
    return float(asked[0] in FACT_QUESTION_WORDS), 0.0


def word_matches(index, word: str, limit: int) -> dict[str, float] | None:
    """Passage id -> score of ``word`` searched for alone; None if the question
    machinery leaves it out (a frame or common word)."""
    if normalize(word) in default_stopwords():
        return None
    try:
        ranked = index.ranked_ids(word, limit=limit)
    except QueryError:
        return None
    return {hit_id.rsplit("#", 1)[0]: score for hit_id, score in ranked}


def features(index, question: str, ranked: list[tuple[str, float]]) -> dict[str, float]:
    """Query-time evidence that ``question`` has an answer.

    ``ranked`` is the question's run (passage id, score per searched word), best first.

    - ``log_top``: log(1 + the best score per searched word);
    - ``gap``: how far the best passage stands above the second, per searched word;
    - ``covered``: the share of the searched words (weighted by their best single-word
      score, a stand-in for IDF) found in the best passage;
    - ``matched``: the share of searched words found anywhere in the collection;
    - ``log_words``: log(1 + the number of searched words);
    - ``fact``, ``no_question_word``: the kind of question (``question_kind``).

    Only ``MODEL_FEATURES`` decide; the others are kept for comparison
    (``bench/fit_no_answer.py``).
    """
    top = ranked[0][1] if ranked else 0.0
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    best_id = ranked[0][0] if ranked else None
    count = len(index)
    searched, matched, weight_all, weight_top = 0, 0, 0.0, 0.0
    for word in question_words(question):
        matches = word_matches(index, word, count)
        if matches is None:
            continue
        searched += 1
        if matches:
            matched += 1
            weight = max(matches.values())
            weight_all += weight
            if best_id in matches:
                weight_top += weight
    fact, no_question_word = question_kind(question)
    return {
        "log_top": math.log1p(top),
        "gap": top - second,
        "covered": weight_top / weight_all if weight_all else 0.0,
        "matched": matched / searched if searched else 0.0,
        "log_words": math.log1p(searched),
        "fact": fact,
        "no_question_word": no_question_word,
    }


def no_answer_probability(values: dict[str, float]) -> float:
    """The model's probability that the question has no answer."""
    logit = BIAS + sum(WEIGHTS[name] * (values[name] - MEAN[name]) / SCALE[name]
                       for name in MODEL_FEATURES)
    return 1.0 / (1.0 + math.exp(-logit))


def unanswerable(values: dict[str, float]) -> bool:
    """Answer "no answer" for these features?"""
    return no_answer_probability(values) >= THRESHOLD
