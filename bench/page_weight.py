"""Page weight of the overview map against a naive folium page that embeds the full layers.

Measured in one run: the shipped layers, and the case at scale the budget is for: 5,000
incidents in the 90-day window drawn and 20,000 road segments (synthetic, standing for an
OSM import), plus the official boundaries; an OSM extract as the roads layer when one is
given.  Target: the overview's HTML is at most 300 KB.  The boundaries the page fetches when
shown are weighed too (as sent, gzipped, and as stored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

import folium

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoapp import create_app  # noqa: E402
from geoapp.layers import REFERENCE  # noqa: E402
from tests.synthetic import synthetic_country_incidents, synthetic_roads_count  # noqa: E402

TARGET_KB = 300
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


def measure(label: str, *, roads=None, incidents: int = 0) -> dict:
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
        boundaries = {name: (len(client.get(f"/map/layers/{name}.geojson").data),
                             len(client.get(f"/map/layers/{name}.geojson", headers={"Accept-Encoding": "gzip"}).data),
                             (ROOT / "geodata" / f"{name}.geojson").stat().st_size)
                      for name in REFERENCE}
        layers = service.dataset.layers
        naive = naive_page(layers)
        service.stop()
    row = {"data": label, "roads": len(layers["roads"]), "incidents": len(layers["incidents"]),
           "overview_kb": round(page / 1024, 1), "naive_kb": round(naive / 1024, 1), "ratio": round(naive / page, 1),
           "boundaries_kb": {n: [round(v / 1024, 1) for v in sizes] for n, sizes in boundaries.items()}}
    verdict = "met" if page / 1024 <= TARGET_KB else "NOT met"
    print(f"{label}: {row['roads']:,} road segments, {row['incidents']:,} incidents on record: "
          f"overview {row['overview_kb']} KB (target {TARGET_KB} KB: {verdict}), "
          f"naive folium page {row['naive_kb']} KB, {row['ratio']}x heavier")
    print("  boundaries fetched when shown (light / gzipped / full file): " + "; ".join(
        f"{n} {a} / {b} / {c} KB" for n, (a, b, c) in row["boundaries_kb"].items()))
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--osm", type=Path, help="also measure with this OSM extract as the roads layer")
    parser.add_argument("--roads", type=int, default=ROADS, help="synthetic road segments")
    parser.add_argument("--incidents", type=int, default=INCIDENTS, help="synthetic incidents in the window drawn")
    args = parser.parse_args(argv)
    measure("shipped layers")
    measure(f"at scale ({args.incidents:,} incidents, {args.roads:,} synthetic road segments)",
            roads=synthetic_roads_count(args.roads), incidents=args.incidents)
    if args.osm:
        from geoapp.io.osm import read_osm_roads

        measure(f"OSM extract {args.osm.name}, {args.incidents:,} incidents", roads=read_osm_roads(args.osm)[0],
                incidents=args.incidents)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
