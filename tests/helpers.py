"""Test helpers: the fixture data folder, places on its network, and tiny synthetic layers with explicit CRS."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
from shapely.geometry import LineString, Polygon

ROOT = Path(__file__).resolve().parent.parent
GEODATA = ROOT / "geodata"
#: Fixture layers the behaviour tests run on (see tests/data/README.md): ids and counts pinned in tests
#: refer to these files; expectations about the shipped ``geodata/`` are in test_shipped_data.py.
FIXTURES = ROOT / "tests" / "data"
#: The hand-compiled layers: the fixture folder has its own frozen copies.
HAND_COMPILED = ("roads", "gang_zones", "ports", "displacement_sites", "incidents", "connections", "checkpoints")
#: The official boundaries (OCHA COD-AB, identified by stable p-codes): large, read from ``geodata/``.
BOUNDARIES = ("departments", "communes", "sections")

# Places on the fixture network (lon, lat): town centres
PETION_VILLE = (-72.2853, 18.5125)
JACMEL = (-72.5369, 18.2357)
CITE_SOLEIL = (-72.330, 18.583)
LEOGANE = (-72.6334, 18.5111)
LES_CAYES = (-73.7495, 18.1920)
CAP_HAITIEN = (-72.1981, 19.7594)
JEREMIE = (-74.1167, 18.65)


def make_data_dir(target: Path) -> Path:
    """Fill ``target`` as a data folder (setting ``data_dir``): the fixture layers and base-map context
    of tests/data, and the official boundaries of geodata/."""
    target.mkdir(parents=True, exist_ok=True)
    for name in HAND_COMPILED:
        shutil.copy(FIXTURES / f"{name}.geojson", target / f"{name}.geojson")
    for name in BOUNDARIES:
        shutil.copy(GEODATA / f"{name}.geojson", target / f"{name}.geojson")
    shutil.copytree(FIXTURES / "context", target / "context", dirs_exist_ok=True)
    return target


def fixture_features(name: str) -> list[dict]:
    """The features of one fixture layer file, as GeoJSON dicts."""
    return json.loads((FIXTURES / f"{name}.geojson").read_text(encoding="utf-8"))["features"]


def edit_features(path: Path, edit) -> None:
    """Rewrite a GeoJSON file after ``edit(features)`` changed its feature list in place."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    edit(doc["features"])
    path.write_text(json.dumps(doc), encoding="utf-8")


def common(**extra) -> dict:
    base = {"name": "x", "as_of": "2025-03-01", "source": "test", "confidence": "high", "notes": ""}
    return {**base, **extra}


def grid_roads(n: int = 5, step: float = 0.01, origin=(-72.40, 18.50), statuses=None, *,
               precision: str = "surveyed", terrain: str = "flat") -> gpd.GeoDataFrame:
    """An n x n street grid (lon/lat) of two-vertex segments; ``statuses`` maps segment id -> status.

    Surveyed by default (lengths are the lines' own); ``precision="hand_drawn"`` to test the winding.
    """
    statuses = statuses or {}
    rows = []
    x0, y0 = origin
    for i in range(n):
        for j in range(n - 1):
            for rid, a, b in (
                (f"h{i}-{j}", (x0 + j * step, y0 + i * step), (x0 + (j + 1) * step, y0 + i * step)),
                (f"v{i}-{j}", (x0 + i * step, y0 + j * step), (x0 + i * step, y0 + (j + 1) * step)),
            ):
                rows.append(common(id=rid, status=statuses.get(rid, "open"), ref=None, road_class="primary",
                                   oneway=False, geometry_precision=precision, terrain=terrain,
                                   geometry=LineString([a, b])))
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def square_zone(zid: str, status: str, x0: float, y0: float, x1: float, y1: float, group: str = "G") -> dict:
    return common(id=zid, name=zid, status=status, group=group,
                  geometry=Polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)]))


def zones_frame(*zones: dict) -> gpd.GeoDataFrame:
    columns = ["id", "name", "status", "as_of", "source", "confidence", "notes", "group", "geometry"]
    return gpd.GeoDataFrame(list(zones), columns=columns, geometry="geometry", crs="EPSG:4326")


def osm_xml(nodes: dict[int, tuple[float, float]], ways: list[tuple[int, list[int], dict]],
            timestamp: str = "2025-06-01T12:00:00Z") -> str:
    """A small OSM XML document: nodes {id: (lon, lat)} and ways (id, node ids, tags)."""
    from xml.sax.saxutils import quoteattr

    lines = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="haiti-access tests">']
    for nid, (lon, lat) in nodes.items():
        lines.append(f'  <node id="{nid}" version="1" timestamp="{timestamp}" lat="{lat}" lon="{lon}"/>')
    for wid, refs, tags in ways:
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        tag_xml = "".join(f'<tag k={quoteattr(k)} v={quoteattr(v)}/>' for k, v in tags.items())
        lines.append(f'  <way id="{wid}" version="1" timestamp="{timestamp}">{nds}{tag_xml}</way>')
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def write_osm(path: Path, nodes: dict[int, tuple[float, float]], ways: list[tuple[int, list[int], dict]],
              timestamp: str = "2025-06-01T12:00:00Z") -> Path:
    """The nodes and ways of ``osm_xml`` as an OSM file: XML for ``.osm``, written by pyosmium for ``.osm.pbf``."""
    if path.suffix != ".pbf":
        path.write_text(osm_xml(nodes, ways, timestamp), encoding="utf-8")
        return path
    import datetime as dt

    import osmium
    from osmium.osm.mutable import Node, Way

    when = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    writer = osmium.SimpleWriter(str(path), overwrite=True)
    try:
        for nid, location in nodes.items():
            writer.add_node(Node(id=nid, version=1, timestamp=when, location=location))
        for wid, refs, tags in ways:
            writer.add_way(Way(id=wid, version=1, timestamp=when, nodes=refs, tags=tags))
    finally:
        writer.close()
    return path


