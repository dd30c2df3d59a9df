"""Vectorised query evaluation: whole posting lists as arrays, BM25 in numpy.

Whoosh evaluates AND and OR one document at a time in Python, through trees of
matchers; a common word in a million passages means a million steps. For the query
shapes our builder makes (terms, word groups, OR, AND, AND NOT), this module takes each
posting list from the memory-mapped arrays of ``search.postings``, scores it with the
same BM25F formula and parameters as Whoosh's weighting, and combines lists with array
operations. A word group (``stemgroups.TermGroup``) sums its forms' weighted term
frequencies per document and is scored once, as one term. Facet counts over all
matches are one ``bincount``. Phrases (``Sequence`` of word groups) intersect the
documents first, then read positions for those documents only. Anything else returns
``None`` from ``evaluate`` and the caller lets Whoosh run the query.

The per-generation arrays (field lengths, source of each document, live documents)
are read once; posting lists are cached as int64/float64 arrays (bounded by total
postings).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
from whoosh import query as wq

from . import stemgroups
from .postings import Vocabulary, open_generation
from .stemgroups import TermGroup

#: Postings kept in the cache, in all (about 12 bytes each).
CACHE_POSTINGS = 20_000_000


class Columns:
    """Per-document arrays of one index generation (immutable once made), from the
    segments' arrays: text lengths, source numbers, and which documents are live."""

    def __init__(self, reader, segments):
        count = reader.doc_count_all()
        arrays = [segment for segment, _ in segments]
        self.lengths = np.concatenate([a.lengths for a in arrays] or [np.zeros(0)]).astype(np.float64)
        live = np.ones(count, dtype=bool)
        for leaf, offset in reader.leaf_readers():
            deleted = np.fromiter(leaf.segment().deleted_docs(), dtype=np.int64)
            live[deleted + offset] = False
        self.live = live
        self.source_names = sorted(set().union(*(a.source_names for a in arrays)))
        self.source_number = {name: number for number, name in enumerate(self.source_names)}
        self.source_of = np.concatenate(
            [np.array([self.source_number[name] for name in a.source_names],
                      dtype=np.int32)[a.sources] for a in arrays if len(a.sources)]
            or [np.zeros(0, dtype=np.int32)])
        if not len(self.lengths) == len(self.source_of) == count:
            raise ValueError(f"the posting arrays describe {len(self.lengths)} documents, "
                             f"the index {count}: rebuild the index")


class Engine:
    """Evaluates queries over one generation, and reads its stored fields; shared by
    threads. It owns ``reader``: Whoosh loads a segment's stored-field column into
    memory per reader (seconds and hundreds of MB at a million passages), so one reader
    per generation serves every thread, under a lock."""

    def __init__(self, reader, folder, fieldname="text"):
        self.fieldname = fieldname
        self._reader = reader
        self._stored_lock = threading.Lock()
        self.segments = open_generation(folder, reader.leaf_readers())
        arrays = [segment for segment, _ in self.segments]
        self.vocabulary = Vocabulary(arrays, reader.doc_count_all())
        self.columns = Columns(reader, self.segments)
        self._cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached = 0
        self._lock = threading.Lock()

    def stored_fields(self, docnum: int) -> dict:
        with self._stored_lock:
            return self._reader.stored_fields(docnum)

    def documents_of(self, source: str) -> list[int]:
        """The live document numbers of one source, in index order."""
        number = self.columns.source_number.get(source)
        if number is None:
            return []
        return np.flatnonzero((self.columns.source_of == number) & self.columns.live).tolist()

    # -- postings ------------------------------------------------------------------

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, weights) of a term, sorted by document number."""
        with self._lock:
            found = self._cache.get(term)
            if found is not None:
                self._cache.move_to_end(term)
                return found
        found = self._read_postings(term)
        with self._lock:
            self._cache[term] = found
            self._cached += len(found[0])
            while self._cached > CACHE_POSTINGS and len(self._cache) > 1:
                _, (ids, _weights) = self._cache.popitem(last=False)
                self._cached -= len(ids)
        return found

    def _read_postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """All postings of a term across segments, from the memory-mapped arrays."""
        id_parts, weight_parts = [], []
        for segment, offset in self.segments:
            number = segment.find(term)
            if number >= 0:
                docs, weights = segment.postings(number)
                id_parts.append(docs.astype(np.int64) + offset)
                weight_parts.append(weights.astype(np.float64))
        if not id_parts:
            return _EMPTY
        if len(id_parts) == 1:
            return id_parts[0], weight_parts[0]
        return np.concatenate(id_parts), np.concatenate(weight_parts)

    def positions(self, term: str, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(document, position) arrays of a term's occurrences in the candidate
        documents (sorted global numbers)."""
        doc_parts, position_parts = [], []
        bounds = [offset for _, offset in self.segments[1:]] + [len(self.columns.live)]
        for (segment, offset), end in zip(self.segments, bounds):
            number = segment.find(term)
            wanted = candidates[(candidates >= offset) & (candidates < end)]
            if number < 0 or not len(wanted):
                continue
            docs, positions = segment.positions_of(number, (wanted - offset).astype(np.uint32))
            doc_parts.append(docs + offset)
            position_parts.append(positions)
        if not doc_parts:
            return _EMPTY[0], _EMPTY[0]
        return np.concatenate(doc_parts), np.concatenate(position_parts)

    # -- evaluation ----------------------------------------------------------------

    def evaluate(self, query, searcher):
        """(document numbers, scores) of the live documents matching ``query``, or
        None when the query has a shape this engine does not handle."""
        if not _supported(query):
            return None
        weighting = searcher.weighting
        context = _Context(self, searcher, weighting)
        ids, scores = context.run(query)
        keep = self.columns.live[ids]
        return ids[keep], scores[keep]

    def facet_counts(self, ids, limit=None, include=()) -> tuple[dict[str, int], int]:
        """({source: matches} for the ``limit`` sources with most matches, most first,
        plus the sources in ``include``; how many sources have matches)."""
        names = self.columns.source_names
        counts = np.bincount(self.columns.source_of[ids], minlength=len(names))
        present = np.flatnonzero(counts)
        # Names are sorted, so ordering by number orders ties by name.
        order = present[np.lexsort((present, -counts[present]))]
        shown = {names[i]: int(counts[i]) for i in order[:limit].tolist()}
        for name in include:
            number = self.columns.source_number.get(name)
            if number is not None and counts[number]:
                shown.setdefault(name, int(counts[number]))
        return shown, len(present)

    def source_mask(self, ids, sources) -> np.ndarray:
        wanted = [self.columns.source_number[name] for name in sources
                  if name in self.columns.source_number]
        return np.isin(self.columns.source_of[ids], wanted)


