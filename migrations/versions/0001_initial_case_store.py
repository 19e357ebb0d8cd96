"""Initial case store: cases, drafts, case_audit.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-22 00:00:00+00:00

Written by hand; constraint and index names are spelled out in full (op.f) and match the
naming convention of bot.store.tables. Timestamps are ``TIMESTAMP WITH TIME ZONE`` (UTC;
SQLite stores them without an offset and bot.store.tables.UTCDateTime reads them back as
UTC). ``key_dates`` is JSONB on PostgreSQL and JSON (text) on SQLite. At most one open case
per (conversation, case type) is enforced by a partial unique index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_initial"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the three tables and their indexes."""
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("case_type", sa.String(64), nullable=False),
        sa.Column("order_number", sa.String(64), nullable=True),
        sa.Column("amount", sa.String(64), nullable=True),
        sa.Column("key_dates", JSON, nullable=False),
        sa.Column("ladder_rung", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("status", sa.String(16), server_default="open", nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_cases_status")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_cases_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_index(op.f("ix_cases_conversation_id"), "cases", ["conversation_id"])
    op.create_index(op.f("ix_cases_updated_at"), "cases", ["updated_at"])
    op.create_index(
        op.f("uq_cases_open_conversation_type"),
        "cases",
        ["conversation_id", "case_type"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
        sqlite_where=sa.text("status = 'open'"),
    )

    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("tone", sa.String(16), nullable=False),
        sa.Column("addressee", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_drafts_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
    )
    op.create_index(op.f("ix_drafts_case_id"), "drafts", ["case_id"])

    op.create_table(
        "case_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("field", sa.String(128), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("changed_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_audit_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_audit")),
    )
    op.create_index(op.f("ix_case_audit_case_id"), "case_audit", ["case_id"])
    op.create_index(op.f("ix_case_audit_conversation_id"), "case_audit", ["conversation_id"])


def downgrade() -> None:
    """Drop the three tables (children first)."""
    op.drop_index(op.f("ix_case_audit_conversation_id"), table_name="case_audit")
    op.drop_index(op.f("ix_case_audit_case_id"), table_name="case_audit")
    op.drop_table("case_audit")
    op.drop_index(op.f("ix_drafts_case_id"), table_name="drafts")
    op.drop_table("drafts")
    op.drop_index(op.f("uq_cases_open_conversation_type"), table_name="cases")
    op.drop_index(op.f("ix_cases_updated_at"), table_name="cases")
    op.drop_index(op.f("ix_cases_conversation_id"), table_name="cases")
    op.drop_table("cases")
