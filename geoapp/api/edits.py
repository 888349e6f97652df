"""Edits in the OGC API - Features Part 4 shape: create, replace, patch, delete, with history.

Every write is authenticated (editor or admin), validated as at start-up, carries a reason, and is
applied in one transaction with its audit entry, or not at all.  Replace, patch and delete need
``If-Match`` with the version the caller read, so that no edit silently overwrites another.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import urllib.parse

import numpy as np
import shapely
import shapely.geometry
from flask import Blueprint, Response, request, url_for

from ..data.privacy import coarsen_feature
from ..errors import (
    BadRequest,
    Conflict,
    DataValidationError,
    Forbidden,
    NotFound,
    PreconditionRequired,
    ReadOnly,
)
from ..http.auth import current_principal, role_at_least
from ..http.params import json_body, sees_exact_positions
from ..http.security import rate_limited
from ..http.state import service
from ..i18n.translate import _
from ..io.geojson import dumps
from ..layers import REGISTRY, LayerSpec
from ..links import edit_problems, involved
from ..store.sql import frame_from_feature
from ..validate import check_coordinates, parse_area
from .collections import FORMATS, collection_spec, etag, link

bp = Blueprint("edits", __name__, url_prefix="/ogcapi")

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
ID_PREFIX = {name: spec.id_prefix for name, spec in REGISTRY.items()}
OPTIONAL_PROPERTIES = {"valid_from", "valid_to", "highway", "speed_kmh"}
MAX_REASON = 500
FEATURE_TYPES = ("application/json", "application/geo+json")
#: A value whose every "%" starts a well-formed escape (so "50% of the road" stays as written).
PERCENT = re.compile(r"(?:[^%]|%[0-9A-Fa-f]{2})*")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _reason(body: dict | None = None) -> str:
    """Why the change is made: the X-Change-Reason header or the body's ``reason``, accents intact.

    WSGI hands header values over decoded as Latin-1, so raw UTF-8 arrives as "signalÃ©": it is
    decoded again as UTF-8 when that is valid.  Percent-encoded UTF-8 ("signal%C3%A9") is decoded
    when every escape is well formed and the bytes are valid UTF-8.  A header and a body that
    give different reasons are refused rather than one silently chosen.
    """
    header = _header_text(request.headers.get("X-Change-Reason") or "").strip()
    given = (body or {}).get("reason")
    if given is not None and not isinstance(given, str):
        raise BadRequest(_("reason must be a string"), field="reason")
    given = (given or "").strip()
    if header and given and header != given:
        raise BadRequest(_("the body's reason differs from X-Change-Reason: send one, or the same in both"),
                         field="reason")
    if not header and not given:
        raise BadRequest(_("say why: send the reason for the change in the X-Change-Reason header or as \"reason\" in "
                           "the body"), field="X-Change-Reason")
    return check_reason(header, "X-Change-Reason") if header else check_reason(given, "reason")


def check_reason(reason: str, field: str) -> str:
    """A reason as stored: given, at most ``MAX_REASON`` characters, no control characters, accents intact."""
    reason = reason.strip()
    if not reason:
        raise BadRequest(_("say why: give the reason for the change (%(field)s)", field=field), field=field)
    if len(reason) > MAX_REASON:
        raise BadRequest(_("%(field)s is longer than %(max_reason)s characters",
                           field=field, max_reason=MAX_REASON), field=field)
    if CONTROL.search(reason):
        raise BadRequest(_("%(field)s must be text without control characters", field=field), field=field)
    return reason


def _header_text(value: str) -> str:
    """A header value as the client meant it: raw UTF-8 bytes, or percent-encoded UTF-8, decoded."""
    try:
        value = value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass  # not UTF-8 bytes: kept as received
    if "%" in value and PERCENT.fullmatch(value):
        try:
            value = urllib.parse.unquote_to_bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            pass  # escapes that are not UTF-8: kept literally
    return value


def _if_match() -> int:
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired(_("send If-Match with the ETag of the version you read (GET the item first)"),
                                   field="If-Match")
    match = re.fullmatch(r'\s*(?:W/)?"(\d{1,12})"\s*', header)
    if not match:
        raise BadRequest(_("If-Match must be the ETag of the item, like \"3\""), field="If-Match")
    return int(match.group(1))


def _feature(body: dict, spec: LayerSpec, feature_id: str | None) -> dict:
    """Check the shape of a GeoJSON Feature body and the properties it sets."""
    if body.get("type") != "Feature":
        raise BadRequest(_("the body must be a GeoJSON Feature (\"type\": \"Feature\")"), field="type")
    properties = body.get("properties") or {}
    if not isinstance(properties, dict):
        raise BadRequest(_("properties must be an object"), field="properties")
    # department and commune are derived from the position: accepted back from a read, never stored
    derived = set(spec.served_columns) - set(spec.columns)
    properties = {k: v for k, v in properties.items() if k not in derived}
    unknown = sorted(set(properties) - set(spec.columns) - OPTIONAL_PROPERTIES)
    if unknown:
        raise BadRequest(_("unknown properties for %(name)s: %(choices)s",
                           name=spec.name, choices=', '.join(k[:40] for k in unknown[:8])),
                         field=unknown[0][:40])
    given = body.get("id", properties.get("id"))
    if feature_id is not None and given not in (None, feature_id):
        raise BadRequest(_("the body's id differs from the id in the URL"), field="id")
    fid = feature_id or given or f"{ID_PREFIX[spec.name]}-{secrets.token_hex(5)}"
    if not isinstance(fid, str) or not ID_PATTERN.match(fid):
        raise BadRequest(_("id must be 1-100 letters, digits, '.', '_', ':' or '-'"), field="id")
    geometry = body.get("geometry")
    if not isinstance(geometry, dict):
        raise BadRequest(_("geometry must be a GeoJSON geometry object"), field="geometry")
    return {"type": "Feature", "geometry": geometry, "properties": {**properties, "id": fid}}


def _reported_on(body: dict | None) -> str:
    """The day the change was reported: the body's ``reported_on`` (YYYY-MM-DD, not in the future), or today."""
    given = (body or {}).get("reported_on")
    if given is None:
        return dt.date.today().isoformat()
    try:
        day = dt.date.fromisoformat(given) if isinstance(given, str) and len(given) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise BadRequest(_("reported_on must be a date YYYY-MM-DD"), field="reported_on")
    if day > dt.date.today():
        raise BadRequest(_("reported_on must not be in the future"), field="reported_on")
    return day.isoformat()