def top(ids, scores, count: int):
    """The ``count`` best (document, score) pairs: score descending, then document."""
    if count <= 0 or not len(ids):
        return []
    if len(ids) > count:
        part = np.argpartition(-scores, count - 1)[:count]
        threshold = scores[part].min()
        part = np.nonzero(scores >= threshold)[0]
        ids, scores = ids[part], scores[part]
    order = np.lexsort((ids, -scores))[:count]
    return [(int(ids[i]), float(scores[i])) for i in order]


def _supported(query) -> bool:
    if isinstance(query, wq.Term):
        return True
    if isinstance(query, wq.Sequence):
        return (type(query) is wq.Sequence and query.slop == 1 and query.ordered
                and all(_is_group(q) for q in query.subqueries))
    if query is wq.NullQuery:
        return True
    if type(query) is TermGroup:
        return all(type(q) is wq.Term for q in query.subqueries)
    if isinstance(query, (wq.And, wq.Or)) and type(query) in (wq.And, wq.Or):
        return all(_supported(q) for q in query.subqueries)
    if isinstance(query, wq.AndNot):
        return _supported(query.a) and _supported(query.b)
    return False


def _is_group(query) -> bool:
    """A term, or an OR or ``TermGroup`` of terms (one word's forms)."""
    return isinstance(query, wq.Term) or (
        type(query) in (wq.Or, TermGroup)
        and all(isinstance(q, wq.Term) for q in query.subqueries))


def _group_terms(query) -> list[str]:
    return [query.text] if isinstance(query, wq.Term) else [q.text for q in query.subqueries]


_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
#: Room for positions in a (document, position) key; a passage has far fewer words.
_STRIDE = 1 << 24


