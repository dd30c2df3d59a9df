"""Writing an index: full builds, incremental updates, and publishing a generation.

    report = build("index_data", "instance/index")        # every file, a new generation
    report = update("instance/index", "index_data")       # only new, changed, removed files

One document per passage. The ``text`` field holds each word once, normalised
(``analysis.passage_analyzer``: every word kept, not stemmed); queries find the words sharing a stem through the
index vocabulary (``stemgroups``). ``source`` is a sortable ID. File hashes, the analyzer
version and the build options live in the generation's ``meta.json`` (see ``storage``),
published together with the index. Reading an index is ``search.index``'s job.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.fields import ID, STORED, TEXT, FieldType, Schema
from whoosh.formats import Frequency

from . import merging, postings, storage
from .analysis import ANALYZER_VERSION, passage_analyzer, surface_analyzer
from .errors import RebuildNeededError, SearchError
from .corpus import MESSAGES as CORPUS_MESSAGES
from .corpus import CorpusFile, iter_corpus_files, list_corpus, read_corpus_file
from .passages import MESSAGES, Passage, UndecodableFileError, decode_text, split_passages
from .commentary import check_folder as check_commentary
from .commentary import publish as publish_commentary
from .roots import store_table as store_root_table
from .workers import open_writer

#: Bump when the schema or the stored layout changes.
INDEX_FORMAT = 7
WRITER_MEMORY_MB = 256
#: Full builds of corpora larger than this use a writer process per core (Whoosh's
#: multiprocess writer: 20,000 passages built in 5.4-6.0 s instead of 8.7-8.8 s on two
#: cores); smaller ones would spend more on starting processes than they save.
PARALLEL_MIN_BYTES = 8_000_000
#: Writer processes by default: every core.
DEFAULT_PROCS = max(1, os.cpu_count() or 1)


def make_schema() -> Schema:
    """The passage schema."""
    # Every word is indexed, common ones included: a query of common words finds them,
    # and a phrase matches its common words exactly.
    text = TEXT(analyzer=passage_analyzer(), stored=True, phrase=True,
                multitoken_query="or")
    text.format = postings.TextPositions(field_boost=text.format.field_boost)
    return Schema(
        id=STORED(),  # "source#number": returned, never searched
        source=ID(stored=True, sortable=True),
        passage=STORED(),
        span=STORED(),
        title=STORED(),
        text=text,
        # Each word as written, filed under its text term (analysis.SurfaceFilter): what
        # exact matching (marks, hamza, ...) chooses among. Counts only, no positions.
        surface=FieldType(format=Frequency(), analyzer=surface_analyzer(), scorable=False),
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
    #: Files indexed, but not exactly as written (e.g. invalid UTF-8 bytes replaced).
    warnings: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def _passage_fields(passage: Passage, surface: bool = True) -> dict:
    """A passage's fields; without ``surface``, its words as written are not filed (an
    index no exact option reads: a commentary's)."""
    return {
        "id": f"{passage.source}#{passage.number}",
        "source": passage.source,
        "passage": passage.number,
        "span": (passage.start, passage.end),
        "title": passage.title,
        "text": passage.text,
        "surface": passage.text if surface else "",
    }


@dataclass
class _FileRead:
    digest: str
    size: int
    passages: list[Passage]
    warning: str | None = None


def _read_file(file: CorpusFile, corpus_dir: Path) -> _FileRead:
    """Digest, size and passages of one listed corpus file (``read_corpus_file``: the
    file opened is the file listed); UndecodableFileError or OSError if unreadable."""
    data = read_corpus_file(file, corpus_dir)
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        return _FileRead(digest, len(data), [])
    try:
        decoded = decode_text(data)
    except UndecodableFileError as error:
        raise UndecodableFileError(error.reason, file.source) from None
    warning = MESSAGES["replaced_bytes"].format(count=decoded.replaced) if decoded.replaced else None
    return _FileRead(digest, len(data), split_passages(decoded.text, file.source), warning)


def build(corpus_dir, index_dir, progress=None, wait: bool = True, roots: bool = False,
          procs: int | None = None, shard: tuple[int, int] | None = None,
          commentary=None) -> BuildReport:
    """Index every file of ``corpus_dir`` into a new generation and publish it.

    ``progress(source, done, total)`` is called after each file. ``roots`` adds a root
    table (``search.roots``): questions then also match words by root. ``procs`` writer
    processes (default: every core, for corpora large enough to gain from it).
    ``shard`` = (number, count): only the files of that shard (``shards.shard_of``);
    updates keep to them. ``commentary``: a folder of commentary files aligned line by
    line with the corpus's (``search.commentary``); updates keep it.
    """
    corpus_dir = _existing_folder(corpus_dir)
    if commentary is not None:
        commentary = check_commentary(commentary)
    with storage.write_lock(index_dir, wait=wait):
        temporary = storage.new_generation(index_dir)
        whoosh_index = storage.create_whoosh(temporary, make_schema())
        procs = _procs_for(corpus_dir, procs)
        report = _write(whoosh_index, corpus_dir, {}, progress, procs=procs, shard=shard)
        _publish(index_dir, temporary, corpus_dir, report.files_meta, roots=roots,
                 shard=shard, commentary=commentary, procs=procs)
    return report.summary


