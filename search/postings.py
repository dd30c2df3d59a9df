"""Posting lists and per-document columns as flat arrays beside each Whoosh segment,
for numpy to memory-map.

Whoosh keeps a posting list as pickled, compressed blocks of 128 postings, so reading
one builds a Python object per posting (about 0.8 µs each): at a million passages
that costs more than everything else a query does. While Whoosh writes a segment,
``RecordingCodec`` copies the text field's postings, and what the engine needs of each
document, into flat files named after the segment (``MAIN_<id>-postings.<part>``):

- ``terms``: the terms in UTF-8, in Whoosh's order (by bytes), back to back;
- ``index``: int64 triples per term: where the term, its postings and its positions end;
- ``docs``: uint32 segment-local document numbers; ``weights``: float32 frequencies;
- ``positions``: uint32 word positions, ``weight`` of them per posting, in posting order;
- ``lengths``: float32 text length of each document (as Whoosh stores it, for BM25);
- ``sources``: int32 number of each document's source file in ``source_names`` (JSON).

Reading a posting list is then two slices of memory-mapped arrays, and a phrase reads
the positions of its candidate documents only.

The ``surface`` field (``search.surface``: each word as written, marks and hamza seats
kept, filed under its text term) is recorded the same way, without positions or
per-document columns, in ``MAIN_<id>-surface.<part>`` (``SURFACE_PARTS``). Segments never change once written, so
neither do their arrays.

A generation's segments are read as few *sets* of arrays: when it is published,
``search.merging`` merges runs of consecutive segments into one set of the same files
(``merged-<id>-postings.<part>``, document numbers counted from the run's first
document), so that a query costs the same however many processes wrote the index.
``postings.json`` (``MANIFEST``) lists each merged set and the segments it covers, in
order; a segment in no set is read from its own arrays. ``open_generation`` pairs each
set with its first document's number in Whoosh's numbering.
"""

from __future__ import annotations

import heapq
import json
import mmap
import os
import re
from array import array
from collections import defaultdict
from pathlib import Path

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter
from whoosh.formats import Positions, tokens

FIELD = "text"
SOURCE_FIELD = "source"
SURFACE_FIELD = "surface"
SUFFIX = "-postings"
SURFACE_SUFFIX = "-surface"
PARTS = ("terms", "index", "docs", "weights", "positions", "lengths", "sources",
         "source_names")
SURFACE_PARTS = ("terms", "index", "docs", "weights", "positions")
#: The fields recorded as flat arrays, by the suffix of their files.
RECORDED = {FIELD: SUFFIX, SURFACE_FIELD: SURFACE_SUFFIX}
_STREAMED = ("docs", "weights", "positions")
_ONE_POSITION = b"\x00\x00\x00\x01"  # Whoosh's Positions value: count, then a pickle
_PICKLED_BYTE = 75  # pickle's BININT1 opcode: a position below 256
#: Postings buffered in memory before they are appended to the files.
FLUSH_EVERY = 1 << 20
MANIFEST = "postings.json"
_SIDECAR = re.compile(r"^(.+)(?:" + "|".join(RECORDED.values()) + r")\.("
                      + "|".join(PARTS) + r")$")


class TextPositions(Positions):
    """Whoosh's ``Positions`` format, making the same bytes with less work.

    Most postings hold one position below 256, whose encoding (a count, then a pickled
    one-item list) is the same but for one byte: those come from a table instead of
    ``pickle``. Every token weighs 1, so a word's weight is its count.
    """

    def word_values(self, value, analyzer, **kwargs):
        kwargs["positions"] = True
        found = defaultdict(list)
        for token in tokens(value, analyzer, kwargs):
            found[token.text].append(token.pos)
        boost = self.field_boost
        encode = self.encode
        for word, positions in found.items():
            yield word, len(positions), len(positions) * boost, encode(positions)

    def encode(self, poslist):
        if len(poslist) == 1 and 0 <= poslist[0] < 256:
            return _ONE_POSITION_VALUES[poslist[0]]
        return super().encode(poslist)


