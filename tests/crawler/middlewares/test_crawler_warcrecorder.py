"""The recorder's header and status-line helpers: what goes into the WARC must be what was sent."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import Headers

from crawler.middlewares.warcrecorder import _request_headers, header_list, reason_phrase


def test_header_list_keeps_repeated_headers_in_order() -> None:
    headers = Headers({"Set-Cookie": ["a=1; Path=/", "b=2; Path=/"], "Content-Type": "text/html"})

    assert header_list(headers) == [
        ("Set-Cookie", "a=1; Path=/"),
        ("Set-Cookie", "b=2; Path=/"),
        ("Content-Type", "text/html"),
    ]


def test_header_list_decodes_latin1_bytes_unchanged() -> None:
    headers = Headers({b"X-Name": b"caf\xe9"})

    assert header_list(headers) == [("X-Name", "café")]


def test_header_list_of_no_headers_is_empty() -> None:
    assert header_list(Headers()) == []


@pytest.mark.parametrize(("status", "phrase"), [(200, "OK"), (404, "Not Found"), (599, "")])
def test_reason_phrase(status: int, phrase: str) -> None:
    assert reason_phrase(status) == phrase


def test_request_headers_add_host_when_missing() -> None:
    request = Request("https://user:secret@news.example:8443/a?b=c", headers={"Accept": "text/html"})

    headers = _request_headers(request)

    assert headers[0] == ("Host", "news.example:8443"), "credentials never go into the Host header"
    assert ("Accept", "text/html") in headers


def test_request_headers_keep_an_explicit_host() -> None:
    request = Request("https://news.example/", headers={"Host": "virtual.example"})

    assert _request_headers(request) == [("Host", "virtual.example")]
