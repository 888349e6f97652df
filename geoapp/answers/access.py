"""Access and what-if answers as plain dicts: which sites a hub reaches, and what a closure changes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import shapely
from shapely import ops
from shapely.geometry.base import BaseGeometry

from ..data.dataset import Dataset
from ..errors import BadRequest
from ..i18n.translate import N_, _, decimal, ngettext
from ..io.geojson import plain
from ..network.access import FIGURES, access_by_mode
from ..network.checkpoints import FIGURE_NAMES as CHECKPOINT_FIGURES
from ..network.engine import PathEngine
from ..network.legs import LegNetwork, Stage, Trip
from ..network.routing import Router, Snap
from ..safety import CONTROLLED_TOLERANCE_M, RouteExposure, route_verdict
from ..settings import Settings
from .closures import Scenario, closed_edges, scenario_costs
from .constraints import (
    access_fee_totals,
    access_figures_for,
    checkpoint_verdict,
    constraints_info,
    named_checkpoints,
    router_for,
    site_checkpoints,
    vehicle_unreachable_reason,
    with_checkpoint_bits,
)
from .route import LonLat, check_in_haiti, pocket_warnings, stale_warnings, too_far_from_roads
from .sources import answer_sources
from .trips import asks_legs, leg_access, site_legs, unboarded_note

#: Access classes, safest first: reached by a safe route, a route calling for caution, only by
#: crossing controlled zones or blocked roads (least-risk mode), or not at all.
ACCESS_CLASSES = ("safe", "caution", "only_with_risk", "unreachable")
#: What a what-if scenario does to each site.
OUTCOMES = ("same_route", "detour", "unreachable")
#: Closure points a scenario may give.
MAX_CLOSE_POINTS = 100
#: Without exact positions, drawn what-if routes stop this far before the site (sites are shown
#: about 2 km from where they are).
PRIVATE_TAIL_M = 2000.0
#: Detour routes drawn per answer at most (the rest are counted, with a warning).
MAX_DRAWN_ROUTES = 50
#: Ids repeated back in error messages must look like ids (nothing else the caller sent is echoed).
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")


def access_lookup(data: Dataset, settings: Settings, hub: LonLat, *, hub_feature: dict | None = None,
                  exact: bool = False, today: dt.date | None = None, modes: tuple[str, ...] = ("road",),
                  vehicle: str | None = None, season: str | None = None) -> dict:
    """Every open displacement site by access class (safe, caution, only with risk, unreachable).

    Sites are sorted safest first, each with its verdict and the main reason for it.  A hub inside
    or near a controlled zone is said first among the warnings: it explains answers with few safe sites.
    Without ``exact`` (anonymous callers) distances are rounded to 100 m and the distance from each
    site to its road is left out, so that answers cannot be combined to locate a site.  ``modes``
    adds sea and air legs (sites reached by one say so in ``legs``).  ``vehicle`` and ``season``: as
    for routes (legs that take no vehicles are left out for one).  Each site lists the checkpoints of
    its best route and their fees.
    """
    check_in_haiti(hub, "from")
    router = router_for(data, settings, vehicle, season, today)
    snap = _snap_hub(data, settings, hub)
    result = _access(data, router, snap, router.edge_cost, access_figures_for(data, router), modes)
    sites = _site_rows(data, settings, result, exact, data.router.edge_status, router=router, hub=snap)
    return {
        "hub": _hub_info(data, hub, snap, hub_feature),
        "mode": "avoid",
        **constraints_info(router),
        "summary": _summary(sites),
        "fees": access_fee_totals(sites),
        "sites": sorted(sites, key=_safest_first),
        "data_as_of": data.newest_as_of(("roads", "gang_zones", "displacement_sites")),
        # access trees weigh every road and zone; the sites are those listed
        "sources": answer_sources(data, {"roads": None, "gang_zones": None,
                                         "displacement_sites": [site["id"] for site in sites]}),
        "warnings": hub_zone_warnings(data, settings, hub, snap, data.router.edge_status) + _snap_warnings(data, snap)
        + stale_warnings(data, settings, ("roads", "gang_zones", "displacement_sites"), today),
    } | ({"modes": list(modes)} if modes != ("road",) else {})


def whatif_lookup(data: Dataset, settings: Settings, hub: LonLat, scenario: Scenario, *,  # noqa: C901
                  hub_feature: dict | None = None, exact: bool = False, today: dt.date | None = None,
                  modes: tuple[str, ...] = ("road",), vehicle: str | None = None, season: str | None = None) -> dict:
    """Access before and after hypothetical closures: per site, the same route, a detour, or none.

    No route of the "after" answer uses a closed edge: closures cost ``inf`` in every mode.
    Detours come with their route drawn (cut short of the site for anonymous callers).
    """
    check_in_haiti(hub, "from")
    router = router_for(data, settings, vehicle, season, today)
    unknown = sorted(set(scenario.closed_road_ids) - set(data.layers["roads"]["id"]))
    if unknown:
        safe = [u for u in unknown if SAFE_ID.fullmatch(u)]
        shown = ", ".join(safe[:10]) + (" ..." if len(unknown) > len(safe[:10]) else "")
        raise BadRequest(_("unknown road id(s): %(ids)s", ids=shown), field="close_roads")
    for field, layer, ids in (("suspend_connections", "connections", scenario.suspend_connections),
                              ("close_ports", "ports", scenario.close_ports)):
        unknown = sorted(set(ids) - set(data.layers[layer]["id"]))
        if unknown:
            raise BadRequest(_("unknown %(layer)s id(s): %(ids)s", layer=layer,
                               ids=", ".join(u for u in unknown[:10] if SAFE_ID.fullmatch(u))), field=field)
    if (scenario.suspend_connections or scenario.close_ports) and modes == ("road",):
        raise BadRequest(_("suspend_connections and close_ports change sea and air legs: ask with modes "
                           "including sea or air"), field="modes")
    closed, points = closed_edges(data, scenario)
    snap = _snap_hub(data, settings, hub)
    before = _access(data, router, snap, router.edge_cost, access_figures_for(data, router), modes)
    costs, figures, status, affected = scenario_costs(data, router, settings, scenario, closed)
    after = _access(data, router, snap, costs, figures, modes,
                    suspended=scenario.suspend_connections,
                    closed_ports=scenario.close_ports)
    rows_before = _site_rows(data, settings, before, exact, data.router.edge_status, router=router, hub=snap)
    rows_after = _site_rows(data, settings, after, exact, status, router=router, hub=snap)
    numbered: list[tuple[int, dict]] = []
    for i, (b, a) in enumerate(zip(rows_before, rows_after, strict=True)):
        row = {k: b[k] for k in ("id", "name", "commune", "individuals")}
        keys = ("access", "verdict", "reason", "distance_m", "duration_s")
        row["before"] = {k: b[k] for k in keys}
        row["after"] = {k: a[k] for k in (*keys, "exposure")}
        if a["access"] == "unreachable":
            outcome = "unreachable"
        elif b["access"] != "unreachable" and _same_cost(before, after, i):
            outcome = "same_route"
        else:
            outcome = "detour"
            if b["distance_m"] is not None:
                # negative when the only way left is shorter but riskier (see the new access class)
                row["detour_m"] = round(a["distance_m"] - b["distance_m"], 1)
                row["detour_s"] = round(a["duration_s"] - b["duration_s"])
        row["outcome"] = outcome
        row["loses_safe_access"] = b["access"] in ("safe", "caution") and a["access"] not in ("safe", "caution")
        numbered.append((i, row))
    drawn = _draw_detours(data, router, snap, costs, [(i, r) for i, r in numbered if r["outcome"] == "detour"],
                          exact=exact, modes=modes, scenario=scenario)
    rows = [r for _, r in numbered]
    summary: dict[str, Any] = {"sites": len(rows)}
    for outcome in OUTCOMES:
        chosen = [r for r in rows if r["outcome"] == outcome]
        summary[outcome] = len(chosen)
        summary[f"people_{outcome}"] = int(sum(r["individuals"] or 0 for r in chosen))
    losing = [r for r in rows if r["loses_safe_access"]]
    summary.update(
        lose_safe_access=len(losing), people_losing_safe_access=int(sum(r["individuals"] or 0 for r in losing)),
        before=_summary([{"access": r["before"]["access"], "individuals": r["individuals"]} for r in rows]),
        after=_summary([{"access": r["after"]["access"], "individuals": r["individuals"]} for r in rows]),
    )
    order = {o: k for k, o in enumerate(("unreachable", "detour", "same_route"))}
    rows.sort(key=lambda r: (order[r["outcome"]], _safest_first(r["after"]), r["id"]))
    warnings = hub_zone_warnings(data, settings, hub, snap, status) + _snap_warnings(data, snap)
    if drawn < sum(r["outcome"] == "detour" for r in rows):
        warnings.append(_("Only the first %(drawn)s detours are drawn; every detour is counted and listed.",
                          drawn=drawn))
    return {
        "hub": _hub_info(data, hub, snap, hub_feature),
        **constraints_info(router),
        "scenario": {
            "closed_roads": list(scenario.closed_road_ids),
            "close_points": points,
            "close_areas": len(scenario.close_areas),
            "controlled_areas": len(scenario.controlled_areas),
            "edges_closed": int(closed.sum()),
            "closed_km": round(float(data.router.network.edge_length[closed].sum()) / 1000, 1),
            "edges_affected": int(affected),
            "closed_geometry": data.edges_geojson(np.flatnonzero(closed)),
            **({"suspended_connections": list(scenario.suspend_connections),
                "closed_ports": list(scenario.close_ports)}
               if scenario.suspend_connections or scenario.close_ports else {}),
        },
        "summary": summary,
        "sites": rows,
        "data_as_of": data.newest_as_of(("roads", "gang_zones", "displacement_sites")),
        "warnings": warnings + stale_warnings(data, settings, ("roads", "gang_zones", "displacement_sites"), today),
        "stored_data_changed": False,
    } | ({"modes": list(modes)} if modes != ("road",) else {})


def hub_zone_warnings(data: Dataset, settings: Settings, hub: LonLat, snap: Snap,
                      edge_status: np.ndarray) -> list[str]:
    """Said first: a hub inside or near a controlled zone, or on a closed road, reaches little safely.

    The hub counts where it is and where it joins the road network, whichever is nearer the zone.
    """
    out = []
    where = shapely.MultiPoint([data.project(*hub), snap.point])
    if edge_status[snap.edge] == "closed":
        out.append(_("The hub joins the road network on a closed road: no route can leave it. Choose a hub "
                     "on an open road."))
    zones = data.zones.frame
    near = data.zones.tree.query(where, predicate="dwithin", distance=settings.near_buffer_m)
    controlled = near[zones["status"].to_numpy()[near] == "controlled"]
    if len(controlled):
        distance = shapely.distance(np.asarray(zones.geometry.values)[controlled], where)
        k = int(np.argmin(distance))
        zone = zones.iloc[int(controlled[k])]
        held = isinstance(zone.get("group"), str) and zone["group"]
        group = _(", held by %(group)s", group=zone["group"]) if held else ""
        if distance[k] == 0:
            out.append(_("The hub lies inside controlled zone %(zone)s%(group)s: no safe route leaves it, so sites "
                         "are at best reachable only with risk.", zone=zone["name"], group=group))
        else:
            out.append(_("The hub is %(metres)s m from controlled zone %(zone)s%(group)s: routes leaving it that "
                         "enter the zone are not safe, so few sites may be reachable safely.",
                         metres=f"{distance[k]:.0f}", zone=zone["name"], group=group))
    return out


def _snap_hub(data: Dataset, settings: Settings, hub: LonLat) -> Snap:
    snap = data.router.snap(data.project(*hub))
    if snap.distance_m > settings.snap_max_m:
        raise BadRequest(too_far_from_roads("from", snap.distance_m, settings.snap_max_m), field="from")
    return snap


def _snap_warnings(data: Dataset, hub: Snap) -> list[str]:
    """The hub's pocket warning, and how many sites join roads cut off from the main network."""
    out = pocket_warnings(hub, "hub")
    cut_off = int(data.access.snaps.pocket.sum())
    if cut_off:
        out.append(ngettext("%(num)s open site is on roads cut off from the main road network: routes to them may "
                            "not exist.", "%(num)s open sites are on roads cut off from the main road network: "
                            "routes to them may not exist.", cut_off))
    return out


