"""The ``arabic-search`` command: help everywhere, index then update, search as text and
as JSON, errors as messages (never tracebacks), analyze."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from search import messages, storage
from search.cli import main

ROOT = Path(__file__).resolve().parent.parent
RESULT_KEYS = {"ok", "query", "total", "page", "per_page", "hits", "facets", "facet_totals",
               "suggestion", "took_ms", "normalized_query", "match", "suggestion_partial",
               "sort", "collapsed_total", "exact", "by"}
HIT_KEYS = {"id", "source", "passage", "score", "snippet", "text", "step", "missing",
            "more_in_source", "matches", "commentary"}


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, sample_corpus):
    """The sample corpus, indexed once through the command line."""
    folder = tmp_path_factory.mktemp("cli") / "index"
    result = CliRunner().invoke(main, ["index", str(sample_corpus), "--index", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def search(runner, index_dir, *args):
    return runner.invoke(main, ["search", "--index", str(index_dir), *args])


def assert_clean_failure(result, says):
    assert result.exit_code != 0
    assert says in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("command", [[]] + [[name] for name in main.commands])
def test_every_command_has_help(runner, command):
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    summary = (main.commands[command[0]].help if command else main.help).split("\n")[0]
    assert summary in " ".join(result.output.split())


def test_index_builds_then_updates(runner, tmp_path, edge_corpus):
    index = str(tmp_path / "index")
    built = runner.invoke(main, ["index", str(edge_corpus), "--index", index])
    assert built.exit_code == 0, built.output
    assert "Index built" in built.stdout
    assert "10 file(s) indexed" in built.stdout and "14 passage(s)" in built.stdout
    assert "skipped binary.txt: binary file" in built.stderr
    assert "skipped empty.txt: empty file" in built.stderr
    updated = runner.invoke(main, ["index", str(edge_corpus), "--index", index])
    assert updated.exit_code == 0, updated.output
    assert "Index updated" in updated.stdout
    assert "0 file(s) indexed" in updated.stdout and "10 unchanged" in updated.stdout
    rebuilt = runner.invoke(main, ["index", str(edge_corpus), "--index", index, "--rebuild"])
    assert "Index built" in rebuilt.stdout


def test_index_of_missing_corpus_is_an_error(runner, tmp_path):
    result = runner.invoke(main, ["index", str(tmp_path / "nope"), "--index",
                                  str(tmp_path / "index")])
    assert_clean_failure(result, "corpus folder not found")


def test_index_refused_while_another_build_runs(runner, tmp_path, edge_corpus):
    index = tmp_path / "index"
    with storage.write_lock(index):
        result = runner.invoke(main, ["index", str(edge_corpus), "--index", str(index),
                                      "--no-wait"])
    assert_clean_failure(result, "wait for it to finish")


def test_search_json_shape(runner, index_dir):
    result = search(runner, index_dir, "وزارة الدفاع", "--json", "--per-page", "3")
    assert result.exit_code == 0, result.output
    assert "\\u06" not in result.stdout and "وزارة" in result.stdout
    data = json.loads(result.stdout)
    assert set(data) == RESULT_KEYS
    assert data["ok"] is True and data["query"] == "وزارة الدفاع"
    assert (data["page"], data["per_page"], len(data["hits"])) == (1, 3, 3)
    assert all(set(hit) == HIT_KEYS for hit in data["hits"])
    assert all("<mark>" in hit["snippet"] for hit in data["hits"])
    assert set(data["facets"]) == {"source", "folder"}
    assert all(set(f) - {"label"} == {"value", "count"} for f in data["facets"]["source"])
    assert data["total"] == sum(f["count"] for f in data["facets"]["source"])
    assert data["suggestion"] is None and isinstance(data["took_ms"], float)


def test_search_json_suggestion(runner, index_dir):
    data = json.loads(search(runner, index_dir, "بوتن", "--json", "--match", "all").stdout)
    assert (data["total"], data["hits"], data["suggestion"]) == (0, [], "بوتين")
    relaxed = json.loads(search(runner, index_dir, "بوتن", "--json").stdout)
    assert relaxed["total"] > 0 and relaxed["match"]["corrected"] == "بوتين"


def test_search_json_source_filter_and_page(runner, index_dir):
    everything = json.loads(search(runner, index_dir, "سوريا", "--json").stdout)
    source = everything["facets"]["source"][0]
    data = json.loads(search(runner, index_dir, "سوريا", "--json", "--source",
                             source["value"], "--page", "2", "--per-page", "2").stdout)
    assert data["total"] == source["count"] and data["page"] == 2
    assert {hit["source"] for hit in data["hits"]} == {source["value"]}


def test_query_may_start_with_excluded_word(runner, index_dir):
    result = search(runner, index_dir, "-روسيا سوريا", "--json", "--per-page", "100")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total"] > 0 and data["query"] == "-روسيا سوريا"
    assert not any("روسيا" in hit["text"] for hit in data["hits"])


def test_search_text_output(runner, index_dir):
    result = search(runner, index_dir, "البنتاغون")
    assert result.exit_code == 0, result.output
    assert "passage(s) match «البنتاغون»" in result.output
    assert "[البنتاغون]" in result.output and "[البنتاجون]" in result.output
    assert "By source:" in result.output


BAD_SEARCHES = [
    (["س*"], "at least 2 letters"),
    (["-سوريا"], "only excludes"),
    (["سوريا OR"], "OR needs"),
    (["سوريا", "--source", "nope.txt"], "unknown source: nope.txt"),
]


@pytest.mark.parametrize("args, says", BAD_SEARCHES)
def test_bad_search_json_error(runner, index_dir, args, says):
    result = search(runner, index_dir, *args, "--json")
    assert result.exit_code != 0
    data = json.loads(result.stdout)
    assert data["ok"] is False and says in data["error"]
    assert data["code"] in messages.MESSAGES and data["code"] != "untranslated"
    assert re.search("[\u0621-\u064a]", data["arabic"])


@pytest.mark.parametrize("args, says", BAD_SEARCHES)
def test_bad_search_message(runner, index_dir, args, says):
    result = search(runner, index_dir, *args)
    assert_clean_failure(result, says)
    assert result.output.startswith("Error: ")


def test_search_without_index(runner, tmp_path):
    missing = tmp_path / "nothing"
    as_json = search(runner, missing, "سوريا", "--json")
    assert as_json.exit_code != 0
    data = json.loads(as_json.stdout)
    assert data["ok"] is False and "arabic-search index" in data["error"]
    assert_clean_failure(search(runner, missing, "سوريا"), "no index in")


def test_search_of_outdated_index_says_rebuild(runner, tmp_path, edge_corpus):
    index = tmp_path / "index"
    runner.invoke(main, ["index", str(edge_corpus), "--index", str(index)])
    generation = storage.current_generation(index)
    meta = storage.read_meta(generation)
    meta["analyzer_version"] = -1
    storage.write_meta(generation, meta)
    assert_clean_failure(search(runner, index, "الكتاب"), "rebuild")
    assert_clean_failure(runner.invoke(main, ["index", str(edge_corpus), "--index",
                                              str(index)]), "--rebuild")


def test_analyze_prints_offsets_and_terms(runner):
    text = "وَالكِتَابُ في سوريا"
    result = runner.invoke(main, ["analyze", text])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 3
    first = lines[0].split()
    assert first[0] == "0-11" and text[0:11] == "وَالكِتَابُ" and first[1] == "وَالكِتَابُ"
    assert "والكتاب" in first and "stem=كتاب" in first
    assert "(stop word)" in lines[1] and lines[1].split()[0] == "12-14"
    assert lines[2].split()[0] == "15-20" and "سوريا" in lines[2].split()[2:]


def test_python_dash_m_help():
    result = subprocess.run([sys.executable, "-m", "search", "--help"], capture_output=True,
                            text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Usage: arabic-search" in result.stdout
    for command in ("index", "search", "analyze"):
        assert command in result.stdout
