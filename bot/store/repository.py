"""Case storage: open/reuse cases, audited updates, key-date facts, drafts, deletion, purge.

Every write is safe with parallel writers to the same case (threads or processes):

* PostgreSQL: the write runs in one transaction that first locks the row with
  ``SELECT ... FOR UPDATE``, so read-modify-write sequences are serialised.
* SQLite (and any other backend): optimistic concurrency. The case is read, the change is
  computed, and ``UPDATE ... WHERE id = :id AND version = :read_version`` is run in a
  ``BEGIN IMMEDIATE`` transaction; when another writer got there first no row matches and
  the whole read-compute-write is retried (with jittered backoff).

Either way the change function passed to :meth:`CaseRepository.modify_case` always sees the
current row, so no change is lost. Methods return frozen dataclasses, never live rows.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.rulebook.names import ROLES
from bot.store.engine import wipe_sqlite_wal
from bot.store.retention import purge_cases
from bot.store.tables import (
    CASE_STATUSES,
    OPEN,
    AuditEntry,
    Case,
    Draft,
    audit_from_row,
    case_audit,
    case_from_row,
    case_snapshots,
    cases,
    draft_from_row,
    drafts,
    reminders,
    utcnow,
)

UPDATABLE_FIELDS = frozenset({"role", "order_number", "amount", "ladder_rung", "status"})
KEY_DATES_PREFIX = "key_dates."

ChangeFn = Callable[[Case], Mapping[str, Any]]


class CaseStoreError(Exception):
    """Base class of the store's errors."""


class CaseNotFoundError(CaseStoreError, LookupError):
    """No case with that id (never existed, deleted or purged)."""


class StaleCaseError(CaseStoreError):
    """``expected_version`` did not match: someone else changed the case first."""


class ConcurrentUpdateError(CaseStoreError):
    """An optimistic update kept conflicting and gave up after the retry budget."""


