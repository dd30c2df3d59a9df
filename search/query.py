"""The query language, parsed strictly, and its translation into Whoosh queries.

Syntax (everything else is a plain word; punctuation between words is ignored):

- ``word word``: passages containing every word (in any of its spellings and forms);
- ``"two words"``: the words next to each other, in this order;
- ``-word`` or ``-"a phrase"``: passages without it;
- ``word OR word``: either (OR binds tighter than the implicit AND);
- ``word*``: words starting with ``word`` (two letters at least).

Malformed input (an unclosed quote, a dangling ``OR`` or ``-``, a lone ``*``, only
exclusions, too many words) raises ``QueryError`` with a message for people.

Each word becomes the index's forms that share its stem (``stemgroups``), the exact
form boosted so exact words rank first, and forms with or without a one-letter
proclitic (ب ل ك ف: "بسوريا" finds "سوريا" and the reverse) at a lower weight. In
question mode, on an index built with roots, each word also brings the forms sharing
its root (``roots``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from whoosh import query as wq

from . import roots
from .errors import QueryError
from .stemgroups import GroupedBM25F, StemGroups, TermGroup, idf

MAX_QUERY_CHARS = 1000
MAX_WORDS = 64
#: A prefix expanding to more index terms than this is refused (type more letters).
MAX_PREFIX_TERMS = 2000

_SURROGATES = re.compile("[\ud800-\udfff]")
_TOKEN = re.compile(r'\s*(?:(-?)"([^"]*)("?)|(\S+))')


@dataclass(frozen=True)
class Clause:
    """One searchable unit: a word, a prefix or a phrase, possibly excluded."""

    text: str
    kind: str = "word"  # "word", "prefix" or "phrase"
    negated: bool = False


def parse(text: str) -> list[list[Clause]]:
    """Parse a query into AND-ed groups of OR-ed clauses.

    >>> parse('سوريا روسيا OR إيران -"وزارة الدفاع"')
    [[Clause(text='سوريا', kind='word', negated=False)], [Clause(text='روسيا', kind='word', negated=False), Clause(text='إيران', kind='word', negated=False)], [Clause(text='وزارة الدفاع', kind='phrase', negated=True)]]
    """
    if text:
        text = _SURROGATES.sub("", text)  # halves of UTF-16 pairs are not characters
    if not text or not text.strip():
        raise QueryError("the query is empty: type a word to search for")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is too long ({len(text)} characters; at most {MAX_QUERY_CHARS})"
        )
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u00ab", '"') \
        .replace("\u00bb", '"')
    groups: list[list[Clause]] = []
    pending_or = False
    for match in _TOKEN.finditer(text):
        minus, phrase, closing, bare = match.groups()
        if phrase is not None:
            if not closing:
                raise QueryError("a quotation mark is not closed: add the closing \"")
            if not phrase.strip():
                continue
            clause = Clause(phrase.strip(), "phrase", bool(minus))
        elif bare == "OR":
            if not groups or pending_or:
                raise QueryError("OR needs a word on each side, e.g. سوريا OR روسيا")
            pending_or = True
            continue
        elif bare == "AND":
            continue
        else:
            clause = _bare_clause(bare)
            if clause is None:
                continue
        if pending_or:
            groups[-1].append(clause)
            pending_or = False
        else:
            groups.append([clause])
    if pending_or:
        raise QueryError("OR needs a word on each side, e.g. سوريا OR روسيا")
    clauses = [c for group in groups for c in group]
    if not clauses:
        raise QueryError("the query has no words to search for")
    if len(clauses) > MAX_WORDS or sum(len(c.text.split()) for c in clauses) > MAX_WORDS:
        raise QueryError(f"the query has too many words (at most {MAX_WORDS})")
    for group in groups:
        if len(group) > 1 and any(c.negated for c in group):
            raise QueryError("an excluded word (-word) cannot be part of an OR")
    if all(c.negated for c in clauses):
        raise QueryError("the query only excludes words: add a word to search for")
    return groups


def _bare_clause(token: str) -> Clause | None:
    negated = token.startswith("-")
    if negated:
        token = token[1:]
        # bandit's B105 takes "-" for a hard-coded password; it is the exclusion operator.
        if not token or token == "-":  # nosec B105
            raise QueryError("'-' must be followed by a word to exclude, e.g. -روسيا")
    if token.endswith("*"):
        stem = token.rstrip("*")
        if "*" in stem or len(re.sub(r"\W", "", stem)) < 2:
            raise QueryError("a prefix search needs at least 2 letters before *, e.g. سور*")
        return Clause(stem, "prefix", negated)
    if "*" in token:
        raise QueryError("* can only end a word, e.g. سور*")
    if not re.search(r"\w", token):
        return None
    return Clause(token, "word", negated)


def plain_words(text: str) -> str:
    """A question in natural language, with the query syntax taken out of it: quotes,
    a leading ``-`` and ``*`` are punctuation there, not operators.

    >>> plain_words('ما معنى "الصمد" -في القرآن؟')
    'ما معنى  الصمد  في القرآن؟'
    """
    text = re.sub(r'["\u201c\u201d\u00ab\u00bb*]', " ", text)
    text = re.sub(r"(?<!\S)-+", "", text)
    return re.sub(r"\b(OR|AND)\b", " ", text)


def question_frame_words(analyzer, stem_of) -> frozenset[str]:
    """The stems, under ``analyzer`` and ``stem_of``, of ``question_words.txt``."""
    return frozenset(stem_of(t.text) for word in _question_words() for t in analyzer(word))


@lru_cache(maxsize=1)
def _question_words() -> tuple[str, ...]:
    text = resources.files(__package__).joinpath("question_words.txt").read_text("utf-8")
    words = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(word for word in words if word)


class QueryBuilder:
    """Turns parsed clauses into a Whoosh query over one field of normalised words.

    Each word becomes a ``TermGroup`` of the index forms sharing its stem
    (``StemGroups``), scored as one term with the group's IDF (for Whoosh's form by form
    scoring, the builder also gives every form that IDF through the searcher's
    ``GroupedBM25F`` weighting). ``ignore`` holds stems to leave out (the frame words of
    a question).

    ``root_groups`` (an index built with roots) adds, in question mode (``match="any"``)
    only, each word's root group beside its stem group: a ``TermGroup`` of the forms
    sharing its root, with the root's IDF, times ``roots.ROOT_WEIGHT``. Normal search
    (``match="all"``) does not use roots: a root group would widen which passages match
    (its forms must then be required), and questions are what it was measured on.
    """

    def __init__(self, searcher, groups: StemGroups, fieldname="text", ignore=frozenset(),
                 root_groups: roots.RootGroups | None = None):
        self.reader = searcher.reader()
        self.weighting = searcher.weighting
        self.groups = groups
        self.root_groups = root_groups
        #: (root term, the root's IDF) of this query, weighed once all groups are known.
        self._root_terms: list[tuple[wq.Term, float]] = []
        self._with_roots = False
        self.fieldname = fieldname
        self.field = self.reader.schema[fieldname]
        self.ignore = ignore
        self.highlight_terms: set[str] = set()
        #: (word as typed, its index term) for each word searched for: did-you-mean
        #: corrects the term and puts the correction where the typed word stood.
        self.words: list[tuple[str, str]] = []
        if isinstance(self.weighting, GroupedBM25F):
            self.weighting.group_idf.clear()

    def build(self, groups: list[list[Clause]], match: str = "all") -> wq.Query:
        """AND of the groups (``match="all"``), or OR (``"any"``: ranked by how many
        and how rare the words found are, for questions in natural language)."""
        positive, negative = [], []
        self._with_roots = match == "any" and self.root_groups is not None
        self._root_terms = []
        for group in groups:
            parts = [self._clause(c) for c in group]
            parts = [p for p in parts if p is not None]
            if not parts:
                continue
            if group[0].negated:
                negative.extend(parts)
            else:
                positive.append(parts[0] if len(parts) == 1 else wq.Or(parts))
        if not positive:
            words = " ".join(c.text for g in groups for c in g if not c.negated)
            raise QueryError(
                f"nothing to search for: «{words}» has only very common words; "
                "add a more specific word"
            )
        combine = wq.Or if match == "any" else wq.And
        result = positive[0] if len(positive) == 1 else combine(positive)
        if negative:
            result = wq.AndNot(result, wq.Or(negative))
        self._weigh_root_terms()
        return result

    def _readings(self, text: str) -> dict[int, tuple[str, list[str]]]:
        """By position: the word as typed and its index terms (Uthmani readings share
        a position)."""
        by_pos: dict[int, tuple[str, list[str]]] = {}
        for token in self.field.tokenize(text, mode="query", positions=True, chars=True):
            typed = text[token.startchar:token.endchar]
            by_pos.setdefault(token.pos, (typed, []))[1].append(token.text)
        return by_pos

    def _clause(self, clause: Clause) -> wq.Query | None:
        if clause.kind == "prefix":
            return self._prefix(clause)
        by_pos = self._readings(clause.text)
        if not by_pos:
            return None
        groups = [self._group(typed, words, clause.negated)
                  for typed, words in by_pos.values()]
        groups = [g for g in groups if g is not None]
        if not groups:
            return None
        if len(groups) == 1:
            return groups[0]
        if clause.kind == "phrase":
            return wq.Sequence(groups)
        return wq.And(groups)

    def _group(self, typed: str, words: list[str], negated: bool) -> wq.Query | None:
        """One word (its readings): the forms of its stem group, scored as one term."""
        if self.ignore and any(self.groups.stem_of(w) in self.ignore for w in words):
            return None
        forms: dict[str, float] = {}
        for word in words:
            for form, weight in self.groups.forms(word).items():
                forms[form] = max(weight, forms.get(form, 0.0))
        if not negated:
            self.words.append((typed, words[0]))
            self.highlight_terms.update(forms)
        root_group = self._root_group(words) if self._with_roots and not negated else None
        if not forms:
            # Nothing with its stem: only its root, or a term that matches nothing (AND
            # stays honest).
            return root_group if root_group is not None else wq.Term(self.fieldname, words[0])
        shared = idf(self.groups.doc_frequency(forms), self.reader.doc_count_all())
        if isinstance(self.weighting, GroupedBM25F):
            for form in forms:
                self.weighting.group_idf[(self.fieldname, form)] = shared
        ordered = sorted(forms.items())
        stem_group = TermGroup([wq.Term(self.fieldname, form, boost=weight)
                                for form, weight in ordered],
                               [weight for _form, weight in ordered], shared)
        return stem_group if root_group is None else wq.Or([stem_group, root_group])

    def _root_group(self, words: list[str]) -> wq.Query | None:
        """The forms sharing the root of the word's first reading; the boosts Whoosh
        reads are set by ``_weigh_root_terms`` once the query is built."""
        _root, forms, shared = self.root_groups.group(words[0])
        if not forms:
            return None
        terms = [wq.Term(self.fieldname, form) for form in forms]
        self._root_terms.extend((term, shared) for term in terms)
        return TermGroup(terms, idf=shared, boost=roots.ROOT_WEIGHT)

    def _weigh_root_terms(self) -> None:
        """For Whoosh: score each root term with its root's IDF.

        The weighting keeps one IDF per term; a form may already hold its stem group's
        IDF. A term's score is linear in its IDF, so the boost carries the ratio:
        root IDF / the IDF the term is scored with.
        """
        if not isinstance(self.weighting, GroupedBM25F):
            return
        for term, shared in self._root_terms:
            used = self.weighting.group_idf.setdefault((self.fieldname, term.text), shared)
            term.boost = shared / used

    def _prefix(self, clause: Clause) -> wq.Query | None:
        """Words starting with the normalised prefix, bounded in number."""
        words = [t.text for t in self.field.tokenize(clause.text, removestops=False)]
        if not words:
            return None
        expanded = []
        # The groups' vocabulary (the posting arrays), not Whoosh's reader, which asks
        # every segment.
        for term in self.groups.reader.expand_prefix(self.fieldname, words[0]):
            expanded.append(term.decode("utf-8") if isinstance(term, bytes) else term)
            if len(expanded) > MAX_PREFIX_TERMS:
                raise QueryError(
                    f"«{clause.text}*» matches too many words: type more letters"
                )
        if not clause.negated:
            self.highlight_terms.update(expanded)
        if not expanded:
            return wq.NullQuery
        return wq.Or([wq.Term(self.fieldname, t) for t in expanded])
