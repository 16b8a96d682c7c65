"""A catalog row held against the record it points to: every field they share must agree."""

from __future__ import annotations

from archive.catalog.claims import RecordClaim
from archive.fixity.problems import Problem
from archive.fixity.records import RecordFacts


def compare(claim: RecordClaim, facts: RecordFacts) -> list[Problem]:
    """Where a catalog row and the record it points to disagree."""
    problems = []

    def differ(check: str, what: str, expected: object, found: object) -> None:
        problems.append(
            located(
                claim,
                check,
                f"the {_row(claim)}'s {what} differs from the record's",
                str(expected),
                str(found),
            )
        )

    if claim.length is not None and claim.length != facts.length:
        differ("row-length", "record length", claim.length, facts.length)
    if claim.record_id is not None and claim.record_id != facts.record_id:
        differ("row-record-id", "WARC-Record-ID", claim.record_id, facts.record_id)
    if claim.record_type != facts.rec_type:
        differ("row-record-type", "record type", claim.record_type, facts.rec_type)
    if claim.uri is not None and claim.uri != facts.uri:
        differ("row-uri", "URL", claim.uri, facts.uri)
    if claim.digest is not None:
        if claim.what == "evidence" and claim.digest != facts.payload_sha256:
            differ("row-evidence-digest", "payload sha256", claim.digest, facts.payload_sha256)
        elif claim.what == "capture" and claim.digest != facts.payload_digest:
            differ("row-payload-digest", "payload digest", claim.digest, facts.payload_digest)
    return problems


def no_record(claim: RecordClaim) -> Problem:
    return located(claim, "row-no-record", f"no record starts where the {_row(claim)} points")


def _row(claim: RecordClaim) -> str:
    if claim.what == "evidence":
        return f"evidence row ({claim.evidence_kind})"
    return "capture row" if claim.what == "capture" else "capture row's redirect hop"


def located(
    claim: RecordClaim, check: str, message: str, expected: str | None = None, found: str | None = None
) -> Problem:
    return Problem(
        check,
        message,
        warc=claim.warc_name,
        offset=claim.offset,
        record_id=claim.record_id,
        capture_id=claim.capture_id,
        evidence_id=claim.evidence_id,
        expected=expected,
        found=found,
    )
