"""Us vs Valhalla vs OSRM on one network, the same pairs and the same zones, in one run (``make bench-peers``).

The problem, the same for every engine: the shortest path by length between two nodes of the
network that enters no zone.  The network (the synthetic >= 250k-node street grid, or an OSM extract
with ``--osm``) is written as an OSM PBF both peers build from: coordinates rounded to 1e-6 degree
(what OSRM keeps), a junction wherever ways share a node, ``oneway=yes`` where our roads are one-way.
- us: the project's Router in ``avoid`` mode with only the zones (all ``controlled``, no road
  statuses, no incidents, no nearness penalty: cost = length, inf for an edge entering a zone by
  more than ``safety.CONTROLLED_TOLERANCE_M``); timed as a whole lookup (snap, search, geometry,
  exposure), after the background cost bounds, as a serving process answers; the search alone too.
- Valhalla: ``auto`` costing with ``shortest: true`` and the zones as ``exclude_polygons``.
- OSRM (weight = distance, bench/peers_distance.lua): CH and MLD with no exclusion ("open"; CH only
  when ``osrm-contract`` finishes within ``--ch-timeout``); MLD with every segment touching a zone
  closed (speed 0) and ``osrm-customize`` re-run on a copy ("closed").
Lengths: ours are measured in the metric CRS (UTM 18N, within 0.05% of the ellipsoid over Haiti),
OSRM's on a sphere, and Valhalla's reported lengths run about 0.3% long (its edge lengths): every
route is therefore measured with one ruler, its geometry on the WGS 84 ellipsoid, and ours must be
no longer than theirs and agree within ``--tolerance`` (0.1%) + 5 m.  Answers are checked, not only
timed: no route of ours or Valhalla's runs more than 1 m inside a zone; our costs equal scipy's
plain Dijkstra on the same arc costs (``--check-pairs``); where Valhalla (or OSRM with closures)
finds a route we find one of the same length; OSRM answers whose ends it moved more than 5 m off
the node asked (snapped away from a node the closures cut off) are counted.

The peers run in a Python 3.12 environment (``.venv-peers``, made by ``make bench-peers`` from
requirements/peers.txt) through bench/peers_engines.py; their builds are cached under
bench/cache/, keyed by the network.  Results go to bench/results/peers.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyproj
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peers_checks import crossings, dijkstra_check, length_agreement, summary  # noqa: E402
from geoapp.network.routing import RoadNetwork, Router  # noqa: E402
from geoapp.safety import RiskWeights  # noqa: E402
from geoapp.settings import Settings  # noqa: E402
from tests.synthetic import capital_of, neighbourhood_zones, synthetic_roads  # noqa: E402

TODAY = dt.date(2026, 1, 1)
PEERS = ("ours", "valhalla", "osrm_mld_closed", "osrm_mld_open", "osrm_ch")


def bench_roads(nodes: int, osm: Path | None):
    """The roads of the run, all open, lengths as drawn, coordinates on the 1e-6 degree grid."""
    if osm is not None:
        from geoapp.io.osm import read_osm_roads

        roads, _ = read_osm_roads(osm)
    else:
        roads = synthetic_roads(max(int(round(math.sqrt(nodes))), 4))
    coords, line_of = shapely.get_coordinates(roads.geometry.values, return_index=True)
    lines = shapely.linestrings(np.round(coords, 6), indices=line_of)
    roads = roads.set_geometry(np.asarray(lines)).set_crs("EPSG:4326", allow_override=True)
    roads = roads[shapely.length(np.asarray(roads.geometry.values)) > 0].reset_index(drop=True)
    roads["status"] = "open"
    roads["geometry_precision"] = "osm"  # lengths are the lines' own (no winding factor)
    return roads


def write_pbf(roads, path: Path) -> dict[str, np.ndarray]:
    """Write the roads as an OSM PBF (one way per road); the nodes and the consecutive node pairs of the ways."""
    import osmium

    coords, line_of = shapely.get_coordinates(roads.geometry.values, return_index=True)
    keys = np.round(coords * 1e6).astype(np.int64)
    unique, node_of = np.unique(keys, axis=0, return_inverse=True)
    node_of = node_of.ravel()
    lon, lat = unique[:, 0] / 1e6, unique[:, 1] / 1e6
    node_id = np.arange(1, len(unique) + 1, dtype=np.int64)
    same_line = line_of[1:] == line_of[:-1]
    step = same_line & (node_of[1:] != node_of[:-1])
    u, v = node_of[:-1][step], node_of[1:][step]
    oneway = roads["oneway"].fillna(False).to_numpy(dtype=bool) if "oneway" in roads else np.zeros(len(roads), bool)
    path.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(path))
    try:
        for i in range(len(unique)):
            writer.add_node(osmium.osm.mutable.Node(id=int(node_id[i]), location=(float(lon[i]), float(lat[i])),
                                                    version=1))
        starts = np.flatnonzero(np.r_[True, ~same_line])
        ends = np.r_[starts[1:], len(node_of)]
        for way, (s, e) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
            ids = node_id[node_of[s:e]]
            ids = ids[np.r_[True, ids[1:] != ids[:-1]]]
            if len(ids) < 2:
                continue
            tags = {"highway": "residential", "maxspeed": "50"}
            if oneway[line_of[s]]:
                tags["oneway"] = "yes"
            writer.add_way(osmium.osm.mutable.Way(id=way + 1, nodes=ids.tolist(), tags=tags, version=1))
    finally:
        writer.close()
    return {"node_id": node_id, "lon": lon, "lat": lat, "u": u, "v": v}


def pick_pairs(network: RoadNetwork, roads, zones, count: int, rng: np.random.Generator, to_lonlat) -> np.ndarray:
    """``count`` node pairs on the main network, 100 m or more from every zone.

    Half across the whole network, half with both ends within 15 km of the capital (trips across
    town, where the zones are).
    """
    g = network.graph
    main = np.zeros(g.n_nodes, bool)
    main[network.u[network.components.main_edge]] = True
    main[network.v[network.components.main_edge]] = True
    xy = g.nodes
    lon, lat = to_lonlat.transform(xy[:, 0], xy[:, 1])
    on_grid = (np.abs(np.round(np.asarray(lon), 6) - lon) < 1e-8) & (np.abs(np.round(np.asarray(lat), 6) - lat) < 1e-8)
    metric_zones = shapely.union_all(np.asarray(zones.to_crs(g.edges.crs).geometry.values))
    far = shapely.distance(metric_zones, shapely.points(xy)) > 100.0
    ok = np.flatnonzero(main & on_grid & far)
    if len(ok) < 2:
        raise SystemExit("no two nodes of the main network lie 100 m or more from every zone: fewer zones (--zones)")
    cap = np.array(to_lonlat.transform(*capital_of(roads), direction="INVERSE"))
    near = ok[np.hypot(*(xy[ok] - cap).T) < 15_000]
    half = count // 2
    pairs = np.r_[rng.choice(ok, (count - half, 2)), rng.choice(near if len(near) > 1 else ok, (half, 2))]
    return pairs[pairs[:, 0] != pairs[:, 1]]


def ours(network: RoadNetwork, roads, zones, pairs: np.ndarray) -> dict:
    """Re-weight for these zones, answer the first pair, then every pair as a whole lookup."""
    xy = network.graph.nodes
    points = shapely.points(xy)
    start = time.perf_counter()
    router = Router(network, roads, zones, weights=RiskWeights(near_controlled=0.0), today=TODAY)
    reweight_s = time.perf_counter() - start
    router.route(router.snap(points[pairs[0, 0]]), router.snap(points[pairs[0, 1]]), "avoid")
    change_s = time.perf_counter() - start
    t = time.perf_counter()
    router.tighten()
    tighten_s = time.perf_counter() - t
    out: dict = {"ms": [], "found": [], "length_m": [], "geometry": [], "engine_ms": [],
                 "reweight_s": round(reweight_s, 3), "change_to_answer_s": round(change_s, 3),
                 "tighten_s": round(tighten_s, 2)}
    engine = router.engines["avoid"]
    for a, b in pairs:
        t = time.perf_counter()
        route = router.route(router.snap(points[a]), router.snap(points[b]), "avoid")
        out["ms"].append((time.perf_counter() - t) * 1000)
        out["found"].append(route is not None)
        out["length_m"].append(None if route is None else route.distance_m)
        out["geometry"].append(None if route is None else route.geometry)
        t = time.perf_counter()
        engine.shortest({int(a): 0.0}, {int(b): 0.0})
        out["engine_ms"].append((time.perf_counter() - t) * 1000)
    out["router"] = router
    return out


def run_peers(python: Path, work: Path) -> dict:
    if not python.exists():
        raise SystemExit(f"no peers environment at {python}: run `make bench-peers` (it needs python3.12)")
    done = subprocess.run([str(python), str(ROOT / "bench" / "peers_engines.py"), str(work)], text=True)
    if done.returncode != 0:
        raise SystemExit("bench/peers_engines.py failed (see above)")
    return json.loads((work / "answers.json").read_text())


def network_run(label: str, roads, args, rng: np.random.Generator, settings: Settings) -> dict:
    zones_all = neighbourhood_zones(roads, count=max(args.zones), seed=args.seed)
    args.cache.mkdir(parents=True, exist_ok=True)
    tmp_pbf = args.cache / f"{label}.tmp.osm.pbf"
    start = time.perf_counter()
    segments = write_pbf(roads, tmp_pbf)
    digest = hashlib.sha256()
    for key in sorted(segments):
        digest.update(segments[key].tobytes())
    for f in (ROOT / "requirements" / "peers.txt", ROOT / "bench" / "peers_distance.lua"):
        digest.update(f.read_bytes())
    work = args.cache / f"peers-{digest.hexdigest()[:16]}"
    work.mkdir(exist_ok=True)
    pbf = work / "net.osm.pbf"
    tmp_pbf.replace(pbf)
    np.savez(work / "segments.npz", **segments)
    print(f"== {label}: {len(segments['node_id']):,} OSM nodes, {len(roads):,} ways written as {pbf.name} in "
          f"{time.perf_counter() - start:.0f} s (cache {work.name})", flush=True)
    network = RoadNetwork(roads, metric_crs=settings.metric_crs, max_edge_m=500.0, speeds_kmh=settings.speeds_kmh())
    to_lonlat = pyproj.Transformer.from_crs(settings.metric_crs, "EPSG:4326", always_xy=True)
    pairs = pick_pairs(network, roads, zones_all, args.pairs, rng, to_lonlat)
    lon, lat = to_lonlat.transform(*network.graph.nodes[pairs.ravel()].T)
    lonlat = np.round(np.c_[lon, lat], 6).reshape(-1, 4)
    zone_sets = {str(k): zones_all.iloc[:k].reset_index(drop=True) for k in args.zones}
    rings = {k: [np.round(shapely.get_coordinates(g.exterior), 6).tolist() for g in z.geometry] for k, z in
             zone_sets.items()}
    (work / "job.json").write_text(json.dumps({"pbf": str(pbf), "pairs": lonlat.tolist(), "zones": rings,
                                                  "ch_timeout_s": args.ch_timeout}))
    if args.write_only:
        for k, zones in zone_sets.items():
            zones.to_file(work / f"zones-{k}.geojson", driver="GeoJSON")
        print(f"   network, pairs (job.json) and zones (zones-N.geojson) written to {work}")
        return {"nodes": network.graph.n_nodes, "osm_nodes": len(segments["node_id"]), "pairs": len(pairs),
                "written_to": str(work)}
    print(f"   {network.graph.n_nodes:,} graph nodes, {len(pairs)} pairs; peers: building (cached) and querying",
          flush=True)
    peers = run_peers(args.peers_python, work)
    out: dict = {"nodes": network.graph.n_nodes, "osm_nodes": len(segments["node_id"]), "pairs": len(pairs),
                 "pairs_drawn": "half across the network, half with both ends within 15 km of the capital",
                 "builds": {"valhalla": peers["valhalla_build"], "osrm": peers["osrm_build"],
                            "osrm_ch": peers["osrm_ch_build"]}, "zones": {}}
    warm = Router(network, roads, zones_all.iloc[:0], weights=RiskWeights(near_controlled=0.0), today=TODAY)
    warm.route(warm.snap(shapely.Point(network.graph.nodes[pairs[0, 0]])),  # compile the search, as a server has
               warm.snap(shapely.Point(network.graph.nodes[pairs[0, 1]])), "avoid")
    for k, zones in zone_sets.items():
        mine = ours(network, roads, zones, pairs)
        router = mine.pop("router")
        metric_zones = np.asarray(zones.to_crs(network.graph.edges.crs).geometry.values)
        answers = dict(peers["zones"][k], ours=mine)
        entry = {name: summary(answers[name]) for name in PEERS if name in answers}
        for name in entry:
            entry[name]["crossings"] = crossings(answers[name], metric_zones, settings.metric_crs)
        if "osrm_ch" not in entry:
            entry["osrm_ch"] = {"not_built": f"osrm-contract did not finish within {args.ch_timeout:g} s"}
        entry["ours"].update({key: mine[key] for key in ("reweight_s", "tighten_s", "change_to_answer_s")})
        entry["ours"]["engine_p50_ms"] = round(float(np.percentile(mine["engine_ms"], 50)), 3)
        closed = answers["osrm_mld_closed"]
        entry["osrm_mld_closed"].update({key: closed[key] for key in (
            "closed_segments", "closure_file_s", "copy_s", "customise_s", "load_s", "change_to_answer_s")})
        entry["checks"] = {
            "dijkstra_same_costs": dijkstra_check(router, pairs[: args.check_pairs]),
            "vs_valhalla": length_agreement(mine, answers["valhalla"], args.tolerance, settings.metric_crs),
            "vs_osrm_mld_closed": length_agreement(mine, closed, args.tolerance, settings.metric_crs),
        }
        out["zones"][k] = entry
        print_zone(k, entry)
    middle = "50" if "50" in out["zones"] else next(iter(out["zones"]))
    out["ours_change_to_answer_s"] = out["zones"][middle]["ours"]["change_to_answer_s"]
    out["targets"] = targets(out["zones"][middle], middle)
    for line in out["targets"]["lines"]:
        print(line)
    return out


def print_zone(k: str, entry: dict) -> None:
    print(f"-- {k} zones")
    for name in PEERS:
        e = entry[name]
        if "not_built" in e:
            print(f"   {name:16s} {e['not_built']}")
            continue
        print(f"   {name:16s} p50 {e['p50_ms']:8.2f} ms  p90 {e['p90_ms']:8.2f}  p99 {e['p99_ms']:8.2f}  "
              f"no route {e['fail']:4d}  crossings {e['crossings']}"
              + (f"  ends moved > 5 m {e['ends_moved']}" if "ends_moved" in e else ""))
    o, c = entry["ours"], entry["osrm_mld_closed"]
    print(f"   zones changed -> first answer: ours {o['change_to_answer_s']} s (re-weighting {o['reweight_s']} s; "
          f"cost bounds {o['tighten_s']} s more in the background); OSRM {c['change_to_answer_s']} s (closure file "
          f"{c['closure_file_s']} s, copy {c['copy_s']} s, customise {c['customise_s']} s, load {c['load_s']} s); "
          "Valhalla: none (per request)")
    ch = entry["checks"]
    print(f"   checks: Dijkstra same costs {ch['dijkstra_same_costs']}; vs Valhalla {ch['vs_valhalla']}; "
          f"vs OSRM-MLD closed {ch['vs_osrm_mld_closed']}", flush=True)


def targets(entry: dict, k: str) -> dict:
    """The issue's targets, as ratios in this run."""
    ours_p50 = entry["ours"]["p50_ms"]
    vs_valhalla = entry["valhalla"]["p50_ms"] / ours_p50
    vs_mld = ours_p50 / entry["osrm_mld_closed"]["p50_ms"]
    change = entry["osrm_mld_closed"]["change_to_answer_s"] / entry["ours"]["change_to_answer_s"]
    out = {"zones": int(k), "valhalla_p50_over_ours": round(vs_valhalla, 1), "ours_p50_over_osrm_mld": round(vs_mld, 2),
           "osrm_change_over_ours": round(change, 1)}
    out["met"] = {"10x_valhalla": vs_valhalla >= 10, "within_2x_osrm_mld": vs_mld <= 2,
                  "change_faster_than_osrm": change > 1}
    search = entry["ours"]["engine_p50_ms"]
    out["valhalla_p50_over_our_search"] = round(entry["valhalla"]["p50_ms"] / search, 1)
    out["lines"] = [
        f"target p50 at {k} zones >= 10x faster than Valhalla: {vs_valhalla:.1f}x, "
        f"{'met' if out['met']['10x_valhalla'] else 'NOT met'} (whole lookups; our search alone, p50 {search} ms: "
        f"{out['valhalla_p50_over_our_search']}x)",
        f"target p50 within 2x of OSRM-MLD: ours / OSRM = {vs_mld:.2f}, "
        f"{'met' if out['met']['within_2x_osrm_mld'] else 'NOT met'}",
        f"target zone change to first answer faster than OSRM's closure + customise: {change:.1f}x, "
        f"{'met' if out['met']['change_faster_than_osrm'] else 'NOT met'}",
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=250_000, help="synthetic grid size (nodes)")
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--zones", type=lambda s: [int(x) for x in s.split(",")], default=[20, 50, 100],
                        help="zone counts, comma-separated (the first k of one draw: they nest)")
    parser.add_argument("--osm", type=Path, help="also run on this OSM extract (.osm.pbf)")
    parser.add_argument("--check-pairs", type=int, default=10, help="pairs checked against scipy's Dijkstra")
    parser.add_argument("--tolerance", type=float, default=0.001, help="relative length tolerance (plus 5 m)")
    parser.add_argument("--ch-timeout", type=float, default=120.0,
                        help="seconds osrm-contract (CH) may take; beyond, osrm_ch is reported as not built")
    parser.add_argument("--write-only", action="store_true",
                        help="write the network (PBF), pairs and zones (GeoJSON) under --cache, and stop")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peers-python", type=Path, default=ROOT / ".venv-peers" / "bin" / "python")
    parser.add_argument("--cache", type=Path, default=ROOT / "bench" / "cache")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "peers.json")
    args = parser.parse_args(argv)
    settings = Settings()
    rng = np.random.default_rng(args.seed)
    load_start = os.getloadavg()[0]
    roads = bench_roads(args.nodes, None)
    results = network_run("synthetic", roads, args, rng, settings)
    if args.osm:
        results["osm"] = network_run(args.osm.name.split(".")[0], bench_roads(0, args.osm), args, rng, settings)
    # the machine is shared: its load says how much the absolute figures may be off (ratios hold better)
    results["machine"] = {"cpus": os.cpu_count(), "load_avg_1m_start": round(load_start, 2),
                          "load_avg_1m_end": round(os.getloadavg()[0], 2)}
    if args.write_only:
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"results written to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
