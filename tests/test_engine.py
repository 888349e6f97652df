"""The compiled engine finds the same optimum as scipy's Dijkstra on random graphs and weights."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse import csgraph
from shapely.geometry import LineString

from geoapp.network.engine import PathEngine, Topology
from geoapp.network.graph import build_road_graph

from .helpers import common


def random_network(seed: int, n_side: int = 14):
    """A jittered grid with some streets missing and some one-way, in lon/lat."""
    rng = np.random.default_rng(seed)
    x0, y0, step = -72.6, 18.4, 0.004
    xy = {(i, j): (x0 + i * step + rng.uniform(-0.001, 0.001), y0 + j * step + rng.uniform(-0.001, 0.001))
          for i in range(n_side) for j in range(n_side)}
    rows = []
    for (i, j), p in xy.items():
        for q in ((i + 1, j), (i, j + 1)):
            if q in xy and rng.random() > 0.12:
                rows.append(common(id=f"r{len(rows)}", status="open", ref=None, road_class="urban",
                                   oneway=bool(rng.random() < 0.15), geometry=LineString([p, xy[q]])))
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def scipy_best(graph, arc_cost, sources, targets):
    keep = np.isfinite(arc_cost)
    n = graph.n_nodes
    # cheapest parallel arc, as the engine does
    key = graph.arc_tail[keep] * n + graph.arc_head[keep]
    order = np.lexsort((arc_cost[keep], key))
    first = np.r_[True, key[order][1:] != key[order][:-1]]
    idx = np.flatnonzero(keep)[order][first]
    m = sp.csr_matrix((arc_cost[idx], (graph.arc_tail[idx], graph.arc_head[idx])), shape=(n, n))
    dist = csgraph.dijkstra(m, indices=list(sources))
    best = np.inf
    for i, c0 in enumerate(sources.values()):
        for t, c1 in targets.items():
            best = min(best, c0 + dist[i, t] + c1)
    return best


@pytest.mark.parametrize("tight", [False, True], ids=["length-bounds", "cost-bounds"])
@pytest.mark.parametrize("seed", range(6))
def test_astar_matches_dijkstra(seed, tight):
    roads = random_network(seed)
    graph = build_road_graph(roads, metric_crs="EPSG:32618", max_edge_m=300)
    topology = Topology(graph, n_landmarks=4)
    rng = np.random.default_rng(100 + seed)
    length = graph.edges["length_m"].to_numpy()
    edge_cost = length * (1 + rng.exponential(1.0, len(length)) * (rng.random(len(length)) < 0.3))
    edge_cost[rng.random(len(length)) < 0.05] = np.inf
    arc_cost = edge_cost[graph.arc_edge]
    engine = PathEngine(topology, arc_cost)
    if tight:
        engine.tighten()
    dearer = arc_cost * (1 + rng.exponential(0.5, len(arc_cost)) * (rng.random(len(arc_cost)) < 0.2))
    for k in range(40):
        sources = {int(v): float(rng.uniform(0, 200)) for v in rng.integers(0, graph.n_nodes, 2)}
        targets = {int(v): float(rng.uniform(0, 200)) for v in rng.integers(0, graph.n_nodes, 2)}
        override = dearer if k % 4 == 3 else None  # alternatives search on dearer costs
        used = arc_cost if override is None else dearer
        expected = scipy_best(graph, used, sources, targets)
        path = engine.shortest(sources, targets, arc_cost=override)
        if not np.isfinite(expected):
            assert path is None
            continue
        assert path.cost == pytest.approx(expected, rel=1e-9)
        # the path is real: consecutive arcs, from a source to a target, costs adding up
        assert path.nodes[0] in sources and path.nodes[-1] in targets
        assert np.all(graph.arc_tail[path.arcs] == path.nodes[:-1])
        assert np.all(graph.arc_head[path.arcs] == path.nodes[1:])
        total = sources[path.nodes[0]] + used[path.arcs].sum() + targets[path.nodes[-1]]
        assert total == pytest.approx(path.cost, rel=1e-9)


def test_cost_bounds_settle_fewer_nodes_where_risk_is_high():
    roads = random_network(7, n_side=30)
    graph = build_road_graph(roads, metric_crs="EPSG:32618", max_edge_m=300)
    topology = Topology(graph, n_landmarks=4)
    length = graph.edges["length_m"].to_numpy()
    mid = graph.nodes.mean(axis=0)
    ends = graph.nodes[graph.edges["u"].to_numpy()]
    risky = np.hypot(*(ends - mid).T) < 1500  # a costly district in the middle, as zones and incidents make
    arc_cost = (length * np.where(risky, 8.0, 1.0))[graph.arc_edge]
    loose, tight = PathEngine(topology, arc_cost), PathEngine(topology, arc_cost)
    tight.tighten()
    rng = np.random.default_rng(5)
    settled = {"loose": 0, "tight": 0}
    for _ in range(60):
        s, t = (int(v) for v in rng.integers(0, graph.n_nodes, 2))
        a, b = loose.shortest({s: 0.0}, {t: 0.0}), tight.shortest({s: 0.0}, {t: 0.0})
        assert (a is None) == (b is None)
        if a is not None:
            assert b.cost == pytest.approx(a.cost, rel=1e-6)
        settled["loose"] += loose.last_settled
        settled["tight"] += tight.last_settled
    assert settled["tight"] < 0.8 * settled["loose"]


def test_tree_matches_dijkstra_and_stops_early():
    roads = random_network(7)
    graph = build_road_graph(roads, metric_crs="EPSG:32618", max_edge_m=300)
    topology = Topology(graph, n_landmarks=4)
    arc_cost = graph.edges["length_m"].to_numpy()[graph.arc_edge]
    engine = PathEngine(topology, arc_cost)
    full = engine.tree({0: 0.0})
    expected = csgraph.dijkstra(
        sp.csr_matrix((arc_cost, (graph.arc_tail, graph.arc_head)), shape=(graph.n_nodes,) * 2).tolil().tocsr(),
        indices=0,
    )
    # csr_matrix sums parallel arcs; the grid has none, so the two agree exactly
    np.testing.assert_allclose(full.cost, expected)
    near = engine.tree({0: 0.0}, targets=np.array([1]))
    assert len(near.order) < len(full.order)
    assert near.cost[1] == pytest.approx(expected[1])
