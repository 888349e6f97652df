"""Shared fixtures: the app on the shipped layers, and a writable copy of the layers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from geoapp import create_app

from .helpers import GEODATA, ServerProcess


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The app on the shipped layers (built once: requests never change it), stopped at the end."""
    app = create_app({"instance_path": tmp_path_factory.mktemp("instance")})
    yield app
    app.extensions["geoapp"].stop()


@pytest.fixture()
def make_app():
    """``create_app`` for one test: every app it makes is stopped afterwards (its watcher thread ends)."""
    made = []

    def make(config=None):
        made.append(create_app(config))
        return made[-1]

    yield make
    for app in made:
        app.extensions["geoapp"].stop()


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


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The real gunicorn server (``geoapp serve``) on a free port; yields its base URL."""
    server = ServerProcess({"GEOAPP_INSTANCE_PATH": str(tmp_path_factory.mktemp("instance"))}).wait_ready()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def pg_url():
    """PostgreSQL with PostGIS started by ``make test`` (scripts/test-postgres.sh)."""
    url = os.environ.get("GEOAPP_TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("GEOAPP_TEST_DATABASE_URL is not set: run the tests with 'make test'")
        pytest.skip("no test database: run 'make test' (it starts PostgreSQL with PostGIS)")
    if not url.startswith("postgresql://") or "\n" in url:
        pytest.fail(f"GEOAPP_TEST_DATABASE_URL is not one postgresql:// URL: {url!r}")
    return url


@pytest.fixture()
def pg_schema(pg_url):
    """A fresh schema for one test, dropped afterwards."""
    import secrets

    import psycopg

    schema = f"t_{secrets.token_hex(6)}"
    yield schema
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["geopackage", "postgis"])
def store_config(request, tmp_path):
    """App settings for each store backend: the embedded GeoPackage, and PostGIS."""
    config = {"instance_path": tmp_path / "instance", "reload_check_s": 0.2}
    if request.param == "postgis":
        url = request.getfixturevalue("pg_url")
        config.update(database_url=url, database_schema=request.getfixturevalue("pg_schema"))
    return config


@pytest.fixture()
def store(store_config):
    from geoapp.settings import Settings
    from geoapp.store import make_store

    return make_store(Settings.from_env({}, overrides=store_config))
