"""Three languages: catalogs complete and in step with the sources, and the language chosen per request."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from jinja2 import Environment

from geoapp.i18n.translate import (
    LANGUAGES,
    TRANSLATIONS,
    formatting_locale,
    language_from_environment,
    pick_language,
    use_language,
)
from geoapp.i18n.translate import (
    gettext as translate,
)
from geoapp.layers import status_label

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "geoapp"
TEMPLATES = [*sorted((PACKAGE / "web" / "templates").glob("*.html")), PACKAGE / "maps" / "templates" / "legend.html"]
TRANSLATED = [code for code in LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
ROUTE = "/api/route?from=-72.2853,18.5125&to=-72.5369,18.2357"  # Pétion-Ville to Jacmel: caution, with reasons


def _catalog(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=lang)


def _extracted() -> set[tuple[str | None, str | tuple[str, ...]]]:
    """What ``make messages`` would collect from the sources (babel.cfg's mapping and keywords)."""
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2"), ("web/static/*.js", "javascript")]
    keywords = {**DEFAULT_KEYWORDS, "N_": None, "NP_": ((1, "c"), 2)}
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(str(PACKAGE), method_map, keywords=keywords):
        found.add((context, message))
    return found


@pytest.mark.parametrize("script", sorted((PACKAGE / "web" / "static").glob("*.js")), ids=lambda p: p.name)
def test_the_extractor_sees_every_sentence_of_the_page_scripts(script):
    """Babel's JavaScript extractor skips a _('...') inside another's arguments: such a sentence never
    reaches the catalogs nor the page.  Every _(' call must be one the extractor reports."""
    from babel.messages.extract import extract

    with script.open("rb") as source:
        found = len(list(extract("javascript", source)))
    assert found == len(re.findall(r"\b_\(\s*'", script.read_text(encoding="utf-8")))


def test_babel_cfg_says_what_the_test_extracts():
    text = (ROOT / "babel.cfg").read_text(encoding="utf-8")
    assert "[python: **.py]" in text and "[jinja2: **/templates/**.html]" in text
    assert "[javascript: web/static/*.js]" in text
    assert "-k N_ -k NP_:1c,2" in (ROOT / "Makefile").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_sentence_of_the_sources_is_in_the_catalog(lang):
    """Fails when a template, answer or script string is wrapped but not yet in the catalogs (make messages)."""
    catalog = _catalog(lang)
    have = {(m.context, m.id) for m in catalog if m.id}
    missing = sorted(str(m) for m in _extracted() - have)
    assert missing == [], f"not in the {lang} catalog (run make messages, then translate):\n" + "\n".join(missing)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalogs_have_no_empty_fuzzy_or_obsolete_entry(lang):
    catalog = _catalog(lang)
    assert not catalog.fuzzy
    bad = [m.id for m in catalog if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple)
                                                                  else [m.string]))]
    assert bad == []
    extracted = {message for _context, message in _extracted()}
    assert [m.id for m in catalog if m.id and m.id not in extracted] == []  # nothing left from removed code
    assert not catalog.obsolete


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_of_each_translation_match_the_english(lang):
    wrong = []
    for m in _catalog(lang):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for string in strings:
            got = set(PLACEHOLDER.findall(string))
            # a plural form may leave the count out ("1 incident" written as a word), nothing else
            if not (wanted - {"num"} <= got <= wanted if len(ids) > 1 else got == wanted):
                wrong.append((ids[0], string))
            if re.search(r"%(?!\(\w+\)s|%)", string):  # a stray % breaks formatting
                wrong.append((ids[0], string))
    assert wrong == []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_compiled_catalog_matches_its_source(lang):
    """The .mo files the package ships say what the .po files say (make messages compiles them)."""
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for m in _catalog(lang):
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            got = (compiled.npgettext(m.context, m.id[0], m.id[1], 1) if m.context
                   else compiled.ngettext(m.id[0], m.id[1], 1))
            if got != m.string[0]:
                stale.append(m.id[0])
        else:
            got = compiled.pgettext(m.context, m.id) if m.context else compiled.gettext(m.id)
            if got != m.string:
                stale.append(m.id)
    assert stale == []


def test_creole_follows_the_official_spelling():
    """IPN orthography: wout, danjere, bloke, zòn gang; no French spellings of the same words."""
    text = " ".join(m.string if isinstance(m.string, str) else " ".join(m.string) for m in _catalog("ht") if m.id)
    for word in ("wout", "danjere", "bloke", "zòn gang", "pa gen", "sekirite", "pò", "ayewopò", "deplase"):
        assert word in text
    for french in ("route ", "dangereu", "bloqué", "sécurité", "aéroport", "déplacé"):
        assert french not in text.lower(), french


def test_status_labels_agree_with_what_they_describe():
    with use_language("fr"):
        assert status_label("roads", "closed") == "fermée"
        assert status_label("ports", "closed") == "fermé"
        assert status_label("roads", "blocked") == "bloquée"
    with use_language("ht"):
        assert status_label("roads", "blocked") == "bloke"
        assert status_label("roads", "dangerous") == "danjere"
    assert status_label("ports", "gang_controlled") == "gang controlled"
    assert status_label("roads", "some_new_code") == "some new code"


def test_language_choice_and_fallbacks():
    assert pick_language("fr", [("ht", 1.0)]) == "fr"
    assert pick_language(None, [("en-US", 0.5), ("ht-HT", 0.9)]) == "ht"
    assert pick_language("xx", [("de", 1.0)]) == "en"
    assert pick_language("KR") == "ht" and pick_language("fr_HT") == "fr"
    assert language_from_environment({"LANG": "fr_FR.UTF-8"}) == "fr"
    assert language_from_environment({"LANGUAGE": "ht:fr", "LANG": "en_US.UTF-8"}) == "ht"
    assert language_from_environment({"LC_ALL": "C", "LANG": "ht_HT.UTF-8"}) == "ht"
    assert language_from_environment({}) == "en"
    assert str(formatting_locale("ht")) == "ht"  # Babel knows Creole: numbers and dates in its own locale
    with use_language("ht"):
        assert translate("Safest route") == "Wout ki pi an sekirite"
    assert translate("Safest route") == "Safest route"


# -- templates: every sentence wrapped ---------------------------------------------------------------

#: what pages may show untranslated: names, formats, codes, units and example inputs
ALLOWED = {"haiti-access", "GeoJSON", "CSV", "GPKG", "GPX", "km", "h", "API", "lon,lat", "LON,LAT", "FILE",
           "geoapp", "import-dtm", "POST", "Authorization", "Bearer", "token", "access", "from", "lon", "lat", "LON",
           "LAT", "OGC", "Features", "GeoPackage"}


def _text_outside_gettext(path: Path) -> list[str]:
    """Words of a template's text that no ``_()`` wraps (Jinja code, markup and entities left out)."""
    source = path.read_text(encoding="utf-8")
    Environment(extensions=["jinja2.ext.i18n"]).parse(source)  # a template that does not parse fails here
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "\x00", source, flags=re.S)
    words = []
    for attribute in re.findall(r'(?:aria-label|title|alt|placeholder|label)="([^"]*)"', text):
        words += [w for w in re.findall(r"[A-Za-z]{2,}", attribute) if w not in ALLOWED]
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"&\w+;|&#\d+;", " ", text)
    return words + [w for w in re.findall(r"[A-Za-z][A-Za-z'-]*[A-Za-z]|[A-Za-z]", text) if w not in ALLOWED]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_templates_wrap_every_sentence(path):
    assert _text_outside_gettext(path) == []


def test_the_template_check_sees_an_unwrapped_sentence(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<p>{{ _("Check a route") }}</p><p>Nothing here</p><div aria-label="Map"></div>')
    assert _text_outside_gettext(page) == ["Map", "Nothing", "here"]


# -- over HTTP ---------------------------------------------------------------------------------------

def test_route_reasons_in_french_with_lang(client):
    response = client.get(ROUTE + "&lang=fr")
    body = response.get_json()
    assert response.status_code == 200 and response.headers["Content-Language"] == "fr"
    assert "Accept-Language" in response.headers["Vary"]
    assert body["lang"] == "fr"
    assert body["verdict"] == "caution" and body["mode"] == "avoid"  # codes never change
    assert any(r.startswith("L'itinéraire le plus sûr passe dans des zones disputées") for r in body["reasons"])
    assert body["routes"][0]["properties"]["label"] == "Itinéraire le plus sûr"
    assert body["routes"][0]["properties"]["kind"] == "safest"
    english = client.get(ROUTE).get_json()
    assert set(body) == set(english) and body["routes"][0]["properties"].keys() == \
        english["routes"][0]["properties"].keys()


def test_accept_language_creole_and_lang_beats_it(client):
    creole = client.get(ROUTE, headers={"Accept-Language": "ht-HT, fr;q=0.8"})
    assert creole.headers["Content-Language"] == "ht" and creole.get_json()["lang"] == "ht"
    assert any("wout ki pi an sekirite" in r and "zòn" in r for r in creole.get_json()["reasons"])
    french = client.get(ROUTE + "&lang=fr", headers={"Accept-Language": "ht"})
    assert french.get_json()["lang"] == "fr"


def test_unknown_language_falls_back_to_english(client):
    english = client.get(ROUTE).get_json()
    unknown = client.get(ROUTE + "&lang=de", headers={"Accept-Language": "es, de;q=0.5"})
    assert unknown.headers["Content-Language"] == "en"
    body = unknown.get_json()
    assert body["lang"] == "en" and body["reasons"] == english["reasons"]


def test_errors_in_french_with_their_field(client):
    response = client.get("/api/route?from=18.5,-72.3&to=-72.5369,18.2357&lang=fr")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and error["field"] == "from"
    assert error["message"].startswith("from=18.5,-72.3 est hors d'Haïti (ni sur les terres d'Haïti")
    assert "inversez les nombres" in error["message"]
    missing = client.get("/api/safety", headers={"Accept-Language": "ht"}).get_json()["error"]
    assert missing == {"code": "bad_request", "message": "paramèt obligatwa at la manke", "field": "at"}
    not_found = client.get("/api/nowhere?lang=fr")
    assert not_found.status_code == 404 and "L'URL demandée n'existe pas" in not_found.get_json()["error"]["message"]


def test_lang_is_accepted_where_parameters_are_checked(client):
    assert client.get("/ogcapi/collections/roads/items?limit=1&lang=fr").status_code == 200
    assert client.get("/api/displacement?lang=ht").status_code == 200
    assert client.get("/whatif?lang=ht").status_code == 200
    assert client.get("/route?lang=fr").status_code == 200  # still the form


def test_pages_say_their_language_and_the_switcher_keeps_the_query(client):
    page = client.get("/route?from=-72.2853,18.5125&to=-72.5369,18.2357&mode=avoid&lang=ht")
    html = page.get_data(as_text=True)
    assert page.headers["Content-Language"] == "ht"
    assert html.startswith('<!DOCTYPE html>\n<html lang="ht">')
    switcher = re.search(r'<nav class="languages"[^>]*>(.*?)</nav>', html, re.S).group(1)
    links = dict(re.findall(r'<a href="([^"]+)" hreflang="(\w+)"', switcher))
    assert set(links.values()) == {"en", "fr"} and 'aria-current="true">KR<' in switcher
    french = next(href for href, code in links.items() if code == "fr")
    assert "from=-72.2853%2C18.5125" in french and "to=-72.5369%2C18.2357" in french
    assert "mode=avoid" in french and french.endswith("lang=fr")
    assert "Tcheke wout" in html and "Poukisa" in html and "Wout ki pi an sekirite" in html
    assert 'id="i18n"' in html  # the page scripts' sentences, in Creole
    # links between pages keep the language chosen with lang=
    assert 'href="/?lang=ht"' in html and "/api/route?" in html and "lang=ht" in html


def test_page_language_from_accept_language_without_lang_in_links(client):
    html = client.get("/point", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(as_text=True)
    assert '<html lang="fr">' in html and "Vérifier un point" in html
    assert "lang=fr" not in html.split('<nav class="languages"')[0]  # the browser says it on every request
    english = client.get("/point").get_data(as_text=True)
    assert '<html lang="en">' in english and 'id="i18n"' not in english


def test_cached_pages_are_kept_per_language(client):
    client.get("/whatif")
    creole = client.get("/whatif?lang=ht").get_data(as_text=True)
    assert "E si wout yo ta fèmen?" in creole
    assert "What if roads closed?" in client.get("/whatif").get_data(as_text=True)


def test_map_pages_legend_popups_and_layer_names_translated(client):
    html = client.get("/?lang=fr").get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "Légende" in html and "Zones contrôlées par les gangs" in html and "Routes et leur statut" in html
    assert '"status": "contr\\u00f4l\\u00e9e", "status_code": "controlled"' in html  # popups show labels,
    assert '"status": "bloqu\\u00e9e", "status_code": "blocked"' in html  # styles still read the codes
    english = client.get("/").get_data(as_text=True)
    assert "status_code" not in english


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.server
def test_switching_language_on_the_route_page(live_server):
    from playwright.sync_api import sync_playwright

    from .test_browser import ARGS, CHROMIUM

    problems = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(live_server + "/route?from=-72.2853,18.5125&to=-72.5369,18.2357", wait_until="networkidle")
        assert page.locator("#verdict").inner_text() == "CAUTION"
        page.locator("#panel nav.languages a[hreflang=fr]").click()
        page.wait_for_load_state("networkidle")
        assert "lang=fr" in page.url and "from=-72.2853" in page.url
        assert page.evaluate("document.documentElement.lang") == "fr"
        assert page.locator("#verdict").inner_text() == "PRUDENCE"
        assert "L'itinéraire le plus sûr" in page.locator(".reasons").inner_text()
        assert "Itinéraire le plus sûr" in page.evaluate("Object.keys(haLayers)")
        assert page.locator("#legend summary").inner_text() == "Légende"
        page.locator("#panel nav.languages a[hreflang=ht]").click()
        page.wait_for_load_state("networkidle")
        assert page.locator("#verdict").inner_text() == "ATANSYON"
        assert "Poukisa" in page.locator("#panel").inner_text()
        # a link to another page keeps the language; its script speaks it too
        page.goto(live_server + "/point?at=-72.330,18.583&lang=ht", wait_until="networkidle")
        page.locator("#check-point").click()
        for _ in range(100):  # polled: the pages' CSP forbids Playwright's eval-based waiting
            if page.evaluate("document.getElementById('point-answer').dataset.ready") == "true":
                break
            page.wait_for_timeout(100)
        answer = page.locator("#point-answer").inner_text()
        assert "Anndan yon zòn gang kontwole" in answer and "Avètisman" in answer
        browser.close()
    assert problems == []


def test_command_line_summaries_in_the_language_asked(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from geoapp.cli import main

    monkeypatch.setenv("GEOAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("LANGUAGE", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "fr_HT.UTF-8")
    french = CliRunner().invoke(main, ["validate"])
    assert french.exit_code == 0 and "graphe routier :" in french.output
    creole = CliRunner().invoke(main, ["--lang", "ht", "validate"])
    assert creole.exit_code == 0 and "rezo wout:" in creole.output and "eleman, dat" in creole.output
    monkeypatch.setenv("LANG", "C.UTF-8")
    english = CliRunner().invoke(main, ["validate"])
    assert "road graph:" in english.output and english.output.rstrip().endswith("ok")


def test_no_function_hides_the_translation_function():
    """``scheme, _, token = ...`` in a function that also calls ``_()`` turns its messages into a 500."""
    import ast

    hiding = []
    for path in PACKAGE.rglob("*.py"):
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            calls = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_"
                        for n in ast.walk(fn))
            stores = [n.lineno for n in _own_scope(fn) if isinstance(n, ast.Name) and n.id == "_"
                      and isinstance(n.ctx, ast.Store)]
            if calls and stores:
                hiding.append(f"{path.relative_to(ROOT)}:{stores[0]} {fn.name}")
    assert hiding == []


def _own_scope(fn):
    """The nodes of a function's own scope (comprehensions, lambdas and nested functions have theirs)."""
    import ast

    stack = list(ast.iter_child_nodes(fn))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp | ast.Lambda
                          | ast.FunctionDef | ast.AsyncFunctionDef):
            stack.extend(ast.iter_child_nodes(node))
