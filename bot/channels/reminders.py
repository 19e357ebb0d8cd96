"""Reminders on the channels' side (the Rasa process): the widget's poll, the calendar file,
and the reminders held for a user's next message (WeChat past 48 hours without a template,
REST without a callback).

:class:`ReminderDesk` opens the reminder store lazily (the case store's database, from the
settings) and does its database work in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from sanic import response
from sanic.response import HTTPResponse

from bot.reminders.calendar import calendar_file, latest_calendar
from bot.reminders.runner import format_day_from_locale
from bot.reminders.store import Reminder, ReminderStore
from bot.reminders.texts import ReminderTexts, load_reminder_texts
from bot.store.tables import utcnow

ICS_NAME = "deadlines.ics"


class ReminderDesk:
    """What a channel needs of the reminders."""

    def __init__(self, store: ReminderStore | None = None,
                 texts: ReminderTexts | None = None,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._store, self._texts, self._clock = store, texts, clock
        self._format_day: Callable[[dt.date], str] | None = None

    @property
    def store(self) -> ReminderStore:
        if self._store is None:
            from bot.settings import load_settings
            from bot.store import create_store_engine, default_case_db_url

            self._store = ReminderStore(create_store_engine(
                default_case_db_url(load_settings())))
        return self._store

    @property
    def texts(self) -> ReminderTexts:
        if self._texts is None:
            self._texts = load_reminder_texts()
        return self._texts

    def _day(self, day: dt.date) -> str:
        if self._format_day is None:
            self._format_day = format_day_from_locale()
        return self._format_day(day)

    def _message(self, reminder: Reminder, late: bool) -> str:
        text = self.texts.late_message if late else self.texts.message
        return text.format(when=self._day(reminder.event_date), label=reminder.label)

    async def widget_poll(self, conversation_id: str) -> dict[str, Any]:
        """The reminders held for the widget (each handed over once) and its labels."""
        taken = await asyncio.to_thread(self.store.take_held, conversation_id)
        return {"reminders": [{"id": r.id, "text": self._message(r, late=False),
                               "date": r.event_date.isoformat()} for r in taken],
                "labels": dict(self.texts.widget)}

    async def held_texts(self, conversation_id: str) -> list[str]:
        """The reminders held for the user's next message, as texts (each once); none
        when the store cannot be read (the answer goes on)."""
        try:
            taken = await asyncio.to_thread(self.store.take_held, conversation_id)
        except Exception:  # noqa: BLE001 - the reminder stays held; the reply goes on
            return []
        return [self._message(r, late=True) for r in taken]

    def calendar_response(self, events: Iterable[Any], conversation_id: str) -> HTTPResponse:
        """The .ics of the latest dated limits the chat showed, or a JSON 404."""
        entries = latest_calendar(events)
        if not entries:
            return response.json({"error": "no_dates",
                                  "detail": "no dated limits were shown in this chat"},
                                 status=404)
        body = calendar_file(entries, conversation_id, self.texts.calendar, self._clock())
        return response.raw(body, content_type="text/calendar; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{ICS_NAME}"',
            "Cache-Control": "no-store"})
