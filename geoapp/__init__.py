"""haiti-access: humanitarian access and displacement map service."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from .dataset import Dataset, build_dataset
from .errors import GeoappError
from .settings import Settings
from .store import LayerStore, make_store

__all__ = ["create_app", "Service"]

log = logging.getLogger(__name__)


class Service:
    """The running service's state: settings, store and the current Dataset (swapped whole)."""

    def __init__(self, settings: Settings, store: LayerStore):
        self.settings = settings
        self.store = store
        self._lock = threading.Lock()
        self._store_version = store.version()
        self.dataset: Dataset = self._build(None)
        self._pages: dict[tuple[str, str], str] = {}
        self._checked_at = time.monotonic()
        self._rebuilding: threading.Thread | None = None

    def _build(self, previous: Dataset | None) -> Dataset:
        return build_dataset(self.store.load(), self.settings, previous=previous)

    def reload(self) -> Dataset:
        """Rebuild layers, graph and indexes from the store, then swap them in at once.

        Requests already running keep the Dataset they started with.
        """
        with self._lock:
            version = self.store.version()
            fresh = self._build(self.dataset)
            self.dataset = fresh
            self._store_version = version
            self._pages = {}
        return fresh

    def reload_if_changed(self) -> None:
        """At most every ``reload_check_s``: when the store changed, rebuild in the background.

        Requests keep being answered from the current Dataset until the new one is swapped in.
        """
        now = time.monotonic()
        if now - self._checked_at < self.settings.reload_check_s:
            return
        self._checked_at = now
        if self._rebuilding is not None and self._rebuilding.is_alive():
            return
        if self.store.version() != self._store_version:
            self._rebuilding = threading.Thread(target=self._reload_logged, name="geoapp-reload", daemon=True)
            self._rebuilding.start()

    def _reload_logged(self) -> None:
        try:
            self.reload()
            log.info("data reloaded: version %s", self.dataset.version)
        except Exception:  # a bad file must not take the service down: keep serving the last good data
            log.exception("reload failed; still serving data version %s", self.dataset.version)
            self._store_version = self.store.version()

    def cached_page(self, name: str, build) -> str:
        """A page that depends only on the data version, built on first request after a change."""
        key = (self.dataset.version, name)
        page = self._pages.get(key)
        if page is None:
            page = self._pages[key] = build()
        return page


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app: settings (``GEOAPP_*`` then ``config``), layers, graph, blueprints."""
    settings = Settings.from_env(overrides=config)
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path.resolve()),
        static_folder="web/static",
        static_url_path="/static",
    )
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions["geoapp"] = Service(settings, make_store(settings))

    @app.before_request
    def _fresh_data():
        service().reload_if_changed()

    from .api import bp as api_bp
    from .api.docs import bp as docs_bp
    from .api.ogc import bp as ogc_bp
    from .web import bp as web_bp

    for blueprint in (api_bp, ogc_bp, docs_bp, web_bp):
        app.register_blueprint(blueprint)
    _register_errors(app)

    @app.get("/healthz")
    def healthz():
        """Liveness and data freshness."""
        data = service().dataset
        return jsonify(
            status="ok",
            data_version=data.version,
            layers={name: {"features": len(frame), "as_of": data.as_of[name]} for name, frame in data.layers.items()},
            graph={"nodes": data.router.graph.n_nodes, "edges": data.router.graph.n_edges},
        )
    return app


def service() -> Service:
    """The Service of the app handling the current request."""
    from flask import current_app

    return current_app.extensions["geoapp"]


def _wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes[best] > request.accept_mimetypes["application/json"]


def _register_errors(app: Flask) -> None:
    from .web import error_page

    def respond(status: int, code: str, message: str, field: str | None = None):
        body = {"error": {"code": code, "message": message}}
        if field:
            body["error"]["field"] = field
        if _wants_html() and not request.path.startswith("/api/"):
            return error_page(status, message), status
        return jsonify(body), status

    @app.errorhandler(GeoappError)
    def geoapp_error(exc: GeoappError):
        if exc.status >= 500:
            log.error("internal error: %s", exc.message)
            return respond(exc.status, exc.code, "internal error")
        return respond(exc.status, exc.code, exc.message, exc.field)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        return respond(exc.code or 500, code, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return respond(500, "internal_error", "internal error; the operators have been told")
