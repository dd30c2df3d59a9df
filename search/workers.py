"""Writer processes for large builds: Whoosh's multiprocess writer, made safe to kill and
deterministic.

Whoosh's ``MpWriter`` forks writer processes that take batches of 100 documents from one
shared queue. Two things go wrong with that:

1. **Orphans.** A forked worker inherits the build lock's descriptor (an ``flock`` is held
   as long as any copy is open) and sleeps on its queue forever if the build is killed:
   the lock outlives its holder and the next build waits forever. So each worker, first
   thing: asks the kernel to SIGKILL it when its parent dies (``prctl(PR_SET_PDEATHSIG)``,
   Linux; elsewhere a thread polls the parent's pid), exits at once if the parent is
   already gone, and closes its copies of the lock's descriptor (``storage``).
2. **Numbering.** Which worker takes which batch depends on timing, and a worker's
   segment's place in the index on which finished first; document numbers, and so the
   order of tied hits, changed on every rebuild. Here batch ``k`` goes to worker
   ``k % procs`` (each has its own queue) and segments are listed in worker order.

A worker that dies makes the commit fail (``SearchError``) instead of losing its share.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
# pickle only writes job files for our own writer processes (Whoosh's format); it loads nothing here.
import pickle  # nosec B403
import queue
import signal
import threading
import time
from multiprocessing import Queue

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

from . import storage
from .errors import SearchError

PR_SET_PDEATHSIG = 1
#: Batches waiting per worker (the parent blocks beyond: memory stays bounded).
QUEUED_BATCHES = 4
#: How often a worker without PR_SET_PDEATHSIG checks that its parent is alive.
PARENT_POLL_SECONDS = 0.5


def open_writer(whoosh_index, procs: int = 1, **options):
    """A writer for ``whoosh_index``: Whoosh's own for one process, ``Writers`` for more
    (``options`` as for ``whoosh_index.writer``; ``multisegment`` is implied)."""
    if procs > 1:
        options.pop("multisegment", None)
        return Writers(whoosh_index, procs=procs, **options)
    return whoosh_index.writer(**options)


def die_with_parent(parent: int) -> None:
    """Make this process end when process ``parent`` does (call first thing in a child)."""
    armed = False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        armed = libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        pass  # not Linux: poll instead
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # died before the signal was armed
        os._exit(1)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


class _Worker(SubWriterTask):
    """One writer process, with its own job and result queues."""

    def __init__(self, parent: int, *args):
        super().__init__(*args)
        self.parent = parent
        self.daemon = True  # also ended by multiprocessing when the parent exits normally

    def run(self):
        die_with_parent(self.parent)
        storage.close_inherited_locks()
        # The parent's garbage is the parent's: collected here, its finalizers would run
        # in this process (closing files, warning about them) as well as in the parent.
        gc.freeze()
        super().run()


class Writers(MpWriter):
    """``MpWriter`` with a fixed share per worker and segments in worker order (module
    docstring), always one segment per worker (``multisegment``)."""

    def __init__(self, ix, procs: int, **kwargs):
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)
        self._batches = 0

    def _new_task(self):
        task = _Worker(os.getpid(), self.storage, self.indexname, Queue(QUEUED_BATCHES), Queue(),
                       self.subargs, True)
        self.tasks.append(task)
        task.start()
        return task

    def end_group(self):
        """A group (one file's passages) stays in one batch: the batch is sent once the
        group ends, not in its middle."""
        super().end_group()
        if not self._grouping and len(self.docbuffer) >= self.batchsize:
            self._enqueue()

    def _enqueue(self):
        name = f"{random_name()}.doclist"
        with self.temp_storage().create_file(name).raw_file() as handle:
            for item in self.docbuffer:
                pickle.dump(item, handle, 2)
        share = self._batches % self.procs
        if share == len(self.tasks):
            self._new_task()
        self.tasks[share].jobqueue.put((name, len(self.docbuffer)))
        self._batches += 1
        self.docbuffer = []

    def _commit(self, mergetype, optimize, merge):
        if self.docbuffer:
            self._enqueue()
        for task in self.tasks:
            task.jobqueue.put(None)
        segments = self._merge_segments(mergetype, optimize, merge)
        # Results before join: a process exits only once its queue is flushed.
        segments += [self._result_of(task) for task in self.tasks]
        for task in self.tasks:
            task.join()
        if self._added:
            segments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(segments)
        self._finish()

    def _result_of(self, task):
        while True:
            try:
                _run, _fields, segment = task.resultqueue.get(timeout=1)
                return segment
            except queue.Empty:
                if not task.is_alive():
                    try:
                        return task.resultqueue.get(timeout=1)[2]
                    except queue.Empty:
                        self._stop_workers()
                        raise SearchError("worker_died", code=task.exitcode) from None

    def _stop_workers(self):
        for task in self.tasks:
            if task.is_alive():
                task.kill()
            task.join(5)

    def cancel(self):
        # Whoosh's cancel only flips a flag in the parent's copy of each task: the
        # workers would wait on their queues for ever.
        try:
            self._stop_workers()
        finally:
            SegmentWriter.cancel(self)
