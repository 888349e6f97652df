"""Folium builders, tested on the map objects and their rendered HTML."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re

import folium
import numpy as np
import pandas as pd
import pytest
import shapely

from geoapp import create_app
from geoapp.data.query import recent_incidents
from geoapp.layers import layer_title
from geoapp.maps.boundaries import MAP_ATTRIBUTION
from geoapp.maps.builders import MapAssets, ReferenceLayer, overview_map, route_map
from geoapp.maps.layers import lighten, site_radius

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
                             "Ports, airports and border crossings", "Violent incidents", "Sea and air connections",
                             "Checkpoints and illegal tolls"}
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
    closed = {**blocked, "properties": {**blocked["properties"], "status": "closed"}}
    assert roads.style_function(closed)["dashArray"] not in ("8 6", "2 6", None)
    assert roads.style_function(closed)["color"] not in (roads.style_function(blocked)["color"],
                                                         roads.style_function(open_)["color"])
    legend = re.search(r'<details class="legend".*?</details>', m.get_root().render(), re.S).group(0)
    assert 'class="sw line closed"' in legend  # the closed road's swatch, in the legend
    zones = geojson_children(m)["Gang-controlled zones"]
    controlled = next(f for f in zones.data["features"] if f["properties"]["status"] == "controlled")
    assert zones.style_function(controlled)["fillColor"] == "#D55E00"


def test_popups_carry_provenance_and_a_download_link(layers):
    m = overview_map(layers, assets=ASSETS, panel_html="", items_url=lambda name: f"/ogcapi/collections/{name}/items")
    for title, layer in geojson_children(m).items():
        fields = layer.config["fields"]
        assert {"name", "status", "as_of", "source", "confidence"} <= set(fields), title
        assert layer.config["labels"][fields.index("as_of")] == "as of"
        assert layer.config["download"] == "download"
        # the page says where the layer's features are once; each popup adds its feature's id
        name = next(n for n in layers if layer_title(n) == title)
        assert layer.config["items"] == f"/ogcapi/collections/{name}/items"
        assert [f["id"] for f in layer.data["features"]] == list(lighten(name, layers[name])["id"])
    html = m.get_root().render()
    assert "download>GeoJSON" not in html and "/items/pt-varreux" not in html  # no link written per feature
    without = geojson_children(overview_map(layers, assets=ASSETS, panel_html=""))
    assert all("items" not in layer.config for layer in without.values())


def test_layers_go_to_the_page_as_tables_without_nulls_or_repeated_text(layers):
    from geoapp.maps.layers import FeatureLayer, feature_layer, page_table

    roads = lighten("roads", layers["roads"])
    layer = feature_layer("roads", roads)
    table = layer.table
    fields = layer.config["fields"]
    assert list(table["fields"]) == fields and "download" not in fields and "id" not in fields
    assert table["ids"] == list(roads["id"]) and len(table["geometries"]) == len(roads)
    # one source for every road: written once with each road's index into the distinct values
    assert table["fields"]["source"]["values"] == [roads["source"].iloc[0]]
    assert set(table["fields"]["source"]["index"]) == {0}
    assert isinstance(table["fields"]["name"], list)  # names differ: a plain list
    # the GeoJSON it stands for: each road's shown fields, nulls left out (the popup shows nothing for them)
    for feature, (_, road) in zip(layer.data["features"], roads.iterrows(), strict=True):
        assert feature["id"] == road["id"]
        assert feature["properties"] == {f: road[f] for f in fields if pd.notna(road[f])}
        assert shapely.geometry.shape(feature["geometry"]).equals_exact(road.geometry, 1e-9)
    assert any("max_vehicle" not in f["properties"] for f in layer.data["features"])
    # a field with distinct values stays a list, with nulls in place
    frame = layers["ports"].head(3).assign(notes=["a", None, "c"])
    assert page_table(frame, ["notes"])["fields"]["notes"] == ["a", None, "c"]
    assert isinstance(layer, FeatureLayer)


def test_each_feature_is_drawn_in_its_own_style(layers):
    from geoapp.maps.layers import LAYER_STYLES, feature_layer, labelled

    for name in ("roads", "displacement_sites", "ports", "checkpoints", "connections", "gang_zones"):
        frame = lighten(name, layers[name])
        layer = feature_layer(name, frame)
        styles, index = layer.config["styles"], layer.config.get("style", [0] * len(frame))
        assert len(styles) == len(set(map(json.dumps, styles)))  # each distinct style once
        assert len(index) == len(frame)
        style = LAYER_STYLES[name](False)
        for i, (_, row) in enumerate(labelled(name, frame).iterrows()):
            expected = style({"properties": row.where(row.notna(), None).to_dict()})
            assert styles[index[i]] == json.loads(json.dumps(expected)), (name, row["id"])
    assert len(feature_layer("roads", lighten("roads", layers["roads"])).config["styles"]) < len(layers["roads"]) / 5
    html = overview_map(layers, assets=ASSETS, panel_html="").get_root().render()
    assert html.count("ha.featureLayer(") == 7 and "switch(feature.id)" not in html  # no style switch per layer


def test_styles_follow_codes_in_every_language(app):
    from geoapp.i18n.translate import set_language
    from geoapp.maps.layers import feature_layer

    layers = app.extensions["geoapp"].dataset.layers
    english = {n: feature_layer(n, lighten(n, layers[n])) for n in ("roads", "ports", "connections", "checkpoints")}
    token = set_language("ht")
    try:
        creole = {n: feature_layer(n, lighten(n, layers[n])) for n in english}
    finally:
        from geoapp.i18n.translate import reset_language

        reset_language(token)
    for name, layer in creole.items():
        assert layer.config["styles"] == english[name].config["styles"]
        assert layer.config.get("style") == english[name].config.get("style")
        assert layer.config["labels"] != english[name].config["labels"]  # the popup's labels in Creole
        # codes are for styles only: the page gets the labels
        assert not any(k.endswith("_code") for f in layer.data["features"] for k in f["properties"])
    assert {f["properties"]["status"] for f in creole["roads"].data["features"]} >= {"bloke"}


def test_feature_layers_cannot_close_their_script(layers):
    from geoapp.maps.layers import feature_layer

    ports = lighten("ports", layers["ports"]).head(2).copy()
    ports.loc[ports.index[0], "name"] = "</script><script>alert(1)</script><!--"
    html = overview_map({"ports": ports}, assets=ASSETS, panel_html="").get_root().render()
    assert "</script><script>alert" not in html and "<!--" not in html.split("<script>")[-1]
    layer = feature_layer("ports", ports)
    assert json.loads(layer.table_json)["fields"]["name"][0].startswith("</script>")


def test_site_markers_grow_with_population():
    assert site_radius(0) == 4
    assert site_radius(100) < site_radius(5000) <= 18
    assert site_radius(10_000_000) == 18


def test_route_map_draws_both_routes_and_endpoints(app, layers):
    from geoapp.answers.route import route_lookup

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

    from geoapp.answers.route import route_lookup

    svc = app.extensions["geoapp"]
    result = route_lookup(svc.dataset, svc.settings, (-72.2853, 18.5125), (-72.5369, 18.2357))
    other = copy.deepcopy(result["routes"][0])  # the fixture network rarely has a distinct second way
    other["properties"].update(kind="alternative", rank=2, label="Alternative 1")
    result["routes"].insert(1, other)
    m = route_map(layers, result, assets=ASSETS, panel_html="")
    children = geojson_children(m)
    assert "Alternative 1" in children
    assert children["Alternative 1"].style_function(None)["dashArray"]
    # each route in the legend by its own label, once
    legend = m.get_root().render().split('id="legend"')[1].split("</details>")[0]
    rows = legend.split('class="legend-route"')[1:]
    assert [row.split("</span>")[1].split("</div>")[0].strip() for row in rows] == [
        "Shortest route", "Safest route", "Alternative 1"]


def test_large_roads_layers_are_lightened_for_pages():
    from geoapp.maps.layers import LIGHT_LIMIT

    from .synthetic import synthetic_roads

    roads = synthetic_roads(40)
    roads.loc[roads.index[:5], "status"] = "blocked"
    light = lighten("roads", roads)
    assert len(roads) > LIGHT_LIMIT and len(light) < 20
    assert set(light["status"]) == {"open", "blocked"}  # statuses survive the merge
    assert light.to_crs(32618).length.sum() < roads.to_crs(32618).length.sum()  # minor open streets left out
    small = lighten("ports", roads.iloc[:10])
    assert len(small) == 10


FIGURES = pd.DataFrame({
    "pcode": ["HT0111", "HT0112", "HT0113", "HT0111", "HT0112", "HT0113", "HT0114", "HT0311"],
    "round": ["7", "7", "7", "9", "9", "9", "9", "9"],
    "date": ["2024-06-10"] * 3 + ["2024-12-09"] * 5,
    "individuals": [150000, 6000, 40000, 180000, 120000, 42000, 95000, 15000],
    "source": "IOM DTM (test)",
})


@pytest.fixture(scope="module")
def at_scale(tmp_path_factory):
    """The app with the volumes the overview's weight budget is for: 5,000 recent incidents, 20,000 roads."""
    from .synthetic import synthetic_country_incidents, synthetic_roads_count

    app = create_app({"instance_path": tmp_path_factory.mktemp("scale")})
    service = app.extensions["geoapp"]
    events = synthetic_country_incidents(service.dataset.layers["communes"], count=5000,
                                         days=service.settings.map_incident_days, today=dt.date.today())
    service.store.replace_layer("incidents", events, actor="test", reason="page weight")
    service.store.replace_layer("roads", synthetic_roads_count(20_000), actor="test", reason="page weight")
    service.reload()
    yield app
    service.stop()


