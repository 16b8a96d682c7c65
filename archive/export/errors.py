"""Errors raised while exporting evidence packages; each message says what to do about it."""

from __future__ import annotations


class ExportError(Exception):
    """Base class for export errors."""


class NothingToExport(ExportError, ValueError):
    """The article has no archived capture yet: there is no evidence to package."""

    def __init__(self, article_id: int) -> None:
        super().__init__(
            f"article {article_id} has no archived page and no archived source yet; "
            "crawl it first (citewatch crawl), then export again"
        )
        self.article_id = article_id


class RecordMismatch(ExportError, ValueError):
    """The bytes at a capture's WARC location are not the record the catalog says is there."""

    def __init__(self, warc_name: str, offset: int, length: int, reason: str) -> None:
        super().__init__(
            f"{warc_name} at offset {offset} (length {length}) does not hold the catalogued record: "
            f"{reason}; the catalog or the stored WARC is damaged (run the fixity audit)"
        )
        self.warc_name = warc_name
        self.offset = offset
        self.length = length


class SigningKeyError(ExportError, ValueError):
    """The archive's WACZ signing key file cannot be read, created or trusted."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"the WACZ signing key {path} is unusable: {reason}")
        self.path = path
        self.reason = reason


class UnreadablePackage(ExportError, ValueError):
    """A file given to the WACZ verifier cannot be opened as a zip package at all."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path} cannot be checked: {reason}; give the path of a .wacz file")
        self.path = path


class CannotWritePackage(ExportError):
    """The package cannot be written where it was asked for (no such directory, a directory in the
    way, a read-only or special file system)."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: cannot write the package there ({reason}); choose another file path")
        self.path = path
        self.reason = reason
