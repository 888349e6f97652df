"""The pages in a real browser (Debian's Chromium, driven headless by Playwright) against gunicorn.

Screenshots of every page go to tests/output/ (not committed).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import pytest

from .helpers import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.server]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-quic"]
OUTPUT = Path(__file__).parent / "output"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


class Visit:
    """A page plus everything that went wrong on it: console errors, page errors, outside requests."""

    def __init__(self, browser, url: str, viewport: dict, name: str):
        self.page = browser.new_page(viewport=viewport)
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
                     else self.problems.append(f"outside request: {r.url}"))
        self.name = name
        self.page.goto(url, wait_until="networkidle")

    def close(self) -> None:
        OUTPUT.mkdir(exist_ok=True)
        self.page.screenshot(path=str(OUTPUT / f"{self.name}.png"))
        self.page.close()
        assert self.problems == []

    def click_at(self, lon: float, lat: float) -> None:
        point = self.page.evaluate(f"haMap.latLngToContainerPoint([{lat}, {lon}])")
        box = self.page.locator(".folium-map, #pick-map").first.bounding_box()
        self.page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])

    def view(self, lon: float, lat: float, zoom: int) -> None:
        self.page.evaluate(f"void haMap.setView([{lat}, {lon}], {zoom}, {{animate: false}})")
        self.page.wait_for_timeout(300)

    def until(self, script: str, timeout: float = 10) -> object:
        """Poll a page expression until it is truthy (the CSP forbids Playwright's eval-based waiting)."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.page.evaluate(script)
            if value or time.monotonic() > deadline:
                assert value, f"still false after {timeout} s: {script}"
                return value
            self.page.wait_for_timeout(100)

    def fill_of(self, pcode: str) -> str:
        return self.page.evaluate(f"""(() => {{ let out = null;
            haLayers['Communes (official boundaries)'].eachLayer(l => {{
                if (l.feature.properties.id === '{pcode}') out = String(l.options.fillColor); }});
            return out; }})()""")


def opener(browser, base: str):
    opened = []

    def open_(path: str, name: str, viewport=DESKTOP) -> Visit:
        page = Visit(browser, base + path, viewport, name)
        opened.append(page)
        return page

    return open_, opened


@pytest.fixture()
def visit(browser, live_server):
    open_, opened = opener(browser, live_server)
    yield open_
    for page in opened:
        page.close()


#: two rounds of IOM DTM figures per commune (the CSV layout of IOM's public Haiti table)
FIGURES_CSV = """admin1Pcode,admin2Pcode,adminLevel,numPresentIdpInd,reportingDate,roundNumber
HT01,HT0111,2,150000,2024-06-10,7
HT01,HT0112,2,6000,2024-06-10,7
HT01,HT0113,2,40000,2024-06-10,7
HT01,HT0111,2,180000,2024-12-09,9
HT01,HT0112,2,120000,2024-12-09,9
HT01,HT0113,2,42000,2024-12-09,9
HT01,HT0114,2,95000,2024-12-09,9
HT03,HT0311,2,15000,2024-12-09,9
"""
DELMAS = (-72.2957, 18.5535)  # inside the commune of Delmas (HT0112), on no town dot
CROWDED = 2600  # recent incidents in the capital's communes: more than a view draws (2,000)


@pytest.fixture(scope="module")
def figures_server(tmp_path_factory):
    """A server after 'geoapp import-dtm' of two rounds, with many recent incidents around the capital."""
    import subprocess
    import sys

    from geoapp import create_app

    from .synthetic import synthetic_country_incidents

    instance = tmp_path_factory.mktemp("figures")
    table = instance / "dtm-communes.csv"
    table.write_text(FIGURES_CSV, encoding="utf-8")
    env = {"GEOAPP_INSTANCE_PATH": str(instance)}
    geoapp = Path(sys.executable).with_name("geoapp")
    done = subprocess.run([str(geoapp), "import-dtm", str(table)], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    app = create_app({"instance_path": instance})
    service = app.extensions["geoapp"]
    communes = service.dataset.layers["communes"]
    capital = communes[communes["id"].isin(["HT0111", "HT0112", "HT0113", "HT0114", "HT0117", "HT0118"])]
    events = synthetic_country_incidents(capital, count=CROWDED, days=30, today=dt.date.today())
    service.store.replace_layer("incidents", events, actor="test", reason="crowded view")
    service.stop()
    server = ServerProcess(env, workers=1).wait_ready()
    yield server.url
    server.stop()


@pytest.fixture()
def visit_figures(browser, figures_server):
    open_, opened = opener(browser, figures_server)
    yield open_
    for page in opened:
        page.close()


BOUNDARIES = ["Departments (official boundaries)", "Communes (official boundaries)",
              "Communal sections (official boundaries)"]


def test_overview_draws_every_layer_with_legend_and_popups(visit):
    v = visit("/", "overview")
    assert v.page.evaluate("Object.keys(haLayers).sort()") == sorted([
        "Gang-controlled zones", "Roads and their status", "Displacement sites",
        "Ports, airports and border crossings", "Sea and air connections", "Checkpoints and illegal tolls",
        *BOUNDARIES])
    shown = v.page.evaluate("Object.keys(haLayers).filter(k => haMap.hasLayer(haLayers[k]))")
    assert set(shown) == set(v.page.evaluate("Object.keys(haLayers)")) - {BOUNDARIES[2]}  # sections off at first
    assert v.page.locator("#legend").is_visible() and "gang controlled" in v.page.locator("#legend").inner_text()
    assert v.page.locator(".leaflet-control-layers").count() == 1
    # a click on the Varreux fuel terminal opens its popup, with provenance and a download link
    v.page.evaluate("void haMap.setView([18.569, -72.339], 15, {animate: false})")
    v.page.wait_for_timeout(300)
    v.click_at(-72.339, 18.569)
    popup = v.page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    text = popup.inner_text()
    assert "Varreux fuel terminal" in text and "gang_controlled" in text and "source" in text
    link = popup.locator("a[download]")
    assert link.inner_text() == "GeoJSON" and popup.locator("th").last.inner_text() == "download"
    assert link.get_attribute("href") == "/ogcapi/collections/ports/items/pt-varreux"
    # following it gives the port as GeoJSON, what the popup showed
    with v.page.expect_download() as fetched:
        link.click()
    feature = json.loads(Path(fetched.value.path()).read_text(encoding="utf-8"))
    assert feature["id"] == "pt-varreux" and feature["properties"]["name"] == "Varreux fuel terminal"
    assert feature["properties"]["source"] in text
    # each feature is drawn in its own style, as the server computed it
    assert v.page.evaluate("""(() => { let out = {}; haLayers['Roads and their status'].eachLayer(l => {
        out[l.feature.id] = [l.options.color, l.options.dashArray, l.options.weight]; }); return out; })()""")[
        "rd-rn2-portail-martissant"] == ["#D55E00", "8 6", 4]  # blocked primary road


def test_overview_checkpoint_and_connection_popups(visit):
    v = visit("/?layers=roads,connections,checkpoints", "overview-movement")
    legend = v.page.locator("#legend").inner_text()
    assert "Sea and air connections" in legend and "Checkpoints and illegal tolls" in legend
    # the Martissant toll: its kind, group, reported fee and the road it was snapped to
    v.page.evaluate("void haMap.setView([18.532, -72.357], 16, {animate: false})")
    v.page.wait_for_timeout(300)
    v.click_at(-72.357, 18.532)
    popup = v.page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    text = popup.inner_text()
    assert "Martissant gang toll" in text and "5,000" in text and "HTG" in text
    assert "rd-rn2-portail-martissant" in text and "source" in text
    # Ruelle Alerte has no fee on record: no empty fee or currency rows, and its own download
    v.page.keyboard.press("Escape")
    v.view(-72.3475, 18.5405, 16)
    v.click_at(-72.3475, 18.5405)
    v.until("document.querySelector('.leaflet-popup-content') && document.querySelector('.leaflet-popup-content')"
            ".innerText.includes('Ruelle Alerte')")
    headers = v.page.locator(".leaflet-popup-content th").all_inner_texts()
    assert "kind" in headers and "fee" not in headers and "currency" not in headers and "notes" in headers
    assert v.page.locator(".leaflet-popup-content a[download]").get_attribute("href") == \
        "/ogcapi/collections/checkpoints/items/cp-ruelle-alerte"
    # names and notes come from editors: a popup shows them as text, never as HTML
    v.page.keyboard.press("Escape")
    v.page.evaluate("""void haLayers['Checkpoints and illegal tolls'].eachLayer(l => {
        if (l.feature.id === 'cp-ruelle-alerte') l.feature.properties.name = '<img src=x onerror="window.hacked=1">';
    })""")
    v.click_at(-72.3475, 18.5405)
    v.until("document.querySelector('.leaflet-popup-content') && document.querySelector('.leaflet-popup-content')"
            ".innerText.includes('<img src=x')")
    assert v.page.locator(".leaflet-popup-content img").count() == 0 and v.page.evaluate("window.hacked") is None
    # the UNHAS leg to Jacmel: its mode, operator and schedule
    v.page.evaluate("void haMap.setView([18.37, -72.40], 13, {animate: false})")
    v.page.wait_for_timeout(300)
    line = v.page.evaluate("""(() => {
        var hit = null;
        haLayers['Sea and air connections'].eachLayer(l => {
            if (l.feature.id === 'cn-unhas-pv-jacmel') hit = l.getLatLngs();
        });
        return hit.map(p => [p.lng, p.lat]);
    })()""")
    (x0, y0), (x1, y1) = line[0], line[-1]
    v.click_at(x0 + (x1 - x0) * 0.5, y0 + (y1 - y0) * 0.5)
    v.page.wait_for_timeout(300)
    text = v.page.locator(".leaflet-popup-content").inner_text()
    assert "UNHAS helicopter Pétion-Ville - Jacmel" in text and "air" in text and "on request" in text


def test_overview_on_a_phone(visit):
    v = visit("/", "overview-phone", PHONE)
    assert v.page.locator("#panel.closed").count() == 1  # folded so the map is visible
    assert v.page.evaluate("haMap.getSize().x") == PHONE["width"]
    v.page.locator("#panel .toggle").click()
    assert v.page.locator("#panel.closed").count() == 0


def test_overview_view_from_the_url(visit):
    v = visit("/?layers=roads,ports&as_of=2025-03-31", "overview-view")
    assert sorted(v.page.evaluate("Object.keys(haLayers)")) == ["Ports, airports and border crossings",
                                                               "Roads and their status"]


def test_overview_of_a_past_day_draws_that_days_recent_incidents(visit):
    v = visit("/?as_of=2025-04-20", "overview-incidents")
    assert "Violent incidents" in v.page.evaluate("Object.keys(haLayers)")
    counted = v.page.evaluate("haParts['incidents-by-commune'].getLayers()"
                              ".reduce((n, l) => n + l.feature.properties.incidents, 0)")
    assert counted == 7  # the fixture events of the 90 days up to 2025-04-20, counted per commune
    assert "zoom in to level 11" in v.page.locator("#incident-detail").inner_text()
    assert "violent incidents (size: deaths)" in v.page.locator("#legend").inner_text().lower()
    v.view(-72.1048, 18.8346, 14)  # zoomed in: each incident in view, from the OGC API as of that day
    v.until("haIncidents.mode === 'detail'")
    assert v.page.evaluate("haIncidents.drawn") >= 1
    assert "all drawn" in v.page.locator("#incident-detail").inner_text()
    v.click_at(-72.1048, 18.8346)  # Mirebalais, 2025-03-31
    popup = v.page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    text = popup.inner_text()
    assert "Mirebalais" in text and "2025-03-31" in text and "Battles" in text and "fatalities" in text
    assert popup.locator("a[download]").get_attribute("href").startswith("/ogcapi/collections/incidents/items/")


def test_overview_shows_boundaries_named_as_you_zoom_in(visit):
    v = visit("/", "boundaries")
    assert v.until("haLayers['Communes (official boundaries)'].getLayers().length") == 140
    assert v.page.evaluate("haLayers['Departments (official boundaries)'].getLayers().length") == 10
    # departments and communes come in one topology, fetched once
    fetched = v.page.evaluate("performance.getEntriesByType('resource').map(e => e.name)"
                              ".filter(n => n.includes('/map/'))")
    assert [u.split("/map/")[1] for u in fetched] == ["boundaries.topojson?layers=departments,communes"]
    # drawn from it, vertex for vertex the light GeoJSON (a ring may start at another vertex)
    assert v.page.evaluate("""Promise.all(['departments', 'communes'].map(name =>
        fetch('/map/layers/' + name + '.geojson').then(r => r.json()).then(light => {
            const drawn = {}, bad = [];
            haBoundaries.layers[name].layer.eachLayer(l => { drawn[l.feature.id] = l.feature.geometry; });
            const points = g => g.coordinates.flat(g.type === 'Polygon' ? 1 : 2);
            const key = p => p.map(c => c.toFixed(6)).join(',');
            light.features.forEach(f => {
                const ours = points(drawn[f.id]), theirs = points(f.geometry);
                const same = ours.length === theirs.length &&
                    new Set(ours.map(key)).size === new Set(theirs.map(key)).size &&
                    theirs.every(p => ours.some(q => key(q) === key(p)));
                if (!same) bad.push(f.id);
            });
            return bad; }))).then(r => r.flat())""") == []
    attribution = v.page.locator(".leaflet-control-attribution").inner_text()
    assert "CNIGS / UN OCHA COD-AB (2018-11-29), CC BY-IGO; population IHSI/UNFPA 2019" in attribution
    v.view(-72.7, 18.9, 8)
    assert v.page.locator(".boundary-label.departments").count() >= 5
    assert v.page.locator(".boundary-label.communes").count() == 0
    v.view(-72.30, 18.55, 10)
    names = v.page.locator(".boundary-label.communes").all_inner_texts()
    assert "Delmas" in names and "Kenscoff" in names
    assert v.page.locator(".boundary-label.sections").count() == 0  # sections are off
    v.page.evaluate("void haMap.addLayer(haLayers['Communal sections (official boundaries)'])")
    assert v.until("haLayers['Communal sections (official boundaries)'].getLayers().length") == 570
    v.view(-72.30, 18.55, 12)
    assert v.until("document.querySelectorAll('.boundary-label.sections').length")
    # a click on a commune, away from every other feature, names it with its department and population
    v.page.evaluate("void haMap.removeLayer(haLayers['Communal sections (official boundaries)'])")
    v.view(-72.20, 18.40, 12)
    v.click_at(-72.20, 18.40)
    popup = v.page.locator(".ha-popup")
    popup.wait_for(timeout=5000)
    text = popup.inner_text()
    assert "commune" in text and "p-code" in text and "department" in text and "population (2019)" in text
    assert "CC BY-IGO" in text


def test_without_figures_communes_are_outlines_and_the_panel_says_how_to_import(visit):
    v = visit("/", "no-figures")
    assert "geoapp import-dtm FILE" in v.page.locator("#displacement-panel").inner_text()
    v.until("haLayers['Communes (official boundaries)'].getLayers().length")
    assert v.page.evaluate("haLayers['Communes (official boundaries)'].getLayers()"
                           ".every(l => !l.options.fillOpacity)")


def test_choropleth_by_round_and_a_communes_popup(visit_figures):
    v = visit_figures("/?layers=departments,communes,displacement_figures", "choropleth")
    v.until("haChoropleth.loads >= 1 && haLayers['Communes (official boundaries)'].getLayers().length")
    assert "round 9, 2024-12-09" in v.page.locator("#choropleth-status").inner_text()
    latest = v.fill_of("HT0112")
    assert latest.startswith("#") and v.fill_of("HT0121") == "[object CanvasPattern]"  # Léogâne: no figures
    assert "no figures in the round shown" in v.page.locator("#legend").inner_text()
    v.page.select_option("#choropleth-round", "0")  # round 7: Delmas had 6,000, not 120,000
    v.until("haChoropleth.loads >= 2 && haChoropleth.round === 0")
    assert v.fill_of("HT0112") not in (latest, "[object CanvasPattern]")
    v.page.select_option("#choropleth-round", "1")
    v.until("haChoropleth.loads >= 3 && haChoropleth.round === 1")
    v.page.select_option("#choropleth-metric", "per_1000_residents")
    assert v.page.locator(".choropleth-legend[data-metric=per_1000_residents]").is_visible()
    assert not v.page.locator(".choropleth-legend[data-metric=individuals]").is_visible()
    v.page.select_option("#choropleth-metric", "individuals")
    v.view(*DELMAS, 13)
    v.click_at(*DELMAS)
    popup = v.page.locator(".ha-popup")
    popup.wait_for(timeout=5000)
    popup.locator("ul.sites").wait_for(timeout=5000)
    text = popup.inner_text()
    assert "Delmas" in text and "Ouest" in text and "HT0112" in text
    assert "120,000" in text and "244.2" in text and "+114,000" in text  # round 9, per 1,000, since round 7
    assert "Open displacement sites (4)" in text and "Delmas 33" in text
    chart = popup.locator("img.trend")
    assert chart.get_attribute("src") == "/api/displacement/HT0112/chart.svg"
    assert v.until("document.querySelector('.ha-popup img.trend').naturalWidth") == 300


def test_a_crowded_view_says_how_many_incidents_it_holds_beyond_those_drawn(visit_figures):
    v = visit_figures("/?layers=incidents", "incidents-crowded")
    assert v.page.evaluate("haParts['incidents-by-commune'].getLayers().length") <= 6
    v.view(-72.31, 18.54, 11)
    v.until("haIncidents.mode === 'detail'", timeout=20)
    assert v.page.evaluate("[haIncidents.matched, haIncidents.drawn]") == [CROWDED, 2000]
    assert v.page.evaluate("haIncidents.detail.getLayers().length") == 2000
    assert "2,600 incidents in view: the 2,000 most recent are drawn" in \
        v.page.locator("#incident-detail").inner_text()
    v.view(-72.31, 18.54, 9)
    v.until("haIncidents.mode === 'counts'")
    assert v.page.evaluate("haLayers['Violent incidents'].hasLayer(haParts['incidents-by-commune'])")


def test_route_page_names_the_incidents_near_the_route(visit):
    v = visit("/route?from=-72.2853,18.5125&to=-72.5369,18.2357&as_of=2025-04-20", "route-incidents")
    assert "Violent incidents" in v.page.evaluate("Object.keys(haLayers)")
    assert v.page.evaluate("haLayers['Violent incidents'].getLayers().length") >= 2
    assert "at Kenscoff on 2025-04-17" in v.page.locator(".reasons").inner_text()


def test_route_page_draws_both_routes_and_the_summary(visit):
    v = visit("/route?from=-72.2853,18.5125&to=-72.5369,18.2357", "route")
    names = v.page.evaluate("Object.keys(haLayers)")
    assert {"Safest route", "Shortest route", "Safest route: exposed parts"} <= set(names)
    assert v.page.locator("#verdict").inner_text() == "CAUTION"
    assert "Kenscoff" in v.page.locator(".reasons").inner_text()


ROUTE_CONTROLS = {"panel": "#panel", "legend": "#legend", "layers": ".leaflet-control-layers",
                  "zoom": ".leaflet-control-zoom", "scale": ".leaflet-control-scale"}
LES_CAYES_TO_JEREMIE = {"from": (-73.7495, 18.192), "to": (-74.1167, 18.65)}


def _overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


@pytest.mark.parametrize("size", [{"width": 390, "height": 844}, {"width": 1366, "height": 900}],
                         ids=["phone", "laptop"])
def test_route_page_controls_never_cover_each_other_nor_the_routes_ends(visit, size):
    """Les Cayes to Jérémie: the panel, legend, layers and zoom controls and both end markers stay apart."""
    v = visit("/route?from=-73.7495,18.192&to=-74.1167,18.65&alternatives=1",
              f"route-layout-{size['width']}", viewport=size)
    v.until("window.haFitRoute !== undefined")
    v.page.wait_for_timeout(400)
    boxes = {name: v.page.locator(selector).first.bounding_box() for name, selector in ROUTE_CONTROLS.items()
             if v.page.locator(selector).count()}
    assert {"panel", "legend", "layers", "zoom"} <= set(boxes), boxes
    origin = v.page.locator(".folium-map").first.bounding_box()
    for end, (lon, lat) in LES_CAYES_TO_JEREMIE.items():  # the markers (radius 8) are drawn on a canvas
        point = v.page.evaluate(f"haMap.latLngToContainerPoint([{lat}, {lon}])")
        boxes[end] = {"x": origin["x"] + point["x"] - 10, "y": origin["y"] + point["y"] - 10, "width": 20,
                      "height": 20}
    window = {"x": 0, "y": 0, "width": size["width"], "height": size["height"]}
    for name, box in boxes.items():  # every one on screen
        assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= window["width"] + 1, name
        assert box["y"] + box["height"] <= window["height"] + 1, name
    names = list(boxes)
    clashes = [(a, b) for i, a in enumerate(names) for b in names[i + 1:] if _overlap(boxes[a], boxes[b])]
    assert clashes == []
    if size["width"] < 600:  # folded on a phone: the bar still says the verdict and the distance
        assert v.page.locator("#panel").get_attribute("class").split().count("closed") == 1
        assert v.page.locator("#head-summary").is_visible()
        assert v.page.locator("#head-summary").inner_text().split() == ["SAFE", "97", "km"]


def test_route_form_by_clicking_the_map(visit):
    v = visit("/route", "route-form")
    v.click_at(-72.2853, 18.5125)
    v.click_at(-72.5369, 18.2357)
    assert v.page.input_value("#from").startswith("-72.2")
    assert v.page.input_value("#to").startswith("-72.5")
    with v.page.expect_navigation():
        v.page.click("#check-route")
    v.page.wait_for_load_state("networkidle")
    assert v.page.locator("#verdict").inner_text() in ("SAFE", "CAUTION")
    v.name = "route-form-result"


def test_point_page_by_clicking_the_map(visit):
    v = visit("/point", "point")
    v.view(-72.2853, 18.5125, 14)
    v.click_at(-72.2853, 18.5125)
    v.until("document.getElementById('point-answer').dataset.ready === 'true'")
    assert v.page.input_value("#at").startswith("-72.28")
    answer = v.page.locator("#point-answer").inner_text()
    assert "Caution" in answer and "dangerous" in answer and "Operational port by road" in answer
    drawn = v.page.evaluate("(() => { let n = 0; haMap.eachLayer(() => n++); return n; })()")
    assert drawn > 5  # the point, the radius, the road not open and the route to the port among them
    v.page.fill("#at", "-72.80,20.22")
    v.page.click("#check-point")
    v.until("document.getElementById('point-answer').dataset.ready === 'true' && "
            "document.getElementById('point-answer').innerText.indexOf('At sea') >= 0")


def test_route_form_by_named_places(visit):
    v = visit("/route", "route-form-named", PHONE)
    v.page.select_option("#from-place", label="Port of Jacmel (operational)")
    v.page.select_option("#to-place", label="Port of Miragoâne (operational)")
    with v.page.expect_navigation():
        v.page.click("#check-route")
    v.page.wait_for_load_state("networkidle")
    assert v.page.locator("#verdict").count() == 1


def test_route_form_by_typed_place_names(visit):
    v = visit("/route", "route-form-typed", PHONE)
    v.page.type("#from", "Petyonvil", delay=40)  # Creole for Pétion-Ville: the suggestions come from /api/places
    v.until("Number(document.getElementById('from').dataset.suggested) > 0")
    suggested = v.page.evaluate("Array.from(document.querySelectorAll('#from-places option'))"
                                ".map(o => [o.value, o.label])")
    assert suggested[0][0] == "Pétionville" and "Petyonvil" in suggested[0][1]
    v.page.fill("#from", suggested[0][0])  # what choosing the suggestion puts in the box
    v.page.press("#from", "Tab")
    v.until("(() => { let n = 0; haMap.eachLayer(l => { if (l.getTooltip && l.getTooltip() && "
            "l.getTooltip().getContent() === 'Start') n++; }); return n === 1; })()")  # marked on the map
    assert v.page.input_value("#from") == "Pétionville"  # the name stays
    v.page.type("#to", "Jakmèl", delay=40)
    with v.page.expect_navigation():
        v.page.click("#check-route")
    v.page.wait_for_load_state("networkidle")
    assert "from=P%C3%A9tionville" in v.page.url and "to=Jakm%C3%A8l" in v.page.url
    assert v.page.locator("#verdict").inner_text() in ("SAFE", "CAUTION")
    assert "Jacmel" in v.page.locator("#panel").text_content()  # folded on phones


def test_place_suggestions_name_their_kind_in_the_page_language(visit):
    v = visit("/access?lang=ht", "access-form-suggestions-ht")
    v.page.fill("#from", "")  # the form starts with the first port
    v.page.type("#from", "Petyonvil", delay=40)
    v.until("Number(document.getElementById('from').dataset.suggested) > 0")
    label = v.page.evaluate("document.querySelector('#from-places option').label")
    assert label.startswith("Pétionville (Petyonvil) \u2013 vil") and "town" not in label


def test_point_page_by_typed_place_name(visit):
    v = visit("/point", "point-typed")
    v.page.fill("#at", "Okap")
    v.page.click("#check-point")
    v.until("document.getElementById('point-answer').dataset.ready === 'true'")
    assert "Place: Cap-Haïtien (town)" in v.page.locator("#point-answer").inner_text()
    centre = v.page.evaluate("haMap.getCenter()")
    assert abs(centre["lng"] + 72.2) < 0.2 and abs(centre["lat"] - 19.76) < 0.2


def test_access_form_by_typed_place_name(visit):
    v = visit("/access", "access-form-typed")
    v.page.fill("#from", "Jakmèl")
    with v.page.expect_navigation():
        v.page.click("button[type=submit]")
    v.page.wait_for_load_state("networkidle")
    assert "Sites by access" in v.page.evaluate("Object.keys(haLayers)")


def test_access_page(visit):
    v = visit("/access?from=pt-cap-seaport", "access")
    assert "Sites by access" in v.page.evaluate("Object.keys(haLayers)")
    summary = v.page.locator("#access-summary").inner_text()
    assert all(label in summary for label in ("Safe", "With caution", "Only with risk", "Unreachable"))


def test_whatif_page_closing_a_road_from_the_list(visit):
    v = visit("/whatif", "whatif")
    v.page.select_option("#whatif-hub", label="Port of Jacmel (operational)")
    v.page.fill("#whatif-hub-lonlat", "-72.2853,18.5125")  # Pétion-Ville
    v.page.select_option("#whatif-roads", value="rd-kenscoff-furcy")
    v.page.click("#whatif-submit")
    v.until("document.querySelectorAll('#whatif-sites-table tr[data-outcome]').length > 0")
    outcomes = v.page.evaluate("Array.from(document.querySelectorAll('#whatif-sites-table tr[data-outcome]'))"
                               ".map(tr => tr.dataset.outcome)")
    assert set(outcomes) <= {"same_route", "detour", "unreachable"} and "detour" in outcomes
    assert "keep their route" in v.page.locator(".whatif-summary").inner_text()


def test_whatif_page_drawing_an_area(visit):
    v = visit("/whatif", "whatif-area")
    v.view(-72.28, 18.45, 12)
    v.page.fill("#whatif-hub-lonlat", "-72.2853,18.5125")
    v.page.click("#whatif-draw")
    for lon, lat in ((-72.30, 18.43), (-72.26, 18.43), (-72.26, 18.47), (-72.30, 18.47)):
        v.click_at(lon, lat)
    v.page.click("#whatif-finish")
    assert "An area is drawn" in v.page.locator("#whatif-area-state").inner_text()
    v.page.click("#whatif-submit")
    v.until("document.querySelector('.whatif-summary') !== null")
    assert "road pieces closed" in v.page.locator(".whatif-summary").inner_text()


def test_whatif_page_sends_the_vehicle_season_and_travel_modes(visit):
    v = visit("/whatif", "whatif-vehicle")
    v.page.fill("#whatif-hub-lonlat", "-72.2853,18.5125")  # Pétion-Ville
    v.page.select_option("#whatif-roads", value="rd-kenscoff-furcy")
    v.page.click("#whatif-travel summary")  # folded away until asked for
    v.page.check("#whatif-mode-sea")
    v.page.select_option("#vehicle", value="4x4")
    v.page.select_option("#season", value="dry")
    with v.page.expect_request(lambda r: r.url.endswith("/api/whatif") and r.method == "POST") as sent:
        v.page.click("#whatif-submit")
    body = json.loads(sent.value.post_data)
    assert (body["vehicle"], body["season"], body["modes"]) == ("4x4", "dry", ["road", "sea"])
    assert "suspend_connections" not in body and "close_ports" not in body  # none chosen
    answer = sent.value.response().json()
    assert answer["vehicle"] == "4x4" and answer["season"] == "dry" and answer["modes"] == ["road", "sea"]
    v.until("document.querySelectorAll('#whatif-sites-table tr[data-outcome]').length > 0")


def test_ogc_items_page_in_a_browser_shows_the_map_and_the_table(visit):
    v = visit("/ogcapi/collections/ports/items?limit=10", "ogc-items")  # as a browser asks: Accept text/html
    assert v.page.title().startswith("Ports, airports and border crossings: features")
    rows = v.page.locator("#ogc-items tbody tr")
    assert rows.count() == 10
    assert v.until("document.getElementById('ogc-map').dataset.drawn") == "10"  # every feature of the page drawn
    assert v.page.locator("#ogc-map.leaflet-container canvas").count() >= 1  # Leaflet, served by the app
    assert "Features 1 to 10 of" in v.page.locator("#ogc-count").inner_text()
    # sent compressed, under a hashed name: the browser decoded it (fewer bytes on the wire than in the file)
    leaflet = v.page.evaluate("""performance.getEntriesByType('resource')
        .filter(e => /leaflet\\.[0-9a-f]{10}\\.js$/.test(e.name))
        .map(e => [e.encodedBodySize, e.decodedBodySize])""")
    assert leaflet and leaflet[0][0] < leaflet[0][1] / 3
    first = rows.first.locator("td").first.inner_text()
    v.page.click("a[rel=next]")
    v.page.wait_for_load_state("networkidle")
    assert "Features 11 to" in v.page.locator("#ogc-count").inner_text()
    assert v.page.locator("#ogc-items tbody tr").first.locator("td").first.inner_text() != first
    v.page.locator("#ogc-items tbody tr a").first.click()
    v.page.wait_for_load_state("networkidle")
    assert v.page.locator("#ogc-item").is_visible()
    assert v.until("document.getElementById('ogc-map').dataset.drawn") == "1"


def test_route_page_draws_sea_and_air_legs_dashed_and_lists_them(visit):
    v = visit("/route?from=P%C3%A9tion-Ville&to=Okap&modes=road,sea,air&depart=2025-03-03T14:00", "route-legs")
    assert "By air" in v.page.evaluate("Object.keys(haLayers)")
    assert v.page.evaluate("haLayers['By air'].getLayers()[0].options.dashArray") == "4 8"
    assert v.page.evaluate("haLayers['By air'].getLayers()[0].feature.properties.mode") == "air"
    rows = v.page.locator("#legs-table tbody tr")
    assert rows.count() == 3
    assert "Cap-Ha" in rows.nth(1).inner_text() and "UNHAS" in rows.nth(1).inner_text()
    assert "2025-03-03 14:00" in v.page.locator("#timing").inner_text()
    # on request: the flight leaves 6 h after check-in (20:45), and the last stretch is in the curfew
    assert v.page.locator("#verdict").inner_text() == "CAUTION"
    reasons = v.page.locator(".reasons").inner_text()
    assert "flight" in reasons and "curfew (19:00-05:00)" in reasons


def test_route_form_with_travel_modes_and_a_departure(visit):
    v = visit("/route", "route-form-legs")
    v.page.fill("#from", "-72.2853,18.5125")
    v.page.fill("#to", "-72.2005,19.7578")
    v.page.check("#mode-air")
    v.page.fill("#depart", "2025-03-03T10:00")
    with v.page.expect_navigation():
        v.page.click("#check-route")
    v.page.wait_for_load_state("networkidle")
    assert "modes=air" in v.page.url
    assert v.page.locator("#legs-table tbody tr.leg-air").count() == 1
