"""Vehicle classes on the road graph: which edges a vehicle may use in a season, and its speed on each.

Per data version the roads' ``max_vehicle`` and ``season`` become two edge arrays (the largest class
each edge admits, and whether it is passable only in the dry season); a vehicle's mask is one
comparison over them.  A restricted router shares everything with the plain one except its costs
(impassable edges made ``inf``, which only raises costs, so the landmark bounds stay admissible) and
its travel times.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from ..layers import VEHICLES
from ..settings import RAINY_MONTHS, VEHICLE_SPEED
from .engine import PathEngine

#: rank given to an edge without a known limit (every class fits)
UNLIMITED = len(VEHICLES)


def season_for(setting: str, asked: str | None, today: dt.date) -> str:
    """The season a lookup plans for: the one asked, else the setting (``auto``: by the month)."""
    if asked:
        return asked
    if setting in ("dry", "rainy"):
        return setting
    return "rainy" if today.month in RAINY_MONTHS else "dry"


@dataclasses.dataclass(frozen=True)
class EdgeLimits:
    """What each edge admits: the rank of its largest vehicle class, and whether rain closes it."""

    rank: np.ndarray  # int per edge: index in VEHICLES, UNLIMITED when no known limit
    dry_only: np.ndarray  # bool per edge
    terrain: np.ndarray  # object per edge (flat, hilly, mountain)

    @classmethod
    def of(cls, roads: pd.DataFrame, edge_road: np.ndarray, edge_terrain: np.ndarray) -> EdgeLimits:
        """From the roads layer as it is now (``roads`` indexed in the network's road order)."""
        ranks = {name: i for i, name in enumerate(VEHICLES)}
        if "max_vehicle" in roads:
            road_rank = roads["max_vehicle"].map(ranks).fillna(UNLIMITED).to_numpy(dtype=np.int64)
        else:
            road_rank = np.full(len(roads), UNLIMITED, dtype=np.int64)
        dry = (roads["season"] == "dry_season_only").to_numpy(dtype=bool) if "season" in roads \
            else np.zeros(len(roads), bool)
        return cls(rank=road_rank[edge_road], dry_only=dry[edge_road], terrain=np.asarray(edge_terrain, dtype=object))

    def passable(self, vehicle: str | None, season: str) -> np.ndarray:
        """Edges the vehicle (None: any) may use in the season."""
        ok = np.ones(len(self.rank), dtype=bool) if vehicle is None else self.rank >= VEHICLES.index(vehicle)
        return ok & ~self.dry_only if season == "rainy" else ok

    def largest(self, edges: np.ndarray, season: str) -> str | None:
        """The largest vehicle class that can take every one of ``edges`` in the season (None: none)."""
        if len(edges) and season == "rainy" and self.dry_only[edges].any():
            return None
        rank = int(self.rank[edges].min()) if len(edges) else UNLIMITED
        return VEHICLES[min(rank, len(VEHICLES) - 1)]


def speed_share(vehicle: str, terrain: np.ndarray, open_speed_kmh: np.ndarray) -> np.ndarray:
    """Share of each edge's open-road planning speed a vehicle keeps (``settings.VEHICLE_SPEED``)."""
    table = VEHICLE_SPEED[vehicle]
    share = pd.Series(terrain).map({k: v for k, v in table.items() if k != "max_kmh"}).fillna(1.0).to_numpy()
    speed = np.minimum(open_speed_kmh * share, table["max_kmh"])
    return speed / open_speed_kmh


def restricted(router, vehicle: str | None, season: str):
    """A copy of ``router`` for one vehicle and season: unusable edges ``inf`` in every mode, its speeds.

    Arrays not touched are shared with ``router``.  The engines reuse the plain engines' landmark
    bounds (valid: costs only rise).  When the mask rules nothing out the plain costs and engines
    are kept as they are.
    """
    out = copy.copy(router)
    out.vehicle, out.season = vehicle, season
    out.variants = {}
    passable = router.limits.passable(vehicle, season)
    out.passable = None if passable.all() else passable
    if out.passable is not None:
        out.edge_cost = {mode: np.where(passable, cost, np.inf) for mode, cost in router.edge_cost.items()}
        arc_edge = router.graph.arc_edge
        out.engines = {}
        for mode, cost in out.edge_cost.items():
            engine = PathEngine(router.network.topology, cost[arc_edge])
            engine.bounds, engine.tight = router.engines[mode].bounds, router.engines[mode].tight
            out.engines[mode] = engine
    if vehicle is not None:
        share = speed_share(vehicle, router.limits.terrain, router.network.edge_speed)
        out.edge_seconds = router.edge_seconds / share
        out.edge_seconds_range = router.edge_seconds_range / share[:, None]
    return out


def for_vehicle(router, vehicle: str | None, season: str | None):
    """``router`` itself without a vehicle or season, else its copy for them (made once per data version)."""
    if vehicle is None and season is None:
        return router
    key = (vehicle, season or "dry")
    found = router.variants.get(key)
    if found is None:
        found = router.variants[key] = restricted(router, vehicle, season or "dry")
    return found


def adjust_costs(router, cost: np.ndarray, mode: str) -> np.ndarray:
    """Risk-model costs (a what-if's) with the router's checkpoints and vehicle limits applied, as its own are."""
    cost = router.checkpoints.apply(cost, mode)
    return cost if router.passable is None else np.where(router.passable, cost, np.inf)
