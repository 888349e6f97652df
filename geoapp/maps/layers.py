"""How each layer is drawn on a map: styles by status, popups with provenance, sizes, lightening for pages."""

from __future__ import annotations

import html
import math

import folium
import geopandas as gpd
import numpy as np
import shapely

from ..i18n.translate import DEFAULT, _, current_language
from ..layers import PALETTE, REGISTRY, event_type_label, layer_title, status_label
from .incident_counts import count_radius

#: Fields shown in each layer's popup, after ``name`` and ``status``; provenance always closes it.
POPUP_FIELDS = {
    "gang_zones": ["group"],
    "displacement_sites": ["individuals", "households", "site_type", "commune"],
    "roads": ["ref", "road_class", "max_vehicle", "season"],
    "ports": ["kind"],
    "connections": ["mode", "operator", "from_port", "to_port", "schedule", "duration_s", "capacity_t", "vehicles"],
    "checkpoints": ["kind", "group", "fee", "currency", "road_id"],
    "incidents": ["event_date", "event_type", "sub_event_type", "actor", "location", "fatalities", "geo_precision"],
}
PROVENANCE = ["as_of", "source", "confidence", "notes"]
ROAD_DASH = {"open": None, "dangerous": "2 6", "blocked": "8 6", "closed": "1 4 8 4"}
ROAD_WEIGHT = {"primary": 4, "secondary": 3, "urban": 3, "track": 2}
ZONE_FILL = {"controlled": 0.4, "contested": 0.28, "influence": 0.15}
ZONE_DASH = {"controlled": None, "contested": "6 4", "influence": "2 4"}
PORT_DASH = {"seaport": None, "fuel_terminal": None, "airport": "3 3", "helipad": "3 3", "border_crossing": "1 3"}
#: Sea legs are long dashes, air legs short ones; suspended legs are grey (``REGISTRY`` colours).
CONNECTION_DASH = {"sea": "10 6", "air": "2 5"}
#: Checkpoints are squares-ish dots outlined by kind: gang solid, police dashed, toll dotted.
CHECKPOINT_DASH = {"gang": None, "police": "3 3", "toll": "1 3"}
#: The order layers are drawn in, bottom to top (areas, then lines, then points people click).
DRAW_ORDER = ("gang_zones", "roads", "connections", "displacement_sites", "incidents", "checkpoints", "ports")


def _popup(name: str, frame: gpd.GeoDataFrame) -> folium.GeoJsonPopup:
    fields = [f for f in ("name", "status", *POPUP_FIELDS[name], *PROVENANCE) if f in frame]
    if "download" in frame:
        fields.append("download")
    return folium.GeoJsonPopup(fields=fields, aliases=[status_label("field", f) for f in fields], localize=True,
                               max_width=320)


def _tooltip() -> folium.GeoJsonTooltip:
    return folium.GeoJsonTooltip(fields=["name", "status"], aliases=["", ""], labels=False)


def _geojson(name: str, frame: gpd.GeoDataFrame, style, *, points: bool = False) -> folium.GeoJson:
    """A layer as the map draws it: styled by ``style``, with its popup (provenance) and tooltip.

    Popups and tooltips show each code by its label in the page's language; styles read the code
    (``status_code`` when the two differ).
    """
    frame = labelled(name, frame)
    return folium.GeoJson(plain_geojson(frame), name=layer_title(name), style_function=style,
                          marker=folium.CircleMarker() if points else None,
                          popup=_popup(name, frame), tooltip=_tooltip())


