"""Due dates: working days with the 2026 holiday calendar, hours, calendar days, ranges.

2026 facts used below (checked against chinesecalendar 1.11):
  New Year        2026-01-01..01-03 off, Sun 01-04 worked
  Spring Festival 2026-02-15..02-23 off, Sat 02-14 and Sat 02-28 worked
  Mid-autumn      2026-09-25..09-27 off
  National Day    2026-10-01..10-07 off, Sun 09-20 and Sat 10-10 worked
  2027 and later: not covered (NotImplementedError) -> Monday-Friday fallback.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from bot.deadlines import Due, add_working_days, due_date, is_working_day
from bot.holidays import HolidayData
from bot.rulebook import TimeLimit, Unit
from tests.data import catalog

D = dt.date


@pytest.fixture(scope="module")
def holidays() -> HolidayData:
    """The shipped holiday data (data/calendar/holidays.yml), as the rule book holds it."""
    return catalog().rulebook.holidays


def test_calendar_facts_the_tables_rely_on() -> None:
    for day in [D(2026, 10, d) for d in range(1, 8)] + [D(2026, 2, d) for d in range(15, 24)]:
        assert chinese_calendar.is_holiday(day), day
    for day in (D(2026, 9, 20), D(2026, 10, 10), D(2026, 2, 14), D(2026, 2, 28), D(2026, 1, 4)):
        assert day.weekday() >= 5 and chinese_calendar.is_workday(day), day
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 4))


WORKING_DAY_CASES = [
    # (start, n, expected, covered, why)
    (D(2026, 9, 30), 1, D(2026, 10, 8), True, "National Day: Oct 1-7 off"),
    (D(2026, 9, 30), 3, D(2026, 10, 10), True, "Oct 10 is a make-up Saturday"),
    (D(2026, 9, 30), 4, D(2026, 10, 12), True, "Sunday Oct 11 is off"),
    (D(2026, 10, 9), 4, D(2026, 10, 14), True, "Sat Oct 10 counts, Sun Oct 11 not"),
    (D(2026, 9, 18), 1, D(2026, 9, 20), True, "Sun Sep 20 is a make-up Sunday"),
    (D(2026, 9, 24), 1, D(2026, 9, 28), True, "Mid-autumn Sep 25-27 off"),
    (D(2026, 2, 13), 1, D(2026, 2, 14), True, "Sat Feb 14 is a make-up Saturday"),
    (D(2026, 2, 13), 2, D(2026, 2, 24), True, "Spring Festival Feb 15-23 off"),
    (D(2026, 2, 12), 4, D(2026, 2, 25), True, "Feb 13, 14, 24, 25"),
    (D(2026, 2, 26), 2, D(2026, 2, 28), True, "Sat Feb 28 is a make-up Saturday"),
    (D(2025, 12, 31), 1, D(2026, 1, 4), True, "New Year Jan 1-3 off, Sun Jan 4 worked"),
    (D(2026, 3, 6), 1, D(2026, 3, 9), True, "plain weekend"),
    (D(2026, 3, 7), 1, D(2026, 3, 9), True, "starting on a Saturday"),
    (D(2026, 3, 6), 5, D(2026, 3, 13), True, "a full week"),
    (D(2026, 3, 6), 0, D(2026, 3, 6), True, "zero days: the start itself"),
    (D(2027, 3, 6), 0, D(2027, 3, 6), True, "zero days needs no calendar"),
    (D(2026, 12, 30), 1, D(2026, 12, 31), True, "last covered day"),
    (
        D(2026, 12, 30),
        2,
        D(2027, 1, 1),
        False,
        "fallback counts Fri Jan 1, 2027 (holidays unknown)",
    ),
    (D(2026, 12, 30), 3, D(2027, 1, 4), False, "across the year boundary"),
    (D(2027, 3, 5), 1, D(2027, 3, 8), False, "2027 weekend by fallback"),
]


@pytest.mark.parametrize(
    ("start", "n", "expected", "covered", "why"),
    WORKING_DAY_CASES,
    ids=[c[4] for c in WORKING_DAY_CASES],
)
def test_add_working_days(
    start: dt.date, n: int, expected: dt.date, covered: bool, why: str, holidays: HolidayData
) -> None:
    assert add_working_days(start, n, holidays) == (expected, covered)


def test_add_working_days_rejects_negative(holidays: HolidayData) -> None:
    with pytest.raises(ValueError):
        add_working_days(D(2026, 3, 6), -1, holidays)


def test_one_working_day_matches_the_calendar_all_through_2026(holidays: HolidayData) -> None:
    day = D(2026, 1, 1)
    while day.year == 2026 and day < D(2026, 12, 28):
        result, covered = add_working_days(day, 1, holidays)
        assert covered and chinese_calendar.is_workday(result)
        between = day + dt.timedelta(days=1)
        while between < result:
            assert not chinese_calendar.is_workday(between)
            between += dt.timedelta(days=1)
        day += dt.timedelta(days=1)


def test_is_working_day_fallback(holidays: HolidayData) -> None:
    assert is_working_day(D(2026, 10, 10), holidays) == (True, True)
    assert is_working_day(D(2026, 10, 5), holidays) == (False, True)
    assert is_working_day(D(2027, 1, 1), holidays) == (True, False)
    assert is_working_day(D(2027, 1, 2), holidays) == (False, False)


def _limit(amount: int, unit: Unit, amount_max: int | None = None) -> TimeLimit:
    return TimeLimit(
        id="t",
        amount=amount,
        amount_max=amount_max,
        unit=unit,
        counts_from="payment",
        outcome="x",
        source="src 000",
    )


DUE_CASES = [
    # (amount, amount_max, unit, start, start_time, date, at, date_max, covered, why)
    (
        72,
        None,
        Unit.HOURS,
        D(2026, 11, 18),
        None,
        D(2026, 11, 21),
        None,
        None,
        True,
        "72 h, date only -> +3 days",
    ),
    (
        72,
        None,
        Unit.HOURS,
        D(2026, 11, 18),
        dt.time(10, 30),
        D(2026, 11, 21),
        dt.time(10, 30),
        None,
        True,
        "72 h with time",
    ),
    (
        24,
        None,
        Unit.HOURS,
        D(2026, 12, 31),
        dt.time(23, 0),
        D(2027, 1, 1),
        dt.time(23, 0),
        None,
        True,
        "hours need no holiday calendar",
    ),
    (
        1,
        None,
        Unit.HOURS,
        D(2026, 11, 18),
        None,
        D(2026, 11, 19),
        None,
        None,
        True,
        "1 h, date only rounds up a day",
    ),
    (
        1,
        None,
        Unit.HOURS,
        D(2026, 11, 18),
        dt.time(9, 0),
        D(2026, 11, 18),
        dt.time(10, 0),
        None,
        True,
        "1 h same day",
    ),
    (0, None, Unit.HOURS, D(2026, 11, 18), None, D(2026, 11, 18), None, None, True, "0 h"),
    (
        9,
        None,
        Unit.CALENDAR_DAYS,
        D(2026, 11, 18),
        None,
        D(2026, 11, 27),
        None,
        None,
        True,
        "9 calendar days",
    ),
    (
        3,
        None,
        Unit.CALENDAR_DAYS,
        D(2026, 9, 30),
        None,
        D(2026, 10, 3),
        None,
        None,
        True,
        "calendar days ignore holidays",
    ),
    (
        0,
        None,
        Unit.CALENDAR_DAYS,
        D(2026, 11, 18),
        None,
        D(2026, 11, 18),
        None,
        None,
        True,
        "0 calendar days",
    ),
    (
        365,
        None,
        Unit.CALENDAR_DAYS,
        D(2026, 3, 1),
        None,
        D(2027, 3, 1),
        None,
        None,
        True,
        "365 days",
    ),
    (
        4,
        None,
        Unit.WORKING_DAYS,
        D(2026, 9, 30),
        None,
        D(2026, 10, 12),
        None,
        None,
        True,
        "4 working days over National Day",
    ),
    (
        3,
        5,
        Unit.WORKING_DAYS,
        D(2026, 9, 18),
        None,
        D(2026, 9, 22),
        None,
        D(2026, 9, 24),
        True,
        "3-5 working days",
    ),
    (
        3,
        5,
        Unit.WORKING_DAYS,
        D(2026, 9, 30),
        None,
        D(2026, 10, 10),
        None,
        D(2026, 10, 13),
        True,
        "3-5 across National Day",
    ),
    (
        3,
        5,
        Unit.WORKING_DAYS,
        D(2026, 12, 29),
        None,
        D(2027, 1, 1),
        None,
        D(2027, 1, 5),
        False,
        "3-5 into 2027",
    ),
    (
        1,
        3,
        Unit.WORKING_DAYS,
        D(2026, 12, 28),
        None,
        D(2026, 12, 29),
        None,
        D(2026, 12, 31),
        True,
        "1-3 inside 2026",
    ),
    (
        1,
        3,
        Unit.CALENDAR_DAYS,
        D(2026, 11, 18),
        None,
        D(2026, 11, 19),
        None,
        D(2026, 11, 21),
        True,
        "1-3 calendar days",
    ),
]


@pytest.mark.parametrize(
    (
        "amount",
        "amount_max",
        "unit",
        "start",
        "start_time",
        "date",
        "at",
        "date_max",
        "covered",
        "why",
    ),
    DUE_CASES,
    ids=[c[-1] for c in DUE_CASES],
)
def test_due_date(
    amount: int,
    amount_max: int | None,
    unit: Unit,
    start: dt.date,
    start_time: dt.time | None,
    date: dt.date,
    at: dt.time | None,
    date_max: dt.date | None,
    covered: bool,
    why: str,
    holidays: HolidayData,
) -> None:
    due = due_date(_limit(amount, unit, amount_max), start, holidays, start_time)
    assert isinstance(due, Due)
    assert (due.date, due.at, due.date_max, due.covered) == (date, at, date_max, covered)
    assert due.weekday == date.weekday()
    assert due.weekday_max == (None if date_max is None else date_max.weekday())


def test_due_date_range_with_equal_bounds_is_a_single_date(holidays: HolidayData) -> None:
    due = due_date(_limit(3, Unit.WORKING_DAYS, 3), D(2026, 3, 6), holidays)
    assert due.date == D(2026, 3, 11) and due.date_max is None
