"""How old the data is, feature by feature.

A layer's newest ``as_of`` says nothing about the rest of it: dating one road today does not make
69 roads reported a year ago fresh.  Ages therefore come from each feature: a layer is described by
its newest, median and oldest date and the share of its features older than the stale limit, and
an answer warns about the very features it used (the roads of a route, the zones it entered).
Official reference layers describe the country, not the crisis: they are never stale.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..i18n.translate import _, gettext, ngettext
from ..layers import REGISTRY

NO_DAY = np.datetime64("NaT", "D")


def as_days(values) -> np.ndarray:
    """``as_of`` values (ISO dates, dates or timestamps) as a datetime64[D] array; unreadable: NaT."""
    return pd.to_datetime(pd.Series(np.asarray(values, dtype=object)), errors="coerce").to_numpy(
        dtype="datetime64[D]")


def ages(days: np.ndarray, today: dt.date) -> np.ndarray:
    """Whole days from each date to ``today`` (float, NaN for an unknown date)."""
    age = (np.datetime64(today, "D") - np.asarray(days, dtype="datetime64[D]")).astype(float)
    return np.where(np.isnat(days), np.nan, age)


def layer_freshness(name: str, days: np.ndarray, today: dt.date, stale_after_days: int) -> dict:
    """Newest, median and oldest ``as_of`` of a layer's features, and the share older than the limit.

    ``stale`` is true when most features are older than the limit (never for reference layers).
    """
    known = np.sort(days[~np.isnat(days)])
    if not len(known):
        return {"newest": None, "median": None, "oldest": None, "age_days": None, "median_age_days": None,
                "stale_share": None, "stale": False}
    age = ages(known, today)
    reference = REGISTRY[name].reference if name in REGISTRY else False
    share = 0.0 if reference else float(np.mean(age > stale_after_days))
    median = known[(len(known) - 1) // 2]
    return {
        "newest": str(known[-1]),
        "median": str(median),
        "oldest": str(known[0]),
        "age_days": int(age[-1]),
        "median_age_days": int(ages(np.array([median]), today)[0]),
        "stale_share": round(share, 3),
        "stale": share > 0.5,
    }


def stale_sentence(days: np.ndarray, today: dt.date, stale_after_days: int, *, noun: str, plural: str,
                   where: str) -> str | None:
    """"5 of the 9 roads on this route were last reported 603 days ago", or None when none is stale.

    ``days`` holds one date per feature used (duplicates removed by the caller).
    """
    if not len(days):
        return None
    age = ages(days, today)
    old = age[age > stale_after_days]
    if not len(old):
        return None
    total, count = len(days), len(old)
    low, high = int(old.min()), int(old.max())
    noun, plural, where = gettext(noun), gettext(plural), gettext(where)
    when = _("%(days)s days ago", days=high) if low == high else _(
        "between %(low)s and %(high)s days ago", low=low, high=high)
    if count == total == 1:
        return _("The %(noun)s %(where)s was last reported %(when)s.", noun=noun, where=where, when=when)
    if count == total == 2:
        return _("Both %(plural)s %(where)s were last reported %(when)s.", plural=plural, where=where, when=when)
    if count == total:
        return _("All %(total)s %(plural)s %(where)s were last reported %(when)s.", total=total, plural=plural,
                 where=where, when=when)
    return ngettext("%(num)s of the %(total)s %(plural)s %(where)s was last reported %(when)s.",
                    "%(num)s of the %(total)s %(plural)s %(where)s were last reported %(when)s.", count,
                    total=total, plural=plural, where=where, when=when)


def stale_warnings_for(used: list[tuple[np.ndarray, str, str, str]], today: dt.date, stale_after_days: int
                       ) -> list[str]:
    """One warning naming the stale features an answer used: ``used`` holds (dates, noun, plural, where)."""
    sentences = [s for days, noun, plural, where in used
                 if (s := stale_sentence(days, today, stale_after_days, noun=noun, plural=plural, where=where))]
    if not sentences:
        return []
    return [" ".join(sentences) + _(" (older than %(days)s days: conditions may have changed; check with "
                                    "security focal points.)", days=stale_after_days)]
