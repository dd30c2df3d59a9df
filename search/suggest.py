"""Words from the index's own vocabulary: autocomplete and did-you-mean.

Both work on the terms of the ``text`` field, through its analyzer, so what is typed is
folded like the text (no hamza, no marks, any alef, one spelling of a name), and both
answer in the corpus's own spelling, read back from a passage that has the word.

Did-you-mean is bounded, because a query is cheap to send and a vocabulary scan is not:

1. Only words the index does not know are corrected, and at most MAX_CORRECTED of them,
   in the order the caller gives (put the words that matter most first). A query with
   more unknown words than that gets no suggestion: correcting a few of them would still
   find nothing, since every plain word must match.
2. Candidates come from a ``Vocabulary`` built once per index generation and cached: the
   terms grouped by first letter (first three after the article ال) and length, each group
   a matrix of letter numbers. A word is compared only with the groups of its own first
   letters and of lengths within its allowance, all rows of a group at once (numpy),
   never by walking the whole vocabulary. Distances are weighted (``search.typos``): a
   candidate must be within an allowance that grows with the word's length, so ترامب
   never becomes تماما; when none is, there is no suggestion.
3. The work has a deadline: REQUEST_SECONDS per request, WORD_SECONDS per word. A request
   that runs out returns what it has and says so (``Suggestion.partial``). The first
   request of a generation waits at most VOCABULARY_WAIT_SECONDS for the vocabulary, which
   is built in a thread of its own (0.4-1.5 s for 150,000-290,000 terms); if it is not
   ready, the suggestion is omitted (partial) and a later request gets it.
4. When no word correction finds anything, the query may have been typed with the wrong
   keyboard layout on (``keyboard_suggestion``): سوريا typed as ``s,vdh``.
"""

from __future__ import annotations

import heapq
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh.reading import TermNotFound

from .analysis import WORD_PATTERN
from .arabic import ARTICLE
from .arabic import ARABIC_LETTER_PATTERN
from .errors import SearchError
from .keyboard import to_arabic, to_latin
from .snippets import surface_form
from .storage import MappedStorage
from .typos import GAP, SUBSTITUTION, CHEAPEST_GAP, allowance, distance, gap_cost, substitution_cost

#: Completions looked at before ranking by document frequency.
MAX_CANDIDATES = 5000
#: Most a word's length may change in a correction.
MAX_EDIT_DISTANCE = 2
#: Slack when comparing weighted distances (sums of float32 costs).
EPSILON = 1e-4
#: Unknown words of one query that did-you-mean corrects; with more, it gives up.
MAX_CORRECTED = 4
#: Time did-you-mean may spend on one request, and on one of its words.
REQUEST_SECONDS = 0.15
WORD_SECONDS = 0.05
#: Longest a request waits for its generation's vocabulary to be built (once per
#: generation; a larger one goes on building in the background).
VOCABULARY_WAIT_SECONDS = 0.5
#: Candidates at the best distance whose document frequency is read to rank them.
MAX_RANKED = 200
#: Vocabularies kept in memory (one per generation; the previous one serves until readers move).
CACHED_VOCABULARIES = 2


@dataclass(frozen=True)
class Suggestion:
    """What did-you-mean found: ``text`` (a query that finds something, or None) and
    ``partial``: True when some unknown words were not looked at (too many of them, or
    the time budget ran out), so None does not mean "no close word exists"."""

    text: str | None
    partial: bool = False


def complete_word(searcher, typed: str, limit: int = 8, stored_fields=None,
                  vocabulary=None) -> list[str]:
    """The commonest corpus words starting with the last word of ``typed``.
    ``stored_fields(docnum)`` reads a passage (default: the searcher's reader);
    ``vocabulary`` (``postings.Vocabulary``) counts the candidates from the posting
    arrays, all of them at once (else Whoosh's reader counts the first 5,000, one by one)."""
    words = WORD_PATTERN.findall(typed.strip()) if typed else []
    if not words or not typed.strip().endswith(words[-1]):
        return []  # the text ends in punctuation: no word is being typed
    analyzer = searcher.schema["text"].analyzer
    terms = [t.text for t in analyzer(words[-1], removestops=False)]
    if not terms:
        return []
    reader = searcher.reader()
    stored_fields = stored_fields or reader.stored_fields
    if vocabulary is not None:
        best = vocabulary.commonest(terms[0], limit * 2)
    else:
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
    """``suggest_query(...).text``: the suggested query or None."""
    return suggest_query(index, query, words, reader, stored_fields).text


