"""Serve the site with several waitress processes, one per core, on one listening socket.

A request is CPU-bound Python: one process runs one request at a time (the GIL), so one
process uses one core whatever its threads. ``serve_workers`` binds the listening
sockets once, opens the index once (preloaded: its per-passage arrays and the Python
heap are shared copy-on-write, its posting files through the page cache), then forks
``workers`` children, each a complete waitress server (``server.make_server``, with the
site's channel and options) accepting on the inherited sockets. The kernel hands each
new connection to whichever child accepts first, so a busy child takes fewer.

Each child follows rebuilt generations itself (``SharedIndex`` calls ``Index.refresh``),
so a rebuild or an update is picked up by every child without a restart, atomically.

The parent only supervises: a child that dies is replaced (at most ``RESTARTS`` in
``RESTART_WINDOW`` seconds, then the server stops with an error); SIGINT or SIGTERM stops
every child, each finishing the requests it is answering.

Why not gunicorn: its workers would replace waitress's channel (the site's request-head
limits and error pages live in a waitress channel subclass) and add a dependency; why
one shared socket and not one ``SO_REUSEPORT`` socket per child: the kernel's port hash
ignores how busy a child is, and a child that dies drops the connections queued on its
socket, where a shared queue keeps them for the others.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time

#: A child restarted more often than this within RESTART_WINDOW seconds stops the server.
RESTARTS = 10
RESTART_WINDOW = 60.0
#: Seconds children get to finish their requests after SIGTERM before SIGKILL.
STOP_SECONDS = 10.0
BACKLOG = 2048


def default_workers() -> int:
    """One process per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def listening_sockets(host: str, port: int) -> list[socket.socket]:
    """Bound, listening sockets for ``host`` (every address it names) and ``port``
    (0: a free port, the same on every address)."""
    sockets = []
    for family, kind, proto, _name, address in socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE):
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        if port == 0 and sockets:
            address = (address[0], sockets[0].getsockname()[1], *address[2:])
        try:
            sock.bind(address)
        except OSError:
            sock.close()
            for bound in sockets:
                bound.close()
            raise
        sock.listen(BACKLOG)
        sock.setblocking(False)
        sockets.append(sock)
    return sockets


class Supervisor:
    """Forks and watches the serving children; ``run()`` returns when they are stopped.

    ``child(sockets)`` runs in each child and returns when it should exit.
    """

    def __init__(self, sockets: list[socket.socket], workers: int, child):
        self.sockets = sockets
        self.workers = workers
        self.child = child
        self.children: dict[int, int] = {}  # pid -> slot
        self.stopping = False
        self.restarts: list[float] = []

    def _spawn(self, slot: int) -> None:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                signal.signal(signal.SIGTERM, _raise_interrupt)
                signal.signal(signal.SIGINT, _raise_interrupt)
                self.child(self.sockets)
            except KeyboardInterrupt:
                pass
            except BaseException:  # noqa: BLE001 - a child must never return into the parent's code
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self.children[pid] = slot

    def _stop(self, *_signal) -> None:
        self.stopping = True
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def run(self) -> int:
        """Serve until SIGINT/SIGTERM; the exit status for the command."""
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        status = 0
        try:
            for slot in range(self.workers):
                self._spawn(slot)
            while self.children:
                try:
                    pid, code = os.wait()
                except ChildProcessError:
                    break
                except InterruptedError:
                    continue
                slot = self.children.pop(pid, None)
                if slot is None or self.stopping:
                    continue
                print(f"worker {pid} exited ({_describe(code)}); starting another",
                      file=sys.stderr, flush=True)
                now = time.monotonic()
                self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW] + [now]
                if len(self.restarts) > RESTARTS:
                    print("workers keep exiting: stopping", file=sys.stderr, flush=True)
                    status = 1
                    self._stop()
                    continue
                self._spawn(slot)
        finally:
            self._reap()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for sock in self.sockets:
                sock.close()
        return status

    def _reap(self) -> None:
        deadline = time.monotonic() + STOP_SECONDS
        while self.children and time.monotonic() < deadline:
            for pid in list(self.children):
                done, _code = os.waitpid(pid, os.WNOHANG)
                if done:
                    self.children.pop(pid, None)
            time.sleep(0.05)
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self.children.clear()


def _raise_interrupt(*_signal):
    raise KeyboardInterrupt


def _describe(code: int) -> str:
    if os.WIFSIGNALED(code):
        return f"signal {os.WTERMSIG(code)}"
    return f"status {os.WEXITSTATUS(code)}"


def serve_workers(app, host: str, port: int, threads: int, workers: int, preload=None) -> int:
    """Serve ``app`` with ``workers`` processes of ``threads`` threads each until
    SIGINT/SIGTERM; the exit status. ``preload()`` runs once before forking (open and
    warm the index)."""
    from .server import make_server

    sockets = listening_sockets(host, port)
    if preload is not None:
        preload()
    for sock in sockets:
        address = sock.getsockname()
        shown = f"[{address[0]}]" if sock.family == socket.AF_INET6 else address[0]
        print(f"Serving arabic-search on http://{shown}:{address[1]}/ with {workers} "
              f"worker processes (Ctrl+C to stop)", flush=True)

    def child(bound):
        server = make_server(threads=threads, app=app, sockets=bound)
        try:
            server.run()
        finally:
            server.close()

    return Supervisor(sockets, workers, child).run()
