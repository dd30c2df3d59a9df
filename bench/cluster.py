"""A sharded index on a local Dask cluster against one index: build time by workers,
search latency and throughput.

Prints numbers; it is never a test. For each ``--workers`` count W, a ``LocalCluster``
of W worker processes (one thread each) builds the corpus into W shards (timed); then
the same queries (``bench/benchmark.py``'s two-word mix, seeded) run against one index
of the corpus and against the shards with the largest W: sequentially (latency) and from
``--threads`` threads at once for ``--seconds`` (throughput). Every sharded answer is
checked against the single index's (total and hit ids).

    .venv/bin/python bench/cluster.py --corpus /tmp/corpus100k --workers 1,2 --out bench/results/cluster-100k.md

Only loopback: the scheduler and workers run on this machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
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


def percentiles(values):
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a folder of text files")
    parser.add_argument("--single", type=Path, help="an index of the corpus (built if absent)")
    parser.add_argument("--workers", default="1,2", help="worker counts to build with (default 1,2)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8, help="concurrent searches for throughput")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    from distributed import Client, LocalCluster

    from search import Index
    from search.cluster import ClusterIndex, build

    scratch = Path(tempfile.mkdtemp(prefix="cluster-bench-"))
    lines = []
    try:
        single_dir = args.single or scratch / "one"
        if not (single_dir / "current").exists():
            Index.build(args.corpus, single_dir)
        single = Index.open(single_dir)
        pools = benchmark.sentence_pools(benchmark.NEWS_DIR, benchmark.QPC_FILE)  # the synthetic corpus's words
        made = benchmark.make_queries(pools, args.queries, args.seed)
        queries = [q for kind in ("one-word", "two-word", "phrase") for q in made[kind]][:args.queries]
        counts = [int(w) for w in args.workers.split(",")]
        builds = []
        for workers in counts:
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=":0", silence_logs=50) as cluster, \
                    Client(cluster, set_as_default=False) as client:
                index_dir = scratch / f"sharded-{workers}"
                started = time.perf_counter()
                report = build(args.corpus, index_dir, workers, cluster.scheduler_address, client=client)
                builds.append((workers, time.perf_counter() - started, report.passages))
                print(f"built {report.passages:,} passages in {workers} shard(s) on {workers} "
                      f"worker(s): {builds[-1][1]:.1f} s", file=sys.stderr)
                if workers != max(counts):
                    continue
                sharded = ClusterIndex(index_dir, cluster.scheduler_address, client=client)
                mismatches = 0
                for query in queries:
                    a, b = single.search(query), sharded.search(query)
                    mismatches += (a.total, [h.id for h in a.hits], [h.score for h in a.hits]) != \
                        (b.total, [h.id for h in b.hits], [h.score for h in b.hits])
                rows = []
                for name, search in (("one index", single.search), (f"{workers} shards", sharded.search)):
                    times = []
                    for query in queries:
                        started = time.perf_counter()
                        search(query)
                        times.append(time.perf_counter() - started)
                    p50, p95 = percentiles(times)
                    rate = throughput(search, queries, args.threads, args.seconds)
                    rows.append((name, p50, p95, rate))
                    print(f"{name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, {rate:.1f} searches/s "
                          f"({args.threads} threads)", file=sys.stderr)
        lines += ["| workers = shards | build s | passages |", "|---:|---:|---:|"]
        lines += [f"| {w} | {s:.1f} | {p:,} |" for w, s, p in builds]
        lines += ["", f"| index | p50 ms | p95 ms | searches/s ({args.threads} threads) |",
                  "|---|---:|---:|---:|"]
        lines += [f"| {n} | {a:.1f} | {b:.1f} | {r:.1f} |" for n, a, b, r in rows]
        lines += ["", f"answers differing from one index's (total, ids, scores): {mismatches} of "
                      f"{len(queries)}",
                  "", f"date: {datetime.now(timezone.utc).isoformat(timespec='seconds')}, cpus: "
                      f"{os.cpu_count()}, corpus: {args.corpus} ({len(single):,} passages), queries: "
                      f"{len(queries)}, seed: {args.seed}, seconds: {args.seconds}"]
        table = "\n".join(lines)
        print(table)
        if args.out:
            args.out.write_text("# Sharded index on a local Dask cluster\n\n" + table + "\n")
        return 0 if not mismatches else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
