"""How matches are scored: the ranking parameters as one value, and the one BM25.

Every score the engine gives comes from ``bm25`` below, with the parameters of a
``Ranking``. A ``Ranking`` is passed explicitly (``Index.open(folder, ranking=...)``,
``Index.search(..., ranking=...)``): an experiment builds another value, it never
changes module globals.

BM25 here is Whoosh's BM25F on one field, which the index was tuned with:

    idf(df, N)  = ln(N / (df + 1)) + 1
    score       = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average))

where ``tf`` is a term's frequency in the passage, or for a word group the sum of its
forms' frequencies times their weights (``plan.Words``): a group is scored as one term.

>>> round(idf(9, 100), 4)
3.3026
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Ranking:
    """Every parameter that changes a score or an answer, with the values shipped
    (each tuned on Qur'an QA 2023 train and confirmed on dev: docs/relevance.md)."""

    #: Term-frequency saturation.
    k1: float = 1.2
    #: Length normalisation (0: none, 1: full). 0.2 won on train.
    b: float = 0.2
    #: Weight added to the exact form typed, so exact words rank first.
    exact_weight: float = 0.5
    #: Weight of a form that matches only through an added or removed proclitic.
    clitic_weight: float = 0.6
    #: Weight of a question word's root group beside its stem group.
    root_weight: float = 1.0
    #: Weight of a question word's related words (``search.related``: words found with
    #: it in the same passages), times each one's association; 0 turns them off.
    related_weight: float = 0.0
    #: A word typed with marks adds this times its IDF to each passage with a vocalised
    #: written form its marks agree with (عِلْم ranks عِلْم above عَلَم and علم), the same
    #: bonus for each, so their order among themselves stays; unvocalised text never moves.
    marks_weight: float = 1.0
    #: Weight of a common word (``stopwords.txt``) in free text, where it is optional:
    #: it orders passages that have the other words, never decides which match.
    common_weight: float = 0.1
    #: A word group's forms are summed, then saturated once (False: each form scored on
    #: its own with the group's IDF, then summed: kept to compare in bench/relevance.py).
    saturate_once: bool = True
    #: Questions (``search.rerank.is_question``): re-order the first passages with the
    #: learned model in this folder (or model file), the one ``bench/fit_rerank.py
    #: --out DIR`` writes (``search.rerank.load``); None: off. No model ships in the
    #: package (Qur'an QA's licence), and off is the default: the gain was not
    #: significant under cross-validation (docs/relevance.md).
    rerank_model: str | None = None
    #: Questions on an index with commentary (``search.commentary``): a passage's score
    #: gains this times its commentary's score for the question; 0 turns it off.
    #: Chosen on Qur'an QA train with tafsir as commentary (with the threshold below:
    #: the best mean of MAP@10 and MRR@10 there), as 6 of 10 cross-validation folds
    #: chose it; dev confirms (docs/relevance.md).
    commentary_weight: float = 1.0
    #: Questions: answer "no answer" when the top score per question word is lower
    #: (tuned on train for the mean of MAP@10 and MRR@10).
    no_answer_threshold: float = 2.1
    #: The same on an index with roots (root groups add to every score).
    no_answer_threshold_roots: float = 3.3
    #: The same with commentary at ``commentary_weight`` (chosen with it on train).
    no_answer_threshold_commentary: float = 7.6

    def no_answer_threshold_for(self, roots: bool, commentary: bool = False) -> float:
        """The no-answer threshold for an index with or without roots, and with
        commentary (measured with roots only)."""
        if commentary:
            return self.no_answer_threshold_commentary
        return self.no_answer_threshold_roots if roots else self.no_answer_threshold


DEFAULT = Ranking()


def idf(doc_frequency: int, doc_count: int) -> float:
    """Inverse document frequency (Whoosh's formula) of a term or a word group."""
    return math.log(doc_count / (doc_frequency + 1)) + 1


def bm25(frequencies: np.ndarray, lengths: np.ndarray, average_length: float,
         idf_value: float, ranking: Ranking, boost: float = 1.0) -> np.ndarray:
    """BM25 scores of passages holding a term (or a word group) ``frequencies`` times,
    given their ``lengths`` and the index's ``average_length``."""
    k1, b = ranking.k1, ranking.b
    average = average_length or 1.0
    scores = idf_value * ((frequencies * (k1 + 1))
                          / (frequencies + k1 * ((1 - b) + b * lengths / average)))
    return scores * boost if boost != 1 else scores
