"""search.splitter: lines joined into passages of about TARGET_WORDS words. One rule, one test."""

import doctest

from hypothesis import given, settings
from hypothesis import strategies as st

from search import splitter
from search.splitter import LONG_WORDS, MAX_WORDS, MIN_WORDS, TARGET_WORDS, split_passages


def words(n, word="كلمة"):
    return " ".join([word] * n)


def split(text):
    return split_passages(text, "t.txt")


def texts(text):
    return [p.text for p in split(text)]


def word_counts(text):
    return [len(p.text.split()) for p in split(text)]


def assert_spans_slice(text):
    for passage in split(text):
        assert text[passage.start : passage.end] == passage.text == passage.text.strip()


# Short lines join their neighbours


HADITH = (
    "حَدَّثَنَا قُتَيْبَةُ، حَدَّثَنَا أَبُو عَوَانَةَ، عَنْ سِمَاكِ بْنِ حَرْبٍ، عَنِ ابْنِ عُمَرَ، عَنِ النَّبِيِّ صلى الله عليه وسلم قَالَ \u200f\n"
    "\"\u200f لاَ تُقْبَلُ صَلاَةٌ بِغَيْرِ طُهُورٍ وَلاَ صَدَقَةٌ مِنْ غُلُولٍ \u200f\"\u200f \u200f.\u200f"
)


def test_chain_of_narrators_and_its_text_are_one_passage():
    [passage] = split(HADITH)
    assert passage.text == HADITH.strip() and "\n" in passage.text
    assert "قَالَ" in passage.text and "غُلُولٍ" in passage.text


def test_a_short_chain_of_narrators_is_the_title_and_still_joins_its_text():
    text = "حدثنا قتيبة حدثنا الليث عن نافع عن ابن عمر قال\nلا تقبل صلاة بغير طهور."
    [passage] = split(text)
    assert passage.title == "حدثنا قتيبة حدثنا الليث عن نافع عن ابن عمر قال"
    assert passage.text == text


VERSES = "\n".join(["بِسْمِ اللَّهِ الرَّحْمَـٰنِ الرَّحِيمِ", "الْحَمْدُ لِلَّهِ رَبِّ الْعَالَمِينَ",
                    "الرَّحْمَـٰنِ الرَّحِيمِ", "مَالِكِ يَوْمِ الدِّينِ"])


def test_verse_lines_join_into_one_passage():
    [passage] = split(VERSES)
    assert passage.text == VERSES


def test_many_verse_lines_make_passages_of_about_the_target_size():
    verse = words(7)  # seven words a line, no sentence marks: breaks only at line ends
    counts = word_counts("\n".join([verse] * 60))
    assert sum(counts) == 420 and all(TARGET_WORDS <= c <= LONG_WORDS + 7 for c in counts[:-1])
    assert counts[-1] >= MIN_WORDS


def test_ocr_wrapped_text_breaks_at_a_sentence_end_past_the_target():
    sentence = words(29) + "."  # 29 words, the last ending in a full stop
    wrapped = "\n".join(" ".join(sentence.split()[i : i + 8]) for i in range(0, 29, 8))  # mid-sentence lines
    found = split("\n".join([wrapped] * 6))
    assert [len(p.text.split()) for p in found] == [87, 87]  # three sentences each
    assert all(p.text.endswith(".") for p in found)


def test_ocr_text_without_sentence_ends_breaks_at_a_line_end_past_one_and_a_half_targets():
    line = words(9)
    counts = word_counts("\n".join([line] * 40))
    assert counts[0] == -(-LONG_WORDS // 9) * 9 and max(counts) <= MAX_WORDS


# Blank lines and headings are the preferred breaks


def test_blank_line_breaks_once_the_passage_has_half_the_target():
    half = TARGET_WORDS // 2
    assert word_counts(f"{words(half)}\n\n{words(half)}") == [half, half]


def test_blank_line_after_a_short_paragraph_does_not_break():
    assert word_counts(f"{words(10)}\n\n{words(12)}") == [22]


def test_heading_after_a_blank_line_starts_a_passage():
    text = f"{words(MIN_WORDS)}.\n\nالفصل الثاني\n{words(30)}."
    found = texts(text)
    assert [len(t.split()) for t in found] == [MIN_WORDS, 32]
    assert found[1].startswith("الفصل الثاني\n")


def test_several_blank_lines_count_as_one_break():
    half = TARGET_WORDS // 2
    assert word_counts(f"{words(half)}\n\n \n\t\n{words(half)}") == [half, half]


# Titles


def test_title_line_is_the_title_and_starts_passage_one():
    found = split("  أخبار الصباح  \n" + words(30) + ".")
    assert found[0].title == "أخبار الصباح" and found[0].text.startswith("أخبار الصباح  \nكلمة")


def test_title_is_the_same_on_every_passage_of_the_file():
    found = split("أخبار الصباح\n" + "\n\n".join([words(60) + "."] * 4))
    assert len(found) == 4 and {p.title for p in found} == {"أخبار الصباح"}


def test_a_long_first_line_is_no_title_even_when_lines_join():
    found = split(words(16) + "\n" + words(3))
    assert found[0].title is None and len(found) == 1


# Limits and spans


def test_a_passage_never_passes_max_words():
    counts = word_counts("\n".join([words(150) + "."] * 3))
    assert counts == [150, 150, 150]


def test_sentence_end_may_carry_direction_marks():
    found = texts(f"{words(TARGET_WORDS)} \u200f.\u200f {words(30)}.")
    assert len(found) == 2 and found[0].endswith("\u200f.\u200f")


def test_tiny_tail_joins_the_passage_before():
    sentence = words(20) + "."
    assert word_counts(" ".join([sentence] * 8) + " " + words(3) + ".") == [80, 83]


def test_joined_passages_slice_the_decoded_text():
    for text in (HADITH, VERSES, "\n\n  عنوان  \n" + "\n".join([words(9)] * 30) + "\n\n"):
        assert_spans_slice(text)


def test_docstring_examples_run():
    assert doctest.testmod(splitter).failed == 0


# Property: joined lines never lose, reorder or overlap text

WORDS = ["كتب", "الطالبُ", "3.5", "word", ".", "؟", "\u200f.\u200f", "،", "قال"]
LINE_BREAKS = ["\n", "\n\n", " \n ", "\n\n\n"]
short_line = st.lists(st.sampled_from(WORDS), min_size=0, max_size=12).map(" ".join)
short_lines = st.lists(st.tuples(short_line, st.sampled_from(LINE_BREAKS)), max_size=80).map(
    lambda parts: "".join(text + newline for text, newline in parts))


@settings(max_examples=150, deadline=None)
@given(short_lines)
def test_joined_lines_keep_every_character_in_order(text):
    found = split(text)
    previous_end, covered = 0, set()
    for number, passage in enumerate(found, start=1):
        assert passage.number == number
        assert text[passage.start : passage.end] == passage.text == passage.text.strip()
        assert passage.start >= previous_end and 0 < len(passage.text.split()) <= MAX_WORDS
        previous_end = passage.end
        covered.update(range(passage.start, passage.end))
    assert all(i in covered for i, c in enumerate(text) if not c.isspace())
