"""One rule, one test: ``search.arabic.normalize`` and ``spellings``."""

import csv
from pathlib import Path

import pytest

from search.arabic import DIACRITICS, normalize, spellings, strip_marks

LUCENE = Path(__file__).resolve().parent / "data" / "lucene-arabic"  # SOURCE.md there


def check(word, expected):
    assert normalize(word) == expected


# Rule 1: compatibility forms
def test_presentation_forms_fold():
    check("\ufedf\ufee4\ufeea", "لمه")  # initial/medial/final forms of ل م ة


def test_lam_alef_ligature_folds():
    check("\ufefb\ufe91\ufeaa", "لابد")


def test_allah_ligature_folds():
    check("\ufdf2", "الله")


def test_phrase_ligature_stays_one_word():
    assert " " not in normalize("\ufdfa")


def test_combining_hamza_composes_with_alef():
    check("ا\u0654مر", "امر")
    check("سو\u0654ال", "سؤال")


def test_fullwidth_latin_folds():
    check("ＡＢＣ", "abc")


# Rule 2: Uthmani spellings
def test_waw_with_dagger_alef_is_alef():
    check("ٱلصَّلَوٰةَ", "الصلاه")


def test_hamza_on_tatweel_takes_seat_from_fatha():
    check("يَسْـَٔلُونَكَ", "يسالونك")


def test_hamza_on_tatweel_takes_seat_from_kasra():
    check("سُـِٔلَ", "سئل")


def test_hamza_on_tatweel_takes_seat_from_damma():
    check("يَطَـُٔونَ", "يطؤون")


def test_hamza_before_alef_is_madda():
    check("ءَامَنُوا۟", normalize("آمنوا"))


def test_hamza_on_tatweel_before_alef_is_madda():
    check("بِـَٔايَٰتِ", normalize("بأيت"))
    assert normalize("بآيات") in spellings("بِـَٔايَٰتِ")


def test_hamza_on_tatweel_before_the_alef_of_tanween_keeps_its_seat():
    check("مَـَٔابٍ", "ماب")
    check("شَيْـًٔا", normalize("شيئا"))  # after yeh: see below


def test_hamza_on_tatweel_after_yeh_without_vowel_or_with_kasra_sits_on_yeh():
    check("شَيْـًٔا", normalize("شيئا"))
    check("ٱلسَّيِّـَٔاتِ", normalize("السيئات"))
    check("خَطِيٓـَٔاتِ", normalize("خطيئات"))


def test_hamza_on_tatweel_after_yeh_with_a_vowel_takes_its_own_vowel():
    check("يَـُٔودُهُۥ", normalize("يؤوده"))


def test_hamzas_and_alefs_in_a_row_fold_to_one_alef():
    check("ءءآ", "ا")


def test_hamza_after_a_first_alef_is_one_with_it():
    check("أَءِنَّكَ", normalize("أإنك"))
    check("أءنك", "انك")


# Rule 3: marks removed
@pytest.mark.parametrize("mark", [chr(c) for c in range(0x064B, 0x0653)])
def test_each_haraka_removed(mark):
    check("كت" + mark + "ب", "كتب")


def test_dagger_alef_removed():
    check("هَٰذَا", "هذا")


@pytest.mark.parametrize("mark", [chr(c) for c in range(0x0610, 0x061B)]
                         + [c for c in map(chr, range(0x06D6, 0x06EE)) if c in DIACRITICS])
def test_quranic_marks_removed(mark):
    check("فيه" + mark, "فيه")


@pytest.mark.parametrize("mark", ["\u08f0", "\u08f1", "\u08f2"])
def test_open_tanween_removed(mark):
    check("هدي" + mark, "هدي")


def test_small_waw_and_yeh_removed():
    check("إِنَّهُۥ", "انه")
    check("إِۦلَٰفِ", "الف")


def test_tatweel_removed():
    check("روبرـــــت", "روبرت")


# Rule 4: invisible controls
@pytest.mark.parametrize("control", ["\u200c", "\u200d", "\u200b", "\u200e", "\u200f",
                                     "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
                                     "\u2066", "\u2067", "\u2068", "\u2069", "\u061c",
                                     "\ufeff"])
