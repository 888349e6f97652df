"""Departure times choose the boat: with ``depart=``, each leg is weighed by its actual wait, not its average one."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point

from geoapp.answers.legs import HAITI
from geoapp.answers.route import route_lookup
from geoapp.data.dataset import build_dataset
from geoapp.network.timetable import Timetable, timed_trip
from geoapp.settings import Settings

from .helpers import common, grid_roads, zones_frame

TODAY = dt.date(2025, 4, 10)
MONDAY = dt.date(2025, 4, 14)
MAINLAND = (-72.40, 18.50)
ISLAND = (-72.30, 18.60)
PORT_A = (MAINLAND[0] + 0.04, MAINLAND[1] + 0.04)  # the mainland grid's north-east corner
PORT_B = ISLAND  # the island grid's south-west corner
AIRPORT = (MAINLAND[0] + 0.04, MAINLAND[1])  # mainland south-east corner
AIRSTRIP = (ISLAND[0] + 0.02, ISLAND[1])  # island south-east corner
TO = (ISLAND[0] + 0.02, ISLAND[1] + 0.02)
SETTINGS = Settings(curfew="none")
BARGE = "cn-barge"
FLIGHT = "cn-flight"


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=HAITI)


def layers(*, barge="Mon,Thu 07:00", flight="daily 08:00", barge_takes_vehicles=False):
    roads = grid_roads(3, origin=ISLAND)
    roads["id"] = "isl-" + roads["id"]
    roads = gpd.GeoDataFrame([*grid_roads(5).to_dict("records"), *roads.to_dict("records")], geometry="geometry",
                             crs="EPSG:4326")
    ports = gpd.GeoDataFrame([
        common(id=pid, name=name, status="operational", kind=kind, geometry=Point(xy))
        for pid, name, kind, xy in (("pt-a", "Port A", "seaport", PORT_A), ("pt-b", "Port B", "seaport", PORT_B),
                                    ("pt-c", "Mainland airport", "airport", AIRPORT),
                                    ("pt-d", "Island airstrip", "airport", AIRSTRIP))], crs="EPSG:4326")
    rows = []
    if barge:
        rows.append(common(id=BARGE, name="Barge A-B", status="operating", from_port="pt-a", to_port="pt-b",
                           mode="sea", operator="Test barge", schedule=barge, duration_s=3600, capacity_t=20.0,
                           vehicles=barge_takes_vehicles, geometry=LineString([PORT_A, PORT_B])))
    if flight:
        rows.append(common(id=FLIGHT, name="Flight C-D", status="operating", from_port="pt-c", to_port="pt-d",
                           mode="air", operator="Test air", schedule=flight, duration_s=1800, capacity_t=1.0,
                           vehicles=False, geometry=LineString([AIRPORT, AIRSTRIP])))
    return {"roads": roads, "gang_zones": zones_frame(), "ports": ports,
            "connections": gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")}


@pytest.fixture(scope="module")
def data():
    return build_dataset(layers(), SETTINGS, today=TODAY)


def ask(data, depart=None):
    return route_lookup(data, SETTINGS, MAINLAND, TO, today=TODAY, modes=("road", "sea", "air"), depart=depart)


def check_times_follow(answer, depart: dt.datetime) -> None:
    """Each stage starts when the one before ends (legs: after their transfer and wait); the summary agrees."""
    now = depart
    for row in answer["legs"]:
        leaves = dt.datetime.fromisoformat(row["depart"])
        if row["mode"] == "road":
            assert leaves == now
        else:
            waited = (leaves - now).total_seconds()
            assert waited == pytest.approx(row["transfer_s"] + row["wait_s"], abs=60)
            assert row["wait_s"] >= 0
        arrives = dt.datetime.fromisoformat(row["arrive"])
        assert (arrives - leaves).total_seconds() == pytest.approx(row["duration_s"], abs=60)
        now = arrives
    assert answer["timing"]["arrive"] == answer["legs"][-1]["arrive"]
    assert answer["timing"]["depart"] == answer["legs"][0]["depart"] == depart.isoformat(timespec="minutes")


def test_without_depart_the_average_waits_pick_the_daily_flight(data):
    answer = ask(data)
    assert answer["decided_by"] == [FLIGHT]  # 12 h average wait against the barge's 42 h
    assert answer["legs"][1]["wait_s"] == 12 * 3600


def test_monday_at_five_takes_the_barge_that_leaves_first(data):
    depart = at(MONDAY, 5)
    answer = ask(data, depart)
    assert answer["decided_by"] == [BARGE]
    road, sea, _ = answer["legs"]
    assert sea["depart"] == "2025-04-14T07:00-04:00" and sea["timetabled"] is True
    ready = dt.datetime.fromisoformat(road["arrive"]) + dt.timedelta(seconds=sea["transfer_s"])
    assert sea["wait_s"] == pytest.approx((at(MONDAY, 7) - ready).total_seconds(), abs=60)  # times: to the minute
    assert 0 < sea["wait_s"] < 3600
    assert sea["arrive"] == "2025-04-14T08:00-04:00"
    check_times_follow(answer, depart)
    # the route's time is the timetable's, not the averages'
    props = answer["routes"][0]["properties"]
    assert props["duration_s"] == pytest.approx(answer["timing"]["duration_s"], abs=60)


def test_tuesday_takes_the_flight(data):
    depart = at(MONDAY + dt.timedelta(days=1), 5)
    answer = ask(data, depart)
    assert answer["decided_by"] == [FLIGHT]
    air = answer["legs"][1]
    assert air["depart"] == "2025-04-15T08:00-04:00" and air["wait_s"] > 3600
    check_times_follow(answer, depart)


def test_a_barge_missed_by_minutes_waits_for_the_next_or_the_flight_wins(data):
    # leaving at 05:55, the traveller is ready at Port A a few minutes after 07:00
    depart = at(MONDAY, 5, 55)
    answer = ask(data, depart)
    assert answer["decided_by"] == [FLIGHT] and answer["legs"][1]["depart"] == "2025-04-14T08:00-04:00"
    check_times_follow(answer, depart)
    barge_only = build_dataset(layers(flight=None), SETTINGS, today=TODAY)
    alone = ask(barge_only, depart)
    road, sea, _ = alone["legs"]
    ready = dt.datetime.fromisoformat(road["arrive"]) + dt.timedelta(seconds=sea["transfer_s"])
    assert at(MONDAY, 7) < ready < at(MONDAY, 7, 15)  # missed by minutes
    assert sea["depart"] == "2025-04-17T07:00-04:00"  # Thursday's
    assert sea["wait_s"] == pytest.approx((at(MONDAY + dt.timedelta(days=3), 7) - ready).total_seconds(), abs=60)
    check_times_follow(alone, depart)


def test_a_truck_waits_for_the_barge_that_takes_it():
    """On Tuesday the flight would win, but it takes no vehicles: a 4x4 waits for Thursday's barge."""
    data = build_dataset(layers(barge_takes_vehicles=True), SETTINGS, today=TODAY)
    depart = at(MONDAY + dt.timedelta(days=1), 5)
    answer = route_lookup(data, SETTINGS, MAINLAND, TO, today=TODAY, modes=("road", "sea", "air"), depart=depart,
                          vehicle="4x4", season="dry")
    assert answer["decided_by"] == [BARGE] and answer["legs"][1]["depart"] == "2025-04-17T07:00-04:00"
    check_times_follow(answer, depart)


