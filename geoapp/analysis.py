"""Access and what-if answers as plain dicts: which sites a hub reaches, and what a closure changes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import numpy as np
import shapely

from .dataset import Dataset
from .errors import BadRequest
from .geojson import plain
from .lookups import LonLat, check_in_haiti, pocket_warnings, stale_warnings
from .network.access import FIGURES, access_by_mode, edge_figures
from .network.engine import PathEngine
from .network.routing import Snap
from .safety import CONTROLLED_TOLERANCE_M, RiskWeights, RouteExposure, edge_costs, route_verdict
from .settings import Settings

ACCESS_LEVELS = ("reachable", "only_with_risk", "unreachable")
#: Ids repeated back in error messages must look like ids (nothing else the caller sent is echoed).
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")


@dataclasses.dataclass(frozen=True)
class Scenario:
    """Hypothetical changes: roads closed and areas treated as controlled (never stored)."""

    closed_road_ids: tuple[str, ...] = ()
    controlled_areas: tuple = ()  # shapely polygons, lon/lat

    @property
    def empty(self) -> bool:
        return not self.closed_road_ids and not self.controlled_areas


def resolve_hub(data: Dataset, value: str, field: str = "from") -> tuple[LonLat, dict | None]:
    """A hub given as ``LON,LAT`` or as the id of a port or displacement site."""
    for layer in ("ports", "displacement_sites"):
        frame = data.layers[layer]
        hit = frame[frame["id"] == value]
        if len(hit):
            point = hit.geometry.iloc[0]
            return (point.x, point.y), {"id": value, "name": hit["name"].iloc[0], "layer": layer}
    if "," not in value:
        shown = f" {value!r}" if SAFE_ID.fullmatch(value) else ""
        raise BadRequest(f"{field} must be LON,LAT or the id of a port or displacement site; "
                         f"no feature has the id{shown}", field=field)
    return None, None  # a coordinate: the caller parses it


def access_lookup(data: Dataset, settings: Settings, hub: LonLat, *, hub_feature: dict | None = None,
                  exact: bool = False, today: dt.date | None = None) -> dict:
    """Every open displacement site: reachable safely, only with risk, or not at all, from the hub.

    Without ``exact`` (anonymous callers) distances are rounded to 100 m and the distance from each
    site to its road is left out, so that answers cannot be combined to locate a site.
    """
    check_in_haiti(hub, "from")
    snap = _snap_hub(data, settings, hub)
    result = _access(data, settings, snap, data.router.edge_cost, data.access.figures)
    sites = _site_rows(data, result, exact)
    return {
        "hub": _hub_info(data, hub, snap, hub_feature),
        "mode": "avoid",
        "summary": _summary(sites),
        "sites": sites,
        "data_as_of": max(data.as_of[n] for n in ("roads", "gang_zones", "displacement_sites")),
        "warnings": _snap_warnings(data, snap)
        + stale_warnings(data, settings, ("roads", "gang_zones", "displacement_sites"), today),
    }


def whatif_lookup(data: Dataset, settings: Settings, hub: LonLat, scenario: Scenario, *,
                  hub_feature: dict | None = None, exact: bool = False, today: dt.date | None = None) -> dict:
    """Access before and after a hypothetical closure: sites that lose safe access, and detours."""
    check_in_haiti(hub, "from")
    unknown = sorted(set(scenario.closed_road_ids) - set(data.layers["roads"]["id"]))
    if unknown:
        safe = [u for u in unknown if SAFE_ID.fullmatch(u)]
        shown = ", ".join(safe[:10]) + (" ..." if len(unknown) > len(safe[:10]) else "")
        raise BadRequest(f"unknown road id(s): {shown}", field="close_roads")
    snap = _snap_hub(data, settings, hub)
    before = _access(data, settings, snap, data.router.edge_cost, data.access.figures)
    costs, figures, affected = _scenario_costs(data, settings, scenario)
    after = _access(data, settings, snap, costs, figures)
    rows = []
    lost = gained = detoured = 0
    for b, a in zip(_site_rows(data, before, exact), _site_rows(data, after, exact), strict=True):
        row = {k: b[k] for k in ("id", "name", "commune", "individuals")}
        row["before"] = {k: b[k] for k in ("access", "verdict", "distance_m", "duration_s")}
        row["after"] = {k: a[k] for k in ("access", "verdict", "distance_m", "duration_s", "exposure")}
        change = "unchanged"
        if b["access"] == "reachable" and a["access"] != "reachable":
            change, lost = "loses_safe_access", lost + 1
        elif b["access"] != "reachable" and a["access"] == "reachable":
            change, gained = "gains_safe_access", gained + 1
        elif b["access"] == a["access"] == "reachable" and a["distance_m"] - b["distance_m"] > 1:
            change, detoured = "detour", detoured + 1
            row["detour_m"] = round(a["distance_m"] - b["distance_m"], 1)
            row["detour_s"] = round(a["duration_s"] - b["duration_s"])
        row["change"] = change
        rows.append(row)
    return {
        "hub": _hub_info(data, hub, snap, hub_feature),
        "scenario": {
            "closed_roads": list(scenario.closed_road_ids),
            "controlled_areas": len(scenario.controlled_areas),
            "edges_closed": int(affected),
        },
        "summary": {
            "sites": len(rows), "lose_safe_access": lost, "gain_safe_access": gained, "detour": detoured,
            "people_losing_safe_access": int(sum(r["individuals"] or 0 for r in rows
                                                 if r["change"] == "loses_safe_access")),
            "before": _summary([{"access": r["before"]["access"], "individuals": r["individuals"]} for r in rows]),
            "after": _summary([{"access": r["after"]["access"], "individuals": r["individuals"]} for r in rows]),
        },
        "sites": rows,
        "data_as_of": max(data.as_of[n] for n in ("roads", "gang_zones", "displacement_sites")),
        "warnings": _snap_warnings(data, snap)
        + stale_warnings(data, settings, ("roads", "gang_zones", "displacement_sites"), today),
        "stored_data_changed": False,
    }


def _snap_hub(data: Dataset, settings: Settings, hub: LonLat) -> Snap:
    snap = data.router.snap(data.project(*hub))
    if snap.distance_m > settings.snap_max_m:
        raise BadRequest(f"from is {snap.distance_m / 1000:.1f} km from the nearest mapped road "
                         f"(at most {settings.snap_max_m / 1000:.0f} km)", field="from")
    return snap


def _snap_warnings(data: Dataset, hub: Snap) -> list[str]:
    """The hub's pocket warning, and how many sites join roads cut off from the main network."""
    out = pocket_warnings(hub, "hub")
    cut_off = int(data.access.snaps.pocket.sum())
    if cut_off:
        out.append(f"{cut_off} open site{'s are' if cut_off > 1 else ' is'} on roads cut off from the main road "
                   "network: routes to them may not exist.")
    return out


