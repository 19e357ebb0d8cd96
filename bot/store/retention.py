"""Retention: delete what nobody touched for N days, in short batches, never what is live.

Both stores are purged batch by batch, each batch in its own short transaction retried a
few times when the database is busy (a live SQLite store keeps answering between batches).
A case is kept while its conversation is still active, whatever the case's own age.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot.store.engine import wipe_sqlite_wal
from bot.store.tables import case_audit, case_snapshots, cases, drafts, reminders

BATCH = 200
BUSY_RETRIES = 5
T = TypeVar("T")


def batches(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def busy(error: OperationalError) -> bool:
    """Whether the database only was busy (locked), so the batch can be tried again."""
    text = str(error).lower()
    return "locked" in text or "busy" in text or "could not obtain lock" in text


def with_busy_retries(work: Callable[[], T], retries: int = BUSY_RETRIES,
                      pause: Callable[[float], None] = time.sleep) -> T:
    """Run ``work`` (one short transaction), again after a short pause when the database
    was busy, at most ``retries`` more times."""
    for attempt in range(retries + 1):
        try:
            return work()
        except OperationalError as error:
            if attempt == retries or not busy(error):
                raise
            pause(random.uniform(0.05, 0.2) * (attempt + 1))
    raise AssertionError("unreachable")


def old_case_ids(engine: Engine, cutoff, keep: Collection[str] = ()) -> list[int]:
    """Ids of the cases not updated since ``cutoff`` whose conversation is not in ``keep``."""
    with engine.connect() as conn:
        rows = conn.execute(select(cases.c.id, cases.c.conversation_id)
                            .where(cases.c.updated_at < cutoff)).all()
    kept = set(keep)
    return [row[0] for row in rows if row[1] not in kept]


def purge_cases(engine: Engine, cutoff, keep: Collection[str] = (), dry_run: bool = False
                ) -> int:
    """Delete the old cases (with drafts and audit) and old case snapshots, except those of
    the conversations in ``keep``; returns #cases (what would go, with ``dry_run``)."""
    ids = old_case_ids(engine, cutoff, keep)
    if dry_run:
        return len(ids)
    for chunk in batches(ids):
        def drop(chunk: Sequence[int] = chunk) -> None:
            with engine.connect() as conn:
                conn.execution_options(sqlite_begin="IMMEDIATE")
                with conn.begin():
                    conn.execute(delete(case_audit).where(case_audit.c.case_id.in_(chunk)))
                    conn.execute(delete(drafts).where(drafts.c.case_id.in_(chunk)))
                    conn.execute(delete(cases).where(cases.c.id.in_(chunk)))
        with_busy_retries(drop)
    with engine.connect() as conn:
        stale = [row[0] for row in conn.execute(
            select(case_snapshots.c.conversation_id)
            .where(case_snapshots.c.updated_at < cutoff)).all() if row[0] not in set(keep)]
    for names in batches(stale):
        def forget(names: Sequence[str] = names) -> None:
            with engine.begin() as conn:
                conn.execute(delete(case_snapshots)
                             .where(case_snapshots.c.conversation_id.in_(names)))
        with_busy_retries(forget)
    purge_reminders(engine, cutoff, keep)
    wipe_sqlite_wal(engine)
    return len(ids)



def purge_reminders(engine: Engine, cutoff, keep: Collection[str] = ()) -> int:
    """Delete the reminders of conversations that no longer have a case or a reminder
    newer than ``cutoff`` (and are not in ``keep``); returns #reminders."""
    kept = set(keep)
    with engine.connect() as conn:
        live = {row[0] for row in conn.execute(
            select(cases.c.conversation_id).where(cases.c.updated_at >= cutoff)).all()}
        rows = conn.execute(select(reminders.c.conversation_id,
                                   func.max(reminders.c.created_at))
                            .group_by(reminders.c.conversation_id)).all()
    stale = [conversation for conversation, newest in rows
             if newest < cutoff and conversation not in kept and conversation not in live]
    removed = 0
    for chunk in batches(stale):
        def drop(chunk: Sequence[str] = chunk) -> int:
            with engine.begin() as conn:
                return conn.execute(delete(reminders).where(
                    reminders.c.conversation_id.in_(chunk))).rowcount
        removed += with_busy_retries(drop)
    return removed
