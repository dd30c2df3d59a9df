"""bench/commentary_cost.py's synthetic commentary: aligned line by line with the corpus."""

import importlib.util
from pathlib import Path

from conftest import write_corpus

BENCH = Path(__file__).resolve().parent.parent / "bench" / "commentary_cost.py"

FILES = {
    "a.txt": "الصبر مفتاح الفرج والعلم نور يهدي الناس.\n\nالشمس تشرق كل صباح.\n",
    "b.txt": "القمر نور الليل.\n\n\nيمشي الناس في السوق كل يوم.\nالبحر واسع عميق جدا.",
    "c.txt": "",
    "d.txt": "خبر عاجل من المدينة.",
}


def load_bench():
    spec = importlib.util.spec_from_file_location("commentary_cost", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def test_commentary_has_a_line_for_each_line_and_keeps_empty_lines_empty(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", FILES)
    load_bench().write_commentary(corpus, tmp_path / "notes")
    for name, text in FILES.items():
        if not text:
            continue
        notes = lines(tmp_path / "notes" / name)
        assert len(notes) == len(text.split("\n"))
        for line, note in zip(text.split("\n"), notes):
            assert bool(note.strip()) == bool(line.strip())
            assert note == "" or note != line


def test_commentary_is_one_to_two_times_as_long_as_its_line(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", FILES)
    load_bench().write_commentary(corpus, tmp_path / "notes")
    for name in ("a.txt", "b.txt", "d.txt"):
        for line, note in zip(FILES[name].split("\n"), lines(tmp_path / "notes" / name)):
            if line.strip():
                longest_word = max(len(word) for word in note.split())
                assert len(line) <= len(note) + 1 <= 2 * len(line) + longest_word + 1


def test_commentary_is_the_same_for_a_seed(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", FILES)
    bench = load_bench()
    bench.write_commentary(corpus, tmp_path / "one", seed=7)
    bench.write_commentary(corpus, tmp_path / "two", seed=7)
    bench.write_commentary(corpus, tmp_path / "three", seed=8)
    assert lines(tmp_path / "one" / "a.txt") == lines(tmp_path / "two" / "a.txt")
    assert lines(tmp_path / "one" / "a.txt") != lines(tmp_path / "three" / "a.txt")


def test_every_passage_gets_commentary_from_the_synthetic_folder(tmp_path):
    from search import writer
    from search.commentary import Commentary

    corpus = write_corpus(tmp_path / "corpus", FILES)
    load_bench().write_commentary(corpus, tmp_path / "notes")
    report = writer.build(corpus, tmp_path / "index", procs=1, commentary=tmp_path / "notes")
    commentary = Commentary.open(tmp_path / "index" / "current")
    try:
        assert len(commentary.index) == report.passages
    finally:
        commentary.close()
