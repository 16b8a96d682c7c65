"""classify(): every way a fetch fails, as Scrapy 2.13+ and Twisted actually report it."""

from __future__ import annotations

import pytest
from OpenSSL import SSL
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Request
from scrapy.utils._download_handlers import get_maxsize_msg
from twisted.internet import error as neterror
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from crawler.errors import ForbiddenAddress
from crawler.failures import FailureInfo, classify

HOST = "source.example"


def failure_of(exc: BaseException, cause: BaseException | None = None) -> Failure:
    """A Failure as a Scrapy errback receives it; ``cause`` mimics ``raise exc from cause``."""
    exc.__cause__ = cause
    return Failure(exc)


def kind(exc: BaseException, refused: dict[str, str] | None = None) -> str:
    return classify(failure_of(exc), refused or {}, HOST).kind


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (neterror.DNSLookupError("no results for hostname lookup"), "dns"),
        (CannotResolveHostError("DNS lookup failed"), "dns"),
        (neterror.ConnectionRefusedError(), "refused"),
        (DownloadConnectionRefusedError("Connection was refused by other side"), "refused"),
        (neterror.TCPTimedOutError(), "timeout"),
        (neterror.TimeoutError(), "timeout"),
        (DownloadTimeoutError("Getting http://source.example/ took longer than 30.0 seconds."), "timeout"),
        (IgnoreRequest("Forbidden by robots.txt"), "robots"),
        (IgnoreRequest("max redirections reached"), "too-many-redirects"),
        (IgnoreRequest("some other middleware said no"), "other"),
        (ForbiddenAddress(HOST, "10.0.0.1"), "forbidden-address"),
        (neterror.ConnectionLost(), "connection"),
        (ResponseDataLossError("dataloss"), "connection"),
        (DownloadFailedError("Connection lost"), "connection"),
        (ValueError("something unexpected"), "other"),
    ],
)
def test_kind(exc: BaseException, expected: str) -> None:
    assert kind(exc) == expected


def test_dns_message_names_the_host() -> None:
    info = classify(failure_of(CannotResolveHostError("x")), {}, HOST)

    assert info == FailureInfo("dns", f"DNS lookup failed for {HOST}")


@pytest.mark.parametrize("exc", [neterror.DNSLookupError("no results"), CannotResolveHostError("nothing")])
def test_dns_failure_of_a_host_the_resolver_refused_is_forbidden_address(exc: BaseException) -> None:
    info = classify(failure_of(exc), {HOST: "127.0.0.1"}, HOST)

    assert info.kind == "forbidden-address"
    assert "127.0.0.1" in info.message
    assert "CITEWATCH_ALLOW_PRIVATE" in info.message


def test_a_refused_other_host_does_not_change_a_dns_failure() -> None:
    assert kind(CannotResolveHostError("x"), {"elsewhere.example": "10.0.0.1"}) == "dns"


def test_forbidden_address_message_says_how_to_allow_it() -> None:
    info = classify(failure_of(ForbiddenAddress("[::1]", "::1")), {}, "::1")

    assert info.kind == "forbidden-address"
    assert "CITEWATCH_ALLOW_PRIVATE" in info.message


@pytest.mark.parametrize("expected", [True, False])
def test_over_max_size_is_too_large(expected: bool) -> None:
    message = get_maxsize_msg(3_000_000, 1_048_576, Request("http://source.example/big"), expected=expected)

    info = classify(failure_of(DownloadCancelledError(message), CancelledError()), {}, HOST)

    assert info == FailureInfo("too-large", message)


def test_a_body_that_inflates_past_the_limit_is_too_large() -> None:
    # What HttpCompressionMiddleware raises for a decompression bomb (its wording in Scrapy 2.19).
    message = (
        "Ignored response <200 http://source.example/bomb> because its body (2123796 B compressed, "
        "52494336 B decompressed so far) exceeded DOWNLOAD_MAXSIZE (52428800 B) during decompression."
    )

    info = classify(failure_of(IgnoreRequest(message)), {}, HOST)

    assert info.kind == "too-large"
    assert "decompressed" in info.message and HOST in info.message


def test_a_streamed_body_cancelled_for_size_without_a_message_is_too_large() -> None:
    # What the HTTP/1.1 handler raises when a chunked body outgrows DOWNLOAD_MAXSIZE.
    info = classify(failure_of(DownloadCancelledError(""), CancelledError()), {}, HOST)

    assert info.kind == "too-large"
    assert HOST in info.message


def test_a_bare_twisted_cancel_is_a_timeout() -> None:
    assert kind(CancelledError()) == "timeout"


def _tls_error() -> SSL.Error:
    return SSL.Error([("SSL routines", "", "wrong version number")])


def test_tls_error_inside_response_never_received_is_tls() -> None:
    info = classify(failure_of(ResponseNeverReceived([Failure(_tls_error())])), {}, HOST)

    assert info.kind == "tls"
    assert "wrong version number" in info.message


def test_tls_error_as_scrapy_reports_it_is_tls() -> None:
    # Scrapy's handlers re-raise ResponseNeverReceived as DownloadFailedError(str(e)) from e.
    never = ResponseNeverReceived([Failure(_tls_error())])

    info = classify(failure_of(DownloadFailedError(str(never)), never), {}, HOST)

    assert info.kind == "tls"
    assert "wrong version number" in info.message


def test_connection_lost_inside_response_failed_is_connection() -> None:
    failed = ResponseFailed([Failure(neterror.ConnectionLost("gone"))])

    assert kind(DownloadFailedError(str(failed)), {}) == "connection"
    assert classify(failure_of(DownloadFailedError(str(failed)), failed), {}, HOST).kind == "connection"


def test_response_failed_without_reasons_is_not_mistaken_for_its_reasons() -> None:
    assert kind(ResponseFailed([])) == "other"


def test_unknown_exception_keeps_its_name_in_the_message() -> None:
    info = classify(failure_of(KeyError("boom")), {}, HOST)

    assert info.kind == "other"
    assert info.message.startswith("KeyError:")


def test_an_exception_without_a_message_is_named() -> None:
    info = classify(failure_of(RuntimeError()), {}, HOST)

    assert info == FailureInfo("other", "RuntimeError: RuntimeError")
