"""Compressed responses: gzip or brotli as the client's Accept-Encoding allows, once for every route.

One after-request hook decides for every response: text, JSON, GeoJSON, CSV, SVG, JavaScript and
CSS of at least ``MIN_BYTES`` are sent compressed to clients that accept it (q-values honoured,
``q=0`` refuses), streamed ones chunk by chunk (they keep streaming); responses already encoded,
partial, ``no-transform`` or binary (GeoPackage, PNG) go as they are.  A view that has its body
compressed beforehand (static assets, the light boundaries) hands the bytes over with
``precompressed`` and nothing is compressed again.

ETags stay per representation: a compressed body's strong ETag gets ``-gzip`` or ``-br`` inside
the quotes; the suffix is taken off ``If-None-Match`` and ``If-Match`` before a view sees them, so
views compare their own tags (a 304 names the representation the client holds, and an edit's
``If-Match`` read from a compressed GET still matches).
"""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Iterable, Iterator

from flask import Flask, Response, request

#: Smaller bodies are not worth compressing (one packet either way).
MIN_BYTES = 1024
#: Levels for bodies compressed per request (fast); precompressed assets use the highest.
GZIP_LEVEL = 6
BROTLI_QUALITY = 5
#: Media types worth compressing (binary formats such as GeoPackage and PNG are left alone).
COMPRESSIBLE = re.compile(r"^(text/.+|application/(.+\+)?json|application/(.+\+)?xml|application/javascript"
                          r"|image/svg\+xml)$")
#: Our encoding suffix inside an entity tag: "12-gzip" is representation gzip of "12".
_SUFFIX = re.compile(r'-(gzip|br)"')


def brotli_module():
    """The brotli module when installed (the ``brotli`` extra), else None: gzip alone is offered."""
    try:
        import brotli
    except ImportError:
        return None
    return brotli


def choose_encoding(accept, offered: Iterable[str] | None = None) -> str | None:
    """The best encoding the client accepts among ``offered`` (default: br when installed, gzip), or None.

    ``accept`` is the request's parsed Accept-Encoding; a higher q wins, brotli on a tie; ``q=0``
    (also through ``*;q=0``) refuses.  No header, or ``identity`` alone, means no compression.
    """
    if offered is None:
        offered = ("br", "gzip") if brotli_module() else ("gzip",)
    best, best_q = None, 0.0
    for encoding in offered:
        q = accept[encoding]
        if q > best_q:
            best, best_q = encoding, q
    return best


def compress(body: bytes, encoding: str) -> bytes:
    """``body`` in ``encoding`` (``gzip`` or ``br``) at the per-request levels."""
    if encoding == "br":
        return brotli_module().compress(body, quality=BROTLI_QUALITY)
    return zlib.compress(body, GZIP_LEVEL, wbits=31)  # wbits 31: the gzip container


#: Bodies compressed once are gzipped with zopfli (the ``zopfli`` extra) up to this size, else zlib at level 9.
ZOPFLI_MAX_BYTES = 1_000_000


def gzip_once(body: bytes, *, iterations: int = 15) -> bytes:
    """``body`` gzipped as small as worth it for a body sent many times.

    With the ``zopfli`` extra: zopfli, whose gzip (any client reads it) is 3-10% smaller than zlib's
    best, at ~0.2 s per 100 KB with 15 ``iterations``; without it, or for a body over
    ``ZOPFLI_MAX_BYTES``, zlib at level 9.
    """
    if len(body) <= ZOPFLI_MAX_BYTES:
        try:
            import zopfli.gzip
        except ImportError:
            pass
        else:
            return zopfli.gzip.compress(body, numiterations=iterations)
    return zlib.compress(body, 9, wbits=31)


def compress_best(body: bytes) -> dict[str, bytes]:
    """``body`` once at the highest levels, for bodies built once and sent often (assets, light layers).

    Only encodings that make it smaller are kept.
    """
    out = {"gzip": gzip_once(body)}
    brotli = brotli_module()
    if brotli is not None:
        out["br"] = brotli.compress(body, quality=11 if len(body) < 2_000_000 else 9)
    return {encoding: packed for encoding, packed in out.items() if len(packed) < len(body)}


