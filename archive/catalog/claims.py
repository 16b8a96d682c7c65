"""`Claims`: what the catalog says lies in the WARC files, row by row, for `citewatch verify`.

Every capture row claims a record at (file, offset, length) with a record id, a type, a target
URI and a payload digest; each of its redirect hops claims a response record; each evidence row
claims a resource or metadata record whose payload has a sha256.  The audit
(`archive.fixity.audit`) holds each claim against the record it finds there.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from archive.catalog.batches import in_chunks
from archive.catalog.models import Article, Capture, Citation, Evidence, WarcFile
from archive.catalog.transactions import Transactions

# The WARC record type of each evidence kind's record (`crawler.browser.evidence`).
EVIDENCE_RECORD_TYPES = {
    "screenshot": "resource",
    "dom": "resource",
    "text": "resource",
    "metadata": "metadata",
}


@dataclass(frozen=True)
class RecordClaim:
    """One catalog row's claim about a WARC record.  ``what``: capture | hop | evidence.
    ``uri`` None: not checked (evidence records have citewatch's own ``urn:`` names).
    ``digest``: a capture's WARC-Payload-Digest (``sha1:…``), or an evidence row's payload
    sha256 (hex); None: nothing to compare."""

    what: str
    capture_id: int
    warc_name: str
    offset: int
    length: int | None
    record_id: str | None
    record_type: str
    uri: str | None
    digest: str | None
    evidence_id: int | None = None
    evidence_kind: str | None = None


class Claims(Transactions):
    """The catalog rows' claims about WARC records, by file or by article."""

    def claims_in_warc(self, warc_name: str) -> list[RecordClaim]:
        """Every claim of the captures and evidence rows recorded in this WARC file (their hops and
        evidence may lie in another file: each claim names its own), sorted by (file, offset)."""
        with self._tx() as session:
            captures = list(session.scalars(select(Capture).where(Capture.warc_name == warc_name)))
            evidence = list(
                session.scalars(
                    select(Evidence)
                    .join(Capture, Capture.id == Evidence.capture_id)
                    .where(Capture.warc_name == warc_name)
                )
            )
            return _sorted([*_capture_claims(captures), *_evidence_claims(evidence)])

    def claims_for_article(self, article_id: int) -> list[RecordClaim]:
        """The claims of an article's own page capture, its sources' captures, their requisites,
        and their evidence; sorted by (file, offset)."""
        with self._tx() as session:
            source_ids = list(
                session.scalars(select(Citation.source_id).where(Citation.article_id == article_id))
            )
            page = session.scalar(select(Article.capture_id).where(Article.id == article_id))
            ids: set[int] = {page} if page is not None else set()
            for chunk in in_chunks(source_ids):
                ids.update(session.scalars(select(Capture.id).where(Capture.source_id.in_(chunk))))
            parents = sorted(ids)
            for chunk in in_chunks(parents):
                ids.update(session.scalars(select(Capture.id).where(Capture.parent_id.in_(chunk))))
            captures: list[Capture] = []
            evidence: list[Evidence] = []
            for chunk in in_chunks(sorted(ids)):
                captures.extend(session.scalars(select(Capture).where(Capture.id.in_(chunk))))
                evidence.extend(session.scalars(select(Evidence).where(Evidence.capture_id.in_(chunk))))
            return _sorted([*_capture_claims(captures), *_evidence_claims(evidence)])

    def warc_names_claimed(self) -> set[str]:
        """The WARC files capture and evidence rows point into."""
        with self._tx() as session:
            names = set(
                session.scalars(select(Capture.warc_name).distinct().where(Capture.warc_name.is_not(None)))
            )
            names.update(session.scalars(select(Evidence.warc_name).distinct()))
        return {n for n in names if n}

    def warc_names(self) -> list[str]:
        with self._tx() as session:
            return sorted(session.scalars(select(WarcFile.name)))


def _sorted(claims: Sequence[RecordClaim]) -> list[RecordClaim]:
    return sorted(claims, key=lambda c: (c.warc_name, c.offset, c.what))


def _capture_claims(captures: Sequence[Capture]) -> Iterator[RecordClaim]:
    for c in captures:
        if c.warc_name and c.offset is not None:
            yield RecordClaim(
                what="capture",
                capture_id=c.id,
                warc_name=c.warc_name,
                offset=c.offset,
                length=c.length,
                record_id=c.record_id,
                record_type=c.record_type,
                uri=c.final_url or c.url,
                digest=c.payload_digest,
            )
        for hop in c.redirects or ():
            if hop.get("warc_name") and hop.get("offset") is not None:
                yield RecordClaim(
                    what="hop",
                    capture_id=c.id,
                    warc_name=str(hop["warc_name"]),
                    offset=int(hop["offset"]),
                    length=hop.get("length"),
                    record_id=hop.get("record_id"),
                    record_type="response",
                    uri=str(hop["url"]),
                    digest=None,
                )


def _evidence_claims(rows: Sequence[Evidence]) -> Iterator[RecordClaim]:
    for e in rows:
        yield RecordClaim(
            what="evidence",
            capture_id=e.capture_id,
            warc_name=e.warc_name,
            offset=e.offset,
            length=e.length,
            record_id=e.record_id,
            record_type=EVIDENCE_RECORD_TYPES.get(e.kind, "resource"),
            uri=None,
            digest=e.digest,
            evidence_id=e.id,
            evidence_kind=e.kind,
        )
