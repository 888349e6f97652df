"""The route and access pages printed by Chromium to PDF on A4 and Letter, read back with pdftotext.

A printed brief must hold everything the answer says (every warning, reason, itinerary step and site),
its own address and the disclaimer, on as many pages as it takes. PDFs go to tests/output/ (not committed).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from .helpers import CAP_HAITIEN, LES_CAYES, PETION_VILLE

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.server]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-quic"]
OUTPUT = Path(__file__).parent / "output"
#: paper sizes in points, as pdfinfo reports them
PAPER = {"A4": (595.92, 842.88), "Letter": (612.0, 792.0)}
ROUTES = {
    # no safe way: the capital to Cap-Haïtien crosses the controlled RN3 (only the shortest route is drawn)
    "cap-haitien": {"from": PETION_VILLE, "to": CAP_HAITIEN},
    # least risk with an alternative asked, on the day of the Kenscoff attacks: two itineraries, incidents, notes
    "les-cayes": {"from": PETION_VILLE, "to": LES_CAYES, "mode": "least_risk", "alternatives": "1",
                  "as_of": "2025-04-20"},
}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is missing: install poppler-utils (scripts/test-system-deps.sh)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


class Printed:
    """A page printed to PDF: its text as laid out and in reading order, its pages and paper size."""

    def __init__(self, pdf: Path):
        def run(*args: str) -> str:
            return subprocess.run([*args], capture_output=True, text=True, check=True, timeout=60).stdout

        self.layout = run("pdftotext", "-layout", str(pdf), "-")
        self.raw = run("pdftotext", "-raw", str(pdf), "-")  # table cells one after the other
        info = run("pdfinfo", str(pdf))
        self.pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
        width, height = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M).groups()
        self.paper = (float(width), float(height))

    def has(self, text: str, *, raw: bool = False) -> bool:
        """Whether the text is printed, whatever the line breaks (long lines wrap, addresses break anywhere)."""
        return _squeeze(text) in _squeeze(self.raw if raw else self.layout)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _address(base: str, path: str, query: dict) -> str:
    return f"{base}{path}?" + urllib.parse.urlencode(
        {k: f"{v[0]},{v[1]}" if isinstance(v, tuple) else v for k, v in query.items()}, safe=",")


def _print(browser, url: str, name: str, paper: str, tmp_path: Path) -> tuple[Printed, object]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else problems.append(f"outside request: {r.url}"))
    page.goto(url, wait_until="networkidle")
    pdf = tmp_path / f"{name}-{paper}.pdf"
    page.pdf(path=str(pdf), format=paper, print_background=True)  # print media, as a printer gets the page
    OUTPUT.mkdir(exist_ok=True)
    shutil.copy(pdf, OUTPUT / pdf.name)
    assert problems == []
    return Printed(pdf), page


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}),
                                timeout=60) as response:
        return json.load(response)


def _km(metres: float) -> str:
    return f"{metres / 1000:.1f}"


@pytest.mark.parametrize("paper", list(PAPER))
@pytest.mark.parametrize("route", list(ROUTES))
def test_a_route_prints_the_whole_brief(browser, live_server, tmp_path, route, paper):
    query = ROUTES[route]
    address = _address(live_server, "/route", query)
    answer = _get_json(_address(live_server, "/api/route", query))
    printed, page = _print(browser, address, f"route-{route}", paper, tmp_path)
    try:
        assert printed.paper == pytest.approx(PAPER[paper], abs=1)  # the printer's paper, not one forced by the page
        start, end = answer["from"]["near"]["name"], answer["to"]["near"]["name"]
        assert printed.layout.lstrip().startswith(f"Route brief: {start} → {end}")
        assert printed.has(f"verdict: {answer['verdict'].replace('_', ' ').upper()}")
        assert printed.has(f"data as of {answer['data_as_of']}") and printed.has("days before printing")
        assert re.search(r"Printed \d{4}-\d\d-\d\d \d\d:\d\d", printed.layout)
        for sentence in answer["reasons"] + answer["warnings"]:
            assert printed.has(sentence), sentence
        assert len(answer["warnings"]) >= 2
        for feature in answer["routes"]:
            p = feature["properties"]
            assert printed.has(p["label"])
            for number, step in enumerate(p["itinerary"], start=1):  # a row: #, road (ref), km, status
                road = (step["name"] or step["road_id"]) + (f" ({step['ref']})" if step["ref"] else "")
                assert printed.has(f"{number} {road} {_km(step['length_m'])} {step['status']}", raw=True), road
            for incident in p["exposure"]["incidents"]:
                assert printed.has(f"{incident['event_date']} {incident['name'] or incident['event_type']}", raw=True)
            assert printed.has(f"Distance {_km(p['distance_m'])} km", raw=True)
        for source in answer["sources"]:
            for citation in source["citations"]:
                assert printed.has(citation)
        assert printed.has("a planning aid, not operational truth")
        # nothing cut: the last line of the panel, the page's own address, is on the last page
        assert printed.has(f"Page address: {address}")
        assert _squeeze(printed.layout.split("\f")[printed.pages - 1]).endswith(_squeeze(address))
        # the layer control is not printed (the legend is); the screen still has its Print button
        assert not printed.has("exposed parts") and printed.has("exposed part of a route")
        assert page.locator(".print-button").is_visible()
    finally:
        page.close()


def test_the_printed_map_is_fitted_to_the_route(browser, live_server):
    """In print media the map is a fixed frame under the title, zoomed to the route (not all of Haiti)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(_address(live_server, "/route", ROUTES["les-cayes"]), wait_until="networkidle")
        page.emulate_media(media="print")
        page.wait_for_timeout(300)
        box = page.locator(".folium-map").bounding_box()
        title = page.locator("#print-brief").bounding_box()
        assert title["y"] + title["height"] <= box["y"]  # the title first, then the map
        assert 400 <= box["height"] <= 430  # 110 mm
        assert page.evaluate("haMap.getSize().y") == pytest.approx(box["height"], abs=2)  # Leaflet knows its size
        assert page.evaluate("""(() => { const b = JSON.parse(document.getElementById('ha-route-bounds').textContent);
            return haMap.getBounds().contains(L.latLngBounds(b)); })()""")
        assert page.evaluate("haMap.getZoom()") >= 9  # the route, not the whole country
        assert page.locator(".itinerary-table").first.is_visible()  # folded on screen, printed open
        page.emulate_media(media="screen")
        page.wait_for_timeout(300)
        assert page.evaluate("haMap.getSize().y") == 900  # back to the whole window
    finally:
        page.close()


