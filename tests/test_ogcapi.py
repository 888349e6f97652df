"""OGC API - Features: the endpoints through Flask's client, then real GIS clients over HTTP."""

from __future__ import annotations

import json
import subprocess
import urllib.request

import pyogrio
import pytest
from shapely.geometry import box, shape

from geoapp.layers import REGISTRY

from .helpers import fixture_count

ROADS, SITES, PORTS, ZONES = (fixture_count(name) for name in ("roads", "displacement_sites", "ports", "gang_zones"))
BLOCKED = fixture_count("roads", status="blocked")


def get(client, url, **params):
    response = client.get(url, query_string=params)
    return response, (json.loads(response.data) if response.mimetype.endswith("json") else None)


def test_landing_page_links(client):
    response, body = get(client, "/ogcapi")
    assert response.status_code == 200
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"].endswith("/openapi.json") and rels["data"].endswith("/ogcapi/collections")


def test_conformance(client):
    body = get(client, "/ogcapi/conformance")[1]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in body["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in body["conformsTo"]


def test_collections_describe_every_layer(client, app):
    body = get(client, "/ogcapi/collections")[1]
    assert [c["id"] for c in body["collections"]] == list(REGISTRY)
    roads = get(client, "/ogcapi/collections/roads")[1]
    assert roads["itemType"] == "feature"
    assert roads["crs"] == ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]
    minx, miny, maxx, maxy = roads["extent"]["spatial"]["bbox"][0]
    assert -74.6 < minx < maxx < -71.5 and 17.9 < miny < maxy < 20.2
    assert roads["extent"]["temporal"]["interval"][0][0].startswith("2025-")
    types = {link["type"] for link in roads["links"] if link["rel"] == "items"}
    assert types == {"application/geo+json", "text/html", "text/csv", "application/geopackage+sqlite3"}


def test_queryables_are_json_schema(client):
    response, _ = get(client, "/ogcapi/collections/roads/queryables")
    assert response.mimetype == "application/schema+json"
    body = json.loads(response.data)
    assert body["type"] == "object"
    assert body["properties"]["status"]["enum"] == ["open", "dangerous", "blocked", "closed"]
    assert body["properties"]["oneway"]["type"] == "boolean"


def test_items_page_with_counts_and_links(client):
    response, body = get(client, "/ogcapi/collections/roads/items", limit=20, offset=20)
    assert response.mimetype == "application/geo+json"
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == ROADS and body["numberReturned"] == 20 == len(body["features"])
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert "offset=40" in rels["next"] and "offset=0" in rels["prev"]
    last = get(client, "/ogcapi/collections/roads/items", limit=20, offset=60)[1]
    assert last["numberReturned"] == ROADS - 60 and "next" not in {link["rel"] for link in last["links"]}
    ids = [f["id"] for f in body["features"]]
    assert ids == [f["properties"]["id"] for f in body["features"]]


def test_property_filter_bbox_and_sort(client, app):
    roads = app.extensions["geoapp"].dataset.layers["roads"]
    body = get(client, "/ogcapi/collections/roads/items", status="blocked", limit=1000)[1]
    assert body["numberMatched"] == int((roads["status"] == "blocked").sum())
    assert {f["properties"]["status"] for f in body["features"]} == {"blocked"}
    area = (-72.40, 18.50, -72.30, 18.60)
    cut = get(client, "/ogcapi/collections/roads/items", bbox=",".join(map(str, area)), limit=1000)[1]
    assert 0 < cut["numberMatched"] < ROADS
    assert all(shape(f["geometry"]).intersects(box(*area)) for f in cut["features"])
    ports = get(client, "/ogcapi/collections/ports/items", sortby="-name")[1]
    names = [f["properties"]["name"] for f in ports["features"]]
    assert names == sorted(names, reverse=True)
    both = get(client, "/ogcapi/collections/roads/items", status="dangerous", ref="RN1", limit=1000)[1]
    assert all(f["properties"]["ref"] == "RN1" for f in both["features"]) and both["numberMatched"] >= 1


