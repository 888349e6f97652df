"""One-to-many access: which sites a hub reaches safely, only with risk, or not at all.

One tree search from the hub in ``avoid`` mode, stopped once every site's cost is known; the
``least_risk`` tree for the sites it cannot reach is that tree repaired where the costs differ.  Each
site's distance, time and exposure are summed along the tree's branches to the sites in one compiled
pass, each branch once, so no route is rebuilt per site.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import shapely

from .checkpoints import FIGURE_NAMES as CHECKPOINT_FIGURES
from .engine import PathEngine
from .routing import Router, Snap
from .trees import Tree, path_sums

#: Columns of the per-edge figures summed along routes.
FIGURES = ("length_m", "seconds", "dangerous_road_m", "blocked_road_m", "inside_controlled_m",
           "inside_contested_m", "inside_influence_m", "near_controlled_m", "near_incidents_m", *CHECKPOINT_FIGURES)
#: Figures counted whole on an end edge travelled in part (a checkpoint on it is passed or not).
WHOLE = np.isin(FIGURES, CHECKPOINT_FIGURES)


def _share(share: np.ndarray, figures: np.ndarray) -> np.ndarray:
    """Figures of edges travelled for ``share`` of their length (rows), whole figures counted in full."""
    share = np.asarray(share, dtype=float)[:, None]
    whole = np.zeros(figures.shape[-1], dtype=bool)  # rows with sea and air metres after FIGURES: shared
    whole[: len(WHOLE)] = WHOLE
    return np.where(whole, share > 0, share) * figures


@dataclasses.dataclass(frozen=True)
class SiteSnaps:
    """Where each site joins the network (computed once per data version)."""

    edge: np.ndarray
    fraction: np.ndarray
    distance_m: np.ndarray
    pocket: np.ndarray  # bool: the site joins a road cut off from the main network

    @classmethod
    def of(cls, router: Router, points: np.ndarray) -> SiteSnaps:
        """Snap metric points as route endpoints are snapped (main network first), in bulk."""
        if len(points) == 0:
            empty = np.zeros(0)
            return cls(empty.astype(np.int64), empty, empty, empty.astype(bool))
        net = router.network
        found = net.snap_edges(points)
        fraction = shapely.line_locate_point(net.edge_geoms[found.edge], points, normalized=True)
        return cls(found.edge, np.asarray(fraction, dtype=float), found.distance_m, found.pocket)

    def subset(self, keep: np.ndarray) -> SiteSnaps:
        return SiteSnaps(self.edge[keep], self.fraction[keep], self.distance_m[keep], self.pocket[keep])


def edge_figures(router: Router, edge_status: np.ndarray, inside_by_status: dict[str, np.ndarray],
                 near_controlled_m: np.ndarray, incident_caution: np.ndarray) -> np.ndarray:
    """Per-edge figures (columns as FIGURES) that routes add up."""
    length = router.network.edge_length  # hand-drawn roads lengthened by their winding, as routes are
    return np.column_stack([
        length,
        router.edge_seconds,
        np.where(edge_status == "dangerous", length, 0.0),
        np.where(edge_status == "blocked", length, 0.0),
        inside_by_status["controlled"],
        inside_by_status["contested"],
        inside_by_status["influence"],
        near_controlled_m,
        np.where(incident_caution, length, 0.0),
        router.checkpoints.edge_figures(len(length)),
    ])


def access_figures(
    router: Router, engine: PathEngine, edge_cost: np.ndarray, figures: np.ndarray, hub: Snap, sites: SiteSnaps, *,
    arcs: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Cost and summed figures of the best route from the hub to every site (inf cost: unreachable).

    ``arcs``: the (tail, figure row) of each arc of the engine's topology when it is not the road
    graph's (roads plus sea and air legs: ``legs.LegNetwork.access_arcs``); ``figures`` then has a
    row for each leg after the road edges' rows.
    """
    cost, rows, _ = _site_search(router, engine, edge_cost, figures, hub, sites, arcs=arcs)
    return cost, rows


