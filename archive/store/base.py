"""The one interface every object store backend implements (local directory, S3)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

_CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredObject:
    """An object known to be in the store, verified against the local file it came from."""

    key: str
    size: int
    sha256: str  # hex


class Store(Protocol):
    """Where closed WARCs and their indexes live. Keys are '/'-separated relative names."""

    @property
    def url(self) -> str:
        """Where this store is, e.g. ``file:///srv/citewatch`` or ``s3://bucket/prefix``."""
        ...

    def put_file(self, key: str, path: Path) -> StoredObject:
        """Store ``path`` under ``key`` (replacing it) and verify size and sha256 before returning."""
        ...

    def get_range(self, key: str, offset: int, length: int) -> bytes:
        """``length`` bytes of ``key`` starting at ``offset``, without reading the rest."""
        ...

    def get(self, key: str) -> bytes:
        """The whole object."""
        ...

    def head(self, key: str) -> int | None:
        """Size of ``key`` in bytes, or None if it does not exist."""
        ...

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with ``prefix``, in lexical order."""
        ...

    def check(self) -> None:
        """Raise ``StoreUnavailable`` with an actionable message if the store cannot be used."""
        ...


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def validate_key(key: str) -> str:
    """Reject keys that could escape the store root or mean different things to different backends."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"invalid store key {key!r}: use relative '/'-separated names without '.' or '..'")
    return key
