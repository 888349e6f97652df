"""Folium map builders: GeoDataFrames and plain values in, ``folium.Map`` out (no request objects)."""

from __future__ import annotations

import dataclasses
import html
import json
from collections.abc import Callable, Mapping

import folium
import geopandas as gpd
import shapely
from branca.element import CssLink, Element, JavascriptLink, MacroElement
from folium.plugins import MarkerCluster
from jinja2 import Template

from ..i18n.translate import N_, _, current_language
from ..layers import PALETTE, REGISTRY, layer_title, status_label
from .boundaries import MAP_ATTRIBUTION
from .layers import (
    ACCESS_COLOURS,
    DRAW_ORDER,
    POPUP_FIELDS,
    PROVENANCE,
    REFERENCE_STYLE,
    feature_layer,
    incident_counts_layer,
    lighten,
    plain_geojson,
    site_radius,
)
from .legend import Legend, MapHandle, line_swatch

HAITI_VIEW = ([17.95, -74.5], [20.1, -71.6])
#: branca's page template with the page's language on <html> (screen readers, spelling, translation tools)
PAGE = Template(
    "<!DOCTYPE html>\n"
    '<html lang="{{ this.lang }}">\n'
    "<head>\n"
    "{% if this.title %}<title>{{this.title}}</title>{% endif %}"
    "    {{this.header.render(**kwargs)}}\n"
    "</head>\n"
    "<body>\n"
    "    {{this.html.render(**kwargs)}}\n"
    "</body>\n"
    "<script>\n"
    "    {{this.script.render(**kwargs)}}\n"
    "</script>\n"
    "</html>\n",
)


@dataclasses.dataclass(frozen=True)
class MapAssets:
    """URLs of the scripts and stylesheets a page loads (served by the app, so pages work offline)."""

    leaflet_js: str
    leaflet_css: str
    page_css: str
    theme_css: str = ""
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
    root._template = PAGE  # the page says its language
    root.lang = current_language()
    if assets.theme_css:
        root.header.add_child(CssLink(assets.theme_css), name="theme_css")
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
        folium.TileLayer(tiles=tile_url, attr=tile_attribution or "map tiles", name=_("Base map")).add_to(m)
    elif context:
        _context(m, context)
    return m


def _context(m: folium.Map, context: Mapping[str, gpd.GeoDataFrame]) -> None:
    """Country outline and town labels drawn under the data, never in the way of clicks."""
    outline = context.get("outline")
    if outline is not None and len(outline):
        # drawn on the light boundaries' grid (1e-3 degree, about 100 m): a quarter lighter, every island kept
        light = outline.set_geometry(shapely.set_precision(shapely.simplify(outline.geometry.values, 0.0005), 0.001))
        land = folium.GeoJson(
            light.to_geo_dict(show_bbox=False), name=_("Haiti (Natural Earth)"), control=False,
            style_function=lambda _f: {"color": "#8a8a8a", "weight": 1, "fillColor": "#fbfaf5", "fillOpacity": 1},
            interactive=False,
        )
        land.ha_part = "outline"  # page scripts keep it under the boundaries they load later
        land.add_to(m)
    places = context.get("places")
    if places is not None and len(places):
        towns = folium.FeatureGroup(name=_("Towns (GeoNames)"), control=False)
        TownLabels([[point.x, point.y, name, int(rank)]
                    for name, rank, point in zip(places["name"], places["rank"], places.geometry, strict=True)]
                   ).add_to(towns)
        towns.add_to(m)


class TownLabels(MacroElement):
    """Town dots and names, in the page as one list of ``[lon, lat, name, rank]`` rather than a script each.

    A dot never takes the click meant for its commune (not interactive); smaller towns are named from
    zoom 10 or 11 on (the page's script marks the zoom on the map, the stylesheet shows their ranks).
    """

    _template = Template("""
{% macro script(this, kwargs) %}
{{ this.towns|tojson }}.forEach(function (t) {
  L.circleMarker([t[1], t[0]], {radius: t[3] > 1 ? 2 : 3, color: "#555555", weight: 1, fill: true, fillOpacity: 1,
                               interactive: false})
    .bindTooltip(document.createTextNode(t[2]), {permanent: true, direction: "right",
                                                className: "place-label rank-" + t[3]})
    .addTo({{ this._parent.get_name() }});
});
{% endmacro %}
""")

    def __init__(self, towns: list[list]):
        super().__init__()
        self._name = "TownLabels"
        self.towns = towns


