"""Qur'an QA 2023 Task A: passage retrieval, scored like the official checker.

The data (CC BY-NC-ND 4.0, kept verbatim outside the project) is a folder holding the
passage collection ``*QPC*.tsv`` (``passage-id<TAB>text``), questions ``*_<split>.tsv``
(``qid<TAB>question``) and TREC qrels ``*qrels_<split>.gold`` (``qid 0 docid rel``).

Scoring rules (the official script over pytrec_eval, reimplemented here):

1. A run is ordered as trec_eval orders it: score descending, ties by docid descending;
   the rank column is ignored. Only the first 10 passages count (MAP@10, MRR@10): the
   task allows 10 per question but the official checker does not cut, so a longer run
   (the organisers' dev_perfect.tsv) scores 1.0 there and 0.9128 MAP here; pass
   ``depth=None`` to score uncut, as the checker does.
2. A passage is relevant when its qrel grade is at least 1.
3. AP sums precision at each relevant passage retrieved and divides by *all* relevant
   passages of the question, not by min(R, 10).
4. RR is 1 / rank of the first relevant passage, 0 if none is in the top 10.
5. A zero-answer question (its only qrel docid is ``-1``) scores 1 for both measures if
   the run holds exactly one line for it, with docid ``-1``, and 0 otherwise (missing too).
6. A question with answers that is missing from the run is dropped from the averages.
7. Questions in the run but not in the qrels are ignored.

>>> score_run({"1": [("2:1-5", 9.0)]}, {"1": {"2:1-5": 1}})["map10"]
1.0
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from search.ranking import DEFAULT as DEFAULT_RANKING

NO_ANSWER = "-1"
#: Answer "no answer" when the top score per question word is lower (tuned on train for
#: the mean of MAP@10 and MRR@10, 1.7-2.3 within 0.01 of the best; docs/relevance.md).
#: It depends on the score scale: retune it when scoring changes. The logistic model of
#: ``search.noanswer`` does better on train under cross-validation but not on dev, so it
#: is an option (``no_answer_model``), not the default.
NO_ANSWER_THRESHOLD = DEFAULT_RANKING.no_answer_threshold
#: The same with roots: root groups add to every score, so the threshold is higher
#: (tuned on train with ``Ranking.root_weight``: 3.3, plateau 3.3-3.6; docs/relevance.md).
NO_ANSWER_THRESHOLD_ROOTS = DEFAULT_RANKING.no_answer_threshold_roots
#: ``evaluate``'s default: the threshold tuned for the index built.
TUNED = "tuned"
DEPTH = 10
SPLITS = ("train", "dev")
# The organisers' BM25 dev run, as scored by the official script (SOURCE.md).
BASELINE_DEV = {"run": "bigIR BM25 (organisers)", "map10": 0.1703, "mrr10": 0.3133}

Run = dict[str, list[tuple[str, float]]]
Qrels = dict[str, dict[str, int]]


def _rows(path: Path, columns: int) -> list[list[str]]:
    """Non-blank lines of a UTF-8 file (BOM and CRLF tolerated), split into fields.

    Tab-separated files may hold spaces inside the last field (passage text); files
    with more columns may use any whitespace, as trec_eval accepts.
    """
    rows = []
    with open(path, encoding="utf-8-sig", newline=None) as lines:
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line:
                continue
            fields = line.split("\t", 1) if columns == 2 else line.split()
            if len(fields) != columns:
                raise ValueError(f"{path}:{number}: expected {columns} columns, got {len(fields)}")
            rows.append([field.strip() for field in fields])
    return rows


def load_collection(path: str | Path) -> dict[str, str]:
    """Passage id -> text, in file order (the QPC tsv)."""
    return {pid: text for pid, text in _rows(Path(path), 2)}


def load_questions(path: str | Path) -> dict[str, str]:
    """Question id -> question text, in file order."""
    return {qid: text for qid, text in _rows(Path(path), 2)}


def load_qrels(path: str | Path) -> Qrels:
    """TREC qrels ``qid iter docid rel`` -> {qid: {docid: rel}}."""
    qrels: Qrels = {}
    for qid, _, docid, rel in _rows(Path(path), 4):
        qrels.setdefault(qid, {})[docid] = int(rel)
    return qrels


def load_run(path: str | Path) -> Run:
    """TREC run ``qid Q0 docid rank score tag`` -> {qid: [(docid, score), ...]} in file order."""
    run: Run = {}
    for qid, _, docid, _, score, _ in _rows(Path(path), 6):
        run.setdefault(qid, []).append((docid, float(score)))
    return run


def write_run(run: Run, path: str | Path, tag: str) -> None:
    """Write ``run`` in the official format: ``qid<TAB>Q0<TAB>docid<TAB>rank<TAB>score<TAB>tag``.

    Ranks start at 1 in the order given (the scorer re-sorts by score anyway).
    """
    if not tag or any(ch.isspace() for ch in tag):
        raise ValueError(f"run tag must be one word, got {tag!r}")
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for qid, ranked in run.items():
            for rank, (docid, score) in enumerate(ranked, 1):
                out.write(f"{qid}\tQ0\t{docid}\t{rank}\t{score!r}\t{tag}\n")


def _trec_order(ranked: list[tuple[str, float]]) -> list[str]:
    """Docids as trec_eval ranks them: score descending, ties by docid descending, once each."""
    best: dict[str, float] = {}
    for docid, score in ranked:
        if docid not in best or score > best[docid]:
            best[docid] = score
    return [docid for docid, _ in sorted(best.items(), key=lambda item: (item[1], item[0]), reverse=True)]


def _ap_rr(docids: list[str], relevant: set[str]) -> tuple[float, float]:
    found, precision_sum, rr = 0, 0.0, 0.0
    for rank, docid in enumerate(docids, 1):
        if docid in relevant:
            found += 1
            precision_sum += found / rank
            if not rr:
                rr = 1.0 / rank
    return (precision_sum / len(relevant) if relevant else 0.0), rr


def score_run(run: Run, qrels: Qrels, depth: int | None = DEPTH) -> dict:
    """MAP@10 and MRR@10 of ``run`` against ``qrels`` (rules in the module docstring).

    ``depth`` is the cut (None: the whole run, as the official checker scores it).

    Returns ``{"map10", "mrr10", "questions", "per_query": {qid: {"ap", "rr"}}}``;
    ``questions`` counts the questions averaged over.
    """
    per_query = {}
    for qid, judged in qrels.items():
        relevant = {docid for docid, rel in judged.items() if rel >= 1}
        if relevant == {NO_ANSWER}:
            lines = run.get(qid, [])
            score = float(len(lines) == 1 and lines[0][0] == NO_ANSWER)
            per_query[qid] = {"ap": score, "rr": score}
        elif qid in run:
            ap, rr = _ap_rr(_trec_order(run[qid])[:depth], relevant)
            per_query[qid] = {"ap": ap, "rr": rr}
    count = len(per_query)
    return {
        "map10": sum(q["ap"] for q in per_query.values()) / count if count else 0.0,
        "mrr10": sum(q["rr"] for q in per_query.values()) / count if count else 0.0,
        "questions": count,
        "per_query": per_query,
    }


def task_files(data_dir: str | Path, split: str) -> tuple[Path, Path, Path]:
    """(collection, questions, qrels) paths for ``split`` under ``data_dir``.

    ``data_dir`` may be the Task A folder or the folder above it (``quranqa2023``).
    """
    root = Path(data_dir)
    if not list(root.glob("*QPC*.tsv")) and (root / "task-a").is_dir():
        root = root / "task-a"

    def one(pattern: str, what: str) -> Path:
        found = sorted(root.glob(pattern))
        if len(found) != 1:
            names = ", ".join(p.name for p in found) or "none"
            raise FileNotFoundError(f"{root}: expected one {what} matching {pattern!r}, found {names}")
        return found[0]

    return (
        one("*QPC*.tsv", "passage collection"),
        one(f"*_{split}.tsv", f"{split} question file"),
        one(f"**/*qrels_{split}.gold", f"{split} qrels file"),
    )


def qpc_passages(collection: dict[str, str]):
    """The collection as ``Passage`` objects whose ``source`` is the passage id."""
    from search.passages import Passage

    for pid, text in collection.items():
        yield Passage(source=pid, number=1, text=text, start=0, end=len(text), title=None)


def run_questions(index, questions: dict[str, str], no_answer_threshold: float | None = None,
                  depth: int = DEPTH, no_answer_model: bool = False) -> Run:
    """Ask ``index`` every question; answer ``-1`` when nothing matches, when the top
    score per question word is below ``no_answer_threshold``, or, with
    ``no_answer_model``, when the model of ``search.noanswer`` says so.

    An empty result becomes the no-answer line so that the question still counts
    (rule 6 would otherwise drop it from the average and flatter the run).
    """
    from search import noanswer
    from search.errors import QueryError

    run: Run = {}
    for qid, question in questions.items():
        try:
            # Hit ids are "source#number"; the source is the passage id (QPC ids hold no "#").
            ranked = [(hit_id.rsplit("#", 1)[0], float(score))
                      for hit_id, score in index.ranked_ids(question, limit=depth,
                                                            per_word=True)]
        except QueryError:
            ranked = []
        weak = bool(ranked) and (
            (no_answer_threshold is not None and ranked[0][1] < no_answer_threshold)
            or (no_answer_model and noanswer.unanswerable(noanswer.features(index, question, ranked))))
        if not ranked or weak:
            ranked = [(NO_ANSWER, ranked[0][1] if ranked else 0.0)]
        run[qid] = ranked
    return run


def no_answer_threshold_for(roots: bool, commentary: bool = False) -> float:
    """The no-answer threshold tuned for the index built (``Ranking.no_answer_threshold_for``)."""
    return DEFAULT_RANKING.no_answer_threshold_for(roots, commentary)


def load_verse_commentary(path: str | Path) -> dict[str, str]:
    """A commentary of the Qur'an, verse by verse: ``sura:verse<TAB>text`` lines."""
    return {key: text for key, text in _rows(Path(path), 2)}


