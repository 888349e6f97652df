"""HTML pages through the Flask client."""

from __future__ import annotations

import re

from .helpers import CITE_SOLEIL, JACMEL, PETION_VILLE


def test_overview_page(client):
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "haiti-access" in html and re.search(r"/static/vendor/leaflet-1.9.4/leaflet.[0-9a-f]{10}.js", html)
    assert "/api/layers/roads.geojson" in html  # downloads are linked from the map
    assert "/api/layers/displacement_sites.csv" in html  # whole layers, never one page of them
    assert "/api/layers/roads.gpkg" in html
    assert "not operational truth" in html
    with client.get("/static/vendor/leaflet-1.9.4/leaflet.js") as asset:
        assert asset.status_code == 200 and asset.mimetype == "text/javascript"


def test_overview_page_is_built_once_per_data_version(app, client):
    first = client.get("/").get_data()
    service = app.extensions["geoapp"]
    assert any(key[1].startswith("overview") for key in service._pages)
    assert client.get("/").get_data() == first


def test_route_page_shows_verdict_figures_and_reasons(client):
    response = client.get("/route", query_string={"from": f"{PETION_VILLE[0]},{PETION_VILLE[1]}",
                                                  "to": f"{JACMEL[0]},{JACMEL[1]}"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="verdict verdict-caution"' in html
    # over the mountains the safest way is also the shortest: said once, not two identical tables
    assert "Safest route (also the shortest)" in html and "Estimated time" in html
    assert "Kenscoff" in html


def test_route_page_shows_both_routes_when_they_differ(client):
    html = client.get("/route", query_string={"from": f"{CITE_SOLEIL[0]},{CITE_SOLEIL[1]}",
                                              "to": f"{PETION_VILLE[0]},{PETION_VILLE[1]}",
                                              "mode": "least_risk"}).get_data(as_text=True)
    assert "Least-risk route" in html and "Shortest route" in html and "least-risk route" in html


def test_route_page_for_no_safe_route(client):
    html = client.get("/route", query_string={"from": f"{CITE_SOLEIL[0]},{CITE_SOLEIL[1]}",
                                              "to": f"{PETION_VILLE[0]},{PETION_VILLE[1]}"}).get_data(as_text=True)
    assert "NO SAFE ROUTE" in html and "mode=least_risk" in html


def test_route_form_without_parameters(client):
    html = client.get("/route").get_data(as_text=True)
    assert '<form method="get"' in html and 'name="from"' in html and 'name="to"' in html


def test_bad_route_page_input_is_a_readable_400_for_browsers_and_json_otherwise(client):
    browser = client.get("/route?from=abc&to=-72.5,18.2", headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.status_code == 400 and browser.mimetype == "text/html"
    assert "from must be LON,LAT" in browser.get_data(as_text=True)
    api = client.get("/route?from=abc&to=-72.5,18.2")
    assert api.status_code == 400 and api.json["error"]["field"] == "from"


def test_input_is_escaped_in_pages(client):
    response = client.get("/route?from=<script>alert(1)</script>&to=1,2", headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert "<script>alert" not in response.get_data(as_text=True)


def test_page_colours_come_from_the_layer_registry(client):
    from geoapp.layers import REGISTRY

    css = client.get("/theme.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    text = css.get_data(as_text=True)
    for status, colour in REGISTRY["roads"].colours.items():
        assert f"--roads-{status}: {colour};" in text
    with client.get("/static/geoapp.css") as response:
        static = response.get_data(as_text=True)
    assert "var(--verdict-safe)" in static and "#009E73" not in static  # no palette colour typed again
    for page in ("/", "/route", "/point"):
        assert 'href="/theme.css?v=' in client.get(page).get_data(as_text=True), page


def test_a_route_page_links_back_to_the_question_as_asked(client):
    """One place asked by name, then by lon,lat: each page links to (and prints) its own question."""
    named = client.get("/route?from=P%C3%A9tionville&to=Jakm%C3%A8l").get_data(as_text=True)
    plain = client.get("/route?from=-72.2853,18.5125&to=-72.5369,18.2357").get_data(as_text=True)
    assert "from=P%C3%A9tionville" in named and "from=P%C3%A9tionville" not in plain
    assert "from=-72.2853" in plain.split('class="languages"')[1].split("</nav>")[0]  # the switcher's links
