"""Access trees: stopped and repaired trees keep a full search's costs; site figures equal lone routes'.

A tree stopped at its targets, or repaired for other costs, must give the costs a full Dijkstra
gives; each site's cost, distance, time and exposure must be those of the route looked up to it.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import scipy.sparse as sp
import shapely
from scipy.sparse import csgraph

from geoapp.network.access import SiteSnaps, access_by_mode, edge_figures
from geoapp.network.engine import PathEngine, Topology
from geoapp.network.graph import build_road_graph
from geoapp.network.routing import RoadNetwork, Router
from geoapp.safety import RiskWeights

from .synthetic import synthetic_incidents, synthetic_network
from .test_engine import random_network

TODAY = dt.date(2026, 1, 1)


def scipy_costs(graph, arc_cost, source):
    keep = np.isfinite(arc_cost)
    n = graph.n_nodes
    key = graph.arc_tail[keep] * n + graph.arc_head[keep]
    order = np.lexsort((arc_cost[keep], key))
    first = np.r_[True, key[order][1:] != key[order][:-1]]  # cheapest of parallel arcs
    idx = np.flatnonzero(keep)[order][first]
    matrix = sp.csr_matrix((arc_cost[idx], (graph.arc_tail[idx], graph.arc_head[idx])), shape=(n, n))
    return csgraph.dijkstra(matrix, directed=True, indices=source)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_repaired_tree_has_the_costs_of_a_new_search(seed):
    """Costs raised, lowered, closed and opened (as least-risk opens what avoid closes) on random arcs."""
    rng = np.random.default_rng(seed)
    graph = build_road_graph(random_network(seed), metric_crs="EPSG:32618", max_edge_m=300)
    topology = Topology(graph, n_landmarks=4)
    length = graph.edges["length_m"].to_numpy()[graph.arc_edge]
    old = np.where(rng.random(len(length)) < 0.1, np.inf, length * rng.uniform(1, 3, len(length)))
    new = old.copy()
    changed = rng.random(len(length)) < 0.05
    new[changed] = length[changed] * rng.uniform(1, 40, changed.sum())  # dearer, cheaper, or open now
    new[rng.random(len(length)) < 0.02] = np.inf
    source = int(graph.arc_tail[0])
    before = PathEngine(topology, old).tree({source: 0.0})
    after = PathEngine(topology, new).tree({source: 0.0}, repair=before)
    np.testing.assert_allclose(after.cost, scipy_costs(graph, new, source), rtol=1e-12)
    assert not after.complete and len(after.order) < len(before.order)
    # the arcs found lead back to the source at those costs
    reached = np.flatnonzero(np.isfinite(after.cost) & (after.pred_arc >= 0))
    arcs = after.pred_arc[reached]
    np.testing.assert_allclose(after.cost[graph.arc_tail[arcs]] + new[arcs], after.cost[reached], rtol=1e-12)
    # stopped at a few targets, repaired or not, the targets' costs are the full search's
    targets = rng.choice(np.flatnonzero(np.isfinite(after.cost)), 5, replace=False)
    for tree in (PathEngine(topology, new).tree({source: 0.0}, targets=targets),
                 PathEngine(topology, new).tree({source: 0.0}, targets=targets, repair=before)):
        np.testing.assert_allclose(tree.cost[targets], after.cost[targets], rtol=1e-12)


def test_targets_reached_through_either_end_stop_the_search_at_their_cost():
    graph = build_road_graph(random_network(4), metric_crs="EPSG:32618", max_edge_m=300)
    cost = graph.edges["length_m"].to_numpy()[graph.arc_edge]
    engine = PathEngine(Topology(graph, n_landmarks=4), cost)
    full = engine.tree({0: 0.0})
    near = np.argsort(full.cost)[[5, 9]]
    far = np.argsort(full.cost)[-1]
    # one target reached from a near node (end cost 10) or the farthest (end cost inf: no such way)
    tree = engine.tree({0: 0.0}, targets=np.array([[near[0], far]]), end_cost=np.array([[10.0, np.inf]]))
    assert len(tree.order) < len(full.order) / 2
    assert tree.cost[near[0]] == full.cost[near[0]] and np.isinf(tree.cost[far])
    # every node costing at most the target's cost is settled: ties break as in the full search
    settled = full.cost <= full.cost[near[0]] + 10.0
    assert np.isfinite(tree.cost[settled]).all()
    np.testing.assert_array_equal(tree.pred_arc[settled], full.pred_arc[settled])


@pytest.fixture(scope="module")
def bench_like():
    """A small bench network: zones, bad roads around them, recent incidents; sites anywhere."""
    roads, zones = synthetic_network(45)
    network = RoadNetwork(roads, metric_crs="EPSG:32618", max_edge_m=500.0,
                          speeds_kmh={"primary": 45.0, "urban": 25.0, "other": 25.0})
    router = Router(network, roads, zones, weights=RiskWeights(),
                    incidents=synthetic_incidents(roads, count=300, today=TODAY), today=TODAY)
    rng = np.random.default_rng(5)
    xy = network.topology.xy
    points = xy[rng.integers(0, len(xy), 150)] + rng.normal(0, 150, (150, 2))
    return router, points


@pytest.mark.parametrize("hub_index", [10, 60, 0])  # most sites safe; a hub in a pocket; a hub avoid cannot leave
def test_each_sites_figures_are_those_of_its_route_looked_up_alone(bench_like, hub_index):
    router, points = bench_like
    x = router.exposure
    figures = edge_figures(router, router.edge_status, x.inside_by_status, x.near_controlled_m,
                           router.incident_caution)
    sites = SiteSnaps.of(router, shapely.points(points))
    hub = router.snap(shapely.Point(points[hub_index]))
    found = access_by_mode(router, router.engines, router.edge_cost, figures, hub, sites)
    safe = np.isfinite(found["avoid"][0])
    risky = ~safe & np.isfinite(found["least_risk"][0])
    assert risky.sum() >= 40 and (safe.sum() > 50 or hub_index != 10)
    for i, point in enumerate(points):
        site = router.snap(shapely.Point(point))
        assert (site.edge, site.fraction) == (sites.edge[i], pytest.approx(sites.fraction[i]))
        mode = "avoid" if safe[i] else "least_risk"
        cost, rows = found[mode][0][i], found[mode][1][i]
        route = router.route(hub, site, mode)
        if route is None:
            assert not np.isfinite(cost)
            continue
        assert cost == pytest.approx(route.cost, rel=1e-9)
        e = route.exposure
        expected = [route.distance_m, route.duration_s, e.dangerous_road_m, e.blocked_road_m,
                    e.inside_m["controlled"], e.inside_m["contested"], e.inside_m["influence"],
                    e.near_controlled_m, e.near_incidents_m]
        np.testing.assert_allclose(rows[:len(expected)], expected, rtol=1e-9, atol=1e-6)
