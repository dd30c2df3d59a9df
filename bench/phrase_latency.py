"""Latency of known-item queries: spans of 3 or 4 consecutive words typed from a corpus.

    python bench/phrase_latency.py INDEX CORPUS [--queries 300] [--seed 7] [--rounds 3]

Prints, for ``Index.ranked_ids`` (the matching and ranking of a search, no snippets), the
median over rounds of each query's time, then p50 / p90 / mean over queries, and how many
queries had a first hit in each step. Spans are drawn as in ``bench/known_item.py`` (a
random file, then a span of its words; every second one where the file has a line break
crosses it), so about half of them may cross a passage break. Run it once per version of
the code (``PYTHONPATH`` pointing at another checkout's ``search``) on the same index, in
turns, and compare the numbers of one sitting: timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from pathlib import Path

import search
from search import Index, QueryError
from search.passages import iter_corpus_files

WORD = re.compile(r"[\u0621-\u064a]+")


def spans(corpus: Path, count: int, seed: int) -> list[str]:
    """``count`` spans of 3-4 words, every second one across a line break if it can."""
    rng = random.Random(seed)
    files = [path for _source, path in iter_corpus_files(corpus)]
    found = []
    while len(found) < count:
        text = files[rng.randrange(len(files))].read_text("utf-8", errors="replace")
        lines = [WORD.findall(line) for line in text.splitlines()]
        words = [(number, word) for number, line in enumerate(lines) for word in line]
        size = rng.choice((3, 4))
        if len(words) < size:
            continue
        if len(found) % 2:
            cuts = [i for i in range(1, len(words)) if words[i][0] != words[i - 1][0]]
            if cuts:
                start = max(0, rng.choice(cuts) - rng.randrange(1, size))
                start = min(start, len(words) - size)
            else:
                start = rng.randrange(len(words) - size + 1)
        else:
            start = rng.randrange(len(words) - size + 1)
        found.append(" ".join(word for _line, word in words[start:start + size]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    index = Index.open(args.index)
    index.warm()
    queries = spans(args.corpus, args.queries, args.seed)
    times = {query: [] for query in queries}
    steps: dict[str, int] = {}
    for round_number in range(args.rounds):
        for query in queries:
            start = time.perf_counter()
            try:
                index.ranked_ids(query, limit=10)
            except QueryError:
                pass
            times[query].append(time.perf_counter() - start)
            if round_number == 0:
                step = index.search(query, per_page=1, explain=False).hits
                key = step[0].step if step else "none"
                steps[key] = steps.get(key, 0) + 1
    medians = sorted(statistics.median(values) * 1000 for values in times.values())
    print(f"code: {Path(search.__file__).parent}; index: {args.index}; "
          f"{len(queries)} queries, {args.rounds} rounds")
    print(f"ms per query: p50 {medians[len(medians) // 2]:.2f}, "
          f"p90 {medians[int(len(medians) * 0.9)]:.2f}, mean {statistics.mean(medians):.2f}")
    print("first hit's step:", ", ".join(f"{k} {v}" for k, v in sorted(steps.items())))


if __name__ == "__main__":
    main()
