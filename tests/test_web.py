"""The web site through Flask's test client: routes, errors, JSON, facets, paging, escaping."""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from markupsafe import escape

from search import FacetCount, Index, QueryError, messages
from web import create_app, settings, views

ROOT = Path(__file__).resolve().parent.parent
QUERY = "الدفاع الروسية"
MANY = "سوريا"  # more than one page of passages in the sample corpus
ARABIC_LETTER = re.compile("[\u0621-\u064a]")
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: would flip the text after it if not isolated
SCRIPT = '<script>alert("x")</script>'
IMG = '"><img src=x onerror=alert(2)>'
HOSTILE_FILE = "<img src=x onerror=alert(1)>.txt"
API_KEYS = ["ok", "query", "total", "page", "per_page", "hits", "facets", "facet_totals",
            "suggestion", "took_ms", "normalized_query", "match", "suggestion_partial",
            "sort", "collapsed_total", "exact", "by"]
HIT_KEYS = ["id", "source", "passage", "score", "snippet", "text", "step", "missing",
            "more_in_source", "matches", "commentary"]
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


@pytest.fixture(scope="module")
def app(sample_index):
    return create_app({"TESTING": True, "INDEX_DIR": str(sample_index.index_dir)})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory):
    """A corpus whose file name, title and text try to inject markup and flip the text."""
    corpus = tmp_path_factory.mktemp("hostile-corpus")
    (corpus / HOSTILE_FILE).write_text(
        f"{SCRIPT} عنوان\n\n"
        f"نص عن الدفاع {IMG} ثم {RLO}الدفاع مقلوب{RLO} وبعده {SCRIPT} الدفاع.\n",
        encoding="utf-8",
    )
    (corpus / "plain.txt").write_text("الدفاع عن النص العادي.\n", encoding="utf-8")
    return Index.build(corpus, tmp_path_factory.mktemp("hostile") / "index")


@pytest.fixture
def hostile(hostile_index):
    return create_app({"TESTING": True, "INDEX_DIR": str(hostile_index.index_dir)}).test_client()


def api(client, query_string) -> tuple[int, dict]:
    response = client.get("/api/search", query_string=query_string)
    assert response.content_type == "application/json"
    return response.status_code, response.get_json()


def links(html: str, css_class: str) -> list[str]:
    """hrefs of the <a> elements with ``css_class`` (attribute order as our templates write it)."""
    pattern = rf'<a class="[^"]*\b{css_class}\b[^"]*"[^>]*href="([^"]*)"'
    return [unescape(href) for href in re.findall(pattern, html)]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# -- pages ------------------------------------------------------------------------------


def test_home_page_is_arabic_right_to_left_with_examples(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in html
    assert 'class="skip-link" href="#main"' in html
    assert '<label for="q"' in html
    (examples,) = re.findall(r'<ul class="examples">(.*?)</ul>', html, re.S)
    hrefs = [unescape(h) for h in re.findall(r'href="([^"]*)"', examples)]
    assert [query_of(h)["q"] for h in hrefs] == [[e] for e in views.EXAMPLE_QUERIES]
    assert "/static/search.js" in html and "/static/style.css" in html


def test_every_example_query_finds_something(sample_index):
    for example in views.EXAMPLE_QUERIES:
        assert sample_index.search(example).total > 0, example


def test_search_page_shows_hits_with_marks_total_and_time(client, sample_index):
    html = client.get("/", query_string={"q": QUERY}).get_data(as_text=True)
    result = sample_index.search(QUERY)
    assert f'<span class="total">{result.total}</span>' in html
    assert f'value="{QUERY}"' in html  # the box keeps the query
    assert "زمن البحث" in html
    assert html.count('<li class="hit"') == len(result.hits)
    assert html.count('<p class="snippet"><bdi>') == len(result.hits)
    assert "<mark>" in html
    for hit in result.hits:
        assert f"/doc/{hit.source}?q=" in html
        assert f"#p-{hit.passage}" in html


def test_templates_trust_html_in_exactly_one_place():
    text = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "templates").glob("*.html"))
    assert text.count("|safe") == 1
    assert "marks_only|safe" in text


def test_pages_have_no_inline_script_or_style(client):
    for url in ("/", f"/?q={QUERY}", "/doc/000_ac94255f7615738d.txt", "/nowhere", "/?page=0&q=x"):
        html = client.get(url).get_data(as_text=True)
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
        assert re.findall(r"\s(on\w+|style)=", html) == []


def test_no_query_shows_intro_not_error(client):
    response = client.get("/", query_string={"q": "   "})
    assert response.status_code == 200
    assert 'class="intro"' in response.get_data(as_text=True)


