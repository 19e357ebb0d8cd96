"""Reminders in the case store's database (table ``reminders``, migration 0004).

:class:`ReminderStore` sets, lists and cancels a conversation's reminders, and hands the
ones held for a channel (shown when the user comes back, or at the next message) to it
once: moving a row from ``held`` to ``shown`` is one conditional update, so two tabs or two
replicas never both show it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection, Engine

from bot.reminders.plan import Planned
from bot.store.tables import reminders, utcnow

PENDING, CLAIMED, SENT, HELD, SHOWN, CANCELLED = (
    "pending", "claimed", "sent", "held", "shown", "cancelled")


@dataclass(frozen=True)
class Reminder:
    """One stored reminder."""

    id: int
    conversation_id: str
    channel: str
    due_at: dt.datetime
    event_date: dt.date
    label: str
    status: str
    via: str | None = None


def reminder_from_row(row: Any) -> Reminder:
    """A :class:`Reminder` from a ``reminders`` result row."""
    m = row._mapping
    return Reminder(id=m["id"], conversation_id=m["conversation_id"], channel=m["channel"],
                    due_at=m["due_at"], event_date=dt.date.fromisoformat(m["event_date"]),
                    label=m["label"], status=m["status"], via=m["via"])


class ReminderStore:
    """Set, list, cancel and hand over a conversation's reminders."""

    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._engine, self._clock = engine, clock

    @property
    def engine(self) -> Engine:
        return self._engine

    def add(self, conversation_id: str, channel: str, planned: Iterable[Planned]
            ) -> list[Reminder]:
        """Store the planned reminders (one already pending at the same time for the same
        line is kept, not doubled); returns the conversation's pending reminders."""
        wanted = list(planned)
        with self._engine.connect() as conn:
            conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                have = {(r.due_at, r.label) for r in self._pending(conn, conversation_id)}
                for item in wanted:
                    if (item.due_at.astimezone(dt.UTC), item.label) in have:
                        continue
                    conn.execute(insert(reminders).values(
                        conversation_id=conversation_id, channel=channel, due_at=item.due_at,
                        event_date=item.event_date.isoformat(), label=item.label,
                        status=PENDING, created_at=self._clock()))
        return self.pending(conversation_id)

    def pending(self, conversation_id: str) -> list[Reminder]:
        """The conversation's reminders still to come, soonest first."""
        with self._engine.connect() as conn:
            return self._pending(conn, conversation_id)

    @staticmethod
    def _pending(conn: Connection, conversation_id: str) -> list[Reminder]:
        rows = conn.execute(select(reminders).where(and_(
            reminders.c.conversation_id == conversation_id, reminders.c.status == PENDING))
            .order_by(reminders.c.due_at, reminders.c.id)).all()
        return [reminder_from_row(row) for row in rows]

    def cancel(self, conversation_id: str, ids: Iterable[int] | None = None) -> int:
        """Cancel the conversation's pending reminders (only ``ids`` when given)."""
        where = [reminders.c.conversation_id == conversation_id, reminders.c.status == PENDING]
        if ids is not None:
            where.append(reminders.c.id.in_(list(ids)))
        with self._engine.begin() as conn:
            return conn.execute(update(reminders).where(and_(*where))
                                .values(status=CANCELLED)).rowcount

    def take_held(self, conversation_id: str) -> list[Reminder]:
        """The conversation's reminders held for it (due, waiting for the user), each
        handed over once: they are marked shown."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(reminders).where(and_(
                reminders.c.conversation_id == conversation_id, reminders.c.status == HELD))
                .order_by(reminders.c.due_at, reminders.c.id)).all()
        taken = []
        for reminder in (reminder_from_row(row) for row in rows):
            with self._engine.begin() as conn:
                moved = conn.execute(update(reminders).where(and_(
                    reminders.c.id == reminder.id, reminders.c.status == HELD))
                    .values(status=SHOWN, sent_at=self._clock())).rowcount
            if moved:
                taken.append(reminder)
        return taken

    def get(self, reminder_id: int) -> Reminder | None:
        """One reminder by id."""
        with self._engine.connect() as conn:
            row = conn.execute(select(reminders).where(reminders.c.id == reminder_id)).first()
        return None if row is None else reminder_from_row(row)
