"""Stems resolved at query time: the index's own words that share a query word's stem.

The index holds each word once, in its normalised form (one posting per word, as with
an unstemmed analyzer). A query word is expanded to the forms of the index vocabulary
that have its stem, found by prefix scans (a form is prefixes + stem + suffixes, and
the stemmer only strips prefixes from ``PREFIXES``) and kept when the stemmer agrees.
Forms that carry a one-letter proclitic the stemmer leaves alone (ب ل ك ف: بسوريا) join
with a lower weight, in both directions; so do a conjunction and a word of two letters
(وقل, فثم, وإذ: the stemmer strips و only from words of four letters or more, since و
also begins three-letter words such as وجد and ورد).

A group becomes one ``plan.Words`` node, scored like the single stem term it replaces:
its term frequency in a passage is the weighted sum of its forms' frequencies, saturated
once with the group's IDF (a passage holding two forms counts as holding one form twice),
and a rare inflection does not outrank the common form just because it is rare. The
exact form typed weighs more (``Ranking.exact_weight``), so exact words rank first.
"""

from __future__ import annotations

from collections import OrderedDict

from . import arabic
from .ranking import DEFAULT, Ranking
from .stemmer import PREFIXES
from .variants import stem_of, stem_variants

#: Proclitics the stemmer does not strip (they also begin words such as بريطانيا):
#: every one of ``arabic.PROCLITICS`` but a lone و, longest first.
PROCLITICS = tuple(clitic for clitic in arabic.PROCLITICS if clitic not in PREFIXES)
MIN_STRIPPED_LENGTH = 3
#: A conjunction may stand before a word this short (قل, إذ, أم, لك, بن); the other
#: proclitics need ``MIN_STRIPPED_LENGTH`` letters after them.
SHORT_WORD = 2


def _least_after(clitic: str) -> int:
    """Letters a proclitic must leave: two after a conjunction, else three."""
    return SHORT_WORD if clitic in arabic.CONJUNCTIONS else MIN_STRIPPED_LENGTH


def _clitics_before(base: str) -> tuple[str, ...]:
    """The proclitics to try with ``base``: a lone و too before a two-letter word, which
    the stemmer leaves whole (see the module's docstring)."""
    return PROCLITICS + (arabic.WAW,) if len(base) == SHORT_WORD else PROCLITICS
#: Forms read per prefix scan, at most: bounds the work for very short stems.
MAX_SCAN = 2000
CACHE_SIZE = 20_000


class StemGroups:
    """Stem groups over one generation's vocabulary (``postings.Vocabulary``, or a Whoosh
    reader), weighted by ``ranking``, with an LRU cache."""

    def __init__(self, reader, fieldname="text", stemmer="light", ranking: Ranking = DEFAULT):
        self.reader = reader
        self.ranking = ranking
        self.fieldname = fieldname
        self.stemmer = stemmer
        self.variants = stem_variants() if stemmer == "light" else {}
        self._spellings: dict[str, set[str]] = {}
        for variant, preferred in self.variants.items():
            self._spellings.setdefault(preferred, set()).add(variant)
        self._cache: OrderedDict = OrderedDict()

    def stem_of(self, word: str) -> str:
        return stem_of(word, self.stemmer)

    def forms(self, word: str, short: bool = True) -> dict[str, float]:
        """Index forms for a normalised query word, with their weights. ``short``: a
        conjunction before two letters (وقل) may be one (see the module's docstring);
        questions say False, since there a three-letter word is far more often whole
        (وعد, فضل, ولد: their two letters are other words)."""
        key = word if short else (word, False)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        found = self._group(self.stem_of(word), 1.0)
        for clitic in (_clitics_before(word[1:]) if short else PROCLITICS):
            least = _least_after(clitic) if short else MIN_STRIPPED_LENGTH
            if word.startswith(clitic) and len(word) - len(clitic) >= least:
                for form, weight in self._group(self.stem_of(word[len(clitic):]),
                                                self.ranking.clitic_weight).items():
                    found.setdefault(form, weight)
                break
        if word in found or self._exists(word):
            found[word] = found.get(word, 1.0) + self.ranking.exact_weight
        self._cache[key] = found
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
            for clitic in _clitics_before(base):
                for form in self._scan(clitic + base):
                    rest = form[len(clitic):]
                    if self.stem_of(form) == stem:
                        found.setdefault(form, weight)
                    elif self.stem_of(rest) == stem:
                        found.setdefault(form, weight * self.ranking.clitic_weight)
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


def group_doc_frequency(reader, fieldname: str, forms) -> int:
    """A group's document frequency: the sum over its forms, at most all docs (a
    passage holding two forms counts twice; exact counts would need the postings)."""
    total = sum(reader.doc_frequency(fieldname, f) for f in forms)
    return min(total, reader.doc_count_all())

