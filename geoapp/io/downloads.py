"""Layer downloads for spreadsheets and GIS: CSV with an HXL hashtag row, and GeoPackage files."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .csv_text import csv_frames

#: HXL hashtags (https://hxlstandard.org) for the columns the layers use.
HXL = {
    "id": "#meta+id", "name": "#loc+name", "status": "#status", "as_of": "#date+reported",
    "source": "#meta+source", "confidence": "#meta+confidence", "notes": "#description",
    "group": "#group+name", "individuals": "#affected+idps+ind", "households": "#affected+idps+hh",
    "site_type": "#loc+type", "commune": "#adm2+name", "adm2_pcode": "#adm2+code", "ref": "#loc+code",
    "road_class": "#loc+type+road", "oneway": "#meta+oneway", "kind": "#loc+type", "valid_from": "#date+start",
    "valid_to": "#date+end", "highway": "#meta+osm+highway", "speed_kmh": "#meta+speed",
    "lon": "#geo+lon", "lat": "#geo+lat", "wkt": "#geo+wkt",
    # incidents: the hashtags of ACLED's own HXL exports
    "event_date": "#date+occurred", "event_type": "#event+type", "sub_event_type": "#event+type+sub",
    "actor": "#group+name+first", "location": "#loc+name+place", "admin1": "#adm1+name", "admin2": "#adm2+name",
    "admin3": "#adm3+name", "fatalities": "#affected+killed", "geo_precision": "#geo+precision",
    # department and commune from the official boundaries, and the official layers' own columns
    "adm1_pcode": "#adm1+code", "adm1_name": "#adm1+name", "adm2_name": "#adm2+name", "adm3_pcode": "#adm3+code",
    "name_en": "#loc+name+i_en", "name_fr": "#loc+name+i_fr", "name_ht": "#loc+name+i_ht",
    "population": "#population+total", "population_female": "#population+f", "population_male": "#population+m",
    # displacement figures per commune and round
    "round": "#meta+round", "per_1000_residents": "#affected+idps+ind+per1000", "previous_round": "#meta+round+prev",
    "change": "#affected+idps+ind+change",
    # vehicle limits of roads; sea and air connections; checkpoints and their fees
    "max_vehicle": "#meta+vehicle+max", "season": "#meta+season", "from_port": "#loc+code+origin",
    "to_port": "#loc+code+dest", "mode": "#meta+mode", "operator": "#org+name", "schedule": "#meta+schedule",
    "duration_s": "#meta+duration+seconds", "capacity_t": "#capacity+tonnes", "vehicles": "#meta+vehicles",
    "fee": "#value+fee", "currency": "#currency", "road_id": "#meta+road+id", "road_distance_m": "#meta+road+distance",
}
CHUNK = 2000


def csv_stream(frame: gpd.GeoDataFrame, *, excel: bool = False) -> Iterator[str]:
    """A layer as CSV (``io.csv_text``: byte-order mark, header, HXL hashtag row), its features in chunks.

    ``excel`` ends lines with CRLF.  Points give ``lon``/``lat``; lines and polygons give a
    representative point's ``lon``/``lat`` (inside the shape) and the full geometry as ``wkt``.
    """
    columns = [c for c in frame.columns if c != "geometry"]
    points = bool(len(frame)) and (shapely.get_type_id(np.asarray(frame.geometry.values)) == 0).all()
    columns += ["lon", "lat"] if points else ["lon", "lat", "wkt"]

    def chunks() -> Iterator[pd.DataFrame]:
        for start in range(0, len(frame), CHUNK):
            part = frame.iloc[start:start + CHUNK]
            geoms = np.asarray(part.geometry.values)
            anchor = geoms if points else shapely.point_on_surface(geoms)
            table = part.drop(columns="geometry").assign(lon=np.round(shapely.get_x(anchor), 6),
                                                         lat=np.round(shapely.get_y(anchor), 6))
            yield table if points else table.assign(wkt=shapely.to_wkt(geoms, rounding_precision=6))

    return csv_frames(columns, chunks(), hxl=[HXL.get(c, "") for c in columns], excel=excel)


def gpkg_stream(frame: gpd.GeoDataFrame, layer: str, *, chunk_size: int = 1 << 16) -> Iterator[bytes]:
    """A GeoPackage of the features: written now to a temporary file, then read out in chunks.

    Writing happens before the first byte is sent, so a failure is an error response, not a
    truncated file; the file is removed once sent (or abandoned).
    """
    fd, path = tempfile.mkstemp(suffix=".gpkg")
    os.close(fd)
    os.unlink(path)
    try:
        frame.to_file(path, driver="GPKG", layer=layer, engine="pyogrio")
    except Exception:
        if os.path.exists(path):
            os.unlink(path)
        raise

    def chunks() -> Iterator[bytes]:
        try:
            with open(path, "rb") as handle:
                while block := handle.read(chunk_size):
                    yield block
        finally:
            os.unlink(path)

    return chunks()
