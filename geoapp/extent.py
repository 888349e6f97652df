"""Where Haiti is: its land outline plus a maritime margin, for every "is this in Haiti?" check.

A rectangle around Haiti takes in a third of the Dominican Republic and open sea, and refuses real
events reported a few kilometres off the coast ("Coast of La Tortue", 20.22 N).  The area used
instead is the shipped land outline (Natural Earth 1:10m, islands included) buffered by a maritime
margin (setting ``maritime_margin_m``, 25 km by default), computed once per margin.
"""

from __future__ import annotations

import functools

import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from . import shipped
from .i18n.translate import _

#: Haiti's extent (lon/lat) with a margin: a cheap first test, and the default extent of empty layers.
HAITI_BOUNDS = (-74.75, 17.75, -71.35, 20.35)
#: How far beyond the coast positions are still Haiti's (territorial sea and coastal events).
DEFAULT_MARGIN_M = 25_000.0
OUTLINE_FILE = shipped.data_dir() / "context" / "haiti_outline.geojson"
_METRIC = "EPSG:32618"

_margin_m = DEFAULT_MARGIN_M


def set_margin(margin_m: float) -> None:
    """Use this maritime margin in the process from now on (set from the settings at start-up)."""
    global _margin_m
    _margin_m = float(margin_m)


def margin_m() -> float:
    """The maritime margin in force (metres)."""
    return _margin_m


@functools.lru_cache(maxsize=1)
def land() -> shapely.Geometry:
    """Haiti's land (the shipped outline, lon/lat)."""
    import geopandas as gpd

    outline = gpd.read_file(OUTLINE_FILE, engine="pyogrio")
    return shapely.union_all(np.asarray(outline.geometry.values))


@functools.lru_cache(maxsize=4)
def area(margin: float | None = None) -> BaseGeometry:
    """Land plus ``margin`` metres of sea around it (lon/lat), prepared for fast point tests."""
    margin = _margin_m if margin is None else margin
    to_metric = pyproj.Transformer.from_crs("EPSG:4326", _METRIC, always_xy=True)
    to_lonlat = pyproj.Transformer.from_crs(_METRIC, "EPSG:4326", always_xy=True)
    metric = shapely.transform(land(), lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1])))
    grown = shapely.simplify(shapely.buffer(metric, margin, quad_segs=8), 200)
    geom = shapely.transform(grown, lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1])))
    shapely.prepare(geom)
    return geom


@functools.lru_cache(maxsize=1)
def _land_metric() -> shapely.Geometry:
    to_metric = pyproj.Transformer.from_crs("EPSG:4326", _METRIC, always_xy=True)
    geom = shapely.transform(land(), lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1])))
    shapely.prepare(geom)
    return geom


@functools.lru_cache(maxsize=1)
def _land_prepared() -> shapely.Geometry:
    geom = land()
    shapely.prepare(geom)
    return geom


def on_land(lon: float, lat: float) -> bool:
    """Whether a position is on Haiti's land (the shipped outline, islands included)."""
    return bool(shapely.contains_xy(_land_prepared(), lon, lat))


def offshore_m(lon: float, lat: float) -> float:
    """Metres from a position to Haiti's land (the shipped outline); 0 on land."""
    x, y = pyproj.Transformer.from_crs("EPSG:4326", _METRIC, always_xy=True).transform(lon, lat)
    return float(shapely.distance(_land_metric(), shapely.Point(x, y)))


def inside(lon, lat, *, margin: float | None = None) -> np.ndarray:
    """Which positions lie on Haiti's land or within the maritime margin (vectorised, NaN is outside)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    geom = area(margin)
    minx, miny, maxx, maxy = geom.bounds
    with np.errstate(invalid="ignore"):
        ok &= (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy)
    result = np.zeros(lon.shape, dtype=bool)
    if ok.any():
        result[ok] = shapely.contains_xy(geom, lon[ok], lat[ok])
    return result


def geometries_inside(geoms: np.ndarray, *, margin: float | None = None) -> np.ndarray:
    """Which geometries have every vertex on Haiti's land or within the maritime margin.

    Vertices rather than whole shapes, so that an invalid polygon is judged too (GEOS may refuse
    it in a predicate) and the test stays one vectorised call.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = np.zeros(len(geoms), dtype=bool)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any():
        return out
    coords, which = shapely.get_coordinates(geoms[present], return_index=True)
    ok = inside(coords[:, 0], coords[:, 1], margin=margin)
    bad = np.bincount(which[~ok], minlength=int(present.sum()))
    out[np.flatnonzero(present)] = bad == 0
    return out


def describe(margin: float | None = None) -> str:
    """How the area is defined, for error messages."""
    margin = _margin_m if margin is None else margin
    return _("not on Haiti's land nor within %(km)s km of its coast", km=f"{margin / 1000:g}")


def swapped_hint(lon: float, lat: float) -> str:
    """A hint when lat,lon was sent instead of lon,lat."""
    return _(" (it looks like lat,lon: swap the numbers)") if bool(inside(lat, lon)) else ""
