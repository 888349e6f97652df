"""Page weight of the overview map against a naive folium page that embeds the full layers.

Measured in one run on the same data: the shipped layers, a large synthetic roads layer (standing
for an OSM import of the country), and an OSM extract when one is given.  Target: the overview's
HTML is at most 300 KB.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import folium

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import synthetic_roads  # noqa: E402
from geoapp import create_app  # noqa: E402

TARGET_KB = 300


def naive_page(layers) -> int:
    """What a first folium page does: default assets from CDNs, every layer embedded whole."""
    m = folium.Map(location=[18.9, -72.7], zoom_start=8)
    for name, frame in layers.items():
        if not len(frame):
            continue
        folium.GeoJson(frame.to_json(), name=name, popup=folium.GeoJsonPopup(
            fields=[c for c in frame.columns if c != "geometry"])).add_to(m)
    folium.LayerControl().add_to(m)
    return len(m.get_root().render().encode())


def measure(label: str, roads=None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"instance_path": Path(tmp)})
        service = app.extensions["geoapp"]
        if roads is not None:
            service.store.replace_layer("roads", roads, actor="bench", reason="page weight")
            service.reload()
        page = len(app.test_client().get("/").data)
        layers = service.dataset.layers
        naive = naive_page(layers)
        service.stop()
    row = {"data": label, "roads": len(layers["roads"]), "overview_kb": round(page / 1024, 1),
           "naive_kb": round(naive / 1024, 1), "ratio": round(naive / page, 1)}
    verdict = "met" if page / 1024 <= TARGET_KB else "NOT met"
    print(f"{label}: {row['roads']:,} road segments: overview {row['overview_kb']} KB "
          f"(target {TARGET_KB} KB: {verdict}), naive folium page {row['naive_kb']} KB, {row['ratio']}x heavier")
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--osm", type=Path, help="also measure with this OSM extract as the roads layer")
    parser.add_argument("--side", type=int, default=150, help="synthetic roads grid side (segments ~ 2 side^2)")
    args = parser.parse_args(argv)
    measure("shipped layers")
    measure(f"synthetic roads ({args.side}x{args.side} grid)", synthetic_roads(args.side))
    if args.osm:
        from geoapp.osm import read_osm_roads

        measure(f"OSM extract {args.osm.name}", read_osm_roads(args.osm)[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
