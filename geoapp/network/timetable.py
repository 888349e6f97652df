"""Departure times that choose the boat: the trip search over roads and legs with each leg's actual wait.

Without a departure time a leg costs its schedule's average wait (``legs.expected_wait_s``).  Given
one (``depart``, an aware local time), the search carries along each node the time the traveller
reaches it, and a leg's cost is the transfer, the wait from then to the leg's next departure in its
timetable, and the crossing, in the road search's units as before (an hour weighs
``leg_cost_kmh`` km of open road).  A daily flight at 08:00 and a Mon,Thu barge at 07:00 are
then weighed by the waits a traveller leaving on a Monday at 05:00 would really have.  Schedules
without a timetable (``weekly``, ``on request``) keep their average wait, as ``next_departure``
gives them.

The search is A* over the same roads-and-legs topology with one label per node (label-setting on
cost, each label carrying its arrival time): it finds the trip a Dijkstra over those labels finds.
The road stretches are thus the cheapest road paths between ports; a dearer road that would reach a
port in time for an earlier departure is not weighed against the wait.  Every wait is at least
zero, so landmark bounds computed with legs at their least cost (transfer and crossing, no wait)
stay admissible (``Timetable.tighten`` makes cost-based ones, in the background).  Per question,
the road route and the trip found with average waits, priced at their actual waits, are the trips
to beat: legs that cannot beat them are left out, the key's bound adds the road-only bound and the
straight line to a remaining leg's port, and a label is dropped when even the time until the next
departure it can still catch (each second costing at least the cheapest road's rate) makes it
dearer than the best trip known.
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
from .routing import Route, Snap, _finite, _part

#: how far ahead departures are laid out (a trip waiting longer than this takes the average wait)
HORIZON_DAYS = 15

_CACHE: weakref.WeakKeyDictionary[LegNetwork, Timetable] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.RLock()  # a vehicle copy's Timetable looks up the data's


def timetable_of(legs: LegNetwork) -> Timetable:
    """The Timetable of a LegNetwork (made once per data version, then shared).

    A vehicle's copy of the legs (``LegNetwork.over``) gets its own (its roads' times) and shares
    the cost-based bounds of the data's: its costs only rise, so they stay admissible.
    """
    found = _CACHE.get(legs)
    if found is None:
        with _CACHE_LOCK:
            found = _CACHE.get(legs)
            if found is None:
                found = _CACHE[legs] = Timetable(legs)
                base = legs.router.variants.get("legs")
                if base is not None and base[1] is legs:
                    found._bounds = timetable_of(base[0])._bounds
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
        self._rate: dict[str, float] = {}
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

    def cost_per_second(self, mode: str) -> float:
        """The least cost a second of a trip can add in ``mode``: the cheapest road per second, or a leg's rate.

        Road costs only ever rise (what-if, after dark), so it stays a floor for them too.
        """
        found = self._rate.get(mode)
        if found is None:
            router = self.legs.router
            cost, seconds = router.edge_cost[mode], router.edge_seconds
            moving = np.isfinite(cost) & (seconds > 0)
            road = float((cost[moving] / seconds[moving]).min()) if moving.any() else np.inf
            found = self._rate[mode] = min(road, self.legs.rules.metres_per_s)
        return found

    def _boarding(self, table: np.ndarray, usable: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
        """What bounds the time until the next departure anyone can board, from any moment of the trip.

        Returns the latest arrival at the port for each departure of a usable leg (sorted), the
        earliest departure from there on (suffix minimum), the least transfer and wait of the usable
        legs without a timetable, and the least transfer (for moments past the table).
        """
        legs = self.legs
        timed = usable & (self.fixed_wait < 0)
        departs = table[timed]
        latest = (departs - legs.transfer_s[timed][:, None]).ravel()
        departs = departs.ravel()
        keep = np.isfinite(departs)
        order = np.argsort(latest[keep], kind="stable")
        latest, departs = latest[keep][order], departs[keep][order]
        boards = np.minimum.accumulate(departs[::-1])[::-1] if len(departs) else departs
        fixed = usable & (self.fixed_wait >= 0)
        fixed_gap = float((legs.transfer_s[fixed] + self.fixed_wait[fixed]).min()) if fixed.any() else np.inf
        floor_gap = float(legs.transfer_s[timed].min()) if timed.any() else np.inf
        return np.ascontiguousarray(latest), np.ascontiguousarray(boards), fixed_gap, floor_gap

    def _legs_to_try(self, cost: np.ndarray, lm_from: np.ndarray, lm_to: np.ndarray, table: np.ndarray,
                     sources: dict[int, tuple[float, float]], targets: dict[int, float], beat: float, rate: float
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The legs that may give a trip cheaper than ``beat``, their tails, and the least cost from each tail on.

        A leg is left out when even the bound from the start to its port, its least cost and the
        bound from its arrival on reach ``beat``, or when its first departure the traveller can
        catch comes too late for that (every second until then costs ``rate`` at least).  The
        tails and costs make the search's bound through a first leg (``_via_bound``).
        """
        legs = self.legs
        t = legs.topology
        least = cost[legs.leg_position] - self.average_wait_cost
        fixed = self.fixed_wait >= 0
        first = np.where(fixed, legs.transfer_s + self.fixed_wait, np.inf)
        for leg in np.flatnonzero(~fixed):
            row = table[leg]
            at = np.searchsorted(row, legs.transfer_s[leg] + min(s for _, s in sources.values()) - 1e-6)
            first[leg] = row[at] if at < len(row) and np.isfinite(row[at]) else legs.transfer_s[leg]  # past the table
        kept, onward = _legs_bounds(
            np.fromiter(sources, dtype=np.int64), np.array([c for c, _ in sources.values()]),
            np.fromiter(targets, dtype=np.int64), np.fromiter(targets.values(), dtype=np.float64), t.xy, lm_from,
            lm_to, legs.tail, legs.head, least, least - legs.transfer_s * legs.rules.metres_per_s, first, float(beat),
            float(rate))
        return kept, np.ascontiguousarray(legs.tail[kept]), np.ascontiguousarray(onward[kept])

    def search(self, engine: PathEngine, mode: str, depart: dt.datetime, sources: dict[int, tuple[float, float]],
               targets: dict[int, float], *, arc_cost: np.ndarray | None = None, beat: float = np.inf,
               untimed: FoundPath | None = None) -> FoundPath | None:
        """Cheapest path with actual waits; ``sources`` give each start node's (cost, seconds after ``depart``).

        ``beat``: only a path cheaper than this is wanted (the road route's cost).  ``untimed``: the
        path the search with average waits found, priced at its actual waits: the trip to beat, and
        the answer when nothing beats it.  None when no path is cheaper than ``beat``.
        """
        if not sources or not targets:
            return None
        t = self.legs.topology
        legs = self.legs
        cost = engine.cost if arc_cost is None else np.ascontiguousarray(arc_cost, dtype=np.float64)
        table = self.departures(depart)
        fixed = self.fixed_wait >= 0
        fallback = np.where(fixed, self.fixed_wait, legs.wait_s)
        timing = (legs.arc_leg, self.arc_seconds, legs.transfer_s, legs.duration_s, self.average_wait_cost, table,
                  fixed, fallback, legs.rules.metres_per_s)

        def priced(arcs: np.ndarray, end: int) -> FoundPath:
            nodes = np.r_[t.tail[arcs], end] if len(arcs) else np.array([end], dtype=np.int64)
            start_cost, start_time = sources[int(nodes[0])]
            total = _walk_cost(arcs, start_cost, start_time, cost, *timing) + targets[int(end)]
            return FoundPath(cost=float(total), nodes=nodes, arcs=arcs)

        known = None
        if untimed is not None and int(untimed.nodes[0]) in sources and int(untimed.nodes[-1]) in targets:
            known = priced(untimed.arcs, int(untimed.nodes[-1]))
            beat = min(beat, known.cost)
        local = t.local
        workspace = engine._workspace()
        clock = getattr(local, "timed_clock", None)
        if clock is None or len(clock) != t.n_nodes:
            clock = local.timed_clock = np.zeros(t.n_nodes)
        road_seen = getattr(local, "timed_road_bound", None)
        if road_seen is None or len(road_seen) != t.n_nodes:
            road_seen = local.timed_road_bound = np.zeros(t.n_nodes)
        stamp = workspace.next_stamp()
        lm_from, lm_to = self.bounds(mode)
        road = legs.router.engines[mode]
        road_from, road_to = road.bounds
        kept, tails, via_cost = self._legs_to_try(cost, lm_from, lm_to, table, sources, targets, beat,
                                                  self.cost_per_second(mode))
        latest, boards, fixed_gap, floor_gap = self._boarding(table, kept)
        best, end, settled = _timed_astar(
            t.indptr, t.head, cost, t.xy, lm_from, lm_to, np.fromiter(sources, dtype=np.int64),
            np.array([c for c, _ in sources.values()]), np.array([s for _, s in sources.values()]),
            np.fromiter(targets, dtype=np.int64), np.fromiter(targets.values(), dtype=np.float64),
            workspace.state, clock, road_seen, workspace.pred_arc, workspace.heap, float(stamp), *timing,
            float(beat), road.topology.xy, road_from, road_to, latest, boards, fixed_gap, floor_gap,
            self.cost_per_second(mode), kept, tails, via_cost)
        engine.last_settled = settled
        if end < 0:
            return known
        found = priced(_walk_back(workspace.pred_arc, t.tail, end), end)
        return found if known is None or found.cost < known.cost else known


