"""Folium map builders: GeoDataFrames and plain values in, ``folium.Map`` out (no request objects)."""

from __future__ import annotations

import dataclasses
import html
import json
import math
from collections.abc import Callable, Mapping

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import CssLink, Element, JavascriptLink, MacroElement
from folium.plugins import MarkerCluster
from jinja2 import Template

from ..layers import PALETTE, REGISTRY
from .boundaries import MAP_ATTRIBUTION
from .incident_counts import count_radius

#: Fields shown in each layer's popup, after ``name`` and ``status``; provenance always closes it.
POPUP_FIELDS = {
    "gang_zones": ["group"],
    "displacement_sites": ["individuals", "households", "site_type", "commune"],
    "roads": ["ref", "road_class"],
    "ports": ["kind"],
    "incidents": ["event_date", "event_type", "sub_event_type", "actor", "location", "fatalities", "geo_precision"],
}
PROVENANCE = ["as_of", "source", "confidence", "notes"]
ROAD_DASH = {"open": None, "dangerous": "2 6", "blocked": "8 6", "closed": "1 4 8 4"}
ROAD_WEIGHT = {"primary": 4, "secondary": 3, "urban": 3, "track": 2}
ZONE_FILL = {"controlled": 0.4, "contested": 0.28, "influence": 0.15}
ZONE_DASH = {"controlled": None, "contested": "6 4", "influence": "2 4"}
PORT_DASH = {"seaport": None, "fuel_terminal": None, "airport": "3 3", "border_crossing": "1 3"}
HAITI_VIEW = ([17.95, -74.5], [20.1, -71.6])


@dataclasses.dataclass(frozen=True)
class MapAssets:
    """URLs of the scripts and stylesheets a page loads (served by the app, so pages work offline)."""

    leaflet_js: str
    leaflet_css: str
    page_css: str
    page_js: str = ""
    cluster_js: str = ""
    cluster_css: tuple[str, ...] = ()
    favicon: str = ""
    #: the map pages' own scripts, run once the map is built (deferred)
    map_js: tuple[str, ...] = ()


def base_map(
    *, assets: MapAssets, tile_url: str | None = None, tile_attribution: str | None = None, title: str,
    context: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> folium.Map:
    """A map with local assets only, canvas rendering, and tiles only when configured.

    Without tiles, ``context`` (the country outline and town names) gives the reader their bearings.
    """
    m = folium.Map(
        location=[18.9, -72.7], zoom_start=8, tiles=None, prefer_canvas=True, control_scale=True,
        attribution_control=True,
    )
    # without a tile layer the map itself must bound zooming (marker clustering needs maxZoom)
    m.options.update(minZoom=7, maxZoom=18)
    # instance attributes: the page loads Leaflet from the app, nothing from another host
    m.default_js = [("leaflet", assets.leaflet_js)]
    m.default_css = [("leaflet_css", assets.leaflet_css)]
    root = m.get_root()
    root.title = title
    root.header.add_child(CssLink(assets.page_css), name="page_css")
    root.header.add_child(Element('<meta name="viewport" content="width=device-width, initial-scale=1">'),
                          name="viewport")
    if assets.page_js:
        root.header.add_child(JavascriptLink(assets.page_js), name="page_js")
    if assets.favicon:
        root.header.add_child(Element(f'<link rel="icon" href="{assets.favicon}">'), name="favicon")
    for i, url in enumerate(assets.map_js):
        root.header.add_child(Element(f'<script src="{html.escape(url)}" defer></script>'), name=f"map_js{i}")
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=tile_attribution or "map tiles", name="Base map").add_to(m)
    elif context:
        _context(m, context)
    return m


