"""Checks across layers: connections join existing ports of a fitting kind, checkpoints lie on a road.

A layer file is checked alone by ``validate``; what depends on another layer is checked here, on a
whole set of layers (a data folder, a store) and on each edit or import against the data loaded.
Checkpoints are also snapped here to the nearest road (vectorised, one spatial index), which the
loaded data keeps as ``road_id`` and ``road_distance_m``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import DataValidationError
from .i18n.translate import _
from .layers import CHECKPOINT_ROAD_TOLERANCE_M, MODE_PORT_KINDS, PORT_END_TOLERANCE_M

__all__ = ["LinkProblem", "check_links", "edit_problems", "involved", "link_problems", "new_problems", "snap_to_roads",
           "with_road_snaps"]
#: The layers whose features refer to, or must lie on, features of another layer.
LINKED = {"connections": ("ports",), "checkpoints": ("roads",)}


@dataclasses.dataclass(frozen=True)
class LinkProblem:
    """One feature that does not fit the layer it depends on; ``field`` is the property (or geometry) at fault."""

    layer: str
    feature_id: str
    field: str
    message: str

    def __str__(self) -> str:
        return _("%(layer)s: feature %(feature)s: %(problem)s", layer=self.layer, feature=repr(self.feature_id),
                 problem=self.message)


def snap_to_roads(points: gpd.GeoSeries, roads: gpd.GeoDataFrame, *, metric_crs: str
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The id of the nearest road to each point and the distance to it in metres (None and NaN without roads)."""
    n = len(points)
    ids = np.full(n, None, dtype=object)
    distances = np.full(n, np.nan)
    if n == 0 or roads is None or not len(roads):
        return ids, distances
    lines = np.asarray(roads.geometry.to_crs(metric_crs).values)
    tree = shapely.STRtree(lines)
    metric = np.asarray(gpd.GeoSeries(points.values, crs=points.crs).to_crs(metric_crs).values)
    present = ~(pd.isna(metric) | shapely.is_empty(metric))
    (where, nearest), found = tree.query_nearest(metric[present], return_distance=True, all_matches=False)
    rows = np.flatnonzero(present)[where]
    ids[rows] = roads["id"].to_numpy(dtype=object)[nearest]
    distances[rows] = found
    return ids, distances


def with_road_snaps(checkpoints: gpd.GeoDataFrame, roads: gpd.GeoDataFrame, *, metric_crs: str
                    ) -> gpd.GeoDataFrame:
    """Checkpoints with the nearest road's ``road_id`` and ``road_distance_m`` (whole metres; None without roads)."""
    ids, distances = snap_to_roads(checkpoints.geometry, roads, metric_crs=metric_crs)
    metres = np.array([None if np.isnan(d) else int(round(d)) for d in distances], dtype=object)
    return checkpoints.assign(road_id=ids, road_distance_m=metres)


def link_problems(layers: Mapping[str, gpd.GeoDataFrame], *, metric_crs: str,
                  only: Mapping[str, Iterable[str]] | None = None) -> list[LinkProblem]:
    """Every connection and checkpoint that does not fit the ports and roads given (``only``: these ids)."""
    problems: list[LinkProblem] = []
    connections = _subset(layers.get("connections"), only, "connections")
    if connections is not None and len(connections):
        problems += _connection_problems(connections, layers.get("ports"), metric_crs)
    checkpoints = _subset(layers.get("checkpoints"), only, "checkpoints")
    if checkpoints is not None and len(checkpoints):
        problems += _checkpoint_problems(checkpoints, layers.get("roads"), metric_crs)
    return problems


def check_links(layers: Mapping[str, gpd.GeoDataFrame], *, metric_crs: str) -> None:
    """Raise ``DataValidationError`` listing every cross-layer problem of a set of layers."""
    problems = link_problems(layers, metric_crs=metric_crs)
    if problems:
        raise DataValidationError([str(p) for p in problems])


def new_problems(before: Mapping[str, gpd.GeoDataFrame], after: Mapping[str, gpd.GeoDataFrame], *,
                 changed: str, metric_crs: str, ids: Iterable[str] = ()) -> list[LinkProblem]:
    """The problems a change of layer ``changed`` (features ``ids``; empty: the whole layer) brings in.

    A connection or checkpoint changed is checked itself; a change of ports or roads re-checks the
    features that depend on them, and only problems that were not there before count (an edit is
    not refused for a problem elsewhere that it did not cause).
    """
    ids = set(ids)
    if changed in LINKED:
        return link_problems(after, metric_crs=metric_crs, only={changed: ids} if ids else None)
    dependants = [name for name, needs in LINKED.items() if changed in needs]
    if not dependants:
        return []
    only: dict[str, Iterable[str]] | None = None
    if changed == "ports" and ids:
        frame = after.get("connections")
        old = before.get("connections")
        refs = set()
        for table in (frame, old):
            if table is not None and len(table):
                uses = table["from_port"].isin(ids) | table["to_port"].isin(ids)
                refs |= set(table.loc[uses, "id"])
        only = {"connections": refs, "checkpoints": ()}
    elif changed == "roads":
        only = {"connections": (), "checkpoints": set(after["checkpoints"]["id"]) if "checkpoints" in after else ()}
    seen = {str(p) for p in link_problems(before, metric_crs=metric_crs, only=only)}
    return [p for p in link_problems(after, metric_crs=metric_crs, only=only) if str(p) not in seen]