def _access(data: Dataset, router: Router, hub: Snap, edge_cost: dict[str, np.ndarray], figures: np.ndarray,
            modes: tuple[str, ...] = ("road",), *, suspended=(), closed_ports=()) -> dict:
    """Access trees from the hub; ``figures`` get the ``checkpoint_bits`` columns (the sites' checkpoints)."""
    figures = with_checkpoint_bits(router, figures, keep=figures is access_figures_for(data, router))
    if modes != ("road",) and data.legs is not None and data.legs.n_legs:
        return leg_access(data, hub, edge_cost, figures, modes, suspended=suspended, closed_ports=closed_ports,
                          router=router)
    engines = {
        mode: router.engines[mode] if edge_cost[mode] is router.edge_cost[mode]
        else PathEngine(router.network.topology, edge_cost[mode][router.graph.arc_edge])
        for mode in ("avoid", "least_risk")
    }
    return access_by_mode(router, engines, edge_cost, figures, hub, data.access.snaps)


def _site_rows(data: Dataset, settings: Settings, result: dict, exact: bool, edge_status: np.ndarray, *,
               router: Router, hub: Snap) -> list[dict]:
    """One row per site (in the access index's order): access class, verdict, main reason, figures."""
    sites = data.access.sites
    snaps = data.access.snaps
    safe_cost, safe_rows = result["avoid"]
    risk_cost, risk_rows = result["least_risk"]
    reachable = np.isfinite(safe_cost)
    risky = ~reachable & np.isfinite(risk_cost)
    rows = np.where(reachable[:, None], safe_rows, risk_rows)
    unboarded = unboarded_note(data, router) if "legs_m" in result else None
    site_closed = edge_status[snaps.edge] == "closed"
    # columns read once: a column looked up per site cost more than the whole access search
    names = zip(*(sites[k].tolist() for k in ("id", "name", "commune", "individuals")), strict=True)
    out = []
    for i, (site_id, name, commune, individuals) in enumerate(names):
        figures = dict(zip(FIGURES, rows[i, :len(FIGURES)].tolist(), strict=True))
        entry = {
            "id": site_id,
            "name": name,
            "commune": plain(commune),
            "individuals": plain(individuals),
        }
        if exact:
            entry["snap_distance_m"] = round(float(snaps.distance_m[i]), 1)
        if not (reachable[i] or risky[i]):
            reason = vehicle_unreachable_reason(router, int(snaps.edge[i])) \
                or _unreachable_reason(bool(site_closed[i]), bool(snaps.pocket[i]))
            entry.update(access="unreachable", verdict="no_route", distance_m=None, duration_s=None, exposure=None,
                         checkpoints=None, reason=f"{reason} {unboarded}" if unboarded else reason)
        else:
            checkpoints = site_checkpoints(figures, named_checkpoints(
                router, rows[i, len(FIGURES):], int(round(figures["checkpoints"])), hub, int(snaps.edge[i]),
                float(snaps.fraction[i])))
            verdict = checkpoint_verdict(_verdict(figures), checkpoints["gang_checkpoints"])
            by_leg = site_legs(result, i, bool(reachable[i]))
            if by_leg is not None:  # a boat or flight on record is not a seat on board: never "safe" by itself
                entry["legs"] = by_leg
                verdict = "caution" if verdict == "safe" else verdict
            access = verdict if reachable[i] and verdict in ("safe", "caution") else "only_with_risk"
            exposure = {k: round(float(v), 1) for k, v in figures.items()
                        if k not in ("length_m", "seconds", *CHECKPOINT_FIGURES)}
            distance = float(figures["length_m"])
            entry.update(
                access=access,
                verdict=verdict,
                reason=_reason(figures, access, settings.near_buffer_m) if by_leg is None else
                _("Reached with a sea or air leg: confirm the service and a place on board with its operator."),
                distance_m=round(distance, 1) if exact else round(distance, -2),
                duration_s=round(float(figures["seconds"])),
                exposure=exposure,
                checkpoints=checkpoints,
            )
        out.append(entry)
    return out


