"""The risk model's pure functions: edge costs, verdicts and reasons."""

from __future__ import annotations

import numpy as np
import pytest

from geoapp.safety import RiskWeights, RouteExposure, edge_costs, route_reasons, route_verdict

W = RiskWeights()


def exposure(**kw) -> RouteExposure:
    base = dict(inside_m={"controlled": 0.0, "contested": 0.0, "influence": 0.0}, zones=[], dangerous_road_m=0.0,
                blocked_road_m=0.0, roads=[], near_controlled_m=0.0, closest_controlled_m=None,
                closest_controlled_zone=None)
    base.update(kw)
    return RouteExposure(**base)


def costs(mode, status, controlled=0.0, contested=0.0, influence=0.0, near=0.0):
    length = np.array([100.0])
    inside = {"controlled": np.array([controlled]), "contested": np.array([contested]),
              "influence": np.array([influence])}
    return edge_costs(length, np.array([status], dtype=object), inside, np.array([near]), W, mode)[0]


def test_cost_is_length_times_one_plus_penalties():
    assert costs("avoid", "open") == 100
    assert costs("avoid", "dangerous") == 100 * (1 + W.dangerous)
    assert costs("avoid", "open", contested=50) == pytest.approx(100 * (1 + W.contested * 0.5))
    assert costs("avoid", "open", influence=100, near=20) == pytest.approx(100 * (1 + W.influence + 0.2))


def test_avoid_forbids_blocked_roads_and_controlled_zones_least_risk_prices_them():
    assert costs("avoid", "blocked") == np.inf
    assert costs("avoid", "open", controlled=10) == np.inf
    assert costs("avoid", "open", controlled=0.5) == 100  # touching a boundary is not entering
    assert costs("least_risk", "blocked") == 100 * (1 + W.blocked_least_risk)
    assert costs("least_risk", "open", controlled=100) == 100 * (1 + W.controlled_least_risk)
    assert costs("shortest", "blocked", controlled=100) == 100


@pytest.mark.parametrize("mode", ["avoid", "least_risk", "shortest"])
def test_a_closed_road_is_impassable_in_every_mode(mode):
    assert costs(mode, "closed") == np.inf
    assert costs(mode, "closed", controlled=0.0) == np.inf


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError):
        costs("fastest", "open")


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({}, "safe"),
        ({"closest_controlled_m": 5000.0}, "safe"),
        ({"closest_controlled_m": 200.0}, "caution"),
        ({"dangerous_road_m": 10.0}, "caution"),
        ({"inside_m": {"controlled": 0.0, "contested": 30.0, "influence": 0.0}}, "caution"),
        ({"inside_m": {"controlled": 0.0, "contested": 0.0, "influence": 30.0}}, "caution"),
        ({"blocked_road_m": 5.0}, "unsafe"),
        ({"inside_m": {"controlled": 300.0, "contested": 0.0, "influence": 0.0}}, "unsafe"),
    ],
)
def test_verdicts(kw, expected):
    assert route_verdict(exposure(**kw), near_buffer_m=500) == expected


def test_an_endpoint_inside_a_controlled_zone_is_never_safe():
    assert route_verdict(exposure(), near_buffer_m=500, endpoint_in_controlled=True) == "unsafe"


def test_reasons_name_zones_roads_and_the_detour():
    zone = {"id": "z", "name": "Martissant", "status": "controlled", "group": "Grand Ravine", "inside_m": 2000.0}
    road = {"id": "r", "name": "RN2 Martissant", "ref": "RN2", "status": "blocked", "length_m": 2000.0}
    dangerous = {"id": "k", "name": "Kenscoff road", "ref": None, "status": "dangerous", "length_m": 9000.0}
    reasons = route_reasons(
        verdict="caution", mode="avoid",
        safest=exposure(dangerous_road_m=9000.0, roads=[dangerous]), safest_distance_m=60_000,
        shortest=exposure(inside_m={"controlled": 2000.0}, zones=[zone], blocked_road_m=2000.0, roads=[road]),
        shortest_distance_m=50_000, near_buffer_m=500,
    )
    text = " ".join(reasons)
    assert "9.0 km of roads marked dangerous: Kenscoff road" in text
    assert ("The shortest route (50.0 km) crosses controlled zones Martissant and uses blocked roads "
            "RN2 Martissant") in text
    assert "the safest route is 10.0 km longer" in text


def test_no_safe_route_reason_points_to_least_risk():
    reasons = route_reasons(verdict="no_safe_route", mode="avoid", safest=None, safest_distance_m=None,
                            shortest=None, shortest_distance_m=None,
                            endpoint_zones=[("origin", {"name": "Cité Soleil", "status": "controlled", "group": "G9"})],
                            near_buffer_m=500)
    assert reasons[0] == "The origin lies inside Cité Soleil (controlled, G9)."
    assert "mode=least_risk" in reasons[1]


@pytest.mark.parametrize("mode", ["avoid", "least_risk"])
def test_points_not_connected_at_all_are_told_so_without_suggesting_another_mode(mode):
    reasons = route_reasons(verdict="no_safe_route", mode=mode, safest=None, safest_distance_m=None,
                            shortest=None, shortest_distance_m=None, near_buffer_m=500, connected=False)
    assert reasons == ["The two points are not connected by any mapped road in this direction (one-way streets "
                       "are followed, closed roads are impassable), so no mode can find a route."]


def test_least_risk_never_suggests_asking_with_least_risk():
    reasons = route_reasons(verdict="no_safe_route", mode="least_risk", safest=None, safest_distance_m=None,
                            shortest=None, shortest_distance_m=None, near_buffer_m=500)
    assert not any("mode=least_risk" in r for r in reasons)
