"""Keyword in context and frequency: the library, the command line and the site."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from search import Index, SearchError
from search.cli import main
from search.concordance import concordance, frequency
from tests.conftest import write_corpus

WORD = "الدفاع"
KEYS = {"ok", "total", "lines"}
LINE_KEYS = ["source", "passage", "left", "match", "right"]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    corpus = write_corpus(tmp_path_factory.mktemp("kwic"), {
        "a.txt": "قالت وزارة الدفاع إن الجيش تقدم.\n\nوأكد وزير الدفاع الخبر. والدفاع مستمر.\n",
        "b.txt": "بيان عن الدفاع المدني.\n\nالمدافعون عن المدينة ودفاعهم.\n",
    })
    return Index.build(corpus, tmp_path_factory.mktemp("kwic-index") / "index", roots=True)


def test_every_form_search_finds_is_a_line(small):
    found = concordance(small, WORD)
    assert found.total == 5 and found.passages == 2 and not found.truncated
    assert sorted(line.match for line in found.lines) == \
        sorted(["الدفاع", "الدفاع", "الدفاع", "والدفاع", "ودفاعهم"])


def test_lines_sort_by_the_word_after(small):
    # Folded: إن sorts as ان; a match ending the passage (nothing after) comes first.
    after = [line.right.split()[0] if line.right else "" for line in concordance(small, WORD).lines]
    assert after == ["", "الخبر.", "المدني.", "إن", "مستمر"]


def test_lines_sort_by_the_word_before(small):
    before = [line.left.split()[-1] for line in concordance(small, WORD, sort="left").lines]
    assert before == ["الخبر.", "المدينة", "عن", "وزارة", "وزير"]


def test_left_is_the_text_before_the_match(small):
    line = concordance(small, WORD, sort="left").lines[3]
    assert (line.source, line.passage) == ("a.txt", 1)
    assert (line.left, line.match, line.right) == ("قالت وزارة", "الدفاع",
                                                  "إن الجيش تقدم. وأكد وزير الدفاع الخبر")


def test_limit_keeps_the_total(small):
    found = concordance(small, WORD, limit=1)
    assert found.total == 5 and len(found.lines) == 1


def test_frequency_by_word_stem_and_root(small):
    by_word = frequency(small, WORD, "word")
    assert by_word.total == 3 and by_word.forms == ("الدفاع",)
    assert [(row.source, row.count, row.passages) for row in by_word.sources] == \
        [("a.txt", 2, 1), ("b.txt", 1, 1)]
    by_stem = frequency(small, WORD, "stem")
    assert by_stem.key == "دفاع" and by_stem.total == 5  # والدفاع, ودفاعهم too
    by_root = frequency(small, WORD, "root")
    assert by_root.total > 5 and "المدافعون" in by_root.forms


def test_frequency_by_root_needs_roots(sample_index):
    with pytest.raises(SearchError) as raised:
        frequency(sample_index, WORD, "root")
    assert raised.value.code == "roots_needed" and "--roots" in raised.value.english


def test_cli_concordance_json(sample_index):
    result = CliRunner().invoke(main, ["concordance", WORD, "--index", str(sample_index.index_dir),
                                       "--json", "--sort", "left", "--limit", "3"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert KEYS <= set(data) and data["ok"] is True and data["total"] >= 3
    assert len(data["lines"]) == 3 and list(data["lines"][0]) == LINE_KEYS


def test_cli_concordance_text(sample_index):
    result = CliRunner().invoke(main, ["concordance", WORD, "--index", str(sample_index.index_dir),
                                       "--limit", "2"])
    assert result.exit_code == 0 and f"[{WORD}]" in result.output


def test_cli_frequency(sample_index):
    result = CliRunner().invoke(main, ["frequency", WORD, "--index", str(sample_index.index_dir),
                                       "--by", "word", "--json"])
    data = json.loads(result.output)
    assert data["ok"] and data["total"] == sum(row["count"] for row in data["sources"])


def test_cli_frequency_by_root_without_roots_is_a_message(sample_index):
    result = CliRunner().invoke(main, ["frequency", WORD, "--index", str(sample_index.index_dir),
                                       "--by", "root"])
    assert result.exit_code != 0 and "--roots" in result.output and "Traceback" not in result.output


@pytest.fixture(scope="module")
def client(sample_index):
    from web import create_app

    return create_app({"TESTING": True, "INDEX_DIR": str(sample_index.index_dir)}).test_client()


def test_api_concordance_is_the_cli_json(client, sample_index):
    data = client.get(f"/api/concordance?q={WORD}&sort=left&limit=3").get_json()
    assert data == concordance(sample_index, WORD, "left", 3).to_dict()


def test_api_errors_come_from_the_catalog(client):
    assert client.get("/api/concordance").get_json()["code"] == "q_required"
    assert client.get(f"/api/concordance?q={WORD}&sort=up").get_json()["code"] == "bad_choice"
    assert client.get(f"/api/frequency?q={WORD}&by=root").get_json()["code"] == "roots_needed"


def test_page_shows_lines_frequency_and_a_root_message(client):
    page = client.get(f"/concordance?q={WORD}&by=root").get_data(as_text=True)
    assert 'class="kwic"' in page and 'data-code="roots_needed"' in page
    page = client.get(f"/concordance?q={WORD}").get_data(as_text=True)
    assert 'class="frequency"' in page and f"<mark>{WORD}</mark>" in page


def test_search_page_links_to_the_concordance(client):
    page = client.get(f"/?q={WORD}").get_data(as_text=True)
    assert "/concordance?q=" in page
