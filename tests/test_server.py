"""The real production server (gunicorn through ``geoapp serve``) answering over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

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
    assert status == 200 and b"leaflet.js" in body and headers["Content-Type"].startswith("text/html")
    status, headers, body = fetch(live_server + "/api/layers/ports.geojson")
    assert status == 200 and headers["Content-Type"] == "application/geo+json"
    assert len(json.loads(body)["features"]) == 17
    status, _, body = fetch(live_server + "/api/route?from=1,2&to=3,4")
    assert status == 400 and json.loads(body)["error"]["field"] == "from"


def test_served_by_gunicorn_not_the_debug_server(live_server):
    _, headers, _ = fetch(live_server + "/healthz")
    assert "gunicorn" in headers.get("Server", "").lower()
