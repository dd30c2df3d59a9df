"""How a typed word differs from a written one, letter by letter; the strictness a
query may ask for (``EXACT``).

Search folds spellings together (``arabic.normalize``): عِلْم, عَلَم and عَلِمَ are one
word to it, and so are سأل and سال. This module puts back what folding forgot, for one
pair of words at a time:

1. Each word is read as its *surface form* (``surface``): the word as written, less what
   no reader tells apart: tatweel, invisible controls, Persian look-alikes, Quranic
   annotation marks; Uthmani vowel encodings read as the standard marks
   (``arabic.VOWEL_MARK_FORMS``), a hamza on a tatweel seat on its modern seat.
2. The surface form is cut into letters, each with its marks; an Uthmani small letter
   (``arabic.SMALL_LETTERS``: ٰ ۥ ۦ) is a letter that may be absent from the other word,
   and Uthmani ءا is one letter, آ.
3. The two words' letters are aligned on their folded forms (``difflib``: the longest
   common runs), so a written word may carry clitics or another ending.
4. Aligned letters written apart differ by the kind ``arabic.SPELLING_CHOICES`` and
   ``arabic.HAMZA_SEATS`` give; unaligned letters at the start are a *clitic*, at the end
   a *clitic* when they are pronouns (``arabic.ENCLITICS``), else another *stem* ending.

``compatible`` answers whether a written word satisfies the ``exact`` options of a
query; marks constrain only where both words carry them. Every function is pure and
cached; safe from several threads.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache

from .arabic import (
    ALEF, ALEF_MADDA, DIGIT_FOLDS, ENCLITICS, HAMZA, HAMZA_SEATS, INVISIBLE_CONTROLS,
    LOOKALIKE_FOLDS, SMALL_LETTERS, SPELLING_CHOICES, TATWEEL, VOWEL_MARK_FORMS,
    VOWEL_MARKS, DIACRITICS, compose, uthmani_letters,
)

#: What a query may insist on, in the order they are shown.
EXACT = ("diacritics", "hamza", "ta_marbuta", "alef_maqsura", "form")
#: The kinds of difference ``differences`` reports.
KINDS = ("diacritics", "hamza", "alef", "ta_marbuta", "alef_maqsura", "tatweel", "digits",
         "clitic", "stem")

# Uthmani vowel encodings to the standard marks; look-alikes to their letters; the rest
# of the marks (annotation, pause signs, stray hamza and madda marks) and controls gone.
_SURFACE_TABLE = str.maketrans({
    **{c: None for c in DIACRITICS if c not in VOWEL_MARKS and c not in SMALL_LETTERS},
    **{c: None for c in INVISIBLE_CONTROLS}, TATWEEL: None,
    **LOOKALIKE_FOLDS, **VOWEL_MARK_FORMS,
})
_CHOICE_OF = {letter: kind for kind, table in SPELLING_CHOICES.items() for letter in table}
_ALIGNED_AS = {letter: base for table in SPELLING_CHOICES.values()
               for letter, base in table.items()} | DIGIT_FOLDS


@lru_cache(maxsize=200_000)
def surface(word: str) -> str:
    """The word as written, less the differences no reader makes (rule 1).

    >>> surface("ٱلْعِلْـمُ")
    'ٱلْعِلْمُ'
    >>> surface("بِسۡمِ")
    'بِسْمِ'
    """
    return uthmani_letters(compose(word)).translate(_SURFACE_TABLE)


@dataclass(frozen=True)
class Letter:
    """One letter of a surface form: as written, as aligned, its marks."""

    written: str
    key: str
    marks: frozenset[str]
    small: bool = False


@lru_cache(maxsize=100_000)
def letters(word: str) -> tuple[Letter, ...]:
    """The letters of a word's surface form, each with its marks (rule 2).

    >>> [(l.written, len(l.marks)) for l in letters("عِلْم")]
    [('ع', 1), ('ل', 1), ('م', 0)]
    """
    found: list[list] = []
    for char in surface(word):
        if char in VOWEL_MARKS:
            if found:
                found[-1][1].add(char)
        elif char in SMALL_LETTERS:
            found.append([SMALL_LETTERS[char], set(), True])
        elif char == ALEF and found and found[-1][0] == HAMZA:
            found[-1][0] = ALEF_MADDA  # Uthmani ءا is the madda آ
        else:
            found.append([char, set(), False])
    return tuple(Letter(written, _ALIGNED_AS.get(written, written).casefold(),
                        frozenset(marks), small) for written, marks, small in found)


def _kind(typed: str, written: str) -> str | None:
    """The kind of difference between two aligned letters written apart."""
    if typed in DIGIT_FOLDS or written in DIGIT_FOLDS:
        return "digits"
    seats = (HAMZA_SEATS.get(typed), HAMZA_SEATS.get(written))
    if seats[0] != seats[1] and "madda" not in seats:
        return "hamza"
    kinds = {_CHOICE_OF.get(typed), _CHOICE_OF.get(written)} - {None, "hamza"}
    return min(kinds) if kinds else None


def _unaligned(kinds: set, typed: tuple, written: tuple, start: bool, end: bool) -> None:
    """Adds the kind of a run of letters only one word has (rule 4)."""
    if all(letter.small for letter in typed + written):
        return  # a long vowel written small on one side only
    if start:
        kinds.add("clitic")
    elif end and all("".join(l.written for l in run) in ENCLITICS + ("",)
                     for run in (typed, written)):
        kinds.add("clitic")
    else:
        kinds.add("stem")


@lru_cache(maxsize=200_000)
def _compare(typed: str, written: str) -> tuple[frozenset[str], bool]:
    """(kinds of difference, whether every mark typed agrees with the written ones)."""
    ours, theirs = letters(typed), letters(written)
    kinds: set[str] = set()
    if typed.count(TATWEEL) != written.count(TATWEEL):
        kinds.add("tatweel")
    agree = True
    matcher = difflib.SequenceMatcher(None, [l.key for l in ours], [l.key for l in theirs],
                                      autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            _unaligned(kinds, ours[i1:i2], theirs[j1:j2], i1 == 0 and j1 == 0,
                       i2 == len(ours) and j2 == len(theirs))
            continue
        for one, other in zip(ours[i1:i2], theirs[j1:j2]):
            if one.written != other.written:
                kind = _kind(one.written, other.written)
                if kind:
                    kinds.add(kind)
            if one.marks != other.marks:
                kinds.add("diacritics")
                if one.marks and other.marks and not one.marks <= other.marks:
                    agree = False
    return frozenset(kinds), agree


def differences(typed: str, written: str) -> frozenset[str]:
    """What separates a typed word from a written one (``KINDS``); empty when the two
    are the same word written the same way.

    >>> sorted(differences("سأل", "سال")), sorted(differences("عِلْم", "والعَلَم"))
    (['hamza'], ['clitic', 'diacritics'])
    """
    if typed == written:
        return frozenset()
    return _compare(typed, written)[0]


def compatible(typed: str, written: str, exact: frozenset[str]) -> bool:
    """Whether a written word satisfies the strictness ``exact`` (names from ``EXACT``):

    - diacritics: each mark typed agrees with the written marks of the aligned letter,
      where that letter has marks (an unvocalised word contradicts nothing);
    - hamza, ta_marbuta, alef_maqsura: the aligned letters are the same;
    - form: the written word is the typed one, no clitic added, no other ending.

    >>> compatible("عَلم", "عَلِمَ", frozenset({"diacritics"}))
    True
    >>> compatible("عَلم", "عِلْمٌ", frozenset({"diacritics"}))
    False
    """
    if not exact or typed == written:
        return True
    kinds, agree = _compare(typed, written)
    if "diacritics" in exact and not agree:
        return False
    if "form" in exact and kinds & {"clitic", "stem"}:
        return False
    return not kinds & (exact - {"diacritics", "form"})


def has_marks(word: str) -> bool:
    """Whether a typed word carries a vowel mark (and so ranks vocalisations).

    >>> has_marks("عِلْم"), has_marks("علم")
    (True, False)
    """
    return any(letter.marks for letter in letters(word))
