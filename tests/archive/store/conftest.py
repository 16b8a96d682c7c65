"""Store fixtures: one real SeaweedFS per session (started on free loopback ports), a bucket per test.

Also makes the repository root importable when pytest runs as a script (stopgap until
``pythonpath = ["."]`` is set under ``[tool.pytest.ini_options]``).
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

# The path fix above must run before these imports.
import itertools  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402

from archive.store.s3 import MB, S3Store  # noqa: E402
from tests.seaweed import SeaweedFS  # noqa: E402

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
