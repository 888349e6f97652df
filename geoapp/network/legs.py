"""Sea and air legs on the road graph: connections as arcs between port gates, searched with the roads.

Each operating connection gives two arcs, one each way (the shipped services run both ways; the
layer has no one-way flag), from the road node its departure port snaps to (the port gate) to its
arrival port's gate.  A leg costs its time, converted into the road search's units: road costs are
risk-weighted metres, so an hour of transfer, wait and crossing weighs as ``leg_cost_kmh`` km of
open road.  The time is the transfer at the port (``leg_transfer_s_sea`` / ``_air``), the expected
wait for the next departure (half the average gap between departures of the schedule; ``on
request``: ``leg_wait_on_request_s``) and the crossing (``duration_s``).  Ports cost too:
``restricted`` adds ``port_restricted_s``, ``gang_controlled`` cannot be used in ``avoid`` and adds
``port_gang_controlled_s`` in ``least_risk`` (so does a port inside a controlled zone, whatever its
status); a ``closed`` port and a ``suspended`` connection are
never used.

The augmented search graph (road arcs, then leg arcs, sorted by tail) is built once per set of
legs and reused by every query: a travel mode not asked for is an ``inf`` cost on its leg arcs.
A leg can cover 200 km for the cost of 30 km of road, so neither the straight-line bound nor the
road-only landmark tables are admissible: the augmented topology has its own landmark tables,
computed on road lengths and each leg's least cost (transfer and crossing, no wait), and no
straight-line bound.

A vehicle's or season's copy of the router (``vehicles.for_vehicle``) gets its copy of these legs
(``LegNetwork.over``): the same topology and bounds, the copy's road costs and speeds, and the
connections a road vehicle cannot go on board (``vehicles`` not true) never used.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import threading

import geopandas as gpd
import numpy as np
import shapely
from shapely import ops

from ..schedule import Schedule, parse_schedule
from .engine import PathEngine, Topology
from .routing import Route, Router, Snap, _as_line, _finite, _oriented_coordinates, _part

#: how a stage of a trip travels
TRAVEL_MODES = ("road", "sea", "air")
LEG_MODES = ("sea", "air")
#: the risk modes whose searches get cost-based bounds (``tighten``), as the road engines' do
RISK_MODES = ("avoid", "least_risk")
WEEK_S = 7 * 86400.0


@dataclasses.dataclass(frozen=True)
class LegRules:
    """The settings legs are timed and costed by (see ``settings``)."""

    transfer_s: dict[str, float]
    wait_on_request_s: float
    default_hour: int
    metres_per_s: float
    restricted_s: float
    gang_controlled_s: float
    snap_max_m: float

    @classmethod
    def from_settings(cls, settings) -> LegRules:
        return cls(transfer_s={"sea": settings.leg_transfer_s_sea, "air": settings.leg_transfer_s_air},
                   wait_on_request_s=settings.leg_wait_on_request_s, default_hour=settings.leg_default_hour,
                   metres_per_s=settings.leg_cost_kmh / 3.6, restricted_s=settings.port_restricted_s,
                   gang_controlled_s=settings.port_gang_controlled_s, snap_max_m=settings.snap_max_m)


def expected_wait_s(schedule: Schedule, rules: LegRules) -> float:
    """Average wait for the next departure of someone arriving at any time: half the average gap."""
    if schedule.kind == "on_request":
        return rules.wait_on_request_s
    days = {"daily": 7, "weekly": 1}.get(schedule.kind, len(schedule.days))
    return WEEK_S / (max(days, 1) * max(len(schedule.times), 1)) / 2


def next_departure(schedule: Schedule, rules: LegRules, ready: dt.datetime) -> tuple[dt.datetime, bool]:
    """The first departure at or after ``ready`` (an aware local time), and whether the timetable says so.

    ``daily`` and days without times leave at ``default_hour``; ``on request`` after
    ``wait_on_request_s``; ``weekly`` (day not known in advance) after the average wait.  The second
    value is False for those two estimates.
    """
    if schedule.kind in ("on_request", "weekly"):
        return after(ready, expected_wait_s(schedule, rules)), False
    times = schedule.times or ((rules.default_hour, 0),)
    for k in range(8):
        day = ready.date() + dt.timedelta(days=k)
        if not schedule.runs_on(day.weekday()):
            continue
        for hour, minute in times:
            candidate = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ready.tzinfo)
            if candidate >= ready:
                return candidate, True
    return after(ready, expected_wait_s(schedule, rules)), False  # pragma: no cover - every schedule runs weekly


def after(when: dt.datetime, seconds: float) -> dt.datetime:
    """``when`` plus elapsed seconds (through UTC: a DST change on the way shifts the wall clock)."""
    return (when.astimezone(dt.UTC) + dt.timedelta(seconds=seconds)).astimezone(when.tzinfo)


@dataclasses.dataclass(frozen=True)
class Stage:
    """One part of a trip: a road piece (``route``) or a sea or air leg (``leg``, an arc of the LegNetwork)."""

    mode: str
    route: Route | None = None
    leg: int = -1


@dataclasses.dataclass(frozen=True)
class Trip:
    """A route over roads and legs: ``route`` measures its road part (geometry: the whole way, legs included)."""

    route: Route
    stages: tuple[Stage, ...]

    @property
    def uses_legs(self) -> bool:
        return any(s.mode != "road" for s in self.stages)


class LegNetwork:
    """The legs of one data version over a Router's roads, and the search over both."""

    def __init__(self, router: Router, connections: gpd.GeoDataFrame, ports: gpd.GeoDataFrame, *,
                 metric_crs: str, rules: LegRules):
        self.router = router
        self.rules = rules
        net = router.network
        ports = ports.reset_index(drop=True)
        self.ports = ports
        port_xy = np.asarray(ports.to_crs(metric_crs).geometry.values, dtype=object)
        self.port_gate = np.full(len(ports), -1, dtype=np.int64)
        if len(ports):
            found = net.snap_edges(port_xy)
            ends = np.c_[net.u[found.edge], net.v[found.edge]]
            nodes_xy = net.graph.nodes[ends]  # (ports, 2 ends, 2)
            port_coords = shapely.get_coordinates(port_xy)
            nearer = np.argmin(np.hypot(*(nodes_xy - port_coords[:, None, :]).transpose(2, 0, 1)), axis=1)
            gate = ends[np.arange(len(ports)), nearer]
            self.port_gate = np.where(found.distance_m <= rules.snap_max_m, gate, -1)
        #: ports inside a controlled zone: used as gang-held ones are (never in ``avoid``), whatever their status
        self.port_controlled = np.zeros(len(ports), dtype=bool)
        if len(ports) and len(router._controlled_index):
            inside, _ = router._controlled.query(port_xy, predicate="intersects")
            self.port_controlled[inside] = True
        row_of = {pid: i for i, pid in enumerate(ports["id"])}
        conns = connections.reset_index(drop=True)
        self.connections = conns
        self.lines = np.asarray(conns.to_crs(metric_crs).geometry.values, dtype=object) if len(conns) \
            else np.zeros(0, dtype=object)
        frm = np.array([row_of.get(p, -1) for p in conns.get("from_port", [])], dtype=np.int64)
        to = np.array([row_of.get(p, -1) for p in conns.get("to_port", [])], dtype=np.int64)
        ok = (conns["status"].to_numpy() == "operating") & (frm >= 0) & (to >= 0) if len(conns) else np.zeros(0, bool)
        ok &= np.isin(conns["mode"].to_numpy(dtype=object), LEG_MODES) if len(conns) else ok
        ok[ok] &= (self.port_gate[frm[ok]] >= 0) & (self.port_gate[to[ok]] >= 0) \
            & (self.port_gate[frm[ok]] != self.port_gate[to[ok]])
        rows = np.flatnonzero(ok)
        schedules = [parse_schedule(conns["schedule"].iat[r]) for r in rows]
        # two arcs per connection: from -> to, then to -> from
        self.conn = np.r_[rows, rows]
        self.forward = np.r_[np.ones(len(rows), bool), np.zeros(len(rows), bool)]
        self.from_port = np.r_[frm[rows], to[rows]]
        self.to_port = np.r_[to[rows], frm[rows]]
        self.mode = conns["mode"].to_numpy(dtype=object)[self.conn] if len(rows) else np.zeros(0, dtype=object)
        self.schedule = schedules + schedules
        self.duration_s = conns["duration_s"].to_numpy(dtype=float)[self.conn] if len(rows) else np.zeros(0)
        self.transfer_s = np.array([rules.transfer_s[m] for m in self.mode], dtype=float)
        self.wait_s = np.array([expected_wait_s(s, rules) for s in self.schedule], dtype=float)
        self.tail = self.port_gate[self.from_port]
        self.head = self.port_gate[self.to_port]
        least = (self.transfer_s + self.duration_s) * rules.metres_per_s
        self.topology, self.road_position, self.leg_position, self.arc_leg = _augmented(router, self.tail,
                                                                                        self.head, least)
        self._road_arc_of = np.full(len(self.arc_leg), -1, dtype=np.int64)
        self._road_arc_of[self.road_position] = np.arange(len(self.road_position))
        self._engines: dict[tuple, PathEngine] = {}
        self._tight: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # cost-based bounds per risk mode
        self._lock = threading.Lock()
        #: leg arcs never boarded in this network (a vehicle's copy: the connections carrying no vehicles)
        self.barred = np.zeros(len(self.conn), dtype=bool)

    @property
    def n_legs(self) -> int:
        return len(self.conn)

    # ------------------------------------------------------------------ vehicles
    def over(self, router: Router) -> LegNetwork:
        """These legs over a vehicle's or season's copy of the router (``vehicles.for_vehicle``).

        The copy's road costs (roads it cannot take ``inf``) and speeds are searched with the legs a
        vehicle can go on board: a road vehicle boards only connections with ``vehicles`` true (one on
        foot, or none asked, boards any).  Made once per router copy and kept in its ``variants``, as
        the copies are (so at most one per vehicle and season per data version).  Costs only rise, so
        the cost-based bounds of this network stay valid and are shared.
        """
        if router is self.router:
            return self
        kept = router.variants.get("legs")
        if kept is not None and kept[0] is self:
            return kept[1]
        out = copy.copy(self)
        out.router = router
        out.barred = self.barred | self.carries_no_vehicle(router.vehicle)
        out._engines = {}
        out._lock = threading.Lock()
        router.variants["legs"] = (self, out)
        return out

    def carries_no_vehicle(self, vehicle: str | None) -> np.ndarray:
        """Leg arcs ``vehicle`` cannot go on board: those whose connection has ``vehicles`` false or unknown."""
        if vehicle in (None, "foot") or "vehicles" not in self.connections or not self.n_legs:
            return np.zeros(self.n_legs, dtype=bool)
        carries = self.connections["vehicles"].astype(object).fillna(False).astype(bool).to_numpy()
        return ~carries[self.conn]

    # ------------------------------------------------------------------ costs
    def leg_cost(self, mode: str, modes: tuple[str, ...], *, suspended=(), closed_ports=()) -> np.ndarray:
        """Cost of each leg arc in a risk mode for the travel modes asked (``inf``: not usable)."""
        status_col = self.ports["status"].to_numpy(dtype=object)
        ends = np.c_[self.from_port, self.to_port]
        status = status_col[ends] if self.n_legs else np.zeros((0, 2), dtype=object)
        closed = (status == "closed").any(axis=1)
        if len(closed_ports):
            closed |= np.isin(self.ports["id"].to_numpy(dtype=object)[ends], list(closed_ports)).any(axis=1)
        gang = ((status == "gang_controlled") | self.port_controlled[ends]).sum(axis=1)
        usable = np.isin(self.mode, modes) & ~closed & ~((mode == "avoid") & (gang > 0)) & ~self.barred
        if len(suspended):
            usable &= ~np.isin(self.connections["id"].to_numpy(dtype=object)[self.conn], list(suspended))
        seconds = self.transfer_s + self.wait_s + self.duration_s
        if mode != "shortest":
            seconds = seconds + (status == "restricted").sum(axis=1) * self.rules.restricted_s \
                + gang * self.rules.gang_controlled_s
        return np.where(usable, seconds * self.rules.metres_per_s, np.inf)

    def arc_cost(self, mode: str, modes: tuple[str, ...], *, road_arc_cost: np.ndarray | None = None,
                 suspended=(), closed_ports=()) -> np.ndarray:
        """The augmented graph's arc costs: the mode's road arcs, then the legs."""
        road = self.router.engines[mode].cost if road_arc_cost is None else road_arc_cost
        out = np.empty(len(self.arc_leg))
        out[self.road_position] = road
        out[self.leg_position] = self.leg_cost(mode, modes, suspended=suspended, closed_ports=closed_ports)
        return out

    def engine(self, mode: str, modes: tuple[str, ...]) -> PathEngine:
        """The search over roads and the legs of ``modes`` in a risk mode (built once, then cached)."""
        key = (mode, tuple(sorted(modes)))
        engine = self._engines.get(key)
        if engine is None:
            with self._lock:
                engine = self._engines.get(key)
                if engine is None:
                    engine = PathEngine(self.topology, self.arc_cost(mode, modes))
                    shared = self._tight.get(mode)
                    if shared is not None:
                        engine.bounds, engine.tight = shared, True
                    self._engines[key] = engine
        return engine

    def tighten(self) -> None:
        """Cost-based landmark bounds per risk mode, computed with every leg usable (seconds on 10^5 nodes).

        Fewer travel modes only make arcs dearer (``inf``), so one set of tables per risk mode is
        valid for every engine of that mode, and shared.
        """
        if self.n_legs == 0:
            return
        for mode in RISK_MODES:
            full = self.engine(mode, TRAVEL_MODES)
            full.tighten()
            with self._lock:
                self._tight[mode] = full.bounds
                for (m, _), engine in self._engines.items():
                    if m == mode:
                        engine.bounds, engine.tight = full.bounds, True

    # ------------------------------------------------------------------ search
    def trip(self, origin: Snap, destination: Snap, mode: str, modes: tuple[str, ...], *,
             edge_cost: np.ndarray | None = None, suspended=(), closed_ports=()) -> Trip | None:
        """Cheapest trip over roads and the legs of ``modes``, or None when there is none.

        ``edge_cost`` replaces the mode's road edge costs (what-if; only dearer), ``suspended`` and
        ``closed_ports`` take connections and ports (ids) out.  A trip whose best way uses no leg
        is the road route itself.
        """
        router = self.router
        road = router.route(origin, destination, mode, edge_cost=edge_cost)
        if not any(m in LEG_MODES for m in modes) or self.n_legs == 0:
            return None if road is None else Trip(road, (Stage("road", road),))
        cost = router.edge_cost[mode] if edge_cost is None else edge_cost
        u, v, oneway = router.network.u, router.network.v, router.network.oneway
        e0, t0, e1, t1 = origin.edge, origin.fraction, destination.edge, destination.fraction
        sources = _finite({int(v[e0]): _part(1 - t0, cost[e0]),
                           int(u[e0]): _part(t0, np.inf if oneway[e0] else cost[e0])})
        targets = _finite({int(u[e1]): _part(t1, cost[e1]),
                           int(v[e1]): _part(1 - t1, np.inf if oneway[e1] else cost[e1])})
        engine = self.engine(mode, modes)
        arc_cost = None
        if edge_cost is not None or len(suspended) or len(closed_ports):
            road_arcs = None if edge_cost is None else edge_cost[router.graph.arc_edge]
            arc_cost = self.arc_cost(mode, modes, road_arc_cost=road_arcs, suspended=suspended,
                                     closed_ports=closed_ports)
        best = engine.shortest(sources, targets, arc_cost=arc_cost)
        if best is None or not (self.arc_leg[best.arcs] >= 0).any() or (road is not None and road.cost <= best.cost):
            return None if road is None else Trip(road, (Stage("road", road),))
        return self._assemble(origin, destination, best)

    def _assemble(self, origin: Snap, destination: Snap, path) -> Trip:
        """Split a found path at its legs; measure each road piece and the road part as a whole."""
        router = self.router
        net = router.network
        g = router.graph
        lines = net.edge_geoms
        t0, t1 = origin.fraction, destination.fraction
        leg_of = self.arc_leg[path.arcs]
        cuts = np.flatnonzero(leg_of >= 0)
        bounds = np.r_[-1, cuts, len(path.arcs)]
        leaves_forward = path.nodes[0] == net.v[origin.edge]
        arrives_forward = path.nodes[-1] == net.u[destination.edge]
        pieces = []
        for k in range(len(bounds) - 1):
            arcs = path.arcs[bounds[k] + 1:bounds[k + 1]]
            road_arcs = self._road_arc(arcs)
            edges: list[int] = [int(e) for e in g.arc_edge[road_arcs]]
            shares: list[float] = [1.0] * len(edges)
            coords = [_oriented_coordinates(lines[g.arc_edge[road_arcs]], g.arc_forward[road_arcs])]
            if k == 0:
                share = (1 - t0) if leaves_forward else t0
                first = ops.substring(lines[origin.edge], t0, 1, normalized=True) if leaves_forward \
                    else shapely.reverse(ops.substring(lines[origin.edge], 0, t0, normalized=True))
                edges, shares = [origin.edge, *edges], [share, *shares]
                coords.insert(0, shapely.get_coordinates(first))
            if k == len(bounds) - 2:
                share = t1 if arrives_forward else 1 - t1
                last = ops.substring(lines[destination.edge], 0, t1, normalized=True) if arrives_forward \
                    else shapely.reverse(ops.substring(lines[destination.edge], t1, 1, normalized=True))
                edges, shares = [*edges, destination.edge], [*shares, share]
                coords.append(shapely.get_coordinates(last))
            at = net.graph.nodes[self.tail[leg_of[cuts[k]]]] if k < len(cuts) else net.graph.nodes[
                self.head[leg_of[cuts[k - 1]]]]
            line = _as_line(shapely.LineString(np.concatenate(coords)) if sum(map(len, coords)) >= 2 else None,
                            shapely.Point(at))
            pieces.append((line, np.array(edges, dtype=np.int64), np.array(shares, dtype=float)))
        stages: list[Stage] = []
        full: list[np.ndarray] = []
        for k, (line, piece_edges, piece_shares) in enumerate(pieces):
            if len(piece_edges):  # none between two legs at one port
                stages.append(Stage("road", router._measure(line, piece_edges, piece_shares, 0.0)))
            full.append(shapely.get_coordinates(line))
            if k < len(cuts):
                leg = int(leg_of[cuts[k]])
                stages.append(Stage(str(self.mode[leg]), leg=leg))
                full.append(shapely.get_coordinates(self.leg_line(leg)))
        pieces = [p for p in pieces if len(p[1])]
        whole = router._measure(shapely.MultiLineString([p[0] for p in pieces]), np.concatenate([p[1] for p in pieces]),
                                np.concatenate([p[2] for p in pieces]), path.cost)
        return Trip(dataclasses.replace(whole, geometry=shapely.LineString(np.concatenate(full))), tuple(stages))

    def _road_arc(self, arcs: np.ndarray) -> np.ndarray:
        """Road-graph arc indices of augmented road arcs."""
        return self._road_arc_of[arcs]

    def access_arcs(self) -> tuple[np.ndarray, np.ndarray]:
        """Tail and figure row of each augmented arc, for access trees: road arcs their edge, legs after them."""
        row = np.empty(len(self.arc_leg), dtype=np.int64)
        row[self.road_position] = self.router.graph.arc_edge
        row[self.leg_position] = self.router.graph.n_edges + np.arange(self.n_legs)
        return self.topology.tail, row

    def leg_figures(self, columns: tuple[str, ...]) -> np.ndarray:
        """One row per leg: the access figures routes add up (``columns``), then metres by sea and by air."""
        rows = np.zeros((self.n_legs, len(columns) + 2))
        length = shapely.length(np.array([self.leg_line(i) for i in range(self.n_legs)], dtype=object)) \
            if self.n_legs else np.zeros(0)
        rows[:, columns.index("length_m")] = length
        rows[:, columns.index("seconds")] = self.transfer_s + self.wait_s + self.duration_s
        rows[:, len(columns)] = np.where(self.mode == "sea", length, 0.0)
        rows[:, len(columns) + 1] = np.where(self.mode == "air", length, 0.0)
        return rows

    def leg_line(self, leg: int) -> shapely.LineString:
        """A leg's line (metric), in travel order."""
        line = self.lines[self.conn[leg]]
        return line if self.forward[leg] else shapely.reverse(line)

    def leg_seconds(self, leg: int) -> float:
        """Expected time of a leg without a departure time: transfer, average wait, crossing."""
        return float(self.transfer_s[leg] + self.wait_s[leg] + self.duration_s[leg])


