"""A bad layer file stops start-up with a message naming the file, the feature and the problem."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from geoapp import create_app
from geoapp.cli import main
from geoapp.errors import DataValidationError
from geoapp.layers import REGISTRY
from geoapp.store import DirectoryStore
from geoapp.validate import validate_layer

from .helpers import edit_features, grid_roads


def load_error(data_dir) -> str:
    with pytest.raises(DataValidationError) as info:
        DirectoryStore(data_dir).load()
    return str(info.value)


def test_missing_column(data_dir):
    edit_features(data_dir / "ports.geojson", lambda fs: [f["properties"].pop("confidence") for f in fs])
    message = load_error(data_dir)
    assert "ports.geojson" in message and "missing column(s) confidence" in message


def test_unknown_status_names_the_feature(data_dir):
    def edit(features):
        features[3]["properties"]["status"] = "closedish"

    edit_features(data_dir / "roads.geojson", edit)
    feature_id = json.loads((data_dir / "roads.geojson").read_text())["features"][3]["properties"]["id"]
    message = load_error(data_dir)
    assert f"roads.geojson: feature '{feature_id}': status must be one of open, dangerous, blocked" in message


def test_invalid_geometry(data_dir):
    def edit(features):
        features[0]["geometry"]["coordinates"] = [[[-72.3, 18.5], [-72.2, 18.6], [-72.2, 18.5], [-72.3, 18.6],
                                                    [-72.3, 18.5]]]

    edit_features(data_dir / "gang_zones.geojson", edit)
    message = load_error(data_dir)
    assert "gang_zones.geojson: feature 'gz-cite-soleil': invalid geometry (Self-intersection" in message


def test_geometry_outside_haiti(data_dir):
    def edit(features):
        features[0]["geometry"]["coordinates"] = [-69.9, 18.5]  # Santo Domingo

    edit_features(data_dir / "ports.geojson", edit)
    assert "ports.geojson: feature 'pt-pap-seaport': geometry lies outside Haiti" in load_error(data_dir)


def test_wrong_geometry_type(data_dir):
    def edit(features):
        features[0]["geometry"] = {"type": "LineString", "coordinates": [[-72.3, 18.5], [-72.2, 18.6]]}

    edit_features(data_dir / "displacement_sites.geojson", edit)
    assert "feature 'ds-001': geometry must be Point" in load_error(data_dir)


def test_duplicate_id(data_dir):
    def edit(features):
        features[1]["properties"]["id"] = features[0]["properties"]["id"]

    edit_features(data_dir / "ports.geojson", edit)
    assert "ports.geojson: feature 'pt-pap-seaport': duplicate id" in load_error(data_dir)


def test_wrong_crs(data_dir):
    path = data_dir / "ports.geojson"
    doc = json.loads(path.read_text())
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32618"}}
    for f in doc["features"]:
        f["geometry"]["coordinates"] = [780000.0, 2050000.0]
    path.write_text(json.dumps(doc))
    assert "ports.geojson: CRS must be EPSG:4326 (lon/lat), found EPSG:32618" in load_error(data_dir)


def test_bad_dates_numbers_and_confidence(data_dir):
    def edit(features):
        features[0]["properties"]["as_of"] = "last week"
        features[1]["properties"]["individuals"] = -5
        features[2]["properties"]["confidence"] = "sure"

    edit_features(data_dir / "displacement_sites.geojson", edit)
    message = load_error(data_dir)
    assert "feature 'ds-001': as_of must be an ISO date (YYYY-MM-DD)" in message
    assert "feature 'ds-002': individuals must be a whole number from 0 to 1,000,000,000" in message
    assert "feature 'ds-003': confidence must be one of high, medium, low" in message


@pytest.mark.parametrize("as_of", ["2025-02-30", "", None, "03/2025", "early March"])
def test_validate_refuses_a_date_it_could_not_age(data_dir, as_of):
    """No feature gets in without a date staleness can be counted from (answers would not know its age)."""
    def edit(features):
        features[1]["properties"]["as_of"] = as_of

    edit_features(data_dir / "roads.geojson", edit)
    feature_id = json.loads((data_dir / "roads.geojson").read_text())["features"][1]["properties"]["id"]
    result = CliRunner().invoke(main, ["validate", "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert f"roads.geojson: feature '{feature_id}': as_of must be an ISO date (YYYY-MM-DD)" in result.output


def test_unreadable_and_missing_files(data_dir):
    (data_dir / "roads.geojson").write_text("{ not json")
    (data_dir / "ports.geojson").unlink()
    message = load_error(data_dir)
    assert "roads.geojson: cannot be read as a layer file" in message
    assert "ports.geojson: file not found" in message


def test_bad_file_stops_start_up(data_dir, tmp_path):
    edit_features(data_dir / "ports.geojson", lambda fs: fs[0]["properties"].update(status="sunk"))
    with pytest.raises(DataValidationError, match="ports.geojson: feature 'pt-pap-seaport': status must be"):
        create_app({"data_dir": data_dir, "instance_path": tmp_path / "instance"})


def test_validate_command_reports_problems_and_exit_code(data_dir):
    runner = CliRunner()
    ok = runner.invoke(main, ["validate", "--data-dir", str(data_dir)])
    assert ok.exit_code == 0, ok.output
    assert "roads: 70 features" in ok.output and "road graph:" in ok.output

    edit_features(data_dir / "roads.geojson", lambda fs: fs[0]["properties"].update(status="maybe"))
    bad = runner.invoke(main, ["validate", "--data-dir", str(data_dir)])
    assert bad.exit_code == 1
    assert "roads.geojson: feature 'rd-rn2-portail-martissant': status must be one of" in bad.output


def test_validate_layer_normalises_a_synthetic_frame():
    roads = grid_roads(2)
    out = validate_layer(roads, REGISTRY["roads"], source="synthetic")
    assert list(out.columns[:7]) == ["id", "name", "status", "as_of", "source", "confidence", "notes"]
    assert out["oneway"].dtype == bool
    assert out["as_of"].iloc[0] == "2025-03-01"


def test_counts_beyond_any_real_figure_and_precision_outside_1_to_3_are_refused():
    import geopandas as gpd
    import shapely

    from geoapp.layers import REGISTRY
    from geoapp.validate import validate_layer

    base = {"id": "in-x", "name": "n", "status": "verified", "as_of": "2025-01-01", "source": "s",
            "confidence": "high", "notes": "", "event_date": "2025-01-01", "event_type": "Battles",
            "sub_event_type": "", "actor": "", "location": "", "admin1": "", "admin2": "", "admin3": "",
            "fatalities": 10**30, "geo_precision": 7}
    frame = gpd.GeoDataFrame([base], geometry=[shapely.Point(-72.3, 18.5)], crs="EPSG:4326")
    with pytest.raises(DataValidationError) as info:
        validate_layer(frame, REGISTRY["incidents"], source="t")
    assert "t: feature 'in-x': fatalities must be a whole number from 0 to 1,000,000,000" in info.value.problems
    assert "t: feature 'in-x': geo_precision must be a whole number from 1 to 3" in info.value.problems
