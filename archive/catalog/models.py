"""The catalog's tables as SQLAlchemy 2 typed models.  Only this package touches them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from archive.catalog.errors import InvalidValue

# Deterministic constraint names, so Alembic can alter them later (SQLite batch mode needs names).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always returns aware UTC datetimes, even on SQLite, which drops the offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidValue("datetime", value, "a timezone-aware datetime (e.g. datetime.now(UTC))")
        value = value.astimezone(UTC)
        # SQLite keeps text without an offset: store naive UTC so strings sort chronologically.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), str: String()}


class Article(Base):
    __tablename__ = "article"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(unique=True)
    title: Mapped[str]
    kind: Mapped[str] = mapped_column(String(32))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    ingested_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("capture.id", ondelete="SET NULL"))


class Source(Base):
    __tablename__ = "source"
    # Listing by state in id order (the web UI's filter) reads this index, not the table.
    __table_args__ = (
        Index("ix_source_state_id", "state", "id"),
        # The few sources leased to workers, by deadline (expired leases are dispatched again).
        Index(
            "ix_source_lease_until",
            "lease_until",
            sqlite_where=text("lease_token IS NOT NULL"),
            postgresql_where=text("lease_token IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(unique=True, index=True)
    created_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    last_status: Mapped[int | None]
    last_captured_at: Mapped[datetime | None]
    # The re-crawl dispatcher selects due sources by this column: one row per source, not one job.
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    consecutive_failures: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    paused: Mapped[bool] = mapped_column(default=False, server_default=false())
    # {"selectors": [...], "patterns": [...]}: page parts and text change detection must ignore.
    ignore_rules: Mapped[dict[str, list[str]]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )
    # Scale-out (`archive.catalog.leases`): the source is dispatched to the workers' queue until
    # ``lease_until`` under ``lease_token``; ``lease_owner`` names the worker that claimed it.
    lease_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    # How the source is captured (`archive.catalog.modes`): ``mode`` is the user's choice
    # (auto | http | browser); with auto, ``detected_mode`` (http | browser, NULL: not decided
    # yet) is what the last check decided, ``mode_reason`` why, ``mode_checked_at`` when.
    mode: Mapped[str] = mapped_column(String(8), default="auto", server_default="auto")
    detected_mode: Mapped[str | None] = mapped_column(String(8))
    mode_reason: Mapped[str | None] = mapped_column(Text)
    mode_checked_at: Mapped[datetime | None]


class Citation(Base):
    __tablename__ = "citation"
    __table_args__ = (
        UniqueConstraint("article_id", "source_id"),
        # A source's citing articles in article order, and how many: an index range, however hot.
        Index("ix_citation_source_id_article_id", "source_id", "article_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(Text)
    sentence: Mapped[str] = mapped_column(Text)
    quotes: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int]


class Capture(Base):
    __tablename__ = "capture"
    __table_args__ = (
        # A source's captures of one role by time; every query by source names the role, and
        # counting a hot source's 20,000 captures reads this index alone.
        Index("ix_capture_source_id_role_captured_at", "source_id", "role", "captured_at"),
        # The newest capture of a URL, by the URL asked for or the one its redirects ended at
        # (revisit dedupe on every fetch, replay), and the response holding a revisit's payload.
        Index("ix_capture_url_captured_at", "url", "captured_at"),
        Index("ix_capture_final_url", "final_url", "captured_at"),
        Index("ix_capture_payload_digest", "payload_digest", "captured_at"),
        # Change detection's queue: the few source captures not judged yet, out of millions.
        Index(
            "ix_capture_unjudged",
            "source_id",
            "captured_at",
            sqlite_where=text("judged_at IS NULL AND role = 'source'"),
            postgresql_where=text("judged_at IS NULL AND role = 'source'"),
        ),
        # One capture per WARC record: recording a batch again (a retry after a lost
        # acknowledgement, recovery, reindex) never adds a second row for a record.
        Index(
            "ix_capture_record_id",
            "record_id",
            unique=True,
            sqlite_where=text("record_id IS NOT NULL"),
            postgresql_where=text("record_id IS NOT NULL"),
        ),
        # The few captures change detection could not judge, newest first.
        Index(
            "ix_capture_uncompared",
            "captured_at",
            sqlite_where=text("judge_error IS NOT NULL AND role = 'source'"),
            postgresql_where=text("judge_error IS NOT NULL AND role = 'source'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("capture.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    url: Mapped[str]
    final_url: Mapped[str | None]
    captured_at: Mapped[datetime]
    status: Mapped[int | None]
    content_type: Mapped[str | None]
    payload_digest: Mapped[str | None] = mapped_column(String(64))
    warc_name: Mapped[str | None] = mapped_column(index=True)
    offset: Mapped[int | None] = mapped_column(BigInteger)
    length: Mapped[int | None] = mapped_column(BigInteger)
    record_type: Mapped[str] = mapped_column(String(16))
    error_kind: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    redirects: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    body_length: Mapped[int | None] = mapped_column(BigInteger)
    # WARC-Record-ID of the response/revisit/metadata record: a later revisit refers to it.
    record_id: Mapped[str | None]
    # Change detection's verdict on a source capture was recorded then (NULL: not judged yet).
    # A capture it could not judge keeps the reason; after the last attempt it is given up:
    # judged_at set, judge_error kept, and later captures are compared with an earlier one.
    judged_at: Mapped[datetime | None]
    judge_error: Mapped[str | None] = mapped_column(Text)
    judge_attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # http: Scrapy fetched it; browser: Chromium rendered it (the row is the document's response,
    # its screenshot and rendered text are `Evidence` rows).
    mode: Mapped[str] = mapped_column(String(8), default="http", server_default="http")
    # Recovered from a Memento archive (the source was dead at ingest): the archive's name, and
    # the archive's Memento-Datetime of the page; NULL for captures of the live web.
    recovered_from: Mapped[str | None] = mapped_column(Text)
    memento_datetime: Mapped[datetime | None]


class Evidence(Base):
    """What a browser capture kept beside its records: a screenshot, the rendered DOM and text,
    and the metadata record saying how the page was captured; each a WARC record of its own."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("capture_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("capture.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str]
    warc_name: Mapped[str]
    offset: Mapped[int] = mapped_column(BigInteger)
    length: Mapped[int] = mapped_column(BigInteger)
    record_id: Mapped[str]
    digest: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None]
    height: Mapped[int | None]


