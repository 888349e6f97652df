"""Optional extras: a feature whose library is missing names the extra to install."""

import sys

import pytest

from geoapp.errors import GeoappError
from geoapp.extras import MissingExtra, require


def _hide(monkeypatch, module):
    monkeypatch.setitem(sys.modules, module, None)  # import of it now raises ImportError


def test_require_returns_the_module():
    assert require("osmium").__name__ == "osmium"


def test_osm_import_without_osmium_names_the_osm_extra(monkeypatch, tmp_path):
    from geoapp.io.osm import read_osm_roads

    _hide(monkeypatch, "osmium")
    with pytest.raises(MissingExtra, match=r"'osm' extra"):
        read_osm_roads(tmp_path / "haiti.osm.pbf")


def test_cli_import_osm_without_osmium_says_what_to_install(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from geoapp.cli import main

    extract = tmp_path / "haiti.osm"
    extract.write_text("<osm/>")
    monkeypatch.setenv("GEOAPP_INSTANCE_PATH", str(tmp_path / "instance"))
    _hide(monkeypatch, "osmium")
    result = CliRunner().invoke(main, ["import-osm", str(extract), "--dry-run"])
    assert result.exit_code == 1
    assert "install the 'osm' extra" in result.output


def test_workbook_without_openpyxl_names_the_xlsx_extra(monkeypatch, tmp_path):
    from geoapp.io.sheets import read_table

    book = tmp_path / "sites.xlsx"
    book.write_bytes(b"PK\x03\x04")
    _hide(monkeypatch, "openpyxl")
    with pytest.raises(MissingExtra, match=r"'xlsx' extra"):
        read_table(book)


def test_postgis_url_without_psycopg_names_the_postgis_extra(monkeypatch, tmp_path):
    from geoapp.settings import Settings
    from geoapp.store import make_store

    _hide(monkeypatch, "psycopg")
    settings = Settings(database_url="postgresql://nobody@localhost/none", instance_path=tmp_path)
    with pytest.raises(MissingExtra, match=r"'postgis' extra") as caught:
        make_store(settings)
    assert isinstance(caught.value, GeoappError)