def _context(m: folium.Map, context: Mapping[str, gpd.GeoDataFrame]) -> None:
    """Country outline and town labels drawn under the data, never in the way of clicks."""
    outline = context.get("outline")
    if outline is not None and len(outline):
        land = folium.GeoJson(
            outline.__geo_interface__, name="Haiti (Natural Earth)", control=False,
            style_function=lambda _f: {"color": "#8a8a8a", "weight": 1, "fillColor": "#fbfaf5", "fillOpacity": 1},
            interactive=False,
        )
        land.ha_part = "outline"  # page scripts keep it under the boundaries they load later
        land.add_to(m)
    places = context.get("places")
    if places is not None and len(places):
        towns = folium.FeatureGroup(name="Towns (GeoNames)", control=False)
        for name, rank, point in zip(places["name"], places["rank"], places.geometry, strict=True):
            dot = folium.CircleMarker([point.y, point.x], radius=2 if rank > 1 else 3, color="#555555", weight=1,
                                      fill=True, fill_opacity=1)
            # folium drops ``interactive``: set it, so a town's dot never takes the click meant for its commune;
            # smaller towns are named from zoom 10 or 11 on (the page's script marks the zoom on the map)
            dot.options["interactive"] = False
            dot.add_child(folium.Tooltip(html.escape(name), permanent=True, direction="right",
                                         class_name=f"place-label rank-{rank}")).add_to(towns)
        towns.add_to(m)


def add_layers(
    m: folium.Map, layers: Mapping[str, gpd.GeoDataFrame], *, muted: bool = False,
    download_url: Callable[[str, str], str] | None = None, assets: MapAssets | None = None,
    incidents: IncidentDetail | None = None,
) -> None:
    """Draw every given layer styled by status, with popups carrying the feature's provenance.

    ``download_url(layer, id)`` adds a link to each feature's download in its popup; displacement
    sites are clustered when the cluster plugin's assets are given; with ``incidents``, incidents
    are drawn as counts per commune (the page fetches each one in view when zoomed in).
    """
    for name in ("gang_zones", "roads", "displacement_sites", "incidents", "ports"):
        if name == "incidents" and incidents is not None and name in layers and len(layers[name]):
            _incident_counts(incidents.counts).add_to(m)
        elif name in layers and len(layers[name]):
            frame = lighten(name, layers[name])
            if download_url is not None:
                frame = frame.assign(download=[download_url(name, fid) for fid in frame["id"]])
            layer = _LAYER_BUILDERS[name](frame, muted)
            if name == "displacement_sites" and assets is not None and assets.cluster_js:
                cluster = MarkerCluster(name=layer.layer_name, options={
                    "disableClusteringAtZoom": 11, "showCoverageOnHover": False, "maxClusterRadius": 40})
                cluster.default_js = [("markerclusterjs", assets.cluster_js)]
                cluster.default_css = [(f"markerclustercss{i}", url) for i, url in enumerate(assets.cluster_css)]
                layer.control = False
                layer.add_to(cluster)
                cluster.add_to(m)
            else:
                layer.add_to(m)


def overview_map(
    layers: Mapping[str, gpd.GeoDataFrame], *, assets: MapAssets, panel_html: str, tile_url: str | None = None,
    tile_attribution: str | None = None, context: Mapping[str, gpd.GeoDataFrame] | None = None,
    download_url: Callable[[str, str], str] | None = None, reference: Mapping[str, str] | None = None,
    incidents: IncidentDetail | None = None, choropleth: Choropleth | None = None,
) -> folium.Map:
    """The given layers with toggles, a legend and an information panel.

    ``reference`` names the official boundary layers to offer and the URL each is fetched from when
    shown; ``incidents`` draws incidents per commune with details on demand; ``choropleth`` fills
    the communes by displaced people (the page fetches the figures of the round chosen).
    """
    m = base_map(assets=assets, tile_url=tile_url, tile_attribution=tile_attribution, title="haiti-access map",
                 context=context)
    add_layers(m, layers, download_url=download_url, assets=assets, incidents=incidents)
    add_reference_layers(m, reference or {})
    data = {}
    if incidents is not None and "incidents" in layers and len(layers["incidents"]):
        data["incidents"] = incidents.config()
    if choropleth is not None and choropleth.rounds:
        data["displacement"] = choropleth.config()
    if data:
        PageData("ha-map-data", data).add_to(m)
    m.fit_bounds(HAITI_VIEW)
    folium.LayerControl(collapsed=True).add_to(m)
    Legend(boundaries=bool(reference), incident_counts="incidents" in data,
           choropleth=choropleth.classes if "displacement" in data else None).add_to(m)
    MapHandle().add_to(m)
    m.get_root().html.add_child(Element(panel_html), name="panel")
    return m


