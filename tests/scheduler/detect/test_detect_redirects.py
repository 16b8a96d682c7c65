"""Redirect targets: same page, home, generic, specific."""

from __future__ import annotations

import pytest

from scheduler.detect.model import Observation
from scheduler.detect.redirects import is_generic, is_home, moved, same_url


def test_same_url_ignores_scheme_www_slash_fragment_and_default_port() -> None:
    assert same_url("https://www.a.gov/x/", "http://a.gov:80/x#top")
    assert not same_url("https://a.gov/x", "https://a.gov/y")
    assert not same_url("https://a.gov/x?id=1", "https://a.gov/x?id=2")


HOMES = ["https://a.gov", "https://a.gov/", "https://a.gov/index.php", "https://a.gov/fr/", "https://a.gov/en-gb/home",
         "https://a.gov/default.aspx", "https://a.gov/?lang=en"]  # fmt: skip


@pytest.mark.parametrize("url", HOMES)
def test_home(url: str) -> None:
    assert is_home(url)


@pytest.mark.parametrize(
    "url", ["https://a.gov/news", "https://a.gov/en/news/statement", "https://a.gov/about"]
)
def test_not_home(url: str) -> None:
    assert not is_home(url)


def test_generic() -> None:
    assert is_generic("https://a.gov/user/login?next=/x")
    assert is_generic("https://a.gov/404.html")
    assert is_generic("https://a.gov/page-not-found")
    assert not is_generic("https://a.gov/news/statement-on-errors-in-report")
    probe = Observation(
        "https://a.gov/zz", 200, "https://a.gov/news/", (("https://a.gov/zz", 302),), None, None, None, None
    )
    assert is_generic("https://a.gov/news", probe)


def test_moved_needs_a_hop_and_another_page() -> None:
    hop = (("https://a.gov/x", 301),)
    assert moved(Observation("https://a.gov/x", 200, "https://a.gov/y", hop, None, None, None, None))
    assert not moved(Observation("https://a.gov/x", 200, "https://a.gov/x/", hop, None, None, None, None))
    assert not moved(Observation("https://a.gov/x", 200, "https://a.gov/y", (), None, None, None, None))


def test_short_paths_are_not_homes_unless_they_are_language_sections() -> None:
    from scheduler.detect.redirects import is_generic, is_home

    assert not is_home("https://site.example/r2")
    assert not is_home("https://site.example/gz")
    assert is_home("https://site.example/en/") and is_home("https://site.example/pt-br/index.html")
    assert not is_generic("https://site.example/accounts/annual-report-2025")
    assert is_generic("https://site.example/account/login")
