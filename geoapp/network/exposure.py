"""Per-edge exposure to gang zones and recent incidents, computed in bulk when the data changes.

Only edges near a zone or an incident are touched: the candidates come from one STRtree bulk query,
so the cost grows with the zones' footprint and the number of incidents, not the network's size.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import geopandas as gpd
import numba
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from ..io.geojson import cell_text
from ..safety import MIN_INCIDENT_WEIGHT, REPORTED_SHARE, RiskWeights, incident_weights

ZONE_STATUSES = ("controlled", "contested", "influence")


@dataclasses.dataclass(frozen=True)
class EdgeExposure:
    """Exposure figures for every edge of a road graph.

    ``inside`` is a sparse (edges x zones) matrix of metres of each edge inside each zone;
    ``inside_by_status`` maps a zone status to metres per edge inside the union of such zones
    (overlaps counted once); ``near_controlled_m`` is metres within the near buffer of a controlled
    zone but outside it; ``closest_controlled_m`` each edge's distance to the nearest controlled zone
    and ``closest_controlled_zone`` that zone's row, for edges within ``CLOSEST_REACH_M`` of one
    (elsewhere infinity and -1), so that a route's closest approach is read, not measured, per lookup.
    """

    zones: gpd.GeoDataFrame  # metric CRS, positional index matches ``inside`` columns
    inside: sp.csr_matrix
    inside_by_status: dict[str, np.ndarray]
    near_controlled_m: np.ndarray
    closest_controlled_m: np.ndarray
    closest_controlled_zone: np.ndarray


#: How far from a controlled zone an edge's distance to it is kept (a route farther away is measured).
CLOSEST_REACH_M = 2000.0


def compute_exposure(
    edge_geoms: np.ndarray, edge_tree: shapely.STRtree, zones: gpd.GeoDataFrame, *, crs, near_buffer_m: float
) -> EdgeExposure:
    """Intersect edges with zones: candidates by bulk STRtree query, lengths by vectorised intersection."""
    zones = zones.to_crs(crs).reset_index(drop=True)
    zone_geoms = np.asarray(zones.geometry.values)
    n_edges, n_zones = len(edge_geoms), len(zones)
    z_idx, e_idx = edge_tree.query(zone_geoms, predicate="intersects")
    shapely.prepare(zone_geoms)
    metres = _lengths_inside(edge_geoms[e_idx], zone_geoms[z_idx])
    keep = metres > 0
    inside = sp.csr_matrix((metres[keep], (e_idx[keep], z_idx[keep])), shape=(n_edges, n_zones))

    status = zones["status"].to_numpy(dtype=object)
    by_status = {
        name: _metres_inside(edge_geoms, np.unique(e_idx[status[z_idx] == name]), zone_geoms[status == name])
        for name in ZONE_STATUSES
    }
    near = np.zeros(n_edges)
    controlled_rows = np.flatnonzero(status == "controlled")
    controlled = zone_geoms[controlled_rows]
    if len(controlled):
        halo = shapely.buffer(controlled, near_buffer_m, quad_segs=4)
        candidates = np.unique(edge_tree.query(halo, predicate="intersects")[1])
        near = np.maximum(_metres_inside(edge_geoms, candidates, halo) - by_status["controlled"], 0.0)
    closest, closest_zone = _closest_controlled(edge_geoms, edge_tree, controlled, controlled_rows)
    return EdgeExposure(zones=zones, inside=inside, inside_by_status=by_status, near_controlled_m=near,
                        closest_controlled_m=closest, closest_controlled_zone=closest_zone)


def _closest_controlled(edge_geoms: np.ndarray, edge_tree: shapely.STRtree, controlled: np.ndarray,
                        rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each edge's distance to its nearest controlled zone and that zone's row, within ``CLOSEST_REACH_M``."""
    distance = np.full(len(edge_geoms), np.inf)
    zone = np.full(len(edge_geoms), -1, dtype=np.int64)
    if len(controlled):
        z_idx, e_idx = edge_tree.query(controlled, predicate="dwithin", distance=CLOSEST_REACH_M)
        d = shapely.distance(edge_geoms[e_idx], controlled[z_idx])
        order = np.lexsort((z_idx, d, e_idx))  # per edge, nearest first (then the first zone)
        first = order[np.r_[True, e_idx[order][1:] != e_idx[order][:-1]]] if len(order) else order
        distance[e_idx[first]] = d[first]
        zone[e_idx[first]] = rows[z_idx[first]]
    return distance, zone


