"""Reading a layer from the files users bring: GeoJSON, GeoPackage, Shapefile, or CSV with lon/lat."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from .errors import DataValidationError

LON_NAMES = ("lon", "longitude", "long", "x")
LAT_NAMES = ("lat", "latitude", "y")


def read_table_layer(path: Path) -> gpd.GeoDataFrame:
    """A GeoDataFrame from a vector file or a CSV table (an HXL hashtag row under the header is skipped)."""
    path = Path(path)
    try:
        if path.suffix.lower() in (".csv", ".txt"):
            return _from_csv(path)
        return gpd.read_file(path, engine="pyogrio")
    except DataValidationError:
        raise
    except Exception as exc:  # readers raise many kinds; all mean the file is unusable
        raise DataValidationError([f"{path.name}: cannot be read ({exc.__class__.__name__}: {exc})"]) from None


def _from_csv(path: Path) -> gpd.GeoDataFrame:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    if len(table) and str(table.iloc[0, 0]).startswith("#"):
        table = table.iloc[1:].reset_index(drop=True)  # the HXL hashtag row
    lower = {c.lower(): c for c in table.columns}
    lon = next((lower[n] for n in LON_NAMES if n in lower), None)
    lat = next((lower[n] for n in LAT_NAMES if n in lower), None)
    if lon is None or lat is None:
        raise DataValidationError([f"{path.name}: needs longitude and latitude columns (lon/lat)"])
    x = pd.to_numeric(table[lon], errors="coerce")
    y = pd.to_numeric(table[lat], errors="coerce")
    bad = x.isna() | y.isna()
    if bad.any():
        lines = ", ".join(str(i + 2) for i in bad[bad].index[:10])
        raise DataValidationError([f"{path.name}: line(s) {lines}: {lon}/{lat} must be numbers"])
    table = table.drop(columns=[lon, lat]).replace({"": None})
    for column in ("individuals", "households"):
        if column in table:
            table[column] = pd.to_numeric(table[column], errors="coerce")
    if "oneway" in table:
        table["oneway"] = table["oneway"].str.lower().isin(["true", "1", "yes"])
    return gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")
