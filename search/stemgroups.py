"""Stems resolved at query time: the index's own words that share a query word's stem.

The index holds each word once, in its normalised form (one posting per word, as with
an unstemmed analyzer). A query word is expanded to the forms of the index vocabulary
that have its stem, found by prefix scans (a form is prefixes + stem + suffixes, and
the stemmer only strips prefixes from ``PREFIXES``) and kept when the stemmer agrees.
Forms that carry a one-letter proclitic the stemmer leaves alone (ب ل ك ف: بسوريا) join
with a lower weight, in both directions.

A group is one ``TermGroup`` query, scored like the single stem term it replaces: its
term frequency in a passage is the weighted sum of its forms' frequencies, saturated
once with the group's IDF (a passage holding two forms counts as holding one form twice),
and a rare inflection does not outrank the common form just because it is rare. The
exact form typed weighs more, so exact words rank first.
"""

from __future__ import annotations

import math
from collections import OrderedDict

from whoosh import matching, scoring
from whoosh import query as wq

from .stemmer import PREFIXES
from .variants import stem_of, stem_variants

#: Weight of a form that matches only through an added or removed proclitic.
CLITIC_WEIGHT = 0.6
#: Weight added to the exact form typed, so exact words rank first.
EXACT_WEIGHT = 0.5
#: Proclitics the stemmer does not strip (they also begin words such as بريطانيا).
PROCLITICS = ("وب", "ول", "وك", "فب", "فل", "ب", "ل", "ك", "ف")
MIN_STRIPPED_LENGTH = 3
#: Forms read per prefix scan, at most: bounds the work for very short stems.
MAX_SCAN = 2000
CACHE_SIZE = 20_000


class StemGroups:
    """Stem groups over one generation's vocabulary (``postings.Vocabulary``, or a Whoosh
    reader), with an LRU cache."""

    def __init__(self, reader, fieldname="text", stemmer="light"):
        self.reader = reader
        self.fieldname = fieldname
        self.stemmer = stemmer
        self.variants = stem_variants() if stemmer == "light" else {}
        self._spellings: dict[str, set[str]] = {}
        for variant, preferred in self.variants.items():
            self._spellings.setdefault(preferred, set()).add(variant)
        self._cache: OrderedDict[str, dict[str, float]] = OrderedDict()

    def stem_of(self, word: str) -> str:
        return stem_of(word, self.stemmer)

    def forms(self, word: str) -> dict[str, float]:
        """Index forms for a normalised query word, with their weights."""
        cached = self._cache.get(word)
        if cached is not None:
            self._cache.move_to_end(word)
            return cached
        found = self._group(self.stem_of(word), 1.0)
        for clitic in PROCLITICS:
            if word.startswith(clitic) and len(word) - len(clitic) >= MIN_STRIPPED_LENGTH:
                for form, weight in self._group(self.stem_of(word[len(clitic):]),
                                                CLITIC_WEIGHT).items():
                    found.setdefault(form, weight)
                break
        if word in found or self._exists(word):
            found[word] = found.get(word, 1.0) + EXACT_WEIGHT
        self._cache[word] = found
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return found

    def _group(self, stem: str, weight: float) -> dict[str, float]:
        bases = {stem} | self._spellings.get(stem, set())
        found: dict[str, float] = {}
        for base in bases:
            for prefix in ("",) + PREFIXES:
                for form in self._scan(prefix + base):
                    if self.stem_of(form) == stem:
                        found.setdefault(form, weight)
            for clitic in PROCLITICS:
                for form in self._scan(clitic + base):
                    rest = form[len(clitic):]
                    if self.stem_of(form) == stem:
                        found.setdefault(form, weight)
                    elif self.stem_of(rest) == stem:
                        found.setdefault(form, weight * CLITIC_WEIGHT)
        return found

    def _scan(self, prefix: str):
        for number, term in enumerate(self.reader.expand_prefix(self.fieldname, prefix)):
            if number >= MAX_SCAN:
                return
            yield term.decode("utf-8") if isinstance(term, bytes) else term

    def _exists(self, term: str) -> bool:
        return (self.fieldname, term) in self.reader

    def doc_frequency(self, forms) -> int:
        """The group's document frequency (``group_doc_frequency``)."""
        return group_doc_frequency(self.reader, self.fieldname, forms)


