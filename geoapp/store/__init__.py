"""Where layers live.  One interface; this release keeps them as files.

The shipped ``geodata/`` folder is the read-only seed; a layer replaced by an import is written to
the instance folder and from then on read from there.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

import geopandas as gpd

from ..errors import DataValidationError
from ..layers import REGISTRY
from ..validate import read_layer, validate_layer


class LayerStore(Protocol):
    """Anything that can hand over every registered layer, validated, as GeoDataFrames."""

    def load(self) -> dict[str, gpd.GeoDataFrame]: ...

    def version(self) -> tuple: ...

    def write_layer(self, name: str, frame: gpd.GeoDataFrame) -> None: ...


def make_store(settings) -> DirectoryStore:
    """The store a service with these settings reads and writes."""
    return DirectoryStore(settings.data_dir, settings.instance_path / "layers")


class DirectoryStore:
    """Layers as ``<name>.geojson`` in a seed folder, overridden by ``<name>.gpkg`` in ``instance_dir``."""

    def __init__(self, path: Path, instance_dir: Path | None = None):
        self.path = Path(path)
        self.instance_dir = Path(instance_dir) if instance_dir else None

    def _file(self, name: str) -> Path:
        if self.instance_dir is not None:
            own = self.instance_dir / f"{name}.gpkg"
            if own.is_file():
                return own
        return self.path / f"{name}.geojson"

    def load(self) -> dict[str, gpd.GeoDataFrame]:
        problems: list[str] = []
        layers: dict[str, gpd.GeoDataFrame] = {}
        for name, spec in REGISTRY.items():
            file = self._file(name)
            if not file.is_file():
                problems.append(f"{file.name}: file not found in {file.parent}")
                continue
            try:
                layers[name] = read_layer(file, spec)
            except DataValidationError as exc:
                problems.extend(exc.problems)
        if problems:
            raise DataValidationError(problems)
        return layers

    def version(self) -> tuple:
        """Changes whenever a layer file is replaced (path, modification time, size)."""
        stamps = []
        for name in REGISTRY:
            file = self._file(name)
            try:
                st = file.stat()
                stamps.append((str(file), st.st_mtime_ns, st.st_size))
            except OSError:
                stamps.append((str(file), None, None))
        return tuple(stamps)

    def write_layer(self, name: str, frame: gpd.GeoDataFrame) -> None:
        """Validate, then replace the layer atomically: readers see the old file or the new, never half."""
        if self.instance_dir is None:
            raise RuntimeError("this store has no instance folder to write to")
        frame = validate_layer(frame, REGISTRY[name], source=f"{name} (new)")
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}-", suffix=".gpkg", dir=self.instance_dir)
        os.close(fd)
        os.unlink(tmp)  # GDAL creates the file itself
        try:
            frame.to_file(tmp, driver="GPKG", layer=name, engine="pyogrio")
            os.replace(tmp, self.instance_dir / f"{name}.gpkg")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
