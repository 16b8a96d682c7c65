"""A browser capture's evidence as WARC records: the screenshot, the rendered text, and how they were made.

warcprox records what the browser fetched; what the reader saw (a full-page PNG and the page's
``document.body.innerText``) is made by citewatch, so it goes in as ``resource`` records through
the project's own `archive.warc.writer.WarcWriter`, each with ``WARC-Concurrent-To`` = the
document's response record in the sidecar's WARC (a record may point into another file).  warcprox's
own ``WARCPROX_WRITE_RECORD`` cannot set that header, hence our writer.  One ``metadata`` record
says how the capture was made and what it was not allowed to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import sha256

from archive.warc.exchange import WrittenRecord
from archive.warc.images import png_size
from archive.warc.writer import WarcWriter, warc_fields
from crawler.browser.capture import BrowserResult

PNG = "image/png"
TEXT = "text/plain; charset=utf-8"
# warcprox connects upstream with ssl.CERT_NONE: the recorded https responses were not checked.
TLS_NOTE = "upstream TLS not verified by the recorder (warcprox accepts any server certificate)"


HTML = "text/html; charset=utf-8"
FIELDS = "application/warc-fields"
# Browsertrix's convention: evidence made by the crawler is not the page, so it gets a target URI
# of its own, and a replay tool never serves a screenshot for the page's URL.
SCREENSHOT_URI = "urn:fullPage:"
TEXT_URI = "urn:text:"
DOM_URI = "urn:dom:"


@dataclass(frozen=True)
class Written:
    """One evidence record: where it landed, and what its payload is."""

    record: WrittenRecord
    content_type: str
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class EvidenceRecords:
    """Where the evidence landed, by kind (screenshot | dom | text | metadata); a kind the capture
    did not get (a page that timed out before its screenshot) is absent."""

    written: dict[str, Written]

    @property
    def metadata(self) -> WrittenRecord:
        return self.written["metadata"].record


class EvidenceError(ValueError):
    """The capture has no document response record to hang the evidence on."""


def write_evidence(writer: WarcWriter, result: BrowserResult, *, recorder_version: str) -> EvidenceRecords:
    """Write ``result``'s screenshot, rendered DOM and text and a metadata record with ``writer``.

    Raises `EvidenceError` when the document was never recorded (nothing to be concurrent to):
    the caller records the capture as failed instead.
    """
    document = result.document_record_id
    if document is None:
        raise EvidenceError(f"no response record for {result.final_url}: the page was not captured")
    target = result.final_url
    written: dict[str, Written] = {}

    def resource(
        kind: str, prefix: str, content_type: str, payload: bytes, size: tuple[int, int] | None
    ) -> None:
        # sync=False: the metadata record's fsync makes the group durable.
        record = writer.write_resource(
            prefix + target, content_type, payload, concurrent_to=document, sync=False
        )
        width, height = size if size is not None else (None, None)
        digest = sha256(payload).hexdigest()
        written[kind] = Written(record, content_type, len(payload), digest, width, height)

    if result.screenshot is not None:
        resource("screenshot", SCREENSHOT_URI, PNG, result.screenshot, png_size(result.screenshot))
    if result.dom is not None:
        resource("dom", DOM_URI, HTML, result.dom.encode("utf-8", "replace"), None)
    if result.text is not None:
        resource("text", TEXT_URI, TEXT, result.text.encode("utf-8", "replace"), None)
    limits = result.limits
    fields: list[tuple[str, str]] = [
        ("capture", "browser"),
        ("browser", f"Chromium {result.browser_version} (headless, Playwright)"),
        ("recorder", f"warcprox {recorder_version}"),
        ("tls", TLS_NOTE),
        ("page-id", result.page_id),
        ("status", "" if result.status is None else str(result.status)),
        (
            "limits",
            f"max-resources={limits.max_resources}; max-bytes={limits.max_bytes}; "
            f"total-seconds={limits.total_seconds:g}; load-seconds={limits.load_seconds:g}; "
            f"viewport={limits.viewport_width}x{limits.viewport_height}",
        ),
        ("resources", str(result.resources)),
        ("bytes-received", str(result.bytes_received)),
    ]
    named = (("screenshot", "screenshot"), ("dom", "rendered-dom"), ("text", "rendered-text"))
    for kind, field_name in named:
        if kind in written:
            fields.append((field_name, written[kind].record.record_id))
    fields += [("blocked", f"{blocked.reason} {blocked.url}") for blocked in result.blocked]
    fields += [("note", note) for note in result.notes]
    metadata = writer.write_metadata(target, document, fields)
    payload = warc_fields(fields)
    written["metadata"] = Written(metadata, FIELDS, len(payload), sha256(payload).hexdigest())
    return EvidenceRecords(written)
