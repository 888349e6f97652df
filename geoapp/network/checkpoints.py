"""Checkpoints on the road graph: the edge each active one stands on, the cost armed groups' ones add.

Checkpoints carry the road they were snapped to (``road_id``); roads are split into edges, so each
checkpoint is placed on the nearest edge of its own road, in one vectorised pass when the data
changes.  Lifted checkpoints are left out.  An armed-group checkpoint inside a controlled zone makes
its edge impassable in ``avoid`` mode; elsewhere it adds ``checkpoint_cost_m`` to the edge's cost in
the risk modes.  Police checkpoints and tolls are listed with routes but cost nothing.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..layers import CURRENCIES

COLUMNS = ("id", "name", "kind", "group", "fee", "currency", "road_id", "as_of", "source", "confidence")


@dataclasses.dataclass(frozen=True)
class EdgeCheckpoints:
    """Active checkpoints (positional order) with the edge each stands on and what it does to costs."""

    frame: pd.DataFrame  # COLUMNS, one row per active checkpoint placed on an edge
    edge: np.ndarray  # edge of each checkpoint
    in_controlled: np.ndarray  # bool: an armed-group checkpoint inside a controlled zone
    cost_m: float
    at: np.ndarray | None = None  # where each stands on its edge (metric points)

    @classmethod
    def empty(cls, cost_m: float = 0.0) -> EdgeCheckpoints:
        return cls(pd.DataFrame(columns=COLUMNS), np.zeros(0, np.int64), np.zeros(0, bool), cost_m,
                   np.zeros(0, dtype=object))

    @classmethod
    def of(cls, network, checkpoints: gpd.GeoDataFrame | None, controlled: shapely.STRtree, *,
           cost_m: float) -> EdgeCheckpoints:
        """Place active checkpoints on the nearest edge of their snapped road (any road when it is unknown)."""
        if checkpoints is None or not len(checkpoints):
            return cls.empty(cost_m)
        active = checkpoints[checkpoints["status"] == "active"]
        if not len(active):
            return cls.empty(cost_m)
        metric = active.to_crs(network.graph.edges.crs)
        points = np.asarray(metric.geometry.values)
        road_of = {road: i for i, road in enumerate(network.road_ids)}
        road_id = active["road_id"].to_numpy(dtype=object) if "road_id" in active else np.full(len(active), None)
        row = np.array([road_of.get(r, -1) for r in road_id], dtype=np.int64)
        edge = network.snap_edges(points).edge.copy()  # fallback: the nearest edge of any road
        known = np.flatnonzero(row >= 0)
        if len(known):
            edge[known] = _nearest_edge_of_road(network, points[known], row[known])
        frame = pd.DataFrame({c: active[c].to_numpy(dtype=object) if c in active else None for c in COLUMNS})
        hit = controlled.query(points, predicate="within")[0] if len(controlled.geometries) else np.zeros(0, int)
        inside = np.zeros(len(active), bool)
        inside[hit] = True
        lines = network.edge_geoms[edge]
        at = shapely.line_interpolate_point(lines, shapely.line_locate_point(lines, points))
        return cls(frame, edge, inside & (frame["kind"].to_numpy() == "gang"), cost_m, np.asarray(at, dtype=object))

    @property
    def gang(self) -> np.ndarray:
        return self.frame["kind"].to_numpy() == "gang"

    def apply(self, cost: np.ndarray, mode: str) -> np.ndarray:
        """Edge costs with armed-group checkpoints counted (``shortest`` is plain length: unchanged)."""
        if mode == "shortest" or not self.gang.any():
            return cost
        cost = cost.copy()
        np.add.at(cost, self.edge[self.gang & ~self.in_controlled], self.cost_m)
        if mode == "avoid":
            cost[self.edge[self.in_controlled]] = np.inf
        else:
            np.add.at(cost, self.edge[self.in_controlled], self.cost_m)
        return cost

    def on(self, edges: np.ndarray, *, partial: np.ndarray | None = None, line: shapely.LineString | None = None
           ) -> np.ndarray:
        """The checkpoints on ``edges``, in the order the edges are travelled.

        On the ``partial`` edges (a route's end edges, travelled in part) only those ``line`` passes
        (within a metre) count.
        """
        if not len(self.edge) or not len(edges):
            return np.zeros(0, np.int64)
        position = {int(e): k for k, e in reversed(list(enumerate(edges)))}
        found = np.flatnonzero(np.isin(self.edge, edges))
        if partial is not None and line is not None and self.at is not None:
            ends = np.isin(self.edge[found], partial)
            passed = shapely.distance(line, self.at[found[ends]]) <= 1.0
            found = np.r_[found[~ends], found[ends][passed]]
            return found[np.argsort(shapely.line_locate_point(line, self.at[found]), kind="stable")]  # as travelled
        return np.array(sorted(found, key=lambda i: (position[int(self.edge[i])], i)), dtype=np.int64)

    def edge_figures(self, n_edges: int) -> np.ndarray:
        """Per edge: checkpoints, those with a reported fee, armed-group ones, then the fee per currency."""
        fee = pd.to_numeric(self.frame["fee"], errors="coerce").to_numpy(dtype=float)
        currency = self.frame["currency"].to_numpy(dtype=object)
        known = ~np.isnan(fee) & np.isin(currency, CURRENCIES)
        columns = [np.ones(len(fee)), known.astype(float), self.gang.astype(float)]
        columns += [np.where(known & (currency == c), fee, 0.0) for c in CURRENCIES]
        out = np.zeros((n_edges, len(columns)))
        for k, values in enumerate(columns):
            out[:, k] = np.bincount(self.edge, weights=values, minlength=n_edges)
        return out


#: Names of the columns ``EdgeCheckpoints.edge_figures`` gives, as access figures.
FIGURE_NAMES = ("checkpoints", "checkpoints_with_fee", "gang_checkpoints", *(f"fee_{c.lower()}" for c in CURRENCIES))


def _nearest_edge_of_road(network, points: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each point, the nearest of the edges split from road ``rows[k]`` (one vectorised distance pass)."""
    order = np.argsort(network.edge_road, kind="stable")
    sorted_road = network.edge_road[order]
    start = np.searchsorted(sorted_road, rows, side="left")
    stop = np.searchsorted(sorted_road, rows, side="right")
    count = stop - start
    owner = np.repeat(np.arange(len(rows)), count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    candidate = order[np.repeat(start, count) + offset]
    distance = shapely.distance(network.edge_geoms[candidate], points[owner])
    pick = np.lexsort((distance, owner))
    first = np.r_[True, owner[pick][1:] != owner[pick][:-1]]
    return candidate[pick][first]
