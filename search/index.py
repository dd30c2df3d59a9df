"""Reading an index: open a published generation, search it, show a document.

    index = Index.open("instance/index")            # or Index.build(corpus, folder)
    result = index.search("وزارة الدفاع", page=1, per_page=10)

An ``Index`` follows the folder's published generation (``refresh``), and is shared by
threads. Writing (builds, updates, publishing) is ``search.writer``'s job; the class
methods ``build`` and ``update`` here call it and open what it wrote.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as windex

from . import storage, writer
from .engine import Engine, top
from .errors import SearchError, UnknownSourceError
from .plan import Plan, Planner
from .query import parse, plain_words, question_frame_words
from .ranking import DEFAULT, Ranking
from .results import FacetCount, Hit, SearchResult
from .roots import RootGroups, RootTable
from .snippets import snippet
from .stemgroups import StemGroups
from .suggest import complete_word, did_you_mean
#: Source files listed in a result's facets (those with most matches; selected ones too).
FACET_LIMIT = 50


@dataclass(frozen=True)
class DocumentPassage:
    number: int
    html: str
    text: str


@dataclass(frozen=True)
class Document:
    """A whole source file as indexed, passage by passage, for the document view."""

    source: str
    title: str | None
    passages: tuple[DocumentPassage, ...]


class _Generation:
    """One published generation, opened once and shared by threads: its Whoosh index
    (analyzer, stored fields), its engine (posting arrays) and its root table."""

    def __init__(self, folder: Path, meta: dict):
        self.folder = folder
        self.meta = meta
        self.whoosh = storage.open_whoosh(folder)
        self.engine = Engine(self.whoosh.reader(), folder)
        self.field = self.whoosh.schema["text"]
        self.analyzer = self.field.analyzer
        self.sources = frozenset(meta["files"])
        self.roots = RootTable.load(folder) if meta.get("roots") else None
        self.stemmer = meta.get("stemmer", "light")
        self.frame_words = None


class Index:
    """An opened index, shared by threads: search, count, documents, completions.

    ``ranking`` (``search.ranking.Ranking``) scores every search unless a call passes
    its own. The class methods ``build`` and ``build_from_passages`` write an index
    (``search.writer``) and open it.
    """

    def __init__(self, index_dir, generation: Path, ranking: Ranking = DEFAULT):
        self.index_dir = Path(index_dir)
        self.ranking = ranking
        self._lock = threading.Lock()
        self._local = threading.local()
        self._current = self._load(generation)

    # -- opening -------------------------------------------------------------------

    @classmethod
    def open(cls, index_dir, ranking: Ranking = DEFAULT) -> "Index":
        """Open the published index; IndexNotFoundError or RebuildNeededError."""
        return cls(index_dir, storage.current_generation(Path(index_dir)), ranking)

    def _load(self, folder: Path) -> _Generation:
        meta = storage.read_meta(folder)
        writer.check_compatible(meta, self.index_dir)
        return _Generation(folder, meta)

    @property
    def meta(self) -> dict:
        """The published generation's ``meta.json`` (corpus, files, build options)."""
        return self._current.meta

    @property
    def generation(self) -> str:
        return self._current.folder.name

    @property
    def corpus_dir(self) -> Path | None:
        return Path(self.meta["corpus"]) if self.meta.get("corpus") else None

    @property
    def engine(self) -> Engine:
        """The query engine of the generation searches run on now."""
        return self._current.engine

    def refresh(self) -> bool:
        """Switch to a newer published generation, if any; True if it switched."""
        latest = storage.current_generation(self.index_dir)
        if latest.name == self._current.folder.name:
            return False
        loaded = self._load(latest)
        with self._lock:
            self._current = loaded
        return True

    def _thread(self):
        """This thread's word groups (their caches are not shared between threads) on
        the current generation."""
        local = self._local
        current = self._current
        if getattr(local, "generation", None) is not current:
            if not current.folder.exists() and self.refresh():
                # Newer generations were published and ours removed: files not read
                # yet are gone, so move on to the published one.
                current = self._current
            local.groups = StemGroups(current.engine.vocabulary, stemmer=current.stemmer,
                                      ranking=self.ranking)
            local.root_groups = RootGroups(current.roots, current.engine.vocabulary) \
                if current.roots is not None else None
            local.searcher = None
            local.generation = current
        return current, local

    def _searcher(self, current: _Generation):
        """This thread's Whoosh searcher (completion and did-you-mean read Whoosh's term
        index); opened on first use."""
        local = self._local
        if local.searcher is None:
            try:
                local.searcher = current.whoosh.searcher()
            except (windex.EmptyIndexError, OSError):
                # The generation was removed (newer ones were published since).
                if not self.refresh():
                    raise
                return self._searcher(self._thread()[0])
        return local.searcher

    def close(self) -> None:
        """Close this thread's searcher (the next search opens a new one)."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
        self._local.searcher = None
        self._local.generation = None

    # -- writing -------------------------------------------------------------------

    @classmethod
    def build(cls, corpus_dir, index_dir, progress=None, wait=True, roots: bool = False,
              procs: int | None = None) -> "Index":
        """Build an index of ``corpus_dir`` (``writer.build``) and open it."""
        writer.build(corpus_dir, index_dir, progress, wait, roots, procs)
        return cls.open(index_dir)

    @classmethod
    def build_from_passages(cls, passages, index_dir, corpus_dir=None, stemmer="light",
                            procs: int = 1, roots: bool = False,
                            ranking: Ranking = DEFAULT) -> "Index":
        """Index passages made elsewhere (``writer.build_from_passages``) and open it."""
        writer.build_from_passages(passages, index_dir, corpus_dir, stemmer, procs, roots)
        return cls.open(index_dir, ranking)

    def update(self, corpus_dir=None, progress=None, wait=True, roots: bool | None = None,
               procs: int | None = None) -> writer.BuildReport:
        """Re-index what changed in ``corpus_dir`` (``writer.update``) and switch to it."""
        report = writer.update(self.index_dir, corpus_dir or self.corpus_dir, progress,
                               wait, roots, procs)
        self.refresh()
        return report

    # -- reading -------------------------------------------------------------------

    def sources(self) -> list[str]:
        return sorted(self._current.sources)

    def __len__(self) -> int:
        engine = self._current.engine
        return int(engine.columns.live.sum())

    def _check_sources(self, sources, current: _Generation) -> tuple[str, ...]:
        sources = tuple(dict.fromkeys(sources or ()))
        unknown = [s for s in sources if s not in current.sources]
        if unknown:
            raise UnknownSourceError(f"unknown source: {unknown[0]}")
        return sources

    def plan(self, query: str, match: str = "all", sources=(),
             ranking: Ranking | None = None) -> Plan:
        """The plan of ``query`` on the current generation (``plan.Planner``):
        ``match="all"`` requires every word; ``"any"`` reads the query as a question in
        natural language (syntax characters are punctuation there, frame words such as
        ما or كيف are left out, and on an index with roots words also match by root)."""
        current, local = self._thread()
        return self._plan(current, local, query, match, sources, ranking)

    def _plan(self, current, local, query, match, sources, ranking=None) -> Plan:
        sources = self._check_sources(sources, current)
        ranking = ranking or self.ranking
        if match == "any":
            if current.frame_words is None:
                current.frame_words = question_frame_words(current.analyzer,
                                                           local.groups.stem_of)
            clauses, ignore = parse(plain_words(query)), current.frame_words
        elif match == "all":
            clauses, ignore = parse(query), frozenset()
        else:
            raise ValueError(f"match must be 'all' or 'any', not {match!r}")
        stem_groups = local.groups
        if ranking != stem_groups.ranking:  # an experiment's weights: groups of its own
            stem_groups = StemGroups(current.engine.vocabulary, stemmer=current.stemmer,
                                     ranking=ranking)
        planner = Planner(current.field, current.engine.vocabulary, stem_groups, ranking,
                          root_groups=local.root_groups, ignore=ignore)
        return planner.plan(clauses, match=match, sources=sources)

    def search(self, query: str, page: int = 1, per_page: int = 10, sources=None,
               facet_limit: int = FACET_LIMIT, ranking: Ranking | None = None) -> SearchResult:
        """A page of ranked passages with snippets, facet counts and a suggestion.

        Facets list the ``facet_limit`` source files with most matches, and the
        selected ones; ``facet_total`` says how many files have matches in all."""
        started = time.perf_counter()
        if not isinstance(page, int) or page < 1:
            raise ValueError("page must be a positive integer")
        if not isinstance(per_page, int) or per_page < 1:
            raise ValueError("per_page must be a positive integer")
        current, local = self._thread()
        plan = self._plan(current, local, query, "all", sources, ranking)
        engine = current.engine
        ids, scores = engine.evaluate(plan.node, ranking or self.ranking)
        counts, facet_total = engine.facet_counts(ids, facet_limit, plan.sources)
        if plan.sources:
            keep = engine.source_mask(ids, plan.sources)
            ids, scores = ids[keep], scores[keep]
        total = len(ids)
        hits = []
        for docnum, score in top(ids, scores, page * per_page,
                                 engine.columns.source_of)[(page - 1) * per_page:]:
            fields = engine.stored_fields(docnum)
            hits.append(Hit(
                id=fields["id"], source=fields["source"], passage=fields["passage"],
                score=score, snippet=snippet(fields["text"], plan.highlight, current.analyzer),
                text=fields["text"], title=fields.get("title"),
                start=fields["span"][0], end=fields["span"][1],
            ))
        facets = tuple(FacetCount(value, count, value in plan.sources)
                       for value, count in counts.items())
        suggestion = None
        if total == 0:
            suggestion = did_you_mean(self, query, list(plan.words),
                                      self._searcher(current).reader(), engine.stored_fields)
        return SearchResult(
            query=query, total=total, page=page, per_page=per_page, hits=tuple(hits),
            facets=facets, facet_total=facet_total, suggestion=suggestion,
            sources=plan.sources, took_ms=(time.perf_counter() - started) * 1000,
        )

    def warm(self) -> None:
        """Read what the first query would otherwise wait for (per-passage arrays,
        stored fields)."""
        current, _local = self._thread()
        if len(current.engine.columns.live):
            current.engine.stored_fields(0)

    def count(self, query: str) -> int:
        """How many passages match (no snippets, no facets)."""
        current, local = self._thread()
        plan = self._plan(current, local, query, "all", ())
        return len(current.engine.evaluate(plan.node, self.ranking)[0])

    def ranked_ids(self, query: str, limit: int = 10, match: str = "any",
                   per_word: bool = False, ranking: Ranking | None = None
                   ) -> list[tuple[str, float]]:
        """Passage ids and scores only: the fast path for evaluation. By default any
        word may match (questions in natural language); ``match="all"`` as in search.
        ``per_word`` divides scores by the number of words searched for, so scores of
        long and short questions compare (for a no-answer threshold)."""
        current, local = self._thread()
        plan = self._plan(current, local, query, match, (), ranking)
        ids, scores = current.engine.evaluate(plan.node, ranking or self.ranking)
        divisor = max(1, len(plan.words)) if per_word else 1
        engine = current.engine
        return [(engine.stored_fields(docnum)["id"], score / divisor)
                for docnum, score in top(ids, scores, limit)]

    def document(self, source: str, query: str | None = None) -> Document:
        """Every passage of one source, in order, with the query's words marked."""
        current, local = self._thread()
        self._check_sources([source], current)
        terms = frozenset()
        if query:
            try:
                terms = self._plan(current, local, query, "all", ()).highlight
            except SearchError:
                terms = frozenset()
        engine = current.engine
        docs = sorted((engine.stored_fields(n) for n in engine.documents_of(source)),
                      key=lambda d: d["passage"])
        passages = tuple(
            DocumentPassage(d["passage"], snippet(d["text"], terms, current.analyzer,
                                                  whole=True), d["text"])
            for d in docs
        )
        title = docs[0].get("title") if docs else None
        return Document(source, title, passages)

    def complete(self, prefix: str, limit: int = 8) -> list[str]:
        """Corpus words, as the corpus spells them, that complete the last word typed."""
        current, _local = self._thread()
        return complete_word(self._searcher(current), prefix, limit,
                             current.engine.stored_fields)

    # -- shards (search.cluster) ---------------------------------------------------
    # A coordinator plans a query over several shards with their summed statistics
    # (search.shards), then every shard evaluates that plan: these two methods are all
    # it asks of a shard.

    def query_statistics(self, query: str) -> dict:
        """What planning ``query`` (every word required) reads from this index's
        vocabulary (``shards.RecordingVocabulary``), its passage count (deleted ones
        too, as IDFs count them) and their total text length."""
        from .shards import RecordingVocabulary

        current, _local = self._thread()
        engine = current.engine
        vocabulary = RecordingVocabulary(engine.vocabulary)
        groups = StemGroups(vocabulary, stemmer=current.stemmer, ranking=self.ranking)
        Planner(current.field, vocabulary, groups, self.ranking).plan(parse(query))
        count = vocabulary.doc_count_all()
        return {**vocabulary.notes(), "doc_count": count,
                "length": round(engine.average_length * count),
                "stemmer": current.stemmer, "generation": self.generation}

    def evaluate_plan(self, node, sources=(), count: int = 10, average_length=None,
                      ranking: Ranking | None = None) -> dict:
        """A plan made elsewhere, evaluated here: how many passages match (in
        ``sources`` if any), every source's matches, and the ``count`` best as
        (score, document number, stored fields), in ``search``'s order."""
        current, _local = self._thread()
        engine = current.engine
        ids, scores = engine.evaluate(node, ranking or self.ranking, average_length)
        facets, _facet_total = engine.facet_counts(ids, None, ())
        if sources:
            keep = engine.source_mask(ids, sources)
            ids, scores = ids[keep], scores[keep]
        hits = [(score, docnum, engine.stored_fields(docnum))
                for docnum, score in top(ids, scores, count, engine.columns.source_of)]
        return {"total": len(ids), "all_facets": facets, "hits": hits,
                "generation": self.generation}
