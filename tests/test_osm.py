"""Importing an OSM extract: reading, splitting at junctions, carrying statuses, storing all-or-nothing."""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pytest
from click.testing import CliRunner
from shapely.geometry import LineString

from geoapp import create_app
from geoapp.cli import main
from geoapp.conflate import carry_statuses
from geoapp.errors import DataValidationError
from geoapp.osm import parse_maxspeed, read_osm_roads

from .helpers import OSM_STEP, OSM_X0, OSM_Y0, common, osm_grid_file


@pytest.fixture()
def osm_file(tmp_path):
    return osm_grid_file(tmp_path / "leogane.osm")


def test_reads_drivable_ways_split_at_junctions(osm_file):
    roads, counts = read_osm_roads(osm_file)
    assert counts["drivable_ways"] == 9  # 4 rows, 4 columns, 1 track; footway, driveway, private left out
    assert len(roads) == 4 * 3 + 4 * 3 + 1
    assert roads["id"].is_unique and roads["id"].str.startswith("osm-w").all()
    rn2 = roads[roads["ref"] == "RN2"]
    assert len(rn2) == 3 and (rn2["road_class"] == "primary").all() and (rn2["speed_kmh"] == 50).all()
    assert np.allclose(roads.loc[roads["id"].str.startswith("osm-w1001-"), "speed_kmh"], 48.3)
    assert roads.loc[roads["id"].str.startswith("osm-w2003-"), "oneway"].all()
    track = roads[roads["highway"] == "track"]
    assert (track["status"] == "blocked").all() and "impassable" in track["notes"].iloc[0]
    assert (roads["status"] != "blocked").sum() == len(roads) - 1
    assert set(roads["as_of"]) == {"2025-06-01"}
    assert roads["source"].iloc[0].startswith("OpenStreetMap contributors (ODbL), leogane.osm")
    # every segment runs between junctions: its ends are shared with other segments or are dead ends
    assert all(len(g.coords) == 2 for g in roads.geometry)


def test_maxspeed_parsing():
    assert parse_maxspeed("60") == 60
    assert parse_maxspeed("60 km/h") == 60
    assert parse_maxspeed("20 mph") == pytest.approx(32.2)
    assert parse_maxspeed("HT:urban") is None and parse_maxspeed(None) is None


def test_corrupt_and_empty_files_are_refused(tmp_path):
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><way id='1'><nd ref=")
    with pytest.raises(DataValidationError, match="bad.osm: cannot be read as an OSM file"):
        read_osm_roads(bad)
    empty = tmp_path / "empty.osm"
    empty.write_text("<?xml version='1.0'?><osm version='0.6'></osm>")
    with pytest.raises(DataValidationError, match="empty.osm: holds no drivable road"):
        read_osm_roads(empty)


def reference_layer(*features) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame([common(**f) for f in features], crs="EPSG:4326")


def test_statuses_are_carried_by_geometry_and_unmatched_roads_reported(osm_file):
    roads, _ = read_osm_roads(osm_file)
    north = OSM_Y0 + 0.0009  # about 100 m off the OSM alignment, as hand-drawn lines are
    reference = reference_layer(
        {"id": "hand-rn2", "name": "RN2 hand drawn", "status": "blocked", "ref": "RN2", "road_class": "primary",
         "oneway": False, "geometry": LineString([(OSM_X0 - 0.001, north), (OSM_X0 + 3 * OSM_STEP + 0.001, north)])},
        {"id": "hand-cross", "name": "crossing road", "status": "dangerous", "ref": None, "road_class": "urban",
         "oneway": False, "geometry": LineString([(OSM_X0 + 0.0025, OSM_Y0 - 0.003),
                                                  (OSM_X0 + 0.0025, OSM_Y0 + 0.003)])},
        {"id": "hand-far", "name": "far road", "status": "dangerous", "ref": "RN1", "road_class": "primary",
         "oneway": False, "geometry": LineString([(-72.30, 18.90), (-72.25, 18.95)])},
    )
    out, report = carry_statuses(roads, reference, metric_crs="EPSG:32618", tolerance_m=300)
    rn2 = out[out["ref"] == "RN2"]
    assert (rn2["status"] == "blocked").all()
    assert rn2["notes"].str.contains("hand-rn2").all() and (rn2["as_of"] == "2025-03-01").all()
    # a road crossing at right angles marks nothing; the parallel residential row 550 m away neither
    assert (out.loc[out["ref"] != "RN2", "status"] == roads.loc[roads["ref"] != "RN2", "status"]).all()
    assert report["segments_marked"] == {"dangerous": 0, "blocked": 3}
    unmatched = {r["id"] for r in report["unmatched"]}
    assert unmatched == {"hand-cross", "hand-far"}


