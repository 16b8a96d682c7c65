"""Recovering WARCs a crashed writer left open: torn tails are cut, complete records kept."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

from archive.warc.exchange import WrittenRecord
from archive.warc.recovery import recover_spool
from archive.warc.writer import WarcWriter
from tests.archive.warc.samples import counting_ids, exchange, fixed_clock

WARCIO = str(Path(sys.executable).parent / "warcio")


def crashed_file(spool: Path, records: int) -> tuple[Path, list[WrittenRecord]]:
    """Write ``records`` exchanges and abandon the writer without closing, as a SIGKILL would."""
    writer = WarcWriter(spool, clock=fixed_clock(), new_id=counting_ids())
    written = [writer.write_exchange(exchange(f"http://example.com/{i}")) for i in range(records)]
    name = writer.current_name
    assert name is not None
    return spool / f"{name}.open", written


def assert_valid(path: Path) -> None:
    result = subprocess.run([WARCIO, "check", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_garbage_tail_is_truncated(tmp_path: Path) -> None:
    open_path, written = crashed_file(tmp_path, 3)
    size = open_path.stat().st_size
    with open(open_path, "ab") as out:
        out.write(b"\x1f\x8b\x08\x00garbage that is not a gzip member")
    [result] = recover_spool(tmp_path)
    assert result.name == written[0].warc_name
    assert result.records_kept == 1 + 3 * 2
    assert result.bytes_truncated == 37
    assert result.path.stat().st_size == size
    assert not open_path.exists()
    assert_valid(result.path)


def test_record_torn_mid_member_is_dropped(tmp_path: Path) -> None:
    open_path, written = crashed_file(tmp_path, 3)
    last = written[-1]
    with open(open_path, "r+b") as out:
        out.truncate(last.offset + last.length // 2)
    [result] = recover_spool(tmp_path)
    # The last response is torn; its request record, complete, is kept.
    assert result.records_kept == 1 + 2 * 2 + 1
    assert result.path.stat().st_size == last.offset
    assert result.bytes_truncated == last.length // 2
    assert_valid(result.path)


def test_only_warcinfo_survives(tmp_path: Path) -> None:
    open_path, written = crashed_file(tmp_path, 1)
    with open(open_path, "r+b") as out:
        out.truncate(written[0].offset - 100)  # inside the request record
    [result] = recover_spool(tmp_path)
    assert result.records_kept == 1
    assert_valid(result.path)


def test_torn_warcinfo_file_is_removed(tmp_path: Path) -> None:
    open_path, _ = crashed_file(tmp_path, 1)
    with open(open_path, "r+b") as out:
        out.truncate(20)
    [result] = recover_spool(tmp_path)
    assert result.removed and result.records_kept == 0 and result.bytes_truncated == 20
    assert list(tmp_path.iterdir()) == []


def test_intact_open_file_is_just_renamed_and_closed_files_are_untouched(tmp_path: Path) -> None:
    crashed_file(tmp_path, 2)
    closed = tmp_path / "citewatch-20260101000000000-00001.warc.gz"
    closed.write_bytes(b"not touched")
    [result] = recover_spool(tmp_path)
    assert result.bytes_truncated == 0 and result.records_kept == 5
    assert closed.read_bytes() == b"not touched"
    assert recover_spool(tmp_path) == []


def test_file_of_a_live_writer_is_left_alone(tmp_path: Path) -> None:
    """Another process (the daemon's upload job) must never truncate or rename a WARC being written."""
    writer = WarcWriter(tmp_path, clock=fixed_clock(), new_id=counting_ids())
    record = writer.write_exchange(exchange())
    open_path = tmp_path / (record.warc_name + ".open")
    size = open_path.stat().st_size
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from archive.warc.recovery import recover_spool; print(len(recover_spool({str(tmp_path)!r})))",
        ],
        capture_output=True,
        text=True,
    )
    assert probe.stdout.strip() == "0", probe.stderr
    assert open_path.stat().st_size == size
    writer.write_exchange(exchange())
    writer.close()
    assert_valid(tmp_path / record.warc_name)


def test_a_member_claiming_a_length_past_64_bits_is_where_recovery_cuts(tmp_path: Path) -> None:
    # Found by fuzzing (tests/fuzz/warc_reader.py): warcio raised OverflowError reading such a
    # record, and recovery, which runs at start-up, stopped with it.
    open_path, _ = crashed_file(tmp_path, 2)
    size = open_path.stat().st_size
    forged = b"WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: 99999999999999999999\r\n\r\nx"
    with open(open_path, "ab") as out:
        out.write(gzip.compress(forged))
    [result] = recover_spool(tmp_path)
    assert result.records_kept == 1 + 2 * 2
    assert result.path.stat().st_size == size
    assert_valid(result.path)
