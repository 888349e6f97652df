"""The OpenAPI 3.0 document of the whole service, built from the layer registry (no Flask here)."""

from __future__ import annotations

from ..data.query import queryables
from ..i18n.translate import N_
from ..layers import PORT_KINDS, REFERENCE, REGISTRY, VEHICLES
from ..safety import MODES, VERDICTS
from ..settings import ROUTE_SEASONS
from .openapi_parts import (
    CHECKPOINT,
    FEES,
    LOCATION,
    LOCATION_TEXT,
    SEASON_TEXT,
    VEHICLE_TEXT,
)
from .openapi_parts import editing_page as _editing_page
from .openapi_parts import error_responses as _errors
from .openapi_parts import op as _op
from .openapi_parts import param as _param

#: a [low, high] pair
RANGE = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
LONLAT_PAIR = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}


def _also_as(contents: dict[str, dict], op: dict, *, headers: dict | None = None) -> dict:
    """An operation whose success response comes in further media types (chosen with ``f=``)."""
    op["responses"]["200"]["content"].update({media: {"schema": schema} for media, schema in contents.items()})
    if headers:
        op["responses"]["200"]["headers"] = headers
    return op


#: Paging in HTTP headers, for CSV and GeoPackage pages (which have no links member), and GeoJSON alike.
PAGING_HEADERS = {
    "Link": {"schema": {"type": "string"}, "description": 'RFC 8288 links to the next and previous pages in the '
             'same format: <URL>; rel="next"; type="text/csv" (absent on a single page)'},
    "X-Number-Matched": {"schema": {"type": "integer"}, "description": "Features matching the query"},
    "X-Number-Returned": {"schema": {"type": "integer"}, "description": "Features in this page"},
}


REASON = ("Why the change is made (recorded in the history; at most 500 characters). Non-ASCII text (\"signalé\") "
          "may be sent as raw UTF-8 bytes or percent-encoded UTF-8 (signal%C3%A9).")


def _write(summary: str, params: list[dict], *, body: bool, status: str = "200", if_match: bool = True) -> dict:
    headers = [_param("X-Change-Reason", "header", {"type": "string", "maxLength": 500}, REASON + (
        ' Required unless the body has "reason".' if body else ""), not body)]
    if if_match:
        headers.append(_param("If-Match", "header", {"type": "string"}, "ETag of the version you read", True))
    op = {"summary": summary, "tags": ["edits"], "security": [{"bearer": []}], "parameters": params + headers,
          "responses": {status: {"description": "Done", **({} if status == "204" else {"content": {
              "application/geo+json": {"schema": {"type": "object"}}}}), "headers": {
              "ETag": {"schema": {"type": "string"}, "description": "Version of the stored feature"}}},
              **_errors(400, 401, 403, 404, 405, 409, 412, 413, 414, 428, 429, 503, 500)}}
    if body:
        reason = {"type": "object", "properties": {"reason": {
            "type": "string", "maxLength": 500, "description": "Why the change is made (instead of X-Change-Reason; "
                                                               "both given must say the same)"}}}
        op["requestBody"] = {"required": True, "content": {
            "application/geo+json": {"schema": {**reason, "description": "A GeoJSON Feature, and a reason"}},
            "application/json": {"schema": reason},
            "application/merge-patch+json": {"schema": reason}}}
    return op


