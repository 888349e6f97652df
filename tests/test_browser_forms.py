"""The forms in a real browser, on a desktop and a phone: what-if by clicks, point check, editing a road, shared views.

Screenshots go to tests/output/ (not committed), as for tests/test_browser.py.
"""

from __future__ import annotations

import pytest

from .helpers import ServerProcess, http
from .test_browser import DESKTOP, OUTPUT, PHONE, browser, opener  # noqa: F401 - browser is a fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.server]

SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
KENSCOFF_FURCY = (-72.279, 18.435)  # a vertex of rd-kenscoff-furcy
REASON = "Pont effondré à Petit-Goâve"


@pytest.fixture()
def visit(browser, live_server):  # noqa: F811 - the fixture imported above
    open_, opened = opener(browser, live_server)
    yield open_
    for page in opened:
        page.close()


@pytest.fixture(scope="module")
def editing_server(tmp_path_factory):
    """A server of its own (changes must not reach the other tests' routes), with an editor's token."""
    from geoapp import create_app

    instance = tmp_path_factory.mktemp("editing")
    app = create_app({"instance_path": instance})
    token = app.extensions["geoapp"].store.create_token("rose", "editor")
    app.extensions["geoapp"].stop()
    server = ServerProcess({"GEOAPP_INSTANCE_PATH": str(instance)}, workers=2).wait_ready()
    yield server.url, token
    server.stop()


def _map_into_view(v) -> None:
    v.page.locator("#pick-map").scroll_into_view_if_needed()
    v.page.wait_for_timeout(200)


@SIZES
def test_whatif_pick_a_road_on_the_map_and_draw_an_area(visit, live_server, size):
    v = visit("/whatif", f"whatif-clicks-{size['width']}", size)
    v.page.fill("#whatif-hub-lonlat", "-72.2853,18.5125")  # Pétion-Ville
    _map_into_view(v)
    v.view(*KENSCOFF_FURCY, 13)
    v.click_at(*KENSCOFF_FURCY)
    assert v.page.evaluate("haWhatif.chosen()") == ["rd-kenscoff-furcy"]
    # an area over Carrefour's coast road, one corner placed wrong and taken back
    v.view(-72.42, 18.535, 12)
    v.page.click("#whatif-draw")
    _map_into_view(v)
    for lon, lat in ((-72.45, 18.52), (-72.39, 18.52), (-72.39, 18.55), (-72.41, 18.57)):
        v.click_at(lon, lat)
    assert "4 vertices" in v.page.locator("#whatif-area-state").inner_text()
    v.page.click("#whatif-undo")
    v.page.click("#whatif-undo")
    assert v.page.locator("#whatif-finish").is_disabled()  # two corners are no area
    _map_into_view(v)
    for lon, lat in ((-72.39, 18.55), (-72.45, 18.55)):
        v.click_at(lon, lat)
    v.page.click("#whatif-finish")
    assert "An area is drawn" in v.page.locator("#whatif-area-state").inner_text()
    ring = v.page.evaluate("haWhatif.area().coordinates[0]")
    assert len(ring) == 5 and ring[0] == ring[-1] and [-72.41, 18.57] not in ring
    # corners clicked on roads are corners, not picks: the roads chosen are as they were
    assert v.page.evaluate("haWhatif.chosen()") == ["rd-kenscoff-furcy"]
    area = v.page.evaluate("haWhatif.area()")
    v.page.click("#whatif-submit")
    v.until("document.querySelectorAll('#whatif-sites-table tr[data-outcome]').length > 0", timeout=20)
    summary = v.page.locator(".whatif-summary").inner_text()
    assert "keep their route" in summary and "road pieces closed" in summary
    closed = int(summary.split(" road pieces closed")[0].split()[-1])
    hub = "-72.2853,18.5125"
    alone = [http("POST", live_server + "/api/whatif", body)[2]["scenario"]["edges_closed"]
             for body in ({"from": hub, "close_roads": ["rd-kenscoff-furcy"]}, {"from": hub, "close_areas": area})]
    assert alone[0] > 0 and alone[1] > 0 and closed == sum(alone)  # the road picked and the roads under the area
    outcomes = v.page.evaluate("Array.from(document.querySelectorAll('#whatif-sites-table tr[data-outcome]'))"
                               ".map(tr => tr.dataset.outcome)")
    assert set(outcomes) <= {"same_route", "detour", "unreachable"} and len(outcomes) > 5


@SIZES
def test_point_check_by_clicking_the_map(visit, size):
    v = visit("/point", f"point-click-{size['width']}", size)
    _map_into_view(v)
    v.view(-72.2853, 18.5125, 14)
    v.click_at(-72.2853, 18.5125)
    v.until("document.getElementById('point-answer').dataset.ready === 'true'", timeout=20)
    assert v.page.input_value("#at").startswith("-72.28")
    assert "Operational port by road" in v.page.locator("#point-answer").inner_text()
    assert "at=-72.28" in v.page.url  # the address names the point checked, to share it
    # a typed name the service does not know: the API's own message, no crash
    v.page.fill("#at", "Nowhere-on-any-map")
    v.page.click("#check-point")
    v.until("document.getElementById('point-answer').dataset.ready === 'error'")
    assert v.page.locator("#point-answer .error-message").inner_text().strip()
    v.problems = [p for p in v.problems if "status of 400" not in p]  # the browser logs the API's 400


