"""RFC 7946 GeoJSON of a layer: lon/lat, counter-clockwise exteriors, feature ids from ``id``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import shapely

if TYPE_CHECKING:
    from .dataset import Dataset


def to_feature_collection(frame: gpd.GeoDataFrame) -> str:
    """Serialise a lon/lat GeoDataFrame; the feature ``id`` is the layer's stable ``id``."""
    frame = frame.set_index(frame["id"].astype(str).to_numpy())
    frame = frame.set_geometry(shapely.orient_polygons(frame.geometry.values, exterior_cw=False))
    return frame.to_json(na="null", show_bbox=False, ensure_ascii=False)


def layer_geojson(data: Dataset, name: str, *, bbox: tuple[float, float, float, float] | None = None) -> str:
    """A layer, whole (serialised once per data version) or cut to features meeting ``bbox``."""
    if bbox is None:
        return data.geojson[name]
    hits = data.layer_trees[name].query(shapely.box(*bbox), predicate="intersects")
    hits.sort()
    return to_feature_collection(data.layers[name].iloc[hits])