@dataclasses.dataclass(frozen=True)
class EdgeSegments:
    """Every edge's straight segments as coordinate arrays, for compiled distances (built once per graph)."""

    start: np.ndarray  # (segments, 2)
    end: np.ndarray  # (segments, 2)
    first: np.ndarray  # index of each edge's first segment
    count: np.ndarray  # segments per edge

    @classmethod
    def of(cls, edge_geoms: np.ndarray) -> EdgeSegments:
        coords, edge = shapely.get_coordinates(edge_geoms, return_index=True)
        same = edge[1:] == edge[:-1]  # consecutive vertices of one edge make a segment
        start, end, owner = coords[:-1][same], coords[1:][same], edge[:-1][same]
        count = np.bincount(owner, minlength=len(edge_geoms))
        return cls(start, end, np.concatenate([[0], np.cumsum(count)[:-1]]), count)

    def distance(self, xy: np.ndarray, edges: np.ndarray) -> np.ndarray:
        """Distance from each point ``xy[k]`` to edge ``edges[k]`` (nearest of its segments)."""
        return _point_edge_distances(np.ascontiguousarray(xy, dtype=np.float64), np.asarray(edges, dtype=np.int64),
                                     self.start, self.end, self.first, self.count)


@numba.njit(cache=True, nogil=True)
def _point_edge_distances(xy, edges, start, end, first, count):  # pragma: no cover - compiled
    out = np.empty(len(edges))
    for k in range(len(edges)):
        e = edges[k]
        px, py = xy[k, 0], xy[k, 1]
        best = np.inf
        for s in range(first[e], first[e] + count[e]):
            ax, ay = start[s, 0], start[s, 1]
            dx, dy = end[s, 0] - ax, end[s, 1] - ay
            length2 = dx * dx + dy * dy
            t = 0.0 if length2 == 0 else min(1.0, max(0.0, ((px - ax) * dx + (py - ay) * dy) / length2))
            gx, gy = px - (ax + t * dx), py - (ay + t * dy)
            best = min(best, gx * gx + gy * gy)
        out[k] = np.sqrt(best)
    return out


@dataclasses.dataclass(frozen=True)
class IncidentExposure:
    """How recent incidents weigh on every edge on one day.

    ``incidents`` are the ones that still count that day (metric CRS; positional index matches the
    columns of ``contribution``), ``weight`` what each weighs, ``contribution`` (edges x incidents)
    the weight reaching each edge after the distance falloff, ``risk`` its sum per edge, and
    ``facts`` what an answer says of each incident (read from the frame once, not per route).
    """

    today: dt.date
    incidents: gpd.GeoDataFrame
    weight: np.ndarray
    contribution: sp.csr_matrix
    risk: np.ndarray
    facts: list[dict] = dataclasses.field(default_factory=list)

    def peak(self, edges: np.ndarray) -> np.ndarray:
        """Each incident's heaviest weight on any of ``edges`` (0 where it reaches none)."""
        rows = self.contribution[edges]
        out = np.zeros(self.contribution.shape[1])
        np.maximum.at(out, rows.indices, rows.data)
        return out