#: Score a group once on its summed term frequency (False: each form on its own with the
#: group's IDF, then summed, as Whoosh does; kept to compare in bench/relevance.py).
SATURATE_ONCE = True


class TermGroup(wq.Or):
    """One word's forms, scored as one term: BM25 of sum(weight x form frequency) with
    the group's ``idf``, times ``boost``.

    The vectorised engine (``search.engine``) evaluates it in numpy. Whoosh runs only
    shapes the engine does not; for it ``matcher`` sums the postings in Python, giving
    the same scores. Without ``SATURATE_ONCE`` it is an OR of its forms, each scored
    with its boost and ``GroupedBM25F``'s IDF (set by the query builder).
    """

    def __init__(self, subqueries, weights=None, idf=1.0, boost=1.0):
        super().__init__(subqueries, boost=boost)
        self.weights = tuple(weights) if weights is not None else (1.0,) * len(subqueries)
        self.idf = idf

    def __eq__(self, other):
        return (super().__eq__(other) and self.weights == other.weights
                and self.idf == other.idf)

    __hash__ = wq.Or.__hash__

    def normalize(self):
        return self  # already flat: forms are terms

    def matcher(self, searcher, context=None):
        found = super().matcher(searcher, context)
        if not SATURATE_ONCE:
            if len(self.subqueries) == 1 and self.boost != 1:  # Whoosh skips it for one
                found = matching.WrappingMatcher(found, self.boost)
            return found
        reader = searcher.reader()  # a segment's: document numbers are the segment's
        summed: dict[int, float] = {}
        for term, weight in zip(self.subqueries, self.weights):
            if (term.fieldname, term.text) in reader:
                for doc, frequency in reader.postings(term.fieldname,
                                                      term.text).items_as("weight"):
                    summed[doc] = summed.get(doc, 0.0) + weight * frequency
        if not summed:
            return matching.NullMatcher()
        fieldname = self.subqueries[0].fieldname
        average = searcher.get_parent().avg_field_length(fieldname) or 1
        B, K1 = searcher.weighting.B, searcher.weighting.K1
        scores = {doc: self.boost * scoring.bm25(self.idf, frequency,
                                                 reader.doc_field_length(doc, fieldname, 1),
                                                 average, B, K1)
                  for doc, frequency in summed.items()}
        return _ScoredMatcher(found, scores)


class _ScoredMatcher(matching.WrappingMatcher):
    """The forms' matcher (it walks the documents and gives phrases their positions),
    with the scores of the whole group."""

    def __init__(self, child, scores):
        super().__init__(child)
        self.scores = scores

    def copy(self):
        return _ScoredMatcher(self.child.copy(), self.scores)

    def _replacement(self, newchild):
        return _ScoredMatcher(newchild, self.scores)

    def supports_block_quality(self):
        return False

    def max_quality(self):
        return max(self.scores.values())

    def score(self):
        return self.scores[self.child.id()]


class GroupedBM25F(scoring.BM25F):
    """BM25F where the forms of one stem group share the group's IDF (for Whoosh).

    ``group_idf`` maps (fieldname, term) to an IDF; the query builder fills it for the
    query being run. A searcher (and its weighting) belongs to one thread.
    """

    def __init__(self, B=0.75, K1=1.2, **kwargs):
        super().__init__(B=B, K1=K1, **kwargs)
        self.group_idf: dict[tuple[str, str], float] = {}

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        key = (fieldname, text.decode("utf-8") if isinstance(text, bytes) else text)
        idf = self.group_idf.get(key)
        if idf is not None and hasattr(scorer, "_maxquality"):
            scorer.idf = idf
            info = searcher.term_info(fieldname, text)
            scorer._maxquality = scorer._score(info.max_weight(), info.min_length())
        return scorer


def group_doc_frequency(reader, fieldname: str, forms) -> int:
    """A group's document frequency: the sum over its forms, at most all docs (a
    passage holding two forms counts twice; exact counts would need the postings)."""
    total = sum(reader.doc_frequency(fieldname, f) for f in forms)
    return min(total, reader.doc_count_all())


def idf(doc_frequency: int, doc_count: int) -> float:
    """Whoosh's IDF formula, for a group's document frequency."""
    return math.log(doc_count / (doc_frequency + 1)) + 1
