"""Security headers, the CSP, rate limits, readiness and request logs."""

from __future__ import annotations

import json
import logging

from geoapp import create_app
from geoapp.http.security import ProcessCounters, script_hashes


def test_security_headers_everywhere(client):
    for url in ("/", "/api/layers", "/ogcapi", "/docs", "/static/geoapp.css"):
        with client.get(url) as response:
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_carry_a_strict_csp_matching_their_inline_scripts(client):
    html = client.get("/").get_data(as_text=True)
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    script = next(part for part in csp.split("; ") if part.startswith("script-src"))
    assert "'unsafe-inline'" not in script and "http" not in script
    assert set(script_hashes(html)) <= set(script.split()[2:]) and len(script_hashes(html)) >= 1
    assert "onclick=" not in html  # inline handlers would not run under the CSP


def test_json_data_blocks_need_no_hash():
    page = '<script type="application/json" id="d">{"a": 1}</script><script>var x = 1;</script>'
    assert len(script_hashes(page)) == 1


def test_rate_limits_answer_429_with_retry_after(tmp_path):
    app = create_app({"instance_path": tmp_path, "rate_limit_lookups": "3/minute"})
    client = app.test_client()
    statuses = [client.get("/api/safety?at=-72.3,18.5").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/safety?at=-72.3,18.5")
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.json["error"]["code"] == "too_many_requests"
    assert "retry after" in limited.json["error"]["message"]
    assert client.get("/api/layers").status_code == 200  # light endpoints are not limited
    app.extensions["geoapp"].stop()


def test_rate_limit_counters_start_no_thread_per_request(tmp_path):
    """Counting a request costs a dict update: limits' memory storage started a timer thread for most of them."""
    import threading

    app = create_app({"instance_path": tmp_path, "rate_limit_lookups": "1000/minute"})
    client = app.test_client()
    client.get("/api/safety?at=-72.3,18.5")
    before = threading.active_count()
    started = []
    real_start = threading.Thread.start

    def counting_start(thread):
        started.append(thread.name)
        return real_start(thread)

    threading.Thread.start = counting_start
    try:
        responses = [client.get("/api/safety?at=-72.3,18.5") for _ in range(5)]
    finally:
        threading.Thread.start = real_start
    assert [r.headers["X-RateLimit-Remaining"] for r in responses] == ["998", "997", "996", "995", "994"]
    assert started == [] and threading.active_count() <= before
    app.extensions["geoapp"].stop()


def test_process_counters_expire_and_sweep(monkeypatch):
    import geoapp.http.security as security

    now = [1000.0]
    monkeypatch.setattr(security.time, "time", lambda: now[0])
    counters = ProcessCounters()
    assert [counters.incr("a", 60) for _ in range(3)] == [1, 2, 3]
    assert counters.get("a") == 3 and counters.get_expiry("a") == 1060.0
    counters.incr("b", 10)
    now[0] = 1011.0  # b's window is over: read as 0, counted again from 1
    assert counters.get("b") == 0 and counters.incr("b", 10) == 1 and counters.get_expiry("b") == 1021.0
    counters.incr("c", 5)
    now[0] = 1000.0 + ProcessCounters.SWEEP_S + 1  # the sweep drops every counter whose window is over
    counters.incr("a", 60)
    assert set(counters._counts) == {"a"}
    assert counters.reset() == 1 and counters.get("a") == 0


def test_readyz(client, app, monkeypatch):
    assert client.get("/readyz").json["ready"] is True
    from geoapp.errors import StoreUnavailable

    def down():
        raise StoreUnavailable("the database cannot be reached")

    monkeypatch.setattr(app.extensions["geoapp"].store, "version", down)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json["ready"] is False


def test_request_log_has_no_query_values_or_secrets(client, caplog):
    logger = logging.getLogger("geoapp.requests")
    logger.propagate = True
    try:
        with caplog.at_level(logging.INFO, logger="geoapp.requests"):
            client.get("/api/safety?at=-72.3012,18.5498", headers={"Authorization": "Bearer secret-token"})
    finally:
        logger.propagate = False
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "geoapp.requests"]
    assert lines and lines[-1]["path"] == "/api/safety" and lines[-1]["params"] == ["at"]
    text = caplog.text
    assert "-72.3012" not in text and "secret-token" not in text


def test_errors_do_not_echo_what_was_sent(client):
    nasty = "<script>alert(1)</script>"
    for url in (f"/api/route?from={nasty}&to=-72.5,18.2", f"/api/access?from={nasty}",
                f"/ogcapi/collections/roads/items?{nasty}=1",
                f"/api/route?from=-72.3,18.5&to=-72.5,18.2&alternatives={nasty}"):
        response = client.get(url)
        assert response.status_code == 400
        assert "script" not in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)


def test_behind_a_reverse_proxy_links_use_the_public_host(tmp_path):
    app = create_app({"instance_path": tmp_path, "trusted_proxies": 1})
    body = app.test_client().get("/ogcapi", headers={"X-Forwarded-Proto": "https",
                                                     "X-Forwarded-Host": "access.example.org"}).json
    assert body["links"][0]["href"].startswith("https://access.example.org/ogcapi")
    app.extensions["geoapp"].stop()


def test_an_overlong_address_is_a_json_414(client):
    response = client.get("/api/route?from=-72.3,18.5&to=-72.5,18.2&pad=" + "x" * 5000)
    assert response.status_code == 414
    assert response.json["error"]["code"] == "uri_too_long" and "at most 4,096" in response.json["error"]["message"]


def test_every_heavy_view_declares_its_rate_limit(app):
    """Limits are declared on the views: a renamed endpoint cannot silently lose its limit."""
    declared = {endpoint: getattr(view, "rate_limit_kind", None) for endpoint, view in app.view_functions.items()}
    assert {declared[e] for e in ("api.route", "api.safety", "api.access", "web.route_page", "web.point_page")} == \
        {"lookups"}
    assert declared["api.whatif"] == "scenarios"
    assert {declared[e] for e in ("ogc.items", "api.download", "api.download_csv", "api.download_gpkg")} == \
        {"downloads"}
    assert {declared[e] for e in ("edits.create_item", "edits.replace_item", "edits.patch_item",
                                  "edits.delete_item")} == {"edits"}
