"""Health routes for proxies and orchestrators: liveness with data freshness, and readiness."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, jsonify

from ..data.freshness import layer_freshness
from ..errors import GeoappError
from .state import service

bp = Blueprint("health", __name__)


@bp.get("/readyz")
def readyz():
    """Ready to serve: layers and graph loaded, and the store reachable."""
    svc = service()
    try:
        version = svc.store.version()
    except GeoappError as exc:
        return jsonify(ready=False, reason=exc.message, data_version=svc.dataset.version), 503
    return jsonify(ready=True, store=svc.store.describe(), store_version=version,
                   data_version=svc.dataset.version, graph_nodes=svc.dataset.router.graph.n_nodes,
                   loaded_at=svc.loaded_at.strftime("%Y-%m-%dT%H:%M:%SZ"))


@bp.get("/healthz")
def healthz():
    """Liveness and data freshness per layer, from each feature's as_of (newest, median, oldest, stale share)."""
    svc = service()
    data = svc.dataset
    today = dt.date.today()
    layers = {}
    for name, frame in data.layers.items():
        fresh = layer_freshness(name, data.feature_days[name], today, svc.settings.stale_after_days)
        layers[name] = {"features": len(frame), "as_of": fresh["newest"], **fresh}
    return jsonify(
        status="ok",
        data_version=data.version,
        stale_after_days=svc.settings.stale_after_days,
        layers=layers,
        graph={"nodes": data.router.graph.n_nodes, "edges": data.router.graph.n_edges},
    )
