"""Where query time goes: a pyinstrument profile of two-word searches on an index.

    python bench/profile_queries.py INDEX_DIR [--queries 200] [--seed 3] [--out FILE]

Queries are pairs of adjacent words from random passages of the index (fixed seed),
run through ``Index.search`` (snippets and facets included), once to warm the caches
and once under the profiler. Needs ``pip install pyinstrument``.
"""

from __future__ import annotations

import argparse
import random
import sys

from pyinstrument import Profiler

from search import Index, QueryError, storage
from search.analysis import ArabicAnalyzer


def two_word_queries(index: Index, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    reader = storage.open_whoosh(index.index_dir / index.generation).reader()
    analyzer = ArabicAnalyzer(stem=False)
    queries = []
    while len(queries) < count:
        text = reader.stored_fields(rng.randrange(reader.doc_count_all()))["text"]
        words = [text[t.startchar:t.endchar] for t in analyzer(text, chars=True)]
        if len(words) > 2:
            at = rng.randrange(len(words) - 1)
            queries.append(f"{words[at]} {words[at + 1]}")
    return queries


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index_dir")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--out", help="write the text report here too")
    args = parser.parse_args(argv)
    index = Index.open(args.index_dir)
    index.warm()
    queries = two_word_queries(index, args.queries, args.seed)
    for warm in (True, False):
        profiler = None if warm else Profiler()
        if profiler:
            profiler.start()
        for query in queries:
            try:
                index.search(query)
            except QueryError:
                pass
        if profiler:
            profiler.stop()
    report = profiler.output_text(unicode=True, color=False, show_all=False)
    print(report)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
