"""What "why it matched" costs: ``Index.search`` with and without ``explain``, interleaved.

Prints numbers; it is never a test. Two-word queries are drawn as ``benchmark.py`` draws
them (words of one sentence of the pools the synthetic corpus is made of, seed 2023),
so they match the corpus ``benchmark.generate`` writes (``/tmp/ascl/corpus100k`` is
one). Every round times each query twice, explained and not, in a random order per
query, so both see the same machine load; a round gives each variant's p50 and p95, and
the table shows the median over rounds with the median of the per-round ratios.
``--roots N`` also times the first N queries searched by root (``by="root"``), against
the same queries by word.

    .venv/bin/python bench/explain.py --index /tmp/x --out bench/results/explain-100k.md
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import benchmark  # noqa: E402


def timed(index, query: str, **kwargs) -> float:
    """Milliseconds of one search of the first page (snippets and facets included)."""
    started = time.perf_counter()
    index.search(query, page=1, per_page=10, **kwargs)
    return (time.perf_counter() - started) * 1000


def percentiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94]


def compare(index, queries: list[str], rounds: int, seed: int, variants: dict) -> dict:
    """name -> (median p50, median p95, p50 ratio, p95 ratio) over ``rounds``; ratios to
    the first variant, the median of each round's ratio."""
    rng = random.Random(seed)
    per_round: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    for _ in range(rounds):
        times: dict[str, list[float]] = {name: [] for name in variants}
        for query in rng.sample(queries, len(queries)):
            names = list(variants)
            rng.shuffle(names)
            for name in names:
                times[name].append(timed(index, query, **variants[name]))
        for name in variants:
            per_round[name].append(percentiles(times[name]))
    base = next(iter(variants))
    table = {}
    for name, rows in per_round.items():
        ratios = [(p50 / b50, p95 / b95) for (p50, p95), (b50, b95) in zip(rows, per_round[base])]
        table[name] = (statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows),
                       statistics.median(r[0] for r in ratios),
                       statistics.median(r[1] for r in ratios))
    return table


def render(tables: list[tuple[str, dict]]) -> list[str]:
    lines = ["| queries | variant | p50 ms | p95 ms | p50 ratio | p95 ratio |",
             "|---|---|---:|---:|---:|---:|"]
    for label, table in tables:
        for name, (p50, p95, r50, r95) in table.items():
            lines.append(f"| {label} | {name} | {p50:.2f} | {p95:.2f} | {r50:.3f} | {r95:.3f} |")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", required=True, help="an index of the synthetic corpus")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--roots", type=int, default=0,
                        help="also time this many queries by root against by word")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    from search import Index

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    index = Index.open(args.index)
    index.warm()
    pools = benchmark.sentence_pools(benchmark.NEWS_DIR, benchmark.QPC_FILE)
    queries = benchmark.make_queries(pools, args.queries, args.seed)["two-word"]
    for query in queries[:20]:  # warm the word groups' caches as a running site has them
        index.search(query, explain=True)
    tables = [("two-word", compare(index, queries, args.rounds, args.seed, {
        "explain=False": {"explain": False}, "explain=True (default)": {"explain": True}}))]
    if args.roots:
        tables.append(("two-word, by root", compare(
            index, queries[:args.roots], max(1, args.rounds // 2), args.seed,
            {"by=word": {}, "by=root": {"by": "root"}})))
    facts = benchmark.machine(argparse.Namespace(seed=args.seed, queries=args.queries,
                                                 repeat=args.rounds, procs=1, baseline=None))
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [f"date: {facts['date']}, nproc: {facts['cpus']}, load average at the end: {load}, "
             f"python: {facts['python']}, "
             f"commit: {commit}, passages: {len(index)}, queries: {len(queries)}, "
             f"rounds: {args.rounds}, seed: {args.seed}", ""] + render(tables)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
