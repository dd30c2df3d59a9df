"""The web site: ``create_app()`` builds a Flask app over one shared, read-only index.

Pages and the JSON API live in ``web.views``; settings in ``web.settings``; the
production server (waitress) in ``web.server``. Nothing here touches Whoosh: the app
only calls ``search.Index``.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from urllib.parse import parse_qsl

from flask import Flask, Request, current_app, g
from werkzeug.utils import cached_property

from search import Index
from search.corpus import display_name
from search.errors import SearchError

from . import settings

__all__ = ["create_app", "get_index", "SharedIndex"]

# Templates sit at the top of the repository, beside web/ (see STYLE.md); the wheel
# carries them as web/templates (setup.cfg maps the folder into the package).
_PACKAGED_TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_FOLDER = (
    _PACKAGED_TEMPLATES if _PACKAGED_TEMPLATES.is_dir()
    else Path(__file__).resolve().parent.parent / "templates"
)


class SharedIndex:
    """One opened ``Index`` per process, shared by every request thread.

    The index is opened on first use, so the site starts (and says what to run) before
    an index exists. At most once every ``interval`` seconds a request asks
    ``Index.refresh()`` whether a rebuild swapped in a newer generation, so a rebuilt
    index is picked up without a restart. The lock only guards opening and refreshing;
    searches run concurrently.
    """

    def __init__(self, index_dir: str | Path, interval: float = 1.0, cluster: str | None = None):
        self.index_dir = Path(index_dir)
        self.cluster = cluster
        self.interval = interval
        self._index: Index | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def get(self) -> Index:
        """The open index; raises ``IndexNotFoundError`` / ``RebuildNeededError``."""
        now = time.monotonic()
        index = self._index
        if index is not None and now - self._checked < self.interval:
            return index
        with self._lock:
            if self._index is None:
                self._index = self._open()
                self._index.warm()
            elif now - self._checked >= self.interval:
                try:
                    if self._index.refresh():
                        current_app.logger.info("index refreshed: %s", self._index.generation)
                        self._index.warm()
                except SearchError as exc:
                    # A rebuild in progress or gone wrong: keep serving the generation we have.
                    current_app.logger.warning("index refresh failed, kept the open one: %s", exc)
            self._checked = now
            return self._index


    def _open(self):
        if self.cluster:
            from search.cluster import ClusterIndex

            return ClusterIndex.open(self.index_dir, self.cluster)
        return Index.open(self.index_dir)


class LenientRequest(Request):
    """A request whose query string may hold raw bytes that are not UTF-8.

    Werkzeug decodes the raw query string strictly, so ``GET /?\x80`` raised
    UnicodeDecodeError inside ``request.args`` (a 500, and again in the error handler).
    Such bytes become U+FFFD here; percent-escaped ones stay escaped, as in Werkzeug.
    """

    @cached_property
    def args(self):
        return self.parameter_storage_class(parse_qsl(
            self.query_string.decode("utf-8", "replace"), keep_blank_values=True,
            errors="werkzeug.url_quote",
        ))


def get_index() -> Index:
    """The index for this request, cached on ``g`` like ``get_db()`` in Flask's tutorial."""
    if "index" not in g:
        g.index = current_app.extensions["arabic_search"].get()
    return g.index


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then instance ``config.py``, then environment, then ``test_config``.

    The instance folder is ``./instance`` (the CLI's default index is ``./instance/index``,
    so the two agree without any setting).
    """
    app = Flask(
        __name__,
        instance_path=str(Path.cwd() / "instance"),
        instance_relative_config=True,
        template_folder=str(TEMPLATE_FOLDER),
    )
    app.request_class = LenientRequest
    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(settings.from_environ())
    if test_config is not None:
        app.config.from_mapping(test_config)
    if not app.config["INDEX_DIR"]:
        app.config["INDEX_DIR"] = str(settings.default_index_dir())

    # Arabic letters as they are, not \u escapes.
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    # File names are shown with their controls and bidi marks visible (rtl\u202etxt.exe),
    # never obeyed; links and form values keep the raw name.
    app.add_template_filter(display_name)
    app.extensions["arabic_search"] = SharedIndex(
        app.config["INDEX_DIR"], float(app.config["REFRESH_INTERVAL"]), app.config["CLUSTER"]
    )

    from . import views

    views.init_app(app)
    return app
