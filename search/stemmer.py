"""Light stemming of normalised Arabic words: strip clitics and affixes, never roots.

The rules start from Larkey, Ballesteros and Connell's "light10" stemmer (SIGIR 2002),
as Lucene's ArabicStemmer implements it, and extend it where measurement said so:

1. Exclusions: ``NEVER_STEM`` words (الله and its clitic forms) map to a fixed stem;
   names in ``NO_SUFFIX`` (بوتين، الكرملين) lose prefixes but no suffix.
2. Non-Arabic words (Latin, digits) are returned unchanged.
3. A word whose و is a root letter (``WAW_ROOT_STEMS``: وزارة، وقت), which light10
   cannot tell from the conjunction, keeps it (light10 turns وزارة into زار, "visited").
4. Otherwise one prefix, the longest that matches, from ``PREFIXES``. A one-letter
   prefix (و) needs a word of four letters or more; the others must leave two letters.
5. Then each suffix of ``SUFFIXES`` in turn (each at most once), light10's and the
   pronouns (هم، كم، نا ...), if it leaves at least three letters (light10: two).

The single-letter proclitics ب ف ك ل are not stripped here: بريطانيا and فرنسا begin with
them too. ``Index.search`` looks such alternatives up in the index's own vocabulary.

``stem`` is a pure function of its argument behind an LRU cache (about 100 bytes an
entry, 200,000 entries); it is safe to call from several threads.
"""

from __future__ import annotations

from functools import lru_cache

from .arabic import ARTICLE_PREFIXES, WAW, is_arabic_letter

#: Prefixes, longest first: the article with what may stand before it (light10's ال وال
#: بال كال فال لل, and their combinations, from ``arabic.ARTICLE_PREFIXES``), then و.
PREFIXES = ARTICLE_PREFIXES + (WAW,)

#: Suffixes in the order they are tried (light10's, on normalised text: ة -> ه, ى -> ي).
SUFFIXES = (
    "هما", "كما", "هم", "هن", "كم", "كن", "نا",
    "ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي",
)

#: Letters a suffix must leave. light10 leaves two, which merges آية with أيها (اي) and
#: القرآن with القرى (قر); three measured better on Qur'an QA train (docs/relevance.md).
MIN_SUFFIX_STEM = 3

#: Words whose apparent article belongs to the word, with their clitic forms.
NEVER_STEM = {
    "الله": "الله", "والله": "الله", "بالله": "الله", "لله": "الله", "فالله": "الله",
    "اللهم": "اللهم",
}

#: Words whose apparent suffix belongs to the word: kept once prefixes are stripped.
NO_SUFFIX = frozenset({"بوتين", "لينين", "كرملين", "ستالين", "برلين", "تشرين"})

#: Stems whose first letter و belongs to the root (rule 3), frequent in news text.
WAW_ROOT_STEMS = frozenset({
    "وزار", "وزير", "وزراء", "وزر", "وقت", "ولاي", "وكال", "وكيل", "وضع", "وجه", "وجود",
    "وطن", "وطني", "وسط", "وسائل", "وسيل", "وحد", "وحيد", "واشنطن", "وفد", "وفق", "وثيق",
    "ورق", "وصل", "وصول", "وقف", "واقع", "وقوع", "ولد", "والد", "وعد", "وزن", "وضوح",
    "واضح", "ورد", "وصف", "وظيف", "وفاه", "وقود", "وكر", "ولاء", "وهم", "وادي", "وليد",
})

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
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_SUFFIX_STEM:
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
        return NEVER_STEM[word]
    if not word or not all(is_arabic_letter(c) for c in word):
        return word
    if word.startswith("و"):
        kept = _strip_suffixes(word)
        if kept in WAW_ROOT_STEMS:
            return kept
        after_conjunction = _strip_suffixes(word[1:])
        if after_conjunction in WAW_ROOT_STEMS:
            return after_conjunction
    bare = _strip_prefix(word)
    if bare in NO_SUFFIX:
        return bare
    return _strip_suffixes(bare)


# -- other stemmers, for comparison (``ArabicAnalyzer(stemmer=...)``) ------------------


def no_stem(word: str) -> str:
    """No stemming: normalised whole words."""
    return word


@lru_cache(maxsize=200_000)
def snowball_stem(word: str) -> str:
    """Snowball's Arabic stemmer (PyStemmer, optional dependency)."""
    return _snowball().stemWord(word)


@lru_cache(maxsize=1)
def _snowball():
    import Stemmer  # PyStemmer: pip install 'arabic-search[compare]'

    return Stemmer.Stemmer("arabic")


@lru_cache(maxsize=200_000)
def tashaphyne_stem(word: str) -> str:
    """Tashaphyne's light stemmer (optional dependency)."""
    stemmer = _tashaphyne()
    stemmer.light_stem(word)
    return stemmer.get_stem() or word


@lru_cache(maxsize=1)
def _tashaphyne():
    from tashaphyne.stemming import ArabicLightStemmer  # a dependency (root matching)

    return ArabicLightStemmer()


#: Stemmers by name; the analyzer stores the name, so it pickles.
STEMMERS = {
    "light": stem,
    "none": no_stem,
    "snowball": snowball_stem,
    "tashaphyne": tashaphyne_stem,
}
