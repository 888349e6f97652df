"""Response hardening: security headers, a strict CSP the map pages work under, and rate limits.

The CSP allows scripts from this site and, by hash, the page's own inline scripts (folium writes
its map set-up inline); nothing else, and no other host.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

from flask import Flask

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)


def script_hashes(html: str) -> list[str]:
    """CSP hashes of a page's inline scripts (JSON data blocks are not scripts and need none)."""
    hashes = []
    for match in INLINE_SCRIPT.finditer(html):
        if "application/json" in match.group("attrs"):
            continue
        digest = hashlib.sha256(match.group("body").encode()).digest()
        hashes.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return sorted(set(hashes))


def content_security_policy(html: str, tile_url: str | None) -> str:
    """Scripts: this site and the page's own inline scripts, by hash; nothing from other hosts."""
    images = "'self' data:"
    if tile_url and tile_url != "osm":
        parts = urlsplit(tile_url.replace("{s}", "a"))
        images += f" {parts.scheme}://{parts.netloc.replace('a.', '*.', 1)}"
    elif tile_url == "osm":
        images += " https://tile.openstreetmap.org"
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' " + " ".join(script_hashes(html)),
        "style-src 'self' 'unsafe-inline'",  # Leaflet positions everything with inline styles
        f"img-src {images}",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def install_security_headers(app: Flask, tile_url: str | None) -> None:
    """Headers on every response; the CSP on every HTML page."""

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if response.mimetype == "text/html" and not response.is_streamed:
            response.headers["Content-Security-Policy"] = content_security_policy(
                response.get_data(as_text=True), tile_url)
        return response


#: The kinds of rate limit a view may declare; each is the setting ``rate_limit_<kind>``.
RATE_LIMIT_KINDS = ("lookups", "scenarios", "downloads", "edits")


def rate_limited(kind: str):
    """Declare on a view that it counts against the ``rate_limit_<kind>`` setting (see install_rate_limits)."""
    if kind not in RATE_LIMIT_KINDS:
        raise ValueError(f"rate limit kind must be one of {', '.join(RATE_LIMIT_KINDS)}")

    def mark(view):
        view.rate_limit_kind = kind
        return view

    return mark


def install_rate_limits(app: Flask, settings) -> None:
    """Per-client limits on the views that declare one (429 with Retry-After); counters live per process.

    Declared on the views themselves, so a renamed endpoint keeps its limit; an empty setting turns
    that kind off.
    """
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    limiter = Limiter(key_func=get_remote_address, app=app, storage_uri="memory://", headers_enabled=True,
                      default_limits=[])
    for endpoint, view in list(app.view_functions.items()):
        kind = getattr(view, "rate_limit_kind", None)
        limit = getattr(settings, f"rate_limit_{kind}") if kind else None
        if limit:
            app.view_functions[endpoint] = limiter.limit(limit)(view)
    app.extensions["geoapp-limiter"] = limiter
