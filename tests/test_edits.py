"""Edits over HTTP on both backends: who may write, validation, concurrency control, history."""

from __future__ import annotations

import copy
import time

import pytest

from geoapp import create_app

SAMPLES = {
    "gang_zones": {"geometry": {"type": "Polygon", "coordinates": [[[-72.10, 18.60], [-72.08, 18.60], [-72.08, 18.62],
                                                                    [-72.10, 18.62], [-72.10, 18.60]]]},
                   "properties": {"status": "contested", "group": "Test group"}},
    "displacement_sites": {"geometry": {"type": "Point", "coordinates": [-72.30, 18.52]},
                           "properties": {"status": "open", "individuals": 120, "households": 30,
                                          "site_type": "spontaneous_site", "commune": "Delmas"}},
    "roads": {"geometry": {"type": "LineString", "coordinates": [[-72.0, 18.6], [-71.99, 18.61]]},
              "properties": {"status": "dangerous", "ref": None, "road_class": "track", "oneway": False}},
    "ports": {"geometry": {"type": "Point", "coordinates": [-72.0, 18.5]},
              "properties": {"status": "restricted", "kind": "border_crossing"}},
    "incidents": {"geometry": {"type": "Point", "coordinates": [-72.28, 18.45]},
                  "properties": {"status": "reported", "event_date": "2026-11-19", "event_type": "Battles",
                                 "sub_event_type": "Armed clash", "actor": "Unidentified armed group",
                                 "location": "Kenscoff", "admin1": "Ouest", "admin2": "Port-au-Prince",
                                 "admin3": "Kenscoff", "fatalities": 2, "geo_precision": 2}},
    "connections": {"geometry": {"type": "LineString", "coordinates": [[-72.535, 18.232], [-73.2, 18.15],
                                                                       [-73.745, 18.185]]},
                    "properties": {"status": "operating", "from_port": "pt-jacmel-seaport",
                                   "to_port": "pt-les-cayes-seaport", "mode": "sea", "operator": "Test barge",
                                   "schedule": "Mon,Thu 07:00", "duration_s": 36000, "capacity_t": 120.5,
                                   "vehicles": True}},
    "checkpoints": {"geometry": {"type": "Point", "coordinates": [-72.2627, 18.5407]},
                    "properties": {"status": "active", "kind": "police", "group": None, "fee": None,
                                   "currency": None}},
}
EXISTING = {"gang_zones": "gz-solino", "displacement_sites": "ds-003", "roads": "rd-freres", "ports": "pt-belladere",
            "incidents": "in-2024-10-03-pont-sonde", "connections": "cn-wfp-pap-miragoane",
            "checkpoints": "cp-ruelle-alerte"}
SECOND = {"gang_zones": "gz-ganthier", "displacement_sites": "ds-011", "roads": "rd-rn6-terrier-rouge-ouanaminthe",
          "ports": "pt-saint-marc", "incidents": "in-2025-03-31-mirebalais", "connections": "cn-unhas-pv-jacmel",
          "checkpoints": "cp-pont-sonde"}
COMMON = {"name": "Edited in a test", "source": "field team", "confidence": "medium", "as_of": "2026-11-20",
          "notes": ""}


def feature(layer, **props):
    sample = copy.deepcopy(SAMPLES[layer])
    return {"type": "Feature", "geometry": sample["geometry"],
            "properties": {**COMMON, **sample["properties"], **props}}


@pytest.fixture()
def app(store_config):
    app = create_app(store_config)
    yield app
    app.extensions["geoapp"].stop()


@pytest.fixture()
def tokens(app):
    store = app.extensions["geoapp"].store
    return {role: store.create_token(role, role) for role in ("viewer", "editor", "admin")}


def headers(token=None, etag=None, reason="test edit"):
    out = {"X-Change-Reason": reason} if reason else {}
    if token:
        out["Authorization"] = f"Bearer {token}"
    if etag:
        out["If-Match"] = etag
    return out


def etag_of(client, layer, fid):
    response = client.get(f"/ogcapi/collections/{layer}/items/{fid}")
    assert response.status_code == 200
    return response.headers["ETag"]


def write(client, method, layer, token, fid=None):
    fid = fid or EXISTING[layer]
    etag = etag_of(client, layer, fid)
    url = f"/ogcapi/collections/{layer}/items"
    if method == "POST":
        return client.post(url, json=feature(layer), headers=headers(token))
    if method == "PUT":
        return client.put(f"{url}/{fid}", json=feature(layer), headers=headers(token, etag))
    if method == "PATCH":
        return client.patch(f"{url}/{fid}", json={"properties": {"notes": "patched"}}, headers=headers(token, etag))
    return client.delete(f"{url}/{fid}", headers=headers(token, etag))