def build_from_passages(passages, index_dir, corpus_dir=None, stemmer: str = "light",
                        procs: int = 1, roots: bool = False, commentary=None,
                        surface: bool = True) -> None:
    """Index passages made elsewhere (evaluation collections, benchmarks).

    ``stemmer`` names the stemmer queries use (``stemmer.STEMMERS``); ``procs`` > 1
    writes with that many processes; ``roots`` as in ``build``; ``commentary``: (hit id,
    text) pairs, each passage's commentary (``search.commentary``); ``surface`` False
    files no written forms (no exact option will read them).
    """
    with storage.write_lock(index_dir):
        temporary = storage.new_generation(index_dir)
        whoosh_index = storage.create_whoosh(temporary, make_schema())
        files: dict[str, str] = {}
        with _open_writer(whoosh_index, procs) as writer:
            for _source, of_one_file in itertools.groupby(passages, lambda p: p.source):
                of_one_file = list(of_one_file)
                _add_file(writer, of_one_file, surface)
                files.setdefault(of_one_file[0].source, "")
        _publish(index_dir, temporary, corpus_dir, files, stemmer, roots=roots,
                 commentary=commentary, procs=procs)


def update_from_passages(index_dir, removed, passages, roots: bool = False,
                         procs: int = 1, surface: bool = True) -> None:
    """Update an index of passages made elsewhere: the sources ``removed`` lose their
    passages, and ``passages`` (grouped by source, in order) replace their sources'
    (``surface`` as in ``build_from_passages``)."""
    index_dir = Path(index_dir)
    with storage.write_lock(index_dir):
        base = storage.current_generation(index_dir)
        base_meta = storage.read_meta(base)
        check_compatible(base_meta, index_dir)
        temporary = storage.new_generation(index_dir, copy_from=base)
        files = dict(base_meta["files"])
        with _open_writer(storage.open_whoosh(temporary), procs) as writer:
            for source in removed:
                if files.pop(source, None) is not None:
                    writer.delete_by_term("source", source)
            for source, of_one_file in itertools.groupby(passages, lambda p: p.source):
                if files.pop(source, None) is not None:
                    writer.delete_by_term("source", source)
                _add_file(writer, list(of_one_file), surface)
                files[source] = ""
        _publish(index_dir, temporary, base_meta.get("corpus"), files,
                 base_meta.get("stemmer", "light"), roots=roots)


def _add_file(writer, passages, surface: bool = True) -> None:
    """Add one file's passages as a group: a writer process takes all of them, so they
    get consecutive document numbers in passage order (matching that relaxes pairs
    neighbouring passages by their numbers)."""
    with writer.group():
        for passage in passages:
            writer.add_document(**_passage_fields(passage, surface))


def update(index_dir, corpus_dir=None, progress=None, wait: bool = True,
           roots: bool | None = None, procs: int | None = None,
           commentary=None) -> BuildReport:
    """Re-index only new, changed (by content hash) and removed files, atomically.

    ``corpus_dir`` None reads the folder the index was built from; ``roots`` None keeps
    the option the index was built with; ``procs`` as in ``build``; ``commentary`` None
    keeps the commentary folder the index was built with (read again: it may have changed).
    """
    index_dir = Path(index_dir)
    with storage.write_lock(index_dir, wait=wait):
        base = storage.current_generation(index_dir)
        base_meta = storage.read_meta(base)
        check_compatible(base_meta, index_dir)
        if corpus_dir is None and base_meta.get("corpus"):
            corpus_dir = base_meta["corpus"]
        corpus_dir = _existing_folder(corpus_dir)
        known = base_meta["files"]
        if roots is None:
            roots = bool(base_meta.get("roots"))
        if commentary is None:
            commentary = base_meta.get("commentary")
        if commentary is not None:
            commentary = check_commentary(commentary)
        if known and next(iter_corpus_files(corpus_dir), None) is None:
            # An unmounted disk or a wrong path looks like this: never empty the
            # index on its word.
            raise SearchError("corpus_empty", path=corpus_dir, count=len(known))
        shard = tuple(base_meta["shard"]) if base_meta.get("shard") else None
        temporary = storage.new_generation(index_dir, copy_from=base)
        procs = _procs_for(corpus_dir, procs, changed_only=known)
        report = _write(storage.open_whoosh(temporary), corpus_dir, known, progress,
                        procs=procs, shard=shard)
        _publish(index_dir, temporary, corpus_dir, report.files_meta, roots=roots,
                 shard=shard, commentary=commentary, procs=procs, previous=base)
    return report.summary


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


