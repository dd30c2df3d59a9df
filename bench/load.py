"""Load test: the production server (waitress) under a realistic mix of requests.

Prints numbers; it is never a test. Steps:

1. An index: ``--index DIR`` as it is, or built there (or in a scratch folder) from
   ``--corpus DIR`` (a folder of text files) or ``--passages N`` (N synthetic passages from
   ``bench/benchmark.py``'s generator, same seed, same text as the speed benchmark).
2. A fixed list of request paths (``--paths``, seeded): one- and two-word searches,
   phrases, prefixes, ``source=`` facet filters, pages 2 to 5, the HTML page and
   ``/api/suggest``, with words drawn from the corpus sentences.
3. ``arabic-search serve`` on 127.0.0.1 (a free port) in a child process, then for each
   ``--clients`` level, ``wrk`` (a Lua script rotating through the paths) or, without wrk
   or with ``--driver python``, a Python load generator with keep-alive connections; each
   level stops after ``--seconds`` or ``--max-requests``, whichever comes first.
4. Per level: requests/s, p50/p99 latency, errors (non-2xx/3xx statuses, socket errors,
   timeouts) and the server's CPU use in cores (1.0 means one core busy: the GIL's limit).

    .venv/bin/python bench/load.py --passages 10000 --clients 1,20 --seconds 20
    .venv/bin/python bench/load.py --corpus index_data --clients 1,20,100 --out bench/results/load.md

Only loopback traffic; every loop is bounded by time and by a request count.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchmark  # noqa: E402  (the corpus generator and query maker, imported, not copied)

HOST = "127.0.0.1"
LUA_SCRIPT = Path(__file__).resolve().parent / "load.lua"
#: Share of each kind of request in the mix (summing to 1).
MIX = {
    "one-word": 0.20, "two-word": 0.12, "phrase": 0.10, "prefix": 0.08,
    "facet": 0.10, "page": 0.10, "html": 0.15, "suggest": 0.15,
}
READY_SECONDS = 60  # the server must say "Serving" within this


# -- the index ----------------------------------------------------------------------------


def build_index(args, index_dir: Path) -> list[list[str]]:
    """Build the index the options ask for (unless one is already there); return the
    sentence pools the queries are drawn from."""
    from search import Index
    from search.passages import Passage

    exists = (index_dir / "current").exists() or (index_dir / "cluster.json").exists()
    if args.passages:
        pools = benchmark.sentence_pools(benchmark.NEWS_DIR, args.qpc)
        if not exists or args.rebuild:
            started = time.perf_counter()
            passages = (Passage(source, number, text, start, end, None) for source, number, start, end, text
                        in benchmark.generate(pools, args.passages, args.seed))
            Index.build_from_passages(passages, index_dir)
            print(f"built {args.passages:,} passages in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        return pools
    corpus = Path(args.corpus) if args.corpus else None
    if corpus and (not exists or args.rebuild):
        started = time.perf_counter()
        Index.build(corpus, index_dir)
        print(f"indexed {corpus} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    if corpus is None:
        recorded = Index.open(index_dir).corpus_dir
        corpus = recorded if recorded and recorded.is_dir() else benchmark.NEWS_DIR
    return benchmark.sentence_pools(corpus, None)


def request_paths(pools: list[list[str]], sources: list[str], count: int, seed: int) -> list[str]:
    """``count`` request paths in the proportions of ``MIX``, the same for a seed."""
    queries = benchmark.make_queries(pools, count, seed)
    rng = random.Random(seed)
    kinds, weights = zip(*MIX.items())
    paths = []
    for n in range(count):
        kind = rng.choices(kinds, weights)[0]
        if kind in benchmark.QUERY_KINDS:
            paths.append("/api/search?" + urlencode({"q": queries[kind][n]}))
        elif kind == "facet":
            picked = rng.sample(sources, min(len(sources), rng.randint(1, 2)))
            paths.append("/api/search?" + urlencode({"q": queries["one-word"][n], "source": picked}, doseq=True))
        elif kind == "page":
            paths.append("/api/search?" + urlencode({"q": queries["one-word"][n], "page": rng.randint(2, 5)}))
        elif kind == "html":
            paths.append("/?" + urlencode({"q": queries[rng.choice(("one-word", "two-word"))][n]}))
        else:  # what the search box sends while a word is typed: 2 to 5 letters of it
            words = queries["two-word"][n].split()
            paths.append("/api/suggest?" + urlencode({"q": words[0] + " " + words[1][:rng.randint(2, 5)]}))
    return paths


# -- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Server:
    """``arabic-search serve`` in a child process (``workers`` processes under it), stopped
    (SIGINT, then SIGKILL) on exit."""

    def __init__(self, index_dir: Path, threads: int, workers: int = 1, cluster: str | None = None):
        self.port = free_port()
        command = [sys.executable, "-m", "search", "serve", "--index", str(index_dir),
                   "--host", HOST, "--port", str(self.port), "--threads", str(threads),
                   "--workers", str(workers)] + (["--cluster", cluster] if cluster else [])
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        stdin=subprocess.DEVNULL, text=True, cwd=ROOT)
        deadline = time.monotonic() + READY_SECONDS
        line = self.process.stdout.readline()
        if "Serving" not in line or time.monotonic() > deadline:
            self.stop()
            raise SystemExit(f"the server did not start: {line!r}")
        # The server logs one line per request: read them, or the full pipe stalls it.
        threading.Thread(target=lambda: [None for _ in self.process.stdout], daemon=True).start()

    def pids(self) -> list[int]:
        """The server process and its worker processes (Linux /proc)."""
        found = [self.process.pid]
        try:
            for task in Path(f"/proc/{self.process.pid}/task").iterdir():
                found += [int(pid) for pid in (task / "children").read_text().split()]
        except OSError:
            pass
        return found

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server's processes so far (Linux /proc); a worker
        replaced meanwhile is not counted."""
        total = 0.0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def memory_mb(self) -> tuple[float, float]:
        """(resident MB, of which private: RssAnon), summed over the server's processes.
        The rest is the index's files, mapped by every searcher: shared pages, counted
        once per mapping (and per process)."""
        found = dict.fromkeys(("VmRSS", "RssAnon"), 0.0)
        for pid in self.pids():
            try:
                lines = Path(f"/proc/{pid}/status").read_text().splitlines()
            except OSError:
                continue
            for line in lines:
                key = line.split(":")[0]
                if key in found:
                    found[key] += int(line.split()[1]) / 1024
        return found["VmRSS"], found["RssAnon"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# -- load generators ----------------------------------------------------------------------


def run_wrk(port: int, paths_file: Path, clients: int, seconds: float, max_requests: int, timeout: float) -> dict:
    """One level with wrk; the Lua script rotates through the paths and reports JSON."""
    env = dict(os.environ, LOAD_PATHS=str(paths_file), LOAD_MAX_REQUESTS=str(max_requests))
    threads = min(clients, 2)
    command = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{max(1, round(seconds))}s",
               f"--timeout={max(1, round(timeout))}s", "-s", str(LUA_SCRIPT), f"http://{HOST}:{port}"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + timeout + 60,
                          check=False)
    found = re.search(r"^LOAD_RESULT (\{.*\})$", done.stdout, re.MULTILINE)
    if done.returncode or not found:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    result = json.loads(found.group(1))
    errors = result.pop("errors")
    result["socket_errors"] = errors["connect"] + errors["read"] + errors["write"]
    result["timeouts"] = errors["timeout"]
    result["bad_status"] = errors["status"]
    return result


