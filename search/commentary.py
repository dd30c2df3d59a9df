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

import hashlib
import os
import re
import shutil
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from . import storage
from .corpus import CorpusFile, read_corpus_file
from .errors import SearchError
from .passages import Passage, UndecodableFileError, decode_text

#: The commentary's index, inside a generation's folder.
FOLDER = "commentary"
_LINE_BREAK = re.compile("\n")
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
    return np.array([match.start() for match in _LINE_BREAK.finditer(text)], dtype=np.int64)


def _lines(notes_dir: Path, source: str) -> list[str]:
    text = _decoded(notes_dir, source)
    return text.split("\n") if text else []


def publish(generation: Path, given, corpus_dir, files: dict, roots: bool, procs: int = 1,
            previous: Path | None = None) -> dict:
    """Index the commentary of a generation about to be published (``writer``): ``given``
    is a commentary folder (``check_folder``), (hit id, text) pairs, or None. Returns
    what the generation's meta records of it.

    A folder's commentary is carried over from the ``previous`` generation and only the
    files whose text or commentary changed (by content hash: ``commentary_files``) are
    indexed again, so an update costs what changed, as it does for the text."""
    if given is None:
        return {"commentary": None}
    if not isinstance(given, Path):
        build(generation, given, roots, procs)
        return {"commentary": None}
    digests = _digests(given, files)
    before = storage.read_meta(previous) if previous is not None else {}
    carried = previous is not None and before.get("commentary") == str(given) \
        and (previous / FOLDER).is_dir()
    if not carried:
        build(generation, notes_from_folder(_passage_spans(generation), corpus_dir, given),
              roots, procs)
        return {"commentary": str(given), "commentary_files": digests}
    old_files, old_digests = before.get("files", {}), before.get("commentary_files", {})
    stale = {source for source in files
             if files[source] != old_files.get(source) or digests.get(source) != old_digests.get(source)}
    stale |= set(old_files) - set(files)
    folder = _carry(previous / FOLDER, Path(generation) / FOLDER)
    if stale:
        indexed = storage.read_meta(storage.current_generation(folder))["files"]
        removed = [hit_id for hit_id in indexed if hit_id.rpartition("#")[0] in stale]
        notes = notes_from_folder(_passage_spans(generation, stale & set(files)), corpus_dir,
                                  given)
        _write(generation, notes, roots, procs, removed)
    return {"commentary": str(given), "commentary_files": digests}


def _carry(before: Path, after: Path) -> Path:
    """The previous generation's commentary index, hard-linked into the new one: its
    files are never written again once published (an update writes a generation of its
    own beside them), so sharing them costs neither time nor space. Its build lock and
    any unfinished generation stay behind."""
    shutil.copytree(before, after, symlinks=True, copy_function=os.link,
                    ignore=shutil.ignore_patterns(storage.LOCK_FILE, "tmp-*", "*WRITELOCK"))
    return after


def _digests(notes_dir: Path, files: dict) -> dict[str, str]:
    """Content hash of each commentary file beside a corpus file."""
    found = {}
    for source in files:
        path = notes_dir / source
        if path.is_file():
            found[source] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _passage_spans(generation: Path, sources=None):
    """(hit id, source, start, end) of the generation's passages (of ``sources`` only,
    if given), by source and passage number: what aligns commentary files with them."""
    with storage.open_whoosh(generation).searcher() as searcher:
        if sources is None:
            docnums = list(searcher.reader().all_doc_ids())
        else:
            docnums = [docnum for source in sources
                       for docnum in searcher.document_numbers(source=source)]
        rows = sorted((fields["source"], fields["passage"], fields["id"], fields["span"])
                      for fields in map(searcher.stored_fields, docnums))
    for source, _number, hit_id, (start, end) in rows:
        yield hit_id, source, start, end


def build(generation: Path, notes: Iterable[tuple[str, str]], roots: bool,
          procs: int = 1) -> int:
    """Index ``notes`` ((hit id, text) pairs) into the generation's ``FOLDER``, with a
    root table when the text's index has one; the number of passages with commentary."""
    return _write(generation, notes, roots, procs)


def _write(generation: Path, notes, roots: bool, procs: int, removed=None) -> int:
    """Build the commentary index, or update the one carried over (``removed``: hit ids
    whose commentary goes); no commentary index is left without a passage. Questions
    alone read it, never with exact options: its words as written are not filed."""
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
    if removed is None:
        writer.build_from_passages(passages(), folder, roots=roots, procs=procs, surface=False)
        left = count
    else:
        writer.update_from_passages(folder, removed, passages(), roots=roots, procs=procs,
                                    surface=False)
        left = len(storage.read_meta(storage.current_generation(folder))["files"])
    if not left:  # nothing to search: no commentary at all
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
