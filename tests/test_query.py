"""The query language: what parses, and the message for what does not."""

import pytest

from search.errors import QueryError
from search.query import MAX_QUERY_CHARS, MAX_WORDS, Clause, parse


def kinds(text):
    return [[(c.text, c.kind, c.negated) for c in group] for group in parse(text)]


def test_plain_words_are_anded_groups():
    assert kinds("وزارة الدفاع") == [[("وزارة", "word", False)], [("الدفاع", "word", False)]]


def test_phrase():
    assert kinds('"وزارة الدفاع" روسيا') == [[("وزارة الدفاع", "phrase", False)],
                                             [("روسيا", "word", False)]]


def test_arabic_quotation_marks_make_a_phrase():
    assert kinds("«وزارة الدفاع»") == [[("وزارة الدفاع", "phrase", False)]]


def test_exclusion():
    assert kinds("سوريا -روسيا") == [[("سوريا", "word", False)], [("روسيا", "word", True)]]


def test_excluded_phrase():
    assert kinds('سوريا -"وزارة الدفاع"')[1] == [("وزارة الدفاع", "phrase", True)]


def test_or_binds_tighter_than_and():
    assert kinds("سوريا روسيا OR ايران") == [[("سوريا", "word", False)],
                                             [("روسيا", "word", False), ("ايران", "word", False)]]


def test_prefix():
    assert parse("سور*") == [[Clause("سور", "prefix")]]


@pytest.mark.parametrize("query, expected", [
    ('"وزارة الدفاع', [[("وزارة", "word", False)], [("الدفاع", "word", False)]]),
    ('-"وزارة الدفاع', [[("وزارة", "word", True)], [("الدفاع", "word", False)]]),
    ('"وزارة الدفاع" "روسيا سوريا', [[("وزارة الدفاع", "phrase", False)],
                                    [("روسيا", "word", False)], [("سوريا", "word", False)]]),
    ('«وزارة الدفاع', [[("وزارة", "word", False)], [("الدفاع", "word", False)]]),
])
def test_a_quote_left_open_is_dropped_and_the_rest_read_as_words(query, expected):
    assert kinds(query) == expected


def test_punctuation_alone_is_ignored():
    assert kinds("سوريا ، .") == [[("سوريا", "word", False)]]


@pytest.mark.parametrize("query, message", [
    ("", "empty"),
    ("   ", "empty"),
    ("OR سوريا", "OR needs a word"),
    ("سوريا OR", "OR needs a word"),
    ("سوريا OR OR روسيا", "OR needs a word"),
    ("سوريا -", "must be followed"),
    ("*", "at least 2 letters"),
    ("س*", "at least 2 letters"),
    ("س*ر", "can only end"),
    ("-سوريا", "only excludes"),
    ("سوريا OR -روسيا", "cannot be part of an OR"),
    ("، . ؟", "no words"),
    ("ا" * (MAX_QUERY_CHARS + 1), "too long"),
    (" ".join(["كلمة"] * (MAX_WORDS + 1)), "too many words"),
])
def test_malformed_query_message(query, message):
    with pytest.raises(QueryError) as caught:
        parse(query)
    assert message in caught.value.english
    assert caught.value.code != "untranslated"


def test_plain_words_takes_syntax_out_of_a_question():
    from search.query import plain_words

    assert parse(plain_words('"لماذا" -قال OR الله*؟')) == \
        [[Clause("لماذا")], [Clause("قال")], [Clause("الله")]]


def test_the_arabic_near_operator_needs_its_number_for_qarib_is_a_word():
    assert kinds("انفجار قرب دمشق") == [[("انفجار", "word", False)], [("قرب", "word", False)],
                                        [("دمشق", "word", False)]]
    assert parse("انفجار قرب/3 دمشق") == [[Clause("انفجار دمشق", "near", False, 3)]]
    assert parse("انفجار NEAR دمشق")[0][0].distance == 5
