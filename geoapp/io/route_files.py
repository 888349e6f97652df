"""Route answers as files for GPS units and GIS: a GPX 1.1 track of the safest route, a GeoJSON collection."""

from __future__ import annotations

from xml.sax.saxutils import escape

from ..i18n.translate import _, decimal
from ..layers import status_label

#: ``f=`` values of ``/api/route`` and the media type each is served as
ROUTE_FORMATS = {"json": "application/json", "geojson": "application/geo+json", "gpx": "application/gpx+xml"}


def route_geojson(answer: dict) -> dict:
    """The routes as an RFC 7946 FeatureCollection (QGIS opens it), the answer's summary as foreign members."""
    return {"type": "FeatureCollection", "features": answer["routes"],
            **{k: answer[k] for k in ("verdict", "mode", "from", "to", "reasons", "warnings", "data_as_of")}}


def route_gpx(answer: dict) -> str:
    """The safest route (else the shortest) as a GPX 1.1 track, with its verdict and caveats in ``desc``.

    GPS units follow a track; the description keeps what the answer says about risk and
    uncertainty, so that the file is never read as more certain than the answer.
    """
    routes = answer["routes"]
    route = routes[0] if routes else None
    start, end = (answer[k].get("near") or {} for k in ("from", "to"))
    title = _("%(start)s to %(end)s", start=start.get("name", _("start")), end=end.get("name", _("end")))
    parts = [_("Verdict: %(verdict)s (%(mode)s mode).", verdict=status_label("verdict", answer["verdict"]),
               mode=status_label("mode", answer["mode"]))]
    if route:
        p = route["properties"]
        low, high = p["distance_range_m"]
        t_low, t_high = p["duration_range_s"]
        parts.append(_("%(route)s: %(km)s km (%(low)s-%(high)s km), about %(time)s (%(fastest)s-%(slowest)s).",
                       route=p["label"], km=decimal(p["distance_m"] / 1000), low=decimal(low / 1000, 0),
                       high=decimal(high / 1000, 0), time=_hours(p["duration_s"]), fastest=_hours(t_low),
                       slowest=_hours(t_high)))
    parts += answer["reasons"] + answer["warnings"] + [_("Data as of %(date)s.", date=answer["data_as_of"])]
    desc = " ".join(parts)
    points = "".join(f'<trkpt lat="{lat:.5f}" lon="{lon:.5f}"/>' for lon, lat in
                     (route["geometry"]["coordinates"] if route else []))
    track = (f"<trk><name>{escape(route['properties']['label'] if route else title)}</name>"
             f"<desc>{escape(desc)}</desc><trkseg>{points}</trkseg></trk>") if route else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<gpx version="1.1" creator="haiti-access" xmlns="http://www.topografix.com/GPX/1/1">'
            f"<metadata><name>{escape(title)}</name><desc>{escape(desc)}</desc></metadata>"
            f"{track}</gpx>\n")


def _hours(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d}"
