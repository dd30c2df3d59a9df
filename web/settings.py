"""The web site's settings: one mapping of defaults, overridable for deployment.

Order of precedence, lowest first (as in Flask's tutorial ``create_app``):

1. ``DEFAULTS`` below;
2. ``config.py`` in the instance folder, if there is one (loaded silently);
3. environment variables ``ARABIC_SEARCH_<KEY>`` (e.g. ``ARABIC_SEARCH_PER_PAGE=20``),
   plus ``ARABIC_SEARCH_INDEX`` for the index folder, the same variable the CLI reads;
4. the ``test_config`` mapping given to ``create_app``.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Environment variable naming the index folder; shared with ``arabic-search index``.
INDEX_ENV = "ARABIC_SEARCH_INDEX"
#: Prefix of the environment variables that override a key of ``DEFAULTS``.
ENV_PREFIX = "ARABIC_SEARCH_"

DEFAULTS: dict[str, object] = {
    # Folder holding the Whoosh index; None means $ARABIC_SEARCH_INDEX or ./instance/index,
    # the same rule as the command line, so `arabic-search index` then `serve` just works.
    "INDEX_DIR": None,
    # A Dask scheduler's address (tcp://host:8786): INDEX_DIR is then a sharded index
    # searched on that cluster (search.cluster); None: an index on this machine.
    "CLUSTER": None,
    # Hits per page when the request does not say.
    "PER_PAGE": 10,
    # Largest per_page a request may ask for; more is a 400, not a silent clamp.
    "MAX_PER_PAGE": 50,
    # Longest query accepted, in characters; longer ones are a 400.
    "MAX_QUERY_LENGTH": 500,
    # Most source= filters one request may carry.
    "MAX_SOURCES": 100,
    # Most hits one export (/export.csv, /export.json) holds.
    "EXPORT_LIMIT": 1000,
    # Passages on one page of the document view (a huge file is paged, never sent whole).
    "DOCUMENT_WINDOW": 200,
    # Most autocomplete suggestions returned by /api/suggest.
    "SUGGEST_LIMIT": 8,
    # Seconds between checks for a rebuilt index (idx.refresh()) in one process.
    "REFRESH_INTERVAL": 1.0,
    # Request bodies are refused above this many bytes: the site only takes GET requests.
    "MAX_CONTENT_LENGTH": 16 * 1024,
    # Cache lifetime, in seconds, of the CSS and JavaScript files.
    "SEND_FILE_MAX_AGE_DEFAULT": 3600,
    # Never show Werkzeug's debugger: it runs code sent by the browser.
    "DEBUG": False,
}


def default_index_dir() -> Path:
    """The index folder the CLI uses too: ``$ARABIC_SEARCH_INDEX`` or ``./instance/index``."""
    return Path(os.environ.get(INDEX_ENV) or Path.cwd() / "instance" / "index")


def from_environ(environ=os.environ) -> dict[str, object]:
    """Settings given as ``ARABIC_SEARCH_<KEY>`` variables, converted to the default's type.

    >>> from_environ({"ARABIC_SEARCH_PER_PAGE": "20", "ARABIC_SEARCH_INDEX": "/srv/idx"})
    {'INDEX_DIR': '/srv/idx', 'PER_PAGE': 20}
    """
    found: dict[str, object] = {}
    if environ.get(INDEX_ENV):
        found["INDEX_DIR"] = environ[INDEX_ENV]
    for key, default in DEFAULTS.items():
        raw = environ.get(ENV_PREFIX + key)
        if raw is None or key == "INDEX_DIR" and not raw:
            continue
        found[key] = _convert(key, raw, default)
    return found


def _convert(key: str, raw: str, default: object) -> object:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    try:
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError:
        raise ValueError(f"{ENV_PREFIX}{key} must be a number, not {raw!r}") from None
    return raw
