"""Did-you-mean under attack: the cost of a hostile query on a large vocabulary.

Builds (once, in ``--work-dir``) an index whose vocabulary holds ``--terms`` made-up
Arabic-looking words, then measures:

- the 64-word query of made-up words (under 500 characters) that cost 0.6-12 s when
  did-you-mean scanned the vocabulary once per word: the old scan (``reader.terms_within``
  per unknown word, as ``search/suggest.py`` did before it was bounded) and today's
  ``Index.search`` of the same query;
- the worst query today's did-you-mean still corrects: MAX_CORRECTED unknown long words
  starting with alef (the largest groups of the vocabulary);
- the latency of a normal query through the real server (waitress, loopback) while
  ``--attackers`` clients send the hostile query without pause.

    .venv/bin/python bench/attack_suggest.py --terms 150000
    .venv/bin/python bench/attack_suggest.py --terms 290000 --seconds 20

Traffic stays on 127.0.0.1 and every loop is bounded (``--seconds``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import math
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search import Index  # noqa: E402
from search.passages import Passage  # noqa: E402
from search import suggest  # noqa: E402

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
WORDS_PER_PASSAGE = 100
NORMAL_QUERY = "الدفاع الرئيس"


def made_up_words(count: int, rng: random.Random, avoid=frozenset()) -> list[str]:
    """``count`` distinct letter strings of 3-9 letters, two in five with the article."""
    words: set[str] = set()
    while len(words) < count:
        word = "".join(rng.choice(LETTERS) for _ in range(rng.randint(3, 7)))
        if rng.random() < 0.4:
            word = "ال" + word
        if word not in avoid:
            words.add(word)
    return sorted(words)


def build(index_dir: Path, terms: int, seed: int) -> Index:
    if (index_dir / "current").exists():
        return Index.open(index_dir)
    rng = random.Random(seed)
    vocabulary = made_up_words(terms, rng)
    rng.shuffle(vocabulary)
    common = ["الدفاع", "الرئيس", "وزارة", "سوريا", "روسيا"]

    def passages():
        for number, start in enumerate(range(0, len(vocabulary), WORDS_PER_PASSAGE), 1):
            words = vocabulary[start:start + WORDS_PER_PASSAGE] + rng.sample(common, 2)
            yield Passage(f"f{number // 50:05d}.txt", number, " ".join(words), 0, 0, None)

    return Index.build_from_passages(passages(), index_dir)


def old_scan(reader, terms: list[str]) -> float:
    """Seconds the unbounded did-you-mean spent: one vocabulary scan per unknown word."""
    started = time.perf_counter()
    for term in terms:
        if ("text", term) in reader:
            continue
        candidates = [c for c in reader.terms_within("text", term, suggest._distance_allowed(term),
                                                     prefix=suggest._fixed_prefix(term)) if c != term]
        if candidates:
            max(candidates, key=lambda c: (-suggest._distance(c, term), reader.doc_frequency("text", c)))
    return time.perf_counter() - started


def old_did_you_mean(index, query, words, reader, stored_fields=None):
    """Did-you-mean as it was before it was bounded (every unknown word, a full scan each)."""
    import re

    from search.errors import SearchError

    suggestion, changed = query, False
    for typed, term in words:
        if ("text", term) in reader:
            continue
        candidates = [c for c in reader.terms_within("text", term, suggest._distance_allowed(term),
                                                     prefix=suggest._fixed_prefix(term)) if c != term]
        if not candidates:
            continue
        best = max(candidates, key=lambda c: (-suggest._distance(c, term), reader.doc_frequency("text", c)))
        suggestion, replaced = re.subn(rf"(?<!\w){re.escape(typed)}(?!\w)",
                                       suggest._surface(reader, best, stored_fields), suggestion, count=1)
        changed = changed or bool(replaced)
    if not changed or suggestion == query:
        return None
    try:
        return suggestion if index.count(suggestion) > 0 else None
    except SearchError:
        return None


def timed(function, repeat: int = 5) -> float:
    """Median seconds of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def latency_under_attack(index_dir: Path, hostile: str, attackers: int, seconds: float) -> dict:
    from web.server import make_server

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # the queue is the point here
    server = make_server(port=0, index_dir=index_dir, threads=4)
    port = int(server.effective_port)
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    stop = threading.Event()
    sent = [0] * attackers

    def get(connection, query):
        connection.request("GET", "/api/search?" + urlencode({"q": query}))
        response = connection.getresponse()
        response.read()
        return response.status

    def attack(number):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while not stop.is_set():
            get(connection, hostile)
            sent[number] += 1
        connection.close()

    try:
        normal = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        get(normal, NORMAL_QUERY)
        quiet = []
        for _ in range(20):
            started = time.perf_counter()
            get(normal, NORMAL_QUERY)
            quiet.append(time.perf_counter() - started)
        threads = [threading.Thread(target=attack, args=(n,), daemon=True) for n in range(attackers)]
        for thread in threads:
            thread.start()
        loaded, deadline = [], time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            status = get(normal, NORMAL_QUERY)
            loaded.append(time.perf_counter() - started)
            assert status == 200
            time.sleep(0.05)
        stop.set()
        for thread in threads:
            thread.join(60)
        normal.close()
    finally:
        server.close()
        serving.join(10)
    loaded.sort()
    return {"quiet_p50_ms": round(statistics.median(quiet) * 1000, 1),
            "attacked_p50_ms": round(statistics.median(loaded) * 1000, 1),
            "attacked_p95_ms": round(loaded[max(0, math.ceil(0.95 * len(loaded)) - 1)] * 1000, 1),
            "attacked_max_ms": round(loaded[-1] * 1000, 1),
            "normal_requests": len(loaded), "hostile_requests": sum(sent),
            "hostile_per_s": round(sum(sent) / seconds, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--terms", type=int, default=150_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--attackers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--no-old", action="store_true", help="skip timing the old scan")
    parser.add_argument("--work-dir", type=Path, help="keeps the index between runs")
    parser.add_argument("--old", action="store_true",
                        help="measure the latency under attack with the old, unbounded did-you-mean")
    args = parser.parse_args(argv)
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="attack-suggest-"))
    started = time.perf_counter()
    index = build(work / f"index-{args.terms}", args.terms, args.seed)
    built = time.perf_counter() - started
    searcher = index._searcher()
    reader = searcher.reader()
    vocabulary_size = sum(1 for _ in reader.lexicon("text"))
    known = set(suggest._decoded(reader.lexicon("text")))
    rng = random.Random(args.seed + 1)
    hostile_words = [w for w in made_up_words(400, rng, known) if 5 <= len(w) <= 6][:64]
    hostile = " ".join(hostile_words)
    assert len(hostile) < 500 and len(hostile_words) == 64, (len(hostile), len(hostile_words))
    analyzer = searcher.schema["text"].analyzer
    terms = [t.text for word in hostile_words for t in analyzer(word)]
    started = time.perf_counter()
    vocabulary = suggest.vocabulary_of(reader)
    vocabulary_seconds = time.perf_counter() - started
    worst_words = [w for w in made_up_words(2000, rng, known) if w.startswith("ا") and len(w) >= 8][:4]
    worst = " ".join(worst_words)
    result = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                 text=True).stdout.strip(),
        "machine": f"{platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cpus, "
                   f"Python {platform.python_version()}",
        "vocabulary_terms": vocabulary_size, "index_build_s": round(built, 1),
        "vocabulary_index_build_s": round(vocabulary_seconds, 2),
        "vocabulary_groups": len(vocabulary._groups),
        "hostile_query_chars": len(hostile),
        "old_scan_64_words_s": None if args.no_old else round(old_scan(reader, terms), 2),
        "search_64_words_s": round(timed(lambda: index.search(hostile)), 4),
        "suggest_64_words_s": round(timed(lambda: suggest.suggest_query(
            index, hostile, list(zip(hostile_words, terms)), reader)), 4),
        "suggest_64_words_partial": suggest.suggest_query(
            index, hostile, list(zip(hostile_words, terms)), reader).partial,
        "search_4_long_alef_words_s": round(timed(lambda: index.search(worst)), 4),
        "old_scan_4_long_alef_words_s": None if args.no_old else round(old_scan(
            reader, [t.text for w in worst_words for t in analyzer(w)]), 2),
    }
    print(json.dumps(result, ensure_ascii=False), file=sys.stderr)
    if args.old:
        import search.index

        search.index.did_you_mean = old_did_you_mean
        result["did_you_mean_under_attack"] = "old (unbounded)"
    result["under_attack"] = latency_under_attack(index.index_dir, hostile, args.attackers, args.seconds)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
