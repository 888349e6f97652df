"""Trips over roads and legs beyond the safest one: the shortest trip, access over legs, what a vehicle changes."""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..data.dataset import Dataset
from ..i18n.translate import _, decimal, ngettext
from ..io.geojson import cell_number
from ..network.access import FIGURES, access_by_mode
from ..network.engine import PathEngine
from ..network.legs import LEG_MODES, LegNetwork, Trip
from ..network.routing import Router, Snap
from ..settings import Settings
from .constraints import barred_roads, ruled_out_reasons, vehicle_label
from .legs import leg_caveats, leg_name, leg_verdict, stages_json, trip_for


def asks_legs(data: Dataset, modes: tuple[str, ...]) -> bool:
    """Whether a lookup searches sea or air legs (asked, and the data has connections)."""
    return any(m in LEG_MODES for m in modes) and data.legs is not None


def with_shortest_trip(answer: dict, data: Dataset, settings: Settings, router: Router, snaps: dict[str, Snap],
                       modes: tuple[str, ...], *, make_feature, today: dt.date | None = None) -> dict:
    """With legs asked, the ``shortest`` route is the shortest trip over roads and legs.

    A leg counts as its time, as in the other modes (transfer, average wait and crossing, an hour
    weighing as ``leg_cost_kmh`` km of road), without its ports' risks; a trip whose shortest way is
    by road alone keeps the road route.  ``make_feature`` turns a Route into a ``shortest`` Feature.
    """
    if not asks_legs(data, modes):
        return answer
    assert data.legs is not None
    trip = data.legs.over(router).trip(snaps["from"], snaps["to"], "shortest", modes)
    if trip is None or not trip.uses_legs:
        return answer
    feature, caveats = trip_feature(data, settings, trip, make_feature(trip.route), ends=_ends(answer), modes=modes,
                                    today=today)
    # its boats and flights are as unconfirmed as the safest trip's: each one used gets its warning
    answer["warnings"] = [*dict.fromkeys([*caveats, *answer.get("warnings", [])])]
    answer["routes"] = [f for f in answer["routes"] if f["properties"]["kind"] != "shortest"] + [feature]
    return answer


def trip_feature(data: Dataset, settings: Settings, trip: Trip, feature: dict, *, ends: tuple[str, str],
                 modes: tuple[str, ...], today: dt.date | None) -> tuple[dict, list[str]]:
    """A route Feature made a trip's, and the warnings on the legs it uses.

    The Feature gets its legs, the whole distance and time, and the legs' say on its verdict.
    """
    assert data.legs is not None
    used = [s.leg for s in trip.stages if s.mode != "road"]
    stages: list[dict] = stages_json(data, trip, ends=ends, near_buffer_m=settings.near_buffer_m)
    caveats, unconfirmed = leg_caveats(data, settings, used, today)
    props = feature["properties"]
    props["verdict"] = leg_verdict(data.legs, trip, props["verdict"], unconfirmed=unconfirmed)
    props["road_distance_m"] = props["distance_m"]
    props["distance_m"] = round(sum(s["distance_m"] for s in stages), 1)
    extra = sum(data.legs.leg_seconds(i) for i in used)
    props["duration_s"] = round(trip.route.duration_s + extra)
    props["duration_range_s"] = [round(v + extra) for v in trip.route.duration_range_s]
    props["modes"] = list(modes)
    props["legs"] = stages
    return feature, caveats


def _ends(answer: dict) -> tuple[str, str]:
    start, end = ((answer[k].get("near") or {}).get("name") or fallback
                  for k, fallback in (("from", _("the origin")), ("to", _("the destination"))))
    return str(start), str(end)


def leg_access(data: Dataset, hub: Snap, edge_cost: dict[str, np.ndarray], figures: np.ndarray,
               modes: tuple[str, ...], *, suspended=(), closed_ports=(), router: Router | None = None) -> dict:
    """Access trees over roads and legs: as ``access_by_mode``, plus ``legs_m`` (metres by sea, by air) per site.

    ``router``: a vehicle's or season's copy of the data's (the legs it cannot board are left out).
    """
    assert data.legs is not None
    router = router or data.router
    legs = data.legs.over(router)
    engines = {}
    for mode in ("avoid", "least_risk"):
        if edge_cost[mode] is router.edge_cost[mode] and not suspended and not closed_ports:
            engines[mode] = legs.engine(mode, modes)
        else:
            engines[mode] = PathEngine(legs.topology, legs.arc_cost(
                mode, modes, road_arc_cost=edge_cost[mode][router.graph.arc_edge], suspended=suspended,
                closed_ports=closed_ports))
    n = figures.shape[1]
    by_leg = legs.leg_figures(FIGURES)  # columns after FIGURES in ``figures`` (checkpoints' bits): none on a leg
    by_leg = np.c_[by_leg[:, :len(FIGURES)], np.zeros((len(by_leg), n - len(FIGURES))), by_leg[:, len(FIGURES):]]
    augmented = np.vstack([np.c_[figures, np.zeros((len(figures), 2))], by_leg])
    result = access_by_mode(router, engines, edge_cost, augmented, hub, data.access.snaps, arcs=legs.access_arcs())
    out: dict = {mode: (cost, rows[:, :n]) for mode, (cost, rows) in result.items()}
    out["legs_m"] = {mode: rows[:, n:] for mode, (_, rows) in result.items()}
    return out


def site_legs(result: dict, i: int, reachable: bool) -> dict | None:
    """Metres by sea and by air on the best route to site ``i`` (None: roads only)."""
    if "legs_m" not in result:
        return None
    sea, air = result["legs_m"]["avoid" if reachable else "least_risk"][i]
    return {"sea_m": round(float(sea), 1), "air_m": round(float(air), 1)} if sea > 0 or air > 0 else None


