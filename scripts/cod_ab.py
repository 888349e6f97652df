"""Convert OCHA's COD-AB Haiti boundaries and COD-PS 2019 population into the shipped reference layers.

Usage: python scripts/cod_ab.py FOLDER [OUT]   (FOLDER holds hti_adm{1,2,3}.geojson and
hti_pop2019_adm{1,2,3}.csv as OCHA distributes them; OUT defaults to geodata/)

The layers keep OCHA's p-codes as ids and its English, French and Creole names; geometry is kept
as distributed (EPSG:4326, 1e-6 degree).  Population is the IHSI/UNFPA 2019 estimate, rounded to
whole people.  Re-run it when OCHA publishes a new edition, then update geodata/README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd

VALID_FROM = "2018-11-29"
SOURCE = "CNIGS / UN OCHA, COD-AB Haiti (2018-11-29), CC BY-IGO; population IHSI / UNFPA 2019 (COD-PS)"
LAYERS = {1: "departments", 2: "communes", 3: "sections"}


def convert(folder: Path, level: int) -> gpd.GeoDataFrame:
    """One admin level in the reference-layer schema (see geoapp/layers.py)."""
    shapes = gpd.read_file(folder / f"hti_adm{level}.geojson", engine="pyogrio").to_crs("EPSG:4326")
    pop = pd.read_csv(folder / f"hti_pop2019_adm{level}.csv", dtype=str, encoding="utf-8")
    pop = pop.set_index(f"adm{level}code")
    pcode = shapes[f"ADM{level}_PCODE"]
    missing = sorted(set(pcode) - set(pop.index))
    if missing:
        raise SystemExit(f"no 2019 population for {', '.join(missing)}")

    def text(column: str) -> pd.Series:
        values = shapes[column].astype("string").str.strip() if column in shapes else pd.Series(pd.NA, index=shapes.index)
        return values.where(values.ne(""), pd.NA)

    frame = pd.DataFrame({
        "id": pcode,
        "name": text(f"ADM{level}_FR"),
        "status": "official",
        "as_of": VALID_FROM,
        "source": SOURCE,
        "confidence": "high",
        "notes": "",
        "name_en": text(f"ADM{level}_EN"),
        "name_fr": text(f"ADM{level}_FR"),
        "name_ht": text(f"ADM{level}_HT"),
    })
    for parent in range(level - 1, 0, -1):
        frame[f"adm{parent}_pcode"] = text(f"ADM{parent}_PCODE")
        frame[f"adm{parent}_name"] = text(f"ADM{parent}_FR")
    for column, source in (("population", "IHSI_UNFPA_2019"), ("population_female", "IHSI_UNFPA_2019_female"),
                           ("population_male", "IHSI_UNFPA_2019_male")):
        frame[column] = pd.to_numeric(pop[source].reindex(pcode).to_numpy()).round().astype("int64")
    return gpd.GeoDataFrame(frame, geometry=shapes.geometry.values, crs="EPSG:4326").sort_values("id")


def main(argv: list[str]) -> None:
    folder = Path(argv[1])
    out = Path(argv[2]) if len(argv) > 2 else Path(__file__).resolve().parent.parent / "geodata"
    for level, name in LAYERS.items():
        frame = convert(folder, level)
        target = out / f"{name}.geojson"
        target.unlink(missing_ok=True)
        frame.to_file(target, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=6, WRITE_NAME="NO")
        print(f"{target}: {len(frame)} features, population {frame['population'].sum():,}")


if __name__ == "__main__":
    main(sys.argv)
