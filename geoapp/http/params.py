"""Reading requests: parameters and bodies checked with 400s that say what and where, and who may see what."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re

from flask import request

from ..errors import BadRequest
from ..i18n.gazetteer import Place, locate
from ..i18n.translate import _
from .auth import current_principal
from .state import service

MAX_PARAM_LENGTH = 200


def arg(name: str, *, required: bool = True, default: str | None = None) -> str | None:
    """A query parameter, with a clear 400 when it is missing or absurdly long."""
    value = request.args.get(name)
    if value is None or value.strip() == "":
        if required:
            raise BadRequest(_("missing required parameter %(name)s", name=name), field=name)
        return default
    if len(value) > MAX_PARAM_LENGTH:
        raise BadRequest(_("parameter %(name)s is longer than %(max_param_length)s characters",
                           name=name, max_param_length=MAX_PARAM_LENGTH), field=name)
    return value.strip()


def parse_numbers(value: str, count: int, field: str, shape: str) -> list[float]:
    """``count`` comma-separated finite numbers, or a 400 that shows the expected shape."""
    parts = value.split(",")
    if len(parts) != count:
        raise BadRequest(_("%(field)s must be %(shape)s", field=field, shape=shape), field=field)
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise BadRequest(_("%(field)s must be %(shape)s with numbers", field=field, shape=shape), field=field) from None
    if not all(math.isfinite(n) for n in numbers):
        raise BadRequest(_("%(field)s must contain finite numbers", field=field), field=field)
    return numbers


def parse_int(field: str, *, default: int, minimum: int, maximum: int) -> int:
    """An optional whole-number parameter within bounds."""
    value = arg(field, required=False)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(_("%(field)s must be a whole number", field=field), field=field) from None
    if not minimum <= number <= maximum:
        raise BadRequest(_("%(field)s must be between %(minimum)s and %(maximum)s",
                           field=field, minimum=minimum, maximum=maximum), field=field)
    return number


def parse_flag(field: str) -> bool:
    """An optional ``true``/``false`` parameter (also 1/0, yes/no); present but empty is a 400."""
    if field in request.args and not request.args[field].strip():
        raise BadRequest(_("%(field)s must be true or false", field=field), field=field)
    value = arg(field, required=False)
    if value is None:
        return False
    if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
        raise BadRequest(_("%(field)s must be true or false", field=field), field=field)
    return value.lower() in ("true", "1", "yes")


def parse_lonlat(field: str) -> tuple[float, float]:
    """A required ``LON,LAT`` parameter in degrees."""
    return _lonlat(arg(field), field)


def _lonlat(value: str, field: str) -> tuple[float, float]:
    lon, lat = parse_numbers(value, 2, field, "LON,LAT")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise BadRequest(_("%(field)s is not a lon,lat pair (lon -180..180, lat -90..90)", field=field), field=field)
    return lon, lat


@dataclasses.dataclass(frozen=True)
class Location:
    """Where a parameter puts a point: given as ``LON,LAT``, or a place found by name or id."""

    lonlat: tuple[float, float]  # what to route from: a displacement site's exact position for hubs
    place: Place | None = None
    query: str | None = None

    def echo(self, *, exact: bool) -> dict | None:
        """What a name or id resolved to, for the answer (a site's public position unless ``exact``)."""
        if self.place is None:
            return None
        return {"query": self.query, **self.place.describe(exact=exact)}


#: two numbers (or a malformed attempt at them): read as coordinates, never looked up as a name
_COORDINATES = re.compile(r"[\s\d.,;+\-eE]+")


def _looks_like_coordinates(value: str) -> bool:
    if _COORDINATES.fullmatch(value):
        return True
    head = value.split(",", 1)[0].strip()
    try:
        float(head)
    except ValueError:
        return False
    return "," in value


def parse_location(field: str, value: object = None, *, hub: bool = False) -> Location:
    """A point given as ``LON,LAT`` (or ``[lon, lat]``), an id or a place name (the ``field`` parameter by default).

    Names and ids are looked up in the gazetteer: an unknown one is a 400 suggesting close names, an
    ambiguous one a 400 listing the places it may mean.  A displacement site is where the caller may
    see it (its public grid cell without a role), except for a ``hub``: access answers route from
    its real position and never show it.
    """
    if value is None:
        value = arg(field)
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(_("%(field)s must be LON,LAT, a place name or an id", field=field), field=field)
    if len(value) > MAX_PARAM_LENGTH:
        raise BadRequest(_("%(field)s is longer than %(most)s characters", field=field, most=MAX_PARAM_LENGTH),
                         field=field)
    value = value.strip()
    if _looks_like_coordinates(value):
        return Location(_lonlat(value, field))
    exact = sees_exact_positions()
    place = locate(service().dataset.gazetteer, value, field, exact=exact)
    return Location(place.lonlat(exact=hub or exact), place, value)


def parse_bbox(field: str = "bbox") -> tuple[float, float, float, float] | None:
    """An optional ``MINX,MINY,MAXX,MAXY`` parameter in lon/lat degrees (every endpoint's one rule).

    Six numbers (a 3D box, as OGC API - Features allows) are read as MINX,MINY,MINZ,MAXX,MAXY,MAXZ
    and the heights dropped.
    """
    value = arg(field, required=False)
    if value is None:
        return None
    count = 6 if value.count(",") == 5 else 4
    numbers = parse_numbers(value, count, field, "MINX,MINY,MAXX,MAXY")
    minx, miny, maxx, maxy = (numbers[0], numbers[1], numbers[3], numbers[4]) if count == 6 else numbers
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise BadRequest(_("%(field)s must be in lon/lat degrees", field=field), field=field)
    if minx > maxx or miny > maxy:
        raise BadRequest(_("%(field)s must be MINX,MINY,MAXX,MAXY with MINX <= MAXX and MINY <= MAXY",
                           field=field), field=field)
    return minx, miny, maxx, maxy


def sees_exact_positions() -> bool:
    """Whether the caller may see where displacement sites really are (viewer role or above)."""
    return current_principal(service().store) is not None


def layer_view(data):
    """The layers as this caller may see them: exact with a token, sensitive ones coarsened without."""
    return data.exact if sees_exact_positions() else data.public


EARLIEST_DAY = dt.date(1900, 1, 1)


def dataset_for_request(field: str = "as_of"):
    """The current data, or with ``as_of=YYYY-MM-DD`` the data as stored at the end of that day."""
    svc = service()
    if field not in request.args:
        return svc.dataset, []
    value = request.args[field].strip()
    if len(value) > MAX_PARAM_LENGTH:
        raise BadRequest(_("%(field)s must be a date YYYY-MM-DD", field=field), field=field)
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(_("%(field)s must be a date YYYY-MM-DD", field=field), field=field) from None
    if day > dt.date.today():
        raise BadRequest(_("%(field)s must not be in the future", field=field), field=field)
    if day < EARLIEST_DAY:  # dates of old centuries overflow the windows counted back from the day
        raise BadRequest(_("%(field)s must be on or after %(earliest_day)s",
                           field=field, earliest_day=EARLIEST_DAY.isoformat()), field=field)
    data, notes = svc.dataset_as_of(day)
    return data, [_("Answered from the data as stored at the end of %(day)s.", day=day.isoformat()), *notes]


def with_notes(answer: dict, notes: list[str]) -> dict:
    """The answer with notes about the data it used put first among its warnings."""
    if notes:
        answer["warnings"] = [*notes, *answer.get("warnings", [])]
    return answer


def json_body(types: tuple[str, ...] = ("application/json", "application/geo+json")) -> dict:
    """The request body as a JSON object, with a 400 for anything else (including absurd nesting)."""
    if request.mimetype not in types:
        raise BadRequest(_("send the body as %(types)s", types=' or '.join(types)), field="body")
    try:
        body = json.loads(request.get_data(cache=False) or b"null")
    except (ValueError, RecursionError):
        raise BadRequest(_("the body is not valid JSON"), field="body") from None
    if not isinstance(body, dict):
        raise BadRequest(_("the body must be a JSON object"), field="body")
    return body
