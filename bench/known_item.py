"""Known-item search: can a reader find a text again, however they type its words?

    python bench/known_item.py [--collection NAME ...] [CORPUS ...] [--queries 300] [--seed 7]
                               [--out bench/results/known-item-collections.md] [--label TEXT]
                               [--typing NAME ...] [--failures FILE]

Runs on each collection of ``bench/collections.py`` (all of them by default; each is built
first if missing) or on corpus folders given by path. Queries come from the TEXT of the
files, not from passages as split, since splitting is what is measured: a file is drawn
at random, then a span of 3 or 4 consecutive words of it (words with an Arabic letter,
trimmed of punctuation; at least two words that are not stop words). Every second query
asks for a span that crosses a line break, where the file has one (so about half of the
queries cross a line break; the share is printed per collection). A query is the span's
words typed one way (all words must match, as in the search box); a hit is right if its
passage overlaps the span (a span split between two passages is found by either), and
the rank of the first right hit counts: success@1 and MRR@10 for each way of typing,
overall and for the spans that cross a line break and those that do not. A typing
changes only the query; the text stays as written. Index size on disk, build seconds
and passages per collection are printed too.

Two columns read "right" more widely. "Spans of one file" counts only the spans whose
words stand in this order in one file. "Any passage with the span" counts every span, a
hit being right also when its passage holds the span's words in this order (folded as
the index folds them): half the hadith spans are chains of narrators found word for word
in hundreds of hadiths, and any of those answers the reader as well as the drawn one.
Queries that raise an error are counted (there should be none); ``--failures`` writes
the queries whose passage is not first, with the hits that came first.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from importlib import util

from search import Index, QueryError, splitter
from search.analysis import ArabicAnalyzer
from search.passages import decode_bytes, iter_corpus_files, read_passages

# bench/collections.py by path: under its own name it would be the standard library's module.
_spec = util.spec_from_file_location("bench_collections", Path(__file__).with_name("collections.py"))
collections_module = util.module_from_spec(_spec)
_spec.loader.exec_module(collections_module)

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
    and بريطانيا it is part of the word. What is left must have three letters (marks do not
    count: اللَّهَ is not typed لَّهَ, which is another word)."""
    for prefix in ("وال", "بال", "فال", "كال", "لل", "ال"):
        if word.startswith(prefix) and len(ARABIC_LETTER.findall(word[len(prefix):])) >= 3:
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



ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3]")
# Edges to trim from a word: anything but Arabic letters and marks (punctuation, RLM, quotes).
_EDGES = re.compile("^[^\u0621-\u065f\u0670-\u06d3]+|[^\u0621-\u065f\u0670-\u06d3]+$")
_ANALYZER = ArabicAnalyzer(stem=False)


@dataclass(frozen=True)
class Query:
    words: tuple[str, ...]  # as written
    targets: frozenset[str]  # ids of the passages the span overlaps
    crosses: bool  # the span crosses a line break
    unique: bool = True  # no other file has these words in this order
    #: ``targets`` and every passage holding the span's words in this order (folded): a
    #: reader who types a chain of narrators is as well served by any hadith carrying it.
    holders: frozenset[str] = frozenset()


def file_words(text: str) -> list[tuple[int, int]]:
    """Spans of the words of ``text`` that have an Arabic letter, trimmed of punctuation."""
    found = []
    for match in re.finditer(r"\S+", text):
        trimmed = _EDGES.sub("", match.group())
        if trimmed and ARABIC_LETTER.search(trimmed):
            start = match.start() + match.group().index(trimmed)
            found.append((start, start + len(trimmed)))
    return found


def kept_words(words: list[str]) -> int:
    """How many of ``words`` the analyzer keeps (not stop words, more than one letter)."""
    return sum(1 for t in _ANALYZER(" ".join(words)) if len(t.text) > 1)


def folded(text: str) -> str:
    """The words of ``text`` as the index folds them, one space apart (every word kept)."""
    return " " + " ".join(t.text for t in _FOLDER(text)) + " "


_FOLDER = ArabicAnalyzer(stoplist=(), stem=False)