@pytest.mark.parametrize(("value", "expected"), [
    ("2025-04-01", {"gz-mirebalais", "gz-lascahobas"}),  # an instant: the features of that day
    ("2025-04-01/2025-12-31", {"gz-mirebalais", "gz-lascahobas"}),
    ("2025-04-01/..", {"gz-mirebalais", "gz-lascahobas"}),
    ("../2025-03-31", "all but two"),
    ("2025-04-01T10:00:00Z", {"gz-mirebalais", "gz-lascahobas"}),
    ("2024-01-01/2024-12-31", set()),
])
def test_datetime_matches_as_of(client, value, expected):
    body = get(client, "/ogcapi/collections/gang_zones/items", datetime=value, limit=1000)[1]
    ids = {f["id"] for f in body["features"]}
    if expected == "all but two":
        assert len(ids) == ZONES - 2 and not ids & {"gz-mirebalais", "gz-lascahobas"}
    else:
        assert ids == expected


def test_datetime_uses_valid_from_and_valid_to(app):
    import geopandas as gpd
    from shapely.geometry import Point

    from geoapp.data.query import Query, parse_datetime, run_query

    frame = gpd.GeoDataFrame({
        "id": ["a", "b", "c"], "as_of": ["2025-01-01"] * 3,
        "valid_from": ["2025-01-01", "2025-02-01", None], "valid_to": ["2025-01-31", None, None],
    }, geometry=[Point(-72.3, 18.5)] * 3, crs="EPSG:4326")
    import shapely

    tree = shapely.STRtree(frame.geometry.values)

    def ids(value):
        return set(run_query(frame, tree, REGISTRY["ports"], Query(datetime=parse_datetime(value)))[1]["id"])

    assert ids("2025-01-15") == {"a"}
    assert ids("2026-06-01") == {"b"}  # valid_to empty: still valid
    assert ids("2025-01-01") == {"a", "c"}  # c has no validity range: its as_of day
    assert ids("2025-01-20/2025-02-10") == {"a", "b"}


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"limit": "10001"}, "limit", "between 1 and 10000"),
    ({"limit": "ten"}, "limit", "whole number"),
    ({"limit": "0"}, "limit", "between 1 and 10000"),
    ({"offset": "-1"}, "offset", "between 0"),
    ({"bbox": "1,2,3"}, "bbox", "MINX,MINY,MAXX,MAXY"),
    ({"bbox": "-72,18,-73,19"}, "bbox", "MINX <= MAXX"),
    ({"datetime": "yesterday"}, "datetime", "RFC 3339"),
    ({"datetime": "2025-05-01/2025-01-01"}, "datetime", "starts after it ends"),
    ({"datetime": "../.."}, "datetime", "at least one end"),
    ({"status": "closedish"}, "status", "must be one of open, dangerous, blocked, closed"),
    ({"oneway": "maybe"}, "oneway", "true or false"),
    ({"sortby": "colour"}, "sortby", "cannot sort by"),
    ({"f": "xlsx"}, "f", "must be one of json, csv, gpkg"),
    ({"unknown": "1"}, "unknown", "unknown parameter"),
])
def test_bad_item_queries_are_400(client, params, field, message):
    response, body = get(client, "/ogcapi/collections/roads/items", **params)
    assert response.status_code == 400
    assert body["error"]["field"] == field and message in body["error"]["message"]


def test_not_found(client):
    assert get(client, "/ogcapi/collections/bridges")[0].status_code == 404
    response, body = get(client, "/ogcapi/collections/roads/items/no-such-road")
    assert response.status_code == 404 and body["error"]["field"] == "featureId"


def test_one_item(client):
    response, body = get(client, "/ogcapi/collections/ports/items/pt-varreux")
    assert response.mimetype == "application/geo+json"
    assert body["type"] == "Feature" and body["id"] == "pt-varreux"
    assert body["properties"]["status"] == "gang_controlled"
    assert {link["rel"] for link in body["links"]} == {"self", "alternate", "collection"}


def test_csv_with_hxl_follows_the_same_filters(client):
    response = client.get("/ogcapi/collections/displacement_sites/items",
                          query_string={"f": "csv", "status": "open", "limit": 1000})
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).strip().split("\n")
    header, tags = lines[0].split(","), lines[1].split(",")
    assert tags[header.index("individuals")] == "#affected+idps+ind"
    assert tags[header.index("lat")] == "#geo+lat" and tags[header.index("adm2_pcode")] == "#adm2+code"
    assert len(lines) - 2 == fixture_count("displacement_sites", status="open")  # the open sites only
    roads = client.get("/ogcapi/collections/roads/items", query_string={"f": "csv", "limit": 5}).get_data(as_text=True)
    assert "#geo+wkt" in roads and "LINESTRING" in roads


