"""The passage index on Whoosh: build (atomic), update (incremental), search.

    index = Index.build("index_data", "instance/index")
    result = index.search("وزارة الدفاع", page=1, per_page=10)

One document per passage. The ``text`` field holds each word once, normalised
(``ArabicAnalyzer(stem=False)``); a query finds the words sharing a stem through the
index vocabulary (``stemgroups``). ``source`` is a sortable ID so facet counts come from
a column. File hashes and the analyzer version live
in the generation's ``meta.json`` (see ``storage``), published together with the index.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as windex
from whoosh import query as wq
from whoosh import sorting
from whoosh.fields import ID, STORED, TEXT, Schema

from . import merging, postings, storage
from .analysis import ANALYZER_VERSION, ArabicAnalyzer
from .engine import Engine, top
from .errors import RebuildNeededError, SearchError, UnknownSourceError
from .passages import (Passage, UndecodableFileError, decode_bytes, iter_corpus_files,
                       split_passages)
from .query import QueryBuilder, parse, plain_words, question_frame_words
from .results import FacetCount, Hit, SearchResult
from .roots import RootGroups, RootTable, store_table as store_root_table
from .snippets import snippet
from .stemgroups import GroupedBM25F, StemGroups
from .suggest import complete_word, did_you_mean

#: Bump when the schema or the stored layout changes.
INDEX_FORMAT = 6
WRITER_MEMORY_MB = 256
#: Full builds of corpora larger than this use a writer process per core (Whoosh's
#: multiprocess writer: 20,000 passages built in 5.4-6.0 s instead of 8.7-8.8 s on two
#: cores); smaller ones would spend more on starting processes than they save.
PARALLEL_MIN_BYTES = 8_000_000
WRITER_PROCS = max(1, min(4, os.cpu_count() or 1))
#: Source files listed in a result's facets (those with most matches; selected ones too).
FACET_LIMIT = 50
#: BM25F parameters: length normalisation and term-frequency saturation.
BM25_B = 0.2  # tuned on Qur'an QA train (docs/relevance.md)
BM25_K1 = 1.2


def make_schema() -> Schema:
    """The passage schema."""
    text = TEXT(analyzer=ArabicAnalyzer(stem=False), stored=True, phrase=True,
                multitoken_query="or")
    text.format = postings.TextPositions(field_boost=text.format.field_boost)
    return Schema(
        id=STORED(),  # "source#number": returned, never searched
        source=ID(stored=True, sortable=True),
        passage=STORED(),
        span=STORED(),
        title=STORED(),
        text=text,
    )


@dataclass
class BuildReport:
    """What a build or update did, for the command line's summary."""

    files: int = 0
    unchanged: int = 0
    removed: int = 0
    passages: int = 0
    bytes: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


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


def _passage_fields(passage: Passage) -> dict:
    return {
        "id": f"{passage.source}#{passage.number}",
        "source": passage.source,
        "passage": passage.number,
        "span": (passage.start, passage.end),
        "title": passage.title,
        "text": passage.text,
    }


