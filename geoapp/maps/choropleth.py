"""The displacement choropleth's classes: one set of breaks for every round, so rounds compare on the map."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..data.figures import Rounds
from ..i18n.translate import N_, _

#: ColorBrewer YlGnBu, sequential and colour-blind safe, by number of classes.
PALETTES = {
    1: ("#2c7fb8",),
    2: ("#a1dab4", "#2c7fb8"),
    3: ("#edf8b1", "#7fcdbb", "#2c7fb8"),
    4: ("#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"),
    5: ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"),
}
#: What the fill can show, and its words in the panel and legend.
METRICS = {"individuals": N_("displaced people"), "per_1000_residents": N_("displaced people per 1,000 residents")}
CLASSES = 5


def breaks(values: pd.Series, classes: int = CLASSES) -> list[float]:
    """Lower bounds of the classes above the first: quantiles of the positive values, rounded to 2 digits."""
    positive = pd.to_numeric(values, errors="coerce").dropna()
    positive = positive[positive > 0].to_numpy(dtype=float)
    if not len(positive):
        return []
    cuts = np.quantile(positive, np.arange(1, classes) / classes)
    rounded = sorted({_two_digits(c) for c in cuts if c > 0})
    return [b for b in rounded if b <= positive.max()]


def classes(figures: pd.DataFrame) -> dict:
    """Breaks, colours and legend labels per metric, over every commune and round of the figures layer."""
    out = {}
    for metric, words in METRICS.items():
        cuts = breaks(figures[metric]) if metric in figures else []
        colours = PALETTES[len(cuts) + 1]
        out[metric] = {"title": _(words), "breaks": cuts, "colours": list(colours),
                       "labels": _labels(cuts, decimals=metric != "individuals")}
    return out


def round_choices(rounds: Rounds, day: dt.date | None) -> tuple[list[dict], int | None]:
    """The rounds on record, oldest first, and the one a page shows first (the latest on or before ``day``)."""
    choices = [{"round": r["round"], "date": r["date"], "individuals": r["individuals"],
                "label": (_("round %(round)s, ", round=r["round"]) if r["round"] else "") + r["date"]}
               for r in (rounds.describe(i) for i in range(len(rounds.table)))]
    return choices, rounds.on_or_before(day)


def _two_digits(value: float) -> float:
    rounded = float(f"{value:.2g}")
    return int(rounded) if rounded >= 10 else rounded


def _labels(cuts: list[float], *, decimals: bool) -> list[str]:
    def text(v: float) -> str:
        return f"{v:,.1f}" if decimals and v < 10 else f"{v:,.0f}"

    if not cuts:
        return [_("any")]
    bounds = [0, *cuts]
    labels = [_("%(low)s to under %(high)s", low=text(a), high=text(b))
              for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    labels[0] = _("under %(high)s", high=text(cuts[0]))
    return labels + [_("%(low)s or more", low=text(cuts[-1]))]
