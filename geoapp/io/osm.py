"""Reads drivable roads from an OpenStreetMap extract (.osm.pbf or .osm XML) into the roads schema.

pyosmium is used because it streams both PBF and XML with node locations in one pass, in compiled
code, with no database: a country extract is read in seconds to minutes with bounded memory.
Ways are split into segments at junctions (nodes shared by two drivable ways), so each segment can
carry its own status and the segments join exactly where the roads do.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from .. import extent
from ..errors import DataValidationError
from ..extras import require

#: OSM ``highway`` values a truck or 4x4 can drive, and the road class each maps to.
ROAD_CLASS = {
    "motorway": "primary", "motorway_link": "primary", "trunk": "primary", "trunk_link": "primary",
    "primary": "primary", "primary_link": "primary",
    "secondary": "secondary", "secondary_link": "secondary", "tertiary": "secondary", "tertiary_link": "secondary",
    "unclassified": "urban", "residential": "urban", "living_street": "urban", "service": "urban", "road": "urban",
    "track": "track",
}
EXCLUDED_SERVICE = {"parking_aisle", "driveway", "drive-through", "emergency_access"}
NO_ACCESS = {"no", "private"}
MOTOR_ACCESS = {"yes", "designated", "permissive", "destination"}
ONEWAY_TRUE = {"yes", "true", "1"}
ONEWAY_REVERSE = {"-1", "reverse"}
PROGRESS_EVERY = 200_000


def read_osm_roads(path: Path, *, progress: Callable[[str], None] | None = None) -> tuple[gpd.GeoDataFrame, dict]:
    """Drivable road segments of an OSM file in the roads layer's schema, and counts of what was read.

    Raises ``DataValidationError`` when the file cannot be read or holds no drivable road.
    """
    osmium = require("osmium")
    path = Path(path)
    as_of = _file_date(path)
    ways, usage, counts, newest = _drivable_ways(path, osmium, progress)
    if not ways:
        raise DataValidationError([f"{path.name}: holds no drivable road (highway=* ways with node locations)"])
    if newest is not None and as_of is None:
        as_of = newest.date().isoformat()
    as_of = as_of or dt.date.fromtimestamp(path.stat().st_mtime).isoformat()
    counts["drivable_ways"] = len(ways)
    roads = _segments(ways, usage, as_of=as_of, source=f"OpenStreetMap contributors (ODbL), {path.name}, {as_of}")
    # extracts of "Haiti and the Dominican Republic" (the usual download) reach far beyond Haiti:
    # segments not wholly on Haiti's land or waters are left out, and counted
    inside = extent.geometries_inside(np.asarray(roads.geometry.values))
    counts["outside_haiti_segments"] = int((~inside).sum())
    roads = roads[inside].reset_index(drop=True)
    if not len(roads):
        raise DataValidationError([f"{path.name}: none of its {len(inside):,} road segments lies in Haiti "
                                   f"({extent.describe()})"])
    counts["segments"] = len(roads)
    counts["closed_segments"] = int((roads["status"] == "closed").sum())
    return roads, dict(counts)


def _drivable_ways(path: Path, osmium, progress: Callable[[str], None] | None):
    """Every drivable way with its node ids and positions (one streaming pass), node use counts, counts, newest edit."""
    ways: list[tuple[int, np.ndarray, np.ndarray, dict]] = []
    usage: Counter[int] = Counter()
    counts: Counter[str] = Counter()
    newest = None
    try:
        processor = osmium.FileProcessor(str(path)).with_locations().with_filter(osmium.filter.KeyFilter("highway"))
        for obj in processor:
            counts["objects"] += 1
            if progress and counts["objects"] % PROGRESS_EVERY == 0:
                progress(f"read {counts['objects']:,} objects, kept {len(ways):,} drivable ways")
            if not obj.is_way():
                continue
            counts["highway_ways"] += 1
            way = _way(obj, counts)
            if way is None:
                continue
            ways.append(way)
            usage.update(set(way[1].tolist()))
            if obj.timestamp and (newest is None or obj.timestamp > newest):
                newest = obj.timestamp
    except RuntimeError as exc:
        raise DataValidationError([f"{path.name}: cannot be read as an OSM file ({exc})"]) from None
    return ways, usage, counts, newest


def _way(obj, counts: Counter) -> tuple[int, np.ndarray, np.ndarray, dict] | None:
    """A drivable way as (id, node ids, positions, tags) in travel order, or None (counted when unusable)."""
    tags = dict(obj.tags)
    if not _drivable(tags):
        return None
    refs = np.fromiter((n.ref for n in obj.nodes), dtype=np.int64)
    if len(refs) < 2 or not all(n.location.valid() for n in obj.nodes):
        counts["ways_without_locations"] += 1
        return None
    coords = np.array([(n.lon, n.lat) for n in obj.nodes], dtype=float)
    if tags.get("oneway") in ONEWAY_REVERSE:
        refs, coords = refs[::-1], coords[::-1]
    return obj.id, refs, coords, tags


def _drivable(tags: dict) -> bool:
    highway = tags.get("highway")
    if highway not in ROAD_CLASS or tags.get("area") == "yes":
        return False
    if highway == "service" and tags.get("service") in EXCLUDED_SERVICE:
        return False
    motor = tags.get("motor_vehicle", tags.get("motorcar"))
    if tags.get("access") in NO_ACCESS and motor not in MOTOR_ACCESS:
        return False
    return motor not in NO_ACCESS


def _segments(ways, usage: Counter, *, as_of: str, source: str) -> gpd.GeoDataFrame:
    """Split each way at its junction nodes (used by another drivable way, or twice by itself)."""
    rows: dict[str, list] = {k: [] for k in ("id", "name", "status", "notes", "ref", "road_class", "highway",
                                              "oneway", "speed_kmh")}
    geoms = []
    for way_id, refs, coords, tags in ways:
        repeated = Counter(refs.tolist())
        cut = [i for i in range(1, len(refs) - 1) if usage[refs[i]] > 1 or repeated[refs[i]] > 1]
        bounds = [0, *cut, len(refs) - 1]
        status, notes = _status(tags)
        highway = tags["highway"]
        oneway = (
            tags.get("oneway") in ONEWAY_TRUE | ONEWAY_REVERSE
            or (tags.get("oneway") != "no" and (highway in ("motorway", "motorway_link")
                                                or tags.get("junction") == "roundabout"))
        )
        name = tags.get("name") or tags.get("ref") or f"{highway.replace('_', ' ')} (unnamed)"
        for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
            geoms.append(coords[a:b + 1])
            rows["id"].append(f"osm-w{way_id}-{k}")
            rows["name"].append(name)
            rows["status"].append(status)
            rows["notes"].append(notes)
            rows["ref"].append(tags.get("ref"))
            rows["road_class"].append(ROAD_CLASS[highway])
            rows["highway"].append(highway)
            rows["oneway"].append(bool(oneway))
            rows["speed_kmh"].append(parse_maxspeed(tags.get("maxspeed")))
    lengths = np.fromiter((len(g) for g in geoms), dtype=np.int64, count=len(geoms))
    lines = shapely.linestrings(np.concatenate(geoms), indices=np.repeat(np.arange(len(geoms)), lengths))
    frame = gpd.GeoDataFrame(
        {**rows, "as_of": as_of, "source": source, "confidence": "medium", "geometry_precision": "osm",
         "terrain": None}, geometry=lines, crs="EPSG:4326"
    )
    columns = ["id", "name", "status", "as_of", "source", "confidence", "notes", "ref", "road_class", "oneway",
               "geometry_precision", "terrain", "highway", "speed_kmh", "geometry"]
    return frame[columns]


def _status(tags: dict) -> tuple[str, str]:
    """``closed`` where OSM itself marks the road impassable or disused; ``open`` otherwise.

    Those tags describe the road itself, not armed groups: no mode may route over it (``blocked`` is
    kept for roads held by armed groups, which OSM does not record).
    """
    if tags.get("impassable") == "yes" or tags.get("smoothness") == "impassable":
        return "closed", "OSM marks this road impassable"
    if tags.get("disused") == "yes" or tags.get("highway:disused"):
        return "closed", "OSM marks this road disused"
    return "open", ""


def parse_maxspeed(value: str | None) -> float | None:
    """km/h from an OSM ``maxspeed`` ("50", "50 km/h", "30 mph"); None when it is not a number."""
    if not value:
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)?\s*", value)
    if not match:
        return None
    speed = float(match.group(1))
    return round(speed * 1.609344, 1) if match.group(2) == "mph" else speed


def _file_date(path: Path) -> str | None:
    """The extract's replication timestamp from its header, when it has one."""
    osmium = require("osmium")
    try:
        reader = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
        try:
            stamp = reader.header().get("osmosis_replication_timestamp")
        finally:
            reader.close()
    except RuntimeError:
        return None
    return stamp[:10] if stamp else None
