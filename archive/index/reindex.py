"""Reindex: put back into the catalog the captures a WARC file holds and the catalog lacks.

The WARC files are the source of truth and the catalog an index of them.  The crawl writes
captures to the catalog in batches, so a process killed mid-crawl leaves records in its WARC
files that no catalog row points to; start-up recovery runs `reindex_warc` on each file it
recovers, and `citewatch reindex` runs it on every file of the archive (a lost catalog).

Each capture is a response, revisit or fetch-failure (``metadata``) record, described by the
capture note the crawl writes after it (`archive.warc.note`): role, source, target URL,
redirect hops, parent page, article.  A capture is matched with the catalog by its
WARC-Record-ID (or, for rows older than record ids, its offset in the file), so running this
twice adds nothing the second time.  Captures come back unjudged: change detection judges them
as it judges any new capture.

A recovered memento's note (Memento in) gives its archive and Memento-Datetime back too.

What a record without a note (a process killed between the two, or a WARC from before notes)
gives back: its URL names a watched source -> a source capture; otherwise a requisite of no
page, so replay still finds it; a redirect (3xx) -> nothing, it is a hop of a capture that
never finished; a robots.txt the crawler read to obey it -> nothing.  What no WARC holds is not
recovered: articles ingested from files and their citations (an article captured by URL is
linked again if its row exists), tags, changes, alerts, pauses and ignore rules.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import BinaryIO, TypeVar
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.catalog.batches import NextDue
from archive.catalog.repository import Catalog
from archive.catalog.views import CAPTURE_MODES, CaptureRecord, EvidenceRecord, NewCapture, Redirect
from archive.links.memento import parse_http_date
from archive.warc.errors import UnreadableWarcError
from archive.warc.images import png_size
from archive.warc.note import CaptureNote, parse_note
from archive.warc.reader import parse_warc_date, parse_warc_fields

# Captures per transaction, and URLs per lookup (far below SQLite's variable limit).
BATCH = 500
FAILURE_KIND = "citewatch-fetch-error"
FAILURE_MESSAGE = "citewatch-fetch-error-message"
_READ = 1 << 20
_T = TypeVar("_T")


@dataclass(frozen=True)
class ReindexReport:
    """What a reindex found and did; reports add up (``a + b``)."""

    warcs: int = 0
    records: int = 0  # capture records read (responses, revisits, failures; not hops or notes)
    added: int = 0  # captures put back into the catalog
    known: int = 0  # captures the catalog had already
    skipped: int = 0  # records that are no capture (robots.txt, hops of an unfinished capture)
    sources_added: int = 0  # watched sources the catalog did not have

    def __add__(self, other: ReindexReport) -> ReindexReport:
        return ReindexReport(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


@dataclass(frozen=True)
class _Record:
    """One response, revisit or failure record, as much of it as a capture row needs."""

    rec_type: str
    record_id: str
    uri: str
    date: datetime
    offset: int
    length: int
    status: int | None = None
    content_type: str | None = None
    payload_digest: str | None = None
    body_length: int | None = None
    error_kind: str | None = None
    error: str | None = None


@dataclass
class _Scan:
    records: list[_Record] = field(default_factory=list)
    notes: dict[str, CaptureNote] = field(default_factory=dict)  # by the record they describe
    # A browser capture's evidence (screenshot, DOM, text, how it was made), by the record id of
    # the page's response it is concurrent to.
    evidence: dict[str, list[EvidenceRecord]] = field(default_factory=dict)


# A browser capture's evidence records, by the prefix of their target URI (Browsertrix's names).
EVIDENCE_PREFIXES = (("urn:fullPage:", "screenshot"), ("urn:dom:", "dom"), ("urn:text:", "text"))
BROWSER_CAPTURE = ("capture", "browser")  # the field that marks a browser capture's metadata record


def scan(stream: BinaryIO) -> _Scan:
    """Read a WARC file (gzipped or not) once: its capture records, with offsets, and its notes."""
    found = _Scan()
    records = ArchiveIterator(stream)
    for record in records:
        headers = record.rec_headers
        rec_type = record.rec_type
        record_id = headers.get_header("WARC-Record-ID")
        uri = headers.get_header("WARC-Target-URI")
        date = _date(headers.get_header("WARC-Date"))
        body = b""
        body_length = 0
        kind = _evidence_kind(rec_type, headers.get_header("WARC-Target-URI") or "")
        if rec_type == "metadata" or kind is not None:
            body = record.raw_stream.read()
        else:
            while chunk := record.raw_stream.read(_READ):
                body_length += len(chunk)
        records.read_to_end(record)
        if not record_id or not uri or date is None:
            continue
        about = headers.get_header("WARC-Concurrent-To")
        if kind is not None and about:
            found.evidence.setdefault(about, []).append(
                _evidence(kind, headers.get_header("Content-Type"), body, records, record_id)
            )
        elif rec_type in ("response", "revisit"):
            http = record.http_headers
            status = http.get_statuscode() if http is not None else None
            found.records.append(
                _Record(
                    rec_type=rec_type,
                    record_id=record_id,
                    uri=uri,
                    date=date,
                    offset=records.get_record_offset(),
                    length=records.get_record_length(),
                    status=int(status) if status and status.isdigit() else None,
                    content_type=http.get_header("Content-Type") if http is not None else None,
                    payload_digest=headers.get_header("WARC-Payload-Digest"),
                    body_length=body_length if rec_type == "response" else None,
                )
            )
        elif rec_type == "metadata":
            pairs = parse_warc_fields(body)
            values = dict(pairs)
            note = parse_note(pairs)
            if note is not None and about:
                found.notes[about] = note
            elif BROWSER_CAPTURE in pairs and about:
                found.evidence.setdefault(about, []).append(
                    _evidence("metadata", "application/warc-fields", body, records, record_id)
                )
            elif FAILURE_KIND in values:
                fetched = _date(values.get("citewatch-fetch-time")) or date
                found.records.append(
                    _Record(
                        rec_type="metadata",
                        record_id=record_id,
                        uri=uri,
                        date=fetched,
                        offset=records.get_record_offset(),
                        length=records.get_record_length(),
                        error_kind=values[FAILURE_KIND],
                        error=values.get(FAILURE_MESSAGE, ""),
                    )
                )
    return found


def reindex_warc(
    catalog: Catalog,
    warc_name: str,
    stream: BinaryIO,
    *,
    next_due: NextDue | None = None,
) -> ReindexReport:
    """Put back every capture of WARC file ``warc_name`` (read from ``stream``) that the catalog
    lacks, registering the file and the sources it names; idempotent.  ``next_due`` moves each
    source's next re-crawl as a crawl would have (None leaves schedules alone)."""
    try:
        found = scan(stream)
    except (ArchiveLoadFailed, ValueError, OverflowError, EOFError, zlib.error) as exc:
        raise UnreadableWarcError(
            warc_name, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        ) from exc
    catalog.register_warc(warc_name)
    by_id = {r.record_id: r for r in found.records}
    hops = {h.record_id for note in found.notes.values() for h in note.redirects}
    known = catalog.captures_in_warc(warc_name)
    known_ids = {c.record_id: c.id for c in known if c.record_id}
    known_offsets = {c.offset for c in known if c.offset is not None}
    captures = [r for r in found.records if r.record_id not in hops]
    todo = [r for r in captures if r.record_id not in known_ids and r.offset not in known_offsets]
    report = ReindexReport(warcs=1, records=len(captures), known=len(captures) - len(todo))
    # A browser capture the catalog has without its evidence (a process killed between the two
    # writes): the evidence rows are put back (recording them again adds nothing).
    for record_id, items in found.evidence.items():
        if record_id in known_ids:
            catalog.record_evidence(known_ids[record_id], _located(items, warc_name))
    if not todo:
        return report

    noted_sources = {n.source for r in todo if (n := found.notes.get(r.record_id)) and n.source}
    orphan_urls = {r.uri for r in todo if r.record_id not in found.notes}
    sources = _lookup(catalog, noted_sources | orphan_urls)
    missing = sorted(noted_sources - sources.keys())
    if missing:
        first_seen = min(r.date for r in todo)
        sources.update(catalog.watch_sources(missing, created_at=first_seen))
    articles = catalog.articles_for_origins(
        {n.article for r in todo if (n := found.notes.get(r.record_id)) and n.article}
    )
    wanted_parents = {n.parent for r in todo if (n := found.notes.get(r.record_id)) and n.parent}
    elsewhere = wanted_parents - known_ids.keys() - by_id.keys()
    parents = {**known_ids, **(catalog.captures_for_records(elsewhere) if elsewhere else {})}

    entries: list[tuple[_Record, NewCapture, str | None]] = []
    skipped = 0
    for r in todo:
        built = _capture(r, found.notes.get(r.record_id), warc_name, by_id, sources, articles)
        if built is None:
            skipped += 1
        else:
            entries.append(built)
    added = 0
    for chunk in _chunks(entries, BATCH):
        position = {r.record_id: n for n, (r, _, _) in enumerate(chunk)}
        batch = []
        for r, entry, parent in chunk:
            if parent is not None and parent in position and position[parent] < position[r.record_id]:
                entry = NewCapture(
                    capture=entry.capture,
                    parent=position[parent],
                    article_id=entry.article_id,
                    scheduled_at=entry.scheduled_at,
                )
            elif parent is not None and parent in parents:
                entry = NewCapture(
                    capture=_with_parent(entry.capture, parents[parent]),
                    article_id=entry.article_id,
                    scheduled_at=entry.scheduled_at,
                )
            batch.append(entry)
        ids = catalog.record_captures(batch, next_due=next_due)
        parents.update((r.record_id, capture_id) for (r, _, _), capture_id in zip(chunk, ids, strict=True))
        added += len(ids)
        for (r, _, _), capture_id in zip(chunk, ids, strict=True):
            if r.record_id in found.evidence:
                catalog.record_evidence(capture_id, _located(found.evidence[r.record_id], warc_name))
    return ReindexReport(
        warcs=1,
        records=report.records,
        added=added,
        known=report.known,
        skipped=skipped,
        sources_added=len(missing),
    )


