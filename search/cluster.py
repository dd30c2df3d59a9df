"""A sharded index on a Dask cluster: shards built in parallel on the workers, every
search fanned out to them and merged into exactly one index's answer.

    build("corpus", "/shared/index", shards=4, address="tcp://scheduler:8786")
    index = ClusterIndex.open("/shared/index", "tcp://scheduler:8786")
    result = index.search("وزارة الدفاع")          # the same SearchResult as Index.search

Layout: the index folder holds ``cluster.json`` (the manifest: the shard count and the
generation of each shard in use) and one ordinary index folder per shard,
``shard-000/`` ... (``search.storage``). The folder must be readable at the same path on
every worker (shared storage, or identical copies); the command that builds writes the
shards through the workers and the manifest itself, so it runs where the folder is
mounted. A file goes to the shard ``shards.shard_of`` names.

A rebuild or an update writes a new generation in every shard, then replaces the
manifest (``os.replace``): searches see the old shards or the new ones, never a mix.
Each search reads the manifest it started with and passes the generations to the
shards, and a shard keeps its previous generation for searches still on it.

A search is two rounds (``search.shards``): every shard's statistics for the query,
the plans made over them on the coordinator, then every shard's answer to those plans
(matching that relaxes, order, one hit per file, folders: as ``Index.search``). The
coordinator keeps the plans of queries it has seen on a generation, so a repeated query
is one round. A round is one message to each worker through the scheduler
(``Client.run``), not a task per shard: a task costs several scheduler messages and its
bookkeeping. Each shard goes to one worker (the same one each time, so its index stays
open in that process and in the page cache); a worker that fails or is gone: the round
goes again to the workers the scheduler has then, every worker being able to read every
shard; if a shard still cannot answer, the search raises ``ClusterError``: an answer is
never made of some shards only. Did-you-mean suggestions (and so the search on a
correction) are not made on a cluster: they need the whole vocabulary in one place.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import threading
import time
from collections import OrderedDict
from pathlib import Path

from . import relax, storage, writer
from . import shards as sharding
from .errors import SearchError, UnknownSourceError
from .index import FACET_LIMIT, Index, check_listing
from .ranking import DEFAULT, Ranking
from .explain import searched_query
from .spelling import exact_options, in_order
from .results import FacetCount, SearchResult

MANIFEST = "cluster.json"
#: Seconds a search waits for the shards (each round) before it fails.
TIMEOUT = 60.0
#: Times a round is sent before a search fails (a worker gone: the next goes to the
#: workers the scheduler has then).
ATTEMPTS = 3
#: Queries whose plans a coordinator keeps (per generation): a repeated query skips
#: the statistics round.
PLAN_CACHE = 2048


class ClusterError(SearchError):
    """The cluster could not answer (a scheduler out of reach, a shard failing)."""


def shard_folder(index_dir, number: int) -> Path:
    return Path(index_dir) / f"shard-{number:03d}"


def read_manifest(index_dir) -> dict:
    """The manifest; IndexNotFoundError-like SearchError if there is none."""
    path = Path(index_dir) / MANIFEST
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise SearchError("cluster_index_missing", index=index_dir) from None


def _write_manifest(index_dir: Path, manifest: dict) -> None:
    path = index_dir / MANIFEST
    temporary = index_dir / f".{MANIFEST}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


# -- on the workers ------------------------------------------------------------------

_opened: dict[str, Index] = {}
_opened_lock = threading.Lock()


def _shard(index_dir: str, number: int, generation: str) -> Index:
    """The shard's index at ``generation``, opened once per worker process."""
    folder = shard_folder(index_dir, number)
    with _opened_lock:
        index = _opened.get(str(folder))
        if index is None or index.generation != generation:
            index = Index(folder, folder / generation)
            _opened[str(folder)] = index
    return index


def _statistics_task(index_dir, number, generation, query, match, ranking, exact):
    return _shard(index_dir, number, generation).query_statistics(query, match, ranking,
                                                                  exact)


def _answer_task(index_dir, number, generation, *args):
    return _shard(index_dir, number, generation).answer_plans(*args)


def _document_task(index_dir, number, generation, source, query):
    return _shard(index_dir, number, generation).document(source, query)


def _complete_task(index_dir, number, generation, prefix, limit):
    return _shard(index_dir, number, generation).complete(prefix, limit)


