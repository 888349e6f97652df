"""Sea and air connections, checkpoints and vehicle limits: registry, checks, edits, downloads, maps, OSM."""

from __future__ import annotations

import io
import json
import shutil
import time

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from geoapp.cli import main
from geoapp.errors import DataValidationError
from geoapp.io.osm import read_osm_roads, road_season, vehicle_limit
from geoapp.layers import REGISTRY, VEHICLES, vehicle_fits
from geoapp.links import check_links, link_problems
from geoapp.maps.builders import MapAssets, overview_map
from geoapp.schedule import normalise_schedule, parse_schedule
from geoapp.validate import validate_layer

from .helpers import OSM_STEP, OSM_X0, OSM_Y0, common, edit_features, write_osm

ASSETS = MapAssets(leaflet_js="/static/l.js", leaflet_css="/static/l.css", page_css="/static/p.css")
METRIC = "EPSG:32618"
JACMEL, LES_CAYES = (-72.535, 18.232), (-73.745, 18.185)
SEA_LINE = [JACMEL, (-73.2, 18.15), LES_CAYES]


def connection(**props) -> dict:
    base = {"id": "cn-test", **common(), "status": "operating", "from_port": "pt-jacmel-seaport",
            "to_port": "pt-les-cayes-seaport", "mode": "sea", "operator": "Test barge", "schedule": "Mon,Thu 07:00",
            "duration_s": 36000, "capacity_t": 120.0, "vehicles": True}
    return {**base, **props}


def frame(rows: list[dict], lines: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=[shapely.LineString(c) if len(c) > 1 else shapely.Point(c[0])
                                            for c in lines], crs="EPSG:4326")


# -- the schedule grammar and the vocabularies -------------------------------------------------------------
@pytest.mark.parametrize(("text", "written"), [
    ("daily", "daily"), ("Daily 07:00", "daily 07:00"), ("weekly", "weekly"), ("on request", "on request"),
    ("On Request", "on request"), ("Mon,Thu", "Mon,Thu"), ("thu,mon 13:30,07:00", "Mon,Thu 07:00,13:30"),
    ("Mon-Wed,Sat", "Mon,Tue,Wed,Sat"), ("Sun 23:59", "Sun 23:59"),
])
def test_schedules_in_the_grammar_are_written_back_canonically(text, written):
    assert normalise_schedule(text) == written


@pytest.mark.parametrize(("text", "message"), [
    ("", "schedule must be"), ("Monday", "not one of Mon"), ("Mon,Thu 7:00", "HH:MM"), ("Mon 24:00", "HH:MM"),
    ("Fri-Mon", "runs backwards"), ("on request 07:00", "takes no departure times"),
    ("Mon, Thu", "without spaces"), ("sometimes", "not one of"),
])
def test_schedules_outside_the_grammar_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_schedule(text)


def test_a_schedule_says_which_days_it_runs():
    assert parse_schedule("Mon,Thu 07:00").runs_on(3) is True
    assert parse_schedule("Mon,Thu").runs_on(1) is False
    assert parse_schedule("daily").runs_on(6) is True
    assert parse_schedule("on request").runs_on(0) is None


def test_vehicle_classes_are_ordered_and_empty_means_no_limit():
    assert VEHICLES == ("foot", "moto", "4x4", "light_truck", "truck_20ft", "heavy_truck")
    assert vehicle_fits("truck_20ft", None) and vehicle_fits("4x4", "truck_20ft")
    assert not vehicle_fits("heavy_truck", "truck_20ft") and not vehicle_fits("light_truck", "4x4")
    assert "helipad" in REGISTRY["ports"].vocabulary("kind")
    assert REGISTRY["roads"].vocabulary("max_vehicle") == VEHICLES
    assert REGISTRY["checkpoints"].vocabulary("kind") == ("police", "gang", "toll")


