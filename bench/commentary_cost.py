"""What commentary costs: build time, size on disk and question latency, with and without.

    .venv/bin/python bench/commentary_cost.py CORPUS --work /tmp/cost/x [--roots] [--procs 2]
        [--rounds 2] [--keywords 200] [--out bench/results/commentary-cost-100k.md]

Prints numbers; it is never a test. Four steps, all in one run so that every ratio
compares two things measured under the same machine load:

1. **Commentary.** A synthetic, deterministic commentary folder for ``CORPUS``
   (``write_commentary``): each file gets as many lines as it has, line n a stretch of
   Arabic taken from elsewhere in the corpus (line n onwards of the next file, cycling
   through the files), 1 to 2 times as long as line n of the text (verse-by-verse
   tafsir runs about that long); an empty line stays empty, so passages keep their
   boundaries and every passage gets commentary.
2. **Builds.** ``writer.build`` of the corpus twice, without and with the commentary
   (``--roots``, ``--procs`` for both), each in a fresh process: wall and CPU seconds,
   peak memory, size on disk, and the seconds spent in the commentary step itself
   (reading the spans, aligning the lines, indexing the commentary).
3. **Questions.** Qur'an QA 2023 Task A questions (``--questions``, default train + dev)
   through ``Index.search`` (a page of 10) on the index with commentary, opened twice:
   ``Ranking(commentary_weight=0.5)`` (any weight above 0 does the same work) and ``0.0`` (fusion off: what an
   index without commentary answers; checked against it on the first questions).
   The two handles alternate per question, which goes first alternating too, for
   ``--rounds`` rounds after a warm-up round: p50 / p90 / p99 of each and the median
   of the per-question ratios.
4. **Keywords.** ``--keywords`` two-word queries (two neighbouring words of a random
   line of the corpus, ``--seed``) the same way: they never read the commentary, so the
   ratio should be about 1, and both handles must return the same hits.

``--update`` also times an update that changes nothing of each index (``--update-only``:
that alone, on the indexes an earlier run left in ``--work``, added to ``--out``);
``--split-only`` times the commentary's own search (``Commentary.scores``) apart from the
question's whole search, on those indexes too.
``--out`` writes the results as Markdown (machine, load average, date, commit, the
command). The indexes are left in ``--work`` unless ``--clean``.
"""

from __future__ import annotations

import argparse
import glob
import json
import multiprocessing
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search.corpus import list_corpus, read_corpus_file  # noqa: E402
from search.commentary import DEPTH  # noqa: E402
from search.passages import UndecodableFileError, decode_text  # noqa: E402

QUESTIONS = ROOT.parent / "shared" / "evaldata" / "quranqa2023" / "task-a"
#: Commentary is this many times as long as its line, drawn per line (tafsir: 1-2x).
LENGTH_RATIO = (1.0, 2.0)
ARABIC_WORD = re.compile(r"[\u0621-\u064a]{3,}")


# -- 1. the commentary ------------------------------------------------------------------


def write_commentary(corpus, notes, seed: int = 2023) -> dict:
    """Write a commentary folder ``notes`` for ``corpus`` (see the module docstring);
    the counts of files, lines and characters written. Deterministic for a seed."""
    corpus, notes = Path(corpus).resolve(), Path(notes)
    files = {file.source: file for file in list_corpus(corpus).files}
    sources = sorted(files)

    @lru_cache(maxsize=4)  # a file is read as the text, then as the next file's donor
    def lines_of(position: int) -> tuple[str, ...]:
        try:
            data = read_corpus_file(files[sources[position]], corpus)
            return tuple(decode_text(data).text.split("\n"))
        except (OSError, UndecodableFileError):
            return ()

    counts = {"files": 0, "lines": 0, "text_lines": 0, "text_chars": 0, "notes_chars": 0}
    for position, source in enumerate(sources):
        lines = lines_of(position)
        if not lines:
            continue
        rng = random.Random(f"{seed}:{source}")
        written = []
        for number, line in enumerate(lines):
            if not line.strip():
                written.append("")
                continue
            target = len(line.strip()) * rng.uniform(*LENGTH_RATIO)
            written.append(_borrowed(lines_of, position, len(sources), number, target))
            counts["text_lines"] += 1
            counts["text_chars"] += len(line.strip())
            counts["notes_chars"] += len(written[-1])
        path = notes / source
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(written), encoding="utf-8")
        counts["files"] += 1
        counts["lines"] += len(written)
    return counts


