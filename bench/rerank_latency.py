"""What the question re-ranking costs a search: questions with and without it, one index.

    python bench/rerank_latency.py INDEX_DIR MODEL_DIR QUESTIONS_TSV... [--rounds 3]

Asks every question of the files (``qid<TAB>question``: Qur'an QA 2023's) through
``Index.search`` (one page of 10), on two handles of the same index:
``Ranking(rerank_model=MODEL_DIR)`` (a folder ``bench/fit_rerank.py --out`` wrote) and
the default (re-ranking off), alternately, ``--rounds`` times after one warm-up round.
Prints the median and 90th percentile milliseconds of each and the median of the
per-question ratios (each question's two times measured side by side, so load from
other processes hits both alike).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from search import Index
from search.evaluation import load_questions
from search.ranking import Ranking


def timed(index, question: str) -> float:
    started = time.perf_counter()
    index.search(question, per_page=10)
    return (time.perf_counter() - started) * 1000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index_dir")
    parser.add_argument("model_dir", help="a re-ranking folder (bench/fit_rerank.py --out)")
    parser.add_argument("questions", nargs="+")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    questions = [text for path in args.questions for text in load_questions(path).values()]
    on = Index.open(args.index_dir, ranking=Ranking(rerank_model=args.model_dir))
    off = Index.open(args.index_dir, ranking=Ranking())
    print(f"{len(on)} passages, {len(questions)} questions, roots: {bool(on.meta.get('roots'))}")
    for question in questions:  # warm-up: postings cached, stored fields read
        timed(on, question)
        timed(off, question)
    with_rerank, without, ratios = [], [], []
    for _ in range(args.rounds):
        for question in questions:
            a, b = timed(on, question), timed(off, question)
            with_rerank.append(a)
            without.append(b)
            ratios.append(a / b)
    for name, times in (("re-ranked", with_rerank), ("engine only", without)):
        ordered = sorted(times)
        print(f"{name:<12} median {statistics.median(ordered):7.1f} ms   "
              f"p90 {ordered[int(0.9 * (len(ordered) - 1))]:7.1f} ms")
    print(f"median ratio re-ranked / engine only: {statistics.median(ratios):.2f}")
    on.close()
    off.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
