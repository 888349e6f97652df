"""The point check: what surrounds one position, said without reassuring falsely.

Zones alone are not enough: a point 24 m from a road marked ``dangerous`` is not "clear", nor is a
place where people were killed three days ago.  So the answer weighs the roads around the point,
recent incidents exactly as route risk weighs them (same weights, half-life and reach by
``geo_precision``), says when the point is at sea, and gives the nearest operational port and open
displacement site by road (the router's own search), with the straight-line distance labelled as such.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import shapely
from shapely import ops
from shapely.geometry.base import BaseGeometry

from .. import extent
from ..data.dataset import Dataset, PointIndex
from ..errors import BadRequest
from ..i18n.translate import N_, _
from ..io.geojson import plain
from ..layers import event_type_label, status_label
from ..network.access import access_by_mode
from ..network.exposure import incident_facts, incident_reach
from ..network.routing import Route, Router, Snap
from ..safety import route_verdict
from ..settings import Settings
from .constraints import access_figures_for, constraints_info, route_checkpoints, router_for
from .route import (
    LonLat,
    _zone,
    absence_warnings,
    check_in_haiti,
    feature_stale_warnings,
    pocket_warnings,
    where_is,
)

DEFAULT_RADIUS_M = 500.0
MAX_RADIUS_M = 5000.0
#: roads and incidents listed with a point at most (the counts always cover all of them)
LISTED = 20
#: an incident is listed when it weighs at least this much at the point (as routes list them)
LISTED_INCIDENT_WEIGHT = Router.LISTED_INCIDENT_WEIGHT
ASSESSMENTS = ("inside_controlled", "inside_contested", "inside_influence", "near_controlled", "caution",
               "at_sea", "clear")


def point_lookup(data: Dataset, settings: Settings, at: LonLat, *, radius_m: float = DEFAULT_RADIUS_M,
                 exact: bool = False, today: dt.date | None = None, vehicle: str | None = None,
                 season: str | None = None) -> dict:
    """Zones, non-open roads and recent incidents around a point, and the nearest port and site by road.

    Without ``exact`` (anonymous callers) a displacement site's position never shows: distances to
    it are rounded to 100 m and the route to it is drawn only up to its public grid cell.
    ``vehicle`` and ``season`` restrict the routes to the nearest port and site as they do routes.
    """
    check_in_haiti(at, "at")
    router = router_for(data, settings, vehicle, season, today)
    if not 0 < radius_m <= MAX_RADIUS_M:
        raise BadRequest(_("radius_m must be more than 0 and at most %(most)s", most=f"{MAX_RADIUS_M:.0f}"),
                         field="radius_m")
    point = data.project(*at)
    place = where_is(data, point, settings.maritime_margin_m)
    sea = _at_sea(at, place)
    inside, near = _zones(data, point, max(settings.near_buffer_m, radius_m))
    roads = _roads_within(data, point, radius_m)
    incidents, risk = _incidents_near(data, point, radius_m)
    caution_risk = data.router.weights.incident_caution
    assessment, concerns = _assess(inside, near, roads, risk, caution_risk=caution_risk,
                                   near_buffer_m=settings.near_buffer_m, at_sea=sea is not None)
    snap = data.router.snap(point)
    reachable = snap.distance_m <= settings.snap_max_m
    port, port_route = _nearest_by_road(data, router, settings, snap, "port", exact=True) if reachable \
        else (None, None)
    site, site_route = _nearest_by_road(data, router, settings, snap, "site", exact=exact) if reachable \
        else (None, None)
    warnings = []
    if not reachable:
        warnings.append(_("The nearest mapped road is %(km)s km away: no distance by road is given.",
                          km=f"{snap.distance_m / 1000:.1f}"))
    elif snap.distance_m > settings.snap_warn_m:
        warnings.append(_("The nearest mapped road is %(km)s km away: distances by road start from it.",
                          km=f"{snap.distance_m / 1000:.1f}"))
    if reachable:
        warnings += pocket_warnings(snap, "point")
    used_roads = [*roads["ids"]] + [rid for r in (port_route, site_route) if r
                                                    for rid in _road_ids(data, r)]
    warnings += feature_stale_warnings(
        data, settings, road_ids=used_roads, zone_ids=[z["id"] for z in inside + near],
        roads_where=N_("within the radius or on the routes to the nearest port and site"),
        zones_where=N_("around the point"), today=today)
    grid = settings.site_grid_m
    routes = [f for f in (_route_feature(data, router, port_route, "to_port", port, exact=True, grid_m=grid),
                          _route_feature(data, router, site_route, "to_site", site, exact=exact, grid_m=grid)) if f]
    return {
        "at": list(at),
        **constraints_info(router),
        **place,
        "at_sea": sea,
        "radius_m": radius_m,
        "assessment": assessment,
        "concerns": concerns,
        "summary": _summary(assessment, inside=inside, near=near, roads=roads["listed"], incidents=incidents,
                            risk=risk, caution_risk=caution_risk, radius_m=radius_m,
                            near_buffer_m=settings.near_buffer_m, sea=sea, place=place),
        "inside": inside,
        "near": near,
        "roads_not_open": roads["listed"],
        "roads_not_open_count": roads["count"],
        "incident_risk": round(risk, 2),
        "incident_caution_risk": caution_risk,
        "incidents": incidents[:LISTED],
        "incident_count": len(incidents),
        "nearest_road": _nearest(data.roads, point, ("id", "name", "ref", "status")),
        "nearest_operational_port": {
            "by_road": _strip(port),
            "straight_line": _straight_line(data.operational_ports, point, ("id", "name", "kind", "status")),
        },
        "nearest_open_site": {
            "by_road": _strip(site),
            "straight_line": _straight_line(_site_index(data, settings, exact), point,
                                            ("id", "name", "individuals", "commune"), coarse=not exact),
        },
        "routes": routes,
        "as_of_day": data.today.isoformat(),
        "data_as_of": data.newest_as_of(),
        "layers_as_of": dict(data.as_of),
        "warnings": warnings + absence_warnings(data, settings, data.today, applies=assessment in ("clear", "at_sea")),
    }


# -- where the point is --------------------------------------------------------------------------

def _at_sea(at: LonLat, place: dict) -> dict | None:
    """Off Haiti's land (the outline, and every commune when boundaries are loaded): how far off."""
    commune = place.get("commune")
    if commune is not None and "offshore_m" not in commune:
        return None  # inside a commune: on land, whatever the coarser outline says
    if extent.on_land(*at):
        return None
    offshore = commune["offshore_m"] if commune else round(extent.offshore_m(*at))
    return {"offshore_m": offshore, "nearest_commune": commune["name"] if commune else None}


