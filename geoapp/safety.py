"""The risk model: edge costs, route verdicts and plain-language reasons (pure functions)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .i18n.translate import N_, _, decimal, ngettext
from .layers import event_type_label, status_label

#: Route modes a caller may ask for.  ``shortest`` is internal: plain length, nothing forbidden.
MODES = ("avoid", "least_risk")
VERDICTS = ("safe", "caution", "unsafe", "no_safe_route")
#: Metres of an edge inside a controlled zone below which it counts as touching, not entering.
CONTROLLED_TOLERANCE_M = 1.0
#: How much an event of each ACLED type says about danger on the roads around it (other types: 0.5).
EVENT_TYPE_WEIGHTS = {
    "Battles": 1.0,
    "Violence against civilians": 1.0,
    "Explosions/Remote violence": 1.0,
    "Riots": 0.5,
    "Strategic developments": 0.2,
    "Protests": 0.1,
}
OTHER_EVENT_WEIGHT = 0.5
#: Incidents weighing less than this on the day are left out (a battle without deaths after ~200 days).
MIN_INCIDENT_WEIGHT = 0.01
#: An incident only ``reported`` (one source, not yet confirmed) weighs this share of a ``verified`` one.
REPORTED_SHARE = 0.5


@dataclasses.dataclass(frozen=True)
class RiskWeights:
    """Penalty weights of the cost model (extra cost per metre; see settings)."""

    dangerous: float = 2.0
    contested: float = 4.0
    influence: float = 1.0
    near_controlled: float = 1.0
    controlled_least_risk: float = 50.0
    blocked_least_risk: float = 100.0
    near_buffer_m: float = 500.0
    incident: float = 1.0
    incident_half_life_days: float = 30.0
    #: reach of an incident by its ``geo_precision`` (1: the place itself, 2: near it, 3: the commune)
    incident_radius_m: tuple[float, float, float] = (1000.0, 3000.0, 10000.0)
    incident_caution: float = 0.5

    @classmethod
    def from_settings(cls, settings) -> RiskWeights:
        return cls(
            dangerous=settings.penalty_dangerous,
            contested=settings.penalty_contested,
            influence=settings.penalty_influence,
            near_controlled=settings.penalty_near_controlled,
            controlled_least_risk=settings.penalty_controlled_least_risk,
            blocked_least_risk=settings.penalty_blocked_least_risk,
            near_buffer_m=settings.near_buffer_m,
            incident=settings.penalty_incident,
            incident_half_life_days=settings.incident_half_life_days,
            incident_radius_m=(settings.incident_radius_m_1, settings.incident_radius_m_2,
                               settings.incident_radius_m_3),
            incident_caution=settings.incident_caution_risk,
        )


def incident_weights(
    event_type: np.ndarray, fatalities: np.ndarray, event_date: np.ndarray, today: dt.date, half_life_days: float
) -> np.ndarray:
    """What each incident weighs on ``today``: its severity, halved every ``half_life_days``.

    severity = event-type weight x (1 + ln(1 + fatalities)): deaths raise it, but a massacre does not
    outweigh everything else for a year.  Events after ``today`` weigh nothing (as of a past date,
    later events are unknown).
    """
    kind = pd.Series(np.asarray(event_type, dtype=object)).map(EVENT_TYPE_WEIGHTS).fillna(OTHER_EVENT_WEIGHT)
    kind = kind.to_numpy(dtype=float)
    severity = kind * (1.0 + np.log1p(np.asarray(fatalities, dtype=float)))
    dates = np.asarray(event_date, dtype="datetime64[D]")
    age = (np.datetime64(today, "D") - dates).astype(float)
    decay = np.where(age >= 0, 0.5 ** (np.maximum(age, 0) / half_life_days), 0.0)
    return severity * decay


def edge_costs(
    length_m: np.ndarray,
    road_status: np.ndarray,
    inside_by_status: dict[str, np.ndarray],
    near_controlled_m: np.ndarray,
    weights: RiskWeights,
    mode: str,
    incident_risk: np.ndarray | None = None,
) -> np.ndarray:
    """Cost of traversing each edge in ``mode``; ``inf`` marks an impassable edge.

    cost = length x (1 + penalties), each zone penalty weighted by the share of the edge inside, and
    recent incidents adding ``weights.incident`` per unit of the edge's ``incident_risk``.
    ``closed`` roads (landslide, bridge down, flood) are impassable in every mode, ``shortest`` too.
    ``avoid``: blocked roads and edges entering controlled zones are impassable as well.
    ``least_risk``: both are allowed at steep costs, so the least-bad route can still be shown.
    ``shortest``: plain length.
    """
    length_m = np.asarray(length_m, dtype=float)
    closed = np.asarray(road_status) == "closed"
    if mode == "shortest":
        return np.where(closed, np.inf, length_m)
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    share = {name: np.asarray(m) / length_m for name, m in inside_by_status.items()}
    dangerous = road_status == "dangerous"
    blocked = road_status == "blocked"
    factor = (
        1.0
        + weights.dangerous * dangerous
        + weights.contested * share["contested"]
        + weights.influence * share["influence"]
        + weights.near_controlled * np.asarray(near_controlled_m) / length_m
    )
    if incident_risk is not None:
        factor = factor + weights.incident * np.asarray(incident_risk)
    enters_controlled = inside_by_status["controlled"] > CONTROLLED_TOLERANCE_M
    if mode == "avoid":
        factor = np.where(blocked | enters_controlled, np.inf, factor)
    else:
        factor = factor + weights.controlled_least_risk * share["controlled"] + weights.blocked_least_risk * blocked
    return np.where(closed, np.inf, length_m * factor)


@dataclasses.dataclass(frozen=True)
class RouteExposure:
    """What a route is exposed to, in metres (zones and roads listed for the reasons)."""

    inside_m: dict[str, float]  # by zone status
    zones: list[dict]  # {id, name, status, group, inside_m}
    dangerous_road_m: float
    blocked_road_m: float
    roads: list[dict]  # dangerous/blocked roads used: {id, name, ref, status, length_m}
    near_controlled_m: float
    closest_controlled_m: float | None
    closest_controlled_zone: dict | None
    #: recent incidents that raised the route's risk, heaviest first; metres near weighty ones
    incidents: list[dict] = dataclasses.field(default_factory=list)
    near_incidents_m: float = 0.0

    def to_dict(self) -> dict:
        return {
            "inside_controlled_m": _m(self.inside_m.get("controlled", 0.0)),
            "inside_contested_m": _m(self.inside_m.get("contested", 0.0)),
            "inside_influence_m": _m(self.inside_m.get("influence", 0.0)),
            "zones": self.zones,
            "dangerous_road_m": _m(self.dangerous_road_m),
            "blocked_road_m": _m(self.blocked_road_m),
            "roads": self.roads,
            "near_controlled_m": _m(self.near_controlled_m),
            "closest_controlled_m": None if self.closest_controlled_m is None else _m(self.closest_controlled_m),
            "closest_controlled_zone": self.closest_controlled_zone,
            "near_incidents_m": _m(self.near_incidents_m),
            "incidents": self.incidents,
        }


def route_verdict(exposure: RouteExposure, *, near_buffer_m: float, endpoint_in_controlled: bool = False) -> str:
    """``unsafe`` inside controlled zones or on blocked roads; ``caution`` for lesser exposure.

    Recent incidents make a route ``caution`` (``near_incidents_m``), never ``unsafe``: their places
    and reach are approximate.
    """
    if (
        endpoint_in_controlled
        or exposure.inside_m.get("controlled", 0.0) > CONTROLLED_TOLERANCE_M
        or exposure.blocked_road_m > 0
    ):
        return "unsafe"
    close = exposure.closest_controlled_m is not None and exposure.closest_controlled_m < near_buffer_m
    if (
        exposure.inside_m.get("contested", 0.0) > 0
        or exposure.inside_m.get("influence", 0.0) > 0
        or exposure.dangerous_road_m > 0
        or exposure.near_incidents_m > 0
        or close
    ):
        return "caution"
    return "safe"


#: The reason given when no road at all joins the two ends (a sea or air leg may still: see answers.legs).
NOT_CONNECTED = N_("The two points are not connected by any mapped road in this direction (one-way streets are "
                   "followed, closed roads are impassable), so no mode can find a route.")


def route_reasons(
    *,
    verdict: str,
    mode: str,
    safest: RouteExposure | None,
    safest_distance_m: float | None,
    shortest: RouteExposure | None,
    shortest_distance_m: float | None,
    endpoint_zones: Iterable[tuple[str, dict]] = (),
    near_buffer_m: float,
    connected: bool = True,
) -> list[str]:
    """Plain sentences a planner can read: why the verdict, and what the direct route would cost.

    ``connected`` is False when no road at all leads from the origin to the destination: then no
    mode can help, and the reasons do not suggest asking with another.
    """
    reasons: list[str] = []
    for which, zone in endpoint_zones:
        reasons.append(_(ENDPOINT_INSIDE[which], zone=_zone_phrase(zone)))
    if not connected:
        reasons.append(_(NOT_CONNECTED))
    elif verdict == "no_safe_route":
        reasons.append(
            _("No route between these points avoids controlled zones and blocked roads.")
            + (_(" Ask with mode=least_risk for the least-exposed route.") if mode != "least_risk" else "")
        )
    label = _("least-risk route") if mode == "least_risk" else _("safest route")
    if safest is not None:
        reasons.extend(_exposure_sentences(label, safest, near_buffer_m))
        if verdict == "safe":
            reasons.append(_(
                "The %(route)s avoids every mapped gang zone (by more than %(metres)s m), "
                "every dangerous or blocked road, and no recent incident weighs heavily on it. This reflects "
                "the mapped data only: check the data's age in the warnings.", route=label,
                metres=f"{near_buffer_m:.0f}"))
    if shortest is not None and shortest_distance_m is not None:
        reasons.extend(_shortest_sentence(label, shortest, shortest_distance_m, safest, safest_distance_m))
    return reasons


#: Where an end of the route lies, by which end it is.
ENDPOINT_INSIDE = {"origin": N_("The origin lies inside %(zone)s."),
                   "destination": N_("The destination lies inside %(zone)s.")}
#: A route inside zones of each status, and on roads of each status (labels translated when read).
INSIDE_ZONES = {"controlled": N_("The %(route)s runs inside controlled zones: %(detail)s."),
                "contested": N_("The %(route)s runs inside contested zones: %(detail)s."),
                "influence": N_("The %(route)s runs inside influence zones: %(detail)s.")}
ON_ROADS = {"blocked": N_("It uses %(km)s of roads marked blocked: %(names)s."),
            "dangerous": N_("It uses %(km)s of roads marked dangerous: %(names)s.")}


def _shortest_sentence(label: str, shortest: RouteExposure, shortest_distance_m: float,
                       safest: RouteExposure | None, safest_distance_m: float | None) -> list[str]:
    """What the direct way would cost: the controlled zones and blocked roads it crosses (none: nothing said)."""
    risky = [z["name"] for z in shortest.zones if z["status"] == "controlled"]
    blocked = [r["name"] for r in shortest.roads if r["status"] == "blocked"]
    if not risky and not blocked:
        return []
    parts = []
    if risky:
        parts.append(_("crosses controlled zones %(names)s", names=_names(risky)))
    if blocked:
        parts.append(_("uses blocked roads %(names)s", names=_names(blocked)))
    text = _("The shortest route (%(km)s) %(what)s", km=_km(shortest_distance_m), what=_(" and ").join(parts))
    if safest is not None and safest_distance_m is not None and safest_distance_m > shortest_distance_m:
        text += _("; the %(route)s is %(km)s longer", route=label, km=_km(safest_distance_m - shortest_distance_m))
    return [text + "."]


def _exposure_sentences(label: str, exposure: RouteExposure, near_buffer_m: float) -> list[str]:
    out = []
    for status in ("controlled", "contested", "influence"):
        zones = [z for z in exposure.zones if z["status"] == status]
        if zones:
            detail = ", ".join(f"{z['name']} ({_km(z['inside_m'])})" for z in zones)
            out.append(_(INSIDE_ZONES[status], route=label, detail=detail))
    for status in ("blocked", "dangerous"):
        roads = [r for r in exposure.roads if r["status"] == status]
        if roads:
            total = sum(r["length_m"] for r in roads)
            out.append(_(ON_ROADS[status], km=_km(total), names=_names([r["name"] for r in roads])))
    if exposure.incidents:
        shown = exposure.incidents[:3]
        more = len(exposure.incidents) - len(shown)
        listed = "; ".join(_incident_phrase(i) for i in shown) + (_("; and %(more)s more", more=more) if more else "")
        out.append(ngettext("It passes near %(num)s recent incident that raised its risk: %(listed)s.",
                            "It passes near %(num)s recent incidents that raised its risk: %(listed)s.",
                            len(exposure.incidents), listed=listed))
    if (
        exposure.closest_controlled_m is not None
        and exposure.closest_controlled_zone is not None
        and exposure.inside_m.get("controlled", 0.0) <= CONTROLLED_TOLERANCE_M
        and exposure.closest_controlled_m < near_buffer_m
    ):
        out.append(_("It passes within %(metres)s m of controlled zone %(zone)s.",
                     metres=f"{exposure.closest_controlled_m:.0f}", zone=exposure.closest_controlled_zone["name"]))
    return out


def _incident_phrase(incident: dict) -> str:
    place = _(" at %(place)s", place=incident["location"]) if incident.get("location") else ""
    killed = _(", %(deaths)s killed", deaths=incident["fatalities"]) if incident.get("fatalities") else ""
    return _("%(event)s%(place)s on %(date)s (%(metres)s m away%(killed)s)", event=event_type_label(
        incident["event_type"]), place=place, date=incident["event_date"], metres=f"{incident['distance_m']:.0f}",
        killed=killed)


def _zone_phrase(zone: dict) -> str:
    group = f", {zone['group']}" if zone.get("group") else ""
    return f"{zone['name']} ({status_label('gang_zones', zone['status'])}{group})"


def _names(names: list[str], limit: int = 4) -> str:
    unique = list(dict.fromkeys(names))
    shown = ", ".join(unique[:limit])
    return shown + (_(" and %(more)s more", more=len(unique) - limit) if len(unique) > limit else "")


def _km(metres: float) -> str:
    return _("%(km)s km", km=decimal(metres / 1000))


def _m(value: float) -> float:
    return round(float(value), 1)
