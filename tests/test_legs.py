"""Sea and air legs, departure times and curfews in route answers (``modes=``, ``depart=``, ``curfew=``)."""

from __future__ import annotations

import datetime as dt

import pytest

from geoapp.answers.legs import HAITI, parse_hours
from geoapp.network.legs import LegRules, expected_wait_s, next_departure
from geoapp.schedule import parse_schedule

RULES = LegRules(transfer_s={"sea": 3600, "air": 2700}, wait_on_request_s=21600, default_hour=8,
                 metres_per_s=12.5, restricted_s=7200, gang_controlled_s=86400, snap_max_m=20000)
PV_OKAP = "/api/route?from=P%C3%A9tion-Ville&to=Okap"


def test_road_only_answer_is_unchanged_by_the_default_modes(client):
    plain = client.get(PV_OKAP).get_data()
    assert client.get(PV_OKAP + "&modes=road").get_data() == plain
    assert b'"legs"' not in plain


def test_no_safe_road_to_cap_haitien_but_a_flight(client):
    road = client.get(PV_OKAP).get_json()
    both = client.get(PV_OKAP + "&modes=road,sea,air").get_json()
    assert road["verdict"] == "no_safe_route"
    assert both["verdict"] == "caution"  # the flight's record is older than stale_after_days: not vouched for
    assert "confirm the service and a place on board" in both["warnings"][0]
    assert both["decided_by"] == ["cn-unhas-pv-cap"]
    assert both["reasons"][0].startswith("No safe road to Cap-Ha")
    modes = [leg["mode"] for leg in both["legs"]]
    assert modes == ["road", "air", "road"]
    air = both["legs"][1]
    assert air["from"]["id"] == "pt-petion-ville-helipad" and air["to"]["id"] == "pt-cap-airport"
    assert air["duration_s"] == 2400 and air["wait_s"] == 21600 and air["transfer_s"] == 2700
    assert air["geometry"]["type"] == "LineString"
    safest = both["routes"][0]["properties"]
    assert safest["kind"] == "safest" and safest["legs"] == both["legs"]
    assert safest["duration_s"] >= 2400 + 21600 + 2700


def test_sea_alone_does_not_fly(client):
    sea = client.get(PV_OKAP + "&modes=road,sea").get_json()
    assert all(leg["mode"] != "air" for leg in sea["legs"])


def test_depart_times_each_stage_and_the_flight_waits(client):
    answer = client.get(PV_OKAP + "&modes=road,air&depart=2025-03-03T10:00").get_json()
    legs = answer["legs"]
    assert legs[0]["depart"] == "2025-03-03T10:00-05:00"
    assert legs[1]["timetabled"] is False  # on request: the setting's wait
    assert answer["timing"]["arrive"] == legs[-1]["arrive"]


def test_curfew_caution_then_avoid_waits(client):
    url = "/api/route?from=P%C3%A9tion-Ville&to=Jacmel&depart=2025-03-03T17:30"
    caution = client.get(url).get_json()
    assert caution["verdict"] in ("caution", "unsafe")
    assert any("curfew (19:00-05:00)" in r for r in caution["reasons"])
    assert caution["legs"][0]["curfew"][0]["hours"] == "19:00-05:00"
    waits = client.get(url.replace("17:30", "20:00") + "&curfew=avoid").get_json()
    assert waits["legs"][0]["depart"] == "2025-03-04T05:00-04:00" or waits["legs"][0]["depart"].startswith(
        "2025-03-04T05:00")
    assert waits["timing"]["curfew_wait_s"] == 9 * 3600
    assert any("wait 9.0 h" in r for r in waits["reasons"])


def test_a_road_longer_than_the_time_between_curfews_is_refused(make_app, test_data_dir, tmp_path):
    app = make_app({"instance_path": tmp_path, "data_dir": test_data_dir, "curfew": "06:00-05:00"})
    answer = app.test_client().get("/api/route?from=P%C3%A9tion-Ville&to=Jacmel&depart=2025-03-03T08:00"
                                   "&curfew=avoid").get_json()
    assert answer["verdict"] == "no_safe_route"
    assert any("waiting cannot help" in r for r in answer["reasons"])


@pytest.mark.parametrize(("query", "field"), [("modes=road,boat", "modes"), ("depart=2025-03-03", "depart"),
                                              ("curfew=ignore", "curfew")])