def _borrowed(lines_of, position: int, total: int, number: int, target: float) -> str:
    """Words from line ``number`` onwards of the next file (read round), then of the
    files after it (cycling, the file itself last, from its next line), until
    ``target`` characters."""
    words: list[str] = []
    length = 0
    for step in range(1, total + 1):
        donor = lines_of((position + step) % total)
        start = number + 1 if step == total else number
        for offset in range(len(donor)):
            for word in donor[(start + offset) % len(donor)].split():
                words.append(word)
                length += len(word) + 1
                if length >= target:
                    return " ".join(words)
    return " ".join(words)  # the whole corpus is shorter than the target


# -- 2. the builds ----------------------------------------------------------------------


def _build_child(corpus: str, index_dir: str, roots: bool, procs: int | None,
                 commentary: str | None, sender, update: bool = False) -> None:
    from search import writer

    phase = {"seconds": 0.0, "passages": 0}
    publish_commentary = writer.publish_commentary

    def timed_commentary(generation, *args, **kwargs):  # spans, alignment, indexing
        from search import storage
        from search.commentary import FOLDER

        started = time.perf_counter()
        noted = publish_commentary(generation, *args, **kwargs)
        phase["seconds"] = time.perf_counter() - started
        folder = Path(generation) / FOLDER
        if folder.is_dir():
            phase["passages"] = len(storage.read_meta(storage.current_generation(folder))["files"])
        return noted

    writer.publish_commentary = timed_commentary
    started = time.perf_counter()
    if update:  # the folders the index was built from, read again
        report = writer.update(index_dir, procs=procs)
    else:
        report = writer.build(corpus, index_dir, roots=roots, procs=procs,
                              commentary=Path(commentary) if commentary else None)
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    sender.send({
        "seconds": seconds,
        "cpu_seconds": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
        "peak_rss_mb": max(own.ru_maxrss, children.ru_maxrss) / 1024,
        "passages": report.passages,
        "files": report.files,
        "unchanged": report.unchanged,
        "commentary_seconds": phase["seconds"],
        "commentary_passages": phase["passages"],
    })


def build(corpus: Path, index_dir: Path, roots: bool, procs: int | None,
          commentary: Path | None, update: bool = False) -> dict:
    """One build (or, ``update``, an update of the built index) in a fresh process (a
    writer with ``procs`` > 1 starts processes of its own, so not a daemon): its
    timings, and its size on disk."""
    if not update:
        shutil.rmtree(index_dir, ignore_errors=True)
    receiver, sender = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("spawn").Process(
        target=_build_child, args=(str(corpus), str(index_dir), roots, procs,
                                   str(commentary) if commentary else None, sender, update))
    child.start()
    result = receiver.recv()
    child.join()
    result["disk_mb"] = disk_mb(index_dir)
    # the published generation's (``current`` names it too: count it once)
    folders = {path.resolve() for path in index_dir.glob("*/commentary")}
    result["commentary_disk_mb"] = sum(disk_mb(f) for f in folders)
    return result


def disk_mb(folder: Path) -> float:
    """``du``: the blocks a folder's files take on disk, in MB."""
    out = subprocess.run(["du", "-s", "--block-size=1", str(folder)], capture_output=True,
                         text=True, check=True).stdout
    return int(out.split()[0]) / 1e6


# -- 3, 4. search time -----------------------------------------------------------------


def two_word_queries(corpus: Path, count: int, seed: int) -> list[str]:
    """``count`` queries of two neighbouring words of random lines of the corpus."""
    from search.analysis import default_stopwords
    from search.arabic import normalize

    stops = default_stopwords()
    files = list(list_corpus(corpus).files)
    rng = random.Random(seed)
    queries: list[str] = []
    while len(queries) < count:
        file = files[rng.randrange(len(files))]
        try:
            lines = [line for line in decode_text(read_corpus_file(file, corpus)).text
                     .split("\n") if line.strip()]
        except (OSError, UndecodableFileError):
            continue
        if not lines:
            continue
        words = [w for w in ARABIC_WORD.findall(rng.choice(lines)) if normalize(w) not in stops]
        if len(words) >= 2:
            first = rng.randrange(len(words) - 1)
            queries.append(f"{words[first]} {words[first + 1]}")
    return queries


