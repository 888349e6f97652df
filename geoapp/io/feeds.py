"""Humanitarian feeds as users download them, read into the layer schemas with per-row problems.

IOM DTM site assessments and ACLED event exports come as CSV (in any encoding and separator Excel
uses: see ``sheets``) or XLSX, with or without an HXL hashtag row, with English or French headers;
columns are found by hashtag first, then by the names seen in real exports.  Every row problem is
recorded with its line and column: by default one bad row refuses the whole file; with
``skip_invalid`` the valid rows are returned and the rejected ones come back with their reasons.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import extent
from ..errors import DataValidationError
from ..i18n.translate import _, integer, ngettext
from ..layers import MAX_COUNT
from .sheets import Table, hxl_set, read_table, write_csv
from .sheets import fold as _norm

#: For each schema field, HXL hashtags (attribute sets) and header names seen in DTM exports.
DTM_COLUMNS = {
    "site_id": ({"#loc+code"}, {"#loc+id"}, "site id", "siteid", "site code", "code du site", "ssid", "site_code",
                "id du site", "identifiant du site"),
    "name": ({"#loc+name"}, {"#loc+name+site"}, "site name", "sitename", "nom du site", "site", "name",
             "nom"),
    "commune": ({"#adm2+name"}, "commune", "commune name", "admin2name", "admin 2", "adm2 name", "adm2_name",
                "nom de la commune"),
    "adm2_pcode": ({"#adm2+code"}, "commune pcode", "admin2pcode", "adm2 pcode", "adm2_pcode", "pcode commune",
                   "commune p code", "code commune", "p code commune"),
    "lat": ({"#geo+lat"}, "latitude", "lat", "gps latitude", "y", "_gps_latitude", "latitude gps"),
    "lon": ({"#geo+lon"}, "longitude", "lon", "long", "lng", "gps longitude", "x", "_gps_longitude",
            "longitude gps"),
    "households": ({"#affected+hh+idps"}, {"#affected+hh"}, {"#affected+households+idps"}, "households", "hh",
                   "# hh", "num hh", "nb menages", "menages", "total households", "number of households",
                   "nombre de menages", "nb de menages", "total menages"),
    "individuals": ({"#affected+ind+idps"}, {"#affected+ind"}, {"#affected+idps"}, "individuals", "ind", "# ind",
                    "num ind", "nb individus", "individus", "total individuals", "number of individuals",
                    "persons", "nombre d individus", "nb d individus", "total individus", "personnes"),
    "site_type": ({"#loc+type"}, "site type", "type de site", "type of site", "site_type", "type"),
    "date": ({"#date+reported"}, {"#date"}, "reporting date", "date", "survey date", "date of assessment",
             "date de l evaluation", "assessment date", "date d evaluation", "date de collecte"),
    "round": ({"#meta+round"}, "round", "dtm round", "round number"),
}
REQUIRED = ("name", "lat", "lon", "individuals")
SITE_TYPES = {"collective": "collective_centre", "centre": "collective_centre", "center": "collective_centre",
              "spontan": "spontaneous_site", "informal": "spontaneous_site", "planned": "planned_site",
              "host": "host_community", "famille": "host_community"}


class _FeedTable:
    """One downloaded table being read: its columns found, its row problems recorded by line and column."""

    def __init__(self, path: Path, sheet, aliases: dict, required: tuple[str, ...], hint: str, *,
                 source: Table | None = None):
        """Read ``path`` (unless ``source`` is the table already read from it) and find its columns.

        ``hint`` (translated) says which headers were looked for.
        """
        self.path = Path(path)
        self.source = source if source is not None else read_table(self.path, sheet=sheet)
        self.table = self.source.frame  # index: the line of each row in the file
        self.hxl = bool(self.source.tags)
        self.columns = _map_columns(self.table.columns, self.source.tags, aliases)
        missing = [field for field in required if field not in self.columns]
        if missing:
            raise DataValidationError([_("%(file)s: no column found for %(fields)s (%(hint)s)", file=self.path.name,
                                           fields=", ".join(missing), hint=hint)])
        #: blocks of problems: the lines, the column header (None: the row as a whole), the message(s)
        self.problems: list[tuple[np.ndarray, str | None, str | list[str]]] = []

    def col(self, field: str) -> pd.Series:
        """The column mapped to ``field``, or an empty one when the table has none."""
        if field in self.columns:
            return self.table[self.columns[field]]
        return pd.Series([None] * len(self.table), index=self.table.index, dtype=object)

    def given(self, field: str) -> pd.Series:
        """Which rows have something in ``field``'s column."""
        return self.col(field).astype("string").str.strip().fillna("").ne("")

    def number(self, field: str, *, whole: bool = False) -> pd.Series:
        """``field``'s cells as numbers (decimal commas and thousands separators as ``sheets`` reads them)."""
        return self.source.numbers(self.col(field), whole=whole)

    def bad(self, mask, field: str | None, problem: str | list[str]) -> None:
        """Record ``problem`` (one message, or one per row of ``mask``) for the rows in ``mask``."""
        lines = self.table.index[np.asarray(mask, dtype=bool)].to_numpy()
        if len(lines):
            self.problems.append((lines, None if field is None else self.columns.get(field, field), problem))

    def keep(self, mask) -> int:
        """Go on with the rows in ``mask`` only (line numbers stay those of the file); how many left."""
        mask = np.asarray(mask, dtype=bool)
        self.table = self.table[mask]
        return int((~mask).sum())

    def positions(self, outside: str) -> tuple[pd.Series, pd.Series]:
        """Longitude and latitude, checked to be numbers on Haiti's land or within its maritime margin."""
        lat, lon = self.number("lat"), self.number("lon")
        self.bad(lat.isna() | lon.isna(), "lat", _("latitude and longitude must be numbers"))
        away = (lat.notna() & lon.notna() & ~extent.inside(lon.to_numpy(), lat.to_numpy())).to_numpy()
        shown = pd.DataFrame({"lat": self.col("lat").astype("string").str.strip(),
                              "lon": self.col("lon").astype("string").str.strip()})[away]
        self.bad(away, "lon", [_("%(problem)s (%(extent)s): latitude %(lat)s, longitude %(lon)s", problem=outside,
                                 extent=extent.describe(), lat=la, lon=lo) for la, lo in zip(shown["lat"], shown["lon"],
                                                                                            strict=True)])
        return lon, lat

    def messages(self) -> list[str]:
        """Every problem as one line: file, line, column and what is wrong."""
        out = []
        for lines, header, problem in self.problems:
            texts = [problem] * len(lines) if isinstance(problem, str) else problem
            if header is None:
                out += [_("%(file)s: line %(line)s: %(problem)s", file=self.path.name, line=line, problem=text)
                        for line, text in zip(lines, texts, strict=True)]
            else:
                out += [_("%(file)s: line %(line)s, column %(column)s: %(problem)s", file=self.path.name, line=line,
                          column=repr(header), problem=text) for line, text in zip(lines, texts, strict=True)]
        return out

    def check(self) -> None:
        """Raise every problem found, so that nothing is returned (the error shows the first and counts the rest)."""
        problems = self.messages()
        if problems:
            raise DataValidationError(problems)

    def settle(self, ids: pd.Series, twice_message: str, *, skip_invalid: bool) -> np.ndarray:
        """Which rows to keep: all (or raise every problem), or with ``skip_invalid`` the valid ones.

        A table that names one site or event twice is refused, every repeated row listed (the
        error shows the first and counts the rest); with ``skip_invalid`` only the later rows are,
        among the rows that are valid otherwise.  ``twice_message`` says so (a sentence with
        ``%(name)s``, given the quoted id, already translated).
        """
        if not skip_invalid:
            self.check()
        valid = ids[~self.table.index.isin(self.rejected_lines())]
        twice = valid.duplicated(keep="first")
        if twice.any():
            again = valid[twice]
            if not skip_invalid:
                raise DataValidationError([_("%(file)s: line %(line)s: %(problem)s", file=self.path.name, line=line,
                                             problem=twice_message % {"name": repr(name)})
                                           for line, name in again.items()])
            first = pd.Series(valid.index, index=valid.to_numpy())
            first = first[~first.index.duplicated()]
            self.bad(self.table.index.isin(again.index), None,
                     [_("%(problem)s (first on line %(line)s)", problem=twice_message % {"name": repr(name)},
                        line=first[name]) for name in again])
        return ~self.table.index.isin(self.rejected_lines())

    def rejected_lines(self) -> np.ndarray:
        """The lines with at least one problem, in order."""
        return np.unique(np.concatenate([lines for lines, _, _ in self.problems])) if self.problems else \
            np.array([], dtype=int)

    def rejected_rows(self) -> pd.DataFrame:
        """The rejected rows as the file has them, after their line and their problems ("column: problem; ...")."""
        parts = []
        for lines, header, problem in self.problems:
            texts = pd.Series(problem if not isinstance(problem, str) else [problem] * len(lines), dtype="string")
            parts.append(pd.DataFrame({"line": lines, "problem": (texts if header is None else f"{header}: " + texts)
                                       .to_numpy()}))
        if not parts:
            return pd.DataFrame(columns=["line", "problems", *self.table.columns])
        reasons = pd.concat(parts).groupby("line", sort=True)["problem"].agg("; ".join)
        rows = self.table.loc[reasons.index]
        rows.insert(0, "problems", reasons.to_numpy())
        rows.insert(0, "line", reasons.index.to_numpy())
        if self.source.hxl_row:  # keep the hashtag row, so that fixed rows can be imported again
            tags = pd.DataFrame([["#meta+line", "#meta+problems", *self.source.hxl_row]], columns=rows.columns)
            rows = pd.concat([tags, rows.astype(object)], ignore_index=True)
        return rows.reset_index(drop=True)

    def summary(self, *, skip_invalid: bool) -> dict:
        """What every import summary says about the reading: how, which columns, what was rejected."""
        out = {"read": self.source.describe(), "hxl": self.hxl, "separator": self.source.separator,
               "columns": {field: str(name) for field, name in self.columns.items()}}
        if skip_invalid:
            out["rejected"] = self.rejected_rows()
            out["rejected_count"] = len(self.rejected_lines())
        return out


