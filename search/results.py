"""What a search returns: plain, frozen data that JSON and templates can use directly.

No Whoosh object leaves ``Index.search``; these dataclasses are the whole contract.
``SearchResult.to_dict()`` is the JSON shape shared by ``arabic-search search --json``
and the web API; keys may be added in future versions, never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Why a written word matched the word typed (``Match.how``), in the order they are listed:
#: the same word; spelling that folding ignores (marks, hamza seat, alef form, ة/ه,
#: ى/ي, tatweel, digits); a clitic or an inflection; the same root; another spelling of a
#: name or a Qur'anic rasm spelling; the query corrected (a typing slip, the other
#: keyboard layout).
HOWS = ("exact", "diacritics", "hamza", "alef", "ta_marbuta", "alef_maqsura", "tatweel",
        "digits", "clitic", "stem", "root", "variant", "typo", "keyboard")


@dataclass(frozen=True)
class Match:
    """One written word of a hit's ``text`` that matched: ``text[start:end]``, offsets in
    code points (Python ``str`` indexes; in JavaScript, ``Array.from(text)`` indexes,
    not UTF-16 units), ``how`` its reasons (``HOWS``, in that order) and ``typed`` the
    word of the query it answers, as typed.

    >>> Match(0, 6, "وزارةُ", ("diacritics",), "وزارة").to_dict()["how"]
    ['diacritics']
    """

    start: int
    end: int
    text: str
    how: tuple[str, ...]
    typed: str = ""

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text,
                "how": list(self.how), "typed": self.typed}


@dataclass(frozen=True)
class MatchedWord:
    """A written word that matched, its reasons and the word typed, and how many times
    it matched in one hit (``Hit.matched_words``)."""

    text: str
    typed: str
    how: tuple[str, ...]
    count: int = 1


@dataclass(frozen=True)
class Hit:
    """One matching passage.

    ``snippet`` is HTML-safe: the passage text escaped, with ``<mark>`` around whole
    original words that matched. ``text`` is the raw passage text (escape it yourself).
    ``start`` and ``end`` are the passage's character span in its decoded source file.
    ``step`` says how it matched (``relax.STEPS``: all words, a pair of neighbouring
    passages, some words; a pair's ``text`` holds both passages); ``missing`` the
    words typed that it lacks; ``matches`` each written word that matched and why
    (``Match``; ``reasons`` all their reasons together).
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
    step: str = "all"
    missing: tuple[str, ...] = ()
    more_in_source: int = 0
    matches: tuple[Match, ...] = ()
    #: The passage's commentary around the question's words, marked (HTML-safe), when
    #: the commentary answered the question too (``search.commentary``); else None.
    commentary: str | None = None

    @property
    def matched_words(self) -> tuple[MatchedWord, ...]:
        """Each distinct written word of ``matches`` once (with the word it answers and
        its reasons), in text order, with how often it matched: what a reader is shown."""
        counts: dict[tuple, int] = {}
        for match in self.matches:
            key = (match.text, match.typed, match.how)
            counts[key] = counts.get(key, 0) + 1
        return tuple(MatchedWord(text, typed, how, count)
                     for (text, typed, how), count in counts.items())

    @property
    def reasons(self) -> tuple[str, ...]:
        """Every reason of ``matches``, once each, in ``HOWS`` order (a hit's summary)."""
        found = {how for match in self.matches for how in match.how}
        return tuple(how for how in HOWS if how in found)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "source": self.source,
            "passage": self.passage,
            "score": round(self.score, 4),
            "snippet": self.snippet,
            "text": self.text,
            "step": self.step,
            "missing": list(self.missing),
            "more_in_source": self.more_in_source,
            "matches": [match.to_dict() for match in self.matches],
            "commentary": self.commentary,
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
    label: str | None = None  # the file's title, when it has one

    def to_dict(self) -> dict:
        found = {"value": self.value, "count": self.count}
        if self.label:
            found["label"] = self.label
        return found


@dataclass(frozen=True)
class SearchResult:
    """A page of hits with the total, facet counts by source file and a suggestion.

    ``facets`` holds the source files with most matches (and the selected ones), most
    first; ``facet_total`` counts every file with a match.

    ``total`` counts every match that passes the source filter; ``page`` is the page
    actually returned (a page past the end comes back empty, never clamped silently).

    How it matched (``search.relax``): ``match`` is the strategy asked for,
    ``match_step`` the first step that found passages (None: nothing found),
    ``step_totals`` the passages each step found; ``missing`` lists the words found
    nowhere, ``related`` the words found nowhere that were searched as related forms
    (word, forms), ``expansions`` the question's words that also searched the words the
    corpus relates to them (word, related form; ``search.related``), ``corrected`` the did-you-mean correction searched instead when the
    query as typed found nothing; ``normalized_query`` the words searched for, folded;
    ``suggestion_partial`` that the suggestion was cut short by its work budget (too
    many unknown words, out of time): it may be missing or correct fewer words.
    ``by``: ``"word"`` (each word's forms) or ``"root"`` (each word's root, ``root:``).
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
    match: str = "all"
    match_step: str | None = None
    step_totals: dict = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    related: tuple[tuple[str, tuple[str, ...]], ...] = ()
    expansions: tuple[tuple[str, str], ...] = ()
    corrected: str | None = None
    normalized_query: str = ""
    suggestion_partial: bool = False
    sort: str = "relevance"
    collapsed_total: int | None = None
    folder_facets: tuple[FacetCount, ...] = ()
    folders: tuple[str, ...] = ()
    #: The exact options applied (``spelling.EXACT`` order): marks, hamza, ... as typed.
    exact: tuple[str, ...] = ()
    by: str = "word"

    @property
    def pages(self) -> int:
        """Number of pages the hits fill (at least 1): one hit per file when collapsed."""
        shown = self.total if self.collapsed_total is None else self.collapsed_total
        return max(1, -(-shown // self.per_page))

    def to_dict(self) -> dict:
        return {
            "ok": True,
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "hits": [hit.to_dict() for hit in self.hits],
            "facets": {"source": [facet.to_dict() for facet in self.facets],
                       "folder": [facet.to_dict() for facet in self.folder_facets]},
            "facet_totals": {"source": self.facet_total, "folder": len(self.folder_facets)},
            "suggestion": self.suggestion,
            "took_ms": round(self.took_ms, 2),
            "normalized_query": self.normalized_query,
            "match": {
                "strategy": self.match,
                "step": self.match_step,
                "steps": dict(self.step_totals),
                "missing": list(self.missing),
                "related": [{"word": word, "forms": list(forms)} for word, forms in self.related],
                "corrected": self.corrected,
                "expansions": [{"word": word, "related": form} for word, form in self.expansions],
            },
            "suggestion_partial": self.suggestion_partial,
            "sort": self.sort,
            "collapsed_total": self.collapsed_total,
            "exact": list(self.exact),
            "by": self.by,
        }