OSM_X0, OSM_Y0, OSM_STEP = -72.60, 18.50, 0.005


def osm_grid_file(path: Path) -> Path:
    """A 4 x 4 street grid near Léogâne, with ways that must be left out or marked, as an .osm file."""
    nodes = {i * 4 + j + 1: (OSM_X0 + j * OSM_STEP, OSM_Y0 + i * OSM_STEP) for i in range(4) for j in range(4)}
    nodes[100] = (OSM_X0 + 4 * OSM_STEP, OSM_Y0 + 4 * OSM_STEP)
    nodes[101] = (OSM_X0 + 0.002, OSM_Y0 + 0.002)
    ways = []
    for i in range(4):  # rows: row 0 is RN2
        tags = {"highway": "primary", "ref": "RN2", "name": "Route Nationale 2", "maxspeed": "50"} if i == 0 else \
            {"highway": "residential", "maxspeed": "30 mph"} if i == 1 else {"highway": "residential"}
        ways.append((1000 + i, [i * 4 + j + 1 for j in range(4)], tags))
    for j in range(4):  # columns: column 3 is one-way northward
        tags = {"highway": "residential", "oneway": "yes"} if j == 3 else {"highway": "residential"}
        ways.append((2000 + j, [i * 4 + j + 1 for i in range(4)], tags))
    ways += [
        (3000, [16, 100], {"highway": "track", "impassable": "yes"}),
        (3001, [1, 101, 6], {"highway": "footway"}),
        (3002, [1, 101], {"highway": "service", "service": "driveway"}),
        (3003, [101, 6], {"highway": "residential", "access": "private"}),
    ]
    path.write_text(osm_xml(nodes, ways), encoding="utf-8")
    return path


def moved_osm(source: Path, target: Path, centre: tuple[float, float]) -> Path:
    """A copy of a real OSM extract moved so that its centre lands on ``centre`` (lon, lat).

    Nodes are shifted (east-west distances scaled by the change of latitude, so the streets keep
    their shape and length); ways and relations are copied unchanged.
    """
    import math

    import osmium

    lons, lats = [], []
    for node in osmium.FileProcessor(str(source), osmium.osm.NODE):
        lons.append(node.location.lon)
        lats.append(node.location.lat)
    x0, y0 = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
    x1, y1 = centre
    scale = math.cos(math.radians(y0)) / math.cos(math.radians(y1))

    class Move(osmium.SimpleHandler):
        def node(self, n):
            lon, lat = n.location.lon, n.location.lat
            writer.add_node(n.replace(location=osmium.osm.Location(x1 + (lon - x0) * scale, y1 + lat - y0)))

        def way(self, w):
            writer.add_way(w)

        def relation(self, r):
            writer.add_relation(r)

    writer = osmium.SimpleWriter(str(target))
    try:
        Move().apply_file(str(source))
    finally:
        writer.close()
    return target


class ServerProcess:
    """``geoapp serve`` (gunicorn) on a free port, in its own process group so it can be killed whole.

    Its output (a request log line per request) is read as it comes and the last lines kept: a pipe
    nobody reads fills after some thousand requests and then blocks the server mid-request.
    """

    def __init__(self, env: dict[str, str], workers: int = 2):
        import collections
        import os
        import socket
        import subprocess
        import sys
        import threading

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        geoapp = Path(sys.executable).with_name("geoapp")
        self.proc = subprocess.Popen([str(geoapp), "serve", "--port", str(self.port), "--workers", str(workers)],
                                     env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.output: collections.deque[bytes] = collections.deque(maxlen=2000)
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        for line in self.proc.stdout:
            self.output.append(line)

    def wait_ready(self, timeout: float = 90) -> ServerProcess:
        import time
        import urllib.request

        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    import os
                    import signal

                    if self.proc.poll() is None:
                        os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=30)
                    self._reader.join(timeout=10)
                    output = b"".join(self.output).decode(errors="replace")
                    raise RuntimeError("server did not start:\n" + output) from None
                time.sleep(0.2)

    def kill(self, sig=None) -> None:
        import os
        import signal

        try:
            os.killpg(self.proc.pid, sig or signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
        self._reader.join(timeout=10)
        self.proc.stdout.close()

    def stop(self) -> None:
        import signal

        self.kill(signal.SIGTERM)


def http(method: str, url: str, body: dict | None = None, headers: dict | None = None, timeout: float = 30):
    """(status, headers, parsed JSON or raw bytes) of one HTTP request; connection errors raise OSError."""
    import json as _json
    import urllib.error
    import urllib.request

    data = _json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        **({"Content-Type": "application/json"} if data is not None else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw, status, head = response.read(), response.status, response.headers
    except urllib.error.HTTPError as error:
        raw, status, head = error.read(), error.code, error.headers
    try:
        return status, head, _json.loads(raw) if raw else None
    except ValueError:
        return status, head, raw


def cli_settings(env: dict[str, str]):
    """The settings a CLI run under ``CliRunner().invoke(..., env=env)`` had: the process environment
    (the session's ``GEOAPP_DATA_DIR`` included), then ``env``."""
    import os

    from geoapp.settings import Settings

    return Settings.from_env({**os.environ, **env})


def fixture_count(name: str, **properties) -> int:
    """How many features of a fixture layer have these property values (all of them without any)."""
    return sum(all(f["properties"].get(k) == v for k, v in properties.items()) for f in fixture_features(name))
