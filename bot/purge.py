"""Delete conversations and cases nobody touched for N days: `make purge DAYS=N`.

Conversations live in Rasa's SQL tracker store (table ``events`` at ``DB_URL``); a
conversation is removed whole when its newest event is older than the cut-off. Cases,
drafts and their audit go through :meth:`CaseRepository.purge_older_than`.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

from sqlalchemy import MetaData, Table, delete, func, inspect, select
from sqlalchemy.engine import Engine

from bot.settings import Settings, load_settings
from bot.store import CaseRepository, create_store_engine, default_case_db_url
from bot.store.engine import wipe_sqlite_wal

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class PurgeResult:
    conversations: int
    events: int
    cases: int


def purge_conversations(engine: Engine, days: float, now: float | None = None) -> tuple[int, int]:
    """Delete every conversation whose newest event is older than ``days``.

    Returns (conversations, events) deleted. A store without an ``events`` table (nothing
    was ever said) is left alone.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    if not inspect(engine).has_table("events"):
        return 0, 0
    events = Table("events", MetaData(), autoload_with=engine)
    cutoff = (time.time() if now is None else now) - days * SECONDS_PER_DAY
    newest = (
        select(events.c.sender_id)
        .group_by(events.c.sender_id)
        .having(func.max(events.c.timestamp) < cutoff)
    )
    with engine.begin() as connection:
        senders = [row[0] for row in connection.execute(newest)]
        removed = 0
        for start in range(0, len(senders), 500):
            chunk = senders[start:start + 500]
            removed += connection.execute(
                delete(events).where(events.c.sender_id.in_(chunk))
            ).rowcount
    wipe_sqlite_wal(engine)  # with secure_delete on (the engine's set-up): no copy left
    return len(senders), removed


def purge(days: float, settings: Settings | None = None) -> PurgeResult:
    """Purge the tracker store and the case store named by the settings."""
    settings = settings or load_settings()
    tracker_engine = create_store_engine(settings.db_url)
    conversations, events = purge_conversations(tracker_engine, days)
    repo = CaseRepository(create_store_engine(default_case_db_url(settings)))
    cases = repo.purge_older_than(days)
    return PurgeResult(conversations=conversations, events=events, cases=cases)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, required=True, help="keep the last N days")
    args = parser.parse_args(argv)
    if args.days < 0:
        parser.error("--days must not be negative")
    result = purge(args.days)
    print(f"purge: {result.conversations} conversation(s) ({result.events} events) and "
          f"{result.cases} case(s) older than {args.days:g} days deleted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
