"""Placing features in Haiti's official areas: which department and commune each one is in.

Done once per data version (a spatial join against the ``communes`` reference layer), so every
site, incident, zone and port carries ``adm1_pcode``/``adm1_name``/``adm2_pcode``/``adm2_name``
in answers, downloads and OGC filters.  Points fall in the commune that contains them, or, off
the coast, in the nearest commune within the maritime margin; a polygon goes to the commune it
overlaps most.  Joins use p-codes, never names: feeds spell communes differently.
"""

from __future__ import annotations

import re
import unicodedata

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..layers import PLACE_COLUMNS, REGISTRY


def place_layers(layers: dict[str, gpd.GeoDataFrame], *, metric_crs: str, margin_m: float
                 ) -> dict[str, gpd.GeoDataFrame]:
    """The layers with the place columns of every ``placed`` layer filled from the communes."""
    communes = layers.get("communes")
    out = dict(layers)
    for name, frame in layers.items():
        spec = REGISTRY.get(name)
        if spec is None or not spec.placed:
            continue
        out[name] = place(frame, communes, metric_crs=metric_crs, margin_m=margin_m)
    return out


def place(frame: gpd.GeoDataFrame, communes: gpd.GeoDataFrame | None, *, metric_crs: str, margin_m: float
          ) -> gpd.GeoDataFrame:
    """``frame`` with its department and commune p-codes and names (None where no commune is near)."""
    index = commune_of(frame, communes, metric_crs=metric_crs, margin_m=margin_m)
    frame = frame.copy()
    if communes is None or not len(communes):
        for name in PLACE_COLUMNS:
            frame[name] = None
        return frame
    known = index >= 0
    picked = communes.iloc[np.where(known, index, 0)]

    def column(values) -> np.ndarray:
        # numpy's stubs leave None out of ArrayLike, though np.where takes it as an object scalar
        return np.where(known, np.asarray(values, dtype=object), None)  # type: ignore[call-overload]

    frame["adm1_pcode"] = column(picked["adm1_pcode"])
    frame["adm1_name"] = column(picked["adm1_name"])
    frame["adm2_pcode"] = column(picked["id"])
    frame["adm2_name"] = column(picked["name"])
    return frame


def commune_of(frame: gpd.GeoDataFrame, communes: gpd.GeoDataFrame | None, *, metric_crs: str,
               margin_m: float) -> np.ndarray:
    """Row of ``communes`` each feature of ``frame`` lies in (-1: none within the margin)."""
    out = np.full(len(frame), -1, dtype=np.int64)
    if communes is None or not len(communes) or not len(frame):
        return out
    geoms = np.asarray(frame.geometry.values)
    areas = np.asarray(communes.geometry.values)
    tree = shapely.STRtree(areas)
    points = shapely.get_type_id(geoms) == shapely.GeometryType.POINT
    if points.any():
        idx = np.flatnonzero(points)
        hit_point, hit_area = tree.query(geoms[idx], predicate="intersects")
        first = np.unique(hit_point, return_index=True)  # on a shared border: the first commune
        out[idx[first[0]]] = hit_area[first[1]]
    shapes = ~points & ~shapely.is_empty(geoms)
    if shapes.any():
        idx = np.flatnonzero(shapes)
        hit_shape, hit_area = tree.query(geoms[idx], predicate="intersects")
        if len(hit_shape):
            metric = gpd.GeoSeries(np.r_[geoms[idx][hit_shape], areas[hit_area]], crs=frame.crs).to_crs(metric_crs)
            a, b = np.asarray(metric.values[: len(hit_shape)]), np.asarray(metric.values[len(hit_shape):])
            overlap = shapely.area(shapely.intersection(shapely.make_valid(a), b))
            order = np.lexsort((-overlap, hit_shape))  # per shape, the largest overlap first
            first_of = np.unique(hit_shape[order], return_index=True)
            out[idx[first_of[0]]] = hit_area[order][first_of[1]]
    lost = np.flatnonzero((out < 0) & ~shapely.is_empty(geoms))
    if len(lost):  # off the coast: the nearest commune, within the maritime margin
        metric_areas = np.asarray(communes.to_crs(metric_crs).geometry.values)
        metric_lost = np.asarray(gpd.GeoSeries(geoms[lost], crs=frame.crs).to_crs(metric_crs).values)
        near_tree = shapely.STRtree(metric_areas)
        which, where = near_tree.query_nearest(metric_lost, max_distance=margin_m, all_matches=False)
        out[lost[which]] = where
    return out


def normalise_name(value: object) -> str:
    """A place name compared without accents, case, punctuation or common abbreviations."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\bst\b\.?", "saint", text)
    text = re.sub(r"\bste\b\.?", "sainte", text)
    return re.sub(r"[^a-z0-9]+", "", text)


def named_commune_disagreements(frame: gpd.GeoDataFrame, communes: gpd.GeoDataFrame | None, *, column: str,
                                metric_crs: str, margin_m: float, tolerance_m: float = 500.0) -> list[dict]:
    """Features whose named commune (e.g. ACLED's ``admin3``) is not where their position puts them.

    The name is matched to the official communes accent- and case-insensitively; a feature is
    reported when it lies more than ``tolerance_m`` from the commune it names, or names no commune
    at all.  Positions decide the p-codes; this only tells the importer where the file disagrees.
    """
    if communes is None or not len(communes) or column not in frame or not len(frame):
        return []
    lookup: dict[str, int] = {}
    for column_name in ("name", "name_fr", "name_en"):
        if column_name in communes:
            for row, value in enumerate(communes[column_name]):
                lookup.setdefault(normalise_name(value), row)
    names = frame[column].astype(object)
    keys = names.map(normalise_name)
    given = keys.ne("").to_numpy()
    named = keys.map(lookup).to_numpy(dtype=float)  # NaN where the name is no commune
    placed = commune_of(frame, communes, metric_crs=metric_crs, margin_m=margin_m)
    check = np.flatnonzero(given & ~np.isnan(named) & (named != placed))
    distance = np.zeros(len(frame))
    if len(check):
        points = np.asarray(gpd.GeoSeries(np.asarray(frame.geometry.values)[check], crs=frame.crs)
                            .to_crs(metric_crs).values)
        areas = np.asarray(communes.to_crs(metric_crs).geometry.values)[named[check].astype(int)]
        distance[check] = shapely.distance(points, areas)
    far = np.zeros(len(frame), dtype=bool)
    far[check] = distance[check] > tolerance_m
    unknown = given & np.isnan(named)
    out = []
    for i in np.flatnonzero(far | unknown):
        where = communes["name"].iat[placed[i]] if placed[i] >= 0 else None
        out.append({"index": int(i), "id": frame["id"].iat[i], "named": str(names.iat[i]),
                    "placed_in": where, "distance_m": None if unknown[i] else round(float(distance[i])),
                    "problem": "names no commune of the official boundaries" if unknown[i]
                    else f"lies {distance[i] / 1000:.1f} km outside the commune it names"})
    return out
