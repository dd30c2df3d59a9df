"""Arabic letters and the rules that fold their spellings together. No Whoosh here.

``normalize(word)`` maps every way of writing a word to one search form. It is applied
to single tokens (after the tokenizer has recorded offsets in the original text), so a
rule may change the length of a word without moving any highlight. The rules, in order:

1. Compatibility forms (NFKC): presentation forms and ligatures (ﻻ -> لا, ﷲ -> الله),
   full-width Latin, and a hamza written as a combining mark (ا + U+0654 -> أ) composed.
2. Uthmani spellings: waw carrying a dagger alef is an alef (الصلوٰة -> الصلاة); a hamza
   on a tatweel seat takes the seat its vowels give (يسـَٔلون -> يسألون, سُـِٔل -> سئل); a hamza before an
   alef is the madda it stands for (ءامنوا -> آمنوا).
3. Marks removed: every combining mark of the Arabic blocks, derived from Unicode data:
   tashkeel U+064B-U+0652, superscript (dagger) alef U+0670, Quranic annotation marks
   U+0610-U+061A and U+06D6-U+06ED, open tanween U+08F0-U+08F2, and the rest of that kind;
   plus small waw/yeh U+06E5/U+06E6 and tatweel U+0640.
4. Invisible controls removed: bidi marks, embeddings, overrides and isolates, zero-width
   space, joiner and non-joiner, BOM, Arabic letter mark.
5. Letter forms folded: أ إ آ ٱ (and wavy-hamza alefs) -> ا; ى -> ي; ة -> ه;
   Persian and Urdu look-alikes ک ڪ -> ك, ی ې -> ي, ہ ە ۀ ۃ -> ه.
6. Digits: Arabic-Indic ٠-٩ and Eastern ۰-۹ -> 0-9.
7. Case: casefold, for the Latin words of mixed text.
8. Numbers glued to letters (ال24, بـ64, 24الاخيرة) also read as the number, and as the
   word when the letters are one (``glued_parts``; ``spellings`` adds these readings).

Hamza on waw and yeh (ؤ ئ) is kept: folding them to و/ي merges different words
(سؤال/سوال) and measured no gain on the evaluation set (see ``docs/relevance.md``).

Quranic text drops a long vowel that modern spelling writes (ٱلْكِتَٰبُ = الكتاب) but also
writes one that modern spelling drops (ذَٰلِكَ = ذلك), so ``spellings(word)`` gives both
readings of a word with a dagger alef or small waw/yeh; indexing both lets a modern query
find the Uthmani text and the reverse.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters named in the rules: pyarabic's names where it has them.
from pyarabic.araby import (
    ALEF, ALEF_HAMZA_ABOVE, ALEF_HAMZA_BELOW, ALEF_MADDA, ALEF_MAKSURA, ALEF_WASLA, BEH,
    DAMMA, DAMMATAN, FATHA, FATHATAN, FEH, HAMZA, HEH, KAF, KASRA, KASRATAN, LAM, NOON,
    SHADDA, SUKUN, TATWEEL, TEH_MARBUTA, WAW, YEH,
)
from pyarabic.araby import HAMZA_ABOVE as HAMZA_ABOVE_MARK
from pyarabic.araby import MINI_ALEF as DAGGER_ALEF
from pyarabic.araby import SMALL_WAW, SMALL_YEH
from pyarabic.araby import WAW_HAMZA as WAW_HAMZA_ABOVE
from pyarabic.araby import YEH_HAMZA as YEH_HAMZA_ABOVE

# Letters pyarabic does not name.
ALEF_WAVY_HAMZA_ABOVE = "\u0672"
ALEF_WAVY_HAMZA_BELOW = "\u0673"
KEHEH = "\u06a9"           # Persian kaf ک
SWASH_KAF = "\u06aa"       # ڪ
FARSI_YEH = "\u06cc"       # Persian yeh ی
YEH_E = "\u06d0"           # ې
HEH_GOAL = "\u06c1"        # Urdu heh ہ
AE = "\u06d5"              # ە
HEH_YEH_ABOVE = "\u06c0"   # ۀ
TEH_MARBUTA_GOAL = "\u06c3"  # ۃ
SMALL_HIGH_ROUNDED_ZERO = "\u06df"      # Tanzil: a letter not read
SMALL_HIGH_RECTANGULAR_ZERO = "\u06e0"  # a letter not read before a vowel
SMALL_HIGH_DOTLESS_KHAH = "\u06e1"      # King Fahd Complex: sukun
SMALL_HIGH_YEH = "\u06e7"
SMALL_HIGH_NOON = "\u06e8"
OPEN_FATHATAN = "\u08f0"
OPEN_DAMMATAN = "\u08f1"
OPEN_KASRATAN = "\u08f2"

ARABIC_BLOCKS = (
    (0x0600, 0x06FF),  # Arabic
    (0x0750, 0x077F),  # Arabic Supplement
    (0x0870, 0x089F),  # Arabic Extended-B
    (0x08A0, 0x08FF),  # Arabic Extended-A (open tanween, Quranic marks)
)

#: Every letter of the Arabic blocks: Unicode's other letters (Lo), so not tatweel or
#: the small waw and yeh (modifier letters), marks, digits or punctuation.
ARABIC_LETTERS = frozenset(
    chr(cp)
    for low, high in ARABIC_BLOCKS
    for cp in range(low, high + 1)
    if unicodedata.category(chr(cp)) == "Lo"
)
#: A regular expression matching one letter of ``ARABIC_LETTERS`` (for counting).
ARABIC_LETTER_PATTERN = re.compile("[" + "".join(sorted(ARABIC_LETTERS)) + "]")

#: Every combining mark in the Arabic blocks (pyarabic's idea: derive it, don't list it).
DIACRITICS = frozenset(
    chr(cp)
    for low, high in ARABIC_BLOCKS
    for cp in range(low, high + 1)
    if unicodedata.category(chr(cp)) in ("Mn", "Me")
)

#: Format controls that change display only: bidi, zero-width, BOM, Arabic letter mark.
INVISIBLE_CONTROLS = frozenset(
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2066\u2067\u2068\u2069\u2060\ufeff"
)

#: Characters that may stand inside a word and vanish from its search form (rule 3, 4).
REMOVED = DIACRITICS | INVISIBLE_CONTROLS | {TATWEEL, SMALL_WAW, SMALL_YEH}

#: Persian and Urdu look-alikes (rule 5): the same Arabic letter, never a spelling choice.
LOOKALIKE_FOLDS = {
    KEHEH: KAF,
    SWASH_KAF: KAF,
    FARSI_YEH: YEH,
    YEH_E: YEH,
    HEH_GOAL: HEH,
    AE: HEH,
    HEH_YEH_ABOVE: HEH,
    TEH_MARBUTA_GOAL: HEH,
}
#: Letter-form folds (rule 5) and digits (rule 6), one entry per rule.
LETTER_FOLDS = {
    ALEF_MADDA: ALEF,
    ALEF_HAMZA_ABOVE: ALEF,
    ALEF_HAMZA_BELOW: ALEF,
    ALEF_WASLA: ALEF,
    ALEF_WAVY_HAMZA_ABOVE: ALEF,
    ALEF_WAVY_HAMZA_BELOW: ALEF,
    ALEF_MAKSURA: YEH,
    TEH_MARBUTA: HEH,
    **LOOKALIKE_FOLDS,
}
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
EASTERN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
DIGIT_FOLDS = {
    **{d: str(i) for i, d in enumerate(ARABIC_INDIC_DIGITS)},
    **{d: str(i) for i, d in enumerate(EASTERN_DIGITS)},
}

# -- Clitics: the one table every module derives its lists from --------------------
#
# A word may carry, in this order: a conjunction (و ف), a preposition (ب ك ل), and the
# article (ال; after ل it is written لل). Light stemming strips the article with whatever
# stands before it, and a lone و; the other one- and two-letter proclitics also begin
# ordinary words (بريطانيا, فرنسا, كبير), so they are matched against the index's own
# vocabulary instead (``stemgroups``).
CONJUNCTIONS = (WAW, FEH)
PREPOSITIONS = (BEH, KAF, LAM)
ARTICLE = ALEF + LAM
#: ل + ال is written لل.
LAM_ARTICLE = LAM + LAM


def _longest_first(items) -> tuple[str, ...]:
    return tuple(sorted(dict.fromkeys(items), key=lambda item: (-len(item), items.index(item))))


#: Every proclitic sequence without the article: [conjunction][preposition], not empty.
PROCLITICS = _longest_first([c + p for c in ("",) + CONJUNCTIONS for p in ("",) + PREPOSITIONS
                             if c + p])
#: The article with whatever may stand before it (وبال, فال, لل, ...), longest first.
ARTICLE_PREFIXES = _longest_first(
    [c + p + ARTICLE for c in ("",) + CONJUNCTIONS for p in ("",) + (BEH, KAF)]
    + [c + LAM_ARTICLE for c in ("",) + CONJUNCTIONS])

#: Endings that make a name's adjective or drop it, normalised (ة is ه): أمريكا, أمريكي,
#: أمريكية. A word the index lacks is searched as the forms these endings relate it to.
RELATED_ENDINGS = ("ا", "ي", "يه", "ه")

# -- Spellings a query can insist on (``spelling``: differences, exact search) -------
#
# A word's *surface form* keeps what a writer chose (marks, hamza seats, ة, ى, clitics)
# and drops what no reader tells apart (tatweel, controls, look-alikes, annotation marks).

#: The marks a reader vocalises with, kept in surface forms and compared.
VOWEL_MARKS = frozenset({FATHATAN, DAMMATAN, KASRATAN, FATHA, DAMMA, KASRA, SHADDA, SUKUN})
#: The same marks as Uthmani encodings write them (Tanzil's, the King Fahd Complex's):
#: a letter not read has no vowel, so both "zero" marks read as sukun.
VOWEL_MARK_FORMS = {
    SMALL_HIGH_DOTLESS_KHAH: SUKUN,
    SMALL_HIGH_ROUNDED_ZERO: SUKUN,
    SMALL_HIGH_RECTANGULAR_ZERO: SUKUN,
    OPEN_FATHATAN: FATHATAN,
    OPEN_DAMMATAN: DAMMATAN,
    OPEN_KASRATAN: KASRATAN,
}
#: Small letters of Uthmani script: a long vowel (or noon) the modern spelling may
#: write in full (ٱلْكِتَٰبُ, الكتاب) or not at all (ذَٰلِكَ, ذلك); either way it matches.
SMALL_LETTERS = {
    DAGGER_ALEF: ALEF, SMALL_WAW: WAW, SMALL_YEH: YEH, SMALL_HIGH_YEH: YEH,
    SMALL_HIGH_NOON: NOON,
}
#: Where hamza ends and alef begins: the hamza each letter carries, by seat. Two letters
#: differ by *hamza* when one carries a hamza the other lacks (سأل, سال) or on another
#: seat (أ, إ; ئ, ي). Madda (آ, and Uthmani ءا) is hamza and alef together: against any
#: alef form it is an *alef* difference, like ٱ against ا (an alef with no hamza).
HAMZA_SEATS = {
    ALEF_HAMZA_ABOVE: "above", ALEF_WAVY_HAMZA_ABOVE: "above",
    ALEF_HAMZA_BELOW: "below", ALEF_WAVY_HAMZA_BELOW: "below",
    WAW_HAMZA_ABOVE: "waw", YEH_HAMZA_ABOVE: "yeh", HAMZA: "alone", ALEF_MADDA: "madda",
}
#: Letters a spelling may write for one another, by the kind of difference they make
#: (each letter -> the letter it is aligned as); digits are a kind of their own.
SPELLING_CHOICES = {
    "alef": {ALEF_MADDA: ALEF, ALEF_WASLA: ALEF},
    "hamza": {ALEF_HAMZA_ABOVE: ALEF, ALEF_HAMZA_BELOW: ALEF, ALEF_WAVY_HAMZA_ABOVE: ALEF,
              ALEF_WAVY_HAMZA_BELOW: ALEF, WAW_HAMZA_ABOVE: WAW, YEH_HAMZA_ABOVE: YEH},
    "ta_marbuta": {TEH_MARBUTA: HEH},
    "alef_maqsura": {ALEF_MAKSURA: YEH},
}
#: Pronouns written onto the end of a word (enclitics), as written (ة is not one).
ENCLITICS = ("هما", "كما", "هم", "هن", "كم", "كن", "نا", "ها", "ني", "ه", "ك", "ي")

# One translate table for rules 3-6: a single pass over the word.
_FOLD_TABLE = str.maketrans(
    {**{c: None for c in REMOVED}, **LETTER_FOLDS, **DIGIT_FOLDS}
)
# The second Uthmani reading: the small letters are written out in full.
_FULL_READING = str.maketrans({DAGGER_ALEF: ALEF, SMALL_WAW: WAW, SMALL_YEH: YEH})
_UTHMANI_SMALL = frozenset({DAGGER_ALEF, SMALL_WAW, SMALL_YEH})

# NFKC would turn these word-ligatures (ﷺ, ﷻ, ﷽) into whole phrases inside one word.
_NFKC_KEEP = frozenset("\ufdfa\ufdfb\ufdfd")


# Hamza and alef, or alefs, in a row: one alef (a madda written out, or folded from آ).
_MADDA_RUN = re.compile(f"(?:{HAMZA}?{ALEF}){{2,}}|{HAMZA}{ALEF}")


def compose(word: str) -> str:
    """Rule 1: NFKC, except the phrase ligatures, with a fast path for plain text."""
    if unicodedata.is_normalized("NFKC", word) or any(c in _NFKC_KEEP for c in word):
        return word
    return unicodedata.normalize("NFKC", word)


def _hamza_seat(vowels: str) -> str:
    """The modern seat of a hamza, from its own vowel and the one before it."""
    if KASRA in vowels:
        return YEH_HAMZA_ABOVE
    if DAMMA in vowels:
        return WAW_HAMZA_ABOVE
    return ALEF_HAMZA_ABOVE


def uthmani_letters(word: str) -> str:
    """Rule 2: spellings of the Uthmani script that differ from modern ones in letters."""
    if WAW + DAGGER_ALEF in word:
        word = word.replace(WAW + DAGGER_ALEF, ALEF)
    if TATWEEL not in word or HAMZA_ABOVE_MARK not in word:
        return word
    chars: list[str] = []
    for char in word:
        if char == HAMZA_ABOVE_MARK:
            vowels = ""
            while chars and chars[-1] in DIACRITICS:
                vowels += chars.pop()
            if chars and chars[-1] == TATWEEL:
                seat = len(chars) - 1
                before = seat
                while before > 0 and chars[before - 1] in DIACRITICS:
                    before -= 1
                chars[seat] = _hamza_seat(vowels + "".join(chars[before:seat]))
                chars.extend(reversed(vowels))  # the hamza's own vowels stay on it
                continue
            chars.extend(reversed(vowels))
        chars.append(char)
    return "".join(chars)


@lru_cache(maxsize=200_000)
def normalize(word: str) -> str:
    """The search form of one word (rules 1-7).

    >>> normalize("الرَّحْمَٰنِ")
    'الرحمن'
    >>> normalize("أمريكيّـــة")
    'امريكيه'
    """
    folded = uthmani_letters(compose(word)).translate(_FOLD_TABLE).casefold()
    if HAMZA + ALEF in folded or ALEF + ALEF in folded:
        folded = _MADDA_RUN.sub(ALEF, folded)
    return folded


@lru_cache(maxsize=200_000)
def spellings(word: str) -> tuple[str, ...]:
    """The search forms of one word: ``normalize(word)`` first, then the full Uthmani
    reading when the word carries a dagger alef or small waw/yeh.

    >>> spellings("ٱلْكِتَٰبُ")
    ('الكتب', 'الكتاب')
    >>> spellings("كتاب")
    ('كتاب',)
    """
    plain = normalize(word)
    glued = glued_parts(plain)
    if not any(c in _UTHMANI_SMALL for c in word):
        return (plain,) + glued
    full = normalize(uthmani_letters(compose(word)).translate(_FULL_READING))
    return ((plain,) if full == plain else (plain, full)) + glued


_DIGIT_RUN = re.compile(r"[0-9]+")


def glued_parts(word: str) -> tuple[str, ...]:
    """Rule 8, numbers glued to letters: a normalised word holding both also reads as its
    numbers, and as its letters when they are a word rather than a clitic, so ال24, و7,
    بـ64 and 24الاخيرة are found by 24 (or ٢٤), 7, 64 and الاخيره.

    >>> glued_parts("ال24"), glued_parts("24الاخيره"), glued_parts("كتاب"), glued_parts("2024")
    (('24',), ('24', 'الاخيره'), (), ())
    """
    numbers = _DIGIT_RUN.findall(word)
    if not numbers or len(numbers[0]) == len(word):
        return ()
    letters = _DIGIT_RUN.sub("", word)
    if not letters or not all(is_arabic_letter(c) for c in letters):
        return ()
    words = tuple(numbers)
    if len(letters) > 2 and letters not in PROCLITICS and letters not in ARTICLE_PREFIXES \
            and len(numbers) == 1 and (word.startswith(letters) or word.endswith(letters)):
        words += (letters,)
    return tuple(dict.fromkeys(words))


def strip_marks(word: str) -> str:
    """The word as written, without marks, tatweel or invisible controls (for display).

    >>> strip_marks("أَمْرِيكِـيَّة")
    'أمريكية'
    """
    return "".join(c for c in compose(word) if c not in REMOVED)


def is_arabic_letter(char: str) -> bool:
    """True for a letter of the Arabic blocks (not a mark, digit or punctuation): the
    one definition of an Arabic letter (``ARABIC_LETTER_PATTERN`` finds the same).

    >>> [is_arabic_letter(c) for c in "بَ٣a"]
    [True, False, False, False]
    """
    return char in ARABIC_LETTERS