def write_rejected(path: Path, summary: dict) -> Path | None:
    """Write the rejected rows of a ``skip_invalid`` read beside ``path`` as ``<stem>.rejected.csv``.

    UTF-8 with a BOM and the input's separator, so that the Excel that saved the file opens it;
    None (and nothing written) when no row was rejected.
    """
    if not summary.get("rejected_count"):
        return None
    target = Path(path).with_name(f"{Path(path).stem}.rejected.csv")
    return write_csv(target, summary["rejected"], separator=summary.get("separator") or ",")


def read_dtm(
    path: Path, *, sheet: str | int | None = 0, as_of: dt.date | None = None, skip_invalid: bool = False,
    source: Table | None = None,
) -> tuple[gpd.GeoDataFrame, dict]:
    """A DTM site table as a displacement-sites layer, and a summary.

    ``DataValidationError`` lists every row problem (line number, column, what is wrong); then
    nothing is returned, so an import built on it is all or nothing.  With ``skip_invalid`` the
    valid sites are returned and ``summary["rejected"]`` holds the other rows with their problems.
    ``source``: the table already read from ``path`` (it is not read again).
    """
    t = _FeedTable(path, sheet, DTM_COLUMNS, REQUIRED, _("looked for headers such as 'Site Name', 'Latitude', "
                                                         "'Longitude', 'Individuals' or HXL tags"), source=source)
    col, bad = t.col, t.bad
    lon, lat = t.positions(_("the position is outside Haiti (are latitude and longitude swapped?)"))
    names = col("name").astype("string").str.strip()
    bad(names.isna() | names.eq(""), "name", _("the site has no name"))
    counts = {}
    for field in ("individuals", "households"):
        number, given = t.number(field, whole=True), t.given(field)
        bad(given & (number.isna() | (number < 0) | (number > MAX_COUNT) | (number % 1 != 0)), field, whole())
        if field == "individuals":
            bad(~given, field, _("the number of individuals is missing"))
        counts[field] = number
    dates = _dates(col("date"))
    if as_of is None:
        bad(dates.isna(), "date", _("the reporting date is missing or not a date (use --as-of for the whole file)"))
    ids = pd.Series(_ids(col("site_id"), names, col("adm2_pcode")), index=t.table.index)
    ok = t.settle(ids, _("site %(name)s appears twice"), skip_invalid=skip_invalid)

    rows = pd.DataFrame({"id": ids, "name": names, "lon": lon, "lat": lat, "individuals": counts["individuals"],
                         "households": counts["households"], "date": dates, "round": col("round"),
                         "site_type": col("site_type"), "commune": col("commune"),
                         "adm2_pcode": col("adm2_pcode")}, index=t.table.index)[ok]
    assumptions = []
    derived = rows["households"].isna()
    if derived.any():
        assumptions.append(_("households missing on %(sites)s: individuals / 4.3 assumed",
                             sites=sites(int(derived.sum()))))
    untyped = rows["site_type"].astype("string").str.strip().fillna("").eq("")
    if untyped.any():
        assumptions.append(_("no site type on %(sites)s: collective_centre assumed", sites=sites(int(untyped.sum()))))
    households = rows["households"].fillna((rows["individuals"] / 4.3).round()).astype("int64")
    individuals = rows["individuals"].astype("int64")
    round_ = rows["round"].astype("string").fillna("")
    report_dates = rows["date"].fillna(pd.Timestamp(as_of) if as_of else pd.NaT).dt.strftime("%Y-%m-%d")
    frame = gpd.GeoDataFrame({
        "id": rows["id"],
        "name": rows["name"],
        "status": np.where(individuals > 0, "open", "closed"),
        "as_of": report_dates,
        "source": [f"IOM DTM, {t.path.name}" + (f", round {r}" if r else "") for r in round_],
        "confidence": "medium",
        "notes": "",
        "individuals": individuals,
        "households": households,
        "site_type": rows["site_type"].map(_site_type),
        "commune": rows["commune"].astype("string").fillna("unknown"),
        "adm2_pcode": rows["adm2_pcode"].astype("string"),
    }, geometry=gpd.points_from_xy(rows["lon"], rows["lat"]), crs="EPSG:4326").reset_index(drop=True)
    summary = {"sites": len(frame), "open": int((frame["status"] == "open").sum()),
               "individuals": int(individuals.sum()), "households": int(households.sum()),
               "as_of": str(frame["as_of"].max()) if len(frame) else None, "assumptions": assumptions,
               **t.summary(skip_invalid=skip_invalid)}
    return frame, summary


