"""Strongly connected components of a road graph: the main network, the pockets cut off from it.

On real extracts one-way streets and the clipped edges of the mapped area leave small groups of
roads that can be entered but not left, or left but not entered.  A point snapped there gets no
route to most places, so snapping prefers the main component (see ``RoadNetwork.snap``), and the
OSM import reports what it found.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from .graph import RoadGraph, build_road_graph


@dataclasses.dataclass(frozen=True)
class Components:
    """Strongly connected components of the arcs (one-way edges have one arc) and the main one.

    The main component is the one with the most nodes.  An edge is in it when both its end nodes
    are (then every arc the edge has stays inside it).  A graph with no cycle at all (only one-way
    roads leading nowhere) has no main network: every edge then counts as in it, so snapping is
    plain nearest-edge.
    """

    count: int
    label: np.ndarray  # component of each node
    main_node: np.ndarray  # bool per node
    main_edge: np.ndarray  # bool per edge

    @classmethod
    def of(cls, graph: RoadGraph) -> Components:
        n = graph.n_nodes
        u, v = graph.edges["u"].to_numpy(), graph.edges["v"].to_numpy()
        if n == 0:
            return cls(0, np.zeros(0, np.int64), np.zeros(0, bool), np.ones(len(u), bool))
        arcs = sp.csr_matrix((np.ones(len(graph.arc_tail), np.int32), (graph.arc_tail, graph.arc_head)), shape=(n, n))
        count, label = csgraph.connected_components(arcs, directed=True, connection="strong")
        main_node = label == np.argmax(np.bincount(label))
        main_edge = main_node[u] & main_node[v]
        if not main_edge.any():
            main_node[:] = main_edge[:] = True
        return cls(int(count), label, main_node, main_edge)

    @property
    def whole(self) -> bool:
        """True when every edge is in the main component (nothing to prefer when snapping)."""
        return bool(self.main_edge.all())

    def report(self, graph: RoadGraph) -> dict:
        """What a planner checks after an import: the main network's size, the pockets, one-way dead ends.

        Pockets are groups of edges outside the main component that touch one another away from
        it (two cut-off streets leaving the same main junction are two pockets).  One-way dead ends
        are nodes that can be entered but never left, or left but never entered.
        """
        edges = graph.edges
        length = edges["length_m"].to_numpy()
        u, v = edges["u"].to_numpy(), edges["v"].to_numpy()
        pocket = ~self.main_edge
        out_degree = np.bincount(graph.arc_tail, minlength=graph.n_nodes)
        in_degree = np.bincount(graph.arc_head, minlength=graph.n_nodes)
        total = float(length.sum())
        return {
            "components": self.count,
            "main_nodes": int(self.main_node.sum()),
            "main_edges": int(self.main_edge.sum()),
            "main_km": round(float(length[self.main_edge].sum()) / 1000, 3),
            "main_length_share": round(float(length[self.main_edge].sum()) / total, 4) if total else 1.0,
            "pockets": _count_pockets(u[pocket], v[pocket], self.main_node),
            "pocket_edges": int(pocket.sum()),
            "pocket_km": round(float(length[pocket].sum()) / 1000, 3),
            "dead_ends_enter_only": int(((in_degree > 0) & (out_degree == 0)).sum()),
            "dead_ends_leave_only": int(((out_degree > 0) & (in_degree == 0)).sum()),
        }


def _count_pockets(u: np.ndarray, v: np.ndarray, main_node: np.ndarray) -> int:
    """Groups of pocket edges joined at nodes outside the main component."""
    if len(u) == 0:
        return 0
    # each end on the main network becomes a node of its own, so the main network joins nothing
    n = len(main_node)
    ends = np.r_[u, v]
    on_main = main_node[ends]
    ends = np.where(on_main, n + np.arange(len(ends)), ends)
    a, b = ends[: len(u)], ends[len(u):]
    size = n + 2 * len(u)
    links = sp.csr_matrix((np.ones(len(u), np.int32), (a, b)), shape=(size, size))
    _, label = csgraph.connected_components(links, directed=False)
    return len(np.unique(label[a]))


def network_report(roads, *, metric_crs: str, max_edge_m: float) -> dict:
    """The components report of a roads layer, on the graph routing builds from it."""
    graph = build_road_graph(roads, metric_crs=metric_crs, max_edge_m=max_edge_m)
    return {"nodes": graph.n_nodes, "edges": graph.n_edges, **Components.of(graph).report(graph)}