EXPECTED = {"POST": 201, "PUT": 200, "PATCH": 200, "DELETE": 204}


@pytest.mark.parametrize("layer", list(SAMPLES))
@pytest.mark.parametrize("method", list(EXPECTED))
def test_who_may_write(app, tokens, layer, method):
    client = app.test_client()
    store = app.extensions["geoapp"].store
    before, version = store.load(), store.version()
    anonymous = write(client, method, layer, None)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert write(client, method, layer, "ha_not-a-token").status_code == 401
    assert write(client, method, layer, tokens["viewer"]).status_code == 403
    assert store.version() == version  # nothing unauthorised was stored
    after = store.load()
    assert all(after[name].equals(before[name]) for name in before)
    for role, fid in (("editor", EXISTING[layer]), ("admin", SECOND[layer])):
        response = write(client, method, layer, tokens[role], fid)
        assert response.status_code == EXPECTED[method], response.get_data(as_text=True)
        if method != "DELETE":
            assert response.headers["ETag"]
        if method != "POST":
            last = store.history(layer, fid)[-1]
            assert last["actor"] == role and last["reason"] == "test edit"
    assert store.version() == version + 2


def test_validation_refuses_and_stores_nothing(app, tokens):
    client = app.test_client()
    store = app.extensions["geoapp"].store
    version = store.version()
    h = headers(tokens["editor"])
    url = "/ogcapi/collections/ports/items"
    cases = [
        (feature("ports", status="sunk"), "status must be one of"),
        (feature("ports", confidence="certain"), "confidence must be one of"),
        (feature("ports", colour="red"), "unknown properties for ports: colour"),
        ({**feature("ports"), "geometry": {"type": "Point", "coordinates": [-69.9, 18.5]}}, "outside Haiti"),
        ({**feature("ports"), "geometry": {"type": "LineString", "coordinates": [[-72, 18.5], [-72.1, 18.6]]}},
         "geometry must be Point"),
        ({**feature("ports"), "geometry": {"type": "Point", "coordinates": ["a", 1]}}, "malformed coordinates"),
        ({**feature("ports"), "type": "FeatureCollection"}, "must be a GeoJSON Feature"),
        ({**feature("ports"), "id": "bad id with spaces"}, "id must be"),
        ({**feature("gang_zones"), "geometry": {"type": "Polygon", "coordinates": [[[-72.3, 18.5], [-72.2, 18.6],
                                                                                    [-72.2, 18.5], [-72.3, 18.6],
                                                                                    [-72.3, 18.5]]]}},
         "not a valid polygon"),
    ]
    for body, message in cases:
        target = "/ogcapi/collections/gang_zones/items" if body["geometry"]["type"] == "Polygon" else url
        response = client.post(target, json=body, headers=h)
        assert response.status_code == 400, (message, response.json)
        assert message in response.json["error"]["message"]
    assert client.post(url, json=feature("ports"), headers=headers(tokens["editor"], reason=None)).status_code == 400
    assert client.post(url, data="{", content_type="application/json", headers=h).status_code == 400
    assert store.version() == version


def test_concurrency_control(app, tokens):
    client = app.test_client()
    url = "/ogcapi/collections/ports/items/pt-belladere"
    etag = etag_of(client, "ports", "pt-belladere")
    h = headers(tokens["editor"])
    assert client.patch(url, json={"properties": {"status": "closed"}}, headers=h).status_code == 428
    first = client.patch(url, json={"properties": {"status": "closed"}}, headers={**h, "If-Match": etag})
    assert first.status_code == 200 and first.headers["ETag"] != etag
    late = client.patch(url, json={"properties": {"status": "operational"}}, headers={**h, "If-Match": etag})
    assert late.status_code == 412 and "changed since you read it" in late.json["error"]["message"]
    assert client.get(url).json["properties"]["status"] == "closed"
    assert client.delete("/ogcapi/collections/ports/items/pt-nope", headers={**h, "If-Match": '"1"'}).status_code \
        == 404
    assert client.post("/ogcapi/collections/ports/items", json={**feature("ports"), "id": "pt-belladere"},
                       headers=h).status_code == 409