async def _round(index_dir, generations, assignment, call, args, dask_worker=None):
    """On a worker: ``call`` for each shard ``assignment`` gives this worker, in a
    thread, so the worker's event loop keeps answering the scheduler meanwhile."""
    numbers = assignment[dask_worker.address]

    def work():
        return {number: call(index_dir, number, generations[number], *args)
                for number in numbers}

    return await asyncio.get_running_loop().run_in_executor(None, work)


def _running_workers(dask_scheduler=None) -> list[str]:
    """On the scheduler: the workers it has now."""
    return sorted(dask_scheduler.workers)


def _length_task(index_dir, number, generation):
    return len(_shard(index_dir, number, generation))


def _manifest_task(index_dir):
    return read_manifest(index_dir)


def _build_task(corpus, index_dir, number, count, update, keep):
    """Build (or update) one shard; its new generation's name and the report."""
    folder = shard_folder(index_dir, number)
    if keep:
        _back_to(folder, keep)
    if update and keep:
        report = writer.update(folder, corpus, procs=1)
    else:
        report = writer.build(corpus, folder, procs=1, shard=(number, count))
    return storage.current_generation(folder).name, report


def _back_to(folder: Path, generation: str) -> None:
    """Undo what an interrupted build published in one shard: point ``current`` back
    at the manifest's generation and remove the newer ones no manifest named."""
    with storage.write_lock(folder):
        if storage.current_generation(folder).name == generation:
            return
        link = folder / f".{storage.CURRENT}.back"
        if link.is_symlink():
            link.unlink()
        os.symlink(generation, link)
        os.replace(link, folder / storage.CURRENT)
        for entry in folder.iterdir():
            if entry.name.startswith("gen-") and entry.name > generation:
                shutil.rmtree(entry, ignore_errors=True)


# -- the coordinator -----------------------------------------------------------------


