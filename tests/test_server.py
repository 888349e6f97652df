"""The real production server (gunicorn through ``geoapp serve``) answering over HTTP."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import urllib.error
import urllib.request

import pytest

from .helpers import fixture_count

pytestmark = [pytest.mark.server, pytest.mark.slow]


def fetch(url: str):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_route_lookup_over_http(live_server):
    status, headers, body = fetch(live_server + "/api/route?from=-72.2853,18.5125&to=-72.5369,18.2357")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    answer = json.loads(body)
    assert answer["verdict"] == "caution"
    assert {f["properties"]["kind"] for f in answer["routes"]} == {"safest", "shortest"}


def test_pages_downloads_and_errors_over_http(live_server):
    status, headers, body = fetch(live_server + "/")
    assert status == 200 and re.search(rb"leaflet\.[0-9a-f]{10}\.js", body) and headers["Content-Type"].startswith(
        "text/html")
    status, headers, body = fetch(live_server + "/api/layers/ports.geojson")
    assert status == 200 and headers["Content-Type"] == "application/geo+json"
    assert len(json.loads(body)["features"]) == fixture_count("ports")
    status, _, body = fetch(live_server + "/api/route?from=1,2&to=3,4")
    assert status == 400 and json.loads(body)["error"]["field"] == "from"


def test_compressed_over_http_and_downloads_still_stream(live_server):
    """Through gunicorn: gzip as asked, a chunked download compressed as it streams, HEAD's length right."""
    host, port = live_server.removeprefix("http://").split(":")

    def raw(method: str, path: str, **headers):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response, body

    page, body = raw("GET", "/", **{"Accept-Encoding": "gzip"})
    assert page.getheader("Content-Encoding") == "gzip" and int(page.getheader("Content-Length")) == len(body)
    assert b"haiti-access" in gzip.decompress(body)
    # (each worker builds its own overview, with its own map ids: compare a layer, the same in both)
    layer, body = raw("GET", "/api/layers/ports.geojson", **{"Accept-Encoding": "gzip"})
    head, nothing = raw("HEAD", "/api/layers/ports.geojson", **{"Accept-Encoding": "gzip"})
    assert layer.getheader("Content-Encoding") == head.getheader("Content-Encoding") == "gzip"
    assert nothing == b"" and head.getheader("Content-Length") == layer.getheader("Content-Length") == str(len(body))
    csv, packed = raw("GET", "/api/layers/roads.csv", **{"Accept-Encoding": "gzip"})
    assert csv.getheader("Content-Encoding") == "gzip" and csv.getheader("Transfer-Encoding") == "chunked"
    assert csv.getheader("Content-Length") is None
    plain = raw("GET", "/api/layers/roads.csv")[1]
    assert gzip.decompress(packed) == plain and len(packed) < len(plain) / 3


def test_served_by_gunicorn_not_the_debug_server(live_server):
    _, headers, _ = fetch(live_server + "/healthz")
    assert "gunicorn" in headers.get("Server", "").lower()
