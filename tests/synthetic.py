"""A deterministic synthetic road network with Haiti-like gang zones and incidents, for benchmarks and tests."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import shapely

#: south-west corner and spacing (degrees) of the jittered grid: ~300 m streets over ~150 km
ORIGIN = (-73.95, 18.25)
STEP = 0.0028


def synthetic_roads(side: int = 500, *, seed: int = 42, step: float = STEP) -> gpd.GeoDataFrame:
    """A ``side`` x ``side`` jittered street grid (side**2 nodes), some streets missing or one-way.

    ``step``: the grid's spacing in degrees (a larger grid on a smaller step stays over Haiti).
    """
    rng = np.random.default_rng(seed)
    i, j = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    x = ORIGIN[0] + i * step + rng.uniform(-0.3, 0.3, i.shape) * step
    y = ORIGIN[1] + j * step + rng.uniform(-0.3, 0.3, i.shape) * step
    pts = np.stack([x, y], axis=-1)
    horizontal = np.stack([pts[:-1, :], pts[1:, :]], axis=2).reshape(-1, 2, 2)
    vertical = np.stack([pts[:, :-1], pts[:, 1:]], axis=2).reshape(-1, 2, 2)
    h_row = np.broadcast_to(np.arange(side)[None, :], (side - 1, side)).ravel()
    v_col = np.broadcast_to(np.arange(side)[:, None], (side, side - 1)).ravel()
    segments = np.concatenate([horizontal, vertical])
    major = np.concatenate([h_row % 10 == 0, v_col % 10 == 0])
    keep = major | (rng.random(len(segments)) > 0.08)
    segments, major = segments[keep], major[keep]
    n = len(segments)
    return gpd.GeoDataFrame(
        {
            "id": np.char.add("s", np.arange(n).astype(str)),
            "name": "synthetic street",
            "status": "open",
            "as_of": "2025-03-31",
            "source": "synthetic benchmark network",
            "confidence": "high",
            "notes": "",
            "ref": None,
            "road_class": np.where(major, "primary", "urban"),
            "oneway": (rng.random(n) < 0.05) & ~major,
        },
        geometry=shapely.linestrings(segments),
        crs="EPSG:4326",
    )


def synthetic_network(side: int = 500, *, seed: int = 42,
                      step: float = STEP) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Roads and zones, with road statuses as reported in Haiti: bad roads cluster around the zones.

    Streets within 3 km of a zone are dangerous (25%) or blocked (5%); elsewhere 0.5% are dangerous,
    standing for the few long corridors with attacks far from the capital.
    """
    roads = synthetic_roads(side, seed=seed, step=step)
    zones = synthetic_zones(roads, seed=seed + 1)
    rng = np.random.default_rng(seed + 2)
    metric_roads = roads.to_crs("EPSG:32618").geometry.values
    halo = shapely.union_all(shapely.buffer(np.asarray(zones.to_crs("EPSG:32618").geometry.values), 3000))
    near = shapely.intersects(np.asarray(metric_roads), halo)
    draw = rng.random(len(roads))
    status = np.full(len(roads), "open", dtype=object)
    status[near & (draw < 0.25)] = "dangerous"
    status[near & (draw >= 0.25) & (draw < 0.30)] = "blocked"
    status[~near & (draw < 0.005)] = "dangerous"
    roads["status"] = status
    return roads, zones


