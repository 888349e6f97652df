"""The language of each request: ``lang=``, then ``Accept-Language``, then English; kept in links.

Sets the context variable domain code translates with (see geoapp/i18n/translate.py), Flask-Babel's
locale for templates and number formats, ``Content-Language``, and gives templates ``_``, the
switcher's links and ``html_lang``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import urlencode

from babel.messages.extract import extract
from flask import Flask, Response, g, has_request_context, jsonify, request
from flask_babel import Babel

from ..i18n.translate import (
    DEFAULT,
    LANGUAGES,
    SWITCHER,
    TRANSLATIONS,
    current_language,
    formatting_locale,
    gettext,
    install_jinja,
    pick_language,
    reset_language,
    set_language,
    supported,
)
from ..layers import EVENT_TYPE_LABELS, event_type_label, layer_title, status_label, status_labels

#: the query parameter that chooses the language; every endpoint accepts it
PARAM = "lang"
#: endpoints whose links never carry ``lang=``: assets and light layers (the same in every language), and the
#: APIs whose address page scripts extend (they add the page's language themselves: ``haApi`` in i18n.js)
_NO_LANG = {"static", "web.theme", "web.reference_layer", "api.safety", "api.whatif", "ogc.items", "ogc.item",
            "figures.displacement"}


def explicit_language() -> str | None:
    """The language the address asks for with ``lang=`` (kept in the page's links), if supported."""
    return supported(request.args.get(PARAM))


def query_args() -> dict[str, str]:
    """The request's parameters other than ``lang`` (what the endpoint itself reads)."""
    return {k: v for k, v in request.args.items() if k != PARAM}


def switcher_links() -> list[dict]:
    """One link per language to this page with the same parameters, the current one marked."""
    args = query_args()
    out = []
    for code, label in SWITCHER.items():
        query = urlencode({**args, PARAM: code})
        out.append({"code": code, "label": label, "name": LANGUAGES[code], "current": code == current_language(),
                    "href": f"{request.script_root}{request.path}?{query}"})
    return out


#: where the page scripts are (their _('...') sentences are sent to each page in its language)
STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
#: the vocabularies page scripts show codes of
SCRIPT_VOCABULARIES = ("roads", "incidents", "verdict", "access", "outcome", "confidence", "field", "place_kind")


@functools.cache
def _script_sentences(name: str) -> tuple[str, ...]:
    """The sentences a page script wraps in ``_('...')``, read once per process (as ``make messages`` reads them)."""
    with (STATIC / name).open("rb") as source:
        return tuple(dict.fromkeys(m[1] for m in extract("javascript", source) if isinstance(m[1], str)))


def page_messages(*scripts: str) -> dict:
    """What ``scripts`` say, in the active language: ``{messages, labels}`` for their ``haT``/``haLabel``.

    Empty in English (the scripts' own words), so English pages carry nothing more.
    """
    if current_language() == DEFAULT:
        return {}
    messages = {m: gettext(m) for name in scripts for m in _script_sentences(name)}
    labels = {name: status_labels(name) for name in SCRIPT_VOCABULARIES}
    labels["event_type"] = {code: event_type_label(code) for code in EVENT_TYPE_LABELS}
    return {"messages": {k: v for k, v in messages.items() if k != v}, "labels": labels}


def answer_json(answer: dict) -> Response:
    """A JSON answer, saying the language its sentences are in (codes and field names never change)."""
    return jsonify({**answer, "lang": current_language()})


def install_languages(app: Flask) -> None:
    """Choose the language of every request and make the templates speak it."""
    Babel(app, locale_selector=lambda: str(formatting_locale(current_language())),
          default_translation_directories=str(TRANSLATIONS))
    # one source of truth for templates and domain code: the active catalog of geoapp.i18n
    install_jinja(app.jinja_env)
    app.jinja_env.globals.update(html_lang=current_language, language_links=switcher_links, page_messages=page_messages,
                                 explicit_language=explicit_language, status_label=status_label,
                                 layer_title=layer_title)

    @app.before_request
    def _choose_language():
        g.language_token = set_language(pick_language(request.args.get(PARAM), request.accept_languages))

    @app.teardown_request
    def _forget_language(_exc):
        token = g.pop("language_token", None)
        if token is not None:
            try:
                reset_language(token)
            except ValueError:  # a streamed body finished in another context: nothing to undo there
                pass

    @app.url_defaults
    def _keep_language(endpoint: str, values: dict):
        lang = explicit_language() if has_request_context() else None
        if lang and endpoint not in _NO_LANG and PARAM not in values:
            values[PARAM] = lang

    @app.after_request
    def _say_language(response):
        response.headers["Content-Language"] = current_language()
        response.vary.add("Accept-Language")
        return response
