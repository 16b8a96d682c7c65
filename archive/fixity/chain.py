"""Walking the hash-linked capture log (`archive.catalog.capturelog`) for `citewatch verify --log`.

An entry whose text no longer hashes to its stored hash was rewritten; one whose ``prev`` is not
its predecessor's hash follows a removed, rewritten or moved entry; a gap in the numbers is a
removed entry, a number in the text unlike the stored one a moved entry; a last entry unlike the
head row means the tail was cut.  Then the log is held against the rows it names: a capture the
log names and the catalog lacks (a deleted row), a capture with no entry, an entry whose fields
differ from its row's, and the same for evidence rows.

What no chain can show on its own: someone who rewrites every entry after a point *and* the head
row.  Keep the head hash somewhere else now and then (`citewatch verify --json` prints it) to
close that door.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from archive.catalog.capturelog import GENESIS, LogEntryView, entry_hash
from archive.catalog.repository import Catalog
from archive.fixity.problems import AuditReport, Problem

PAGE = 1000
# At most this many captures without an entry are named one by one (then a count).
NAMED_UNLOGGED = 100
# Keys of an entry that say where it is in the chain, not what the capture row holds.
_CHAIN_KEYS = ("kind", "seq", "prev", "evidence")


def check_log(catalog: Catalog, report: AuditReport, progress: Callable[[str], None] | None = None) -> None:
    """Walk the whole chain, then hold it against the capture and evidence rows."""
    head = catalog.log_head()
    report.log_head = head.hash
    prev, expected_seq, last_seq = GENESIS, 1, 0
    logged_evidence: dict[int, dict[str, dict[str, Any]]] = {}
    gone: set[int] = set()
    after = 0
    while page := catalog.log_entries(after=after, limit=PAGE):
        captures: list[tuple[LogEntryView, dict[str, Any]]] = []
        for entry in page:
            report.log_entries += 1
            doc = _check_entry(entry, prev, expected_seq, report)
            prev, expected_seq, last_seq = entry.hash, entry.seq + 1, entry.seq
            if doc is None:
                continue
            if entry.kind == "capture" and entry.capture_id is not None:
                captures.append((entry, doc))
            if entry.capture_id is not None:
                for item in doc.get("evidence") or ():
                    logged_evidence.setdefault(entry.capture_id, {})[str(item.get("kind"))] = item
        gone.update(_against_rows(catalog, captures, report))
        after = page[-1].seq
        if progress is not None and report.log_entries % (PAGE * 10) == 0:
            progress(f"capture log: {report.log_entries} entries")
    if (head.seq, head.hash) != (last_seq, prev):
        report.bad.append(
            Problem(
                "log-head",
                "the last entry is not the head the catalog recorded "
                "(entries cut from the end, or the head row changed)",
                seq=last_seq,
                expected=f"entry {head.seq} {head.hash}",
                found=f"entry {last_seq} {prev}",
            )
        )
    _unlogged(catalog, report)
    _evidence(catalog, logged_evidence, gone, report)
    if progress is not None:
        progress(f"capture log: {report.log_entries} entries, head {head.hash[:16]}")


def _check_entry(
    entry: LogEntryView, prev: str, expected_seq: int, report: AuditReport
) -> dict[str, Any] | None:
    """The entry's own checks: number, hash, link; its parsed text (None if unreadable)."""
    if entry.seq != expected_seq:
        missing = (
            f"entry {expected_seq}"
            if entry.seq == expected_seq + 1
            else f"entries {expected_seq}-{entry.seq - 1}"
        )
        report.bad.append(
            Problem(
                "log-gap",
                f"{missing} removed from the log",
                seq=entry.seq,
                expected=str(expected_seq),
                found=str(entry.seq),
            )
        )
    actual = entry_hash(entry.body) if entry.body.isascii() else "(not ASCII)"
    if actual != entry.hash:
        report.bad.append(
            Problem(
                "log-hash",
                "entry rewritten: its text no longer hashes to its hash",
                seq=entry.seq,
                capture_id=entry.capture_id,
                expected=entry.hash,
                found=actual,
            )
        )
    try:
        doc = json.loads(entry.body)
    except ValueError:
        report.bad.append(
            Problem("log-unreadable", "the entry is not JSON", seq=entry.seq, capture_id=entry.capture_id)
        )
        return None
    if not isinstance(doc, dict):
        report.bad.append(Problem("log-unreadable", "the entry is not a JSON object", seq=entry.seq))
        return None
    if doc.get("seq") != entry.seq:
        report.bad.append(
            Problem(
                "log-order",
                "entry moved: its text says it is another entry of the chain",
                seq=entry.seq,
                capture_id=entry.capture_id,
                expected=str(entry.seq),
                found=str(doc.get("seq")),
            )
        )
    if doc.get("prev") != prev:
        report.bad.append(
            Problem(
                "log-link",
                "does not link to the entry before it (one before it was removed, rewritten or moved)",
                seq=entry.seq,
                capture_id=entry.capture_id,
                expected=prev,
                found=str(doc.get("prev")),
            )
        )
    if entry.capture_id is not None and doc.get("capture_id") != entry.capture_id:
        report.bad.append(
            Problem(
                "log-capture-id",
                "the entry's stored capture id differs from the one in its text",
                seq=entry.seq,
                expected=str(doc.get("capture_id")),
                found=str(entry.capture_id),
            )
        )
    return doc


