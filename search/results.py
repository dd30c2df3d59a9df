"""What a search returns: plain, frozen data that JSON and templates can use directly.

No Whoosh object leaves ``Index.search``; these dataclasses are the whole contract.
``SearchResult.to_dict()`` is the JSON shape shared by ``arabic-search search --json``
and the web API; keys may be added in future versions, never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Hit:
    """One matching passage.

    ``snippet`` is HTML-safe: the passage text escaped, with ``<mark>`` around whole
    original words that matched. ``text`` is the raw passage text (escape it yourself).
    ``start`` and ``end`` are the passage's character span in its decoded source file.
    """

    id: str
    source: str
    passage: int
    score: float
    snippet: str
    text: str
    title: str | None = None
    start: int = 0
    end: int = 0

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "source": self.source,
            "passage": self.passage,
            "score": round(self.score, 4),
            "snippet": self.snippet,
            "text": self.text,
        }


@dataclass(frozen=True)
class FacetCount:
    """How many passages of one source file match the query.

    Counts ignore the source filter itself (so a reader can add another file to the
    selection) but nothing else; ``selected`` says whether the file is in the filter.
    """

    value: str
    count: int
    selected: bool = False

    def to_dict(self) -> dict:
        return {"value": self.value, "count": self.count}


@dataclass(frozen=True)
class SearchResult:
    """A page of hits with the total, facet counts by source file and a suggestion.

    ``facets`` holds the source files with most matches (and the selected ones), most
    first; ``facet_total`` counts every file with a match.

    ``total`` counts every match that passes the source filter; ``page`` is the page
    actually returned (a page past the end comes back empty, never clamped silently).
    """

    query: str
    total: int
    page: int
    per_page: int
    hits: tuple[Hit, ...] = ()
    facets: tuple[FacetCount, ...] = ()
    facet_total: int = 0
    suggestion: str | None = None
    took_ms: float = 0.0
    sources: tuple[str, ...] = field(default=())

    @property
    def pages(self) -> int:
        """Number of pages the total fills (at least 1)."""
        return max(1, -(-self.total // self.per_page))

    def to_dict(self) -> dict:
        return {
            "ok": True,
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "hits": [hit.to_dict() for hit in self.hits],
            "facets": {"source": [facet.to_dict() for facet in self.facets]},
            "facet_totals": {"source": self.facet_total},
            "suggestion": self.suggestion,
            "took_ms": round(self.took_ms, 2),
        }
