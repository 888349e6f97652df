"""Humanitarian feeds as users download them, read into the layer schemas with per-row errors.

IOM DTM site assessments and ACLED event exports come as CSV or XLSX, with or without an HXL
hashtag row, with English or French headers; columns are found by hashtag first, then by the names
seen in real exports.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from . import extent
from .errors import DataValidationError
from .layers import MAX_COUNT

#: For each schema field, HXL hashtags (attribute sets) and header names seen in DTM exports.
DTM_COLUMNS = {
    "site_id": ({"#loc+code"}, {"#loc+id"}, "site id", "siteid", "site code", "code du site", "ssid", "site_code"),
    "name": ({"#loc+name"}, {"#loc+name+site"}, "site name", "sitename", "nom du site", "site", "name",
             "nom"),
    "commune": ({"#adm2+name"}, "commune", "commune name", "admin2name", "admin 2", "adm2 name", "adm2_name"),
    "adm2_pcode": ({"#adm2+code"}, "commune pcode", "admin2pcode", "adm2 pcode", "adm2_pcode", "pcode commune",
                   "commune p code"),
    "lat": ({"#geo+lat"}, "latitude", "lat", "gps latitude", "y", "_gps_latitude"),
    "lon": ({"#geo+lon"}, "longitude", "lon", "long", "lng", "gps longitude", "x", "_gps_longitude"),
    "households": ({"#affected+hh+idps"}, {"#affected+hh"}, {"#affected+households+idps"}, "households", "hh",
                   "# hh", "num hh", "nb menages", "menages", "total households", "number of households"),
    "individuals": ({"#affected+ind+idps"}, {"#affected+ind"}, {"#affected+idps"}, "individuals", "ind", "# ind",
                    "num ind", "nb individus", "individus", "total individuals", "number of individuals",
                    "persons"),
    "site_type": ({"#loc+type"}, "site type", "type de site", "type of site", "site_type", "type"),
    "date": ({"#date+reported"}, {"#date"}, "reporting date", "date", "survey date", "date of assessment",
             "date de l evaluation", "assessment date"),
    "round": ({"#meta+round"}, "round", "dtm round", "round number"),
}
REQUIRED = ("name", "lat", "lon", "individuals")
WHOLE = f"must be a whole number from 0 to {MAX_COUNT:,}"
SITE_TYPES = {"collective": "collective_centre", "centre": "collective_centre", "center": "collective_centre",
              "spontan": "spontaneous_site", "informal": "spontaneous_site", "planned": "planned_site",
              "host": "host_community", "famille": "host_community"}


class _FeedTable:
    """One downloaded table being read: its columns found, its row problems collected."""

    def __init__(self, path: Path, sheet, aliases: dict, required: tuple[str, ...], hint: str):
        self.path = Path(path)
        self.table, tags = _split_hxl(_read_table(self.path, sheet))
        self.hxl = bool(tags)
        self.columns = _map_columns(self.table.columns, tags, aliases)
        missing = [field for field in required if field not in self.columns]
        if missing:
            raise DataValidationError([f"{self.path.name}: no column found for {', '.join(missing)} ({hint})"])
        self.first_line = 3 if tags else 2  # header (and HXL row) before the data, counting from 1
        self.problems: list[str] = []

    def col(self, field: str) -> pd.Series:
        """The column mapped to ``field``, or an empty one when the table has none."""
        if field in self.columns:
            return self.table[self.columns[field]]
        return pd.Series([None] * len(self.table), index=self.table.index)

    def bad(self, mask, field: str, problem: str) -> None:
        """Record ``problem`` for every row in ``mask``, by line number and column header."""
        header = self.columns.get(field, field)
        for i in self.table.index[np.asarray(mask, dtype=bool)]:
            self.problems.append(f"{self.path.name}: line {i + self.first_line}, column {header!r}: {problem}")

    def keep(self, mask) -> int:
        """Go on with the rows in ``mask`` only (line numbers stay those of the file); how many left."""
        mask = np.asarray(mask, dtype=bool)
        self.table = self.table[mask]
        return int((~mask).sum())

    def positions(self, outside: str) -> tuple[pd.Series, pd.Series]:
        """Longitude and latitude, checked to be numbers inside Haiti."""
        lat, lon = pd.to_numeric(self.col("lat"), errors="coerce"), pd.to_numeric(self.col("lon"), errors="coerce")
        self.bad(lat.isna() | lon.isna(), "lat", "latitude and longitude must be numbers")
        given = lat.notna() & lon.notna()
        self.bad(given & ~extent.inside(lon.to_numpy(), lat.to_numpy()), "lon", f"{outside} ({extent.describe()})")
        return lon, lat

    def check(self) -> None:
        """Raise every problem found (the first 50 shown), so that nothing is returned."""
        if self.problems:
            more = len(self.problems) - 50
            raise DataValidationError(self.problems[:50] + ([f"... and {more} more"] if more > 0 else []))

    def unique(self, ids: pd.Series, noun: str) -> None:
        """Refuse a table that names one site or event twice."""
        twice = ids.duplicated(keep="first")
        if twice.any():
            raise DataValidationError([f"{self.path.name}: line {line + self.first_line}: {noun} {ids.iat[i]!r} "
                                       "appears twice" for i, line in zip(np.flatnonzero(twice),
                                                                         self.table.index[twice.to_numpy()],
                                                                         strict=True)][:50])


def read_dtm(
    path: Path, *, sheet: str | int | None = 0, as_of: dt.date | None = None
) -> tuple[gpd.GeoDataFrame, dict]:
    """A DTM site table as a displacement-sites layer, and a summary.

    ``DataValidationError`` lists every row problem (line number, column, what is wrong); then
    nothing is returned, so an import built on it is all or nothing.
    """
    t = _FeedTable(path, sheet, DTM_COLUMNS, REQUIRED, "looked for headers such as 'Site Name', 'Latitude', "
                   "'Longitude', 'Individuals' or HXL tags")
    col, bad = t.col, t.bad
    lon, lat = t.positions("the position is outside Haiti (are latitude and longitude swapped?)")
    names = col("name").astype("string").str.strip()
    bad(names.isna() | names.eq(""), "name", "the site has no name")
    counts = {}
    for field in ("individuals", "households"):
        raw = col(field)
        number = pd.to_numeric(raw.astype("string").str.replace(r"[\s,]", "", regex=True), errors="coerce")
        given = raw.notna() & raw.astype("string").str.strip().ne("")
        bad(given & (number.isna() | (number < 0) | (number > MAX_COUNT) | (number % 1 != 0)), field, WHOLE)
        if field == "individuals":
            bad(~given, field, "the number of individuals is missing")
        counts[field] = number
    dates = _dates(col("date"))
    if as_of is None:
        bad(dates.isna(), "date", "the reporting date is missing or not a date (use --as-of for the whole file)")
    t.check()

    households = counts["households"].fillna((counts["individuals"] / 4.3).round()).astype("int64")
    individuals = counts["individuals"].astype("int64")
    round_ = col("round").astype("string").fillna("")
    ids = _ids(col("site_id"), names, col("adm2_pcode"))
    report_dates = dates.fillna(pd.Timestamp(as_of) if as_of else pd.NaT).dt.strftime("%Y-%m-%d")
    frame = gpd.GeoDataFrame({
        "id": ids,
        "name": names,
        "status": np.where(individuals > 0, "open", "closed"),
        "as_of": report_dates,
        "source": [f"IOM DTM, {t.path.name}" + (f", round {r}" if r else "") for r in round_],
        "confidence": "medium",
        "notes": "",
        "individuals": individuals,
        "households": households,
        "site_type": col("site_type").map(_site_type),
        "commune": col("commune").astype("string").fillna("unknown"),
        "adm2_pcode": col("adm2_pcode").astype("string"),
    }, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    t.unique(frame["id"], "site")
    summary = {"sites": len(frame), "open": int((frame["status"] == "open").sum()),
               "individuals": int(individuals.sum()), "households": int(households.sum()),
               "as_of": str(frame["as_of"].max()), "hxl": t.hxl,
               "columns": {field: str(name) for field, name in t.columns.items()}}
    return frame, summary


#: ACLED export columns (names as ACLED writes them, and HXL hashtags of the HDX copies).
ACLED_COLUMNS = {
    "event_id": ({"#event+code"}, "event_id_cnty", "event id cnty", "event_id", "data_id"),
    "event_date": ({"#date+occurred"}, {"#date"}, "event_date", "event date", "date"),
    "event_type": ({"#event+type"}, "event_type", "event type"),
    "sub_event_type": ({"#event+type+sub"}, "sub_event_type", "sub event type"),
    "actor": ({"#group+name+first"}, "actor1", "actor 1"),
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
ACLED_REQUIRED = ("event_id", "event_date", "event_type", "lat", "lon")
#: ACLED's geo_precision: 1 the named place, 2 near it (same district), 3 the wider region.
PRECISION_CONFIDENCE = {1: "high", 2: "medium", 3: "low"}


def read_acled(path: Path, *, sheet: str | int | None = 0) -> tuple[gpd.GeoDataFrame, dict]:
    """An ACLED export as incident features (id, date, type, actor, place, fatalities, precision).

    Like ``read_dtm``: every bad row is reported with line, column and problem, or nothing returns.
    """
    t = _FeedTable(path, sheet, ACLED_COLUMNS, ACLED_REQUIRED,
                   "an ACLED export has event_id_cnty, event_date, event_type, latitude, longitude")
    col, bad = t.col, t.bad
    country = col("country").astype("string").str.strip().str.casefold()
    other_countries = t.keep(country.isna() | country.isin(["", "haiti", "haïti"]))  # regional exports
    lon, lat = t.positions("the position is outside Haiti")
    dates = _dates(col("event_date"))
    bad(dates.isna(), "event_date", "the event date is missing or not a date")
    ids = col("event_id").astype("string").str.strip()
    bad(ids.isna() | ids.eq(""), "event_id", "the event has no id")
    kinds = col("event_type").astype("string").str.strip()
    bad(kinds.isna() | kinds.eq(""), "event_type", "the event has no type")
    fatalities = pd.to_numeric(col("fatalities").replace("", "0"), errors="coerce").fillna(0)
    bad((fatalities < 0) | (fatalities > MAX_COUNT) | (fatalities % 1 != 0), "fatalities", WHOLE)
    precision = pd.to_numeric(col("geo_precision"), errors="coerce").fillna(2)
    bad(~precision.isin([1, 2, 3]), "geo_precision", "must be 1, 2 or 3")
    t.check()
    location = col("location").astype("string").fillna("")
    frame = gpd.GeoDataFrame({
        "id": "acled-" + ids,
        "name": kinds + np.where(location.ne(""), " at " + location, ""),
        "status": "verified",
        "as_of": dates.dt.strftime("%Y-%m-%d"),
        "source": f"ACLED, {t.path.name}",
        "confidence": precision.astype(int).map(PRECISION_CONFIDENCE),
        "notes": col("notes").astype("string").fillna(""),
        "event_date": dates.dt.strftime("%Y-%m-%d"),
        "event_type": kinds,
        "sub_event_type": col("sub_event_type").astype("string"),
        "actor": col("actor").astype("string"),
        "location": location,
        "admin1": col("admin1").astype("string"),
        "admin2": col("admin2").astype("string"),
        "admin3": col("admin3").astype("string"),
        "fatalities": fatalities.astype("int64"),
        "geo_precision": precision.astype("int64"),
    }, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    t.unique(frame["id"], "event")
    summary = {"events": len(frame), "other_countries": other_countries, "fatalities": int(frame["fatalities"].sum()),
               "first": str(frame["event_date"].min()), "last": str(frame["event_date"].max()),
               "hxl": t.hxl, "columns": {field: str(name) for field, name in t.columns.items()}}
    return frame, summary


def _read_table(path: Path, sheet) -> pd.DataFrame:
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            return pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False)
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=None, engine="python")
    except Exception as exc:  # readers raise many kinds; all mean the file is unusable
        raise DataValidationError([f"{path.name}: cannot be read as a table ({exc.__class__.__name__})"]) from None


def _split_hxl(table: pd.DataFrame) -> tuple[pd.DataFrame, list[set[str] | None]]:
    """Take off an HXL hashtag row (the first data row whose cells are hashtags) and parse it."""
    if not len(table):
        return table, []
    first = [str(v).strip() for v in table.iloc[0]]
    if sum(v.startswith("#") for v in first) < max(2, len(first) // 3):
        return table, []
    return table.iloc[1:].reset_index(drop=True), [_hxl_set(v) for v in first]


def _hxl_set(value: str) -> set[str] | None:
    value = re.sub(r"\s+", "", value.lower())
    if not value.startswith("#"):
        return None
    hashtag, *attributes = value.split("+")
    return {hashtag, *(f"+{a}" for a in attributes if a)}


def _norm(header: str) -> str:
    text = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9#]+", " ", text).strip()


def _map_columns(headers, tags, table: dict = DTM_COLUMNS) -> dict[str, str]:
    """Schema field -> table column: HXL hashtags first (an attribute set must be included), then names."""
    out: dict[str, str] = {}
    for field, aliases in table.items():
        for alias in aliases:
            if isinstance(alias, set) and tags:
                want = [_hxl_set(a) for a in alias]
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
