"""Pages and their JSON twins: ``/`` and ``/api/search`` share ``parse_args`` and ``Index.search``.

Routes:

- ``/``                   the search page (HTML); ``within=`` adds words to ``q``
- ``/doc/<source>``       one source file, a window of passages, query words marked
- ``/help``               how to write a query, one example per operator
- ``/api/search``         exactly ``SearchResult.to_dict()``
- ``/concordance``        a word in context, sortable by its neighbours, and its frequency
- ``/api/concordance``, ``/api/frequency``   their JSON
- ``/api/suggest``        ``{"ok": true, "query", "suggestions"}`` for the search box
- ``/export.csv``, ``/export.json``   the current results, up to ``EXPORT_LIMIT`` hits

Every error goes through ``handle_exception``: JSON ``{"ok": false, "error", "code",
"status"}`` under ``/api/``, the message in place on the search page, ``error.html``
elsewhere. Every message comes from the catalog in ``search/messages.py``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from search import messages
from search.corpus import display_name
from search.errors import (
    BuildInProgressError,
    IndexNotFoundError,
    RebuildNeededError,
    SearchError,
    UnknownSourceError,
)
from search.concordance import BY, concordance, frequency
from search.concordance import SORTS as CONCORDANCE_SORTS
from search.index import SORTS
from search.query import BY as SEARCH_BY
from search.relax import MATCHES
from search.spelling import exact_options, in_order

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

#: The help page: one row per query operator, (what you type, what it finds). Each example
#: links to its search, and a test checks that each finds something in the sample corpus.
#: A new operator is one more row here.
OPERATORS = (
    ("وزارة الدفاع", "المقاطع التي فيها الكلمتان متجاورتين أولًا، ثم معًا في مقطع، ثم في مقطعين "
                     "متتاليين، ثم التي فيها بعضهما (وتُذكر الكلمات الناقصة)."),
    ("في سوريا", "الكلمات الشائعة (في، من، هذا…) تُبحث كغيرها، لكنها لا تُسقط نتيجة ولا تغلب على "
                 "الكلمات الأخرى."),
    ('"وزارة الدفاع"', "الكلمتان متجاورتان بهذا الترتيب (عبارة بين علامتي تنصيص)."),
    ("سوريا -روسيا", "المقاطع التي فيها «سوريا» وليس فيها «روسيا» (الكلمة بعد علامة الطرح تُستبعد)."),
    ("موسكو OR واشنطن", "المقاطع التي فيها إحدى الكلمتين على الأقل."),
    ("موسكو أو واشنطن", "«أو» بين كلمتين مثل OR (وكذلك or)."),
    ("سوريا بدون:روسيا", "الاستبعاد بالعربية: «بدون:» قبل الكلمة مثل علامة الطرح (وكذلك NOT)."),
    ("بوتين NEAR/5 الأسد", "الكلمتان على بعد خمس كلمات أو أقل، بأي ترتيب (وبالعربية: قرب/5)."),
    ('"بوتين الأسد"~3', "كلمات العبارة متقاربة: بينها ثلاث كلمات أخرى على الأكثر، بأي ترتيب."),
    ("24", "الأرقام تُوجد أينما كُتبت: ال24 وبـ24 و٢٤."),
    ("جذر:حرب", "كل كلمات الجذر: الحرب والحروب ومحاربة وحاربوا (وكذلك root:حرب)."),
    ("الدف*", "الكلمات التي تبدأ بـ«الدف»، مثل الدفاع والدفعة (حرفان على الأقل قبل النجمة)."),
    # New operators go here, one (example, explanation) row each.
)
#: The help page's examples of the exact options: (query, options ticked, what it finds).
EXACT_EXAMPLES = (
    ("عِلْم", (), "بلا خيار: التشكيل المكتوب يقدّم ما يوافقه، فتجد عِلْم وعَلَم وعَلِمَ، وعِلْم أولًا."),
    ("عَلم", ("diacritics",), "التشكيل كما كتبته: تجد عَلَم وعَلِمَ وما لم يُشكَّل، ولا تجد عِلْم. "
                             "والكلمة بلا تشكيل تجد كل شيء."),
    ("سأل", ("hamza",), "الهمزة كما كتبتها: «سأل» لا تجد «سال»."),
    ("مدرسة", ("ta_marbuta",), "التاء المربوطة: «مدرسة» لا تجد «مدرسه»."),
    ("مستشفى", ("alef_maqsura",), "الألف المقصورة: «مستشفى» لا تجد «مستشفي»."),
    ("الكتاب", ("form",), "الكلمة نفسها: «الكتاب» لا تجد «والكتاب» ولا «كتابهم»."),
)

#: Choices offered for the number of hits per page.
PER_PAGE_CHOICES = (10, 20, 50)
#: Words of a passage used as its label when the file has no title.
LABEL_WORDS = 8
#: Query-string keys a document page's "back" link may carry to the search page.
BACK_KEYS = ("q", "page", "per_page", "source", "match", "sort", "collapse", "folder",
             "exact", "by")
#: The site's labels of the exact options (``spelling.EXACT``), in that order.
EXACT_LABELS = {
    "diacritics": "التشكيل كما كتبته",
    "hamza": "الهمزة كما كتبتها",
    "ta_marbuta": "التاء المربوطة",
    "alef_maqsura": "الألف المقصورة",
    "form": "الكلمة نفسها بلا سوابق أو لواحق",
}


class WebError(SearchError):
    """A request the site cannot answer: a catalog code, its parameters and an HTTP status."""

    status = 400

    def __init__(self, code: str, /, status: int | None = None, **params):
        super().__init__(code, **params)
        if status is not None:
            self.status = status


class InputError(WebError, ValueError):
    """A request parameter is missing or wrong; the message says which and how (HTTP 400)."""


@dataclass(frozen=True)
class SearchArgs:
    """The validated parameters of a search request."""

    q: str
    page: int = 1
    per_page: int = 10
    sources: tuple[str, ...] = ()
    per_page_given: bool = False
    match: str = "auto"
    sort: str = "relevance"
    collapse: bool = False
    folders: tuple[str, ...] = ()
    #: ``spelling.EXACT`` options ticked, in that order.
    exact: tuple[str, ...] = ()
    by: str = "word"  # each word by its forms, or by its root (search.query.BY)


@dataclass(frozen=True)
class Facet:
    """One source file in the side panel, as plain data (Datasette's facet shape)."""

    value: str
    count: int
    selected: bool
    toggle_url: str
    label: str | None = None


@dataclass(frozen=True)
class PageLink:
    """One page-number link; ``number`` None stands for a gap (…)."""

    number: int | None
    url: str | None = None
    current: bool = False


def parse_args(args, *, require_query: bool = True) -> SearchArgs:
    """Check ``q``, ``page``, ``per_page`` and ``source`` against the configured limits."""
    config = current_app.config
    q = _query_text(args, require_query)
    page = _positive_int(args, "page", 1)
    per_page = _positive_int(args, "per_page", config["PER_PAGE"])
    if per_page > config["MAX_PER_PAGE"]:
        raise InputError("per_page_too_large", limit=config["MAX_PER_PAGE"])
    sources = tuple(dict.fromkeys(s for s in args.getlist("source") if s))
    if len(sources) > config["MAX_SOURCES"]:
        raise InputError("too_many_sources", limit=config["MAX_SOURCES"])
    match = _choice(args, "match", MATCHES)
    sort = _choice(args, "sort", SORTS)
    collapse = _choice(args, "collapse", ("0", "1"))
    folders = tuple(dict.fromkeys(args.getlist("folder")))
    if len(folders) > config["MAX_SOURCES"]:
        raise InputError("too_many_sources", limit=config["MAX_SOURCES"])
    # exact=hamza&exact=form (the site's checkboxes) or exact=hamza,form (the API).
    exact = in_order(exact_options(args.getlist("exact")))
    return SearchArgs(q, page, per_page, sources, per_page_given="per_page" in args,
                      match=match, sort=sort, collapse=collapse == "1", folders=folders,
                      exact=exact, by=_choice(args, "by", SEARCH_BY))


def _query_text(args, required: bool = True) -> str:
    """``q``, stripped, checked against ``MAX_QUERY_LENGTH`` (and present if ``required``)."""
    q = args.get("q", "").strip()
    if required and not q:
        raise InputError("q_required")
    limit = current_app.config["MAX_QUERY_LENGTH"]
    if len(q) > limit:
        raise InputError("q_too_long", limit=limit)
    return q


def _choice(args, name: str, choices, default: str | None = None) -> str:
    """Parameter ``name``, one of ``choices``; ``default`` (the first choice) when absent."""
    value = args.get(name) or default or choices[0]
    if value not in choices:
        raise InputError("bad_choice", name=name, choices=", ".join(choices))
    return value


#: Longest page or per_page number read; Python refuses to convert over 4,300 digits.
MAX_DIGITS = 9


def _positive_int(args, name: str, default: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    digits = raw.lstrip("0")
    if not raw.isascii() or not raw.isdigit() or not digits:
        raise InputError("not_positive_int", name=name)
    if len(digits) > MAX_DIGITS:
        raise InputError("number_too_large", name=name, limit=MAX_DIGITS)
    return int(digits)


def run_search(args: SearchArgs, per_page: int | None = None, page: int | None = None):
    """``Index.search``; an unknown source raises ``UnknownSourceError``."""
    return get_index().search(
        args.q, page=page or args.page, per_page=per_page or args.per_page,
        sources=args.sources or None, match=args.match, sort=args.sort,
        collapse=args.collapse, folders=args.folders or None, exact=args.exact,
        by=args.by,
    )


def search_params(args: SearchArgs, **changes) -> dict:
    """The query-string parameters of a search page, ``changes`` applied.

    Page 1 and the default per_page are left out, so links stay short and canonical.
    """
    args = replace(args, **changes)
    params = {"q": args.q, "source": list(args.sources)}
    if args.per_page_given:
        params["per_page"] = args.per_page
    if args.match != "auto":
        params["match"] = args.match
    if args.sort != "relevance":
        params["sort"] = args.sort
    if args.collapse:
        params["collapse"] = "1"
    if args.folders:
        params["folder"] = list(args.folders)
    if args.exact:
        params["exact"] = list(args.exact)
    if args.by != "word":
        params["by"] = args.by
    if args.page != 1:
        params["page"] = args.page
    return params


def search_url(args: SearchArgs, **changes) -> str:
    """A link to the search page with ``changes`` applied; the other parameters are kept."""
    return url_for("web.search", **search_params(args, **changes))


def facet_links(args: SearchArgs, result, titles: dict | None = None) -> list[Facet]:
    """The files the result lists (those with most matches), plus selected files without
    any (so they can be removed). A file's label is its title, where known."""
    titles = titles or {}
    listed = {facet.value for facet in result.facets}
    counts = [(f.value, f.count, getattr(f, "label", None)) for f in result.facets]
    counts += [(source, 0, None) for source in args.sources if source not in listed]
    facets = []
    for value, count, label in counts:
        selected = value in args.sources
        toggled = (
            tuple(s for s in args.sources if s != value) if selected else args.sources + (value,)
        )
        facets.append(Facet(value, count, selected, search_url(args, sources=toggled, page=1),
                            label or titles.get(value)))
    return facets


def folder_links(args: SearchArgs, result) -> list[Facet]:
    """The top folders (collections, books) with matches, as toggles like the files'."""
    facets = []
    for facet in result.folder_facets:
        selected = facet.value in args.folders
        toggled = (tuple(f for f in args.folders if f != facet.value) if selected
                   else args.folders + (facet.value,))
        facets.append(Facet(facet.value, facet.count, selected,
                            search_url(args, folders=toggled, page=1),
                            facet.value or "الملفات خارج المجلدات"))
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


_WORD = re.compile(r"\S+")


def first_words(text: str, count: int = LABEL_WORDS) -> str:
    """The first ``count`` words of ``text``, with "…" if there are more.

    >>> first_words("أعلنت وزارة الدفاع الروسية في بيان", 3)
    'أعلنت وزارة الدفاع…'
    """
    words = _WORD.findall(text or "")
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


def hit_label(hit) -> str:
    """What heads a hit: the file's title, else the passage's first words (never a file name)."""
    return hit.title or first_words(hit.text) or display_name(hit.source)


def doc_url(args: SearchArgs, source: str, passage: int) -> str:
    """The document page at ``passage``, marking the query, with a way back to this page."""
    back = urlencode(search_params(args), doseq=True)
    return url_for("web.document", source=source, q=args.q, passage=passage, back=back,
                   by=args.by if args.by != "word" else None, _anchor=f"p-{passage}")


def back_url(raw: str) -> str:
    """The search page named by a document page's ``back`` parameter (only search keys)."""
    params = [(k, v) for k, v in parse_qsl(raw or "") if k in BACK_KEYS and v]
    if not params:
        return url_for("web.search")
    return url_for("web.search") + "?" + urlencode(params)


@bp.route("/")
def search():
    """The search page: intro without a query, results (or tips) with one."""
    within = request.args.get("within", "").strip()
    if within:
        # Search within results: the words join the query; the address shows the whole query.
        args = parse_args(request.args, require_query=False)
        # Narrowing means every word: passages that lack some are not "within" the results.
        return redirect(search_url(args, q=f"{args.q} {within}".strip(), page=1, match="all"),
                        code=303)
    if not request.args.get("q", "").strip():
        parse_args(request.args, require_query=False)
        return render_template("search.html", query="", examples=EXAMPLE_QUERIES, home=True)
    args = parse_args(request.args)
    result = run_search(args)
    titles = {hit.source: hit.title for hit in result.hits if hit.title}
    export = search_params(args, page=1)
    export.pop("page", None)
    return render_template(
        "search.html",
        query=args.q,
        args=args,
        result=result,
        exact_labels=EXACT_LABELS,
        facets=facet_links(args, result, titles),
        folder_facets=folder_links(args, result) if len(result.folder_facets) > 1
        or args.folders else [],
        more_url=lambda source: search_url(args, sources=(source,), collapse=False, page=1),
        pages=page_links(args, result.pages),
        per_page_choices=sorted({*PER_PAGE_CHOICES, args.per_page}),
        prev_url=search_url(args, page=min(args.page - 1, result.pages)) if args.page > 1 else None,
        next_url=search_url(args, page=args.page + 1) if args.page < result.pages else None,
        first_url=search_url(args, page=1),
        clear_url=search_url(args, sources=(), page=1),
        csv_url=url_for("web.export", fmt="csv", **export),
        json_url=url_for("web.export", fmt="json", **export),
        export_limit=current_app.config["EXPORT_LIMIT"],
        suggestion_url=(
            search_url(args, q=result.suggestion, page=1) if result.suggestion else None
        ),
    )


@bp.route("/help")
def help_page():
    """How to write a query: each operator with an example that links to its search."""
    return render_template("help.html", query="", operators=OPERATORS,
                           exact_examples=EXACT_EXAMPLES, exact_labels=EXACT_LABELS)


@bp.route("/doc/<path:source>")
def document(source: str):
    """A window of one source file's passages, from the index (never from disk)."""
    query = request.args.get("q", "").strip()
    if len(query) > current_app.config["MAX_QUERY_LENGTH"]:
        query = ""
    passage = _positive_int(request.args, "passage", 1)
    window = current_app.config["DOCUMENT_WINDOW"]
    by = _choice(request.args, "by", SEARCH_BY)
    try:
        # A malformed query only loses its highlights here (the library ignores it).
        doc = get_index().document(source, query=query or None, around=passage, window=window,
                                   by=by)
    except UnknownSourceError:
        raise WebError("document_not_found", status=404, source=source) from None
    if doc.total and passage > doc.total:
        raise WebError("passage_not_found", status=404, source=source, passage=passage)
    back = request.args.get("back", "")
    matches = [p.number for p in doc.passages if "<mark>" in p.html]
    last = doc.first + len(doc.passages) - 1

    def window_url(number):
        return url_for("web.document", source=source, q=query or None, passage=number,
                       back=back or None, by=by if by != "word" else None,
                       _anchor=f"p-{number}")

    return render_template(
        "document.html", doc=doc, query=query, label=doc.title or first_words(
            doc.passages[0].text if doc.passages else "") or source,
        back_url=back_url(back), from_search=bool(back or query), matches=matches,
        last=last,
        prev_window_url=window_url(doc.first - 1) if doc.first > 1 else None,
        next_window_url=window_url(last + 1) if last < doc.total else None,
    )


EXPORT_FIELDS = ("rank", "source", "passage", "title", "label", "score", "text")


@bp.route("/export.<any(csv, json):fmt>")
def export(fmt: str):
    """The current results, best first, up to ``EXPORT_LIMIT`` hits: CSV or JSON."""
    args = parse_args(request.args)
    limit = current_app.config["EXPORT_LIMIT"]
    result = run_search(args, per_page=limit, page=1)
    rows = [
        {"rank": rank, "source": hit.source, "passage": hit.passage, "title": hit.title or "",
         "label": hit_label(hit), "score": round(hit.score, 4), "text": hit.text}
        for rank, hit in enumerate(result.hits, 1)
    ]
    name = "arabic-search-results"
    if fmt == "json":
        body = {"ok": True, "query": result.query, "total": result.total,
                "exported": len(rows), "limit": limit, "hits": rows}
        response = current_app.json.response(body)
    else:
        out = io.StringIO()
        # A byte order mark, so spreadsheet programs read the Arabic as UTF-8.
        out.write("\ufeff")
        writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        response = current_app.response_class(out.getvalue(), mimetype="text/csv")
        response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


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
        raise InputError("q_too_long", limit=limit)
    suggestions = []
    if query.strip():
        suggestions = list(get_index().complete(query, limit=current_app.config["SUGGEST_LIMIT"]))
    return {"ok": True, "query": query, "suggestions": suggestions}


#: Lines a concordance page shows, and the most the API gives.
CONCORDANCE_LINES = 200


def concordance_args(args) -> tuple[str, str, int, str]:
    """(q, sort, limit, by) of a concordance request, checked."""
    q = _query_text(args)
    sort = _choice(args, "sort", CONCORDANCE_SORTS, "right")
    by = _choice(args, "by", BY, "stem")
    lines = _positive_int(args, "limit", CONCORDANCE_LINES)
    if lines > CONCORDANCE_LINES:
        raise InputError("per_page_too_large", limit=CONCORDANCE_LINES)
    return q, sort, lines, by


@bp.route("/concordance")
def concordance_page():
    """A word in context (keyword-in-context lines) and its frequency per source file."""
    if not request.args.get("q", "").strip():
        return render_template("concordance.html", query="", q="", sort="right", by="stem")
    q, sort, limit, by = concordance_args(request.args)
    index = get_index()
    found = concordance(index, q, sort, limit)
    counts = frequency_error = None
    try:
        counts = frequency(index, q, by)
    except SearchError as error:  # roots_needed: the lines still show
        frequency_error = error
    return render_template(
        "concordance.html", query=q, q=q, sort=sort, by=by, found=found, counts=counts,
        frequency_error=frequency_error, display_name=display_name,
        sort_url={side: url_for("web.concordance_page", q=q, sort=side, by=by) for side in CONCORDANCE_SORTS},
    )


@bp.route("/api/concordance")
def api_concordance():
    """The concordance page's lines as JSON (``Concordance.to_dict()``)."""
    q, sort, limit, _by = concordance_args(request.args)
    return current_app.json.response(concordance(get_index(), q, sort, limit).to_dict())


@bp.route("/api/frequency")
def api_frequency():
    """A word's frequency per source file as JSON (``Frequency.to_dict()``)."""
    q, _sort, _limit, by = concordance_args(request.args)
    return current_app.json.response(frequency(get_index(), q, by).to_dict())


HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
              413: "request_too_large"}


def describe(exc: Exception) -> tuple[int, SearchError]:
    """The HTTP status and the catalog error to show, for any exception."""
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        return status, SearchError(HTTP_CODES.get(status, "http_error"), status=status)
    if isinstance(exc, WebError):
        return exc.status, exc
    if isinstance(exc, (IndexNotFoundError, RebuildNeededError)):
        return 503, exc
    if isinstance(exc, BuildInProgressError):
        return 503, SearchError("index_busy")
    if isinstance(exc, SearchError):
        return 400, exc
    return 500, SearchError("internal")


def handle_exception(exc: Exception):
    """One handler for every error: JSON under /api/, in place on /, else ``error.html``."""
    status, error = describe(exc)
    message = str(error)
    if status == 500 and not isinstance(exc, HTTPException):
        current_app.logger.exception("unhandled error on %s", request.path)
    elif status == 503:
        current_app.logger.error("%s (index: %s)", getattr(exc, "english", exc),
                                 current_app.config["INDEX_DIR"])
    headers = [
        (k, v) for k, v in (exc.get_headers() if isinstance(exc, HTTPException) else [])
        if k.lower() != "content-type"
    ]
    if request.path.startswith("/api/") or request.path.startswith("/export."):
        body = {"ok": False, "error": message, "code": error.code, "status": status}
        response = current_app.json.response(body)
    elif request.endpoint == "web.search" and status == 400:
        response = current_app.make_response(
            render_template("search.html", query=request.args.get("q", ""), error=message,
                            error_code=error.code)
        )
    else:
        response = current_app.make_response(
            render_template(
                "error.html", status=status, message=message, error_code=error.code,
                query=request.args.get("q", ""),
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
    """Register the routes, the error handler, the headers and the template helpers."""
    app.register_blueprint(bp)
    app.register_error_handler(Exception, handle_exception)
    app.after_request(security_headers)
    app.add_template_filter(marks_only)
    app.add_template_global(hit_label)
    app.add_template_global(doc_url)
    app.add_template_global(search_params)
    app.add_template_global(messages.arabic, "message")
    app.add_template_filter(messages.reason, "reason")
