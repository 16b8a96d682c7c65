"""A browser capture written the way the crawler writes one, for tests of what is built on it.

Real WARC records through `WarcWriter`: the document's request/response pair, then ``resource``
records for the screenshot (a real PNG), the rendered DOM and text (targets ``urn:fullPage:``,
``urn:dom:``, ``urn:text:`` + the page URL, Browsertrix's convention) and a ``metadata`` record
saying how the page was captured, all ``WARC-Concurrent-To`` the response; then the capture row
(``mode="browser"``) and its evidence rows in the catalog.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from datetime import datetime

from archive.catalog import CaptureRecord, Catalog, NewCapture
from archive.catalog.views import EvidenceRecord
from archive.warc.exchange import HttpExchange, WrittenRecord
from archive.warc.writer import WarcWriter
from tests.fixtures.site import png_bytes

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SHELL = (
    b'<html><head><title>Portal</title><script src="/app.js"></script></head>'
    b'<body><div id="app"></div></body></html>'
)
BROWSER = "Chromium 131.0.6778.85 (headless, Playwright)"
RECORDER = "warcprox 2.13.1"
TLS = "upstream TLS not verified by the recorder (warcprox accepts any server certificate)"


def png(width: int = 8, height: int = 6, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A real PNG (`tests.fixtures.site.png_bytes`, a two-colour checkerboard)."""
    return png_bytes(width, height, rgb, (255, 255, 255))


@dataclass(frozen=True)
class BrowserCapture:
    capture_id: int
    document: WrittenRecord
    evidence: dict[str, WrittenRecord]


def document_exchange(url: str, at: datetime, body: bytes = SHELL) -> HttpExchange:
    return HttpExchange(
        url=url,
        method="GET",
        request_headers=[("User-Agent", "Mozilla/5.0 HeadlessChrome"), ("Accept", "text/html")],
        request_body=b"",
        status=200,
        reason="OK",
        response_headers=[("Content-Type", "text/html; charset=utf-8")],
        body=body,
        fetched_at=at,
        ip_address="127.0.0.2",
    )


def record_browser_capture(
    catalog: Catalog,
    writer: WarcWriter,
    *,
    url: str,
    at: datetime,
    text: str,
    source_id: int | None,
    role: str = "source",
    screenshot: bytes | None = None,
    dom: str | None = None,
    blocked: tuple[str, ...] = (),
    notes: tuple[str, ...] = (),
    kinds: tuple[str, ...] = ("screenshot", "dom", "text", "metadata"),
    evidence_writer: WarcWriter | None = None,
) -> BrowserCapture:
    """Write and record one browser capture of ``url`` with the evidence ``kinds``; the evidence
    goes through ``evidence_writer`` when given (the crawler's own WARC, while the recorder writes
    the page's records into its own)."""
    shot = screenshot if screenshot is not None else png()
    document = writer.write_exchange(document_exchange(url, at))
    writer = evidence_writer or writer
    written: dict[str, WrittenRecord] = {}
    payloads: dict[str, tuple[str, bytes]] = {}
    resources = {
        "screenshot": (f"urn:fullPage:{url}", "image/png", shot),
        "dom": (
            f"urn:dom:{url}",
            "text/html; charset=utf-8",
            (dom or f"<html><body><p>{text}</p></body></html>").encode(),
        ),
        "text": (f"urn:text:{url}", "text/plain; charset=utf-8", text.encode("utf-8")),
    }
    for kind, (target, content_type, payload) in resources.items():
        if kind in kinds:
            written[kind] = writer.write_resource(
                target, content_type, payload, concurrent_to=document.record_id
            )
            payloads[kind] = (content_type, payload)
    if "metadata" in kinds:
        fields = [
            ("capture", "browser"),
            ("browser", BROWSER),
            ("recorder", RECORDER),
            ("tls", TLS),
            ("limits", "max-resources=200; max-bytes=20000000"),
            *(("blocked", b) for b in blocked),
            *(("note", n) for n in notes),
        ]
        written["metadata"] = writer.write_metadata(url, document.record_id, fields)
        payloads["metadata"] = ("application/warc-fields", b"")
    [capture_id] = catalog.record_captures(
        [
            NewCapture(
                capture=CaptureRecord(
                    role=role,
                    source_id=source_id,
                    url=url,
                    captured_at=at,
                    status=200,
                    content_type="text/html; charset=utf-8",
                    record_type="response",
                    payload_digest=document.payload_digest,
                    warc_name=document.warc_name,
                    offset=document.offset,
                    length=document.length,
                    record_id=document.record_id,
                    body_length=len(SHELL),
                    mode="browser",
                )
            )
        ]
    )
    catalog.record_evidence(
        capture_id,
        [
            EvidenceRecord(
                kind=kind,
                content_type=payloads[kind][0],
                warc_name=w.warc_name,
                offset=w.offset,
                length=w.length,
                record_id=w.record_id,
                digest=hashlib.sha256(payloads[kind][1]).hexdigest(),
                size=len(payloads[kind][1]),
                width=_png_size(shot)[0] if kind == "screenshot" else None,
                height=_png_size(shot)[1] if kind == "screenshot" else None,
            )
            for kind, w in written.items()
        ],
    )
    return BrowserCapture(capture_id, document, written)


def _png_size(data: bytes) -> tuple[int | None, int | None]:
    if not data.startswith(PNG_SIGNATURE) or len(data) < 24:
        return None, None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)
