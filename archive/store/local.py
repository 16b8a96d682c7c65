"""Object store in a local directory: the embedded default, and the simplest thing that is durable."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from archive.durability import fsync_dir
from archive.store.base import StoredObject, file_sha256, validate_key
from archive.store.errors import ObjectNotFound, StoreUnavailable, VerificationFailed


class LocalStore:
    """Keys map to files under ``root`` ('/' in a key makes subdirectories)."""

    def __init__(self, root: Path) -> None:
        self._root = Path(root).absolute()

    @property
    def url(self) -> str:
        """``file://`` URL of the root directory."""
        return self._root.as_uri()

    @property
    def root(self) -> Path:
        """The directory holding the objects."""
        return self._root

    def put_file(self, key: str, path: Path) -> StoredObject:
        """Copy to a temporary name beside the target, fsync, verify, then rename into place."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        expected_size = path.stat().st_size
        expected_sha = file_sha256(path)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, open(path, "rb") as source:
                shutil.copyfileobj(source, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            # Verify what reached the disk, not what we meant to write.
            size, sha = tmp.stat().st_size, file_sha256(tmp)
            if (size, sha) != (expected_size, expected_sha):
                raise VerificationFailed(
                    self.url, key, f"size {size}/{expected_size}, sha256 {sha}/{expected_sha}"
                )
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        fsync_dir(target.parent)
        return StoredObject(key=key, size=expected_size, sha256=expected_sha)

    def get_range(self, key: str, offset: int, length: int) -> bytes:
        """Read ``length`` bytes at ``offset``."""
        try:
            with open(self._path(key), "rb") as stream:
                stream.seek(offset)
                return stream.read(length)
        except FileNotFoundError as exc:
            raise ObjectNotFound(self.url, key) from exc

    def get(self, key: str) -> bytes:
        """Read the whole object."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise ObjectNotFound(self.url, key) from exc

    def head(self, key: str) -> int | None:
        """Size in bytes, or None if missing."""
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        """Keys under the root starting with ``prefix``, sorted; temporary upload files are skipped."""
        if not self._root.is_dir():
            return
        keys = (
            path.relative_to(self._root).as_posix()
            for path in self._root.rglob("*")
            if path.is_file() and not path.name.startswith(".")
        )
        yield from sorted(key for key in keys if key.startswith(prefix))

    def check(self) -> None:
        """The root must exist (or be creatable) and be writable."""
        try:
            self._root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(
                self.url, str(exc), "create the directory or choose another store"
            ) from exc
        if not os.access(self._root, os.W_OK | os.X_OK):
            raise StoreUnavailable(
                self.url, "directory not writable", "fix its permissions or choose another"
            )

    def _path(self, key: str) -> Path:
        return self._root.joinpath(*validate_key(key).split("/"))
