"""JSON responses: orjson writes the bytes Flask's standard encoder wrote, and hands back what it cannot write."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json

import pytest
from markupsafe import Markup

from geoapp.http import json_encoding
from geoapp.http.json_encoding import FastJSONProvider

from .helpers import JACMEL, PETION_VILLE


def standard(app, obj) -> bytes:
    """What Flask's own provider writes for ``obj`` with this app's options (the bytes before orjson)."""
    return (json.dumps(obj, default=app.json.default, ensure_ascii=False, sort_keys=False,
                       separators=(",", ":")) + "\n").encode()


def test_the_app_encodes_with_orjson(app):
    assert isinstance(app.json, FastJSONProvider) and json_encoding.orjson is not None


@pytest.mark.parametrize("query", [
    f"/api/route?from={PETION_VILLE[0]},{PETION_VILLE[1]}&to={JACMEL[0]},{JACMEL[1]}&alternatives=2",
    f"/api/route?from={PETION_VILLE[0]},{PETION_VILLE[1]}&to={JACMEL[0]},{JACMEL[1]}&lang=ht&mode=least_risk",
    "/api/access?from=-72.2853,18.5125&lang=fr",
    "/api/layers",
    "/api/route?from=1,2&to=3,4",  # an error
])
def test_answers_are_the_bytes_the_standard_encoder_writes(client, app, query):
    response = client.get(query)
    assert response.get_data() == standard(app, response.get_json())


Point = collections.namedtuple("Point", "lon lat")


@dataclasses.dataclass
class Leg:
    mode: str
    at: dt.date


def test_values_orjson_would_spell_otherwise_go_through_flask(app):
    """Dates as HTTP dates, dataclasses by their fields, markup as its text; the rest by the standard encoder."""
    value = {
        "day": dt.date(2025, 3, 3), "moment": dt.datetime(2025, 3, 3, 14, 0, tzinfo=dt.UTC),
        "leg": Leg("sea", dt.date(2025, 3, 4)), "note": Markup("<b>Jakmèl</b>"), 1: "one", None: "none",
        "distance_m": 0.25, "nested": [[1.5, "Pétion-Ville"], (2, 3)], "empty": {}, "flag": True,
    }
    with app.app_context():
        assert app.json.response(value).get_data() == standard(app, value)
        assert (app.json.dumps(value, separators=(",", ":")) + "\n").encode() == standard(app, value)
        for awkward in ({"huge": 2 ** 70}, {"point": Point(-72.5, 18.2)}):
            assert app.json.response(awkward).get_data() == standard(app, awkward)
        # the one spelling that differs: exponents (1e-5 for 1e-05), the same numbers
        extreme = {"tiny": 1e-05, "vast": 1e16, "nan": float("nan")}
        assert json.loads(app.json.response(extreme).get_data()) == {"tiny": 1e-05, "vast": 1e16, "nan": None}
        with pytest.raises(TypeError):
            app.json.response({"not json": object()})


def test_other_options_keep_the_standard_encoder(app):
    with app.app_context():
        assert app.json.dumps({"é": 1}, indent=2) == json.dumps({"é": 1}, indent=2, ensure_ascii=False)