#: How each official boundary layer is drawn: outline style, from which zoom names show, shown at first.
REFERENCE_STYLE = {
    "departments": {"style": {"color": "#4d4d4d", "weight": 2.5, "opacity": 0.9, "fill": False},
                    "interactive": False, "label_zoom": 8, "show": True},
    "communes": {"style": {"color": "#6b6b6b", "weight": 1, "opacity": 0.8, "fill": True, "fillOpacity": 0},
                 "interactive": True, "label_zoom": 10, "show": True},
    "sections": {"style": {"color": "#8c8c8c", "weight": 0.8, "opacity": 0.9, "dashArray": "3 3", "fill": True,
                           "fillOpacity": 0}, "interactive": True, "label_zoom": 12, "show": False},
}


def add_reference_layers(m: folium.Map, urls: Mapping[str, str]) -> None:
    """Official boundaries as outlines the page fetches when shown (departments and communes at first).

    Departments only outline (clicks go through to the commune under them); communes and sections
    answer a click with their name, p-code, department and population.
    """
    for name in ("departments", "communes", "sections"):
        if name in urls:
            ReferenceLayer(name, REGISTRY[name].title, urls[name], **REFERENCE_STYLE[name]).add_to(m)


class ReferenceLayer(folium.map.Layer):
    """An empty GeoJSON layer in the layer control; the page's script fills it from ``url`` when shown."""

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.geoJSON(null, {{ this.options|tojson }});
{% endmacro %}
""")

    def __init__(self, name: str, title: str, url: str, *, style: dict, interactive: bool, label_zoom: int,
                 show: bool):
        super().__init__(name=title, overlay=True, control=True, show=show)
        self._name = "ReferenceLayer"
        self.options = {"interactive": interactive, "attribution": MAP_ATTRIBUTION, "style": style,
                        "haReference": {"name": name, "url": url, "labelZoom": label_zoom}}


@dataclasses.dataclass(frozen=True)
class IncidentDetail:
    """Incidents counted per commune at country zoom; from ``zoom`` on, the page fetches each one in view.

    The page asks ``items_url`` for the incidents of the window ``start``..``end`` (``stored_at`` for
    a past day) in the view, ``page`` at a time and at most ``most``, and says when there are more.
    """

    counts: gpd.GeoDataFrame
    items_url: str
    start: str
    end: str
    stored_at: str | None = None
    zoom: int = 11
    page: int = 500
    most: int = 2000

    def config(self) -> dict:
        spec = REGISTRY["incidents"]
        return {"layer": spec.title, "items": self.items_url, "start": self.start, "end": self.end,
                "stored_at": self.stored_at, "zoom": self.zoom, "page": self.page, "most": self.most,
                "total": int(self.counts["incidents"].sum()), "colours": dict(spec.colours),
                "fields": ["name", "status", *POPUP_FIELDS["incidents"], *PROVENANCE]}


@dataclasses.dataclass(frozen=True)
class Choropleth:
    """Communes filled by displaced people: the rounds to choose from and the classes of each metric."""

    api: str
    rounds: list[dict]
    selected: int | None
    classes: dict

    def config(self) -> dict:
        return {"api": self.api, "rounds": self.rounds, "selected": self.selected, "classes": self.classes}


class PageData(MacroElement):
    """Settings for the page's scripts, as a JSON block (data, not script: the CSP needs no hash for it)."""

    _template = Template("""
{% macro html(this, kwargs) %}
<script type="application/json" id="{{ this.element_id }}">{{ this.text }}</script>
{% endmacro %}
""")

    def __init__(self, element_id: str, data: dict):
        super().__init__()
        self._name = "PageData"
        self.element_id = element_id
        # "<" escaped: no text in it can close the block or open a comment
        self.text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def route_map(
    layers: Mapping[str, gpd.GeoDataFrame], result: dict, *, assets: MapAssets, panel_html: str,
    tile_url: str | None = None, tile_attribution: str | None = None,
    context: Mapping[str, gpd.GeoDataFrame] | None = None, reference: Mapping[str, str] | None = None,
) -> folium.Map:
    """The safest and shortest routes of a lookup over muted context layers, with the summary panel.

    The safest route is a solid blue band, the shortest a dashed black line; the parts of the
    safest route on dangerous or blocked roads, inside zones or near heavy recent incidents are
    overlaid in vermillion; the incidents the routes name are drawn.
    """
    m = base_map(assets=assets, tile_url=tile_url, tile_attribution=tile_attribution, title="haiti-access route",
                 context=context)
    named = {i["id"] for f in result["routes"] for i in f["properties"]["exposure"]["incidents"]}
    context_layers = {k: v for k, v in layers.items() if k in ("gang_zones", "roads")}
    if named and "incidents" in layers:
        context_layers["incidents"] = layers["incidents"][layers["incidents"]["id"].isin(named).to_numpy()]
    add_layers(m, context_layers, muted=True)
    add_reference_layers(m, reference or {})
    styles = {
        "shortest": {"color": PALETTE["black"], "weight": 4, "dashArray": "10 8", "opacity": 0.8},
        "safest": {"color": PALETTE["blue"], "weight": 7, "opacity": 0.85},
        "alternative": {"color": PALETTE["sky"], "weight": 5, "dashArray": "1 8", "opacity": 0.9},
    }
    bounds = []
    drawn = []  # (label, style) of each route, for the legend
    for feature in sorted(result["routes"], key=lambda f: f["properties"]["kind"] != "shortest"):
        kind = feature["properties"]["kind"]
        label = feature["properties"]["label"]
        style = styles[kind]
        drawn.append((label, style))
        folium.GeoJson(
            feature, name=label, style_function=lambda _f, s=style: s,
            tooltip=f"{label}: {feature['properties']['distance_m'] / 1000:.1f} km",
        ).add_to(m)
        coords = feature["geometry"]["coordinates"]
        bounds.extend([[lat, lon] for lon, lat in coords])
        exposed = feature["properties"].get("exposed")
        if exposed and kind != "shortest":
            folium.GeoJson(
                {"type": "Feature", "properties": {}, "geometry": exposed}, name=f"{label}: exposed parts",
                style_function=lambda _f: {"color": PALETTE["vermillion"], "weight": 4, "opacity": 0.95},
                tooltip="exposed: dangerous or blocked road, inside a gang zone, or near recent incidents",
            ).add_to(m)
    for key, colour in (("from", PALETTE["green"]), ("to", PALETTE["purple"])):
        lon, lat = result[key]["requested"]
        bounds.append([lat, lon])
        near = result[key].get("near")
        named = f" (near {near['name']}, {near['distance_m'] / 1000:.1f} km)" if near else ""
        folium.CircleMarker(
            [lat, lon], radius=8, color="#000", weight=2, fill=True, fill_color=colour, fill_opacity=1,
            tooltip=("Origin" if key == "from" else "Destination") + named, className=f"route-end route-{key}",
        ).add_to(m)
    lats, lons = [b[0] for b in bounds], [b[1] for b in bounds]
    # a first fit; the page's script fits again clear of the panel and legend (their size depends on the screen)
    m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(30, 30))
    PageData("ha-route-bounds", [[min(lats), min(lons)], [max(lats), max(lons)]]).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    Legend(routes=[(label, _line_swatch(style)) for label, style in drawn], boundaries=bool(reference)).add_to(m)
    MapHandle().add_to(m)
    m.get_root().html.add_child(Element(panel_html), name="panel")
    return m


