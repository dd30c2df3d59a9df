"""The light stemmer: golden table, Lucene's vectors, one test per guard."""

import csv
from pathlib import Path

import pytest

from search.arabic import normalize
from search.stemmer import PREFIXES, SUFFIXES, stem

DATA = Path(__file__).resolve().parent / "data"
LUCENE = Path(__file__).resolve().parent / "data" / "lucene-arabic"  # SOURCE.md there

# Where we differ from Lucene's ArabicStemmer on purpose, and why.
LUCENE_DIFFERENCES = {
    # none of Lucene's stemmer vectors: our additions only touch words they do not contain
}


def golden_rows():
    with open(DATA / "stems.tsv", encoding="utf-8") as handle:
        rows = [line.rstrip("\n").split("\t") for line in handle if not line.startswith("#")]
    return [pytest.param(word, expected, id=f"{word}-{note}") for word, expected, note in rows]


@pytest.mark.parametrize("word, expected", golden_rows())
def test_golden_stems(word, expected):
    assert stem(normalize(word)) == expected


def test_lucene_stem_vectors():
    path = LUCENE / "lucene_ar_stem.tsv"
    with open(path, encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            expected = LUCENE_DIFFERENCES.get(row["input"], normalize(row["expected"]))
            assert stem(normalize(row["input"])) == expected, row


def test_prefixes_are_longest_first():
    for i, prefix in enumerate(PREFIXES):
        for later in PREFIXES[i + 1:]:
            assert not later.startswith(prefix) or len(later) < len(prefix)


def test_suffixes_are_normalised():
    assert all(normalize(s) == s for s in SUFFIXES)


def test_waw_needs_a_long_word():
    assert stem("وقف") == "وقف"


def test_article_must_leave_two_letters():
    assert stem("الو") == "الو"


def test_pronoun_suffix_must_leave_three_letters():
    assert stem("فهم") == "فهم"
    assert stem("عندنا") == "عند"


def test_root_waw_kept():
    assert stem(normalize("وزارة")) == stem(normalize("الوزارة")) == "وزار"


def test_should_not_stem_excluded_name():
    assert stem("بوتين") == "بوتين"
    assert stem(normalize("الكرملين")) == stem("كرملين")


def test_non_arabic_unchanged():
    assert stem("english") == "english"
    assert stem("2015") == "2015"


def test_empty_string():
    assert stem("") == ""
