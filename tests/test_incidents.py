"""Recent violence in route risk: weights that fade with age and distance, named in route answers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from geoapp import create_app
from geoapp.cli import main
from geoapp.errors import ConfigError
from geoapp.layers import REGISTRY
from geoapp.network.routing import RoadNetwork, Router
from geoapp.safety import RiskWeights, incident_weights, route_verdict
from geoapp.settings import Settings
from geoapp.validate import validate_layer

from .helpers import JACMEL, PETION_VILLE, cli_settings, fixture_features, grid_roads, zones_frame

DAY = dt.date(2026, 6, 1)
W = RiskWeights()


def incidents(*rows: dict) -> gpd.GeoDataFrame:
    """Incident features in the layer schema (``rows`` give position, date and what differs)."""
    base = {"name": "Incident", "status": "verified", "source": "test", "confidence": "high", "notes": "",
            "event_type": "Battles", "sub_event_type": "Armed clash", "actor": "Gang", "location": "Here",
            "admin1": "Ouest", "admin2": "", "admin3": "", "fatalities": 0, "geo_precision": 1}
    records, points = [], []
    for i, row in enumerate(rows):
        row = dict(row)
        lon, lat = row.pop("at")
        day = row.pop("day", DAY).isoformat()
        records.append({**base, "id": f"in-{i}", "as_of": day, "event_date": day, **row})
        points.append(shapely.Point(lon, lat))
    frame = gpd.GeoDataFrame(records, columns=[*REGISTRY["incidents"].columns], geometry=points, crs="EPSG:4326")
    return validate_layer(frame, REGISTRY["incidents"], source="test")


def grid_router(found: gpd.GeoDataFrame, today: dt.date = DAY) -> Router:
    roads = grid_roads()
    network = RoadNetwork(roads, metric_crs="EPSG:32618", max_edge_m=500, speeds_kmh=Settings().speeds_kmh())
    return Router(network, roads, zones_frame(), weights=W, incidents=found, today=today)


def route_across(router: Router, today_offset: int = 0):
    start, end = router.snap(project(-72.40, 18.52)), router.snap(project(-72.36, 18.52))
    return router.route(start, end, "avoid")


def project(lon, lat):
    import pyproj

    x, y = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32618", always_xy=True).transform(lon, lat)
    return shapely.Point(x, y)


# -- the weight of one incident ------------------------------------------------------------------

def test_weight_halves_every_half_life_and_grows_with_deaths():
    kinds = np.array(["Battles", "Battles", "Battles", "Protests", "Battles"])
    deaths = np.array([0, 0, 0, 0, 20])
    dates = np.array(["2026-06-01", "2026-05-02", "2026-06-02", "2026-06-01", "2026-06-01"])
    w = incident_weights(kinds, deaths, dates, DAY, 30.0)
    assert w[0] == pytest.approx(1.0)
    assert w[1] == pytest.approx(0.5)  # 30 days old
    assert w[2] == 0.0  # after the day asked about
    assert w[3] == pytest.approx(0.1)  # a protest says less about armed danger than a battle
    assert w[4] == pytest.approx(1 + np.log(21))  # deaths raise it, logarithmically


def test_incidents_call_for_caution_never_for_unsafe():
    from geoapp.safety import RouteExposure

    exposure = RouteExposure(inside_m={}, zones=[], dangerous_road_m=0, blocked_road_m=0, roads=[],
                             near_controlled_m=0, closest_controlled_m=None, closest_controlled_zone=None,
                             near_incidents_m=250.0)
    assert route_verdict(exposure, near_buffer_m=500) == "caution"
    heavy = dataclasses.replace(exposure, near_incidents_m=500_000.0,
                                incidents=[{"id": "in-x", "weight": 40.0}] * 10)
    assert route_verdict(heavy, near_buffer_m=500) == "caution"


def test_half_life_and_reach_must_be_positive():
    with pytest.raises(ConfigError, match="incident_half_life_days must be greater than 0"):
        Settings.from_env({}, {"incident_half_life_days": "0"})
    with pytest.raises(ConfigError, match="incident_radius_m_3 must be greater than 0"):
        Settings.from_env({}, {"incident_radius_m_3": "0"})


# -- on a road network ---------------------------------------------------------------------------

def test_a_fresh_incident_on_the_route_raises_its_cost_and_is_named():
    clear = route_across(grid_router(incidents()))
    assert clear.exposure.incidents == [] and clear.exposure.near_incidents_m == 0
    found = incidents({"at": (-72.38, 18.52), "location": "Middle", "actor": "Gran Grif"})
    router = grid_router(found)
    route = route_across(router)
    named = route.exposure.incidents
    assert [i["id"] for i in named] == ["in-0"]
    assert named[0]["event_date"] == "2026-06-01" and named[0]["event_type"] == "Battles"
    assert named[0]["location"] == "Middle" and named[0]["actor"] == "Gran Grif" and named[0]["distance_m"] < 50
    assert route.exposure.near_incidents_m > 0
    assert route_verdict(route.exposure, near_buffer_m=500) == "caution"
    assert route.cost > clear.cost and route.distance_m == pytest.approx(clear.distance_m)
    assert router.incidents.risk.max() == pytest.approx(1.0, rel=0.05)


def test_a_deadly_incident_is_worth_a_detour():
    clear = route_across(grid_router(incidents()))
    router = grid_router(incidents({"at": (-72.38, 18.52), "fatalities": 12}))
    assert router.incidents.risk.max() == pytest.approx(1 + np.log(13), rel=0.05)
    route = route_across(router)
    assert route.distance_m > clear.distance_m + 1500  # one grid row over, out of the incident's reach
    assert route.exposure.incidents == [] and route_verdict(route.exposure, near_buffer_m=500) == "safe"


def test_risk_fades_with_age():
    found = incidents({"at": (-72.38, 18.52)})
    fresh = route_across(grid_router(found, DAY)).exposure.incidents[0]["weight"]
    month = route_across(grid_router(found, DAY + dt.timedelta(days=30))).exposure.incidents[0]["weight"]
    assert month == pytest.approx(fresh / 2, rel=0.02)
    gone = route_across(grid_router(found, DAY + dt.timedelta(days=400)))
    assert gone.exposure.incidents == [] and gone.exposure.near_incidents_m == 0
    before = route_across(grid_router(found, DAY - dt.timedelta(days=1)))
    assert before.exposure.incidents == []  # not yet happened on that day


def test_risk_fades_with_distance_and_a_vague_place_reaches_further():
    exact = grid_router(incidents({"at": (-72.38, 18.52), "geo_precision": 1}))
    vague = grid_router(incidents({"at": (-72.38, 18.52), "geo_precision": 3}))
    touched_exact = np.count_nonzero(exact.incidents.risk)
    touched_vague = np.count_nonzero(vague.incidents.risk)
    assert 0 < touched_exact < touched_vague
    near = exact.incidents.contribution.toarray().ravel()
    assert near.max() == pytest.approx(1.0, rel=0.05) and near[near > 0].min() < 0.9  # falls with distance


def test_a_report_weighs_half_a_verified_event():
    verified = grid_router(incidents({"at": (-72.38, 18.52)}))
    reported = grid_router(incidents({"at": (-72.38, 18.52), "status": "reported"}))
    assert reported.incidents.risk.max() == pytest.approx(verified.incidents.risk.max() / 2)


# -- through the service -------------------------------------------------------------------------

@pytest.fixture()
def fresh_app(tmp_path):
    app = create_app({"instance_path": tmp_path / "instance", "reload_check_s": 0.2})
    yield app
    app.extensions["geoapp"].stop()


def route_url(**extra) -> str:
    query = "&".join(f"{k}={v}" for k, v in extra.items())
    return (f"/api/route?from={PETION_VILLE[0]},{PETION_VILLE[1]}&to={JACMEL[0]},{JACMEL[1]}"
            + (f"&{query}" if query else ""))


def test_an_incident_recorded_today_is_named_by_route_answers_and_not_as_of_yesterday(fresh_app):
    client = fresh_app.test_client()
    before = client.get(route_url()).json
    assert before["routes"][0]["properties"]["exposure"]["incidents"] == []  # the fixture events are long past
    coords = before["routes"][0]["geometry"]["coordinates"]
    lon, lat = coords[len(coords) // 2]
    today = dt.date.today()
    store = fresh_app.extensions["geoapp"].store
    found = incidents({"at": (round(lon, 4), round(lat, 4)), "day": today, "fatalities": 3,
                       "event_type": "Violence against civilians", "location": "Furcy road"})
    store.create("incidents", found, actor="test", reason="roadside attack reported")
    feature = found.iloc[0]
    fresh_app.extensions["geoapp"].data_changed()
    deadline = time.monotonic() + 20
    while not client.get(route_url()).json["routes"][0]["properties"]["exposure"]["incidents"]:
        assert time.monotonic() < deadline, "the new incident was not picked up"
        time.sleep(0.1)
    body = client.get(route_url()).json
    named = body["routes"][0]["properties"]["exposure"]["incidents"]
    assert named[0]["event_date"] == today.isoformat() and named[0]["location"] == "Furcy road"
    assert any(f"Violence against civilians at Furcy road on {today.isoformat()}" in r for r in body["reasons"])
    assert body["layers_as_of"]["incidents"] == today.isoformat()
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    old = client.get(route_url(as_of=yesterday)).json
    assert all(i["id"] != feature["id"] for i in old["routes"][0]["properties"]["exposure"]["incidents"])
    # the overview map counts it among the incidents of the last days (each one is fetched when zoomed in)
    page = client.get("/").data.decode()
    from .test_maps import page_data

    assert "Incidents drawn: the 1\n  of the 90 days" in page and page_data(page)["incidents"]["total"] == 1
    bbox = ",".join(str(v) for v in (lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01))
    window = f"{(today - dt.timedelta(days=89)).isoformat()}/{today.isoformat()}"
    items = client.get(f"/ogcapi/collections/incidents/items?bbox={bbox}&datetime={window}").json
    assert [f["properties"]["location"] for f in items["features"]] == ["Furcy road"]


def test_as_of_a_past_day_weighs_the_events_known_by_then(fresh_app):
    client = fresh_app.test_client()
    body = client.get(route_url(as_of="2025-04-20")).json
    named = {i["id"]: i for i in body["routes"][0]["properties"]["exposure"]["incidents"]}
    assert "in-2025-04-17-kenscoff" in named and "in-2025-01-27-kenscoff" in named
    assert named["in-2025-04-17-kenscoff"]["weight"] > named["in-2025-01-27-kenscoff"]["weight"]  # fresher
    earlier = client.get(route_url(as_of="2025-02-01")).json
    ids = {i["id"] for i in earlier["routes"][0]["properties"]["exposure"]["incidents"]}
    assert "in-2025-01-27-kenscoff" in ids and "in-2025-04-17-kenscoff" not in ids
    page = client.get("/?as_of=2025-04-20&layers=incidents").data.decode()
    from .test_maps import page_data

    # counted per commune: Kenscoff's two, none of Saint-Marc's (October 2024)
    assert page_data(page)["incidents"]["total"] == 7
    assert "HT0115" in page and "HT0531" not in page
    health = client.get("/healthz").json["layers"]["incidents"]
    assert health["as_of"] == "2025-04-17" and health["stale"] is True


# -- ACLED import --------------------------------------------------------------------------------

ACLED = "\n".join([
    "event_id_cnty,event_date,event_type,sub_event_type,actor1,country,admin1,admin2,admin3,location,latitude,"
    "longitude,geo_precision,notes,fatalities",
    "HTI20001,2026-10-02,Battles,Armed clash,Viv Ansanm,Haiti,Ouest,Port-au-Prince,Kenscoff,Kenscoff,18.4477,"
    "-72.284,1,,2",
    "DOM00001,2026-10-03,Protests,Peaceful protest,Protesters,Dominican Republic,Santo Domingo,,,Santo Domingo,"
    "18.4861,-69.9312,1,,0",
    "HTI20002,2026-10-05,Violence against civilians,Attack,Gran Grif,Haiti,Artibonite,Saint-Marc,Saint-Marc,"
    "Pont-Sonde,19.1447,-72.6111,2,,9",
]) + "\n"


def test_import_acled_is_all_or_nothing_and_can_merge(tmp_path):
    env = {"GEOAPP_INSTANCE_PATH": str(tmp_path / "instance")}
    good, bad, more = tmp_path / "acled.csv", tmp_path / "broken.csv", tmp_path / "november.csv"
    good.write_text(ACLED, encoding="utf-8")
    bad.write_text(ACLED.replace("2026-10-05", "5 Octobre"), encoding="utf-8")
    more.write_text(ACLED.split("\n")[0] + "\nHTI20003,2026-11-02,Riots,Violent demonstration,Rioters,Haiti,"
                    "Nord,Cap-Haitien,Cap-Haitien,Cap-Haitien,19.7594,-72.1981,1,,0\n", encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(main, ["import-acled", str(bad)], env=env)
    assert refused.exit_code == 1 and "broken.csv: line 4, column 'event_date'" in refused.output
    assert "incidents left as they were" in refused.output
    from geoapp.store import make_store

    store = make_store(cli_settings(env))
    assert len(store.load()["incidents"]) == len(fixture_features("incidents"))  # unchanged
    done = runner.invoke(main, ["import-acled", str(good)], env=env)
    assert done.exit_code == 0, done.output
    assert "2 events, 11 fatalities, 2026-10-02 to 2026-10-05" in done.output
    assert "1 rows of other countries skipped" in done.output
    stored = store.load()["incidents"]
    assert sorted(stored["id"]) == ["acled-HTI20001", "acled-HTI20002"]
    assert store.history("incidents", "*")[-1]["action"] == "import"
    merged = runner.invoke(main, ["import-acled", "--merge", str(more)], env=env)
    assert merged.exit_code == 0, merged.output and "2 stored incidents kept" in merged.output
    assert sorted(store.load()["incidents"]["id"]) == ["acled-HTI20001", "acled-HTI20002", "acled-HTI20003"]


def test_compiled_edge_distances_match_shapely():
    from geoapp.network.exposure import EdgeSegments

    rng = np.random.default_rng(3)
    lines = shapely.linestrings(rng.uniform(0, 1000, (50, 4, 2)))
    points = rng.uniform(-200, 1200, (400, 2))
    edges = rng.integers(0, len(lines), 400)
    got = EdgeSegments.of(lines).distance(points, edges)
    assert np.allclose(got, shapely.distance(lines[edges], shapely.points(points)))
