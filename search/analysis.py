"""Whoosh analysis for Arabic: a tokenizer and filters composed with ``|``.

    ArabicTokenizer() | SpellingFilter() | ArabicStopFilter() | LightStemFilter()

The chain, and why it is in this order:

1. ``ArabicTokenizer`` finds whole words in the ORIGINAL text, marks and tatweel
   included (Python's ``\\w`` does not match harakat), and records their offsets, so a
   highlight always covers a whole word as it was written.
2. ``SpellingFilter`` normalises each word (``arabic.normalize``: marks, letter forms,
   digits, case) and adds the full reading of Uthmani spellings at the same position.
3. ``ArabicStopFilter`` drops stop words; it runs after normalisation because its list
   is normalised, so every spelling of a stop word is caught.
4. ``NameVariantFilter`` maps spelling variants of names (سورية -> سوريا) to one form.
5. ``LightStemFilter`` stems (``stemmer.stem``); with ``exact=True`` it also keeps the
   normalised word, marked with ``EXACT_PREFIX``, at the same position, so a query can
   rank exact words above words that only share a stem, in one field.

Every class is module-level with picklable state: Whoosh pickles the schema, analyzer
included, into the index. ``ANALYZER_VERSION`` changes whenever the terms change.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from whoosh.analysis import Composable, Filter, Tokenizer
from whoosh.analysis.acore import Token

from .arabic import DIACRITICS, INVISIBLE_CONTROLS, TATWEEL, normalize, spellings
from .stemmer import STEMMERS
from .variants import stem_variants, word_variants

#: Bump when any rule that changes index terms changes: old indexes need a rebuild.
ANALYZER_VERSION = 1

#: Marks an exact (unstemmed) term in a field analysed with ``exact=True``.
EXACT_PREFIX = "="

_WORD_INSIDE = "".join(sorted(DIACRITICS | INVISIBLE_CONTROLS | {TATWEEL}))
#: A word: a letter or digit, then letters, digits, marks, tatweel or invisible controls.
WORD_PATTERN = re.compile(r"\w[\w%s]*" % re.escape(_WORD_INSIDE))


class ArabicTokenizer(Tokenizer):
    """Whole words with their character offsets in the original text.

    >>> [(t.text, t.startchar) for t in ArabicTokenizer()("قالَ المُتَحَدِّثُ", chars=True)]
    [('قالَ', 0), ('المُتَحَدِّثُ', 5)]
    """

    def __eq__(self, other):
        return type(self) is type(other)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(value)
            yield token
            return
        for pos, match in enumerate(WORD_PATTERN.finditer(value), start_pos):
            token.text = match.group()
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = token.text
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


class SpellingFilter(Filter):
    """Normalises each word; an Uthmani word also yields its full reading, same position.

    >>> [t.text for t in SpellingFilter()(ArabicTokenizer()("ٱلْكِتَٰبُ"))]
    ['الكتب', 'الكتاب']
    """

    def __call__(self, tokens):
        for token in tokens:
            for reading, form in enumerate(spellings(token.text)):
                token.text = form
                token.reading = reading  # 0 for a new word: later filters reset on it
                yield token


@lru_cache(maxsize=1)
def default_stopwords() -> frozenset[str]:
    """The shipped stop list (``stopwords.txt``: provenance in its header), normalised."""
    text = resources.files(__package__).joinpath("stopwords.txt").read_text("utf-8")
    return frozenset(
        normalize(line.split("#", 1)[0].strip())
        for line in text.splitlines()
        if line.split("#", 1)[0].strip()
    )


class ArabicStopFilter(Filter):
    """Drops stop words and closes the gaps they leave, so phrases match across them.

    Unlike Whoosh's StopFilter it renumbers by word, not by token: the spellings that
    ``SpellingFilter`` stacks on one position stay on one position.
    """

    def __init__(self, stoplist=None):
        self.stops = frozenset(default_stopwords() if stoplist is None else
                               (normalize(w) for w in stoplist))

    def __eq__(self, other):
        return type(self) is type(other) and self.stops == other.stops

    def __call__(self, tokens):
        stops = self.stops
        last_pos, new_pos = None, -1
        word_stopped = False
        for token in tokens:
            # A word is a stop word if its first reading is (ذَٰلِكَ: ذلك, then ذالك).
            if getattr(token, "reading", 0) == 0:
                word_stopped = token.text in stops
            if word_stopped or token.text in stops:
                if not token.removestops:
                    token.stopped = True
                    yield token
                continue
            if token.positions:
                if token.pos != last_pos:
                    last_pos, new_pos = token.pos, new_pos + 1
                token.pos = new_pos
            yield token


class NameVariantFilter(Filter):
    """Maps spelling variants of names to one spelling (``variants.txt``).

    >>> [t.text for t in NameVariantFilter()(SpellingFilter()(ArabicTokenizer()("سورية")))]
    ['سوريا']
    """

    def __init__(self, stemmed=False):
        self.stemmed = stemmed

    def __eq__(self, other):
        return type(self) is type(other) and self.stemmed == other.stemmed

    def __call__(self, tokens):
        table = stem_variants() if self.stemmed else word_variants()
        for token in tokens:
            token.text = table.get(token.text, token.text)
            yield token


class LightStemFilter(Filter):
    """Light stems (``stemmer.stem``); with ``exact`` also the word itself, marked.

    A word can reach this filter several times (its Uthmani readings), so it skips a
    term it has already yielded for the same word. ``stemmer`` names another
    stemmer of ``stemmer.STEMMERS``, for comparisons.
    """

    is_morph = True

    def __init__(self, exact=False, stemmer="light"):
        if stemmer not in STEMMERS:
            raise ValueError(f"unknown stemmer {stemmer!r}: one of {sorted(STEMMERS)}")
        self.exact = exact
        self.stemmer = stemmer

    def __eq__(self, other):
        return (type(self) is type(other) and self.exact == other.exact
                and self.stemmer == other.stemmer)

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.setdefault("stemmer", "light")

    def __call__(self, tokens):
        stem = STEMMERS[self.stemmer]
        variants = stem_variants() if self.stemmer == "light" else {}
        seen: set[str] = set()
        for token in tokens:
            word = token.text
            term = stem(word)
            term = variants.get(term, term)
            if getattr(token, "reading", 0) == 0:
                seen = set()
            if term not in seen:
                seen.add(term)
                token.text = term
                yield token
            if self.exact:
                exact_term = EXACT_PREFIX + word
                if exact_term not in seen:
                    seen.add(exact_term)
                    token.text = exact_term
                    yield token


def ArabicAnalyzer(stoplist=None, stem=True, exact=False, stemmer="light") -> Composable:
    """The analyzer for Arabic text fields: normalise, drop stop words, light-stem.

    :param stoplist: words to drop instead of the shipped list (any spelling).
    :param stem: False for normalised whole words only.
    :param exact: also index each normalised word, prefixed with ``EXACT_PREFIX``, at
        the same position (use with ``TEXT(multitoken_query="or")``).
    :param stemmer: "light" (ours), or "snowball", "tashaphyne", "none" to compare.

    >>> [t.text for t in ArabicAnalyzer()("والمدرساتُ في سوريا")]
    ['مدرس', 'سوريا']
    """
    chain = ArabicTokenizer() | SpellingFilter() | ArabicStopFilter(stoplist)
    chain = chain | NameVariantFilter()
    if stem:
        chain = chain | LightStemFilter(exact=exact, stemmer=stemmer)
    return chain
