"""Shortest-path search over a road graph's arcs with one cost array (one engine per mode)."""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph


@dataclasses.dataclass(frozen=True)
class Path:
    """A found path: total cost, its nodes and arcs in travel order (arcs index the graph's arrays)."""

    cost: float
    nodes: np.ndarray
    arcs: np.ndarray


class PathEngine:
    """Dijkstra over the passable arcs (finite cost), parallel arcs reduced to the cheapest.

    Built once per data version and mode; queries never rebuild it.  Sources and targets carry an
    initial/final cost so that an endpoint can sit part-way along an edge.
    """

    def __init__(self, n_nodes: int, tail: np.ndarray, head: np.ndarray, cost: np.ndarray):
        passable = np.flatnonzero(np.isfinite(cost))
        key = tail[passable].astype(np.int64) * n_nodes + head[passable]
        order = np.lexsort((cost[passable], key))
        key_sorted = key[order]
        first = np.r_[True, key_sorted[1:] != key_sorted[:-1]]
        self._arc = passable[order][first]  # cheapest arc for each (tail, head)
        self._key = key_sorted[first]
        self._n = n_nodes
        self._matrix = sp.csr_matrix(
            (cost[self._arc], (tail[self._arc], head[self._arc])), shape=(n_nodes, n_nodes)
        )

    def shortest(self, sources: dict[int, float], targets: dict[int, float]) -> Path | None:
        """Cheapest path from any source (with its start cost) to any target (with its end cost)."""
        if not sources or not targets:
            return None
        source_nodes = np.fromiter(sources, dtype=np.int64)
        dist, pred = csgraph.dijkstra(self._matrix, directed=True, indices=source_nodes, return_predecessors=True)
        target_nodes = np.fromiter(targets, dtype=np.int64)
        total = (
            dist[:, target_nodes]
            + np.fromiter(sources.values(), dtype=float)[:, None]
            + np.fromiter(targets.values(), dtype=float)[None, :]
        )
        if not np.isfinite(total).any():
            return None
        i, j = np.unravel_index(np.argmin(total), total.shape)
        nodes = [int(target_nodes[j])]
        while nodes[-1] != source_nodes[i]:
            nodes.append(int(pred[i, nodes[-1]]))
        nodes = np.asarray(nodes[::-1])
        return Path(cost=float(total[i, j]), nodes=nodes, arcs=self.arcs_between(nodes))

    def arcs_between(self, nodes: np.ndarray) -> np.ndarray:
        """The cheapest passable arc joining each consecutive pair of ``nodes``."""
        if len(nodes) < 2:
            return np.zeros(0, dtype=np.int64)
        keys = nodes[:-1].astype(np.int64) * self._n + nodes[1:]
        return self._arc[np.searchsorted(self._key, keys)]