def run_python(port: int, paths: list[str], clients: int, seconds: float, max_requests: int,
               timeout: float) -> dict:
    """One level with threads, each a keep-alive HTTP/1.1 connection (a stand-in for wrk:
    it shares the machine's cores with the server, so it measures less under heavy load)."""
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    counts = {"requests": 0, "bad_status": 0, "socket_errors": 0, "timeouts": 0, "bytes": 0}
    budget = threading.Semaphore(max_requests)
    lock = threading.Lock()

    def client(number: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
        position = number * len(paths) // clients
        mine, local = [], {key: 0 for key in counts}
        while time.monotonic() < deadline and budget.acquire(blocking=False):
            path = paths[position % len(paths)]
            position += 1
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
            except TimeoutError:
                local["timeouts"] += 1
                connection.close()
                continue
            except OSError:
                local["socket_errors"] += 1
                connection.close()
                continue
            mine.append(time.perf_counter() - started)
            local["requests"] += 1
            local["bytes"] += len(body)
            if not 200 <= response.status < 400:
                local["bad_status"] += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            for key, value in local.items():
                counts[key] += value

    started = time.monotonic()
    workers = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(seconds + timeout + 30)
    elapsed = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else [0.0] * 99
    return {**counts, "seconds": elapsed, "p50_ms": cuts[49] * 1000, "p99_ms": cuts[98] * 1000,
            "max_ms": max(latencies, default=0) * 1000}


class Churn:
    """In a thread: ``arabic-search index CORPUS --rebuild``, then an update adding one
    file, then one removing it (the corpus is left as it was)."""

    def __init__(self, corpus: Path, index_dir: Path, cluster: str | None = None):
        self.corpus, self.index_dir = Path(corpus), index_dir
        self.cluster = ["--cluster", cluster] if cluster else []
        self.steps: list[str] = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def _index(self, *extra) -> None:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "search", "index", str(self.corpus), "--index",
                               str(self.index_dir), *extra, *self.cluster], capture_output=True,
                              text=True, cwd=ROOT, timeout=1800, check=False)
        name = "rebuild" if extra else "update"
        self.steps.append(f"{name} {time.perf_counter() - started:.0f} s"
                          + ("" if done.returncode == 0 else f" FAILED: {done.stderr.strip()[-200:]}"))

    def run(self) -> None:
        added = self.corpus / "load-churn.txt"
        self._index("--rebuild")
        added.write_text("خبر جديد عن وزارة الدفاع في موسكو\n", encoding="utf-8")
        try:
            self._index()
        finally:
            added.unlink()
        self._index()

    def finish(self) -> str:
        self.thread.join(0)
        return ", ".join(self.steps) + ("" if not self.thread.is_alive() else ", STILL RUNNING at the end")


