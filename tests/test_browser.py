"""The pages in a real browser (Debian's Chromium, driven headless by Playwright) against gunicorn.

Screenshots of every page go to tests/output/ (not committed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.fixture()
def visit(browser, live_server):
    opened = []

    def open_(path: str, name: str, viewport=DESKTOP) -> Visit:
        page = Visit(browser, live_server + path, viewport, name)
        opened.append(page)
        return page

    yield open_
    for page in opened:
        page.close()


def test_overview_draws_every_layer_with_legend_and_popups(visit):
    v = visit("/", "overview")
    assert v.page.evaluate("Object.keys(haLayers).sort()") == sorted([
        "Gang-controlled zones", "Roads and their status", "Displacement sites",
        "Ports, airports and border crossings"])
    assert v.page.evaluate("Object.keys(haLayers).map(k => haMap.hasLayer(haLayers[k])).every(Boolean)")
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
    assert popup.locator("a[download]").get_attribute("href").endswith("/ogcapi/collections/ports/items/pt-varreux")


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
    drawn = v.page.evaluate("haLayers['Violent incidents'].getLayers().length")
    assert drawn == 7  # the shipped events of the 90 days up to 2025-04-20
    assert "violent incidents (size: deaths)" in v.page.locator("#legend").inner_text().lower()
    v.page.evaluate("void haMap.setView([18.8346, -72.1048], 14, {animate: false})")
    v.page.wait_for_timeout(300)
    v.click_at(-72.1048, 18.8346)  # Mirebalais, 2025-03-31
    popup = v.page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    text = popup.inner_text()
    assert "Mirebalais" in text and "2025-03-31" in text and "Battles" in text and "fatalities" in text


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


def test_route_form_by_named_places(visit):
    v = visit("/route", "route-form-named", PHONE)
    v.page.select_option("#from-place", label="Port of Jacmel (operational)")
    v.page.select_option("#to-place", label="Port of Miragoâne (operational)")
    with v.page.expect_navigation():
        v.page.click("#check-route")
    v.page.wait_for_load_state("networkidle")
    assert v.page.locator("#verdict").count() == 1


def test_access_page(visit):
    v = visit("/access?from=pt-cap-seaport", "access")
    assert "Sites by access" in v.page.evaluate("Object.keys(haLayers)")
    assert "Reachable safely" in v.page.locator("#access-summary").inner_text()
