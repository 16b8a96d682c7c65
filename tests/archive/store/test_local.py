"""LocalStore: atomic, verified copies under a root directory."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from archive.store import LocalStore, ObjectNotFound, StoreUnavailable, UnsupportedStore, open_store
from archive.store.s3 import S3Store


def test_put_get_range_head_list(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    source = tmp_path / "file.bin"
    data = os.urandom(100_000)
    source.write_bytes(data)

    stored = store.put_file("warcs/a.warc.gz", source)

    assert stored.key == "warcs/a.warc.gz"
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert store.get("warcs/a.warc.gz") == data
    assert store.get_range("warcs/a.warc.gz", 1000, 50) == data[1000:1050]
    assert store.head("warcs/a.warc.gz") == len(data)
    assert store.head("warcs/missing") is None
    store.put_file("indexes/a.warc.gz.cdxj", source)
    assert list(store.list_keys()) == ["indexes/a.warc.gz.cdxj", "warcs/a.warc.gz"]
    assert list(store.list_keys("warcs/")) == ["warcs/a.warc.gz"]
    assert not [p for p in (tmp_path / "store").rglob(".*")]  # no temporary files left
    assert store.url == (tmp_path / "store").as_uri()


def test_missing_object_and_bad_keys(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with pytest.raises(ObjectNotFound, match="nope"):
        store.get("nope")
    with pytest.raises(ObjectNotFound):
        store.get_range("nope", 0, 1)
    for key in ("../escape", "/abs", "a//b", ""):
        with pytest.raises(ValueError, match="invalid store key"):
            store.head(key)


def test_check_reports_an_unusable_root(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a directory")
    with pytest.raises(StoreUnavailable, match="unavailable"):
        LocalStore(blocker / "sub").check()
    LocalStore(tmp_path / "new").check()
    assert (tmp_path / "new").is_dir()


def test_open_store_picks_backend_by_scheme(tmp_path: Path) -> None:
    local = open_store(str(tmp_path))
    assert isinstance(local, LocalStore) and local.root == tmp_path
    via_url = open_store(tmp_path.as_uri())
    assert isinstance(via_url, LocalStore) and via_url.root == tmp_path
    s3 = open_store("s3://my-bucket/some/prefix/")
    assert isinstance(s3, S3Store) and s3.url == "s3://my-bucket/some/prefix"
    with pytest.raises(UnsupportedStore, match="ftp"):
        open_store("ftp://host/dir")
