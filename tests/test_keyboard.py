"""The wrong keyboard layout: one key map, both directions, and did-you-mean offering
(and search trying) the other layout's reading of a query that finds nothing."""

from __future__ import annotations

import pytest

from search import Index
from search.keyboard import KEYS, to_arabic, to_latin
from search.suggest import keyboard_suggestion, other_layout
from tests.conftest import write_corpus


def test_arabic_typed_on_the_latin_layout():
    assert to_arabic("s,vdh") == "سوريا"
    assert to_arabic("hg]thu") == "الدفاع"
    assert to_arabic("hgvzds") == "الرئيس"


def test_latin_typed_on_the_arabic_layout():
    assert to_latin("اثممخ") == "hello"
    assert to_latin("حعفهى") == "putin"


def test_lam_alef_is_one_key_both_ways():
    assert to_arabic("bf") == "لاب"
    assert to_latin("لاب") == "bf"


def test_every_key_maps_back():
    for latin, arabic in KEYS:
        assert to_latin(to_arabic(latin)) == latin, latin


def test_empty_and_untouched_characters():
    assert to_arabic("") == to_latin("") == ""
    assert to_arabic('"12" -*') == '"12" -*'


@pytest.mark.parametrize("query, reading", [
    ("s,vdh -v,sdh", "سوريا -روسيا"),
    ("s,vdh OR l,s;,", "سوريا OR موسكو"),
    ("اثممخ", "hello"),
    ("سوريا hello", None),  # both scripts: no layout mistake
    ("2024", None),
])
def test_other_layout_reads_the_whole_query(query, reading):
    assert other_layout(query) == reading


def test_a_latin_query_that_finds_nothing_is_offered_and_searched_in_arabic(sample_index):
    assert keyboard_suggestion(sample_index, "s,vdh") == "سوريا"
    result = sample_index.search("s,vdh")
    assert result.suggestion == "سوريا" and result.corrected == "سوريا"
    assert result.total == sample_index.count("سوريا")


def test_an_arabic_query_that_finds_something_is_left_alone(sample_index):
    assert keyboard_suggestion(sample_index, "سوريا") is None


def test_a_reading_that_finds_nothing_is_not_offered(sample_index):
    assert keyboard_suggestion(sample_index, "qqqq") is None
    assert sample_index.search("qqqq").suggestion is None


@pytest.fixture(scope="module")
def latin_index(tmp_path_factory):
    corpus = write_corpus(tmp_path_factory.mktemp("latin"), {
        "a.txt": "Putin spoke. Putin met the press in Moscow.\n\nالدفاع الروسية\n",
    })
    return Index.build(corpus, tmp_path_factory.mktemp("latin-index") / "index")


def test_latin_typed_on_the_arabic_layout_is_offered_in_latin(latin_index):
    assert keyboard_suggestion(latin_index, "حعفهى") == "putin"
    assert latin_index.search("حعفهى").corrected == "putin"


def test_a_latin_query_whose_arabic_reading_finds_far_more(tmp_path):
    # "hg]thu" is also a (rare) Latin word of this corpus; its Arabic reading is everywhere.
    files = {f"{n}.txt": "الدفاع عن المدينة\n" for n in range(12)}
    files["latin.txt"] = "hg]thu\n"
    index = Index.build(write_corpus(tmp_path / "corpus", files), tmp_path / "index")
    assert index.count("hg]thu") == 1
    assert keyboard_suggestion(index, "hg]thu") == "الدفاع"
