"""Editors' page sessions: the signing key, cookie flags, who is signed in, and CSRF checks on their forms.

An editor pastes their API token once into the editing page; the server checks it and keeps, in a
signed cookie (HttpOnly, SameSite=Lax, Secure over HTTPS), the token's name, role and creation time,
never the token.  Every request re-checks that this token is still live, so revoking it ends its
sessions at once.  The JSON API never reads this cookie: it takes bearer tokens only, so a page on
another site cannot make a signed-in browser write through it.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, request, session
from flask.sessions import SecureCookieSessionInterface

from ..errors import BadRequest, ConfigError, Forbidden
from ..i18n.translate import _

#: the session's keys: the signed-in editor, and the per-session CSRF token of its forms
EDITOR, CSRF = "editor", "csrf"
CSRF_FIELD = "csrf_token"
KEY_FILE = "secret_key"


def install_sessions(app: Flask, settings) -> None:
    """Sign sessions with ``secret_key`` (or the instance's own key) and set the cookie's flags."""
    app.secret_key = settings.secret_key or instance_secret(Path(settings.instance_path))
    app.config.update(
        SESSION_COOKIE_NAME="haiti_access_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(seconds=settings.session_lifetime_s),
        SESSION_REFRESH_EACH_REQUEST=False,  # the lifetime counts from signing in, not from the last click
    )
    app.session_interface = _SessionInterface()


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, ``Secure`` whenever the request came over HTTPS (or the setting says always)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def instance_secret(instance: Path) -> str:
    """The key kept in the instance folder (0600), made once: restarts keep sessions and workers agree.

    Written to a private temporary file and linked into place, so two processes starting together
    both end up reading the one key that won.
    """
    path = instance / KEY_FILE
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        temporary = instance / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as file:
                file.write(secrets.token_urlsafe(48))
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another process made it first: use theirs
        finally:
            temporary.unlink(missing_ok=True)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ConfigError(f"{path} holds no usable secret key: delete it to have a new one made")
    return key


def _token_created(store, name: str) -> str | None:
    """When the live token called ``name`` was made (it tells a token from a later one of the same name)."""
    return next((t["created_at"] for t in store.list_tokens() if t["name"] == name and not t["revoked_at"]), None)


def sign_in(store, token: str, lifetime_s: float) -> tuple[str, str] | None:
    """Start a session for the holder of ``token``; (name, role), or None when the token is not valid."""
    principal = store.principal(token)
    if principal is None:
        return None
    name, role = principal
    created = _token_created(store, name)
    if created is None:  # revoked between the two reads
        return None
    session.clear()  # a fresh session: nothing from before signing in carries over, a new CSRF token
    session.permanent = True
    session[EDITOR] = {"name": name, "role": role, "token_created": created,
                       "until": (_now() + dt.timedelta(seconds=lifetime_s)).isoformat()}
    return principal


def sign_out() -> None:
    """End this browser's session (and its CSRF token)."""
    session.clear()


def signed_in(store) -> tuple[str, str] | None:
    """(name, role) of the editor signed in on this browser, if the session is current and its token live."""
    editor = session.get(EDITOR)
    if not isinstance(editor, dict):
        return None
    try:
        current = _now() < dt.datetime.fromisoformat(editor["until"])
    except (KeyError, TypeError, ValueError):
        current = False
    created = editor.get("token_created")
    live = current and bool(created) and created == _token_created(store, editor.get("name"))
    if not live:  # expired, or the token was revoked (or replaced) since: the session ends
        session.pop(EDITOR, None)
        return None
    return editor["name"], editor["role"]


def csrf_token() -> str:
    """The CSRF token of this session, for the hidden field of every form that posts (made on first use)."""
    if not isinstance(session.get(CSRF), str):
        session[CSRF] = secrets.token_urlsafe(32)
    return session[CSRF]


def check_csrf() -> None:
    """Refuse a form post that does not come from this site's own page in this session.

    The request must come from this site (``Origin``, or ``Referer`` when a browser sends no Origin)
    and carry the session's CSRF token (compared in constant time).
    """
    _check_origin()
    expected = session.get(CSRF)
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token") or ""
    if not sent:
        raise BadRequest(_("the form has no CSRF token: reload the page and send it again"), field=CSRF_FIELD)
    if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden(_("the form's CSRF token does not match this session (it expired, or the form came from "
                          "another page): reload the page and send it again"), field=CSRF_FIELD)


def _check_origin() -> None:
    own = urlsplit(request.host_url)
    origin = request.headers.get("Origin")
    referer = request.headers.get("Referer")
    if origin is None and referer is None:
        raise Forbidden(_("the request says neither Origin nor Referer: forms are accepted only from this site's "
                          "own pages"), field="Origin")
    field, sent = ("Origin", origin) if origin is not None else ("Referer", referer)
    parts = urlsplit(sent or "")
    if (parts.scheme, parts.netloc) != (own.scheme, own.netloc):
        raise Forbidden(_("the request's %(field)s is not this site: forms are accepted only from this site's own "
                          "pages", field=field), field=field)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
