"""Changes and alerts: change, alert, delivery tables; capture.record_id (+ url index); source.ignore_rules.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 15:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Migrations spell out plain types, so they never break when models.py changes.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Batch mode: SQLite cannot ALTER much, so Alembic rebuilds the table when it has to.
    with op.batch_alter_table("capture") as batch:
        batch.add_column(sa.Column("record_id", sa.String(), nullable=True))
        batch.create_index(batch.f("ix_capture_url"), ["url"], unique=False)
    with op.batch_alter_table("source") as batch:
        batch.add_column(sa.Column("ignore_rules", sa.JSON(), server_default=sa.text("'{}'"), nullable=False))

    op.create_table(
        "change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("detected_at", UTC_DATETIME, nullable=False),
        sa.Column("before_capture_id", sa.Integer(), nullable=True),
        sa.Column("after_capture_id", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("added", sa.JSON(), nullable=False),
        sa.Column("removed", sa.JSON(), nullable=False),
        sa.Column("removed_quotes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["after_capture_id"],
            ["capture.id"],
            name=op.f("fk_change_after_capture_id_capture"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["before_capture_id"],
            ["capture.id"],
            name=op.f("fk_change_before_capture_id_capture"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_change_source_id_source"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change")),
    )
    op.create_index(op.f("ix_change_detected_at"), "change", ["detected_at"], unique=False)
    op.create_index(op.f("ix_change_source_id"), "change", ["source_id"], unique=False)

    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"], ["change.id"], name=op.f("fk_alert_change_id_change"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
        sa.UniqueConstraint("change_id", name=op.f("uq_alert_change_id")),
    )

    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", UTC_DATETIME, nullable=True),
        sa.Column("claimed_at", UTC_DATETIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_delivery_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
        sa.UniqueConstraint("alert_id", "target", name=op.f("uq_delivery_alert_id_target")),
    )
    op.create_index(op.f("ix_delivery_next_attempt_at"), "delivery", ["next_attempt_at"], unique=False)


def downgrade() -> None:
    op.drop_table("delivery")
    op.drop_table("alert")
    op.drop_table("change")
    with op.batch_alter_table("source") as batch:
        batch.drop_column("ignore_rules")
    with op.batch_alter_table("capture") as batch:
        batch.drop_index(batch.f("ix_capture_url"))
        batch.drop_column("record_id")