class CaseRepository:
    """Cases, their drafts and audit trail in the database behind ``engine``.

    ``engine`` should come from :func:`bot.store.engine.create_store_engine` (its SQLite
    set-up is what makes ``BEGIN IMMEDIATE`` and foreign keys work) and be migrated.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = utcnow,
        max_attempts: int = 50,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._max_attempts = max_attempts
        self._locking = engine.dialect.name == "postgresql"

    @property
    def engine(self) -> Engine:
        return self._engine

    # ---- reads ---------------------------------------------------------------------------

    def get_case(self, case_id: int) -> Case | None:
        """The case, or None when there is none with that id."""
        with self._engine.connect() as conn:
            return self._read(conn, case_id)

    def open_cases(self, conversation_id: str) -> list[Case]:
        """The conversation's open cases, oldest first."""
        query = (
            select(cases)
            .where(cases.c.conversation_id == conversation_id, cases.c.status == OPEN)
            .order_by(cases.c.created_at, cases.c.id)
        )
        with self._engine.connect() as conn:
            return [case_from_row(row) for row in conn.execute(query)]

    def latest_open_case(self, conversation_id: str, case_type: str | None = None) -> Case | None:
        """The most recently updated open case of the conversation (of ``case_type`` if given)."""
        query = select(cases).where(
            cases.c.conversation_id == conversation_id, cases.c.status == OPEN
        )
        if case_type is not None:
            query = query.where(cases.c.case_type == case_type)
        query = query.order_by(cases.c.updated_at.desc(), cases.c.id.desc()).limit(1)
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return case_from_row(row) if row is not None else None

    def drafts(self, case_id: int) -> list[Draft]:
        """The case's drafts, oldest first."""
        query = select(drafts).where(drafts.c.case_id == case_id).order_by(drafts.c.id)
        with self._engine.connect() as conn:
            return [draft_from_row(row) for row in conn.execute(query)]

    def audit_log(self, case_id: int) -> list[AuditEntry]:
        """The case's audit trail, oldest first."""
        query = select(case_audit).where(case_audit.c.case_id == case_id).order_by(case_audit.c.id)
        with self._engine.connect() as conn:
            return [audit_from_row(row) for row in conn.execute(query)]

    # ---- writes --------------------------------------------------------------------------

    def open_case(self, conversation_id: str, case_type: str, role: str | None = None) -> Case:
        """The conversation's open case of ``case_type``, created when there is none.

        A reused case keeps its facts; its role is filled in when it had none yet.
        """
        if not conversation_id or not case_type:
            raise ValueError("conversation_id and case_type are required")
        role = _check_role(role)
        for _ in range(self._max_attempts):
            existing = self.latest_open_case(conversation_id, case_type)
            if existing is not None:
                if role is not None and existing.role is None:
                    return self.modify_case(
                        existing.id, lambda c: {"role": role} if c.role is None else {}
                    )
                return existing
            now = self._clock()
            try:
                with self._write() as conn:
                    result = conn.execute(
                        insert(cases).values(
                            conversation_id=conversation_id, case_type=case_type, role=role,
                            order_number=None, amount=None, key_dates={}, ladder_rung=0,
                            status=OPEN, version=1, created_at=now, updated_at=now,
                        )
                    )
                    case = self._read(conn, result.inserted_primary_key[0])
                assert case is not None
                return case
            except IntegrityError:
                continue  # a parallel open_case created it first: reuse that one
            except OperationalError as error:
                if not _is_busy(error):
                    raise
                self._backoff(1)
        raise ConcurrentUpdateError(f"could not open a {case_type} case for {conversation_id}")

    def update_case(
        self, case_id: int, *, expected_version: int | None = None, **changes: Any
    ) -> Case:
        """Set fields (``role``, ``order_number``, ``amount``, ``ladder_rung``, ``status``).

        One audit row per field whose value actually changes. With ``expected_version`` the
        update is refused (:class:`StaleCaseError`) if the case changed since it was read.
        ``key_dates`` are changed with :meth:`set_fact`, which merges.
        """
        clean = _check_changes(changes)
        return self.modify_case(case_id, lambda _case: clean, expected_version=expected_version)

    def modify_case(
        self, case_id: int, change: ChangeFn, *, expected_version: int | None = None
    ) -> Case:
        """Atomic read-modify-write: ``change(current_case)`` returns the fields to set.

        ``change`` may be called more than once (on SQLite, after a conflict) and must not
        have side effects. Returns the case as written.
        """

        def compute(case: Case) -> dict[str, Any]:
            return _check_changes(change(case))

        return self._modify(case_id, compute, expected_version)

    def set_fact(self, case_id: int, key: str, value: date | str | None) -> Case:
        """Set ``key_dates[key]`` to an ISO date (None removes it); other keys are kept."""
        if not key or not isinstance(key, str):
            raise ValueError("key_dates key must be a non-empty string")
        iso = _iso_date(value)

        def compute(case: Case) -> dict[str, Any]:
            merged = dict(case.key_dates)
            if iso is None:
                merged.pop(key, None)
            else:
                merged[key] = iso
            return {"key_dates": merged}

        return self._modify(case_id, compute, None)

    def add_draft(self, case_id: int, tone: str, addressee: str, text: str) -> Draft:
        """Save a draft for the case."""
        if not tone or not addressee:
            raise ValueError("tone and addressee are required")
        with self._write() as conn:
            if self._read(conn, case_id) is None:
                raise CaseNotFoundError(case_id)
            result = conn.execute(
                insert(drafts).values(
                    case_id=case_id, tone=tone, addressee=addressee, text=text,
                    created_at=self._clock(),
                )
            )
            row = conn.execute(
                select(drafts).where(drafts.c.id == result.inserted_primary_key[0])
            ).one()
        return draft_from_row(row)

    def delete_conversation(self, conversation_id: str) -> int:
        """Delete the conversation's cases with their drafts, audit rows, case snapshot and
        reminders; returns #cases."""
        case_ids = select(cases.c.id).where(cases.c.conversation_id == conversation_id)
        with self._write() as conn:
            conn.execute(
                delete(case_audit).where(
                    or_(
                        case_audit.c.conversation_id == conversation_id,
                        case_audit.c.case_id.in_(case_ids),
                    )
                )
            )
            conn.execute(delete(drafts).where(drafts.c.case_id.in_(case_ids)))
            conn.execute(delete(case_snapshots).where(
                case_snapshots.c.conversation_id == conversation_id))
            conn.execute(delete(reminders).where(
                reminders.c.conversation_id == conversation_id))
            result = conn.execute(delete(cases).where(cases.c.conversation_id == conversation_id))
        wipe_sqlite_wal(self._engine)
        return result.rowcount

    def purge_older_than(self, days: float, now: datetime | None = None,
                         keep: Collection[str] = (), dry_run: bool = False) -> int:
        """Delete cases (with drafts and audit) and case snapshots not updated for ``days``
        days, in short batches, except those of the conversations in ``keep`` (still
        active); returns #cases (what would go, with ``dry_run``)."""
        if days < 0:
            raise ValueError("days must not be negative")
        now = now or self._clock()
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return purge_cases(self._engine, now - timedelta(days=days), keep, dry_run)

    # ---- internals -----------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction; on SQLite it takes the write lock up front (BEGIN IMMEDIATE)."""
        with self._engine.connect() as conn:
            conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    @staticmethod
    def _read(conn: Connection, case_id: int, *, lock: bool = False) -> Case | None:
        query = select(cases).where(cases.c.id == case_id)
        if lock:
            query = query.with_for_update()
        row = conn.execute(query).first()
        return case_from_row(row) if row is not None else None

    def _modify(
        self,
        case_id: int,
        compute: Callable[[Case], dict[str, Any]],
        expected_version: int | None,
    ) -> Case:
        if self._locking:
            return self._modify_locked(case_id, compute, expected_version)
        return self._modify_optimistic(case_id, compute, expected_version)

    def _modify_locked(
        self,
        case_id: int,
        compute: Callable[[Case], dict[str, Any]],
        expected_version: int | None,
    ) -> Case:
        with self._engine.begin() as conn:
            case = self._read(conn, case_id, lock=True)
            _check_current(case, case_id, expected_version)
            assert case is not None
            values, audit = self._diff(case, compute(case))
            if not values:
                return case
            conn.execute(
                update(cases)
                .where(cases.c.id == case_id)
                .values(**values, version=case.version + 1)
            )
            conn.execute(insert(case_audit), audit)
            written = self._read(conn, case_id)
        assert written is not None
        return written

    def _modify_optimistic(
        self,
        case_id: int,
        compute: Callable[[Case], dict[str, Any]],
        expected_version: int | None,
    ) -> Case:
        for attempt in range(self._max_attempts):
            case = self.get_case(case_id)
            _check_current(case, case_id, expected_version)
            assert case is not None
            values, audit = self._diff(case, compute(case))
            if not values:
                return case
            try:
                with self._write() as conn:
                    result = conn.execute(
                        update(cases)
                        .where(cases.c.id == case_id, cases.c.version == case.version)
                        .values(**values, version=case.version + 1)
                    )
                    if result.rowcount == 1:
                        conn.execute(insert(case_audit), audit)
                        written = self._read(conn, case_id)
                        assert written is not None
                        return written
            except OperationalError as error:
                if not _is_busy(error):
                    raise
            self._backoff(attempt)
        raise ConcurrentUpdateError(
            f"case {case_id}: still conflicting after {self._max_attempts} attempts"
        )

    def _diff(self, case: Case, changes: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict]]:
        """Column values to write and audit rows, for the fields that really change."""
        now = self._clock()
        values: dict[str, Any] = {}
        audit: list[dict[str, Any]] = []

        def log(field: str, old: Any, new: Any) -> None:
            audit.append({
                "case_id": case.id, "conversation_id": case.conversation_id, "field": field,
                "old_value": _audit_text(old), "new_value": _audit_text(new), "changed_at": now,
            })

        for name, new in changes.items():
            if name == "key_dates":
                old_dates = case.key_dates
                if new == old_dates:
                    continue
                for key in sorted(set(old_dates) | set(new)):
                    if old_dates.get(key) != new.get(key):
                        log(KEY_DATES_PREFIX + key, old_dates.get(key), new.get(key))
                values["key_dates"] = dict(new)
                continue
            old = getattr(case, name)
            if old == new:
                continue
            values[name] = new
            log(name, old, new)
        if values:
            values["updated_at"] = now
        return values, audit

    @staticmethod
    def _backoff(attempt: int) -> None:
        time.sleep(random.uniform(0, min(0.05, 0.001 * 2 ** min(attempt, 6))))


