"""Browser captures: how each source is captured, and the evidence a browser capture keeps.

* ``source.mode`` (auto | http | browser, the user's choice; auto by default), ``detected_mode``
  (what the last check of an auto source decided; NULL: not decided yet), ``mode_reason`` and
  ``mode_checked_at``.
* ``capture.mode`` (http | browser): every existing capture was made over HTTP.
* ``evidence``: a browser capture's screenshot, rendered DOM, rendered text and capture metadata,
  each a WARC record (file, offset, length, record id), one of each kind per capture.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Migrations spell out plain types, so they never break when models.py changes.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.add_column(sa.Column("mode", sa.String(8), nullable=False, server_default="auto"))
        batch.add_column(sa.Column("detected_mode", sa.String(8), nullable=True))
        batch.add_column(sa.Column("mode_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("mode_checked_at", UTC_DATETIME, nullable=True))
    with op.batch_alter_table("capture") as batch:
        batch.add_column(sa.Column("mode", sa.String(8), nullable=False, server_default="http"))
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("content_type", sa.String(), nullable=False),
        sa.Column("warc_name", sa.String(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("record_id", sa.String(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["capture_id"], ["capture.id"], name=op.f("fk_evidence_capture_id_capture"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint("capture_id", "kind", name=op.f("uq_evidence_capture_id_kind")),
    )
    op.create_index(op.f("ix_evidence_capture_id"), "evidence", ["capture_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_evidence_capture_id"), table_name="evidence")
    op.drop_table("evidence")
    with op.batch_alter_table("capture") as batch:
        batch.drop_column("mode")
    with op.batch_alter_table("source") as batch:
        batch.drop_column("mode_checked_at")
        batch.drop_column("mode_reason")
        batch.drop_column("detected_mode")
        batch.drop_column("mode")
