"""Matching that relaxes instead of failing: the steps of ``match="auto"``.

A reader types words; a passage holding all of them is the best answer, but a search
that finds none of those should not end on an empty page. The steps, in rank order
(each passage is ranked in the first step it reaches, and within a step by score):

1. ``phrase``: the words side by side, as typed (a query of plain words), in one passage
   or running from the end of one passage into the start of the next of the same file
   (a span typed from a text that the split cut): that pair is one hit, at its first
   passage; a quoted phrase across a cut is found the same way, with the passages
   that hold the quoted phrase;
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
from .plan import Phrase, Plan
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
    #: First passages of the pairs where the phrase runs across the break (they lack
    #: nothing, though neither passage holds a quoted phrase alone).
    across: frozenset = frozenset()
    #: Passages whose commentary answered the question too (``search.commentary``).
    noted: frozenset = frozenset()

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
                       self.units, self.unit_texts, tuple(d for d in self.first if d in kept),
                       self.across & kept, self.noted & kept)

    def reordered(self, entries: list[tuple[int, float, str]]) -> "Matches":
        """These matches with ``entries`` (passage, score, step) ranked first, in that
        order, with those scores."""
        scores = self.scores.copy()
        docnums = np.array([docnum for docnum, _score, _step in entries], dtype=np.int64)
        scores[np.searchsorted(self.ids, docnums)] = [score for _d, score, _s in entries]
        return replace(self, scores=scores, first=tuple(docnums.tolist()))

    def fused(self, docnums: np.ndarray, extra: np.ndarray, depth: int) -> "Matches":
        """These matches with ``extra`` added to the scores of passages ``docnums``
        (their commentary's: ``search.commentary``); a passage not matched yet joins the
        last step. The ``depth`` best by the new score are ranked first, in that order:
        what a question's commentary says weighs as much as the step its words reached."""
        order = np.argsort(docnums, kind="stable")
        docnums, extra = docnums[order], extra[order]
        ids = np.union1d(self.ids, docnums)
        scores = np.zeros(len(ids))
        steps = np.full(len(ids), MOST, dtype=np.int64)
        at = np.searchsorted(ids, self.ids)
        scores[at], steps[at] = self.scores, self.steps
        scores[np.searchsorted(ids, docnums)] += extra
        best = np.argsort(-scores, kind="stable")[:depth]
        return replace(self, ids=ids, scores=scores, steps=steps,
                       first=tuple(int(ids[i]) for i in best),
                       noted=frozenset(docnums.tolist()))

    def step_totals(self) -> dict[str, int]:
        counts = np.bincount(self.steps, minlength=len(STEPS))
        return {step: int(counts[number]) for number, step in enumerate(STEPS)}

    def found_nowhere(self) -> tuple[str, ...]:
        """The required words (as typed) that no passage holds."""
        return tuple(text for ids, text in zip(self.units, self.unit_texts) if not len(ids))

    def missing(self, docnum: int) -> tuple[str, ...]:
        """The required words (as typed) that passage ``docnum``, with its neighbour if it
        was found as a pair, lacks."""
        if docnum in self.across:
            return ()
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
    crossing = neighbours = None  # their places in parts_ids
    if match in ("auto", "all"):
        ids, scores = engine.evaluate(strict.node, ranking, memo=memo)
        steps = np.full(len(ids), ALL, dtype=np.int64)
        if match == "auto" and strict.phrase is not None and len(ids):
            steps[np.isin(ids, engine.side_by_side(strict.phrase, ids))] = PHRASE
        parts_ids.append(ids)
        parts_scores.append(scores)
        parts_steps.append(steps)
    pairs = None  # neighbouring passages that hold every unit between them
    if match == "auto" and 1 < len(strict.units) <= MAX_UNITS:
        pairs = _pairs(engine, strict, unit_results, ranking, memo)
    if match == "auto":
        first, pair_scores, second, step = _across(
            engine, strict, pairs, unit_results, ranking, memo,
            parts_ids[0][parts_steps[0] == PHRASE])
        if len(first):
            inside = np.isin(parts_ids[0], np.concatenate([first, second]))
            parts_ids[0], parts_scores[0], parts_steps[0] = (
                parts_ids[0][~inside], parts_scores[0][~inside], parts_steps[0][~inside])
            partner.update(zip(first.tolist(), second.tolist()))
            crossing = len(parts_ids)
            parts_ids.append(first)
            parts_scores.append(pair_scores)
            parts_steps.append(np.full(len(first), step, dtype=np.int64))
    if pairs is not None:
        first, pair_scores, second = _neighbours(pairs)
        taken = np.concatenate(parts_ids + [np.array(list(partner.values()), dtype=np.int64)])
        keep = ~np.isin(first, taken) & ~np.isin(second, taken)
        first, pair_scores, second = first[keep], pair_scores[keep], second[keep]
        partner.update(zip(first.tolist(), second.tolist()))
        neighbours = len(parts_ids)
        parts_ids.append(first)
        parts_scores.append(pair_scores)
        parts_steps.append(np.full(len(first), NEIGHBOURS, dtype=np.int64))
    if match in ("auto", "any") and loose is not None:
        ids, scores = engine.evaluate(loose.node, ranking, memo=memo)
        if match == "auto":
            # One relevance score for every step, the question reading's (roots, frame
            # words left out): steps order the passages, scores order them within one.
            parts_scores[0] = _rescored(parts_ids[0], parts_scores[0], ids, scores)
            for place in (crossing, neighbours):
                if place is not None:
                    # A neighbours pair reads 0 where the question reading finds neither.
                    fallback = parts_scores[place] * (place == crossing)
                    parts_scores[place] = _pair_rescored(parts_ids[place], fallback, partner,
                                                         ids, scores)
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
                   np.concatenate(parts_steps)[order], partner, units, strict.unit_texts,
                   across=frozenset(parts_ids[crossing].tolist()) if crossing is not None
                   else frozenset())


