"""spelling: the differences between a typed and a written word, and exact matching."""

import pytest

from search.spelling import EXACT, KINDS, compatible, differences, has_marks, letters, surface

DIACRITICS = frozenset({"diacritics"})


def kinds(typed, written):
    return sorted(differences(typed, written))


# -- surface forms ---------------------------------------------------------------------

def test_surface_drops_tatweel_and_controls():
    assert surface("الدفـــاع") == "الدفاع"
    assert surface("سو\u200cريا\u200f") == "سوريا"


def test_surface_keeps_marks_hamza_ta_marbuta_alef_maqsura_and_clitics():
    assert surface("وَالمَدْرَسَةُ") == "وَالمَدْرَسَةُ"
    assert surface("سأل") == "سأل"
    assert surface("مستشفى") == "مستشفى"


def test_surface_maps_lookalikes_and_presentation_forms():
    assert surface("کتاب") == "كتاب"
    assert surface("\ufefb") == "لا"


def test_surface_reads_uthmani_encodings_as_standard_marks():
    # Tanzil writes sukun U+0652, the King Fahd Complex U+06E1; open tanween U+08F0-2.
    assert surface("بِسۡمِ") == surface("بِسْمِ") == "بِسْمِ"
    assert surface("عَلِيمًۢا") == "عَلِيمًا"
    assert surface("عَلِيمࣰا") == "عَلِيمًا"


def test_surface_drops_annotation_marks():
    assert surface("ٱلْكِتَٰبُۖ") == "ٱلْكِتَٰبُ"


def test_surface_puts_a_hamza_on_a_tatweel_seat_on_its_modern_seat():
    assert surface("يَسْـَٔلُونَ") == "يَسْأَلُونَ"


def test_surface_of_empty_and_latin():
    assert surface("") == ""
    assert surface("Search") == "Search"


def test_letters_carry_their_marks():
    found = letters("عِلْمٌ")
    assert [l.written for l in found] == ["ع", "ل", "م"]
    assert [len(l.marks) for l in found] == [1, 1, 1]


def test_letters_read_small_letters_as_optional_letters():
    found = letters("ٱلْكِتَٰبُ")
    assert [l.key for l in found] == list("الكتاب")
    assert found[4].small


# -- differences -----------------------------------------------------------------------

def test_identical_words_have_no_difference():
    assert kinds("عِلْم", "عِلْم") == []
    assert kinds("", "") == []


def test_diacritics():
    assert kinds("عِلْم", "عَلَم") == ["diacritics"]
    assert kinds("علم", "عَلِمَ") == ["diacritics"]


def test_hamza_missing_or_on_another_seat():
    assert kinds("سأل", "سال") == ["hamza"]
    assert kinds("إسلام", "أسلام") == ["hamza"]
    assert kinds("سؤال", "سوال") == ["hamza"]
    assert kinds("رئيس", "رييس") == ["hamza"]


def test_alef_forms_without_a_hamza_difference():
    assert kinds("الكتاب", "ٱلكتاب") == ["alef"]
    assert kinds("امن", "آمن") == ["alef"]


def test_uthmani_hamza_before_alef_is_the_madda():
    assert kinds("آدم", "ءَادَمُ") == ["diacritics"]


def test_ta_marbuta_and_alef_maqsura():
    assert kinds("مدرسة", "مدرسه") == ["ta_marbuta"]
    assert kinds("مستشفى", "مستشفي") == ["alef_maqsura"]


def test_tatweel():
    assert kinds("الدفاع", "الدفـــاع") == ["tatweel"]


def test_digits_of_the_other_family():
    assert kinds("2024", "٢٠٢٤") == ["digits"]


def test_clitics_added_or_dropped():
    assert kinds("علم", "والعلم") == ["clitic"]
    assert kinds("بالكتاب", "الكتاب") == ["clitic"]
    assert kinds("كتاب", "كتابهم") == ["clitic"]


def test_another_ending_of_the_stem():
    assert kinds("مدرسة", "مدرسات") == ["stem"]
    assert kinds("معلم", "معلمون") == ["stem"]


