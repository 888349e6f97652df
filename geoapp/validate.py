"""Checks a layer against its spec: schema, CRS, geometry validity and Haiti's bounds, precise messages."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.errors
import shapely.geometry

from . import extent
from .errors import BadRequest, DataValidationError
from .extent import HAITI_BOUNDS
from .i18n.translate import _
from .layers import CONFIDENCE, MAX_COUNT, LayerSpec
from .schedule import parse_schedule

__all__ = ["HAITI_BOUNDS", "empty_layer", "read_layer", "validate_layer", "parse_area", "check_coordinates"]


def read_layer(path: Path, spec: LayerSpec) -> gpd.GeoDataFrame:
    """Read and validate one layer file; ``DataValidationError`` names the file, feature and problem.

    A missing file of a layer the registry marks ``optional_file`` is an empty layer.
    """
    if spec.optional_file and not Path(path).exists():
        return empty_layer(spec)
    # GeoJSON dates come as text, checked here feature by feature: read as dates, one impossible
    # day ("2025-02-30") made the whole file unreadable without saying which feature had it
    as_text = {"DATE_AS_STRING": "YES"} if Path(path).suffix.lower() in (".geojson", ".json") else {}
    try:
        gdf = gpd.read_file(path, engine="pyogrio", **as_text)
    except Exception as exc:  # pyogrio raises several kinds; all mean "unreadable"
        raise DataValidationError([_("%(file)s: cannot be read as a layer file (%(error)s)", file=path.name,
                                     error=exc)]) from exc
    return validate_layer(gdf, spec, source=path.name)


def empty_layer(spec: LayerSpec) -> gpd.GeoDataFrame:
    """A layer with the spec's columns and no feature (an optional layer not given)."""
    empty = gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in spec.columns}, geometry=[], crs="EPSG:4326")
    return validate_layer(empty, spec, source=spec.name)


def validate_layer(gdf: gpd.GeoDataFrame, spec: LayerSpec, *, source: str) -> gpd.GeoDataFrame:
    """Return ``gdf`` normalised to the spec, or raise ``DataValidationError`` listing every problem."""
    if gdf.crs is None or not gdf.crs.equals("EPSG:4326"):
        found = "none" if gdf.crs is None else gdf.crs.to_string()
        raise DataValidationError([_("%(source)s: CRS must be EPSG:4326 (lon/lat), found %(found)s", source=source,
                                     found=found)])
    if spec.defaults:  # columns newer than the file or store, and empty cells: the default
        gdf = gdf.assign(**{c: gdf[c].where(~_blank(gdf[c]), v) if c in gdf.columns else v
                            for c, v in spec.defaults.items()})
    missing = [c for c in spec.columns if c not in gdf.columns]
    if missing:
        raise DataValidationError([_("%(source)s: missing column(s) %(columns)s", source=source,
                                     columns=", ".join(missing))])
    gdf = gdf.reset_index(drop=True)
    problems = _Problems(source, _labels(gdf))
    as_of = _check_common(gdf, spec, problems)
    _check_extra(gdf, spec, problems)
    _check_geometry(gdf, spec, problems)
    if problems.found:
        raise DataValidationError(problems.found)
    gdf["as_of"] = as_of
    gdf["notes"] = gdf["notes"].fillna("")
    return gdf[[*spec.columns, *_passthrough(gdf, spec), "geometry"]]


class _Problems:
    """Problems found in a layer, each naming the file (or store) and the feature."""

    def __init__(self, source: str, labels: np.ndarray):
        self.source, self.labels = source, labels
        self.found: list[str] = []

    def flag(self, mask: np.ndarray | pd.Series, problem: str) -> None:
        for label in self.labels[np.asarray(mask, dtype=bool)]:
            self.found.append(_("%(source)s: feature %(feature)s: %(problem)s", source=self.source, feature=label,
                                problem=problem))


def _check_common(gdf: gpd.GeoDataFrame, spec: LayerSpec, problems: _Problems) -> pd.Series:
    """The common columns (id, name, source, status, confidence, dates); the parsed ``as_of``."""
    flag = problems.flag
    ids = gdf["id"]
    flag(_blank(ids), _("id is empty"))
    flag(ids.duplicated(keep="first") & ~_blank(ids), _("duplicate id"))
    for column in ("name", "source"):
        flag(_blank(gdf[column]), _("%(column)s is empty", column=column))
    flag(~gdf["status"].isin(spec.statuses), _("status must be one of %(choices)s", choices=", ".join(spec.statuses)))
    flag(~gdf["confidence"].isin(CONFIDENCE), _("confidence must be one of %(choices)s", choices=", ".join(CONFIDENCE)))
    as_of, bad_dates = _iso_dates(gdf["as_of"])
    flag(bad_dates, _("as_of must be an ISO date (YYYY-MM-DD)"))
    for column in ("valid_from", "valid_to"):
        if column in gdf.columns:
            parsed, bad = _iso_dates(gdf[column], allow_empty=True)
            flag(bad, _("%(column)s must be an ISO date (YYYY-MM-DD) or empty", column=column))
            gdf[column] = parsed
    return as_of