def test_connections_are_validated_column_by_column():
    good = validate_layer(frame([connection(schedule="mon,thu 07:00")], [SEA_LINE]), REGISTRY["connections"],
                          source="t.geojson")
    assert good["schedule"].iloc[0] == "Mon,Thu 07:00" and good["capacity_t"].iloc[0] == 120.0
    bad = frame([connection(id="a", mode="rail"), connection(id="b", schedule="often"),
                 connection(id="c", capacity_t=-3), connection(id="d", duration_s=10),
                 connection(id="e", vehicles="maybe")], [SEA_LINE] * 5)
    with pytest.raises(DataValidationError) as caught:
        validate_layer(bad, REGISTRY["connections"], source="t.geojson")
    text = "\n".join(caught.value.problems)
    assert "feature 'a': mode must be one of sea, air" in text
    assert "feature 'b': schedule day 'often'" in text
    assert "feature 'c': capacity_t must be a number from 0" in text
    assert "feature 'd': duration_s must be a whole number from 60" in text
    assert "feature 'e': vehicles must be true or false" in text


def test_checkpoints_are_validated_column_by_column():
    spec = REGISTRY["checkpoints"]
    row = {"id": "cp-t", **common(), "status": "active", "kind": "gang", "group": "G", "fee": 500, "currency": "HTG"}
    assert validate_layer(frame([row], [[(-72.26, 18.54)]]), spec, source="t")["fee"].iloc[0] == 500.0
    bad = frame([{**row, "id": "a", "kind": "army"}, {**row, "id": "b", "currency": "EUR"},
                 {**row, "id": "c", "fee": -1}, {**row, "id": "d", "status": "open"}], [[(-72.26, 18.54)]] * 4)
    with pytest.raises(DataValidationError) as caught:
        validate_layer(bad, spec, source="t")
    text = "\n".join(caught.value.problems)
    for expected in ("'a': kind must be one of police, gang, toll", "'b': currency must be one of HTG, USD",
                     "'c': fee must be a number from 0", "'d': status must be one of active, lifted"):
        assert expected in text


# -- across layers ------------------------------------------------------------------------------------------
def test_connections_must_join_existing_ports_of_a_fitting_kind_near_their_ends(app):
    layers = dict(app.extensions["geoapp"].dataset.layers)
    rows = [connection(id="ok"), connection(id="ghost", to_port="pt-atlantis"),
            connection(id="plane", mode="air"),
            connection(id="far", to_port="pt-jeremie"),
            connection(id="loop", to_port="pt-jacmel-seaport")]
    lines = [SEA_LINE, SEA_LINE, SEA_LINE, SEA_LINE, [JACMEL, (-72.6, 18.2), JACMEL]]
    layers["connections"] = frame(rows, lines)
    problems = {(p.feature_id, p.field): p.message for p in link_problems(layers, metric_crs=METRIC)}
    assert not any(fid == "ok" for fid, _ in problems)
    assert problems[("ghost", "to_port")] == "to_port 'pt-atlantis' is not the id of a feature of the ports layer"
    assert "a air connection joins airports or helipads; from_port 'pt-jacmel-seaport' is a seaport" in \
        problems[("plane", "from_port")]
    assert problems[("far", "geometry")].startswith("the line ends 65.1 km") and "from 'pt-jeremie'" in \
        problems[("far", "geometry")] and "within 2 km" in problems[("far", "geometry")]
    assert problems[("loop", "to_port")] == "from_port and to_port are the same port ('pt-jacmel-seaport')"
    with pytest.raises(DataValidationError, match="connections: feature 'ghost'"):
        check_links(layers, metric_crs=METRIC)


def test_checkpoints_must_lie_near_a_road_and_are_snapped_to_it(app):
    data = app.extensions["geoapp"].dataset
    snapped = data.layers["checkpoints"].set_index("id")
    assert snapped.loc["cp-martissant-rn2", "road_id"] == "rd-rn2-portail-martissant"
    assert 0 <= snapped.loc["cp-martissant-rn2", "road_distance_m"] <= 500
    layers = {**data.layers, "checkpoints": frame(
        [{"id": "cp-far", **common(), "status": "active", "kind": "gang", "group": None, "fee": None,
          "currency": None}], [[(-72.20, 18.40)]])}
    (problem,) = link_problems(layers, metric_crs=METRIC)
    assert problem.field == "geometry" and "lies 6.4 km" in problem.message and "km from the nearest road" in \
        problem.message and "within 500 m of a road" in problem.message


