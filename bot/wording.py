"""Display strings built from ``data/locale/zh.yml`` (dates, labels, deadline lines).

No user-facing text lives here: every word comes from the locale file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.citing import resolve_refs, source_tag
from bot.locale import entry
from bot.rulebook.vocabulary import load_case_folders

if TYPE_CHECKING:  # pragma: no cover
    from bot.guidance import DeadlineItem

def label(kind: str, value: str) -> str:
    """The Chinese label of a slot value, e.g. ``label("order_status", "completed")``; a
    case type's label comes from its folder (``data/cases/<case_type>/case.yml``)."""
    if kind == "case_type":
        return load_case_folders()[value].label
    return str(entry("labels", kind, value))


def weekday_name(index: int) -> str:
    """Weekday name for ``date.weekday()`` (0 = Monday)."""
    return str(entry("weekdays")[index])


def format_date(day: dt.date, with_year: bool = False) -> str:
    """A date in the locale's month-day format (or with the year)."""
    key = "date_with_year" if with_year else "date"
    return str(entry(key)).format(year=day.year, month=day.month, day=day.day)


def format_date_weekday(day: dt.date, with_year: bool = False, at: dt.time | None = None) -> str:
    """A date with its weekday, and the time of day when given."""
    date_text = format_date(day, with_year)
    weekday = weekday_name(day.weekday())
    if at is not None:
        return str(entry("date_weekday_time")).format(
            date=date_text, weekday=weekday, hour=at.hour, minute=at.minute
        )
    return str(entry("date_weekday")).format(date=date_text, weekday=weekday)


def format_menu_path(items: Iterable[str]) -> str:
    """Menu items joined with arrows."""
    return str(entry("path_separator")).join(items)


def join_list(items: Iterable[str]) -> str:
    """Items joined with the Chinese enumeration comma."""
    return str(entry("list_separator")).join(items)


def format_amount(item: DeadlineItem) -> str:
    """The length of a limit: approx prefix, amount or range, unit label."""
    approx = entry("approx") if item.approximate else ""
    unit = entry("units", item.unit)
    if item.amount_max is not None and item.amount_max != item.amount:
        return str(entry("amount_range")).format(
            approx=approx, amount=item.amount, amount_max=item.amount_max, unit=unit
        )
    return str(entry("amount")).format(approx=approx, amount=item.amount, unit=unit)


def fallback_note(years: Iterable[int]) -> str:
    """Note for dates beyond the holiday calendar (only weekends were excluded)."""
    return str(entry("deadline", "uncovered")).format(
        years=join_list(str(y) for y in sorted(set(years)))
    )


def format_deadline(
    item: DeadlineItem, today: dt.date | None = None, with_note: bool = True,
    with_source: bool = True,
) -> str:
    """One line for a time limit: dated when possible, always with its source.

    The year is shown when ``today`` is not given or the date falls in another year.
    """
    approx = entry("approx") if item.approximate else ""
    if item.due is None:
        line = str(entry("deadline", "undated", item.kind)).format(
            outcome=item.outcome, counts_from=item.counts_from_label, amount=format_amount(item)
        )
    else:
        latest = item.due_max or item.due
        with_year = today is None or item.due.year != today.year or latest.year != today.year
        when = format_date_weekday(item.due, with_year, item.due_time)
        if item.due_max is not None:
            when = str(entry("date_range")).format(
                start=when, end=format_date_weekday(item.due_max, with_year)
            )
        table = "passed" if item.passed else "dated"
        line = str(entry("deadline", table, item.kind)).format(
            outcome=item.outcome, when=when, approx=approx
        )
    if item.note and with_note:
        line += str(entry("deadline", "note")).format(note=item.note)
    if not item.covered:
        years = [d.year for d in (item.due, item.due_max) if d is not None]
        line += fallback_note(years)
    if with_source:
        line += source_tag(item.citations or resolve_refs(item.source))
    return line


def caveat() -> str:
    """Rules change; general information, not legal advice."""
    return str(entry("caveat")).strip()


def format_number(value: float) -> str:
    """A sum of money as people write it: 899, 2697, 89.5 (no trailing .0)."""
    rounded = round(float(value), 2)
    return f"{rounded:.2f}".rstrip("0").rstrip(".")
