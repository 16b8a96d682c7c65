"""Property tests (hypothesis): replay rewriting takes any page and lets no URL out of replay space.

Any text as HTML or CSS: no exception, a string back. Any value in a URL attribute comes back
neutralised ("#"), in replay space, or as something no browser fetches over HTTP or runs as
script, read the way browsers read URLs (C0 controls and spaces trimmed, tabs and newlines removed).
"""

from __future__ import annotations

import html
import re

import lxml.html
from hypothesis import example, given
from hypothesis import strategies as st

from archive.web.replay import ReplaySpace, rewrite_css, rewrite_html
from tests.fuzz.strategies import URLISH, hostile_text

SPACE = ReplaySpace("20261125153000")
PAGE = "https://news.example/politics/statement.html?id=7"
PREFIX = "/replay/20261125153000/"
URL_VALUES = st.one_of(
    st.lists(
        st.one_of(st.sampled_from((*URLISH, "java", "script", ":", "\\", "/")), hostile_text(3)), max_size=8
    ).map("".join),
    hostile_text(10),
)
_C0_OR_SPACE = "".join(map(chr, range(0x21)))
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def browser_scheme(value: str) -> str | None:
    """The scheme a browser reads in ``value`` (WHATWG URL parsing's first steps), if any."""
    cleaned = re.sub(r"[\t\n\r]", "", value.strip(_C0_OR_SPACE))
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


@given(page=hostile_text())
def test_any_page_or_stylesheet_is_rewritten(page: str) -> None:
    assert isinstance(rewrite_html(page, PAGE, SPACE), str)
    assert isinstance(rewrite_css(page, PAGE, SPACE), str)


@given(value=URL_VALUES, before=hostile_text(8))
@example(value="\x01javascript:alert(1)", before="")
@example(value=" \x0cjava\tscript:alert(1)", before="")
@example(value="http://[::1", before="")
def test_no_url_attribute_leaves_replay_space(value: str, before: str) -> None:
    page = f'<html><body><p>{html.escape(before)}<a href="{html.escape(value)}">x</a></p></body></html>'
    for anchor in lxml.html.document_fromstring(rewrite_html(page, PAGE, SPACE)).iter("a"):
        href = anchor.get("href") or ""
        if href == "#" or href.startswith(PREFIX):
            continue
        assert browser_scheme(href) not in ("http", "https", "javascript", "vbscript"), href
