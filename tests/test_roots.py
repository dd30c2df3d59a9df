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
    assert index._root_table.forms("صوم") == ("يصومون",)


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


def test_whoosh_scores_root_groups_form_by_form_as_before(tmp_path, monkeypatch):
    """Whoosh (the fallback) runs a question with root groups; its scores are the
    engine's form-by-form scores, the root weight included."""
    from search import roots, stemgroups
    from search.query import parse

    monkeypatch.setattr(stemgroups, "SATURATE_ONCE", False)
    monkeypatch.setattr(roots, "ROOT_WEIGHT", 0.7)
    index = build(tmp_path, roots=True, files={
        "fasting.txt": FASTING, "market.txt": MARKET,
        "both.txt": "الصيام في السوق والصائمون يصومون الصوم"})
    searcher, builder = index._builder()
    query = builder.build(parse("الصيام السوق"), match="any")
    ids, scores = index._engine().evaluate(query, searcher)
    whoosh = {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}
    assert len(whoosh) == 3
    assert dict(zip(ids.tolist(), scores.tolist())) == pytest.approx(whoosh)
    index.close()
