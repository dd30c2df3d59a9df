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

import numpy as np
import dataclasses
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as windex

from . import relax, rerank, storage, writer
from .analysis import default_stopwords
from .engine import Engine
from .explain import Explainer, searched_query
from .errors import QueryError, SearchError, UnknownSourceError
from .plan import Plan, Planner
from .query import BY, parse, plain_words, question_frame_words
from .ranking import DEFAULT, Ranking
from .related import RelatedWords
from .commentary import Commentary, fused as with_commentary
from .results import FacetCount, Hit, SearchResult
from .roots import RootGroups, RootTable
from .snippets import analysed_words, snippet
from .spelling import exact_options, in_order
from .stemgroups import StemGroups
from .suggest import complete_word, suggest_query, vocabulary_of
#: Source files listed in a result's facets (those with most matches; selected ones too).
FACET_LIMIT = 50
#: How results may be ordered: by relevance, or in reading order (file, then place).
SORTS = ("relevance", "order")


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
    first: int = 1  # number of the first passage in ``passages``
    total: int = 0  # passages in the whole file


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
        self.related = None  # search.related.RelatedWords, made on first use
        self.commentary = Commentary.open(folder)  # search.commentary, None without one
        self.titles: dict[str, str | None] = {}


class Index:
    """An opened index, shared by threads: search, count, documents, completions.

    ``ranking`` (``search.ranking.Ranking``) scores every search unless a call passes
    its own. The class methods ``build`` and ``build_from_passages`` write an index
    (``search.writer``) and open it.
    """

    def __init__(self, index_dir, generation: Path, ranking: Ranking = DEFAULT):
        if ranking.rerank_model:  # a re-ranking that cannot be read fails at open
            rerank.load(ranking.rerank_model)
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

    @property
    def analyzer(self):
        """The analyzer of the generation searches run on now (snippets mark with it)."""
        return self._current.analyzer

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
              procs: int | None = None, commentary=None) -> "Index":
        """Build an index of ``corpus_dir`` (``writer.build``; ``commentary``: a folder of
        commentary aligned line by line, ``search.commentary``) and open it."""
        writer.build(corpus_dir, index_dir, progress, wait, roots, procs,
                     commentary=commentary)
        return cls.open(index_dir)

    @classmethod
    def build_from_passages(cls, passages, index_dir, corpus_dir=None, stemmer="light",
                            procs: int = 1, roots: bool = False,
                            ranking: Ranking = DEFAULT, commentary=None) -> "Index":
        """Index passages made elsewhere (``writer.build_from_passages``; ``commentary``:
        (hit id, text) pairs, ``search.commentary``) and open it."""
        writer.build_from_passages(passages, index_dir, corpus_dir, stemmer, procs, roots,
                                   commentary=commentary)
        return cls.open(index_dir, ranking)

    def update(self, corpus_dir=None, progress=None, wait=True, roots: bool | None = None,
               procs: int | None = None, commentary=None) -> writer.BuildReport:
        """Re-index what changed in ``corpus_dir`` (``writer.update``) and switch to it."""
        report = writer.update(self.index_dir, corpus_dir or self.corpus_dir, progress,
                               wait, roots, procs, commentary=commentary)
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
            raise UnknownSourceError("unknown_source", source=unknown[0])
        return sources

    def plan(self, query: str, match: str = "all", sources=(),
             ranking: Ranking | None = None, exact=None) -> Plan:
        """The plan of ``query`` on the current generation (``plan.Planner``):
        ``match="all"`` requires every word; ``"any"`` reads the query as a question in
        natural language (frame words such as معنى or الآية left out, any word may
        match, and on an index with roots words also match by root)."""
        current, local = self._thread()
        return self._plan(current, local, query, match, sources, ranking,
                          exact=exact_options(exact))

    def _plan(self, current, local, query, match, sources, ranking=None,
              relate: bool = False, exact: frozenset[str] = frozenset(),
              by: str = "word") -> Plan:
        sources = self._check_sources(sources, current)
        ranking = ranking or self.ranking
        if match == "any" and current.frame_words is None:
            current.frame_words = question_frame_words(current.analyzer, local.groups.stem_of)
        stem_groups = local.groups
        if ranking != stem_groups.ranking:  # an experiment's weights: groups of its own
            stem_groups = StemGroups(current.engine.vocabulary, stemmer=current.stemmer,
                                     ranking=ranking)
        # Questions: words the corpus relates to the question's (search.related), when on.
        related = None
        if match == "any" and ranking.related_weight > 0:
            if current.related is None:
                current.related = RelatedWords(current.engine, local.groups.stem_of,
                                               current.roots)
            related = current.related
        return plan_on(current.field, current.engine.vocabulary, stem_groups, query, match,
                       sources, ranking, relate, current.frame_words,
                       root_groups=local.root_groups, related=related, exact=exact, by=by)

    def _find(self, current, local, query: str, match: str, sources, ranking: Ranking,
              exact: frozenset[str] = frozenset(), by: str = "word"):
        """(strict plan, loose plan or None, ``relax.Matches``) of a query."""
        if by not in BY:
            raise ValueError(f"by must be one of {', '.join(BY)}, not {by!r}")
        strict, loose = relax.plans(
            lambda reading, relate=False: self._plan(current, local, query, reading,
                                                     sources, ranking, relate, exact=exact,
                                                     by=by), match)
        found = relax.find(current.engine, strict, loose, match, ranking)
        question = loose is not None and rerank.is_question(query)
        if question and current.commentary is not None and ranking.commentary_weight > 0:
            found = with_commentary(current.engine, found, current.commentary.scores(query),
                                    ranking.commentary_weight)
        if question and ranking.rerank_model:
            fitted = rerank.load(ranking.rerank_model)
            model = fitted.model
            docnums, entries, values = rerank.candidates(
                current.engine, loose, found, learned=self._learned(current, fitted.related),
                wanted=model.features)
            if len(entries) > 1:
                found = found.reordered(rerank.rescored(entries, rerank.order(model, values)))
        return strict, loose, found

    def search(self, query: str, page: int = 1, per_page: int = 10, sources=None,
               facet_limit: int = FACET_LIMIT, ranking: Ranking | None = None,
               match: str = "auto", sort: str = "relevance", collapse: bool = False,
               folders=None, exact=None, by: str = "word", explain: bool = True) -> SearchResult:
        """A page of ranked passages with snippets, facet counts and a suggestion.

        ``match`` (``search.relax``): ``"auto"`` ranks passages with every word first,
        then pairs of neighbouring passages that hold them together, then passages with
        some of them, and retries a search that finds nothing on its correction;
        ``"all"`` requires every word; ``"any"`` reads the query as a question.
        ``sort="order"`` lists passages in reading order (by file, then place in it)
        instead of by relevance; ``collapse`` shows one hit per file, the others counted
        in ``Hit.more_in_source``; ``folders`` keeps the files under these top folders
        (collections, books). ``by="root"`` searches each word by its root (as
        ``root:word``). ``explain`` (on by default) says for every hit which written
        words matched and why (``Hit.matches``, ``search.explain``).
        Facets list the ``facet_limit`` source files with most matches, and the
        selected ones; ``facet_total`` says how many files have matches in all;
        ``folder_facets`` counts matches by top folder. Each facet ignores its own filter.
        ``exact`` (``spelling.EXACT``, a set or a comma list): what each word must keep as
        typed: ``{"diacritics"}`` finds only vocalisations its marks agree with,
        ``{"hamza"}`` only its hamza seats, ``{"form"}`` no other stem or clitic."""
        started = time.perf_counter()
        check_listing(sort, page, per_page)
        exact = exact_options(exact)
        current, local = self._thread()
        ranking = ranking or self.ranking
        engine = current.engine
        strict, loose, found = self._find(current, local, query, match, sources, ranking,
                                          exact, by)
        suggestion = corrected = None
        suggestion_partial = False
        if not len(found.ids) or found.found_nowhere() or strict.related:
            suggested = suggest_query(self, query,
                                      _by_importance(strict.words, engine.vocabulary),
                                      self._searcher(current).reader(), engine.stored_fields)
            suggestion, suggestion_partial = suggested.text, suggested.partial
            if suggestion and match == "auto" and not len(found.ids):
                strict, loose, found = self._find(current, local, suggestion, match,
                                                  sources, ranking, exact, by)
                corrected = suggestion
        folders = tuple(dict.fromkeys(folders or ()))
        in_folders = engine.folder_mask(found.ids, folders) if folders else None
        in_sources = engine.source_mask(found.ids, strict.sources) if strict.sources else None
        counts, facet_total = engine.facet_counts(
            found.ids if in_folders is None else found.ids[in_folders], facet_limit,
            strict.sources)
        folder_counts = engine.folder_counts(
            found.ids if in_sources is None else found.ids[in_sources], folders)
        found = _narrowed(found, in_folders, in_sources)
        highlight = strict.highlight | (loose.highlight if loose is not None else frozenset())
        listed, more, collapsed = _listing(engine, found, sort, collapse, page * per_page)
        explainer = (Explainer((strict, loose), query, corrected, exact=exact)
                     if explain or exact else None)
        shown = listed[(page - 1) * per_page:page * per_page]
        # the commentary's words to mark, read once, when a hit shown has its commentary
        noted = current.commentary.highlight(corrected or query) \
            if current.commentary is not None and any(d in found.noted for d, _s, _t in shown) \
            else frozenset()
        hits = [self._hit(current, docnum, score, step, found, highlight, more.get(docnum, 0),
                          explainer, explain, noted)
                for docnum, score, step in shown]
        facets = tuple(FacetCount(value, count, value in strict.sources,
                                  label=self._title(current, value))
                       for value, count in counts.items())
        totals = found.step_totals()
        answered = next((step for step in relax.STEPS if totals[step]), None)
        return SearchResult(
            query=query, total=len(found.ids), page=page, per_page=per_page,
            hits=tuple(hits), facets=facets, facet_total=facet_total,
            suggestion=suggestion, sources=strict.sources,
            took_ms=(time.perf_counter() - started) * 1000, match=match,
            match_step=answered, step_totals=totals,
            missing=found.found_nowhere(),
            related=strict.related, corrected=corrected,
            expansions=loose.expansions if loose is not None else (),
            suggestion_partial=suggestion_partial,
            normalized_query=searched_query(strict),
            sort=sort, collapsed_total=collapsed,
            folder_facets=tuple(FacetCount(value, count, value in folders)
                                for value, count in folder_counts.items()),
            folders=folders, exact=in_order(exact), by=by,
        )

    def _title(self, current, source: str) -> str | None:
        """The title of a source file (its passages all carry it), remembered."""
        titles = current.titles
        if source not in titles:
            numbers = current.engine.documents_of(source)
            titles[source] = current.engine.stored_fields(numbers[0]).get("title") \
                if numbers else None
        return titles[source]

    def _hit(self, current, docnum: int, score: float, step: str, found, highlight,
             more: int = 0, explainer: Explainer | None = None, explain: bool = True,
             noted: frozenset[str] = frozenset()) -> Hit:
        """One hit: its passage (with the next one, for a neighbour pair), the words
        marked and why they matched (one analysis of its text for both; under exact
        options, only the spellings they accept), the words it lacks, and, when its
        commentary answered the question too, that commentary with ``noted`` marked."""
        engine = current.engine
        fields = engine.stored_fields(docnum)
        text, end = fields["text"], fields["span"][1]
        partner = found.partner.get(docnum)
        if partner is not None:
            second = engine.stored_fields(partner)
            text, end = f"{text}\n{second['text']}", second["span"][1]
        analysed = analysed_words(text, current.analyzer)
        if explainer is not None:
            analysed = explainer.as_asked(text, analysed)
        return Hit(
            id=fields["id"], source=fields["source"], passage=fields["passage"],
            score=score, snippet=snippet(text, highlight, current.analyzer, analysed=analysed),
            text=text, title=fields.get("title"), start=fields["span"][0], end=end,
            step=step, missing=found.missing(docnum), more_in_source=more,
            matches=explainer.matches(text, analysed) if explain and explainer else (),
            commentary=current.commentary.snippet(fields["id"], noted)
            if noted and docnum in found.noted else None,
        )

    def warm(self) -> None:
        """Read what the first query would otherwise wait for (per-passage arrays,
        stored fields)."""
        current, _local = self._thread()
        if len(current.engine.columns.live):
            current.engine.stored_fields(0)
        vocabulary_of(self._searcher(current).reader(), wait=0)  # did-you-mean's, built aside

    def count(self, query: str) -> int:
        """How many passages hold every word (no snippets, no facets)."""
        current, local = self._thread()
        plan = self._plan(current, local, query, "all", ())
        return len(current.engine.evaluate(plan.node, self.ranking)[0])

    def ranked_sources(self, query: str, limit: int = 10, match: str = "auto",
                       ranking: Ranking | None = None) -> list[tuple[str, float]]:
        """The source file of each of the ``limit`` best passages, with its score, ranked
        as ``search`` ranks them (no stored field is read: an index whose passages are
        named by their sources, as a commentary's are, answers in one step)."""
        current, local = self._thread()
        _strict, _loose, found = self._find(current, local, query, match, (),
                                            ranking or self.ranking)
        columns = current.engine.columns
        return [(columns.source_names[columns.source_of[docnum]], score)
                for docnum, score, _step in found.ranked(limit, columns.source_of)]

    def passage_text(self, source: str, number: int = 1) -> str | None:
        """The text of passage ``number`` of ``source``, None if there is none."""
        current, _local = self._thread()
        numbers = current.engine.documents_of(source)
        if not 0 < number <= len(numbers):
            return None
        return current.engine.stored_fields(numbers[number - 1])["text"]

    def ranked_ids(self, query: str, limit: int = 10, match: str = "auto",
                   per_word: bool = False, ranking: Ranking | None = None
                   ) -> list[tuple[str, float]]:
        """Passage ids and scores only, ranked as ``search`` ranks them: the fast path
        for evaluation. ``per_word`` divides scores by the number of words the question
        reading searched for, so scores of long and short questions compare (for a
        no-answer threshold)."""
        current, local = self._thread()
        ranking = ranking or self.ranking
        strict, loose, found = self._find(current, local, query, match, (), ranking)
        words = (loose or strict).words
        divisor = max(1, len(words)) if per_word else 1
        engine = current.engine
        return [(engine.stored_fields(docnum)["id"], score / divisor)
                for docnum, score, _step in found.ranked(limit, engine.columns.source_of)]

    @staticmethod
    def _learned(current, related):
        """What the re-ranking's learned feature reads: roots, analyzer, related roots
        (None: no roots or no table, the feature stays 0)."""
        if current.roots is None or related is None:
            return None
        return current.roots, current.analyzer, related

    def question_candidates(self, query: str, depth: int = rerank.DEPTH,
                            ranking: Ranking | None = None, related=None):
        """(passage ids, ``rerank.FEATURES`` matrix) of the first ``depth`` passages of
        ``query`` read as a question, in the engine's order before any re-ranking: what
        the re-ranking model is trained and measured on (``bench/cv.py``). ``related``:
        the ``associations.Associations`` to score with (None: the learned feature is 0)."""
        current, local = self._thread()
        ranking = ranking or self.ranking
        _strict, loose, found = self._find(current, local, query, "auto", (),
                                           dataclasses.replace(ranking, rerank_model=None))
        if loose is None:
            return [], np.zeros((0, len(rerank.FEATURES)))
        docnums, _entries, values = rerank.candidates(current.engine, loose, found, depth,
                                                      self._learned(current, related))
        engine = current.engine
        return [engine.stored_fields(int(d))["id"] for d in docnums], values

    def document(self, source: str, query: str | None = None, around: int | None = None,
                 window: int = 200, by: str = "word") -> Document:
        """One page of a source's passages, in order, with the query's words marked
        (``by="root"``: every word of their roots, as ``search`` found them).

        Passages come ``window`` at a time: the block holding passage ``around`` (the
        first block without it), so a huge file never makes a huge page.
        ``Document.first`` is the first passage number shown, ``Document.total`` the
        file's passage count.
        """
        current, local = self._thread()
        self._check_sources([source], current)
        terms = frozenset()
        if query:
            try:
                terms = self._plan(current, local, query, "all", (), by=by).highlight
            except SearchError:
                terms = frozenset()
        engine = current.engine
        numbers = engine.documents_of(source)
        total = len(numbers)
        window = max(1, window)
        block = (min(max(around or 1, 1), max(total, 1)) - 1) // window
        first = block * window + 1
        # A file's passages are written together and in order, so index order is passage
        # order; if that ever fails, read them all and sort.
        docs = [engine.stored_fields(n) for n in numbers[first - 1:first - 1 + window]]
        if [d["passage"] for d in docs] != list(range(first, first + len(docs))):
            docs = sorted((engine.stored_fields(n) for n in numbers),
                          key=lambda d: d["passage"])[first - 1:first - 1 + window]
        passages = tuple(
            DocumentPassage(d["passage"], snippet(d["text"], terms, current.analyzer,
                                                  whole=True), d["text"])
            for d in docs
        )
        title = docs[0].get("title") if docs else None
        return Document(source, title, passages, first=first, total=total)

    def complete(self, prefix: str, limit: int = 8) -> list[str]:
        """Corpus words, as the corpus spells them, that complete the last word typed."""
        current, _local = self._thread()
        return complete_word(self._searcher(current), prefix, limit,
                             current.engine.stored_fields, current.engine.vocabulary)

    # -- shards (search.cluster) ---------------------------------------------------
    # A coordinator plans a query over several shards with their summed statistics
    # (search.shards), then every shard answers those plans: these two methods are all
    # it asks of a shard.

    def query_statistics(self, query: str, match: str = "all",
                         ranking: Ranking | None = None,
                         exact: frozenset[str] = frozenset()) -> dict:
        """What planning ``query`` for ``match`` (``relax.plans``) reads from this
        index's vocabulary (``shards.RecordingVocabulary``), its passage count (deleted
        ones too, as IDFs count them) and their total text length."""
        from .shards import RecordingVocabulary, frame_words

        current, _local = self._thread()
        engine = current.engine
        ranking = ranking or self.ranking
        vocabulary = RecordingVocabulary(engine.vocabulary)
        groups = StemGroups(vocabulary, stemmer=current.stemmer, ranking=ranking)
        relax.plans(lambda reading, relate=False: plan_on(
            current.field, vocabulary, groups, query, reading, (), ranking, relate,
            frame_words(current.stemmer), exact=exact), match)
        count = vocabulary.doc_count_all()
        return {**vocabulary.notes(), "doc_count": count,
                "length": round(engine.average_length * count),
                "stemmer": current.stemmer, "generation": self.generation}

    def answer_plans(self, strict: Plan, loose: Plan | None, match: str, count: int,
                     average_length: float, ranking: Ranking | None = None,
                     sort: str = "relevance", collapse: bool = False, folders=(),
                     facet_limit: int | None = FACET_LIMIT, query: str = "",
                     explain: bool = True, exact: frozenset[str] = frozenset()) -> dict:
        """Plans made elsewhere, answered here as ``search`` answers: every step of
        ``relax.find`` scored with the whole collection's ``average_length``, then the
        first ``count`` hits in ``sort`` order (one per file with ``collapse``), in
        ``strict.sources`` and ``folders``. With them: the matches per source (before
        any filter), the step totals, which required words some passage holds, and the
        titles of the sources a facet may show. ``query`` as typed, ``explain`` and
        ``exact``: each hit's marks and matches, as ``search`` gives them."""
        from .shards import CollectionEngine

        current, _local = self._thread()
        engine = current.engine
        ranking = ranking or self.ranking
        found = relax.find(CollectionEngine(engine, average_length), strict, loose, match,
                           ranking)
        per_source, _ = engine.facet_counts(found.ids)
        in_folders = engine.folder_mask(found.ids, folders) if folders else None
        faceted, _ = engine.facet_counts(
            found.ids if in_folders is None else found.ids[in_folders], facet_limit,
            strict.sources)
        in_sources = engine.source_mask(found.ids, strict.sources) if strict.sources else None
        found = _narrowed(found, in_folders, in_sources)
        listed, more, collapsed = _listing(engine, found, sort, collapse, count)
        highlight = strict.highlight | (loose.highlight if loose is not None else frozenset())
        explainer = (Explainer((strict, loose), query, exact=exact)
                     if explain or exact else None)
        return {"total": len(found.ids), "steps": found.step_totals(),
                "held": [bool(len(ids)) for ids in found.units],
                "by_source": per_source, "collapsed": collapsed,
                "titles": {source: self._title(current, source) for source in faceted},
                "hits": [self._hit(current, docnum, score, step, found, highlight,
                                   more.get(docnum, 0), explainer, explain)
                         for docnum, score, step in listed[:count]],
                "generation": self.generation}

    # -- concordance and frequency (search.concordance) ----------------------------
    # Read-only helpers over the current generation; the searching above is untouched.

    def passages_holding(self, query: str, limit: int) -> tuple[int, frozenset[str], object, list[dict]]:
        """(how many passages hold every word of ``query``, the index terms its words
        find (what search marks), the text analyzer, the stored fields of the first
        ``limit`` of those passages in index order: file by file, passage by passage)."""
        import numpy as np

        current, local = self._thread()
        plan = self._plan(current, local, query, "all", ())
        engine = current.engine
        ids = np.sort(engine.evaluate(plan.node, self.ranking)[0])
        return (len(ids), plan.highlight, current.analyzer,
                [engine.stored_fields(int(docnum)) for docnum in ids[:max(0, limit)]])

    def word_forms(self, word: str, by: str = "stem") -> tuple[str, tuple[str, ...]]:
        """(the key, the index terms) counted for ``word``'s frequency: ``by="word"`` its
        own index term(s), ``"stem"`` every form that shares its light stem (those
        search finds), ``"root"`` every form with its root (``roots_needed`` unless the
        index was built with roots). Several words: their forms together."""
        current, local = self._thread()
        terms = list(dict.fromkeys(t.text for t in current.analyzer(word, removestops=False)))
        if not terms:
            raise QueryError("query_empty")
        if by == "word":
            return " ".join(terms), tuple(terms)
        if by == "stem":
            keys = [local.groups.stem_of(term) for term in terms]
            return " ".join(dict.fromkeys(keys)), tuple(sorted(self._plan(
                current, local, " ".join(terms), "all", ()).highlight))
        if by == "root":
            if current.roots is None:
                raise SearchError("roots_needed", index=self.index_dir)
            keys = list(dict.fromkeys(current.roots.root(term) for term in terms))
            forms = {form for key in keys for form in current.roots.forms(key)}
            return " ".join(keys), tuple(sorted(forms | set(terms)))
        raise ValueError(f"by must be 'word', 'stem' or 'root', not {by!r}")

    def term_counts(self, terms) -> list[tuple[str, int, int]]:
        """(source, occurrences of any of ``terms``, passages holding one) for every
        source that has one, from the posting arrays (no text is read); most first."""
        import numpy as np

        engine = self._current.engine
        parts = [engine.postings(term) for term in dict.fromkeys(terms)]
        parts = [(ids, tf) for ids, tf in parts if len(ids)]
        if not parts:
            return []
        ids = np.concatenate([ids for ids, _ in parts])
        frequencies = np.concatenate([tf for _, tf in parts])
        live = engine.columns.live[ids]
        ids, frequencies = ids[live], frequencies[live]
        sources = engine.columns.source_of[ids]
        size = len(engine.columns.source_names)
        occurrences = np.bincount(sources, weights=frequencies, minlength=size)
        unique = np.unique(ids)
        passages = np.bincount(engine.columns.source_of[unique], minlength=size)
        found = [(engine.columns.source_names[number], int(round(occurrences[number])),
                  int(passages[number])) for number in np.flatnonzero(passages)]
        return sorted(found, key=lambda row: (-row[1], row[0]))


