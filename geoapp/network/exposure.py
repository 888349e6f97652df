"""Per-edge exposure to gang zones and road status, computed in bulk when the data changes."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely

ZONE_STATUSES = ("controlled", "contested", "influence")


@dataclasses.dataclass(frozen=True)
class EdgeExposure:
    """Exposure figures for every edge of a road graph.

    ``inside`` is a sparse (edges x zones) matrix of metres of each edge inside each zone;
    ``inside_by_status`` maps a zone status to metres per edge inside the union of such zones
    (overlaps counted once); ``near_controlled_m`` is metres within the near buffer of a controlled
    zone but outside it; ``closest_controlled_m``/``closest_controlled_zone`` give each edge's
    distance to, and index of, the nearest controlled zone (inf / -1 when there is none).
    """

    zones: gpd.GeoDataFrame  # metric CRS, positional index matches ``inside`` columns
    inside: sp.csr_matrix
    inside_by_status: dict[str, np.ndarray]
    near_controlled_m: np.ndarray
    closest_controlled_m: np.ndarray
    closest_controlled_zone: np.ndarray


def compute_exposure(
    edges: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, *, near_buffer_m: float
) -> EdgeExposure:
    """Intersect every edge with every zone through one STRtree bulk query (no per-feature loop)."""
    zones = zones.to_crs(edges.crs).reset_index(drop=True)
    edge_geoms = edges.geometry.values
    zone_geoms = zones.geometry.values
    n_edges, n_zones = len(edges), len(zones)

    tree = shapely.STRtree(zone_geoms)
    e_idx, z_idx = tree.query(edge_geoms, predicate="intersects")
    metres = shapely.length(shapely.intersection(edge_geoms[e_idx], zone_geoms[z_idx]))
    keep = metres > 0
    inside = sp.csr_matrix((metres[keep], (e_idx[keep], z_idx[keep])), shape=(n_edges, n_zones))

    status = zones["status"].to_numpy(dtype=object)
    by_status = {}
    for name in ZONE_STATUSES:
        by_status[name] = _metres_inside(edge_geoms, zone_geoms[status == name])

    controlled = zone_geoms[status == "controlled"]
    closest = np.full(n_edges, np.inf)
    closest_zone = np.full(n_edges, -1, dtype=np.int64)
    near = np.zeros(n_edges)
    if len(controlled):
        controlled_index = np.flatnonzero(status == "controlled")
        (e_near, z_near), dist = shapely.STRtree(controlled).query_nearest(
            edge_geoms, return_distance=True, all_matches=False
        )
        closest[e_near] = dist
        closest_zone[e_near] = controlled_index[z_near]
        halo = shapely.buffer(controlled, near_buffer_m)
        near = np.maximum(_metres_inside(edge_geoms, halo) - by_status["controlled"], 0.0)
    return EdgeExposure(
        zones=zones,
        inside=inside,
        inside_by_status=by_status,
        near_controlled_m=near,
        closest_controlled_m=closest,
        closest_controlled_zone=closest_zone,
    )


def _metres_inside(lines: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Metres of each line inside the union of ``polygons`` (overlaps counted once)."""
    out = np.zeros(len(lines))
    if len(polygons) == 0:
        return out
    union = shapely.union_all(polygons)
    shapely.prepare(union)
    hit = np.flatnonzero(shapely.intersects(lines, union))
    out[hit] = shapely.length(shapely.intersection(lines[hit], union))
    return out
