"""The library's exceptions: each message says what is wrong and what to do.

The command line and the web layer translate these into an exit code or an HTTP 400;
anything else escaping the library is a bug.
"""


class SearchError(Exception):
    """Base class: a problem a user can act on, with a message saying how."""


class QueryError(SearchError, ValueError):
    """The query cannot be understood (unbalanced quote, stray operator, too long, ...)."""


class UnknownSourceError(SearchError, ValueError):
    """A source filter names a file that is not in the index."""


class IndexNotFoundError(SearchError):
    """There is no index at the given folder yet."""


class RebuildNeededError(SearchError):
    """The index was built by another analyzer version; its terms would not match."""


class BuildInProgressError(SearchError):
    """Another process is building or updating this index right now."""