def test_a_vehicle_is_said_to_change_the_trip_only_when_it_does():
    """The trip without the vehicle's limits is searched on the same clock as the answer's."""
    data = build_dataset(layers(barge_takes_vehicles=True), SETTINGS, today=TODAY)
    asked = {"today": TODAY, "modes": ("road", "sea", "air"), "vehicle": "4x4", "season": "dry"}
    monday = route_lookup(data, SETTINGS, MAINLAND, TO, depart=at(MONDAY, 5), **asked)
    assert monday["decided_by"] == [BARGE]  # the barge leaves first anyway: the vehicle changes nothing
    assert not any("goes another way" in r or "takes no vehicles" in r for r in monday["reasons"])
    tuesday = route_lookup(data, SETTINGS, MAINLAND, TO, depart=at(MONDAY + dt.timedelta(days=1), 5), **asked)
    assert tuesday["decided_by"] == [BARGE]  # the flight would win, but takes no vehicles
    assert any("Test air" in r and "takes no vehicles" in r and "goes another way" in r for r in tuesday["reasons"])


def test_a_trip_over_water_is_not_called_impossible_and_cites_its_connections(data):
    """No road joins the island to the mainland: the reasons must not say no mode can find a route."""
    answer = ask(data, at(MONDAY, 5))
    assert answer["verdict"] != "no_safe_route" and answer["decided_by"] == [BARGE]
    assert not any("not connected by any mapped road" in r for r in answer["reasons"])
    cited = {s["layer"]: s for s in answer["sources"]}
    assert cited["connections"]["features"] == 2 and cited["ports"]["features"] >= 2  # the safest's and shortest's


