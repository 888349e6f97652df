"""Sea legs on small synthetic layers: an island reached only by boat, port statuses, suspensions, schedules."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from geoapp.answers.access import Scenario, access_lookup, whatif_lookup
from geoapp.answers.legs import HAITI
from geoapp.answers.route import route_lookup
from geoapp.data.dataset import build_dataset
from geoapp.settings import Settings

from .helpers import common, grid_roads, zones_frame

TODAY = dt.date(2025, 4, 10)
MAINLAND = (-72.40, 18.50)
ISLAND = (-72.30, 18.60)
PORT_A = (MAINLAND[0] + 0.04, MAINLAND[1] + 0.04)  # the mainland grid's north-east corner
PORT_B = ISLAND
SETTINGS = Settings()


def island_roads() -> gpd.GeoDataFrame:
    roads = grid_roads(3, origin=ISLAND)
    roads["id"] = "isl-" + roads["id"]
    return gpd.GeoDataFrame(
        [*grid_roads(5).to_dict("records"), *roads.to_dict("records")], geometry="geometry", crs="EPSG:4326")


def layers(*, port_b="operational", connection="operating", schedule="daily 07:00", vehicles=False):
    ports = gpd.GeoDataFrame([
        common(id="pt-a", name="Port A", status="operational", kind="seaport", geometry=Point(PORT_A)),
        common(id="pt-b", name="Port B", status=port_b, kind="seaport", geometry=Point(PORT_B)),
    ], crs="EPSG:4326")
    connections = gpd.GeoDataFrame([common(
        id="cn-barge", name="Barge A-B", status=connection, from_port="pt-a", to_port="pt-b", mode="sea",
        operator="Test barge", schedule=schedule, duration_s=3600, capacity_t=20.0, vehicles=vehicles,
        geometry=LineString([PORT_A, PORT_B]))], crs="EPSG:4326")
    sites = gpd.GeoDataFrame([common(id="ds-isl", name="Island camp", status="open", individuals=500,
                                     households=100, site_type="camp", commune="Testville", adm2_pcode=None,
                                     geometry=Point(ISLAND[0] + 0.02, ISLAND[1] + 0.02))], crs="EPSG:4326")
    return {"roads": island_roads(), "gang_zones": zones_frame(), "ports": ports, "connections": connections,
            "displacement_sites": sites}


def data_of(**kwargs):
    return build_dataset(layers(**kwargs), SETTINGS, today=TODAY)


TO = (ISLAND[0] + 0.02, ISLAND[1] + 0.02)


def test_an_island_reached_only_by_sea():
    data = data_of()
    assert route_lookup(data, SETTINGS, MAINLAND, TO, today=TODAY)["verdict"] == "no_safe_route"
    # the barge's record is 40 days old (stale after 30): the trip is possible, not vouched for
    answer = route_lookup(data, SETTINGS, MAINLAND, TO, today=TODAY, modes=("road", "sea"))
    assert answer["verdict"] == "caution"
    assert "(Test barge) is on record as of 2025-03-01 (40 days ago), high confidence" in answer["warnings"][0]
    assert "confirm the service and a place on board with its operator" in answer["warnings"][0]
    fresh = route_lookup(data, SETTINGS, MAINLAND, TO, today=dt.date(2025, 3, 10), modes=("road", "sea"))
    assert fresh["verdict"] == "safe" and "(9 days ago)" in fresh["warnings"][0]
    assert [leg["mode"] for leg in answer["legs"]] == ["road", "sea", "road"]
    sea = answer["legs"][1]
    assert sea["connection"] == "cn-barge" and sea["operator"] == "Test barge"
    assert sea["wait_s"] == 12 * 3600  # one departure a day: half a day on average
    assert sea["transfer_s"] == 3600 and sea["duration_s"] == 3600
    assert sea["vehicles"] is False and sea["capacity_t"] == 20.0  # the barge carries no trucks (for vehicle=)
    assert answer["decided_by"] == ["cn-barge"]
    assert answer["reasons"][0].startswith("No safe road to")
    # air alone does not help
    assert route_lookup(data, SETTINGS, MAINLAND, TO, today=TODAY, modes=("road", "air"))["verdict"] \
        == "no_safe_route"


def test_the_boat_waits_for_its_timetable():
    data = data_of()
    answer = route_lookup(data, SETTINGS, MAINLAND, TO, today=TODAY, modes=("road", "sea"),
                          depart=dt.datetime(2025, 4, 10, 5, 0, tzinfo=HAITI))
    sea = answer["legs"][1]
    assert sea["depart"] == "2025-04-10T07:00-04:00" and sea["timetabled"] is True
    assert sea["arrive"] == "2025-04-10T08:00-04:00"
    late = route_lookup(data, SETTINGS, MAINLAND, TO, today=TODAY, modes=("road", "sea"),
                        depart=dt.datetime(2025, 4, 10, 6, 30, tzinfo=HAITI))
    assert late["legs"][1]["depart"] == "2025-04-11T07:00-04:00"  # missed: the next day's boat
    assert late["timing"]["arrive"].startswith("2025-04-11T08:")


@pytest.mark.parametrize("status", ["gang_controlled", "closed"])
def test_a_gang_held_or_closed_port_is_not_used_in_avoid(status):
    data = data_of(port_b=status)
    answer = route_lookup(data, SETTINGS, MAINLAND, TO, today=TODAY, modes=("road", "sea"))
    assert answer["verdict"] == "no_safe_route" and answer["legs"] == []
    risky = route_lookup(data, SETTINGS, MAINLAND, TO, mode="least_risk", today=TODAY, modes=("road", "sea"))
    if status == "closed":
        assert risky["legs"] == []
    else:
        assert risky["verdict"] == "unsafe" and risky["legs"][1]["mode"] == "sea"


def test_a_restricted_port_costs_and_calls_for_caution():
    answer = route_lookup(data_of(port_b="restricted"), SETTINGS, MAINLAND, TO, today=TODAY, modes=("road", "sea"))
    assert answer["verdict"] == "caution"


def test_a_suspended_connection_is_not_used():
    answer = route_lookup(data_of(connection="suspended"), SETTINGS, MAINLAND, TO, today=TODAY, modes=("road", "sea"))
    assert answer["verdict"] == "no_safe_route"


def test_access_and_whatif_over_the_barge():
    data = data_of()
    road = access_lookup(data, SETTINGS, MAINLAND, exact=True)
    assert road["sites"][0]["access"] == "unreachable"
    sea = access_lookup(data, SETTINGS, MAINLAND, exact=True, modes=("road", "sea"))
    # reached by boat only: a barge on record is not vouched for
    assert sea["sites"][0]["access"] == "caution" and sea["sites"][0]["legs"]["sea_m"] > 9000
    for scenario in (Scenario(suspend_connections=("cn-barge",)), Scenario(close_ports=("pt-b",))):
        answer = whatif_lookup(data, SETTINGS, MAINLAND, scenario, exact=True, modes=("road", "sea"))
        assert answer["sites"][0]["outcome"] == "unreachable"
        assert answer["summary"]["people_losing_safe_access"] == 500


def test_dangerous_roads_weigh_more_after_dark_and_stretches_get_times():
    settings = Settings(penalty_dangerous=1.5, curfew="none")  # by day the dangerous block is the cheaper way
    data = build_dataset({"roads": grid_roads(5, statuses={"h0-1": "dangerous"}), "gang_zones": zones_frame()},
                         settings, today=TODAY)
    start, end = MAINLAND, (MAINLAND[0] + 0.03, MAINLAND[1])
    noon = route_lookup(data, settings, start, end, today=TODAY, depart=dt.datetime(2025, 4, 10, 12, tzinfo=HAITI))
    assert noon["verdict"] == "caution"
    assert "h0-1" in [s["road_id"] for s in noon["routes"][0]["properties"]["itinerary"]]
    night = route_lookup(data, settings, start, end, today=TODAY, depart=dt.datetime(2025, 4, 10, 21, tzinfo=HAITI))
    assert night["verdict"] == "safe"
    stretches = night["routes"][0]["properties"]["itinerary"]
    assert "h0-1" not in [s["road_id"] for s in stretches]
    assert stretches[0]["arrive"].startswith("2025-04-10T21:0") and stretches[-1]["arrive"] == night["timing"]["arrive"]


def test_a_local_curfew_from_the_areas_file(tmp_path):
    area = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
        "name": "Testville curfew", "hours": "12:00-14:00"}, "geometry": {"type": "Polygon", "coordinates": [[
            [-72.41, 18.49], [-72.35, 18.49], [-72.35, 18.55], [-72.41, 18.55], [-72.41, 18.49]]]}}]}
    path = tmp_path / "curfews.geojson"
    path.write_text(json.dumps(area), encoding="utf-8")
    settings = Settings(curfew="none", curfew_areas=path)
    data = build_dataset({"roads": grid_roads(5), "gang_zones": zones_frame()}, settings, today=TODAY)
    end = (MAINLAND[0] + 0.03, MAINLAND[1])
    at = route_lookup(data, settings, MAINLAND, end, today=TODAY, depart=dt.datetime(2025, 4, 10, 12, 30, tzinfo=HAITI))
    assert at["verdict"] == "caution"
    assert at["legs"][0]["curfew"] == [{"hours": "12:00-14:00", "area": "Testville curfew"}]
    assert any("12:00-14:00 Testville curfew" in r for r in at["reasons"])
    waits = route_lookup(data, settings, MAINLAND, end, today=TODAY, curfew="avoid",
                         depart=dt.datetime(2025, 4, 10, 12, 30, tzinfo=HAITI))
    assert waits["legs"][0]["depart"] == "2025-04-10T14:00-04:00" and waits["timing"]["curfew_wait_s"] == 5400
    before = route_lookup(data, settings, MAINLAND, end, today=TODAY, depart=dt.datetime(2025, 4, 10, 9, tzinfo=HAITI))
    assert before["verdict"] == "safe"
