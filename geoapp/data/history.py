"""Layers as they were stored at an earlier moment, rebuilt by undoing the changes made since."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import shapely

from ..layers import REGISTRY
from ..validate import validate_layer


def layers_as_of(current: dict[str, gpd.GeoDataFrame], changes: list[dict]) -> dict[str, gpd.GeoDataFrame]:
    """Undo ``changes`` (newest first, as the store lists them) on copies of the current layers."""
    layers = {name: frame.copy() for name, frame in current.items()}
    for change in changes:
        name, action, fid = change["layer"], change["action"], change["feature_id"]
        if name not in layers or not REGISTRY[name].stored:
            continue  # derived data (displacement figures) is rebuilt from what it derives from
        frame = layers[name]
        if action == "import" and change["snapshot"]:
            features = json.loads(change["snapshot"])["features"]
            layers[name] = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
            continue
        if action in ("create", "replace", "patch", "delete"):
            frame = frame[frame["id"] != fid]
        if action in ("replace", "patch", "delete") and change["before"]:
            before = change["before"]
            row = gpd.GeoDataFrame([before["properties"]], geometry=[shapely.geometry.shape(before["geometry"])],
                                   crs="EPSG:4326")
            frame = gpd.GeoDataFrame(pd.concat([frame, row], ignore_index=True), crs="EPSG:4326")
        layers[name] = frame
    return {name: validate_layer(frame.reset_index(drop=True), REGISTRY[name], source=f"{name} (history)")
            if REGISTRY[name].stored else frame for name, frame in layers.items()}
