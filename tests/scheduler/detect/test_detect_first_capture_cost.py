"""A first capture is read for a soft 404 only on a cheap sign (issue 8): most of an ingest is
first captures, and extracting their text cost more than fetching and archiving them."""

from __future__ import annotations

import hashlib

import pytest

import scheduler.detect.classify as classify
from scheduler.detect import Observation, detect
from scheduler.detect.soft404 import SHORT_PAGE_BYTES, might_be_soft_404

URL = "https://www.example.gov/news/statement"
PROSE = "<p>The ministry confirms that the evacuation continued through the night and into the day.</p>" * 200


def html(title: str, heading: str, body: str = PROSE) -> bytes:
    return f"<html><head><title>{title}</title></head><body><h1>{heading}</h1>{body}</body></html>".encode()


def first(body: bytes) -> Observation:
    return Observation(URL, 200, URL, (), "sha1:" + hashlib.sha1(body).hexdigest(), "text/html", body, None)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (html("Statement on the evacuation", "Statement"), False),
        (html("Page not found | Ministry", "Statement"), True),
        (html("Ministry", "Sorry, this page no longer exists"), True),
        (html("Ministry", "<span>Error</span> 404"), True),
        (b"<html><body><p>Not here.</p></body></html>", True),  # short: always worth a look
        (b"<h1>" + b"x" * 300_000 + b"not found", False),  # an unclosed heading is not scanned to the end
    ],
)
def test_cheap_signs_of_a_not_found_page(payload: bytes, expected: bool) -> None:
    assert might_be_soft_404(payload) is expected
    assert len(html("t", "h")) > SHORT_PAGE_BYTES


def test_a_long_first_capture_without_a_sign_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_reading(*args: object, **kwargs: object) -> str:
        raise AssertionError("main text was extracted")

    monkeypatch.setattr(classify, "main_text", no_reading)
    verdict = detect(
        None, first(html("Statement", "Statement")), previous_state="pending", consecutive_failures=0
    )
    assert verdict.state == "live"


def test_a_long_first_capture_that_says_not_found_is_deleted() -> None:
    page = html(
        "Page not found | Ministry", "Page not found", body="<p>Try the search.</p>" + "<nav>x</nav>" * 900
    )
    verdict = detect(None, first(page), previous_state="pending", consecutive_failures=0)
    assert verdict.state == "deleted"
