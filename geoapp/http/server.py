"""Production serving with gunicorn, preloading the app so layers and graph are built once."""

from __future__ import annotations

import gc
from collections.abc import Callable

from flask import Flask
from gunicorn.app.base import BaseApplication

from .state import EXTENSION


class GunicornServer(BaseApplication):
    """gunicorn running the app ``factory`` builds, with the given options (see ``gunicorn --help`` names)."""

    def __init__(self, factory: Callable[[], Flask], options: dict):
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # older gunicorn releases lack some settings (control_socket)
                self.cfg.set(key, value)

    def load(self) -> Flask:
        """The app, built once in the master before the workers fork (``preload_app``).

        The cost-based search bounds are computed here too, so that the workers share one copy of
        them rather than each computing its own.  Every object built so far is then frozen out of
        the garbage collector's reach: a collection in a worker would otherwise write to the header
        of each of them, copying nearly every page the workers share with the master (layers,
        graph, indexes) into each worker.
        """
        app = self.factory()
        service = app.extensions.get(EXTENSION) if isinstance(app, Flask) else None
        if service is not None:
            service.tighten_now()
        gc.collect()
        gc.freeze()
        return app


def serve(factory: Callable[[], Flask], *, host: str, port: int, workers: int = 2, threads: int = 4) -> None:
    """Run ``factory()``'s app until stopped.  Two workers suit the 2-core machines this is planned for.

    gunicorn's control socket goes in the instance folder, like everything else the service writes.
    """
    from ..settings import Settings

    instance = Settings.from_env().instance_path
    instance.mkdir(parents=True, exist_ok=True)
    GunicornServer(
        factory,
        {
            "control_socket": str(instance.resolve() / "gunicorn.ctl"),
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "preload_app": True,
            "timeout": 60,
            # the app answers addresses over 4 KiB with a JSON 414; gunicorn's own (HTML) limit is above it
            "limit_request_line": 8190,
            "graceful_timeout": 20,
            "accesslog": None,  # the app logs requests itself, without query strings (positions)
            "errorlog": "-",
        }
    ).run()
