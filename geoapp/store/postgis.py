"""The team store: PostGIS, for several service instances sharing one database.

Writers are serialised by a transaction-scoped advisory lock, so the version check of an edit and
its write are atomic across every instance.  Instances see each other's commits by polling the
data version (a one-row read) and rebuild within seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import shapely

from ..errors import StoreUnavailable
from ..i18n.translate import _
from ..layers import REGISTRY, STORED
from .sql import SqlStore

WRITE_LOCK = 726_114  # advisory lock id for "a write is in progress"


class PostgisStore(SqlStore):
    """Layers, audit log and tokens in PostgreSQL with PostGIS (``schema`` keeps test runs apart)."""

    param = "%s"
    kind = "postgis"

    def __init__(self, dsn: str, seed_dir, *, schema: str = "public", connect_timeout_s: int = 5):
        super().__init__(seed_dir)
        self.dsn = dsn
        self.schema = schema
        self.connect_timeout_s = connect_timeout_s

    def describe(self) -> str:
        return f"PostGIS (schema {self.schema})"

    @contextmanager
    def _open(self) -> Iterator[psycopg.Connection]:
        try:
            conn = psycopg.connect(self.dsn, connect_timeout=self.connect_timeout_s,
                                   options=f"-c search_path={self.schema},public")
        except psycopg.OperationalError:
            raise StoreUnavailable(_("the database cannot be reached; edits are refused until it is back, "
                                     "reads are served from the data loaded last")) from None
        try:
            yield conn
        except psycopg.OperationalError:
            raise StoreUnavailable(_("the database connection failed during the operation; nothing was "
                                     "stored")) from None
        finally:
            conn.close()

    @contextmanager
    def _connect(self) -> Iterator[psycopg.Cursor]:
        with self._open() as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                yield cur

    @contextmanager
    def _write(self) -> Iterator[psycopg.Cursor]:
        with self._open() as conn, conn.transaction(), conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            yield cur

    def _geom_in(self) -> str:
        return "ST_GeomFromWKB(%s, 4326)"

    def _geom_out(self) -> str:
        return "ST_AsBinary(geom)"

    def _encode(self, geom) -> bytes:
        return shapely.to_wkb(geom)

    def _decode(self, value):
        return shapely.from_wkb(bytes(value))

    def _create_schema(self, cur) -> None:
        cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
        for spec in (REGISTRY[name] for name in STORED):
            cur.execute(self._table_sql(spec, id_type="BIGSERIAL PRIMARY KEY", geom_type="geometry(Geometry, 4326)"))
        self._common_tables(cur, serial="BIGSERIAL")

    def integrity_check(self) -> bool:
        """Every feature table has valid geometries (PostgreSQL's own transactions keep the rest whole)."""
        with self._connect() as cur:
            for name in STORED:
                cur.execute(f"SELECT count(*) FROM {name} WHERE NOT ST_IsValid(geom)")
                row = cur.fetchone()
                if row is None or row[0]:
                    return False
        return True