def _line_swatch(style: dict) -> str:
    """A legend swatch drawn like a route's line: colour, weight and dashes."""
    dash = "dotted" if style.get("dashArray", "").startswith("1 ") else "dashed" if style.get("dashArray") else "solid"
    return f"border-top:{min(style['weight'], 6)}px {dash} {style['color']}"


#: Sites by access class, safest first (see analysis.ACCESS_CLASSES).
ACCESS_COLOURS = {
    "safe": PALETTE["green"], "caution": PALETTE["yellow"], "only_with_risk": PALETTE["vermillion"],
    "unreachable": PALETTE["black"],
}
#: Sites by what a what-if scenario does to them (see analysis.OUTCOMES); drawn by the what-if page.
OUTCOME_COLOURS = {"same_route": PALETTE["sky"], "detour": PALETTE["orange"], "unreachable": PALETTE["black"]}


def access_map(
    layers: Mapping[str, gpd.GeoDataFrame], sites: gpd.GeoDataFrame, result: dict, hub: tuple[float, float], *,
    assets: MapAssets, panel_html: str, tile_url: str | None = None, tile_attribution: str | None = None,
    context: Mapping[str, gpd.GeoDataFrame] | None = None, reference: Mapping[str, str] | None = None,
) -> folium.Map:
    """Sites coloured by access class: safe, with caution, only with risk, or not at all."""
    m = base_map(assets=assets, tile_url=tile_url, tile_attribution=tile_attribution, title="haiti-access access",
                 context=context)
    add_layers(m, {k: v for k, v in layers.items() if k in ("gang_zones", "roads")}, muted=True)
    add_reference_layers(m, reference or {})
    by_id = {row["id"]: row for row in result["sites"]}
    frame = sites.assign(
        access=[by_id[i]["access"] for i in sites["id"]],
        verdict=[by_id[i]["verdict"] for i in sites["id"]],
        reason=[by_id[i]["reason"] for i in sites["id"]],
        distance_km=[None if by_id[i]["distance_m"] is None else round(by_id[i]["distance_m"] / 1000, 1)
                     for i in sites["id"]],
    )[["id", "name", "commune", "individuals", "access", "verdict", "reason", "distance_km", "geometry"]]

    def style(feature):
        p = feature["properties"]
        return {"radius": site_radius(p["individuals"]), "color": "#000000", "weight": 1, "fill": True,
                "fillColor": ACCESS_COLOURS[p["access"]], "fillOpacity": 0.9}

    folium.GeoJson(
        _plain(frame), name="Sites by access", marker=folium.CircleMarker(), style_function=style,
        popup=folium.GeoJsonPopup(
            fields=["name", "commune", "individuals", "access", "verdict", "reason", "distance_km"],
            aliases=["name", "commune", "individuals", "access", "verdict", "why", "distance (km)"]),
        tooltip=folium.GeoJsonTooltip(fields=["name", "access"], labels=False),
    ).add_to(m)
    folium.CircleMarker([hub[1], hub[0]], radius=9, color="#000", weight=3, fill=True, fill_color=PALETTE["blue"],
                        fill_opacity=1, tooltip="Hub").add_to(m)
    m.fit_bounds(HAITI_VIEW)
    folium.LayerControl(collapsed=True).add_to(m)
    Legend(access=True, boundaries=bool(reference)).add_to(m)
    MapHandle().add_to(m)
    m.get_root().html.add_child(Element(panel_html), name="panel")
    return m


