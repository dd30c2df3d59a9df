"""Serve the site with waitress, a production WSGI server (never Flask's development server).

``arabic-search serve`` calls ``serve()``; tests call ``make_server()`` with port 0 to
get a free port and ``close()`` the server when done.

Slow clients cannot starve the others:

- a connection that has not sent a whole request REQUEST_SECONDS after it began waiting
  for one (accepted, or its last response sent) is closed, however it trickles bytes
  (waitress's own timeout restarts with every byte: 105 sockets sending a header line
  every 5 s held its 100 connections for ever);
- CONNECTION_LIMIT connections (waitress: 100), watched with poll() (select() stops at
  descriptor 1024), and the process's open-file limit raised to fit.

A deployment still belongs behind a reverse proxy that buffers requests and limits
connections per client (docs/deploy.md).

Paths with "//" are collapsed to "/" before the app sees them: Werkzeug answered them
with a redirect naming whatever Host the client sent.
"""

from __future__ import annotations

import errno
import logging
import re
import sys
import threading
import time
from pathlib import Path

from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ErrorTask

from search import storage
from search.errors import SearchError
from search.messages import english

from . import create_app, get_index
from .views import SECURITY_HEADERS

#: Worker threads. Requests are CPU-bound Python (the GIL runs one at a time), so more
#: threads add no throughput, only memory: each keeps its own searcher. bench/load.py,
#: 100,000 passages, 20 clients: 2, 4 and 8 threads gave 9.0, 12.7 and 9.8 req/s (noise)
#: with 0.9, 1.7 and 3.3 GB resident.
THREADS = 4

#: Seconds a connection may take to send a whole request (GET-only: a head, no body).
REQUEST_SECONDS = 10
CONNECTION_LIMIT = 1000

# A GET-only site: small requests, short timeouts, the same limits in every deployment.
WAITRESS_OPTIONS = {
    "ident": "arabic-search",
    "max_request_header_size": 64 * 1024,
    "max_request_body_size": 16 * 1024,
    "channel_timeout": 60,
    "clear_untrusted_proxy_headers": True,
    "connection_limit": CONNECTION_LIMIT,
    "asyncore_use_poll": True,
}
#: Open files the server needs besides its connections (index segments, logs).
SPARE_FILES = 512


class _ErrorTask(ErrorTask):
    """Waitress's own answers to requests it refuses (malformed, too large), with the
    security headers every page of the site carries."""

    def execute(self):
        status, headers, body = self.request.error.to_response(self.channel.server.adj.ident)
        self.status = status
        self.response_headers.extend(headers)
        self.response_headers.extend(SECURITY_HEADERS.items())  # before write() sends them
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):
    """Waitress's channel with a deadline for receiving each request (module docstring)."""

    error_task_class = _ErrorTask

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.waiting_since = time.monotonic()

    def readable(self):
        # The loop asks every channel this at least once a second (its poll timeout).
        now = time.monotonic()
        if self.requests or self.total_outbufs_len or self.will_close or self.close_when_flushed:
            self.waiting_since = now  # busy: the wait for the next request starts later
        elif now - self.waiting_since > getattr(self.server, "request_seconds", REQUEST_SECONDS):
            self.will_close = True  # writable() now says so; handle_write closes it
            return False
        return super().readable()


_SLASHES = re.compile("/{2,}")


