"""Text of a PDF payload, page by page."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader

from archive.text.mediatype import essence_of

MAX_PAGES = 2000
_log = logging.getLogger(__name__)


def pdf_text(payload: bytes) -> str:
    """The text of every page of the PDF ``payload`` ("" if it is damaged or password-protected)."""
    # pypdf raises many exception types on damaged files (its own, ValueError, KeyError,
    # RecursionError...): they all mean "no text to compare", never a crash of the crawl.
    try:
        reader = PdfReader(io.BytesIO(payload))
        if reader.is_encrypted and not reader.decrypt(""):
            return ""
        pages = [page.extract_text() or "" for page in list(reader.pages)[:MAX_PAGES]]
    except Exception as error:
        _log.info("unreadable PDF (%s: %s)", type(error).__name__, str(error)[:200])
        return ""
    return "\n".join(pages)


def is_pdf(payload: bytes, content_type: str | None) -> bool:
    """Whether the payload is a PDF, by its Content-Type or its ``%PDF-`` magic."""
    media_type = essence_of(content_type)
    return media_type in {"application/pdf", "application/x-pdf"} or b"%PDF-" in payload[:1024]
