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


def newest_day(days: np.ndarray) -> str | None:
    """The newest readable date (ISO), None when there is none."""
    known = np.asarray(days, dtype="datetime64[D]")
    known = known[~np.isnat(known)]
    return str(known.max()) if len(known) else None


def ages(days: np.ndarray, today: dt.date) -> np.ndarray:
    """Whole days from each date to ``today`` (float, NaN for an unknown date)."""
    days = np.asarray(days, dtype="datetime64[D]")
    age = (np.datetime64(today, "D") - days).astype(float)
    return np.where(np.isnat(days), np.nan, age)


def undated(days: np.ndarray) -> np.ndarray:
    """Which dates tell no age: missing or unreadable (NaT).

    Such features are never counted fresh: an answer treats them as out of date and says so.
    """
    return np.isnat(np.asarray(days, dtype="datetime64[D]"))


def layer_freshness(name: str, days: np.ndarray, today: dt.date, stale_after_days: int) -> dict:
    """Newest, median and oldest ``as_of`` of a layer's features, and the share older than the limit.

    Features with no readable date (``undated``, counted apart) are in the stale share: an unknown
    age is never fresh.  ``stale`` is true when most features are stale (never for reference layers).
    """
    days = np.asarray(days, dtype="datetime64[D]")
    unknown = undated(days)
    known = np.sort(days[~unknown])
    reference = REGISTRY[name].reference if name in REGISTRY else False
    old = int(np.count_nonzero(ages(known, today) > stale_after_days))
    share = 0.0 if reference or not len(days) else (old + int(unknown.sum())) / len(days)
    out: dict[str, object] = {
        "newest": None, "median": None, "oldest": None, "age_days": None, "median_age_days": None,
        "undated": int(unknown.sum()), "stale_share": round(share, 3) if len(days) else None, "stale": share > 0.5}
    if len(known):
        median = known[(len(known) - 1) // 2]
        out.update(newest=str(known[-1]), median=str(median), oldest=str(known[0]),
                   age_days=int(ages(known[-1:], today)[0]), median_age_days=int(ages(np.array([median]), today)[0]))
    return out


def stale_sentence(days: np.ndarray, today: dt.date, stale_after_days: int, *, noun: str, plural: str,
                   where: str) -> str | None:
    """"5 of the 9 roads on this route were last reported 603 days ago", or None when none is stale.

    ``days`` holds one date per feature used (duplicates removed by the caller); those with no
    readable date are the ``undated_sentence``'s.
    """
    if not len(days):
        return None
    age = ages(days, today)
    old = age[age > stale_after_days]  # NaN (no date) is not compared: see ``undated_sentence``
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


def undated_sentence(days: np.ndarray, *, noun: str, plural: str, where: str) -> str | None:
    """"2 of the 9 roads on this route have no readable report date ...", or None when every date is readable."""
    count, total = int(undated(days).sum()), len(days)
    if not count:
        return None
    noun, plural, where = gettext(noun), gettext(plural), gettext(where)
    if count == total == 1:
        return _("The %(noun)s %(where)s has no readable report date: its age is unknown, so treat it as out of "
                 "date.", noun=noun, where=where)
    if count == total:
        return _("None of the %(total)s %(plural)s %(where)s has a readable report date: their age is unknown, "
                 "so treat them as out of date.", total=total, plural=plural, where=where)
    return ngettext("%(num)s of the %(total)s %(plural)s %(where)s has no readable report date: its age is "
                    "unknown, so treat it as out of date.",
                    "%(num)s of the %(total)s %(plural)s %(where)s have no readable report date: their age is "
                    "unknown, so treat them as out of date.", count, total=total, plural=plural, where=where)


def stale_warnings_for(used: list[tuple[np.ndarray, str, str, str]], today: dt.date, stale_after_days: int
                       ) -> list[str]:
    """One warning naming the stale and undated features an answer used: ``used`` holds (dates, noun, plural, where).

    A feature whose age is unknown is never taken as fresh: the warning says how many there are.
    """
    old = [s for days, noun, plural, where in used
           if (s := stale_sentence(days, today, stale_after_days, noun=noun, plural=plural, where=where))]
    unknown = [s for days, noun, plural, where in used
               if (s := undated_sentence(days, noun=noun, plural=plural, where=where))]
    if not old and not unknown:
        return []
    parts = [" ".join(old) + _(" (older than %(days)s days: conditions may have changed; check with "
                               "security focal points.)", days=stale_after_days)] if old else []
    return [" ".join(parts + unknown)]