def timed_trip(legs: LegNetwork, origin: Snap, destination: Snap, mode: str, modes: tuple[str, ...],
               depart: dt.datetime, *, edge_cost: np.ndarray | None = None, suspended=(), closed_ports=(),
               road: Route | None = None) -> Trip | None:
    """Cheapest trip leaving ``depart`` over roads and the legs of ``modes``, each leg at its actual wait.

    As ``LegNetwork.trip`` otherwise: the road route (``road``, when the caller has it for these
    costs) stays a candidate, and is the trip when no leg beats it.
    """
    router = legs.router
    if road is None:
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
    untimed = engine.shortest({node: c for node, (c, _) in sources.items()}, targets, arc_cost=arc_cost)
    best = timetable_of(legs).search(engine, mode, depart, sources, targets, arc_cost=arc_cost,
                                     beat=np.inf if road is None else road.cost, untimed=untimed)
    if best is None or not (legs.arc_leg[best.arcs] >= 0).any() or (road is not None and road.cost <= best.cost):
        return None if road is None else Trip(road, (Stage("road", road),))
    return legs._assemble(origin, destination, best)


@numba.njit(cache=True, nogil=True, inline="always")
def _wait(leg, ready, departures, fixed, fallback_wait):
    """Seconds from ``ready`` to the leg's next departure (its row of ``departures``), else ``fallback_wait``."""
    if not fixed[leg]:
        row = departures[leg]
        for k in range(row.shape[0]):
            if row[k] >= ready - 1e-6:
                if row[k] < np.inf:
                    return max(row[k] - ready, 0.0)
                break
    return fallback_wait[leg]


