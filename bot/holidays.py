"""Holiday data for years the ``chinesecalendar`` library does not cover yet.

``data/calendar/holidays.yml`` holds, per year, the statutory holidays (date ranges) and the
make-up working days (tiaoxiu) that the State Council published. It is empty until a
schedule is published; nothing here guesses a date. :func:`load_holidays` validates the file
(an error names the file and the entry); :meth:`HolidayData.is_working_day` answers for the
years it holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chinese_calendar

from bot.datafiles import DataFileError, data_path, read_yaml

DEFAULT_HOLIDAYS = data_path("calendar", "holidays.yml")


class HolidayDataError(DataFileError):
    """The holiday file is invalid; the message names the file and the entry."""


@dataclass(frozen=True)
class YearSchedule:
    """One year's holidays and make-up working days."""

    year: int
    source: str
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]


@dataclass(frozen=True)
class HolidayData:
    """The years the data file adds to the library."""

    years: dict[int, YearSchedule]

    def covers(self, day: dt.date) -> bool:
        """Whether the data file holds the year of ``day``."""
        return day.year in self.years

    def is_working_day(self, day: dt.date) -> bool:
        """For a covered year: a weekday that is no holiday, or a make-up working day."""
        schedule = self.years[day.year]
        if day in schedule.workdays:
            return True
        return day.weekday() < 5 and day not in schedule.holidays


def library_covers(year: int) -> bool:
    """Whether chinesecalendar knows the holidays of ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _date(value: Any, path: Path, entry: str, year: int) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date | str):
        raise HolidayDataError(path, entry, f"{value!r} is not a date (YYYY-MM-DD)")
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    except ValueError:
        raise HolidayDataError(path, entry, f"{value!r} is not a date (YYYY-MM-DD)") from None
    if day.year != year:
        raise HolidayDataError(path, entry, f"{day} is not in {year}")
    return day


def _year(path: Path, year: Any, spec: Any) -> YearSchedule:
    where = f"years.{year}"
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise HolidayDataError(path, where, "a year is a number such as 2027")
    if not isinstance(spec, dict) or set(spec) - {"source", "holidays", "workdays"}:
        raise HolidayDataError(path, where, "has source, holidays and workdays only")
    if not str(spec.get("source") or "").strip():
        raise HolidayDataError(path, f"{where}.source", "name the State Council notice")
    holidays: set[dt.date] = set()
    named: dict[dt.date, str] = {}
    for index, item in enumerate(spec.get("holidays") or []):
        at = f"{where}.holidays[{index}]"
        if not isinstance(item, dict) or not item.get("name"):
            raise HolidayDataError(path, at, "needs name, start and end")
        start = _date(item.get("start"), path, f"{at}.start", year)
        end = _date(item.get("end"), path, f"{at}.end", year)
        if end < start:
            raise HolidayDataError(path, at, f"ends ({end}) before it starts ({start})")
        day = start
        while day <= end:
            if day in named:
                raise HolidayDataError(path, at, f"{day} overlaps {named[day]}")
            named[day] = str(item["name"])
            holidays.add(day)
            day += dt.timedelta(days=1)
    workdays = set()
    for index, value in enumerate(spec.get("workdays") or []):
        at = f"{where}.workdays[{index}]"
        day = _date(value, path, at, year)
        if day in holidays:
            raise HolidayDataError(path, at, f"{day} is also a holiday ({named[day]})")
        workdays.add(day)
    return YearSchedule(year, str(spec["source"]).strip(), frozenset(holidays),
                        frozenset(workdays))


def parse_holidays(data: Any, path: Path,
                   covered: Callable[[int], bool] = library_covers) -> HolidayData:
    """Validate the parsed holiday file; ``covered`` tells which years the library has."""
    if not isinstance(data, dict) or set(data) != {"years"}:
        raise HolidayDataError(path, "(top level)", "must have exactly a years mapping")
    years = {} if data["years"] is None else data["years"]
    if not isinstance(years, dict):
        raise HolidayDataError(path, "years", "must map years to their schedules")
    schedules = {}
    for year, spec in years.items():
        schedule = _year(path, year, spec)
        if covered(schedule.year):
            raise HolidayDataError(path, f"years.{year}", "chinesecalendar already covers "
                                   "this year: remove it from the file")
        schedules[schedule.year] = schedule
    return HolidayData(schedules)


def load_holidays(path: Path = DEFAULT_HOLIDAYS) -> HolidayData:
    """Read and validate the holiday file."""
    path = Path(path)
    return parse_holidays(read_yaml(path, HolidayDataError), path)