#: ACLED export columns (names as ACLED writes them, and HXL hashtags of the HDX copies).
ACLED_COLUMNS = {
    "event_id": ({"#event+code"}, "event_id_cnty", "event id cnty", "event_id", "data_id"),
    "event_date": ({"#date+occurred"}, {"#date"}, "event_date", "event date", "date"),
    "event_type": ({"#event+type"}, "event_type", "event type"),
    "sub_event_type": ({"#event+type+sub"}, "sub_event_type", "sub event type"),
    "actor": ({"#group+name+first"}, "actor1", "actor 1"),
    "actor2": ({"#group+name+second"}, "actor2", "actor 2"),
    "admin1": ({"#adm1+name"}, "admin1"),
    "admin2": ({"#adm2+name"}, "admin2"),
    "admin3": ({"#adm3+name"}, "admin3"),
    "location": ({"#loc+name"}, "location"),
    "lat": ({"#geo+lat"}, "latitude", "lat"),
    "lon": ({"#geo+lon"}, "longitude", "lon"),
    "geo_precision": ({"#geo+precision"}, "geo_precision", "geo precision"),
    "fatalities": ({"#affected+killed"}, "fatalities"),
    "notes": ({"#description"}, "notes"),
    "country": ({"#country+name"}, "country"),
}
ACLED_REQUIRED = ("event_date", "event_type", "lat", "lon")
#: ACLED's geo_precision: 1 the named place, 2 near it (same district), 3 the wider region.
PRECISION_CONFIDENCE = {1: "high", 2: "medium", 3: "low"}


