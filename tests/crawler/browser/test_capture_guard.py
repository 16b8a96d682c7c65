"""The browser's own request guard (route handler decisions), without a browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.browser.capture import BrowserCapturer, BrowserLimits, _PageState
from crawler.browser.recorder import WarcproxSidecar


def capturer(tmp_path: Path, **options: object) -> BrowserCapturer:
    sidecar = WarcproxSidecar(tmp_path / "w", tmp_path / "s", allow_addresses=["127.0.0.2"])
    return BrowserCapturer(sidecar, executable="/nonexistent/chromium", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://example.com/a.js", None),
        ("http://93.184.216.34/", None),
        ("http://127.0.0.2:8080/", None),  # allowed by address (the tests' site)
        ("data:text/plain,hi", None),
        ("blob:https://example.com/1", None),
        ("file:///etc/passwd", "scheme"),
        ("ftp://example.com/x", "scheme"),
        ("chrome://settings", "scheme"),
        ("http://127.0.0.1:9/", "private-address"),
        ("http://127.0.0.3/", "private-address"),
        ("http://localhost/", "private-address"),
        ("http://LOCALHOST./", "private-address"),
        ("http://foo.localhost/", "private-address"),
        ("http://169.254.169.254/latest/meta-data/", "private-address"),
        ("http://10.1.2.3/", "private-address"),
        ("http://[::1]/", "private-address"),
        ("http://[::ffff:127.0.0.1]/", "private-address"),
        ("http://0.0.0.0/", "private-address"),
    ],
)
def test_refusal(tmp_path: Path, url: str, reason: str | None) -> None:
    guard = capturer(tmp_path)
    assert guard._refusal(_PageState("p", guard.limits), url) == reason


def test_allow_private_opens_private_addresses_but_not_other_schemes(tmp_path: Path) -> None:
    guard = capturer(tmp_path, allow_private=True)
    state = _PageState("p", guard.limits)
    assert guard._refusal(state, "http://127.0.0.1/") is None
    assert guard._refusal(state, "http://localhost/") is None
    assert guard._refusal(state, "file:///etc/passwd") == "scheme"


def test_caps_refuse_once_reached(tmp_path: Path) -> None:
    guard = capturer(tmp_path, limits=BrowserLimits(max_resources=2, max_bytes=100))
    state = _PageState("p", guard.limits)
    assert guard._refusal(state, "https://example.com/") is None
    state.resources = 2
    assert guard._refusal(state, "https://example.com/") == "resource-cap"
    state.resources, state.bytes_received = 1, 100
    assert guard._refusal(state, "https://example.com/") == "byte-cap"
    assert guard._refusal(state, "http://127.0.0.1/") == "private-address"  # the reason that matters most
