"""When a reminder comes: from the case's dated limits, or from the date the user names.

Every time here is derived from a date the chat showed: a limit's own date (the rule book's,
``bot.guidance.DeadlineItem``) or the date the user named (read by ``bot.dates``), never
invented. A limit one must meet ("截至…") is reminded of the day before at 09:00 (that day
at 09:00 when the day before is past); a limit that opens or that the other side should meet
is reminded of on its day at 09:00. Times are Asia/Shanghai, stored as UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from bot.dates import SHANGHAI
from bot.guidance import DeadlineItem

REMIND_AT = dt.time(9, 0)
# A named part of the day ("明天下午") moves the hour.
PART_OF_DAY_HOURS = {"morning": 9, "afternoon": 14, "evening": 19}
MOST = 3  # the nearest limits reminded of at once


@dataclass(frozen=True)
class Planned:
    """One reminder to set: when (aware), the date it is about, the line the chat showed."""

    due_at: dt.datetime
    event_date: dt.date
    label: str
    kind: str


def at_nine(day: dt.date, hour: int = REMIND_AT.hour) -> dt.datetime:
    """``day`` at ``hour``:00 in Asia/Shanghai."""
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=SHANGHAI)


def limit_time(item: DeadlineItem, now: dt.datetime) -> dt.datetime | None:
    """When to remind of one dated limit (None: undated, passed, or too late to remind)."""
    day = item.latest if item.kind == "deadline" else item.due
    if day is None or item.passed:
        return None
    choices = [at_nine(day - dt.timedelta(days=1)), at_nine(day)] \
        if item.kind == "deadline" else [at_nine(day)]
    return next((moment for moment in choices if moment > now), None)


def from_limits(items: Iterable[tuple[DeadlineItem, str]], now: dt.datetime,
                most: int = MOST) -> list[Planned]:
    """Reminders for the case's next limits: the ``most`` nearest ones still ahead.
    ``items``: each dated limit with the line the chat showed for it."""
    planned = []
    for item, line in items:
        moment = limit_time(item, now)
        day = item.latest if item.kind == "deadline" else item.due
        if moment is not None and day is not None:  # a moment only for a dated limit
            planned.append(Planned(moment, day, line, item.kind))
    planned.sort(key=lambda p: (p.due_at, p.label))
    return planned[:most]


def from_named_date(day: dt.date, part_of_day: str | None, label: str,
                    now: dt.datetime) -> Planned | None:
    """A reminder on the day the user named (09:00, or the part of the day named);
    None when that moment has passed."""
    moment = at_nine(day, PART_OF_DAY_HOURS.get(part_of_day or "", REMIND_AT.hour))
    if moment <= now:
        return None
    return Planned(moment, day, label, "named")
