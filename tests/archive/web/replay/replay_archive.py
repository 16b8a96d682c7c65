"""A real little archive for replay tests: WARCs written by WarcWriter, a SQLite catalog, ranged reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from archive.catalog import CaptureRecord, Catalog, Redirect, open_catalog
from archive.warc.exchange import WrittenRecord
from archive.warc.writer import OPEN_SUFFIX, WarcWriter
from archive.web.replay import CaptureRow
from tests.archive.warc.samples import counting_ids, exchange


@dataclass
class ReplayArchive:
    """Writes captures the way the crawler does and reads their records back as the store would."""

    catalog: Catalog
    writer: WarcWriter
    spool: Path
    reads: int = 0

    @classmethod
    def open(cls, tmp_path: Path) -> ReplayArchive:
        catalog = open_catalog(f"sqlite:///{tmp_path}/c.db")
        writer = WarcWriter(tmp_path / "spool", new_id=counting_ids(), fsync=False)
        return cls(catalog, writer, tmp_path / "spool")

    def capture(
        self,
        url: str,
        at: datetime,
        body: bytes,
        *,
        content_type: str | None = "text/html; charset=utf-8",
        status: int = 200,
        headers: list[tuple[str, str]] | None = None,
        role: str = "requisite",
        final_url: str | None = None,
        redirects: tuple[Redirect, ...] = (),
    ) -> WrittenRecord:
        """Archive one response of ``final_url`` (or ``url``) and catalogue it as a capture of ``url``."""
        fetched = final_url or url
        all_headers = ([("Content-Type", content_type)] if content_type else []) + (headers or [])
        written = self.writer.write_exchange(
            exchange(fetched, status=status, headers=all_headers, body=body, at=at)
        )
        self._record(url, at, written, status, content_type, role, final_url or url, redirects)
        return written

    def revisit(self, url: str, at: datetime, of: WrittenRecord, original_at: datetime, body: bytes) -> None:
        """Archive an identical-payload revisit of ``url`` referring to the response ``of``."""
        assert of.payload_digest is not None
        written = self.writer.write_revisit(
            exchange(url, body=body, at=at),
            refers_to_uri=url,
            refers_to_date=original_at,
            refers_to_record_id=of.record_id,
            payload_digest=of.payload_digest,
        )
        self._record(url, at, written, 200, "text/html; charset=utf-8", "requisite", url, ())

    def _record(
        self,
        url: str,
        at: datetime,
        written: WrittenRecord,
        status: int,
        content_type: str | None,
        role: str,
        final_url: str,
        redirects: tuple[Redirect, ...],
    ) -> None:
        self.catalog.record_capture(
            CaptureRecord(
                role=role,
                url=url,
                final_url=final_url,
                captured_at=at,
                record_type=written.record_type,
                status=status,
                content_type=content_type,
                payload_digest=written.payload_digest,
                warc_name=written.warc_name,
                offset=written.offset,
                length=written.length,
                record_id=written.record_id,
                redirects=redirects,
            )
        )

    def read_record(self, row: CaptureRow) -> bytes | None:
        """One ranged read of the record's gzip member, from the spool file (open or closed)."""
        self.reads += 1
        for path in (self.spool / row.warc_name, self.spool / (row.warc_name + OPEN_SUFFIX)):
            if path.is_file():
                with open(path, "rb") as stream:
                    stream.seek(row.offset)
                    return stream.read(row.length)
        return None