def _check_extra(gdf: gpd.GeoDataFrame, spec: LayerSpec, problems: _Problems) -> None:
    """Each layer's own columns by kind (whole numbers, dates, vocabularies, flags), normalised in place."""
    flag = problems.flag
    for column, kind in spec.extra_columns.items():
        values = gdf[column]
        empty = _blank(values)
        if column not in spec.optional_columns:
            flag(empty, _("%(column)s is empty", column=column))
        if kind in ("int", "float"):
            _check_number(gdf, spec, column, empty, flag)
        elif kind == "date":
            parsed, bad = _iso_dates(values, allow_empty=True)
            flag(bad, _("%(column)s must be an ISO date (YYYY-MM-DD)", column=column))
            gdf[column] = parsed
        elif kind == "schedule":
            _check_schedules(gdf, column, empty, problems)
        elif spec.vocabulary(column) is not None:
            allowed = spec.vocabulary(column) or ()
            flag(~empty & ~values.isin(allowed), _("%(column)s must be one of %(choices)s", column=column,
                                                   choices=", ".join(allowed)))
        elif kind == "bool":
            ok = values.map(lambda v: isinstance(v, (bool, np.bool_)) or v in (0, 1))
            flag(~ok & ~empty, _("%(column)s must be true or false", column=column))
            if ok.all():
                gdf[column] = values.astype(bool)


def _check_number(gdf: gpd.GeoDataFrame, spec: LayerSpec, column: str, empty: pd.Series, flag) -> None:
    """Whole numbers (``int``, within the spec's range) or non-negative finite numbers (``float``)."""
    numbers = pd.to_numeric(gdf[column], errors="coerce")
    if spec.extra_columns[column] == "int":
        low, high = spec.int_ranges.get(column, (0, MAX_COUNT))
        bad = ~empty & (numbers.isna() | (numbers < low) | (numbers > high) | (numbers % 1 != 0))
        flag(bad, _("%(column)s must be a whole number from %(low)s to %(high)s", column=column, low=low,
                    high=f"{high:,}"))
        if not bad.any() and not empty.any():
            gdf[column] = numbers.astype("int64")
        return
    bad = ~empty & (numbers.isna() | ~np.isfinite(numbers.fillna(0)) | (numbers < 0) | (numbers > MAX_COUNT))
    flag(bad, _("%(column)s must be a number from 0 to %(high)s", column=column, high=f"{MAX_COUNT:,}"))
    if not bad.any():
        gdf[column] = numbers.astype("float64")


def _check_schedules(gdf: gpd.GeoDataFrame, column: str, empty: pd.Series, problems: _Problems) -> None:
    """Schedules in the grammar of ``geoapp.schedule``, written back in their canonical spelling."""
    written = []
    for label, value, blank in zip(problems.labels, gdf[column], empty, strict=True):
        try:
            written.append(None if blank else parse_schedule(value).text)
        except ValueError as exc:
            problems.found.append(_("%(source)s: feature %(label)s: %(problem)s", source=problems.source, label=label,
                                    problem=exc))
            written.append(value)
    gdf[column] = pd.Series(written, index=gdf.index, dtype=object)


def _check_geometry(gdf: gpd.GeoDataFrame, spec: LayerSpec, problems: _Problems) -> None:
    """Present, of the layer's types, on Haiti's land or waters, and valid."""
    flag = problems.flag
    geoms = gdf.geometry.values
    null = gdf.geometry.isna().to_numpy() | shapely.is_empty(geoms)
    flag(null, _("geometry is missing or empty"))
    types = shapely.get_type_id(geoms)
    allowed = [shapely.GeometryType[t.upper()].value for t in spec.geometry_types]
    flag(~null & ~np.isin(types, allowed), _("geometry must be %(types)s", types=" or ".join(spec.geometry_types)))
    outside = ~null & ~extent.geometries_inside(geoms)
    flag(outside, _("geometry lies outside Haiti (%(extent)s)", extent=extent.describe()))
    checkable = ~null & ~outside  # validity only where coordinates are sane (huge values overflow GEOS)
    invalid = np.zeros(len(geoms), dtype=bool)
    invalid[checkable] = ~shapely.is_valid(geoms[checkable])
    for label, reason in zip(problems.labels[invalid], shapely.is_valid_reason(geoms[invalid]), strict=True):
        problems.found.append(_("%(source)s: feature %(feature)s: invalid geometry (%(reason)s)",
                                source=problems.source, feature=label, reason=reason))


def _labels(gdf: gpd.GeoDataFrame) -> np.ndarray:
    ids = gdf["id"].astype("string").fillna("")
    return np.array([f"{i!r}" if i.strip() else f"#{n + 1}" for n, i in enumerate(ids)], dtype=object)


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | values.astype("string").str.strip().eq("").fillna(True)


