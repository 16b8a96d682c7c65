"""Object stores for closed WARCs and their indexes; pick one with :func:`open_store`."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from archive.store.base import Store, StoredObject
from archive.store.errors import (
    ObjectNotFound,
    StoreError,
    StoreUnavailable,
    UnsupportedStore,
    VerificationFailed,
)
from archive.store.local import LocalStore
from archive.store.s3 import S3Store
from archive.store.spool import Spool, UploadReport, index_key, warc_key

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
        if multipart_threshold is not None:
            return S3Store(parts.netloc, parts.path.strip("/"), multipart_threshold=multipart_threshold)
        return S3Store(parts.netloc, parts.path.strip("/"))
    raise UnsupportedStore(url_or_path)