def _dated(feature: dict, before: dict | None, reported_on: str, *, given_as_of: bool) -> dict:
    """Date the feature by the report when its status or geometry changes; keep the date otherwise.

    The ``as_of`` the editor sets wins.  A change of notes, names or sources says nothing new about
    conditions on the ground, so it keeps the date the status was last reported.
    """
    properties = feature["properties"]
    if given_as_of:
        return feature
    if before is None:
        properties["as_of"] = reported_on
        return feature
    old = before.get("properties") or {}
    moved = _shape(feature.get("geometry")) is None or _shape(before.get("geometry")) is None \
        or not _shape(feature["geometry"]).equals(_shape(before["geometry"]))
    if properties.get("status") != old.get("status") or moved or not old.get("as_of"):
        properties["as_of"] = reported_on
    else:
        properties["as_of"] = old["as_of"]
    return feature


def _shape(geometry):
    try:
        return shapely.geometry.shape(geometry) if isinstance(geometry, dict) else None
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, shapely.errors.GEOSException):
        return None


def _validated(feature: dict, spec: LayerSpec):
    """A single-row frame, validated as the shipped layers are, with vertex and area caps."""
    settings = service().settings
    properties = feature["properties"]
    properties.setdefault("as_of", dt.date.today().isoformat())
    if "Polygon" in spec.geometry_types:
        parse_area(feature["geometry"], field="geometry", max_vertices=settings.max_area_vertices,
                   max_area_km2=settings.max_area_km2, metric_crs=settings.metric_crs)
    check_coordinates(feature["geometry"].get("coordinates"), "geometry")
    try:
        geometry = shapely.geometry.shape(feature["geometry"])
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, shapely.errors.GEOSException):
        raise BadRequest(_("geometry has malformed coordinates"), field="geometry") from None
    if shapely.get_num_coordinates(geometry) > settings.max_area_vertices:
        raise BadRequest(_("geometry has more than %(max_area_vertices)s vertices",
                           max_area_vertices=settings.max_area_vertices), field="geometry")
    if not np.isfinite(shapely.get_coordinates(geometry)).all():
        raise BadRequest(_("geometry has coordinates that are not finite numbers"), field="geometry")
    try:
        return frame_from_feature(feature, spec, source=spec.name)
    except DataValidationError as exc:
        problems = [p.split(": ", 2)[-1] for p in exc.problems]
        raise BadRequest(_("the feature is not valid: %(problems)s", problems="; ".join(problems)),
                         field="properties") from None


