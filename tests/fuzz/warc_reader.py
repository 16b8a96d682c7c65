"""Fuzz target: reading stored WARC bytes back, however they were damaged or forged.

Contract checked: ``read_record`` and ``iter_records`` return well-formed records or raise a
:class:`~archive.warc.errors.WarcError` (the replayer, the evidence view and detection catch that
and show "record unavailable"); recovery's ``valid_prefix`` never raises and never claims more
bytes than it was given. The input is tried raw (an uncompressed WARC) and as one gzip member, as
a ranged read of a spooled ``.warc.gz`` returns it.
"""

from __future__ import annotations

import gzip
import io
from contextlib import suppress
from datetime import datetime

from archive.warc.errors import WarcError
from archive.warc.reader import ArchivedRecord, iter_records, read_record
from archive.warc.recovery import valid_prefix


def check(data: bytes) -> None:
    """Raise (AssertionError or the unexpected exception) if reading ``data`` breaks the contract."""
    member = gzip.compress(data, compresslevel=1, mtime=0)
    for blob in (data, member):
        with suppress(WarcError):
            _well_formed(read_record(blob))
        try:
            for record in iter_records(io.BytesIO(blob)):
                _well_formed(record)
        except WarcError:
            pass
        end, count = valid_prefix(io.BytesIO(blob))
        assert 0 <= end <= len(blob) and count >= 0 and (count == 0) == (end == 0), (end, count)


def _well_formed(record: ArchivedRecord) -> None:
    assert isinstance(record.rec_type, str) and isinstance(record.record_id, str)
    assert record.http_status is None or 100 <= record.http_status <= 999
    assert record.date is None or (isinstance(record.date, datetime) and record.date.tzinfo is not None)
    assert isinstance(record.raw_payload, bytes) and isinstance(record.payload, bytes)
    for name, value in (*record.warc_headers, *record.http_headers):
        assert isinstance(name, str) and isinstance(value, str)
