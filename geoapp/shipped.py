"""Where the shipped layers are: ``geodata/`` beside the package in a checkout, ``geoapp/_geodata`` when installed.

The wheel carries ``geodata/`` as package data under ``geoapp/_geodata`` (see ``pyproject.toml``), so
that an installed copy seeds its store with the same layers as a checkout.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

#: The folder holding the ``geoapp`` package: the repository root in a checkout.
_ROOT = Path(__file__).resolve().parent.parent


def from_checkout() -> bool:
    """Whether this is a checkout (the package beside ``geodata/``), editable installs included."""
    return (_ROOT / "geodata" / "context").is_dir()


def data_dir() -> Path:
    """The folder of the shipped layers."""
    if from_checkout():
        return _ROOT / "geodata"
    return Path(str(resources.files("geoapp") / "_geodata"))


def instance_dir() -> Path:
    """Default folder for what the service writes: ``instance/`` in a checkout, else under the prefix.

    An installed copy must not write beside its code; ``<prefix>/var/haiti-access-instance`` is where
    Flask puts an installed application's instance folder.
    """
    if from_checkout():
        return _ROOT / "instance"
    return Path(sys.prefix) / "var" / "haiti-access-instance"
