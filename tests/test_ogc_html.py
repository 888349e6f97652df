"""The OGC API pages a browser gets: f=html or Accept: text/html, tables, links, paging and a small map."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"}
#: What API clients send: OWSLib (requests' default), GDAL's OAPIF driver, QGIS, curl, a JSON caller.
CLIENTS = ["*/*", "application/geo+json, application/json", "application/json",
           "application/geo+json,application/vnd.oai.openapi+json;version=3.0,application/json;q=0.9", None]


class _Page(HTMLParser):
    """Links, table cells and JSON data blocks of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.cells: list[str] = []
        self.blocks: dict[str, str] = {}
        self._href = self._cell = self._block = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self._href = [attrs.get("href"), ""]
        elif tag in ("td", "th"):
            self._cell = ""
        elif tag == "script" and attrs.get("type") == "application/json":
            self._block = [attrs["id"], ""]

    def handle_data(self, data):
        for open_ in (self._href, self._block):
            if open_ is not None:
                open_[1] += data
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag == "a" and self._href:
            self.links.append((self._href[0], " ".join(self._href[1].split())))
            self._href = None
        elif tag in ("td", "th") and self._cell is not None:
            self.cells.append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "script" and self._block:
            self.blocks[self._block[0]] = self._block[1]
            self._block = None

    def link(self, text: str) -> str:
        return next(href for href, label in self.links if label == text)


def _vary(response) -> set[str]:
    return {each.strip() for each in response.headers.get("Vary", "").split(",")}


def page(client, url: str, **kwargs) -> _Page:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.data[:300])
    assert response.mimetype == "text/html", url
    return _Page(response.get_data(as_text=True))


@pytest.mark.parametrize("url", ["/ogcapi", "/ogcapi/conformance", "/ogcapi/collections",
                                 "/ogcapi/collections/roads", "/ogcapi/collections/roads/items",
                                 "/ogcapi/collections/ports/items/pt-varreux"])
def test_browsers_get_pages_and_clients_json(client, url):
    html = client.get(url, headers=BROWSER)
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert "Accept" in _vary(html)  # chosen by Accept: caches keep both
    assert client.get(url, query_string={"f": "html"}).mimetype == "text/html"
    for accept in CLIENTS:
        response = client.get(url, headers={"Accept": accept} if accept else {})
        assert response.mimetype in ("application/json", "application/geo+json"), (url, accept)
        assert response.get_json()
    as_json = client.get(url, headers=BROWSER, query_string={"f": "json"})
    assert as_json.mimetype in ("application/json", "application/geo+json") and "Accept" not in _vary(as_json)
    assert client.get(url, query_string={"f": "xml"}).status_code == 400


def test_json_documents_link_their_html_alternate(client):
    for url in ("/ogcapi", "/ogcapi/collections", "/ogcapi/collections/roads", "/ogcapi/collections/roads/items",
                "/ogcapi/collections/ports/items/pt-varreux"):
        body = client.get(url).get_json()
        links = body["links"] if "links" in body else body["collections"][0]["links"]
        html = [each for each in links if each["rel"] == "alternate" and each["type"] == "text/html"]
        assert len(html) == 1, url
        assert client.get(html[0]["href"]).mimetype == "text/html", url


def test_landing_and_collections_pages_link_down_to_the_items(client):
    landing = page(client, "/ogcapi", headers=BROWSER)
    collections = page(client, landing.link("The collections: every layer, to browse and download"))
    assert "Roads and their status" in collections.cells and "Displacement sites" in collections.cells
    roads = page(client, collections.link("Roads and their status"))
    assert "status" in roads.cells[roads.cells.index("Filter items by") + 1].split(", ")
    assert roads.cells[roads.cells.index("Features") + 1] == str(len(client.get(
        "/ogcapi/collections/roads/items?limit=10000").get_json()["features"]))
    items = page(client, roads.link("Browse the features: a table and a map"))
    assert "rd-kenscoff-furcy" in items.cells
    one = page(client, items.link("rd-kenscoff-furcy"))
    assert "status" in one.cells and "rd-kenscoff-furcy" in one.cells
    feature = json.loads(one.blocks["ogc-features"])["features"][0]
    assert feature["id"] == "rd-kenscoff-furcy" and feature["geometry"]["type"] == "LineString"
    assert page(client, one.link("Features")).cells  # back up the breadcrumbs
    assert client.get(one.link("This feature as GeoJSON")).mimetype == "application/geo+json"
    assert client.get(one.link("Its history of changes")).status_code in (200, 404)


