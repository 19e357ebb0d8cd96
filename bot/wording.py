"""Display strings built from ``data/locale/zh.yml`` (dates, labels, deadline lines).

No user-facing text lives here: every word comes from the locale file, and a case type's
label from its folder. One :class:`Wording` is built with the catalog and passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from bot.citing import Citing

if TYPE_CHECKING:  # pragma: no cover
    from bot.guidance import DeadlineItem


def format_number(value: float) -> str:
    """A sum of money as people write it: 899, 2697, 89.5 (no trailing .0)."""
    rounded = round(float(value), 2)
    return f"{rounded:.2f}".rstrip("0").rstrip(".")


class Wording(Citing):
    """The locale's words: labels, dates, limits and citations."""

    def __init__(self, locale: Mapping[str, Any], case_labels: Mapping[str, str]) -> None:
        super().__init__(locale)
        self.locale = locale
        self._case_labels = dict(case_labels)

    def entry(self, *keys: str) -> Any:
        """A nested locale entry, e.g. ``entry("deadline", "dated", "opens")``."""
        node: Any = self.locale
        for key in keys:
            if not isinstance(node, Mapping) or key not in node:
                raise KeyError(f"locale has no entry {'.'.join(keys)}")
            node = node[key]
        return node

    def piece(self, section: str, key: str, **values: Any) -> str:
        """A locale text of ``section`` with its fields filled in."""
        return str(self.entry(section, key)).format(**values)

    def label(self, kind: str, value: str) -> str:
        """The Chinese label of a slot value, e.g. ``label("order_status", "completed")``; a
        case type's label comes from its folder (``data/cases/<case_type>/case.yml``)."""
        if kind == "case_type":
            if value not in self._case_labels:
                raise KeyError(f"no case folder {value!r}")
            return self._case_labels[value]
        return str(self.entry("labels", kind, value))

    def weekday_name(self, index: int) -> str:
        """Weekday name for ``date.weekday()`` (0 = Monday)."""
        return str(self.entry("weekdays")[index])

    def format_date(self, day: dt.date, with_year: bool = False) -> str:
        """A date in the locale's month-day format (or with the year)."""
        key = "date_with_year" if with_year else "date"
        return str(self.entry(key)).format(year=day.year, month=day.month, day=day.day)

    def format_date_weekday(self, day: dt.date, with_year: bool = False,
                            at: dt.time | None = None) -> str:
        """A date with its weekday, and the time of day when given."""
        date_text = self.format_date(day, with_year)
        weekday = self.weekday_name(day.weekday())
        if at is not None:
            return str(self.entry("date_weekday_time")).format(
                date=date_text, weekday=weekday, hour=at.hour, minute=at.minute)
        return str(self.entry("date_weekday")).format(date=date_text, weekday=weekday)

    def format_menu_path(self, items: Iterable[str]) -> str:
        """Menu items joined with arrows."""
        return str(self.entry("path_separator")).join(items)

    def join_list(self, items: Iterable[str]) -> str:
        """Items joined with the Chinese enumeration comma."""
        return str(self.entry("list_separator")).join(items)

    def format_amount(self, item: DeadlineItem) -> str:
        """The length of a limit: approx prefix, amount or range, unit label."""
        approx = self.entry("approx") if item.approximate else ""
        unit = self.entry("units", item.unit)
        if item.amount_max is not None and item.amount_max != item.amount:
            return str(self.entry("amount_range")).format(
                approx=approx, amount=item.amount, amount_max=item.amount_max, unit=unit)
        return str(self.entry("amount")).format(approx=approx, amount=item.amount, unit=unit)

    def fallback_note(self, years: Iterable[int]) -> str:
        """Note for dates beyond the holiday calendar (only weekends were excluded)."""
        return str(self.entry("deadline", "uncovered")).format(
            years=self.join_list(str(y) for y in sorted(set(years))))

    def format_deadline(self, item: DeadlineItem, today: dt.date | None = None,
                        with_note: bool = True, with_source: bool = True) -> str:
        """One line for a time limit: dated when possible, always with its source.

        The year is shown when ``today`` is not given or the date falls in another year.
        """
        approx = self.entry("approx") if item.approximate else ""
        if item.due is None:
            line = str(self.entry("deadline", "undated", item.kind)).format(
                outcome=item.outcome, counts_from=item.counts_from_label,
                amount=self.format_amount(item))
        else:
            latest = item.due_max or item.due
            with_year = (today is None or item.due.year != today.year
                         or latest.year != today.year)
            when = self.format_date_weekday(item.due, with_year, item.due_time)
            if item.due_max is not None:
                when = str(self.entry("date_range")).format(
                    start=when, end=self.format_date_weekday(item.due_max, with_year))
            table = "passed" if item.passed else "dated"
            line = str(self.entry("deadline", table, item.kind)).format(
                outcome=item.outcome, when=when, approx=approx)
        if item.note and with_note:
            line += str(self.entry("deadline", "note")).format(note=item.note)
        if not item.covered:
            years = [d.year for d in (item.due, item.due_max) if d is not None]
            line += self.fallback_note(years)
        if with_source:
            line += self.source_tag(item.citations)
        return line

    def caveat(self) -> str:
        """Rules change; general information, not legal advice."""
        return str(self.entry("caveat")).strip()

    format_number = staticmethod(format_number)
