"""Shared fixtures: the app on the shipped layers, and a writable copy of the layers."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from geoapp import create_app

from .helpers import GEODATA


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The app on the shipped layers (built once: requests never change it)."""
    return create_app({"instance_path": tmp_path_factory.mktemp("instance")})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def data_dir(tmp_path) -> Path:
    """A writable copy of the shipped layers, for tests that break them."""
    target = tmp_path / "geodata"
    target.mkdir()
    for file in GEODATA.glob("*.geojson"):
        shutil.copy(file, target / file.name)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The real gunicorn server (``geoapp serve``) on a free port; yields its base URL."""
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
