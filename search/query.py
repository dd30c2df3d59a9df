"""The query language, parsed strictly into clauses (``plan.Planner`` gives them meaning).

Syntax (everything else is a plain word; punctuation between words is ignored):

- ``word word``: passages containing every word (in any of its spellings and forms);
- ``"two words"``: the words next to each other, in this order (common words such as
  في or من inside quotes must be there too);
- ``"two words"~N``: the words within N more positions of each other, in any order;
- ``word NEAR/N word`` (Arabic ``قرب/N``, with its number: قرب alone is a word): both
  words within N words of each other
  (``NEAR`` alone: 5; ``a NEAR/2 b NEAR/3 c``: all three within 2 + 3);
- ``-word``, ``NOT word`` or ``بدون:word`` (also for a "phrase"): passages without it;
- ``word OR word``, ``word or word``, ``word أو word``: either (OR binds tighter than the
  implicit AND; a lowercase ``or`` or an ``أو`` at either end of the query is a word);
- ``word*``: words starting with ``word`` (two letters at least);
- ``root:صبر`` or ``جذر:صبر``: every word of the root (صابر, الصابرون, يصبر, اصطبر ...), on an
  index built with roots.

Malformed input (a dangling ``OR`` or ``-``, a lone ``*``, only exclusions, too many
words) raises ``QueryError`` with a message for people. A quotation mark left open
(``"وزارة الدفاع``, text pasted with its opening quote but cut before the closing one) is
not an error: the quote is dropped and the rest searched as plain words
(``drop_unclosed_quote``). Not as a phrase to the end: the reader never said where the
phrase ends, and plain words already rank the passages holding them side by side, as
typed, first (``relax``'s phrase step), while still finding the text when one word of the
paste differs.

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
#: Words apart, at most, for ``NEAR`` without a number; and the largest distance taken.
DEFAULT_NEAR = 5
MAX_NEAR = 1000

#: Operators as readers type them. Uppercase ``OR`` is always the operator; the others
#: (lowercase, Arabic) are also ordinary words, so they are operators only between words.
STRICT_OR = "OR"
SOFT_OR = frozenset({"or", "أو", "او"})
NOT_WORDS = frozenset({"NOT", "not"})
#: An exclusion written as a prefix in Arabic: بدون:روسيا.
NOT_PREFIXES = ("بدون:",)
#: A word's root instead of its stem: root:صبر or جذر:صبر (an index built with roots).
ROOT_PREFIXES = ("root:", "جذر:")
#: ``NEAR``, ``NEAR/5``; ``near/5`` and ``قرب/5`` only with their number: قرب is also a
#: word ("near": انفجار قرب دمشق).
_NEAR = re.compile(r"^(?:NEAR(?:/(\d+))?|(?:near|قرب)/(\d+))$")

_SURROGATES = re.compile("[\ud800-\udfff]")
_TOKEN = re.compile(r'\s*(?:(-?)"([^"]*)("?)(?:~(\d+))?|(\S+))')


@dataclass(frozen=True)
class Clause:
    """One searchable unit: a word, a prefix, a phrase or words near each other,
    possibly excluded. ``distance``: for "near", how many positions apart at most the
    first and last of its words may be."""

    text: str
    kind: str = "word"  # "word", "prefix", "phrase" or "near"
    negated: bool = False
    distance: int = 0


def parse(text: str) -> list[list[Clause]]:
    """Parse a query into AND-ed groups of OR-ed clauses.

    >>> parse('سوريا روسيا أو إيران بدون:"وزارة الدفاع"')
    [[Clause(text='سوريا', kind='word', negated=False, distance=0)], [Clause(text='روسيا', kind='word', negated=False, distance=0), Clause(text='إيران', kind='word', negated=False, distance=0)], [Clause(text='وزارة الدفاع', kind='phrase', negated=True, distance=0)]]
    >>> parse('بوتين NEAR/3 الأسد')
    [[Clause(text='بوتين الأسد', kind='near', negated=False, distance=3)]]
    """
    if text:
        text = _SURROGATES.sub("", text)  # halves of UTF-16 pairs are not characters
    if not text or not text.strip():
        raise QueryError("query_empty")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError("query_too_long", length=len(text), limit=MAX_QUERY_CHARS)
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u00ab", '"') \
        .replace("\u00bb", '"')
    for prefix in NOT_PREFIXES:  # بدون:word is -word
        text = re.sub(rf"(?<!\S){re.escape(prefix)}", "-", text)
    text = drop_unclosed_quote(text)
    items = [_item(match) for match in _TOKEN.finditer(text)]
    items = [item for item in items if item is not None]
    groups: list[list[Clause]] = []
    pending: tuple | None = None  # ("or",) or ("near", distance) waiting for its right side
    negate_next = False
    for position, item in enumerate(items):
        if item[0] == "not":
            negate_next = True
            continue
        if item[0] == "or":
            soft = item[1] != STRICT_OR
            between = groups and pending is None and position + 1 < len(items) \
                and items[position + 1][0] == "clause"
            if between:
                pending = ("or",)
                continue
            if not soft:
                raise QueryError("or_needs_words")
            item = ("clause", Clause(item[1]))  # a lowercase or an أو at an end: a word
        if item[0] == "near":
            if not groups or pending is not None or groups[-1][-1].kind not in ("word", "near"):
                raise QueryError("near_needs_words")
            pending = ("near", item[1])
            continue
        clause = item[1]
        if negate_next:
            clause = Clause(clause.text, clause.kind, True, clause.distance)
            negate_next = False
        if pending is None:
            groups.append([clause])
        elif pending[0] == "or":
            groups[-1].append(clause)
        else:
            if clause.kind != "word" or clause.negated or groups[-1][-1].negated:
                raise QueryError("near_needs_words")
            left = groups[-1].pop()
            groups[-1].append(Clause(f"{left.text} {clause.text}", "near", False,
                                     left.distance + pending[1]))
        pending = None
    if pending is not None:
        raise QueryError("or_needs_words" if pending[0] == "or" else "near_needs_words")
    if negate_next:
        raise QueryError("minus_needs_word")
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


def drop_unclosed_quote(text: str) -> str:
    """``text`` without a quotation mark that opens a phrase and is never closed (the
    last one of an odd number), so that what follows it reads as plain words.

    >>> drop_unclosed_quote('"وزارة الدفاع'), drop_unclosed_quote('"أ ب" ج')
    ('وزارة الدفاع', '"أ ب" ج')
    """
    for match in _TOKEN.finditer(text):
        if match.group(2) is not None and not match.group(3):
            quote = match.start(2) - 1
            return text[:quote] + text[quote + 1:]
    return text


def _item(match) -> tuple | None:
    """One token of the query: ("clause", Clause), ("or", text), ("not",) or
    ("near", distance); None for punctuation."""
    minus, phrase, _closing, slop, bare = match.groups()
    if phrase is not None:
        if not phrase.strip():
            return None
        if slop is not None:
            distance = len(phrase.split()) - 1 + min(int(slop), MAX_NEAR)
            return "clause", Clause(phrase.strip(), "near", bool(minus), distance)
        return "clause", Clause(phrase.strip(), "phrase", bool(minus))
    if bare == STRICT_OR or bare in SOFT_OR:
        return "or", bare
    if bare in NOT_WORDS:
        return ("not",)
    if bare == "AND":
        return None
    near = _NEAR.match(bare)
    if near:
        return "near", min(int(near.group(1) or near.group(2) or DEFAULT_NEAR), MAX_NEAR)
    clause = _bare_clause(bare)
    return None if clause is None else ("clause", clause)


def _bare_clause(token: str) -> Clause | None:
    negated = token.startswith("-")
    if negated:
        token = token[1:]
        # bandit's B105 takes "-" for a hard-coded password; it is the exclusion operator.
        if not token or token == "-":  # nosec B105
            raise QueryError("minus_needs_word")
    for prefix in ROOT_PREFIXES:
        if token.startswith(prefix):
            word = token[len(prefix):]
            if not re.search(r"\w", word):
                raise QueryError("root_needs_word")
            return Clause(word, "root", negated)
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


#: What a reader's words are searched by: their forms (stem groups) or their roots.
BY = ("word", "root")


def plain_words(text: str) -> str:
    """A question in natural language, with the query syntax taken out of it: quotes,
    a leading ``-`` and ``*`` are punctuation there, not operators.

    >>> plain_words('ما معنى "الصمد" -في القرآن؟')
    'ما معنى  الصمد  في القرآن؟'
    """
    text = re.sub(r'["\u201c\u201d\u00ab\u00bb*]', " ", text)
    text = re.sub(r"(?<!\S)-+", "", text)
    text = re.sub(r"~\d+", " ", text)
    return re.sub(r"(?<!\S)(OR|AND|NOT|NEAR(/\d+)?|قرب/\d+)(?!\S)", " ", text)


def question_frame_words(analyzer, stem_of) -> frozenset[str]:
    """The stems, under ``analyzer`` and ``stem_of``, of ``question_words.txt``."""
    return frozenset(stem_of(t.text) for word in _question_words() for t in analyzer(word))


@lru_cache(maxsize=1)
def _question_words() -> tuple[str, ...]:
    text = resources.files(__package__).joinpath("question_words.txt").read_text("utf-8")
    words = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(word for word in words if word)
