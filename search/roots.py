"""Word roots: a table of the index vocabulary's roots, and root groups for questions.

A question and the passages answering it often share a root but not a stem (الصيام /
يصومون / صوموا). With the index option ``roots``, the root of every distinct word of
the index is computed once, when a generation is published, and kept beside it in
``roots.tsv`` (``form<TAB>root``). A question word then also finds every form of the
vocabulary with its root, scored as one term with the root's document frequency.

Roots come from Tashaphyne (a well-kept library: a hand-written extractor kept only half
of its gain on Qur'an QA, docs/relevance.md). It costs about 160 µs a word, which is
why roots are an index option and not the default: large general corpora skip it.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from . import storage
from .ranking import idf
from .stemgroups import group_doc_frequency

TABLE_FILE = "roots.tsv"
_local = threading.local()


def root_of(word: str) -> str:
    """Tashaphyne's root of a normalised word (the word itself when it finds none)."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:  # one stemmer per thread: it keeps the last word's state
        stemmer = _local.stemmer = _stable_stemmer()
    stemmer.light_stem(word)
    return stemmer.get_root() or word


def _stable_stemmer():
    """Tashaphyne's stemmer, choosing the same root in every process.

    Among equally frequent candidate roots Tashaphyne takes the first of a ``set``,
    whose order changes with Python's string hash seed: 12 % of the Qur'an QA
    vocabulary got another root from one process to the next. Ties go to the
    alphabetically first candidate instead.
    """
    from tashaphyne.stemming import ArabicLightStemmer

    class StableStemmer(ArabicLightStemmer):
        @staticmethod
        def most_common(candidates):
            triliteral = [c for c in candidates if len(c) == 3] or candidates
            return max(sorted(set(triliteral)), key=triliteral.count)

    return StableStemmer()


def store_table(generation: Path, enabled: bool, fieldname: str = "text") -> None:
    """Write the root table of ``generation``'s vocabulary (before it is published), or,
    when roots are off, remove a table copied from the previous generation.

    Roots already in a copied table are reused: an update only computes new words. The
    file is replaced, never rewritten in place (a copied file is a hard link shared with
    the published generation).
    """
    path = Path(generation) / TABLE_FILE
    if not enabled:
        path.unlink(missing_ok=True)
        return
    known = read_table(generation) if path.exists() else {}
    whoosh_index = storage.open_whoosh(generation)
    with whoosh_index.reader() as reader:
        forms = [_text(term) for term in reader.lexicon(fieldname)]
    temporary = path.with_suffix(".tmp")
    with open(temporary, "w", encoding="utf-8", newline="\n") as out:
        for form in forms:
            if "\t" not in form and "\n" not in form:
                out.write(f"{form}\t{known.get(form) or root_of(form)}\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def read_table(generation: Path) -> dict[str, str]:
    """form -> root, as ``store_table`` wrote it."""
    table = {}
    with open(Path(generation) / TABLE_FILE, encoding="utf-8") as lines:
        for line in lines:
            form, _, root = line.rstrip("\n").partition("\t")
            table[form] = root
    return table


class RootTable:
    """One generation's root table, read once and shared by threads (never changed)."""

    def __init__(self, roots: dict[str, str]):
        self._root = roots
        grouped: dict[str, list[str]] = {}
        for form, root in roots.items():
            grouped.setdefault(root, []).append(form)
        self._forms = {root: tuple(forms) for root, forms in grouped.items()}

    @classmethod
    def load(cls, generation: Path) -> "RootTable":
        return cls(read_table(generation))

    def root(self, word: str) -> str:
        known = self._root.get(word)
        return known if known is not None else root_of(word)

    def forms(self, root: str) -> tuple[str, ...]:
        """The vocabulary's forms that have ``root``."""
        return self._forms.get(root, ())


class RootGroups:
    """Root groups over one generation's vocabulary: a question word's root, its forms, its IDF."""

    def __init__(self, table: RootTable, reader, fieldname: str = "text"):
        self.table = table
        self.reader = reader
        self.fieldname = fieldname
        self._idf: dict[str, float] = {}

    def group(self, word: str) -> tuple[str, tuple[str, ...], float]:
        """(the root of normalised ``word``, the forms sharing it, the root's IDF)."""
        root = self.table.root(word)
        forms = self.table.forms(root)
        if not forms:
            return root, (), 0.0
        shared = self._idf.get(root)
        if shared is None:
            shared = self._idf[root] = idf(
                group_doc_frequency(self.reader, self.fieldname, forms),
                self.reader.doc_count_all())
        return root, forms, shared


#: Words of the vocabulary looked at by ``scan_root``, at most (a bound on its work).
MAX_ROOT_SCAN = 300_000
#: Letters that may stand between two letters of a root in one of its words (اصطبر,
#: مستصبرون).
ROOT_GAP = 3


def scan_root(word: str, vocabulary, fieldname: str = "text") -> tuple[str, tuple[str, ...]]:
    """(the root of ``word``, the vocabulary's words with that root), without a root
    table: the words holding the root's letters in order are candidates, and each is kept
    when Tashaphyne gives it the same root (about 160 µs a candidate)."""
    root = root_of(word)
    if not root:
        return root, ()
    pattern = re.compile(f".{{0,{ROOT_GAP}}}".join(re.escape(letter) for letter in root))
    found = []
    for number, term in enumerate(vocabulary.expand_prefix(fieldname, "")):
        if number >= MAX_ROOT_SCAN:
            break
        if pattern.search(term) and root_of(term) == root:
            found.append(term)
    return root, tuple(found)


def _text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term