class _Context:
    """One evaluation: BM25F exactly as Whoosh's scorer computes it."""

    def __init__(self, engine: Engine, searcher, weighting):
        self.engine = engine
        self.searcher = searcher
        self.B = weighting.B
        self.K1 = weighting.K1
        self.group_idf = getattr(weighting, "group_idf", {})

    def run(self, query):
        if query is wq.NullQuery:
            return _EMPTY
        if isinstance(query, wq.Term):
            return self.term(query)
        if isinstance(query, TermGroup):
            return self.group(query)
        if isinstance(query, wq.Sequence):
            return self.phrase(query)
        if isinstance(query, wq.AndNot):
            ids, scores = self.run(query.a)
            excluded, _ = self.run(query.b)
            keep = ~np.isin(ids, excluded, assume_unique=True)
            return ids[keep], scores[keep]
        parts = [self.run(q) for q in query.subqueries]
        if isinstance(query, wq.Or):
            return _union(parts, query.boost, len(self.engine.columns.live))
        return _intersection(parts, query.boost)

    def term(self, query: wq.Term):
        fieldname, text = query.fieldname, query.text
        if fieldname != self.engine.fieldname:
            return _EMPTY
        ids, weights = self.engine.postings(text)
        if not len(ids):
            return _EMPTY
        idf = self.group_idf.get((fieldname, text))
        if idf is None:
            idf = self.searcher.idf(fieldname, text)
        return ids, self.bm25(ids, weights, idf, query.boost)

    def bm25(self, ids, frequencies, idf, boost=1.0):
        """Whoosh's BM25F score of documents ``ids`` holding a term so often."""
        avg = self.searcher.avg_field_length(self.engine.fieldname) or 1
        lengths = self.engine.columns.lengths[ids]
        B, K1 = self.B, self.K1
        scores = idf * ((frequencies * (K1 + 1))
                        / (frequencies + K1 * ((1 - B) + B * lengths / avg)))
        return scores * boost if boost != 1 else scores

    def group(self, query: TermGroup):
        """One word's forms as one term: the weighted frequencies summed per document,
        then one BM25 with the group's IDF (``SATURATE_ONCE``; else form by form)."""
        if any(q.fieldname != self.engine.fieldname for q in query.subqueries):
            return _EMPTY
        size = len(self.engine.columns.live)
        postings = [self.engine.postings(q.text) for q in query.subqueries]
        if not stemgroups.SATURATE_ONCE:
            return _union([(ids, self.bm25(ids, tf, query.idf, weight))
                           for (ids, tf), weight in zip(postings, query.weights)],
                          query.boost, size)
        ids, frequencies = _union([(ids, tf * weight) for (ids, tf), weight
                                   in zip(postings, query.weights)], 1.0, size)
        if not len(ids):
            return _EMPTY
        return ids, self.bm25(ids, frequencies, query.idf, query.boost)

    def phrase(self, query: wq.Sequence):
        """Documents where the groups stand at consecutive positions; scored as AND."""
        parts = [self.run(q) for q in query.subqueries]
        ids, scores = _intersection(parts, query.boost)
        if not len(ids):
            return _EMPTY
        # Rarest group first: each group's positions are read only in the documents
        # where the groups before it still line up.
        order = sorted(range(len(parts)), key=lambda i: len(parts[i][0]))
        candidates, common = ids, None
        for offset in order:
            keys = [docs * _STRIDE + positions - offset + _STRIDE // 2
                    for docs, positions in (
                        self.engine.positions(term, candidates)
                        for term in _group_terms(query.subqueries[offset]))]
            keys = np.unique(np.concatenate(keys)) if keys else _EMPTY[0]
            common = keys if common is None else np.intersect1d(common, keys,
                                                                assume_unique=True)
            if not len(common):
                return _EMPTY
            candidates = np.unique(common // _STRIDE)
        keep = np.isin(ids, candidates)
        return ids[keep], scores[keep]


#: A union of more postings than the documents over this divisor is summed into a
#: dense array (linear time) instead of sorted (n log n).
DENSE_UNION_DIVISOR = 32


def _union(parts, boost=1.0, size=0):
    """Documents in any part, with their scores summed; ``size``: documents in the index."""
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return _EMPTY
    if len(parts) == 1:
        ids, scores = parts[0]
    else:
        all_ids = np.concatenate([p[0] for p in parts])
        all_scores = np.concatenate([p[1] for p in parts])
        if len(all_ids) * DENSE_UNION_DIVISOR > size:
            present = np.zeros(size, dtype=bool)
            present[all_ids] = True
            ids = np.flatnonzero(present)
            scores = np.bincount(all_ids, weights=all_scores, minlength=size)[ids]
        else:
            ids, inverse = np.unique(all_ids, return_inverse=True)
            scores = np.bincount(inverse, weights=all_scores, minlength=len(ids))
    return (ids, scores * boost) if boost != 1 else (ids, scores)


def _intersection(parts, boost=1.0):
    if not parts or any(not len(p[0]) for p in parts):
        return _EMPTY
    parts = sorted(parts, key=lambda p: len(p[0]))
    ids, scores = parts[0]
    for other_ids, other_scores in parts[1:]:
        ids, mine, theirs = np.intersect1d(ids, other_ids, assume_unique=True,
                                           return_indices=True)
        scores = scores[mine] + other_scores[theirs]
        if not len(ids):
            return _EMPTY
    return (ids, scores * boost) if boost != 1 else (ids, scores)
