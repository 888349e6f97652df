"""Incidents at country scale: one circle per commune with the count and deaths, for light map pages."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..i18n.translate import _

#: Incidents placed in no commune (far off the coast) are counted per cell of this size (degrees).
CELL_DEG = 0.1


def incidents_by_commune(incidents: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Per commune (``adm2_pcode``): incidents, deaths, verified ones, newest and oldest date, at a point inside it.

    Incidents in no commune are counted per ``CELL_DEG`` cell at their mean position, so none is left out.
    Largest counts first, so a page draws the smaller circles over the larger ones.
    """
    columns = ["id", "name", "department", "incidents", "deaths", "verified", "newest", "oldest"]
    if not len(incidents):
        return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in columns}, geometry=[], crs="EPSG:4326")
    xy = shapely.get_coordinates(np.asarray(incidents.geometry.values))
    cell = np.floor(xy / CELL_DEG).astype(np.int64).astype(str)
    cells = np.char.add(np.char.add(cell[:, 0], ":"), cell[:, 1])
    pcode = incidents["adm2_pcode"] if "adm2_pcode" in incidents else pd.Series(None, index=incidents.index)
    key = np.where(pcode.notna().to_numpy(), pcode.astype(object).to_numpy(), "cell:" + cells)
    table = pd.DataFrame({
        "key": key, "name": incidents.get("adm2_name", pd.Series(None, index=incidents.index)).to_numpy(),
        "department": incidents.get("adm1_name", pd.Series(None, index=incidents.index)).to_numpy(),
        "deaths": pd.to_numeric(incidents["fatalities"], errors="coerce").fillna(0).to_numpy(dtype=np.int64),
        "verified": (incidents["status"] == "verified").to_numpy(), "date": incidents["event_date"].to_numpy(),
        "x": xy[:, 0], "y": xy[:, 1]})
    grouped = table.groupby("key", sort=True).agg(
        name=("name", "first"), department=("department", "first"), incidents=("deaths", "size"),
        deaths=("deaths", "sum"), verified=("verified", "sum"), newest=("date", "max"), oldest=("date", "min"),
        x=("x", "mean"), y=("y", "mean"))
    anchors = pd.Series(shapely.point_on_surface(np.asarray(communes.geometry.values)), index=communes["id"].to_numpy())
    points = shapely.points(grouped[["x", "y"]].to_numpy())
    placed = grouped.index.isin(anchors.index)
    points[placed] = anchors.reindex(grouped.index[placed]).to_numpy()
    grouped["name"] = grouped["name"].where(placed, _("outside any commune"))
    frame = grouped.reset_index().rename(columns={"key": "id"})
    order = np.argsort(-frame["incidents"].to_numpy(), kind="stable")  # small circles drawn last, on top
    frame, points = frame.iloc[order].reset_index(drop=True), points[order]
    frame = frame.astype({"incidents": "int64", "deaths": "int64", "verified": "int64"})
    return gpd.GeoDataFrame(frame[columns], geometry=shapely.set_precision(points, 1e-4), crs="EPSG:4326")


def count_radius(count: int) -> float:
    """Circle radius in pixels growing with the square root of the number of incidents, 4 to 22."""
    return round(min(22.0, 3.0 + 1.2 * np.sqrt(max(count, 0))), 1)