@pytest.fixture(scope="module")
def with_figures(tmp_path_factory):
    """The app after two rounds of IOM DTM figures were imported."""
    app = create_app({"instance_path": tmp_path_factory.mktemp("figures")})
    service = app.extensions["geoapp"]
    service.store.import_figures(FIGURES, actor="test", reason="choropleth")
    service.reload()
    yield app
    service.stop()


def page_data(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="ha-map-data">(.*?)</script>', html, re.S)
    return json.loads(block.group(1)) if block else {}


def test_overview_page_weight(at_scale):
    """5,000 incidents in the window drawn and 20,000 road segments, plus the boundaries: at most 300 KB."""
    data = at_scale.extensions["geoapp"].dataset
    assert len(data.layers["roads"]) == 20_000
    assert len(recent_incidents(data.layers["incidents"], data.today, 90)) == 5000
    html = at_scale.test_client().get("/").get_data(as_text=True)
    assert len(html.encode()) <= 300 * 1024
    incidents = page_data(html)["incidents"]
    assert incidents["total"] == 5000 and incidents["zoom"] >= 10  # counted per commune, each one on demand
    assert "ev4999" not in html and "event 123" not in html
    assert '"Communes (official boundaries)"' in html and "1227540" not in html  # boundaries: fetched when shown


def test_incidents_are_counted_per_commune_none_left_out(at_scale):
    from geoapp.maps.incident_counts import incidents_by_commune

    data = at_scale.extensions["geoapp"].dataset
    incidents = data.layers["incidents"].copy()
    incidents.loc[incidents.index[:3], "adm2_pcode"] = None  # as if off the coast, in no commune
    counts = incidents_by_commune(incidents, data.layers["communes"])
    assert counts["incidents"].sum() == 5000 and counts["deaths"].sum() == incidents["fatalities"].sum()
    assert len(counts) <= len(data.layers["communes"]) + 3
    assert (counts["name"] == "outside any commune").sum() >= 1
    pap = counts.set_index("id").loc["HT0111"]
    mine = incidents[incidents["adm2_pcode"] == "HT0111"]
    assert pap["incidents"] == len(mine) and pap["newest"] == mine["event_date"].max()
    commune = data.layers["communes"].set_index("id").geometry["HT0111"]
    assert commune.contains(counts.set_index("id").geometry["HT0111"])  # the circle sits inside its commune


def test_overview_offers_the_boundaries_sections_off_at_first(layers):
    urls = {name: f"/map/layers/{name}.geojson" for name in ("departments", "communes", "sections")}
    m = overview_map(layers, assets=ASSETS, panel_html="", reference=urls)
    refs = {c.layer_name: c for c in m._children.values() if isinstance(c, ReferenceLayer)}
    assert list(refs) == ["Departments (official boundaries)", "Communes (official boundaries)",
                          "Communal sections (official boundaries)"]
    assert [r.show for r in refs.values()] == [True, True, False]
    assert refs["Departments (official boundaries)"].options["interactive"] is False  # clicks go to the commune
    assert refs["Communes (official boundaries)"].options["interactive"] is True
    assert [r.options["haReference"]["labelZoom"] for r in refs.values()] == [8, 10, 12]
    html = m.get_root().render()
    control = re.search(r"overlays :\s*\{(.*?)\}", html, re.S).group(1)
    assert "Communal sections (official boundaries)" in control  # in the layer control, not on the map
    sections = refs["Communal sections (official boundaries)"].get_name()
    assert f"{sections}.addTo(" not in html and f"{refs['Communes (official boundaries)'].get_name()}.addTo(" in html
    assert html.count(MAP_ATTRIBUTION) == 3  # each layer brings it to the attribution control
    assert "Official boundaries (COD-AB)" in html  # in the legend
    assert re.search(r"window.haControl = layer_control_\w+;", html)  # page scripts add to the layer control
    assert outside_urls(html) == []


def test_light_boundaries_are_small_aligned_and_carry_the_popup_fields(app):
    from geoapp.maps.boundaries import light_layers, page_geojson

    layers = app.extensions["geoapp"].dataset.public.layers
    light = light_layers(layers)
    communes, departments = light["communes"], light["departments"]
    coords = shapely.get_coordinates(np.asarray(communes.geometry.values))
    assert np.allclose(coords, np.round(coords, 3))
    assert shapely.get_num_coordinates(np.asarray(communes.geometry.values)).sum() < \
        shapely.get_num_coordinates(np.asarray(layers["communes"].geometry.values)).sum() / 5
    assert shapely.coverage_is_valid(np.asarray(communes.geometry.values))  # neighbours share one border
    borders = shapely.union_all(shapely.boundary(np.asarray(communes.geometry.values)))
    for department in departments.geometry:  # department borders run along commune borders, exactly
        assert borders.buffer(1e-9).contains(department.boundary)
    doc = json.loads(page_geojson(communes))
    assert doc["attribution"] == MAP_ATTRIBUTION and len(doc["features"]) == 140
    pap = next(f for f in doc["features"] if f["id"] == "HT0111")
    assert pap["properties"] == {"id": "HT0111", "name": "Port-au-Prince", "adm1_pcode": "HT01",
                                 "adm1_name": "Ouest", "population": 1227540, "label": pap["properties"]["label"]}
    label = shapely.Point(pap["properties"]["label"])
    assert layers["communes"].set_index("id").geometry["HT0111"].buffer(0.002).contains(label)


def test_boundaries_are_served_light_gzipped_and_revalidated(client):
    plain = client.get("/map/layers/communes.geojson")
    assert plain.status_code == 200 and plain.mimetype == "application/geo+json"
    assert len(plain.data) < 150 * 1024 and len(json.loads(plain.data)["features"]) == 140
    zipped = client.get("/map/layers/communes.geojson", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and len(zipped.data) < len(plain.data) / 3
    assert gzip.decompress(zipped.data) == plain.data
    again = client.get("/map/layers/communes.geojson", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304
    sections = json.loads(client.get("/map/layers/sections.geojson").data)
    assert {"adm2_name", "adm1_name", "population"} <= set(sections["features"][0]["properties"])
    assert client.get("/map/layers/roads.geojson").status_code == 404
    assert client.get("/map/layers/communes.geojson?x=1").status_code == 400


def test_boundary_topology_decodes_to_the_light_geojson_and_shares_borders(client):
    from geoapp.maps.topology import decode

    response = client.get("/map/boundaries.topojson?layers=departments,communes")
    assert response.status_code == 200 and response.mimetype == "application/json"
    topo = json.loads(response.data)
    assert topo["type"] == "Topology" and topo["attribution"] == MAP_ATTRIBUTION
    assert list(topo["objects"]) == ["departments", "communes"]
    assert topo["transform"]["scale"][0] in (0.001, 0.0001)  # the grid the light layers are rounded to
    for name in ("departments", "communes"):
        light = json.loads(client.get(f"/map/layers/{name}.geojson").data)["features"]
        drawn = decode(topo, name)
        assert len(drawn) == len(light) == len(topo["objects"][name]["geometries"])
        for geometry, feature, feature_geom in zip(topo["objects"][name]["geometries"], light, drawn, strict=True):
            assert geometry["id"] == feature["id"] and geometry["properties"] == feature["properties"]
            ours, theirs = shapely.geometry.shape(feature_geom), shapely.geometry.shape(feature["geometry"])
            # the same vertices in the same order (a ring may start elsewhere), to float noise
            assert shapely.get_num_coordinates(ours) == shapely.get_num_coordinates(theirs)
            assert shapely.normalize(ours).equals_exact(shapely.normalize(theirs), 1e-9), feature["id"]

    def arcs(geometries):
        def flat(value):
            return [v for item in value for v in flat(item)] if isinstance(value, list) else [value]
        return {i if i >= 0 else ~i for g in geometries for i in flat(g.get("arcs", []))}

    # departments come free: every border of theirs is a commune border already stored
    assert arcs(topo["objects"]["departments"]["geometries"]) <= arcs(topo["objects"]["communes"]["geometries"])
    both = len(response.data)
    alone = sum(len(client.get(f"/map/layers/{n}.geojson").data) for n in ("departments", "communes"))
    assert both < alone / 1.8
    zipped = client.get("/map/boundaries.topojson?layers=departments,communes", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped.data) == response.data
    assert client.get("/map/boundaries.topojson?layers=communes,departments").data == response.data
    assert client.get(response.request.full_path, headers={"If-None-Match": response.headers["ETag"]}).status_code \
        == 304
    every = json.loads(client.get("/map/boundaries.topojson").data)
    assert list(every["objects"]) == ["departments", "communes", "sections"]
    for bad, field in (("?layers=roads", "layers"), ("?layers=", "layers"), ("?layers=communes&x=1", "x")):
        wrong = client.get("/map/boundaries.topojson" + bad)
        assert wrong.status_code == 400 and wrong.get_json()["error"]["field"] == field


def test_overview_page_loads_boundaries_and_scripts_from_the_app(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    past = client.get("/?as_of=2025-04-20").get_data(as_text=True)  # a day with incidents in its 90 days
    for script, page in (("boundaries", html), ("incidents", past)):  # under their content-hashed names
        url = re.search(rf'<script src="(/static/{script}\.[0-9a-f]{{10}}\.js)" defer></script>', page).group(1)
        with client.get(url) as asset:
            assert asset.status_code == 200
    assert "/static/displacement." not in html  # no figures imported: no choropleth, no script for it
    assert "incidents" not in page_data(html) and "/static/incidents." not in html  # none drawn: no script either
    # the layers shown at first come in one topology, sections alone when shown
    shown, sections = "/map/boundaries.topojson?layers=departments,communes", "/map/boundaries.topojson?layers=sections"
    assert html.count(f'"url": "{shown}"') == 2 and html.count(f'"url": "{sections}"') == 1
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    view = client.get("/?layers=roads,ports").get_data(as_text=True)
    assert "/map/boundaries" not in view  # boundaries are layers of the view like the others
    for page in ("/route?from=-72.2853,18.5125&to=-72.5369,18.2357", "/access?from=pt-cap-seaport"):
        assert f'"url": "{shown}"' in client.get(page).get_data(as_text=True)


def test_without_figures_the_panel_says_how_to_import_them(client):
    html = client.get("/").get_data(as_text=True)
    assert "No displacement figures imported yet" in html and "geoapp import-dtm FILE" in html
    assert "displacement" not in page_data(html)
    assert 'id="choropleth-round"' not in html and "choropleth-legend" not in html


def test_with_figures_the_panel_offers_rounds_and_the_legend_the_classes(with_figures):
    client = with_figures.test_client()
    html = client.get("/").get_data(as_text=True)
    config = page_data(html)["displacement"]
    assert [r["round"] for r in config["rounds"]] == ["7", "9"] and config["selected"] == 1
    assert config["api"] == "/api/displacement"
    counts = config["classes"]["individuals"]
    assert counts["breaks"] == sorted(counts["breaks"]) and len(counts["colours"]) == len(counts["breaks"]) + 1
    assert counts["breaks"][0] > 6000 and counts["breaks"][-1] <= 180000  # from every round, not one
    assert 'id="choropleth-metric"' in html and 'per_1000_residents' in html
    assert re.search(r'<option value="1" selected>\s*round 9, 2024-12-09: 452,000 people', html)
    legend = re.search(r'<details class="legend".*?</details>', html, re.S).group(0)
    assert 'data-metric="individuals"' in legend and 'data-metric="per_1000_residents" hidden' in legend
    assert "no figures in the round shown" in legend and counts["labels"][-1] in legend
    past = page_data(client.get("/?as_of=2024-07-01").get_data(as_text=True))["displacement"]
    assert past["selected"] == 0  # the round on or before the day shown


def test_choropleth_breaks_are_rounded_and_increasing():
    from geoapp.maps.choropleth import breaks, classes

    values = pd.Series([0, 1, 3, 12, 150, 1234, 4567, 98765, None])
    cuts = breaks(values)
    assert cuts == sorted(set(cuts)) and all(float(f"{c:.2g}") == c for c in cuts)
    assert breaks(pd.Series([0, None])) == []
    out = classes(pd.DataFrame({"individuals": [5, 5, 5], "per_1000_residents": [0.5, 1.5, 2.5]}))
    assert out["individuals"]["labels"] == ["under 5", "5 or more"]
    assert out["per_1000_residents"]["labels"][0].startswith("under ")


def test_page_data_cannot_close_its_script_block(layers):
    from geoapp.maps.builders import PageData

    m = overview_map(layers, assets=ASSETS, panel_html="")
    PageData("ha-map-data", {"name": "</script><script>alert(1)</script><!--"}).add_to(m)
    html = m.get_root().render()
    assert "</script><script>alert" not in html and page_data(html)["name"].startswith("</script>")
