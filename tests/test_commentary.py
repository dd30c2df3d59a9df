"""Commentary beside the text (search/commentary.py): aligned line by line, searched by
questions only, shown with the hit, kept and re-read by updates."""

import json
import shutil

import pytest
from click.testing import CliRunner

from conftest import index_of_texts, write_corpus
from search import Index
from search.cli import main
from search.commentary import FOLDER, notes_from_folder
from search.errors import SearchError
from search.ranking import Ranking

FILLER = " ".join(["وكان ذلك في زمن بعيد من أزمان القوم"] * 6)
# Three passages (blank lines part them; each long enough to stand alone), the second
# two lines long. No passage holds الصبر or البلاء: only the commentary speaks of them.
TEXT = (f"قال ربي إني مسني الضر {FILLER}\n\n"
        f"فاستجبنا له فكشفنا ما به من ضر {FILLER}\n"
        f"وآتيناه أهله ومثلهم معهم {FILLER}\n\n"
        f"والسماء بنيناها بأيد وإنا لموسعون {FILLER}\n")
NOTES = ("دعا أيوب ربه بعد طول المرض\n\n"
         "فاستجاب الله دعاءه لصبره على البلاء\n"
         "ورد عليه أهله جزاء صبره\n\n"
         "خلق الله السماء وأحكم بناءها\n")
QUESTION = "ما جزاء الصبر على البلاء؟"


