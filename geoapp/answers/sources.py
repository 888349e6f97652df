"""Where an answer's data came from: each layer it used, that layer's date and the citations of the features used."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from ..data.dataset import Dataset
from ..layers import layer_title


def answer_sources(data: Dataset, used: Mapping[str, Iterable[str] | None]) -> list[dict]:
    """One entry per layer in ``used``: its title, ``as_of``, how many features and their distinct citations.

    ``used`` maps a layer to the ids of the features the answer rests on, or to ``None`` when the
    answer weighed the whole layer (an access tree reaches over every road).
    """
    out = []
    for name, ids in used.items():
        index = data.citations[name]
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