def _augmented(router: Router, tail: np.ndarray, head: np.ndarray, least: np.ndarray):
    """The roads-plus-legs topology (cached on the road network by the leg arcs) and the arc maps.

    Returns the topology, where each road arc and each leg arc sits in it, and the leg of each
    augmented arc (-1 for road arcs).
    """
    net = router.network
    g = router.graph
    n_road = len(g.arc_tail)
    tails = np.r_[g.arc_tail, tail].astype(np.int64)
    order = np.argsort(tails, kind="stable")  # road arcs keep their order; legs follow at their tail
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    arc_leg = np.full(len(order), -1, dtype=np.int64)
    arc_leg[position[n_road:]] = np.arange(len(tail))
    key = hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in (tail, head, least))).hexdigest()
    topology = net.augmented.get(key)
    if topology is None:
        length = g.edges["length_m"].to_numpy()[g.arc_edge]
        heads = np.r_[g.arc_head, head].astype(np.int64)
        topology = Topology.of_arcs(g.nodes, tails[order], heads[order], np.r_[length, least][order],
                                    straight_line=False)
        net.augmented.clear()  # one set of legs at a time: the previous version's is dropped
        net.augmented[key] = topology
    assert isinstance(topology, Topology)
    return topology, position[:n_road], position[n_road:], arc_leg