def add_layers(
    m: folium.Map, layers: Mapping[str, gpd.GeoDataFrame], *, muted: bool = False,
    items_url: Callable[[str], str] | None = None, assets: MapAssets | None = None,
    incidents: IncidentDetail | None = None,
) -> None:
    """Draw every given layer styled by status, with popups carrying the feature's provenance.

    ``items_url(layer)``, the address of a layer's features (``.../items``), adds a link to each
    feature's download (``.../items/ID``) in its popup; displacement sites are clustered when the
    cluster plugin's assets are given; with ``incidents``, incidents are drawn as counts per commune
    (the page fetches each one in view when zoomed in).
    """
    for name in DRAW_ORDER:
        if name == "incidents" and incidents is not None and name in layers and len(layers[name]):
            incident_counts_layer(incidents.counts).add_to(m)
        elif name in layers and len(layers[name]):
            layer = feature_layer(name, lighten(name, layers[name]), muted=muted,
                                  items_url=items_url(name) if items_url is not None else None)
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
    items_url: Callable[[str], str] | None = None, reference: Mapping[str, str] | None = None,
    incidents: IncidentDetail | None = None, choropleth: Choropleth | None = None,
) -> folium.Map:
    """The given layers with toggles, a legend and an information panel.

    ``items_url(layer)`` gives each popup a download link (see ``add_layers``); ``reference`` names the
    official boundary layers to offer and the URL each is fetched from when shown; ``incidents`` draws
    incidents per commune with details on demand; ``choropleth`` fills the communes by displaced
    people (the page fetches the figures of the round chosen).
    """
    m = base_map(assets=assets, tile_url=tile_url, tile_attribution=tile_attribution, title="haiti-access map",
                 context=context)
    add_layers(m, layers, items_url=items_url, assets=assets, incidents=incidents)
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
def add_reference_layers(m: folium.Map, urls: Mapping[str, str]) -> None:
    """Official boundaries as outlines the page fetches when shown (departments and communes at first).

    Departments only outline (clicks go through to the commune under them); communes and sections
    answer a click with their name, p-code, department and population.
    """
    for name in ("departments", "communes", "sections"):
        if name in urls:
            ReferenceLayer(name, layer_title(name), urls[name], **REFERENCE_STYLE[name]).add_to(m)


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
        return {"layer": layer_title("incidents"), "items": self.items_url, "start": self.start, "end": self.end,
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
            _roads_only(feature), name=label, style_function=lambda _f, s=style: s,
            tooltip=_("%(route)s: %(km)s km", route=label, km=f"{feature['properties']['distance_m'] / 1000:.1f}"),
        ).add_to(m)
        coords = feature["geometry"]["coordinates"]
        bounds.extend([[lat, lon] for lon, lat in coords])
        exposed = feature["properties"].get("exposed")
        if exposed and kind != "shortest":
            folium.GeoJson(
                {"type": "Feature", "properties": {}, "geometry": exposed},
                name=_("%(route)s: exposed parts", route=label),
                style_function=lambda _f: {"color": PALETTE["vermillion"], "weight": 4, "opacity": 0.95},
                tooltip=_("exposed: dangerous or blocked road, inside a gang zone, or near recent incidents"),
            ).add_to(m)
    # the legs of every route drawn (the shortest trip may take another boat than the safest)
    drawn += _draw_legs(m, [*(result.get("legs") or []),
                            *(leg for f in result["routes"] for leg in f["properties"].get("legs") or [])])
    for key, colour in (("from", PALETTE["green"]), ("to", PALETTE["purple"])):
        lon, lat = result[key]["requested"]
        bounds.append([lat, lon])
        near = result[key].get("near")
        named = _(" (near %(place)s, %(km)s km)", place=near["name"], km=f"{near['distance_m'] / 1000:.1f}") \
            if near else ""
        folium.CircleMarker(
            [lat, lon], radius=8, color="#000", weight=2, fill=True, fill_color=colour, fill_opacity=1,
            tooltip=(_("Origin") if key == "from" else _("Destination")) + named, className=f"route-end route-{key}",
        ).add_to(m)
    lats, lons = [b[0] for b in bounds], [b[1] for b in bounds]
    # a first fit; the page's script fits again clear of the panel and legend (their size depends on the screen)
    m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(30, 30))
    PageData("ha-route-bounds", [[min(lats), min(lons)], [max(lats), max(lons)]]).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    Legend(routes=[(label, line_swatch(style)) for label, style in drawn], boundaries=bool(reference)).add_to(m)
    MapHandle().add_to(m)
    m.get_root().html.add_child(Element(panel_html), name="panel")
    return m


