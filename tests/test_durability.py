"""Nothing lost: kills mid-write, concurrent writers, several instances, and the database going away."""

from __future__ import annotations

import http.client as http_client
import random
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from geoapp import create_app
from geoapp.settings import Settings
from geoapp.store import make_store

from .helpers import ServerProcess, http

pytestmark = [pytest.mark.slow, pytest.mark.server]


def port_feature(fid: str, x: float = -72.0) -> dict:
    return {"type": "Feature", "id": fid, "geometry": {"type": "Point", "coordinates": [x, 18.5]},
            "properties": {"name": f"Test {fid}", "status": "operational", "source": "durability test",
                           "confidence": "low", "kind": "seaport", "as_of": "2026-11-20"}}


def server_env(config: dict) -> dict[str, str]:
    env = {"GEOAPP_INSTANCE_PATH": str(config["instance_path"]), "GEOAPP_RELOAD_CHECK_S": "0.5"}
    if "database_url" in config:
        env.update(GEOAPP_DATABASE_URL=config["database_url"], GEOAPP_DATABASE_SCHEMA=config["database_schema"])
    return env


def editor_token(config: dict) -> str:
    return make_store(Settings.from_env({}, overrides=config)).create_token(f"writer-{random.random()}", "editor")


def test_acknowledged_writes_survive_sigkill(store_config):
    """Kill the server (SIGKILL, workers and all) during a stream of writes, five times over."""
    config = store_config
    token = editor_token(config)
    headers = {"Authorization": f"Bearer {token}", "X-Change-Reason": "durability test"}
    acknowledged: list[str] = []
    for round_ in range(5):
        server = ServerProcess(server_env(config)).wait_ready()
        stop = threading.Event()

        def writer(server=server, stop=stop, round_=round_):
            i = 0
            while not stop.is_set():
                fid = f"pt-k{round_}-{i}"
                i += 1
                try:
                    status, _, _ = http("POST", f"{server.url}/ogcapi/collections/ports/items", port_feature(fid),
                                        headers, timeout=10)
                except (OSError, http_client.HTTPException):
                    return  # the server is gone (a reset, or a response cut off mid-way)
                if status == 201:
                    acknowledged.append(fid)
                else:
                    assert status < 500, status

        threads = [threading.Thread(target=writer) for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(random.uniform(0.6, 1.5))
        server.kill()
        stop.set()
        for t in threads:
            t.join(timeout=30)
    store = make_store(Settings.from_env({}, overrides=config))
    assert store.integrity_check()
    stored = set(store.load()["ports"]["id"])
    assert len(acknowledged) > 10
    missing = [fid for fid in acknowledged if fid not in stored]
    assert missing == []
    with store._connect() as cur:  # and each has its audit entry, written in the same transaction
        cur.execute("SELECT feature_id FROM audit_log WHERE action = 'create'")
        audited = {row[0] for row in cur.fetchall()}
    assert set(acknowledged) <= audited


def test_concurrent_writers_lose_nothing(store_config):
    token = editor_token(store_config)
    headers = {"Authorization": f"Bearer {token}", "X-Change-Reason": "concurrency test"}
    server = ServerProcess(server_env(store_config)).wait_ready()
    try:
        ids = [f"pt-c-{i}" for i in range(60)]

        def post(fid):
            return http("POST", f"{server.url}/ogcapi/collections/ports/items", port_feature(fid), headers)[0]

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(post, ids))
        # everyone edits one feature at once: exactly one wins each round, the rest get 412, none a 5xx
        url = f"{server.url}/ogcapi/collections/ports/items/pt-c-0"
        etag = http("GET", url)[1]["ETag"]

        def patch(i):
            return http("PATCH", url, {"properties": {"notes": f"edit {i}"}}, {**headers, "If-Match": etag})[0]

        with ThreadPoolExecutor(max_workers=8) as pool:
            patches = list(pool.map(patch, range(8)))
    finally:
        server.stop()
    assert statuses == [201] * len(ids)
    assert sorted(patches) == [200] + [412] * 7
    stored = set(make_store(Settings.from_env({}, overrides=store_config)).load()["ports"]["id"])
    assert set(ids) <= stored


def test_instances_on_one_postgis_see_each_others_edits(pg_url, pg_schema, tmp_path):
    config = {"instance_path": tmp_path / "a", "database_url": pg_url, "database_schema": pg_schema}
    token = editor_token(config)
    a = ServerProcess(server_env(config)).wait_ready()
    b = ServerProcess(server_env({**config, "instance_path": tmp_path / "b"})).wait_ready()
    try:
        before = http("GET", f"{b.url}/healthz")[2]["data_version"]
        status, _, _ = http("POST", f"{a.url}/ogcapi/collections/ports/items", port_feature("pt-shared"),
                            {"Authorization": f"Bearer {token}", "X-Change-Reason": "seen by b?"})
        assert status == 201
        started = time.monotonic()
        while True:  # b runs two workers: each request may reach either, so both must have it
            found = http("GET", f"{b.url}/ogcapi/collections/ports/items?id=pt-shared")[2]["numberMatched"]
            if found == 1 and http("GET", f"{b.url}/healthz")[2]["data_version"] != before:
                break
            assert time.monotonic() - started < 15, "instance b did not pick up the edit"
            time.sleep(0.2)
        print(f"instance b saw the edit after {time.monotonic() - started:.1f} s")
    finally:
        a.stop()
        b.stop()


class Proxy:
    """A TCP forwarder in front of PostgreSQL that can be switched off, to take the database away."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.close()
                except OSError:
                    pass

    def close(self):
        self.running = False
        self.listener.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass


def test_database_down_means_503_for_writes_and_reads_keep_working(pg_url, pg_schema, tmp_path):
    from urllib.parse import urlsplit

    target = urlsplit(pg_url)
    proxy = Proxy(target.port or 5432)
    via_proxy = pg_url.replace(f"{target.hostname}:{target.port or 5432}", f"127.0.0.1:{proxy.port}")
    config = {"instance_path": tmp_path / "instance", "database_url": via_proxy, "database_schema": pg_schema,
              "reload_check_s": 0.3}
    token = editor_token(config)
    app = create_app(config)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "X-Change-Reason": "while down"}
    try:
        proxy.close()
        time.sleep(0.5)
        response = client.post("/ogcapi/collections/ports/items", json=port_feature("pt-down"), headers=headers)
        assert response.status_code == 503
        assert "cannot be reached" in response.json["error"]["message"]
        assert client.get("/ogcapi/collections/ports/items").status_code == 200
        assert client.get("/ogcapi/collections/ports/items/pt-varreux").status_code == 200
        assert client.get("/api/route?from=-72.2853,18.5125&to=-72.5369,18.2357").json["verdict"] == "caution"
        assert client.get("/").status_code == 200
    finally:
        app.extensions["geoapp"].stop()
    direct = make_store(Settings.from_env({}, overrides={**config, "database_url": pg_url}))
    assert "pt-down" not in set(direct.load()["ports"]["id"])