def timed(index, query: str) -> tuple[float, list[str]]:
    started = time.perf_counter()
    result = index.search(query, per_page=10)
    return (time.perf_counter() - started) * 1000, [hit.id for hit in result.hits]


def paired(on, off, queries: list[str], rounds: int) -> dict:
    """Both handles on every query, alternately (who goes first alternates too), one
    warm-up round and ``rounds`` timed ones: percentiles, the median per-query ratio,
    and how many queries' first page differ between the two."""
    differ = 0
    for number, query in enumerate(queries):  # warm-up: postings cached, stored fields read
        _, a = timed(on, query)
        _, b = timed(off, query)
        differ += a != b
    times: dict[str, list[float]] = {"on": [], "off": []}
    ratios = []
    for round_number in range(rounds):
        for number, query in enumerate(queries):
            order = (("on", on), ("off", off))
            if (number + round_number) % 2:
                order = order[::-1]
            took = {name: timed(handle, query)[0] for name, handle in order}
            for name in times:
                times[name].append(took[name])
            ratios.append(took["on"] / took["off"])
    return {"queries": len(queries), "differ": differ, "ratio": statistics.median(ratios),
            **{name: percentiles(values) for name, values in times.items()}}


def split(on, off, notes, questions: list[str], rounds: int) -> dict:
    """Where a question's added time goes: per question, the search with weight 0.5,
    with weight 0, and the commentary's own search (``Commentary.scores``) alone, in a
    rotating order, after a warm-up round; medians in ms."""
    def scores(question):
        started = time.perf_counter()
        notes.scores(question)
        return (time.perf_counter() - started) * 1000

    steps = {"on": lambda q: timed(on, q)[0], "off": lambda q: timed(off, q)[0],
             "scores": scores}
    for question in questions:
        for step in steps.values():
            step(question)
    times: dict[str, list[float]] = {name: [] for name in steps}
    rest = []
    for round_number in range(rounds):
        for number, question in enumerate(questions):
            names = list(steps)
            shift = (number + round_number) % len(names)
            took = {name: steps[name](question) for name in names[shift:] + names[:shift]}
            for name, value in took.items():
                times[name].append(value)
            rest.append(took["on"] - took["off"] - took["scores"])
    return {"queries": len(questions), "rounds": rounds, "rest": statistics.median(rest),
            **{name: statistics.median(values) for name, values in times.items()}}


def render_split(row: dict, facts: dict) -> str:
    return "\n".join([
        "## Where a question's added time goes",
        "",
        f"Date: {facts['date']}. Load average before: {facts['load_start']}. Command:",
        "",
        "```",
        facts["command"],
        "```",
        "",
        f"{row['queries']} questions x {row['rounds']} rounds, medians: weight 0.5 "
        f"{row['on']:.1f} ms, weight 0 {row['off']:.1f} ms; the commentary's own search "
        f"(`Commentary.scores`, its {DEPTH} best) {row['scores']:.1f} ms; the rest of the "
        f"difference (fusion, the commentary snippets of the hits it raised) "
        f"{row['rest']:.1f} ms.",
        "",
    ])


def percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p90": cuts[89], "p99": cuts[98]}


def same_as_without(off, plain, questions: list[str]) -> int:
    """How many of ``questions`` get the same first page from the index with commentary
    and fusion off as from the index built without commentary."""
    return sum(timed(off, q)[1] == timed(plain, q)[1] for q in questions)


# -- report -----------------------------------------------------------------------------


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "platform": platform.platform(), "commit": commit + (" (modified)" if dirty else "")}