def test_every_boat_and_flight_an_answer_shows_has_its_warning(data):
    """The shortest trip may take another leg than the safest: each leg shown is one to confirm."""
    answer = ask(data, at(MONDAY, 5))
    shown = {stage["operator"] for route in answer["routes"] for stage in route["properties"].get("legs") or []
             if stage["mode"] != "road"}
    assert shown == {"Test barge", "Test air"}
    for operator in shown:
        assert sum(operator in w and "confirm the service" in w for w in answer["warnings"]) == 1


def test_every_hour_of_a_week_the_cheaper_connection_is_chosen(data):
    """Against each connection alone (the other suspended), the search picks the cheaper at every hour."""
    legs = data.legs
    origin, destination = (data.router.snap(data.project(*p)) for p in (MAINLAND, TO))
    chosen = set()
    for hour in range(7 * 24):
        depart = at(MONDAY, 0) + dt.timedelta(hours=hour)
        best = timed_trip(legs, origin, destination, "avoid", ("road", "sea", "air"), depart)
        only = {cid: timed_trip(legs, origin, destination, "avoid", ("road", "sea", "air"), depart,
                                suspended=(other,))
                for cid, other in ((BARGE, FLIGHT), (FLIGHT, BARGE))}
        assert best is not None and best.route.cost == pytest.approx(min(t.route.cost for t in only.values()))
        (leg,) = [s.leg for s in best.stages if s.mode != "road"]
        chosen.add(legs.connections["id"].iat[legs.conn[leg]])
    assert chosen == {BARGE, FLIGHT}


def test_departures_follow_haitis_clock_across_daylight_saving(data):
    table = Timetable(data.legs)
    # Haiti moves to summer time on 2025-03-09 at 02:00: the next day's 08:00 flight is 23 h after Saturday's 08:00
    depart = at(dt.date(2025, 3, 8), 8)
    flight = int(np.flatnonzero(data.legs.connections["id"].to_numpy()[data.legs.conn] == FLIGHT)[0])
    row = table.departures(depart)[flight]
    ahead = row[np.isfinite(row) & (row >= 0)]
    assert list(ahead[:3]) == [0.0, 23 * 3600.0, 47 * 3600.0]


def test_with_curfew_avoid_the_search_starts_when_the_curfew_ends():
    """Leaving at 04:00 under a 19:00-06:00 curfew: on the road at 06:00, too late for the 07:00 barge."""
    settings = Settings(curfew="19:00-06:00")
    data = build_dataset(layers(), settings, today=TODAY)
    depart = at(MONDAY, 4)
    waits = route_lookup(data, settings, MAINLAND, TO, today=TODAY, modes=("road", "sea", "air"), depart=depart,
                         curfew="avoid")
    assert waits["decided_by"] == [FLIGHT] and waits["legs"][0]["depart"] == "2025-04-14T06:00-04:00"
    assert waits["legs"][1]["depart"] == "2025-04-14T08:00-04:00" and waits["timing"]["curfew_wait_s"] == 7200
    # told of the curfew only, the traveller leaves at 04:00 and catches the barge
    told = route_lookup(data, settings, MAINLAND, TO, today=TODAY, modes=("road", "sea", "air"), depart=depart)
    assert told["decided_by"] == [BARGE] and told["legs"][1]["depart"] == "2025-04-14T07:00-04:00"
    assert told["legs"][0]["curfew"] == [{"hours": "19:00-06:00", "area": None}]