@SIZES
def test_report_sign_in_pick_a_road_change_its_status_and_see_it(browser, editing_server, size):  # noqa: F811
    url, token = editing_server
    open_, opened = opener(browser, url)
    try:
        v = open_("/report", f"report-{size['width']}", size)
        v.page.fill("#token", token)
        v.page.click("#sign-in")  # the form posts, and the browser is sent back to the page
        v.page.locator("#sign-out-form").wait_for(timeout=15000)
        assert "Signed in as rose (editor)." in v.page.locator("#sign-out-form").inner_text()
        _map_into_view(v)
        v.view(*KENSCOFF_FURCY, 13)
        v.click_at(*KENSCOFF_FURCY)
        v.until("document.getElementById('report-result').dataset.state === 'picked'")
        assert v.page.locator("#road-id").inner_text() == "rd-kenscoff-furcy"
        now = v.page.locator("#road-status").inner_text()
        assert now == ("dangerous" if size == DESKTOP else "closed")  # as shipped; then as the desktop run left it
        new = "blocked" if now == "closed" else "closed"
        before = v.page.locator("#road-version").inner_text()
        v.page.select_option("#report-status", new)
        v.page.fill("#report-reason", REASON)
        v.page.click("#report-submit")
        v.until("document.getElementById('report-result').dataset.state === 'saved'")
        assert f"is now {new}" in v.page.locator("#report-result").inner_text()
        latest = v.page.locator("#road-history-list li").first.inner_text()
        assert "rose set it" in latest and f"→ {new}" in latest and REASON in latest
        assert int(v.page.locator("#road-version").inner_text()) == int(before) + 1
        drawn = v.page.evaluate("haReport.byId['rd-kenscoff-furcy'].options.color")
        assert drawn == v.page.evaluate(f"haReport.colour('{new}')") != v.page.evaluate(f"haReport.colour('{now}')")
        status, _, history = http("GET", url + "/ogcapi/collections/roads/items/rd-kenscoff-furcy/history")
        assert status == 200 and (history["changes"][-1]["actor"], history["changes"][-1]["reason"]) == ("rose", REASON)
        # a shared link to the road shows it as stored now, in the view it was shared with
        v.page.reload(wait_until="networkidle")
        assert "rd-kenscoff-furcy" in v.page.url and "#map=13/" in v.page.url
        assert v.page.evaluate("haMap.getZoom()") == 13
        assert v.page.evaluate("haReport.byId['rd-kenscoff-furcy'].feature.properties.status") == new
        OUTPUT.mkdir(exist_ok=True)
        v.page.screenshot(path=str(OUTPUT / f"report-{size['width']}-saved.png"), full_page=True)
        v.page.click("#sign-out")  # (the map's address updates count as navigations: wait for the form itself)
        v.page.locator("#token").wait_for(timeout=15000)
    finally:
        for page in opened:
            page.close()


def test_shared_links_keep_the_maps_centre_and_zoom(visit):
    v = visit("/point#map=13/18.5125/-72.2853", "shared-point")
    assert v.page.evaluate("haMap.getZoom()") == 13
    centre = v.page.evaluate("[haMap.getCenter().lat, haMap.getCenter().lng]")
    assert abs(centre[0] - 18.5125) < 1e-3 and abs(centre[1] + 72.2853) < 1e-3
    entries = v.page.evaluate("history.length")
    v.view(-72.5369, 18.2357, 11)  # moving the map rewrites the address, without a new history entry
    assert v.page.url.endswith("#map=11/18.2357/-72.5369")
    assert v.page.evaluate("history.length") == entries
    route = visit("/route?from=-72.2853,18.5125&to=-72.5369,18.2357#map=12/18.4/-72.4", "shared-route")
    route.until("window.haFitRoute !== undefined")
    route.page.wait_for_timeout(300)
    assert route.page.evaluate("haMap.getZoom()") == 12  # not refitted to the route
    assert abs(route.page.evaluate("haMap.getCenter().lat") - 18.4) < 1e-3
    fitted = visit("/route?from=-72.2853,18.5125&to=-72.5369,18.2357", "unshared-route")
    fitted.until("window.location.hash.indexOf('#map=') === 0")  # the fitted view is in the address
    for path in ("/#map=10/18.6/-72.3", "/access?from=pt-jacmel-seaport#map=10/18.6/-72.3",
                 "/whatif#map=10/18.6/-72.3", "/route#map=10/18.6/-72.3"):
        page = visit(path, "shared-" + (path.split("#")[0].strip("/").split("?")[0] or "overview"))
        assert page.page.evaluate("haMap.getZoom()") == 10, path
        assert abs(page.page.evaluate("haMap.getCenter().lng") + 72.3) < 1e-3, path