def _check_current(case: Case | None, case_id: int, expected_version: int | None) -> None:
    if case is None:
        raise CaseNotFoundError(case_id)
    if expected_version is not None and case.version != expected_version:
        raise StaleCaseError(
            f"case {case_id} is at version {case.version}, expected {expected_version}"
        )


def _check_role(role: str | None) -> str | None:
    if role is not None and role not in ROLES:
        raise ValueError(f"role must be one of {ROLES} or None, not {role!r}")
    return role


def _check_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise update_case fields (``key_dates`` is internal to set_fact)."""
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"cannot update {sorted(unknown)}; allowed: {sorted(UPDATABLE_FIELDS)}")
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "role":
            clean[name] = _check_role(value)
        elif name == "status":
            if value not in CASE_STATUSES:
                raise ValueError(f"status must be one of {CASE_STATUSES}, not {value!r}")
            clean[name] = value
        elif name == "ladder_rung":
            clean[name] = _rung(value)
        else:  # order_number, amount: user facts kept as given
            clean[name] = _fact_text(value)
    return clean


def _rung(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("ladder_rung must be an integer")
    if isinstance(value, float) and value.is_integer():  # Rasa float slots
        value = int(value)
    if not isinstance(value, int) or value < 0:
        raise ValueError(f"ladder_rung must be a non-negative integer, not {value!r}")
    return value


def _fact_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected text, got {type(value).__name__}")


def _iso_date(value: date | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        raise ValueError("key_dates hold dates, not datetimes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValueError(f"key_dates values must be ISO dates (YYYY-MM-DD), not {value!r}")


def _audit_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _is_busy(error: OperationalError) -> bool:
    message = str(error.orig).lower()
    return "locked" in message or "busy" in message