def _access(data: Dataset, settings: Settings, hub: Snap, edge_cost: dict[str, np.ndarray],
            figures: np.ndarray) -> dict:
    router = data.router
    engines = {
        mode: router.engines[mode] if edge_cost[mode] is router.edge_cost[mode]
        else PathEngine(router.network.topology, edge_cost[mode][router.graph.arc_edge])
        for mode in ("avoid", "least_risk")
    }
    return access_by_mode(router, engines, edge_cost, figures, hub, data.access.snaps)


def _site_rows(data: Dataset, result: dict, exact: bool) -> list[dict]:
    sites = data.access.sites
    safe_cost, safe_rows = result["avoid"]
    risk_cost, risk_rows = result["least_risk"]
    reachable = np.isfinite(safe_cost)
    risky = ~reachable & np.isfinite(risk_cost)
    level = np.where(reachable, "reachable", np.where(risky, "only_with_risk", "unreachable"))
    rows = np.where(reachable[:, None], safe_rows, risk_rows)
    out = []
    for i in range(len(sites)):
        figures = dict(zip(FIGURES, rows[i], strict=True))
        entry = {
            "id": sites["id"].iat[i],
            "name": sites["name"].iat[i],
            "commune": plain(sites["commune"].iat[i]),
            "individuals": plain(sites["individuals"].iat[i]),
            "access": str(level[i]),
        }
        if exact:
            entry["snap_distance_m"] = round(float(data.access.snaps.distance_m[i]), 1)
        if level[i] == "unreachable":
            entry.update(verdict="no_route", distance_m=None, duration_s=None, exposure=None)
        else:
            exposure = {k: round(float(v), 1) for k, v in figures.items() if k not in ("length_m", "seconds")}
            distance = float(figures["length_m"])
            entry.update(
                verdict=_verdict(figures, level[i]),
                distance_m=round(distance, 1) if exact else round(distance, -2),
                duration_s=round(float(figures["seconds"])),
                exposure=exposure,
            )
        out.append(entry)
    return out


