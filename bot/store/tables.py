"""Table definitions (SQLAlchemy Core) and the plain records the repository returns.

The schema itself is created and changed only by the Alembic migrations in ``migrations/``;
these ``Table`` objects describe it for queries (and for the drift test).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

CASE_STATUSES = ("open", "closed")
OPEN = "open"
CLOSED = "closed"

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC timestamp on every backend (SQLite stores no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(tz=UTC)


JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("role", sa.String(16), nullable=True),
    sa.Column("case_type", sa.String(64), nullable=False),
    sa.Column("order_number", sa.String(64), nullable=True),
    sa.Column("amount", sa.String(64), nullable=True),
    sa.Column("key_dates", JSONType, nullable=False),
    sa.Column("ladder_rung", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("status", sa.String(16), nullable=False, server_default=OPEN),
    sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False, index=True),
    sa.CheckConstraint("status IN ('open', 'closed')", name="status"),
    sa.CheckConstraint("version >= 1", name="version"),
    # At most one open case per (conversation, case type): open_case relies on it.
    sa.Index(
        "uq_cases_open_conversation_type",
        "conversation_id",
        "case_type",
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
        sqlite_where=sa.text("status = 'open'"),
    ),
)

drafts = sa.Table(
    "drafts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "case_id",
        sa.Integer,
        sa.ForeignKey("cases.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("tone", sa.String(16), nullable=False),
    sa.Column("addressee", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

case_audit = sa.Table(
    "case_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "case_id",
        sa.Integer,
        sa.ForeignKey("cases.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("field", sa.String(128), nullable=False),
    sa.Column("old_value", sa.Text, nullable=True),
    sa.Column("new_value", sa.Text, nullable=True),
    sa.Column("changed_at", UTCDateTime(), nullable=False),
)

# The case state of a conversation after its first ``turns`` user turns (JSON), with the
# digest chained over those turns (bot.understanding.snapshot): the next turn steps it once.
case_snapshots = sa.Table(
    "case_snapshots",
    metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("turns", sa.Integer, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False, index=True),
)

# Reminders a user set (bot.reminders): when, on which channel, what; the scheduler claims
# each due one once (``status``: pending → claimed → sent / held → shown; or cancelled).
reminders = sa.Table(
    "reminders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("due_at", UTCDateTime(), nullable=False),
    sa.Column("event_date", sa.String(10), nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("via", sa.String(32), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("sent_at", UTCDateTime(), nullable=True),
    sa.CheckConstraint(
        "status IN ('pending', 'claimed', 'sent', 'held', 'shown', 'cancelled')",
        name="status"),
    sa.Index("ix_reminders_status_due_at", "status", "due_at"),
)

TABLE_NAMES = ("cases", "drafts", "case_audit", "case_snapshots", "reminders")


@dataclass(frozen=True)
class Case:
    """One case as stored (a snapshot, not a live row)."""

    id: int
    conversation_id: str
    case_type: str
    role: str | None
    order_number: str | None
    amount: str | None
    key_dates: dict[str, str] = field(default_factory=dict)
    ladder_rung: int = 0
    status: str = OPEN
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Draft:
    """A complaint draft saved for a case."""

    id: int
    case_id: int
    tone: str
    addressee: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """One changed field of a case: ``field`` is a column or ``key_dates.<event id>``."""

    id: int
    case_id: int
    conversation_id: str
    field: str
    old_value: str | None
    new_value: str | None
    changed_at: datetime


def case_from_row(row: Any) -> Case:
    """A :class:`Case` from a ``cases`` result row."""
    m = row._mapping
    return Case(
        id=m["id"],
        conversation_id=m["conversation_id"],
        case_type=m["case_type"],
        role=m["role"],
        order_number=m["order_number"],
        amount=m["amount"],
        key_dates=dict(m["key_dates"] or {}),
        ladder_rung=m["ladder_rung"],
        status=m["status"],
        version=m["version"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def draft_from_row(row: Any) -> Draft:
    """A :class:`Draft` from a ``drafts`` result row."""
    m = row._mapping
    return Draft(
        id=m["id"], case_id=m["case_id"], tone=m["tone"], addressee=m["addressee"],
        text=m["text"], created_at=m["created_at"],
    )


def audit_from_row(row: Any) -> AuditEntry:
    """An :class:`AuditEntry` from a ``case_audit`` result row."""
    m = row._mapping
    return AuditEntry(
        id=m["id"], case_id=m["case_id"], conversation_id=m["conversation_id"],
        field=m["field"], old_value=m["old_value"], new_value=m["new_value"],
        changed_at=m["changed_at"],
    )
