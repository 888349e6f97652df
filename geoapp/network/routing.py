"""Route-safety lookups: snap endpoints, search the safest and shortest paths, sum their exposure."""

from __future__ import annotations

import dataclasses
import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import ops

from ..io.geojson import cell_text
from ..safety import MODES, RiskWeights, RouteExposure, edge_costs
from ..settings import SPEED_SPREAD, STATUS_SPEED
from .checkpoints import EdgeCheckpoints
from .components import Components
from .engine import Path, PathEngine, Topology
from .exposure import (
    EdgeExposure,
    EdgeSegments,
    IncidentExposure,
    compute_exposure,
    compute_incident_exposure,
)
from .graph import build_road_graph
from .lengths import edge_speeds, geometry_key, precision, terrain_of, winding_factors
from .vehicles import EdgeLimits, adjust_costs

#: Snapping prefers the main network (the largest strongly connected component).  A point joins a
#: road cut off from it (a pocket: a one-way dead end, roads not joined to the rest, the clipped
#: edge of an extract) only when the nearest main-network road is more than ``POCKET_FAR_M`` away
#: and more than ``POCKET_RATIO`` times as far as the pocket road: an island's roads, a village
#: whose link road is not mapped.  Nearer than that, moving the point onto the main network says
#: more than "not connected" would.
POCKET_FAR_M = 500.0
POCKET_RATIO = 4.0


@dataclasses.dataclass(frozen=True)
class Snap:
    """Where a query point joins the network: an edge, the share along it, and how far away it was.

    ``pocket``: the edge is cut off from the main network.  ``pocket_passed_m``: the nearest road
    was such a pocket road, this far away, and the main network was used instead.
    """

    edge: int
    fraction: float
    distance_m: float
    point: shapely.Point  # on the edge, metric CRS
    pocket: bool = False
    pocket_passed_m: float | None = None


@dataclasses.dataclass(frozen=True)
class EdgeSnaps:
    """Where many points join the network (see ``RoadNetwork.snap_edges``), one row per point."""

    edge: np.ndarray
    distance_m: np.ndarray
    pocket: np.ndarray  # bool: the edge is cut off from the main network
    pocket_passed_m: np.ndarray  # distance to a nearer pocket road passed over (NaN: none)


@dataclasses.dataclass(frozen=True)
class Route:
    """A route in the metric CRS with its distance, duration and exposure.

    ``distance_m`` and ``duration_s`` are best estimates; the ranges say how far off they may be
    (hand-drawn roads' winding, planning speeds).  ``hand_drawn_m``: metres on hand-drawn roads.
    """

    geometry: shapely.LineString
    distance_m: float
    duration_s: float
    distance_range_m: tuple[float, float]
    duration_range_s: tuple[float, float]
    hand_drawn_m: float
    cost: float
    exposure: RouteExposure
    edges: np.ndarray
    weights: np.ndarray  # share of each edge travelled (1 except at the ends)
    travelled_m: np.ndarray  # metres travelled on each edge
    exposed: np.ndarray  # edges on dangerous/blocked roads or inside zones


