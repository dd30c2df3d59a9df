"""The query language, parsed strictly into clauses (``plan.Planner`` gives them meaning).

Syntax (everything else is a plain word; punctuation between words is ignored):

- ``word word``: passages containing every word (in any of its spellings and forms);
- ``"two words"``: the words next to each other, in this order;
- ``-word`` or ``-"a phrase"``: passages without it;
- ``word OR word``: either (OR binds tighter than the implicit AND);
- ``word*``: words starting with ``word`` (two letters at least).

Malformed input (an unclosed quote, a dangling ``OR`` or ``-``, a lone ``*``, only
exclusions, too many words) raises ``QueryError`` with a message for people.

The planner then makes each word the index's forms that share its stem
(``stemgroups``), the exact form boosted so exact words rank first, and forms with or
without a one-letter proclitic (ب ل ك ف: "بسوريا" finds "سوريا" and the reverse) at a
lower weight. In question mode, on an index built with roots, each word also brings the
forms sharing its root (``roots``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .errors import QueryError

MAX_QUERY_CHARS = 1000
MAX_WORDS = 64

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
        raise QueryError("query_empty")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError("query_too_long", length=len(text), limit=MAX_QUERY_CHARS)
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u00ab", '"') \
        .replace("\u00bb", '"')
    groups: list[list[Clause]] = []
    pending_or = False
    for match in _TOKEN.finditer(text):
        minus, phrase, closing, bare = match.groups()
        if phrase is not None:
            if not closing:
                raise QueryError("quote_unclosed")
            if not phrase.strip():
                continue
            clause = Clause(phrase.strip(), "phrase", bool(minus))
        elif bare == "OR":
            if not groups or pending_or:
                raise QueryError("or_needs_words")
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
        raise QueryError("or_needs_words")
    clauses = [c for group in groups for c in group]
    if not clauses:
        raise QueryError("query_empty")
    if len(clauses) > MAX_WORDS or sum(len(c.text.split()) for c in clauses) > MAX_WORDS:
        raise QueryError("too_many_words", limit=MAX_WORDS)
    for group in groups:
        if len(group) > 1 and any(c.negated for c in group):
            raise QueryError("or_with_exclusion")
    if all(c.negated for c in clauses):
        raise QueryError("only_exclusions")
    return groups


def _bare_clause(token: str) -> Clause | None:
    negated = token.startswith("-")
    if negated:
        token = token[1:]
        # bandit's B105 takes "-" for a hard-coded password; it is the exclusion operator.
        if not token or token == "-":  # nosec B105
            raise QueryError("minus_needs_word")
    if token.endswith("*"):
        stem = token.rstrip("*")
        if "*" in stem or len(re.sub(r"\W", "", stem)) < 2:
            raise QueryError("prefix_too_short")
        return Clause(stem, "prefix", negated)
    if "*" in token:
        raise QueryError("star_not_at_end")
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
