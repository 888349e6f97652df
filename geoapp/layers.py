"""The layer registry: each layer's name, title, geometry, schema, status vocabulary, style, sensitivity."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from .i18n.translate import N_, NP_, gettext, pgettext

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
    #: extra columns and their kind: ``str``, ``int`` (non-negative), ``float`` (non-negative), ``bool``,
    #: ``date`` (ISO), ``schedule`` (see ``geoapp.schedule``)
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
    defaults: Mapping[str, str | None] = dataclasses.field(default_factory=dict)
    #: allowed values of this layer's own vocabulary columns (``VOCABULARIES`` holds the shared ones)
    vocabularies: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    #: columns computed from other layers when data changes (never stored, never edited), with their kind
    derived: Mapping[str, str] = dataclasses.field(default_factory=dict)
    #: the prefix of the ids given to features created over the API (``rd-3f2a...``)
    id_prefix: str = "ft"

    @property
    def columns(self) -> tuple[str, ...]:
        return COMMON_COLUMNS + tuple(self.extra_columns)

    @property
    def served_columns(self) -> tuple[str, ...]:
        """The stored columns plus those derived when data changes (department and commune, road snaps)."""
        placed = tuple(c for c in PLACE_COLUMNS if c not in self.columns) if self.placed else ()
        return self.columns + placed + tuple(c for c in self.derived if c not in self.columns)

    def vocabulary(self, column: str) -> tuple[str, ...] | None:
        """The values ``column`` may take in this layer (None: free text)."""
        return self.vocabularies.get(column, VOCABULARIES.get(column))


#: The stored displacement figures table (IOM DTM, per commune p-code, round and date).
FIGURE_COLUMNS = ["pcode", "round", "date", "individuals", "source"]
#: Columns every placed layer carries, filled by a spatial join with the communes when data changes.
PLACE_COLUMNS = ("adm1_pcode", "adm1_name", "adm2_pcode", "adm2_name")
#: Attribution of the official boundaries and population (as OCHA asks).
COD_AB_ATTRIBUTION = ("Administrative boundaries: CNIGS / UN OCHA (COD-AB Haiti, 2018-11-29), CC BY-IGO. "
                      "Population: IHSI / UNFPA 2019 (COD-PS Haiti).")
_REFERENCE_NAMES = {"name_en": "str", "name_fr": "str", "name_ht": "str"}
_POPULATION = {"population": "int", "population_female": "int", "population_male": "int"}


def _reference(name: str, title: str, parents: dict[str, str], description: str, id_prefix: str) -> LayerSpec:
    """An official boundary layer: p-code ids, names in three languages, 2019 population."""
    return LayerSpec(
        name=name, title=title, geometry_types=("Polygon", "MultiPolygon"), statuses=("official",),
        extra_columns={**_REFERENCE_NAMES, **parents, **_POPULATION},
        optional_columns=("notes", "name_en", "name_ht"),
        colours={"official": PALETTE["grey"]}, description=description, optional_file=True,
        reference=True, edit_role="admin", attribution=COD_AB_ATTRIBUTION, id_prefix=id_prefix,
    )


#: How a road line was made: ``hand_drawn`` (a few vertices between towns: lengths too short, see
#: ``settings.WINDING``), ``surveyed`` (a GPS trace) or ``osm`` (an OpenStreetMap import).
GEOMETRY_PRECISIONS = ("hand_drawn", "surveyed", "osm")
#: The ground a road crosses, which sets how much a hand-drawn line underestimates it and how fast
#: vehicles go (``settings.WINDING``, ``settings.TERRAIN_SPEED``).
TERRAINS = ("flat", "hilly", "mountain")
#: The vehicle classes, smallest first: a road's ``max_vehicle`` is the largest class that can pass it
#: (every class before it can too); an empty ``max_vehicle`` means no known limit.
VEHICLES = ("foot", "moto", "4x4", "light_truck", "truck_20ft", "heavy_truck")
#: When a road can be used: all year, or only in the dry season (fords, unpaved climbs that rain closes).
SEASONS = ("all_year", "dry_season_only")
#: Allowed values of vocabulary columns shared by layers (an empty cell takes the spec's default).
VOCABULARIES = {"geometry_precision": GEOMETRY_PRECISIONS, "terrain": TERRAINS, "max_vehicle": VEHICLES,
                "season": SEASONS}

#: The kinds of entry point a ``ports`` feature may be (helipads: landing points, often a field or a roof).
PORT_KINDS = ("seaport", "fuel_terminal", "airport", "helipad", "border_crossing")
#: How a ``connections`` leg travels, and the kinds of port each mode may join: boats load at seaports and
#: fuel terminals; aircraft land at airports and helipads (a helicopter may also use an airport).
CONNECTION_MODES = ("sea", "air")
MODE_PORT_KINDS = {"sea": ("seaport", "fuel_terminal"), "air": ("airport", "helipad")}
#: Who holds a checkpoint: the police, an armed group, or a toll (legal or not, on a road with a fee).
CHECKPOINT_KINDS = ("police", "gang", "toll")
#: Currencies fees are reported in: Haitian gourdes and US dollars.
CURRENCIES = ("HTG", "USD")
#: How far a connection's line may end from the port it names, and a checkpoint lie from the nearest
#: road, before the data is refused (metres).
PORT_END_TOLERANCE_M = 2000
CHECKPOINT_ROAD_TOLERANCE_M = 500


def vehicle_rank(vehicle: str) -> int:
    """The position of a vehicle class in ``VEHICLES`` (larger is bigger): 0 for ``foot``."""
    return VEHICLES.index(vehicle)


def vehicle_fits(vehicle: str, max_vehicle: str | None) -> bool:
    """Whether ``vehicle`` can pass a road whose largest class is ``max_vehicle`` (None: no known limit)."""
    return max_vehicle is None or vehicle_rank(vehicle) <= vehicle_rank(max_vehicle)


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
            description=N_("Areas reported under the control, contest or influence of armed groups."),
            placed=True,
            id_prefix="gz",
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
            description=N_("Sites hosting internally displaced people, with indicative population figures."),
            placed=True,
            id_prefix="ds",
        ),
        LayerSpec(
            name="roads",
            title=N_("Roads and their status"),
            geometry_types=("LineString",),
            statuses=("open", "dangerous", "blocked", "closed"),
            extra_columns={"ref": "str", "road_class": "str", "oneway": "bool", "geometry_precision": "str",
                           "terrain": "str", "max_vehicle": "str", "season": "str"},
            optional_columns=("notes", "ref", "geometry_precision", "terrain", "max_vehicle", "season"),
            defaults={"geometry_precision": "hand_drawn", "terrain": "hilly", "max_vehicle": None, "season": None},
            colours={
                "open": PALETTE["green"],
                "dangerous": PALETTE["orange"],
                "blocked": PALETTE["vermillion"],
                "closed": PALETTE["black"],
            },
            description=N_("Road network with open / dangerous / blocked / closed status: blocked roads are held or "
                        "cut by armed groups (least-risk routes may cross them at a price); closed roads are "
                        "physically impassable (landslide, bridge down, flood) and never routed over. "
                        "max_vehicle is the largest vehicle class that can pass (empty: no known limit); "
                        "season says when a road is passable only in the dry season."),
            id_prefix="rd",
        ),
        LayerSpec(
            name="ports",
            title=N_("Ports, airports and border crossings"),
            geometry_types=("Point",),
            statuses=("operational", "restricted", "closed", "gang_controlled"),
            extra_columns={"kind": "str"},
            vocabularies={"kind": PORT_KINDS},
            colours={
                "operational": PALETTE["green"],
                "restricted": PALETTE["orange"],
                "closed": PALETTE["grey"],
                "gang_controlled": PALETTE["vermillion"],
            },
            description=N_("Seaports, fuel terminals, airports, helipads and border crossings with their status."),
            placed=True,
            id_prefix="pt",
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
            description=N_("Dated violent events (ACLED-like): they raise the risk of nearby roads for a while."),
            optional_file=True,
            int_ranges={"geo_precision": (1, 3)},
            placed=True,
            id_prefix="in",
        ),
        LayerSpec(
            name="connections",
            title=N_("Sea and air connections"),
            geometry_types=("LineString",),
            statuses=("operating", "suspended"),
            extra_columns={"from_port": "str", "to_port": "str", "mode": "str", "operator": "str",
                           "schedule": "schedule", "duration_s": "int", "capacity_t": "float", "vehicles": "bool"},
            optional_columns=("notes", "operator", "capacity_t"),
            vocabularies={"mode": CONNECTION_MODES},
            colours={"operating": PALETTE["blue"], "suspended": PALETTE["grey"]},
            int_ranges={"duration_s": (60, 7 * 86400)},
            description=N_("Boat and flight legs between two ports of the ports layer (from_port, to_port): barges, "
                           "sailing cargo and helicopter shuttles, with their schedule, duration, capacity in tonnes "
                           "and whether a truck can go on board."),
            optional_file=True,
            id_prefix="cn",
        ),
        LayerSpec(
            name="checkpoints",
            title=N_("Checkpoints and illegal tolls"),
            geometry_types=("Point",),
            statuses=("active", "lifted"),
            extra_columns={"kind": "str", "group": "str", "fee": "float", "currency": "str"},
            optional_columns=("notes", "group", "fee", "currency"),
            vocabularies={"kind": CHECKPOINT_KINDS, "currency": CURRENCIES},
            colours={"active": PALETTE["vermillion"], "lifted": PALETTE["grey"]},
            description=N_("Police and armed-group checkpoints and tolls on roads; fee is an estimate per vehicle "
                           "where one was reported. Each is snapped to the nearest road (road_id, road_distance_m)."),
            optional_file=True,
            placed=True,
            derived={"road_id": "str", "road_distance_m": "int"},
            id_prefix="cp",
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
            description=N_("IOM DTM figures imported with 'geoapp import-dtm', one feature per commune and round, "
                        "placed at a point inside the commune; population is the 2019 estimate (COD-PS)."),
            optional_file=True,
            stored=False,
            id_prefix="df",
        ),
        _reference("departments", N_("Departments (official boundaries)"), {},
                   N_("Haiti's 10 departments (COD-AB), with their 2019 population."), "adm1"),
        _reference("communes", N_("Communes (official boundaries)"), {"adm1_pcode": "str", "adm1_name": "str"},
                   N_("Haiti's 140 communes (COD-AB), with their department and 2019 population."), "adm2"),
        _reference("sections", N_("Communal sections (official boundaries)"),
                   {"adm2_pcode": "str", "adm2_name": "str", "adm1_pcode": "str", "adm1_name": "str"},
                   N_("Haiti's 570 communal sections (COD-AB), with their commune, department and 2019 population."),
                   "adm3"),
    )
}
#: The operational layers (the crisis), as opposed to the official reference layers.
OPERATIONAL = tuple(name for name, spec in REGISTRY.items() if not spec.reference and spec.stored)
#: The layers a store holds (the others are derived from them when data changes).
STORED = tuple(name for name, spec in REGISTRY.items() if spec.stored)
#: The official boundary layers, from the country down.
REFERENCE = tuple(name for name, spec in REGISTRY.items() if spec.reference)

#: What each code of a vocabulary is called, for people (codes stay in data and JSON; labels are translated).
STATUS_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "gang_zones": {"controlled": NP_("gang_zones", "controlled"), "contested": NP_("gang_zones", "contested"),
                   "influence": NP_("gang_zones", "influence")},
    "displacement_sites": {"open": NP_("displacement_sites", "open"), "closed": NP_("displacement_sites", "closed")},
    "roads": {"open": NP_("roads", "open"), "dangerous": NP_("roads", "dangerous"), "blocked": NP_("roads", "blocked"),
              "closed": NP_("roads", "closed")},
    "ports": {"operational": NP_("ports", "operational"), "restricted": NP_("ports", "restricted"),
              "closed": NP_("ports", "closed"), "gang_controlled": NP_("ports", "gang controlled")},
    "incidents": {"verified": NP_("incidents", "verified"), "reported": NP_("incidents", "reported")},
    "displacement_figures": {"reported": NP_("displacement_figures", "reported")},
    "official": {"official": NP_("official", "official")},
    "verdict": {"safe": NP_("verdict", "safe"), "caution": NP_("verdict", "caution"),
                "unsafe": NP_("verdict", "unsafe"), "no_safe_route": NP_("verdict", "no safe route"),
                "no_route": NP_("verdict", "no route")},
    "access": {"safe": NP_("access", "safe"), "caution": NP_("access", "caution"),
               "only_with_risk": NP_("access", "only with risk"), "unreachable": NP_("access", "unreachable")},
    "outcome": {"same_route": NP_("outcome", "same route"), "detour": NP_("outcome", "detour"),
                "unreachable": NP_("outcome", "unreachable")},
    "port_kind": {"seaport": NP_("port_kind", "seaport"), "fuel_terminal": NP_("port_kind", "fuel terminal"),
                  "airport": NP_("port_kind", "airport"), "helipad": NP_("port_kind", "helipad"),
                  "border_crossing": NP_("port_kind", "border crossing")},
    "place_kind": {"town": NP_("place_kind", "town"), "port": NP_("place_kind", "port"),
                   "seaport": NP_("place_kind", "seaport"), "fuel_terminal": NP_("place_kind", "fuel terminal"),
                   "airport": NP_("place_kind", "airport"), "helipad": NP_("place_kind", "helipad"),
                   "border_crossing": NP_("place_kind", "border crossing"),
                   "displacement_site": NP_("place_kind", "displacement site"),
                   "department": NP_("place_kind", "department"), "commune": NP_("place_kind", "commune"),
                   "section": NP_("place_kind", "section")},
    "connections": {"operating": NP_("connections", "operating"), "suspended": NP_("connections", "suspended")},
    "checkpoints": {"active": NP_("checkpoints", "active"), "lifted": NP_("checkpoints", "lifted")},
    "connection_mode": {"sea": NP_("connection_mode", "sea"), "air": NP_("connection_mode", "air")},
    "checkpoint_kind": {"police": NP_("checkpoint_kind", "police"), "gang": NP_("checkpoint_kind", "armed group"),
                        "toll": NP_("checkpoint_kind", "toll")},
    "vehicle": {"foot": NP_("vehicle", "on foot"), "moto": NP_("vehicle", "motorbike"), "4x4": NP_("vehicle", "4x4"),
                "light_truck": NP_("vehicle", "light truck"), "truck_20ft": NP_("vehicle", "20-ft truck"),
                "heavy_truck": NP_("vehicle", "heavy truck")},
    "mode": {"avoid": NP_("mode", "avoid"), "least_risk": NP_("mode", "least risk"),
             "shortest": NP_("mode", "shortest")},
    "confidence": {"high": NP_("confidence", "high"), "medium": NP_("confidence", "medium"),
                   "low": NP_("confidence", "low")},
    # popup and table headings: each column's name as people read it
    "field": {"name": NP_("field", "name"), "status": NP_("field", "status"), "group": NP_("field", "group"),
              "individuals": NP_("field", "individuals"), "households": NP_("field", "households"),
              "site_type": NP_("field", "site type"), "commune": NP_("field", "commune"), "ref": NP_("field", "ref"),
              "road_class": NP_("field", "road class"), "kind": NP_("field", "kind"),
              "event_date": NP_("field", "event date"), "event_type": NP_("field", "event type"),
              "sub_event_type": NP_("field", "sub event type"), "actor": NP_("field", "actor"),
              "location": NP_("field", "location"), "fatalities": NP_("field", "fatalities"),
              "geo_precision": NP_("field", "geo precision"), "as_of": NP_("field", "as of"),
              "source": NP_("field", "source"), "confidence": NP_("field", "confidence"),
              "notes": NP_("field", "notes"), "download": NP_("field", "download"),
              "department": NP_("field", "department"), "incidents": NP_("field", "incidents"),
              "deaths": NP_("field", "deaths"), "verified": NP_("field", "verified"), "newest": NP_("field", "newest"),
              "oldest": NP_("field", "oldest"), "from_port": NP_("field", "from"), "to_port": NP_("field", "to"),
              "mode": NP_("field", "mode"), "operator": NP_("field", "operator"), "schedule": NP_("field", "schedule"),
              "duration_s": NP_("field", "duration"), "capacity_t": NP_("field", "capacity (t)"),
              "vehicles": NP_("field", "takes vehicles"), "fee": NP_("field", "fee"),
              "currency": NP_("field", "currency"),
              "max_vehicle": NP_("field", "largest vehicle"), "season": NP_("field", "season"),
              "road_id": NP_("field", "road")},
    "layer": {"gang_zones": NP_("layer", "gang zones"), "displacement_sites": NP_("layer", "displacement sites"),
              "roads": NP_("layer", "roads"), "ports": NP_("layer", "ports"), "incidents": NP_("layer", "incidents"),
              "displacement_figures": NP_("layer", "displacement figures"), "departments": NP_("layer", "departments"),
              "communes": NP_("layer", "communes"), "sections": NP_("layer", "sections"),
              "connections": NP_("layer", "sea and air connections"), "checkpoints": NP_("layer", "checkpoints")},
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
    return pgettext(*label) if label else str(code).replace("_", " ")


def status_labels(vocabulary: str) -> dict[str, str]:
    """Every code of a vocabulary with its label in the active language."""
    return {code: pgettext(*label) for code, label in STATUS_LABELS.get(vocabulary, {}).items()}


def event_type_label(event_type: str) -> str:
    """An ACLED event type in the active language (other types as they are)."""
    label = EVENT_TYPE_LABELS.get(event_type)
    return gettext(label) if label else event_type


def layer_title(name: str) -> str:
    """A layer's title in the active language."""
    return gettext(REGISTRY[name].title)
