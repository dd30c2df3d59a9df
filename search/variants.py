"""Spelling variants of names (``variants.txt``), as term maps for the analyzer.

Normalisation folds letter forms; it cannot know that سورية and سوريا, or البنتاغون and
البنتاجون, name the same thing. The table lists such groups; loading runs each entry
through the same normalisation and stemming as the text, so the maps speak in terms:

- ``word_variants()``: normalised word, bare or with a clitic (والبنتاجون) -> the
  group's first normalised word with the same clitic;
- ``stem_variants()``: stem -> the group's first stem, for words with clitics or
  suffixes (والبنتاجون). Stems under ``MIN_STEM_LENGTH`` letters are left out: the stem
  of سورية is سور, which is also the stem of سورة and سور; mapping it would merge them.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from .arabic import PROCLITICS, normalize
from .stemmer import STEMMERS, stem


#: Shorter stems are too ambiguous to map (see above).
MIN_STEM_LENGTH = 4


def read_groups(text: str) -> list[list[str]]:
    """Groups of words from the table's text: one group a line, '#' comments.

    >>> read_groups("# names\\nسوريا سورية\\n")
    [['سوريا', 'سورية']]
    """
    groups = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) > 1:
            groups.append(words)
    return groups


#: The tables of spelling variants: names (variants.txt) and Qur'anic rasm (rasm.txt).
VARIANT_FILES = ("variants.txt", "rasm.txt")


@lru_cache(maxsize=1)
def _groups() -> tuple[tuple[str, ...], ...]:
    groups = []
    for name in VARIANT_FILES:
        text = resources.files(__package__).joinpath(name).read_text("utf-8")
        groups += [tuple(normalize(w) for w in group) for group in read_groups(text)]
    return tuple(groups)


def _first_wins(groups) -> dict[str, str]:
    table: dict[str, str] = {}
    for group in groups:
        if not group:
            continue
        for word in group[1:]:
            if word != group[0]:
                table.setdefault(word, group[0])
    return table


#: Clitics a variant may carry in running text; the exact-word map covers each of them.
#: Not the article: a name that takes it has it in the table, and on other words it
#: makes an adjective (السورية, "the Syrian"), not a spelling of the name.
CLITICS = ("",) + PROCLITICS


@lru_cache(maxsize=1)
def word_variants() -> dict[str, str]:
    """Normalised variant, with or without a clitic -> preferred spelling, same clitic."""
    return _first_wins(
        tuple(clitic + word for word in group)
        for group in _groups() for clitic in CLITICS
    )


@lru_cache(maxsize=1)
def stem_variants() -> dict[str, str]:
    """Stem of a variant -> stem of the preferred spelling."""
    stems = (tuple(stem(w) for w in group) for group in _groups())
    return _first_wins(
        tuple(s for s in group if len(s) >= MIN_STEM_LENGTH) for group in stems
    )



def stem_of(word: str, stemmer: str = "light") -> str:
    """The stem of a normalised word, name variants mapped (the light stemmer's only):
    what the analyzer indexes with stemming, and what queries group forms by.

    >>> stem_of("والبنتاجون")
    'بنتاغ'
    """
    stemmed = STEMMERS[stemmer](word)
    return stem_variants().get(stemmed, stemmed) if stemmer == "light" else stemmed
