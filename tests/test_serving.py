"""How ``geoapp serve`` runs gunicorn: the app built once, in the master, then frozen out of the GC's reach."""

from __future__ import annotations

import gc

from click.testing import CliRunner

import geoapp
import geoapp.http.server as server
from geoapp.cli import main


def test_serve_builds_the_app_once_for_gunicorn_not_also_for_the_command(monkeypatch):
    """Built for the CLI context too, a second copy of every layer and the graph sat in the master and every worker."""
    built, served = [], []
    monkeypatch.setattr(geoapp, "create_app", lambda *a, **k: built.append(1))
    monkeypatch.setattr(server, "serve", lambda factory, **options: served.append((factory, options)))
    result = CliRunner().invoke(main, ["serve", "--port", "8123", "--workers", "2", "--threads", "2"])
    assert result.exit_code == 0, result.output
    assert built == [] and len(served) == 1  # the factory is handed to gunicorn, which calls it once
    assert served[0][1] == {"host": "127.0.0.1", "port": 8123, "workers": 2, "threads": 2}


def test_the_preloaded_app_is_frozen_before_the_workers_fork(monkeypatch):
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    app = object()
    loaded = server.GunicornServer(lambda: app, {"bind": "127.0.0.1:0"}).load()
    assert loaded is app and frozen == [True]
