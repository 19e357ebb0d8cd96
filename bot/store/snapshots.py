"""Where the case snapshots live: one row per conversation in the case store's database.

:class:`SnapshotStore` loads and saves a conversation's
:class:`~bot.understanding.snapshot.Snapshot`. The rows are a cache of the derivation: a
failed read or write costs one whole derivation, never the turn (the caller logs it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from bot.store.engine import wipe_sqlite_wal
from bot.store.tables import case_snapshots, utcnow
from bot.understanding.snapshot import Snapshot


class SnapshotStore:
    """Load and save the case snapshot of a conversation."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine, self._clock = engine, clock

    def load(self, conversation_id: str) -> Snapshot | None:
        """The conversation's snapshot, or None."""
        with self._engine.connect() as conn:
            row = conn.execute(select(case_snapshots).where(
                case_snapshots.c.conversation_id == conversation_id)).first()
        if row is None:
            return None
        m = row._mapping
        return Snapshot(turns=int(m["turns"]), digest=str(m["digest"]), state=str(m["state"]))

    def save(self, conversation_id: str, snapshot: Snapshot) -> None:
        """Keep ``snapshot`` as the conversation's (replacing the one before)."""
        values = {"turns": snapshot.turns, "digest": snapshot.digest, "state": snapshot.state,
                  "updated_at": self._clock()}
        with self._engine.connect() as conn:
            conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                changed = conn.execute(update(case_snapshots).where(
                    case_snapshots.c.conversation_id == conversation_id).values(**values))
                if not changed.rowcount:
                    conn.execute(insert(case_snapshots).values(
                        conversation_id=conversation_id, **values))

    def delete(self, conversation_id: str) -> None:
        """Forget the conversation's snapshot."""
        with self._engine.connect() as conn, conn.begin():
            conn.execute(delete(case_snapshots).where(
                case_snapshots.c.conversation_id == conversation_id))
        wipe_sqlite_wal(self._engine)
