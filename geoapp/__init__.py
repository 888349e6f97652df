"""haiti-access: humanitarian access and displacement map service."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, request

from . import extent
from .data.service import Service
from .errors import UriTooLong
from .http.assets import install_assets
from .http.compression import install_compression
from .http.errors import install_error_handlers
from .http.json_encoding import FastJSONProvider
from .http.language import install_languages
from .http.logs import install_request_log
from .http.security import install_rate_limits, install_security_headers
from .http.sessions import install_sessions
from .http.state import EXTENSION, service
from .i18n.translate import _
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
    app.json = FastJSONProvider(app)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions[EXTENSION] = Service(settings, make_store(settings))
    install_languages(app)  # first: every later hook, error included, speaks the request's language
    install_sessions(app, settings)

    @app.before_request
    def _keep_up_with_the_store():
        service().ensure_watcher()

    @app.before_request
    def _refuse_overlong_addresses():
        length = len(request.full_path.encode())
        if length > MAX_URL_BYTES:
            raise UriTooLong(_("the address is %(length)s bytes long; at most %(max_url_bytes)s (send large inputs "
                               "such as polygons in a POST body)", length=f"{length:,}",
                               max_url_bytes=f"{MAX_URL_BYTES:,}"))

    from .api import bp as api_bp
    from .api.docs import bp as docs_bp
    from .api.edits import bp as edits_bp
    from .api.figures import bp as figures_bp
    from .api.ogc import bp as ogc_bp
    from .http.health import bp as health_bp
    from .web import bp as web_bp
    from .web.editor import bp as editor_bp

    for blueprint in (health_bp, api_bp, figures_bp, ogc_bp, edits_bp, docs_bp, web_bp, editor_bp):
        app.register_blueprint(blueprint)
    install_assets(app)
    # after-request hooks run last-installed first: the log sees the bytes sent, compression the
    # plain page the security headers read
    install_request_log(app)
    install_compression(app)
    install_security_headers(app, settings.tile_url)
    install_rate_limits(app, settings)
    from .web import error_page

    install_error_handlers(app, html_page=error_page)

    return app
