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
from whoosh import query as wq
from whoosh import sorting

from . import storage, writer
from .engine import Engine, top
from .errors import SearchError, UnknownSourceError
from .query import QueryBuilder, parse, plain_words, question_frame_words
from .results import FacetCount, Hit, SearchResult
from .roots import RootGroups, RootTable
from .snippets import snippet
from .stemgroups import GroupedBM25F, StemGroups
from .suggest import complete_word, did_you_mean

BM25_B = 0.2
BM25_K1 = 1.2
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


class Index:
    """An opened index: thread-safe searching, plus the class methods that write one."""

    def __init__(self, index_dir, generation: Path):
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._open_generation(generation)

    # -- opening -------------------------------------------------------------------

    @classmethod
    def open(cls, index_dir) -> "Index":
        """Open the published index; IndexNotFoundError or RebuildNeededError."""
        return cls(index_dir, storage.current_generation(Path(index_dir)))

    def _open_generation(self, generation: Path) -> None:
        meta = storage.read_meta(generation)
        writer.check_compatible(meta, self.index_dir)
        whoosh_index = storage.open_whoosh(generation)
        with self._lock:
            self._whoosh = whoosh_index
            self._generation = generation
            self.meta = meta
            self._sources = frozenset(meta["files"])
            self._frame_words = None
            self._engines = {}
            self._root_table = RootTable.load(generation) if meta.get("roots") else None

    @property
    def generation(self) -> str:
        return self._generation.name

    @property
    def corpus_dir(self) -> Path | None:
        return Path(self.meta["corpus"]) if self.meta.get("corpus") else None

    def refresh(self) -> bool:
        """Switch to a newer published generation, if any; True if it switched."""
        latest = storage.current_generation(self.index_dir)
        if latest.name == self._generation.name:
            return False
        self._open_generation(latest)
        return True

    def _searcher(self):
        """This thread's searcher on the current generation (Whoosh searchers are not
        shared between threads)."""
        local = self._local
        if getattr(local, "generation", None) != self._generation:
            old = getattr(local, "searcher", None)
            generation = self._generation
            try:
                searcher = self._whoosh.searcher(
                    weighting=GroupedBM25F(B=BM25_B, K1=BM25_K1))
                engine = self._engine_of(generation)
            except (windex.EmptyIndexError, OSError):
                # Our generation was removed (newer ones were published since): there is
                # nothing old left to answer from, so move on to the published one.
                if not self.refresh():
                    raise
                return self._searcher()
            local.searcher = searcher
            local.engine = engine
            local.groups = StemGroups(engine.vocabulary,
                                      stemmer=self.meta.get("stemmer", "light"))
            local.root_groups = RootGroups(self._root_table, engine.vocabulary) \
                if self._root_table is not None else None
            local.generation = generation
            if old is not None:
                old.close()
        return local.searcher

    def _builder(self, ignore=frozenset()):
        """This thread's searcher and a query builder on it (with the root groups of an
        index built with roots; the builder uses them for questions only)."""
        searcher = self._searcher()
        return searcher, QueryBuilder(searcher, self._local.groups, ignore=ignore,
                                      root_groups=self._local.root_groups)

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
                            procs: int = 1, roots: bool = False) -> "Index":
        """Index passages made elsewhere (``writer.build_from_passages``) and open it."""
        writer.build_from_passages(passages, index_dir, corpus_dir, stemmer, procs, roots)
        return cls.open(index_dir)

    def update(self, corpus_dir=None, progress=None, wait=True, roots: bool | None = None,
               procs: int | None = None) -> writer.BuildReport:
        """Re-index what changed in ``corpus_dir`` (``writer.update``) and switch to it."""
        report = writer.update(self.index_dir, corpus_dir or self.corpus_dir, progress,
                               wait, roots, procs)
        self.refresh()
        return report

    # -- reading -------------------------------------------------------------------

    def sources(self) -> list[str]:
        return sorted(self._sources)

    def __len__(self) -> int:
        return self._searcher().doc_count()

    def _check_sources(self, sources) -> tuple[str, ...]:
        sources = tuple(dict.fromkeys(sources or ()))
        unknown = [s for s in sources if s not in self._sources]
        if unknown:
            raise UnknownSourceError(f"unknown source: {unknown[0]}")
        return sources

    def search(self, query: str, page: int = 1, per_page: int = 10,
               sources=None, facet_limit: int = FACET_LIMIT) -> SearchResult:
        """A page of ranked passages with snippets, facet counts and a suggestion.

        Facets list the ``facet_limit`` source files with most matches, and the
        selected ones; ``facet_total`` says how many files have matches in all."""
        started = time.perf_counter()
        if not isinstance(page, int) or page < 1:
            raise ValueError("page must be a positive integer")
        if not isinstance(per_page, int) or per_page < 1:
            raise ValueError("per_page must be a positive integer")
        sources = self._check_sources(sources)
        groups = parse(query)
        searcher, builder = self._builder()
        whoosh_query = builder.build(groups)
        ranked, total, (counts, facet_total) = self._run(
            searcher, whoosh_query, page * per_page, sources, facet_limit=facet_limit)
        terms = frozenset(builder.highlight_terms)
        analyzer = searcher.schema["text"].analyzer
        engine = self._engine()
        hits = []
        for docnum, score in ranked[(page - 1) * per_page:]:
            fields = engine.stored_fields(docnum)
            hits.append(Hit(
                id=fields["id"], source=fields["source"], passage=fields["passage"],
                score=score, snippet=snippet(fields["text"], terms, analyzer),
                text=fields["text"], title=fields.get("title"),
                start=fields["span"][0], end=fields["span"][1],
            ))
        facets = tuple(FacetCount(value, count, value in sources)
                       for value, count in counts.items())
        suggestion = None
        if total == 0:
            suggestion = did_you_mean(self, query, builder.words, searcher.reader(),
                                      engine.stored_fields)
        return SearchResult(
            query=query, total=total, page=page, per_page=per_page, hits=tuple(hits),
            facets=facets, facet_total=facet_total, suggestion=suggestion, sources=sources,
            took_ms=(time.perf_counter() - started) * 1000,
        )

    def warm(self) -> None:
        """Read what the first query would otherwise wait for (per-document arrays,
        stored fields)."""
        self._searcher()
        engine = self._engine()
        if len(engine.columns.live):
            engine.stored_fields(0)

    def _engine(self) -> Engine:
        """The engine of this thread's searcher's generation (``_searcher`` opens both)."""
        return self._local.engine

    def _engine_of(self, generation: Path) -> Engine:
        """The vectorised engine of a generation (made once, shared by threads)."""
        with self._lock:
            engine = self._engines.get(generation)
        if engine is None:
            engine = Engine(storage.open_whoosh(generation).reader(), generation)
            with self._lock:
                self._engines = {generation: self._engines.get(generation, engine)}
                engine = self._engines[generation]
        return engine

    def _run(self, searcher, whoosh_query, limit: int, sources=(), facets: bool = True,
             facet_limit: int | None = None):
        """(best ``limit`` (docnum, score) pairs, total, (facet counts by source, number
        of sources matched)).

        The vectorised engine runs what it can; Whoosh runs the rest. Facet counts cover
        every match and ignore the source filter; the total respects it.
        """
        engine = self._engine()
        evaluated = engine.evaluate(whoosh_query, searcher)
        if evaluated is not None:
            ids, scores = evaluated
            counts = engine.facet_counts(ids, facet_limit, sources) if facets else ({}, 0)
            if sources:
                keep = engine.source_mask(ids, sources)
                ids, scores = ids[keep], scores[keep]
            return top(ids, scores, limit), len(ids), counts
        facet = sorting.FieldFacet("source", maptype=sorting.Count)
        results = searcher.search(whoosh_query, limit=limit, groupedby=facet)
        counts = results.groups("source")
        if sources:
            source_filter = wq.Or([wq.Term("source", s) for s in sources])
            results = searcher.search(whoosh_query, limit=limit, filter=source_filter)
            total = sum(counts.get(s, 0) for s in sources)
        else:
            total = sum(counts.values())
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        shown = dict(ordered[:facet_limit])
        shown.update((s, counts[s]) for s in sources if s in counts and s not in shown)
        return [(hit.docnum, float(hit.score)) for hit in results], total, (shown, len(counts))

    def count(self, query: str) -> int:
        """How many passages match (no snippets, no facets)."""
        searcher, builder = self._builder()
        return self._run(searcher, builder.build(parse(query)), 0, facets=False)[1]

    def ranked_ids(self, query: str, limit: int = 10, match: str = "any",
                   per_word: bool = False) -> list[tuple[str, float]]:
        """Passage ids and scores only: the fast path for evaluation. By default any
        word may match (questions in natural language); ``match="all"`` as in search.
        ``per_word`` divides scores by the number of words searched for, so scores of
        long and short questions compare (for a no-answer threshold)."""
        if match == "any":
            searcher = self._searcher()
            if self._frame_words is None:
                self._frame_words = question_frame_words(
                    searcher.schema["text"].analyzer, self._local.groups.stem_of)
            searcher, builder = self._builder(ignore=self._frame_words)
            whoosh_query = builder.build(parse(plain_words(query)), match=match)
        else:
            searcher, builder = self._builder()
            whoosh_query = builder.build(parse(query), match=match)
        ranked, _total, _counts = self._run(searcher, whoosh_query, limit, facets=False)
        divisor = max(1, len(builder.words)) if per_word else 1
        engine = self._engine()
        return [(engine.stored_fields(docnum)["id"], score / divisor)
                for docnum, score in ranked]

    def document(self, source: str, query: str | None = None) -> Document:
        """Every passage of one source, in order, with the query's words marked."""
        self._check_sources([source])
        searcher, builder = self._builder()
        terms = frozenset()
        if query:
            try:
                builder.build(parse(query))
                terms = frozenset(builder.highlight_terms)
            except SearchError:
                terms = frozenset()
        analyzer = searcher.schema["text"].analyzer
        engine = self._engine()
        docs = sorted((engine.stored_fields(n) for n in engine.documents_of(source)),
                      key=lambda d: d["passage"])
        passages = tuple(
            DocumentPassage(d["passage"], snippet(d["text"], terms, analyzer, whole=True),
                            d["text"])
            for d in docs
        )
        title = docs[0].get("title") if docs else None
        return Document(source, title, passages)

    def complete(self, prefix: str, limit: int = 8) -> list[str]:
        """Corpus words, as the corpus spells them, that complete the last word typed."""
        return complete_word(self._searcher(), prefix, limit, self._engine().stored_fields)