def _zones(data: Dataset, point: shapely.Point, within_m: float) -> tuple[list[dict], list[dict]]:
    zones = data.zones.frame
    idx = data.zones.tree.query(point, predicate="dwithin", distance=within_m)
    distance = shapely.distance(zones.geometry.values[idx], point)
    order = np.argsort(distance, kind="stable")
    inside, near = [], []
    for i, d in zip(idx[order], distance[order], strict=True):
        entry = _zone(zones, int(i))
        entry["wording"] = zone_wording(entry["status"], entry["group"])
        if d == 0:
            inside.append(entry)
        else:
            near.append({**entry, "distance_m": round(float(d))})
    return inside, near


def zone_wording(status: str, group: str | None) -> str:
    """What a zone of this status is, in words that do not contradict the status."""
    if status == "controlled":
        return _("a zone controlled by %(group)s", group=group) if group else _("a gang-controlled zone")
    if status == "contested":
        return (_("a contested zone, disputed by %(group)s", group=group) if group
                else _("a contested zone, disputed between armed groups"))
    if status == "influence":
        return (_("a zone where %(group)s operates, without holding it", group=group) if group
                else _("a zone where armed groups operate, without holding it"))
    return _("a zone marked %(status)s", status=status)


def _roads_within(data: Dataset, point: shapely.Point, radius_m: float) -> dict:
    """Every road within the radius (ids); those not open, nearest first (blocked first at equal distance)."""
    frame = data.roads.frame
    idx = data.roads.tree.query(point, predicate="dwithin", distance=radius_m)
    distance = shapely.distance(frame.geometry.values[idx], point)
    status = frame["status"].to_numpy(dtype=object)[idx]
    risky = status != "open"
    idx, distance, status = idx[risky], distance[risky], status[risky]
    order = np.lexsort((status, np.round(distance)))
    listed = [
        {"id": frame["id"].iat[i], "name": plain(frame["name"].iat[i]), "status": s,
         "distance_m": round(float(d)), "as_of": str(frame["as_of"].iat[i]),
         "geometry": {"type": "LineString", "coordinates": data.lonlat_coords(frame.geometry.iat[i])}}
        for i, s, d in zip(idx[order][:LISTED], status[order][:LISTED], distance[order][:LISTED], strict=True)
    ]
    every = frame["id"].to_numpy(dtype=object)[data.roads.tree.query(point, predicate="dwithin", distance=radius_m)]
    return {"ids": every, "count": int(risky.sum()), "statuses": set(status.tolist()), "listed": listed}


