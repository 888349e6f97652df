"""Static assets under content-hashed names, cached for a year, compressed once.

``url_for("static", filename="geoapp.js")`` gives ``/static/geoapp.<hash>.js`` everywhere (pages,
templates, folium maps): a URL default rewrites the name, so no template or builder has to know.
A hashed name is served with ``Cache-Control: public, max-age=31536000, immutable``; the plain
name (and an outdated hash, after an upgrade) still works with a short cache.  Stylesheets have
their ``url(...)`` images rewritten to hashed names too, so Leaflet's control icons are cached the
same way and the stylesheet's own hash changes when an image does.  Each asset is read, hashed and
compressed (gzip, and brotli when installed) once, again only when its file changes.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask import Flask, Response, request

from ..errors import NotFound
from ..i18n.translate import _
from .compression import compress_best

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=600"
DIGEST_CHARS = 10
HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{DIGEST_CHARS}}})(?P<ext>\.[A-Za-z0-9]+)$")
CSS_URL = re.compile(r"""url\(\s*(?P<q>['"]?)(?P<url>[^'")\s]+)(?P=q)\s*\)""")
#: Leaflet finds its default marker images by this exact file name in its stylesheet: keep it plain.
KEEP_PLAIN = {"marker-icon.png"}


@dataclass(frozen=True)
class Asset:
    """One static file as served: its bytes (stylesheet images rewritten), hash and compressed forms."""

    name: str
    digest: str
    body: bytes
    mimetype: str
    encoded: dict[str, bytes]
    stamp: tuple

    @property
    def hashed_name(self) -> str:
        """``dir/name.<digest>.ext`` (files without an extension keep their name)."""
        path = PurePosixPath(self.name)
        if not path.suffix:
            return self.name
        return str(path.with_name(f"{path.stem}.{self.digest}{path.suffix}"))


class Assets:
    """The files of one static folder by name, built on first use and again when a file changes."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder).resolve()
        self._cache: dict[str, Asset] = {}
        self._lock = threading.RLock()  # a stylesheet builds its images inside

    def _path(self, name: str) -> Path | None:
        path = (self.folder / name).resolve()
        if not path.is_relative_to(self.folder) or not path.is_file():
            return None
        return path

    def _stamp(self, name: str, deps: tuple[str, ...] = ()) -> tuple | None:
        stamps = []
        for each in (name, *deps):
            path = self._path(each)
            if path is None:
                return None
            stat = path.stat()
            stamps.append((each, stat.st_mtime_ns, stat.st_size))
        return tuple(stamps)

    def get(self, name: str) -> Asset | None:
        """The asset of a plain name, or None when there is no such file."""
        cached = self._cache.get(name)
        if cached is not None and self._stamp(name, tuple(s[0] for s in cached.stamp[1:])) == cached.stamp:
            return cached
        path = self._path(name)
        if path is None:
            return None
        with self._lock:
            asset = self._build(name, path)
            self._cache[name] = asset
        return asset

    def _build(self, name: str, path: Path) -> Asset:
        body = path.read_bytes()
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        deps: list[str] = []
        if mimetype == "text/css":
            body = self._rewrite_css(name, body.decode("utf-8"), deps).encode("utf-8")
        digest = hashlib.sha256(body).hexdigest()[:DIGEST_CHARS]
        compressible = mimetype.startswith("text/") or mimetype in ("application/javascript", "image/svg+xml",
                                                                       "application/json")
        return Asset(name=name, digest=digest, body=body, mimetype=mimetype,
                     encoded=compress_best(body) if compressible else {}, stamp=self._stamp(name, tuple(deps)))

    def _rewrite_css(self, name: str, text: str, deps: list[str]) -> str:
        """Relative ``url(...)`` references pointed at the hashed names of the files they name."""
        here = PurePosixPath(name).parent

        def hashed(match: re.Match) -> str:
            url = match.group("url")
            if re.match(r"^([a-z][a-z0-9+.-]*:|/|#)", url, re.I) or PurePosixPath(url).name in KEEP_PLAIN:
                return match.group(0)
            target = _normalise(str(here / url))
            asset = self.get(target) if target else None
            if asset is None:
                return match.group(0)
            deps.append(target)
            return f"url({PurePosixPath(url).parent / PurePosixPath(asset.hashed_name).name})"

        return CSS_URL.sub(hashed, text)

    def url_name(self, name: str) -> str:
        """The name to put in a URL: the hashed one when the file exists, else the name as given."""
        asset = self.get(name)
        return asset.hashed_name if asset is not None else name

    def resolve(self, requested: str) -> tuple[Asset, bool] | None:
        """(asset, whether the request named its current hash) of a requested name, plain or hashed."""
        asset = self.get(requested)
        if asset is not None:
            return asset, False
        match = HASHED.match(requested)
        if match is None:
            return None
        asset = self.get(match.group("stem") + match.group("ext"))
        if asset is None:
            return None
        return asset, asset.digest == match.group("digest")


def _normalise(path: str) -> str | None:
    """``a/b/../c`` as ``a/c``; None when it climbs out of the folder."""
    parts: list[str] = []
    for part in PurePosixPath(path).parts:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def install_assets(app: Flask) -> Assets:
    """Serve ``/static/`` from hashed names and make ``url_for("static", ...)`` write them."""
    assets = Assets(app.static_folder)

    @app.url_defaults
    def _hashed_static_names(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = assets.url_name(values["filename"])

    def serve(filename: str) -> Response:
        found = assets.resolve(filename)
        if found is None:
            raise NotFound(_("no static file %(name)s", name=repr(filename[:80])), field="filename")
        asset, current = found
        response = Response(asset.body, mimetype=asset.mimetype)
        response.precompressed = asset.encoded  # the compression hook sends these as they are
        response.headers["Cache-Control"] = IMMUTABLE if current else SHORT
        response.set_etag(asset.digest)
        return response.make_conditional(request)

    app.view_functions["static"] = serve
    app.extensions["geoapp-assets"] = assets
    return assets
