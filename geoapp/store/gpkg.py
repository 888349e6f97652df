"""The embedded store: one GeoPackage file (SQLite in WAL mode, full sync) under the instance folder.

Written with the standard library's sqlite3 rather than GDAL, so that a feature, its audit entry and
the data version change in one SQLite transaction.  The file stays a GeoPackage that GDAL, QGIS and
pyogrio open as they are (no spatial-index triggers: lookups use in-memory indexes).
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyproj
import shapely

from ..errors import StoreUnavailable
from ..i18n.translate import _
from ..layers import REGISTRY, STORED
from .sql import SqlStore, now

GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_USER_VERSION = 10300
ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


class GeoPackageStore(SqlStore):
    """Layers, audit log and tokens in one GeoPackage file."""

    param = "?"
    kind = "geopackage"

    def __init__(self, path: Path, seed_dir: Path, *, timeout_s: float = 30.0):
        super().__init__(seed_dir)
        self.path = Path(path)
        self.timeout_s = timeout_s

    def describe(self) -> str:
        return f"GeoPackage {self.path}"

    @contextmanager
    def _open(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(_("the GeoPackage store cannot be opened (%(error)s)",
                                     error=exc.__class__.__name__)) from None
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(f"PRAGMA busy_timeout={int(self.timeout_s * 1000)}")
            yield conn
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(_("the GeoPackage store is busy or unavailable (%(error)s)", error=exc)) from None
        finally:
            conn.close()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Cursor]:
        with self._open() as conn:
            yield conn.cursor()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        with self._open() as conn:
            cur = conn.cursor()
            cur.execute("BEGIN IMMEDIATE")  # take the write lock now: writers queue, none is lost
            try:
                yield cur
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _encode(self, geom) -> bytes:
        minx, miny, maxx, maxy = geom.bounds
        header = b"GP" + bytes([0, 0b00000011]) + struct.pack("<i4d", 4326, minx, maxx, miny, maxy)
        return header + shapely.to_wkb(geom, byte_order=1)

    def _decode(self, blob: bytes):
        flags = blob[3]
        start = 8 + ENVELOPE_BYTES[(flags >> 1) & 0b111]
        return shapely.from_wkb(bytes(blob[start:]))

    def _create_schema(self, cur) -> None:
        cur.execute(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
        cur.execute(f"PRAGMA user_version = {GPKG_USER_VERSION}")
        cur.execute("""CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (srs_name TEXT NOT NULL,
            srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
            definition TEXT NOT NULL, description TEXT)""")
        wgs84 = pyproj.CRS.from_epsg(4326).to_wkt("WKT1_GDAL")
        cur.executemany("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", [
            ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
            ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
            ("WGS 84 geodetic", 4326, "EPSG", 4326, wgs84, "longitude/latitude coordinates in decimal degrees"),
        ])
        cur.execute("""CREATE TABLE IF NOT EXISTS gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY,
            data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '',
            last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
            min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER)""")
        cur.execute("""CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (table_name TEXT NOT NULL,
            column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL,
            z TINYINT NOT NULL, m TINYINT NOT NULL, PRIMARY KEY (table_name, column_name))""")
        for name, spec in ((n, REGISTRY[n]) for n in STORED):
            geometry_type = spec.geometry_types[0].upper() if len(spec.geometry_types) == 1 else "GEOMETRY"
            cur.execute(self._table_sql(spec, id_type="INTEGER PRIMARY KEY AUTOINCREMENT", geom_type=geometry_type))
            cur.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
                        "VALUES (?, 'features', ?, ?, 4326)", (name, name, spec.title))
            cur.execute("INSERT OR IGNORE INTO gpkg_geometry_columns VALUES (?, 'geom', ?, 4326, 0, 0)",
                        (name, geometry_type))
        self._common_tables(cur, serial="INTEGER")  # an INTEGER PRIMARY KEY is SQLite's row id
        for table in ("audit_log", "layer_snapshots", "tokens", "store_meta", "displacement_figures"):
            cur.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier) "
                        "VALUES (?, 'attributes', ?)", (table, table))

    def _after_layer_change(self, cur, name: str, bounds) -> None:
        cur.execute("UPDATE gpkg_contents SET last_change = ?, min_x = min(coalesce(min_x, ?), ?), "
                    "min_y = min(coalesce(min_y, ?), ?), max_x = max(coalesce(max_x, ?), ?), "
                    "max_y = max(coalesce(max_y, ?), ?) WHERE table_name = ?",
                    (now(), *[float(v) for pair in zip(bounds, bounds, strict=True) for v in pair], name))

    def integrity_check(self) -> bool:
        with self._connect() as cur:
            cur.execute("PRAGMA integrity_check")
            return cur.fetchone()[0] == "ok"