def test_the_bounds_change_the_work_not_the_trip():
    """On a synthetic network with 24 quick legs, the timed A* finds, from 80 pairs at all hours, the trips a
    Dijkstra over the same labels finds (every bound zeroed: landmarks, straight line, road-only, per
    second), whether or not the road route is given to beat."""
    import pyproj
    import shapely

    from geoapp.network.legs import LegNetwork, LegRules
    from geoapp.network.routing import RoadNetwork, Router
    from geoapp.safety import RiskWeights

    from .synthetic import synthetic_network

    settings = Settings()
    roads, zones = synthetic_network(100)
    network = RoadNetwork(roads, metric_crs=settings.metric_crs, max_edge_m=500.0, speeds_kmh=settings.speeds_kmh())
    router = Router(network, roads, zones, weights=RiskWeights(), today=TODAY)
    router.tighten()
    rng = np.random.default_rng(3)
    gates = rng.choice(network.graph.n_nodes, 24, replace=False)
    gates = gates[np.argsort(network.graph.nodes[gates][:, 0])]  # legs from the west half to the east half
    lon, lat = pyproj.Transformer.from_crs(settings.metric_crs, "EPSG:4326", always_xy=True).transform(
        *network.graph.nodes[gates].T)
    names = [f"pt-{i}" for i in range(len(gates))]
    ports = gpd.GeoDataFrame({"id": names, "name": names, "kind": "seaport", "status": "operational"},
                             geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    schedules = ["daily 06:00,09:00,12:00,15:00", "Mon,Thu 07:00", "on request", "Tue-Sat 09:30,17:00"]
    connections = gpd.GeoDataFrame({
        "id": [f"cn-{i}" for i in range(12)], "from_port": names[:12], "to_port": names[12:],
        "mode": ["air"] * 12, "status": "operating", "operator": "test", "vehicles": False, "capacity_t": 1.0,
        "schedule": [schedules[i % 4] for i in range(12)], "duration_s": rng.uniform(300, 1500, 12)},
        geometry=[shapely.LineString([(lon[i], lat[i]), (lon[i + 12], lat[i + 12])]) for i in range(12)],
        crs="EPSG:4326")
    legs = LegNetwork(router, connections, ports, metric_crs=settings.metric_crs,
                      rules=LegRules.from_settings(settings))
    table = Timetable(legs)
    table.tighten()
    engine = legs.engine("avoid", ("road", "sea", "air"))
    nodes = np.unique(network.topology.tail[np.isfinite(router.engines["avoid"].cost)])  # not in controlled zones
    pairs = rng.choice(nodes, (80, 2))
    departs = [at(MONDAY, 0) + dt.timedelta(hours=float(h)) for h in rng.uniform(0, 7 * 24, len(pairs))]

    def costs():
        out = []
        for (a, b), depart in zip(pairs, departs, strict=True):
            road = router.engines["avoid"].shortest({int(a): 0.0}, {int(b): 0.0})
            plain = table.search(engine, "avoid", depart, {int(a): (0.0, 0.0)}, {int(b): 0.0})
            beaten = table.search(engine, "avoid", depart, {int(a): (0.0, 0.0)}, {int(b): 0.0},
                                  beat=np.inf if road is None else road.cost * (1 + 1e-9),
                                  untimed=engine.shortest({int(a): 0.0}, {int(b): 0.0}))
            out.append([np.inf if p is None else p.cost for p in (plain, beaten)])
            with_legs.append(plain is not None and bool((legs.arc_leg[plain.arcs] >= 0).any()))
        return np.array(out)

    with_legs: list[bool] = []

    bounded = costs()
    # no bounds: zero landmark tables, no road-only bound, no straight-line bound (every node at one
    # place), no cost per second
    topology = legs.topology
    table._bounds["avoid"] = (np.zeros_like(topology.lm_from), np.zeros_like(topology.lm_to))
    road_engine = router.engines["avoid"]
    road_engine.bounds = tuple(np.zeros_like(x) for x in road_engine.bounds)
    for places in {id(t): t for t in (topology, router.network.topology, road_engine.topology)}.values():
        places.xy = np.zeros_like(places.xy)
    table._rate["avoid"] = 0.0
    plain = costs()
    assert np.isfinite(plain[:, 0]).mean() > 0.8 and sum(with_legs) >= 5  # some of the trips take a leg
    np.testing.assert_allclose(bounded, plain, rtol=1e-9)
    assert (bounded[:, 1] <= bounded[:, 0] * (1 + 1e-9)).all()
