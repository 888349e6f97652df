"""The OpenAPI document and a documentation page rendered from it on the server (no scripts)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from ..io.geojson import dumps
from .ogc import DEFAULT_LIMIT, MAX_LIMIT
from .openapi import build_openapi

bp = Blueprint("docs", __name__)


def _document() -> dict:
    return build_openapi(server_url=request.host_url.rstrip("/"), max_limit=MAX_LIMIT, default_limit=DEFAULT_LIMIT)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document of every endpoint."""
    return Response(dumps(_document()), mimetype="application/vnd.oai.openapi+json;version=3.0")


@bp.get("/docs")
def docs_page():
    """Human-readable API documentation, rendered from the OpenAPI document."""
    return Response(render_template("docs.html", doc=_document()), mimetype="text/html")
