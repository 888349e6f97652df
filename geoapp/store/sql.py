"""The layer store on SQL: layers, audit log, tokens and a data version, written in transactions.

Backends (GeoPackage, PostGIS) differ only in how they connect, lock and encode geometry; every
write goes through one transaction that checks, writes the feature, records the audit entry and
bumps the data version, so it is applied whole or not at all.
"""

from __future__ import annotations

import abc
import datetime as dt
import functools
import hashlib
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import Conflict, NotFound, PreconditionFailed
from ..i18n.translate import _
from ..io.geojson import plain
from ..layers import FIGURE_COLUMNS, REGISTRY, STORED, LayerSpec
from ..validate import read_layer, validate_layer

ROLES = ("viewer", "editor", "admin")
SQL_TYPES = {"str": "TEXT", "int": "INTEGER", "bool": "BOOLEAN", "date": "TEXT", "float": "DOUBLE PRECISION",
             "schedule": "TEXT"}


def now() -> str:
    """The current UTC time as the ISO text the audit log sorts on."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def token_hash(token: str) -> str:
    """How a token is stored: its SHA-256 (tokens are 256-bit random, so no slow hash is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


class SqlStore(abc.ABC):
    """Shared logic of the SQL backends.  Subclasses provide the connection and geometry codec.

    What they must provide is abstract, so that mypy (through ``Store``) and Python both refuse a
    backend that lacks one.
    """

    param = "?"
    kind = "sql"

    def __init__(self, seed_dir: Path):
        self.seed_dir = Path(seed_dir)

    # -- provided by backends ------------------------------------------------------------------
    @abc.abstractmethod
    @contextmanager
    def _connect(self) -> Iterator:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    @abc.abstractmethod
    @contextmanager
    def _write(self) -> Iterator:  # pragma: no cover - abstract
        """A connection inside a write transaction that serialises writers."""
        raise NotImplementedError
        yield

    def _geom_in(self) -> str:
        return self.param

    def _geom_out(self) -> str:
        return "geom"

    @abc.abstractmethod
    def _encode(self, geom) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    @abc.abstractmethod
    def _decode(self, value) -> object:  # pragma: no cover - abstract
        raise NotImplementedError

    @abc.abstractmethod
    def _create_schema(self, cur) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _common_tables(self, cur, *, serial: str) -> None:
        """The audit log, import snapshots, tokens and the data version: the same on every backend."""
        cur.execute(f"""CREATE TABLE IF NOT EXISTS audit_log (seq {serial} PRIMARY KEY, layer TEXT NOT NULL,
            feature_id TEXT NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL, at TEXT NOT NULL, reason TEXT,
            before TEXT, after TEXT)""")
        cur.execute("CREATE INDEX IF NOT EXISTS audit_feature ON audit_log (layer, feature_id)")
        cur.execute("CREATE INDEX IF NOT EXISTS audit_at ON audit_log (at)")
        cur.execute("CREATE TABLE IF NOT EXISTS layer_snapshots (seq BIGINT PRIMARY KEY, layer TEXT, data TEXT)")
        cur.execute("""CREATE TABLE IF NOT EXISTS tokens (name TEXT NOT NULL, role TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT)""")
        cur.execute("CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT)")
        cur.execute("""CREATE TABLE IF NOT EXISTS displacement_figures (pcode TEXT NOT NULL, round TEXT NOT NULL,
            date TEXT NOT NULL, individuals BIGINT NOT NULL, source TEXT, imported_at TEXT NOT NULL,
            PRIMARY KEY (pcode, round, date))""")
        cur.execute("INSERT INTO store_meta (key, value) SELECT 'data_version', '0' "
                    "WHERE NOT EXISTS (SELECT 1 FROM store_meta WHERE key = 'data_version')")
        self._add_late_columns(cur)

    def _add_late_columns(self, cur) -> None:
        """Columns added to the registry after a store was made (``LayerSpec.defaults``), filled with the default."""
        for spec in (REGISTRY[name] for name in STORED if REGISTRY[name].defaults):
            cur.execute(f"SELECT * FROM {spec.name} LIMIT 0")
            have = {d[0] for d in cur.description}
            for column, value in spec.defaults.items():
                if column not in have:
                    cur.execute(f'ALTER TABLE {spec.name} ADD COLUMN "{column}" TEXT')
                    cur.execute(self._q(f'UPDATE {spec.name} SET "{column}" = %s'), (value,))

    def _after_layer_change(self, cur, name: str, frame_bounds) -> None:  # noqa: B027 - optional hook, not abstract
        """Backend bookkeeping after a layer's rows changed (GeoPackage extents)."""

    @abc.abstractmethod
    def integrity_check(self) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- SQL helpers ---------------------------------------------------------------------------
    def _q(self, sql: str) -> str:
        return sql.replace("%s", self.param)

    @staticmethod
    def _columns(spec: LayerSpec) -> list[str]:
        return list(spec.columns)

    def _table_sql(self, spec: LayerSpec, *, id_type: str, geom_type: str, bool_type: str = "BOOLEAN") -> str:
        cols = []
        for column in spec.columns:
            if column == "id":
                cols.append("id TEXT NOT NULL UNIQUE")
            else:
                kind = spec.extra_columns.get(column, "str")
                cols.append(f'"{column}" {SQL_TYPES[kind] if kind != "bool" else bool_type}')
        return (f'CREATE TABLE IF NOT EXISTS {spec.name} (fid {id_type}, geom {geom_type}, {", ".join(cols)}, '
                f"extra TEXT, version INTEGER NOT NULL)")

    # -- set-up ---------------------------------------------------------------------------------
    def init(self) -> bool:
        """Create the tables when missing and seed each layer the store has never had; True if any.

        Seeding is per layer, so a store made before a layer was added to the registry gets that
        layer from the shipped folder on its next start, and nothing it already holds is touched.
        """
        with self._write() as cur:
            self._create_schema(cur)
            cur.execute("SELECT DISTINCT layer FROM audit_log WHERE action = 'seed'")
            seeded = {row[0] for row in cur.fetchall()}
            missing = [name for name in STORED if name not in seeded]
            if not missing:
                return False
            for name in missing:
                spec = REGISTRY[name]
                frame = _seed_layer(self.seed_dir / f"{name}.geojson", name)
                self._insert_rows(cur, spec, frame, version=1)
                self._audit(cur, name, "*", "seed", "system", f"seeded from {self.seed_dir.name}/{name}.geojson",
                            None, None)
                self._after_layer_change(cur, name, frame.total_bounds)
            cur.execute(self._q("DELETE FROM store_meta WHERE key = %s"), ("seeded",))
            cur.execute(self._q("INSERT INTO store_meta (key, value) VALUES (%s, %s)"), ("seeded", now()))
            self._bump(cur)
            return True

    # -- reads ----------------------------------------------------------------------------------
    def version(self) -> int:
        """The data version: raised by every committed change (cheap to poll)."""
        with self._connect() as cur:
            cur.execute(self._q("SELECT value FROM store_meta WHERE key = %s"), ("data_version",))
            row = cur.fetchone()
        return int(row[0]) if row else 0

    def load(self) -> dict[str, gpd.GeoDataFrame]:
        """Every layer, validated, as GeoDataFrames (EPSG:4326)."""
        with self._connect() as cur:
            return {name: self._read_layer(cur, REGISTRY[name]) for name in STORED}

    def _read_layer(self, cur, spec: LayerSpec, where: str = "", args: tuple = ()) -> gpd.GeoDataFrame:
        columns = self._columns(spec)
        quoted = ", ".join(f'"{c}"' for c in columns)
        cur.execute(self._q(f"SELECT {quoted}, extra, version, {self._geom_out()} FROM {spec.name} {where} "
                            "ORDER BY fid"), args)
        rows = cur.fetchall()
        frame = pd.DataFrame([r[:-1] for r in rows], columns=[*columns, "extra", "version"])
        geoms = [self._decode(r[-1]) for r in rows]
        extra = frame.pop("extra").map(lambda text: json.loads(text) if text else {})
        frame = frame.join(pd.DataFrame(extra.tolist(), index=frame.index)) if len(frame) else frame
        for column, kind in spec.extra_columns.items():
            if kind == "bool":
                frame[column] = frame[column].astype(bool)
        gdf = gpd.GeoDataFrame(frame.drop(columns="version"), geometry=geoms, crs="EPSG:4326")
        return validate_layer(gdf, spec, source=f"{spec.name} (store)")

    def load_figures(self) -> pd.DataFrame:
        """Every stored displacement figure (commune p-code, round, date, individuals, source)."""
        with self._connect() as cur:
            cur.execute("SELECT pcode, round, date, individuals, source FROM displacement_figures "
                        "ORDER BY date, round, pcode")
            rows = cur.fetchall()
        frame = pd.DataFrame(rows, columns=FIGURE_COLUMNS)
        frame["individuals"] = frame["individuals"].astype("int64")
        return frame

    def import_figures(self, figures: pd.DataFrame, *, actor: str, reason: str) -> dict:
        """Store figures in one transaction: the rounds the table holds are replaced, others kept.

        A round is its label and date; importing the same round again replaces it, so a file of
        every round and a file of the latest round both leave one time series.
        """
        keys = figures[["round", "date"]].drop_duplicates()
        with self._write() as cur:
            replaced = 0
            for rnd, date in keys.itertuples(index=False):
                cur.execute(self._q("DELETE FROM displacement_figures WHERE round = %s AND date = %s"), (rnd, date))
                replaced += max(cur.rowcount, 0)
            stamp = now()
            cur.executemany(self._q("INSERT INTO displacement_figures (pcode, round, date, individuals, source, "
                                    "imported_at) VALUES (%s, %s, %s, %s, %s, %s)"),
                            [(r.pcode, r.round, r.date, int(r.individuals), r.source, stamp)
                             for r in figures.itertuples(index=False)])
            self._audit(cur, "displacement_figures", "*", "import", actor, reason, None,
                        {"rounds": len(keys), "figures": len(figures), "replaced": replaced})
            self._bump(cur)
        return {"rounds": len(keys), "stored": len(figures), "replaced": replaced}

    def get(self, layer: str, feature_id: str) -> tuple[dict, int] | None:
        """One stored feature as GeoJSON and its version, straight from the store."""
        spec = REGISTRY[layer]
        with self._connect() as cur:
            frame, versions = self._rows(cur, spec, feature_id)
        if not len(frame):
            return None
        return feature_dict(frame.iloc[0]), versions[0]

    def _rows(self, cur, spec: LayerSpec, feature_id: str) -> tuple[gpd.GeoDataFrame, list[int]]:
        cur.execute(self._q(f"SELECT version FROM {spec.name} WHERE id = %s"), (feature_id,))
        versions = [int(r[0]) for r in cur.fetchall()]
        if not versions:
            return gpd.GeoDataFrame(), []
        return self._read_layer(cur, spec, "WHERE id = %s", (feature_id,)), versions

    def history(self, layer: str, feature_id: str) -> list[dict]:
        """Every recorded change of a feature, oldest first."""
        with self._connect() as cur:
            cur.execute(self._q("SELECT seq, action, actor, at, reason, before, after FROM audit_log "
                                "WHERE layer = %s AND feature_id = %s ORDER BY seq"), (layer, feature_id))
            rows = cur.fetchall()
        return [{"seq": r[0], "action": r[1], "actor": r[2], "at": r[3], "reason": r[4],
                 "before": json.loads(r[5]) if r[5] else None, "after": json.loads(r[6]) if r[6] else None}
                for r in rows]

    def changes_after(self, moment: str) -> list[dict]:
        """Changes committed after ``moment`` (ISO UTC), newest first, with layer snapshots for imports."""
        with self._connect() as cur:
            cur.execute(self._q("SELECT a.seq, a.layer, a.feature_id, a.action, a.before, s.data FROM audit_log a "
                                "LEFT JOIN layer_snapshots s ON s.seq = a.seq WHERE a.at > %s ORDER BY a.seq DESC"),
                        (moment,))
            rows = cur.fetchall()
        return [{"seq": r[0], "layer": r[1], "feature_id": r[2], "action": r[3],
                 "before": json.loads(r[4]) if r[4] else None, "snapshot": r[5]} for r in rows]

    def first_change_at(self) -> str | None:
        with self._connect() as cur:
            cur.execute("SELECT min(at) FROM audit_log")
            row = cur.fetchone()
        return row[0] if row else None

    # -- writes ---------------------------------------------------------------------------------
    def create(self, layer: str, frame: gpd.GeoDataFrame, *, actor: str, reason: str) -> int:
        """Insert one validated feature; 409 if its id is taken."""
        spec = REGISTRY[layer]
        feature_id = str(frame["id"].iloc[0])
        with self._write() as cur:
            cur.execute(self._q(f"SELECT 1 FROM {layer} WHERE id = %s"), (feature_id,))
            if cur.fetchone():
                raise Conflict(_("a feature with id %(feature_id)s already exists in %(layer)s",
                                 feature_id=f"{feature_id!r}", layer=layer), field="id")
            self._insert_rows(cur, spec, frame, version=1)
            self._audit(cur, layer, feature_id, "create", actor, reason, None, feature_dict(frame.iloc[0]))
            self._after_layer_change(cur, layer, frame.total_bounds)
            self._bump(cur)
        return 1

    def replace(self, layer: str, feature_id: str, frame: gpd.GeoDataFrame, *, expected_version: int, actor: str,
                reason: str, action: str = "replace") -> int:
        """Replace a feature if it is still at ``expected_version`` (else 412); returns the new version."""
        spec = REGISTRY[layer]
        with self._write() as cur:
            before, version = self._current(cur, spec, feature_id, expected_version)
            cur.execute(self._q(f"DELETE FROM {layer} WHERE id = %s"), (feature_id,))
            self._insert_rows(cur, spec, frame, version=version + 1)
            self._audit(cur, layer, feature_id, action, actor, reason, before, feature_dict(frame.iloc[0]))
            self._after_layer_change(cur, layer, frame.total_bounds)
            self._bump(cur)
        return version + 1

    def delete(self, layer: str, feature_id: str, *, expected_version: int, actor: str, reason: str) -> None:
        spec = REGISTRY[layer]
        with self._write() as cur:
            before, _ = self._current(cur, spec, feature_id, expected_version)
            cur.execute(self._q(f"DELETE FROM {layer} WHERE id = %s"), (feature_id,))
            self._audit(cur, layer, feature_id, "delete", actor, reason, before, None)
            self._bump(cur)

    def replace_layer(self, layer: str, frame: gpd.GeoDataFrame, *, actor: str, reason: str) -> None:
        """Swap a whole layer (an import) in one transaction, keeping the old one as a snapshot."""
        spec = REGISTRY[layer]
        frame = validate_layer(frame, spec, source=f"{layer} (import)")
        with self._write() as cur:
            old = self._read_layer(cur, spec)
            cur.execute(f"DELETE FROM {layer}")
            self._insert_rows(cur, spec, frame, version=1)
            seq = self._audit(cur, layer, "*", "import", actor, reason, None, None)
            cur.execute(self._q("INSERT INTO layer_snapshots (seq, layer, data) VALUES (%s, %s, %s)"),
                        (seq, layer, old.to_json(na="null")))
            self._after_layer_change(cur, layer, frame.total_bounds)
            self._bump(cur)

    def _current(self, cur, spec: LayerSpec, feature_id: str, expected: int) -> tuple[dict, int]:
        frame, versions = self._rows(cur, spec, feature_id)
        if not versions:
            raise NotFound(_("no feature %(feature_id)s in %(name)s",
                             feature_id=f"{feature_id!r}", name=spec.name), field="featureId")
        if versions[0] != expected:
            raise PreconditionFailed(
                _("%(name)s/%(feature_id)s changed since you read it (now version %(versions)s, If-Match named "
                  "%(expected)s); read it again and re-apply your change", name=spec.name, feature_id=feature_id,
                  versions=versions[0], expected=expected), field="If-Match")
        return feature_dict(frame.iloc[0]), versions[0]

    def _insert_rows(self, cur, spec: LayerSpec, frame: gpd.GeoDataFrame, *, version: int) -> None:
        columns = self._columns(spec)
        extra_cols = [c for c in frame.columns if c not in columns and c != "geometry"]
        quoted = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join([self.param] * (len(columns) + 2))
        sql = f"INSERT INTO {spec.name} ({quoted}, extra, version, geom) VALUES ({marks}, {self._geom_in()})"
        rows = []
        values = frame[columns].astype(object).where(frame[columns].notna(), None).to_numpy()
        extras = frame[extra_cols].astype(object).where(frame[extra_cols].notna(), None) if extra_cols else None
        geoms = np.asarray(frame.geometry.values)
        for i in range(len(frame)):
            extra = json.dumps({k: plain(v) for k, v in extras.iloc[i].items() if v is not None}) \
                if extras is not None else None
            rows.append((*[plain(v) for v in values[i]], extra, version, self._encode(geoms[i])))
        cur.executemany(sql, rows)

    def _audit(self, cur, layer, feature_id, action, actor, reason, before, after) -> int:
        cur.execute(self._q("INSERT INTO audit_log (layer, feature_id, action, actor, at, reason, before, after) "
                            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING seq"),
                    (layer, feature_id, action, actor, now(), reason,
                     json.dumps(before) if before else None, json.dumps(after) if after else None))
        return int(cur.fetchone()[0])

    def _bump(self, cur) -> None:
        """Raise the data version in the same transaction (atomic: pollers never miss a change)."""
        cur.execute(self._q("UPDATE store_meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
                            "WHERE key = %s"), ("data_version",))

    # -- tokens ---------------------------------------------------------------------------------
    def create_token(self, name: str, role: str) -> str:
        """A new random token (shown once; only its hash is stored)."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        token = "ha_" + secrets.token_urlsafe(32)
        with self._write() as cur:
            cur.execute(self._q("SELECT 1 FROM tokens WHERE name = %s AND revoked_at IS NULL"), (name,))
            if cur.fetchone():
                raise Conflict(_("a live token named %(name)s exists; revoke it first", name=f"{name!r}"), field="name")
            cur.execute(self._q("INSERT INTO tokens (name, role, token_hash, created_at) VALUES (%s, %s, %s, %s)"),
                        (name, role, token_hash(token), now()))
        return token

    def revoke_token(self, name: str) -> bool:
        with self._write() as cur:
            cur.execute(self._q("UPDATE tokens SET revoked_at = %s WHERE name = %s AND revoked_at IS NULL"),
                        (now(), name))
            return cur.rowcount > 0

    def list_tokens(self) -> list[dict]:
        with self._connect() as cur:
            cur.execute("SELECT name, role, created_at, revoked_at FROM tokens ORDER BY created_at")
            return [{"name": r[0], "role": r[1], "created_at": r[2], "revoked_at": r[3]} for r in cur.fetchall()]

    def principal(self, token: str) -> tuple[str, str] | None:
        """(name, role) of a live token, or None."""
        with self._connect() as cur:
            cur.execute(self._q("SELECT name, role FROM tokens WHERE token_hash = %s AND revoked_at IS NULL"),
                        (token_hash(token),))
            row = cur.fetchone()
        return (row[0], row[1]) if row else None


def _seed_layer(path: Path, name: str) -> gpd.GeoDataFrame:
    """A shipped layer file, read and validated once per process and version of the file."""
    stamp = path.stat() if path.exists() else None
    return _read_seed(path, name, stamp.st_mtime_ns if stamp else 0, stamp.st_size if stamp else 0).copy()


@functools.lru_cache(maxsize=32)
def _read_seed(path: Path, name: str, _mtime: int, _size: int) -> gpd.GeoDataFrame:
    return read_layer(path, REGISTRY[name])


def feature_dict(row: pd.Series) -> dict:
    """A stored row as a GeoJSON Feature (for the audit log and single-feature reads)."""
    properties = {k: plain(v) for k, v in row.items() if k != "geometry"}
    return {"type": "Feature", "id": properties["id"], "properties": properties,
            "geometry": shapely.geometry.mapping(row.geometry)}




def frame_from_feature(feature: dict, spec: LayerSpec, *, source: str) -> gpd.GeoDataFrame:
    """One GeoJSON Feature as a validated single-row layer frame (``DataValidationError`` if not)."""
    properties = dict(feature.get("properties") or {})
    frame = gpd.GeoDataFrame([properties], geometry=[shapely.geometry.shape(feature["geometry"])],
                             crs="EPSG:4326")
    missing = [c for c in spec.columns if c not in frame.columns]
    for column in missing:
        if column in spec.optional_columns:
            frame[column] = None
    return validate_layer(frame, spec, source=source)
