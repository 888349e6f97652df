"""Where layers live.  One interface; this release reads the shipped GeoJSON folder."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import geopandas as gpd

from ..errors import DataValidationError
from ..layers import REGISTRY
from ..validate import read_layer


class LayerStore(Protocol):
    """Anything that can hand over every registered layer, validated, as GeoDataFrames."""

    def load(self) -> dict[str, gpd.GeoDataFrame]: ...


class DirectoryStore:
    """Layers as ``<name>.geojson`` files in one folder (read only)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def load(self) -> dict[str, gpd.GeoDataFrame]:
        problems: list[str] = []
        layers: dict[str, gpd.GeoDataFrame] = {}
        for name, spec in REGISTRY.items():
            file = self.path / f"{name}.geojson"
            if not file.is_file():
                problems.append(f"{file.name}: file not found in {self.path}")
                continue
            try:
                layers[name] = read_layer(file, spec)
            except DataValidationError as exc:
                problems.extend(exc.problems)
        if problems:
            raise DataValidationError(problems)
        return layers
