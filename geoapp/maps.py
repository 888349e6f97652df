"""Folium map builders: GeoDataFrames and plain values in, ``folium.Map`` out (no request objects)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import folium
import geopandas as gpd
from branca.element import CssLink, Element, MacroElement
from jinja2 import Template

from .layers import PALETTE, REGISTRY

#: Fields shown in each layer's popup, after ``name`` and ``status``; provenance always closes it.
POPUP_FIELDS = {
    "gang_zones": ["group"],
    "displacement_sites": ["individuals", "households", "site_type", "commune"],
    "roads": ["ref", "road_class"],
    "ports": ["kind"],
}
PROVENANCE = ["as_of", "source", "confidence", "notes"]
ROAD_DASH = {"open": None, "dangerous": "2 6", "blocked": "8 6"}
ROAD_WEIGHT = {"primary": 4, "secondary": 3, "urban": 3, "track": 2}
ZONE_FILL = {"controlled": 0.4, "contested": 0.28, "influence": 0.15}
ZONE_DASH = {"controlled": None, "contested": "6 4", "influence": "2 4"}
HAITI_VIEW = ([17.95, -74.5], [20.1, -71.6])


@dataclasses.dataclass(frozen=True)
class MapAssets:
    """URLs of the scripts and stylesheets a page loads (served by the app, so pages work offline)."""

    leaflet_js: str
    leaflet_css: str
    page_css: str


def base_map(
    *, assets: MapAssets, tile_url: str | None = None, tile_attribution: str | None = None, title: str
) -> folium.Map:
    """An empty map with local assets only, canvas rendering and no tiles unless configured."""
    m = folium.Map(
        location=[18.9, -72.7], zoom_start=8, tiles=None, prefer_canvas=True, control_scale=True,
        attribution_control=True,
    )
    # instance attributes: the page loads Leaflet from the app, nothing from another host
    m.default_js = [("leaflet", assets.leaflet_js)]
    m.default_css = [("leaflet_css", assets.leaflet_css)]
    root = m.get_root()
    root.title = title
    root.header.add_child(CssLink(assets.page_css), name="page_css")
    root.header.add_child(Element('<meta name="viewport" content="width=device-width, initial-scale=1">'),
                          name="viewport")
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=tile_attribution or "map tiles", name="Base map").add_to(m)
    return m


def add_layers(m: folium.Map, layers: Mapping[str, gpd.GeoDataFrame], *, muted: bool = False) -> None:
    """Draw every given layer styled by status, with popups carrying the feature's provenance."""
    for name in ("gang_zones", "roads", "displacement_sites", "ports"):
        if name in layers and len(layers[name]):
            _LAYER_BUILDERS[name](layers[name], muted).add_to(m)


def overview_map(
    layers: Mapping[str, gpd.GeoDataFrame], *, assets: MapAssets, panel_html: str, tile_url: str | None = None,
    tile_attribution: str | None = None,
) -> folium.Map:
    """All layers with toggles, a legend and an information panel."""
    m = base_map(assets=assets, tile_url=tile_url, tile_attribution=tile_attribution, title="haiti-access map")
    add_layers(m, layers)
    m.fit_bounds(HAITI_VIEW)
    folium.LayerControl(collapsed=False).add_to(m)
    Legend().add_to(m)
    m.get_root().html.add_child(Element(panel_html), name="panel")
    return m


