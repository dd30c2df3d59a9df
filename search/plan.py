"""Query plans: what a parsed query means on one index, as small frozen nodes.

``Planner.plan`` turns the parser's clauses (``query.parse``) into a tree of nodes that
the engine (``engine.Engine.evaluate``) runs over the posting arrays, and that carries
everything scoring needs: a word group holds its forms, their weights and its one IDF,
computed here, once, from the vocabulary. Nothing is written to a side table for a
later layer to read back, so one clause can never change the score of another.

Nodes:

- ``Words``: one word typed, as the index forms sharing its stem (and, for questions,
  its root), scored as ONE term: BM25 of the weighted sum of its forms' frequencies;
  with ``exact`` options (``spelling.EXACT``), only the written forms of those terms
  that satisfy them (``spelling.compatible``); a word typed with marks (``marks``)
  scores the written forms its marks agree with once more, so they rank first;
- ``Terms``: words found by a prefix (``سور*``), each scored as its own term;
- ``Phrase``: word groups at consecutive positions, in order;
- ``Near``: word groups within ``distance`` words of each other, in any order;
- ``All`` / ``Any``: every child must match / any may, scores summed; ``All``'s
  ``optional`` children add their scores where they match but decide nothing (common
  words in free text);
- ``Without``: ``include``'s matches that ``exclude`` does not match;
- ``NOTHING``: matches no passage.

A ``Plan`` is the tree plus what the rest of a search needs: the source filter, the
words as typed with their index terms (did-you-mean), the terms to mark in snippets, and
for each word searched the forms it found and how (``Searched``: why a hit matched).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Union

from . import ranking as scoring
from . import roots
from .arabic import CONJUNCTIONS, RELATED_ENDINGS
from .errors import QueryError
from .query import Clause
from .spelling import has_marks
from .stemgroups import StemGroups

#: A prefix expanding to more index terms than this is refused (type more letters).
MAX_PREFIX_TERMS = 2000



@dataclass(frozen=True)
class Words:
    """One word's forms, scored as one term with ``idf``, times ``boost``."""

    typed: str
    forms: tuple[str, ...]
    weights: tuple[float, ...]
    idf: float
    boost: float = 1.0
    exact: frozenset[str] = frozenset()
    marks: bool = False


@dataclass(frozen=True)
class Terms:
    """Index terms each scored on its own (the words a prefix finds)."""

    terms: tuple[str, ...]
    idfs: tuple[float, ...]


@dataclass(frozen=True)
class Phrase:
    """Word groups side by side, in this order; scored as the sum of its groups."""

    parts: tuple[Words, ...]


@dataclass(frozen=True)
class Near:
    """Word groups all within a span of ``distance`` + 1 positions, in any order."""

    parts: tuple[Words, ...]
    distance: int


@dataclass(frozen=True)
class All:
    children: tuple["Node", ...]
    optional: tuple["Node", ...] = ()


@dataclass(frozen=True)
class Any:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Without:
    include: "Node"
    exclude: "Node"


@dataclass(frozen=True)
class Nothing:
    """Matches no passage (a word that is nowhere in the index)."""


NOTHING = Nothing()
Node = Union[Words, Terms, Phrase, Near, All, Any, Without, Nothing]

#: How a word searched found its forms (``Searched.kind``).
SEARCHED_KINDS = ("word", "common", "related", "root", "prefix")


@dataclass(frozen=True)
class Searched:
    """One word searched for, as the plan reads it: ``typed`` as in the query, ``term``
    its folded index term, ``kind`` how its ``forms`` (index terms, all marked in
    snippets) were found: its stem group (``word``), a common word's own forms
    (``common``), forms related to a word found nowhere (``related``), its root
    (``root``), words starting with it (``prefix``)."""

    typed: str
    term: str
    kind: str
    forms: frozenset[str]


