"""Routing benchmarks on a deterministic synthetic network (and an OSM extract when given).

Every figure is measured in this run, on the same graph and weights, so that ratios against the
baselines (networkx's Dijkstra, pgRouting's pgr_dijkstra when a database is given) hold on any
machine.  Targets (from the project's issue): query p50 <= 10 ms and p99 <= 40 ms, >= 20x
networkx, >= 50x pgRouting, re-weighting after a zone change <= 1 s, access for one hub <= 100 ms.

pgRouting: install PostgreSQL with pgRouting (Debian: ``apt-get install postgresql-15-pgrouting``,
then ``pg_ctlcluster --skip-systemctl-redirect 15 main start``) and pass a connection string with
``--pg-dsn`` or ``GEOAPP_BENCH_PG_DSN`` (e.g. ``postgresql://postgres@/postgres?host=/var/run/postgresql``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pyproj
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoapp.network.access import SiteSnaps, access_by_mode, edge_figures  # noqa: E402
from geoapp.network.exposure import compute_incident_exposure  # noqa: E402
from geoapp.network.legs import LegNetwork, LegRules  # noqa: E402
from geoapp.network.routing import RoadNetwork, Router  # noqa: E402
from geoapp.network.timetable import Timetable  # noqa: E402
from geoapp.safety import RiskWeights  # noqa: E402
from geoapp.settings import Settings  # noqa: E402
from tests.synthetic import synthetic_incidents, synthetic_network  # noqa: E402


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def passable_nodes(router: Router, mode: str) -> np.ndarray:
    topology = router.network.topology
    finite = np.isfinite(router.engines[mode].cost)
    ok = np.zeros(topology.n_nodes, bool)
    ok[topology.tail[finite]] = True
    ok[topology.head[finite]] = True
    return np.flatnonzero(ok)


def query_bench(router: Router, pairs: np.ndarray, mode: str) -> dict:
    engine = router.engines[mode]
    engine.shortest({int(pairs[0, 0]): 0.0}, {int(pairs[0, 1]): 0.0})  # compile / warm the workspace
    times, settled, found = [], [], 0
    for a, b in pairs:
        path, seconds = timed(engine.shortest, {int(a): 0.0}, {int(b): 0.0})
        times.append(seconds)
        settled.append(engine.last_settled)
        found += path is not None
    t = np.array(times)
    return {"pairs": len(pairs), "found": found, "p50_ms": ms(np.percentile(t, 50)),
            "p90_ms": ms(np.percentile(t, 90)), "p99_ms": ms(np.percentile(t, 99)), "mean_ms": ms(t.mean()),
            "median_nodes_settled": int(np.median(settled)), "nodes": router.network.topology.n_nodes}


def multimodal_bench(router: Router, pairs: np.ndarray, mode: str, rng: np.random.Generator, settings,
                     n_connections: int = 50) -> dict:
    """Road + sea/air queries: ``n_connections`` synthetic legs between random port gates, searched with the roads."""
    nodes = passable_nodes(router, mode)
    gates = rng.choice(nodes, 2 * n_connections, replace=False)
    to_lonlat = pyproj.Transformer.from_crs(settings.metric_crs, "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform(*router.graph.nodes[gates].T)
    names = [f"pt-{i}" for i in range(len(gates))]
    ports = gpd.GeoDataFrame({"id": names, "name": names,
                              "kind": "seaport", "status": "operational"},
                             geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    # each connection joins a port in the west half to one in the east half: long legs, which can beat the roads
    by_x = np.argsort(router.graph.nodes[gates][:, 0], kind="stable")
    ends = np.c_[by_x[:n_connections], by_x[n_connections:]]
    metres = np.hypot(*(router.graph.nodes[gates[ends[:, 0]]] - router.graph.nodes[gates[ends[:, 1]]]).T)
    air = np.arange(n_connections) % 2 == 1
    connections = gpd.GeoDataFrame({
        "id": [f"cn-{i}" for i in range(n_connections)], "from_port": [f"pt-{a}" for a in ends[:, 0]],
        "to_port": [f"pt-{b}" for b in ends[:, 1]], "mode": np.where(air, "air", "sea"), "status": "operating",
        # frequent services (a wait of 1-2 h on average), so that many trips take a leg
        "schedule": np.where(air, "daily 07:00,10:00,13:00,16:00", "daily 06:00,08:00,10:00,12:00,14:00,16:00"),
        "operator": "bench",
        "duration_s": metres / np.where(air, 50.0, 4.0), "vehicles": False, "capacity_t": 10.0},
        geometry=[shapely.LineString([(lon[a], lat[a]), (lon[b], lat[b])]) for a, b in ends], crs="EPSG:4326")
    legs, build_s = timed(LegNetwork, router, connections, ports, metric_crs=settings.metric_crs,
                          rules=LegRules.from_settings(settings))
    modes = ("road", "sea", "air")
    _, tighten_s = timed(legs.tighten)
    engine, engine_s = timed(legs.engine, mode, modes)
    engine.shortest({int(pairs[0, 0]): 0.0}, {int(pairs[0, 1]): 0.0})
    # half the pairs at random, half from near one end of a connection to near its other end (within 3 km)
    xy = router.graph.nodes
    near_pairs = []
    for k in rng.integers(0, n_connections, len(pairs) // 2):
        ends_xy = xy[gates[ends[k]]]
        picked = [rng.choice(np.flatnonzero(np.hypot(*(xy[nodes] - e).T) < 3000)) for e in ends_xy]
        near_pairs.append([nodes[picked[0]], nodes[picked[1]]])
    pairs = np.r_[pairs[: len(pairs) - len(near_pairs)], np.array(near_pairs, dtype=np.int64).reshape(-1, 2)]
    times, settled, with_legs = [], [], 0
    for a, b in pairs:
        path, seconds = timed(engine.shortest, {int(a): 0.0}, {int(b): 0.0})
        times.append(seconds)
        settled.append(engine.last_settled)
        with_legs += path is not None and bool((legs.arc_leg[path.arcs] >= 0).any())
    t = np.array(times)
    out = {"connections": n_connections, "pairs": len(pairs), "using_legs": with_legs,
           "build_s": round(build_s, 2), "tighten_s": round(tighten_s, 2), "engine_s": round(engine_s, 3),
           "p50_ms": ms(np.percentile(t, 50)), "p99_ms": ms(np.percentile(t, 99)),
           "median_nodes_settled": int(np.median(settled))}
    out["depart"] = depart_bench(router, legs, engine, pairs, mode, rng)
    return out


def depart_bench(router: Router, legs: LegNetwork, engine, pairs: np.ndarray, mode: str,
                 rng: np.random.Generator) -> dict:
    """The same pairs with a departure time (a Monday, 04:00-20:00): each leg weighed by its actual wait.

    Timed as a trip search with ``depart`` adds to a route answer (which has the road route already):
    the search with average waits (its trip, priced at its actual waits, is one to beat), then the
    timed search for a cheaper trip with legs.
    """
    table, build_s = timed(Timetable, legs)
    _, tighten_s = timed(table.tighten)
    monday = dt.datetime(2025, 3, 3, tzinfo=ZoneInfo("America/Port-au-Prince"))
    table.search(engine, mode, monday, {int(pairs[0, 0]): (0.0, 0.0)}, {int(pairs[0, 1]): 0.0})  # compile

    def trip(a: int, b: int, depart: dt.datetime, road):
        untimed = engine.shortest({a: 0.0}, {b: 0.0})
        found = table.search(engine, mode, depart, {a: (0.0, 0.0)}, {b: 0.0},
                             beat=np.inf if road is None else road.cost, untimed=untimed)
        return found if found is not None and (road is None or found.cost < road.cost) else None  # None: by road

    times, settled, with_legs = [], [], 0
    for (a, b), hour in zip(pairs, rng.uniform(4, 20, len(pairs)), strict=True):
        depart = monday + dt.timedelta(hours=float(hour))
        road = router.engines[mode].shortest({int(a): 0.0}, {int(b): 0.0})  # a route answer has it already
        path, seconds = timed(trip, int(a), int(b), depart, road)
        times.append(seconds)
        settled.append(engine.last_settled)
        with_legs += path is not None and bool((legs.arc_leg[path.arcs] >= 0).any())
    t = np.array(times)
    return {"pairs": len(pairs), "using_legs": with_legs, "build_s": round(build_s, 3),
            "tighten_s": round(tighten_s, 2), "p50_ms": ms(np.percentile(t, 50)), "p99_ms": ms(np.percentile(t, 99)),
            "median_nodes_settled": int(np.median(settled))}


def lookup_bench(router: Router, points: np.ndarray, mode: str) -> dict:
    """Whole lookups from points: snapping, search, geometry and exposure of the answer."""
    times = []
    for a, b in points:
        start = time.perf_counter()
        router.route(router.snap(shapely.Point(a)), router.snap(shapely.Point(b)), mode)
        times.append(time.perf_counter() - start)
    t = np.array(times)
    return {"lookups": len(points), "p50_ms": ms(np.percentile(t, 50)), "p99_ms": ms(np.percentile(t, 99))}


def networkx_bench(router: Router, pairs: np.ndarray, mode: str, engine_pairs_ms: list[float]) -> dict:
    import networkx as nx

    topology = router.network.topology
    cost = router.engines[mode].cost
    finite = np.flatnonzero(np.isfinite(cost))
    graph = nx.DiGraph()
    order = finite[np.argsort(-cost[finite])]  # cheapest parallel arc written last, so it wins
    graph.add_weighted_edges_from(zip(topology.tail[order].tolist(), topology.head[order].tolist(),
                                      cost[order].tolist(), strict=True))
    times, agree = [], 0
    engine = router.engines[mode]
    for a, b in pairs:
        start = time.perf_counter()
        try:
            length = nx.dijkstra_path_length(graph, int(a), int(b))
            nx.dijkstra_path(graph, int(a), int(b))
        except nx.NetworkXNoPath:
            length = np.inf
        times.append(time.perf_counter() - start)
        mine = engine.shortest({int(a): 0.0}, {int(b): 0.0})
        agree += (mine is None and not np.isfinite(length)) or (mine is not None and abs(mine.cost - length) < 1e-6)
    median = statistics.median(times) / 2  # two calls above (length and path): count one
    ours = statistics.median(engine_pairs_ms) / 1000
    return {"pairs": len(pairs), "median_ms": ms(median), "engine_median_ms_same_pairs": ms(ours),
            "speedup": round(median / ours, 1), "same_costs": f"{agree}/{len(pairs)}"}


def pgrouting_bench(router: Router, pairs: np.ndarray, mode: str, dsn: str, engine_pairs_ms: list[float]) -> dict:
    import psycopg

    topology = router.network.topology
    cost = router.engines[mode].cost
    finite = np.flatnonzero(np.isfinite(cost))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgrouting CASCADE")
        conn.execute("DROP TABLE IF EXISTS bench_edges")
        conn.execute("CREATE TABLE bench_edges (id bigint, source bigint, target bigint, cost float8)")
        with conn.cursor().copy("COPY bench_edges (id, source, target, cost) FROM STDIN") as copy:
            for row in zip(finite.tolist(), topology.tail[finite].tolist(), topology.head[finite].tolist(),
                           cost[finite].tolist(), strict=True):
                copy.write_row(row)
        times, agree = [], 0
        engine = router.engines[mode]
        sql = ("SELECT coalesce(max(agg_cost), 'Infinity') FROM pgr_dijkstra("
               "'SELECT id, source, target, cost FROM bench_edges', %s::bigint, %s::bigint, true) WHERE edge = -1")
        for a, b in pairs:
            start = time.perf_counter()
            length = conn.execute(sql, (int(a), int(b))).fetchone()[0]
            times.append(time.perf_counter() - start)
            mine = engine.shortest({int(a): 0.0}, {int(b): 0.0})
            agree += (mine is None and length == float("inf")) or (mine is not None and abs(mine.cost - length) < 1e-3)
        conn.execute("DROP TABLE bench_edges")
    median = statistics.median(times)
    ours = statistics.median(engine_pairs_ms) / 1000
    return {"pairs": len(pairs), "median_ms": ms(median), "speedup": round(median / ours, 1),
            "same_costs": f"{agree}/{len(pairs)}"}


def reweight_bench(network: RoadNetwork, roads, zones, incidents, repeats: int = 3) -> dict:
    """A whole re-weighting (zones, incidents, costs, engines) after a zone change, and the incidents' share."""
    moved = zones.copy()
    moved.loc[0, "geometry"] = shapely.affinity.translate(moved.geometry.iloc[0], 0.01, 0.01)
    moved.loc[1, "status"] = "controlled"
    times = [timed(Router, network, roads, moved if k % 2 == 0 else zones, weights=RiskWeights(),
                   incidents=incidents, today=TODAY)[1] for k in range(repeats)]
    crs = network.graph.edges.crs
    spread = [timed(compute_incident_exposure, network.edge_geoms, network.tree, incidents, crs=crs,
                    weights=RiskWeights(), today=TODAY, segments=network.segments)[1] for _ in range(repeats)]
    return {"repeats": repeats, "median_ms": ms(statistics.median(times)), "max_ms": ms(max(times)),
            "incidents": len(incidents), "incidents_median_ms": ms(statistics.median(spread))}


