"""Displacement figures as data: the stored table's rounds, and the per-commune collection derived from it.

Figures are stored per commune p-code, round and date (IOM DTM).  A round is its label (or, with
none, its date) and its date the latest reporting date of its rows.  The collection places each
commune's figure at a point inside the commune, with the change since the round before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


@dataclasses.dataclass(frozen=True)


class Rounds:
    """The rounds on record, oldest first: ``key`` (label or date), ``round`` label and ``date``."""

    table: pd.DataFrame

    @classmethod
    def of(cls, figures: pd.DataFrame) -> Rounds:
        if not len(figures):
            return cls(pd.DataFrame({"key": [], "round": [], "date": [], "individuals": []}))
        # a commune reported on two dates of one round counts once, at its latest date (as per_round does)
        keyed = figures.assign(key=round_keys(figures)).sort_values(["pcode", "date"])
        latest = keyed.drop_duplicates(["pcode", "key"], keep="last")
        table = keyed.groupby("key", as_index=False).agg(round=("round", "first"), date=("date", "max"))
        table = table.merge(latest.groupby("key", as_index=False).agg(individuals=("individuals", "sum")), on="key")
        return cls(table.sort_values(["date", "key"]).reset_index(drop=True))

    def on_or_before(self, day: dt.date | None) -> int | None:
        """Position of the latest round dated on or before ``day`` (the latest of all without one)."""
        if not len(self.table):
            return None
        if day is None:
            return len(self.table) - 1
        eligible = np.flatnonzero(self.table["date"].to_numpy(dtype=object) <= day.isoformat())
        return int(eligible[-1]) if len(eligible) else None

    def describe(self, position: int | None) -> dict | None:
        if position is None or position < 0:
            return None
        row = self.table.iloc[position]
        return {"round": row["round"] or None, "date": row["date"], "individuals": int(row["individuals"])}


def figures_layer(figures: pd.DataFrame, communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One feature per commune and round at a point inside the commune, with change since the round before."""
    columns = ["id", "name", "status", "as_of", "source", "confidence", "notes", "adm2_pcode", "adm2_name",
               "adm1_pcode", "adm1_name", "round", "individuals", "population", "per_1000_residents",
               "previous_round", "change"]
    if not len(figures) or not len(communes):
        return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in columns}, geometry=[], crs="EPSG:4326")
    rounds = Rounds.of(figures)
    table = per_round(figures, rounds)
    area = communes.set_index("id")
    table = table[table["pcode"].isin(area.index)]
    anchor = shapely.point_on_surface(np.asarray(area.geometry.values))
    anchors = pd.Series(anchor, index=area.index)
    frame = pd.DataFrame({
        "id": table["pcode"] + "-" + table["key"].str.replace(r"[^A-Za-z0-9._:-]", "-", regex=True),
        "name": table["pcode"].map(area["name"]),
        "status": "reported",
        "as_of": table["date"],
        "source": table["source"],
        "confidence": "medium",
        "notes": "",
        "adm2_pcode": table["pcode"],
        "adm2_name": table["pcode"].map(area["name"]),
        "adm1_pcode": table["pcode"].map(area["adm1_pcode"]),
        "adm1_name": table["pcode"].map(area["adm1_name"]),
        "round": table["round"].replace("", None),
        "individuals": table["individuals"].astype("int64"),
        "population": table["pcode"].map(area["population"]),
        "per_1000_residents": per_1000(table["individuals"], table["pcode"].map(area["population"])),
        "previous_round": table["previous_key"],
        "change": table["change"],
    })
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=list(anchors.loc[table["pcode"]].to_numpy()),
                            crs="EPSG:4326")


def round_keys(figures: pd.DataFrame) -> pd.Series:
    """Each figure's round: its label, or ``d`` and its date when it has none."""
    labels = figures["round"].fillna("").astype(str)
    return labels.where(labels.ne(""), "d" + figures["date"].astype(str))


def per_round(figures: pd.DataFrame, rounds: Rounds) -> pd.DataFrame:
    """One row per commune and round (the latest date within a round), with the change since the round before."""
    keyed = figures.assign(key=round_keys(figures)).sort_values(["pcode", "date"])
    table = keyed.groupby(["pcode", "key"], as_index=False).agg(
        round=("round", "first"), date=("date", "last"), individuals=("individuals", "last"),
        source=("source", "last"))
    order = {k: i for i, k in enumerate(rounds.table["key"])}
    table["position"] = table["key"].map(order)
    table = table.sort_values(["pcode", "position"]).reset_index(drop=True)
    lookup = table.set_index(["pcode", "position"])["individuals"]
    before_key = rounds.table["key"].shift(1)
    table["previous_key"] = table["position"].map(before_key).where(table["position"] > 0, None)
    prev = pd.Series([lookup.get((p, i - 1)) for p, i in zip(table["pcode"], table["position"], strict=True)],
                     index=table.index, dtype="float")
    table["change"] = (table["individuals"] - prev).astype("Int64").astype(object).where(prev.notna(), None)
    return table


def per_1000(individuals: pd.Series, population: pd.Series) -> pd.Series:
    """People per 1,000 residents, one decimal (None where the population is unknown)."""
    pop = pd.to_numeric(population, errors="coerce")
    value = (1000 * individuals / pop).round(1)
    return value.where(pop > 0, None)
