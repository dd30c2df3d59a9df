"""Relevance experiments on Qur'an QA 2023 Task A: one line per configuration.

    python bench/relevance.py /path/to/quranqa2023 [--configs NAME,...]

Each configuration changes one choice (stemmer, a normalisation rule, a query-time
weight, BM25 parameters) against the shipped defaults (roots on, with the no-answer
threshold tuned for the index built), rebuilds the index of the passage collection when
the choice is made at index time, and prints MAP@10 and MRR@10 on train and dev. Choices are tuned on train; dev only confirms. The table of what was
tried, with its results, is kept in docs/relevance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

from search import analysis, arabic, index, query, stemgroups
from search.ranking import Ranking
from search.evaluation import (SPLITS, load_collection, load_qrels, load_questions,
                               no_answer_threshold_for, qpc_passages, run_questions,
                               score_run, task_files)


@contextlib.contextmanager
def patched(module, **values):
    """Set module attributes for the duration of one configuration."""
    saved = {name: getattr(module, name) for name in values}
    for name, value in values.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)


@contextlib.contextmanager
def folded_letters(extra: dict[str, str]):
    """Add letter folds (e.g. ؤ -> و) to normalisation for one configuration."""
    table = arabic._FOLD_TABLE
    arabic._FOLD_TABLE = {**table, **{ord(k): v for k, v in extra.items()}}
    arabic.normalize.cache_clear()
    arabic.spellings.cache_clear()
    try:
        yield
    finally:
        arabic._FOLD_TABLE = table
        arabic.normalize.cache_clear()
        arabic.spellings.cache_clear()


def configurations():
    """name -> (index-time context, query-time context, build options: the ``Ranking``
    to score with and, for a scoring with another scale, its own no-answer threshold).
    Contexts patch only what is not a ranking parameter (analysis rules, word lists)."""
    none = contextlib.nullcontext
    return {
        "default": (none, none, {}),
        "groups form by form": (none, none, {"ranking": Ranking(saturate_once=False),
                                             "threshold": 5.0}),
        "no roots": (none, none, {"roots": False}),
        "root weight 0.5": (none, none, {"ranking": Ranking(root_weight=0.5)}),
        "root weight 0.75": (none, none, {"ranking": Ranking(root_weight=0.75)}),
        "root weight 1.5": (none, none, {"ranking": Ranking(root_weight=1.5)}),
        "stemmer=snowball": (none, none, {"stemmer": "snowball"}),
        "stemmer=tashaphyne": (none, none, {"stemmer": "tashaphyne"}),
        "stemmer=none": (none, none, {"stemmer": "none"}),
        "fold ؤ->و ئ->ي": (lambda: folded_letters({"ؤ": "و", "ئ": "ي"}), none, {}),
        "fold ؤ ئ ->ء": (lambda: folded_letters({"ؤ": "ء", "ئ": "ء"}), none, {}),
        "keep ة (no ة->ه)": (lambda: folded_letters({"ة": "ة"}), none, {}),
        "no question frame words": (none, lambda: patched(query, _question_words=lambda: ()), {}),
        "no stop words": (lambda: patched(analysis, default_stopwords=lambda: frozenset()), none, {}),
        "exact weight 0": (none, none, {"ranking": Ranking(exact_weight=0.0)}),
        "exact weight 1.0": (none, none, {"ranking": Ranking(exact_weight=1.0)}),
        "no clitic expansion": (none, lambda: patched(stemgroups, PROCLITICS=()), {}),
        "clitic weight 1.0": (none, none, {"ranking": Ranking(clitic_weight=1.0)}),
        "clitic weight 0.3": (none, none, {"ranking": Ranking(clitic_weight=0.3)}),
        "BM25 b=0.75": (none, none, {"ranking": Ranking(b=0.75)}),
        "BM25 b=0.2": (none, none, {"ranking": Ranking(b=0.2)}),
        "BM25 b=0.1": (none, none, {"ranking": Ranking(b=0.1)}),
        "BM25 k1=0.8": (none, none, {"ranking": Ranking(k1=0.8)}),
        "BM25 k1=1.6": (none, none, {"ranking": Ranking(k1=1.6)}),
        "common weight 0": (none, none, {"ranking": Ranking(common_weight=0.0)}),
        "common weight 0.3": (none, none, {"ranking": Ranking(common_weight=0.3)}),
    }


def run_configuration(data_dir, name, index_context, query_context, options, splits):
    files = {split: task_files(data_dir, split) for split in splits}
    collection = load_collection(files[splits[0]][0])
    options = {"roots": True, **options}  # as search/evaluation.py builds it
    threshold = options.pop("threshold", None) or no_answer_threshold_for(options["roots"])
    scores = {}
    with tempfile.TemporaryDirectory(prefix="relevance-") as scratch, index_context():
        built = index.Index.build_from_passages(qpc_passages(collection),
                                                Path(scratch) / "index", **options)
        with query_context():
            for split in splits:
                _, questions_path, qrels_path = files[split]
                run = run_questions(built, load_questions(questions_path), threshold)
                scores[split] = score_run(run, load_qrels(qrels_path))
        built.close()
    return scores


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir")
    parser.add_argument("--configs", help="comma-separated names (default: all)")
    args = parser.parse_args(argv)
    table = configurations()
    names = args.configs.split(",") if args.configs else list(table)
    print(f"{'configuration':<24} {'train MAP':>9} {'MRR':>6} {'dev MAP':>8} {'MRR':>6}")
    for name in names:
        scores = run_configuration(args.data_dir, name, *table[name], SPLITS)
        train, dev = scores["train"], scores["dev"]
        print(f"{name:<24} {train['map10']:>9.4f} {train['mrr10']:>6.4f} "
              f"{dev['map10']:>8.4f} {dev['mrr10']:>6.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