class CompressOnce:
    """Compressed forms of a body sent many times (a cached page), each made when first asked for.

    Made at higher levels than per-request compression (brotli 10, gzip by zopfli with 5 iterations
    when installed, else zlib 9): the cost is paid once per body, and every later request is served
    the bytes as they are (``per_request_levels``: at the levels of per-request compression, for
    bodies sent again a few times, such as cached answers).  Hand it to the hook as a response's
    ``precompressed``.
    """

    LEVELS = {"br": 10, "gzip": 5}  # gzip: zopfli's iterations

    def __init__(self, body: bytes, *, per_request_levels: bool = False):
        self.body = body
        self.per_request_levels = per_request_levels  # a body sent a few times: the fast levels
        self._made: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def __contains__(self, encoding: str) -> bool:
        return encoding == "gzip" or (encoding == "br" and brotli_module() is not None)

    def __bool__(self) -> bool:
        return True

    def get(self, encoding: str) -> bytes:
        """The body in ``encoding``, compressed on the first call."""
        with self._lock:
            if encoding not in self._made:
                if self.per_request_levels:
                    self._made[encoding] = compress(self.body, encoding)
                elif encoding == "br":
                    self._made[encoding] = brotli_module().compress(self.body, quality=self.LEVELS["br"])
                else:
                    self._made[encoding] = gzip_once(self.body, iterations=self.LEVELS["gzip"])
            return self._made[encoding]


def _compress_stream(chunks: Iterable[bytes | str], encoding: str) -> Iterator[bytes]:
    """A streamed body compressed as it goes: memory stays bounded and the download keeps streaming."""
    if encoding == "br":
        compressor = brotli_module().Compressor(quality=BROTLI_QUALITY)
        step, end = compressor.process, compressor.finish
    else:
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
        step, end = compressor.compress, compressor.flush
    try:
        for chunk in chunks:
            out = step(chunk.encode() if isinstance(chunk, str) else chunk)
            if out:
                yield out
        yield end()
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def _strip_suffixes() -> None:
    """Conditional headers as the views know their ETags: without our encoding suffix."""
    for header in ("HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH"):
        value = request.environ.get(header)
        if value and _SUFFIX.search(value):
            request.environ.setdefault(f"geoapp.{header}", value)
            request.environ[header] = _SUFFIX.sub('"', value)


def _tag_304(response: Response) -> None:
    """A 304 names the representation the client holds (the suffix it sent back)."""
    sent = request.environ.get("geoapp.HTTP_IF_NONE_MATCH")
    tag, weak = response.get_etag()
    if not sent or not tag or weak:
        return
    for encoding in ("br", "gzip"):
        if f'"{tag}-{encoding}"' in sent:
            response.set_etag(f"{tag}-{encoding}")
            response.vary.add("Accept-Encoding")
            return


def _eligible(response: Response, *, precompressed: bool) -> bool:
    if response.status_code != 200 or "Content-Encoding" in response.headers:
        return False
    if "Content-Range" in response.headers or "no-transform" in (response.headers.get("Cache-Control") or ""):
        return False
    if not COMPRESSIBLE.match(response.mimetype or ""):
        return False
    if response.direct_passthrough:  # a file wrapper (send_file): leave it to the server
        return False
    # a body compressed beforehand costs nothing to send compressed, however small
    return response.is_streamed or precompressed or len(response.get_data()) >= MIN_BYTES


def _apply(response: Response) -> Response:
    precompressed: dict[str, bytes] | CompressOnce = getattr(response, "precompressed", None) or {}
    if response.status_code == 304:
        _tag_304(response)
        return response
    if not _eligible(response, precompressed=bool(precompressed)):
        return response
    response.vary.add("Accept-Encoding")
    accept = request.accept_encodings
    encoding = choose_encoding(accept, [e for e in ("br", "gzip") if e in precompressed]) if precompressed else None
    if encoding is None:
        encoding = choose_encoding(accept)
    if encoding is None:
        return response
    tag, weak = response.get_etag()
    if response.is_streamed:
        response.response = _compress_stream(response.response, encoding)
        response.headers.pop("Content-Length", None)
    else:
        response.set_data(precompressed.get(encoding) or compress(response.get_data(), encoding))
    response.headers["Content-Encoding"] = encoding
    if tag and not weak:
        response.set_etag(f"{tag}-{encoding}")
    return response


def install_compression(app: Flask) -> None:
    """Compress every response that is worth it (see the module's description).

    Installed before the other after-request hooks so that it runs after them: the security
    headers read the page's scripts from the plain body.
    """
    app.before_request(_strip_suffixes)
    app.after_request(_apply)
