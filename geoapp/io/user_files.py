"""Reading a layer from the files users bring: GeoJSON, GeoPackage, Shapefile, or a CSV/XLSX table with lon/lat."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from ..errors import DataValidationError
from ..i18n.translate import _
from ..layers import LayerSpec
from .sheets import WORKBOOKS, fold, read_table

LON_NAMES = ("lon", "longitude", "long", "lng", "x")
LAT_NAMES = ("lat", "latitude", "y")
#: Header names (compared without case or accents) of the layer columns, French ones included.
ALIASES = {
    "id": ("id", "identifiant", "code"),
    "name": ("name", "nom", "nom du site", "site name"),
    "status": ("status", "statut", "etat"),
    "as_of": ("as of", "as_of", "date", "date de mise a jour"),
    "source": ("source", "sources"),
    "confidence": ("confidence", "confiance", "fiabilite"),
    "notes": ("notes", "remarques", "remarque", "commentaires", "observations"),
    "individuals": ("individuals", "individus", "nb individus", "nombre d individus", "personnes"),
    "households": ("households", "menages", "nb menages", "nombre de menages"),
    "site_type": ("site type", "site_type", "type de site"),
    "commune": ("commune",),
    "adm2_pcode": ("adm2 pcode", "adm2_pcode", "pcode commune", "code commune"),
    "group": ("group", "groupe", "gang"),
    "road_class": ("road class", "road_class", "classe de route"),
    "event_date": ("event date", "event_date", "date de l evenement"),
    "event_type": ("event type", "event_type", "type d evenement"),
    "fatalities": ("fatalities", "morts", "deces"),
}
TRUE, FALSE = {"true", "1", "yes", "oui", "vrai"}, {"false", "0", "no", "non", "faux", ""}


def read_layer_file(path: Path, *, spec: LayerSpec | None = None) -> tuple[gpd.GeoDataFrame, list[str]]:
    """A vector file or a CSV/XLSX table as a GeoDataFrame, and how a table was read (for the summary).

    Table headers are matched to ``spec``'s columns (all layers' when None) without regard to case
    or accents, French names included ("Nom du site", "Statut", "Ménages").
    """
    path = Path(path)
    try:
        if path.suffix.lower() in (".csv", ".txt", *WORKBOOKS):
            return _from_table(path, spec)
        return gpd.read_file(path, engine="pyogrio"), []
    except DataValidationError:
        raise
    except Exception as exc:  # readers raise many kinds; all mean the file is unusable
        raise DataValidationError([_("%(file)s: cannot be read (%(error)s)", file=path.name,
                                     error=f"{exc.__class__.__name__}: {exc}")]) from None


def _from_table(path: Path, spec: LayerSpec | None) -> tuple[gpd.GeoDataFrame, list[str]]:
    source = read_table(path)
    table = source.frame
    names = {header: fold(header) for header in table.columns}
    lon = next((h for n in LON_NAMES for h, norm in names.items() if norm == n), None)
    lat = next((h for n in LAT_NAMES for h, norm in names.items() if norm == n), None)
    if lon is None or lat is None:
        raise DataValidationError([_("%(file)s: needs longitude and latitude columns (lon/lat); found %(headers)s "
                                     "(%(read)s)", file=path.name, read=source.describe(),
                                     headers=", ".join(repr(h) for h in table.columns[:12]))])
    wanted = set(spec.columns) if spec else {c for c in ALIASES} | {c for s in _specs() for c in s.columns}
    renamed: dict[str, str] = {}
    for header, norm in names.items():
        if header in (lon, lat):
            continue
        target = next((column for column, aliases in ALIASES.items() if column in wanted and norm in aliases),
                      norm.replace(" ", "_") if norm.replace(" ", "_") in wanted else None)
        if target and target not in renamed.values():
            renamed[header] = target
    x, y = source.numbers(table[lon]), source.numbers(table[lat])
    bad = x.isna() | y.isna()
    if bad.any():
        lines = ", ".join(str(i) for i in bad[bad].index[:10])
        raise DataValidationError([_("%(file)s: line(s) %(lines)s: %(lon)s/%(lat)s must be numbers", file=path.name,
                                     lines=lines, lon=lon, lat=lat)])
    table = table.drop(columns=[lon, lat]).rename(columns=renamed).replace({"": None})
    kinds = {c: k for s in ([spec] if spec else _specs()) for c, k in s.extra_columns.items()}
    for column in [c for c, kind in kinds.items() if kind == "int" and c in table]:
        number = source.numbers(table[column].rename(_header(renamed, column)), whole=True)
        table[column] = number.astype(object).where(number.notna(), table[column])  # not a number: validation says
    for column in [c for c, kind in kinds.items() if kind == "bool" and c in table]:
        text = table[column].astype("string").str.strip().str.casefold().fillna("")
        table[column] = text.isin(TRUE).astype(object).where(text.isin(TRUE | FALSE), table[column])
    notes = [_("read as %(how)s", how=source.describe())]
    mapped = [f"{target} <- {header!r}" for header, target in renamed.items() if header != target]
    if mapped:
        notes.append(_("columns: %(columns)s", columns=", ".join(mapped)))
    absent = [c for c in (spec.optional_columns if spec else ()) if c not in table]
    if absent:
        table = table.assign(**dict.fromkeys(absent))
        notes.append(_("assumed: %(assumption)s", assumption=_("no column for %(columns)s: left empty",
                                                               columns=", ".join(absent))))
    frame = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326").reset_index(drop=True)
    return frame, notes


def _header(renamed: dict[str, str], column: str) -> str:
    return next((header for header, target in renamed.items() if target == column), column)


def _specs() -> list[LayerSpec]:
    from ..layers import REGISTRY

    return list(REGISTRY.values())
