"""The editors' page over HTTP: signing in and out, the session cookie, CSRF, roles, and the change it records."""

from __future__ import annotations

import re
import stat

import pytest

from geoapp import create_app

ROAD = "rd-kenscoff-furcy"
REASON = "Pont effondré à Petit-Goâve"
ORIGIN = {"Origin": "http://localhost"}
COOKIE = "haiti_access_session"


@pytest.fixture()
def app(tmp_path):
    app = create_app({"instance_path": tmp_path / "instance"})
    yield app
    app.extensions["geoapp"].stop()


@pytest.fixture()
def tokens(app):
    store = app.extensions["geoapp"].store
    return {role: store.create_token(f"{role}-ana", role) for role in ("viewer", "editor", "admin")}


def csrf_of(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def sign_in(client, token, accept="text/html,application/xhtml+xml,*/*;q=0.8"):
    csrf = csrf_of(client.get("/report"))
    return client.post("/report/sign-in", data={"csrf_token": csrf, "token": token},
                       headers={**ORIGIN, "Accept": accept})


def change_form(client, status="closed", reason=REASON, **extra):
    page = client.get(f"/report?road={ROAD}")
    version = re.search(r'id="report-version" value="(\d+)"', page.get_data(as_text=True)).group(1)
    return {"csrf_token": csrf_of(page), "road": ROAD, "status": status, "reason": reason, "version": version,
            **extra}


def set_cookie(response) -> str:
    return next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith(COOKIE + "="))


def test_sign_in_keeps_the_editor_in_a_hardened_cookie_never_the_token(app):
    client = app.test_client()
    token = app.extensions["geoapp"].store.create_token("marie", "editor")
    page = client.get("/report")
    assert page.status_code == 200 and 'name="token"' in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    response = sign_in(client, token)
    assert response.status_code == 303 and response.headers["Location"] == "/report"
    cookie = set_cookie(response)
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert "secure" not in flags  # plain HTTP here: a Secure cookie would never come back
    assert any(f.startswith("expires=") for f in flags)  # lasts the session lifetime, not the browser's life
    value = cookie.split(";")[0].split("=", 1)[1]
    assert token not in value and token[3:20] not in value
    held = app.session_interface.get_signing_serializer(app).loads(value)
    assert held["editor"]["name"] == "marie" and held["editor"]["role"] == "editor"
    assert token not in str(held)
    page = client.get("/report").get_data(as_text=True)
    assert "Signed in as marie (editor)." in page and 'id="report-form"' in page


def test_the_cookie_is_secure_over_https_or_when_the_setting_says_so(app, tmp_path):
    token = app.extensions["geoapp"].store.create_token("marie", "editor")
    client = app.test_client()
    csrf = csrf_of(client.get("/report", base_url="https://localhost"))
    response = client.post("/report/sign-in", data={"csrf_token": csrf, "token": token},
                           base_url="https://localhost", headers={"Origin": "https://localhost"})
    assert response.status_code == 303 and "secure" in set_cookie(response).lower().split("; ")
    always = create_app({"instance_path": tmp_path / "always", "secure_cookies": "true"})
    try:
        first = always.test_client().get("/report")
        assert "Secure" in set_cookie(first).split("; ")
    finally:
        always.extensions["geoapp"].stop()


def test_a_wrong_token_is_refused_on_the_page(app):
    client = app.test_client()
    response = sign_in(client, "ha_not-a-token")  # a browser: the sign-in form again, saying why
    assert response.status_code == 401
    assert "This token is not valid" in response.get_data(as_text=True)
    assert 'name="token"' in response.get_data(as_text=True)
    script = sign_in(client, "ha_not-a-token", accept="application/json")
    assert script.status_code == 401 and script.json["error"]["field"] == "token"
    assert "Signed in as" not in client.get("/report").get_data(as_text=True)


def test_csrf_missing_wrong_and_right(app, tokens):
    client = app.test_client()
    assert sign_in(client, tokens["editor"]).status_code == 303
    form = change_form(client)
    missing = client.post("/report", data={k: v for k, v in form.items() if k != "csrf_token"}, headers=ORIGIN)
    assert missing.status_code == 400 and missing.json["error"]["field"] == "csrf_token"
    assert "no CSRF token" in missing.json["error"]["message"]
    wrong = client.post("/report", data={**form, "csrf_token": "x" * 43}, headers=ORIGIN)
    assert wrong.status_code == 403 and "does not match this session" in wrong.json["error"]["message"]
    browser = client.post("/report", data={**form, "csrf_token": "x"}, headers={**ORIGIN, "Accept": "text/html"})
    assert browser.status_code == 403 and browser.mimetype == "text/html"
    assert "does not match this session" in browser.get_data(as_text=True)
    assert 'href="/report">Back to the editing page' in browser.get_data(as_text=True)
    stored = app.extensions["geoapp"].store.get("roads", ROAD)[0]["properties"]["status"]
    assert stored != "closed"  # nothing was changed by the refused posts
    right = client.post("/report", data=form, headers={**ORIGIN, "Accept": "application/json"})
    assert right.status_code == 200 and right.json["status"] == "closed"


