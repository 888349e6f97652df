"""What ``geoapp import-osm`` tells its user, in the active language: counts, carried statuses, the graph's parts."""

from __future__ import annotations

from .. import extent
from ..i18n.translate import _, decimal, integer, percent


def osm_import_lines(counts: dict, report: dict, network: dict, far: list, *, tolerance_m: float) -> list[str]:
    """The summary of an OSM import: what was read, the statuses carried over, the road graph, the checkpoints."""
    lines = [_("ways with a highway tag: %(ways)s; drivable: %(drivable)s; segments: %(segments)s (%(closed)s marked "
               "impassable in OSM: closed)", ways=counts.get("highway_ways", 0), drivable=counts["drivable_ways"],
               segments=counts["segments"], closed=counts["closed_segments"])]
    if counts.get("outside_haiti_segments"):
        lines.append(_("%(count)s segments left out: not wholly on Haiti's land or waters (%(extent)s); the extract "
                       "covers a wider area", count=integer(counts["outside_haiti_segments"]),
                       extent=extent.describe()))
    marked = report["segments_marked"]
    lines.append(_("statuses carried from %(reference)s dangerous/blocked/closed reference roads: %(closed)s segments "
                   "closed, %(blocked)s blocked, %(dangerous)s dangerous; %(matched)s reference roads matched",
                   reference=report["reference_roads"], closed=marked["closed"], blocked=marked["blocked"],
                   dangerous=marked["dangerous"], matched=report["matched_reference_roads"]))
    for road in report["unmatched"]:
        lines.append(_("  not matched: %(id)s (%(name)s, %(status)s), %(share)s of its length found within "
                       "%(metres)s m", id=road["id"], name=road["name"], status=road["status"],
                       share=percent(road["coverage"]), metres=decimal(tolerance_m, 0)))
    lines += network_lines(network)
    lines += [_("  check: %(problem)s (move or delete it; 'geoapp validate' reports it until then)", problem=problem)
              for problem in far]  # imported all the same: OSM roads are truer than hand-placed checkpoints
    return lines


def network_lines(n: dict) -> list[str]:
    """The components report of ``network_report``, in a few lines."""
    return [
        _("road graph: %(nodes)s nodes, %(edges)s edges, %(components)s strongly connected components; main network: "
          "%(main_nodes)s nodes, %(main_edges)s edges, %(main_km)s km (%(share)s of the road length)",
          nodes=n["nodes"], edges=n["edges"], components=n["components"], main_nodes=n["main_nodes"],
          main_edges=n["main_edges"], main_km=decimal(n["main_km"]), share=percent(n["main_length_share"], 1)),
        _("pockets cut off from it: %(pockets)s (%(edges)s edges, %(km)s km; kept, points on them snap to the main "
          "network when it is near)", pockets=n["pockets"], edges=n["pocket_edges"], km=decimal(n["pocket_km"])),
        _("one-way dead ends: %(enter)s nodes can be entered but not left, %(leave)s left but not entered",
          enter=n["dead_ends_enter_only"], leave=n["dead_ends_leave_only"]),
    ]
