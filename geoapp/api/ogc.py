"""OGC API - Features (Part 1 core, GeoJSON, HTML, CSV with HXL, GeoPackage) over every layer."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from flask import Blueprint, Response, jsonify, request, url_for

from ..data.query import Query, parse_datetime, queryables, run_query
from ..errors import BadRequest, NotFound
from ..http.language import PARAM as LANG
from ..http.params import dataset_for_request, layer_view, parse_bbox, parse_flag, parse_int
from ..http.security import rate_limited
from ..http.state import service
from ..i18n.translate import _, gettext
from ..io.downloads import csv_stream, gpkg_stream
from ..io.geojson import dumps, feature_collection_stream, iter_features
from ..layers import REGISTRY, LayerSpec, layer_title
from ..validate import HAITI_BOUNDS
from . import ogc_html
from .collections import FORMATS, collection_spec, link, stored_item
from .ogc_html import alternate, negotiated, response_format

bp = Blueprint("ogc", __name__, url_prefix="/ogcapi")

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting",
]
ITEMS_PARAMS = {"bbox", "limit", "offset", "datetime", "sortby", "f", "stored_at", "excel"}
DEFAULT_LIMIT = 100
MAX_LIMIT = 10000
def _only(params: set[str]) -> None:
    unknown = sorted(set(request.args) - params - {LANG})
    if unknown:
        named = [u for u in unknown if re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", u)]
        raise BadRequest(_("unknown parameter(s)%(value)s; allowed: %(sorted)s",
                           value=': ' + ', '.join(named[:5]) if named else '',
                           sorted=', '.join(sorted(params))), field=named[0] if named else None)


def _json_only() -> None:
    f = request.args.get("f", "json")
    if f != "json":
        raise BadRequest(_("f must be json here"), field="f")


@bp.get("")
def landing():
    """Landing page: links to the API definition, conformance and the collections (JSON, or HTML for browsers)."""
    _only({"f"})
    fmt = response_format()
    here = url_for("ogc.landing", _external=True)
    doc = dict(
        title=_("haiti-access: humanitarian access and displacement layers"),
        description=_("Gang zones, displacement sites, roads with status, ports and airports in Haiti, compiled from "
                      "public reporting (approximate; not operational truth)."),
        links=[
            link(here, "self", "application/json", _("This document")),
            alternate(here, _("This document as HTML")),
            link(url_for("docs.openapi", _external=True), "service-desc",
                  "application/vnd.oai.openapi+json;version=3.0", _("The API definition")),
            link(url_for("docs.docs_page", _external=True), "service-doc", "text/html", _("The API documentation")),
            link(url_for("ogc.conformance", _external=True), "conformance", "application/json",
                  _("Conformance classes implemented")),
            link(url_for("ogc.collections", _external=True), "data", "application/json", _("The collections")),
        ],
    )
    return ogc_html.landing_page(doc) if fmt == "html" else negotiated(jsonify(doc))


@bp.get("/conformance")
def conformance():
    """The conformance classes this server implements."""
    _only({"f"})
    if response_format() == "html":
        return ogc_html.conformance_page(CONFORMANCE)
    return negotiated(jsonify(conformsTo=CONFORMANCE))


def _collection(name: str) -> dict:
    spec = REGISTRY[name]
    data = service().dataset
    frame = data.public.layers[name]
    starts = pd.to_datetime(frame["as_of"])
    ends = starts
    if "valid_from" in frame:
        starts = pd.concat([starts, pd.to_datetime(frame["valid_from"]).dropna()])
    if "valid_to" in frame:
        ends = pd.concat([ends, pd.to_datetime(frame["valid_to"]).dropna()])
    items = url_for("ogc.items", collection_id=name, _external=True)
    here = url_for("ogc.collection", collection_id=name, _external=True)
    return {
        "id": name,
        "title": layer_title(name),
        "description": gettext(spec.description),
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": {
            "spatial": {"bbox": [_bbox(frame, 6) or list(HAITI_BOUNDS)], "crs": CRS84},
            "temporal": {"interval": [[_instant(starts.min(), "T00:00:00Z"), _instant(ends.max(), "T23:59:59Z")]],
                         "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"},
        },
        "links": [
            link(here, "self", "application/json", _("This collection")),
            alternate(here, _("This collection as HTML")),
            link(items, "items", FORMATS["json"], _("Features as GeoJSON")),
            link(items + "?f=html", "items", "text/html", _("Features as a table and a map")),
            link(items + "?f=csv", "items", "text/csv", _("Features as CSV with HXL hashtags")),
            link(items + "?f=gpkg", "items", FORMATS["gpkg"], _("Features as a GeoPackage")),
            link(url_for("ogc.queryables_doc", collection_id=name, _external=True),
                  "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", _("Queryables")),
        ],
        "features": len(frame),
        "sensitivity": spec.sensitivity,
    }


@bp.get("/collections")
def collections():
    """Every layer as a collection, with extent and links to its items."""
    _only({"f"})
    fmt = response_format()
    here = url_for("ogc.collections", _external=True)
    doc = dict(links=[link(here, "self", "application/json", _("The collections")),
                      alternate(here, _("The collections as HTML"))],
               collections=[_collection(name) for name in REGISTRY])
    return ogc_html.collections_page(doc) if fmt == "html" else negotiated(jsonify(doc))


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    """One collection's description."""
    spec = collection_spec(collection_id)
    _only({"f"})
    doc = _collection(collection_id)
    if response_format() == "html":
        return ogc_html.collection_page(doc, list(queryables(spec)))
    return negotiated(jsonify(doc))