@pytest.mark.parametrize("url", ["/ogcapi/collections/displacement_sites/items?f=csv&limit=1000",
                                 "/api/layers/displacement_sites.csv"])
def test_csv_downloads_open_in_excel_and_in_every_reader(client, tmp_path, url):
    import io

    import hxl
    import pandas as pd
    from hxl.input import InputOptions

    raw = client.get(url).data
    assert raw.startswith(b"\xef\xbb\xbfid,")  # the UTF-8 byte-order mark: Excel keeps the accents
    assert "Pétion-Ville" in raw.decode("utf-8-sig") and b"\r\n" not in raw
    table = pd.read_csv(io.BytesIO(raw), skiprows=[1])  # the HXL row under the header
    assert table.columns[0] == "id" and len(table) == SITES and "Pétion-Ville" in set(table["commune"])
    path = tmp_path / "sites.csv"
    path.write_bytes(raw)
    with open(path, "rb") as handle:  # HXL tools work by hashtag: the first column is #meta+id
        source = hxl.data(handle, InputOptions(allow_local=True))
        assert source.columns[0].display_tag == "#meta+id"
        assert "Pétion-Ville" in {row.get("#adm2+name") for row in source}
    with open(path, "rb") as handle:  # libhxl keeps a BOM on the first header unless told the encoding
        source = hxl.data(handle, InputOptions(allow_local=True, encoding="utf-8-sig"))
        assert source.columns[0].header == "id" and len(list(source)) == SITES
    info = subprocess.run(["ogrinfo", "-ro", "-al", "-so", str(path)], capture_output=True, text=True, timeout=60)
    assert info.returncode == 0, info.stderr
    fields = [line.split(":")[0].strip() for line in info.stdout.splitlines() if ": String" in line]
    assert fields[0] == "id"  # no BOM glued to the first column's name
    frame = pyogrio.read_dataframe(path)
    assert frame.columns[0] == "id" and "Pétion-Ville" in set(frame["commune"])


def test_excel_true_adds_crlf_line_ends(client):
    raw = client.get("/ogcapi/collections/ports/items", query_string={"f": "csv", "excel": "true"}).data
    whole = client.get("/api/layers/ports.csv?excel=true").data
    for body in (raw, whole):
        lines = body.split(b"\r\n")
        assert body.startswith(b"\xef\xbb\xbfid,") and len(lines) == PORTS + 3  # header, HXL row, ports, last end
        assert lines[-1] == b"" and b"\n" not in b"".join(lines)
    assert client.get("/api/layers/ports.csv?excel=maybe").status_code == 400


def test_whole_layer_downloads(client, tmp_path):
    listing = {layer["name"]: layer for layer in client.get("/api/layers").json["layers"]}
    assert listing["roads"]["downloads"] == {"geojson": "/api/layers/roads.geojson", "csv": "/api/layers/roads.csv",
                                             "gpkg": "/api/layers/roads.gpkg"}
    response = client.get("/api/layers/roads.gpkg")
    assert response.mimetype == "application/geopackage+sqlite3"
    assert 'filename="haiti-access_roads_' in response.headers["Content-Disposition"]
    path = tmp_path / "roads.gpkg"
    path.write_bytes(response.data)
    assert len(pyogrio.read_dataframe(path)) == ROADS
    text = client.get("/api/layers/roads.csv?bbox=-72.40,18.50,-72.30,18.60").get_data(as_text=True)
    assert 0 < len(text.strip().split("\n")) - 2 < 70 and "LINESTRING" in text
    assert client.get("/api/layers/bridges.csv").status_code == 404
    page = client.get("/").get_data(as_text=True)
    assert 'href="/api/layers/roads.csv"' in page and 'href="/api/layers/roads.gpkg"' in page
    assert "limit=10000" not in page  # no download link stops at the page size


