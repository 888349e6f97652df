"""Checks the answers of bench/peers.py: latencies, crossings of zones, plain-Dijkstra costs, lengths across engines."""

from __future__ import annotations

import numpy as np
import pyproj
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geoapp.safety import CONTROLLED_TOLERANCE_M

#: a route "crosses" a zone when it runs more than this many metres inside one (an edge touching a
#: zone's edge, or a corner cut by less, is not a crossing for the router either)
CROSSING_M = CONTROLLED_TOLERANCE_M
#: an answer whose end the engine moved farther than this from the node asked answers another question
MOVED_M = 5.0
#: absolute slack on top of the relative length tolerance (per-edge rounding of the peers)
LENGTH_SLACK_M = 5.0


def summary(answers: dict) -> dict:
    """p50/p90/p99 (ms) and the number of pairs with no route."""
    t = np.asarray(answers["ms"], dtype=float)
    out = {"p50_ms": round(float(np.percentile(t, 50)), 3), "p90_ms": round(float(np.percentile(t, 90)), 3),
           "p99_ms": round(float(np.percentile(t, 99)), 3), "mean_ms": round(float(t.mean()), 3),
           "fail": int(len(t) - np.count_nonzero(answers["found"]))}
    if "moved_m" in answers:  # routes that start or end more than 5 m from the node asked (moved by snapping)
        out["ends_moved"] = sum(m is not None and m > MOVED_M for m in answers["moved_m"])
    return out


def decode_polyline6(text: str) -> np.ndarray:
    """(lon, lat) rows of an encoded polyline with 6 decimals (Valhalla's and OSRM's ``polyline6``)."""
    values, shift, result = [], 0, 0
    for char in text:
        byte = ord(char) - 63
        result |= (byte & 0x1F) << shift
        shift += 5
        if byte < 0x20:
            values.append(~(result >> 1) if result & 1 else result >> 1)
            shift, result = 0, 0
    latlon = np.cumsum(np.asarray(values, dtype=np.int64).reshape(-1, 2), axis=0) / 1e6
    return latlon[:, ::-1]


def route_lines(answers: dict, metric_crs: str) -> list:
    """Each answer's route as a metric LineString (None where there is none)."""
    if "geometry" in answers:
        return list(answers["geometry"])
    to_metric = pyproj.Transformer.from_crs("EPSG:4326", metric_crs, always_xy=True)
    lines = []
    for shape in answers["shape"]:
        if shape is None:
            lines.append(None)
            continue
        lonlat = decode_polyline6(shape)
        x, y = to_metric.transform(lonlat[:, 0], lonlat[:, 1])
        lines.append(shapely.LineString(np.c_[x, y]) if len(lonlat) > 1 else None)
    return lines


def crossings(answers: dict, metric_zones: np.ndarray, metric_crs: str) -> int:
    """How many routes run more than ``CROSSING_M`` inside any zone."""
    lines = [line for line in route_lines(answers, metric_crs) if line is not None]
    if not lines:
        return 0
    lines_arr = np.asarray(lines, dtype=object)
    tree = shapely.STRtree(metric_zones)
    line_i, zone_i = tree.query(lines_arr, predicate="intersects")
    inside = shapely.length(shapely.intersection(lines_arr[line_i], metric_zones[zone_i]))
    per_line = np.bincount(line_i, weights=inside, minlength=len(lines))
    return int(np.count_nonzero(per_line > CROSSING_M))


def dijkstra_check(router, pairs: np.ndarray) -> str:
    """Our engine's cost against scipy's plain Dijkstra on the same arc costs: "agreeing/checked"."""
    engine = router.engines["avoid"]
    t = router.network.topology
    finite = np.isfinite(engine.cost)
    tail, head, cost = t.tail[finite], t.head[finite], engine.cost[finite]
    order = np.lexsort((cost, head, tail))  # keep the cheapest of parallel arcs
    tail, head, cost = tail[order], head[order], cost[order]
    first = np.r_[True, (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])]
    matrix = csr_matrix((cost[first], (tail[first], head[first])), shape=(t.n_nodes, t.n_nodes))
    agree = 0
    for a, b in pairs:
        plain = dijkstra(matrix, directed=True, indices=int(a))[int(b)]
        mine = engine.shortest({int(a): 0.0}, {int(b): 0.0})
        agree += (mine is None and not np.isfinite(plain)) or (mine is not None and abs(mine.cost - plain) < 1e-6)
    return f"{agree}/{len(pairs)}"


def geodesic_lengths(answers: dict, metric_crs: str) -> np.ndarray:
    """Length (m, on the WGS 84 ellipsoid) of each answer's route geometry: one ruler for every engine (NaN: none)."""
    geod = pyproj.Geod(ellps="WGS84")
    to_lonlat = pyproj.Transformer.from_crs(metric_crs, "EPSG:4326", always_xy=True)
    out = np.full(len(answers["found"]), np.nan)
    for k, line in enumerate(route_lines(answers, metric_crs)):
        if line is not None:
            lon, lat = to_lonlat.transform(*shapely.get_coordinates(line).T)
            out[k] = geod.line_length(lon, lat)
    return out


def length_agreement(ours: dict, theirs: dict, tolerance: float, metric_crs: str) -> dict:
    """Where they found a route, whether we did, and whether ours is as short (within the tolerance).

    Both routes are measured with one ruler (their geometries on the ellipsoid), so that the
    engines' own length approximations do not count; how far each engine's reported length is from
    its geometry's is given as ``their_reported_vs_shape_pct`` (median).
    """
    found_theirs = np.asarray(theirs["found"], bool)
    found_ours = np.asarray(ours["found"], bool)
    both = found_theirs & found_ours
    mine, other = geodesic_lengths(ours, metric_crs), geodesic_lengths(theirs, metric_crs)
    reported = np.asarray([x if x is not None else np.nan for x in theirs["length_m"]], dtype=float)
    diff = (mine - other)[both]
    relative = np.abs(diff) / np.maximum(other[both], 1.0)
    bias = reported[found_theirs] / other[found_theirs] - 1
    return {"they_found_we_not": int(np.count_nonzero(found_theirs & ~found_ours)),
            "we_found_they_not": int(np.count_nonzero(found_ours & ~found_theirs)),
            "both": int(both.sum()),
            "length_disagreements": int(np.count_nonzero(np.abs(diff) > tolerance * other[both] + LENGTH_SLACK_M)),
            "ours_longer": int(np.count_nonzero(diff > tolerance * other[both] + LENGTH_SLACK_M)),
            "max_relative_diff_pct": round(float(relative.max()) * 100, 4) if len(relative) else 0.0,
            "median_relative_diff_pct": round(float(np.median(relative)) * 100, 4) if len(relative) else 0.0,
            "their_reported_vs_shape_pct": round(float(np.median(bias)) * 100, 3) if len(bias) else 0.0,
            "tolerance": f"{tolerance * 100:g}% + {LENGTH_SLACK_M:g} m"}
