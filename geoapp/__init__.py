"""haiti-access: humanitarian access and displacement map service."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from . import extent
from .data.service import Service
from .errors import GeoappError, UriTooLong
from .http.logs import install_request_log
from .http.security import install_rate_limits, install_security_headers
from .http.state import EXTENSION, service
from .settings import Settings
from .store import make_store

__all__ = ["create_app", "service", "Service"]

log = logging.getLogger(__name__)


#: the longest request address read (path and query); gunicorn itself stops at 8,190
MAX_URL_BYTES = 4096


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app: settings (``GEOAPP_*`` then ``config``), layers, graph, blueprints."""
    settings = Settings.from_env(overrides=config)
    extent.set_margin(settings.maritime_margin_m)
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path.resolve()),
        static_folder="web/static",
        static_url_path="/static",
    )
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions[EXTENSION] = Service(settings, make_store(settings))

    @app.before_request
    def _keep_up_with_the_store():
        service().ensure_watcher()

    @app.before_request
    def _refuse_overlong_addresses():
        length = len(request.full_path.encode())
        if length > MAX_URL_BYTES:
            raise UriTooLong(f"the address is {length:,} bytes long; at most {MAX_URL_BYTES:,} (send large "
                             "inputs such as polygons in a POST body)")

    from .api import bp as api_bp
    from .api.docs import bp as docs_bp
    from .api.edits import bp as edits_bp
    from .api.figures import bp as figures_bp
    from .api.ogc import bp as ogc_bp
    from .web import bp as web_bp

    for blueprint in (api_bp, figures_bp, ogc_bp, edits_bp, docs_bp, web_bp):
        app.register_blueprint(blueprint)
    install_security_headers(app, settings.tile_url)
    install_rate_limits(app, {
        **dict.fromkeys(["api.route", "api.safety", "api.access", "web.route_page", "web.access_page",
                         "web.point_page", "web.whatif_page",
                         "figures.displacement", "figures.commune", "figures.commune_chart"],
                        settings.rate_limit_lookups),
        "api.whatif": settings.rate_limit_scenarios,
        **dict.fromkeys(["ogc.items", "api.download", "api.download_csv", "api.download_gpkg", "web.reference_layer"],
                        settings.rate_limit_downloads),
        **dict.fromkeys(["edits.create_item", "edits.replace_item", "edits.patch_item", "edits.delete_item"],
                        settings.rate_limit_edits),
    })
    install_request_log(app)
    _register_errors(app)

    @app.get("/readyz")
    def readyz():
        """Ready to serve: layers and graph loaded, and the store reachable."""
        svc = service()
        try:
            version = svc.store.version()
        except GeoappError as exc:
            return jsonify(ready=False, reason=exc.message, data_version=svc.dataset.version), 503
        return jsonify(ready=True, store=svc.store.describe(), store_version=version,
                       data_version=svc.dataset.version, graph_nodes=svc.dataset.router.graph.n_nodes,
                       loaded_at=svc.loaded_at.strftime("%Y-%m-%dT%H:%M:%SZ"))

    @app.get("/healthz")
    def healthz():
        """Liveness and data freshness per layer, from each feature's as_of (newest, median, oldest, stale share)."""
        from .data.freshness import layer_freshness

        svc = service()
        data = svc.dataset
        today = dt.date.today()
        layers = {}
        for name, frame in data.layers.items():
            fresh = layer_freshness(name, data.feature_days[name], today, svc.settings.stale_after_days)
            layers[name] = {"features": len(frame), "as_of": fresh["newest"], **fresh}
        return jsonify(
            status="ok",
            data_version=data.version,
            stale_after_days=svc.settings.stale_after_days,
            layers=layers,
            graph={"nodes": data.router.graph.n_nodes, "edges": data.router.graph.n_edges},
        )
    return app


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
        if exc.status >= 500 and exc.status != 503:
            log.error("internal error: %s", exc.message)
            return respond(exc.status, exc.code, "internal error")
        body, status = respond(exc.status, exc.code, exc.message, exc.field)
        response = app.make_response((body, status))
        response.headers.update(getattr(exc, "headers", {}))
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        message = exc.description or exc.name
        if exc.code == 429:
            message = f"too many requests: this endpoint allows {message} per client; retry after Retry-After seconds"
        body, status = respond(exc.code or 500, code, message)
        response = app.make_response((body, status))
        for name, value in exc.get_headers():  # e.g. Allow on a 405
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return respond(500, "internal_error", "internal error; the operators have been told")
