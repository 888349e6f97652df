"""HTML pages: the overview map and the route map (thin: parse, call the domain, render)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import threading
from collections import OrderedDict
from urllib.parse import urlencode

import numpy as np
import shapely
from flask import Blueprint, Response, render_template, request, url_for

from ..answers.access import access_lookup
from ..answers.constraints import check_constraints
from ..answers.legs import parse_curfew, parse_depart, parse_modes
from ..answers.route import MAX_ALTERNATIVES, route_lookup, stale_warnings
from ..api import parse_hub
from ..data.query import known_on, recent_incidents
from ..errors import BadRequest, NotFound
from ..http.assets import DIGEST_CHARS, IMMUTABLE, SHORT
from ..http.compression import CompressOnce, compress_best
from ..http.language import page_messages, query_args
from ..http.params import arg, dataset_for_request, parse_int, parse_location, with_notes
from ..http.security import rate_limited
from ..http.state import service
from ..i18n.translate import _, current_language
from ..io.context import load_context
from ..layers import REFERENCE, REGISTRY, VEHICLES, status_label
from ..maps.boundaries import light_layers, page_geojson, page_topology
from ..maps.builders import Choropleth, IncidentDetail, MapAssets, PageData, access_map, overview_map, route_map
from ..maps.choropleth import classes, round_choices
from ..maps.incident_counts import incidents_by_commune
from ..maps.layers import OUTCOME_COLOURS, REFERENCE_STYLE
from ..maps.theme import theme_css

bp = Blueprint("web", __name__, template_folder="templates")


#: the overlays' scripts of every map page (their sentences go to the page in its language)
MAP_SCRIPTS = ("boundaries.js", "displacement.js", "incidents.js")


def _speaking(m):
    """The map page with its scripts' sentences in the page's language (nothing added in English)."""
    messages = page_messages(*MAP_SCRIPTS, "geoapp.js")  # geoapp.js: the printed brief's data age
    if messages:
        PageData("i18n", messages).add_to(m)
    return m


def _assets(*, choropleth: bool = False, incidents: bool = False) -> MapAssets:
    """What a map page loads; each page script only where it has something to do.

    The choropleth's script only on a page that fills communes, the incidents' only on one that draws
    incidents per commune (each does nothing elsewhere).
    """
    scripts = [name for name in MAP_SCRIPTS
               if {"displacement.js": choropleth, "incidents.js": incidents}.get(name, True)]
    return MapAssets(
        leaflet_js=url_for("static", filename="vendor/leaflet-1.9.4/leaflet.js"),
        leaflet_css=url_for("static", filename="vendor/leaflet-1.9.4/leaflet.css"),
        page_css=url_for("static", filename="geoapp.css"),
        theme_css=url_for("web.theme"),
        page_js=url_for("static", filename="geoapp.js"),
        cluster_js=url_for("static", filename="vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js"),
        cluster_css=(url_for("static", filename="vendor/leaflet.markercluster-1.5.3/MarkerCluster.css"),
                     url_for("static", filename="vendor/leaflet.markercluster-1.5.3/MarkerCluster.Default.css")),
        favicon=url_for("static", filename="favicon.svg"),
        map_js=tuple(url_for("static", filename=f) for f in ("i18n.js", "mapview.js", *scripts)),
    )


@functools.cache
def _theme() -> tuple[str, str]:
    """The colours stylesheet and its content hash (the registry does not change while serving)."""
    text = theme_css()
    return text, hashlib.sha256(text.encode()).hexdigest()[:DIGEST_CHARS]


@bp.app_url_defaults
def _versioned_theme(endpoint: str, values: dict) -> None:
    """Pages link the stylesheet as /theme.css?v=<hash>, cached as long as a hashed static asset."""
    if endpoint == "web.theme":
        values.setdefault("v", _theme()[1])


@bp.get("/theme.css")
def theme():
    """Every colour of the pages as CSS custom properties, written from the layer registry."""
    text, digest = _theme()
    response = Response(text, mimetype="text/css")
    response.headers["Cache-Control"] = IMMUTABLE if request.args.get("v") == digest else SHORT
    response.set_etag(digest)
    return response.make_conditional(request)


OSM_TILES = ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
             '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors')


def _map_options() -> dict:
    """Tiles only when configured (``osm`` for OpenStreetMap's); offline context otherwise."""
    settings = service().settings
    url, attribution = settings.tile_url, settings.tile_attribution
    if url == "osm":
        url, attribution = OSM_TILES[0], attribution or OSM_TILES[1]
    return {"tile_url": url, "tile_attribution": attribution, "context": load_context(settings.data_dir)}


def _items_url(layer: str) -> str:
    """Where a layer's features are (a popup's download link adds the feature's id)."""
    return url_for("ogc.items", collection_id=layer)


def _built() -> str:
    """When a page was built: what its printed brief says until the page's script puts the moment of printing."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _html(text: str, status: int = 200) -> Response:
    return Response(text, status=status, mimetype="text/html")


#: compressed forms of the pages served from the page cache, by (data version, page key)
_PACKED: OrderedDict[tuple, CompressOnce] = OrderedDict()
_PACKED_LOCK = threading.Lock()


def _cached_html(key: str, build) -> Response:
    """A page many people open (the overview, the forms), compressed once rather than on every request.

    Pages answering one question (a route, a hub's access) are compressed per request: faster the
    first time, and seldom asked for twice.
    """
    svc = service()
    text = svc.cached_page(key, build)
    response = _html(text)
    body = response.get_data()
    version = (svc.dataset.version, key, current_language())
    with _PACKED_LOCK:  # requests run on several threads
        packed = _PACKED.get(version)
        if packed is None or packed.body != body:  # a page rebuilt after leaving the cache has new map ids
            packed = _PACKED[version] = CompressOnce(body)
            while len(_PACKED) > 32:
                _PACKED.popitem(last=False)
    response.precompressed = packed
    return response


@bp.get("/")
def overview():
    """The layers on one map, as of a date (``?as_of=``) and a choice of layers (``?layers=``).

    Built once per data version and view, then served from memory: the URL of a view can be shared.
    """
    svc = service()
    names = _layer_choice()
    data, notes = dataset_for_request()
    day = request.args.get("as_of") if data is not svc.dataset else None
    key = f"overview:{day or ''}:{','.join(names)}"

    def build() -> str:
        public = data.public.layers  # pages are for everyone: sensitive positions coarsened
        layers = {name: public[name] if day is None else known_on(public[name], dt.date.fromisoformat(day))
                  for name in names}
        window = detail = None
        if "incidents" in layers:  # recent violence only: the days up to the day shown
            days = svc.settings.map_incident_days
            layers["incidents"] = recent_incidents(layers["incidents"], data.today, days)
            window = {"days": days, "end": data.today.isoformat(), "shown": len(layers["incidents"]),
                      "newest": data.as_of["incidents"], "zoom": IncidentDetail.zoom}
            detail = IncidentDetail(
                counts=incidents_by_commune(layers["incidents"], data.layers["communes"]),
                items_url=url_for("ogc.items", collection_id="incidents"),
                start=(data.today - dt.timedelta(days=days - 1)).isoformat(), end=data.today.isoformat(),
                stored_at=day)
        choropleth = _choropleth(data, names, day)
        panel = render_template(
            "overview_panel.html", data=data, layers=layers, all_layers=list(REGISTRY), chosen=names, day=day,
            incident_window=window, half_life=f"{svc.settings.incident_half_life_days:g}",
            warnings=notes + stale_warnings(data, svc.settings, tuple(data.as_of), None), choropleth=choropleth,
        )
        filled = bool(choropleth and choropleth.rounds)
        drawn = detail is not None and len(layers["incidents"]) > 0
        m = overview_map(layers, assets=_assets(choropleth=filled, incidents=drawn), panel_html=panel,
                         items_url=_items_url,
                         reference=_reference_urls(names + (["communes"] if choropleth else [])),
                         incidents=detail, choropleth=choropleth, **_map_options())
        return _speaking(m).get_root().render()

    return _cached_html(key, build)


def _choropleth(data, names: list[str], day: str | None) -> Choropleth | None:
    """The displacement fill of the communes, when the figures are among the layers chosen."""
    if "displacement_figures" not in names or not len(data.layers["communes"]):
        return None
    rounds, selected = round_choices(data.displacement.rounds, dt.date.fromisoformat(day) if day else None)
    return Choropleth(api=url_for("figures.displacement"), rounds=rounds, selected=selected,
                      classes=classes(data.layers["displacement_figures"]))


def _reference_urls(names) -> dict[str, str]:
    """Where a page fetches each official boundary layer among ``names`` (those with features).

    The layers shown at first come together in one topology (departments are drawn with the communes'
    borders); each layer shown only on request comes alone, when asked for.
    """
    layers = service().dataset.public.layers
    offered = [name for name in REFERENCE if name in names and len(layers[name])]
    first = [name for name in offered if REFERENCE_STYLE[name]["show"]]
    return {name: url_for("web.boundary_topology", layers=",".join(first if name in first else [name]))
            for name in offered}


_EMPTY = b'{"type":"FeatureCollection","features":[]}'
#: the light boundaries of the latest data version seen: the light frames, and each body made of them as sent
#: (GeoJSON per layer, topologies per set of layers) with its compressed forms
_LIGHT: dict[str, dict] = {}
_LIGHT_LOCK = threading.Lock()


def _light_body(data, key: tuple, make) -> tuple[bytes, dict[str, bytes]]:
    """A body made of the light boundaries, built and compressed once per data version and process.

    Kept apart from the page cache; ``make(frames)`` builds the text from the light frames.
    """
    with _LIGHT_LOCK:
        light = _LIGHT.get(data.version)
        if light is None:
            light = {"frames": light_layers(data.public.layers)}
            _LIGHT.clear()
            _LIGHT[data.version] = light
        if key not in light:
            text = make(light["frames"]).encode()
            light[key] = (text, compress_best(text))
        return light[key]


def _conditional(data, body: tuple[bytes, dict[str, bytes]], mimetype: str, tag: str) -> Response:
    """A light body sent compressed as made (when accepted), revalidated by data version."""
    plain, packed = body
    response = Response(plain, mimetype=mimetype)
    response.precompressed = packed  # sent as they are by the compression hook
    response.set_etag(f"{data.version}-{tag}")
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


@bp.get("/map/layers/<name>.geojson")
@rate_limited("downloads")
def reference_layer(name: str):
    """An official boundary layer made light for maps (simplified, rounded), built once per data version.

    Compressed once (gzip, brotli) for clients that accept it; the ETag follows the data version, so a
    browser revalidates cheaply.
    """
    if name not in REFERENCE:
        raise NotFound(_("no boundary layer named %(name)s; one of %(reference)s",
                         name=f"{name[:40]!r}", reference=', '.join(REFERENCE)), field="name")
    if query_args():
        raise BadRequest(_("this address takes no parameters"), field=sorted(query_args())[0][:40])
    data = service().dataset
    body = _light_body(data, ("geojson", name),
                       lambda frames: page_geojson(frames[name]) if name in frames else _EMPTY.decode())
    return _conditional(data, body, "application/geo+json", name)


@bp.get("/map/boundaries.topojson")
@rate_limited("downloads")
def boundary_topology():
    """Light boundary layers as one TopoJSON topology, what the map pages fetch.

    ``layers`` names some of departments, communes, sections (all by default); one object per layer,
    each border stored once in integer steps of the grid the light layers are rounded to: the same
    shapes as ``/map/layers/NAME.geojson``.
    """
    extra = sorted(set(request.args) - {"layers", "lang"})  # lang=: every address takes it
    if extra:
        raise BadRequest(_("this address takes only layers="), field=extra[0][:40])
    value = request.args.get("layers")
    asked = list(REFERENCE) if value is None else [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in asked if n not in REFERENCE]
    if unknown or not asked:
        listed = ", ".join(REFERENCE)
        message = (_("layers must be a comma-separated list of %(layers)s; %(name)s is not one", layers=listed,
                     name=repr(unknown[0][:40])) if unknown
                   else _("layers must be a comma-separated list of %(layers)s", layers=listed))
        raise BadRequest(message, field="layers")
    names = tuple(n for n in REFERENCE if n in asked)
    data = service().dataset
    body = _light_body(data, ("topojson", names),
                       lambda frames: page_topology({n: frames[n] for n in names if n in frames}))
    return _conditional(data, body, "application/json", "+".join(names))


def _layer_choice() -> list[str]:
    value = arg("layers", required=False)
    if value is None:
        return list(REGISTRY)
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in REGISTRY]
    if unknown or not names:
        raise BadRequest(_("layers must be a comma-separated list of %(registry)s",
                           registry=', '.join(REGISTRY)), field="layers")
    return [n for n in REGISTRY if n in names]


@bp.get("/route")
@rate_limited("lookups")
def route_page():
    """The route map for ``from``/``to`` (``as_of`` for an earlier day); without them, a form."""
    svc = service()
    if not query_args():
        return _cached_html("route-form", _route_form)
    data, notes = dataset_for_request()
    mode = arg("mode", required=False, default="avoid")
    alternatives = parse_int("alternatives", default=0, minimum=0, maximum=MAX_ALTERNATIVES)
    origin, destination = parse_location("from").lonlat, parse_location("to").lonlat
    query = request.args.to_dict()
    if request.args.getlist("modes"):  # the form's check boxes, or modes=road,sea as in the API
        query["modes"] = ",".join(request.args.getlist("modes"))
    modes = parse_modes(query.get("modes"))
    depart, curfew = parse_depart(query.get("depart")), parse_curfew(query.get("curfew"))
    vehicle, season = arg("vehicle", required=False) or None, arg("season", required=False) or None
    check_constraints(vehicle, season)

    def build() -> str:
        result = with_notes(route_lookup(data, svc.settings, origin, destination, mode=mode,
                                         alternatives=alternatives, modes=modes, depart=depart, curfew=curfew,
                                         vehicle=vehicle, season=season), notes)
        panel = render_template("route_panel.html", result=result, query=query, printed=_built())
        m = route_map(data.public.layers, result, assets=_assets(), panel_html=panel,
                      reference=_reference_urls(REFERENCE), **_map_options())
        return _speaking(m).get_root().render()

    return _html(svc.cached_page(_question("route"), build))


@bp.get("/access")
@rate_limited("lookups")
def access_page():
    """Displacement sites coloured by whether a hub reaches them safely; without ``from``, a form."""
    svc = service()
    if not query_args():
        ports = svc.dataset.layers["ports"][["id", "name", "status"]].to_dict("records")
        return _html(render_template("access_form.html", ports=ports, vehicles=VEHICLES))
    data = svc.dataset
    point, feature, _ = parse_hub(arg("from"))
    modes = parse_modes(",".join(request.args.getlist("modes")))
    vehicle, season = arg("vehicle", required=False) or None, arg("season", required=False) or None
    check_constraints(vehicle, season)

    def build() -> str:
        result = access_lookup(data, svc.settings, point, hub_feature=feature, modes=modes, vehicle=vehicle,
                               season=season)
        panel = render_template("access_panel.html", result=result, query=request.args, printed=_built())
        sites = data.public.layers["displacement_sites"].set_index("id").loc[data.access.sites["id"]].reset_index()
        m = access_map(data.public.layers, sites, result, point, assets=_assets(), panel_html=panel,
                       reference=_reference_urls(REFERENCE), **_map_options())
        return _speaking(m).get_root().render()

    return _html(svc.cached_page(_question("access"), build))


def _question(page: str) -> str:
    """A page's cache key: the question exactly as asked (the page repeats it in its links and its address).

    Two spellings of one place ("Pétionville", its lon,lat) are two pages: each links back to what was asked.
    """
    return f"{page}:{urlencode(sorted(request.args.items(multi=True)))}"


@bp.get("/point")
@rate_limited("lookups")
def point_page():
    """Check a point: click the map, type lon,lat or a place name; the page asks /api/safety and draws the answer."""
    from ..answers.point import DEFAULT_RADIUS_M, MAX_RADIUS_M

    svc = service()
    for field in ("at", "radius_m"):
        if field in request.args and not request.args[field].strip():
            raise BadRequest(_("%(field)s is empty: give a value or leave the parameter out", field=field), field=field)
    at = ""
    if arg("at", required=False) is not None:
        lon, lat = parse_location("at").lonlat
        at = f"{lon:.5f},{lat:.5f}"
    radius = parse_int("radius_m", default=int(DEFAULT_RADIUS_M), minimum=1, maximum=int(MAX_RADIUS_M))
    data = svc.dataset
    context = load_context(svc.settings.data_dir)
    outline = context["outline"].to_json() if "outline" in context else "null"
    return _html(render_template("point_page.html", at=at, radius=radius, max_radius=int(MAX_RADIUS_M),
                                 outline=_script_safe(outline), roads=_script_safe(data.public.geojson["roads"])))


@bp.get("/whatif")
@rate_limited("lookups")
def whatif_page():
    """The what-if page: pick roads to close or draw an area; the answer comes from POST /api/whatif."""
    if query_args():
        raise BadRequest(_("this page takes no parameters; it asks POST /api/whatif"),
                         field=sorted(query_args())[0][:40])
    return _cached_html("whatif-form", _whatif_form)


def _whatif_form() -> str:
    """Roads (public), open sites at their public positions, hubs and the outline, as JSON blocks."""
    data = service().dataset
    context = load_context(service().settings.data_dir)
    road_list = data.layers["roads"][["id", "name", "status"]].sort_values(["name", "id"]).to_dict("records")
    ports = data.layers["ports"][["id", "name", "status"]].to_dict("records")
    connections = data.layers.get("connections")
    connections = [] if connections is None else \
        connections[["id", "name", "status"]].sort_values(["name", "id"]).to_dict("records")
    sites = data.public.layers["displacement_sites"]
    sites = sites[sites["status"] == "open"]
    site_points = dict(zip(sites["id"], np.round(shapely.get_coordinates(sites.geometry.values), 4).tolist(),
                           strict=True))
    outline = context["outline"].to_json() if "outline" in context else "null"
    return render_template("whatif.html", roads=road_list, ports=ports, connections=connections, vehicles=VEHICLES,
                           outline=_script_safe(outline),
                           road_lines=_script_safe(data.public.geojson["roads"]),
                           sites=_script_safe(json.dumps(site_points)), api=url_for("api.whatif"),
                           colours=_script_safe(json.dumps({"outcome": OUTCOME_COLOURS,
                                                            "roads": REGISTRY["roads"].colours})))


def _route_form() -> str:
    """The form page: a small map to click, and the named places to choose from."""
    data = service().dataset
    context = load_context(service().settings.data_dir)

    def entries(frame, label) -> list[dict]:
        return sorted(({"name": label(row), "lonlat": f"{row.geometry.x:.4f},{row.geometry.y:.4f}"}
                       for row in frame.itertuples()), key=lambda e: e["name"])

    sites = data.public.layers["displacement_sites"]
    sites = sites[sites["status"] == "open"]
    named = {
        _("Towns"): entries(context["places"], lambda r: r.name) if "places" in context else [],
        _("Ports, airports, border crossings"): entries(
            data.layers["ports"], lambda r: f"{r.name} ({status_label('ports', r.status)})"),
        _("Displacement sites (position within about 2 km)"): entries(sites, lambda r: r.name),
    }
    outline = context["outline"].to_json() if "outline" in context else "null"
    roads = data.public.geojson["roads"]
    return render_template("route_form.html", named=named, outline=_script_safe(outline), roads=_script_safe(roads),
                           vehicles=VEHICLES)


def _script_safe(text: str) -> str:
    """JSON that cannot close the <script> block it sits in."""
    return text.replace("</", "<\\/")


def error_page(status: int, message: str) -> Response:
    """A readable error page for browsers (API callers get the JSON error)."""
    return _html(render_template("error.html", status=status, message=message), status)