@numba.njit(cache=True, nogil=True)
def _walk_cost(arcs, start_cost, start_time, cost, arc_leg, arc_seconds, transfer, crossing, average_wait_cost,
               departures, fixed, fallback_wait, metres_per_s):
    """The cost of a path's arcs taken from ``start_time``, as the search counts it."""
    total = start_cost
    now = start_time
    for i in range(arcs.shape[0]):
        a = arcs[i]
        leg = arc_leg[a]
        if leg < 0:
            total += cost[a]
            now += arc_seconds[a]
        else:
            ready = now + transfer[leg]
            wait = _wait(leg, ready, departures, fixed, fallback_wait)
            total += cost[a] - average_wait_cost[leg] + wait * metres_per_s
            now = ready + wait + crossing[leg]
    return total


@numba.njit(cache=True, nogil=True)
def _legs_bounds(src, src_cost, tgt, tgt_cost, xy, lm_from, lm_to, tail, head, least, boarded, first, beat, rate):
    """Per leg: whether it may beat ``beat`` (see ``Timetable._legs_to_try``), and its least cost onward.

    ``boarded``: a leg's least cost less its transfer (what it costs once on board); ``first``: its
    first departure the traveller can catch, in seconds after leaving.
    """
    n = tail.shape[0]
    kept = np.zeros(n, dtype=np.bool_)
    onward = np.full(n, np.inf)
    one = np.zeros(1, dtype=np.int64)
    zero = np.zeros(1)
    for leg in range(n):
        if least[leg] == np.inf:
            continue
        after = _lower_bound(head[leg], xy, lm_from, lm_to, tgt, tgt_cost)
        onward[leg] = least[leg] + after
        one[0] = tail[leg]
        start = np.inf
        for i in range(src.shape[0]):
            start = min(start, src_cost[i] + _lower_bound(src[i], xy, lm_from, lm_to, one, zero))
        kept[leg] = start + onward[leg] < beat and rate * first[leg] + boarded[leg] + after < beat
    return kept, onward


@numba.njit(cache=True, nogil=True, fastmath=True)
def _via_bound(v, xy, tails, via_cost):
    """Lower bound through a first leg: the straight line to its port (no road is shorter), then ``via_cost``."""
    best = np.inf
    for j in range(tails.shape[0]):
        dx = xy[v, 0] - xy[tails[j], 0]
        dy = xy[v, 1] - xy[tails[j], 1]
        h = np.sqrt(dx * dx + dy * dy) + via_cost[j]
        if h < best:
            best = h
    return best


