"""Related words learned from the corpus being searched: stems that share passages.

A question asks about الصبر; the passage answering it speaks of البلاء. No stemmer or
root joins the two, but the corpus does: they keep appearing in the same passages.
``RelatedWords`` reads one generation's posting arrays once (``Engine.postings`` of
every vocabulary form), groups forms by stem, and scores each pair of stems by their
normalised pointwise mutual information over passages:

    npmi(u, v) = ln(P(u, v) / (P(u) P(v))) / -ln P(u, v)

where P is the share of passages holding a stem (or both). It is 1 for stems that only
ever appear together, 0 for independent ones. A stem keeps its ``NEIGHBOURS`` best
neighbours with a positive score, among stems sharing at least ``MIN_TOGETHER``
passages with it (fewer is chance), both in at most ``MAX_SHARE`` of the passages
(common words relate to everything).

Neighbours are computed on first use and cached; the table (form -> stem, passage ->
stems) is built once per generation and never changed, so it is shared by threads.
"""

from __future__ import annotations

import threading

import numpy as np

#: Neighbours kept per stem.
NEIGHBOURS = 5
#: Passages two stems must share to be related.
MIN_TOGETHER = 3
#: Stems in a larger share of the passages are neither related nor given neighbours.
MAX_SHARE = 0.05
#: On an index with roots, relate roots (denser counts) instead of stems.
BY_ROOT = True
#: "npmi": neighbours by the score above; "svd": by cosine of small word vectors, the
#: truncated SVD of the stems' positive PMI matrix (neighbours need not share passages;
#: an experiment: the matrix is dense, stems x stems, so small corpora only).
METHOD = "npmi"
#: Dimensions of the word vectors (METHOD "svd").
DIMENSIONS = 100


class RelatedWords:
    """Stems that share passages, from one generation's postings.

    ``engine`` (``search.engine.Engine``) gives the vocabulary and the posting arrays;
    ``stem_of`` the stem of a normalised form (the stem groups' own); with ``roots``
    (``search.roots.RootTable``) and ``BY_ROOT``, roots are related instead of stems. Calling the table
    with a normalised word gives its related words as (form, weight) pairs: for each
    related stem, its most frequent form, weighted by the association (0-1).
    """

    def __init__(self, engine, stem_of, roots=None, fieldname: str = "text"):
        if roots is not None and BY_ROOT:
            stem_of = roots.root
        self.stem_of = stem_of
        self._lock = threading.Lock()
        stems: dict[str, int] = {}
        best_form: list[tuple[int, str]] = []
        doc_parts, stem_parts = [], []
        for term in engine.vocabulary.expand_prefix(fieldname, ""):
            form = term.decode("utf-8") if isinstance(term, bytes) else term
            docs, _weights = engine.postings(form)
            if not len(docs):
                continue
            number = stems.setdefault(stem_of(form), len(stems))
            if number == len(best_form):
                best_form.append((len(docs), form))
            elif len(docs) > best_form[number][0]:
                best_form[number] = (len(docs), form)
            doc_parts.append(docs)
            stem_parts.append(np.full(len(docs), number, dtype=np.int64))
        self.stems = stems
        self.forms = tuple(form for _count, form in best_form)
        self.doc_count = max(1, len(engine.columns.live))
        if doc_parts:
            docs = np.concatenate(doc_parts)
            numbers = np.concatenate(stem_parts)
            pairs = np.unique(docs * max(1, len(stems)) + numbers)  # each (passage, stem) once
            docs, numbers = pairs // max(1, len(stems)), pairs % max(1, len(stems))
        else:
            docs = numbers = np.zeros(0, dtype=np.int64)
        # passage -> stems (sorted by passage already), stem -> passages
        self._doc_stems = numbers
        self._doc_start = np.searchsorted(docs, np.arange(self.doc_count + 1))
        order = np.argsort(numbers, kind="stable")
        self._stem_docs = docs[order]
        self._stem_start = np.searchsorted(numbers[order], np.arange(len(stems) + 1))
        self.frequency = np.diff(self._stem_start)
        self._cache: dict[int, tuple[tuple[str, float], ...]] = {}
        self._vectors = self._svd() if METHOD == "svd" else None

    def __call__(self, word: str) -> tuple[tuple[str, float], ...]:
        """(form, weight) of the words related to normalised ``word``, best first."""
        number = self.stems.get(self.stem_of(word))
        if number is None:
            return ()
        found = self._cache.get(number)
        if found is None:
            found = self._neighbours(number)
            with self._lock:
                self._cache[number] = found
        return found

    def _svd(self):
        """(stem numbers kept, their unit vectors): stems in MIN_TOGETHER passages or
        more and at most MAX_SHARE of them."""
        kept = np.flatnonzero((self.frequency >= MIN_TOGETHER)
                              & (self.frequency <= MAX_SHARE * self.doc_count))
        column = np.full(len(self.stems), -1, dtype=np.int64)
        column[kept] = np.arange(len(kept))
        docs = np.repeat(np.arange(self.doc_count), np.diff(self._doc_start))
        inside = column[self._doc_stems] >= 0
        matrix = np.zeros((self.doc_count, len(kept)), dtype=np.float32)
        matrix[docs[inside], column[self._doc_stems[inside]]] = 1.0
        together = matrix.T @ matrix
        frequency = np.diag(together).copy()
        with np.errstate(divide="ignore"):
            pmi = np.log(together * self.doc_count / np.outer(frequency, frequency))
        pmi[~np.isfinite(pmi) | (pmi < 0)] = 0.0
        np.fill_diagonal(pmi, 0.0)
        left, values, _right = np.linalg.svd(pmi, full_matrices=False)
        vectors = left[:, :DIMENSIONS] * np.sqrt(values[:DIMENSIONS])
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
        return column, vectors

    def _neighbours(self, number: int) -> tuple[tuple[str, float], ...]:
        limit = MAX_SHARE * self.doc_count
        if self.frequency[number] > limit:
            return ()
        if self._vectors is not None:
            column, vectors = self._vectors
            if column[number] < 0:
                return ()
            similar = vectors @ vectors[column[number]]
            similar[column[number]] = 0.0
            best = np.argsort(-similar, kind="stable")[:NEIGHBOURS]
            stems = np.flatnonzero(column >= 0)
            return tuple((self.forms[stems[i]], round(float(similar[i]), 4))
                         for i in best if similar[i] > 0)
        docs = self._stem_docs[self._stem_start[number]:self._stem_start[number + 1]]
        starts, ends = self._doc_start[docs], self._doc_start[docs + 1]
        lengths = ends - starts
        if not lengths.sum():
            return ()
        # every stem of every passage holding the word, in one gather
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        together = np.bincount(self._doc_stems[offsets + np.arange(lengths.sum())],
                               minlength=len(self.stems))
        together[number] = 0
        candidates = np.flatnonzero((together >= MIN_TOGETHER) & (self.frequency <= limit))
        if not len(candidates):
            return ()
        joint = together[candidates] / self.doc_count
        alone = self.frequency[candidates] / self.doc_count
        own = self.frequency[number] / self.doc_count
        npmi = np.log(joint / (alone * own)) / -np.log(joint)
        keep = npmi > 0
        candidates, npmi = candidates[keep], npmi[keep]
        best = np.lexsort((candidates, -npmi))[:NEIGHBOURS]
        return tuple((self.forms[candidates[i]], round(float(npmi[i]), 4)) for i in best)

