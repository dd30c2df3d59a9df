"""Latency of exact matching and of marked queries against the same queries without.

    python bench/exact.py INDEX_DIR [--queries 200] [--seed 5] [--out bench/results/exact-100k.md]

Draws one- and two-word queries from the index's own vocabulary (words found in 5 to
50,000 passages, so lists are neither empty nor all of the index). Each query is run
in every variant, the variants in a rotating order so that none is always the first to
read a word's postings (each variant reads its own lists: the text field's, or the
surface field's written forms):

- ``plain``: as typed (the baseline);
- ``marks``: a fatha typed on the first letter of each word (ranks the vocalisations
  that agree first; no option);
- ``diacritics``: the marked query with ``exact=diacritics``;
- ``hamza``, ``form``, ``all``: the plain query with ``exact=hamza``, ``exact=form``,
  and every option at once.

Prints the median and 95th percentile per variant (milliseconds, ``Index.search``
with snippets and facets, ``match=auto``) and each median's ratio to ``plain``'s,
measured on a first run (lists read from the arrays) and a second (cached).
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FATHA = "\u064e"
VARIANTS = ("plain", "marks", "diacritics", "hamza", "form", "all")


def draw_words(index, count: int, seed: int) -> list[str]:
    """Words of the vocabulary found in 5 to 50,000 passages, drawn with ``seed``."""
    engine = index.engine
    vocabulary = engine.vocabulary
    words = [w for w in vocabulary.expand_prefix("text", "")
             if len(w) >= 3 and w.isalpha() and 5 <= vocabulary.doc_frequency("text", w) <= 50_000]
    return random.Random(seed).sample(words, min(count, len(words)))


def variants(query: str) -> dict[str, tuple[str, str | None]]:
    marked = " ".join(word[0] + FATHA + word[1:] for word in query.split())
    return {"plain": (query, None), "marks": (marked, None),
            "diacritics": (marked, "diacritics"), "hamza": (query, "hamza"),
            "form": (query, "form"), "all": (marked, "diacritics,hamza,ta_marbuta,alef_maqsura,form")}


def measure(index, queries: list[str]) -> dict[str, list[float]]:
    times = {name: [] for name in VARIANTS}
    for number, query in enumerate(queries):
        runs = variants(query)
        order = VARIANTS[number % len(VARIANTS):] + VARIANTS[:number % len(VARIANTS)]
        for name in order:
            text, exact = runs[name]
            started = time.perf_counter()
            index.search(text, exact=exact)
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def table(times: dict[str, list[float]]) -> list[str]:
    base = statistics.median(times["plain"])
    lines = ["| variant | p50 ms | p95 ms | p50 / plain |", "| --- | --- | --- | --- |"]
    for name in VARIANTS:
        values = sorted(times[name])
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
        p50 = statistics.median(values)
        lines.append(f"| {name} | {p50:.2f} | {p95:.2f} | {p50 / base:.2f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--queries", type=int, default=200, help="queries of each length")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, help="write the Markdown here too")
    args = parser.parse_args()
    from search import Index

    index = Index.open(args.index_dir)
    index.warm()
    words = draw_words(index, args.queries * 3, args.seed)
    one = words[:args.queries]
    two = [f"{a} {b}" for a, b in zip(words[args.queries::2], words[args.queries + 1::2])]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    lines = [f"# Exact matching and marked queries: latency at {len(index):,} passages", "",
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commit}, "
             f"{platform.machine()} {platform.python_version()}, shared machine: ratios in "
             f"one run count, absolute times are noisy.", "",
             f"`{' '.join(['python'] + sys.argv)}`", ""]
    for label, queries in (("one word", one), ("two words", two[:args.queries])):
        for run in ("first run", "second run (cached lists)"):
            lines += [f"## {label}, {len(queries)} queries, {run}", ""]
            lines += table(measure(index, queries)) + [""]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
