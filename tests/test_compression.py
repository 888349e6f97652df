"""Light on slow links: compressed responses and content-hashed static assets, as a browser or client sees them."""

from __future__ import annotations

import gzip
import json
import re

import brotli
import pytest

from geoapp.http.assets import IMMUTABLE, SHORT

ROUTE = "/api/route?from=-72.2853,18.5125&to=-72.5369,18.2357"
ASSET = re.compile(r'<(?:script[^>]*\bsrc|link[^>]*\bhref)="(/static/[^"]+|/theme\.css[^"]*)"')


def _decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    if encoding == "gzip":
        return gzip.decompress(response.data)
    if encoding == "br":
        return brotli.decompress(response.data)
    assert encoding is None, encoding
    return response.data


def test_json_is_compressed_for_clients_that_accept_it(client):
    plain = client.get(ROUTE)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]  # caches must keep the encodings apart
    for accept, expected in [("gzip", "gzip"), ("br", "br"), ("gzip, deflate, br", "br"),
                             ("gzip;q=1.0, br;q=0.5", "gzip"), ("br;q=0, gzip", "gzip"), ("*", "br"),
                             ("deflate", None), ("gzip;q=0", None), ("identity", None), ("*;q=0", None),
                             ("br;q=0, gzip;q=0, identity", None)]:
        response = client.get(ROUTE, headers={"Accept-Encoding": accept})
        assert response.headers.get("Content-Encoding") == expected, accept
        assert "Accept-Encoding" in response.headers["Vary"], accept
        assert int(response.headers["Content-Length"]) == len(response.data), accept
        assert json.loads(_decoded(response)) == json.loads(plain.data), accept
        if expected:
            assert len(response.data) < len(plain.data) / 4, accept


def test_pages_are_compressed_after_their_security_headers_are_written(client):
    plain = client.get("/")
    zipped = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and len(zipped.data) < len(plain.data) / 4
    assert gzip.decompress(zipped.data) == plain.data
    # the CSP hashes the inline scripts of the plain page: the same policy either way
    assert zipped.headers["Content-Security-Policy"] == plain.headers["Content-Security-Policy"]
    assert "sha256-" in zipped.headers["Content-Security-Policy"]


def test_the_overview_is_compressed_once_and_stays_the_page_served(client):
    plain = client.get("/")
    for accept in ("br", "gzip"):
        first = client.get("/", headers={"Accept-Encoding": accept})
        again = client.get("/", headers={"Accept-Encoding": accept})
        assert first.headers["Content-Encoding"] == accept and again.data == first.data
        assert _decoded(first) == plain.data  # the same build: the CSP's script hashes hold


def test_small_bodies_errors_and_binary_files_go_as_they_are(client):
    small = client.get("/ogcapi/conformance", headers={"Accept-Encoding": "gzip"})
    assert small.status_code == 200 and len(small.data) < 1024 and "Content-Encoding" not in small.headers
    error = client.get("/api/route?from=1,2&to=3,4", headers={"Accept-Encoding": "gzip"})
    assert error.status_code == 400 and "Content-Encoding" not in error.headers and error.get_json()["error"]
    gpkg = client.get("/api/layers/roads.gpkg", headers={"Accept-Encoding": "gzip, br"})
    assert gpkg.status_code == 200 and "Content-Encoding" not in gpkg.headers
    assert gpkg.data[:16] == b"SQLite format 3\x00"
    png = client.get("/static/vendor/leaflet-1.9.4/images/layers.png", headers={"Accept-Encoding": "gzip"})
    assert png.status_code == 200 and "Content-Encoding" not in png.headers


def test_head_gives_the_length_get_sends(client):
    for accept in ("gzip", "br", None):
        headers = {"Accept-Encoding": accept} if accept else {}
        get = client.get("/", headers=headers)
        head = client.head("/", headers=headers)
        assert head.status_code == 200 and head.data == b""
        assert head.headers.get("Content-Encoding") == get.headers.get("Content-Encoding")
        assert int(head.headers["Content-Length"]) == len(get.data)


