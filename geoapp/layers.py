"""The layer registry: each layer's name, title, geometry, schema, status vocabulary, style, sensitivity."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

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

    @property
    def columns(self) -> tuple[str, ...]:
        return COMMON_COLUMNS + tuple(self.extra_columns)


REGISTRY: dict[str, LayerSpec] = {
    spec.name: spec
    for spec in (
        LayerSpec(
            name="gang_zones",
            title="Gang-controlled zones",
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
        ),
        LayerSpec(
            name="displacement_sites",
            title="Displacement sites",
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
        ),
        LayerSpec(
            name="roads",
            title="Roads and their status",
            geometry_types=("LineString",),
            statuses=("open", "dangerous", "blocked"),
            extra_columns={"ref": "str", "road_class": "str", "oneway": "bool"},
            optional_columns=("notes", "ref"),
            colours={
                "open": PALETTE["green"],
                "dangerous": PALETTE["orange"],
                "blocked": PALETTE["vermillion"],
            },
            description="Road network with open / dangerous / blocked status.",
        ),
        LayerSpec(
            name="ports",
            title="Ports, airports and border crossings",
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
        ),
        LayerSpec(
            name="incidents",
            title="Violent incidents",
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
        ),
    )
}

#: The kinds of entry point a ``ports`` feature may be.
PORT_KINDS = ("seaport", "fuel_terminal", "airport", "border_crossing")


def get_spec(name: str) -> LayerSpec:
    """The spec of a registered layer; ``KeyError`` if there is none."""
    return REGISTRY[name]
