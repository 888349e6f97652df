"""Builds, caches and times Valhalla and OSRM on a network written by bench/peers.py (runs under Python 3.12).

Run by ``bench/peers.py`` in the peers environment (``.venv-peers``, from requirements/peers.txt):
``peers_engines.py WORKDIR`` reads ``WORKDIR/job.json`` (the PBF, the pairs, the zone sets and the
segments of every way) and writes ``WORKDIR/answers.json``.  Builds are cached in WORKDIR, which
is keyed by the network's hash: a second run on the same network only queries.

The problem is the same for every engine: the shortest path by length between two network nodes,
avoiding the zones.
- Valhalla: costing ``auto`` with ``shortest: true`` (cost = length, no turn costs) and the zones
  as ``exclude_polygons`` in every request.
- OSRM: a profile whose weight is the distance (``bench/peers_distance.lua``: rate 1, no turn
  costs).  CH and MLD "open": no exclusion (OSRM cannot exclude per request; CH only when
  ``osrm-contract`` finishes in the time given).  MLD "closed": every segment
  touching a zone gets speed 0 in a segment-speed file, then ``osrm-customize`` runs on a copy of
  the base build and the copy is loaded; that whole sequence is timed as "zones changed to first
  answer".
Only numpy, shapely, pyvalhalla and osrm-bindings are needed here; this script never imports the project.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import shapely

HERE = Path(__file__).resolve().parent
PROFILE = HERE / "peers_distance.lua"


def _run(cmd: list[str], **kwargs) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{done.stdout[-3000:]}\n"
                         f"{done.stderr[-3000:]}")
    return time.perf_counter() - start


def _bin(package: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise SystemExit(f"the peers environment lacks {package}: run `make bench-peers`")
    return Path(spec.origin).parent / "bin"


# --------------------------------------------------------------------------------------------- Valhalla
def valhalla_config(work: Path) -> dict:
    import valhalla

    tiles = work / "valhalla_tiles"
    tiles.mkdir(exist_ok=True)
    config = valhalla.get_config(tile_dir=tiles, tile_extract="")
    config["logging"]["type"] = ""  # else every request is printed, and timed with it
    for key in ("traffic_extract", "admin", "timezone", "landmarks"):
        config["mjolnir"][key] = ""
    limits = config["service_limits"]
    limits["max_exclude_polygons_length"] = 10_000_000  # metres of rings in all; the default is 10 km
    limits["max_exclude_polygons_vertices"] = 100_000
    limits["auto"]["max_distance"] = 10_000_000.0
    return config


def build_valhalla(work: Path, pbf: Path) -> dict:
    config = valhalla_config(work)
    path = work / "valhalla.json"
    path.write_text(json.dumps(config))
    done = work / "valhalla_tiles" / ".built"
    if done.exists():
        return {"cached": True, "build_s": json.loads(done.read_text())["build_s"]}
    env = dict(os.environ, PATH=f"{_bin('valhalla')}{os.pathsep}{os.environ.get('PATH', '')}")
    seconds = _run([str(_bin("valhalla") / "valhalla_build_tiles"), "-c", str(path), str(pbf)], env=env)
    done.write_text(json.dumps({"build_s": round(seconds, 1)}))
    return {"cached": False, "build_s": round(seconds, 1)}


def valhalla_queries(work: Path, pairs: list, rings: list | None) -> dict:
    import valhalla

    actor = valhalla.Actor(str(work / "valhalla.json"))
    base = {"costing": "auto", "costing_options": {"auto": {"shortest": True}}, "directions_type": "none",
            "shape_format": "polyline6"}
    if rings:
        base["exclude_polygons"] = rings
    out: dict = {"ms": [], "found": [], "length_m": [], "shape": []}
    for k, (a_lon, a_lat, b_lon, b_lat) in enumerate([pairs[0], *pairs]):
        request = json.dumps(dict(base, locations=[{"lon": a_lon, "lat": a_lat}, {"lon": b_lon, "lat": b_lat}]))
        start = time.perf_counter()
        try:
            answer = actor.route(request)
            error = None
        except RuntimeError as exc:  # no route (or a location not found): the engine's answer, timed
            answer, error = None, str(exc)
        seconds = time.perf_counter() - start
        if k == 0:
            continue  # the first call warms the tile cache
        out["ms"].append(seconds * 1000)
        if answer is None:
            out["found"].append(False)
            out["length_m"].append(None)
            out["shape"].append(None)
            out.setdefault("errors", {}).setdefault(error[:80], 0)
            out["errors"][error[:80]] += 1
            continue
        leg = json.loads(answer)["trip"]["legs"][0]
        out["found"].append(True)
        out["length_m"].append(leg["summary"]["length"] * 1000)
        out["shape"].append(leg["shape"])
    return out


# --------------------------------------------------------------------------------------------- OSRM
BASE_SUFFIXES_MLD = (".osrm.cell_metrics", ".osrm.mldgr")  # what osrm-customize rewrites


def build_osrm(work: Path, pbf: Path) -> dict:
    """osrm-extract, then MLD (osrm-partition, osrm-customize); cached."""
    osrm_dir = work / "osrm"
    done = osrm_dir / ".built"
    if done.exists():
        return dict(json.loads(done.read_text()), cached=True)
    shutil.rmtree(osrm_dir, ignore_errors=True)
    osrm_dir.mkdir()
    shutil.copy(pbf, osrm_dir / "net.osm.pbf")
    bin_ = _bin("osrm")
    base = str(osrm_dir / "net.osrm")
    threads = ["-t", str(os.cpu_count() or 1)]
    extract = [str(bin_ / "osrm-extract"), "-p", str(PROFILE), *threads, str(osrm_dir / "net.osm.pbf")]
    times = {"extract_s": _run(extract, cwd=osrm_dir)}
    times["partition_s"] = _run([str(bin_ / "osrm-partition"), *threads, base])
    times["customize_s"] = _run([str(bin_ / "osrm-customize"), *threads, base])
    times = {k: round(v, 1) for k, v in times.items()}
    done.write_text(json.dumps(times))
    return dict(times, cached=False)


def build_osrm_ch(work: Path, timeout_s: float) -> dict:
    """osrm-contract (CH) into its own folder, given at most ``timeout_s``; cached, a timeout too."""
    ch_dir = work / "osrm_ch"
    done = ch_dir / ".built"
    if done.exists():
        known = json.loads(done.read_text())
        if "contract_s" in known or known.get("timeout_s", 0) >= timeout_s:
            return dict(known, cached=True)
    shutil.rmtree(ch_dir, ignore_errors=True)
    ch_dir.mkdir()
    for f in (work / "osrm").iterdir():
        if f.name.startswith("net.osrm"):
            shutil.copy(f, ch_dir / f.name)
    cmd = [str(_bin("osrm") / "osrm-contract"), "-t", str(os.cpu_count() or 1), str(ch_dir / "net.osrm")]
    try:
        known = {"contract_s": round(_run(cmd, timeout=timeout_s), 1)}
    except subprocess.TimeoutExpired:
        known = {"timeout_s": timeout_s}
    done.write_text(json.dumps(known))
    return dict(known, cached=False)


def osrm_queries(engine, pairs: list) -> dict:
    import osrm

    out: dict = {"ms": [], "found": [], "length_m": [], "shape": [], "moved_m": []}
    for k, (a_lon, a_lat, b_lon, b_lat) in enumerate([pairs[0], *pairs]):
        params = osrm.RouteParameters(coordinates=[(a_lon, a_lat), (b_lon, b_lat)], geometries="polyline6",
                                      overview="full", generate_hints=False)
        start = time.perf_counter()
        try:
            answer = engine.Route(params)
        except RuntimeError:
            answer = None
        seconds = time.perf_counter() - start
        if k == 0:
            continue
        out["ms"].append(seconds * 1000)
        if answer is None:
            out["found"].append(False)
            out["length_m"].append(None)
            out["shape"].append(None)
            out["moved_m"].append(None)
            continue
        route = answer["routes"][0]
        # OSRM snaps each end to the nearest road it can route on: away from a node cut off by closures
        out["moved_m"].append(max(float(w["distance"]) for w in answer["waypoints"]))
        out["found"].append(True)
        out["length_m"].append(float(route["distance"]))
        out["shape"].append(str(route["geometry"]))
    return out


def closure_file(segments: dict, rings: list, path: Path) -> int:
    """Speed 0 for both directions of every segment touching a zone; the number of segments closed."""
    lon, lat = segments["lon"], segments["lat"]
    u, v = segments["u"], segments["v"]
    lines = shapely.linestrings(np.stack([np.c_[lon[u], lat[u]], np.c_[lon[v], lat[v]]], axis=1))
    zones = np.asarray([shapely.Polygon(r) for r in rings], dtype=object)
    _, hit = shapely.STRtree(lines).query(zones, predicate="intersects")
    hit = np.unique(hit)
    ids = segments["node_id"]
    a, b = ids[u[hit]], ids[v[hit]]
    rows = np.r_[np.c_[a, b], np.c_[b, a]]
    path.write_text("".join(f"{x},{y},0\n" for x, y in rows.tolist()))
    return len(hit)


def osrm_closed(work: Path, segments: dict, rings: list, label: str):
    """Zones changed: closure file, osrm-customize on a copy of the base MLD build, load; times of each step."""
    import osrm

    start = time.perf_counter()
    copy = work / f"osrm_closed_{label}"
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir()
    closed = closure_file(segments, rings, copy / "closures.csv")
    file_s = time.perf_counter() - start
    t = time.perf_counter()
    for f in (work / "osrm").iterdir():
        if f.name.startswith("net.osrm") and not f.name.endswith(".hsgr"):
            shutil.copy(f, copy / f.name)
    copy_s = time.perf_counter() - t
    customise_s = _run([str(_bin("osrm") / "osrm-customize"), "-t", str(os.cpu_count() or 1),
                        "--segment-speed-file", str(copy / "closures.csv"), str(copy / "net.osrm")])
    t = time.perf_counter()
    engine = osrm.OSRM(storage_config=str(copy / "net.osrm"), algorithm="MLD", use_shared_memory=False)
    load_s = time.perf_counter() - t
    return engine, copy, {"closed_segments": closed, "closure_file_s": round(file_s, 3), "copy_s": round(copy_s, 3),
                          "customise_s": round(customise_s, 3), "load_s": round(load_s, 3),
                          "since_change_s": time.perf_counter() - start}


def first_answer_s(engine, pair) -> float:
    start = time.perf_counter()
    osrm_queries(engine, [pair, pair])
    return (time.perf_counter() - start) / 3  # osrm_queries makes one warm-up call and two timed ones


def main(argv: list[str]) -> int:
    import osrm

    work = Path(argv[0])
    job = json.loads((work / "job.json").read_text())
    pbf = Path(job["pbf"])
    with np.load(work / "segments.npz") as data:
        segments = {key: data[key] for key in data.files}
    pairs = job["pairs"]
    out: dict = {"valhalla_build": build_valhalla(work, pbf), "osrm_build": build_osrm(work, pbf), "zones": {}}
    print(f"  peers built: Valhalla {out['valhalla_build']}, OSRM {out['osrm_build']}", flush=True)
    out["osrm_ch_build"] = build_osrm_ch(work, job["ch_timeout_s"])
    print(f"  OSRM CH: {out['osrm_ch_build']}", flush=True)
    ch = None
    if "contract_s" in out["osrm_ch_build"]:
        ch = osrm.OSRM(storage_config=str(work / "osrm_ch" / "net.osrm"), algorithm="CH", use_shared_memory=False)
    mld_open = osrm.OSRM(storage_config=str(work / "osrm" / "net.osrm"), algorithm="MLD", use_shared_memory=False)
    for label, rings in job["zones"].items():
        entry: dict = {"osrm_mld_open": osrm_queries(mld_open, pairs)}
        start = time.perf_counter()
        entry["valhalla"] = valhalla_queries(work, pairs, rings)
        print(f"  {label} zones: Valhalla done in {time.perf_counter() - start:.0f} s", flush=True)
        engine, copy, change = osrm_closed(work, segments, rings, label)
        change["since_change_s"] += first_answer_s(engine, pairs[0])
        change["change_to_answer_s"] = round(change.pop("since_change_s"), 3)
        entry["osrm_mld_closed"] = dict(osrm_queries(engine, pairs), **change)
        del engine
        shutil.rmtree(copy, ignore_errors=True)
        if ch is not None:
            entry["osrm_ch"] = osrm_queries(ch, pairs)
        print(f"  {label} zones: OSRM done (customise {change['customise_s']} s)", flush=True)
        out["zones"][label] = entry
    (work / "answers.json").write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
