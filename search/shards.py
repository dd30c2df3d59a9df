"""A sharded index's arithmetic, without any transport: which shard holds a file, the plans
over every shard's statistics, and one answer out of every shard's answers.

A search over shards gives exactly the answer of one index over the same corpus:

1. **Statistics.** Each shard plans the query once, as ``relax.plans`` does for its
   ``match`` (the strict plan, with related forms for ``auto``, and the question
   reading), over a ``RecordingVocabulary``, which notes what planning reads from the
   vocabulary: the words of every prefix scan (as many as a plan may read), whether each
   word looked up is there and its document frequency; plus the shard's passage count
   and total text length (``Index.query_statistics``).
2. **The plans.** The coordinator plans the query again over a ``MergedVocabulary`` of
   those notes, with the same function one index plans with (``index.plan_on``): a
   prefix scan gives the first words of the union of the shards' scans (each shard
   noted its own first ones, so these are the whole index's), a document frequency is
   the sum of the shards'. They are the plans one index would make, word groups,
   weights and IDFs included (``plans``). A word is found nowhere only if no shard has
   it, so a shard that looked up related forms did so wherever the whole index would.
3. **Answers.** Each shard runs ``relax.find`` on those plans with the whole
   collection's average text length (``CollectionEngine``), narrows, orders and
   collapses as ``Index.search`` does, and returns its totals per step, its matches per
   source, and its first hits (``Index.answer_plans``). Every step is local to a shard:
   a file's passages all live in one shard, so neighbouring passages of a file are
   neighbours there too. ``merge_hits`` orders hits as ``relax.Matches.ranked`` does
   (step, score descending, source name, place in the source) or in reading order;
   facets merge as ``Engine.facet_counts`` counts them (count descending, then name).

A file's shard is a hash of its name (``shard_of``), the same on every machine.
"""

from __future__ import annotations

import hashlib
import itertools
from functools import lru_cache, partial

from . import relax
from .errors import SearchError
from .plan import MAX_PREFIX_TERMS, Plan
from .query import question_frame_words
from .ranking import DEFAULT, Ranking
from .stemgroups import MAX_SCAN, StemGroups, stem_of

#: Words a plan may read from one prefix scan: the stem groups' bound or the prefix
#: queries' (one more, to see that a prefix has too many).
SCAN_LIMIT = max(MAX_SCAN, MAX_PREFIX_TERMS) + 1


def shard_of(source: str, shards: int) -> int:
    """The shard holding ``source`` (a file name relative to the corpus).

    >>> shard_of("akhbar/سوريا.txt", 4) == shard_of("akhbar/سوريا.txt", 4)
    True
    """
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % shards


def _utf8(term: str) -> bytes:
    return term.encode("utf-8")


class RecordingVocabulary:
    """A shard's vocabulary (``postings.Vocabulary``) that notes what is read from it."""

    def __init__(self, vocabulary):
        self.vocabulary = vocabulary
        self.prefixes: dict[str, list[str]] = {}
        self.frequencies: dict[str, int] = {}
        self.present: dict[str, bool] = {}

    def expand_prefix(self, fieldname: str, prefix: str):
        found = self.prefixes.get(prefix)
        if found is None:
            found = list(itertools.islice(self.vocabulary.expand_prefix(fieldname, prefix),
                                          SCAN_LIMIT))
            self.prefixes[prefix] = found
        return iter(found)

    def doc_frequency(self, fieldname: str, term: str) -> int:
        found = self.frequencies.get(term)
        if found is None:
            found = self.frequencies[term] = self.vocabulary.doc_frequency(fieldname, term)
        return found

    def __contains__(self, field_term) -> bool:
        term = field_term[1]
        found = self.present.get(term)
        if found is None:
            found = self.present[term] = field_term in self.vocabulary
        return found

    def doc_count_all(self) -> int:
        return self.vocabulary.doc_count_all()

    def notes(self) -> dict:
        return {"prefixes": self.prefixes, "frequencies": self.frequencies,
                "present": self.present}


