"""Road graph building, per-edge exposure and route search on tiny synthetic layers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point

from geoapp.network.access import SiteSnaps
from geoapp.network.components import Components, network_report
from geoapp.network.graph import RoadGraph, build_road_graph
from geoapp.network.routing import POCKET_FAR_M, RoadNetwork, Router
from geoapp.safety import RiskWeights

from .helpers import common, grid_roads, square_zone, zones_frame

METRIC = "EPSG:32618"
X0, Y0, STEP = -72.40, 18.50, 0.01
SPEEDS = {"primary": 45.0, "other": 25.0}


def roads_of(*lines, oneway=None) -> gpd.GeoDataFrame:
    rows = [common(id=f"r{i}", status="open", ref=None, road_class="primary", oneway=bool(oneway and i in oneway),
                   geometry_precision="surveyed",
                   geometry=LineString(line)) for i, line in enumerate(lines)]
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def router_for(roads, zones=None, **weights) -> Router:
    network = RoadNetwork(roads, metric_crs=METRIC, max_edge_m=5000, speeds_kmh=SPEEDS)
    zones = zones if zones is not None else zones_frame()
    return Router(network, roads, zones, weights=RiskWeights(**weights))


def snap(router: Router, lon: float, lat: float):
    x, y = gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326").to_crs(METRIC).iloc[0].coords[0]
    return router.snap(Point(x, y))


def test_junctions_become_nodes_and_lengths_are_kept():
    roads = grid_roads(3)
    graph = build_road_graph(roads, metric_crs=METRIC, max_edge_m=5000)
    assert graph.n_nodes == 9
    assert graph.n_edges == 12
    assert len(graph.arc_tail) == 24  # two-way streets
    assert graph.edges["length_m"].sum() == pytest.approx(roads.to_crs(METRIC).length.sum())
    assert np.all(np.diff(graph.arc_tail) >= 0)


def test_long_roads_are_split_into_short_edges():
    roads = roads_of([(X0, Y0), (X0 + 0.02, Y0)])  # about 2.1 km
    graph = build_road_graph(roads, metric_crs=METRIC, max_edge_m=500)
    assert graph.n_edges == 4  # a new edge each time the running length passes a multiple of 500 m
    assert graph.edges["length_m"].between(250, 750).all()
    assert graph.edges["length_m"].sum() == pytest.approx(roads.to_crs(METRIC).length.iloc[0])
    assert (graph.edges["road_id"] == "r0").all()


def test_crossing_without_shared_vertex_is_a_bridge_not_a_junction():
    roads = roads_of([(X0, Y0), (X0 + 0.01, Y0 + 0.01)], [(X0, Y0 + 0.01), (X0 + 0.01, Y0)])
    graph = build_road_graph(roads, metric_crs=METRIC, max_edge_m=5000)
    assert graph.n_nodes == 4 and graph.n_edges == 2


def test_oneway_roads_have_one_arc():
    roads = roads_of([(X0, Y0), (X0 + 0.01, Y0)], [(X0 + 0.01, Y0), (X0 + 0.02, Y0)], oneway={0})
    graph = build_road_graph(roads, metric_crs=METRIC, max_edge_m=5000)
    assert len(graph.arc_tail) == 3


def test_exposure_measures_metres_inside_and_near_zones():
    roads = roads_of([(X0, Y0), (X0 + 0.02, Y0)])
    zones = zones_frame(square_zone("z", "controlled", X0 + 0.005, Y0 - 0.005, X0 + 0.015, Y0 + 0.005))
    router = router_for(roads, zones)
    x = router.exposure
    inside = x.inside_by_status["controlled"][0]
    assert inside == pytest.approx(router.graph.edges["length_m"].iloc[0] / 2, rel=0.01)
    assert x.inside.toarray()[0, 0] == pytest.approx(inside)
    assert x.near_controlled_m[0] == pytest.approx(1000, rel=0.02)  # 500 m each side
    assert x.inside_by_status["contested"][0] == 0


def test_closest_approach_is_measured_on_the_route_itself():
    zones = zones_frame(square_zone("z", "controlled", X0 + 0.015, Y0 + 0.003, X0 + 0.025, Y0 + 0.02))
    router = router_for(grid_roads(5), zones)
    route = router.route(snap(router, X0, Y0), snap(router, X0 + 0.04, Y0), "avoid")
    assert route.exposure.closest_controlled_m == pytest.approx(0.003 * 110_700, rel=0.05)
    assert route.exposure.closest_controlled_zone["id"] == "z"


def test_route_follows_the_road_between_mid_edge_points():
    router = router_for(grid_roads(5))
    a, b = snap(router, X0 + 0.005, Y0), snap(router, X0 + 0.035, Y0)
    route = router.route(a, b, "avoid")
    assert route.distance_m == pytest.approx(a.point.distance(b.point), abs=1)
    assert route.geometry.coords[0] == pytest.approx(a.point.coords[0])
    assert route.geometry.coords[-1] == pytest.approx(b.point.coords[0])
    assert route.duration_s == pytest.approx(route.distance_m / (45 / 3.6))


def test_route_within_one_edge_in_either_direction():
    router = router_for(grid_roads(3))
    a, b = snap(router, X0 + 0.002, Y0), snap(router, X0 + 0.008, Y0)
    forward, backward = router.route(a, b, "avoid"), router.route(b, a, "avoid")
    assert forward.distance_m == pytest.approx(a.point.distance(b.point), abs=0.5)
    assert backward.distance_m == pytest.approx(forward.distance_m)
    assert Point(backward.geometry.coords[0]).distance(b.point) < 0.5


def test_oneway_forces_a_detour_against_the_traffic():
    roads = roads_of(
        [(X0, Y0), (X0 + 0.01, Y0)],
        [(X0, Y0), (X0, Y0 + 0.01), (X0 + 0.01, Y0 + 0.01), (X0 + 0.01, Y0)],
        oneway={0},
    )
    router = router_for(roads)
    west, east = snap(router, X0, Y0), snap(router, X0 + 0.01, Y0)
    assert router.route(west, east, "avoid").distance_m < 1200
    assert router.route(east, west, "avoid").distance_m > 3000


def test_avoid_mode_detours_around_a_controlled_zone():
    zones = zones_frame(square_zone("z", "controlled", X0 + 0.015, Y0 + 0.015, X0 + 0.025, Y0 + 0.025))
    router = router_for(grid_roads(5), zones)
    a, b = snap(router, X0, Y0 + 0.02), snap(router, X0 + 0.04, Y0 + 0.02)
    safe = router.route(a, b, "avoid")
    short = router.route(a, b, "shortest")
    assert safe.exposure.inside_m["controlled"] == 0
    zone = shapely.transform(zones.to_crs(METRIC).geometry.iloc[0], lambda xy: xy)
    assert not safe.geometry.intersects(zone.buffer(-1))
    assert short.exposure.inside_m["controlled"] > 900
    assert [z["id"] for z in short.exposure.zones] == ["z"]
    assert safe.distance_m > short.distance_m


def test_walled_off_destination_has_no_safe_route_but_a_least_risk_one():
    # a controlled band across the whole grid: every way east crosses it
    zones = zones_frame(square_zone("wall", "controlled", X0 + 0.015, Y0 - 0.01, X0 + 0.025, Y0 + 0.05))
    router = router_for(grid_roads(5), zones)
    a, b = snap(router, X0, Y0 + 0.02), snap(router, X0 + 0.04, Y0 + 0.02)
    assert router.route(a, b, "avoid") is None
    least = router.route(a, b, "least_risk")
    assert least is not None
    assert least.exposure.inside_m["controlled"] == pytest.approx(0.01 * 105_500, rel=0.05)


def test_blocked_road_is_impassable_in_avoid_mode():
    roads = grid_roads(2, statuses={"h0-0": "blocked"})
    router = router_for(roads)
    a, b = snap(router, X0, Y0), snap(router, X0 + 0.01, Y0)
    safe = router.route(a, b, "avoid")
    assert safe.exposure.blocked_road_m == 0
    assert safe.distance_m > 3000  # around the other three sides
    short = router.route(a, b, "shortest")
    assert short.exposure.blocked_road_m == pytest.approx(short.distance_m)
    assert short.exposure.roads[0]["id"] == "h0-0"


def test_closed_is_never_used_blocked_is_crossed_in_least_risk():
    """A square: the direct side closed, the far side blocked (held by armed groups)."""
    router = router_for(grid_roads(2, statuses={"h0-0": "closed", "h1-0": "blocked"}))
    a, b = snap(router, X0, Y0), snap(router, X0 + 0.01, Y0)
    closed = np.flatnonzero(router.edge_status == "closed")
    blocked = np.flatnonzero(router.edge_status == "blocked")
    assert router.route(a, b, "avoid") is None  # both ways are shut to it
    for mode in ("least_risk", "shortest"):
        route = router.route(a, b, mode)
        used = route.edges[route.weights > 0]
        assert not np.isin(used, closed).any(), mode
        assert np.isin(used, blocked).any(), mode  # least_risk pays the price; shortest ignores risk
        assert route.distance_m > 3000 and route.exposure.blocked_road_m > 1000
        assert all(r["status"] != "closed" for r in route.exposure.roads)
    alternatives = router.alternatives(a, b, "least_risk", router.route(a, b, "least_risk"), 3)
    assert all(not np.isin(r.edges[r.weights > 0], closed).any() for r in alternatives)


def test_only_closed_roads_between_two_points_means_no_route_in_any_mode():
    router = router_for(grid_roads(2, statuses={"h0-0": "closed", "h1-0": "closed"}))
    a, b = snap(router, X0, Y0), snap(router, X0 + 0.01, Y0)
    assert all(router.route(a, b, mode) is None for mode in ("avoid", "least_risk", "shortest"))


def test_contested_zone_and_dangerous_road_raise_cost_not_passability():
    roads = grid_roads(3, statuses={"h0-0": "dangerous"})
    zones = zones_frame(square_zone("c", "contested", X0 + 0.012, Y0 - 0.005, X0 + 0.018, Y0 + 0.005))
    router = router_for(roads, zones)
    length = router.graph.edges["length_m"].to_numpy()
    dangerous = (router.edge_status == "dangerous")
    assert router.edge_cost["avoid"][dangerous] == pytest.approx(3 * length[dangerous])
    assert np.isfinite(router.edge_cost["avoid"]).all()
    a, b = snap(router, X0 + 0.01, Y0), snap(router, X0 + 0.02, Y0)
    contested = router.exposure.inside_by_status["contested"] > 0
    assert np.isfinite(router.edge_cost["avoid"][contested]).all()
    assert (router.edge_cost["avoid"][contested] > length[contested]).all()
    # 60% of the direct kilometre in the zone costs 1 + 4 x 0.6 = 3.4 km: the 3.3 km way round is cheaper
    around = router.route(a, b, "avoid")
    assert around.exposure.inside_m["contested"] == 0 and around.distance_m > 3000
    # a zone over 20% of it costs 1.8 km: the direct road is taken, through the zone (passable, dearer)
    narrow = zones_frame(square_zone("c", "contested", X0 + 0.014, Y0 - 0.005, X0 + 0.016, Y0 + 0.005))
    router = router_for(roads, narrow)
    through = router.route(snap(router, X0 + 0.01, Y0), snap(router, X0 + 0.02, Y0), "avoid")
    assert through.exposure.inside_m["contested"] > 0 and through.distance_m < 1200


def test_alternatives_are_distinct_safe_and_not_absurdly_long():
    zones = zones_frame(square_zone("z", "controlled", X0 + 0.015, Y0 + 0.015, X0 + 0.025, Y0 + 0.025))
    router = router_for(grid_roads(6), zones)
    a, b = snap(router, X0, Y0), snap(router, X0 + 0.05, Y0 + 0.05)
    best = router.route(a, b, "avoid")
    others = router.alternatives(a, b, "avoid", best, 3)
    assert 1 <= len(others) <= 3
    kept = [best, *others]
    real = router.edge_cost["avoid"]
    for i, route in enumerate(kept):
        assert route.exposure.inside_m["controlled"] == 0
        assert float(real[route.edges] @ route.weights) <= 1.6 * float(real[best.edges] @ best.weights) + 1e-6
        for other in kept[:i]:
            shared = route.travelled_m[np.isin(route.edges, other.edges)].sum()
            assert shared / route.distance_m < 0.7
    # searching alternatives changes nothing for the next lookup
    assert router.route(a, b, "avoid").distance_m == pytest.approx(best.distance_m)


def town_with_pockets() -> gpd.GeoDataFrame:
    """A two-way 3 x 3 grid, a one-way street into a dead end, one out of nowhere, and an island road."""
    grid = grid_roads(3, origin=(X0, Y0), step=STEP)
    extra = roads_of(
        [(X0 + 0.02, Y0), (X0 + 0.024, Y0)],  # one-way east out of the grid's corner, 420 m, ending nowhere
        [(X0 - 0.004, Y0), (X0, Y0)],  # one-way into the grid from nowhere
        [(X0 + 0.10, Y0 + 0.10), (X0 + 0.11, Y0 + 0.10)],  # an island, 14 km away
        oneway={0, 1},
    )
    extra["id"] = ["dead-end", "way-in", "island"]
    return gpd.GeoDataFrame(pd.concat([grid, extra], ignore_index=True), crs="EPSG:4326")


def test_components_find_the_main_network_and_report_the_pockets():
    roads = town_with_pockets()
    report = network_report(roads, metric_crs=METRIC, max_edge_m=5000)
    main_km, pocket_km = 6 * 1.055 + 6 * 1.111, (0.4 + 0.4 + 1) * 1.055  # 0.01 degree: 1055 m east, 1111 m north
    assert report == {
        "nodes": 9 + 2 + 2, "edges": 12 + 3, "components": 4,  # the grid, two dead-end nodes, the island
        "main_nodes": 9, "main_edges": 12, "main_km": pytest.approx(main_km, rel=0.01),
        "main_length_share": pytest.approx(main_km / (main_km + pocket_km), rel=0.01),
        "pockets": 3, "pocket_edges": 3, "pocket_km": pytest.approx(pocket_km, rel=0.01),
        "dead_ends_enter_only": 1, "dead_ends_leave_only": 1,
    }
    graph = build_road_graph(roads, metric_crs=METRIC, max_edge_m=5000)
    main = Components.of(graph).main_edge
    assert set(graph.edges["road_id"][~main]) == {"dead-end", "way-in", "island"}


def test_one_component_or_none_at_all_keeps_snapping_plain():
    one = Components.of(build_road_graph(grid_roads(3), metric_crs=METRIC, max_edge_m=5000))
    assert one.count == 1 and one.whole
    # only one-way roads leading nowhere: no cycle, no main network, every edge counts as in it
    router = router_for(roads_of([(X0, Y0), (X0 + 0.01, Y0)], oneway={0}))
    assert router.network.components.whole
    a, b = snap(router, X0 + 0.002, Y0), snap(router, X0 + 0.008, Y0)
    assert not a.pocket and router.route(a, b, "avoid").distance_m == pytest.approx(630, rel=0.02)
    empty = RoadGraph(nodes=np.zeros((0, 2)), edges=gpd.GeoDataFrame(
        {"u": np.zeros(0, int), "v": np.zeros(0, int), "length_m": np.zeros(0)}, geometry=[], crs=METRIC),
        arc_tail=np.zeros(0, int), arc_head=np.zeros(0, int), arc_edge=np.zeros(0, int),
        arc_forward=np.zeros(0, bool))
    nothing = Components.of(empty)
    assert nothing.count == 0 and nothing.whole
    assert nothing.report(empty)["pockets"] == 0 and nothing.report(empty)["main_length_share"] == 1.0


def test_points_snap_to_the_main_network_unless_a_pocket_road_is_much_closer():
    router = router_for(town_with_pockets())
    centre = snap(router, X0 + 0.01, Y0 + 0.01)
    # on the one-way dead end, 320 m from the grid: taken to the grid's corner, from where routes leave
    spur = snap(router, X0 + 0.023, Y0)
    assert not spur.pocket and spur.pocket_passed_m == pytest.approx(0, abs=0.01)
    assert spur.distance_m == pytest.approx(320, rel=0.02) and spur.distance_m < POCKET_FAR_M
    assert router.route(spur, centre, "least_risk") is not None
    # on the island, 14 km from the town: stays there, and nothing connects it
    island = snap(router, X0 + 0.105, Y0 + 0.10)
    assert island.pocket and island.distance_m == pytest.approx(0, abs=0.01) and island.pocket_passed_m is None
    assert router.route(island, centre, "least_risk") is None and router.route(centre, island, "avoid") is None
    # 300 m off the island road, it is still the island's: the town's roads are more than 4 times farther
    assert snap(router, X0 + 0.105, Y0 + 0.097).pocket
    # sites are snapped by the same rule, in bulk
    points = gpd.GeoSeries([Point(X0 + 0.023, Y0), Point(X0 + 0.105, Y0 + 0.10), Point(X0 + 0.01, Y0 + 0.01)],
                           crs="EPSG:4326").to_crs(METRIC).values
    sites = SiteSnaps.of(router, np.asarray(points))
    assert sites.pocket.tolist() == [False, True, False]
    assert sites.edge.tolist() == [spur.edge, island.edge, centre.edge]