def read_acled(
    path: Path, *, sheet: str | int | None = 0, skip_invalid: bool = False
) -> tuple[gpd.GeoDataFrame, dict]:
    """An ACLED export as incident features (id, date, type, actor, place, fatalities, precision).

    Like ``read_dtm``: every bad row is reported with line, column and problem, or nothing returns
    (with ``skip_invalid``, the valid events and the rejected rows).  Only ``event_date``,
    ``event_type``, ``latitude`` and ``longitude`` are required; what is assumed for a missing
    column or cell is listed in ``summary["assumptions"]``.
    """
    t = _FeedTable(path, sheet, ACLED_COLUMNS, ACLED_REQUIRED,
                   _("an ACLED export has event_date, event_type, latitude and longitude"))
    col, bad = t.col, t.bad
    country = col("country").astype("string").str.strip().str.casefold()
    other_countries = t.keep(country.isna() | country.isin(["", "haiti", "haïti"]))  # regional exports
    assumptions = []
    derive = "event_id" not in t.columns
    if derive:
        identical = t.table.duplicated(keep="first").to_numpy()
        if identical.any():
            merged = t.table.index[identical]
            lines = ", ".join(str(line) for line in merged[:10]) + (", ..." if len(merged) > 10 else "")
            assumptions.append(ngettext("%(rows)s identical in every column to an earlier row merged (line %(lines)s)",
                                        "%(rows)s identical in every column to an earlier row merged (lines %(lines)s)",
                                        len(merged), rows=rows(len(merged)), lines=lines))
            t.keep(~identical)
    lon, lat = t.positions(_("the position is outside Haiti"))
    dates = _dates(col("event_date"))
    bad(dates.isna(), "event_date", _("the event date is missing or not a date"))
    kinds = col("event_type").astype("string").str.strip()
    bad(kinds.isna() | kinds.eq(""), "event_type", _("the event has no type"))
    fatalities, counted = t.number("fatalities", whole=True), t.given("fatalities")
    bad(counted & (fatalities.isna() | (fatalities < 0) | (fatalities > MAX_COUNT) | (fatalities % 1 != 0)),
        "fatalities", whole())
    precision, placed = t.number("geo_precision", whole=True), t.given("geo_precision")
    bad(placed & ~precision.isin([1, 2, 3]), "geo_precision", _("must be 1, 2 or 3"))
    if derive:
        ids, numbered = _event_ids(t, dates, lon, lat, kinds)
    else:
        raw_ids = col("event_id").astype("string").str.strip()
        bad(raw_ids.isna() | raw_ids.eq(""), "event_id", _("the event has no id"))
        ids, numbered = "acled-" + raw_ids, 0
    ok = t.settle(ids, _("event %(name)s appears twice"), skip_invalid=skip_invalid)

    kept = int(ok.sum())
    if derive:
        assumptions.insert(0, _("no event_id_cnty column: ids derived from date, place, type and actors"))
        if numbered:
            assumptions.append(_("%(events)s sharing date, place, type and actors with another event of the file but "
                                 "differing elsewhere: ids numbered (-2, -3, ...)", events=events(numbered)))
    for field, given, unit in (("geo_precision", placed, _("2 (near the place)")), ("fatalities", counted, "0")):
        if field not in t.columns:
            assumptions.append(_("no %(field)s column: %(value)s assumed for %(events)s", field=field, value=unit,
                                 events=events(kept)))
        elif missing := int((~given)[ok].sum()):
            assumptions.append(_("%(field)s empty on %(events)s: %(value)s assumed", field=field, value=unit,
                                 events=events(missing)))
    fatalities = fatalities.where(counted, 0)[ok]
    precision = precision.where(placed, 2)[ok]
    kinds, dates, location = kinds[ok], dates[ok], col("location").astype("string").fillna("")[ok]
    frame = gpd.GeoDataFrame({
        "id": ids[ok],
        "name": kinds + np.where(location.ne(""), " at " + location, ""),
        "status": "verified",
        "as_of": dates.dt.strftime("%Y-%m-%d"),
        "source": f"ACLED, {t.path.name}",
        "confidence": precision.astype(int).map(PRECISION_CONFIDENCE),
        "notes": col("notes").astype("string").fillna("")[ok],
        "event_date": dates.dt.strftime("%Y-%m-%d"),
        "event_type": kinds,
        "sub_event_type": col("sub_event_type").astype("string")[ok],
        "actor": col("actor").astype("string")[ok],
        "location": location,
        "admin1": col("admin1").astype("string")[ok],
        "admin2": col("admin2").astype("string")[ok],
        "admin3": col("admin3").astype("string")[ok],
        "fatalities": fatalities.astype("int64"),
        "geo_precision": precision.astype("int64"),
    }, geometry=gpd.points_from_xy(lon[ok], lat[ok]), crs="EPSG:4326").reset_index(drop=True)
    summary = {"events": len(frame), "other_countries": other_countries, "fatalities": int(frame["fatalities"].sum()),
               "first": str(frame["event_date"].min()) if len(frame) else None,
               "last": str(frame["event_date"].max()) if len(frame) else None, "assumptions": assumptions,
               **t.summary(skip_invalid=skip_invalid)}
    return frame, summary