def _site_search(
    router: Router, engine: PathEngine, edge_cost: np.ndarray, figures: np.ndarray, hub: Snap, sites: SiteSnaps, *,
    arcs: tuple[np.ndarray, np.ndarray] | None = None, repair: Tree | None = None,
) -> tuple[np.ndarray, np.ndarray, Tree | None]:
    """``access_figures``, with the search tree (None: the hub leaves no way); ``repair``: see ``PathEngine.tree``."""
    g = router.graph
    arc_tail, arc_row = (g.arc_tail, g.arc_edge) if arcs is None else arcs
    u, v = router.network.u, router.network.v
    oneway = router.network.oneway
    e0, t0 = hub.edge, hub.fraction
    back0 = np.inf if oneway[e0] else edge_cost[e0]
    starts: dict[int, tuple[float, float]] = {}
    for node, share, cost in ((int(v[e0]), 1 - t0, edge_cost[e0]), (int(u[e0]), t0, back0)):
        c = 0.0 if share <= 0 else share * cost
        if np.isfinite(c) and c < starts.get(node, (np.inf,))[0]:
            starts[node] = (c, share)
    n_fig = figures.shape[1]
    if not starts:
        return np.full(len(sites.edge), np.inf), np.zeros((len(sites.edge), n_fig)), None
    e, t = sites.edge, sites.fraction
    fwd = edge_cost[e]
    back = np.where(oneway[e], np.inf, edge_cost[e])
    with np.errstate(invalid="ignore"):
        part_u = np.where(t > 0, t * fwd, 0.0)  # from the edge's start node to the site
        part_v = np.where(t < 1, (1 - t) * back, 0.0)
    ends = np.c_[u[e], v[e]]
    tree = engine.tree({node: c for node, (c, _) in starts.items()}, targets=ends, end_cost=np.c_[part_u, part_v],
                       repair=repair)
    init_nodes = np.fromiter(starts, dtype=np.int64)
    init_rows = _share(np.array([share for _, share in starts.values()]), figures[[e0] * len(starts)])
    acc = path_sums(tree, arc_tail, arc_row, figures, init_nodes, init_rows, ends.ravel())

    via_u = tree.cost[u[e]] + part_u
    via_v = tree.cost[v[e]] + part_v
    use_u = via_u <= via_v
    cost = np.where(use_u, via_u, via_v)
    rows = np.where(use_u[:, None], acc[0::2] + _share(t, figures[e]), acc[1::2] + _share(1 - t, figures[e]))
    same = e == e0  # the hub's own edge: travel along it directly when that is cheaper
    if same.any():
        with np.errstate(invalid="ignore"):  # no way along a closed edge: inf, or nan where not moving
            direct = np.where(t[same] >= t0, (t[same] - t0) * fwd[same], (t0 - t[same]) * back[same])
        better = direct < cost[same]
        idx = np.flatnonzero(same)[better]
        cost[idx] = direct[better]
        rows[idx] = _share(np.abs(t[idx] - t0), figures[e[idx]])
    return cost, rows, tree


def access_by_mode(
    router: Router, engines: dict[str, PathEngine], edge_cost: dict[str, np.ndarray], figures: np.ndarray,
    hub: Snap, sites: SiteSnaps, *, arcs: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Best routes to every site: ``avoid`` mode first, ``least_risk`` for the sites it cannot reach.

    The second search repairs the first tree (costs differ only on the few edges ``avoid`` cannot
    take or weighs otherwise) and stops once those sites are decided.  ``arcs``: see ``access_figures``.
    """
    safe_cost, safe_rows, tree = _site_search(router, engines["avoid"], edge_cost["avoid"], figures, hub, sites,
                                              arcs=arcs)
    risk_cost = np.full_like(safe_cost, np.inf)
    risk_rows = np.zeros_like(safe_rows)
    missing = ~np.isfinite(safe_cost)
    same_topology = engines["avoid"].topology is engines["least_risk"].topology
    if missing.any():
        subset = sites.subset(missing)
        cost, rows, _ = _site_search(router, engines["least_risk"], edge_cost["least_risk"], figures, hub, subset,
                                     arcs=arcs, repair=tree if same_topology else None)
        risk_cost[missing], risk_rows[missing] = cost, rows
    return {"avoid": (safe_cost, safe_rows), "least_risk": (risk_cost, risk_rows)}
