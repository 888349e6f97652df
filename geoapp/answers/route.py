"""Answers to the route and point-safety questions as plain dicts, from one Dataset version."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import shapely

from .. import extent
from ..data.dataset import Dataset
from ..data.freshness import stale_warnings_for
from ..errors import BadRequest
from ..i18n.translate import N_, _
from ..layers import REGISTRY
from ..network.routing import Route, Router, Snap
from ..safety import MODES, route_reasons, route_verdict
from ..settings import Settings
from .constraints import (
    checkpoint_reasons,
    checkpoint_verdict,
    constraints_info,
    route_checkpoints,
    router_for,
    unknown_limit_warnings,
    vehicle_reasons,
)
from .itinerary import itinerary, nearest_place
from .legs import search_start, with_trip
from .sources import route_sources
from .trips import asks_legs, with_shortest_trip, with_vehicle_trip

LonLat = tuple[float, float]


def check_in_haiti(point: LonLat, field: str) -> None:
    """Reject a lon/lat off Haiti's land and waters with a message naming the field."""
    lon, lat = point
    if not extent.inside(lon, lat):
        raise BadRequest(
            _("%(field)s=%(lon)s,%(lat)s is outside Haiti (%(extent)s); coordinates are lon,lat%(hint)s",
              field=field, lon=lon, lat=lat, extent=extent.describe(), hint=extent.swapped_hint(lon, lat)),
            field=field,
        )


MAX_ALTERNATIVES = 3


def route_lookup(
    data: Dataset, settings: Settings, origin: LonLat, destination: LonLat, *, mode: str = "avoid",
    alternatives: int = 0, today: dt.date | None = None, modes: tuple[str, ...] = ("road",),
    depart: dt.datetime | None = None, curfew: str = "caution", vehicle: str | None = None,
    season: str | None = None,
) -> dict:
    """Safest and shortest routes between two points with verdict, exposure, reasons and warnings.

    ``alternatives`` asks for up to that many further routes, distinct from the safest one.
    ``modes`` adds sea and air legs, ``depart`` times and curfews (see ``answers.legs.with_trip``).
    ``vehicle`` (one of ``layers.VEHICLES``) and ``season`` (``dry``, ``rainy``) keep to the roads that
    vehicle can take in that season, at its speeds, and with ``modes`` the boats and flights it can go
    on board; the reasons say when that rules a route out.  With legs, ``shortest`` is the shortest trip
    over roads and legs (``answers.trips.with_shortest_trip``).
    """
    _check_options(mode, alternatives)
    check_in_haiti(origin, "from")
    check_in_haiti(destination, "to")
    router = router_for(data, settings, vehicle, season, today)
    snaps = {}
    warnings = []
    for field, point in (("from", origin), ("to", destination)):
        snap = router.snap(data.project(*point))
        if snap.distance_m > settings.snap_max_m:
            raise BadRequest(too_far_from_roads(field, snap.distance_m, settings.snap_max_m), field=field)
        which = "origin" if field == "from" else "destination"
        if snap.distance_m > settings.snap_warn_m:
            warnings.append(_(FAR_FROM_ROAD[which], km=f"{snap.distance_m / 1000:.1f}"))
        warnings += pocket_warnings(snap, which)
        snaps[field] = snap

    endpoint_zones = _endpoint_zones(data, snaps)
    in_controlled = any(zone["status"] == "controlled" for _, zone in endpoint_zones)
    safest = router.route(snaps["from"], snaps["to"], mode)
    shortest = router.route(snaps["from"], snaps["to"], "shortest")
    if safest is None or (mode == "avoid" and in_controlled):
        verdict, safest = "no_safe_route", None
    else:
        verdict = route_verdict(
            safest.exposure, near_buffer_m=settings.near_buffer_m, endpoint_in_controlled=in_controlled
        )
    ruled_out = vehicle_reasons(data, router, snaps["from"], snaps["to"], mode, safest)
    listed = route_checkpoints(router, safest)[0] if safest else []
    verdict = checkpoint_verdict(verdict, sum(c["kind"] == "gang" for c in listed))
    # with legs, what the vehicle rules out is said of the whole trip (``with_vehicle_trip``)
    reasons = ([] if asks_legs(data, modes) else ruled_out) + route_reasons(
        verdict=verdict,
        mode=mode,
        safest=safest.exposure if safest else None,
        safest_distance_m=safest.distance_m if safest else None,
        shortest=shortest.exposure if shortest else None,
        shortest_distance_m=shortest.distance_m if shortest else None,
        endpoint_zones=endpoint_zones,
        near_buffer_m=settings.near_buffer_m,
        connected=shortest is not None or bool(ruled_out),  # plain length: None only when not connected
    ) + checkpoint_reasons(listed)
    near = settings.near_buffer_m
    ends = {"endpoint_in_controlled": in_controlled}  # a route starting or ending in a controlled zone is unsafe
    routes = [_feature(data, router, safest, "safest", mode, near, **ends)] if safest else []
    note = None
    if safest is not None and alternatives:
        others = router.alternatives(snaps["from"], snaps["to"], mode, safest, alternatives)
        routes += [_feature(data, router, r, "alternative", mode, near, rank=i + 2, **ends)
                   for i, r in enumerate(others)]
        note = alternatives_note(len(others), alternatives, mode)
        if note:
            reasons = [*reasons, note]
    if shortest is not None:
        routes.append(_feature(data, router, shortest, "shortest", "shortest", near, **ends))
    used = ("roads", "gang_zones", "incidents")
    warnings += precision_warnings([safest, shortest]) + unknown_limit_warnings(router, safest)
    # "touches no zone, no heavy incident" is only as good as those layers' age
    warnings += absence_warnings(data, settings, today, applies=verdict == "safe")
    answer = {
        "verdict": verdict,
        "mode": mode,
        **constraints_info(router),
        "from": {**_snap_info(data, origin, snaps["from"]),
                 "near": nearest_place(data, data.project(*origin))},
        "to": {**_snap_info(data, destination, snaps["to"]),
               "near": nearest_place(data, data.project(*destination))},
        "routes": routes,
        "alternatives_note": note,
        "reasons": reasons,
        "data_as_of": data.newest_as_of(used),
        "layers_as_of": {name: data.as_of[name] for name in used},
        "sources": route_sources(data, routes),
        "warnings": warnings + route_stale_warnings(data, settings, safest or shortest,
                                                    near_buffer_m=settings.near_buffer_m, today=today),
    }
    answer = with_trip(answer, data, settings, snaps, safest, mode=mode, modes=modes, depart=depart,
                       curfew_mode=curfew, endpoint_in_controlled=in_controlled, today=today, router=router,
                       make_feature=lambda route: _feature(data, router, route, "safest", mode, near, **ends))
    answer = with_shortest_trip(answer, data, settings, router, snaps, modes, today=today, make_feature=lambda route:
                                _feature(data, router, route, "shortest", "shortest", near, **ends))
    answer = with_vehicle_trip(answer, data, router, snaps, mode, modes, endpoint_in_controlled=in_controlled,
                               depart=search_start(settings, depart, curfew))
    if answer.get("legs"):  # the trips' connections and ports are sources too
        answer["sources"] = route_sources(data, answer["routes"])
    return answer


