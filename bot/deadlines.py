"""Due dates for rule-book time limits: hours, calendar days and Chinese working days.

Working days come from ``chinese_calendar.is_workday``, which knows the statutory holidays
and the make-up working days (tiaoxiu) of each published year. Years the library does not
cover yet come from ``data/calendar/holidays.yml`` once published; otherwise only weekends
are excluded and the result is marked ``covered=False`` so the caller can say that the
holidays of that year are not published.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Protocol

import chinese_calendar

from bot.holidays import HolidayData
from bot.rulebook import Unit

_DAY = dt.timedelta(days=1)


class LimitLike(Protocol):
    """What :func:`due_date` needs from a time limit (``bot.rulebook.TimeLimit``)."""

    amount: int
    amount_max: int | None
    unit: Unit


@dataclass(frozen=True)
class Due:
    """When a time limit ends: a date (and time, if known), or a date range."""

    date: dt.date
    weekday: int
    covered: bool
    date_max: dt.date | None = None
    weekday_max: int | None = None
    at: dt.time | None = None
    at_max: dt.time | None = None


def is_working_day(day: dt.date, holidays: HolidayData) -> tuple[bool, bool]:
    """Return (is a working day, the holiday calendar covers this date).

    chinesecalendar first; then ``holidays`` (``data/calendar/holidays.yml``) for years it
    does not have yet; otherwise Monday-Friday, marked uncovered."""
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        data = holidays
        if data.covers(day):
            return data.is_working_day(day), True
        return day.weekday() < 5, False


def add_working_days(start: dt.date, n: int, holidays: HolidayData) -> tuple[dt.date, bool]:
    """The n-th working day after ``start`` (start excluded) and whether it is covered.

    ``covered`` is False when any day examined lies outside the holiday calendar (then
    Monday-Friday are counted as working days). ``n == 0`` returns ``start``.
    """
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    day = start
    covered = True
    remaining = n
    while remaining:
        day += _DAY
        working, known = is_working_day(day, holidays)
        covered = covered and known
        if working:
            remaining -= 1
    return day, covered


def _shift(
    amount: int, unit: Unit, start: dt.date, start_time: dt.time | None, holidays: HolidayData
) -> tuple[dt.date, dt.time | None, bool]:
    """Move ``amount`` units from the start; returns (date, time or None, covered)."""
    unit = Unit(unit)
    if unit is Unit.HOURS:
        if start_time is None:
            return start + dt.timedelta(days=math.ceil(amount / 24)), None, True
        moment = dt.datetime.combine(start, start_time) + dt.timedelta(hours=amount)
        return moment.date(), moment.time(), True
    if unit is Unit.CALENDAR_DAYS:
        return start + dt.timedelta(days=amount), None, True
    day, covered = add_working_days(start, amount, holidays)
    return day, None, covered


def due_date(limit: LimitLike, start: dt.date, holidays: HolidayData,
             start_time: dt.time | None = None) -> Due:
    """When ``limit`` ends if its event happened on ``start`` (at ``start_time``, if known);
    working days count by ``holidays`` where chinesecalendar has no data.

    Hours are added to the start time when it is known; with only a date they are rounded
    up to whole days (72 hours -> 3 days). Ranges (``amount_max``) also give ``date_max``.
    """
    day, at, covered = _shift(limit.amount, limit.unit, start, start_time, holidays)
    day_max: dt.date | None = None
    at_max: dt.time | None = None
    if limit.amount_max is not None and limit.amount_max != limit.amount:
        day_max, at_max, covered_max = _shift(limit.amount_max, limit.unit, start, start_time,
                                             holidays)
        covered = covered and covered_max
    return Due(
        date=day,
        weekday=day.weekday(),
        covered=covered,
        date_max=day_max,
        weekday_max=None if day_max is None else day_max.weekday(),
        at=at,
        at_max=at_max,
    )
