"""Structured request logs: one JSON line a request, with no secrets and no coordinates."""

from __future__ import annotations

import json
import logging
import time

from flask import Flask, g, request

log = logging.getLogger("geoapp.requests")


def install_request_log(app: Flask) -> None:
    """Log method, path, parameter names (not values: they may be positions), status, size, time."""
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False

    @app.before_request
    def _start():
        g.started = time.perf_counter()

    @app.after_request
    def _log(response):
        started = g.get("started")
        log.info(json.dumps({
            "event": "request",
            "method": request.method,
            "path": request.path[:200],
            "params": sorted(request.args.keys())[:20],
            "status": response.status_code,
            # a streamed body's length is known only at its end: measuring it here would read it all
            # into memory first (werkzeug turns the stream into a list), and the download would stop streaming
            "bytes": None if response.is_streamed else response.calculate_content_length(),
            "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "authenticated": "Authorization" in request.headers,
        }))
        return response
