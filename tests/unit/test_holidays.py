"""Holiday data for years chinesecalendar does not cover: validated, used, never guessed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot import deadlines
from bot.holidays import (
    DEFAULT_HOLIDAYS,
    HolidayData,
    HolidayDataError,
    library_covers,
    load_holidays,
    parse_holidays,
)

PATH = Path("holidays.yml")


def _year(**spec):
    return {"years": {2027: {"source": "国务院办公厅通知", **spec}}}


def test_the_shipped_file_is_valid_and_holds_no_guessed_year() -> None:
    data = load_holidays(DEFAULT_HOLIDAYS)
    assert data.years == {}  # no 2027 schedule was published in any source we have
    assert library_covers(2026) and not library_covers(2027)


@pytest.mark.parametrize(("data", "message"), [
    (_year(holidays=[{"name": "元旦", "start": "2027-01-32", "end": "2027-01-03"}]),
     "not a date"),
    (_year(holidays=[{"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"},
                     {"name": "春节", "start": "2027-01-03", "end": "2027-01-05"}]), "overlaps"),
    (_year(holidays=[{"name": "元旦", "start": "2028-01-01", "end": "2028-01-01"}]),
     "not in 2027"),
    (_year(holidays=[{"name": "元旦", "start": "2027-01-03", "end": "2027-01-01"}]),
     "before it starts"),
    (_year(workdays=["2027-01-01"], holidays=[{"name": "元旦", "start": "2027-01-01",
                                                "end": "2027-01-01"}]), "also a holiday"),
    ({"years": {2027: {"holidays": []}}}, "notice"),
    ({"years": []}, "must map years"),
    ({"holidays": {}}, "exactly a years mapping"),
])
def test_malformed_holiday_data_names_the_entry(data, message) -> None:
    with pytest.raises(HolidayDataError, match=message) as error:
        parse_holidays(data, PATH, covered=lambda year: False)
    assert "holidays.yml" in str(error.value)


def test_a_year_the_library_covers_is_refused() -> None:
    data = {"years": {2026: {"source": "通知", "holidays": []}}}
    with pytest.raises(HolidayDataError, match="already covers"):
        parse_holidays(data, PATH)


def test_a_published_year_is_counted_once_it_is_in_the_file() -> None:
    data = parse_holidays(_year(
        holidays=[{"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"}],
        workdays=["2027-01-09"]), PATH, covered=lambda year: False)
    assert not data.is_working_day(dt.date(2027, 1, 1))  # a Friday holiday
    assert data.is_working_day(dt.date(2027, 1, 9))  # a Saturday made a working day
    day, covered = deadlines.add_working_days(dt.date(2026, 12, 31), 3, data)
    # 01-01 (holiday), 01-02/03 (weekend + holiday); 01-04, 01-05, 01-06 count
    assert (day, covered) == (dt.date(2027, 1, 6), True)


def test_without_the_year_only_weekends_are_skipped_and_it_says_so() -> None:
    day, covered = deadlines.add_working_days(dt.date(2026, 12, 31), 3, HolidayData({}))
    assert (day, covered) == (dt.date(2027, 1, 5), False)
