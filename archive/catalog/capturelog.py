"""The hash-linked capture log: every capture, as it is recorded, appended to a chain of entries.

Each entry is a canonical JSON document (sorted keys, no spaces, ASCII) naming its number
(``seq``), the previous entry's hash (``prev``) and what it vouches for: the capture's id, time,
URL, WARC file, record ids and digests (its response/revisit/metadata record, its redirect hops,
a browser capture's evidence records).  Its hash is the sha256 of exactly that text, which is
stored beside it; so rewriting an entry breaks its own hash, removing or reordering entries
breaks the link of the next one, and cutting the tail disagrees with the head row.
`archive.fixity.chain` walks it (`citewatch verify --log`).

Appending costs one locked read of the one-row head table per batch and one insert per entry,
in the transaction that records the captures: a batch's captures are never recorded without
their entries, nor the reverse.  On PostgreSQL the head row is read ``FOR UPDATE``, so workers
recording at once append one after the other and the chain never forks; SQLite runs one writer
at a time anyway (and the head is read after the batch's first write, inside its write lock).

Kinds of entries: ``start`` (a chain begins: a new catalog, or a catalog that had captures
before the log existed, whose captures follow in id order), ``capture``, ``evidence`` (evidence
recorded after its capture, e.g. put back by `reindex`) and ``note`` (e.g. a catalog rebuilt by
`reindex` from the WARC files: what follows was read back, not seen being captured).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from archive.catalog.models import Capture, Evidence, LogEntry, LogHead
from archive.catalog.transactions import Transactions
from archive.catalog.views import CaptureRecord, EvidenceRecord, Redirect

# The hash the first entry links to.
GENESIS = "0" * 64
HEAD_ID = 1
KINDS = ("start", "capture", "evidence", "note")


@dataclass(frozen=True)
class LogItem:
    """An entry about to be appended: its kind, the capture it names, and what it vouches for."""

    kind: str
    capture_id: int | None
    fields: dict[str, Any]


@dataclass(frozen=True)
class LogEntryView:
    """A stored entry: its number, kind, capture, the exact text that was hashed, and its hash."""

    seq: int
    kind: str
    capture_id: int | None
    body: str
    hash: str


@dataclass(frozen=True)
class LogHeadView:
    """The head row: the number and hash of the last entry (0 and `GENESIS` for an empty chain)."""

    seq: int
    hash: str


def canonical(doc: dict[str, Any]) -> str:
    """The one serialisation that is hashed: sorted keys, no whitespace, ASCII only."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def entry_hash(body: str) -> str:
    """Hex sha256 of an entry's canonical text."""
    return hashlib.sha256(body.encode("ascii")).hexdigest()


def moment(value: datetime) -> str:
    """A time as the log spells it: ISO 8601 in UTC, microseconds kept (naive means UTC)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="microseconds")


def capture_fields(
    capture_id: int, c: CaptureRecord, evidence: Iterable[EvidenceRecord] = ()
) -> dict[str, Any]:
    """What a capture's entry vouches for (the catalog row holds the same, which verify compares)."""
    return {
        "capture_id": capture_id,
        "captured_at": moment(c.captured_at),
        "url": c.url,
        "final_url": c.final_url,
        "role": c.role,
        "status": c.status,
        "record_type": c.record_type,
        "warc_name": c.warc_name,
        "offset": c.offset,
        "length": c.length,
        "record_id": c.record_id,
        "payload_digest": c.payload_digest,
        "redirects": [
            {"url": r.url, "record_id": r.record_id, "warc_name": r.warc_name, "offset": r.offset}
            for r in c.redirects
        ],
        "evidence": evidence_fields(evidence),
    }


def evidence_fields(items: Iterable[EvidenceRecord]) -> list[dict[str, Any]]:
    """A browser capture's evidence records as an entry lists them, by kind."""
    return [
        {
            "kind": e.kind,
            "record_id": e.record_id,
            "digest": e.digest,
            "warc_name": e.warc_name,
            "offset": e.offset,
            "length": e.length,
        }
        for e in sorted(items, key=lambda e: e.kind)
    ]


def append(session: Session, items: Sequence[LogItem]) -> None:
    """Append entries in the caller's transaction: lock the head, chain the entries, move the head."""
    if not items:
        return
    if session.get_bind().dialect.name == "sqlite":
        # Take SQLite's write lock before reading the head (a no-op write): a transaction that
        # read first and wrote later could find another writer's commit in between and fail.
        session.execute(update(LogHead).where(LogHead.id == HEAD_ID).values(seq=LogHead.seq))
    head = session.execute(
        select(LogHead.seq, LogHead.hash).where(LogHead.id == HEAD_ID).with_for_update()
    ).first()
    if head is None:  # a catalog migrated to 0008 has its head row; this is only a safety net
        session.execute(insert(LogHead).values(id=HEAD_ID, seq=0, hash=GENESIS))
        seq, prev = 0, GENESIS
    else:
        seq, prev = head
    rows = chained(items, seq, prev)
    session.execute(insert(LogEntry), rows)
    session.execute(
        update(LogHead).where(LogHead.id == HEAD_ID).values(seq=rows[-1]["seq"], hash=rows[-1]["hash"])
    )