def _popup(name: str, frame: gpd.GeoDataFrame) -> folium.GeoJsonPopup:
    fields = ["name", "status", *POPUP_FIELDS[name], *PROVENANCE]
    if "download" in frame:
        fields.append("download")
    return folium.GeoJsonPopup(fields=fields, aliases=[f.replace("_", " ") for f in fields], localize=True,
                               max_width=320)


def _tooltip() -> folium.GeoJsonTooltip:
    return folium.GeoJsonTooltip(fields=["name", "status"], aliases=["", ""], labels=False)


def _zones(frame: gpd.GeoDataFrame, muted: bool) -> folium.GeoJson:
    colours = REGISTRY["gang_zones"].colours

    def style(feature):
        status = feature["properties"]["status"]
        return {
            "color": colours[status], "weight": 1.5, "fillColor": colours[status],
            "fillOpacity": ZONE_FILL[status] * (0.6 if muted else 1), "dashArray": ZONE_DASH[status],
        }

    return folium.GeoJson(_plain(frame), name=REGISTRY["gang_zones"].title, style_function=style,
                          popup=_popup("gang_zones", frame), tooltip=_tooltip())


def _roads(frame: gpd.GeoDataFrame, muted: bool) -> folium.GeoJson:
    colours = REGISTRY["roads"].colours

    def style(feature):
        p = feature["properties"]
        return {
            "color": colours[p["status"]], "weight": ROAD_WEIGHT.get(p["road_class"], 2),
            "dashArray": ROAD_DASH[p["status"]], "opacity": 0.5 if muted else 0.9,
        }

    return folium.GeoJson(_plain(frame), name=REGISTRY["roads"].title, style_function=style,
                          popup=_popup("roads", frame), tooltip=_tooltip())


