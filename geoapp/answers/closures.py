"""What-if closures as the router sees them: the edges a scenario closes, and edge costs and figures under it."""

from __future__ import annotations

import dataclasses

import numpy as np
import shapely

from ..data.dataset import Dataset
from ..errors import BadRequest
from ..i18n.translate import _
from ..network.access import edge_figures
from ..network.routing import Router
from ..safety import CONTROLLED_TOLERANCE_M
from ..settings import Settings
from .route import check_in_haiti

#: A point closure joins the nearest road edge within this distance (metres), else a 400.
CLOSE_POINT_MAX_M = 200.0


@dataclasses.dataclass(frozen=True)
class Scenario:
    """Hypothetical changes (never stored): closures, and areas treated as controlled.

    Closures are ``closed``: impassable in every mode.  They are whole roads by id, the road edge
    nearest each point, or every edge meeting an area.
    """

    closed_road_ids: tuple[str, ...] = ()
    close_points: tuple[tuple[float, float], ...] = ()  # lon/lat
    close_areas: tuple = ()  # shapely polygons, lon/lat
    controlled_areas: tuple = ()  # shapely polygons, lon/lat
    suspend_connections: tuple[str, ...] = ()  # connection ids: not run (with modes sea or air)
    close_ports: tuple[str, ...] = ()  # port ids: their legs not run

    @property
    def empty(self) -> bool:
        return not (self.closed_road_ids or self.close_points or self.close_areas or self.controlled_areas
                    or self.suspend_connections or self.close_ports)


def closed_edges(data: Dataset, scenario: Scenario) -> tuple[np.ndarray, list[dict]]:
    """Which road-graph edges the scenario closes, and where each closure point joined a road.

    A point farther than ``CLOSE_POINT_MAX_M`` from every road is a 400 naming it.
    """
    net = data.router.network
    closed = np.isin(net.road_ids[net.edge_road], list(scenario.closed_road_ids))
    points: list[dict] = []
    if scenario.close_points:
        lonlat = np.asarray(scenario.close_points, dtype=float)
        for k, (lon, lat) in enumerate(lonlat):
            check_in_haiti((float(lon), float(lat)), f"close_points[{k}]")
        x, y = data.to_metric.transform(lonlat[:, 0], lonlat[:, 1])
        metric = np.asarray(shapely.points(np.column_stack([x, y])))
        (which, found), distance = net.tree.query_nearest(metric, max_distance=CLOSE_POINT_MAX_M,
                                                          return_distance=True, all_matches=False)
        edge = np.full(len(metric), -1)
        dist = np.full(len(metric), np.inf)
        edge[which], dist[which] = found, distance
        missing = np.flatnonzero(edge < 0)
        if len(missing):
            k = int(missing[0])
            raise BadRequest(_("%(field)s (%(lon)s,%(lat)s) is more than %(metres)s m from any mapped road; put it "
                               "on the road to close", field=f"close_points[{k}]", lon=f"{lonlat[k, 0]:.5f}",
                               lat=f"{lonlat[k, 1]:.5f}", metres=f"{CLOSE_POINT_MAX_M:.0f}"),
                             field=f"close_points[{k}]")
        closed[edge] = True
        at = shapely.line_interpolate_point(net.edge_geoms[edge],
                                            shapely.line_locate_point(net.edge_geoms[edge], metric))
        lon, lat = data.to_lonlat.transform(*shapely.get_coordinates(at).T)
        snapped = np.round(np.column_stack([lon, lat]), 5)
        road = net.road_ids[net.edge_road[edge]]
        points = [{"requested": [float(a), float(b)], "snapped": [float(c), float(d)], "road_id": r,
                   "distance_m": round(float(m), 1)}
                  for (a, b), (c, d), r, m in zip(lonlat, snapped, road, dist, strict=True)]
    if scenario.close_areas:
        union = shapely.union_all(shapely.transform(np.array(scenario.close_areas, dtype=object), to_metric(data)))
        closed[net.tree.query(union, predicate="intersects")] = True
    return closed, points


def scenario_costs(data: Dataset, router: Router, settings: Settings, scenario: Scenario, closed: np.ndarray):
    """Edge costs, figures and statuses under the scenario: the same risk model on edited inputs.

    Costs are the router's own mechanism (``Router.risk_costs``) on the edited statuses and zones.
    """
    edges = router.graph.edges
    status = router.edge_status.copy()
    status[closed] = "closed"
    inside = dict(router.exposure.inside_by_status)
    near = router.exposure.near_controlled_m.copy()
    if scenario.controlled_areas:
        areas = shapely.transform(np.array(scenario.controlled_areas, dtype=object), to_metric(data))
        union = shapely.union_all(areas)
        net = router.network
        hit = np.unique(net.tree.query(union, predicate="intersects"))
        extra = np.zeros(len(edges))
        extra[hit] = shapely.length(shapely.intersection(net.edge_geoms[hit], union))
        inside["controlled"] = inside["controlled"] + extra
        halo = shapely.buffer(union, settings.near_buffer_m)
        around = np.unique(net.tree.query(halo, predicate="intersects"))
        extra_near = np.zeros(len(edges))
        extra_near[around] = shapely.length(shapely.intersection(net.edge_geoms[around], halo))
        near = np.maximum(near, extra_near - extra)
    costs = router.risk_costs(status, inside, near)
    affected = int(np.count_nonzero(closed | (inside["controlled"] > CONTROLLED_TOLERANCE_M)
                                    & ~(router.exposure.inside_by_status["controlled"] > CONTROLLED_TOLERANCE_M)))
    return costs, edge_figures(router, status, inside, near, router.incident_caution), status, affected


def to_metric(data: Dataset):
    """lon/lat arrays to the metric CRS, for ``shapely.transform``."""
    def transform(xy: np.ndarray) -> np.ndarray:
        x, y = data.to_metric.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return transform
