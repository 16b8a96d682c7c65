"""Export one article's evidence as a WACZ 1.1.1 package that ReplayWeb.page and pywb can replay.

The package holds ONE new WARC, ``archive/data.warc.gz``: a ``warcinfo`` record saying what the
package is, then the original gzip members of the article page capture and of every capture of
every cited source, with their page requisites, copied byte for byte (digests and record IDs stay
as archived, so each record can be checked against the store).  Each response or revisit comes with
the ``request`` record written just before it (see `archive.export.members`), and each revisit with
the response holding its payload, so the package replays on its own.  A browser capture brings its
evidence records (screenshot, rendered DOM and text, capture metadata: ``resource`` and ``metadata``
records, wherever they were written), and its page entry the rendered text as ``text``.
``indexes/index.cdxj`` is cdxj-indexer's sorted index of that WARC, ``pages/pages.jsonl`` lists the
article page and every source capture that has something to replay (fetch failures have not), and
``datapackage.json`` hashes every file, and ``datapackage-digest.json`` hashes it, signed by the
archive's key when one is given (`archive.export.signature`).  The WARC is zipped STORED
(uncompressed), as the WACZ spec asks, so replay tools can read records by range; the other files
are deflated.

The package is built in a hidden temporary directory beside ``out_path`` and renamed into place
only when complete: a failed export leaves nothing behind, never a half-written WACZ.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import BinaryIO

from warcio.warcwriter import BufferWARCWriter

from archive.catalog import ArticleView, CaptureView, Catalog, UnknownArticle
from archive.durability import fsync_dir
from archive.export.datapackage import (
    Page,
    Resource,
    datapackage_digest_json,
    datapackage_hash,
    datapackage_json,
    iso_seconds,
    pages_jsonl,
)
from archive.export.errors import CannotWritePackage, NothingToExport
from archive.export.keys import PublicKey, SigningKey
from archive.export.members import Member, ReadRange, find_request, read_member
from archive.export.selection import Selected, find_original, select_captures
from archive.export.signature import sign
from archive.index.cdxj import write_cdxj
from archive.warc.errors import WarcError
from archive.warc.reader import read_record
from archive.warc.writer import warc_date

WARC_NAME = "data.warc.gz"
WARC_PATH = f"archive/{WARC_NAME}"
INDEX_PATH = "indexes/index.cdxj"
PAGES_PATH = "pages/pages.jsonl"
_CHUNK = 1 << 20


def _software() -> str:
    try:
        return f"citewatch {version('citewatch')}"
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "citewatch"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


@dataclass(frozen=True)
class ExportReport:
    """A written WACZ: where, its size, the WARC records and pages it holds, and what it lacks."""

    path: Path
    bytes: int
    records: int  # records in archive/data.warc.gz, the warcinfo included
    pages: int = 0
    notes: tuple[str, ...] = ()  # e.g. a revisit whose original payload the catalog no longer has
    public_key: PublicKey | None = None  # the key that signed it; None: unsigned


def export_wacz(
    catalog: Catalog,
    *,
    article_id: int,
    read_range: ReadRange,
    out_path: Path,
    clock: Callable[[], datetime] = _utcnow,
    new_id: Callable[[], str] = _new_id,
    software: str | None = None,
    capture_ids: Collection[int] | None = None,
    signing_key: SigningKey | None = None,
) -> ExportReport:
    """Write the evidence of article ``article_id`` to ``out_path`` as a WACZ; see the module doc.

    ``capture_ids``: only these captures (with their requisites, redirect hops, evidence records
    and revisited payloads), e.g. those a link-health report points to; None: the whole evidence.

    ``read_range(warc_name, offset, length)`` returns raw bytes of a stored (or spooled) WARC.
    ``clock`` and ``new_id`` make the package reproducible: same catalog, same clock, same bytes.
    With ``signing_key`` the package is signed (``signedData`` in ``datapackage-digest.json``, see
    `archive.export.signature`); ECDSA signatures are randomised, so only that field then varies.
    Raises `UnknownArticle`, `NothingToExport` (nothing archived yet) or `RecordMismatch` (the
    bytes at a catalogued location are not the catalogued record).
    """
    article = catalog.get_article(article_id)
    if article is None:
        raise UnknownArticle(article_id)
    selected = select_captures(catalog, article, only=capture_ids)
    if not selected:
        raise NothingToExport(article_id)
    out_path = Path(out_path)
    try:
        if out_path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "it is a directory")
        out_path.parent.mkdir(parents=True, exist_ok=True)
        # Made before any record is read: a place it cannot write fails at once, with nothing done.
        work_space = tempfile.TemporaryDirectory(prefix=f".{out_path.name}.", dir=out_path.parent)
    except OSError as exc:
        raise CannotWritePackage(out_path, exc.strerror or str(exc)) from exc
    created = clock()
    software = software or _software()
    with work_space as work_dir:
        work = Path(work_dir)
        warc = work / WARC_NAME
        with open(warc, "wb") as out:
            copier = _Copier(catalog, read_range, out)
            copier.write(_warcinfo(article, software, created, new_id()))
            copier.copy_all(selected)
        index = work / "index.cdxj"
        write_cdxj(warc, index)
        title = f"citewatch evidence: {article.title or article.origin}"
        files: list[tuple[str, bytes | Path]] = [
            (WARC_PATH, warc),
            (INDEX_PATH, index),
            (PAGES_PATH, pages_jsonl(copier.pages, title=title)),
        ]
        datapackage = datapackage_json(
            [_resource(path, content) for path, content in files],
            title=title,
            description=f"Archived page and cited sources of {article.origin}, as captured by citewatch.",
            created=created,
            software=software,
            main_page=copier.pages[0] if copier.pages else None,
        )
        files.append(("datapackage.json", datapackage))
        signed = None
        if signing_key is not None:
            signed = sign(
                signing_key, datapackage_hash(datapackage), created=iso_seconds(created), software=software
            ).as_json()
        files.append(("datapackage-digest.json", datapackage_digest_json(datapackage, signed)))
        package = work / "package.wacz"
        _write_zip(package, files, created)
        try:
            os.replace(package, out_path)
        except OSError as exc:  # e.g. a directory made there meanwhile
            raise CannotWritePackage(out_path, exc.strerror or str(exc)) from exc
        fsync_dir(out_path.parent)
    return ExportReport(
        out_path,
        out_path.stat().st_size,
        copier.records,
        len(copier.pages),
        tuple(copier.notes),
        signing_key.public if signing_key is not None else None,
    )


class _Copier:
    """Appends original gzip members to the new WARC, each record once, requests and originals too."""

    def __init__(self, catalog: Catalog, read_range: ReadRange, out: BinaryIO) -> None:
        self._catalog = catalog
        self._read_range = read_range
        self._out = out
        self._seen: set[tuple[str, int]] = set()
        self.records = 0
        self.pages: list[Page] = []
        self.notes: list[str] = []

    def write(self, member: bytes) -> None:
        self._out.write(member)
        self.records += 1

    def copy_all(self, selected: Sequence[Selected]) -> None:
        known = {s.capture.record_id: s.capture for s in selected if s.capture.record_id}
        for item in selected:
            # The redirect hops that led to the capture are evidence too (a statement moved).
            for hop in item.capture.redirects:
                if hop.warc_name is not None and hop.offset is not None and hop.length is not None:
                    self._copy(
                        CaptureView(
                            role=item.capture.role,
                            url=hop.url,
                            captured_at=item.capture.captured_at,
                            warc_name=hop.warc_name,
                            offset=hop.offset,
                            length=hop.length,
                            record_id=hop.record_id,
                            id=0,
                        )
                    )
            member = self._copy(item.capture)
            if member is None:
                continue
            text = self._copy_evidence(item)
            if item.title is not None and member.rec_type in ("response", "revisit"):
                when = _parse_warc_date(member.date) or item.capture.captured_at
                self.pages.append(Page(member.target_uri or item.capture.url, when, item.title, text))
            if member.rec_type == "revisit":
                uri = member.refers_to_uri or member.target_uri or item.capture.url
                revisit = item.capture
                if revisit.payload_digest is None and member.payload_digest is not None:
                    revisit = replace(revisit, payload_digest=member.payload_digest)
                original = find_original(self._catalog, known, revisit, refers_to=member.refers_to)
                if original is None:
                    self.notes.append(
                        f"revisit {member.record_id} of {uri}: the response holding its payload "
                        f"({member.refers_to or member.payload_digest}) is not in the catalog"
                    )
                else:
                    self._copy(original)

    def _copy_evidence(self, item: Selected) -> str | None:
        """Copy a browser capture's evidence records; returns its rendered text, if it kept one."""
        text = None
        for evidence in item.evidence:
            member = self._copy_member(
                evidence.warc_name, evidence.offset, evidence.length, evidence.record_id, item.capture.url
            )
            if evidence.kind == "text" and member is not None:
                try:
                    text = read_record(member.data).raw_payload.decode("utf-8", "replace")
                except WarcError as exc:  # the member parsed once already: not expected
                    self.notes.append(f"rendered text {member.record_id} of {item.capture.url}: {exc}")
        return text

    def _copy(self, capture: CaptureView) -> Member | None:
        return self._copy_member(
            capture.warc_name, capture.offset, capture.length, capture.record_id, capture.url
        )

    def _copy_member(
        self, name: str | None, offset: int | None, length: int | None, record_id: str | None, url: str
    ) -> Member | None:
        if name is None or offset is None or length is None:
            return None
        member = read_member(self._read_range, name, offset, length, record_id=record_id)
        if (name, offset) in self._seen:
            return member
        self._seen.add((name, offset))
        if member.rec_type in ("response", "revisit"):
            request = find_request(self._read_range, name, offset, member)
            if request is None:
                self.notes.append(f"{member.rec_type} {member.record_id} of {url}: no request record")
            else:
                self.write(request.data)
        self.write(member.data)
        return member


