"""The shipped data's contract: counts, dates, ids, attributions and the answers the README promises on geodata/.

Every expectation about the SHIPPED layers lives here, and only here: behaviour tests run on the
fixture layers of tests/data/ (see its README).  After a refresh of ``geodata/`` this is the one
file to update (with the README's examples), and its failures say what changed.
"""

from __future__ import annotations

import numpy as np
import pytest

from geoapp import create_app
from geoapp.layers import REGISTRY, STORED
from geoapp.links import check_links
from geoapp.store import DirectoryStore

from .helpers import CAP_HAITIEN, CITE_SOLEIL, GEODATA, JACMEL, JEREMIE, LEOGANE, LES_CAYES, PETION_VILLE

#: What geodata/ holds: features per layer and the newest ``as_of`` (the README: "early 2025").
COUNTS = {"roads": 70, "gang_zones": 21, "ports": 19, "displacement_sites": 32, "incidents": 19,
          "connections": 10, "checkpoints": 6, "departments": 10, "communes": 140, "sections": 570}
NEWEST = {"roads": "2025-03-31", "gang_zones": "2025-04-01", "ports": "2025-03-31",
          "displacement_sites": "2025-04-05", "incidents": "2025-04-17", "connections": "2025-02-01",
          "checkpoints": "2025-03-25", "departments": "2018-11-29"}
#: Towns out of Port-au-Prince (lon, lat) by the national road that leads there.
SAINT_MARC = (-72.6986, 19.1081)
GONAIVES = (-72.6890, 19.4475)
MIREBALAIS = (-72.1047, 18.8350)
HINCHE = (-72.0167, 19.15)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """A client of the app on geodata/ itself (not the session's fixture layers)."""
    app = create_app({"instance_path": tmp_path_factory.mktemp("instance"), "data_dir": GEODATA})
    yield app.test_client()
    app.extensions["geoapp"].stop()


@pytest.fixture(scope="module")
def layers():
    return DirectoryStore(GEODATA).load()


def q(point) -> str:
    return f"{point[0]},{point[1]}"


def route(client, a, b, **params) -> dict:
    response = client.get("/api/route", query_string={"from": q(a), "to": q(b), **params})
    assert response.status_code == 200, response.json
    return response.json


# --- the layers: complete, valid, counted and dated ---------------------------------------------

def test_shipped_layers_are_valid_and_complete(layers):
    assert set(layers) == set(STORED)
    for name, frame in layers.items():
        assert frame.crs.to_epsg() == 4326
        for column in ("id", "name", "status", "as_of", "source", "confidence", "notes"):
            assert column in frame, (name, column)
        assert frame["id"].is_unique
        assert set(frame["status"]) <= set(REGISTRY[name].statuses)


def test_shipped_connections_and_checkpoints_fit_the_ports_and_roads(layers):
    check_links(layers, metric_crs="EPSG:32618")  # ports exist, kinds fit the mode, ends at the ports, on roads
    connections, checkpoints = layers["connections"], layers["checkpoints"]
    # compiled from public reporting: sourced, dated, never more than medium confidence
    for frame in (connections, checkpoints):
        assert frame["source"].str.len().gt(20).all() and set(frame["confidence"]) <= {"low", "medium"}
    legs = {(a, b): mode for a, b, mode in zip(connections["from_port"], connections["to_port"], connections["mode"],
                                               strict=True)}
    for town in ("pt-cap-airport", "pt-jacmel-airport", "pt-les-cayes-airport", "pt-jeremie-airport"):
        assert legs[("pt-petion-ville-helipad", town)] == "air"  # UNHAS helicopters from the capital
    for port in ("pt-les-cayes-seaport", "pt-jeremie", "pt-miragoane", "pt-cap-seaport"):
        assert legs[("pt-pap-seaport", port)] == "sea"  # WFP coastal shipping south and north
    assert "helipad" in set(layers["ports"]["kind"])
    # a fee only where one was reported, always with its currency
    fees = checkpoints[checkpoints["fee"].notna()]
    assert set(fees["id"]) == {"cp-martissant-rn2", "cp-canaan-rn1"} and fees["currency"].eq("HTG").all()
    assert set(checkpoints["kind"]) == {"gang"}
    roads = layers["roads"].set_index("id")["max_vehicle"]
    assert {r for r, v in roads.items() if isinstance(v, str)} == {"rd-kenscoff-furcy", "rd-furcy-seguin",
                                                                    "rd-seguin-marigot"}