def access_bench(router: Router, rng: np.random.Generator, n_sites: int, repeats: int = 11) -> dict:
    xy = router.network.topology.xy
    jitter = rng.normal(0, 150, (n_sites, 2))
    points = shapely.points(xy[rng.integers(0, len(xy), n_sites)] + jitter)
    snaps = SiteSnaps.of(router, points)
    x = router.exposure
    figures = edge_figures(router, router.edge_status, x.inside_by_status, x.near_controlled_m,
                           router.incident_caution)
    hubs = passable_nodes(router, "avoid")
    warm = router.snap(shapely.Point(xy[hubs[0]]))
    access_by_mode(router, router.engines, router.edge_cost, figures, warm, snaps)  # compile before timing
    times, cpu, unsafe = [], [], []
    for _ in range(repeats):
        hub = router.snap(shapely.Point(xy[rng.choice(hubs)]))
        start, start_cpu = time.perf_counter(), time.thread_time()
        found = access_by_mode(router, router.engines, router.edge_cost, figures, hub, snaps)  # as /api/access does
        times.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - start_cpu)
        unsafe.append(int((~np.isfinite(found["avoid"][0])).sum()))
    # CPU time of this thread too: on a shared machine the wall-clock figure counts other programs' turns
    return {"sites": n_sites, "repeats": repeats, "median_ms": ms(statistics.median(times)), "max_ms": ms(max(times)),
            "median_cpu_ms": ms(statistics.median(cpu)), "median_least_risk_sites": int(statistics.median(unsafe))}


