"""Shared fixtures: the fixture data folder (tests/data) for every app, server and CLI run; apps on it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from geoapp import create_app

from .helpers import ServerProcess, make_data_dir


@pytest.fixture(scope="session", autouse=True)
def test_data_dir(tmp_path_factory) -> Path:
    """The data folder of the test session (fixture layers; see tests/data/README.md), as ``GEOAPP_DATA_DIR``.

    Set in the environment, it is what every app, CLI run and server process of the session reads
    unless a test names another folder: behaviour tests never depend on the shipped ``geodata/``.
    """
    folder = make_data_dir(tmp_path_factory.mktemp("data") / "geodata")
    before = os.environ.get("GEOAPP_DATA_DIR")
    os.environ["GEOAPP_DATA_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("GEOAPP_DATA_DIR", None)
    else:
        os.environ["GEOAPP_DATA_DIR"] = before


@pytest.fixture(scope="session")
def app(tmp_path_factory, test_data_dir):
    """The app on the fixture layers (built once: requests never change it), stopped at the end."""
    app = create_app({"instance_path": tmp_path_factory.mktemp("instance"), "data_dir": test_data_dir})
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
    """A writable data folder with the fixture layers, for tests that change or break them."""
    return make_data_dir(tmp_path / "geodata")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, test_data_dir):
    """The real gunicorn server (``geoapp serve``) on the fixture layers, on a free port; yields its base URL."""
    server = ServerProcess({"GEOAPP_INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
                            "GEOAPP_DATA_DIR": str(test_data_dir)}).wait_ready()
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
def store_config(request, tmp_path, test_data_dir):
    """App settings for each store backend (the embedded GeoPackage, and PostGIS), on the fixture layers."""
    config = {"instance_path": tmp_path / "instance", "data_dir": test_data_dir, "reload_check_s": 0.2}
    if request.param == "postgis":
        url = request.getfixturevalue("pg_url")
        config.update(database_url=url, database_schema=request.getfixturevalue("pg_schema"))
    return config


@pytest.fixture()
def store(store_config):
    from geoapp.settings import Settings
    from geoapp.store import make_store

    return make_store(Settings.from_env({}, overrides=store_config))
