"""Spool: closed WARCs move to the store with their CDXJ; nothing is lost while the store is down."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
from botocore.config import Config

from archive.store import LocalStore, StoredObject
from archive.store.s3 import S3Store
from archive.store.spool import Spool, index_key, warc_key
from archive.warc.reader import read_record
from archive.warc.writer import WarcWriter
from tests.archive.warc.samples import HTML, counting_ids, exchange, fixed_clock
from tests.seaweed import TEST_CREDENTIALS, SeaweedFS, free_ports


def write_warc(spool: Path, count: int = 2) -> list[str]:
    writer = WarcWriter(spool, clock=fixed_clock(), new_id=counting_ids(), max_file_size=1)
    names = [writer.write_exchange(exchange(f"http://example.com/{i}")).warc_name for i in range(count)]
    writer.close()
    return names


def test_upload_moves_warc_and_index_then_deletes_local(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    seen: list[StoredObject] = []
    spool = Spool(tmp_path / "spool", store, on_stored=seen.append)
    names = write_warc(spool.directory)
    assert [p.name for p in spool.pending()] == names
    assert spool.locate(names[0]) == spool.directory / names[0]

    report = spool.upload_pending()

    assert report.ok and [s.key for s in report.stored] == [warc_key(n) for n in names]
    assert seen == list(report.stored)
    assert [i.key for i in report.indexes] == [index_key(n) for n in names]
    assert warc_key(names[0]) == f"warcs/{names[0]}"
    assert list(spool.directory.iterdir()) == []
    assert spool.locate(names[0]) is None
    assert (store.head(index_key(names[0])) or 0) > 0


def test_recover_then_upload(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", LocalStore(tmp_path / "store"))
    writer = WarcWriter(spool.directory, clock=fixed_clock(), new_id=counting_ids())
    rec = writer.write_exchange(exchange())
    assert spool.locate(rec.warc_name) == spool.directory / f"{rec.warc_name}.open"
    assert spool.pending() == []  # still open: not uploadable
    assert spool.recover() == []  # its writer is alive: hands off
    # As after a crash: the writer's process is gone, and with it the lock on the file.
    writer._file.close()  # type: ignore[union-attr]
    [recovered] = spool.recover()
    assert recovered.name == rec.warc_name
    assert spool.upload_pending().ok


def test_s3_down_keeps_files_and_next_run_uploads(seaweed: SeaweedFS, bucket: str, tmp_path: Path) -> None:
    [port] = free_ports(1)
    down_client = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        config=Config(connect_timeout=1, retries={"max_attempts": 1}),
        **TEST_CREDENTIALS,
    )
    spool_dir = tmp_path / "spool"
    names = write_warc(spool_dir)

    report = Spool(spool_dir, S3Store(bucket, client=down_client)).upload_pending()

    assert not report.ok and report.error is not None and "cannot connect" in report.error
    assert list(report.remaining) == names and report.stored == ()
    assert sorted(p.name for p in spool_dir.glob("*.warc.gz")) == names

    store = S3Store(bucket, client=seaweed.client())
    report = Spool(spool_dir, store).upload_pending()

    assert report.ok and len(report.stored) == 2
    assert not list(spool_dir.glob("*.warc.gz"))
    # The catalog's (name, offset, length) is enough to read a record back with one ranged GET.
    index_lines = store.get(index_key(names[0])).decode().splitlines()
    assert len(index_lines) == 1
    _, _, blob = index_lines[0].split(" ", 2)
    fields = json.loads(blob)
    data = store.get_range(warc_key(names[0]), int(fields["offset"]), int(fields["length"]))
    assert read_record(data).payload == HTML
