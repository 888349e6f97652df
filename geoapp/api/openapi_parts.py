"""Pieces of the OpenAPI document: operation and parameter builders, shared schemas and texts, the editors' page."""

from __future__ import annotations

from ..layers import CHECKPOINT_KINDS, CURRENCIES, REGISTRY, VEHICLES

VEHICLE_TEXT = ("Vehicle class: only roads it can take (max_vehicle; smallest first: " + ", ".join(VEHICLES)
                + "), at its speeds, and with modes only the boats and flights it can go on board (vehicles "
                "true; on foot: any); the reasons say when it rules a route out, naming the roads and "
                "connections, and when it goes on board. Default: no restriction")
SEASON_TEXT = ("Season to plan for: the rainy one closes dry_season_only roads. Default with vehicle: the "
               "service's season setting; without vehicle or season: no restriction")
CHECKPOINT = {"type": "object", "description": "An active checkpoint on a road the route travels, in travel order",
              "properties": {
                  "id": {"type": "string"}, "name": {"type": "string"},
                  "kind": {"type": "string", "enum": list(CHECKPOINT_KINDS)}, "kind_label": {"type": "string"},
                  "group": {"type": ["string", "null"]}, "fee": {"type": ["number", "null"], "description":
                                                                 "reported fee per vehicle (null: unknown)"},
                  "currency": {"type": ["string", "null"], "enum": [*CURRENCIES, None]},
                  "road_id": {"type": ["string", "null"]},
                  "controlled_zone": {"type": "boolean", "description": "an armed-group checkpoint inside a "
                                      "controlled zone (impassable in avoid mode)"}}}
FEES = {"type": ["object", "null"], "description": "Fees of the checkpoints passed: totals per currency of the "
        "reported fees only, how many have none (unknown), and a sentence", "properties": {
            "checkpoints": {"type": "integer"}, "with_fee": {"type": "integer"}, "unknown": {"type": "integer"},
            "total": {"type": "object", "additionalProperties": {"type": "number"}},
            "summary": {"type": ["string", "null"]}, "gang_checkpoints": {"type": "integer"}}}

#: where a person would type a place: lon,lat, an id (port, site, GeoNames town, p-code) or a name
LOCATION = {"type": "string", "minLength": 1, "maxLength": 200, "example": "Okap"}
LOCATION_TEXT = ("lon,lat (EPSG:4326), an id (port, site, town gn-..., p-code HT0111) or a place name in French, "
                 "Creole or English, accents and case aside (Okap, Cap-Haïtien, Pòtoprens, Jacmel); an unknown "
                 "name is a 400 with suggestions, an ambiguous one a 400 listing its candidates")


def param(name: str, where: str, schema: dict, description: str, required: bool = False) -> dict:
    """One parameter of an operation (path parameters are always required)."""
    return {"name": name, "in": where, "required": required or where == "path", "schema": schema,
            "description": description}


def error_responses(*codes: int) -> dict:
    """The error responses of an operation, each the service's JSON error."""
    text = {400: "Malformed or out-of-range input", 401: "No valid API token", 403: "The token's role may not",
            404: "Not found", 409: "The id is taken", 412: "If-Match names a version that is no longer current",
            413: "Request body too large", 428: "If-Match is required", 405: "Method not allowed",
            414: "Address (path and query) too long",
            429: "Too many requests from this client (see Retry-After)",
            500: "Internal error", 503: "The database is unavailable (writes refused; reads use loaded data)"}
    out = {str(c): {"description": text[c], "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}} for c in codes}
    if "414" in out:  # beyond 8,190 bytes the WSGI server answers before the app, in HTML
        out["414"]["content"]["text/html"] = {"schema": {"type": "string"}}
    return out


def editing_page() -> dict:
    """The editors' page: sign in with a token (a session cookie), change a road's status (CSRF-checked forms)."""
    def form(summary: str, fields: dict, required: list[str], *, answer: dict | None = None,
             errors: tuple[int, ...] = (400, 403, 429)) -> dict:
        body = {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
            "type": "object", "properties": {"csrf_token": {"type": "string"}, **fields},
            "required": ["csrf_token", *required]}}}}
        operation = op(summary, errors=errors, tag="pages", body=body)
        see_other = {"description": "Back to the page (browsers, who prefer text/html)",
                     "headers": {"Location": {"schema": {"type": "string"}}}}
        operation["responses"] = {**({"200": operation["responses"]["200"]} if answer else {}), "303": see_other,
                                  **{code: r for code, r in operation["responses"].items() if code != "200"}}
        if answer:
            operation["responses"]["200"]["content"]["application/json"]["schema"] = answer
        return operation

    change = {"type": "object", "properties": {"id": {"type": "string"}, "status": {"type": "string"},
                                               "version": {"type": "integer"}, "actor": {"type": "string"},
                                               "reason": {"type": "string"}, "road": {"type": "object"}}}
    return {
        "/report": {
            "get": op("Editing page: sign in with a token, then pick a road on the map and change its status", [
                param("road", "query", {"type": "string", "maxLength": 100}, "Road id to show picked")],
                content="text/html", schema={"type": "string"}, errors=(400, 404, 429), tag="pages"),
            "post": form("Change a road's status as the signed-in editor (the API's patch path: validation, "
                         "If-Match version, audit log); JSON for callers who do not prefer text/html", {
                "road": {"type": "string"}, "status": {"type": "string", "enum": list(REGISTRY["roads"].statuses)},
                "reason": {"type": "string", "maxLength": 500}, "version": {"type": "string", "pattern": r"^\d+$"},
                "reported_on": {"type": "string", "format": "date"}}, ["road", "status", "reason", "version"],
                answer=change, errors=(400, 401, 403, 404, 412, 429)),
        },
        "/report/sign-in": {"post": form("Sign in on the editing page with an API token (kept as a signed, "
                                          "HttpOnly session cookie; the token itself is not stored)",
                                          {"token": {"type": "string", "maxLength": 200}}, ["token"],
                                          errors=(400, 401, 403, 429))},
        "/report/sign-out": {"post": form("Sign out of the editing page", {}, [])},
    }


def op(summary: str, params: list[dict] | None = None, content: str = "application/json", schema: dict | None = None,
        errors: tuple[int, ...] = (400,), tag: str = "lookups", body: dict | None = None) -> dict:
    """An operation answering 200 (``content``, ``schema``) or the given errors (and 414, 500)."""
    op = {"summary": summary, "tags": [tag], "parameters": params or [],
          "responses": {"200": {"description": "OK", "content": {content: {"schema": schema or {"type": "object"}}}},
                        **error_responses(*errors, 414, 500)}}
    if body:
        op["requestBody"] = body
    return op
