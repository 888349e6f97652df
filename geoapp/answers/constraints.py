"""Vehicle classes, seasons and checkpoints in answers: the parameters, checkpoint lists, fee estimates, reasons."""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..data.dataset import Dataset
from ..errors import BadRequest
from ..i18n.translate import _, current_language, decimal, ngettext
from ..io.geojson import cell_number, cell_text
from ..layers import CURRENCIES, VEHICLES, status_label
from ..network.access import edge_figures
from ..network.routing import Route, Router, Snap
from ..network.vehicles import UNLIMITED, for_vehicle, season_for
from ..settings import ROUTE_SEASONS, Settings


def check_constraints(vehicle: str | None, season: str | None) -> tuple[str | None, str | None]:
    """``vehicle`` and ``season`` as asked (None: not asked), or a 400 naming the values allowed."""
    if vehicle is not None and vehicle not in VEHICLES:
        raise BadRequest(_("vehicle must be one of %(choices)s", choices=", ".join(VEHICLES)), field="vehicle")
    if season is not None and season not in ROUTE_SEASONS:
        raise BadRequest(_("season must be one of %(choices)s", choices=", ".join(ROUTE_SEASONS)), field="season")
    return vehicle, season


def router_for(data: Dataset, settings: Settings, vehicle: str | None, season: str | None,
               today: dt.date | None = None) -> Router:
    """The router of a lookup: the plain one, or its copy for the vehicle and season (the setting's when not asked)."""
    vehicle, season = check_constraints(vehicle, season)
    if vehicle is None and season is None:
        return data.router
    return for_vehicle(data.router, vehicle, season_for(settings.season, season, today or dt.date.today()))


def with_checkpoint_bits(router: Router, figures: np.ndarray, *, keep: bool = False) -> np.ndarray:
    """Access figures with the ``checkpoint_bits`` columns after them (``keep``: made once per router)."""
    if keep and "figures_named" in router.variants:
        return router.variants["figures_named"]
    out = np.c_[figures, checkpoint_bits(router)[0]]
    if keep:
        router.variants["figures_named"] = out
    return out


def access_figures_for(data: Dataset, router: Router) -> np.ndarray:
    """Per-edge access figures: precomputed for the plain router, once per vehicle copy (its speeds)."""
    if router is data.router:
        return data.access.figures
    if "figures" not in router.variants:  # a copy's own cache (copies make no further copies)
        x = router.exposure
        router.variants["figures"] = edge_figures(router, router.edge_status, x.inside_by_status,
                                                  x.near_controlled_m, router.incident_caution)
    return router.variants["figures"]


def constraints_info(router: Router) -> dict:
    """What an answer planned for (only when a vehicle or season was asked)."""
    if router.vehicle is None and router.season is None:
        return {}
    return {"vehicle": router.vehicle, "vehicle_label": status_label("vehicle", router.vehicle) if router.vehicle
            else None, "season": router.season}


def _amount(value: float) -> str:
    return f"{value:,.0f}" if current_language() == "en" else decimal(value, 0)


def fee_estimate(count: int, with_fee: int, totals: dict[str, float]) -> dict:
    """Fees of the checkpoints on a route: how many, how many have a reported fee, totals, a sentence.

    Never more certain than the data: checkpoints without a reported fee are said to be unknown.
    """
    totals = {c: round(float(v)) for c, v in totals.items() if v > 0}
    amount = " + ".join(f"{_amount(v)} {c}" for c, v in totals.items())
    if count == 0:
        summary = None
    elif with_fee == 0:
        summary = ngettext("%(num)s checkpoint on the way; no fee is reported for it: the fee is unknown.",
                           "%(num)s checkpoints on the way; none has a reported fee: the fees are unknown.", count)
    elif with_fee < count:
        summary = _("About %(amount)s in fees (%(known)s of %(count)s checkpoints have a reported fee; the others' "
                    "fees are unknown).", amount=amount, known=with_fee, count=count)
    else:
        summary = ngettext("About %(amount)s in fees (%(num)s checkpoint, with a reported fee).",
                           "About %(amount)s in fees (%(num)s checkpoints, each with a reported fee).", count,
                           amount=amount)
    return {"checkpoints": count, "with_fee": with_fee, "unknown": count - with_fee, "total": totals,
            "summary": summary}


