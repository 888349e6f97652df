"""Displacement figures as data: the stored table's rounds, and the per-commune collection derived from it.

Figures are stored per commune p-code, round and date (IOM DTM).  A round is its label (or, with
none, its date) and its date the latest reporting date of its rows.  The collection places each
commune's figure at a point inside the commune, with the change since the round before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

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


class Displacement:
    """The figures of one data version with what answers derive from them, worked out once.

    The rounds and the per-commune, per-round table are built with the Dataset; the areas of one
    level in one round (``areas``: rows, total) are built the first time they are asked for and
    kept, as the Dataset itself is, until the data changes.
    """

    def __init__(self, figures: pd.DataFrame, communes: gpd.GeoDataFrame, departments: gpd.GeoDataFrame):
        self.figures = figures
        self.rounds = Rounds.of(figures)
        self.table = per_round(figures, self.rounds) if len(figures) else None
        self.communes = communes.drop(columns="geometry").set_index("id")
        self.departments = departments.drop(columns="geometry").set_index("id")
        self.sources = sorted(set(figures["source"].dropna())) if len(figures) else []
        self._areas: dict[tuple[str, int], Areas] = {}
        self._lock = threading.Lock()

    def areas(self, level: str, position: int) -> Areas:
        """Each area of ``level`` (``adm1``, ``adm2``) in the round at ``position``, most people first, and totals.

        A row gives the area's p-code and name (a commune's department too), people displaced, the
        round's date and label, the 2019 population, people per 1,000 residents and the change
        since the round before (None without a figure then).
        """
        key = (level, position)
        found = self._areas.get(key)
        if found is None:
            with self._lock:
                found = self._areas.get(key)
                if found is None:
                    found = self._areas[key] = self._build(level, position)
        return found

    def series(self, pcode: str) -> list[dict]:
        """Every round's figure for one commune, oldest first."""
        if self.table is None:
            return []
        mine = self.table[self.table["pcode"] == pcode]
        return [{"round": r.round or None, "date": r.date, "individuals": int(r.individuals),
                 "change": None if pd.isna(r.change) else int(r.change)} for r in mine.itertuples()]

    def _people(self, level: str, position: int) -> pd.Series:
        """People per area p-code (commune or department) in the round at ``position``, official areas only."""
        if self.table is None or position < 0:
            return pd.Series(dtype="int64")
        rows = self.table[self.table["position"] == position]
        per_commune = rows.set_index("pcode")["individuals"]
        if level == "adm1":
            per_commune = per_commune.groupby(per_commune.index.map(self.communes["adm1_pcode"])).sum()
        return per_commune.astype("int64")

    def _build(self, level: str, position: int) -> Areas:
        names = self.departments if level == "adm1" else self.communes
        current = self._people(level, position)
        current = current[current.index.isin(names.index)]
        previous = self._people(level, position - 1) if position > 0 else None
        before = previous.reindex(current.index) if previous is not None else None
        population = pd.to_numeric(names["population"].reindex(current.index), errors="coerce")
        ratio = per_1000(current, population)
        date, label = self.rounds.table["date"].iat[position], self.rounds.table["round"].iat[position] or None
        rows = []
        for pcode, people in current.items():
            row = {"pcode": pcode, "name": names.at[pcode, "name"]}
            if level == "adm2":
                row.update(adm1_pcode=names.at[pcode, "adm1_pcode"], adm1_name=names.at[pcode, "adm1_name"])
            pop = population.get(pcode)
            change = None if before is None or pd.isna(before.get(pcode)) else int(people - before.get(pcode))
            per = ratio.get(pcode)
            row.update(individuals=int(people), date=date, round=label,
                       population=None if pd.isna(pop) else int(pop),
                       per_1000_residents=None if per is None or pd.isna(per) else float(per), change=change)
            rows.append(row)
        rows.sort(key=lambda r: -r["individuals"])
        return Areas(tuple(rows), int(current.sum()), None if previous is None else int(previous.sum()))


@dataclasses.dataclass(frozen=True)
class Areas:
    """The areas of one level in one round (rows as answers give them), their total and the round before's."""

    rows: tuple[dict, ...]
    total: int
    previous_total: int | None


def figures_layer(figures: Displacement, communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One feature per commune and round at a point inside the commune, with change since the round before."""
    columns = ["id", "name", "status", "as_of", "source", "confidence", "notes", "adm2_pcode", "adm2_name",
               "adm1_pcode", "adm1_name", "round", "individuals", "population", "per_1000_residents",
               "previous_round", "change"]
    if figures.table is None or not len(communes):
        return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in columns}, geometry=[], crs="EPSG:4326")
    table = figures.table
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
