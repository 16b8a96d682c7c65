"""Writing and reading WARC/1.1 files."""

from archive.warc.exchange import FetchFailure, HttpExchange, WrittenRecord
from archive.warc.reader import ArchivedRecord, decode_payload, iter_records, read_record
from archive.warc.recovery import RecoveredFile, recover_spool
from archive.warc.writer import WarcWriter

__all__ = [
    "ArchivedRecord",
    "FetchFailure",
    "HttpExchange",
    "RecoveredFile",
    "WarcWriter",
    "WrittenRecord",
    "decode_payload",
    "iter_records",
    "read_record",
    "recover_spool",
]