def mark_unique(queries: list[Query], files) -> list[Query]:
    """Each query with ``unique``: whether its words, folded, stand in this order in one
    file only; and ``holders``: the passages holding them so. A span that several texts
    share word for word (a chain of narrators, a refrain) has several right answers: no
    ranking can put "the" item first, and any passage carrying the span is as right."""
    texts = [folded(text) for _source, text, _passages in files]
    passages = [(f"{p.source}#{p.number}", folded(p.text))
                for _source, _text, found in files for p in found]
    marked = []
    for query in queries:
        needle = folded(" ".join(query.words))
        files_holding = sum(1 for text in texts if needle in text)
        holders = query.targets | {name for name, text in passages if needle in text}
        marked.append(Query(query.words, query.targets, query.crosses, files_holding <= 1,
                            frozenset(holders)))
    return marked


def draw_queries(files, count: int, rng: random.Random) -> list[Query]:
    """``count`` spans from ``files`` (source, text, passages), every second one crossing
    a line break where the drawn file has one."""
    queries = []
    while len(queries) < count:
        source, text, passages = files[rng.randrange(len(files))]
        words = file_words(text)
        size = rng.choice((3, 4))
        if len(words) < size:
            continue
        starts = list(range(len(words) - size + 1))
        crossing = [i for i in starts if "\n" in text[words[i][0]:words[i + size - 1][1]]]
        want_cross = len(queries) % 2 == 0 and crossing
        pool = crossing if want_cross else starts
        for _ in range(20):
            i = rng.choice(pool)
            span = words[i:i + size]
            written = [text[a:b] for a, b in span]
            if kept_words(written) >= 2:
                start, end = span[0][0], span[-1][1]
                targets = frozenset(f"{source}#{p.number}" for p in passages
                                    if p.start < end and p.end > start)
                queries.append(Query(tuple(written), targets, "\n" in text[start:end]))
                break
    return queries


def load_files(corpus: Path):
    files = []
    for source, path in iter_corpus_files(corpus):
        text, _ = decode_bytes(path.read_bytes())
        files.append((source, text, read_passages(path, corpus)))
    return files


def folder_size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


#: How the search box matches (``--match``): ``auto`` since matching relaxes.
MATCH = "auto"


#: Queries that raised a QueryError, as typed (the target is that none does).
RAISED: list[str] = []


def ranked_ids(index, query: str) -> list[str]:
    """The first ten passage ids the search box gives ``query`` (none for an error,
    which ``RAISED`` records)."""
    try:
        return [found for found, _score in index.ranked_ids(query, limit=10, match=MATCH)]
    except QueryError:
        RAISED.append(query)
        return []


def rank(hits: list[str], targets: frozenset[str]) -> int | None:
    """The place of the first of ``targets`` among ``hits``, from 1; None if absent."""
    for position, found in enumerate(hits, 1):
        if found in targets:
            return position
    return None


def mrr(ranks) -> float:
    ranks = list(ranks)
    return sum(1 / r for r in ranks if r and r <= 10) / len(ranks) if ranks else float("nan")


def run(name: str, corpus: Path, args) -> list[str]:
    """Measure one collection; return its Markdown section."""
    files = load_files(corpus)
    passages = sum(len(p) for _, _, p in files)
    words = sum(len(t.split()) for _, t, _ in files)
    queries = mark_unique(draw_queries(files, args.queries, random.Random(f"{args.seed}-{name}")),
                          files)
    unique = sum(q.unique for q in queries)
    crossing = sum(q.crosses for q in queries)
    with tempfile.TemporaryDirectory(prefix="known-item-") as scratch:
        started = time.perf_counter()
        index = Index.build(corpus, Path(scratch) / "index")
        build_s = time.perf_counter() - started
        size = folder_size(Path(scratch) / "index")
        lines = [f"### {name}", "",
                 f"{len(files):,} files, {words:,} words, {passages:,} passages "
                 f"({words / max(1, passages):.1f} words each); index {size / 1e6:.1f} MB, "
                 f"built in {build_s:.1f} s; {len(queries)} queries, "
                 f"{crossing} ({crossing / len(queries):.0%}) crossing a line break, "
                 f"{unique} ({unique / len(queries):.0%}) whose words stand in this order in "
                 f"this file only.", "",
                 "| typing | success@1 | MRR@10 | MRR@10 crossing a line | MRR@10 within a line "
                 "| MRR@10 spans of one file | MRR@10 any passage with the span |",
                 "|---|---:|---:|---:|---:|---:|---:|"]
        print("\n".join(lines), flush=True)
        for typing_name, typing in TYPINGS.items():
            rng = random.Random(f"{args.seed}-{name}-{typing_name}")
            typed = [" ".join(typing(_EDGES.sub("", w), rng) for w in q.words) for q in queries]
            if args.typing and not any(t in typing_name for t in args.typing):
                continue
            ranked = [ranked_ids(index, text) for text in typed]
            ranks = [(rank(hits, q.targets), q.crosses, q.unique)
                     for hits, q in zip(ranked, queries)]
            any_holder = mrr(rank(hits, q.holders) for hits, q in zip(ranked, queries))
            if args.failures:
                write_failures(args.failures, name, typing_name, queries, typed, ranks, index)
            at_1 = sum(1 for r, _, _ in ranks if r == 1) / len(ranks)
            row = (f"| {typing_name} | {at_1:.3f} | {mrr(r for r, _, _ in ranks):.3f} "
                   f"| {mrr(r for r, c, _ in ranks if c):.3f} "
                   f"| {mrr(r for r, c, _ in ranks if not c):.3f} "
                   f"| {mrr(r for r, _, u in ranks if u):.3f} | {any_holder:.3f} |")
            lines.append(row)
            print(row, flush=True)
        index.close()
    raised = f"Queries that raised an error: {len(RAISED)}{': ' if RAISED else ''}" \
        + " / ".join(RAISED[:5])
    RAISED.clear()
    print(raised, flush=True)
    return [*lines, "", raised, ""]


