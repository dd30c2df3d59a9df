"""Light stemming of normalised Arabic words: strip clitics and affixes, never roots.

The rules start from Larkey, Ballesteros and Connell's "light10" stemmer (SIGIR 2002),
as Lucene's ArabicStemmer implements it, and extend it where measurement said so:

1. Exclusions: words in ``NEVER_STEM`` are returned unchanged.
2. Non-Arabic words (Latin, digits) are returned unchanged.
3. One prefix, the longest that matches, from ``PREFIXES``. A one-letter prefix (و)
   needs a word of four letters or more; the others must leave at least two letters.
4. Then each suffix of ``SUFFIXES`` in turn (each at most once), if it leaves at least
   two letters; the pronoun suffixes added to light10 (هم، كم، نا ...) must leave three,
   since two-letter pronouns end many short nouns (فهم، حكم).

The single-letter proclitics ب ف ك ل are not stripped here: بريطانيا and فرنسا begin with
them too. ``Index.search`` looks such alternatives up in the index's own vocabulary.

``stem`` is a pure function of its argument behind an LRU cache (about 100 bytes an
entry, 200,000 entries); it is safe to call from several threads.
"""

from __future__ import annotations

from functools import lru_cache

from .arabic import is_arabic_letter

#: Prefixes, longest first (light10's ال وال بال كال فال لل و, plus their combinations).
PREFIXES = (
    "وبال", "وكال", "فبال",
    "وال", "بال", "كال", "فال", "ولل", "فلل",
    "ال", "لل",
    "و",
)

#: Suffixes in the order they are tried (light10's, on normalised text: ة -> ه, ى -> ي).
SUFFIXES = (
    "هما", "كما", "هم", "هن", "كم", "كن", "نا",
    "ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي",
)

#: Suffixes not in light10: they must leave a longer stem.
PRONOUN_SUFFIXES = frozenset({"هما", "كما", "هم", "هن", "كم", "كن", "نا"})

#: Words whose apparent affixes belong to the word (normalised spelling).
NEVER_STEM = frozenset({
    "الله", "اللهم",          # ال is part of the name, not the article
    "والله", "بالله", "لله",  # the name with a clitic; stems to الله below
    "بوتين", "لينين", "الكرملين",  # foreign names ending in ين
})

#: Clitic forms of excluded words, mapped to the word itself.
_EXCLUDED_WITH_CLITIC = {"والله": "الله", "بالله": "الله", "لله": "الله"}


def _strip_prefix(word: str) -> str:
    for prefix in PREFIXES:
        if word.startswith(prefix):
            minimum = 3 if len(prefix) == 1 else 2
            if len(word) - len(prefix) >= minimum:
                return word[len(prefix):]
            return word
    return word


def _strip_suffixes(word: str) -> str:
    for suffix in SUFFIXES:
        minimum = 3 if suffix in PRONOUN_SUFFIXES else 2
        if word.endswith(suffix) and len(word) - len(suffix) >= minimum:
            word = word[: -len(suffix)]
    return word


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The light stem of a normalised word.

    >>> stem("والمدرسات")
    'مدرس'
    >>> stem("كتابهم")
    'كتاب'
    """
    if word in NEVER_STEM:
        return _EXCLUDED_WITH_CLITIC.get(word, word)
    if not word or not all(is_arabic_letter(c) for c in word):
        return word
    return _strip_suffixes(_strip_prefix(word))
