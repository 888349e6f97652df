"""What answers derive from the data is kept on the Dataset of its version: a reload never serves the data before."""

from __future__ import annotations

from click.testing import CliRunner

from geoapp.cli import main

from .helpers import PETION_VILLE
from .test_displacement import DTM_CSV, HEADER, HXL

JACMEL_AIRPORT = (-72.519, 18.241)


def test_route_ends_are_named_from_the_data_loaded_now(make_app, tmp_path):
    app = make_app({"instance_path": tmp_path / "instance"})
    svc, client = app.extensions["geoapp"], app.test_client()

    def start_name() -> str:
        body = client.get("/api/route", query_string={"from": "{},{}".format(*JACMEL_AIRPORT),
                                                      "to": "{},{}".format(*PETION_VILLE)}).json
        return body["from"]["near"]["name"]

    assert start_name() == "Jacmel airport"
    ports = svc.store.load()["ports"]
    ports.loc[ports["id"] == "pt-jacmel-airport", "name"] = "Aéroport de Jacmel"
    svc.store.replace_layer("ports", ports, actor="test", reason="renamed")
    svc.reload()
    assert start_name() == "Aéroport de Jacmel"
    assert "Aéroport de Jacmel" in set(svc.dataset.landmarks.frame["name"])


ROUND_10 = ("9,Haiti crisis,Haiti,HTI,West,HT01,Port au Prince,HT0111,2,300000,2025-03-01T00:00:00,2025,3,10,"
            "Conflict,West,HT01")


def test_displacement_answers_are_worked_out_once_per_data_version_and_follow_an_import(make_app, tmp_path):
    instance = tmp_path / "instance"
    env = {"GEOAPP_INSTANCE_PATH": str(instance)}
    first = tmp_path / "dtm.csv"
    first.write_text(DTM_CSV, encoding="utf-8")
    assert CliRunner().invoke(main, ["import-dtm", str(first)], env=env).exit_code == 0
    app = make_app({"instance_path": instance})
    svc, client = app.extensions["geoapp"], app.test_client()
    body = client.get("/api/displacement").json
    assert body["round"]["round"] == "9" and body["total"] == 1_000_000
    data = svc.dataset
    assert data.displacement.areas("adm2", 1) is data.displacement.areas("adm2", 1)  # kept, not rebuilt

    later = tmp_path / "dtm_round10.csv"
    later.write_text("\n".join([HEADER, HXL, ROUND_10]) + "\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["import-dtm", str(later)], env=env).exit_code == 0
    svc.reload()
    body = client.get("/api/displacement").json
    assert body["round"]["round"] == "10" and body["total"] == 300_000 and body["total_change"] == -700_000
    assert client.get("/api/displacement/HT0111").json["latest"]["individuals"] == 300_000
