"""Folium builders, tested on the map objects and their rendered HTML."""

from __future__ import annotations

import re

import folium
import pytest

from geoapp.maps import MapAssets, overview_map, route_map, site_radius

ASSETS = MapAssets(leaflet_js="/static/l.js", leaflet_css="/static/l.css", page_css="/static/p.css")


@pytest.fixture(scope="module")
def layers(app):
    return app.extensions["geoapp"].dataset.layers


def geojson_children(m: folium.Map) -> dict[str, folium.GeoJson]:
    return {c.layer_name: c for c in m._children.values() if isinstance(c, folium.GeoJson)}


def outside_urls(html: str) -> list[str]:
    refs = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', html)
    return [r for r in refs if re.match(r"^(https?:)?//", r)]


def test_overview_has_every_layer_with_toggles_legend_and_panel(layers):
    m = overview_map(layers, assets=ASSETS, panel_html='<div id="panel">hello</div>')
    children = geojson_children(m)
    assert set(children) == {"Gang-controlled zones", "Roads and their status", "Displacement sites",
                             "Ports, airports and border crossings", "Violent incidents"}
    assert any(isinstance(c, folium.LayerControl) for c in m._children.values())
    html = m.get_root().render()
    assert 'id="legend"' in html and 'id="panel"' in html
    for status in ("controlled", "contested", "influence", "dangerous", "blocked", "gang controlled", "verified"):
        assert status in html
    assert m.options["prefer_canvas"] is True
    assert '"preferCanvas": true' in html


def test_pages_reference_no_outside_host_by_default(layers):
    html = overview_map(layers, assets=ASSETS, panel_html="").get_root().render()
    assert outside_urls(html) == []
    assert '<script src="/static/l.js">' in html
    assert "tile" not in "".join(re.findall(r"L\.tileLayer\([^)]*\)", html))


def test_a_configured_tile_url_is_used(layers):
    html = overview_map(layers, assets=ASSETS, panel_html="", tile_url="https://tiles.example/{z}/{x}/{y}.png",
                        tile_attribution="test").get_root().render()
    assert "https://tiles.example/{z}/{x}/{y}.png" in html


def test_styles_follow_status(layers):
    m = overview_map(layers, assets=ASSETS, panel_html="")
    roads = geojson_children(m)["Roads and their status"]
    blocked = next(f for f in roads.data["features"] if f["properties"]["status"] == "blocked")
    open_ = next(f for f in roads.data["features"] if f["properties"]["status"] == "open")
    assert roads.style_function(blocked)["dashArray"] == "8 6"
    assert roads.style_function(open_)["dashArray"] is None
    assert roads.style_function(blocked)["color"] != roads.style_function(open_)["color"]
    zones = geojson_children(m)["Gang-controlled zones"]
    controlled = next(f for f in zones.data["features"] if f["properties"]["status"] == "controlled")
    assert zones.style_function(controlled)["fillColor"] == "#D55E00"


def test_popups_carry_provenance(layers):
    m = overview_map(layers, assets=ASSETS, panel_html="")
    for layer in geojson_children(m).values():
        popup = next(c for c in layer._children.values() if isinstance(c, folium.GeoJsonPopup))
        assert {"name", "status", "as_of", "source", "confidence"} <= set(popup.fields)


def test_site_markers_grow_with_population():
    assert site_radius(0) == 4
    assert site_radius(100) < site_radius(5000) <= 18
    assert site_radius(10_000_000) == 18


def test_route_map_draws_both_routes_and_endpoints(app, layers):
    from geoapp.lookups import route_lookup

    svc = app.extensions["geoapp"]
    result = route_lookup(svc.dataset, svc.settings, (-72.2853, 18.5125), (-72.5369, 18.2357))
    m = route_map(layers, result, assets=ASSETS, panel_html="<p>verdict</p>")
    children = geojson_children(m)
    assert {"Safest route", "Shortest route"} <= set(children)
    assert children["Safest route"].style_function(None)["weight"] > children["Shortest route"].style_function(None)[
        "weight"]
    html = m.get_root().render()
    assert "Origin" in html and "Destination" in html
    assert outside_urls(html) == []


def test_route_map_draws_alternatives_in_their_own_style(app, layers):
    import copy

    from geoapp.lookups import route_lookup

    svc = app.extensions["geoapp"]
    result = route_lookup(svc.dataset, svc.settings, (-72.2853, 18.5125), (-72.5369, 18.2357))
    other = copy.deepcopy(result["routes"][0])  # the shipped network rarely has a distinct second way
    other["properties"].update(kind="alternative", rank=2)
    result["routes"].insert(1, other)
    children = geojson_children(route_map(layers, result, assets=ASSETS, panel_html=""))
    assert "Alternative route 2" in children
    assert children["Alternative route 2"].style_function(None)["dashArray"]


def test_large_roads_layers_are_lightened_for_pages():
    from bench.synthetic import synthetic_roads
    from geoapp.maps import LIGHT_LIMIT, lighten

    roads = synthetic_roads(40)
    roads.loc[roads.index[:5], "status"] = "blocked"
    light = lighten("roads", roads)
    assert len(roads) > LIGHT_LIMIT and len(light) < 20
    assert set(light["status"]) == {"open", "blocked"}  # statuses survive the merge
    assert light.to_crs(32618).length.sum() < roads.to_crs(32618).length.sum()  # minor open streets left out
    small = lighten("ports", roads.iloc[:10])
    assert len(small) == 10


def test_overview_page_weight(client):
    assert len(client.get("/").data) <= 300 * 1024
