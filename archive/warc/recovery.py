"""Start-up recovery of WARC files a crashed process left open in the spool.

A ``NAME.open`` file holds complete gzip members (one WARC record each) possibly followed by a
torn member that was being written when the process died.  Recovery keeps the longest prefix of
complete, parseable records, truncates the rest and renames the file to ``NAME`` so the normal
upload path picks it up.  Nothing complete is ever dropped.
"""

from __future__ import annotations

import fcntl
import io
import os
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.warc.writer import OPEN_SUFFIX

_CHUNK = 1 << 20


@dataclass(frozen=True)
class RecoveredFile:
    """What recovery did to one ``.open`` file."""

    name: str  # final name, e.g. citewatch-20261125153000123-00001.warc.gz
    path: Path  # final path in the spool
    records_kept: int
    bytes_truncated: int
    removed: bool = False  # True when nothing complete was left and the file was deleted


# An empty .open file younger than this may belong to a writer between creating and locking it.
FRESH_EMPTY_SECONDS = 60.0


# Called with (path of the repaired file, still ``.open``; its final name) before it is renamed.
OnRepaired = Callable[[Path, str], None]


def recover_spool(spool_dir: Path, *, on_repaired: OnRepaired | None = None) -> list[RecoveredFile]:
    """Repair and close every ``*.warc.gz.open`` file in ``spool_dir``; return what was done.

    A file whose first record (the warcinfo) is torn holds nothing complete: no record in it was
    ever reported to a caller (the warcinfo is synced before any other record is written), so it
    is deleted rather than left as an empty, invalid WARC; the result says so (``removed``).

    ``on_repaired`` sees each file once its torn tail is cut and before it is renamed (the
    catalog reads its records back then): if it raises, the file keeps its ``.open`` name, so
    the next recovery gives it to ``on_repaired`` again, and the error goes on up.
    """
    results: list[RecoveredFile] = []
    for open_path in sorted(Path(spool_dir).glob(f"*.warc.gz{OPEN_SUFFIX}")):
        recovered = _recover_if_abandoned(open_path, on_repaired)
        if recovered is not None:
            results.append(recovered)
    return results


def _recover_if_abandoned(open_path: Path, on_repaired: OnRepaired | None) -> RecoveredFile | None:
    """Recover a file only if no live writer holds its lock (see WarcWriter); None when skipped."""
    try:
        guard = open(open_path, "rb")  # noqa: SIM115 - closed below, after the lock is no longer needed
    except FileNotFoundError:  # its writer closed it meanwhile
        return None
    with guard:
        try:
            fcntl.flock(guard.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # a live process is still writing it
        stat = os.fstat(guard.fileno())
        if stat.st_size == 0 and time.time() - stat.st_mtime < FRESH_EMPTY_SECONDS:
            return None  # created an instant ago, its writer about to lock it
        if not open_path.exists():
            return None
        return _recover_file(open_path, on_repaired)


def _recover_file(open_path: Path, on_repaired: OnRepaired | None) -> RecoveredFile:
    size = open_path.stat().st_size
    with open(open_path, "rb") as stream:
        good_end, records = valid_prefix(stream)
    final = open_path.with_name(open_path.name[: -len(OPEN_SUFFIX)])
    if records == 0:
        open_path.unlink()
        return RecoveredFile(final.name, final, records_kept=0, bytes_truncated=size, removed=True)
    if good_end < size:
        with open(open_path, "r+b") as out:
            out.truncate(good_end)
            out.flush()
            os.fsync(out.fileno())
    if on_repaired is not None:
        on_repaired(open_path, final.name)
    os.replace(open_path, final)
    return RecoveredFile(name=final.name, path=final, records_kept=records, bytes_truncated=size - good_end)


def valid_prefix(stream: BinaryIO) -> tuple[int, int]:
    """Length in bytes and record count of the leading run of complete one-record gzip members."""
    good_end = 0
    records = 0
    while True:
        member = _read_member(stream, good_end)
        if member is None or not _is_one_record(member[1]):
            return good_end, records
        good_end = member[0]
        records += 1


def _read_member(stream: BinaryIO, start: int) -> tuple[int, bytes] | None:
    """Decompress the gzip member at ``start``; return (end offset, contents) or None if torn/invalid."""
    stream.seek(start)
    inflater = zlib.decompressobj(wbits=31)  # gzip framing; checks CRC and length at member end
    parts: list[bytes] = []
    consumed = 0
    while not inflater.eof:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return None
        try:
            parts.append(inflater.decompress(chunk))
        except zlib.error:
            return None
        consumed += len(chunk) - len(inflater.unused_data)
    return start + consumed, b"".join(parts)


def _is_one_record(data: bytes) -> bool:
    try:
        records = ArchiveIterator(io.BytesIO(data), no_record_parse=True, ensure_http_headers=False)
        record = next(records, None)
        if record is None:
            return False
        declared = int(record.rec_headers.get_header("Content-Length") or "-1")
        block = record.raw_stream.read()
        if len(block) != declared:
            return False
        return next(records, None) is None
    except (ArchiveLoadFailed, ValueError, OverflowError, EOFError):  # OverflowError: a length past 2**63
        return False
