"""Access analysis and what-if scenarios through the API, on the fixture layers (tests/data)."""

from __future__ import annotations

import json

import pytest

from geoapp.answers.access import ACCESS_CLASSES

from .helpers import PETION_VILLE, fixture_count

PV = f"{PETION_VILLE[0]},{PETION_VILLE[1]}"
KENSCOFF_AREA = {"type": "Polygon", "coordinates": [[[-72.30, 18.43], [-72.26, 18.43], [-72.26, 18.47],
                                                      [-72.30, 18.47], [-72.30, 18.43]]]}


def by_id(rows):
    return {row["id"]: row for row in rows}


def test_access_from_petion_ville(client):
    body = client.get("/api/access", query_string={"from": PV}).json
    summary = body["summary"]
    assert summary["sites"] == fixture_count("displacement_sites", status="open")  # every open site
    assert sum(summary[c] for c in ACCESS_CLASSES) == summary["sites"]
    assert sum(summary[f"people_{c}"] for c in ACCESS_CLASSES) == sum(s["individuals"] or 0 for s in body["sites"])
    order = [ACCESS_CLASSES.index(s["access"]) for s in body["sites"]]
    assert order == sorted(order)  # safest first
    assert all(s["reason"] for s in body["sites"])
    sites = by_id(body["sites"])
    # the capital's east is reachable; the lower Artibonite is cut off by Gran Grif and the RN1 cuts
    assert sites["ds-001"]["access"] == "safe" and sites["ds-001"]["distance_m"] > 0
    assert sites["ds-024"]["access"] == "only_with_risk"  # Saint-Marc
    assert sites["ds-024"]["exposure"]["blocked_road_m"] + sites["ds-024"]["exposure"]["inside_controlled_m"] > 0
    # the south coast is reached over the Kenscoff-Marigot road: safe, but not without caution
    assert sites["ds-019"]["access"] == "caution" and sites["ds-019"]["verdict"] == "caution"
    assert "dangerous" in sites["ds-019"]["reason"]
    assert "coordinates" not in json.dumps(body["sites"])


def test_access_matches_route_lookups(client):
    """One-to-many access gives the same distance as the point-to-point route to the site's road."""
    body = client.get("/api/access", query_string={"from": PV}).json
    site = by_id(body["sites"])["ds-019"]  # Jacmel
    route = client.get("/api/route", query_string={"from": PV, "to": "-72.537,18.236"}).json
    safest = route["routes"][0]["properties"]
    # the site is snapped to its road, the route ends at the point: on winding roads that is up to ~1 km apart
    assert site["distance_m"] == pytest.approx(safest["distance_m"], abs=1000)


def test_access_from_a_port_id(client):
    body = client.get("/api/access", query_string={"from": "pt-jacmel-seaport"}).json
    assert body["hub"]["name"] == "Port of Jacmel"
    assert by_id(body["sites"])["ds-019"]["access"] in ("safe", "caution")


def test_the_port_next_to_la_saline_says_so_first(client):
    body = client.get("/api/access", query_string={"from": "pt-pap-seaport"}).json
    assert "controlled zone" in body["warnings"][0] and body["warnings"][0].startswith("The hub ")


def test_access_from_a_site_id_keeps_its_position_private(client):
    body = client.get("/api/access", query_string={"from": "ds-019"}).json
    assert body["hub"]["id"] == "ds-019"
    assert "requested" not in body["hub"] and "snapped" not in body["hub"]


def test_access_page(client):
    html = client.get("/access", query_string={"from": "pt-cap-seaport"}).get_data(as_text=True)
    assert 'id="access-summary"' in html and "Sites by access" in html
    assert "Port of Cap-Haïtien" in client.get("/access").get_data(as_text=True)


def post(client, body):
    return client.post("/api/whatif", json=body)


def test_closing_the_mountain_road_cuts_the_south_off(client, app):
    roads_before = app.extensions["geoapp"].dataset.layers["roads"].copy()
    response = post(client, {"from": PV, "close_roads": ["rd-kenscoff-furcy"]})
    assert response.status_code == 200
    body = response.json
    assert body["stored_data_changed"] is False
    sites = by_id(body["sites"])
    jacmel = sites["ds-019"]
    assert jacmel["loses_safe_access"] and jacmel["outcome"] in ("detour", "unreachable")
    assert jacmel["after"]["access"] in ("only_with_risk", "unreachable")
    assert sites["ds-001"]["outcome"] == "same_route"  # Delmas, in the capital
    assert body["summary"]["lose_safe_access"] >= 5
    assert body["summary"]["people_losing_safe_access"] > 0
    # nothing stored changed: the same lookups answer as before
    assert app.extensions["geoapp"].dataset.layers["roads"].equals(roads_before)
    again = client.get("/api/access", query_string={"from": PV}).json
    assert by_id(again["sites"])["ds-019"]["access"] == "caution"


def test_no_after_route_runs_over_the_closed_mountain_road(client):
    """The reported bug: every "after" route went over the road just closed, with no detour."""
    import shapely

    body = post(client, {"from": PV, "close_roads": ["rd-kenscoff-furcy"]}).json
    closed = shapely.geometry.shape(body["scenario"]["closed_geometry"])
    assert body["scenario"]["edges_closed"] > 0
    drawn = [row for row in body["sites"] if row["after"].get("route")]
    assert drawn
    for row in body["sites"]:
        assert row["outcome"] in ("same_route", "detour", "unreachable")
        if row["outcome"] == "detour":
            assert row["after"]["distance_m"] != row["before"]["distance_m"]
        if row["after"].get("route"):
            line = shapely.geometry.shape(row["after"]["route"])
            assert shapely.length(shapely.intersection(line, closed)) == 0, row["id"]
        if row["after"]["exposure"] and row["after"]["access"] in ("safe", "caution"):
            assert row["after"]["exposure"]["blocked_road_m"] == 0
            assert row["after"]["exposure"]["inside_controlled_m"] == 0