@numba.njit(cache=True, nogil=True, inline="always")
def _bound(v, when, least, road, latest, boards, fixed_gap, floor_gap, rate):
    """Lower bound of the cost from ``v`` reached at ``when``, consistent along road and leg arcs alike.

    Any way on costs at least the bound with legs at their least cost (``least``); by road alone
    it costs at least the road-only bound (``road``), and through a leg at least the time until
    the first departure that can still be boarded times the least cost per second (driving, the
    transfer and the wait all cost that much per second at least).  Mixing the two tables' bounds
    otherwise (the smaller of road and through-a-leg) is admissible but not consistent across a
    leg arc, and a search that settles each node once would then miss cheaper trips.
    """
    i = np.searchsorted(latest, when - 1e-6)
    gap = boards[i] - when if i < latest.shape[0] else floor_gap
    gap = min(max(gap, 0.0), fixed_gap)
    return max(least, min(road, rate * gap))


@numba.njit(cache=True, nogil=True)
def _timed_astar(indptr, head, cost, xy, lm_from, lm_to, src, src_cost, src_time, tgt, tgt_cost,  # noqa: C901, PLR0913
                 state, clock, road_seen, pred_arc, heap, stamp, arc_leg, arc_seconds, transfer, crossing,
                 average_wait_cost, departures, fixed, fallback_wait, metres_per_s, beat, road_xy, road_from, road_to,
                 latest, boards, fixed_gap, floor_gap, rate, kept, tails, via_cost):
    """A* as ``engine._astar``, each node also keeping when it is reached (``clock``, seconds after departure).

    A leg arc's cost is its untimed cost less the average wait, plus the wait from the traveller's
    readiness (arrival and transfer) to the leg's next departure in ``departures`` (its row,
    sorted), converted at ``metres_per_s``; legs without a timetable (``fixed``) and departures
    beyond the table wait ``fallback_wait``.  Only paths cheaper than ``beat`` are looked for.
    The bound (``_bound``) takes the smaller of the road-only one (``road_*`` tables, in
    ``road_seen``) and the one through a leg (``lm_*`` tables with legs at their least cost, in
    ``state``, and the time to the next departure that can be boarded).  Only the ``kept`` legs
    are tried; the key is the larger of the least-cost bound and the smaller of the road-only
    bound and the bound through a first leg (``_via_bound``): consistent
    along road and leg arcs, so each node is settled once.
    """
    capacity = heap.shape[0]
    size = 0
    for i in range(src.shape[0]):
        s = src[i]
        if state[s, 2] != stamp:
            state[s, 2] = stamp
            state[s, 0] = np.inf
            pred_arc[s] = -1
            road_seen[s] = _lower_bound(s, road_xy, road_from, road_to, tgt, tgt_cost)
            state[s, 1] = max(_lower_bound(s, xy, lm_from, lm_to, tgt, tgt_cost),
                              min(road_seen[s], _via_bound(s, road_xy, tails, via_cost)))
        if src_cost[i] < state[s, 0]:
            state[s, 0] = src_cost[i]
            clock[s] = src_time[i]
            size = _heap_push(heap, size, state[s, 0] + state[s, 1], s)
    best = beat
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
            elif not kept[leg]:
                continue
            else:
                ready = tu + transfer[leg]
                wait = _wait(leg, ready, departures, fixed, fallback_wait)
                c = c - average_wait_cost[leg] + wait * metres_per_s
                reached = ready + wait + crossing[leg]
            v = head[a]
            if state[v, 2] != stamp:
                state[v, 2] = stamp
                state[v, 0] = np.inf
                road_seen[v] = _lower_bound(v, road_xy, road_from, road_to, tgt, tgt_cost)
                state[v, 1] = max(_lower_bound(v, xy, lm_from, lm_to, tgt, tgt_cost),
                                  min(road_seen[v], _via_bound(v, road_xy, tails, via_cost)))
            elif state[v, 3] == stamp:
                continue
            nd = gu + c
            if nd < state[v, 0]:
                if nd + _bound(v, reached, state[v, 1], road_seen[v], latest, boards, fixed_gap, floor_gap,
                               rate) >= best:
                    continue  # cannot lead to a trip cheaper than the best known: not kept
                state[v, 0] = nd
                clock[v] = reached
                pred_arc[v] = a
                if size < capacity:
                    size = _heap_push(heap, size, nd + state[v, 1], v)
    return best, end, settled
