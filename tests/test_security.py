"""Security: markup from documents, file names and queries stays text everywhere; the
document view reads only the index; request size limits; headers on every route.

``tests/test_web.py`` already checks results, the document view and hostile queries on
the search page; this file covers what it does not: did-you-mean, autocomplete, JSON
errors, page titles, every error status, path tricks, symlinks out of the corpus, and the
real server's limits.
"""

from __future__ import annotations

import http.client
import os
import re
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

from search import Index
from web import create_app
from web.server import WAITRESS_OPTIONS, make_server
from web.views import SECURITY_HEADERS

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
HOSTILE_NAME = "<svg onload=alert(3)>.txt"  # a file name cannot hold "/"
SECRET = "كلمةسريةجدا"  # only in the file outside the corpus
HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options")


@pytest.fixture(scope="module")
def corpus_with_escape_routes(tmp_path_factory):
    """A corpus with hostile text and names, and symlinks pointing outside it."""
    top = tmp_path_factory.mktemp("security")
    corpus, outside = top / "corpus", top / "outside"
    corpus.mkdir(), outside.mkdir()
    (outside / "secret.txt").write_text(f"سر {SECRET}\n", encoding="utf-8")
    (corpus / HOSTILE_NAME).write_text(
        f"{SCRIPT}\n\nالدفاع عن {IMG} المدينة {SCRIPT} الدفاع.\n", encoding="utf-8")
    (corpus / "plain.txt").write_text("الدفاع عن النص العادي والمدينة.\n", encoding="utf-8")
    (corpus / "link-out.txt").symlink_to(outside / "secret.txt")
    (corpus / "dir-out").symlink_to(outside, target_is_directory=True)
    (corpus / "relative-out.txt").symlink_to(Path("..") / "outside" / "secret.txt")
    index = Index.build(corpus, top / "index")
    return corpus, index


@pytest.fixture(scope="module")
def app(corpus_with_escape_routes):
    _, index = corpus_with_escape_routes
    return create_app({"TESTING": True, "INDEX_DIR": str(index.index_dir)})


@pytest.fixture
def client(app):
    return app.test_client()


