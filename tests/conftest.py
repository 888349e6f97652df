"""Shared fixtures: the app on the shipped layers, and a writable copy of the layers."""

from __future__ import annotations

import shutil
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