_ONE_POSITION_VALUES = tuple(Positions.encode(None, [position]) for position in range(256))


def _path(folder, segment_id: str, part: str, suffix: str = SUFFIX) -> Path:
    return Path(folder) / f"{segment_id}{suffix}.{part}"


class RecordingCodec(W3Codec):
    """Whoosh's codec, plus the flat posting arrays of the ``RECORDED`` fields for every
    segment."""

    def field_writer(self, storage, segment):
        return _RecordingFieldWriter(self, storage, segment)


class _Recorder:
    """The flat arrays of one field of one segment, appended as Whoosh writes them."""

    def __init__(self, folder, segment_id: str, suffix: str):
        self.folder, self.segment_id, self.suffix = folder, segment_id, suffix
        self.files = None
        self.terms = bytearray()
        self.index = array("q")
        self.docs = array("I")
        self.weights = array("f")
        self.positions = array("I")
        self.written = 0  # postings already flushed to the files
        self.positions_written = 0
        self.decode = None  # the field's position decoder; None: no positions

    def add(self, docnum, weight, vbytes):
        self.docs.append(docnum)
        self.weights.append(weight)
        if self.decode is None:
            return
        if vbytes[9] == _PICKLED_BYTE and vbytes[:4] == _ONE_POSITION:
            self.positions.append(vbytes[10])  # the common case, without unpickling
        else:
            found = self.decode(vbytes)
            if len(found) != weight:
                raise ValueError(f"{len(found)} positions for a weight of {weight}")
            self.positions.extend(found)

    def finish_term(self, btext):
        self.terms += btext
        self.index.append(len(self.terms))
        self.index.append(self.written + len(self.docs))
        self.index.append(self.positions_written + len(self.positions))
        if len(self.docs) >= FLUSH_EVERY:
            self.flush()

    def flush(self):
        if self.files is None:
            self.files = {part: open(_path(self.folder, self.segment_id, part, self.suffix),
                                     "wb") for part in _STREAMED}
        self.docs.tofile(self.files["docs"])
        self.weights.tofile(self.files["weights"])
        self.positions.tofile(self.files["positions"])
        self.written += len(self.docs)
        self.positions_written += len(self.positions)
        self.docs = array("I")
        self.weights = array("f")
        self.positions = array("I")

    def close(self):
        self.flush()
        for handle in self.files.values():
            handle.close()
        _path(self.folder, self.segment_id, "terms", self.suffix).write_bytes(bytes(self.terms))
        with open(_path(self.folder, self.segment_id, "index", self.suffix), "wb") as out:
            self.index.tofile(out)