def test_shipped_counts_and_dates(shipped):
    health = shipped.get("/healthz").json["layers"]
    assert {name: health[name]["features"] for name in COUNTS} == COUNTS
    assert {name: health[name]["newest"] for name in NEWEST} == NEWEST
    assert health["displacement_sites"]["oldest"] == "2025-03-15" and health["incidents"]["oldest"] == "2024-10-03"
    assert all(health[name]["stale"] for name in ("roads", "gang_zones", "ports", "displacement_sites", "incidents"))
    assert not health["communes"]["stale"]  # official boundaries are never stale
    listed = {layer["name"]: layer["features"] for layer in shipped.get("/api/layers").json["layers"]}
    assert {name: listed[name] for name in COUNTS} == COUNTS


def test_shipped_statuses(layers):
    def count(name):
        return layers[name]["status"].value_counts().to_dict()

    assert count("roads") == {"open": 33, "dangerous": 20, "blocked": 17}
    assert count("gang_zones") == {"controlled": 15, "contested": 3, "influence": 3}
    assert count("ports") == {"operational": 12, "restricted": 5, "gang_controlled": 1, "closed": 1}
    assert count("displacement_sites") == {"open": 28, "closed": 4}
    assert count("incidents") == {"verified": 16, "reported": 3}


def test_the_ids_the_readme_and_its_examples_use_are_shipped(layers):
    """The README's curl examples, the geodata README and the planner answers below name these features."""
    def ids(name):
        return set(layers[name]["id"])

    assert {"rd-kenscoff-furcy", "rd-rn7-les-cayes-camp-perrin", "rd-rn7-camp-perrin-jeremie"} <= ids("roads")
    assert {"pt-jacmel-seaport", "pt-pap-seaport"} <= ids("ports")
    assert {"ds-001", "ds-015", "ds-019", "ds-024"} <= ids("displacement_sites")
    assert {"gz-cite-soleil", "gz-mirebalais", "gz-lascahobas"} <= ids("gang_zones")
    roads = layers["roads"].set_index("id")
    assert roads.at["rd-kenscoff-furcy", "status"] == "dangerous"  # the way south over the mountains
    assert (layers["roads"]["geometry_precision"] == "hand_drawn").all()


def test_shipped_gang_zones_cover_the_reported_areas(layers):
    zones = layers["gang_zones"]
    names = " ".join(zones["name"])
    for place in ("Cité Soleil", "Bel Air", "Martissant", "Village de Dieu", "Grand Ravine", "Croix-des-Bouquets",
                  "Canaan", "Carrefour-Feuilles", "Solino", "Cabaret", "Arcahaie", "Liancourt", "Pont-Sondé",
                  "Mirebalais"):
        assert place in names, place
    assert {"G9 Family and Allies", "400 Mawozo", "Gran Grif"} <= set(zones["group"])


def test_every_shipped_site_incident_zone_and_port_is_placed(shipped):
    for name in ("displacement_sites", "incidents", "gang_zones", "ports"):
        features = shipped.get(f"/api/layers/{name}.geojson").json["features"]
        assert all(f["properties"]["adm2_pcode"] for f in features), name
    sites = {f["id"]: f["properties"] for f in shipped.get("/api/layers/displacement_sites.geojson").json["features"]}
    assert sites["ds-001"]["adm2_name"] == "Delmas" and sites["ds-001"]["adm1_pcode"] == "HT01"


# --- official boundaries and attributions ---------------------------------------------------------

