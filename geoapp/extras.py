"""Optional features and the extra that installs each, so a missing library says what to install.

PostGIS, OpenStreetMap import and Excel workbooks need libraries most deployments can do without;
they are the ``postgis``, ``osm`` and ``xlsx`` extras (``make`` installs them all).  Code using one
imports it through ``require`` when the feature is used, never at module import.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import ConfigError

#: Module -> (extra that installs it, feature that needs it).
EXTRAS = {
    "psycopg": ("postgis", "a PostgreSQL database (database_url)"),
    "osmium": ("osm", "reading OpenStreetMap extracts"),
    "openpyxl": ("xlsx", "reading Excel workbooks (.xlsx)"),
}


class MissingExtra(ConfigError):
    """A feature was used whose optional library is not installed."""


def require(module: str) -> ModuleType:
    """Import ``module`` (one of ``EXTRAS``), or raise ``MissingExtra`` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra, feature = EXTRAS[module]
        raise MissingExtra(f"{feature} needs {module}, which is not installed: install the '{extra}' extra "
                           f"(pip install 'haiti-access[{extra}]'; make installs every extra)") from exc
