"""Carries road statuses from a reference layer (hand-edited) onto another road network by geometry."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

STATUS_RANK = {"open": 0, "dangerous": 1, "blocked": 2, "closed": 3}


def carry_statuses(
    roads: gpd.GeoDataFrame,
    reference: gpd.GeoDataFrame,
    *,
    metric_crs: str,
    tolerance_m: float = 300.0,
    min_share: float = 0.6,
    max_angle_deg: float = 30.0,
    min_coverage: float = 0.5,
) -> tuple[gpd.GeoDataFrame, dict]:
    """Mark ``roads`` dangerous/blocked/closed where they follow such a road of ``reference``.

    A segment matches a reference road when at least ``min_share`` of its length lies within
    ``tolerance_m`` of it, it runs within ``max_angle_deg`` of the reference's direction there, and
    their ``ref`` numbers (RN1, RN2...) do not disagree.  The worse status wins.  The report lists
    every reference road whose length is less than ``min_coverage`` matched.
    """
    out = roads.copy()
    ref = reference[reference["status"] != "open"].reset_index(drop=True)
    report: dict[str, Any] = {"reference_roads": len(ref), "matched_reference_roads": 0, "unmatched": [],
                              "segments_marked": {"dangerous": 0, "blocked": 0, "closed": 0},
                              "tolerance_m": tolerance_m}
    if len(ref) == 0 or len(out) == 0:
        return out, report
    target = np.asarray(out.to_crs(metric_crs).geometry.values)
    ref_lines = np.asarray(ref.to_crs(metric_crs).geometry.values)
    zones = shapely.buffer(ref_lines, tolerance_m, cap_style="flat")
    r_idx, t_idx = shapely.STRtree(target).query(zones, predicate="intersects")

    length = shapely.length(target[t_idx])
    share = shapely.length(shapely.intersection(target[t_idx], zones[r_idx])) / np.maximum(length, 1e-9)
    middle = shapely.line_interpolate_point(target[t_idx], 0.5, normalized=True)
    along = _direction(target[t_idx], middle)
    reference_dir = _direction(ref_lines[r_idx], middle)
    cos = np.abs((along * reference_dir).sum(axis=1))
    ref_a = ref["ref"].astype(object).where(ref["ref"].notna(), None).to_numpy()[r_idx] if "ref" in ref else None
    ref_b = out["ref"].astype(object).where(out["ref"].notna(), None).to_numpy()[t_idx] if "ref" in out else None
    agree = np.ones(len(t_idx), bool) if ref_a is None or ref_b is None else np.array(
        [a is None or b is None or _norm_ref(a) == _norm_ref(b) for a, b in zip(ref_a, ref_b, strict=True)], bool)
    match = (share >= min_share) & (cos >= np.cos(np.radians(max_angle_deg))) & agree
    r_idx, t_idx, length = r_idx[match], t_idx[match], length[match]

    rank = ref["status"].map(STATUS_RANK).to_numpy()[r_idx]
    order = np.lexsort((-rank, t_idx))  # per target segment, the worst status first
    first = np.r_[True, t_idx[order][1:] != t_idx[order][:-1]][: len(order)]
    chosen_r, chosen_t = r_idx[order][first], t_idx[order][first]
    new_status = ref["status"].to_numpy(dtype=object)[chosen_r]
    worse = out["status"].map(STATUS_RANK).to_numpy()[chosen_t] < rank[order][first]
    chosen_r, chosen_t, new_status = chosen_r[worse], chosen_t[worse], new_status[worse]
    rows = out.index[chosen_t]
    out.loc[rows, "status"] = new_status
    out.loc[rows, "as_of"] = ref["as_of"].to_numpy(dtype=object)[chosen_r]
    out.loc[rows, "notes"] = [f"status carried from {i} ({n})" for i, n in
                              zip(ref["id"].to_numpy()[chosen_r], ref["name"].to_numpy()[chosen_r], strict=True)]
    out.loc[rows, "source"] = out.loc[rows, "source"].astype(str) + "; status: " + \
        ref["source"].astype(str).to_numpy()[chosen_r]
    for status in ("dangerous", "blocked", "closed"):
        report["segments_marked"][status] = int((new_status == status).sum())

    covered = pd.Series(length).groupby(r_idx).sum().reindex(range(len(ref)), fill_value=0.0).to_numpy()
    coverage = covered / np.maximum(shapely.length(ref_lines), 1e-9)
    report["matched_reference_roads"] = int((coverage >= min_coverage).sum())
    report["unmatched"] = [
        {"id": ref["id"].iat[i], "name": ref["name"].iat[i], "status": ref["status"].iat[i],
         "coverage": round(float(min(coverage[i], 1.0)), 2)}
        for i in np.flatnonzero(coverage < min_coverage)
    ]
    return out, report


def _direction(lines: np.ndarray, near: np.ndarray, step: float = 25.0) -> np.ndarray:
    """Unit direction of each line around the point of it nearest to ``near``."""
    at = shapely.line_locate_point(lines, near)
    length = shapely.length(lines)
    a = shapely.line_interpolate_point(lines, np.clip(at - step, 0, length))
    b = shapely.line_interpolate_point(lines, np.clip(at + step, 0, length))
    vec = shapely.get_coordinates(b) - shapely.get_coordinates(a)
    norm = np.hypot(vec[:, 0], vec[:, 1])
    return vec / np.where(norm > 0, norm, 1.0)[:, None]


def _norm_ref(value: str) -> str:
    return "".join(str(value).upper().split())
