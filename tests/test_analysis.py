"""The Whoosh analyzer: offsets in the original text, order of the chain, pickling, and
properties that must hold for any input."""

import pickle
from pathlib import Path
import string

from hypothesis import given, settings
from hypothesis import strategies as st

import pytest

from search.analysis import (ArabicAnalyzer, ArabicTokenizer,
                             default_stopwords)
from search.arabic import DIACRITICS, TATWEEL, normalize


def tokens(text, analyzer=None, **kwargs):
    analyzer = analyzer or ArabicAnalyzer()
    return [(t.text, t.pos, t.startchar, t.endchar)
            for t in analyzer(text, positions=True, chars=True, **kwargs)]


def test_tokenizer_keeps_vocalised_word_whole():
    text = "بِسْمِ ٱللَّهِ ٱلرَّحْمَٰنِ"
    assert [(t.text, t.startchar, t.endchar) for t in ArabicTokenizer()(text, chars=True)] \
        == [("بِسْمِ", 0, 6), ("ٱللَّهِ", 7, 14), ("ٱلرَّحْمَٰنِ", 15, 27)]


def test_tokenizer_keeps_tatweel_and_joiners_inside_word():
    text = "روبرـــت می\u200cخواهم"
    assert [t.text for t in ArabicTokenizer()(text)] == ["روبرـــت", "می\u200cخواهم"]


def test_tokenizer_drops_standalone_quranic_marks():
    assert [t.text for t in ArabicTokenizer()("فِيهِ ۛ هُدًى")] == ["فِيهِ", "هُدًى"]


def test_offsets_point_at_original_words():
    text = "أعلنت وزارةُ الدفـــاع ٱلرُّوسِيَّةُ"
    for term, _pos, start, end in tokens(text):
        assert text[start:end].strip() == text[start:end]
        assert term  # a real term for a real word


def test_stop_words_removed_after_normalisation():
    assert [t[0] for t in tokens("إلى الى إلي")] == [] or "الي" not in default_stopwords()
    assert tokens("إِلَى") == []


def test_stop_words_close_the_gap():
    assert [(t[0], t[1]) for t in tokens("بوتين في سوريا")] == [("بوتين", 0), ("سوريا", 1)]


def test_uthmani_readings_share_a_position():
    result = tokens("ٱلْكِتَٰبُ")
    assert {t[0] for t in result} == {"كتب", "كتاب"}
    assert {t[1] for t in result} == {0}


def test_uthmani_reading_of_a_stop_word_is_a_stop_word():
    assert tokens("ذَٰلِكَ") == []


def test_repeated_words_kept_without_positions():
    # Whoosh's highlighter runs the analyzer with chars only: every occurrence counts.
    for analyzer in (ArabicAnalyzer(), ArabicAnalyzer(stem=False)):
        found = [t.startchar for t in analyzer("سوريا في سوريا و سوريا", chars=True)]
        assert found == [0, 9, 17]


def test_unstemmed_analyzer():
    assert [t[0] for t in tokens("والمدرسات", ArabicAnalyzer(stem=False))] == ["والمدرسات"]


def test_name_variants_meet():
    analyzer = ArabicAnalyzer(stem=False)
    for a, b in [("سوريا", "سورية"), ("الأمريكية", "الأميركية"), ("البنتاغون", "البنتاجون"),
                 ("والبنتاغون", "والبنتاجون")]:
        assert {t[0] for t in tokens(a, analyzer)} == {t[0] for t in tokens(b, analyzer)}


def test_custom_stoplist():
    assert [t[0] for t in tokens("the quick fox", ArabicAnalyzer(stoplist=["the"]))] == \
        ["quick", "fox"]


def test_lucene_analyzer_vectors_on_digits():
    assert [t[0] for t in tokens("١٢٣٤")] == ["1234"]


def test_analyzer_pickles():
    analyzer = ArabicAnalyzer()
    clone = pickle.loads(pickle.dumps(analyzer))
    assert clone == analyzer
    assert tokens("الكتابُ", clone) == tokens("الكتابُ", analyzer)


def test_empty_and_non_arabic_input():
    assert tokens("") == []
    assert [t[0] for t in tokens("Hello World")] == ["hello", "world"]


# -- properties -----------------------------------------------------------------------