def render(facts: dict, notes: dict, builds: dict, questions: dict, keywords: dict,
           checked: tuple[int, int]) -> str:
    plain, with_notes = builds["without"], builds["with"]
    lines = [
        f"# What commentary costs: {plain['passages']:,} passages"
        f"{' with roots' if facts['roots'] else ''}",
        "",
        f"Machine: {facts['nproc']} CPUs ({facts['cpu']}), Python {facts['python']}, "
        f"{facts['platform']}. Load average (1, 5, 15 min): at start {facts['load_start']}, "
        f"after the builds {facts['load_builds']}, at the end {facts['load_end']}.",
        f"Date: {facts['date']}. Commit: {facts['commit']}.",
        "",
        "Command:",
        "",
        "```",
        facts["command"],
        "```",
        "",
        "## The commentary (synthetic)",
        "",
        f"{notes['files']:,} files, {notes['lines']:,} lines ({notes['text_lines']:,} with "
        f"text); {notes['notes_chars'] / max(notes['text_chars'], 1):.2f} x the text's "
        f"characters ({notes['text_chars']:,} -> {notes['notes_chars']:,}); written in "
        f"{notes['seconds']:.0f} s. Each line n: words from line n onwards of the next "
        "file, 1-2 x as long as line n of the text.",
        "",
        "## Builds (`writer.build`, one fresh process each)",
        "",
        "| | wall s | CPU s | commentary step s | peak RSS MB | disk MB |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, row in (("without commentary", plain), ("with commentary", with_notes)):
        lines.append(f"| {name} | {row['seconds']:.0f} | {row['cpu_seconds']:.0f} | "
                     f"{row['commentary_seconds']:.0f} | {row['peak_rss_mb']:.0f} | "
                     f"{row['disk_mb']:.0f} |")
    lines += [
        "",
        f"Ratio with / without: wall {with_notes['seconds'] / plain['seconds']:.2f}, "
        f"CPU {with_notes['cpu_seconds'] / plain['cpu_seconds']:.2f}, disk "
        f"{with_notes['disk_mb'] / plain['disk_mb']:.2f} (the commentary index: "
        f"{with_notes['commentary_disk_mb']:.0f} MB, "
        f"{with_notes['commentary_passages']:,} commentary passages). The commentary "
        f"step took {with_notes['commentary_seconds']:.0f} s of the "
        f"{with_notes['seconds']:.0f} s.",
        "",
        "## Search time (the index with commentary, two handles, alternating per query)",
        "",
        "| queries | n x rounds | weight 0.5 p50 / p90 / p99 ms | weight 0 p50 / p90 / p99 ms "
        "| median ratio | first page differs |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, row in (("questions (Qur'an QA 2023)", questions),
                      ("two-word keywords", keywords)):
        on, off = row["on"], row["off"]
        lines.append(
            f"| {name} | {row['queries']} x {facts['rounds']} | "
            f"{on['p50']:.1f} / {on['p90']:.1f} / {on['p99']:.1f} | "
            f"{off['p50']:.1f} / {off['p90']:.1f} / {off['p99']:.1f} | "
            f"{row['ratio']:.2f} | {row['differ']} |")
    lines += [
        "",
        f"Weight 0 answers as the index built without commentary: {checked[0]} of the "
        f"first {checked[1]} questions have the same first page on both.",
        "",
    ]
    return "\n".join(lines)


def render_updates(updates: dict, facts: dict) -> str:
    plain, with_notes = updates["without"], updates["with"]
    lines = [
        "## An update that changes nothing (`writer.update`, one fresh process each)",
        "",
        f"Date: {facts['date']}. Load average before: {facts['load_updates']}. Command:",
        "",
        "```",
        facts["update_command"],
        "```",
        "",
        "| | wall s | CPU s | commentary step s | files unchanged |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, row in (("without commentary", plain), ("with commentary", with_notes)):
        lines.append(f"| {name} | {row['seconds']:.0f} | {row['cpu_seconds']:.0f} | "
                     f"{row['commentary_seconds']:.0f} | {row['unchanged']:,} |")
    lines += [
        "",
        f"Ratio with / without: wall {with_notes['seconds'] / plain['seconds']:.2f}, "
        f"CPU {with_notes['cpu_seconds'] / plain['cpu_seconds']:.2f} (the commentary of "
        "unchanged files is carried over, not indexed again).",
        "",
    ]
    return "\n".join(lines)


def updates(work: Path, procs: int | None) -> dict:
    """``writer.update`` of both built indexes, nothing changed since their build."""
    result = {}
    for name in ("without", "with"):
        result[name] = build(Path(), work / name, False, procs, None, update=True)
        print(f"update {name}:", json.dumps(result[name]), file=sys.stderr, flush=True)
    return result


def load() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--work", type=Path, required=True,
                        help="scratch folder: the commentary and the two indexes")
    parser.add_argument("--roots", action="store_true", help="build both with roots")
    parser.add_argument("--procs", type=int, default=None, help="writer processes")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keywords", type=int, default=200)
    parser.add_argument("--questions", nargs="*", default=None,
                        help="Qur'an QA question files (default: Task A train and dev)")
    parser.add_argument("--check", type=int, default=20,
                        help="questions compared with the index built without commentary")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--update", action="store_true",
                        help="also time an update that changes nothing, of each index")
    parser.add_argument("--update-only", action="store_true",
                        help="only that, on the indexes an earlier run left in --work; "
                             "its section is added to --out")
    parser.add_argument("--split-only", action="store_true",
                        help="only time the commentary's own search apart, on the indexes "
                             "an earlier run left in --work; added to --out")
    parser.add_argument("--clean", action="store_true", help="delete --work at the end")
    args = parser.parse_args(argv)

    from search import Index
    from search.evaluation import load_questions
    from search.ranking import Ranking

    facts = {**machine(), "roots": args.roots, "rounds": args.rounds,
             "load_start": load(),
             "command": " ".join([".venv/bin/python", "bench/commentary_cost.py",
                                  *(argv if argv is not None else sys.argv[1:])])}
    if args.update_only:
        facts.update(load_updates=load(), update_command=facts["command"])
        text = render_updates(updates(args.work, args.procs), facts)
        print(text)
        if args.out:
            with args.out.open("a", encoding="utf-8") as out:
                out.write("\n" + text)
        return 0
    if args.split_only:
        from search.commentary import Commentary

        on = Index.open(args.work / "with", ranking=Ranking(commentary_weight=0.5))
        off = Index.open(args.work / "with", ranking=Ranking(commentary_weight=0.0))
        notes = Commentary.open(args.work / "with" / "current")
        paths = args.questions or sorted(glob.glob(str(QUESTIONS / "*train*.tsv")) +
                                         glob.glob(str(QUESTIONS / "*dev*.tsv")))
        questions = [text for path in paths for text in load_questions(path).values()]
        text = render_split(split(on, off, notes, questions, args.rounds), facts)
        print(text)
        if args.out:
            with args.out.open("a", encoding="utf-8") as out:
                out.write("\n" + text)
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    notes_dir = args.work / "notes"
    shutil.rmtree(notes_dir, ignore_errors=True)
    started = time.perf_counter()
    notes = write_commentary(args.corpus, notes_dir, args.seed)
    notes["seconds"] = time.perf_counter() - started
    print("commentary:", json.dumps(notes), file=sys.stderr, flush=True)

    builds = {}
    for name, commentary in (("without", None), ("with", notes_dir)):
        builds[name] = build(args.corpus, args.work / name, args.roots, args.procs, commentary)
        print(f"build {name}:", json.dumps(builds[name]), file=sys.stderr, flush=True)
    facts["load_builds"] = load()

    paths = args.questions or sorted(glob.glob(str(QUESTIONS / "*train*.tsv")) +
                                     glob.glob(str(QUESTIONS / "*dev*.tsv")))
    questions = [text for path in paths for text in load_questions(path).values()]
    keywords = two_word_queries(args.corpus, args.keywords, args.seed)
    on = Index.open(args.work / "with", ranking=Ranking(commentary_weight=0.5))
    off = Index.open(args.work / "with", ranking=Ranking(commentary_weight=0.0))
    plain = Index.open(args.work / "without", ranking=Ranking(commentary_weight=0.0))
    checked = (same_as_without(off, plain, questions[:args.check]),
               len(questions[:args.check]))
    plain.close()
    question_times = paired(on, off, questions, args.rounds)
    print("questions:", json.dumps(question_times), file=sys.stderr, flush=True)
    keyword_times = paired(on, off, keywords, args.rounds)
    print("keywords:", json.dumps(keyword_times), file=sys.stderr, flush=True)
    on.close()
    off.close()
    facts["load_end"] = load()

    text = render(facts, notes, builds, question_times, keyword_times, checked)
    if args.update:
        facts.update(load_updates=load(), update_command=facts["command"])
        text += "\n" + render_updates(updates(args.work, args.procs), facts)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    if args.clean:
        shutil.rmtree(args.work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