def _untimed(body: bytes) -> bytes:
    """An OGC page without its ``timeStamp`` (the second it was made in; two requests may straddle one)."""
    return re.sub(rb'"timeStamp": ?"[^"]*"', b'"timeStamp": ""', body)


@pytest.mark.parametrize("url", ["/api/layers/roads.csv", "/ogcapi/collections/roads/items?limit=1000"])
def test_streamed_downloads_keep_streaming_compressed(client, url):
    plain = client.get(url)
    assert plain.status_code == 200 and plain.is_streamed
    for accept in ("gzip", "br"):
        response = client.get(url, headers={"Accept-Encoding": accept}, buffered=False)
        assert response.is_streamed and response.headers["Content-Encoding"] == accept
        assert "Content-Length" not in response.headers  # the length is not known before the end
        chunks = list(response.response)
        response.close()
        body = b"".join(chunks)
        unpacked = gzip.decompress(body) if accept == "gzip" else brotli.decompress(body)
        assert _untimed(unpacked) == _untimed(plain.data)  # the same document, whatever second it was made in
        assert len(body) < len(plain.data) / 3
    headers = client.get(url, headers={"Accept-Encoding": "gzip"}).headers
    assert headers.get("Content-Disposition") == plain.headers.get("Content-Disposition")


def test_etags_name_the_representation_and_revalidate(client):
    plain = client.get("/map/layers/departments.geojson")
    base = plain.headers["ETag"]
    for accept in ("gzip", "br"):
        packed = client.get("/map/layers/departments.geojson", headers={"Accept-Encoding": accept})
        assert packed.headers["ETag"] == base[:-1] + f'-{accept}"'
        assert _decoded(packed) == plain.data  # compressed once, not again on the way out
        again = client.get("/map/layers/departments.geojson",
                           headers={"Accept-Encoding": accept, "If-None-Match": packed.headers["ETag"]})
        assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == packed.headers["ETag"]
    assert client.get("/map/layers/departments.geojson", headers={"If-None-Match": base}).status_code == 304
    assert client.get("/map/layers/departments.geojson", headers={"If-None-Match": '"other-gzip"'}).status_code == 200


def test_an_edit_with_the_etag_of_a_compressed_read_goes_through(make_app, tmp_path):
    app = make_app({"instance_path": tmp_path})
    client = app.test_client()
    token = app.extensions["geoapp"].store.create_token("editor", "editor")
    item = "/ogcapi/collections/roads/items/rd-kenscoff-furcy"
    read = client.get(item, headers={"Accept-Encoding": "gzip"})
    assert read.headers["Content-Encoding"] == "gzip" and read.headers["ETag"].endswith('-gzip"')
    patched = client.patch(item, json={"properties": {"notes": "landslide"}}, headers={
        "Authorization": f"Bearer {token}", "If-Match": read.headers["ETag"], "X-Change-Reason": "test"})
    assert patched.status_code == 200, patched.get_json()
    stale = client.patch(item, json={"properties": {"notes": "again"}}, headers={
        "Authorization": f"Bearer {token}", "If-Match": read.headers["ETag"], "X-Change-Reason": "test"})
    assert stale.status_code == 412  # the suffix is not a way round If-Match


def test_every_asset_of_the_overview_has_a_hashed_name_cached_for_a_year(client):
    html = client.get("/").get_data(as_text=True)
    urls = ASSET.findall(html)
    assert len(urls) >= 10 and any("leaflet-1.9.4/leaflet." in u for u in urls)
    for url in urls:
        assert re.search(r"\.[0-9a-f]{10}\.\w+$", url) or re.search(r"\?v=[0-9a-f]{10}$", url), url
        response = client.get(url, headers={"Accept-Encoding": "gzip, br"})
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE, url
    # stylesheet images under hashed names too, and the stylesheet still draws them
    css_url = next(u for u in urls if "leaflet-1.9.4/leaflet." in u and u.endswith(".css"))
    css = client.get(css_url).get_data(as_text=True)
    images = re.findall(r"url\((images/[^)]+)\)", css)
    assert any(re.fullmatch(r"images/layers\.[0-9a-f]{10}\.png", i) for i in images)
    for image in images:
        response = client.get(css_url.rsplit("/", 1)[0] + "/" + image)
        assert response.status_code == 200 and response.mimetype == "image/png", image