def suggest_query(index, query: str, words: list[tuple[str, str]], reader,
                  stored_fields=None, deadline: float | None = None) -> Suggestion:
    """The query with each unknown word replaced by the nearest word of the vocabulary
    (weighted edits, ``search.typos``: a hamza seat or a neighbouring key costs less than
    another letter), the commonest among equally near ones, within an allowance that
    grows with the word's length; if that finds anything. A word with no plausible
    correction is left as typed. When word corrections find nothing, the query read
    with the other keyboard layout (``keyboard_suggestion``), if that finds passages.

    ``words`` holds (word as typed, index term) pairs, from the query builder, most
    important first (e.g. rarest or longest): at most MAX_CORRECTED unknown ones are
    corrected. ``deadline`` (a ``time.perf_counter()`` value) defaults to REQUEST_SECONDS
    from now.
    """
    found = _corrected(index, query, words, reader, stored_fields, deadline)
    if found.text is None and other_layout(query) is not None:
        layout = keyboard_suggestion(index, query)
        if layout is not None:
            return Suggestion(layout, found.partial)
    return found


#: The other layout's reading of a query is suggested when the query as typed finds
#: nothing, or when the reading finds at least FAR_MORE times as many passages.
FAR_MORE = 10
#: Query operators, left alone when a query is read with the other layout.
OPERATORS = frozenset({"OR", "AND", "NOT"})
_NEAR = re.compile(r"NEAR(?:/\d+)?")
_LATIN_LETTER = re.compile("[A-Za-z]")


def other_layout(query: str) -> str | None:
    """``query`` as the other keyboard layout types it: Latin letters (and no Arabic
    ones) read as keys of the Arabic layout, Arabic letters (and no Latin ones) as keys
    of the US layout; None for a query of both scripts or of neither. Operators (OR,
    NOT, NEAR/5), digits, quotes, - and * stay as typed.

    >>> other_layout("s,vdh -v,sdh")
    'سوريا -روسيا'
    """
    latin = bool(_LATIN_LETTER.search(query))
    arabic = bool(ARABIC_LETTER_PATTERN.search(query))
    if latin == arabic:
        return None
    convert = to_arabic if latin else to_latin
    mapped = " ".join(token if token in OPERATORS or _NEAR.fullmatch(token) else convert(token)
                      for token in query.split())
    if arabic and not _LATIN_LETTER.search(mapped):
        return None
    return mapped


def keyboard_suggestion(index, query: str) -> str | None:
    """``query`` read with the other keyboard layout (``other_layout``: ``s,vdh`` ->
    سوريا), when that is what was meant: the reading finds passages (every word), and
    the query as typed finds none, or FAR_MORE times fewer. None otherwise.

    Two counts at most, and none for a query of both scripts: cheap enough to try on
    every query that finds nothing.
    """
    mapped = other_layout(query)
    if mapped is None:
        return None
    try:
        found = index.count(mapped)
    except SearchError:  # the reading is not a valid query (a stray operator, stop words)
        return None
    if not found:
        return None
    try:
        typed = index.count(query)
    except SearchError:
        typed = 0
    return mapped if typed == 0 or found >= FAR_MORE * typed else None


def _corrected(index, query: str, words: list[tuple[str, str]], reader,
                  stored_fields=None, deadline: float | None = None) -> Suggestion:
    """``suggest_query`` by word corrections only."""
    started = time.perf_counter()
    deadline = started + REQUEST_SECONDS if deadline is None else deadline
    unknown = [(typed, term) for typed, term in dict.fromkeys(words)
               if ("text", term) not in reader]
    if not unknown:
        return Suggestion(None)
    if len(unknown) > MAX_CORRECTED:
        return Suggestion(None, partial=True)
    vocabulary = vocabulary_of(reader, wait=max(deadline - time.perf_counter(), VOCABULARY_WAIT_SECONDS))
    if vocabulary is None:
        return Suggestion(None, partial=True)
    suggestion, changed, partial = query, False, False
    for typed, term in unknown:
        now = time.perf_counter()
        if now >= deadline:
            partial = True
            break
        best, complete = vocabulary.closest(term, reader, min(deadline, now + WORD_SECONDS))
        partial = partial or not complete
        if best is None:
            continue
        suggestion, replaced = re.subn(rf"(?<!\w){re.escape(typed)}(?!\w)",
                                       _surface(reader, best, stored_fields), suggestion,
                                       count=1)
        changed = changed or bool(replaced)
    if not changed or suggestion == query:
        return Suggestion(None, partial)
    try:
        return Suggestion(suggestion if index.count(suggestion) > 0 else None, partial)
    except SearchError:
        return Suggestion(None, partial)