def test_a_polygon_treated_as_controlled(client):
    body = post(client, {"from": PV, "controlled_areas": {"type": "Feature", "properties": {},
                                                          "geometry": KENSCOFF_AREA}}).json
    assert body["scenario"]["controlled_areas"] == 1 and body["scenario"]["edges_affected"] > 0
    assert body["scenario"]["edges_closed"] == 0  # treated as controlled, not closed
    assert by_id(body["sites"])["ds-019"]["loses_safe_access"]


def test_a_closure_elsewhere_gives_detours_or_nothing(client):
    body = post(client, {"from": PV, "close_roads": ["rd-delmas-pv"]}).json
    outcomes = {row["outcome"] for row in body["sites"]}
    for row in body["sites"]:
        if row["outcome"] == "detour" and row["after"]["access"] == row["before"]["access"]:
            assert row["detour_m"] > 0 and row["after"]["distance_m"] > row["before"]["distance_m"]
    assert "detour" in outcomes and "same_route" in outcomes


def test_closing_a_point_or_an_area_of_the_mountain_road(client):
    for scenario in ({"close_points": [[-72.2815, 18.4414]]}, {"close_areas": KENSCOFF_AREA}):
        body = post(client, {"from": PV, **scenario}).json
        assert body["scenario"]["edges_closed"] > 0, scenario
        assert by_id(body["sites"])["ds-019"]["outcome"] in ("detour", "unreachable"), scenario


BAD_WHATIF = [
    ({"close_roads": ["rd-kenscoff-furcy"]}, "from", "missing required field from"),
    ({"from": PV}, "close_roads", "scenario is empty"),
    ({"from": PV, "close_points": [[-72.2, "x"]]}, "close_points[0]", "[lon, lat] pair of finite numbers"),
    ({"from": PV, "close_points": [[-72.2815, 18.4414], [-60, 18]]}, "close_points[1]", "outside Haiti"),
    ({"from": PV, "close_points": [[-72.45, 18.38]]}, "close_points[0]", "from any mapped road"),
    ({"from": PV, "close_areas": {"type": "Point", "coordinates": [-72.3, 18.5]}}, "close_areas",
     "must be a Polygon or MultiPolygon"),
    ({"from": PV, "close_roads": "rd-kenscoff-furcy"}, "close_roads", "list of road ids"),
    ({"from": PV, "close_roads": ["no-such-road"]}, "close_roads", "unknown road id(s): no-such-road"),
    ({"from": PV, "close_roads": ["x"], "extra": 1}, "extra", "unknown field(s): extra"),
    ({"from": "-60,18", "close_roads": ["rd-kenscoff-furcy"]}, "from", "outside Haiti"),
    ({"from": "nowhere", "close_roads": ["rd-kenscoff-furcy"]}, "from", "no place has the name or id"),
    ({"from": PV, "controlled_areas": {"type": "Point", "coordinates": [-72.3, 18.5]}}, "controlled_areas",
     "must be a Polygon or MultiPolygon"),
    ({"from": PV, "controlled_areas": {"type": "Polygon", "coordinates": [[[-72.3, 18.5], [-72.2, 18.6],
                                                                           [-72.2, 18.5], [-72.3, 18.6],
                                                                           [-72.3, 18.5]]]}},
     "controlled_areas", "not a valid polygon (Self-intersection"),
    ({"from": PV, "controlled_areas": {"type": "Polygon", "coordinates": [[["a", "b"]]]}}, "controlled_areas",
     "malformed coordinates"),
    ({"from": PV, "controlled_areas": {"type": "Polygon", "coordinates": [[[-75, 18], [-72, 18], [-72, 19],
                                                                           [-75, 18]]]}},
     "controlled_areas", "outside Haiti"),
    ({"from": PV, "controlled_areas": {"type": "Polygon", "coordinates": [[[-73.5, 18.2], [-72, 18.2],
                                                                           [-72, 19.5], [-73.5, 18.2]]]}},
     "controlled_areas", "at most 2000 km2"),
]


@pytest.mark.parametrize(("body", "field", "message"), BAD_WHATIF)
def test_bad_scenarios_are_400_with_the_field(client, body, field, message):
    response = post(client, body)
    assert response.status_code == 400, response.json
    assert response.json["error"]["field"] == field
    assert message in response.json["error"]["message"]


def test_too_many_vertices(client):
    import math

    ring = [[-72.3 + 0.01 * math.cos(2 * math.pi * k / 20000), 18.5 + 0.01 * math.sin(2 * math.pi * k / 20000)]
            for k in range(20000)]
    ring.append(ring[0])
    response = post(client, {"from": PV, "controlled_areas": {"type": "Polygon", "coordinates": [ring]}})
    assert response.status_code == 400 and "vertices; at most 10000" in response.json["error"]["message"]


@pytest.mark.parametrize(("data", "content_type", "status", "message"), [
    ("[" * 100_000 + "]" * 100_000, "application/json", 400, "not valid JSON"),
    ("[1, 2]", "application/json", 400, "must be a JSON object"),
    ("{}", "text/plain", 400, "application/json"),
    ("x" * 2_000_000, "application/json", 413, ""),
])
def test_malformed_and_oversized_bodies(client, data, content_type, status, message):
    response = client.post("/api/whatif", data=data, content_type=content_type)
    assert response.status_code == status
    assert message in response.json["error"]["message"]
