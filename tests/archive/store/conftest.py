"""Shared fixtures for these tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from archive.store.s3 import MB, S3Store
from tests.seaweed import SeaweedFS

_buckets = itertools.count(1)


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    with SeaweedFS(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


@pytest.fixture
def bucket(seaweed: SeaweedFS) -> str:
    name = f"citewatch-test-{next(_buckets)}"
    seaweed.client().create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_store(seaweed: SeaweedFS, bucket: str) -> S3Store:
    """A store under a prefix, with multipart uploads from 5 MB so tests exercise them cheaply."""
    return S3Store(
        bucket, "archive", client=seaweed.client(), multipart_threshold=5 * MB, multipart_chunksize=5 * MB
    )