def test_forms_from_another_site_or_from_nowhere_are_refused(app, tokens):
    client = app.test_client()
    sign_in(client, tokens["editor"])
    form = change_form(client)
    other = client.post("/report", data=form, headers={"Origin": "https://evil.example"})
    assert other.status_code == 403 and other.json["error"]["field"] == "Origin"
    hidden = client.post("/report", data=form, headers={"Origin": "null"})
    assert hidden.status_code == 403
    nowhere = client.post("/report", data=form)
    assert nowhere.status_code == 403 and "neither Origin nor Referer" in nowhere.json["error"]["message"]
    foreign_referer = client.post("/report", data=form, headers={"Referer": "http://evil.example/report"})
    assert foreign_referer.status_code == 403 and foreign_referer.json["error"]["field"] == "Referer"
    own_referer = client.post("/report", data=form, headers={"Referer": "http://localhost/report?road=x",
                                                             "Accept": "application/json"})
    assert own_referer.status_code == 200
    # signing in is a form too: a page elsewhere cannot sign a browser in as someone else
    csrf = csrf_of(client.get("/report"))
    login = client.post("/report/sign-in", data={"csrf_token": csrf, "token": tokens["admin"]},
                        headers={"Origin": "https://evil.example"})
    assert login.status_code == 403


def test_a_role_too_weak_and_no_session_are_refused(app, tokens):
    client = app.test_client()
    csrf = csrf_of(client.get("/report"))
    anonymous = client.post("/report", data={"csrf_token": csrf, "road": ROAD, "status": "closed",
                                             "reason": REASON, "version": "1"}, headers=ORIGIN)
    assert anonymous.status_code == 401 and "sign in on the editing page" in anonymous.json["error"]["message"]
    sign_in(client, tokens["viewer"])
    assert 'id="role-warning"' in client.get(f"/report?road={ROAD}").get_data(as_text=True)
    weak = client.post("/report", data=change_form(client), headers=ORIGIN)
    assert weak.status_code == 403 and "viewer role" in weak.json["error"]["message"]
    assert app.extensions["geoapp"].store.history("roads", ROAD) == []  # nothing recorded


def test_the_session_cookie_does_not_authorise_the_json_api(app, tokens):
    client = app.test_client()
    sign_in(client, tokens["admin"])
    assert client.get_cookie(COOKIE) is not None
    item = f"/ogcapi/collections/roads/items/{ROAD}"
    etag = client.get(item).headers["ETag"]
    patch = client.patch(item, json={"properties": {"status": "closed"}},
                         headers={"If-Match": etag, "X-Change-Reason": "cookie only", **ORIGIN})
    assert patch.status_code == 401 and patch.headers["WWW-Authenticate"].startswith("Bearer")
    delete = client.delete(item, headers={"If-Match": etag, "X-Change-Reason": "cookie only"})
    assert delete.status_code == 401
    assert client.get(item).headers["ETag"] == etag  # unchanged
    # nor does it show what only tokens may see (exact displacement-site positions)
    assert client.get("/api/safety?at=-72.33,18.58").json == app.test_client().get("/api/safety?at=-72.33,18.58").json


def test_a_change_is_recorded_with_the_editor_and_the_reason_accents_kept(app, tokens):
    client = app.test_client()
    sign_in(client, tokens["editor"])
    form = change_form(client, reported_on="2026-11-20")
    response = client.post("/report", data=form, headers={**ORIGIN, "Accept": "text/html"})  # a browser's post
    assert response.status_code == 303 and response.headers["Location"] == f"/report?road={ROAD}"
    store = app.extensions["geoapp"].store
    feature, version = store.get("roads", ROAD)
    assert feature["properties"]["status"] == "closed" and feature["properties"]["as_of"] == "2026-11-20"
    assert version == int(form["version"]) + 1
    entry = store.history("roads", ROAD)[-1]
    assert (entry["actor"], entry["reason"], entry["action"]) == ("editor-ana", REASON, "patch")
    api = client.get(f"/ogcapi/collections/roads/items/{ROAD}/history").json["changes"][-1]
    assert api["reason"] == REASON and api["actor"] == "editor-ana"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="report-done"' in page and REASON in page and f"version {version}" in page
    assert '"status": "closed"' in page  # the map is given the road as stored now
    assert f'"reason": "{REASON}"' in page and '"actor": "editor-ana"' in page  # its recent changes
    assert 'id="report-done"' not in client.get(response.headers["Location"]).get_data(as_text=True)  # shown once
    stale = client.post("/report", data={**form, "csrf_token": csrf_of(client.get("/report"))},
                        headers={**ORIGIN, "Accept": "application/json"})
    assert stale.status_code == 412  # the version read before: someone (here, ourselves) changed it since


