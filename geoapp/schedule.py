"""The schedule grammar of sea and air connections: when a leg departs, parsed, checked and written back.

A schedule is one of::

    daily [TIMES]          every day
    weekly [TIMES]         once a week, on a day not fixed in advance
    on request             when booked (no timetable)
    DAYS [TIMES]           on the days listed: Mon,Thu or a range Mon-Fri, or both: Mon-Wed,Sat

where TIMES is one or more departure times ``HH:MM`` (24 h, America/Port-au-Prince) separated by
commas: ``daily 07:00``, ``Mon,Thu 07:00,13:30``.  Day names are English three-letter names, in
any case; the written form (``Schedule.text``) spells them ``Mon``..``Sun`` in week order.
"""

from __future__ import annotations

import dataclasses
import re

from .i18n.translate import _

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: What the grammar accepts, said in one line (error messages, the OpenAPI document, the data README).
GRAMMAR = ("'daily', 'weekly', 'on request', or days such as 'Mon,Thu' or 'Mon-Fri', optionally followed by "
           "departure times HH:MM such as 'Mon,Thu 07:00' or 'daily 07:00,13:30'")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclasses.dataclass(frozen=True)
class Schedule:
    """When a leg departs: ``kind`` is ``daily``, ``weekly``, ``on_request`` or ``days`` (the ``days`` listed)."""

    kind: str
    days: tuple[int, ...] = ()  # 0 = Monday, for kind ``days``
    times: tuple[tuple[int, int], ...] = ()  # (hour, minute), sorted

    @property
    def text(self) -> str:
        """The schedule as written in the data (canonical spelling)."""
        head = {"daily": "daily", "weekly": "weekly", "on_request": "on request"}.get(self.kind) \
            or ",".join(DAYS[d] for d in self.days)
        times = ",".join(f"{h:02d}:{m:02d}" for h, m in self.times)
        return f"{head} {times}" if times else head

    def runs_on(self, weekday: int) -> bool | None:
        """Whether the leg departs on ``weekday`` (0 = Monday); None when that is not known in advance."""
        if self.kind == "daily":
            return True
        if self.kind == "days":
            return weekday in self.days
        return None


def parse_schedule(text: object) -> Schedule:
    """A schedule string as a ``Schedule``; ``ValueError`` saying what is wrong otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(_("schedule must be %(grammar)s", grammar=GRAMMAR))
    words = text.strip().split()
    if [w.lower() for w in words[:2]] == ["on", "request"]:
        if len(words) > 2:
            raise ValueError(_("schedule 'on request' takes no departure times"))
        return Schedule("on_request")
    head, rest = words[0], words[1:]
    if len(rest) > 1 or head.endswith(",") or (rest and not rest[0][:1].isdigit()):
        raise ValueError(_("schedule %(text)s: write days, then times, each comma-separated without spaces "
                           "(e.g. 'Mon,Thu 07:00,13:30')", text=repr(text.strip()[:60])))
    times = _times(rest[0]) if rest else ()
    if head.lower() in ("daily", "weekly"):
        return Schedule(head.lower(), times=times)
    return Schedule("days", days=_days(head), times=times)


def normalise_schedule(text: object) -> str:
    """The canonical spelling of a schedule (``mon,thu 7:00`` is refused: times are HH:MM)."""
    return parse_schedule(text).text


def _days(text: str) -> tuple[int, ...]:
    found: set[int] = set()
    for part in text.split(","):
        ends = part.split("-")
        if len(ends) > 2 or not all(ends):
            raise ValueError(_("schedule day %(day)s must be a day (Mon..Sun) or a range such as Mon-Fri",
                               day=repr(part[:20])))
        first, last = (_day(e) for e in (ends[0], ends[-1]))
        if last < first:
            raise ValueError(_("schedule range %(days)s runs backwards: write it Monday first (e.g. Fri-Sun)",
                               days=repr(part[:20])))
        found.update(range(first, last + 1))
    return tuple(sorted(found))


def _day(text: str) -> int:
    names = [d.lower() for d in DAYS]
    if text.lower() not in names:
        raise ValueError(_("schedule day %(day)s is not one of %(days)s (nor daily, weekly, on request)",
                           day=repr(text[:20]), days=", ".join(DAYS)))
    return names.index(text.lower())


def _times(text: str) -> tuple[tuple[int, int], ...]:
    out = set()
    for part in text.split(","):
        match = _TIME.match(part)
        if not match:
            raise ValueError(_("schedule time %(time)s must be HH:MM on a 24-hour clock (e.g. 07:00)",
                               time=repr(part[:20])))
        out.add((int(match.group(1)), int(match.group(2))))
    return tuple(sorted(out))