def _incidents_near(data: Dataset, point: shapely.Point, radius_m: float) -> tuple[list[dict], float]:
    """Incidents weighing on the point as they weigh on a road there, and their summed weight (the risk).

    An incident counts with its weight on the day, falling linearly to 0 at its reach; those within
    the radius are listed too, even when they weigh little.
    """
    ix = data.router.incidents
    frame = ix.incidents
    if not len(frame):
        return [], 0.0
    points = np.asarray(frame.geometry.values)
    distance = shapely.distance(points, point)
    at_point = ix.weight * np.clip(1.0 - distance / incident_reach(frame, data.router.weights), 0.0, None)
    listed = np.flatnonzero((at_point >= LISTED_INCIDENT_WEIGHT) | (distance <= radius_m))
    listed = listed[np.lexsort((distance[listed], -at_point[listed]))]
    lonlat = shapely.get_coordinates(data.lonlat(points[listed])) if len(listed) else np.zeros((0, 2))
    out = [
        {
            **incident_facts(frame, i), "status": frame["status"].iat[i], "distance_m": round(float(distance[i])),
            "weight": round(float(at_point[i]), 2), "position": [round(float(x), 5), round(float(y), 5)],
        }
        for i, (x, y) in zip(listed, lonlat, strict=True)
    ]
    return out, float(at_point.sum())


def _assess(inside, near, roads, risk, *, caution_risk, near_buffer_m, at_sea) -> tuple[str, list[str]]:
    """The assessment (worst zone first), and every concern that keeps the point from being clear."""
    statuses = {z["status"] for z in inside}
    concerns = []
    if any(z["status"] == "controlled" and z["distance_m"] <= near_buffer_m for z in near):
        concerns.append("near_controlled_zone")
    concerns += [f"{s}_road_nearby" for s in ("blocked", "dangerous") if s in roads["statuses"]]
    if risk >= caution_risk:
        concerns.append("recent_incidents")
    if at_sea:
        concerns.append("at_sea")
    for status in ("controlled", "contested", "influence"):
        if status in statuses:
            return f"inside_{status}", concerns
    if "near_controlled_zone" in concerns:
        return "near_controlled", concerns
    if at_sea:
        return "at_sea", concerns
    if concerns:
        return "caution", concerns
    return "clear", concerns


