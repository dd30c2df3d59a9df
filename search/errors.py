"""The library's exceptions: each carries a stable code and the parameters of its message.

``SearchError(code, **params)``: ``error.code`` names the problem (the JSON API returns it),
``error.params`` fills the message, ``str(error)`` is the Arabic message from the catalog
(``search/messages.py``) and ``error.english`` the English one. The command line and the
web layer translate these into an exit code or an HTTP status; anything else escaping the
library is a bug.

>>> error = QueryError("prefix_too_short")
>>> error.code, error.english
('prefix_too_short', 'a prefix search needs at least 2 letters before *, e.g. سور*')
"""

from __future__ import annotations

from . import messages


def _rebuild(cls, code, params):
    error = cls.__new__(cls)
    SearchError.__init__(error, code, **params)
    return error


class SearchError(Exception):
    """Base class: a problem a user can act on, with a message saying how."""

    def __init__(self, code: str, /, **params):
        if code not in messages.MESSAGES:
            raise ValueError(f"no message has the code {code!r} (search/messages.py)")
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        return messages.arabic(self.code, **self.params)

    @property
    def english(self) -> str:
        """The message in English (the command line prints this one)."""
        return messages.english(self.code, **self.params)

    def __reduce__(self):
        # Keyword parameters do not survive the default pickling of exceptions.
        return _rebuild, (type(self), self.code, self.params)


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
