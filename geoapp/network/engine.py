"""Goal-directed shortest paths over a road graph's arcs, compiled with numba.

A* with two admissible lower bounds: straight-line distance (every cost is at least the edge's length,
which is at least the straight line) and landmark bounds (ALT) computed on plain lengths.  Because
risk penalties only ever raise a cost above its length, the landmark tables stay valid whatever the
weights: they are computed once per road geometry, and re-weighting after a zone change only swaps a
cost array.  Where risk makes costs far exceed lengths (clustered zones, recent incidents) those
bounds are loose; ``PathEngine.tighten`` adds tables computed on the engine's own costs, kept
alongside (the bound is the larger of the two, so it stays admissible for any dearer costs).
"""

from __future__ import annotations

import dataclasses
import threading

import numba
import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from .graph import RoadGraph
from .heap import heap_pop as _heap_pop
from .heap import heap_push as _heap_push
from .trees import Tree, dijkstra_tree, repair_tree

#: number of landmarks for the ALT lower bounds
N_LANDMARKS = 8
#: number of landmarks for the cost-based tables ``tighten`` adds (16 took the bench's p99 from 59
#: to 26 ms against 8, for 6 s instead of 4 of background work on 250k nodes)
COST_LANDMARKS = 16
#: stands for "no path" in cost-based landmark tables
UNREACHABLE = 1e30


@dataclasses.dataclass(frozen=True)
class Path:
    """A found path: total cost, its nodes and arcs in travel order (arcs index the graph's arrays)."""

    cost: float
    nodes: np.ndarray
    arcs: np.ndarray


class Topology:
    """CSR adjacency and landmark tables of a road graph; built once per road geometry."""

    def __init__(self, graph: RoadGraph, *, n_landmarks: int = N_LANDMARKS):
        self._build(graph.nodes, graph.arc_tail, graph.arc_head, graph.edges["length_m"].to_numpy()[graph.arc_edge],
                    n_landmarks=n_landmarks, straight_line=True)

    @classmethod
    def of_arcs(cls, xy: np.ndarray, tail: np.ndarray, head: np.ndarray, least_cost: np.ndarray, *,
                n_landmarks: int = N_LANDMARKS, straight_line: bool = True) -> Topology:
        """A topology over any arcs sorted by tail, each with the least cost it can ever have.

        ``straight_line=False`` drops the straight-line bound (searches keep the landmark bounds,
        computed on ``least_cost``): needed when some arcs cost less than the distance they cover,
        such as a sea or air leg between two ports.
        """
        topology = cls.__new__(cls)
        topology._build(xy, tail, head, least_cost, n_landmarks=n_landmarks, straight_line=straight_line)
        return topology

    def _build(self, xy, tail, head, least_cost, *, n_landmarks: int, straight_line: bool) -> None:
        n = len(xy)
        self.n_nodes = n
        self.indptr = np.searchsorted(tail, np.arange(n + 1)).astype(np.int64)
        self.head = np.asarray(head).astype(np.int64)
        self.tail = np.asarray(tail).astype(np.int64)
        #: node positions the straight-line bound uses (all zeros: no such bound)
        self.xy = np.ascontiguousarray(xy if straight_line else np.zeros_like(xy), dtype=np.float64)
        #: where the nodes are (landmarks are picked around the network's edge)
        self.node_xy = np.ascontiguousarray(xy, dtype=np.float64)
        self.landmarks = _pick_landmarks(self.node_xy, n_landmarks)
        self.lm_from, self.lm_to = _landmark_tables(n, self.tail, self.head, np.asarray(least_cost, dtype=float),
                                                    self.landmarks)
        self.local = threading.local()  # search workspaces, one per serving thread
        #: 32-bit copies for the one-to-many trees, whose inner loop they make about 15% faster
        fits = len(self.head) < np.iinfo(np.int32).max
        self.indptr32, self.head32 = (a.astype(np.int32) if fits else a for a in (self.indptr, self.head))


class _Workspace:
    """Per-thread search arrays reused across queries; a generation stamp marks what is current."""

    def __init__(self, n_nodes: int, n_arcs: int):
        # one row per node, one cache line: cost so far, bound, stamp when seen, stamp when settled
        self.state = np.zeros((n_nodes, 4), dtype=np.float64)
        self.pred_arc = np.empty(n_nodes, dtype=np.int64)
        self.heap = np.empty((n_arcs + 64, 2), dtype=np.float64)  # (key, node) pairs
        self.stamp = 0

    def next_stamp(self) -> int:
        self.stamp += 1
        if self.stamp >= 2**52:
            self.state[:, 2:] = 0
            self.stamp = 1
        return self.stamp


