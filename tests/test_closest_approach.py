"""A route's closest approach to a controlled zone: read from edges precomputed per data version, yet exact.

Each edge keeps its distance to the nearest controlled zone (within a reach); a route's closest
approach is read from its whole edges when no partly travelled edge could be nearer, and measured
on its line otherwise. Either way it must be what measuring the line gives.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely

from geoapp.network.exposure import CLOSEST_REACH_M
from geoapp.network.routing import RoadNetwork, Router
from geoapp.safety import RiskWeights

from .synthetic import synthetic_network


@pytest.fixture(scope="module")
def router():
    roads, zones = synthetic_network(45)
    network = RoadNetwork(roads, metric_crs="EPSG:32618", max_edge_m=500.0,
                          speeds_kmh={"primary": 45.0, "urban": 25.0, "other": 25.0})
    return Router(network, roads, zones, weights=RiskWeights(), today=dt.date(2026, 1, 1))


def test_each_routes_closest_approach_is_the_measured_one(router, monkeypatch):
    x = router.exposure
    controlled = np.flatnonzero(x.zones["status"].to_numpy() == "controlled")
    assert len(controlled)
    geoms = np.asarray(x.zones.geometry.values)[controlled]
    rng = np.random.default_rng(5)
    xy = router.network.topology.xy
    measured = []  # the routes whose closest approach was measured on their line
    tree = router._controlled

    class Counted:
        def query_nearest(self, geometry, **kwargs):
            measured.append(geometry)
            return tree.query_nearest(geometry, **kwargs)

    monkeypatch.setattr(router, "_controlled", Counted())
    found = 0
    for a, b in xy[rng.choice(len(xy), (120, 2))] + rng.normal(0, 80, (120, 2, 2)):
        route = router.route(router.snap(shapely.Point(a)), router.snap(shapely.Point(b)), "least_risk")
        if route is None:
            continue
        distance = shapely.distance(route.geometry, geoms)
        e = route.exposure
        assert e.closest_controlled_m == pytest.approx(distance.min(), abs=1e-6)
        # the zone named is one at that distance
        named = x.zones["id"].to_numpy()[controlled][np.isclose(distance, distance.min(), atol=1e-6)]
        assert e.closest_controlled_zone["id"] in named
        found += 1
    assert found > 100 and len(measured) < found / 2  # most were read from the edges' distances


def test_edges_far_from_every_zone_keep_no_distance(router):
    x = router.exposure
    far = ~np.isfinite(x.closest_controlled_m)
    assert far.any() and (x.closest_controlled_zone[far] == -1).all()
    assert (x.closest_controlled_m[~far] <= CLOSEST_REACH_M).all()
