"""Lookup answers sent again from memory: the encoded body kept per question, data version, language and audience."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from flask import Response

from ..i18n.translate import current_language
from .compression import MIN_BYTES, CompressOnce
from .params import Location, sees_exact_positions
from .state import service


@dataclasses.dataclass(frozen=True)
class _Sent:
    """What a response carried: its body, type and headers, and the body's compressed forms as asked for."""

    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...]
    packed: CompressOnce | None


def place_key(location: Location) -> tuple:
    """A location as a cache key: its point, the place it named (by id) and the text asked, which answers echo."""
    return location.lonlat, None if location.place is None else location.place.id, location.query


def cached_response(question: tuple, data, build: Callable[[], Response]) -> Response:
    """The response ``build()`` makes, or the one it made for the same question before (``answer_cache`` kept).

    ``question`` is the endpoint and every parsed parameter its answer depends on; the key adds the
    data's version and day, the language and whether the caller sees exact positions, so a cached
    body is only ever one the same request would get now.  A body sent again is compressed once per
    encoding (at per-request levels) and not on every request.  Errors are raised, not kept.
    """
    svc = service()
    keep = svc.settings.answer_cache
    if keep <= 0:
        return build()

    def make() -> _Sent:
        response = build()
        body = response.get_data()
        headers = tuple((k, v) for k, v in response.headers.items() if k not in ("Content-Type", "Content-Length"))
        return _Sent(body, response.content_type or "", headers,
                     CompressOnce(body, per_request_levels=True) if len(body) >= MIN_BYTES else None)

    key = (question, data.version, data.today, current_language(), sees_exact_positions())
    sent = svc.cached_answer(key, make, keep=keep)
    response = Response(sent.body, content_type=sent.content_type, headers=list(sent.headers))
    if sent.packed is not None:
        response.precompressed = sent.packed
    return response
