"""Errors raised while reading an article; each message says what the user can do about it."""

from __future__ import annotations


class IngestError(Exception):
    """Base class for every error raised by :mod:`crawler.ingest`."""


class UnreadablePdf(IngestError):
    """The bytes given as a PDF cannot be read (corrupt, encrypted, or not a PDF at all)."""

    def __init__(self, reason: str, *, encrypted: bool = False) -> None:
        self.reason = reason
        self.encrypted = encrypted
        advice = (
            "open it with the password and print or export an unprotected copy, then ingest that"
            if encrypted
            else "check the file downloaded completely, or save the article as HTML or text and ingest that"
        )
        super().__init__(f"cannot read the PDF: {reason}; {advice}")


class UnsupportedArticle(IngestError):
    """The article's file type is not one citewatch can extract links from."""

    def __init__(self, filename: str, content_type: str | None = None) -> None:
        self.filename = filename
        self.content_type = content_type
        shown = f"{filename!r}" + (f" ({content_type})" if content_type else "")
        super().__init__(
            f"unsupported article type {shown}; "
            "save it as .html, .md, .txt or .pdf (or pass the type explicitly) and try again"
        )