def test_csv_and_gpkg_pages_say_how_to_go_on(client):
    from requests.utils import parse_header_links

    first = client.get("/ogcapi/collections/roads/items", query_string={"f": "csv", "limit": 30, "status": "open"})
    assert first.headers["X-Number-Returned"] == "30"
    matched = int(first.headers["X-Number-Matched"])
    assert matched > 30 and 'rel="next"; type="text/csv"' in first.headers["Link"]
    assert 'rel="prev"' not in first.headers["Link"]
    nxt = next(link["url"] for link in parse_header_links(first.headers["Link"]) if link["rel"] == "next")
    assert "offset=30" in nxt and "f=csv" in nxt and "status=open" in nxt
    second = client.get(nxt)
    assert second.mimetype == "text/csv" and 'rel="prev"' in second.headers["Link"]
    gpkg = client.get("/ogcapi/collections/roads/items", query_string={"f": "gpkg", "limit": 30})
    assert 'type="application/geopackage+sqlite3"' in gpkg.headers["Link"]
    whole = client.get("/ogcapi/collections/ports/items", query_string={"f": "csv", "limit": 1000})
    assert "Link" not in whole.headers and whole.headers["X-Number-Matched"] == "19"


def test_gpkg_follows_the_same_filters(client, tmp_path):
    response = client.get("/ogcapi/collections/roads/items", query_string={"f": "gpkg", "status": "blocked"})
    assert response.mimetype == "application/geopackage+sqlite3"
    path = tmp_path / "roads.gpkg"
    path.write_bytes(response.data)
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == BLOCKED and set(frame["status"]) == {"blocked"}
    assert frame.crs.to_epsg() == 4326


def test_openapi_describes_every_route(app, client):
    doc = json.loads(client.get("/openapi.json").data)
    assert doc["openapi"].startswith("3.")
    paths = set(doc["paths"])
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", "{" + arg + "}").replace(f"<path:{arg}>", "{" + arg + "}")
        path = path.replace("{collection_id}", "{collectionId}").replace("{feature_id}", "{featureId}")
        assert path in paths, f"{path} is not in the OpenAPI document"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in doc["paths"][path], f"{method} {path} is not documented"
    for ops in doc["paths"].values():
        for op in ops.values():
            assert "500" in op["responses"]


def test_docs_page_renders_locally(client):
    from .test_maps import outside_urls

    html = client.get("/docs").get_data(as_text=True)
    assert "GET /api/route" in html and "POST /api/whatif" in html
    assert outside_urls(html) == []


def test_old_download_urls_keep_working(client):
    assert client.get("/api/layers/roads.geojson").status_code == 200


# --- real clients over HTTP -------------------------------------------------------------------------


@pytest.mark.server
@pytest.mark.slow
def test_gdal_ogrinfo_lists_and_filters(live_server):
    url = f"OAPIF:{live_server}/ogcapi"
    listing = subprocess.run(["ogrinfo", "-ro", "-q", url], capture_output=True, text=True, timeout=120)
    assert listing.returncode == 0, listing.stderr
    for name in REGISTRY:
        assert name in listing.stdout
    filtered = subprocess.run(["ogrinfo", "-ro", "-so", url, "roads", "-where", "status = 'blocked'"],
                              capture_output=True, text=True, timeout=120)
    assert filtered.returncode == 0, filtered.stderr
    assert "Feature Count: 17" in filtered.stdout
    whole = subprocess.run(["ogrinfo", "-ro", "-so", url, "displacement_sites"], capture_output=True, text=True,
                           timeout=120)
    assert "Feature Count: 32" in whole.stdout


@pytest.mark.server
@pytest.mark.slow
def test_owslib_reads_collections_and_items(live_server):
    from owslib.ogcapi.features import Features

    api = Features(f"{live_server}/ogcapi")
    assert [c["id"] for c in api.collections()["collections"]] == list(REGISTRY)
    items = api.collection_items("roads", status="blocked", limit=100)
    assert items["numberMatched"] == BLOCKED and len(items["features"]) == BLOCKED
    one = api.collection_item("ports", "pt-varreux")
    assert one["properties"]["kind"] == "fuel_terminal"