def test_bad_parameters_are_400s(client, query, field):
    response = client.get(PV_OKAP + "&" + query)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


def test_expected_waits_from_schedules():
    assert expected_wait_s(parse_schedule("daily 07:00"), RULES) == 12 * 3600
    assert expected_wait_s(parse_schedule("daily 07:00,19:00"), RULES) == 6 * 3600
    assert expected_wait_s(parse_schedule("Mon,Thu"), RULES) == 7 * 86400 / 2 / 2
    assert expected_wait_s(parse_schedule("on request"), RULES) == 21600


def test_next_departure_follows_days_and_times_across_dst():
    monday = dt.datetime(2025, 3, 3, 9, 0, tzinfo=HAITI)
    leaves, timetabled = next_departure(parse_schedule("Mon,Thu 07:00"), RULES, monday)
    assert timetabled and leaves == dt.datetime(2025, 3, 6, 7, 0, tzinfo=HAITI)
    leaves, _ = next_departure(parse_schedule("daily"), RULES, monday)
    assert leaves == dt.datetime(2025, 3, 4, 8, 0, tzinfo=HAITI)  # no time given: the default hour
    # Haiti moves to daylight time on 9 March 2025: the wall clock keeps the timetable's hour
    saturday = dt.datetime(2025, 3, 8, 12, 0, tzinfo=HAITI)
    leaves, _ = next_departure(parse_schedule("Sun 07:00"), RULES, saturday)
    assert leaves.utcoffset() == dt.timedelta(hours=-4) and leaves.hour == 7


def test_hours():
    assert parse_hours("19:00-05:00") == (dt.time(19), dt.time(5))


def test_access_counts_sites_reached_by_air_and_whatif_closes_the_helipad(client):
    hub = "/api/access?from=pt-petion-ville-helipad"
    road = client.get(hub).get_json()
    both = client.get(hub + "&modes=road,sea,air").get_json()
    assert "modes" not in road and both["modes"] == ["road", "sea", "air"]
    assert both["summary"]["caution"] > road["summary"]["caution"]
    flown = [s for s in both["sites"] if s.get("legs")]
    assert flown and all(s["legs"]["air_m"] > 0 for s in flown)
    # a flight on record is not a seat on board: sites reached by one are never "safe"
    assert all(s["access"] != "safe" and "sea or air leg" in s["reason"] for s in flown)
    closed = client.post("/api/whatif", json={"from": "pt-petion-ville-helipad", "modes": ["road", "air"],
                                              "close_ports": ["pt-petion-ville-helipad"]}).get_json()
    assert closed["scenario"]["closed_ports"] == ["pt-petion-ville-helipad"]
    assert 0 < closed["summary"]["lose_safe_access"] <= len(flown)
    assert closed["summary"]["after"] == road["summary"]


def test_whatif_suspends_a_connection_and_checks_ids(client):
    body = {"from": "pt-petion-ville-helipad", "modes": "road,sea,air"}
    for field, ids in (("suspend_connections", ["cn-nope"]), ("close_ports", ["pt-nope"])):
        response = client.post("/api/whatif", json={**body, field: ids})
        assert response.status_code == 400 and response.get_json()["error"]["field"] == field
    response = client.post("/api/whatif", json={"from": "pt-petion-ville-helipad",
                                                "suspend_connections": ["cn-unhas-pv-cap"]})
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "modes"
    every = ["cn-unhas-pv-cap", "cn-unhas-pv-jacmel", "cn-unhas-pv-les-cayes", "cn-unhas-pv-jeremie"]
    # by air alone: the coastal boats would otherwise take over
    answer = client.post("/api/whatif", json={**body, "modes": "road,air", "suspend_connections": every}).get_json()
    assert answer["scenario"]["suspended_connections"] == every
    assert answer["summary"]["lose_safe_access"] > 0


@pytest.mark.parametrize("values", [{"curfew": "7pm-5am"}, {"dark_hours": "25:00-05:00"},
                                    {"leg_default_hour": "24"}])
def test_bad_curfew_and_leg_settings_are_refused_at_start(values):
    from geoapp.errors import ConfigError
    from geoapp.settings import Settings

    with pytest.raises(ConfigError):
        Settings.from_mapping(values)
    assert Settings.from_mapping({"curfew": "none"}).curfew == "none"