def _summary(assessment, *, inside, near, roads, incidents, risk, caution_risk, radius_m, near_buffer_m, sea,
             place) -> str:
    out = []
    if sea is not None:
        where = _(" off %(commune)s", commune=sea["nearest_commune"]) if sea["nearest_commune"] else ""
        out.append(_("The point is at sea, %(km)s km%(where)s (outside Haiti's land): there are no roads there to "
                     "judge.", km=f"{sea['offshore_m'] / 1000:.1f}", where=where))
    if inside:
        first = inside[0]
        out.append(_("The point is inside %(zone)s, %(wording)s.", zone=first["name"], wording=first["wording"]))
    controlled = [z for z in near if z["status"] == "controlled" and z["distance_m"] <= near_buffer_m]
    if controlled and not any(z["status"] == "controlled" for z in inside):
        zone = controlled[0]
        out.append(_("It is %(metres)s m from %(zone)s, %(wording)s.", metres=zone["distance_m"], zone=zone["name"],
                     wording=zone["wording"]))
    if roads:
        shown = "; ".join(f"{r['name'] or r['id']} ({status_label('roads', r['status'])}, {r['distance_m']} m)"
                          for r in roads[:4])
        more = _("; and %(more)s more", more=len(roads) - 4) if len(roads) > 4 else ""
        out.append(_("Roads within %(metres)s m marked dangerous or blocked: %(roads)s.", metres=f"{radius_m:.0f}",
                     roads=shown + more))
    heavy = [i for i in incidents if i["weight"] >= LISTED_INCIDENT_WEIGHT]
    if risk >= caution_risk and heavy:
        shown = "; ".join(_incident_phrase(i) for i in heavy[:3])
        out.append(_("Recent incidents weigh on this place (risk %(risk)s; caution from %(caution)s): %(listed)s.",
                     risk=f"{risk:.2f}", caution=f"{caution_risk:g}", listed=shown))
    elif heavy:
        out.append(_("Recent incidents nearby weigh little here (risk %(risk)s, below %(caution)s).",
                     risk=f"{risk:.2f}", caution=f"{caution_risk:g}"))
    if assessment == "clear":
        out.append(_("The point is not inside any mapped gang zone nor within %(near)s m of a controlled one; no "
                     "road within %(metres)s m is marked dangerous or blocked, and no recent incident weighs "
                     "heavily here. This reflects the mapped data only.", near=f"{near_buffer_m:.0f}",
                     metres=f"{radius_m:.0f}"))
    elif assessment == "at_sea" and not out[1:]:
        out.append(_("No mapped zone, dangerous road or heavy recent incident is near."))
    return " ".join(out)


def _incident_phrase(incident: dict) -> str:
    place = _(" at %(place)s", place=incident["location"]) if incident.get("location") else ""
    killed = _(", %(deaths)s killed", deaths=incident["fatalities"]) if incident["fatalities"] else ""
    return _("%(event)s%(place)s on %(date)s (%(metres)s m away%(killed)s)", event=event_type_label(
        incident["event_type"]), place=place, date=incident["event_date"], metres=incident["distance_m"],
        killed=killed)


# -- nearest port and site, by road ---------------------------------------------------------------

def _nearest_by_road(data: Dataset, router: Router, settings: Settings, snap: Snap, kind: str, *, exact: bool
                     ) -> tuple[dict | None, Route | None]:
    """The target reached by the shortest route found in ``avoid`` mode, else in ``least_risk``.

    One search tree per mode from the point (as access answers are made); the chosen route is then
    rebuilt once for its geometry and exposure.
    """
    access = data.access
    frame, snaps = (access.ports, access.port_snaps) if kind == "port" else (access.sites, access.snaps)
    if len(frame) == 0:
        return None, None
    found = access_by_mode(router, router.engines, router.edge_cost, access_figures_for(data, router), snap, snaps)
    for mode in ("avoid", "least_risk"):
        cost, rows = found[mode]
        if np.isfinite(cost).any():
            i = int(np.argmin(np.where(np.isfinite(cost), rows[:, 0], np.inf)))
            break
    else:
        return None, None
    line = router.network.edge_geoms[snaps.edge[i]]
    target = Snap(int(snaps.edge[i]), float(snaps.fraction[i]), float(snaps.distance_m[i]),
                  shapely.line_interpolate_point(line, float(snaps.fraction[i]), normalized=True))
    route = router.route(snap, target, mode)
    if route is None:
        return None, None
    columns = ("id", "name", "kind", "status") if kind == "port" else ("id", "name", "individuals", "commune")
    entry = {c: plain(frame[c].iat[i]) for c in columns}
    distance = route.distance_m
    entry.update(
        distance_m=round(distance, 1) if exact else round(distance, -2),
        duration_s=round(route.duration_s) if exact else round(route.duration_s, -1),
        mode=mode,
        verdict=route_verdict(route.exposure, near_buffer_m=settings.near_buffer_m),
        safe_route_found=mode == "avoid",
        measured="by road (network distance from the road nearest the point)",
        _cells=[data.project(*frame.geometry.iat[i].coords[0]), target.point],
    )
    return entry, route


