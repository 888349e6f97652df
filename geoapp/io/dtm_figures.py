"""IOM DTM displacement figures per commune and round, read from the tables IOM publishes.

IOM's public Haiti dataset (HDX, DTM's API) gives displaced people per admin p-code and round,
not per site: rows for admin levels 0, 1 and 2 mixed in one file, several rows per commune and
round (one per department of origin or reason) that must be summed.  Rows are joined on p-codes
only (names vary: "Cap Haitien", "St. Raphael"); only commune sums are kept, and department or
national rows are checked against them.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from ..i18n.translate import N_, _
from ..layers import MAX_COUNT
from .feeds import DTM_COLUMNS, _dates, _FeedTable, _map_columns, whole
from .sheets import Table

#: Columns of DTM's admin-level tables: HXL hashtags first (most specific first), then header names.
FIGURE_COLUMNS = {
    "level": ({"#adm+level"}, "adminlevel", "admin level", "level", "niveau admin"),
    "adm2_pcode": ({"#adm2+code"}, "admin2pcode", "adm2 pcode", "adm2pcode", "admin 2 pcode", "commune pcode",
                   "pcode commune", "commune p code"),
    "adm2_name": ({"#adm2+name"}, "admin2name", "adm2 name", "commune", "admin 2 name"),
    "adm1_pcode": ({"#adm1+code"}, "admin1pcode", "adm1 pcode", "adm1pcode", "admin 1 pcode",
                   "departement pcode", "department pcode"),
    "adm1_name": ({"#adm1+name"}, "admin1name", "adm1 name", "departement", "department"),
    "households": ({"#affected+idps+hh"}, {"#affected+hh"}, "numpresentidphh", "households", "menages",
                   "nb menages"),
    "individuals": ({"#affected+idps+ind"}, "numpresentidpind", {"#affected+idps"}, {"#affected+ind"},
                    "idps", "individuals", "individus", "nb individus", "number of idps", "total idps"),
    "date": ({"#date+reported"}, "reportingdate", "reporting date", "date de rapport", {"#date"}, "date"),
    "round": ({"#round+code"}, {"#round"}, {"#meta+round"}, "roundnumber", "round number", "round", "dtm round",
              "numero du round"),
}
HINT = N_("an IOM DTM commune table has admin1Pcode / admin2Pcode (#adm2+code), numPresentIdpInd (#affected+idps) "
          "and reportingDate (#date+reported)")


def is_figure_table(source: Table) -> bool:
    """Whether a DTM table (as read) gives figures per admin area rather than sites: p-codes and no positions."""
    columns = _map_columns(source.frame.columns, source.tags, {**FIGURE_COLUMNS, "lat": DTM_COLUMNS["lat"],
                                                               "lon": DTM_COLUMNS["lon"]})
    return "lat" not in columns and "lon" not in columns and (
        "level" in columns or "adm2_pcode" in columns or "adm1_pcode" in columns)


def read_dtm_figures(path: Path, *, sheet: str | int | None = 0, communes: pd.DataFrame,
                     departments: pd.DataFrame, source: Table | None = None) -> tuple[pd.DataFrame, dict]:
    """Commune figures summed per p-code, round and date, and a summary with the level 0/1 checks.

    ``communes`` and ``departments`` are the reference layers (``id`` is the p-code); a row naming
    a p-code they do not hold is a row error.  ``DataValidationError`` lists every row problem
    (line, column, value), and then nothing is returned: an import built on it is all or nothing.
    ``source``: the table already read from ``path`` (it is not read again).
    """
    t = _FeedTable(path, sheet, FIGURE_COLUMNS, ("individuals", "date"), _(HINT), source=source)
    if "adm2_pcode" not in t.columns and "adm1_pcode" not in t.columns:
        raise DataValidationError([_("%(file)s: no p-code column found (%(hint)s)", file=t.path.name, hint=_(HINT))])
    col, bad = t.col, t.bad
    adm2 = _pcode(col("adm2_pcode"))
    adm1 = _pcode(col("adm1_pcode"))
    level = _levels(col("level"), adm1, adm2)
    bad(level.isna(), "level", _("the admin level must be 0, 1 or 2"))
    known2, known1 = set(communes["id"]), set(departments["id"])
    bad((level == 2) & adm2.isna(), "adm2_pcode", _("a commune row (admin level 2) has no commune p-code"))
    bad((level == 2) & adm2.notna() & ~adm2.isin(known2), "adm2_pcode",
        _("unknown commune p-code (not in the official boundaries, COD-AB)"))
    bad((level == 1) & adm1.isna(), "adm1_pcode", _("a department row (admin level 1) has no department p-code"))
    bad((level == 1) & adm1.notna() & ~adm1.isin(known1), "adm1_pcode",
        _("unknown department p-code (not in the official boundaries, COD-AB)"))
    people = t.number("individuals", whole=True)
    bad(people.isna() | (people < 0) | (people > MAX_COUNT) | (people % 1 != 0), "individuals", whole())
    dates = _dates(col("date"))
    bad(dates.isna(), "date", _("the reporting date is missing or not a date"))
    t.check()

    rounds = col("round").astype("string").str.strip().fillna("").map(_round)
    table = pd.DataFrame({"level": level.astype(int), "adm1": adm1, "adm2": adm2, "individuals": people.astype("int64"),
                          "date": dates.dt.strftime("%Y-%m-%d"), "round": rounds})
    communes_rows = table[table["level"] == 2]
    if not len(communes_rows):
        raise DataValidationError([_("%(file)s: no commune rows (admin level 2); figures are kept per commune",
                                     file=t.path.name)])
    summed = (communes_rows.groupby(["adm2", "round", "date"], as_index=False)
              .agg(individuals=("individuals", "sum"), rows=("individuals", "size")))
    parent = communes.set_index("id")["adm1_pcode"]
    summed["adm1"] = summed["adm2"].map(parent)
    figures = pd.DataFrame({
        "pcode": summed["adm2"], "round": summed["round"], "date": summed["date"],
        "individuals": summed["individuals"].astype("int64"), "source": f"IOM DTM, {t.path.name}",
    })
    checks = _check_totals(table, summed, departments)
    summary = {
        "communes": int(summed["adm2"].nunique()), "rows": int(len(table)), "commune_rows": int(len(communes_rows)),
        "figures": int(len(figures)), "rounds": _round_list(summed), "checks": checks,
        "skipped_levels": {str(k): int(v) for k, v in table["level"].value_counts().items() if k != 2},
        "assumptions": [], **t.summary(skip_invalid=False),
    }
    return figures, summary


def _pcode(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.upper()
    return text.where(text.ne("") & text.notna(), pd.NA)


def _levels(values: pd.Series, adm1: pd.Series, adm2: pd.Series) -> pd.Series:
    """Admin level per row: the level column ("2", "Admin 2"), else the deepest p-code given."""
    digits = values.astype("string").str.extract(r"(\d)", expand=False)
    given = pd.to_numeric(digits, errors="coerce")
    inferred = pd.Series(np.where(adm2.notna(), 2, np.where(adm1.notna(), 1, 0)), index=values.index)
    blank = values.isna() | values.astype("string").str.strip().eq("")
    level = given.where(~blank, inferred)
    return level.where(level.isin([0, 1, 2]))


def _round(text: str) -> str:
    """A round as a plain label: "9", "Round 9" and "9.0" are all "9"."""
    match = re.fullmatch(r"(?i)\s*(?:round|r|rd)?\s*(\d+)(?:\.0+)?\s*", text or "")
    return match.group(1) if match else (text or "")


def _round_list(summed: pd.DataFrame) -> list[dict]:
    per = summed.groupby(["round", "date"], as_index=False).agg(individuals=("individuals", "sum"),
                                                                communes=("adm2", "nunique"))
    per = per.sort_values(["date", "round"])
    return [{"round": r.round or None, "date": r.date, "individuals": int(r.individuals), "communes": int(r.communes)}
            for r in per.itertuples()]


def _check_totals(table: pd.DataFrame, summed: pd.DataFrame, departments: pd.DataFrame) -> list[dict]:
    """Department (level 1) and national (level 0) rows against the sum of their communes."""
    checks = []
    names = departments.set_index("id")["name"]
    by_dept = summed.groupby(["adm1", "round", "date"])["individuals"].sum()
    national = summed.groupby(["round", "date"])["individuals"].sum()
    level1 = table[table["level"] == 1].groupby(["adm1", "round", "date"])["individuals"].sum()
    for (pcode, rnd, date), stated in level1.items():
        total = int(by_dept.get((pcode, rnd, date), 0))
        checks.append({"level": 1, "pcode": pcode, "name": names.get(pcode), "round": rnd or None, "date": date,
                       "stated": int(stated), "communes_sum": total, "difference": int(stated) - total})
    level0 = table[table["level"] == 0].groupby(["round", "date"])["individuals"].sum()
    for (rnd, date), stated in level0.items():
        total = int(national.get((rnd, date), 0))
        checks.append({"level": 0, "pcode": "HT", "name": "Haiti", "round": rnd or None, "date": date,
                       "stated": int(stated), "communes_sum": total, "difference": int(stated) - total})
    return checks
