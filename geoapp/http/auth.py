"""API tokens: who is calling, and whether their role may do what they ask."""

from __future__ import annotations

from flask import request

from ..errors import Forbidden, Unauthorized
from ..i18n.translate import _
from ..store import Store
from ..store.sql import ROLES


def current_principal(store: Store) -> tuple[str, str] | None:
    """(name, role) of the bearer token sent, None without one; 401 for a token that is not valid."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _space, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 200:
        raise Unauthorized(_("send the token as 'Authorization: Bearer <token>'"), field="Authorization")
    principal = store.principal(token.strip())
    if principal is None:
        raise Unauthorized(_("this token is not valid (unknown or revoked)"), field="Authorization")
    return principal


def require_role(store: Store, minimum: str) -> tuple[str, str]:
    """The caller, if their role is at least ``minimum``: 401 without a token, 403 with too weak a role."""
    return role_at_least(current_principal(store), minimum)


def role_at_least(principal: tuple[str, str] | None, minimum: str, *, missing: str | None = None
                  ) -> tuple[str, str]:
    """``principal`` (name, role), if its role is at least ``minimum``: 401 for nobody, 403 for too weak a role.

    ``missing`` is the 401's message when the caller was identified otherwise than by a bearer token
    (signing in on a page); by default it asks for the header.
    """
    if principal is None:
        raise Unauthorized(missing or _("writing needs an API token with the %(minimum)s role; send "
                                        "'Authorization: Bearer <token>'", minimum=minimum), field="Authorization")
    name, role = principal
    if ROLES.index(role) < ROLES.index(minimum):
        raise Forbidden(_("the token %(name)s has the %(role)s role; this needs %(minimum)s or above",
                          name=f"{name!r}", role=role, minimum=minimum))
    return principal