def route_checkpoints(router: Router, route: Route) -> tuple[list[dict], dict]:
    """The active checkpoints on the edges a route travels, in travel order, and their fee estimate."""
    cps = router.checkpoints
    used = route.weights > 0
    found = cps.on(route.edges[used], partial=route.edges[used & (route.weights < 1)], line=route.geometry)
    frame = cps.frame
    listed = []
    totals = dict.fromkeys(CURRENCIES, 0.0)
    with_fee = 0
    for i in found:
        row = frame.iloc[int(i)]
        fee = cell_number(row["fee"])
        currency = row["currency"] if isinstance(row["currency"], str) else None
        if fee is not None and currency in totals:
            totals[currency] += fee
            with_fee += 1
        listed.append({"id": row["id"], "name": row["name"], "kind": row["kind"],
                       "kind_label": status_label("checkpoint_kind", row["kind"]), "group": cell_text(row["group"]),
                       "fee": fee, "currency": currency, "road_id": cell_text(row["road_id"]),
                       "controlled_zone": bool(cps.in_controlled[i])})
    return listed, fee_estimate(len(listed), with_fee, totals)


def checkpoint_reasons(listed: list[dict]) -> list[str]:
    """A reason naming the armed-group checkpoints a route passes (they count as exposure)."""
    gang = [c for c in listed if c["kind"] == "gang"]
    if not gang:
        return []
    return [ngettext("The route passes %(num)s armed-group checkpoint (%(names)s): expect to be stopped and asked "
                     "to pay.", "The route passes %(num)s armed-group checkpoints (%(names)s): expect to be stopped "
                     "and asked to pay.", len(gang), names="; ".join(c["name"] for c in gang))]


def checkpoint_verdict(verdict: str, gang_checkpoints: int) -> str:
    """An armed-group checkpoint on a route makes a ``safe`` verdict ``caution``."""
    return "caution" if verdict == "safe" and gang_checkpoints > 0 else verdict


def site_checkpoints(figures: dict, listed: list[dict] | None = None) -> dict:
    """The checkpoints of a site's best route (summed along the access tree) and their fee estimate.

    ``listed``: those checkpoints themselves (``named_checkpoints``); None when they cannot be named.
    """
    count = int(round(figures["checkpoints"]))
    out = {**fee_estimate(count, int(round(figures["checkpoints_with_fee"])),
                          {c: figures[f"fee_{c.lower()}"] for c in CURRENCIES}),
           "gang_checkpoints": int(round(figures["gang_checkpoints"]))}
    if count:
        out["listed"] = listed
    return out


#: Checkpoints per float column of ``checkpoint_bits``: sums of such powers of two stay exact to 1e-6
#: even with an end edge's fractional share of them added (ulp of 2**24 in float64: about 4e-9).
BITS_PER_COLUMN = 24
#: Checkpoints access answers can name per site (armed groups' first, then those with a fee).
MAX_NAMED_CHECKPOINTS = 4 * BITS_PER_COLUMN
#: Checkpoints listed per site at most (the count and fees cover them all).
MAX_LISTED_PER_SITE = 20


