"""Page weight of the overview map against a naive folium page that embeds the full layers.

Measured in one run: the shipped layers, and the case at scale the budget is for: 5,000
incidents in the 90-day window drawn and 20,000 road segments (synthetic, standing for an
OSM import), plus the official boundaries; an OSM extract as the roads layer when one is
given.  Targets: the overview's HTML is at most 300 KB as built, and what a browser transfers
to open it (the page, its scripts, stylesheets, icon and stylesheet images, and the boundary
layers it fetches at first) is at most 100 KB compressed on the shipped data, as a browser
accepting brotli and gzip gets it (and one accepting gzip alone).  The boundaries the page
fetches when shown are weighed too (as sent, gzipped, as the topology pages fetch, and as
stored), and the CPU cost of compressing a route answer per request.  With ``--browser``, the
overview is also opened in Chromium asking for gzip alone, and what it really fetched is compared
with what was counted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import folium

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoapp import create_app  # noqa: E402
from geoapp.http.compression import compress  # noqa: E402
from geoapp.layers import REFERENCE  # noqa: E402
from geoapp.maps.layers import REFERENCE_STYLE  # noqa: E402
from tests.synthetic import synthetic_country_incidents, synthetic_roads_count  # noqa: E402

TARGET_KB = 300
TRANSFER_TARGET_KB = 100
#: What each kind of browser sends as Accept-Encoding (None: a client that accepts no compression).
BROWSERS = {"br": "br, gzip, deflate", "gzip": "gzip, deflate", "none": None}
ASSET = re.compile(r'<(?:script[^>]*\bsrc|link[^>]*\bhref)="(/static/[^"]+|/theme\.css[^"]*)"')
CSS_IMAGE = re.compile(r"url\((images/[^)]+)\)")
HA_REFERENCE = re.compile(r'"haReference": (\{[^{}]*\})')
CHROMIUM = "/usr/bin/chromium"  # Debian's, as the browser tests use
INCIDENTS = 5000
ROADS = 20_000


def naive_page(layers) -> int:
    """What a first folium page does: default assets from CDNs, every layer embedded whole."""
    m = folium.Map(location=[18.9, -72.7], zoom_start=8)
    for name, frame in layers.items():
        if len(frame):
            folium.GeoJson(frame.to_json(), name=name, popup=folium.GeoJsonPopup(
                fields=[c for c in frame.columns if c != "geometry"])).add_to(m)
    folium.LayerControl().add_to(m)
    return len(m.get_root().render().encode())


def measure(label: str, *, roads=None, incidents: int = 0, browser: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"instance_path": Path(tmp)})
        service = app.extensions["geoapp"]
        if roads is not None:
            service.store.replace_layer("roads", roads, actor="bench", reason="page weight")
        if incidents:  # dated within the 90 days up to today: all of them in the window the overview draws
            events = synthetic_country_incidents(service.dataset.layers["communes"], count=incidents,
                                                 days=service.settings.map_incident_days, today=dt.date.today())
            service.store.replace_layer("incidents", events, actor="bench", reason="page weight")
        if roads is not None or incidents:
            service.reload()
        client = app.test_client()
        page = len(client.get("/").data)
        transfer = page_transfer(client)
        cpu = compression_cost(client) if not (roads is not None or incidents) else None
        if browser:
            in_browser(app, transfer)
        gzip = {"Accept-Encoding": "gzip"}
        boundaries = {name: (len(client.get(f"/map/layers/{name}.geojson").data),
                             len(client.get(f"/map/layers/{name}.geojson", headers=gzip).data),
                             len(client.get(f"/map/boundaries.topojson?layers={name}", headers=gzip).data),
                             (ROOT / "geodata" / f"{name}.geojson").stat().st_size)
                      for name in REFERENCE}
        layers = service.dataset.layers
        naive = naive_page(layers)
        service.stop()
    row = {"data": label, "roads": len(layers["roads"]), "incidents": len(layers["incidents"]),
           "overview_kb": round(page / 1024, 1), "naive_kb": round(naive / 1024, 1), "ratio": round(naive / page, 1),
           "boundaries_kb": {n: [round(v / 1024, 1) for v in sizes] for n, sizes in boundaries.items()},
           "transfer_kb": {browser: round(sum(sizes[browser] for sizes in transfer.values()) / 1024, 1)
                           for browser in BROWSERS}}
    verdict = "met" if page / 1024 <= TARGET_KB else "NOT met"
    print(f"{label}: {row['roads']:,} road segments, {row['incidents']:,} incidents on record: "
          f"overview {row['overview_kb']} KB (target {TARGET_KB} KB: {verdict}), "
          f"naive folium page {row['naive_kb']} KB, {row['ratio']}x heavier")
    print("  boundaries (light GeoJSON / gzipped / alone as a gzipped topology, what pages fetch / full file): "
          + "; ".join(f"{n} {a} / {b} / {c} / {d} KB" for n, (a, b, c, d) in row["boundaries_kb"].items()))
    report_transfer(transfer, row["transfer_kb"], shipped=roads is None and not incidents)
    if cpu:
        print("  compressing a route answer per request (" + f"{cpu['bytes'] / 1024:.1f} KB of JSON, the lookup "
              f"itself {cpu['lookup_ms']:.0f} ms): " + "; ".join(
                  f"{name} {ms:.2f} ms to {size / 1024:.1f} KB" for name, (ms, size) in cpu["codecs"].items()) +
              " (median)")
    return row


def page_transfer(client, path: str = "/") -> dict[str, dict[str, int]]:
    """Bytes sent for the page and everything it loads at first, per kind of browser (see ``BROWSERS``).

    Everything it loads: its scripts, stylesheets and icon, the images its stylesheets draw (at
    1x), and the boundary layers shown at first, which its script fetches once the map is drawn.
    """
    html = client.get(path).get_data(as_text=True)
    urls = list(dict.fromkeys(ASSET.findall(html)))
    for url in [u for u in urls if u.endswith(".css")]:
        folder = url.rsplit("/", 1)[0]
        # not the 2x images (high-density screens instead of the 1x), nor marker-icon: Leaflet reads that
        # rule only to find its default marker images, which these pages never draw
        urls += [f"{folder}/{image}" for image in CSS_IMAGE.findall(client.get(url).get_data(as_text=True))
                 if "-2x" not in image and "marker-icon" not in image]
    # the boundary layers shown at first, each from the address the page names (layers shown together share one)
    refs = [json.loads(ref) for ref in HA_REFERENCE.findall(html)]
    urls += list(dict.fromkeys(ref["url"] for ref in refs if REFERENCE_STYLE[ref["name"]]["show"]))
    sizes = {}
    for url in [path, *urls]:
        sizes[url] = {}
        for browser, accept in BROWSERS.items():
            response = client.get(url, headers={"Accept-Encoding": accept} if accept else {})
            assert response.status_code == 200, f"{url}: {response.status_code}"
            sizes[url][browser] = len(response.data)
    return sizes


def report_transfer(sizes: dict[str, dict[str, int]], totals: dict[str, float], *, shipped: bool) -> None:
    """Totals against the target (on the shipped data), and each file's share."""
    def verdict(kb: float) -> str:
        return ("met" if kb <= TRANSFER_TARGET_KB else "NOT met") if shipped else "informative"

    print(f"  transferred to open the overview ({len(sizes)} files): {totals['br']} KB with brotli, "
          f"{totals['gzip']} KB with gzip, {totals['none']} KB uncompressed (target {TRANSFER_TARGET_KB} KB "
          f"compressed: {verdict(totals['br'])} with brotli, {verdict(totals['gzip'])} with gzip alone)")
    for url, each in sizes.items():
        name = re.sub(r"\.[0-9a-f]{10}\.", ".", url.split("?")[0])
        print(f"    {name}: {each['br'] / 1024:.1f} / {each['gzip'] / 1024:.1f} / {each['none'] / 1024:.1f} KB")


