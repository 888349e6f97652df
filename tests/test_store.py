"""Both store backends: seeding, transactional writes with audit, versions, tokens, history."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geoapp.data.history import layers_as_of
from geoapp.errors import Conflict, DataValidationError, NotFound, PreconditionFailed
from geoapp.layers import REGISTRY, STORED
from geoapp.store.sql import frame_from_feature

SPEC = REGISTRY["ports"]


def port(fid="pt-test", status="operational", x=-72.0):
    return frame_from_feature({"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, 18.5]},
                               "properties": {"id": fid, "name": "Test port", "status": status, "as_of": "2026-11-01",
                                              "source": "test", "confidence": "high", "notes": "", "kind": "seaport"}},
                              SPEC, source="test")


def test_seeded_from_the_data_folder_once(store, test_data_dir):
    layers = store.load()
    in_files = {name: len(json.loads((test_data_dir / f"{name}.geojson").read_text(encoding="utf-8"))["features"])
                for name in layers}
    assert {k: len(v) for k, v in layers.items()} == in_files
    assert set(layers) == {"gang_zones", "displacement_sites", "roads", "ports", "incidents", "connections",
                           "checkpoints", "departments", "communes", "sections"} and all(in_files.values())
    assert layers["roads"].crs.to_epsg() == 4326 and layers["roads"]["oneway"].dtype == bool
    version = store.version()
    assert store.init() is False and store.version() == version
    assert store.integrity_check()


def test_a_store_made_before_a_layer_existed_gets_it_seeded_and_keeps_the_rest(store):
    """A store from an earlier release (no incidents layer yet) is upgraded on its next start."""
    store.create("ports", port(), actor="alice", reason="kept across the upgrade")
    with store._write() as cur:  # as an earlier release left it: no incidents, no seed entry for them
        cur.execute("DELETE FROM incidents")
        cur.execute("DELETE FROM audit_log WHERE layer = 'incidents'")
    assert len(store.load()["incidents"]) == 0
    version = store.version()
    assert store.init() is True and store.version() > version
    layers = store.load()
    assert len(layers["incidents"]) == 19 and len(layers["ports"]) == 20
    assert store.history("ports", "pt-test")[-1]["reason"] == "kept across the upgrade"
    assert store.init() is False


def test_create_replace_delete_with_audit_and_versions(store):
    v0 = store.version()
    assert store.create("ports", port(), actor="alice", reason="new port") == 1
    feature, version = store.get("ports", "pt-test")
    assert version == 1 and feature["properties"]["status"] == "operational"
    assert store.replace("ports", "pt-test", port(status="closed"), expected_version=1, actor="bob",
                         reason="closed by gangs") == 2
    store.delete("ports", "pt-test", expected_version=2, actor="alice", reason="duplicate")
    assert store.get("ports", "pt-test") is None
    assert store.version() == v0 + 3
    history = store.history("ports", "pt-test")
    assert [h["action"] for h in history] == ["create", "replace", "delete"]
    assert [h["actor"] for h in history] == ["alice", "bob", "alice"]
    assert history[1]["reason"] == "closed by gangs"
    assert history[1]["before"]["properties"]["status"] == "operational"
    assert history[1]["after"]["properties"]["status"] == "closed"
    assert history[2]["after"] is None and history[2]["before"]["properties"]["status"] == "closed"


def test_rejected_writes_leave_everything_as_it_was(store):
    store.create("ports", port(), actor="a", reason="r")
    before, version = store.load(), store.version()
    with pytest.raises(Conflict):
        store.create("ports", port(), actor="a", reason="again")
    with pytest.raises(PreconditionFailed):
        store.replace("ports", "pt-test", port(status="closed"), expected_version=7, actor="a", reason="stale")
    with pytest.raises(NotFound):
        store.delete("ports", "pt-nope", expected_version=1, actor="a", reason="r")
    bad = gpd.GeoDataFrame({"id": ["x"], "name": ["x"]}, geometry=[Point(-72, 18.5)], crs="EPSG:4326")
    with pytest.raises(DataValidationError):
        store.replace_layer("ports", bad, actor="a", reason="broken import")
    assert store.version() == version
    after = store.load()
    for name in STORED:
        assert after[name].equals(before[name]), name
    assert len(store.history("ports", "pt-test")) == 1


def test_replace_layer_keeps_the_old_one_in_history(store):
    old = store.load()["ports"]
    store.replace_layer("ports", old.iloc[:3], actor="cli", reason="trim")
    assert len(store.load()["ports"]) == 3
    undone = layers_as_of(store.load(), store.changes_after("1970-01-01T00:00:00Z")[:1])
    assert len(undone["ports"]) == 19


def test_layers_as_of_undo_later_changes(store):
    store.create("ports", port(), actor="a", reason="r")
    moment = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    store.replace("ports", "pt-test", port(status="closed"), expected_version=1, actor="a", reason="r")
    store.create("ports", port("pt-later"), actor="a", reason="r")
    then = layers_as_of(store.load(), store.changes_after(moment))["ports"]
    assert then.set_index("id").loc["pt-test", "status"] == "operational"
    assert "pt-later" not in set(then["id"])


def test_tokens_are_stored_hashed_and_revocable(store):
    token = store.create_token("alice", "editor")
    assert store.principal(token) == ("alice", "editor")
    assert store.principal(token + "x") is None
    with pytest.raises(Conflict):
        store.create_token("alice", "admin")
    with store._connect() as cur:
        cur.execute("SELECT token_hash FROM tokens")
        stored = [r[0] for r in cur.fetchall()]
    assert token not in stored and len(stored[0]) == 64
    assert store.revoke_token("alice") and store.principal(token) is None
    assert [t["name"] for t in store.list_tokens()] == ["alice"]


def test_the_geopackage_is_a_geopackage(tmp_path):
    import pyogrio

    from geoapp.store.gpkg import GeoPackageStore

    from .helpers import fixture_features, make_data_dir

    store = GeoPackageStore(tmp_path / "store.gpkg", make_data_dir(tmp_path / "data"))
    store.init()
    store.create("ports", port(), actor="a", reason="r")
    frame = pyogrio.read_dataframe(store.path, layer="ports")
    assert len(frame) == len(fixture_features("ports")) + 1 and "pt-test" in set(frame["id"])
    assert frame.crs.to_epsg() == 4326


def test_a_data_folder_without_incidents_seeds_an_empty_incidents_layer(data_dir, tmp_path):
    """Folders made for an earlier release (four layers) still seed a store and validate."""
    from click.testing import CliRunner

    from geoapp.cli import main
    from geoapp.settings import Settings
    from geoapp.store import make_store

    (data_dir / "incidents.geojson").unlink()
    store = make_store(Settings.from_env({}, overrides={"instance_path": tmp_path / "i", "data_dir": data_dir}))
    layers = store.load()
    assert len(layers["incidents"]) == 0 and len(layers["roads"]) == 70
    result = CliRunner().invoke(main, ["validate", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
