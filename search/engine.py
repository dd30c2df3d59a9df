"""The one query evaluator: plan nodes over memory-mapped posting arrays, in numpy.

``Engine.evaluate`` runs a ``plan`` node tree and returns the matching live passages
with their scores. Each posting list comes from the flat arrays of ``search.postings``
as whole arrays; every score is ``ranking.bm25`` with the node's own IDF and the
``Ranking`` passed in; lists are combined with array operations (a union sums scores, an
intersection requires every part). A word group (``plan.Words``) sums its forms' weighted
term frequencies per passage and is scored once, as one term. A group with ``exact``
options reads, for each form, the postings of its written forms (the ``surface`` arrays)
that ``spelling.compatible`` accepts; a word typed with marks adds one bonus to the
passages with a vocalised written form its marks agree with. Phrases and proximity read
the text field's positions: under ``exact`` they hold in the passages that have a
compatible written form of each word (checked per passage, not per position); they
intersect the passages first, then read positions for those passages only; a phrase
that runs from one passage into the next (``Engine.across``) reads the next one's first
positions, and the end of the first one's stored text analysed again. Facet counts over
all matches are one ``bincount``.

Whoosh keeps what it does well here: the analyzer, segment files and stored fields; it
never evaluates a query. The per-generation arrays (text lengths, source of each
passage, live passages) are read once; posting lists are cached as int64/float64
arrays (bounded by total postings).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from . import plan
from .analysis import SURFACE_SEPARATOR
from .postings import Vocabulary, open_generation, open_surfaces
from .ranking import DEFAULT, Ranking, bm25
from .spelling import compatible, has_marks

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
        self._by_source = None

    def documents_of(self, number: int) -> np.ndarray:
        """The live documents of source ``number``, in index order: one sort of the live
        documents by source, made on first use (a question's commentary looks up hundreds
        of passages, each a scan of every document otherwise)."""
        if self._by_source is None:
            documents = np.flatnonzero(self.live)
            documents = documents[np.argsort(self.source_of[documents], kind="stable")]
            starts = np.searchsorted(self.source_of[documents],
                                     np.arange(len(self.source_names) + 1))
            self._by_source = (documents, starts)  # made whole, then shared: no lock
        documents, starts = self._by_source
        return documents[starts[number]:starts[number + 1]]


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
        self.surfaces = open_surfaces(folder, self.segments)
        arrays = [segment for segment, _ in self.segments]
        self.vocabulary = Vocabulary(arrays, reader.doc_count_all())
        self.columns = Columns(reader, self.segments)
        #: Whoosh's average text length (exact total over every passage, deleted too).
        self.average_length = reader.field_length(fieldname) / (reader.doc_count_all() or 1)
        self._folders = None
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
        return self.columns.documents_of(number).tolist()

    # -- postings ------------------------------------------------------------------

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, weights) of a term, sorted by document number."""
        return self._cached_list(term, self._read_postings, term)

    def _cached_list(self, key, read, *args) -> tuple[np.ndarray, np.ndarray]:
        """``read(*args)``, kept under ``key`` in the cache bounded by CACHE_POSTINGS."""
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        found = read(*args)
        with self._lock:
            self._cache[key] = found
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

    def written_postings(self, term: str, typed: str, exact: frozenset[str],
                         vocalised: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, weights) of the written forms of ``term`` that satisfy
        ``exact`` for the word ``typed`` (``spelling.compatible``), summed per document;
        ``vocalised``: only forms written with marks. Cached with the text postings."""
        return self._cached_list((term, typed, exact, vocalised), self._read_written, term,
                                 typed, exact, vocalised)

    def _read_written(self, term: str, typed: str, exact: frozenset[str], vocalised: bool):
        if self.surfaces is None:  # no written forms recorded: the text postings
            return self._read_postings(term)
        prefix = term + SURFACE_SEPARATOR
        chosen, recorded = [], []
        for segment, offset in self.surfaces:
            for number in segment.prefix_range(prefix):
                written = segment.term_text(number)[len(prefix):]
                docs, weights = segment.postings(number)
                found = (docs.astype(np.int64) + offset, weights.astype(np.float64))
                recorded.append(found)
                if compatible(typed, written, exact) and (not vocalised or has_marks(written)):
                    chosen.append(found)
        if not vocalised and compatible(typed, term, exact):
            # The word written as the term itself is not recorded: the term's occurrences
            # less those of its other written forms (each occurrence has one).
            ids, weights = self.postings(term)
            if recorded:
                other_ids, other_weights = union(recorded, len(self.columns.live))
                weights = weights.copy()
                weights[np.searchsorted(ids, other_ids)] -= other_weights
                keep = weights > 0
                ids, weights = ids[keep], weights[keep]
            chosen.append((ids, weights))
        return union(chosen, len(self.columns.live))

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

    def side_by_side(self, node: "plan.Phrase", candidates: np.ndarray,
                     sizes=None) -> np.ndarray:
        """The passages of ``candidates`` (sorted, each holding every group) where the
        phrase's groups stand at consecutive positions. Rarest group first (``sizes``:
        the groups' passage counts): each group's positions are read only in the
        passages where the groups before it still line up."""
        order = sorted(range(len(node.parts)), key=lambda i: (sizes or [0] * len(node.parts))[i])
        common = None
        for offset in order:
            keys = [docs * _STRIDE + positions - offset + _STRIDE // 2
                    for docs, positions in (self.positions(form, candidates)
                                            for form in node.parts[offset].forms)]
            keys = np.sort(np.concatenate(keys)) if keys else _EMPTY[0]
            common = keys if common is None else common[_members(common, keys)]
            if not len(common):
                return _EMPTY[0]
            candidates = _distinct(common // _STRIDE)
        return candidates

    def across(self, node: "plan.Phrase", firsts: np.ndarray) -> np.ndarray:
        """The passages of ``firsts`` (sorted; each one's next passage is the same
        file's next) where the phrase runs from the passage's end into the next one's
        start: for some cut k, its first k groups are the passage's last k words and the
        others the next passage's first words. Positions count from 0 in each passage,
        so the next passage's side is read off its positions; the passage's own side
        must end at its last position, which the postings do not hold: the few passages
        where the groups line up have the end of their stored text analysed again
        (``_ends_with``)."""
        count = len(node.parts)
        if count < 2 or not len(firsts):
            return _EMPTY[0]
        # The last group always stands in the next passage, among its first words:
        # the pairs where it does not are dropped before any other position is read.
        last = [self.positions(form, firsts + 1) for form in node.parts[-1].forms]
        firsts = _distinct(np.concatenate([docs[positions < count - 1] - 1
                                           for docs, positions in last] or [_EMPTY[0]]))
        if not len(firsts):
            return _EMPTY[0]
        read = np.union1d(firsts, firsts + 1)
        occurrences = []  # per group: (passages, positions), every form together
        for part in node.parts:
            found = [self.positions(form, read) for form in part.forms]
            docs = np.concatenate([d for d, _ in found]) if found else _EMPTY[0]
            positions = np.concatenate([p for _, p in found]).astype(np.int64) \
                if found else _EMPTY[0]
            occurrences.append((docs.astype(np.int64), positions))
        found = set()
        for cut in range(1, count):
            # The next passage: group j (j >= cut) at position j - cut.
            lined = firsts
            for j in range(cut, count):
                docs, positions = occurrences[j]
                lined = np.intersect1d(lined, docs[positions == j - cut] - 1)
                if not len(lined):
                    break
            # This passage: groups 0 .. cut-1 side by side somewhere.
            starts = None
            for j in range(cut if len(lined) else 0):
                docs, positions = occurrences[j]
                keep = np.isin(docs, lined) & (positions >= j)
                keys = np.unique(docs[keep] * _STRIDE + positions[keep] - j)
                starts = keys if starts is None else np.intersect1d(starts, keys)
            if starts is None:
                continue
            for docnum in np.unique(starts // _STRIDE).tolist():
                if docnum not in found and self._ends_with(docnum, node.parts[:cut]):
                    found.add(docnum)
        return np.array(sorted(found), dtype=np.int64)

    def _ends_with(self, docnum: int, parts) -> bool:
        """Whether passage ``docnum``'s last words are ``parts`` (word groups), in this
        order: the end of its stored text analysed as it was indexed (a longer end if
        too few words are in it: stop words leave no position)."""
        analyzer = self._reader.schema[self.fieldname].analyzer
        text = self.stored_fields(docnum).get(self.fieldname) or ""
        size = 16 * len(parts)
        while True:
            tail = text
            if size < len(text):  # from a space: not from inside a word
                tail = text[-size:]
                tail = tail[next((i for i, c in enumerate(tail) if c.isspace()), len(tail)):]
            words: dict[int, set[str]] = {}  # position -> index terms (readings share one)
            for token in analyzer(tail, positions=True, mode="index"):
                words.setdefault(token.pos, set()).add(token.text)
            if len(words) >= len(parts) or tail is text:
                break
            size *= 4
        last = [words[position] for position in sorted(words)[-len(parts):]]
        return len(last) == len(parts) and all(
            terms & set(part.forms) for terms, part in zip(last, parts))

    # -- evaluation ----------------------------------------------------------------

    def evaluate(self, node, ranking: Ranking = DEFAULT, average_length: float | None = None,
                 memo: dict | None = None):
        """(passage numbers, scores) of the live passages matching plan ``node``,
        passage numbers ascending. ``average_length`` replaces this index's average
        text length in BM25 (a shard scoring with a whole collection's statistics).
        ``memo`` keeps word groups' results between calls of one search (plans of one
        query share most of their groups)."""
        ids, scores = _Evaluation(self, ranking, average_length, memo).run(node)
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

    @property
    def folders(self) -> tuple[list[str], np.ndarray]:
        """(folder names, sorted; each source's folder number): a source's folder is the
        first part of its path ("" for a file at the corpus's top)."""
        if self._folders is None:
            names = self.columns.source_names
            tops = [name.split("/", 1)[0] if "/" in name else "" for name in names]
            folder_names = sorted(set(tops))
            number = {name: i for i, name in enumerate(folder_names)}
            self._folders = folder_names, np.array([number[t] for t in tops], dtype=np.int64)
        return self._folders

    def folder_counts(self, ids, include=()) -> dict[str, int]:
        """{folder: matches}, most first (ties by name), plus the folders in ``include``."""
        names, folder_of_source = self.folders
        if not len(ids):
            return {}
        counts = np.bincount(folder_of_source[self.columns.source_of[ids]], minlength=len(names))
        present = np.flatnonzero(counts)
        order = present[np.lexsort((present, -counts[present]))]
        return {names[i]: int(counts[i]) for i in order.tolist()}

    def folder_mask(self, ids, folders) -> np.ndarray:
        names, folder_of_source = self.folders
        wanted = [i for i, name in enumerate(names) if name in set(folders)]
        return np.isin(folder_of_source[self.columns.source_of[ids]], wanted)

    def source_mask(self, ids, sources) -> np.ndarray:
        wanted = [self.columns.source_number[name] for name in sources
                  if name in self.columns.source_number]
        return np.isin(self.columns.source_of[ids], wanted)


def top(ids, scores, count: int, source_of=None):
    """The ``count`` best (document, score) pairs: score descending, then document; with
    ``source_of`` (``Columns.source_of``: source numbers, in name order), then source
    name, then document (an order a sharded index can give too: ``search.shards``)."""
    if count <= 0 or not len(ids):
        return []
    if len(ids) > count:
        part = np.argpartition(-scores, count - 1)[:count]
        threshold = scores[part].min()
        part = np.nonzero(scores >= threshold)[0]
        ids, scores = ids[part], scores[part]
    keys = (ids, -scores) if source_of is None else (ids, source_of[ids], -scores)
    order = np.lexsort(keys)[:count]
    return [(int(ids[i]), float(scores[i])) for i in order]


_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
#: Room for positions in a (document, position) key; a passage has far fewer words.
_STRIDE = 1 << 24


class _Evaluation:
    """One evaluation of a plan: each node type, one method."""

    def __init__(self, engine: Engine, ranking: Ranking, average_length: float | None,
                 memo: dict | None = None):
        self.engine = engine
        self.ranking = ranking
        self.average_length = average_length or engine.average_length
        self.size = len(engine.columns.live)
        self.memo = memo

    def run(self, node):
        return getattr(self, type(node).__name__.lower())(node)

    def nothing(self, _node):
        return _EMPTY

    def all(self, node: plan.All):
        ids, scores = intersection([self.run(child) for child in node.children])
        for child in node.optional:
            if not len(ids):
                break
            found, found_scores = self.run(child)
            _, mine, theirs = np.intersect1d(ids, found, assume_unique=True,
                                             return_indices=True)
            scores = scores.copy()
            scores[mine] += found_scores[theirs]
        return ids, scores

    def any(self, node: plan.Any):
        return union([self.run(child) for child in node.children], self.size)

    def without(self, node: plan.Without):
        ids, scores = self.run(node.include)
        if not len(ids):
            return _EMPTY
        excluded, _ = self.run(node.exclude)
        keep = ~np.isin(ids, excluded, assume_unique=True)
        return ids[keep], scores[keep]

    def score(self, ids, frequencies, idf_value, boost=1.0):
        return bm25(frequencies, self.engine.columns.lengths[ids], self.average_length,
                    idf_value, self.ranking, boost)

    def terms(self, node: plan.Terms):
        """Each term scored on its own, with its own IDF; summed per passage."""
        parts = []
        for term, idf_value in zip(node.terms, node.idfs):
            ids, frequencies = self.engine.postings(term)
            if len(ids):
                parts.append((ids, self.score(ids, frequencies, idf_value)))
        return union(parts, self.size)

    def words(self, node: plan.Words):
        """One word's forms as one term: the weighted frequencies summed per passage,
        then one BM25 with the group's IDF (``Ranking.saturate_once``; else form by
        form, each with the group's IDF)."""
        if self.memo is None:
            return self._words(node)
        found = self.memo.get(node)
        if found is None:
            found = self.memo[node] = self._words(node)
        return found

    def _words(self, node: plan.Words):
        if node.exact:
            postings = [self.engine.written_postings(form, node.typed, node.exact)
                        for form in node.forms]
        else:
            postings = [self.engine.postings(form) for form in node.forms]
        found = self._group(node, postings, node.boost)
        if node.marks and len(found[0]) and self.ranking.marks_weight:
            # Passages with a vocalised written form the typed marks agree with get one
            # bonus, the same for each: they rise above the others, keeping their order.
            exact = node.exact | {"diacritics"}
            ids = union([self.engine.written_postings(form, node.typed, exact, vocalised=True)
                         for form in node.forms], self.size)[0]
            if len(ids):
                bonus = node.idf * node.boost * self.ranking.marks_weight
                found = union([found, (ids, np.full(len(ids), bonus))], self.size)
        return found

    def _group(self, node: plan.Words, postings, boost: float):
        """The group's postings scored as one term (or form by form)."""
        if not self.ranking.saturate_once:
            return union([(ids, self.score(ids, tf, node.idf, weight * boost))
                           for (ids, tf), weight in zip(postings, node.weights)], self.size)
        ids, frequencies = union([(ids, tf * weight) for (ids, tf), weight
                                   in zip(postings, node.weights)], self.size)
        if not len(ids):
            return _EMPTY
        return ids, self.score(ids, frequencies, node.idf, boost)

    def phrase(self, node: plan.Phrase):
        """Passages where the groups stand at consecutive positions; scored as AND."""
        parts = [self.words(part) for part in node.parts]
        ids, scores = intersection(parts)
        if not len(ids):
            return _EMPTY
        keep = np.isin(ids, self.engine.side_by_side(node, ids,
                                                     [len(p[0]) for p in parts]))
        return ids[keep], scores[keep]

    def near(self, node: plan.Near):
        """Passages where one occurrence of every group fits in a window of
        ``distance`` + 1 positions; scored as AND."""
        parts = [self.words(part) for part in node.parts]
        ids, scores = intersection(parts)
        if not len(ids):
            return _EMPTY
        # (passage, position, group) of every occurrence in the candidate passages,
        # sorted; then a sliding window per passage over the merged occurrences.
        docs, positions, groups = [], [], []
        for number, part in enumerate(node.parts):
            for form in part.forms:
                found_docs, found_positions = self.engine.positions(form, ids)
                docs.append(found_docs)
                positions.append(found_positions)
                groups.append(np.full(len(found_docs), number, dtype=np.int64))
        docs, positions, groups = (np.concatenate(docs), np.concatenate(positions),
                                   np.concatenate(groups))
        order = np.lexsort((positions, docs))
        matched = _windows(docs[order], positions[order], groups[order],
                           len(node.parts), node.distance)
        keep = np.isin(ids, matched)
        return ids[keep], scores[keep]


def _windows(docs, positions, groups, group_count: int, distance: int) -> np.ndarray:
    """Passages (of occurrences sorted by passage, then position) where some window of
    ``distance`` + 1 consecutive positions holds every group at least once."""
    matched = []
    starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]]) if len(docs) else []
    ends = list(starts[1:]) + [len(docs)]
    for start, end in zip(starts, ends):
        seen = [0] * group_count
        missing = group_count
        left = start
        for right in range(start, end):
            group = groups[right]
            if not seen[group]:
                missing -= 1
            seen[group] += 1
            while positions[right] - positions[left] > distance:
                seen[groups[left]] -= 1
                if not seen[groups[left]]:
                    missing += 1
                left += 1
            if not missing:
                matched.append(docs[start])
                break
    return np.array(matched, dtype=np.int64)