def _verdict(figures: dict) -> str:
    exposure = RouteExposure(
        inside_m={s: figures[f"inside_{s}_m"] for s in ("controlled", "contested", "influence")},
        zones=[], dangerous_road_m=figures["dangerous_road_m"], blocked_road_m=figures["blocked_road_m"],
        roads=[], near_controlled_m=figures["near_controlled_m"],
        closest_controlled_m=0.0 if figures["near_controlled_m"] > 0 else None, closest_controlled_zone=None,
        near_incidents_m=figures["near_incidents_m"],
    )
    return route_verdict(exposure, near_buffer_m=1.0)


def _km(metres: float) -> str:
    return f"{metres:.0f} m" if metres < 1000 else _("%(km)s km", km=decimal(metres / 1000))


def _reason(figures: dict, access: str, near_buffer_m: float) -> str:
    """The main reason for a site's class: its route's largest exposure of the kind that decides it."""
    if access == "only_with_risk":
        parts = []
        if figures["inside_controlled_m"] > CONTROLLED_TOLERANCE_M:
            parts.append(_("%(length)s inside controlled zones", length=_km(figures["inside_controlled_m"])))
        if figures["blocked_road_m"] > 0:
            parts.append(_("%(length)s on roads blocked by armed groups", length=_km(figures["blocked_road_m"])))
        return _("Only reached through %(what)s (least-risk route).",
                 what=_(" and ").join(parts or [_("controlled zones")]))
    if access == "caution":
        phrases = {
            "inside_contested_m": N_("The safest route runs %(length)s inside contested zones."),
            "inside_influence_m": N_("The safest route runs %(length)s inside zones under gang influence."),
            "dangerous_road_m": N_("The safest route runs %(length)s on roads marked dangerous."),
            "near_controlled_m": N_("The safest route runs %(length)s within %(near)s m of controlled zones."),
            "near_incidents_m": N_("The safest route runs %(length)s near recent incidents."),
        }
        if figures["gang_checkpoints"] > 0 and max(figures[k] for k in phrases) <= 0:
            count = int(figures["gang_checkpoints"])
            return ngettext("The safest route passes %(num)s armed-group checkpoint.",
                            "The safest route passes %(num)s armed-group checkpoints.", count)
        key = max(phrases, key=lambda k: figures[k])
        return _(phrases[key], length=_km(figures[key]), near=f"{near_buffer_m:.0f}")
    return _("The safest route avoids every mapped gang zone and every dangerous, blocked or closed road.")