def _strip(entry: dict | None) -> dict | None:
    return None if entry is None else {k: v for k, v in entry.items() if not k.startswith("_")}


def _road_ids(data: Dataset, route: Route) -> np.ndarray:
    network = data.router.network
    return network.road_ids[np.unique(network.edge_road[route.edges[route.weights > 0]])]


def _route_feature(data: Dataset, router: Router, route: Route | None, kind: str, target: dict | None, *,
                   exact: bool, grid_m: float) -> dict | None:
    """The route as a GeoJSON Feature, cut toward a site for anonymous callers.

    The cut is where the route first enters the site's public grid cell or that of the road point
    nearest the site: the part inside would show where the site is; cell edges are public already.
    """
    if route is None or target is None:
        return None
    geometry: BaseGeometry | None = route.geometry
    if not exact:
        cells = shapely.union_all([_cell(p, grid_m) for p in target["_cells"]])
        geometry = _before(route.geometry, cells)
        if geometry is None:
            return None
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": data.lonlat_coords(geometry)},
        "properties": {"kind": kind, "target": target["id"], "name": target["name"], "mode": target["mode"],
                       "verdict": target["verdict"], "distance_m": target["distance_m"],
                       "drawn_to": "the target" if exact else "the edge of the site's public grid cell",
                       **dict(zip(("checkpoints", "fees"), route_checkpoints(router, route), strict=True))},
    }


def _cell(point: shapely.Point, grid_m: float) -> shapely.Polygon:
    x0, y0 = np.floor(np.array(point.coords[0]) / grid_m) * grid_m
    return shapely.box(x0, y0, x0 + grid_m, y0 + grid_m)


def _before(line: shapely.LineString, cell) -> BaseGeometry | None:
    """The part of ``line`` from its start to where it first enters ``cell`` (None: it starts inside)."""
    if cell.intersects(shapely.get_point(line, 0)):
        return None
    crossing = shapely.intersection(line, cell)
    if crossing.is_empty:
        return line
    first = float(shapely.line_locate_point(line, shapely.points(shapely.get_coordinates(crossing))).min())
    return ops.substring(line, 0, first) if first > 0 else None


# -- straight-line distances, labelled as such ---------------------------------------------------

def _site_index(data: Dataset, settings: Settings, exact: bool) -> PointIndex:
    if not exact:
        return data.open_sites
    return PointIndex.of(data.access.sites, settings.metric_crs)


def _straight_line(index: PointIndex, point: shapely.Point, columns: tuple[str, ...], *, coarse: bool = False
                   ) -> dict | None:
    if len(index.frame) == 0:
        return None
    idx, dist = index.tree.query_nearest(point, return_distance=True, all_matches=False)
    row = index.frame.iloc[int(idx[0])]
    out = {c: plain(row[c]) for c in columns}
    out["distance_m"] = round(float(dist[0]), -2) if coarse else round(float(dist[0]))
    out["measured"] = "in a straight line" + (" to the site's public grid cell centre" if coarse else "")
    return out


def _nearest(index: PointIndex, point: shapely.Point, columns: tuple[str, ...]) -> dict | None:
    if len(index.frame) == 0:
        return None
    idx, dist = index.tree.query_nearest(point, return_distance=True, all_matches=False)
    row = index.frame.iloc[int(idx[0])]
    out = {c: plain(row[c]) for c in columns}
    out["distance_m"] = round(float(dist[0]))
    return out