def write_failures(path: Path, name: str, typing_name: str, queries, typed, ranks, index) -> None:
    """Append the queries of one typing whose passage is not first, with what came first:
    one tab-separated line each (collection, typing, rank or -, unique, query, as written,
    the right passages, the top three hits)."""
    with path.open("a", encoding="utf-8") as out:
        for text, query, (found, _crosses, unique) in zip(typed, queries, ranks):
            if found == 1:
                continue
            try:
                top = [hit for hit, _score in index.ranked_ids(text, limit=3, match=MATCH)]
            except QueryError as err:
                top = [f"error: {err}"]
            out.write("\t".join([name, typing_name, str(found or "-"), "unique" if unique else "shared",
                                 text, " ".join(query.words), " ".join(sorted(query.targets)),
                                 " ".join(top)]) + "\n")


def verse_queries(source: Path, source_name: str, count: int, rng: random.Random):
    """``count`` (surah, verse, words as written) spans of 3-4 words of single verses of
    collection ``source_name`` (at least two words that are not stop words)."""
    verses = []
    for path in sorted(source.glob("*.txt")):
        surah = int(path.stem)
        text, _ = decode_bytes(path.read_bytes())
        for number, (start, end) in enumerate(
                collections_module.verse_spans(source_name, surah, text), start=1):
            words = text[start:end].split()
            if len(words) >= 3:
                verses.append((surah, number, words))
    drawn = []
    while len(drawn) < count:
        surah, number, words = verses[rng.randrange(len(verses))]
        size = min(rng.choice((3, 4)), len(words))
        at = rng.randrange(len(words) - size + 1)
        span = [_EDGES.sub("", w) for w in words[at:at + size]]
        if kept_words(span) >= 2:
            drawn.append((surah, number, tuple(span)))
    return drawn


#: Ways of typing a verse's words taken from another edition's text.
VERSE_TYPINGS = {"with the text's marks": lambda word: word,
                 "no marks": lambda word: as_written(word, None)}


