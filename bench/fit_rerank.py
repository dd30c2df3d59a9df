"""Fit the question re-ranking on Qur'an QA 2023 train and dev, into a folder of yours.

    python bench/fit_rerank.py /path/to/quranqa2023 --out DIR [--check]

Writes ``DIR/associations.tsv`` (related roots learned from the questions and their
relevant passages: ``search.associations``) and ``DIR/rerank_model.json`` (the linear
model of ``search.rerank``); turn it on with ``Ranking(rerank_model="DIR")``. Nothing
fitted ships in the package: Qur'an QA 2023 is CC BY-NC-ND 4.0 (non-commercial, no
derivatives), so whoever fits a model on it keeps it under those terms. The model is
fitted on features whose learned column is cross-fitted: each question's association
scores come from a table fitted without it (``INNER`` folds), as they will for a
question the table never saw; the written table is then fitted on every question.
``bench/cv.py`` runs the same procedure inside each of its folds to measure it.
``--check`` fits and prints without writing. Deterministic: no randomness but the fixed
shuffle of the inner folds.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

from search import associations, index, rerank, storage
from search.errors import QueryError
from search.evaluation import (SPLITS, load_collection, load_qrels, load_questions,
                               qpc_passages, task_files)
from search.ranking import Ranking
from search.roots import RootTable

#: Folds inside a training set for cross-fitted association features.
INNER = 4
#: Passages per question the features are computed for (the deepest configuration).
MAX_DEPTH = 30
#: No related roots: the engine's features alone.
EMPTY = associations.Associations({})
#: L2 weight of the re-ranking model (``rerank.fit``).
L2 = 1.0


class Data:
    """Qur'an QA 2023 Task A (train + dev) on one index with roots, read for fitting:
    questions, qrels, every passage's content roots, each question's content roots,
    and Task B's (question text -> passages given an answer) pairs."""

    def __init__(self, data_dir, folder: Path):
        files = {split: task_files(data_dir, split) for split in SPLITS}
        self.collection = load_collection(files["train"][0])
        self.questions, self.qrels = {}, {}
        for split in SPLITS:
            self.questions.update(load_questions(files[split][1]))
            self.qrels.update(load_qrels(files[split][2]))
        if not (folder / storage.CURRENT).exists():
            index.Index.build_from_passages(qpc_passages(self.collection), folder,
                                            roots=True).close()
        self.opened = index.Index.open(folder, ranking=Ranking())
        table = RootTable.load(storage.current_generation(folder))
        # The index's own analyzer (forms as indexed, the root table's keys), as the
        # product reads stored passages.
        analyzer = self.opened._thread()[0].analyzer
        self.passage_roots = {
            pid: associations.content_roots((t.text for t in analyzer(text)), table.root)
            for pid, text in self.collection.items()}
        self.task_b = task_b_questions(data_dir)
        self.texts = {qid: text.strip() for qid, text in self.questions.items()}
        asked = {**self.questions, **{f"b{n}": text for n, text in enumerate(self.task_b)}}
        self.question_roots = {}
        for qid, text in asked.items():
            try:
                words = self.opened.plan(text, match="any").words
            except QueryError:
                words = ()
            self.question_roots[qid] = associations.content_roots(
                (term for _typed, term in words), table.root)
        self.b_ids = {text: f"b{n}" for n, text in enumerate(self.task_b)}
        self.b_texts = {qid: text for text, qid in self.b_ids.items()}
        self._cache: dict = {}

    def relevant(self, qid: str) -> list[str]:
        return [pid for pid, grade in self.qrels.get(qid, {}).items()
                if grade >= 1 and pid in self.passage_roots]

    def examples(self, qids, task_b: bool, held_texts=frozenset()):
        """(question roots, relevant passages' roots) of ``qids``, and with ``task_b`` of
        Task B's questions whose text is not one of ``held_texts``."""
        found = [(self.question_roots[qid], [self.passage_roots[p] for p in self.relevant(qid)])
                 for qid in qids]
        if task_b:
            found += [(self.question_roots[self.b_ids[text]],
                       [self.passage_roots[p] for p in pids if p in self.passage_roots])
                      for text, pids in self.task_b.items() if text not in held_texts]
        return found

    def table(self, qids, task_b: bool, held_texts=frozenset(), keep=associations.KEEP):
        return associations.Associations.fit(self.examples(qids, task_b, held_texts),
                                             list(self.passage_roots.values()), keep)

    def candidates(self, qids, related, depth: int):
        """qid -> (passage ids, features) with ``related`` as the association table.

        The engine's part is computed once per question (``Index.question_candidates``,
        at ``MAX_DEPTH``); the learned column is the one ``search.rerank.candidates``
        computes, from the same roots (``check`` compares the two)."""
        found = {}
        learned = rerank.FEATURES.index("learned")
        for qid in qids:
            ids, values = self._engine(qid)
            ids, values = ids[:depth], values[:depth].copy()
            asked = self.question_roots[qid]
            values[:, learned] = [related.score(asked, self.passage_roots[pid]) for pid in ids]
            found[qid] = (ids, values)
        return found

    def _engine(self, qid):
        if qid not in self._cache:
            text = self.questions[qid] if qid in self.questions else self.b_texts[qid]
            try:
                ids, values = self.opened.question_candidates(text, MAX_DEPTH,
                                                              related=EMPTY)
            except QueryError:
                ids, values = [], np.zeros((0, len(rerank.FEATURES)))
            self._cache[qid] = ([pid.rsplit("#", 1)[0] for pid in ids], values)
        return self._cache[qid]

    def check(self, qids, related, depth: int = rerank.DEPTH) -> None:
        """Raise if the learned column differs from what the product computes."""
        cached = self.candidates(qids, related, depth)
        for qid in qids:
            ids, values = self.opened.question_candidates(self.questions[qid], depth,
                                                          related=related)
            if not np.allclose(values, cached[qid][1]):
                raise AssertionError(f"question {qid}: features differ from the product's")

    def labelled(self, candidates):
        return [(values, np.array([self.qrels[qid].get(pid, 0) >= 1 for pid in ids], float))
                for qid, (ids, values) in candidates.items() if ids]