def test_no_results_shows_tips(client):
    html = client.get("/", query_string={"q": "زززززق"}).get_data(as_text=True)
    assert 'class="notice empty"' in html
    assert "تأكّد من الإملاء" in html


def test_did_you_mean_links_to_the_suggestion(client, sample_index):
    suggestion = sample_index.search("الدفاغ", match="all").suggestion
    assert suggestion
    html = client.get("/", query_string={"q": "الدفاغ", "match": "all"}).get_data(as_text=True)
    (href,) = re.findall(r'<p class="suggestion">هل تقصد: <a href="([^"]*)"', html)
    assert query_of(unescape(href)) == {"q": [suggestion], "match": ["all"]}
    body = client.get("/api/search", query_string={"q": "الدفاغ", "match": "all"}).get_json()
    assert body["suggestion"] == suggestion
    relaxed = client.get("/", query_string={"q": "الدفاغ"}).get_data(as_text=True)
    assert 'class="suggestion corrected"' in relaxed  # searched on the correction


# -- JSON -------------------------------------------------------------------------------


def test_api_returns_exactly_the_library_result(client, sample_index):
    response = client.get("/api/search", query_string={"q": QUERY, "per_page": 3})
    body = response.get_json()
    expected = sample_index.search(QUERY, per_page=3).to_dict()
    assert list(body) == API_KEYS
    assert [list(hit) for hit in body["hits"]] == [HIT_KEYS] * len(body["hits"])
    assert list(body["facets"]) == ["source", "folder"]
    assert all(list(f) in (["value", "count"], ["value", "count", "label"]) for f in body["facets"]["source"])
    body.pop("took_ms"), expected.pop("took_ms")
    assert body == expected


def test_api_writes_arabic_letters_not_escapes(client):
    raw = client.get("/api/search", query_string={"q": QUERY}).data
    assert QUERY.encode("utf-8") in raw
    assert b"\\u06" not in raw


def test_api_page_past_the_end_is_empty_with_that_page(client):
    status, body = api(client, {"q": QUERY, "page": 99})
    assert status == 200
    assert (body["page"], body["hits"], body["total"] > 0) == (99, [], True)


def test_page_past_the_end_offers_the_first_page(client):
    html = client.get("/", query_string={"q": QUERY, "page": 99}).get_data(as_text=True)
    assert "لا نتائج في الصفحة 99" in html
    assert 'rel="next"' not in html


@pytest.mark.parametrize(
    ("params", "code", "values"),
    [
        ({}, "q_required", {}),
        ({"q": ""}, "q_required", {}),
        ({"q": "  "}, "q_required", {}),
        ({"q": "x" * 501}, "q_too_long", {"limit": 500}),
        ({"q": QUERY, "page": "0"}, "not_positive_int", {"name": "page"}),
        ({"q": QUERY, "page": "-1"}, "not_positive_int", {"name": "page"}),
        ({"q": QUERY, "page": "abc"}, "not_positive_int", {"name": "page"}),
        ({"q": QUERY, "page": "1.5"}, "not_positive_int", {"name": "page"}),
        ({"q": QUERY, "page": "٢"}, "not_positive_int", {"name": "page"}),
        ({"q": QUERY, "per_page": "0"}, "not_positive_int", {"name": "per_page"}),
        ({"q": QUERY, "per_page": "51"}, "per_page_too_large", {"limit": 50}),
        ({"q": QUERY, "source": "nope.txt"}, "unknown_source", {"source": "nope.txt"}),
    ],
)
def test_api_bad_input_is_400_with_code_and_arabic_message(client, params, code, values):
    message = messages.arabic(code, **values)
    assert api(client, params) == (
        400, {"ok": False, "error": message, "code": code, "status": 400}
    )
    assert ARABIC_LETTER.search(message)


def test_api_malformed_query_gives_the_library_message(client, sample_index):
    with pytest.raises(QueryError) as error:
        sample_index.search('سوريا -')
    assert api(client, {"q": 'سوريا -'}) == (
        400, {"ok": False, "error": str(error.value), "code": "minus_needs_word", "status": 400}
    )
    assert ARABIC_LETTER.search(str(error.value))


