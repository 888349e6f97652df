"""The legend of every map (same colours and dash patterns as the layers) and the page's handle on the map."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import folium
from branca.element import MacroElement
from jinja2 import Template

from ..i18n.translate import _, template
from ..layers import PALETTE, REGISTRY, layer_title, status_label, status_labels
from .layers import ACCESS_COLOURS, REFERENCE_STYLE, ROAD_DASH, ZONE_DASH, ZONE_FILL


def line_swatch(style: dict) -> str:
    """A legend swatch drawn like a route's line: colour, weight and dashes."""
    dash = "dotted" if style.get("dashArray", "").startswith("1 ") else "dashed" if style.get("dashArray") else "solid"
    return f"border-top:{min(style['weight'], 6)}px {dash} {style['color']}"


class MapHandle(MacroElement):
    """Exposes the map, its overlays, tagged parts and layer control to page scripts.

    ``window.haMap``, ``window.haLayers`` (overlays by their name in the layer control),
    ``window.haParts`` (layers tagged with ``ha_part``, e.g. the country outline) and ``window.haControl``.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
window.haMap = {{ this._parent.get_name() }};
window.haLayers = { {% for name, var in this.layers.items() %}{{ name|tojson }}: {{ var }}, {% endfor %} };
window.haParts = { {% for name, var in this.parts.items() %}{{ name|tojson }}: {{ var }}, {% endfor %} };
window.haControl = {{ this.control or 'null' }};
{% endmacro %}
""")

    def __init__(self):
        super().__init__()
        self._name = "MapHandle"
        self.layers: dict[str, str] = {}
        self.parts: dict[str, str] = {}
        self.control: str | None = None

    def render(self, **kwargs):
        # the overlays a reader can toggle, by their legend name, as the page's JS variables
        children = list(self._parent._children.values())
        self.layers = {child.layer_name: child.get_name() for child in children
                       if isinstance(child, folium.map.Layer) and child.control}
        self.parts = {}
        stack = list(children)
        while stack:
            child = stack.pop()
            if getattr(child, "ha_part", None):
                self.parts[child.ha_part] = child.get_name()
            stack.extend(getattr(child, "_children", {}).values())
        self.control = next((f"{c.get_name()}" for c in children if isinstance(c, folium.LayerControl)), None)
        super().render(**kwargs)


class Legend(MacroElement):
    """A legend for every layer and status, in the same colours and dash patterns as the map."""

    _template = template((Path(__file__).parent / "templates" / "legend.html").read_text(encoding="utf-8"))

    def __init__(self, *, routes: list[tuple[str, str]] | None = None, access: bool = False,
                 boundaries: bool = False, incident_counts: bool = False, choropleth: Mapping[str, dict] | None = None):
        super().__init__()
        self._name = "Legend"
        self.route = bool(routes)
        self.routes = routes or []
        self.access = access
        self.boundaries = boundaries
        self.boundary_lines = [
            (label, f"{max(style['weight'], 1):g}px {'dashed' if style.get('dashArray') else 'solid'} {style['color']}")
            for label, style in ((_("department"), REFERENCE_STYLE["departments"]["style"]),
                                 (_("commune"), REFERENCE_STYLE["communes"]["style"]),
                                 (_("communal section (off at first: see the layer control)"),
                                  REFERENCE_STYLE["sections"]["style"]))]
        self.incident_counts = incident_counts
        self.choropleth = {metric: {"title": c["title"], "rows": list(zip(c["colours"], c["labels"], strict=True))}
                           for metric, c in (choropleth or {}).items()}
        self.access_colours = ACCESS_COLOURS
        self.labels = status_labels
        self.palette = PALETTE
        self.layers = [
            _LegendLayer(layer_title("gang_zones"), "area", REGISTRY["gang_zones"].colours, "gang_zones"),
            _LegendLayer(layer_title("roads"), "line", REGISTRY["roads"].colours, "roads"),
        ]
        if not routes and not access:
            self.layers += [
                _LegendLayer(_("%(layer)s (size: people)", layer=layer_title("displacement_sites")), "dot",
                             REGISTRY["displacement_sites"].colours, "displacement_sites"),
                _LegendLayer(layer_title("ports"), "dot", REGISTRY["ports"].colours, "ports"),
                _LegendLayer(_("%(layer)s (dashes: sea long, air short)", layer=layer_title("connections")), "leg",
                             REGISTRY["connections"].colours, "connections"),
                _LegendLayer(layer_title("checkpoints"), "checkpoint", REGISTRY["checkpoints"].colours, "checkpoints"),
            ]
        if not access:
            self.layers.append(_LegendLayer(_("%(layer)s (size: deaths)", layer=layer_title("incidents")), "dot",
                                            REGISTRY["incidents"].colours, "incidents"))


@dataclasses.dataclass(frozen=True)
class _LegendLayer:
    title: str
    kind: str
    colours: Mapping[str, str]
    name: str = ""

    def label(self, status: str) -> str:
        return status_label(self.name, status)

    def swatch(self, status: str, colour: str) -> str:
        if self.kind == "area":
            border = "solid" if ZONE_DASH[status] is None else "dashed"
            return f"background:{colour};opacity:{0.3 + ZONE_FILL[status]};border:2px {border} {colour}"
        if self.kind == "line":
            style = {None: "solid", "2 6": "dotted", "8 6": "dashed", "1 4 8 4": "double"}[ROAD_DASH[status]]
            return f"border-top:4px {style} {colour}"
        if self.kind == "leg":
            return f"border-top:3px dashed {colour}"
        if self.kind == "checkpoint":
            return f"background:{colour};border:2px solid #000"
        return f"background:{colour}"
