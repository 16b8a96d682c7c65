"""Object stores for closed WARCs and their indexes; pick one with :func:`open_store`.

`S3Store` is loaded on first use (`archive.exports`): boto3 takes a quarter of a second to import,
which an archive on a local disk never needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from archive.exports import lazy_exports
from archive.store.base import Store, StoredObject
from archive.store.errors import (
    ObjectNotFound,
    StoreError,
    StoreUnavailable,
    UnsupportedStore,
    VerificationFailed,
)
from archive.store.local import LocalStore
from archive.store.spool import Spool, UploadReport, index_key, warc_key

if TYPE_CHECKING:
    from archive.store.s3 import S3Store

__all__ = [
    "LocalStore",
    "ObjectNotFound",
    "S3Store",
    "Spool",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "StoredObject",
    "UnsupportedStore",
    "UploadReport",
    "VerificationFailed",
    "index_key",
    "open_store",
    "warc_key",
]

__getattr__, __dir__ = lazy_exports(__name__, {"S3Store": "archive.store.s3"})


def open_store(url_or_path: str, *, multipart_threshold: int | None = None) -> Store:
    """A plain path or ``file://`` URL gives a LocalStore; ``s3://bucket/prefix`` an S3Store.

    ``multipart_threshold`` (bytes) is where S3 uploads switch to multipart; None keeps the default.
    """
    if "://" not in url_or_path:
        return LocalStore(Path(url_or_path).expanduser())
    parts = urlsplit(url_or_path)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise UnsupportedStore(url_or_path)
        return LocalStore(Path(unquote(parts.path)))
    if parts.scheme == "s3" and parts.netloc:
        from archive.store.s3 import S3Store

        if multipart_threshold is not None:
            return S3Store(parts.netloc, parts.path.strip("/"), multipart_threshold=multipart_threshold)
        return S3Store(parts.netloc, parts.path.strip("/"))
    raise UnsupportedStore(url_or_path)
