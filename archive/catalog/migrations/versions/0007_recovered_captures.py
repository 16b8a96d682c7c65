"""Captures recovered from a Memento archive (a source already dead when the article was ingested).

* ``capture.recovered_from``: the archive the capture was taken from (the configured TimeGate's
  name); NULL for every capture of the live web.
* ``capture.memento_datetime``: the archive's ``Memento-Datetime`` of that memento (when the
  archive saw the page; ``captured_at`` stays when citewatch fetched it).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Migrations spell out plain types, so they never break when models.py changes.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("capture") as batch:
        batch.add_column(sa.Column("recovered_from", sa.Text(), nullable=True))
        batch.add_column(sa.Column("memento_datetime", UTC_DATETIME, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("capture") as batch:
        batch.drop_column("memento_datetime")
        batch.drop_column("recovered_from")