#: What other layers need of a road or port: its place, and a port's kind (a sea leg needs a seaport).
_DEPENDED_ON = {"roads": (), "ports": ("kind",)}


def _cannot_break_links(svc, layer: str, feature_id: str, frame, creating: bool) -> bool:
    """A change no other feature can depend on: a new road or port, or one whose place and kind stay.

    Those are most edits (a road's status, a port's name), so they skip the check, which first
    brings the loaded data up to the store's commits.
    """
    if layer not in _DEPENDED_ON or frame is None:
        return False
    if creating:
        return True
    stored = svc.store.get(layer, feature_id)
    if stored is None:
        return False
    before = stored[0]
    same_place = shapely.geometry.shape(before["geometry"]).equals(frame.geometry.iloc[0])
    return same_place and all(before["properties"].get(f) == frame[f].iloc[0] for f in _DEPENDED_ON[layer])


def _check_links(layer: str, feature_id: str, frame, *, creating: bool = False) -> None:
    """Refuse a change that leaves a connection without fitting ports or a checkpoint off the roads.

    The feature changed itself at fault is a 400 naming the property; a change of a port or road
    that would break other features (a port deleted while a connection uses it) is a 409 naming them.
    """
    if not involved(layer):
        return
    svc = service()
    if _cannot_break_links(svc, layer, feature_id, frame, creating):
        return
    data = svc.fresh_dataset()  # a connection created a moment ago counts when its port is deleted
    problems = edit_problems(data.layers, layer, feature_id, frame, metric_crs=svc.settings.metric_crs)
    if not problems:
        return
    if all(p.layer == layer and p.feature_id == feature_id for p in problems):
        raise BadRequest("the feature is not valid: " + "; ".join(p.message for p in problems),
                         field=problems[0].field)
    raise Conflict(f"this change to {layer}/{feature_id[:80]} would leave other features invalid: "
                   + "; ".join(str(p) for p in problems[:5]) + ("; ..." if len(problems) > 5 else "")
                   + ": change or delete them first", field=problems[0].field)


def _respond(layer: str, feature_id: str, version: int, status: int) -> Response:
    stored = service().store.get(layer, feature_id)
    feature = stored[0] if stored else {}
    feature["links"] = [link(url_for("ogc.item", collection_id=layer, feature_id=feature_id, _external=True),
                              "self", FORMATS["json"], "This feature")]
    location = url_for("ogc.item", collection_id=layer, feature_id=feature_id, _external=True)
    return Response(dumps(feature), status=status, mimetype=FORMATS["json"],
                    headers={"ETag": etag(version), "Location": location})


@bp.post("/collections/<collection_id>/items")
@rate_limited("edits")
def create_item(collection_id: str):
    """Add a feature (201 with its Location and ETag)."""
    spec = collection_spec(collection_id)
    svc = service()
    actor, _role = _require_editing_role(svc, spec)
    body = json_body(FEATURE_TYPES)
    reason = _reason(body)
    feature = _feature(body, spec, None)
    given = "as_of" in (body.get("properties") or {})
    frame = _validated(_dated(feature, None, _reported_on(body), given_as_of=given), spec)
    _check_links(collection_id, feature["properties"]["id"], frame, creating=True)
    version = svc.store.create(collection_id, frame, actor=actor, reason=reason)
    svc.data_changed()
    return _respond(collection_id, feature["properties"]["id"], version, 201)


def _change(collection_id: str, body_types: tuple[str, ...] | None = None):
    """What every change of an existing feature checks first: layer, token, body (if any), reason, If-Match."""
    spec = collection_spec(collection_id)
    svc = service()
    actor, _role = _require_editing_role(svc, spec)
    body = json_body(types=body_types) if body_types else None
    return spec, svc, actor, body, _reason(body), _if_match()


def _require_editing_role(svc, spec: LayerSpec) -> tuple[str, str]:
    """The caller, if their token's role may change this layer."""
    return editing_role(spec, current_principal(svc.store))


def editing_role(spec: LayerSpec, principal: tuple[str, str] | None, *, missing: str | None = None
                 ) -> tuple[str, str]:
    """``principal``, if their role may change this layer (official boundaries: admin only).

    ``missing``: the 401's message for a caller identified otherwise than by a bearer token.
    """
    if not spec.stored:
        raise ReadOnly(_("%(name)s is derived from imports ('geoapp import-dtm'); it cannot be edited", name=spec.name))
    try:
        return role_at_least(principal, spec.edit_role, missing=missing)
    except Forbidden:
        if spec.reference:
            raise Forbidden(_("%(name)s holds official reference data (OCHA COD-AB): only an admin may change it, or "
                              "replace it by import", name=spec.name)) from None
        raise