def route_map(
    layers: Mapping[str, gpd.GeoDataFrame], result: dict, *, assets: MapAssets, panel_html: str,
    tile_url: str | None = None, tile_attribution: str | None = None,
) -> folium.Map:
    """The safest and shortest routes of a lookup over muted context layers, with the summary panel."""
    m = base_map(assets=assets, tile_url=tile_url, tile_attribution=tile_attribution, title="haiti-access route")
    add_layers(m, {k: v for k, v in layers.items() if k in ("gang_zones", "roads")}, muted=True)
    styles = {
        "shortest": {"color": PALETTE["black"], "weight": 4, "dashArray": "10 8", "opacity": 0.8},
        "safest": {"color": PALETTE["blue"], "weight": 7, "opacity": 0.85},
    }
    bounds = []
    for feature in sorted(result["routes"], key=lambda f: f["properties"]["kind"] != "shortest"):
        kind = feature["properties"]["kind"]
        label = "Least-risk route" if feature["properties"]["mode"] == "least_risk" else kind.capitalize() + " route"
        style = styles[kind]
        folium.GeoJson(
            feature, name=label, style_function=lambda _f, s=style: s,
            tooltip=f"{label}: {feature['properties']['distance_m'] / 1000:.1f} km",
        ).add_to(m)
        coords = feature["geometry"]["coordinates"]
        bounds.extend([[lat, lon] for lon, lat in coords])
    for key, colour in (("from", PALETTE["green"]), ("to", PALETTE["purple"])):
        lon, lat = result[key]["requested"]
        bounds.append([lat, lon])
        folium.CircleMarker(
            [lat, lon], radius=8, color="#000", weight=2, fill=True, fill_color=colour, fill_opacity=1,
            tooltip="Origin" if key == "from" else "Destination",
        ).add_to(m)
    lats, lons = [b[0] for b in bounds], [b[1] for b in bounds]
    m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(30, 30))
    folium.LayerControl(collapsed=True).add_to(m)
    least = any(f["properties"]["mode"] == "least_risk" for f in result["routes"])
    Legend(route="least-risk route" if least else "safest route").add_to(m)
    m.get_root().html.add_child(Element(panel_html), name="panel")
    return m


ACCESS_COLOURS = {
    "reachable": PALETTE["green"], "only_with_risk": PALETTE["orange"], "unreachable": PALETTE["vermillion"],
}


def access_map(
    layers: Mapping[str, gpd.GeoDataFrame], sites: gpd.GeoDataFrame, result: dict, hub: tuple[float, float], *,
    assets: MapAssets, panel_html: str, tile_url: str | None = None, tile_attribution: str | None = None,
) -> folium.Map:
    """Sites coloured by whether the hub reaches them safely, only with risk, or not at all."""
    m = base_map(assets=assets, tile_url=tile_url, tile_attribution=tile_attribution, title="haiti-access access")
    add_layers(m, {k: v for k, v in layers.items() if k in ("gang_zones", "roads")}, muted=True)
    by_id = {row["id"]: row for row in result["sites"]}
    frame = sites.assign(
        access=[by_id[i]["access"] for i in sites["id"]],
        verdict=[by_id[i]["verdict"] for i in sites["id"]],
        distance_km=[None if by_id[i]["distance_m"] is None else round(by_id[i]["distance_m"] / 1000, 1)
                     for i in sites["id"]],
    )[["id", "name", "commune", "individuals", "access", "verdict", "distance_km", "geometry"]]

    def style(feature):
        p = feature["properties"]
        return {"radius": site_radius(p["individuals"]), "color": "#000000", "weight": 1, "fill": True,
                "fillColor": ACCESS_COLOURS[p["access"]], "fillOpacity": 0.9}

    folium.GeoJson(
        _plain(frame), name="Sites by access", marker=folium.CircleMarker(), style_function=style,
        popup=folium.GeoJsonPopup(fields=["name", "commune", "individuals", "access", "verdict", "distance_km"],
                                  aliases=["name", "commune", "individuals", "access", "verdict", "distance (km)"]),
        tooltip=folium.GeoJsonTooltip(fields=["name", "access"], labels=False),
    ).add_to(m)
    folium.CircleMarker([hub[1], hub[0]], radius=9, color="#000", weight=3, fill=True, fill_color=PALETTE["blue"],
                        fill_opacity=1, tooltip="Hub").add_to(m)
    m.fit_bounds(HAITI_VIEW)
    folium.LayerControl(collapsed=True).add_to(m)
    Legend(access=True).add_to(m)
    m.get_root().html.add_child(Element(panel_html), name="panel")
    return m


def _popup(name: str) -> folium.GeoJsonPopup:
    fields = ["name", "status", *POPUP_FIELDS[name], *PROVENANCE]
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
                          popup=_popup("gang_zones"), tooltip=_tooltip())


