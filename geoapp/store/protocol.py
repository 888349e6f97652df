"""The Store protocol: what the service, the API and the command line call on a layer store.

Both backends (``GeoPackageStore``, ``PostgisStore``) provide it through ``SqlStore``; ``make_store``
returns it, so mypy checks each backend against it where it is built.  Callers annotate with ``Store``.
"""

from __future__ import annotations

from typing import Protocol

import geopandas as gpd
import pandas as pd


class Store(Protocol):
    """Layers, their audit log, displacement figures and API tokens, changed in transactions."""

    def describe(self) -> str:
        """Which backend and where, for people (``geoapp init``, ``/readyz``)."""
        ...

    def init(self) -> bool:
        """Create the tables when missing and seed layers never held; True if any was seeded."""
        ...

    def integrity_check(self) -> bool:
        """True when the stored data is whole (valid file, valid geometries)."""
        ...

    # -- reads
    def version(self) -> int:
        """The data version, raised by every committed change (cheap to poll)."""
        ...

    def load(self) -> dict[str, gpd.GeoDataFrame]:
        """Every stored layer, validated, by name."""
        ...

    def load_figures(self) -> pd.DataFrame:
        """Every displacement figure (``layers.FIGURE_COLUMNS``)."""
        ...

    def get(self, layer: str, feature_id: str) -> tuple[dict, int] | None:
        """One feature as GeoJSON and its version, or None."""
        ...

    def history(self, layer: str, feature_id: str) -> list[dict]:
        """Every recorded change of a feature, oldest first."""
        ...

    def changes_after(self, moment: str) -> list[dict]:
        """Changes committed after ``moment`` (ISO UTC), newest first, with snapshots for imports."""
        ...

    def first_change_at(self) -> str | None:
        """When the oldest recorded change was made (ISO UTC), or None."""
        ...

    # -- writes (each one transaction, audited, raising the data version)
    def create(self, layer: str, frame: gpd.GeoDataFrame, *, actor: str, reason: str) -> int:
        """Insert one feature (``Conflict`` if its id is taken); returns its version."""
        ...

    def replace(self, layer: str, feature_id: str, frame: gpd.GeoDataFrame, *, expected_version: int, actor: str,
                reason: str, action: str = "replace") -> int:
        """Replace a feature still at ``expected_version`` (else ``PreconditionFailed``); the new version."""
        ...

    def delete(self, layer: str, feature_id: str, *, expected_version: int, actor: str, reason: str) -> None:
        """Delete a feature still at ``expected_version``."""
        ...

    def replace_layer(self, layer: str, frame: gpd.GeoDataFrame, *, actor: str, reason: str) -> None:
        """Swap a whole layer (an import), keeping the old one as a snapshot."""
        ...

    def import_figures(self, figures: pd.DataFrame, *, actor: str, reason: str) -> dict:
        """Store displacement figures, replacing the rounds they hold; counts of what was done."""
        ...

    # -- tokens
    def create_token(self, name: str, role: str) -> str:
        """A new random token for ``role`` (only its hash is kept)."""
        ...

    def revoke_token(self, name: str) -> bool:
        """Revoke the live token of that name; False if there was none."""
        ...

    def list_tokens(self) -> list[dict]:
        """Every token's name, role and dates (never the token)."""
        ...

    def principal(self, token: str) -> tuple[str, str] | None:
        """(name, role) of a live token, or None."""
        ...