def test_the_change_goes_through_the_apis_validation(app, tokens):
    client = app.test_client()
    sign_in(client, tokens["editor"])
    headers = {**ORIGIN, "Accept": "application/json"}
    bad = client.post("/report", data=change_form(client, status="flooded"), headers=headers)
    assert bad.status_code == 400 and "status" in bad.json["error"]["message"]
    silent = client.post("/report", data=change_form(client, reason="   "), headers=headers)
    assert silent.status_code == 400 and silent.json["error"]["field"] == "reason"
    future = client.post("/report", data=change_form(client, reported_on="2999-01-01"), headers=headers)
    assert future.status_code == 400 and future.json["error"]["field"] == "reported_on"
    unknown = client.post("/report", data={**change_form(client), "road": "rd-nowhere"}, headers=headers)
    assert unknown.status_code == 404


def test_signing_out_and_revoking_the_token_end_the_session(app, tokens):
    client = app.test_client()
    sign_in(client, tokens["editor"])
    page = client.get("/report")
    out = client.post("/report/sign-out", data={"csrf_token": csrf_of(page)}, headers=ORIGIN)
    assert out.status_code == 303
    assert "Signed in as" not in client.get("/report").get_data(as_text=True)
    sign_in(client, tokens["editor"])
    form = change_form(client)
    app.extensions["geoapp"].store.revoke_token("editor-ana")
    assert "Signed in as" not in client.get("/report").get_data(as_text=True)
    assert client.post("/report", data=form, headers=ORIGIN).status_code in (401, 403)


def test_the_secret_key_is_made_once_private_and_shared_by_every_app_on_the_instance(tmp_path):
    first = create_app({"instance_path": tmp_path})
    second = create_app({"instance_path": tmp_path})
    try:
        key = tmp_path / "secret_key"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert first.secret_key == second.secret_key == key.read_text().strip() and len(first.secret_key) >= 32
        token = first.extensions["geoapp"].store.create_token("marie", "editor")
        one = first.test_client()
        sign_in(one, token)
        other = second.test_client()  # another worker (or a restart) reads the same cookie
        other.set_cookie(COOKIE, one.get_cookie(COOKIE).value)
        assert "Signed in as" in other.get("/report").get_data(as_text=True)
    finally:
        first.extensions["geoapp"].stop()
        second.extensions["geoapp"].stop()
    configured = create_app({"instance_path": tmp_path, "secret_key": "k" * 40})
    try:
        assert configured.secret_key == "k" * 40
        assert "k" * 40 not in repr(configured.extensions["geoapp"].settings)  # never in a log or traceback
    finally:
        configured.extensions["geoapp"].stop()


def test_the_page_edits_on_both_store_backends(store_config):
    app = create_app(store_config)
    try:
        token = app.extensions["geoapp"].store.create_token("jean", "editor")
        client = app.test_client()
        assert sign_in(client, token).status_code == 303
        answer = client.post("/report", data=change_form(client, status="blocked"),
                             headers={**ORIGIN, "Accept": "application/json"})
        assert answer.status_code == 200 and answer.json["status"] == "blocked" and answer.json["actor"] == "jean"
        entry = app.extensions["geoapp"].store.history("roads", ROAD)[-1]
        assert (entry["actor"], entry["reason"]) == ("jean", REASON)
        app.extensions["geoapp"].store.revoke_token("jean")
        assert "Signed in as" not in client.get("/report").get_data(as_text=True)
    finally:
        app.extensions["geoapp"].stop()


def test_the_page_in_french_and_creole(app, tokens):
    client = app.test_client()
    assert "Signaler une route : changer son état" in client.get("/report?lang=fr").get_data(as_text=True)
    sign_in(client, tokens["editor"])
    page = client.get(f"/report?road={ROAD}&lang=ht").get_data(as_text=True)
    assert "Rapòte yon wout: chanje eta li" in page and "Ou konekte kòm editor-ana (editor)." in page
    assert client.get("/report?lang=fr&road=x&zoom=3").status_code == 400  # lang= is every page's; zoom= is not
