"""arabic-search: full-text search for Arabic text on Whoosh.

    from search import Index
    index = Index.build("index_data", "instance/index")
    for hit in index.search("وزارة الدفاع").hits:
        print(hit.source, hit.passage, hit.snippet)
"""

from .analysis import ArabicAnalyzer
from .arabic import normalize
from .errors import (BuildInProgressError, IndexNotFoundError, QueryError,
                     RebuildNeededError, SearchError, UnknownSourceError)
from .index import Document, DocumentPassage, Index
from .writer import BuildReport
from .results import FacetCount, Hit, Match, SearchResult
from .stemmer import stem

__all__ = [
    "ArabicAnalyzer", "BuildInProgressError", "BuildReport", "Document",
    "DocumentPassage", "FacetCount", "Hit", "Index", "IndexNotFoundError", "Match", "QueryError",
    "RebuildNeededError", "SearchError", "SearchResult", "UnknownSourceError",
    "normalize", "stem",
]
__version__ = "0.1.0"
