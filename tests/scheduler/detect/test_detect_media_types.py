"""Detection reads a Content-Type as a browser does: "text/plain, text/html" is an HTML page.

Read naively (up to the first ";") that header was text/plain, so the raw markup was compared:
a fresh nonce or CSRF token in every response was an "edit" on every crawl.
"""

from __future__ import annotations

import hashlib

import pytest

from scheduler.detect import Observation, detect

URL = "https://www.example.gov/news/statement"
PAGE = (
    "<html><head><title>Statement</title><script nonce='{token}'>var t='{token}';</script></head><body>"
    "<form><input type='hidden' name='csrf' value='{token}'></form>"
    "<main><h1>Statement</h1><p>The ministry confirms that {number} civilians were evacuated on 3 May.</p>"
    "<p>An independent investigation will report within 30 days.</p></main></body></html>"
)


def capture(content_type: str, token: str, number: str = "101") -> Observation:
    body = PAGE.replace("{token}", token).replace("{number}", number).encode()
    return Observation(URL, 200, URL, (), "sha1:" + hashlib.sha1(body).hexdigest(), content_type, body, None)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain, text/html", "text/plain; charset=utf-8, text/html", "text/plain,text/html;charset=utf-8"],
)
def test_a_rotating_token_under_a_multi_valued_type_is_no_edit(content_type: str) -> None:
    before = capture(content_type, "kq7Zp2Lm")
    after = capture(content_type, "Xw3Rt9Bn")
    verdict = detect(before, after, previous_state="live", consecutive_failures=0)
    assert verdict.kind is None, verdict.summary


def test_a_real_edit_under_a_multi_valued_type_is_an_edit() -> None:
    before = capture("text/plain, text/html", "kq7Zp2Lm")
    after = capture("text/plain, text/html", "Xw3Rt9Bn", number="91")
    verdict = detect(before, after, previous_state="live", consecutive_failures=0)
    assert verdict.kind == "edited"
    assert any("101" in passage for passage in verdict.removed)
    assert not any("csrf" in passage or "nonce" in passage for passage in verdict.removed + verdict.added)
