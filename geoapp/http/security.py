"""Response hardening: security headers, a strict CSP the map pages work under, and rate limits.

The CSP allows scripts from this site and, by hash, the page's own inline scripts (folium writes
its map set-up inline); nothing else, and no other host.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import time
from urllib.parse import urlsplit

from flask import Flask
from limits.storage import Storage

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


class ProcessCounters(Storage):
    """Fixed-window rate-limit counters in this process's memory (``geoapp-memory://``), for flask-limiter.

    What limits' ``memory://`` storage does, without its expiry thread: that one starts a new thread
    10 ms after nearly every counted request to drop old counters, which costs more than the lookup's
    JSON encoding on a busy server.  Here an expired counter is dropped when next read, and a sweep
    of the others runs, inline, at most every ``SWEEP_S`` seconds.
    """

    STORAGE_SCHEME = ["geoapp-memory"]
    SWEEP_S = 60.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._counts: dict[str, int] = {}
        self._expires: dict[str, float] = {}
        self._lock = threading.Lock()
        self._next_sweep = time.time() + self.SWEEP_S

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def _live(self, key: str, now: float) -> bool:
        if self._expires.get(key, 0.0) > now:
            return True
        self._counts.pop(key, None)
        self._expires.pop(key, None)
        return False

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        with self._lock:  # requests run on several threads
            if now >= self._next_sweep:
                for old in [k for k, at in self._expires.items() if at <= now]:
                    self._live(old, now)
                self._next_sweep = now + self.SWEEP_S
            if not self._live(key, now):
                self._expires[key] = now + expiry
            count = self._counts[key] = self._counts.get(key, 0) + amount
            return count

    def get(self, key: str) -> int:
        with self._lock:
            return self._counts[key] if self._live(key, time.time()) else 0

    def get_expiry(self, key: str) -> float:
        with self._lock:
            return self._expires.get(key, time.time())

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            count = len(self._counts)
            self._counts.clear()
            self._expires.clear()
            return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)
            self._expires.pop(key, None)


def install_rate_limits(app: Flask, settings) -> None:
    """Per-client limits on the views that declare one (429 with Retry-After); counters live per process.

    Declared on the views themselves, so a renamed endpoint keeps its limit; an empty setting turns
    that kind off.
    """
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    limiter = Limiter(key_func=get_remote_address, app=app, storage_uri="geoapp-memory://", headers_enabled=True,
                      default_limits=[])
    for endpoint, view in list(app.view_functions.items()):
        kind = getattr(view, "rate_limit_kind", None)
        limit = getattr(settings, f"rate_limit_{kind}") if kind else None
        if limit:
            app.view_functions[endpoint] = limiter.limit(limit)(view)
    app.extensions["geoapp-limiter"] = limiter
