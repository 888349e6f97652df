"""Departure times that choose the boat: the trip search over roads and legs with each leg's actual wait.

Without a departure time a leg costs its schedule's average wait (``legs.expected_wait_s``).  Given
one (``depart``, an aware local time), the search carries along each node the time the traveller
reaches it, and a leg's cost is the transfer, the wait from then to the leg's next departure in its
timetable, and the crossing, in the road search's units as before (an hour weighs
``leg_cost_kmh`` km of open road).  A daily flight at 08:00 and a Mon,Thu barge at 07:00 are
then weighed by the waits a traveller leaving on a Monday at 05:00 would really have.  Schedules
without a timetable (``weekly``, ``on request``) keep their average wait, as ``next_departure``
gives them.

The search is A* over the same roads-and-legs topology, one label per node (label-setting on cost,
each label carrying its arrival time): the road stretches are the cheapest road paths, and a dearer
road that would reach a port in time for an earlier departure is not weighed against the wait
(waiting at a port costs as much per hour as a leg's time does, so this only matters when the
cheaper road arrives just after a departure).  Every wait is at least zero, so the landmark bounds
computed with legs at their least cost (transfer and crossing, no wait) stay admissible: the
topology's length-based tables, or cost-based ones made by ``Timetable.tighten``.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref

import numba
import numpy as np

from .engine import Path as FoundPath
from .engine import PathEngine, _heap_pop, _heap_push, _lower_bound, _walk_back
from .legs import LEG_MODES, RISK_MODES, TRAVEL_MODES, LegNetwork, Stage, Trip, expected_wait_s
from .routing import Snap, _finite, _part

#: how far ahead departures are laid out (a trip waiting longer than this takes the average wait)
HORIZON_DAYS = 15

_CACHE: weakref.WeakKeyDictionary[LegNetwork, Timetable] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


def timetable_of(legs: LegNetwork) -> Timetable:
    """The Timetable of a LegNetwork (made once per data version, then shared)."""
    found = _CACHE.get(legs)
    if found is None:
        with _CACHE_LOCK:
            found = _CACHE.get(legs)
            if found is None:
                found = _CACHE[legs] = Timetable(legs)
    return found


class Timetable:
    """What the timed search needs of one LegNetwork: road arc times, each leg's days and clock times."""

    def __init__(self, legs: LegNetwork):
        self.legs = legs
        router = legs.router
        rules = legs.rules
        #: seconds to travel each augmented arc that is a road (legs: 0, timed by their schedule)
        self.arc_seconds = np.zeros(len(legs.arc_leg))
        self.arc_seconds[legs.road_position] = router.edge_seconds[router.graph.arc_edge]
        #: what the untimed search charges for the average wait, taken off when the real wait is known
        self.average_wait_cost = legs.wait_s * rules.metres_per_s
        n = legs.n_legs
        #: the wait of legs without a timetable (weekly, on request); -1: timetabled
        self.fixed_wait = np.full(n, -1.0)
        default = ((rules.default_hour, 0),)
        clock = sorted({t for s in legs.schedule for t in (s.times or default)})
        self.clock = [dt.time(h, m) for h, m in clock]
        self.runs = np.zeros((n, 7), dtype=bool)  # leg departs on weekday (0 = Monday)
        self.at = np.zeros((n, len(clock)), dtype=bool)  # leg departs at clock time
        for i, schedule in enumerate(legs.schedule):
            if schedule.kind in ("on_request", "weekly"):
                self.fixed_wait[i] = expected_wait_s(schedule, rules)
                continue
            self.runs[i] = [bool(schedule.runs_on(d)) for d in range(7)]
            for t in schedule.times or default:
                self.at[i, clock.index(t)] = True
        self._bounds: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    def departures(self, depart: dt.datetime) -> np.ndarray:
        """Each leg's departures over ``HORIZON_DAYS`` from ``depart``'s day, in seconds after ``depart``.

        One row per leg, sorted, padded with ``inf``; times are local (daylight saving included).
        """
        start = depart.timestamp()
        days = [depart.date() + dt.timedelta(days=k) for k in range(HORIZON_DAYS)]
        seconds = np.array([[dt.datetime.combine(day, t, tzinfo=depart.tzinfo).timestamp() - start
                             for t in self.clock] for day in days]).reshape(len(days), len(self.clock))
        runs = self.runs[:, [day.weekday() for day in days]]  # (legs, days)
        table = np.where(runs[:, :, None] & self.at[:, None, :], seconds[None], np.inf)
        table = table.reshape(self.legs.n_legs, -1)
        table.sort(axis=1)
        return np.ascontiguousarray(table)

    def least_arc_cost(self, arc_cost: np.ndarray) -> np.ndarray:
        """Arc costs with every leg at its least (no wait): what admissible bounds are computed on."""
        out = arc_cost.copy()
        out[self.legs.leg_position] -= self.average_wait_cost
        return out

    def tighten(self) -> None:
        """Cost-based landmark bounds per risk mode with legs at their least cost (seconds on 10^5 nodes)."""
        legs = self.legs
        if legs.n_legs == 0:
            return
        for mode in RISK_MODES:
            if mode in self._bounds:
                continue
            engine = PathEngine(legs.topology, self.least_arc_cost(legs.engine(mode, TRAVEL_MODES).cost))
            engine.tighten()
            with self._lock:
                self._bounds[mode] = engine.bounds

    def bounds(self, mode: str) -> tuple[np.ndarray, np.ndarray]:
        """The landmark tables a timed search in ``mode`` may use: cost-based once tightened, else on lengths."""
        t = self.legs.topology
        return self._bounds.get(mode, (t.lm_from, t.lm_to))

    def search(self, engine: PathEngine, mode: str, depart: dt.datetime, sources: dict[int, tuple[float, float]],
               targets: dict[int, float], *, arc_cost: np.ndarray | None = None) -> FoundPath | None:
        """Cheapest path with actual waits; ``sources`` give each start node's (cost, seconds after ``depart``)."""
        if not sources or not targets:
            return None
        t = self.legs.topology
        local = t.local
        workspace = engine._workspace()
        clock = getattr(local, "timed_clock", None)
        if clock is None or len(clock) != t.n_nodes:
            clock = local.timed_clock = np.zeros(t.n_nodes)
        stamp = workspace.next_stamp()
        lm_from, lm_to = self.bounds(mode)
        legs = self.legs
        fallback = np.where(self.fixed_wait >= 0, self.fixed_wait, legs.wait_s)
        best, end, settled = _timed_astar(
            t.indptr, t.head, engine.cost if arc_cost is None else np.ascontiguousarray(arc_cost, dtype=np.float64),
            t.xy, lm_from, lm_to, np.fromiter(sources, dtype=np.int64),
            np.array([c for c, _ in sources.values()]), np.array([s for _, s in sources.values()]),
            np.fromiter(targets, dtype=np.int64), np.fromiter(targets.values(), dtype=np.float64),
            workspace.state, clock, workspace.pred_arc, workspace.heap, float(stamp),
            legs.arc_leg, self.arc_seconds, legs.transfer_s, legs.duration_s, self.average_wait_cost,
            self.departures(depart), self.fixed_wait >= 0, fallback, legs.rules.metres_per_s)
        engine.last_settled = settled
        if end < 0:
            return None
        arcs = _walk_back(workspace.pred_arc, t.tail, end)
        nodes = np.r_[t.tail[arcs], end] if len(arcs) else np.array([end], dtype=np.int64)
        return FoundPath(cost=float(best), nodes=nodes, arcs=arcs)


