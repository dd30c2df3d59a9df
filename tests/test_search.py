"""Searching: every spelling of a word finds the same passages, snippets mark the words as
written, and the result API (totals, facets, paging, suggestions, query syntax) keeps its
promises. Variant spellings are derived from words that occur in the corpora, never typed
out, so each test says which rule it exercises."""

import html
import json
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search import Index, QueryError, UnknownSourceError
from search.analysis import ArabicAnalyzer
from search.arabic import TATWEEL, is_arabic_letter, normalize

from conftest import write_corpus
from search.passages import iter_corpus_files, read_passages
from search.snippets import ELLIPSIS, snippet

MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
HARAKAT = "\u064e\u0650\u064f\u0652"  # fatha, kasra, damma, sukun
INDIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
EASTERN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ALEFS = "اأإآ"
# Letters that never join the next one: a tatweel cannot follow them.
NON_JOINING = "اأإآدذرزوؤة"
LAM_ALEF_FINAL = unicodedata.lookup("ARABIC LIGATURE LAM WITH ALEF FINAL FORM")
PRESENTATION = {  # a word spelled letter by letter in presentation forms
    "الكتاب": ["ALEF ISOLATED", "LAM INITIAL", "KAF MEDIAL", "TEH MEDIAL", "ALEF FINAL",
               "BEH ISOLATED"],
}


# -- spellings derived from a corpus word ------------------------------------------------

def vocalise(word):
    """Every letter gets a haraka, as in a fully vocalised text."""
    out = []
    for number, char in enumerate(word):
        out.append(char)
        if is_arabic_letter(char):
            out.append(HARAKAT[number % len(HARAKAT)])
    return "".join(out)


def alef_as(form):
    def swap(word):
        start = 2 if word.startswith("ال") else 0
        index = next(i for i in range(start, len(word)) if word[i] in ALEFS)
        return word[:index] + form + word[index + 1:]
    swap.__name__ = f"alef_as_{form}"
    return swap


def final(old, new):
    def swap(word):
        assert word.endswith(old)
        return word[: -len(old)] + new
    swap.__name__ = f"final_{old}_to_{new}"
    return swap


def stretch(word):
    """Tatweel after the first letter (past the article) that joins the next one."""
    start = 2 if word.startswith("ال") else 1
    index = next(i for i in range(start, len(word) - 1) if word[i] not in NON_JOINING)
    return word[: index + 1] + TATWEEL * 3 + word[index + 1:]


def with_clitic(clitic):
    def add(word):
        if clitic == "ل" and word.startswith("ال"):
            return "ل" + word[1:]  # ل + ال is written لل
        return clitic + word
    add.__name__ = f"with_{clitic}"
    return add


def without_article(word):
    assert word.startswith("ال")
    return word[2:]


def indic_digits(word):
    return word.translate(INDIC_DIGITS)


def eastern_digits(word):
    return word.translate(EASTERN_DIGITS)


def lam_alef_ligature(word):
    assert "لا" in word
    return word.replace("لا", LAM_ALEF_FINAL)


def in_presentation_forms(word):
    return "".join(unicodedata.lookup(f"ARABIC LETTER {name} FORM")
                   for name in PRESENTATION[word])


# -- helpers -------------------------------------------------------------------------

def is_word_char(char):
    return unicodedata.category(char)[0] in "LMN" or char == TATWEEL


def hits(index, query, **kwargs):
    """The hits of a search that requires every word (matching that relaxes has tests
    of its own)."""
    kwargs.setdefault("match", "all")
    result = index.search(query, per_page=100, **kwargs)
    assert result.total <= 100, "raise per_page: the test would miss hits"
    return result.hits


def hit_ids(index, query, **kwargs):
    return {hit.id for hit in hits(index, query, **kwargs)}


def marks(hit):
    return [html.unescape(word) for word in MARK.findall(hit.snippet)]


def assert_marks_whole_original_words(hit):
    """Each <mark> holds a whole word cut from the passage as it is written."""
    for match in MARK.finditer(hit.snippet):
        word = html.unescape(match.group(1))
        assert word and word in hit.text, (word, hit.id)
        before = html.unescape(hit.snippet[: match.start()])[-1:]
        after = html.unescape(MARK.sub(r"\1", hit.snippet[match.end():]))[:1]
        assert not (before and is_word_char(before)), (before, word, hit.id)
        assert not (after and is_word_char(after)), (word, after, hit.id)
        assert any(
            not (m.start() and is_word_char(hit.text[m.start() - 1]))
            and not (m.end() < len(hit.text) and is_word_char(hit.text[m.end()]))
            for m in re.finditer(re.escape(word), hit.text)
        ), (word, hit.id)


def assert_snippet_keeps_text(hit):
    """Without its tags, every fragment of the snippet is a piece of the passage."""
    text = html.unescape(MARK.sub(r"\1", hit.snippet))
    for fragment in text.removeprefix(ELLIPSIS.lstrip()).removesuffix(ELLIPSIS.rstrip()) \
            .split(ELLIPSIS):
        assert fragment.strip() in hit.text