class RoadNetwork:
    """What depends only on road geometry: graph, search topology, edge index, travel times.

    Built when the roads' geometry changes (an import), and reused when only statuses or zones change.
    """

    def __init__(self, roads: gpd.GeoDataFrame, *, metric_crs: str, max_edge_m: float, speeds_kmh: dict[str, float]):
        self.key = geometry_key(roads)
        self.graph = build_road_graph(roads, metric_crs=metric_crs, max_edge_m=max_edge_m)
        self.topology = Topology(self.graph)
        edges = self.graph.edges
        self.edge_geoms = np.asarray(edges.geometry.values)  # plain shapely array: fast in shapely ufuncs
        self.tree = shapely.STRtree(self.edge_geoms)
        self.components = Components.of(self.graph)
        self.main_edges = np.flatnonzero(self.components.main_edge)
        self.main_tree = self.tree if self.components.whole else shapely.STRtree(self.edge_geoms[self.main_edges])
        self.segments = EdgeSegments.of(self.edge_geoms)
        self.oneway = edges["oneway"].to_numpy(dtype=bool)
        #: planning speed (km/h) on an open road: class and terrain, or the road's own (OSM maxspeed)
        self.edge_speed = edge_speeds(edges, speeds_kmh)
        g = self.graph
        drawn = edges["length_m"].to_numpy()
        winding = winding_factors(edges)
        self.hand_drawn = precision(edges) == "hand_drawn"
        #: best estimate of each edge's real length, and its low and high bounds (``settings.WINDING``)
        self.edge_length = drawn * winding[:, 1]
        self.edge_length_range = drawn[:, None] * winding[:, [0, 2]]
        self.edge_seconds = self.edge_length / (self.edge_speed / 3.6)
        self.u = edges["u"].to_numpy()
        self.v = edges["v"].to_numpy()
        self.edge_road = edges["road"].to_numpy()  # row of the roads layer each edge came from
        self.road_ids = roads["id"].to_numpy(dtype=object)
        self.edge_arcs = np.full((g.n_edges, 2), -1, dtype=np.int64)  # forward and backward arc of each edge
        self.edge_arcs[g.arc_edge[g.arc_forward], 0] = np.flatnonzero(g.arc_forward)
        self.edge_arcs[g.arc_edge[~g.arc_forward], 1] = np.flatnonzero(~g.arc_forward)
        #: search topologies of the roads plus sea and air legs (``legs.LegNetwork``), by their leg arcs:
        #: reused while the roads and the legs' ends and least costs stay the same
        self.augmented: dict[str, object] = {}

    def snap_edges(self, points: np.ndarray, *, far_m: float = POCKET_FAR_M, ratio: float = POCKET_RATIO) -> EdgeSnaps:
        """The edge each metric point joins: the nearest main-network edge, unless a pocket edge is much closer.

        A pocket edge nearest to a point is kept only when the nearest main-network edge is more
        than ``far_m`` away and more than ``ratio`` times as far (see ``POCKET_FAR_M``).  Two bulk
        index queries at most, the second only for the points nearest a pocket edge.
        """
        points = np.asarray(points, dtype=object)
        edge, distance = _nearest(self.tree, points)
        main = self.components.main_edge
        passed = np.full(len(points), np.nan)
        off = np.flatnonzero(~main[edge])
        if len(off):
            main_edge, main_distance = _nearest(self.main_tree, points[off])
            keep = main_distance > np.maximum(far_m, ratio * distance[off])
            moved = off[~keep]
            passed[moved] = distance[moved]
            edge[moved] = self.main_edges[main_edge[~keep]]
            distance[moved] = main_distance[~keep]
        return EdgeSnaps(edge=edge, distance_m=distance, pocket=~main[edge], pocket_passed_m=passed)


