"""Every human sentence in English, French or Haitian Creole: the active language and gettext, without Flask.

The language is a context variable: the HTTP layer sets it per request (``lang=``, then
``Accept-Language``, then English), the command line from ``--lang`` or the locale environment.
Domain code calls :func:`gettext` (``_``) with named placeholders, so translators can reorder them:
``_("%(road)s is blocked", road=name)``.  Tables of labels mark their strings with :func:`N_` and
translate them when they are read.  Catalogs live in ``translations/<lang>/LC_MESSAGES/messages.po``,
compiled to ``.mo`` beside them (``make messages``).  Labels that read differently by what they
describe (a ``closed`` road, a ``closed`` port) carry a context: :func:`NP_` and :func:`pgettext`.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext as _gettext
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import jinja2
from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal
from babel.support import Translations

#: The languages every sentence comes in: code -> its own name.
LANGUAGES = {"en": "English", "fr": "Français", "ht": "Kreyòl ayisyen"}
#: What the page switcher shows for each language (Creole's own abbreviation is KR).
SWITCHER = {"en": "EN", "fr": "FR", "ht": "KR"}
DEFAULT = "en"
DOMAIN = "messages"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
#: Other names callers use for the same languages (ISO 639-2/3 codes, the switcher's KR).
ALIASES = {"eng": "en", "fra": "fr", "fre": "fr", "hat": "ht", "kr": "ht", "kreyol": "ht", "kreyòl": "ht"}

_active: contextvars.ContextVar[str] = contextvars.ContextVar("geoapp_language", default=DEFAULT)


@functools.cache
def catalog(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English, the source language, needs none)."""
    if lang == DEFAULT:
        return _gettext.NullTranslations()
    return Translations.load(str(TRANSLATIONS), [lang], domain=DOMAIN)


def current_language() -> str:
    """The language of the request or command being served."""
    return _active.get()


def set_language(lang: str) -> contextvars.Token:
    """Make ``lang`` (a supported code) the active language; give the token to :func:`reset_language`."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; one of {', '.join(LANGUAGES)}")
    return _active.set(lang)


def reset_language(token: contextvars.Token) -> None:
    """Restore the language active before :func:`set_language`."""
    _active.reset(token)


@contextlib.contextmanager
def use_language(lang: str) -> Iterator[str]:
    """Run a block in ``lang``."""
    token = set_language(lang)
    try:
        yield lang
    finally:
        reset_language(token)


def gettext(message: str, /, **params: object) -> str:
    """``message`` in the active language, its ``%(name)s`` placeholders filled from ``params``."""
    if not message:  # gettext("") is the catalog's header
        return message
    text = catalog(_active.get()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, /, **params: object) -> str:
    """The singular or plural form for ``n`` in the active language; ``%(num)s`` is ``n``."""
    text = catalog(_active.get()).ngettext(singular, plural, n)
    return text % {"num": n, **params}


def pgettext(context: str, message: str, /, **params: object) -> str:
    """``message`` as meant in ``context`` (one English word, several translations: "closed" road or port)."""
    text = catalog(_active.get()).pgettext(context, message)
    return text % params if params else text


_ = gettext


def N_(message: str) -> str:  # noqa: N802 (the conventional name extractors look for)
    """Mark ``message`` for the catalogs without translating it (tables translated when read)."""
    return message


def install_jinja(env: jinja2.Environment) -> jinja2.Environment:
    """Give a Jinja environment ``_``, ``gettext`` and ``ngettext`` in the active language.

    New style: ``{{ _("%(n)s sites", n=3) }}``, placeholders filled (and escaped) by Jinja.
    """
    env.add_extension("jinja2.ext.i18n")
    # install_gettext_callables is added by the extension, which Jinja's typing cannot know
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: catalog(_active.get()).gettext(message) if message else message,
        lambda singular, plural, n: catalog(_active.get()).ngettext(singular, plural, n),
        newstyle=True,
    )
    # numbers as the language writes them: {{ km|decimal }} "3.2" / "3,2", {{ n|integer }} "4,329" / "4 329"
    env.filters.update(decimal=decimal, integer=integer)
    return env


@functools.cache
def _template_env() -> jinja2.Environment:
    return install_jinja(jinja2.Environment())


def template(source: str) -> jinja2.Template:
    """A Jinja template (a map's legend, say) that speaks the active language, outside Flask."""
    return _template_env().from_string(source)


def NP_(context: str, message: str) -> tuple[str, str]:  # noqa: N802
    """Mark ``message`` in ``context`` for the catalogs; :func:`pgettext` translates the pair when read."""
    return context, message


def supported(code: str | None) -> str | None:
    """The supported language a code names (``fr-HT`` -> ``fr``, ``hat`` -> ``ht``), or None."""
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0].split(".")[0]
    base = ALIASES.get(base, base)
    return base if base in LANGUAGES else None


def pick_language(asked: str | None, accepted: Iterable[tuple[str, float]] = ()) -> str:
    """``lang=`` when it names a supported language, then the best ``Accept-Language`` entry, then English."""
    chosen = supported(asked)
    if chosen:
        return chosen
    for code, quality in sorted(accepted, key=lambda cq: -cq[1]):
        chosen = supported(code)
        if chosen and quality > 0:
            return chosen
    return DEFAULT


def language_from_environment(environ: Mapping[str, str]) -> str:
    """The language of a terminal: ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, then ``LANG`` (else English)."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        for code in (environ.get(name) or "").split(":"):
            if code and code not in ("C", "POSIX"):
                return supported(code) or DEFAULT
    return DEFAULT


def percent(share: float, digits: int = 0) -> str:
    """A share (0.455) as a percentage in the active language: ``46%`` in English, ``46 %`` in French."""
    lang = _active.get()
    if lang == DEFAULT:
        return f"{share:.{digits}%}"
    return decimal(share * 100, digits) + "\u00a0%"  # French typography: a no-break space before the sign


def startup_language(environ: Mapping[str, str]) -> str:
    """The language of what a process says before any request: the one a command chose, else its locale's.

    ``geoapp --lang fr`` has set it; a server started otherwise (``gunicorn wsgi:app``) has not, and
    speaks its environment's language (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``).
    """
    return _active.get(None) or language_from_environment(environ)


def decimal(value: float, digits: int = 1) -> str:
    """``value`` with ``digits`` decimals as the active language writes numbers.

    English as before (``1234.5``); French and Creole with their separators (``1 234,5``).
    """
    lang = _active.get()
    if lang == DEFAULT:
        return f"{value:.{digits}f}"
    return format_decimal(round(value, digits), format="#,##0." + "0" * digits if digits else "#,##0",
                          locale=formatting_locale(lang))


def integer(value: int) -> str:
    """A whole number as the active language writes it: ``4,329`` in English, ``4 329`` in French and Creole."""
    lang = _active.get()
    if lang == DEFAULT:
        return f"{value:,}"
    return format_decimal(value, format="#,##0", locale=formatting_locale(lang))


@functools.cache
def formatting_locale(lang: str) -> Locale:
    """The locale numbers and dates are written in: ``lang``'s, or French's where Babel lacks it."""
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("fr")