def _open_writer(whoosh_index, procs: int):
    """A writer with ``_writer_options``; several processes are ``workers.open_writer``'s
    (each dies with the build, each writes a fixed share: the same numbering every time)."""
    return open_writer(whoosh_index, **_writer_options(procs))


def check_compatible(meta: dict, index_dir) -> None:
    """RebuildNeededError unless a generation's ``meta`` was written by this version's
    analyzer and index format (its terms would silently not match)."""
    if meta.get("analyzer_version") != ANALYZER_VERSION or meta.get("format") != INDEX_FORMAT:
        raise RebuildNeededError(
            "rebuild_needed", index=index_dir,
            found=f"analyzer {meta.get('analyzer_version')}, format {meta.get('format')}",
            expected=f"analyzer {ANALYZER_VERSION}, format {INDEX_FORMAT}")


def _procs_for(corpus_dir: Path, procs: int | None = None, changed_only=None) -> int:
    """Writer processes for a build: ``procs`` if given, else every core when the files
    to write (for an update, the files it does not know yet) pass PARALLEL_MIN_BYTES."""
    if procs is not None:
        if procs < 1:
            raise ValueError(f"procs must be at least 1, not {procs}")
        return procs
    size = 0
    for source, path in iter_corpus_files(corpus_dir):
        if changed_only is not None and source in changed_only:
            continue
        try:
            size += path.stat().st_size
        except OSError:
            continue
        if size > PARALLEL_MIN_BYTES:
            return DEFAULT_PROCS
    return 1


def _write(whoosh_index, corpus_dir: Path, known: dict, progress,
           procs: int = 1, shard: tuple[int, int] | None = None) -> _WriteReport:
    """Add new and changed files, delete changed and removed ones, commit.

    A file that cannot be read is reported and skipped, and the build goes on: a file
    indexed before keeps its passages (``kept``), so does every indexed file of a folder
    that cannot be read; a new one is ``skipped``. ``shard`` (number, count): only the
    files of that shard (``shards.shard_of``).
    """
    started = time.perf_counter()
    report = _WriteReport(known)
    summary = report.summary
    listing = list_corpus(corpus_dir)
    files = listing.files
    if shard is not None:
        from .shards import shard_of

        files = [file for file in files if shard_of(file.source, shard[1]) == shard[0]]
    present = {file.source for file in files}
    summary.skipped.extend(listing.skipped)
    with _open_writer(whoosh_index, procs) as writer:
        for removed in sorted(set(known) - present):
            folder = listing.under_unreadable(removed)
            if folder is not None:
                summary.kept.append((removed, CORPUS_MESSAGES["in_unreadable_folder"].format(folder=folder or "./")))
                continue
            writer.delete_by_term("source", removed)
            del report.files_meta[removed]
            summary.removed += 1
        for done, file in enumerate(files, 1):
            source = file.source
            try:
                read = _read_file(file, corpus_dir)
            except (UndecodableFileError, OSError) as error:
                reason = error.reason if isinstance(error, UndecodableFileError) \
                    else (error.strerror or str(error))
                if source in known:
                    summary.kept.append((source, reason))
                else:
                    summary.skipped.append((source, reason))
            else:
                if known.get(source) == read.digest:
                    summary.unchanged += 1
                else:
                    if source in known:
                        writer.delete_by_term("source", source)
                    _add_file(writer, read.passages)
                    if read.passages:
                        report.files_meta[source] = read.digest
                        summary.files += 1
                        summary.passages += len(read.passages)
                        summary.bytes += read.size
                        if read.warning:
                            summary.warnings.append((source, read.warning))
                    else:
                        report.files_meta.pop(source, None)
                        summary.skipped.append((source, "empty file"))
            if progress:
                progress(source, done, len(files))
    summary.seconds = time.perf_counter() - started
    return report


def _publish(index_dir, temporary: Path, corpus_dir, files: dict,
             stemmer: str = "light", roots: bool = False,
             shard: tuple[int, int] | None = None, commentary=None, procs: int = 1,
             previous: Path | None = None) -> None:
    # One set of posting arrays for many segments; retired segments' arrays go.
    merging.merge_generation(temporary, storage.segments_of(temporary))
    noted = publish_commentary(temporary, commentary, corpus_dir, files, roots, procs, previous)
    storage.write_meta(temporary, {
        "analyzer_version": ANALYZER_VERSION,
        "stemmer": stemmer,
        "format": INDEX_FORMAT,
        "corpus": str(Path(corpus_dir).resolve()) if corpus_dir else None,
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": files,
        "roots": roots,
        **noted,
        **({"shard": list(shard)} if shard else {}),
    })
    store_root_table(temporary, roots)
    storage.publish(Path(index_dir), temporary)


def _existing_folder(corpus_dir) -> Path:
    if corpus_dir is None:
        raise SearchError("no_corpus")
    path = Path(corpus_dir)
    if not path.is_dir():
        raise SearchError("corpus_not_found", path=path)
    return path
