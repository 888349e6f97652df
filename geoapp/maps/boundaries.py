"""Official boundaries made light for map pages: simplified as a coverage, rounded, with label points."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .topology import topojson_text, topology

#: The attribution the boundaries and population carry on maps (popups and the attribution control).
MAP_ATTRIBUTION = "CNIGS / UN OCHA COD-AB (2018-11-29), CC BY-IGO; population IHSI/UNFPA 2019"
#: Simplification per layer in degrees (about the square root of the areas removed): ~600 m lines at
#: country scale; sections, read from zoom 12, keep more.
TOLERANCE = {"departments": 0.006, "communes": 0.006, "sections": 0.004}
#: Coordinates are rounded to 1e-3 degree (~110 m): finer than a pixel up to zoom 10.
PRECISION = 1e-3
#: What a page shows of each feature: the popup's fields (the p-code is the id).
PROPERTIES = {
    "departments": ["id", "name", "population"],
    "communes": ["id", "name", "adm1_pcode", "adm1_name", "population"],
    "sections": ["id", "name", "adm2_pcode", "adm2_name", "adm1_name", "population"],
}


def light_geometry(frame: gpd.GeoDataFrame, tolerance: float) -> np.ndarray:
    """Shapes simplified together, so neighbours keep one shared border (no gaps, no slivers), then rounded.

    A shape that rounding would erase (an islet) keeps its full outline rounded to 1e-4 degree.
    """
    geoms = np.asarray(frame.geometry.values)
    if not len(geoms):
        return geoms
    light = shapely.set_precision(shapely.coverage_simplify(geoms, tolerance), PRECISION)
    light = np.where(shapely.is_valid(light), light, shapely.make_valid(light))
    lost = shapely.is_empty(light) & ~shapely.is_empty(geoms)
    return np.where(lost, shapely.set_precision(geoms, 1e-4), light)


def light_layers(layers: dict[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """The reference layers as pages draw them: light shapes, the popup fields and a label point.

    Departments are the union of their light communes, so department and commune borders meet exactly.
    """
    out = {}
    communes = layers.get("communes")
    light_communes = None
    if communes is not None and len(communes):
        light_communes = communes.set_geometry(light_geometry(communes, TOLERANCE["communes"]))
    for name, columns in PROPERTIES.items():
        frame = layers.get(name)
        if frame is None or not len(frame):
            continue
        if name == "communes":
            frame = light_communes
        elif name == "departments" and light_communes is not None and \
                frame["id"].isin(light_communes["adm1_pcode"]).all():
            shapes = light_communes[["adm1_pcode", "geometry"]].dissolve(by="adm1_pcode", method="coverage")
            frame = frame.set_geometry(shapes.geometry.reindex(frame["id"]).to_numpy())
        else:
            frame = frame.set_geometry(light_geometry(frame, TOLERANCE[name]))
        out[name] = frame[columns + ["geometry"]].assign(label=label_points(frame))
    return out


def label_points(frame: gpd.GeoDataFrame) -> np.ndarray:
    """Where each shape's name goes: the centre of its largest inscribed circle (well inside, even for a U)."""
    geoms = np.asarray(frame.geometry.values)
    circles = shapely.maximum_inscribed_circle(geoms, PRECISION / 2)
    centres = shapely.get_point(circles, 0)
    return np.where(shapely.is_empty(centres) | shapely.is_missing(centres), shapely.point_on_surface(geoms),
                    centres)


def page_properties(frame: gpd.GeoDataFrame) -> list[dict]:
    """What a page gets of each feature of a light layer: its popup fields and the label point as ``label``."""
    labels = np.round(shapely.get_coordinates(np.asarray(frame["label"].values)), 3).tolist()
    table = frame.drop(columns=["geometry", "label"])
    table = table.astype(object).where(table.notna(), None)
    records = json.loads(pd.DataFrame(table).to_json(orient="records", force_ascii=False))
    return [{**props, "label": label} for props, label in zip(records, labels, strict=True)]


def page_geojson(frame: gpd.GeoDataFrame) -> str:
    """A light layer as compact GeoJSON: p-code ids, popup fields, and the label point as ``label``."""
    shapes = shapely.to_geojson(np.asarray(frame.geometry.values))
    features = ",".join(
        f'{{"type":"Feature","id":{_json(props["id"])},"properties":{_json(props)},"geometry":{shape}}}'
        for props, shape in zip(page_properties(frame), shapes, strict=True))
    return f'{{"type":"FeatureCollection","attribution":{_json(MAP_ATTRIBUTION)},"features":[{features}]}}'


def page_topology(layers: dict[str, gpd.GeoDataFrame]) -> str:
    """Light layers together as one TopoJSON topology (one object per layer, borders shared once)."""
    return topojson_text(topology({name: (frame, page_properties(frame)) for name, frame in layers.items()},
                                  attribution=MAP_ATTRIBUTION))


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
