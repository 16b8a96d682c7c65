"""The API docs in a real browser: Swagger UI renders under the UI's strict CSP and every request
the page makes goes to the server itself (no CDN, no online validator)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.integration.conftest import Citewatch
from tests.integration.test_browser import CHROMIUM, browser_page  # noqa: F401 - fixture
from tests.integration.test_serve import serving

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="!!! chromium is not installed (apt-get install chromium): the browser tests are SKIPPED !!!",
)


def test_swagger_ui_renders_offline(cw: Citewatch, browser_page: Any) -> None:  # noqa: F811 - fixture
    requested: list[str] = []
    problems: list[str] = []
    browser_page.on("request", lambda request: requested.append(request.url))
    browser_page.on(
        "console", lambda message: problems.append(message.text) if message.type == "error" else None
    )
    with serving(cw) as served:
        browser_page.goto(served.url + "/docs")
        browser_page.wait_for_selector(".opblock", timeout=20_000)
        operations = browser_page.locator(".opblock").count()
    assert operations >= 10  # the API's GET operations and the actions
    own = urlsplit(served.url).netloc
    assert requested and all(urlsplit(url).netloc == own for url in requested), requested
    assert any(url.endswith("/openapi.json") for url in requested)
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
