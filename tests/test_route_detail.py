"""Distances and times with their uncertainty: winding of hand-drawn roads, speeds by class, terrain and status."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geoapp.layers import REGISTRY
from geoapp.network.routing import RoadNetwork, Router
from geoapp.osm import read_osm_roads
from geoapp.safety import RiskWeights
from geoapp.settings import SPEED_SPREAD, STATUS_SPEED, TERRAIN_SPEED, WINDING
from geoapp.validate import validate_layer

from .helpers import grid_roads, osm_grid_file, zones_frame

METRIC = "EPSG:32618"
X0, Y0 = -72.40, 18.50
SPEEDS = {"primary": 45.0, "other": 25.0}


def router_for(roads) -> Router:
    network = RoadNetwork(roads, metric_crs=METRIC, max_edge_m=5000, speeds_kmh=SPEEDS)
    return Router(network, roads, zones_frame(), weights=RiskWeights())


def along_bottom(router: Router, steps: int = 3):
    """The route along the grid's bottom row, ``steps`` segments long, and its drawn length."""
    ends = gpd.GeoSeries([Point(X0, Y0), Point(X0 + steps * 0.01, Y0)], crs="EPSG:4326").to_crs(METRIC)
    a, b = (router.snap(p) for p in ends)
    return router.route(a, b, "avoid"), a.point.distance(b.point)


def test_hand_drawn_lengths_are_lengthened_by_terrain_and_class_and_given_with_a_range():
    route, drawn = along_bottom(router_for(grid_roads(4, precision="hand_drawn", terrain="mountain")))
    low, best, high = WINDING["mountain"]["primary"]
    assert route.distance_m == pytest.approx(drawn * best, rel=1e-6)
    assert route.distance_range_m == pytest.approx((drawn * low, drawn * high), rel=1e-6)
    assert route.hand_drawn_m == pytest.approx(route.distance_m)
    # mountain roads are slower than the class speed; the time range spans length and speed
    speed = 45.0 * TERRAIN_SPEED["mountain"] / 3.6
    assert route.duration_s == pytest.approx(drawn * best / speed, rel=1e-6)
    assert route.duration_range_s == pytest.approx(
        (drawn * low / (speed * SPEED_SPREAD[1]), drawn * high / (speed * SPEED_SPREAD[0])), rel=1e-6)


def test_flat_roads_wind_less_than_mountain_roads():
    flat, _ = along_bottom(router_for(grid_roads(4, precision="hand_drawn", terrain="flat")))
    mountain, _ = along_bottom(router_for(grid_roads(4, precision="hand_drawn", terrain="mountain")))
    assert flat.distance_m < mountain.distance_m and flat.duration_s < mountain.duration_s


def test_surveyed_roads_keep_their_own_length_and_only_the_time_is_a_range():
    route, drawn = along_bottom(router_for(grid_roads(4)))
    assert route.distance_m == pytest.approx(drawn, rel=1e-6)
    assert route.distance_range_m == pytest.approx((drawn, drawn), rel=1e-6)
    assert route.hand_drawn_m == 0
    assert route.duration_range_s[0] < route.duration_s < route.duration_range_s[1]


def test_dangerous_roads_are_slower():
    statuses = {f"h0-{j}": "dangerous" for j in range(3)}
    open_route, _ = along_bottom(router_for(grid_roads(4)))
    roads = grid_roads(4, statuses=statuses)
    router = router_for(roads)
    route, _ = along_bottom(router)
    if route.exposure.dangerous_road_m:  # the safest search may go round; time is then compared on its edges
        assert route.duration_s == pytest.approx(open_route.duration_s / STATUS_SPEED["dangerous"], rel=1e-6)
    assert (router.edge_seconds[router.edge_status == "dangerous"]
            > router.network.edge_seconds[router.edge_status == "dangerous"]).all()


def test_osm_roads_keep_their_real_length_and_maxspeed(tmp_path):
    roads, _ = read_osm_roads(osm_grid_file(tmp_path / "grid.osm"))
    roads = validate_layer(roads, REGISTRY["roads"], source="osm")
    assert set(roads["geometry_precision"]) == {"osm"}
    network = RoadNetwork(roads, metric_crs=METRIC, max_edge_m=5000, speeds_kmh={**SPEEDS, "secondary": 30.0,
                                                                                 "urban": 20.0, "track": 12.0})
    edges = network.graph.edges
    assert network.edge_length == pytest.approx(edges["length_m"].to_numpy())
    own = edges["speed_kmh"].astype(float).fillna(0).to_numpy() > 0
    assert own.any() and network.edge_speed[own] == pytest.approx(edges["speed_kmh"].to_numpy(dtype=float)[own])


def test_roads_without_the_column_are_taken_as_hand_drawn_and_bad_values_are_refused():
    roads = grid_roads(3).drop(columns=["geometry_precision", "terrain"])
    checked = validate_layer(roads, REGISTRY["roads"], source="old.geojson")
    assert set(checked["geometry_precision"]) == {"hand_drawn"} and set(checked["terrain"]) == {"hilly"}
    bad = grid_roads(3, precision="guessed")
    with pytest.raises(Exception, match="geometry_precision must be one of hand_drawn, surveyed, osm"):
        validate_layer(bad, REGISTRY["roads"], source="bad.geojson")