class _RecordingFieldWriter(W3FieldWriter):
    """Writes postings as Whoosh does and appends the ``RECORDED`` fields' to flat files."""

    def __init__(self, codec, storage, segment):
        super().__init__(codec, storage, segment)
        self._folder = storage.folder
        self._segment_id = segment.segment_id()
        self._recorders = {field: _Recorder(self._folder, self._segment_id, suffix)
                           for field, suffix in RECORDED.items()}
        self._recording = None
        self._in_source = False
        self._text_lengths: list[int] = []
        self._source_names: list[str] = []
        self._source_of = array("i")

    def add_postings(self, schema, lengths, items):
        """Whoosh's loop over sorted postings, with each field's document lengths read
        once per document instead of once per posting (a column lookup each: a tenth
        of the build time)."""
        field = term = None
        field_lengths = ()
        scorable = False
        self._text_lengths = _document_lengths(lengths, FIELD)
        self._source_of = array("i", [-1]) * len(self._text_lengths)
        add = self.add
        for fieldname, btext, docnum, weight, value in items:
            if fieldname != field:
                if term is not None:
                    self.finish_term()
                if field is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                field, term = fieldname, None
                scorable = schema[fieldname].scorable
                field_lengths = self._text_lengths if fieldname == FIELD else \
                    _document_lengths(lengths, fieldname) if scorable else ()
            if docnum == -1:  # Whoosh's marker for spelling words, which have no postings
                continue
            if btext != term:
                if term is not None:
                    self.finish_term()
                self.start_term(btext)
                term = btext
            # A field without lengths (source, surface) has none to look up per posting.
            length = field_lengths[docnum] if docnum < len(field_lengths) else \
                (lengths.doc_field_length(docnum, fieldname) or 0 if lengths and scorable else 0)
            add(docnum, weight, value if value is not None else b"", length)
        if term is not None:
            self.finish_term()
        if field is not None:
            self.finish_field()

    def start_field(self, fieldname, fieldobj):
        super().start_field(fieldname, fieldobj)
        self._recording = self._recorders.get(fieldname)
        self._in_source = fieldname == SOURCE_FIELD
        if self._recording is not None and fieldobj.format.supports("positions"):
            self._recording.decode = fieldobj.format.decode_positions

    def add(self, docnum, weight, vbytes, length):
        self._postwriter.add_posting(docnum, weight, vbytes, length)
        if self._recording is not None:
            self._recording.add(docnum, weight, vbytes)
        elif self._in_source:
            self._source_of[docnum] = len(self._source_names) - 1

    def start_term(self, btext):
        super().start_term(btext)
        if self._in_source:
            self._source_names.append(btext.decode("utf-8"))

    def finish_term(self):
        super().finish_term()
        if self._recording is not None:
            self._recording.finish_term(self._btext)

    def close(self):
        super().close()
        for recorder in self._recorders.values():
            recorder.close()
        with open(_path(self._folder, self._segment_id, "lengths"), "wb") as out:
            array("f", self._text_lengths).tofile(out)
        with open(_path(self._folder, self._segment_id, "sources"), "wb") as out:
            self._source_of.tofile(out)
        _path(self._folder, self._segment_id, "source_names").write_text(
            json.dumps(self._source_names, ensure_ascii=False), encoding="utf-8")


def _document_lengths(lengths, fieldname) -> list[int]:
    """Every document's length in ``fieldname`` (0 for none), or () when ``lengths``
    cannot count its documents (the caller then asks per posting)."""
    count = getattr(lengths, "doc_count_all", None)
    if count is None:
        return ()
    return [lengths.doc_field_length(docnum, fieldname) or 0 for docnum in range(count())]


