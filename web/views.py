"""Pages and their JSON twins: ``/`` and ``/api/search`` share ``parse_args`` and ``Index.search``.

Routes:

- ``/``                   the search page (HTML)
- ``/doc/<source>``       one source file, every passage, query words marked
- ``/api/search``         exactly ``SearchResult.to_dict()``
- ``/api/suggest``        ``{"ok": true, "query", "suggestions"}`` for the search box

Every error goes through ``handle_exception``: JSON ``{"ok": false, "error", "status"}``
under ``/api/``, the message in place on the search page, ``error.html`` elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from flask import Blueprint, Flask, current_app, render_template, request, url_for
from markupsafe import escape
from werkzeug.exceptions import HTTPException, NotFound

from search.errors import (
    BuildInProgressError,
    IndexNotFoundError,
    RebuildNeededError,
    SearchError,
    UnknownSourceError,
)

from . import get_index

bp = Blueprint("web", __name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

EXAMPLE_QUERIES = ("الدفاع الروسية", "بوتين", '"وزارة الدفاع"', "سوريا -داعش")

INDEX_MISSING = "The search index has not been built yet: run `arabic-search index`, then reload."
INDEX_OUTDATED = (
    "The search index was made by another version of arabic-search: "
    "run `arabic-search index --rebuild`, then reload."
)
INTERNAL = "Something went wrong on our side. The error has been logged; please try again later."
INDEX_BUSY = "The search index is being rebuilt: try again in a moment."


class InputError(ValueError):
    """A request parameter is missing or wrong; the message says which and how (HTTP 400)."""


@dataclass(frozen=True)
class SearchArgs:
    """The validated parameters of a search request."""

    q: str
    page: int = 1
    per_page: int = 10
    sources: tuple[str, ...] = ()
    per_page_given: bool = False


@dataclass(frozen=True)
class Facet:
    """One source file in the side panel, as plain data (Datasette's facet shape)."""

    value: str
    count: int
    selected: bool
    toggle_url: str


@dataclass(frozen=True)
class PageLink:
    """One page-number link; ``number`` None stands for a gap (…)."""

    number: int | None
    url: str | None = None
    current: bool = False


def parse_args(args, *, require_query: bool = True) -> SearchArgs:
    """Check ``q``, ``page``, ``per_page`` and ``source`` against the configured limits."""
    config = current_app.config
    q = args.get("q", "").strip()
    if require_query and not q:
        raise InputError("q is required: give some words to search for")
    if len(q) > config["MAX_QUERY_LENGTH"]:
        raise InputError(f"q is too long: at most {config['MAX_QUERY_LENGTH']} characters")
    page = _positive_int(args, "page", 1)
    per_page = _positive_int(args, "per_page", config["PER_PAGE"])
    if per_page > config["MAX_PER_PAGE"]:
        raise InputError(f"per_page must be <= {config['MAX_PER_PAGE']}")
    sources = tuple(dict.fromkeys(s for s in args.getlist("source") if s))
    if len(sources) > config["MAX_SOURCES"]:
        raise InputError(f"too many source filters: at most {config['MAX_SOURCES']}")
    return SearchArgs(q, page, per_page, sources, per_page_given="per_page" in args)


#: Longest page or per_page number read; Python refuses to convert over 4,300 digits.
MAX_DIGITS = 9


def _positive_int(args, name: str, default: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    digits = raw.lstrip("0")
    if not raw.isascii() or not raw.isdigit() or not digits:
        raise InputError(f"{name} must be a positive integer")
    if len(digits) > MAX_DIGITS:
        raise InputError(f"{name} is too large: at most {MAX_DIGITS} digits")
    return int(digits)


def run_search(args: SearchArgs):
    """``Index.search``; an unknown source raises ``UnknownSourceError("unknown source: X")``."""
    return get_index().search(
        args.q, page=args.page, per_page=args.per_page, sources=args.sources or None
    )


def search_url(args: SearchArgs, **changes) -> str:
    """A link to the search page with ``changes`` applied; the other parameters are kept.

    Page 1 and the default per_page are left out, so links stay short and canonical.
    """
    args = replace(args, **changes)
    params = {"q": args.q, "source": list(args.sources)}
    if args.per_page_given:
        params["per_page"] = args.per_page
    if args.page != 1:
        params["page"] = args.page
    return url_for("web.search", **params)


def facet_links(args: SearchArgs, result) -> list[Facet]:
    """The files the result lists (those with most matches), plus selected files without
    any (so they can be removed)."""
    listed = {facet.value for facet in result.facets}
    counts = [(f.value, f.count) for f in result.facets]
    counts += [(source, 0) for source in args.sources if source not in listed]
    facets = []
    for value, count in counts:
        selected = value in args.sources
        toggled = (
            tuple(s for s in args.sources if s != value) if selected else args.sources + (value,)
        )
        facets.append(Facet(value, count, selected, search_url(args, sources=toggled, page=1)))
    return facets


def page_links(args: SearchArgs, pages: int, window: int = 2) -> list[PageLink]:
    """First, last and the pages around the current one, with gaps as ``PageLink(None)``."""
    wanted = {1, pages} | set(range(args.page - window, args.page + window + 1))
    links: list[PageLink] = []
    previous = 0
    for number in sorted(n for n in wanted if 1 <= n <= pages):
        if number > previous + 1:
            links.append(PageLink(None))
        links.append(PageLink(number, search_url(args, page=number), number == args.page))
        previous = number
    return links


@bp.route("/")
def search():
    """The search page: intro without a query, results (or tips) with one."""
    if not request.args.get("q", "").strip():
        parse_args(request.args, require_query=False)
        return render_template("search.html", query="", examples=EXAMPLE_QUERIES)
    args = parse_args(request.args)
    result = run_search(args)
    return render_template(
        "search.html",
        query=args.q,
        args=args,
        result=result,
        facets=facet_links(args, result),
        pages=page_links(args, result.pages),
        prev_url=search_url(args, page=min(args.page - 1, result.pages)) if args.page > 1 else None,
        next_url=search_url(args, page=args.page + 1) if args.page < result.pages else None,
        first_url=search_url(args, page=1),
        clear_url=search_url(args, sources=(), page=1),
        suggestion_url=(
            search_url(args, q=result.suggestion, page=1) if result.suggestion else None
        ),
    )


@bp.route("/doc/<path:source>")
def document(source: str):
    """A whole source file, from the index (never from disk), query words marked."""
    query = request.args.get("q", "").strip()
    if len(query) > current_app.config["MAX_QUERY_LENGTH"]:
        query = ""
    try:
        # A malformed query only loses its highlights here (the library ignores it).
        doc = get_index().document(source, query=query or None)
    except UnknownSourceError:
        raise NotFound(f"There is no document named {source!r} in the index.") from None
    back_url = url_for("web.search", q=query) if query else url_for("web.search")
    return render_template("document.html", doc=doc, query=query, back_url=back_url)


@bp.route("/api/search")
def api_search():
    """The JSON twin of ``/``: exactly ``SearchResult.to_dict()``."""
    return current_app.json.response(run_search(parse_args(request.args)).to_dict())


@bp.route("/api/suggest")
def api_suggest():
    """Words of the corpus completing the last word of ``q``, for the search box."""
    query = request.args.get("q", "")
    limit = current_app.config["MAX_QUERY_LENGTH"]
    if len(query) > limit:
        raise InputError(f"q is too long: at most {limit} characters")
    suggestions = []
    if query.strip():
        suggestions = list(get_index().complete(query, limit=current_app.config["SUGGEST_LIMIT"]))
    return {"ok": True, "query": query, "suggestions": suggestions}


def describe(exc: Exception) -> tuple[int, str]:
    """The HTTP status and the message a person can act on, for any exception."""
    if isinstance(exc, HTTPException):
        return exc.code or 500, exc.description or exc.name
    if isinstance(exc, IndexNotFoundError):
        return 503, INDEX_MISSING
    if isinstance(exc, RebuildNeededError):
        return 503, INDEX_OUTDATED
    if isinstance(exc, BuildInProgressError):
        return 503, INDEX_BUSY
    if isinstance(exc, (InputError, SearchError)):
        return 400, str(exc)
    return 500, INTERNAL


def handle_exception(exc: Exception):
    """One handler for every error: JSON under /api/, in place on /, else ``error.html``."""
    status, message = describe(exc)
    if status == 500 and not isinstance(exc, HTTPException):
        current_app.logger.exception("unhandled error on %s", request.path)
    elif status == 503:
        current_app.logger.error("%s (index: %s)", exc, current_app.config["INDEX_DIR"])
    headers = [
        (k, v) for k, v in (exc.get_headers() if isinstance(exc, HTTPException) else [])
        if k.lower() != "content-type"
    ]
    if request.path.startswith("/api/"):
        body = {"ok": False, "error": message, "status": status}
        response = current_app.json.response(body)
    elif request.endpoint == "web.search" and status == 400:
        response = current_app.make_response(
            render_template("search.html", query=request.args.get("q", ""), error=message)
        )
    else:
        response = current_app.make_response(
            render_template(
                "error.html", status=status, message=message, query=request.args.get("q", "")
            )
        )
    response.status_code = status
    response.headers.extend(headers)
    return response


def security_headers(response):
    """CSP without inline script, no sniffing, no framing, on every response."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


_MARK_TAG = re.compile(r"</?mark>")


def marks_only(html: str) -> str:
    """The library's highlighted HTML if its only tags are ``<mark>``; else escaped whole.

    A guard in front of the one ``|safe`` in the templates: a library bug must not
    become script injection.
    """
    stripped = _MARK_TAG.sub("", html)
    if "<" in stripped or ">" in stripped:
        current_app.logger.warning("highlighted text had tags other than <mark>; escaped it")
        return escape(html)
    return html


def init_app(app: Flask) -> None:
    """Register the routes, the error handler, the headers and the template filter."""
    app.register_blueprint(bp)
    app.register_error_handler(Exception, handle_exception)
    app.after_request(security_headers)
    app.add_template_filter(marks_only)
