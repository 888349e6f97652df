"""What a driver reads off a route: the roads in travel order, and the named places it starts and ends near."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from ..io.context import load_context
from ..io.geojson import cell_text
from ..network.routing import Route, Router

#: a zone counts as entered on a stretch when the stretch runs this many metres inside it
ENTERED_M = 0.5


def itinerary(router: Router, route: Route) -> list[dict]:
    """The route's roads in travel order, consecutive edges of one road merged into one stretch.

    Each stretch gives the road (id, name, ref, status), where it starts along the route and its
    length (best estimate and range, see ``settings.WINDING``), the zones it enters and the listed
    incidents weighing on it.  Grouping and sums are array operations over the route's edges.
    """
    edges, shares = route.edges, route.weights
    used = shares > 0
    edges, shares, travelled = edges[used], shares[used], route.travelled_m[used]
    if len(edges) == 0:
        return []
    network = router.network
    road = network.edge_road[edges]
    starts = np.flatnonzero(np.r_[True, road[1:] != road[:-1]])
    group = np.cumsum(np.r_[True, road[1:] != road[:-1]]) - 1
    n = len(starts)
    length = np.bincount(group, weights=travelled, minlength=n)
    bounds = np.column_stack([np.bincount(group, weights=shares * network.edge_length_range[edges, k], minlength=n)
                              for k in (0, 1)])
    begin = np.r_[0.0, np.cumsum(length)[:-1]]
    # per stretch: the metres inside each zone (each edge's share, summed in route order) and the listed
    # incidents weighing on any of its edges, from the route edges' rows of the sparse tables
    inside = router.exposure.inside[edges].tocoo()
    zone_m = np.zeros((n, inside.shape[1]))
    np.add.at(zone_m, (group[inside.row], inside.col), inside.data * shares[inside.row])
    listed = {i["id"] for i in route.exposure.incidents}
    ix = router.incidents
    incident_ids = ix.incidents["id"].to_numpy(dtype=object) if ix.contribution.shape[1] else np.array([], object)
    wanted = np.flatnonzero(np.isin(incident_ids, list(listed))) if listed else np.array([], dtype=np.int64)
    weighing = np.zeros((n, len(wanted)), dtype=bool)
    if len(wanted):
        column = np.full(ix.contribution.shape[1], -1)
        column[wanted] = np.arange(len(wanted))
        near = ix.contribution[edges].tocoo()
        heavy = (near.data >= router.LISTED_INCIDENT_WEIGHT) & (column[near.col] >= 0)
        weighing[group[near.row[heavy]], column[near.col[heavy]]] = True
    rows = road[starts]
    facts = router.zone_facts
    out = []
    for k, r in enumerate(rows):
        entered = np.flatnonzero(zone_m[k] > ENTERED_M)
        out.append({
            "road_id": network.road_ids[r],
            "name": cell_text(router.road_name[r]),
            "ref": cell_text(router.road_ref[r]),
            "status": router.road_status[r],
            "start_m": round(float(begin[k]), 1),
            "length_m": round(float(length[k]), 1),
            "length_range_m": [round(float(bounds[k, 0]), 1), round(float(bounds[k, 1]), 1)],
            "hand_drawn": bool(network.hand_drawn[edges[starts[k]]]),
            "zones": [{"id": facts[z]["id"], "name": facts[z]["name"], "status": facts[z]["status"],
                       "inside_m": round(float(zone_m[k, z]), 1)} for z in entered],
            "incidents": [incident_ids[wanted[i]] for i in np.flatnonzero(weighing[k])],
        })
    return out


#: named places per data version (the last few)
_PLACES: dict[tuple[str, str], tuple[np.ndarray, pd.DataFrame]] = {}


def named_places(data, data_dir) -> tuple[np.ndarray, pd.DataFrame]:
    """Towns (shipped GeoNames places), ports and open displacement sites, metric geometry and names.

    Sites come from the public (coarsened) layer: only their public name and grid position, whoever
    asks.  Built once per data version.
    """
    key = (data.version, str(data_dir))
    if key in _PLACES:
        return _PLACES[key]
    parts = []
    places = load_context(data_dir).get("places")
    if places is not None and len(places):
        parts.append(pd.DataFrame({"kind": "town", "id": places["id"], "name": places["name"],
                                   "geometry": places.geometry.values}))
    ports = data.layers["ports"]
    if len(ports):
        parts.append(pd.DataFrame({"kind": ports["kind"].to_numpy(), "id": ports["id"].to_numpy(),
                                   "name": ports["name"].to_numpy(), "geometry": ports.geometry.values}))
    sites = data.public.layers["displacement_sites"]
    sites = sites[sites["status"] == "open"]
    if len(sites):
        parts.append(pd.DataFrame({"kind": "displacement_site", "id": sites["id"].to_numpy(),
                                   "name": sites["name"].to_numpy(), "geometry": sites.geometry.values}))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["kind", "id", "name", "geometry"])
    lonlat = shapely.get_coordinates(np.asarray(frame["geometry"].to_numpy(), dtype=object))
    x, y = data.to_metric.transform(lonlat[:, 0], lonlat[:, 1]) if len(lonlat) else (np.zeros(0), np.zeros(0))
    found = (np.asarray(shapely.points(np.column_stack([x, y]))) if len(lonlat) else np.zeros(0, dtype=object),
             frame.drop(columns="geometry"))
    while len(_PLACES) >= 4:
        _PLACES.pop(next(iter(_PLACES)))
    _PLACES[key] = found
    return found


def nearest_place(data, data_dir, point: shapely.Point) -> dict | None:
    """The named town, port or site nearest a metric point, with its distance."""
    geoms, frame = named_places(data, data_dir)
    if len(frame) == 0:
        return None
    distance = shapely.distance(geoms, point)
    i = int(np.argmin(distance))
    return {"kind": frame["kind"].iat[i], "id": frame["id"].iat[i], "name": frame["name"].iat[i],
            "distance_m": round(float(distance[i]))}