def labelled(name: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The frame with its codes (status, kind, event type, confidence) as labels, outside English.

    The status code stays in ``status_code`` for the styles.
    """
    if current_language() == DEFAULT or not len(frame):
        return frame
    out = frame.assign(status_code=frame["status"], status=[status_label(name, s) for s in frame["status"]])
    if "kind" in out:
        out["kind_code"] = out["kind"]
    for column, vocabulary in (("kind", "port_kind"), ("confidence", "confidence")):
        if column in out:
            out[column] = [status_label(vocabulary, v) if isinstance(v, str) else v for v in out[column]]
    if "event_type" in out:
        out["event_type"] = [event_type_label(v) if isinstance(v, str) else v for v in out["event_type"]]
    return out


def code(properties: dict, field: str = "status") -> str:
    """A feature's code as the data holds it (labelled frames keep it in ``<field>_code``)."""
    return properties.get(f"{field}_code", properties[field])


def _zones(frame: gpd.GeoDataFrame, muted: bool) -> folium.GeoJson:
    colours = REGISTRY["gang_zones"].colours

    def style(feature):
        status = code(feature["properties"])
        return {
            "color": colours[status], "weight": 1.5, "fillColor": colours[status],
            "fillOpacity": ZONE_FILL[status] * (0.6 if muted else 1), "dashArray": ZONE_DASH[status],
        }

    return _geojson("gang_zones", frame, style)


def _roads(frame: gpd.GeoDataFrame, muted: bool) -> folium.GeoJson:
    colours = REGISTRY["roads"].colours

    def style(feature):
        p = feature["properties"]
        return {
            "color": colours[code(p)], "weight": ROAD_WEIGHT.get(p["road_class"], 2),
            "dashArray": ROAD_DASH[code(p)], "opacity": 0.5 if muted else 0.9,
        }

    return _geojson("roads", frame, style)


def _sites(frame: gpd.GeoDataFrame, muted: bool) -> folium.GeoJson:
    colours = REGISTRY["displacement_sites"].colours

    def style(feature):
        p = feature["properties"]
        return {
            "radius": site_radius(p["individuals"]), "color": "#ffffff", "weight": 1, "fill": True,
            "fillColor": colours[code(p)], "fillOpacity": 0.85,
        }

    return _geojson("displacement_sites", frame, style, points=True)


def _ports(frame: gpd.GeoDataFrame, muted: bool) -> folium.GeoJson:
    colours = REGISTRY["ports"].colours

    def style(feature):
        p = feature["properties"]
        return {"radius": 7, "color": "#000000", "weight": 2, "fill": True, "dashArray": PORT_DASH.get(code(p, "kind")),
                "fillColor": colours[code(p)], "fillOpacity": 1}

    return _geojson("ports", frame, style, points=True)


def _connections(frame: gpd.GeoDataFrame, muted: bool) -> folium.GeoJson:
    colours = REGISTRY["connections"].colours

    def style(feature):
        p = feature["properties"]
        return {"color": colours[code(p)], "weight": 3, "dashArray": CONNECTION_DASH.get(code(p, "mode")),
                "opacity": 0.5 if muted else 0.9}

    return _geojson("connections", frame, style)


def _checkpoints(frame: gpd.GeoDataFrame, muted: bool) -> folium.GeoJson:
    colours = REGISTRY["checkpoints"].colours

    def style(feature):
        p = feature["properties"]
        return {"radius": 5, "color": "#000000", "weight": 2, "fill": True,
                "dashArray": CHECKPOINT_DASH.get(code(p, "kind")), "fillColor": colours[code(p)],
                "fillOpacity": 0.6 if muted else 0.95}

    return _geojson("checkpoints", frame, style, points=True)


def _incidents(frame: gpd.GeoDataFrame, muted: bool) -> folium.GeoJson:
    colours = REGISTRY["incidents"].colours

    def style(feature):
        p = feature["properties"]
        return {"radius": incident_radius(p["fatalities"]), "color": "#000000", "weight": 1, "fill": True,
                "fillColor": colours[code(p)], "fillOpacity": 0.6 if muted else 0.8}

    return _geojson("incidents", frame, style, points=True)


def incident_counts_layer(frame: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """Incidents per commune as one circle each (size: number), in the layer the incidents toggle."""
    group = folium.FeatureGroup(name=layer_title("incidents"))

    def style(feature):
        return {"radius": count_radius(feature["properties"]["incidents"]), "color": "#000000", "weight": 1,
                "fill": True, "fillColor": PALETTE["purple"], "fillOpacity": 0.7}

    fields = ["name", "department", "incidents", "deaths", "verified", "newest", "oldest"]
    counts = folium.GeoJson(
        plain_geojson(frame), name=_("Incidents per commune"), control=False, marker=folium.CircleMarker(),
        style_function=style,
        popup=folium.GeoJsonPopup(fields=fields, aliases=[_("commune"), _("department"), _("incidents"),
                                                          _("deaths reported"), _("verified"), _("newest"),
                                                          _("oldest")], localize=True),
        tooltip=folium.GeoJsonTooltip(fields=["name", "incidents"], aliases=["", _("incidents")]),
    )
    counts.ha_part = "incidents-by-commune"  # the page swaps it for each incident when zoomed in
    counts.add_to(group)
    return group


LAYER_BUILDERS = {"gang_zones": _zones, "roads": _roads, "displacement_sites": _sites, "incidents": _incidents,
                  "ports": _ports, "connections": _connections, "checkpoints": _checkpoints}


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
        keys = [k for k in ("name", "ref", "status", "road_class", "max_vehicle", "season") if k in frame]
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


def plain_geojson(frame: gpd.GeoDataFrame) -> dict:
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


REFERENCE_STYLE = {
    "departments": {"style": {"color": "#4d4d4d", "weight": 2.5, "opacity": 0.9, "fill": False},
                    "interactive": False, "label_zoom": 8, "show": True},
    "communes": {"style": {"color": "#6b6b6b", "weight": 1, "opacity": 0.8, "fill": True, "fillOpacity": 0},
                 "interactive": True, "label_zoom": 10, "show": True},
    "sections": {"style": {"color": "#8c8c8c", "weight": 0.8, "opacity": 0.9, "dashArray": "3 3", "fill": True,
                           "fillOpacity": 0}, "interactive": True, "label_zoom": 12, "show": False},
}


ACCESS_COLOURS = {
    "safe": PALETTE["green"], "caution": PALETTE["yellow"], "only_with_risk": PALETTE["vermillion"],
    "unreachable": PALETTE["black"],
}
#: Route verdicts, as the panels colour them.
VERDICT_COLOURS = {"safe": PALETTE["green"], "caution": PALETTE["orange"], "unsafe": PALETTE["vermillion"],
                   "no_safe_route": PALETTE["black"]}
#: Sites by what a what-if scenario does to them (see analysis.OUTCOMES); drawn by the what-if page.
OUTCOME_COLOURS = {"same_route": PALETTE["sky"], "detour": PALETTE["orange"], "unreachable": PALETTE["black"]}
