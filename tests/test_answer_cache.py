"""Route answers asked again are sent from memory: the same bytes, only for the same question, data and audience."""

from __future__ import annotations

import datetime as dt
import zlib

import pytest

import geoapp.api as api
import geoapp.http.compression as compression

from .helpers import JACMEL, PETION_VILLE

ROUTE = f"/api/route?from={PETION_VILLE[0]},{PETION_VILLE[1]}&to={JACMEL[0]},{JACMEL[1]}"


@pytest.fixture()
def searches(monkeypatch):
    """How many route lookups the endpoint really ran."""
    ran = []
    real = api.route_lookup

    def counted(*args, **kwargs):
        ran.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "route_lookup", counted)
    return ran


def test_a_question_asked_again_is_answered_from_memory(make_app, tmp_path, searches):
    client = make_app({"instance_path": tmp_path}).test_client()
    first = client.get(ROUTE)
    again = client.get(ROUTE)
    assert first.status_code == again.status_code == 200 and len(searches) == 1
    assert again.get_data() == first.get_data() and again.content_type == first.content_type
    # spelled otherwise but the same question: whitespace, parameter order
    assert client.get(f"/api/route?to={JACMEL[0]},{JACMEL[1]}&from= {PETION_VILLE[0]},{PETION_VILLE[1]}").get_data() \
        == first.get_data() and len(searches) == 1
    assert len(searches) == 1


def test_an_answer_sent_again_is_compressed_once(make_app, tmp_path, searches, monkeypatch):
    made = []
    real = compression.compress
    monkeypatch.setattr(compression, "compress", lambda body, encoding: made.append(encoding) or real(body, encoding))
    client = make_app({"instance_path": tmp_path}).test_client()
    plain = client.get(ROUTE).get_data()
    for _ in range(3):
        packed = client.get(ROUTE, headers={"Accept-Encoding": "gzip"})
        assert packed.headers["Content-Encoding"] == "gzip" and zlib.decompress(packed.get_data(), 31) == plain
    assert made == ["gzip"] and len(searches) == 1


@pytest.mark.parametrize("other", ["&lang=fr", "&alternatives=2", "&mode=least_risk", "&f=gpx", "&vehicle=4x4",
                                   "&as_of=2025-03-01"])
def test_another_question_language_or_day_is_searched_anew(make_app, tmp_path, searches, other):
    client = make_app({"instance_path": tmp_path}).test_client()
    plain = client.get(ROUTE)
    changed = client.get(ROUTE + other)
    assert changed.status_code == 200 and len(searches) == 2 and changed.get_data() != plain.get_data()
    assert client.get(ROUTE + other).get_data() == changed.get_data() and len(searches) == 2
    if other == "&f=gpx":
        assert changed.headers["Content-Disposition"] == 'attachment; filename="route.gpx"'


def test_an_answer_as_of_today_keeps_its_note(make_app, tmp_path, searches):
    """Data "as of" today may be the current data; its answer still says which day it is from, the other not."""
    client = make_app({"instance_path": tmp_path}).test_client()
    plain = client.get(ROUTE).json
    dated = client.get(ROUTE + f"&as_of={dt.date.today().isoformat()}").json
    note = "Answered from the data as stored at the end of"
    assert any(w.startswith(note) for w in dated["warnings"])
    assert not any(w.startswith(note) for w in plain["warnings"])
    assert not any(w.startswith(note) for w in client.get(ROUTE).json["warnings"])


def test_callers_who_see_exact_positions_get_their_own_answers(make_app, tmp_path, searches):
    app = make_app({"instance_path": tmp_path})
    token = app.extensions["geoapp"].store.create_token("field-viewer", "viewer")
    client = app.test_client()
    client.get(ROUTE)
    client.get(ROUTE, headers={"Authorization": f"Bearer {token}"})
    client.get(ROUTE, headers={"Authorization": f"Bearer {token}"})
    assert len(searches) == 2


def test_answers_are_forgotten_when_the_data_changes(make_app, tmp_path, searches):
    app = make_app({"instance_path": tmp_path})
    client = app.test_client()
    client.get(ROUTE)
    app.extensions["geoapp"].reload()
    client.get(ROUTE)
    assert len(searches) == 2


def test_errors_are_not_kept(make_app, tmp_path, searches):
    client = make_app({"instance_path": tmp_path}).test_client()  # the cache on, as by default
    assert client.get(ROUTE).status_code == 200
    for _ in range(2):
        assert client.get("/api/route?from=-72.3,18.5&to=-60,10").status_code == 400
    assert len(searches) == 3  # the refused question was looked at anew each time


def test_the_cache_can_be_turned_off(make_app, tmp_path, searches):
    client = make_app({"instance_path": tmp_path, "answer_cache": 0}).test_client()
    for _ in range(2):
        assert client.get(ROUTE).status_code == 200
        assert client.get("/api/route?from=-72.3,18.5&to=-60,10").status_code == 400
    assert len(searches) == 4


def test_the_least_recently_used_answer_goes_first(make_app, tmp_path, searches):
    client = make_app({"instance_path": tmp_path, "answer_cache": 2}).test_client()
    a, b, c = ROUTE, ROUTE + "&mode=least_risk", ROUTE + "&alternatives=1"
    for url in (a, b, a, c, a, b):  # c pushes b out (a was used since), then b is searched again
        client.get(url)
    assert len(searches) == 4
