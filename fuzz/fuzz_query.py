"""Coverage-guided fuzzing of the query parser and search (atheris).

Contract: any string gives a SearchResult or raises QueryError (and autocomplete gives a
list); anything else is a crash atheris reports with its input. The sample corpus is
indexed once, into a temporary folder, before fuzzing starts.

    .venv/bin/pip install atheris
    .venv/bin/python fuzz/fuzz_query.py -runs=20000 [-max_len=256]
"""

import atexit
import shutil
import sys
import tempfile
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

with atheris.instrument_imports(include=["search"]):
    from search import Index, QueryError

INDEX_DIR = Path(tempfile.mkdtemp(prefix="fuzz-query-"))
atexit.register(shutil.rmtree, INDEX_DIR, ignore_errors=True)
INDEX = Index.build(ROOT / "index_data", INDEX_DIR / "index")


def test_one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    page = provider.ConsumeIntInRange(1, 5)
    query = provider.ConsumeUnicode(provider.remaining_bytes())  # lone surrogates included
    try:
        result = INDEX.search(query, page=page, per_page=10)
    except QueryError:
        pass
    else:
        assert result.total >= len(result.hits)
    assert isinstance(INDEX.complete(query), list)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