def _sites(frame: gpd.GeoDataFrame, muted: bool) -> folium.GeoJson:
    colours = REGISTRY["displacement_sites"].colours

    def style(feature):
        p = feature["properties"]
        return {
            "radius": site_radius(p["individuals"]), "color": "#ffffff", "weight": 1, "fill": True,
            "fillColor": colours[p["status"]], "fillOpacity": 0.85,
        }

    return folium.GeoJson(_plain(frame), name=REGISTRY["displacement_sites"].title,
                          marker=folium.CircleMarker(), style_function=style,
                          popup=_popup("displacement_sites", frame), tooltip=_tooltip())


def _ports(frame: gpd.GeoDataFrame, muted: bool) -> folium.GeoJson:
    colours = REGISTRY["ports"].colours

    def style(feature):
        p = feature["properties"]
        return {"radius": 7, "color": "#000000", "weight": 2, "fill": True, "dashArray": PORT_DASH.get(p["kind"]),
                "fillColor": colours[p["status"]], "fillOpacity": 1}

    return folium.GeoJson(_plain(frame), name=REGISTRY["ports"].title, marker=folium.CircleMarker(),
                          style_function=style, popup=_popup("ports", frame), tooltip=_tooltip())


def _incidents(frame: gpd.GeoDataFrame, muted: bool) -> folium.GeoJson:
    colours = REGISTRY["incidents"].colours

    def style(feature):
        p = feature["properties"]
        return {"radius": incident_radius(p["fatalities"]), "color": "#000000", "weight": 1, "fill": True,
                "fillColor": colours[p["status"]], "fillOpacity": 0.6 if muted else 0.8}

    return folium.GeoJson(_plain(frame), name=REGISTRY["incidents"].title, marker=folium.CircleMarker(),
                          style_function=style, popup=_popup("incidents", frame), tooltip=_tooltip())


