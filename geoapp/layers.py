"""The layer registry: each layer's name, title, geometry, schema, status vocabulary, style, sensitivity."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from .i18n.translate import N_, gettext

COMMON_COLUMNS = ("id", "name", "status", "as_of", "source", "confidence", "notes")
#: the largest whole number a layer column accepts (people, households, deaths: far below this)
MAX_COUNT = 1_000_000_000
CONFIDENCE = ("high", "medium", "low")

#: Colour-blind safe palette (Okabe-Ito) used by every style below.
PALETTE = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#7f7f7f",
}


@dataclasses.dataclass(frozen=True)
class LayerSpec:
    """What a layer is: the contract its file must meet and how it is shown."""

    name: str
    title: str
    geometry_types: tuple[str, ...]
    statuses: tuple[str, ...]
    #: extra columns and their kind: ``str``, ``int`` (non-negative), ``bool``, ``date`` (ISO)
    extra_columns: Mapping[str, str]
    #: columns that may be empty
    optional_columns: tuple[str, ...] = ("notes",)
    #: colour per status
    colours: Mapping[str, str] = dataclasses.field(default_factory=dict)
    #: ``public`` or ``sensitive`` (exact positions are withheld from anonymous callers)
    sensitivity: str = "public"
    description: str = ""
    #: a data folder may leave this layer out (a feed brought later): it then starts empty
    optional_file: bool = False
    #: bounds of ``int`` columns, where tighter than 0..MAX_COUNT
    int_ranges: Mapping[str, tuple[int, int]] = dataclasses.field(default_factory=dict)
    #: official reference data (boundaries): not drawn by status, edited only by ``edit_role``
    reference: bool = False
    #: the least role that may change the layer over the API (admins may always import)
    edit_role: str = "editor"
    #: features get their department and commune (``PLACE_COLUMNS``) from the boundaries
    placed: bool = False
    #: who made the data and on what terms (reference layers; shown in downloads and on maps)
    attribution: str = ""
    #: False for a collection derived from other data when it changes (not stored, never edited)
    stored: bool = True
    #: columns added after stores and user files existed: a file or store without one gets this value
    #: (and so does an empty cell), so older data keeps loading
    defaults: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def columns(self) -> tuple[str, ...]:
        return COMMON_COLUMNS + tuple(self.extra_columns)

    @property
    def served_columns(self) -> tuple[str, ...]:
        """The stored columns plus those derived when data changes (department and commune)."""
        derived = tuple(c for c in PLACE_COLUMNS if c not in self.columns) if self.placed else ()
        return self.columns + derived


#: The stored displacement figures table (IOM DTM, per commune p-code, round and date).
FIGURE_COLUMNS = ["pcode", "round", "date", "individuals", "source"]
#: Columns every placed layer carries, filled by a spatial join with the communes when data changes.
PLACE_COLUMNS = ("adm1_pcode", "adm1_name", "adm2_pcode", "adm2_name")
#: Attribution of the official boundaries and population (as OCHA asks).
COD_AB_ATTRIBUTION = ("Administrative boundaries: CNIGS / UN OCHA (COD-AB Haiti, 2018-11-29), CC BY-IGO. "
                      "Population: IHSI / UNFPA 2019 (COD-PS Haiti).")
_REFERENCE_NAMES = {"name_en": "str", "name_fr": "str", "name_ht": "str"}
_POPULATION = {"population": "int", "population_female": "int", "population_male": "int"}


def _reference(name: str, title: str, parents: dict[str, str], description: str) -> LayerSpec:
    """An official boundary layer: p-code ids, names in three languages, 2019 population."""
    return LayerSpec(
        name=name, title=title, geometry_types=("Polygon", "MultiPolygon"), statuses=("official",),
        extra_columns={**_REFERENCE_NAMES, **parents, **_POPULATION},
        optional_columns=("notes", "name_en", "name_ht"),
        colours={"official": PALETTE["grey"]}, description=description, optional_file=True,
        reference=True, edit_role="admin", attribution=COD_AB_ATTRIBUTION,
    )


REGISTRY: dict[str, LayerSpec] = {
    spec.name: spec
    for spec in (
        LayerSpec(
            name="gang_zones",
            title=N_("Gang-controlled zones"),
            geometry_types=("Polygon", "MultiPolygon"),
            statuses=("controlled", "contested", "influence"),
            extra_columns={"group": "str"},
            optional_columns=("notes", "group"),
            colours={
                "controlled": PALETTE["vermillion"],
                "contested": PALETTE["orange"],
                "influence": PALETTE["yellow"],
            },
            description="Areas reported under the control, contest or influence of armed groups.",
            placed=True,
        ),
        LayerSpec(
            name="displacement_sites",
            title=N_("Displacement sites"),
            geometry_types=("Point",),
            statuses=("open", "closed"),
            extra_columns={
                "individuals": "int",
                "households": "int",
                "site_type": "str",
                "commune": "str",
                "adm2_pcode": "str",
            },
            optional_columns=("notes", "adm2_pcode"),
            colours={"open": PALETTE["blue"], "closed": PALETTE["grey"]},
            sensitivity="sensitive",
            description="Sites hosting internally displaced people, with indicative population figures.",
            placed=True,
        ),
        LayerSpec(
            name="roads",
            title=N_("Roads and their status"),
            geometry_types=("LineString",),
            statuses=("open", "dangerous", "blocked", "closed"),
            extra_columns={"ref": "str", "road_class": "str", "oneway": "bool", "geometry_precision": "str",
                           "terrain": "str"},
            optional_columns=("notes", "ref", "geometry_precision", "terrain"),
            defaults={"geometry_precision": "hand_drawn", "terrain": "hilly"},
            colours={
                "open": PALETTE["green"],
                "dangerous": PALETTE["orange"],
                "blocked": PALETTE["vermillion"],
                "closed": PALETTE["black"],
            },
            description="Road network with open / dangerous / blocked / closed status: blocked roads are held or "
                        "cut by armed groups (least-risk routes may cross them at a price); closed roads are "
                        "physically impassable (landslide, bridge down, flood) and never routed over.",
        ),
        LayerSpec(
            name="ports",
            title=N_("Ports, airports and border crossings"),
            geometry_types=("Point",),
            statuses=("operational", "restricted", "closed", "gang_controlled"),
            extra_columns={"kind": "str"},
            colours={
                "operational": PALETTE["green"],
                "restricted": PALETTE["orange"],
                "closed": PALETTE["grey"],
                "gang_controlled": PALETTE["vermillion"],
            },
            description="Seaports, fuel terminals, airports and border crossings with their status.",
            placed=True,
        ),
        LayerSpec(
            name="incidents",
            title=N_("Violent incidents"),
            geometry_types=("Point",),
            statuses=("verified", "reported"),
            extra_columns={
                "event_date": "date",
                "event_type": "str",
                "sub_event_type": "str",
                "actor": "str",
                "location": "str",
                "admin1": "str",
                "admin2": "str",
                "admin3": "str",
                "fatalities": "int",
                "geo_precision": "int",
            },
            optional_columns=("notes", "sub_event_type", "actor", "location", "admin1", "admin2", "admin3"),
            colours={"verified": PALETTE["purple"], "reported": PALETTE["sky"]},
            description="Dated violent events (ACLED-like): they raise the risk of nearby roads for a while.",
            optional_file=True,
            int_ranges={"geo_precision": (1, 3)},
            placed=True,
        ),
        LayerSpec(
            name="displacement_figures",
            title=N_("Displaced people per commune and round (IOM DTM)"),
            geometry_types=("Point",),
            statuses=("reported",),
            extra_columns={"adm2_pcode": "str", "adm2_name": "str", "adm1_pcode": "str", "adm1_name": "str",
                           "round": "str", "individuals": "int", "population": "int", "per_1000_residents": "float",
                           "previous_round": "str", "change": "int"},
            optional_columns=("notes", "round", "previous_round", "change", "population", "per_1000_residents"),
            colours={"reported": PALETTE["blue"]},
            description="IOM DTM figures imported with 'geoapp import-dtm', one feature per commune and round, "
                        "placed at a point inside the commune; population is the 2019 estimate (COD-PS).",
            optional_file=True,
            stored=False,
        ),
        _reference("departments", N_("Departments (official boundaries)"), {},
                   "Haiti's 10 departments (COD-AB), with their 2019 population."),
        _reference("communes", N_("Communes (official boundaries)"), {"adm1_pcode": "str", "adm1_name": "str"},
                   "Haiti's 140 communes (COD-AB), with their department and 2019 population."),
        _reference("sections", N_("Communal sections (official boundaries)"),
                   {"adm2_pcode": "str", "adm2_name": "str", "adm1_pcode": "str", "adm1_name": "str"},
                   "Haiti's 570 communal sections (COD-AB), with their commune, department and 2019 population."),
    )
}
#: The operational layers (the crisis), as opposed to the official reference layers.
OPERATIONAL = tuple(name for name, spec in REGISTRY.items() if not spec.reference and spec.stored)
#: The layers a store holds (the others are derived from them when data changes).
STORED = tuple(name for name, spec in REGISTRY.items() if spec.stored)
#: The official boundary layers, from the country down.
REFERENCE = tuple(name for name, spec in REGISTRY.items() if spec.reference)

#: How a road line was made: ``hand_drawn`` (a few vertices between towns: lengths too short, see
#: ``settings.WINDING``), ``surveyed`` (a GPS trace) or ``osm`` (an OpenStreetMap import).
GEOMETRY_PRECISIONS = ("hand_drawn", "surveyed", "osm")
#: The ground a road crosses, which sets how much a hand-drawn line underestimates it and how fast
#: vehicles go (``settings.WINDING``, ``settings.TERRAIN_SPEED``).
TERRAINS = ("flat", "hilly", "mountain")
#: Allowed values of vocabulary columns (an empty cell takes the spec's default).
VOCABULARIES = {"geometry_precision": GEOMETRY_PRECISIONS, "terrain": TERRAINS}

#: The kinds of entry point a ``ports`` feature may be.
PORT_KINDS = ("seaport", "fuel_terminal", "airport", "border_crossing")

#: What each code of a vocabulary is called, for people (codes stay in data and JSON; labels are translated).
STATUS_LABELS: dict[str, dict[str, str]] = {
    "gang_zones": {"controlled": N_("controlled"), "contested": N_("contested"), "influence": N_("influence")},
    "displacement_sites": {"open": N_("open"), "closed": N_("closed")},
    "roads": {"open": N_("open"), "dangerous": N_("dangerous"), "blocked": N_("blocked"), "closed": N_("closed")},
    "ports": {"operational": N_("operational"), "restricted": N_("restricted"), "closed": N_("closed"),
              "gang_controlled": N_("gang controlled")},
    "incidents": {"verified": N_("verified"), "reported": N_("reported")},
    "displacement_figures": {"reported": N_("reported")},
    "official": {"official": N_("official")},
    "verdict": {"safe": N_("safe"), "caution": N_("caution"), "unsafe": N_("unsafe"),
                "no_safe_route": N_("no safe route"), "no_route": N_("no route")},
    "access": {"safe": N_("safe"), "caution": N_("caution"), "only_with_risk": N_("only with risk"),
               "unreachable": N_("unreachable")},
    "outcome": {"same_route": N_("same route"), "detour": N_("detour"), "unreachable": N_("unreachable")},
    "port_kind": {"seaport": N_("seaport"), "fuel_terminal": N_("fuel terminal"), "airport": N_("airport"),
                  "border_crossing": N_("border crossing")},
    "mode": {"avoid": N_("avoid"), "least_risk": N_("least risk"), "shortest": N_("shortest")},
    "confidence": {"high": N_("high"), "medium": N_("medium"), "low": N_("low")},
}
#: ACLED's event types, as people read them.
EVENT_TYPE_LABELS = {
    "Battles": N_("Battles"),
    "Violence against civilians": N_("Violence against civilians"),
    "Explosions/Remote violence": N_("Explosions/Remote violence"),
    "Riots": N_("Riots"),
    "Strategic developments": N_("Strategic developments"),
    "Protests": N_("Protests"),
}


def status_label(vocabulary: str, code: str) -> str:
    """The label of ``code`` in a vocabulary (a layer's statuses, verdicts, ...), in the active language.

    An unknown code is shown as it is, underscores as spaces.
    """
    label = STATUS_LABELS.get(vocabulary, {}).get(code)
    return gettext(label) if label else str(code).replace("_", " ")


def status_labels(vocabulary: str) -> dict[str, str]:
    """Every code of a vocabulary with its label in the active language."""
    return {code: gettext(label) for code, label in STATUS_LABELS.get(vocabulary, {}).items()}


def event_type_label(event_type: str) -> str:
    """An ACLED event type in the active language (other types as they are)."""
    label = EVENT_TYPE_LABELS.get(event_type)
    return gettext(label) if label else event_type


def layer_title(name: str) -> str:
    """A layer's title in the active language."""
    return gettext(REGISTRY[name].title)