def _members(values: np.ndarray, sorted_pool: np.ndarray) -> np.ndarray:
    """Which of ``values`` are in ``sorted_pool`` (a sorted array): binary search, not
    the hashing of ``np.isin``."""
    if not len(sorted_pool):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_pool, values), len(sorted_pool) - 1)
    return sorted_pool[at] == values


def _distinct(numbers: np.ndarray) -> np.ndarray:
    """The distinct non-negative ``numbers``, ascending, through a mask (linear)."""
    if not len(numbers):
        return numbers
    present = np.zeros(int(numbers.max()) + 1, dtype=bool)
    present[numbers] = True
    return np.flatnonzero(present)


#: A union of more postings than the documents over this divisor is summed into a
#: dense array (linear time) instead of sorted (n log n).
DENSE_UNION_DIVISOR = 32


def union(parts, size):
    """Passages in any part, with their scores summed; ``size``: passages in the index."""
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
    return ids, scores


def intersection(parts):
    """Passages in every part, with their scores summed."""
    if not parts or any(not len(p[0]) for p in parts):
        return _EMPTY
    # Shortest list first to intersect; scores summed in the parts' own order, so a
    # passage's score does not depend on how many matches each part has (a shard and
    # the whole index add the same numbers in the same order).
    ids = min(parts, key=lambda p: len(p[0]))[0]
    for other_ids, _scores in sorted(parts, key=lambda p: len(p[0]))[1:]:
        ids = np.intersect1d(ids, other_ids, assume_unique=True)
        if not len(ids):
            return _EMPTY
    scores = None
    for part_ids, part_scores in parts:
        mine = part_scores[np.searchsorted(part_ids, ids)]
        scores = mine if scores is None else scores + mine
    return ids, scores