def _event_ids(t: _FeedTable, dates: pd.Series, lon: pd.Series, lat: pd.Series, kinds: pd.Series
               ) -> tuple[pd.Series, int]:
    """Stable ids for events of a file without ACLED's event ids, and how many had to be numbered.

    ``acled-DATE-HASH``: the hash of the place (location, and the position rounded to 4 decimals,
    about 10 m), type, sub-type and actors, so that the same event gets the same id in every file.
    Events that share all of these but differ elsewhere (fatalities, notes) are told apart by a
    number, given in the order of a hash of their cells, so that it does not depend on row order.
    """
    def text(values: pd.Series) -> pd.Series:
        return values.astype("string").fillna("").str.strip().str.casefold().str.replace(r"\s+", " ", regex=True)

    day = dates.dt.strftime("%Y-%m-%d").astype("string").fillna(text(t.col("event_date")))
    parts = [text(t.col("location")), lat.round(4).astype("string").fillna(""),
             lon.round(4).astype("string").fillna(""), text(kinds), text(t.col("sub_event_type")),
             text(t.col("actor")), text(t.col("actor2"))]
    keys = day.str.cat(parts, sep="\x1f")
    base = "acled-" + day + "-" + pd.Series([_digest(k) for k in keys], index=keys.index, dtype="string")
    mapped = t.table[list(t.columns.values())].astype(str)
    cells = mapped.iloc[:, 0].str.cat([mapped[c] for c in mapped.columns[1:]], sep="\x1f")
    order = pd.DataFrame({"base": base, "cells": [_digest(c) for c in cells], "line": t.table.index},
                         index=t.table.index).sort_values(["base", "cells", "line"])
    rank = order.groupby("base", sort=False).cumcount().reindex(t.table.index)
    ids = base.where(rank.eq(0), base + "-" + (rank + 1).astype("string"))
    return ids, int(rank.gt(0).sum())