def _roads(frame: gpd.GeoDataFrame, muted: bool) -> folium.GeoJson:
    colours = REGISTRY["roads"].colours

    def style(feature):
        p = feature["properties"]
        return {
            "color": colours[p["status"]], "weight": ROAD_WEIGHT.get(p["road_class"], 2),
            "dashArray": ROAD_DASH[p["status"]], "opacity": 0.5 if muted else 0.9,
        }

    return folium.GeoJson(_plain(frame), name=REGISTRY["roads"].title, style_function=style,
                          popup=_popup("roads"), tooltip=_tooltip())


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
                          popup=_popup("displacement_sites"), tooltip=_tooltip())


def _ports(frame: gpd.GeoDataFrame, muted: bool) -> folium.GeoJson:
    colours = REGISTRY["ports"].colours

    def style(feature):
        return {"radius": 7, "color": "#000000", "weight": 2, "fill": True,
                "fillColor": colours[feature["properties"]["status"]], "fillOpacity": 1}

    return folium.GeoJson(_plain(frame), name=REGISTRY["ports"].title, marker=folium.CircleMarker(),
                          style_function=style, popup=_popup("ports"), tooltip=_tooltip())


_LAYER_BUILDERS = {"gang_zones": _zones, "roads": _roads, "displacement_sites": _sites, "ports": _ports}


def site_radius(individuals: int | None) -> float:
    """Marker radius in pixels growing with the square root of the population, 4 to 18."""
    return round(min(18.0, 4.0 + math.sqrt(max(individuals or 0, 0)) / 8), 1)


def _plain(frame: gpd.GeoDataFrame) -> dict:
    """A GeoJSON mapping of the frame with JSON-safe values (pandas NA becomes null)."""
    return frame.__geo_interface__ if not frame.isna().any().any() else frame.astype(object).where(
        frame.notna(), None).__geo_interface__


class Legend(MacroElement):
    """A legend for every layer and status, in the same colours and dash patterns as the map."""

    _template = Template("""
{% macro html(this, kwargs) %}
<div class="legend" id="legend" role="region" aria-label="Legend">
  <strong>Legend</strong>
  {% if this.access %}
  <div class="legend-layer">Sites, from the hub</div>
  {% for level, colour in this.access_colours.items() %}
  <div><span class="sw dot" style="background:{{ colour }}"></span> {{ level.replace('_', ' ') }}</div>
  {% endfor %}
  {% endif %}
  {% if this.route %}
  <div><span class="sw line" style="border-top:6px solid {{ this.palette.blue }}"></span> {{ this.route }}</div>
  <div><span class="sw line" style="border-top:4px dashed {{ this.palette.black }}"></span> shortest route</div>
  {% endif %}
  {% for layer in this.layers %}
  <div class="legend-layer">{{ layer.title }}</div>
  {% for status, colour in layer.colours.items() %}
  <div><span class="sw {{ layer.kind }} {{ status }}" style="{{ layer.swatch(status, colour) }}"></span>
  {{ status.replace('_', ' ') }}</div>
  {% endfor %}
  {% endfor %}
</div>
{% endmacro %}
""")

    def __init__(self, *, route: str | None = None, access: bool = False):
        super().__init__()
        self._name = "Legend"
        self.route = route
        self.access = access
        self.access_colours = ACCESS_COLOURS
        self.palette = PALETTE
        self.layers = [
            _LegendLayer(REGISTRY["gang_zones"].title, "area", REGISTRY["gang_zones"].colours),
            _LegendLayer(REGISTRY["roads"].title, "line", REGISTRY["roads"].colours),
        ]
        if not route and not access:
            self.layers += [
                _LegendLayer(REGISTRY["displacement_sites"].title + " (size: people)", "dot",
                             REGISTRY["displacement_sites"].colours),
                _LegendLayer(REGISTRY["ports"].title, "dot", REGISTRY["ports"].colours),
            ]


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
            style = {None: "solid", "2 6": "dotted", "8 6": "dashed"}[ROAD_DASH[status]]
            return f"border-top:4px {style} {colour}"
        return f"background:{colour}"
