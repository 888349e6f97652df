"""Vehicle classes, seasons and checkpoints in routing, on small synthetic layers (one rule per test)."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point

from geoapp.answers.access import Scenario, access_lookup, whatif_lookup
from geoapp.answers.route import route_lookup
from geoapp.data.dataset import build_dataset
from geoapp.errors import BadRequest
from geoapp.network.vehicles import for_vehicle
from geoapp.settings import VEHICLE_SPEED, Settings

from .helpers import common, grid_roads, square_zone, zones_frame

X0, Y0, S = -72.40, 18.50, 0.01
TODAY = dt.date(2025, 4, 10)
SETTINGS = Settings()


def line_roads(n: int = 4) -> gpd.GeoDataFrame:
    """One straight road cut in ``n`` segments s0..s(n-1) of about 1 km, west to east: no way round."""
    rows = [common(id=f"s{k}", name=f"Segment {k}", status="open", ref=None, road_class="primary", oneway=False,
                   geometry_precision="surveyed", terrain="flat",
                   geometry=LineString([(X0 + k * S, Y0), (X0 + (k + 1) * S, Y0)])) for k in range(n)]
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def limited(roads: gpd.GeoDataFrame, **limits: tuple[str | None, str | None]) -> gpd.GeoDataFrame:
    """Roads with (max_vehicle, season) set on the ids given."""
    roads = roads.assign(max_vehicle=None, season=None)
    for rid, (vehicle, season) in limits.items():
        roads.loc[roads["id"] == rid, ["max_vehicle", "season"]] = [vehicle, season]
    return roads


def checkpoints(*rows: tuple) -> gpd.GeoDataFrame:
    """(id, kind, status, fee, currency, lon, lat) rows as a checkpoints layer."""
    return gpd.GeoDataFrame(
        [common(id=cid, name=f"Checkpoint {cid}", status=status, kind=kind, group="Gang X" if kind == "gang" else None,
                fee=fee, currency=currency, geometry=Point(x, y)) for cid, kind, status, fee, currency, x, y in rows],
        crs="EPSG:4326")


def sites(*rows: tuple[str, float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame([common(id=sid, name=sid, status="open", individuals=100, households=20, site_type="camp",
                                    commune="Testville", adm2_pcode=None, geometry=Point(x, y)) for sid, x, y in rows],
                            crs="EPSG:4326")


def dataset(roads, *, zones=None, cps=None, site_rows=None, settings=SETTINGS):
    layers = {"roads": roads, "gang_zones": zones if zones is not None else zones_frame()}
    if cps is not None:
        layers["checkpoints"] = cps
    if site_rows is not None:
        layers["displacement_sites"] = site_rows
    return build_dataset(layers, settings, today=TODAY)


def safest(answer: dict) -> dict | None:
    return next((f["properties"] for f in answer["routes"] if f["properties"]["kind"] == "safest"), None)


# --- vehicle classes ------------------------------------------------------------------------------

def test_a_truck_is_ruled_out_by_a_4x4_only_road_and_the_answer_says_so():
    data = dataset(limited(line_roads(3), s1=("4x4", None)))
    a, b = (X0 + 0.1 * S, Y0), (X0 + 2.9 * S, Y0)
    truck = route_lookup(data, SETTINGS, a, b, vehicle="truck_20ft", season="dry")
    assert truck["verdict"] == "no_safe_route" and truck["routes"] == []
    assert truck["vehicle"] == "truck_20ft" and truck["season"] == "dry"
    first = truck["reasons"][0]
    assert "20-ft truck" in first and "Segment 1 (4x4 at most)" in first and "can go is: 4x4" in first
    assert not any("no road" in r.lower() for r in truck["reasons"])  # connected: the vehicle rules it out
    for small in ("4x4", "moto", "foot"):
        assert safest(route_lookup(data, SETTINGS, a, b, vehicle=small, season="dry")) is not None, small
    plain = route_lookup(data, SETTINGS, a, b)
    assert safest(plain) is not None and "vehicle" not in plain  # no vehicle asked: no restriction, no field


def test_roads_without_a_recorded_limit_are_said_to_be_assumed_passable_for_the_vehicle():
    data = dataset(limited(line_roads(3), s0=("heavy_truck", None)))  # s1, s2: nobody recorded a limit
    a, b = (X0 + 0.1 * S, Y0), (X0 + 2.9 * S, Y0)
    truck = route_lookup(data, SETTINGS, a, b, vehicle="heavy_truck", season="dry")
    assert safest(truck) is not None
    assert ("2 of the 3 roads on this route have no recorded vehicle limit: they are taken as passable for the "
            "vehicle chosen (heavy truck), not known to be") in " ".join(truck["warnings"])
    recorded = limited(line_roads(3), s0=("heavy_truck", None), s1=("heavy_truck", None), s2=("heavy_truck", None))
    known = route_lookup(dataset(recorded), SETTINGS, a, b, vehicle="heavy_truck", season="dry")
    assert not any("no recorded vehicle limit" in w for w in known["warnings"])
    assert not any("no recorded vehicle limit" in w for w in route_lookup(data, SETTINGS, a, b)["warnings"])


def test_a_truck_goes_round_a_4x4_only_road_and_the_answer_says_how_much_longer():
    data = dataset(limited(grid_roads(3), **{"h0-1": ("4x4", None)}))
    a, b = (X0, Y0), (X0 + 2 * S, Y0)
    plain = safest(route_lookup(data, SETTINGS, a, b))
    truck_answer = route_lookup(data, SETTINGS, a, b, vehicle="heavy_truck", season="dry")
    truck = safest(truck_answer)
    assert truck["distance_m"] == pytest.approx(plain["distance_m"] + 2 * 1106, abs=20)  # up, across, down
    assert "h0-1" not in {step["road_id"] for step in truck["itinerary"]}
    first = truck_answer["reasons"][0]
    assert "heavy truck" in first and "goes round x (4x4 at most)" in first and "2.2 km longer" in first


def test_the_rainy_season_closes_dry_season_roads_to_vehicle_lookups():
    data = dataset(limited(line_roads(3), s1=(None, "dry_season_only")))
    a, b = (X0 + 0.1 * S, Y0), (X0 + 2.9 * S, Y0)
    assert safest(route_lookup(data, SETTINGS, a, b, vehicle="4x4", season="dry")) is not None
    rainy = route_lookup(data, SETTINGS, a, b, vehicle="4x4", season="rainy")
    assert rainy["verdict"] == "no_safe_route"
    assert "rainy season" in rainy["reasons"][0] and "Segment 1 (dry season only)" in rainy["reasons"][0]
    # the setting chooses the season when a lookup does not; season= alone restricts too
    rainy_setting = Settings(season="rainy")
    assert route_lookup(data, rainy_setting, a, b, vehicle="4x4")["season"] == "rainy"
    assert route_lookup(data, SETTINGS, a, b, season="rainy")["verdict"] == "no_safe_route"
    assert safest(route_lookup(data, rainy_setting, a, b)) is not None  # nothing asked: today's behaviour


def test_vehicle_speeds_change_durations_and_ranges_not_distances():
    data = dataset(grid_roads(3, terrain="mountain"))
    a, b = (X0, Y0), (X0 + 2 * S, Y0)
    plain = safest(route_lookup(data, SETTINGS, a, b))
    car = safest(route_lookup(data, SETTINGS, a, b, vehicle="4x4", season="dry"))
    truck = safest(route_lookup(data, SETTINGS, a, b, vehicle="heavy_truck", season="dry"))
    assert car["duration_s"] == plain["duration_s"] and car["distance_m"] == plain["distance_m"]
    # primary road, 45 km/h x 0.6 on mountains = 27 km/h; a heavy truck keeps half of that
    share = VEHICLE_SPEED["heavy_truck"]["mountain"]
    assert truck["distance_m"] == plain["distance_m"]
    assert truck["duration_s"] == pytest.approx(plain["duration_s"] / share, rel=0.01)
    assert truck["duration_range_s"][1] == pytest.approx(plain["duration_range_s"][1] / share, rel=0.01)
    walker = safest(route_lookup(data, SETTINGS, a, b, vehicle="foot", season="dry"))
    walking = VEHICLE_SPEED["foot"]["max_kmh"] / 3.6
    assert walker["duration_s"] == pytest.approx(plain["distance_m"] / walking, rel=0.01)


def test_an_unknown_vehicle_or_season_is_a_400_naming_the_choices():
    data = dataset(line_roads(2))
    with pytest.raises(BadRequest) as bad:
        route_lookup(data, SETTINGS, (X0, Y0), (X0 + S, Y0), vehicle="bus")
    assert bad.value.field == "vehicle" and "foot, moto, 4x4, light_truck, truck_20ft, heavy_truck" in str(bad.value)
    with pytest.raises(BadRequest) as bad:
        route_lookup(data, SETTINGS, (X0, Y0), (X0 + S, Y0), season="monsoon")
    assert bad.value.field == "season" and "dry, rainy" in str(bad.value)


def test_vehicle_masks_are_made_once_per_data_version_and_share_the_plain_bounds():
    data = dataset(limited(grid_roads(3), **{"h0-1": ("4x4", None)}))
    route_lookup(data, SETTINGS, (X0, Y0), (X0 + 2 * S, Y0), vehicle="heavy_truck", season="dry")
    copy = data.router.variants[("heavy_truck", "dry")]
    route_lookup(data, SETTINGS, (X0, Y0), (X0 + S, Y0), vehicle="heavy_truck", season="dry")
    assert data.router.variants[("heavy_truck", "dry")] is copy
    assert copy.engines["avoid"].bounds is data.router.engines["avoid"].bounds
    assert np.isinf(copy.edge_cost["avoid"][~copy.passable]).all()
    # a vehicle every road admits keeps the plain costs and engines
    assert for_vehicle(data.router, "4x4", "dry").engines is data.router.engines


# --- checkpoints ------------------------------------------------------------------------------------

def test_a_gang_checkpoint_in_a_controlled_zone_closes_its_road_in_avoid_mode():
    # the checkpoint stands 100 m off the road inside a small controlled zone the road itself does not enter
    cx, cy = X0 + 1.5 * S, Y0 + 0.0009
    zone = zones_frame(square_zone("ctl", "controlled", cx - 0.0004, cy - 0.0004, cx + 0.0004, cy + 0.0004))
    a, b = (X0, Y0), (X0 + 2 * S, Y0)
    without = safest(route_lookup(dataset(grid_roads(3), zones=zone), SETTINGS, a, b))
    assert "h0-1" in {s["road_id"] for s in without["itinerary"]}
    data = dataset(grid_roads(3), zones=zone, cps=checkpoints(("cp-1", "gang", "active", 2000, "HTG", cx, cy)))
    assert data.router.checkpoints.in_controlled.tolist() == [True]
    avoid = safest(route_lookup(data, SETTINGS, a, b))
    assert "h0-1" not in {s["road_id"] for s in avoid["itinerary"]} and avoid["checkpoints"] == []
    risky = route_lookup(data, SETTINGS, (X0 + 1.2 * S, Y0), (X0 + 1.8 * S, Y0), mode="least_risk")
    assert [c["id"] for c in safest(risky)["checkpoints"]] == ["cp-1"]
    assert safest(risky)["checkpoints"][0]["controlled_zone"] is True


def test_a_gang_checkpoint_elsewhere_costs_is_listed_with_its_fee_and_named_in_the_reasons():
    cps = checkpoints(("cp-1", "gang", "active", 5000, "HTG", X0 + 1.5 * S, Y0))
    a, b = (X0, Y0), (X0 + 2 * S, Y0)
    # on a grid the route goes round it: 2 km more is cheaper than the checkpoint's cost
    grid = dataset(grid_roads(3), cps=cps)
    edge = grid.router.checkpoints.edge[0]
    plain_cost = build_dataset({"roads": grid_roads(3), "gang_zones": zones_frame()}, SETTINGS,
                               today=TODAY).router.edge_cost
    assert grid.router.edge_cost["avoid"][edge] == pytest.approx(plain_cost["avoid"][edge] + SETTINGS.checkpoint_cost_m)
    assert grid.router.edge_cost["shortest"][edge] == plain_cost["shortest"][edge]
    round_it = safest(route_lookup(grid, SETTINGS, a, b))
    assert round_it["checkpoints"] == [] and round_it["distance_m"] > 3900
    # on a single road it must be passed: listed, priced, named, and the verdict is caution
    line = dataset(line_roads(3), cps=cps)
    answer = route_lookup(line, SETTINGS, a, b)
    route = safest(answer)
    (cp,) = route["checkpoints"]
    assert cp["id"] == "cp-1" and cp["kind"] == "gang" and cp["kind_label"] == "armed group"
    assert (cp["fee"], cp["currency"], cp["group"], cp["road_id"]) == (5000, "HTG", "Gang X", "s1")
    assert route["fees"]["total"] == {"HTG": 5000} and route["fees"]["unknown"] == 0
    assert route["fees"]["summary"] == "About 5,000 HTG in fees (1 checkpoint, with a reported fee)."
    assert answer["verdict"] == "caution" and route["verdict"] == "caution"
    assert any("1 armed-group checkpoint (Checkpoint cp-1)" in r for r in answer["reasons"])


def test_police_checkpoints_are_listed_at_no_cost_and_lifted_ones_are_ignored():
    cps = checkpoints(("cp-p", "police", "active", None, None, X0 + 1.5 * S, Y0),
                      ("cp-l", "gang", "lifted", 1000, "HTG", X0 + 0.5 * S, Y0))
    data = dataset(grid_roads(3), cps=cps)
    plain = build_dataset({"roads": grid_roads(3), "gang_zones": zones_frame()}, SETTINGS, today=TODAY)
    for mode in ("avoid", "least_risk", "shortest"):
        assert np.array_equal(data.router.edge_cost[mode], plain.router.edge_cost[mode])
    answer = route_lookup(data, SETTINGS, (X0, Y0), (X0 + 2 * S, Y0))
    route = safest(answer)
    assert [c["id"] for c in route["checkpoints"]] == ["cp-p"]
    assert answer["verdict"] == "safe"  # police checkpoints are not exposure
    assert route["fees"]["unknown"] == 1 and route["fees"]["total"] == {}
    assert "fee is unknown" in route["fees"]["summary"]


def test_unknown_fees_are_said_to_be_unknown_not_counted_as_nothing():
    cps = checkpoints(("cp-1", "gang", "active", 5000, "HTG", X0 + 0.5 * S, Y0),
                      ("cp-2", "gang", "active", None, None, X0 + 1.5 * S, Y0),
                      ("cp-3", "toll", "active", 3000, "HTG", X0 + 2.5 * S, Y0),
                      ("cp-4", "toll", "active", 20, "USD", X0 + 3.5 * S, Y0))
    route = safest(route_lookup(dataset(line_roads(4), cps=cps), SETTINGS, (X0, Y0), (X0 + 4 * S, Y0)))
    assert [c["id"] for c in route["checkpoints"]] == ["cp-1", "cp-2", "cp-3", "cp-4"]  # in travel order
    fees = route["fees"]
    assert fees["total"] == {"HTG": 8000, "USD": 20} and (fees["checkpoints"], fees["with_fee"], fees["unknown"]) \
        == (4, 3, 1)
    assert fees["summary"] == ("About 8,000 HTG + 20 USD in fees (3 of 4 checkpoints have a reported fee; the others' "
                               "fees are unknown).")


def test_access_reports_each_sites_checkpoints_and_fees_and_totals():
    cps = checkpoints(("cp-1", "gang", "active", 5000, "HTG", X0 + 2.5 * S, Y0),
                      ("cp-2", "police", "active", None, None, X0 + 3.5 * S, Y0))
    data = dataset(line_roads(5), cps=cps, site_rows=sites(("near", X0 + 0.5 * S, Y0 + 0.0005),
                                                           ("far", X0 + 4.5 * S, Y0 + 0.0005)))
    answer = access_lookup(data, SETTINGS, (X0, Y0), exact=True)
    by_id = {r["id"]: r for r in answer["sites"]}
    assert by_id["near"]["checkpoints"]["checkpoints"] == 0 and by_id["near"]["access"] == "safe"
    far = by_id["far"]["checkpoints"]
    assert (far["checkpoints"], far["with_fee"], far["unknown"], far["gang_checkpoints"]) == (2, 1, 1, 1)
    assert far["total"] == {"HTG": 5000} and "1 of 2 checkpoints" in far["summary"]
    assert by_id["far"]["access"] == "caution" and "armed-group checkpoint" in by_id["far"]["reason"]
    assert "checkpoints" not in by_id["far"]["exposure"]
    assert answer["fees"] == {"sites_with_checkpoints": 1, "sites_with_unknown_fees": 1, "total": {"HTG": 5000},
                              "summary": "1 site is reached through checkpoints. Reported fees for one trip to each: "
                                         "about 5,000 HTG. On the way to 1 site some fees are unknown."}


def test_access_and_what_if_with_a_vehicle():
    roads = limited(grid_roads(3), **{"h0-1": ("4x4", None)})
    site = sites(("east", X0 + 2 * S - 0.0003, Y0 + 0.2 * S))
    data = dataset(roads, site_rows=site)
    plain = access_lookup(data, SETTINGS, (X0, Y0), exact=True)["sites"][0]
    truck_answer = access_lookup(data, SETTINGS, (X0, Y0), exact=True, vehicle="truck_20ft", season="dry")
    truck = truck_answer["sites"][0]
    assert truck_answer["vehicle"] == "truck_20ft"
    # round the 4x4 road: up 1.1 km, across, and 0.8 of the way down instead of 0.2 up
    assert truck["distance_m"] == pytest.approx(plain["distance_m"] + 1106 + 0.6 * 1106, abs=60)
    assert truck["duration_s"] > plain["duration_s"] * 1.5
    scenario = Scenario(closed_road_ids=("h1-1",))
    assert whatif_lookup(data, SETTINGS, (X0, Y0), scenario, exact=True)["sites"][0]["outcome"] == "same_route"
    after = whatif_lookup(data, SETTINGS, (X0, Y0), scenario, exact=True, vehicle="truck_20ft", season="dry")
    assert after["vehicle"] == "truck_20ft" and after["sites"][0]["outcome"] == "detour"
    assert "h0-1" not in after["sites"][0]["after"]["road_ids"]


# --- over HTTP ------------------------------------------------------------------------------------

def test_http_vehicle_parameter_and_its_errors(client):
    pv, jacmel = "-72.2853,18.5125", "-72.5369,18.2357"
    ok = client.get("/api/route", query_string={"from": pv, "to": jacmel, "vehicle": "4x4", "season": "dry"})
    assert ok.status_code == 200 and ok.json["vehicle"] == "4x4" and ok.json["season"] == "dry"
    assert all("checkpoints" in f["properties"] and "fees" in f["properties"] for f in ok.json["routes"])
    for response in (client.get("/api/route", query_string={"from": pv, "to": jacmel, "vehicle": "bus"}),
                     client.get("/api/access", query_string={"from": pv, "vehicle": "bus"}),
                     client.post("/api/whatif", json={"from": pv, "close_roads": ["rd-kenscoff-furcy"],
                                                      "vehicle": "bus"}),
                     client.get("/api/safety", query_string={"at": pv, "vehicle": "bus"}),
                     client.get("/route", query_string={"from": pv, "to": jacmel, "vehicle": "bus"},
                                headers={"Accept": "application/json"})):
        assert response.status_code == 400, response.data[:200]
        error = response.json["error"]
        assert error["field"] == "vehicle" and "light_truck, truck_20ft, heavy_truck" in error["message"]
    bad_season = client.get("/api/access", query_string={"from": pv, "season": "monsoon"})
    assert bad_season.status_code == 400 and bad_season.json["error"]["field"] == "season"


def test_the_point_check_routes_to_the_nearest_port_and_site_with_the_vehicle(client):
    pv = "-72.2853,18.5125"
    plain = client.get("/api/safety", query_string={"at": pv}).json
    truck = client.get("/api/safety", query_string={"at": pv, "vehicle": "heavy_truck", "season": "dry"}).json
    assert "vehicle" not in plain and truck["vehicle"] == "heavy_truck" and truck["season"] == "dry"
    for route in truck["routes"]:
        assert {"checkpoints", "fees"} <= set(route["properties"])


def test_a_checkpoint_on_an_end_edge_counts_only_when_the_route_passes_it():
    # one edge of ~350 m carries two checkpoints; a route starting between them passes only the one ahead
    cps = checkpoints(("cp-west", "toll", "active", 100, "HTG", X0 + 0.1 * S, Y0),
                      ("cp-east", "toll", "active", 200, "HTG", X0 + 0.3 * S, Y0))
    data = dataset(line_roads(2), cps=cps)
    assert data.router.checkpoints.edge[0] == data.router.checkpoints.edge[1]
    east = safest(route_lookup(data, SETTINGS, (X0 + 0.2 * S, Y0), (X0 + 1.9 * S, Y0)))
    assert [c["id"] for c in east["checkpoints"]] == ["cp-east"] and east["fees"]["total"] == {"HTG": 200}
    west = safest(route_lookup(data, SETTINGS, (X0 + 1.9 * S, Y0), (X0 + 0.05 * S, Y0)))
    assert [c["id"] for c in west["checkpoints"]] == ["cp-east", "cp-west"]  # in the order they are passed


def test_a_site_out_of_a_vehicles_reach_says_why():
    roads = limited(line_roads(3), s2=("moto", None))
    data = dataset(roads, site_rows=sites(("end", X0 + 2.5 * S, Y0 + 0.0005)))
    row = access_lookup(data, SETTINGS, (X0, Y0), vehicle="light_truck", season="dry")["sites"][0]
    assert row["access"] == "unreachable"
    assert row["reason"] == ("The road the site joins (Segment 2) takes motorbike at most, not the vehicle chosen "
                             "(light truck).")


def test_access_names_each_sites_checkpoints_armed_groups_first():
    cps = checkpoints(("cp-police", "police", "active", None, None, X0 + 1.5 * S, Y0),
                      ("cp-gang", "gang", "active", 5000, "HTG", X0 + 2.5 * S, Y0),
                      ("cp-toll", "toll", "active", 300, "HTG", X0 + 4.2 * S, Y0),  # on the far site's own edge
                      ("cp-hub", "toll", "active", 100, "HTG", X0 + 0.3 * S, Y0))  # on the hub's own edge
    data = dataset(line_roads(5), cps=cps, site_rows=sites(("mid", X0 + 1.7 * S, Y0 + 0.0005),
                                                           ("far", X0 + 4.5 * S, Y0 + 0.0005)))
    answer = access_lookup(data, SETTINGS, (X0 + 0.6 * S, Y0), exact=True)
    by_id = {r["id"]: r["checkpoints"] for r in answer["sites"]}
    far = by_id["far"]
    assert [c["id"] for c in far["listed"]] == ["cp-gang", "cp-toll", "cp-hub", "cp-police"]  # gang, fees, others
    assert far["checkpoints"] == 4 and far["listed"][0] | {"name": "x"} == {
        "id": "cp-gang", "name": "x", "kind": "gang", "kind_label": "armed group", "group": "Gang X", "fee": 5000,
        "currency": "HTG"}
    assert [c["id"] for c in by_id["mid"]["listed"]] == ["cp-hub", "cp-police"]
    # from the other end of the hub's edge: the same checkpoints
    back = access_lookup(data, SETTINGS, (X0 + 0.1 * S, Y0), exact=True)
    assert [c["id"] for c in {r["id"]: r for r in back["sites"]}["far"]["checkpoints"]["listed"]] \
        == ["cp-gang", "cp-toll", "cp-hub", "cp-police"]
    plain = dataset(line_roads(5), site_rows=sites(("far", X0 + 4.5 * S, Y0 + 0.0005)))
    assert "listed" not in access_lookup(plain, SETTINGS, (X0, Y0))["sites"][0]["checkpoints"]  # none to list
