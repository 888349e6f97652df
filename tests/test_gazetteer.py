"""Place names: the gazetteer's matching on the shipped data, and names in from, to, at, hubs and /api/places."""

from __future__ import annotations

import json

import numpy as np
import pytest

from geoapp.i18n.gazetteer import AmbiguousPlace, UnknownPlace, fold, fold_key, locate

CAP, PAP, JACMEL, PETIT_GOAVE, LES_CAYES = "gn-3728474", "gn-3718426", "gn-3723779", "gn-3718962", "gn-3728097"


@pytest.fixture(scope="module")
def gazetteer(app):
    return app.extensions["geoapp"].dataset.gazetteer


def one(gazetteer, query: str):
    outcome = gazetteer.resolve(query)
    assert outcome.place is not None, (query, [(m.place.id, m.place.name) for m in outcome.matches])
    return outcome.place


def test_names_are_folded_without_accents_case_punctuation_or_small_words():
    assert fold("CAP-HAÏTIEN") == fold("cap haitien") == ["cap", "haitien"]
    assert fold_key("Ti Gwav") == fold_key("Tigwav") == "tigwav"
    assert fold_key("St-Marc") == fold_key("Saint Marc")
    assert fold_key("Les Cayes") == fold_key("Aux Cayes") == fold_key("the Cayes") == "cayes"
    assert fold_key("L'Estère") == fold_key("Estere")
    assert fold_key("Pòtoprens") == "potoprens"


@pytest.mark.parametrize("query, expected", [
    ("Okap", CAP), ("cap haitien", CAP), ("CAP-HAÏTIEN", CAP), ("Cap Haitien", CAP), ("Kap Ayisyen", CAP),
    ("Le Cap", CAP),
    ("Port-au-Prince", PAP), ("Pòtoprens", PAP), ("potoprens", PAP), ("PORT AU PRINCE", PAP),
    ("Jacmel", JACMEL), ("Jakmèl", JACMEL), ("Jakmel", JACMEL), ("jacmel", JACMEL),
    ("Petit-Goâve", PETIT_GOAVE), ("Ti Gwav", PETIT_GOAVE), ("petit goave", PETIT_GOAVE), ("Tigwav", PETIT_GOAVE),
    ("Okay", LES_CAYES), ("Les Cayes", LES_CAYES), ("Cayes", LES_CAYES),
    ("Gonayiv", "gn-3724696"), ("Jeremi", "gn-3723593"), ("Senmak", "gn-3717588"), ("Ench", "gn-3723841"),
    ("Pòdpè", "gn-3718420"), ("Miragwàn", "gn-3720824"), ("Leyogàn", "gn-3722286"), ("Kafou", "gn-6201369"),
    ("Dèlma", "gn-3726786"), ("Petyonvil", "gn-3719028"), ("Pétion-Ville", "gn-3719028"),
    ("Kwadèboukè", "gn-3727135"), ("Fòlibète", "gn-3725170"), ("Fò Libète", "gn-3725170"),
    ("Tabarè", "HT0118"), ("Site Solèy", "HT0117"),  # communes without a GeoNames town of their own
    ("HT0111", "HT0111"), ("ht0111", "HT0111"), ("HT01", "HT01"), ("HT0111-01", "HT0111-01"),
    ("pt-jacmel-seaport", "pt-jacmel-seaport"), ("PT-JACMEL-SEAPORT", "pt-jacmel-seaport"),
    ("gn-3723779", JACMEL), ("ds-019", "ds-019"),
    ("Lwès", "HT01"), ("Ouest", "HT01"), ("West", "HT01"),  # department names in Creole, French, English
    ("Malpasse", "pt-malpasse"), ("Port of Jacmel", "pt-jacmel-seaport"), ("jacmel port", "pt-jacmel-seaport"),
    ("Turgeau", "HT0111-01"),  # a communal section by its own name, without "1re Section"
])
def test_a_name_spelling_or_id_finds_its_place(gazetteer, query, expected):
    assert one(gazetteer, query).id == expected


