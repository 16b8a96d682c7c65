"""Writing and reading WARC/1.1 files.

The exports are loaded on first use (`archive.exports`): the crawler's data model needs only
`archive.warc.exchange`, and must not bring in warcio with it.
"""

from typing import TYPE_CHECKING

from archive.exports import lazy_exports

if TYPE_CHECKING:
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

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "FetchFailure": "archive.warc.exchange",
        "HttpExchange": "archive.warc.exchange",
        "WrittenRecord": "archive.warc.exchange",
        "ArchivedRecord": "archive.warc.reader",
        "decode_payload": "archive.warc.reader",
        "iter_records": "archive.warc.reader",
        "read_record": "archive.warc.reader",
        "RecoveredFile": "archive.warc.recovery",
        "recover_spool": "archive.warc.recovery",
        "WarcWriter": "archive.warc.writer",
    },
)
