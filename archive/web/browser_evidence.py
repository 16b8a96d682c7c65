"""What a browser capture kept beside its page, read back for the UI: the screenshot, how the
capture was made (its metadata record's fields) and the rendered text.

Every byte here comes from an archived page: the screenshot is served only if its record is the
catalogued one and its payload starts with the PNG signature (`screenshot_png`), and text is only
ever shown escaped.  Nothing here runs archived code: the screenshot is an ``<img>``, never a
document, so it is there even where the sandboxed replay shows an empty shell.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from archive.catalog.views import EvidenceView
from archive.store.errors import StoreError
from archive.warc.errors import WarcError
from archive.warc.images import PNG_SIGNATURE
from archive.warc.reader import ArchivedRecord, parse_warc_fields, read_record
from archive.web.evidence import RecordReader

_log = logging.getLogger(__name__)

# The capture page shows this much rendered text; a page of text is a few kB, a huge one is cut.
TEXT_SHOWN = 200_000


class EvidenceUnavailable(Exception):
    """A browser capture's evidence record cannot be served: the message says which and why."""


def screenshot_path(capture_id: int) -> str:
    """Where the UI serves a capture's screenshot."""
    return f"/captures/{capture_id}/screenshot.png"


def read_evidence(read: RecordReader, item: EvidenceView) -> ArchivedRecord:
    """The record ``item`` points at; `EvidenceUnavailable` if it cannot be read, or the bytes
    there are not that record (a catalog and a store out of step)."""
    try:
        data = read(item)
        record = None if data is None else read_record(data)
    except (WarcError, StoreError, OSError) as exc:
        _log.warning("evidence %s of capture %s: unreadable WARC record: %s", item.id, item.capture_id, exc)
        raise EvidenceUnavailable(
            f"the {item.kind} record of capture #{item.capture_id} cannot be read"
        ) from exc
    if record is None or record.record_id != item.record_id:
        raise EvidenceUnavailable(
            f"the {item.kind} record of capture #{item.capture_id} is not where the catalog says it is"
        )
    return record


def screenshot_png(read: RecordReader, item: EvidenceView) -> bytes:
    """The screenshot's PNG bytes; `EvidenceUnavailable` unless they really are a PNG (an archive
    holds what pages and tools produced: never serve a look-alike as an image)."""
    payload = read_evidence(read, item).raw_payload
    if not payload.startswith(PNG_SIGNATURE):
        raise EvidenceUnavailable(f"the screenshot of capture #{item.capture_id} is not a PNG image")
    return payload


@dataclass(frozen=True)
class CaptureNote:
    """How a browser capture was made: the fields of its ``metadata`` record, in order."""

    fields: tuple[tuple[str, str], ...]

    def all(self, name: str) -> tuple[str, ...]:
        """Every value of field ``name`` (a field may repeat: one ``blocked`` per refused request)."""
        return tuple(value for key, value in self.fields if key.lower() == name)

    def first(self, name: str) -> str | None:
        return next(iter(self.all(name)), None)

    @property
    def browser(self) -> str | None:
        return self.first("browser")

    @property
    def recorder(self) -> str | None:
        return self.first("recorder")

    @property
    def tls(self) -> str | None:
        return self.first("tls")

    @property
    def limits(self) -> str | None:
        return self.first("limits")

    @property
    def blocked(self) -> tuple[str, ...]:
        return self.all("blocked")

    @property
    def notes(self) -> tuple[str, ...]:
        return self.all("note")


@dataclass(frozen=True)
class BrowserEvidence:
    """A browser capture's evidence as the capture page shows it; ``problems`` say what could not
    be read (the rest is still shown)."""

    screenshot: EvidenceView | None
    note: CaptureNote | None
    text: str | None
    text_cut: bool
    problems: tuple[str, ...]


def load_browser_evidence(read: RecordReader, kinds: Mapping[str, EvidenceView]) -> BrowserEvidence:
    """Read the metadata and text records of one capture (``kinds``: its evidence by kind; the
    screenshot is not read here, the page's ``<img>`` fetches it).  Never raises."""
    problems: list[str] = []
    note = text = None
    cut = False
    if "metadata" in kinds:
        try:
            note = CaptureNote(parse_warc_fields(read_evidence(read, kinds["metadata"]).raw_payload))
        except EvidenceUnavailable as exc:
            problems.append(str(exc))
    if "text" in kinds:
        try:
            full = read_evidence(read, kinds["text"]).raw_payload.decode("utf-8", "replace")
            text, cut = full[:TEXT_SHOWN], len(full) > TEXT_SHOWN
        except EvidenceUnavailable as exc:
            problems.append(str(exc))
    return BrowserEvidence(kinds.get("screenshot"), note, text, cut, tuple(problems))
