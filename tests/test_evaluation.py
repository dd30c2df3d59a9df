"""Qur'an QA 2023 Task A evaluation: loaders, the scorer's rules, run files, the benchmark corpus.

The official-number checks need the shared data beside the clone (``../shared/evaldata``,
or ``$ARABIC_SEARCH_EVALDATA``); everything else runs on the tiny fixture made for these tests.
"""

import importlib.util
import os
from pathlib import Path

import pytest

from search.evaluation import (
    NO_ANSWER,
    load_collection,
    load_qrels,
    load_questions,
    load_run,
    main,
    score_run,
    task_files,
    write_run,
)

TESTS = Path(__file__).resolve().parent
TINY = TESTS / "data" / "quranqa_tiny"
EVALDATA = Path(os.environ.get("ARABIC_SEARCH_EVALDATA") or TESTS.parents[1] / "shared" / "evaldata")
TASK_A = EVALDATA / "quranqa2023" / "task-a"
needs_official = pytest.mark.skipif(
    not (TASK_A / "runs" / "bigIR_BM25_dev.tsv").is_file(),
    reason=f"Qur'an QA 2023 data not found at {TASK_A} (set ARABIC_SEARCH_EVALDATA)",
)


def scores(run, qrels, **options):
    result = score_run(run, qrels, **options)
    return round(result["map10"], 4), round(result["mrr10"], 4)


# Loaders


def test_load_collection_keeps_file_order_and_text():
    collection = load_collection(TINY / "tiny_QPC.tsv")
    assert list(collection)[:2] == ["1:1-3", "1:4-6"]
    assert len(collection) == 7
    assert collection["2:5-7"].startswith("ينزل المطر")


def test_load_questions_reads_last_line_without_newline():
    questions = load_questions(TINY / "tiny_questions_dev.tsv")
    assert list(questions) == ["101", "102", "103", "104"]
    assert questions["104"] == "كم عدد الكواكب حول الشمس؟"


def test_load_qrels_skips_blank_lines_and_keeps_zero_answer():
    qrels = load_qrels(TINY / "qrels" / "tiny_qrels_dev.gold")
    assert qrels["103"] == {"2:1-4": 1, "4:1-3": 1}
    assert qrels["104"] == {NO_ANSWER: 1}


def test_loaders_tolerate_bom_and_crlf(tmp_path):
    path = tmp_path / "q.tsv"
    path.write_bytes("\ufeff7\tما هو الصبر؟\r\n8\tسؤال ثان\r\n".encode("utf-8"))
    assert load_questions(path) == {"7": "ما هو الصبر؟", "8": "سؤال ثان"}


def test_loader_names_file_and_line_of_a_bad_row(tmp_path):
    path = tmp_path / "bad.gold"
    path.write_text("1 0 2:1-5 1\n1 0 2:6-7\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.gold:2: expected 4 columns"):
        load_qrels(path)


def test_task_files_finds_each_file_of_a_split():
    collection, questions, qrels = task_files(TINY, "dev")
    assert (collection.name, questions.name, qrels.name) == (
        "tiny_QPC.tsv", "tiny_questions_dev.tsv", "tiny_qrels_dev.gold")


def test_task_files_says_what_is_missing():
    with pytest.raises(FileNotFoundError, match="train question file"):
        task_files(TINY, "train")


# Scorer rules


def test_ap_is_divided_by_all_relevant_passages():
    assert scores({"1": [("a", 2.0), ("x", 1.0)]}, {"1": {"a": 1, "b": 1}}) == (0.5, 1.0)


def test_precision_counted_at_each_relevant_rank():
    run = {"1": [("x", 3.0), ("a", 2.0), ("b", 1.0)]}
    assert scores(run, {"1": {"a": 1, "b": 1}}) == (round((1 / 2 + 2 / 3) / 2, 4), 0.5)


