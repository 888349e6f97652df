"""Light boundary layers as one TopoJSON topology: each shared border stored once, as integer deltas.

Neighbouring communes share their borders, and departments (the union of their communes) are made
of the same borders again: a topology stores every border once as an *arc* of quantized, delta-encoded
integer coordinates, and each shape lists the arcs around it (``~i`` for arc ``i`` walked backwards).
The grid is the coarsest one every coordinate already lies on (the light layers are rounded to
1e-3 degree, islets to 1e-4), so decoding gives back the very vertices of the light GeoJSON.
The format is TopoJSON 1.0 (https://github.com/topojson/topojson-specification).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import shapely

#: Grids tried, coarsest first, in steps per degree; the first that holds every coordinate is used.
GRIDS = (1_000, 10_000, 100_000, 1_000_000)

Point = tuple[int, int]


def topology(objects: Mapping[str, tuple[gpd.GeoDataFrame, list[dict]]], *, attribution: str | None = None) -> dict:
    """One topology of the given layers: ``objects`` maps a name to (frame, each feature's properties).

    Each feature becomes a geometry of its object with the p-code as ``id`` and the given properties.
    """
    frames = {name: np.asarray(frame.geometry.values) for name, (frame, _) in objects.items()}
    coords = np.concatenate([shapely.get_coordinates(g) for g in frames.values()] or [np.empty((0, 2))])
    steps = _grid(coords)
    origin = np.floor(coords.min(axis=0) * steps).astype(np.int64) if len(coords) else np.zeros(2, np.int64)
    shapes = {name: [_polygons(g, steps, origin) for g in geoms] for name, geoms in frames.items()}
    arcs = _Arcs([ring for polygons in shapes.values() for polys in polygons for poly in polys for ring in poly])
    out: dict = {"type": "Topology"}
    if attribution:
        out["attribution"] = attribution
    out["transform"] = {"scale": [1 / steps, 1 / steps], "translate": (origin / steps).tolist()}
    out["objects"] = {}
    for name, (_, properties) in objects.items():
        geometries = []
        for polys, props in zip(shapes[name], properties, strict=True):
            geometry: dict = {"type": None}
            if len(polys) == 1:
                geometry = {"type": "Polygon", "arcs": [arcs.ring(ring) for ring in polys[0]]}
            elif polys:
                geometry = {"type": "MultiPolygon", "arcs": [[arcs.ring(ring) for ring in poly] for poly in polys]}
            geometries.append({**geometry, "id": props.get("id"), "properties": props})
        out["objects"][name] = {"type": "GeometryCollection", "geometries": geometries}
    out["arcs"] = arcs.encoded()
    return out


def topojson_text(topo: dict) -> str:
    """The topology as compact JSON text (no spaces, UTF-8 names as they are)."""
    return json.dumps(topo, ensure_ascii=False, separators=(",", ":"))


def decode(topo: dict, name: str) -> list[dict | None]:
    """The GeoJSON geometries of object ``name`` (None where empty): the inverse, as the page's script does it."""
    scale, translate = topo["transform"]["scale"], topo["transform"]["translate"]
    decoded = []
    for arc in topo["arcs"]:
        steps = np.cumsum(np.asarray(arc, dtype=np.int64).reshape(-1, 2), axis=0)
        decoded.append((steps * np.asarray(scale) + np.asarray(translate)).tolist())

    def ring(indexes: list[int]) -> list[list[float]]:
        out: list[list[float]] = []
        for i in indexes:
            points = decoded[i] if i >= 0 else decoded[~i][::-1]
            out.extend(points if not out else points[1:])
        return out

    geometries: list[dict | None] = []
    for geometry in topo["objects"][name]["geometries"]:
        kind = geometry["type"]
        if kind == "Polygon":
            geometries.append({"type": kind, "coordinates": [ring(r) for r in geometry["arcs"]]})
        elif kind == "MultiPolygon":
            geometries.append({"type": kind, "coordinates": [[ring(r) for r in p] for p in geometry["arcs"]]})
        else:
            geometries.append(None)
    return geometries


def _grid(coords: np.ndarray) -> int:
    """The coarsest grid (steps per degree) every coordinate lies on, to within float noise."""
    for steps in GRIDS:
        scaled = coords * steps
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-6):
            return steps
    return GRIDS[-1]  # finer data is rounded to ~0.1 m: far below what a page can show


def _polygons(geom, steps: int, origin: np.ndarray) -> list[list[list[Point]]]:
    """A (Multi)Polygon as polygons of rings of grid points, without the closing point or repeated points."""
    if geom is None or shapely.is_empty(geom):
        return []
    parts = shapely.get_parts(geom) if shapely.get_type_id(geom) in (6, 7) else [geom]
    polygons = []
    for part in parts:
        if shapely.get_type_id(part) != 3 or shapely.is_empty(part):
            continue
        rings = []
        for boundary in [part.exterior, *part.interiors]:
            grid = np.round(np.asarray(boundary.coords) * steps).astype(np.int64) - origin
            points = [(int(x), int(y)) for x, y in grid[:-1]]
            points = [p for i, p in enumerate(points) if p != points[i - 1]] if len(points) > 1 else points
            if len(points) >= 3:
                rings.append(points)
        if rings:
            polygons.append(rings)
    return polygons


class _Arcs:
    """Rings cut into arcs at junctions (points where rings part ways), each distinct arc kept once."""

    def __init__(self, rings: list[list[Point]]):
        neighbours: dict[Point, set[Point]] = {}
        for ring in rings:
            n = len(ring)
            for i, point in enumerate(ring):
                neighbours.setdefault(point, set()).update((ring[i - 1], ring[(i + 1) % n]))
        self.junctions = {point for point, near in neighbours.items() if len(near) > 2}
        self.arcs: list[tuple[Point, ...]] = []
        self.index: dict[tuple[Point, ...], int] = {}

    def ring(self, ring: list[Point]) -> list[int]:
        """The arc indexes around ``ring`` (``~i``: arc ``i`` backwards), adding the arcs not yet seen."""
        cuts = [i for i, point in enumerate(ring) if point in self.junctions]
        if not cuts:
            return [self._closed(ring)]
        start = cuts[0]
        turned = ring[start:] + ring[:start] + [ring[start]]
        cuts = [i - start for i in cuts] + [len(ring)]
        return [self._arc(tuple(turned[a:b + 1])) for a, b in zip(cuts, cuts[1:], strict=False)]

    def _closed(self, ring: list[Point]) -> int:
        """A ring no other ring touches: one closed arc, started at its least point so a copy is found."""
        def canonical(points: list[Point]) -> tuple[Point, ...]:
            first = points.index(min(points))
            return tuple(points[first:] + points[:first] + [points[first]])

        forward, backward = canonical(ring), canonical(ring[::-1])
        if backward in self.index and forward not in self.index:
            return ~self.index[backward]
        return self._arc(forward)

    def _arc(self, points: tuple[Point, ...]) -> int:
        if points in self.index:
            return self.index[points]
        if points[::-1] in self.index:
            return ~self.index[points[::-1]]
        self.index[points] = len(self.arcs)
        self.arcs.append(points)
        return self.index[points]

    def encoded(self) -> list[list[list[int]]]:
        """Each arc as its first point then the step to each next one (TopoJSON's delta encoding)."""
        out = []
        for points in self.arcs:
            array = np.asarray(points, dtype=np.int64)
            out.append(np.concatenate([array[:1], np.diff(array, axis=0)]).tolist())
        return out
