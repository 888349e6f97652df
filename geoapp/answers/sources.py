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
        if ids is None:
            features, citations = _whole_layer(data, name)
        else:
            # only the column read: taking whole rows cost more than the answer's search
            source = frame["source"][frame["id"].isin(list(dict.fromkeys(ids))).to_numpy()]
            features, citations = len(source), _citations(source)
        out.append({"layer": name, "title": layer_title(name), "as_of": data.as_of[name],
                    "features": features, "citations": citations})
    return out


#: a whole layer's count and citations by (data version, layer): the same for every answer on that
#: data (an access answer weighs every road; on a large network reading them took longer than its search)
_WHOLE: dict[tuple[str, str], tuple[int, list[str]]] = {}


def _whole_layer(data: Dataset, name: str) -> tuple[int, list[str]]:
    key = (data.version, name)
    found = _WHOLE.get(key)
    if found is None:
        if len(_WHOLE) > 64:  # old data versions
            _WHOLE.clear()
        source = data.layers[name]["source"]
        found = _WHOLE[key] = (len(source), _citations(source))
    return found[0], list(found[1])


def _citations(source) -> list[str]:
    return sorted({str(s).strip() for s in source.dropna().unique()} - {""})


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