def involved(layer: str) -> bool:
    """Whether features of ``layer`` depend on, or are depended on by, another layer's."""
    return layer in LINKED or any(layer in needs for needs in LINKED.values())


def edit_problems(layers: Mapping[str, gpd.GeoDataFrame], layer: str, feature_id: str,
                  frame: gpd.GeoDataFrame | None, *, metric_crs: str) -> list[LinkProblem]:
    """What replacing feature ``feature_id`` of ``layer`` by ``frame`` (None: deleting it) breaks across layers."""
    if not involved(layer):
        return []
    current = layers[layer]
    kept = current[current["id"] != feature_id]
    rows = kept if frame is None else pd.concat([kept, frame.to_crs(current.crs)], ignore_index=True)
    after = {**layers, layer: gpd.GeoDataFrame(rows, geometry="geometry", crs=current.crs)}
    return new_problems(layers, after, changed=layer, metric_crs=metric_crs, ids=[feature_id])


def _subset(frame: gpd.GeoDataFrame | None, only: Mapping[str, Iterable[str]] | None, name: str):
    if frame is None or only is None:
        return frame
    if name not in only:
        return frame
    return frame[frame["id"].isin(set(only[name]))]


def _connection_problems(connections: gpd.GeoDataFrame, ports: gpd.GeoDataFrame | None,
                         metric_crs: str) -> list[LinkProblem]:
    ports = ports if ports is not None else gpd.GeoDataFrame({"id": [], "kind": []}, geometry=[], crs="EPSG:4326")
    kinds = dict(zip(ports["id"], ports["kind"], strict=True))
    places = dict(zip(ports["id"], ports.geometry.to_crs(metric_crs).values, strict=True))
    lines = connections.geometry.to_crs(metric_crs).values
    problems = []
    for row, line in zip(connections.itertuples(index=False), lines, strict=True):
        def flag(field: str, message: str, fid: str = str(row.id)) -> None:
            problems.append(LinkProblem("connections", fid, field, message))

        if row.from_port == row.to_port:
            flag("to_port", _("from_port and to_port are the same port (%(port)s)", port=repr(row.from_port)))
        allowed = MODE_PORT_KINDS.get(row.mode, ())
        ends = (None, None) if line is None or line.is_empty else (shapely.Point(line.coords[0]),
                                                                  shapely.Point(line.coords[-1]))
        for field, port, end in (("from_port", row.from_port, ends[0]), ("to_port", row.to_port, ends[1])):
            if port not in kinds:
                flag(field, _("%(field)s %(port)s is not the id of a feature of the ports layer", field=field,
                              port=repr(str(port)[:80])))
                continue
            if allowed and kinds[port] not in allowed:
                flag(field, _("a %(mode)s connection joins %(kinds)s; %(field)s %(port)s is a %(kind)s",
                              mode=row.mode, kinds=_(" or ").join(_plural(k) for k in allowed), field=field,
                              port=repr(port), kind=kinds[port]))
            if end is not None:
                gap = end.distance(places[port])
                if gap > PORT_END_TOLERANCE_M:
                    sentence = (_("the line starts %(gap)s km from %(port)s (its %(field)s); it must start within "
                                  "%(most)s km of it") if field == "from_port" else
                                _("the line ends %(gap)s km from %(port)s (its %(field)s); it must end within "
                                  "%(most)s km of it"))
                    flag("geometry", sentence % {"gap": f"{gap / 1000:.1f}", "port": repr(port), "field": field,
                                                 "most": f"{PORT_END_TOLERANCE_M / 1000:g}"})
    return problems


def _checkpoint_problems(checkpoints: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | None,
                         metric_crs: str) -> list[LinkProblem]:
    ids, distances = snap_to_roads(checkpoints.geometry, roads if roads is not None else gpd.GeoDataFrame(),
                                   metric_crs=metric_crs)
    problems = []
    for fid, road, gap in zip(checkpoints["id"], ids, distances, strict=True):
        if road is None:
            problems.append(LinkProblem("checkpoints", str(fid), "geometry",
                                        _("there is no road to place the checkpoint on")))
        elif gap > CHECKPOINT_ROAD_TOLERANCE_M:
            problems.append(LinkProblem(
                "checkpoints", str(fid), "geometry",
                _("the checkpoint lies %(distance)s from the nearest road (%(road)s); a checkpoint must be "
                  "within %(most)s m of a road", distance=_distance(gap), road=repr(road),
                  most=CHECKPOINT_ROAD_TOLERANCE_M)))
    return problems


def _plural(kind: str) -> str:
    return kind.replace("_", " ") + "s"


def _distance(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"