def task_b_questions(data_dir) -> dict[str, set[str]]:
    """Task B: question text -> the passage ids given with an answer span to it."""
    found: dict[str, set[str]] = {}
    paths = sorted(Path(data_dir).glob("task-b/*_v1.2_train.jsonl")) \
        + sorted(Path(data_dir).glob("task-b/*_v1.2_dev.jsonl"))
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["answers"]:
                found.setdefault(row["question"].strip(), set()).add(
                    row["pq_id"].rsplit("_", 1)[0])
    return found


def cross_fitted(data: Data, qids, options, held_texts=frozenset(), seed: int = 2026):
    """Candidates of ``qids`` whose learned feature comes from tables fitted without
    them (``INNER`` folds of ``qids``), nor Task B's questions of ``held_texts``."""
    shuffled = sorted(qids)
    random.Random(seed).shuffle(shuffled)
    found = {}
    for number in range(INNER):
        inner = shuffled[number::INNER]
        others = [qid for qid in shuffled if qid not in set(inner)]
        table = data.table(others, options["task_b"],
                           {data.texts[q] for q in inner} | set(held_texts), options["keep"])
        found.update(data.candidates(inner, table, options["depth"]))
    return found


def fit(data: Data, qids, options, held_texts=frozenset()):
    """(association table, model, the cross-fitted candidates of ``qids`` the model was
    fitted on) from ``qids``."""
    crossed = cross_fitted(data, qids, options, held_texts)
    labelled = data.labelled(crossed)
    model = rerank.fit(labelled, options["features"], options["l2"])
    if options["ascent"]:
        model = rerank.ascend(model, labelled)
    table = data.table(qids, options["task_b"], held_texts, options["keep"])
    return table, model, crossed


DEFAULTS = {"features": rerank.FEATURES, "l2": L2, "depth": rerank.DEPTH, "task_b": False,
            "keep": associations.KEEP, "ascent": True}
#: What ``main`` fits: the engine's score and the learned association, Task B's pairs
#: added (the best line of bench/cv.py on both seeds; docs/relevance.md).
CHOSEN = {**DEFAULTS, "features": ("base", "learned"), "task_b": True}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir")
    parser.add_argument("--out", type=Path,
                        help="folder to write rerank_model.json and associations.tsv into")
    parser.add_argument("--check", action="store_true", help="print, write nothing")
    args = parser.parse_args(argv)
    if args.out is None and not args.check:
        parser.error("--out DIR is needed (or --check to write nothing)")
    with tempfile.TemporaryDirectory(prefix="fit-rerank-") as scratch:
        data = Data(args.data_dir, Path(scratch) / "index")
        options = CHOSEN
        table, model, _crossed = fit(data, sorted(data.qrels), options)
        data.check(sorted(data.qrels), table)
        data.opened.close()
    for name, weight in zip(model.features, model.weights):
        print(f"{name:<12} {weight:+.4f}")
    pairs = sum(len(row) for row in table.table.values())
    print(f"{len(table.table)} question roots, {pairs} related pairs")
    if not args.check:
        folder = rerank.save(
            args.out, model, table,
            "Related roots learned from Qur'an QA 2023 train + dev questions and their\n"
            "relevant passages by bench/fit_rerank.py. Derived from CC BY-NC-ND 4.0 data:\n"
            "non-commercial use only, do not redistribute.")
        print(f"written to {folder}: Ranking(rerank_model={str(folder)!r})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
