"""Hostile and random input, generated with hypothesis: the decoder and splitter, the query
parser and search, autocomplete, and every web parameter.

The contracts under test:

- ``decode_bytes`` returns text or raises ``UndecodableFileError``; ``read_passages``
  gives passages whose spans slice the decoded text, whatever the bytes;
- ``Index.search`` returns a result or raises ``QueryError``, for any string; expensive
  queries (prefixes over a huge vocabulary, long OR lists) are refused or answered;
- the site answers 200 (or 400/404 with a message), never 500, never a traceback.

``tests/test_passages.py`` already checks that splitting keeps every character in order
for ordinary text; here the text is hostile.
"""

from __future__ import annotations

import codecs
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from search import Index, QueryError, SearchResult
from search.passages import UndecodableFileError, decode_bytes, read_passages, split_passages
from search.splitter import MAX_WORDS
from web import create_app

# Hypothesis warns when the global random module's state moves while it draws an example.
# Our strategies never use it, but threads that outlive other tests (a Dask client's, the
# browser tests' server) or the library's own (did-you-mean's vocabulary, built aside) may
# touch it at that moment: the warning then says nothing about this module's tests.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module inside strategies")

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأؤإئىةـًٌٍَُِّْٰٱ"
BIDI = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"
CONTROLS = "".join(map(chr, range(32))) + "\x7f\x85\u2028\u2029\ufeff\ufffd"
SURROGATES = "\ud800\udbff\udc00\udfff"
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1256", "iso8859-6")

# Text a hostile corpus or user could hold: Arabic, marks, bidi and C0/C1 controls, lone
# surrogates, markup, query operators, digits, Latin and anything else Unicode has.
hostile_char = st.one_of(
    st.sampled_from(ARABIC + BIDI + CONTROLS + SURROGATES + '<>&"\'*-()[]{}:;.،؟!?\\/%+ '),
    st.characters(codec=None),
)
hostile_text = st.text(hostile_char, max_size=200)



def check_passages(passages, text):
    previous_end = 0
    for number, passage in enumerate(passages, start=1):
        assert passage.number == number
        assert text[passage.start:passage.end] == passage.text
        assert passage.start >= previous_end and passage.text.strip() == passage.text != ""
        assert len(passage.text.split()) <= MAX_WORDS
        previous_end = passage.end


# -- decoder and splitter -------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes_decode_or_are_refused_as_binary(data):
    try:
        text, encoding = decode_bytes(data)
    except UndecodableFileError as error:
        assert error.reason == "binary file"
        return
    assert isinstance(text, str) and "\r" not in text and "\x00" not in text
    codecs.lookup(encoding)
    check_passages(split_passages(text, "t.txt"), text)


@FUZZ
@given(st.lists(st.tuples(st.text(st.sampled_from(ARABIC + " \n.؟"), max_size=60),
                          st.sampled_from(ENCODINGS)), max_size=6))
def test_files_mixing_encodings_decode_or_are_refused(chunks):
    data = b""
    for text, encoding in chunks:
        try:
            data += text.encode(encoding)
        except UnicodeEncodeError:
            data += text.encode("utf-8")  # ISO-8859-6 lacks some letters (tatweel, harakat)
    try:
        text, _ = decode_bytes(data)
    except UndecodableFileError:
        return
    check_passages(split_passages(text, "t.txt"), text)


