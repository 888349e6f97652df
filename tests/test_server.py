"""The real production server (gunicorn through ``geoapp serve``) answering over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.server, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    env = {**os.environ, "GEOAPP_INSTANCE_PATH": str(tmp_path_factory.mktemp("instance"))}
    geoapp = Path(sys.executable).with_name("geoapp")
    proc = subprocess.Popen([str(geoapp), "serve", "--port", str(port), "--workers", "2"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("server did not start:\n" + proc.stdout.read().decode(errors="replace"))
            time.sleep(0.3)
    yield base
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.stdout.close()


def fetch(url: str):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_route_lookup_over_http(server):
    status, headers, body = fetch(server + "/api/route?from=-72.2853,18.5125&to=-72.5369,18.2357")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    answer = json.loads(body)
    assert answer["verdict"] == "caution"
    assert {f["properties"]["kind"] for f in answer["routes"]} == {"safest", "shortest"}


def test_pages_downloads_and_errors_over_http(server):
    status, headers, body = fetch(server + "/")
    assert status == 200 and b"leaflet.js" in body and headers["Content-Type"].startswith("text/html")
    status, headers, body = fetch(server + "/api/layers/ports.geojson")
    assert status == 200 and headers["Content-Type"] == "application/geo+json"
    assert len(json.loads(body)["features"]) == 17
    status, _, body = fetch(server + "/api/route?from=1,2&to=3,4")
    assert status == 400 and json.loads(body)["error"]["field"] == "from"


def test_served_by_gunicorn_not_the_debug_server(server):
    _, headers, _ = fetch(server + "/healthz")
    assert "gunicorn" in headers.get("Server", "").lower()
