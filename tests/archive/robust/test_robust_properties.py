"""Whatever the article, robust links only ever add the three attributes: remove them and the
original bytes come back (HTML and Markdown, hostile fragments included)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from archive.robust import decorate_html, decorate_markdown
from archive.robust.errors import UndecodableArticle
from archive.robust.links import RobustAttributes

ADDED_HTML = re.compile(rb' data-originalurl="[^"]*" data-versionurl="[^"]*" data-versiondate="[^"]*"')
ADDED_MD = re.compile(rb'\{data-originalurl="[^"]*" data-versionurl="[^"]*" data-versiondate="[^"]*"\}')


def cite_all(href: str, base: str | None) -> RobustAttributes:
    return RobustAttributes(href, "https://a.example/replay/20260101000000/" + href, "2026-01-01")


HTML_PIECES = st.sampled_from(
    [
        b'<a href="http://x/1">',
        b"<A HREF=http://x/2/>",
        b"<a href='http://x/3' title=\"a>b\"/>",
        b"<a\r\nhref=http://x/4\tdata-x=1>",
        b"</a>",
        b"<!-- <a href=http://x/c> -->",
        b"<script>'<a href=\"http://x/s\">'</script>",
        b"<p>",
        b"text &amp; more",
        b"\r\n",
        b"\xff\xfe",
        b"\xef\xbb\xbf",
        b"<a href=",
        b'"',
        b"<",
        b">",
        b"<a",
    ]
)
MD_PIECES = st.sampled_from(
    [
        "[a](http://x/1)",
        '[b](http://x/2 "t")',
        "[c][r]",
        "<http://x/3>",
        "`[d](http://x/4)`",
        "![i](http://x/5)",
        "<a href='http://x/6'>",
        "{.cls}",
        "\r\n",
        "\n\n",
        "> ",
        "    ",
        "\t",
        "- ",
        "# ",
        "\x00",
        "é",
        "[",
        "](",
        ")",
        "\n[r]: http://x/r\n",
    ]
)


@given(st.lists(HTML_PIECES, max_size=30))
def test_html_only_gains_attributes(pieces: list[bytes]) -> None:
    page = b"".join(pieces)
    try:
        out = decorate_html(page, cite_all).data
    except UndecodableArticle:  # a UTF-16 byte-order mark, then bytes that are not UTF-16
        assert page.startswith(b"\xff\xfe")
        return
    assert ADDED_HTML.sub(b"", out) == page


@given(st.lists(MD_PIECES, max_size=30), st.binary(max_size=4))
def test_markdown_only_gains_attributes(pieces: list[str], junk: bytes) -> None:
    data = "".join(pieces).encode() + junk
    try:
        out = decorate_markdown(data, cite_all).data
    except UndecodableArticle:
        assert data.startswith((b"\xff\xfe", b"\xfe\xff"))
        return
    # Inline HTML anchors gain them inside the tag, Markdown links in a block after it.
    assert ADDED_MD.sub(b"", ADDED_HTML.sub(b"", out)) == data