def chained(items: Iterable[LogItem], seq: int, prev: str) -> list[dict[str, Any]]:
    """The log rows of ``items`` chained after the entry ``seq`` whose hash is ``prev``: each body
    is the item's fields with its kind, number and the previous hash, and its hash is the body's."""
    rows = []
    for item in items:
        seq += 1
        body = canonical({**item.fields, "kind": item.kind, "seq": seq, "prev": prev})
        prev = entry_hash(body)
        rows.append(
            {"seq": seq, "kind": item.kind, "capture_id": item.capture_id, "body": body, "hash": prev}
        )
    return rows


# The capture columns an entry is built from (`record_of`).
ROW_COLUMNS = (
    "id", "role", "url", "final_url", "captured_at", "status", "record_type", "payload_digest",
    "warc_name", "offset", "length", "record_id", "redirects",
)  # fmt: skip


def record_of(row: Any) -> CaptureRecord:
    """Enough of a `CaptureRecord` for `capture_fields`, from a row holding `ROW_COLUMNS`."""
    return CaptureRecord(
        role=row.role,
        url=row.url,
        captured_at=row.captured_at,
        record_type=row.record_type,
        final_url=row.final_url,
        status=row.status,
        payload_digest=row.payload_digest,
        warc_name=row.warc_name,
        offset=row.offset,
        length=row.length,
        record_id=row.record_id,
        redirects=tuple(
            Redirect(
                str(h["url"]),
                int(h["status"]),
                h.get("warc_name"),
                h.get("offset"),
                h.get("length"),
                h.get("record_id"),
            )
            for h in (row.redirects or ())
        ),
    )


def start_item(reason: str, at: datetime) -> LogItem:
    """The entry a chain begins with, saying why it begins."""
    return LogItem("start", None, {"reason": reason, "at": moment(at)})


class CaptureLog(Transactions):
    """Reading the capture log (appending happens where captures are recorded, `CaptureBatches`)."""

    def log_head(self) -> LogHeadView:
        with self._tx() as session:
            row = session.execute(select(LogHead.seq, LogHead.hash).where(LogHead.id == HEAD_ID)).first()
        return LogHeadView(0, GENESIS) if row is None else LogHeadView(row[0], row[1])

    def log_entries(self, *, after: int = 0, limit: int = 1000) -> list[LogEntryView]:
        """The next ``limit`` stored entries with a number above ``after``, in number order."""
        query = (
            select(LogEntry.seq, LogEntry.kind, LogEntry.capture_id, LogEntry.body, LogEntry.hash)
            .where(LogEntry.seq > after)
            .order_by(LogEntry.seq)
            .limit(limit)
        )
        with self._tx() as session:
            return [LogEntryView(*row) for row in session.execute(query)]

    def note_in_log(self, note: str) -> None:
        """Append a ``note`` entry (e.g. that a rebuilt catalog's captures follow)."""
        with self._tx() as session:
            append(session, [LogItem("note", None, {"note": note, "at": moment(self._now())})])

    def capture_count(self) -> int:
        with self._tx() as session:
            return int(session.scalar(select(func.count()).select_from(Capture)) or 0)

    def unlogged_captures(self, *, limit: int = 100) -> tuple[int, list[int]]:
        """How many capture rows no ``capture`` entry names, and the first ``limit`` of their ids."""
        logged = select(LogEntry.capture_id).where(
            LogEntry.kind == "capture", LogEntry.capture_id == Capture.id
        )
        missing = select(Capture.id).where(~logged.exists())
        with self._tx() as session:
            count = int(session.scalar(select(func.count()).select_from(missing.subquery())) or 0)
            ids = list(session.scalars(missing.order_by(Capture.id).limit(limit))) if count else []
        return count, ids

    def logged_fields(self, capture_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """What an entry for each of these captures would hold now (evidence left out), by id;
        captures that do not exist are left out.  (Plain rows, not ORM objects: verify reads
        every capture this way.)"""
        query = select(*(Capture.__table__.c[name] for name in ROW_COLUMNS)).where(
            Capture.id.in_(list(capture_ids))
        )
        with self._tx() as session:
            return {row.id: capture_fields(row.id, record_of(row)) for row in session.execute(query)}

    def evidence_fields_after(self, after: int, limit: int = 1000) -> list[tuple[int, int, dict[str, Any]]]:
        """(evidence id, capture id, the fields an entry lists for it) of the next ``limit``
        evidence rows by id."""
        query = select(Evidence).where(Evidence.id > after).order_by(Evidence.id).limit(limit)
        with self._tx() as session:
            return [
                (e.id, e.capture_id, evidence_fields([evidence_record_of(e)])[0])
                for e in session.scalars(query)
            ]


def evidence_record_of(e: Any) -> EvidenceRecord:
    """Enough of an `EvidenceRecord` for `evidence_fields`, from an `Evidence` row (or a Core row
    of its table)."""
    return EvidenceRecord(
        kind=e.kind,
        content_type=e.content_type,
        warc_name=e.warc_name,
        offset=e.offset,
        length=e.length,
        record_id=e.record_id,
        digest=e.digest,
        size=e.size,
    )
