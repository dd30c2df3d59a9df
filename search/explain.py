"""Why a hit matched: each written word of its text that matched, and how.

A search's plans say, for every word typed, which index terms it found and how
(``plan.Searched``: its stem group, a common word's own forms, related forms of a word
found nowhere, its root, the words a prefix starts). A hit's text is analysed once
(``snippets.analysed_words``, shared with its snippet); a written word whose terms are
among those forms answers the first typed word that found one of them, and is exactly
a word its snippet marks. Its reasons (``results.HOWS``):

1. spelling and form, ``spelling.differences(typed, written)``: diacritics, hamza,
   alef, ta_marbuta, alef_maqsura, tatweel, digits, clitic, stem;
2. ``root``: found through the typed word's root (``root:``, ``جذر:``, or the site's root
   choice), not its stem;
3. ``variant``: another spelling of a name or a Qur'anic rasm spelling
   (``variants.txt``, ``rasm.txt``), or a form related to a word found nowhere
   (أمريكا -> الأمريكية);
4. ``typo`` / ``keyboard``: the query ran on its correction (did-you-mean, or the query
   read with the other keyboard layout): the word typed is not the word searched;
5. ``exact``: none of these, the word as typed.

Reasons are remembered per (typed word, written word) for the search: written words
recur across hits, so a page of hits compares each pair once.
"""

from __future__ import annotations

from .analysis import WORD_PATTERN
from .arabic import normalize
from .plan import Plan, Searched
from .results import HOWS, Match
from .spelling import compatible, differences
from .stemmer import stem
from .suggest import other_layout
from .variants import stem_of, word_variants

#: Kinds of ``plan.Searched`` and the reason each adds by itself.
KIND_REASONS = {"root": "root", "related": "variant"}
#: Reasons a root match replaces: the word shares the root, whatever its stem.
ROOT_REPLACES = frozenset({"stem"})


class Explainer:
    """The matches of every hit of one search: made once from its plans (strict first,
    then the question reading), then ``matches(text, analysed)`` per hit.

    ``query`` is the query as typed; ``corrected`` the correction searched instead
    (``SearchResult.corrected``), whose words the plans hold; ``exact`` the query's exact
    options (``spelling.EXACT``), which decide the written words that count (``as_asked``).
    """

    def __init__(self, plans, query: str, corrected: str | None = None,
                 exact: frozenset[str] = frozenset()):
        self.exact = frozenset(exact)
        self._accepted: dict[tuple[int, str], bool] = {}
        self.searched: list[Searched] = []
        self.by_term: dict[str, int] = {}
        for plan in plans:
            if plan is None:
                continue
            for item in plan.searched:
                for form in item.forms:
                    self.by_term.setdefault(form, len(self.searched))
                self.searched.append(item)
        self.terms = frozenset(self.by_term)
        self.original, self.correction = _originals(query, corrected)
        self._reasons: dict[tuple[int, str], tuple[str, ...]] = {}

    def _answered(self, terms) -> int:
        """The number of the first word searched whose forms hold one of ``terms``."""
        return min(self.by_term[term] for term in terms if term in self.by_term)

    def as_asked(self, text: str, analysed):
        """``analysed`` less the terms of written words whose spelling the exact options
        refuse (a passage found through الأسد under ``exact=hamza`` may also write الاسد:
        neither its snippet nor its matches mark that one)."""
        if not self.exact:
            return analysed
        searched, kept = self.terms, []
        for start, end, terms in analysed:
            if not searched.isdisjoint(terms):
                number = self._answered(terms)
                written = text[start:end]
                accepted = self._accepted.get((number, written))
                if accepted is None:
                    accepted = self._accepted[(number, written)] = compatible(
                        self.searched[number].typed, written, self.exact)
                if not accepted:
                    terms = frozenset()
            kept.append((start, end, terms))
        return kept

    def matches(self, text: str, analysed) -> tuple[Match, ...]:
        """``Match`` of each word of ``analysed`` (``snippets.analysed_words(text)``)
        with a term among the forms searched, in text order."""
        searched, found = self.terms, []
        for start, end, terms in analysed:
            if searched.isdisjoint(terms):  # most words: one set operation in C
                continue
            number = self._answered(terms)
            written = text[start:end]
            how = self._reasons.get((number, written))
            if how is None:
                how = self._reasons[(number, written)] = self.reasons(self.searched[number],
                                                                      written)
            typed = self.searched[number].typed
            found.append(Match(start, end, written, how, self.original.get(typed, typed)))
        return tuple(found)

    def reasons(self, item: Searched, written: str) -> tuple[str, ...]:
        """Why ``written`` matched the word ``item`` searched for, in ``HOWS`` order."""
        found = set(differences(item.typed, written))
        if item.kind == "root":
            found -= ROOT_REPLACES
        if item.kind in KIND_REASONS:
            found.add(KIND_REASONS[item.kind])
        if is_variant(item.typed, written):
            found.add("variant")
        if item.typed in self.original:  # the query ran on a correction of this word
            found.add(self.correction)
        return tuple(how for how in HOWS if how in found) or ("exact",)


def is_variant(typed: str, written: str) -> bool:
    """True when two words differ in their light stems but agree once name and rasm
    spellings are mapped to one (``variants``): سوريا / سورية, البنتاغون / والبنتاجون.

    >>> is_variant("سوريا", "سورية"), is_variant("سورية", "وسورية")
    (True, False)
    """
    typed, written = normalize(typed), normalize(written)
    if typed == written or stem(typed) == stem(written):
        return False
    table = word_variants()
    return stem_of(table.get(typed, typed)) == stem_of(table.get(written, written))


def _originals(query: str, corrected: str | None) -> tuple[dict[str, str], str | None]:
    """(word searched -> word typed, for the words the correction changed; ``"typo"`` or
    ``"keyboard"``) when the query ran on ``corrected``: a keyboard reading maps the
    query token by token (``suggest.other_layout``), a correction replaces words in
    place (a word it cannot pair is its own)."""
    if not corrected:
        return {}, None
    pairs: dict[str, str] = {}
    if other_layout(query) == corrected:
        for typed, read in zip(query.split(), corrected.split()):
            for word in WORD_PATTERN.findall(read):
                pairs.setdefault(word, typed.strip('-"*'))
        return pairs, "keyboard"
    typed, read = WORD_PATTERN.findall(query), WORD_PATTERN.findall(corrected)
    if len(typed) == len(read):
        pairs = {new: old for old, new in zip(typed, read) if old != new}
    else:
        pairs = {word: word for word in read if word not in typed}
    return pairs, "typo"


def searched_query(plan: Plan) -> str:
    """What ``plan`` searched for, folded, in query syntax: each word's index term
    (common words too), ``term*`` for a prefix, ``root:term`` for a root.

    >>> from search.plan import Searched
    >>> searched_query(Plan(None, searched=(Searched("وزارةُ", "وزاره", "word", frozenset()),
    ...                                     Searched("حرب", "حرب", "root", frozenset()))))
    'وزاره root:حرب'
    """
    shapes = {"prefix": "{}*", "root": "root:{}"}
    return " ".join(shapes.get(item.kind, "{}").format(item.term) for item in plan.searched)