TODAY = dt.date(2026, 1, 1)  # fixed, so that the synthetic incidents weigh the same in every run


def network_report(label: str, roads, zones, args, rng, settings) -> dict:
    incidents = synthetic_incidents(roads, count=args.incidents, today=TODAY)
    print(f"\n== {label}: {len(roads):,} road segments, {len(zones)} zones, {len(incidents):,} incidents "
          "(last 120 days)")
    network, build_s = timed(RoadNetwork, roads, metric_crs=settings.metric_crs, max_edge_m=args.max_edge_m,
                             speeds_kmh=settings.speeds_kmh())
    print(f"road network built in {build_s:.1f} s (once per road geometry): {network.graph.n_nodes:,} nodes, "
          f"{network.graph.n_edges:,} edges")
    router, weigh_s = timed(Router, network, roads, zones, weights=RiskWeights(), incidents=incidents, today=TODAY)
    out = {"nodes": network.graph.n_nodes, "edges": network.graph.n_edges, "network_build_s": round(build_s, 2),
           "first_weighting_s": round(weigh_s, 2)}
    if args.length_bounds_only:
        print("search bounds: landmark tables on lengths only (--length-bounds-only)")
    else:
        _, tighten_s = timed(router.tighten)
        out["tighten_s"] = round(tighten_s, 2)
        print(f"cost-based landmark bounds for avoid and least-risk computed in {tighten_s:.1f} s "
              "(a server does this in the background after each re-weighting)")
    nodes = passable_nodes(router, args.mode)
    pairs = rng.choice(nodes, (args.pairs, 2))
    out["query"] = query_bench(router, pairs, args.mode)
    q = out["query"]
    print(f"safe-route query ({args.mode}), {q['pairs']} random pairs: p50 {q['p50_ms']} ms, p90 {q['p90_ms']} ms, "
          f"p99 {q['p99_ms']} ms (median {q['median_nodes_settled']:,} nodes settled)   "
          f"[targets: p50 <= 10, p99 <= 40]")
    xy = router.network.topology.xy
    points = xy[rng.choice(nodes, (min(args.pairs, 300), 2))] + rng.normal(0, 100, (min(args.pairs, 300), 2, 2))
    out["lookup"] = lookup_bench(router, points, args.mode)
    print(f"whole lookup from points (snap + search + geometry + exposure): p50 {out['lookup']['p50_ms']} ms, "
          f"p99 {out['lookup']['p99_ms']} ms")
    base_pairs = pairs[: args.baseline_pairs]
    engine_ms = []
    for a, b in base_pairs:
        engine_ms.append(timed(router.engines[args.mode].shortest, {int(a): 0.0}, {int(b): 0.0})[1] * 1000)
    if not args.skip_networkx:
        out["networkx"] = nx_ = networkx_bench(router, base_pairs, args.mode, engine_ms)
        print(f"networkx dijkstra_path on the same graph and weights, {nx_['pairs']} pairs: median "
              f"{nx_['median_ms']} ms vs {nx_['engine_median_ms_same_pairs']} ms: {nx_['speedup']}x faster, "
              f"same costs {nx_['same_costs']}   [target >= 20x]")
    dsn = args.pg_dsn or os.environ.get("GEOAPP_BENCH_PG_DSN")
    if dsn:
        out["pgrouting"] = pg = pgrouting_bench(router, base_pairs, args.mode, dsn, engine_ms)
        print(f"pgRouting pgr_dijkstra (SQL per call), {pg['pairs']} pairs: median {pg['median_ms']} ms: "
              f"{pg['speedup']}x faster, same costs {pg['same_costs']}   [target >= 50x]")
    else:
        print("pgRouting: skipped (no --pg-dsn / GEOAPP_BENCH_PG_DSN; see bench/run.py for how to set it up)")
    out["multimodal"] = mm = multimodal_bench(router, pairs, args.mode, rng, settings)
    print(f"multimodal query (road + {mm['connections']} sea/air connections, {args.mode}), {mm['pairs']} pairs "
          "(half random, half from near one port to near the other end of its connection), "
          f"{mm['using_legs']} using a leg: p50 {mm['p50_ms']} ms, p99 {mm['p99_ms']} ms   "
          "[target p50 <= 20, p99 <= 60]; "
          f"augmented graph and its landmark tables built in {mm['build_s']} s (once per data version), "
          f"cost-based bounds in {mm['tighten_s']} s (background), "
          f"median {mm['median_nodes_settled']:,} nodes settled")
    dp = mm["depart"]
    print(f"multimodal query with a departure time (each leg at its actual wait), the same pairs leaving on a "
          f"Monday 04:00-20:00, {dp['using_legs']} using a leg: p50 {dp['p50_ms']} ms, p99 {dp['p99_ms']} ms   "
          f"[target p50 <= 20, p99 <= 60]; its bounds (legs at their least cost) in {dp['tighten_s']} s "
          f"(background), median {dp['median_nodes_settled']:,} nodes settled")
    out["reweight"] = rw = reweight_bench(network, roads, zones, incidents)
    print(f"re-weighting after a zone change (exposure + costs, same graph): median {rw['median_ms']} ms, "
          f"max {rw['max_ms']} ms   [target <= 1000]; of which {rw['incidents']:,} incidents spread on edges: "
          f"median {rw['incidents_median_ms']} ms")
    out["access"] = ac = access_bench(router, rng, args.sites)
    print(f"access analysis, one hub to {ac['sites']} sites (avoid, then least-risk for the "
          f"{ac['median_least_risk_sites']} it cannot reach): median {ac['median_ms']} ms, max {ac['max_ms']} ms "
          f"(median CPU time {ac['median_cpu_ms']} ms)   [target <= 100]")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--side", type=int, default=500, help="synthetic grid side (nodes = side**2)")
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--baseline-pairs", type=int, default=20, help="pairs timed with networkx / pgRouting")
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--incidents", type=int, default=2000, help="synthetic ACLED-like events weighed")
    parser.add_argument("--mode", default="avoid", choices=["avoid", "least_risk"])
    parser.add_argument("--max-edge-m", type=float, default=500.0)
    parser.add_argument("--osm", type=Path, help="also benchmark on this OSM extract (.osm.pbf or .osm)")
    parser.add_argument("--pg-dsn", help="PostgreSQL with pgRouting, for the pgr_dijkstra baseline")
    parser.add_argument("--skip-networkx", action="store_true")
    parser.add_argument("--length-bounds-only", action="store_true",
                        help="search with the length-based landmark tables only (as right after a re-weighting)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args(argv)
    settings = Settings()
    rng = np.random.default_rng(args.seed)
    results = {"machine": {"cpus": os.cpu_count()}}
    roads, zones = synthetic_network(args.side)
    results["synthetic"] = network_report("synthetic network", roads, zones, args, rng, settings)
    if args.osm:
        from geoapp.io.osm import read_osm_roads
        from geoapp.store import make_store

        osm_roads, counts = read_osm_roads(args.osm)
        shipped_zones = make_store(settings).load()["gang_zones"]
        results["osm"] = network_report(f"OSM extract {args.osm.name}", osm_roads, shipped_zones, args, rng, settings)
        results["osm"]["read"] = counts
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"\nresults written to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
