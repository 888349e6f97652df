"""Reads the shipped context layers: the country outline (Natural Earth) and towns (GeoNames)."""

from __future__ import annotations

import functools
from pathlib import Path

import geopandas as gpd


@functools.lru_cache(maxsize=4)
def load_context(data_dir: Path) -> dict[str, gpd.GeoDataFrame]:
    """The shipped context layers (read once; they describe the country, not the crisis)."""
    folder = Path(data_dir) / "context"
    out = {}
    for name, file in (("outline", "haiti_outline.geojson"), ("places", "places.geojson")):
        path = folder / file
        if path.is_file():
            out[name] = gpd.read_file(path, engine="pyogrio")
    return out
