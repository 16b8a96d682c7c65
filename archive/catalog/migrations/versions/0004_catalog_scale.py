"""The catalog at scale: the indexes a catalog of a million sources needs (each checked by EXPLAIN).

* ``ix_capture_source_id_role_captured_at`` replaces ``ix_capture_source_id_captured_at``: every
  query by source names the role, and a hot source's captures are counted off the index alone
  (the sources page counts captures for the sources it shows).
* ``ix_citation_source_id_article_id`` replaces ``ix_citation_source_id``: a source's citing
  articles, counted and listed in article order off the index.
* ``ix_capture_final_url`` (final_url, captured_at): replay finds a capture by its final URL too;
  without it a URL never captured scanned the whole capture table.
* ``ix_capture_payload_digest`` (payload_digest, captured_at): replaying a revisit finds the
  response holding its payload by digest.
* ``ix_capture_url_captured_at`` replaces ``ix_capture_url``: the newest capture of a URL (revisit
  dedupe on every fetch, replay) is read off the index instead of sorting every capture of a hot URL.
* ``ix_capture_uncompared``: the few captures change detection could not judge, by time (a
  partial index, like ``ix_capture_unjudged``).
* ``ix_alert_created_at``: alerts are listed newest first.
* ``ix_source_state_id``: sources listed by state, in id order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNCOMPARED = "judge_error IS NOT NULL AND role = 'source'"


def upgrade() -> None:
    op.drop_index("ix_capture_source_id_captured_at", table_name="capture")
    op.create_index("ix_capture_source_id_role_captured_at", "capture", ["source_id", "role", "captured_at"])
    op.drop_index("ix_citation_source_id", table_name="citation")
    op.create_index("ix_citation_source_id_article_id", "citation", ["source_id", "article_id"])
    op.drop_index("ix_capture_url", table_name="capture")
    op.create_index("ix_capture_url_captured_at", "capture", ["url", "captured_at"])
    op.create_index("ix_capture_final_url", "capture", ["final_url", "captured_at"])
    op.create_index("ix_capture_payload_digest", "capture", ["payload_digest", "captured_at"])
    op.create_index(
        "ix_capture_uncompared",
        "capture",
        ["captured_at"],
        sqlite_where=sa.text(UNCOMPARED),
        postgresql_where=sa.text(UNCOMPARED),
    )
    op.create_index("ix_alert_created_at", "alert", ["created_at"])
    op.create_index("ix_source_state_id", "source", ["state", "id"])


def downgrade() -> None:
    op.drop_index("ix_source_state_id", table_name="source")
    op.drop_index("ix_alert_created_at", table_name="alert")
    op.drop_index("ix_capture_uncompared", table_name="capture")
    op.drop_index("ix_capture_payload_digest", table_name="capture")
    op.drop_index("ix_capture_final_url", table_name="capture")
    op.drop_index("ix_capture_url_captured_at", table_name="capture")
    op.create_index("ix_capture_url", "capture", ["url"])
    op.drop_index("ix_citation_source_id_article_id", table_name="citation")
    op.create_index("ix_citation_source_id", "citation", ["source_id"])
    op.drop_index("ix_capture_source_id_role_captured_at", table_name="capture")
    op.create_index("ix_capture_source_id_captured_at", "capture", ["source_id", "captured_at"])