def build_openapi(*, server_url: str, max_limit: int, default_limit: int) -> dict:
    """Every endpoint with parameter schemas and error responses."""
    f_json = _param("f", "query", {"type": "string", "enum": ["json"]}, "Response format")
    f_page = _param("f", "query", {"type": "string", "enum": ["json", "html"]},
                    "Response format: JSON, or an HTML page (also what browsers sending Accept: text/html get)")
    html = {"text/html": {"type": "string", "description": "The same as a page: tables and a map (f=html)"}}
    vehicle = _param("vehicle", "query", {"type": "string", "enum": list(VEHICLES)}, VEHICLE_TEXT)
    season = _param("season", "query", {"type": "string", "enum": list(ROUTE_SEASONS)}, SEASON_TEXT)
    as_of = _param("as_of", "query", {"type": "string", "format": "date"},
                   "Answer from the data as stored at the end of this day (from the edit history)")
    feature_id = _param("featureId", "path", {"type": "string"}, "Feature id")
    collection_id = _param("collectionId", "path", {"type": "string", "enum": list(REGISTRY)}, "Layer name")
    layer_name = _param("name", "path", {"type": "string", "enum": list(REGISTRY)}, "Layer name")
    layer_bbox = _param("bbox", "query", {"type": "string"}, "minx,miny,maxx,maxy in lon/lat")
    excel = _param("excel", "query", {"type": "boolean", "default": False},
                   "CSV for Excel: CRLF line ends (the byte-order mark is always there)")
    modes = _param("modes", "query", {"type": "string", "default": "road"},
                   "Travel modes, comma-separated: road, sea, air (roads are always used to and from ports). "
                   "With sea or air, operating connections between usable ports join the search: a leg costs "
                   "the transfer at the port, the expected wait for its next departure and the crossing. The "
                   "shortest route is then the shortest trip over roads and legs (a leg counts as its time, "
                   "without its ports' risks)")
    depart = _param("depart", "query", {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"},
                    "Departure YYYY-MM-DDTHH:MM, Haiti's local time (America/Port-au-Prince, with daylight "
                    "saving): times per leg, sea and air legs wait for their next departure, curfews checked")
    curfew = _param("curfew", "query", {"type": "string", "enum": ["caution", "avoid"], "default": "caution"},
                    "With depart: caution says when a road leg runs in a curfew; avoid waits for its end at the "
                    "start of the leg, or refuses when waiting cannot help")
    feature_params = []
    for spec in REGISTRY.values():
        for prop, schema in queryables(spec).items():
            if not any(p["name"] == prop for p in feature_params):
                feature_params.append(_param(prop, "query", {k: v for k, v in schema.items() if k != "title"},
                                             f"Equality filter on {prop} (see the collection's queryables)"))
    paths = {
        "/": {"get": _op("Map of every layer (incidents: those of the last days up to the day shown)", [
            as_of, _param("layers", "query", {"type": "string"}, "Comma-separated layer names to draw"),
        ], content="text/html", schema={"type": "string"}, tag="pages")},
        "/route": {"get": _op("Route map with verdict, figures and reasons (a form without parameters)", [
            _param("from", "query", LOCATION, "Origin: " + LOCATION_TEXT),
            _param("to", "query", LOCATION, "Destination: " + LOCATION_TEXT),
            _param("mode", "query", {"type": "string", "enum": list(MODES)}, "Route mode"),
            _param("alternatives", "query", {"type": "integer", "minimum": 0, "maximum": 3}, "Alternatives"),
            modes, depart, curfew, vehicle, season, as_of,
        ], content="text/html", schema={"type": "string"}, tag="pages")},
        "/point": {"get": _op("Check a point on a map: click, or type lon,lat or a place name; zones, roads, "
                              "incidents and the routes to the nearest port and site are drawn", [
            _param("at", "query", LOCATION, "Point: " + LOCATION_TEXT),
            _param("radius_m", "query", {"type": "integer", "minimum": 1, "maximum": 5000}, "Radius (metres)")],
            content="text/html", schema={"type": "string"}, tag="pages")},
        "/access": {"get": _op("Map of displacement sites by access from a hub (a form without parameters)", [
            _param("from", "query", LOCATION, "Hub: " + LOCATION_TEXT), modes, vehicle, season],
            content="text/html", schema={"type": "string"}, tag="pages")},
        "/whatif": {"get": _op("What-if page: close roads (from a list or the map) or an area drawn on the map, "
                               "and see which sites keep their route, take a detour or are cut off",
                               content="text/html", schema={"type": "string"}, errors=(429,), tag="pages")},
        **_editing_page(),
        "/map/layers/{name}.geojson": {"get": _op(
            "An official boundary layer made light for the map pages (simplified, rounded to 1e-3 degree, with "
            "label points; gzipped when accepted); the full layers are at /api/layers/{name}.geojson", [
                _param("name", "path", {"type": "string", "enum": list(REFERENCE)}, "Boundary layer")],
            content="application/geo+json", errors=(400, 404, 429), tag="pages")},
        "/map/boundaries.topojson": {"get": _op(
            "Light boundary layers as one TopoJSON topology, as the map pages fetch them: each border stored "
            "once as delta-encoded integer steps of the grid the light layers are rounded to, one object per "
            "layer; the same shapes and properties as /map/layers/{name}.geojson", [
                _param("layers", "query", {"type": "string", "example": "departments,communes"},
                       "Comma-separated boundary layers: " + ", ".join(REFERENCE) + " (default: all)")],
            content="application/json", errors=(400, 429), tag="pages")},
        "/docs": {"get": _op("This API's documentation", content="text/html", schema={"type": "string"}, errors=(),
                             tag="pages")},
        "/openapi.json": {"get": _op("This document", content="application/vnd.oai.openapi+json;version=3.0",
                                     errors=(), tag="pages")},
        "/static/{filename}": {"get": _op("Scripts, styles and images the pages load", [
            _param("filename", "path", {"type": "string"}, "Asset path")], content="application/octet-stream",
            schema={"type": "string", "format": "binary"}, errors=(404,), tag="pages")},
        "/theme.css": {"get": _op("The pages' colours as CSS custom properties, from the layer registry",
                                  content="text/css", schema={"type": "string"}, errors=(), tag="pages")},
        "/healthz": {"get": _op("Liveness, data version, layer dates and graph size", errors=(), tag="service")},
        "/readyz": {"get": _op("Ready: layers and graph loaded and the store reachable (503 if not)", errors=(503,),
                               tag="service")},
        "/api/route": {"get": _also_as({
            "application/geo+json": {"type": "object", "description": "f=geojson: the routes as a "
                                     "FeatureCollection, the answer's summary as foreign members"},
            "application/gpx+xml": {"type": "string", "description": "f=gpx: the safest route as a GPX 1.1 "
                                    "track, verdict, reasons and caveats in its desc"}}, _op(
            "Safest and shortest routes with verdict, exposure, itinerary, reasons and warnings", [
                _param("from", "query", LOCATION, "Origin: " + LOCATION_TEXT, True),
                _param("to", "query", LOCATION, "Destination: " + LOCATION_TEXT, True),
                _param("mode", "query", {"type": "string", "enum": list(MODES), "default": "avoid"},
                       "avoid: never through controlled zones or blocked roads; least_risk: least-exposed route"),
                _param("alternatives", "query", {"type": "integer", "minimum": 0, "maximum": 3, "default": 0},
                       "Further distinct safe routes"),
                _param("f", "query", {"type": "string", "enum": ["json", "geojson", "gpx"], "default": "json"},
                       "json: the answer; geojson: the routes for GIS; gpx: the safest route for GPS units"),
                modes, depart, curfew, vehicle, season, as_of,
            ], schema={"$ref": "#/components/schemas/RouteAnswer"}, errors=(400, 429)))},
        "/api/safety": {"get": _op(
            "Zones, roads not open and recent incidents around a point (at sea: said so); the nearest operational "
            "port and open displacement site by road, with the straight-line distance too", [
                _param("at", "query", LOCATION, "Point: " + LOCATION_TEXT, True),
                _param("radius_m", "query", {"type": "integer", "minimum": 1, "maximum": 5000, "default": 500},
                       "Radius for roads not open and listed incidents (metres)"),
                vehicle, season, as_of], errors=(400, 429))},
        "/api/access": {"get": _op("Open displacement sites by access class from a hub: safe, caution, only with "
                                   "risk, unreachable (each with its verdict and main reason, safest first), the "
                                   "checkpoints and fee estimate of each site's best route (checkpoints: counts, "
                                   "fees and, in listed, the checkpoints themselves: id, name, kind, group, fee, "
                                   "armed groups' first, at most 20) and their sums (fees)", [
            _param("from", "query", LOCATION, "Hub: " + LOCATION_TEXT, True), modes, vehicle, season, as_of],
            errors=(400, 429))},
        "/api/places": {"get": _op(
            "Places whose name or id begins like q, for autocomplete: towns, ports, displacement sites (public "
            "positions), departments, communes and communal sections, by French, Creole or English names and "
            "usual spellings; exact names first, then prefixes, then word prefixes, each by importance", [
                _param("q", "query", {"type": "string", "minLength": 1, "maxLength": 200}, "What was typed", True),
                _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
                       "At most this many places"),
                _param("kind", "query", {"type": "string"}, "Only these kinds (comma-separated): town, port "
                       f"(any of {', '.join(PORT_KINDS)}), displacement_site, department, commune, section")],
            schema={"$ref": "#/components/schemas/Places"}, errors=(400, 429))},
        "/api/whatif": {"post": _op(
            "Access before and after hypothetical closures, which are impassable in every mode; per site: same "
            "route, detour or unreachable (nothing is stored); a detour's route is drawn (after.route; with "
            "sea or air legs its road parts, and after.legs: mode, connection, ports and line)", body={
            "required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Scenario"}}}},
            errors=(400, 413, 429))},
        "/api/layers": {"get": _op("The layers with schema, counts, dates and download links", errors=(),
                                   tag="downloads")},
        "/api/layers/{name}.geojson": {"get": _op("One layer as an RFC 7946 GeoJSON file", [
            layer_name, layer_bbox], content="application/geo+json", errors=(400, 404, 429), tag="downloads")},
        "/api/layers/{name}.csv": {"get": _op(
            "One whole layer as CSV: UTF-8 with a byte-order mark (Excel keeps accents), an HXL hashtag row under "
            "the header, lon/lat (and WKT for lines and polygons)", [layer_name, layer_bbox, excel],
            content="text/csv", schema={"type": "string"}, errors=(400, 404, 429), tag="downloads")},
        "/api/layers/{name}.gpkg": {"get": _op("One whole layer as a GeoPackage file", [layer_name, layer_bbox],
                                               content="application/geopackage+sqlite3",
                                               schema={"type": "string", "format": "binary"},
                                               errors=(400, 404, 429), tag="downloads")},
        "/api/displacement": {"get": _also_as({"text/csv": {"type": "string", "description": "CSV, HXL (f=csv)"}}, _op(
            "Displaced people per department or commune in the latest round on or before a date (IOM DTM), "
            "with 2019 population, people per 1,000 residents and the change since the round before", [
                _param("level", "query", {"type": "string", "enum": ["adm1", "adm2"], "default": "adm2"},
                       "adm1: departments; adm2: communes"),
                _param("date", "query", {"type": "string", "format": "date"},
                       "The latest round on or before this day (default: the latest)"),
                _param("f", "query", {"type": "string", "enum": ["json", "csv"], "default": "json"},
                       "JSON, or CSV with an HXL hashtag row"),
                excel,
            ], schema={"$ref": "#/components/schemas/DisplacementAnswer"}, errors=(400, 429), tag="displacement"))},
        "/api/displacement/{pcode}": {"get": _op(
            "One commune's displaced people over every round, and the open sites placed in it", [
                _param("pcode", "path", {"type": "string", "pattern": "^[A-Za-z]{2}[0-9]{4}$"},
                       "Commune p-code (COD-AB), e.g. HT0111")], errors=(400, 404, 429), tag="displacement")},
        "/api/displacement/{pcode}/chart.svg": {"get": _op(
            "One commune's displaced people per round as a small SVG chart", [
                _param("pcode", "path", {"type": "string", "pattern": "^[A-Za-z]{2}[0-9]{4}$"},
                       "Commune p-code (COD-AB), e.g. HT0111")], content="image/svg+xml",
            schema={"type": "string"}, errors=(400, 404, 429), tag="displacement")},
        "/ogcapi": {"get": _also_as(html, _op("OGC API - Features landing page", [f_page], errors=(400,),
                                              tag="ogcapi"))},
        "/ogcapi/conformance": {"get": _also_as(html, _op("Conformance classes", [f_page], tag="ogcapi"))},
        "/ogcapi/collections": {"get": _also_as(html, _op("Every layer as a collection", [f_page], tag="ogcapi"))},
        "/ogcapi/collections/{collectionId}": {"get": _also_as(html, _op(
            "One collection", [collection_id, f_page], errors=(400, 404), tag="ogcapi"))},
        "/ogcapi/collections/{collectionId}/queryables": {"get": _op(
            "Properties items can be filtered on (JSON Schema)", [collection_id, f_json],
            content="application/schema+json", errors=(400, 404), tag="ogcapi")},
        "/ogcapi/collections/{collectionId}/items": {"get": _also_as({
            **html,
            "text/csv": {"type": "string", "description": "CSV with an HXL hashtag row (f=csv)"},
            "application/geopackage+sqlite3": {"type": "string", "format": "binary",
                                               "description": "GeoPackage file (f=gpkg)"}}, _op(
            "Features, filtered and paged", [
                collection_id,
                _param("f", "query", {"type": "string", "enum": ["json", "csv", "gpkg", "html"], "default": "json"},
                       "GeoJSON, CSV with an HXL hashtag row, GeoPackage, or an HTML page (a table and a map)"),
                _param("bbox", "query", {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 6},
                       "minx,miny,maxx,maxy (CRS84)"),
                _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": max_limit,
                                          "default": default_limit}, "Page size"),
                _param("offset", "query", {"type": "integer", "minimum": 0, "default": 0}, "Features to skip"),
                _param("datetime", "query", {"type": "string"},
                       "Instant or interval (RFC 3339; .. for an open end) against as_of / valid_from / valid_to"),
                _param("sortby", "query", {"type": "string"}, "Comma-separated properties, - for descending"),
                _param("stored_at", "query", {"type": "string", "format": "date"},
                       "The layer as stored at the end of this day (from the edit history)"),
                excel,
                *feature_params,
            ], content="application/geo+json", schema={"$ref": "#/components/schemas/FeatureCollection"},
                errors=(400, 404), tag="ogcapi"), headers=PAGING_HEADERS),
            "post": _write("Add a feature (editor or admin)", [collection_id], body=True, status="201",
                           if_match=False)},
        "/ogcapi/collections/{collectionId}/items/{featureId}": {
            "get": _also_as(html, _op("One feature, with its ETag", [collection_id, feature_id, f_page],
                                      content="application/geo+json", errors=(400, 404), tag="ogcapi")),
            "put": _write("Replace a feature", [collection_id, feature_id], body=True),
            "patch": _write("Change some properties or the geometry (JSON merge patch)", [collection_id, feature_id],
                            body=True),
            "delete": _write("Remove a feature (its history stays)", [collection_id, feature_id], body=False,
                             status="204"),
        },
        "/ogcapi/collections/{collectionId}/items/{featureId}/history": {"get": _op(
            "Every change of a feature: who, when, why, before and after", [collection_id, feature_id],
            errors=(404,), tag="edits")},
    }
    # every endpoint speaks the language asked (messages, reasons, labels; codes never change); documented where
    # the operation reads query parameters at all (those without answer any other parameter with a 400)
    lang = _param("lang", "query", {"type": "string", "example": "fr"},
                  "Language of the sentences: en, fr or ht (else Accept-Language; anything else: English)")
    for operations in paths.values():
        for op in operations.values():
            if "400" in op["responses"] and lang not in op["parameters"]:  # an operation may serve two paths
                op["parameters"] = [*op["parameters"], lang]
    return {
        "openapi": "3.0.3",
        "info": {"title": "haiti-access", "version": "0.1.0",
                 # the API's reference stays English; the /docs page shows this sentence translated
                 "description": N_("Humanitarian access and displacement map service for Haiti. Coordinates are "
                                   "lon,lat in EPSG:4326. Layers are compiled from public reporting: approximate, "
                                   "not operational truth.")},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {
            "type": "http", "scheme": "bearer",
            "description": "API token from 'geoapp token create --role editor|admin --name ...'"}},
            "schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"], "properties": {
                    "code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"},
                    "query": {"type": "string", "description": "a place name that was not understood"},
                    "suggestions": {"type": "array", "items": {"type": "string"},
                                    "description": "unknown name: close names (did you mean)"},
                    "candidates": {"type": "array", "items": {"$ref": "#/components/schemas/Place"},
                                   "description": "ambiguous name: the places it may mean"}}}}},
            "Place": {"type": "object", "required": ["id", "name", "kind", "lon", "lat"], "properties": {
                "id": {"type": "string"}, "name": {"type": "string"},
                "kind": {"type": "string", "enum": ["town", *PORT_KINDS, "displacement_site", "department",
                                                    "commune", "section"]},
                "lon": {"type": "number"}, "lat": {"type": "number"},
                "commune": {"type": ["string", "null"]}, "adm2_pcode": {"type": ["string", "null"]},
                "department": {"type": ["string", "null"]}, "status": {"type": "string"},
                "matched": {"type": "string", "description": "the other name or spelling that matched"},
                "query": {"type": "string", "description": "in answers: the name or id as given"}}},
            "Places": {"type": "object", "required": ["query", "places"], "properties": {
                "query": {"type": "string"},
                "places": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/Place"}, {
                    "type": "object", "properties": {
                        "match": {"type": "string", "enum": ["id", "exact", "prefix", "word_prefix"]},
                        "value": {"type": "string", "description": "what to send as from/to/at to get exactly "
                                                                   "this place (its name, or its id when the name "
                                                                   "is shared)"}}}]}}}},
            "RouteEnd": {"type": "object", "properties": {
                "requested": LONLAT_PAIR, "snapped": LONLAT_PAIR, "snap_distance_m": {"type": "number"},
                "place": {"$ref": "#/components/schemas/Place"},
                "near": {"type": ["object", "null"], "description": "nearest town, port or open site (sites: "
                         "public coarse position)", "properties": {
                             "kind": {"type": "string"}, "id": {"type": "string"}, "name": {"type": "string"},
                             "distance_m": {"type": "integer"}}}}},
            "ItineraryStretch": {"type": "object", "description": "consecutive edges of one road, in travel order",
                                 "properties": {
                "road_id": {"type": "string"}, "name": {"type": ["string", "null"]},
                "ref": {"type": ["string", "null"]}, "status": {"type": "string"},
                "start_m": {"type": "number"}, "length_m": {"type": "number"}, "length_range_m": RANGE,
                "hand_drawn": {"type": "boolean"},
                "zones": {"type": "array", "items": {"type": "object"}},
                "incidents": {"type": "array", "items": {"type": "string"}}}},
            "RouteAnswer": {"type": "object", "required": ["verdict", "routes", "reasons", "data_as_of", "warnings"],
                            "properties": {
                                "verdict": {"type": "string", "enum": list(VERDICTS)},
                                "mode": {"type": "string"},
                                "vehicle": {"type": ["string", "null"], "enum": [*VEHICLES, None], "description":
                                            "the vehicle asked for (only with vehicle= or season=)"},
                                "vehicle_label": {"type": ["string", "null"]},
                                "season": {"type": "string", "enum": list(ROUTE_SEASONS), "description":
                                           "the season planned for (only with vehicle= or season=)"},
                                "from": {"$ref": "#/components/schemas/RouteEnd"},
                                "to": {"$ref": "#/components/schemas/RouteEnd"},
                                "alternatives_note": {"type": ["string", "null"], "description":
                                                      "Why fewer alternatives than asked (none distinct enough)"},
                                "routes": {"type": "array", "items": {"type": "object", "properties": {
                                    "type": {"type": "string", "enum": ["Feature"]},
                                    "properties": {"type": "object", "properties": {
                                        "kind": {"type": "string", "enum": ["safest", "alternative", "shortest"]},
                                        "label": {"type": "string"},
                                        "distance_m": {"type": "number", "description": "best estimate"},
                                        "distance_range_m": RANGE, "duration_s": {"type": "number"},
                                        "duration_range_s": RANGE,
                                        "hand_drawn_m": {"type": "number", "description":
                                                         "metres on hand-drawn roads (lengths estimated)"},
                                        "itinerary": {"type": "array", "items": {
                                            "$ref": "#/components/schemas/ItineraryStretch"}},
                                        "exposure": {"$ref": "#/components/schemas/RouteExposure"},
                                        "road_distance_m": {"type": "number", "description": "with legs: the "
                                                            "metres by road (distance_m adds the legs')"},
                                        "legs": {"type": "array", "items": {"$ref": "#/components/schemas/Leg"}},
                                        "timing": {"$ref": "#/components/schemas/Timing"},
                                        "checkpoints": {"type": "array", "items": CHECKPOINT},
                                        "fees": FEES}}}}},
                                "modes": {"type": "array", "items": {"type": "string", "enum": ["road", "sea", "air"]},
                                          "description": "with modes= or depart=: the travel modes searched"},
                                "legs": {"type": "array", "description": "with modes= or depart=: the safest "
                                         "route's stages in travel order",
                                         "items": {"$ref": "#/components/schemas/Leg"}},
                                "decided_by": {"type": "array", "items": {"type": "string"}, "description":
                                               "the connections that made the trip possible or better than roads"},
                                "timing": {"$ref": "#/components/schemas/Timing"},
                                "reasons": {"type": "array", "items": {"type": "string"}},
                                "data_as_of": {"type": "string", "format": "date"},
                                "sources": {"type": "array", "items": {"$ref": "#/components/schemas/Source"}},
                                "warnings": {"type": "array", "items": {"type": "string"}}}},
            "Leg": {"type": "object", "description": "One stage of a trip: by road, or a sea or air connection",
                    "properties": {
                "mode": {"type": "string", "enum": ["road", "sea", "air"]},
                "from": {"type": "object", "description": "a port (id, name, kind, status), or the trip's start"},
                "to": {"type": "object", "description": "a port, or the trip's end"},
                "connection": {"type": "string"}, "operator": {"type": ["string", "null"]},
                "schedule": {"type": "string"}, "distance_m": {"type": "number"}, "duration_s": {"type": "number"},
                "transfer_s": {"type": "number", "description": "time at the port before leaving (a setting)"},
                "wait_s": {"type": "number", "description": "wait for the next departure: the schedule's average "
                                                            "without depart=, the timetable's with it"},
                "timetabled": {"type": "boolean", "description": "the wait comes from the timetable (false: "
                                                                 "on request or weekly, the setting's estimate)"},
                "vehicles": {"type": ["boolean", "null"]}, "capacity_t": {"type": ["number", "null"]},
                "verdict": {"type": "string"}, "exposure": {"type": "object", "description": "road legs: as "
                                                            "RouteExposure; sea and air legs: their ports' status"},
                "depart": {"type": "string"}, "arrive": {"type": "string"},
                "curfew": {"type": "array", "items": {"type": "object"}, "description": "the curfews it runs in"},
                "curfew_wait_s": {"type": "number"},
                "geometry": {"type": "object", "description": "GeoJSON LineString"}}},
            "Timing": {"type": ["object", "null"], "description": "with depart=: local ISO times", "properties": {
                "depart": {"type": "string"}, "arrive": {"type": "string"}, "duration_s": {"type": "number"},
                "curfew_wait_s": {"type": "number"}}},
            "Source": {"type": "object", "description": "A layer the answer used: its date and the citations of "
                                                       "the features used (the whole layer for access answers)",
                       "properties": {
                "layer": {"type": "string"}, "title": {"type": "string"},
                "as_of": {"type": ["string", "null"], "format": "date"}, "features": {"type": "integer"},
                "citations": {"type": "array", "items": {"type": "string"}}}},
            "RouteExposure": {"type": "object", "description": "What a route runs through or near", "properties": {
                "inside_controlled_m": {"type": "number"}, "inside_contested_m": {"type": "number"},
                "inside_influence_m": {"type": "number"}, "dangerous_road_m": {"type": "number"},
                "blocked_road_m": {"type": "number"}, "near_controlled_m": {"type": "number"},
                "closest_controlled_m": {"type": "number", "nullable": True},
                "zones": {"type": "array", "items": {"type": "object"}},
                "roads": {"type": "array", "items": {"type": "object"}},
                "near_incidents_m": {"type": "number",
                                     "description": "Metres on roads where recent incidents weigh enough for caution"},
                "incidents": {"type": "array", "description": "Recent incidents that raised the route's risk, "
                                                              "heaviest first (at most 10)",
                              "items": {"$ref": "#/components/schemas/RouteIncident"}}}},
            "RouteIncident": {"type": "object", "required": ["id", "event_date", "event_type", "distance_m", "weight"],
                              "properties": {
                "id": {"type": "string"}, "name": {"type": "string"},
                "event_date": {"type": "string", "format": "date"}, "event_type": {"type": "string"},
                "location": {"type": "string", "nullable": True}, "actor": {"type": "string", "nullable": True},
                "fatalities": {"type": "integer"}, "distance_m": {"type": "number"},
                "weight": {"type": "number", "description": "Its weight on the route that day: severity (event "
                                                            "type, deaths), halved every half-life, fading with "
                                                            "distance"}}},
            "DisplacementAnswer": {"type": "object", "required": ["level", "areas", "total", "rounds", "warnings"],
                                   "properties": {
                "level": {"type": "string", "enum": ["adm1", "adm2"]},
                "round": {"type": "object", "nullable": True}, "previous_round": {"type": "object", "nullable": True},
                "areas": {"type": "array", "items": {"type": "object", "properties": {
                    "pcode": {"type": "string"}, "name": {"type": "string"}, "individuals": {"type": "integer"},
                    "date": {"type": "string", "format": "date"}, "round": {"type": "string", "nullable": True},
                    "population": {"type": "integer", "nullable": True},
                    "per_1000_residents": {"type": "number", "nullable": True},
                    "change": {"type": "integer", "nullable": True}}}},
                "total": {"type": "integer", "nullable": True}, "total_change": {"type": "integer", "nullable": True},
                "data_as_of": {"type": "string", "format": "date", "nullable": True},
                "rounds": {"type": "array", "items": {"type": "object"}},
                "warnings": {"type": "array", "items": {"type": "string"}}}},
            "Scenario": {"type": "object", "required": ["from"], "additionalProperties": False, "properties": {
                "from": {**LOCATION, "description": "The hub: " + LOCATION_TEXT},
                "close_roads": {"type": "array", "items": {"type": "string"}, "maxItems": 1000,
                                "description": "Road ids closed over their whole length"},
                "close_points": {"type": "array", "maxItems": 100, "description": "Points [lon, lat]: the road edge "
                                 "nearest each (within 200 m, else a 400) is closed", "items": {
                                     "type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}},
                "close_areas": {"type": "object", "description": "GeoJSON Polygon, MultiPolygon, Feature or "
                                "FeatureCollection: every road edge meeting it is closed"},
                "controlled_areas": {"type": "object", "description": "GeoJSON Polygon, MultiPolygon, Feature or "
                                                                      "FeatureCollection"},
                "modes": {"type": ["string", "array"], "items": {"type": "string"},
                          "description": "travel modes (road, sea, air) for both sides of the comparison"},
                "suspend_connections": {"type": "array", "items": {"type": "string"}, "maxItems": 1000,
                                        "description": "connection ids not run (needs modes with sea or air)"},
                "close_ports": {"type": "array", "items": {"type": "string"}, "maxItems": 1000,
                                "description": "port ids closed: none of their legs run"},
                "vehicle": {"type": "string", "enum": list(VEHICLES), "description": VEHICLE_TEXT},
                "season": {"type": "string", "enum": list(ROUTE_SEASONS), "description": SEASON_TEXT}}},
            "FeatureCollection": {"type": "object", "required": ["type", "features"], "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": {"type": "object"}},
                "numberMatched": {"type": "integer"}, "numberReturned": {"type": "integer"},
                "links": {"type": "array", "items": {"type": "object"}}}},
        }},
    }
