"""JSON API blueprint: parse the request, call the domain, shape the response."""

from __future__ import annotations

import datetime as dt
import json
import math

from flask import Blueprint, Response, jsonify, url_for

from ..answers.access import MAX_CLOSE_POINTS, Scenario, access_lookup, whatif_lookup
from ..answers.legs import parse_curfew, parse_depart, parse_modes
from ..answers.point import DEFAULT_RADIUS_M, MAX_RADIUS_M, point_lookup
from ..answers.route import MAX_ALTERNATIVES, route_lookup
from ..errors import BadRequest, NotFound
from ..http.answer_cache import cached_response, place_key
from ..http.language import answer_json
from ..http.params import (
    Location,
    arg,
    dataset_for_request,
    json_body,
    layer_view,
    parse_bbox,
    parse_flag,
    parse_int,
    parse_location,
    sees_exact_positions,
    with_notes,
)
from ..http.security import rate_limited
from ..http.state import service
from ..i18n.translate import _, gettext
from ..io.downloads import csv_stream, gpkg_stream
from ..io.route_files import ROUTE_FORMATS, route_geojson, route_gpx
from ..layers import REGISTRY, layer_title
from ..validate import parse_area

bp = Blueprint("api", __name__, url_prefix="/api")

#: the earliest day an answer can be asked "as of" (the store holds nothing older, by far)
@bp.get("/route")
@rate_limited("lookups")
def route():
    """Safest and shortest routes between two points, with verdict, exposure and reasons.

    An answer asked again (same question, data, language and audience) is sent from memory.
    """
    svc = service()
    data, notes = dataset_for_request()
    fmt = arg("f", required=False, default="json")
    if fmt not in ROUTE_FORMATS:
        raise BadRequest(_("f must be one of %(route_formats)s", route_formats=', '.join(ROUTE_FORMATS)), field="f")
    origin, destination = parse_location("from"), parse_location("to")
    options = {
        "mode": arg("mode", required=False, default="avoid"),
        "alternatives": parse_int("alternatives", default=0, minimum=0, maximum=MAX_ALTERNATIVES),
        "modes": parse_modes(arg("modes", required=False)), "depart": parse_depart(arg("depart", required=False)),
        "curfew": parse_curfew(arg("curfew", required=False)),
        "vehicle": arg("vehicle", required=False) or None, "season": arg("season", required=False) or None,
    }

    def build() -> Response:
        answer = with_notes(route_lookup(data, svc.settings, origin.lonlat, destination.lonlat, **options), notes)
        echo_places(answer, {"from": origin, "to": destination})
        if fmt == "json":
            return answer_json(answer)
        body = route_gpx(answer) if fmt == "gpx" else json.dumps(route_geojson(answer), ensure_ascii=False)
        return Response(body, mimetype=ROUTE_FORMATS[fmt],
                        headers={"Content-Disposition": f'attachment; filename="route.{fmt}"'})

    # the notes too: data "as of" today can be the current data, yet its answer says which day it is from
    question = ("route", fmt, place_key(origin), place_key(destination), *options.items(), tuple(notes))
    return cached_response(question, data, build)


@bp.get("/safety")
@rate_limited("lookups")
def safety():
    """Zones, non-open roads and recent incidents around a point; the nearest operational port and open site by road."""
    svc = service()
    data, notes = dataset_for_request()
    radius = parse_int("radius_m", default=int(DEFAULT_RADIUS_M), minimum=1, maximum=int(MAX_RADIUS_M))
    at = parse_location("at")
    answer = point_lookup(data, svc.settings, at.lonlat, radius_m=float(radius), exact=sees_exact_positions(),
                          vehicle=arg("vehicle", required=False) or None, season=arg("season", required=False) or None)
    return answer_json(with_notes(echo_places(answer, {"at": at}), notes))


MAX_PLACES = 50


@bp.get("/places")
@rate_limited("lookups")
def places():
    """Places whose names or ids begin like ``q``, for autocomplete: exact names first, then by importance."""
    from ..i18n.gazetteer import KINDS

    query = arg("q")
    limit = parse_int("limit", default=10, minimum=1, maximum=MAX_PLACES)
    kinds = None
    if (kind := arg("kind", required=False)) is not None:
        kinds = [k.strip() for k in kind.split(",") if k.strip()]
        unknown = [k for k in kinds if k not in KINDS]
        if unknown or not kinds:
            raise BadRequest(_("kind must be one or more (comma-separated) of %(kinds)s", kinds=", ".join(KINDS)),
                             field="kind")
    gazetteer = service().dataset.gazetteer
    exact = sees_exact_positions()
    return answer_json({"query": query, "places": [
        {**m.describe(exact=exact), "match": m.tier, "value": gazetteer.unique_text(m.place)}
        for m in gazetteer.search(query, limit=limit, kinds=kinds)]})


