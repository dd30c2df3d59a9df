"""Serve the site with waitress, a production WSGI server (never Flask's development server).

``arabic-search serve`` calls ``serve()``; tests call ``make_server()`` with port 0 to
get a free port and ``close()`` the server when done.
"""

from __future__ import annotations

import threading
from pathlib import Path

from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ErrorTask

from search.errors import SearchError

from . import create_app, get_index
from .views import SECURITY_HEADERS

#: Worker threads. Requests are CPU-bound Python (the GIL runs one at a time), so more
#: threads add no throughput, only memory: each keeps its own searcher. bench/load.py,
#: 100,000 passages, 20 clients: 2, 4 and 8 threads gave 9.0, 12.7 and 9.8 req/s (noise)
#: with 0.9, 1.7 and 3.3 GB resident.
THREADS = 4

# A GET-only site: small requests, short timeouts, the same limits in every deployment.
WAITRESS_OPTIONS = {
    "ident": "arabic-search",
    "max_request_header_size": 64 * 1024,
    "max_request_body_size": 16 * 1024,
    "channel_timeout": 60,
    "clear_untrusted_proxy_headers": True,
}


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
    error_task_class = _ErrorTask


def make_server(
    host: str = "127.0.0.1",
    port: int = 5000,
    index_dir: str | Path | None = None,
    threads: int = THREADS,
    app=None,
    sockets=None,
):
    """A bound waitress server for the app (``port=0`` picks a free port).

    ``server.effective_port`` is the port bound; ``server.run()`` serves until
    ``server.close()``. ``sockets``: listening sockets to serve instead of binding
    ``host`` and ``port`` (``web.workers``).
    """
    if app is None:
        app = create_app({"INDEX_DIR": str(index_dir)} if index_dir else None)
    where = {"sockets": sockets} if sockets else {"host": host, "port": port}
    server = create_server(app, threads=threads, **where, **WAITRESS_OPTIONS)
    # One listening socket is the server; several (a name with IPv4 and IPv6 addresses)
    # are servers in its map.
    for listener in [server, *getattr(server, "map", {}).values()]:
        if hasattr(listener, "channel_class"):
            listener.channel_class = _Channel
    return server


def _warm(app) -> None:
    with app.app_context():
        try:
            get_index()
        except SearchError:
            pass  # no index yet: the site says how to build one


def serve(
    host: str = "127.0.0.1",
    port: int = 5000,
    index_dir: str | Path | None = None,
    threads: int = THREADS,
    workers: int | None = 1,
    config: dict | None = None,
) -> None:
    """Serve the search site until interrupted (Ctrl+C).

    :param index_dir: the index folder; default ``$ARABIC_SEARCH_INDEX`` or ``./instance/index``.
    :param workers: processes (``web.workers``); None: one per core (the command's
        default); 1 serves in this process.
    :param config: more settings for ``create_app`` (``CLUSTER``: a Dask scheduler).
    """
    app = create_app({**({"INDEX_DIR": str(index_dir)} if index_dir else {}), **(config or {})}
                     or None)
    if workers is None or workers > 1:
        from .workers import default_workers, serve_workers

        raise SystemExit(serve_workers(app, host, port, threads, workers or default_workers(),
                                       # A Dask client must not cross a fork.
                                       preload=None if app.config["CLUSTER"] else
                                       lambda: _warm(app)))
    server = make_server(host, port, threads=threads, app=app)
    # Open the index and read its per-document arrays now, not on the first request.
    threading.Thread(target=_warm, args=(app,), daemon=True).start()
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