def checkpoint_bits(router: Router) -> tuple[np.ndarray, np.ndarray]:
    """Per edge, the checkpoints standing on it as bits of a few float columns, and which checkpoint each bit is.

    Summed along an access tree like the other figures, a site's columns say which checkpoints its
    best route passes.  Made once per router (kept in its ``variants``).
    """
    kept = router.variants.get("checkpoint_bits")
    if kept is not None:
        return kept
    cps = router.checkpoints
    rank = np.select([cps.gang, cps.frame["fee"].notna().to_numpy()], [0, 1], 2) if len(cps.edge) else np.zeros(0)
    slots = np.argsort(rank, kind="stable")[:MAX_NAMED_CHECKPOINTS]
    columns = -(-len(slots) // BITS_PER_COLUMN)
    bits = np.zeros((router.graph.n_edges, columns))
    for k, i in enumerate(slots):
        np.add.at(bits[:, k // BITS_PER_COLUMN], cps.edge[i], 2.0 ** (k % BITS_PER_COLUMN))
    router.variants["checkpoint_bits"] = (bits, slots)
    return bits, slots


def named_checkpoints(router: Router, summed: np.ndarray, count: int, hub: Snap, edge: int, fraction: float
                      ) -> list[dict] | None:
    """The checkpoints a site's best route passes, from its summed ``checkpoint_bits`` (None: cannot say).

    The hub's edge and the site's are travelled in part, so their bits arrive scaled by the share
    travelled (one end or the other of each): each possibility is tried, and the one leaving whole
    bits for the rest of the route, and as many checkpoints as counted, is taken.
    """
    if count == 0:
        return []
    bits, slots = checkpoint_bits(router)
    hub_bits, site_bits = bits[hub.edge], bits[edge]
    shares = [(s1, s2) for s1 in {hub.fraction, 1 - hub.fraction} for s2 in {fraction, 1 - fraction}]
    if edge == hub.edge:
        shares.append((abs(fraction - hub.fraction), 0.0))
    found: set[tuple[int, ...]] = set()
    for s1, s2 in shares:
        rest = summed - s1 * hub_bits - s2 * site_bits
        whole = np.round(rest)
        if (np.abs(rest - whole) > 1e-3).any() or (whole < 0).any():
            continue
        passed = tuple(int(w) | (int(h) if s1 > 0 else 0) | (int(b) if s2 > 0 else 0)
                       for w, h, b in zip(whole, hub_bits, site_bits, strict=True))
        if sum(c.bit_count() for c in passed) == count:
            found.add(passed)
    if len(found) != 1:
        return None
    (columns,) = found
    picked = [int(slots[c * BITS_PER_COLUMN + k]) for c, value in enumerate(columns)
              for k in range(BITS_PER_COLUMN) if value >> k & 1]
    frame = router.checkpoints.frame
    out = []
    for i in picked[:MAX_LISTED_PER_SITE]:
        row = frame.iloc[i]
        out.append({"id": row["id"], "name": row["name"], "kind": row["kind"],
                    "kind_label": status_label("checkpoint_kind", row["kind"]), "group": cell_text(row["group"]),
                    "fee": cell_number(row["fee"]),
                    "currency": row["currency"] if isinstance(row["currency"], str) else None})
    return out


def access_fee_totals(rows: list[dict]) -> dict:
    """Checkpoints and fees over every reached site's best route (one trip to each), with a sentence."""
    reached = [r["checkpoints"] for r in rows if r.get("checkpoints")]
    crossing = sum(1 for r in reached if r["checkpoints"] > 0)
    unknown = sum(1 for r in reached if r["unknown"] > 0)
    totals = {c: v for c in CURRENCIES if (v := sum(r["total"].get(c, 0) for r in reached)) > 0}
    parts = []
    if crossing:
        parts.append(ngettext("%(num)s site is reached through checkpoints.",
                              "%(num)s sites are reached through checkpoints.", crossing))
    if totals:
        parts.append(_("Reported fees for one trip to each: about %(amount)s.",
                       amount=" + ".join(f"{_amount(v)} {c}" for c, v in totals.items())))
    if unknown:
        parts.append(ngettext("On the way to %(num)s site some fees are unknown.",
                              "On the way to %(num)s sites some fees are unknown.", unknown))
    return {"sites_with_checkpoints": crossing, "sites_with_unknown_fees": unknown, "total": totals,
            "summary": " ".join(parts) or None}


def vehicle_reasons(data: Dataset, router: Router, origin: Snap, destination: Snap, mode: str,
                    found: Route | None) -> list[str]:
    """Say when the vehicle class (or the season) is what rules a route out, or makes it go round.

    The route is searched again without the restriction: when it uses roads the vehicle cannot
    take, the answer names them, their limit and the largest vehicle that can go.
    """
    if router.passable is None:
        return []
    plain = data.router.route(origin, destination, mode)
    if plain is None:
        return []
    used = plain.edges[plain.weights > 0]
    return ruled_out_reasons(router, used, found is not None,
                             0.0 if found is None else found.distance_m - plain.distance_m)


def ruled_out_reasons(router: Router, used: np.ndarray, found: bool, longer_m: float) -> list[str]:
    """The reason for a vehicle's route when the unrestricted way (edges ``used``) has roads it cannot take.

    ``found``: the vehicle has a route all the same, ``longer_m`` longer.
    """
    roads = barred_roads(router, used)
    if roads is None:
        return []
    vehicle = vehicle_label(router)
    largest = router.limits.largest(used, router.season or "dry")
    if not found:
        if largest is None:
            return [_("No route for the vehicle chosen (%(vehicle)s) in the rainy season: the way there (%(roads)s) "
                      "is passable only in the dry season.", vehicle=vehicle, roads=roads)]
        return [_("No route for the vehicle chosen (%(vehicle)s): the way there (%(roads)s) is too small for it; "
                  "the largest vehicle that can go is: %(largest)s.", vehicle=vehicle, roads=roads,
                  largest=status_label("vehicle", largest))]
    return [_("For the vehicle chosen (%(vehicle)s) the route goes round %(roads)s: %(km)s km longer.",
              vehicle=vehicle, roads=roads, km=decimal(max(longer_m, 0) / 1000))]


def vehicle_label(router: Router) -> str:
    """The vehicle of a restricted router, for sentences ("any vehicle" for a season alone)."""
    return _("any vehicle") if router.vehicle is None else status_label("vehicle", router.vehicle)


def barred_roads(router: Router, used: np.ndarray) -> str | None:
    """The roads among edges ``used`` the router's vehicle cannot take, each with its limit (None: none)."""
    if router.passable is None:
        return None
    barred = used[~router.passable[used]]
    if not len(barred):
        return None
    net = router.network
    rows = list(dict.fromkeys(net.edge_road[barred].tolist()))
    names = []
    for r in rows:
        edges = barred[net.edge_road[barred] == r]
        limit = router.limits.largest(edges, "dry") or VEHICLES[-1]  # in the dry season some class always fits
        if router.season == "rainy" and router.limits.dry_only[edges].any():
            names.append(_("%(road)s (dry season only)", road=router.road_name[r]))
        else:
            names.append(_("%(road)s (%(vehicle)s at most)", road=router.road_name[r],
                           vehicle=status_label("vehicle", limit)))
    return "; ".join(names)


def unknown_limit_warnings(router: Router, route: Route | None) -> list[str]:
    """For a vehicle, the roads of the route whose vehicle limit nobody recorded: taken as passable, not known to be."""
    if router.vehicle is None or route is None:
        return []
    used = route.edges[route.weights > 0]
    unknown = used[router.limits.rank[used] == UNLIMITED]
    if not len(unknown):
        return []
    roads = router.network.edge_road
    return [_("%(unknown)s of the %(total)s roads on this route have no recorded vehicle limit: they are taken as "
              "passable for the vehicle chosen (%(vehicle)s), not known to be; check them before sending one.",
              unknown=len(set(roads[unknown].tolist())), total=len(set(roads[used].tolist())),
              vehicle=status_label("vehicle", router.vehicle))]


def vehicle_unreachable_reason(router: Router, edge: int) -> str | None:
    """Why a site is out of a vehicle's reach: its own road, or no road the vehicle can take (None: no vehicle)."""
    if router.passable is None:
        return None
    vehicle = _("any vehicle") if router.vehicle is None else status_label("vehicle", router.vehicle)
    if not router.passable[edge]:
        road = router.road_name[router.network.edge_road[edge]]
        if router.season == "rainy" and router.limits.dry_only[edge]:
            return _("The road the site joins (%(road)s) is passable only in the dry season.", road=road)
        limit = router.limits.largest(np.array([edge]), "dry") or VEHICLES[-1]
        return _("The road the site joins (%(road)s) takes %(limit)s at most, not the vehicle chosen (%(vehicle)s).",
                 road=road, limit=status_label("vehicle", limit), vehicle=vehicle)
    return _("No road the vehicle chosen (%(vehicle)s) can take in this season leads there, or only through closed "
             "or one-way roads.", vehicle=vehicle)
