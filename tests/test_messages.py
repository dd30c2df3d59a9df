"""The message catalog: every code the code base raises exists, with Arabic text."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from search import messages
from search.errors import QueryError, SearchError
from search.passages import UndecodableFileError

ROOT = Path(__file__).resolve().parent.parent
ARABIC_LETTER = re.compile("[\u0621-\u064a]")
#: The codes search/query.py, index.py, engine.py and stemgroups.py are to raise.
LIBRARY_CODES = (
    "query_empty", "query_too_long", "or_needs_words", "minus_needs_word",
    "prefix_too_short", "star_not_at_end", "too_many_words", "or_with_exclusion",
    "only_exclusions", "nothing_to_search", "prefix_too_many", "unknown_source",
    "rebuild_needed", "no_corpus", "corpus_not_found", "corpus_empty",
)
#: An error constructed with a code: SomethingError("code", ...) or a catalog call.
CODE_USE = re.compile(
    r"""(?:Error|messages\.arabic|messages\.english|\barabic|\benglish|message)\(\s*["']([a-z_]+)["']"""
)


def codes_used() -> set[str]:
    found = set()
    for folder in ("search", "web", "templates"):
        for path in (ROOT / folder).rglob("*.*"):
            if path.suffix in {".py", ".html"} and path.name != "messages.py":
                found |= set(CODE_USE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_code_used_in_the_code_base_is_in_the_catalog():
    used = codes_used()
    assert {"q_required", "index_missing", "document_not_found"} <= used  # the scan works
    assert used - set(messages.MESSAGES) == set()


def test_the_library_codes_are_in_the_catalog():
    assert set(LIBRARY_CODES) - set(messages.MESSAGES) == set()


@pytest.mark.parametrize("code", sorted(set(messages.MESSAGES) - {"untranslated"}))
def test_every_entry_has_arabic_and_english_text(code):
    arabic, english = messages.MESSAGES[code]
    assert ARABIC_LETTER.search(arabic), code
    assert re.search("[A-Za-z]", english), code


def test_parameters_are_isolated_for_bidi_in_arabic_only():
    text = messages.arabic("corpus_not_found", path="/srv/نصوص")
    assert "\u2068/srv/نصوص\u2069" in text
    assert messages.english("corpus_not_found", path="/srv/x") == "corpus folder not found: /srv/x"


def test_error_carries_code_params_arabic_and_english():
    error = SearchError("unknown_source", source="a.txt")
    assert (error.code, error.params) == ("unknown_source", {"source": "a.txt"})
    assert str(error) == messages.arabic("unknown_source", source="a.txt")
    assert error.english == "unknown source: a.txt"


def test_errors_pickle_with_their_parameters():
    for error in (QueryError("too_many_words", limit=64), UndecodableFileError("binary file", "b.txt")):
        copy = pickle.loads(pickle.dumps(error))
        assert (type(copy), copy.code, copy.params, str(copy)) == (
            type(error), error.code, error.params, str(error))


def test_a_code_missing_from_the_catalog_is_a_bug_said_at_once():
    with pytest.raises(ValueError, match="no message has the code"):
        SearchError("something new")
