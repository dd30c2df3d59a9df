"""The ``arabic-search`` command: index, search, concordance, frequency, analyze, serve, eval. Thin over ``Index``.

Each command checks its input, calls the library, and turns a library error into a
message and a non-zero exit; no traceback reaches a user.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from .analysis import ArabicAnalyzer
from .corpus import display_name
from .errors import SearchError
from . import messages, writer
from .index import Index
from .variants import stem_of

DEFAULT_CORPUS = "index_data"
DEFAULT_INDEX = "instance/index"


def default_index_dir() -> str:
    return os.environ.get("ARABIC_SEARCH_INDEX") or DEFAULT_INDEX


cluster_option = click.option(
    "--cluster", "cluster", metavar="ADDRESS", default=None,
    help="A Dask scheduler (tcp://host:8786): the index is sharded over its workers.")

index_option = click.option(
    "--index", "index_dir", type=click.Path(file_okay=False), default=default_index_dir,
    show_default="instance/index or $ARABIC_SEARCH_INDEX", help="Index folder.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="arabic-search")
def main():
    """Full-text search for Arabic text: build an index, search it, serve it."""


@main.command("index")
@click.argument("corpus", required=False, default=DEFAULT_CORPUS,
                type=click.Path(file_okay=False))
@index_option
@click.option("--rebuild", is_flag=True, help="Build from scratch instead of updating.")
@click.option("--no-wait", is_flag=True, help="Fail at once if another build is running.")
@click.option("--roots/--no-roots", default=None,
              help="Keep a table of word roots: questions also match words by root "
                   "(slower to build; an update keeps the index's choice).")
@click.option("--procs", type=click.IntRange(min=1), default=None,
              help="Writer processes (default: every core, for corpora over 8 MB).")
@click.option("--commentary", type=click.Path(file_okay=False), default=None,
              help="A folder of commentary (tafsir, sharh) with the corpus's file names, "
                   "line n explaining line n: questions also search it (an update keeps it).")
@click.option("--shards", type=click.IntRange(min=1), default=None,
              help="With --cluster: shards to split the index into (default: the index's, "
                   "or one per worker).")
@cluster_option
def index_command(corpus, index_dir, rebuild, no_wait, roots, procs, commentary, shards,
                  cluster):
    """Index the text files of CORPUS (default: index_data/).

    Incremental by default: only new, changed and removed files are re-indexed. The new
    index replaces the old one atomically; a running server keeps answering. With
    --cluster, the shards are built in parallel on the cluster's workers.
    """
    stderr = sys.stderr
    bar = _ProgressBar(stderr)
    if shards and not cluster:
        raise click.ClickException("--shards needs --cluster ADDRESS (the workers build the shards)")
    if commentary and cluster:
        raise click.ClickException("--commentary is for one index, not a cluster")
    try:
        if cluster:
            from . import cluster as sharded

            exists = (Path(index_dir) / sharded.MANIFEST).exists()
            if shards is None and not exists:
                shards = len(sharded._worker_list(sharded._client(cluster)))
            report = sharded.build(corpus, index_dir, shards, cluster,
                                   update=not rebuild and exists)
            action = "updated" if not rebuild and exists else "built"
        elif rebuild or not (Path(index_dir) / "current").exists():
            report = writer.build(corpus, index_dir, progress=bar, wait=not no_wait,
                                  roots=bool(roots), procs=procs, commentary=commentary)
            action = "built"
        else:
            report = writer.update(index_dir, corpus, progress=bar, wait=not no_wait,
                                   roots=roots, procs=procs, commentary=commentary)
            action = "updated"
    except SearchError as error:
        bar.finish()
        raise click.ClickException(error.english) from None
    bar.finish()
    megabytes = report.bytes / 1e6
    rate = f", {megabytes / report.seconds:.2f} MB/s" if report.seconds and report.bytes else ""
    click.echo(
        f"Index {action} in {index_dir}: {report.files} file(s) indexed, "
        f"{report.passages} passage(s), {report.unchanged} unchanged, "
        f"{report.removed} removed, {report.seconds:.2f} s{rate}."
    )
    for source, reason in report.skipped:
        click.echo(f"skipped {display_name(source)}: {reason}", err=True)
    for source, reason in report.kept:
        click.echo(f"kept the previous version of {display_name(source)}: {reason}", err=True)
    for source, warning in report.warnings:
        click.echo(f"warning: {display_name(source)}: {warning}", err=True)


@main.command("search", context_settings={"ignore_unknown_options": True})
@click.argument("query")
@index_option
@click.option("--source", "sources", multiple=True, help="Only this source file (repeatable).")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--per-page", type=click.IntRange(min=1, max=100), default=10, show_default=True)
@click.option("--match", type=click.Choice(["auto", "all", "any"]), default="auto",
              show_default=True,
              help="auto: passages with every word first, then neighbouring passages that "
                   "hold them together, then passages with some of them; all: every word; "
                   "any: read QUERY as a question.")
@click.option("--exact", default="", metavar="LIST",
              help="What each word must keep as typed, a comma list of diacritics, hamza, "
                   "ta_marbuta, alef_maqsura, form (no other stem or clitic): "
                   "--exact diacritics,hamza.")
@click.option("--by", type=click.Choice(["word", "root"]), default="word", show_default=True,
              help="word: each word's forms; root: every word of each word's root.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@cluster_option
def search_command(query, index_dir, sources, page, per_page, match, exact, by, as_json, cluster):
    """Search the index for QUERY.

    Plain words (in any spelling or form): passages with all of them first; "quoted
    words" form a phrase; "words"~N or a NEAR/N b: within N words; -word, NOT word or
    بدون:word excludes; a OR b (or, أو); word* matches words starting with word.
    """
    def run():
        if not cluster:
            return Index.open(index_dir).search(query, page=page, per_page=per_page,
                                                sources=sources, match=match, exact=exact, by=by)
        from .cluster import ClusterIndex

        index = ClusterIndex.open(index_dir, cluster)
        try:
            return index.search(query, page=page, per_page=per_page, sources=sources,
                                match=match, exact=exact, by=by)
        finally:
            index.close()

    result = _library_call(run, as_json)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    _print_result(result)


def _print_result(result) -> None:
    first = (result.page - 1) * result.per_page + 1
    click.echo(f"{result.total} passage(s) match «{result.query}» ({result.took_ms:.1f} ms); "
               f"page {result.page} of {result.pages}.")
    if result.corrected:
        click.echo(f"Nothing matched «{result.query}»: showing results for «{result.corrected}».")
    elif result.suggestion:
        click.echo(f"Did you mean: {result.suggestion}")
    for word, forms in result.related:
        click.echo(f"«{word}» is not in the index: searched {', '.join(forms[:5])}"
                   + (" ..." if len(forms) > 5 else ""))
    for number, hit in enumerate(result.hits, first):
        click.echo(f"\n{number}. {display_name(hit.source)} #{hit.passage}  (score {hit.score:.2f})")
        click.echo("   " + _terminal_snippet(hit.snippet))
        if hit.missing:
            click.echo("   missing: " + ", ".join(hit.missing))
        if hit.matches:  # why it matched, one line per distinct written word
            click.echo("   why: " + "; ".join(
                f"{word.text} ({word.typed}): "
                + ", ".join(messages.reason(how, "en") for how in word.how)
                for word in hit.matched_words))
        if hit.commentary:  # its commentary answers the question too
            click.echo("   commentary: " + _terminal_snippet(hit.commentary))
    if result.facets:
        click.echo("\nBy source: " + ", ".join(f"{f.value} ({f.count})" for f in result.facets))


def _terminal_snippet(html: str) -> str:
    from html import unescape

    marked = html.replace("<mark>", "\x1b[1m[").replace("</mark>", "]\x1b[0m") \
        if sys.stdout.isatty() else html.replace("<mark>", "[").replace("</mark>", "]")
    return unescape(marked)


@main.command("concordance")
@click.argument("word")
@index_option
@click.option("--sort", type=click.Choice(["left", "right"]), default="right", show_default=True,
              help="Order lines by the word before the match (left) or after it (right).")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True,
              help="Lines shown.")
@click.option("--json", "as_json", is_flag=True, help="Print the lines as JSON.")
def concordance_command(word, index_dir, sort, limit, as_json):
    """Show WORD in context: one line per occurrence of its forms (those search finds),
    the words before it, the word, the words after it."""
    from .concordance import concordance

    found = _library_call(lambda: concordance(Index.open(index_dir), word, sort, limit), as_json)
    if as_json:
        click.echo(json.dumps(found.to_dict(), ensure_ascii=False, indent=1))
        return
    more = " (the first passages only)" if found.truncated else ""
    click.echo(f"{found.total} occurrence(s) of «{word}» in {found.passages} passage(s){more}; "
               f"sorted by the word {'before' if sort == 'left' else 'after'} it.")
    width = max((len(line.left) for line in found.lines), default=0)
    for line in found.lines:
        click.echo(f"{line.left:>{width}} [{line.match}] {line.right}    "
                   f"({display_name(line.source)} #{line.passage})")


@main.command("frequency")
@click.argument("word")
@index_option
@click.option("--by", type=click.Choice(["word", "stem", "root"]), default="stem",
              show_default=True,
              help="Count the word itself (any spelling), every form of its stem, or every "
                   "form of its root (an index built with --roots).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def frequency_command(word, index_dir, by, as_json):
    """Count WORD in each source file: the word, its stem or its root."""
    from .concordance import frequency

    found = _library_call(lambda: frequency(Index.open(index_dir), word, by), as_json)
    if as_json:
        click.echo(json.dumps(found.to_dict(), ensure_ascii=False, indent=1))
        return
    click.echo(f"«{word}» by {by} ({found.key}): {found.total} occurrence(s) in "
               f"{len(found.sources)} file(s); forms: {', '.join(found.forms[:10])}"
               + (" ..." if len(found.forms) > 10 else ""))
    for row in found.sources:
        click.echo(f"{row.count:>8}  {row.passages:>6} passage(s)  {display_name(row.source)}")


def _library_call(call, as_json: bool):
    """``call()``, a library error printed as search prints it (JSON or a message)."""
    try:
        return call()
    except (SearchError, ValueError) as error:
        code = getattr(error, "code", "bad_request")
        if as_json:
            click.echo(json.dumps({"ok": False, "error": getattr(error, "english", str(error)),
                                   "code": code, "arabic": str(error)}, ensure_ascii=False))
            sys.exit(1)
        raise click.ClickException(getattr(error, "english", str(error))) from None


@main.command("analyze")
@click.argument("text")
def analyze_command(text):
    """Show how TEXT is analysed: each word, its offsets, the normalised form the index
    stores, and the light stem queries group words by."""
    rows: dict[tuple[int, int], list[str]] = {}
    stopped: set[tuple[int, int]] = set()
    for token in ArabicAnalyzer(stem=False)(text, positions=True, chars=True,
                                            removestops=False):
        span = (token.startchar, token.endchar)
        rows.setdefault(span, [])
        if token.stopped:
            stopped.add(span)
        elif token.text not in rows[span]:
            rows[span].append(token.text)
    for (start, end), words in rows.items():
        if (start, end) in stopped:
            shown = "(stop word)"
        else:
            shown = "  ".join(f"{word} stem={stem_of(word)}" for word in words)
        click.echo(f"{start:>5}-{end:<5} {text[start:end]}\t-> {shown}")


@main.command("serve")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True,
              help="Port (0: a free one, printed).")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Threads per worker process; more add memory (a searcher each), not speed.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Worker processes sharing the index  [default: one per core]")
@cluster_option
def serve_command(index_dir, host, port, threads, workers, cluster):
    """Serve the search site with a production WSGI server (waitress), one worker
    process per core."""
    from web.server import serve

    try:
        serve(host=host, port=port, index_dir=index_dir, threads=threads, workers=workers,
              config={"CLUSTER": cluster} if cluster else None)
    except SearchError as error:
        raise click.ClickException(error.english) from None


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
def demo_command(host, port):
    """Try the site on the bundled sample corpus (five Arabic news articles).

    Indexes the sample into a temporary folder, serves it, and removes it on exit.
    """
    import tempfile

    from web.server import serve

    with tempfile.TemporaryDirectory(prefix="arabic-search-demo-") as folder:
        try:
            Index.build(sample_corpus(), Path(folder) / "index")
            click.echo(f"Indexed the sample corpus ({sample_corpus()}).")
            serve(host=host, port=port, index_dir=Path(folder) / "index")
        except SearchError as error:
            raise click.ClickException(error.english) from None


def sample_corpus() -> Path:
    """The sample corpus: installed with the package, or index_data/ in a source checkout."""
    installed = Path(__file__).resolve().parent / "sample"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / DEFAULT_CORPUS


@main.command("eval")
@click.argument("data_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--split", type=click.Choice(["train", "dev", "both"]), default="both",
              show_default=True)
@click.option("--run-file", type=click.Path(dir_okay=False), help="Write the run here.")
@click.option("--no-roots", is_flag=True, help="Index without roots, to compare.")
@click.option("--commentary", type=click.Path(exists=True, dir_okay=False),
              help="Verse commentary (sura:verse<TAB>text lines): questions also search it.")
def eval_command(data_dir, split, run_file, no_roots, commentary):
    """Score retrieval on the Qur'an QA 2023 Task A data in DATA_DIR (MAP@10, MRR@10)."""
    from .evaluation import main as evaluation_main

    argv = [data_dir, "--split", split] + (["--run-file", run_file] if run_file else []) \
        + (["--no-roots"] if no_roots else []) \
        + (["--commentary", commentary] if commentary else [])
    sys.exit(evaluation_main(argv))


class _ProgressBar:
    """A one-line progress bar on a terminal; silent when output is not a terminal."""

    def __init__(self, stream):
        self.stream = stream
        self.active = stream.isatty()
        self.drawn = False

    def __call__(self, source, done, total):
        if not self.active:
            return
        width = 30
        filled = int(width * done / total) if total else width
        name = source if len(source) <= 40 else "…" + source[-39:]
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name:<40}")
        self.stream.flush()
        self.drawn = True

    def finish(self):
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False