@pytest.fixture(scope="module")
def reference():
    from geoapp.validate import read_layer

    return {name: read_layer(GEODATA / f"{name}.geojson", REGISTRY[name])
            for name in ("departments", "communes", "sections")}


def test_shipped_boundaries_are_official_complete_and_nested(reference):
    departments, communes, sections = reference["departments"], reference["communes"], reference["sections"]
    assert (len(departments), len(communes), len(sections)) == (10, 140, 570)
    assert departments["id"].is_unique and communes["id"].is_unique and sections["id"].is_unique
    assert set(communes["adm1_pcode"]) == set(departments["id"])
    assert set(sections["adm2_pcode"]) <= set(communes["id"])
    assert departments.set_index("id").at["HT01", "name_en"] == "West"  # OCHA's quirk, kept
    assert departments.set_index("id").at["HT01", "name_ht"] == "Lwès"
    assert communes.set_index("id").at["HT0311", "name"] == "Cap-Haïtien"
    assert 12_800_000 < departments["population"].sum() < 13_000_000  # IHSI/UNFPA 2019
    # communes add up to their departments, people and area alike
    by_dept = communes.groupby("adm1_pcode")["population"].sum()
    assert np.allclose(by_dept.reindex(departments["id"]).to_numpy(), departments["population"].to_numpy(), atol=5)
    assert departments["source"].str.contains("COD-AB Haiti (2018-11-29), CC BY-IGO", regex=False).all()
    assert (departments["as_of"] == "2018-11-29").all() and (departments["confidence"] == "high").all()


def test_the_readme_attributes_the_boundaries():
    text = " ".join((GEODATA / "README.md").read_text(encoding="utf-8").split())
    assert "CNIGS / UN OCHA (COD-AB Haiti, 2018-11-29), CC BY-IGO" in text
    assert "IHSI / UNFPA 2019" in text


def test_the_readme_describes_every_shipped_layer_and_the_context():
    text = (GEODATA / "README.md").read_text(encoding="utf-8")
    for name in ("gang_zones", "roads", "ports", "displacement_sites", "incidents"):
        assert f"### `{name}.geojson`" in text, name
    assert "Natural Earth" in text and "GeoNames" in text
    assert "approximate" in text.lower()


def test_every_shipped_feature_names_its_source_date_and_confidence(layers):
    for name in ("roads", "gang_zones", "ports", "displacement_sites", "incidents"):
        frame = layers[name]
        assert frame["source"].str.len().gt(0).all(), name
        assert frame["as_of"].astype(str).str.match(r"^20\d\d-\d\d-\d\d$").all(), name
        assert frame["confidence"].isin(["high", "medium", "low"]).all(), name


# --- the planner-level answers the README promises on the shipped data ----------------------------

def test_the_data_behind_answers_is_dated_and_old(shipped):
    body = route(shipped, PETION_VILLE, JACMEL)
    assert body["data_as_of"] == "2025-04-17"  # the newest of roads, zones and incidents
    assert any("days ago" in w for w in body["warnings"])


def test_the_only_safe_way_south_is_the_kenscoff_mountain_road(shipped):
    """RN2 through Martissant is held: Jacmel, Léogâne and Les Cayes are reached over Kenscoff-Furcy, with caution."""
    for town in (JACMEL, LEOGANE, LES_CAYES):
        body = route(shipped, PETION_VILLE, town)
        assert body["verdict"] == "caution", town
        safest = body["routes"][0]["properties"]
        assert safest["exposure"]["inside_controlled_m"] == 0 and safest["exposure"]["blocked_road_m"] == 0
        assert any("Furcy" in r["name"] for r in safest["exposure"]["roads"]), town
        assert any("Kenscoff heights" in r for r in body["reasons"]), town
    shortest = route(shipped, PETION_VILLE, LEOGANE)["routes"][-1]["properties"]
    assert shortest["kind"] == "shortest" and shortest["exposure"]["inside_controlled_m"] > 0


