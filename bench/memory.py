"""Resident memory of the production server (gunicorn, 2 workers) serving a synthetic national road network.

For each size (``--nodes``, default 250,000 and 1,000,000) the script writes a data folder (the
shipped layers, with roads, gang zones and incidents replaced by the synthetic network of bench/run.py,
finer for more nodes, kept where it lies over Haiti's land and waters), starts ``geoapp serve`` on it (the
layers and graph built once, then the workers forked: preloading) on a store seeded beforehand (as
on a restart), reads the workers' memory once ready, asks each worker a few route
lookups and waits for the background search bounds, then reads every process's
``/proc/PID/smaps_rollup``: RSS counts every page a process maps, PSS splits each shared page between
the processes sharing it, so the PSS figures add up to what the server really holds.  ``--no-preload``
also measures plain gunicorn with each worker building its own copy (``gunicorn wsgi:app``).
Results go to ``bench/results/memory.json``.  Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoapp import extent  # noqa: E402
from tests.synthetic import STEP, synthetic_incidents, synthetic_network, synthetic_roads  # noqa: E402

#: layers replaced by synthetic ones; every other shipped layer (ports, sites, boundaries...) is kept
SYNTHETIC = ("roads", "gang_zones", "incidents")
#: where route lookups go, as shares of the grid's extent (those off Haiti's land and waters are refused)
SPOTS = [(0.85, 0.15), (0.65, 0.2), (0.9, 0.6), (0.7, 0.85), (0.3, 0.1), (0.5, 0.45)]
#: the rollup fields reported, in MB
FIELDS = ("Rss", "Pss", "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty", "Swap")


def _over_haiti(frame):
    """The features lying on Haiti's land or within its maritime margin (what the store accepts)."""
    return frame[extent.geometries_inside(np.asarray(frame.geometry.values))].reset_index(drop=True)


def write_data_dir(folder: Path, nodes: int, *, incidents: int) -> dict:
    """The shipped layers with a synthetic road network of about ``nodes`` nodes over Haiti; what was written.

    The grid always spans the same 1.4 degrees (bench/run.py's 500 x 500 grid), finer for more nodes,
    and only its streets over Haiti's land and waters are kept: its side is chosen so that about
    ``nodes`` remain.
    """
    shutil.copytree(ROOT / "geodata", folder, ignore=shutil.ignore_patterns(*(f"{n}.geojson" for n in SYNTHETIC)))
    started = time.perf_counter()
    sample = synthetic_roads(100, step=STEP * 5)
    kept = extent.geometries_inside(np.asarray(sample.geometry.values)).mean()
    side = round(math.sqrt(nodes / kept))
    roads, zones = synthetic_network(side, step=STEP * 500 / side)
    roads, zones = _over_haiti(roads), _over_haiti(zones)
    events = _over_haiti(synthetic_incidents(roads, count=incidents, today=dt.date.today()))
    # the columns an imported ACLED export has (synthetic_incidents carries what the router reads)
    events = events.assign(as_of=events["event_date"], source="synthetic benchmark events", confidence="medium",
                           notes="", sub_event_type="Armed clash", admin1=None, admin2=None, admin3=None)
    for name, frame in (("roads", roads), ("gang_zones", zones), ("incidents", events)):
        frame.to_file(folder / f"{name}.geojson", driver="GeoJSON", engine="pyogrio")
    minx, miny, maxx, maxy = roads.total_bounds
    spots = [f"{minx + fx * (maxx - minx):.5f},{miny + fy * (maxy - miny):.5f}" for fx, fy in SPOTS]
    return {"grid_side": side, "road_segments": len(roads), "zones": len(zones), "incidents": len(events),
            "write_s": round(time.perf_counter() - started, 1), "spots": spots}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 120) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out += [int(p) for p in text]
    return sorted(out)


def rollup(pid: int) -> dict:
    """A process's memory from ``/proc/PID/smaps_rollup``, in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, _, rest = line.partition(":")
        if key in FIELDS:
            values[key.lower() + "_mb"] = round(int(rest.split()[0]) / 1024, 1)
    return values


def wait_ready(server: subprocess.Popen, log, base: str, timeout: float) -> dict:
    """The server's /readyz answer once it gives one (an error if the server stops or takes too long)."""
    started = time.perf_counter()
    while True:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the server stopped:\n{log.read().decode(errors='replace')[-3000:]}")
        try:
            return get(f"{base}/readyz", timeout=5)
        except OSError:
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"the server was not ready within {timeout:.0f} s") from None
            time.sleep(1)


def route_lookups(base: str, spots: list[str], rounds: int = 4) -> tuple[int, int]:
    """Route lookups between the spots, each on a new connection (the workers share them out): answered, refused."""
    answered = refused = 0
    for _ in range(rounds):
        for a, b in zip(spots, spots[1:] + spots[:1], strict=True):
            try:
                get(f"{base}/api/route?from={a}&to={b}&lang=fr")
                answered += 1
            except urllib.error.HTTPError as error:  # a spot off Haiti's waters, or too far from a road
                if error.code != 400:
                    raise
                refused += 1
    if not answered:
        raise RuntimeError("every route lookup was refused")
    return answered, refused