def plan_on(field, vocabulary, groups: StemGroups, query: str, match: str, sources=(),
            ranking: Ranking = DEFAULT, relate: bool = False, frame_words=frozenset(),
            root_groups=None, related=None, exact: frozenset[str] = frozenset(),
            by: str = "word") -> Plan:
    """The plan of ``query`` over ``vocabulary``: one index's, or several shards' notes
    merged (``search.shards``), so both plan with this one definition. ``match="all"``
    requires every word; ``"any"`` is the question reading (``frame_words`` left out, a
    stray quote or ``*`` read as punctuation). ``exact``: what each word keeps as typed
    (``spelling.EXACT``); ``by="root"``: each word searched by its root."""
    if match == "any":
        try:
            clauses = parse(query)
        except QueryError:  # a question is words: its stray quote or * is punctuation
            clauses = parse(plain_words(query))
        ignore = frame_words
    elif match == "all":
        clauses, ignore = parse(query), frozenset()
    else:
        raise ValueError(f"match must be 'all' or 'any', not {match!r}")
    planner = Planner(field, vocabulary, groups, ranking, root_groups=root_groups,
                      ignore=ignore, common=default_stopwords(), related=related)
    return planner.plan(clauses, match=match, sources=tuple(sources), relate=relate,
                        exact=exact, by=by)


