"""The risk model: edge costs, route verdicts and plain-language reasons (pure functions)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import numpy as np

#: Route modes a caller may ask for.  ``shortest`` is internal: plain length, nothing forbidden.
MODES = ("avoid", "least_risk")
VERDICTS = ("safe", "caution", "unsafe", "no_safe_route")
#: Metres of an edge inside a controlled zone below which it counts as touching, not entering.
CONTROLLED_TOLERANCE_M = 1.0


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
        )


def edge_costs(
    length_m: np.ndarray,
    road_status: np.ndarray,
    inside_by_status: dict[str, np.ndarray],
    near_controlled_m: np.ndarray,
    weights: RiskWeights,
    mode: str,
) -> np.ndarray:
    """Cost of traversing each edge in ``mode``; ``inf`` marks an impassable edge.

    cost = length x (1 + penalties), each zone penalty weighted by the share of the edge inside.
    ``avoid``: blocked roads and edges entering controlled zones are impassable.
    ``least_risk``: both are allowed at steep costs, so the least-bad route can still be shown.
    ``shortest``: plain length.
    """
    length_m = np.asarray(length_m, dtype=float)
    if mode == "shortest":
        return length_m.copy()
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
    enters_controlled = inside_by_status["controlled"] > CONTROLLED_TOLERANCE_M
    if mode == "avoid":
        factor = np.where(blocked | enters_controlled, np.inf, factor)
    else:
        factor = factor + weights.controlled_least_risk * share["controlled"] + weights.blocked_least_risk * blocked
    return length_m * factor


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
        }


def route_verdict(exposure: RouteExposure, *, near_buffer_m: float, endpoint_in_controlled: bool = False) -> str:
    """``unsafe`` inside controlled zones or on blocked roads; ``caution`` for lesser exposure."""
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
        or close
    ):
        return "caution"
    return "safe"


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
) -> list[str]:
    """Plain sentences a planner can read: why the verdict, and what the direct route would cost."""
    reasons: list[str] = []
    for which, zone in endpoint_zones:
        reasons.append(f"The {which} lies inside {_zone_phrase(zone)}.")
    if verdict == "no_safe_route":
        reasons.append(
            "No route between these points avoids controlled zones and blocked roads. "
            "Ask with mode=least_risk for the least-exposed route."
        )
    label = "least-risk route" if mode == "least_risk" else "safest route"
    if safest is not None:
        reasons.extend(_exposure_sentences(label, safest, near_buffer_m))
        if verdict == "safe":
            reasons.append(
                f"The {label} avoids every mapped gang zone (by more than {near_buffer_m:.0f} m) "
                "and every dangerous or blocked road."
            )
    if shortest is not None and shortest_distance_m is not None:
        risky = [z["name"] for z in shortest.zones if z["status"] == "controlled"]
        blocked = [r["name"] for r in shortest.roads if r["status"] == "blocked"]
        if risky or blocked:
            parts = []
            if risky:
                parts.append("crosses controlled zones " + _names(risky))
            if blocked:
                parts.append("uses blocked roads " + _names(blocked))
            text = f"The shortest route ({_km(shortest_distance_m)}) " + " and ".join(parts)
            if safest is not None and safest_distance_m is not None and safest_distance_m > shortest_distance_m:
                text += f"; the {label} is {_km(safest_distance_m - shortest_distance_m)} longer"
            reasons.append(text + ".")
    return reasons


def _exposure_sentences(label: str, exposure: RouteExposure, near_buffer_m: float) -> list[str]:
    out = []
    for status in ("controlled", "contested", "influence"):
        zones = [z for z in exposure.zones if z["status"] == status]
        if zones:
            detail = ", ".join(f"{z['name']} ({_km(z['inside_m'])})" for z in zones)
            out.append(f"The {label} runs inside {status} zones: {detail}.")
    for status in ("blocked", "dangerous"):
        roads = [r for r in exposure.roads if r["status"] == status]
        if roads:
            total = sum(r["length_m"] for r in roads)
            out.append(
                f"It uses {_km(total)} of roads marked {status}: "
                + _names([r["name"] for r in roads])
                + "."
            )
    if (
        exposure.closest_controlled_m is not None
        and exposure.closest_controlled_zone is not None
        and exposure.inside_m.get("controlled", 0.0) <= CONTROLLED_TOLERANCE_M
        and exposure.closest_controlled_m < near_buffer_m
    ):
        out.append(
            f"It passes within {exposure.closest_controlled_m:.0f} m of controlled zone "
            f"{exposure.closest_controlled_zone['name']}."
        )
    return out


def _zone_phrase(zone: dict) -> str:
    group = f", {zone['group']}" if zone.get("group") else ""
    return f"{zone['name']} ({zone['status']}{group})"


def _names(names: list[str], limit: int = 4) -> str:
    unique = list(dict.fromkeys(names))
    shown = ", ".join(unique[:limit])
    return shown + (f" and {len(unique) - limit} more" if len(unique) > limit else "")


def _km(metres: float) -> str:
    return f"{metres / 1000:.1f} km"


def _m(value: float) -> float:
    return round(float(value), 1)