def _check_options(mode: str, alternatives: int) -> None:
    if mode not in MODES:
        raise BadRequest(_("mode must be one of %(choices)s", choices=", ".join(MODES)), field="mode")
    if not 0 <= alternatives <= MAX_ALTERNATIVES:
        raise BadRequest(_("alternatives must be between 0 and %(most)s", most=MAX_ALTERNATIVES),
                         field="alternatives")


def where_is(data: Dataset, point: shapely.Point, margin_m: float) -> dict:
    """The commune and department a metric point is in (offshore: the nearest, within the margin)."""
    communes = data.communes
    if len(communes.frame) == 0:
        return {"commune": None, "department": None}
    hits = communes.tree.query(point, predicate="intersects")
    offshore_m = None
    if len(hits):
        row = communes.frame.iloc[int(hits[0])]
    else:
        idx, dist = communes.tree.query_nearest(point, return_distance=True, all_matches=False, max_distance=margin_m)
        if not len(idx):
            return {"commune": None, "department": None}
        row, offshore_m = communes.frame.iloc[int(idx[0])], round(float(dist[0]))
    commune = {"pcode": row["id"], "name": row["name"]}
    if offshore_m is not None:
        commune["offshore_m"] = offshore_m
    return {"commune": commune, "department": {"pcode": row["adm1_pcode"], "name": row["adm1_name"]}}