def whole() -> str:
    """The problem of a count that is not one (in the active language)."""
    return _("must be a whole number from 0 to %(max)s", max=integer(MAX_COUNT))


def sites(n: int) -> str:
    """``n`` sites, singular or plural, in the active language: "1 site", "4,329 sites"."""
    return ngettext("%(count)s site", "%(count)s sites", n, count=integer(n))


def events(n: int) -> str:
    """``n`` events, singular or plural, in the active language: "1 event", "4,329 events"."""
    return ngettext("%(count)s event", "%(count)s events", n, count=integer(n))


def rows(n: int) -> str:
    """``n`` rows, singular or plural, in the active language: "1 row", "4,329 rows"."""
    return ngettext("%(count)s row", "%(count)s rows", n, count=integer(n))


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def _map_columns(headers, tags, table: dict = DTM_COLUMNS) -> dict[str, str]:
    """Schema field -> table column: HXL hashtags first (an attribute set must be included), then names."""
    out: dict[str, str] = {}
    for field, aliases in table.items():
        for alias in aliases:
            if isinstance(alias, set) and tags:
                want = [hxl_set(a) for a in alias]
                hit = next((h for h, t in zip(headers, tags, strict=True)
                            if t and any(w <= t for w in want) and h not in out.values()), None)
            elif isinstance(alias, str):
                hit = next((h for h in headers if _norm(h) == alias and h not in out.values()), None)
            else:
                hit = None
            if hit is not None:
                out[field] = hit
                break
    return out


def _dates(values: pd.Series) -> pd.Series:
    """Dates as exports write them: ISO (with a time, as Excel date cells come), else day first."""
    text = values.astype("string").str.strip()
    iso_part = text.str.extract(r"^(\d{4}-\d{2}-\d{2})(?:[ T][\d:.]*)?$", expand=False)
    iso = pd.to_datetime(iso_part, format="%Y-%m-%d", errors="coerce")
    other = pd.to_datetime(text.where(iso_part.isna()), dayfirst=True, errors="coerce", format="mixed")
    return iso.fillna(other)


def _ids(site_ids: pd.Series, names: pd.Series, pcodes: pd.Series) -> list[str]:
    out = []
    for sid, name, pcode in zip(site_ids, names, pcodes, strict=True):
        base = sid if isinstance(sid, str) and sid.strip() else f"{pcode or ''}-{name}"
        slug = re.sub(r"[^a-z0-9]+", "-", _norm(base)).strip("-")[:80]
        out.append(f"dtm-{slug}")
    return out


def _site_type(value) -> str:
    text = _norm(value or "")
    return next((kind for key, kind in SITE_TYPES.items() if key in text), "collective_centre" if not text else
                re.sub(r"[^a-z0-9]+", "_", text)[:40])
