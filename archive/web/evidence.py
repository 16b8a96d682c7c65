"""What an archived capture says: its HTTP status, headers and main text, read back from its WARC record."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from archive.catalog import CaptureView
from archive.store.errors import StoreError
from archive.text import main_text
from archive.warc.errors import WarcError
from archive.warc.reader import ArchivedRecord, read_record

_log = logging.getLogger(__name__)


class RecordLocation(Protocol):
    """Where one WARC record's gzip member is: a capture's record, or a browser capture's evidence."""

    @property
    def warc_name(self) -> str | None: ...
    @property
    def offset(self) -> int | None: ...
    @property
    def length(self) -> int | None: ...


# The raw gzip member at a record's location (None when it has none): one ranged read.
RecordReader = Callable[[RecordLocation], bytes | None]


@dataclass(frozen=True)
class Evidence:
    """A capture as the diff page shows it: its status and main text, or why there is no text."""

    capture: CaptureView
    status: int | None
    content_type: str | None
    location: str | None
    text: str
    problem: str | None = None


def _parse(read: RecordReader, capture: CaptureView) -> ArchivedRecord | None:
    try:
        data = read(capture)
        return None if data is None else read_record(data)
    except (WarcError, StoreError, OSError) as exc:
        _log.warning("capture %s: unreadable WARC record: %s", capture.id, exc)
        return None


def load_evidence(
    capture: CaptureView,
    *,
    read: RecordReader,
    payload_capture: CaptureView | None,
    ignore_selectors: Sequence[str] = (),
) -> Evidence:
    """Read ``capture``'s record (and, for a revisit, the record holding its payload) and extract its text.

    Never raises: a failed fetch, a missing or unreadable record becomes ``problem``.
    """
    if capture.record_type == "metadata" or capture.error_kind:
        why = f"fetch failed ({capture.error_kind or 'error'}): {capture.error or 'no response'}"
        return Evidence(capture, capture.status, None, None, "", why)
    record = _parse(read, capture)
    if record is None:
        return Evidence(
            capture, capture.status, capture.content_type, None, "", "the WARC record is not available"
        )
    content_type = record.http_header("Content-Type") or capture.content_type
    location = record.http_header("Location")
    status = record.http_status if record.http_status is not None else capture.status
    body = record
    if capture.record_type == "revisit":
        holder = None if payload_capture is None else _parse(read, payload_capture)
        if holder is None:
            return Evidence(
                capture, status, content_type, location, "", "the revisited payload is not available"
            )
        body = holder
    try:
        text = main_text(body.payload, content_type, url=capture.url, ignore_selectors=ignore_selectors)
    except Exception as exc:  # a page the extractor chokes on still gets its diff page, with the reason
        _log.warning("capture %s: could not read its text", capture.id, exc_info=exc)
        return Evidence(capture, status, content_type, location, "", f"could not read its text: {exc}")
    return Evidence(capture, status, content_type, location, text, None if text else "no main text")