def test_invisible_controls_removed(control):
    check("سو" + control + "ريا", "سوريا")


# Rule 5: letter forms
@pytest.mark.parametrize("alef", ["أ", "إ", "آ", "ٱ", "\u0672", "\u0673"])
def test_alef_forms_fold(alef):
    check(alef + "حمد", "احمد")


def test_alef_maksura_is_yeh():
    check("بنى", "بني")


def test_teh_marbuta_is_heh():
    check("فاطمة", "فاطمه")


@pytest.mark.parametrize("persian, arabic", [("ک", "ك"), ("ڪ", "ك"), ("ی", "ي"), ("ې", "ي"),
                                             ("ہ", "ه"), ("ە", "ه"), ("ۀ", "ه"), ("ۃ", "ه")])
def test_persian_and_urdu_look_alikes_fold(persian, arabic):
    check("ب" + persian, "ب" + arabic)


def test_hamza_on_waw_and_yeh_kept():
    check("سؤال", "سؤال")
    check("رئيس", "رئيس")


# Rule 6: digits
def test_arabic_indic_digits_fold():
    check("٠١٢٣٤٥٦٧٨٩", "0123456789")


def test_eastern_digits_fold():
    check("۰۱۲۳۴۵۶۷۸۹", "0123456789")


# Rule 7: case
def test_latin_casefolds():
    check("CNN", "cnn")


def test_empty_string():
    check("", "")


def test_non_arabic_unchanged_but_lowercased():
    check("hello123", "hello123")


# Uthmani readings
def test_dagger_alef_word_has_both_readings():
    assert spellings("ٱلْكِتَٰبُ") == ("الكتب", "الكتاب")
    assert spellings("ذَٰلِكَ")[0] == "ذلك"


def test_yeh_with_dagger_alef_is_alef_inside_a_word():
    assert normalize("هداهم") in spellings("هَدَىٰهُمْ")
    assert normalize("التوراة") in spellings("ٱلتَّوْرَىٰةَ")


def test_yeh_with_dagger_alef_ending_a_word_is_alef_maksura():
    assert normalize("وتعالى") in spellings("وَتَعَـٰلَىٰ")
    assert spellings("مُوسَىٰ") == (normalize("موسى"),)


def test_small_waw_or_yeh_after_the_pronoun_is_not_written():
    assert normalize("كتابه") in spellings("كِتَـٰبَهُۥ")
    assert normalize("سبحانه") in spellings("سُبْحَـٰنَهُۥ")
    assert spellings("بِهِۦ") == ("به",)


def test_small_waw_elsewhere_is_written():
    assert normalize("الغاوون") in spellings("ٱلْغَاوُۥنَ")


def test_small_high_yeh_and_noon_are_written_in_the_full_reading():
    assert normalize("إبراهيم") in spellings("إِبْرَٰهِـۧمَ")
    assert normalize("ننجي") in spellings("نُـۨجِي")


def test_final_hamza_on_waw_with_silent_alef_is_the_hamza():
    assert normalize("البلاء") in spellings("ٱلْبَلَـٰٓؤُا۟")
    assert normalize("شركاء") in spellings("شُرَكَـٰٓؤُا۟")


def test_final_silent_alef_stays_in_every_reading():
    assert spellings("قَالُوا۟") == ("قالوا",)
    assert spellings("وَجَـٰهِدُوا۟") == ("وجهدوا", "وجاهدوا")


def test_hamza_on_tatweel_before_any_alef_form_is_madda():
    assert normalize("بِـَٔأيَٰتِ") == normalize("بِـَٔايَٰتِ")
    assert normalize("بِـَٔــايَٰتِ") == normalize("بِـَٔايَٰتِ")  # tatweel is no letter


def test_plain_word_has_one_reading():
    assert spellings("الكتاب") == ("الكتاب",)


def test_strip_marks_keeps_letters_as_written():
    assert strip_marks("أَمْرِيكِـيَّة") == "أمريكية"


def lucene_rows(name):
    path = LUCENE / name
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_lucene_normalization_vectors():
    for row in lucene_rows("lucene_ar_normalization.tsv"):
        assert " ".join(normalize(w) for w in row["input"].split()) == row["expected"], row
