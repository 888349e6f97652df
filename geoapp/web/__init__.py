"""HTML pages: the overview map and the route map (thin: parse, call the domain, render)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import threading
from collections import OrderedDict

import numpy as np
import shapely
from flask import Blueprint, Response, render_template, request, url_for

from ..answers.access import access_lookup
from ..answers.constraints import check_constraints
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
from ..maps.boundaries import light_layers, page_geojson
from ..maps.builders import Choropleth, IncidentDetail, MapAssets, PageData, access_map, overview_map, route_map
from ..maps.choropleth import classes, round_choices
from ..maps.incident_counts import incidents_by_commune
from ..maps.layers import OUTCOME_COLOURS
from ..maps.theme import theme_css

bp = Blueprint("web", __name__, template_folder="templates")


#: the overlays' scripts of every map page (their sentences go to the page in its language)
MAP_SCRIPTS = ("boundaries.js", "displacement.js", "incidents.js")


def _speaking(m):
    """The map page with its scripts' sentences in the page's language (nothing added in English)."""
    messages = page_messages(*MAP_SCRIPTS)
    if messages:
        PageData("i18n", messages).add_to(m)
    return m


def _assets() -> MapAssets:
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
        map_js=tuple(url_for("static", filename=f) for f in ("i18n.js", *MAP_SCRIPTS)),
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


def _download_url(layer: str, feature_id: str) -> str:
    return url_for("ogc.item", collection_id=layer, feature_id=feature_id)


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
        m = overview_map(layers, assets=_assets(), panel_html=panel, download_url=_download_url,
                         reference=_reference_urls(names + (["communes"] if choropleth else [])),
                         incidents=detail, choropleth=choropleth, **_map_options())
        return _speaking(m).get_root().render()

    return _cached_html(key, build)


def _choropleth(data, names: list[str], day: str | None) -> Choropleth | None:
    """The displacement fill of the communes, when the figures are among the layers chosen."""
    if "displacement_figures" not in names or not len(data.layers["communes"]):
        return None
    rounds, selected = round_choices(data.figures, dt.date.fromisoformat(day) if day else None)
    return Choropleth(api=url_for("figures.displacement"), rounds=rounds, selected=selected,
                      classes=classes(data.layers["displacement_figures"]))


def _reference_urls(names) -> dict[str, str]:
    """Where a page fetches each official boundary layer among ``names`` (those with features)."""
    layers = service().dataset.public.layers
    return {name: url_for("web.reference_layer", name=name) for name in REFERENCE
            if name in names and len(layers[name])}


_EMPTY = b'{"type":"FeatureCollection","features":[]}'
#: the light boundaries of the latest data version seen, as sent: (GeoJSON, its compressed forms) per layer
_LIGHT: dict[str, dict[str, tuple[bytes, dict[str, bytes]]]] = {}


def _light_boundaries(data) -> dict[str, tuple[bytes, dict[str, bytes]]]:
    """Built and compressed once per data version and process, kept apart from the page cache."""
    light = _LIGHT.get(data.version)
    if light is None:
        texts = {name: page_geojson(frame).encode() for name, frame in light_layers(data.public.layers).items()}
        light = {name: (text, compress_best(text)) for name, text in texts.items()}
        _LIGHT.clear()
        _LIGHT[data.version] = light
    return light


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
    plain, packed = _light_boundaries(data).get(name, (_EMPTY, {}))
    response = Response(plain, mimetype="application/geo+json")
    response.precompressed = packed  # sent as they are by the compression hook
    response.set_etag(f"{data.version}-{name}")
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


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
    vehicle, season = arg("vehicle", required=False) or None, arg("season", required=False) or None
    check_constraints(vehicle, season)

    def build() -> str:
        result = with_notes(route_lookup(data, svc.settings, origin, destination, mode=mode,
                                         alternatives=alternatives, vehicle=vehicle, season=season), notes)
        panel = render_template("route_panel.html", result=result, query=request.args, printed=_built())
        m = route_map(data.public.layers, result, assets=_assets(), panel_html=panel,
                      reference=_reference_urls(REFERENCE), **_map_options())
        return _speaking(m).get_root().render()

    # the same question on the same data gives the same page: keep the last few
    day = data.today.isoformat() if notes else ""
    return _html(svc.cached_page(f"route:{origin}:{destination}:{mode}:{alternatives}:{vehicle}:{season}:{day}", build))


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
    vehicle, season = arg("vehicle", required=False) or None, arg("season", required=False) or None
    check_constraints(vehicle, season)

    def build() -> str:
        result = access_lookup(data, svc.settings, point, hub_feature=feature, vehicle=vehicle, season=season)
        panel = render_template("access_panel.html", result=result, query=request.args, printed=_built())
        sites = data.public.layers["displacement_sites"].set_index("id").loc[data.access.sites["id"]].reset_index()
        m = access_map(data.public.layers, sites, result, point, assets=_assets(), panel_html=panel,
                       reference=_reference_urls(REFERENCE), **_map_options())
        return _speaking(m).get_root().render()

    return _html(svc.cached_page(f"access:{point}:{vehicle}:{season}", build))


@bp.get("/point")
@rate_limited("lookups")
def point_page():
    """Check a point: click the map or type lon,lat; the page asks /api/safety and draws the answer."""
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
    sites = data.public.layers["displacement_sites"]
    sites = sites[sites["status"] == "open"]
    site_points = dict(zip(sites["id"], np.round(shapely.get_coordinates(sites.geometry.values), 4).tolist(),
                           strict=True))
    outline = context["outline"].to_json() if "outline" in context else "null"
    return render_template("whatif.html", roads=road_list, ports=ports, outline=_script_safe(outline),
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