def _capture(
    r: _Record,
    note: CaptureNote | None,
    warc_name: str,
    by_id: dict[str, _Record],
    sources: dict[str, int],
    articles: dict[str, int],
) -> tuple[_Record, NewCapture, str | None] | None:
    """The catalog row of one capture record (and its parent's record id), or None if it is none."""
    redirects: tuple[Redirect, ...] = ()
    if note is None:
        if r.status is not None and 300 <= r.status < 400:
            return None  # a hop whose capture never finished (its note would list it)
        if urlsplit(r.uri).path == "/robots.txt" and r.uri not in sources:
            return None  # fetched by the crawler to obey it, never a capture
        source_id = sources.get(r.uri)
        role, url, source, parent, article = "requisite", r.uri, None, None, None
        if source_id is not None:
            role, source = "source", source_id
    else:
        role, url, parent = note.role, note.target, note.parent
        source = sources.get(note.source) if note.source else None
        if role in ("source", "probe") and source is None:
            return None
        redirects = tuple(_redirect(h.record_id, h.status, h.url, warc_name, by_id) for h in note.redirects)
        article = articles.get(note.article) if note.article else None
    mode = note.mode if note is not None and note.mode in CAPTURE_MODES else "http"
    memento = note.memento if note is not None and role == "source" else None
    capture = CaptureRecord(
        role=role,
        url=url,
        mode=mode,
        captured_at=r.date,
        record_type=r.rec_type,
        source_id=source,
        final_url=r.uri,
        status=r.status,
        content_type=r.content_type,
        payload_digest=r.payload_digest,
        warc_name=warc_name,
        offset=r.offset,
        length=r.length,
        error_kind=r.error_kind,
        error=r.error,
        redirects=redirects,
        body_length=note.body_length if note is not None and note.body_length is not None else r.body_length,
        record_id=r.record_id,
        # A memento recovered from an archive (Memento in): its note names the archive and date.
        recovered_from=memento.archive if memento is not None else None,
        memento_datetime=parse_http_date(memento.memento_datetime) if memento is not None else None,
    )
    scheduled = r.date if role == "source" else None
    return r, NewCapture(capture=capture, article_id=article, scheduled_at=scheduled), parent