class _CollapseSlashes:
    """WSGI middleware: "//" in the path becomes "/" before routing."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if "//" in path:
            environ["PATH_INFO"] = _SLASHES.sub("/", path)
        return self.app(environ, start_response)


def _raise_open_file_limit(connections: int) -> None:
    """Let the process hold ``connections`` sockets plus its own files, if the hard limit
    allows (the soft limit is often 1024)."""
    try:
        import resource
    except ImportError:  # not Unix
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + SPARE_FILES
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        except (ValueError, OSError):
            pass


ACCESS_LOG = logging.getLogger("arabic_search.access")


class AccessLog:
    """WSGI middleware: one line per request, in the common log format plus the time taken.

    ``127.0.0.1 - - [29/Nov/2026:22:51:00 +0000] "GET /?q=... HTTP/1.1" 200 5120 3.1ms``
    """

    def __init__(self, app, logger: logging.Logger = ACCESS_LOG):
        self.app, self.logger = app, logger

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        seen = {}

        def record(status, headers, exc_info=None):
            seen["status"] = status.split(" ", 1)[0]
            seen["length"] = next((v for k, v in headers if k.lower() == "content-length"), "-")
            return start_response(status, headers, exc_info)

        def log():
            path = environ.get("PATH_INFO", "")
            if environ.get("QUERY_STRING"):
                path += "?" + environ["QUERY_STRING"]
            self.logger.info(
                '%s - - [%s] "%s %s %s" %s %s %.1fms',
                environ.get("REMOTE_ADDR", "-"), time.strftime("%d/%b/%Y:%H:%M:%S %z"),
                environ.get("REQUEST_METHOD", "-"), path, environ.get("SERVER_PROTOCOL", "-"),
                seen.get("status", "-"), seen.get("length", "-"),
                (time.perf_counter() - started) * 1000,
            )

        return _Logged(self.app(environ, record), log)


class _Logged:
    """A response body that logs its request when the server closes it (WSGI ``close``)."""

    def __init__(self, body, log):
        self.body, self.log = body, log

    def __iter__(self):
        return iter(self.body)

    def close(self):
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.log()


def make_server(
    host: str = "127.0.0.1",
    port: int = 5000,
    index_dir: str | Path | None = None,
    threads: int = THREADS,
    app=None,
    sockets=None,
    request_seconds: float = REQUEST_SECONDS,
    connection_limit: int = CONNECTION_LIMIT,
):
    """A bound waitress server for the app (``port=0`` picks a free port).

    ``server.effective_port`` is the port bound; ``server.run()`` serves until
    ``server.close()``. ``sockets``: listening sockets to serve instead of binding
    ``host`` and ``port`` (``web.workers``). ``request_seconds`` and
    ``connection_limit``: see the module docstring (tests shorten the first).
    """
    if app is None:
        app = create_app({"INDEX_DIR": str(index_dir)} if index_dir else None)
    _raise_open_file_limit(connection_limit)
    options = {**WAITRESS_OPTIONS, "connection_limit": connection_limit}
    where = {"sockets": sockets} if sockets else {"host": host, "port": port}
    server = create_server(_CollapseSlashes(app), threads=threads, **where, **options)
    # One listening socket is the server; several (a name with IPv4 and IPv6 addresses)
    # are servers in its map.
    for listener in [server, *getattr(server, "map", {}).values()]:
        if hasattr(listener, "channel_class"):
            listener.channel_class = _Channel
            listener.request_seconds = request_seconds
    return server


def warm(app) -> None:
    with app.app_context():
        try:
            get_index()
        except SearchError:
            pass  # no index yet: the site says how to build one (and serve() warned)
        except Exception as error:  # a damaged index: one line, the pages answer 503/500
            print(f"warning: {english('index_unreadable', index=app.config['INDEX_DIR'], reason=error)}",
                  file=sys.stderr, flush=True)


def check_index(index_dir) -> str | None:
    """A one-line warning if there is no index to serve yet, else None."""
    try:
        storage.current_generation(Path(index_dir))
    except SearchError as error:
        return f"warning: {error.english}; the site answers 503 until it is built"
    return None


def serve(
    host: str = "127.0.0.1",
    port: int = 5000,
    index_dir: str | Path | None = None,
    threads: int = THREADS,
    workers: int | None = 1,
    config: dict | None = None,
) -> None:
    """Serve the search site until interrupted (Ctrl+C), logging one line per request.

    A port in use (or any address that cannot be bound) raises ``SearchError`` with one
    line to show; a missing index only prints a warning (the site says how to build it).

    :param index_dir: the index folder; default ``$ARABIC_SEARCH_INDEX`` or ``./instance/index``.
    :param workers: processes (``web.workers``); None: one per core (the command's
        default); 1 serves in this process.
    :param config: more settings for ``create_app`` (``CLUSTER``: a Dask scheduler).
    """
    app = create_app({**({"INDEX_DIR": str(index_dir)} if index_dir else {}), **(config or {})}
                     or None)
    if not ACCESS_LOG.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        ACCESS_LOG.addHandler(handler)
        ACCESS_LOG.setLevel(logging.INFO)
        ACCESS_LOG.propagate = False
    if not app.config.get("CLUSTER"):
        warning = check_index(app.config["INDEX_DIR"])
        if warning:
            print(warning, file=sys.stderr, flush=True)
    try:
        if workers is None or workers > 1:
            from .workers import default_workers, serve_workers

            raise SystemExit(serve_workers(
                AccessLog(app), host, port, threads, workers or default_workers(),
                # A Dask client must not cross a fork.
                preload=None if app.config["CLUSTER"] else lambda: warm(app)))
        server = make_server(host, port, threads=threads, app=AccessLog(app))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise SearchError("port_busy", host=host, port=port) from None
        raise SearchError("cannot_listen", host=host, port=port,
                          reason=error.strerror or error) from None
    # Open the index and read its per-document arrays now, not on the first request.
    threading.Thread(target=warm, args=(app,), daemon=True).start()
    # A name with IPv4 and IPv6 addresses gets several sockets, hence a list.
    listening = getattr(server, "effective_listen", None) or [
        (server.effective_host, server.effective_port)
    ]
    for bound_host, bound_port in listening:
        shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
        print(f"Serving arabic-search on http://{shown}:{bound_port}/ (Ctrl+C to stop)", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