def _pair_rescored(first: np.ndarray, fallback: np.ndarray, partner: dict, ids: np.ndarray,
                   scores: np.ndarray) -> np.ndarray:
    """Pairs' scores among (``ids``, ``scores``): the sum of their two passages' (0 for
    one absent), ``fallback`` where both are (a quoted phrase's reading finds neither
    passage of a pair it runs across)."""
    second = np.array([partner[p] for p in first.tolist()], dtype=np.int64)
    absent = np.full(len(first), np.nan)
    one, two = _rescored(first, absent, ids, scores), _rescored(second, absent, ids, scores)
    return np.where(np.isnan(one) & np.isnan(two), fallback,
                    np.nan_to_num(one) + np.nan_to_num(two))


def _rescored(targets: np.ndarray, fallback: np.ndarray, ids: np.ndarray,
              scores: np.ndarray) -> np.ndarray:
    """The scores of ``targets`` among (``ids``, ``scores``), ``fallback`` where absent."""
    if not len(targets) or not len(ids):
        return fallback
    at = np.minimum(np.searchsorted(ids, targets), len(ids) - 1)
    found = ids[at] == targets
    return np.where(found, scores[at], fallback)


@dataclass(frozen=True)
class _Pairs:
    """Neighbouring passages of one file that hold every unit between them: what both
    kinds of pair (a phrase across the break, words across it) are chosen from."""

    first: np.ndarray    # the first passage of each pair, ascending (the second is next)
    full: np.ndarray     # two rows: whether the first, the second passage holds every unit
    scores: np.ndarray   # per pair: the sum of its passages' unit and optional scores


def _pairs(engine: Engine, strict: Plan, unit_results, ranking: Ranking, memo=None) -> _Pairs:
    """The pairs of live passages of one file, the second next to the first, that hold
    every unit of ``unit_results`` between them; excluded words rule a pair out if
    either passage has them."""
    size = len(engine.columns.live)
    cover = np.zeros(size + 1, dtype=np.uint64)  # the units each passage holds, a bit each
    summed = np.zeros(size + 1, dtype=np.float64)
    for number, (ids, scores) in enumerate(unit_results):
        cover[ids] |= np.uint64(1 << number)
        summed[ids] += scores
    for node in strict.optional:
        ids, scores = engine.evaluate(node, ranking, memo=memo)
        summed[ids] += scores
    every = np.uint64((1 << len(unit_results)) - 1)
    first = np.flatnonzero(cover[:-1])
    first = first[first + 1 < size]
    second = first + 1
    source_of, live = engine.columns.source_of, engine.columns.live
    first = first[((cover[first] | cover[second]) == every) & live[first] & live[second]
                  & (source_of[first] == source_of[second])]
    if strict.exclude is not None and len(first):
        excluded, _ = engine.evaluate(strict.exclude, ranking, memo=memo)
        first = first[~np.isin(first, excluded) & ~np.isin(first + 1, excluded)]
    first = first.astype(np.int64)
    return _Pairs(first, np.stack([cover[first] == every, cover[first + 1] == every]),
                  summed[first] + summed[first + 1])


def _across(engine: Engine, strict: Plan, pairs: _Pairs | None, unit_results,
            ranking: Ranking, memo, phrase_hits: np.ndarray):
    """(first passages, scores, second passages, step) of the pairs of neighbouring
    passages of one file where the query's phrase runs across the break, as typed: the
    end of the first passage and the start of the second (``Engine.across``). A query of
    plain words ranks these with the phrase step; a query that is one quoted phrase
    with the passages holding that phrase (the all step), since a reader who pastes
    text in quotes means it as much as one who does not. Only pairs that hold every word
    between them (``pairs``: None for a query of too few or too many), neither being a
    phrase hit alone, have their positions read; a passage is in one pair at most (the
    earlier)."""
    empty = np.zeros(0, dtype=np.int64)
    phrase, step = strict.phrase, PHRASE
    if phrase is None and len(unit_results) == 1 and isinstance(strict.units[0], Phrase) \
            and len(strict.units[0].parts) <= MAX_UNITS:
        phrase, step = strict.units[0], ALL
        pairs = _pairs(engine, strict, [engine.evaluate(part, ranking, memo=memo)
                                        for part in phrase.parts], ranking, memo)
    if phrase is None or pairs is None:
        return empty, np.zeros(0), empty, step
    keep = ~np.isin(pairs.first, phrase_hits) & ~np.isin(pairs.first + 1, phrase_hits)
    first = engine.across(phrase, pairs.first[keep])
    chosen: list[int] = []  # a passage that ends one pair and starts the next: the first
    for docnum in first.tolist():
        if not chosen or docnum != chosen[-1] + 1:
            chosen.append(docnum)
    first = np.array(chosen, dtype=np.int64)
    return first, pairs.scores[np.searchsorted(pairs.first, first)], first + 1, step


def _neighbours(pairs: _Pairs):
    """(first passages, scores, second passages) of the ``pairs`` whose words straddle
    the break: neither passage holds them all alone."""
    keep = ~pairs.full[0] & ~pairs.full[1]
    return pairs.first[keep], pairs.scores[keep], pairs.first[keep] + 1
