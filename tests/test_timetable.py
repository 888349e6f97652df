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


def layers(*, barge="Mon,Thu 07:00", flight="daily 08:00"):
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
                           vehicles=False, geometry=LineString([PORT_A, PORT_B])))
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
