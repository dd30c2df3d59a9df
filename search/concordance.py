"""Keyword in context and word frequency: what the corpus says around a word, and where.

- ``concordance(index, word)``: every occurrence of the forms the word finds (the forms
  search finds and marks, ``Index.plan(word).highlight``) in the passages holding it,
  one ``Line`` each: ``left`` is the text before the match in reading order (on an
  Arabic page it stands to the right of the match), ``right`` the text after it.
  ``sort="left"`` orders lines by the nearest word before the match, then the one
  before that; ``sort="right"`` by the words after it; words compare folded (no marks,
  any alef), then lines keep file and passage order.
- ``frequency(index, word, by)``: per source file, how often the word occurs, counted
  from the posting arrays: ``by="word"`` its own index term (any spelling, no other
  form), ``"stem"`` every form sharing its light stem (what search finds), ``"root"``
  every form of the vocabulary with its root (an index built with ``--roots``; else
  ``SearchError("roots_needed")``).

Bounded: a concordance reads at most MAX_PASSAGES passages, the first in file order,
and says so (``truncated``). A line, as JSON: ``{"source": "a.txt", "passage": 1,
"left": "قالت وزارة", "match": "الدفاع", "right": "إن الجيش تقدم."}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .arabic import normalize
from .snippets import matched_words

#: Passages a concordance reads, at most.
MAX_PASSAGES = 2000
#: Words of context on each side of a match.
CONTEXT_WORDS = 7
SORTS = ("left", "right")
BY = ("word", "stem", "root")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Line:
    """One occurrence: its passage, the words before it, the word, the words after."""

    source: str
    passage: int
    left: str
    match: str
    right: str

    def to_dict(self) -> dict:
        return {"source": self.source, "passage": self.passage, "left": self.left,
                "match": self.match, "right": self.right}


@dataclass(frozen=True)
class Concordance:
    """Lines of a word in context: ``total`` lines found in the passages read (the first
    ``limit`` given, sorted), ``passages`` holding the word in all, ``truncated`` when
    more than MAX_PASSAGES hold it (only those were read)."""

    query: str
    total: int
    lines: tuple[Line, ...] = ()
    passages: int = 0
    truncated: bool = False
    sort: str = "right"

    def to_dict(self) -> dict:
        return {"ok": True, "query": self.query, "total": self.total,
                "lines": [line.to_dict() for line in self.lines],
                "passages": self.passages, "truncated": self.truncated, "sort": self.sort}


@dataclass(frozen=True)
class SourceFrequency:
    source: str
    count: int     # occurrences of the forms
    passages: int  # passages holding one

    def to_dict(self) -> dict:
        return {"source": self.source, "count": self.count, "passages": self.passages}


@dataclass(frozen=True)
class Frequency:
    """How often ``word`` (its ``key``: the index term, stem or root, by ``by``) occurs
    in each source file, most first; ``forms`` are the index terms counted."""

    query: str
    by: str
    key: str
    forms: tuple[str, ...] = ()
    total: int = 0
    sources: tuple[SourceFrequency, ...] = field(default=())

    def to_dict(self) -> dict:
        return {"ok": True, "query": self.query, "by": self.by, "key": self.key,
                "forms": list(self.forms), "total": self.total,
                "sources": [source.to_dict() for source in self.sources]}


def concordance(index, word: str, sort: str = "right", limit: int | None = None) -> Concordance:
    """Keyword-in-context lines of ``word`` (any query: all its words' forms are
    matched), sorted by the neighbour on ``sort``'s side, the first ``limit``."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    held, terms, analyzer, passages = index.passages_holding(word, MAX_PASSAGES)
    found = []
    for fields in passages:
        text = fields["text"]
        words = matched_words(text, terms, analyzer)
        for at, (start, end, matched) in enumerate(words):
            if not matched:
                continue
            begin = words[max(0, at - CONTEXT_WORDS)][0]
            finish = words[min(len(words) - 1, at + CONTEXT_WORDS)][1]
            found.append(Line(fields["source"], fields["passage"], _flat(text[begin:start]),
                              _flat(text[start:end]), _flat(text[end:finish])))
    order = sorted(range(len(found)), key=lambda n: (_neighbours(found[n], sort), n))
    lines = [found[n] for n in order]
    return Concordance(word, len(lines), tuple(lines if limit is None else lines[:limit]),
                       held, held > len(passages), sort)


def frequency(index, word: str, by: str = "stem") -> Frequency:
    """Occurrences of ``word`` (by its ``by``: word, stem or root) per source file."""
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}, not {by!r}")
    key, forms = index.word_forms(word, by)
    rows = tuple(SourceFrequency(*row) for row in index.term_counts(forms))
    return Frequency(word, by, key, forms, sum(row.count for row in rows), rows)


def _flat(text: str) -> str:
    """Text on one line: line breaks and runs of spaces as one space."""
    return _SPACE.sub(" ", text).strip()


def _neighbours(line: Line, sort: str) -> tuple[str, ...]:
    """The words beside the match, nearest first, folded: the sort key."""
    words = _WORD.findall(line.left)[::-1] if sort == "left" else _WORD.findall(line.right)
    return tuple(normalize(w) for w in words) + ("",)
