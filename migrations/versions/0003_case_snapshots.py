"""Case snapshots: the case state kept between turns.

Revision ID: 0003_case_snapshots
Revises: 0002_wechat_namespace
Create Date: 2026-12-07 00:00:00+00:00

One row per conversation: the case state after its first ``turns`` user turns (JSON text)
and the digest chained over those turns, so that the next turn steps the state once instead
of deriving it from the whole conversation (bot.understanding.snapshot). Rows are a cache:
dropping them loses nothing (the state is derived again).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_case_snapshots"
down_revision: str | Sequence[str] | None = "0002_wechat_namespace"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``case_snapshots``."""
    op.create_table(
        "case_snapshots",
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_case_snapshots")),
    )
    op.create_index(op.f("ix_case_snapshots_updated_at"), "case_snapshots", ["updated_at"])


def downgrade() -> None:
    """Drop ``case_snapshots``."""
    op.drop_index(op.f("ix_case_snapshots_updated_at"), table_name="case_snapshots")
    op.drop_table("case_snapshots")