#: A nearer road cut off from the main network, passed over at snapping, is mentioned when the
#: connected road used is more than this much farther.
POCKET_NOTE_M = 25.0
CUT_OFF = N_("a one-way dead end, roads not joined to the rest, or the edge of the mapped area")
#: The warnings about an end of a route or a hub, by which one it is (translated when given).
FAR_FROM_ROAD = {
    "origin": N_("The origin is %(km)s km from the nearest mapped road; the route starts at that road."),
    "destination": N_("The destination is %(km)s km from the nearest mapped road; the route starts at that road."),
}
ON_POCKET = {
    "origin": N_("The origin is on a road cut off from the main road network (%(why)s): routes to or from it "
                 "may not exist."),
    "destination": N_("The destination is on a road cut off from the main road network (%(why)s): routes to or "
                      "from it may not exist."),
    "hub": N_("The hub is on a road cut off from the main road network (%(why)s): routes to or from it may not "
              "exist."),
    "point": N_("The point is on a road cut off from the main road network (%(why)s): routes to or from it may "
                "not exist."),
}
PASSED_POCKET = {
    "origin": N_("The road nearest the origin is cut off from the main road network (%(why)s); the origin is "
                 "taken to the nearest connected road, %(metres)s m away."),
    "destination": N_("The road nearest the destination is cut off from the main road network (%(why)s); the "
                      "destination is taken to the nearest connected road, %(metres)s m away."),
    "hub": N_("The road nearest the hub is cut off from the main road network (%(why)s); the hub is taken to "
              "the nearest connected road, %(metres)s m away."),
    "point": N_("The road nearest the point is cut off from the main road network (%(why)s); the point is taken "
                "to the nearest connected road, %(metres)s m away."),
}


def too_far_from_roads(field: str, distance_m: float, most_m: float) -> str:
    """The 400 message for a point farther from every road than routes start."""
    return _("%(field)s is %(km)s km from the nearest mapped road (at most %(most)s km)", field=field,
             km=f"{distance_m / 1000:.1f}", most=f"{most_m / 1000:.0f}")


def pocket_warnings(snap: Snap, which: str) -> list[str]:
    """Say when a point joined a road cut off from the main network, or was moved off one."""
    if snap.pocket:
        return [_(ON_POCKET[which], why=_(CUT_OFF))]
    if snap.pocket_passed_m is not None and snap.distance_m - snap.pocket_passed_m > POCKET_NOTE_M:
        return [_(PASSED_POCKET[which], why=_(CUT_OFF), metres=f"{snap.distance_m:.0f}")]
    return []


#: How each layer's features are named in freshness warnings: (one, several).
NOUNS = {"roads": (N_("road"), N_("roads")), "gang_zones": (N_("gang zone"), N_("gang zones")),
         "ports": (N_("port"), N_("ports")),
         "displacement_sites": (N_("displacement site"), N_("displacement sites")),
         "incidents": (N_("incident"), N_("incidents"))}


def alternatives_note(found: int, asked: int, mode: str) -> str | None:
    """Say when fewer distinct alternatives exist than were asked for, and what "distinct" meant."""
    if found >= asked:
        return None
    stretch = Router.ALTERNATIVE_MAX_STRETCH
    rule = _("less than %(share)s of its length shared with another route, or a way round of at least %(km)s km",
             share=f"{Router.ALTERNATIVE_MAX_OVERLAP:.0%}", km=f"{Router.ALTERNATIVE_MIN_DETOUR_M / 1000:g}")
    where = _(" on roads passable in avoid mode") if mode == "avoid" else ""
    if found == 0:
        return _("No distinct alternative within %(stretch)s x the safest route's risk-weighted cost%(where)s "
                 "(%(rule)s).", stretch=f"{stretch:g}", where=where, rule=rule)
    return _("Only %(found)s distinct alternative(s) within %(stretch)s x the safest route's risk-weighted cost"
             "%(where)s (%(rule)s).", found=found, stretch=f"{stretch:g}", where=where, rule=rule)


def precision_warnings(routes: list[Route | None]) -> list[str]:
    """Say when distances and times rest on hand-drawn roads (ranges, not measurements)."""
    drawn = [r for r in routes if r is not None and r.hand_drawn_m > 0.5]
    if not drawn:
        return []
    share = max(r.hand_drawn_m / r.distance_m for r in drawn if r.distance_m > 0) if any(
        r.distance_m > 0 for r in drawn) else 1.0
    return [_("Up to %(share)s of the route is on hand-drawn roads: their lines cut the bends, so distances "
              "and times are estimates (lengthened by a winding factor per road class and terrain) given "
              "with a range; plan on the upper figure, especially on mountain roads.", share=f"{share:.0%}")]


def stale_warnings(data: Dataset, settings: Settings, layers, today: dt.date | None) -> list[str]:
    """A warning counting, in each layer an answer drew on as a whole, the features older than the limit.

    Per feature: one road dated today does not make the others fresh.  Official boundaries describe
    the country, not the crisis, incidents are dated events and derived figures keep every past round:
    none of them is "stale".
    """
    today = today or data.today
    used = [(data.feature_days[name], *NOUNS.get(name, (name, name)), N_("in the data"))
            for name in layers if not REGISTRY[name].reference and REGISTRY[name].stored and name != "incidents"]
    return stale_warnings_for(used, today, settings.stale_after_days)