class PathEngine:
    """Searches one cost array (one mode) over a shared Topology; ``inf`` marks impassable arcs."""

    def __init__(self, topology: Topology, arc_cost: np.ndarray):
        self.topology = topology
        self.cost = np.ascontiguousarray(arc_cost, dtype=np.float64)
        self.last_settled = 0
        #: landmark tables the bound uses, replaced whole (one attribute) by ``tighten``
        self.bounds = (topology.lm_from, topology.lm_to)
        self.tight = False

    def tighten(self) -> None:
        """Add landmark tables on this engine's costs to the length-based ones (seconds on 10^5 nodes).

        Valid for searches on these costs or dearer ones (alternatives, scenarios), which is all
        this engine is asked: a cost-based distance is never more than the cost of a path.
        """
        if self.tight:
            return
        t = self.topology
        passable = np.isfinite(self.cost)
        landmarks = _pick_landmarks(t.node_xy, COST_LANDMARKS)
        cost_from, cost_to = _landmark_tables(t.n_nodes, t.tail[passable], t.head[passable], self.cost[passable],
                                              landmarks)
        # unreachable is a huge finite number: the compiled bound runs with fastmath (no inf arithmetic)
        cost_from, cost_to = (np.where(np.isfinite(a), a, UNREACHABLE).astype(np.float32) for a in (cost_from, cost_to))
        self.bounds = (np.ascontiguousarray(np.hstack([t.lm_from, cost_from])),
                       np.ascontiguousarray(np.hstack([t.lm_to, cost_to])))
        self.tight = True

    def _workspace(self) -> _Workspace:
        local = self.topology.local
        ws = getattr(local, "workspace", None)
        if ws is None:
            t = self.topology
            ws = local.workspace = _Workspace(t.n_nodes, len(t.head) + 1)
        return ws

    def shortest(
        self, sources: dict[int, float], targets: dict[int, float], *, arc_cost: np.ndarray | None = None
    ) -> Path | None:
        """Cheapest path from any source (with its start cost) to any target (with its end cost)."""
        if not sources or not targets:
            return None
        t = self.topology
        src = np.fromiter(sources, dtype=np.int64)
        tgt = np.fromiter(targets, dtype=np.int64)
        cost = self.cost if arc_cost is None else np.ascontiguousarray(arc_cost, dtype=np.float64)
        ws = self._workspace()
        stamp = ws.next_stamp()
        lm_from, lm_to = self.bounds
        best, end, settled = _astar(
            t.indptr, t.head, cost, t.xy, lm_from, lm_to,
            src, np.fromiter(sources.values(), dtype=np.float64),
            tgt, np.fromiter(targets.values(), dtype=np.float64),
            ws.state, ws.pred_arc, ws.heap, float(stamp),
        )
        self.last_settled = settled
        if end < 0:
            return None
        arcs = _walk_back(ws.pred_arc, t.tail, end)
        nodes = np.r_[t.tail[arcs], end] if len(arcs) else np.array([end], dtype=np.int64)
        return Path(cost=float(best), nodes=nodes, arcs=arcs)

    def tree(self, sources: dict[int, float], targets: np.ndarray | None = None,
             end_cost: np.ndarray | None = None, *, repair: Tree | None = None) -> Tree:
        """Costs from the sources to every node, stopping once every target's cost is known.

        ``targets``: nodes (each reached when settled), or rows of nodes that each reach one target
        with the matching ``end_cost`` added (a site on an edge: its two end nodes, with the cost of
        the piece of edge from each); ``inf`` end costs and negative nodes are ways that do not
        exist.  The search stops once every target that can be reached has its cheapest cost and
        every node at most that cost is settled.  ``repair``: a tree found on this topology with
        other costs, searched again only where the costs differ (``trees.repair_tree``); the costs
        found are the same, and so are the arcs but where two paths cost exactly as much.
        """
        t = self.topology
        src = np.fromiter(sources, dtype=np.int64)
        src_cost = np.fromiter(sources.values(), dtype=np.float64)
        if targets is None:
            tgt, tgt_cost = np.arange(t.n_nodes, dtype=np.int64)[:, None], np.zeros((t.n_nodes, 1))
        else:
            tgt = np.asarray(targets, dtype=np.int64)
            tgt = tgt[:, None] if tgt.ndim == 1 else tgt
            tgt_cost = np.zeros(tgt.shape) if end_cost is None else np.asarray(end_cost, dtype=np.float64)
        tgt, tgt_cost = np.ascontiguousarray(tgt), np.ascontiguousarray(np.broadcast_to(tgt_cost, tgt.shape))
        if repair is None:
            cost, pred_arc, order = dijkstra_tree(t.indptr32, t.head32, self.cost, src, src_cost, tgt, tgt_cost)
        else:
            if repair.arc_cost.shape != self.cost.shape or not repair.complete:
                raise ValueError("only a full search's tree can be repaired, on the topology it was found on")
            cost, pred_arc, order = repair_tree(
                t.indptr32, t.head32, t.tail, self.cost, repair.arc_cost, repair.cost, repair.pred_arc, repair.order,
                np.fromiter(repair.sources, dtype=np.int64), np.fromiter(repair.sources.values(), dtype=np.float64),
                src, src_cost, tgt, tgt_cost,
            )
        return Tree(cost=cost, pred_arc=pred_arc, order=order, arc_cost=self.cost, sources=dict(sources),
                    complete=repair is None)