def _unreachable_reason(site_road_closed: bool, pocket: bool) -> str:
    if site_road_closed:
        return _("The road the site joins is closed there.")
    if pocket:
        return _("The site joins a road cut off from the main road network.")
    return _("No passable road leads there: closed roads, one-way streets or gaps in the mapped roads cut it off.")


def _safest_first(row: dict) -> tuple:
    distance = row["distance_m"]
    return ACCESS_CLASSES.index(row["access"]), np.inf if distance is None else distance


def _summary(rows: list[dict]) -> dict:
    """Sites and people per access class."""
    out = {"sites": len(rows)}
    for level in ACCESS_CLASSES:
        chosen = [r for r in rows if r["access"] == level]
        out[level] = len(chosen)
        out[f"people_{level}"] = int(sum(r["individuals"] or 0 for r in chosen))
    return out


def _same_cost(before: dict, after: dict, i: int) -> bool:
    """The site is reached the same way: same mode, and the same cost or the same length and time."""
    for mode in ("avoid", "least_risk"):
        b_cost, b_rows = before[mode]
        a_cost, a_rows = after[mode]
        if np.isfinite(b_cost[i]) and np.isfinite(a_cost[i]):
            same_figures = abs(b_rows[i, 0] - a_rows[i, 0]) <= 1.0 and abs(b_rows[i, 1] - a_rows[i, 1]) <= 1.0
            return bool(np.isclose(b_cost[i], a_cost[i], rtol=1e-9) or same_figures)
        if np.isfinite(b_cost[i]) or np.isfinite(a_cost[i]):
            return False
    return False