def assert_no_live_markup(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html and "<svg" not in html
    # Every tag in the page is one of ours: none opened by hostile text.
    # Our only script is an external file from /static/ (the CSP allows nothing else).
    assert all(tag.startswith('<script src="/static/') for tag in re.findall(r"<script[^>]*>", html))
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", html))
    assert tags <= {"html", "head", "meta", "title", "link", "body", "header", "main", "footer",
                    "form", "label", "input", "button", "a", "h1", "h2", "h3", "p", "ul", "ol",
                    "li", "span", "bdi", "mark", "section", "article", "aside", "nav", "div",
                    "strong", "em", "small", "datalist", "option", "time", "abbr", "script",
                    "kbd", "details", "summary", "select", "table", "thead", "tbody", "tr",
                    "th", "td", "code", "fieldset", "legend"}, tags


# -- markup stays text --------------------------------------------------------------------


def test_did_you_mean_keeps_hostile_query_text_inert(client):
    query = f"{SCRIPT} {IMG} الدفاغ"  # a typo of الدفاع, suggested with the rest of the query
    html = client.get("/", query_string={"q": query}).get_data(as_text=True)
    assert_no_live_markup(html)
    body = client.get("/api/search", query_string={"q": query}).get_json()
    if body.get("suggestion"):
        assert "الدفاع" in body["suggestion"]


def test_page_title_and_headings_escape_the_query(client):
    html = client.get("/", query_string={"q": f"{SCRIPT} الدفاع"}).get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "&lt;script&gt;" in title and "<script>" not in title
    assert_no_live_markup(html)


def test_document_title_and_name_are_escaped(client):
    response = client.get("/doc/" + quote(HOSTILE_NAME), query_string={"q": f"الدفاع {IMG}"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_no_live_markup(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_autocomplete_is_json_never_html(client):
    for typed in (f"{SCRIPT} الد", f"{IMG}", "<"):
        response = client.get("/api/suggest", query_string={"q": typed})
        assert response.status_code == 200
        assert response.content_type == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        for word in response.get_json()["suggestions"]:
            assert "<" not in word and ">" not in word  # words are letters, never markup


def test_json_errors_carry_markup_as_plain_json_strings(client):
    for params in ({"q": "الدفاع", "source": SCRIPT}, {"q": f'"{SCRIPT}'}, {"q": "x", "page": SCRIPT}):
        response = client.get("/api/search", query_string=params)
        assert response.status_code == 400
        assert response.content_type == "application/json"
        assert response.get_json()["ok"] is False


def test_html_errors_escape_what_the_user_sent(client):
    for url in ("/doc/" + quote(SCRIPT), "/nowhere/" + quote(IMG), "/?q=" + quote(f'"{SCRIPT}'),
                "/?q=x&source=" + quote(IMG), "/?q=x&per_page=" + quote(SCRIPT)):
        response = client.get(url)
        assert response.status_code in (400, 404), url
        assert response.content_type.startswith("text/html")
        assert_no_live_markup(response.get_data(as_text=True))


def test_snippets_only_ever_hold_mark_tags(client):
    body = client.get("/api/search", query_string={"q": "الدفاع", "per_page": 50}).get_json()
    assert body["hits"]
    for hit in body["hits"]:
        assert set(re.findall(r"</?([a-z]+)", hit["snippet"])) <= {"mark"}
        assert "<script" not in hit["snippet"]


# -- the document view reads the index only ------------------------------------------------


def test_symlinks_out_of_the_corpus_are_never_indexed(corpus_with_escape_routes, client):
    _, index = corpus_with_escape_routes
    assert index.sources() == sorted([HOSTILE_NAME, "plain.txt"])
    assert index.search(SECRET).total == 0
    for name in ("link-out.txt", "dir-out/secret.txt", "relative-out.txt"):
        response = client.get("/doc/" + name)
        assert response.status_code == 404, name
        assert SECRET not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", [
    "/doc/../setup.cfg", "/doc/%2e%2e/setup.cfg", "/doc/%2E%2E%2Fsetup.cfg", "/doc/..%2fsetup.cfg",
    "/doc/%252e%252e%252fsetup.cfg", "/doc/%252e%252e/%252e%252e/etc/passwd", "/doc//etc/passwd",
    "/doc/%2Fetc%2Fpasswd", "/doc/....//....//etc/passwd", "/doc/..\\..\\etc\\passwd",
    "/doc/%5c..%5c..%5cetc%5cpasswd", "/doc/plain.txt/../../setup.cfg", "/doc/plain.txt%00.txt",
    "/doc/%c0%ae%c0%ae/setup.cfg", "/doc/outside/secret.txt", "/doc/../outside/secret.txt",
    "/doc/%2e%2e/outside/secret.txt", "/doc/~/.bashrc", "/doc/file:///etc/passwd",
    "/static/../setup.cfg", "/static/%2e%2e/setup.cfg", "/static/..%2fsetup.cfg",
    "/static/%252e%252e/setup.cfg", "/static//etc/passwd",
])
def test_no_path_reads_outside_the_corpus(client, path):
    response = client.get(path)
    body = response.get_data(as_text=True)
    response.close()
    assert response.status_code in (400, 404, 308), (path, response.status_code)
    assert "[metadata]" not in body and "root:" not in body and SECRET not in body


def test_document_view_shows_the_index_not_the_disk(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("النص المفهرس الأصلي\n", encoding="utf-8")
    index = Index.build(corpus, tmp_path / "index")
    (corpus / "a.txt").write_text("نص جديد لم يفهرس\n", encoding="utf-8")
    (corpus / "b.txt").write_text("ملف لم يفهرس\n", encoding="utf-8")
    client = create_app({"TESTING": True, "INDEX_DIR": str(index.index_dir)}).test_client()
    assert "المفهرس" in client.get("/doc/a.txt").get_data(as_text=True)
    assert client.get("/doc/b.txt").status_code == 404


# -- request size limits -------------------------------------------------------------------


def test_page_numbers_of_thousands_of_digits_are_400_not_500(client):
    # int() refuses strings of more than 4,300 digits: this was an unhandled ValueError.
    for name in ("page", "per_page"):
        for value in ("9" * 5000, "1" + "0" * 9, "0" * 20 + "2"):
            response = client.get("/api/search", query_string={"q": "الدفاع", name: value})
            assert response.status_code == (200 if value.endswith("2") else 400), (name, value[:12])
        response = client.get("/", query_string={"q": "الدفاع", name: "9" * 5000})
        assert response.status_code == 400
        assert 'data-code="number_too_large"' in response.get_data(as_text=True)


def test_huge_query_strings_are_400_not_500(client):
    for params in ({"q": "ب" * 100_000}, {"q": "x", "page": "9" * 5000}, {"q": "x", "per_page": "9" * 5000},
                   [("q", "x")] + [("source", f"s{n}.txt") for n in range(2000)]):
        response = client.get("/api/search", query_string=params)
        assert response.status_code == 400, response.get_json()
        assert response.get_json()["ok"] is False
    assert client.get("/api/suggest", query_string={"q": "ب" * 100_000}).status_code == 400
    assert client.get("/doc/plain.txt", query_string={"q": "ب" * 100_000}).status_code == 200


def test_request_bodies_are_refused(client):
    response = client.post("/api/search?q=x", data=b"x" * 100_000)
    assert response.status_code in (405, 413)
    response = client.get("/api/search?q=x", data=b"x" * 100_000)  # a GET body over the limit
    assert response.status_code in (200, 413)


@pytest.fixture(scope="module")
def server(corpus_with_escape_routes):
    """The production server (waitress) on a free loopback port."""
    _, index = corpus_with_escape_routes
    running = make_server(port=0, index_dir=index.index_dir, threads=2)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    yield int(running.effective_port)
    running.close()
    thread.join(5)


def raw_request(port: int, data: bytes) -> tuple[int, bytes]:
    """Send raw bytes, return (status, whole response)."""
    import socket

    chunks = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server answered and closed before reading it all: read its answer
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
    response = b"".join(chunks)
    return int(response.split(b" ", 2)[1]), response


def test_server_refuses_huge_request_lines_and_headers(server):
    limit = WAITRESS_OPTIONS["max_request_header_size"]
    status, response = raw_request(server, b"GET /api/search?q=" + b"a" * (limit + 10) + b" HTTP/1.1\r\n"
                                   b"Host: x\r\n\r\n")
    assert status in (400, 414, 431), response[:200]
    status, response = raw_request(server, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (limit + 10)
                                   + b"\r\n\r\n")
    assert status in (400, 431), response[:200]
    assert b"Traceback" not in response
    assert_security_headers(response)


def assert_security_headers(response: bytes):
    """The raw response's headers include every security header of the site."""
    head = response.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
    for name, value in SECURITY_HEADERS.items():
        assert f"{name.lower()}: {value.lower()}" in head, (name, head)


def test_server_refuses_bodies_over_the_limit(server):
    limit = WAITRESS_OPTIONS["max_request_body_size"]
    body = b"x" * (limit * 4)
    for method in (b"POST", b"GET"):
        status, response = raw_request(server, method + b" /api/search?q=x HTTP/1.1\r\nHost: x\r\n"
                                       b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        assert status == 413, response[:300]
        assert_security_headers(response)
    status, _ = raw_request(server, b"POST /api/search?q=x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
                            b"\r\n\r\n" + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
    assert status == 413


def test_raw_bytes_that_are_not_utf8_in_the_query_string_are_not_500(server):
    # Werkzeug decoded the raw query string strictly: GET /?q=\x80 was an unhandled error.
    for path in (b"/api/search?q=\x80", b"/?q=\xff\xfe", b"/api/suggest?q=\xd8", b"/doc/a.txt?q=\xc0"):
        status, response = raw_request(server, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n"
                                       b"Connection: close\r\n\r\n")
        assert status in (200, 400, 404), (path, response[:300])


def test_server_answers_huge_but_allowed_queries_with_400(server):
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    connection.request("GET", "/api/search?q=" + "a" * 20_000)
    response = connection.getresponse()
    assert response.status == 400 and b'"ok": false' in response.read().replace(b'":false', b'": false')
    connection.close()


def test_server_does_not_reveal_its_software_version(server):
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    connection.request("GET", "/")
    response = connection.getresponse()
    response.read()
    assert response.getheader("Server") == "arabic-search"
    connection.close()


# -- headers on every route and every status ----------------------------------------------


def every_url(app) -> list[str]:
    """One URL per registered route (path parameters filled in), plus error statuses."""
    urls = []
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: "style.css" if m.group(1) == "filename" else "plain.txt",
                     rule.rule)
        urls.append(url + ("?q=الدفاع" if "search" in rule.endpoint or "suggest" in rule.endpoint else ""))
    return urls + ["/?q=x&page=0", "/api/search", "/doc/nope.txt", "/nowhere", "/api/nowhere",
                   "/?q=" + quote('"unclosed'), "/api/search?q=x&per_page=999"]


def test_security_headers_on_every_route_and_status(app, client):
    urls = every_url(app)
    assert len(urls) >= 10
    statuses = set()
    for url in urls:
        for method in ("GET", "HEAD", "POST", "OPTIONS"):
            response = client.open(url, method=method)
            statuses.add(response.status_code)
            for name in HEADERS:
                assert response.headers.get(name), (method, url, name)
            response.close()
    assert {200, 400, 404, 405} <= statuses


def test_debugger_is_never_on(app):
    assert app.debug is False
    assert create_app({"INDEX_DIR": "/nonexistent"}).debug is False
    assert os.environ.get("FLASK_DEBUG") in (None, "", "0")


# -- slow clients, redirects ---------------------------------------------------------------


def load_bench(name: str):
    import importlib.util
    import sys

    path = Path(__file__).resolve().parent.parent / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


def test_slow_connections_do_not_starve_other_clients(corpus_with_escape_routes):
    # 120 sockets trickling header lines used to hold all of waitress's 100 connections.
    _, index = corpus_with_escape_routes
    running = make_server(port=0, index_dir=index.index_dir, threads=2, request_seconds=2)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    try:
        outcome = load_bench("attack_slowloris").slowloris(
            int(running.effective_port), sockets=120, seconds=6, interval=0.5, probe_every=0.2)
    finally:
        running.close()
        thread.join(5)
    assert outcome["slow_sockets"] == 120 and outcome["probe_failures"] == 0, outcome
    assert outcome["probe_requests"] >= 10 and outcome["probe_max_ms"] < 2000, outcome
    assert outcome["closed_by_server"] == 120 and outcome["max_slow_lifetime_s"] < 4, outcome


def test_double_slash_paths_never_redirect_to_the_host_sent(server):
    for path in (b"//evil.example/", b"//evil.example/%2e%2e/", b"///evil.example", b"/doc//evil.example"):
        status, response = raw_request(server, b"GET " + path + b" HTTP/1.1\r\nHost: evil.example\r\n"
                                       b"Connection: close\r\n\r\n")
        assert status in (200, 400, 404), (path, response[:300])
        assert b"evil.example" not in response.split(b"\r\n\r\n", 1)[0], (path, response[:300])


def test_dependency_audit_says_not_audited_when_no_service_answers(monkeypatch, capsys):
    audit = load_bench_file(".ci/audit.py", "audit")
    monkeypatch.setattr(audit, "audit", lambda service: (None, "connection refused"))
    assert audit.main() == 0
    out = capsys.readouterr()
    assert "NOT AUDITED" in out.out and "unreachable" in out.out
    assert "no known vulnerabilities" not in out.out + out.err


def load_bench_file(relative: str, name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parent.parent / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
