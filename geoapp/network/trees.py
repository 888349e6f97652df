"""One-to-many searches (numba): a Dijkstra tree to a set of targets, and a tree repaired for other costs.

A tree stops once every target it can reach has its cheapest cost.  Repairing a tree found on one
cost array for another (``least_risk`` after ``avoid``: equal costs wherever ``avoid`` passes, finite
ones where it does not) searches again only where the costs changed: nodes whose tree path uses no
changed arc keep their cost, and a Dijkstra seeded from the changed arcs improves the rest.
"""

from __future__ import annotations

import dataclasses

import numba
import numpy as np

from .heap import heap4_pop, heap4_push


@dataclasses.dataclass(frozen=True)
class Tree:
    """A one-to-many search: cost to each node and the arc it was reached by (-1: none).

    Nodes not reached before the search stopped have cost ``inf``.  ``arc_cost`` and ``sources``
    (node: start cost) are what the search used, so that it can be repaired for other costs.
    """

    cost: np.ndarray
    pred_arc: np.ndarray
    order: np.ndarray  # nodes in the order this search settled them (a repair: those it changed)
    arc_cost: np.ndarray
    sources: dict[int, float]
    #: ``order`` holds every node with a cost, each after its parent (not so in a repaired tree)
    complete: bool = True


@numba.njit(cache=True, nogil=True)
def _target_ways(n, tgt, tgt_cost):
    """Per node (CSR: ``first``), the targets it reaches and at what end cost; and how many targets have a way."""
    first = np.zeros(n + 1, dtype=np.int64)
    reachable = 0
    for j in range(tgt.shape[0]):
        ways = 0
        for k in range(tgt.shape[1]):
            if tgt[j, k] >= 0 and tgt_cost[j, k] < np.inf:
                first[tgt[j, k] + 1] += 1
                ways += 1
        if ways:
            reachable += 1
    for v in range(n):
        first[v + 1] += first[v]
    way_target = np.empty(first[n], dtype=np.int64)
    way_cost = np.empty(first[n], dtype=np.float64)
    fill = first[:-1].copy()
    for j in range(tgt.shape[0]):
        for k in range(tgt.shape[1]):
            node = tgt[j, k]
            if node >= 0 and tgt_cost[j, k] < np.inf:
                way_target[fill[node]] = j
                way_cost[fill[node]] = tgt_cost[j, k]
                fill[node] += 1
    return first, way_target, way_cost, reachable


@numba.njit(cache=True, nogil=True, inline="always")
def _reach_targets(keys, values, size, n, u, gu, first, way_target, way_cost, target_best):
    """Node ``u`` has its final cost ``gu``: offer its targets, as heap entries numbered after the nodes.

    A target's key is raised to the next float up, so that every node costing as much as the target
    is settled first (ties are then broken as a search without targets breaks them).
    """
    for w in range(first[u], first[u + 1]):
        j = way_target[w]
        reach = gu + way_cost[w]
        if reach < target_best[j]:
            target_best[j] = reach
            size = heap4_push(keys, values, size, np.nextafter(reach, np.inf), n + j)
    return size


