"""What the actions share: the process's catalog and readers (built once), the clock
setting, and the case store (writes that never break a reply).

The turn's inputs are read from the tracker in ``actions/pipeline.py``; everything else a
turn does lives in :mod:`bot.turn`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from bot.catalog import Catalog, load_catalog
from bot.log_filters import install_log_filters
from bot.readers import Readers, build_readers
from bot.reminders.store import ReminderStore
from bot.rulebook import RuleBook
from bot.settings import load_settings
from bot.store import (
    CaseRepository,
    CaseStoreError,
    SnapshotStore,
    create_store_engine,
    default_case_db_url,
)
from bot.turn.context import ReminderAccess, Snapshots
from bot.understanding.lexicon import Lexicon
from bot.understanding.snapshot import Snapshot
from bot.uploads.store import UploadStore
from bot.uploads.store import upload_store as make_upload_store
from bot.wording import Wording

logger = logging.getLogger(__name__)

@lru_cache(maxsize=1)
def _mask_logs() -> None:
    """Mask phone and ID-card numbers and scrub URL secrets in this process's logs (once,
    on first use)."""
    install_log_filters()


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """Every data file of this process, validated together (once, on first use; the action
    server's start-up already did it)."""
    _mask_logs()
    return load_catalog()


@lru_cache(maxsize=1)
def readers() -> Readers:
    """The trained readers (knowledge retrieval, dialogue acts), built once per process;
    the action server's start-up already did it."""
    return build_readers(catalog())


def rulebook() -> RuleBook:
    """The validated rule book (from the catalog)."""
    return catalog().rulebook


def lexicon() -> Lexicon:
    """The validated understanding vocabularies (from the catalog)."""
    return catalog().lexicon


def words() -> Wording:
    """The locale's words (from the catalog)."""
    return catalog().wording


@lru_cache(maxsize=1)
def fixed_clock() -> datetime | None:
    """FIXED_CLOCK (tests and demos); None in normal use. Read once per process."""
    return load_settings().fixed_clock


def warm_up() -> None:
    """Read one made-up turn the way a real one is read (the case state, the readers, the
    case store's engine), so that what loads on first use loads before the first user."""
    from bot.understanding.conversation import turns_from_events
    from bot.understanding.state import derive_case_state

    text = catalog().wording.entry("warm_up")
    events = [{"event": "user", "text": text, "timestamp": 0.0,
               "parse_data": {"intent": {"name": "refund_refused", "confidence": 1.0}}}]
    turns = turns_from_events(events, rulebook().case_types(), fixed_clock())
    derive_case_state(turns, rulebook(), lexicon(), catalog().statutes, readers().role,
                      readers().safety_flags, readers().sum_kind)
    readers().answers(text)
    readers().role(text)
    try:
        snapshot_store().load("warm-up")
    except Exception as error:  # noqa: BLE001 - a store down or unmigrated: said on use
        logger.info("case store not ready at start-up: %s", error)


def action_workers() -> int:
    """ACTION_WORKERS: the threads turns run in."""
    return load_settings().action_workers


@lru_cache(maxsize=1)
def case_engine():
    """The case store's engine, created on first use from the settings."""
    _mask_logs()
    return create_store_engine(default_case_db_url(load_settings()))


@lru_cache(maxsize=1)
def case_repository() -> CaseRepository:
    """The case store (CASES_DB_URL, DB_URL or var/cases.db)."""
    return CaseRepository(case_engine())


class _RemindersOnUse:
    """The reminder store, opened when a turn uses it: a case store that is down fails that
    call (the turn says so), never the turn's start."""

    def __getattr__(self, name: str) -> Any:
        return getattr(ReminderStore(case_repository().engine), name)


def reminder_access() -> ReminderAccess:
    """The reminders (the case store's database) and the routes the settings open."""
    settings = load_settings()
    return ReminderAccess(_RemindersOnUse(),
                          wechat_template=bool(settings.wechat_template_id),
                          rest_callback=bool(settings.rest_callback_url),
                          wechat_api=bool(settings.wechat_app_id and settings.wechat_app_secret))


@lru_cache(maxsize=1)
def upload_store() -> UploadStore:
    """Where uploaded images are kept (UPLOAD_DIR, or the bucket of UPLOAD_S3_URL)."""
    return make_upload_store(load_settings())


@lru_cache(maxsize=1)
def snapshot_store() -> SnapshotStore:
    """Where the case snapshots live (the case store's database)."""
    return SnapshotStore(case_engine())


def snapshots(conversation_id: str) -> Snapshots:
    """Load and save the conversation's case snapshot; a store failure is logged and costs
    one whole derivation, never the reply."""

    def load() -> Snapshot | None:
        try:
            return snapshot_store().load(conversation_id)
        except Exception as error:  # noqa: BLE001 - a store down or unmigrated
            logger.warning("case snapshot unavailable: %s", error)
            return None

    def save(snapshot: Snapshot) -> None:
        try:
            snapshot_store().save(conversation_id, snapshot)
        except Exception as error:  # noqa: BLE001 - a store down or unmigrated
            logger.warning("case snapshot not kept: %s", error)

    return Snapshots(load, save)


def open_cases(conversation_id: str) -> list[Any]:
    """The conversation's open cases; none when the case store is unavailable (logged)."""
    try:
        return case_repository().open_cases(conversation_id)
    except Exception as error:  # noqa: BLE001 - the store being down is not the user's problem
        logger.warning("case store unavailable: %s", error)
        return []


def keep(write: Callable[[CaseRepository], Any]) -> None:
    """Run a case-store write; a storage failure is logged and never breaks the reply."""
    try:
        write(case_repository())
    except (CaseStoreError, ValueError, OSError) as error:
        logger.warning("case store write failed: %s", error)
    except Exception as error:  # noqa: BLE001 - e.g. a database that is down or unmigrated
        logger.warning("case store unavailable: %s", error)