def check_listing(sort: str, page: int, per_page: int) -> None:
    """Refuse a listing ``search`` cannot make (one index's or a cluster's)."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    if not isinstance(page, int) or page < 1:
        raise ValueError("page must be a positive integer")
    if not isinstance(per_page, int) or per_page < 1:
        raise ValueError("per_page must be a positive integer")


def _narrowed(found: relax.Matches, *masks) -> relax.Matches:
    """``found`` where every mask given (over ``found.ids``; None: no filter) is True."""
    masks = [mask for mask in masks if mask is not None]
    if not masks:
        return found
    return found.only(np.logical_and.reduce(masks))


def _listing(engine: Engine, found: relax.Matches, sort: str, collapse: bool, count: int):
    """(the first ``count`` (passage, score, step) listed, {first passage: other matches
    in its file} when ``collapse``, how many files are listed when ``collapse``): in
    ``sort`` order, one per file when ``collapse``."""
    source_of = engine.columns.source_of
    wanted = len(found.ids) if collapse else count
    listed = found.in_order(wanted, source_of) if sort == "order" \
        else found.ranked(wanted, source_of)
    more: dict[int, int] = {}
    if not collapse:
        return listed, more, None
    per_source = np.bincount(source_of[found.ids], minlength=len(engine.columns.source_names))
    firsts, seen = [], set()
    for entry in listed:
        source = int(source_of[entry[0]])
        if source not in seen:
            seen.add(source)
            firsts.append(entry)
            more[entry[0]] = int(per_source[source]) - 1
    return firsts, more, len(firsts)


def _by_importance(words, vocabulary) -> list[tuple[str, str]]:
    """Words typed, the ones the index lacks first, then the longest (did-you-mean
    corrects a few words at most)."""
    return sorted(words, key=lambda word: (("text", word[1]) in vocabulary, -len(word[1])))