def test_html_bad_input_shows_the_message_in_place(client):
    response = client.get("/", query_string={"q": "حرب", "per_page": "500"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert str(escape(messages.arabic("per_page_too_large", limit=50))) in html
    assert 'value="حرب"' in html  # the box keeps the query to correct it
    assert 'class="notice error" role="alert"' in html


def test_api_error_on_unknown_route_is_json(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404
    assert response.get_json()["ok"] is False


def test_unknown_page_is_an_html_404(client):
    response = client.get("/nothing/here")
    assert response.status_code == 404
    assert "الصفحة غير موجودة" in response.get_data(as_text=True)


def test_post_is_refused_with_allow_header(client):
    response = client.post("/api/search", data={"q": "x"})
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_unexpected_error_is_logged_never_shown(client, monkeypatch, caplog):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(Index, "search", explode)
    for url in (f"/?q={QUERY}", f"/api/search?q={QUERY}"):
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert response.status_code == 500
        assert "secret internal detail" not in body and "Traceback" not in body
        assert messages.arabic("internal") in body or "حدث خطأ من جهتنا" in body
    assert "secret internal detail" in caplog.text


# -- missing index, refresh -------------------------------------------------------------


def test_missing_index_is_503_saying_what_to_run(tmp_path):
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "none")}).test_client()
    page = client.get("/", query_string={"q": QUERY})
    assert page.status_code == 503
    assert "arabic-search index" in page.get_data(as_text=True)
    assert "لم يُبنَ فهرس البحث بعد" in page.get_data(as_text=True)
    status, body = api(client, {"q": QUERY})
    assert status == 503 and body["ok"] is False and "arabic-search index" in body["error"]
    assert body["code"] == "index_missing"
    assert client.get("/").status_code == 200  # the intro needs no index


