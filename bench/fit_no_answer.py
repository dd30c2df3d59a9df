"""Fit the no-answer model (``search/noanswer.py``) on Qur'an QA 2023 train, reproducibly.

    python bench/fit_no_answer.py /path/to/quranqa2023

For each candidate feature set: an L2-regularised logistic regression (numpy, Newton
steps) on standardised features, and the probability threshold that maximises the mean
of MAP@10 and MRR@10 on the questions it was fitted on. Each candidate is
cross-validated on train (10 folds, 50 shuffles: the threshold is refitted inside each
fold), then fitted on all of train and applied once to dev, which only confirms. The
candidate with the best cross-validated mean is printed as the constants to paste into
``search/noanswer.py``. Deterministic: fixed shuffles, no randomness elsewhere.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

from search import Index
from search.evaluation import (
    NO_ANSWER,
    SPLITS,
    load_collection,
    load_qrels,
    load_questions,
    qpc_passages,
    run_questions,
    score_run,
    task_files,
)
from search.noanswer import features

CANDIDATES = {
    "top (a threshold)": ("log_top",),
    "top, fact": ("log_top", "fact"),
    "top, fact, no question word": ("log_top", "fact", "no_question_word"),
    "top, covered, fact": ("log_top", "covered", "fact"),
    "top, fact, no question word, words": ("log_top", "fact", "no_question_word", "log_words"),
    "top, covered, fact, no question word": ("log_top", "covered", "fact", "no_question_word"),
    "all seven": ("log_top", "gap", "covered", "matched", "log_words", "fact", "no_question_word"),
}
LAMBDAS = (1.0, 5.0)
FOLDS, SHUFFLES = 10, 50
THRESHOLDS = np.round(np.arange(0.05, 0.95, 0.01), 2)


def collect(data_dir):
    """Per split: feature rows, zero-answer flags, AP and RR of the run without detection."""
    files = {split: task_files(data_dir, split) for split in SPLITS}
    collection = load_collection(files["train"][0])
    table = {}
    with tempfile.TemporaryDirectory(prefix="noanswer-") as scratch:
        index = Index.build_from_passages(qpc_passages(collection), Path(scratch) / "index")
        for split in SPLITS:
            _, questions_path, qrels_path = files[split]
            questions, qrels = load_questions(questions_path), load_qrels(qrels_path)
            run = run_questions(index, questions)
            per_query = score_run(run, qrels)["per_query"]
            rows = []
            for qid, question in questions.items():
                ranked = [] if run[qid][0][0] == NO_ANSWER else run[qid]
                rows.append({**features(index, question, ranked),
                             "zero": float(set(qrels[qid]) == {NO_ANSWER}),
                             "empty": float(not ranked),
                             "ap": per_query[qid]["ap"], "rr": per_query[qid]["rr"]})
            table[split] = rows
        index.close()
    return table


def arrays(rows, names):
    X = np.array([[row[name] for name in names] for row in rows])
    column = lambda name: np.array([row[name] for row in rows])
    return X, column("zero"), column("empty"), column("ap"), column("rr")


def fit_logistic(X, y, lam):
    """(weights with bias first, mean, scale): Newton steps on the L2-penalised log loss."""
    mean, scale = X.mean(0), X.std(0) + 1e-9
    Z = np.c_[np.ones(len(X)), (X - mean) / scale]
    penalty = lam * np.diag(np.r_[0.0, np.ones(X.shape[1])])
    w = np.zeros(Z.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-Z @ w))
        gradient = Z.T @ (p - y) + penalty @ w
        hessian = (Z * (p * (1 - p))[:, None]).T @ Z + penalty
        w -= np.linalg.solve(hessian, gradient)
    return w, mean, scale


def probability(model, X):
    w, mean, scale = model
    return 1 / (1 + np.exp(-(np.c_[np.ones(len(X)), (X - mean) / scale] @ w)))


def measure(says_none, zero, empty, score):
    """Mean score when ``says_none`` questions answer "no answer" (empty runs always do)."""
    says_none = says_none | (empty == 1)
    return float(np.where(says_none, zero, np.where(zero == 1, 0.0, score)).mean())


def best_threshold(p, zero, empty, ap, rr):
    """The middle of the plateau of thresholds with the best mean of MAP and MRR."""
    both = np.array([measure(p >= t, zero, empty, (ap + rr) / 2) for t in THRESHOLDS])
    best = np.flatnonzero(both >= both.max() - 1e-12)
    return float(THRESHOLDS[best[len(best) // 2]])


def fit(X, zero, empty, ap, rr, lam):
    model = fit_logistic(X, zero, lam)
    return model, best_threshold(probability(model, X), zero, empty, ap, rr)


def cross_validate(X, zero, empty, ap, rr, lam):
    """Mean train MAP@10, MRR@10 and detections over shuffled 10-fold splits."""
    results = []
    for shuffle in range(SHUFFLES):
        order = np.random.default_rng(shuffle).permutation(len(X))
        says_none = np.zeros(len(X), bool)
        for fold in range(FOLDS):
            held = order[fold::FOLDS]
            kept = np.setdiff1d(order, held)
            model, threshold = fit(X[kept], zero[kept], empty[kept], ap[kept], rr[kept], lam)
            says_none[held] = probability(model, X[held]) >= threshold
        results.append((measure(says_none, zero, empty, ap), measure(says_none, zero, empty, rr),
                        (says_none & (zero == 1)).sum(), (says_none & (zero == 0)).sum()))
    return np.mean(results, 0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir")
    args = parser.parse_args(argv)
    table = collect(args.data_dir)
    print(f"{'features':<38} {'lambda':>6} | {'CV train MAP':>12} {'MRR':>6} {'right':>5} {'wrong':>5}"
          f" | {'train MAP':>9} {'MRR':>6} | {'dev MAP':>7} {'MRR':>6} {'right':>5} {'wrong':>5}")
    best = None
    for name, names in CANDIDATES.items():
        for lam in LAMBDAS:
            train, dev = arrays(table["train"], names), arrays(table["dev"], names)
            cv_map, cv_mrr, right, wrong = cross_validate(*train, lam)
            model, threshold = fit(*train, lam)
            says = probability(model, train[0]) >= threshold
            says_dev = probability(model, dev[0]) >= threshold
            zero_dev = dev[1] == 1
            print(f"{name:<38} {lam:>6} | {cv_map:>12.4f} {cv_mrr:>6.4f} {right:>5.1f} {wrong:>5.1f}"
                  f" | {measure(says, *train[1:3], train[3]):>9.4f} {measure(says, *train[1:3], train[4]):>6.4f}"
                  f" | {measure(says_dev, *dev[1:3], dev[3]):>7.4f} {measure(says_dev, *dev[1:3], dev[4]):>6.4f}"
                  f" {int((says_dev & zero_dev).sum()):>5} {int((says_dev & ~zero_dev).sum()):>5}", flush=True)
            if best is None or (cv_map + cv_mrr) / 2 > best[0]:
                best = ((cv_map + cv_mrr) / 2, name, names, lam, model, threshold)
    _, name, names, lam, (w, mean, scale), threshold = best
    print(f"\nbest cross-validated mean of MAP and MRR: {name}, lambda {lam}")
    print(f"MODEL_FEATURES = {names!r}")
    print("MEAN = {" + ", ".join(f'"{n}": {m:.4f}' for n, m in zip(names, mean)) + "}")
    print("SCALE = {" + ", ".join(f'"{n}": {s:.4f}' for n, s in zip(names, scale)) + "}")
    print("WEIGHTS = {" + ", ".join(f'"{n}": {v:.4f}' for n, v in zip(names, w[1:])) + "}")
    print(f"BIAS = {w[0]:.4f}\nTHRESHOLD = {threshold}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
