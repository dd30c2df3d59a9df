"""Matching that relaxes instead of failing: the steps of ``match="auto"``.

A reader types words; a passage holding all of them is the best answer, but a search
that finds none of those should not end on an empty page. The steps, in rank order
(each passage is ranked in the first step it reaches, and within a step by score):

1. ``phrase``: the words side by side, as typed (a query of plain words);
2. ``all``: every word in one passage;
3. ``neighbours``: every word within two neighbouring passages of one file (a text cut
   where the reader's words straddle the cut): the pair is one hit, at its first passage;
4. ``most``: some of the words, ranked by how many and how rare (BM25 over the words as a
   question reads them: frame words such as معنى or الآية left out, and on an index with
   roots each word also matches by root);

and, before any step, a word the index lacks stands for its related forms (أمريكا ->
الأمريكية: ``plan.Planner._related``); when nothing at all is found, the search is run
again on the did-you-mean correction (``typo``). Each hit says which step found it and
which words it lacks; the result says which step answered first.

``match="all"`` is step 2 alone, ``match="any"`` step 4 alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .engine import Engine, top
from .errors import QueryError
from .plan import Plan
from .ranking import Ranking

STEPS = ("phrase", "all", "neighbours", "most")
PHRASE, ALL, NEIGHBOURS, MOST = range(len(STEPS))
MATCHES = ("auto", "all", "any")
#: Words a step can track per passage (one bit each).
MAX_UNITS = 63


@dataclass(frozen=True)
class Matches:
    """Every matching passage, with its score and step, and the words each lacks."""

    ids: np.ndarray          # passage numbers, ascending
    scores: np.ndarray
    steps: np.ndarray        # index into STEPS, per passage
    partner: dict            # first passage of a neighbour pair -> the second
    units: tuple[np.ndarray, ...]  # per required unit: the passages holding it (sorted)
    unit_texts: tuple[str, ...]
    #: Passages ranked before the steps, in this order (a question's re-ranked first
    #: passages: ``search.rerank``).
    first: tuple[int, ...] = ()

    def ranked(self, count: int, source_of=None) -> list[tuple[int, float, str]]:
        """The ``count`` best (passage, score, step): ``first``, then by step, then score,
        then (with ``source_of``) source name, then passage: ``engine.top``'s order
        within a step."""
        if count <= 0 or not len(self.ids):
            return []
        at = np.searchsorted(self.ids, np.array(self.first, dtype=np.int64))
        found = [(docnum, float(self.scores[i]), STEPS[self.steps[i]])
                 for docnum, i in zip(self.first[:count], at.tolist())]
        rest = ~np.isin(self.ids, self.first) if self.first else True
        for number, step in enumerate(STEPS):
            if len(found) >= count:
                break
            chosen = (self.steps == number) & rest
            if not chosen.any():
                continue
            for docnum, score in top(self.ids[chosen], self.scores[chosen], count - len(found),
                                     source_of):
                found.append((docnum, score, step))
            if len(found) >= count:
                break
        return found

    def in_order(self, count: int, source_of) -> list[tuple[int, float, str]]:
        """The first ``count`` (passage, score, step) in reading order: by source name,
        then place in the file (index order)."""
        order = np.lexsort((self.ids, source_of[self.ids]))[:count]
        return [(int(self.ids[i]), float(self.scores[i]), STEPS[self.steps[i]])
                for i in order.tolist()]

    def only(self, keep: np.ndarray) -> "Matches":
        """These matches but where ``keep`` is False (a source filter)."""
        ids = self.ids[keep]
        kept = set(ids.tolist())
        return Matches(ids, self.scores[keep], self.steps[keep],
                       {a: b for a, b in self.partner.items() if a in kept},
                       self.units, self.unit_texts, tuple(d for d in self.first if d in kept))

    def reordered(self, entries: list[tuple[int, float, str]]) -> "Matches":
        """These matches with ``entries`` (passage, score, step) ranked first, in that
        order, with those scores."""
        scores = self.scores.copy()
        docnums = np.array([docnum for docnum, _score, _step in entries], dtype=np.int64)
        scores[np.searchsorted(self.ids, docnums)] = [score for _d, score, _s in entries]
        return replace(self, scores=scores, first=tuple(docnums.tolist()))

    def step_totals(self) -> dict[str, int]:
        counts = np.bincount(self.steps, minlength=len(STEPS))
        return {step: int(counts[number]) for number, step in enumerate(STEPS)}

    def found_nowhere(self) -> tuple[str, ...]:
        """The required words (as typed) that no passage holds."""
        return tuple(text for ids, text in zip(self.units, self.unit_texts) if not len(ids))

    def missing(self, docnum: int) -> tuple[str, ...]:
        """The required words (as typed) that passage ``docnum``, with its neighbour if it
        was found as a pair, lacks."""
        passages = [docnum] + ([self.partner[docnum]] if docnum in self.partner else [])
        return tuple(text for ids, text in zip(self.units, self.unit_texts)
                     if not any(_holds(ids, p) for p in passages))


def _holds(ids: np.ndarray, docnum: int) -> bool:
    at = np.searchsorted(ids, docnum)
    return bool(at < len(ids) and ids[at] == docnum)


def plans(plan, match: str) -> tuple[Plan, Plan | None]:
    """(strict plan, loose plan or None) of a query for ``match``: ``plan(reading,
    relate)`` plans it ``"all"`` (every word; ``relate``: a word found nowhere stands
    for its related forms) or ``"any"`` (the question reading), over one index or over
    shards (``search.shards``)."""
    if match not in MATCHES:
        raise ValueError(f"match must be one of {', '.join(MATCHES)}, not {match!r}")
    strict = plan("all", relate=match == "auto")
    loose = None
    if match in ("auto", "any"):
        try:
            loose = plan("any")
        except QueryError:  # nothing but frame words: the strict reading stands
            loose = None
    return strict, loose


def find(engine: Engine, strict: Plan, loose: Plan | None, match: str,
         ranking: Ranking) -> Matches:
    """The passages matching ``strict`` (every word) and, with ``match="auto"`` or
    ``"any"``, ``loose`` (the question reading), in steps."""
    memo: dict = {}  # word groups the plans share are evaluated once
    unit_results = [engine.evaluate(unit, ranking, memo=memo) for unit in strict.units]
    units = tuple(ids for ids, _ in unit_results)
    parts_ids, parts_scores, parts_steps = [], [], []
    partner: dict[int, int] = {}
    if match in ("auto", "all"):
        ids, scores = engine.evaluate(strict.node, ranking, memo=memo)
        steps = np.full(len(ids), ALL, dtype=np.int64)
        if match == "auto" and strict.phrase is not None and len(ids):
            steps[np.isin(ids, engine.side_by_side(strict.phrase, ids))] = PHRASE
        parts_ids.append(ids)
        parts_scores.append(scores)
        parts_steps.append(steps)
    if match == "auto" and 1 < len(strict.units) <= MAX_UNITS:
        pairs, pair_scores, second = _neighbours(engine, strict, unit_results, ranking, memo)
        taken = parts_ids[0]
        keep = ~np.isin(pairs, taken) & ~np.isin(second, taken)
        pairs, pair_scores, second = pairs[keep], pair_scores[keep], second[keep]
        partner = dict(zip(pairs.tolist(), second.tolist()))
        parts_ids.append(pairs)
        parts_scores.append(pair_scores)
        parts_steps.append(np.full(len(pairs), NEIGHBOURS, dtype=np.int64))
    if match in ("auto", "any") and loose is not None:
        ids, scores = engine.evaluate(loose.node, ranking, memo=memo)
        if match == "auto":
            # One relevance score for every step, the question reading's (roots, frame
            # words left out): steps order the passages, scores order them within one.
            parts_scores[0] = _rescored(parts_ids[0], parts_scores[0], ids, scores)
            if len(parts_ids) > 1:
                second = np.array([partner[p] for p in parts_ids[1].tolist()], dtype=np.int64)
                parts_scores[1] = (_rescored(parts_ids[1], parts_scores[1] * 0, ids, scores)
                                   + _rescored(second, np.zeros(len(second)), ids, scores))
        if parts_ids:
            taken = np.concatenate(parts_ids + [np.array(list(partner.values()), dtype=np.int64)])
            keep = ~np.isin(ids, taken)
            ids, scores = ids[keep], scores[keep]
        parts_ids.append(ids)
        parts_scores.append(scores)
        parts_steps.append(np.full(len(ids), MOST, dtype=np.int64))
    if not parts_ids:
        empty = np.zeros(0, dtype=np.int64)
        return Matches(empty, np.zeros(0), empty, {}, units, strict.unit_texts)
    ids = np.concatenate(parts_ids)
    order = np.argsort(ids, kind="stable")
    return Matches(ids[order], np.concatenate(parts_scores)[order],
                   np.concatenate(parts_steps)[order], partner, units, strict.unit_texts)


def _rescored(targets: np.ndarray, fallback: np.ndarray, ids: np.ndarray,
              scores: np.ndarray) -> np.ndarray:
    """The scores of ``targets`` among (``ids``, ``scores``), ``fallback`` where absent."""
    if not len(targets) or not len(ids):
        return fallback
    at = np.minimum(np.searchsorted(ids, targets), len(ids) - 1)
    found = ids[at] == targets
    return np.where(found, scores[at], fallback)


def _neighbours(engine: Engine, strict: Plan, unit_results, ranking: Ranking, memo=None):
    """(first passages, scores, second passages) of neighbouring pairs of passages of one
    file that hold every word between them, neither alone; excluded words rule a pair
    out if either passage has them."""
    size = len(engine.columns.live)
    cover = np.zeros(size + 1, dtype=np.uint64)
    summed = np.zeros(size + 1, dtype=np.float64)
    for number, (ids, scores) in enumerate(unit_results):
        cover[ids] |= np.uint64(1 << number)
        summed[ids] += scores
    for node in strict.optional:
        ids, scores = engine.evaluate(node, ranking, memo=memo)
        summed[ids] += scores
    full = np.uint64((1 << len(unit_results)) - 1)
    candidates = np.flatnonzero(cover[:-1])
    if not len(candidates):
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(0), empty
    nxt = candidates + 1
    source_of, live = engine.columns.source_of, engine.columns.live
    inside = nxt < size
    candidates, nxt = candidates[inside], nxt[inside]
    pair = ((cover[candidates] | cover[nxt]) == full) & (cover[candidates] != full) \
        & (cover[nxt] != full) & (source_of[candidates] == source_of[nxt]) \
        & live[candidates] & live[nxt]
    first, second = candidates[pair], nxt[pair]
    if strict.exclude is not None and len(first):
        excluded, _ = engine.evaluate(strict.exclude, ranking, memo=memo)
        keep = ~np.isin(first, excluded) & ~np.isin(second, excluded)
        first, second = first[keep], second[keep]
    return first.astype(np.int64), summed[first] + summed[second], second.astype(np.int64)