def test_plain_and_outdated_names_still_work_with_a_short_cache(client):
    html = client.get("/").get_data(as_text=True)
    hashed = re.search(r'src="(/static/geoapp\.([0-9a-f]{10})\.js)"', html)
    current = client.get(hashed.group(1))
    for url in ("/static/geoapp.js", "/static/geoapp.0123456789.js"):
        response = client.get(url)
        assert response.status_code == 200 and response.data == current.data, url
        assert response.headers["Cache-Control"] == SHORT, url
    assert current.headers["ETag"] == f'"{hashed.group(2)}"'
    assert client.get(hashed.group(1), headers={"If-None-Match": current.headers["ETag"]}).status_code == 304
    missing = client.get("/static/nothing.0123456789.js")
    assert missing.status_code == 404 and "nothing" in missing.get_json()["error"]["message"]
    assert client.get("/static/../geoapp/settings.py").status_code == 404
    theme = client.get("/theme.css")
    assert theme.status_code == 200 and theme.headers["Cache-Control"] == SHORT


def test_templates_and_folium_maps_get_the_hashed_names(client):
    for page in ("/route", "/point", "/whatif", "/access?from=pt-cap-seaport", "/ogcapi/collections/roads/items?f=html",
                 "/route?from=-72.2853,18.5125&to=-72.5369,18.2357"):
        html = client.get(page).get_data(as_text=True)
        assert re.search(r'/static/vendor/leaflet-1\.9\.4/leaflet\.[0-9a-f]{10}\.js"', html), page
        assert not re.search(r'/static/[\w/.-]+?(?<!\.[0-9a-f]{10})\.(js|css)"', html), page


def test_without_the_brotli_extra_gzip_is_offered(client, monkeypatch):
    from geoapp.http import compression

    monkeypatch.setattr(compression, "brotli_module", lambda: None)
    response = client.get(ROUTE, headers={"Accept-Encoding": "br, gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert client.get(ROUTE, headers={"Accept-Encoding": "br"}).headers.get("Content-Encoding") is None
    assert set(compression.compress_best(b"x" * 5000)) == {"gzip"}


def test_a_body_the_view_encoded_itself_is_not_encoded_again(make_app, tmp_path):
    from flask import Response

    app = make_app({"instance_path": tmp_path})
    packed = gzip.compress(b'{"a": "' + b"x" * 5000 + b'"}')
    app.add_url_rule("/already", "already", lambda: Response(packed, mimetype="application/json",
                                                             headers={"Content-Encoding": "gzip"}))
    for accept in ("gzip", "br", "gzip, br"):
        response = app.test_client().get("/already", headers={"Accept-Encoding": accept})
        assert response.headers["Content-Encoding"] == "gzip" and response.data == packed, accept


def test_bodies_compressed_once_are_gzip_any_client_reads_smaller_with_zopfli(monkeypatch):
    import sys
    import zlib

    from geoapp.http.compression import CompressOnce, compress_best, gzip_once

    from .helpers import ROOT

    body = (ROOT / "geoapp" / "web" / "static" / "vendor" / "leaflet-1.9.4" / "leaflet.js").read_bytes()
    best = compress_best(body)["gzip"]
    assert gzip.decompress(best) == body and zlib.decompress(best, wbits=31) == body  # a plain gzip stream
    assert len(best) < len(zlib.compress(body, 9, wbits=31)) * 0.97  # zopfli: 3% smaller than zlib's best
    once = CompressOnce(body).get("gzip")
    assert gzip.decompress(once) == body and len(once) < len(zlib.compress(body, 9, wbits=31))
    monkeypatch.setitem(sys.modules, "zopfli.gzip", None)  # without the extra: zlib at level 9
    assert gzip_once(body) == zlib.compress(body, 9, wbits=31)