def passages_with_word(corpus, *words):
    """Ids of the passages where one of ``words`` stands as a whole word (no index)."""
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words))
    return {
        f"{p.source}#{p.number}"
        for _source, path in iter_corpus_files(corpus)
        for p in read_passages(path, corpus)
        if pattern.search(p.text)
    }


# -- the sample corpus: every spelling finds the same passages ----------------------

SAMPLE_VARIANTS = [
    ("وزارة", vocalise),
    ("الدفاع", vocalise),
    ("أعلنت", alef_as("ا")),
    ("أعلنت", alef_as("إ")),
    ("الإرهابية", alef_as("ا")),
    ("الإرهابية", alef_as("أ")),
    ("الاسلامية", alef_as("إ")),
    ("اعلنت", alef_as("أ")),
    ("وزارة", final("ة", "ه")),
    ("المعارضه", final("ه", "ة")),
    ("كيرى", final("ى", "ي")),
    ("كيري", final("ي", "ى")),
    ("مستشفى", final("ى", "ي")),
    ("الدفاع", stretch),
    ("موسكو", stretch),
    ("المعارضة", stretch),
    ("الدفاع", with_clitic("و")),
    ("الدفاع", with_clitic("ب")),
    ("الدفاع", with_clitic("ل")),
    ("الحكومة", with_clitic("ف")),
    ("سوريا", with_clitic("ب")),
    ("سوريا", with_clitic("و")),
    ("موسكو", with_clitic("ل")),
    ("موسكو", with_clitic("ف")),
    ("الحكومة", without_article),
    ("المعارضة", without_article),
    ("السلامة", lam_alef_ligature),
    ("30", indic_digits),
    ("70", indic_digits),
    ("70", eastern_digits),
    ("بوتين", with_clitic("و")),
]


@pytest.mark.parametrize("word, spell", SAMPLE_VARIANTS,
                         ids=lambda v: v if isinstance(v, str) else v.__name__)
def test_variant_spelling_finds_same_passages(sample_index, sample_corpus, word, spell):
    variant = spell(word)
    assert variant != word
    expected = hit_ids(sample_index, word)
    literal = passages_with_word(sample_corpus, word)
    assert literal and literal <= expected
    found = hits(sample_index, variant)
    assert {hit.id for hit in found} == expected
    for hit in found:
        assert marks(hit), hit.id
        assert_marks_whole_original_words(hit)
        assert_snippet_keeps_text(hit)
    assert any(word in marks(hit) for hit in found), f"{word} as written is never marked"


NAME_SPELLINGS = [
    ("سوريا", "سورية"),
    ("أمريكية", "أميركية"),
    ("الأمريكية", "الأميركية"),
    ("البنتاغون", "البنتاجون"),
]


@pytest.mark.parametrize("one, other", NAME_SPELLINGS + [(b, a) for a, b in NAME_SPELLINGS])
def test_other_spelling_of_a_name_finds_both(sample_index, sample_corpus, one, other):
    found = hits(sample_index, other)
    ids = {hit.id for hit in found}
    assert ids == hit_ids(sample_index, one)
    assert passages_with_word(sample_corpus, one, other) <= ids
    for hit in found:
        assert_marks_whole_original_words(hit)
    written = {word for hit in found for word in marks(hit)}
    assert one in written and other in written


# -- the edge corpus -------------------------------------------------------------------

