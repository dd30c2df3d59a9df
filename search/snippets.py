"""HTML snippets: the original passage text, escaped, with ``<mark>`` on matched words.

A word is marked when the field's analyzer turns it into a matched term; marks wrap
whole original words (diacritics and tatweel included), so a mark never falls inside
a word, where it would break Arabic letter joining. Words are analysed one by one and
remembered, since the same words recur across hits (the text analyzer works word by
word, so a word means the same alone as in its sentence).
"""

from __future__ import annotations

from html import escape

from .analysis import WORD_PATTERN, passage_analyzer
from .arabic import strip_marks

SNIPPET_CHARS = 320
SNIPPET_SURROUND = 90
ELLIPSIS = " … "
#: Fragments in a snippet, at most (those with most matched words, in text order).
FRAGMENTS = 2
#: Words whose analysis is remembered, at most (the memory is cleared when full).
REMEMBERED_WORDS = 200_000

#: The passage index's analyzer: the words it analyses are remembered.
_TEXT_ANALYZER = passage_analyzer()
_remembered: dict[str, frozenset[str]] = {}


def _terms_of(word: str, analyzer) -> frozenset[str]:
    """What ``analyzer`` makes of one word (its readings), remembered for the text one."""
    if analyzer is not _TEXT_ANALYZER:
        return frozenset(t.text for t in analyzer(word, removestops=False))
    found = _remembered.get(word)
    if found is None:
        if len(_remembered) >= REMEMBERED_WORDS:
            _remembered.clear()
        found = _remembered[word] = frozenset(t.text for t in analyzer(word, removestops=False))
    return found


def analysed_words(text: str, analyzer) -> list[tuple[int, int, frozenset[str]]]:
    """(start, end, index terms) of every word of ``text``: the one analysis of a hit's
    text, shared by its snippet and by the explanation of its matches
    (``search.explain``). Offsets are ``str`` indexes (code points)."""
    if analyzer == _TEXT_ANALYZER:
        analyzer = _TEXT_ANALYZER
    return [(m.start(), m.end(), _terms_of(m.group(), analyzer))
            for m in WORD_PATTERN.finditer(text)]


def matched_words(text: str, terms, analyzer, analysed=None) -> list[tuple[int, int, bool]]:
    """(start, end, matched) of every word of ``text`` (``analysed``: its
    ``analysed_words``, when already made)."""
    if analysed is None:
        analysed = analysed_words(text, analyzer)
    return [(start, end, not terms.isdisjoint(found)) for start, end, found in analysed]


def _fragments(words, maxchars: int, surround: int) -> list[tuple[int, int, int]]:
    """(start, end, matched words) of fragments: from ``surround`` characters before a
    matched word to as many following matches as fit in ``maxchars``, then
    ``surround`` characters more, cut at word boundaries."""
    matches = [i for i, (_, _, matched) in enumerate(words) if matched]
    fragments = []
    at = floor = 0  # floor: the first word after the previous fragment
    while at < len(matches):
        first = matches[at]
        begin = first
        while begin > floor and words[first][0] - words[begin - 1][0] <= surround:
            begin -= 1
        last = at
        while last + 1 < len(matches) and \
                words[matches[last + 1]][1] - words[begin][0] <= maxchars:
            last += 1
        finish = matches[last]
        while finish + 1 < len(words) and words[finish + 1][1] - words[matches[last]][1] <= surround:
            finish += 1
        fragments.append((words[begin][0], words[finish][1], last - at + 1))
        at, floor = last + 1, finish + 1
    return fragments


def _marked(text: str, words, start: int, end: int) -> str:
    """``text[start:end]`` escaped, with matched words in ``<mark>``."""
    out, at = [], start
    for word_start, word_end, matched in words:
        if matched and start <= word_start and word_end <= end:
            out.append(escape(text[at:word_start], quote=False))
            out.append("<mark>%s</mark>" % escape(text[word_start:word_end], quote=False))
            at = word_end
    out.append(escape(text[at:end], quote=False))
    return "".join(out)


def snippet(text: str, terms: frozenset[str], analyzer, whole: bool = False,
            analysed=None) -> str:
    """Best fragment(s) of ``text`` around the matched ``terms``, as safe HTML.

    "…" stands wherever words were left out: between fragments, before the first one and
    after the last one when the passage has words there.
    ``whole`` marks the entire text (for the document view). Texts of any length work.
    ``analysed``: the text's ``analysed_words``, when the caller has made them.
    """
    if not text:
        return ""
    if terms:
        words = matched_words(text, terms, analyzer, analysed)
        if any(matched for _, _, matched in words):
            if whole:
                return _marked(text, words, 0, len(text))
            best = sorted(sorted(_fragments(words, SNIPPET_CHARS, SNIPPET_SURROUND),
                                 key=lambda fragment: -fragment[2])[:FRAGMENTS])
            html = ELLIPSIS.join(_marked(text, words, start, end) for start, end, _ in best)
            # Say where the passage goes on: a word before the first fragment or after the last.
            if words[0][0] < best[0][0]:
                html = ELLIPSIS.lstrip() + html
            if words[-1][1] > best[-1][1]:
                html += ELLIPSIS.rstrip()
            return html
    if whole or len(text) <= SNIPPET_CHARS:
        return escape(text, quote=False)
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return escape(text[: cut if cut > 0 else SNIPPET_CHARS], quote=False) + ELLIPSIS.rstrip()


def surface_form(text: str, term: str, analyzer) -> str | None:
    """The first word of ``text`` that ``analyzer`` turns into ``term``, as written
    (without marks): turns an index term back into the corpus's own spelling.

    >>> from search.analysis import ArabicAnalyzer
    >>> surface_form("أعلنت وزارةُ الدفاع", "وزاره", ArabicAnalyzer(stem=False))
    'وزارة'
    """
    for token in analyzer(text, chars=True):
        if token.text == term:
            return strip_marks(text[token.startchar:token.endchar])
    return None