def _evidence_kind(rec_type: str, uri: str) -> str | None:
    if rec_type != "resource":
        return None
    return next((kind for prefix, kind in EVIDENCE_PREFIXES if uri.startswith(prefix)), None)


def _evidence(
    kind: str, content_type: str | None, payload: bytes, records: ArchiveIterator, record_id: str | None
) -> EvidenceRecord:
    """An evidence record found in the file (its file name is filled in by `_located`)."""
    size = png_size(payload) if kind == "screenshot" else None
    return EvidenceRecord(
        kind=kind,
        content_type=content_type or "application/octet-stream",
        warc_name="",
        offset=records.get_record_offset(),
        length=records.get_record_length(),
        record_id=record_id or "",
        digest=hashlib.sha256(payload).hexdigest(),
        size=len(payload),
        width=size[0] if size else None,
        height=size[1] if size else None,
    )


def _located(items: list[EvidenceRecord], warc_name: str) -> list[EvidenceRecord]:
    return [replace(item, warc_name=warc_name) for item in items if item.record_id]


def _redirect(record_id: str, status: int, url: str, warc_name: str, by_id: dict[str, _Record]) -> Redirect:
    hop = by_id.get(record_id)
    if hop is None:  # in an earlier file (the writer rolled over between hop and capture)
        return Redirect(url=url, status=status, record_id=record_id)
    return Redirect(
        url=url, status=status, warc_name=warc_name, offset=hop.offset, length=hop.length, record_id=record_id
    )


def _with_parent(capture: CaptureRecord, parent_id: int) -> CaptureRecord:
    return replace(capture, parent_id=parent_id)


def _date(value: str | None) -> datetime | None:
    try:
        return parse_warc_date(value)
    except ValueError:
        return None


def _lookup(catalog: Catalog, urls: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    ordered = sorted(urls)
    for chunk in _chunks(ordered, BATCH):
        found.update((s.url, s.id) for s in catalog.sources_for_urls(chunk))
    return found


def _chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