def qpc_commentary(collection: dict[str, str], verses: dict[str, str]):
    """(hit id, commentary) of each passage (``sura:first-last``): its verses' commentary,
    as ``Index.build_from_passages(commentary=...)`` takes it."""
    for pid in collection:
        sura, _, span = pid.partition(":")
        first, _, last = span.partition("-")
        if not (first.isdigit() and last.isdigit()):
            continue
        text = " ".join(verses.get(f"{sura}:{verse}", "")
                        for verse in range(int(first), int(last) + 1))
        yield f"{pid}#1", text.strip()


def evaluate(data_dir: str | Path, split: str = "dev", index_dir: str | Path | None = None,
             no_answer_threshold: float | None | str = TUNED, run_file: str | Path | None = None,
             tag: str = "arabic-search", no_answer_model: bool = False, roots: bool = True,
             commentary: str | Path | None = None) -> dict:
    """Index the collection, run the ``split`` questions (``"both"`` = train and dev), score.

    The index is built into ``index_dir`` (a temporary folder if None), with the root
    table (question words also match by root) unless ``roots`` is False; ``commentary``
    names a file of verse commentary (``load_verse_commentary``) each passage gets.
    ``no_answer_threshold``: ``TUNED`` (the one tuned for that index), a number, or None
    (off). Returns
    ``{split: score_run(...) + {"run": run}}``. ``no_answer_model`` adds the model of
    ``search.noanswer`` to the no-answer decision (see ``run_questions``). With ``run_file``, each split's run is
    written there (``name.<split>.ext`` when several splits are asked for).
    """
    from search import Index

    if no_answer_threshold == TUNED:
        no_answer_threshold = no_answer_threshold_for(roots, commentary is not None)
    splits = SPLITS if split == "both" else (split,)
    if any(name not in SPLITS for name in splits):
        raise ValueError(f"split must be one of train, dev, both; got {split!r}")
    files = {name: task_files(data_dir, name) for name in splits}
    collection = load_collection(files[splits[0]][0])
    with tempfile.TemporaryDirectory(prefix="quranqa-") as scratch:
        notes = None if commentary is None else \
            qpc_commentary(collection, load_verse_commentary(commentary))
        index = Index.build_from_passages(qpc_passages(collection),
                                          Path(index_dir or Path(scratch) / "index"), roots=roots,
                                          commentary=notes)
        results = {}
        for name in splits:
            _, questions_path, qrels_path = files[name]
            run = run_questions(index, load_questions(questions_path), no_answer_threshold,
                                no_answer_model=no_answer_model)
            results[name] = {**score_run(run, load_qrels(qrels_path)), "run": run}
            if run_file:
                target = Path(run_file)
                if len(splits) > 1:
                    target = target.with_name(f"{target.stem}.{name}{target.suffix}")
                write_run(run, target, tag)
        close = getattr(index, "close", None)
        if close:
            close()
    return results