def absence_warnings(data: Dataset, settings: Settings, today: dt.date | None, *, applies: bool = True) -> list[str]:
    """For answers resting on the absence of zones and incidents (``applies``): how old those layers are."""
    if not applies:
        return []
    today = today or data.today
    out = stale_warnings(data, settings, ("gang_zones",), today)
    newest = data.as_of.get("incidents")
    age = None if newest is None else (today - dt.date.fromisoformat(newest)).days
    if age is None or age > settings.stale_after_days:
        when = _("no incident is on record") if age is None else _(
            "the newest incident on record is %(days)s days old", days=age)
        out.append(_("No recent incident is known here, but %(when)s: the incident data may simply be missing.",
                     when=when))
    return out


def feature_stale_warnings(data: Dataset, settings: Settings, *, road_ids=(), zone_ids=(), roads_where: str,
                           zones_where: str, today: dt.date | None = None) -> list[str]:
    """A warning naming the roads and zones (by id) an answer used that are older than the limit."""
    today = today or data.today
    used = []
    for layer, ids, noun, plural, where in (("roads", road_ids, *NOUNS["roads"], roads_where),
                                            ("gang_zones", zone_ids, *NOUNS["gang_zones"], zones_where)):
        picked = data.layers[layer]["id"].isin(pd.unique(np.asarray(list(ids), dtype=object))).to_numpy()
        used.append((data.feature_days[layer][picked], noun, plural, where))
    return stale_warnings_for(used, today, settings.stale_after_days)


def route_stale_warnings(data: Dataset, settings: Settings, route: Route | None, *, near_buffer_m: float,
                         today: dt.date | None = None) -> list[str]:
    """The stale roads a route travels (its edges' road rows) and stale zones it enters or passes near."""
    if route is None:
        return []
    network = data.router.network
    rows = np.unique(network.edge_road[route.edges[route.weights > 0]])
    x = route.exposure
    zone_ids = [z["id"] for z in x.zones]
    if x.closest_controlled_zone is not None and x.closest_controlled_m is not None \
            and x.closest_controlled_m < near_buffer_m:
        zone_ids.append(x.closest_controlled_zone["id"])
    return feature_stale_warnings(data, settings, road_ids=network.road_ids[rows], zone_ids=zone_ids,
                                  roads_where=N_("on this route"),
                                  zones_where=N_("this route enters or passes near"), today=today)


def _endpoint_zones(data: Dataset, snaps: dict[str, Snap]) -> list[tuple[str, dict]]:
    """Zones that contain the snapped endpoints (the points the route really starts and ends at)."""
    out = []
    for field, which in (("from", "origin"), ("to", "destination")):
        hits = data.zones.tree.query(snaps[field].point, predicate="intersects")
        rank = ("controlled", "contested", "influence")
        for i in sorted(hits, key=lambda i: rank.index(data.zones.frame["status"].iat[i])):
            out.append((which, _zone(data.zones.frame, i)))
    return out


def _zone(zones, i: int) -> dict:
    group = zones["group"].iat[i]
    return {
        "id": zones["id"].iat[i],
        "name": zones["name"].iat[i],
        "status": zones["status"].iat[i],
        "group": None if pd.isna(group) else group,
    }


def _snap_info(data: Dataset, point: LonLat, snap: Snap) -> dict:
    x, y = data.lonlat(snap.point).coords[0]
    return {"requested": list(point), "snapped": [x, y], "snap_distance_m": round(snap.distance_m, 1)}


ROUTE_LABELS = {"safest": N_("Safest route"), "least_risk": N_("Least-risk route"), "shortest": N_("Shortest route")}


def _feature(data: Dataset, router: Router, route: Route, kind: str, mode: str, near_buffer_m: float, rank: int = 1,
             *, endpoint_in_controlled: bool = False) -> dict:
    if kind == "alternative":
        label = _("Alternative %(number)s", number=rank - 1)
    else:
        key = "least_risk" if mode == "least_risk" else kind
        label = _(ROUTE_LABELS[key])
    checkpoints, fees = route_checkpoints(router, route)
    verdict = route_verdict(route.exposure, near_buffer_m=near_buffer_m, endpoint_in_controlled=endpoint_in_controlled)
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": data.lonlat_coords(route.geometry)},
        "properties": {
            "kind": kind,
            "label": label,
            "mode": mode,
            "rank": rank,
            "verdict": checkpoint_verdict(verdict, sum(c["kind"] == "gang" for c in checkpoints)),
            "distance_m": round(route.distance_m, 1),
            "distance_range_m": [round(v, 1) for v in route.distance_range_m],
            "duration_s": round(route.duration_s),
            "duration_range_s": [round(v) for v in route.duration_range_s],
            "hand_drawn_m": round(route.hand_drawn_m, 1),
            "exposure": route.exposure.to_dict(),
            "exposed": data.edges_geojson(route.exposed),
            "itinerary": itinerary(data.router, route),
            "checkpoints": checkpoints,
            "fees": fees,
        },
    }
