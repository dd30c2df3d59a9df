"""Commentary beside the text: a second text for each passage that questions also search.

A reader asks in today's Arabic (ما جزاء الصابرين؟) and the verse that answers speaks
the Arabic of its time; no stemmer, root or related word joins the two (docs/relevance.md:
each moved Qur'an QA by less than its noise). A commentary does: tafsir explains each
verse, a sharh each hadith, in the words a reader asks with. Given one, the index keeps
it as an index of its own inside each generation (``FOLDER``), one commentary passage
for each passage that has commentary, named by that passage's hit id. A question
(``rerank.is_question``) is also asked of the commentary, and each passage's score
gains ``Ranking.commentary_weight`` times its commentary's (``fused``): a passage found
through its commentary alone joins the last step. A hit found that way shows the
commentary with the question's words marked (``Hit.commentary``): why it answers.

Where it comes from (``writer``): an index of a corpus folder takes a folder of
commentary files with the same relative paths, aligned line by line (line n of the
commentary explains line n of the text: the way verse-by-verse tafsir, a translation or
a sharh is usually kept); a passage's commentary is the lines beside the lines it spans.
``Index.build_from_passages`` takes (hit id, text) pairs instead. The commentary index
is rebuilt whenever a generation is published, so it always matches its passages.
Keyword queries never read it: they find words as written.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from .corpus import CorpusFile, read_corpus_file
from .errors import SearchError
from .passages import Passage, UndecodableFileError, decode_text

#: The commentary's index, inside a generation's folder.
FOLDER = "commentary"
#: Commentary passages read per question (their passages' scores gain theirs).
DEPTH = 200


def notes_from_folder(passages: Iterable[tuple[str, str, int, int]], corpus_dir,
                      notes_dir) -> Iterator[tuple[str, str]]:
    """(hit id, commentary) for each passage that has some: ``passages`` are (hit id,
    source, start, end) in source order, ``start``/``end`` the passage's span in its
    decoded file; ``notes_dir/source`` holds the file's commentary, line by line."""
    corpus_dir, notes_dir = Path(corpus_dir), Path(notes_dir)
    source, breaks, lines = None, None, None
    for hit_id, of_source, start, end in passages:
        if of_source != source:
            source = of_source
            breaks, lines = _line_breaks(corpus_dir, source), _lines(notes_dir, source)
        if breaks is None or not lines:
            continue
        first = int(np.searchsorted(breaks, start, side="right"))
        last = int(np.searchsorted(breaks, max(start, end - 1), side="right"))
        text = " ".join(line.strip() for line in lines[first:last + 1] if line.strip())
        if text:
            yield hit_id, text


def _decoded(folder: Path, source: str) -> str | None:
    """The decoded text of ``folder/source`` as the index reads files, None if it is not
    there or cannot be read (its passages then have no commentary)."""
    path = folder / source
    try:
        info = os.stat(path)
        data = read_corpus_file(CorpusFile(source, path, (info.st_dev, info.st_ino)), folder)
        return decode_text(data).text
    except (OSError, UndecodableFileError):
        return None


def _line_breaks(corpus_dir: Path, source: str) -> np.ndarray | None:
    """Offsets of the line breaks of a corpus file, as decoded for its passages."""
    text = _decoded(corpus_dir, source)
    if text is None:
        return None
    return np.array([i for i, char in enumerate(text) if char == "\n"], dtype=np.int64)


def _lines(notes_dir: Path, source: str) -> list[str]:
    text = _decoded(notes_dir, source)
    return text.split("\n") if text else []


def build(generation: Path, notes: Iterable[tuple[str, str]], roots: bool) -> int:
    """Index ``notes`` ((hit id, text) pairs) into the generation's ``FOLDER``, with a
    root table when the text's index has one; the number of passages with commentary."""
    from . import writer

    count = 0

    def passages():
        nonlocal count
        for hit_id, text in notes:
            if text.strip():
                count += 1
                yield Passage(source=hit_id, number=1, text=text, start=0, end=len(text),
                              title=None)

    folder = Path(generation) / FOLDER
    writer.build_from_passages(passages(), folder, roots=roots)
    if not count:  # nothing to search: no commentary at all
        shutil.rmtree(folder)
    return count


def check_folder(notes_dir) -> Path:
    """The commentary folder, resolved; SearchError if it is not a folder."""
    path = Path(notes_dir)
    if not path.is_dir():
        raise SearchError("commentary_not_found", path=path)
    return path.resolve()


class Commentary:
    """The commentary of one generation: a question's scores and a hit's commentary."""

    def __init__(self, index):
        self.index = index  # search.index.Index over the commentary

    @classmethod
    def open(cls, generation: Path) -> "Commentary | None":
        from .index import Index

        folder = Path(generation) / FOLDER
        if not (folder / "current").exists():
            return None
        return cls(Index.open(folder))

    def scores(self, question: str) -> dict[str, float]:
        """Hit id of the text -> the score of its commentary, for the ``DEPTH`` best of
        the question reading alone (``match="any"``: the phrase and all-words steps would
        order the same passages by step, and cross-validation scores the same)."""
        try:
            return dict(self.index.ranked_sources(question, limit=DEPTH, match="any"))
        except SearchError:
            return {}

    def highlight(self, question: str) -> frozenset[str]:
        """The commentary's forms of the question's words, to mark: its content words
        only (common ones, من، الذي, would mark half the text)."""
        try:
            searched = self.index.plan(question, match="any").searched
        except SearchError:
            return frozenset()
        return frozenset().union(*(word.forms for word in searched if word.kind != "common"))

    def snippet(self, hit_id: str, highlight: frozenset[str]) -> str | None:
        """The commentary of the passage ``hit_id`` around the words ``highlight``
        (``highlight``), marked and HTML-safe; None when it has none of them."""
        from .snippets import snippet

        text = self.index.passage_text(hit_id)
        if text is None:
            return None
        marked = snippet(text, highlight, self.index.analyzer)
        return marked if "<mark>" in marked else None

    def close(self) -> None:
        self.index.close()


def fused(engine, found, scores: dict[str, float], weight: float):
    """``found`` (``relax.Matches``) with each passage's score raised by ``weight`` times
    its commentary's (``scores``: hit id -> score)."""
    docnums, values = [], []
    for hit_id, score in scores.items():
        source, _, number = hit_id.rpartition("#")
        known = engine.columns.source_number.get(source)
        if known is None or not number.isdigit():
            continue
        # a file's passages are written together and in order: the n-th live one is #n
        numbers = engine.columns.documents_of(known)
        if 0 < int(number) <= len(numbers):
            docnums.append(int(numbers[int(number) - 1]))
            values.append(score)
    if not docnums:
        return found
    return found.fused(np.array(docnums, dtype=np.int64), np.array(values) * weight, DEPTH)
