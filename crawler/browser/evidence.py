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

from archive.warc.exchange import WrittenRecord
from archive.warc.writer import WarcWriter
from crawler.browser.capture import BrowserResult

PNG = "image/png"
TEXT = "text/plain; charset=utf-8"
# warcprox connects upstream with ssl.CERT_NONE: the recorded https responses were not checked.
TLS_NOTE = "upstream TLS not verified by the recorder (warcprox accepts any server certificate)"


@dataclass(frozen=True)
class EvidenceRecords:
    """Where the evidence landed; ``screenshot``/``text`` are None when the capture had none."""

    screenshot: WrittenRecord | None
    text: WrittenRecord | None
    metadata: WrittenRecord


class EvidenceError(ValueError):
    """The capture has no document response record to hang the evidence on."""


def write_evidence(writer: WarcWriter, result: BrowserResult, *, recorder_version: str) -> EvidenceRecords:
    """Write ``result``'s screenshot, rendered text and a metadata record with ``writer``.

    Raises `EvidenceError` when the document was never recorded (nothing to be concurrent to):
    the caller records the capture as failed instead.
    """
    document = result.document_record_id
    if document is None:
        raise EvidenceError(f"no response record for {result.final_url}: the page was not captured")
    target = result.final_url
    screenshot = text = None
    # sync=False for the first records: the metadata record's fsync makes the group durable.
    if result.screenshot is not None:
        screenshot = writer.write_resource(target, PNG, result.screenshot, concurrent_to=document, sync=False)
    if result.text is not None:
        text = writer.write_resource(
            target, TEXT, result.text.encode("utf-8"), concurrent_to=document, sync=False
        )
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
    if screenshot is not None:
        fields.append(("screenshot", screenshot.record_id))
    if text is not None:
        fields.append(("rendered-text", text.record_id))
    fields += [("blocked", f"{blocked.reason} {blocked.url}") for blocked in result.blocked]
    fields += [("note", note) for note in result.notes]
    metadata = writer.write_metadata(target, document, fields)
    return EvidenceRecords(screenshot=screenshot, text=text, metadata=metadata)
