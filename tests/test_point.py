"""The point check and per-feature freshness on small synthetic layers: nothing reassures falsely."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString

from geoapp.answers.point import point_lookup, zone_wording
from geoapp.answers.route import route_lookup
from geoapp.data.dataset import build_dataset
from geoapp.data.freshness import as_days, layer_freshness
from geoapp.layers import REGISTRY
from geoapp.settings import Settings
from geoapp.validate import validate_layer

from .helpers import common, grid_roads, square_zone, zones_frame
from .test_incidents import incidents

DAY = dt.date(2026, 6, 1)
SETTINGS = Settings()


def layer(name: str, rows: list[dict]) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(rows, columns=[*REGISTRY[name].columns, "geometry"], geometry="geometry",
                             crs="EPSG:4326")
    return validate_layer(frame, REGISTRY[name], source="test")


def port(pid: str, lon: float, lat: float) -> dict:
    return common(id=pid, name=pid, status="operational", kind="seaport", geometry=shapely.Point(lon, lat))


ORIGIN = (-72.30, 18.44)  # a grid in the hills south of Port-au-Prince: on land, not in the bay


def dataset(roads=None, zones=None, found=None, ports=(), today=DAY):
    layers = {"roads": roads if roads is not None else grid_roads(origin=ORIGIN),
              "gang_zones": zones if zones is not None else zones_frame()}
    if found is not None:
        layers["incidents"] = found
    if ports:
        layers["ports"] = layer("ports", list(ports))
    return build_dataset(layers, SETTINGS, today=today)


# -- roads and incidents around the point --------------------------------------------------------

def test_a_point_next_to_a_dangerous_road_is_not_clear():
    data = dataset(grid_roads(origin=ORIGIN, statuses={"h2-1": "dangerous"}))
    near = point_lookup(data, SETTINGS, (-72.285, 18.4602))  # about 20 m north of h2-1
    assert near["assessment"] == "caution" and "dangerous_road_nearby" in near["concerns"]
    road = near["roads_not_open"][0]
    assert road["id"] == "h2-1" and road["status"] == "dangerous" and road["distance_m"] < 40
    assert "h2-1" not in near["summary"] and "dangerous" in near["summary"]
    far = point_lookup(data, SETTINGS, (-72.265, 18.4802))  # 2 km away
    assert far["assessment"] == "clear" and far["roads_not_open"] == []
    wide = point_lookup(data, SETTINGS, (-72.265, 18.4802), radius_m=3000)
    assert wide["assessment"] == "caution" and wide["roads_not_open_count"] == 1


def test_a_recent_heavy_incident_raises_the_assessment_an_old_one_does_not():
    at = (-72.285, 18.465)
    recent = dataset(found=incidents({"at": at, "fatalities": 7, "day": DAY - dt.timedelta(days=3),
                                      "event_type": "Violence against civilians", "location": "Kenscoff"}))
    body = point_lookup(recent, SETTINGS, (-72.284, 18.465))
    assert body["assessment"] == "caution" and "recent_incidents" in body["concerns"]
    incident = body["incidents"][0]
    assert incident["fatalities"] == 7 and incident["event_date"] == (DAY - dt.timedelta(days=3)).isoformat()
    assert incident["weight"] >= 0.5 and 90 < incident["distance_m"] < 120
    assert body["incident_risk"] >= SETTINGS.incident_caution_risk and "Kenscoff" in body["summary"]
    old = dataset(found=incidents({"at": at, "fatalities": 7, "day": DAY - dt.timedelta(days=400)}))
    assert point_lookup(old, SETTINGS, (-72.284, 18.465))["assessment"] == "clear"


def test_as_of_a_day_an_incident_after_it_does_not_count():
    found = incidents({"at": (-72.285, 18.465), "fatalities": 7, "day": DAY})
    before = dataset(found=found, today=DAY - dt.timedelta(days=1))
    body = point_lookup(before, SETTINGS, (-72.284, 18.465))
    assert body["assessment"] == "clear" and body["incident_risk"] == 0
    assert body["as_of_day"] == (DAY - dt.timedelta(days=1)).isoformat()


def test_safety_as_of_over_http_answers_from_that_day(client):
    body = client.get("/api/safety?at=-72.2853,18.5125&as_of=2025-04-20").json
    assert body["warnings"][0].startswith("Answered from the data as stored at the end of 2025-04-20")
    assert body["as_of_day"] == "2025-04-20"
    bad = client.get("/api/safety?at=-72.2853,18.5125&radius_m=90000")
    assert bad.status_code == 400 and bad.json["error"]["field"] == "radius_m"


# -- where the point is, and how zones are worded ------------------------------------------------

def test_a_point_at_sea_says_so_and_names_the_nearest_commune(client):
    body = client.get("/api/safety?at=-72.80,20.22").json
    assert body["assessment"] == "at_sea" and body["at_sea"]["nearest_commune"] == "La Tortue"
    assert body["summary"].startswith("The point is at sea") and "clear" not in body["summary"]
    land = client.get("/api/safety?at=-72.5369,18.2357").json
    assert land["at_sea"] is None


@pytest.mark.parametrize(("status", "group", "expected"), [
    ("controlled", "G9", "a zone controlled by G9"),
    ("controlled", None, "a gang-controlled zone"),
    ("contested", "G9 and G-Pèp", "a contested zone, disputed by G9 and G-Pèp"),
    ("contested", None, "a contested zone, disputed between armed groups"),
    ("influence", "Kraze Baryè", "a zone where Kraze Baryè operates, without holding it"),
    ("influence", None, "a zone where armed groups operate, without holding it"),
])
def test_each_zone_status_is_worded_without_contradiction(status, group, expected):
    assert zone_wording(status, group) == expected
    assert "held by" not in zone_wording(status, group)


def test_inside_a_contested_zone_the_summary_says_contested_not_held():
    data = dataset(zones=zones_frame(square_zone("Z", "contested", -72.29, 18.45, -72.27, 18.47, group="G9")))
    body = point_lookup(data, SETTINGS, (-72.28, 18.46))
    assert body["assessment"] == "inside_contested"
    assert body["summary"].startswith("The point is inside Z, a contested zone, disputed by G9.")


# -- the nearest port by road, not across the mountains -----------------------------------------

def test_the_nearest_port_by_road_is_not_the_nearest_in_a_straight_line():
    # a U of road: the point at the foot of the west arm; port A at the foot of the east arm, 1 km
    # away in a straight line but 21 km by road (a ridge between the arms); port B 3 km up the west arm
    x0, x1, y0, y1 = -72.3, -72.2905, 18.44, 18.53
    rows = [common(id=rid, status="open", ref=None, road_class="primary", oneway=False,
                   geometry_precision="surveyed", geometry=LineString(line))  # lengths as drawn
            for rid, line in (("west", [(x0, y0), (x0, y1)]), ("top", [(x0, y1), (x1, y1)]),
                              ("east", [(x1, y1), (x1, y0)]))]
    roads = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    data = dataset(roads, ports=[port("A", x1 + 0.0005, y0), port("B", x0 - 0.0005, y0 + 0.027)])
    body = point_lookup(data, SETTINGS, (x0, y0))
    nearest = body["nearest_operational_port"]
    assert nearest["straight_line"]["id"] == "A" and nearest["straight_line"]["distance_m"] < 1100
    assert nearest["straight_line"]["measured"] == "in a straight line"
    assert nearest["by_road"]["id"] == "B" and 2900 < nearest["by_road"]["distance_m"] < 3200
    assert nearest["by_road"]["mode"] == "avoid" and nearest["by_road"]["verdict"] == "safe"
    route = body["routes"][0]
    assert route["properties"]["kind"] == "to_port" and route["properties"]["target"] == "B"


def test_when_no_route_avoids_controlled_zones_the_least_risk_route_is_given_with_its_verdict():
    zone = square_zone("Z", "controlled", -72.295, 18.445, -72.265, 18.475)
    data = dataset(zones=zones_frame(zone), ports=[port("P", -72.3, 18.48)])
    body = point_lookup(data, SETTINGS, (-72.28, 18.46))  # inside the zone: every way out enters it
    by_road = body["nearest_operational_port"]["by_road"]
    assert by_road["mode"] == "least_risk" and by_road["verdict"] == "unsafe" and not by_road["safe_route_found"]


# -- freshness per feature ----------------------------------------------------------------------

def mixed_roads() -> gpd.GeoDataFrame:
    """A grid of roads reported 2025-03-01, one of them dated on the day asked about."""
    roads = grid_roads(origin=ORIGIN)
    roads.loc[roads["id"] == "h2-0", "as_of"] = DAY.isoformat()
    return roads


def test_one_fresh_road_does_not_make_the_layer_fresh():
    roads = mixed_roads()
    stats = layer_freshness("roads", as_days(roads["as_of"]), DAY, 30)
    assert stats["newest"] == DAY.isoformat() and stats["oldest"] == stats["median"] == "2025-03-01"
    assert stats["stale_share"] == pytest.approx((len(roads) - 1) / len(roads), abs=1e-3) and stats["stale"]
    reference = layer_freshness("communes", np.array(["2018-11-29"], dtype="datetime64[D]"), DAY, 30)
    assert reference["stale_share"] == 0 and not reference["stale"]


def test_a_route_over_stale_roads_names_them_with_counts_and_ages():
    data = dataset(mixed_roads())
    body = route_lookup(data, SETTINGS, (-72.3, 18.46), (-72.26, 18.46), today=DAY)
    age = (DAY - dt.date(2025, 3, 1)).days
    stale = [w for w in body["warnings"] if "last reported" in w]
    assert len(stale) == 1
    assert f"3 of the 4 roads on this route were last reported {age} days ago" in stale[0]


def test_a_road_whose_date_cannot_be_read_is_never_counted_fresh():
    roads = grid_roads(origin=ORIGIN)
    roads["as_of"] = DAY.isoformat()  # every road reported on the day asked about...
    roads.loc[roads["id"] == "h2-1", "as_of"] = None  # ...but two on the route: no date, and one unreadable
    roads.loc[roads["id"] == "h2-2", "as_of"] = "early March"
    data = dataset(roads)
    assert data.as_of["roads"] == DAY.isoformat()  # the newest readable date, not the text sorted last
    stats = layer_freshness("roads", data.feature_days["roads"], DAY, 30)
    assert stats["undated"] == 2 and stats["stale_share"] == pytest.approx(2 / len(roads), abs=1e-3)
    body = route_lookup(data, SETTINGS, (-72.3, 18.46), (-72.26, 18.46), today=DAY)
    text = " ".join(body["warnings"])
    assert "2 of the 4 roads on this route have no readable report date: their age is unknown, so treat them as " \
           "out of date." in text and "last reported" not in text
    undated = layer_freshness("roads", np.array(["NaT", "NaT"], dtype="datetime64[D]"), DAY, 30)
    assert undated["stale"] and undated["stale_share"] == 1.0 and undated["newest"] is None


def test_the_point_check_warns_about_the_stale_features_it_used():
    data = dataset(mixed_roads(), zones=zones_frame(square_zone("Z", "influence", -72.29, 18.45, -72.27, 18.47)))
    body = point_lookup(data, SETTINGS, (-72.28, 18.46), today=DAY)
    text = " ".join(body["warnings"])
    assert "roads within the radius" in text and "The gang zone around the point was last reported" in text


def test_healthz_and_layers_give_the_spread_of_ages(client):
    health = client.get("/healthz").json["layers"]["displacement_sites"]
    assert health["newest"] == "2025-04-05" and health["oldest"] == "2025-03-15" and health["median"] == "2025-03-31"
    assert health["stale_share"] == 1.0 and health["stale"] is True
    layers = {item["name"]: item for item in client.get("/api/layers").json["layers"]}
    assert layers["communes"]["freshness"]["stale"] is False
    assert layers["roads"]["freshness"]["oldest"] == "2025-03-31"