def compute_incident_exposure(
    edge_geoms: np.ndarray, edge_tree: shapely.STRtree, incidents: gpd.GeoDataFrame | None, *, crs,
    weights: RiskWeights, today: dt.date, segments: EdgeSegments,
) -> IncidentExposure:
    """Spread each incident's weight on ``today`` over the edges within its reach, falling linearly to 0.

    The reach grows with ``geo_precision`` (a place known only to the commune counts over a wider
    area, at a lower weight per edge).  One bulk envelope query finds the candidate edges; their
    distances are computed by a compiled kernel over the edges' segments (built once per graph).
    """
    n_edges = len(edge_geoms)
    if incidents is None or not len(incidents):
        empty = gpd.GeoDataFrame(geometry=[], crs=crs)
        return IncidentExposure(today, empty, np.zeros(0), sp.csr_matrix((n_edges, 0)), np.zeros(n_edges))
    weight = incident_weights(incidents["event_type"].to_numpy(), incidents["fatalities"].to_numpy(),
                              incidents["event_date"].to_numpy(dtype=str), today, weights.incident_half_life_days)
    weight = np.where(incidents["status"].to_numpy() == "reported", REPORTED_SHARE * weight, weight)
    counted = weight >= MIN_INCIDENT_WEIGHT
    incidents = incidents[counted].to_crs(crs).reset_index(drop=True)
    weight = weight[counted]
    points = np.asarray(incidents.geometry.values)
    reach = incident_reach(incidents, weights)
    xy = shapely.get_coordinates(points).reshape(-1, 2)
    boxes = shapely.box(xy[:, 0] - reach, xy[:, 1] - reach, xy[:, 0] + reach, xy[:, 1] + reach)
    p_idx, e_idx = edge_tree.query(boxes) if len(points) else np.zeros((2, 0), dtype=np.int64)
    falloff = 1.0 - segments.distance(xy[p_idx], e_idx) / reach[p_idx]
    near = falloff > 0
    p_idx, e_idx = p_idx[near], e_idx[near]
    contribution = sp.csr_matrix((weight[p_idx] * falloff[near], (e_idx, p_idx)), shape=(n_edges, len(points)))
    risk = np.asarray(contribution.sum(axis=1)).ravel()
    facts = [{**row, "name": name} for row, name in zip(incident_table(incidents), incidents["name"].tolist(),
                                                         strict=True)]
    return IncidentExposure(today, incidents, weight, contribution, risk, facts)


def incident_facts(frame: gpd.GeoDataFrame, i: int | np.integer) -> dict:
    """What an answer says of incident ``i`` of ``frame``: id, date, type, place, actor and deaths."""
    return incident_table(frame.iloc[[int(i)]])[0]


def incident_table(frame: gpd.GeoDataFrame) -> list[dict]:
    """:func:`incident_facts` for every incident of ``frame``, reading each column once."""
    columns = ("id", "event_date", "event_type", "location", "actor", "fatalities")
    return [{"id": i, "event_date": str(d), "event_type": t, "location": cell_text(loc), "actor": cell_text(a),
             "fatalities": int(f)}
            for i, d, t, loc, a, f in zip(*(frame[c].tolist() for c in columns), strict=True)]


def incident_reach(incidents: gpd.GeoDataFrame, weights: RiskWeights) -> np.ndarray:
    """How far each incident's weight reaches, by its ``geo_precision`` (unknown: 2, near the place)."""
    precision = np.clip(pd.to_numeric(incidents["geo_precision"], errors="coerce").fillna(2).to_numpy(int), 1, 3)
    return np.asarray(weights.incident_radius_m, dtype=float)[precision - 1]


def _metres_inside(lines: np.ndarray, candidates: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Metres of each line inside the union of ``polygons`` (overlaps counted once); 0 off ``candidates``."""
    out = np.zeros(len(lines))
    if len(polygons) == 0 or len(candidates) == 0:
        return out
    union = shapely.union_all(polygons)
    shapely.prepare(union)
    out[candidates] = _lengths_inside(lines[candidates], union)
    return out


def _lengths_inside(lines: np.ndarray, polygons) -> np.ndarray:
    """Length of each line inside its polygon: whole when within (a cheap prepared test), else cut."""
    length = shapely.length(lines)
    within = shapely.within(lines, polygons)
    cross = np.flatnonzero(~within)
    out = np.where(within, length, 0.0)
    if len(cross):
        other = polygons if isinstance(polygons, shapely.Geometry) else polygons[cross]
        out[cross] = shapely.length(shapely.intersection(lines[cross], other))
    return out