@numba.njit(cache=True, nogil=True)
def dijkstra_tree(indptr, head, cost, src, src_cost, tgt, tgt_cost):  # noqa: C901
    """Dijkstra from the sources until every reachable target (rows of ``tgt``) is decided.

    Returns (cost, pred_arc, settle order); nodes not settled get ``inf`` and -1.
    """
    n = indptr.shape[0] - 1
    g = np.full(n, np.inf)
    pred_arc = np.full(n, -1, dtype=np.int64)
    closed = np.zeros(n, dtype=np.bool_)
    first, way_target, way_cost, remaining = _target_ways(n, tgt, tgt_cost)
    target_best = np.full(tgt.shape[0], np.inf)
    target_done = np.zeros(tgt.shape[0], dtype=np.bool_)
    capacity = head.shape[0] + src.shape[0] + first[n] + 1
    keys, values = np.empty(capacity), np.empty(capacity, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    settled = 0
    size = 0
    for i in range(src.shape[0]):
        if src_cost[i] < g[src[i]]:
            g[src[i]] = src_cost[i]
            size = heap4_push(keys, values, size, src_cost[i], src[i])
    while size > 0 and remaining > 0:
        key, u, size = heap4_pop(keys, values, size)
        if u >= n:  # a target: every node costing as much is settled
            if not target_done[u - n]:
                target_done[u - n] = True
                remaining -= 1
            continue
        if key > g[u] or closed[u]:
            continue
        closed[u] = True
        order[settled] = u
        settled += 1
        size = _reach_targets(keys, values, size, n, u, key, first, way_target, way_cost, target_best)
        for a in range(indptr[u], indptr[u + 1]):
            nd = key + cost[a]  # inf for an impassable arc; never below a settled node's cost
            v = head[a]
            if nd < g[v]:
                g[v] = nd
                pred_arc[v] = a
                size = heap4_push(keys, values, size, nd, v)
    for v in range(n):
        if not closed[v]:
            g[v] = np.inf
            pred_arc[v] = -1
    return g, pred_arc, order[:settled]


@numba.njit(cache=True, nogil=True)
def repair_tree(indptr, head, tail, cost, old_cost, old_g, old_pred, old_order, old_src,  # noqa: C901
                old_src_cost, src, src_cost, tgt, tgt_cost):
    """The tree of ``cost`` from the sources, made from a tree found on ``old_cost`` (same arcs).

    ``old_order``: every node of the old tree, each after its parent (``dijkstra_tree``'s order).

    A node keeps its old cost and arc when its whole tree path is unchanged: every arc on it costs
    the same, and its root starts at the same cost.  The others start unknown.  A Dijkstra then runs
    from the new sources and from every kept node's arcs that might improve a node (the changed
    arcs, and arcs into nodes not kept): this is a full Dijkstra's work on the kept nodes done
    already, since an unchanged arc between two kept nodes can improve neither.  It stops, as
    ``dijkstra_tree`` does, once every reachable target is decided.  Returns (cost, pred_arc, order
    of the nodes this search settled); nodes whose cost is not final get ``inf`` and -1.
    """
    n = indptr.shape[0] - 1
    g = np.full(n, np.inf)
    pred_arc = np.full(n, -1, dtype=np.int64)
    # kept nodes: the old tree's, parents first (its settle order)
    kept = np.zeros(n, dtype=np.bool_)
    for i in range(old_order.shape[0]):
        x = old_order[i]
        a = old_pred[x]
        if a >= 0:
            kept[x] = kept[tail[a]] and cost[a] == old_cost[a]
        else:  # a root: kept when it starts at the same cost (sources are few)
            start, old_start = np.inf, np.inf
            for k in range(src.shape[0]):
                if src[k] == x:
                    start = min(start, src_cost[k])
            for k in range(old_src.shape[0]):
                if old_src[k] == x:
                    old_start = min(old_start, old_src_cost[k])
            kept[x] = start == old_start and start < np.inf
    for x in range(n):
        if kept[x]:
            g[x] = old_g[x]
            pred_arc[x] = old_pred[x]

    first, way_target, way_cost, remaining = _target_ways(n, tgt, tgt_cost)
    target_best = np.full(tgt.shape[0], np.inf)
    target_done = np.zeros(tgt.shape[0], dtype=np.bool_)
    capacity = 2 * head.shape[0] + src.shape[0] + 2 * first[n] + 1
    keys, values = np.empty(capacity), np.empty(capacity, dtype=np.int64)
    size = 0
    for j in range(tgt.shape[0]):  # kept nodes reach their targets at their kept costs
        for k in range(tgt.shape[1]):
            x = tgt[j, k]
            if x >= 0 and kept[x] and tgt_cost[j, k] < np.inf and g[x] + tgt_cost[j, k] < target_best[j]:
                target_best[j] = g[x] + tgt_cost[j, k]
                size = heap4_push(keys, values, size, np.nextafter(target_best[j], np.inf), n + j)
    for i in range(src.shape[0]):
        s = src[i]
        if src_cost[i] < g[s]:
            g[s] = src_cost[i]
            pred_arc[s] = -1
            size = heap4_push(keys, values, size, src_cost[i], s)
    for a in range(head.shape[0]):
        x = tail[a]
        if not kept[x] or cost[a] == np.inf:
            continue
        y = head[a]
        if cost[a] != old_cost[a] or not kept[y]:
            nd = old_g[x] + cost[a]
            if nd < g[y]:
                g[y] = nd
                pred_arc[y] = a
                size = heap4_push(keys, values, size, nd, y)

    closed = np.zeros(n, dtype=np.bool_)
    order = np.empty(n, dtype=np.int64)
    settled = 0
    last = -np.inf
    while size > 0 and remaining > 0:
        key, u, size = heap4_pop(keys, values, size)
        last = key
        if u >= n:
            if not target_done[u - n]:
                target_done[u - n] = True
                remaining -= 1
            continue
        if key > g[u] or closed[u]:
            continue
        closed[u] = True
        order[settled] = u
        settled += 1
        size = _reach_targets(keys, values, size, n, u, key, first, way_target, way_cost, target_best)
        for a in range(indptr[u], indptr[u + 1]):
            nd = key + cost[a]
            v = head[a]
            if nd < g[v]:
                g[v] = nd
                pred_arc[v] = a
                size = heap4_push(keys, values, size, nd, v)
    if size > 0:  # stopped early: costs above the last one taken may still fall
        for v in range(n):
            if not closed[v] and g[v] > last:
                g[v] = np.inf
                pred_arc[v] = -1
    return g, pred_arc, order[:settled]


def path_sums(tree: Tree, tail: np.ndarray, arc_row: np.ndarray, rows: np.ndarray, init_nodes: np.ndarray,
              init_rows: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``rows`` (one per arc's ``arc_row``) summed along the tree's path to each ``wanted`` node.

    A root starts from its ``init_rows`` row (zeros when it has none); so does a node the tree did
    not reach.  Only the branches leading to wanted nodes are summed, each node once, parents first:
    a node's sum is its parent's plus its arc's row, so every path gets exactly the sum a walk
    along it would make.
    """
    args = (tree.pred_arc, tail, arc_row, rows, init_nodes, init_rows, np.asarray(wanted, dtype=np.int64))
    return _sums_ordered(tree.order, *args) if tree.complete else _sums_walked(*args)


@numba.njit(cache=True, nogil=True)
def _sums_ordered(order, pred_arc, tail, arc_row, figures, init_nodes, init_rows, wanted):  # noqa: C901
    """``path_sums`` over a settle order: branches marked children first, then summed parents first."""
    n = pred_arc.shape[0]
    n_fig = figures.shape[1]
    need = np.zeros(n, dtype=np.bool_)
    used = 0
    for i in range(wanted.shape[0]):
        if not need[wanted[i]]:
            need[wanted[i]] = True
            used += 1
    for i in range(order.shape[0] - 1, -1, -1):
        v = order[i]
        if need[v] and pred_arc[v] >= 0 and not need[tail[pred_arc[v]]]:
            need[tail[pred_arc[v]]] = True
            used += 1
    slot = np.full(n, -1, dtype=np.int64)
    acc = np.zeros((used, n_fig))
    used = 0
    for i in range(order.shape[0]):  # parents first: a parent has its slot and sum before its children
        v = order[i]
        if not need[v]:
            continue
        s = used
        slot[v] = s
        used += 1
        a = pred_arc[v]
        if a >= 0:
            p = slot[tail[a]]
            r = arc_row[a]
            for k in range(n_fig):
                acc[s, k] = acc[p, k] + figures[r, k]
        else:
            for k in range(init_nodes.shape[0]):
                if init_nodes[k] == v:
                    acc[s] = init_rows[k]
    out = np.zeros((wanted.shape[0], n_fig))
    for i in range(wanted.shape[0]):
        s = slot[wanted[i]]
        if s >= 0:
            out[i] = acc[s]
        else:
            for k in range(init_nodes.shape[0]):
                if init_nodes[k] == wanted[i]:
                    out[i] = init_rows[k]
    return out


@numba.njit(cache=True, nogil=True)
def _sums_walked(pred_arc, tail, arc_row, figures, init_nodes, init_rows, wanted):  # noqa: C901
    """``path_sums`` without a settle order: each path walked back to the first node summed (or a root)."""
    n_fig = figures.shape[1]
    slot = np.full(pred_arc.shape[0], -1, dtype=np.int64)
    acc = np.zeros((2 * wanted.shape[0] + 16, n_fig))
    used = 0
    chain = np.empty(pred_arc.shape[0], dtype=np.int64)
    for i in range(wanted.shape[0]):
        depth = 0
        node = wanted[i]
        while slot[node] < 0 and depth < chain.shape[0]:
            chain[depth] = node
            depth += 1
            a = pred_arc[node]
            if a < 0:
                break
            node = tail[a]
        for j in range(depth - 1, -1, -1):
            node = chain[j]
            if used == acc.shape[0]:
                grown = np.zeros((2 * used, n_fig))
                grown[:used] = acc
                acc = grown
            slot[node] = used
            used += 1
            a = pred_arc[node]
            if a < 0:
                for k in range(init_nodes.shape[0]):
                    if init_nodes[k] == node:
                        acc[slot[node]] = init_rows[k]
            else:
                parent = slot[tail[a]]
                row = arc_row[a]
                for k in range(n_fig):
                    acc[slot[node], k] = acc[parent, k] + figures[row, k]
    out = np.empty((wanted.shape[0], n_fig))
    for i in range(wanted.shape[0]):
        out[i] = acc[slot[wanted[i]]]
    return out