@bp.put("/collections/<collection_id>/items/<feature_id>")
@rate_limited("edits")
def replace_item(collection_id: str, feature_id: str):
    """Replace a feature whole (If-Match required)."""
    spec, svc, actor, body, reason, expected = _change(collection_id, FEATURE_TYPES)
    feature = _feature(body, spec, feature_id)
    current = svc.store.get(collection_id, feature_id)
    given = "as_of" in (body.get("properties") or {})
    feature = _dated(feature, current[0] if current else None, _reported_on(body), given_as_of=given)
    frame = _validated(feature, spec)
    _check_links(collection_id, feature_id, frame)
    version = svc.store.replace(collection_id, feature_id, frame, expected_version=expected, actor=actor,
                                reason=reason)
    svc.data_changed()
    return _respond(collection_id, feature_id, version, 200)


@bp.patch("/collections/<collection_id>/items/<feature_id>")
@rate_limited("edits")
def patch_item(collection_id: str, feature_id: str):
    """Change some properties and/or the geometry (JSON merge patch; If-Match required)."""
    spec, svc, actor, patch, reason, expected = _change(collection_id, ("application/json",
                                                                         "application/merge-patch+json"))
    version = apply_patch(svc, spec, feature_id, patch, actor=actor, reason=reason, expected_version=expected)
    return _respond(collection_id, feature_id, version, 200)


def apply_patch(svc, spec: LayerSpec, feature_id: str, patch: dict, *, actor: str, reason: str,
                expected_version: int) -> int:
    """Merge ``patch`` into the stored feature, validate, store it with its audit entry; the new version.

    The one path of every patch, whether it came over the API or from the editing page.
    """
    unknown = sorted(set(patch) - {"type", "properties", "geometry", "id", "reason", "reported_on"})
    if unknown:
        raise BadRequest(_("a patch may set properties and geometry only, not %(unknown)s",
                           unknown=unknown[0][:40]), field=unknown[0][:40])
    current = svc.store.get(spec.name, feature_id)
    if current is None:
        raise NotFound(_("no feature %(feature_id)s in %(collection_id)s",
                         feature_id=f"{feature_id[:80]!r}", collection_id=spec.name), field="featureId")
    base, _version = current
    changes = patch.get("properties") or {}
    if not isinstance(changes, dict):
        raise BadRequest(_("properties must be an object"), field="properties")
    properties = {k: v for k, v in {**base["properties"], **changes}.items() if v is not None}
    merged = {"type": "Feature", "properties": properties, "geometry": patch.get("geometry") or base["geometry"]}
    feature = _dated(_feature(merged, spec, feature_id), base, _reported_on(patch),
                     given_as_of=changes.get("as_of") is not None)
    frame = _validated(feature, spec)
    _check_links(spec.name, feature_id, frame)
    version = svc.store.replace(spec.name, feature_id, frame, expected_version=expected_version, actor=actor,
                                reason=reason, action="patch")
    svc.data_changed()
    return version


@bp.delete("/collections/<collection_id>/items/<feature_id>")
@rate_limited("edits")
def delete_item(collection_id: str, feature_id: str):
    """Remove a feature (If-Match required); its history stays."""
    _spec, svc, actor, _body, reason, expected = _change(collection_id)
    _check_links(collection_id, feature_id, None)
    svc.store.delete(collection_id, feature_id, expected_version=expected, actor=actor, reason=reason)
    svc.data_changed()
    return Response(status=204)


@bp.get("/collections/<collection_id>/items/<feature_id>/history")
def item_history(collection_id: str, feature_id: str):
    """Every change of a feature: who, when, why, and the feature before and after."""
    collection_spec(collection_id)
    svc = service()
    changes = svc.store.history(collection_id, feature_id)
    if not changes:
        raise NotFound(_("no history for %(feature_id)s in %(collection_id)s",
                         feature_id=f"{feature_id[:80]!r}", collection_id=collection_id), field="featureId")
    if not sees_exact_positions():
        s = svc.settings
        for change in changes:
            for side in ("before", "after"):
                change[side] = coarsen_feature(change[side], collection_id, grid_m=s.site_grid_m,
                                               metric_crs=s.metric_crs)
    return Response(dumps({"collection": collection_id, "featureId": feature_id, "changes": changes}),
                    mimetype="application/json")