def test_items_page_has_a_table_a_map_of_the_same_features_and_paging(client):
    first = page(client, "/ogcapi/collections/roads/items?f=html&limit=20&status=open")
    body = client.get("/ogcapi/collections/roads/items?limit=20&status=open").get_json()
    drawn = json.loads(first.blocks["ogc-features"])
    assert [f["id"] for f in drawn["features"]] == [f["id"] for f in body["features"]]
    assert drawn["features"] == [{k: v for k, v in f.items() if k != "bbox"} for f in body["features"]]
    assert json.loads(first.blocks["ogc-outline"])["features"]  # Haiti's outline for orientation, no tiles
    ids = [f["id"] for f in body["features"]]
    assert all(i in first.cells for i in ids)
    assert body["numberMatched"] > 20
    nxt = first.link("Next page")
    assert "f=html" in nxt and "offset=20" in nxt and "status=open" in nxt
    with pytest.raises(StopIteration):
        first.link("Previous page")
    second = page(client, nxt)
    second_ids = [f["id"] for f in json.loads(second.blocks["ogc-features"])["features"]]
    assert second_ids and not set(second_ids) & set(ids)
    assert "offset=0" in second.link("Previous page")
    downloads = {label: href for href, label in first.links if label in ("GeoJSON", "CSV", "GeoPackage")}
    assert set(downloads) == {"GeoJSON", "CSV", "GeoPackage"} and "status=open" in downloads["CSV"]
    assert client.get(downloads["CSV"]).mimetype == "text/csv"
    empty = client.get("/ogcapi/collections/roads/items?f=html&ref=RN99").get_data(as_text=True)
    assert "No feature matches." in empty


def test_pages_coarsen_sensitive_positions_as_the_json_does(make_app, tmp_path):
    app = make_app({"instance_path": tmp_path})
    client = app.test_client()
    token = app.extensions["geoapp"].store.create_token("field team", "viewer")
    sites = "/ogcapi/collections/displacement_sites/items?limit=100"
    exact = {f["id"]: f["geometry"]["coordinates"] for f in
             client.get(sites, headers={"Authorization": f"Bearer {token}"}).get_json()["features"]}
    public = {f["id"]: f["geometry"]["coordinates"] for f in client.get(sites).get_json()["features"]}
    assert public != exact
    anonymous = client.get(sites + "&f=html").get_data(as_text=True)
    drawn = {f["id"]: f["geometry"]["coordinates"] for f in
             json.loads(_Page(anonymous).blocks["ogc-features"])["features"]}
    assert drawn == public and "moved to the centre of a 2,000 m grid cell" in anonymous
    for site, position in exact.items():
        if position != public[site]:
            assert json.dumps(position) not in anonymous
    with_token = client.get(sites + "&f=html", headers={"Authorization": f"Bearer {token}"}).get_data(as_text=True)
    assert {f["id"]: f["geometry"]["coordinates"] for f in
            json.loads(_Page(with_token).blocks["ogc-features"])["features"]} == exact
    assert "grid cell" not in with_token
    one = next(site for site in exact if exact[site] != public[site])
    single = client.get(f"/ogcapi/collections/displacement_sites/items/{one}?f=html").get_data(as_text=True)
    assert json.loads(_Page(single).blocks["ogc-features"])["features"][0]["geometry"]["coordinates"] == public[one]
    assert "grid cell" in single
    # a bbox drawn tightly round the exact position finds nothing on the page either
    lon, lat = exact[one]
    tight = client.get("/ogcapi/collections/displacement_sites/items", query_string={
        "f": "html", "bbox": f"{lon - 0.0005},{lat - 0.0005},{lon + 0.0005},{lat + 0.0005}"}).get_data(as_text=True)
    assert one not in tight or public[one] == exact[one]


def test_page_sentences_go_through_the_translation_function(app):
    """Every sentence of the OGC templates is inside _() so that the catalogs can translate it."""
    from pathlib import Path

    import geoapp

    folder = Path(geoapp.__file__).parent / "web" / "templates"
    for path in folder.glob("ogc_*.html"):
        text = re.sub(r"{{.*?}}|{%.*?%}|{#.*?#}", " ", path.read_text(), flags=re.S)
        text = re.sub(r"<script.*?</script>|<[^>]+>|&\w+;", " ", text, flags=re.S)
        words = [w for w in text.split() if re.search(r"[A-Za-z]{3}", w) and w not in (
            "GeoJSON", "GeoPackage", "CSV", "haiti-access")]
        assert not words, (path.name, words[:10])
    with app.test_request_context():
        assert app.jinja_env.from_string('{{ _("%(n)s features", n=3) }}').render() == "3 features"


def test_unknown_collection_and_feature_pages_are_readable_404s(client):
    for url in ("/ogcapi/collections/nothing?f=html", "/ogcapi/collections/roads/items/nothing"):
        response = client.get(url, headers=BROWSER)
        assert response.status_code == 404 and response.mimetype == "text/html"
        assert "nothing" in response.get_data(as_text=True)
