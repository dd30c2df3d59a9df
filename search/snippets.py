"""HTML snippets: the original passage text, escaped, with ``<mark>`` on matched words.

Whoosh's highlighter re-runs the field's analyzer over the stored text; our tokenizer
records offsets of whole original words (marks and tatweel included), so a mark never
falls inside a word, where it would break Arabic letter joining.
"""

from __future__ import annotations

from html import escape

from whoosh import highlight

from .arabic import strip_marks

SNIPPET_CHARS = 320
SNIPPET_SURROUND = 90
ELLIPSIS = " … "


class MarkFormatter(highlight.HtmlFormatter):
    """Escapes text and wraps each matched word in a bare ``<mark>``."""

    def __init__(self):
        super().__init__(tagname="mark", between=ELLIPSIS)

    def format_token(self, text, token, replace=False):
        return "<mark>%s</mark>" % escape(text[token.startchar:token.endchar], quote=False)

    def _text(self, text):
        return escape(text, quote=False)


def snippet(text: str, terms: frozenset[str], analyzer, whole: bool = False) -> str:
    """Best fragment(s) of ``text`` around the matched ``terms``, as safe HTML.

    ``whole`` marks the entire text (for the document view). Passages of any length
    work: Whoosh's default limit of 32,768 analysed characters is lifted.
    """
    if not text:
        return ""
    if terms:
        if whole:
            fragmenter = highlight.WholeFragmenter(charlimit=None)
        else:
            fragmenter = highlight.ContextFragmenter(
                maxchars=SNIPPET_CHARS, surround=SNIPPET_SURROUND, charlimit=None
            )
        html = highlight.highlight(
            text, terms, analyzer, fragmenter, MarkFormatter(), top=2, minscore=1,
            order=highlight.FIRST,
        )
        if html:
            return html
    if whole or len(text) <= SNIPPET_CHARS:
        return escape(text, quote=False)
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return escape(text[: cut if cut > 0 else SNIPPET_CHARS], quote=False) + ELLIPSIS.rstrip()


def surface_form(text: str, term: str, analyzer) -> str | None:
    """The first word of ``text`` that ``analyzer`` turns into ``term``, as written
    (without marks): turns an index term back into the corpus's own spelling.

    >>> from search.analysis import ArabicAnalyzer
    >>> surface_form("أعلنت وزارةُ الدفاع", "وزاره", ArabicAnalyzer(stem=False))
    'وزارة'
    """
    for token in analyzer(text, chars=True):
        if token.text == term:
            return strip_marks(text[token.startchar:token.endchar])
    return None
