"""What a road's geometry says about travel: real length over drawn length, planning speeds, a fingerprint.

Hand-drawn roads cut the bends: their drawn length is lengthened by a winding factor per terrain
and class (``settings.WINDING``); surveyed and OSM lines keep their own.  Speeds come from the
class, slowed by the terrain, unless the road carries its own (OSM ``maxspeed``).
"""

from __future__ import annotations

import hashlib

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..settings import TERRAIN_SPEED, WINDING


def geometry_key(roads: gpd.GeoDataFrame) -> str:
    """Fingerprint of what the graph is built from: geometry, ids, one-way flags and classes."""
    digest = hashlib.sha256(b"".join(shapely.to_wkb(roads.geometry.values)))
    for column in ("id", "oneway", "road_class", "speed_kmh", "geometry_precision", "terrain"):
        if column in roads:
            digest.update(pd.util.hash_pandas_object(roads[column].astype(str), index=False).values.tobytes())
    return digest.hexdigest()


def edge_speeds(edges: gpd.GeoDataFrame, speeds_kmh: dict[str, float]) -> np.ndarray:
    """Planning speed of each edge on an open road.

    Its own ``speed_kmh`` when known (OSM maxspeed), else its class's slowed by its terrain
    (``settings.TERRAIN_SPEED``).
    """
    by_class = edges["road_class"].astype(object).map(speeds_kmh).fillna(speeds_kmh["other"])
    by_class = by_class * terrain_of(edges).map(TERRAIN_SPEED).to_numpy()
    if "speed_kmh" in edges:
        own = pd.to_numeric(edges["speed_kmh"], errors="coerce")
        by_class = own.where(own > 0, by_class)
    return by_class.to_numpy(dtype=float)


def winding_factors(edges: gpd.GeoDataFrame) -> np.ndarray:
    """(low, best, high) real length over drawn length of each edge.

    ``settings.WINDING`` by terrain and class for hand-drawn roads; 1 for surveyed and OSM lines,
    whose length is their own.
    """
    terrain = terrain_of(edges).to_numpy()
    road_class = edges["road_class"].astype(object).where(edges["road_class"].isin(WINDING["flat"]), "other")
    road_class = road_class.to_numpy()
    factors = np.ones((len(edges), 3))
    drawn = precision(edges) == "hand_drawn"
    for ground, by_class in WINDING.items():  # a loop over the table (15 cells), not over the edges
        for kind, factor in by_class.items():
            factors[drawn & (terrain == ground) & (road_class == kind)] = factor
    return factors


def precision(edges: gpd.GeoDataFrame) -> np.ndarray:
    """``geometry_precision`` of each edge (``hand_drawn`` where the column is missing or empty)."""
    if "geometry_precision" not in edges:
        return np.full(len(edges), "hand_drawn", dtype=object)
    return edges["geometry_precision"].fillna("hand_drawn").to_numpy(dtype=object)


def terrain_of(edges: gpd.GeoDataFrame) -> pd.Series:
    """``terrain`` of each edge (``hilly`` where unknown)."""
    if "terrain" not in edges:
        return pd.Series("hilly", index=edges.index, dtype=object)
    return edges["terrain"].where(edges["terrain"].isin(TERRAIN_SPEED), "hilly").astype(object)