def echo_places(answer: dict, locations: dict[str, Location]) -> dict:
    """The answer with what each name or id resolved to, as ``place`` in its field (or beside a bare one)."""
    exact = sees_exact_positions()
    for field, location in locations.items():
        echo = location.echo(exact=exact)
        if echo is None:
            continue
        if isinstance(answer.get(field), dict):
            answer[field]["place"] = echo
        else:  # a bare position (the point check's ``at``)
            answer["place"] = echo
    return answer


def parse_hub(value: object, field: str = "from"):
    """A hub as ``LON,LAT``, ``[lon, lat]``, the id of a port or displacement site, or a place name.

    Returns the point to route from, the port or site it is (for the answer's ``hub``), and the location.
    """
    location = parse_location(field, value, hub=True)
    place = location.place
    feature = None
    if place is not None and place.layer in ("ports", "displacement_sites"):
        feature = {"id": place.id, "name": place.name, "layer": place.layer}
    return location.lonlat, feature, location


@bp.get("/access")
@rate_limited("lookups")
def access():
    """Which open displacement sites a hub reaches safely, only with risk, or not at all."""
    svc = service()
    data, notes = dataset_for_request()
    point, feature, location = parse_hub(arg("from"))
    exact = sees_exact_positions()
    answer = access_lookup(data, svc.settings, point, hub_feature=feature, exact=exact,
                           modes=parse_modes(arg("modes", required=False)),
                           vehicle=arg("vehicle", required=False) or None, season=arg("season", required=False) or None)
    return answer_json(with_notes(echo_places(answer, {"hub": location}), notes))


WHATIF_KEYS = {"from", "close_roads", "close_points", "close_areas", "controlled_areas", "modes",
               "suspend_connections", "close_ports", "vehicle", "season"}


@bp.post("/whatif")
@rate_limited("scenarios")
def whatif():
    """Access from a hub before and after hypothetical closures; stored data is never changed."""
    svc = service()
    body = json_body()
    unknown = sorted(set(body) - WHATIF_KEYS)
    if unknown:
        raise BadRequest(_("unknown field(s): %(choices)s; expected %(sorted)s",
                           choices=', '.join(k[:40] for k in unknown[:5]),
                           sorted=', '.join(sorted(WHATIF_KEYS))), field=unknown[0][:40])
    if "from" not in body:
        raise BadRequest(_("missing required field from (LON,LAT, a place name, or a port or site id)"),
                         field="from")
    point, feature, location = parse_hub(body["from"])
    roads = body.get("close_roads", [])
    if not isinstance(roads, list) or not all(isinstance(r, str) and 0 < len(r) <= 200 for r in roads):
        raise BadRequest(_("close_roads must be a list of road ids (strings)"), field="close_roads")
    if len(roads) > 1000:
        raise BadRequest(_("close_roads lists more than 1000 roads"), field="close_roads")
    s = svc.settings
    areas = {}
    for field in ("close_areas", "controlled_areas"):
        if body.get(field) is not None:
            areas[field] = (parse_area(body[field], field=field, max_vertices=s.max_area_vertices,
                                       max_area_km2=s.max_area_km2, metric_crs=s.metric_crs),)
    scenario = Scenario(closed_road_ids=tuple(dict.fromkeys(roads)),
                        close_points=parse_points(body.get("close_points")),
                        close_areas=areas.get("close_areas", ()),
                        controlled_areas=areas.get("controlled_areas", ()),
                        suspend_connections=_id_list(body, "suspend_connections"),
                        close_ports=_id_list(body, "close_ports"))
    if scenario.empty:
        raise BadRequest(_("the scenario is empty: give close_roads, close_points, close_areas and/or "
                           "controlled_areas"), field="close_roads")
    return answer_json(echo_places(whatif_lookup(svc.dataset, svc.settings, point, scenario, hub_feature=feature,
                                                 exact=sees_exact_positions(), **_whatif_options(body)),
                                   {"hub": location}))


def _whatif_options(body: dict) -> dict:
    """The scenario's travel modes, vehicle and season."""
    modes = body.get("modes")
    if modes is not None and not (isinstance(modes, str) or (isinstance(modes, list)
                                                             and all(isinstance(m, str) for m in modes))):
        raise BadRequest(_("modes must be a list of travel modes (road, sea, air)"), field="modes")
    options: dict = {"modes": parse_modes(",".join(modes) if isinstance(modes, list) else modes)}
    for field in ("vehicle", "season"):
        value = body.get(field)
        if value is not None and not isinstance(value, str):
            raise BadRequest(_("%(field)s must be a string", field=field), field=field)
        options[field] = value or None
    return options


