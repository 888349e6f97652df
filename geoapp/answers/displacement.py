"""Displaced people per area and round: the figures collection and the answers of /api/displacement.

Figures are stored per commune p-code, round and date (IOM DTM).  A round is its label (or, with
none, its date) and its date the latest reporting date of its rows; an answer "as of D" uses the
latest round on or before D, and compares each area with the round before.  Departments are sums
of their communes; population is the 2019 estimate of the official boundaries (COD-PS).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

LEVELS = ("adm1", "adm2")


@dataclasses.dataclass(frozen=True)
class Rounds:
    """The rounds on record, oldest first: ``key`` (label or date), ``round`` label and ``date``."""

    table: pd.DataFrame

    @classmethod
    def of(cls, figures: pd.DataFrame) -> Rounds:
        if not len(figures):
            return cls(pd.DataFrame({"key": [], "round": [], "date": [], "individuals": []}))
        keyed = figures.assign(key=_keys(figures))
        table = keyed.groupby("key", as_index=False).agg(round=("round", "first"), date=("date", "max"),
                                                         individuals=("individuals", "sum"))
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
    table = _per_round(figures, rounds)
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
        "per_1000_residents": _per_1000(table["individuals"], table["pcode"].map(area["population"])),
        "previous_round": table["previous_key"],
        "change": table["change"],
    })
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=list(anchors.loc[table["pcode"]].to_numpy()),
                            crs="EPSG:4326")


def answer(figures: pd.DataFrame, communes: gpd.GeoDataFrame, departments: gpd.GeoDataFrame, *, level: str,
           day: dt.date | None) -> dict:
    """Per area of ``level``: people displaced in the latest round on or before ``day``, and the change."""
    rounds = Rounds.of(figures)
    position = rounds.on_or_before(day)
    base = {"level": level, "date_asked": day.isoformat() if day else None, "round": None, "previous_round": None,
            "areas": [], "total": None, "total_change": None, "data_as_of": None,
            "rounds": [rounds.describe(i) for i in range(len(rounds.table))], "warnings": []}
    if position is None:
        base["warnings"].append(
            "No displacement figures on record; import IOM DTM's commune table with 'geoapp import-dtm FILE'."
            if not len(rounds.table) else
            f"No round on or before {day.isoformat()}; the first on record is dated {rounds.table['date'].iat[0]}.")
        return base
    current = _area_figures(figures, rounds, position, communes, level)
    previous = _area_figures(figures, rounds, position - 1, communes, level) if position > 0 else None
    areas = departments if level == "adm1" else communes
    names = areas.set_index("id")
    current = current[current.index.isin(names.index)]
    population = names["population"].reindex(current.index)
    before = previous.reindex(current.index) if previous is not None else None
    rows = []
    for pcode, people in current.items():
        pop = population.get(pcode)
        row = {"pcode": pcode, "name": names.at[pcode, "name"]}
        if level == "adm2":
            row.update(adm1_pcode=names.at[pcode, "adm1_pcode"], adm1_name=names.at[pcode, "adm1_name"])
        change = None if before is None or pd.isna(before.get(pcode)) else int(people - before.get(pcode))
        row.update(individuals=int(people), date=rounds.table["date"].iat[position],
                   round=rounds.table["round"].iat[position] or None,
                   population=None if pd.isna(pop) else int(pop),
                   per_1000_residents=None if pd.isna(pop) or not pop else round(1000 * people / pop, 1),
                   change=change)
        rows.append(row)
    rows.sort(key=lambda r: -r["individuals"])
    total = int(current.sum())
    base.update(round=rounds.describe(position), previous_round=rounds.describe(position - 1 if position else -1),
                areas=rows, total=total, data_as_of=rounds.table["date"].iat[position],
                total_change=None if previous is None else total - int(previous.sum()),
                source=sorted(set(figures["source"].dropna())))
    return base


def commune_series(figures: pd.DataFrame, pcode: str) -> list[dict]:
    """Every round's figure for one commune, oldest first."""
    rounds = Rounds.of(figures)
    table = _per_round(figures, rounds)
    mine = table[table["pcode"] == pcode]
    return [{"round": r.round or None, "date": r.date, "individuals": int(r.individuals),
             "change": None if pd.isna(r.change) else int(r.change)} for r in mine.itertuples()]


def trend_svg(series: list[dict], *, title: str, width: int = 300, height: int = 140) -> str:
    """A small bar chart of displaced people per round, as standalone SVG (no script, no outside link)."""
    pad_l, pad_r, pad_t, pad_b = 44, 8, 22, 26
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(title)}" '
             'font-family="sans-serif" font-size="10">',
             f'<title>{html.escape(title)}</title>',
             f'<text x="{pad_l}" y="13" font-size="11" font-weight="bold">{html.escape(title)}</text>']
    if not series:
        parts.append(f'<text x="{pad_l}" y="{pad_t + inner_h / 2}">no figures on record</text></svg>')
        return "".join(parts)
    top = max(max(s["individuals"] for s in series), 1)
    step = inner_w / len(series)
    bar = max(min(step * 0.7, 28), 1.5)
    parts.append(f'<line x1="{pad_l}" y1="{pad_t + inner_h}" x2="{width - pad_r}" y2="{pad_t + inner_h}" '
                 'stroke="#555"/>')
    for value in (0, top):
        y = pad_t + inner_h - inner_h * value / top
        parts.append(f'<text x="{pad_l - 4}" y="{y + 3:.1f}" text-anchor="end">{_short(value)}</text>')
    for i, s in enumerate(series):
        h = inner_h * s["individuals"] / top
        x = pad_l + i * step + (step - bar) / 2
        label = f"{s['date']}" + (f", round {s['round']}" if s["round"] else "") + f": {s['individuals']:,}"
        parts.append(f'<rect x="{x:.1f}" y="{pad_t + inner_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                     f'fill="#0072B2"><title>{html.escape(label)}</title></rect>')
    first, last = series[0]["date"], series[-1]["date"]
    parts.append(f'<text x="{pad_l}" y="{height - 8}">{first[:7]}</text>')
    if len(series) > 1:
        parts.append(f'<text x="{width - pad_r}" y="{height - 8}" text-anchor="end">{last[:7]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _short(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1e6:.1f}M"
    if value >= 10_000:
        return f"{value / 1e3:.0f}k"
    return f"{value:,.0f}"


def _keys(figures: pd.DataFrame) -> pd.Series:
    labels = figures["round"].fillna("").astype(str)
    return labels.where(labels.ne(""), "d" + figures["date"].astype(str))


def _per_round(figures: pd.DataFrame, rounds: Rounds) -> pd.DataFrame:
    """One row per commune and round (the latest date within a round), with the change since the round before."""
    keyed = figures.assign(key=_keys(figures)).sort_values(["pcode", "date"])
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


def _area_figures(figures: pd.DataFrame, rounds: Rounds, position: int, communes: gpd.GeoDataFrame,
                  level: str) -> pd.Series:
    """People per area (commune or department p-code) in the round at ``position``."""
    table = _per_round(figures, rounds)
    table = table[table["position"] == position]
    per_commune = table.set_index("pcode")["individuals"]
    if level == "adm2":
        return per_commune.astype("int64")
    parent = communes.set_index("id")["adm1_pcode"]
    return per_commune.groupby(per_commune.index.map(parent)).sum().astype("int64")


def _per_1000(individuals: pd.Series, population: pd.Series) -> pd.Series:
    pop = pd.to_numeric(population, errors="coerce")
    value = (1000 * individuals / pop).round(1)
    return value.where(pop > 0, None)