def _incident_counts(frame: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """Incidents per commune as one circle each (size: number), in the layer the incidents toggle."""
    group = folium.FeatureGroup(name=REGISTRY["incidents"].title)

    def style(feature):
        return {"radius": count_radius(feature["properties"]["incidents"]), "color": "#000000", "weight": 1,
                "fill": True, "fillColor": PALETTE["purple"], "fillOpacity": 0.7}

    fields = ["name", "department", "incidents", "deaths", "verified", "newest", "oldest"]
    counts = folium.GeoJson(
        _plain(frame), name="Incidents per commune", control=False, marker=folium.CircleMarker(),
        style_function=style,
        popup=folium.GeoJsonPopup(fields=fields, aliases=["commune", "department", "incidents", "deaths reported",
                                                          "verified", "newest", "oldest"], localize=True),
        tooltip=folium.GeoJsonTooltip(fields=["name", "incidents"], aliases=["", "incidents"]),
    )
    counts.ha_part = "incidents-by-commune"  # the page swaps it for each incident when zoomed in
    counts.add_to(group)
    return group


_LAYER_BUILDERS = {"gang_zones": _zones, "roads": _roads, "displacement_sites": _sites, "incidents": _incidents,
                   "ports": _ports}


#: A layer with more features than this is lightened before it goes into a page.
LIGHT_LIMIT = 2000


def lighten(name: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A layer fit to embed in a page: coordinates rounded to ~1 m and, when large, generalised.

    A large roads layer (an OSM import) keeps what a planner reads at country scale: roads that are
    dangerous or blocked, and the primary and secondary network; segments of one road with one
    status are merged and simplified to ~30 m.  Downloads always give the full layer.
    """
    frame = frame.set_geometry(shapely.set_precision(np.asarray(frame.geometry.values), 1e-5))
    if len(frame) <= LIGHT_LIMIT:
        return frame
    if name == "roads":
        keep = (frame["status"] != "open") | frame["road_class"].isin(["primary", "secondary"])
        frame = frame[keep.to_numpy()]
        keys = ["name", "ref", "status", "road_class"]
        grouped = frame.assign(ref=frame["ref"].fillna("")).groupby(keys, sort=False, dropna=False)
        merged = grouped.agg(id=("id", "first"), as_of=("as_of", "max"), source=("source", "first"),
                             confidence=("confidence", "first"), notes=("notes", "first"),
                             oneway=("oneway", "first"))
        lines = grouped.geometry.agg(lambda g: shapely.line_merge(shapely.union_all(np.asarray(g.values))))
        frame = gpd.GeoDataFrame(merged.reset_index(), geometry=lines.to_numpy(), crs=frame.crs)
    tolerance = 0.0003 if name == "roads" else 0.0001
    return frame.set_geometry(shapely.simplify(np.asarray(frame.geometry.values), tolerance))


def site_radius(individuals: int | None) -> float:
    """Marker radius in pixels growing with the square root of the population, 4 to 18."""
    return round(min(18.0, 4.0 + math.sqrt(max(individuals or 0, 0)) / 8), 1)


def incident_radius(fatalities: int | None) -> float:
    """Marker radius in pixels growing with the square root of the deaths reported, 4 to 16."""
    return round(min(16.0, 4.0 + 1.5 * math.sqrt(max(fatalities or 0, 0))), 1)


def _plain(frame: gpd.GeoDataFrame) -> dict:
    """The frame as GeoJSON for a page: nulls for missing values, text HTML-escaped.

    Popups insert values as HTML, and names and notes come from editors: escaping them here is
    what keeps a name like ``<img onerror=...>`` inert.  The download link is the one HTML we add.
    """
    columns = [c for c in frame.columns if c != "geometry"]
    table = frame[columns].astype(object).where(frame[columns].notna(), None)
    for column in columns:
        if column == "download":
            table[column] = [f'<a href="{html.escape(url)}" download>GeoJSON</a>' for url in table[column]]
        else:
            table[column] = [html.escape(v) if isinstance(v, str) else v for v in table[column]]
    return gpd.GeoDataFrame(table, geometry=frame.geometry.values, crs=frame.crs).__geo_interface__


class MapHandle(MacroElement):
    """Exposes the map, its overlays, tagged parts and layer control to page scripts.

    ``window.haMap``, ``window.haLayers`` (overlays by their name in the layer control),
    ``window.haParts`` (layers tagged with ``ha_part``, e.g. the country outline) and ``window.haControl``.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
window.haMap = {{ this._parent.get_name() }};
window.haLayers = { {% for name, var in this.layers.items() %}{{ name|tojson }}: {{ var }}, {% endfor %} };
window.haParts = { {% for name, var in this.parts.items() %}{{ name|tojson }}: {{ var }}, {% endfor %} };
window.haControl = {{ this.control or 'null' }};
{% endmacro %}
""")

    def __init__(self):
        super().__init__()
        self._name = "MapHandle"
        self.layers: dict[str, str] = {}
        self.parts: dict[str, str] = {}
        self.control: str | None = None

    def render(self, **kwargs):
        # the overlays a reader can toggle, by their legend name, as the page's JS variables
        children = list(self._parent._children.values())
        self.layers = {child.layer_name: child.get_name() for child in children
                       if isinstance(child, folium.map.Layer) and child.control}
        self.parts = {}
        stack = list(children)
        while stack:
            child = stack.pop()
            if getattr(child, "ha_part", None):
                self.parts[child.ha_part] = child.get_name()
            stack.extend(getattr(child, "_children", {}).values())
        self.control = next((f"{c.get_name()}" for c in children if isinstance(c, folium.LayerControl)), None)
        super().render(**kwargs)


class Legend(MacroElement):
    """A legend for every layer and status, in the same colours and dash patterns as the map."""

    _template = Template("""
{% macro html(this, kwargs) %}
<details class="legend" id="legend" open aria-label="Legend">
  <summary><strong>Legend</strong></summary>
  {% for metric, c in (this.choropleth or {}).items() %}
  <div class="choropleth-legend" data-metric="{{ metric }}"{% if not loop.first %} hidden{% endif %}>
  <div class="legend-layer">Communes: {{ c.title }}</div>
  {% for colour, label in c.rows %}
  <div><span class="sw area" style="background:{{ colour }}"></span> {{ label }}</div>
  {% endfor %}
  <div><span class="sw area hatched"></span> no figures in the round shown</div>
  <div class="small">Same classes for every round (IOM DTM)</div>
  </div>
  {% endfor %}
  {% if this.access %}
  <div class="legend-layer">Sites, from the hub</div>
  {% for level, colour in this.access_colours.items() %}
  <div><span class="sw dot" style="background:{{ colour }}"></span> {{ level.replace('_', ' ') }}</div>
  {% endfor %}
  {% endif %}
  {% if this.route %}
  {% for label, swatch in this.routes %}
  <div class="legend-route"><span class="sw line" style="{{ swatch }}"></span> {{ label }}</div>
  {% endfor %}
  <div><span class="sw line" style="border-top:4px solid {{ this.palette.vermillion }}"></span>
    exposed part of a route</div>
  {% endif %}
  {% for layer in this.layers %}
  <div class="legend-layer">{{ layer.title }}</div>
  {% for status, colour in layer.colours.items() %}
  <div><span class="sw {{ layer.kind }} {{ status }}" style="{{ layer.swatch(status, colour) }}"></span>
  {{ status.replace('_', ' ') }}</div>
  {% endfor %}
  {% endfor %}
  {% if this.incident_counts %}
  <div><span class="sw dot" style="background:{{ this.palette.purple }};width:16px;height:16px"></span>
    zoomed out: incidents per commune (size: number); zoom in for each one</div>
  {% endif %}
  {% if not this.route and not this.access %}
  <div class="legend-layer">Kind of port (outline)</div>
  <div><span class="sw dot" style="border:2px solid #000"></span> seaport, fuel terminal</div>
  <div><span class="sw dot" style="border:2px dashed #000"></span> airport</div>
  <div><span class="sw dot" style="border:2px dotted #000"></span> border crossing</div>
  {% endif %}
  {% if this.boundaries %}
  <div class="legend-layer">Official boundaries (COD-AB)</div>
  {% for name, line in this.boundary_lines %}
  <div><span class="sw line" style="border-top:{{ line }}"></span> {{ name }}</div>
  {% endfor %}
  {% endif %}
</details>
{% endmacro %}
""")

    def __init__(self, *, routes: list[tuple[str, str]] | None = None, access: bool = False,
                 boundaries: bool = False, incident_counts: bool = False, choropleth: Mapping[str, dict] | None = None):
        super().__init__()
        self._name = "Legend"
        self.route = bool(routes)
        self.routes = routes or []
        self.access = access
        self.boundaries = boundaries
        self.boundary_lines = [
            (label, f"{max(style['weight'], 1):g}px {'dashed' if style.get('dashArray') else 'solid'} {style['color']}")
            for label, style in (("department", REFERENCE_STYLE["departments"]["style"]),
                                 ("commune", REFERENCE_STYLE["communes"]["style"]),
                                 ("communal section (off at first: see the layer control)",
                                  REFERENCE_STYLE["sections"]["style"]))]
        self.incident_counts = incident_counts
        self.choropleth = {metric: {"title": c["title"], "rows": list(zip(c["colours"], c["labels"], strict=True))}
                           for metric, c in (choropleth or {}).items()}
        self.access_colours = ACCESS_COLOURS
        self.palette = PALETTE
        self.layers = [
            _LegendLayer(REGISTRY["gang_zones"].title, "area", REGISTRY["gang_zones"].colours),
            _LegendLayer(REGISTRY["roads"].title, "line", REGISTRY["roads"].colours),
        ]
        if not routes and not access:
            self.layers += [
                _LegendLayer(REGISTRY["displacement_sites"].title + " (size: people)", "dot",
                             REGISTRY["displacement_sites"].colours),
                _LegendLayer(REGISTRY["ports"].title, "dot", REGISTRY["ports"].colours),
            ]
        if not access:
            self.layers.append(_LegendLayer(REGISTRY["incidents"].title + " (size: deaths)", "dot",
                                            REGISTRY["incidents"].colours))


@dataclasses.dataclass(frozen=True)
class _LegendLayer:
    title: str
    kind: str
    colours: Mapping[str, str]

    def swatch(self, status: str, colour: str) -> str:
        if self.kind == "area":
            border = "solid" if ZONE_DASH[status] is None else "dashed"
            return f"background:{colour};opacity:{0.3 + ZONE_FILL[status]};border:2px {border} {colour}"
        if self.kind == "line":
            style = {None: "solid", "2 6": "dotted", "8 6": "dashed", "1 4 8 4": "double"}[ROAD_DASH[status]]
            return f"border-top:4px {style} {colour}"
        return f"background:{colour}"
