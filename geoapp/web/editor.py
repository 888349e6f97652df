"""The editors' page: sign in once with a token, pick a road on the map, change its status with a reason.

The change goes through the API's own patch path (validation, ``If-Match`` version check, audit log
with the signed-in editor as actor); forms carry a per-session CSRF token and must come from this site.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, Response, jsonify, redirect, render_template, request, session, url_for

from ..api.edits import ID_PATTERN, MAX_REASON, apply_patch, check_reason, editing_role
from ..errors import BadRequest, NotFound, Unauthorized
from ..http.language import query_args
from ..http.params import MAX_PARAM_LENGTH, arg
from ..http.security import rate_limited
from ..http.sessions import CSRF_FIELD, check_csrf, csrf_token, sign_in, sign_out, signed_in
from ..http.state import service
from ..i18n.translate import _
from ..io.context import load_context
from ..layers import REGISTRY
from ..store.sql import ROLES

bp = Blueprint("editor", __name__, template_folder="templates")

LAYER = "roads"
#: the confirmation of the last change, shown once on the page the browser is sent back to
DONE = "report_done"


@bp.get("/report")
@rate_limited("lookups")
def report_page():
    """Signed out: the sign-in form; signed in: the map to pick a road and the form to change its status."""
    unknown = sorted(set(query_args()) - {"road"})
    if unknown:
        raise BadRequest(_("this page takes only road=ID"), field=unknown[0][:40])
    road_id = arg("road", required=False)
    road = _stored_road(road_id) if road_id else None
    return _page(road=road)


def _page(*, road: dict | None = None, error: str | None = None, status: int = 200) -> Response:
    svc = service()
    principal = signed_in(svc.store)
    data = svc.dataset
    context = load_context(svc.settings.data_dir)
    outline = context["outline"].to_json() if "outline" in context else "null"
    roads = data.layers[LAYER][["id", "name"]].sort_values(["name", "id"]).to_dict("records")
    html = render_template(
        "report.html", principal=principal, may_edit=principal is not None and _may_edit(principal[1]),
        csrf_field=CSRF_FIELD, csrf=csrf_token(), statuses=REGISTRY[LAYER].statuses, roads=roads, road=road,
        done=session.pop(DONE, None), error=error, max_reason=MAX_REASON, today=dt.date.today().isoformat(),
        lifetime_h=f"{svc.settings.session_lifetime_s / 3600:g}",
        outline=_script_safe(outline), road_lines=_script_safe(data.public.geojson[LAYER]),
        item_url=url_for("ogc.item", collection_id=LAYER, feature_id="ID"))
    return _private(Response(html, status=status, mimetype="text/html"))


def _may_edit(role: str) -> bool:
    return ROLES.index(role) >= ROLES.index(REGISTRY[LAYER].edit_role)


def _private(response: Response) -> Response:
    """Never cached (the page holds the session's CSRF token); forms send this site's origin with their posts."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _stored_road(road_id: str) -> dict:
    """The road as stored now (the map may still show the data loaded before the last change)."""
    if not ID_PATTERN.match(road_id):
        raise BadRequest(_("road must be a road id like rd-kenscoff-furcy"), field="road")
    stored = service().store.get(LAYER, road_id)
    if stored is None:
        raise NotFound(_("no road %(road)s", road=repr(road_id[:80])), field="road")
    feature, version = stored
    return {"id": road_id, "properties": feature["properties"], "geometry": feature["geometry"], "version": version,
            "history": recent_changes(service().store.history(LAYER, road_id))}


def recent_changes(changes: list[dict], count: int = 5) -> list[dict]:
    """The last changes of a feature, newest first: when, who, why, and its status before and after."""
    def status(side: dict | None) -> str | None:
        return ((side or {}).get("properties") or {}).get("status")

    return [{"at": c["at"], "actor": c["actor"], "action": c["action"], "reason": c["reason"],
             "before": status(c["before"]), "after": status(c["after"])} for c in reversed(changes[-count:])]


@bp.post("/report/sign-in")
@rate_limited("edits")
def sign_in_view():
    """Check the pasted token and start the session; the token itself is not kept."""
    check_csrf()
    token = (request.form.get("token") or "").strip()
    if not token:
        raise BadRequest(_("paste your token to sign in"), field="token")
    if len(token) > MAX_PARAM_LENGTH:
        raise BadRequest(_("a token is shorter than %(most)s characters", most=MAX_PARAM_LENGTH), field="token")
    if sign_in(service().store, token, service().settings.session_lifetime_s) is None:
        if not _wants_page():
            raise Unauthorized(_("this token is not valid (unknown or revoked)"), field="token")
        return _page(error=_("This token is not valid (unknown or revoked). Check it and paste it again."), status=401)
    return _back()


@bp.post("/report/sign-out")
@rate_limited("edits")
def sign_out_view():
    """End the session on this browser."""
    check_csrf()
    sign_out()
    return _back()


def _back(road: str | None = None) -> Response:
    """See Other: back to the page (with the road picked), so that reloading it never posts again."""
    road = road or request.form.get("road") or None
    if road is not None and not ID_PATTERN.match(road):
        road = None
    return _private(redirect(url_for("editor.report_page", road=road), code=303))


@bp.post("/report")
@rate_limited("edits")
def report_change():
    """Change the picked road's status, as a signed-in editor, through the same path as an API patch."""
    check_csrf()
    svc = service()
    spec = REGISTRY[LAYER]
    actor, _role = editing_role(spec, signed_in(svc.store), missing=_(
        "changing a road needs the %(minimum)s role: sign in on the editing page with your token first",
        minimum=spec.edit_role))
    road_id = _form("road", _("pick a road on the map (or in the list)"))
    if not ID_PATTERN.match(road_id):
        raise BadRequest(_("road must be a road id like rd-kenscoff-furcy"), field="road")
    status = _form("status", _("choose the road's new status"))
    reason = check_reason(request.form.get("reason") or "", "reason")
    version = _form("version", _("the form lacks the version of the road you read: pick the road again"))
    if not re.fullmatch(r"\d{1,12}", version):
        raise BadRequest(_("version must be the road's version number"), field="version")
    patch: dict = {"properties": {"status": status}}
    if request.form.get("reported_on"):
        patch["reported_on"] = request.form["reported_on"].strip()
    new_version = apply_patch(svc, spec, road_id, patch, actor=actor, reason=reason, expected_version=int(version))
    road = _stored_road(road_id)
    road["version"] = new_version
    done = {"id": road_id, "name": road["properties"].get("name"), "status": road["properties"]["status"],
            "as_of": road["properties"].get("as_of"), "version": new_version, "actor": actor, "reason": reason}
    if not _wants_page():  # the page's script, or any client that does not prefer HTML
        return _private(jsonify({**done, "road": road}))
    session[DONE] = done
    return _back(road_id)


def _form(field: str, missing: str) -> str:
    value = (request.form.get(field) or "").strip()
    if not value:
        raise BadRequest(missing, field=field)
    if len(value) > MAX_PARAM_LENGTH:
        raise BadRequest(_("%(field)s is longer than %(max_param_length)s characters", field=field,
                           max_param_length=MAX_PARAM_LENGTH), field=field)
    return value


def _wants_page() -> bool:
    """A browser submitting the form (it prefers HTML); scripts and other clients get JSON."""
    accept = request.accept_mimetypes
    return accept.best_match(["application/json", "text/html"]) == "text/html" and \
        accept["text/html"] > accept["application/json"]


def _script_safe(text: str) -> str:
    """JSON that cannot close the <script> block it sits in."""
    return text.replace("</", "<\\/")
