"""Errors as the HTTP conventions say: a JSON body with code, message and field, or a readable page."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from ..errors import GeoappError
from ..i18n.translate import N_, _, gettext

log = logging.getLogger("geoapp")

#: werkzeug's own messages for the errors it raises, so they are in the catalogs and translated
WERKZEUG_MESSAGES = (
    N_("The requested URL was not found on the server. If you entered the URL manually please check your "
       "spelling and try again."),
    N_("The method is not allowed for the requested URL."),
    N_("The data value transmitted exceeds the capacity limit."),
    N_("The browser (or proxy) sent a request that this server could not understand."),
    N_("The server does not support the media type transmitted in the request."),
)


def wants_html() -> bool:
    """Whether the client prefers a page to JSON (browsers do; API clients send JSON types or */*)."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes[best] > request.accept_mimetypes["application/json"]


def install_error_handlers(app: Flask, *, html_page: Callable[[int, str], Response]) -> None:
    """JSON errors for API callers, ``html_page(status, message)`` for browsers asking for pages.

    What the caller got wrong is a 4xx that says what and where; our faults are a 500 that says
    nothing of the internals (the log has them).
    """

    def respond(status: int, code: str, message: str, field: str | None = None, details: dict | None = None):
        if wants_html() and not request.path.startswith("/api/"):
            return html_page(status, message), status
        return jsonify(GeoappError(message, field=field, details=details).to_dict(code=code)), status

    @app.errorhandler(GeoappError)
    def geoapp_error(exc: GeoappError):
        if exc.status >= 500 and exc.status != 503:
            log.error("internal error: %s", exc.message)
            return respond(exc.status, exc.code, _("internal error"))
        body, status = respond(exc.status, exc.code, exc.message, exc.field, exc.details)
        response = app.make_response((body, status))
        response.headers.update(getattr(exc, "headers", {}))
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        message = gettext(exc.description or exc.name)
        if exc.code == 429:
            message = _("too many requests: this endpoint allows %(limit)s per client; retry after Retry-After "
                        "seconds", limit=exc.description or exc.name)
        body, status = respond(exc.code or 500, code, message)
        response = app.make_response((body, status))
        for name, value in exc.get_headers():  # e.g. Allow on a 405
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return respond(500, "internal_error", _("internal error; the operators have been told"))