@pytest.mark.parametrize("paper", list(PAPER))
def test_the_access_page_prints_every_site(browser, live_server, tmp_path, paper):
    query = {"from": "pt-cap-seaport"}
    address = _address(live_server, "/access", query)
    answer = _get_json(_address(live_server, "/api/access", query))
    printed, page = _print(browser, address, "access", paper, tmp_path)
    try:
        assert printed.layout.lstrip().startswith("Access brief: displacement sites from Port of Cap-Haïtien")
        assert len(answer["sites"]) > 20 and printed.pages > 1  # a long list takes several pages
        for site in answer["sites"]:
            assert printed.has(f"{site['name']} {site['access'].replace('_', ' ')} {site['reason']}", raw=True)
        last = answer["sites"][-1]["name"]
        assert printed.has(last)
        for text in printed.layout.split("\f")[:printed.pages]:  # the table's header again on each of its pages
            if any(site["name"] in text for site in answer["sites"]):
                assert re.search(r"^\s*Site\s+Access\s+km\s*$", text, re.M), text[:300]
        for sentence in answer["warnings"]:
            assert printed.has(sentence), sentence
        assert printed.has("a planning aid, not operational truth")
        assert _squeeze(printed.layout.split("\f")[printed.pages - 1]).endswith(_squeeze(f"Page address: {address}"))
    finally:
        page.close()


def test_printed_from_a_phone_the_folded_panel_and_legend_print_whole(browser, live_server, tmp_path):
    """On a phone the panel and legend start folded away; the printed brief still has them, open."""
    query = ROUTES["les-cayes"]
    answer = _get_json(_address(live_server, "/api/route", query))
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(_address(live_server, "/route", query), wait_until="networkidle")
        assert page.locator("#panel.closed").count() == 1 and page.locator("#legend[open]").count() == 0
        pdf = tmp_path / "route-phone.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        printed = Printed(pdf)
        for sentence in answer["reasons"] + answer["warnings"]:
            assert printed.has(sentence), sentence
        last = answer["routes"][-1]["properties"]["itinerary"][-1]
        assert printed.has(f"{len(answer['routes'][-1]['properties']['itinerary'])} {last['name']}", raw=True)
        assert printed.has("Gang-controlled zones controlled contested influence", raw=True)  # the legend
        assert page.locator("#panel.closed").count() == 1  # the phone's view is as it was
    finally:
        page.close()
