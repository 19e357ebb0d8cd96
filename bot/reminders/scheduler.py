"""The scheduler: claim each due reminder once, deliver it, record how.

:func:`due` claims the reminders due at ``now`` (``pending`` → ``claimed``) so that several
runners (one per replica) never take the same row: on PostgreSQL with ``SELECT … FOR UPDATE
SKIP LOCKED``; elsewhere under a single-runner lock (Redis ``SET NX`` when a Redis client is
given) inside a SQLite ``BEGIN IMMEDIATE`` transaction. The claim itself is a conditional
update (``WHERE status = 'pending'``), so a row is claimed once even without the lock.
:func:`run_once` delivers what it claimed and records the outcome (``sent`` or ``held``,
and ``via``). The clock is passed in: tests fix it.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.engine import Connection, Engine

from bot.reminders.store import CLAIMED, HELD, PENDING, Reminder, reminder_from_row
from bot.store.tables import reminders

logger = logging.getLogger(__name__)

BATCH = 50
LOCK_KEY = "guide:reminders:runner"
LOCK_SECONDS = 30

Outcome = tuple[str, str]  # (status: sent / held, via)
Deliver = Callable[[Reminder, dt.datetime], Outcome]


class RedisRunnerLock:
    """One runner at a time across replicas: ``SET key token NX EX``; released only by
    its holder (compare and delete)."""

    _RELEASE = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
                "return redis.call('del', KEYS[1]) else return 0 end")

    def __init__(self, client: Any, key: str = LOCK_KEY, seconds: int = LOCK_SECONDS) -> None:
        self._client, self._key, self._seconds = client, key, seconds

    @contextmanager
    def hold(self) -> Iterator[bool]:
        """Yields True when this runner holds the lock (False: another one does)."""
        token = secrets.token_hex(16)
        held = bool(self._client.set(self._key, token, nx=True, ex=self._seconds))
        try:
            yield held
        finally:
            if held:
                self._client.eval(self._RELEASE, 1, self._key, token)


def _claim(conn: Connection, ids: list[int]) -> list[int]:
    """The ids of ``ids`` this call moved from pending to claimed."""
    won = []
    for reminder_id in ids:
        moved = conn.execute(update(reminders).where(and_(
            reminders.c.id == reminder_id, reminders.c.status == PENDING))
            .values(status=CLAIMED)).rowcount
        if moved:
            won.append(reminder_id)
    return won


def _due_query(now: dt.datetime, batch: int) -> Any:
    return (select(reminders)
            .where(and_(reminders.c.status == PENDING, reminders.c.due_at <= now))
            .order_by(reminders.c.due_at, reminders.c.id).limit(batch))


def due(engine: Engine, now: dt.datetime, lock: RedisRunnerLock | None = None,
        batch: int = BATCH) -> list[Reminder]:
    """Claim the reminders due at ``now`` (at most ``batch``); each is returned to one
    caller only, whatever the number of runners."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            rows = conn.execute(_due_query(now, batch).with_for_update(skip_locked=True)).all()
            found = [reminder_from_row(row) for row in rows]
            won = set(_claim(conn, [r.id for r in found]))
        return [r for r in found if r.id in won]
    if lock is not None:
        with lock.hold() as held:
            return _claim_locally(engine, now, batch) if held else []
    return _claim_locally(engine, now, batch)


def _claim_locally(engine: Engine, now: dt.datetime, batch: int) -> list[Reminder]:
    """Select and claim in one write transaction (SQLite: ``BEGIN IMMEDIATE``, the
    database's own single-writer lock)."""
    with engine.connect() as conn:
        conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            found = [reminder_from_row(row) for row in conn.execute(_due_query(now, batch))]
            won = set(_claim(conn, [r.id for r in found]))
    return [r for r in found if r.id in won]


def finish(engine: Engine, reminder_id: int, outcome: Outcome, now: dt.datetime) -> None:
    """Record how a claimed reminder went."""
    status, via = outcome
    with engine.begin() as conn:
        conn.execute(update(reminders).where(and_(
            reminders.c.id == reminder_id, reminders.c.status == CLAIMED))
            .values(status=status, via=via, sent_at=now))


def run_once(engine: Engine, now: dt.datetime, deliver: Deliver,
             lock: RedisRunnerLock | None = None) -> list[tuple[Reminder, Outcome]]:
    """Claim what is due at ``now`` and deliver each once; a delivery that fails is held
    for the user's next visit or message (never lost, never sent twice)."""
    done = []
    for reminder in due(engine, now, lock):
        try:
            outcome = deliver(reminder, now)
        except Exception as error:  # noqa: BLE001 - held, and the next one goes on
            logger.warning("reminder %s: delivery failed (%s); held for the next message",
                           reminder.id, type(error).__name__)
            outcome = (HELD, "next_message")
        finish(engine, reminder.id, outcome, now)
        done.append((reminder, outcome))
    return done