def test_only_the_first_ten_passages_count():
    run = {"1": [(f"x{i}", 100.0 - i) for i in range(10)] + [("a", 1.0)]}
    assert scores(run, {"1": {"a": 1}}) == (0.0, 0.0)
    assert scores(run, {"1": {"a": 1}}, depth=None) == (round(1 / 11, 4), round(1 / 11, 4))


def test_run_is_ordered_by_score_not_by_file_order():
    assert scores({"1": [("x", 1.0), ("a", 5.0)]}, {"1": {"a": 1}}) == (1.0, 1.0)


def test_score_ties_are_broken_by_docid_descending():
    assert scores({"1": [("a", 1.0), ("b", 1.0)]}, {"1": {"a": 1}}) == (0.5, 0.5)


def test_grade_zero_is_not_relevant():
    assert scores({"1": [("a", 1.0)]}, {"1": {"a": 0, "b": 1}}) == (0.0, 0.0)


def test_zero_answer_question_scores_one_for_a_single_no_answer_line():
    assert scores({"9": [(NO_ANSWER, 0.0)]}, {"9": {NO_ANSWER: 1}}) == (1.0, 1.0)


def test_zero_answer_question_scores_zero_with_any_other_line():
    assert scores({"9": [(NO_ANSWER, 2.0), ("a", 1.0)]}, {"9": {NO_ANSWER: 1}}) == (0.0, 0.0)
    assert scores({"9": [("a", 1.0)]}, {"9": {NO_ANSWER: 1}}) == (0.0, 0.0)


def test_zero_answer_question_missing_from_run_counts_as_zero():
    result = score_run({"1": [("a", 1.0)]}, {"1": {"a": 1}, "9": {NO_ANSWER: 1}})
    assert (result["questions"], result["map10"]) == (2, 0.5)


def test_no_answer_line_on_an_answerable_question_is_just_wrong():
    assert scores({"1": [(NO_ANSWER, 1.0)]}, {"1": {"a": 1}}) == (0.0, 0.0)


def test_answerable_question_missing_from_run_is_dropped():
    result = score_run({"1": [("a", 1.0)]}, {"1": {"a": 1}, "2": {"b": 1}})
    assert (result["questions"], result["map10"], list(result["per_query"])) == (1, 1.0, ["1"])


def test_questions_without_qrels_are_ignored():
    assert score_run({"1": [("a", 1.0)], "5": [("b", 1.0)]}, {"1": {"a": 1}})["questions"] == 1


def test_empty_run_scores_zero_without_dividing_by_zero():
    assert scores({}, {"1": {"a": 1}}) == (0.0, 0.0)


# Run files


def test_run_file_round_trip(tmp_path):
    run = {"101": [("2:5-7", 3.25), ("1:1-3", 0.5)], "104": [(NO_ANSWER, 0.0)]}
    path = tmp_path / "run.tsv"
    write_run(run, path, tag="ours")
    assert load_run(path) == run
    assert path.read_text(encoding="utf-8").splitlines()[0] == "101\tQ0\t2:5-7\t1\t3.25\tours"


def test_run_tag_must_be_one_word(tmp_path):
    with pytest.raises(ValueError, match="one word"):
        write_run({}, tmp_path / "run.tsv", tag="two words")


# Official numbers (SOURCE.md): the organisers' baseline and perfect dev runs


@needs_official
def test_official_bm25_dev_run_scores_as_published():
    qrels = load_qrels(task_files(TASK_A, "dev")[2])
    assert scores(load_run(TASK_A / "runs" / "bigIR_BM25_dev.tsv"), qrels) == (0.1703, 0.3133)


@needs_official
def test_official_perfect_dev_run_scores_one():
    qrels = load_qrels(task_files(TASK_A, "dev")[2])
    run = load_run(TASK_A / "runs" / "dev_perfect.tsv")
    assert scores(run, qrels, depth=None) == (1.0, 1.0)
    # Four dev questions have more than 10 answers, so 0.9128 is the best MAP@10 possible.
    assert scores(run, qrels) == (0.9128, 1.0)


