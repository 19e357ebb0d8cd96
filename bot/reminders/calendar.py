"""The calendar file of a case's dated limits (``icalendar``): one all-day event per limit,
each with an alarm the day before at 09:00 (``TRIGGER:-PT15H`` from the day's start).

The dates come from the chat: the assistant's message that showed the limits carries them
in its ``custom`` mark (``{"calendar": [{"date": "2026-11-27", "title": "…"}]}``,
:data:`CALENDAR_MARK`); the file is made on request from the latest such message of the
conversation, so it carries exactly the dates the chat showed and nothing outlives the
conversation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from icalendar import Alarm, Calendar, Event

CALENDAR_MARK = "calendar"  # the custom mark of a message that showed dated limits
REMINDED_MARK = "reminded"  # beside it: the reminders were just set (no "remind me" button)
ALARM_BEFORE = dt.timedelta(hours=15)  # from the day's 00:00: the day before at 09:00
PRODID = "-//complaint-guide//reminders//ZH"


def calendar_entries(limits: Iterable[tuple[dt.date, str]]) -> list[dict[str, str]]:
    """The mark's entries for dated limits (date, title), in date order, each once."""
    seen, entries = set(), []
    for day, title in sorted(limits, key=lambda item: (item[0], item[1])):
        if (day, title) not in seen:
            seen.add((day, title))
            entries.append({"date": day.isoformat(), "title": title})
    return entries


def latest_calendar(events: Iterable[Any]) -> list[dict[str, str]] | None:
    """The entries of the latest message with a calendar mark in these (Rasa) events."""
    found = None
    for event in events:
        custom = (getattr(event, "data", None) or {}).get("custom")
        if getattr(event, "type_name", None) == "bot" and isinstance(custom, dict) \
                and isinstance(custom.get(CALENDAR_MARK), list) and custom[CALENDAR_MARK]:
            found = custom[CALENDAR_MARK]
    return found


def _uid(conversation_id: str, day: str, title: str) -> str:
    digest = hashlib.sha256(f"{conversation_id}|{day}|{title}".encode()).hexdigest()[:24]
    return f"{digest}@complaint-guide"


def calendar_file(entries: Sequence[Mapping[str, str]], conversation_id: str,
                  texts: Mapping[str, str], now: dt.datetime) -> bytes:
    """The .ics bytes: an all-day event per entry with its alarm. ``texts``: the calendar's
    name and the alarm line (``data/channels/reminders.yml``)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", texts["name"])
    for entry in entries:
        day = dt.date.fromisoformat(str(entry["date"]))
        title = str(entry["title"])
        event = Event()
        event.add("uid", _uid(conversation_id, day.isoformat(), title))
        event.add("dtstamp", now.astimezone(dt.UTC))
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("summary", title)
        event.add("transp", "TRANSPARENT")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", texts["alarm"].format(label=title))
        alarm.add("trigger", -ALARM_BEFORE)
        event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()