@pytest.mark.server
@pytest.mark.slow
def test_libhxl_parses_the_csv_export(live_server, tmp_path):
    import hxl
    from hxl.input import InputOptions

    path = tmp_path / "sites.csv"
    with urllib.request.urlopen(f"{live_server}/ogcapi/collections/displacement_sites/items?f=csv&limit=1000") as r:
        path.write_bytes(r.read())
    with open(path, "rb") as handle:  # an open file: libhxl leaves paths it opens itself unclosed
        source = hxl.data(handle, InputOptions(allow_local=True))
        tags = [column.display_tag for column in source.columns]
        rows = list(source)
    assert {"#affected+idps+ind", "#geo+lat", "#geo+lon", "#adm2+code", "#loc+name"} <= set(tags)
    assert len(rows) == SITES
    assert sum(int(row.get("#affected+idps+ind")) for row in rows) > 0


@pytest.mark.server
@pytest.mark.slow
def test_pyogrio_reads_the_geopackage_export(live_server, tmp_path):
    path = tmp_path / "zones.gpkg"
    with urllib.request.urlopen(f"{live_server}/ogcapi/collections/gang_zones/items?f=gpkg&limit=1000") as r:
        path.write_bytes(r.read())
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == ZONES and set(frame["status"]) <= {"controlled", "contested", "influence"}


# --- nothing lost at scale ------------------------------------------------------------------------

N_BIG = 12_000


@pytest.fixture(scope="module")
def big_app(tmp_path_factory):
    """The app with 12,000 incidents (more than one OGC page can hold) in a store of its own."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from geoapp import create_app

    rng = np.random.default_rng(5)
    days = [f"2025-0{1 + k % 9}-{1 + k % 28:02d}" for k in range(N_BIG)]
    frame = gpd.GeoDataFrame({
        "id": [f"in-big-{k:05d}" for k in range(N_BIG)], "name": "Incident", "status": "verified",
        "as_of": days, "source": "scale test", "confidence": "medium", "notes": "", "event_date": days,
        "event_type": "Battles", "sub_event_type": "Armed clash", "actor": "Gang", "location": "Pétion-Ville",
        "admin1": "Ouest", "admin2": "Port-au-Prince", "admin3": "", "fatalities": 0, "geo_precision": 2,
    }, geometry=shapely.points(rng.uniform([-72.45, 18.45], [-72.20, 18.60], (N_BIG, 2))), crs="EPSG:4326")
    app = create_app({"instance_path": tmp_path_factory.mktemp("big")})
    service = app.extensions["geoapp"]
    service.store.replace_layer("incidents", frame, actor="test", reason="more than a page")
    service.reload()
    yield app
    service.stop()


def test_whole_layer_downloads_have_every_feature(big_app, tmp_path):
    client = big_app.test_client()
    text = client.get("/api/layers/incidents.csv").data.decode("utf-8-sig")
    rows = text.strip().split("\n")[2:]  # after the header and the HXL row
    assert len(rows) == N_BIG and len({r.split(",")[0] for r in rows}) == N_BIG
    path = tmp_path / "incidents.gpkg"
    path.write_bytes(client.get("/api/layers/incidents.gpkg").data)
    assert len(pyogrio.read_dataframe(path)) == N_BIG
    assert len(client.get("/api/layers/incidents.geojson").json["features"]) == N_BIG


def test_following_next_links_collects_every_feature(big_app):
    from requests.utils import parse_header_links

    client = big_app.test_client()
    ids, url, pages = [], "/ogcapi/collections/incidents/items?limit=5000", 0
    while url:
        body = client.get(url).json
        ids += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        pages += 1
    assert pages == 3 and len(ids) == len(set(ids)) == N_BIG
    ids, url, pages = [], "/ogcapi/collections/incidents/items?limit=5000&f=csv", 0
    while url:
        response = client.get(url)
        assert response.headers["X-Number-Matched"] == str(N_BIG)
        ids += [r.split(",")[0] for r in response.data.decode("utf-8-sig").strip().split("\n")[2:]]
        links = {link["rel"]: link["url"] for link in parse_header_links(response.headers.get("Link", ""))}
        url = links.get("next")  # as requests' response.links reads RFC 8288 headers
        pages += 1
    assert pages == 3 and len(ids) == len(set(ids)) == N_BIG


def test_whole_layer_downloads_are_rate_limited_as_downloads(tmp_path):
    from geoapp import create_app

    app = create_app({"instance_path": tmp_path, "rate_limit_downloads": "2/minute"})
    client = app.test_client()
    for url in ("/api/layers/ports.csv", "/api/layers/ports.gpkg"):
        assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    app.extensions["geoapp"].stop()
