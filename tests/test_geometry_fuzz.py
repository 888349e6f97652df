"""Hypothesis against the geometry validators: any polygon thrown at them is accepted or refused
with a 400 that names the field, never a crash, and accepted ones meet every promise."""

from __future__ import annotations

import math

import geopandas as gpd
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geoapp.errors import BadRequest, DataValidationError
from geoapp.layers import REGISTRY
from geoapp.validate import HAITI_BOUNDS, parse_area, validate_layer

LON = st.one_of(st.floats(min_value=-180, max_value=180), st.sampled_from([float("nan"), float("inf"), 1e300]))
LAT = st.one_of(st.floats(min_value=-90, max_value=90), st.sampled_from([float("nan"), -float("inf"), -1e300]))
NEAR_HAITI = st.tuples(st.floats(-75.5, -70.5), st.floats(17.5, 20.5))
ANYWHERE = st.tuples(LON, LAT)
RING = st.lists(st.one_of(NEAR_HAITI, ANYWHERE), min_size=0, max_size=12)
JUNK = st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=3))


def polygon(ring, close: bool) -> dict:
    coords = [list(p) for p in ring] + ([list(ring[0])] if close and ring else [])
    return {"type": "Polygon", "coordinates": [coords]}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ring=RING, close=st.booleans())
def test_area_validator_never_crashes_and_keeps_its_promises(ring, close):
    try:
        geom = parse_area(polygon(ring, close), field="area", max_vertices=50, max_area_km2=2000,
                          metric_crs="EPSG:32618")
    except BadRequest as exc:
        assert exc.field == "area" and exc.status == 400
        return
    minx, miny, maxx, maxy = HAITI_BOUNDS
    x0, y0, x1, y1 = geom.bounds
    assert geom.is_valid and not geom.is_empty
    assert minx <= x0 and x1 <= maxx and miny <= y0 and y1 <= maxy
    assert shapely.get_num_coordinates(geom) <= 50
    assert gpd.GeoSeries([geom], crs=4326).to_crs(32618).area.iloc[0] <= 2000e6


@settings(max_examples=200, deadline=None)
@given(obj=st.one_of(JUNK, st.fixed_dictionaries({"type": st.sampled_from(
    ["Polygon", "MultiPolygon", "Feature", "FeatureCollection", "Point", "x"]), "coordinates": JUNK,
    "geometry": JUNK, "features": JUNK})))
def test_area_validator_refuses_junk_cleanly(obj):
    try:
        parse_area(obj, field="area", max_vertices=50, max_area_km2=2000, metric_crs="EPSG:32618")
    except BadRequest as exc:
        assert exc.field == "area"


@settings(max_examples=200, deadline=None)
@given(ring=RING)
def test_layer_validator_refuses_bad_zones_with_a_message(ring):
    closed = [*ring, ring[0]] if ring else []
    if not all(map(math.isfinite, (v for p in closed for v in p))):
        return  # a reader never yields such a shape; check_coordinates refuses it in requests
    try:
        geom = shapely.Polygon(closed) if len(closed) >= 4 else shapely.Polygon()
    except (ValueError, shapely.errors.GEOSException):
        return
    frame = gpd.GeoDataFrame({"id": ["z"], "name": ["z"], "status": ["controlled"], "as_of": ["2025-01-01"],
                              "source": ["t"], "confidence": ["low"], "notes": [""], "group": ["g"]},
                             geometry=[geom], crs="EPSG:4326")
    try:
        out = validate_layer(frame, REGISTRY["gang_zones"], source="fuzz")
    except DataValidationError as exc:
        assert all(p.startswith("fuzz: feature 'z': ") for p in exc.problems)
        return
    assert out.geometry.iloc[0].is_valid