class WarcFile(Base):
    __tablename__ = "warc_file"

    name: Mapped[str] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="spooled", server_default="spooled", index=True)
    store_key: Mapped[str | None]
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    stored_at: Mapped[datetime | None]


class Change(Base):
    __tablename__ = "change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    detected_at: Mapped[datetime] = mapped_column(index=True)
    before_capture_id: Mapped[int | None] = mapped_column(ForeignKey("capture.id", ondelete="SET NULL"))
    after_capture_id: Mapped[int] = mapped_column(ForeignKey("capture.id", ondelete="CASCADE"))
    summary: Mapped[str] = mapped_column(Text)
    added: Mapped[list[str]] = mapped_column(JSON, default=list)
    removed: Mapped[list[str]] = mapped_column(JSON, default=list)
    removed_quotes: Mapped[list[str]] = mapped_column(JSON, default=list)


class Alert(Base):
    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Unique: one alert per change, however many detectors or daemons race to raise it.
    change_id: Mapped[int] = mapped_column(ForeignKey("change.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)


class Delivery(Base):
    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("alert_id", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"))
    # The real Apprise URL, secrets included; views mask it.
    target: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]


class LogEntry(Base):
    """One entry of the hash-linked capture log: ``body`` is the canonical JSON that was hashed
    (it names the previous entry's hash), ``hash`` its sha256.  No foreign key to the capture:
    the entry must outlive a capture row someone deletes, so that `citewatch verify --log` can
    name what went missing."""

    __tablename__ = "capture_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    capture_id: Mapped[int | None] = mapped_column(index=True)
    body: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64))


class LogHead(Base):
    """The capture log's one head row (id 1): the last entry's number and hash.  Writers lock it
    (``SELECT … FOR UPDATE``) to append, so concurrent batches on PostgreSQL never fork the chain."""

    __tablename__ = "capture_log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
