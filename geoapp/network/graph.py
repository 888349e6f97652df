"""Builds a routable road graph from a roads layer: nodes at junctions, edges with geometry."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import shapely

#: Coordinates closer than this (in metric CRS units, metres) are the same graph node.
NODE_TOLERANCE_M = 0.5


@dataclasses.dataclass(frozen=True)
class RoadGraph:
    """A road graph in a metric CRS.

    ``edges`` is a GeoDataFrame (metric CRS) with one row per undirected edge: ``u``, ``v`` (node
    indices), ``length_m``, ``road`` (row of the roads layer it came from) and that road's attributes
    (its ``id`` as ``road_id``).
    Arcs are the directed versions used by path search: ``arc_tail``, ``arc_head``, ``arc_edge`` and
    ``arc_forward`` (True when the arc runs u -> v), sorted by tail.
    """

    nodes: np.ndarray  # (n, 2) metric coordinates
    edges: gpd.GeoDataFrame
    arc_tail: np.ndarray
    arc_head: np.ndarray
    arc_edge: np.ndarray
    arc_forward: np.ndarray

    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        return len(self.edges)


def build_road_graph(roads: gpd.GeoDataFrame, *, metric_crs: str, max_edge_m: float = 500.0) -> RoadGraph:
    """Node the roads and split them into edges of at most about ``max_edge_m``.

    A vertex becomes a node where roads share it (a junction, as in OSM), at each road's ends, and
    wherever a road's running length passes a multiple of ``max_edge_m``, so that long roads give
    short edges: exposure and snapping then resolve to a few hundred metres.
    """
    metric = roads.to_crs(metric_crs)
    lines = shapely.segmentize(metric.geometry.values, max_edge_m / 2)
    coords, line_of = shapely.get_coordinates(lines, return_index=True)
    n = len(coords)
    if n == 0:
        raise ValueError("the roads layer has no lines")
    first = np.r_[True, line_of[1:] != line_of[:-1]]
    last = np.r_[line_of[1:] != line_of[:-1], True]

    grid = np.round(coords / NODE_TOLERANCE_M).astype(np.int64)
    grid -= grid.min(axis=0)
    _, key_id = np.unique(grid[:, 0] * (grid[:, 1].max() + 1) + grid[:, 1], return_inverse=True)
    # a key shared by two different lines is a junction
    n_lines = int(line_of.max()) + 1
    pairs = np.unique(key_id.astype(np.int64) * n_lines + line_of)
    lines_per_key = np.bincount(pairs // n_lines, minlength=key_id.max() + 1)
    is_node = first | last | (lines_per_key[key_id] > 1)

    step = np.hypot(*np.diff(coords, axis=0, prepend=coords[:1]).T)
    step[first] = 0.0
    run = np.cumsum(step)
    run -= np.maximum.accumulate(np.where(first, run, 0.0))
    bucket = np.floor(run / max_edge_m)
    is_node |= ~first & (bucket != np.r_[bucket[:1], bucket[:-1]])

    # edges run from each node vertex (not a line's last) to the next node vertex on its line
    starts = np.flatnonzero(is_node & ~last)
    node_positions = np.flatnonzero(is_node)
    ends = node_positions[np.searchsorted(node_positions, starts, side="right")]
    counts = ends - starts + 1
    edge_of_vertex = np.repeat(np.arange(len(starts)), counts)
    vertex = np.repeat(starts - np.cumsum(np.r_[0, counts[:-1]]), counts) + np.arange(counts.sum())
    edge_geoms = shapely.linestrings(coords[vertex], indices=edge_of_vertex)

    node_keys, node_of_key = np.unique(key_id[node_positions], return_inverse=True)
    key_to_node = np.full(key_id.max() + 1, -1, dtype=np.int64)
    key_to_node[node_keys] = np.arange(len(node_keys))
    node_xy = np.zeros((len(node_keys), 2))
    node_xy[node_of_key] = coords[node_positions]

    road_row = line_of[starts]
    attributes = (
        metric.drop(columns="geometry").iloc[road_row].reset_index(drop=True).rename(columns={"id": "road_id"})
    )
    edges = gpd.GeoDataFrame(
        {
            "u": key_to_node[key_id[starts]],
            "v": key_to_node[key_id[ends]],
            "length_m": np.maximum(shapely.length(edge_geoms), 0.01),
            "road": road_row,
        },
        geometry=edge_geoms,
        crs=metric.crs,
    )
    edges = gpd.GeoDataFrame(edges.join(attributes), geometry="geometry", crs=metric.crs)
    oneway = edges["oneway"].to_numpy(dtype=bool) if "oneway" in edges else np.zeros(len(edges), bool)

    ids = np.arange(len(edges))
    tail = np.r_[edges["u"].to_numpy(), edges["v"].to_numpy()[~oneway]]
    head = np.r_[edges["v"].to_numpy(), edges["u"].to_numpy()[~oneway]]
    arc_edge = np.r_[ids, ids[~oneway]]
    forward = np.r_[np.ones(len(ids), bool), np.zeros((~oneway).sum(), bool)]
    order = np.argsort(tail, kind="stable")
    return RoadGraph(
        nodes=node_xy,
        edges=edges,
        arc_tail=tail[order],
        arc_head=head[order],
        arc_edge=arc_edge[order],
        arc_forward=forward[order],
    )