def timed_trip(legs: LegNetwork, origin: Snap, destination: Snap, mode: str, modes: tuple[str, ...],
               depart: dt.datetime, *, edge_cost: np.ndarray | None = None, suspended=(), closed_ports=()
               ) -> Trip | None:
    """Cheapest trip leaving ``depart`` over roads and the legs of ``modes``, each leg at its actual wait.

    As ``LegNetwork.trip`` otherwise: the road route stays a candidate, and is the trip when no leg beats it.
    """
    router = legs.router
    road = router.route(origin, destination, mode, edge_cost=edge_cost)
    if not any(m in LEG_MODES for m in modes) or legs.n_legs == 0:
        return None if road is None else Trip(road, (Stage("road", road),))
    cost = router.edge_cost[mode] if edge_cost is None else edge_cost
    net = router.network
    seconds = router.edge_seconds
    e0, t0, e1, t1 = origin.edge, origin.fraction, destination.edge, destination.fraction
    starts = {int(net.v[e0]): (_part(1 - t0, cost[e0]), (1 - t0) * seconds[e0]),
              int(net.u[e0]): (_part(t0, np.inf if net.oneway[e0] else cost[e0]), t0 * seconds[e0])}
    sources = {node: pair for node, pair in starts.items() if np.isfinite(pair[0])}
    targets = _finite({int(net.u[e1]): _part(t1, cost[e1]),
                       int(net.v[e1]): _part(1 - t1, np.inf if net.oneway[e1] else cost[e1])})
    engine = legs.engine(mode, modes)
    arc_cost = None
    if edge_cost is not None or len(suspended) or len(closed_ports):
        road_arcs = None if edge_cost is None else edge_cost[router.graph.arc_edge]
        arc_cost = legs.arc_cost(mode, modes, road_arc_cost=road_arcs, suspended=suspended, closed_ports=closed_ports)
    best = timetable_of(legs).search(engine, mode, depart, sources, targets, arc_cost=arc_cost)
    if best is None or not (legs.arc_leg[best.arcs] >= 0).any() or (road is not None and road.cost <= best.cost):
        return None if road is None else Trip(road, (Stage("road", road),))
    return legs._assemble(origin, destination, best)