def _client(address):
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("cluster_needs_dask") from None
    try:
        return Client(address, timeout=30, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise ClusterError("cluster_unreachable", address=address, reason=error) from None


def _gather(client, futures, what: str, timeout: float = TIMEOUT) -> list:
    """Every shard's answer, or ClusterError: never some of them."""
    deadline = time.monotonic() + timeout
    try:
        return [future.result(timeout=max(0.0, deadline - time.monotonic()))
                for future in futures]
    except SearchError:
        raise
    except TimeoutError:
        raise ClusterError("cluster_timeout", what=what, seconds=f"{timeout:.0f}") from None
    except Exception as error:  # noqa: BLE001 - any failure of a shard fails the search
        raise ClusterError("cluster_shard_failed", what=what,
                           reason=f"{type(error).__name__}: {error}") from None
    finally:
        for future in futures:
            future.release()


def build(corpus_dir, index_dir, shards: int | None, address, update: bool = False,
          client=None) -> writer.BuildReport:
    """Build (``update``: update) every shard on the cluster's workers, then switch the
    manifest. ``shards`` None keeps the index's count (a build needs it)."""
    index_dir = Path(index_dir)
    corpus = Path(corpus_dir).resolve()
    if not corpus.is_dir():
        raise SearchError("corpus_not_found", path=corpus)
    own = client is None
    client = client or _client(address)
    started = time.perf_counter()
    try:
        with storage.write_lock(index_dir):
            previous = read_manifest(index_dir) if (index_dir / MANIFEST).exists() else None
            if shards is None:
                if previous is None:
                    raise SearchError("shards_needed")
                shards = previous["shards"]
            if shards < 1:
                raise SearchError("shards_too_few", shards=shards)
            keep = previous["generations"] if previous and previous["shards"] == shards \
                else [None] * shards
            update = update and previous is not None and previous["shards"] == shards
            workers = _worker_list(client)
            futures = [client.submit(_build_task, str(corpus), str(index_dir.resolve()), number,
                                     shards, update, keep[number], pure=False, retries=1,
                                     workers=[workers[number % len(workers)]],
                                     allow_other_workers=True)
                       for number in range(shards)]
            results = _gather(client, futures, "build", timeout=24 * 3600)
            files = {}
            for number in range(shards):
                meta = storage.read_meta(shard_folder(index_dir, number) / results[number][0])
                files.update(dict.fromkeys(meta["files"], number))
            _write_manifest(index_dir, {
                "shards": shards, "generations": [name for name, _ in results],
                "version": time.strftime("%Y%m%dT%H%M%S") + f".{time.time_ns() % 10**9:09d}",
                "corpus": str(corpus), "files": dict(sorted(files.items())),
            })
    finally:
        if own:
            client.close()
    report = writer.BuildReport()
    for _name, part in results:
        report.files += part.files
        report.unchanged += part.unchanged
        report.removed += part.removed
        report.passages += part.passages
        report.bytes += part.bytes
        report.skipped += part.skipped
        report.kept += part.kept
    report.seconds = time.perf_counter() - started
    return report


def _worker_list(client) -> list[str]:
    workers = sorted(client.scheduler_info()["workers"])
    if not workers:
        raise ClusterError("cluster_no_workers")
    return workers


class ClusterIndex:
    """A sharded index searched on a Dask cluster; ``search`` answers as ``Index.search``
    over the whole corpus would. Shared by threads."""

    def __init__(self, index_dir, address, ranking: Ranking = DEFAULT, client=None):
        self.index_dir = Path(index_dir)
        self.address = address
        self.ranking = ranking
        self._own = client is None
        self.client = client or _client(address)
        self._workers = _worker_list(self.client)
        self.manifest = self._fetch_manifest()
        self._plan_cache: OrderedDict = OrderedDict()
        self._plans_lock = threading.Lock()

    @classmethod
    def open(cls, index_dir, address, ranking: Ranking = DEFAULT) -> "ClusterIndex":
        return cls(index_dir, address, ranking)

    def _fetch_manifest(self) -> dict:
        future = self.client.submit(_manifest_task, str(self.index_dir), pure=False)
        return _gather(self.client, [future], "reading the manifest")[0]

    def refresh(self) -> bool:
        """Follow a rebuilt index (a new manifest); True if it changed."""
        manifest = self._fetch_manifest()
        self._workers = _worker_list(self.client)
        if manifest["version"] == self.manifest["version"]:
            return False
        self.manifest = manifest
        return True

    @property
    def generation(self) -> str:
        return self.manifest["version"]

    @property
    def meta(self) -> dict:
        return self.manifest

    def warm(self) -> None:
        pass

    def close(self) -> None:
        if self._own:
            self.client.close()

    def sources(self) -> list[str]:
        return list(self.manifest["files"])

    def __len__(self) -> int:
        """Passages in every shard."""
        return sum(self._each(_length_task, manifest=self.manifest, what="counting"))

    def _each(self, call, *args, manifest: dict, numbers=None, what: str = "search") -> list:
        """Every shard's ``call(index_dir, number, generation, *args)``, in shard order:
        one message to each worker through the scheduler (``Client.run``), for the
        shards it holds open. A worker that fails or is gone: the shards go to the
        workers the scheduler has then, up to ``ATTEMPTS`` times in all; then
        ClusterError. Never some shards' answers only."""
        numbers = list(range(manifest["shards"]) if numbers is None else numbers)
        for attempt in range(ATTEMPTS):
            workers = self._workers
            assignment: dict[str, list[int]] = {}
            for number in numbers:
                assignment.setdefault(workers[number % len(workers)], []).append(number)
            try:
                replies = self.client.run(_round, str(self.index_dir), manifest["generations"],
                                          assignment, call, args, workers=list(assignment),
                                          callback_timeout=TIMEOUT)
                answers = {number: answer for reply in replies.values()
                           for number, answer in reply.items()}
                return [answers[number] for number in numbers]
            except SearchError:
                raise
            except TimeoutError:
                raise ClusterError("cluster_timeout", what=what,
                                   seconds=f"{TIMEOUT:.0f}") from None
            except Exception as error:  # noqa: BLE001 - a worker or a shard failing
                failure = f"{type(error).__name__}: {error}"
                time.sleep(0.2 * attempt)
                self._workers = self._live_workers()
        raise ClusterError("cluster_shard_failed", what=what, reason=failure)

    def _live_workers(self) -> list[str]:
        try:
            workers = self.client.run_on_scheduler(_running_workers)
        except Exception as error:  # noqa: BLE001 - the scheduler itself out of reach
            raise ClusterError("cluster_unreachable", address=self.address,
                               reason=error) from None
        if not workers:
            raise ClusterError("cluster_no_workers")
        return workers

    def search(self, query: str, page: int = 1, per_page: int = 10, sources=None,
               facet_limit: int = FACET_LIMIT, ranking: Ranking | None = None,
               match: str = "auto", sort: str = "relevance", collapse: bool = False,
               folders=None, exact=None, by: str = "word", explain: bool = True
               ) -> SearchResult:
        """As ``Index.search`` over the whole corpus: the same hits, scores, steps,
        totals, facets and pages (matching that relaxes, reading order, one hit per
        file, folders), but no did-you-mean suggestion and so no search on a
        correction; related words (``Ranking.related_weight``, off by default) are
        refused, and so is ``by="root"``. ``exact`` and ``explain`` as on one index."""
        started = time.perf_counter()
        if by != "word":
            raise SearchError("cluster_unsupported", feature="by=root")
        exact = exact_options(exact)
        check_listing(sort, page, per_page)
        ranking = ranking or self.ranking
        if ranking.related_weight > 0:
            raise SearchError("cluster_unsupported", feature="related words")
        manifest = self.manifest
        sources = tuple(dict.fromkeys(sources or ()))
        unknown = [s for s in sources if s not in manifest["files"]]
        if unknown:
            raise UnknownSourceError("unknown_source", source=unknown[0])
        folders = tuple(dict.fromkeys(folders or ()))
        strict, loose, average = self._plans(query, match, sources, ranking, manifest, exact)
        answers = self._each(_answer_task, strict, loose, match, page * per_page, average,
                             ranking, sort, collapse, folders, facet_limit, query, explain, exact,
                             manifest=manifest)
        counts, facet_total = sharding.merge_facets(answers, facet_limit, strict.sources,
                                                    folders)
        titles = {source: title for answer in answers
                  for source, title in answer["titles"].items()}
        totals = {step: sum(a["steps"][step] for a in answers) for step in relax.STEPS}
        held = [any(flags) for flags in zip(*(a["held"] for a in answers))]
        return SearchResult(
            query=query, total=sum(a["total"] for a in answers), page=page,
            per_page=per_page,
            hits=tuple(sharding.merge_hits(answers, sort, (page - 1) * per_page,
                                           page * per_page)),
            facets=tuple(FacetCount(value, count, value in strict.sources,
                                    label=titles.get(value))
                         for value, count in counts.items()),
            facet_total=facet_total, suggestion=None, sources=strict.sources,
            took_ms=(time.perf_counter() - started) * 1000, match=match,
            match_step=next((step for step in relax.STEPS if totals[step]), None),
            step_totals=totals,
            missing=tuple(text for text, there in zip(strict.unit_texts, held)
                          if not there),
            related=strict.related,
            expansions=loose.expansions if loose is not None else (),
            normalized_query=searched_query(strict),
            sort=sort,
            collapsed_total=sum(a["collapsed"] for a in answers) if collapse else None,
            folder_facets=tuple(FacetCount(value, count, value in folders) for value, count
                                in sharding.folder_counts(answers, strict.sources).items()),
            folders=folders, exact=in_order(exact))

    def _plans(self, query: str, match: str, sources, ranking: Ranking, manifest: dict,
               exact: frozenset[str] = frozenset()):
        """(strict plan, loose plan, average text length) of a query over every shard:
        a round of statistics, or the plans made for the same query on the same
        generation (they depend on nothing else), so a repeated query is one round."""
        key = (manifest["version"], query, match, sources, ranking, exact)
        with self._plans_lock:
            found = self._plan_cache.get(key)
            if found is not None:
                self._plan_cache.move_to_end(key)
                return found
        statistics = self._each(_statistics_task, query, match, ranking, exact,
                                manifest=manifest)
        found = sharding.plans(query, match, statistics, sources, ranking, exact)
        with self._plans_lock:
            self._plan_cache[key] = found
            while len(self._plan_cache) > PLAN_CACHE:
                self._plan_cache.popitem(last=False)
        return found

    def document(self, source: str, query: str | None = None):
        """Every passage of one source (from the shard holding it)."""
        manifest = self.manifest
        number = manifest["files"].get(source)
        if number is None:
            raise UnknownSourceError("unknown_source", source=source)
        return self._each(_document_task, source, query, manifest=manifest,
                          numbers=[number], what="document")[0]

    def complete(self, prefix: str, limit: int = 8) -> list[str]:
        """Completions from every shard, interleaved (each shard's commonest first)."""
        answers = self._each(_complete_task, prefix, limit, manifest=self.manifest,
                             what="completion")
        words: list[str] = []
        for row in zip(*(a + [None] * (limit - len(a)) for a in answers)):
            for word in row:
                if word is not None and word not in words and len(words) < limit:
                    words.append(word)
        return words
