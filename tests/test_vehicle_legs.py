"""Vehicles on sea and air legs, on small synthetic layers: barges that carry vehicles or not, the shortest trip."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
from shapely.geometry import LineString, Point

from geoapp.answers.access import Scenario, access_lookup, whatif_lookup
from geoapp.answers.legs import HAITI
from geoapp.answers.route import route_lookup
from geoapp.data.dataset import build_dataset
from geoapp.settings import Settings

from .helpers import common, grid_roads, zones_frame
from .test_legs_synthetic import MAINLAND, SETTINGS, TO, TODAY, data_of
from .test_vehicles import X0, Y0, S, checkpoints, limited, line_roads, sites

SEA = ("road", "sea")


def safest(answer: dict) -> dict | None:
    return next((f["properties"] for f in answer["routes"] if f["properties"]["kind"] == "safest"), None)


def test_a_barge_that_carries_no_trucks_rules_a_truck_out_and_says_so():
    data = data_of(vehicles=False)
    truck = route_lookup(data, SETTINGS, MAINLAND, TO, today=TODAY, modes=SEA, vehicle="truck_20ft", season="dry")
    assert truck["verdict"] == "no_safe_route" and truck["routes"] == [] and truck["legs"] == []
    assert truck["reasons"][0] == ("No route for the vehicle chosen (20-ft truck): the way there needs the Port A -> "
                                   "Port B boat (Test barge), which takes no vehicles.")
    # on foot any boat will do; without a vehicle too
    for vehicle in ("foot", None):
        walk = route_lookup(data, SETTINGS, MAINLAND, TO, today=TODAY, modes=SEA, vehicle=vehicle, season="dry")
        assert [leg["mode"] for leg in walk["legs"]] == ["road", "sea", "road"], vehicle
        assert not any("goes on board" in r for r in walk["reasons"])
    # access and what-if leave the barge out for the truck by the same rule
    site = access_lookup(data, SETTINGS, MAINLAND, modes=SEA, vehicle="truck_20ft", season="dry",
                         today=TODAY)["sites"][0]
    assert site["access"] == "unreachable"
    assert site["reason"].endswith("The boats and flights that take no vehicles are left out: Barge A-B.")
    assert access_lookup(data, SETTINGS, MAINLAND, modes=SEA, vehicle="foot", season="dry",
                         today=TODAY)["sites"][0]["access"] == "caution"


def test_a_4x4_goes_on_board_a_barge_that_carries_vehicles():
    data = data_of(vehicles=True)
    answer = route_lookup(data, SETTINGS, MAINLAND, TO, today=TODAY, modes=SEA, vehicle="4x4", season="dry")
    assert answer["verdict"] == "caution" and answer["decided_by"] == ["cn-barge"]
    assert [leg["mode"] for leg in answer["legs"]] == ["road", "sea", "road"]
    assert answer["legs"][1]["vehicles"] is True
    assert answer["reasons"][0].startswith("No safe road to")  # the leg that made it possible comes first
    assert answer["reasons"][1] == ("The vehicle chosen (4x4) goes on board the Port A -> Port B boat (Test barge), "
                                    "which takes vehicles (20 t at most on record): book its place and check its "
                                    "weight with the operator.")
    # the road parts are driven at the vehicle's speeds, the legs' times are the boat's
    walk = safest(route_lookup(data, SETTINGS, MAINLAND, TO, today=TODAY, modes=SEA, vehicle="foot", season="dry"))
    assert safest(answer)["distance_m"] == walk["distance_m"] and safest(answer)["duration_s"] < walk["duration_s"]
    assert access_lookup(data, SETTINGS, MAINLAND, modes=SEA, vehicle="truck_20ft", season="dry",
                         today=TODAY)["sites"][0]["access"] == "caution"


def coast(*, vehicles: bool) -> dict:
    """A coast road s0..s5 whose s2 takes 4x4s at most, and a barge between ports at its two ends."""
    west, east = (X0, Y0 + 0.002), (X0 + 6 * S, Y0 + 0.002)
    ports = gpd.GeoDataFrame([
        common(id="pt-w", name="West port", status="operational", kind="seaport", geometry=Point(west)),
        common(id="pt-e", name="East port", status="operational", kind="seaport", geometry=Point(east)),
    ], crs="EPSG:4326")
    connections = gpd.GeoDataFrame([common(
        id="cn-coast", name="Coast barge", status="operating", from_port="pt-w", to_port="pt-e", mode="sea",
        operator="Coast barge co", schedule="daily 07:00", duration_s=3 * 3600, capacity_t=30.0, vehicles=vehicles,
        geometry=LineString([west, east]))], crs="EPSG:4326")
    return {"roads": limited(line_roads(6), s2=("4x4", None)), "gang_zones": zones_frame(), "ports": ports,
            "connections": connections,
            "displacement_sites": sites(("east-camp", X0 + 5.7 * S, Y0 + 0.0005))}


A, B = (X0 + 0.1 * S, Y0), (X0 + 5.9 * S, Y0)


def test_a_truck_ruled_out_by_a_4x4_road_goes_by_a_barge_that_carries_vehicles():
    data = build_dataset(coast(vehicles=True), SETTINGS, today=TODAY)
    plain = route_lookup(data, SETTINGS, A, B, today=TODAY, modes=SEA)
    assert plain["legs"] and all(leg["mode"] == "road" for leg in plain["legs"])  # by road: 6 km, no boat
    truck = route_lookup(data, SETTINGS, A, B, today=TODAY, modes=SEA, vehicle="truck_20ft", season="dry")
    assert truck["decided_by"] == ["cn-coast"] and [leg["mode"] for leg in truck["legs"]] == ["road", "sea", "road"]
    assert "Segment 2 (4x4 at most)" in " ".join(truck["reasons"])
    assert any(r.startswith("For the vehicle chosen (20-ft truck) the route goes round Segment 2 (4x4 at most)")
               for r in truck["reasons"])
    assert any("goes on board the West port -> East port boat (Coast barge co)" in r for r in truck["reasons"])
    # roads only, the truck has no way and is told the largest vehicle that can go
    road = route_lookup(data, SETTINGS, A, B, today=TODAY, vehicle="truck_20ft", season="dry")
    assert road["verdict"] == "no_safe_route" and "the largest vehicle that can go is: 4x4" in road["reasons"][0]
    # a barge that carries no vehicles: no way for the truck, and the road that rules it out is named
    none = route_lookup(build_dataset(coast(vehicles=False), SETTINGS, today=TODAY), SETTINGS, A, B, today=TODAY,
                        modes=SEA, vehicle="truck_20ft", season="dry")
    assert none["verdict"] == "no_safe_route"
    assert none["reasons"][0].startswith("No route for the vehicle chosen (20-ft truck): the way there (Segment 2 "
                                         "(4x4 at most)) is too small for it")


def test_the_leg_networks_of_a_vehicle_are_made_once_per_data_version():
    data = build_dataset(coast(vehicles=True), SETTINGS, today=TODAY)
    route_lookup(data, SETTINGS, A, B, today=TODAY, modes=SEA, vehicle="truck_20ft", season="dry")
    router = data.router.variants[("truck_20ft", "dry")]
    legs = data.legs.over(router)
    assert legs is not data.legs and legs.router is router and legs.topology is data.legs.topology
    access_lookup(data, SETTINGS, A, modes=SEA, vehicle="truck_20ft", season="dry", today=TODAY)
    assert data.legs.over(router) is legs
    assert data.legs.over(data.router) is data.legs


def test_with_legs_the_shortest_route_is_the_shortest_trip():
    data = data_of()
    answer = route_lookup(data, SETTINGS, MAINLAND, TO, today=TODAY, modes=SEA)
    shortest = next(f["properties"] for f in answer["routes"] if f["properties"]["kind"] == "shortest")
    assert [leg["mode"] for leg in shortest["legs"]] == ["road", "sea", "road"]
    assert shortest["distance_m"] > shortest["road_distance_m"] and shortest["modes"] == ["road", "sea"]
    # roads only: no road joins the island, so no shortest route
    assert not any(f["properties"]["kind"] == "shortest"
                   for f in route_lookup(data, SETTINGS, MAINLAND, TO, today=TODAY)["routes"])


def test_what_if_detours_by_barge_are_drawn_with_their_leg():
    data = build_dataset(coast(vehicles=True), SETTINGS, today=TODAY)
    scenario = Scenario(closed_road_ids=("s3",))
    answer = whatif_lookup(data, SETTINGS, A, scenario, exact=True, modes=SEA, today=TODAY)
    (row,) = answer["sites"]
    assert row["outcome"] == "detour"
    assert row["after"]["route"]["type"] == "MultiLineString" and len(row["after"]["route"]["coordinates"]) == 2
    (leg,) = row["after"]["legs"]
    assert (leg["mode"], leg["connection"], leg["from"], leg["to"]) == ("sea", "cn-coast", "West port", "East port")
    assert "s3" not in row["after"]["road_ids"]
    # anonymous callers: the last road part stops short of the site, the leg is drawn whole
    public = whatif_lookup(data, SETTINGS, A, scenario, modes=SEA, today=TODAY)["sites"][0]["after"]
    assert public["legs"][0]["geometry"] == leg["geometry"]
    # a truck already takes the barge (Segment 2 is for 4x4s): closing s3 changes nothing for it
    truck = whatif_lookup(data, SETTINGS, A, scenario, modes=SEA, vehicle="truck_20ft", season="dry", today=TODAY)
    assert truck["vehicle"] == "truck_20ft" and truck["sites"][0]["outcome"] == "same_route"
    assert truck["sites"][0]["before"]["access"] == "caution"
    gone = whatif_lookup(data, SETTINGS, A, Scenario(closed_road_ids=("s3",), suspend_connections=("cn-coast",)),
                         modes=SEA, today=TODAY)
    assert gone["sites"][0]["outcome"] == "unreachable"


def test_access_names_the_checkpoints_of_a_trip_by_barge():
    layers = coast(vehicles=True)
    layers["checkpoints"] = checkpoints(("cp-east", "gang", "active", 1000, "HTG", X0 + 5.85 * S, Y0))
    data = build_dataset(layers, SETTINGS, today=TODAY)
    truck = access_lookup(data, SETTINGS, A, modes=SEA, vehicle="truck_20ft", season="dry", today=TODAY)
    (site,) = truck["sites"]
    assert site["legs"]["sea_m"] > 5000 and site["checkpoints"]["checkpoints"] == 1
    assert [c["id"] for c in site["checkpoints"]["listed"]] == ["cp-east"]


def test_after_dark_a_vehicle_still_keeps_to_the_roads_it_can_take():
    # after dark the route is searched again with dangerous roads dearer: still on the truck's roads only
    settings = Settings(curfew="none")
    data = build_dataset({"roads": limited(grid_roads(3), **{"h0-1": ("4x4", None)}), "gang_zones": zones_frame()},
                         settings, today=TODAY)
    night = dt.datetime(2025, 4, 10, 21, tzinfo=HAITI)
    for modes in (("road",), SEA):
        truck = route_lookup(data, settings, (X0, Y0), (X0 + 2 * S, Y0), today=TODAY, modes=modes, depart=night,
                             vehicle="truck_20ft", season="dry")
        assert "h0-1" not in {s["road_id"] for s in safest(truck)["itinerary"]}, modes
        assert truck["timing"]["depart"] == "2025-04-10T21:00-04:00"


def test_over_http_a_vehicle_with_legs_is_answered_and_sites_name_their_checkpoints(client):
    for vehicle in ("heavy_truck", "foot"):
        answer = client.get("/api/route", query_string={"from": "Pétion-Ville", "to": "Okap", "modes": "road,sea,air",
                                                        "vehicle": vehicle})
        assert answer.status_code == 200 and answer.json["vehicle"] == vehicle
    truck = client.get("/api/route", query_string={"from": "Pétion-Ville", "to": "Okap", "modes": "road,sea,air",
                                                   "vehicle": "heavy_truck"}).json
    assert truck["reasons"][0].startswith("No route for the vehicle chosen (heavy truck): the way there needs the "
                                          "UNHAS helicopter landing zone")
    assert truck["reasons"][0].endswith("which takes no vehicles.")
    sites = client.get("/api/access", query_string={"from": "Pétion-Ville"}).json["sites"]
    site = next(s for s in sites if s["id"] == "ds-026")
    listed = [c["id"] for c in site["checkpoints"]["listed"]]
    assert "cp-pont-sonde" in listed and len(listed) == site["checkpoints"]["checkpoints"]
    page = client.get("/access", query_string={"from": "Pétion-Ville"}).get_data(as_text=True)
    assert "Gran Grif checkpoint, Pont-Sondé (RN1) (armed group)" in page
