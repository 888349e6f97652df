"""Displacement figures blueprint: people displaced per department or commune, per round (IOM DTM)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, jsonify, request

from ..answers.displacement import LEVELS, answer, trend_svg
from ..errors import BadRequest, NotFound
from ..http.language import PARAM as LANG
from ..http.language import answer_json, explicit_language, query_args
from ..http.params import MAX_PARAM_LENGTH, arg, parse_flag
from ..http.security import rate_limited
from ..http.state import service
from ..i18n.translate import _
from ..io.csv_text import csv_document

bp = Blueprint("figures", __name__, url_prefix="/api/displacement")

#: CSV columns and their HXL hashtags, per level
CSV_COLUMNS = {
    "pcode": {"adm1": "#adm1+code", "adm2": "#adm2+code"},
    "name": {"adm1": "#adm1+name", "adm2": "#adm2+name"},
    "adm1_pcode": {"adm2": "#adm1+code"},
    "adm1_name": {"adm2": "#adm1+name"},
    "individuals": "#affected+idps+ind",
    "date": "#date+reported",
    "round": "#meta+round",
    "population": "#population+total",
    "per_1000_residents": "#affected+idps+ind+per1000",
    "change": "#affected+idps+ind+change",
}
PARAMS = {"level", "date", "f", "excel"}


def _given(field: str, default: str | None) -> str | None:
    """An optional parameter: absent gives the default, present but empty is a 400."""
    if field in request.args and not request.args[field].strip():
        raise BadRequest(_("%(field)s is empty: give a value or leave the parameter out", field=field), field=field)
    return arg(field, required=False, default=default)


def _day(field: str = "date") -> dt.date | None:
    value = _given(field, None)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(_("%(field)s must be a date YYYY-MM-DD", field=field), field=field) from None


@bp.get("")
@rate_limited("lookups")
def displacement():
    """Displaced people per area for the latest round on or before ``date``; JSON or CSV with HXL (``excel``: CRLF)."""
    unknown = sorted(set(request.args) - PARAMS - {LANG})
    if unknown:
        raise BadRequest(_("unknown parameter(s); allowed: %(sorted)s",
                           sorted=', '.join(sorted(PARAMS))), field=unknown[0][:40])
    level = _given("level", "adm2")
    if level not in LEVELS:
        raise BadRequest(_("level must be one of %(levels)s", levels=', '.join(LEVELS)), field="level")
    fmt = _given("f", "json")
    if fmt not in ("json", "csv"):
        raise BadRequest(_("f must be json or csv"), field="f")
    excel = parse_flag("excel")
    data = service().dataset
    body = answer(data.displacement, level=level, day=_day())
    if fmt == "csv":
        stamp = body["data_as_of"] or "none"
        return Response(_csv(body, level, excel=excel), mimetype="text/csv",
                        headers={"Content-Disposition":
                                 f'attachment; filename="haiti-access_displacement_{level}_{stamp}.csv"'})
    return answer_json(body)


def _csv(body: dict, level: str, *, excel: bool) -> str:
    columns = [c for c, tag in CSV_COLUMNS.items() if isinstance(tag, str) or level in tag]
    tags = [tag if isinstance(tag, str) else tag[level] for c, tag in CSV_COLUMNS.items() if c in columns]
    return csv_document(columns, ([area.get(c) for c in columns] for area in body["areas"]), hxl=tags, excel=excel)


def _commune(pcode: str):
    """The commune named in the path (its row of the official boundaries); these endpoints take no parameters."""
    if query_args():
        raise BadRequest(_("this endpoint takes no parameters"), field=sorted(query_args())[0][:40])
    if len(pcode) > MAX_PARAM_LENGTH:
        raise BadRequest(_("the p-code is too long"), field="pcode")
    communes = service().dataset.layers["communes"]
    hit = communes[communes["id"] == pcode.upper()]
    if not len(hit):
        raise NotFound(_("no commune with this p-code (COD-AB p-codes look like HT0111)"), field="pcode")
    return hit.iloc[0]


@bp.get("/<pcode>")
@rate_limited("lookups")
def commune(pcode: str):
    """One commune's figures over every round, and the open displacement sites placed in it."""
    row = _commune(pcode)
    data = service().dataset
    sites = data.public.layers["displacement_sites"]
    mine = sites[(sites["adm2_pcode"] == row["id"]) & (sites["status"] == "open")]
    series = data.displacement.series(row["id"])
    population = int(row["population"]) if row["population"] is not None else None
    return jsonify(
        pcode=row["id"], name=row["name"], adm1_pcode=row["adm1_pcode"], adm1_name=row["adm1_name"],
        population=population, series=series,
        latest=series[-1] if series else None,
        sites=[{"id": s.id, "name": s.name, "individuals": int(s.individuals), "as_of": s.as_of}
               for s in mine.sort_values("individuals", ascending=False).itertuples()],
        chart=f"{request.path.rstrip('/')}/chart.svg" + (f"?lang={explicit_language()}" if explicit_language() else ""),
    )


@bp.get("/<pcode>/chart.svg")
@rate_limited("lookups")
def commune_chart(pcode: str):
    """The commune's displaced people per round as a small SVG bar chart."""
    row = _commune(pcode)
    series = service().dataset.displacement.series(row["id"])
    svg = trend_svg(series, title=_("%(commune)s: displaced people per round", commune=row["name"]))
    return Response(svg, mimetype="image/svg+xml")
