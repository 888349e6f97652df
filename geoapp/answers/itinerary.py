"""What a driver reads off a route: the roads in travel order, and the named places it starts and ends near."""

from __future__ import annotations

import numpy as np
import shapely

from ..data.dataset import Dataset
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


def nearest_place(data: Dataset, point: shapely.Point) -> dict | None:
    """The named town, port or open site (``Dataset.landmarks``) nearest a metric point, with its distance."""
    marks = data.landmarks
    if len(marks.frame) == 0:
        return None
    found, distance = marks.tree.query_nearest(point, return_distance=True, all_matches=True)
    i = int(found.min())  # of places at the same distance, the first listed (towns, then ports, then sites)
    return {"kind": marks.frame["kind"].iat[i], "id": marks.frame["id"].iat[i], "name": marks.frame["name"].iat[i],
            "distance_m": round(float(distance.min()))}
