"""Errors raised by object stores; messages name the store and say what to check."""

from __future__ import annotations


class StoreError(Exception):
    """Base class: an operation on the object store failed."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or used at all (endpoint down, bucket missing, bad credentials)."""

    def __init__(self, store_url: str, reason: str, hint: str) -> None:
        super().__init__(f"object store {store_url} unavailable: {reason} — {hint}")
        self.store_url = store_url
        self.reason = reason


class ObjectNotFound(StoreError, KeyError):
    """A key that should exist is not in the store."""

    def __init__(self, store_url: str, key: str) -> None:
        super().__init__(f"{key!r} not found in {store_url}")
        self.key = key

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0])


class VerificationFailed(StoreError):
    """What the store holds after an upload differs from the local file; the local copy is kept."""

    def __init__(self, store_url: str, key: str, detail: str) -> None:
        super().__init__(
            f"upload of {key!r} to {store_url} did not verify ({detail}); local file kept, retry"
        )
        self.key = key


class UnsupportedStore(StoreError, ValueError):
    """A store URL with a scheme no backend handles."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"unsupported store URL {url!r}: use a directory path, file:///path or s3://bucket/prefix"
        )


class NotYetStored(StoreError):
    """A WARC the catalog knows is still in the spool of the process that wrote it (another
    worker, mid-round): it can be read once that process uploads it, so a reader waits."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} is not in the store yet (its worker has not uploaded it)")
        self.name = name
