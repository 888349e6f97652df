"""Do no harm: where displacement sites are, exactly, is only for callers with a role.

Sensitive point layers are coarsened for everyone else: each point moves to the centre of its cell
in a square grid (``site_grid_m``, 2 km by default) in the metric CRS.  Every public surface (map
pages, downloads in every format, bbox filtering, lookups) works from the coarsened copy, so
neither the coordinates nor tight bounding-box queries reveal a site's position.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from ..layers import REGISTRY


def coarsen_points(frame: gpd.GeoDataFrame, *, grid_m: float, metric_crs: str) -> gpd.GeoDataFrame:
    """Points moved to the centre of their ``grid_m`` cell, in lon/lat rounded to 4 decimals."""
    if len(frame) == 0:
        return frame.copy()
    metric = frame.to_crs(metric_crs)
    xy = shapely.get_coordinates(np.asarray(metric.geometry.values))
    snapped = (np.floor(xy / grid_m) + 0.5) * grid_m
    moved = gpd.GeoSeries(shapely.points(snapped), crs=metric_crs).to_crs("EPSG:4326")
    rounded = shapely.set_precision(np.asarray(moved.values), 1e-4)
    return frame.set_geometry(gpd.GeoSeries(rounded, index=frame.index, crs="EPSG:4326"))


def public_layers(layers: dict[str, gpd.GeoDataFrame], *, grid_m: float, metric_crs: str
                  ) -> dict[str, gpd.GeoDataFrame]:
    """The layers as anonymous callers see them: sensitive ones coarsened, the rest as they are."""
    return {name: coarsen_points(frame, grid_m=grid_m, metric_crs=metric_crs)
            if REGISTRY[name].sensitivity == "sensitive" else frame for name, frame in layers.items()}


def coarsen_feature(feature: dict, layer: str, *, grid_m: float, metric_crs: str) -> dict:
    """One GeoJSON feature (a store read, a history entry) as anonymous callers may see it."""
    if not feature or REGISTRY[layer].sensitivity != "sensitive" or not feature.get("geometry"):
        return feature
    frame = gpd.GeoDataFrame(geometry=[shapely.geometry.shape(feature["geometry"])], crs="EPSG:4326")
    point = coarsen_points(frame, grid_m=grid_m, metric_crs=metric_crs).geometry.iloc[0]
    return {**feature, "geometry": shapely.geometry.mapping(point)}
