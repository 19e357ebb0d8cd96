"""Reminders: a user's reminders before a deadline, kept across restarts.

Revision ID: 0004_reminders
Revises: 0003_case_snapshots
Create Date: 2026-12-07 00:00:00+00:00

One row per reminder: the conversation and its channel, when it is due (UTC), the date it
is about and the line the chat showed; the scheduler (bot.reminders) claims each due row
once. Deleted with the conversation (delete-my-data) and by ``make purge``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_reminders"
down_revision: str | Sequence[str] | None = "0003_case_snapshots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``reminders``."""
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_date", sa.String(10), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), server_default="pending", nullable=False),
        sa.Column("via", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'claimed', 'sent', 'held', 'shown', 'cancelled')",
            name=op.f("ck_reminders_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
    )
    op.create_index(op.f("ix_reminders_conversation_id"), "reminders", ["conversation_id"])
    op.create_index(op.f("ix_reminders_status_due_at"), "reminders", ["status", "due_at"])


def downgrade() -> None:
    """Drop ``reminders``."""
    op.drop_index(op.f("ix_reminders_status_due_at"), table_name="reminders")
    op.drop_index(op.f("ix_reminders_conversation_id"), table_name="reminders")
    op.drop_table("reminders")
