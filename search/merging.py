"""Merging the posting arrays of a generation's segments, when it is published.

A query reads every term from every set of posting arrays (``search.postings``): a
binary search and a slice per set. An index written by sixteen processes has sixteen
segments, and answered a two-word query three times slower than the same passages in
one. So ``merge_generation`` rewrites runs of consecutive segments as one set:

- the segments a write added are merged together (a parallel build becomes one set);
- then, from the end, a set is merged with the one before it while that one holds at
  most ``FACTOR`` times its documents. Sets so shrink geometrically from the oldest:
  an update merges its few documents into the small recent sets and leaves the large
  old one alone, until the recent ones grow to a ``FACTOR``-th of it;
- a set that covers a segment Whoosh has merged away, or whose segments Whoosh has
  reordered (its merge policy sorts them by size), is rewritten with everything after
  it, taking each surviving segment's postings out of the old set.

The surface arrays (``postings.SURFACE_PARTS``) of the same segments are merged into
the set of the same name, the same way. Document numbers in a set count from its first document, in Whoosh's order; terms keep
Whoosh's byte order; each term's postings stay sorted by document. Deleted documents
stay (the engine masks them, and Whoosh counts them in document frequencies too).
Published files never change: a merge writes new files under a new name, and the next
generation's copy of the folder (hard links) drops the names it no longer needs.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .postings import (
    MANIFEST, SUFFIX, SURFACE_SUFFIX, SegmentPostings, _path, read_manifest, sidecar_names,
)

#: A set is merged with the newer one after it while it holds at most this many times
#: that one's documents.
FACTOR = 4
#: Postings (or positions) copied per numpy step, to bound temporary memory.
CHUNK = 1 << 22


@dataclass
class _Unit:
    """Consecutive segments read as one set of arrays: an existing set (``name``), or
    one to write (``name`` None), or a segment with arrays of its own."""

    segments: list[tuple[str, int]]
    name: str | None = None
    own: bool = False

    @property
    def documents(self) -> int:
        return sum(count for _, count in self.segments)


def merge_generation(folder, segments) -> None:
    """Merge the posting arrays of ``segments`` (Whoosh's, in index order) in a
    generation being written, write its manifest, and delete the arrays nothing reads."""
    folder = Path(folder)
    current = [(segment.segment_id(), segment.doc_count_all()) for segment in segments]
    sets = read_manifest(folder)
    units = _plan(current, sets, _known_segments(folder))
    source_of = {}  # segment id -> (arrays it is read from, first document there)
    for name, members in sets:
        first = 0
        for segment_id, count in members:
            source_of[segment_id] = (name, first)
            first += count
    opened = {}

    def arrays(name):
        if name not in opened:
            opened[name] = SegmentPostings(folder, name)
        return opened[name]

    for unit in units:
        if unit.name is None and not unit.own:
            unit.name = f"merged-{uuid.uuid4().hex[:16]}"
            pieces = []
            for segment_id, count in unit.segments:
                name, first = source_of.get(segment_id, (segment_id, 0))
                pieces.append((arrays(name), first, first + count))
            merge_sets(folder, unit.name, pieces)
    _write_manifest(folder, current, units)
    keep = {unit.name if unit.name else unit.segments[0][0] for unit in units}
    for name, paths in sidecar_names(folder).items():
        if name not in keep:
            for path in paths:
                path.unlink()


def _known_segments(folder: Path) -> set[str]:
    """The segments of the generation this one was copied from (none for a new index)."""
    try:
        return set(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["segments"])
    except FileNotFoundError:
        return set()


def _plan(current, sets, known) -> list[_Unit]:
    """The sets of arrays the generation will have, in document order."""
    where = {segment_id: number for number, (segment_id, _) in enumerate(current)}
    kept, covered = {}, set()
    for name, members in sets:
        covered.update(segment_id for segment_id, _ in members)
        start = where.get(members[0][0])
        if start is not None and current[start:start + len(members)] == members:
            kept[start] = (name, members)
    units: list[_Unit] = []
    number = 0
    while number < len(current):
        if number in kept:
            name, members = kept[number]
            units.append(_Unit(list(members), name))
            number += len(members)
        else:
            segment = current[number]
            units.append(_Unit([segment], own=segment[0] not in covered))
            number += 1
    # A segment whose old set is gone has no arrays of its own: rewrite from there on.
    orphan = next((n for n, unit in enumerate(units) if unit.name is None and not unit.own),
                  None)
    if orphan is not None:
        units[orphan:] = [_join(units[orphan:])]
    # What one write added (several segments from several processes) becomes one set.
    added = [n for n, unit in enumerate(units)
             if unit.own and unit.segments[0][0] not in known]
    if len(added) > 1 and added == list(range(added[0], added[-1] + 1)):
        units[added[0]:] = [_join(units[added[0]:])]
    while len(units) > 1 and units[-2].documents <= FACTOR * units[-1].documents:
        units[-2:] = [_join(units[-2:])]
    return units


def _join(units: list[_Unit]) -> _Unit:
    if len(units) == 1:
        return units[0]
    return _Unit([segment for unit in units for segment in unit.segments])


def _write_manifest(folder: Path, current, units) -> None:
    manifest = {"segments": [segment_id for segment_id, _ in current],
                "sets": [{"name": unit.name, "segments": unit.segments}
                         for unit in units if unit.name]}
    # A new file, renamed over the old name: the old one is a hard link shared with the
    # published generation this one was copied from.
    temporary = folder / (MANIFEST + ".tmp")
    temporary.write_text(json.dumps(manifest), encoding="utf-8")
    os.replace(temporary, folder / MANIFEST)


@dataclass
class _Piece:
    """The postings of one range of documents of a set of arrays, terms in order."""

    terms: list[bytes]
    counts: np.ndarray  # postings of each term
    position_counts: np.ndarray
    docs: np.ndarray  # renumbered from the range's start
    weights: np.ndarray
    positions: np.ndarray


def _take(arrays: SegmentPostings, first: int, end: int, size: int) -> _Piece:
    """The postings of documents ``first`` to ``end`` (excluded) of ``arrays``, which
    describe ``size`` documents."""
    term_ends = np.frombuffer(arrays._term_ends, dtype=np.int64)
    counts = np.diff(np.frombuffer(arrays._posting_ends, dtype=np.int64), prepend=0)
    position_counts = np.diff(np.frombuffer(arrays._position_ends, dtype=np.int64), prepend=0)
    docs, weights, positions = arrays.docs, arrays.weights, arrays.positions
    if first or end != size:
        inside = (docs >= first) & (docs < end)
        term_of = np.repeat(np.arange(arrays.count), counts)[inside]
        counts = np.bincount(term_of, minlength=arrays.count)
        if len(positions):
            position_counts = np.bincount(term_of, weights=weights[inside],
                                          minlength=arrays.count).astype(np.int64)
            positions = positions[np.repeat(inside, weights.astype(np.int64))]
        else:  # a field recorded without positions
            position_counts = np.zeros(arrays.count, dtype=np.int64)
        docs, weights = docs[inside] - np.uint32(first), weights[inside]
    present = np.flatnonzero(counts)
    starts = np.concatenate(([0], term_ends[:-1]))
    blob = arrays._terms
    terms = [blob[start:end] for start, end in
             zip(starts[present].tolist(), term_ends[present].tolist())]
    return _Piece(terms, counts[present], position_counts[present], docs, weights, positions)


def merge_sets(folder, name: str, pieces) -> None:
    """Write the set of arrays ``name``: the documents of ``pieces`` ((arrays, first,
    end) each), numbered one range after another; their surface arrays too."""
    _merge_postings(folder, name, [(_take(arrays, first, end, len(arrays.lengths)),
                                    first, end) for arrays, first, end in pieces], SUFFIX)
    try:
        surfaces = [(_take(SegmentPostings(folder, arrays.name, SURFACE_SUFFIX), first, end,
                           len(arrays.lengths)), first, end) for arrays, first, end in pieces]
    except FileNotFoundError:
        surfaces = None  # a generation written before surface forms were recorded
    if surfaces is not None:
        _merge_postings(folder, name, surfaces, SURFACE_SUFFIX)
    np.concatenate([np.asarray(arrays.lengths[first:end]) for arrays, first, end in pieces]
                   + [np.zeros(0, np.float32)]).astype(np.float32).tofile(
        _path(folder, name, "lengths"))
    source_names = sorted(set().union(*(arrays.source_names for arrays, _, _ in pieces)))
    number = {source: n for n, source in enumerate(source_names)}
    sources = []
    for arrays, first, end in pieces:
        # -1 (a document without a source) stays -1: the table's last entry.
        table = np.array([number[source] for source in arrays.source_names] + [-1], np.int32)
        local = np.asarray(arrays.sources[first:end])
        sources.append(table[np.where(local < 0, len(table) - 1, local)])
    np.concatenate(sources + [np.zeros(0, np.int32)]).astype(np.int32).tofile(
        _path(folder, name, "sources"))
    _path(folder, name, "source_names").write_text(
        json.dumps(source_names, ensure_ascii=False), encoding="utf-8")


def _merge_postings(folder, name: str, pieces, suffix: str) -> None:
    """Write one field's posting arrays of set ``name`` from ``pieces`` ((taken postings,
    first, end) each), numbered one range after another."""
    taken = [piece for piece, _, _ in pieces]
    vocabulary = sorted(set().union(*(piece.terms for piece in taken)))
    number_of = {term: number for number, term in enumerate(vocabulary)}
    numbers = [np.fromiter((number_of[term] for term in piece.terms), dtype=np.int64,
                           count=len(piece.terms)) for piece in taken]
    counts = np.zeros(len(vocabulary), dtype=np.int64)
    position_counts = np.zeros(len(vocabulary), dtype=np.int64)
    for piece, found in zip(taken, numbers):
        counts[found] += piece.counts
        position_counts[found] += piece.position_counts
    posting_ends, position_ends = np.cumsum(counts), np.cumsum(position_counts)
    docs = _output(folder, name, "docs", np.uint32, int(counts.sum()), suffix)
    weights = _output(folder, name, "weights", np.float32, int(counts.sum()), suffix)
    positions = _output(folder, name, "positions", np.uint32, int(position_counts.sum()),
                        suffix)
    # Each piece's postings of a term go after those of the pieces before it.
    filled = posting_ends - counts
    filled_positions = position_ends - position_counts
    base = 0
    for piece, found, (_, first, end) in zip(taken, numbers, pieces):
        _copy_runs(docs, piece.docs, filled[found], piece.counts, np.uint32(base))
        _copy_runs(weights, piece.weights, filled[found], piece.counts)
        _copy_runs(positions, piece.positions, filled_positions[found], piece.position_counts)
        filled[found] += piece.counts
        filled_positions[found] += piece.position_counts
        base += end - first
    for array in (docs, weights, positions):
        if isinstance(array, np.memmap):
            array.flush()
    term_ends = np.cumsum([len(term) for term in vocabulary], dtype=np.int64)
    _path(folder, name, "terms", suffix).write_bytes(b"".join(vocabulary))
    np.stack([term_ends, posting_ends, position_ends], axis=1).astype(np.int64).tofile(
        _path(folder, name, "index", suffix))


def _output(folder, name: str, part: str, dtype, size: int, suffix: str) -> np.ndarray:
    """A new file of ``size`` items, mapped for writing."""
    path = _path(folder, name, part, suffix)
    if not size:
        path.write_bytes(b"")
        return np.zeros(0, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="w+", shape=(size,))


def _copy_runs(out: np.ndarray, source: np.ndarray, targets: np.ndarray,
               lengths: np.ndarray, add=None) -> None:
    """Copy the back-to-back runs of ``source`` (``lengths`` items each) to ``out`` at
    ``targets``, adding ``add``; ``CHUNK`` items at a time."""
    ends = np.cumsum(lengths)
    run = 0
    while run < len(lengths):
        begin = int(ends[run - 1]) if run else 0
        stop = max(run + 1, int(np.searchsorted(ends, begin + CHUNK, side="right")))
        end = int(ends[stop - 1])
        where = np.repeat(targets[run:stop] - (np.concatenate(([begin], ends[run:stop - 1]))),
                          lengths[run:stop]) + np.arange(begin, end)
        values = np.asarray(source[begin:end])
        out[where] = values + add if add is not None else values
        run = stop
