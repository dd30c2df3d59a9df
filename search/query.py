"""The query language, parsed strictly, and its translation into Whoosh queries.

Syntax (everything else is a plain word; punctuation between words is ignored):

- ``word word``: passages containing every word (in any of its spellings and forms);
- ``"two words"``: the words next to each other, in this order;
- ``-word`` or ``-"a phrase"``: passages without it;
- ``word OR word``: either (OR binds tighter than the implicit AND);
- ``word*``: words starting with ``word`` (two letters at least).

Malformed input (an unclosed quote, a dangling ``OR`` or ``-``, a lone ``*``, only
exclusions, too many words) raises ``QueryError`` with a message for people.

Each word becomes an OR of its light stem, its exact normalised form (boosted, so exact
words rank first) and, where the index has them, the same word with or without a
one-letter proclitic (ب ل ك ف, which the stemmer leaves alone because they also begin
words such as بريطانيا): "بسوريا" finds "سوريا" and the reverse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from whoosh import query as wq

from .analysis import EXACT_PREFIX
from .errors import QueryError
from .variants import spellings_of

MAX_QUERY_CHARS = 1000
MAX_WORDS = 64
#: A prefix expanding to more index terms than this is refused (type more letters).
MAX_PREFIX_TERMS = 2000
EXACT_BOOST = 1.5
#: Weight of a word found only through an added or removed proclitic.
CLITIC_BOOST = 0.6
#: Proclitics the stemmer does not strip, tried in both directions at query time.
PROCLITICS = ("وب", "ول", "وك", "فب", "فل", "ب", "ل", "ك", "ف")
MIN_STRIPPED_LENGTH = 3

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
        if not token or token == "-":
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


def question_frame_words(analyzer) -> frozenset[str]:
    """The index terms, under ``analyzer``, of the words in ``question_words.txt``."""
    return frozenset(t.text for word in _question_words() for t in analyzer(word))


@lru_cache(maxsize=1)
def _question_words() -> tuple[str, ...]:
    text = resources.files(__package__).joinpath("question_words.txt").read_text("utf-8")
    words = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(word for word in words if word)


class QueryBuilder:
    """Turns parsed clauses into a Whoosh query over one field, using its vocabulary.

    ``ignore`` holds index terms to leave out (the frame words of a question).
    """

    def __init__(self, reader, fieldname="text", ignore=frozenset()):
        self.reader = reader
        self.fieldname = fieldname
        self.field = reader.schema[fieldname]
        self.ignore = ignore
        self.highlight_terms: set[str] = set()
        self.words: list[str] = []

    def build(self, groups: list[list[Clause]], match: str = "all") -> wq.Query:
        """AND of the groups (``match="all"``), or OR (``"any"``: ranked by how many
        and how rare the words found are, for questions in natural language)."""
        positive, negative = [], []
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
        return result

    def _terms(self, text: str) -> list[tuple[int, str]]:
        return [(t.pos, t.text) for t in
                self.field.tokenize(text, mode="query", positions=True)]

    def _has(self, term: str) -> bool:
        return (self.fieldname, term) in self.reader

    def _term(self, text: str, boost: float = 1.0) -> wq.Term:
        return wq.Term(self.fieldname, text, boost=boost)

    def _clause(self, clause: Clause) -> wq.Query | None:
        if clause.kind == "prefix":
            return self._prefix(clause)
        terms = self._terms(clause.text)
        if not terms:
            return None
        if clause.kind == "phrase" and len({pos for pos, _ in terms}) > 1:
            return self._phrase(terms, clause.negated)
        queries = [self._word(text, clause.negated) for text in clause.text.split()]
        queries = [q for q in queries if q is not None]
        if not queries:
            return None
        return queries[0] if len(queries) == 1 else wq.And(queries)

    def _word(self, word: str, negated: bool) -> wq.Query | None:
        terms = {text for _, text in self._terms(word)}
        if not terms or terms & self.ignore:
            return None
        if not negated:
            self.words.append(word)
        options = [self._term(t, EXACT_BOOST if t.startswith(EXACT_PREFIX) else 1.0)
                   for t in sorted(terms)]
        for extra in self._clitic_alternatives(word, terms):
            options.append(self._term(extra, CLITIC_BOOST))
        if not negated:
            self.highlight_terms.update(q.text for q in options)
        return options[0] if len(options) == 1 else wq.Or(options)

    def _clitic_alternatives(self, word: str, terms: set[str]) -> list[str]:
        """Index terms for the word with a proclitic added or removed, that exist."""
        exact = {t[len(EXACT_PREFIX):] for t in terms if t.startswith(EXACT_PREFIX)}
        spellings = set(exact)
        for form in exact:
            spellings |= spellings_of().get(form, frozenset())
        found = []
        for form in spellings:
            for clitic in PROCLITICS:
                candidate = EXACT_PREFIX + clitic + form
                if candidate not in terms and self._has(candidate):
                    found.append(candidate)
        for form in exact:
            for clitic in PROCLITICS:
                if form.startswith(clitic) and len(form) - len(clitic) >= MIN_STRIPPED_LENGTH:
                    rest = {t for _, t in self._terms(form[len(clitic):])}
                    found.extend(t for t in sorted(rest) if t not in terms and self._has(t))
                    break
        return sorted(set(found))

    def _phrase(self, terms: list[tuple[int, str]], negated: bool) -> wq.Query:
        by_pos: dict[int, list[str]] = {}
        for pos, text in terms:
            by_pos.setdefault(pos, []).append(text)
        stems = [next((t for t in by_pos[p] if not t.startswith(EXACT_PREFIX)), by_pos[p][0])
                 for p in sorted(by_pos)]
        exacts = [next((t for t in by_pos[p] if t.startswith(EXACT_PREFIX)), None)
                  for p in sorted(by_pos)]
        options = [wq.Phrase(self.fieldname, stems)]
        if all(exacts):
            options.append(wq.Phrase(self.fieldname, exacts, boost=EXACT_BOOST))
        if not negated:
            self.words.extend(t.lstrip(EXACT_PREFIX) for t in exacts if t)
            self.highlight_terms.update(t for texts in by_pos.values() for t in texts)
        return options[0] if len(options) == 1 else wq.Or(options)

    def _prefix(self, clause: Clause) -> wq.Query | None:
        """Exact words starting with the normalised prefix, bounded in number."""
        terms = [t.text for t in self.field.tokenize(clause.text, removestops=False)
                 if t.text.startswith(EXACT_PREFIX)]
        if not terms:
            return None
        prefix = terms[0]
        expanded = []
        for term in self.reader.expand_prefix(self.fieldname, prefix):
            expanded.append(term.decode("utf-8") if isinstance(term, bytes) else term)
            if len(expanded) > MAX_PREFIX_TERMS:
                raise QueryError(
                    f"«{clause.text}*» matches too many words: type more letters"
                )
        if not clause.negated:
            self.highlight_terms.update(expanded)
        if not expanded:
            return wq.NullQuery
        return wq.Or([self._term(t) for t in expanded])