@numba.njit(cache=True, nogil=True)
def _timed_astar(indptr, head, cost, xy, lm_from, lm_to, src, src_cost, src_time, tgt, tgt_cost,  # noqa: C901, PLR0913
                 state, clock, pred_arc, heap, stamp, arc_leg, arc_seconds, transfer, crossing, average_wait_cost,
                 departures, fixed, fallback_wait, metres_per_s):
    """A* as ``engine._astar``, each node also keeping when it is reached (``clock``, seconds after departure).

    A leg arc's cost is its untimed cost less the average wait, plus the wait from the traveller's
    readiness (arrival and transfer) to the leg's next departure in ``departures`` (its row,
    sorted), converted at ``metres_per_s``; legs without a timetable (``fixed``) and departures
    beyond the table wait ``fallback_wait``.
    """
    capacity = heap.shape[0]
    size = 0
    for i in range(src.shape[0]):
        s = src[i]
        if state[s, 2] != stamp:
            state[s, 2] = stamp
            state[s, 0] = np.inf
            pred_arc[s] = -1
            state[s, 1] = _lower_bound(s, xy, lm_from, lm_to, tgt, tgt_cost)
        if src_cost[i] < state[s, 0]:
            state[s, 0] = src_cost[i]
            clock[s] = src_time[i]
            size = _heap_push(heap, size, state[s, 0] + state[s, 1], s)
    best = np.inf
    end = -1
    settled = 0
    while size > 0:
        key, u, size = _heap_pop(heap, size)
        if state[u, 3] == stamp:
            continue
        if key >= best:
            break
        state[u, 3] = stamp
        settled += 1
        gu = state[u, 0]
        tu = clock[u]
        for j in range(tgt.shape[0]):
            if tgt[j] == u and gu + tgt_cost[j] < best:
                best = gu + tgt_cost[j]
                end = u
        for a in range(indptr[u], indptr[u + 1]):
            c = cost[a]
            if c == np.inf:
                continue
            leg = arc_leg[a]
            if leg < 0:
                reached = tu + arc_seconds[a]
            else:
                ready = tu + transfer[leg]
                wait = fallback_wait[leg]
                if not fixed[leg]:
                    row = departures[leg]
                    for k in range(row.shape[0]):
                        if row[k] >= ready - 1e-6:
                            if row[k] < np.inf:
                                wait = max(row[k] - ready, 0.0)
                            break
                c = c - average_wait_cost[leg] + wait * metres_per_s
                reached = ready + wait + crossing[leg]
            v = head[a]
            if state[v, 2] != stamp:
                state[v, 2] = stamp
                state[v, 0] = np.inf
                state[v, 1] = _lower_bound(v, xy, lm_from, lm_to, tgt, tgt_cost)
            elif state[v, 3] == stamp:
                continue
            nd = gu + c
            if nd < state[v, 0]:
                state[v, 0] = nd
                clock[v] = reached
                pred_arc[v] = a
                if nd + state[v, 1] < best and size < capacity:
                    size = _heap_push(heap, size, nd + state[v, 1], v)
    return best, end, settled
