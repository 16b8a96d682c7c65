"""Object store on any S3 API (AWS S3, SeaweedFS, MinIO, Ceph RGW) through boto3.

The endpoint and credentials come from boto3's usual sources (``AWS_ENDPOINT_URL``,
``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, profiles, instance roles).  Every upload is
verified: the object's size must match, and its sha256 (stored as ``x-amz-meta-sha256``) is
recomputed by streaming the object back unless ``verify_read_back=False``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
)

from archive.store.base import StoredObject, file_sha256, validate_key
from archive.store.errors import ObjectNotFound, StoreError, StoreUnavailable, VerificationFailed

MB = 1024 * 1024
SHA256_METADATA = "sha256"  # sent as x-amz-meta-sha256

_MISSING_KEY_CODES = {"404", "NoSuchKey", "NotFound"}
_CREDENTIAL_CODES = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "403",
}


def default_client(endpoint_url: str | None = None) -> Any:
    """A boto3 S3 client with bounded timeouts and retries, so an outage is reported, not waited out."""
    config = Config(
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
        s3={"addressing_style": "path"},  # works with SeaweedFS/MinIO as well as AWS
    )
    return boto3.client("s3", endpoint_url=endpoint_url, config=config)


class S3Store:
    """Keys live under ``s3://bucket/prefix/``."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        client: Any = None,
        *,
        multipart_threshold: int = 64 * MB,
        multipart_chunksize: int = 16 * MB,
        verify_read_back: bool = True,
    ) -> None:
        self._bucket = bucket
        self._prefix = prefix.strip("/")
        self._client = client if client is not None else default_client()
        self._transfer = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=max(multipart_chunksize, 5 * MB),  # S3's minimum part size
            use_threads=True,
        )
        self._verify_read_back = verify_read_back

    @property
    def url(self) -> str:
        """``s3://bucket/prefix``."""
        return f"s3://{self._bucket}/{self._prefix}" if self._prefix else f"s3://{self._bucket}"

    @property
    def client(self) -> Any:
        """The boto3 client in use (e.g. to create buckets in tests)."""
        return self._client

    def put_file(self, key: str, path: Path) -> StoredObject:
        """Upload (multipart above the threshold) and verify size and sha256."""
        full_key = self._key(key)
        size = path.stat().st_size
        sha = file_sha256(path)
        with self._errors(key):
            self._client.upload_file(
                str(path),
                self._bucket,
                full_key,
                ExtraArgs={"Metadata": {SHA256_METADATA: sha}},
                Config=self._transfer,
            )
            head = self._client.head_object(Bucket=self._bucket, Key=full_key)
        stored_size = int(head["ContentLength"])
        stored_sha = head.get("Metadata", {}).get(SHA256_METADATA)
        if stored_size != size or stored_sha != sha:
            raise VerificationFailed(
                self.url, key, f"size {stored_size}/{size}, sha256 metadata {stored_sha}/{sha}"
            )
        if self._verify_read_back:
            read_sha = self._stream_sha256(key)
            if read_sha != sha:
                raise VerificationFailed(self.url, key, f"read-back sha256 {read_sha} != {sha}")
        return StoredObject(key=key, size=size, sha256=sha)

    def get_range(self, key: str, offset: int, length: int) -> bytes:
        """One ranged GET (``Range: bytes=offset-end``); the rest of the object is never transferred."""
        if length <= 0:
            return b""
        with self._errors(key):
            response = self._client.get_object(
                Bucket=self._bucket, Key=self._key(key), Range=f"bytes={offset}-{offset + length - 1}"
            )
            data: bytes = response["Body"].read()
        return data

    def get(self, key: str) -> bytes:
        """The whole object."""
        with self._errors(key):
            data: bytes = self._client.get_object(Bucket=self._bucket, Key=self._key(key))["Body"].read()
        return data

    def head(self, key: str) -> int | None:
        """Size, or None if the key does not exist."""
        try:
            with self._errors(key):
                response = self._client.head_object(Bucket=self._bucket, Key=self._key(key))
        except ObjectNotFound:
            return None
        return int(response["ContentLength"])

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        """Keys under the store prefix starting with ``prefix`` (relative to the store prefix)."""
        base = f"{self._prefix}/" if self._prefix else ""
        paginator = self._client.get_paginator("list_objects_v2")
        with self._errors(prefix or "/"):
            pages = list(paginator.paginate(Bucket=self._bucket, Prefix=base + prefix))
        for page in pages:
            for item in page.get("Contents", []):
                yield str(item["Key"])[len(base) :]

    def check(self) -> None:
        """HEAD the bucket: proves the endpoint answers, the credentials work and the bucket exists."""
        with self._errors(""):
            self._client.head_bucket(Bucket=self._bucket)

    def _stream_sha256(self, key: str) -> str:
        digest = hashlib.sha256()
        with self._errors(key):
            body = self._client.get_object(Bucket=self._bucket, Key=self._key(key))["Body"]
            for chunk in body.iter_chunks(MB):
                digest.update(chunk)
        return digest.hexdigest()

    def _key(self, key: str) -> str:
        validate_key(key)
        return f"{self._prefix}/{key}" if self._prefix else key

    @contextmanager
    def _errors(self, key: str) -> Iterator[None]:
        """Turn boto3/botocore exceptions into StoreUnavailable / ObjectNotFound / StoreError."""
        try:
            yield
        except StoreError:
            raise
        except Exception as exc:
            translated = _translate(self, key, exc)
            if translated is None:
                raise
            raise translated from exc


def _translate(store: S3Store, key: str, exc: BaseException) -> StoreError | None:
    url = store.url
    if isinstance(exc, S3UploadFailedError) and isinstance(exc.__context__, ClientError):
        exc = exc.__context__
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return StoreUnavailable(
            url,
            "no S3 credentials found",
            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any value works "
            "for a SeaweedFS without auth) or configure an AWS profile",
        )
    if isinstance(exc, EndpointConnectionError | ConnectionError):
        endpoint = store.client.meta.endpoint_url
        return StoreUnavailable(
            url, f"cannot connect to {endpoint}", "is the S3 server running and AWS_ENDPOINT_URL right?"
        )
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code == "NoSuchBucket" or (code in {"404", "NotFound"} and not key):
            return StoreUnavailable(
                url, "bucket does not exist", f"create bucket {store.url.split('/')[2]!r}"
            )
        if code in _MISSING_KEY_CODES:
            return ObjectNotFound(url, key)
        if code in _CREDENTIAL_CODES:
            return StoreUnavailable(
                url,
                f"access denied ({code})",
                "check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and bucket policy",
            )
        return StoreError(f"S3 error on {key!r} in {url}: {code} {error.get('Message', '')}".strip())
    if isinstance(exc, BotoCoreError):
        return StoreError(f"S3 client error on {key!r} in {url}: {exc}")
    return None