def synthetic_zones(roads: gpd.GeoDataFrame, *, count: int = 40, seed: int = 7) -> gpd.GeoDataFrame:
    """Round-ish zones of 0.5-4 km radius, most clustered around a 'capital', a few far away."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = roads.total_bounds
    capital = capital_of(roads)
    near = rng.normal(capital, 0.08, (count * 3 // 4, 2))
    far = rng.uniform([minx, miny], [maxx, maxy], (count - len(near), 2))
    centres = np.concatenate([near, far])
    radius_deg = rng.uniform(0.005, 0.035, count)
    status = rng.choice(["controlled", "contested", "influence"], size=count, p=[0.45, 0.3, 0.25])
    geoms = shapely.buffer(shapely.points(centres), radius_deg, quad_segs=4)
    return synthetic_zones_frame([f"z{k}" for k in range(count)], [f"zone {k}" for k in range(count)], status, geoms)


def synthetic_zones_frame(ids: list[str], names: list[str], status, geoms) -> gpd.GeoDataFrame:
    """A zones layer with every column the data model asks for, as synthetic, high-confidence reports."""
    return gpd.GeoDataFrame(
        {"id": ids, "name": names, "status": status, "as_of": "2025-03-31", "source": "synthetic",
         "confidence": "high", "notes": "", "group": "synthetic group"},
        geometry=geoms,
        crs="EPSG:4326",
    )


def synthetic_incidents(roads: gpd.GeoDataFrame, *, count: int = 2000, days: int = 120, today: dt.date,
                        seed: int = 11) -> gpd.GeoDataFrame:
    """ACLED-like events of the last ``days`` days, most around the 'capital' (a busy year's worth)."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = roads.total_bounds
    capital = capital_of(roads)
    near = rng.normal(capital, 0.1, (count * 4 // 5, 2))
    far = rng.uniform([minx, miny], [maxx, maxy], (count - len(near), 2))
    dates = [(today - dt.timedelta(days=int(d))).isoformat() for d in rng.integers(0, days, count)]
    return gpd.GeoDataFrame(
        {
            "id": [f"ev{k}" for k in range(count)],
            "name": [f"event {k}" for k in range(count)],
            "status": "verified",
            "actor": "synthetic group",
            "location": "synthetic place",
            "event_date": dates,
            "event_type": rng.choice(["Battles", "Violence against civilians", "Riots", "Protests"], count,
                                     p=[0.4, 0.35, 0.15, 0.1]),
            "fatalities": rng.poisson(1.5, count),
            "geo_precision": rng.choice([1, 2, 3], count, p=[0.6, 0.3, 0.1]),
        },
        geometry=shapely.points(np.concatenate([near, far])),
        crs="EPSG:4326",
    )


def synthetic_country_incidents(communes: gpd.GeoDataFrame, *, count: int = 5000, days: int = 90, today: dt.date,
                                seed: int = 13) -> gpd.GeoDataFrame:
    """ACLED-like events of the last ``days`` days spread over the communes, more where more people live.

    Each event sits near a point inside a commune (jittered by up to ~1 km), so every one is placed
    in a department and commune like a real import; all carry the columns an import must have.
    """
    rng = np.random.default_rng(seed)
    weights = communes["population"].fillna(0).to_numpy(dtype=float) + 1.0
    picked = rng.choice(len(communes), size=count, p=weights / weights.sum())
    anchors = shapely.get_coordinates(shapely.point_on_surface(np.asarray(communes.geometry.values)))[picked]
    xy = anchors + rng.uniform(-0.01, 0.01, (count, 2))
    dates = np.array([(today - dt.timedelta(days=int(d))).isoformat() for d in range(days)])[
        rng.integers(0, days, count)]
    return gpd.GeoDataFrame(
        {
            "id": np.char.add("ev", np.arange(count).astype(str)),
            "name": np.char.add("event ", np.arange(count).astype(str)),
            "status": rng.choice(["verified", "reported"], count, p=[0.7, 0.3]),
            "as_of": dates,
            "source": "synthetic benchmark events",
            "confidence": "medium",
            "notes": "A synthetic event standing for an ACLED row, with a note of ordinary length for the page.",
            "event_date": dates,
            "event_type": rng.choice(["Battles", "Violence against civilians", "Riots", "Protests"], count,
                                     p=[0.4, 0.35, 0.15, 0.1]),
            "sub_event_type": "Armed clash",
            "actor": "synthetic group",
            "location": communes["name"].to_numpy()[picked],
            "admin1": communes["adm1_name"].to_numpy()[picked],
            "admin2": communes["name"].to_numpy()[picked],
            "admin3": None,
            "fatalities": rng.poisson(1.5, count),
            "geo_precision": rng.choice([1, 2, 3], count, p=[0.6, 0.3, 0.1]),
        },
        geometry=shapely.points(xy),
        crs="EPSG:4326",
    )


def synthetic_roads_count(count: int = 20_000, *, seed: int = 42) -> gpd.GeoDataFrame:
    """Exactly ``count`` segments of the smallest synthetic grid that has as many."""
    side = 2
    while 1.8 * side * (side - 1) < count:  # ~90% of a grid's 2 side (side - 1) segments are kept
        side += 1
    roads = synthetic_roads(side, seed=seed)
    while len(roads) < count:
        side += 1
        roads = synthetic_roads(side, seed=seed)
    return roads.iloc[:count].reset_index(drop=True)


def capital_of(roads: gpd.GeoDataFrame) -> np.ndarray:
    """The 'capital' (lon, lat) the synthetic zones and incidents cluster around."""
    minx, miny, maxx, maxy = roads.total_bounds
    return np.array([minx + 0.7 * (maxx - minx), miny + 0.4 * (maxy - miny)])


def neighbourhood_zones(roads: gpd.GeoDataFrame, *, count: int = 100, seed: int = 17, min_vertices: int = 16,
                        max_vertices: int = 64, across_km: tuple[float, float] = (0.5, 3.0)) -> gpd.GeoDataFrame:
    """``count`` controlled zones shaped and sized like Port-au-Prince neighbourhoods, for peer benchmarks.

    Each is an irregular star-shaped ring of ``min_vertices``-``max_vertices`` vertices, ``across_km``
    across (its widest extent), three in four around a 'capital', the rest anywhere on the network.
    The first k zones of a draw are the draw with ``count=k``: 20, 50 and 100 zones nest.
    """
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = roads.total_bounds
    capital = capital_of(roads)
    geoms = []
    for k in range(count):
        if k % 4 == 3:
            centre = rng.uniform([minx, miny], [maxx, maxy])
        else:
            centre = rng.normal(capital, [0.06, 0.04])
        n = int(rng.integers(min_vertices, max_vertices + 1))
        angles = np.sort(rng.uniform(0, 2 * np.pi, n))
        lobes = angles[:, None] * rng.integers(2, 6, 2) + rng.uniform(0, 2 * np.pi, 2)  # two smooth bulges
        wobble = 1 + 0.3 * np.sin(lobes).sum(axis=1) / 2
        radius = wobble * rng.uniform(0.85, 1.0, n)
        # scale so that the widest extent is the drawn size; degrees from km at the zone's latitude
        ring = np.c_[np.cos(angles) * radius, np.sin(angles) * radius]
        span = np.ptp(ring, axis=0).max()
        size_km = rng.uniform(*across_km)
        km = ring * (size_km / span)
        lon = centre[0] + km[:, 0] / (111.32 * np.cos(np.radians(centre[1])))
        lat = centre[1] + km[:, 1] / 110.57
        geoms.append(shapely.Polygon(np.c_[lon, lat]))
    return synthetic_zones_frame([f"nz{k}" for k in range(count)], [f"neighbourhood {k}" for k in range(count)],
                                 "controlled", geoms)
