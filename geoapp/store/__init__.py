"""Where layers live: the embedded GeoPackage by default, PostGIS for teams; one interface.

``geodata/`` is only the seed of a new store, never written to.  ``DirectoryStore`` reads a folder
of layer files (``geoapp validate --data-dir``) without a database.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from ..errors import ConfigError, DataValidationError
from ..layers import REGISTRY, STORED
from ..settings import Settings
from ..validate import read_layer
from .protocol import Store

__all__ = ["DirectoryStore", "Store", "make_store"]


def make_store(settings: Settings) -> Store:
    """The store a service with these settings reads and writes, created and seeded when new.

    PostGIS when ``database_url`` is a postgresql:// URL; otherwise the embedded GeoPackage
    ``haiti-access.gpkg`` in the instance folder, seeded from ``data_dir`` on first run.
    """
    url = settings.database_url
    store: Store  # each backend is checked against the protocol here
    if url and url.startswith(("postgresql://", "postgres://")):
        from ..extras import require

        require("psycopg")
        from .postgis import PostgisStore

        store = PostgisStore(url, settings.data_dir, schema=settings.database_schema)
    elif url:
        raise ConfigError("database_url must be a postgresql:// URL (leave it empty for the embedded GeoPackage)")
    else:
        from .gpkg import GeoPackageStore

        store = GeoPackageStore(settings.instance_path / "haiti-access.gpkg", settings.data_dir)
    store.init()
    return store


class DirectoryStore:
    """Layers as ``<name>.geojson`` files in one folder (read only)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def load(self) -> dict[str, gpd.GeoDataFrame]:
        problems: list[str] = []
        layers: dict[str, gpd.GeoDataFrame] = {}
        for name in STORED:
            spec = REGISTRY[name]
            file = self.path / f"{name}.geojson"
            if not file.is_file() and not spec.optional_file:
                problems.append(f"{file.name}: file not found in {self.path}")
                continue
            try:
                layers[name] = read_layer(file, spec)
            except DataValidationError as exc:
                problems.extend(exc.problems)
        if problems:
            raise DataValidationError(problems)
        return layers