def run_verses(source_name: str, name: str, corpus: Path, args) -> list[str]:
    """Verse spans of ``source_name`` (Tanzil's modern spelling) searched in collection
    ``name``: a hit is right when its passage overlaps that verse there."""
    source = collections_module.collection(source_name)
    files = {int(Path(src).stem): (text, passages) for src, text, passages in load_files(corpus)
             if Path(src).stem.isdigit()}
    spans = {surah: collections_module.verse_spans(name, surah, text)
             for surah, (text, _passages) in files.items()}
    drawn = verse_queries(source, source_name, args.queries,
                          random.Random(f"{args.seed}-{source_name}-{name}"))
    queries = []
    for surah, number, words in drawn:
        start, end = spans[surah][number - 1]
        queries.append((words, frozenset(f"{p.source}#{p.number}" for p in files[surah][1]
                                         if p.start < end and p.end > start)))
    with tempfile.TemporaryDirectory(prefix="known-item-") as scratch:
        index = Index.build(corpus, Path(scratch) / "index")
        lines = [f"### {source_name} verses searched in {name}", "",
                 f"{len(queries)} spans of 3-4 words of one verse of {source_name}, each "
                 f"right in the passages of {name} holding that verse (sura and aya).", "",
                 "| typing | success@1 | MRR@10 | nothing found | no passage has every word "
                 "| the verse's passage lacks a word |",
                 "|---|---:|---:|---:|---:|---:|"]
        print("\n".join(lines), flush=True)
        for typing_name, typing in VERSE_TYPINGS.items():
            typed = [" ".join(typing(w) for w in words) for words, _targets in queries]
            ranked = [ranked_ids(index, text) for text in typed]
            ranks = [rank(hits, targets) for hits, (_w, targets) in zip(ranked, queries)]
            strict = [strict_ids(index, text) for text in typed]
            no_all = sum(1 for found in strict if not found) / len(queries)
            lacks = sum(1 for found, (_w, targets) in zip(strict, queries)
                        if not found & targets) / len(queries)
            nothing = sum(1 for hits in ranked if not hits) / len(queries)
            row = (f"| {typing_name} | {sum(1 for r in ranks if r == 1) / len(ranks):.3f} "
                   f"| {mrr(ranks):.3f} | {nothing:.1%} | {no_all:.1%} | {lacks:.1%} |")
            lines.append(row)
            print(row, flush=True)
            if args.failures:
                with args.failures.open("a", encoding="utf-8") as out:
                    for text, found, r, (words, targets) in zip(typed, strict, ranks, queries):
                        if r != 1 or not found & targets:
                            out.write("\t".join([name, f"{source_name} {typing_name}",
                                                 str(r or "-"), "lacks" if not found & targets
                                                 else "has", text, " ".join(sorted(targets))])
                                      + "\n")
        index.close()
    return [*lines, ""]


def strict_ids(index, query: str) -> frozenset[str]:
    """The passages holding every word of ``query`` (``match="all"``), up to 10,000."""
    try:
        return frozenset(found for found, _ in index.ranked_ids(query, limit=10_000, match="all"))
    except QueryError:
        return frozenset()


def machine() -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=Path(__file__).parent).stdout.strip()
    return (f"date: {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}, "
            f"commit: {commit}, cpus: {os.cpu_count()}, python: {platform.python_version()}, "
            f"platform: {platform.platform()}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="*", type=Path, help="corpus folders to measure too")
    parser.add_argument("--collection", action="append", default=[],
                        help=f"one of {', '.join(collections_module.COLLECTIONS)} (repeat; default: all)")
    parser.add_argument("--queries", type=int, default=300, help="queries per collection")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="append the Markdown tables to this file")
    parser.add_argument("--label", default="", help="heading of this run in --out")
    parser.add_argument("--target", type=int, help="try another search.splitter.TARGET_WORDS")
    parser.add_argument("--match", choices=("auto", "all", "any"), default="auto",
                        help="how queries match (search.relax; default auto, the search box's)")
    parser.add_argument("--typing", action="append", default=[],
                        help="measure only the typings whose name contains this (repeat)")
    parser.add_argument("--failures", type=Path,
                        help="append each query whose passage is not first to this file "
                             "(tab-separated, with the top hits)")
    parser.add_argument("--queries-from", choices=collections_module.VERSE_ALIGNED,
                        help="draw spans of single verses from this collection and search them "
                             "in the verse-aligned collections given (default: quran-uthmani, "
                             "quran-mushaf)")
    args = parser.parse_args(argv)
    global MATCH
    MATCH = args.match
    if args.target:  # read by split_passages at each call, here and in Index.build
        splitter.TARGET_WORDS, splitter.LONG_WORDS = args.target, args.target * 3 // 2
    targets = [(name, collections_module.collection(name)) for name in args.collection]
    targets += [(str(path), path) for path in args.corpus]
    if not targets:
        targets = [(name, collections_module.collection(name)) for name in collections_module.COLLECTIONS]
    report = [f"## {args.label or 'run'}", "",
              f"{machine()}, TARGET_WORDS: {splitter.TARGET_WORDS}, match: {MATCH}", ""]
    print(report[2], flush=True)
    if args.queries_from:
        names = args.collection or ["quran-uthmani", "quran-mushaf"]
        for name in names:
            report += run_verses(args.queries_from, name, collections_module.collection(name), args)
        targets = []
    for name, corpus in targets:
        report += run(name, corpus, args)
    if args.out:
        with args.out.open("a", encoding="utf-8") as out:
            out.write("\n".join(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
