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
from ..i18n.translate import _, integer
from ..layers import VEHICLES

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

#: The largest vehicle class (``layers.VEHICLES``) a way admits, by tag: every rule that matches limits
#: the way, and the smallest class wins (``max_vehicle``); no match is no known limit.  Paths and
#: footways are in the table for completeness; the import keeps only ways a motor vehicle may use.
#: ``highway=track`` limits a way only when it has no ``tracktype`` (the grade then decides).
VEHICLE_BY_TAG: dict[str, dict[str, str]] = {
    "highway": {"footway": "foot", "pedestrian": "foot", "steps": "foot", "bridleway": "foot", "path": "foot",
                "track": "4x4"},
    "tracktype": {"grade1": "truck_20ft", "grade2": "light_truck", "grade3": "4x4", "grade4": "4x4",
                  "grade5": "moto"},
    "smoothness": {"bad": "light_truck", "very_bad": "4x4", "horrible": "4x4", "very_horrible": "moto"},
    "surface": {"dirt": "light_truck", "earth": "light_truck", "ground": "light_truck", "grass": "4x4",
                "mud": "4x4", "sand": "4x4", "rock": "4x4", "stepping_stones": "foot"},
    "4wd_only": {"yes": "4x4", "recommended": "4x4"},
    "hgv": {"no": "4x4"},
    "motor_vehicle": {"no": "foot", "private": "foot"},
    "access": {"no": "foot", "private": "foot"},
}
#: Ways that motor vehicles may not use but motorcycles may (``motor_vehicle=no`` + ``motorcycle=yes``).
MOTORCYCLE_YES = {"yes", "designated", "permissive"}
#: The heaviest gross weight (tonnes) and widest body (metres) of each class, for ``maxweight`` and
#: ``maxwidth``: a way takes the largest class within its limit.
VEHICLE_WEIGHT_T = {"moto": 0.4, "4x4": 3.5, "light_truck": 7.5, "truck_20ft": 26.0, "heavy_truck": 44.0}
VEHICLE_WIDTH_M = {"moto": 1.0, "4x4": 2.0, "light_truck": 2.3, "truck_20ft": 2.5, "heavy_truck": 2.55}
#: ``seasonal=*`` values that mean a road is there only in the dry season (rain closes it).
DRY_SEASON_ONLY = {"yes", "dry_season", "winter"}


def read_osm_roads(path: Path, *, progress: Callable[[str], None] | None = None) -> tuple[gpd.GeoDataFrame, dict]:
    """Drivable road segments of an OSM file in the roads layer's schema, and counts of what was read.

    Raises ``DataValidationError`` when the file cannot be read or holds no drivable road.
    """
    osmium = require("osmium")
    path = Path(path)
    as_of = _file_date(path)
    ways, usage, counts, newest = _drivable_ways(path, osmium, progress)
    if not ways:
        raise DataValidationError([_("%(file)s: holds no drivable road (highway=* ways with node locations)",
                                     file=path.name)])
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
        raise DataValidationError([_("%(file)s: none of its %(count)s road segments lies in Haiti (%(extent)s)",
                                     file=path.name, count=integer(len(inside)), extent=extent.describe())])
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
                progress(_("read %(objects)s objects, kept %(ways)s drivable ways", objects=integer(counts["objects"]),
                           ways=integer(len(ways))))
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
        raise DataValidationError([_("%(file)s: cannot be read as an OSM file (%(error)s)", file=path.name,
                                     error=exc)]) from None
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
                                              "oneway", "speed_kmh", "max_vehicle", "season")}
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
        max_vehicle, season = vehicle_limit(tags), road_season(tags)
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
            rows["max_vehicle"].append(max_vehicle)
            rows["season"].append(season)
    lengths = np.fromiter((len(g) for g in geoms), dtype=np.int64, count=len(geoms))
    lines = shapely.linestrings(np.concatenate(geoms), indices=np.repeat(np.arange(len(geoms)), lengths))
    frame = gpd.GeoDataFrame(
        {**rows, "as_of": as_of, "source": source, "confidence": "medium", "geometry_precision": "osm",
         "terrain": None}, geometry=lines, crs="EPSG:4326"
    )
    columns = ["id", "name", "status", "as_of", "source", "confidence", "notes", "ref", "road_class", "oneway",
               "geometry_precision", "terrain", "max_vehicle", "season", "highway", "speed_kmh", "geometry"]
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


def vehicle_limit(tags: dict) -> str | None:
    """The largest vehicle class a way admits (None: no tag limits it).

    Every rule of ``VEHICLE_BY_TAG`` that matches, ``maxweight`` and ``maxwidth`` limit it; the smallest wins.
    """
    # a track's own grade says more than "track": the default 4x4 applies only to tracks without one
    skip = {"highway"} if tags.get("highway") == "track" and tags.get("tracktype") else set()
    limits = [table[tags[key]] for key, table in VEHICLE_BY_TAG.items() if key not in skip and tags.get(key) in table]
    if "moto" not in limits and "foot" in limits and tags.get("motorcycle") in MOTORCYCLE_YES:
        limits = ["moto" if v == "foot" else v for v in limits]
    for value, table in ((parse_quantity(tags.get("maxweight"), WEIGHT_UNITS), VEHICLE_WEIGHT_T),
                         (parse_quantity(tags.get("maxwidth"), WIDTH_UNITS), VEHICLE_WIDTH_M)):
        if value is not None:
            fitting = [v for v, size in table.items() if size <= value]
            limits.append(fitting[-1] if fitting else "foot")
    return min(limits, key=VEHICLES.index) if limits else None


def road_season(tags: dict) -> str | None:
    """``dry_season_only`` when OSM says the way is seasonal (``seasonal=yes``/``dry_season``); else None."""
    return "dry_season_only" if tags.get("seasonal") in DRY_SEASON_ONLY else None


#: Units of ``maxweight`` (tonnes by default) and ``maxwidth`` (metres by default), as factors.
WEIGHT_UNITS = {"": 1.0, "t": 1.0, "kg": 0.001, "lbs": 0.000453592, "st": 0.907185}
WIDTH_UNITS = {"": 1.0, "m": 1.0, "cm": 0.01, "ft": 0.3048}


def parse_quantity(value: str | None, units: dict[str, float]) -> float | None:
    """A number with an optional unit ("7.5", "7.5 t", "3500 kg", "2.3 m", 7'6" in feet and inches)."""
    if not value:
        return None
    feet = re.fullmatch(r"\s*(\d+)'\s*(?:(\d+)\")?\s*", value)
    if feet and "ft" in units:
        return round((int(feet.group(1)) * 12 + int(feet.group(2) or 0)) * 0.0254, 3)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", value.lower())
    if not match or match.group(2) not in units:
        return None
    return float(match.group(1)) * units[match.group(2)]


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