class MergedVocabulary:
    """The vocabulary of several shards, from their notes (``RecordingVocabulary``), for
    planning the same query again."""

    def __init__(self, statistics: list[dict]):
        self.statistics = statistics
        self._count = sum(s["doc_count"] for s in statistics)

    def expand_prefix(self, _fieldname: str, prefix: str):
        try:
            lists = [s["prefixes"][prefix] for s in self.statistics]
        except KeyError:
            raise SearchError("shard_version_mismatch", prefix=prefix) from None
        merged = sorted(set().union(*lists), key=_utf8)
        return iter(merged[:SCAN_LIMIT])

    def doc_frequency(self, _fieldname: str, term: str) -> int:
        # A shard holding ``term`` noted its frequency: planning reads the same words on
        # every shard, and a word among the first of a scan overall is among a shard's.
        return sum(s["frequencies"].get(term, 0) for s in self.statistics)

    def __contains__(self, field_term) -> bool:
        return any(s["present"].get(field_term[1], False) for s in self.statistics)

    def doc_count_all(self) -> int:
        return self._count


@lru_cache(maxsize=1)
def _text_field():
    from .writer import make_schema

    return make_schema()["text"]


@lru_cache(maxsize=4)
def frame_words(stemmer: str) -> frozenset[str]:
    """The question reading's frame words (``query.question_frame_words``) for an index
    stemmed with ``stemmer``: the same on every shard and on the coordinator."""
    return question_frame_words(_text_field().analyzer, partial(stem_of, stemmer=stemmer))


def plans(query: str, match: str, statistics: list[dict], sources=(),
          ranking: Ranking = DEFAULT, exact: frozenset[str] = frozenset()
          ) -> tuple[Plan, Plan | None, float]:
    """The plans one index over every shard would make for ``query`` and ``match``
    (``relax.plans``: word groups, weights and IDFs included), and the collection's
    average text length."""
    from .index import plan_on

    vocabulary = MergedVocabulary(statistics)
    stemmer = statistics[0]["stemmer"]
    groups = StemGroups(vocabulary, stemmer=stemmer, ranking=ranking)
    strict, loose = relax.plans(lambda reading, relate=False: plan_on(
        _text_field(), vocabulary, groups, query, reading, sources, ranking, relate,
        frame_words(stemmer), exact=exact), match)
    count = vocabulary.doc_count_all()
    return strict, loose, sum(s["length"] for s in statistics) / (count or 1)


class CollectionEngine:
    """A shard's engine (``engine.Engine``) scoring with the whole collection's average
    text length, so ``relax.find`` on a shard scores as on one index: the evaluator the
    relaxation asks, the rest of the engine unchanged."""

    def __init__(self, engine, average_length: float):
        self.engine = engine
        self.average_length = average_length

    def evaluate(self, node, ranking: Ranking = DEFAULT, average_length=None, memo=None):
        return self.engine.evaluate(node, ranking, average_length or self.average_length,
                                    memo)

    def __getattr__(self, name):
        return getattr(self.engine, name)


def analyzer():
    """The text field's analyzer."""
    return _text_field().analyzer


def _top_folder(source: str) -> str:
    return source.split("/", 1)[0] if "/" in source else ""


def merge_facets(answers: list[dict], limit: int | None, include=(),
                 folders=()) -> tuple[dict, int]:
    """Facet counts as ``Engine.facet_counts`` gives them, from shards holding disjoint
    files: the ``limit`` sources (under ``folders`` if any) with most matches (ties by
    name), then the included."""
    counts: dict[str, int] = {}
    for answer in answers:
        counts.update(answer["by_source"])
    if folders:
        counts = {s: c for s, c in counts.items() if _top_folder(s) in folders}
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = dict(ordered[:limit])
    for name in include:
        if counts.get(name):
            shown.setdefault(name, counts[name])
    return shown, len(counts)


def folder_counts(answers: list[dict], sources=()) -> dict[str, int]:
    """Matches by top folder (``Engine.folder_counts``' order: most first, ties by
    name), from every shard's counts by source (of ``sources`` only, if given)."""
    counts: dict[str, int] = {}
    for answer in answers:
        for source, count in answer["by_source"].items():
            if sources and source not in sources:
                continue
            folder = _top_folder(source)
            counts[folder] = counts.get(folder, 0) + count
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def merge_hits(answers: list[dict], sort: str, start: int, stop: int) -> list:
    """Hits ``start`` to ``stop`` overall, ordered as one index lists them
    (``relax.Matches.ranked``: by step, then score descending, then source, then place
    in the source; ``sort="order"``: by source, then place). A file lives in one shard,
    so place in the source compares passages of one shard only."""
    hits = [hit for answer in answers for hit in answer["hits"]]
    if sort == "order":
        hits.sort(key=lambda hit: (hit.source, hit.passage))
    else:
        hits.sort(key=lambda hit: (relax.STEPS.index(hit.step), -hit.score, hit.source,
                                   hit.passage))
    return hits[start:stop]
