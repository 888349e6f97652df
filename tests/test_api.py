"""The JSON API on the fixture layers (tests/data): shapes, the safety invariants, and bad input."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import shape

from .helpers import (
    CAP_HAITIEN,
    CITE_SOLEIL,
    JACMEL,
    JEREMIE,
    LEOGANE,
    LES_CAYES,
    PETION_VILLE,
    edit_features,
    fixture_count,
    fixture_features,
)


def q(point) -> str:
    return f"{point[0]},{point[1]}"


def get_route(client, a, b, **params):
    response = client.get("/api/route", query_string={"from": q(a), "to": q(b), **params})
    assert response.status_code == 200, response.json
    return response.json


def controlled_zones(app) -> gpd.GeoDataFrame:
    zones = app.extensions["geoapp"].dataset.layers["gang_zones"]
    return zones[zones["status"] == "controlled"]


def test_healthz(client):
    body = client.get("/healthz").json
    assert body["status"] == "ok"
    assert body["layers"]["roads"]["features"] == fixture_count("roads")
    assert body["layers"]["roads"]["age_days"] > 30 and body["layers"]["roads"]["stale"] is True
    assert body["graph"]["nodes"] > 100


def test_route_answer_shape(client):
    body = get_route(client, PETION_VILLE, JACMEL)
    assert body["verdict"] in ("safe", "caution", "unsafe", "no_safe_route")
    newest = max(f["properties"]["as_of"] for name in ("roads", "gang_zones", "incidents")
                 for f in fixture_features(name))
    assert body["data_as_of"] == newest  # the newest of roads, zones and incidents
    kinds = {f["properties"]["kind"]: f for f in body["routes"]}
    assert set(kinds) == {"safest", "shortest"}
    for feature in body["routes"]:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] == "LineString"
        props = feature["properties"]
        assert props["distance_m"] > 40_000 and props["duration_s"] > 0
        for key in ("inside_controlled_m", "inside_contested_m", "dangerous_road_m", "blocked_road_m",
                    "closest_controlled_m", "zones", "roads"):
            assert key in props["exposure"]
    assert all(isinstance(r, str) and r.endswith(".") for r in body["reasons"])
    assert any("days ago" in w for w in body["warnings"])  # the fixture data is old
    assert body["from"]["snap_distance_m"] < 100


def test_safest_route_from_petion_ville_to_jacmel_avoids_every_controlled_zone(app, client):
    body = get_route(client, PETION_VILLE, JACMEL)
    safest = next(f for f in body["routes"] if f["properties"]["kind"] == "safest")
    line = shape(safest["geometry"])
    for zone in controlled_zones(app).geometry:
        assert not line.intersects(zone.buffer(-1e-5)), "safest route enters a controlled zone"
    assert safest["properties"]["exposure"]["inside_controlled_m"] == 0
    assert safest["properties"]["exposure"]["blocked_road_m"] == 0
    # the way out is the Kenscoff-Marigot mountain road, which is marked dangerous
    names = [r["name"] for r in safest["properties"]["exposure"]["roads"]]
    assert any("Furcy" in n for n in names)
    assert body["verdict"] == "caution"


def test_route_starting_inside_cite_soleil_is_not_safe(client):
    body = get_route(client, CITE_SOLEIL, PETION_VILLE)
    assert body["verdict"] == "no_safe_route"
    assert body["reasons"][0].startswith("The origin lies inside Cité Soleil (controlled")
    assert [f["properties"]["kind"] for f in body["routes"]] == ["shortest"]

    least = get_route(client, CITE_SOLEIL, PETION_VILLE, mode="least_risk")
    assert least["verdict"] == "unsafe"
    route = next(f for f in least["routes"] if f["properties"]["kind"] == "safest")
    assert route["properties"]["mode"] == "least_risk"
    assert route["properties"]["exposure"]["inside_controlled_m"] > 0


def test_north_is_cut_off_in_avoid_mode_and_least_risk_shows_the_cost(client):
    body = get_route(client, PETION_VILLE, CAP_HAITIEN)
    assert body["verdict"] == "no_safe_route"
    assert any("mode=least_risk" in r for r in body["reasons"])
    least = get_route(client, PETION_VILLE, CAP_HAITIEN, mode="least_risk")
    assert least["verdict"] == "unsafe"
    assert least["routes"][0]["properties"]["exposure"]["blocked_road_m"] > 0


def test_a_clear_road_in_the_south_is_safe(client):
    body = get_route(client, LEOGANE, LES_CAYES)
    assert body["verdict"] == "safe"
    assert any("avoids every mapped gang zone" in r for r in body["reasons"])


def test_les_cayes_to_jeremie_is_near_the_real_road_and_says_how_uncertain(client):
    """RN7 over the Massif de la Hotte: about 95-100 km by road and 3 h or more (the drawn line: 64 km)."""
    body = get_route(client, LES_CAYES, JEREMIE)
    safest = body["routes"][0]["properties"]
    assert 90_000 <= safest["distance_m"] <= 105_000
    low, high = safest["distance_range_m"]
    assert low < 95_000 and high > 100_000
    assert safest["duration_s"] >= 3 * 3600
    assert safest["duration_range_s"][0] < safest["duration_s"] < safest["duration_range_s"][1]
    assert any("hand-drawn roads" in w for w in body["warnings"])


def test_alternatives_when_asked(client):
    body = get_route(client, PETION_VILLE, JACMEL, alternatives=3)
    kinds = [f["properties"]["kind"] for f in body["routes"]]
    assert kinds[0] == "safest" and kinds[-1] == "shortest"
    assert set(kinds[1:-1]) <= {"alternative"}
    found = kinds.count("alternative")
    # fewer than asked is said, with the rule that made them not distinct
    assert found == 3 or "distinct alternative" in (body["alternatives_note"] or "")
    for feature in body["routes"]:
        assert feature["properties"]["verdict"] in ("safe", "caution", "unsafe")
        if feature["properties"]["kind"] == "alternative":  # the only safe way out is Kenscoff-Marigot
            assert feature["properties"]["exposure"]["inside_controlled_m"] == 0


def test_safest_route_is_never_cheaper_in_risk_than_shortest(client):
    body = get_route(client, PETION_VILLE, LEOGANE)
    routes = {f["properties"]["kind"]: f["properties"] for f in body["routes"]}
    assert routes["shortest"]["distance_m"] <= routes["safest"]["distance_m"] + 1
    assert routes["safest"]["exposure"]["blocked_road_m"] <= routes["shortest"]["exposure"]["blocked_road_m"]


def test_stale_warning_counts_stale_features_not_the_newest_one(app):
    import datetime as dt

    from geoapp.answers.route import stale_warnings

    svc = app.extensions["geoapp"]
    data = svc.dataset
    oldest = min(str(data.feature_days[name].min()) for name in ("roads", "gang_zones", "displacement_sites"))
    fresh = dt.date.fromisoformat(oldest) + dt.timedelta(days=5)
    assert stale_warnings(data, svc.settings, ("roads", "gang_zones", "displacement_sites"), fresh) == []
    # on 2025-04-20 the sites dated 2025-03-15 are stale though the newest (2025-04-05) is not
    mixed = stale_warnings(data, svc.settings, ("displacement_sites",), dt.date(2025, 4, 20))
    sites = fixture_count("displacement_sites")
    assert mixed and f"2 of the {sites} displacement sites in the data were last reported 36 days ago" in mixed[0]
    later = fresh + dt.timedelta(days=60)
    old = stale_warnings(data, svc.settings, ("roads",), later)
    days = (later - dt.date(2025, 3, 31)).days
    roads = fixture_count("roads")
    assert len(old) == 1 and f"All {roads} roads in the data were last reported {days} days ago" in old[0]


def test_same_point_twice_is_a_zero_length_route(client):
    body = get_route(client, JACMEL, JACMEL)
    assert body["verdict"] == "safe"
    assert all(f["properties"]["distance_m"] == 0 for f in body["routes"])
    assert body["routes"][0]["geometry"]["type"] == "LineString"


def test_endpoints_exactly_on_junctions(app, client):
    roads = app.extensions["geoapp"].dataset.layers["roads"]
    start = roads.loc[roads["id"] == "rd-rn2-leogane-dufort"].geometry.iloc[0].coords[0]
    end = roads.loc[roads["id"] == "rd-rn2-aquin-cavaillon"].geometry.iloc[0].coords[-1]
    body = get_route(client, start, end)
    assert body["verdict"] == "safe" and body["from"]["snap_distance_m"] == 0


def test_far_endpoint_is_warned_about(client):
    body = get_route(client, (-72.45, 18.40), LEOGANE)  # in the hills, kilometres from a mapped road
    assert any("from the nearest mapped road" in w for w in body["warnings"])


def test_a_road_cut_off_from_the_network_is_told_so_in_both_modes(data_dir, tmp_path, make_app):

    gonave = (-72.86, 18.832)  # Anse-à-Galets, on La Gonâve: an island, no road to the mainland
    edit_features(data_dir / "roads.geojson", lambda features: features.append({
        "type": "Feature", "geometry": {"type": "LineString", "coordinates": [[-72.87, 18.83], [-72.85, 18.834]]},
        "properties": {"id": "rd-anse-a-galets", "name": "Anse-à-Galets road", "status": "open",
                       "as_of": "2025-03-01", "source": "test", "confidence": "high", "notes": "", "ref": None,
                       "road_class": "urban", "oneway": False}}))
    client = make_app({"data_dir": data_dir, "instance_path": tmp_path / "instance"}).test_client()
    for mode in ("avoid", "least_risk"):
        body = get_route(client, PETION_VILLE, gonave, mode=mode)
        assert body["verdict"] == "no_safe_route" and body["routes"] == []
        assert body["to"]["snap_distance_m"] < 100  # on the island's own road, not taken to the mainland
        assert any("not connected by any mapped road" in r for r in body["reasons"])
        assert not any("mode=least_risk" in r for r in body["reasons"])
        assert any("The destination is on a road cut off from the main road network" in w for w in body["warnings"])
    access = client.get("/api/access", query_string={"from": q(gonave)}).json
    assert access["summary"]["safe"] + access["summary"]["caution"] + access["summary"]["only_with_risk"] == 0
    assert any("The hub is on a road cut off" in w for w in access["warnings"])


def test_safety_inside_cite_soleil(client):
    body = client.get("/api/safety", query_string={"at": q(CITE_SOLEIL)}).json
    assert body["assessment"] == "inside_controlled"
    assert body["inside"][0]["name"] == "Cité Soleil"
    assert body["inside"][0]["group"]
    port = body["nearest_operational_port"]
    assert port["by_road"]["status"] == port["straight_line"]["status"] == "operational"
    assert port["straight_line"]["distance_m"] > 0 and port["straight_line"]["measured"] == "in a straight line"
    # no route leaves Cité Soleil without entering it: the least-risk one, called unsafe
    assert port["by_road"]["mode"] == "least_risk" and port["by_road"]["verdict"] == "unsafe"
    assert port["by_road"]["distance_m"] >= port["straight_line"]["distance_m"]
    site = body["nearest_open_site"]
    assert site["by_road"]["id"] == site["straight_line"]["id"] == "ds-015"
    assert site["straight_line"]["distance_m"] > 0 and site["by_road"]["distance_m"] > 0
    assert site["by_road"]["mode"] == "least_risk" and site["by_road"]["verdict"] == "unsafe"
    assert body["summary"].startswith("The point is inside Cité Soleil, a zone controlled by ")


def test_safety_in_jacmel_is_clear(client):
    body = client.get("/api/safety", query_string={"at": q(JACMEL)}).json
    assert body["assessment"] == "clear"
    assert body["inside"] == [] and body["near"] == []
    port = body["nearest_operational_port"]
    assert port["by_road"]["name"] == port["straight_line"]["name"] == "Port of Jacmel"
    assert port["straight_line"]["distance_m"] < 2000
    assert port["by_road"]["mode"] == "avoid" and port["by_road"]["verdict"] == "safe"
    assert [f["properties"]["kind"] for f in body["routes"]][0] == "to_port"


def test_safety_near_a_controlled_zone(client):
    body = client.get("/api/safety", query_string={"at": "-72.318,18.5405"}).json  # just south of Solino
    assert body["assessment"] == "near_controlled"
    assert body["near"][0]["name"] == "Solino" and 0 < body["near"][0]["distance_m"] <= 500


def test_layers_list(client):
    body = client.get("/api/layers").json
    names = [layer["name"] for layer in body["layers"]]
    assert names == ["gang_zones", "displacement_sites", "roads", "ports", "incidents", "connections", "checkpoints",
                     "displacement_figures", "departments", "communes", "sections"]
    sites = body["layers"][1]
    assert {"adm1_pcode", "adm2_name"} <= set(sites["columns"]) and not sites["reference"]
    communes = body["layers"][names.index("communes")]
    assert communes["reference"] and communes["features"] == 140 and "CC BY-IGO" in communes["attribution"]
    assert sites["sensitivity"] == "sensitive" and sites["features"] >= 25
    assert sites["download"] == "/api/layers/displacement_sites.geojson"


@pytest.mark.parametrize("name", ["gang_zones", "displacement_sites", "roads", "ports"])
def test_download_is_rfc7946_geojson_with_a_filename(app, client, name):
    response = client.get(f"/api/layers/{name}.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert f'filename="haiti-access_{name}_' in response.headers["Content-Disposition"]
    doc = json.loads(response.data)
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    layer = app.extensions["geoapp"].dataset.layers[name]
    assert [f["id"] for f in doc["features"]] == list(layer["id"])
    first = doc["features"][0]
    for key in ("name", "status", "as_of", "source", "confidence"):
        assert first["properties"][key]
    for feature in doc["features"]:
        geom = shape(feature["geometry"])
        if geom.geom_type == "Polygon":  # right-hand rule: exterior counter-clockwise
            assert geom.exterior.is_ccw


def test_download_with_bbox_keeps_only_features_meeting_it(client):
    bbox = (-72.40, 18.50, -72.30, 18.60)
    whole = json.loads(client.get("/api/layers/roads.geojson").data)
    cut = json.loads(client.get("/api/layers/roads.geojson", query_string={"bbox": ",".join(map(str, bbox))}).data)
    box = shapely.box(*bbox)
    assert 0 < len(cut["features"]) < len(whole["features"])
    assert all(shape(f["geometry"]).intersects(box) for f in cut["features"])
    kept = {f["id"] for f in cut["features"]}
    assert all(not shape(f["geometry"]).intersects(box) for f in whole["features"] if f["id"] not in kept)


BAD_REQUESTS = [
    ("/api/route?to=-72.5,18.2", "from", "missing required parameter from"),
    ("/api/route?from=-72.3,18.5", "to", "missing required parameter to"),
    ("/api/route?from=abc&to=-72.5,18.2", "from", "must be LON,LAT"),
    ("/api/route?from=-72.3&to=-72.5,18.2", "from", "must be LON,LAT"),
    ("/api/route?from=-72.3,18.5,3&to=-72.5,18.2", "from", "must be LON,LAT"),
    ("/api/route?from=nan,18.5&to=-72.5,18.2", "from", "finite numbers"),
    ("/api/route?from=-72.3,inf&to=-72.5,18.2", "from", "finite numbers"),
    ("/api/route?from=18.5,-72.3&to=-72.5,18.2", "from", "it looks like lat,lon: swap the numbers"),
    ("/api/route?from=-72.3,-200&to=-72.5,18.2", "from", "not a lon,lat pair"),
    ("/api/route?from=-73.2,18.9&to=-72.5,18.2", "from", "km from the nearest mapped road (at most 20 km)"),
    ("/api/route?from=-69.9,18.5&to=-72.5,18.2", "from", "outside Haiti"),
    ("/api/route?from=-72.3,18.5&to=-72.5,25", "to", "outside Haiti"),
    ("/api/route?from=-72.3,18.5&to=-72.5,18.2&mode=fastest", "mode", "mode must be one of avoid, least_risk"),
    ("/api/route?from=-72.3,18.5&to=-72.5,18.2&alternatives=4", "alternatives", "between 0 and 3"),
    ("/api/route?from=-72.3,18.5&to=-72.5,18.2&alternatives=two", "alternatives", "whole number"),
    ("/api/route?from=" + "1" * 300 + "&to=-72.5,18.2", "from", "longer than 200 characters"),
    ("/api/safety", "at", "missing required parameter at"),
    ("/api/safety?at=-72.3,foo", "at", "must be LON,LAT"),
    ("/api/safety?at=-80,18.5", "at", "outside Haiti"),
    ("/api/layers/roads.geojson?bbox=1,2,3", "bbox", "MINX,MINY,MAXX,MAXY"),
    ("/api/layers/roads.geojson?bbox=-72,18,-73,19", "bbox", "MINX <= MAXX"),
    ("/api/layers/roads.geojson?bbox=-72,18,-71,95", "bbox", "lon/lat degrees"),
    ("/api/layers/roads.geojson?bbox=a,b,c,d", "bbox", "with numbers"),
    ("/api/route?from=-72.3,18.5&to=-72.5,18.2&as_of=0001-01-12", "as_of", "on or after 1900-01-01"),
    ("/?as_of=0001-01-12&layers=", "as_of", "on or after 1900-01-01"),
]


@pytest.mark.parametrize(("url", "field", "message"), BAD_REQUESTS)
def test_bad_input_gets_a_400_json_error_naming_the_field(client, url, field, message):
    response = client.get(url)
    assert response.status_code == 400, response.data
    error = response.json["error"]
    assert error["code"] == "bad_request"
    assert error["field"] == field
    assert message in error["message"]


def test_unknown_layer_and_path_are_404_json(client):
    response = client.get("/api/layers/bridges.geojson")
    assert response.status_code == 404
    assert response.json["error"] == {"code": "not_found", "message": "no layer named 'bridges'; see /api/layers",
                                      "field": "name"}
    assert client.get("/api/nothing").json["error"]["code"] == "not_found"


def test_wrong_method_is_405_json(client):
    response = client.post("/api/route")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"


def test_an_unexpected_failure_is_a_500_without_details(app, client, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("geoapp.api.point_lookup", boom)
    response = client.get("/api/safety?at=-72.3,18.5")
    assert response.status_code == 500
    assert "secret" not in response.get_data(as_text=True)
    assert response.json["error"]["code"] == "internal_error"


def test_route_downloads_as_gpx_that_gps_tools_read(client, tmp_path):
    import xml.etree.ElementTree as ET

    import numpy as np
    import pyogrio

    body = get_route(client, LES_CAYES, JEREMIE)
    response = client.get("/api/route", query_string={"from": q(LES_CAYES), "to": q(JEREMIE), "f": "gpx"})
    assert response.status_code == 200 and response.mimetype == "application/gpx+xml"
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    root = ET.fromstring(response.data)
    assert root.get("version") == "1.1"
    assert root.find("g:metadata/g:name", ns).text == "Les Cayes to Jérémie"
    track = root.find("g:trk", ns)
    assert track.find("g:name", ns).text == "Safest route"
    assert "hand-drawn roads" in track.find("g:desc", ns).text
    points = [(float(p.get("lon")), float(p.get("lat"))) for p in track.iterfind("g:trkseg/g:trkpt", ns)]
    assert np.allclose(points, body["routes"][0]["geometry"]["coordinates"], atol=1e-5)
    path = tmp_path / "route.gpx"
    path.write_bytes(response.data)
    tracks = pyogrio.read_dataframe(path, layer="tracks")  # GDAL's GPX driver
    assert len(tracks) == 1 and tracks["name"].iloc[0] == "Safest route"
    read = shapely.get_coordinates(tracks.geometry.iloc[0])
    assert np.allclose(read, points, atol=1e-5)


def test_route_downloads_as_geojson_for_gis(client):
    response = client.get("/api/route", query_string={"from": q(PETION_VILLE), "to": q(JACMEL), "f": "geojson"})
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    doc = json.loads(response.data)
    assert doc["type"] == "FeatureCollection" and doc["verdict"]
    assert [f["properties"]["kind"] for f in doc["features"]] == ["safest", "shortest"]
    frame = gpd.GeoDataFrame.from_features(doc["features"], crs="EPSG:4326")
    assert (frame.geometry.geom_type == "LineString").all()


def test_route_format_must_be_known(client):
    response = client.get("/api/route", query_string={"from": q(PETION_VILLE), "to": q(JACMEL), "f": "kml"})
    assert response.status_code == 400
    assert response.json["error"]["field"] == "f" and "gpx" in response.json["error"]["message"]


def test_route_answer_names_its_ends_and_gives_an_itinerary(client):
    body = get_route(client, LES_CAYES, JEREMIE)
    assert body["from"]["near"]["name"] == "Les Cayes" and body["to"]["near"]["name"] == "Jérémie"
    stretches = body["routes"][0]["properties"]["itinerary"]
    assert [s["road_id"] for s in stretches] == ["rd-rn7-les-cayes-camp-perrin", "rd-rn7-camp-perrin-jeremie"]
    assert all(s["ref"] == "RN7" and s["hand_drawn"] for s in stretches)


def test_a_safe_answer_says_how_old_the_absence_of_zones_and_incidents_is(client):
    """'Safe' rests on no zone and no heavy incident being mapped: with old incident data, that is said."""
    body = get_route(client, LES_CAYES, (-74.1178, 18.6500))  # far from every zone; the sample ends in 2025
    assert body["verdict"] == "safe"
    assert any("the incident data may simply be missing" in w for w in body["warnings"])
    assert all(f["properties"]["verdict"] == "safe" for f in body["routes"] if f["properties"]["kind"] == "safest")


def test_every_route_from_inside_a_controlled_zone_is_unsafe(client):
    body = get_route(client, CITE_SOLEIL, LEOGANE, mode="least_risk")
    assert body["verdict"] == "unsafe"
    assert {f["properties"]["verdict"] for f in body["routes"]} == {"unsafe"}
