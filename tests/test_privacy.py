"""Do no harm: no public surface gives the exact position of a displacement site."""

from __future__ import annotations

import re

import numpy as np
import pyogrio
import pytest
import shapely

from geoapp import create_app

PAIR = re.compile(r"\[\s*(-?\d{1,3}\.\d+)\s*,\s*(-?\d{1,3}\.\d+)")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    app = create_app({"instance_path": tmp_path_factory.mktemp("privacy")})
    service = app.extensions["geoapp"]
    token = service.store.create_token("field-viewer", "viewer")
    feature, version = service.store.get("displacement_sites", "ds-001")  # give ds-001 a history
    from geoapp.layers import REGISTRY
    from geoapp.store.sql import frame_from_feature

    feature["properties"]["individuals"] = 2600
    service.store.replace("displacement_sites", "ds-001",
                          frame_from_feature(feature, REGISTRY["displacement_sites"], source="test"),
                          expected_version=version, actor="test", reason="new count")
    exact = service.dataset.exact.layers["displacement_sites"]
    positions = np.array([[p.x, p.y] for p in exact.geometry])
    others = np.concatenate([shapely.get_coordinates(np.asarray(frame.geometry.values))
                             for name, frame in service.dataset.exact.layers.items()
                             if name != "displacement_sites"])
    # a site that happens to sit on a public vertex (a town, a road bend) is public already
    secret = np.array([p for p in positions if not np.any(np.all(np.abs(others - p) < 1e-9, axis=1))])
    yield app, token, secret
    service.stop()


def leaked(text: str, secret: np.ndarray) -> list[tuple[float, float]]:
    found = []
    for a, b in PAIR.findall(text):
        for lon, lat in ((float(a), float(b)), (float(b), float(a))):
            if np.any(np.all(np.abs(secret - (lon, lat)) < 1e-7, axis=1)):
                found.append((lon, lat))
    return found


PUBLIC_URLS = [
    "/", "/?layers=displacement_sites", "/?as_of=2025-04-01", "/route", "/access",
    "/access?from=pt-jacmel-seaport", "/route?from=-72.2853,18.5125&to=-72.5369,18.2357",
    "/api/layers", "/api/layers/displacement_sites.geojson",
    "/api/layers/displacement_sites.geojson?bbox=-72.4,18.4,-72.2,18.6",
    "/ogcapi/collections", "/ogcapi/collections/displacement_sites",
    "/ogcapi/collections/displacement_sites/items?limit=1000",
    "/ogcapi/collections/displacement_sites/items?bbox=-72.31,18.54,-72.30,18.55",
    "/ogcapi/collections/displacement_sites/items/ds-001",
    "/ogcapi/collections/displacement_sites/items/ds-001/history",
    "/api/access?from=pt-jacmel-seaport", "/api/access?from=ds-019",
    "/api/safety?at=-72.301,18.548", "/api/safety?at=-72.2853,18.5125&radius_m=5000",
    "/api/safety?at=-72.330,18.583", "/point?at=-72.301,18.548", "/openapi.json", "/docs",
    "/map/layers/communes.geojson", "/map/layers/sections.geojson", "/map/boundaries.topojson",
    "/api/displacement/HT0112",
]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_no_public_surface_gives_exact_site_positions(setup, url):
    app, _, secret = setup
    response = app.test_client().get(url)
    assert response.status_code == 200, url
    assert leaked(response.get_data(as_text=True), secret) == []


def test_csv_and_geopackage_downloads_are_coarsened(setup, tmp_path):
    app, _, secret = setup
    client = app.test_client()
    import csv as csvlib
    import io

    text = client.get("/ogcapi/collections/displacement_sites/items?f=csv&limit=1000").get_data(as_text=True)
    table = list(csvlib.DictReader(io.StringIO(text)))[1:]  # the HXL row first
    coords = np.array([[float(r["lon"]), float(r["lat"])] for r in table])
    assert len(coords) == 32
    assert not any(np.any(np.all(np.abs(secret - c) < 1e-7, axis=1)) for c in coords)
    path = tmp_path / "sites.gpkg"
    path.write_bytes(client.get("/ogcapi/collections/displacement_sites/items?f=gpkg&limit=1000").data)
    frame = pyogrio.read_dataframe(path)
    assert not any(np.any(np.all(np.abs(secret - (p.x, p.y)) < 1e-7, axis=1)) for p in frame.geometry)


def test_whole_layer_csv_and_geopackage_are_coarsened_for_anonymous_callers(setup, tmp_path):
    app, token, secret = setup
    client = app.test_client()
    import csv as csvlib
    import io

    def positions(headers=None):
        text = client.get("/api/layers/displacement_sites.csv", headers=headers).data.decode("utf-8-sig")
        rows = list(csvlib.DictReader(io.StringIO(text)))[1:]
        path = tmp_path / "sites.gpkg"
        path.write_bytes(client.get("/api/layers/displacement_sites.gpkg", headers=headers).data)
        return (np.array([[float(r["lon"]), float(r["lat"])] for r in rows]),
                np.array([[p.x, p.y] for p in pyogrio.read_dataframe(path).geometry]))

    def exact(coords):
        return sum(bool(np.any(np.all(np.abs(secret - c) < 1e-6, axis=1))) for c in coords)

    for coords in positions():
        assert len(coords) == 32 and exact(coords) == 0
    for coords in positions({"Authorization": f"Bearer {token}"}):
        assert exact(coords) == len(secret)


def test_coarse_positions_stay_within_the_grid_cell(setup):
    app, _, _ = setup
    data = app.extensions["geoapp"].dataset
    exact = data.exact.layers["displacement_sites"].to_crs(32618)
    coarse = data.public.layers["displacement_sites"].to_crs(32618)
    moved = exact.geometry.distance(coarse.geometry, align=False)
    assert (moved > 1).all() and (moved < 2000 * 0.71 + 20).all()  # at most half a cell's diagonal


def test_a_tiny_bbox_around_a_site_does_not_find_it(setup):
    app, _, _ = setup
    site = app.extensions["geoapp"].dataset.exact.layers["displacement_sites"].iloc[0]
    x, y = site.geometry.x, site.geometry.y
    box = f"{x - 0.0005},{y - 0.0005},{x + 0.0005},{y + 0.0005}"
    body = app.test_client().get(f"/ogcapi/collections/displacement_sites/items?bbox={box}").json
    assert site["id"] not in {f["id"] for f in body["features"]}


def test_viewers_see_exact_positions(setup):
    app, token, secret = setup
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    text = client.get("/api/layers/displacement_sites.geojson", headers=headers).get_data(as_text=True)
    assert len(leaked(text, secret)) >= len(secret)
    item = client.get("/ogcapi/collections/displacement_sites/items/ds-001", headers=headers).json
    assert leaked(str(item["geometry"]["coordinates"]).replace("(", "[").replace(")", "]"), secret)
    access = client.get("/api/access?from=pt-jacmel-seaport", headers=headers).json
    assert "snap_distance_m" in access["sites"][0]
    assert client.get("/api/layers/displacement_sites.geojson",
                      headers={"Authorization": "Bearer nope"}).status_code == 401
