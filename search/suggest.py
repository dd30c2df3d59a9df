"""Words from the index's own vocabulary: autocomplete and did-you-mean.

Both work on the terms of the ``text`` field, through its analyzer, so what is typed is
folded like the text (no hamza, no marks, any alef, one spelling of a name), and both
answer in the corpus's own spelling, read back from a passage that has the word.
"""

from __future__ import annotations

import heapq
import re

from whoosh.reading import TermNotFound

from .analysis import WORD_PATTERN
from .errors import SearchError
from .snippets import surface_form

#: Completions looked at before ranking by document frequency.
MAX_CANDIDATES = 5000
MAX_EDIT_DISTANCE = 2


def complete_word(searcher, typed: str, limit: int = 8, stored_fields=None) -> list[str]:
    """The commonest corpus words starting with the last word of ``typed``.
    ``stored_fields(docnum)`` reads a passage (default: the searcher's reader)."""
    words = WORD_PATTERN.findall(typed.strip()) if typed else []
    if not words or not typed.strip().endswith(words[-1]):
        return []  # the text ends in punctuation: no word is being typed
    analyzer = searcher.schema["text"].analyzer
    terms = [t.text for t in analyzer(words[-1], removestops=False)]
    if not terms:
        return []
    reader = searcher.reader()
    stored_fields = stored_fields or reader.stored_fields
    candidates = []
    for number, term in enumerate(reader.expand_prefix("text", terms[0])):
        if number >= MAX_CANDIDATES:
            break
        term = term.decode("utf-8") if isinstance(term, bytes) else term
        candidates.append((reader.doc_frequency("text", term), term))
    best = heapq.nlargest(limit * 2, candidates)
    words: list[str] = []
    for _frequency, term in best:
        word = _surface(reader, term, stored_fields)
        if word not in words:
            words.append(word)
        if len(words) == limit:
            break
    return words


def did_you_mean(index, query: str, words: list[tuple[str, str]], reader,
                 stored_fields=None) -> str | None:
    """The query with each unknown word replaced by the commonest word within two
    edits of its index term, if that finds anything; else None.

    ``words`` holds (word as typed, index term) pairs, from the query builder.
    """
    suggestion = query
    changed = False
    for typed, term in words:
        if ("text", term) in reader:
            continue
        candidates = [c for c in reader.terms_within("text", term, _distance_allowed(term),
                                                     prefix=_fixed_prefix(term))
                      if c != term]
        if not candidates:
            continue
        best = max(candidates, key=lambda c: (-_distance(c, term),
                                              reader.doc_frequency("text", c)))
        suggestion, replaced = re.subn(rf"(?<!\w){re.escape(typed)}(?!\w)",
                                       _surface(reader, best, stored_fields), suggestion,
                                       count=1)
        changed = changed or bool(replaced)
    if not changed or suggestion == query:
        return None
    try:
        return suggestion if index.count(suggestion) > 0 else None
    except SearchError:
        return None


def _surface(reader, term: str, stored_fields=None) -> str:
    """``term`` as the corpus writes it, read from the first passage that has it."""
    try:
        docnum = reader.postings("text", term).id()
        text = (stored_fields or reader.stored_fields)(docnum)["text"]
    except TermNotFound:
        return term
    return surface_form(text, term, reader.schema["text"].analyzer) or term


def _distance_allowed(word: str) -> int:
    """Two edits for long words, one for short ones (two would reach too many words)."""
    return MAX_EDIT_DISTANCE if len(word) > 4 else 1


def _fixed_prefix(word: str) -> int:
    """Letters assumed typed right: the first (typos there are rare, and it makes the
    search a hundred times cheaper), after an article, which half of all words have."""
    return 3 if word.startswith("ال") and len(word) > 4 else 1


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (short words only)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
