"""Decoded text -> passages: consecutive lines packed to about TARGET_WORDS words.

Files break lines for many reasons: one paragraph a line (news), a chain of narrators on
one line and the Prophet's words on the next (hadith), one verse a line (the Qur'an,
poetry), a printed column's width (OCR, the mushaf's page lines). A passage of one line
would lose every query whose words sit on two lines, so lines are joined.

Rules (``split_passages``):

1. Words are runs of non-space (``str.split()``); a line without words is blank.
2. A short first line (at most 15 words and 120 characters, not ending like a sentence or a
   clause; ? ! ؟ are fine) is the file's title, as written. It is a heading: it starts
   passage 1 and joins the lines after it, like any short line.
3. Each line is cut into sentences (a word ending in . ! ? ؟ ؛ ۔ or …, optionally followed by
   closing quotes, brackets or direction marks, ends one; "3.5" is one word, never an end).
   A sentence longer than MAX_WORDS is cut between words into equal parts.
4. Sentences are packed into passages in file order, across lines. A passage ends before the
   next sentence when
   a. that sentence would take it past MAX_WORDS (the only hard limit);
   b. it has TARGET_WORDS words and ends a sentence, or ends a line and has
      LONG_WORDS (1.5 times the target): sentences stay whole where the text has them;
   c. a blank line comes next and it has half the target (blank lines are the preferred
      breaks), or at least MIN_WORDS when the line after the blank is short (a heading:
      a heading starts a passage).
5. A last passage under MIN_WORDS joins the one before when both fit in MAX_WORDS, or else
   takes whole sentences from it: tiny hits read badly.
6. A passage is trimmed of surrounding whitespace: ``decoded[start:end] == text``, and the
   line breaks inside it are kept.
7. Passages are numbered from 1 in file order.

TARGET_WORDS was chosen on the known-item collections (bench/collections.py,
bench/results/known-item-collections.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from search.passages import Passage

TARGET_WORDS = 80
LONG_WORDS = TARGET_WORDS * 3 // 2
MAX_WORDS = 200
MIN_WORDS = 20  # a shorter tail passage joins the one before: tiny hits read badly
TITLE_MAX_WORDS = 15
TITLE_MAX_CHARS = 120

SENTENCE_MARKS = ".!?\u061f\u061b\u06d4\u2026"  # . ! ? ؟ ؛ ۔ …
# " ' ” ’ » › ) ] } and the invisible direction marks (LRM, RLM, ALM) that hadith texts put
# around their full stops
CLOSERS = "\"'\u201d\u2019\u00bb\u203a)]}\u200e\u200f\u061c"
_SENTENCE_END = re.compile(f"[{re.escape(SENTENCE_MARKS)}][{re.escape(CLOSERS)}]*$")
# A first line ending in a full stop is the first sentence, one ending in ، , : or ; goes on.
_NOT_A_TITLE_END = re.compile(f"[.\u061b\u06d4\u2026\u060c,:;][{re.escape(CLOSERS)}]*$")
_WORD = re.compile(r"\S+")  # \S agrees with str.split(), so "words" means the same everywhere

Span = tuple[int, int]


@dataclass
class _Sentence:
    words: list[Span]
    ends_sentence: bool  # its last word ends a sentence (not a cut inside a long one)
    ends_line: bool  # the last sentence of its line
    blank_after: bool  # a blank line follows its line
    heading_after: bool  # ...and the line after the blank is short (a heading)


def split_passages(text: str, source: str) -> list[Passage]:
    """Split decoded text into numbered passages by the rules above.

    >>> [(p.number, p.text, p.title) for p in split_passages("أخبار اليوم\\nوصل الوفد. بدأ الاجتماع.", "a.txt")]
    [(1, 'أخبار اليوم\\nوصل الوفد. بدأ الاجتماع.', 'أخبار اليوم')]
    """
    lines = _lines(text)
    title = _title(text, lines[0][0]) if lines else None
    groups = _pack(text, _units(text, lines))
    return [
        Passage(source, number, text[group[0][0] : group[-1][1]], group[0][0], group[-1][1], title)
        for number, group in enumerate(groups, start=1)
    ]


def _lines(text: str) -> list[tuple[list[Span], bool]]:
    """Each non-blank line's word spans, and whether a blank line comes before it."""
    lines, line_start, blank_before = [], 0, False
    for line in text.split("\n"):
        words = [m.span() for m in _WORD.finditer(text, line_start, line_start + len(line))]
        if words:
            lines.append((words, blank_before))
            blank_before = False
        else:
            blank_before = bool(lines)
        line_start += len(line) + 1
    return lines