@dataclass(frozen=True)
class Plan:
    """A query ready to run: the node tree, the source filter, the words searched for
    as (typed, index term) pairs, and the index terms to mark in snippets.

    ``node`` is ``units`` (each required: a word, a phrase, an OR of them), ``optional``
    and ``exclude`` put together; matching that relaxes (``search.relax``) takes them
    apart again. ``unit_texts`` is each unit as typed (to say which words a passage
    lacks); ``related`` lists (word as typed, forms) for words found nowhere that were
    replaced by related forms (a country's adjective, the same root). ``phrase``: for
    a query of two plain words or more, the words side by side as typed (ranked first).
    """

    node: Node
    sources: tuple[str, ...] = ()
    words: tuple[tuple[str, str], ...] = ()
    highlight: frozenset[str] = field(default_factory=frozenset)
    units: tuple[Node, ...] = ()
    unit_texts: tuple[str, ...] = ()
    optional: tuple[Node, ...] = ()
    exclude: Node | None = None
    related: tuple[tuple[str, tuple[str, ...]], ...] = ()
    phrase: Node | None = None
    #: Questions: (word as typed, related form) for each word added by ``Planner.related``.
    expansions: tuple[tuple[str, str], ...] = ()
    #: Every word searched for (excluded ones not), in query order, with its forms.
    searched: tuple[Searched, ...] = ()


