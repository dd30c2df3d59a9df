"""Exact matching: marks typed rank vocalisations and, with ``exact``, constrain them;
hamza, ta marbuta, alef maqsura and the word form on demand. Through the library, the
command line and the web API, on small corpora made for each rule."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from search import Index, QueryError
from search.cli import main
from web import create_app

from conftest import write_corpus

VOCALISED = {
    "ilm.txt": "طلب عِلْمٍ نافع خير من مال كثير\n",
    "alam.txt": "رفع الجند عَلَمٌ أخضر فوق القلعة\n",
    "alima.txt": "ثم عَلِمَ الرجل بالخبر فسكت\n",
    "bare.txt": "كتاب في علم النحو والصرف\n",
}
# The same verse in Tanzil's encoding (sukun U+0652) and the King Fahd Complex's (U+06E1,
# open tanween), and a verse with another vocalisation of the same letters.
UTHMANI = {
    "tanzil.txt": "وَمَآ أُوتِيتُم مِّنَ ٱلْعِلْمِ إِلَّا قَلِيلًا\n",
    "kfgqpc.txt": "وَمَآ أُوتِيتُم مِّنَ ٱلۡعِلۡمِ إِلَّا قَلِيلࣰا\n",
    "other.txt": "وَرَفَعُوا۟ ٱلْعَلَمَ عَلَى ٱلْحِصْنِ\n",
}
SPELLINGS = {
    "saal.txt": "سأل الطالب معلمه عن الدرس\n",
    "sal.txt": "سال الماء في الوادي بعد المطر\n",
    "madrasa.txt": "بنيت مدرسة جديدة في القرية\n",
    "madrasah.txt": "بنيت مدرسه قديمة في المدينة\n",
    "mustashfa.txt": "نقل المريض إلى مستشفى المدينة\n",
    "mustashfi.txt": "نقل الجريح إلى مستشفي القرية\n",
    "kitab.txt": "قرأت الكتاب كله\n",
    "wakitab.txt": "أعدت والكتاب معي\n",
}


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exact")
    return {name: Index.build(write_corpus(folder / name, files), folder / f"{name}-index")
            for name, files in (("vocalised", VOCALISED), ("uthmani", UTHMANI),
                                ("spellings", SPELLINGS))}


def sources(index, query, exact=None, match="all"):
    return [hit.source for hit in index.search(query, exact=exact, match=match).hits]


# -- the library -------------------------------------------------------------------------

def test_marks_typed_rank_the_agreeing_vocalisation_first_and_find_every_one(corpora):
    found = sources(corpora["vocalised"], "عِلْم")
    assert found[0] == "ilm.txt"
    assert set(found) == set(VOCALISED)


def test_a_bare_word_ranks_as_before(corpora):
    index = corpora["vocalised"]
    assert set(sources(index, "علم")) == set(VOCALISED)
    assert index.search("علم").hits[0].score == index.search("علم", exact="diacritics").hits[0].score


def test_exact_diacritics_finds_only_compatible_vocalisations(corpora):
    found = sources(corpora["vocalised"], "عَلم", exact={"diacritics"})
    assert set(found) == {"alam.txt", "alima.txt", "bare.txt"}


def test_exact_diacritics_on_a_bare_word_finds_all(corpora):
    assert set(sources(corpora["vocalised"], "علم", exact={"diacritics"})) == set(VOCALISED)


def test_exact_diacritics_on_uthmani_text_in_either_encoding(corpora):
    index = corpora["uthmani"]
    assert set(sources(index, "العِلْم", exact="diacritics")) == {"tanzil.txt", "kfgqpc.txt"}
    assert sources(index, "العَلَم", exact="diacritics") == ["other.txt"]
    assert set(sources(index, "العلم")) == set(UTHMANI)


def test_marks_rank_on_uthmani_text(corpora):
    assert sources(corpora["uthmani"], "العَلَم")[0] == "other.txt"


def test_exact_hamza(corpora):
    index = corpora["spellings"]
    assert set(sources(index, "سأل")) == {"saal.txt", "sal.txt"}
    assert sources(index, "سأل", exact={"hamza"}) == ["saal.txt"]
    assert sources(index, "سال", exact={"hamza"}) == ["sal.txt"]


def test_exact_ta_marbuta_and_alef_maqsura(corpora):
    index = corpora["spellings"]
    assert set(sources(index, "مدرسة")) == {"madrasa.txt", "madrasah.txt"}
    assert sources(index, "مدرسة", exact="ta_marbuta") == ["madrasa.txt"]
    assert sources(index, "مستشفى", exact="alef_maqsura") == ["mustashfa.txt"]
    assert set(sources(index, "مستشفى", exact="hamza")) == {"mustashfa.txt", "mustashfi.txt"}


def test_exact_form_keeps_the_word_as_typed(corpora):
    index = corpora["spellings"]
    assert set(sources(index, "الكتاب")) == {"kitab.txt", "wakitab.txt"}
    assert sources(index, "الكتاب", exact="form") == ["kitab.txt"]


def test_options_combine_as_a_comma_list(corpora):
    index = corpora["spellings"]
    result = index.search("سأل مدرسة", exact="form,hamza", match="any")
    assert result.exact == ("hamza", "form")
    assert {hit.source for hit in result.hits} == {"saal.txt", "madrasa.txt", "madrasah.txt"}


def test_exact_holds_in_phrases_and_near(corpora):
    index = corpora["vocalised"]
    assert sources(index, '"طلب عِلْم"', exact="diacritics") == ["ilm.txt"]
    assert sources(index, '"طلب عَلَم"', exact="diacritics") == []
    assert sources(index, "رفع NEAR/3 عَلَم", exact="diacritics") == ["alam.txt"]
    assert sources(index, "رفع NEAR/3 عِلْم", exact="diacritics") == []


def test_the_result_says_which_options_applied(corpora):
    result = corpora["spellings"].search("سأل", exact=["hamza", "diacritics"])
    assert result.to_dict()["exact"] == ["diacritics", "hamza"]
    assert corpora["spellings"].search("سأل").to_dict()["exact"] == []


def test_an_unknown_option_is_refused(corpora):
    with pytest.raises(QueryError) as error:
        corpora["spellings"].search("سأل", exact="hamza,vowels")
    assert error.value.code == "exact_unknown"
    assert "vowels" in error.value.english and "diacritics" in error.value.english
    assert "vowels" in str(error.value)


def test_exact_on_the_sample_corpus(sample_index):
    everything = sample_index.search("الأسد", match="all", per_page=50)
    with_hamza = sample_index.search("الأسد", match="all", exact="hamza", per_page=50)
    assert 0 < with_hamza.total < everything.total
    assert all("الاسد" not in hit.text or "الأسد" in hit.text for hit in with_hamza.hits)
    form = sample_index.search("الدفاع", match="all", exact="form", per_page=50)
    assert 0 < form.total < sample_index.search("الدفاع", match="all").total


# -- the command line and the API ----------------------------------------------------------

def test_cli_exact(corpora):
    runner = CliRunner()
    index_dir = str(corpora["spellings"].index_dir)
    result = runner.invoke(main, ["search", "سأل", "--index", index_dir, "--exact", "hamza",
                                  "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["exact"] == ["hamza"] and [h["source"] for h in data["hits"]] == ["saal.txt"]
    refused = runner.invoke(main, ["search", "سأل", "--index", index_dir, "--exact", "vowel"])
    assert refused.exit_code != 0 and "unknown exact option vowel" in refused.output


def test_cli_help_names_the_options():
    result = CliRunner().invoke(main, ["search", "--help"])
    assert "--exact" in result.output and "alef_maqsura" in result.output


@pytest.fixture(scope="module")
def client(corpora):
    app = create_app({"TESTING": True, "INDEX_DIR": str(corpora["vocalised"].index_dir)})
    return app.test_client()


def test_api_exact(client):
    data = client.get("/api/search", query_string={"q": "عَلم", "exact": "diacritics"}).get_json()
    assert data["exact"] == ["diacritics"]
    assert {hit["source"] for hit in data["hits"]} == {"alam.txt", "alima.txt", "bare.txt"}
    data = client.get("/api/search", query_string={"q": "عَلم"}).get_json()
    assert data["exact"] == [] and data["total"] == 4


def test_api_refuses_an_unknown_option(client):
    response = client.get("/api/search", query_string={"q": "علم", "exact": "hamza,marks"})
    assert response.status_code == 400
    assert response.get_json()["code"] == "exact_unknown"


def test_site_ticks_the_options_and_keeps_them_in_links(client):
    page = client.get("/", query_string=[("q", "عَلم"), ("exact", "diacritics"),
                                         ("exact", "form")]).get_data(as_text=True)
    assert 'value="diacritics" class="auto-submit" checked' in page
    assert 'value="hamza" class="auto-submit">' in page
    assert 'name="exact" value="form"' in page  # kept by the other forms
    assert "exact=diacritics&amp;exact=form" in page  # kept by links (documents, pages)


def test_help_page_explains_each_option_with_a_working_example(client):
    page = client.get("/help").get_data(as_text=True)
    for name in ("diacritics", "hamza", "ta_marbuta", "alef_maqsura", "form"):
        assert f"exact={name}" in page
    assert client.get("/?q=%D8%B3%D8%A3%D9%84&exact=hamza").status_code == 200


def test_an_update_records_the_written_forms_of_new_files(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"saal.txt": SPELLINGS["saal.txt"]})
    index = Index.build(corpus, tmp_path / "index")
    assert sources(index, "سال", exact="hamza") == []
    write_corpus(corpus, {"sal.txt": SPELLINGS["sal.txt"]})
    index.update(corpus)
    index = Index.open(tmp_path / "index")
    assert sources(index, "سال", exact="hamza") == ["sal.txt"]
    assert sources(index, "سأل", exact="hamza") == ["saal.txt"]


def test_the_site_labels_every_option_in_order():
    from search.spelling import EXACT
    from web.views import EXACT_LABELS

    assert tuple(EXACT_LABELS) == EXACT


def test_a_passage_with_both_spellings_is_found_by_each(tmp_path):
    # Words written as their search form (سال) are not recorded one by one: they are
    # the search form's occurrences less the other spellings' (سأل).
    corpus = write_corpus(tmp_path / "corpus", {
        "both.txt": "سأل عن الماء الذي سال أمس\n", "saal.txt": SPELLINGS["saal.txt"],
        "sal.txt": SPELLINGS["sal.txt"]})
    index = Index.build(corpus, tmp_path / "index")
    assert set(sources(index, "سال", exact="hamza")) == {"both.txt", "sal.txt"}
    assert set(sources(index, "سأل", exact="hamza")) == {"both.txt", "saal.txt"}
    assert set(sources(index, "سأل")) == {"both.txt", "saal.txt", "sal.txt"}


def test_under_exact_only_the_accepted_spelling_is_marked_and_explained(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {
        "both.txt": "سأل عن الماء الذي سال أمس\n", "sal.txt": SPELLINGS["sal.txt"]})
    index = Index.build(corpus, tmp_path / "index")
    loose, = [hit for hit in index.search("سأل").hits if hit.source == "both.txt"]
    assert [match.text for match in loose.matches] == ["سأل", "سال"]
    assert loose.snippet.count("<mark>") == 2
    strict, = index.search("سأل", exact="hamza").hits
    assert [match.text for match in strict.matches] == ["سأل"]
    assert strict.snippet.count("<mark>") == 1 and "<mark>سأل</mark>" in strict.snippet
    # Without the explanation the snippet still marks only the accepted spelling.
    quiet, = index.search("سأل", exact="hamza", explain=False).hits
    assert quiet.matches == () and quiet.snippet == strict.snippet
