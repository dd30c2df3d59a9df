"""The two searches a question makes on an index with commentary, timed on any index.

    .venv/bin/python bench/question_parts.py INDEX_DIR [--rounds 2] [--questions FILE...]

A question on an index with commentary (``search.commentary``) is searched twice: the
text's whole search (``Index.search``, a page of 10) and the commentary's question reading
(its ``commentary.DEPTH`` best passages, ``Index.ranked_sources(match="any")``). Where an
index with commentary is too large to build here, both are timed on the text's own index,
alternating per question (which goes first alternating too), ``--rounds`` rounds after a
warm-up: the second stands for a commentary as long as the text (scale it by the
commentary's length). Prints p50 / p90 / p99 milliseconds of each.
"""

from __future__ import annotations

import argparse
import glob
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = str(ROOT.parent / "shared/evaldata/quranqa2023/task-a/*_[td][re][av]*.tsv")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv=None) -> int:
    from search import Index, commentary
    from search.evaluation import load_questions

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index_dir")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--questions", nargs="*", default=None,
                        help="Qur'an QA question files (default: Task A train and dev)")
    args = parser.parse_args(argv)
    paths = args.questions or sorted(glob.glob(QUESTIONS))
    questions = [text for path in paths for text in load_questions(path).values()]
    index = Index.open(args.index_dir)
    runs = (lambda q: index.search(q),
            lambda q: index.ranked_sources(q, commentary.DEPTH, match="any"))
    for question in questions[:10]:  # warm-up
        for run in runs:
            run(question)
    times: tuple[list[float], list[float]] = ([], [])
    for round_number in range(args.rounds):
        for number, question in enumerate(questions):
            order = (0, 1) if (number + round_number) % 2 == 0 else (1, 0)
            for which in order:
                started = time.perf_counter()
                runs[which](question)
                times[which].append((time.perf_counter() - started) * 1000)
    print(f"{len(index):,} passages, {len(questions)} questions x {args.rounds} rounds")
    for name, values in zip(("the text's question search", "a question reading of "
                             f"{commentary.DEPTH}"), times):
        print(f"{name}: p50 {statistics.median(values):.1f} / p90 "
              f"{percentile(values, 0.9):.1f} / p99 {percentile(values, 0.99):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