def _verdict(figures: dict, level: str) -> str:
    exposure = RouteExposure(
        inside_m={s: figures[f"inside_{s}_m"] for s in ("controlled", "contested", "influence")},
        zones=[], dangerous_road_m=figures["dangerous_road_m"], blocked_road_m=figures["blocked_road_m"],
        roads=[], near_controlled_m=figures["near_controlled_m"],
        closest_controlled_m=0.0 if figures["near_controlled_m"] > 0 else None, closest_controlled_zone=None,
        near_incidents_m=figures["near_incidents_m"],
    )
    return route_verdict(exposure, near_buffer_m=1.0)


def _summary(rows: list[dict]) -> dict:
    out = {"sites": len(rows)}
    for level in ACCESS_LEVELS:
        chosen = [r for r in rows if r["access"] == level]
        out[level] = len(chosen)
        out[f"people_{level}"] = int(sum(r["individuals"] or 0 for r in chosen))
    return out


def _scenario_costs(data: Dataset, settings: Settings, scenario: Scenario):
    """Edge costs and figures under the scenario: the same risk model on edited inputs."""
    router = data.router
    edges = router.graph.edges
    status = router.edge_status.copy()
    closed = np.isin(edges["road_id"].to_numpy(dtype=object), list(scenario.closed_road_ids))
    status[closed] = "blocked"
    inside = dict(router.exposure.inside_by_status)
    near = router.exposure.near_controlled_m.copy()
    if scenario.controlled_areas:
        areas = shapely.transform(np.array(scenario.controlled_areas, dtype=object), _to_metric(data))
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
    weights = RiskWeights.from_settings(settings)
    length = edges["length_m"].to_numpy()
    costs = {mode: edge_costs(length, status, inside, near, weights, mode, incident_risk=router.incidents.risk)
             for mode in ("avoid", "least_risk")}
    affected = int(np.count_nonzero(closed | (inside["controlled"] > CONTROLLED_TOLERANCE_M)
                                    & ~(router.exposure.inside_by_status["controlled"] > CONTROLLED_TOLERANCE_M)))
    return costs, edge_figures(router, status, inside, near, router.incident_caution), affected


def _to_metric(data: Dataset):
    def transform(xy: np.ndarray) -> np.ndarray:
        x, y = data.to_metric.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return transform


def _hub_info(data: Dataset, hub: LonLat, snap: Snap, feature: dict | None) -> dict:
    """Where the hub joins the network; a displacement site given by id keeps its position private."""
    if feature and feature["layer"] == "displacement_sites":
        return {**feature, "snap_distance_m": round(snap.distance_m, 1)}
    x, y = data.lonlat(snap.point).coords[0]
    info = {"requested": list(hub), "snapped": [x, y], "snap_distance_m": round(snap.distance_m, 1)}
    if feature:
        info.update(feature)
    return info