def test_a_different_ref_does_not_match(osm_file):
    roads, _ = read_osm_roads(osm_file)
    reference = reference_layer(
        {"id": "hand-rn1", "name": "RN1", "status": "blocked", "ref": "RN1", "road_class": "primary",
         "oneway": False, "geometry": LineString([(OSM_X0, OSM_Y0), (OSM_X0 + 3 * OSM_STEP, OSM_Y0)])},
    )
    out, report = carry_statuses(roads, reference, metric_crs="EPSG:32618")
    assert report["segments_marked"]["blocked"] == 0 and (out["ref"] == "RN2").sum() == 3


def run_cli(args, instance):
    return CliRunner().invoke(main, args, env={"GEOAPP_INSTANCE_PATH": str(instance)})


def test_import_command_stores_the_roads_and_the_app_routes_on_them(osm_file, tmp_path):
    instance = tmp_path / "instance"
    result = run_cli(["import-osm", str(osm_file)], instance)
    assert result.exit_code == 0, result.output
    assert "drivable: 9; segments: 25 (1 marked impassable in OSM)" in result.output
    assert "roads layer replaced: 25 segments" in result.output
    assert "not matched: rd-" in result.output  # the shipped status roads are far from this small extract
    assert (instance / "haiti-access.gpkg").is_file()

    app = create_app({"instance_path": instance})
    roads = app.extensions["geoapp"].dataset.layers["roads"]
    assert len(roads) == 25 and roads["id"].str.startswith("osm-").all()
    body = app.test_client().get("/api/route", query_string={
        "from": f"{OSM_X0},{OSM_Y0}", "to": f"{OSM_X0 + 3 * OSM_STEP},{OSM_Y0 + 3 * OSM_STEP}"}).json
    assert body["verdict"] == "safe"
    assert body["routes"][0]["properties"]["distance_m"] == pytest.approx(6 * OSM_STEP * 107_000, rel=0.1)


def stored_roads(instance):
    from geoapp.settings import Settings
    from geoapp.store import make_store

    return make_store(Settings.from_env({"GEOAPP_INSTANCE_PATH": str(instance)})).load()["roads"]


def test_dry_run_stores_nothing(osm_file, tmp_path):
    result = run_cli(["import-osm", "--dry-run", str(osm_file)], tmp_path / "instance")
    assert result.exit_code == 0 and "dry run: nothing stored" in result.output
    assert len(stored_roads(tmp_path / "instance")) == 70  # still the shipped roads


def test_a_failed_import_leaves_the_current_roads_untouched(osm_file, tmp_path):
    instance = tmp_path / "instance"
    assert run_cli(["import-osm", str(osm_file)], instance).exit_code == 0
    before = stored_roads(instance)
    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all")
    result = run_cli(["import-osm", str(bad)], instance)
    assert result.exit_code == 1
    assert "import failed, roads left as they were" in result.output
    after = stored_roads(instance)
    assert after.equals(before)


def test_a_running_app_swaps_in_new_roads_without_restart(osm_file, tmp_path):
    instance = tmp_path / "instance"
    app = create_app({"instance_path": instance, "reload_check_s": 0})
    service = app.extensions["geoapp"]
    old = service.dataset
    assert run_cli(["import-osm", str(osm_file)], instance).exit_code == 0
    client = app.test_client()
    assert client.get("/healthz").status_code == 200  # answered from the old data while rebuilding
    deadline = time.monotonic() + 60
    while service.dataset is old and time.monotonic() < deadline:
        time.sleep(0.1)
        client.get("/healthz")
    assert service.dataset is not old
    assert client.get("/healthz").json["layers"]["roads"]["features"] == 25
    assert np.isfinite(service.dataset.router.edge_cost["avoid"]).any()