EDGE_FINDS = [
    # (query, passage it must find, the word as written there, which is marked)
    ("العربية", "vocalised.txt#1", "الْعَرَبِيَّةُ"),
    ("الطلاب", "vocalised.txt#1", "الطُّلَّابُ"),
    (vocalise("العربية"), "utf16.txt#1", "العربية"),
    ("الْعَرَبِيَّةُ", "tatweel_ligatures.txt#1", "العربيـــة"),
    ("الرحمن", "quran_uthmani.txt#1", "ٱلرَّحْمَٰنِ"),
    ("الكتاب", "quran_uthmani.txt#1", "ٱلْكِتَٰبُ"),
    ("الصلاة", "quran_uthmani.txt#1", "ٱلصَّلَوٰةَ"),
    ("يسألونك", "quran_uthmani.txt#1", "يَسْـَٔلُونَكَ"),
    ("آدم", "quran_uthmani.txt#1", "ءَادَمُ"),
    ("مواقيت", "quran_uthmani.txt#1", "مَوَٰقِيتُ"),
    ("رزقناهم", "quran_uthmani.txt#1", "رَزَقْنَٰهُمْ"),
    ("ٱلْكِتَٰبُ", "cp1256.txt#1", "الكتاب"),
    ("المتقين", "quran_uthmani.txt#1", "لِّلْمُتَّقِينَ"),
    ("الكتابة", "tatweel_ligatures.txt#1", "الكتـــابة"),
    ("المكتبة", "tatweel_ligatures.txt#1", "المكـــتبة"),
    (stretch("الطالب"), "tatweel_ligatures.txt#1", "الطالب"),
    ("الطالب", "tatweel_ligatures.txt#1", "الطالـــب"),
    ("السلام", "tatweel_ligatures.txt#1", "ﺍﻟﺴﻼﻡ"),
    ("عليكم", "tatweel_ligatures.txt#1", "ﻋﻠﻴﻜﻢ"),
    (in_presentation_forms("الكتاب"), "cp1256.txt#1", "الكتاب"),
    ("كتاب", "tatweel_ligatures.txt#1", "کتاب"),
    ("مدرسة", "tatweel_ligatures.txt#1", "ومدرسہ"),
    ("کتاب", "cp1256.txt#1", "الكتاب"),
    ("2024", "tatweel_ligatures.txt#1", "٢٠٢٤"),
    (indic_digits("1403"), "tatweel_ligatures.txt#1", "۱۴۰۳"),
    ("15", "tatweel_ligatures.txt#1", "۱۵"),
    ("معرض", "cp1256.txt#1", "معرض"),
    ("التسجيل", "iso8859_6.txt#1", "التسجيل"),
    ("المدينة", "utf16.txt#1", "المدينة"),
    ("الطقس", "utf8_bom.txt#1", "الطقس"),
    ("البنتاغون", "names.txt#1", "البنتاجون"),
    ("سوريا", "names.txt#1", "سورية"),
]


@pytest.mark.parametrize("query, passage, written", EDGE_FINDS)
def test_edge_corpus_word_found_in_any_spelling(edge_index, query, passage, written):
    found = {hit.id: hit for hit in hits(edge_index, query)}
    assert passage in found
    hit = found[passage]
    assert written in marks(hit)
    assert_marks_whole_original_words(hit)
    assert_snippet_keeps_text(hit)


def test_decoded_files_keep_no_bom_or_carriage_return(edge_index):
    for hit in hits(edge_index, "الطقس OR معرض OR التسجيل OR المدينة"):
        assert "\ufeff" not in hit.text and "\r" not in hit.text


def test_nested_file_searchable_by_its_path(edge_index):
    found = hits(edge_index, "متداخلين")
    assert [hit.source for hit in found] == ["nested/sub/deep.txt"]


def test_hidden_and_unreadable_files_not_indexed(edge_index):
    assert ".hidden.txt" not in edge_index.sources()
    assert {"binary.txt", "blank.txt", "empty.txt"}.isdisjoint(edge_index.sources())
    assert edge_index.search("مخفي").total == 0


def test_markup_in_text_is_escaped_in_snippet(edge_index):
    hit = hits(edge_index, "وسم برمجي")[0]
    assert "&lt;script&gt;" in hit.snippet
    assert "<script>" not in hit.snippet and "<img" not in hit.snippet


# -- totals, facets, paging ------------------------------------------------------------

def test_total_is_sum_of_facets_covering_all_matches(sample_index):
    one = sample_index.search("سوريا", per_page=1)
    everything = hits(sample_index, "سوريا")
    assert one.total == len(everything) == sum(f.count for f in one.facets)
    by_source = {}
    for hit in everything:
        by_source[hit.source] = by_source.get(hit.source, 0) + 1
    assert {f.value: f.count for f in one.facets} == by_source
    assert len(by_source) > 1


def test_source_filter_total_and_facets(sample_index):
    unfiltered = sample_index.search("سوريا")
    counts = {f.value: f.count for f in unfiltered.facets}
    chosen = sorted(counts)[:2]
    result = sample_index.search("سوريا", sources=chosen, per_page=100)
    assert result.total == sum(counts[s] for s in chosen) == len(result.hits)
    assert {hit.source for hit in result.hits} == set(chosen)
    assert {f.value: f.count for f in result.facets} == counts
    assert {f.value for f in result.facets if f.selected} == set(chosen)


def test_pages_follow_each_other(sample_index):
    first = sample_index.search("سوريا", per_page=5)
    second = sample_index.search("سوريا", page=2, per_page=5)
    both = sample_index.search("سوريا", per_page=10)
    assert second.page == 2 and len(second.hits) == 5
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    assert [h.id for h in first.hits + second.hits] == [h.id for h in both.hits]


def test_page_past_the_end_is_empty(sample_index):
    result = sample_index.search("سوريا", per_page=10)
    past = result.pages + 1
    beyond = sample_index.search("سوريا", page=past, per_page=10)
    assert beyond.hits == () and beyond.page == past and beyond.total == result.total


@pytest.mark.parametrize("page, per_page", [(0, 10), (-1, 10), (1, 0), (1, -5)])
def test_page_and_per_page_must_be_positive(sample_index, page, per_page):
    with pytest.raises(ValueError, match="positive"):
        sample_index.search("سوريا", page=page, per_page=per_page)