@pytest.fixture
def folders(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": TEXT, "b.txt": f"نص آخر ليس له شرح {FILLER}\n"})
    notes = write_corpus(tmp_path / "notes", {"a.txt": NOTES})
    return corpus, notes


@pytest.fixture
def noted(folders, tmp_path):
    corpus, notes = folders
    return Index.build(corpus, tmp_path / "index", roots=True, commentary=notes)


def test_a_passage_has_the_commentary_of_the_lines_it_spans(folders):
    corpus, notes = folders
    first = TEXT.index("فاستجبنا")
    second = TEXT.index("والسماء")
    spans = [("a.txt#1", "a.txt", 0, first - 2), ("a.txt#2", "a.txt", first, second - 2),
             ("a.txt#3", "a.txt", second, len(TEXT) - 1), ("b.txt#1", "b.txt", 0, 10)]
    found = dict(notes_from_folder(spans, corpus, notes))
    assert found == {"a.txt#1": "دعا أيوب ربه بعد طول المرض",
                     "a.txt#2": "فاستجاب الله دعاءه لصبره على البلاء ورد عليه أهله جزاء صبره",
                     "a.txt#3": "خلق الله السماء وأحكم بناءها"}  # b.txt has no commentary


def test_a_question_finds_a_passage_through_its_commentary(noted):
    assert len(noted) == 4
    result = noted.search(QUESTION)
    assert [hit.id for hit in result.hits][:1] == ["a.txt#2"]
    hit = result.hits[0]
    assert "<mark>البلاء</mark>" in hit.commentary and "<mark>لصبره</mark>" in hit.commentary
    assert hit.to_dict()["commentary"] == hit.commentary
    assert hit.missing  # its own text lacks the words: the commentary is why it is here
    assert noted.ranked_ids(QUESTION)[0][0] == "a.txt#2"


def test_keyword_queries_never_read_the_commentary(noted):
    assert noted.search("البلاء").total == 0
    assert noted.search("الضر").hits[0].commentary is None


def test_weight_zero_turns_the_commentary_off(noted):
    off = Index.open(noted.index_dir, ranking=Ranking(commentary_weight=0.0))
    assert all(hit.commentary is None for hit in off.search(QUESTION).hits)
    assert "a.txt#2" not in [hit.id for hit in off.search(QUESTION).hits]


def test_commentary_reorders_passages_that_share_the_words(tmp_path):
    texts = ["ذكر الصبر في هذا الموضع مرة واحدة", "ذكر الصبر في هذا الموضع مرة واحدة أيضا"]
    plain = index_of_texts(texts, tmp_path / "plain", roots=True)
    assert plain.ranked_ids("ما الصبر على المصائب؟")[0][0] == "p1.txt#1"
    noted = index_of_texts(texts, tmp_path / "noted", roots=True,
                           commentary=[("p2.txt#1", "الصبر على المصائب وحبس النفس عن الجزع")])
    assert noted.ranked_ids("ما الصبر على المصائب؟")[0][0] == "p2.txt#1"
    assert noted.ranked_ids("الصبر")[0][0] == "p1.txt#1"  # a keyword search is unchanged


def test_no_commentary_at_all_leaves_no_commentary_index(tmp_path):
    index = index_of_texts(["نص بلا شرح"], tmp_path / "index",
                           commentary=[("p1.txt#1", "  "), ("p9.txt#1", "")])
    assert not (index.index_dir / "current" / FOLDER).exists()
    assert index.search("ما هذا النص؟").hits[0].commentary is None


def test_an_update_keeps_and_rereads_the_commentary(noted, folders):
    corpus, notes = folders
    (notes / "a.txt").write_text(NOTES.replace("خلق الله السماء", "رفع الله السماء بلا عمد"),
                                 encoding="utf-8")
    noted.update()
    assert noted.meta["commentary"] == str(notes.resolve())
    hits = noted.search("كيف رفعت السماء بلا عمد؟").hits
    assert hits[0].id == "a.txt#3" and "<mark>عمد</mark>" in hits[0].commentary


def test_an_update_indexes_again_only_the_commentary_of_what_changed(tmp_path):
    from search.commentary import FOLDER as NOTES_FOLDER
    from search.storage import current_generation, read_meta

    corpus = write_corpus(tmp_path / "corpus", {"a.txt": TEXT, "c.txt": TEXT.replace("الضر", "الأذى")})
    notes = write_corpus(tmp_path / "notes", {"a.txt": NOTES, "c.txt": NOTES})
    index = Index.build(corpus, tmp_path / "index", commentary=notes)

    def indexed():
        folder = index.index_dir / "current" / NOTES_FOLDER
        return sorted(read_meta(current_generation(folder))["files"])

    def segment_files():
        folder = current_generation(index.index_dir / "current" / NOTES_FOLDER)
        return {entry.name: entry.stat().st_ino for entry in folder.iterdir()
                if entry.name != "meta.json" and not entry.name.endswith("WRITELOCK")}

    assert indexed() == ["a.txt#1", "a.txt#2", "a.txt#3", "c.txt#1", "c.txt#2", "c.txt#3"]
    before = segment_files()
    index.update()  # nothing changed: the commentary index is the same files
    assert segment_files() == before
    (notes / "c.txt").write_text(NOTES.replace("خلق الله السماء", "رفع الله السماء بلا عمد"),
                                 encoding="utf-8")
    index.update()
    assert [hit.id for hit in index.search("كيف رفعت السماء بلا عمد؟").hits][:1] == ["c.txt#3"]
    assert index.search(QUESTION).hits[0].id in ("a.txt#2", "c.txt#2")
    (corpus / "a.txt").unlink()
    index.update()
    assert indexed() == ["c.txt#1", "c.txt#2", "c.txt#3"]
    assert index.search(QUESTION).hits[0].id == "c.txt#2"


def test_a_missing_commentary_folder_is_refused_and_loses_nothing(noted, folders):
    _corpus, notes = folders
    generation = noted.generation
    shutil.rmtree(notes)
    with pytest.raises(SearchError) as raised:
        noted.update()
    assert raised.value.code == "commentary_not_found"
    assert "مجلد الشرح غير موجود" in str(raised.value)
    assert noted.generation == generation and noted.search(QUESTION).hits[0].id == "a.txt#2"


def test_an_unreadable_commentary_file_only_leaves_its_passages_without(folders, tmp_path):
    corpus, notes = folders
    (notes / "a.txt").write_bytes(b"\x00\x01\x02" * 50)
    index = Index.build(corpus, tmp_path / "index", commentary=notes)
    assert not (index.index_dir / "current" / FOLDER).exists()
    assert len(index) == 4


def test_cli_indexes_with_commentary_and_shows_it(folders, tmp_path):
    corpus, notes = folders
    runner = CliRunner()
    index_dir = str(tmp_path / "index")
    built = runner.invoke(main, ["index", str(corpus), "--index", index_dir, "--roots",
                                 "--commentary", str(notes)])
    assert built.exit_code == 0, built.output
    found = runner.invoke(main, ["search", "--index", index_dir, QUESTION])
    assert found.exit_code == 0, found.output
    assert "commentary: " in found.output and "[البلاء]" in found.output
    data = json.loads(runner.invoke(main, ["search", "--index", index_dir, "--json",
                                           QUESTION]).stdout)
    assert data["hits"][0]["id"] == "a.txt#2" and "<mark>" in data["hits"][0]["commentary"]
    missing = runner.invoke(main, ["index", str(corpus), "--index", index_dir, "--rebuild",
                                   "--commentary", str(tmp_path / "nowhere")])
    assert missing.exit_code != 0 and "commentary folder not found" in missing.output


def test_site_shows_the_commentary_under_why(noted):
    from web import create_app

    client = create_app({"TESTING": True, "INDEX_DIR": str(noted.index_dir)}).test_client()
    page = client.get("/", query_string={"q": QUESTION}).get_data(as_text=True)
    assert 'class="hit-commentary"' in page and "من شرحه" in page
    assert "<mark>البلاء</mark>" in page
    data = client.get("/api/search", query_string={"q": QUESTION}).get_json()
    assert data["hits"][0]["commentary"].count("<mark>") >= 2
