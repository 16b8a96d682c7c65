"""S3Store against a real SeaweedFS: multipart uploads, verification, ranged reads, failures."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from archive.store import ObjectNotFound, StoreUnavailable
from archive.store.s3 import MB, S3Store
from tests.seaweed import TEST_CREDENTIALS, SeaweedFS, free_ports


def test_multipart_upload_is_verified_and_ranged_reads_work(s3_store: S3Store, tmp_path: Path) -> None:
    source = tmp_path / "big.warc.gz"
    data = os.urandom(12 * MB + 12345)
    source.write_bytes(data)

    stored = s3_store.put_file("warcs/big.warc.gz", source)

    assert stored.size == len(data) and stored.sha256 == hashlib.sha256(data).hexdigest()
    head = s3_store.client.head_object(Bucket=s3_store.url.split("/")[2], Key="archive/warcs/big.warc.gz")
    assert "-" in head["ETag"]  # multipart ETags end in -<parts>
    assert head["Metadata"]["sha256"] == stored.sha256
    assert s3_store.head("warcs/big.warc.gz") == len(data)
    assert s3_store.get_range("warcs/big.warc.gz", 6 * MB - 10, 20) == data[6 * MB - 10 : 6 * MB + 10]
    assert s3_store.get_range("warcs/big.warc.gz", len(data) - 5, 5) == data[-5:]


def test_small_put_get_list_head(s3_store: S3Store, tmp_path: Path) -> None:
    source = tmp_path / "small"
    source.write_bytes(b"hello archive")
    s3_store.put_file("warcs/a.warc.gz", source)
    s3_store.put_file("indexes/a.warc.gz.cdxj", source)
    assert s3_store.get("warcs/a.warc.gz") == b"hello archive"
    assert list(s3_store.list_keys()) == ["indexes/a.warc.gz.cdxj", "warcs/a.warc.gz"]
    assert list(s3_store.list_keys("warcs/")) == ["warcs/a.warc.gz"]
    assert s3_store.head("warcs/missing") is None
    with pytest.raises(ObjectNotFound):
        s3_store.get("warcs/missing")
    s3_store.check()


def test_missing_bucket_is_unavailable(seaweed: SeaweedFS) -> None:
    store = S3Store("no-such-bucket-here", client=seaweed.client())
    with pytest.raises(StoreUnavailable, match="bucket does not exist"):
        store.check()


def test_unreachable_endpoint_is_unavailable_quickly(tmp_path: Path) -> None:
    [port] = free_ports(1)
    client = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        config=Config(connect_timeout=1, retries={"max_attempts": 1}),
        **TEST_CREDENTIALS,
    )
    store = S3Store("bucket", client=client)
    source = tmp_path / "f"
    source.write_bytes(b"x")
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match=f"cannot connect to http://127.0.0.1:{port}"):
        store.check()
    with pytest.raises(StoreUnavailable):
        store.put_file("warcs/f", source)
    assert time.monotonic() - started < 10


def test_missing_credentials_are_reported(
    seaweed: SeaweedFS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = boto3.session.Session().client("s3", endpoint_url=seaweed.endpoint_url, region_name="us-east-1")
    with pytest.raises(StoreUnavailable, match="no S3 credentials"):
        S3Store("bucket", client=client).check()
