"""The colours of every page as CSS custom properties, written from the layer registry and the map styles.

The palette and each status's colour live in Python (``layers.py``, ``maps/layers.py``); pages'
stylesheets and scripts read them as ``var(--roads-open)`` or ``getComputedStyle(...)`` instead of
typing the hex codes again.
"""

from __future__ import annotations

from ..layers import PALETTE, REGISTRY
from .layers import ACCESS_COLOURS, OUTCOME_COLOURS, VERDICT_COLOURS


def custom_properties() -> dict[str, str]:
    """Every colour a page uses, by CSS custom property name."""
    props = {f"--palette-{name}": colour for name, colour in PALETTE.items()}
    for layer, spec in REGISTRY.items():
        props.update({f"--{layer.replace('_', '-')}-{status.replace('_', '-')}": colour
                      for status, colour in spec.colours.items()})
    for prefix, table in (("access", ACCESS_COLOURS), ("outcome", OUTCOME_COLOURS), ("verdict", VERDICT_COLOURS)):
        props.update({f"--{prefix}-{key.replace('_', '-')}": colour for key, colour in table.items()})
    return props


def theme_css() -> str:
    """The stylesheet: one ``:root`` rule with every colour."""
    lines = [f"  {name}: {value};" for name, value in custom_properties().items()]
    return "/* haiti-access colours, written from the layer registry (geoapp/maps/theme.py) */\n:root {\n" + \
        "\n".join(lines) + "\n}\n"
