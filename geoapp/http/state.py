"""The app state accessor: the running Service of the app handling the current request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from ..data.service import Service

#: the key under which create_app keeps the Service in ``app.extensions``
EXTENSION = "geoapp"


def service() -> Service:
    """The Service (settings, store, current Dataset) of the app handling the current request."""
    return current_app.extensions[EXTENSION]
