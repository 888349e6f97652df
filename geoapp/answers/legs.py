"""Route answers over roads, sea and air legs, with departure times and curfews (``modes=``, ``depart=``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from shapely.geometry import shape as to_shape
from shapely.geometry.base import BaseGeometry

from ..data.dataset import Dataset
from ..errors import BadRequest
from ..i18n.translate import N_, _
from ..io.geojson import cell_number, cell_text
from ..layers import status_label
from ..network.legs import LEG_MODES, TRAVEL_MODES, LegNetwork, Stage, Trip, after, next_departure
from ..network.routing import Route, Router, Snap
from ..network.timetable import timed_trip
from ..safety import NOT_CONNECTED, route_verdict
from ..settings import Settings

#: Haiti's clock (it keeps daylight saving time, March to November)
HAITI = ZoneInfo("America/Port-au-Prince")
CURFEW_CHOICES = ("caution", "avoid")
VEHICLE_WORD = {"sea": N_("boat"), "air": N_("flight")}


def parse_modes(text: str | None) -> tuple[str, ...]:
    """``modes=road,sea,air`` as a tuple in that order; roads are always part of a trip (to and from ports)."""
    if text is None or not text.strip():
        return ("road",)
    asked = [m.strip() for m in text.split(",") if m.strip()]
    bad = [m for m in asked if m not in TRAVEL_MODES]
    if bad:
        raise BadRequest(_("modes: %(bad)s is not one of %(choices)s", bad=bad[0], choices=", ".join(TRAVEL_MODES)),
                         field="modes")
    return tuple(m for m in TRAVEL_MODES if m in asked or m == "road")


def parse_depart(text: str | None) -> dt.datetime | None:
    """``depart=YYYY-MM-DDTHH:MM``, Haiti's local time, as an aware datetime."""
    if text is None or not text.strip():
        return None
    try:
        local = dt.datetime.strptime(text.strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        raise BadRequest(_("depart=%(value)s must be a local date and time YYYY-MM-DDTHH:MM (Haiti's clock)",
                           value=text[:40]), field="depart") from None
    return local.replace(tzinfo=HAITI)


def parse_curfew(text: str | None) -> str:
    """``curfew=caution`` (default: say so) or ``avoid`` (wait for its end, or refuse)."""
    value = (text or "caution").strip()
    if value not in CURFEW_CHOICES:
        raise BadRequest(_("curfew must be one of %(choices)s", choices=", ".join(CURFEW_CHOICES)), field="curfew")
    return value


@dataclasses.dataclass(frozen=True)
class Curfew:
    """Hours (local) when no one should be on the road: everywhere (``area`` None) or inside a polygon."""

    start: dt.time
    end: dt.time
    name: str | None = None
    area: BaseGeometry | None = None  # metric polygon

    @property
    def hours(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def windows(self, begin: dt.datetime, end: dt.datetime):
        """The curfew periods (aware local start, end) overlapping [begin, end]."""
        day = begin.date() - dt.timedelta(days=1)
        while day <= end.date():
            s = dt.datetime.combine(day, self.start, tzinfo=HAITI)
            e = dt.datetime.combine(day + dt.timedelta(days=1 if self.end <= self.start else 0), self.end, tzinfo=HAITI)
            if s < end and e > begin:
                yield s, e
            day += dt.timedelta(days=1)


def parse_hours(text: str) -> tuple[dt.time, dt.time]:
    """``HH:MM-HH:MM`` as two times (the second may be the next day)."""
    start, end = (dt.datetime.strptime(p.strip(), "%H:%M").time() for p in text.split("-"))
    return start, end


@functools.lru_cache(maxsize=4)
def _area_curfews(path: str, metric_crs: str) -> tuple[Curfew, ...]:
    """The polygons of a curfew-areas GeoJSON file (``hours``, ``name``) in the metric CRS."""
    import pyproj  # noqa: PLC0415 (only when a file is configured)

    project = pyproj.Transformer.from_crs("EPSG:4326", metric_crs, always_xy=True)
    out = []
    for feature in json.loads(Path(path).read_text(encoding="utf-8"))["features"]:
        metric = shapely.transform(to_shape(feature["geometry"]),
                                   lambda xy: np.column_stack(project.transform(xy[:, 0], xy[:, 1])))
        props = feature.get("properties") or {}
        out.append(Curfew(*parse_hours(props["hours"]), name=props.get("name"), area=metric))
    return tuple(out)


def curfews(settings: Settings) -> tuple[Curfew, ...]:
    """The national curfew (``settings.curfew``, unless ``none``) and the areas' (``settings.curfew_areas``)."""
    out = [] if settings.curfew.strip().lower() in ("", "none") else [Curfew(*parse_hours(settings.curfew))]
    if settings.curfew_areas:
        out += _area_curfews(str(settings.curfew_areas), settings.metric_crs)
    return tuple(out)


def trip_for(data: Dataset, snaps: dict[str, Snap], mode: str, modes: tuple[str, ...], road: Route | None, *,
             edge_cost=None, suspended=(), closed_ports=(), router: Router | None = None,
             depart: dt.datetime | None = None) -> Trip | None:
    """The best trip in ``modes`` (the road route as it is when only roads are asked or no leg helps).

    ``router``: a vehicle's or season's copy of the data's (its roads, speeds and the legs it boards).
    With ``depart``, legs are weighed by their actual waits (``network.timetable``), else by their average ones.
    """
    router = router or data.router
    if any(m in LEG_MODES for m in modes) and data.legs is not None and depart is not None:
        return timed_trip(data.legs.over(router), snaps["from"], snaps["to"], mode, modes, depart,
                          edge_cost=edge_cost, suspended=suspended, closed_ports=closed_ports,
                          road=None if edge_cost is not None else road)
    if any(m in LEG_MODES for m in modes) and data.legs is not None:
        return data.legs.over(router).trip(snaps["from"], snaps["to"], mode, modes, edge_cost=edge_cost,
                                           suspended=suspended, closed_ports=closed_ports)
    if edge_cost is not None or road is None:
        road = router.route(snaps["from"], snaps["to"], mode, edge_cost=edge_cost)
    if road is None:
        return None
    return Trip(road, (Stage("road", road),))


def leg_verdict(legs: LegNetwork, trip: Trip, road_verdict: str, *, unconfirmed: bool = False) -> str:
    """A trip's verdict: its roads', caution with a restricted port or unconfirmed leg, unsafe if gang-held.

    ``unconfirmed``: a leg the data cannot vouch for (see ``leg_caveats``).
    """
    ports = [p for s in trip.stages if s.mode != "road" for p in (legs.from_port[s.leg], legs.to_port[s.leg])]
    status = {legs.ports["status"].iat[p] for p in ports}
    if "gang_controlled" in status or legs.port_controlled[ports].any():
        return "unsafe"
    if ("restricted" in status or unconfirmed) and road_verdict == "safe":
        return "caution"
    return road_verdict


def leg_caveats(data: Dataset, settings: Settings, legs: list[int], today: dt.date | None = None
                ) -> tuple[list[str], bool]:
    """A warning per leg the trip relies on, and whether any is unconfirmed (low confidence, or stale).

    The warning gives the record's date, confidence and schedule; stale is older than ``stale_after_days``.

    A boat or flight on record is not a seat on board: services are booked, delayed and suspended.
    """
    assert data.legs is not None
    warnings, unconfirmed = [], False
    for leg in legs:
        row = data.legs.connections.iloc[int(data.legs.conn[leg])]
        as_of = cell_text(row.get("as_of"))
        age = ((today or data.today) - dt.date.fromisoformat(as_of)).days if as_of else None
        doubtful = row.get("confidence") == "low" or age is None or age > settings.stale_after_days
        unconfirmed |= doubtful
        warnings.append(_("%(leg)s is on record as of %(date)s (%(days)s days ago), %(confidence)s confidence, "
                          "schedule %(schedule)s: confirm the service and a place on board with its operator "
                          "before relying on it.", leg=leg_name(data.legs, leg), date=as_of or _("no date"),
                          days=age if age is not None else "?",
                          confidence=status_label("confidence", str(row.get("confidence"))),
                          schedule=cell_text(row.get("schedule")) or "?"))
    return warnings, unconfirmed


def leg_name(legs: LegNetwork, leg: int) -> str:
    """``Port-au-Prince port -> Jérémie boat (WFP ...)``, for sentences."""
    ports = legs.ports["name"]
    operator = legs.connections["operator"].iat[legs.conn[leg]]
    what = _(VEHICLE_WORD[legs.mode[leg]])
    text = _("the %(from)s -> %(to)s %(what)s", **{"from": ports.iat[legs.from_port[leg]],
                                                    "to": ports.iat[legs.to_port[leg]], "what": what})
    return f"{text} ({operator})" if isinstance(operator, str) and operator else text


def stages_json(data: Dataset, trip: Trip, *, ends: tuple[str, str], near_buffer_m: float) -> list[dict[str, object]]:
    """The trip's stages as the answer's ``legs``: mode, ends, distance, duration, wait, operator, exposure."""
    legs = data.legs
    out: list[dict[str, object]] = []
    for k, stage in enumerate(trip.stages):
        if stage.mode == "road":
            route = stage.route
            assert route is not None
            before = trip.stages[k - 1] if k else None
            after = trip.stages[k + 1] if k + 1 < len(trip.stages) else None
            start = _port(legs, legs.to_port[before.leg]) if before is not None and legs else {"name": ends[0]}
            finish = _port(legs, legs.from_port[after.leg]) if after is not None and legs else {"name": ends[1]}
            out.append({"mode": "road", "from": start, "to": finish, "distance_m": round(route.distance_m, 1),
                        "duration_s": round(route.duration_s), "wait_s": 0,
                        "verdict": route_verdict(route.exposure, near_buffer_m=near_buffer_m),
                        "exposure": route.exposure.to_dict(),
                        "geometry": {"type": "LineString", "coordinates": data.lonlat_coords(route.geometry)}})
            continue
        assert legs is not None
        i = stage.leg
        row = legs.conn[i]
        c = legs.connections
        leg: dict[str, object] = {
            "mode": stage.mode, "connection": c["id"].iat[row], "operator": cell_text(c["operator"].iat[row]),
            "schedule": legs.schedule[i].text,
            "from": _port(legs, legs.from_port[i]), "to": _port(legs, legs.to_port[i]),
            "distance_m": round(float(legs.leg_line(i).length), 1), "duration_s": round(float(legs.duration_s[i])),
            "transfer_s": round(float(legs.transfer_s[i])), "wait_s": round(float(legs.wait_s[i])),
            "vehicles": _flag(c["vehicles"].iat[row]) if "vehicles" in c else None,
            "capacity_t": cell_number(c["capacity_t"].iat[row]) if "capacity_t" in c else None,
            "exposure": {"ports": [{"id": legs.ports["id"].iat[p], "status": legs.ports["status"].iat[p],
                                    "inside_controlled": bool(legs.port_controlled[p])}
                                   for p in (legs.from_port[i], legs.to_port[i])]},
            "geometry": {"type": "LineString", "coordinates": data.lonlat_coords(legs.leg_line(i))},
        }
        out.append(leg)
    return out


def _port(legs: LegNetwork | None, p: int) -> dict:
    assert legs is not None
    return {"id": legs.ports["id"].iat[p], "name": legs.ports["name"].iat[p], "kind": legs.ports["kind"].iat[p],
            "status": legs.ports["status"].iat[p]}


def timeline(data: Dataset, settings: Settings, trip: Trip, stages: list[dict], depart: dt.datetime, *,
             curfew_mode: str) -> tuple[list[str], bool, dict]:
    """Set ``depart``/``arrive`` on each stage (local ISO times); sea and air legs wait for their next departure.

    Road stages are checked against the curfews: a road stage inside one is named (``caution``),
    or with ``curfew_mode='avoid'`` starts when the curfew ends, unless it cannot be driven
    between two curfews (refused).  Returns the reasons, whether the trip is refused, and a summary
    (``depart``, ``arrive``, ``curfew_wait_s``).
    """
    legs = data.legs
    rules = curfews(settings)
    now = depart
    reasons: list[str] = []
    refused = False
    waited = 0.0
    for stage, row in zip(trip.stages, stages, strict=True):
        if stage.mode == "road":
            route = stage.route
            assert route is not None
            seconds = route.duration_s
            applying = [c for c in rules if c.area is None or shapely.intersects(c.area, route.geometry)]
            hits = _curfew_hits(applying, now, seconds)
            if hits and curfew_mode == "avoid":
                start = max(e for _, e, _ in hits)
                if seconds > _free_span(applying, start):
                    refused = True
                    reasons.append(_("The road from %(from)s to %(to)s takes %(hours)s h, longer than the time "
                                     "between curfews (%(curfew)s): waiting cannot help.",
                                     hours=f"{seconds / 3600:.1f}", curfew=_hours(applying),
                                     **_ends(row)))
                else:
                    wait = (start - now).total_seconds()
                    waited += wait
                    row["curfew_wait_s"] = round(wait)
                    reasons.append(_("Curfew %(curfew)s: wait %(hours)s h at %(place)s and leave at %(time)s.",
                                     curfew=_hours(applying), hours=f"{wait / 3600:.1f}",
                                     place=row["from"]["name"], time=f"{start:%Y-%m-%d %H:%M}"))
                    now = start
            elif hits:
                row["curfew"] = [{"hours": c.hours, "area": c.name} for _, _, c in hits]
                reasons.append(_("On the road from %(from)s to %(to)s during the curfew (%(curfew)s), from %(time)s: "
                                 "leave earlier, or ask with curfew=avoid.", curfew=_hours([c for _, _, c in hits]),
                                 time=f"{max(now, min(s for s, _, _ in hits)):%Y-%m-%d %H:%M}", **_ends(row)))
            row["depart"] = _iso(now)
            now = after(now, seconds)
            row["arrive"] = _iso(now)
            continue
        assert legs is not None
        ready = after(now, float(legs.transfer_s[stage.leg]))
        leaves, timetabled = next_departure(legs.schedule[stage.leg], legs.rules, ready)
        row["wait_s"] = round((leaves - ready).total_seconds())
        row["timetabled"] = timetabled
        row["depart"] = _iso(leaves)
        now = after(leaves, float(legs.duration_s[stage.leg]))
        row["arrive"] = _iso(now)
    total = (now - depart).total_seconds()
    return reasons, refused, {"depart": _iso(depart), "arrive": _iso(now), "duration_s": round(total),
                              "curfew_wait_s": round(waited)}


def _curfew_hits(rules, begin: dt.datetime, seconds: float) -> list:
    end = after(begin, seconds)
    return [(s, e, c) for c in rules for s, e in c.windows(begin, end)]


def _free_span(rules, start: dt.datetime) -> float:
    """Seconds from ``start`` to the next curfew's start."""
    later = [s for c in rules for s, _ in c.windows(start + dt.timedelta(seconds=1), start + dt.timedelta(days=2))
             if s > start]
    return (min(later) - start).total_seconds() if later else np.inf


def _hours(rules) -> str:
    seen = []
    for c in rules:
        text = c.hours if c.name is None else f"{c.hours} {c.name}"
        if text not in seen:
            seen.append(text)
    return ", ".join(seen)


def _ends(row: dict) -> dict:
    return {"from": row["from"]["name"], "to": row["to"]["name"]}


def _iso(when: dt.datetime) -> str:
    return when.astimezone(HAITI).isoformat(timespec="minutes")




def _flag(value) -> bool | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else bool(value)




def with_trip(answer: dict, data: Dataset, settings: Settings, snaps: dict[str, Snap], road: Route | None, *,
              mode: str, modes: tuple[str, ...], depart: dt.datetime | None, curfew_mode: str,
              endpoint_in_controlled: bool, make_feature, today: dt.date | None = None,
              router: Router | None = None) -> dict:
    """Add ``modes``, ``legs`` and, with ``depart``, times and curfews to a road answer from ``route_lookup``.

    When a sea or air leg beats the roads (or is the only safe way), the trip replaces the safest
    route and a first reason names the leg that made it possible.  ``make_feature`` turns a Route
    into the answer's GeoJSON Feature.  Roads alone and no ``depart``: the answer as it is.  ``router``:
    the vehicle's (see ``trip_for``).
    """
    if modes == ("road",) and depart is None:
        return answer
    near = settings.near_buffer_m
    answer["modes"] = list(modes)
    start_clock = search_start(settings, depart, curfew_mode)
    trip = None if mode == "avoid" and endpoint_in_controlled else trip_for(data, snaps, mode, modes, road,
                                                                             router=router, depart=start_clock)
    start, end = ((answer[k].get("near") or {}).get("name") or _(label)
                  for k, label in (("from", N_("the origin")), ("to", N_("the destination"))))
    ends = (str(start), str(end))
    if trip is None:
        answer["legs"] = []
        if depart is not None:
            answer["timing"] = None
        return answer
    reasons = list(answer["reasons"])
    dark = depart is not None and _in_the_dark(data, settings, trip, depart)
    if dark:  # dangerous roads weigh more after dark: search again with those costs
        trip = trip_for(data, snaps, mode, modes, None, edge_cost=dark_costs(data, settings, mode, router),
                        router=router, depart=start_clock) or trip
    stages = stages_json(data, trip, ends=ends, near_buffer_m=near)
    feature = next((f for f in answer["routes"] if f["properties"]["kind"] == "safest"), None)
    if trip.uses_legs:
        feature = _prefer_trip(answer, data, settings, trip, stages, reasons, near=near, to=ends[1],
                               endpoint_in_controlled=endpoint_in_controlled, make_feature=make_feature, today=today)
    elif dark and feature is not None and road is not None and not np.array_equal(trip.route.edges, road.edges):
        feature = make_feature(trip.route)
        answer["routes"] = [feature, *(f for f in answer["routes"] if f["properties"]["kind"] != "safest")]
        answer["verdict"] = feature["properties"]["verdict"]
        reasons.insert(0, _("Part of the trip is after dark (%(hours)s): the safest route keeps off dangerous roads "
                            "it would take by day.", hours=settings.dark_hours))
    if dark and trip.route.exposure.dangerous_road_m > 0:
        reasons.append(_("Part of the trip is after dark (%(hours)s), when dangerous roads weigh %(times)s times "
                         "more: this route still runs %(km)s km on them; leave earlier to avoid it.",
                         hours=settings.dark_hours, times=f"{1 + settings.penalty_dangerous_dark:g}",
                         km=f"{trip.route.exposure.dangerous_road_m / 1000:.1f}"))
    if feature is not None:
        feature["properties"]["modes"] = list(modes)
        feature["properties"]["legs"] = stages
    answer["legs"] = stages
    if depart is not None:
        _add_times(answer, data, settings, trip, stages, depart, curfew_mode=curfew_mode, feature=feature,
                   reasons=reasons)
    answer["reasons"] = reasons
    return answer


def search_start(settings: Settings, depart: dt.datetime | None, curfew_mode: str) -> dt.datetime | None:
    """When the search's clock starts: with ``curfew=avoid``, at the end of a national curfew one leaves in."""
    if depart is None or curfew_mode != "avoid":
        return depart
    inside = [e for c in curfews(settings) if c.area is None
              for s, e in c.windows(depart, after(depart, 1.0)) if s <= depart < e]
    return max(inside, default=depart)


def _add_times(answer: dict, data: Dataset, settings: Settings, trip: Trip, stages: list[dict], depart: dt.datetime,
               *, curfew_mode: str, feature: dict | None, reasons: list[str]) -> None:
    """Times per stage and per itinerary stretch; the curfews' say on the verdict."""
    said, refused, summary = timeline(data, settings, trip, stages, depart, curfew_mode=curfew_mode)
    answer["timing"] = summary
    reasons += said
    if refused:
        answer["verdict"] = "no_safe_route"
    elif any("curfew" in s for s in stages) and answer["verdict"] == "safe":
        answer["verdict"] = "caution"
    if feature is not None:
        feature["properties"]["timing"] = summary
        _stretch_times(feature["properties"].get("itinerary") or [], stages)
        if trip.uses_legs and data.legs is not None:  # the timetable's waits, not the schedules' averages
            shift = round(sum(r["transfer_s"] + r["wait_s"] + r["duration_s"] - data.legs.leg_seconds(s.leg)
                              for s, r in zip(trip.stages, stages, strict=True) if s.mode != "road"))
            props = feature["properties"]
            props["duration_s"], props["duration_range_s"] = props["duration_s"] + shift, [
                v + shift for v in props["duration_range_s"]]


def _stretch_times(itinerary: list[dict], stages: list[dict]) -> None:
    """``arrive`` (local ISO time) at the end of each itinerary stretch, from the road stages' times."""
    spans = []  # (first road metre, last road metre, depart, arrive) of each road stage
    start = 0.0
    for row in stages:
        if row["mode"] == "road" and "depart" in row:
            spans.append((start, start + row["distance_m"], dt.datetime.fromisoformat(row["depart"]),
                          dt.datetime.fromisoformat(row["arrive"])))
            start += row["distance_m"]
    for stretch in itinerary:
        end = stretch["start_m"] + stretch["length_m"]
        for first, last, leaves, arrives in spans:
            if end <= last + 1.0:
                share = 0.0 if last <= first else min(max((end - first) / (last - first), 0.0), 1.0)
                stretch["arrive"] = _iso(leaves + (arrives - leaves) * share)
                break


def _prefer_trip(answer: dict, data: Dataset, settings: Settings, trip: Trip, stages: list[dict], reasons: list[str],
                 *, near: float, to: str, endpoint_in_controlled: bool, make_feature, today: dt.date | None) -> dict:
    """Make a trip with legs the answer's safest route, and say which leg made it possible."""
    assert data.legs is not None
    used = [s.leg for s in trip.stages if s.mode != "road"]
    caveats, unconfirmed = leg_caveats(data, settings, used, today)
    verdict = leg_verdict(data.legs, trip, route_verdict(trip.route.exposure, near_buffer_m=near,
                                                         endpoint_in_controlled=endpoint_in_controlled),
                          unconfirmed=unconfirmed)
    answer["warnings"] = [*caveats, *answer.get("warnings", [])]
    feature = make_feature(trip.route)
    props = feature["properties"]
    props["verdict"] = verdict
    props["road_distance_m"] = props["distance_m"]
    props["distance_m"] = round(sum(s["distance_m"] for s in stages), 1)
    extra = sum(data.legs.leg_seconds(i) for i in used)
    props["duration_s"] = round(trip.route.duration_s + extra)
    props["duration_range_s"] = [round(v + extra) for v in trip.route.duration_range_s]
    names = ", ".join(leg_name(data.legs, i) for i in used)
    if _(NOT_CONNECTED) in reasons:  # no road joins the ends, yet a boat or flight does
        reasons.remove(_(NOT_CONNECTED))
    if answer["verdict"] == "no_safe_route":
        reasons.insert(0, _("No safe road to %(to)s; possible via %(legs)s.", to=to, legs=names))
    else:
        reasons.insert(0, _("Via %(legs)s: less exposed or quicker than by road alone.", legs=names))
    answer["routes"] = [feature, *(f for f in answer["routes"] if f["properties"]["kind"] != "safest")]
    answer["verdict"] = verdict
    answer["decided_by"] = [data.legs.connections["id"].iat[data.legs.conn[i]] for i in used]
    return feature


def dark_costs(data: Dataset, settings: Settings, mode: str, router: Router | None = None) -> np.ndarray:
    """The mode's edge costs with ``penalty_dangerous_dark`` more per metre on ``dangerous`` roads (only dearer).

    ``router``: a vehicle's copy (its roads it cannot take stay ``inf``).
    """
    router = router or data.router
    length = router.graph.edges["length_m"].to_numpy()
    return router.edge_cost[mode] + settings.penalty_dangerous_dark * length * (router.edge_status == "dangerous")


def _in_the_dark(data: Dataset, settings: Settings, trip: Trip, depart: dt.datetime) -> bool:
    """Whether any road stage of the trip, leaving at ``depart`` (no curfew wait), is driven in the dark hours."""
    if settings.dark_hours.strip().lower() in ("", "none"):
        return False
    night = Curfew(*parse_hours(settings.dark_hours))
    now = depart
    legs = data.legs
    for stage in trip.stages:
        if stage.mode == "road":
            assert stage.route is not None
            end = after(now, stage.route.duration_s)
            if any(True for _ in night.windows(now, end)):
                return True
            now = end
        else:
            assert legs is not None
            leaves, _ = next_departure(legs.schedule[stage.leg], legs.rules,
                                       after(now, float(legs.transfer_s[stage.leg])))
            now = after(leaves, float(legs.duration_s[stage.leg]))
    return False
