"""The hash-linked capture log (`archive.catalog.capturelog`).

* ``capture_log``: one entry per capture (and per start, note, late evidence): its number, kind,
  capture id (no foreign key: an entry outlives a deleted capture row, so verify can name it),
  the canonical JSON that was hashed, and its sha256.
* ``capture_log_head``: one row (id 1), the last entry's number and hash, locked by writers.

The chain starts here with a ``start`` entry; a catalog that already has captures gets one entry
per capture after it, in id order (with its evidence), saying they were recorded before the log.
Their entries vouch for the rows as they are at this upgrade, not as they were first written.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from archive.catalog.capturelog import (
    GENESIS,
    HEAD_ID,
    LogItem,
    capture_fields,
    chained,
    evidence_record_of,
    moment,
    record_of,
)
from archive.catalog.views import EvidenceRecord

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 1000
# The tables as this migration knows them (models.py may move on; this must not).
_capture = sa.table(
    "capture",
    *(sa.column(n) for n in ("id", "role", "url", "final_url", "status", "payload_digest", "warc_name")),
    *(sa.column(n) for n in ("offset", "length", "record_type", "record_id", "content_type", "mode")),
    sa.column("captured_at", sa.DateTime(timezone=True)),
    sa.column("redirects", sa.JSON()),
)
_evidence = sa.table(
    "evidence",
    *(sa.column(n) for n in ("capture_id", "kind", "content_type", "warc_name", "offset", "length")),
    *(sa.column(n) for n in ("record_id", "digest", "size")),
)


def upgrade() -> None:
    entries = op.create_table(
        "capture_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_capture_log"),
    )
    op.create_index("ix_capture_log_capture_id", "capture_log", ["capture_id"])
    head = op.create_table(
        "capture_log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_capture_log_head"),
    )
    assert entries is not None and head is not None
    _start_chain(op.get_bind(), entries, head)


def downgrade() -> None:
    op.drop_table("capture_log_head")
    op.drop_index("ix_capture_log_capture_id", table_name="capture_log")
    op.drop_table("capture_log")


def _start_chain(connection: sa.Connection, entries: sa.Table, head: sa.Table) -> None:
    """A start entry, then one entry per existing capture in id order; then the head row."""
    has_captures = connection.execute(sa.select(_capture.c.id).limit(1)).first() is not None
    reason = "captures recorded before the capture log existed follow" if has_captures else "new catalog"
    start = chained([LogItem("start", None, {"reason": reason, "at": moment(datetime.now(UTC))})], 0, GENESIS)
    connection.execute(entries.insert(), start)
    seq, prev = start[-1]["seq"], start[-1]["hash"]
    after = 0
    while True:
        rows = connection.execute(
            sa.select(_capture).where(_capture.c.id > after).order_by(_capture.c.id).limit(_CHUNK)
        ).all()
        if not rows:
            break
        ids = [r.id for r in rows]
        evidence: dict[int, list[EvidenceRecord]] = {}
        for e in connection.execute(sa.select(_evidence).where(_evidence.c.capture_id.in_(ids))):
            evidence.setdefault(e.capture_id, []).append(evidence_record_of(e))
        items = [
            LogItem("capture", r.id, capture_fields(r.id, record_of(r), evidence.get(r.id, ()))) for r in rows
        ]
        logged = chained(items, seq, prev)
        connection.execute(entries.insert(), logged)
        seq, prev = logged[-1]["seq"], logged[-1]["hash"]
        after = ids[-1]
    connection.execute(head.insert().values(id=HEAD_ID, seq=seq, hash=prev))