class Vocabulary:
    """An index's ``text`` terms grouped for did-you-mean: by (first letter, length) and,
    for words starting with the article, also by (first three letters, length).

    Each group is a matrix of letter numbers in the vocabulary's alphabet (its distinct
    characters), so an edit's cost (``search.typos``) is a lookup: a cost row per query
    letter, a gap cost per alphabet letter. Built once per generation (``vocabulary_of``);
    read-only afterwards, so threads share it.
    """

    def __init__(self, terms):
        groups: dict[tuple[str, int], list[str]] = {}
        for term in terms:
            if not term:
                continue
            groups.setdefault((term[:1], len(term)), []).append(term)
            if term.startswith(ARTICLE) and len(term) > 2:
                groups.setdefault((term[:3], len(term)), []).append(term)
        letters = sorted({letter for (prefix, _), words in groups.items() if len(prefix) == 1
                          for word in words for letter in word})
        #: Code points of the alphabet, sorted; a letter's number is its place here, and
        #: len(alphabet) stands for a letter the vocabulary lacks.
        self._alphabet = np.array([ord(letter) for letter in letters], dtype=np.uint32)
        self._letters = letters
        self._gaps = np.array([gap_cost(letter) for letter in letters] + [GAP], dtype=np.float32)
        self._rows: dict[str, np.ndarray] = {}
        self._groups = {key: (words, self._numbers(_code_points(words, key[1])))
                        for key, words in groups.items()}
        self.terms = sum(len(words) for (prefix, _), (words, _) in self._groups.items()
                         if len(prefix) == 1)

    def _numbers(self, codes: np.ndarray) -> np.ndarray:
        """Code points as alphabet numbers (uint16)."""
        return np.searchsorted(self._alphabet, codes).astype(np.uint16)

    def _number(self, letter: str) -> int:
        at = int(np.searchsorted(self._alphabet, ord(letter)))
        known = at < len(self._alphabet) and self._alphabet[at] == ord(letter)
        return at if known else len(self._alphabet)

    def _costs(self, letter: str) -> np.ndarray:
        """What typing each alphabet letter instead of ``letter`` costs (a row of the cost
        matrix, made on first use: the letters of one vocabulary are few)."""
        row = self._rows.get(letter)
        if row is None:
            row = np.array([substitution_cost(letter, other) for other in self._letters]
                           + [SUBSTITUTION], dtype=np.float32)
            self._rows[letter] = row
        return row

    def within(self, term: str, distance: float, prefix: int, deadline: float | None = None):
        """((candidate, weighted distance) pairs within ``distance`` of ``term`` sharing
        its first ``prefix`` letters, all groups looked at?)"""
        key, found = term[:prefix], []
        change = min(MAX_EDIT_DISTANCE, int(distance / CHEAPEST_GAP + 1e-6))
        lengths = sorted(range(max(1, len(term) - change), len(term) + change + 1),
                         key=lambda n: abs(n - len(term)))  # nearest lengths first
        for length in lengths:
            if deadline is not None and time.perf_counter() >= deadline:
                return found, False
            group = self._groups.get((key, length))
            if group is None:
                continue
            words, numbers = group
            distances = self._distances(term, numbers)
            for row in np.flatnonzero(distances <= distance + EPSILON):
                if words[row] != term:
                    found.append((words[row], round(float(distances[row]), 4)))
        return found, True

    def closest(self, term: str, reader, deadline: float | None = None) -> tuple[str | None, bool]:
        """(the commonest term at the least weighted distance from ``term`` within its
        allowance, or None; complete?)"""
        allowed = distance_allowed(term)
        if allowed <= 0:
            return None, True
        found, complete = self.within(term, allowed, fixed_prefix(term), deadline)
        if not found:
            return None, complete
        least = min(distance for _, distance in found)
        nearest = sorted(word for word, distance in found if distance <= least + EPSILON)[:MAX_RANKED]
        return max(nearest, key=lambda word: (reader.doc_frequency("text", word), word)), complete

    def _distances(self, term: str, numbers: np.ndarray) -> np.ndarray:
        """Weighted edit distance from ``term`` to every row of ``numbers``: the usual
        dynamic programme, one row of the table for all candidates at once, each edit's
        cost looked up (``search.typos``)."""
        rows, width = numbers.shape
        inserts = self._gaps[numbers]  # adding the candidate's letter j
        previous = np.zeros((rows, width + 1), dtype=np.float32)
        np.cumsum(inserts, axis=1, out=previous[:, 1:])
        for letter in term:
            substitute = previous[:, :-1] + self._costs(letter)[numbers]
            gap = self._gaps[self._number(letter)]  # leaving out the typed letter
            best = np.minimum(substitute, previous[:, 1:] + gap)
            current = np.empty((rows, width + 1), dtype=np.float32)
            current[:, 0] = previous[:, 0] + gap
            for j in range(width):  # insertion depends on the cell just computed
                np.minimum(best[:, j], current[:, j] + inserts[:, j], out=current[:, j + 1])
            previous = current
        return previous[:, -1]


