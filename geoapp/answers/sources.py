"""Where an answer's data came from: each layer it used, that layer's date and the citations of the features used."""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..data.dataset import Dataset
from ..layers import layer_title


@dataclasses.dataclass(frozen=True)
class _Citations:
    """One layer's feature ids as a hashed index and each row's citation as a code, for lookups by id.

    Arrays rather than Python objects per row: a national road layer (half a million roads) costs a
    few megabytes, not a hundred, in each serving process.
    """

    ids: pd.Index
    codes: np.ndarray  # each row's citation: its position in ``cited``, -1 for none
    cited: tuple[str, ...]  # the layer's distinct citations, sorted

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Citations:
        codes, found = pd.factorize(frame["source"].to_numpy(dtype=object))  # no citation (None, NaN): -1
        text = [str(value).strip() for value in found]
        cited = tuple(sorted({t for t in text if t}))
        position = {t: i for i, t in enumerate(cited)}
        recode = np.array([position.get(t, -1) for t in text] + [-1], dtype=np.int64)  # [-1] for code -1
        return cls(pd.Index(frame["id"].to_numpy(dtype=object)), recode[codes], cited)

    def rows(self, ids: list[str]) -> np.ndarray:
        """The rows of these features (ids not in the layer ignored)."""
        if self.ids.is_unique:
            rows = self.ids.get_indexer(ids)
            return rows[rows >= 0]
        return np.flatnonzero(self.ids.isin(ids))


#: per data version (the last few), per layer: built on first use, then each answer's sources are dict lookups
_INDEX: OrderedDict[str, dict[str, _Citations]] = OrderedDict()
_INDEX_LOCK = threading.Lock()


def _citations(data: Dataset, name: str) -> _Citations:
    with _INDEX_LOCK:  # requests run on several threads
        layers = _INDEX.get(data.version)
        if layers is None:
            layers = _INDEX[data.version] = {}
            while len(_INDEX) > 4:
                _INDEX.popitem(last=False)
        if name not in layers:
            layers[name] = _Citations.of(data.layers[name])
        return layers[name]


def answer_sources(data: Dataset, used: Mapping[str, Iterable[str] | None]) -> list[dict]:
    """One entry per layer in ``used``: its title, ``as_of``, how many features and their distinct citations.

    ``used`` maps a layer to the ids of the features the answer rests on, or to ``None`` when the
    answer weighed the whole layer (an access tree reaches over every road).
    """
    out = []
    for name, ids in used.items():
        index = _citations(data, name)
        if ids is None:
            count, citations = len(index.codes), list(index.cited)
        else:
            rows = index.rows(list(dict.fromkeys(ids)))
            count = len(rows)
            citations = [index.cited[c] for c in np.unique(index.codes[rows]) if c >= 0]
        out.append({"layer": name, "title": layer_title(name), "as_of": data.as_of[name],
                    "features": count, "citations": citations})
    return out


def route_sources(data: Dataset, routes: list[dict]) -> list[dict]:
    """The layers' features the routes (GeoJSON features of a route answer) run on or near.

    Roads, gang zones and incidents, and the connections and ports of their sea and air legs.
    """
    roads, zones, incidents, connections, ports = [], [], [], [], []
    for feature in routes:
        props = feature["properties"]
        exposure = props["exposure"]
        roads += [step["road_id"] for step in props["itinerary"]]
        zones += [zone["id"] for zone in exposure["zones"]]
        if exposure.get("closest_controlled_zone"):
            zones.append(exposure["closest_controlled_zone"]["id"])
        incidents += [incident["id"] for incident in exposure["incidents"]]
        for stage in props.get("legs") or []:
            if stage["mode"] != "road":
                connections.append(stage["connection"])
                ports += [stage["from"]["id"], stage["to"]["id"]]
    used = {"roads": roads, "gang_zones": zones, "incidents": incidents}
    if connections:  # road-only answers list the three layers they always did
        used |= {"connections": connections, "ports": ports}
    return answer_sources(data, used)