def _nearest(tree: shapely.STRtree, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index and distance of the nearest tree geometry to each point, in the points' order."""
    (which, found), distance = tree.query_nearest(points, return_distance=True, all_matches=False)
    order = np.argsort(which, kind="stable")
    return found[order].astype(np.int64), distance[order]


class Router:
    """Everything route lookups need for one data version: exposure, costs and engines per mode.

    Building one is the re-weighting step: when zones, road statuses or incidents change, or the day
    changes (incident risk fades), a new Router is made over the same RoadNetwork and swapped in
    whole; lookups already running keep the old one.
    """

    #: incidents listed with a route: at most this many, each weighing at least this much on it
    LISTED_INCIDENTS = 10
    LISTED_INCIDENT_WEIGHT = 0.05

    def __init__(
        self,
        network: RoadNetwork,
        roads: gpd.GeoDataFrame,
        zones: gpd.GeoDataFrame,
        *,
        weights: RiskWeights,
        incidents: gpd.GeoDataFrame | None = None,
        today: dt.date | None = None,
        checkpoints: gpd.GeoDataFrame | None = None,
        checkpoint_cost_m: float = 0.0,
    ):
        self.network = network
        self.graph = network.graph
        self.weights = weights
        edges = network.graph.edges
        self.exposure: EdgeExposure = compute_exposure(
            network.edge_geoms, network.tree, zones, crs=edges.crs, near_buffer_m=weights.near_buffer_m
        )
        self.incidents: IncidentExposure = compute_incident_exposure(
            network.edge_geoms, network.tree, incidents, crs=edges.crs, weights=weights,
            today=today or dt.date.today(), segments=network.segments,
        )
        #: edges where recent incidents weigh enough to call for caution
        self.incident_caution = self.incidents.risk >= weights.incident_caution
        controlled = self.exposure.zones["status"].to_numpy() == "controlled"
        self._controlled = shapely.STRtree(np.asarray(self.exposure.zones.geometry.values)[controlled])
        self._controlled_index = np.flatnonzero(controlled)
        #: each zone's id, name, status and group as plain values, for answers (read once, not per route)
        self.zone_facts = _zone_facts(self.exposure.zones)
        current = roads.set_index(roads["id"].to_numpy())
        # the network's roads, in its row order, as they are now (a status or a name may have changed)
        self.road_status = current["status"].reindex(network.road_ids).fillna("open").to_numpy(dtype=object)
        self.road_name = current["name"].reindex(network.road_ids).to_numpy(dtype=object)
        self.road_ref = current["ref"].reindex(network.road_ids).astype(object).to_numpy() \
            if "ref" in current else np.full(len(network.road_ids), None, dtype=object)
        self.edge_status = self.road_status[network.edge_road]
        self.limits = EdgeLimits.of(current.reindex(network.road_ids), network.edge_road, terrain_of(edges).to_numpy())
        self.variants: dict = {}  # per-vehicle copies (``vehicles.for_vehicle``), made once per data version
        self.vehicle: str | None = None  # a copy's vehicle, season, and edges it may use (None: every edge)
        self.season: str | None = None
        self.passable: np.ndarray | None = None
        self.checkpoints = EdgeCheckpoints.of(network, checkpoints, self._controlled, cost_m=checkpoint_cost_m)
        # travel time: the open-road speed slowed by the road's status now (``settings.STATUS_SPEED``)
        metres_per_s = network.edge_speed / 3.6 * pd.Series(self.edge_status).map(STATUS_SPEED).fillna(1.0).to_numpy()
        self.edge_seconds = network.edge_length / metres_per_s
        self.edge_seconds_range = np.c_[network.edge_length_range[:, 0] / (metres_per_s * SPEED_SPREAD[1]),
                                        network.edge_length_range[:, 1] / (metres_per_s * SPEED_SPREAD[0])]
        self.edge_cost = self.risk_costs(self.edge_status, self.exposure.inside_by_status,
                                         self.exposure.near_controlled_m, modes=(*MODES, "shortest"))
        arc_edge = network.graph.arc_edge
        self.engines = {mode: PathEngine(network.topology, cost[arc_edge]) for mode, cost in self.edge_cost.items()}
        self._oneway = network.oneway

    def risk_costs(self, status: np.ndarray, inside_by_status: dict[str, np.ndarray], near_controlled_m: np.ndarray,
                   *, modes: tuple[str, ...] = MODES) -> dict[str, np.ndarray]:
        """Edge costs per mode on these statuses and zone figures (its own or a what-if's), as the router weighs."""
        length = self.graph.edges["length_m"].to_numpy()
        return {mode: adjust_costs(self, edge_costs(length, status, inside_by_status, near_controlled_m, self.weights,
                                                    mode, incident_risk=self.incidents.risk), mode) for mode in modes}

    @property
    def tight(self) -> bool:
        return all(self.engines[mode].tight for mode in MODES)

    def tighten(self) -> None:
        """Compute cost-based landmark bounds for the risk modes.

        Run off the request path (seconds on a national network): searches meanwhile use the
        length-based bounds, and get faster once these are in.
        """
        for mode in MODES:
            self.engines[mode].tighten()
        self.variants.clear()  # per-vehicle copies made later share the tight bounds

    # ------------------------------------------------------------------ snapping
    def snap(self, point: shapely.Point) -> Snap:
        """Where a metric point joins the network: its nearest main-network edge, unless a pocket edge is much closer.

        See ``RoadNetwork.snap_edges`` for the rule; the Snap says when it joined a pocket, or
        passed a nearer pocket road over.
        """
        found = self.network.snap_edges(np.array([point], dtype=object))
        edge = int(found.edge[0])
        line = self.network.edge_geoms[edge]
        fraction = float(shapely.line_locate_point(line, point, normalized=True))
        passed = float(found.pocket_passed_m[0])
        return Snap(edge, fraction, float(found.distance_m[0]),
                    shapely.line_interpolate_point(line, fraction, normalized=True),
                    pocket=bool(found.pocket[0]), pocket_passed_m=None if np.isnan(passed) else passed)

    # ------------------------------------------------------------------ search
    def route(self, origin: Snap, destination: Snap, mode: str, *, arc_cost: np.ndarray | None = None,
              edge_cost: np.ndarray | None = None) -> Route | None:
        """Cheapest route in ``mode`` between two snapped points, or None when there is none.

        ``arc_cost`` replaces the mode's arc costs for the search (alternatives); the end pieces on
        the endpoints' own edges keep the mode's costs.  ``edge_cost`` replaces both (what-if
        scenarios: a closed end edge must stay closed); it may only raise the mode's costs, so the
        search bounds stay valid.
        """
        cost = self.edge_cost[mode] if edge_cost is None else edge_cost
        if edge_cost is not None and arc_cost is None:
            arc_cost = edge_cost[self.graph.arc_edge]
        u, v = self.network.u, self.network.v
        e0, t0, e1, t1 = origin.edge, origin.fraction, destination.edge, destination.fraction
        fwd0, back0 = cost[e0], (np.inf if self._oneway[e0] else cost[e0])
        fwd1, back1 = cost[e1], (np.inf if self._oneway[e1] else cost[e1])
        sources = _finite({int(v[e0]): _part(1 - t0, fwd0), int(u[e0]): _part(t0, back0)})
        targets = _finite({int(u[e1]): _part(t1, fwd1), int(v[e1]): _part(1 - t1, back1)})

        best = self.engines[mode].shortest(sources, targets, arc_cost=arc_cost)
        if e0 == e1:  # both ends on one edge: travelling along it may beat leaving it
            direct = _part(t1 - t0, fwd0) if t1 >= t0 else _part(t0 - t1, back0)
            if np.isfinite(direct) and (best is None or direct <= best.cost):
                return self._along_one_edge(origin, destination, direct)
        if best is None:
            return None
        return self._assemble(origin, destination, best)

    #: alternatives: how much dearer a found route's edges get per round, how far a route must leave
    #: the kept ones to count as distinct, and how much dearer (real cost) than the best it may be
    ALTERNATIVE_PENALTY = 0.6
    ALTERNATIVE_MAX_OVERLAP = 0.7
    ALTERNATIVE_MIN_DETOUR_M = 3000.0
    ALTERNATIVE_MAX_STRETCH = 1.6

    def alternatives(
        self, origin: Snap, destination: Snap, mode: str, first: Route, count: int, *,
        penalty: float = ALTERNATIVE_PENALTY, max_overlap: float = ALTERNATIVE_MAX_OVERLAP,
        min_detour_m: float = ALTERNATIVE_MIN_DETOUR_M, max_stretch: float = ALTERNATIVE_MAX_STRETCH,
    ) -> list[Route]:
        """Up to ``count`` routes distinct from ``first`` (penalty method).

        Each found route's edges are made ``penalty`` times dearer and the search is run again; a
        result is kept when it is distinct from every kept route (``_distinct``: less than
        ``max_overlap`` of its length shared, or a detour of at least ``min_detour_m`` on roads
        the other does not use, both ways) and its real cost is within ``max_stretch`` times the
        best.  The detour rule matters in ``avoid`` mode: with controlled zones and blocked roads
        impassable, the network left is nearly a tree, every route shares its long forced
        stretches, and the share rule alone rejected even a real way round a town.  Only searches:
        no data is changed.
        """
        found = [first]
        real = self.edge_cost[mode]
        best_cost = _cost_along(real, first)
        arc_cost = self.engines[mode].cost.copy()

        def make_dearer(route: Route) -> None:
            arcs = self.network.edge_arcs[route.edges].ravel()
            arc_cost[arcs[arcs >= 0]] *= 1 + penalty

        make_dearer(first)
        for _ in range(4 * count + 2):
            if len(found) > count:
                break
            candidate = self.route(origin, destination, mode, arc_cost=arc_cost)
            if candidate is None or _cost_along(real, candidate) > max_stretch * best_cost:
                break
            if all(_distinct(candidate, kept, max_overlap=max_overlap, min_detour_m=min_detour_m) for kept in found):
                found.append(candidate)
            make_dearer(candidate)  # kept or too similar, the next search looks elsewhere
        return found[1:]

    def _along_one_edge(self, origin: Snap, destination: Snap, cost: float) -> Route:
        a, b = sorted((origin.fraction, destination.fraction))
        piece = ops.substring(self.network.edge_geoms[origin.edge], a, b, normalized=True)
        if origin.fraction > destination.fraction:
            piece = shapely.reverse(piece)
        return self._measure(_as_line(piece, origin.point), np.array([origin.edge]), np.array([b - a]), cost)

    def _assemble(self, origin: Snap, destination: Snap, path: Path) -> Route:
        """Join the partial origin edge, the path's edges and the partial destination edge."""
        g = self.graph
        lines = self.network.edge_geoms
        u, v = self.network.u, self.network.v
        t0, t1 = origin.fraction, destination.fraction
        leaves_forward = path.nodes[0] == v[origin.edge]
        first = (
            ops.substring(lines[origin.edge], t0, 1, normalized=True)
            if leaves_forward
            else shapely.reverse(ops.substring(lines[origin.edge], 0, t0, normalized=True))
        )
        arrives_forward = path.nodes[-1] == u[destination.edge]
        last = (
            ops.substring(lines[destination.edge], 0, t1, normalized=True)
            if arrives_forward
            else shapely.reverse(ops.substring(lines[destination.edge], t1, 1, normalized=True))
        )
        mid_edges = g.arc_edge[path.arcs]
        middle = _oriented_coordinates(lines[mid_edges], g.arc_forward[path.arcs])
        geometry = _as_line(shapely.LineString(np.concatenate(
            [shapely.get_coordinates(first), middle, shapely.get_coordinates(last)])), origin.point)
        edges = np.r_[origin.edge, mid_edges, destination.edge]
        shares = np.r_[(1 - t0) if leaves_forward else t0, np.ones(len(mid_edges)), t1 if arrives_forward else 1 - t1]
        return self._measure(geometry, edges, shares, path.cost)

    def _closest_controlled(self, geometry, edges: np.ndarray, shares: np.ndarray) -> tuple[float | None, int]:
        """Exact closest approach of a route to any controlled zone.

        Read from the edges' precomputed distances when an edge travelled whole comes at least as near
        as any partly travelled one could (a part is never nearer than its whole edge); otherwise (far
        from every zone, or nearest on a part) measured on the route's line against the zone index.
        """
        if len(self._controlled_index) == 0:
            return None, -1
        near = self.exposure.closest_controlled_m[edges]
        whole = shares >= 1.0
        if whole.any():
            k = int(np.flatnonzero(whole)[np.argmin(near[whole])])
            if np.isfinite(near[k]) and (whole.all() or near[k] <= near[~whole].min()):
                return float(near[k]), int(self.exposure.closest_controlled_zone[edges[k]])
        idx, dist = self._controlled.query_nearest(geometry, return_distance=True, all_matches=False)
        return float(dist[0]), int(self._controlled_index[idx[0]])

    def _incidents_on(self, geometry, edges: np.ndarray) -> list[dict]:
        """The incidents weighing most on a route (their heaviest weight on any of its edges)."""
        ix = self.incidents
        if ix.contribution.shape[1] == 0:
            return []
        peak = ix.peak(edges)
        hit = np.flatnonzero(peak >= self.LISTED_INCIDENT_WEIGHT)
        hit = hit[np.argsort(-peak[hit], kind="stable")][: self.LISTED_INCIDENTS]
        distance = shapely.distance(geometry, np.asarray(ix.incidents.geometry.values)[hit])
        return [
            {**ix.facts[i], "distance_m": round(float(d)), "weight": round(float(peak[i]), 2)}
            for i, d in zip(hit, distance, strict=True)
        ]

    def _measure(self, geometry, edges: np.ndarray, shares: np.ndarray, cost: float) -> Route:
        """Distance, time and exposure of a route, from arrays precomputed per data version."""
        x = self.exposure
        length = self.network.edge_length[edges] * shares
        zone_m = np.asarray(x.inside[edges].T @ shares).ravel()
        zones = [{**self.zone_facts[z], "inside_m": round(float(zone_m[z]), 1)} for z in np.flatnonzero(zone_m > 0.5)]
        inside = {s: float(m[edges] @ shares) for s, m in x.inside_by_status.items()}
        status = self.edge_status[edges]
        risky = status != "open"
        roads = []
        if risky.any():
            rows, where = np.unique(self.network.edge_road[edges[risky]], return_inverse=True)
            metres = np.bincount(where, weights=length[risky])
            roads = [
                {"id": self.network.road_ids[r], "name": self.road_name[r], "ref": cell_text(self.road_ref[r]),
                 "status": self.road_status[r], "length_m": round(float(m), 1)}
                for r, m in zip(rows, metres, strict=True) if m > 0.5
            ]
        closest, zone_idx = self._closest_controlled(geometry, edges, shares)
        in_zone = np.zeros(len(edges), dtype=bool)
        for metres in x.inside_by_status.values():
            in_zone |= metres[edges] > 0.5
        exposed = edges[risky | in_zone | self.incident_caution[edges]]
        exposure = RouteExposure(
            inside_m=inside,
            zones=zones,
            dangerous_road_m=float(length[status == "dangerous"].sum()),
            blocked_road_m=float(length[status == "blocked"].sum()),
            roads=roads,
            near_controlled_m=float(x.near_controlled_m[edges] @ shares),
            closest_controlled_m=closest,
            closest_controlled_zone=None if zone_idx < 0 else {
                "id": self.zone_facts[zone_idx]["id"], "name": self.zone_facts[zone_idx]["name"]
            },
            incidents=self._incidents_on(geometry, edges),
            near_incidents_m=float(length[self.incident_caution[edges]].sum()),
        )
        return Route(
            geometry=geometry,
            distance_m=float(length.sum()),
            duration_s=float(self.edge_seconds[edges] @ shares),
            distance_range_m=_low_high(shares @ self.network.edge_length_range[edges]),
            duration_range_s=_low_high(shares @ self.edge_seconds_range[edges]),
            hand_drawn_m=float(length[self.network.hand_drawn[edges]].sum()),
            cost=cost,
            exposure=exposure,
            edges=edges,
            weights=shares,
            travelled_m=length,
            exposed=exposed,
        )


def _cost_along(cost: np.ndarray, route: Route) -> float:
    """A route's cost under ``cost``; an end edge travelled for none of its length adds nothing (even if inf)."""
    used = route.weights > 0
    return float(cost[route.edges[used]] @ route.weights[used])


def _distinct(route: Route, other: Route, *, max_overlap: float, min_detour_m: float) -> bool:
    """Whether two routes differ enough to offer a choice: little shared, or each has its own detour."""
    if _overlap(route, other) < max_overlap:
        return True
    own = route.travelled_m[~np.isin(route.edges, other.edges)].sum()
    theirs = other.travelled_m[~np.isin(other.edges, route.edges)].sum()
    return bool(min(own, theirs) >= min_detour_m)


def _overlap(route: Route, other: Route) -> float:
    """Share of ``route``'s length on edges that ``other`` uses too."""
    shared = route.travelled_m[np.isin(route.edges, other.edges)].sum()
    return float(shared / route.distance_m) if route.distance_m > 0 else 1.0


def _zone_facts(zones: gpd.GeoDataFrame) -> list[dict]:
    """Each zone's ``id``, ``name``, ``status`` and ``group`` (None without the column), in row order."""
    groups = [cell_text(g) for g in zones["group"].tolist()] if "group" in zones else [None] * len(zones)
    return [{"id": i, "name": n, "status": s, "group": g}
            for i, n, s, g in zip(zones["id"].tolist(), zones["name"].tolist(), zones["status"].tolist(), groups,
                                  strict=True)]


def _part(share: float, cost: float) -> float:
    """Cost of travelling ``share`` of an edge; nothing at all when standing on its end node."""
    return 0.0 if share <= 0 else share * cost


def _low_high(pair: np.ndarray) -> tuple[float, float]:
    """A (low, high) range of two array values as floats."""
    low, high = pair
    return float(low), float(high)


def _finite(candidates: dict[int, float]) -> dict[int, float]:
    return {node: c for node, c in candidates.items() if np.isfinite(c)}


def _oriented_coordinates(lines: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """The lines' coordinates end to end, each line reversed where it is travelled backward."""
    if len(lines) == 0:
        return np.zeros((0, 2))
    coords, part = shapely.get_coordinates(lines, return_index=True)
    position = np.arange(len(part)) - np.searchsorted(part, part)  # index of each vertex within its line
    key = np.where(forward[part], position, -position)
    return coords[np.lexsort((key, part))]


def _as_line(geometry, fallback: shapely.Point) -> shapely.LineString:
    """A LineString even for a zero-length route (two equal points)."""
    if geometry is None or geometry.is_empty or geometry.geom_type != "LineString":
        return shapely.LineString([fallback.coords[0], fallback.coords[0]])
    return geometry