def _draw_detours(data: Dataset, router: Router, hub: Snap, costs: dict[str, np.ndarray],
                  rows: list[tuple[int, dict]], *, exact: bool, modes: tuple[str, ...] = ("road",),
                  scenario: Scenario | None = None) -> int:
    """Add each detour's route (lon/lat line) to its row; returns how many were drawn.

    The route is searched again under the scenario's costs (closed edges are ``inf``, the end edges
    too), over roads and legs when ``modes`` asks for them: a detour by boat or flight has its road
    parts as ``route`` (a MultiLineString) and its sea and air legs in ``legs`` (mode, connection,
    ports, line).  Without ``exact`` the line stops ``PRIVATE_TAIL_M`` short of the site.
    """
    net = router.network
    snaps = data.access.snaps
    legs = data.legs.over(router) if asks_legs(data, modes) and data.legs is not None else None
    drawn = 0
    for i, row in rows[:MAX_DRAWN_ROUTES]:
        line = net.edge_geoms[snaps.edge[i]]
        site = Snap(int(snaps.edge[i]), float(snaps.fraction[i]), float(snaps.distance_m[i]),
                    shapely.line_interpolate_point(line, float(snaps.fraction[i]), normalized=True))
        mode = "least_risk" if row["after"]["access"] == "only_with_risk" else "avoid"
        if legs is not None:
            trip = legs.trip(hub, site, mode, modes, edge_cost=costs[mode],
                             suspended=scenario.suspend_connections if scenario else (),
                             closed_ports=scenario.close_ports if scenario else ())
        else:
            road = router.route(hub, site, mode, edge_cost=costs[mode])
            trip = None if road is None else Trip(road, (Stage("road", road),))
        if trip is None:
            continue
        route = trip.route
        pieces = [s.route.geometry for s in trip.stages if s.route is not None] if trip.uses_legs \
            else [route.geometry]
        shown: list[BaseGeometry | None] = list(pieces)
        if not exact and trip.stages[-1].route is not None:
            keep = pieces[-1].length - PRIVATE_TAIL_M
            shown[-1] = ops.substring(pieces[-1], 0, keep) if keep > 0 else None
        lines = [data.lonlat_coords(g) for g in shown if g is not None]
        if not trip.uses_legs:
            row["after"]["route"] = {"type": "LineString", "coordinates": lines[0]} if lines else None
        else:
            assert legs is not None
            row["after"]["route"] = {"type": "MultiLineString", "coordinates": lines}
            row["after"]["legs"] = [_leg_line(data, legs, s.leg) for s in trip.stages if s.route is None]
        if exact:
            used = route.edges[route.weights > 0]
            row["after"]["road_ids"] = list(dict.fromkeys(net.road_ids[net.edge_road[used]].tolist()))
        drawn += 1
    return drawn


def _leg_line(data: Dataset, legs: LegNetwork, leg: int) -> dict:
    """A sea or air leg of a drawn detour: its mode, connection, ports and line (lon/lat)."""
    ports = legs.ports
    return {"mode": str(legs.mode[leg]), "connection": legs.connections["id"].iat[legs.conn[leg]],
            "from": ports["name"].iat[legs.from_port[leg]], "to": ports["name"].iat[legs.to_port[leg]],
            "geometry": {"type": "LineString", "coordinates": data.lonlat_coords(legs.leg_line(leg))}}


def _hub_info(data: Dataset, hub: LonLat, snap: Snap, feature: dict | None) -> dict:
    """Where the hub joins the network; a displacement site given by id keeps its position private."""
    if feature and feature["layer"] == "displacement_sites":
        return {**feature, "snap_distance_m": round(snap.distance_m, 1)}
    x, y = data.lonlat(snap.point).coords[0]
    info = {"requested": list(hub), "snapped": [x, y], "snap_distance_m": round(snap.distance_m, 1)}
    if feature:
        info.update(feature)
    return info

