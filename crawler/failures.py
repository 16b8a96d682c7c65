"""Names a failed fetch: the kind a user (and change detection) can reason about, and a short message."""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet import error as neterror
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from crawler.errors import ForbiddenAddress


@dataclass(frozen=True)
class FailureInfo:
    """A failed fetch as data: ``kind`` is one of dns, refused, timeout, tls, too-large,
    too-many-redirects, robots, forbidden-address, connection or other."""

    kind: str
    message: str


def _inner(failure: Failure) -> BaseException:
    # A Failure always holds an exception (its constructor raises otherwise); None is only in the type.
    exc: BaseException = failure.value if failure.value is not None else RuntimeError("empty Failure")
    # Scrapy's HTTP handlers re-raise Twisted's ResponseFailed as DownloadFailedError, keeping the
    # original (and its reasons, e.g. the TLS error) only as __cause__.
    if isinstance(exc, DownloadFailedError) and isinstance(exc.__cause__, ResponseFailed):
        exc = exc.__cause__
    # Twisted wraps TLS and connection errors in ResponseNeverReceived/ResponseFailed lists.
    if isinstance(exc, ResponseNeverReceived | ResponseFailed) and exc.reasons:
        inner = exc.reasons[0]
        if isinstance(inner, Failure) and inner.value is not None:
            return inner.value
    return exc


def classify(failure: Failure, refused_hosts: dict[str, str], host: str) -> FailureInfo:
    """Turn a Twisted failure into a stable kind and a one-line message."""
    exc = _inner(failure)
    text = str(exc).strip() or exc.__class__.__name__
    if isinstance(exc, ForbiddenAddress):
        return FailureInfo("forbidden-address", text)
    if isinstance(exc, neterror.DNSLookupError | CannotResolveHostError):
        if host in refused_hosts:
            return FailureInfo(
                "forbidden-address",
                str(ForbiddenAddress(host, refused_hosts[host])),
            )
        return FailureInfo("dns", f"DNS lookup failed for {host}")
    if isinstance(exc, neterror.ConnectionRefusedError | DownloadConnectionRefusedError):
        return FailureInfo("refused", f"connection refused by {host}")
    timeouts = neterror.TimeoutError | neterror.TCPTimedOutError | TimeoutError | DownloadTimeoutError
    if isinstance(exc, timeouts):
        return FailureInfo("timeout", f"timed out fetching from {host}")
    if exc.__class__.__module__.startswith(("OpenSSL", "ssl")) or "SSL" in exc.__class__.__name__:
        return FailureInfo("tls", f"TLS error with {host}: {text}")
    if isinstance(exc, DownloadCancelledError | CancelledError):
        if "max size" in text or "maxsize" in text or "larger than" in text:
            return FailureInfo("too-large", text)
        if (
            isinstance(exc, DownloadCancelledError)
            and isinstance(exc.__cause__, CancelledError)
            and not str(exc)
        ):
            # Scrapy's HTTP/1.1 handler cancels a streamed (e.g. chunked) body that outgrows the size
            # limit without a message, only a log line; its timeouts arrive as DownloadTimeoutError.
            return FailureInfo("too-large", f"response from {host} exceeded the download size limit")
        return FailureInfo("timeout", f"download from {host} cancelled: {text}")
    if isinstance(exc, IgnoreRequest):
        lowered = text.lower()
        if "robots" in lowered:
            return FailureInfo("robots", f"robots.txt of {host} disallows this URL")
        if "redirect" in lowered:
            return FailureInfo("too-many-redirects", text)
        if "download_maxsize" in lowered:
            # Scrapy's compression middleware stops a body that inflates past the limit (a
            # decompression bomb): as too large as one that arrived that big.
            return FailureInfo(
                "too-large", f"response from {host} exceeded the download size limit once decompressed"
            )
        return FailureInfo("other", text)
    if isinstance(
        exc,
        neterror.ConnectionLost
        | neterror.ConnectionDone
        | neterror.ConnectError
        | DownloadFailedError
        | ResponseDataLossError,
    ):
        return FailureInfo("connection", f"connection to {host} failed: {text}")
    return FailureInfo("other", f"{exc.__class__.__name__}: {text}")