def test_a_heavy_truck_cannot_go_south_over_kenscoff_but_a_4x4_can(shipped):
    """The Kenscoff-Furcy-Marigot road is a 4x4 track: with RN2 held, no truck reaches Jacmel from the capital."""
    truck = route(shipped, PETION_VILLE, JACMEL, vehicle="heavy_truck", season="dry")
    assert truck["verdict"] == "no_safe_route" and truck["vehicle"] == "heavy_truck"
    first = truck["reasons"][0]
    assert "heavy truck" in first and "Kenscoff - Furcy mountain road (4x4 at most)" in first and \
        "can go is: 4x4" in first
    four = route(shipped, PETION_VILLE, JACMEL, vehicle="4x4", season="dry")
    assert four["verdict"] == "caution" and four["routes"][0]["properties"]["kind"] == "safest"
    # least-risk, the truck goes through Martissant: its gang toll is listed with the reported fee
    risky = route(shipped, PETION_VILLE, JACMEL, vehicle="heavy_truck", season="dry", mode="least_risk")
    safest = risky["routes"][0]["properties"]
    assert [c["id"] for c in safest["checkpoints"]] == ["cp-martissant-rn2"]
    assert safest["fees"]["total"] == {"HTG": 5000}
    assert any("goes round Kenscoff - Furcy mountain road" in r for r in risky["reasons"])
    assert any("Martissant gang toll" in r for r in risky["reasons"])


def test_access_from_jacmel_port_lists_fees_per_site(shipped):
    body = shipped.get("/api/access", query_string={"from": "pt-jacmel-seaport", "vehicle": "truck_20ft"}).json
    assert body["vehicle"] == "truck_20ft"
    crossing = [s for s in body["sites"] if s["checkpoints"] and s["checkpoints"]["checkpoints"]]
    assert crossing and body["fees"]["sites_with_checkpoints"] == len(crossing)
    assert all(s["checkpoints"]["summary"] for s in crossing)


@pytest.mark.parametrize(("town", "zones"), [
    (CAP_HAITIEN, None),
    (SAINT_MARC, {"Cité Soleil", "Canaan and Bon Repos", "Cabaret - Arcahaie corridor (RN1)"}),
    (GONAIVES, None),
    (MIREBALAIS, {"Croix-des-Bouquets", "Morne-à-Cabrit", "Mirebalais"}),
    (HINCHE, {"Croix-des-Bouquets", "Morne-à-Cabrit", "Mirebalais"}),
], ids=["Cap-Haïtien", "Saint-Marc (RN1)", "Gonaïves", "Mirebalais (RN3)", "Hinche (RN3)"])
def test_the_roads_north_and_east_are_cut_and_least_risk_says_through_what(shipped, town, zones):
    """RN1 (Cité Soleil, Canaan, Cabaret) and RN3 (Croix-des-Bouquets, Morne-à-Cabrit) are held by armed groups."""
    body = route(shipped, PETION_VILLE, town)
    assert body["verdict"] == "no_safe_route"
    assert any("mode=least_risk" in r for r in body["reasons"])
    least = route(shipped, PETION_VILLE, town, mode="least_risk")
    assert least["verdict"] == "unsafe"
    exposure = least["routes"][0]["properties"]["exposure"]
    assert exposure["inside_controlled_m"] > 0 and exposure["blocked_road_m"] > 0
    if zones:
        assert zones <= {z["name"] for z in exposure["zones"]}


def test_les_cayes_to_jeremie_as_the_readme_gives_it(shipped):
    """README: 'Les Cayes - Jérémie: 97 km (85-113), 3 h 17 (2 h 28 - 5 h 07)', on RN7."""
    body = route(shipped, LES_CAYES, JEREMIE)
    safest = body["routes"][0]["properties"]
    assert round(safest["distance_m"] / 1000) == 97
    assert [round(x / 1000) for x in safest["distance_range_m"]] == [85, 113]
    hm = [divmod(round(s / 60), 60) for s in (safest["duration_s"], *safest["duration_range_s"])]
    assert hm == [(3, 17), (2, 28), (5, 7)]
    assert [s["road_id"] for s in safest["itinerary"]] == ["rd-rn7-les-cayes-camp-perrin", "rd-rn7-camp-perrin-jeremie"]
    assert body["from"]["near"]["name"] == "Les Cayes" and body["to"]["near"]["name"] == "Jérémie"