def test_rebuilt_index_is_picked_up_without_restart(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir(), second.mkdir()
    (first / "a.txt").write_text("الدفاع في الملف الأول\n", encoding="utf-8")
    (second / "b.txt").write_text("الدفاع في الملف الثاني\n", encoding="utf-8")
    Index.build(first, tmp_path / "index")
    client = create_app(
        {"TESTING": True, "INDEX_DIR": str(tmp_path / "index"), "REFRESH_INTERVAL": 0}
    ).test_client()
    assert [h["source"] for h in api(client, {"q": "الدفاع"})[1]["hits"]] == ["a.txt"]
    Index.build(second, tmp_path / "index")
    assert [h["source"] for h in api(client, {"q": "الدفاع"})[1]["hits"]] == ["b.txt"]


# -- facets and paging ------------------------------------------------------------------


def test_facet_click_adds_and_removes_a_source(client, sample_index):
    result = sample_index.search(QUERY)
    params = {"q": QUERY, "per_page": 5, "page": 2}
    html = client.get("/", query_string=params).get_data(as_text=True)
    toggles = links(html, "facet")
    assert len(toggles) == len(result.facets)
    first, second = result.facets[0].value, result.facets[1].value
    add = query_of(toggles[0])
    assert add == {"q": [QUERY], "source": [first], "per_page": ["5"]}  # page reset to 1

    html = client.get(toggles[0]).get_data(as_text=True)
    assert f'<span class="total">{result.facets[0].count}</span>' in html
    assert 'aria-current="true"' in html
    toggles = links(html, "facet")
    assert query_of(toggles[1])["source"] == [first, second]  # a second file joins
    assert "source" not in query_of(toggles[0])  # the selected one leaves
    (clear,) = re.findall(r'<p class="facet-clear"><a href="([^"]*)"', html)
    assert query_of(unescape(clear)) == {"q": [QUERY], "per_page": ["5"]}


def test_totals_follow_the_filter_and_equal_selected_counts(client, sample_index):
    facets = {f.value: f.count for f in sample_index.search(QUERY).facets}
    chosen = sorted(facets)[:2]
    status, body = api(client, {"q": QUERY, "source": chosen})
    assert status == 200
    assert body["total"] == sum(facets[s] for s in chosen)
    assert {h["source"] for h in body["hits"]} <= set(chosen)
    assert {f["value"]: f["count"] for f in body["facets"]["source"]} == facets  # unfiltered


def test_facet_links_are_plain_data(app):
    args = views.SearchArgs(QUERY, page=3, per_page=10, sources=("b.txt",))

    class Result:
        facets = (FacetCount("a.txt", 4), FacetCount("b.txt", 2, True))

    with app.test_request_context("/"):
        facets = views.facet_links(args, Result)
    assert [(f.value, f.count, f.selected) for f in facets] == [
        ("a.txt", 4, False), ("b.txt", 2, True)
    ]
    assert query_of(facets[0].toggle_url) == {"q": [QUERY], "source": ["b.txt", "a.txt"]}
    assert query_of(facets[1].toggle_url) == {"q": [QUERY]}


def test_selected_source_without_matches_stays_removable(app):
    args = views.SearchArgs(QUERY, sources=("quiet.txt",))

    class Result:
        facets = (FacetCount("a.txt", 4),)

    with app.test_request_context("/"):
        facets = views.facet_links(args, Result)
    assert [(f.value, f.count, f.selected) for f in facets] == [
        ("a.txt", 4, False), ("quiet.txt", 0, True)
    ]


@pytest.mark.parametrize(
    ("page", "pages", "numbers"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (4, 7, [1, 2, 3, 4, 5, 6, 7]),
        (10, 20, [1, None, 8, 9, 10, 11, 12, None, 20]),
        (1, 20, [1, 2, 3, None, 20]),
        (25, 20, [1, None, 20]),
    ],
)
def test_page_numbers_window(app, page, pages, numbers):
    with app.test_request_context("/"):
        found = views.page_links(views.SearchArgs("x", page=page), pages)
    assert [link.number for link in found] == numbers
    assert [link.number for link in found if link.current] == ([page] if page <= pages else [])


def test_page_links_keep_query_sources_and_per_page(client, sample_index):
    source = sample_index.search(MANY).facets[0].value
    params = {"q": MANY, "source": source, "per_page": 3, "page": 2}
    html = client.get("/", query_string=params).get_data(as_text=True)
    prev_url, next_url = links(html, "prev")[0], links(html, "next")[0]
    assert query_of(prev_url) == {"q": [MANY], "source": [source], "per_page": ["3"]}
    assert query_of(next_url) == {"q": [MANY], "source": [source], "per_page": ["3"], "page": ["3"]}
    assert 'aria-current="page" class="current">2<' in html
    # The search form carries the filter along to the next query.
    assert f'<input type="hidden" name="source" value="{source}">' in html


# -- document view ----------------------------------------------------------------------


def test_document_view_marks_query_words_and_numbers_passages(client, sample_index):
    hit = sample_index.search(QUERY).hits[0]
    response = client.get(f"/doc/{hit.source}", query_string={"q": QUERY})
    html = response.get_data(as_text=True)
    document = sample_index.document(hit.source)
    assert response.status_code == 200
    assert html.count(' id="p-') == len(document.passages)
    assert f'id="p-{hit.passage}"' in html
    assert "<mark>" in html


def test_hit_links_to_its_passage_in_the_document(client):
    html = client.get("/", query_string={"q": QUERY}).get_data(as_text=True)
    href = unescape(re.findall(r'<h2 class="hit-title">\s*<a href="([^"]*)"', html)[0])
    assert urlsplit(href).fragment.startswith("p-")
    document = client.get(href).get_data(as_text=True)
    assert f'id="{urlsplit(href).fragment}"' in document


def test_document_without_query_has_no_marks(client):
    html = client.get("/doc/000_ac94255f7615738d.txt").get_data(as_text=True)
    assert "<mark>" not in html
    assert 'id="p-1"' in html


def test_unknown_document_is_404(client):
    for url in ("/doc/nope.txt", "/doc/../setup.cfg", "/doc/%2e%2e/setup.cfg"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "[metadata]" not in response.get_data(as_text=True)


# -- autocomplete -----------------------------------------------------------------------


def test_suggest_completes_the_last_word(client, sample_index):
    body = client.get("/api/suggest", query_string={"q": "وزارة الدف"}).get_json()
    assert body == {"ok": True, "query": "وزارة الدف",
                    "suggestions": sample_index.complete("وزارة الدف", limit=8)}
    assert "الدفاع" in body["suggestions"]


def test_suggest_empty_and_too_long(client):
    assert client.get("/api/suggest").get_json() == {"ok": True, "query": "", "suggestions": []}
    response = client.get("/api/suggest", query_string={"q": "ب" * 501})
    assert response.status_code == 400
    assert response.get_json()["code"] == "q_too_long"
    assert response.get_json()["error"] == messages.arabic("q_too_long", limit=500)


# -- headers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/", f"/?q={QUERY}", "/?q=x&page=0", f"/api/search?q={QUERY}", "/api/search",
     "/api/suggest?q=ال", "/doc/000_ac94255f7615738d.txt", "/doc/nope", "/static/style.css"],
)
def test_security_headers_on_every_response(client, url):
    with client.get(url) as response:  # closes the static file
        for name, value in HEADERS.items():
            assert response.headers[name] == value, name


def test_security_headers_on_503(tmp_path):
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path)}).test_client()
    response = client.get(f"/api/search?q={QUERY}")
    assert response.status_code == 503
    assert response.headers["Content-Security-Policy"] == HEADERS["Content-Security-Policy"]


# -- hostile text -----------------------------------------------------------------------


class _Isolation(HTMLParser):
    """Collects text holding ``RLO`` that is not inside a <bdi> (nor <title>, <option>)."""

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.loose: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in {"meta", "link", "input", "br", "img"}:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if RLO in data and not {"bdi", "title"} & set(self.stack):
            self.loose.append(data)