def test_unknown_source_raises(sample_index):
    with pytest.raises(UnknownSourceError, match="nope.txt"):
        sample_index.search("سوريا", sources=["nope.txt"])


def test_did_you_mean_for_misspelt_word(sample_index):
    result = sample_index.search("بوتن", match="all")
    assert result.total == 0 and result.suggestion == "بوتين"
    assert sample_index.search(result.suggestion).total > 0


def test_a_search_that_finds_nothing_is_run_again_on_its_correction(sample_index):
    result = sample_index.search("بوتن")
    assert result.corrected == "بوتين" and result.suggestion == "بوتين"
    assert result.total == sample_index.search("بوتين").total > 0
    assert result.to_dict()["match"]["corrected"] == "بوتين"


@pytest.mark.parametrize("query, suggestion", [
    ("الإرهابيه الإرهابيةة", "الإرهابيه الإرهابية"),  # typed with hamza and teh marbuta
    ('"الرئيس السوريي"', '"الرئيس السوري"'),        # inside a phrase
    ("سورية بوتن", "سورية بوتين"),                   # a name variant is not "unknown"
])
def test_did_you_mean_replaces_the_word_as_typed(sample_index, query, suggestion):
    result = sample_index.search(query, match="all")
    assert result.total == 0 and result.suggestion == suggestion
    relaxed = sample_index.search(query)  # what it finds meanwhile; still the suggestion
    assert relaxed.total > 0 and relaxed.suggestion == suggestion


def test_autocomplete_folds_what_is_typed_like_the_text(sample_index):
    assert "وزارة" in sample_index.complete("وَزَا")
    assert sample_index.complete("سورية") == ["سوريا"]


def test_no_suggestion_when_results_exist(sample_index):
    assert sample_index.search("بوتين").suggestion is None


# -- query syntax ----------------------------------------------------------------------

def adjacent(text, first, second):
    """True if the analysed words ``first`` and ``second`` stand side by side in text."""
    analyzer = ArabicAnalyzer()
    want = [next(t.text for t in analyzer(w)) for w in (first, second)]
    by_pos = {}
    for token in analyzer(text, positions=True):
        by_pos.setdefault(token.pos, set()).add(token.text)
    return any(want[0] in by_pos[p] and want[1] in by_pos.get(p + 1, ()) for p in by_pos)


def test_phrase_needs_words_side_by_side(sample_index):
    phrase = hits(sample_index, '"الرئيس السوري"')
    apart = hit_ids(sample_index, "الرئيس السوري")
    assert phrase and {hit.id for hit in phrase} < apart
    assert all(adjacent(hit.text, "الرئيس", "السوري") for hit in phrase)
    by_id = {hit.id: hit for hit in hits(sample_index, "الرئيس السوري")}
    assert not any(adjacent(by_id[i].text, "الرئيس", "السوري")
                   for i in apart - {hit.id for hit in phrase})


def test_excluded_word_removes_passages(sample_index):
    with_russia = hit_ids(sample_index, "روسيا")
    result = hit_ids(sample_index, "سوريا -روسيا")
    assert result and result == hit_ids(sample_index, "سوريا") - with_russia
    assert hit_ids(sample_index, "سوريا") & with_russia


def test_or_finds_either_word(sample_index):
    either = hit_ids(sample_index, "كيري OR البنتاغون")
    assert either == hit_ids(sample_index, "كيري") | hit_ids(sample_index, "البنتاغون")


def test_prefix_finds_words_starting_with_it(sample_index, sample_corpus):
    found = hits(sample_index, "كوناش*")
    assert passages_with_word(sample_corpus, "كوناشينكوف") <= {h.id for h in found}
    for hit in found:
        assert marks(hit) and all(normalize(w).startswith("كوناش") for w in marks(hit))
        assert_marks_whole_original_words(hit)


MALFORMED = [
    ("سوريا -", "-"),
    ("-", "-"),
    ("*", "*"),
    ("سوريا *", "*"),
    ("OR سوريا", "OR"),
    ("سوريا OR", "OR"),
    ("-سوريا", "exclude"),
    ("-سوريا -روسيا", "exclude"),
    ("سوريا " * 2000, "too long"),
    (" ".join(["سوريا"] * 1000), "too long"),
    (" ".join(["سوريا"] * 100), "too many"),
    ("", "empty"),
    ("   ", "empty"),
]


@pytest.mark.parametrize("query, says", MALFORMED, ids=lambda v: repr(v[:20]))
def test_malformed_query_raises_query_error(sample_index, query, says):
    with pytest.raises(QueryError) as caught:
        sample_index.search(query)
    assert says in caught.value.english
    assert caught.value.code != "untranslated"


QUERY_PIECES = st.sampled_from([
    "سوريا", "وزارة", "الدفاع", "سور*", "في", '"', "-", "*", "OR", "AND", " ", "ـ", "\u064e",
    "٣٠", "ﻻ", "\u202e", "«", "»", "(", "x", "3.5", "-\"", "**", "،", "\n", "\x00", "ﷺ", "=",
])