def measure(command: list[str], env: dict, port: int, spots: list[str], *, ready_timeout: float,
            settle_s: float, workers: int) -> dict:
    """Start a server, wait until it answers, warm every worker, let it settle, read its processes' memory."""
    started = time.perf_counter()
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        ready = wait_ready(server, log, base, ready_timeout)
        ready_s = time.perf_counter() - started
        for _ in range(60):  # readyz is answered by the first worker up: wait for the others
            if len(children(server.pid)) >= workers:
                break
            time.sleep(0.5)
        forked = [rollup(w) for w in children(server.pid)]  # before any request: what forking alone shares
        answered, refused = route_lookups(base, spots)
        time.sleep(settle_s)  # each worker computes its cost-based search bounds in the background
        master = rollup(server.pid)
        each = [rollup(w) for w in children(server.pid)]
        return {"ready_s": round(ready_s, 1), "graph_nodes": ready["graph_nodes"], "route_lookups": answered,
                "refused_lookups": refused, "master": master, "workers": each, "workers_when_ready": forked,
                "total_pss_mb": round(master["pss_mb"] + sum(w["pss_mb"] for w in each), 1)}
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def line(label: str, found: dict) -> str:
    workers = ", ".join(f"RSS {w['rss_mb']:,.0f} / PSS {w['pss_mb']:,.0f}" for w in found["workers"])
    return (f"{label}: ready in {found['ready_s']:.0f} s; master RSS {found['master']['rss_mb']:,.0f} MB / PSS "
            f"{found['master']['pss_mb']:,.0f} MB; workers (MB) {workers}; all processes PSS "
            f"{found['total_pss_mb']:,.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, nargs="+", default=[250_000, 1_000_000],
                        help="road-graph sizes to measure, in nodes (default 250000 1000000)")
    parser.add_argument("--incidents", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-preload", action="store_true",
                        help="also measure gunicorn without preloading (each worker builds its own data)")
    parser.add_argument("--settle", type=float, default=None,
                        help="seconds to wait after the lookups (default: 10 s per 250,000 nodes, at least 5)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "memory.json")
    args = parser.parse_args(argv)
    if not Path("/proc/self/smaps_rollup").exists():
        print("bench/memory.py reads /proc/PID/smaps_rollup: Linux only", file=sys.stderr)
        return 2
    results: dict = {"workers": args.workers, "threads": 4, "sizes": {}}
    binaries = Path(sys.executable).parent
    for nodes in args.nodes:
        with tempfile.TemporaryDirectory(prefix="geoapp-memory-") as tmp:
            folder = Path(tmp) / "geodata"
            print(f"\n== about {nodes:,} nodes: writing the data folder ...", flush=True)
            written = write_data_dir(folder, nodes, incidents=args.incidents)
            print(f"grid side {written['grid_side']}: {written['road_segments']:,} road segments, "
                  f"{written['zones']} zones, {written['incidents']:,} "
                  f"incidents written in {written['write_s']} s", flush=True)
            settle = args.settle if args.settle is not None else max(5.0, 10.0 * nodes / 250_000)
            entry: dict = {"nodes": nodes, "data": written}
            runs = [("preload", [str(binaries / "geoapp"), "serve"], True)]
            if args.no_preload:
                runs.append(("no_preload", [str(binaries / "gunicorn"), "--workers", str(args.workers), "--threads",
                                            "4", "--worker-class", "gthread", "--timeout", "600", "wsgi:app"], False))
            # the store seeded once, as on a server's first start; then each server starts on it as on a restart
            # no answer cache: every lookup counted is a search, whose memory is what is measured
            env = {**os.environ, "GEOAPP_DATA_DIR": str(folder), "GEOAPP_INSTANCE_PATH": str(Path(tmp) / "instance"),
                   "GEOAPP_ANSWER_CACHE": "0"}
            seeding = time.perf_counter()
            subprocess.run([str(binaries / "geoapp"), "init-db"], cwd=ROOT, env=env, check=True, capture_output=True)
            written["seed_store_s"] = round(time.perf_counter() - seeding, 1)
            print(f"store seeded in {written['seed_store_s']} s", flush=True)
            for label, command, serve in runs:
                port = free_port()
                command = [*command, "--port", str(port)] if serve else [*command, "--bind", f"127.0.0.1:{port}"]
                if serve:
                    command += ["--workers", str(args.workers)]
                entry[label] = found = measure(command, env, port, written["spots"],
                                               ready_timeout=60 + 1.5 * nodes / 1000, settle_s=settle,
                                               workers=args.workers)
                print(line(label, found), flush=True)
            if "no_preload" in entry:
                saved = entry["no_preload"]["total_pss_mb"] - entry["preload"]["total_pss_mb"]
                entry["preload_saves_mb"] = round(saved, 1)
                print(f"preloading saves {saved:,.0f} MB of {entry['no_preload']['total_pss_mb']:,.0f} MB "
                      "(the pages the workers share with the master)", flush=True)
            results["sizes"][str(nodes)] = entry
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"\nresults: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