def test_history_and_as_of(app, tokens):
    client = app.test_client()
    route = "/api/route?from=-72.2853,18.5125&to=-72.5369,18.2357"
    assert client.get(route).json["verdict"] == "caution"
    url = "/ogcapi/collections/roads/items/rd-kenscoff-furcy"
    response = client.patch(url, json={"properties": {"status": "blocked"}},
                            headers=headers(tokens["editor"], etag_of(client, "roads", "rd-kenscoff-furcy"),
                                            reason="landslide at Furcy"))
    assert response.status_code == 200
    deadline = time.monotonic() + 20
    while client.get(route).json["verdict"] != "no_safe_route":  # the new data is swapped in
        assert time.monotonic() < deadline, "the edit was not picked up"
        time.sleep(0.1)
    history = client.get(url + "/history").json["changes"]
    assert history[-1]["action"] == "patch" and history[-1]["reason"] == "landslide at Furcy"
    assert history[-1]["actor"] == "editor"
    assert history[-1]["before"]["properties"]["status"] == "dangerous"
    assert history[-1]["after"]["properties"]["status"] == "blocked"
    import datetime as dt

    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    old = client.get(route + f"&as_of={yesterday}").json
    assert old["verdict"] == "caution" and old["warnings"][0].startswith("Answered from the data as stored")
    items = client.get(f"/ogcapi/collections/roads/items?status=blocked&stored_at={yesterday}&limit=1000").json
    assert "rd-kenscoff-furcy" not in {f["id"] for f in items["features"]}
    assert client.get(route + "&as_of=2999-01-01").status_code == 400


def test_store_down_refuses_writes_and_keeps_reads(app, tokens, monkeypatch):
    from geoapp.errors import StoreUnavailable

    client = app.test_client()
    store = app.extensions["geoapp"].store

    def down(*args, **kwargs):
        raise StoreUnavailable("the database cannot be reached; edits are refused until it is back")

    monkeypatch.setattr(store, "_open", down)
    response = client.post("/ogcapi/collections/ports/items", json=feature("ports"), headers=headers("tok"))
    assert response.status_code == 503 and "cannot be reached" in response.json["error"]["message"]
    assert client.get("/ogcapi/collections/ports/items").status_code == 200
    item = client.get("/ogcapi/collections/ports/items/pt-varreux")
    assert item.status_code == 200 and "ETag" not in item.headers
    assert client.get("/api/route?from=-72.2853,18.5125&to=-72.5369,18.2357").status_code == 200


# -- reasons with accents ------------------------------------------------------------------------

SAID = "signalé par l'équipe de Jérémie"


def raw_utf8(text: str) -> str:
    """What a WSGI server hands over when a client sends ``text`` as raw UTF-8 bytes in a header."""
    return text.encode("utf-8").decode("latin-1")


def last_reason(client, layer, fid):
    return client.get(f"/ogcapi/collections/{layer}/items/{fid}/history").json["changes"][-1]["reason"]


def test_reasons_keep_their_accents(app, tokens):
    client = app.test_client()
    url = "/ogcapi/collections/ports/items"
    auth = {"Authorization": f"Bearer {tokens['editor']}"}
    created = client.post(url, json={**feature("ports"), "id": "pt-accents"},
                          headers={**auth, "X-Change-Reason": raw_utf8(SAID)})
    assert created.status_code == 201, created.json
    assert last_reason(client, "ports", "pt-accents") == SAID  # not "signalÃ©"
    item = f"{url}/pt-accents"
    cases = [
        ({"X-Change-Reason": "signal%C3%A9 par l%27%C3%A9quipe"}, None, "signalé par l'équipe"),
        ({}, SAID, SAID),
        ({"X-Change-Reason": raw_utf8(SAID)}, SAID, SAID),  # both, saying the same
        ({"X-Change-Reason": "50% of the road, 100%25 sure"}, None, "50% of the road, 100%25 sure"),
        ({"X-Change-Reason": "caf%E9"}, None, "caf%E9"),  # an escape that is not UTF-8 stays as written
    ]
    for n, (extra, in_body, stored) in enumerate(cases):
        body = {"properties": {"notes": f"edit {n}"}, **({"reason": in_body} if in_body else {})}
        response = client.patch(item, json=body, headers={**auth, **extra, "If-Match": etag_of(client, "ports",
                                                                                                "pt-accents")})
        assert response.status_code == 200, (extra, response.json)
        assert last_reason(client, "ports", "pt-accents") == stored
    put = client.put(item, json={**feature("ports"), "reason": "équipe sur place"},
                     headers={**auth, "If-Match": etag_of(client, "ports", "pt-accents")})
    assert put.status_code == 200 and last_reason(client, "ports", "pt-accents") == "équipe sur place"
    store = app.extensions["geoapp"].store
    version = store.version()
    refused = [
        ({"X-Change-Reason": "one reason"}, {"reason": "another"}, "reason", "differs from X-Change-Reason"),
        ({}, {"reason": 5}, "reason", "must be a string"),
        ({}, {"reason": "  "}, "X-Change-Reason", "say why"),
        ({}, {"reason": "x" * 501}, "reason", "longer than 500"),
        ({}, {"reason": "line\x00break"}, "reason", "control characters"),
    ]
    for extra, body, field, message in refused:
        response = client.patch(item, json={"properties": {"notes": "no"}, **body},
                                headers={**auth, **extra, "If-Match": etag_of(client, "ports", "pt-accents")})
        assert response.status_code == 400 and response.json["error"]["field"] == field, response.json
        assert message in response.json["error"]["message"]
    assert store.version() == version  # nothing refused was stored