def in_browser(app, counted: dict[str, dict[str, int]]) -> None:
    """Open the overview in Chromium (Playwright) and compare what it fetched with what was counted.

    The browser asks for gzip alone, as browsers do over plain HTTP (they offer brotli only over
    HTTPS); the bytes are those received, as the browser reports them.
    """
    import logging
    import threading

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    fetched: dict[str, tuple[str, int]] = {}
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = chromium.new_page(viewport={"width": 1280, "height": 900},
                                     extra_http_headers={"Accept-Encoding": BROWSERS["gzip"]})
            page.on("requestfinished", lambda r: fetched.__setitem__(
                r.url.removeprefix(base), ((r.response().headers.get("content-encoding") or "none"),
                                           r.sizes()["responseBodySize"])))
            page.goto(base + "/", wait_until="networkidle")
            page.wait_for_function("window.haBoundaries && Object.values(haBoundaries.layers).every("
                                   "e => e.state === 'loaded' || !haMap.hasLayer(e.layer))", timeout=20_000)
            page.wait_for_load_state("networkidle")
            chromium.close()
    finally:
        server.shutdown()
    same = set(fetched) == set(counted)
    total = sum(size for _, size in fetched.values()) / 1024
    gap = total - sum(sizes["gzip"] for sizes in counted.values()) / 1024
    encodings = sorted({encoding for encoding, _ in fetched.values()})
    print(f"  in Chromium asking for gzip: {len(fetched)} files fetched, {total:.1f} KB received "
          f"({', '.join(encodings)}; {gap:+.1f} KB against the count); "
          + ("the same files as counted" if same else
             f"NOT the files counted: only fetched {sorted(set(fetched) - set(counted))}, "
             f"only counted {sorted(set(counted) - set(fetched))}"))


