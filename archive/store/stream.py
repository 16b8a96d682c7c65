"""A stored object read as a stream, range by range: a whole WARC is read without holding it all.

`Store.get` reads an object into memory, fine for an index, not for a 1 GB WARC; this reads it
in ranged requests (`Store.get_range`, which every backend has) as the reader goes, and keeps
its sha256, so a caller reading it once also learns whether it is the file the catalog knows.
"""

from __future__ import annotations

import hashlib
import io

from archive.store.base import Store

RANGE_BYTES = 8 * 1024 * 1024


class ObjectStream(io.RawIOBase):
    """Sequential reads of ``key`` in ``store``: wrap it in ``io.BufferedReader(stream, RANGE_BYTES)``,
    which asks for that much per request."""

    def __init__(self, store: Store, key: str, size: int) -> None:
        super().__init__()
        self._store = store
        self._key = key
        self._size = size
        self._position = 0
        self._digest = hashlib.sha256()

    @property
    def size(self) -> int:
        return self._size

    def sha256(self) -> str:
        """Hex sha256 of what was read so far (of the whole object once read to the end)."""
        return self._digest.hexdigest()

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        wanted = min(len(buffer), self._size - self._position)
        if wanted <= 0:
            return 0
        data = self._store.get_range(self._key, self._position, wanted)
        buffer[: len(data)] = data
        self._position += len(data)
        self._digest.update(data)
        return len(data)