def _warcinfo(article: ArticleView, software: str, created: datetime, record_id: str) -> bytes:
    fields = {
        "software": software,
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "description": (
            "citewatch evidence package: the records below are copied byte for byte from the WARC "
            "files citewatch archived (one gzip member each), so their digests and record IDs are "
            "those of the original capture."
        ),
        "citewatch-article": article.origin,
        "citewatch-article-title": article.title,
    }
    body = "".join(f"{k}: {' '.join(v.split())}\r\n" for k, v in fields.items() if v).encode("utf-8")
    builder = BufferWARCWriter(gzip=True, warc_version="1.1")
    record = builder.create_warc_record(
        "",
        "warcinfo",
        payload=io.BytesIO(body),
        length=len(body),
        warc_content_type="application/warc-fields",
        warc_headers_dict={
            "WARC-Record-ID": record_id,
            "WARC-Date": warc_date(created),
            "WARC-Filename": WARC_NAME,
        },
    )
    builder.write_record(record)
    contents: bytes = builder.get_contents()
    return contents


def _parse_warc_date(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _resource(path: str, content: bytes | Path) -> Resource:
    if isinstance(content, bytes):
        return Resource(path, hashlib.sha256(content).hexdigest(), len(content))
    digest = hashlib.sha256()
    size = 0
    with open(content, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return Resource(path, digest.hexdigest(), size)


def _write_zip(path: Path, files: Sequence[tuple[str, bytes | Path]], created: datetime) -> None:
    stamp = created.astimezone(UTC).timetuple()[:6]
    with open(path, "wb") as raw, zipfile.ZipFile(raw, "w") as package:
        for name, content in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            # Fixed attributes and times: the same evidence always zips to the same bytes.
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED if name == WARC_PATH else zipfile.ZIP_DEFLATED
            # The size said up front: zipfile then adds Zip64 fields only to a member that needs
            # them (over 2 GiB), in its local header and central directory alike.  Forced on every
            # member, the local headers carried a Zip64 field the central directory lacked, and
            # ReplayWeb.page's zip reader (it trusts the central directory) read the wrong bytes.
            info.file_size = len(content) if isinstance(content, bytes) else content.stat().st_size
            with package.open(info, "w") as entry:
                if isinstance(content, bytes):
                    entry.write(content)
                else:
                    with open(content, "rb") as source:
                        shutil.copyfileobj(source, entry, _CHUNK)
        package.close()
        raw.flush()
        os.fsync(raw.fileno())
