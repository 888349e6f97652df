"""The OGC API pages for browsers: ``f=html`` or ``Accept: text/html``, built from the same documents as the JSON.

Every page renders the JSON answer it stands for (same features, same coarsened positions, same
links), so what a browser shows can never reveal more than what an API client gets.
"""

from __future__ import annotations

import json

from flask import Response, render_template, request

from ..errors import BadRequest
from ..http.errors import wants_html
from ..http.params import sees_exact_positions
from ..http.state import service
from ..i18n.translate import _
from ..io.context import load_context
from ..layers import REGISTRY
from .collections import link


def response_format(allowed: tuple[str, ...] = ("json", "html")) -> str:
    """``f`` when given (checked against ``allowed``), else html for browsers and json for every other client.

    GDAL, QGIS and OWSLib send ``application/geo+json``, ``application/json`` or ``*/*``: they get JSON.
    """
    fmt = request.args.get("f")
    if fmt is None:
        return "html" if wants_html() else "json"
    if fmt not in allowed:
        raise BadRequest(_("f must be one of %(formats)s", formats=', '.join(allowed)), field="f")
    return fmt


def negotiated(response: Response) -> Response:
    """A response chosen by the Accept header varies with it (caches must keep both)."""
    if "f" not in request.args:
        response.vary.add("Accept")
    return response


def alternate(href: str, title: str) -> dict:
    """The ``rel=alternate`` link to the HTML page of a JSON document (``title``: "This collection as HTML")."""
    return link(_with_format(href, "html"), "alternate", "text/html", title)


def _with_format(href: str, fmt: str) -> str:
    return f"{href}{'&' if '?' in href else '?'}f={fmt}"


def json_href(href: str) -> str:
    """The JSON version of a page's address, for the "as JSON" links of the HTML pages."""
    return _with_format(href, "json")


def _script_safe(value) -> str:
    """JSON that cannot close the <script> block it sits in."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def _outline() -> str:
    context = load_context(service().settings.data_dir)
    return context["outline"].to_json() if "outline" in context else "null"


def _html(template: str, **values) -> Response:
    return negotiated(Response(render_template(template, **values), mimetype="text/html"))


def landing_page(doc: dict) -> Response:
    """The landing page: what the service holds and where to go."""
    return _html("ogc_landing.html", doc=doc)


def conformance_page(classes: list[str]) -> Response:
    """The conformance classes, listed."""
    return _html("ogc_conformance.html", classes=classes)


def collections_page(doc: dict) -> Response:
    """Every collection as a table row with its count and links."""
    return _html("ogc_collections.html", doc=doc)


def collection_page(doc: dict, queryables: list[str]) -> Response:
    """One collection: description, extent, how to browse and download it."""
    return _html("ogc_collection.html", doc=doc, queryables=queryables, sensitive=_sensitive_note(doc["id"]))


def items_page(collection: dict, features: list[dict], members: dict, pages: dict[str, str]) -> Response:
    """A page of features: a table of their properties, a small map and ``pages`` (rel -> HTML address)."""
    columns: list[str] = []
    for feature in features:
        columns += [key for key in feature["properties"] if key not in columns]
    downloads = [each for each in members["links"] if each["rel"] in ("self", "alternate")
                 and each["type"] != "text/html"]
    return _html("ogc_items.html", collection=collection, features=features, columns=columns, members=members,
                 pages=pages, downloads=downloads, sensitive=_sensitive_note(collection["id"]),
                 geojson=_script_safe({"type": "FeatureCollection", "features": features}), outline=_outline())


def item_page(collection: dict, feature: dict) -> Response:
    """One feature: its properties and where it is."""
    return _html("ogc_item.html", collection=collection, feature=feature, sensitive=_sensitive_note(collection["id"]),
                 history=REGISTRY[collection["id"]].stored,
                 geojson=_script_safe({"type": "FeatureCollection", "features": [feature]}), outline=_outline())


def _sensitive_note(collection_id: str) -> str | None:
    """The grid positions are coarsened to for this reader, as text (None: exact, or not a sensitive layer)."""
    if REGISTRY[collection_id].sensitivity == "public" or sees_exact_positions():
        return None
    return f"{service().settings.site_grid_m:,.0f}"