@pytest.mark.server
@pytest.mark.slow
def test_reasons_sent_as_raw_utf8_bytes_over_http(store_config):
    import http.client
    import json

    from geoapp.settings import Settings
    from geoapp.store import make_store

    from .helpers import ServerProcess
    from .helpers import http as request

    env = {"GEOAPP_INSTANCE_PATH": str(store_config["instance_path"])}
    if "database_url" in store_config:
        env.update(GEOAPP_DATABASE_URL=store_config["database_url"],
                   GEOAPP_DATABASE_SCHEMA=store_config["database_schema"])
    token = make_store(Settings.from_env({}, overrides=store_config)).create_token("field", "editor")
    server = ServerProcess(env).wait_ready()
    try:
        body = json.dumps({**feature("ports"), "id": "pt-bytes"}).encode()
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.putrequest("POST", "/ogcapi/collections/ports/items")
        for name, value in (("Authorization", f"Bearer {token}"), ("Content-Type", "application/json"),
                            ("Content-Length", str(len(body))), ("X-Change-Reason", SAID.encode("utf-8"))):
            conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        assert response.status == 201, response.read()
        conn.close()
        history = server.url + "/ogcapi/collections/ports/items/pt-bytes/history"
        status, _, answer = request("GET", history)
        assert status == 200 and answer["changes"][-1]["reason"] == SAID
        item = server.url + "/ogcapi/collections/ports/items/pt-bytes"
        etag = request("GET", item)[1]["ETag"]
        status, _, _ = request("PATCH", item, {"properties": {"notes": "x"}}, headers={
            "Authorization": f"Bearer {token}", "If-Match": etag, "X-Change-Reason": "v%C3%A9rifi%C3%A9"})
        assert status == 200 and request("GET", history)[2]["changes"][-1]["reason"] == "vérifié"
    finally:
        server.stop()


def test_a_status_change_dates_the_feature_and_a_notes_patch_keeps_its_date(app, tokens):
    import datetime as dt

    client = app.test_client()
    url = "/ogcapi/collections/roads/items/rd-kenscoff-furcy"
    before = client.get(url).json["properties"]["as_of"]
    assert before < dt.date.today().isoformat()

    def patch(body):
        response = client.patch(url, json=body, headers=headers(tokens["editor"], etag_of(client, "roads",
                                                                                          "rd-kenscoff-furcy")))
        assert response.status_code == 200, response.json
        return client.get(url).json["properties"]

    assert patch({"properties": {"notes": "potholes"}})["as_of"] == before  # nothing new on the ground
    assert patch({"properties": {"status": "blocked"}})["as_of"] == dt.date.today().isoformat()
    reported = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    assert patch({"properties": {"status": "dangerous"}, "reported_on": reported})["as_of"] == reported
    assert patch({"properties": {"status": "open", "as_of": "2025-01-02"}})["as_of"] == "2025-01-02"  # editor's word
    moved = {"type": "LineString", "coordinates": [[-72.28, 18.45], [-72.27, 18.44]]}
    assert patch({"geometry": moved})["as_of"] == dt.date.today().isoformat()
    bad = client.patch(url, json={"properties": {"status": "blocked"}, "reported_on": "tomorrow"},
                       headers=headers(tokens["editor"], etag_of(client, "roads", "rd-kenscoff-furcy")))
    assert bad.status_code == 400 and bad.json["error"]["field"] == "reported_on"