@FUZZ
@given(st.text(st.sampled_from(ARABIC), min_size=1, max_size=80), st.sampled_from(ENCODINGS))
def test_one_encoding_round_trips(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    decoded, _ = decode_bytes(data)
    # Without a mark a short text may be read in another code page; never lost, never an error.
    assert len(decoded) > 0


@FUZZ
@given(hostile_text)
def test_hostile_text_splits_into_exact_slices(text):
    check_passages(split_passages(text, "t.txt"), text)


@FEW
@given(st.sampled_from(["كلمة ", "word. ", "؟", "\u202e", "x" * 50, "\x0b", "\u2028"]),
       st.integers(1, 30_000))
def test_huge_lines_split_within_limits(piece, times):
    text = piece * times
    check_passages(split_passages(text, "t.txt"), text)


@FEW
@given(st.binary(max_size=3000))
def test_read_passages_from_any_file(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz-file")
    path = folder / "any.txt"
    path.write_bytes(data)
    try:
        passages = read_passages(path, folder)
    except UndecodableFileError as error:
        assert error.source == "any.txt" and "any.txt" in str(error)
        return
    text, _ = decode_bytes(data)
    check_passages(passages, text)


# -- query parser and search ----------------------------------------------------------------

OPERATORS = ['"', '"', "-", "*", "OR", "AND", "(", ")", "+", ":", "~", "^", "\\", "'", "«", "»", "“", "”"]
WORDS = ["سوريا", "روسيا", "الدفاع", "وزارة", "الد", "ب", "في", "من", "x", "1", "٦٤", "ﻻ", "ـــ"]
query_text = st.one_of(
    hostile_text,
    st.lists(st.sampled_from(OPERATORS + WORDS + [" ", "  ", "*" * 3, "-" * 2]), max_size=40).map(" ".join),
    st.lists(st.sampled_from(OPERATORS + WORDS), max_size=40).map("".join),
)


def search_or_query_error(index, query, **kwargs):
    try:
        result = index.search(query, **kwargs)
    except QueryError as error:
        assert str(error)  # a message for people
        return None
    assert isinstance(result, SearchResult)
    assert result.total >= len(result.hits)
    return result


@FUZZ
@given(query_text)
def test_any_query_gives_a_result_or_a_query_error(sample_index, query):
    search_or_query_error(sample_index, query)


@FEW
@given(query_text, st.integers(1, 10**6), st.integers(1, 200))
def test_any_page_gives_a_result_or_a_query_error(sample_index, query, page, per_page):
    result = search_or_query_error(sample_index, query, page=page, per_page=per_page)
    if result is not None and page * per_page > result.total + per_page:
        assert result.hits == ()


@FUZZ
@given(hostile_text)
def test_autocomplete_and_document_never_fail(sample_index, typed):
    assert all(isinstance(word, str) for word in sample_index.complete(typed))
    source = sample_index.sources()[0]
    assert sample_index.document(source, query=typed).source == source


@pytest.mark.parametrize("query", [
    "*", "**", "-", "--", "-*", '"', '"""', "OR", "OR OR", "AND", "سوريا OR", "OR سوريا",
    "-سوريا", '-"وزارة الدفاع"', "ب*", "*سوريا", "سو*ريا", '"', '""', "\u202e", "\x00",
    "\ud800", "سوريا\udfff", "\ufeff", "ـــ", "ﷺ", "\u0651\u064e",
])
def test_malformed_queries_are_answered_or_explained(sample_index, query):
    search_or_query_error(sample_index, query)


# Found by fuzz/fuzz_query.py at bcd3c15: did_you_mean looked the word up in Whoosh as typed,
# and a lone surrogate cannot be encoded as UTF-8 (UnicodeEncodeError). Gone since 2c02218
# ("queries drop lone surrogates").
@pytest.mark.parametrize("query", ["زززز\udc80", "كلمةغريبة\ud800", "سوريا زززز\udc80", "الدفاغ\udc80"])
def test_unknown_word_with_a_lone_surrogate_gives_a_result_or_a_query_error(sample_index, query):
    search_or_query_error(sample_index, query)


# Found by hypothesis: a run of alefs collapsed one pair per pass.
def test_normalize_of_repeated_alef_madda_is_idempotent():
    from search.arabic import normalize

    assert normalize(normalize("آآآ")) == normalize("آآآ")


def test_ten_thousand_characters_are_refused(sample_index):
    with pytest.raises(QueryError) as caught:
        sample_index.search("ب" * 10_000)
    assert caught.value.code == "query_too_long"
    with pytest.raises(QueryError) as caught:
        sample_index.search("سوريا " * 2_000)
    assert caught.value.code == "query_too_long"


def test_thousands_of_terms_are_refused(sample_index):
    for query in (" ".join(["سوريا"] * 3000), " OR ".join(["روسيا"] * 3000)):
        with pytest.raises(QueryError) as caught:
            sample_index.search(query)
        assert caught.value.code == "query_too_long"
    for query in (" ".join(f"ب{n}" for n in range(200)), " OR ".join(["روسيا"] * 100), "بي* " * 100):
        assert len(query) <= 1000
        with pytest.raises(QueryError) as caught:
            sample_index.search(query)
        assert caught.value.code == "too_many_words"


@pytest.fixture(scope="module")
def big_lexicon(tmp_path_factory):
    """An index whose vocabulary has thousands of words under one two-letter prefix."""
    corpus = tmp_path_factory.mktemp("lexicon")
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    words = [f"كت{a}{b}{c}" for a in letters for b in letters for c in letters[:5]]  # 3920 words
    for number in range(0, len(words), 400):
        (corpus / f"words{number:05d}.txt").write_text(
            "\n".join(" ".join(words[i:i + 20]) for i in range(number, number + 400, 20)) + "\n",
            encoding="utf-8")
    return Index.build(corpus, tmp_path_factory.mktemp("lexicon-index") / "index")


def test_prefix_over_a_huge_vocabulary_is_refused(big_lexicon):
    with pytest.raises(QueryError) as caught:
        big_lexicon.search("كت*")
    assert caught.value.code == "prefix_too_many"


def test_long_or_list_of_prefixes_is_refused_or_answered(big_lexicon):
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    many = " OR ".join(f"كت{a}{b}*" for a in letters[:8] for b in letters[:8])  # 64 prefixes
    result = search_or_query_error(big_lexicon, many)
    assert result is None or result.total > 0
    assert search_or_query_error(big_lexicon, " ".join(["كتاب*"] * 64)) is None or True


def test_autocomplete_over_a_huge_vocabulary_is_bounded(big_lexicon):
    assert len(big_lexicon.complete("كت", limit=8)) <= 8
    assert len(big_lexicon.complete("ك", limit=8)) <= 8


# -- web parameters -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(sample_index):
    return create_app({"TESTING": True, "INDEX_DIR": str(sample_index.index_dir)}).test_client()


# A URL cannot carry a lone surrogate (the test client could not even encode one): in a
# parameter it arrives as U+FFFD. Raw invalid bytes have their own test below.
url_text = query_text.map(lambda text: text.encode("utf-8", "replace").decode("utf-8"))
param_text = st.one_of(
    url_text,
    st.sampled_from(["", "0", "-1", "1", "5", "01", "1e3", "١", "²", "9" * 40, " 2", "2 ", "0x10",
                     "NaN", "inf", "true", "[]", "%00", "\x00"]),
)
ROUTES = ("/", "/api/search", "/api/suggest")


def assert_clean(response, path):
    body = response.get_data(as_text=True)
    # 308: Werkzeug's redirect of "//" to "/" in a path, e.g. /doc//x.
    allowed = (200, 308, 400, 404) if path == "/doc/" else (200, 400, 404)
    assert response.status_code in allowed, (path, response.status_code, body[:300])
    assert "Traceback" not in body and 'File "' not in body
    if path.startswith("/api/"):
        data = response.get_json()
        assert data["ok"] is (response.status_code == 200)
        if response.status_code != 200:
            assert data["error"] and data["status"] == response.status_code
    else:
        assert response.content_type.startswith("text/html")


@FUZZ
@given(st.sampled_from(ROUTES), st.dictionaries(
    st.sampled_from(["q", "page", "per_page", "source", "other", "q[]", ""]), param_text, max_size=4))
def test_web_parameters_never_give_500(client, route, params):
    response = client.get(route, query_string=params)
    assert_clean(response, route)


@FUZZ
@given(st.sampled_from(ROUTES), st.binary(max_size=300))
def test_raw_query_strings_never_give_500(client, route, raw):
    # Bytes straight into the query string: bad percent-escapes, invalid UTF-8, NUL, '+'.
    response = client.get(route, environ_overrides={"QUERY_STRING": raw.decode("latin-1")})
    assert_clean(response, route)


@FEW
@given(st.lists(param_text, min_size=1, max_size=120))
def test_many_source_filters_never_give_500(client, sources):
    response = client.get("/api/search", query_string=[("q", "سوريا")] + [("source", s) for s in sources])
    assert_clean(response, "/api/search")


@FUZZ
@given(hostile_text, url_text)
def test_document_view_never_gives_500(client, source, query):
    path = "/doc/" + quote(source, safe="/", errors="surrogatepass")  # lone surrogates: bad UTF-8
    response = client.get(path, query_string={"q": query})
    assert_clean(response, "/doc/")
