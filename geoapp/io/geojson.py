"""RFC 7946 GeoJSON of a layer: lon/lat, counter-clockwise exteriors, feature ids from ``id``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def _prepared(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = frame.set_index(frame["id"].astype(str).to_numpy())
    return frame.set_geometry(shapely.orient_polygons(np.asarray(frame.geometry.values), exterior_cw=False))


def to_feature_collection(frame: gpd.GeoDataFrame) -> str:
    """Serialise a lon/lat GeoDataFrame; the feature ``id`` is the layer's stable ``id``."""
    return _prepared(frame).to_json(na="null", show_bbox=False, ensure_ascii=False)


def iter_features(frame: gpd.GeoDataFrame) -> Iterator[dict]:
    """Features one by one (ids from ``id``, polygons counter-clockwise)."""
    yield from _prepared(frame).iterfeatures(na="null", show_bbox=False)


def dumps(value) -> str:
    """JSON text for values that may hold numpy scalars."""
    return json.dumps(value, ensure_ascii=False, default=_plain)


def feature_collection_stream(frame: gpd.GeoDataFrame, members: dict) -> Iterator[str]:
    """A FeatureCollection written piece by piece: ``members`` first, then one feature at a time."""
    head = dumps({"type": "FeatureCollection", **members})
    yield head[:-1] + ', "features": ['
    for i, feature in enumerate(iter_features(frame)):
        yield ("," if i else "") + dumps(feature)
    yield "]}"


def cell_text(value) -> str | None:
    """A table cell as text, None when missing."""
    return None if pd.isna(value) else str(value)


def cell_number(value) -> float | None:
    """A table cell as a number, None when missing or not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(number) else number


def plain(value):
    """A table cell as a plain Python value for JSON: numpy scalars unwrapped, missing values None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (list, tuple, dict, np.ndarray)):
        return value
    return None if pd.isna(value) else value


def _plain(value):
    """``json.dumps`` fallback for numpy scalars and arrays."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
