"""Feature queries on one layer: bbox, datetime, property equality, sort and paging (pure, no Flask).

A feature's time is ``valid_from``..``valid_to`` when it has them (an empty ``valid_to`` is still
valid), and otherwise the day of its ``as_of``.  A query time, an instant or an interval with open
ends, matches the features whose time overlaps it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import BadRequest
from ..i18n.translate import _
from ..layers import CONFIDENCE, LayerSpec
from ..schedule import GRAMMAR

DAY = pd.Timedelta(days=1)
JSON_TYPES = {"int": "integer", "bool": "boolean", "float": "number"}
PLACE_TITLES = {"adm1_pcode": "Department p-code (COD-AB)", "adm1_name": "Department",
                "adm2_pcode": "Commune p-code (COD-AB)", "adm2_name": "Commune"}
DERIVED_TITLES = {"road_id": "Id of the nearest road (derived)",
                  "road_distance_m": "Metres to the nearest road (derived)"}


@dataclasses.dataclass(frozen=True)
class Query:
    """What a caller asked of a layer (already parsed)."""

    bbox: tuple[float, float, float, float] | None = None
    datetime: tuple[pd.Timestamp | None, pd.Timestamp | None] | None = None
    equals: tuple[tuple[str, str], ...] = ()
    sortby: tuple[tuple[str, bool], ...] = ()  # (property, ascending)
    offset: int = 0
    limit: int | None = None


def queryables(spec: LayerSpec) -> dict[str, dict]:
    """JSON-schema of the properties callers may filter on with ``name=value``."""
    props: dict[str, dict] = {
        "id": {"type": "string", "title": "Stable feature id"},
        "name": {"type": "string", "title": "Name"},
        "status": {"type": "string", "enum": list(spec.statuses), "title": "Status"},
        "as_of": {"type": "string", "format": "date", "title": "Date the information describes"},
        "confidence": {"type": "string", "enum": list(CONFIDENCE), "title": "Confidence"},
    }
    for column, kind in spec.extra_columns.items():
        props[column] = {"type": JSON_TYPES.get(kind, "string"), "title": column}
        if spec.vocabulary(column) is not None:
            props[column]["enum"] = list(spec.vocabulary(column) or ())
        if kind == "schedule":
            props[column]["description"] = f"When the leg departs: {GRAMMAR}"
    for column in spec.served_columns[len(spec.columns):]:
        kind = spec.derived.get(column, "str")
        title = PLACE_TITLES.get(column) or DERIVED_TITLES.get(column, column)
        props[column] = {"type": JSON_TYPES.get(kind, "string"), "title": title}
    return props


def parse_datetime(value: str, field: str = "datetime") -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """RFC 3339 instant, ``start/end`` interval, ``../end`` or ``start/..`` (open ends)."""
    parts = value.split("/")
    if len(parts) > 2:
        raise BadRequest(_("%(field)s must be an instant or an interval start/end", field=field), field=field)
    if len(parts) == 1:
        start, end = _instant(parts[0], field)
        return start, end
    start = None if parts[0] in ("", "..") else _instant(parts[0], field)[0]
    end = None if parts[1] in ("", "..") else _instant(parts[1], field)[1]
    if start is None and end is None:
        raise BadRequest(_("%(field)s interval must have at least one end", field=field), field=field)
    if start is not None and end is not None and start > end:
        raise BadRequest(_("%(field)s interval starts after it ends", field=field), field=field)
    return start, end


def _instant(text: str, field: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The span an instant covers: a whole day for a date, the moment itself for a date-time."""
    text = text.strip()
    try:
        if len(text) == 10:
            day = pd.Timestamp(dt.date.fromisoformat(text))
            return day, day + DAY - pd.Timedelta(microseconds=1)
        moment = pd.Timestamp(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise BadRequest(_("%(field)s must be RFC 3339 dates or date-times (e.g. 2025-03-31 or 2025-03-31T12:00:00Z), "
                           "with .. for an open end", field=field), field=field) from None
    moment = moment.tz_convert("UTC").tz_localize(None) if moment.tzinfo else moment
    return moment, moment


def run_query(frame: gpd.GeoDataFrame, tree: shapely.STRtree, spec: LayerSpec, query: Query
              ) -> tuple[int, gpd.GeoDataFrame]:
    """The number of features matching ``query`` and the requested page of them, in order."""
    keep = np.ones(len(frame), dtype=bool)
    if query.bbox is not None:
        hits = tree.query(shapely.box(*query.bbox), predicate="intersects")
        mask = np.zeros(len(frame), dtype=bool)
        mask[hits] = True
        keep &= mask
    if query.datetime is not None:
        keep &= overlaps(frame, *query.datetime)
    props = queryables(spec)
    for column, value in query.equals:
        keep &= _equals(frame[column], value, props[column]["type"])
    matched = frame[keep]
    if query.sortby:
        matched = matched.sort_values([c for c, _ in query.sortby], ascending=[a for _, a in query.sortby],
                                      kind="stable")
    stop = None if query.limit is None else query.offset + query.limit
    return len(matched), matched.iloc[query.offset:stop]


def overlaps(frame: gpd.GeoDataFrame, start: pd.Timestamp | None, end: pd.Timestamp | None) -> np.ndarray:
    """Which features' time (see the module docstring) meets the span ``start``..``end``."""
    as_of = pd.to_datetime(frame["as_of"])
    begin = pd.to_datetime(frame["valid_from"]).fillna(as_of) if "valid_from" in frame else as_of
    if "valid_to" in frame:
        has_range = frame["valid_from"].notna() if "valid_from" in frame else False
        finish = pd.to_datetime(frame["valid_to"])
        finish = finish.where(finish.notna() | ~has_range, pd.Timestamp.max - DAY)
        finish = finish.fillna(as_of)
    else:
        finish = as_of
    finish = finish + DAY - pd.Timedelta(microseconds=1)  # dates cover their whole day
    ok = np.ones(len(frame), dtype=bool)
    if start is not None:
        ok &= (finish >= start).to_numpy()
    if end is not None:
        ok &= (begin <= end).to_numpy()
    return ok


def _equals(values: pd.Series, wanted: str, kind: str) -> np.ndarray:
    if kind in ("integer", "number"):
        return (pd.to_numeric(values, errors="coerce") == float(wanted)).to_numpy()
    if kind == "boolean":
        return (values.astype(bool) == (wanted.lower() == "true")).to_numpy()
    return (values.astype("string") == wanted).fillna(False).to_numpy(dtype=bool)


def known_on(frame: gpd.GeoDataFrame, day: dt.date) -> gpd.GeoDataFrame:
    """The features a planner would have seen on ``day``: reported by then and not yet expired."""
    moment = pd.Timestamp(day)
    keep = pd.to_datetime(frame["as_of"]) <= moment
    if "valid_from" in frame:
        keep &= pd.to_datetime(frame["valid_from"]).fillna(pd.Timestamp.min) <= moment
    if "valid_to" in frame:
        keep &= pd.to_datetime(frame["valid_to"]).fillna(pd.Timestamp.max) >= moment
    return frame[keep.to_numpy()]


def recent_incidents(frame: gpd.GeoDataFrame, end: dt.date, days: int) -> gpd.GeoDataFrame:
    """Incidents of the ``days`` days up to and including ``end``: what weighs on routes now."""
    dates = pd.to_datetime(frame["event_date"])
    keep = (dates <= pd.Timestamp(end)) & (dates > pd.Timestamp(end - dt.timedelta(days=days)))
    return frame[keep.to_numpy()]