#: Sea and air legs of a trip: dashed (sea long dashes, air short), as connections are on the overview.
LEG_STYLES = {"sea": {"color": PALETTE["blue"], "weight": 5, "dashArray": "14 10", "opacity": 0.9},
              "air": {"color": PALETTE["blue"], "weight": 4, "dashArray": "4 8", "opacity": 0.9}}
LEG_LABELS = {"sea": N_("By boat"), "air": N_("By air")}


def _roads_only(feature: dict) -> dict:
    """A route feature drawn as its road parts only when it has sea or air legs (those are drawn dashed)."""
    legs = feature["properties"].get("legs") or []
    if not any(leg["mode"] != "road" for leg in legs):
        return feature
    lines = [leg["geometry"]["coordinates"] for leg in legs if leg["mode"] == "road"]
    return {**feature, "geometry": {"type": "MultiLineString", "coordinates": lines}}


def _draw_legs(m: folium.Map, legs: list[dict]) -> list[tuple[str, dict]]:
    """Draw the sea and air legs dashed with a tooltip each; their (label, style) for the legend."""
    used = []
    seen = set()
    for leg in legs:
        by = leg["mode"]
        key = (leg.get("connection"), leg["from"].get("id"), leg["to"].get("id"))
        if by == "road" or key in seen:
            continue
        seen.add(key)
        label = _(LEG_LABELS[by])
        folium.GeoJson({"type": "Feature", "properties": {"mode": leg["mode"]}, "geometry": leg["geometry"]},
                       name=label, style_function=lambda _f, s=LEG_STYLES[leg["mode"]]: s,
                       tooltip=_("%(by)s: %(from)s -> %(to)s", by=label, to=leg["to"]["name"],
                                 **{"from": leg["from"]["name"]}) + (f" ({leg['operator']})" if leg.get("operator")
                                                                      else "")).add_to(m)
        if (label, LEG_STYLES[leg["mode"]]) not in used:
            used.append((label, LEG_STYLES[leg["mode"]]))
    return used


#: Sites by access class, safest first (see analysis.ACCESS_CLASSES).


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
        access=[status_label("access", by_id[i]["access"]) for i in sites["id"]],
        access_code=[by_id[i]["access"] for i in sites["id"]],
        verdict=[status_label("verdict", by_id[i]["verdict"]) for i in sites["id"]],
        reason=[by_id[i]["reason"] for i in sites["id"]],
        distance_km=[None if by_id[i]["distance_m"] is None else round(by_id[i]["distance_m"] / 1000, 1)
                     for i in sites["id"]],
    )[["id", "name", "commune", "individuals", "access", "access_code", "verdict", "reason", "distance_km", "geometry"]]

    def style(feature):
        p = feature["properties"]
        return {"radius": site_radius(p["individuals"]), "color": "#000000", "weight": 1, "fill": True,
                "fillColor": ACCESS_COLOURS[p["access_code"]], "fillOpacity": 0.9}

    folium.GeoJson(
        plain_geojson(frame), name=_("Sites by access"), marker=folium.CircleMarker(), style_function=style,
        popup=folium.GeoJsonPopup(
            fields=["name", "commune", "individuals", "access", "verdict", "reason", "distance_km"],
            aliases=[_("name"), _("commune"), _("individuals"), _("access"), _("verdict"), _("why"),
                     _("distance (km)")]),
        tooltip=folium.GeoJsonTooltip(fields=["name", "access"], labels=False),
    ).add_to(m)
    folium.CircleMarker([hub[1], hub[0]], radius=9, color="#000", weight=3, fill=True, fill_color=PALETTE["blue"],
                        fill_opacity=1, tooltip=_("Hub")).add_to(m)
    m.fit_bounds(HAITI_VIEW)
    folium.LayerControl(collapsed=True).add_to(m)
    Legend(access=True, boundaries=bool(reference)).add_to(m)
    MapHandle().add_to(m)
    m.get_root().html.add_child(Element(panel_html), name="panel")
    return m