def _pick_landmarks(xy: np.ndarray, k: int) -> np.ndarray:
    """Nodes spread around the network's edge ("planar" landmarks): farthest from the centre by sector."""
    n = len(xy)
    if n <= k:
        return np.arange(n, dtype=np.int64)
    centre = xy.mean(axis=0)
    d = xy - centre
    angle = np.arctan2(d[:, 1], d[:, 0])
    sector = np.floor((angle + np.pi) / (2 * np.pi) * k).astype(np.int64).clip(0, k - 1)
    radius = np.hypot(d[:, 0], d[:, 1])
    picks = []
    for s in range(k):
        members = np.flatnonzero(sector == s)
        if len(members):
            picks.append(members[np.argmax(radius[members])])
    return np.unique(np.array(picks, dtype=np.int64))


def _landmark_tables(n, tail, head, length, landmarks) -> tuple[np.ndarray, np.ndarray]:
    """Length-only distances from each landmark (forward) and to it (on the reversed graph)."""
    key = tail * n + head
    order = np.lexsort((length, key))
    first = np.r_[True, key[order][1:] != key[order][:-1]]
    keep = order[first]  # cheapest of parallel arcs
    matrix = sp.csr_matrix((length[keep], (tail[keep], head[keep])), shape=(n, n))
    lm_from = csgraph.dijkstra(matrix, directed=True, indices=landmarks).astype(np.float32)
    lm_to = csgraph.dijkstra(matrix.T.tocsr(), directed=True, indices=landmarks).astype(np.float32)
    # node-major: the bounds of one node sit in one cache line
    return np.ascontiguousarray(lm_from.T), np.ascontiguousarray(lm_to.T)


def _walk_back(pred_arc: np.ndarray, tail: np.ndarray, end: int) -> np.ndarray:
    return _walk_back_jit(pred_arc, tail, np.int64(end))


@numba.njit(cache=True, nogil=True)
def _walk_back_jit(pred_arc, tail, end):
    count = 0
    node = end
    while pred_arc[node] >= 0:
        count += 1
        node = tail[pred_arc[node]]
    out = np.empty(count, dtype=np.int64)
    node = end
    for i in range(count - 1, -1, -1):
        out[i] = pred_arc[node]
        node = tail[out[i]]
    return out


@numba.njit(cache=True, nogil=True, fastmath=True)
def _lower_bound(v, xy, lm_from, lm_to, tgt, tgt_cost):
    """Lower bound of the remaining cost from v: min over targets of bound(v, t) + end cost of t."""
    best = np.inf
    for j in range(tgt.shape[0]):
        t = tgt[j]
        dx = xy[v, 0] - xy[t, 0]
        dy = xy[v, 1] - xy[t, 1]
        h = np.sqrt(dx * dx + dy * dy)
        for k in range(lm_from.shape[1]):
            a = lm_from[t, k] - lm_from[v, k]  # d(L,t) - d(L,v) <= d(v,t)
            if a > h:
                h = a
            b = lm_to[v, k] - lm_to[t, k]  # d(v,L) - d(t,L) <= d(v,t)
            if b > h:
                h = b
        h += tgt_cost[j]
        if h < best:
            best = h
    return best


@numba.njit(cache=True, nogil=True)
def _astar(indptr, head, cost, xy, lm_from, lm_to, src, src_cost, tgt, tgt_cost, state, pred_arc, heap, stamp):  # noqa: C901
    """A* from several sources to several targets; returns (cost, end node or -1, nodes settled).

    ``state`` rows are (g, bound, stamp seen, stamp settled) so that one node is one cache line.
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
        for j in range(tgt.shape[0]):
            if tgt[j] == u and gu + tgt_cost[j] < best:
                best = gu + tgt_cost[j]
                end = u
        for a in range(indptr[u], indptr[u + 1]):
            c = cost[a]
            if c == np.inf:
                continue
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
                pred_arc[v] = a
                if nd + state[v, 1] < best and size < capacity:
                    size = _heap_push(heap, size, nd + state[v, 1], v)
    return best, end, settled
