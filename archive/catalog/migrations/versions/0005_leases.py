"""Scale-out: leases on sources, and one capture per WARC record.

* ``source.lease_token`` / ``lease_until`` / ``lease_owner``: a source dispatched to the workers'
  queue is leased until a deadline (`archive.catalog.leases`); ``ix_source_lease_until`` (partial:
  only leased sources) finds the expired ones to dispatch again and counts them for `status`.
* ``ix_capture_record_id``: unique over the captures that have a record.  A retry of a batch whose
  commit was acknowledged but the acknowledgement lost, recovery and reindex all skip a record
  the catalog has.  Should an older catalog hold two rows for one record, the later ones keep
  their row but lose the record id (nothing is deleted: changes point at those rows).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEASED = "lease_token IS NOT NULL"
HAS_RECORD = "record_id IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.add_column(sa.Column("lease_token", sa.String(32), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("lease_owner", sa.String(64), nullable=True))
    op.create_index(
        "ix_source_lease_until",
        "source",
        ["lease_until"],
        sqlite_where=sa.text(LEASED),
        postgresql_where=sa.text(LEASED),
    )
    op.execute(
        "UPDATE capture SET record_id = NULL WHERE record_id IS NOT NULL AND id NOT IN "
        "(SELECT MIN(id) FROM capture WHERE record_id IS NOT NULL GROUP BY record_id)"
    )
    op.create_index(
        "ix_capture_record_id",
        "capture",
        ["record_id"],
        unique=True,
        sqlite_where=sa.text(HAS_RECORD),
        postgresql_where=sa.text(HAS_RECORD),
    )


def downgrade() -> None:
    op.drop_index("ix_capture_record_id", table_name="capture")
    op.drop_index("ix_source_lease_until", table_name="source")
    with op.batch_alter_table("source") as batch:
        batch.drop_column("lease_owner")
        batch.drop_column("lease_until")
        batch.drop_column("lease_token")
