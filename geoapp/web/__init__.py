"""HTML pages: the overview map and the route map (thin: parse, call the domain, render)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for

from .. import service
from ..analysis import access_lookup
from ..api import arg, parse_hub, parse_int, parse_lonlat
from ..lookups import MAX_ALTERNATIVES, route_lookup, stale_warnings
from ..maps import MapAssets, access_map, overview_map, route_map

bp = Blueprint("web", __name__, template_folder="templates")


def _assets() -> MapAssets:
    return MapAssets(
        leaflet_js=url_for("static", filename="vendor/leaflet-1.9.4/leaflet.js"),
        leaflet_css=url_for("static", filename="vendor/leaflet-1.9.4/leaflet.css"),
        page_css=url_for("static", filename="geoapp.css"),
    )


def _html(text: str, status: int = 200) -> Response:
    return Response(text, status=status, mimetype="text/html")


@bp.get("/")
def overview():
    """Every layer on one map; built once per data version and served from memory after that."""
    svc = service()
    data = svc.dataset

    def build() -> str:
        panel = render_template(
            "overview_panel.html", data=data, layers=data.layers,
            warnings=stale_warnings(data, svc.settings, tuple(data.as_of), None),
        )
        m = overview_map(data.layers, assets=_assets(), panel_html=panel, tile_url=svc.settings.tile_url,
                         tile_attribution=svc.settings.tile_attribution)
        return m.get_root().render()

    return _html(svc.cached_page("overview", build))


@bp.get("/route")
def route_page():
    """The route map for ``from``/``to``; without them, a form to ask for one."""
    svc = service()
    if not request.args.get("from") and not request.args.get("to"):
        return _html(render_template("route_form.html"))
    data = svc.dataset
    mode = arg("mode", required=False, default="avoid")
    alternatives = parse_int("alternatives", default=0, minimum=0, maximum=MAX_ALTERNATIVES)
    result = route_lookup(data, svc.settings, parse_lonlat("from"), parse_lonlat("to"), mode=mode,
                          alternatives=alternatives)
    panel = render_template("route_panel.html", result=result, query=request.args)
    m = route_map(data.layers, result, assets=_assets(), panel_html=panel, tile_url=svc.settings.tile_url,
                  tile_attribution=svc.settings.tile_attribution)
    return _html(m.get_root().render())


@bp.get("/access")
def access_page():
    """Displacement sites coloured by whether a hub reaches them safely; without ``from``, a form."""
    svc = service()
    if not request.args.get("from"):
        ports = svc.dataset.layers["ports"][["id", "name", "status"]].to_dict("records")
        return _html(render_template("access_form.html", ports=ports))
    data = svc.dataset
    point, feature = parse_hub(arg("from"))
    result = access_lookup(data, svc.settings, point, hub_feature=feature)
    panel = render_template("access_panel.html", result=result, query=request.args)
    m = access_map(data.layers, data.access.sites, result, point, assets=_assets(), panel_html=panel,
                   tile_url=svc.settings.tile_url, tile_attribution=svc.settings.tile_attribution)
    return _html(m.get_root().render())


def error_page(status: int, message: str) -> Response:
    """A readable error page for browsers (API callers get the JSON error)."""
    return _html(render_template("error.html", status=status, message=message), status)