def _map(path: Path, dtype) -> np.ndarray:
    """A read-only memory map of a file of ``dtype`` (an empty array for an empty file)."""
    if path.stat().st_size == 0:
        return np.zeros(0, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r")


def _span(ends, number: int) -> tuple[int, int]:
    """(start, end) of item ``number`` in a run of items stored by their ends."""
    return (ends[number - 1] if number else 0), ends[number]


class SegmentPostings:
    """The flat posting arrays of one segment or merged set (``name``), memory-mapped
    (shared by threads)."""

    def __init__(self, folder, segment_id: str, suffix: str = SUFFIX):
        self.name = segment_id
        self.suffix = suffix
        terms_path = _path(folder, segment_id, "terms", suffix)
        with open(terms_path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            self._terms = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        index = _map(_path(folder, segment_id, "index", suffix), np.int64).reshape(-1, 3)
        self.count = len(index)
        # Plain arrays: a binary search reads one number a step, faster from these than
        # from numpy (24 bytes a term).
        self._term_ends, self._posting_ends, self._position_ends = (
            array("q", np.ascontiguousarray(index[:, column]).tobytes()) for column in range(3))
        self.docs = _map(_path(folder, segment_id, "docs", suffix), np.uint32)
        self.weights = _map(_path(folder, segment_id, "weights", suffix), np.float32)
        self.positions = _map(_path(folder, segment_id, "positions", suffix), np.uint32)
        if suffix != SUFFIX:  # the per-document columns are the text field's
            self.lengths = self.sources = None
            self.source_names = []
            return
        self.lengths = _map(_path(folder, segment_id, "lengths"), np.float32)
        self.sources = _map(_path(folder, segment_id, "sources"), np.int32)
        self.source_names = json.loads(
            _path(folder, segment_id, "source_names").read_text(encoding="utf-8"))

    def _term(self, number: int) -> bytes:
        start, end = _span(self._term_ends, number)
        return self._terms[start:end]

    def _lower_bound(self, key: bytes) -> int:
        """The number of the first term not below ``key``."""
        low, high = 0, self.count
        while low < high:
            middle = (low + high) // 2
            if self._term(middle) < key:
                low = middle + 1
            else:
                high = middle
        return low

    def find(self, term: str) -> int:
        """The term's number, or -1."""
        key = term.encode("utf-8")
        number = self._lower_bound(key)
        return number if number < self.count and self._term(number) == key else -1

    def postings(self, number: int) -> tuple[np.ndarray, np.ndarray]:
        """(segment-local document numbers, weights) of term ``number``, as mapped views."""
        start, end = _span(self._posting_ends, number)
        return self.docs[start:end], self.weights[start:end]

    def positions_of(self, number: int, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(document, position) arrays of term ``number`` in the ``wanted`` segment-local
        documents (sorted), one entry per occurrence."""
        docs, weights = self.postings(number)
        found = np.searchsorted(docs, wanted)
        inside = found < len(docs)
        found = found[inside]
        found = found[docs[found] == wanted[inside]]
        if not len(found):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        counts = weights.astype(np.int64)
        ends = np.cumsum(counts)
        base, _end = _span(self._position_ends, number)
        starts = base + ends[found] - counts[found]
        lengths = counts[found]
        # The positions of posting i are positions[starts[i] : starts[i] + lengths[i]].
        steps = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        where = np.repeat(starts, lengths) + steps
        return (np.repeat(docs[found].astype(np.int64), lengths),
                self.positions[where].astype(np.int64))

    def doc_frequency(self, number: int) -> int:
        start, end = _span(self._posting_ends, number)
        return end - start

    def prefix_frequencies(self, prefix: str) -> tuple[int, np.ndarray]:
        """(the number of the first term starting with ``prefix``, the document
        frequencies of all of them): they are consecutive, so two binary searches and
        one array difference, however many there are."""
        key = prefix.encode("utf-8")
        first, end = self._lower_bound(key), self._lower_bound(key + b"\xff")
        if end <= first:
            return first, np.zeros(0, dtype=np.int64)
        ends = np.frombuffer(self._posting_ends, dtype=np.int64)
        before = ends[first - 1] if first else 0
        return first, np.diff(ends[first:end], prepend=before)

    def prefix_range(self, prefix: str) -> range:
        """The numbers of the terms starting with ``prefix`` (consecutive)."""
        key = prefix.encode("utf-8")
        return range(self._lower_bound(key), self._lower_bound(key + b"\xff"))

    def term_text(self, number: int) -> str:
        return self._term(number).decode("utf-8")

    def expand_prefix(self, prefix: str):
        """Terms starting with ``prefix``, in order."""
        key = prefix.encode("utf-8")
        number = self._lower_bound(key)
        while number < self.count:
            term = self._term(number)
            if not term.startswith(key):
                return
            yield term.decode("utf-8")
            number += 1


class Vocabulary:
    """The text field's words across segments, answering what query expansion asks of
    a Whoosh reader (prefix scans, document frequencies) from the posting arrays."""

    def __init__(self, segments: list[SegmentPostings], doc_count: int):
        self.segments = segments
        self._doc_count = doc_count

    def _field(self, fieldname: str) -> None:
        if fieldname != FIELD:
            raise ValueError(f"the posting arrays hold the {FIELD!r} field, not {fieldname!r}")

    def expand_prefix(self, fieldname: str, prefix: str):
        """Words starting with ``prefix``, in order, once each."""
        self._field(fieldname)
        if len(self.segments) == 1:
            yield from self.segments[0].expand_prefix(prefix)
            return
        last = None
        for term in heapq.merge(*(s.expand_prefix(prefix) for s in self.segments),
                                key=lambda term: term.encode("utf-8")):
            if term != last:
                yield term
                last = term

    def commonest(self, prefix: str, count: int) -> list[tuple[int, str]]:
        """(document frequency, word) of the ``count`` words starting with ``prefix``
        found in most passages, most first (ties by word)."""
        found: dict[str, int] = {}
        for segment in self.segments:
            first, frequencies = segment.prefix_frequencies(prefix)
            if not len(frequencies):
                continue
            # A word's passages may be spread over sets: take more from each.
            wanted = count if len(self.segments) == 1 else count * 4
            best = np.argsort(-frequencies, kind="stable")[:wanted]
            for i in best.tolist():
                word = segment.term_text(first + i)
                found[word] = found.get(word, 0) + int(frequencies[i])
        return sorted(((f, w) for w, f in found.items()), key=lambda fw: (-fw[0], fw[1]))[:count]

    def doc_frequency(self, fieldname: str, term: str) -> int:
        """Postings of ``term`` in all segments (deleted documents too, as in Whoosh)."""
        self._field(fieldname)
        total = 0
        for segment in self.segments:
            number = segment.find(term)
            if number >= 0:
                total += segment.doc_frequency(number)
        return total

    def __contains__(self, field_term) -> bool:
        fieldname, term = field_term
        self._field(fieldname)
        return any(segment.find(term) >= 0 for segment in self.segments)

    def doc_count_all(self) -> int:
        return self._doc_count


def read_manifest(folder) -> list[tuple[str, list[tuple[str, int]]]]:
    """The merged sets of a generation: (name, [(segment id, documents), ...]) each, the
    segments in index order ([] when the generation has none)."""
    try:
        text = (Path(folder) / MANIFEST).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [(entry["name"], [(sid, count) for sid, count in entry["segments"]])
            for entry in json.loads(text)["sets"]]


def open_generation(folder, leaves) -> list[tuple[SegmentPostings, int]]:
    """(arrays, first document number) for each set of posting arrays of a generation,
    in document order: merged sets, and segments in none; ``leaves`` as Whoosh's
    ``reader.leaf_readers()`` gives them. FileNotFoundError if arrays are missing."""
    first_of = {members[0][0]: (name, members) for name, members in read_manifest(folder)}
    found = []
    number = 0
    while number < len(leaves):
        leaf, offset = leaves[number]
        segment_id = leaf.segment().segment_id()
        name, members = first_of.get(segment_id, (segment_id, [(segment_id, None)]))
        covered = [(leaf.segment().segment_id(), leaf.segment().doc_count_all())
                   for leaf, _ in leaves[number:number + len(members)]]
        if name != segment_id and covered != members:
            raise ValueError(f"{folder}: merged posting arrays {name} cover other segments "
                             f"than the index has: rebuild the index")
        found.append((SegmentPostings(folder, name), offset))
        number += len(members)
    return found


def sidecar_names(folder) -> dict[str, list[Path]]:
    """The files of posting arrays in a folder, by the name of their set or segment."""
    named = defaultdict(list)
    for path in Path(folder).iterdir():
        found = _SIDECAR.match(path.name)
        if found:
            named[found.group(1)].append(path)
    return named


def open_surfaces(folder, sets: list[tuple[SegmentPostings, int]]) \
        -> list[tuple[SegmentPostings, int]] | None:
    """The surface arrays beside each set of ``open_generation``'s (same names, same
    first documents); None when the generation has none."""
    try:
        return [(SegmentPostings(folder, arrays.name, SURFACE_SUFFIX), offset)
                for arrays, offset in sets]
    except FileNotFoundError:
        return None
