"""Case store: cases, drafts, their audit trail and the case snapshots, in SQLite or
PostgreSQL.

Usage::

    from bot.settings import load_settings
    from bot.store import CaseRepository, create_store_engine, default_case_db_url

    engine = create_store_engine(default_case_db_url(load_settings()))
    repo = CaseRepository(engine)   # schema: `python -m bot.migrate` first

Nothing connects at import time. The schema is owned by the Alembic migrations in
``migrations/`` (:mod:`bot.migrate`).
"""

from bot.store.engine import create_store_engine, default_case_db_url, is_postgresql
from bot.store.privacy import PiiMaskingFilter, mask_pii
from bot.store.repository import (
    CaseNotFoundError,
    CaseRepository,
    CaseStoreError,
    ConcurrentUpdateError,
    StaleCaseError,
)
from bot.store.snapshots import SnapshotStore
from bot.store.tables import AuditEntry, Case, Draft

__all__ = [
    "AuditEntry",
    "Case",
    "CaseNotFoundError",
    "CaseRepository",
    "CaseStoreError",
    "ConcurrentUpdateError",
    "Draft",
    "PiiMaskingFilter",
    "SnapshotStore",
    "StaleCaseError",
    "create_store_engine",
    "default_case_db_url",
    "is_postgresql",
    "mask_pii",
]
