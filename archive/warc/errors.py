"""Errors raised by the WARC layer; each message says what to do about it."""

from __future__ import annotations


class WarcError(Exception):
    """Base class for WARC writing and reading errors."""


class WriterClosedError(WarcError):
    """A record was written after ``WarcWriter.close()`` made the writer final."""

    def __init__(self, spool_dir: str) -> None:
        super().__init__(
            f"WARC writer for {spool_dir} is closed; create a new WarcWriter to write more records"
        )


class InvalidRecordError(WarcError, ValueError):
    """Bytes that should hold exactly one WARC record do not."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"not a single valid WARC record: {reason} (check the offset/length used for the read)"
        )


class UnsupportedContentEncodingError(WarcError, ValueError):
    """A payload uses a Content-Encoding this reader cannot decode."""

    def __init__(self, encoding: str, hint: str = "") -> None:
        message = f"cannot decode Content-Encoding {encoding!r}"
        super().__init__(f"{message}: {hint}" if hint else message)
        self.encoding = encoding


class PayloadTooLargeError(WarcError, ValueError):
    """A payload that would grow past the decoding limit once its Content-Encoding is undone."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"payload larger than {limit:,} bytes once decoded (a decompression bomb?); "
            "it stays archived as received, undecoded"
        )
        self.limit = limit


class UnreadableWarcError(WarcError, ValueError):
    """A whole WARC file could not be read to its end."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(
            f"{name}: cannot be read as a WARC file past a point ({reason}); "
            "check it with `warcio check`, then move it aside and run the command again"
        )
