"""The multi-process server (web.workers): it starts, serves from every worker, survives
a worker's death, and a rebuild under load fails no request."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from search import writer

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="workers fork")


def _children(pid: int, count: int = 2) -> list[int]:
    """The server's worker processes, once there are ``count`` (or after 10 s)."""
    deadline = time.monotonic() + 10
    while True:
        found = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(child) for child in (task / "children").read_text().split()]
        if len(found) == count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


@pytest.fixture
def served(tmp_path, sample_corpus):
    """``arabic-search serve --workers 2`` on a fresh index of the sample corpus."""
    index_dir = tmp_path / "index"
    writer.build(sample_corpus, index_dir)
    proc = subprocess.Popen(
        [sys.executable, "-m", "search", "serve", "--index", str(index_dir), "--port", "0",
         "--workers", "2", "--threads", "2"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    try:
        assert "Serving arabic-search on http://127.0.0.1:" in line and "2 worker" in line, \
            line + proc.stderr.read()
        port = int(line.split("127.0.0.1:")[1].split("/")[0])
        # The server logs a line per request: keep reading, or a full pipe stalls it.
        drain = threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True)
        drain.start()
        yield proc, port, index_dir, sample_corpus
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def _get(port: int, path: str) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_workers_start_and_serve(served):
    proc, port, _index_dir, _corpus = served
    assert len(_children(proc.pid)) == 2
    status, body = _get(port, "/api/search?q=" + quote("الدفاع"))
    assert status == 200 and body["ok"] and body["total"] > 0


def test_a_dead_worker_is_replaced(served):
    proc, port, _index_dir, _corpus = served
    victim = _children(proc.pid)[0]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = _children(proc.pid)
        if victim not in children:
            break
        time.sleep(0.05)
    assert victim not in children and len(_children(proc.pid)) == 2
    assert _get(port, "/api/search?q=" + quote("الدفاع"))[0] == 200


def test_rebuild_and_update_under_load_fail_no_request(served):
    proc, port, index_dir, corpus = served
    failures, answered = [], []
    stop = threading.Event()

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while not stop.is_set():
            try:
                connection.request("GET", "/api/search?q=" + quote("الدفاع"))
                response = connection.getresponse()
                body = json.loads(response.read())
                if response.status != 200 or not body["total"]:
                    failures.append((response.status, body))
                answered.append(1)
            except (OSError, ValueError) as error:
                failures.append(repr(error))
                connection.close()
        connection.close()

    clients = [threading.Thread(target=client) for _ in range(8)]
    for thread in clients:
        thread.start()
    try:
        time.sleep(0.5)
        before = os.readlink(index_dir / "current")
        writer.build(corpus, index_dir)
        writer.update(index_dir, corpus)
        time.sleep(1.5)  # past REFRESH_INTERVAL: every worker has switched
    finally:
        stop.set()
        for thread in clients:
            thread.join(15)
    assert os.readlink(index_dir / "current") != before
    assert not failures, failures[:3]
    assert len(answered) > 50