def format_table(rows: list[tuple[str, str, int, float, float]]) -> str:
    """A plain text table of (run, split, questions, MAP@10, MRR@10) rows."""
    lines = [f"{'run':<26} {'split':<6} {'questions':>9} {'MAP@10':>7} {'MRR@10':>7}"]
    for run, split, count, map10, mrr10 in rows:
        lines.append(f"{run:<26} {split:<6} {count:>9} {map10:>7.4f} {mrr10:>7.4f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m search.evaluation DATA_DIR [--split ...] [--run-file PATH] ...``."""
    parser = argparse.ArgumentParser(prog="python -m search.evaluation", description=__doc__.split("\n")[0])
    parser.add_argument("data_dir", help="Qur'an QA 2023 folder (or its task-a folder)")
    parser.add_argument("--split", choices=("train", "dev", "both"), default="dev")
    parser.add_argument("--run-file", help="write our run here in the official TREC run format")
    parser.add_argument("--score", metavar="RUN", help="only score this existing run file (no index)")
    parser.add_argument("--depth", type=int, default=DEPTH,
                        help="with --score: passages counted per question (0: all, as the official checker)")
    parser.add_argument("--index-dir", help="build the index here instead of a temporary folder")
    parser.add_argument("--no-answer-threshold", type=float,
                        help="answer -1 when the top score per question word is lower "
                             f"(default, tuned on train: {NO_ANSWER_THRESHOLD_ROOTS}, "
                             f"{NO_ANSWER_THRESHOLD} with --no-roots; 0 turns it off)")
    parser.add_argument("--no-answer-model", action="store_true",
                        help="also answer -1 when the no-answer model (search/noanswer.py) says so")
    parser.add_argument("--no-roots", action="store_true",
                        help="build the index without roots (question words match by stem only)")
    parser.add_argument("--commentary", metavar="TSV",
                        help="verse commentary (sura:verse<TAB>text lines) each passage gets: "
                             "questions also search it (bench/tafsir.py --tsv writes one)")
    parser.add_argument("--per-query", action="store_true", help="also print AP and RR of every question")
    args = parser.parse_args(argv)
    try:
        if args.score:
            run = load_run(args.score)
            long = sum(len(ranked) > DEPTH for ranked in run.values())
            if long and args.depth:
                print(f"note: {long} questions have more than {DEPTH} passages; scoring the first "
                      f"{args.depth} (the official checker scores them all: --depth 0)", file=sys.stderr)
            splits = SPLITS if args.split == "both" else (args.split,)
            results = {name: score_run(run, load_qrels(task_files(args.data_dir, name)[2]), args.depth or None)
                       for name in splits}
            label = Path(args.score).name
        else:
            threshold = TUNED if args.no_answer_threshold is None else (args.no_answer_threshold or None)
            results = evaluate(args.data_dir, args.split, args.index_dir, threshold,
                               args.run_file, no_answer_model=args.no_answer_model,
                               roots=not args.no_roots, commentary=args.commentary)
            label = "arabic-search" + (" (no roots)" if args.no_roots else "") \
                + (" + commentary" if args.commentary else "")
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    rows = [(label, name, r["questions"], r["map10"], r["mrr10"]) for name, r in results.items()]
    rows.append((BASELINE_DEV["run"], "dev", 25, BASELINE_DEV["map10"], BASELINE_DEV["mrr10"]))
    print(format_table(rows))
    if args.per_query:
        for name, result in results.items():
            for qid, q in result["per_query"].items():
                print(f"{name}\t{qid}\tAP={q['ap']:.4f}\tRR={q['rr']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