def _read_file(path: Path, source: str) -> tuple[str, list[Passage]]:
    """(sha256, passages) of one corpus file; UndecodableFileError or OSError if unreadable."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        return digest, []
    try:
        text, _encoding = decode_bytes(data)
    except UndecodableFileError as error:
        raise UndecodableFileError(error.reason, source) from None
    return digest, split_passages(text, source)


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
        if meta.get("analyzer_version") != ANALYZER_VERSION or \
                meta.get("format") != INDEX_FORMAT:
            raise RebuildNeededError(
                f"the index in {self.index_dir} was made by another version of "
                f"arabic-search (analyzer {meta.get('analyzer_version')}, format "
                f"{meta.get('format')}; this version: analyzer {ANALYZER_VERSION}, format "
                f"{INDEX_FORMAT}): rebuild needed: arabic-search index --rebuild "
                f"--index {self.index_dir}"
            )
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
    def build(cls, corpus_dir, index_dir, progress=None, wait=True,
              roots: bool = False) -> "Index":
        """Index every file of ``corpus_dir`` into a new generation and publish it.
        ``progress(source, done, total)`` is called after each file. ``roots`` adds a
        root table (``search.roots``): questions then also match words by root."""
        index, _report = cls.build_with_report(corpus_dir, index_dir, progress, wait, roots)
        return index

    @classmethod
    def build_with_report(cls, corpus_dir, index_dir, progress=None, wait=True,
                          roots: bool = False):
        corpus_dir = _existing_folder(corpus_dir)
        with storage.write_lock(index_dir, wait=wait):
            temporary = storage.new_generation(index_dir)
            whoosh_index = storage.create_whoosh(temporary, make_schema())
            report = _write(whoosh_index, corpus_dir, {}, progress,
                            procs=_procs_for(corpus_dir))
            _publish(index_dir, temporary, corpus_dir, report.files_meta, roots=roots)
        return cls.open(index_dir), report.summary

    @classmethod
    def build_from_passages(cls, passages, index_dir, corpus_dir=None,
                            stemmer="light", procs: int = 1, roots: bool = False) -> "Index":
        """Index passages made elsewhere (evaluation collections, benchmarks).
        ``stemmer`` names the stemmer queries use (``stemmer.STEMMERS``); ``procs`` > 1
        writes with that many processes; ``roots`` as in ``build``."""
        with storage.write_lock(index_dir):
            temporary = storage.new_generation(index_dir)
            whoosh_index = storage.create_whoosh(temporary, make_schema())
            files: dict[str, str] = {}
            with whoosh_index.writer(**_writer_options(procs)) as writer:
                for passage in passages:
                    writer.add_document(**_passage_fields(passage))
                    files.setdefault(passage.source, "")
            _publish(index_dir, temporary, corpus_dir, files, stemmer, roots=roots)
        return cls.open(index_dir)

    def update(self, corpus_dir=None, progress=None, wait=True,
               roots: bool | None = None) -> BuildReport:
        """Re-index only new, changed (by content hash) and removed files, atomically.
        ``roots`` None keeps the option the index was built with."""
        corpus_dir = _existing_folder(corpus_dir or self.corpus_dir)
        with storage.write_lock(self.index_dir, wait=wait):
            base = storage.current_generation(self.index_dir)
            base_meta = storage.read_meta(base)
            known = base_meta["files"]
            if roots is None:
                roots = bool(base_meta.get("roots"))
            if known and next(iter_corpus_files(corpus_dir), None) is None:
                # An unmounted disk or a wrong path looks like this: never empty the
                # index on its word.
                raise SearchError(
                    f"{corpus_dir} has no files: not removing the {len(known)} indexed "
                    f"file(s); to index an empty folder, rebuild: arabic-search index "
                    f"{corpus_dir} --rebuild"
                )
            temporary = storage.new_generation(self.index_dir, copy_from=base)
            report = _write(storage.open_whoosh(temporary), corpus_dir, known, progress)
            _publish(self.index_dir, temporary, corpus_dir, report.files_meta, roots=roots)
        self.refresh()
        return report.summary

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


class _WriteReport:
    def __init__(self, known):
        self.summary = BuildReport()
        self.files_meta = dict(known)


def _writer_options(procs: int) -> dict:
    # Segments stay separate files: Whoosh copies every part of a compound segment into
    # memory for each reader it opens (a gigabyte per thread at a million passages).
    options = {"limitmb": WRITER_MEMORY_MB, "codec": postings.RecordingCodec(),
               "compound": False}
    if procs > 1:
        options.update(procs=procs, multisegment=True)
    return options


def _procs_for(corpus_dir: Path) -> int:
    size = 0
    for _source, path in iter_corpus_files(corpus_dir):
        try:
            size += path.stat().st_size
        except OSError:
            continue
        if size > PARALLEL_MIN_BYTES:
            return WRITER_PROCS
    return 1


def _write(whoosh_index, corpus_dir: Path, known: dict, progress,
           procs: int = 1) -> _WriteReport:
    """Add new and changed files, delete changed and removed ones, commit."""
    started = time.perf_counter()
    report = _WriteReport(known)
    summary = report.summary
    files = list(iter_corpus_files(corpus_dir))
    present = {source for source, _ in files}
    with whoosh_index.writer(**_writer_options(procs)) as writer:
        for removed in sorted(set(known) - present):
            writer.delete_by_term("source", removed)
            del report.files_meta[removed]
            summary.removed += 1
        for done, (source, path) in enumerate(files, 1):
            try:
                digest, passages = _read_file(path, source)
            except (UndecodableFileError, OSError) as error:
                reason = error.reason if isinstance(error, UndecodableFileError) \
                    else (error.strerror or str(error))
                if source in known:
                    summary.kept.append((source, reason))
                else:
                    summary.skipped.append((source, reason))
            else:
                if known.get(source) == digest:
                    summary.unchanged += 1
                else:
                    if source in known:
                        writer.delete_by_term("source", source)
                    for passage in passages:
                        writer.add_document(**_passage_fields(passage))
                    if passages:
                        report.files_meta[source] = digest
                        summary.files += 1
                        summary.passages += len(passages)
                        summary.bytes += path.stat().st_size
                    else:
                        report.files_meta.pop(source, None)
                        summary.skipped.append((source, "empty file"))
            if progress:
                progress(source, done, len(files))
    summary.seconds = time.perf_counter() - started
    return report


def _publish(index_dir, temporary: Path, corpus_dir, files: dict,
             stemmer: str = "light", roots: bool = False) -> None:
    # One set of posting arrays for many segments; retired segments' arrays go.
    merging.merge_generation(temporary, storage.open_whoosh(temporary)._segments())
    storage.write_meta(temporary, {
        "analyzer_version": ANALYZER_VERSION,
        "stemmer": stemmer,
        "format": INDEX_FORMAT,
        "corpus": str(Path(corpus_dir).resolve()) if corpus_dir else None,
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": files,
        "roots": roots,
    })
    store_root_table(temporary, roots)
    storage.publish(Path(index_dir), temporary)


def _existing_folder(corpus_dir) -> Path:
    if corpus_dir is None:
        raise SearchError("no corpus folder given and the index does not record one")
    path = Path(corpus_dir)
    if not path.is_dir():
        raise SearchError(f"corpus folder not found: {path}")
    return path