def assert_inert(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "onerror=alert(1)>" not in html.replace("onerror=alert(1)&gt;", "")
    parser = _Isolation()
    parser.feed(html)
    assert parser.loose == [], "bidi override outside <bdi>"


def test_hostile_text_is_escaped_in_results(hostile):
    html = hostile.get("/", query_string={"q": "الدفاع"}).get_data(as_text=True)
    assert_inert(html)
    assert "&lt;script&gt;alert" in html  # title and snippet, shown as text
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in html  # file name, facet label
    assert html.count('<bdi class="file">&lt;img src=x onerror=alert(1)&gt;.txt</bdi>') >= 1
    assert RLO in html


def test_hostile_text_is_escaped_in_the_document_view(hostile):
    html = hostile.get("/", query_string={"q": "الدفاع"}).get_data(as_text=True)
    href = next(unescape(h) for h in re.findall(r'<h2 class="hit-title">\s*<a href="([^"]*)"', html)
                if "onerror" in unescape(h))
    response = hostile.get(href)
    assert response.status_code == 200
    assert_inert(response.get_data(as_text=True))


def test_hostile_query_and_source_are_escaped(hostile):
    for params in (
        {"q": f"{SCRIPT} {IMG} {RLO}الدفاع"},
        {"q": "الدفاع", "source": f"{IMG}.txt"},  # unknown source: message in place
        {"q": "الدفاع", "source": HOSTILE_FILE},
        {"q": IMG, "page": "0"},
    ):
        html = hostile.get("/", query_string=params).get_data(as_text=True)
        assert_inert(html)
    html = hostile.get("/doc/" + IMG).get_data(as_text=True)
    assert_inert(html)


def test_marks_only_escapes_anything_but_mark(app):
    with app.app_context():
        assert views.marks_only("a <mark>b</mark> &lt;c&gt;") == "a <mark>b</mark> &lt;c&gt;"
        assert views.marks_only('<mark onclick="x">b</mark>') == (
            "&lt;mark onclick=&#34;x&#34;&gt;b&lt;/mark&gt;"
        )
        assert "<img" not in views.marks_only("<mark>a</mark><img src=x>")


# -- settings and server ----------------------------------------------------------------


def test_settings_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv(settings.INDEX_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    app = create_app()
    assert app.config["INDEX_DIR"] == str(tmp_path / "instance" / "index")  # the CLI's default
    limits = ("PER_PAGE", "MAX_PER_PAGE", "MAX_QUERY_LENGTH")
    assert [app.config[key] for key in limits] == [10, 50, 500]
    assert app.debug is False
    assert app.json.ensure_ascii is False
    assert app.config["MAX_CONTENT_LENGTH"] <= 64 * 1024
    assert Path(app.template_folder) == ROOT / "templates"


def test_environment_and_instance_config_override(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "config.py").write_text("PER_PAGE = 7\nMAX_PER_PAGE = 30\n")
    monkeypatch.setenv("ARABIC_SEARCH_INDEX", "/srv/index")
    monkeypatch.setenv("ARABIC_SEARCH_MAX_PER_PAGE", "40")
    app = create_app({"SUGGEST_LIMIT": 3})
    assert app.config["INDEX_DIR"] == "/srv/index"
    keys = ("PER_PAGE", "MAX_PER_PAGE", "SUGGEST_LIMIT")
    assert [app.config[key] for key in keys] == [7, 40, 3]  # file, environment, test_config


def test_bad_environment_value_names_the_variable():
    with pytest.raises(ValueError, match="ARABIC_SEARCH_PER_PAGE must be a number"):
        settings.from_environ({"ARABIC_SEARCH_PER_PAGE": "many"})


def test_server_binds_a_free_port_with_waitress(sample_index):
    from web.server import make_server

    server = make_server(port=0, index_dir=sample_index.index_dir, threads=2)
    try:
        assert int(server.effective_port) > 0  # waitress reports it as a string
        assert type(server).__module__.startswith("waitress")
    finally:
        server.close()


def test_api_json_is_valid_utf8_json(client):
    raw = client.get("/api/search", query_string={"q": MANY}).data.decode("utf-8")
    assert json.loads(raw)["ok"] is True



def test_serve_warms_the_flask_app_before_the_first_request(sample_index, monkeypatch):
    from flask import Flask

    from web import server

    warmed = []
    monkeypatch.setattr(server, "warm", warmed.append)
    monkeypatch.setattr(server, "make_server", lambda *a, app, **k: _Stopped())
    server.serve(index_dir=sample_index.index_dir, port=0)
    assert len(warmed) == 1 and isinstance(warmed[0], Flask)


def test_warm_opens_the_index_and_its_engine(sample_index):
    from web import create_app, get_index, server

    app = create_app({"INDEX_DIR": str(sample_index.index_dir), "TESTING": True})
    server.warm(app)
    with app.app_context():
        assert get_index().engine.columns.live.any()


class _Stopped:
    effective_host, effective_port = "127.0.0.1", 0

    def run(self):
        pass

    def close(self):
        pass


def test_many_files_show_the_top_facets_and_how_many_more(tmp_path):
    from search import Index
    from search.index import FACET_LIMIT
    from tests.conftest import write_corpus

    files = {f"f{n:03d}.txt": "سوريا" for n in range(FACET_LIMIT + 3)}
    Index.build(write_corpus(tmp_path / "corpus", files), tmp_path / "index")
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index")}).test_client()
    page = client.get("/?q=سوريا").get_data(as_text=True)
    assert page.count('class="facet"') == FACET_LIMIT
    assert "و3 ملفات أخرى فيها نتائج" in page
    data = client.get("/api/search?q=سوريا").get_json()
    assert len(data["facets"]["source"]) == FACET_LIMIT
    assert data["facet_totals"] == {"source": FACET_LIMIT + 3, "folder": 1}


# -- results people can use -------------------------------------------------------------


@pytest.fixture(scope="module")
def untitled(tmp_path_factory):
    """A file whose first line is too long to be a title, under a hash-like name."""
    corpus = tmp_path_factory.mktemp("untitled-corpus")
    long_line = " ".join(["كلمة"] * 20) + " الدفاع عن المدينة في الليل والنهار."
    (corpus / "9f3a2b7c.txt").write_text(long_line + "\n", encoding="utf-8")
    (corpus / "titled.txt").write_text("عنوان الخبر\n\nنص عن الدفاع.\n", encoding="utf-8")
    index = Index.build(corpus, tmp_path_factory.mktemp("untitled") / "index")
    return create_app({"TESTING": True, "INDEX_DIR": str(index.index_dir)}).test_client()


def hit_titles(html: str) -> list[str]:
    return [unescape(t) for t in re.findall(r'<h2 class="hit-title">\s*<a href="[^"]*"><bdi>([^<]*)</bdi>', html)]


def test_hits_are_headed_by_title_or_first_words_never_the_file_name(untitled):
    html = untitled.get("/", query_string={"q": "الدفاع"}).get_data(as_text=True)
    titles = hit_titles(html)
    assert "عنوان الخبر" in titles
    assert "كلمة كلمة كلمة كلمة كلمة كلمة كلمة كلمة…" in titles
    assert not any("9f3a2b7c" in t for t in titles)


def test_facets_show_a_file_title_when_known(untitled):
    html = untitled.get("/", query_string={"q": "الدفاع"}).get_data(as_text=True)
    assert '<bdi class="facet-label">عنوان الخبر</bdi>' in html
    assert '<bdi class="file">9f3a2b7c.txt</bdi>' in html  # no title: its name


def test_facet_label_from_the_library_wins(app):
    class Result:
        facets = (FacetCount("a.txt", 4, label="عنوان من المكتبة"),)

    with app.test_request_context("/"):
        (facet,) = views.facet_links(views.SearchArgs(QUERY), Result, {"a.txt": "من الصفحة"})
    assert facet.label == "عنوان من المكتبة"


def test_per_page_choice_keeps_query_and_filters(client, sample_index):
    source = sample_index.search(MANY).facets[0].value
    html = client.get("/", query_string={"q": MANY, "source": source}).get_data(as_text=True)
    (form,) = re.findall(r'<form class="per-page-form".*?</form>', html, re.S)
    assert f'name="q" value="{MANY}"' in form and f'name="source" value="{source}"' in form
    assert re.findall(r'<option value="(\d+)"', form) == ["10", "20", "50"]
    body = client.get("/api/search", query_string={"q": MANY, "per_page": 20}).get_json()
    assert body["per_page"] == 20


def test_every_form_of_the_results_page_keeps_the_whole_search(client, sample_index):
    state = {"q": MANY, "match": "all", "sort": "order", "collapse": "1", "per_page": 20,
             "exact": "hamza", "by": "root"}
    html = client.get("/", query_string=state).get_data(as_text=True)
    for form, sets in (("exact-form", {"exact"}), ("within-form", set()),
                       ("per-page-form", {"per_page"}), ("sort-form", {"sort", "collapse"}),
                       ("match-form", {"match"})):
        (found,) = re.findall(rf'<form class="{form}".*?</form>', html, re.S)
        kept = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', found))
        assert kept == {name: str(value) for name, value in state.items()
                        if name not in sets}, form


def test_search_within_results_adds_words_to_the_query(client, sample_index):
    source = sample_index.search(MANY).facets[0].value
    response = client.get("/", query_string={"q": MANY, "within": "روسيا", "source": source,
                                              "per_page": 20, "page": 3})
    assert response.status_code == 303
    assert query_of(response.headers["Location"]) == {
        "q": [f"{MANY} روسيا"], "source": [source], "per_page": ["20"], "match": ["all"]}
    html = client.get("/", query_string={"q": MANY}).get_data(as_text=True)
    assert 'name="within"' in html and '<label for="within">' in html


def test_export_csv_has_every_result_with_titles(client, sample_index):
    result = sample_index.search(MANY, per_page=1000)
    response = client.get("/export.csv", query_string={"q": MANY, "page": 2, "per_page": 3})
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffrank,source,passage,title,label,score,text")
    import csv

    rows = list(csv.DictReader(text.lstrip("\ufeff").splitlines()))
    assert len(rows) == result.total  # every result, not one page
    assert [(r["source"], int(r["passage"])) for r in rows] == [
        (h.source, h.passage) for h in result.hits]


def test_export_json_is_limited_and_errors_are_json(app, sample_index):
    client = create_app({"TESTING": True, "INDEX_DIR": str(sample_index.index_dir),
                         "EXPORT_LIMIT": 3}).test_client()
    body = client.get("/export.json", query_string={"q": MANY}).get_json()
    assert (body["ok"], body["exported"], body["limit"], len(body["hits"])) == (True, 3, 3, 3)
    assert body["total"] > 3 and set(body["hits"][0]) == set(views.EXPORT_FIELDS)
    response = client.get("/export.json", query_string={"q": 'غير -'})
    assert response.status_code == 400 and response.get_json()["code"] == "minus_needs_word"


def test_results_page_links_to_both_exports(client):
    html = client.get("/", query_string={"q": QUERY, "page": 2}).get_data(as_text=True)
    for fmt in ("csv", "json"):
        (href,) = [unescape(h) for h in re.findall(rf'href="(/export\.{fmt}[^"]*)"', html)]
        assert query_of(href) == {"q": [QUERY]}


def test_help_page_shows_every_operator_with_a_working_example(client, sample_index):
    html = client.get("/help").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    examples = [unescape(h) for h in re.findall(r'<a class="example" href="([^"]*)"', html)]
    assert [query_of(h)["q"][0] for h in examples] == [e for e, _ in views.OPERATORS]
    for example, _ in views.OPERATORS:
        assert sample_index.search(example).total > 0, example
    syntax = " ".join(e for e, _ in views.OPERATORS)
    for operator in ('"', " -", " OR ", "*"):
        assert operator in syntax


def test_home_page_autofocuses_the_box_results_page_does_not(client):
    assert "autofocus" in client.get("/").get_data(as_text=True)
    assert "autofocus" not in client.get("/", query_string={"q": QUERY}).get_data(as_text=True)


def test_facets_fold_behind_a_summary(client):
    html = client.get("/", query_string={"q": QUERY}).get_data(as_text=True)
    assert '<details class="facets-fold" open>' in html and "<summary" in html


# -- document view ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_doc(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("long-corpus")
    # Paragraphs long enough to be one passage each (short ones join their neighbours).
    filler = " ".join(["وصف طويل للحال"] * 30)
    paragraphs = [f"فقرة رقم {n} عن {'الدفاع' if n % 4 == 0 else 'الطقس'} {filler}."
                  for n in range(1, 31)]
    (corpus / "long.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    index = Index.build(corpus, tmp_path_factory.mktemp("long") / "index")
    app = create_app({"TESTING": True, "INDEX_DIR": str(index.index_dir), "DOCUMENT_WINDOW": 10})
    return app.test_client()


def numbers_shown(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<section class="passage[^"]*" id="p-(\d+)"', html)]


def test_document_is_paged_around_the_passage_asked_for(long_doc):
    html = long_doc.get("/doc/long.txt", query_string={"passage": 15}).get_data(as_text=True)
    assert numbers_shown(html) == list(range(11, 21))
    (prev,) = [unescape(h) for h in re.findall(r'class="window-prev" href="([^"]*)"', html)]
    (after,) = [unescape(h) for h in re.findall(r'class="window-next" href="([^"]*)"', html)]
    assert query_of(prev)["passage"] == ["10"] and urlsplit(prev).fragment == "p-10"
    assert query_of(after)["passage"] == ["21"]
    first = long_doc.get("/doc/long.txt").get_data(as_text=True)
    assert numbers_shown(first) == list(range(1, 11)) and "window-prev" not in first
    assert "عدد المقاطع: <bdi>30</bdi>" in first


def test_library_document_window(sample_index):
    source = sample_index.sources()[-1]
    whole = sample_index.document(source)
    part = sample_index.document(source, around=12, window=5)
    assert (part.first, part.total) == (11, len(whole.passages))
    assert [p.number for p in part.passages] == [11, 12, 13, 14, 15]
    assert part.title == whole.title


def test_document_passage_past_the_end_is_an_arabic_404(long_doc):
    response = long_doc.get("/doc/long.txt", query_string={"passage": 99})
    assert response.status_code == 404
    assert 'data-code="passage_not_found"' in response.get_data(as_text=True)


def test_document_moves_between_matches_without_script(long_doc):
    html = long_doc.get("/doc/long.txt", query_string={"q": "الدفاع"}).get_data(as_text=True)
    matches = [int(n) for n in re.findall(r'class="passage match" id="p-(\d+)"', html)]
    assert matches == [4, 8]
    assert 'class="match-next" href="#p-4"' in html and 'class="match-prev" href="#p-8"' in html
    assert 'class="to-next" href="#p-8"' in html and 'class="to-prev" href="#p-4"' in html
    assert html.count('class="copy-link" data-anchor="p-') == 10


def test_back_link_keeps_query_page_and_filters(client, sample_index):
    source = sample_index.search(MANY).facets[0].value
    params = {"q": MANY, "source": source, "per_page": 3, "page": 2}
    html = client.get("/", query_string=params).get_data(as_text=True)
    href = unescape(re.findall(r'<h2 class="hit-title">\s*<a href="([^"]*)"', html)[0])
    assert query_of(href)["passage"] == [urlsplit(href).fragment[2:]]
    document = client.get(href).get_data(as_text=True)
    (back,) = [unescape(h) for h in re.findall(r'<a class="back" href="([^"]*)"', document)]
    assert query_of(back) == {"q": [MANY], "source": [source], "per_page": ["3"], "page": ["2"]}
    assert urlsplit(back).path == "/" and not urlsplit(back).netloc


def test_back_link_cannot_leave_the_site(client):
    html = client.get("/doc/000_ac94255f7615738d.txt",
                      query_string={"back": "q=x&next=//evil.example"}).get_data(as_text=True)
    (back,) = [unescape(h) for h in re.findall(r'<a class="back" href="([^"]*)"', html)]
    assert back == "/?q=x"


def test_unknown_document_says_so_in_arabic(client):
    response = client.get("/doc/nope.txt")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "لا يوجد في الفهرس ملف اسمه" in html and "There is no" not in html


@pytest.mark.parametrize("url", ["/", f"/?q={QUERY}", "/help", "/?q=x&page=0", "/nothing",
                                 "/doc/000_ac94255f7615738d.txt", '/?q="x'])
def test_pages_show_no_english_messages(client, url):
    html = client.get(url).get_data(as_text=True)
    for english, _ in ((e, c) for c, (_, e) in messages.MESSAGES.items() if c != "untranslated"):
        head = english.split("{")[0].strip()
        if len(head) > 12:
            assert head not in html, (url, head)


# -- server manners ---------------------------------------------------------------------


def test_busy_port_is_one_clear_line(sample_index, tmp_path):
    import socket
    import subprocess
    import sys

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "search", "serve", "--port", str(port), "--index",
             str(sample_index.index_dir)],
            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == f"Error: port {port} on 127.0.0.1 is in use: stop what uses it or choose another with --port"
    assert "Traceback" not in done.stdout + done.stderr


def test_missing_index_warns_at_start(tmp_path):
    from web.server import check_index

    warning = check_index(tmp_path / "none")
    assert warning.startswith("warning: no index in") and "503" in warning
    assert "\n" not in warning


def test_access_log_has_one_line_per_request(sample_index, caplog):
    import logging

    from werkzeug.test import Client

    from web.server import ACCESS_LOG, AccessLog

    app = create_app({"TESTING": True, "INDEX_DIR": str(sample_index.index_dir)})
    with caplog.at_level(logging.INFO, logger=ACCESS_LOG.name):
        Client(AccessLog(app)).get("/api/search", query_string={"q": "سوريا"}).close()
        Client(AccessLog(app)).get("/nothing").close()
    lines = [r.getMessage() for r in caplog.records if r.name == ACCESS_LOG.name]
    assert len(lines) == 2
    assert '"GET /api/search?q=' in lines[0] and '" 200 ' in lines[0]
    assert '"GET /nothing HTTP/1.1" 404' in lines[1]


def test_make_test_waits_for_the_package_manager_lock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "DPkg::Lock::Timeout=600" in makefile