def test_the_readme_examples_answer(shipped):
    point = shipped.get("/api/safety", query_string={"at": q(CITE_SOLEIL)}).json
    assert point["assessment"] == "inside_controlled" and point["inside"][0]["name"] == "Cité Soleil"
    assert point["nearest_open_site"]["straight_line"]["id"] == "ds-015"
    access = shipped.get("/api/access", query_string={"from": "pt-jacmel-seaport"})
    assert access.status_code == 200 and access.json["summary"]["sites"] == 28  # every open site
    whatif = shipped.post("/api/whatif", json={"from": q(PETION_VILLE), "close_roads": ["rd-kenscoff-furcy"]})
    assert whatif.status_code == 200, whatif.json
    jacmel = route(shipped, PETION_VILLE, JACMEL)
    assert jacmel["from"]["near"]["name"] == "Pétionville" and jacmel["to"]["near"]["name"] == "Jacmel"


def test_the_incident_sample_ends_in_april_2025(shipped):
    """README: 'the shipped sample ends in April 2025, so today's map shows none; try /?as_of=2025-04-20'."""
    page = shipped.get("/", query_string={"as_of": "2025-04-20"})
    assert page.status_code == 200
    features = shipped.get("/api/layers/incidents.geojson").json["features"]
    assert max(f["properties"]["event_date"] for f in features) == "2025-04-17"


# --- sea and air legs (modes=road,sea,air) --------------------------------------------------------
PORT_AU_PRINCE = (-72.3388, 18.5392)  # the city centre (Downtown, held by armed groups)


def test_no_safe_road_to_cap_haitien_but_the_unhas_flight(shipped):
    body = route(shipped, PETION_VILLE, CAP_HAITIEN, modes="road,sea,air")
    # possible, not vouched for: the flight's record (2025-02-01) is far older than 30 days
    assert body["verdict"] == "caution" and body["decided_by"] == ["cn-unhas-pv-cap"]
    assert body["reasons"][0].startswith("No safe road to Cap-Haïtien; possible via")
    assert "is on record as of 2025-02-01" in body["warnings"][0] and "with its operator" in body["warnings"][0]
    assert [leg["mode"] for leg in body["legs"]] == ["road", "air", "road"]
    assert body["legs"][1]["operator"] == "UNHAS (WFP), helicopter"


def test_port_au_prince_to_jeremie_takes_a_leg(shipped):
    """Out of the held city centre (least-risk) and from Pétion-Ville: the UNHAS flight beats the roads."""
    body = route(shipped, PORT_AU_PRINCE, JEREMIE, mode="least_risk", modes="road,sea,air")
    assert any(leg["mode"] in ("sea", "air") for leg in body["legs"])
    assert body["decided_by"] == ["cn-unhas-pv-jeremie"]
    road = route(shipped, PETION_VILLE, JEREMIE)
    flown = route(shipped, PETION_VILLE, JEREMIE, modes="road,sea,air")
    assert road["verdict"] == "caution" and flown["verdict"] == "caution"  # a low-confidence, stale flight record
    assert flown["routes"][0]["properties"]["duration_s"] < road["routes"][0]["properties"]["duration_s"]
    # by sea alone, to the north: over Kenscoff to Miragoâne, the boat to Port-au-Prince's port (restricted:
    # caution) and on to Gonaïves without leaving the port, then the road
    sea = route(shipped, PETION_VILLE, CAP_HAITIEN, modes="road,sea")
    assert sea["verdict"] == "caution" and sea["decided_by"] == ["cn-wfp-pap-miragoane", "cn-wfp-pap-gonaives"]
    assert [leg["mode"] for leg in sea["legs"]] == ["road", "sea", "sea", "road"]
