"""Rolling WARC/1.1 writer: one gzip member per record, a ``warcinfo`` record first in every file.

Files live in a spool directory as ``NAME.open`` while being written and are renamed to ``NAME``
(``{prefix}-{YYYYmmddHHMMSSfff}-{serial:05d}.warc.gz``) when closed, so anything without ``.open``
is complete and safe to upload.  A writer made with ``hold_until_close`` (the crawl's) keeps the
files it rolls over ``.open``, and locked, until ``close``: the crawl declares its files complete
together, once every capture in them is in the catalog, and a crawl killed before that leaves
them all to start-up recovery, which reads their records back into the catalog.

Each record is built in memory by warcio, then appended with a single ``write`` and flushed to the
kernel, so a killed process loses at most the record it was writing; ``archive.warc.recovery``
trims such a torn tail.  Surviving a power cut or a kernel crash takes an fsync: after every record
by default, or, with ``sync_each_record=False``, whenever the caller asks (`WarcWriter.sync`), e.g.
once before each catalog commit that points at the records (warcprox and pywb flush each record and
never fsync it; one fsync per record cost ~7 ms of a blocked reactor per page here, more than
fetching it).

HTTP framing: the response block is the status line, the headers as received (a ``Transfer-Encoding``
header renamed, because Twisted already de-chunked the body) and the body exactly as received, still
content-encoded.  A received ``Content-Length`` is kept as is; readers (warcio, pywb, FastWARC) take
the body to run to the end of the WARC record, whose own ``Content-Length`` is always exact.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import BufferWARCWriter

from archive.durability import fsync_dir
from archive.warc.errors import InvalidRecordError, WriterClosedError
from archive.warc.exchange import FetchFailure, HttpExchange, WrittenRecord

OPEN_SUFFIX = ".open"
WARC_SUFFIX = ".warc.gz"
# Twisted has already removed the chunked framing from the body; keeping the header under its real
# name would make readers (warcio, pywb) try to de-chunk a body that is not chunked.
RENAMED_TRANSFER_ENCODING = "X-Citewatch-Original-Transfer-Encoding"
# Writes after which a capture record no longer holds its file's roll-over back while it awaits
# its note (the note normally follows within a few).
NOTE_GRACE = 256

# application/warc-fields: a mapping, or (name, value) pairs where a name may repeat.
Fields = Mapping[str, str] | Sequence[tuple[str, str]]

CAPTURE_NOTE = (
    "Captured through Scrapy/Twisted. HTTP response bodies are stored as received (still "
    "content-encoded), but Twisted removed chunked transfer-encoding (and usually the "
    "Transfer-Encoding header with it; if one reaches us it is stored as "
    "'X-Citewatch-Original-Transfer-Encoding'), so the body runs to the end of the record; "
    "header-name case and order were normalised by Twisted, so "
    "headers are as received modulo case and order; the reason phrase is reconstructed from the "
    "status code when the server's was not available."
)


def utcnow() -> datetime:
    """The default clock: timezone-aware UTC now."""
    return datetime.now(UTC)


def new_record_id() -> str:
    """The default record-ID factory: a fresh ``<urn:uuid:...>``."""
    return f"<urn:uuid:{uuid.uuid4()}>"


def warc_date(moment: datetime) -> str:
    """WARC/1.1 date with microseconds, always in UTC (naive datetimes are taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class WarcWriter:
    """Writes request/response, revisit and metadata records into rolling gzip WARC files."""

    def __init__(
        self,
        spool_dir: Path,
        *,
        prefix: str = "citewatch",
        max_file_size: int = 1_000_000_000,
        software: str = "citewatch/0.1.0",
        warcinfo_fields: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = utcnow,
        new_id: Callable[[], str] = new_record_id,
        on_file_closed: Callable[[Path], None] | None = None,
        fsync: bool = True,
        sync_each_record: bool = True,
        hold_until_close: bool = False,
    ) -> None:
        self._spool_dir = Path(spool_dir)
        self._spool_dir.mkdir(parents=True, exist_ok=True)
        self._prefix = prefix
        self._max_file_size = max_file_size
        self._software = software
        self._warcinfo_fields = dict(warcinfo_fields or {})
        self._clock = clock
        self._new_id = new_id
        self._on_file_closed = on_file_closed
        self._fsync = fsync
        self._sync_each_record = sync_each_record
        self._unsynced = False  # records flushed to the kernel but not fsynced yet
        # `sync` may be called from another thread (the catalog's before-commit hook fires on
        # every thread's commits): the flag and the fsync it stands for change together.
        self._sync_lock = threading.Lock()
        self._hold = hold_until_close
        # Files rolled over but not declared complete yet (hold_until_close): open, and locked.
        self._held: list[tuple[BinaryIO, str]] = []
        self._builder = BufferWARCWriter(gzip=True, warc_version="1.1")
        self._file: BinaryIO | None = None
        self._name: str | None = None
        self._serial = 0
        self._closed = False
        # A capture record written with ``awaits_note`` is followed by a metadata note about it
        # (the crawl's capture notes, archive.warc.note), and the file does not roll over between
        # the two, for reindex reads a note only with its record.  Records awaiting their note,
        # by the number of the write that made them; one that gets none within NOTE_GRACE writes
        # (a capture whose crawl callback failed) stops holding the roll-over back.
        self._awaiting: dict[str, int] = {}
        self._writes = 0

    @property
    def current_name(self) -> str | None:
        """Final name of the file being written, or None between files."""
        return self._name

    @property
    def spool_dir(self) -> Path:
        """Directory holding the ``.open`` and closed WARC files."""
        return self._spool_dir

    # -- public record API -------------------------------------------------------------------------

    def write_exchange(self, ex: HttpExchange, *, awaits_note: bool = False) -> WrittenRecord:
        """Write a ``request`` + ``response`` pair; return where the response record landed.

        ``awaits_note``: a note about it follows (`write_metadata`), and goes in the same file."""
        date = warc_date(ex.fetched_at)
        response_id = self._new_id()
        request_id = self._new_id()
        response = self._builder.create_warc_record(
            ex.url,
            "response",
            payload=io.BytesIO(ex.body),
            length=len(ex.body),
            warc_headers_dict=self._target_headers(response_id, date, ex.ip_address),
            http_headers=_response_headers(ex),
        )
        request = self._request_record(ex, request_id, date, concurrent_to=response_id)
        # Request first, as browsers and wget order them; both point at each other's ID.
        response.rec_headers.add_header("WARC-Concurrent-To", request_id)
        return self._expect_note(self._write(request, response), awaits_note)

    def write_revisit(
        self,
        ex: HttpExchange,
        *,
        refers_to_uri: str,
        refers_to_date: datetime,
        refers_to_record_id: str | None,
        payload_digest: str,
        awaits_note: bool = False,
    ) -> WrittenRecord:
        """Write a ``request`` + identical-payload-digest ``revisit`` (HTTP headers kept, no payload)."""
        date = warc_date(ex.fetched_at)
        revisit_id = self._new_id()
        request_id = self._new_id()
        headers = self._target_headers(revisit_id, date, ex.ip_address)
        if refers_to_record_id:
            headers["WARC-Refers-To"] = refers_to_record_id
        revisit = self._builder.create_revisit_record(
            ex.url,
            payload_digest,
            refers_to_uri,
            warc_date(refers_to_date),
            http_headers=_response_headers(ex),
            warc_headers_dict=headers,
        )
        revisit.rec_headers.add_header("WARC-Concurrent-To", request_id)
        return self._expect_note(
            self._write(self._request_record(ex, request_id, date, concurrent_to=revisit_id), revisit),
            awaits_note,
        )

    def write_failure(self, f: FetchFailure, *, awaits_note: bool = False) -> WrittenRecord:
        """Record a fetch that produced no HTTP response as a ``metadata`` record about the URL."""
        fields = {
            "citewatch-fetch-error": f.error_kind,
            "citewatch-fetch-error-message": f.message,
            "citewatch-fetch-time": warc_date(f.fetched_at),
        }
        record_id = self._new_id()
        record = self._fields_record(f.url, record_id, warc_date(f.fetched_at), fields)
        written = self._expect_note(self._write(record), awaits_note)
        return WrittenRecord(
            warc_name=written.warc_name,
            offset=written.offset,
            length=written.length,
            record_type=written.record_type,
            record_id=written.record_id,
            extra={"error_kind": f.error_kind},
        )

    def write_metadata(
        self,
        target_uri: str,
        concurrent_to: str,
        fields: Fields,
        *,
        sync: bool = True,
        describes: Sequence[str] = (),
    ) -> WrittenRecord:
        """Write a ``metadata`` record (``application/warc-fields``) about an earlier record.

        ``fields`` may repeat a name (as pairs).  ``sync=False`` flushes the record to the operating
        system without an fsync: it survives the process being killed, and the next record's fsync
        (the file's, on close) makes it durable on disk; for a note that only repeats what the
        catalog is told at once (`archive.warc.note`)."""
        record_id = self._new_id()
        record = self._fields_record(target_uri, record_id, warc_date(self._clock()), fields)
        record.rec_headers.add_header("WARC-Concurrent-To", concurrent_to)
        written = self._write(record, sync=sync)
        # The note of a capture (and of the redirect hops it lists, ``describes``) is written:
        # the file may roll over again.
        for record_id in (concurrent_to, *describes):
            self._awaiting.pop(record_id, None)
        return written

    def write_resource(
        self,
        target_uri: str,
        content_type: str,
        payload: bytes,
        *,
        concurrent_to: str | None = None,
        sync: bool = True,
    ) -> WrittenRecord:
        """Write a ``resource`` record: content citewatch made itself (a browser's screenshot or
        rendered text), tied by ``concurrent_to`` to the response record it was made from."""
        headers = {"WARC-Record-ID": self._new_id(), "WARC-Date": warc_date(self._clock())}
        if concurrent_to is not None:
            headers["WARC-Concurrent-To"] = concurrent_to
        record = self._builder.create_warc_record(
            target_uri,
            "resource",
            payload=io.BytesIO(payload),
            length=len(payload),
            warc_content_type=content_type,
            warc_headers_dict=headers,
        )
        return self._write(record, sync=sync)

    def copy_records(self, members: Sequence[bytes]) -> list[WrittenRecord]:
        """Append records another WARC writer made (a recording proxy's), byte for byte: each of
        ``members`` is one gzip member holding one record, kept exactly as written, so its digests
        and WARC-Record-ID stay valid.  They go into one file together, and each is read back
        first: a member that is not exactly one WARC record is refused (`InvalidRecordError`), with
        nothing written."""
        written = [_member_record(member) for member in members]
        if not members:
            return []
        out, name = self._ensure_file()
        self._writes += 1
        offset = out.tell()
        out.write(b"".join(members))
        out.flush()
        self._mark_unsynced()
        placed = []
        for member, (record_type, record_id, digest) in zip(members, written, strict=True):
            placed.append(WrittenRecord(name, offset, len(member), record_type, record_id, digest))
            offset += len(member)
        return placed

    def sync(self) -> None:
        """Make every record written so far durable (fsync), if one is not yet; cheap when none is.
        Safe from any thread."""
        with self._sync_lock:
            out = self._file
            if self._unsynced and out is not None:
                with contextlib.suppress(ValueError):  # closed by a roll meanwhile, which fsynced it
                    os.fsync(out.fileno())
            self._unsynced = False

    def _mark_unsynced(self) -> None:
        """Records were flushed without an fsync: the next `sync` (or the file's close) makes them durable."""
        with self._sync_lock:
            self._unsynced = True

    def close(self) -> None:
        """Close the current file, and any held ones (fsync, rename ``.open`` to the final name);
        later writes fail."""
        self._finish_file()
        held, self._held = self._held, []
        for out, name in held:
            self._complete(out, name)
        self._closed = True

    def abandon(self) -> None:
        """Close every file without declaring it complete: each keeps its ``.open`` name, so that
        start-up recovery reads its records back into the catalog.  For a crawl whose captures
        could not all be written to the catalog; later writes fail."""
        files = [*self._held, *([(self._file, self._name)] if self._file and self._name else [])]
        self._held, self._file, self._name = [], None, None
        for out, _ in files:
            out.flush()
            os.fsync(out.fileno())
            out.close()
        self._closed = True

    def roll(self) -> None:
        """Close the current file now; the next record starts a new one (e.g. before an upload run).
        With ``hold_until_close`` the file stays ``.open`` until `close`."""
        self._finish_file()

    # -- building --------------------------------------------------------------------------------

    def _target_headers(self, record_id: str, date: str, ip_address: str | None) -> dict[str, str]:
        headers = {"WARC-Record-ID": record_id, "WARC-Date": date}
        if ip_address:
            headers["WARC-IP-Address"] = ip_address
        return headers

    def _request_record(
        self, ex: HttpExchange, record_id: str, date: str, concurrent_to: str
    ) -> ArcWarcRecord:
        parts = urlsplit(ex.url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        headers = list(ex.request_headers)
        # Twisted adds Host on the wire but Scrapy does not show it to middlewares.
        if not any(name.lower() == "host" for name, _ in headers):
            headers.insert(0, ("Host", parts.netloc))
        http_headers = StatusAndHeaders(
            f"{ex.method} {target} {ex.http_version}", headers, is_http_request=True
        )
        warc_headers = self._target_headers(record_id, date, ex.ip_address)
        warc_headers["WARC-Concurrent-To"] = concurrent_to
        return self._builder.create_warc_record(
            ex.url,
            "request",
            payload=io.BytesIO(ex.request_body),
            length=len(ex.request_body),
            warc_headers_dict=warc_headers,
            http_headers=http_headers,
        )

    def _fields_record(self, target_uri: str, record_id: str, date: str, fields: Fields) -> ArcWarcRecord:
        body = warc_fields(fields)
        return self._builder.create_warc_record(
            target_uri,
            "metadata",
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Record-ID": record_id, "WARC-Date": date},
        )

    def _warcinfo_record(self, name: str) -> ArcWarcRecord:
        fields: dict[str, str] = {
            "software": self._software,
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": socket.gethostname(),
        }
        fields.update(self._warcinfo_fields)
        fields.setdefault("description", CAPTURE_NOTE)
        body = warc_fields(fields)
        return self._builder.create_warc_record(
            "",
            "warcinfo",
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type="application/warc-fields",
            warc_headers_dict={
                "WARC-Record-ID": self._new_id(),
                "WARC-Date": warc_date(self._clock()),
                "WARC-Filename": name,
            },
        )

    # -- output ------------------------------------------------------------------------------------

    def _write(self, *records: ArcWarcRecord, sync: bool = True) -> WrittenRecord:
        """Append ``records`` to one file (never split across a roll); return the last one's location."""
        members = [self._serialise(record) for record in records]
        out, name = self._ensure_file()
        self._writes += 1
        offset = out.tell()
        # One write and one sync for the group: a request and its response land (or tear) together.
        out.write(b"".join(members))
        if sync:
            self._sync(out, each_record=True)
        else:
            out.flush()
            self._mark_unsynced()
        record = records[-1]
        payload_digest = record.rec_headers.get_header("WARC-Payload-Digest")
        return WrittenRecord(
            warc_name=name,
            offset=offset + sum(len(m) for m in members[:-1]),
            length=len(members[-1]),
            record_type=record.rec_type,
            record_id=record.rec_headers.get_header("WARC-Record-ID"),
            payload_digest=payload_digest if record.rec_type in ("response", "revisit") else None,
        )

    def _serialise(self, record: ArcWarcRecord) -> bytes:
        # A fresh buffer writer per record: each call yields exactly one gzip member to append.
        buffer = BufferWARCWriter(gzip=True, warc_version="1.1")
        buffer.write_record(record)
        contents: bytes = buffer.get_contents()
        return contents

    def _ensure_file(self) -> tuple[BinaryIO, str]:
        if self._closed:
            raise WriterClosedError(str(self._spool_dir))
        # Roll before, not after, a record: a file only exceeds the limit by its last record (or,
        # with notes_follow, by the records written while a capture awaits its note).
        if self._file is not None and self._file.tell() >= self._max_file_size and self._may_roll():
            self._finish_file()
        if self._file is None or self._name is None:
            self._start_file()
        assert self._file is not None and self._name is not None
        return self._file, self._name

    def _expect_note(self, written: WrittenRecord, awaits_note: bool) -> WrittenRecord:
        if awaits_note and written.record_id:
            self._awaiting[written.record_id] = self._writes
        return written

    def _may_roll(self) -> bool:
        """Whether no capture of the current file still awaits its note (see ``_awaiting``)."""
        if self._awaiting:
            oldest_kept = self._writes - NOTE_GRACE
            self._awaiting = {rid: n for rid, n in self._awaiting.items() if n > oldest_kept}
        return not self._awaiting

    def _start_file(self) -> None:
        self._serial += 1
        stamp = self._clock().astimezone(UTC).strftime("%Y%m%d%H%M%S%f")[:-3]
        name = f"{self._prefix}-{stamp}-{self._serial:05d}{WARC_SUFFIX}"
        # "xb": never clobber a file another writer (or a previous run) left with the same name.
        self._file = open(self._spool_dir / (name + OPEN_SUFFIX), "xb")  # noqa: SIM115 - kept open across calls
        # Held until the file is closed: spool recovery in another process (the daemon, a second
        # command) skips files whose writer is alive, and the kernel drops the lock if we die.
        fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)
        self._name = name
        self._file.write(self._serialise(self._warcinfo_record(name)))
        self._sync(self._file)

    def _finish_file(self) -> None:
        if self._file is None or self._name is None:
            return
        out, name = self._file, self._name
        self._file, self._name = None, None
        out.flush()
        os.fsync(out.fileno())
        self._unsynced = False
        if self._hold and not self._closed:
            self._held.append((out, name))
            return
        self._complete(out, name)

    def _complete(self, out: BinaryIO, name: str) -> None:
        out.close()
        final = self._spool_dir / name
        os.replace(self._spool_dir / (name + OPEN_SUFFIX), final)
        fsync_dir(self._spool_dir)
        if self._on_file_closed is not None:
            self._on_file_closed(final)

    def _sync(self, out: BinaryIO, *, each_record: bool = False) -> None:
        out.flush()  # in the kernel: a killed process keeps it
        if not self._fsync:
            return
        if each_record and not self._sync_each_record:
            self._mark_unsynced()
        else:
            os.fsync(out.fileno())


def _response_headers(ex: HttpExchange) -> StatusAndHeaders:
    reason = ex.reason or _reason_phrase(ex.status)
    headers = [
        (RENAMED_TRANSFER_ENCODING if name.lower() == "transfer-encoding" else name, value)
        for name, value in ex.response_headers
    ]
    return StatusAndHeaders(f"{ex.status} {reason}".rstrip(), headers, protocol=ex.http_version)


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def warc_fields(fields: Fields) -> bytes:
    """The ``application/warc-fields`` payload of a metadata record with these fields."""
    # application/warc-fields is one "name: value" per line; fold newlines so a message can't forge fields.
    pairs = fields.items() if isinstance(fields, Mapping) else fields
    lines = (f"{name}: {' '.join(str(value).split())}\r\n" for name, value in pairs if value)
    return "".join(lines).encode("utf-8")


def _member_record(member: bytes) -> tuple[str, str, str | None]:
    """(type, record id, payload digest) of the single WARC record in one gzip member."""
    try:
        stream = ArchiveIterator(io.BytesIO(member), no_record_parse=True)
        records = []
        for record in stream:
            records.append(
                (
                    record.rec_type,
                    record.rec_headers.get_header("WARC-Record-ID"),
                    record.rec_headers.get_header("WARC-Payload-Digest"),
                )
            )
            record.content_stream().read()
    except Exception as error:  # warcio raises several kinds for bytes that are not a record
        raise InvalidRecordError(str(error)) from error
    if len(records) != 1:
        raise InvalidRecordError(f"{len(records)} records in one gzip member")
    record_type, record_id, digest = records[0]
    if not record_id:
        raise InvalidRecordError("no WARC-Record-ID")
    return record_type, record_id, digest if record_type in ("response", "revisit") else None
