"""Official boundaries (OCHA COD-AB): served, read-only for editors, and placing everything."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from geoapp import create_app, extent
from geoapp.cli import main
from geoapp.data.places import normalise_name, place
from geoapp.layers import PLACE_COLUMNS, REGISTRY

from .helpers import cli_settings, common


@pytest.fixture(scope="module")
def reference(test_data_dir):
    """The official boundaries of the test data folder (geodata/'s own: see tests/data/README.md)."""
    from geoapp.validate import read_layer

    return {name: read_layer(test_data_dir / f"{name}.geojson", REGISTRY[name])
            for name in ("departments", "communes", "sections")}


def test_every_site_incident_zone_and_port_is_placed(app):
    layers = app.extensions["geoapp"].dataset.layers
    for name in ("displacement_sites", "incidents", "gang_zones", "ports"):
        frame = layers[name]
        assert frame[list(PLACE_COLUMNS)].notna().all().all(), name
    sites = layers["displacement_sites"].set_index("id")
    assert sites.at["ds-001", "adm2_name"] == "Delmas" and sites.at["ds-001", "adm1_pcode"] == "HT01"
    zones = layers["gang_zones"].set_index("id")
    assert zones.at["gz-cite-soleil", "adm2_pcode"] == "HT0117"
    incidents = layers["incidents"].set_index("id")
    assert incidents.at["in-2024-10-03-pont-sonde", "adm1_name"] == "Artibonite"


def test_points_offshore_go_to_the_nearest_commune_within_the_margin(reference):
    communes = reference["communes"]
    points = gpd.GeoDataFrame(
        [common(id="tortue-coast", status="verified"), common(id="gonave-channel", status="verified"),
         common(id="far-sea", status="verified")],
        geometry=[shapely.Point(-72.80, 20.22), shapely.Point(-72.75, 18.70), shapely.Point(-74.3, 20.2)],
        crs="EPSG:4326")
    placed = place(points, communes, metric_crs="EPSG:32618", margin_m=25_000).set_index("id")
    assert placed.at["tortue-coast", "adm2_name"] == "La Tortue" and placed.at["tortue-coast", "adm1_name"] == \
        "Nord-Ouest"
    assert placed.at["gonave-channel", "adm2_pcode"] == "HT0151"  # Anse-à-Galets, La Gonâve's nearest shore
    assert pd.isna(placed.at["far-sea", "adm2_pcode"])  # beyond the margin: no commune claimed


def test_a_zone_goes_to_the_commune_it_overlaps_most(reference):
    communes = reference["communes"].set_index("id")
    delmas = communes.loc["HT0112"].geometry
    # most of the zone in Delmas, a strip reaching into the neighbouring communes
    zone_shape = shapely.union(shapely.buffer(delmas, -0.002), shapely.box(delmas.bounds[0] - 0.01, delmas.bounds[1],
                                                                          delmas.bounds[0] + 0.002, delmas.bounds[1]
                                                                          + 0.004))
    zone = gpd.GeoDataFrame([common(id="z", status="contested", group="G")], geometry=[zone_shape], crs="EPSG:4326")
    placed = place(zone, reference["communes"], metric_crs="EPSG:32618", margin_m=25_000)
    assert placed["adm2_pcode"].iat[0] == "HT0112"


def test_positions_are_checked_against_land_and_waters_not_a_rectangle():
    lon = np.array([-72.80, -72.33, -70.50, -71.50, -73.0, -75.0])
    lat = np.array([20.22, 18.55, 19.00, 19.60, 17.0, 18.4])
    # La Tortue's coast, Port-au-Prince, the Dominican Republic (inside the old rectangle's lat band),
    # Monte Cristi bay (DR waters but within 25 km of Haiti's coast), open sea south, Navassa
    assert extent.inside(lon, lat).tolist() == [True, True, False, True, False, False]


def test_safety_names_the_commune_and_department(client):
    body = client.get("/api/safety?at=-72.2853,18.5125").json
    assert body["commune"] == {"pcode": "HT0114", "name": "Pétion-Ville"}
    assert body["department"] == {"pcode": "HT01", "name": "Ouest"}
    offshore = client.get("/api/safety?at=-72.80,20.22").json
    assert offshore["commune"]["name"] == "La Tortue" and offshore["commune"]["offshore_m"] > 5000
    refused = client.get("/api/safety?at=-70.5,19.0")
    assert refused.status_code == 400 and "outside Haiti" in refused.json["error"]["message"]


def test_ogc_items_filter_on_department_and_commune(client):
    body = client.get("/ogcapi/collections/incidents/items?adm1_pcode=HT05&limit=100").json
    assert body["numberMatched"] >= 1
    assert {f["properties"]["adm1_name"] for f in body["features"]} == {"Artibonite"}
    sites = client.get("/ogcapi/collections/displacement_sites/items?adm2_pcode=HT0112").json
    assert sites["numberMatched"] >= 1 and all(f["properties"]["adm2_name"] == "Delmas" for f in sites["features"])
    queryables = client.get("/ogcapi/collections/ports/queryables").json["properties"]
    assert {"adm1_pcode", "adm2_pcode", "adm1_name", "adm2_name"} <= set(queryables)
    communes = client.get("/ogcapi/collections/communes/items?adm1_pcode=HT03&limit=100").json
    assert communes["numberMatched"] == 19 and all(f["id"].startswith("HT03") for f in communes["features"])
    bad = client.get("/ogcapi/collections/incidents/items?adm1_pcode=" + "x" * 300)
    assert bad.status_code == 400


def test_boundaries_are_listed_and_downloadable(client):
    layers = {layer["name"]: layer for layer in client.get("/api/layers").json["layers"]}
    assert layers["sections"]["features"] == 570 and layers["departments"]["reference"]
    geojson = json.loads(client.get("/api/layers/departments.geojson").data)
    assert len(geojson["features"]) == 10 and geojson["features"][0]["properties"]["population"] > 0
    collections = [c["id"] for c in client.get("/ogcapi/collections").json["collections"]]
    assert {"departments", "communes", "sections"} <= set(collections)


@pytest.fixture()
def edit_app(tmp_path):
    app = create_app({"instance_path": tmp_path / "instance"})
    yield app
    app.extensions["geoapp"].stop()


def test_editors_cannot_change_boundaries_but_admins_can(edit_app):
    client = edit_app.test_client()
    store = edit_app.extensions["geoapp"].store
    editor, admin = store.create_token("ed", "editor"), store.create_token("ad", "admin")
    url = "/ogcapi/collections/communes/items/HT0111"
    etag = client.get(url).headers["ETag"]
    patch = {"properties": {"notes": "checked"}}
    refused = client.patch(url, json=patch, headers={"Authorization": f"Bearer {editor}", "If-Match": etag,
                                                     "X-Change-Reason": "test"})
    assert refused.status_code == 403 and "official reference data" in refused.json["error"]["message"]
    assert store.get("communes", "HT0111")[1] == 1  # unchanged
    done = client.patch(url, json=patch, headers={"Authorization": f"Bearer {admin}", "If-Match": etag,
                                                  "X-Change-Reason": "test", "Content-Type": "application/json"})
    assert done.status_code == 200 and done.json["properties"]["notes"] == "checked"


def test_an_admin_replaces_the_boundaries_by_import(tmp_path, test_data_dir):
    env = {"GEOAPP_INSTANCE_PATH": str(tmp_path / "instance")}
    departments = gpd.read_file(test_data_dir / "departments.geojson")
    departments.loc[departments["id"] == "HT01", "population"] = 5_100_000  # a new population estimate
    path = tmp_path / "departments.geojson"
    departments.to_file(path, driver="GeoJSON")
    result = CliRunner().invoke(main, ["import", "departments", str(path), "--reason", "COD-PS 2025"], env=env)
    assert result.exit_code == 0, result.output
    from geoapp.store import make_store

    stored = make_store(cli_settings(env)).load()["departments"].set_index("id")
    assert stored.at["HT01", "population"] == 5_100_000 and len(stored) == 10


def test_names_are_compared_without_accents_or_abbreviations():
    assert normalise_name("St. Raphael") == normalise_name("Saint-Raphaël")
    assert normalise_name("Cap Haitien") == normalise_name("Cap-Haïtien")
    assert normalise_name(None) == ""


def test_acled_events_get_commune_p_codes_and_admin3_disagreements_are_reported(tmp_path):
    rows = [
        "event_id_cnty,event_date,event_type,actor1,admin1,admin2,admin3,location,latitude,longitude,fatalities",
        "HTI1,2025-01-27,Battles,Viv Ansanm,Ouest,Port-au-Prince,Kenscoff,Kenscoff,18.4477,-72.2840,0",
        "HTI2,2025-02-01,Battles,Viv Ansanm,Ouest,Port-au-Prince,Delmas,Delmas 33,18.5470,-72.3030,2",
        # ACLED says Petion-Ville, the position is in Cap-Haitien: far outside the commune named
        "HTI3,2025-02-02,Riots,Rioters,Nord,Cap-Haitien,Petion-Ville,Cap-Haitien,19.7594,-72.1981,0",
        "HTI4,2025-02-03,Battles,Gang,Ouest,Port-au-Prince,Bel Air,Bel Air,18.5490,-72.3350,1",
        "HTI5,2025-02-04,Violence against civilians,Gang,Nord-Ouest,Port-de-Paix,La Tortue,Coast of La Tortue,"
        "20.2200,-72.8000,3",
    ]
    path = tmp_path / "acled_haiti.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    env = {"GEOAPP_INSTANCE_PATH": str(tmp_path / "instance")}
    result = CliRunner().invoke(main, ["import-acled", str(path)], env=env)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "5 events" in out and "1 off the coast" in out
    assert "1 events lie more than 500 m outside the commune their admin3 names" in out
    assert "acled-HTI3: admin3 'Petion-Ville', but the position is in Cap-Haïtien" in out
    assert "admin3 names that are no commune of the official boundaries: 'Bel Air' (1)" in out
    app = create_app({"instance_path": tmp_path / "instance"})
    incidents = app.extensions["geoapp"].dataset.layers["incidents"].set_index("id")
    app.extensions["geoapp"].stop()
    assert incidents.at["acled-HTI5", "adm2_name"] == "La Tortue"
    assert incidents.at["acled-HTI3", "adm2_pcode"] == "HT0311"  # the position decides
    assert incidents["adm2_pcode"].notna().all()
