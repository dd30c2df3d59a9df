"""A sharded index on a local Dask cluster against one index: build time by workers,
search latency (cold and repeated queries) and throughput.

Prints numbers; it is never a test. For each ``--workers`` count W, a ``LocalCluster``
of W worker processes (one thread each) builds the corpus into W shards (timed); then
the same queries (``bench/benchmark.py``'s one-word, two-word and phrase mix, seeded)
run against one index of the corpus and against the shards with the largest W, with
``match=all`` and ``match=auto``: each query once in turn (latency; the first time a
query is seen its plan needs a statistics round, ``cold``), the same again (``repeated``:
the coordinator kept the plans), and from ``--threads`` threads at once for
``--seconds`` (throughput). Every sharded answer is checked against the single index's
(total, hit ids, scores, steps).

    .venv/bin/python bench/cluster.py --corpus /tmp/corpus100k --workers 1,2 --out bench/results/cluster-100k.md
    .venv/bin/python bench/cluster.py --sharded /tmp/i1m-sharded --single /tmp/i1m --workers 2  # built already

Only loopback: the scheduler and workers run on this machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchmark  # noqa: E402


def percentiles(values) -> tuple[float, float, float]:
    """(p50, p95, p99) in milliseconds."""
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


def timed(search, queries) -> list[float]:
    times = []
    for query in queries:
        started = time.perf_counter()
        search(query)
        times.append(time.perf_counter() - started)
    return times


def throughput(search, queries, threads: int, seconds: float) -> float:
    deadline = time.monotonic() + seconds
    done = [0] * threads

    def run(number):
        position = number
        while time.monotonic() < deadline:
            search(queries[position % len(queries)])
            position += threads
            done[number] += 1

    started = time.monotonic()
    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done) / (time.monotonic() - started)


def _resident_mb() -> float:
    """On a worker: its resident memory (Linux /proc), MB."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def answer(result) -> tuple:
    return (result.total, result.step_totals, [(h.id, h.score, h.step) for h in result.hits])


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, cwd=ROOT)
    return done.stdout.strip() or "unknown"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, help="a folder of text files (to build from)")
    parser.add_argument("--single", type=Path, help="an index of the corpus (built if absent)")
    parser.add_argument("--sharded", type=Path,
                        help="a sharded index of the corpus, built already (no build is timed)")
    parser.add_argument("--keep", type=Path, help="build the shards here and keep them")
    parser.add_argument("--workers", default="1,2", help="worker counts to build with (default 1,2)")
    parser.add_argument("--queries", type=int, default=150)
    parser.add_argument("--threads", type=int, default=8, help="concurrent searches for throughput")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if not (args.corpus or args.sharded):
        parser.error("--corpus, or --sharded (and --single to compare with one index)")

    from distributed import Client, LocalCluster

    from search import Index
    from search.cluster import ClusterIndex, build

    scratch = Path(tempfile.mkdtemp(prefix="cluster-bench-"))
    lines, builds, rows, mismatches, corrected, single_build = [], [], [], 0, 0, None
    memory, passages = {}, 0
    try:
        single_dir = args.single or (None if args.sharded else scratch / "one")
        if single_dir and not (single_dir / "current").exists():
            started = time.perf_counter()
            Index.build(args.corpus, single_dir)
            single_build = time.perf_counter() - started
        single = Index.open(single_dir) if single_dir else None
        pools = benchmark.sentence_pools(benchmark.NEWS_DIR, benchmark.QPC_FILE)  # the synthetic corpus's words
        made = benchmark.make_queries(pools, args.queries, args.seed)
        queries = [q for kind in ("one-word", "two-word", "phrase") for q in made[kind]][:args.queries]
        counts = [int(w) for w in args.workers.split(",")]
        for workers in counts:
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=":0", silence_logs=50) as cluster, \
                    Client(cluster, set_as_default=False) as client:
                index_dir = args.sharded or (args.keep if args.keep and workers == max(counts)
                                             else scratch / f"sharded-{workers}")
                if not args.sharded:
                    started = time.perf_counter()
                    report = build(args.corpus, index_dir, workers, cluster.scheduler_address,
                                   client=client)
                    builds.append((workers, time.perf_counter() - started, report.passages))
                    print(f"built {report.passages:,} passages in {workers} shard(s) on "
                          f"{workers} worker(s): {builds[-1][1]:.1f} s", file=sys.stderr)
                if workers != max(counts):
                    continue
                sharded = ClusterIndex(index_dir, cluster.scheduler_address, client=client)
                passages = len(sharded)
                for match in ("all", "auto"):
                    one = lambda q: single.search(q, match=match)  # noqa: E731
                    many = lambda q: sharded.search(q, match=match)  # noqa: E731
                    many(queries[-1])  # every worker opens its shards
                    cold = timed(many, queries)  # plans made here (statistics round)
                    for query in queries if single else ():
                        expected = one(query)
                        if expected.corrected:  # no did-you-mean on a cluster
                            corrected += 1
                        else:
                            mismatches += answer(expected) != answer(many(query))
                    for name, search, first in ((("one index", one, None),) if single else ()) \
                            + ((f"{workers} shards", many, cold),):
                        if first is not None:
                            rows.append((f"{name}, cold", match, *percentiles(first), None))
                        times = timed(search, queries)
                        rate = throughput(search, queries, args.threads, args.seconds)
                        label = name + (", repeated" if first is not None else "")
                        rows.append((label, match, *percentiles(times), rate))
                        print(f"{label} match={match}: p50/p95/p99 "
                              f"{'/'.join(f'{v:.1f}' for v in percentiles(times))} ms, "
                              f"{rate:.1f} searches/s", file=sys.stderr)
                memory = client.run(_resident_mb)
        lines += ["", "worker resident memory after the searches, MB: " + ", ".join(
            f"{mb:.0f}" for mb in memory.values()), ""]
        if builds:
            lines += ["| workers = shards | build s | passages |", "|---:|---:|---:|"]
            lines += [f"| {w} | {s:.1f} | {p:,} |" for w, s, p in builds]
            if single_build:
                lines += [f"| one index (no cluster) | {single_build:.1f} | {passages:,} |"]
            lines += [""]
        lines += [f"| index | match | p50 ms | p95 ms | p99 ms | searches/s ({args.threads} threads) |",
                  "|---|---|---:|---:|---:|---:|"]
        lines += [f"| {n} | {m} | {a:.1f} | {b:.1f} | {c:.1f} | "
                  f"{'' if r is None else f'{r:.1f}'} |" for n, m, a, b, c, r in rows]
        lines += ["", (f"answers differing from one index's (total, step totals, hit ids, "
                       f"scores, steps): {mismatches} of {2 * len(queries) - corrected} (left "
                       f"out: {corrected} that one index answered with a correction, which a "
                       f"cluster does not make)") if single else "answers not compared (no --single)",
                  "", f"date: {datetime.now(timezone.utc).isoformat(timespec='seconds')}, commit: "
                      f"{commit()}, cpus: {os.cpu_count()}, load average: "
                      f"{' '.join(f'{v:.1f}' for v in os.getloadavg())}, corpus: "
                      f"{args.corpus or args.sharded} ({passages:,} passages), queries: "
                      f"{len(queries)}, seed: {args.seed}, seconds: {args.seconds}",
                  "", "command: " + " ".join(["bench/cluster.py"] + (argv or sys.argv[1:]))]
        table = "\n".join(lines)
        print(table)
        if args.out:
            args.out.write_text("# Sharded index on a local Dask cluster\n\n" + table + "\n")
        return 0 if not mismatches else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
