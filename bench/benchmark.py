"""Speed benchmark: build and query time of our index against Whoosh's default analyzer.

Prints numbers; it is never a test. For each size N (``--sizes``):

1. Synthesise N passages from real Arabic text, with a fixed seed: every passage joins
   one to three random windows of consecutive sentences, drawn half from the sample
   news corpus (``index_data``, split with ``read_passages``) and half from the Qur'an
   QA passage collection (if found). Passages go to a TSV file, never all into memory.
2. Build our index (``Index.build_from_passages``) and a plain Whoosh index of the same
   passages (``TEXT(analyzer=StandardAnalyzer(), stored=True)`` + ``ID`` source), each
   in a fresh child process, so peak RSS belongs to that build alone.
3. Time ``Index.search`` (snippets and facets included) for one-word, two-word,
   phrase and prefix queries drawn from the corpus vocabulary.

``--corpus DIR`` measures a real folder (the sample corpus, say) instead of step 1.

    .venv/bin/python bench/benchmark.py --sizes 10000 --out bench/results/10k.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere, also in spawned children

NEWS_DIR = ROOT / "index_data"
QPC_FILE = ROOT.parent / "shared" / "evaldata" / "quranqa2023" / "task-a" / "QQA23_TaskA_QPC_v1.1.tsv"
PASSAGES_PER_SOURCE = 50  # synthetic "files", so facets have many values
SEPARATOR = "\n\n"  # between passages of one synthetic file, for start/end offsets
SENTENCE_END = re.compile(r"(?<=[.!?\u061f])\s+|\n+")  # U+061F ARABIC QUESTION MARK
ARABIC_WORD = re.compile(r"[\u0621-\u064a]{3,}")
QUERY_KINDS = ("one-word", "two-word", "phrase", "prefix")


def sentences(text: str) -> list[str]:
    """Sentences of ``text`` with at least three words, whitespace collapsed."""
    found = (" ".join(part.split()) for part in SENTENCE_END.split(text))
    return [sentence for sentence in found if len(sentence.split()) >= 3]


def sentence_pools(news_dir: Path = NEWS_DIR, qpc_file: Path | None = QPC_FILE) -> list[list[str]]:
    """One list of sentences per kind of text (news, Qur'an), in reading order."""
    from search.passages import iter_corpus_files, read_passages

    news = [s for _, path in iter_corpus_files(news_dir) for p in read_passages(path, news_dir)
            for s in sentences(p.text)]
    pools = [news]
    if qpc_file and Path(qpc_file).is_file():
        with open(qpc_file, encoding="utf-8-sig") as lines:
            quran = [s for line in lines if "\t" in line for s in sentences(line.split("\t", 1)[1])]
        pools.append(quran)
    return [pool for pool in pools if pool]


def generate(pools: list[list[str]], count: int, seed: int):
    """Yield ``count`` passages ``(source, number, start, end, text)``, the same for a seed."""
    rng = random.Random(seed)
    offset = 0
    for i in range(count):
        source, number = f"bench_{i // PASSAGES_PER_SOURCE:06d}.txt", i % PASSAGES_PER_SOURCE + 1
        if number == 1:
            offset = 0
        windows = []
        for _ in range(rng.randint(1, 3)):
            pool = pools[rng.randrange(len(pools))]
            first = rng.randrange(len(pool))
            windows.extend(pool[first:first + rng.randint(1, 3)])
        text = " ".join(windows)
        yield source, number, offset, offset + len(text), text
        offset += len(text) + len(SEPARATOR)


def write_corpus(path: Path, pools: list[list[str]], count: int, seed: int) -> int:
    """Write the synthetic passages as TSV; return the UTF-8 size of their text in bytes."""
    size = 0
    with open(path, "w", encoding="utf-8") as out:
        for n, (source, number, start, end, text) in enumerate(generate(pools, count, seed), 1):
            size += len(text.encode("utf-8"))
            out.write(f"{source}\t{number}\t{start}\t{end}\t{text}\n")
            if n % 100_000 == 0:
                print(f"  corpus: {n:,} passages", file=sys.stderr)
    return size


def write_folder(path: Path, folder: Path) -> tuple[int, int]:
    """Write the passages of a real corpus folder as TSV; return (passages, text bytes)."""
    from search.passages import iter_corpus_files, read_passages

    count = size = 0
    with open(path, "w", encoding="utf-8") as out:
        for _, file in iter_corpus_files(folder):
            for p in read_passages(file, folder):
                text = " ".join(p.text.split())  # one line per passage in the TSV
                out.write(f"{p.source}\t{p.number}\t{p.start}\t{p.end}\t{text}\n")
                count += 1
                size += len(text.encode("utf-8"))
    return count, size


def read_corpus(path: Path):
    """Stream the TSV back as ``Passage`` objects, reporting progress on stderr."""
    from search.passages import Passage

    with open(path, encoding="utf-8") as lines:
        for n, line in enumerate(lines, 1):
            source, number, start, end, text = line.rstrip("\n").split("\t", 4)
            yield Passage(source=source, number=int(number), text=text, start=int(start), end=int(end), title=None)
            if n % 100_000 == 0:
                print(f"  indexed {n:,} passages", file=sys.stderr)


def _prefix(word: str) -> str:
    """A prefix query a reader might type: four letters, after any article or conjunction."""
    for clitic in ("وال", "ال", "و"):
        if word.startswith(clitic) and len(word) - len(clitic) >= 4:
            word = word[len(clitic):]
            break
    return word[:4] + "*"


def make_queries(pools: list[list[str]], count: int, seed: int) -> dict[str, list[str]]:
    """``count`` queries of each kind, from words that occur together in one sentence."""
    from search.analysis import default_stopwords
    from search.arabic import normalize

    stops = default_stopwords()  # a query of stop words alone is refused, not searched
    rng = random.Random(seed)
    queries: dict[str, list[str]] = {kind: [] for kind in QUERY_KINDS}
    while any(len(q) < count for q in queries.values()):
        pool = pools[rng.randrange(len(pools))]
        words = [w for w in ARABIC_WORD.findall(pool[rng.randrange(len(pool))]) if normalize(w) not in stops]
        if len(words) < 2:
            continue
        first = rng.randrange(len(words) - 1)
        for kind, query in zip(QUERY_KINDS, (
            rng.choice(words),
            " ".join(rng.sample(words, 2)),
            f'"{words[first]} {words[first + 1]}"',
            _prefix(rng.choice(words)),
        )):
            if len(queries[kind]) < count:
                queries[kind].append(query)
    return queries


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def _percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


def _timed_search(index, query: str) -> tuple[float | None, int | None]:
    """(milliseconds, total) of one search; (None, None) if the query is refused."""
    from search import QueryError

    started = time.perf_counter()
    try:
        total = index.search(query, page=1, per_page=10).total
    except QueryError:  # e.g. a prefix matching too many words: counted, not timed
        return None, None
    return (time.perf_counter() - started) * 1000, total


def build_ours(corpus: Path, index_dir: Path, queries: dict[str, list[str]], procs: int = 1) -> dict:
    """Child process: build our index (with ``procs`` writer processes), then time queries."""
    from search import Index

    started = time.perf_counter()
    index = Index.build_from_passages(read_corpus(corpus), index_dir, procs=procs)
    result = {"seconds": time.perf_counter() - started, "peak_rss_mb": _peak_rss_mb(), "disk_mb": _disk_mb(index_dir)}
    for kind, batch in queries.items():
        for query in batch[:10]:  # warm caches and lazy imports
            _timed_search(index, query)
        timed = [_timed_search(index, query) for query in batch]
        took = [ms for ms, _ in timed if ms is not None]
        result[kind] = {
            **_percentiles(took),
            "no_hits": sum(total == 0 for _, total in timed) / len(batch),
            "refused": sum(ms is None for ms, _ in timed) / len(batch),
        }
    result["query_peak_rss_mb"] = _peak_rss_mb()  # searching can need more than building
    return result


def build_default(corpus: Path, index_dir: Path, queries=None) -> dict:
    """Child process: the same passages through a plain Whoosh schema and default analyzer."""
    from whoosh import index as whoosh_index
    from whoosh.analysis import StandardAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    from search.writer import WRITER_MEMORY_MB

    started = time.perf_counter()
    index_dir.mkdir(parents=True)
    schema = Schema(source=ID(stored=True), text=TEXT(analyzer=StandardAnalyzer(), stored=True))
    # Same writer memory as ours, so the ratio measures analysis and schema, not pool size.
    writer = whoosh_index.create_in(str(index_dir), schema).writer(limitmb=WRITER_MEMORY_MB)
    for passage in read_corpus(corpus):
        writer.add_document(source=passage.source, text=passage.text)
    writer.commit()
    return {"seconds": time.perf_counter() - started, "peak_rss_mb": _peak_rss_mb(), "disk_mb": _disk_mb(index_dir)}


def in_child(function, *args) -> dict:
    """Run ``function`` in a fresh spawned process, so its peak RSS is its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as child:
        return child.submit(function, *args).result()


def median(rows: list[dict], *keys: str) -> float:
    """Median over repeats of ``row[keys[0]][keys[1]]...``."""
    def pick(row):
        for key in keys:
            row = row[key]
        return row
    return statistics.median(pick(row) for row in rows)


def run_size(size: int, args, pools, work: Path) -> dict:
    """Corpus, builds (ours and default, ``--repeat`` times) and query timings for one size
    (``size`` 0: the real corpus folder of ``--corpus``)."""
    corpus = work / f"corpus_{size}.tsv"
    print(f"[{size:,}] writing corpus", file=sys.stderr)
    if size:
        text_bytes = write_corpus(corpus, pools, size, args.seed)
    else:
        size, text_bytes = write_folder(corpus, args.corpus)
    queries = make_queries(pools, args.queries, args.seed)
    ours, default = [], []
    builds = (("ours", build_ours, ours), ("default", build_default, default))
    for repeat in range(args.repeat):
        for name, function, results in builds[:2 if args.baseline else 1]:
            print(f"[{size:,}] build {repeat + 1}/{args.repeat}: {name}", file=sys.stderr)
            index_dir = work / f"index_{name}_{size}_{repeat}"
            extra = (args.procs,) if function is build_ours else ()
            results.append(in_child(function, corpus, index_dir, queries, *extra))
            shutil.rmtree(index_dir, ignore_errors=True)
    corpus.unlink()

    seconds, mb = median(ours, "seconds"), text_bytes / 1e6
    nan = float("nan")  # no baseline build (--no-baseline)
    row = {
        "passages": size, "text_mb": mb, "build_s": seconds, "mb_per_s": mb / seconds,
        "passages_per_s": size / seconds, "peak_rss_mb": median(ours, "peak_rss_mb"),
        "query_peak_rss_mb": median(ours, "query_peak_rss_mb"), "disk_mb": median(ours, "disk_mb"),
        "default_build_s": median(default, "seconds") if default else nan,
        "default_peak_rss_mb": median(default, "peak_rss_mb") if default else nan,
        "default_disk_mb": median(default, "disk_mb") if default else nan,
    }
    row["build_ratio"] = seconds / row["default_build_s"]
    row["latency_ms"] = {kind: {cut: median(ours, kind, cut) for cut in ("p50", "p95", "p99", "no_hits", "refused")}
                         for kind in QUERY_KINDS}
    return row


def machine(args) -> dict:
    from importlib.metadata import version

    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
        "python": platform.python_version(), "platform": platform.platform(),
        "whoosh": version("Whoosh-Reloaded"),
        "seed": args.seed, "queries_per_kind": args.queries, "repeat": args.repeat,
        "procs": args.procs, "baseline": args.baseline,
    }


def render(rows: list[dict], facts: dict) -> str:
    """Markdown tables: build figures, then query latency."""
    lines = [", ".join(f"{key}: {value}" for key, value in facts.items()), "",
             "| passages | text MB | build s | MB/s | passages/s | peak RSS MB (build / +queries) | index MB "
             "| default build s | default RSS MB | default index MB | ratio ours/default |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    def cell(value, digits):
        return "–" if value != value else f"{value:.{digits}f}"  # NaN: not measured

    for r in rows:
        lines.append(f"| {r['passages']:,} | {r['text_mb']:.1f} | {r['build_s']:.2f} | {r['mb_per_s']:.2f} "
                     f"| {r['passages_per_s']:,.0f} | {r['peak_rss_mb']:.0f} / {r['query_peak_rss_mb']:.0f} | {r['disk_mb']:.1f} "
                     f"| {cell(r['default_build_s'], 2)} | {cell(r['default_peak_rss_mb'], 0)} "
                     f"| {cell(r['default_disk_mb'], 1)} | {cell(r['build_ratio'], 2)} |")
    lines += ["", "| passages | query | p50 ms | p95 ms | p99 ms | no hits | refused |",
              "|---:|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        for kind, cut in r["latency_ms"].items():
            lines.append(f"| {r['passages']:,} | {kind} | {cut['p50']:.2f} | {cut['p95']:.2f} "
                         f"| {cut['p99']:.2f} | {cut['no_hits']:.0%} | {cut['refused']:.0%} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated passage counts (default 10000)")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--queries", type=int, default=300, help="queries per kind (default 300)")
    parser.add_argument("--repeat", type=int, default=1, help="builds per size; medians are reported")
    parser.add_argument("--qpc", type=Path, default=QPC_FILE, help="Qur'an QA passage collection (optional)")
    parser.add_argument("--work-dir", type=Path, help="scratch folder for corpora and indexes (default: temp)")
    parser.add_argument("--out", type=Path, help="write results here: .json, or Markdown otherwise")
    parser.add_argument("--procs", type=int, default=1,
                        help="writer processes for our build (Whoosh's baseline always uses one)")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false",
                        help="skip Whoosh's default build (no ratio): our build and queries only")
    parser.add_argument("--corpus", type=Path,
                        help="measure this folder of text files as it is, instead of --sizes")
    args = parser.parse_args(argv)
    sizes = [0] if args.corpus else [int(size.replace("_", "")) for size in args.sizes.split(",")]
    pools = sentence_pools(args.corpus, None) if args.corpus else sentence_pools(NEWS_DIR, args.qpc)
    print(f"sentence pools: {', '.join(str(len(pool)) for pool in pools)}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="bench-", dir=args.work_dir) as work:
        rows = [run_size(size, args, pools, Path(work)) for size in sizes]
    facts = machine(args)
    print(render(rows, facts))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if args.out.suffix == ".json":
            args.out.write_text(json.dumps({"machine": facts, "results": rows}, indent=2) + "\n")
        else:
            args.out.write_text(f"# Benchmark\n\n{render(rows, facts)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