def with_vehicle_trip(answer: dict, data: Dataset, router: Router, snaps: dict[str, Snap], mode: str,
                      modes: tuple[str, ...], *, endpoint_in_controlled: bool, depart: dt.datetime | None = None
                      ) -> dict:
    """Say what a vehicle (or season) changes about a trip over roads and legs.

    The trip is searched again without the restriction: the boats and flights it would take that
    carry no vehicles, and the roads the vehicle cannot take, are named, saying whether they rule
    the trip out or make it go another way.  A road vehicle going on board is said too.  The
    reasons follow the one naming the leg that made the trip possible, else come first.  ``depart``:
    when the search's clock starts (as the answer's trip was searched), so both trips wait alike.
    """
    if router is data.router or not asks_legs(data, modes) or (mode == "avoid" and endpoint_in_controlled):
        return answer
    assert data.legs is not None
    legs = data.legs.over(router)
    said = _ruled_out(data, legs, router, snaps, mode, modes, answer, depart) + _on_board(legs, router, answer)
    at = 1 if answer.get("decided_by") else 0
    answer["reasons"] = [*answer["reasons"][:at], *said, *answer["reasons"][at:]]
    return answer


def _ruled_out(data: Dataset, legs: LegNetwork, router: Router, snaps: dict[str, Snap], mode: str,
               modes: tuple[str, ...], answer: dict, depart: dt.datetime | None) -> list[str]:
    plain = trip_for(data, snaps, mode, modes, None, router=data.router, depart=depart)
    if plain is None:
        return []
    roads = [s.route for s in plain.stages if s.route is not None]
    used = np.concatenate([r.edges[r.weights > 0] for r in roads]) if roads else np.zeros(0, np.int64)
    barred = [s.leg for s in plain.stages if s.mode != "road" and legs.barred[s.leg]]
    safest = next((f["properties"] for f in answer["routes"] if f["properties"]["kind"] == "safest"), None)
    plain_m = sum(r.distance_m for r in roads) + sum(float(legs.leg_line(s.leg).length) for s in plain.stages
                                                     if s.mode != "road")
    longer_m = 0.0 if safest is None else safest["distance_m"] - plain_m
    if not barred:
        return ruled_out_reasons(router, used, safest is not None, longer_m)
    parts = [_("%(leg)s, which takes no vehicles", leg=leg_name(legs, i)) for i in dict.fromkeys(barred)]
    too_small = barred_roads(router, used)
    if too_small is not None:
        parts.append(_("roads it cannot take: %(roads)s", roads=too_small))
    what = "; ".join(parts)
    if safest is None:
        return [_("No route for the vehicle chosen (%(vehicle)s): the way there needs %(what)s.",
                  vehicle=vehicle_label(router), what=what)]
    return [_("For the vehicle chosen (%(vehicle)s) the trip cannot use %(what)s: it goes another way, %(km)s km "
              "longer.", vehicle=vehicle_label(router), what=what, km=decimal(max(longer_m, 0) / 1000))]


def _on_board(legs: LegNetwork, router: Router, answer: dict) -> list[str]:
    """A road vehicle's trip using a leg: it goes on board, with the capacity on record."""
    if router.vehicle in (None, "foot"):
        return []
    safest = next((f["properties"] for f in answer["routes"] if f["properties"]["kind"] == "safest"), None)
    out = []
    for stage in (safest or {}).get("legs") or []:
        if stage["mode"] == "road":
            continue
        leg = _leg_of(legs, stage)
        capacity = cell_number(stage.get("capacity_t"))
        sentence = _("The vehicle chosen (%(vehicle)s) goes on board %(leg)s, which takes vehicles: book its place "
                     "with the operator.", vehicle=vehicle_label(router), leg=leg_name(legs, leg)) \
            if capacity is None else \
            _("The vehicle chosen (%(vehicle)s) goes on board %(leg)s, which takes vehicles (%(tonnes)s t at most "
              "on record): book its place and check its weight with the operator.", vehicle=vehicle_label(router),
              leg=leg_name(legs, leg), tonnes=decimal(capacity, 0))
        out.append(sentence)
    return out


def _leg_of(legs: LegNetwork, stage: dict) -> int:
    """The leg arc a stage of the answer (``legs`` entry) travels."""
    ids = legs.connections["id"].to_numpy(dtype=object)[legs.conn]
    ports = legs.ports["id"].to_numpy(dtype=object)[legs.from_port]
    return int(np.flatnonzero((ids == stage["connection"]) & (ports == stage["from"]["id"]))[0])



#: Connections named in a sentence at most (the others are counted).
MAX_NAMED_CONNECTIONS = 3


def unboarded_note(data: Dataset, router: Router) -> str | None:
    """For a vehicle's access over legs: the boats and flights left out because they take no vehicles."""
    if data.legs is None or router is data.router:
        return None
    legs = data.legs.over(router)
    rows = list(dict.fromkeys(int(r) for r in legs.conn[legs.barred]))
    if not rows:
        return None
    names = [str(legs.connections["name"].iat[r]) for r in rows[:MAX_NAMED_CONNECTIONS]]
    if len(rows) > MAX_NAMED_CONNECTIONS:
        names.append(ngettext("%(num)s more", "%(num)s more", len(rows) - MAX_NAMED_CONNECTIONS))
    return _("The boats and flights that take no vehicles are left out: %(names)s.", names=", ".join(names))
