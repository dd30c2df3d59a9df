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
5. ``LightStemFilter`` stems (``stemmer.stem``). The passage index leaves it out
   (``stem=False``): it keeps one normalised word per position and finds the words
   sharing a stem at query time (``stemgroups``), which costs half the postings.

The passage index's ``surface`` field runs the same steps 1, 2 and 4, remembering each
word as written (``SurfaceFilter``): its terms are ``TERM SURFACE`` (the text term, a
space, ``arabic.surface`` of the word), so a text term's written forms are neighbours
in the sorted vocabulary, and a query that insists on marks or hamza picks among them.
A word written as its text term (كتاب, most words of unvocalised text) is left out: its
occurrences are the text term's less those of its other written forms.

Every class is module-level with picklable state: Whoosh pickles the schema, analyzer
included, into the index. ``ANALYZER_VERSION`` is a digest of the rules that decide the
index's terms (the code of this module, ``arabic`` and ``variants``, without docstrings or
comments, and the word lists), so editing any rule makes old indexes say "rebuild
needed" instead of answering silently wrong.
"""

from __future__ import annotations

import ast
import hashlib
import re
import unicodedata
from functools import lru_cache
from importlib import resources

from whoosh.analysis import Composable, Filter, Tokenizer
from whoosh.analysis.acore import Token

from .arabic import DIACRITICS, INVISIBLE_CONTROLS, TATWEEL, normalize, spellings, surface
from .stemmer import STEMMERS
from .variants import stem_of, stem_variants, word_variants

#: The modules and data files whose rules decide the index's terms. The stemmer is not
#: one: the passage index keeps whole words and groups them by stem at query time.
RULE_FILES = ("arabic.py", "analysis.py", "variants.py", "stopwords.txt", "variants.txt",
              "rasm.txt")


def code_of(source: str) -> str:
    """The code of a module as its syntax tree, docstrings, comments and layout left out."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and body and \
                isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def _without_comments(text: str) -> str:
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def rules_digest() -> str:
    """A digest of ``RULE_FILES`` (code and word lists, not their comments) and of the
    Unicode version whose data the rules derive their character sets from."""
    digest = hashlib.sha256(unicodedata.unidata_version.encode())
    for name in RULE_FILES:
        text = resources.files(__package__).joinpath(name).read_text("utf-8")
        text = code_of(text) if name.endswith(".py") else _without_comments(text)
        digest.update(f"{name}\0{text}\0".encode())
    return digest.hexdigest()[:16]


#: Recorded in every index built; an index made under other rules must be rebuilt.
ANALYZER_VERSION = rules_digest()

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
    """Light stems (``stemmer.stem``), or another stemmer of ``stemmer.STEMMERS``.

    A word can reach this filter several times (its Uthmani readings), so it skips a
    stem it has already yielded for the same word.
    """

    is_morph = True

    def __init__(self, stemmer="light"):
        if stemmer not in STEMMERS:
            raise ValueError(f"unknown stemmer {stemmer!r}: one of {sorted(STEMMERS)}")
        self.stemmer = stemmer

    def __eq__(self, other):
        return type(self) is type(other) and self.stemmer == other.stemmer

    def __call__(self, tokens):
        stemmer = self.stemmer
        seen: set[str] = set()
        for token in tokens:
            term = stem_of(token.text, stemmer)
            if getattr(token, "reading", 0) == 0:
                seen = set()
            if term not in seen:
                seen.add(term)
                token.text = term
                yield token


#: Between a surface term's text term and its written form (no term holds a space).
SURFACE_SEPARATOR = " "


class SurfaceFilter(Filter):
    """Files each word's written form under its text terms: the first instance, before
    spelling, remembers the word; the second, at the end, writes ``TERM SURFACE``, or
    nothing when the word is written as the term itself.

    >>> chain = ArabicTokenizer() | SurfaceFilter() | SpellingFilter() | SurfaceFilter(True)
    >>> [t.text for t in chain("عِلْمٌ في مدرسة")]
    ['علم عِلْمٌ', 'مدرسه مدرسة']
    """

    def __init__(self, write=False):
        self.write = write

    def __eq__(self, other):
        return type(self) is type(other) and self.write == other.write

    def __call__(self, tokens):
        for token in tokens:
            if self.write:
                if token.surface == token.text:
                    continue
                token.text = token.text + SURFACE_SEPARATOR + token.surface
            else:
                token.surface = surface(token.text)
            yield token


class RememberedWords(Filter):
    """Each word's terms as ``chain`` makes them from the word alone, remembered.

    The ``surface`` field counts terms and keeps no positions, and the chain works word
    by word (a word means the same alone as in its sentence), so a word's terms are all
    that matters of it; words recur, so each distinct word is analysed once per process
    instead of once per occurrence (the surface field then costs the build its postings,
    not a second analysis of every word).
    """

    #: Words remembered, at most (the memory is cleared when full).
    SIZE = 200_000

    def __init__(self, chain):
        self.chain = chain
        self._memory: dict[str, tuple[str, ...]] = {}

    def __eq__(self, other):
        return type(self) is type(other) and self.chain == other.chain

    def __call__(self, tokens):
        memory = self._memory
        for token in tokens:
            terms = memory.get(token.text)
            if terms is None:
                if len(memory) >= self.SIZE:
                    memory.clear()
                terms = memory[token.text] = tuple(t.text for t in self.chain(token.text))
            for term in terms:
                token.text = term
                yield token


def surface_analyzer() -> Composable:
    """The ``surface`` field's analyzer: each word's text terms (as
    ``passage_analyzer``'s), each joined to the word as written (``SurfaceFilter``),
    remembered per word (``RememberedWords``)."""
    return ArabicTokenizer() | RememberedWords(
        ArabicTokenizer() | SurfaceFilter() | SpellingFilter() | NameVariantFilter()
        | SurfaceFilter(write=True))


def passage_analyzer() -> Composable:
    """The passage index's analyzer: every word kept (common ones too), normalised, not
    stemmed (queries group forms by stem: ``stemgroups``)."""
    return ArabicAnalyzer(stoplist=(), stem=False)


def ArabicAnalyzer(stoplist=None, stem=True, stemmer="light") -> Composable:
    """The analyzer for Arabic text fields: normalise, drop stop words, light-stem.

    :param stoplist: words to drop instead of the shipped list (any spelling); empty to
        keep every word (the passage index does: common words are searchable, and
        phrases match them).
    :param stem: False for normalised whole words (what the passage index stores).
    :param stemmer: "light" (ours), or "snowball", "tashaphyne", "none" to compare.

    Use it with ``TEXT(analyzer=ArabicAnalyzer(), multitoken_query="or")``: an Uthmani
    word yields its readings at one position.

    >>> [t.text for t in ArabicAnalyzer()("والمدرساتُ في سوريا")]
    ['مدرس', 'سوريا']
    """
    chain = ArabicTokenizer() | SpellingFilter()
    if stoplist is None or stoplist:
        chain = chain | ArabicStopFilter(stoplist)
    chain = chain | NameVariantFilter()
    if stem:
        chain = chain | LightStemFilter(stemmer)
    return chain