@bp.get("/collections/<collection_id>/queryables")
def queryables_doc(collection_id: str):
    """The properties of a collection that items can be filtered on, as JSON Schema."""
    spec = collection_spec(collection_id)
    _only({"f"})
    _json_only()
    geometry = "polygon" if "Polygon" in spec.geometry_types else spec.geometry_types[0].lower()
    props = {"geometry": {"format": f"geometry-{geometry}"}, **queryables(spec)}
    body = {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": url_for("ogc.queryables_doc", collection_id=collection_id, _external=True),
        "type": "object",
        "title": layer_title(collection_id),
        "properties": props,
    }
    return Response(dumps(body), mimetype="application/schema+json")


def parse_items_query(spec: LayerSpec) -> Query:
    """The items query of the request, every parameter checked."""
    props = queryables(spec)
    _only(ITEMS_PARAMS | set(props))
    limit = parse_int("limit", default=DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
    offset = parse_int("offset", default=0, minimum=0, maximum=10**9)
    bbox = parse_bbox()
    when = parse_datetime(request.args["datetime"]) if request.args.get("datetime") else None
    equals = []
    for name, schema in props.items():
        if name in request.args:
            value = request.args[name]
            if len(value) > 200:
                raise BadRequest(_("%(name)s is longer than 200 characters", name=name), field=name)
            _check_value(name, value, schema)
            equals.append((name, value))
    sortby = []
    for part in filter(None, request.args.get("sortby", "").split(",")):
        ascending = not part.startswith("-")
        name = part.lstrip("+- ")
        if name not in props:
            raise BadRequest(_("cannot sort by %(name)s; sortable: %(props)s",
                               name=f"{name[:40]!r}", props=', '.join(props)), field="sortby")
        sortby.append((name, ascending))
    return Query(bbox=bbox, datetime=when, equals=tuple(equals), sortby=tuple(sortby), offset=offset, limit=limit)


def _check_value(name: str, value: str, schema: dict) -> None:
    if "enum" in schema and value not in schema["enum"]:
        raise BadRequest(_("%(name)s must be one of %(choices)s",
                           name=name, choices=', '.join(schema['enum'])), field=name)
    if schema["type"] == "integer":
        try:
            int(value)
        except ValueError:
            raise BadRequest(_("%(name)s must be a whole number", name=name), field=name) from None
    if schema["type"] == "number":
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if number != number or number in (float("inf"), float("-inf")):
            raise BadRequest(_("%(name)s must be a number", name=name), field=name) from None
    if schema["type"] == "boolean" and value.lower() not in ("true", "false"):
        raise BadRequest(_("%(name)s must be true or false", name=name), field=name)
    if schema.get("format") == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise BadRequest(_("%(name)s must be a date YYYY-MM-DD", name=name), field=name) from None


@bp.get("/collections/<collection_id>/items")
@rate_limited("downloads")
def items(collection_id: str):
    """Features of a collection, filtered and paged, as GeoJSON, CSV (with HXL), GeoPackage or an HTML page."""
    spec = collection_spec(collection_id)
    fmt = response_format((*FORMATS, "html"))
    query = parse_items_query(spec)

    excel = parse_flag("excel")
    data, _notes = dataset_for_request("stored_at")  # as_of is a queryable property here
    view = layer_view(data)  # bbox filters run on what the caller may see, so they reveal no more
    matched, page = run_query(view.layers[collection_id], view.trees[collection_id], spec, query)
    stamp = f"{data.as_of[collection_id] or 'empty'}_{query.offset}"
    if fmt == "html":
        pages = {each["rel"]: each["href"] for each in _page_links(collection_id, query, matched, len(page), "html")}
        return ogc_html.items_page(_collection(collection_id), list(iter_features(page)), {
            "numberMatched": matched, "numberReturned": len(page),
            "links": _page_links(collection_id, query, matched, len(page))}, pages)
    paging = _paging_headers(collection_id, query, matched, len(page), fmt)
    if fmt == "csv":
        return Response(csv_stream(page, excel=excel), mimetype="text/csv",
                        headers={**paging, **_download(f"haiti-access_{collection_id}_{stamp}.csv")})
    if fmt == "gpkg":
        return Response(gpkg_stream(page, collection_id), mimetype=FORMATS["gpkg"],
                        headers={**paging, **_download(f"haiti-access_{collection_id}_{stamp}.gpkg")})
    members = {
        "numberMatched": matched,
        "numberReturned": len(page),
        "timeStamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "links": _page_links(collection_id, query, matched, len(page)),
    }
    return negotiated(Response(feature_collection_stream(page, members), mimetype=FORMATS["json"], headers=paging))


def _paging_headers(collection_id: str, query: Query, matched: int, returned: int, fmt: str) -> dict:
    """Counts and RFC 8288 ``Link`` headers to the next and previous pages, in the same format.

    CSV and GeoPackage have no links member, so that clients following ``next`` read these.
    """
    args = {k: v for k, v in request.args.items() if k not in ("offset", "limit")}
    media = FORMATS[fmt].split(";")[0]
    links = []
    if query.offset + returned < matched:
        links.append(({"offset": query.offset + query.limit, "limit": query.limit}, "next"))
    if query.offset > 0:
        links.append(({"offset": max(0, query.offset - query.limit), "limit": query.limit}, "prev"))
    headers = {"X-Number-Matched": str(matched), "X-Number-Returned": str(returned)}
    if links:
        headers["Link"] = ", ".join(
            f'<{url_for("ogc.items", collection_id=collection_id, _external=True, **args, **page)}>; '
            f'rel="{rel}"; type="{media}"' for page, rel in links)
    return headers


def _page_links(collection_id: str, query: Query, matched: int, returned: int, fmt: str = "json") -> list[dict]:
    """Links of a GeoJSON page (``fmt`` json: self, its alternates, the collection, next and prev) or an HTML one."""
    args = {**request.args.to_dict(), "f": fmt}
    if fmt == "json" and "f" not in request.args:
        del args["f"]
    here = lambda **over: url_for("ogc.items", collection_id=collection_id, _external=True,  # noqa: E731
                                  **{**args, **over})
    media = "text/html" if fmt == "html" else FORMATS["json"]
    links = [link(here(), "self", media, _("This page"))]
    if fmt == "json":
        links += [link(here(f="html"), "alternate", "text/html", _("This page as HTML")),
                  link(here(f="csv"), "alternate", "text/csv", _("This page as CSV")),
                  link(here(f="gpkg"), "alternate", FORMATS["gpkg"], _("This page as GeoPackage")),
                  link(url_for("ogc.collection", collection_id=collection_id, _external=True), "collection",
                       "application/json", _("The collection"))]
    if query.offset + returned < matched:
        links.append(link(here(offset=query.offset + query.limit, limit=query.limit), "next", media, _("Next page")))
    if query.offset > 0:
        links.append(link(here(offset=max(0, query.offset - query.limit), limit=query.limit), "prev", media,
                          _("Previous page")))
    return links


def _download(filename: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str):
    """One feature by its id (GeoJSON with its ETag, or an HTML page)."""
    collection_spec(collection_id)
    _only({"f"})
    fmt = response_format()

    feature, etag = stored_item(collection_id, feature_id)
    if feature is None:
        raise NotFound(_("no feature %(feature_id)s in %(collection_id)s",
                         feature_id=f"{feature_id[:80]!r}", collection_id=collection_id), field="featureId")
    here = url_for("ogc.item", collection_id=collection_id, feature_id=feature_id, _external=True)
    feature["links"] = [
        link(here, "self", FORMATS["json"], _("This feature")),
        alternate(here, _("This feature as HTML")),
        link(url_for("ogc.collection", collection_id=collection_id, _external=True), "collection",
              "application/json", _("The collection")),
    ]
    if fmt == "html":
        return ogc_html.item_page(_collection(collection_id), feature)
    return negotiated(Response(dumps(feature), mimetype=FORMATS["json"], headers={"ETag": etag} if etag else {}))


def _bbox(frame, digits: int) -> list[float] | None:
    """A layer's bounds, rounded; None for an empty layer (no NaN in JSON)."""
    return [round(float(v), digits) for v in frame.total_bounds] if len(frame) else None


def _instant(moment, time: str) -> str | None:
    return None if pd.isna(moment) else f"{moment:%Y-%m-%d}{time}"