# -- report -------------------------------------------------------------------------------


def render(label: str, rows: list[dict]) -> str:
    lines = [f"corpus: {label}", "",
             "| workers | clients | requests | req/s | p50 ms | p99 ms | max ms | non-2xx/3xx | socket errors | timeouts "
             "| server CPU (cores) | server RSS MB (private) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['workers']}{r.get('note', '')} | {r['clients']} | {r['requests']:,} | {r['rps']:,.1f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
                     f"| {r['max_ms']:.1f} | {r['bad_status']} | {r['socket_errors']} | {r['timeouts']} "
                     f"| {r['server_cores']:.2f} | {r['server_rss_mb']:.0f} ({r['server_anon_mb']:.0f}) |")
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--corpus", type=Path, help="index this folder of text files")
    where.add_argument("--passages", type=int, help="index N synthetic passages (bench/benchmark.py)")
    parser.add_argument("--index", type=Path,
                        help="index folder: used as it is, or built there if empty (default: a scratch folder)")
    parser.add_argument("--rebuild", action="store_true", help="build even if --index holds an index")
    parser.add_argument("--clients", default="1,20", help="comma-separated concurrency levels (default 1,20)")
    parser.add_argument("--seconds", type=float, default=20, help="duration of each level (default 20)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="per level, at most (default 200000)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before measuring (default 3)")
    parser.add_argument("--threads", type=int, default=4, help="waitress threads (default 4, the serve default)")
    parser.add_argument("--workers", default="1",
                        help="comma-separated server process counts, each measured in turn (default 1)")
    parser.add_argument("--churn", type=float, default=0, metavar="SECONDS",
                        help="with --corpus: one more level of that many seconds at the most clients "
                             "and workers, during which the index is rebuilt, then updated twice "
                             "(a file added, then removed)")
    parser.add_argument("--timeout", type=float, default=10, help="seconds before a request counts as timed out")
    parser.add_argument("--paths", type=int, default=3000, help="distinct request paths (default 3000)")
    parser.add_argument("--cluster", metavar="ADDRESS",
                        help="serve --index (a sharded index) with this Dask scheduler")
    parser.add_argument("--driver", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--qpc", type=Path, default=benchmark.QPC_FILE,
                        help="Qur'an QA passage collection for --passages (optional)")
    parser.add_argument("--out", type=Path, help="write results: .json, or Markdown otherwise")
    args = parser.parse_args(argv)
    if not (args.corpus or args.passages or args.index):
        args.corpus = benchmark.NEWS_DIR
    args.levels = [int(level) for level in args.clients.split(",")]
    args.worker_counts = [int(count) for count in args.workers.split(",")]
    if args.churn and not args.corpus:
        parser.error("--churn needs --corpus (the rebuild and updates read it)")
    if args.driver == "auto":
        args.driver = "wrk" if shutil.which("wrk") else "python"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from search import Index

    with tempfile.TemporaryDirectory(prefix="load-") as scratch:
        index_dir = args.index or Path(scratch) / "index"
        pools = build_index(args, index_dir)
        if args.cluster:  # a sharded index served by a Dask cluster (docs/deploy-cluster.md)
            from search.cluster import ClusterIndex

            index = ClusterIndex.open(index_dir, args.cluster)
        else:
            index = Index.open(index_dir)
        passages, sources = len(index), index.sources()
        index.close()
        paths = request_paths(pools, sources, args.paths, args.seed)
        paths_file = Path(scratch) / "paths.txt"
        paths_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
        label = (f"{args.corpus}" if args.corpus else f"{args.passages:,} synthetic" if args.passages
                 else str(index_dir)) + f" ({passages:,} passages, {len(sources):,} files)"
        print(f"{label}; driver {args.driver}; waitress threads {args.threads}", file=sys.stderr)
        rows = []
        for workers in args.worker_counts:
            with Server(index_dir, args.threads, workers, args.cluster) as server:
                levels = [(clients, args.seconds, None) for clients in args.levels]
                if args.churn and workers == max(args.worker_counts):
                    levels.append((max(args.levels), args.churn, (args.corpus, index_dir, args.cluster)))
                for clients, seconds, churn in levels:
                    def level(seconds, limit):
                        if args.driver == "wrk":
                            return run_wrk(server.port, paths_file, clients, seconds, limit, args.timeout)
                        return run_python(server.port, paths, clients, seconds, limit, args.timeout)

                    if args.warmup:
                        level(args.warmup, args.max_requests)
                    cpu = server.cpu_seconds()
                    churner = Churn(*churn) if churn else None
                    row = level(seconds, args.max_requests)
                    row.update(workers=workers, clients=clients, rps=row["requests"] / row["seconds"],
                               server_cores=(server.cpu_seconds() - cpu) / row["seconds"],
                               server_rss_mb=server.memory_mb()[0], server_anon_mb=server.memory_mb()[1])
                    if churner:
                        row["note"] = " (rebuild + 2 updates: " + churner.finish() + ")"
                    rows.append(row)
                    print(f"  {workers} worker(s), {clients} client(s){row.get('note', '')}: "
                          f"{row['rps']:.1f} req/s, p50 {row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms, "
                          f"errors {row['bad_status'] + row['socket_errors'] + row['timeouts']}",
                          file=sys.stderr)
    facts = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
             "driver": args.driver, "waitress_threads": args.threads, "churn_seconds": args.churn, "seconds": args.seconds,
             "warmup": args.warmup, "seed": args.seed, "paths": args.paths}
    table = render(label, rows) + "\n\n" + ", ".join(f"{k}: {v}" for k, v in facts.items())
    print(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if args.out.suffix == ".json":
            args.out.write_text(json.dumps({"corpus": label, "machine": facts, "results": rows}, indent=2) + "\n")
        else:
            args.out.write_text(f"# Load test\n\n{table}\n")
    return 0 if all(r["bad_status"] + r["socket_errors"] + r["timeouts"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
