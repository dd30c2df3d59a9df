"""Root matching: the root table of a generation, root groups in questions, the option."""

import os
import subprocess
import sys

import pytest

from click.testing import CliRunner

from search import Index, storage
from search.cli import main
from search.roots import TABLE_FILE, read_table, root_of

from conftest import ROOT, write_corpus

FASTING = "كانوا يصومون في النهار ويذكرون ربهم"
MARKET = "ذهب الرجل إلى السوق واشترى طعاما"
QUESTION = "ما هو الصيام؟"


def build(tmp_path, roots, files=None):
    corpus = write_corpus(tmp_path / "corpus", files or {"fasting.txt": FASTING,
                                                         "market.txt": MARKET})
    return Index.build(corpus, tmp_path / "index", roots=roots)


def generation(index):
    return storage.current_generation(index.index_dir)


def test_root_table_is_written_and_loaded(tmp_path):
    index = build(tmp_path, roots=True)
    assert index.meta["roots"] is True
    table = read_table(generation(index))
    assert table["يصومون"] == root_of("الصيام") == "صوم"
    assert "السوق" in table
    node = index.plan("الصيام", match="any").node  # no form shares its stem: its root
    assert node.forms == ("يصومون",) and node.boost == index.ranking.root_weight


def test_question_word_finds_a_passage_sharing_only_its_root(tmp_path):
    with_roots = build(tmp_path / "on", roots=True)
    without = build(tmp_path / "off", roots=False)
    assert [hit for hit, _ in with_roots.ranked_ids(QUESTION)] == ["fasting.txt#1"]
    assert without.ranked_ids(QUESTION) == []


def test_roots_off_writes_no_table_and_search_is_unchanged(tmp_path):
    with_roots = build(tmp_path / "on", roots=True)
    without = build(tmp_path / "off", roots=False)
    assert not (generation(without) / TABLE_FILE).exists()
    assert without.meta["roots"] is False
    for query in ("الصيام", "يصومون", "السوق", "الرجل السوق"):
        assert with_roots.count(query) == without.count(query)
        assert with_roots.ranked_ids(query, match="all") == without.ranked_ids(query, match="all")


def test_update_keeps_roots_and_adds_new_words(tmp_path):
    index = build(tmp_path, roots=True)
    write_corpus(tmp_path / "corpus", {"prayer.txt": "وأقاموا الصلاة في المسجد"})
    index.update()
    assert index.meta["roots"] is True
    table = read_table(generation(index))
    assert table["الصلاه"] == root_of("الصلاه")
    assert "يصومون" in table
    assert [hit for hit, _ in index.ranked_ids(QUESTION)] == ["fasting.txt#1"]


def test_update_may_turn_roots_off(tmp_path):
    index = build(tmp_path, roots=True)
    index.update(roots=False)
    assert index.meta["roots"] is False
    assert not (generation(index) / TABLE_FILE).exists()


def test_cli_index_roots(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"fasting.txt": FASTING})
    index_dir = str(tmp_path / "index")
    runner = CliRunner()
    built = runner.invoke(main, ["index", str(corpus), "--index", index_dir, "--roots"])
    assert built.exit_code == 0, built.output
    updated = runner.invoke(main, ["index", str(corpus), "--index", index_dir])
    assert updated.exit_code == 0, updated.output
    current = storage.current_generation(tmp_path / "index")
    assert storage.read_meta(current)["roots"] is True
    assert (current / TABLE_FILE).exists()


def test_roots_are_the_same_in_every_process():
    # Tashaphyne breaks ties through a set, whose order follows the hash seed.
    code = "from search.roots import root_of; print([root_of(w) for w in ('ائمه', 'اباه', 'ابتلاه')])"
    outputs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1


def test_root_groups_score_with_the_root_weight_passed(tmp_path):
    """A question's root groups carry ``Ranking.root_weight`` as their boost; the
    engine's scores match the reference computed from Whoosh's postings."""
    from search.ranking import Ranking
    from tests.test_engine import assert_engine_matches_reference

    index = build(tmp_path, roots=True, files={
        "fasting.txt": FASTING, "market.txt": MARKET,
        "both.txt": "الصيام في السوق والصائمون يصومون الصوم"})
    ranking = Ranking(root_weight=0.7, saturate_once=False)
    plan = index.plan("الصيام السوق", match="any", ranking=ranking)
    boosts = {w.boost for child in plan.node.children for w in child.children}
    assert boosts == {1.0, 0.7}
    assert_engine_matches_reference(index, "الصيام السوق", match="any", ranking=ranking)
    assert len(index.ranked_ids("الصيام السوق", ranking=ranking)) == 3


PATIENCE = {
    "a.txt": "كان صابرا على البلاء",
    "b.txt": "إن الله مع الصابرين",
    "c.txt": "ومن يصبر يجد الخير",
    "d.txt": "اصطبر لعبادته",
    "e.txt": "ذهب إلى السوق",
}


@pytest.mark.parametrize("query", ["root:صبر", "جذر:صبر", "جذر:الصبر"])
def test_root_search_finds_every_word_of_the_root(tmp_path, query):
    index = build(tmp_path, roots=True, files=PATIENCE)
    found = {hit.source for hit in index.search(query, match="all", per_page=50).hits}
    assert {"a.txt", "b.txt", "c.txt"} <= found and "e.txt" not in found
    assert index.search(query, match="all").hits[0].snippet.count("<mark>") >= 1


def test_root_search_without_a_root_table_scans_the_vocabulary(tmp_path):
    with_table = build(tmp_path / "with", roots=True, files=PATIENCE)
    without = build(tmp_path / "without", roots=False, files=PATIENCE)
    for query in ("جذر:صبر", "root:صبر"):
        assert {h.id for h in without.search(query, match="all", per_page=50).hits} == \
            {h.id for h in with_table.search(query, match="all", per_page=50).hits}
