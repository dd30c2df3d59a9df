"""Experiment: which root extractor? A separate root-level BM25 fused with our score.

    python bench/root_fusion.py /path/to/quranqa2023 [--roots tashaphyne|simple]

A question and the passages answering it often share a root but not a stem (صام /
الصيام / صوموا). Each passage is also read as a bag of roots; a root-level BM25 (k1 1.2,
b 0.2, per question root) is added, times a weight, to our score per question word for
every passage. The index is built without roots and the no-answer threshold reads our
own top score, so the root extractors compare on their own. ``tashaphyne`` is the
extractor the product uses (``search.roots``); ``simple`` is a small hand-written one
(light stem, one derivational prefix, inner long vowels) to see how much of the gain a
crude extractor keeps. Prints MAP@10 and MRR@10 for each weight on train and dev.
"""

from __future__ import annotations

import argparse
import collections
import math
import sys
import tempfile
from pathlib import Path

from search import Index
from search.analysis import ArabicAnalyzer
from search.evaluation import (
    NO_ANSWER,
    NO_ANSWER_THRESHOLD,
    SPLITS,
    load_collection,
    load_qrels,
    load_questions,
    qpc_passages,
    score_run,
    task_files,
)
from search.query import plain_words, question_frame_words
from search.roots import root_of
from search.variants import stem_of

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0)
K1, B = 1.2, 0.2




def simple_root(word):
    """Light stem, then one derivational prefix, then inner long vowels, down to 3 letters."""
    stem = stem_of(word, "light")
    for prefix in ("است", "مست", "مت", "من", "م", "ت", "ي", "ن", "ا"):
        if stem.startswith(prefix) and len(stem) - len(prefix) >= 3:
            stem = stem[len(prefix):]
            break
    while len(stem) > 3:
        inner = [i for i in range(1, len(stem)) if stem[i] in "اوي"]
        if not inner:
            break
        stem = stem[:inner[0]] + stem[inner[0] + 1:]
    return stem


class RootBM25:
    def __init__(self, collection, analyzer, root):
        self.root = root
        self.analyzer = analyzer
        self.bags = {pid: collections.Counter(self.roots(text)) for pid, text in collection.items()}
        self.average = sum(sum(bag.values()) for bag in self.bags.values()) / len(self.bags)
        self.df = collections.Counter(r for bag in self.bags.values() for r in bag)

    def roots(self, text, ignore=frozenset()):
        return [self.root(t.text) for t in self.analyzer(text) if stem_of(t.text, "light") not in ignore]

    def scores(self, roots):
        count, result = len(self.bags), {}
        for pid, bag in self.bags.items():
            length, total = sum(bag.values()), 0.0
            for root in roots:
                tf = bag.get(root, 0)
                if tf:
                    idf = math.log(count / (self.df[root] + 1)) + 1
                    total += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / self.average))
            result[pid] = total / max(1, len(roots))
        return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir")
    parser.add_argument("--roots", choices=("tashaphyne", "simple"), default="tashaphyne")
    args = parser.parse_args(argv)
    files = {split: task_files(args.data_dir, split) for split in SPLITS}
    collection = load_collection(files["train"][0])
    analyzer = ArabicAnalyzer(stem=False)
    frame = question_frame_words(analyzer, lambda word: stem_of(word, "light"))
    roots = RootBM25(collection, analyzer, root_of if args.roots == "tashaphyne" else simple_root)
    with tempfile.TemporaryDirectory(prefix="roots-") as scratch:
        index = Index.build_from_passages(qpc_passages(collection), Path(scratch) / "index")
        for split in SPLITS:
            _, questions_path, qrels_path = files[split]
            questions, qrels = load_questions(questions_path), load_qrels(qrels_path)
            ours, by_root = {}, {}
            for qid, question in questions.items():
                ranked = index.ranked_ids(question, limit=len(collection), per_word=True)
                ours[qid] = {hit.rsplit("#", 1)[0]: score for hit, score in ranked}
                by_root[qid] = roots.scores(set(roots.roots(plain_words(question), frame)))
            for weight in WEIGHTS:
                run = {}
                for qid in questions:
                    if not ours[qid] or max(ours[qid].values()) < NO_ANSWER_THRESHOLD:
                        run[qid] = [(NO_ANSWER, 0.0)]
                        continue
                    fused = {pid: ours[qid].get(pid, 0.0) + weight * score
                             for pid, score in by_root[qid].items()}
                    run[qid] = sorted(fused.items(), key=lambda item: -item[1])[:10]
                result = score_run(run, qrels)
                print(f"{args.roots:<10} {split:<5} weight {weight:<4} "
                      f"MAP@10 {result['map10']:.4f} MRR@10 {result['mrr10']:.4f}", flush=True)
        index.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