def test_the_validate_command_names_a_connection_to_an_unknown_port(data_dir):
    def break_it(features):
        features[0]["properties"]["to_port"] = "pt-nowhere"

    edit_features(data_dir / "connections.geojson", break_it)
    result = CliRunner().invoke(main, ["validate", "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert "to_port 'pt-nowhere' is not the id of a feature of the ports layer" in result.output


def test_an_import_of_checkpoints_off_the_roads_is_refused_and_stores_nothing(tmp_path, data_dir):
    bad = tmp_path / "checkpoints.geojson"
    shutil.copy(data_dir / "checkpoints.geojson", bad)
    edit_features(bad, lambda fs: fs[0]["geometry"].update(coordinates=[-72.20, 18.40]))
    env = {"GEOAPP_INSTANCE_PATH": str(tmp_path / "instance"), "GEOAPP_DATA_DIR": str(data_dir)}
    result = CliRunner().invoke(main, ["import", "checkpoints", str(bad)], env=env)
    assert result.exit_code == 1 and "km from the nearest road" in result.output
    assert "checkpoints left as it was" in result.output


# -- edits over the OGC API -----------------------------------------------------------------------------------
@pytest.fixture()
def editing(make_app, tmp_path, test_data_dir):
    app = make_app({"instance_path": tmp_path / "instance", "data_dir": test_data_dir, "reload_check_s": 0.2})
    token = app.extensions["geoapp"].store.create_token("ed", "editor")
    return app, app.test_client(), {"Authorization": f"Bearer {token}", "X-Change-Reason": "field report"}


def feature(props: dict, coords) -> dict:
    geometry = {"type": "LineString", "coordinates": coords} if isinstance(coords[0], (list, tuple)) else \
        {"type": "Point", "coordinates": coords}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def test_edits_check_ports_and_roads_and_land_in_the_history(editing):
    app, client, h = editing
    url = "/ogcapi/collections/connections/items"
    props = {k: v for k, v in connection().items() if k != "id"}
    unknown = client.post(url, json=feature({**props, "to_port": "pt-atlantis"}, SEA_LINE), headers=h)
    assert unknown.status_code == 400 and unknown.json["error"]["field"] == "to_port"
    assert "'pt-atlantis' is not the id of a feature of the ports layer" in unknown.json["error"]["message"]
    air = client.post(url, json=feature({**props, "mode": "air"}, SEA_LINE), headers=h)
    assert air.status_code == 400 and "is a seaport" in air.json["error"]["message"]
    created = client.post(url, json=feature(props, SEA_LINE), headers=h)
    assert created.status_code == 201, created.json
    fid = created.json["id"]
    assert fid.startswith("cn-") and created.json["properties"]["schedule"] == "Mon,Thu 07:00"
    history = client.get(f"{url}/{fid}/history").json["changes"]
    assert history[-1]["action"] == "create" and history[-1]["reason"] == "field report"

    far = client.post("/ogcapi/collections/checkpoints/items", headers=h, json=feature(
        {**common(), "status": "active", "kind": "gang", "fee": 2500, "currency": "HTG"}, [-72.20, 18.40]))
    assert far.status_code == 400 and far.json["error"]["field"] == "geometry"
    assert "from the nearest road" in far.json["error"]["message"]

    # a port a connection uses cannot go away under it, even right after the connection was made
    port = client.get("/ogcapi/collections/ports/items/pt-jacmel-seaport")
    gone = client.delete("/ogcapi/collections/ports/items/pt-jacmel-seaport",
                         headers={**h, "If-Match": port.headers["ETag"]})
    assert gone.status_code == 409 and fid in gone.json["error"]["message"]
    assert client.get("/ogcapi/collections/ports/items/pt-jacmel-seaport").status_code == 200


def test_a_used_port_may_change_status_but_not_its_kind(editing):
    """Only a move, a port's kind or a deletion can break a connection; other edits skip that check."""
    app, client, h = editing
    props = {k: v for k, v in connection().items() if k != "id"}
    fid = client.post("/ogcapi/collections/connections/items", json=feature(props, SEA_LINE), headers=h).json["id"]
    url = "/ogcapi/collections/ports/items/pt-jacmel-seaport"
    patch = {**h, "Content-Type": "application/merge-patch+json"}
    status = client.patch(url, json={"properties": {"status": "restricted"}},
                          headers={**patch, "If-Match": client.get(url).headers["ETag"]})
    assert status.status_code == 200, status.json
    kind = client.patch(url, json={"properties": {"kind": "airport"}},
                        headers={**patch, "If-Match": client.get(url).headers["ETag"]})
    assert kind.status_code == 409 and fid in kind.json["error"]["message"]
    assert client.get(url).json["properties"]["kind"] == "seaport"


def test_a_new_checkpoint_is_served_with_its_road(editing):
    app, client, h = editing
    created = client.post("/ogcapi/collections/checkpoints/items", headers=h, json=feature(
        {**common(), "status": "active", "kind": "toll", "fee": 5, "currency": "USD"}, [-72.2627, 18.5407]))
    assert created.status_code == 201, created.json
    fid = created.json["id"]
    for _ in range(100):  # the data is rebuilt in the background after the commit
        item = client.get(f"/ogcapi/collections/checkpoints/items/{fid}").json
        if item["properties"].get("road_id"):
            break
        time.sleep(0.05)
    assert item["properties"]["road_id"] == "rd-freres" and item["properties"]["road_distance_m"] < 50


# -- downloads, catalogue, maps -------------------------------------------------------------------------------
def test_the_new_layers_download_as_geojson_csv_and_geopackage(client, tmp_path):
    for name, column in (("connections", "from_port"), ("checkpoints", "road_id")):
        doc = client.get(f"/api/layers/{name}.geojson").json
        assert doc["features"] and column in doc["features"][0]["properties"]
        text = client.get(f"/api/layers/{name}.csv").get_data(as_text=True).lstrip("\ufeff")
        table = pd.read_csv(io.StringIO(text), skiprows=[1])
        assert column in table.columns and len(table) == len(doc["features"])
        assert "#loc+code+origin" in text.splitlines()[1] if name == "connections" else "#meta+road+id" in text
        gpkg = tmp_path / f"{name}.gpkg"
        gpkg.write_bytes(client.get(f"/api/layers/{name}.gpkg").get_data())
        read = pyogrio.read_dataframe(gpkg)
        assert len(read) == len(doc["features"])
    catalogue = {layer["name"]: layer for layer in client.get("/api/layers").json["layers"]}
    assert {"road_id", "road_distance_m"} <= set(catalogue["checkpoints"]["columns"])
    assert catalogue["connections"]["as_of"] and catalogue["connections"]["freshness"]
    queryables = client.get("/ogcapi/collections/connections/queryables").json["properties"]
    assert queryables["mode"]["enum"] == ["sea", "air"] and queryables["capacity_t"]["type"] == "number"
    assert "'on request'" in queryables["schedule"]["description"]
    air = client.get("/ogcapi/collections/connections/items?mode=air").json["features"]
    assert air and all(f["properties"]["mode"] == "air" for f in air)


def test_the_overview_draws_connections_and_checkpoints_with_legend_and_popups(app):
    layers = app.extensions["geoapp"].dataset.layers
    m = overview_map(layers, assets=ASSETS, panel_html="")
    children = {c.layer_name: c for c in m._children.values() if hasattr(c, "style_function")}
    legs = children["Sea and air connections"]
    sea = next(f for f in legs.data["features"] if f["properties"]["mode"] == "sea")
    air = next(f for f in legs.data["features"] if f["properties"]["mode"] == "air")
    assert legs.style_function(sea)["dashArray"] != legs.style_function(air)["dashArray"]
    checkpoints = children["Checkpoints and illegal tolls"]
    html = m.get_root().render()
    for field in ("operator", "schedule", "from_port", "to_port", "capacity_t", "vehicles", "fee", "currency",
                  "road_id"):
        assert f'"{field}"' in html
    assert "Sea and air connections" in html and "Checkpoints and illegal tolls" in html
    assert "Kind of checkpoint (outline)" in html and "airport, helipad" in html
    assert checkpoints.style_function(checkpoints.data["features"][0])["fillColor"]


def test_the_overview_page_and_its_layer_choice_take_the_new_layers(client):
    page = client.get("/?layers=connections,checkpoints")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Sea and air connections" in text and "UNHAS helicopter" in text


# -- OSM: vehicle classes and seasons -------------------------------------------------------------------------
@pytest.mark.parametrize(("tags", "expected"), [
    ({"highway": "primary"}, None),
    ({"highway": "track"}, "4x4"),
    ({"highway": "track", "tracktype": "grade1"}, "truck_20ft"),
    ({"highway": "track", "tracktype": "grade2"}, "light_truck"),
    ({"highway": "track", "tracktype": "grade5"}, "moto"),
    ({"highway": "unclassified", "surface": "dirt"}, "light_truck"),
    ({"highway": "unclassified", "surface": "mud"}, "4x4"),
    ({"highway": "secondary", "smoothness": "very_bad"}, "4x4"),
    ({"highway": "secondary", "smoothness": "very_horrible"}, "moto"),
    ({"highway": "secondary", "4wd_only": "yes"}, "4x4"),
    ({"highway": "primary", "maxweight": "10"}, "light_truck"),
    ({"highway": "primary", "maxweight": "30 t"}, "truck_20ft"),
    ({"highway": "primary", "maxweight": "3500 kg"}, "4x4"),
    ({"highway": "primary", "maxwidth": "2.4"}, "light_truck"),
    ({"highway": "primary", "maxwidth": "7'6\""}, "4x4"),
    ({"highway": "primary", "hgv": "no"}, "4x4"),
    ({"highway": "path"}, "foot"),
    ({"highway": "path", "motorcycle": "yes"}, "moto"),
    ({"highway": "residential", "motor_vehicle": "no"}, "foot"),
    ({"highway": "track", "tracktype": "grade1", "maxweight": "5"}, "4x4"),
])
def test_osm_tags_give_the_largest_vehicle_class(tags, expected):
    assert vehicle_limit(tags) == expected


def test_osm_seasonal_roads_are_dry_season_only():
    assert road_season({"highway": "track", "seasonal": "yes"}) == "dry_season_only"
    assert road_season({"highway": "track", "seasonal": "dry_season"}) == "dry_season_only"
    assert road_season({"highway": "track", "seasonal": "no"}) is None
    assert road_season({"highway": "track"}) is None


#: ways along one line, each carrying tags that limit vehicles or seasons, and the class and season they give
OSM_VEHICLE_WAYS = [
    ({"highway": "primary", "ref": "RN2"}, None, None),
    ({"highway": "track", "tracktype": "grade3", "seasonal": "yes"}, "4x4", "dry_season_only"),
    ({"highway": "secondary", "maxweight": "12", "bridge": "yes"}, "light_truck", None),
    ({"highway": "unclassified", "maxwidth": "2.1 m"}, "4x4", None),
    ({"highway": "track", "tracktype": "grade1"}, "truck_20ft", None),
    ({"highway": "track", "tracktype": "grade5", "seasonal": "dry_season"}, "moto", "dry_season_only"),
    ({"highway": "tertiary", "surface": "dirt"}, "light_truck", None),
    ({"highway": "tertiary", "surface": "mud", "seasonal": "no"}, "4x4", None),
    ({"highway": "secondary", "smoothness": "very_bad"}, "4x4", None),
    ({"highway": "secondary", "smoothness": "very_horrible"}, "moto", None),
    ({"highway": "unclassified", "4wd_only": "yes"}, "4x4", None),
    ({"highway": "primary", "maxweight": "3500 kg"}, "4x4", None),
    ({"highway": "primary", "maxwidth": "7'6\""}, "4x4", None),
    ({"highway": "track", "tracktype": "grade1", "maxweight": "5"}, "4x4", None),
]


@pytest.mark.parametrize("name", ["vehicles.osm", "vehicles.osm.pbf"])
def test_an_osm_import_carries_vehicle_classes_and_seasons(tmp_path, name):
    """From OSM XML and from PBF alike (the PBF written by pyosmium, as extracts are downloaded)."""
    nodes = {i + 1: (OSM_X0 + i * OSM_STEP, OSM_Y0) for i in range(len(OSM_VEHICLE_WAYS) + 1)}
    ways = [(k + 1, [k + 1, k + 2], tags) for k, (tags, _, _) in enumerate(OSM_VEHICLE_WAYS)]
    path = write_osm(tmp_path / name, nodes, ways)
    roads, counts = read_osm_roads(path)
    assert counts["drivable_ways"] == len(OSM_VEHICLE_WAYS) and len(roads) == len(OSM_VEHICLE_WAYS)
    by_way = {fid.split("-")[1]: row for fid, row in zip(roads["id"], roads.itertuples(), strict=True)}
    for k, (tags, vehicle, season) in enumerate(OSM_VEHICLE_WAYS):
        row = by_way[f"w{k + 1}"]
        got = (None if pd.isna(row.max_vehicle) else row.max_vehicle, None if pd.isna(row.season) else row.season)
        assert got == (vehicle, season), tags
    assert set(roads["as_of"]) == {"2025-06-01"} and name in roads["source"].iloc[0]
    validated = validate_layer(roads, REGISTRY["roads"], source=name)
    assert [None if pd.isna(v) else v for v in validated["max_vehicle"]] == [v for _, v, _ in OSM_VEHICLE_WAYS]
    assert json.loads(validated.to_json())["features"][0]["properties"]["max_vehicle"] is None


def test_osm_xml_and_pbf_give_the_same_roads(tmp_path):
    nodes = {i + 1: (OSM_X0 + i * OSM_STEP, OSM_Y0) for i in range(len(OSM_VEHICLE_WAYS) + 1)}
    ways = [(k + 1, [k + 1, k + 2], tags) for k, (tags, _, _) in enumerate(OSM_VEHICLE_WAYS)]
    xml, _ = read_osm_roads(write_osm(tmp_path / "same.osm", nodes, ways))
    pbf, _ = read_osm_roads(write_osm(tmp_path / "same.osm.pbf", nodes, ways))
    columns = [c for c in xml.columns if c != "source"]
    pd.testing.assert_frame_equal(pd.DataFrame(xml[columns]), pd.DataFrame(pbf[columns]))


def test_a_store_made_before_the_new_layers_and_road_columns_is_upgraded(tmp_path, test_data_dir):
    import sqlite3

    from geoapp.settings import Settings
    from geoapp.store import make_store

    settings = Settings.from_env(overrides={"instance_path": str(tmp_path), "data_dir": str(test_data_dir)})
    make_store(settings)
    with sqlite3.connect(next(tmp_path.glob("*.gpkg"))) as con:  # as a store of the release before was
        con.execute('ALTER TABLE roads DROP COLUMN "max_vehicle"')
        con.execute('ALTER TABLE roads DROP COLUMN "season"')
        for name in ("connections", "checkpoints"):
            con.execute(f"DROP TABLE {name}")
            con.execute("DELETE FROM audit_log WHERE layer = ?", (name,))
    layers = make_store(settings).load()
    assert layers["roads"]["max_vehicle"].isna().all() and layers["roads"]["season"].isna().all()
    assert len(layers["connections"]) == 10 and len(layers["checkpoints"]) == 6


def test_an_osm_import_that_leaves_checkpoints_off_the_roads_says_which(tmp_path, test_data_dir):
    from .helpers import osm_grid_file

    env = {"GEOAPP_INSTANCE_PATH": str(tmp_path / "instance"), "GEOAPP_DATA_DIR": str(test_data_dir)}
    result = CliRunner().invoke(main, ["import-osm", str(osm_grid_file(tmp_path / "grid.osm"))], env=env)
    assert result.exit_code == 0, result.output
    assert "check: checkpoints: feature 'cp-martissant-rn2': the checkpoint lies" in result.output
    assert "'geoapp validate' reports it until then" in result.output
    assert "roads layer replaced" in result.output
