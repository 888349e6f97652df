"""Closures and access classes on small synthetic layers: closed is never crossed, blocked is priced."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, Polygon

from geoapp.answers.access import ACCESS_CLASSES, Scenario, access_lookup, whatif_lookup
from geoapp.data.dataset import build_dataset
from geoapp.errors import BadRequest
from geoapp.settings import Settings

from .helpers import common, grid_roads, square_zone, zones_frame

X0, Y0, STEP = -72.40, 18.50, 0.01
TODAY = dt.date(2025, 4, 10)
HUB = (X0, Y0)


def sites_frame(*sites: tuple[str, float, float, int]) -> gpd.GeoDataFrame:
    rows = [common(id=sid, name=sid, status="open", individuals=people, households=people // 5, site_type="camp",
                   commune="Testville", adm2_pcode=None, geometry=Point(x, y)) for sid, x, y, people in sites]
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def dataset(roads, zones=None, sites=None):
    layers = {"roads": roads, "gang_zones": zones if zones is not None else zones_frame()}
    if sites is not None:
        layers["displacement_sites"] = sites
    return build_dataset(layers, Settings(), today=TODAY)


# a 5x5 grid, hub at its south-west corner; sites along the east side and one in the north-west
SITES = sites_frame(("east", X0 + 4 * STEP, Y0 + 0.001, 100), ("north", X0 + 0.001, Y0 + 4 * STEP, 200),
                    ("middle", X0 + 2 * STEP, Y0 + 2 * STEP + 0.001, 300))


def rows(answer) -> dict:
    return {row["id"]: row for row in answer["sites"]}


def test_access_classes_counts_people_and_order():
    zones = zones_frame(square_zone("cz", "contested", X0 + 2 * STEP - 0.003, Y0 + 2 * STEP - 0.003,
                                    X0 + 2 * STEP + 0.003, Y0 + 2 * STEP + 0.003),
                        square_zone("ctl", "controlled", X0 - 0.001, Y0 + 3.5 * STEP, X0 + 4.1 * STEP, Y0 + 4.1 * STEP))
    data = dataset(grid_roads(5), zones, SITES)
    answer = access_lookup(data, Settings(), HUB, exact=True)
    by_id = rows(answer)
    assert by_id["east"]["access"] == "safe" and by_id["east"]["verdict"] == "safe"
    assert by_id["middle"]["access"] == "caution"
    assert "contested" in by_id["middle"]["reason"]
    assert by_id["north"]["access"] == "only_with_risk" and "controlled" in by_id["north"]["reason"]
    summary = answer["summary"]
    assert [summary[c] for c in ACCESS_CLASSES] == [1, 1, 1, 0]
    assert [summary[f"people_{c}"] for c in ACCESS_CLASSES] == [100, 300, 200, 0]
    order = [ACCESS_CLASSES.index(row["access"]) for row in answer["sites"]]
    assert order == sorted(order) and [r["id"] for r in answer["sites"]] == ["east", "middle", "north"]
    assert all(row["reason"] for row in answer["sites"])


def test_a_hub_inside_or_near_a_controlled_zone_is_said_first():
    zones = zones_frame(square_zone("port-zone", "controlled", X0 - 0.005, Y0 + 0.002, X0 + 0.005, Y0 + 0.01))
    answer = access_lookup(dataset(grid_roads(5), zones, SITES), Settings(), HUB)
    assert answer["warnings"][0].startswith("The hub is ") and "port-zone" in answer["warnings"][0]
    inside = access_lookup(dataset(grid_roads(5), zones, SITES), Settings(), (X0 + 0.002, Y0 + 0.005))
    assert inside["warnings"][0].startswith("The hub lies inside controlled zone port-zone")
    clear = access_lookup(dataset(grid_roads(5), zones_frame(), SITES), Settings(), HUB)
    assert not any("controlled zone" in w for w in clear["warnings"])


def touches(route: dict | None, closed: dict | None) -> bool:
    """Whether a returned route runs along any closed edge (sharing a node is not running along)."""
    if route is None or closed is None:
        return False
    common_part = shapely.intersection(shapely.geometry.shape(route), shapely.geometry.shape(closed))
    return shapely.length(common_part) > 0


def check_after_routes(answer, closures) -> None:
    closed = answer["scenario"]["closed_geometry"]
    for row in answer["sites"]:
        route = row["after"].get("route")
        assert not touches(route, closed), row["id"]
        if route is not None:
            line = shapely.geometry.shape(route)
            for area in closures:
                assert not shapely.relate_pattern(line, area, "T********"), row["id"]  # never inside it
        for rid in row["after"].get("road_ids", []):
            assert rid not in answer["scenario"]["closed_roads"]


def test_whatif_by_road_id_gives_a_detour_that_never_touches_the_closure():
    data = dataset(grid_roads(5), sites=SITES)
    answer = whatif_lookup(data, Settings(), HUB, Scenario(closed_road_ids=("h0-1",)), exact=True)
    east = rows(answer)["east"]
    assert east["outcome"] == "detour" and east["detour_m"] > 1000 and east["detour_s"] > 0
    assert east["after"]["access"] == "safe" and east["after"]["route"]["type"] == "LineString"
    assert rows(answer)["north"]["outcome"] == "same_route"
    assert answer["summary"]["detour"] >= 1 and answer["summary"]["people_detour"] >= 100
    check_after_routes(answer, [])


def test_whatif_closures_are_closed_even_for_least_risk():
    """Closing every way round leaves the site unreachable: least-risk may not cross a closure either."""
    data = dataset(grid_roads(5), sites=SITES)
    cut = tuple(f"h{i}-3" for i in range(5))  # every road crossing into the east column
    answer = whatif_lookup(data, Settings(), HUB, Scenario(closed_road_ids=cut), exact=True)
    east = rows(answer)["east"]
    assert east["outcome"] == "unreachable" and east["after"]["access"] == "unreachable"
    assert east["before"]["access"] == "safe" and east["loses_safe_access"]
    assert answer["summary"]["unreachable"] == 1 and answer["summary"]["people_unreachable"] == 100
    # the same cut merely blocked (armed groups): least-risk crosses it at a price
    blocked = dataset(grid_roads(5, statuses={r: "blocked" for r in cut}), sites=SITES)
    assert rows(access_lookup(blocked, Settings(), HUB))["east"]["access"] == "only_with_risk"
    closed = dataset(grid_roads(5, statuses={r: "closed" for r in cut}), sites=SITES)
    assert rows(access_lookup(closed, Settings(), HUB))["east"]["access"] == "unreachable"


def test_whatif_by_point_closes_only_the_edge_there():
    data = dataset(grid_roads(5), sites=SITES)
    point = (X0 + 1.5 * STEP, Y0 + 0.0002)  # on h0-1, 20 m off
    answer = whatif_lookup(data, Settings(), HUB, Scenario(close_points=(point,)), exact=True)
    joined = answer["scenario"]["close_points"][0]
    assert joined["road_id"] == "h0-1" and joined["distance_m"] < 30
    assert answer["scenario"]["edges_closed"] >= 1
    assert rows(answer)["east"]["outcome"] == "detour"
    check_after_routes(answer, [])
    with pytest.raises(BadRequest, match=r"close_points\[0\].*more than 200 m from any mapped road"):
        whatif_lookup(data, Settings(), HUB, Scenario(close_points=((X0 + 1.5 * STEP, Y0 - 0.01),)))


def test_whatif_by_area_closes_every_edge_meeting_it():
    data = dataset(grid_roads(5), sites=SITES)
    area = Polygon([(X0 + 1.2 * STEP, Y0 - 0.002), (X0 + 1.8 * STEP, Y0 - 0.002), (X0 + 1.8 * STEP, Y0 + 1.5 * STEP),
                    (X0 + 1.2 * STEP, Y0 + 1.5 * STEP)])
    answer = whatif_lookup(data, Settings(), HUB, Scenario(close_areas=(area,)), exact=True)
    assert answer["scenario"]["close_areas"] == 1 and answer["scenario"]["edges_closed"] >= 2
    assert rows(answer)["east"]["outcome"] == "detour"
    check_after_routes(answer, [area])


def test_anonymous_detours_stop_short_of_the_site():
    data = dataset(grid_roads(5), sites=SITES)
    answer = whatif_lookup(data, Settings(), HUB, Scenario(closed_road_ids=("h0-1",)))
    east = rows(answer)["east"]
    assert "road_ids" not in east["after"]
    route = east["after"]["route"]
    assert route is not None
    end = np.array(route["coordinates"][-1])
    assert np.hypot(*(end - (X0 + 4 * STEP, Y0))) > 0.01  # more than about 1 km short


def test_a_whatif_weighs_edges_as_the_router_does_vehicle_limits_included():
    """An empty scenario costs every edge exactly as the router (or a vehicle's copy of it) does."""
    from geoapp.answers.closures import closed_edges, scenario_costs
    from geoapp.network.vehicles import for_vehicle

    roads = grid_roads(5, statuses={"h1-1": "dangerous", "v2-1": "blocked"})
    roads["max_vehicle"] = None
    roads.loc[roads["id"] == "h0-1", "max_vehicle"] = "4x4"  # too small for a truck
    data = dataset(roads, zones_frame(square_zone("Z", "contested", X0 + 0.012, Y0 + 0.012, X0 + 0.028, Y0 + 0.028)),
                   SITES)
    for router in (data.router, for_vehicle(data.router, "heavy_truck", "dry")):
        closed, _points = closed_edges(data, Scenario())
        costs, _figures, status, affected = scenario_costs(data, router, Settings(), Scenario(), closed)
        assert affected == 0 and (status == router.edge_status).all()
        for mode in ("avoid", "least_risk"):
            np.testing.assert_array_equal(costs[mode], router.edge_cost[mode])
    # the truck's copy: the 4x4 road is out even where least_risk would pay for anything
    assert (np.isinf(costs["least_risk"]) & ~np.isinf(data.router.edge_cost["least_risk"])).any()
