"""Shared fixtures: the shipped sample corpus, the edge-case test corpus, built indexes.

Indexes are built once per test session (like Datasette's ``tests/fixtures.py``);
tests that change an index build their own copy under ``tmp_path``.
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CORPUS = ROOT / "index_data"
EDGE_CORPUS = Path(__file__).resolve().parent / "data" / "corpus"


def write_corpus(folder: Path, files: dict[str, str]) -> Path:
    """A small corpus made for one test: ``{name: text}`` written as UTF-8 into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def index_of_texts(texts, folder: Path, **options):
    """An index of one passage a text (``p1.txt``, ``p2.txt`` ...), built straight from
    the passages (``Index.build_from_passages``; ``options``: ``roots=True`` ...)."""
    from search import Index
    from search.passages import Passage

    passages = [Passage(source=f"p{n}.txt", number=1, text=text, start=0, end=len(text),
                        title=None) for n, text in enumerate(texts, 1)]
    return Index.build_from_passages(passages, folder, **options)


@pytest.fixture(scope="session")
def sample_corpus() -> Path:
    return SAMPLE_CORPUS


@pytest.fixture(scope="session")
def edge_corpus() -> Path:
    return EDGE_CORPUS


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory):
    """The sample corpus, indexed once for the whole run (read-only for tests)."""
    from search import Index

    return Index.build(SAMPLE_CORPUS, tmp_path_factory.mktemp("sample") / "index")


@pytest.fixture(scope="session")
def edge_index(tmp_path_factory):
    """The edge-case corpus (vocalised, Quranic, cp1256, UTF-16, empty, binary files)."""
    from search import Index

    return Index.build(EDGE_CORPUS, tmp_path_factory.mktemp("edge") / "index")