@needs_official
def test_main_scores_a_run_file(capsys):
    assert main([str(TASK_A.parent), "--score", str(TASK_A / "runs" / "bigIR_BM25_dev.tsv")]) == 0
    assert "bigIR_BM25_dev.tsv         dev           25  0.1703  0.3133" in capsys.readouterr().out


# End to end on the tiny fixture


def test_evaluate_tiny_fixture_end_to_end(tmp_path):
    from search.evaluation import evaluate

    result = evaluate(TINY, "dev", index_dir=tmp_path / "index", run_file=tmp_path / "run.tsv",
                      no_answer_threshold=None)["dev"]
    assert result["questions"] == 4
    assert result["run"]["104"] == [(NO_ANSWER, 0.0)]  # nothing matches: answered "no answer"
    assert result["per_query"]["104"] == {"ap": 1.0, "rr": 1.0}
    assert result["run"]["101"][0][0] == "2:5-7"
    assert load_run(tmp_path / "run.tsv") == result["run"]


def test_tiny_fixture_with_and_without_roots(tmp_path, capsys):
    assert main([str(TINY), "--split", "dev", "--index-dir", str(tmp_path / "on")]) == 0
    with_roots = capsys.readouterr().out
    assert main([str(TINY), "--split", "dev", "--no-roots", "--index-dir", str(tmp_path / "off")]) == 0
    assert "arabic-search (no roots)" in capsys.readouterr().out
    assert "arabic-search " in with_roots and "(no roots)" not in with_roots


def test_no_answer_threshold_turns_weak_results_into_no_answer(tmp_path):
    from search.evaluation import evaluate

    result = evaluate(TINY, "dev", index_dir=tmp_path / "index", no_answer_threshold=1e9)["dev"]
    assert all(ranked == [(NO_ANSWER, ranked[0][1])] for ranked in result["run"].values())
    assert result["map10"] == 0.25  # only the zero-answer question is right


# The benchmark's corpus generator


def load_benchmark():
    spec = importlib.util.spec_from_file_location("benchmark", TESTS.parent / "bench" / "benchmark.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


POOLS = [["الشمس تشرق كل صباح.", "القمر نور الليل.", "يمشي الناس في السوق."],
         ["الصبر مفتاح الفرج.", "العلم نور يهدي الناس.", "البحر واسع عميق جدا."]]


def test_benchmark_corpus_is_the_same_for_a_seed():
    benchmark = load_benchmark()
    first = list(benchmark.generate(POOLS, 120, seed=7))
    assert first == list(benchmark.generate(POOLS, 120, seed=7))
    assert first != list(benchmark.generate(POOLS, 120, seed=8))
    assert benchmark.make_queries(POOLS, 5, seed=7) == benchmark.make_queries(POOLS, 5, seed=7)


def test_benchmark_passages_carry_consistent_offsets():
    benchmark = load_benchmark()
    passages = list(benchmark.generate(POOLS, 60, seed=1))
    assert {source for source, *_ in passages} == {"bench_000000.txt", "bench_000001.txt"}
    for source, number, start, end, text in passages:
        assert end - start == len(text) and text


def test_benchmark_sentences_split_on_arabic_question_mark():
    benchmark = load_benchmark()
    assert benchmark.sentences("ما هو العلم؟ العلم نور يهدي.\nقصير") == ["ما هو العلم؟", "العلم نور يهدي."]


def test_benchmark_corpus_file_streams_back_as_the_same_passages(tmp_path):
    benchmark = load_benchmark()
    size = benchmark.write_corpus(tmp_path / "corpus.tsv", POOLS, 30, seed=3)
    passages = list(benchmark.read_corpus(tmp_path / "corpus.tsv"))
    assert [(p.source, p.number, p.start, p.end, p.text) for p in passages] == list(
        benchmark.generate(POOLS, 30, seed=3))
    assert size == sum(len(p.text.encode("utf-8")) for p in passages)
