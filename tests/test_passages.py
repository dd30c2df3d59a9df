"""search.passages: one rule, one test. Decoding, splitting, spans and the corpus walk."""

import codecs
import doctest
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search import passages
from search.errors import SearchError
from search.passages import (
    UndecodableFileError,
    decode_bytes,
    iter_corpus_files,
    read_passages,
    split_passages,
)
from search.splitter import MAX_WORDS, MIN_WORDS, TARGET_WORDS

ARABIC = "تعلن الوزارة عن بدء التسجيل في المدارس الحكومية للعام الدراسي الجديد"
GREETING = "السلام على الجميع"  # valid bytes in both cp1256 and ISO-8859-6


def texts(text):
    return [p.text for p in split_passages(text, "t.txt")]


def words(n, word="كلمة"):
    return " ".join([word] * n)


def word_counts(text):
    return [len(p.text.split()) for p in split_passages(text, "t.txt")]


# Decoding


def test_utf8_is_decoded():
    assert decode_bytes(ARABIC.encode("utf-8")) == (ARABIC, "utf-8")


def test_utf8_bom_is_stripped():
    assert decode_bytes(codecs.BOM_UTF8 + ARABIC.encode("utf-8")) == (ARABIC, "utf-8-sig")


@pytest.mark.parametrize("bom, codec", [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_utf16_with_bom(bom, codec):
    assert decode_bytes(bom + ARABIC.encode(codec)) == (ARABIC, "utf-16")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [ARABIC, "Plain Latin text, one line.\n", f"{ARABIC} (2024)\n"])
def test_utf16_without_bom_is_recognised_by_its_high_bytes(codec, text):
    assert decode_bytes(text.encode(codec)) == (text, codec)


@pytest.mark.parametrize("bom, codec", [(codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be")])
def test_utf32_with_bom(bom, codec):
    assert decode_bytes(bom + ARABIC.encode(codec)) == (ARABIC, "utf-32")


def test_cp1256_arabic_is_detected():
    assert decode_bytes(ARABIC.encode("cp1256")) == (ARABIC, "cp1256")


def test_iso8859_6_arabic_is_detected():
    assert decode_bytes(ARABIC.encode("iso8859-6")) == (ARABIC, "iso8859-6")


@pytest.mark.parametrize("codec", ["cp1256", "iso8859-6"])
def test_code_page_that_reads_as_arabic_wins_when_both_decode(codec):
    data = GREETING.encode(codec)
    assert data.decode("cp1256") and data.decode("iso8859-6")  # both decode: the score decides
    assert decode_bytes(data) == (GREETING, codec)


def test_nul_bytes_mean_binary():
    with pytest.raises(UndecodableFileError, match="binary file"):
        decode_bytes(b"GIF89a\x00\x01\x00\x01" + ARABIC.encode("utf-8"))


def test_many_control_characters_mean_binary():
    with pytest.raises(UndecodableFileError, match="binary file"):
        decode_bytes(b"abc\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e\x0f\x10def")


def test_a_stray_control_character_is_still_text():
    data = (ARABIC + "\x1a").encode("utf-8")
    assert decode_bytes(data) == (ARABIC + "\x1a", "utf-8")


def test_crlf_and_lone_cr_become_newlines():
    assert decode_bytes(b"a\r\nb\rc\n\r\n")[0] == "a\nb\nc\n\n"


def test_other_characters_are_kept_verbatim():
    text = "ﻻ الكتـــاب ٢٠٢٤ می\u200cخواهم \u202eمعكوس\u202c"  # no NFKC, no folding
    assert decode_bytes(text.encode("utf-8"))[0] == text


def test_empty_bytes_decode_to_empty_text():
    assert decode_bytes(b"") == ("", "utf-8")


def test_undecodable_file_error_is_a_search_error():
    assert issubclass(UndecodableFileError, SearchError)


# read_passages on the test corpus


def test_binary_file_is_rejected_with_its_name(edge_corpus):
    with pytest.raises(UndecodableFileError, match=r"binary\.txt.*binary file") as info:
        read_passages(edge_corpus / "binary.txt", edge_corpus)
    assert info.value.source == "binary.txt"


@pytest.mark.parametrize("name", ["empty.txt", "blank.txt"])
def test_empty_or_blank_file_gives_no_passages(edge_corpus, name):
    assert read_passages(edge_corpus / name, edge_corpus) == []


@pytest.mark.parametrize(
    "name, encoding",
    [
        ("vocalised.txt", "utf-8"),
        ("cp1256.txt", "cp1256"),
        ("iso8859_6.txt", "iso8859-6"),
        ("utf16.txt", "utf-16"),
        ("utf8_bom.txt", "utf-8-sig"),
    ],
)
def test_corpus_file_is_decoded_with_the_encoding_it_was_written_in(edge_corpus, name, encoding):
    text, found = decode_bytes((edge_corpus / name).read_bytes())
    assert found == encoding
    assert "\r" not in text and "\ufeff" not in text
    assert len(set(text) & set("ابتثجحخدذرسشصضطظعغفقكلمنهوي")) > 10


def test_every_span_slices_the_decoded_text(edge_corpus):
    checked = 0
    for source, path in iter_corpus_files(edge_corpus):
        if source == "binary.txt":
            continue
        decoded, _ = decode_bytes(path.read_bytes())
        for passage in read_passages(path, edge_corpus):
            assert passage.source == source
            assert decoded[passage.start : passage.end] == passage.text
            checked += 1
    assert checked > 10


def test_long_corpus_paragraph_is_split_within_max_words(edge_corpus):
    found = read_passages(edge_corpus / "names.txt", edge_corpus)
    counts = [len(p.text.split()) for p in found]
    assert len(found) >= 5 and max(counts) <= MAX_WORDS
    assert all(p.text[-1] in ".؟؛" for p in found[2:])  # the long paragraph splits after sentences


def test_passage_source_uses_posix_separators(edge_corpus):
    [first] = read_passages(edge_corpus / "nested" / "sub" / "deep.txt", edge_corpus)  # title and line joined
    assert first.source == "nested/sub/deep.txt"


def test_quran_file_has_the_uthmani_marks(edge_corpus):
    text = (edge_corpus / "quran_uthmani.txt").read_text(encoding="utf-8")
    for mark in ("\u0671", "\u0670", "\u06e5", "\u0654", "\u06d6", "\u06db"):
        assert mark in text
    assert any("\u08f0" <= c <= "\u08f2" for c in text)


def test_tatweel_file_has_its_edge_cases(edge_corpus):
    text = (edge_corpus / "tatweel_ligatures.txt").read_text(encoding="utf-8")
    for char in ("\u0640", "\ufefb", "\u06a9", "\u06cc", "\u06c1", "\u0662", "\u06f4", "\u200c", "\u200f"):
        assert char in text
    assert sum("\ufe70" <= c <= "\ufeff" for c in text) > 5


@pytest.mark.parametrize(
    "name, title",
    [
        ("vocalised.txt", "اللُّغَةُ الْعَرَبِيَّةُ وَعُلُومُهَا"),
        ("cp1256.txt", "معرض الكتاب"),
        ("utf8_bom.txt", "نشرة الطقس"),
        ("names.txt", "الجفاف في المنطقة"),
    ],
)
def test_corpus_title_is_the_first_line_verbatim(edge_corpus, name, title):
    found = read_passages(edge_corpus / name, edge_corpus)
    assert found[0].text.startswith(title) and {p.title for p in found} == {title}


def test_markup_and_bidi_controls_are_kept_verbatim(edge_corpus):
    text = " ".join(p.text for p in read_passages(edge_corpus / "hostile.txt", edge_corpus))
    for hostile in ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "\u202e", "&amp;"):
        assert hostile in text


def test_path_outside_root_is_refused(tmp_path, edge_corpus):
    with pytest.raises(ValueError):
        read_passages(edge_corpus / "vocalised.txt", tmp_path)


# Splitting


def test_short_lines_join_into_one_passage():
    text = "السطر الأول\nالسطر الثاني\n\n\nالسطر الثالث"
    assert texts(text) == [text]


def test_passage_is_trimmed_and_its_span_still_slices():
    text = "\n  \tكلمة أولى \u00a0 \n"
    [passage] = split_passages(text, "t.txt")
    assert passage.text == "كلمة أولى"
    assert text[passage.start : passage.end] == passage.text


def test_passages_are_numbered_from_one_in_order():
    found = split_passages("\n\n".join(words(TARGET_WORDS // 2, w) for w in "أبج"), "t.txt")
    assert [(p.number, p.text[0]) for p in found] == [(1, "أ"), (2, "ب"), (3, "ج")]


def test_short_first_line_is_title_and_passage_one():
    found = split_passages("\n  أخبار الصباح  \n" + ARABIC + ".", "t.txt")
    assert found[0].text == "أخبار الصباح  \n" + ARABIC + "."  # a heading joins its text
    assert [p.title for p in found] == ["أخبار الصباح"]


def test_first_line_of_more_than_15_words_is_not_a_title():
    assert split_passages(words(16) + "\n" + ARABIC, "t.txt")[0].title is None


def test_first_line_of_more_than_120_characters_is_not_a_title():
    assert split_passages(words(15, "استكشافاتهم"), "t.txt")[0].title is None


@pytest.mark.parametrize("end", [".", "؛", "…", "،", ":"])
def test_first_line_ending_like_a_sentence_is_not_a_title(end):
    assert split_passages(f"وصل الوفد{end}\nنص", "t.txt")[0].title is None


@pytest.mark.parametrize("end", ["؟", "?", "!"])
def test_first_line_ending_in_question_or_exclamation_can_be_a_title(end):
    assert split_passages(f"من يربح السباق{end}\nنص", "t.txt")[0].title == f"من يربح السباق{end}"


@pytest.mark.parametrize("mark", [".", "!", "?", "؟", "؛", "۔", "…"])
def test_long_paragraph_splits_at_sentence_mark(mark):
    found = texts(f"{words(150)}{mark} {words(100)}.")
    assert [len(t.split()) for t in found] == [150, 100]
    assert found[0].endswith(mark)


@pytest.mark.parametrize("closer", ["”", "»", ")", '"'])
def test_sentence_mark_may_be_followed_by_a_closing_quote_or_bracket(closer):
    found = texts(f"{words(150)}.{closer} {words(100)}.")
    assert found[0].endswith("." + closer) and len(found) == 2


def test_passages_never_exceed_max_words_and_keep_sentences_whole():
    sentence = words(6) + "."  # six words, the last ending in "."
    counts = word_counts(" ".join([sentence] * 150))
    assert max(counts) <= MAX_WORDS and all(count % 6 == 0 for count in counts)


def test_number_with_a_decimal_point_is_not_a_sentence_end():
    found = texts(f"{words(150)} 3.5 {words(100)}.")
    assert [len(t.split()) for t in found] == [126, 125]  # one sentence of 251 words, cut in halves
    assert not any(t.endswith(("3", "3.", "3.5")) for t in found)


def test_sentence_longer_than_max_words_is_cut_at_word_boundaries():
    assert word_counts(words(2 * MAX_WORDS + 50)) == [150, 150, 150]


def test_tiny_tail_borrows_a_sentence_from_the_passage_before():
    counts = word_counts(f"{words(40)}. {words(158)}. {words(4)}.")  # greedy: 198 + 4; 202 > 200
    assert counts == [40, 162] and min(counts) >= MIN_WORDS


def test_empty_and_whitespace_text_give_no_passages():
    assert split_passages("", "t.txt") == [] and split_passages(" \n\t\n", "t.txt") == []


def test_non_arabic_text_is_split_too():
    assert texts("Title\nOne line of English.") == ["Title\nOne line of English."]


# The corpus walk


def test_corpus_walk_recurses_skips_hidden_and_sorts(edge_corpus):
    sources = [source for source, _ in iter_corpus_files(edge_corpus)]
    assert "nested/sub/deep.txt" in sources and "vocalised.txt" in sources
    assert not any(part.startswith(".") for source in sources for part in source.split("/"))
    assert sources == sorted(sources)


def test_corpus_walk_yields_absolute_paths(edge_corpus):
    assert all(path.is_absolute() and path.is_file() for _, path in iter_corpus_files(edge_corpus))


def test_hidden_folders_are_skipped(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref", encoding="utf-8")
    (tmp_path / "a.txt").write_text("نص", encoding="utf-8")
    assert [source for source, _ in iter_corpus_files(tmp_path)] == ["a.txt"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlink_outside_root_is_skipped_and_inside_is_kept(tmp_path):
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir(), outside.mkdir()
    (outside / "secret.txt").write_text("سر", encoding="utf-8")
    (corpus / "a.txt").write_text("نص", encoding="utf-8")
    (corpus / "leak.txt").symlink_to(outside / "secret.txt")
    (corpus / "leak_folder").symlink_to(outside, target_is_directory=True)
    (corpus / "alias.txt").symlink_to(corpus / "a.txt")
    assert [source for source, _ in iter_corpus_files(corpus)] == ["a.txt", "alias.txt"]


def test_missing_corpus_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="corpus folder not found"):
        list(iter_corpus_files(tmp_path / "nowhere"))


def test_docstring_examples_run():
    assert doctest.testmod(passages).failed == 0


# Property: splitting never loses or reorders text

TOKENS = ["كتب", "الطالبُ", "ﻻ", "3.5", "word", ".", "؟", "؛", "۔", "…", "!", "?", "”", "»", ")", "،"]
SPACES = [" "] * 12 + ["\t", "\u00a0", "\u2028", "\x0b"]
NEWLINES = ["\n", "\n\n", "\r\n", " \n "]
chunk = st.lists(st.sampled_from(TOKENS + SPACES), max_size=120).map("".join)
# A chunk repeated: long lines cheaply, as a paragraph must pass MAX_WORDS before it is split.
line = st.builds(lambda text, times: (text + " ") * times, chunk, st.integers(1, 400))
lines = st.lists(st.tuples(line, st.sampled_from(NEWLINES)), max_size=4)
token_text = lines.map(lambda parts: "".join(text + newline for text, newline in parts))


@settings(max_examples=120, deadline=None)
@given(st.one_of(token_text, st.text(max_size=300)))
def test_splitting_keeps_every_character_in_order(text):
    found = split_passages(text, "t.txt")
    covered = set()
    previous_end = 0
    for number, passage in enumerate(found, start=1):
        assert passage.number == number
        assert text[passage.start : passage.end] == passage.text == passage.text.strip()
        assert passage.start >= previous_end and passage.text
        assert len(passage.text.split()) <= MAX_WORDS
        previous_end = passage.end
        covered.update(range(passage.start, passage.end))
    assert all(i in covered for i, c in enumerate(text) if not c.isspace())


# Decoding by the evidence (rule 4)


def test_mostly_valid_utf8_is_utf8_with_the_bad_bytes_counted():
    data = bytearray((ARABIC + " " + ARABIC).encode("utf-8"))
    data[3] = 0xFF
    decoded = passages.decode_text(bytes(data))
    assert decoded.encoding == "utf-8" and decoded.replaced >= 1
    assert ARABIC in decoded.text and "\ufffd" in decoded.text


def test_windows_1256_is_not_mistaken_for_broken_utf8():
    assert passages.decode_text(ARABIC.encode("cp1256")) == passages.DecodedText(ARABIC, "cp1256", 0)


def test_latin_text_with_a_few_high_bytes_is_not_utf8():
    assert passages.decode_text(b"caf\xe9 and cr\xe8me").encoding != "utf-8"