def test_a_town_and_the_commune_of_its_name_are_one_place_the_town(gazetteer):
    outcome = gazetteer.resolve("Jacmel")
    assert [m.tier for m in gazetteer.search("Jacmel", limit=2)] == ["exact", "exact"]  # town and commune
    assert outcome.place.kind == "town" and outcome.place.adm2_pcode == "HT0211"


def test_an_exact_name_beats_a_longer_name_that_begins_like_it(gazetteer):
    assert one(gazetteer, "Jacmel").id == JACMEL  # not "Jacmel airport", not Cayes-Jacmel
    assert one(gazetteer, "Port-de-Paix").id == "gn-3718420"  # not "Port of Port-de-Paix"


@pytest.mark.parametrize("query, ids", [
    ("Bois Neuf", {"HT0531-02", "HT0522-02", "HT0341-01"}),  # sections of Saint-Marc, Terre Neuve, Saint-Raphaël
    ("Morne Chandelle", {"HT0116-02", "HT0113-01"}),  # of Gressier and Carrefour
    ("Sources Chaudes", {"gn-3716980", "HT0523-02", "HT0814-02"}),  # a town and two sections elsewhere
])
def test_different_places_of_one_name_are_ambiguous(gazetteer, query, ids):
    outcome = gazetteer.resolve(query)
    assert outcome.place is None and {m.place.id for m in outcome.matches} == ids
    with pytest.raises(AmbiguousPlace) as error:
        locate(gazetteer, query, "from")
    assert error.value.field == "from" and {c["id"] for c in error.value.details["candidates"]} == ids
    assert all(c["id"] in error.value.message for c in error.value.details["candidates"])


def test_a_prefix_shared_by_different_places_is_ambiguous_and_an_unknown_name_suggests(gazetteer):
    assert gazetteer.resolve("Jacm").place is None  # Jacmel the town, its airport and port begin so
    with pytest.raises(UnknownPlace) as error:
        locate(gazetteer, "Jacmell", "to")
    assert error.value.field == "to" and "did you mean Jacmel" in error.value.message
    assert error.value.details["suggestions"][0] == "Jacmel"
    with pytest.raises(UnknownPlace) as error:
        locate(gazetteer, "Gonayv", "at")
    assert "Gonayiv" in error.value.details["suggestions"] or "Gonaïves" in error.value.details["suggestions"]


def test_autocomplete_ranks_exact_then_prefix_then_word_prefix_then_importance(gazetteer):
    found = gazetteer.search("jac", limit=5)
    assert (found[0].place.id, found[0].tier) == (JACMEL, "prefix")
    tiers = [m.tier for m in gazetteer.search("port", limit=50)]
    assert tiers == sorted(tiers, key=["id", "exact", "prefix", "word_prefix"].index)
    assert gazetteer.search("port", limit=1)[0].place.id == PAP  # the most populous
    assert [m.place.kind for m in gazetteer.search("jac", kinds=["port"])] == ["airport", "seaport"]
    assert gazetteer.search("goave", limit=3)[0].tier == "word_prefix"


def test_sites_are_found_at_their_public_positions_unless_the_caller_may_see_them(app, gazetteer):
    data = app.extensions["geoapp"].dataset
    public = data.public.layers["displacement_sites"].set_index("id").geometry
    exact = data.exact.layers["displacement_sites"].set_index("id").geometry
    site = one(gazetteer, "ds-001")
    assert site.lonlat() == pytest.approx((public["ds-001"].x, public["ds-001"].y))
    assert site.lonlat(exact=True) == pytest.approx((exact["ds-001"].x, exact["ds-001"].y))
    assert site.lonlat() != pytest.approx(site.lonlat(exact=True))


# --- over HTTP ------------------------------------------------------------------------------------------