class Planner:
    """Makes plans on one index generation.

    ``field`` is the Whoosh text field (its analyzer splits and folds query words as the
    text was); ``vocabulary`` answers prefix scans and document frequencies
    (``postings.Vocabulary``); ``groups`` finds a word's stem group; ``root_groups`` (an
    index built with roots) adds, in question mode only, each word's root group beside
    its stem group. ``ignore`` holds stems to leave out (a question's frame words).
    ``common`` holds the common words (normalised): in free text they are optional and
    weigh ``Ranking.common_weight``; a query of common words only requires them; in a
    phrase they must be there, as typed. ``related`` (questions only): a normalised
    word -> (form, weight) pairs (``search.related``); each form's stem group is added
    beside the word's, its score times weight x ``Ranking.related_weight``.
    """

    def __init__(self, field, vocabulary, groups: StemGroups, ranking: scoring.Ranking,
                 root_groups=None, ignore=frozenset(), common=frozenset(),
                 fieldname: str = "text", related=None):
        self.field = field
        self.vocabulary = vocabulary
        self.groups = groups
        self.ranking = ranking
        self.root_groups = root_groups
        self.ignore = ignore
        self.common = common
        self.fieldname = fieldname
        self.related = related
        self.doc_count = vocabulary.doc_count_all()

    def plan(self, groups: list[list[Clause]], match: str = "all", sources=(),
             relate: bool = False, exact: frozenset[str] = frozenset(),
             by: str = "word") -> Plan:
        """AND of the parser's groups (``match="all"``), or OR (``"any"``: ranked by how
        many and how rare the words found are, for questions in natural language).
        Each group is an OR of clauses; negated clauses exclude. ``relate``: a word
        found nowhere stands for its related forms (``Plan.related``). ``exact``: what
        each word must keep as typed (``spelling.EXACT``); roots and related words,
        which are other words, are then left out. ``by="root"``: every plain word is
        searched by its root (``_by_root``)."""
        if by == "root":
            groups = self._by_root(groups)
        state = _State(with_roots=match == "any" and self.root_groups is not None
                       and not exact, relate=relate and not exact, question=match == "any",
                       exact=exact)
        required, optional, negative, texts, sequence = [], [], [], [], []
        plain = all(len(g) == 1 and g[0].kind == "word" and not g[0].negated for g in groups)
        for group in groups:
            parts = [self._clause(clause, state) for clause in group]
            parts = [part for part in parts if part is not None]
            if not parts:
                continue
            sequence.append(parts[0][0])
            nodes = tuple(node for node, _common in parts)
            if group[0].negated:
                negative.extend(nodes)
                continue
            node = nodes[0] if len(nodes) == 1 else Any(nodes)
            common = all(is_common for _node, is_common in parts)
            (optional if common else required).append(node)
            if not common:
                texts.append(" أو ".join(clause.text for clause in group))
        if not required and not optional:
            words = " ".join(c.text for g in groups for c in g if not c.negated)
            raise QueryError("nothing_to_search", words=words)
        if match == "any" and required:  # common words only add to the others' scores
            node = required[0] if len(required) == 1 else Any(tuple(required))
            if optional:
                node = All((node,), tuple(self._weighed(n) for n in optional))
        elif match == "any":
            node = optional[0] if len(optional) == 1 else Any(tuple(optional))
        elif not required:  # only common words: they are what is searched for
            node = optional[0] if len(optional) == 1 else All(tuple(optional))
        elif optional:
            node = All(tuple(required), tuple(self._weighed(n) for n in optional))
        else:
            node = required[0] if len(required) == 1 else All(tuple(required))
        exclude = None
        if negative:
            exclude = negative[0] if len(negative) == 1 else Any(tuple(negative))
            node = Without(node, exclude)
        weighed = tuple(self._weighed(n) for n in optional) if required else ()
        return Plan(node, tuple(sources), tuple(state.words), frozenset(state.highlight),
                    units=tuple(required) if required else tuple(optional),
                    unit_texts=tuple(texts) if required else tuple(
                        c.text for g in groups for c in g if not c.negated),
                    optional=weighed, exclude=exclude, related=tuple(state.related),
                    expansions=tuple(state.expansions), searched=tuple(state.searched),
                    phrase=Phrase(tuple(sequence)) if plain and len(sequence) > 1
                    and all(isinstance(n, Words) for n in sequence) else None)

    def _weighed(self, node: Node) -> Node:
        """An optional common word's node, its score times ``Ranking.common_weight``."""
        if isinstance(node, Words):
            return replace(node, boost=node.boost * self.ranking.common_weight)
        if isinstance(node, Any):
            return Any(tuple(self._weighed(child) for child in node.children))
        return node

    def _readings(self, text: str) -> list[tuple[str, list[str]]]:
        """By position: the word as typed and its index terms (Uthmani readings share
        a position)."""
        by_position: dict[int, tuple[str, list[str]]] = {}
        for token in self.field.tokenize(text, mode="query", positions=True, chars=True):
            typed = text[token.startchar:token.endchar]
            by_position.setdefault(token.pos, (typed, []))[1].append(token.text)
        return list(by_position.values())

    def _clause(self, clause: Clause, state: "_State") -> tuple[Node, bool] | None:
        """(node, whether it is one common word) of a clause, None if nothing is left."""
        if clause.kind == "prefix":
            node = self._prefix(clause, state)
            return None if node is None else (node, False)
        if clause.kind == "root":
            return self._root_clause(clause, state), False
        readings = self._readings(clause.text)
        exact = clause.kind == "phrase"
        parts = [(self._word(typed, words, clause.negated, state, exact), self._common(words))
                 for typed, words in readings]
        parts = [(node, common) for node, common in parts if node is not None]
        if not parts:
            return None
        nodes = tuple(node for node, _common in parts)
        if len(parts) == 1:
            return parts[0]
        if clause.kind in ("phrase", "near") and all(isinstance(n, Words) for n in nodes):
            if clause.kind == "phrase":
                return Phrase(nodes), False
            return Near(nodes, max(clause.distance, len(nodes) - 1)), False
        if clause.kind in ("phrase", "near"):  # a word that is nowhere: nothing matches
            return NOTHING, False
        content = [node for node, common in parts if not common]
        return (All(tuple(content or nodes)), not content)

    def _by_root(self, groups: list[list[Clause]]) -> list[list[Clause]]:
        """The parsed query with every plain word searched by its root (as ``root:word``)
        but common words (a root of في means nothing); phrases, prefixes and exclusions
        stay as they are."""
        def common(text: str) -> bool:
            readings = self._readings(text)
            return bool(readings) and self._common(readings[0][1])

        return [[Clause(c.text, "root") if c.kind == "word" and not c.negated
                 and not common(c.text) else c for c in group] for group in groups]

    def _common(self, words: list[str]) -> bool:
        """A common word, bare or after a conjunction (وثم, فله: a conjunction does not
        make a word about something)."""
        if not self.common:
            return False
        word = words[0]
        return word in self.common or (word[:1] in CONJUNCTIONS and word[1:] in self.common)

    def _word(self, typed: str, words: list[str], negated: bool, state: "_State",
              exact: bool = False) -> Node | None:
        """One word (its readings): the forms of its stem group, scored as one term;
        for questions on an index with roots, OR its root group. A common word, or any
        word of a phrase that is common, stands for its own forms only."""
        if self.ignore and any(self.groups.stem_of(w) in self.ignore for w in words):
            return None
        if "form" in state.exact:  # the word as typed: no other stem or clitic
            forms = {w: 1.0 for w in words if (self.fieldname, w) in self.vocabulary}
        elif self._common(words):
            forms = self._common_forms(words, exact)
        else:
            forms = {}
            for word in words:
                for form, weight in self.groups.forms(word, short=not state.question).items():
                    forms[form] = max(weight, forms.get(form, 0.0))
        common = self._common(words)
        if not negated and not common:
            # The words a result is about (did-you-mean, per-word scores).
            state.words.append((typed, words[0]))
        root = self._root(typed, words[0]) if state.with_roots and not negated \
            and not common and not exact else None
        kind = "common" if common else "word"
        if not forms and state.relate and not negated and not common:
            forms = self._related(words[0])
            if forms:
                state.related.append((typed, tuple(sorted(forms))))
                kind = "related"
        if not negated:
            state.mark(typed, words[0], kind, forms)
        if not forms:
            # Nothing with its stem: only its root, or nothing at all (AND stays honest).
            return root if root is not None else NOTHING
        ordered = sorted(forms.items())
        stem_group = Words(typed, tuple(f for f, _ in ordered), tuple(w for _, w in ordered),
                           scoring.idf(self.groups.doc_frequency(forms), self.doc_count),
                           exact=state.exact,
                           marks="diacritics" not in state.exact and has_marks(typed))
        extra = self._related_words(typed, words[0], state) \
            if state.question and self.related and not negated and not common and not exact \
            and not state.exact else ()
        parts = (stem_group,) + ((root,) if root is not None else ()) + extra
        return parts[0] if len(parts) == 1 else Any(parts)

    def _related_words(self, typed: str, word: str, state: "_State") -> tuple[Words, ...]:
        """The stem groups of a question word's related words (``self.related``)."""
        nodes = []
        for form, weight in self.related(word):
            forms = self.groups.forms(form)
            if forms and self.ranking.related_weight * weight > 0:
                state.expansions.append((typed, form))
                ordered = sorted(forms.items())
                nodes.append(Words(typed, tuple(f for f, _ in ordered),
                                   tuple(w for _, w in ordered),
                                   scoring.idf(self.groups.doc_frequency(forms), self.doc_count),
                                   weight * self.ranking.related_weight))
        return tuple(nodes)

    def _common_forms(self, words: list[str], exact: bool) -> dict[str, float]:
        """A common word's own forms; outside quotes, with or without a conjunction too
        (في finds وفي, وهذا finds هذا), at the clitic weight."""
        candidates = {w: 1.0 for w in words}
        if not exact:
            bases = set(words) | {w[1:] for w in words
                                  if w[:1] in CONJUNCTIONS and w[1:] in self.common}
            for base in bases:
                for form in (base, *(conjunction + base for conjunction in CONJUNCTIONS)):
                    candidates.setdefault(form, self.ranking.clitic_weight)
        return {form: weight for form, weight in candidates.items()
                if (self.fieldname, form) in self.vocabulary}

    def _related(self, word: str) -> dict[str, float]:
        """Forms related to a word the index lacks: with or without a final alef, heh or
        yeh, or with the adjective's yeh (أمريكا -> أمريكي, الأمريكية; سوري -> سوريا),
        and, on an index with roots, the forms sharing its root."""
        found: dict[str, float] = {}
        bases = {word[:-1]} if word[-1:] in RELATED_ENDINGS and len(word) > 3 else set()
        bases |= {word + ending for ending in RELATED_ENDINGS}
        for base in bases:
            for form, weight in self.groups.forms(base).items():
                found.setdefault(form, weight)
        if not found and self.root_groups is not None:
            _root, forms, _idf = self.root_groups.group(word)
            found = {form: 1.0 for form in forms}
        return found

    def _root(self, typed: str, word: str) -> Words | None:
        """The forms sharing the word's root, with the root's IDF."""
        _root, forms, shared = self.root_groups.group(word)
        if not forms:
            return None
        return Words(typed, tuple(forms), (1.0,) * len(forms), shared,
                     self.ranking.root_weight)

    def _root_clause(self, clause: Clause, state: "_State") -> Node:
        """``root:صبر``: every form of the vocabulary with the typed word's root, scored as
        one word with the root's IDF (a frequent root weighs little, as a frequent word
        does). On an index built without roots, the forms holding the root's letters in
        order are found by a scan of the vocabulary and kept when their root is the one
        asked for (``roots.scan_root``)."""
        words = [t.text for t in self.field.tokenize(clause.text, removestops=False)]
        if not words:
            raise QueryError("root_needs_word")
        if self.root_groups is None:
            _root, forms = roots.scan_root(words[0], self.vocabulary)
            shared = scoring.idf(self.groups.doc_frequency(forms), self.doc_count) \
                if forms else 0.0
        else:
            _root, forms, shared = self.root_groups.group(words[0])
        if not clause.negated:
            state.mark(clause.text, words[0], "root", forms)
        if not forms:
            return NOTHING
        if not clause.negated:
            state.words.append((clause.text, words[0]))
        return Words(clause.text, tuple(forms), (1.0,) * len(forms), shared)

    def _prefix(self, clause: Clause, state: "_State") -> Node | None:
        """Words starting with the normalised prefix, bounded in number."""
        words = [t.text for t in self.field.tokenize(clause.text, removestops=False)]
        if not words:
            return None
        expanded = []
        for term in self.vocabulary.expand_prefix(self.fieldname, words[0]):
            expanded.append(term)
            if len(expanded) > MAX_PREFIX_TERMS:
                raise QueryError("prefix_too_many", prefix=clause.text)
        if not clause.negated:
            state.mark(clause.text, words[0], "prefix", expanded)
        if not expanded:
            return NOTHING
        idfs = tuple(scoring.idf(self.vocabulary.doc_frequency(self.fieldname, term),
                                 self.doc_count) for term in expanded)
        return Terms(tuple(expanded), idfs)


class _State:
    """What one plan gathers on the way: words searched for, terms to mark, words
    replaced by related forms."""

    def __init__(self, with_roots: bool, relate: bool = False, question: bool = False,
                 exact: frozenset[str] = frozenset()):
        self.with_roots = with_roots
        self.exact = exact
        self.relate = relate
        self.words: list[tuple[str, str]] = []
        self.highlight: set[str] = set()
        self.related: list[tuple[str, tuple[str, ...]]] = []
        self.question = question
        self.expansions: list[tuple[str, str]] = []
        self.searched: list[Searched] = []

    def mark(self, typed: str, term: str, kind: str, forms) -> None:
        """A word searched for: its forms are marked, and remembered with how they came."""
        self.highlight.update(forms)
        self.searched.append(Searched(typed, term, kind, frozenset(forms)))
