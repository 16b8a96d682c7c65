"""Per-capture judgements: capture.judged_at, judge_error, judge_attempts, and the unjudged-capture index.

Every capture recorded before this revision was judged by the detection pass of its own crawl
(or never will be: the old code had no retry), so they all count as judged at their capture time.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)
UNJUDGED = "judged_at IS NULL AND role = 'source'"


def upgrade() -> None:
    with op.batch_alter_table("capture") as batch:
        batch.add_column(sa.Column("judged_at", UTC_DATETIME, nullable=True))
        batch.add_column(sa.Column("judge_error", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("judge_attempts", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
    op.execute("UPDATE capture SET judged_at = captured_at WHERE role = 'source'")
    op.create_index(
        "ix_capture_unjudged",
        "capture",
        ["source_id", "captured_at"],
        unique=False,
        sqlite_where=sa.text(UNJUDGED),
        postgresql_where=sa.text(UNJUDGED),
    )


def downgrade() -> None:
    op.drop_index("ix_capture_unjudged", table_name="capture")
    with op.batch_alter_table("capture") as batch:
        batch.drop_column("judge_attempts")
        batch.drop_column("judge_error")
        batch.drop_column("judged_at")