def test_route_between_names_echoes_what_they_resolved_to(client):
    body = client.get("/api/route", query_string={"from": "Okap", "to": "Jakmèl"}).json
    assert body["from"]["place"] | {"lon": 0, "lat": 0} == {
        "query": "Okap", "id": CAP, "name": "Cap-Haïtien", "kind": "town", "lon": 0, "lat": 0,
        "commune": "Cap-Haïtien", "adm2_pcode": "HT0311", "department": "Nord"}
    assert body["from"]["requested"] == [body["from"]["place"]["lon"], body["from"]["place"]["lat"]]
    assert body["to"]["place"]["name"] == "Jacmel" and body["to"]["place"]["query"] == "Jakmèl"
    by_coordinates = client.get("/api/route?from=-72.1981,19.7594&to=-72.5369,18.2357").json
    assert by_coordinates["verdict"] == body["verdict"] and "place" not in by_coordinates["from"]
    assert [r["properties"]["distance_m"] for r in by_coordinates["routes"]] == \
        [r["properties"]["distance_m"] for r in body["routes"]]


@pytest.mark.parametrize("url", ["/api/route?from=P%C3%A9tion-Ville&to=ti%20gwav",
                                 "/api/route?from=HT0114&to=pt-miragoane&f=gpx",
                                 "/api/route?from=Petyonvil&to=Jacmel&f=geojson",
                                 "/api/safety?at=CAP-HA%C3%8FTIEN", "/api/access?from=Okay",
                                 "/api/access?from=Port%20of%20Jacmel", "/route?from=Okap&to=Limonad",
                                 "/access?from=Okap", "/point?at=Jakmel"])
