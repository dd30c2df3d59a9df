"""Build the wheel, install it in a fresh virtual environment and try it as a pip user would.

1. ``python -m build --wheel`` (its output must hold no warning);
2. a new virtual environment in a temporary folder (never the repository's .venv), the
   wheel installed into it, run from a folder outside the repository;
3. ``arabic-search index`` on the sample corpus shipped in the wheel, ``arabic-search serve``
   on a free loopback port, then the search page, the API, a document page, the help page
   and a static file fetched over HTTP; finally ``arabic-search demo`` answers a search.

Run by ``.ci/run`` (``make wheel-smoke``); not collected by pytest.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
QUERY = "الدفاع"


def run(*command, **kwargs) -> str:
    print("+", " ".join(str(c) for c in command), flush=True)
    done = subprocess.run([str(c) for c in command], check=True, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kwargs)
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("Content-Type", ""), \
            response.read().decode("utf-8")


def wait_for(base: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            fetch(base + "/")
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit(f"the server did not start:\n{proc.stdout.read()}")
            time.sleep(0.2)


def stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def build(work: Path) -> Path:
    builder = work / "build-env"
    run(sys.executable, "-m", "venv", builder)
    run(builder / "bin" / "pip", "install", "--quiet", "build")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    output = run(builder / "bin" / "python", "-m", "build", "--wheel", "--outdir",
                 work / "dist", ROOT, env=env)
    warnings = [line for line in output.splitlines() if "warning" in line.lower()]
    if warnings:
        raise SystemExit("the wheel build printed warnings:\n" + "\n".join(warnings))
    (wheel,) = (work / "dist").glob("*.whl")
    return wheel


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="wheel-smoke-") as folder:
        work = Path(folder)
        wheel = build(work)
        venv = work / "venv"
        run(sys.executable, "-m", "venv", venv)
        run(venv / "bin" / "pip", "install", "--quiet", wheel)
        cli = venv / "bin" / "arabic-search"
        cwd = work / "elsewhere"
        cwd.mkdir()
        where = run(venv / "bin" / "python", "-c",
                    "import search, web; print(search.__file__); print(web.__file__)", cwd=cwd)
        assert str(ROOT) not in where, f"imported from the repository:\n{where}"
        sample = Path(where.splitlines()[0]).parent / "sample"
        print(run(cli, "index", sample, "--index", work / "index", cwd=cwd))

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [str(cli), "serve", "--index", str(work / "index"), "--port", str(port)],
            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_for(base, proc)
            status, _, html = fetch(f"{base}/?q={quote(QUERY)}")
            assert status == 200 and 'dir="rtl"' in html and "<mark>" in html, html[:500]
            status, kind, body = fetch(f"{base}/api/search?q={quote(QUERY)}")
            data = json.loads(body)
            assert status == 200 and kind.startswith("application/json") and data["ok"]
            source = data["hits"][0]["source"]
            status, _, html = fetch(f"{base}/doc/{quote(source)}?q={quote(QUERY)}")
            assert status == 200 and 'id="p-1"' in html, html[:500]
            assert fetch(f"{base}/help")[0] == 200
            assert fetch(f"{base}/static/style.css")[0] == 200
        finally:
            log = stop(proc)
        assert f"GET /api/search?q=" in log, f"no access log line:\n{log}"
        print(log)

        port = free_port()
        proc = subprocess.Popen([str(cli), "demo", "--port", str(port)], cwd=cwd,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_for(f"http://127.0.0.1:{port}", proc)
            _, _, body = fetch(f"http://127.0.0.1:{port}/api/search?q={quote(QUERY)}")
            assert json.loads(body)["total"] > 0
        finally:
            stop(proc)
        print(f"wheel smoke test passed: {wheel.name}")


if __name__ == "__main__":
    main()