ARABIC_LETTERS = "".join(chr(c) for c in range(0x0621, 0x064B) if chr(c).isalpha())
MARKS = "".join(sorted(DIACRITICS))[:40] + "\u0670"
word = st.text(alphabet=ARABIC_LETTERS, min_size=1, max_size=12)
anything = st.text(alphabet=ARABIC_LETTERS + MARKS + TATWEEL + string.printable
                   + "\u200c\u200f\u202e\ufefb\ufdf2٠١٢۳", max_size=80)


@given(anything)
@settings(max_examples=300, deadline=None)
def test_normalize_is_idempotent(text):
    assert normalize(normalize(text)) == normalize(text)


@given(word, st.lists(st.tuples(st.integers(0, 11), st.sampled_from(
    list("\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652" + TATWEEL))), max_size=6))
@settings(max_examples=300, deadline=None)
def test_diacritics_and_tatweel_never_change_terms(plain, insertions):
    decorated = list(plain)
    for index, mark in sorted(insertions, reverse=True):
        decorated.insert(min(index, len(decorated)) or 1, mark)
    decorated = "".join(decorated)
    analyzer = ArabicAnalyzer()
    assert [t[0] for t in tokens(decorated, analyzer)] == [t[0] for t in tokens(plain, analyzer)]


@given(anything)
@settings(max_examples=300, deadline=None)
def test_offsets_slice_real_words(text):
    for t in ArabicTokenizer()(text, chars=True):
        piece = text[t.startchar:t.endchar]
        assert piece == t.text
        assert piece[0].isalnum() or piece[0] == "_"
        before = text[t.startchar - 1] if t.startchar else " "
        after = text[t.endchar] if t.endchar < len(text) else " "
        assert not (before.isalnum() or after.isalnum())


@given(anything)
@settings(max_examples=300, deadline=None)
def test_analyzer_never_crashes(text):
    for _ in ArabicAnalyzer()(text, positions=True, chars=True):
        pass


#: Where our analyzer deliberately differs from Lucene's ArabicAnalyzer: our stemmer also
#: strips pronoun suffixes (كم) and, once that is gone, ان: أيمانكم -> ايم.
LUCENE_ANALYZER_DIFFERENCES = {
    "ما ملكت أيمانكم": "ملكت ايم",
    "الذين ملكت أيمانكم": "ملكت ايم",
}


def test_lucene_analyzer_vectors():
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parent / "data" / "lucene-arabic" / "lucene_ar_analyzer.tsv"
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) == 12
    for row in rows:
        expected = LUCENE_ANALYZER_DIFFERENCES.get(row["input"], row["expected"])
        assert " ".join(t[0] for t in tokens(row["input"])) == expected, row


def test_analyzer_version_is_a_digest_of_the_rules_not_of_their_comments():
    from search import analysis

    source = Path(analysis.__file__).with_name("arabic.py").read_text("utf-8")
    code = analysis.code_of(source)
    reworded = source.replace('"""Arabic letters and the rules', '"""Letters and the rules', 1)
    commented = source.replace("\nARABIC_BLOCKS = (", "\n# a new comment\nARABIC_BLOCKS = (", 1)
    assert reworded != source and commented != source
    assert analysis.code_of(reworded) == code
    assert analysis.code_of(commented) == code
    edited = source.replace("    TEH_MARBUTA: HEH,\n", "", 1)  # a folding rule removed
    assert edited != source and analysis.code_of(edited) != code
    assert analysis.ANALYZER_VERSION == analysis.rules_digest()
    assert len(analysis.ANALYZER_VERSION) == 16


def test_one_clitic_table_feeds_every_list():
    from search import arabic, stemgroups, stemmer, variants

    assert set(stemmer.PREFIXES) == set(arabic.ARTICLE_PREFIXES) | {"و"}
    assert set(stemgroups.PROCLITICS) == set(arabic.PROCLITICS) - {"و"}
    assert set(variants.CLITICS) == {""} | set(arabic.PROCLITICS)
    assert "وك" in stemgroups.PROCLITICS and "وك" in variants.CLITICS


@pytest.mark.parametrize("modern, uthmani", [
    ("الليل", "ٱلَّيْلِ"), ("والليل", "وَٱلَّيْلِ"), ("لشيء", "لِشَا۟ىْءٍ"), ("رأى", "رَءَا"),
    ("سلاسل", "سَلَـٰسِلَا۟"),
])
def test_rasm_table_maps_uthmani_spellings_to_modern_ones(modern, uthmani):
    analyzer = ArabicAnalyzer(stoplist=(), stem=False)
    assert {t.text for t in analyzer(uthmani)} & {t.text for t in analyzer(modern)}