def compression_cost(client, repeats: int = 20) -> dict:
    """Milliseconds to compress the route answer for Pétion-Ville to Jacmel, per encoding and level."""
    import zlib

    import brotli

    url = "/api/route?from=-72.2853,18.5125&to=-72.5369,18.2357&alternatives=2"
    started = time.perf_counter()
    body = client.get(url).data
    lookup_ms = (time.perf_counter() - started) * 1000
    codecs = {
        "gzip 6 (per request)": lambda: compress(body, "gzip"),
        "brotli 5 (per request)": lambda: compress(body, "br"),
        "gzip 9": lambda: zlib.compress(body, 9, wbits=31),
        "brotli 11 (assets, once)": lambda: brotli.compress(body, quality=11),
    }
    out = {}
    for name, run in codecs.items():
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            packed = run()
            times.append((time.perf_counter() - started) * 1000)
        out[name] = (sorted(times)[repeats // 2], len(packed))  # the median: the machine may be busy
    return {"bytes": len(body), "lookup_ms": lookup_ms, "codecs": out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--osm", type=Path, help="also measure with this OSM extract as the roads layer")
    parser.add_argument("--roads", type=int, default=ROADS, help="synthetic road segments")
    parser.add_argument("--incidents", type=int, default=INCIDENTS, help="synthetic incidents in the window drawn")
    parser.add_argument("--browser", action="store_true",
                        help="also open the overview in Chromium and compare what it fetches with what is counted")
    args = parser.parse_args(argv)
    measure("shipped layers", browser=args.browser)
    measure(f"at scale ({args.incidents:,} incidents, {args.roads:,} synthetic road segments)",
            roads=synthetic_roads_count(args.roads), incidents=args.incidents)
    if args.osm:
        from geoapp.io.osm import read_osm_roads

        measure(f"OSM extract {args.osm.name}, {args.incidents:,} incidents", roads=read_osm_roads(args.osm)[0],
                incidents=args.incidents)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