def test_a_small_letter_matches_the_letter_or_nothing():
    assert kinds("الكتاب", "ٱلْكِتَٰبُ") == ["alef", "diacritics"]
    assert kinds("ذلك", "ذَٰلِكَ") == ["diacritics"]


def test_several_kinds_at_once():
    assert kinds("وسأل", "سَال") == ["clitic", "diacritics", "hamza"]


def test_every_kind_is_named():
    assert set(KINDS) >= {"diacritics", "hamza", "alef", "ta_marbuta", "alef_maqsura",
                          "tatweel", "digits", "clitic", "stem"}
    assert EXACT == ("diacritics", "hamza", "ta_marbuta", "alef_maqsura", "form")


# -- compatible ------------------------------------------------------------------------

@pytest.mark.parametrize("written, expected", [
    ("عَلَم", True), ("عَلِمَ", True), ("عِلْم", False), ("علم", True), ("عُلِمَ", False)])
def test_marks_typed_must_agree(written, expected):
    assert compatible("عَلم", written, DIACRITICS) is expected


def test_a_bare_word_constrains_nothing():
    for written in ("عِلْم", "عَلَم", "عَلِمَ"):
        assert compatible("علم", written, DIACRITICS)


def test_an_unvocalised_letter_contradicts_nothing():
    assert compatible("عِلْم", "علم", DIACRITICS)
    assert compatible("عِلْم", "عِلم", DIACRITICS)


def test_shadda_must_be_written_where_typed():
    assert compatible("عَلَّمَ", "عَلَّمَ", DIACRITICS)
    assert not compatible("عَلَّمَ", "عَلَمَ", DIACRITICS)
    assert compatible("عَلَمَ", "عَلَّمَ", DIACRITICS)  # a vowel typed, shadda written


def test_marks_on_uthmani_text_in_either_encoding():
    for written in ("ٱلْعِلْمِ", "ٱلۡعِلۡمِ"):
        assert compatible("العِلْم", written, DIACRITICS)
        assert not compatible("العَلَم", written, DIACRITICS)


def test_marks_across_clitics():
    assert compatible("عَلم", "وَالعَلَمُ", DIACRITICS)
    assert not compatible("عَلم", "وَالعِلْمُ", DIACRITICS)


def test_exact_hamza():
    hamza = frozenset({"hamza"})
    assert not compatible("سأل", "سال", hamza)
    assert compatible("سأل", "سَأَلَ", hamza)
    assert compatible("سال", "سَالَ", hamza)
    assert not compatible("سال", "سأل", hamza)
    assert compatible("الكتاب", "ٱلكتاب", hamza)  # an alef difference is not a hamza one


def test_exact_ta_marbuta_and_alef_maqsura():
    assert not compatible("مدرسة", "مدرسه", frozenset({"ta_marbuta"}))
    assert compatible("مدرسة", "المدرسة", frozenset({"ta_marbuta"}))
    assert not compatible("مستشفى", "مستشفي", frozenset({"alef_maqsura"}))
    assert compatible("مستشفى", "مستشفي", frozenset({"hamza"}))


def test_exact_form_refuses_clitics_and_other_endings():
    form = frozenset({"form"})
    assert compatible("الكتاب", "الْكِتَابُ", form)
    assert not compatible("الكتاب", "والكتاب", form)
    assert not compatible("كتاب", "كتابهم", form)
    assert compatible("الكتاب", "ٱلْكِتَٰبُ", form)


def test_no_exact_accepts_everything():
    assert compatible("سأل", "وسالوا", frozenset())


def test_options_combine():
    both = frozenset({"hamza", "diacritics"})
    assert compatible("سَأل", "سَأَلَ", both)
    assert not compatible("سَأل", "سَالَ", both)
    assert not compatible("سَأل", "سُئِلَ", both)


def test_has_marks():
    assert has_marks("عِلْم")
    assert not has_marks("علم")
    assert not has_marks("")
    assert not has_marks("word")