def _against_rows(
    catalog: Catalog, captures: list[tuple[LogEntryView, dict[str, Any]]], report: AuditReport
) -> set[int]:
    """Each capture entry against its row; the ids of captures the log names and the catalog lacks."""
    rows = catalog.logged_fields([e.capture_id for e, _ in captures if e.capture_id is not None])
    gone = set()
    for entry, doc in captures:
        assert entry.capture_id is not None
        row = rows.get(entry.capture_id)
        if row is None:
            gone.add(entry.capture_id)
            report.bad.append(
                Problem(
                    "log-capture-missing",
                    "the log names a capture the catalog no longer has (a deleted capture row)",
                    seq=entry.seq,
                    capture_id=entry.capture_id,
                    warc=doc.get("warc_name"),
                    offset=doc.get("offset"),
                    record_id=doc.get("record_id"),
                )
            )
            continue
        for key in sorted(set(row) | (set(doc) - set(_CHAIN_KEYS))):
            if key in _CHAIN_KEYS:
                continue
            if doc.get(key) != row.get(key):
                report.bad.append(
                    Problem(
                        "log-row-mismatch",
                        f"the capture row's {key} differs from its log entry",
                        seq=entry.seq,
                        capture_id=entry.capture_id,
                        warc=row.get("warc_name"),
                        record_id=row.get("record_id"),
                        expected=json.dumps(doc.get(key)),
                        found=json.dumps(row.get(key)),
                    )
                )
    return gone


def _unlogged(catalog: Catalog, report: AuditReport) -> None:
    count, ids = catalog.unlogged_captures(limit=NAMED_UNLOGGED)
    for capture_id in ids:
        report.bad.append(
            Problem(
                "log-unlogged-capture",
                "a capture row with no log entry (added behind the log's back, or its entry removed)",
                capture_id=capture_id,
            )
        )
    if count > len(ids):
        report.bad.append(
            Problem("log-unlogged-capture", f"{count - len(ids)} more capture rows with no log entry")
        )


def _evidence(
    catalog: Catalog,
    logged: dict[int, dict[str, dict[str, Any]]],
    gone: set[int],
    report: AuditReport,
) -> None:
    """Every evidence row against the log's list of that capture's evidence, and the reverse."""
    after = 0
    while page := catalog.evidence_fields_after(after, PAGE):
        for evidence_id, capture_id, fields in page:
            entry = logged.get(capture_id, {}).pop(fields["kind"], None)
            if entry is None:
                report.bad.append(
                    Problem(
                        "log-unlogged-evidence",
                        f"an evidence row ({fields['kind']}) the log does not list",
                        capture_id=capture_id,
                        evidence_id=evidence_id,
                        warc=fields["warc_name"],
                        record_id=fields["record_id"],
                    )
                )
            elif entry != fields:
                report.bad.append(
                    Problem(
                        "log-row-mismatch",
                        f"the evidence row ({fields['kind']}) differs from the log's",
                        capture_id=capture_id,
                        evidence_id=evidence_id,
                        expected=json.dumps(entry, sort_keys=True),
                        found=json.dumps(fields, sort_keys=True),
                    )
                )
        after = page[-1][0]
    for capture_id, kinds in sorted(logged.items()):
        if capture_id in gone:
            continue  # said already: the capture row itself is gone (and its evidence with it)
        for kind, item in sorted(kinds.items()):
            report.bad.append(
                Problem(
                    "log-evidence-missing",
                    f"the log lists {kind} evidence the catalog no longer has (a deleted evidence row)",
                    capture_id=capture_id,
                    warc=item.get("warc_name"),
                    offset=item.get("offset"),
                    record_id=item.get("record_id"),
                )
            )