def _title(text: str, words: list[Span]) -> str | None:
    line = text[words[0][0] : words[-1][1]]
    if len(words) > TITLE_MAX_WORDS or len(line) > TITLE_MAX_CHARS or _NOT_A_TITLE_END.search(line):
        return None
    return line


def _units(text: str, lines: list[tuple[list[Span], bool]]) -> list[_Sentence]:
    """The sentences of every line, in order, with what follows each (rule 3)."""
    units = []
    for i, (words, _) in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else None
        blank_after = bool(following and following[1])
        heading_after = blank_after and _title(text, following[0]) is not None
        sentences = _sentences(text, words)
        for j, (sentence, ends) in enumerate(sentences):
            last = j == len(sentences) - 1
            units.append(_Sentence(sentence, ends, last, last and blank_after, last and heading_after))
    return units


def _pack(text: str, units: list[_Sentence]) -> list[list[Span]]:
    """Sentences packed into passages by rules 4 and 5."""
    groups: list[list[_Sentence]] = []
    current: list[_Sentence] = []
    size = 0
    for unit in units:
        if current and size + len(unit.words) > MAX_WORDS:
            groups.append(current)
            current, size = [], 0
        current.append(unit)
        size += len(unit.words)
        if _ends_passage(unit, size):
            groups.append(current)
            current, size = [], 0
    if current:
        groups.append(current)
    _balance_tail(groups)
    return [[span for unit in group for span in unit.words] for group in groups]


def _ends_passage(unit: _Sentence, size: int) -> bool:
    if size >= TARGET_WORDS and unit.ends_sentence or size >= LONG_WORDS and unit.ends_line:
        return True
    if unit.heading_after:
        return size >= MIN_WORDS
    return unit.blank_after and size >= TARGET_WORDS // 2


def _balance_tail(groups: list[list[_Sentence]]) -> None:
    def words(group):
        return sum(len(unit.words) for unit in group)

    if len(groups) < 2 or words(groups[-1]) >= MIN_WORDS:
        return
    if words(groups[-2]) + words(groups[-1]) <= MAX_WORDS:
        groups[-2].extend(groups.pop())
        return
    while len(groups[-2]) > 1 and words(groups[-1]) < MIN_WORDS:
        if words(groups[-1]) + len(groups[-2][-1].words) > MAX_WORDS:
            break
        groups[-1].insert(0, groups[-2].pop())


def _sentences(text: str, words: list[Span]) -> list[tuple[list[Span], bool]]:
    """A line's word spans grouped into sentences of at most MAX_WORDS words, each with
    whether it ends a sentence (False for all but the last part of a cut one)."""
    sentences, current = [], []
    for i, (start, end) in enumerate(words):
        current.append((start, end))
        ends = bool(_SENTENCE_END.search(text, start, end))
        if ends or i == len(words) - 1:
            size = math.ceil(len(current) / math.ceil(len(current) / MAX_WORDS))  # equal parts
            parts = [current[j : j + size] for j in range(0, len(current), size)]
            sentences.extend((part, ends and k == len(parts) - 1) for k, part in enumerate(parts))
            current = []
    return sentences