def _code_points(words: list[str], length: int) -> np.ndarray:
    """A (len(words), length) matrix of the words' code points (all words of that length)."""
    data = "".join(words).encode("utf-32-le", "surrogatepass")
    return np.frombuffer(data, dtype=np.uint32).reshape(len(words), length)


VOCABULARIES: OrderedDict = OrderedDict()
_building: dict = {}  # generation key -> threading.Event set when its build ends
_vocabulary_lock = threading.Lock()


def vocabulary_of(reader, wait: float | None = None) -> Vocabulary | None:
    """The cached ``Vocabulary`` of the generation ``reader`` reads.

    The first call for a generation starts building it, in a thread of its own with a
    reader of its own, and waits at most ``wait`` seconds (None: until it is built); a
    later call gets it. Call it with no ``wait`` when an index is opened, to spare the
    first misspelt query the wait. None if not built in time.
    """
    key = _generation_key(reader)
    with _vocabulary_lock:
        vocabulary = VOCABULARIES.get(key)
        if vocabulary is not None:
            VOCABULARIES.move_to_end(key)
            return vocabulary
        done = _building.get(key)
        start = done is None
        if start:
            done = _building[key] = threading.Event()
    if start:
        opener = _reader_opener(reader)
        if opener is None:
            _build(key, lambda: reader, done, close=False)
        else:
            threading.Thread(target=_build, args=(key, opener, done), daemon=True,
                             name="vocabulary").start()
    done.wait(wait)
    with _vocabulary_lock:
        return VOCABULARIES.get(key)


def _build(key, open_reader, done: threading.Event, close: bool = True) -> None:
    try:
        reader = open_reader()
        try:
            vocabulary = Vocabulary(_decoded(reader.lexicon("text")))
        finally:
            if close:
                reader.close()
        with _vocabulary_lock:
            VOCABULARIES[key] = vocabulary
            while len(VOCABULARIES) > CACHED_VOCABULARIES:
                VOCABULARIES.popitem(last=False)
    finally:
        with _vocabulary_lock:
            _building.pop(key, None)
        done.set()


def _reader_opener(reader):
    """A function opening another reader of ``reader``'s generation (a Whoosh reader is
    not to be shared between threads), or None if its folder cannot be told."""
    try:
        folder = reader.leaf_readers()[0][0]._storage.folder
    except (AttributeError, IndexError):
        return None
    return lambda: MappedStorage(folder).open_index().reader()


def _decoded(terms):
    for term in terms:
        yield term.decode("utf-8") if isinstance(term, bytes) else term


def _generation_key(reader) -> tuple:
    """The segments a reader reads: the same for every thread's reader of a generation."""
    try:
        return tuple(sub.segment().segment_id() for sub, _ in reader.leaf_readers())
    except AttributeError:  # a reader without segments (tests): cache by identity
        return (id(reader),)


def _surface(reader, term: str, stored_fields=None) -> str:
    """``term`` as the corpus writes it, read from the first passage that has it."""
    try:
        docnum = reader.postings("text", term).id()
        text = (stored_fields or reader.stored_fields)(docnum)["text"]
    except TermNotFound:
        return term
    return surface_form(text, term, reader.schema["text"].analyzer) or term


def distance_allowed(word: str) -> float:
    """The weighted distance a correction may be at (``typos.allowance``): it grows with
    the word's length, so a short word only gets a slip, never another word."""
    return allowance(word)


def fixed_prefix(word: str) -> int:
    """Letters assumed typed right: the first (typos there are rare, and it makes the
    search a hundred times cheaper), after an article, which half of all words have."""
    return 3 if word.startswith(ARTICLE) and len(word) > 4 else 1


def weighted_distance(a: str, b: str) -> float:
    """Weighted edit distance of two words (the reference ``Vocabulary._distances`` must
    agree with)."""
    return distance(a, b)