def test_every_location_parameter_takes_names(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


def test_the_answers_say_what_the_name_meant(client):
    point = client.get("/api/safety", query_string={"at": "Pòtoprens"}).json
    assert point["place"]["id"] == PAP and point["at"] == [point["place"]["lon"], point["place"]["lat"]]
    hub = client.get("/api/access", query_string={"from": "Port of Jacmel"}).json["hub"]
    assert hub["id"] == "pt-jacmel-seaport" and hub["layer"] == "ports" and hub["place"]["query"] == "Port of Jacmel"
    town = client.get("/api/access", query_string={"from": "Jakmèl"}).json["hub"]
    assert town["place"]["id"] == JACMEL and town["requested"] == [-72.5369, 18.2357]
    whatif = client.post("/api/whatif", json={"from": "Petyonvil", "close_roads": ["rd-kenscoff-furcy"]})
    assert whatif.status_code == 200 and whatif.json["hub"]["place"]["name"] == "Pétionville"


def test_an_ambiguous_name_is_a_400_listing_the_candidates(client):
    response = client.get("/api/route", query_string={"from": "Bois Neuf", "to": "Jacmel"})
    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "bad_request" and error["field"] == "from" and error["query"] == "Bois Neuf"
    assert "3 different places" in error["message"] and "HT0522-02" in error["message"]
    candidate = next(c for c in error["candidates"] if c["id"] == "HT0522-02")
    assert candidate["kind"] == "section" and candidate["commune"] == "Terre Neuve"
    assert candidate["department"] == "Artibonite" and -73 < candidate["lon"] < -72 and 19 < candidate["lat"] < 20
    chosen = client.get("/api/route", query_string={"from": candidate["id"], "to": "Jacmel"})
    assert chosen.status_code == 200 and chosen.json["from"]["place"]["id"] == "HT0522-02"


@pytest.mark.parametrize("url, field, message", [
    ("/api/route?from=Jacmell&to=Okap", "from", "did you mean Jacmel"),
    ("/api/route?from=Okap&to=nowhere-at-all", "to", "no place has the name or id 'nowhere-at-all'"),
    ("/api/safety?at=Atlantis", "at", "must be LON,LAT, a place name or an id"),
    ("/api/access?from=Sources%20Chaudes", "from", "may mean 3 different places"),
    ("/api/route?from=Okap&to=-72.5,foo", "to", "must be LON,LAT with numbers"),
    ("/api/places?q=jac&kind=planet", "kind", "kind must be one or more"),
    ("/api/places?q=jac&limit=51", "limit", "between 1 and 50"),
    ("/api/places", "q", "missing required parameter q"),
])
def test_names_that_do_not_resolve_are_400s_naming_the_field(client, url, field, message):
    response = client.get(url)
    assert response.status_code == 400 and response.json["error"]["field"] == field
    assert message in response.json["error"]["message"]


def test_a_page_asked_for_an_ambiguous_name_says_so_readably(client):
    page = client.get("/route?from=Bois%20Neuf&to=Jacmel", headers={"Accept": "text/html"})
    assert page.status_code == 400 and "HT0531-02" in page.get_data(as_text=True)


def test_places_for_autocomplete(client):
    body = client.get("/api/places", query_string={"q": "okap"}).json
    assert body["query"] == "okap"
    first = body["places"][0]
    assert (first["id"], first["kind"], first["matched"], first["match"], first["value"]) == (
        CAP, "town", "Okap", "exact", "Cap-Haïtien")
    assert client.get("/api/route", query_string={"from": first["value"], "to": "Jacmel"}).status_code == 200
    shared = client.get("/api/places", query_string={"q": "bois neuf", "kind": "section"}).json["places"]
    assert {p["value"] for p in shared} >= {"HT0531-02", "HT0522-02"}  # a shared name: the id resolves
    ports = client.get("/api/places", query_string={"q": "jac", "kind": "port,town", "limit": 3}).json["places"]
    assert [p["kind"] for p in ports] == ["town", "airport", "seaport"]
    assert client.get("/api/places", query_string={"q": "zzzz"}).json["places"] == []


def test_no_name_lookup_reveals_where_a_site_really_is(app, client):
    service = app.extensions["geoapp"]
    exact = service.dataset.exact.layers["displacement_sites"]
    secret = {(round(p.x, 5), round(p.y, 5)) for p in exact.geometry}
    public = {(round(p.x, 5), round(p.y, 5)) for p in service.dataset.public.layers["displacement_sites"].geometry}
    secret -= public  # a site whose grid centre is itself would not be secret

    def positions(value) -> set:
        found = set()
        if isinstance(value, dict):
            if isinstance(value.get("lon"), float) and isinstance(value.get("lat"), float):
                found.add((round(value["lon"], 5), round(value["lat"], 5)))
            for v in value.values():
                found |= positions(v)
        elif isinstance(value, list):
            if len(value) == 2 and all(isinstance(v, float) for v in value):
                found.add((round(value[0], 5), round(value[1], 5)))
            for v in value:
                found |= positions(v)
        return found

    answers = [client.get("/api/places", query_string={"q": q, "limit": 50}).json
               for q in ("collective", "site", "host", "ds-0", "ds-001")]
    answers += [client.get("/api/route", query_string={"from": "ds-001", "to": "Jacmel"}).json,
                client.get("/api/route", query_string={"from": "Collective centre", "to": "Jacmel"}).json,
                client.get("/api/safety", query_string={"at": "ds-019"}).json,
                client.get("/api/access", query_string={"from": "ds-019"}).json]
    sites = [p for p in answers[0]["places"] if p["kind"] == "displacement_site"]
    assert len(sites) > 10 and all((p["lon"], p["lat"]) in public for p in sites)
    assert "candidates" in answers[-3]["error"]  # ambiguous: every collective centre listed, at public positions
    for answer in answers:
        assert positions(answer) & secret == set(), json.dumps(answer)[:300]
    token = service.store.create_token("gazetteer-viewer", "viewer")
    seen = client.get("/api/places", query_string={"q": "ds-001"}, headers={"Authorization": f"Bearer {token}"})
    place = seen.json["places"][0]
    assert (round(place["lon"], 5), round(place["lat"], 5)) in secret | {
        (round(float(x), 5), round(float(y), 5)) for x, y in np.asarray(
            [[p.x, p.y] for p in exact[exact["id"] == "ds-001"].geometry])}


def test_the_openapi_document_describes_places_and_names(client):
    doc = client.get("/openapi.json").json
    operation = doc["paths"]["/api/places"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"q", "limit", "kind", "lang"}
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Places")
    origin = next(p for p in doc["paths"]["/api/route"]["get"]["parameters"] if p["name"] == "from")
    assert "place name" in origin["description"] and "pattern" not in origin["schema"]
    assert "candidates" in doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]
