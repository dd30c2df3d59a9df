"""Known-item search: can a reader find a passage again, however they type its words?

    python bench/known_item.py [CORPUS] [--queries-per-passage 3] [--words 3] [--seed 7]

For every passage of the corpus (default: the sample corpus in index_data/), pick a few
of its words at random (a fixed seed; stop words and one-letter words skipped), type
them the way people type Arabic, search (all words must match, as in the search box),
and find the passage's rank. Each way of typing is one row: success@1 (the passage is
the first hit) and MRR@10. A typing changes only the query; the text stays as written.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
from pathlib import Path

from search import Index, QueryError
from search.analysis import ArabicAnalyzer

HARAKAT = "\u064e\u064f\u0650\u0652"
ALEF_FORMS = "اأإآ"


def vocalised(word: str, rng: random.Random) -> str:
    """Full diacritics: a haraka after every letter, shadda now and then."""
    out = []
    for char in word:
        out.append(char)
        if "\u0621" <= char <= "\u064a":
            if rng.random() < 0.1:
                out.append("\u0651")
            out.append(rng.choice(HARAKAT))
    return "".join(out)


def other_alef(word: str, rng: random.Random) -> str:
    return "".join(rng.choice(ALEF_FORMS) if c in ALEF_FORMS else c for c in word)


def teh_heh(word: str, rng: random.Random) -> str:
    return re.sub("ة$", "ه", word) if word.endswith("ة") else re.sub("ه$", "ة", word)


def yeh_alef_maksura(word: str, rng: random.Random) -> str:
    return re.sub("ى$", "ي", word) if word.endswith("ى") else re.sub("ي$", "ى", word)


def clitics(word: str, rng: random.Random) -> str:
    """Drop the article with what precedes it (وال بال لل ال), or add the conjunction و
    to a word that does not start with و. A word-initial و or ب is left alone: in وزارة
    and بريطانيا it is part of the word."""
    for prefix in ("وال", "بال", "فال", "كال", "لل", "ال"):
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix):]
    return word if word.startswith("و") else "و" + word


def tatweel(word: str, rng: random.Random) -> str:
    if len(word) < 3:
        return word
    at = rng.randrange(1, len(word) - 1)
    return word[:at] + "\u0640" * rng.randint(1, 4) + word[at:]


def as_written(word: str, rng: random.Random) -> str:
    return re.sub("[\u064b-\u0652\u0670\u0640]", "", word)


def all_at_once(word: str, rng: random.Random) -> str:
    """Each of the typings above, each with probability one half."""
    for typing in (clitics, other_alef, teh_heh, yeh_alef_maksura, tatweel, vocalised):
        if rng.random() < 0.5:
            word = typing(word, rng)
    return word


TYPINGS = {
    "as written, no diacritics": as_written,
    "full diacritics": vocalised,
    "other alef/hamza forms": other_alef,
    "ة / ه swapped": teh_heh,
    "ى / ي swapped": yeh_alef_maksura,
    "clitics added or dropped": clitics,
    "tatweel": tatweel,
    "all of these, at random": all_at_once,
}


def content_words(text: str) -> list[str]:
    """Words of ``text`` that the analyzer keeps (not stop words), as written."""
    analyzer = ArabicAnalyzer(stem=False)
    return [text[t.startchar:t.endchar] for t in analyzer(text, chars=True)
            if len(t.text) > 1 and re.search("[\u0621-\u064a]", t.text)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default="index_data")
    parser.add_argument("--queries-per-passage", type=int, default=3)
    parser.add_argument("--words", type=int, default=3, help="words per query")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="known-item-") as scratch:
        index = Index.build(args.corpus, Path(scratch) / "index")
        passages = [(hit_source, number) for hit_source in index.sources()
                    for number in range(1, 10_000)
                    if _exists(index, hit_source, number)]
        print(f"{'typing':<28} {'queries':>7} {'success@1':>9} {'MRR@10':>7}")
        picks = random.Random(args.seed)  # the same words for every typing
        samples = []
        for source, number in passages:
            words = content_words(_text(index, source, number))
            if len(words) >= args.words:
                samples.extend((f"{source}#{number}", picks.sample(words, args.words))
                               for _ in range(args.queries_per_passage))
        for name, typing in TYPINGS.items():
            rng = random.Random(f"{args.seed}-{name}")
            ranks = [_rank(index, " ".join(typing(w, rng) for w in words), wanted)
                     for wanted, words in samples]
            hits_at_1 = sum(1 for r in ranks if r == 1) / len(ranks)
            mrr = sum(1 / r for r in ranks if r and r <= 10) / len(ranks)
            print(f"{name:<28} {len(ranks):>7} {hits_at_1:>9.3f} {mrr:>7.3f}", flush=True)
    return 0


_DOCUMENTS: dict[str, dict[int, str]] = {}


def _document(index, source):
    if source not in _DOCUMENTS:
        _DOCUMENTS[source] = {p.number: p.text for p in index.document(source).passages}
    return _DOCUMENTS[source]


def _exists(index, source, number) -> bool:
    return number in _document(index, source)


def _text(index, source, number) -> str:
    return _document(index, source)[number]


def _rank(index, query: str, wanted: str) -> int | None:
    try:
        result = index.search(query, per_page=10)
    except QueryError:
        return None
    for rank, hit in enumerate(result.hits, 1):
        if hit.id == wanted:
            return rank
    return None


if __name__ == "__main__":
    sys.exit(main())
