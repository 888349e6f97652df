"""Where an answer's data came from: each layer it used, that layer's date and the citations of the features used."""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping

import pandas as pd

from ..data.dataset import Dataset
from ..layers import layer_title


@dataclasses.dataclass(frozen=True)
class _Citations:
    """One layer's rows by feature id and each row's citation (None when it has none), for lookups by id."""

    rows: dict[str, tuple[int, ...]]
    cites: tuple[str | None, ...]
    every: tuple[str, ...]  # the layer's distinct citations, sorted

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Citations:
        rows: dict[str, list[int]] = {}
        for i, feature_id in enumerate(frame["id"].tolist()):
            rows.setdefault(feature_id, []).append(i)
        cites = tuple(None if pd.isna(s) or not str(s).strip() else str(s).strip() for s in frame["source"].tolist())
        return cls({k: tuple(v) for k, v in rows.items()}, cites, tuple(sorted({c for c in cites if c is not None})))


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
            count, citations = len(index.cites), list(index.every)
        else:
            rows = [row for feature_id in dict.fromkeys(ids) for row in index.rows.get(feature_id, ())]
            count = len(rows)
            citations = sorted({c for c in (index.cites[row] for row in rows) if c is not None})
        out.append({"layer": name, "title": layer_title(name), "as_of": data.as_of[name],
                    "features": count, "citations": citations})
    return out


def route_sources(data: Dataset, routes: list[dict]) -> list[dict]:
    """The roads, gang zones and incidents the routes (GeoJSON features of a route answer) run on or near."""
    roads, zones, incidents = [], [], []
    for feature in routes:
        props = feature["properties"]
        exposure = props["exposure"]
        roads += [step["road_id"] for step in props["itinerary"]]
        zones += [zone["id"] for zone in exposure["zones"]]
        if exposure.get("closest_controlled_zone"):
            zones.append(exposure["closest_controlled_zone"]["id"])
        incidents += [incident["id"] for incident in exposure["incidents"]]
    return answer_sources(data, {"roads": roads, "gang_zones": zones, "incidents": incidents})
