"""Query cost against segment count: the same passages built by one writer process and
by many, in one run.

Prints numbers; it is never a test. Builds (each in a fresh child process), from the
synthetic corpus of ``benchmark.py`` (same seed, same queries):

- ``1 proc``: ``Index.build_from_passages(procs=1)``: one segment;
- ``N procs, unmerged``: ``procs=N`` with the posting-array merge switched off: N
  segments read one by one (what the engine did before merging);
- ``N procs, merged``: a copy of that index (hard links) whose generation is then merged
  as publishing does (``merging.merge_generation``), timed alone;
- ``N procs, Whoosh merge`` (``--whoosh-merge``): ``procs=N``, then Whoosh merging the
  N segments into one (a writer committed with ``optimize=True``), timed alone.

Then one child opens every index and times ``Index.search`` (snippets and facets
included) for each kind of query, ``--rounds`` times, the indexes in a new order each
round; medians over rounds of each round's p50 and p95 are reported, and their ratio to
the one-process index.

    .venv/bin/python bench/segments.py --passages 100000 --procs 16 --out bench/results/segments-100k.md
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmark import (QPC_FILE, QUERY_KINDS, _percentiles, _timed_search, in_child,  # noqa: E402
                       make_queries, read_corpus, sentence_pools, write_corpus)

ROOT = Path(__file__).resolve().parent.parent


def build(corpus: Path, index_dir: Path, procs: int, merge: bool, whoosh_merge: bool) -> dict:
    """Child process: build; report seconds, Whoosh segments and sets of arrays."""
    from search import Index, index, merging, storage

    if not merge:
        merging.merge_generation = lambda folder, segments: None
    started = time.perf_counter()
    Index.build_from_passages(read_corpus(corpus), index_dir, procs=procs)
    seconds = time.perf_counter() - started
    generation = storage.current_generation(index_dir)
    row = {"seconds": seconds}
    if whoosh_merge:  # in place, as a last step of the build would
        started = time.perf_counter()
        whoosh_index = storage.open_whoosh(generation)
        whoosh_index.writer(**index._writer_options(1)).commit(optimize=True)
        merging.merge_generation(generation, whoosh_index._segments())
        row["merge_seconds"] = time.perf_counter() - started
        row["seconds"] += row["merge_seconds"]
    row["segments"] = len(storage.open_whoosh(generation)._segments())
    return row


def merge_copy(unmerged: Path, merged: Path) -> dict:
    """Child process: link a copy of an unmerged index, merge its generation, time it."""
    from search import merging, storage

    shutil.copytree(unmerged, merged, symlinks=True, copy_function=os.link)
    generation = storage.current_generation(merged)
    started = time.perf_counter()
    merging.merge_generation(generation, storage.open_whoosh(generation)._segments())
    return {"seconds": time.perf_counter() - started}


def time_queries(index_dirs: dict[str, Path], queries: dict[str, list[str]], rounds: int) -> dict:
    """Child process: {name: {kind: [(p50, p95) per round]}} and sets of arrays per index."""
    from search import Index

    indexes = {name: Index.open(folder) for name, folder in index_dirs.items()}
    sets = {}
    for name, index in indexes.items():
        index.warm()
        sets[name] = len(index.engine.segments)
        for batch in queries.values():
            for query in batch[:10]:
                _timed_search(index, query)
    found = {name: {kind: [] for kind in queries} for name in indexes}
    names = list(indexes)
    for round_ in range(rounds):
        order = names[round_ % len(names):] + names[:round_ % len(names)]
        for kind, batch in queries.items():
            for name in order:
                took = [ms for ms, _ in (_timed_search(indexes[name], q) for q in batch)
                        if ms is not None]
                cut = _percentiles(took)
                found[name][kind].append((cut["p50"], cut["p95"]))
    return {"rounds": found, "sets": sets}


def machine(args) -> dict:
    from importlib.metadata import version

    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "search", "bench"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "whoosh": version("Whoosh-Reloaded"), "commit": commit + (" (modified)" if dirty else ""),
            "passages": args.passages, "procs": args.procs, "seed": args.seed,
            "queries_per_kind": args.queries, "rounds": args.rounds}


def render(builds: dict, timed: dict, facts: dict) -> str:
    baseline = next(iter(builds))
    lines = [", ".join(f"{key}: {value}" for key, value in facts.items()), "",
             "| index | build s | of which merge s | Whoosh segments | sets of arrays |",
             "|---|---:|---:|---:|---:|"]
    for name, row in builds.items():
        merge = f"{row['merge_seconds']:.2f}" if "merge_seconds" in row else "–"
        lines.append(f"| {name} | {row['seconds']:.1f} | {merge} | {row['segments']} "
                     f"| {timed['sets'][name]} |")
    lines += ["", "Query latency in ms: median over rounds of each round's p50 and p95; ratio "
              f"to `{baseline}` (median of the per-round ratios).", "",
              "| query | index | p50 ms | p95 ms | p50 ratio | p95 ratio |",
              "|---|---|---:|---:|---:|---:|"]
    rounds = timed["rounds"]
    for kind in QUERY_KINDS:
        for name in builds:
            mine, base = rounds[name][kind], rounds[baseline][kind]
            ratio = [statistics.median(m[i] / b[i] for m, b in zip(mine, base)) for i in (0, 1)]
            lines.append(f"| {kind} | {name} | {statistics.median(m[0] for m in mine):.2f} "
                         f"| {statistics.median(m[1] for m in mine):.2f} "
                         f"| {ratio[0]:.2f} | {ratio[1]:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--procs", type=int, default=16)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--queries", type=int, default=300, help="queries per kind (default 300)")
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds (default 5)")
    parser.add_argument("--whoosh-merge", action="store_true",
                        help="also build with Whoosh merging the processes' segments into one")
    parser.add_argument("--no-one", dest="one", action="store_false",
                        help="skip the one-process build (ratios are then to the unmerged index)")
    parser.add_argument("--qpc", type=Path, default=QPC_FILE)
    parser.add_argument("--work-dir", type=Path)
    parser.add_argument("--out", type=Path, help="write the Markdown results here")
    args = parser.parse_args(argv)
    pools = sentence_pools(qpc_file=args.qpc)
    queries = make_queries(pools, args.queries, args.seed)
    many = f"{args.procs} procs"
    with tempfile.TemporaryDirectory(prefix="segments-", dir=args.work_dir) as work:
        work = Path(work)
        corpus = work / "corpus.tsv"
        write_corpus(corpus, pools, args.passages, args.seed)
        dirs = {"1 proc": work / "one", f"{many}, unmerged": work / "unmerged",
                f"{many}, merged": work / "merged"}
        builds = {}
        if args.one:
            print("build: 1 proc", file=sys.stderr)
            builds["1 proc"] = in_child(build, corpus, dirs["1 proc"], 1, True, False)
        else:
            del dirs["1 proc"]
        print(f"build: {many}", file=sys.stderr)
        builds[f"{many}, unmerged"] = in_child(build, corpus, dirs[f"{many}, unmerged"],
                                               args.procs, False, False)
        merged = in_child(merge_copy, dirs[f"{many}, unmerged"], dirs[f"{many}, merged"])
        unmerged = builds[f"{many}, unmerged"]
        builds[f"{many}, merged"] = {"seconds": unmerged["seconds"] + merged["seconds"],
                                     "merge_seconds": merged["seconds"],
                                     "segments": unmerged["segments"]}
        if args.whoosh_merge:
            name = f"{many}, Whoosh merge"
            dirs[name] = work / "whoosh"
            print(f"build: {name}", file=sys.stderr)
            builds[name] = in_child(build, corpus, dirs[name], args.procs, True, True)
        print("queries", file=sys.stderr)
        timed = in_child(time_queries, dirs, queries, args.rounds)
    text = render(builds, timed, machine(args))
    print(text)
    if args.out:
        args.out.write_text(f"# Segments: {args.passages:,} passages, "
                            f"{'1 process against ' if args.one else ''}{args.procs}"
                            f"\n\n{text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