def _iso_dates(values: pd.Series, *, allow_empty: bool = False) -> tuple[pd.Series, pd.Series]:
    """ISO date strings (YYYY-MM-DD) and a mask of the values that are not one."""
    def parse(value: object) -> str | None:
        if isinstance(value, (dt.date, pd.Timestamp)):  # readers may type date fields already
            return None if pd.isna(value) else value.strftime("%Y-%m-%d")
        text = str(value).strip()
        try:
            return dt.date.fromisoformat(text).isoformat() if len(text) == 10 else None
        except ValueError:
            return None

    empty = _blank(values)
    parsed = values.map(parse)
    bad = parsed.isna() & ~(empty & allow_empty)
    return parsed.where(~empty, None), bad


def _passthrough(gdf: gpd.GeoDataFrame, spec: LayerSpec) -> list[str]:
    """Optional time-validity columns are kept; other unknown columns are kept too, for real feeds."""
    return [c for c in gdf.columns if c not in spec.columns and c != "geometry"]


def parse_area(obj: object, *, field: str, max_vertices: int, max_area_km2: float, metric_crs: str):
    """A GeoJSON Polygon/MultiPolygon (bare, Feature or FeatureCollection) as one checked shapely geometry.

    Refuses, with a message naming ``field``: other types, malformed coordinates, invalid or
    self-intersecting rings, too many vertices, anything outside Haiti, and areas above the cap.
    """
    geometries = _area_members(obj, field)
    for g in geometries:
        check_coordinates(g.get("coordinates"), field)
    try:
        shapes = [shapely.geometry.shape(g) for g in geometries]
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, shapely.errors.GEOSException):
        raise BadRequest(_("%(field)s has malformed coordinates: rings must be closed lists of [lon, lat] numbers",
                           field=field),
                         field=field) from None
    geom = shapely.union_all(shapes) if len(shapes) > 1 else shapes[0]
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise BadRequest(_("%(field)s must be a non-empty Polygon or MultiPolygon", field=field), field=field)
    coords = shapely.get_coordinates(geom)
    if len(coords) > max_vertices:
        raise BadRequest(_("%(field)s has %(count)s vertices; at most %(max_vertices)s",
                           field=field, count=len(coords), max_vertices=max_vertices), field=field)
    if not np.isfinite(coords).all():
        raise BadRequest(_("%(field)s has coordinates that are not finite numbers", field=field), field=field)
    if not extent.geometries_inside(np.array([geom], dtype=object))[0]:
        raise BadRequest(_("%(field)s reaches outside Haiti (%(extent)s)",
                           field=field, extent=extent.describe()), field=field)
    invalid = [s for s in shapes if not s.is_valid]
    if invalid:
        raise BadRequest(_("%(field)s is not a valid polygon (%(shapely)s)",
                           field=field, shapely=shapely.is_valid_reason(invalid[0])), field=field)
    area_km2 = gpd.GeoSeries([geom], crs="EPSG:4326").to_crs(metric_crs).area.iloc[0] / 1e6
    if area_km2 > max_area_km2:
        raise BadRequest(_("%(field)s covers %(area_km2)s km2; at most %(max_area_km2)s km2",
                           field=field, area_km2=f"{area_km2:.0f}", max_area_km2=f"{max_area_km2:.0f}"), field=field)
    return geom


def check_coordinates(coordinates: object, field: str, *, max_depth: int = 4) -> None:
    """GeoJSON coordinates are nested lists of finite numbers, at most ``max_depth`` deep: else a 400.

    Checked before shapely sees them, so NaN, infinities, strings or absurd nesting never reach it.
    """
    stack = [(coordinates, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, bool) or not isinstance(value, (list, tuple)):
            raise BadRequest(_("%(field)s has malformed coordinates: positions must be arrays of numbers",
                               field=field), field=field)
        if depth > max_depth:
            raise BadRequest(_("%(field)s has malformed coordinates: nested too deeply", field=field), field=field)
        if value and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            if not all(_finite(v) for v in value):
                raise BadRequest(_("%(field)s has coordinates that are not finite numbers", field=field), field=field)
            continue
        stack.extend((v, depth + 1) for v in value)


def _area_members(obj: object, field: str) -> list[dict]:
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise BadRequest(_("%(field)s must be a GeoJSON object with a type", field=field), field=field)
    kind = obj["type"]
    if kind == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list) or not features or len(features) > 100:
            raise BadRequest(_("%(field)s must hold 1 to 100 features", field=field), field=field)
        return [g for f in features for g in _area_members(f, field)]
    if kind == "Feature":
        return _area_members(obj.get("geometry"), field)
    if kind not in ("Polygon", "MultiPolygon"):
        raise BadRequest(_("%(field)s must be a Polygon or MultiPolygon, not %(kind)s",
                           field=field, kind=f"{kind[:40]!r}"), field=field)
    if not isinstance(obj.get("coordinates"), (list, tuple)):
        raise BadRequest(_("%(field)s needs a coordinates array", field=field), field=field)
    return [obj]


def _finite(number: int | float) -> bool:
    """A finite number that fits a float (a JSON integer may be too large for one)."""
    try:
        return math.isfinite(number)
    except OverflowError:
        return False
