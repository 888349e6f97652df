"""One exception hierarchy; each HTTP-facing class carries its status and a user-safe message."""

from __future__ import annotations

from .i18n.translate import _


class GeoappError(Exception):
    """Base of every error the service raises on purpose."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, field: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}  # more for the caller to act on (e.g. the places a name may mean)

    def to_dict(self, *, code: str | None = None) -> dict:
        """The JSON error body of the HTTP conventions (``code`` overrides the class's, e.g. a werkzeug name)."""
        body = {"code": code or self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return {"error": {**body, **self.details}}


class BadRequest(GeoappError, ValueError):
    """The caller sent something malformed or out of range."""

    status = 400
    code = "bad_request"


class NotFound(GeoappError, LookupError):
    """The caller asked for something that does not exist."""

    status = 404
    code = "not_found"


class ConfigError(GeoappError):
    """A setting is malformed; raised at start-up."""

    code = "config_error"


class DataValidationError(GeoappError, ValueError):
    """A layer file breaks the schema; names the file, the feature and the problem."""

    code = "invalid_data"

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        shown = self.problems[:20]
        more = len(self.problems) - len(shown)
        text = "\n".join(shown) + ("\n" + _("... and %(more)s more", more=more) if more > 0 else "")
        super().__init__(text)


class Unauthorized(GeoappError):
    """No valid token was given for something that needs one."""

    status = 401
    code = "unauthorized"
    headers = {"WWW-Authenticate": 'Bearer realm="haiti-access"'}


class Forbidden(GeoappError):
    """The token's role may not do this."""

    status = 403
    code = "forbidden"


class ReadOnly(GeoappError):
    """The collection is derived from other data (an import): it is read, never written."""

    status = 405
    code = "method_not_allowed"
    headers = {"Allow": "GET, HEAD"}


class Conflict(GeoappError):
    """The write clashes with what is stored (an id already taken)."""

    status = 409
    code = "conflict"


class PreconditionFailed(GeoappError):
    """``If-Match`` names a version that is no longer current: someone else edited first."""

    status = 412
    code = "precondition_failed"


class UriTooLong(GeoappError):
    """The request's address is longer than the service reads (a pasted geometry, a runaway script)."""

    status = 414
    code = "uri_too_long"


class PreconditionRequired(GeoappError):
    """A write that could overwrite another must say which version it read (``If-Match``)."""

    status = 428
    code = "precondition_required"


class StoreUnavailable(GeoappError):
    """The database cannot be reached or is locked: writes are refused, reads use loaded data."""

    status = 503
    code = "store_unavailable"
