"""Displaced people per area and round: the figures collection and the answers of /api/displacement.

Figures are stored per commune p-code, round and date (IOM DTM).  A round is its label (or, with
none, its date) and its date the latest reporting date of its rows; an answer "as of D" uses the
latest round on or before D, and compares each area with the round before.  Departments are sums
of their communes; population is the 2019 estimate of the official boundaries (COD-PS).
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from ..data.figures import Displacement
from ..i18n.translate import _

LEVELS = ("adm1", "adm2")


def answer(figures: Displacement, *, level: str, day: dt.date | None) -> dict:
    """Per area of ``level``: people displaced in the latest round on or before ``day``, and the change.

    The figures of each level and round are worked out once per data version (``Displacement.areas``).
    """
    rounds = figures.rounds
    position = rounds.on_or_before(day)
    base: dict[str, Any] = {"level": level, "date_asked": day.isoformat() if day else None, "round": None,
                            "previous_round": None, "areas": [], "total": None, "total_change": None,
                            "data_as_of": None, "rounds": [rounds.describe(i) for i in range(len(rounds.table))],
                            "warnings": []}
    if position is None:
        base["warnings"].append(
            _("No displacement figures on record; import IOM DTM's commune table with 'geoapp import-dtm FILE'.")
            if not len(rounds.table) else
            _("No round on or before %(day)s; the first on record is dated %(first)s.", day=day,
              first=rounds.table["date"].iat[0]))
        return base
    areas = figures.areas(level, position)
    base.update(round=rounds.describe(position), previous_round=rounds.describe(position - 1 if position else -1),
                areas=[dict(row) for row in areas.rows], total=areas.total,
                data_as_of=rounds.table["date"].iat[position],
                total_change=None if areas.previous_total is None else areas.total - areas.previous_total,
                source=figures.sources)
    return base


def trend_svg(series: list[dict], *, title: str, width: int = 300, height: int = 140) -> str:
    """A small bar chart of displaced people per round, as standalone SVG (no script, no outside link)."""
    pad_l, pad_r, pad_t, pad_b = 44, 8, 22, 26
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(title)}" '
             'font-family="sans-serif" font-size="10">',
             f'<title>{html.escape(title)}</title>',
             f'<text x="{pad_l}" y="13" font-size="11" font-weight="bold">{html.escape(title)}</text>']
    if not series:
        parts.append(f'<text x="{pad_l}" y="{pad_t + inner_h / 2}">no figures on record</text></svg>')
        return "".join(parts)
    top = max(max(s["individuals"] for s in series), 1)
    step = inner_w / len(series)
    bar = max(min(step * 0.7, 28), 1.5)
    parts.append(f'<line x1="{pad_l}" y1="{pad_t + inner_h}" x2="{width - pad_r}" y2="{pad_t + inner_h}" '
                 'stroke="#555"/>')
    for value in (0, top):
        y = pad_t + inner_h - inner_h * value / top
        parts.append(f'<text x="{pad_l - 4}" y="{y + 3:.1f}" text-anchor="end">{_short(value)}</text>')
    for i, s in enumerate(series):
        h = inner_h * s["individuals"] / top
        x = pad_l + i * step + (step - bar) / 2
        label = f"{s['date']}" + (f", round {s['round']}" if s["round"] else "") + f": {s['individuals']:,}"
        parts.append(f'<rect x="{x:.1f}" y="{pad_t + inner_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                     f'fill="#0072B2"><title>{html.escape(label)}</title></rect>')
    first, last = series[0]["date"], series[-1]["date"]
    parts.append(f'<text x="{pad_l}" y="{height - 8}">{first[:7]}</text>')
    if len(series) > 1:
        parts.append(f'<text x="{width - pad_r}" y="{height - 8}" text-anchor="end">{last[:7]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _short(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1e6:.1f}M"
    if value >= 10_000:
        return f"{value / 1e3:.0f}k"
    return f"{value:,.0f}"
