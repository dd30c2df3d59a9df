"""Index folders on disk: generations swapped atomically, one writer at a time.

An index folder holds:

- ``current``: a symlink to the generation readers should open;
- ``gen-<stamp>/``: complete Whoosh indexes, each with a ``meta.json`` (analyzer
  version, corpus, file hashes) written before the generation is published;
- ``tmp-<stamp>/``: a generation being written (left behind only by a crash);
- ``build.lock``: held (``flock``) by the one process writing; the kernel releases it
  when the last descriptor of it is closed, so when that process dies, however it dies.
  Forked writer processes close their inherited copy first thing
  (``close_inherited_locks``) and die with their parent (``search.workers``), so a lock
  never outlives its holder.

Every write (full build or incremental update) makes a new generation and publishes it
by replacing the ``current`` symlink with ``rename``, which is atomic: a reader sees the
old index or the new one, never a half-written one. Every file of the generation and its
folder are fsynced before the switch, so after a power cut ``current`` never names a
generation whose files were still in the page cache. Updates start from a hard-linked
copy of the current generation (Whoosh never rewrites a file it has committed).
"""

from __future__ import annotations

import errno
import fcntl
import io
import json
import mmap
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

from .errors import BuildInProgressError, IndexNotFoundError, SearchError

CURRENT = "current"
LOCK_FILE = "build.lock"
META_FILE = "meta.json"
#: Generations kept besides the current one, for readers that have not refreshed yet.
KEEP_PREVIOUS = 1
#: Descriptors of build locks this process holds (a forked child closes its copies).
_held_locks: set[int] = set()


def current_generation(index_dir: Path) -> Path:
    """The published generation's folder; IndexNotFoundError if there is none."""
    link = Path(index_dir) / CURRENT
    try:
        target = os.readlink(link)
    except FileNotFoundError:
        raise IndexNotFoundError("index_missing", index=str(index_dir)) from None
    except OSError as error:
        raise IndexNotFoundError(
            "index_link_broken", index=str(index_dir), reason=error.strerror
        ) from None
    return Path(index_dir) / target


def read_meta(generation: Path) -> dict:
    with open(generation / META_FILE, encoding="utf-8") as handle:
        return json.load(handle)


def write_meta(generation: Path, meta: dict) -> None:
    path = generation / META_FILE
    temporary = path.with_suffix(".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(meta, handle, ensure_ascii=False, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


@contextmanager
def write_lock(index_dir: Path, wait: bool = True, on_wait=None):
    """Hold the index folder's build lock; BuildInProgressError if busy and not waiting."""
    index_dir = Path(index_dir)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / LOCK_FILE, "a+", encoding="utf-8")
    except OSError as error:
        raise SearchError("index_folder", path=index_dir,
                          reason=error.strerror or error) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            if not wait:
                raise BuildInProgressError(
                    "build_in_progress", index=str(index_dir), holder=holder
                ) from None
            if on_wait:
                on_wait(holder)
            fcntl.flock(handle, fcntl.LOCK_EX)
        _held_locks.add(handle.fileno())
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        remove_stale(index_dir)
        yield
    finally:
        _held_locks.discard(handle.fileno())
        handle.close()


def close_inherited_locks() -> None:
    """In a forked child: close the copies of the parent's build-lock descriptors, so the
    lock goes when the parent does. (Closing, never ``LOCK_UN``: that would release the
    parent's lock too, the descriptors sharing one open file.)"""
    for descriptor in list(_held_locks):
        try:
            os.close(descriptor)
        except OSError:
            pass
    _held_locks.clear()


def new_generation(index_dir: Path, copy_from: Path | None = None) -> Path:
    """A fresh ``tmp-`` folder to write a generation into, optionally hard-linked from
    an existing one (call with the lock held)."""
    now = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now // 10**9)) + \
        f".{now % 10**9:09d}-{uuid.uuid4().hex[:6]}"
    folder = Path(index_dir) / f"tmp-{stamp}"
    if copy_from is None:
        folder.mkdir()
        return folder
    folder.mkdir()
    for entry in os.scandir(copy_from):
        if entry.is_file() and not entry.name.endswith("WRITELOCK") and entry.name != META_FILE:
            os.link(entry.path, folder / entry.name)
    return folder


def publish(index_dir: Path, temporary: Path) -> Path:
    """Rename a finished ``tmp-`` folder to ``gen-`` and point ``current`` at it."""
    index_dir = Path(index_dir)
    generation = index_dir / ("gen-" + temporary.name[len("tmp-"):])
    _fsync_files(temporary)
    os.rename(temporary, generation)
    link = index_dir / f".{CURRENT}.{uuid.uuid4().hex[:8]}"
    os.symlink(generation.name, link)
    os.replace(link, index_dir / CURRENT)
    _fsync_dir(index_dir)
    _remove_old_generations(index_dir, generation)
    return generation


def remove_stale(index_dir: Path) -> None:
    """Remove what a killed writer left: ``tmp-`` folders and dangling symlinks."""
    for entry in Path(index_dir).iterdir():
        if entry.name.startswith("tmp-") and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(f".{CURRENT}.") and entry.is_symlink():
            entry.unlink()


def _remove_old_generations(index_dir: Path, keep: Path) -> None:
    generations = sorted(
        (p for p in index_dir.iterdir() if p.name.startswith("gen-") and p != keep),
        key=lambda p: p.name,
    )
    for old in generations[: max(0, len(generations) - KEEP_PREVIOUS)]:
        shutil.rmtree(old, ignore_errors=True)


def _fsync_files(folder: Path) -> None:
    """fsync every file in ``folder``, then the folder (its entries)."""
    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False):
            fd = os.open(entry.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(folder)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class MappedStorage(FileStorage):
    """Whoosh's file storage, reading files through memory maps.

    Segment files are read by position; a map shares the page cache instead of copying
    (Whoosh's compound segments copy every part into memory for each reader), and
    holds no file descriptor, so readers left to the garbage collector leak nothing.
    """

    def open_file(self, name, **kwargs):
        with open(self._fpath(name), "rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                return StructFile(io.BytesIO(b""), name=name, **kwargs)
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        return StructFile(mapped, name=name, **kwargs)


def segments_of(generation: Path) -> list:
    """The Whoosh segments of a generation, in Whoosh's order (their posting arrays are
    merged in this order: ``merging``)."""
    return open_whoosh(generation)._segments()


def open_whoosh(generation: Path):
    """The Whoosh index of a generation folder, read through ``MappedStorage``."""
    return MappedStorage(str(generation)).open_index()


def create_whoosh(generation: Path, schema):
    """A new, empty Whoosh index in a generation folder."""
    return MappedStorage(str(generation)).create_index(schema)

