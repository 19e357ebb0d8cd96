"""Delete conversations and cases nobody touched for N days: `make purge DAYS=N`.

Conversations live in Rasa's SQL tracker store (table ``events`` at ``DB_URL``); a
conversation is removed whole when its newest event is older than the cut-off. Cases,
drafts, their audit, case snapshots and reminders go through
:meth:`CaseRepository.purge_older_than`,
except those of conversations still active. Both go in short batches (bot.store.retention);
``--dry-run`` only counts; fewer than MIN_DAYS days need ``--force``.
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
from bot.store.retention import batches, with_busy_retries
from bot.uploads.store import upload_store

SECONDS_PER_DAY = 86_400
MIN_DAYS = 7  # fewer days only with --force: a purge that young deletes live conversations


@dataclass(frozen=True)
class PurgeResult:
    conversations: int
    events: int
    cases: int
    dry_run: bool = False
    uploads: int = 0  # uploaded images of the deleted conversations


def conversation_ages(engine: Engine, days: float, now: float | None = None
                      ) -> tuple[list[str], list[str]]:
    """(old, active): the conversations whose newest event is older than ``days``, and the
    others. A store without an ``events`` table (nothing was ever said) has neither."""
    if days < 0:
        raise ValueError("days must not be negative")
    if not inspect(engine).has_table("events"):
        return [], []
    events = Table("events", MetaData(), autoload_with=engine)
    cutoff = (time.time() if now is None else now) - days * SECONDS_PER_DAY
    newest = select(events.c.sender_id, func.max(events.c.timestamp)).group_by(
        events.c.sender_id)
    with engine.connect() as connection:
        rows = connection.execute(newest).all()
    return ([sender for sender, last in rows if last < cutoff],
            [sender for sender, last in rows if last >= cutoff])


def purge_conversations(engine: Engine, days: float, now: float | None = None,
                        dry_run: bool = False) -> tuple[int, int]:
    """Delete every conversation whose newest event is older than ``days``, a batch of
    conversations per short transaction (retried while the database is busy).

    Returns (conversations, events) deleted (what would go, with ``dry_run``).
    """
    old, _active = conversation_ages(engine, days, now)
    if not old:
        return 0, 0
    events = Table("events", MetaData(), autoload_with=engine)
    if dry_run:
        with engine.connect() as connection:
            total = sum(connection.execute(select(func.count()).select_from(events).where(
                events.c.sender_id.in_(chunk))).scalar_one() for chunk in batches(old))
        return len(old), int(total)
    removed = 0
    for chunk in batches(old):
        def drop(chunk=chunk) -> int:
            with engine.begin() as connection:
                return connection.execute(
                    delete(events).where(events.c.sender_id.in_(chunk))).rowcount
        removed += with_busy_retries(drop)
    wipe_sqlite_wal(engine)  # with secure_delete on (the engine's set-up): no copy left
    return len(old), removed


def purge(days: float, settings: Settings | None = None, dry_run: bool = False
          ) -> PurgeResult:
    """Purge the tracker store and the case store named by the settings; a case whose
    conversation is still active stays, whatever its own age."""
    settings = settings or load_settings()
    tracker_engine = create_store_engine(settings.db_url)
    old, active = conversation_ages(tracker_engine, days)
    conversations, events = purge_conversations(tracker_engine, days, dry_run=dry_run)
    repo = CaseRepository(create_store_engine(default_case_db_url(settings)))
    cases = repo.purge_older_than(days, keep=active, dry_run=dry_run)
    images = upload_store(settings)
    uploads = sum(images.count(conversation) if dry_run
                  else images.delete_conversation(conversation) for conversation in old)
    return PurgeResult(conversations=conversations, events=events, cases=cases,
                       dry_run=dry_run, uploads=uploads)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, required=True, help="keep the last N days")
    parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    parser.add_argument("--force", action="store_true",
                        help=f"allow fewer than {MIN_DAYS} days")
    args = parser.parse_args(argv)
    if args.days < 0:
        parser.error("--days must not be negative")
    if args.days < MIN_DAYS and not args.force:
        parser.error(f"--days {args.days:g} would delete live conversations; "
                     f"use at least {MIN_DAYS}, or add --force")
    result = purge(args.days, dry_run=args.dry_run)
    verb = "would be deleted (dry run)" if result.dry_run else "deleted"
    print(f"purge: {result.conversations} conversation(s) ({result.events} events, "
          f"{result.uploads} uploaded image(s)) and {result.cases} case(s) older than "
          f"{args.days:g} days {verb}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
