"""Why a hit matched (``Hit.matches``, ``search.explain``) and searching by root
(``by="root"``): on small corpora made for each reason, on the sample corpus, through the
library, the command line (``--json``) and the site's JSON twin."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from search import Index
from search.analysis import passage_analyzer
from search.cli import main
from search.explain import is_variant, searched_query
from search.messages import reason
from search.results import HOWS, Hit, Match
from search.snippets import matched_words

from conftest import write_corpus

#: One passage per reason: (file, text). Each file is its own passage.
CORPUS = {
    "marks.txt": "أعلنت وزارةُ الدِّفَاعِ عن خطة جديدة للطوارئ في المدينة الكبيرة.",
    "tatweel.txt": "قالت الحكومة إن الدفـــاع المدني وصل إلى موقع الحادث بسرعة.",
    "hamza.txt": "وصل الوفد إلى العاصمة صباح اليوم ثم زار الاسواق القديمة.",
    "alef.txt": "تلا الإمام آيات من القران الكريم في افتتاح الحفل السنوي.",
    "tamarbuta.txt": "افتتحت مدرسه جديدة في القرية بعد سنوات من الانتظار الطويل.",
    "maqsura.txt": "وقف الفريق علي الحياد في الخلاف بين الطرفين طوال الموسم.",
    "digits.txt": "بلغ عدد الزوار ٢٤ ألفا في المعرض الدولي للكتاب هذا العام.",
    "clitic.txt": "تحدث الوزير وبالمعاهدة الجديدة عن التعاون الاقتصادي بين البلدين.",
    "stem.txt": "قرأ الطلاب كتابهم الجديد مع المعلمين في المكتبة العامة للمدينة.",
    "root.txt": "إن الله مع الصابرين الذين يصبرون على البلاء والشدة.",
    "variant.txt": "عقد المؤتمر في سورية بحضور وفود عربية وأجنبية كثيرة.",
    # Two passages of about 80 words: a word in each.
    "neighbours.txt": ("افتتح المتحف قاعة جديدة للآثار " + " ".join(["وصف الحال في المدينة"] * 20)
                       + ".\n\nوضمت القاعة تماثيل برونزية " + " ".join(["ووصف الناس للحال"] * 22)
                       + "."),
}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    folder = write_corpus(tmp_path_factory.mktemp("explain") / "corpus", CORPUS)
    return Index.build(folder, tmp_path_factory.mktemp("explain") / "index")


def hows_of(index: Index, query: str, source: str, **kwargs) -> dict[str, tuple[str, ...]]:
    """Written word -> reasons, in the hit from ``source``."""
    result = index.search(query, per_page=50, **kwargs)
    hit = next(hit for hit in result.hits if hit.source == source)
    return {match.text: match.how for match in hit.matches}


def test_the_same_word_is_exact(index):
    assert hows_of(index, "المدني", "tatweel.txt") == {"المدني": ("exact",)}


def test_diacritics(index):
    assert hows_of(index, "الدفاع", "marks.txt")["الدِّفَاعِ"] == ("diacritics",)


def test_tatweel(index):
    assert hows_of(index, "الدفاع", "tatweel.txt")["الدفـــاع"] == ("tatweel",)


def test_hamza(index):
    assert hows_of(index, "الأسواق", "hamza.txt")["الاسواق"] == ("hamza",)


def test_alef(index):
    assert hows_of(index, "القرآن", "alef.txt")["القران"] == ("alef",)


def test_ta_marbuta(index):
    assert hows_of(index, "مدرسة", "tamarbuta.txt")["مدرسه"] == ("ta_marbuta",)


def test_alef_maqsura(index):
    assert hows_of(index, "على", "maqsura.txt")["علي"] == ("alef_maqsura",)


def test_digits(index):
    assert hows_of(index, "24", "digits.txt")["٢٤"] == ("digits",)


def test_clitic(index):
    assert hows_of(index, "المعاهدة", "clitic.txt")["وبالمعاهدة"] == ("clitic",)


def test_stem(index):
    assert hows_of(index, "المعلم", "stem.txt")["المعلمين"] == ("stem",)
    assert hows_of(index, "الكتاب", "stem.txt")["كتابهم"] == ("clitic",)  # ال off, هم on


def test_root(index):
    found = hows_of(index, "جذر:صبر", "root.txt")
    assert "root" in found["الصابرين"] and "root" in found["يصبرون"]
    assert "stem" not in found["يصبرون"]  # the root is the reason, not another stem


def test_variant(index):
    assert "variant" in hows_of(index, "سوريا", "variant.txt")["سورية"]


def corrected(index: Index, query: str):
    """The search of ``query``, once its correction is searched: did-you-mean has a time
    budget, and on a busy machine the vocabulary it reads may take longer to build."""
    for _ in range(10):
        result = index.search(query)
        if result.corrected or not result.suggestion_partial:
            return result
        time.sleep(0.5)
    return result


def test_typo_when_the_query_ran_on_its_correction(index):
    result = corrected(index, "الاقتسادي")  # س for ص: corrected to الاقتصادي
    assert result.corrected == "الاقتصادي"
    match = result.hits[0].matches[0]
    assert match.how == ("typo",) and match.typed == "الاقتسادي"
    assert match.text == "الاقتصادي"


def test_keyboard_when_the_query_ran_on_the_other_layout(index):
    result = corrected(index, "hg',hvz")  # الطوارئ typed with the Latin layout on
    assert result.corrected == "الطوارئ"
    match = next(m for hit in result.hits for m in hit.matches if m.text == "للطوارئ")
    assert match.how == ("clitic", "keyboard") and match.typed == "hg',hvz"


def test_offsets_slice_the_hit_text_and_are_the_marked_words(index):
    for query in ("الدفاع", "وزارة الدفاع", "الكتاب المكتبة", "في المدينة"):
        plan = index.plan(query)
        for hit in index.search(query, match="all").hits:
            assert hit.matches
            for match in hit.matches:
                assert hit.text[match.start:match.end] == match.text
                assert match.how and set(match.how) <= set(HOWS)
                assert list(match.how) == sorted(match.how, key=HOWS.index)
            marked = [(start, end) for start, end, on in
                      matched_words(hit.text, plan.highlight, passage_analyzer()) if on]
            assert [(m.start, m.end) for m in hit.matches] == marked


def test_a_pair_of_neighbouring_passages_is_explained_in_its_joined_text(index):
    result = index.search("الآثار البرونزية")
    hit = next(hit for hit in result.hits if hit.step == "neighbours")
    words = {match.text for match in hit.matches}
    assert {"للآثار", "برونزية"} <= words
    second = next(m for m in hit.matches if m.text == "برونزية")
    assert second.start > hit.text.index("\n")


def test_code_point_offsets_past_characters_outside_the_bmp(tmp_path):
    folder = write_corpus(tmp_path / "corpus", {"a.txt": "𝔸𝔹 🙂 وصل الوفد إلى بيروت صباحا."})
    hit = Index.build(folder, tmp_path / "index").search("بيروت").hits[0]
    match = hit.matches[0]
    assert (match.start, match.end) == (hit.text.index("بيروت"), hit.text.index("بيروت") + 5)
    assert hit.text[match.start:match.end] == "بيروت"


def test_explain_off_gives_the_same_hits_without_matches(index):
    on, off = index.search("الدفاع"), index.search("الدفاع", explain=False)
    assert [h.id for h in on.hits] == [h.id for h in off.hits]
    assert all(h.matches for h in on.hits) and not any(h.matches for h in off.hits)
    assert [h.snippet for h in on.hits] == [h.snippet for h in off.hits]


def test_hit_summary_lists_each_reason_once_in_order():
    hit = Hit("a#1", "a", 1, 1.0, "", "الدِّفَاعِ والدفاع الدِّفَاعِ",
              matches=(Match(0, 10, "الدِّفَاعِ", ("diacritics",), "الدفاع"),
                       Match(11, 18, "والدفاع", ("clitic",), "الدفاع"),
                       Match(19, 29, "الدِّفَاعِ", ("diacritics",), "الدفاع")))
    assert hit.reasons == ("diacritics", "clitic")
    assert [(w.text, w.count) for w in hit.matched_words] == [("الدِّفَاعِ", 2), ("والدفاع", 1)]
    assert hit.to_dict()["matches"][1] == {"start": 11, "end": 18, "text": "والدفاع",
                                           "how": ["clitic"], "typed": "الدفاع"}


def test_every_reason_has_a_label_in_arabic_and_english():
    for how in HOWS:
        assert reason(how) and reason(how, "en") and reason(how) != reason(how, "en")


def test_is_variant_is_the_name_table_not_a_clitic():
    assert is_variant("سوريا", "سورية") and is_variant("البنتاغون", "والبنتاجون")
    assert not is_variant("سورية", "وسورية") and not is_variant("كتاب", "كتب")


# -- normalized_query: what was searched, folded ---------------------------------------

@pytest.mark.parametrize("query, searched", [
    ("وزارةُ الدِّفَاعِ", "وزاره الدفاع"),
    ("في المدينة", "في المدينه"),  # common words are searched too
    ("الدف*", "الدف*"),
    ("جذر:صبر", "root:صبر"),
    ("سوريا -الدفاع", "سوريا"),  # an excluded word is not searched for
])
def test_normalized_query_says_what_was_searched(index, query, searched):
    assert index.search(query).normalized_query == searched
    assert searched_query(index.plan(query)) == searched


# -- by root ------------------------------------------------------------------------------

def test_by_root_searches_each_word_by_its_root(index):
    by_word = index.search("الصابرين", match="all")
    by_root = index.search("الصابرين", match="all", by="root")
    assert by_root.by == "root" and by_root.normalized_query == "root:الصابرين"
    assert by_root.total >= by_word.total
    assert {m.text for h in by_root.hits for m in h.matches} >= {"الصابرين", "يصبرون"}
    assert by_root.to_dict()["by"] == "root" and by_word.to_dict()["by"] == "word"


def test_by_root_leaves_common_words_and_phrases_alone(index):
    assert index.search("مع الصابرين", by="root").normalized_query == "مع root:الصابرين"
    assert index.search('"الصابرين الذين"', by="root").normalized_query == "الصابرين الذين"
    assert index.search("الصابرين -يصبرون", by="root").normalized_query == "root:الصابرين"
    assert index.search("الصابرين -يصبرون", by="root").total == 0  # يصبرون itself excluded


def test_by_must_be_word_or_root(index):
    with pytest.raises(ValueError, match="by must be one of word, root"):
        index.search("الدفاع", by="stem")


# -- the sample corpus, the command line, the site ----------------------------------------

@pytest.fixture(scope="module")
def client(sample_index):
    from web import create_app

    return create_app({"TESTING": True, "INDEX_DIR": str(sample_index.index_dir)}).test_client()


@pytest.mark.parametrize("query", ["وزارة الدفاع", "في سوريا", "الأمريكية", "جذر:حرب", "روسيا"])
def test_every_hit_of_the_sample_corpus_says_why(sample_index, query):
    result = sample_index.search(query, per_page=20)
    assert result.hits
    for hit in result.hits:
        assert hit.matches, hit.id
        for match in hit.matches:
            assert hit.text[match.start:match.end] == match.text
            assert match.typed and match.how


def test_cli_json_has_matches(sample_index):
    out = CliRunner().invoke(main, ["search", "الدِّفَاع", "--json", "--per-page", "2",
                                    "--index", str(sample_index.index_dir)])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["normalized_query"] == "الدفاع"
    match = data["hits"][0]["matches"][0]
    assert set(match) == {"start", "end", "text", "how", "typed"}
    assert data["hits"][0]["text"][match["start"]:match["end"]] == match["text"]
    assert "diacritics" in match["how"] and match["typed"] == "الدِّفَاع"


def test_cli_prints_why_and_searches_by_root(sample_index):
    args = ["search", "حرب", "--per-page", "1", "--index", str(sample_index.index_dir)]
    by_root = CliRunner().invoke(main, args + ["--by", "root", "--json"])
    assert by_root.exit_code == 0, by_root.output
    assert json.loads(by_root.output)["by"] == "root"
    text = CliRunner().invoke(main, args + ["--by", "root"]).output
    assert "   why: " in text and reason("root", "en") in text


def test_api_has_matches_and_keeps_by_root(client, sample_index):
    data = client.get("/api/search", query_string={"q": "حرب", "by": "root"}).get_json()
    assert data["by"] == "root" and data["normalized_query"] == "root:حرب"
    assert data == {**sample_index.search("حرب", by="root").to_dict(),
                    "took_ms": data["took_ms"]}
    assert any("root" in m["how"] for hit in data["hits"] for m in hit["matches"])
    bad = client.get("/api/search", query_string={"q": "حرب", "by": "stem"})
    assert bad.status_code == 400 and bad.get_json()["code"] == "bad_choice"


def test_document_page_marks_the_words_of_the_root(client, sample_index):
    hit = next(hit for hit in sample_index.search("حرب", by="root", per_page=20).hits
               if any(m.text != "حرب" and "root" in m.how for m in hit.matches))
    page = client.get("/doc/" + hit.source, query_string={"q": "حرب", "by": "root",
                                                          "passage": hit.passage})
    html = page.get_data(as_text=True)
    assert all(f"<mark>{m.text}</mark>" in html for m in hit.matches)
    by_word = client.get("/doc/" + hit.source, query_string={"q": "حرب", "passage": hit.passage})
    assert by_word.get_data(as_text=True).count("<mark>") < html.count("<mark>")


def test_page_shows_why_and_keeps_the_root_choice_in_links(client):
    html = client.get("/", query_string={"q": "حرب", "by": "root"}).get_data(as_text=True)
    assert '<details class="why">' in html
    assert reason("root") in html
    assert 'name="by" value="root" checked' in html
    assert "by=root" in html.split('class="pagination"', 1)[1]  # page links keep it
    assert "by=root" in html.split('class="hit-title"', 1)[1].split("</a>", 1)[0]  # documents
    # every form but the box (which has the choice itself): narrow, per page, sort,
    # match and the exact options
    assert html.count('<input type="hidden" name="by" value="root">') == 5
    plain = client.get("/", query_string={"q": "سوريا"}).get_data(as_text=True)
    assert 'name="by" value="word" checked' in plain and "by=root" not in plain


def test_the_docstring_examples_hold():
    import doctest

    from search import explain, results

    assert doctest.testmod(explain).failed == 0 and doctest.testmod(results).failed == 0
