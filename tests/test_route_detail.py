"""Distances and times with their uncertainty: winding of hand-drawn roads, speeds by class, terrain and status."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geoapp.io.osm import read_osm_roads
from geoapp.layers import REGISTRY
from geoapp.network.routing import RoadNetwork, Router
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


def corridors(*, joined: bool = True) -> gpd.GeoDataFrame:
    """Two towns 6 km apart joined by a northern and a southern corridor (each of several roads),
    sharing a long approach road; a controlled zone may cut nothing or the south."""
    from shapely.geometry import LineString

    from .helpers import common

    a, b = (X0, Y0), (X0 + 0.06, Y0)
    lines = {
        "approach": [(X0 - 0.30, Y0), a],  # forced stretch shared by every route (32 km)
        "north-1": [a, (X0 + 0.01, Y0 + 0.02)], "north-2": [(X0 + 0.01, Y0 + 0.02), (X0 + 0.05, Y0 + 0.02)],
        "north-3": [(X0 + 0.05, Y0 + 0.02), b],
        "south": [a, (X0 + 0.03, Y0 - 0.022), b],
    }
    if not joined:
        del lines["south"]
    rows = [common(id=k, name=f"Road {k}", status="open", ref="RN9" if k == "approach" else None,
                   road_class="primary", oneway=False, geometry_precision="surveyed", terrain="flat",
                   geometry=LineString(v)) for k, v in lines.items()]
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def ends(router: Router):
    points = gpd.GeoSeries([Point(X0 - 0.30, Y0), Point(X0 + 0.06, Y0)], crs="EPSG:4326").to_crs(METRIC)
    return [router.snap(p) for p in points]


def test_avoid_mode_finds_the_other_corridor_though_a_long_approach_is_shared():
    router = router_for(corridors())
    a, b = ends(router)
    best = router.route(a, b, "avoid")
    found = router.alternatives(a, b, "avoid", best, 2)
    assert len(found) == 1
    # the approach is more than 70% of either route: the share rule alone (as before) finds none
    assert router.alternatives(a, b, "avoid", best, 2, min_detour_m=float("inf")) == []
    own = set(found[0].edges) - set(best.edges)
    assert sum(router.network.edge_length[list(own)]) > 3000
    assert {router.network.road_ids[r] for r in router.network.edge_road[found[0].edges]} & {"south", "north-2"}


def test_no_distinct_alternative_is_said(client):
    from geoapp.answers.route import alternatives_note

    assert alternatives_note(0, 2, "avoid").startswith("No distinct alternative within 1.6 x the safest")
    assert alternatives_note(1, 2, "least_risk").startswith("Only 1 distinct alternative(s)")
    assert alternatives_note(2, 2, "avoid") is None
    from .helpers import JEREMIE, LES_CAYES

    body = client.get("/api/route", query_string={"from": f"{LES_CAYES[0]},{LES_CAYES[1]}",
                                                  "to": f"{JEREMIE[0]},{JEREMIE[1]}", "alternatives": 2}).json
    assert body["alternatives_note"].startswith("No distinct alternative")
    assert body["alternatives_note"] in body["reasons"]


def test_itinerary_merges_consecutive_edges_of_one_road_in_travel_order():
    from geoapp.answers.itinerary import itinerary

    roads = corridors(joined=False)
    network = RoadNetwork(roads, metric_crs=METRIC, max_edge_m=500, speeds_kmh=SPEEDS)  # many edges per road
    router = Router(network, roads, zones_frame(), weights=RiskWeights())
    a, b = ends(router)
    route = router.route(a, b, "avoid")
    assert len(route.edges) > 10
    stretches = itinerary(router, route)
    assert [s["road_id"] for s in stretches] == ["approach", "north-1", "north-2", "north-3"]
    assert stretches[0]["ref"] == "RN9" and stretches[0]["name"] == "Road approach"
    assert sum(s["length_m"] for s in stretches) == pytest.approx(route.distance_m, abs=1)
    assert [s["start_m"] for s in stretches] == sorted(s["start_m"] for s in stretches)
    assert all(s["length_range_m"][0] == pytest.approx(s["length_m"], abs=0.2) for s in stretches)  # surveyed


def test_a_store_made_before_the_columns_loads_with_their_defaults(tmp_path):
    import sqlite3

    from geoapp.settings import Settings
    from geoapp.store import make_store

    settings = Settings.from_env(overrides={"instance_path": str(tmp_path)})
    make_store(settings)
    with sqlite3.connect(next(tmp_path.glob("*.gpkg"))) as con:  # as a store of an earlier release was
        con.execute('ALTER TABLE roads DROP COLUMN "geometry_precision"')
        con.execute('ALTER TABLE roads DROP COLUMN "terrain"')
    roads = make_store(settings).load()["roads"]
    assert set(roads["geometry_precision"]) == {"hand_drawn"} and set(roads["terrain"]) == {"hilly"}


def test_a_route_answer_cites_the_sources_of_the_roads_zones_and_incidents_it_used(app, client):
    from .helpers import JACMEL, PETION_VILLE

    body = client.get("/api/route", query_string={"from": f"{PETION_VILLE[0]},{PETION_VILLE[1]}",
                                                  "to": f"{JACMEL[0]},{JACMEL[1]}", "as_of": "2025-04-20"}).json
    sources = {s["layer"]: s for s in body["sources"]}
    assert list(sources) == ["roads", "gang_zones", "incidents"]
    assert {s["as_of"] for s in sources.values()} == set(body["layers_as_of"].values())
    layers = app.extensions["geoapp"].dataset.layers
    route = body["routes"][0]["properties"]
    used = {step["road_id"] for f in body["routes"] for step in f["properties"]["itinerary"]}
    assert sources["roads"]["features"] == len(used)
    assert sources["roads"]["citations"] == sorted(set(layers["roads"].set_index("id").loc[sorted(used), "source"]))
    named = [i["id"] for i in route["exposure"]["incidents"]]
    assert named and sources["incidents"]["features"] == len(named)  # the Kenscoff attacks, not every incident
    incidents = layers["incidents"].set_index("id")
    assert sources["incidents"]["citations"] == sorted(set(incidents.loc[named, "source"]))
    assert len(sources["incidents"]["citations"]) < incidents["source"].nunique()


def test_an_access_answer_cites_every_layer_it_weighed(client):
    body = client.get("/api/access", query_string={"from": "pt-cap-seaport"}).json
    sources = {s["layer"]: s for s in body["sources"]}
    assert list(sources) == ["roads", "gang_zones", "displacement_sites"]
    assert sources["displacement_sites"]["features"] == len(body["sites"])
    assert all(s["citations"] and s["as_of"] for s in sources.values())
