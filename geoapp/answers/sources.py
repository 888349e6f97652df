"""Where an answer's data came from: each layer it used, that layer's date and the citations of the features used."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..data.dataset import Dataset
from ..layers import layer_title


def answer_sources(data: Dataset, used: Mapping[str, Iterable[str] | None]) -> list[dict]:
    """One entry per layer in ``used``: its title, ``as_of``, how many features and their distinct citations.

    ``used`` maps a layer to the ids of the features the answer rests on, or to ``None`` when the
    answer weighed the whole layer (an access tree reaches over every road).
    """
    out = []
    for name, ids in used.items():
        frame = data.layers[name]
        if ids is not None:
            frame = frame[frame["id"].isin(list(dict.fromkeys(ids))).to_numpy()]
        citations = sorted({str(s).strip() for s in frame["source"].dropna()} - {""})
        out.append({"layer": name, "title": layer_title(name), "as_of": data.as_of[name],
                    "features": len(frame), "citations": citations})
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