def _id_list(body: dict, field: str) -> tuple[str, ...]:
    """A what-if list of feature ids (connections, ports), deduplicated in order."""
    ids = body.get(field, [])
    if not isinstance(ids, list) or not all(isinstance(i, str) and 0 < len(i) <= 200 for i in ids) or len(ids) > 1000:
        raise BadRequest(_("%(field)s must be a list of at most 1000 ids (strings)", field=field), field=field)
    return tuple(dict.fromkeys(ids))


@bp.get("/layers")
def layers():
    """Every layer with its schema, feature count, date and download link."""
    from ..data.freshness import layer_freshness

    svc = service()
    data = svc.dataset
    today = dt.date.today()
    return jsonify(
        stale_after_days=svc.settings.stale_after_days,
        layers=[
            {
                "name": name,
                "title": layer_title(name),
                "description": gettext(spec.description),
                "geometry_types": list(spec.geometry_types),
                "statuses": list(spec.statuses),
                "columns": list(spec.served_columns),
                "reference": spec.reference,
                "attribution": spec.attribution or None,
                "sensitivity": spec.sensitivity,
                "features": len(data.layers[name]),
                "as_of": data.as_of[name],
                "freshness": layer_freshness(name, data.feature_days[name], today, svc.settings.stale_after_days),
                "bbox": [round(float(v), 5) for v in data.public.layers[name].total_bounds]
                if len(data.layers[name]) else None,
                "download": url_for("api.download", name=name, _external=False),
                "downloads": {"geojson": url_for("api.download", name=name),
                              "csv": url_for("api.download_csv", name=name),
                              "gpkg": url_for("api.download_gpkg", name=name)},
            }
            for name, spec in REGISTRY.items()
        ]
    )


@bp.get("/layers/<name>.geojson")
@rate_limited("downloads")
def download(name: str):
    """One layer as an RFC 7946 GeoJSON file, optionally cut to a bbox."""
    if name not in REGISTRY:
        raise NotFound(_("no layer named %(name)s; see /api/layers", name=f"{name!r}"), field="name")
    bbox = parse_bbox()
    data = service().dataset
    body = layer_view(data).geojson_of(name, bbox=bbox)
    return Response(body, mimetype="application/geo+json", headers=_attachment(data, name, "geojson"))


@bp.get("/layers/<name>.csv")
@rate_limited("downloads")
def download_csv(name: str):
    """One whole layer (or a bbox of it) as CSV with an HXL hashtag row, streamed."""
    data, frame = _whole_layer(name)
    excel = parse_flag("excel")
    return Response(csv_stream(frame, excel=excel), mimetype="text/csv", headers=_attachment(data, name, "csv"))


@bp.get("/layers/<name>.gpkg")
@rate_limited("downloads")
def download_gpkg(name: str):
    """One whole layer (or a bbox of it) as a GeoPackage file."""
    data, frame = _whole_layer(name)
    return Response(gpkg_stream(frame, name), mimetype="application/geopackage+sqlite3",
                    headers=_attachment(data, name, "gpkg"))


def _whole_layer(name: str):
    """The data and the layer as this caller may see it (sensitive positions coarsened without a token)."""
    if name not in REGISTRY:
        raise NotFound(_("no layer named %(name)s; see /api/layers", name=f"{name!r}"), field="name")
    bbox = parse_bbox()
    data = service().dataset
    frame = layer_view(data).frame_of(name, bbox=bbox)
    return data, frame


def _attachment(data, name: str, suffix: str) -> dict:
    filename = f"haiti-access_{name}_{data.as_of[name] or 'empty'}.{suffix}"
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def parse_points(value: object, field: str = "close_points") -> tuple[tuple[float, float], ...]:
    """A list of ``[lon, lat]`` pairs of finite numbers (at most MAX_CLOSE_POINTS), or a 400 naming the bad one."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise BadRequest(_("%(field)s must be a list of [lon, lat] pairs", field=field), field=field)
    if len(value) > MAX_CLOSE_POINTS:
        raise BadRequest(_("%(field)s lists %(count)s points; at most %(max_close_points)s",
                           field=field, count=len(value), max_close_points=MAX_CLOSE_POINTS), field=field)
    out = []
    for k, pair in enumerate(value):
        if not (isinstance(pair, list) and len(pair) == 2
                and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in pair)):
            raise BadRequest(_("%(field)s[%(k)s] must be a [lon, lat] pair of finite numbers",
                               field=field, k=k), field=f"{field}[{k}]")
        if not (-180 <= pair[0] <= 180 and -90 <= pair[1] <= 90):
            raise BadRequest(_("%(field)s[%(k)s] is not a lon,lat pair (lon -180..180, lat -90..90)",
                               field=field, k=k), field=f"{field}[{k}]")
        out.append((float(pair[0]), float(pair[1])))
    return tuple(out)
