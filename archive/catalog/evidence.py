"""Writing a browser capture's evidence rows, shared by the batched capture write and
`Modes.record_evidence` (a reindex putting evidence back): the first record of a kind stays."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.catalog.errors import InvalidValue
from archive.catalog.models import Evidence
from archive.catalog.views import EVIDENCE_KINDS, EvidenceRecord


def check_evidence(items: Sequence[EvidenceRecord]) -> None:
    for item in items:
        if item.kind not in EVIDENCE_KINDS:
            raise InvalidValue("evidence kind", item.kind, " | ".join(EVIDENCE_KINDS))


def insert_evidence(
    session: Session, capture_id: int, items: Sequence[EvidenceRecord]
) -> tuple[list[int], list[EvidenceRecord]]:
    """Record ``items`` for the capture; return every item's row id and the items that were new
    (a kind recorded before keeps its first row: recording is idempotent)."""
    have = {e.kind: e.id for e in session.scalars(select(Evidence).where(Evidence.capture_id == capture_id))}
    ids, new = [], []
    for item in items:
        if item.kind in have:
            ids.append(have[item.kind])
            continue
        row = Evidence(capture_id=capture_id, **evidence_columns(item))
        session.add(row)
        session.flush()
        have[item.kind] = row.id
        ids.append(row.id)
        new.append(item)
    return ids, new


def evidence_columns(item: EvidenceRecord) -> dict[str, object]:
    return {name: getattr(item, name) for name in EvidenceRecord.__dataclass_fields__}