@settings(max_examples=150, deadline=None)
@given(st.lists(QUERY_PIECES, max_size=8).map("".join))
def test_any_query_gives_result_or_query_error(sample_index, query):
    try:
        result = sample_index.search(query)
    except QueryError as error:
        assert str(error)
    else:
        assert result.total == sum(f.count for f in result.facets)


# -- ranking and highlighting ----------------------------------------------------------

def test_exact_word_ranks_above_same_stem(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sentence = "حضر {} الاجتماع السنوي في القاعة الكبرى\n"
    (corpus / "a.txt").write_text(sentence.format("المعلمون"), encoding="utf-8")
    (corpus / "b.txt").write_text(sentence.format("المعلمين"), encoding="utf-8")
    (corpus / "c.txt").write_text("انتهى الموسم الزراعي مبكرا هذا العام\n", encoding="utf-8")
    index = Index.build(corpus, tmp_path / "index")
    assert [h.source for h in index.search("المعلمين").hits] == ["b.txt", "a.txt"]
    assert [h.source for h in index.search("المعلمون").hits] == ["a.txt", "b.txt"]


def test_snippet_marks_word_at_end_of_huge_text():
    analyzer = ArabicAnalyzer(stem=False)
    text = "كلمة عادية " * 5000 + "ثم ظهر الهدف"
    assert len(text) > 50_000
    terms = frozenset(t.text for t in analyzer("الهدف"))
    html_snippet = snippet(text, terms, analyzer)
    assert "<mark>الهدف</mark>" in html_snippet
    assert len(html_snippet) < 1000


def test_search_marks_last_word_of_long_file(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    filler = " ".join(f"كلمة{n % 50}" for n in range(8000))
    (corpus / "long.txt").write_text(filler + " الختام\n", encoding="utf-8")
    index = Index.build(corpus, tmp_path / "index")
    [hit] = index.search("الختام").hits
    assert hit.text.endswith("الختام")
    assert hit.passage == len(index.document("long.txt").passages) > 1
    assert hit.snippet.endswith("<mark>الختام</mark>")


def test_to_dict_has_documented_keys(sample_index):
    result = sample_index.search("وزارة الدفاع", per_page=2).to_dict()
    assert set(result) == {"ok", "query", "total", "page", "per_page", "hits", "facets",
                           "facet_totals", "suggestion", "took_ms", "normalized_query",
                           "match", "suggestion_partial", "sort", "collapsed_total",
                           "exact", "by"}
    assert result["ok"] is True
    assert [set(hit) for hit in result["hits"]] == \
        [{"id", "source", "passage", "score", "snippet", "text", "step", "missing",
          "more_in_source", "matches", "commentary"}] * 2
    assert set(result["match"]) == {"strategy", "step", "steps", "missing", "related",
                                    "corrected", "expansions"}
    assert set(result["facets"]) == {"source", "folder"}
    assert all(set(f) - {"label"} == {"value", "count"} for f in result["facets"]["source"])  # label: a title
    assert json.loads(json.dumps(result, ensure_ascii=False)) == result



def test_facets_list_the_files_with_most_matches_and_the_selected_ones(tmp_path):
    from tests.conftest import write_corpus

    paragraph = "سوريا وروسيا " + " ".join(["كلمة"] * 40)  # long enough to stand alone
    files = {f"f{n:02d}.txt": "\n\n".join([paragraph] * (1 + n % 4)) for n in range(12)}
    corpus = write_corpus(tmp_path / "corpus", files)
    index = Index.build(corpus, tmp_path / "index")
    result = index.search("سوريا", facet_limit=5)
    assert result.facet_total == 12
    assert [(f.value, f.count) for f in result.facets] == [
        ("f03.txt", 4), ("f07.txt", 4), ("f11.txt", 4), ("f02.txt", 3), ("f06.txt", 3)]
    assert result.to_dict()["facet_totals"] == {"source": 12, "folder": 1}
    selected = index.search("سوريا", facet_limit=5, sources=["f00.txt"])
    assert ("f00.txt", 1, True) in [(f.value, f.count, f.selected) for f in selected.facets]
    assert len(selected.facets) == 6
    assert len(index.search("سوريا").facets) == 12


def test_snippet_fragments_are_in_order_apart_and_at_most_two():
    analyzer = ArabicAnalyzer(stem=False)
    filler = " ".join(f"كلمة{n}" for n in range(60))
    text = f"الهدف {filler} الهدف الهدف {filler} الهدف {filler} الهدف الهدف الهدف"
    terms = frozenset(t.text for t in analyzer("الهدف"))
    html_snippet = snippet(text, terms, analyzer)
    plain = html.unescape(MARK.sub(r"\1", html_snippet))
    fragments = plain.removeprefix(ELLIPSIS.lstrip()).split(ELLIPSIS)
    assert len(fragments) == 2
    starts = [text.index(fragment) for fragment in fragments]
    assert starts == sorted(starts)
    assert starts[0] + len(fragments[0]) < starts[1]  # apart, never overlapping
    assert fragments[1].endswith("الهدف الهدف الهدف")  # the fragment with most matches
    assert html_snippet.count("<mark>") == 5


def test_snippet_says_where_words_were_left_out():
    analyzer = ArabicAnalyzer(stem=False)
    terms = frozenset(t.text for t in analyzer("الهدف"))
    filler = " ".join(f"كلمة{n}" for n in range(80))
    middle = snippet(f"{filler} الهدف {filler}", terms, analyzer)
    assert middle.startswith(ELLIPSIS.lstrip()) and middle.endswith(ELLIPSIS.rstrip())
    whole = snippet("قبل الهدف بعد.", terms, analyzer)
    assert "…" not in whole  # nothing was cut
    start = snippet(f"الهدف {filler}", terms, analyzer)
    assert not start.startswith("…") and start.endswith(ELLIPSIS.rstrip())
    end = snippet(f"{filler} الهدف.", terms, analyzer)
    assert end.startswith(ELLIPSIS.lstrip()) and not end.endswith("…")


def test_snippet_marks_the_same_words_as_the_analyzer_in_context():
    analyzer = ArabicAnalyzer(stem=False)
    text = "ٱلْكِتَٰبُ والكتاب في سوريا وسورية، ثم بسوريا؛ و«سوريا»"
    terms = frozenset(["الكتاب", "سوريا"])
    spans = {(t.startchar, t.endchar) for t in analyzer(text, chars=True, removestops=False)
             if t.text in terms}  # a word with two readings is one span
    expected = [text[start:end] for start, end in sorted(spans)]
    assert len(expected) == 3
    assert [html.unescape(w) for w in MARK.findall(snippet(text, terms, analyzer, whole=True))] \
        == expected


# -- every word is indexed --------------------------------------------------------------

def common_words_corpus(tmp_path):
    return write_corpus(tmp_path / "corpus", {
        "ministry.txt": "قالت وزارة الدفاع إن الطائرات عادت",
        "ministry-in.txt": "وزارة في الدفاع عن الوطن",
        "syria.txt": "في سوريا أمس اجتماع",
        "syria-no-fi.txt": "زار الوفد سوريا أمس",
        "shahada.txt": "لَا إِلَهَ إِلَّا اللَّهُ",
        "this.txt": "هذا هو الكتاب",
    })


def test_a_query_of_common_words_only_finds_them(tmp_path):
    index = Index.build(common_words_corpus(tmp_path), tmp_path / "index")
    assert {h.source for h in index.search("في").hits} == {"ministry-in.txt", "syria.txt"}
    assert {h.source for h in index.search("هذا").hits} == {"this.txt"}
    assert {h.source for h in index.search("لا إله إلا الله").hits} == {"shahada.txt"}
    assert {h.source for h in index.search("لَا إِلَهَ إِلَّا اللَّهُ").hits} == {"shahada.txt"}


def test_a_phrase_matches_its_common_words_exactly(tmp_path):
    index = Index.build(common_words_corpus(tmp_path), tmp_path / "index")
    assert {h.source for h in index.search('"وزارة في الدفاع"').hits} == {"ministry-in.txt"}
    assert {h.source for h in index.search('"وزارة الدفاع"').hits} == {"ministry.txt"}
    assert {h.source for h in index.search('"في سوريا"').hits} == {"syria.txt"}


def test_common_words_in_free_text_are_optional_and_only_order(tmp_path):
    index = Index.build(common_words_corpus(tmp_path), tmp_path / "index")
    found = index.search("في سوريا")
    assert {h.source for h in found.hits} == {"syria.txt", "syria-no-fi.txt"}
    assert found.hits[0].source == "syria.txt"  # it also has في
    plain = {h.source: h.score for h in index.search("سوريا").hits}
    assert found.hits[1].score == pytest.approx(plain["syria-no-fi.txt"])


# -- matching that relaxes, the syntax readers type, numbers, Qur'anic spelling ----------

def relax_corpus(tmp_path):
    return write_corpus(tmp_path / "corpus", {
        "ministry.txt": "أعلنت وزارة الدفاع الروسية أمس عن الضربات الجوية في سوريا " +
                        " ".join(["وصف الحال في المدينة"] * 20) + ".\n\nواصلت القوات تقدمها " +
                        " ".join(["ووصف الناس للحال"] * 22) + ".",
        "border.txt": "قصفت الطائرات مواقع قرب الحدود مع تركيا",
        "usa.txt": "قال المسؤول الأمريكي إن الإدارة الأميركية تدرس الأمر",
        "numbers.txt": "قتل 24 شخصا في ال24 ساعة الاخيرة وأصيب بـ64 جرحا و7 آخرون 24الاخيرة",
        "quran.txt": "يَٰٓأَيُّهَا ٱلَّذِينَ ءَامَنُوا۟ أَقِيمُوا۟ ٱلصَّلَوٰةَ وَإِبْرَٰهِيمَ\nإبرهيم الصلوة",
    })


def test_auto_ranks_every_word_first_then_some_and_says_what_is_missing(tmp_path):
    index = Index.build(relax_corpus(tmp_path), tmp_path / "index")
    result = index.search("الضربات الجوية تركيا")
    assert result.match_step == "most" and result.total >= 2
    assert {hit.source for hit in result.hits} >= {"ministry.txt", "border.txt"}
    assert all(hit.step == "most" and hit.missing for hit in result.hits)
    assert index.search("الضربات الجوية تركيا", match="all").total == 0
    strict = index.search("وزارة الدفاع", match="auto")
    assert strict.hits[0].step == "phrase" and strict.hits[0].missing == ()


def test_words_across_neighbouring_passages_are_found_as_a_pair(tmp_path):
    index = Index.build(relax_corpus(tmp_path), tmp_path / "index")
    assert index.search("وزارة القوات", match="all").total == 0
    pair = index.search("وزارة القوات")
    assert pair.match_step == "neighbours"
    hit = pair.hits[0]
    assert hit.step == "neighbours" and hit.source == "ministry.txt" and not hit.missing
    assert "وزارة" in hit.text and "القوات" in hit.text


def test_a_country_finds_its_adjective(tmp_path):
    index = Index.build(relax_corpus(tmp_path), tmp_path / "index")
    result = index.search("أمريكا")
    assert [hit.source for hit in result.hits] == ["usa.txt"]
    assert result.related and result.related[0][0] == "أمريكا"
    assert index.search("أمريكا", match="all").total == 0


@pytest.mark.parametrize("query", ["المسؤول أو تركيا", "المسؤول or تركيا", "المسؤول OR تركيا"])
def test_or_as_readers_type_it(tmp_path, query):
    index = Index.build(relax_corpus(tmp_path), tmp_path / "index")
    assert {h.source for h in index.search(query, match="all").hits} == {"usa.txt", "border.txt"}


@pytest.mark.parametrize("query", ["الطائرات -تركيا", "الطائرات NOT تركيا", "الطائرات بدون:تركيا"])
def test_not_as_readers_type_it(tmp_path, query):
    index = Index.build(relax_corpus(tmp_path), tmp_path / "index")
    assert index.search("الطائرات", match="all").total == 1
    assert index.search(query).total == 0


def test_near_and_sloppy_phrases(tmp_path):
    index = Index.build(relax_corpus(tmp_path), tmp_path / "index")
    assert index.search("قصفت NEAR/2 مواقع", match="all").total == 1
    assert index.search("قصفت NEAR/1 مواقع", match="all").total == 0
    assert index.search('"مواقع قصفت"~1', match="all").total == 1
    assert index.search("قصفت قرب/3 مواقع", match="all").total == 1


@pytest.mark.parametrize("query", ["24", "٢٤", "64", "7", "الاخيرة"])
def test_numbers_glued_to_clitics_or_words_are_found_by_the_number(tmp_path, query):
    index = Index.build(relax_corpus(tmp_path), tmp_path / "index")
    assert [hit.source for hit in index.search(query, match="all").hits] == ["numbers.txt"]


@pytest.mark.parametrize("query", ["يا أيها الذين آمنوا", "الصلاة", "إبراهيم", "يأيها"])
def test_modern_spelling_finds_the_quranic(tmp_path, query):
    index = Index.build(relax_corpus(tmp_path), tmp_path / "index")
    result = index.search(query, match="all")
    assert [hit.source for hit in result.hits] == ["quran.txt"], query


# -- reading order, one hit per file, collections ---------------------------------------

def test_reading_order_lists_passages_by_file_then_place(sample_index):
    ordered = sample_index.search("سوريا", sort="order", per_page=100).hits
    keys = [(hit.source, hit.passage) for hit in ordered]
    assert keys == sorted(keys)
    assert {h.id for h in ordered} == {h.id for h in sample_index.search("سوريا", per_page=100).hits}


def test_one_hit_per_file_counts_the_others(sample_index):
    everything = sample_index.search("سوريا", per_page=100)
    collapsed = sample_index.search("سوريا", collapse=True)
    per_file = {}
    for hit in everything.hits:
        per_file[hit.source] = per_file.get(hit.source, 0) + 1
    assert {hit.source: hit.more_in_source + 1 for hit in collapsed.hits} == per_file
    assert collapsed.collapsed_total == len(per_file) and collapsed.pages == 1
    best = [h.source for h in everything.hits]
    assert [h.source for h in collapsed.hits] == list(dict.fromkeys(best))


def test_folders_are_a_facet_and_a_filter(tmp_path):
    for folder in ("bukhari", "muslim"):
        (tmp_path / "corpus" / folder).mkdir(parents=True)
    corpus = write_corpus(tmp_path / "corpus", {
        "bukhari/1.txt": "إنما الأعمال بالنيات", "bukhari/2.txt": "الأعمال الصالحة",
        "muslim/1.txt": "الأعمال كلها", "top.txt": "الأعمال"})
    index = Index.build(corpus, tmp_path / "index")
    result = index.search("الأعمال")
    assert {f.value: f.count for f in result.folder_facets} == {"bukhari": 2, "muslim": 1, "": 1}
    narrowed = index.search("الأعمال", folders=["bukhari"])
    assert {h.source for h in narrowed.hits} == {"bukhari/1.txt", "bukhari/2.txt"}
    assert {f.value: f.count for f in narrowed.folder_facets}["muslim"] == 1  # ignores its filter
    assert narrowed.total == 2 and {f.value for f in narrowed.facets} == {"bukhari/1.txt", "bukhari/2.txt"}
    both = index.search("الأعمال", folders=["bukhari"], sources=["bukhari/2.txt", "top.txt"])
    assert [h.source for h in both.hits] == ["bukhari/2.txt"]  # a folder and a file at once


def test_a_common_word_finds_its_forms_with_a_conjunction_outside_quotes(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": "قالوا وفي البيت رجل", "b.txt": "في البيت"})
    index = Index.build(corpus, tmp_path / "index")
    assert {h.source for h in index.search("في", match="all").hits} == {"a.txt", "b.txt"}
    assert {h.source for h in index.search('"في البيت"', match="all").hits} == {"b.txt"}
    assert index.search("وفي البيت").hits[0].step == "phrase"


def test_a_pasted_phrase_with_its_quote_left_open_is_searched_as_words(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {
        "a.txt": "أعلنت وزارة الدفاع اليوم", "b.txt": "الدفاع عن وزارة المالية",
        "c.txt": "أعلنت وزارة الدفاع الروسية اليوم"})
    index = Index.build(corpus, tmp_path / "index")
    result = index.search('"وزارة الدفاع')
    assert [h.step for h in result.hits] == ["phrase", "phrase", "all"]
    assert {h.source for h in result.hits[:2]} == {"a.txt", "c.txt"}
    # One word of the paste differs from the text: still found, not an empty page.
    assert index.search('"وزارة الدفاع الامريكية').hits


def test_a_conjunction_before_a_common_word_leaves_it_common(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {
        "a.txt": "رجل فصلى ثم قرأ", "b.txt": "وثم رجل آخر"})
    index = Index.build(corpus, tmp_path / "index")
    hit = index.search("ورجل وفصلى وثم")
    # وثم only orders the passages, as ثم does: the passage without it is found whole.
    assert (hit.hits[0].source, hit.hits[0].missing) == ("a.txt", ())
    assert hit.hits[0].step in ("phrase", "all")


@pytest.mark.parametrize("query, source", [
    ("وقل هو", "a.txt"),  # a conjunction added to a two-letter word
    ("قل رب زدني", "b.txt"),  # and dropped from one
    ("فقل رب", "b.txt"),
])
def test_a_conjunction_and_a_two_letter_word_find_each_other(tmp_path, query, source):
    corpus = write_corpus(tmp_path / "corpus", {
        "a.txt": "قل هو الله أحد", "b.txt": "وقل رب زدني علما", "c.txt": "هو رب العالمين"})
    index = Index.build(corpus, tmp_path / "index")
    hit = index.search(query).hits[0]
    assert (hit.source, hit.missing) == (source, ())


def test_modern_spelling_finds_uthmani_words_that_differ_in_rasm(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {
        "a.txt": "فَأَمَّا مَنْ أُوتِىَ كِتَـٰبَهُۥ بِيَمِينِهِۦ",
        "b.txt": "لَقَدْ جِئْتَ شَيْـًٔا فَرِيًّا",
        "c.txt": "وَٱلسَّمَآءِ وَمَا بَنَىٰهَا",
        "d.txt": "إِنَّ هَـٰذَا لَهُوَ ٱلْبَلَـٰٓؤُا۟ ٱلْمُبِينُ",
        "e.txt": "إِنَّآ أَعْتَدْنَا لِلْكَـٰفِرِينَ سَلَـٰسِلَا۟ وَأَغْلَـٰلًا",
        "f.txt": "كتاب السماء شيء"})
    index = Index.build(corpus, tmp_path / "index")
    for query, source in [("أوتي كتابه بيمينه", "a.txt"), ("جئت شيئا فريا", "b.txt"),
                          ("والسماء وما بناها", "c.txt"), ("لهو البلاء المبين", "d.txt"),
                          ("للكافرين سلاسل وأغلالا", "e.txt")]:
        hits = index.search(query, match="all").hits
        assert [h.source for h in hits] == [source], query
