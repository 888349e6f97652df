"""What the OGC collection endpoints share: layer lookup, links, media types, items read with their ETag."""

from __future__ import annotations

from ..data.privacy import coarsen_feature
from ..errors import NotFound, StoreUnavailable
from ..http.params import sees_exact_positions
from ..http.state import service
from ..i18n.translate import _
from ..io.geojson import iter_features, plain
from ..layers import REGISTRY, LayerSpec

FORMATS = {
    "json": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
    "gpkg": "application/geopackage+sqlite3",
}


def link(href: str, rel: str, type_: str, title: str) -> dict:
    """A link object of OGC API responses."""
    return {"href": href, "rel": rel, "type": type_, "title": title}


def collection_spec(collection_id: str) -> LayerSpec:
    """The layer of a collection id; 404 naming the collections page when there is none."""
    if collection_id not in REGISTRY:
        raise NotFound(_("no collection named %(collection_id)s; see /ogcapi/collections",
                         collection_id=f"{collection_id!r}"), field="collectionId")
    return REGISTRY[collection_id]


def etag(version: int) -> str:
    """The ETag of a stored feature's version."""
    return f'"{version}"'


def _add_place(feature: dict, layer: str, data) -> None:
    """Put the department and commune the loaded data derived for this feature into its properties."""
    frame = data.exact.layers[layer]
    derived = [c for c in REGISTRY[layer].served_columns if c not in REGISTRY[layer].columns]
    if not derived:
        return
    hit = frame[frame["id"] == feature["properties"]["id"]]
    if len(hit):
        feature["properties"].update({c: plain(hit[c].iloc[0]) for c in derived})


def stored_item(collection_id: str, feature_id: str) -> tuple[dict, str | None]:
    """The feature from the store with its ETag; from loaded data (no ETag) when the store is down."""
    svc = service()
    exact = sees_exact_positions()
    try:
        if not REGISTRY[collection_id].stored:  # derived when data changes: only in the loaded data
            raise StoreUnavailable("derived collection")  # caught below: never shown
        stored = svc.store.get(collection_id, feature_id)
    except StoreUnavailable:
        view = svc.dataset.exact if exact else svc.dataset.public
        frame = view.layers[collection_id]
        hit = frame[frame["id"] == feature_id]
        return (next(iter_features(hit)) if len(hit) else None), None
    if stored is None:
        return None, None
    _add_place(stored[0], collection_id, svc.dataset)
    feature = stored[0] if exact else coarsen_feature(stored[0], collection_id, grid_m=svc.settings.site_grid_m,
                                                      metric_crs=svc.settings.metric_crs)
    return feature, etag(stored[1])
